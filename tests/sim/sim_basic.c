/*
 * tests/sim/sim_basic.c: two or three stacks on one loop wire (100 us of
 * delay, no loss): ARP resolution before the first datagram, ping, UDP
 * echo of every unfragmented payload size, limited and directed
 * broadcast, ICMP port unreachable delivered to the sending socket, and
 * the ICMP error rate limit (RFC 1812 4.3.2.8).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "lib/sim.h"

#define DELAY        100ull /* one-way wire delay, us */
#define ECHO_PORT    7u
#define MAX_UDP_1500 1472u /* 1500 - 20 (IPv4) - 8 (UDP) */

static const struct erg_loop_impair wire = { 0, 0, 0, 0, DELAY, 0 };

/* ---- Ping -------------------------------------------------------------- */

#define PINGS 5u

struct pings {
	unsigned n;
	uint32_t from[PINGS];
	uint16_t id[PINGS];
	uint16_t seq[PINGS];
	size_t len[PINGS];
	uint64_t hash[PINGS];
	uint64_t at[PINGS];
};

static void
on_echo(void *ctx, uint32_t from, uint16_t id, uint16_t seq,
    struct erg_view data, uint64_t now_us)
{
	struct pings *pg = ctx;

	assert_true(pg->n < PINGS);
	pg->from[pg->n] = from;
	pg->id[pg->n] = id;
	pg->seq[pg->n] = seq;
	pg->len[pg->n] = data.len;
	pg->hash[pg->n] = sim_hash(data.p, data.len);
	pg->at[pg->n] = now_us;
	pg->n++;
}

static bool
pings_done(struct sim *sim, void *ctx)
{
	const struct pings *pg = ctx;

	(void)sim;
	return pg->n == PINGS;
}

/*
 * A pings B five times before it knows B's MAC: the requests wait for ARP
 * (RFC 1122 2.3.2.2), leave in order once B answers, and each reply
 * carries the request's id, sequence and data. B learns A from A's
 * request (RFC 826 merge), so it never has to ask.
 */
static void
test_ping_waits_for_arp_then_replies_match_request(void **state)
{
	static const size_t sizes[PINGS] = { 0, 1, 56, 1000, MAX_UDP_1500 };
	struct sim *sim = *state;
	struct sim_node *a, *b;
	struct pings pg;
	uint64_t want[PINGS], t0;
	uint8_t buf[MAX_UDP_1500];
	unsigned i;

	sim_start(sim, "sim_basic_ping", 1, &wire);
	sim_log_start(sim, NULL, NULL);
	a = sim_add(sim, NULL, 1);
	b = sim_add(sim, NULL, 2);
	sim_run_for(sim, 10 * SIM_MS);
	/* Only B's gratuitous ARP (RFC 5227 3) had anyone to reach. */
	assert_int_equal(sim->nlog, 1);
	assert_int_equal(sim->log[0].arp_op, ERG_ARP_OP_REQUEST);
	assert_int_equal(sim->log[0].arp_spa, b->addr);
	assert_int_equal(sim->log[0].arp_tpa, b->addr);
	assert_int_equal(sim_stat(a, ERG_STAT_ARP_NOT_FOR_US), 1);

	memset(&pg, 0, sizeof(pg));
	erg_icmp_echo_handler_set(a->s, on_echo, &pg);
	t0 = sim->now;
	for (i = 0; i < PINGS; i++) {
		sim_fill(buf, sizes[i], 100 + i);
		want[i] = sim_hash(buf, sizes[i]);
		assert_int_equal(erg_icmp_echo_send(a->s, b->addr, 0x4242,
		                     (uint16_t)(i + 1), buf, sizes[i]),
		    0);
	}
	assert_true(sim_run_until(sim, pings_done, &pg, SIM_SEC));
	for (i = 0; i < PINGS; i++) {
		assert_int_equal(pg.from[i], b->addr);
		assert_int_equal(pg.id[i], 0x4242);
		assert_int_equal(pg.seq[i], i + 1);
		assert_int_equal(pg.len[i], sizes[i]);
		assert_true(pg.hash[i] == want[i]);
		/* Request, reply, pings, replies: four wire crossings. */
		assert_int_equal(pg.at[i], t0 + 4 * DELAY);
	}

	/* On the wire: ARP request and reply first, then the datagrams. */
	assert_int_equal(sim->nlog, 1 + 2 + 2 * PINGS);
	assert_int_equal(sim->log[1].from, a->port);
	assert_int_equal(sim->log[1].arp_op, ERG_ARP_OP_REQUEST);
	assert_int_equal(sim->log[1].arp_tpa, b->addr);
	assert_int_equal(sim->log[1].t, t0);
	assert_int_equal(sim->log[2].from, b->port);
	assert_int_equal(sim->log[2].arp_op, ERG_ARP_OP_REPLY);
	assert_memory_equal(sim->log[2].dst, a->mac, 6);
	assert_int_equal(sim->log[2].t, t0 + DELAY);
	for (i = 3; i < sim->nlog; i++) {
		assert_int_equal(sim->log[i].type, ERG_ETHERTYPE_IPV4);
		assert_int_equal(sim->log[i].from,
		    i < 3 + PINGS ? a->port : b->port);
		assert_int_equal(sim->log[i].t,
		    t0 + (i < 3 + PINGS ? 2 : 3) * DELAY);
	}

	/* Announce + one request each way at most; one reply from B. */
	assert_int_equal(sim_stat(a, ERG_STAT_ARP_REQUEST_TX), 2);
	assert_int_equal(sim_stat(a, ERG_STAT_ARP_REPLY_TX), 0);
	assert_int_equal(sim_stat(b, ERG_STAT_ARP_REQUEST_TX), 1);
	assert_int_equal(sim_stat(b, ERG_STAT_ARP_REPLY_TX), 1);
	assert_int_equal(sim_stat(a, ERG_STAT_ARP_ENTRIES_IN_USE), 1);
	assert_int_equal(sim_stat(b, ERG_STAT_ARP_ENTRIES_IN_USE), 1);
	assert_int_equal(sim_stat(b, ERG_STAT_ICMP_ECHO_RX), PINGS);
	assert_int_equal(sim_stat(b, ERG_STAT_ICMP_ECHO_REPLY_TX), PINGS);
	assert_int_equal(sim_stat(a, ERG_STAT_ICMP_ECHO_REPLY_RX), PINGS);
	/* 1472 bytes of ICMP data fill a 1500-byte MTU exactly. */
	assert_int_equal(sim_stat(a, ERG_STAT_IPV4_FRAG_TX), 0);
	assert_int_equal(sim_stat(b, ERG_STAT_IPV4_FRAG_TX), 0);

	erg_icmp_echo_handler_set(a->s, NULL, NULL);
	sim_run_for(sim, SIM_SEC);
	sim_assert_no_leaks(sim);
	sim_assert_wire_balanced(sim);
	sim_pass(sim);
}

/* ---- UDP echo ---------------------------------------------------------- */

/* Sends every datagram it receives back to its sender. */
static void
echo_server_cb(struct erg_udp_sock *u, unsigned events, void *ctx)
{
	struct sim_node *n = ctx;
	struct erg_udp_dgram d;

	if ((events & ERG_EV_READABLE) == 0) {
		return;
	}
	while (erg_udp_recv(u, &d) == 0) {
		assert_int_equal(
		    erg_udp_sendto(u, d.src, d.src_port, d.data.p, d.data.len),
		    0);
		erg_pkt_free(n->s, d.pkt);
	}
}

#define ECHO_WINDOW 8u
#define ECHO_COUNT  (MAX_UDP_1500 + 1u) /* sizes 0..1472 */

struct echo_client {
	struct erg_udp_sock *u;
	uint32_t dst;
	unsigned sent;
	unsigned got;
	uint64_t want[ECHO_COUNT];
	uint8_t buf[MAX_UDP_1500 + 1];
};

/* Datagram i has i bytes, a function of i. */
static void
echo_client_send(struct echo_client *c)
{
	size_t len = c->sent;

	sim_fill(c->buf, len, 7000 + len);
	c->want[c->sent] = sim_hash(c->buf, len);
	assert_int_equal(erg_udp_sendto(c->u, c->dst, ECHO_PORT, c->buf, len),
	    0);
	c->sent++;
}

/* Checks each echo against what was sent, then sends the next size. */
static void
echo_client_cb(struct erg_udp_sock *u, unsigned events, void *ctx)
{
	struct echo_client *c = ctx;
	size_t len;
	uint32_t from;
	uint16_t port;

	assert_int_equal(events & ERG_EV_ERROR, 0);
	while (erg_udp_recvfrom(u, c->buf, sizeof(c->buf), &len, &from,
	           &port) == 0) {
		/* A perfect wire keeps order: reply i is datagram i. */
		assert_int_equal(len, c->got);
		assert_true(sim_hash(c->buf, len) == c->want[c->got]);
		assert_int_equal(from, c->dst);
		assert_int_equal(port, ECHO_PORT);
		c->got++;
		if (c->sent < ECHO_COUNT) {
			echo_client_send(c);
		}
	}
}

static bool
echo_done(struct sim *sim, void *ctx)
{
	const struct echo_client *c = ctx;

	(void)sim;
	return c->got == ECHO_COUNT;
}

/*
 * Every UDP payload size that fits one 1500-byte frame, 0 to 1472, makes
 * the round trip to an echo server byte for byte, eight in flight, and
 * none is fragmented.
 */
static void
test_udp_echo_every_size_0_to_1472_byte_for_byte(void **state)
{
	struct sim *sim = *state;
	struct sim_node *a, *b;
	struct erg_udp_sock *srv;
	struct echo_client *c;
	unsigned i;

	sim_start(sim, "sim_basic_udp_echo", 2, &wire);
	a = sim_add(sim, NULL, 1);
	b = sim_add(sim, NULL, 2);
	c = calloc(1, sizeof(*c));
	assert_non_null(c);
	assert_int_equal(erg_udp_open(b->s, echo_server_cb, b, &srv), 0);
	assert_int_equal(erg_udp_bind(srv, ERG_IPV4_ANY, ECHO_PORT), 0);
	assert_int_equal(erg_udp_open(a->s, echo_client_cb, c, &c->u), 0);
	assert_int_equal(erg_udp_bind(c->u, ERG_IPV4_ANY, 0), 0);
	assert_true(erg_udp_local_port(c->u) >= ERG_UDP_EPHEMERAL_MIN);
	c->dst = b->addr;
	for (i = 0; i < ECHO_WINDOW; i++) {
		echo_client_send(c);
	}
	assert_true(sim_run_until(sim, echo_done, c, 60 * SIM_SEC));

	assert_int_equal(sim_stat(a, ERG_STAT_UDP_TX), ECHO_COUNT);
	assert_int_equal(sim_stat(b, ERG_STAT_UDP_RX), ECHO_COUNT);
	assert_int_equal(sim_stat(b, ERG_STAT_UDP_TX), ECHO_COUNT);
	assert_int_equal(sim_stat(a, ERG_STAT_UDP_RX), ECHO_COUNT);
	assert_int_equal(sim_stat(a, ERG_STAT_UDP_BAD_CHECKSUM), 0);
	assert_int_equal(sim_stat(b, ERG_STAT_UDP_BAD_CHECKSUM), 0);
	assert_int_equal(sim_stat(a, ERG_STAT_IPV4_FRAG_TX), 0);
	assert_int_equal(sim_stat(b, ERG_STAT_IPV4_FRAG_TX), 0);
	assert_int_equal(sim_stat(b, ERG_STAT_UDP_RXQ_FULL), 0);
	/* One resolution: B answered A's request and learned A from it. */
	assert_int_equal(sim_stat(a, ERG_STAT_ARP_REQUEST_TX), 2);
	assert_int_equal(sim_stat(b, ERG_STAT_ARP_REQUEST_TX), 1);
	assert_int_equal(sim_stat(b, ERG_STAT_ARP_REPLY_TX), 1);
	assert_int_equal(erg_udp_pending(srv), 0);
	assert_int_equal(erg_udp_pending(c->u), 0);

	erg_udp_close(srv);
	erg_udp_close(c->u);
	free(c);
	sim_run_for(sim, SIM_SEC);
	sim_assert_no_leaks(sim);
	sim_assert_wire_balanced(sim);
	sim_pass(sim);
}

/* ---- Broadcast --------------------------------------------------------- */

#define BCAST_PORT 9999u

/*
 * A datagram to 255.255.255.255 and one to the subnet's directed broadcast
 * 198.18.0.255 reach B's socket bound to ANY, which sees the broadcast
 * destination; C's socket bound to C's unicast address does not get them,
 * and C answers no ICMP error for a broadcast (RFC 1122 3.2.2). Neither
 * needs ARP, and the sender does not hear its own broadcast.
 */
static void
test_udp_broadcast_reaches_sockets_bound_to_any_only(void **state)
{
	struct sim *sim = *state;
	struct sim_node *a, *b, *c;
	struct erg_udp_sock *ua, *ub, *uc;
	struct erg_udp_dgram d;
	struct erg_loop_stats w0, w1;
	uint64_t a_rx;

	sim_start(sim, "sim_basic_broadcast", 3, &wire);
	a = sim_add(sim, NULL, 1);
	b = sim_add(sim, NULL, 2);
	c = sim_add(sim, NULL, 3);
	sim_run_for(sim, 10 * SIM_MS);
	assert_int_equal(erg_udp_open(a->s, NULL, NULL, &ua), 0);
	assert_int_equal(erg_udp_bind(ua, ERG_IPV4_ANY, 5000), 0);
	assert_int_equal(erg_udp_open(b->s, NULL, NULL, &ub), 0);
	assert_int_equal(erg_udp_bind(ub, ERG_IPV4_ANY, BCAST_PORT), 0);
	assert_int_equal(erg_udp_open(c->s, NULL, NULL, &uc), 0);
	assert_int_equal(erg_udp_bind(uc, c->addr, BCAST_PORT), 0);

	a_rx = sim_stat(a, ERG_STAT_NETIF_RX);
	w0 = sim_wire_stats(sim);
	assert_int_equal(
	    erg_udp_sendto(ua, ERG_IPV4_BROADCAST, BCAST_PORT, "limited", 7),
	    0);
	assert_int_equal(erg_udp_sendto(ua, ERG_IPV4(198, 18, 0, 255),
	                     BCAST_PORT, "directed", 8),
	    0);
	sim_run_for(sim, 10 * SIM_MS);

	assert_int_equal(erg_udp_recv(ub, &d), 0);
	assert_int_equal(d.dst, ERG_IPV4_BROADCAST);
	assert_int_equal(d.src, a->addr);
	assert_int_equal(d.src_port, 5000);
	assert_int_equal(d.dst_port, BCAST_PORT);
	assert_int_equal(d.data.len, 7);
	assert_memory_equal(d.data.p, "limited", 7);
	erg_pkt_free(b->s, d.pkt);
	assert_int_equal(erg_udp_recv(ub, &d), 0);
	assert_int_equal(d.dst, ERG_IPV4(198, 18, 0, 255));
	assert_int_equal(d.data.len, 8);
	assert_memory_equal(d.data.p, "directed", 8);
	erg_pkt_free(b->s, d.pkt);
	assert_int_equal(erg_udp_recv(ub, &d), -ERG_EAGAIN);

	assert_int_equal(erg_udp_pending(uc), 0);
	assert_int_equal(sim_stat(c, ERG_STAT_UDP_NO_PORT), 2);
	assert_int_equal(sim_stat(c, ERG_STAT_ICMP_ERR_TX), 0);
	assert_int_equal(sim_stat(b, ERG_STAT_ICMP_ERR_TX), 0);
	/* Only the announce: broadcasts need no resolution. */
	assert_int_equal(sim_stat(a, ERG_STAT_ARP_REQUEST_TX), 1);
	/* Two frames, each flooded to the two other ports, none back. */
	w1 = sim_wire_stats(sim);
	assert_int_equal(w1.sent - w0.sent, 2);
	assert_int_equal(w1.copies - w0.copies, 4);
	assert_int_equal(sim_stat(a, ERG_STAT_NETIF_RX), a_rx);

	erg_udp_close(ua);
	erg_udp_close(ub);
	erg_udp_close(uc);
	sim_assert_no_leaks(sim);
	sim_assert_wire_balanced(sim);
	sim_pass(sim);
}

/* ---- ICMP errors ------------------------------------------------------- */

struct err_watch {
	unsigned events; /* callbacks with ERG_EV_ERROR */
	unsigned other;  /* callbacks without it */
};

static void
err_watch_cb(struct erg_udp_sock *u, unsigned events, void *ctx)
{
	struct err_watch *ew = ctx;

	(void)u;
	if ((events & ERG_EV_ERROR) != 0) {
		ew->events++;
	} else {
		ew->other++;
	}
}

static bool
err_seen(struct sim *sim, void *ctx)
{
	const struct err_watch *ew = ctx;

	(void)sim;
	return ew->events > 0;
}

/*
 * A datagram to a port nobody listens on comes back as ICMP port
 * unreachable (RFC 1122 4.1.3.1), which the sending socket sees as an
 * ERG_EV_ERROR event and -ERG_ECONNREFUSED from erg_udp_error, once.
 */
static void
test_icmp_port_unreachable_reaches_sender_as_econnrefused(void **state)
{
	struct sim *sim = *state;
	struct sim_node *a, *b;
	struct erg_udp_sock *u;
	struct err_watch ew;

	sim_start(sim, "sim_basic_port_unreach", 4, &wire);
	a = sim_add(sim, NULL, 1);
	b = sim_add(sim, NULL, 2);
	memset(&ew, 0, sizeof(ew));
	assert_int_equal(erg_udp_open(a->s, err_watch_cb, &ew, &u), 0);
	assert_int_equal(erg_udp_sendto(u, b->addr, 5555, "anyone?", 7), 0);
	assert_int_equal(erg_udp_error(u), 0);
	assert_true(sim_run_until(sim, err_seen, &ew, SIM_SEC));

	assert_int_equal(ew.events, 1);
	assert_int_equal(ew.other, 0);
	assert_int_equal(erg_udp_error(u), -ERG_ECONNREFUSED);
	assert_int_equal(erg_udp_error(u), 0);
	assert_int_equal(sim_stat(b, ERG_STAT_UDP_NO_PORT), 1);
	assert_int_equal(sim_stat(b, ERG_STAT_ICMP_ERR_TX), 1);
	assert_int_equal(sim_stat(a, ERG_STAT_ICMP_ERR_RX), 1);
	assert_int_equal(sim_stat(a, ERG_STAT_ICMP_ERR_UNMATCHED), 0);
	assert_int_equal(sim_stat(a, ERG_STAT_ICMP_ERR_BAD_QUOTE), 0);
	assert_int_equal(erg_udp_pending(u), 0);

	erg_udp_close(u);
	sim_run_for(sim, SIM_SEC);
	sim_assert_no_leaks(sim);
	sim_assert_wire_balanced(sim);
	sim_pass(sim);
}

/*
 * Fifty datagrams to a closed port arriving in the same microsecond get
 * exactly icmp_err_burst (20) errors; the other 30 are rate limited. A
 * second later the bucket has refilled (100/s, capped at the burst) and
 * five more get five errors.
 */
static void
test_icmp_errors_limited_to_burst_then_refill(void **state)
{
	struct sim *sim = *state;
	struct sim_node *a, *b;
	struct erg_udp_sock *u;
	struct err_watch ew;
	unsigned i;

	sim_start(sim, "sim_basic_icmp_rate", 5, &wire);
	a = sim_add(sim, NULL, 1);
	b = sim_add(sim, NULL, 2);
	memset(&ew, 0, sizeof(ew));
	assert_int_equal(erg_udp_open(a->s, err_watch_cb, &ew, &u), 0);
	/* Resolve first, so that all fifty leave together. */
	assert_int_equal(erg_icmp_echo_send(a->s, b->addr, 1, 1, "", 0), 0);
	sim_run_for(sim, 10 * SIM_MS);
	assert_int_equal(sim_stat(a, ERG_STAT_ICMP_ECHO_REPLY_RX), 1);

	for (i = 0; i < 50; i++) {
		assert_int_equal(
		    erg_udp_sendto(u, b->addr, 5555, &i, sizeof(i)), 0);
	}
	sim_run_for(sim, 10 * SIM_MS);
	assert_int_equal(sim_stat(b, ERG_STAT_UDP_NO_PORT), 50);
	assert_int_equal(sim_stat(b, ERG_STAT_ICMP_ERR_TX), 20);
	assert_int_equal(sim_stat(b, ERG_STAT_ICMP_ERR_RATE_LIMITED), 30);
	assert_int_equal(sim_stat(a, ERG_STAT_ICMP_ERR_RX), 20);
	assert_int_equal(erg_udp_error(u), -ERG_ECONNREFUSED);
	assert_true(ew.events >= 1);

	sim_run_for(sim, SIM_SEC);
	for (i = 0; i < 5; i++) {
		assert_int_equal(
		    erg_udp_sendto(u, b->addr, 5555, &i, sizeof(i)), 0);
	}
	sim_run_for(sim, 10 * SIM_MS);
	assert_int_equal(sim_stat(b, ERG_STAT_ICMP_ERR_TX), 25);
	assert_int_equal(sim_stat(b, ERG_STAT_ICMP_ERR_RATE_LIMITED), 30);
	assert_int_equal(sim_stat(a, ERG_STAT_ICMP_ERR_RX), 25);

	erg_udp_close(u);
	sim_assert_no_leaks(sim);
	sim_assert_wire_balanced(sim);
	sim_pass(sim);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_ping_waits_for_arp_then_replies_match_request,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_udp_echo_every_size_0_to_1472_byte_for_byte, sim_setup,
		    sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_udp_broadcast_reaches_sockets_bound_to_any_only,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_icmp_port_unreachable_reaches_sender_as_econnrefused,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_icmp_errors_limited_to_burst_then_refill, sim_setup,
		    sim_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
