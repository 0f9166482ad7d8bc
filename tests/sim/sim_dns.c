/*
 * tests/sim/sim_dns.c: the stub resolver against two erg responders
 * (tests/lib/dns_responder.h) over a loop wire that loses, duplicates,
 * reorders and delays frames.
 *
 * Host 1 resolves; hosts 2 and 3 serve the same zone: for each of
 * NHOSTS hosts an A, AAAA, MX, TXT, SRV and PTR record and a CNAME to
 * it, plus names that do not exist, and one name whose TXT records do
 * not fit in a UDP answer, so that it is always fetched over TCP. The
 * application keeps up to CONC questions out, starting the next as each
 * ends, and asks a question again when it times out (at most RETRIES
 * times): every question must end with exactly the answer records the
 * responder holds (those of dnsr_answer, compared name, type and rdata,
 * in order; CNAME chains included), NXDOMAIN for the missing names,
 * within a bounded simulated time; each is asked twice, the second time
 * after all the first, so that the cache answers too. At the end every
 * pool of every stack is back at its baseline.
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
#include "lib/dns_responder.h"

#define NHOSTS  12u
#define CONC    12u /* questions out at once (<= cfg.dns_queries) */
#define RETRIES 6u
#define BIG_TXT 20u /* strings of 100 bytes: over 1232 */

struct app;

struct question {
	struct app *a;
	char name[64];
	uint16_t type;
	bool nx; /* the name does not exist */
	unsigned tries;
	unsigned results;
	bool done;
	bool retry; /* timed out: ask again */
};

struct app {
	struct sim *sim;
	struct sim_node *c;
	struct dnsr *r; /* the zone (both responders hold the same) */
	struct question *qs;
	unsigned n;
	unsigned next; /* the next question to start */
	unsigned out;  /* questions out */
	unsigned done;
	unsigned bad; /* results that did not match */
	unsigned timeouts;
	unsigned from_cache;
};

static uint8_t want[65535];

/* The answer records (owner, type, rdata) of two messages are equal. */
static bool
same_answers(const uint8_t *w, size_t wlen, struct erg_view got)
{
	struct erg_dns_msg mw, mg;
	struct erg_dns_rr rw, rg;
	int cw, cg;

	if (erg_dns_msg_parse(&mw, erg_view_make(w, wlen)) != 0 ||
	    erg_dns_msg_parse(&mg, got) != 0) {
		return false;
	}
	for (;;) {
		cw = erg_dns_rr_next(&mw, &rw);
		cg = erg_dns_rr_next(&mg, &rg);
		if (cw == 1 && rw.section != ERG_DNS_SEC_ANSWER) {
			cw = 0;
		}
		if (cg == 1 && rg.section != ERG_DNS_SEC_ANSWER) {
			cg = 0;
		}
		if (cw != cg) {
			return false;
		}
		if (cw != 1) {
			return cw == 0;
		}
		if (rw.type != rg.type ||
		    !erg_dns_name_eq(&rw.name, &rg.name) ||
		    rw.rdata.len != rg.rdata.len ||
		    memcmp(rw.rdata.p, rg.rdata.p, rw.rdata.len) != 0) {
			return false;
		}
	}
}

static void ask(struct question *q);

/*
 * The application's loop: questions that timed out are asked again, then
 * new ones up to CONC. Run from the sim's step (never from a callback,
 * so that cache hits do not nest without bound).
 */
static void
start_more(struct app *a)
{
	unsigned i;

	for (i = 0; i < a->next; i++) {
		if (a->qs[i].retry) {
			a->qs[i].retry = false;
			ask(&a->qs[i]);
		}
	}
	while (a->out < CONC && a->next < a->n) {
		ask(&a->qs[a->next++]);
	}
}

static bool
result_ok(struct question *q, const struct erg_dns_result *r)
{
	struct erg_dns_name n = dnsr_name(q->name);
	bool tc;
	size_t len;

	if (q->nx) {
		return r->err == -ERG_ENXDOMAIN;
	}
	if (r->err != 0) {
		return false;
	}
	len = dnsr_answer(q->a->r, &n, q->type, 0, want, sizeof(want), &tc);
	return !tc && same_answers(want, len, r->msg);
}

static void
on_result(void *ctx, const struct erg_dns_result *r)
{
	struct question *q = ctx;
	struct app *a = q->a;

	q->results++;
	a->out--;
	if (r->err == -ERG_ETIMEDOUT && q->tries < RETRIES) {
		/* What an application does: ask again (from its loop). */
		a->timeouts++;
		q->retry = true;
		return;
	}
	if (!result_ok(q, r)) {
		fprintf(stderr, "sim_dns: %s type %u: err %d, %zu bytes\n",
		    q->name, q->type, r->err, r->msg.len);
		a->bad++;
	}
	a->from_cache += r->from_cache;
	q->done = true;
	a->done++;
}

static void
ask(struct question *q)
{
	struct app *a = q->a;

	q->tries++;
	a->out++;
	assert_int_equal(erg_dns_resolve(a->c->s, q->name, strlen(q->name),
	                     q->type, on_result, q, NULL),
	    0);
}

static bool
all_done(struct sim *sim, void *ctx)
{
	struct app *a = ctx;

	(void)sim;
	start_more(a);
	return a->done == a->n;
}

/* The zone, on both responders. */
static void
fill_zone(struct dnsr *r)
{
	char name[64], target[64], txt[128];
	uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	unsigned i;

	dnsr_soa(r, "sim.example", 3600, 300);
	for (i = 0; i < NHOSTS; i++) {
		snprintf(name, sizeof(name), "h%u.sim.example", i);
		dnsr_add_a(r, name, ERG_IPV4(192, 0, 2, 1 + i), 600);
		dnsr_add_a(r, name, ERG_IPV4(192, 0, 2, 101 + i), 600);
		v6[15] = (uint8_t)i;
		dnsr_add_aaaa(r, name, v6, 600);
		snprintf(target, sizeof(target), "mx%u.sim.example", i);
		dnsr_add_mx(r, name, (uint16_t)(10 + i), target, 600);
		snprintf(txt, sizeof(txt), "host %u of the simulation", i);
		dnsr_add_txt(r, name, txt, 600);
		snprintf(target, sizeof(target), "_x._tcp.h%u.sim.example", i);
		dnsr_add_srv(r, target, 0, 5, (uint16_t)(1000 + i), name, 600);
		snprintf(target, sizeof(target), "%u.2.0.192.in-addr.arpa",
		    1 + i);
		dnsr_add_name(r, target, ERG_DNS_TYPE_PTR, name, 600);
		snprintf(target, sizeof(target), "c%u.sim.example", i);
		dnsr_add_name(r, target, ERG_DNS_TYPE_CNAME, name, 600);
	}
	memset(txt, 'z', 100);
	txt[100] = '\0';
	for (i = 0; i < BIG_TXT; i++) {
		txt[0] = (char)('a' + i);
		dnsr_add_txt(r, "big.sim.example", txt, 600);
	}
}

/* Every question twice: all the first times, then all again. */
static unsigned
fill_questions(struct question *qs, struct app *a)
{
	static const uint16_t types[] = { ERG_DNS_TYPE_A, ERG_DNS_TYPE_AAAA,
		ERG_DNS_TYPE_MX, ERG_DNS_TYPE_TXT };
	unsigned n = 0, i, t, pass;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < NHOSTS; i++) {
			for (t = 0; t < 4; t++) {
				qs[n].type = types[t];
				snprintf(qs[n++].name, 64, "h%u.sim.example",
				    i);
			}
			qs[n].type = ERG_DNS_TYPE_SRV;
			snprintf(qs[n++].name, 64, "_x._tcp.h%u.sim.example",
			    i);
			qs[n].type = ERG_DNS_TYPE_PTR;
			snprintf(qs[n++].name, 64, "%u.2.0.192.in-addr.arpa",
			    1 + i);
			qs[n].type = ERG_DNS_TYPE_A;
			snprintf(qs[n++].name, 64, "c%u.sim.example", i);
			qs[n].type = ERG_DNS_TYPE_CNAME;
			snprintf(qs[n++].name, 64, "C%u.SIM.example", i);
			qs[n].type = ERG_DNS_TYPE_A;
			qs[n].nx = true;
			snprintf(qs[n++].name, 64, "nx%u.sim.example", i);
		}
		qs[n].type = ERG_DNS_TYPE_TXT;
		snprintf(qs[n++].name, 64, "big.sim.example");
	}
	for (i = 0; i < n; i++) {
		qs[i].a = a;
	}
	return n;
}

static void
run_lossy(struct sim *sim, const char *name, uint64_t seed, uint32_t loss_ppm)
{
	const struct erg_loop_impair imp = { loss_ppm, 50000, 100000, 0, 200,
		300 };
	struct erg_config cfg;
	struct question *qs;
	struct dnsr *r[2];
	struct app a;
	uint32_t servers[2];
	unsigned i;

	erg_config_default(&cfg);
	cfg.dns_queries = 16;
	cfg.dns_tries = 4;
	cfg.dns_msg_max = 8192;
	cfg.dns_entry_size = 4096;
	cfg.dns_cache_entries = 256;
	sim_start(sim, name, seed, &imp);
	memset(&a, 0, sizeof(a));
	a.sim = sim;
	a.c = sim_add(sim, &cfg, 1);
	for (i = 0; i < 2; i++) {
		struct sim_node *n = sim_add(sim, NULL, 2 + i);

		r[i] = dnsr_new(sim, n);
		fill_zone(r[i]);
		servers[i] = n->addr;
	}
	a.r = r[0];
	assert_int_equal(erg_dns_servers_set(a.c->s, servers, 2), 0);
	qs = sim_calloc(sim, 2 * (NHOSTS * 9 + 1), sizeof(*qs));
	a.qs = qs;
	a.n = fill_questions(qs, &a);
	start_more(&a);
	assert_true(sim_run_until(sim, all_done, &a, 600 * SIM_SEC));
	assert_int_equal(a.bad, 0);
	for (i = 0; i < a.n; i++) {
		assert_true(qs[i].done);
	}
	/* Over TCP every time the big name was not in the cache. */
	assert_true(sim_stat(a.c, ERG_STAT_DNS_TCP_QUERIES) >= 1);
	assert_true(r[0]->n_tcp + r[1]->n_tcp >= 1);
	/* The second pass found most answers in the cache. */
	assert_true(a.from_cache >= a.n / 4);
	assert_true(sim_stat(a.c, ERG_STAT_DNS_TIMEOUTS) > 0);
	fprintf(stderr,
	    "sim_dns %s: %u questions, %u asked again, %u from cache, "
	    "t=%llu ms, timeouts %llu, tcp %llu, tcp_fail %llu, spoofed "
	    "%llu\n",
	    name, a.n, a.timeouts, a.from_cache,
	    (unsigned long long)(sim->now / SIM_MS),
	    (unsigned long long)sim_stat(a.c, ERG_STAT_DNS_TIMEOUTS),
	    (unsigned long long)sim_stat(a.c, ERG_STAT_DNS_TCP_QUERIES),
	    (unsigned long long)sim_stat(a.c, ERG_STAT_DNS_TCP_FAIL),
	    (unsigned long long)sim_stat(a.c, ERG_STAT_DNS_SPOOFED));

	for (i = 0; i < 2; i++) {
		dnsr_free(r[i]);
	}
	assert_true(sim_run_until_no_conns(sim, 600 * SIM_SEC));
	sim_run_for(sim, SIM_SEC);
	assert_int_equal(sim_stat(a.c, ERG_STAT_DNS_QUERIES_IN_USE), 0);
	sim_assert_no_leaks(sim);
	sim_pass(sim);
}

static void
test_dns_loss_10(void **state)
{
	run_lossy(*state, "sim_dns_loss_10", 11, 100000);
}

static void
test_dns_loss_20(void **state)
{
	run_lossy(*state, "sim_dns_loss_20", 22, 200000);
}

static void
test_dns_loss_30(void **state)
{
	run_lossy(*state, "sim_dns_loss_30", 33, 300000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dns_loss_10, sim_setup,
		    sim_teardown),
		cmocka_unit_test_setup_teardown(test_dns_loss_20, sim_setup,
		    sim_teardown),
		cmocka_unit_test_setup_teardown(test_dns_loss_30, sim_setup,
		    sim_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
