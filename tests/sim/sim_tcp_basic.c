/*
 * tests/sim/sim_tcp_basic.c: the TCP smoke tests, two stacks on one loop
 * wire (100 us of delay): handshake and options, a 1 MiB transfer each
 * way through the zero-copy calls checked by hash, a request/response
 * exchange, graceful close from either side ending in TIME-WAIT on the
 * closer, and every pool back at its baseline.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "lib/sim.h"

#define DELAY 100ull
#define PORT  5001u

static const struct erg_loop_impair wire = { 0, 0, 0, 0, DELAY, 0 };

/* One side of a transfer: sends tx_total bytes, receives and hashes. */
struct side {
	struct erg_tcp_conn *c;
	struct erg_tcp_listener *l;
	uint64_t tx_total;
	uint64_t tx_done;
	uint64_t tx_seed;
	uint64_t rx_bytes;
	uint64_t rx_hash;
	bool peer_closed;
	bool connected;
	unsigned events;
	bool close_when_done;
	bool closed;
};

/* Byte i of a stream with seed: cheap and position dependent. */
static uint8_t
stream_byte(uint64_t seed, uint64_t i)
{
	uint64_t x = (i >> 3) * 0x9e3779b97f4a7c15ull + seed;

	x ^= x >> 29;
	return (uint8_t)(x >> ((i & 7) * 8));
}

static void
side_fill(struct side *sd)
{
	struct erg_wview w[2];
	size_t k, total = 0;
	int n, i;

	while (sd->tx_done < sd->tx_total) {
		n = erg_tcp_reserve(sd->c, w);
		if (n <= 0) {
			break;
		}
		total = 0;
		for (i = 0; i < n; i++) {
			for (k = 0;
			     k < w[i].len && sd->tx_done + total < sd->tx_total;
			     k++, total++) {
				w[i].p[k] = stream_byte(sd->tx_seed,
				    sd->tx_done + total);
			}
		}
		assert_int_equal(erg_tcp_commit(sd->c, total), 0);
		sd->tx_done += total;
	}
	if (sd->tx_done == sd->tx_total && sd->close_when_done && !sd->closed) {
		assert_int_equal(erg_tcp_shutdown(sd->c), 0);
		sd->closed = true;
	}
}

static void
side_drain(struct side *sd)
{
	struct erg_view v[16];
	size_t total;
	int n, i;

	while ((n = erg_tcp_peek(sd->c, v, 16)) > 0) {
		total = 0;
		for (i = 0; i < n; i++) {
			sd->rx_hash =
			    sim_hash_more(sd->rx_hash, v[i].p, v[i].len);
			total += v[i].len;
		}
		sd->rx_bytes += total;
		assert_int_equal(erg_tcp_consume(sd->c, total), 0);
	}
}

static void
on_conn(struct erg_tcp_conn *c, unsigned ev, void *ctx)
{
	struct side *sd = ctx;

	(void)c;
	sd->events |= ev;
	if (ev & ERG_TCP_EV_CONNECTED) {
		sd->connected = true;
	}
	if (ev & ERG_EV_READABLE) {
		side_drain(sd);
	}
	if (ev & ERG_TCP_EV_PEER_CLOSED) {
		sd->peer_closed = true;
	}
	if (ev & (ERG_EV_WRITABLE | ERG_TCP_EV_CONNECTED)) {
		side_fill(sd);
	}
}

static void
on_listen(struct erg_tcp_listener *l, unsigned ev, void *ctx)
{
	struct side *sd = ctx;

	assert_true(ev & ERG_TCP_EV_ACCEPT);
	assert_int_equal(erg_tcp_accept(l, on_conn, sd, &sd->c), 0);
	sd->connected = true;
	side_fill(sd);
}

static uint64_t
expected_hash(uint64_t seed, uint64_t n)
{
	uint64_t h = sim_hash(NULL, 0), i;
	uint8_t buf[4096];
	size_t k;

	for (i = 0; i < n; i += k) {
		k = (size_t)(n - i < sizeof(buf) ? n - i : sizeof(buf));
		for (size_t j = 0; j < k; j++) {
			buf[j] = stream_byte(seed, i + j);
		}
		h = sim_hash_more(h, buf, k);
	}
	return h;
}

struct pair {
	struct side cli;
	struct side srv;
};

static bool
both_done(struct sim *sim, void *ctx)
{
	struct pair *p = ctx;

	(void)sim;
	return p->cli.peer_closed && p->srv.peer_closed &&
	    p->cli.rx_bytes == p->srv.tx_total &&
	    p->srv.rx_bytes == p->cli.tx_total;
}

static void
run_transfer(struct sim *sim, const char *name, uint64_t up, uint64_t down,
    const struct erg_loop_impair *imp)
{
	struct sim_node *a, *b;
	struct pair p;
	struct erg_tcp_info ia, ib;

	memset(&p, 0, sizeof(p));
	p.cli.rx_hash = sim_hash(NULL, 0);
	p.srv.rx_hash = sim_hash(NULL, 0);
	p.cli.tx_total = up;
	p.cli.tx_seed = 11;
	p.srv.tx_total = down;
	p.srv.tx_seed = 22;
	p.cli.close_when_done = true;
	p.srv.close_when_done = true;
	sim_start(sim, name, 1, imp);
	a = sim_add(sim, NULL, 1);
	b = sim_add(sim, NULL, 2);
	assert_int_equal(erg_tcp_listen(b->s, ERG_IPV4_ANY, PORT, 0, on_listen,
	                     &p.srv, &p.srv.l),
	    0);
	assert_int_equal(erg_tcp_connect(a->s, sim_addr(2), PORT, 0, on_conn,
	                     &p.cli, &p.cli.c),
	    0);
	assert_true(sim_run_until(sim, both_done, &p, 600 * SIM_SEC));
	assert_int_equal(p.cli.rx_hash, expected_hash(22, down));
	assert_int_equal(p.srv.rx_hash, expected_hash(11, up));
	erg_tcp_info(p.cli.c, &ia);
	erg_tcp_info(p.srv.c, &ib);
	assert_true(ia.ts_ok && ia.sack_ok && ib.ts_ok && ib.sack_ok);
	assert_int_equal(ia.mss, 1460 - 12);
	assert_true(ia.srtt_us > 0);
	erg_tcp_close(p.cli.c);
	erg_tcp_close(p.srv.c);
	erg_tcp_listener_close(p.srv.l);
	sim_run_for(sim, 5 * SIM_SEC);
	sim_assert_no_leaks(sim);
	sim_pass(sim);
}

static void
test_tcp_small_exchange(void **state)
{
	run_transfer(*state, "tcp_small_exchange", 100, 1000, &wire);
}

static void
test_tcp_1mib_each_way(void **state)
{
	struct sim *sim = *state;

	run_transfer(sim, "tcp_1mib_each_way", 1u << 20, 1u << 20, &wire);
	assert_int_equal(sim_stat(&sim->node[0], ERG_STAT_TCP_RETRANSMITS), 0);
	assert_int_equal(sim_stat(&sim->node[1], ERG_STAT_TCP_RETRANSMITS), 0);
}

static void
test_tcp_1mib_under_loss(void **state)
{
	/* 2% loss, 1% duplication, 1% reordering, 0.5% corruption. */
	static const struct erg_loop_impair lossy = { 20000, 10000, 10000, 5000,
		DELAY, 50 };
	struct sim *sim = *state;

	run_transfer(sim, "tcp_1mib_under_loss", 1u << 20, 1u << 20, &lossy);
	assert_true(sim_stat(&sim->node[0], ERG_STAT_TCP_RETRANSMITS) > 0);
	assert_true(sim_stat(&sim->node[1], ERG_STAT_TCP_RETRANSMITS) > 0);
	assert_true(sim_stat(&sim->node[0], ERG_STAT_TCP_BAD_CHECKSUM) +
	        sim_stat(&sim->node[1], ERG_STAT_TCP_BAD_CHECKSUM) +
	        sim_stat(&sim->node[0], ERG_STAT_IPV4_BAD_CHECKSUM) +
	        sim_stat(&sim->node[1], ERG_STAT_IPV4_BAD_CHECKSUM) >
	    0);
}

/*
 * RFC 6056 3.3.4 (algorithm 4, random increments): 64 connections to one
 * destination get distinct ports in the ephemeral range that do not
 * simply count up, and the same pattern is not repeated towards another
 * destination port.
 */
static void
test_tcp_ephemeral_ports_are_spread(void **state)
{
	struct sim *sim = *state;
	struct erg_tcp_conn *c[64];
	struct erg_tcp_info in;
	uint16_t p[64], q[64];
	unsigned i, j, steps_of_one = 0, same = 0;
	struct side dummy;

	memset(&dummy, 0, sizeof(dummy));
	sim_start(sim, "tcp_ephemeral_ports", 3, &wire);
	(void)sim_add(sim, NULL, 1);
	for (i = 0; i < 64; i++) {
		assert_int_equal(erg_tcp_connect(sim->node[0].s, sim_addr(2),
		                     PORT, 0, on_conn, &dummy, &c[i]),
		    0);
		erg_tcp_info(c[i], &in);
		p[i] = in.lport;
		assert_true(p[i] >= ERG_TCP_EPHEMERAL_MIN);
		for (j = 0; j < i; j++) {
			assert_int_not_equal(p[i], p[j]);
		}
		if (i > 0 && (uint16_t)(p[i] - p[i - 1]) == 1) {
			steps_of_one++;
		}
	}
	for (i = 0; i < 64; i++) {
		erg_tcp_abort(c[i]);
	}
	for (i = 0; i < 64; i++) {
		assert_int_equal(erg_tcp_connect(sim->node[0].s, sim_addr(2),
		                     PORT + 1, 0, on_conn, &dummy, &c[i]),
		    0);
		erg_tcp_info(c[i], &in);
		q[i] = in.lport;
		erg_tcp_abort(c[i]);
		if (q[i] == p[i]) {
			same++;
		}
	}
	/* Increments of 1 + 0..7: a plain counter would give 63 ones. */
	assert_true(steps_of_one < 32);
	assert_true(same < 4);
	sim_run_for(sim, 5 * SIM_SEC);
	sim_assert_no_leaks(sim);
	sim_pass(sim);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tcp_small_exchange,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(test_tcp_1mib_each_way,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(test_tcp_1mib_under_loss,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_tcp_ephemeral_ports_are_spread, sim_setup,
		    sim_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
