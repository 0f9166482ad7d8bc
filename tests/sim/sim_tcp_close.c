/*
 * tests/sim/sim_tcp_close.c: every way a TCP connection ends, between two
 * stacks on a clean 100 us loop wire, checked on the wire (which side
 * sends FIN or RST, how many SYNs), through the events and errors the
 * application sees, and through the pools: active close, passive close,
 * simultaneous close (RFC 9293 3.6 figure 13), half-close, abort and the
 * RST the peer sees (3.10.7.4), RST mid-transfer, retransmission timeout
 * when the peer vanishes (3.8.3, RFC 6298 5), connection refused, SYN
 * retries to a silent host, close with unread data (RFC 2525 2.17), and
 * simultaneous open (RFC 9293 figure 7). Each test ends with every
 * connection freed and every pool back at its baseline.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "lib/sim.h"

#define DELAY 100ull /* one-way wire delay, us */
#define PORT  5002u
#define MSL   30u /* seconds, the default tcp_msl_ms */

static const struct erg_loop_impair wire = { 0, 0, 0, 0, DELAY, 0 };

/* ---- Helpers ------------------------------------------------------------ */

struct pair {
	struct sim_node *c; /* client, host 1 */
	struct sim_node *s; /* server, host 2 */
	struct sim_app cli;
	struct sim_app srv;
	size_t log0; /* first log entry after the handshake */
	/* Half-close: the states halfway through the reply. */
	enum erg_tcp_state mid_cli;
	enum erg_tcp_state mid_srv;
};

/*
 * Two hosts, a connection from 1 to 2 that exchanged cli_bytes and
 * srv_bytes (read by the other side), every frame logged.
 */
static struct pair *
pair_open(struct sim *sim, const char *name, uint64_t seed, uint64_t cli_bytes,
    uint64_t srv_bytes)
{
	struct pair *p = sim_calloc(sim, 1, sizeof(*p));

	sim_start(sim, name, seed, &wire);
	sim_log_start(sim, NULL, NULL);
	p->c = sim_add(sim, NULL, 1);
	p->s = sim_add(sim, NULL, 2);
	sim_app_init(&p->cli, sim, 0x100 + seed, cli_bytes);
	sim_app_init(&p->srv, sim, 0x200 + seed, srv_bytes);
	sim_tcp_pair(sim, p->c, p->s, PORT, &p->cli, &p->srv);
	sim_app_pump(&p->cli);
	sim_app_pump(&p->srv);
	sim_run_for(sim, 100 * SIM_MS);
	assert_true(p->srv.rx_done == cli_bytes);
	assert_true(p->cli.rx_done == srv_bytes);
	assert_true(p->srv.rx_hash == sim_stream_hash(0x100 + seed, cli_bytes));
	assert_true(p->cli.rx_hash == sim_stream_hash(0x200 + seed, srv_bytes));
	p->log0 = sim->nlog;
	return p;
}

/* TCP frames in the log from index i on, sent by node n, with flags. */
static unsigned
count_tcp(const struct sim *sim, size_t i, const struct sim_node *n,
    uint8_t flags)
{
	unsigned k = 0;

	for (; i < sim->nlog; i++) {
		const struct sim_frame *f = &sim->log[i];

		if (f->from == n->port && f->tcp_hdr != 0 &&
		    (f->tcp_flags & flags) == flags) {
			k++;
		}
	}
	return k;
}

static enum erg_tcp_state
state_of(const struct sim_app *a)
{
	struct erg_tcp_info info;

	assert_non_null(a->c);
	erg_tcp_info(a->c, &info);
	return info.state;
}

static uint64_t
tw(const struct sim_node *n)
{
	return sim_stat(n, ERG_STAT_TCP_TIMEWAIT_IN_USE);
}

/* The final checks every test makes. */
static void
pair_done(struct sim *sim, struct pair *p)
{
	assert_true(sim_run_until_no_conns(sim, 10 * 60 * SIM_SEC));
	sim_run_for(sim, SIM_SEC);
	assert_int_equal(sim_stat(p->c, ERG_STAT_TCP_LISTENERS_IN_USE), 0);
	assert_int_equal(sim_stat(p->s, ERG_STAT_TCP_LISTENERS_IN_USE), 0);
	sim_assert_no_leaks(sim);
	sim_assert_wire_balanced(sim);
	sim_pass(sim);
}

static bool
both_closed(struct sim *sim, void *ctx)
{
	const struct pair *p = ctx;

	(void)sim;
	return p->cli.closed && p->srv.closed;
}

static bool
cli_eof(struct sim *sim, void *ctx)
{
	const struct pair *p = ctx;

	(void)sim;
	return p->cli.rx_eof || p->cli.err != 0;
}

static bool
cli_error(struct sim *sim, void *ctx)
{
	const struct pair *p = ctx;

	(void)sim;
	return p->cli.err != 0;
}

/* ---- Graceful closes ----------------------------------------------------- */

/*
 * Active close: the client closes first. Its FIN goes out, the server
 * sees PEER_CLOSED and end of stream (read returns 0) in CLOSE-WAIT,
 * closes in turn, and both connections are freed; the client, which
 * closed first, keeps a TIME-WAIT entry for 2 MSL (RFC 9293 3.6), the
 * server none. One FIN each way, no RST.
 */
static void
test_active_close_client_fin_first_client_keeps_time_wait(void **state)
{
	struct sim *sim = *state;
	struct pair *p = pair_open(sim, "sim_tcp_close_active", 1, 100, 100);
	char b;

	sim_app_close(&p->cli);
	sim_run_for(sim, 10 * SIM_MS);
	assert_int_equal(p->srv.n_peer_closed, 1);
	assert_true(p->srv.rx_eof);
	assert_int_equal(state_of(&p->srv), ERG_TCP_CLOSE_WAIT);
	/* End of stream stays end of stream. */
	assert_int_equal(erg_tcp_read(p->srv.c, &b, 1), 0);
	assert_int_equal(erg_tcp_error(p->srv.c), 0);
	sim_app_close(&p->srv);
	assert_true(sim_run_until_no_conns(sim, SIM_SEC));

	assert_int_equal(count_tcp(sim, p->log0, p->c, ERG_TCP_FIN), 1);
	assert_int_equal(count_tcp(sim, p->log0, p->s, ERG_TCP_FIN), 1);
	assert_int_equal(count_tcp(sim, p->log0, p->c, ERG_TCP_RST), 0);
	assert_int_equal(count_tcp(sim, p->log0, p->s, ERG_TCP_RST), 0);
	assert_int_equal(tw(p->c), 1);
	assert_int_equal(tw(p->s), 0);
	/* TIME-WAIT lasts 2 MSL, then the entry goes too. */
	sim_run_for(sim, 2 * MSL * SIM_SEC - 10 * SIM_MS);
	assert_int_equal(tw(p->c), 1);
	sim_run_for(sim, SIM_SEC);
	assert_int_equal(tw(p->c), 0);
	pair_done(sim, p);
}

/*
 * Passive close: the server closes first; the client gets PEER_CLOSED
 * and end of stream in CLOSE-WAIT, closes, and its connection is freed
 * once its FIN is acknowledged (LAST-ACK), with no TIME-WAIT; the server
 * keeps the TIME-WAIT entry.
 */
static void
test_passive_close_client_answers_fin_no_time_wait(void **state)
{
	struct sim *sim = *state;
	struct pair *p = pair_open(sim, "sim_tcp_close_passive", 2, 10, 10);

	sim_app_close(&p->srv);
	assert_true(sim_run_until(sim, cli_eof, p, SIM_SEC));
	assert_int_equal(p->cli.n_peer_closed, 1);
	assert_int_equal(p->cli.err, 0);
	assert_int_equal(state_of(&p->cli), ERG_TCP_CLOSE_WAIT);
	sim_run_for(sim, 100 * SIM_MS);
	assert_int_equal(sim_conns(p->c), 1);
	assert_int_equal(sim_conns(p->s), 1); /* FIN-WAIT-2 */
	sim_app_close(&p->cli);
	/* One round trip: FIN out, ACK back, both freed. */
	sim_run_for(sim, 2 * DELAY + 1);
	assert_int_equal(sim_conns(p->c), 0);
	assert_int_equal(sim_conns(p->s), 0);
	assert_int_equal(tw(p->c), 0);
	assert_int_equal(tw(p->s), 1);
	assert_int_equal(count_tcp(sim, p->log0, p->c, ERG_TCP_FIN), 1);
	assert_int_equal(count_tcp(sim, p->log0, p->s, ERG_TCP_FIN), 1);
	assert_int_equal(count_tcp(sim, p->log0, p->c, ERG_TCP_RST), 0);
	assert_int_equal(count_tcp(sim, p->log0, p->s, ERG_TCP_RST), 0);
	pair_done(sim, p);
}

/*
 * Simultaneous close: both ends call erg_tcp_close in the same step, the
 * FINs cross, each end goes FIN-WAIT-1 -> CLOSING -> TIME-WAIT (RFC 9293
 * figure 13), so both keep a TIME-WAIT entry. One FIN each, no RST, and
 * no FIN retransmitted.
 */
static void
test_simultaneous_close_fins_cross_both_keep_time_wait(void **state)
{
	struct sim *sim = *state;
	struct pair *p = pair_open(sim, "sim_tcp_close_simul", 3, 1000, 1000);
	uint64_t t0 = sim->now;

	sim_app_close(&p->cli);
	sim_app_close(&p->srv);
	assert_true(sim_run_until_no_conns(sim, SIM_SEC));
	/* FINs cross in one delay, ACKs in the next: freed at 2 delays. */
	assert_true(sim->now == t0 + 2 * DELAY);
	assert_int_equal(count_tcp(sim, p->log0, p->c, ERG_TCP_FIN), 1);
	assert_int_equal(count_tcp(sim, p->log0, p->s, ERG_TCP_FIN), 1);
	assert_int_equal(count_tcp(sim, p->log0, p->c, ERG_TCP_RST), 0);
	assert_int_equal(count_tcp(sim, p->log0, p->s, ERG_TCP_RST), 0);
	assert_int_equal(tw(p->c), 1);
	assert_int_equal(tw(p->s), 1);
	assert_int_equal(sim_stat(p->c, ERG_STAT_TCP_RETRANSMITS), 0);
	assert_int_equal(sim_stat(p->s, ERG_STAT_TCP_RETRANSMITS), 0);
	pair_done(sim, p);
}

/* ---- Half-close ---------------------------------------------------------- */

#define HALF_REPLY (1u << 20)

static bool
half_server(struct sim *sim, void *ctx)
{
	struct pair *p = ctx;

	(void)sim;
	/* The request ended (FIN read): answer with a megabyte. */
	if (p->srv.rx_eof && p->srv.tx_total == 0) {
		p->srv.tx_total = HALF_REPLY;
		p->srv.tx_shut = true;
		sim_app_pump(&p->srv);
	}
	if (p->mid_cli == ERG_TCP_CLOSED && p->cli.rx_done >= HALF_REPLY / 2) {
		p->mid_cli = state_of(&p->cli);
		p->mid_srv = state_of(&p->srv);
	}
	return p->cli.rx_eof;
}

/*
 * Half-close: the client sends a request and shuts its send side; the
 * server reads the request and its end, then sends a megabyte, which the
 * client (FIN-WAIT-2, still receiving) reads whole; writing after the
 * shutdown fails with -ERG_ESTATE. Then both close and are freed.
 */
static void
test_half_close_shut_client_still_receives_1mb(void **state)
{
	struct sim *sim = *state;
	struct pair *p = pair_open(sim, "sim_tcp_close_half", 4, 0, 0);
	struct erg_tcp_info info;

	p->cli.tx_total = 300;
	p->cli.tx_shut = true;
	p->srv.tx_seed = 0x4444;
	sim_app_pump(&p->cli);
	assert_true(p->cli.tx_shut_done);
	assert_int_equal(erg_tcp_write(p->cli.c, "x", 1), -ERG_ESTATE);
	assert_int_equal(erg_tcp_shutdown(p->cli.c), -ERG_ESTATE);
	assert_true(sim_run_until(sim, half_server, p, 60 * SIM_SEC));

	assert_true(p->srv.rx_done == 300);
	assert_true(p->srv.rx_hash == sim_stream_hash(0x100 + 4, 300));
	assert_true(p->cli.rx_done == HALF_REPLY);
	assert_true(p->cli.rx_hash == sim_stream_hash(0x4444, HALF_REPLY));
	/* Halfway: the client's FIN acknowledged, the server's not sent. */
	assert_int_equal(p->mid_cli, ERG_TCP_FIN_WAIT_2);
	assert_int_equal(p->mid_srv, ERG_TCP_CLOSE_WAIT);
	assert_int_equal(p->cli.io_err, 0);
	assert_int_equal(p->srv.io_err, 0);
	erg_tcp_info(p->cli.c, &info);
	assert_true(info.bytes_received == HALF_REPLY);
	assert_true(info.bytes_acked == 300);
	/*
	 * Both FINs arrived and were acknowledged: the client, which shut
	 * first, is in TIME-WAIT, the server done (CLOSED without error),
	 * both still the application's.
	 */
	sim_run_for(sim, 100 * SIM_MS);
	assert_int_equal(state_of(&p->cli), ERG_TCP_TIME_WAIT);
	assert_int_equal(state_of(&p->srv), ERG_TCP_CLOSED);
	assert_int_equal(erg_tcp_error(p->cli.c), 0);
	assert_int_equal(erg_tcp_error(p->srv.c), 0);
	sim_app_close(&p->cli);
	sim_app_close(&p->srv);
	assert_int_equal(count_tcp(sim, p->log0, p->c, ERG_TCP_RST), 0);
	assert_int_equal(count_tcp(sim, p->log0, p->s, ERG_TCP_RST), 0);
	pair_done(sim, p);
}

/* ---- Resets -------------------------------------------------------------- */

/*
 * erg_tcp_abort: the aborting server sends one RST and its connection is
 * freed at once; the client gets ERG_TCP_EV_RESET with -ERG_ECONNRESET,
 * sits in CLOSED with every call returning that error, and keeps its
 * connection until it closes it. Nobody keeps TIME-WAIT.
 */
static void
test_abort_sends_rst_frees_at_once_peer_gets_econnreset(void **state)
{
	struct sim *sim = *state;
	struct pair *p = pair_open(sim, "sim_tcp_close_abort", 5, 10, 10);
	struct erg_view v[1];
	struct erg_wview w[2];
	char b;

	sim_app_abort(&p->srv);
	assert_int_equal(sim_conns(p->s), 0);
	assert_int_equal(sim_stat(p->s, ERG_STAT_TCP_RST_TX), 1);
	assert_true(sim_run_until(sim, cli_error, p, SIM_SEC));
	assert_int_equal(p->cli.n_reset, 1);
	assert_int_equal(p->cli.n_peer_closed, 0);
	assert_int_equal(p->cli.err, -ERG_ECONNRESET);
	assert_int_equal(sim_stat(p->c, ERG_STAT_TCP_RST_RX), 1);
	assert_int_equal(state_of(&p->cli), ERG_TCP_CLOSED);
	assert_int_equal(erg_tcp_error(p->cli.c), -ERG_ECONNRESET);
	assert_int_equal(erg_tcp_read(p->cli.c, &b, 1), -ERG_ECONNRESET);
	assert_int_equal(erg_tcp_write(p->cli.c, "x", 1), -ERG_ECONNRESET);
	assert_int_equal(erg_tcp_peek(p->cli.c, v, 1), -ERG_ECONNRESET);
	assert_int_equal(erg_tcp_reserve(p->cli.c, w), -ERG_ECONNRESET);
	/* Still the application's until it lets go. */
	sim_run_for(sim, SIM_SEC);
	assert_int_equal(sim_conns(p->c), 1);
	sim_app_close(&p->cli);
	assert_int_equal(sim_conns(p->c), 0);
	sim_run_for(sim, SIM_SEC);
	assert_int_equal(count_tcp(sim, p->log0, p->s, ERG_TCP_RST), 1);
	assert_int_equal(count_tcp(sim, p->log0, p->c, ERG_TCP_RST), 0);
	assert_int_equal(count_tcp(sim, p->log0, p->c, ERG_TCP_FIN), 0);
	assert_int_equal(tw(p->c), 0);
	assert_int_equal(tw(p->s), 0);
	pair_done(sim, p);
}

static bool
srv_got_1mb(struct sim *sim, void *ctx)
{
	struct pair *p = ctx;

	(void)sim;
	if (p->srv.c != NULL && p->srv.rx_done >= (1u << 20)) {
		sim_app_abort(&p->srv);
	}
	return p->cli.err != 0;
}

/*
 * RST from the peer in the middle of a transfer: the server aborts after
 * a megabyte of 8; the client's next write fails with -ERG_ECONNRESET,
 * its queued data is dropped, and it sends no RST back (RFC 9293
 * 3.10.7.4: never answer a RST). The segments still in flight reach a
 * server with no connection and draw RSTs, which the client ignores.
 */
static void
test_rst_mid_transfer_write_fails_econnreset_queue_dropped(void **state)
{
	struct sim *sim = *state;
	struct pair *p = pair_open(sim, "sim_tcp_close_rst_mid", 6, 0, 0);

	p->cli.tx_total = 8u << 20;
	sim_app_pump(&p->cli);
	assert_true(sim_run_until(sim, srv_got_1mb, p, 60 * SIM_SEC));
	assert_int_equal(p->cli.n_reset, 1);
	assert_int_equal(p->cli.err, -ERG_ECONNRESET);
	assert_true(p->cli.tx_done < (8u << 20));
	assert_int_equal(erg_tcp_write(p->cli.c, "x", 1), -ERG_ECONNRESET);
	assert_int_equal(erg_tcp_writable(p->cli.c), 0);
	sim_run_for(sim, SIM_SEC);
	assert_int_equal(count_tcp(sim, p->log0, p->c, ERG_TCP_RST), 0);
	assert_true(count_tcp(sim, p->log0, p->s, ERG_TCP_RST) >= 1);
	assert_int_equal(sim_conns(p->s), 0);
	assert_int_equal(sim_conns(p->c), 1);
	sim_app_close(&p->cli);
	pair_done(sim, p);
}

/*
 * Close with unread data: the server has 100 bytes it never read and
 * closes; RFC 2525 2.17 (and RFC 9293 3.10.4) say to reset, not FIN, so
 * the peer knows data was lost. The client sees RESET and
 * -ERG_ECONNRESET; the server's connection is freed at once.
 */
static void
test_close_with_unread_data_resets_peer(void **state)
{
	struct sim *sim = *state;
	struct pair *p = pair_open(sim, "sim_tcp_close_unread", 7, 0, 0);

	p->srv.rx_hold = true;
	p->cli.tx_total = 100;
	sim_app_pump(&p->cli);
	sim_run_for(sim, 100 * SIM_MS);
	assert_int_equal(erg_tcp_readable(p->srv.c), 100);
	sim_app_close(&p->srv);
	assert_int_equal(sim_conns(p->s), 0);
	assert_true(sim_run_until(sim, cli_error, p, SIM_SEC));
	assert_int_equal(p->cli.n_reset, 1);
	assert_int_equal(p->cli.err, -ERG_ECONNRESET);
	assert_int_equal(count_tcp(sim, p->log0, p->s, ERG_TCP_RST), 1);
	assert_int_equal(count_tcp(sim, p->log0, p->s, ERG_TCP_FIN), 0);
	assert_int_equal(tw(p->s), 0);
	sim_app_close(&p->cli);
	pair_done(sim, p);
}

/* ---- Timeouts ------------------------------------------------------------ */

struct vanish {
	unsigned port; /* IPv4 frames from this port are dropped */
	bool on;
};

/*
 * The peer's TCP is gone but its ARP still answers, so that the
 * retransmissions all reach the wire (and the log).
 */
static bool
drop_ip_from(void *ctx, const struct sim_frame *f)
{
	const struct vanish *v = ctx;

	return v->on && f->from == v->port && f->type == ERG_ETHERTYPE_IPV4;
}

/*
 * Times at which node n sent data at the sequence number of its first
 * data segment from log index i on (the first send, then every
 * retransmission); returns how many (at most max are stored).
 */
static unsigned
data_times(const struct sim *sim, size_t i, const struct sim_node *n,
    uint64_t *t, unsigned max)
{
	unsigned k = 0;
	uint32_t seq = 0;

	for (; i < sim->nlog; i++) {
		const struct sim_frame *f = &sim->log[i];

		if (f->from != n->port || f->tcp_hdr == 0 || f->tcp_len == 0) {
			continue;
		}
		if (k == 0) {
			seq = f->seq;
		} else if (f->seq != seq) {
			continue;
		}
		if (k < max) {
			t[k] = f->t;
		}
		k++;
	}
	return k;
}

/*
 * The peer vanishes (every IP frame from the server is dropped): the client
 * retransmits its oldest segment tcp_retries (12) times with the RTO
 * doubling (RFC 6298 5.5), then gives up with ERG_TCP_EV_TIMEDOUT and
 * -ERG_ETIMEDOUT; the connection stays, in CLOSED, until closed.
 */
static void
test_peer_vanishes_retransmits_12_times_then_etimedout(void **state)
{
	struct sim *sim = *state;
	struct pair *p = pair_open(sim, "sim_tcp_close_vanish", 8, 0, 0);
	struct vanish v;
	uint64_t t[13];
	unsigned n, i;
	char b;

	v.port = p->s->port;
	v.on = true;
	sim_log_start(sim, drop_ip_from, &v);
	p->cli.tx_total = 1000;
	sim_app_pump(&p->cli);
	assert_true(sim_run_until(sim, cli_error, p, 3600 * SIM_SEC));
	assert_int_equal(p->cli.n_timedout, 1);
	assert_int_equal(p->cli.n_reset, 0);
	assert_int_equal(p->cli.err, -ERG_ETIMEDOUT);
	assert_int_equal(erg_tcp_error(p->cli.c), -ERG_ETIMEDOUT);
	assert_int_equal(state_of(&p->cli), ERG_TCP_CLOSED);
	assert_int_equal(erg_tcp_read(p->cli.c, &b, 1), -ERG_ETIMEDOUT);
	assert_int_equal(erg_tcp_write(p->cli.c, "x", 1), -ERG_ETIMEDOUT);
	assert_int_equal(sim_stat(p->c, ERG_STAT_TCP_TIMEOUTS), 1);
	/*
	 * One send and 12 retransmissions of the same bytes, each RTO at
	 * least 200 ms and double the one before until the 60 s ceiling.
	 */
	n = data_times(sim, p->log0, p->c, t, 13);
	assert_int_equal(n, 13);
	assert_int_equal(sim_stat(p->c, ERG_STAT_TCP_RETRANSMITS), 12);
	/* 12 expiries resent, the 13th gave up. */
	assert_int_equal(sim_stat(p->c, ERG_STAT_TCP_RTO), 13);
	assert_true(t[1] - t[0] >= 200 * SIM_MS);
	for (i = 2; i < n; i++) {
		uint64_t gap = t[i] - t[i - 1], prev = t[i - 1] - t[i - 2];

		assert_true(gap == 2 * prev || gap == 60 * SIM_SEC);
	}
	/* The last retransmission gets its own RTO before giving up. */
	assert_true(p->cli.t_end > t[12]);
	assert_int_equal(sim_conns(p->c), 1);
	sim_app_close(&p->cli);
	assert_int_equal(sim_conns(p->c), 0);

	/* The server got everything; it lets go too (a RST, ignored). */
	assert_true(p->srv.rx_done == 1000);
	v.on = false;
	sim_app_abort(&p->srv);
	pair_done(sim, p);
}

/* ---- Failed opens ---------------------------------------------------------
 */

static bool
app_error(struct sim *sim, void *ctx)
{
	const struct sim_app *a = ctx;

	(void)sim;
	return a->err != 0;
}

/*
 * Connecting to a port nobody listens on: the server answers the SYN
 * with RST|ACK (RFC 9293 3.10.7.1) one round trip later, and the client
 * sees ERG_TCP_EV_RESET with -ERG_ECONNREFUSED, never CONNECTED; its
 * connection stays, CLOSED, until it is closed.
 */
static void
test_connect_to_closed_port_reset_econnrefused(void **state)
{
	struct sim *sim = *state;
	struct sim_node *c, *s;
	struct sim_app a;
	char b;

	sim_start(sim, "sim_tcp_close_refused", 9, &wire);
	sim_log_start(sim, NULL, NULL);
	c = sim_add(sim, NULL, 1);
	s = sim_add(sim, NULL, 2);
	sim_run_for(sim, 10 * SIM_MS); /* the announcements pass */
	sim_app_init(&a, sim, 0, 0);
	assert_int_equal(
	    erg_tcp_connect(c->s, s->addr, 9, 0, sim_app_cb, &a, &a.c), 0);
	assert_true(sim_run_until(sim, app_error, &a, 10 * SIM_SEC));
	/* ARP there and back, then the SYN and the RST. */
	assert_true(a.t_end == 10 * SIM_MS + 4 * DELAY);
	assert_int_equal(a.n_reset, 1);
	assert_int_equal(a.n_connected, 0);
	assert_int_equal(a.err, -ERG_ECONNREFUSED);
	assert_int_equal(state_of(&a), ERG_TCP_CLOSED);
	assert_int_equal(erg_tcp_read(a.c, &b, 1), -ERG_ECONNREFUSED);
	assert_int_equal(sim_stat(s, ERG_STAT_TCP_NO_LISTENER), 1);
	assert_int_equal(sim_stat(s, ERG_STAT_TCP_RST_TX), 1);
	assert_int_equal(sim_stat(c, ERG_STAT_TCP_RST_RX), 1);
	assert_int_equal(sim_stat(c, ERG_STAT_TCP_ACTIVE_OPENS), 1);
	assert_int_equal(count_tcp(sim, 0, c, ERG_TCP_SYN), 1);
	assert_int_equal(count_tcp(sim, 0, s, ERG_TCP_RST | ERG_TCP_ACK), 1);
	assert_int_equal(sim_conns(c), 1);
	sim_app_close(&a);
	assert_int_equal(sim_conns(c), 0);
	assert_int_equal(sim_conns(s), 0);
	sim_run_for(sim, SIM_SEC);
	assert_int_equal(tw(c), 0);
	sim_assert_no_leaks(sim);
	sim_assert_wire_balanced(sim);
	sim_pass(sim);
}

/* IPv4 frames to the given port vanish; ARP still passes. */
static bool
drop_ip_to(void *ctx, const struct sim_frame *f)
{
	const unsigned *port = ctx;

	return f->to == *port && f->type == ERG_ETHERTYPE_IPV4;
}

/*
 * Connecting to a host that answers ARP but never TCP: the SYN is sent
 * once and retransmitted tcp_syn_retries (6) times, 1, 2, 4, 8, 16 and
 * 32 s apart (RFC 6298 2.1 and 5.5: initial RTO 1 s, doubled), then the
 * client gives up with ERG_TCP_EV_TIMEDOUT and -ERG_ETIMEDOUT.
 */
static void
test_connect_to_silent_host_7_syns_then_etimedout(void **state)
{
	struct sim *sim = *state;
	struct sim_node *c, *s;
	struct sim_app a;
	uint64_t t[8];
	unsigned n = 0, port;
	size_t i;

	sim_start(sim, "sim_tcp_close_silent", 10, &wire);
	c = sim_add(sim, NULL, 1);
	s = sim_add(sim, NULL, 2);
	port = s->port;
	sim_log_start(sim, drop_ip_to, &port);
	/* Resolved first, so that the first SYN leaves at once. */
	assert_int_equal(erg_icmp_echo_send(c->s, s->addr, 1, 1, "", 0), 0);
	sim_run_for(sim, 10 * SIM_MS);
	sim_app_init(&a, sim, 0, 0);
	assert_int_equal(
	    erg_tcp_connect(c->s, s->addr, PORT, 0, sim_app_cb, &a, &a.c), 0);
	assert_int_equal(state_of(&a), ERG_TCP_SYN_SENT);
	assert_true(sim_run_until(sim, app_error, &a, 3600 * SIM_SEC));
	for (i = 0; i < sim->nlog; i++) {
		const struct sim_frame *f = &sim->log[i];

		if (f->from == c->port && f->tcp_hdr != 0) {
			assert_int_equal(f->tcp_flags, ERG_TCP_SYN);
			assert_true(f->dropped);
			if (n < 8) {
				t[n] = f->t;
			}
			n++;
		}
	}
	assert_int_equal(n, 7);
	for (i = 1; i < 7; i++) {
		assert_true(t[i] - t[i - 1] == (SIM_SEC << (i - 1)));
	}
	/* The last SYN's RTO (64 s, held to the 60 s ceiling) runs out. */
	assert_true(t[0] == 10 * SIM_MS);
	assert_true(a.t_end == t[6] + 60 * SIM_SEC);
	assert_int_equal(a.n_timedout, 1);
	assert_int_equal(a.n_connected, 0);
	assert_int_equal(a.err, -ERG_ETIMEDOUT);
	assert_int_equal(state_of(&a), ERG_TCP_CLOSED);
	assert_int_equal(sim_stat(c, ERG_STAT_TCP_TIMEOUTS), 1);
	assert_int_equal(sim_stat(s, ERG_STAT_TCP_RX), 0);
	assert_int_equal(sim_stat(c, ERG_STAT_TCP_RETRANSMITS), 6);
	sim_app_close(&a);
	assert_int_equal(sim_conns(c), 0);
	sim_assert_no_leaks(sim);
	sim_assert_wire_balanced(sim);
	sim_pass(sim);
}

/* ---- Simultaneous open ----------------------------------------------------
 */

#define SO_PORT_A 5000u
#define SO_PORT_B 6000u

static bool
both_connected(struct sim *sim, void *ctx)
{
	const struct pair *p = ctx;

	(void)sim;
	return p->cli.n_connected == 1 && p->srv.n_connected == 1;
}

/*
 * Simultaneous open: each host connects to the other's fixed port from
 * its own fixed port in the same step. The SYNs cross, each end answers
 * SYN-ACK from SYN-RECEIVED (RFC 9293 figure 7), both report CONNECTED,
 * exchange data both ways and close cleanly. Each end sends exactly two
 * SYN-flagged segments (SYN, then SYN-ACK) and no RST.
 */
static void
test_simultaneous_open_fixed_ports_both_connect_and_talk(void **state)
{
	struct sim *sim = *state;
	struct pair *p = sim_calloc(sim, 1, sizeof(*p));
	struct erg_tcp_info ia, ib;

	/*
	 * Regression (fixed): src/tcp/tcp_input.c tcp_conn_input finds the
	 * peer's SYN-ACK out of window in SYN-RECEIVED (its SYN was already
	 * taken in SYN-SENT) and only sets TCPF_ACK_NOW, and erg_tcp_output
	 * sends nothing in SYN-RECEIVED, so neither the RFC 9293 ACK nor the
	 * handshake ever happens: both ends retransmit SYN-ACKs until they
	 * time out. Passes with the SYN-ACK accepted as the ACK of our SYN
	 * (as Linux does) or with the ACK sent.
	 */
	sim_start(sim, "sim_tcp_close_simul_open", 11, &wire);
	sim_log_start(sim, NULL, NULL);
	p->c = sim_add(sim, NULL, 1);
	p->s = sim_add(sim, NULL, 2);
	/* Resolve both ways first, so that the SYNs really cross. */
	assert_int_equal(erg_icmp_echo_send(p->c->s, p->s->addr, 1, 1, "", 0),
	    0);
	assert_int_equal(erg_icmp_echo_send(p->s->s, p->c->addr, 1, 1, "", 0),
	    0);
	sim_run_for(sim, 10 * SIM_MS);
	p->log0 = sim->nlog;

	sim_app_init(&p->cli, sim, 0xa, 0);
	sim_app_init(&p->srv, sim, 0xb, 0);
	assert_int_equal(erg_tcp_connect(p->c->s, p->s->addr, SO_PORT_B,
	                     SO_PORT_A, sim_app_cb, &p->cli, &p->cli.c),
	    0);
	assert_int_equal(erg_tcp_connect(p->s->s, p->c->addr, SO_PORT_A,
	                     SO_PORT_B, sim_app_cb, &p->srv, &p->srv.c),
	    0);
	assert_true(sim_run_until(sim, both_connected, p, 10 * SIM_SEC));
	erg_tcp_info(p->cli.c, &ia);
	erg_tcp_info(p->srv.c, &ib);
	assert_int_equal(ia.state, ERG_TCP_ESTABLISHED);
	assert_int_equal(ib.state, ERG_TCP_ESTABLISHED);
	assert_int_equal(ia.lport, SO_PORT_A);
	assert_int_equal(ia.rport, SO_PORT_B);
	assert_int_equal(ib.lport, SO_PORT_B);
	assert_int_equal(ib.rport, SO_PORT_A);
	assert_true(ia.ts_ok && ib.ts_ok);
	assert_int_equal(count_tcp(sim, p->log0, p->c, ERG_TCP_SYN), 2);
	assert_int_equal(count_tcp(sim, p->log0, p->s, ERG_TCP_SYN), 2);
	assert_int_equal(
	    count_tcp(sim, p->log0, p->c, ERG_TCP_SYN | ERG_TCP_ACK), 1);
	assert_int_equal(
	    count_tcp(sim, p->log0, p->s, ERG_TCP_SYN | ERG_TCP_ACK), 1);

	p->cli.tx_total = 5000;
	p->srv.tx_total = 7000;
	p->cli.close = p->srv.close = SIM_CLOSE_EOF;
	p->cli.tx_shut = p->srv.tx_shut = true;
	sim_app_pump(&p->cli);
	sim_app_pump(&p->srv);
	assert_true(sim_run_until(sim, both_closed, p, 10 * SIM_SEC));
	assert_true(p->srv.rx_done == 5000);
	assert_true(p->srv.rx_hash == sim_stream_hash(0xa, 5000));
	assert_true(p->cli.rx_done == 7000);
	assert_true(p->cli.rx_hash == sim_stream_hash(0xb, 7000));
	assert_int_equal(sim_stat(p->c, ERG_STAT_TCP_ACTIVE_OPENS), 1);
	assert_int_equal(sim_stat(p->s, ERG_STAT_TCP_ACTIVE_OPENS), 1);
	assert_int_equal(sim_stat(p->c, ERG_STAT_TCP_PASSIVE_OPENS), 0);
	assert_int_equal(sim_stat(p->s, ERG_STAT_TCP_PASSIVE_OPENS), 0);
	assert_int_equal(count_tcp(sim, p->log0, p->c, ERG_TCP_RST), 0);
	assert_int_equal(count_tcp(sim, p->log0, p->s, ERG_TCP_RST), 0);
	pair_done(sim, p);
}

#define T(f) cmocka_unit_test_setup_teardown(f, sim_setup, sim_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_active_close_client_fin_first_client_keeps_time_wait),
		T(test_passive_close_client_answers_fin_no_time_wait),
		T(test_simultaneous_close_fins_cross_both_keep_time_wait),
		T(test_half_close_shut_client_still_receives_1mb),
		T(test_abort_sends_rst_frees_at_once_peer_gets_econnreset),
		T(test_rst_mid_transfer_write_fails_econnreset_queue_dropped),
		T(test_close_with_unread_data_resets_peer),
		T(test_peer_vanishes_retransmits_12_times_then_etimedout),
		T(test_connect_to_closed_port_reset_econnrefused),
		T(test_connect_to_silent_host_7_syns_then_etimedout),
		T(test_simultaneous_open_fixed_ports_both_connect_and_talk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
