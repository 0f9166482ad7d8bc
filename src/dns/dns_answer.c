/*
 * src/dns/dns_answer.c: the resolver's side of a DNS message: the query
 * it sends, the checks a response must pass to count (RFC 5452), and
 * the result message built from a response that counts.
 *
 * Decisions where the RFCs and the issue are silent:
 * - The result message is what a recursive server would answer for the
 *   question as asked: header QR, RD, RA and the server's rcode, the
 *   question with the name as the application gave it, then in the answer
 *   section the CNAME links followed (all responses of the query
 *   together, RFC 1034 3.6.2), then the records of the type asked owned
 *   by the chain's last name. Records elsewhere in the answer section
 *   (not on the chain) are left out: a stub has no use for them and they
 *   are the classic cache-poisoning vehicle (RFC 5452 6). For NXDOMAIN
 *   and NODATA the authority section's first SOA is added, its TTL
 *   min(SOA TTL, SOA MINIMUM) (RFC 2308 3 and 5).
 * - Names inside rdata are written uncompressed: the rdata of the RFC 1035
 *   types that may hold compressed names (RFC 3597 4: NS, MD, MF, CNAME,
 *   SOA, MB, MG, MR, PTR, MINFO, MX) and SRV (which some servers
 *   compress although RFC 2782 forbids it) is rebuilt name by name; any
 *   other type is copied as it came.
 * - TTLs: RFC 2181 8 (top bit set means 0), capped at cfg.dns_max_ttl_s;
 *   the result's TTL is the smallest of the records it delivers, 0 for a
 *   negative answer without SOA (RFC 2308 5: such answers are not cached).
 * - A record that does not fit in the result (cfg.dns_msg_max bytes) is
 *   left out and the result counted once in dns.result_truncated; the
 *   records after it are still tried.
 * - A chain that ends without the type asked and without an SOA in the
 *   authority section is asked again for its last name (the server did
 *   not follow it, e.g. an authoritative server for another zone); with
 *   an SOA the server says the last name has no such data (RFC 2308 2.2)
 *   and the answer is NODATA. NXDOMAIN after a chain applies to the last
 *   name (RFC 6604 2).
 */
#include "dns_int.h"

/* RFC 1035 4.1.4 and RFC 3597 4: the rdata names may be compressed in. */
struct dns_rdata_shape {
	uint16_t type;
	uint8_t pre;   /* fixed bytes before the names */
	uint8_t names; /* names, one after the other */
	uint8_t post;  /* fixed bytes after them */
};

static const struct dns_rdata_shape dns_shapes[] = {
	{ ERG_DNS_TYPE_NS, 0, 1, 0 },
	{ 3, 0, 1, 0 }, /* MD */
	{ 4, 0, 1, 0 }, /* MF */
	{ ERG_DNS_TYPE_CNAME, 0, 1, 0 },
	{ ERG_DNS_TYPE_SOA, 0, 2, 20 },
	{ 7, 0, 1, 0 }, /* MB */
	{ 8, 0, 1, 0 }, /* MG */
	{ 9, 0, 1, 0 }, /* MR */
	{ ERG_DNS_TYPE_PTR, 0, 1, 0 },
	{ 14, 0, 2, 0 }, /* MINFO */
	{ ERG_DNS_TYPE_MX, 2, 1, 0 },
	{ ERG_DNS_TYPE_SRV, 6, 1, 0 },
};

uint32_t
dns_ttl_clamp(const struct erg_stack *s, uint32_t ttl)
{
	if (ttl & 0x80000000u) {
		return 0;
	}
	return ERG_MIN(ttl, s->cfg.dns_max_ttl_s);
}

const struct erg_dns_name *
dns_query_cur(const struct erg_dns_query *q)
{
	return q->chain_n > 0 ? &q->chain[q->chain_n - 1].target : &q->qname;
}

size_t
dns_query_build(const struct erg_dns_query *q, uint16_t id, uint8_t *buf,
    size_t cap)
{
	static const struct erg_dns_name root = { 1, { 0 } };
	struct erg_dns_builder b;
	int n;

	if (erg_dns_build_init(&b, buf, cap, id, ERG_DNS_F_RD) < 0 ||
	    erg_dns_build_question(&b, dns_query_cur(q), q->type,
	        ERG_DNS_CLASS_IN) < 0 ||
	    /* RFC 6891 6.1.2: CLASS is our UDP payload size, TTL 0. */
	    erg_dns_build_rr(&b, ERG_DNS_SEC_ADDITIONAL, &root,
	        ERG_DNS_TYPE_OPT, ERG_DNS_EDNS_UDP, 0, NULL, 0) < 0) {
		return 0;
	}
	n = erg_dns_build_finish(&b);
	return n > 0 ? (size_t)n : 0;
}

/*
 * A UDP answer with TC set may be cut anywhere, its counts left as they
 * were (RFC 2181 9): only the header and the question are read before
 * asking again over TCP. Returns 0 if they answer q's attempt.
 */
static int
dns_response_check_tc(const struct erg_dns_query *q, struct erg_view v)
{
	struct erg_dns_name n;
	size_t off = ERG_DNS_HDR_LEN;

	if (erg_be16(v.p + 4) != 1 || erg_dns_name_read(v, &off, &n) < 0 ||
	    v.len - off < 4) {
		return -ERG_EINVAL;
	}
	if (erg_be16(v.p + off) != q->type ||
	    erg_be16(v.p + off + 2) != ERG_DNS_CLASS_IN ||
	    !erg_dns_name_eq(&n, dns_query_cur(q))) {
		return -ERG_EINVAL;
	}
	return 0;
}

int
dns_response_check(const struct erg_dns_query *q, struct erg_view v,
    struct erg_dns_msg *m, bool udp)
{
	struct erg_dns_question qq;
	struct erg_dns_msg w;
	struct erg_dns_rr rr;
	int rc;

	/* Fills m->hdr whenever the 12 header bytes are there. */
	rc = erg_dns_msg_parse(m, v);
	if (rc == -ERG_ETRUNC) {
		return -ERG_EMALFORMED;
	}
	/* RFC 5452 4.3 and 9.1: the ID, a response, a standard query. */
	if (m->hdr.id != q->id || !(m->hdr.flags & ERG_DNS_F_QR) ||
	    (m->hdr.flags & ERG_DNS_F_OPCODE) != 0) {
		return rc < 0 ? -ERG_EMALFORMED : -ERG_EINVAL;
	}
	if (udp && (m->hdr.flags & ERG_DNS_F_TC) != 0) {
		return dns_response_check_tc(q, v);
	}
	if (rc < 0) {
		return -ERG_EMALFORMED;
	}
	if (m->hdr.count[ERG_DNS_SEC_QUESTION] != 1) {
		return -ERG_EINVAL;
	}
	if (erg_dns_question_next(m, &qq) != 1) {
		return -ERG_EMALFORMED;
	}
	/* The very question asked, the name in any case (RFC 4343). */
	if (qq.type != q->type || qq.qclass != ERG_DNS_CLASS_IN ||
	    !erg_dns_name_eq(&qq.name, dns_query_cur(q))) {
		return -ERG_EINVAL;
	}
	/* Validate every record before trusting any (RFC 9267). */
	w = *m;
	while ((rc = erg_dns_rr_next(&w, &rr)) == 1) {
	}
	if (rc < 0) {
		return -ERG_EMALFORMED;
	}
	if (w.off < v.len) {
		ERG_COUNT(q->s, DNS_TRAILING);
	}
	return 0;
}

/* ---- Reading the answer section ---------------------------------------- */

static bool
dns_type_match(uint16_t want, uint16_t type)
{
	return type == want ||
	    (want == ERG_DNS_TYPE_ANY && type != ERG_DNS_TYPE_OPT);
}

/* True if the answer section holds a record of type owned by name. */
static bool
dns_has_type(const struct erg_dns_msg *m, const struct erg_dns_name *name,
    uint16_t type)
{
	struct erg_dns_msg w = *m;
	struct erg_dns_rr rr;

	while (
	    erg_dns_rr_next(&w, &rr) == 1 && rr.section == ERG_DNS_SEC_ANSWER) {
		if (rr.rclass == ERG_DNS_CLASS_IN &&
		    dns_type_match(type, rr.type) &&
		    erg_dns_name_eq(&rr.name, name)) {
			return true;
		}
	}
	return false;
}

/*
 * Finds the CNAME owned by name in the answer section: its target and
 * TTL. Returns false if there is none.
 */
static bool
dns_find_cname(const struct erg_dns_msg *m, const struct erg_dns_name *name,
    struct dns_link *out)
{
	struct erg_dns_msg w = *m;
	struct erg_dns_rr rr;
	struct erg_dns_rdata d;

	while (
	    erg_dns_rr_next(&w, &rr) == 1 && rr.section == ERG_DNS_SEC_ANSWER) {
		if (rr.rclass == ERG_DNS_CLASS_IN &&
		    rr.type == ERG_DNS_TYPE_CNAME &&
		    erg_dns_name_eq(&rr.name, name) &&
		    erg_dns_rdata_parse(m, &rr, &d) == 0) {
			out->target = d.target;
			out->ttl = rr.ttl;
			return true;
		}
	}
	return false;
}

/* True if n is the name asked or a target already on the chain. */
static bool
dns_on_chain(const struct erg_dns_query *q, const struct erg_dns_name *n)
{
	unsigned i;

	if (erg_dns_name_eq(n, &q->qname)) {
		return true;
	}
	for (i = 0; i < q->chain_n; i++) {
		if (erg_dns_name_eq(n, &q->chain[i].target)) {
			return true;
		}
	}
	return false;
}

/*
 * Follows the chain from q's current name through m's answer section
 * (RFC 1034 4.3.2 step 3a), appending the links to q. Returns 0, or
 * -ERG_ELOOP (a name seen before, or more than ERG_DNS_CNAME_MAX links).
 * Each link adds a chain entry, so the loop runs at most
 * ERG_DNS_CNAME_MAX times.
 */
static int
dns_follow(struct erg_stack *s, struct erg_dns_query *q,
    const struct erg_dns_msg *m)
{
	struct dns_link link;

	while (!dns_has_type(m, dns_query_cur(q), q->type) &&
	    dns_find_cname(m, dns_query_cur(q), &link)) {
		if (q->chain_n >= ERG_DNS_CNAME_MAX ||
		    dns_on_chain(q, &link.target)) {
			ERG_COUNT(s, DNS_CNAME_LOOP);
			return -ERG_ELOOP;
		}
		link.ttl = dns_ttl_clamp(s, link.ttl);
		q->chain[q->chain_n++] = link;
		ERG_COUNT(s, DNS_CNAME_FOLLOWED);
	}
	return 0;
}

/* ---- Building the result ------------------------------------------------ */

/* A result message under construction. */
struct dns_out {
	struct erg_dns_builder b;
	uint32_t ttl_min;
	bool truncated;
};

static const struct dns_rdata_shape *
dns_shape(uint16_t type)
{
	size_t i;

	for (i = 0; i < sizeof(dns_shapes) / sizeof(dns_shapes[0]); i++) {
		if (dns_shapes[i].type == type) {
			return &dns_shapes[i];
		}
	}
	return NULL;
}

/*
 * Writes rr's rdata with its names decompressed: the fixed bytes, the
 * names read from the message under the codec's rules, each required to
 * end inside the rdata, and the fixed bytes that must fill the rest.
 */
static int
dns_put_rdata(struct erg_dns_builder *b, const struct erg_dns_msg *m,
    const struct erg_dns_rr *rr)
{
	const struct dns_rdata_shape *sh = dns_shape(rr->type);
	size_t off = rr->rdata_off, end = rr->rdata_off + rr->rdata.len;
	struct erg_dns_name n;
	unsigned i;
	int rc;

	if (sh == NULL) {
		return erg_dns_build_bytes(b, rr->rdata.p, rr->rdata.len);
	}
	if (rr->rdata.len < sh->pre) {
		return -ERG_EMALFORMED;
	}
	rc = erg_dns_build_bytes(b, rr->rdata.p, sh->pre);
	off += sh->pre;
	for (i = 0; i < sh->names && rc == 0; i++) {
		rc = erg_dns_name_read(m->v, &off, &n);
		if (rc == 0 && off > end) {
			rc = -ERG_EMALFORMED;
		}
		if (rc == 0) {
			rc = erg_dns_build_name(b, &n);
		}
	}
	if (rc == 0 && end - off != sh->post) {
		rc = -ERG_EMALFORMED;
	}
	if (rc == 0) {
		rc = erg_dns_build_bytes(b, m->v.p + off, sh->post);
	}
	return rc;
}

/* Notes that a record was delivered with ttl, or left out for room. */
static void
dns_out_note(struct dns_out *o, int rc, uint32_t ttl)
{
	if (rc == 0) {
		o->ttl_min = ERG_MIN(o->ttl_min, ttl);
	} else if (rc == -ERG_ENOSPC) {
		o->truncated = true;
	}
}

/*
 * Copies rr (from m) into section sec with ttl, names decompressed.
 * Returns 0 or why it was left out.
 */
static int
dns_out_rr(struct erg_stack *s, struct dns_out *o, const struct erg_dns_msg *m,
    const struct erg_dns_rr *rr, enum erg_dns_section sec, uint32_t ttl)
{
	int rc = erg_dns_build_rr_begin(&o->b, sec, &rr->name, rr->type,
	    rr->rclass, ttl);

	if (rc == 0) {
		rc = dns_put_rdata(&o->b, m, rr);
	}
	if (rc == 0) {
		rc = erg_dns_build_rr_end(&o->b);
	}
	if (rc < 0) {
		erg_dns_build_abort(&o->b);
	}
	if (rc == -ERG_EMALFORMED) {
		ERG_COUNT(s, DNS_MALFORMED);
	}
	dns_out_note(o, rc, ttl);
	return rc;
}

/* Header, question as asked, and the chain's CNAME records. */
static void
dns_out_start(struct dns_out *o, const struct erg_dns_query *q, uint8_t rcode,
    uint8_t *out, size_t cap)
{
	const struct erg_dns_name *owner = &q->qname;
	unsigned i;
	int rc;

	o->ttl_min = UINT32_MAX;
	o->truncated = false;
	(void)erg_dns_build_init(&o->b, out, cap, 0,
	    (uint16_t)(ERG_DNS_F_QR | ERG_DNS_F_RD | ERG_DNS_F_RA | rcode));
	/* 12 + 255 + 4 bytes: always fits in cfg.dns_msg_max >= 512. */
	(void)erg_dns_build_question(&o->b, &q->qname, q->type,
	    ERG_DNS_CLASS_IN);
	for (i = 0; i < q->chain_n; i++) {
		const struct dns_link *l = &q->chain[i];

		rc = erg_dns_build_rr(&o->b, ERG_DNS_SEC_ANSWER, owner,
		    ERG_DNS_TYPE_CNAME, ERG_DNS_CLASS_IN, l->ttl,
		    l->target.wire, l->target.len);
		dns_out_note(o, rc, l->ttl);
		owner = &l->target;
	}
}

static void
dns_out_finish(struct erg_stack *s, struct dns_out *o, struct dns_result *r)
{
	int n = erg_dns_build_finish(&o->b);

	if (o->truncated) {
		ERG_COUNT(s, DNS_RESULT_TRUNCATED);
	}
	r->len = n > 0 ? (size_t)n : 0;
	r->ttl = o->ttl_min == UINT32_MAX ? 0 : o->ttl_min;
}

void
dns_answer_empty(struct erg_stack *s, const struct erg_dns_query *q,
    uint8_t *out, size_t cap, struct dns_result *r)
{
	struct dns_out o;

	dns_out_start(&o, q, r->rcode, out, cap);
	dns_out_finish(s, &o, r);
	r->ttl = 0;
}

/* The records of the type asked owned by the chain's last name. */
static void
dns_out_answers(struct erg_stack *s, struct dns_out *o,
    const struct erg_dns_query *q, const struct erg_dns_msg *m)
{
	const struct erg_dns_name *name = dns_query_cur(q);
	struct erg_dns_msg w = *m;
	struct erg_dns_rr rr;

	while (
	    erg_dns_rr_next(&w, &rr) == 1 && rr.section == ERG_DNS_SEC_ANSWER) {
		if (rr.rclass == ERG_DNS_CLASS_IN &&
		    dns_type_match(q->type, rr.type) &&
		    erg_dns_name_eq(&rr.name, name)) {
			(void)dns_out_rr(s, o, m, &rr, ERG_DNS_SEC_ANSWER,
			    dns_ttl_clamp(s, rr.ttl));
		}
	}
}

/*
 * The authority section's first SOA, with its negative TTL (RFC 2308 5).
 * Returns false if there is none, or it did not fit.
 */
static bool
dns_out_soa(struct erg_stack *s, struct dns_out *o, const struct erg_dns_msg *m)
{
	struct erg_dns_msg w = *m;
	struct erg_dns_rr rr;
	struct erg_dns_rdata d;

	while (erg_dns_rr_next(&w, &rr) == 1 &&
	    rr.section <= ERG_DNS_SEC_AUTHORITY) {
		if (rr.section == ERG_DNS_SEC_AUTHORITY &&
		    rr.type == ERG_DNS_TYPE_SOA &&
		    rr.rclass == ERG_DNS_CLASS_IN &&
		    erg_dns_rdata_parse(m, &rr, &d) == 0) {
			uint32_t ttl = ERG_MIN(dns_ttl_clamp(s, rr.ttl),
			    dns_ttl_clamp(s, d.soa[4]));

			return dns_out_rr(s, o, m, &rr, ERG_DNS_SEC_AUTHORITY,
			           ttl) == 0;
		}
	}
	return false;
}

/* True if the authority section holds an SOA record. */
static bool
dns_has_soa(const struct erg_dns_msg *m)
{
	struct erg_dns_msg w = *m;
	struct erg_dns_rr rr;

	while (erg_dns_rr_next(&w, &rr) == 1 &&
	    rr.section <= ERG_DNS_SEC_AUTHORITY) {
		if (rr.section == ERG_DNS_SEC_AUTHORITY &&
		    rr.type == ERG_DNS_TYPE_SOA &&
		    rr.rclass == ERG_DNS_CLASS_IN) {
			return true;
		}
	}
	return false;
}

enum dns_verdict
dns_answer(struct erg_stack *s, struct erg_dns_query *q,
    const struct erg_dns_msg *m, bool over_tcp, uint8_t *out, size_t cap,
    struct dns_result *r)
{
	uint8_t rcode = (uint8_t)(m->hdr.flags & ERG_DNS_F_RCODE);
	uint8_t start_n = q->chain_n;
	struct dns_out o;

	/*
	 * RFC 7766 5: a truncated UDP answer is asked again over TCP; so is
	 * one larger than we offered (RFC 6891 6.2.5), which likely came in
	 * IP fragments, the later of which an off-path attacker can forge.
	 */
	if (!over_tcp &&
	    ((m->hdr.flags & ERG_DNS_F_TC) != 0 ||
	        m->v.len > ERG_DNS_EDNS_UDP)) {
		return DNS_V_TC;
	}
	q->rcode = rcode;
	if (rcode != ERG_DNS_RCODE_NOERROR && rcode != ERG_DNS_RCODE_NXDOMAIN) {
		return DNS_V_SERVER;
	}
	r->rcode = rcode;
	if (dns_follow(s, q, m) < 0) {
		r->err = -ERG_ELOOP;
		dns_answer_empty(s, q, out, cap, r);
		return DNS_V_RESULT;
	}
	/* NXDOMAIN with records for the name is no positive answer. */
	if (rcode == ERG_DNS_RCODE_NOERROR &&
	    dns_has_type(m, dns_query_cur(q), q->type)) {
		r->err = 0;
		dns_out_start(&o, q, rcode, out, cap);
		dns_out_answers(s, &o, q, m);
		dns_out_finish(s, &o, r);
		return DNS_V_RESULT;
	}
	if (rcode == ERG_DNS_RCODE_NOERROR && q->chain_n > start_n &&
	    !dns_has_soa(m)) {
		return DNS_V_RESTART;
	}
	r->err =
	    rcode == ERG_DNS_RCODE_NXDOMAIN ? -ERG_ENXDOMAIN : -ERG_ENODATA;
	dns_out_start(&o, q, rcode, out, cap);
	if (!dns_out_soa(s, &o, m)) {
		/* RFC 2308 5: without an SOA a negative answer is not cached.
		 */
		o.ttl_min = 0;
	}
	dns_out_finish(s, &o, r);
	return DNS_V_RESULT;
}
