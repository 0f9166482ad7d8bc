/*
 * tests/unit/test_dns_resolver.c: the stub resolver (erg/dns.h) against
 * the scriptable responder of tests/lib/dns_responder.h, over a perfect
 * loop wire with DELAY us each way and a scripted clock.
 *
 * Host 1 resolves; hosts 2 and 3 are servers A and B. ARP is warmed
 * first (a ping to each server) so that timings are exact: a query
 * answered at once takes 2 * DELAY.
 *
 * Covered: the RFC 5452 match rules one by one (wrong ID, source port,
 * server address, destination port, question name / type / class, QR
 * clear, opcode, two questions: each ignored and counted, then the right
 * answer accepted) and a 0x20-style case change accepted; the cache (hit,
 * miss, TTL counting down in the delivered message, expiry exactly at
 * the TTL, negative caching per RFC 2308 with and without SOA, LRU
 * eviction, too-big answers, flush, a callback resolving from the cache
 * again); coalescing; cancel (a lone query, a leader, a waiter); pool
 * exhaustion and recovery; timeouts and failover order with exact
 * timings; SERVFAIL / REFUSED to the next server; CNAME chains (followed,
 * exactly at the bound, one past it, a loop, asked again for the last
 * name); TC then TCP (forced and by size), TCP refused; no server;
 * servers from the interfaces; the result truncated to dns_msg_max;
 * compressed names in rdata written out whole; every record type.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/sim.h"
#include "lib/testnet.h"
#include "lib/dns_responder.h"

#define DELAY 100ull /* one-way wire delay, us */
#define RTT   (2 * DELAY)

static const struct erg_loop_impair wire = { 0, 0, 0, 0, DELAY, 0 };

#define ADDR_WWW ERG_IPV4(192, 0, 2, 10)

/* ---- Fixture -------------------------------------------------------- */

/* One delivered result, copied. */
struct res {
	unsigned n; /* callbacks */
	int err;
	uint8_t rcode;
	bool from_cache;
	uint32_t server;
	uint32_t ttl;
	uint64_t t;
	unsigned seq; /* order among all results of the test */
	size_t len;
	uint8_t msg[8192];
};

struct dt {
	struct sim *sim;
	struct sim_node *c;
	struct sim_node *srv[2];
	struct dnsr *r[2];
	uint32_t addr[2];
	unsigned seq;
	struct res *res; /* sim_calloc'd array */
	unsigned nres;
};

static struct dt *cur_dt;

static void
on_result(void *ctx, const struct erg_dns_result *r)
{
	struct res *x = ctx;

	assert_true(r->msg.len <= sizeof(x->msg));
	x->n++;
	x->err = r->err;
	x->rcode = r->rcode;
	x->from_cache = r->from_cache;
	x->server = r->server;
	x->ttl = r->ttl;
	x->t = cur_dt->sim->now;
	x->seq = ++cur_dt->seq;
	x->len = r->msg.len;
	memcpy(x->msg, r->msg.p, r->msg.len);
}

/* Default client config with the given changes applied by the caller. */
static struct erg_config
client_cfg(void)
{
	struct erg_config c;

	erg_config_default(&c);
	return c;
}

/*
 * Starts the sim: client with cfg (NULL: default), nsrv servers with a
 * responder each holding www.example. A ADDR_WWW (TTL 300) and the
 * example. SOA (TTL 3600, MINIMUM 60), ARP warmed.
 */
static struct dt *
dt_start(struct sim *sim, const char *name, const struct erg_config *cfg,
    unsigned nsrv)
{
	struct dt *d = sim_calloc(sim, 1, sizeof(*d));
	unsigned i;

	d->sim = sim;
	d->res = sim_calloc(sim, 16, sizeof(*d->res));
	d->nres = 16;
	cur_dt = d;
	sim_start(sim, name, 7, &wire);
	d->c = sim_add(sim, cfg, 1);
	for (i = 0; i < nsrv; i++) {
		d->srv[i] = sim_add(sim, NULL, 2 + i);
		d->addr[i] = d->srv[i]->addr;
		d->r[i] = dnsr_new(sim, d->srv[i]);
		dnsr_add_a(d->r[i], "www.example.", ADDR_WWW, 300);
		dnsr_soa(d->r[i], "example.", 3600, 60);
		assert_int_equal(erg_icmp_echo_send(d->c->s, d->addr[i], 1,
		                     (uint16_t)i, "x", 1),
		    0);
	}
	if (nsrv > 0) {
		assert_int_equal(erg_dns_servers_set(d->c->s, d->addr, nsrv),
		    0);
	}
	sim_run_for(sim, 10 * SIM_MS);
	return d;
}

/* Frees the responders, lets TCP finish, checks nothing leaked. */
static void
dt_end(struct dt *d)
{
	unsigned i;

	for (i = 0; i < 2; i++) {
		dnsr_free(d->r[i]);
		d->r[i] = NULL;
	}
	assert_true(sim_run_until_no_conns(d->sim, 600 * SIM_SEC));
	/*
	 * A port unreachable answering a spoof from a forged address waits
	 * in ARP's queue until resolution gives up (3 tries, 1 s apart).
	 */
	sim_run_for(d->sim, 5 * SIM_SEC);
	assert_int_equal(sim_stat(d->c, ERG_STAT_DNS_QUERIES_IN_USE), 0);
	assert_int_equal(sim_stat(d->c, ERG_STAT_UDP_SOCKS_IN_USE), 0);
	sim_assert_no_leaks(d->sim);
	sim_pass(d->sim);
}

static int
resolve(struct dt *d, const char *name, uint16_t type, struct res *x,
    struct erg_dns_query **q)
{
	erg_stack_poll(d->c->s, d->sim->now);
	return erg_dns_resolve(d->c->s, name, strlen(name), type, on_result, x,
	    q);
}

static bool
res_done(struct sim *sim, void *ctx)
{
	const struct res *x = ctx;

	(void)sim;
	return x->n > 0;
}

/* Resolves and runs until the callback, asserting it came. */
static struct res *
resolve_wait(struct dt *d, const char *name, uint16_t type, struct res *x)
{
	memset(x, 0, sizeof(*x));
	assert_int_equal(resolve(d, name, type, x, NULL), 0);
	if (x->n == 0) {
		assert_true(sim_run_until(d->sim, res_done, x, 120 * SIM_SEC));
	}
	assert_int_equal(x->n, 1);
	return x;
}

static uint64_t
cstat(const struct dt *d, enum erg_stat id)
{
	return sim_stat(d->c, id);
}

/* ---- Reading results -------------------------------------------------- */

/* The i-th record of section sec (answer, authority) of x's message. */
static bool
res_rr(const struct res *x, enum erg_dns_section sec, unsigned i,
    struct erg_dns_rr *rr, struct erg_dns_msg *m)
{
	unsigned k = 0;

	assert_int_equal(erg_dns_msg_parse(m, erg_view_make(x->msg, x->len)),
	    0);
	while (erg_dns_rr_next(m, rr) == 1) {
		if (rr->section == sec && k++ == i) {
			return true;
		}
	}
	return false;
}

static unsigned
res_count(const struct res *x, enum erg_dns_section sec)
{
	struct erg_dns_msg m;

	assert_int_equal(erg_dns_msg_parse(&m, erg_view_make(x->msg, x->len)),
	    0);
	return m.hdr.count[sec];
}

static uint32_t
res_a(const struct res *x, unsigned i)
{
	struct erg_dns_result r;
	uint32_t a = 0;

	memset(&r, 0, sizeof(r));
	r.msg = erg_view_make(x->msg, x->len);
	assert_int_equal(erg_dns_result_a(&r, i, &a), 0);
	return a;
}

/* The question of x's message is name (exact bytes) and type. */
static void
assert_question(const struct res *x, const char *name, uint16_t type)
{
	struct erg_dns_name n = dnsr_name(name);
	struct erg_dns_question q;
	struct erg_dns_msg m;

	assert_int_equal(erg_dns_msg_parse(&m, erg_view_make(x->msg, x->len)),
	    0);
	assert_int_equal(m.hdr.count[0], 1);
	assert_int_equal(erg_dns_question_next(&m, &q), 1);
	assert_int_equal(q.name.len, n.len);
	assert_memory_equal(q.name.wire, n.wire, n.len);
	assert_int_equal(q.type, type);
	assert_int_equal(q.qclass, ERG_DNS_CLASS_IN);
}

/* Answer record i is a CNAME from owner to target. */
static void
assert_cname(const struct res *x, unsigned i, const char *owner,
    const char *target)
{
	struct erg_dns_name o = dnsr_name(owner), t = dnsr_name(target);
	struct erg_dns_rdata rd;
	struct erg_dns_msg m;
	struct erg_dns_rr rr;

	assert_true(res_rr(x, ERG_DNS_SEC_ANSWER, i, &rr, &m));
	assert_int_equal(rr.type, ERG_DNS_TYPE_CNAME);
	assert_true(erg_dns_name_eq(&rr.name, &o));
	assert_int_equal(erg_dns_rdata_parse(&m, &rr, &rd), 0);
	assert_true(erg_dns_name_eq(&rd.target, &t));
}

/* ---- Basics ------------------------------------------------------------ */

/*
 * A plain A query: one datagram out from an ephemeral port with RD and
 * an EDNS(0) OPT offering 1232 bytes, the answer delivered with the
 * question as asked, the record and its TTL, from server A.
 */
static void
test_resolve_a(void **state)
{
	struct dt *d = dt_start(*state, "dns_resolve_a", NULL, 1);
	struct res *x = &d->res[0];
	uint64_t t0;

	t0 = d->sim->now;
	resolve_wait(d, "Www.Example", ERG_DNS_TYPE_A, x);
	assert_int_equal(x->err, 0);
	assert_int_equal(x->rcode, 0);
	assert_false(x->from_cache);
	assert_int_equal(x->server, d->addr[0]);
	assert_int_equal(x->ttl, 300);
	assert_int_equal(x->t, t0 + RTT);
	assert_question(x, "Www.Example.", ERG_DNS_TYPE_A);
	assert_int_equal(res_count(x, ERG_DNS_SEC_ANSWER), 1);
	assert_int_equal(res_a(x, 0), ADDR_WWW);

	assert_int_equal(d->r[0]->nlog, 1);
	assert_true(d->r[0]->log[0].flags & ERG_DNS_F_RD);
	assert_int_equal(d->r[0]->log[0].edns, ERG_DNS_EDNS_UDP);
	assert_true(d->r[0]->log[0].sport >= ERG_UDP_EPHEMERAL_MIN);
	assert_int_equal(cstat(d, ERG_STAT_DNS_QUERIES), 1);
	assert_int_equal(cstat(d, ERG_STAT_DNS_TX), 1);
	assert_int_equal(cstat(d, ERG_STAT_DNS_RX), 1);
	assert_int_equal(cstat(d, ERG_STAT_DNS_CACHE_MISS), 1);
	assert_int_equal(cstat(d, ERG_STAT_DNS_CACHE_INSERT), 1);
	assert_int_equal(cstat(d, ERG_STAT_DNS_QUERIES_HIGH_WATER), 1);
	dt_end(d);
}

/* Every query from its own port with its own ID (RFC 5452 9.2). */
static void
test_ids_and_ports_fresh_per_query(void **state)
{
	struct dt *d = dt_start(*state, "dns_ids_ports", NULL, 1);
	char name[32];
	unsigned i, j, same_id = 0, same_port = 0;

	for (i = 0; i < 12; i++) {
		snprintf(name, sizeof(name), "n%u.example", i);
		resolve_wait(d, name, ERG_DNS_TYPE_A, &d->res[0]);
		assert_int_equal(d->res[0].err, -ERG_ENXDOMAIN);
	}
	assert_int_equal(d->r[0]->nlog, 12);
	for (i = 0; i < 12; i++) {
		for (j = 0; j < i; j++) {
			same_id += d->r[0]->log[i].id == d->r[0]->log[j].id;
			same_port +=
			    d->r[0]->log[i].sport == d->r[0]->log[j].sport;
		}
	}
	/* 66 pairs: a collision of 16-bit values is ~0.1% likely. */
	assert_true(same_id <= 1);
	assert_true(same_port <= 1);
	dt_end(d);
}

static void
test_bad_arguments(void **state)
{
	struct dt *d = dt_start(*state, "dns_bad_args", NULL, 1);
	struct res x;

	assert_int_equal(resolve(d, "a..b", ERG_DNS_TYPE_A, &x, NULL),
	    -ERG_EINVAL);
	assert_int_equal(resolve(d, "www.example", ERG_DNS_TYPE_OPT, &x, NULL),
	    -ERG_EINVAL);
	assert_int_equal(erg_dns_resolve(d->c->s, "a", 1, 1, NULL, NULL, NULL),
	    -ERG_EINVAL);
	assert_int_equal(cstat(d, ERG_STAT_DNS_QUERIES_IN_USE), 0);
	dt_end(d);
}

/* ---- Matching (RFC 5452) ------------------------------------------------- */

/*
 * Each kind of spoof alone, sent before the real answer: ignored and
 * counted (dns.spoofed, dns.malformed when it does not parse; udp.no_port
 * when it comes from another address or port or goes to another port:
 * the query's socket is connected to the server's port 53, so those
 * never reach it), then the real answer is accepted.
 */
static void
test_spoofs_each_ignored_then_real_accepted(void **state)
{
	static const struct {
		unsigned kind;
		unsigned spoofed, malformed, no_port;
	} cases[] = {
		{ DNSR_SPOOF_ID, 1, 0, 0 },
		{ DNSR_SPOOF_SPORT, 0, 0, 1 },
		{ DNSR_SPOOF_ADDR, 0, 0, 1 },
		{ DNSR_SPOOF_DPORT, 0, 0, 1 },
		{ DNSR_SPOOF_QNAME, 1, 0, 0 },
		{ DNSR_SPOOF_QTYPE, 1, 0, 0 },
		{ DNSR_SPOOF_QCLASS, 1, 0, 0 },
		{ DNSR_SPOOF_NOQR, 1, 0, 0 },
		{ DNSR_SPOOF_TWOQ, 1, 0, 0 },
		{ DNSR_SPOOF_OPCODE, 1, 0, 0 },
		{ DNSR_SPOOF_CUT, 0, 1, 0 },
	};
	struct dt *d = dt_start(*state, "dns_spoofs_each", NULL, 1);
	struct res *x = &d->res[0];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t sp = cstat(d, ERG_STAT_DNS_SPOOFED);
		uint64_t mf = cstat(d, ERG_STAT_DNS_MALFORMED);
		uint64_t np = cstat(d, ERG_STAT_UDP_NO_PORT);
		uint64_t rx = cstat(d, ERG_STAT_DNS_RX);
		uint64_t t0 = d->sim->now;

		erg_dns_cache_flush(d->c->s);
		d->r[0]->spoof = cases[i].kind;
		resolve_wait(d, "www.example", ERG_DNS_TYPE_A, x);
		assert_int_equal(x->err, 0);
		assert_int_equal(res_count(x, ERG_DNS_SEC_ANSWER), 1);
		assert_int_equal(res_a(x, 0), ADDR_WWW);
		/* Accepted with the first real answer: no retry. */
		assert_int_equal(x->t, t0 + RTT);
		assert_int_equal(cstat(d, ERG_STAT_DNS_SPOOFED) - sp,
		    cases[i].spoofed);
		assert_int_equal(cstat(d, ERG_STAT_DNS_MALFORMED) - mf,
		    cases[i].malformed);
		assert_int_equal(cstat(d, ERG_STAT_UDP_NO_PORT) - np,
		    cases[i].no_port);
		assert_int_equal(cstat(d, ERG_STAT_DNS_RX) - rx,
		    1 + cases[i].spoofed + cases[i].malformed);
	}
	assert_int_equal(cstat(d, ERG_STAT_DNS_TIMEOUTS), 0);
	assert_int_equal(d->r[0]->nlog, sizeof(cases) / sizeof(cases[0]));
	dt_end(d);
}

/* All of them at once, then the real one: still the real one wins. */
static void
test_spoofs_all_at_once(void **state)
{
	struct dt *d = dt_start(*state, "dns_spoofs_all", NULL, 1);
	struct res *x = &d->res[0];

	d->r[0]->spoof = DNSR_SPOOF_ALL;
	resolve_wait(d, "www.example", ERG_DNS_TYPE_A, x);
	assert_int_equal(x->err, 0);
	assert_int_equal(res_count(x, ERG_DNS_SEC_ANSWER), 1);
	assert_int_equal(res_a(x, 0), ADDR_WWW);
	assert_int_equal(cstat(d, ERG_STAT_DNS_SPOOFED), 7);
	assert_int_equal(cstat(d, ERG_STAT_DNS_MALFORMED), 1);
	assert_int_equal(cstat(d, ERG_STAT_UDP_NO_PORT), 3);
	assert_int_equal(cstat(d, ERG_STAT_DNS_TCP_QUERIES), 0);
	dt_end(d);
}

/*
 * RFC 5452 9.3: 8 wrong-ID answers from the server's address (someone
 * guessing) end the UDP attempt; the question goes over TCP, whose
 * answer is taken. 7 are only counted.
 */
static void
test_id_guessing_moves_to_tcp(void **state)
{
	struct dt *d = dt_start(*state, "dns_id_guess", NULL, 1);
	struct res *x = &d->res[0];

	d->r[0]->spoof_ids = 7;
	resolve_wait(d, "www.example", ERG_DNS_TYPE_A, x);
	assert_int_equal(x->err, 0);
	assert_int_equal(res_a(x, 0), ADDR_WWW);
	assert_int_equal(cstat(d, ERG_STAT_DNS_SPOOFED), 7);
	assert_int_equal(cstat(d, ERG_STAT_DNS_TCP_QUERIES), 0);
	erg_dns_cache_flush(d->c->s);
	d->r[0]->spoof_ids = 8;
	resolve_wait(d, "www.example", ERG_DNS_TYPE_A, x);
	assert_int_equal(x->err, 0);
	assert_int_equal(res_count(x, ERG_DNS_SEC_ANSWER), 1);
	assert_int_equal(res_a(x, 0), ADDR_WWW);
	assert_int_equal(cstat(d, ERG_STAT_DNS_SPOOFED), 15);
	assert_int_equal(cstat(d, ERG_STAT_DNS_TCP_QUERIES), 1);
	assert_int_equal(d->r[0]->n_tcp, 1);
	dt_end(d);
}

/*
 * A server that changes the case of the question (0x20 encoding, or a
 * case-folding server) is answering the same question (RFC 4343): taken.
 * The result keeps the name as asked.
 */
static void
test_case_changed_question_accepted(void **state)
{
	struct dt *d = dt_start(*state, "dns_case", NULL, 1);
	struct res *x = &d->res[0];

	d->r[0]->case_flip = true;
	resolve_wait(d, "wWw.eXample", ERG_DNS_TYPE_A, x);
	assert_int_equal(x->err, 0);
	assert_int_equal(res_a(x, 0), ADDR_WWW);
	assert_question(x, "wWw.eXample.", ERG_DNS_TYPE_A);
	assert_int_equal(cstat(d, ERG_STAT_DNS_SPOOFED), 0);
	dt_end(d);
}

/* ---- Cache ------------------------------------------------------------ */

/* TTL of answer record i in x. */
static uint32_t
res_ttl(const struct res *x, enum erg_dns_section sec, unsigned i)
{
	struct erg_dns_msg m;
	struct erg_dns_rr rr;

	assert_true(res_rr(x, sec, i, &rr, &m));
	return rr.ttl;
}

/*
 * www.c CNAME (TTL 600) -> host.c A (TTL 300): the result lives 300 s.
 * Hits count every TTL down by whole seconds; the entry is good until
 * the microsecond before 300 s and gone at 300 s exactly.
 */
static void
test_cache_ttl_counts_down_and_expires_exactly(void **state)
{
	struct dt *d = dt_start(*state, "dns_cache_ttl", NULL, 1);
	struct res *x = &d->res[0], *y = &d->res[1];
	uint64_t born;

	dnsr_add_name(d->r[0], "www.c.example", ERG_DNS_TYPE_CNAME,
	    "host.c.example", 600);
	dnsr_add_a(d->r[0], "host.c.example", ADDR_WWW, 300);
	resolve_wait(d, "www.c.example", ERG_DNS_TYPE_A, x);
	assert_int_equal(x->err, 0);
	assert_int_equal(x->ttl, 300);
	born = x->t;

	sim_run_to(d->sim, born + 100 * SIM_SEC + 500 * SIM_MS);
	resolve_wait(d, "WWW.C.EXAMPLE", ERG_DNS_TYPE_A, y);
	assert_true(y->from_cache);
	assert_int_equal(y->err, 0);
	assert_int_equal(y->server, d->addr[0]);
	assert_int_equal(y->ttl, 200);
	assert_int_equal(res_ttl(y, ERG_DNS_SEC_ANSWER, 0), 500);
	assert_int_equal(res_ttl(y, ERG_DNS_SEC_ANSWER, 1), 200);
	assert_cname(y, 0, "www.c.example", "host.c.example");
	assert_int_equal(res_a(y, 0), ADDR_WWW);
	/* The question as this asker wrote it, not as the first did. */
	assert_question(y, "WWW.C.EXAMPLE.", ERG_DNS_TYPE_A);
	/* The message is the original with the TTLs counted down. */
	assert_int_equal(y->len, x->len);

	sim_run_to(d->sim, born + 300 * SIM_SEC - 1);
	resolve_wait(d, "www.c.example", ERG_DNS_TYPE_A, y);
	assert_true(y->from_cache);
	assert_int_equal(y->ttl, 1);
	assert_int_equal(res_ttl(y, ERG_DNS_SEC_ANSWER, 0), 301);
	assert_int_equal(res_ttl(y, ERG_DNS_SEC_ANSWER, 1), 1);
	assert_int_equal(d->r[0]->nlog, 1);

	sim_run_to(d->sim, born + 300 * SIM_SEC);
	resolve_wait(d, "www.c.example", ERG_DNS_TYPE_A, y);
	assert_false(y->from_cache);
	assert_int_equal(y->ttl, 300);
	assert_int_equal(d->r[0]->nlog, 2);
	assert_int_equal(cstat(d, ERG_STAT_DNS_CACHE_EXPIRED), 1);
	assert_int_equal(cstat(d, ERG_STAT_DNS_CACHE_HIT), 2);
	assert_int_equal(cstat(d, ERG_STAT_DNS_CACHE_MISS), 2);
	dt_end(d);
}

/*
 * NXDOMAIN and NODATA are cached for min(SOA TTL, SOA MINIMUM) (RFC 2308
 * 5) with the SOA in the authority section, TTL counting down.
 */
static void
test_negative_cache(void **state)
{
	struct dt *d = dt_start(*state, "dns_negative_cache", NULL, 1);
	struct res *x = &d->res[0], *y = &d->res[1];
	struct erg_dns_msg m;
	struct erg_dns_rr rr;
	uint64_t born;

	resolve_wait(d, "nope.example", ERG_DNS_TYPE_A, x);
	assert_int_equal(x->err, -ERG_ENXDOMAIN);
	assert_int_equal(x->rcode, ERG_DNS_RCODE_NXDOMAIN);
	assert_int_equal(x->ttl, 60);
	assert_int_equal(res_count(x, ERG_DNS_SEC_ANSWER), 0);
	assert_true(res_rr(x, ERG_DNS_SEC_AUTHORITY, 0, &rr, &m));
	assert_int_equal(rr.type, ERG_DNS_TYPE_SOA);
	assert_int_equal(rr.ttl, 60);
	born = x->t;

	sim_run_to(d->sim, born + 59 * SIM_SEC);
	resolve_wait(d, "nope.example", ERG_DNS_TYPE_A, y);
	assert_true(y->from_cache);
	assert_int_equal(y->err, -ERG_ENXDOMAIN);
	assert_int_equal(y->rcode, ERG_DNS_RCODE_NXDOMAIN);
	assert_int_equal(y->ttl, 1);
	assert_int_equal(res_ttl(y, ERG_DNS_SEC_AUTHORITY, 0), 1);
	sim_run_to(d->sim, born + 60 * SIM_SEC);
	resolve_wait(d, "nope.example", ERG_DNS_TYPE_A, y);
	assert_false(y->from_cache);
	assert_int_equal(d->r[0]->nlog, 2);

	/* NODATA: www.example. has an A but no AAAA; SOA TTL below MIN. */
	dnsr_soa(d->r[0], "example.", 30, 60);
	resolve_wait(d, "www.example", ERG_DNS_TYPE_AAAA, x);
	assert_int_equal(x->err, -ERG_ENODATA);
	assert_int_equal(x->rcode, 0);
	assert_int_equal(x->ttl, 30);
	resolve_wait(d, "www.example", ERG_DNS_TYPE_AAAA, y);
	assert_true(y->from_cache);
	assert_int_equal(y->err, -ERG_ENODATA);
	assert_int_equal(cstat(d, ERG_STAT_DNS_CACHE_NEGATIVE), 3);
	dt_end(d);
}

/* RFC 2308 5: without an SOA a negative answer is not cached. */
static void
test_negative_without_soa_not_cached(void **state)
{
	struct dt *d = dt_start(*state, "dns_negative_nosoa", NULL, 1);
	struct res *x = &d->res[0];

	dnsr_soa(d->r[0], NULL, 0, 0);
	resolve_wait(d, "nope.example", ERG_DNS_TYPE_A, x);
	assert_int_equal(x->err, -ERG_ENXDOMAIN);
	assert_int_equal(x->ttl, 0);
	resolve_wait(d, "nope.example", ERG_DNS_TYPE_A, x);
	assert_false(x->from_cache);
	assert_int_equal(x->err, -ERG_ENXDOMAIN);
	assert_int_equal(d->r[0]->nlog, 2);
	assert_int_equal(cstat(d, ERG_STAT_DNS_CACHE_INSERT), 0);
	dt_end(d);
}

/* Two entries: a lookup refreshes a; c evicts b, the least recent. */
static void
test_cache_lru_eviction(void **state)
{
	struct erg_config cfg = client_cfg();
	struct dt *d;
	struct res *x;

	cfg.dns_cache_entries = 2;
	d = dt_start(*state, "dns_cache_lru", &cfg, 1);
	x = &d->res[0];
	dnsr_add_a(d->r[0], "a.example", 1, 300);
	dnsr_add_a(d->r[0], "b.example", 2, 300);
	dnsr_add_a(d->r[0], "c.example", 3, 300);
	resolve_wait(d, "a.example", ERG_DNS_TYPE_A, x);
	resolve_wait(d, "b.example", ERG_DNS_TYPE_A, x);
	resolve_wait(d, "a.example", ERG_DNS_TYPE_A, x);
	assert_true(x->from_cache);
	resolve_wait(d, "c.example", ERG_DNS_TYPE_A, x);
	assert_false(x->from_cache);
	assert_int_equal(cstat(d, ERG_STAT_DNS_CACHE_EVICT), 1);
	resolve_wait(d, "a.example", ERG_DNS_TYPE_A, x);
	assert_true(x->from_cache);
	assert_int_equal(res_a(x, 0), 1);
	resolve_wait(d, "c.example", ERG_DNS_TYPE_A, x);
	assert_true(x->from_cache);
	resolve_wait(d, "b.example", ERG_DNS_TYPE_A, x);
	assert_false(x->from_cache);
	assert_int_equal(res_a(x, 0), 2);
	assert_int_equal(dnsr_count(d->r[0], "b.example"), 2);
	assert_int_equal(dnsr_count(d->r[0], "a.example"), 1);
	dt_end(d);
}

/* An answer larger than dns_entry_size is delivered but not kept. */
static void
test_cache_too_big_not_cached(void **state)
{
	struct erg_config cfg = client_cfg();
	char txt[101];
	struct dt *d;
	struct res *x;

	cfg.dns_entry_size = 128;
	d = dt_start(*state, "dns_cache_too_big", &cfg, 1);
	x = &d->res[0];
	memset(txt, 't', 100);
	txt[100] = '\0';
	dnsr_add_txt(d->r[0], "t.example", txt, 300);
	dnsr_add_a(d->r[0], "a.example", 1, 300);
	resolve_wait(d, "t.example", ERG_DNS_TYPE_TXT, x);
	assert_int_equal(x->err, 0);
	assert_true(x->len > 128);
	assert_int_equal(cstat(d, ERG_STAT_DNS_CACHE_TOO_BIG), 1);
	resolve_wait(d, "t.example", ERG_DNS_TYPE_TXT, x);
	assert_false(x->from_cache);
	/* A small one still fits. */
	resolve_wait(d, "a.example", ERG_DNS_TYPE_A, x);
	assert_true(x->len <= 128);
	resolve_wait(d, "a.example", ERG_DNS_TYPE_A, x);
	assert_true(x->from_cache);
	dt_end(d);
}

static void
test_cache_flush(void **state)
{
	struct dt *d = dt_start(*state, "dns_cache_flush", NULL, 1);
	struct res *x = &d->res[0];

	resolve_wait(d, "www.example", ERG_DNS_TYPE_A, x);
	resolve_wait(d, "www.example", ERG_DNS_TYPE_A, x);
	assert_true(x->from_cache);
	erg_dns_cache_flush(d->c->s);
	resolve_wait(d, "www.example", ERG_DNS_TYPE_A, x);
	assert_false(x->from_cache);
	assert_int_equal(d->r[0]->nlog, 2);
	dt_end(d);
}

/* A cache-hit callback resolving another cached name. */
struct nest {
	struct dt *d;
	struct res inner;
	bool outer_intact;
	unsigned n;
};

static void
on_nest_outer(void *ctx, const struct erg_dns_result *r)
{
	struct nest *ns = ctx;
	uint8_t before[512];
	uint32_t a = 0;

	ns->n++;
	assert_true(r->from_cache);
	assert_true(r->msg.len <= sizeof(before));
	memcpy(before, r->msg.p, r->msg.len);
	assert_int_equal(erg_dns_resolve(ns->d->c->s, "b.example", 9,
	                     ERG_DNS_TYPE_A, on_result, &ns->inner, NULL),
	    0);
	assert_int_equal(ns->inner.n, 1);
	assert_true(ns->inner.from_cache);
	ns->outer_intact = memcmp(before, r->msg.p, r->msg.len) == 0 &&
	    erg_dns_result_a(r, 0, &a) == 0 && a == 1;
}

static void
test_callback_resolves_from_cache_again(void **state)
{
	struct dt *d = dt_start(*state, "dns_nested_hit", NULL, 1);
	struct nest ns;

	dnsr_add_a(d->r[0], "a.example", 1, 300);
	dnsr_add_a(d->r[0], "b.example", 2, 300);
	resolve_wait(d, "a.example", ERG_DNS_TYPE_A, &d->res[0]);
	resolve_wait(d, "b.example", ERG_DNS_TYPE_A, &d->res[0]);
	memset(&ns, 0, sizeof(ns));
	ns.d = d;
	assert_int_equal(erg_dns_resolve(d->c->s, "a.example", 9,
	                     ERG_DNS_TYPE_A, on_nest_outer, &ns, NULL),
	    0);
	assert_int_equal(ns.n, 1);
	assert_true(ns.outer_intact);
	assert_int_equal(res_a(&ns.inner, 0), 2);
	assert_int_equal(cstat(d, ERG_STAT_DNS_QUERIES_IN_USE), 0);
	dt_end(d);
}

/* ---- Coalescing, cancel, pool -------------------------------------------- */

static void
test_coalesce_identical_questions(void **state)
{
	struct dt *d = dt_start(*state, "dns_coalesce", NULL, 1);
	struct res *x = &d->res[0], *y = &d->res[1], *z = &d->res[2];

	assert_int_equal(resolve(d, "www.example", ERG_DNS_TYPE_A, x, NULL), 0);
	assert_int_equal(resolve(d, "WWW.EXAMPLE.", ERG_DNS_TYPE_A, y, NULL),
	    0);
	assert_int_equal(resolve(d, "www.example", ERG_DNS_TYPE_AAAA, z, NULL),
	    0);
	assert_int_equal(cstat(d, ERG_STAT_DNS_COALESCED), 1);
	assert_int_equal(cstat(d, ERG_STAT_DNS_QUERIES_IN_USE), 3);
	assert_true(sim_run_until(d->sim, res_done, z, SIM_SEC));
	sim_run_for(d->sim, SIM_MS);
	assert_int_equal(x->n, 1);
	assert_int_equal(y->n, 1);
	assert_int_equal(x->err, 0);
	assert_int_equal(y->err, 0);
	assert_int_equal(res_a(y, 0), ADDR_WWW);
	/* The first asker first; both from the one answer. */
	assert_true(x->seq < y->seq);
	assert_int_equal(x->t, y->t);
	/* Each sees its own question, in the case it asked. */
	assert_question(x, "www.example.", ERG_DNS_TYPE_A);
	assert_question(y, "WWW.EXAMPLE.", ERG_DNS_TYPE_A);
	assert_int_equal(z->err, -ERG_ENODATA);
	assert_int_equal(dnsr_count(d->r[0], "www.example"), 2);
	assert_int_equal(d->r[0]->n_udp, 2);
	dt_end(d);
}

/* Cancel frees the slot and socket at once; no callback ever. */
static void
test_cancel(void **state)
{
	struct dt *d = dt_start(*state, "dns_cancel", NULL, 1);
	struct res *x = &d->res[0];
	struct erg_dns_query *q = NULL;
	uint64_t socks = cstat(d, ERG_STAT_UDP_SOCKS_IN_USE);

	assert_int_equal(resolve(d, "www.example", ERG_DNS_TYPE_A, x, &q), 0);
	assert_non_null(q);
	assert_int_equal(cstat(d, ERG_STAT_UDP_SOCKS_IN_USE), socks + 1);
	erg_dns_cancel(d->c->s, q);
	assert_int_equal(cstat(d, ERG_STAT_DNS_QUERIES_IN_USE), 0);
	assert_int_equal(cstat(d, ERG_STAT_UDP_SOCKS_IN_USE), socks);
	sim_run_for(d->sim, 30 * SIM_SEC);
	assert_int_equal(x->n, 0);
	/* The answer found no socket. */
	assert_int_equal(d->r[0]->n_answered, 1);
	assert_int_equal(cstat(d, ERG_STAT_UDP_NO_PORT), 1);
	assert_int_equal(cstat(d, ERG_STAT_DNS_CACHE_INSERT), 0);
	dt_end(d);
}

/* Cancelling the leader hands the question to the waiter. */
static void
test_cancel_leader_waiter_takes_over(void **state)
{
	struct dt *d = dt_start(*state, "dns_cancel_leader", NULL, 1);
	struct res *x = &d->res[0], *y = &d->res[1];
	struct erg_dns_query *q = NULL;

	assert_int_equal(resolve(d, "www.example", ERG_DNS_TYPE_A, x, &q), 0);
	assert_int_equal(resolve(d, "www.example", ERG_DNS_TYPE_A, y, NULL), 0);
	erg_dns_cancel(d->c->s, q);
	assert_int_equal(cstat(d, ERG_STAT_DNS_QUERIES_IN_USE), 1);
	assert_true(sim_run_until(d->sim, res_done, y, SIM_SEC));
	assert_int_equal(x->n, 0);
	assert_int_equal(y->err, 0);
	assert_int_equal(res_a(y, 0), ADDR_WWW);
	assert_int_equal(d->r[0]->n_udp, 2);
	dt_end(d);
}

static void
test_cancel_waiter(void **state)
{
	struct dt *d = dt_start(*state, "dns_cancel_waiter", NULL, 1);
	struct res *x = &d->res[0], *y = &d->res[1];
	struct erg_dns_query *w = NULL;

	assert_int_equal(resolve(d, "www.example", ERG_DNS_TYPE_A, x, NULL), 0);
	assert_int_equal(resolve(d, "www.example", ERG_DNS_TYPE_A, y, &w), 0);
	erg_dns_cancel(d->c->s, w);
	assert_int_equal(cstat(d, ERG_STAT_DNS_QUERIES_IN_USE), 1);
	assert_true(sim_run_until(d->sim, res_done, x, SIM_SEC));
	sim_run_for(d->sim, SIM_SEC);
	assert_int_equal(x->err, 0);
	assert_int_equal(y->n, 0);
	assert_int_equal(d->r[0]->n_udp, 1);
	dt_end(d);
}

static void
test_pool_exhaustion_and_recovery(void **state)
{
	struct erg_config cfg = client_cfg();
	struct dt *d;
	struct res *x, *y, *z;

	cfg.dns_queries = 2;
	d = dt_start(*state, "dns_pool", &cfg, 1);
	x = &d->res[0];
	y = &d->res[1];
	z = &d->res[2];
	dnsr_add_a(d->r[0], "a.example", 1, 300);
	dnsr_add_a(d->r[0], "b.example", 2, 300);
	dnsr_add_a(d->r[0], "c.example", 3, 300);
	assert_int_equal(resolve(d, "a.example", ERG_DNS_TYPE_A, x, NULL), 0);
	assert_int_equal(resolve(d, "b.example", ERG_DNS_TYPE_A, y, NULL), 0);
	assert_int_equal(resolve(d, "c.example", ERG_DNS_TYPE_A, z, NULL),
	    -ERG_ENOMEM);
	/* Even a question already out needs a slot of its own. */
	assert_int_equal(resolve(d, "a.example", ERG_DNS_TYPE_A, z, NULL),
	    -ERG_ENOMEM);
	assert_int_equal(cstat(d, ERG_STAT_DNS_QUERY_ALLOC_FAIL), 2);
	assert_true(sim_run_until(d->sim, res_done, y, SIM_SEC));
	assert_int_equal(x->n, 1);
	assert_int_equal(z->n, 0);
	assert_int_equal(cstat(d, ERG_STAT_DNS_QUERIES_IN_USE), 0);
	resolve_wait(d, "c.example", ERG_DNS_TYPE_A, z);
	assert_int_equal(res_a(z, 0), 3);
	assert_int_equal(cstat(d, ERG_STAT_DNS_QUERIES_HIGH_WATER), 2);
	dt_end(d);
}

/* ---- Timeouts and servers ------------------------------------------------ */

/*
 * Two silent servers, 3 rounds of 1 s doubling: A at 0, B at 1 s, A at
 * 2 s, B at 4 s, A at 6 s, B at 10 s, -ERG_ETIMEDOUT at 14 s; each
 * attempt from a fresh port with a fresh ID.
 */
static void
test_timeouts_and_failover_order(void **state)
{
	static const uint64_t at[6] = { 0, 1, 2, 4, 6, 10 };
	struct dt *d = dt_start(*state, "dns_timeouts", NULL, 2);
	struct res *x = &d->res[0];
	uint64_t t0;
	unsigned i;

	d->r[0]->silent = true;
	d->r[1]->silent = true;
	t0 = d->sim->now;
	resolve_wait(d, "www.example", ERG_DNS_TYPE_A, x);
	assert_int_equal(x->err, -ERG_ETIMEDOUT);
	assert_int_equal(x->t, t0 + 14 * SIM_SEC);
	assert_int_equal(x->server, 0);
	assert_int_equal(d->r[0]->nlog, 3);
	assert_int_equal(d->r[1]->nlog, 3);
	for (i = 0; i < 6; i++) {
		const struct dnsr_query *q = &d->r[i % 2]->log[i / 2];

		assert_int_equal(q->t, t0 + at[i] * SIM_SEC + DELAY);
	}
	assert_true(d->r[0]->log[0].sport != d->r[0]->log[1].sport ||
	    d->r[0]->log[0].id != d->r[0]->log[1].id);
	assert_int_equal(cstat(d, ERG_STAT_DNS_TIMEOUTS), 6);
	assert_int_equal(cstat(d, ERG_STAT_DNS_TX), 6);
	assert_int_equal(cstat(d, ERG_STAT_DNS_CACHE_INSERT), 0);
	dt_end(d);
}

/* A lost query: the next attempt (server B at 1 s) answers. */
static void
test_lost_query_next_server_answers(void **state)
{
	struct dt *d = dt_start(*state, "dns_lost_query", NULL, 2);
	struct res *x = &d->res[0];
	uint64_t t0 = d->sim->now;

	d->r[0]->drop_next = 1;
	resolve_wait(d, "www.example", ERG_DNS_TYPE_A, x);
	assert_int_equal(x->err, 0);
	assert_int_equal(x->server, d->addr[1]);
	assert_int_equal(x->t, t0 + SIM_SEC + RTT);
	assert_int_equal(cstat(d, ERG_STAT_DNS_TIMEOUTS), 1);
	dt_end(d);
}

/* SERVFAIL and REFUSED move on at once, and the server is not asked again. */
static void
test_server_error_next_server(void **state)
{
	struct dt *d = dt_start(*state, "dns_servfail", NULL, 2);
	struct res *x = &d->res[0];
	uint64_t t0 = d->sim->now;

	d->r[0]->rcode = ERG_DNS_RCODE_SERVFAIL;
	resolve_wait(d, "www.example", ERG_DNS_TYPE_A, x);
	assert_int_equal(x->err, 0);
	assert_int_equal(x->server, d->addr[1]);
	assert_int_equal(x->t, t0 + 2 * RTT);
	assert_int_equal(cstat(d, ERG_STAT_DNS_SERVER_ERR), 1);

	/* Both refuse: -ERG_ESERVFAIL after one question to each. */
	d->r[0]->rcode = ERG_DNS_RCODE_REFUSED;
	d->r[1]->rcode = ERG_DNS_RCODE_REFUSED;
	t0 = d->sim->now;
	resolve_wait(d, "x.example", ERG_DNS_TYPE_A, x);
	assert_int_equal(x->err, -ERG_ESERVFAIL);
	assert_int_equal(x->rcode, ERG_DNS_RCODE_REFUSED);
	assert_int_equal(x->t, t0 + 2 * RTT);
	assert_int_equal(dnsr_count(d->r[0], "x.example"), 1);
	assert_int_equal(dnsr_count(d->r[1], "x.example"), 1);
	assert_int_equal(cstat(d, ERG_STAT_DNS_SERVER_ERR), 3);
	assert_int_equal(cstat(d, ERG_STAT_DNS_CACHE_INSERT), 1);
	dt_end(d);
}

static void
test_no_server(void **state)
{
	struct dt *d = dt_start(*state, "dns_no_server", NULL, 0);
	struct res x;

	assert_int_equal(resolve(d, "www.example", ERG_DNS_TYPE_A, &x, NULL),
	    -ERG_EHOSTUNREACH);
	assert_int_equal(cstat(d, ERG_STAT_DNS_QUERIES_IN_USE), 0);
	assert_int_equal(erg_dns_servers(d->c->s, (uint32_t[4]){ 0 }, 4), 0);
	dt_end(d);
}

/*
 * Servers come from erg_dns_servers_set, else from the interfaces in
 * order, deduplicated; and a query goes to them.
 */
static void
test_servers_from_interfaces(void **state)
{
	static const uint8_t mac2[6] = { 2, 0, 0, 0, 0, 0x99 };
	struct dt *d = dt_start(*state, "dns_servers_netif", NULL, 1);
	uint32_t two[2] = { ERG_IPV4(10, 0, 0, 1), d->addr[0] };
	uint32_t other[2] = { d->addr[0], ERG_IPV4(10, 0, 0, 2) };
	uint32_t out[8], set = ERG_IPV4(10, 9, 9, 9);
	struct erg_netif_config nc;
	struct tn_capture cap;
	struct res *x = &d->res[0];
	unsigned ifx;

	memset(&cap, 0, sizeof(cap));
	memset(&nc, 0, sizeof(nc));
	memcpy(nc.mac, mac2, 6);
	nc.mtu = 1500;
	nc.ops = &tn_capture_ops;
	nc.drv = &cap;
	assert_int_equal(erg_netif_add(d->c->s, &nc, &ifx), 0);
	assert_int_equal(erg_dns_servers_set(d->c->s, NULL, 0), 0);
	assert_int_equal(erg_ipv4_dns_set(d->c->s, d->c->ifindex, two, 2), 0);
	assert_int_equal(erg_ipv4_dns_set(d->c->s, ifx, other, 2), 0);
	assert_int_equal(erg_dns_servers(d->c->s, out, 8), 3);
	assert_int_equal(out[0], two[0]);
	assert_int_equal(out[1], d->addr[0]);
	assert_int_equal(out[2], other[1]);
	assert_int_equal(erg_dns_servers(d->c->s, out, 2), 2);

	assert_int_equal(erg_dns_servers_set(d->c->s, &set, 1), 0);
	assert_int_equal(erg_dns_servers(d->c->s, out, 8), 1);
	assert_int_equal(out[0], set);
	assert_int_equal(erg_dns_servers_set(d->c->s, out, 5), -ERG_EINVAL);
	assert_int_equal(erg_dns_servers_set(d->c->s, NULL, 0), 0);

	/* Only the responder answers: 10.0.0.1 is asked first, times out. */
	assert_int_equal(
	    erg_ipv4_dns_set(d->c->s, d->c->ifindex, &d->addr[0], 1), 0);
	assert_int_equal(erg_ipv4_dns_set(d->c->s, ifx, NULL, 0), 0);
	resolve_wait(d, "www.example", ERG_DNS_TYPE_A, x);
	assert_int_equal(x->err, 0);
	assert_int_equal(x->server, d->addr[0]);
	tn_capture_clear(&cap);
	free(cap.frames);
	dt_end(d);
}

/* ---- CNAME chains -------------------------------------------------------- */

static void
test_cname_chain_followed(void **state)
{
	struct dt *d = dt_start(*state, "dns_cname_chain", NULL, 1);
	struct res *x = &d->res[0];

	dnsr_add_name(d->r[0], "w.example", ERG_DNS_TYPE_CNAME, "a.example",
	    100);
	dnsr_add_name(d->r[0], "a.example", ERG_DNS_TYPE_CNAME, "b.example",
	    50);
	dnsr_add_a(d->r[0], "b.example", 5, 300);
	dnsr_add_a(d->r[0], "b.example", 6, 300);
	dnsr_add_a(d->r[0], "unrelated.example", 7, 300);
	resolve_wait(d, "w.example", ERG_DNS_TYPE_A, x);
	assert_int_equal(x->err, 0);
	assert_int_equal(x->ttl, 50);
	assert_int_equal(res_count(x, ERG_DNS_SEC_ANSWER), 4);
	assert_cname(x, 0, "w.example", "a.example");
	assert_cname(x, 1, "a.example", "b.example");
	assert_int_equal(res_a(x, 0), 5);
	assert_int_equal(res_a(x, 1), 6);
	assert_int_equal(cstat(d, ERG_STAT_DNS_CNAME_FOLLOWED), 2);
	/* Asking for the CNAME itself is not following it. */
	resolve_wait(d, "w.example", ERG_DNS_TYPE_CNAME, x);
	assert_int_equal(x->err, 0);
	assert_int_equal(res_count(x, ERG_DNS_SEC_ANSWER), 1);
	assert_cname(x, 0, "w.example", "a.example");
	assert_int_equal(cstat(d, ERG_STAT_DNS_CNAME_FOLLOWED), 2);
	dt_end(d);
}

/* c0 -> c1 -> ... -> c<links>, which has an A. */
static void
add_chain(struct dnsr *r, const char *pfx, unsigned links)
{
	char a[32], b[32];
	unsigned i;

	for (i = 0; i < links; i++) {
		snprintf(a, sizeof(a), "%s%u.example", pfx, i);
		snprintf(b, sizeof(b), "%s%u.example", pfx, i + 1);
		dnsr_add_name(r, a, ERG_DNS_TYPE_CNAME, b, 300);
	}
	snprintf(a, sizeof(a), "%s%u.example", pfx, links);
	dnsr_add_a(r, a, 9, 300);
}

/* ERG_DNS_CNAME_MAX links are followed; one more is -ERG_ELOOP. */
static void
test_cname_chain_bound(void **state)
{
	struct dt *d = dt_start(*state, "dns_cname_bound", NULL, 1);
	struct res *x = &d->res[0];

	add_chain(d->r[0], "ok", ERG_DNS_CNAME_MAX);
	add_chain(d->r[0], "long", ERG_DNS_CNAME_MAX + 1);
	resolve_wait(d, "ok0.example", ERG_DNS_TYPE_A, x);
	assert_int_equal(x->err, 0);
	assert_int_equal(res_count(x, ERG_DNS_SEC_ANSWER),
	    ERG_DNS_CNAME_MAX + 1);
	assert_int_equal(res_a(x, 0), 9);
	resolve_wait(d, "long0.example", ERG_DNS_TYPE_A, x);
	assert_int_equal(x->err, -ERG_ELOOP);
	assert_int_equal(cstat(d, ERG_STAT_DNS_CNAME_LOOP), 1);

	/* The same bound when the server gives one link at a time. */
	erg_dns_cache_flush(d->c->s);
	d->r[0]->follow_cname = false;
	resolve_wait(d, "ok0.example", ERG_DNS_TYPE_A, x);
	assert_int_equal(x->err, 0);
	assert_int_equal(res_count(x, ERG_DNS_SEC_ANSWER),
	    ERG_DNS_CNAME_MAX + 1);
	assert_int_equal(dnsr_count(d->r[0], "ok8.example"), 1);
	resolve_wait(d, "long0.example", ERG_DNS_TYPE_A, x);
	assert_int_equal(x->err, -ERG_ELOOP);
	/* long0 .. long8 asked, long9 never. */
	assert_int_equal(dnsr_count(d->r[0], "long8.example"), 1);
	assert_int_equal(dnsr_count(d->r[0], "long9.example"), 0);
	assert_int_equal(cstat(d, ERG_STAT_DNS_CNAME_LOOP), 2);
	dt_end(d);
}

static void
test_cname_loop(void **state)
{
	struct dt *d = dt_start(*state, "dns_cname_loop", NULL, 1);
	struct res *x = &d->res[0];

	dnsr_add_name(d->r[0], "l1.example", ERG_DNS_TYPE_CNAME, "l2.example",
	    300);
	dnsr_add_name(d->r[0], "l2.example", ERG_DNS_TYPE_CNAME, "L1.example",
	    300);
	resolve_wait(d, "l1.example", ERG_DNS_TYPE_A, x);
	assert_int_equal(x->err, -ERG_ELOOP);
	assert_int_equal(cstat(d, ERG_STAT_DNS_CNAME_LOOP), 1);
	assert_int_equal(cstat(d, ERG_STAT_DNS_CACHE_INSERT), 0);
	/* A self-loop, one link at a time. */
	d->r[0]->follow_cname = false;
	dnsr_add_name(d->r[0], "self.example", ERG_DNS_TYPE_CNAME,
	    "self.example", 300);
	resolve_wait(d, "self.example", ERG_DNS_TYPE_A, x);
	assert_int_equal(x->err, -ERG_ELOOP);
	assert_int_equal(d->r[0]->nlog, 2);
	dt_end(d);
}

/* A chain the server did not follow is asked again for its last name. */
static void
test_cname_restart_for_last_target(void **state)
{
	struct dt *d = dt_start(*state, "dns_cname_restart", NULL, 1);
	struct res *x = &d->res[0];

	d->r[0]->follow_cname = false;
	dnsr_add_name(d->r[0], "w.example", ERG_DNS_TYPE_CNAME,
	    "x.other.example", 100);
	dnsr_add_a(d->r[0], "x.other.example", 4, 30);
	resolve_wait(d, "w.example", ERG_DNS_TYPE_A, x);
	assert_int_equal(x->err, 0);
	assert_int_equal(x->ttl, 30);
	assert_int_equal(d->r[0]->nlog, 2);
	assert_int_equal(dnsr_count(d->r[0], "x.other.example"), 1);
	assert_question(x, "w.example.", ERG_DNS_TYPE_A);
	assert_cname(x, 0, "w.example", "x.other.example");
	assert_int_equal(res_a(x, 0), 4);
	/* NXDOMAIN for the target ends it, with the chain. */
	dnsr_add_name(d->r[0], "v.example", ERG_DNS_TYPE_CNAME, "gone.example",
	    100);
	resolve_wait(d, "v.example", ERG_DNS_TYPE_A, x);
	assert_int_equal(x->err, -ERG_ENXDOMAIN);
	assert_cname(x, 0, "v.example", "gone.example");
	dt_end(d);
}

/* ---- Callbacks that ask again, sizes, rcodes ------------------------- */

/* Asks for www.example AAAA from inside the first callback. */
static void
on_result_ask_again(void *ctx, const struct erg_dns_result *r)
{
	struct res *x = ctx;

	on_result(x, r);
	x[1].err = erg_dns_resolve(cur_dt->c->s, "other.example", 13,
	    ERG_DNS_TYPE_A, on_result, &x[2], NULL);
}

/*
 * With a single query slot, a callback can still start a query: the
 * slot is freed after its own callback (dns.h: "the callback may start
 * new queries").
 */
static void
test_callback_can_ask_with_one_slot(void **state)
{
	struct erg_config cfg = client_cfg();
	struct dt *d;
	struct res *x;

	cfg.dns_queries = 1;
	d = dt_start(*state, "dns_cb_one_slot", &cfg, 1);
	x = d->res;
	memset(x, 0, 3 * sizeof(*x));
	dnsr_add_a(d->r[0], "other.example.", ERG_IPV4(192, 0, 2, 77), 300);
	erg_stack_poll(d->c->s, d->sim->now);
	assert_int_equal(erg_dns_resolve(d->c->s, "www.example", 11,
	                     ERG_DNS_TYPE_A, on_result_ask_again, x, NULL),
	    0);
	assert_true(sim_run_until(d->sim, res_done, &x[0], 10 * SIM_SEC));
	assert_int_equal(x[1].err, 0);
	assert_true(sim_run_until(d->sim, res_done, &x[2], 10 * SIM_SEC));
	assert_int_equal(x[0].err, 0);
	assert_int_equal(x[1].err, 0);
	assert_int_equal(x[2].err, 0);
	assert_int_equal(res_a(&x[2], 0), ERG_IPV4(192, 0, 2, 77));
	dt_end(d);
}

/*
 * Over UDP with more bytes than the 1232 offered (RFC 6891 6.2.5: a
 * server must not; such answers likely came in forgeable fragments):
 * asked again over TCP.
 */
static size_t
raw_oversized_udp(void *ctx, const struct dnsr_query *q, uint8_t *out,
    size_t cap)
{
	const struct dnsr *r = ctx;
	bool tc;

	/* As if the query had offered 4096 bytes. */
	return dnsr_answer(r, &q->qname, q->qtype, q->id, out,
	    q->tcp || cap < 4096u ? cap : (size_t)4096u, &tc);
}

static void
test_oversized_udp_answer_retried_over_tcp(void **state)
{
	struct dt *d = dt_start(*state, "dns_oversized", NULL, 1);
	struct res *x = &d->res[0];
	unsigned i;

	for (i = 0; i < 100; i++) {
		dnsr_add_a(d->r[0], "many.example.", ERG_IPV4(192, 0, 2, i),
		    300);
	}
	d->r[0]->raw = raw_oversized_udp;
	d->r[0]->raw_ctx = d->r[0];
	resolve_wait(d, "many.example", ERG_DNS_TYPE_A, x);
	assert_int_equal(x->err, 0);
	assert_int_equal(res_count(x, ERG_DNS_SEC_ANSWER), 100);
	assert_int_equal(d->r[0]->n_udp, 1);
	assert_int_equal(d->r[0]->n_tcp, 1);
	assert_int_equal(cstat(d, ERG_STAT_DNS_TRUNCATED), 1);
	dt_end(d);
}

/* NXDOMAIN that also carries a record for the name: not an answer. */
static size_t
raw_nxdomain_with_data(void *ctx, const struct dnsr_query *q, uint8_t *out,
    size_t cap)
{
	const struct dnsr *r = ctx;
	size_t n;
	bool tc;

	n = dnsr_answer(r, &q->qname, q->qtype, q->id, out, cap, &tc);
	erg_put_be16(out + 2,
	    (uint16_t)((erg_be16(out + 2) & ~ERG_DNS_F_RCODE) |
	        ERG_DNS_RCODE_NXDOMAIN));
	return n;
}

static void
test_nxdomain_with_data_is_nxdomain(void **state)
{
	struct dt *d = dt_start(*state, "dns_nx_data", NULL, 1);
	struct res *x = &d->res[0];

	d->r[0]->raw = raw_nxdomain_with_data;
	d->r[0]->raw_ctx = d->r[0];
	resolve_wait(d, "www.example", ERG_DNS_TYPE_A, x);
	assert_int_equal(x->err, -ERG_ENXDOMAIN);
	assert_int_equal(res_count(x, ERG_DNS_SEC_ANSWER), 0);
	dt_end(d);
}

/* ---- TCP ---------------------------------------------------------------- */

static void
test_tc_retried_over_tcp(void **state)
{
	struct dt *d = dt_start(*state, "dns_tc_tcp", NULL, 1);
	struct res *x = &d->res[0];
	char txt[101];
	unsigned i;

	dnsr_tc(d->r[0], "www.example");
	resolve_wait(d, "www.example", ERG_DNS_TYPE_A, x);
	assert_int_equal(x->err, 0);
	assert_int_equal(res_a(x, 0), ADDR_WWW);
	assert_int_equal(d->r[0]->n_udp, 1);
	assert_int_equal(d->r[0]->n_tcp, 1);
	assert_int_equal(cstat(d, ERG_STAT_DNS_TRUNCATED), 1);
	assert_int_equal(cstat(d, ERG_STAT_DNS_TCP_QUERIES), 1);

	/* By size: 30 strings of 100 bytes do not fit in 1232. */
	memset(txt, 'q', 100);
	txt[100] = '\0';
	for (i = 0; i < 30; i++) {
		txt[0] = (char)('A' + i);
		dnsr_add_txt(d->r[0], "big.example", txt, 300);
	}
	resolve_wait(d, "big.example", ERG_DNS_TYPE_TXT, x);
	assert_int_equal(x->err, 0);
	assert_int_equal(res_count(x, ERG_DNS_SEC_ANSWER), 30);
	assert_int_equal(cstat(d, ERG_STAT_DNS_TRUNCATED), 2);
	assert_int_equal(cstat(d, ERG_STAT_DNS_TCP_QUERIES), 2);
	assert_int_equal(cstat(d, ERG_STAT_DNS_TCP_FAIL), 0);
	dt_end(d);
}

/*
 * Over UDP: the full answer (40 A records), TC set and cut in the middle
 * of the 21st record with the counts left at 40, as some forwarders cut
 * at 512 bytes (RFC 2181 9 allows it). Over TCP: the full answer.
 */
static size_t
raw_cut_mid_record(void *ctx, const struct dnsr_query *q, uint8_t *out,
    size_t cap)
{
	const struct dnsr *r = ctx;
	size_t n;
	bool tc;

	n = dnsr_answer(r, &q->qname, q->qtype, q->id, out, cap, &tc);
	if (q->tcp) {
		return n;
	}
	assert_true(n > 12 + 17 + 20 * 16 + 5);
	erg_put_be16(out + 2, (uint16_t)(erg_be16(out + 2) | ERG_DNS_F_TC));
	/* Header, question (name 12 + 5), 20 records of 16, 5 bytes more. */
	return 12 + 17 + 20 * 16 + 5;
}

/* A TC answer cut mid-record, counts unchanged: asked again over TCP. */
static void
test_tc_cut_mid_record_retried_over_tcp(void **state)
{
	struct dt *d = dt_start(*state, "dns_tc_cut", NULL, 1);
	struct res *x = &d->res[0];
	unsigned i;

	for (i = 0; i < 40; i++) {
		dnsr_add_a(d->r[0], "many.example.",
		    ERG_IPV4(192, 0, 2, 100 + i), 300);
	}
	d->r[0]->raw = raw_cut_mid_record;
	d->r[0]->raw_ctx = d->r[0];
	resolve_wait(d, "many.example", ERG_DNS_TYPE_A, x);
	assert_int_equal(x->err, 0);
	assert_int_equal(res_count(x, ERG_DNS_SEC_ANSWER), 40);
	assert_int_equal(d->r[0]->n_udp, 1);
	assert_int_equal(d->r[0]->n_tcp, 1);
	assert_int_equal(cstat(d, ERG_STAT_DNS_TRUNCATED), 1);
	assert_int_equal(cstat(d, ERG_STAT_DNS_MALFORMED), 0);
	assert_int_equal(cstat(d, ERG_STAT_DNS_TCP_FAIL), 0);
	dt_end(d);
}

/* TCP refused by A: B is asked (and answers over UDP). */
static void
test_tcp_refused_next_server(void **state)
{
	struct dt *d = dt_start(*state, "dns_tcp_refused", NULL, 2);
	struct res *x = &d->res[0];

	dnsr_tc(d->r[0], "www.example");
	dnsr_tcp_off(d->r[0]);
	resolve_wait(d, "www.example", ERG_DNS_TYPE_A, x);
	assert_int_equal(x->err, 0);
	assert_int_equal(x->server, d->addr[1]);
	assert_int_equal(cstat(d, ERG_STAT_DNS_TCP_FAIL), 1);
	assert_int_equal(d->r[1]->n_udp, 1);
	dt_end(d);
}

/* A TCP server that never answers: the attempt times out at 2 s. */
static void
test_tcp_silent_times_out(void **state)
{
	struct dt *d = dt_start(*state, "dns_tcp_silent", NULL, 2);
	struct res *x = &d->res[0];
	uint64_t t0 = d->sim->now;

	dnsr_tc(d->r[0], "www.example");
	d->r[0]->tcp_silent = true;
	resolve_wait(d, "www.example", ERG_DNS_TYPE_A, x);
	assert_int_equal(x->err, 0);
	assert_int_equal(x->server, d->addr[1]);
	assert_int_equal(x->t, t0 + RTT + 2 * SIM_SEC + RTT);
	assert_int_equal(cstat(d, ERG_STAT_DNS_TCP_FAIL), 1);
	assert_int_equal(cstat(d, ERG_STAT_DNS_TIMEOUTS), 1);
	dt_end(d);
}

/* ---- The result message -------------------------------------------------- */

/* A result larger than dns_msg_max keeps what fits. */
static void
test_result_truncated(void **state)
{
	struct erg_config cfg = client_cfg();
	struct dt *d;
	struct res *x;
	unsigned i, n;

	cfg.dns_msg_max = 512;
	d = dt_start(*state, "dns_result_truncated", &cfg, 1);
	x = &d->res[0];
	/* 40 records of 28 bytes: over 512, within EDNS's 1232. */
	for (i = 0; i < 40; i++) {
		dnsr_add_a(d->r[0], "many.example", 0x0a000000u + i, 300);
	}
	resolve_wait(d, "many.example", ERG_DNS_TYPE_A, x);
	assert_int_equal(x->err, 0);
	assert_true(x->len <= 512);
	n = res_count(x, ERG_DNS_SEC_ANSWER);
	/* 12 + 18 question, 28 bytes a record. */
	assert_int_equal(n, (512 - 12 - 18) / 28);
	assert_int_equal(cstat(d, ERG_STAT_DNS_TCP_QUERIES), 0);
	for (i = 0; i < n; i++) {
		assert_int_equal(res_a(x, i), 0x0a000000u + i);
	}
	assert_int_equal(cstat(d, ERG_STAT_DNS_RESULT_TRUNCATED), 1);
	dt_end(d);
}

/*
 * A response with compressed names, built by hand for mx.example. MX:
 *
 *   12  question  02 "mx" 07 "example" 00, MX, IN
 *   28  answer    ptr(12) CNAME IN 100, rdata at 40: 02 "m2" ptr(15)
 *   45  answer    ptr(40) MX IN 200, rdata at 57: 10, 04 "mail" ptr(15)
 *
 * The result carries both names whole.
 */
static size_t
raw_compressed(void *ctx, const struct dnsr_query *q, uint8_t *out, size_t cap)
{
	static const uint8_t body[] = { /* 28: the CNAME */
		0xc0, 12, 0, ERG_DNS_TYPE_CNAME, 0, 1, 0, 0, 0, 100, 0, 5, 2,
		'm', '2', 0xc0, 15,
		/* 45: the MX */
		0xc0, 40, 0, ERG_DNS_TYPE_MX, 0, 1, 0, 0, 0, 200, 0, 9, 0, 10,
		4, 'm', 'a', 'i', 'l', 0xc0, 15
	};
	size_t n;

	(void)ctx;
	assert_true(cap >= 100);
	assert_int_equal(q->qname.len, 12);
	erg_put_be16(out, q->id);
	erg_put_be16(out + 2, ERG_DNS_F_QR | ERG_DNS_F_RD | ERG_DNS_F_RA);
	erg_put_be16(out + 4, 1);
	erg_put_be16(out + 6, 2);
	erg_put_be16(out + 8, 0);
	erg_put_be16(out + 10, 0);
	memcpy(out + 12, q->qname.wire, 12);
	erg_put_be16(out + 24, q->qtype);
	erg_put_be16(out + 26, ERG_DNS_CLASS_IN);
	n = 28;
	memcpy(out + n, body, sizeof(body));
	return n + sizeof(body);
}

static void
test_compressed_rdata_written_whole(void **state)
{
	static const uint8_t mx[] = { 0, 10, 4, 'm', 'a', 'i', 'l', 7, 'e', 'x',
		'a', 'm', 'p', 'l', 'e', 0 };
	struct dt *d = dt_start(*state, "dns_compressed", NULL, 1);
	struct res *x = &d->res[0];
	struct erg_dns_msg m;
	struct erg_dns_rr rr;
	struct erg_dns_name m2 = dnsr_name("m2.example");

	d->r[0]->raw = raw_compressed;
	resolve_wait(d, "mx.example", ERG_DNS_TYPE_MX, x);
	assert_int_equal(x->err, 0);
	assert_int_equal(x->ttl, 100);
	assert_int_equal(res_count(x, ERG_DNS_SEC_ANSWER), 2);
	assert_cname(x, 0, "mx.example", "m2.example");
	assert_true(res_rr(x, ERG_DNS_SEC_ANSWER, 1, &rr, &m));
	assert_int_equal(rr.type, ERG_DNS_TYPE_MX);
	assert_true(erg_dns_name_eq(&rr.name, &m2));
	assert_int_equal(rr.rdata.len, sizeof(mx));
	assert_memory_equal(rr.rdata.p, mx, sizeof(mx));
	dt_end(d);
}

/* ---- Every type ------------------------------------------------------------
 */

static void
test_every_type(void **state)
{
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 1 };
	static const uint16_t types[] = { ERG_DNS_TYPE_A, ERG_DNS_TYPE_AAAA,
		ERG_DNS_TYPE_CNAME, ERG_DNS_TYPE_MX, ERG_DNS_TYPE_TXT,
		ERG_DNS_TYPE_SRV, ERG_DNS_TYPE_PTR, ERG_DNS_TYPE_NS };
	static const char *names[] = { "t.example", "t.example",
		"alias.example", "t.example", "t.example",
		"_sip._udp.t.example", "10.2.0.192.in-addr.arpa", "t.example" };
	struct dt *d = dt_start(*state, "dns_every_type", NULL, 1);
	struct res *x = &d->res[0];
	size_t i;

	dnsr_add_a(d->r[0], "t.example", ADDR_WWW, 300);
	dnsr_add_aaaa(d->r[0], "t.example", v6, 300);
	dnsr_add_name(d->r[0], "alias.example", ERG_DNS_TYPE_CNAME, "t.example",
	    300);
	dnsr_add_mx(d->r[0], "t.example", 10, "mx.t.example", 300);
	dnsr_add_txt(d->r[0], "t.example", "v=spf1 -all", 300);
	dnsr_add_srv(d->r[0], "_sip._udp.t.example", 0, 5, 5060,
	    "sip.t.example", 300);
	dnsr_add_name(d->r[0], "10.2.0.192.in-addr.arpa", ERG_DNS_TYPE_PTR,
	    "t.example", 300);
	dnsr_add_name(d->r[0], "t.example", ERG_DNS_TYPE_NS, "ns.t.example",
	    300);
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct erg_dns_name n = dnsr_name(names[i]);
		struct erg_dns_msg m;
		struct erg_dns_rr rr;
		const struct dnsr_rec *rec = NULL;
		size_t k;

		resolve_wait(d, names[i], types[i], x);
		assert_int_equal(x->err, 0);
		assert_int_equal(res_count(x, ERG_DNS_SEC_ANSWER), 1);
		assert_true(res_rr(x, ERG_DNS_SEC_ANSWER, 0, &rr, &m));
		assert_int_equal(rr.type, types[i]);
		for (k = 0; k < d->r[0]->nrecs; k++) {
			if (d->r[0]->recs[k].type == types[i] &&
			    erg_dns_name_eq(&d->r[0]->recs[k].name, &n)) {
				rec = &d->r[0]->recs[k];
			}
		}
		assert_non_null(rec);
		assert_int_equal(rr.rdata.len, rec->rdlen);
		assert_memory_equal(rr.rdata.p, rec->rdata, rec->rdlen);
	}
	dt_end(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, sim_setup, sim_teardown)
		T(test_resolve_a),
		T(test_ids_and_ports_fresh_per_query),
		T(test_bad_arguments),
		T(test_spoofs_each_ignored_then_real_accepted),
		T(test_spoofs_all_at_once),
		T(test_id_guessing_moves_to_tcp),
		T(test_callback_can_ask_with_one_slot),
		T(test_oversized_udp_answer_retried_over_tcp),
		T(test_nxdomain_with_data_is_nxdomain),
		T(test_case_changed_question_accepted),
		T(test_cache_ttl_counts_down_and_expires_exactly),
		T(test_negative_cache),
		T(test_negative_without_soa_not_cached),
		T(test_cache_lru_eviction),
		T(test_cache_too_big_not_cached),
		T(test_cache_flush),
		T(test_callback_resolves_from_cache_again),
		T(test_coalesce_identical_questions),
		T(test_cancel),
		T(test_cancel_leader_waiter_takes_over),
		T(test_cancel_waiter),
		T(test_pool_exhaustion_and_recovery),
		T(test_timeouts_and_failover_order),
		T(test_lost_query_next_server_answers),
		T(test_server_error_next_server),
		T(test_no_server),
		T(test_servers_from_interfaces),
		T(test_cname_chain_followed),
		T(test_cname_chain_bound),
		T(test_cname_loop),
		T(test_cname_restart_for_last_target),
		T(test_tc_retried_over_tcp),
		T(test_tc_cut_mid_record_retried_over_tcp),
		T(test_tcp_refused_next_server),
		T(test_tcp_silent_times_out),
		T(test_result_truncated),
		T(test_compressed_rdata_written_whole),
		T(test_every_type),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
