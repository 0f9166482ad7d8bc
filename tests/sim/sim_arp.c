/*
 * tests/sim/sim_arp.c: ARP between stacks on a loop wire (RFC 826, RFC
 * 1122 2.3.2): resolution through lost requests and replies thanks to
 * retransmission, the packets held during resolution leaving in order,
 * giving up on an absent host with its queue dropped and counted,
 * expiry after arp_reachable_ms, and the unicast refresh in the last
 * quarter of an entry's life (RFC 1122 2.3.2.1).
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

#define DELAY     100ull
#define SINK_PORT 9u
#define DGRAM_LEN 100u

static const struct erg_loop_impair clean = { 0, 0, 0, 0, DELAY, 0 };
static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* Datagram i: DGRAM_LEN bytes, the index first. */
static void
dgram_fill(uint8_t *buf, uint32_t i)
{
	sim_fill(buf, DGRAM_LEN, 0xA0 + i);
	erg_put_be32(buf, i);
}

static void
send_dgram(struct erg_udp_sock *u, uint32_t dst, uint32_t i, int want_rc)
{
	uint8_t buf[DGRAM_LEN];

	dgram_fill(buf, i);
	assert_int_equal(erg_udp_sendto(u, dst, SINK_PORT, buf, DGRAM_LEN),
	    want_rc);
}

/* Receives datagrams, checks their bytes and records their order. */
struct sink {
	struct sim_node *n;
	unsigned got;
	uint32_t order[64];
	unsigned bad;
};

static void
sink_cb(struct erg_udp_sock *u, unsigned events, void *ctx)
{
	struct sink *k = ctx;
	struct erg_udp_dgram d;
	uint8_t want[DGRAM_LEN];

	(void)events;
	while (erg_udp_recv(u, &d) == 0) {
		uint32_t i = d.data.len == DGRAM_LEN ? erg_be32(d.data.p) : 0;

		dgram_fill(want, i);
		if (d.data.len != DGRAM_LEN ||
		    memcmp(want, d.data.p, DGRAM_LEN) != 0 || k->got >= 64) {
			k->bad++;
		} else {
			k->order[k->got++] = i;
		}
		erg_pkt_free(k->n->s, d.pkt);
	}
}

static struct erg_udp_sock *
sink_open(struct sink *k, struct sim_node *n)
{
	struct erg_udp_sock *u;

	memset(k, 0, sizeof(*k));
	k->n = n;
	assert_int_equal(erg_udp_open(n->s, sink_cb, k, &u), 0);
	assert_int_equal(erg_udp_bind(u, ERG_IPV4_ANY, SINK_PORT), 0);
	return u;
}

struct want_n {
	const struct sink *k;
	unsigned n;
};

static bool
sink_has(struct sim *sim, void *ctx)
{
	const struct want_n *w = ctx;

	(void)sim;
	return w->k->got >= w->n;
}

/* The ARP requests host `from` put on the wire, in order. */
static unsigned
requests_from(const struct sim *sim, const struct sim_node *from,
    const struct sim_frame **out, unsigned max)
{
	unsigned i, n = 0;

	for (i = 0; i < sim->nlog; i++) {
		const struct sim_frame *f = &sim->log[i];

		if (f->from != from->port || f->arp_op != ERG_ARP_OP_REQUEST ||
		    f->arp_spa == f->arp_tpa) { /* announcements */
			continue;
		}
		if (n < max) {
			out[n] = f;
		}
		n++;
	}
	return n;
}

/* ---- Retransmission ---------------------------------------------------- */

struct arp_dropper {
	unsigned port_a;
	unsigned requests_seen;
	unsigned dropped;
	uint64_t rng;
};

/*
 * Drops A's first two requests, then 30% of the ARP frames either way;
 * data frames pass, so what reaches B shows the order A sent in.
 */
static bool
drop_arp(void *ctx, const struct sim_frame *f)
{
	struct arp_dropper *d = ctx;
	uint8_t r;

	if (f->type != ERG_ETHERTYPE_ARP) {
		return false;
	}
	if (f->from == d->port_a && f->arp_op == ERG_ARP_OP_REQUEST &&
	    d->requests_seen++ < 2) {
		d->dropped++;
		return true;
	}
	tn_rand(&d->rng, &r, 1);
	if (r < 77) { /* 77 / 256 = 30% */
		d->dropped++;
		return true;
	}
	return false;
}

/*
 * A's first two requests for B are lost and later ARP frames are lost 30%
 * of the time, but A retransmits every arp_retry_ms (RFC 1122 2.3.2.1)
 * and resolves; the eight datagrams it held meanwhile (arp_queue_len)
 * then leave in the order they were sent, and a ninth was refused with
 * -ERG_ENOBUFS (arp.queue_full).
 */
static void
test_arp_retransmits_through_loss_then_flushes_in_order(void **state)
{
	struct sim *sim = *state;
	struct sim_node *a, *b;
	struct erg_udp_sock *ua, *ub;
	struct arp_dropper dr;
	struct sink k;
	struct want_n w;
	struct erg_config cfg;
	const struct sim_frame *req[32];
	unsigned i, nreq;
	uint64_t t0;

	erg_config_default(&cfg);
	cfg.arp_retries = 10;
	cfg.arp_retry_ms = 100;
	cfg.arp_queue_len = 8;
	sim_start(sim, "sim_arp_retransmit", 21, &clean);
	a = sim_add(sim, &cfg, 1);
	b = sim_add(sim, NULL, 2);
	memset(&dr, 0, sizeof(dr));
	dr.port_a = a->port;
	dr.rng = 2121;
	sim_log_start(sim, drop_arp, &dr);
	ub = sink_open(&k, b);
	assert_int_equal(erg_udp_open(a->s, NULL, NULL, &ua), 0);
	/*
	 * Let B's gratuitous ARP land first: by the RFC 826 merge rule it
	 * would otherwise resolve A's pending entry by itself.
	 */
	sim_run_for(sim, 10 * SIM_MS);

	t0 = sim->now;
	for (i = 0; i < 8; i++) {
		send_dgram(ua, b->addr, i, 0);
	}
	send_dgram(ua, b->addr, 8, -ERG_ENOBUFS);
	assert_int_equal(sim_stat(a, ERG_STAT_ARP_QUEUE_FULL), 1);
	w.k = &k;
	w.n = 8;
	assert_true(sim_run_until(sim, sink_has, &w, 10 * SIM_SEC));
	sim_run_for(sim, 100 * SIM_MS);

	assert_int_equal(k.bad, 0);
	assert_int_equal(k.got, 8);
	for (i = 0; i < 8; i++) {
		assert_int_equal(k.order[i], i);
	}
	nreq = requests_from(sim, a, req, 32);
	assert_true(nreq >= 3);
	assert_true(dr.dropped >= 2);
	/* One broadcast request per retry period, from t0 on. */
	for (i = 0; i < nreq && i < 32; i++) {
		assert_int_equal(req[i]->t, t0 + (uint64_t)i * 100 * SIM_MS);
		assert_memory_equal(req[i]->dst, bcast_mac, 6);
		assert_int_equal(req[i]->arp_tpa, b->addr);
	}
	assert_int_equal(sim_stat(a, ERG_STAT_ARP_REQUEST_TX), 1 + nreq);
	assert_int_equal(sim_stat(a, ERG_STAT_ARP_RESOLVE_FAIL), 0);
	assert_int_equal(sim_stat(a, ERG_STAT_ARP_QUEUE_TIMEOUT), 0);
	assert_int_equal(sim_stat(a, ERG_STAT_UDP_TX), 8);

	erg_udp_close(ua);
	erg_udp_close(ub);
	sim_assert_no_leaks(sim);
	sim_assert_wire_balanced(sim);
	sim_pass(sim);
}

/* Done once A has sent its first IPv4 frame: it knows B's MAC. */
static bool
a_sent_ipv4(struct sim *sim, void *ctx)
{
	const struct sim_node *a = ctx;
	size_t i;

	for (i = 0; i < sim->nlog; i++) {
		if (sim->log[i].from == a->port &&
		    sim->log[i].type == ERG_ETHERTYPE_IPV4) {
			return true;
		}
	}
	return false;
}

#define LOSS_SEEDS 20u

/*
 * 30% of all frames lost, for twenty seeds: with arp_retries 20 every
 * resolution succeeds, none gives up, and whatever B receives of the
 * four datagrams queued meanwhile arrives in order.
 */
static void
test_arp_resolves_under_30_percent_loss_for_every_seed(void **state)
{
	static const struct erg_loop_impair lossy = { 300000, 0, 0, 0, DELAY,
		0 };
	struct erg_config cfg;
	uint64_t retransmits = 0, lost = 0;
	unsigned seed, i;

	(void)state;
	erg_config_default(&cfg);
	cfg.arp_retries = 20;
	cfg.arp_retry_ms = 100;
	for (seed = 1; seed <= LOSS_SEEDS; seed++) {
		void *st;
		struct sim *sim;
		struct sim_node *a, *b;
		struct erg_udp_sock *ua, *ub;
		struct sink k;
		char name[64];

		assert_int_equal(sim_setup(&st), 0);
		sim = st;
		snprintf(name, sizeof(name), "sim_arp_loss_seed%u", seed);
		sim_start(sim, name, 3000 + seed, &lossy);
		a = sim_add(sim, &cfg, 1);
		b = sim_add(sim, NULL, 2);
		sim_log_start(sim, NULL, NULL);
		ub = sink_open(&k, b);
		assert_int_equal(erg_udp_open(a->s, NULL, NULL, &ua), 0);
		sim_run_for(sim, 10 * SIM_MS); /* announcements land */
		for (i = 0; i < 4; i++) {
			send_dgram(ua, b->addr, i, 0);
		}
		assert_true(sim_run_until(sim, a_sent_ipv4, a, 10 * SIM_SEC));
		sim_run_for(sim, SIM_SEC);

		assert_int_equal(sim_stat(a, ERG_STAT_ARP_RESOLVE_FAIL), 0);
		assert_int_equal(sim_stat(a, ERG_STAT_ARP_QUEUE_TIMEOUT), 0);
		assert_int_equal(k.bad, 0);
		for (i = 1; i < k.got; i++) {
			assert_true(k.order[i] > k.order[i - 1]);
		}
		retransmits += sim_stat(a, ERG_STAT_ARP_REQUEST_TX) - 2;
		lost += sim_wire_stats(sim).lost;

		erg_udp_close(ua);
		erg_udp_close(ub);
		sim_assert_no_leaks(sim);
		sim_assert_wire_balanced(sim);
		sim_pass(sim);
		assert_int_equal(sim_teardown(&st), 0);
	}
	/* The seeds did exercise retransmission. */
	assert_true(retransmits > 0);
	assert_true(lost > 0);
}

/* ---- Giving up --------------------------------------------------------- */

/*
 * Nobody has 198.18.0.99: A broadcasts arp_retries (3) requests,
 * arp_retry_ms (200 ms) apart, holds arp_queue_len (4) datagrams and
 * refuses two more, then gives up at exactly 3 * 200 ms: one
 * arp.resolve_fail, the four held datagrams dropped as
 * arp.queue_timeout, their packets back in the pool. B saw the requests
 * and ignored them.
 */
static void
test_arp_absent_host_fails_after_retries_and_drops_queue(void **state)
{
	struct sim *sim = *state;
	struct sim_node *a, *b;
	struct erg_udp_sock *ua;
	struct erg_config cfg;
	const struct sim_frame *req[8];
	uint32_t ghost = ERG_IPV4(198, 18, 0, 99);
	uint64_t t0, b_nfu;
	unsigned i;

	erg_config_default(&cfg);
	cfg.arp_retries = 3;
	cfg.arp_retry_ms = 200;
	cfg.arp_queue_len = 4;
	sim_start(sim, "sim_arp_absent", 22, &clean);
	a = sim_add(sim, &cfg, 1);
	b = sim_add(sim, NULL, 2);
	sim_log_start(sim, NULL, NULL);
	sim_run_for(sim, 10 * SIM_MS);
	assert_int_equal(erg_udp_open(a->s, NULL, NULL, &ua), 0);
	b_nfu = sim_stat(b, ERG_STAT_ARP_NOT_FOR_US);

	t0 = sim->now;
	for (i = 0; i < 4; i++) {
		send_dgram(ua, ghost, i, 0);
	}
	send_dgram(ua, ghost, 4, -ERG_ENOBUFS);
	send_dgram(ua, ghost, 5, -ERG_ENOBUFS);
	assert_int_equal(sim_stat(a, ERG_STAT_ARP_QUEUE_FULL), 2);
	assert_int_equal(sim_stat(a, ERG_STAT_UDP_TX), 4);
	assert_int_equal(erg_stack_pool_in_use(a->s), a->baseline + 1 + 4);

	sim_run_to(sim, t0 + 600 * SIM_MS - 1);
	assert_int_equal(sim_stat(a, ERG_STAT_ARP_RESOLVE_FAIL), 0);
	assert_int_equal(sim_stat(a, ERG_STAT_ARP_ENTRIES_IN_USE), 1);
	sim_run_to(sim, t0 + 600 * SIM_MS);
	assert_int_equal(sim_stat(a, ERG_STAT_ARP_RESOLVE_FAIL), 1);
	assert_int_equal(sim_stat(a, ERG_STAT_ARP_QUEUE_TIMEOUT), 4);
	assert_int_equal(sim_stat(a, ERG_STAT_ARP_ENTRIES_IN_USE), 0);
	assert_int_equal(sim_stat(a, ERG_STAT_ARP_REQUEST_TX), 1 + 3);
	assert_int_equal(requests_from(sim, a, req, 8), 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(req[i]->t, t0 + (uint64_t)i * 200 * SIM_MS);
		assert_int_equal(req[i]->arp_tpa, ghost);
		assert_memory_equal(req[i]->dst, bcast_mac, 6);
	}
	assert_int_equal(sim_stat(b, ERG_STAT_ARP_NOT_FOR_US) - b_nfu, 3);
	assert_int_equal(sim_stat(b, ERG_STAT_ARP_REPLY_TX), 0);
	/* The socket only: every held packet is back. */
	assert_int_equal(erg_stack_pool_in_use(a->s), a->baseline + 1);

	/* A new attempt starts over with a new request. */
	send_dgram(ua, ghost, 6, 0);
	assert_int_equal(sim_stat(a, ERG_STAT_ARP_REQUEST_TX), 1 + 4);
	sim_run_for(sim, SIM_SEC);
	assert_int_equal(sim_stat(a, ERG_STAT_ARP_RESOLVE_FAIL), 2);
	assert_int_equal(sim_stat(a, ERG_STAT_ARP_QUEUE_TIMEOUT), 5);

	erg_udp_close(ua);
	sim_assert_no_leaks(sim);
	sim_assert_wire_balanced(sim);
	sim_pass(sim);
}

/* ---- Expiry and refresh ------------------------------------------------- */

#define LIFE (4 * SIM_SEC) /* arp_reachable_ms 4000 */

struct reply_dropper {
	unsigned port_b;
	unsigned replies;
	unsigned let_through; /* replies from B before dropping */
};

static bool
drop_late_replies(void *ctx, const struct sim_frame *f)
{
	struct reply_dropper *d = ctx;

	if (f->from != d->port_b || f->arp_op != ERG_ARP_OP_REPLY) {
		return false;
	}
	return d->replies++ >= d->let_through;
}

/*
 * Sets up A (arp_reachable_ms 4000) and B, and resolves B from A with one
 * datagram. Returns the time A's entry became REACHABLE: the request
 * crossed the wire and the reply came back.
 */
static uint64_t
expiry_setup(struct sim *sim, const char *name, struct sim_node **a,
    struct sim_node **b, struct erg_udp_sock **ua, struct sink *k,
    struct erg_udp_sock **ub, struct reply_dropper *dr)
{
	struct erg_config cfg;
	struct want_n w;
	uint64_t t0;

	erg_config_default(&cfg);
	cfg.arp_reachable_ms = 4000;
	cfg.arp_retry_ms = 100;
	sim_start(sim, name, 23, &clean);
	*a = sim_add(sim, &cfg, 1);
	*b = sim_add(sim, NULL, 2);
	memset(dr, 0, sizeof(*dr));
	dr->port_b = (*b)->port;
	dr->let_through = 1000;
	sim_log_start(sim, drop_late_replies, dr);
	*ub = sink_open(k, *b);
	assert_int_equal(erg_udp_open((*a)->s, NULL, NULL, ua), 0);
	sim_run_for(sim, 10 * SIM_MS);
	t0 = sim->now;
	send_dgram(*ua, (*b)->addr, 0, 0);
	w.k = k;
	w.n = 1;
	assert_true(sim_run_until(sim, sink_has, &w, SIM_SEC));
	assert_int_equal(sim_stat(*a, ERG_STAT_ARP_REQUEST_TX), 2);
	assert_int_equal(sim_stat(*a, ERG_STAT_ARP_ENTRIES_IN_USE), 1);
	return t0 + 2 * DELAY;
}

/*
 * An entry used only in the first three quarters of its life is not
 * refreshed and expires exactly arp_reachable_ms after the reply that
 * confirmed it; the next datagram then starts a new broadcast request.
 */
static void
test_arp_entry_expires_after_reachable_ms(void **state)
{
	struct sim *sim = *state;
	struct sim_node *a, *b;
	struct erg_udp_sock *ua, *ub;
	struct reply_dropper dr;
	struct sink k;
	const struct sim_frame *req[8];
	uint64_t tr;

	tr = expiry_setup(sim, "sim_arp_expiry", &a, &b, &ua, &k, &ub, &dr);
	sim_run_to(sim, tr + LIFE / 2);
	send_dgram(ua, b->addr, 1, 0);
	assert_int_equal(sim_stat(a, ERG_STAT_ARP_REQUEST_TX), 2);
	sim_run_to(sim, tr + LIFE - 1);
	assert_int_equal(sim_stat(a, ERG_STAT_ARP_ENTRIES_IN_USE), 1);
	sim_run_to(sim, tr + LIFE);
	assert_int_equal(sim_stat(a, ERG_STAT_ARP_ENTRIES_IN_USE), 0);
	assert_int_equal(sim_stat(a, ERG_STAT_ARP_RESOLVE_FAIL), 0);

	send_dgram(ua, b->addr, 2, 0);
	assert_int_equal(sim_stat(a, ERG_STAT_ARP_REQUEST_TX), 3);
	assert_int_equal(requests_from(sim, a, req, 8), 2);
	assert_int_equal(req[1]->t, tr + LIFE);
	assert_memory_equal(req[1]->dst, bcast_mac, 6);
	sim_run_for(sim, 10 * SIM_MS);
	assert_int_equal(k.got, 3);
	assert_int_equal(k.bad, 0);

	erg_udp_close(ua);
	erg_udp_close(ub);
	sim_assert_no_leaks(sim);
	sim_assert_wire_balanced(sim);
	sim_pass(sim);
}

/*
 * Traffic in the last quarter of the entry's life sends one unicast
 * request to the MAC already known (RFC 1122 2.3.2.1); B's reply
 * restarts the lifetime, so the entry outlives its first expiry, carries
 * traffic without a new request, and expires a full life after the
 * refresh.
 */
static void
test_arp_last_quarter_refresh_is_unicast_and_extends_life(void **state)
{
	struct sim *sim = *state;
	struct sim_node *a, *b;
	struct erg_udp_sock *ua, *ub;
	struct reply_dropper dr;
	struct sink k;
	const struct sim_frame *req[8];
	uint64_t tr, tq, tr2;

	tr = expiry_setup(sim, "sim_arp_refresh", &a, &b, &ua, &k, &ub, &dr);
	tq = tr + LIFE - LIFE / 4 + 500 * SIM_MS; /* last quarter */
	sim_run_to(sim, tq);
	send_dgram(ua, b->addr, 1, 0);
	assert_int_equal(sim_stat(a, ERG_STAT_ARP_REQUEST_TX), 3);
	/* Once per life: more traffic sends no second request. */
	send_dgram(ua, b->addr, 2, 0);
	assert_int_equal(sim_stat(a, ERG_STAT_ARP_REQUEST_TX), 3);
	assert_int_equal(requests_from(sim, a, req, 8), 2);
	assert_int_equal(req[1]->t, tq);
	assert_memory_equal(req[1]->dst, b->mac, 6);
	assert_int_equal(req[1]->arp_tpa, b->addr);
	tr2 = tq + 2 * DELAY;

	sim_run_to(sim, tr + LIFE + 1);
	assert_int_equal(sim_stat(a, ERG_STAT_ARP_ENTRIES_IN_USE), 1);
	send_dgram(ua, b->addr, 3, 0);
	assert_int_equal(sim_stat(a, ERG_STAT_ARP_REQUEST_TX), 3);
	sim_run_to(sim, tr2 + LIFE - 1);
	assert_int_equal(sim_stat(a, ERG_STAT_ARP_ENTRIES_IN_USE), 1);
	sim_run_to(sim, tr2 + LIFE);
	assert_int_equal(sim_stat(a, ERG_STAT_ARP_ENTRIES_IN_USE), 0);
	assert_int_equal(k.got, 4);
	assert_int_equal(k.bad, 0);
	assert_int_equal(sim_stat(b, ERG_STAT_ARP_REPLY_TX), 2);

	erg_udp_close(ua);
	erg_udp_close(ub);
	sim_assert_no_leaks(sim);
	sim_assert_wire_balanced(sim);
	sim_pass(sim);
}

/*
 * The same refresh with B's reply lost: the entry is not extended and
 * expires at its original time, traffic meanwhile still flows to the
 * known MAC, and the next datagram starts a broadcast resolution.
 */
static void
test_arp_unanswered_refresh_lets_entry_expire(void **state)
{
	struct sim *sim = *state;
	struct sim_node *a, *b;
	struct erg_udp_sock *ua, *ub;
	struct reply_dropper dr;
	struct sink k;
	const struct sim_frame *req[8];
	uint64_t tr, tq;

	tr = expiry_setup(sim, "sim_arp_refresh_lost", &a, &b, &ua, &k, &ub,
	    &dr);
	dr.let_through = dr.replies; /* B's replies are lost from now */
	tq = tr + LIFE - LIFE / 4 + 500 * SIM_MS;
	sim_run_to(sim, tq);
	send_dgram(ua, b->addr, 1, 0);
	assert_int_equal(sim_stat(a, ERG_STAT_ARP_REQUEST_TX), 3);
	sim_run_to(sim, tr + LIFE - 1);
	assert_int_equal(sim_stat(a, ERG_STAT_ARP_ENTRIES_IN_USE), 1);
	send_dgram(ua, b->addr, 2, 0);
	assert_int_equal(sim_stat(a, ERG_STAT_ARP_REQUEST_TX), 3);
	sim_run_to(sim, tr + LIFE);
	assert_int_equal(sim_stat(a, ERG_STAT_ARP_ENTRIES_IN_USE), 0);
	assert_int_equal(sim_wire_stats(sim).filtered, 1);
	sim_run_for(sim, 10 * SIM_MS);
	/* The datagram sent 1 us before expiry went to the known MAC. */
	assert_int_equal(k.got, 3);

	dr.let_through = 1000;
	send_dgram(ua, b->addr, 3, 0);
	assert_int_equal(sim_stat(a, ERG_STAT_ARP_REQUEST_TX), 4);
	assert_int_equal(requests_from(sim, a, req, 8), 3);
	assert_memory_equal(req[1]->dst, b->mac, 6);
	assert_memory_equal(req[2]->dst, bcast_mac, 6);
	assert_int_equal(req[2]->t, tr + LIFE + 10 * SIM_MS);
	sim_run_for(sim, 10 * SIM_MS);
	assert_int_equal(k.got, 4);
	assert_int_equal(k.bad, 0);

	erg_udp_close(ua);
	erg_udp_close(ub);
	sim_assert_no_leaks(sim);
	sim_assert_wire_balanced(sim);
	sim_pass(sim);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_arp_retransmits_through_loss_then_flushes_in_order,
		    sim_setup, sim_teardown),
		cmocka_unit_test(
		    test_arp_resolves_under_30_percent_loss_for_every_seed),
		cmocka_unit_test_setup_teardown(
		    test_arp_absent_host_fails_after_retries_and_drops_queue,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_arp_entry_expires_after_reachable_ms, sim_setup,
		    sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_arp_last_quarter_refresh_is_unicast_and_extends_life,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_arp_unanswered_refresh_lets_entry_expire, sim_setup,
		    sim_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
