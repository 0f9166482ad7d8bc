/*
 * src/ipv4/icmp.c: ICMP behaviour (RFC 792, RFC 1122 3.2.2, RFC 1191,
 * RFC 5927, RFC 6633).
 *
 * Decisions:
 * - Echo requests are answered in place: the request's own packet becomes
 *   the reply (type rewritten, checksum updated incrementally per RFC
 *   1624), so a ping costs no copy unless the reply must be fragmented.
 *   Requests to a broadcast address are ignored (RFC 1122 3.2.2.6 allows
 *   it; Linux does the same), which also keeps erg out of smurf attacks.
 * - Errors we send: protocol and port unreachable, and time exceeded in
 *   reassembly. Never about an ICMP error, a datagram to a broadcast or
 *   multicast address (IP or link), a non-initial fragment, or from an
 *   invalid source (RFC 1122 3.2.2). They quote the offending datagram's
 *   header and as much of its data as fits in 576 bytes (RFC 1812
 *   4.3.2.3), and pass a token bucket (cfg.icmp_err_per_sec, burst
 *   cfg.icmp_err_burst; RFC 1812 4.3.2.8).
 * - Errors we receive: the quoted header must be a well-formed IPv4
 *   header (version, IHL, and IHL + 8 bytes present) from one of our
 *   addresses, or the message is dropped (icmp.err_bad_quote,
 *   icmp.err_not_ours). Source quench (RFC 6633) and redirects (erg is a
 *   host with static routes; redirects are a known hijack vector) are
 *   counted and ignored.
 * - Fragmentation needed (RFC 1191): a next-hop MTU below 68 (including
 *   the 0 of old routers) or not below the interface MTU cannot be right
 *   and is dropped (icmp.err_bad_mtu); values from 68 to 551 are raised to
 *   552, as Linux's min_pmtu does, so that a forged message cannot force
 *   tiny segments (RFC 5927 section 7.2).
 */
#include "ipv4_layer.h"

/* RFC 1812 4.3.2.3: an error message is at most 576 bytes of IP. */
#define ICMP_ERR_MAX_IP 576u
/* Path MTU floor applied to fragmentation-needed values (see above). */
#define ICMP_PMTU_FLOOR 552u

struct erg_icmp {
	erg_icmp_echo_fn echo_fn;
	void *echo_ctx;
	uint64_t credit_us; /* token bucket, in time units */
	uint64_t last_us;
};

void
erg_icmp_layout(struct erg_carve *c, const struct erg_config *cfg,
    struct erg_stack *s)
{
	struct erg_icmp *ic = erg_carve(c, sizeof(*ic));

	if (s == NULL) {
		return;
	}
	s->icmp = ic;
	/* Start with a full bucket. */
	ic->credit_us =
	    (uint64_t)cfg->icmp_err_burst * (1000000u / cfg->icmp_err_per_sec);
	ic->last_us = s->now;
}

void
erg_icmp_echo_handler_set(struct erg_stack *s, erg_icmp_echo_fn fn, void *ctx)
{
	s->icmp->echo_fn = fn;
	s->icmp->echo_ctx = ctx;
}

/* ---- Rate limit ------------------------------------------------------- */

/*
 * Token bucket kept as time credit: each error costs 1e6 / rate
 * microseconds; credit accrues with time up to burst errors' worth.
 */
static bool
icmp_rate_ok(struct erg_stack *s)
{
	struct erg_icmp *ic = s->icmp;
	uint64_t cost = 1000000u / s->cfg.icmp_err_per_sec;
	uint64_t cap = cost * s->cfg.icmp_err_burst;

	ic->credit_us += s->now - ic->last_us;
	ic->last_us = s->now;
	if (ic->credit_us > cap) {
		ic->credit_us = cap;
	}
	if (ic->credit_us < cost) {
		return false;
	}
	ic->credit_us -= cost;
	return true;
}

/* ---- Sending errors --------------------------------------------------- */

/* True for types that are errors (RFC 1122 3.2.2: never answer those). */
static bool
icmp_type_is_error(uint8_t type)
{
	return type == ERG_ICMP_DEST_UNREACH ||
	    type == ERG_ICMP_SOURCE_QUENCH || type == ERG_ICMP_REDIRECT ||
	    type == ERG_ICMP_TIME_EXCEEDED || type == ERG_ICMP_PARAM_PROBLEM;
}

/* Writes header r to hdr, with the checksum over hdr and data. */
static void
icmp_hdr_build(const struct erg_icmp_repr *r, uint8_t hdr[ERG_ICMP_HDR_LEN],
    const void *data, size_t len)
{
	struct erg_cksum c;

	hdr[0] = r->type;
	hdr[1] = r->code;
	erg_put_be16(hdr + 2, 0);
	erg_put_be32(hdr + 4, r->rest);
	erg_cksum_init(&c);
	erg_cksum_add(&c, hdr, ERG_ICMP_HDR_LEN);
	erg_cksum_add(&c, data, len);
	erg_put_be16(hdr + 2, erg_cksum_finish(&c));
}

void
erg_icmp_error_send(struct erg_stack *s, const struct erg_pkt *pkt,
    const struct erg_ipv4_repr *ip, uint8_t type, uint8_t code, uint32_t rest)
{
	const uint8_t *orig = pkt->buf + pkt->l3;
	struct erg_ipv4_tx tx;
	struct erg_icmp_repr r;
	struct erg_view v[2];
	uint8_t hdr[ERG_ICMP_HDR_LEN];
	size_t quote;

	if ((pkt->flags & (ERG_PKT_F_LINK_BCAST | ERG_PKT_F_IP_BCAST)) != 0 ||
	    erg_ipv4_is_multicast(ip->dst) || ip->frag_off != 0 ||
	    ip->src == 0 || erg_ipv4_is_bad_src(ip->src)) {
		return;
	}
	/* Never about an ICMP error; its type byte follows the header. */
	if (ip->proto == ERG_IP_PROTO_ICMP &&
	    (ip->total_len <= ip->hdr_len ||
	        icmp_type_is_error(orig[ip->hdr_len]))) {
		return;
	}
	if (!icmp_rate_ok(s)) {
		ERG_COUNT(s, ICMP_ERR_RATE_LIMITED);
		return;
	}
	quote = ERG_MIN((size_t)ip->total_len,
	    ICMP_ERR_MAX_IP - ERG_IPV4_HDR_LEN - ERG_ICMP_HDR_LEN);
	r.type = type;
	r.code = code;
	r.rest = rest;
	icmp_hdr_build(&r, hdr, orig, quote);
	v[0] = erg_view_make(hdr, sizeof(hdr));
	v[1] = erg_view_make(orig, quote);
	memset(&tx, 0, sizeof(tx));
	/* From the address the datagram was sent to, if it was ours. */
	tx.src = erg_ipv4_is_local(s, ip->dst) ? ip->dst : ERG_IPV4_ANY;
	tx.dst = ip->src;
	tx.proto = ERG_IP_PROTO_ICMP;
	if (erg_ipv4_output_views(s, &tx, v, 2) == 0) {
		ERG_COUNT(s, ICMP_ERR_TX);
	}
}

/* ---- Echo ------------------------------------------------------------- */

static void
icmp_echo_reply(struct erg_stack *s, struct erg_pkt *pkt,
    const struct erg_ipv4_repr *ip)
{
	struct erg_ipv4_tx tx;
	uint8_t *m = erg_pkt_data(pkt);
	uint16_t ck;

	ERG_COUNT(s, ICMP_ECHO_RX);
	if ((pkt->flags & (ERG_PKT_F_LINK_BCAST | ERG_PKT_F_IP_BCAST)) != 0) {
		ERG_COUNT(s, ICMP_ECHO_BCAST_IGNORED);
		erg_pkt_free(s, pkt);
		return;
	}
	/* Type 8 -> 0 in the first word; RFC 1624 update of the checksum. */
	ck = erg_cksum_update16(erg_be16(m + 2), erg_be16(m),
	    (uint16_t)(ERG_ICMP_ECHO_REPLY << 8 | m[1]));
	m[0] = ERG_ICMP_ECHO_REPLY;
	erg_put_be16(m + 2, ck);
	memset(&tx, 0, sizeof(tx));
	tx.src = ip->dst;
	tx.dst = ip->src;
	tx.proto = ERG_IP_PROTO_ICMP;
	if (erg_ipv4_output(s, &tx, pkt) == 0) {
		ERG_COUNT(s, ICMP_ECHO_REPLY_TX);
	}
}

int
erg_icmp_echo_send(struct erg_stack *s, uint32_t dst, uint16_t id, uint16_t seq,
    const void *data, size_t len)
{
	struct erg_ipv4_tx tx;
	struct erg_icmp_repr r;
	struct erg_view v[2];
	uint8_t hdr[ERG_ICMP_HDR_LEN];

	if (len > ERG_IPV4_MAX_LEN - ERG_IPV4_HDR_LEN - ERG_ICMP_HDR_LEN) {
		return -ERG_EMSGSIZE;
	}
	r.type = ERG_ICMP_ECHO_REQUEST;
	r.code = 0;
	r.rest = (uint32_t)id << 16 | seq;
	icmp_hdr_build(&r, hdr, data, len);
	v[0] = erg_view_make(hdr, sizeof(hdr));
	v[1] = erg_view_make(data, len);
	memset(&tx, 0, sizeof(tx));
	tx.dst = dst;
	tx.proto = ERG_IP_PROTO_ICMP;
	return erg_ipv4_output_views(s, &tx, v, 2);
}

/* ---- Receiving errors ------------------------------------------------- */

static int
icmp_err_code(uint8_t type, uint8_t code)
{
	if (type == ERG_ICMP_TIME_EXCEEDED) {
		return -ERG_ETTL;
	}
	if (type == ERG_ICMP_PARAM_PROBLEM) {
		return -ERG_EHOSTUNREACH;
	}
	switch (code) {
	case ERG_ICMP_NET_UNREACH:
		return -ERG_ENETUNREACH;
	case ERG_ICMP_PROTO_UNREACH:
	case ERG_ICMP_PORT_UNREACH:
		return -ERG_ECONNREFUSED;
	case ERG_ICMP_FRAG_NEEDED:
		return -ERG_EMSGTOOBIG;
	default:
		return -ERG_EHOSTUNREACH;
	}
}

/*
 * Checks the quoted datagram and fills err, or returns the counter
 * naming why the message is dropped.
 */
static enum erg_stat
icmp_err_check(struct erg_stack *s, const struct erg_icmp_repr *r,
    struct erg_view q, unsigned ifindex, uint32_t reporter,
    struct erg_icmp_err *err)
{
	size_t hlen;

	/* RFC 792: the quote is the IP header plus 64 bits of data. */
	if (q.len < ERG_IPV4_HDR_LEN || (q.p[0] >> 4) != 4) {
		return ERG_STAT_ICMP_ERR_BAD_QUOTE;
	}
	hlen = (size_t)(q.p[0] & 0x0f) * 4;
	if (hlen < ERG_IPV4_HDR_LEN || q.len < hlen + 8) {
		return ERG_STAT_ICMP_ERR_BAD_QUOTE;
	}
	err->type = r->type;
	err->code = r->code;
	err->err = icmp_err_code(r->type, r->code);
	err->mtu = 0;
	err->reporter = reporter;
	err->proto = q.p[9];
	err->src = erg_be32(q.p + 12);
	err->dst = erg_be32(q.p + 16);
	err->l4 = erg_view_make(q.p + hlen, q.len - hlen);
	if (!erg_ipv4_is_local(s, err->src)) {
		return ERG_STAT_ICMP_ERR_NOT_OURS;
	}
	if (r->type == ERG_ICMP_DEST_UNREACH &&
	    r->code == ERG_ICMP_FRAG_NEEDED) {
		uint32_t mtu = r->rest & 0xffffu;
		uint16_t link = erg_netif_mtu(s, ifindex);

		if (mtu < ERG_IPV4_MIN_MTU || mtu >= link) {
			return ERG_STAT_ICMP_ERR_BAD_MTU;
		}
		err->mtu = (uint16_t)ERG_MAX(mtu, ICMP_PMTU_FLOOR);
	}
	return ERG_STAT_COUNT;
}

static void
icmp_error_input(struct erg_stack *s, const struct erg_icmp_repr *r,
    struct erg_view q, unsigned ifindex, uint32_t reporter)
{
	struct erg_icmp_err err;
	enum erg_stat why;
	unsigned i;

	ERG_COUNT(s, ICMP_ERR_RX);
	why = icmp_err_check(s, r, q, ifindex, reporter, &err);
	if (why != ERG_STAT_COUNT) {
		ERG_COUNT_ID(s, why);
		return;
	}
	for (i = 0; i < s->l4_n; i++) {
		if (s->l4[i].proto == err.proto && s->l4[i].err != NULL) {
			s->l4[i].err(s, &err);
			return;
		}
	}
	ERG_COUNT(s, ICMP_ERR_UNMATCHED);
}

void
erg_icmp_input(struct erg_stack *s, struct erg_pkt *pkt,
    const struct erg_ipv4_repr *ip)
{
	struct erg_icmp_repr r;
	struct erg_view payload;
	enum erg_stat why;

	ERG_COUNT(s, ICMP_RX);
	if (erg_icmp_parse(&r, &payload,
	        erg_view_make(erg_pkt_data(pkt), pkt->len), &why) < 0) {
		ERG_COUNT_ID(s, why);
		goto done;
	}
	switch (r.type) {
	case ERG_ICMP_ECHO_REQUEST:
		icmp_echo_reply(s, pkt, ip);
		return;
	case ERG_ICMP_ECHO_REPLY:
		ERG_COUNT(s, ICMP_ECHO_REPLY_RX);
		if (s->icmp->echo_fn != NULL) {
			s->icmp->echo_fn(s->icmp->echo_ctx, ip->src,
			    (uint16_t)(r.rest >> 16), (uint16_t)r.rest, payload,
			    s->now);
		}
		break;
	case ERG_ICMP_DEST_UNREACH:
	case ERG_ICMP_TIME_EXCEEDED:
	case ERG_ICMP_PARAM_PROBLEM:
		if ((pkt->flags &
		        (ERG_PKT_F_LINK_BCAST | ERG_PKT_F_IP_BCAST)) != 0) {
			ERG_COUNT(s, ICMP_IGNORED);
			break;
		}
		icmp_error_input(s, &r, payload, pkt->ifindex, ip->src);
		break;
	case ERG_ICMP_SOURCE_QUENCH:
	case ERG_ICMP_REDIRECT:
		ERG_COUNT(s, ICMP_IGNORED);
		break;
	default:
		ERG_COUNT(s, ICMP_UNKNOWN_TYPE);
		break;
	}
done:
	erg_pkt_free(s, pkt);
}
