/*
 * src/dhcp/dhcp_wire.c: the DHCP message codec (RFC 2131 2, options RFC
 * 2132): erg_dhcp_parse, erg_dhcp_emit, and the bounded option cursor
 * both walk through.
 *
 * The cursor walks one field (options, file or sname) at a time and never
 * forms a pointer past it: every option's length is compared with what is
 * left of its own field (bad-input class 13 of TESTING.md), and each step
 * advances by at least one byte, so a walk ends within the field's length.
 *
 * Decisions where the RFCs leave a choice:
 * - The walk is strict, as erg/dhcp.h says: a field that runs out before
 *   its END option refuses the whole message (RFC 2131 4.1 says an
 *   options field ends with END; a server that forgets it is broken, and
 *   guessing where its options end is how parsers go wrong). Bytes after
 *   END are padding and ignored.
 * - RFC 3396 lets a long option be split at any byte into several
 *   instances. erg's only long options are the address lists (3, 6), and
 *   erg requires each instance to be a whole number of addresses, so that
 *   concatenation never has to reassemble an address across instances.
 *   Fixed-length options have no use for splitting: a second instance is
 *   refused rather than one of the two silently chosen.
 * - Option 52 may appear only in the options field: RFC 2131 4.1 reads
 *   file and sname only because the options field said so, and one said
 *   by the file field itself would be circular.
 * - erg_dhcp_emit never overloads (r->overload is ignored): erg's own
 *   messages fit in the options field of a 576-byte message.
 */
#include "dhcp_layer.h"

#include "erg/dhcp.h"

/* Offsets of the fixed part (RFC 2131 2, figure 1). */
#define OFF_OP      0u
#define OFF_HTYPE   1u
#define OFF_HLEN    2u
#define OFF_HOPS    3u
#define OFF_XID     4u
#define OFF_SECS    8u
#define OFF_FLAGS   10u
#define OFF_CIADDR  12u
#define OFF_YIADDR  16u
#define OFF_SIADDR  20u
#define OFF_GIADDR  24u
#define OFF_CHADDR  28u
#define OFF_SNAME   44u
#define LEN_SNAME   64u
#define OFF_FILE    108u
#define LEN_FILE    128u
#define OFF_COOKIE  236u
#define OFF_OPTIONS 240u

/* htype and hlen of Ethernet (RFC 1700 hardware type 1). */
#define HTYPE_ETHER 1u
#define HLEN_ETHER  6u

/* The smallest BOOTP message (RFC 1542 2.1: relays may drop shorter). */
#define BOOTP_MIN_LEN 300u

/* Option 52's values (RFC 2132 9.3). */
#define OVERLOAD_FILE  1u
#define OVERLOAD_SNAME 2u

/* ---- The option cursor ------------------------------------------------ */

/* A walk over one field: [p, p + len), at offset off. */
struct dhcp_cursor {
	const uint8_t *p;
	size_t len;
	size_t off;
};

enum dhcp_step {
	STEP_OPT, /* *code and *val hold the next option */
	STEP_END, /* the END option: the field is done */
	STEP_BAD  /* the field ran out before END, or an option past it */
};

/*
 * Steps to the next option of the field, skipping pad runs. The value
 * view lies inside the field: the length byte is checked against what is
 * left (off < len holds on entry to each test, so len - off cannot wrap).
 */
static enum dhcp_step
dhcp_cursor_next(struct dhcp_cursor *c, uint8_t *code, struct erg_view *val)
{
	size_t olen;

	while (c->off < c->len && c->p[c->off] == ERG_DHCP_OPT_PAD) {
		c->off++;
	}
	if (c->off >= c->len) {
		return STEP_BAD; /* no END */
	}
	*code = c->p[c->off];
	if (*code == ERG_DHCP_OPT_END) {
		c->off++;
		return STEP_END;
	}
	if (c->len - c->off < 2) {
		return STEP_BAD; /* the length byte is past the field */
	}
	olen = c->p[c->off + 1];
	if (olen > c->len - c->off - 2) {
		return STEP_BAD; /* the value runs past the field */
	}
	*val = erg_view_make(c->p + c->off + 2, olen);
	c->off += 2 + olen;
	return STEP_OPT;
}

/* ---- Parsing ---------------------------------------------------------- */

/* The fixed-length options and their lengths (RFC 2132). */
static const struct {
	uint8_t code;
	uint8_t len;
} dhcp_fixed[] = {
	{ ERG_DHCP_OPT_SUBNET_MASK, 4 },  /* 3.3 */
	{ ERG_DHCP_OPT_MTU, 2 },          /* 5.1 */
	{ ERG_DHCP_OPT_REQUESTED_IP, 4 }, /* 9.1 */
	{ ERG_DHCP_OPT_LEASE_TIME, 4 },   /* 9.2 */
	{ ERG_DHCP_OPT_OVERLOAD, 1 },     /* 9.3 */
	{ ERG_DHCP_OPT_MSG_TYPE, 1 },     /* 9.6 */
	{ ERG_DHCP_OPT_SERVER_ID, 4 },    /* 9.7 */
	{ ERG_DHCP_OPT_MAX_SIZE, 2 },     /* 9.10 */
	{ ERG_DHCP_OPT_T1, 4 },           /* 9.11 */
	{ ERG_DHCP_OPT_T2, 4 },           /* 9.12 */
};

#define DHCP_NFIXED (sizeof(dhcp_fixed) / sizeof(dhcp_fixed[0]))

/* What a parse has seen so far, across the fields. */
struct dhcp_parse_st {
	uint32_t seen; /* bit i: dhcp_fixed[i] was given */
};

/* Index of code in dhcp_fixed, or -1. */
static int
dhcp_fixed_index(uint8_t code)
{
	unsigned i;

	for (i = 0; i < DHCP_NFIXED; i++) {
		if (dhcp_fixed[i].code == code) {
			return (int)i;
		}
	}
	return -1;
}

/* Stores a fixed-length option's value (length already checked). */
static bool
dhcp_fixed_store(struct erg_dhcp_repr *r, uint8_t code, const uint8_t *p,
    bool in_options)
{
	switch (code) {
	case ERG_DHCP_OPT_SUBNET_MASK:
		r->has_mask = true;
		r->mask = erg_be32(p);
		break;
	case ERG_DHCP_OPT_MTU:
		r->has_mtu = true;
		r->mtu = erg_be16(p);
		break;
	case ERG_DHCP_OPT_REQUESTED_IP:
		r->requested = erg_be32(p);
		break;
	case ERG_DHCP_OPT_LEASE_TIME:
		r->has_lease = true;
		r->lease_s = erg_be32(p);
		break;
	case ERG_DHCP_OPT_OVERLOAD:
		/* RFC 2132 9.3: 1 file, 2 sname, 3 both; nothing else. */
		if (!in_options || p[0] < 1 || p[0] > 3) {
			return false;
		}
		r->overload = p[0];
		break;
	case ERG_DHCP_OPT_MSG_TYPE:
		if (p[0] < ERG_DHCP_DISCOVER || p[0] > ERG_DHCP_INFORM) {
			return false;
		}
		r->msg_type = p[0];
		break;
	case ERG_DHCP_OPT_SERVER_ID:
		r->server_id = erg_be32(p);
		break;
	case ERG_DHCP_OPT_MAX_SIZE:
		r->max_size = erg_be16(p);
		break;
	case ERG_DHCP_OPT_T1:
		r->has_t1 = true;
		r->t1_s = erg_be32(p);
		break;
	case ERG_DHCP_OPT_T2:
		r->has_t2 = true;
		r->t2_s = erg_be32(p);
		break;
	default: /* not in dhcp_fixed: a table and switch out of step */
		return false;
	}
	return true;
}

/*
 * An address list (options 3 and 6): whole addresses only; a second
 * instance continues the first (RFC 3396).
 */
static bool
dhcp_list_store(struct erg_dhcp_repr *r, uint8_t code, struct erg_view val)
{
	size_t i;

	if (val.len == 0 || val.len % 4 != 0) {
		return false;
	}
	if (code == ERG_DHCP_OPT_ROUTER) {
		if (!r->has_router) {
			r->has_router = true;
			r->router = erg_be32(val.p);
		}
		return true;
	}
	for (i = 0; i < val.len && r->dns_n < ERG_DHCP_DNS_MAX; i += 4) {
		r->dns[r->dns_n++] = erg_be32(val.p + i);
	}
	return true;
}

/* One option; false refuses the message. */
static bool
dhcp_opt_store(struct erg_dhcp_repr *r, struct dhcp_parse_st *st, uint8_t code,
    struct erg_view val, bool in_options)
{
	int i = dhcp_fixed_index(code);

	if (i >= 0) {
		if (val.len != dhcp_fixed[i].len ||
		    (st->seen & (1u << (unsigned)i)) != 0) {
			return false;
		}
		st->seen |= 1u << (unsigned)i;
		return dhcp_fixed_store(r, code, val.p, in_options);
	}
	if (code == ERG_DHCP_OPT_ROUTER || code == ERG_DHCP_OPT_DNS) {
		return dhcp_list_store(r, code, val);
	}
	return true; /* an option erg does not use: skipped by its length */
}

/* Walks one field to its END. */
static bool
dhcp_field_parse(struct erg_dhcp_repr *r, struct dhcp_parse_st *st,
    const uint8_t *p, size_t len, bool in_options)
{
	struct dhcp_cursor c = { p, len, 0 };
	struct erg_view val = { NULL, 0 };
	uint8_t code = 0;

	for (;;) {
		switch (dhcp_cursor_next(&c, &code, &val)) {
		case STEP_END:
			return true;
		case STEP_BAD:
			return false;
		default:
			break;
		}
		if (!dhcp_opt_store(r, st, code, val, in_options)) {
			return false;
		}
	}
}

/* The fixed part, after its checks. */
static void
dhcp_fixed_part(struct erg_dhcp_repr *r, const uint8_t *p)
{
	r->op = p[OFF_OP];
	r->htype = p[OFF_HTYPE];
	r->hlen = p[OFF_HLEN];
	r->hops = p[OFF_HOPS];
	r->xid = erg_be32(p + OFF_XID);
	r->secs = erg_be16(p + OFF_SECS);
	r->flags = erg_be16(p + OFF_FLAGS);
	r->ciaddr = erg_be32(p + OFF_CIADDR);
	r->yiaddr = erg_be32(p + OFF_YIADDR);
	r->siaddr = erg_be32(p + OFF_SIADDR);
	r->giaddr = erg_be32(p + OFF_GIADDR);
	memcpy(r->chaddr, p + OFF_CHADDR, sizeof(r->chaddr));
}

/* why may be NULL (a caller that only wants the verdict). */
static int
dhcp_refuse(enum erg_stat *why, enum erg_stat st, int rc)
{
	if (why != NULL) {
		*why = st;
	}
	return rc;
}

int
erg_dhcp_parse(struct erg_dhcp_repr *r, struct erg_view v, enum erg_stat *why)
{
	struct dhcp_parse_st st = { 0 };
	const uint8_t *p = v.p;

	memset(r, 0, sizeof(*r));
	if (v.len < ERG_DHCP_MIN_LEN) {
		return dhcp_refuse(why, ERG_STAT_DHCP_TRUNCATED, -ERG_ETRUNC);
	}
	if ((p[OFF_OP] != ERG_DHCP_BOOTREQUEST &&
	        p[OFF_OP] != ERG_DHCP_BOOTREPLY) ||
	    p[OFF_HTYPE] != HTYPE_ETHER || p[OFF_HLEN] != HLEN_ETHER) {
		return dhcp_refuse(why, ERG_STAT_DHCP_BAD_HEADER,
		    -ERG_EMALFORMED);
	}
	if (erg_be32(p + OFF_COOKIE) != ERG_DHCP_COOKIE) {
		return dhcp_refuse(why, ERG_STAT_DHCP_BAD_COOKIE,
		    -ERG_EMALFORMED);
	}
	dhcp_fixed_part(r, p);
	/* RFC 2131 4.1: options, then file, then sname. */
	if (!dhcp_field_parse(r, &st, p + OFF_OPTIONS, v.len - OFF_OPTIONS,
	        true) ||
	    ((r->overload & OVERLOAD_FILE) != 0 &&
	        !dhcp_field_parse(r, &st, p + OFF_FILE, LEN_FILE, false)) ||
	    ((r->overload & OVERLOAD_SNAME) != 0 &&
	        !dhcp_field_parse(r, &st, p + OFF_SNAME, LEN_SNAME, false))) {
		return dhcp_refuse(why, ERG_STAT_DHCP_BAD_OPTION,
		    -ERG_EMALFORMED);
	}
	return 0;
}

/* ---- Emitting --------------------------------------------------------- */

/*
 * Writes options into [p, p + cap), or with p NULL only counts them: the
 * same code sizes the message and then writes it.
 */
struct dhcp_writer {
	uint8_t *p;
	size_t cap;
	size_t off;
};

static void
dhcp_put(struct dhcp_writer *w, uint8_t code, const void *val, size_t len)
{
	if (w->p != NULL) {
		w->p[w->off] = code;
		w->p[w->off + 1] = (uint8_t)len;
		if (len > 0) {
			memcpy(w->p + w->off + 2, val, len);
		}
	}
	w->off += 2 + len;
}

static void
dhcp_put32(struct dhcp_writer *w, uint8_t code, uint32_t v)
{
	uint8_t b[4];

	erg_put_be32(b, v);
	dhcp_put(w, code, b, 4);
}

static void
dhcp_put16(struct dhcp_writer *w, uint8_t code, uint16_t v)
{
	uint8_t b[2];

	erg_put_be16(b, v);
	dhcp_put(w, code, b, 2);
}

/*
 * What a client asks for (RFC 2132 9.8): mask, router, DNS, interface
 * MTU, lease time, T1, T2.
 */
static const uint8_t dhcp_param_list[] = {
	ERG_DHCP_OPT_SUBNET_MASK,
	ERG_DHCP_OPT_ROUTER,
	ERG_DHCP_OPT_DNS,
	ERG_DHCP_OPT_MTU,
	ERG_DHCP_OPT_LEASE_TIME,
	ERG_DHCP_OPT_T1,
	ERG_DHCP_OPT_T2,
};

/* The addresses of option 3 or 6 (host order in, network order out). */
static void
dhcp_put_list(struct dhcp_writer *w, uint8_t code, const uint32_t *a,
    unsigned n)
{
	uint8_t b[4 * ERG_DHCP_DNS_MAX];
	unsigned i;

	for (i = 0; i < n; i++) {
		erg_put_be32(b + (size_t)4 * i, a[i]);
	}
	dhcp_put(w, code, b, 4 * (size_t)n);
}

/* Every option r holds, in a fixed order, and END. */
static void
dhcp_put_options(struct dhcp_writer *w, const struct erg_dhcp_repr *r)
{
	uint8_t one = r->msg_type;

	if (r->msg_type != 0) {
		dhcp_put(w, ERG_DHCP_OPT_MSG_TYPE, &one, 1);
	}
	if (r->client_id != NULL && r->client_id_len > 0) {
		dhcp_put(w, ERG_DHCP_OPT_CLIENT_ID, r->client_id,
		    r->client_id_len);
	}
	if (r->hostname != NULL && r->hostname_len > 0) {
		dhcp_put(w, ERG_DHCP_OPT_HOSTNAME, r->hostname,
		    r->hostname_len);
	}
	if (r->requested != 0) {
		dhcp_put32(w, ERG_DHCP_OPT_REQUESTED_IP, r->requested);
	}
	if (r->server_id != 0) {
		dhcp_put32(w, ERG_DHCP_OPT_SERVER_ID, r->server_id);
	}
	if (r->has_lease) {
		dhcp_put32(w, ERG_DHCP_OPT_LEASE_TIME, r->lease_s);
	}
	if (r->has_t1) {
		dhcp_put32(w, ERG_DHCP_OPT_T1, r->t1_s);
	}
	if (r->has_t2) {
		dhcp_put32(w, ERG_DHCP_OPT_T2, r->t2_s);
	}
	if (r->has_mask) {
		dhcp_put32(w, ERG_DHCP_OPT_SUBNET_MASK, r->mask);
	}
	if (r->has_router) {
		dhcp_put32(w, ERG_DHCP_OPT_ROUTER, r->router);
	}
	if (r->dns_n > 0) {
		dhcp_put_list(w, ERG_DHCP_OPT_DNS, r->dns,
		    ERG_MIN((unsigned)r->dns_n, ERG_DHCP_DNS_MAX));
	}
	if (r->has_mtu) {
		dhcp_put16(w, ERG_DHCP_OPT_MTU, r->mtu);
	}
	if (r->max_size != 0) {
		dhcp_put16(w, ERG_DHCP_OPT_MAX_SIZE, r->max_size);
	}
	if (r->param_list) {
		dhcp_put(w, ERG_DHCP_OPT_PARAM_LIST, dhcp_param_list,
		    sizeof(dhcp_param_list));
	}
	if (w->p != NULL) {
		w->p[w->off] = ERG_DHCP_OPT_END;
	}
	w->off++;
}

static void
dhcp_fixed_emit(const struct erg_dhcp_repr *r, uint8_t *p)
{
	memset(p, 0, OFF_OPTIONS);
	p[OFF_OP] = r->op;
	p[OFF_HTYPE] = r->htype;
	p[OFF_HLEN] = r->hlen;
	p[OFF_HOPS] = r->hops;
	erg_put_be32(p + OFF_XID, r->xid);
	erg_put_be16(p + OFF_SECS, r->secs);
	erg_put_be16(p + OFF_FLAGS, r->flags);
	erg_put_be32(p + OFF_CIADDR, r->ciaddr);
	erg_put_be32(p + OFF_YIADDR, r->yiaddr);
	erg_put_be32(p + OFF_SIADDR, r->siaddr);
	erg_put_be32(p + OFF_GIADDR, r->giaddr);
	memcpy(p + OFF_CHADDR, r->chaddr, sizeof(r->chaddr));
	erg_put_be32(p + OFF_COOKIE, ERG_DHCP_COOKIE);
}

int
erg_dhcp_emit(const struct erg_dhcp_repr *r, uint8_t *buf, size_t cap)
{
	struct dhcp_writer w = { NULL, 0, OFF_OPTIONS };
	size_t len;

	/* Dry run: the options' size, each at most 2 + 255 bytes. */
	dhcp_put_options(&w, r);
	len = ERG_MAX(w.off, (size_t)BOOTP_MIN_LEN);
	if (cap < len) {
		return -ERG_ENOSPC;
	}
	dhcp_fixed_emit(r, buf);
	w.p = buf;
	w.cap = cap;
	w.off = OFF_OPTIONS;
	dhcp_put_options(&w, r);
	/* RFC 2131 2: the rest is padding (zero: the pad option). */
	memset(buf + w.off, 0, len - w.off);
	return (int)len;
}
