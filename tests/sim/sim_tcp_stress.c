/*
 * tests/sim/sim_tcp_stress.c: TCP under load between stacks on the loop
 * wire: 10,000 connections opened, used and closed one after the other
 * (alternating which side closes first, so TIME-WAIT fills and recycles
 * on both sides), 1,000 connections open at once, zero-window stalls
 * (an exact zero window, and a window below one segment) that recover
 * through the persist timer (RFC 9293 3.8.6.1) even when the window
 * update is lost, and a SYN flood from random addresses while
 * a transfer runs (RFC 4987: the bounded SYN queue fills, SYN cookies
 * take over, the transfer and a new legitimate connection go through).
 * Every test ends with every connection freed and every pool back at its
 * baseline on every node.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "lib/sim.h"
#include "lib/testnet.h"

#define DELAY 100ull /* one-way wire delay, us */
#define PORT  5003u

static const struct erg_loop_impair wire = { 0, 0, 0, 0, DELAY, 0 };

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Resolves a's and b's addresses both ways with a ping. */
static void
resolve(struct sim *sim, struct sim_node *a, struct sim_node *b)
{
	uint64_t replies = sim_stat(a, ERG_STAT_ICMP_ECHO_REPLY_RX);

	assert_int_equal(erg_icmp_echo_send(a->s, b->addr, 7, 7, "", 0), 0);
	sim_run_for(sim, 10 * SIM_MS);
	assert_int_equal(sim_stat(a, ERG_STAT_ICMP_ECHO_REPLY_RX), replies + 1);
}

/* ---- 10,000 in sequence ------------------------------------------------- */

#define SEQ_CONNS 10000u

struct seq {
	struct erg_tcp_listener *l;
	struct sim_app cli;
	struct sim_app srv;
	unsigned accepted;
};

static void
seq_listen_cb(struct erg_tcp_listener *l, unsigned events, void *ctx)
{
	struct seq *q = ctx;

	assert_true((events & ERG_TCP_EV_ACCEPT) != 0);
	/* One connection at a time: never a second one waiting. */
	assert_null(q->srv.c);
	assert_false(q->srv.closed);
	sim_app_accept(l, &q->srv);
	q->accepted++;
}

static bool
seq_done(struct sim *sim, void *ctx)
{
	const struct seq *q = ctx;

	return q->cli.closed && q->srv.closed &&
	    sim_conns(&sim->node[0]) == 0 && sim_conns(&sim->node[1]) == 0;
}

/*
 * 10,000 connections, one after the other: connect, one byte each way,
 * close, the client closing first on even rounds and the server on odd
 * ones. Each byte arrives, no connection is refused, reset or retried,
 * never more than one is in use, and the TIME-WAIT tables (256 entries)
 * stay bounded while thousands of closes pass through them.
 */
static void
test_10000_connections_in_sequence_one_byte_each_way(void **state)
{
	struct sim *sim = *state;
	struct sim_node *c, *s;
	struct seq *q = sim_calloc(sim, 1, sizeof(*q));
	unsigned i;

	sim_start(sim, "sim_tcp_stress_seq", 21, &wire);
	c = sim_add(sim, NULL, 1);
	s = sim_add(sim, NULL, 2);
	assert_int_equal(erg_tcp_listen(s->s, ERG_IPV4_ANY, PORT, 0,
	                     seq_listen_cb, q, &q->l),
	    0);
	for (i = 0; i < SEQ_CONNS; i++) {
		bool cli_first = (i & 1) == 0;

		sim_app_init(&q->cli, sim, 2 * i, 1);
		sim_app_init(&q->srv, sim, 2 * i + 1, 1);
		q->cli.rx_want = q->srv.rx_want = 1;
		q->cli.close = cli_first ? SIM_CLOSE_DONE : SIM_CLOSE_EOF;
		q->srv.close = cli_first ? SIM_CLOSE_EOF : SIM_CLOSE_DONE;
		assert_int_equal(erg_tcp_connect(c->s, s->addr, PORT, 0,
		                     sim_app_cb, &q->cli, &q->cli.c),
		    0);
		if (!sim_run_until(sim, seq_done, q, 10 * SIM_SEC)) {
			fail_msg("connection %u did not finish", i);
		}
		assert_int_equal(q->cli.n_connected, 1);
		assert_int_equal(q->cli.err, 0);
		assert_int_equal(q->srv.err, 0);
		assert_int_equal(q->cli.io_err, 0);
		assert_int_equal(q->srv.io_err, 0);
		assert_true(q->cli.rx_done == 1 && q->srv.rx_done == 1);
		assert_true(q->cli.rx_hash == q->srv.tx_hash);
		assert_true(q->srv.rx_hash == q->cli.tx_hash);
	}
	assert_int_equal(q->accepted, SEQ_CONNS);
	assert_int_equal(sim_stat(c, ERG_STAT_TCP_ACTIVE_OPENS), SEQ_CONNS);
	assert_int_equal(sim_stat(s, ERG_STAT_TCP_PASSIVE_OPENS), SEQ_CONNS);
	assert_int_equal(sim_stat(c, ERG_STAT_TCP_CONNS_HIGH_WATER), 1);
	assert_int_equal(sim_stat(s, ERG_STAT_TCP_CONNS_HIGH_WATER), 1);
	assert_int_equal(sim_stat(c, ERG_STAT_TCP_RST_TX), 0);
	assert_int_equal(sim_stat(s, ERG_STAT_TCP_RST_TX), 0);
	assert_int_equal(sim_stat(c, ERG_STAT_TCP_RETRANSMITS), 0);
	assert_int_equal(sim_stat(s, ERG_STAT_TCP_RETRANSMITS), 0);
	assert_int_equal(sim_stat(s, ERG_STAT_TCP_SYN_COOKIES_SENT), 0);
	assert_int_equal(sim_stat(c, ERG_STAT_TCP_CONNS_ALLOC_FAIL), 0);
	assert_int_equal(sim_stat(s, ERG_STAT_TCP_CONNS_ALLOC_FAIL), 0);
	/* 5,000 closes each side, far more than the table holds. */
	assert_true(sim_stat(c, ERG_STAT_TCP_TIMEWAIT_IN_USE) <= 256);
	assert_true(sim_stat(s, ERG_STAT_TCP_TIMEWAIT_IN_USE) <= 256);
	assert_true(sim_stat(c, ERG_STAT_TCP_TIMEWAIT_RECYCLED) > 0);
	assert_true(sim_stat(s, ERG_STAT_TCP_TIMEWAIT_RECYCLED) > 0);

	erg_tcp_listener_close(q->l);
	/* TIME-WAIT entries do not hold pool entries; 2 MSL ends them. */
	sim_run_for(sim, 61 * SIM_SEC);
	assert_int_equal(sim_stat(c, ERG_STAT_TCP_TIMEWAIT_IN_USE), 0);
	assert_int_equal(sim_stat(s, ERG_STAT_TCP_TIMEWAIT_IN_USE), 0);
	sim_assert_no_leaks(sim);
	sim_assert_wire_balanced(sim);
	sim_pass(sim);
}

/* ---- 1,000 at once ------------------------------------------------------ */

#define MANY 1000u

struct many {
	struct erg_tcp_listener *l;
	struct sim_app *cli; /* MANY */
	struct sim_app *srv; /* MANY */
	unsigned accepted;
	unsigned closed;
};

static void
many_listen_cb(struct erg_tcp_listener *l, unsigned events, void *ctx)
{
	struct many *m = ctx;

	(void)events;
	while (m->accepted < MANY) {
		struct sim_app *a = &m->srv[m->accepted];
		struct erg_tcp_conn *c;

		if (erg_tcp_accept(l, sim_app_cb, a, &c) != 0) {
			return;
		}
		a->c = c;
		m->accepted++;
		sim_app_pump(a);
	}
	assert_int_equal(erg_tcp_accept(l, sim_app_cb, NULL, NULL),
	    -ERG_EAGAIN);
}

static bool
many_done(struct sim *sim, void *ctx)
{
	const struct many *m = ctx;
	unsigned i;

	(void)sim;
	for (i = 0; i < MANY; i++) {
		if (!m->cli[i].closed || !m->srv[i].closed) {
			return false;
		}
	}
	return true;
}

static bool
many_established(struct sim *sim, void *ctx)
{
	const struct many *m = ctx;

	return m->accepted == MANY &&
	    sim_stat(&sim->node[0], ERG_STAT_TCP_CONNS_IN_USE) == MANY;
}

/*
 * 1,000 connections opened in the same instant (tcp_conns 1024 on both
 * sides, 4 KiB send rings): all are accepted through a backlog of 1,000
 * without SYN cookies, are in use at once on both sides, exchange one
 * byte each way (every byte sent is received exactly once, matched by
 * hash across the whole set) and close; then every connection is freed.
 */
static void
test_1000_connections_at_once_all_bytes_delivered(void **state)
{
	struct sim *sim = *state;
	struct sim_node *c, *s;
	struct erg_config cfg;
	struct many *m = sim_calloc(sim, 1, sizeof(*m));
	uint64_t *sent, *got;
	unsigned i;

	m->cli = sim_calloc(sim, MANY, sizeof(*m->cli));
	m->srv = sim_calloc(sim, MANY, sizeof(*m->srv));
	sent = sim_calloc(sim, 2 * MANY, sizeof(*sent));
	got = sim_calloc(sim, 2 * MANY, sizeof(*got));
	erg_config_default(&cfg);
	cfg.tcp_conns = 1024;
	cfg.tcp_snd_buf = 4096;
	cfg.pkt_count = 2048;
	sim_start(sim, "sim_tcp_stress_many", 22, &wire);
	c = sim_add(sim, &cfg, 1);
	s = sim_add(sim, &cfg, 2);
	resolve(sim, c, s);
	assert_int_equal(erg_tcp_listen(s->s, ERG_IPV4_ANY, PORT, MANY,
	                     many_listen_cb, m, &m->l),
	    0);
	for (i = 0; i < MANY; i++) {
		struct sim_app *a = &m->cli[i], *b = &m->srv[i];

		sim_app_init(a, sim, 0x10000 + i, 1);
		sim_app_init(b, sim, 0x20000 + i, 1);
		a->rx_want = b->rx_want = 1;
		a->close = SIM_CLOSE_DONE;
		b->close = SIM_CLOSE_EOF;
		/* Hold the first bytes until every connection is up. */
		a->rx_hold = true;
		assert_int_equal(erg_tcp_connect(c->s, s->addr, PORT, 0,
		                     sim_app_cb, a, &a->c),
		    0);
	}
	assert_true(sim_run_until(sim, many_established, m, 10 * SIM_SEC));
	assert_int_equal(sim_stat(s, ERG_STAT_TCP_CONNS_IN_USE), MANY);
	for (i = 0; i < MANY; i++) {
		m->cli[i].rx_hold = false;
		sim_app_pump(&m->cli[i]);
	}
	assert_true(sim_run_until(sim, many_done, m, 60 * SIM_SEC));
	for (i = 0; i < MANY; i++) {
		assert_int_equal(m->cli[i].n_connected, 1);
		assert_int_equal(m->cli[i].err + m->srv[i].err, 0);
		assert_int_equal(m->cli[i].io_err + m->srv[i].io_err, 0);
		assert_true(m->cli[i].rx_done == 1 && m->srv[i].rx_done == 1);
		sent[i] = m->cli[i].tx_hash;
		sent[MANY + i] = m->srv[i].tx_hash;
		got[i] = m->srv[i].rx_hash;
		got[MANY + i] = m->cli[i].rx_hash;
	}
	qsort(sent, MANY, sizeof(*sent), cmp_u64);
	qsort(got, MANY, sizeof(*got), cmp_u64);
	qsort(sent + MANY, MANY, sizeof(*sent), cmp_u64);
	qsort(got + MANY, MANY, sizeof(*got), cmp_u64);
	assert_memory_equal(sent, got, 2 * MANY * sizeof(*sent));

	assert_int_equal(sim_stat(c, ERG_STAT_TCP_ACTIVE_OPENS), MANY);
	assert_int_equal(sim_stat(s, ERG_STAT_TCP_PASSIVE_OPENS), MANY);
	assert_int_equal(sim_stat(c, ERG_STAT_TCP_CONNS_HIGH_WATER), MANY);
	assert_int_equal(sim_stat(s, ERG_STAT_TCP_CONNS_HIGH_WATER), MANY);
	assert_int_equal(sim_stat(s, ERG_STAT_TCP_SYN_COOKIES_SENT), 0);
	assert_int_equal(sim_stat(s, ERG_STAT_TCP_SYNQ_FULL), 0);
	assert_int_equal(sim_stat(c, ERG_STAT_TCP_RST_TX), 0);
	assert_int_equal(sim_stat(s, ERG_STAT_TCP_RST_TX), 0);
	assert_int_equal(sim_stat(c, ERG_STAT_TCP_RETRANSMITS), 0);
	assert_int_equal(sim_stat(s, ERG_STAT_TCP_RETRANSMITS), 0);
	assert_int_equal(sim_stat(c, ERG_STAT_PKT_ALLOC_FAIL), 0);
	assert_int_equal(sim_stat(s, ERG_STAT_PKT_ALLOC_FAIL), 0);

	erg_tcp_listener_close(m->l);
	assert_true(sim_run_until_no_conns(sim, 60 * SIM_SEC));
	sim_run_for(sim, SIM_SEC);
	/* The client closed first: a TIME-WAIT entry each, at most 256. */
	assert_int_equal(sim_stat(c, ERG_STAT_TCP_TIMEWAIT_IN_USE), 256);
	assert_int_equal(sim_stat(s, ERG_STAT_TCP_TIMEWAIT_IN_USE), 0);
	sim_assert_no_leaks(sim);
	sim_assert_wire_balanced(sim);
	sim_pass(sim);
}

/* ---- Zero window -------------------------------------------------------- */

#define ZW_BYTES    (1u << 20)
#define ZW_RCV_BUF  65536u
#define ZW_BLACKOUT (3 * SIM_SEC) /* the window update is lost this long */

struct zw {
	struct sim_app cli; /* sender */
	struct sim_app srv; /* receiver, stalls */
	struct sim_node *c;
	struct sim_node *s;
	unsigned phase;
	uint64_t probes; /* the sender's tcp.zero_window_probes at a mark */
	uint64_t t_mark;
	bool blackout; /* drop everything from the receiver */
	unsigned dropped;
	unsigned stalls;
};

static bool
zw_drop(void *ctx, const struct sim_frame *f)
{
	struct zw *z = ctx;

	if (z->blackout && f->from == z->s->port) {
		z->dropped++;
		return true;
	}
	return false;
}

/*
 * The sender is stopped by the window, with data waiting and nothing in
 * flight. The window need not be exactly 0: the receiver never moves its
 * right edge back (RFC 9293 3.8.6.2.2), so a few hundred bytes may stay
 * open, which the sender will not send as a tiny segment (3.8.6.2.1).
 */
static bool
zw_stalled(const struct zw *z)
{
	struct erg_tcp_info is;

	erg_tcp_info(z->cli.c, &is);
	return is.unsent > 0 && is.in_flight == 0 && is.snd_wnd < is.mss;
}

static void
zw_check_stall(const struct zw *z)
{
	size_t held = erg_tcp_readable(z->srv.c);

	/* The receiver holds its whole budget, no more. */
	assert_true(held <= ZW_RCV_BUF);
	assert_true(held > ZW_RCV_BUF - 2 * 1460);
	assert_int_equal(sim_stat(z->s, ERG_STAT_PKT_ALLOC_FAIL), 0);
}

static bool
zw_step(struct sim *sim, void *ctx)
{
	struct zw *z = ctx;
	uint64_t probes = sim_stat(z->c, ERG_STAT_TCP_ZERO_WINDOW_PROBES);

	switch (z->phase) {
	case 0: /* stall until the sender probed three times */
	case 2:
		if (!zw_stalled(z)) {
			return false;
		}
		if (z->t_mark == 0) {
			z->t_mark = sim->now;
			z->probes = probes;
			return false;
		}
		if (probes < z->probes + 3) {
			return false;
		}
		zw_check_stall(z);
		z->stalls++;
		z->t_mark = 0;
		/* The second time the window update is lost. */
		if (z->phase == 2) {
			z->blackout = true;
			z->t_mark = sim->now;
		}
		z->srv.rx_hold = false;
		sim_app_pump(&z->srv);
		z->phase++;
		return false;
	case 1: /* read half the stream, then stall again */
		if (z->srv.rx_done >= ZW_BYTES / 2) {
			z->srv.rx_hold = true;
			z->phase = 2;
		}
		return false;
	case 3: /* the update lost: the sender must probe to learn it */
		if (z->blackout && sim->now >= z->t_mark + ZW_BLACKOUT) {
			z->blackout = false;
			z->probes = probes;
			/* Nothing moved while the receiver was cut off. */
			assert_true(z->srv.rx_done < ZW_BYTES);
		}
		if (z->blackout) {
			sim_wake_at(sim, z->t_mark + ZW_BLACKOUT);
		}
		return z->srv.rx_eof;
	default:
		return true;
	}
}

/*
 * A receiver that stops reading in the middle of a stream: its window
 * closes once it holds its 64 KiB budget (the packet pool is untouched
 * beyond that), except for a sliver smaller than one segment (the right
 * edge never moves back), which the sender will not use. The sender
 * stops and sends window probes (tcp.zero_window_probes grows), and when
 * the receiver reads again the transfer resumes. The second time, every
 * frame from the receiver is lost for 3 s after it reopens the window,
 * so only a later probe can find the window open (RFC 9293 3.8.6.1 and
 * the override timeout of 3.8.6.2.1: without it both would wait
 * forever). The megabyte arrives whole.
 */
static void
test_window_below_mss_stall_probes_and_recovers_twice(void **state)
{
	struct sim *sim = *state;
	struct zw *z = sim_calloc(sim, 1, sizeof(*z));
	uint64_t probes_after;

	/*
	 * Regression (fixed): src/tcp/tcp_output.c erg_tcp_output arms the
	 * persist timer only when snd_wnd == 0. The receiver keeps its right
	 * edge (here 376 bytes stay open), sender SWS avoidance rightly refuses
	 * to send less than an MSS, and nothing is in flight, so no timer runs
	 * at all: if the receiver's window update is lost, both ends wait
	 * forever (RFC 9293 3.8.6.2.1's override timeout). Passes with
	 * persist armed whenever data waits, nothing is in flight and
	 * nothing could be sent.
	 */
	sim_start(sim, "sim_tcp_stress_zero_window", 23, &wire);
	z->c = sim_add(sim, NULL, 1);
	z->s = sim_add(sim, NULL, 2);
	sim_drop_set(sim, zw_drop, z);
	sim_app_init(&z->cli, sim, 0x2e70, ZW_BYTES);
	sim_app_init(&z->srv, sim, 0, 0);
	z->cli.tx_shut = true;
	z->srv.rx_zc = true;
	z->srv.rx_hold = true;
	sim_tcp_pair(sim, z->c, z->s, PORT, &z->cli, &z->srv);
	sim_app_pump(&z->cli);
	assert_true(sim_run_until(sim, zw_step, z, 3600 * SIM_SEC));
	probes_after = sim_stat(z->c, ERG_STAT_TCP_ZERO_WINDOW_PROBES);

	assert_int_equal(z->stalls, 2);
	assert_true(z->dropped > 0);
	/* A probe after the blackout found the window open. */
	assert_true(probes_after > z->probes);
	assert_true(z->srv.rx_done == ZW_BYTES);
	assert_true(z->srv.rx_hash == sim_stream_hash(0x2e70, ZW_BYTES));
	assert_true(z->cli.tx_hash == z->srv.rx_hash);
	assert_int_equal(z->cli.io_err + z->srv.io_err, 0);
	assert_int_equal(z->cli.err + z->srv.err, 0);
	/* Probes are not retransmissions of data, nor time-outs. */
	assert_int_equal(sim_stat(z->c, ERG_STAT_TCP_TIMEOUTS), 0);

	sim_app_close(&z->cli);
	sim_app_close(&z->srv);
	assert_true(sim_run_until_no_conns(sim, 600 * SIM_SEC));
	sim_run_for(sim, SIM_SEC);
	sim_assert_no_leaks(sim);
	sim_assert_wire_balanced(sim);
	sim_pass(sim);
}

static bool
zx_step(struct sim *sim, void *ctx)
{
	struct zw *z = ctx;
	uint64_t probes = sim_stat(z->c, ERG_STAT_TCP_ZERO_WINDOW_PROBES);
	struct erg_tcp_info is, ir;

	erg_tcp_info(z->cli.c, &is);
	erg_tcp_info(z->srv.c, &ir);
	switch (z->phase) {
	case 0: /* exactly the receive budget is out and acknowledged */
		if (is.in_flight != 0 || is.unsent != 0) {
			return false;
		}
		assert_int_equal(is.snd_wnd, 0);
		assert_int_equal(ir.rcv_wnd, 0);
		assert_int_equal(erg_tcp_readable(z->srv.c), ZW_RCV_BUF);
		/* More data now meets a zero window. */
		z->cli.tx_total = ZW_BYTES;
		z->cli.tx_shut = true;
		sim_app_pump(&z->cli);
		erg_tcp_info(z->cli.c, &is);
		assert_int_equal(is.in_flight, 0);
		assert_true(is.unsent > 0);
		z->probes = probes;
		z->phase = 1;
		return false;
	case 1: /* three probes, answered with the same zero window */
		if (probes < z->probes + 3) {
			return false;
		}
		assert_int_equal(is.snd_wnd, 0);
		assert_int_equal(is.in_flight, 0);
		assert_true(z->srv.rx_done == 0);
		z->stalls++;
		/* The receiver reads, and its window update is lost. */
		z->blackout = true;
		z->t_mark = sim->now;
		z->srv.rx_hold = false;
		sim_app_pump(&z->srv);
		assert_true(z->srv.rx_done == ZW_RCV_BUF);
		z->phase = 2;
		return false;
	case 2:
		if (z->blackout && sim->now >= z->t_mark + ZW_BLACKOUT) {
			z->blackout = false;
			z->probes = probes;
			/* Nothing moved while the update was lost. */
			assert_true(z->srv.rx_done == ZW_RCV_BUF);
		}
		if (z->blackout) {
			sim_wake_at(sim, z->t_mark + ZW_BLACKOUT);
		}
		return z->srv.rx_eof;
	default:
		return true;
	}
}

/*
 * A receiver that stops reading after exactly its 64 KiB budget: the
 * sender gets every byte acknowledged with a zero window, queues more,
 * and sends zero-window probes (RFC 9293 3.8.6.1; tcp.zero_window_probes
 * grows) that the receiver answers with the same zero window. Then the
 * receiver reads, but every frame from it is lost for 3 s, its window
 * update included: nothing moves until a later probe finds the window
 * open, and the megabyte then arrives whole.
 */
static void
test_zero_window_probes_recover_after_lost_window_update(void **state)
{
	struct sim *sim = *state;
	struct zw *z = sim_calloc(sim, 1, sizeof(*z));

	sim_start(sim, "sim_tcp_stress_zero_window_exact", 25, &wire);
	z->c = sim_add(sim, NULL, 1);
	z->s = sim_add(sim, NULL, 2);
	sim_drop_set(sim, zw_drop, z);
	sim_app_init(&z->cli, sim, 0x2e71, ZW_RCV_BUF);
	sim_app_init(&z->srv, sim, 0, 0);
	z->cli.tx_zc = true;
	z->srv.rx_hold = true;
	sim_tcp_pair(sim, z->c, z->s, PORT, &z->cli, &z->srv);
	sim_app_pump(&z->cli);
	assert_true(sim_run_until(sim, zx_step, z, 3600 * SIM_SEC));

	assert_int_equal(z->stalls, 1);
	assert_true(z->dropped > 0);
	/* A probe after the blackout found the window open. */
	assert_true(
	    sim_stat(z->c, ERG_STAT_TCP_ZERO_WINDOW_PROBES) > z->probes);
	assert_true(z->srv.rx_done == ZW_BYTES);
	assert_true(z->srv.rx_hash == sim_stream_hash(0x2e71, ZW_BYTES));
	assert_true(z->cli.tx_hash == z->srv.rx_hash);
	assert_int_equal(z->cli.io_err + z->srv.io_err, 0);
	assert_int_equal(z->cli.err + z->srv.err, 0);
	assert_int_equal(sim_stat(z->c, ERG_STAT_TCP_TIMEOUTS), 0);
	assert_int_equal(sim_stat(z->s, ERG_STAT_PKT_ALLOC_FAIL), 0);

	sim_app_close(&z->cli);
	sim_app_close(&z->srv);
	assert_true(sim_run_until_no_conns(sim, 600 * SIM_SEC));
	sim_run_for(sim, SIM_SEC);
	sim_assert_no_leaks(sim);
	sim_assert_wire_balanced(sim);
	sim_pass(sim);
}

/* ---- SYN flood ---------------------------------------------------------- */

#define FLOOD_PORT     80u
#define FLOOD_BACKLOG  16u
#define FLOOD_MIN      5000u /* SYNs at least */
#define FLOOD_EVERY    50ull /* us between SYNs: 20,000 per second */
#define FLOOD_LEGIT_AT 1000u /* SYNs before the legitimate connect */
#define FLOOD_XFER     (16u << 20)
#define FLOOD_DELAY    1000ull /* 1 ms wire: the transfer takes a while */

static const struct erg_loop_impair flood_wire = { 0, 0, 0, 0, FLOOD_DELAY, 0 };

struct flood {
	struct sim *sim;
	struct sim_node *c; /* client: transfer and legitimate connect */
	struct sim_node *s; /* server */
	struct sim_node *g; /* gateway: where SYN-ACKs to the forgers go */
	struct erg_tcp_listener *l;
	struct sim_app xc; /* the transfer */
	struct sim_app xs;
	struct sim_app lc; /* the legitimate connection during the flood */
	struct sim_app ls;
	uint64_t rng;
	uint64_t next;
	unsigned syns;
	bool legit_started;
	unsigned accepted;
};

static void
flood_listen_cb(struct erg_tcp_listener *l, unsigned events, void *ctx)
{
	struct flood *f = ctx;

	(void)events;
	/* Only the legitimate client ever completes a handshake. */
	assert_null(f->ls.c);
	sim_app_accept(l, &f->ls);
	f->accepted++;
}

static uint32_t
flood_rand(struct flood *f)
{
	uint32_t r;

	tn_rand(&f->rng, &r, sizeof(r));
	return r;
}

/*
 * One SYN from a random address in 10.0.0.0/8 (reached through the
 * gateway) and a random port, with the options Linux sends, injected at
 * the server's interface as if the gateway had forwarded it.
 */
static void
flood_syn(struct flood *f)
{
	struct erg_tcp_repr r;
	uint8_t tcp[60], ip[80], frame[100];
	/* 10.0.0.1 to 10.255.255.254. */
	uint32_t src = ERG_IPV4(10, 0, 0, 1) + flood_rand(f) % 0x00fffffe;
	int hl;
	size_t n;

	memset(&r, 0, sizeof(r));
	r.src_port = (uint16_t)(1024 + flood_rand(f) % 64512);
	r.dst_port = FLOOD_PORT;
	r.seq = flood_rand(f);
	r.flags = ERG_TCP_SYN;
	r.window = 64240;
	r.mss = 1460;
	r.sack_ok = true;
	r.ts_ok = true;
	r.ts_val = flood_rand(f);
	r.wscale_ok = true;
	r.wscale = 7;
	hl = erg_tcp_emit(&r, src, f->s->addr, NULL, 0, tcp, sizeof(tcp));
	assert_true(hl > 0);
	n = tn_build_ipv4(ip, src, f->s->addr, 6, (uint16_t)flood_rand(f), 0,
	    false, tcp, (size_t)hl);
	n = tn_build_eth(frame, f->s->mac, f->g->mac, ERG_ETHERTYPE_IPV4, ip,
	    n);
	assert_true(sim_inject(f->sim, f->s, frame, n));
	f->syns++;
}

static bool
flood_step(struct sim *sim, void *ctx)
{
	struct flood *f = ctx;
	bool xfer_done = f->xs.rx_eof;

	/* The flood lasts until the transfer and the newcomer are done. */
	while (sim->now >= f->next &&
	    (f->syns < FLOOD_MIN || !xfer_done || !f->ls.closed ||
	        !f->lc.closed)) {
		flood_syn(f);
		f->next += FLOOD_EVERY;
	}
	if (!f->legit_started && f->syns >= FLOOD_LEGIT_AT) {
		/* The SYN queue is full by now: this one gets a cookie. */
		assert_int_equal(sim_stat(f->s, ERG_STAT_TCP_CONNS_IN_USE),
		    1 + FLOOD_BACKLOG);
		assert_int_equal(erg_tcp_connect(f->c->s, f->s->addr,
		                     FLOOD_PORT, 0, sim_app_cb, &f->lc,
		                     &f->lc.c),
		    0);
		f->legit_started = true;
	}
	if (xfer_done && f->lc.closed && f->ls.closed && f->syns >= FLOOD_MIN) {
		return true;
	}
	sim_wake_at(sim, f->next);
	return false;
}

/*
 * A SYN flood (at least 5,000 SYNs, 20,000 a second, from random
 * addresses and ports) hits a listener with a backlog of 16 while a
 * 16 MiB transfer runs on another connection of the same server. The
 * SYN queue fills (tcp.synq_full) and the rest get SYN cookies (RFC
 * 4987 3.6); a legitimate client connecting in the middle of the flood
 * is accepted through its cookie (tcp.syn_cookies_ok), exchanges data
 * both ways and closes; the transfer completes without a single
 * retransmission. Once the half-open connections time out, the server
 * has no connection left.
 */
static void
test_syn_flood_transfer_and_newcomer_survive_via_cookies(void **state)
{
	struct sim *sim = *state;
	struct flood *f = sim_calloc(sim, 1, sizeof(*f));
	struct erg_tcp_info info;

	f->sim = sim;
	f->rng = 0xf100d;
	sim_start(sim, "sim_tcp_stress_syn_flood", 24, &flood_wire);
	f->c = sim_add(sim, NULL, 1);
	f->s = sim_add(sim, NULL, 2);
	f->g = sim_add(sim, NULL, 3);
	assert_int_equal(
	    erg_ipv4_gateway_set(f->s->s, f->s->ifindex, f->g->addr), 0);
	resolve(sim, f->s, f->g);
	resolve(sim, f->c, f->s);

	/* The transfer, client to server, established before the flood. */
	sim_app_init(&f->xc, sim, 0xf1, FLOOD_XFER);
	sim_app_init(&f->xs, sim, 0, 0);
	f->xc.tx_shut = true;
	f->xs.rx_zc = true;
	sim_tcp_pair(sim, f->c, f->s, PORT, &f->xc, &f->xs);

	sim_app_init(&f->lc, sim, 0x1e9, 20000);
	sim_app_init(&f->ls, sim, 0x1ea, 30000);
	f->lc.tx_shut = f->ls.tx_shut = true;
	f->lc.close = f->ls.close = SIM_CLOSE_EOF;
	assert_int_equal(erg_tcp_listen(f->s->s, ERG_IPV4_ANY, FLOOD_PORT,
	                     FLOOD_BACKLOG, flood_listen_cb, f, &f->l),
	    0);
	sim_app_pump(&f->xc);
	f->next = sim->now;
	assert_true(sim_run_until(sim, flood_step, f, 600 * SIM_SEC));

	/* The transfer: whole, and untouched by the flood. */
	assert_true(f->xs.rx_done == FLOOD_XFER);
	assert_true(f->xs.rx_hash == sim_stream_hash(0xf1, FLOOD_XFER));
	erg_tcp_info(f->xc.c, &info);
	assert_true(info.retransmits == 0);
	/* The legitimate connection: accepted once, both ways whole. */
	assert_int_equal(f->accepted, 1);
	assert_int_equal(f->lc.n_connected, 1);
	assert_true(f->ls.rx_done == 20000);
	assert_true(f->ls.rx_hash == sim_stream_hash(0x1e9, 20000));
	assert_true(f->lc.rx_done == 30000);
	assert_true(f->lc.rx_hash == sim_stream_hash(0x1ea, 30000));
	assert_int_equal(f->lc.err + f->ls.err + f->lc.io_err + f->ls.io_err,
	    0);
	/* The queue filled, cookies took over, the client's verified. */
	assert_true(f->syns >= FLOOD_MIN);
	assert_true(sim_stat(f->s, ERG_STAT_TCP_SYNQ_FULL) > 0);
	assert_true(sim_stat(f->s, ERG_STAT_TCP_SYN_COOKIES_SENT) > 0);
	assert_true(
	    sim_stat(f->s, ERG_STAT_TCP_SYN_COOKIES_SENT) + FLOOD_BACKLOG + 1 >=
	    f->syns);
	assert_int_equal(sim_stat(f->s, ERG_STAT_TCP_SYN_COOKIES_OK), 1);
	assert_int_equal(sim_stat(f->s, ERG_STAT_TCP_SYN_COOKIES_BAD), 0);
	/* Half-open connections never exceed the backlog. */
	assert_true(
	    sim_stat(f->s, ERG_STAT_TCP_CONNS_HIGH_WATER) <= 2 + FLOOD_BACKLOG);

	/*
	 * The flood is over: the half-open connections give up on their
	 * own (the listener stays open), and the server is back to none.
	 */
	sim_app_close(&f->xc);
	sim_app_close(&f->xs);
	assert_true(sim_run_until_no_conns(sim, 600 * SIM_SEC));
	assert_int_equal(sim_stat(f->s, ERG_STAT_TCP_CONNS_IN_USE), 0);
	/*
	 * Each of the 16 sent its SYN-ACK tcp_syn_retries (6) more times to
	 * a forger that never answers, then gave up; nothing else was
	 * resent on the server.
	 */
	assert_int_equal(sim_stat(f->s, ERG_STAT_TCP_TIMEOUTS), FLOOD_BACKLOG);
	assert_int_equal(sim_stat(f->s, ERG_STAT_TCP_RETRANSMITS),
	    6 * FLOOD_BACKLOG);
	erg_tcp_listener_close(f->l);
	sim_run_for(sim, 10 * SIM_SEC);
	sim_assert_no_leaks(sim);
	sim_assert_wire_balanced(sim);
	sim_pass(sim);
}

#define T(f) cmocka_unit_test_setup_teardown(f, sim_setup, sim_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_10000_connections_in_sequence_one_byte_each_way),
		T(test_1000_connections_at_once_all_bytes_delivered),
		T(test_zero_window_probes_recover_after_lost_window_update),
		T(test_window_below_mss_stall_probes_and_recovers_twice),
		T(test_syn_flood_transfer_and_newcomer_survive_via_cookies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
