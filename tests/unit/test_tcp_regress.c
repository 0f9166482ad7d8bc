/*
 * tests/unit/test_tcp_regress.c: regression tests for the bugs of the
 * TCP review (commit "TCP review fixes: ..."), repr-in, repr-out.
 *
 * Each test reproduces one bug the review found in src/tcp and says,
 * after "Regression:", what the code did wrong; each fails on the tree
 * before the fix. Their simulation counterparts (two stacks on a wire)
 * are in tests/sim/sim_tcp_regress.c.
 *
 * As in test_tcp.c and test_tcp_rfc5961.c (all three share the bench of
 * tests/lib/tcp_peer.h): one stack plays host B (198.18.0.2) over the capture
 * driver, the test plays host A (198.18.0.1) with segments built by
 * erg_tcp_emit, and asserts on the exact segments B sends, on its state
 * (erg_tcp_info) and on the counters named in erg/stats.h. Every test ends with
 * every pool entry back at its baseline.
 *
 * The one exception is the NewReno test, which must push more than 2 GiB
 * through one connection: it builds its own stack with a 65377-byte MTU
 * and a driver that keeps only the TCP header of what B sends.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "erg/erg.h"
#include "frames.h"
#include "lib/testnet.h"
#include "lib/tcp_peer.h"

/* Defaults of erg_config_default (include/erg/config.h). */
#define RTO_MIN (200 * MS) /* tcp_rto_min_ms */
#define RTO_INI (1 * SEC)  /* RFC 6298 2.1, before any RTT sample */
#define MSL     (30 * SEC) /* tcp_msl_ms */

/* ---- Local transmit failures (RFC 9293 3.8.1) --------------------------- */

/*
 * RFC 9293 3.10.4 (CLOSE) and 3.8.1: a FIN occupies sequence space and is
 * retransmitted until acknowledged. Regression: when the driver refused
 * the FIN (netif.tx_err), erg_tcp_output neither marked it sent nor armed
 * the retransmission timer, so the orphan of erg_tcp_close never sent its
 * FIN and held its connection for ever. Now a segment lost to a full
 * driver queue is counted as sent, as if the wire had lost it, and the
 * RTO (200 ms: tcp_rto_min_ms after a zero RTT sample) sends it again.
 */
static void
test_fin_lost_to_tx_failure_is_retransmitted(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;

	(void)state;
	tc_open(&x, &p, NULL, &tp_opt_full);
	x.t.cap.fail = -1;
	erg_tcp_close(p.c);
	p.c = NULL;
	x.t.cap.fail = 0;
	tc_expect_none(&x);
	assert_int_equal(STAT(&x, NETIF_TX_ERR), 1);
	assert_int_equal(STAT(&x, TCP_CONNS_IN_USE), 1);
	tc_advance(&x, RTO_MIN - 1);
	tc_expect_none(&x);
	tc_advance(&x, 1);
	pc_expect(&p, &g);
	seg_is(&g, F_FIN | F_ACK, p.b_iss + 1, p.a_nxt, 0);
	assert_int_equal(STAT(&x, TCP_RTO), 1);
	assert_int_equal(STAT(&x, TCP_RETRANSMITS), 1);
	/* A acknowledges the FIN and sends its own: B's TIME-WAIT. */
	pc_send(&p, F_ACK, NULL, 0);
	tc_expect_none(&x);
	pc_send(&p, F_FIN | F_ACK, NULL, 0);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, p.b_iss + 2, p.a_nxt, 0);
	assert_int_equal(STAT(&x, TCP_CONNS_IN_USE), 0);
	assert_int_equal(STAT(&x, TCP_TIMEWAIT_IN_USE), 1);
	tc_advance(&x, 2 * MSL);
	assert_int_equal(STAT(&x, TCP_TIMEWAIT_IN_USE), 0);
	tc_expect_none(&x);
	tc_done(&x);
}

/*
 * RFC 9293 3.8.1, RFC 6298 5.1: data sent starts the retransmission
 * timer. Regression: data the driver refused was left unsent with no
 * timer; only the persist timer's zero-window probes (or input from the
 * peer) ever got it moving. Now the RTO sends it, 200 ms later, as a
 * retransmission.
 */
static void
test_data_lost_to_tx_failure_is_retransmitted(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;
	struct erg_tcp_info i;

	(void)state;
	tc_open(&x, &p, NULL, &tp_opt_full);
	x.t.cap.fail = -1;
	assert_int_equal(erg_tcp_write(p.c, tp_pat, 100), 100);
	x.t.cap.fail = 0;
	tc_expect_none(&x);
	assert_int_equal(STAT(&x, NETIF_TX_ERR), 1);
	i = pc_info(&p);
	assert_int_equal(i.in_flight, 100);
	assert_int_equal(i.unsent, 0);
	tc_advance(&x, RTO_MIN - 1);
	tc_expect_none(&x);
	tc_advance(&x, 1);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK | F_PSH, p.b_iss + 1, p.a_nxt, 100);
	assert_memory_equal(g.data, tp_pat, 100);
	assert_int_equal(STAT(&x, TCP_RTO), 1);
	assert_int_equal(STAT(&x, TCP_RETRANSMITS), 1);
	assert_int_equal(STAT(&x, TCP_ZERO_WINDOW_PROBES), 0);
	/* A acknowledges it: nothing more to send, no timer left. */
	pc_send(&p, F_ACK, NULL, 0);
	i = pc_info(&p);
	assert_int_equal(i.in_flight, 0);
	assert_int_equal(i.unsent, 0);
	tc_advance(&x, 10 * SEC);
	tc_expect_none(&x);
	pc_abort(&p, F_RST | F_ACK);
	tc_done(&x);
}

/* ---- Timestamps and RFC 5961 -------------------------------------------- */

/*
 * RFC 7323 4.3 (TS.Recent) with RFC 5961 5.2: a segment whose ACK is
 * outside [SND.UNA - MAX.SND.WND, SND.NXT] is dropped with a challenge
 * ACK, so it must not update TS.Recent. Regression: TS.Recent was taken
 * before the ACK check, so one blind segment with an in-window sequence
 * number, a bogus ACK and a huge TSval made PAWS (RFC 7323 5) drop
 * everything the real peer sent afterwards.
 */
static void
test_ts_recent_not_moved_by_segment_failing_ack_check(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;
	struct erg_tcp_repr r;
	uint32_t last_ts;

	(void)state;
	tc_open(&x, &p, NULL, &tp_opt_full);
	last_ts = p.a_ts - 1; /* the TSval of A's handshake ACK */
	/* The attacker: seq just below RCV.NXT, ACK 2^30 ahead, TSval huge. */
	pc_repr(&p, &r, F_ACK, p.a_nxt - 10, p.b_nxt + 0x40000000u);
	r.ts_val = p.a_ts + 0x10000000u;
	tc_inject_repr(&x, &r, tp_pat, 20);
	assert_int_equal(STAT(&x, TCP_BAD_ACK), 1);
	assert_int_equal(STAT(&x, TCP_ACK_CHALLENGE_ACKS), 1);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, p.b_iss + 1, p.a_nxt, 0);
	assert_true(g.r.ts_ok);
	assert_int_equal(g.r.ts_ecr, last_ts);
	/* The real peer goes on: its data is taken and its TSval echoed. */
	last_ts = p.a_ts;
	pc_send(&p, F_ACK | F_PSH, tp_pat, 50);
	assert_int_equal(STAT(&x, TCP_PAWS_DROP), 0);
	assert_int_equal(erg_tcp_readable(p.c), 50);
	assert_int_equal(pc_read_all(&p, 0), 50);
	tc_advance(&x, 40 * MS); /* tcp_delack_ms */
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, p.b_iss + 1, p.a_nxt, 0);
	assert_int_equal(g.r.ts_ecr, last_ts);
	pc_abort(&p, F_RST | F_ACK);
	tc_done(&x);
}

/* ---- RST ---------------------------------------------------------------- */

/*
 * RFC 9293 3.10.5 (ABORT) with RFC 5961 3.2: the peer accepts a RST only
 * at exactly its RCV.NXT. Regression: after an RTO rewound SND.NXT to
 * SND.UNA, erg_tcp_abort sent its RST at SND.NXT, below what the peer had
 * already received, where the peer drops it unseen. Now a RST goes at
 * SND.MAX, as a pure ACK does.
 */
static void
test_rst_after_rto_goes_at_snd_max(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;

	(void)state;
	tc_open(&x, &p, NULL, &tp_opt_full);
	/* Two full segments go, Nagle holds the 104 bytes left. */
	assert_int_equal(erg_tcp_write(p.c, tp_pat, 3000), 3000);
	assert_int_equal(x.t.cap.n, 2);
	tc_seg(&x, 0, &g);
	seg_is(&g, F_ACK, p.b_iss + 1, p.a_nxt, MSS_TS);
	tc_seg(&x, 1, &g);
	seg_is(&g, F_ACK, p.b_iss + 1 + MSS_TS, p.a_nxt, MSS_TS);
	pc_take_all(&p); /* A has both; its ACKs are lost */
	assert_int_equal(p.b_nxt, p.b_iss + 1 + 2 * MSS_TS);
	tc_advance(&x, RTO_MIN);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK | F_PSH, p.b_iss + 1, p.a_nxt, MSS_TS);
	assert_int_equal(STAT(&x, TCP_RTO), 1);
	erg_tcp_abort(p.c);
	p.c = NULL;
	pc_expect(&p, &g);
	seg_is(&g, F_RST | F_ACK, p.b_iss + 1 + 2 * MSS_TS, p.a_nxt, 0);
	assert_int_equal(STAT(&x, TCP_RST_TX), 1);
	tc_done(&x);
}

/* ---- Receive side ------------------------------------------------------- */

/*
 * RFC 9293 3.10.7.4 (segment text): only new data is kept. Regression: a
 * segment whose head was covered by one queued out-of-order segment and
 * whose tail by the next was trimmed to nothing and queued anyway, an
 * empty packet holding a pool entry and a slot of the tcp_ooo_segs bound.
 * Now it is freed and counted as duplicate data.
 */
static void
test_ooo_segment_covered_by_two_neighbours_is_freed(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;
	uint32_t b, base;

	(void)state;
	tc_open(&x, &p, NULL, &tp_opt_full);
	base = erg_stack_pool_in_use(x.t.s); /* listener and connection */
	b = p.a_nxt;
	/* [b+100, b+200) and [b+200, b+300), behind a hole at b. */
	pc_send_at(&p, F_ACK, b + 100, p.b_nxt, tp_pat + 100, 100);
	pc_send_at(&p, F_ACK, b + 200, p.b_nxt, tp_pat + 200, 100);
	assert_int_equal(STAT(&x, TCP_OOO_QUEUED), 2);
	assert_int_equal(erg_stack_pool_in_use(x.t.s), base + 2);
	tn_capture_clear(&x.t.cap); /* the two duplicate ACKs */
	/* [b+150, b+250): nothing in it is new. */
	pc_send_at(&p, F_ACK, b + 150, p.b_nxt, tp_pat + 150, 100);
	assert_int_equal(STAT(&x, TCP_OOO_QUEUED), 2);
	assert_int_equal(STAT(&x, TCP_DUP_DATA), 1);
	assert_int_equal(erg_stack_pool_in_use(x.t.s), base + 2);
	/* Its duplicate ACK reports the one block B holds (RFC 2018). */
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, p.b_iss + 1, b, 0);
	assert_int_equal(g.r.sack_n, 1);
	assert_int_equal(g.r.sack[0].left, b + 100);
	assert_int_equal(g.r.sack[0].right, b + 300);
	/* The hole filled: 300 bytes in order, acknowledged at once. */
	pc_send_at(&p, F_ACK, b, p.b_nxt, tp_pat, 100);
	p.a_nxt = b + 300;
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, p.b_iss + 1, b + 300, 0);
	assert_int_equal(g.r.sack_n, 0);
	assert_int_equal(pc_read_all(&p, 0), 300);
	assert_int_equal(erg_stack_pool_in_use(x.t.s), base);
	pc_abort(&p, F_RST | F_ACK);
	tc_done(&x);
}

/*
 * RFC 9293 3.8.6.2.2, 3.10.7.4: whatever the window offers is taken or
 * dropped; RFC 2018 and RFC 9293 3.10.7.4 keep out-of-order data, but only
 * tcp_ooo_segs segments of it. Regression: the window was bounded only
 * by tcp_rcv_buf, so with a large buffer the peer could have far more
 * than tcp_ooo_segs segments in flight behind one loss, and every one
 * past the bound was dropped: one loss became dozens. Now the window
 * never exceeds (tcp_ooo_segs + 1) segments.
 */
static void
test_rcv_window_bounded_by_ooo_queue(void **state)
{
	struct erg_config cfg;
	struct tc x;
	struct pc p;
	struct seg g;
	struct erg_tcp_info i;
	uint32_t wnd;

	(void)state;
	erg_config_default(&cfg);
	cfg.tcp_rcv_buf = 1u << 20;
	cfg.tcp_ooo_segs = 64;
	tc_open(&x, &p, &cfg, &tp_opt_full);
	i = pc_info(&p);
	assert_int_equal(i.rcv_wscale, 5); /* 1 MiB >> 5 fits 16 bits */
	/* One full segment; B reads it, and its ACK opens the window. */
	pc_send(&p, F_ACK | F_PSH, tp_pat, MSS_TS);
	assert_int_equal(pc_read_all(&p, 0), MSS_TS);
	tc_advance(&x, 40 * MS); /* tcp_delack_ms */
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, p.b_iss + 1, p.a_nxt, 0);
	/* 65 segments, rounded down to the scale: 94120 >> 5 = 2941. */
	wnd = (64 + 1) * MSS_TS;
	assert_int_equal(g.r.window, wnd >> 5);
	assert_int_equal(pc_info(&p).rcv_wnd, (wnd >> 5) << 5);
	pc_abort(&p, F_RST | F_ACK);
	tc_done(&x);
}

/* A driver's receive buffer, lent to the stack (erg_pkt_lend). */
struct lend {
	struct erg_pkt pkt;
	uint8_t buf[2048];
	unsigned released;
};

static void
lend_release(struct erg_pkt *pkt, void *ctx)
{
	struct lend *l = ctx;

	assert_ptr_equal(pkt, &l->pkt);
	l->released++;
}

/* As pc_send, but the frame arrives in l's memory, not a pool packet. */
static void
pc_send_lent(struct pc *p, struct lend *l, uint8_t flags, const void *data,
    size_t len)
{
	struct erg_tcp_repr r;
	struct erg_view v = erg_view_make(data, len);
	uint8_t tcp[ERG_TCP_HDR_MAX + 512];
	size_t n;
	int h;

	assert_true(len <= 512);
	pc_repr(p, &r, flags, p->a_nxt, p->b_nxt);
	h = erg_tcp_emit(&r, ADDR_A, ADDR_B, &v, 1, tcp, ERG_TCP_HDR_MAX);
	assert_true(h >= (int)ERG_TCP_HDR_LEN);
	memcpy(tcp + h, data, len);
	n = tn_build_ipv4(l->buf + 14, ADDR_A, ADDR_B, ERG_IP_PROTO_TCP,
	    p->x->ip_id++, 0, false, tcp, (size_t)h + len);
	memcpy(l->buf, tp_mac_b, 6);
	memcpy(l->buf + 6, tp_mac_a, 6);
	erg_put_be16(l->buf + 12, ERG_ETHERTYPE_IPV4);
	erg_pkt_lend(&l->pkt, l->buf, sizeof(l->buf), 0, (uint32_t)(14 + n),
	    lend_release, l);
	erg_netif_input(p->x->t.s, p->x->t.ifindex, &l->pkt, p->x->now);
	p->a_ts++;
	p->a_nxt += (uint32_t)len;
}

/*
 * Receive budget (src/tcp/tcp_rcv.c): at most rcv_buf / 512 packets held
 * per connection (4 here); past it only a small in-order segment that is
 * copied onto the tail packet is taken. Regression: that exception did
 * not ask whether the tail could be written to, but a tail lent by the
 * driver (erg_pkt_lend) never is, so the segment was queued as one more
 * packet past the budget: a peer could pin a pool packet per tiny segment
 * behind each lent one. Now it is dropped (tcp.rcv_budget_drop) and the
 * peer retransmits it once the reader catches up.
 */
static void
test_lent_tail_does_not_let_segment_past_rcv_budget(void **state)
{
	struct erg_config cfg;
	struct tc x;
	struct pc p;
	struct lend l;
	unsigned k;
	uint32_t off = 0, base;

	(void)state;
	erg_config_default(&cfg);
	cfg.tcp_rcv_buf = 2048; /* 2048 / 512: 4 packets */
	tc_open(&x, &p, &cfg, &tp_opt_full);
	base = erg_stack_pool_in_use(x.t.s); /* listener and connection */
	memset(&l, 0, sizeof(l));
	/*
	 * Four in-order segments of 300 bytes (more than the 256 bytes
	 * coalesced): the budget is full. The last one is in memory the
	 * driver lends.
	 */
	for (k = 0; k < 3; k++) {
		pc_send(&p, F_ACK | F_PSH, tp_pat + off, 300);
		off += 300;
	}
	pc_send_lent(&p, &l, F_ACK | F_PSH, tp_pat + off, 300);
	off += 300;
	assert_int_equal(erg_tcp_readable(p.c), 1200);
	assert_int_equal(STAT(&x, TCP_COALESCED), 0);
	assert_int_equal(erg_stack_pool_in_use(x.t.s), base + 3);
	assert_int_equal(l.released, 0);
	tn_capture_clear(&x.t.cap);
	/* Ten more bytes, in order and in the window (848 bytes left). */
	assert_int_equal(pc_info(&p).rcv_wnd, 2048 - 1200);
	pc_send(&p, F_ACK | F_PSH, tp_pat + off, 10);
	assert_int_equal(STAT(&x, TCP_RCV_BUDGET_DROP), 1);
	assert_int_equal(STAT(&x, TCP_COALESCED), 0);
	assert_int_equal(erg_tcp_readable(p.c), 1200);
	assert_int_equal(erg_stack_pool_in_use(x.t.s), base + 3);
	/* Reading frees the packets and hands the lent one back. */
	assert_int_equal(pc_read_all(&p, 0), 1200);
	assert_int_equal(l.released, 1);
	assert_int_equal(erg_stack_pool_in_use(x.t.s), base);
	tn_capture_clear(&x.t.cap);
	/* A retransmits the ten bytes: taken now. */
	pc_send_at(&p, F_ACK | F_PSH, p.a_nxt - 10, p.b_nxt, tp_pat + off, 10);
	assert_int_equal(pc_read_all(&p, off), 10);
	tn_capture_clear(&x.t.cap);
	pc_abort(&p, F_RST | F_ACK);
	tc_done(&x);
}

/* ---- Timers ------------------------------------------------------------- */

/*
 * RFC 1122 4.2.3.6: keepalive probes after the idle time. Regression:
 * erg_tcp_set_keepalive with a shorter idle time left the timer armed
 * at the old, later deadline, so the new setting took effect only after
 * the old idle time (two hours here). Now the timer is re-armed at once.
 */
static void
test_keepalive_shorter_idle_takes_effect_at_once(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;

	(void)state;
	tc_open(&x, &p, NULL, &tp_opt_full);
	assert_int_equal(erg_tcp_set_keepalive(p.c, 7200 * 1000, 75 * 1000, 9),
	    0);
	assert_int_equal(erg_tcp_set_keepalive(p.c, 10 * 1000, 1000, 3), 0);
	tc_advance(&x, 10 * SEC - 1);
	tc_expect_none(&x);
	tc_advance(&x, 1);
	/* The probe: SEG.SEQ = SND.NXT - 1, no data (RFC 1122 4.2.3.6). */
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, p.b_iss, p.a_nxt, 0);
	assert_int_equal(STAT(&x, TCP_KEEPALIVE_PROBES), 1);
	/* A answers; the next probe is 10 s after that. */
	pc_send(&p, F_ACK, NULL, 0);
	tc_expect_none(&x);
	tc_advance(&x, 10 * SEC - 1);
	tc_expect_none(&x);
	tc_advance(&x, 1);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, p.b_iss, p.a_nxt, 0);
	assert_int_equal(STAT(&x, TCP_KEEPALIVE_PROBES), 2);
	pc_abort(&p, F_RST | F_ACK);
	tc_done(&x);
}

/*
 * RFC 6298 3 (Karn's algorithm): no RTT sample from a segment sent more
 * than once. Regression: when the peer's retransmitted SYN made B send
 * its SYN-ACK again, the RTT timing of the first SYN-ACK went on, and the
 * handshake's ACK gave a sample of the whole 900 ms. Now that timing is
 * dropped: no sample (srtt 0), the RTO stays at the initial 1 s.
 */
static void
test_synack_resent_gives_no_rtt_sample(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;
	struct erg_tcp_info i;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	pc_init(&p, &x, PORT_CLI, PORT_SRV);
	pc_syn(&p, &tp_opt_mss, &g);
	/* A's SYN again, 900 ms later: B answers with its SYN-ACK again. */
	tc_advance(&x, 900 * MS);
	tc_expect_none(&x);
	pc_send_syn_at(&p, F_SYN, ISS_A, 0, &tp_opt_mss);
	pc_expect(&p, &g);
	seg_is(&g, F_SYN | F_ACK, p.b_iss, p.a_nxt, 0);
	pc_ack_accept(&p);
	i = pc_info(&p);
	assert_int_equal(i.srtt_us, 0);
	assert_int_equal(i.rto_us, RTO_INI);
	pc_abort(&p, F_RST | F_ACK);
	tc_done(&x);
}

/*
 * RFC 1191 6.5 with RFC 6298 3 (Karn): after "fragmentation needed", the
 * data in flight is sent again in smaller segments, and no RTT sample may
 * come from it. Regression: the timing of the first, too large segment
 * went on, so A's ACK of the resent data gave a sample of 180 ms. Now the
 * timing is dropped and srtt keeps its value.
 */
static void
test_pmtu_resend_gives_no_rtt_sample(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;
	struct erg_icmp_repr ir;
	struct erg_tcp_info before, after;
	uint8_t icmp[8 + 28];

	(void)state;
	tc_open(&x, &p, NULL, &tp_opt_mss); /* no timestamps: timed samples */
	/* B's first data, acknowledged 100 ms later: an RTT sample. */
	assert_int_equal(erg_tcp_write(p.c, tp_pat, 10), 10);
	pc_take_all(&p);
	tc_advance(&x, 100 * MS);
	pc_send(&p, F_ACK, NULL, 0);
	before = pc_info(&p);
	/* RFC 6298 2.3: 7/8 of the handshake's (zero) sample, 1/8 of this. */
	assert_true(before.srtt_us > 0 && before.srtt_us < 100 * MS);
	assert_int_equal(before.rto_us, RTO_MIN);
	/* A full segment, too big for a router: 150 ms later, its ICMP. */
	assert_int_equal(erg_tcp_write(p.c, tp_pat, MSS_1500), MSS_1500);
	assert_int_equal(x.t.cap.n, 1);
	tc_seg(&x, 0, &g);
	seg_is(&g, F_ACK | F_PSH, p.b_iss + 11, p.a_nxt, MSS_1500);
	memcpy(icmp + 8, x.t.cap.frames[0].data + 14, 28); /* RFC 792 quote */
	tn_capture_clear(&x.t.cap); /* lost: A never sees it */
	tc_advance(&x, 150 * MS);
	ir.type = ERG_ICMP_DEST_UNREACH;
	ir.code = ERG_ICMP_FRAG_NEEDED;
	ir.rest = 1000; /* next-hop MTU: MSS 960 */
	assert_int_equal(erg_icmp_emit(&ir, icmp, sizeof(icmp)), 0);
	tc_inject_ip(&x, ERG_IP_PROTO_ICMP, icmp, sizeof(icmp));
	assert_int_equal(STAT(&x, TCP_PMTU_LOWERED), 1);
	/* The first 960 bytes again; Nagle holds the rest. */
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, p.b_iss + 11, p.a_nxt, 960);
	/* A acknowledges them 30 ms later, before the RTO (200 ms). */
	tc_advance(&x, 30 * MS);
	pc_send(&p, F_ACK, NULL, 0);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK | F_PSH, p.b_iss + 11 + 960, p.a_nxt, MSS_1500 - 960);
	tc_advance(&x, 10 * MS);
	pc_send(&p, F_ACK, NULL, 0);
	after = pc_info(&p);
	assert_int_equal(after.in_flight, 0);
	assert_int_equal(STAT(&x, TCP_RTO), 0);
	assert_int_equal(after.srtt_us, before.srtt_us);
	assert_int_equal(after.rttvar_us, before.rttvar_us);
	pc_abort(&p, F_RST | F_ACK);
	tc_done(&x);
}

/* ---- NewReno past 2^31 (RFC 6582) --------------------------------------- */

/*
 * A stack with one interface whose driver keeps only what the test needs
 * of each TCP segment (no copy of the payload), and an MTU of 65377 (the
 * largest a 65535-byte packet takes): 2 GiB cross in 32,900 segments.
 */
#define BIG_PKT  65535u
#define BIG_MTU  (BIG_PKT - 158u) /* include/erg/netif.h */
#define BIG_MSS  (BIG_MTU - 40u)
#define BIG_RING (8u * BIG_MSS)

struct bigdrv {
	unsigned n;         /* TCP segments sent */
	uint32_t seq_first; /* of the first segment since bigdrv_clear */
	uint32_t end_max;   /* highest SEG.SEQ + SEG.LEN since then */
	uint32_t last_seq;  /* of the last segment */
	uint32_t last_len;
	uint8_t last_flags;
};

static void
bigdrv_clear(struct bigdrv *d)
{
	memset(d, 0, sizeof(*d));
}

static int
bigdrv_tx(void *drv, const struct erg_iov *iov, unsigned n)
{
	struct bigdrv *d = drv;
	const uint8_t *h = iov[0].base;
	size_t total = 0, hl;
	uint32_t seq, len;
	unsigned i;

	for (i = 0; i < n; i++) {
		total += iov[i].len;
	}
	/* Ethernet, a 20-byte IPv4 header (B sends no options), TCP. */
	if (iov[0].len < 14 + 20 + 20 || h[14 + 9] != ERG_IP_PROTO_TCP) {
		return 0;
	}
	hl = (size_t)(h[14 + 20 + 12] >> 4) * 4;
	seq = erg_be32(h + 14 + 20 + 4);
	len = (uint32_t)(total - 14 - 20 - hl);
	if (d->n == 0) {
		d->seq_first = seq;
		d->end_max = seq + len;
	}
	if ((int32_t)(seq + len - d->end_max) > 0) {
		d->end_max = seq + len;
	}
	d->n++;
	d->last_seq = seq;
	d->last_len = len;
	d->last_flags = h[14 + 20 + 13];
	return 0;
}

static const struct erg_netif_ops bigdrv_ops = { bigdrv_tx };

/* Host B as tn_host_b builds it, but on a bigdrv with the largest MTU. */
static void
big_host_b(struct tc *x, struct bigdrv *d)
{
	struct erg_config cfg;
	struct erg_netif_config nc;

	memset(x, 0, sizeof(*x));
	tp_pat_init();
	erg_config_default(&cfg);
	cfg.pkt_size = BIG_PKT;
	cfg.pkt_count = 16;
	cfg.tcp_conns = 2;
	cfg.tcp_snd_buf = BIG_RING;
	cfg.rand = tn_rand;
	cfg.rand_ctx = &x->t.rng;
	x->t.rng = 0xb0b;
	x->t.arena_len = erg_arena_size(&cfg);
	assert_true(x->t.arena_len > 0);
	x->t.arena = aligned_alloc(16, (x->t.arena_len + 15) & ~(size_t)15);
	assert_non_null(x->t.arena);
	assert_int_equal(
	    erg_stack_init(&x->t.s, x->t.arena, x->t.arena_len, &cfg, 0), 0);
	memset(&nc, 0, sizeof(nc));
	memcpy(nc.mac, tp_mac_b, 6);
	nc.mtu = BIG_MTU;
	nc.caps = ERG_NETIF_CAP_GATHER;
	nc.ops = &bigdrv_ops;
	nc.drv = d;
	assert_int_equal(erg_netif_add(x->t.s, &nc, &x->t.ifindex), 0);
	assert_int_equal(erg_ipv4_addr_set(x->t.s, x->t.ifindex, ADDR_B, 24),
	    0);
	x->t.addr = ADDR_B;
	x->t.baseline = erg_stack_pool_in_use(x->t.s);
	x->now = T0;
	tn_inject(&x->t, frame_arp_request, sizeof(frame_arp_request), x->now);
	bigdrv_clear(d);
}

/* Queues n bytes on c without copying (the ring's bytes do not matter). */
static void
big_commit(struct erg_tcp_conn *c, uint32_t n)
{
	struct erg_wview w[2];
	int k;

	k = erg_tcp_reserve(c, w);
	assert_true(k >= 1);
	assert_true(w[0].len + (k == 2 ? w[1].len : 0) >= n);
	assert_int_equal(erg_tcp_commit(c, n), 0);
}

/*
 * RFC 6582 3.2 step 2: three duplicate ACKs start a fast retransmit only
 * if the cumulative ACK covers more than "recover", which RFC 6582 4
 * sets to the highest sequence number sent at each loss. Regression:
 * recover stayed at the ISS while a connection lost nothing, so once
 * 2^31 bytes had been acknowledged, SND.UNA > recover compared false
 * (sequence numbers are modulo 2^32, RFC 9293 3.4) and the next loss,
 * and every loss of the next 2 GiB, waited for the RTO instead. Now
 * recover trails SND.UNA by one while there is no recovery.
 */
static void
test_newreno_fast_retransmit_after_2gib(void **state)
{
	struct tc x;
	struct bigdrv d;
	struct pc p;
	struct erg_tcp_repr r;
	uint64_t acked = 0;
	uint32_t lost, ack, room;
	unsigned k;

	(void)state;
	big_host_b(&x, &d);
	tc_listen(&x, 0);
	pc_init(&p, &x, PORT_CLI, PORT_SRV);
	p.a_win = 65535; /* with window scale 7: 8 MiB */
	/* A offers the largest MSS there is (65535 - 40), no timestamps. */
	pc_send_syn_at(&p, F_SYN, ISS_A, 0,
	    &(struct synopt){ 65495, true, false, true, 7 });
	p.a_nxt++;
	assert_int_equal(d.n, 1);
	assert_int_equal(d.last_flags, F_SYN | F_ACK);
	p.b_iss = d.last_seq;
	p.b_nxt = p.b_iss + 1;
	pc_ack_accept(&p);
	assert_int_equal(pc_info(&p).mss, BIG_MSS);
	/*
	 * 2^31 + 2^24 bytes: the ring filled whenever it has room, and all
	 * that was sent acknowledged at once, nothing lost.
	 */
	bigdrv_clear(&d);
	d.end_max = p.b_nxt;
	while (acked < (1ull << 31) + (1ull << 24)) {
		room = (uint32_t)erg_tcp_writable(p.c);
		if (room > 0) {
			big_commit(p.c, room);
		}
		assert_true((int32_t)(d.end_max - p.b_nxt) > 0);
		acked += d.end_max - p.b_nxt;
		p.b_nxt = d.end_max;
		pc_send(&p, F_ACK, NULL, 0);
	}
	assert_int_equal(pc_info(&p).in_flight, 0);
	assert_int_equal(p.b_nxt - p.b_iss - 1, (uint32_t)acked);
	/* SND.UNA > ISS now compares false (RFC 9293 3.4). */
	assert_true((int32_t)(p.b_nxt - p.b_iss) < 0);
	assert_int_equal(STAT(&x, TCP_RETRANSMITS), 0);
	/* Eight segments; the first is lost, the next three bring dup ACKs. */
	bigdrv_clear(&d);
	big_commit(p.c, BIG_RING);
	assert_int_equal(d.n, 8);
	lost = p.b_nxt;
	p.b_nxt = d.end_max;
	bigdrv_clear(&d);
	for (k = 0; k < 3; k++) {
		pc_repr(&p, &r, F_ACK, p.a_nxt, lost);
		tc_inject_repr(&x, &r, NULL, 0);
	}
	assert_int_equal(STAT(&x, TCP_DUP_ACKS), 3);
	assert_int_equal(STAT(&x, TCP_FAST_RETRANSMITS), 1);
	assert_int_equal(STAT(&x, TCP_RTO), 0);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.last_seq, lost);
	assert_int_equal(d.last_len, BIG_MSS);
	/* The retransmission fills the hole: everything is acknowledged. */
	ack = p.b_nxt;
	pc_repr(&p, &r, F_ACK, p.a_nxt, ack);
	tc_inject_repr(&x, &r, NULL, 0);
	assert_int_equal(pc_info(&p).in_flight, 0);
	erg_tcp_abort(p.c);
	assert_int_equal(d.last_flags, F_RST | F_ACK);
	assert_int_equal(d.last_seq, ack);
	erg_tcp_listener_close(x.l);
	x.l = NULL;
	assert_int_equal(STAT(&x, TCP_CONNS_IN_USE), 0);
	tn_stack_done(&x.t);
}

/* Host B as tn_host_b builds it, but on a capture port that takes gather
 * lists: only then does a connection keep its path (route + next-hop MAC,
 * struct erg_ipv4_path), which tn_host_b's port never exercises. */
static void
gather_host_b(struct tc *x)
{
	struct erg_config cfg;
	struct erg_netif_config nc;

	memset(x, 0, sizeof(*x));
	tp_pat_init();
	erg_config_default(&cfg);
	cfg.rand = tn_rand;
	cfg.rand_ctx = &x->t.rng;
	x->t.rng = 0xb0b;
	x->t.arena_len = erg_arena_size(&cfg);
	assert_true(x->t.arena_len > 0);
	x->t.arena = aligned_alloc(16, (x->t.arena_len + 15) & ~(size_t)15);
	assert_non_null(x->t.arena);
	assert_int_equal(
	    erg_stack_init(&x->t.s, x->t.arena, x->t.arena_len, &cfg, 0), 0);
	memset(&nc, 0, sizeof(nc));
	memcpy(nc.mac, tp_mac_b, 6);
	nc.mtu = 1500;
	nc.caps = ERG_NETIF_CAP_GATHER;
	nc.ops = &tn_capture_ops;
	nc.drv = &x->t.cap;
	assert_int_equal(erg_netif_add(x->t.s, &nc, &x->t.ifindex), 0);
	assert_int_equal(erg_ipv4_addr_set(x->t.s, x->t.ifindex, ADDR_B, 24),
	    0);
	x->t.addr = ADDR_B;
	x->t.baseline = erg_stack_pool_in_use(x->t.s);
	x->now = T0;
	tn_capture_clear(&x->t.cap); /* the announcement (RFC 5227 3) */
	tn_learn_a(&x->t, x->now);
}

/* A's ARP reply (RFC 826) to B from mac: B's entry for A takes it. */
static void
inject_arp_reply_a(struct tc *x, const uint8_t mac[6])
{
	uint8_t f[42];

	memcpy(f, tp_mac_b, 6);
	memcpy(f + 6, mac, 6);
	erg_put_be16(f + 12, ERG_ETHERTYPE_ARP);
	erg_put_be16(f + 14, 1);      /* Ethernet */
	erg_put_be16(f + 16, 0x0800); /* IPv4 */
	f[18] = 6;
	f[19] = 4;
	erg_put_be16(f + 20, ERG_ARP_OP_REPLY);
	memcpy(f + 22, mac, 6);
	erg_put_be32(f + 28, ADDR_A);
	memcpy(f + 32, tp_mac_b, 6);
	erg_put_be32(f + 38, ADDR_B);
	tn_inject(&x->t, f, sizeof(f), x->now);
}

/*
 * The connection's cached path (src/ipv4/ipv4.c, erg_ipv4_output_iov_path)
 * must not outlive the neighbour it names: after A's ARP reply moves A to
 * another MAC (RFC 826 merge), B's very next segment goes to the new MAC,
 * and back again. Each segment B sends through tcp_xmit_plain is also
 * checked byte for byte against erg_tcp_emit of its parsed header (the
 * one-pass header of src/tcp/tcp_output.c must equal the codec's).
 */
static void
test_path_cache_follows_arp_mac_change(void **state)
{
	static const uint8_t mac_a2[6] = { 0x02, 0, 0, 0, 0, 0x11 };
	const uint8_t *macs[3] = { tp_mac_a, mac_a2, tp_mac_a };
	struct tc x;
	struct pc p;
	unsigned round;

	(void)state;
	gather_host_b(&x);
	tc_listen(&x, 0);
	pc_init(&p, &x, PORT_CLI, PORT_SRV);
	pc_accept(&p, &tp_opt_full);
	for (round = 0; round < 3; round++) {
		unsigned k;

		if (round > 0) {
			inject_arp_reply_a(&x, macs[round]);
			tc_expect_none(&x);
		}
		/* Twice: the first segment may fill the path, the second uses
		 * it. */
		for (k = 0; k < 2; k++) {
			const struct tn_frame *f;
			struct erg_ipv4_repr ip;
			struct erg_tcp_repr r;
			struct erg_view l4, pl;
			enum erg_stat why = ERG_STAT_COUNT;
			uint8_t h[ERG_TCP_HDR_MAX];

			assert_int_equal(erg_tcp_write(p.c, tp_pat, 100), 100);
			assert_int_equal(x.t.cap.n, 1);
			f = &x.t.cap.frames[0];
			assert_memory_equal(f->data, macs[round], 6);
			assert_int_equal(
			    erg_ipv4_parse(&ip, &l4,
			        erg_view_make(f->data + 14, f->len - 14), NULL),
			    0);
			assert_int_equal(
			    erg_tcp_parse(&r, &pl, l4, ADDR_B, ADDR_A, &why),
			    0);
			assert_int_equal(pl.len, 100);
			assert_int_equal(erg_tcp_emit(&r, ADDR_B, ADDR_A, &pl,
			                     1, h, sizeof(h)),
			    32); /* NOP NOP TS: RFC 7323 appendix A */
			assert_memory_equal(h, l4.p, 32);
			p.b_nxt += 100;
			p.b_ts = r.ts_val;
			tn_capture_clear(&x.t.cap);
			pc_send(&p, F_ACK, NULL, 0);
			tc_expect_none(&x);
		}
	}
	assert_int_equal(STAT(&x, ARP_RX), 3u);
	pc_abort(&p, F_RST | F_ACK);
	tc_done(&x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fin_lost_to_tx_failure_is_retransmitted),
		cmocka_unit_test(test_data_lost_to_tx_failure_is_retransmitted),
		cmocka_unit_test(
		    test_ts_recent_not_moved_by_segment_failing_ack_check),
		cmocka_unit_test(test_rst_after_rto_goes_at_snd_max),
		cmocka_unit_test(
		    test_ooo_segment_covered_by_two_neighbours_is_freed),
		cmocka_unit_test(test_rcv_window_bounded_by_ooo_queue),
		cmocka_unit_test(
		    test_lent_tail_does_not_let_segment_past_rcv_budget),
		cmocka_unit_test(
		    test_keepalive_shorter_idle_takes_effect_at_once),
		cmocka_unit_test(test_synack_resent_gives_no_rtt_sample),
		cmocka_unit_test(test_pmtu_resend_gives_no_rtt_sample),
		cmocka_unit_test(test_newreno_fast_retransmit_after_2gib),
		cmocka_unit_test(test_path_cache_follows_arp_mac_change),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
