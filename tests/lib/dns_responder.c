/*
 * tests/lib/dns_responder.c: see dns_responder.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "dns_responder.h"
#include "testnet.h"

#define DNSR_ALT_PORT  5353u
#define DNSR_CHAIN_MAX 16u /* links the responder follows */
#define DNSR_CLASS_CH  3u

/* A TCP connection: the query being read, the answer being written. */
struct dnsr_conn {
	struct dnsr_conn *next;
	struct dnsr *r;
	struct erg_tcp_conn *c;
	uint8_t in[2 + 65535];
	size_t have;
	uint8_t *out;
	size_t out_len;
	size_t out_sent;
	bool closed;
};

struct erg_dns_name
dnsr_name(const char *text)
{
	struct erg_dns_name n;

	assert_int_equal(erg_dns_name_from_text(&n, text, strlen(text)), 0);
	return n;
}

/* ---- The zone ------------------------------------------------------------ */

void
dnsr_add(struct dnsr *r, const char *name, uint16_t type, uint32_t ttl,
    const void *rdata, size_t rdlen)
{
	struct dnsr_rec *rec;

	r->recs = realloc(r->recs, (r->nrecs + 1) * sizeof(*r->recs));
	assert_non_null(r->recs);
	rec = &r->recs[r->nrecs++];
	rec->name = dnsr_name(name);
	rec->type = type;
	rec->ttl = ttl;
	rec->rdlen = rdlen;
	rec->rdata = tn_xmalloc(rdlen);
	memcpy(rec->rdata, rdata, rdlen);
}

void
dnsr_add_a(struct dnsr *r, const char *name, uint32_t addr, uint32_t ttl)
{
	uint8_t b[4];

	erg_put_be32(b, addr);
	dnsr_add(r, name, ERG_DNS_TYPE_A, ttl, b, 4);
}

void
dnsr_add_aaaa(struct dnsr *r, const char *name, const uint8_t a[16],
    uint32_t ttl)
{
	dnsr_add(r, name, ERG_DNS_TYPE_AAAA, ttl, a, 16);
}

void
dnsr_add_name(struct dnsr *r, const char *name, uint16_t type,
    const char *target, uint32_t ttl)
{
	struct erg_dns_name t = dnsr_name(target);

	dnsr_add(r, name, type, ttl, t.wire, t.len);
}

void
dnsr_add_mx(struct dnsr *r, const char *name, uint16_t pref, const char *target,
    uint32_t ttl)
{
	struct erg_dns_name t = dnsr_name(target);
	uint8_t b[2 + ERG_DNS_NAME_MAX];

	erg_put_be16(b, pref);
	memcpy(b + 2, t.wire, t.len);
	dnsr_add(r, name, ERG_DNS_TYPE_MX, ttl, b, 2u + t.len);
}

void
dnsr_add_srv(struct dnsr *r, const char *name, uint16_t prio, uint16_t weight,
    uint16_t port, const char *target, uint32_t ttl)
{
	struct erg_dns_name t = dnsr_name(target);
	uint8_t b[6 + ERG_DNS_NAME_MAX];

	erg_put_be16(b, prio);
	erg_put_be16(b + 2, weight);
	erg_put_be16(b + 4, port);
	memcpy(b + 6, t.wire, t.len);
	dnsr_add(r, name, ERG_DNS_TYPE_SRV, ttl, b, 6u + t.len);
}

void
dnsr_add_txt(struct dnsr *r, const char *name, const char *text, uint32_t ttl)
{
	size_t len = strlen(text), off = 0, n = 0;
	uint8_t *b = tn_xmalloc(len + len / 255 + 1);

	do {
		size_t k = len - off > 255 ? 255 : len - off;

		b[n++] = (uint8_t)k;
		memcpy(b + n, text + off, k);
		n += k;
		off += k;
	} while (off < len);
	dnsr_add(r, name, ERG_DNS_TYPE_TXT, ttl, b, n);
	free(b);
}

void
dnsr_soa(struct dnsr *r, const char *zone, uint32_t ttl, uint32_t min)
{
	r->has_soa = zone != NULL;
	if (zone != NULL) {
		r->soa_zone = dnsr_name(zone);
	}
	r->soa_ttl = ttl;
	r->soa_min = min;
}

void
dnsr_tc(struct dnsr *r, const char *name)
{
	assert_true(r->ntc < 4);
	r->tc_names[r->ntc++] = dnsr_name(name);
}

static bool
dnsr_owns(const struct dnsr *r, const struct erg_dns_name *n)
{
	size_t i;

	for (i = 0; i < r->nrecs; i++) {
		if (erg_dns_name_eq(&r->recs[i].name, n)) {
			return true;
		}
	}
	return false;
}

static const struct dnsr_rec *
dnsr_find(const struct dnsr *r, const struct erg_dns_name *n, uint16_t type)
{
	size_t i;

	for (i = 0; i < r->nrecs; i++) {
		if (r->recs[i].type == type &&
		    erg_dns_name_eq(&r->recs[i].name, n)) {
			return &r->recs[i];
		}
	}
	return NULL;
}

static bool
dnsr_type_match(uint16_t want, uint16_t type)
{
	return want == type || want == ERG_DNS_TYPE_ANY;
}

/* ---- Answers ------------------------------------------------------------- */

static int
dnsr_put_soa(const struct dnsr *r, struct erg_dns_builder *b)
{
	struct erg_dns_name mname = dnsr_name("ns.invalid");
	struct erg_dns_name rname = dnsr_name("hostmaster.invalid");
	uint8_t tail[20];
	int rc;

	erg_put_be32(tail, 2024010101u);
	erg_put_be32(tail + 4, 3600);
	erg_put_be32(tail + 8, 600);
	erg_put_be32(tail + 12, 86400);
	erg_put_be32(tail + 16, r->soa_min);
	rc = erg_dns_build_rr_begin(b, ERG_DNS_SEC_AUTHORITY, &r->soa_zone,
	    ERG_DNS_TYPE_SOA, ERG_DNS_CLASS_IN, r->soa_ttl);
	if (rc == 0) {
		rc = erg_dns_build_name(b, &mname);
	}
	if (rc == 0) {
		rc = erg_dns_build_name(b, &rname);
	}
	if (rc == 0) {
		rc = erg_dns_build_bytes(b, tail, sizeof(tail));
	}
	if (rc == 0) {
		rc = erg_dns_build_rr_end(b);
	}
	if (rc < 0) {
		erg_dns_build_abort(b);
	}
	return rc;
}

/* True if the table holds a record of type (or any, for ANY) owned by n. */
static bool
dnsr_has(const struct dnsr *r, const struct erg_dns_name *n, uint16_t type)
{
	size_t i;

	for (i = 0; i < r->nrecs; i++) {
		if (dnsr_type_match(type, r->recs[i].type) &&
		    erg_dns_name_eq(&r->recs[i].name, n)) {
			return true;
		}
	}
	return false;
}

size_t
dnsr_answer(const struct dnsr *r, const struct erg_dns_name *qname,
    uint16_t qtype, uint16_t id, uint8_t *out, size_t cap, bool *tc)
{
	struct erg_dns_builder b;
	struct erg_dns_name name = *qname;
	const struct dnsr_rec *cn = NULL;
	unsigned links, max = r->follow_cname ? DNSR_CHAIN_MAX : 1;
	size_t i;
	int n;

	*tc = false;
	assert_int_equal(
	    erg_dns_build_init(&b, out, cap, id,
	        ERG_DNS_F_QR | ERG_DNS_F_AA | ERG_DNS_F_RD | ERG_DNS_F_RA),
	    0);
	assert_int_equal(
	    erg_dns_build_question(&b, qname, qtype, ERG_DNS_CLASS_IN), 0);
	if (r->rcode != 0) {
		b.hdr.flags |= r->rcode;
		goto done;
	}
	/*
	 * The chain (RFC 1034 4.3.2 step 3a), bounded; an authoritative-
	 * style server (follow_cname false) gives the first link only.
	 */
	for (links = 0; links < max; links++) {
		cn = dnsr_find(r, &name, ERG_DNS_TYPE_CNAME);
		if (dnsr_has(r, &name, qtype) || cn == NULL) {
			cn = NULL;
			break;
		}
		if (erg_dns_build_rr(&b, ERG_DNS_SEC_ANSWER, &name,
		        ERG_DNS_TYPE_CNAME, ERG_DNS_CLASS_IN, cn->ttl,
		        cn->rdata, cn->rdlen) < 0) {
			*tc = true;
			goto done;
		}
		memcpy(name.wire, cn->rdata, cn->rdlen);
		name.len = (uint8_t)cn->rdlen;
		cn = dnsr_find(r, &name, ERG_DNS_TYPE_CNAME);
	}
	/*
	 * Not following, it answers like an authority for the first name
	 * only: the target is someone else's to answer.
	 */
	if (!r->follow_cname && !erg_dns_name_eq(&name, qname)) {
		goto done;
	}
	for (i = 0; i < r->nrecs; i++) {
		const struct dnsr_rec *rec = &r->recs[i];

		if (!dnsr_type_match(qtype, rec->type) ||
		    !erg_dns_name_eq(&rec->name, &name)) {
			continue;
		}
		if (erg_dns_build_rr(&b, ERG_DNS_SEC_ANSWER, &rec->name,
		        rec->type, ERG_DNS_CLASS_IN, rec->ttl, rec->rdata,
		        rec->rdlen) < 0) {
			*tc = true;
			goto done;
		}
	}
	/* Negative unless the records are there or the chain was cut. */
	if (!dnsr_has(r, &name, qtype) && cn == NULL) {
		if (!dnsr_owns(r, &name)) {
			b.hdr.flags |= ERG_DNS_RCODE_NXDOMAIN;
		}
		if (r->has_soa && dnsr_put_soa(r, &b) < 0) {
			*tc = true;
		}
	}
done:
	if (*tc) {
		b.hdr.flags |= ERG_DNS_F_TC;
	}
	n = erg_dns_build_finish(&b);
	assert_true(n > 0);
	return (size_t)n;
}

/* A spoof: one A record, DNSR_POISON, for the question written. */
static size_t
dnsr_spoof_msg(const struct dnsr_query *q, unsigned kind, uint8_t *out,
    size_t cap)
{
	struct erg_dns_builder b;
	struct erg_dns_name name = q->qname;
	uint16_t id = q->id, type = q->qtype, qclass = ERG_DNS_CLASS_IN;
	uint16_t flags = ERG_DNS_F_QR | ERG_DNS_F_RD | ERG_DNS_F_RA;
	uint8_t a[4];
	int n;

	if (kind == DNSR_SPOOF_ID) {
		id = (uint16_t)(id + 1);
	} else if (kind == DNSR_SPOOF_QNAME) {
		name.wire[0] = 1;
		name.wire[1] = 'x';
		memcpy(name.wire + 2, q->qname.wire, q->qname.len);
		name.len = (uint8_t)(q->qname.len + 2);
	} else if (kind == DNSR_SPOOF_QTYPE) {
		type = (uint16_t)(type + 1);
	} else if (kind == DNSR_SPOOF_QCLASS) {
		qclass = DNSR_CLASS_CH;
	} else if (kind == DNSR_SPOOF_NOQR) {
		flags &= (uint16_t)~ERG_DNS_F_QR;
	} else if (kind == DNSR_SPOOF_OPCODE) {
		flags |= 2u << 11;
	}
	erg_put_be32(a, DNSR_POISON);
	assert_int_equal(erg_dns_build_init(&b, out, cap, id, flags), 0);
	assert_int_equal(erg_dns_build_question(&b, &name, type, qclass), 0);
	if (kind == DNSR_SPOOF_TWOQ) {
		assert_int_equal(
		    erg_dns_build_question(&b, &name, type, qclass), 0);
	}
	assert_int_equal(erg_dns_build_rr(&b, ERG_DNS_SEC_ANSWER, &q->qname,
	                     ERG_DNS_TYPE_A, ERG_DNS_CLASS_IN, 60, a, 4),
	    0);
	n = erg_dns_build_finish(&b);
	assert_true(n > 0);
	if (kind == DNSR_SPOOF_CUT) {
		n -= 3;
	}
	return (size_t)n;
}

static struct sim_node *
dnsr_node_of(struct sim *sim, uint32_t addr)
{
	unsigned i;

	for (i = 0; i < sim->n; i++) {
		if (sim->node[i].addr == addr) {
			return &sim->node[i];
		}
	}
	return NULL;
}

/* Sends the spoofs of r->spoof for q, each its own way. */
static void
dnsr_send_spoofs(struct dnsr *r, const struct dnsr_query *q)
{
	uint8_t msg[512], frame[1600];
	unsigned kind, i;

	/* An ID-guessing flood: IDs q->id + 1, + 2, ... */
	for (i = 1; i <= r->spoof_ids; i++) {
		struct dnsr_query g = *q;
		size_t len;

		g.id = (uint16_t)(q->id + i - 1);
		len = dnsr_spoof_msg(&g, DNSR_SPOOF_ID, msg, sizeof(msg));
		(void)erg_udp_sendto(r->udp, q->src, q->sport, msg, len);
	}
	for (kind = 1; kind <= DNSR_SPOOF_ALL; kind <<= 1) {
		size_t len;

		if (!(r->spoof & kind)) {
			continue;
		}
		len = dnsr_spoof_msg(q, kind, msg, sizeof(msg));
		if (kind == DNSR_SPOOF_SPORT) {
			(void)erg_udp_sendto(r->udp_alt, q->src, q->sport, msg,
			    len);
		} else if (kind == DNSR_SPOOF_DPORT) {
			(void)erg_udp_sendto(r->udp, q->src,
			    (uint16_t)(q->sport + 1), msg, len);
		} else if (kind == DNSR_SPOOF_ADDR) {
			struct sim_node *to = dnsr_node_of(r->sim, q->src);
			size_t flen;

			assert_non_null(to);
			flen = tn_build_udp_frame(frame, to->mac, r->node->mac,
			    DNSR_SPOOF_SRC, q->src, ERG_DNS_PORT, q->sport, msg,
			    len);
			(void)sim_inject(r->sim, to, frame, flen);
		} else {
			(void)erg_udp_sendto(r->udp, q->src, q->sport, msg,
			    len);
		}
	}
}

/* ---- Receiving ----------------------------------------------------------- */

/*
 * Reads the query in v into *q (question) and *edns (its UDP payload
 * size, 0 without OPT). Returns false if it is not a query we answer.
 */
static bool
dnsr_parse(struct erg_view v, struct dnsr_query *q, uint16_t *edns)
{
	struct erg_dns_msg m;
	struct erg_dns_question qq;
	struct erg_dns_rr rr;

	*edns = 0;
	if (erg_dns_msg_parse(&m, v) < 0 || (m.hdr.flags & ERG_DNS_F_QR) ||
	    m.hdr.count[0] != 1 || erg_dns_question_next(&m, &qq) != 1) {
		return false;
	}
	q->id = m.hdr.id;
	q->flags = m.hdr.flags;
	q->qname = qq.name;
	q->qtype = qq.type;
	while (erg_dns_rr_next(&m, &rr) == 1) {
		if (rr.type == ERG_DNS_TYPE_OPT) {
			*edns = rr.rclass;
		}
	}
	q->edns = *edns;
	return true;
}

static void
dnsr_log(struct dnsr *r, const struct dnsr_query *q)
{
	if (r->nlog == r->caplog) {
		r->caplog = r->caplog ? 2 * r->caplog : 64;
		r->log = realloc(r->log, r->caplog * sizeof(*r->log));
		assert_non_null(r->log);
	}
	r->log[r->nlog++] = *q;
}

unsigned
dnsr_count(const struct dnsr *r, const char *qname)
{
	struct erg_dns_name n = dnsr_name(qname);
	unsigned c = 0;
	size_t i;

	for (i = 0; i < r->nlog; i++) {
		c += erg_dns_name_eq(&r->log[i].qname, &n);
	}
	return c;
}

static bool
dnsr_is_tc(const struct dnsr *r, const struct erg_dns_name *n)
{
	unsigned i;

	for (i = 0; i < r->ntc; i++) {
		if (erg_dns_name_eq(&r->tc_names[i], n)) {
			return true;
		}
	}
	return false;
}

/* Flips the case of every letter of n (a 0x20-style server). */
static void
dnsr_flip(struct erg_dns_name *n)
{
	unsigned i;

	for (i = 0; i < n->len; i++) {
		uint8_t c = n->wire[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
			n->wire[i] = c ^ 0x20;
		}
	}
}

/* The answer to q into out (cap bytes), as the settings say. */
static size_t
dnsr_reply(struct dnsr *r, const struct dnsr_query *q, uint8_t *out, size_t cap,
    bool udp)
{
	struct erg_dns_name qn = q->qname;
	bool tc;

	if (r->raw != NULL) {
		return r->raw(r->raw_ctx, q, out, cap);
	}
	if (udp && r->case_flip) {
		dnsr_flip(&qn);
	}
	if (udp && dnsr_is_tc(r, &q->qname)) {
		struct erg_dns_builder b;
		int n;

		assert_int_equal(erg_dns_build_init(&b, out, cap, q->id,
		                     ERG_DNS_F_QR | ERG_DNS_F_RD |
		                         ERG_DNS_F_RA | ERG_DNS_F_TC),
		    0);
		assert_int_equal(
		    erg_dns_build_question(&b, &qn, q->qtype, ERG_DNS_CLASS_IN),
		    0);
		n = erg_dns_build_finish(&b);
		assert_true(n > 0);
		return (size_t)n;
	}
	return dnsr_answer(r, &qn, q->qtype, q->id, out, cap, &tc);
}

static void
dnsr_udp_event(struct erg_udp_sock *u, unsigned events, void *ctx)
{
	struct dnsr *r = ctx;
	struct erg_udp_dgram d;
	static uint8_t out[65535];

	(void)events;
	while (erg_udp_recv(u, &d) == 0) {
		struct dnsr_query q;
		uint16_t edns;
		size_t cap, len;

		memset(&q, 0, sizeof(q));
		q.t = r->sim->now;
		q.src = d.src;
		q.sport = d.src_port;
		if (!dnsr_parse(d.data, &q, &edns)) {
			erg_pkt_free(r->node->s, d.pkt);
			continue;
		}
		erg_pkt_free(r->node->s, d.pkt);
		dnsr_log(r, &q);
		r->n_udp++;
		if (r->silent) {
			continue;
		}
		if (r->drop_next > 0) {
			r->drop_next--;
			continue;
		}
		/* RFC 6891 6.2.5: below 512 is taken as 512. */
		cap = edns > ERG_DNS_UDP_MAX ? edns : ERG_DNS_UDP_MAX;
		len = dnsr_reply(r, &q, out, cap, true);
		if (len == 0) {
			continue;
		}
		dnsr_send_spoofs(r, &q);
		assert_int_equal(erg_udp_sendto(u, q.src, q.sport, out, len),
		    0);
		r->n_answered++;
	}
}

/* ---- TCP ----------------------------------------------------------------- */

static void
dnsr_conn_close(struct dnsr_conn *k)
{
	if (!k->closed) {
		erg_tcp_close(k->c);
		k->closed = true;
	}
}

static void
dnsr_conn_push(struct dnsr_conn *k)
{
	while (k->out != NULL && k->out_sent < k->out_len) {
		long n = erg_tcp_write(k->c, k->out + k->out_sent,
		    k->out_len - k->out_sent);

		if (n <= 0) {
			return;
		}
		k->out_sent += (size_t)n;
	}
}

/* A whole query is in k->in: answer it in full. */
static void
dnsr_conn_answer(struct dnsr_conn *k, size_t qlen)
{
	struct dnsr *r = k->r;
	struct erg_tcp_info info;
	struct dnsr_query q;
	uint16_t edns;
	size_t len;

	memset(&q, 0, sizeof(q));
	q.t = r->sim->now;
	q.tcp = true;
	erg_tcp_info(k->c, &info);
	q.src = info.raddr;
	q.sport = info.rport;
	if (!dnsr_parse(erg_view_make(k->in + 2, qlen), &q, &edns)) {
		return;
	}
	dnsr_log(r, &q);
	r->n_tcp++;
	if (r->tcp_silent) {
		return;
	}
	free(k->out);
	k->out = tn_xmalloc(2 + 65535);
	len = dnsr_reply(r, &q, k->out + 2, 65535, false);
	erg_put_be16(k->out, (uint16_t)len);
	k->out_len = 2 + len;
	k->out_sent = 0;
	r->n_answered++;
	dnsr_conn_push(k);
}

static void
dnsr_conn_event(struct erg_tcp_conn *c, unsigned events, void *ctx)
{
	struct dnsr_conn *k = ctx;

	(void)c;
	if (k->closed) {
		return;
	}
	if (events & (ERG_TCP_EV_RESET | ERG_TCP_EV_TIMEDOUT)) {
		erg_tcp_abort(k->c);
		k->closed = true;
		return;
	}
	dnsr_conn_push(k);
	for (;;) {
		size_t want, qlen;
		long n;

		qlen = k->have >= 2 ? erg_be16(k->in) : 0;
		want = k->have < 2 ? 2 - k->have : 2 + qlen - k->have;
		if (want == 0) {
			dnsr_conn_answer(k, qlen);
			k->have = 0;
			continue;
		}
		n = erg_tcp_read(k->c, k->in + k->have, want);
		if (n == -ERG_EAGAIN) {
			break;
		}
		if (n <= 0) {
			/* End of stream (the client closes) or an error. */
			dnsr_conn_close(k);
			return;
		}
		k->have += (size_t)n;
	}
}

static void
dnsr_listen_event(struct erg_tcp_listener *l, unsigned events, void *ctx)
{
	struct dnsr *r = ctx;
	struct erg_tcp_conn *c;

	(void)events;
	for (;;) {
		struct dnsr_conn *k = calloc(1, sizeof(*k));

		assert_non_null(k);
		if (erg_tcp_accept(l, dnsr_conn_event, k, &c) < 0) {
			free(k);
			return;
		}
		k->r = r;
		k->c = c;
		k->next = r->conns;
		r->conns = k;
	}
}

/* ---- Life ---------------------------------------------------------------- */

struct dnsr *
dnsr_new(struct sim *sim, struct sim_node *n)
{
	struct dnsr *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->sim = sim;
	r->node = n;
	r->follow_cname = true;
	assert_int_equal(erg_udp_open(n->s, dnsr_udp_event, r, &r->udp), 0);
	assert_int_equal(erg_udp_bind(r->udp, ERG_IPV4_ANY, ERG_DNS_PORT), 0);
	assert_int_equal(erg_udp_open(n->s, NULL, NULL, &r->udp_alt), 0);
	assert_int_equal(erg_udp_bind(r->udp_alt, ERG_IPV4_ANY, DNSR_ALT_PORT),
	    0);
	assert_int_equal(erg_tcp_listen(n->s, ERG_IPV4_ANY, ERG_DNS_PORT, 0,
	                     dnsr_listen_event, r, &r->lst),
	    0);
	return r;
}

void
dnsr_tcp_off(struct dnsr *r)
{
	if (r->lst != NULL) {
		erg_tcp_listener_close(r->lst);
		r->lst = NULL;
	}
}

void
dnsr_free(struct dnsr *r)
{
	struct dnsr_conn *k, *next;
	size_t i;

	if (r == NULL) {
		return;
	}
	dnsr_tcp_off(r);
	for (k = r->conns; k != NULL; k = next) {
		next = k->next;
		if (!k->closed) {
			erg_tcp_abort(k->c);
		}
		free(k->out);
		free(k);
	}
	erg_udp_close(r->udp);
	erg_udp_close(r->udp_alt);
	for (i = 0; i < r->nrecs; i++) {
		free(r->recs[i].rdata);
	}
	free(r->recs);
	free(r->log);
	free(r);
}
