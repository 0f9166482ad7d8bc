/*
 * tests/sim/sim_pool.c: running out of every pool is an ordinary, counted
 * event (DESIGN.md "Memory"): a receiver whose packet pool is held by an
 * application that takes datagrams and keeps them (receive queues alone
 * cannot do it: all UDP sockets together queue at most half the pool,
 * udp.rxq_full), a full UDP receive queue, busy reassembly slots, a sender
 * that runs out of packets halfway through fragmenting, and the UDP socket
 * pool. Each test shows the refusal, its counter, and the recovery once
 * the application lets go; and flooding one stack leaves another in the
 * same process untouched (TESTING.md class 18: queue floods are bounded).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "lib/sim.h"

#define DELAY     100ull
#define SINK_PORT 9u
#define ECHO_PORT 7u
#define SMALL     100u

static const struct erg_loop_impair clean = { 0, 0, 0, 0, DELAY, 0 };

/* Datagram i of len bytes: the index first, then bytes of seed i. */
static void
fill(uint8_t *buf, size_t len, uint32_t i)
{
	sim_fill(buf, len, 0x5EED + i);
	erg_put_be32(buf, i);
}

static void
send_n(struct erg_udp_sock *u, uint32_t dst, uint16_t port, uint32_t first,
    unsigned n, size_t len)
{
	uint8_t *buf = malloc(len);
	unsigned i;

	assert_non_null(buf);
	for (i = 0; i < n; i++) {
		fill(buf, len, first + i);
		assert_int_equal(erg_udp_sendto(u, dst, port, buf, len), 0);
	}
	free(buf);
}

/* Reads one datagram and checks it is number i, intact. */
static void
recv_check(struct erg_udp_sock *u, size_t len, uint32_t i)
{
	uint8_t *buf = malloc(len + 1), *want = malloc(len);
	size_t got;

	assert_true(buf != NULL && want != NULL);
	assert_int_equal(erg_udp_recvfrom(u, buf, len + 1, &got, NULL, NULL),
	    0);
	assert_int_equal(got, len);
	fill(want, len, i);
	assert_memory_equal(buf, want, len);
	free(buf);
	free(want);
}

/* Pings once so that both sides know each other's MAC. */
static void
resolve(struct sim *sim, struct sim_node *from, struct sim_node *to)
{
	uint64_t before = sim_stat(from, ERG_STAT_ICMP_ECHO_REPLY_RX);

	assert_int_equal(erg_icmp_echo_send(from->s, to->addr, 1, 1, "", 0), 0);
	sim_run_for(sim, 10 * SIM_MS);
	assert_int_equal(sim_stat(from, ERG_STAT_ICMP_ECHO_REPLY_RX),
	    before + 1);
}

/*
 * Takes the oldest datagram with erg_udp_recv, checks it is number i,
 * intact, and leaves its packet with the caller (the application now owns
 * it: it is in no queue, and only erg_pkt_free returns it).
 */
static void
recv_hold(struct erg_udp_sock *u, struct erg_udp_dgram *d, size_t len,
    uint32_t i)
{
	uint8_t *want = malloc(len);

	assert_non_null(want);
	assert_int_equal(erg_udp_recv(u, d), 0);
	assert_int_equal(d->data.len, len);
	fill(want, len, i);
	assert_memory_equal(d->data.p, want, len);
	free(want);
}

/*
 * B has 8 packet buffers. Queues alone can no longer exhaust them: of 100
 * datagrams arriving at once, B queues 4, half the pool, though the
 * socket's own limit is 32, and drops 96 (udp.rxq_full) with 3 packets
 * still free, so B still answers a ping. An application that takes
 * datagrams (erg_udp_recv) and holds them can: holding those 4, with 4
 * more queued, the pool is empty, the wire finds no buffer for the next
 * 96 (pkt.alloc_fail, as a NIC with an empty receive ring), B hears no
 * ping and cannot send (-ERG_ENOMEM). Once the application frees what it
 * holds and reads the queue, the pool is whole again and traffic flows
 * both ways.
 */
static void
test_tiny_pool_flooded_counts_alloc_fail_and_recovers(void **state)
{
	struct sim *sim = *state;
	struct sim_node *a, *b;
	struct erg_udp_sock *ua, *ub;
	struct erg_udp_dgram held[4];
	struct erg_config cfg;
	struct erg_loop_stats w0, w1;
	uint64_t pong;
	unsigned i;

	erg_config_default(&cfg);
	cfg.pkt_count = 8;
	assert_int_equal(cfg.udp_rxq_len, 32); /* not the bound hit here */
	sim_start(sim, "sim_pool_tiny", 31, &clean);
	a = sim_add(sim, NULL, 1);
	b = sim_add(sim, &cfg, 2);
	resolve(sim, a, b);
	assert_int_equal(erg_udp_open(a->s, NULL, NULL, &ua), 0);
	assert_int_equal(erg_udp_bind(ua, ERG_IPV4_ANY, SINK_PORT), 0);
	assert_int_equal(erg_udp_open(b->s, NULL, NULL, &ub), 0);
	assert_int_equal(erg_udp_bind(ub, ERG_IPV4_ANY, SINK_PORT), 0);

	/* The global cap: queued datagrams stop at pkt_count / 2. */
	w0 = sim_wire_stats(sim);
	send_n(ua, b->addr, SINK_PORT, 0, 100, SMALL);
	sim_run_for(sim, 10 * SIM_MS);
	w1 = sim_wire_stats(sim);
	assert_int_equal(erg_udp_pending(ub), 4);
	assert_int_equal(sim_stat(b, ERG_STAT_UDP_RX), 100);
	assert_int_equal(sim_stat(b, ERG_STAT_UDP_RXQ_FULL), 96);
	assert_int_equal(sim_stat(b, ERG_STAT_PKT_IN_USE), 4);
	/* 4 queued plus the one each refused datagram came in. */
	assert_int_equal(sim_stat(b, ERG_STAT_PKT_HIGH_WATER), 5);
	assert_int_equal(sim_stat(b, ERG_STAT_PKT_ALLOC_FAIL), 0);
	assert_int_equal(w1.rx_nobuf - w0.rx_nobuf, 0);
	assert_int_equal(w1.delivered - w0.delivered, 100);
	resolve(sim, a, b);

	/* The application takes the 4 and holds them: the queue takes 4. */
	for (i = 0; i < 4; i++) {
		recv_hold(ub, &held[i], SMALL, i);
	}
	assert_int_equal(erg_udp_pending(ub), 0);
	assert_int_equal(sim_stat(b, ERG_STAT_PKT_IN_USE), 4);
	w0 = sim_wire_stats(sim);
	send_n(ua, b->addr, SINK_PORT, 100, 100, SMALL);
	sim_run_for(sim, 10 * SIM_MS);
	w1 = sim_wire_stats(sim);
	assert_int_equal(erg_udp_pending(ub), 4);
	assert_int_equal(sim_stat(b, ERG_STAT_UDP_RX), 104);
	assert_int_equal(sim_stat(b, ERG_STAT_PKT_IN_USE), 8);
	assert_int_equal(sim_stat(b, ERG_STAT_PKT_HIGH_WATER), 8);
	assert_int_equal(sim_stat(b, ERG_STAT_PKT_ALLOC_FAIL), 96);
	assert_int_equal(w1.rx_nobuf - w0.rx_nobuf, 96);
	assert_int_equal(w1.delivered - w0.delivered, 4);
	/* The pool ran out before any queue bound was reached. */
	assert_int_equal(sim_stat(b, ERG_STAT_UDP_RXQ_FULL), 96);

	/* Exhausted, B hears nothing, not even a ping. */
	pong = sim_stat(a, ERG_STAT_ICMP_ECHO_REPLY_RX);
	assert_int_equal(erg_icmp_echo_send(a->s, b->addr, 1, 2, "", 0), 0);
	sim_run_for(sim, 10 * SIM_MS);
	assert_int_equal(sim_stat(a, ERG_STAT_ICMP_ECHO_REPLY_RX), pong);
	assert_int_equal(sim_wire_stats(sim).rx_nobuf - w0.rx_nobuf, 97);
	assert_int_equal(sim_stat(b, ERG_STAT_PKT_ALLOC_FAIL), 97);

	/* Exhausted, B refuses to send rather than fail later. */
	assert_int_equal(erg_udp_sendto(ub, a->addr, SINK_PORT, "x", 1),
	    -ERG_ENOMEM);
	assert_int_equal(sim_stat(b, ERG_STAT_PKT_ALLOC_FAIL), 98);
	assert_int_equal(sim_stat(b, ERG_STAT_UDP_TX), 0);

	/* The application lets go: what it held, then the queue. */
	for (i = 0; i < 4; i++) {
		erg_pkt_free(b->s, held[i].pkt);
	}
	assert_int_equal(sim_stat(b, ERG_STAT_PKT_IN_USE), 4);
	for (i = 0; i < 4; i++) {
		recv_check(ub, SMALL, 100 + i);
	}
	assert_int_equal(erg_udp_recvfrom(ub, NULL, 0, NULL, NULL, NULL),
	    -ERG_EAGAIN);
	assert_int_equal(erg_stack_pool_in_use(b->s), b->baseline + 1);

	send_n(ua, b->addr, SINK_PORT, 200, 4, SMALL);
	sim_run_for(sim, 10 * SIM_MS);
	assert_int_equal(erg_udp_pending(ub), 4);
	for (i = 0; i < 4; i++) {
		recv_check(ub, SMALL, 200 + i);
	}
	send_n(ub, a->addr, SINK_PORT, 300, 1, SMALL);
	sim_run_for(sim, 10 * SIM_MS);
	recv_check(ua, SMALL, 300);
	resolve(sim, a, b);
	assert_int_equal(sim_stat(b, ERG_STAT_PKT_ALLOC_FAIL), 98);
	assert_int_equal(sim_stat(b, ERG_STAT_UDP_RXQ_FULL), 96);

	erg_udp_close(ua);
	erg_udp_close(ub);
	sim_assert_no_leaks(sim);
	sim_assert_wire_balanced(sim);
	sim_pass(sim);
}

/*
 * With udp_rxq_len 4 and packets to spare, 100 datagrams leave the 4
 * oldest queued and drop the 96 newest (udp.rxq_full), freeing their
 * packets at once; after a drain the queue takes 4 again.
 */
static void
test_udp_rxq_full_keeps_oldest_and_frees_the_rest(void **state)
{
	struct sim *sim = *state;
	struct sim_node *a, *b;
	struct erg_udp_sock *ua, *ub;
	struct erg_config cfg;
	unsigned i;

	erg_config_default(&cfg);
	cfg.pkt_count = 16;
	cfg.udp_rxq_len = 4;
	sim_start(sim, "sim_pool_rxq", 32, &clean);
	a = sim_add(sim, NULL, 1);
	b = sim_add(sim, &cfg, 2);
	resolve(sim, a, b);
	assert_int_equal(erg_udp_open(a->s, NULL, NULL, &ua), 0);
	assert_int_equal(erg_udp_open(b->s, NULL, NULL, &ub), 0);
	assert_int_equal(erg_udp_bind(ub, ERG_IPV4_ANY, SINK_PORT), 0);

	send_n(ua, b->addr, SINK_PORT, 0, 100, SMALL);
	sim_run_for(sim, 10 * SIM_MS);
	assert_int_equal(erg_udp_pending(ub), 4);
	assert_int_equal(sim_stat(b, ERG_STAT_UDP_RXQ_FULL), 96);
	assert_int_equal(sim_stat(b, ERG_STAT_PKT_ALLOC_FAIL), 0);
	assert_int_equal(sim_stat(b, ERG_STAT_PKT_IN_USE), 4);
	for (i = 0; i < 4; i++) {
		recv_check(ub, SMALL, i);
	}

	send_n(ua, b->addr, SINK_PORT, 200, 6, SMALL);
	sim_run_for(sim, 10 * SIM_MS);
	assert_int_equal(erg_udp_pending(ub), 4);
	assert_int_equal(sim_stat(b, ERG_STAT_UDP_RXQ_FULL), 98);
	for (i = 0; i < 4; i++) {
		recv_check(ub, SMALL, 200 + i);
	}

	erg_udp_close(ua);
	erg_udp_close(ub);
	sim_assert_no_leaks(sim);
	sim_assert_wire_balanced(sim);
	sim_pass(sim);
}

#define BIG 20000u /* 20008 bytes of UDP: 14 fragments */

/*
 * B has one reassembly slot. Three 20,000-byte datagrams arrive back to
 * back: the first completes and stays lent to the socket until read, so
 * all 28 fragments of the other two find no slot (ipv4.frag_no_slot) and
 * no slot is stolen. Reading the first frees the slot; a re-send then
 * gets through.
 */
static void
test_reasm_slots_busy_refuse_fragments_then_recover(void **state)
{
	struct sim *sim = *state;
	struct sim_node *a, *b;
	struct erg_udp_sock *ua, *ub;
	struct erg_config cfg;

	erg_config_default(&cfg);
	cfg.pkt_count = 8;
	cfg.reasm_slots = 1;
	cfg.reasm_timeout_ms = 1000;
	sim_start(sim, "sim_pool_reasm", 33, &clean);
	a = sim_add(sim, NULL, 1);
	b = sim_add(sim, &cfg, 2);
	resolve(sim, a, b);
	assert_int_equal(erg_udp_open(a->s, NULL, NULL, &ua), 0);
	assert_int_equal(erg_udp_open(b->s, NULL, NULL, &ub), 0);
	assert_int_equal(erg_udp_bind(ub, ERG_IPV4_ANY, SINK_PORT), 0);

	send_n(ua, b->addr, SINK_PORT, 0, 3, BIG);
	assert_int_equal(sim_stat(a, ERG_STAT_IPV4_FRAG_TX), 3 * 14);
	sim_run_for(sim, 10 * SIM_MS);
	assert_int_equal(erg_udp_pending(ub), 1);
	assert_int_equal(sim_stat(b, ERG_STAT_IPV4_REASM_OK), 1);
	assert_int_equal(sim_stat(b, ERG_STAT_IPV4_REASM_IN_USE), 1);
	assert_int_equal(sim_stat(b, ERG_STAT_IPV4_FRAG_NO_SLOT), 2 * 14);
	/* A fragment's packet is freed once copied into the slot. */
	assert_int_equal(sim_stat(b, ERG_STAT_PKT_ALLOC_FAIL), 0);
	assert_int_equal(sim_stat(b, ERG_STAT_PKT_IN_USE), 0);

	recv_check(ub, BIG, 0);
	assert_int_equal(sim_stat(b, ERG_STAT_IPV4_REASM_IN_USE), 0);
	send_n(ua, b->addr, SINK_PORT, 1, 1, BIG);
	sim_run_for(sim, 10 * SIM_MS);
	recv_check(ub, BIG, 1);
	assert_int_equal(sim_stat(b, ERG_STAT_IPV4_FRAG_NO_SLOT), 2 * 14);
	assert_int_equal(sim_stat(b, ERG_STAT_IPV4_FRAG_TIMEOUT), 0);

	erg_udp_close(ua);
	erg_udp_close(ub);
	sim_assert_no_leaks(sim);
	sim_assert_wire_balanced(sim);
	sim_pass(sim);
}

/*
 * A has 8 packet buffers, all its own application's: 4 datagrams it took
 * with erg_udp_recv and holds, and 4 queued unread (its sockets together
 * may queue no more than half the pool: of the 8 B first sent, the last
 * 4 were dropped as udp.rxq_full while 4 packets were free, and B sent
 * them again once the application had taken the first 4). Every send is
 * refused with -ERG_ENOMEM before anything reaches the wire: a
 * 20,000-byte datagram fails at its first fragment (ipv4.frag_tx_fail),
 * leaving no partial datagram behind. Once the application frees what it
 * holds and reads the queue, the same datagram leaves as 14 fragments and
 * arrives whole.
 */
static void
test_sender_pool_exhausted_refuses_send_cleanly(void **state)
{
	struct sim *sim = *state;
	struct sim_node *a, *b;
	struct erg_udp_sock *ua, *ub;
	struct erg_udp_dgram held[4];
	struct erg_config ca;
	uint64_t sent0;
	uint8_t *buf;
	unsigned i;

	erg_config_default(&ca);
	ca.pkt_count = 8;
	sim_start(sim, "sim_pool_sender", 34, &clean);
	a = sim_add(sim, &ca, 1);
	b = sim_add(sim, NULL, 2);
	resolve(sim, a, b);
	assert_int_equal(erg_udp_open(a->s, NULL, NULL, &ua), 0);
	assert_int_equal(erg_udp_bind(ua, ERG_IPV4_ANY, SINK_PORT), 0);
	assert_int_equal(erg_udp_open(b->s, NULL, NULL, &ub), 0);
	assert_int_equal(erg_udp_bind(ub, ERG_IPV4_ANY, SINK_PORT), 0);

	/* Queues alone stop at half the pool. */
	send_n(ub, a->addr, SINK_PORT, 0, 8, SMALL);
	sim_run_for(sim, 10 * SIM_MS);
	assert_int_equal(erg_udp_pending(ua), 4);
	assert_int_equal(sim_stat(a, ERG_STAT_UDP_RXQ_FULL), 4);
	assert_int_equal(sim_stat(a, ERG_STAT_PKT_IN_USE), 4);
	assert_int_equal(sim_stat(a, ERG_STAT_PKT_ALLOC_FAIL), 0);

	/* Held by the application, they leave room for 4 more queued. */
	for (i = 0; i < 4; i++) {
		recv_hold(ua, &held[i], SMALL, i);
	}
	send_n(ub, a->addr, SINK_PORT, 4, 4, SMALL);
	sim_run_for(sim, 10 * SIM_MS);
	assert_int_equal(erg_udp_pending(ua), 4);
	assert_int_equal(sim_stat(a, ERG_STAT_UDP_RXQ_FULL), 4);
	assert_int_equal(sim_stat(a, ERG_STAT_PKT_IN_USE), 8);
	assert_int_equal(sim_stat(a, ERG_STAT_PKT_ALLOC_FAIL), 0);
	buf = malloc(BIG);
	assert_non_null(buf);
	fill(buf, BIG, 0);

	sent0 = sim_wire_stats(sim).sent;
	assert_int_equal(erg_udp_sendto(ua, b->addr, SINK_PORT, buf, BIG),
	    -ERG_ENOMEM);
	assert_int_equal(sim_stat(a, ERG_STAT_IPV4_FRAG_TX_FAIL), 1);
	assert_int_equal(sim_stat(a, ERG_STAT_IPV4_FRAG_TX), 0);
	assert_int_equal(erg_udp_sendto(ua, b->addr, SINK_PORT, buf, SMALL),
	    -ERG_ENOMEM);
	assert_int_equal(erg_icmp_echo_send(a->s, b->addr, 2, 2, buf, SMALL),
	    -ERG_ENOMEM);
	assert_int_equal(sim_stat(a, ERG_STAT_PKT_ALLOC_FAIL), 3);
	assert_int_equal(sim_stat(a, ERG_STAT_UDP_TX), 0);
	assert_int_equal(sim_stat(a, ERG_STAT_PKT_IN_USE), 8);
	assert_int_equal(sim_wire_stats(sim).sent, sent0);

	for (i = 0; i < 4; i++) {
		erg_pkt_free(a->s, held[i].pkt);
	}
	for (i = 0; i < 4; i++) {
		recv_check(ua, SMALL, 4 + i);
	}
	assert_int_equal(sim_stat(a, ERG_STAT_PKT_IN_USE), 0);
	assert_int_equal(erg_udp_sendto(ua, b->addr, SINK_PORT, buf, BIG), 0);
	assert_int_equal(sim_stat(a, ERG_STAT_IPV4_FRAG_TX), 14);
	assert_int_equal(sim_stat(a, ERG_STAT_IPV4_FRAG_TX_FAIL), 1);
	sim_run_for(sim, 10 * SIM_MS);
	recv_check(ub, BIG, 0);
	assert_int_equal(sim_stat(a, ERG_STAT_PKT_ALLOC_FAIL), 3);

	free(buf);
	erg_udp_close(ua);
	erg_udp_close(ub);
	sim_assert_no_leaks(sim);
	sim_assert_wire_balanced(sim);
	sim_pass(sim);
}

/*
 * A has 8 packet buffers and has not resolved B yet when it sends a
 * 20,000-byte datagram. Whatever ARP holds while resolving must leave A
 * able to receive B's reply: within a round trip A must know B, hold no
 * buffer, and the datagram sent again must arrive whole.
 */
static void
test_arp_queue_leaves_room_to_receive_the_reply(void **state)
{
	struct sim *sim = *state;
	struct sim_node *a, *b;
	struct erg_udp_sock *ua, *ub;
	struct erg_config ca;
	uint8_t *buf;
	int rc;

	/*
	 * Regression: the packets queued on unresolved ARP entries once
	 * could take the whole pool (arp_queue_len per entry, no total
	 * bound): the 8 fragments held here left no buffer to receive B's
	 * ARP reply, so A was deaf until ARP gave up. All entries together
	 * now hold at most half the pool.
	 */
	erg_config_default(&ca);
	ca.pkt_count = 8;
	sim_start(sim, "sim_pool_arp_hold", 37, &clean);
	a = sim_add(sim, &ca, 1);
	b = sim_add(sim, NULL, 2);
	sim_run_for(sim, 10 * SIM_MS); /* announcements land first */
	assert_int_equal(erg_udp_open(a->s, NULL, NULL, &ua), 0);
	assert_int_equal(erg_udp_open(b->s, NULL, NULL, &ub), 0);
	assert_int_equal(erg_udp_bind(ub, ERG_IPV4_ANY, SINK_PORT), 0);
	buf = malloc(BIG);
	assert_non_null(buf);
	fill(buf, BIG, 0);

	/* Either refused or "sent" (held fragments are not reported). */
	rc = erg_udp_sendto(ua, b->addr, SINK_PORT, buf, BIG);
	assert_true(rc == 0 || rc == -ERG_ENOMEM || rc == -ERG_ENOBUFS);
	sim_run_for(sim, 10 * SIM_MS);
	assert_int_equal(sim_wire_stats(sim).rx_nobuf, 0);
	/* B's announce and B's reply. */
	assert_int_equal(sim_stat(a, ERG_STAT_ARP_RX), 2);
	assert_int_equal(sim_stat(a, ERG_STAT_PKT_IN_USE), 0);
	assert_int_equal(sim_stat(a, ERG_STAT_ARP_RESOLVE_FAIL), 0);

	assert_int_equal(erg_udp_sendto(ua, b->addr, SINK_PORT, buf, BIG), 0);
	sim_run_for(sim, 10 * SIM_MS);
	/* What part of the first attempt left never completes. */
	assert_int_equal(erg_udp_pending(ub), 1);
	recv_check(ub, BIG, 0);

	free(buf);
	erg_udp_close(ua);
	erg_udp_close(ub);
	sim_run_for(sim, 60 * SIM_SEC); /* partial datagrams time out */
	sim_assert_no_leaks(sim);
	sim_assert_wire_balanced(sim);
	sim_pass(sim);
}

static void
echo_cb(struct erg_udp_sock *u, unsigned events, void *ctx)
{
	struct sim_node *n = ctx;
	struct erg_udp_dgram d;

	(void)events;
	while (erg_udp_recv(u, &d) == 0) {
		assert_int_equal(
		    erg_udp_sendto(u, d.src, d.src_port, d.data.p, d.data.len),
		    0);
		erg_pkt_free(n->s, d.pkt);
	}
}

/*
 * With udp_socks 4, a fifth open fails with -ERG_ENOMEM
 * (udp.sock_alloc_fail) and leaves the four working; closing one makes
 * room, and the new socket takes the closed one's port and exchanges
 * datagrams.
 */
static void
test_udp_socket_pool_exhaustion_then_reuse(void **state)
{
	struct sim *sim = *state;
	struct sim_node *a, *b;
	struct erg_udp_sock *u[4], *extra, *srv;
	struct erg_config cfg;
	unsigned i;

	erg_config_default(&cfg);
	cfg.udp_socks = 4;
	sim_start(sim, "sim_pool_socks", 35, &clean);
	a = sim_add(sim, &cfg, 1);
	b = sim_add(sim, NULL, 2);
	assert_int_equal(erg_udp_open(b->s, echo_cb, b, &srv), 0);
	assert_int_equal(erg_udp_bind(srv, ERG_IPV4_ANY, ECHO_PORT), 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(erg_udp_open(a->s, NULL, NULL, &u[i]), 0);
		assert_int_equal(
		    erg_udp_bind(u[i], ERG_IPV4_ANY, (uint16_t)(4000 + i)), 0);
	}
	extra = NULL;
	assert_int_equal(erg_udp_open(a->s, NULL, NULL, &extra), -ERG_ENOMEM);
	assert_null(extra);
	assert_int_equal(sim_stat(a, ERG_STAT_UDP_SOCK_ALLOC_FAIL), 1);
	assert_int_equal(sim_stat(a, ERG_STAT_UDP_SOCKS_IN_USE), 4);
	assert_int_equal(sim_stat(a, ERG_STAT_UDP_SOCKS_HIGH_WATER), 4);

	/* The four still work. */
	for (i = 0; i < 4; i++) {
		send_n(u[i], b->addr, ECHO_PORT, i, 1, SMALL);
	}
	sim_run_for(sim, 10 * SIM_MS);
	for (i = 0; i < 4; i++) {
		recv_check(u[i], SMALL, i);
	}

	erg_udp_close(u[2]);
	assert_int_equal(erg_udp_open(a->s, NULL, NULL, &extra), 0);
	assert_int_equal(erg_udp_bind(extra, ERG_IPV4_ANY, 4002), 0);
	send_n(extra, b->addr, ECHO_PORT, 42, 1, SMALL);
	sim_run_for(sim, 10 * SIM_MS);
	recv_check(extra, SMALL, 42);
	assert_int_equal(sim_stat(a, ERG_STAT_UDP_SOCK_ALLOC_FAIL), 1);
	assert_int_equal(sim_stat(a, ERG_STAT_UDP_SOCKS_HIGH_WATER), 4);

	erg_udp_close(u[0]);
	erg_udp_close(u[1]);
	erg_udp_close(u[3]);
	erg_udp_close(extra);
	erg_udp_close(srv);
	assert_int_equal(sim_stat(a, ERG_STAT_UDP_SOCKS_IN_USE), 0);
	sim_assert_no_leaks(sim);
	sim_assert_wire_balanced(sim);
	sim_pass(sim);
}

struct echo_count {
	struct erg_udp_sock *u;
	unsigned got;
};

static void
count_cb(struct erg_udp_sock *u, unsigned events, void *ctx)
{
	struct echo_count *ec = ctx;
	uint8_t buf[SMALL], want[SMALL];
	size_t len;

	(void)events;
	while (erg_udp_recvfrom(u, buf, sizeof(buf), &len, NULL, NULL) == 0) {
		assert_int_equal(len, SMALL);
		fill(want, SMALL, ec->got);
		assert_memory_equal(buf, want, SMALL);
		ec->got++;
	}
}

static bool
count_done(struct sim *sim, void *ctx)
{
	const struct echo_count *ec = ctx;

	(void)sim;
	return ec->got == 50;
}

/* An application that takes the first HOARD datagrams and holds them. */
#define HOARD 4u

struct hoard {
	struct erg_udp_dgram d[HOARD];
	unsigned n;
};

static void
hoard_cb(struct erg_udp_sock *u, unsigned events, void *ctx)
{
	struct hoard *h = ctx;

	(void)events;
	while (h->n < HOARD && erg_udp_recv(u, &h->d[h->n]) == 0) {
		h->n++;
	}
}

/*
 * Three stacks in one process, B and C with 8 packet buffers each. A
 * floods B, whose application takes the first 4 datagrams (erg_udp_recv)
 * and holds them while 4 more wait unread, the most B's sockets may queue
 * (half the pool): B's pool is empty and the wire finds no buffer for the
 * other 92. Meanwhile C echoes 50 datagrams for A: C sees none of B's
 * trouble (no allocation failure, no queue drop, every echo intact), B's
 * counters show all of it, closing B's socket unread returns the 4 queued
 * buffers, and the 4 the application holds stay valid until it frees
 * them.
 */
static void
test_stacks_in_one_process_are_independent(void **state)
{
	struct sim *sim = *state;
	struct sim_node *a, *b, *c;
	struct erg_udp_sock *ua, *ub, *uc;
	struct erg_config tiny;
	struct echo_count ec;
	struct hoard h;
	struct erg_loop_stats w0;
	uint8_t want[SMALL];
	unsigned i;

	erg_config_default(&tiny);
	tiny.pkt_count = 8;
	sim_start(sim, "sim_pool_independent", 36, &clean);
	a = sim_add(sim, NULL, 1);
	b = sim_add(sim, &tiny, 2);
	c = sim_add(sim, &tiny, 3);
	resolve(sim, a, b);
	resolve(sim, a, c);
	memset(&ec, 0, sizeof(ec));
	memset(&h, 0, sizeof(h));
	assert_int_equal(erg_udp_open(a->s, count_cb, &ec, &ua), 0);
	assert_int_equal(erg_udp_open(b->s, hoard_cb, &h, &ub), 0);
	assert_int_equal(erg_udp_bind(ub, ERG_IPV4_ANY, SINK_PORT), 0);
	assert_int_equal(erg_udp_open(c->s, echo_cb, c, &uc), 0);
	assert_int_equal(erg_udp_bind(uc, ERG_IPV4_ANY, ECHO_PORT), 0);
	ec.u = ua;

	w0 = sim_wire_stats(sim);
	send_n(ua, b->addr, SINK_PORT, 0, 60, SMALL);
	send_n(ua, c->addr, ECHO_PORT, 0, 50, SMALL);
	send_n(ua, b->addr, SINK_PORT, 60, 40, SMALL);
	assert_true(sim_run_until(sim, count_done, &ec, SIM_SEC));
	sim_run_for(sim, 10 * SIM_MS);

	assert_int_equal(h.n, HOARD);
	assert_int_equal(erg_udp_pending(ub), 4);
	assert_int_equal(sim_stat(b, ERG_STAT_UDP_RX), 8);
	assert_int_equal(sim_stat(b, ERG_STAT_UDP_RXQ_FULL), 0);
	assert_int_equal(sim_stat(b, ERG_STAT_PKT_IN_USE), 8);
	assert_int_equal(sim_stat(b, ERG_STAT_PKT_ALLOC_FAIL), 92);
	assert_int_equal(sim_wire_stats(sim).rx_nobuf - w0.rx_nobuf, 92);
	assert_int_equal(sim_stat(c, ERG_STAT_PKT_ALLOC_FAIL), 0);
	assert_int_equal(sim_stat(c, ERG_STAT_UDP_RXQ_FULL), 0);
	assert_int_equal(sim_stat(c, ERG_STAT_UDP_RX), 50);
	assert_int_equal(sim_stat(c, ERG_STAT_UDP_TX), 50);
	assert_int_equal(sim_stat(c, ERG_STAT_PKT_IN_USE), 0);
	assert_int_equal(sim_stat(a, ERG_STAT_PKT_ALLOC_FAIL), 0);
	assert_int_equal(ec.got, 50);

	/* Closing unread frees the queue, not what the application holds. */
	erg_udp_close(ub);
	assert_int_equal(sim_stat(b, ERG_STAT_PKT_IN_USE), HOARD);
	for (i = 0; i < HOARD; i++) {
		assert_int_equal(h.d[i].data.len, SMALL);
		fill(want, SMALL, i);
		assert_memory_equal(h.d[i].data.p, want, SMALL);
		erg_pkt_free(b->s, h.d[i].pkt);
	}
	assert_int_equal(sim_stat(b, ERG_STAT_PKT_IN_USE), 0);
	erg_udp_close(ua);
	erg_udp_close(uc);
	sim_assert_no_leaks(sim);
	sim_assert_wire_balanced(sim);
	sim_pass(sim);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_tiny_pool_flooded_counts_alloc_fail_and_recovers,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_udp_rxq_full_keeps_oldest_and_frees_the_rest,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_reasm_slots_busy_refuse_fragments_then_recover,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_sender_pool_exhausted_refuses_send_cleanly, sim_setup,
		    sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_arp_queue_leaves_room_to_receive_the_reply, sim_setup,
		    sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_udp_socket_pool_exhaustion_then_reuse, sim_setup,
		    sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_stacks_in_one_process_are_independent, sim_setup,
		    sim_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
