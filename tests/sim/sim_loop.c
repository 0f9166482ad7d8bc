/*
 * tests/sim/sim_loop.c: the loop driver itself (netif/loop): delivery
 * exactly after the delay, jitter bounds, switching (unicast to the
 * owner, broadcast flooded, never back to the sender), the impairment
 * counters and their conservation law, receive-side drops (no buffer,
 * frame too big for the receiver's buffers), the pcap file, and exact
 * repetition for a given seed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "lib/sim.h"
#include "lib/testnet.h"

#define SINK_PORT 9u
#define ECHO_PORT 7u

/* Payload: the send time, so the receiver can measure the delay. */
struct stamp_sink {
	struct sim_node *n;
	unsigned got;
	uint64_t min;
	uint64_t max;
	uint64_t last_sent;
	bool in_order;
};

static void
stamp_cb(struct erg_udp_sock *u, unsigned events, void *ctx)
{
	struct stamp_sink *k = ctx;
	struct erg_udp_dgram d;

	(void)events;
	while (erg_udp_recv(u, &d) == 0) {
		uint64_t sent, now = erg_stack_now(k->n->s), delay;

		assert_true(d.data.len >= 8);
		sent =
		    (uint64_t)erg_be32(d.data.p) << 32 | erg_be32(d.data.p + 4);
		delay = now - sent;
		if (k->got == 0 || delay < k->min) {
			k->min = delay;
		}
		if (k->got == 0 || delay > k->max) {
			k->max = delay;
		}
		if (k->got > 0 && sent < k->last_sent) {
			k->in_order = false;
		}
		k->last_sent = sent;
		k->got++;
		erg_pkt_free(k->n->s, d.pkt);
	}
}

static void
send_stamp(struct erg_udp_sock *u, uint32_t dst, uint64_t now, size_t len)
{
	uint8_t buf[1472];

	assert_true(len >= 8 && len <= sizeof(buf));
	memset(buf, 0x5a, len);
	erg_put_be32(buf, (uint32_t)(now >> 32));
	erg_put_be32(buf + 4, (uint32_t)now);
	assert_int_equal(erg_udp_sendto(u, dst, SINK_PORT, buf, len), 0);
}

/* Two hosts, B with a stamp sink; A's socket in *ua. ARP resolved. */
static void
two_hosts(struct sim *sim, const char *name, uint64_t seed,
    const struct erg_loop_impair *imp, struct sim_node **a, struct sim_node **b,
    struct erg_udp_sock **ua, struct erg_udp_sock **ub, struct stamp_sink *k)
{
	sim_start(sim, name, seed, imp);
	*a = sim_add(sim, NULL, 1);
	*b = sim_add(sim, NULL, 2);
	memset(k, 0, sizeof(*k));
	k->n = *b;
	k->in_order = true;
	assert_int_equal(erg_udp_open((*b)->s, stamp_cb, k, ub), 0);
	assert_int_equal(erg_udp_bind(*ub, ERG_IPV4_ANY, SINK_PORT), 0);
	assert_int_equal(erg_udp_open((*a)->s, NULL, NULL, ua), 0);
	assert_int_equal(erg_icmp_echo_send((*a)->s, (*b)->addr, 1, 1, "", 0),
	    0);
	sim_run_for(sim, 100 * SIM_MS);
	assert_int_equal(sim_stat(*a, ERG_STAT_ICMP_ECHO_REPLY_RX), 1);
}

static void
two_hosts_done(struct sim *sim, struct erg_udp_sock *ua,
    struct erg_udp_sock *ub)
{
	erg_udp_close(ua);
	erg_udp_close(ub);
	erg_loop_wire_impair_set(sim->w, NULL);
	sim_run_for(sim, SIM_SEC);
	sim_assert_no_leaks(sim);
	sim_assert_wire_balanced(sim);
	sim_pass(sim);
}

/*
 * A frame sent at t is in flight until exactly t + delay_us: the wire
 * reports it due then, delivers nothing at t + delay - 1, and delivers it
 * at t + delay.
 */
static void
test_loop_delivers_exactly_after_delay(void **state)
{
	static const struct erg_loop_impair imp = { 0, 0, 0, 0, 250, 0 };
	struct sim *sim = *state;
	struct sim_node *a, *b;
	struct erg_udp_sock *ua, *ub;
	struct stamp_sink k;
	uint64_t t0;

	two_hosts(sim, "sim_loop_delay", 41, &imp, &a, &b, &ua, &ub, &k);
	t0 = sim->now;
	send_stamp(ua, b->addr, t0, 8);
	assert_int_equal(erg_loop_wire_pending(sim->w), 1);
	assert_int_equal(erg_loop_wire_next(sim->w), t0 + 250);
	sim_run_to(sim, t0 + 249);
	assert_int_equal(k.got, 0);
	assert_int_equal(erg_loop_wire_pending(sim->w), 1);
	sim_run_to(sim, t0 + 250);
	assert_int_equal(k.got, 1);
	assert_int_equal(k.min, 250);
	assert_int_equal(erg_loop_wire_pending(sim->w), 0);
	assert_true(erg_loop_wire_next(sim->w) == ERG_TIME_NEVER);
	two_hosts_done(sim, ua, ub);
}

/*
 * With delay 200 and jitter 100, every one of 200 frames arrives 200 to
 * 300 us after it was sent, and the delays vary; frames 1 ms apart keep
 * their order. Reordering 100% adds 1..(2 * 200 + 100 + 1) more.
 */
static void
test_loop_jitter_and_reorder_stay_within_bounds(void **state)
{
	static const struct erg_loop_impair jit = { 0, 0, 0, 0, 200, 100 };
	static const struct erg_loop_impair reord = { 0, 0, 1000000, 0, 200,
		100 };
	struct sim *sim = *state;
	struct sim_node *a, *b;
	struct erg_udp_sock *ua, *ub;
	struct stamp_sink k;
	struct erg_loop_stats st;
	unsigned i;

	two_hosts(sim, "sim_loop_jitter", 42, &jit, &a, &b, &ua, &ub, &k);
	k.got = 0;
	for (i = 0; i < 200; i++) {
		send_stamp(ua, b->addr, sim->now, 8);
		sim_run_for(sim, SIM_MS);
	}
	assert_int_equal(k.got, 200);
	assert_true(k.min >= 200);
	assert_true(k.max <= 300);
	assert_true(k.min < k.max);
	assert_true(k.in_order);

	sim_impair(sim, &reord);
	k.got = 0;
	for (i = 0; i < 200; i++) {
		send_stamp(ua, b->addr, sim->now, 8);
		sim_run_for(sim, SIM_MS);
	}
	st = sim_wire_stats(sim);
	assert_int_equal(k.got, 200);
	assert_int_equal(st.reordered, 200);
	assert_true(k.min >= 201);
	assert_true(k.max <= 300 + 501);
	assert_true(k.max > 300);

	/* Sent in one burst, reordered frames overtake one another. */
	k.got = 0;
	k.in_order = true;
	for (i = 0; i < 50; i++) {
		send_stamp(ua, b->addr, sim->now + i, 8);
	}
	sim_run_for(sim, 10 * SIM_MS);
	assert_int_equal(k.got, 50);
	assert_false(k.in_order);
	two_hosts_done(sim, ua, ub);
}

/*
 * With duplication at 100% every copy arrives twice, and with loss at
 * 100% none arrives; the counters say exactly that, and the conservation
 * law holds.
 */
static void
test_loop_dup_and_loss_counters_are_exact(void **state)
{
	static const struct erg_loop_impair dup = { 0, 1000000, 0, 0, 100, 0 };
	static const struct erg_loop_impair loss = { 1000000, 0, 0, 0, 100, 0 };
	struct sim *sim = *state;
	struct sim_node *a, *b;
	struct erg_udp_sock *ua, *ub;
	struct stamp_sink k;
	struct erg_loop_stats s0, s1;
	unsigned i;

	two_hosts(sim, "sim_loop_dup_loss", 43, NULL, &a, &b, &ua, &ub, &k);
	sim_impair(sim, &dup);
	s0 = sim_wire_stats(sim);
	k.got = 0;
	for (i = 0; i < 20; i++) {
		send_stamp(ua, b->addr, sim->now, 8);
	}
	sim_run_for(sim, 10 * SIM_MS);
	s1 = sim_wire_stats(sim);
	assert_int_equal(s1.copies - s0.copies, 20);
	assert_int_equal(s1.duplicated - s0.duplicated, 20);
	assert_int_equal(s1.delivered - s0.delivered, 40);
	assert_int_equal(k.got, 40);
	sim_assert_wire_balanced(sim);

	sim_impair(sim, &loss);
	s0 = s1;
	k.got = 0;
	for (i = 0; i < 20; i++) {
		send_stamp(ua, b->addr, sim->now, 8);
	}
	sim_run_for(sim, 10 * SIM_MS);
	s1 = sim_wire_stats(sim);
	assert_int_equal(s1.sent - s0.sent, 20);
	assert_int_equal(s1.lost - s0.lost, 20);
	assert_int_equal(s1.delivered - s0.delivered, 0);
	assert_int_equal(k.got, 0);
	two_hosts_done(sim, ua, ub);
}

/* No copy ever goes back to the port it came from. */
static void
assert_never_reflected(const struct sim *sim)
{
	size_t i;

	for (i = 0; i < sim->nlog; i++) {
		assert_true(sim->log[i].from != sim->log[i].to);
	}
}

/*
 * Three ports: a unicast frame reaches only the port that owns its
 * destination MAC, a broadcast reaches both others, and the sender never
 * hears itself.
 */
static void
test_loop_switches_unicast_to_owner_and_floods_broadcast(void **state)
{
	static const struct erg_loop_impair imp = { 0, 0, 0, 0, 100, 0 };
	struct sim *sim = *state;
	struct sim_node *a, *b, *c;
	struct erg_udp_sock *ua;
	size_t n0;
	uint64_t c_rx;

	sim_start(sim, "sim_loop_switch", 44, &imp);
	sim_log_start(sim, NULL, NULL);
	a = sim_add(sim, NULL, 1);
	b = sim_add(sim, NULL, 2);
	c = sim_add(sim, NULL, 3);
	assert_int_equal(a->port, 0);
	assert_int_equal(b->port, 1);
	assert_int_equal(c->port, 2);
	/* A's announce reached nobody, B's reached A, C's reached A and B. */
	assert_int_equal(sim->nlog, 3);
	assert_int_equal(erg_udp_open(a->s, NULL, NULL, &ua), 0);
	assert_int_equal(erg_icmp_echo_send(a->s, b->addr, 1, 1, "", 0), 0);
	sim_run_for(sim, 10 * SIM_MS);
	assert_int_equal(sim_stat(a, ERG_STAT_ICMP_ECHO_REPLY_RX), 1);

	c_rx = sim_stat(c, ERG_STAT_NETIF_RX);
	n0 = sim->nlog;
	assert_int_equal(erg_udp_sendto(ua, b->addr, SINK_PORT, "u", 1), 0);
	assert_int_equal(sim->nlog, n0 + 1);
	assert_int_equal(sim->log[n0].to, b->port);
	assert_memory_equal(sim->log[n0].dst, b->mac, 6);

	assert_int_equal(
	    erg_udp_sendto(ua, ERG_IPV4_BROADCAST, SINK_PORT, "b", 1), 0);
	assert_int_equal(sim->nlog, n0 + 3);
	assert_int_equal(sim->log[n0 + 1].to, b->port);
	assert_int_equal(sim->log[n0 + 2].to, c->port);
	sim_run_for(sim, 10 * SIM_MS);
	/* C got the broadcast only. */
	assert_int_equal(sim_stat(c, ERG_STAT_NETIF_RX), c_rx + 1);
	assert_int_equal(sim_stat(c, ERG_STAT_ETHER_NOT_FOR_US), 0);
	assert_never_reflected(sim);
	assert_int_equal(sim_wire_stats(sim).no_dst, 0);

	erg_udp_close(ua);
	sim_assert_no_leaks(sim);
	sim_assert_wire_balanced(sim);
	sim_pass(sim);
}

/*
 * A unicast frame to a MAC that no port owns goes nowhere (no_dst), as
 * after a switch forgot the address. A learns 198.18.0.50 at
 * 02:00:00:00:00:32 from a request injected straight into it (that host
 * is not on the wire), so its ARP reply and a datagram to .50 are both
 * switched to no port; the pcap still records them.
 */
static void
test_loop_unicast_to_unknown_mac_is_dropped_as_no_dst(void **state)
{
	static const uint8_t ghost[6] = { 0x02, 0, 0, 0, 0, 0x32 };
	static const uint8_t zero[6];
	struct sim *sim = *state;
	struct sim_node *a;
	struct erg_udp_sock *ua;
	struct erg_loop_stats s0, s1;
	struct erg_pkt *pkt;
	uint8_t frame[64];
	uint8_t *p;
	size_t n;

	sim_start(sim, "sim_loop_no_dst", 49, NULL);
	a = sim_add(sim, NULL, 1);
	(void)sim_add(sim, NULL, 2);
	sim_run_for(sim, SIM_MS);
	s0 = sim_wire_stats(sim);
	n = tn_build_arp_frame(frame, a->mac, ghost, ERG_ARP_OP_REQUEST, ghost,
	    ERG_IPV4(198, 18, 0, 50), zero, a->addr);
	pkt = erg_pkt_alloc(a->s);
	assert_non_null(pkt);
	p = erg_pkt_put(pkt, (uint32_t)n);
	assert_non_null(p);
	memcpy(p, frame, n);
	erg_netif_input(a->s, a->ifindex, pkt, sim->now);
	assert_int_equal(sim_stat(a, ERG_STAT_ARP_REPLY_TX), 1);
	assert_int_equal(erg_udp_open(a->s, NULL, NULL, &ua), 0);
	assert_int_equal(
	    erg_udp_sendto(ua, ERG_IPV4(198, 18, 0, 50), SINK_PORT, "gone", 4),
	    0);
	s1 = sim_wire_stats(sim);
	assert_int_equal(s1.sent - s0.sent, 2);
	assert_int_equal(s1.no_dst - s0.no_dst, 2);
	assert_int_equal(s1.copies - s0.copies, 0);
	assert_int_equal(s1.pcap_written - s0.pcap_written, 2);
	assert_int_equal(erg_loop_wire_pending(sim->w), 0);

	erg_udp_close(ua);
	sim_run_for(sim, SIM_MS);
	sim_assert_no_leaks(sim);
	sim_assert_wire_balanced(sim);
	sim_pass(sim);
}

/*
 * B's buffers are 1024 bytes (880 after the headroom) and its MTU 800;
 * A's MTU is 1500. A 1400-byte datagram from A makes a 1442-byte frame
 * that fits no buffer of B's: the wire drops it as rx_toobig, and B never
 * sees it. Datagrams that fit arrive, and B's own large datagram goes out
 * fragmented to its MTU.
 */
static void
test_loop_frame_larger_than_receiver_buffer_is_rx_toobig(void **state)
{
	static const struct erg_loop_impair imp = { 0, 0, 0, 0, 100, 0 };
	struct sim *sim = *state;
	struct sim_node *a, *b;
	struct erg_udp_sock *ua, *ub;
	struct erg_config small;
	struct stamp_sink k;
	uint8_t buf[1400];
	uint64_t b_rx;

	erg_config_default(&small);
	small.pkt_size = 1024;
	sim_start(sim, "sim_loop_toobig", 45, &imp);
	a = sim_add(sim, NULL, 1);
	/* The largest MTU a 1024-byte buffer allows is 1024 - 158. */
	assert_int_equal(erg_loop_attach(sim->w, a->s,
	                     (const uint8_t[6]){ 0x02, 0, 0, 0, 1, 1 }, 67,
	                     NULL),
	    -ERG_EINVAL);
	b = sim_add_mtu(sim, &small, 2, 800);
	memset(&k, 0, sizeof(k));
	k.n = b;
	k.in_order = true;
	assert_int_equal(erg_udp_open(b->s, stamp_cb, &k, &ub), 0);
	assert_int_equal(erg_udp_bind(ub, ERG_IPV4_ANY, SINK_PORT), 0);
	assert_int_equal(erg_udp_open(a->s, NULL, NULL, &ua), 0);
	send_stamp(ua, b->addr, sim->now, 700);
	sim_run_for(sim, 10 * SIM_MS);
	assert_int_equal(k.got, 1);

	b_rx = sim_stat(b, ERG_STAT_NETIF_RX);
	send_stamp(ua, b->addr, sim->now, sizeof(buf));
	sim_run_for(sim, 10 * SIM_MS);
	assert_int_equal(k.got, 1);
	assert_int_equal(sim_wire_stats(sim).rx_toobig, 1);
	assert_int_equal(sim_stat(b, ERG_STAT_NETIF_RX), b_rx);
	assert_int_equal(sim_stat(b, ERG_STAT_PKT_IN_USE), 0);

	memset(buf, 1, sizeof(buf));
	assert_int_equal(
	    erg_udp_sendto(ub, a->addr, SINK_PORT, buf, sizeof(buf)), 0);
	assert_int_equal(sim_stat(b, ERG_STAT_IPV4_FRAG_TX), 2);
	sim_run_for(sim, 10 * SIM_MS);
	assert_int_equal(sim_stat(a, ERG_STAT_IPV4_REASM_OK), 1);

	erg_udp_close(ua);
	erg_udp_close(ub);
	sim_assert_no_leaks(sim);
	sim_assert_wire_balanced(sim);
	sim_pass(sim);
}

/*
 * A perfect wire with no delay still makes progress: each run delivers
 * what was in flight when it started, so a ping and its ARP exchange take
 * a few microsecond steps, not an endless loop.
 */
static void
test_loop_zero_delay_wire_makes_progress(void **state)
{
	struct sim *sim = *state;
	struct sim_node *a, *b;
	uint64_t t0;

	sim_start(sim, "sim_loop_zero_delay", 46, NULL);
	a = sim_add(sim, NULL, 1);
	b = sim_add(sim, NULL, 2);
	sim_run_for(sim, SIM_MS);
	t0 = sim->now;
	assert_int_equal(erg_icmp_echo_send(a->s, b->addr, 1, 1, "zero", 4), 0);
	sim_run_to(sim, t0 + 10);
	assert_int_equal(sim_stat(a, ERG_STAT_ICMP_ECHO_REPLY_RX), 1);
	sim_assert_no_leaks(sim);
	sim_assert_wire_balanced(sim);
	sim_pass(sim);
}

/* Attach refuses what erg_netif_add refuses, and numbers ports densely. */
static void
test_loop_attach_errors_leave_ports_unchanged(void **state)
{
	static const uint8_t group_mac[6] = { 0x03, 0, 0, 0, 0, 9 };
	static const uint8_t mac9[6] = { 0x02, 0, 0, 0, 0, 9 };
	struct sim *sim = *state;
	struct sim_node *a, *b;
	struct erg_config one;

	erg_config_default(&one);
	one.netif_count = 1;
	sim_start(sim, "sim_loop_attach", 47, NULL);
	a = sim_add(sim, &one, 1);
	assert_int_equal(erg_loop_attach(sim->w, a->s, mac9, 1500, NULL),
	    -ERG_ENOMEM);
	b = sim_add(sim, NULL, 2);
	assert_int_equal(erg_loop_attach(sim->w, b->s, group_mac, 1500, NULL),
	    -ERG_EINVAL);
	assert_int_equal(b->port, 1);
	assert_int_equal(
	    erg_loop_wire_pcap(sim->w, "/nonexistent-dir/sim.pcap"),
	    -ERG_EINVAL);
	/* The pcap is closed now: nothing more is written. */
	assert_int_equal(erg_icmp_echo_send(a->s, b->addr, 1, 1, "", 0), 0);
	sim_run_for(sim, SIM_MS);
	assert_int_equal(sim_stat(a, ERG_STAT_ICMP_ECHO_REPLY_RX), 1);
	assert_true(
	    sim_wire_stats(sim).pcap_written < sim_wire_stats(sim).sent);
	sim_assert_no_leaks(sim);
	sim_pass(sim);
}

/* ---- pcap and repetition ------------------------------------------------ */

static void
echo_cb(struct erg_udp_sock *u, unsigned events, void *ctx)
{
	struct sim_node *n = ctx;
	struct erg_udp_dgram d;

	(void)events;
	while (erg_udp_recv(u, &d) == 0) {
		(void)erg_udp_sendto(u, d.src, d.src_port, d.data.p,
		    d.data.len);
		erg_pkt_free(n->s, d.pkt);
	}
}

struct run_result {
	uint64_t pcap_hash;
	size_t pcap_len;
	struct erg_loop_stats st;
	uint64_t counters; /* hash of both stacks' */
};

static void
hash_counter(void *ctx, const char *name, uint64_t value)
{
	uint64_t *h = ctx;

	*h = sim_hash_more(*h, name, strlen(name));
	*h = sim_hash_more(*h, &value, sizeof(value));
}

/*
 * A fixed script on a rough wire: fifty echoes of sizes up to 3000 bytes
 * (fragmented), sent 5 ms apart. Returns the pcap's bytes hash and every
 * counter.
 */
static void
rough_run(uint64_t seed, const char *name, struct run_result *r)
{
	static const struct erg_loop_impair rough = { 30000, 30000, 50000,
		30000, 100, 80 };
	void *st;
	struct sim *sim;
	struct sim_node *a, *b;
	struct erg_udp_sock *ua, *ub;
	uint8_t buf[3000];
	FILE *f;
	unsigned i;
	int c;

	assert_int_equal(sim_setup(&st), 0);
	sim = st;
	sim_start(sim, name, seed, &rough);
	a = sim_add(sim, NULL, 1);
	b = sim_add(sim, NULL, 2);
	assert_int_equal(erg_udp_open(b->s, echo_cb, b, &ub), 0);
	assert_int_equal(erg_udp_bind(ub, ERG_IPV4_ANY, ECHO_PORT), 0);
	assert_int_equal(erg_udp_open(a->s, NULL, NULL, &ua), 0);
	for (i = 0; i < 50; i++) {
		size_t len = ((size_t)i * 61) % sizeof(buf);

		sim_fill(buf, len, i);
		(void)erg_udp_sendto(ua, b->addr, ECHO_PORT, buf, len);
		sim_run_for(sim, 5 * SIM_MS);
	}
	erg_udp_close(ua);
	erg_udp_close(ub);
	sim_run_for(sim, 40 * SIM_SEC);
	sim_assert_no_leaks(sim);
	sim_assert_wire_balanced(sim);

	erg_loop_wire_stats(sim->w, &r->st);
	r->counters = SIM_HASH_INIT;
	erg_stack_stats_foreach(a->s, hash_counter, &r->counters);
	erg_stack_stats_foreach(b->s, hash_counter, &r->counters);
	assert_int_equal(erg_loop_wire_pcap(sim->w, NULL), 0);
	f = fopen(sim->pcap, "rb");
	assert_non_null(f);
	r->pcap_hash = SIM_HASH_INIT;
	r->pcap_len = 0;
	while ((c = getc(f)) != EOF) {
		uint8_t byte = (uint8_t)c;

		r->pcap_hash = sim_hash_more(r->pcap_hash, &byte, 1);
		r->pcap_len++;
	}
	fclose(f);
	sim_pass(sim);
	assert_int_equal(sim_teardown(&st), 0);
}

/*
 * The same seed and script give the same pcap file byte for byte and the
 * same counters on the wire and in both stacks; another seed does not.
 */
static void
test_loop_same_seed_repeats_byte_for_byte(void **state)
{
	struct run_result r1, r2, r3;

	(void)state;
	rough_run(77, "sim_loop_repeat_1", &r1);
	rough_run(77, "sim_loop_repeat_2", &r2);
	rough_run(78, "sim_loop_repeat_3", &r3);
	assert_true(r1.st.lost > 0 && r1.st.duplicated > 0 &&
	    r1.st.reordered > 0 && r1.st.corrupted > 0);
	assert_true(r1.pcap_len > 24);
	assert_int_equal(r1.pcap_len, r2.pcap_len);
	assert_true(r1.pcap_hash == r2.pcap_hash);
	assert_memory_equal(&r1.st, &r2.st, sizeof(r1.st));
	assert_true(r1.counters == r2.counters);
	assert_true(r1.pcap_hash != r3.pcap_hash);
	assert_true(r1.counters != r3.counters);
}

/*
 * The pcap file is Ethernet, holds one record per frame transmitted, in
 * order, stamped with the simulated transmit time, complete (caplen ==
 * len even for a 1514-byte frame), and starts with A's gratuitous ARP.
 */
static void
test_loop_pcap_records_every_frame_with_sim_time(void **state)
{
	static const struct erg_loop_impair imp = { 0, 0, 0, 0, 1500000, 0 };
	struct sim *sim = *state;
	struct sim_node *a, *b;
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	uint8_t big[1472];
	pcap_t *p;
	size_t i;
	int rc;

	sim_start(sim, "sim_loop_pcap", 48, &imp);
	sim_log_start(sim, NULL, NULL);
	a = sim_add(sim, NULL, 1);
	b = sim_add(sim, NULL, 2);
	memset(big, 0xee, sizeof(big));
	assert_int_equal(
	    erg_icmp_echo_send(a->s, b->addr, 7, 7, big, sizeof(big)), 0);
	sim_run_for(sim, 10 * SIM_SEC);
	assert_int_equal(sim_stat(a, ERG_STAT_ICMP_ECHO_REPLY_RX), 1);
	assert_int_equal(erg_loop_wire_pcap(sim->w, NULL), 0);

	p = pcap_open_offline(sim->pcap, err);
	assert_non_null(p);
	assert_int_equal(pcap_datalink(p), DLT_EN10MB);
	assert_int_equal(pcap_snapshot(p), 65535);
	/* Record 0: A's announce, which had no port to go to. */
	assert_int_equal(pcap_next_ex(p, &h, &data), 1);
	assert_int_equal(h->len, 42);
	assert_int_equal(h->caplen, 42);
	assert_int_equal(h->ts.tv_sec, 0);
	assert_int_equal(h->ts.tv_usec, 0);
	assert_memory_equal(data, "\xff\xff\xff\xff\xff\xff", 6);
	assert_memory_equal(data + 6, a->mac, 6);
	assert_int_equal(erg_be16(data + 12), ERG_ETHERTYPE_ARP);
	assert_int_equal(erg_be32(data + 14 + 14), a->addr);
	assert_int_equal(erg_be32(data + 14 + 24), a->addr);
	/* Then exactly the frames the log saw, in order. */
	for (i = 0; i < sim->nlog; i++) {
		uint64_t t;

		assert_int_equal(pcap_next_ex(p, &h, &data), 1);
		t = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
		assert_int_equal(t, sim->log[i].t);
		assert_int_equal(h->len, sim->log[i].len);
		assert_int_equal(h->caplen, h->len);
		assert_memory_equal(data, sim->log[i].dst, 6);
	}
	rc = pcap_next_ex(p, &h, &data);
	assert_int_equal(rc, PCAP_ERROR_BREAK);
	pcap_close(p);
	assert_int_equal(sim_wire_stats(sim).pcap_written, 1 + sim->nlog);
	assert_int_equal(sim_wire_stats(sim).sent, 1 + sim->nlog);
	/*
	 * Seconds in the timestamps: the request reached B at 1.5 s, the
	 * ping left A at 1.5 s when B's announce resolved it, and B's echo
	 * reply, the last frame, left at 3 s.
	 */
	assert_int_equal(sim->log[sim->nlog - 1].from, b->port);
	assert_int_equal(sim->log[sim->nlog - 1].t, 2 * 1500000u);
	assert_int_equal(sim->log[sim->nlog - 1].len, 14 + 20 + 8 + 1472);

	sim_assert_no_leaks(sim);
	sim_assert_wire_balanced(sim);
	sim_pass(sim);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_loop_delivers_exactly_after_delay, sim_setup,
		    sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_loop_jitter_and_reorder_stay_within_bounds, sim_setup,
		    sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_loop_dup_and_loss_counters_are_exact, sim_setup,
		    sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_loop_switches_unicast_to_owner_and_floods_broadcast,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_loop_unicast_to_unknown_mac_is_dropped_as_no_dst,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_loop_frame_larger_than_receiver_buffer_is_rx_toobig,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_loop_zero_delay_wire_makes_progress, sim_setup,
		    sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_loop_attach_errors_leave_ports_unchanged, sim_setup,
		    sim_teardown),
		cmocka_unit_test(test_loop_same_seed_repeats_byte_for_byte),
		cmocka_unit_test_setup_teardown(
		    test_loop_pcap_records_every_frame_with_sim_time, sim_setup,
		    sim_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
