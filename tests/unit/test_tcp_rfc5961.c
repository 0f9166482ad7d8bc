/*
 * tests/unit/test_tcp_rfc5961.c: TCP against blind in-window attacks
 * (RFC 5961), PAWS (RFC 7323 5) and SYN floods (SYN cookies, RFC 4987):
 * TESTING.md bad-input class 19, repr-in, repr-out.
 *
 * As test_tcp.c: one stack plays host B (198.18.0.2) over the capture
 * driver, the test plays host A (and the attacker, who knows the 4-tuple
 * but not the sequence numbers) with segments built by erg_tcp_emit,
 * and asserts on the exact segments B sends, on its state and on the
 * counters named in erg/stats.h. Every test ends with every pool entry
 * back at its baseline.
 *
 * The challenge-ACK limit is per connection (RFC 5961 7 with the lesson
 * of CVE-2016-5696: a global limit is a side channel): 10 a second, the
 * value of src/tcp/tcp_int.h (TCP_CHALLENGE_ACK_PER_SEC).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "erg/erg.h"
#include "lib/testnet.h"
#include "lib/tcp_peer.h"

/*
 * Tests that expose a known bug call skip() (each says BUG: ... why).
 * Built with -DERG_TEST_NO_SKIP they run, to check a fix.
 */
#ifdef ERG_TEST_NO_SKIP
#undef skip
#define skip() ((void)0)
#endif

/* Defaults of erg_config_default (tcpnotes, include/erg/config.h). */
#define DELACK_MS 40u
#define MSL_MS    30000u

#define CHALLENGE_PER_SEC 10u

/* ---- RST (RFC 5961 3) ---------------------------------------------------- */

/* 3.2: a RST exactly at RCV.NXT resets. */
static void
test_rfc5961_rst_at_rcv_nxt_resets(void **state)
{
	struct tc x;
	struct pc p;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	pc_init(&p, &x, PORT_CLI, PORT_SRV);
	pc_accept(&p, &tp_opt_full);
	/* With ACK too, and any acknowledgment number. */
	pc_send_at(&p, F_RST | F_ACK, p.a_nxt, p.b_nxt + 12345, NULL, 0);
	tc_expect_none(&x);
	assert_state(&p, ERG_TCP_CLOSED);
	assert_int_equal(erg_tcp_error(p.c), -ERG_ECONNRESET);
	assert_true(p.ev.all & ERG_TCP_EV_RESET);
	assert_int_equal(STAT(&x, TCP_RST_RX), 1);
	assert_int_equal(STAT(&x, TCP_RST_CHALLENGE_ACKS), 0);
	erg_tcp_close(p.c);
	tc_done(&x);
}

/*
 * 3.2: a RST in the window but not at RCV.NXT gets a challenge ACK
 * <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>; the real peer answers it with a
 * RST at exactly the acknowledged number, which resets.
 */
static void
test_rfc5961_rst_in_window_gets_challenge_ack(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;
	uint32_t wnd;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	pc_init(&p, &x, PORT_CLI, PORT_SRV);
	pc_accept(&p, &tp_opt_full);
	wnd = pc_info(&p).rcv_wnd;
	assert_true(wnd > 2);
	pc_send_at(&p, F_RST, p.a_nxt + 1, 0, NULL, 0);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, p.b_iss + 1, p.a_nxt, 0);
	/* The last sequence number of the window, too. */
	pc_send_at(&p, F_RST, p.a_nxt + wnd - 1, 0, NULL, 0);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, p.b_iss + 1, p.a_nxt, 0);
	assert_int_equal(STAT(&x, TCP_RST_CHALLENGE_ACKS), 2);
	assert_state(&p, ERG_TCP_ESTABLISHED);
	assert_int_equal(p.ev.all & ERG_TCP_EV_RESET, 0);
	assert_int_equal(erg_tcp_error(p.c), 0);
	/* The connection carries on. */
	pc_send(&p, F_ACK | F_PSH, tp_pat, 10);
	assert_int_equal(pc_read_all(&p, 0), 10);
	/* The real peer: RST at the challenge ACK's number. */
	pc_send_at(&p, F_RST, p.a_nxt, 0, NULL, 0);
	tc_advance(&x, 1); /* a delayed ACK never goes out: reset first */
	tc_expect_none(&x);
	assert_state(&p, ERG_TCP_CLOSED);
	assert_int_equal(erg_tcp_error(p.c), -ERG_ECONNRESET);
	erg_tcp_close(p.c);
	tc_done(&x);
}

/* 3.2: a RST outside the window is dropped in silence. */
static void
test_rfc5961_rst_out_of_window_dropped(void **state)
{
	struct tc x;
	struct pc p;
	uint32_t wnd;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	pc_init(&p, &x, PORT_CLI, PORT_SRV);
	pc_accept(&p, &tp_opt_full);
	wnd = pc_info(&p).rcv_wnd;
	pc_send_at(&p, F_RST, p.a_nxt - 1, 0, NULL, 0);
	pc_send_at(&p, F_RST, p.a_nxt + wnd, 0, NULL, 0);
	pc_send_at(&p, F_RST, p.a_nxt + 0x80000000u, 0, NULL, 0);
	pc_send_at(&p, F_RST | F_ACK, p.a_nxt - 70000, p.b_nxt, NULL, 0);
	tc_expect_none(&x);
	assert_int_equal(STAT(&x, TCP_RST_OUT_OF_WINDOW), 4);
	assert_int_equal(STAT(&x, TCP_RST_CHALLENGE_ACKS), 0);
	assert_state(&p, ERG_TCP_ESTABLISHED);
	assert_int_equal(erg_tcp_error(p.c), 0);
	pc_abort(&p, 0);
	tc_done(&x);
}

/* ---- SYN (RFC 5961 4) ---------------------------------------------------- */

/*
 * 4.2: a SYN in a synchronized state, whatever its sequence number, is
 * answered with a challenge ACK and changes nothing. (One outside the
 * window gets the same ACK through the sequence check, RFC 9293
 * 3.10.7.4 first, counted as out of window.)
 */
static void
test_rfc5961_syn_in_established_gets_challenge_ack(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;
	struct synopt o = tp_opt_full;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	pc_init(&p, &x, PORT_CLI, PORT_SRV);
	pc_accept(&p, &tp_opt_full);
	/* At RCV.NXT, as a new incarnation would. */
	pc_send_at(&p, F_SYN, p.a_nxt, 0, NULL, 0);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, p.b_iss + 1, p.a_nxt, 0);
	/* In the window, with options. */
	o.mss = 100;
	{
		uint32_t save = p.a_nxt;

		p.a_nxt += 1000;
		pc_send_syn(&p, F_SYN, &o);
		p.a_nxt = save;
	}
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, p.b_iss + 1, p.a_nxt, 0);
	assert_int_equal(STAT(&x, TCP_SYN_CHALLENGE_ACKS), 2);
	/* A SYN-ACK too. */
	pc_send_at(&p, F_SYN | F_ACK, p.a_nxt + 5, p.b_nxt, NULL, 0);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, p.b_iss + 1, p.a_nxt, 0);
	assert_int_equal(STAT(&x, TCP_SYN_CHALLENGE_ACKS), 3);
	/* Far outside the window. */
	pc_send_at(&p, F_SYN, p.a_nxt - 1000000, 0, NULL, 0);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, p.b_iss + 1, p.a_nxt, 0);
	assert_int_equal(STAT(&x, TCP_OUT_OF_WINDOW), 1);
	/* Nothing changed: the MSS of the fake SYN was not taken. */
	assert_state(&p, ERG_TCP_ESTABLISHED);
	assert_int_equal(pc_info(&p).mss, MSS_TS);
	assert_int_equal(p.ev.all & ERG_TCP_EV_RESET, 0);
	pc_send(&p, F_ACK | F_PSH, tp_pat, 10);
	assert_int_equal(pc_read_all(&p, 0), 10);
	pc_abort(&p, 0);
	tc_done(&x);
}

/* The same in the other synchronized states: CLOSE-WAIT, FIN-WAIT-2. */
static void
test_rfc5961_syn_in_closing_states_gets_challenge_ack(void **state)
{
	struct tc x;
	struct pc p, q;
	struct seg g;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	pc_init(&p, &x, PORT_CLI, PORT_SRV);
	pc_accept(&p, &tp_opt_full);
	pc_send(&p, F_FIN | F_ACK, NULL, 0);
	tc_advance(&x, DELACK_MS * MS);
	pc_expect(&p, &g);
	assert_state(&p, ERG_TCP_CLOSE_WAIT);
	pc_send_at(&p, F_SYN, p.a_nxt, 0, NULL, 0);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, p.b_iss + 1, p.a_nxt, 0);
	assert_state(&p, ERG_TCP_CLOSE_WAIT);

	pc_init(&q, &x, PORT_CLI + 1, PORT_SRV);
	pc_accept(&q, &tp_opt_full);
	assert_int_equal(erg_tcp_shutdown(q.c), 0);
	pc_expect(&q, &g);
	pc_send(&q, F_ACK, NULL, 0);
	assert_state(&q, ERG_TCP_FIN_WAIT_2);
	pc_send_at(&q, F_SYN, q.a_nxt, 0, NULL, 0);
	pc_expect(&q, &g);
	seg_is(&g, F_ACK, q.b_iss + 2, q.a_nxt, 0);
	assert_state(&q, ERG_TCP_FIN_WAIT_2);
	assert_int_equal(STAT(&x, TCP_SYN_CHALLENGE_ACKS), 2);
	pc_abort(&p, 0);
	pc_abort(&q, 0);
	tc_done(&x);
}

/* An active connection too (B connected to A). */
static void
test_rfc5961_syn_on_active_connection_gets_challenge_ack(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;

	(void)state;
	tc_init(&x, NULL);
	pc_init(&p, &x, PORT_REM, PORT_LOC);
	pc_connect(&p, &tp_opt_full);
	/* A's SYN-ACK again (a retransmission): acknowledged, no reset. */
	p.a_nxt = ISS_A;
	pc_send_syn(&p, F_SYN | F_ACK, &tp_opt_full);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, p.b_iss + 1, ISS_A + 1, 0);
	assert_state(&p, ERG_TCP_ESTABLISHED);
	pc_abort(&p, 0);
	tc_done(&x);
}

/* ---- ACK acceptability (RFC 5961 5) -------------------------------------- */

/* B with 1000 bytes in flight to A, whose window is unscaled. */
static void
with_data_in_flight(struct tc *x, struct pc *p)
{
	struct synopt o = tp_opt_full;

	o.ws = false; /* MAX.SND.WND = 65535 exactly */
	pc_init(p, x, PORT_CLI, PORT_SRV);
	pc_accept(p, &o);
	assert_int_equal(erg_tcp_write(p->c, tp_pat, 1000), 1000);
	assert_int_equal(x->t.cap.n, 1);
	pc_take_all(p);
	assert_int_equal(pc_info(p).in_flight, 1000);
}

/*
 * 5.2: an ACK of data never sent (SEG.ACK > SND.NXT) is dropped, data
 * and all, with a challenge ACK (RFC 9293 3.10.7.4 fifth).
 */
static void
test_rfc5961_ack_too_new_dropped_with_challenge_ack(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;
	uint32_t una;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	with_data_in_flight(&x, &p);
	una = p.b_iss + 1;
	pc_send_at(&p, F_ACK | F_PSH, p.a_nxt, una + 1001, tp_pat, 10);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, una + 1000, p.a_nxt, 0);
	assert_int_equal(STAT(&x, TCP_BAD_ACK), 1);
	assert_int_equal(STAT(&x, TCP_ACK_CHALLENGE_ACKS), 1);
	assert_int_equal(erg_tcp_readable(p.c), 0);
	assert_int_equal(pc_info(&p).in_flight, 1000);
	/* Exactly SND.NXT is fine. */
	pc_send_at(&p, F_ACK | F_PSH, p.a_nxt, una + 1000, tp_pat, 10);
	p.a_nxt += 10;
	assert_int_equal(erg_tcp_readable(p.c), 10);
	assert_int_equal(pc_info(&p).in_flight, 0);
	assert_int_equal(STAT(&x, TCP_BAD_ACK), 1);
	tc_advance(&x, DELACK_MS * MS);
	tn_capture_clear(&x.t.cap);
	assert_int_equal(pc_read_all(&p, 0), 10);
	pc_abort(&p, 0);
	tc_done(&x);
}

/*
 * 5.2: SEG.ACK below SND.UNA - MAX.SND.WND is dropped with a challenge
 * ACK; anything from there up to SND.UNA is an old duplicate whose data
 * is accepted.
 */
static void
test_rfc5961_ack_too_old_dropped_with_challenge_ack(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;
	uint32_t una;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	with_data_in_flight(&x, &p);
	una = p.b_iss + 1;
	pc_send_at(&p, F_ACK | F_PSH, p.a_nxt, una - 65535 - 1, tp_pat, 10);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, una + 1000, p.a_nxt, 0);
	pc_send_at(&p, F_ACK | F_PSH, p.a_nxt, una - 0x40000000u, tp_pat, 10);
	pc_expect(&p, &g);
	assert_int_equal(STAT(&x, TCP_ACK_CHALLENGE_ACKS), 2);
	assert_int_equal(erg_tcp_readable(p.c), 0);
	/* SND.UNA - MAX.SND.WND exactly: acceptable. */
	pc_send_at(&p, F_ACK | F_PSH, p.a_nxt, una - 65535, tp_pat, 10);
	p.a_nxt += 10;
	assert_int_equal(erg_tcp_readable(p.c), 10);
	pc_send_at(&p, F_ACK | F_PSH, p.a_nxt, una - 1, tp_pat + 10, 10);
	p.a_nxt += 10;
	assert_int_equal(erg_tcp_readable(p.c), 20);
	assert_int_equal(STAT(&x, TCP_ACK_CHALLENGE_ACKS), 2);
	assert_int_equal(pc_info(&p).in_flight, 1000);
	/* The two old-ACK segments were full-size? No: one ACK for two. */
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, una + 1000, p.a_nxt, 0);
	assert_int_equal(pc_read_all(&p, 0), 20);
	pc_abort(&p, 0);
	tc_done(&x);
}

/* ---- Blind data (RFC 5961 6, RFC 9293 3.10.7.4 first) -------------------- */

static void
test_rfc5961_data_outside_window_dropped_with_ack(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;
	uint32_t wnd;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	pc_init(&p, &x, PORT_CLI, PORT_SRV);
	pc_accept(&p, &tp_opt_full);
	wnd = pc_info(&p).rcv_wnd;
	/* Beyond the right edge. */
	pc_send_at(&p, F_ACK | F_PSH, p.a_nxt + wnd, p.b_nxt, tp_pat, 100);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, p.b_iss + 1, p.a_nxt, 0);
	assert_int_equal(g.r.sack_n, 0);
	/* Entirely before RCV.NXT: an old duplicate. */
	pc_send_at(&p, F_ACK | F_PSH, p.a_nxt - 100, p.b_nxt, tp_pat, 100);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, p.b_iss + 1, p.a_nxt, 0);
	assert_int_equal(STAT(&x, TCP_OUT_OF_WINDOW), 2);
	assert_int_equal(STAT(&x, TCP_DUP_DATA), 1);
	assert_int_equal(erg_tcp_readable(p.c), 0);
	assert_int_equal(STAT(&x, TCP_OOO_QUEUED), 0);
	/* Straddling RCV.NXT: the new part is taken. */
	pc_send_at(&p, F_ACK | F_PSH, p.a_nxt - 5, p.b_nxt, tp_pat, 15);
	p.a_nxt += 10;
	assert_int_equal(erg_tcp_readable(p.c), 10);
	{
		uint8_t buf[16];

		assert_int_equal(erg_tcp_read(p.c, buf, sizeof(buf)), 10);
		assert_memory_equal(buf, tp_pat + 5, 10);
	}
	tc_advance(&x, DELACK_MS * MS);
	pc_expect(&p, &g);
	assert_int_equal(g.r.ack, p.a_nxt);
	pc_abort(&p, 0);
	tc_done(&x);
}

/* ---- The challenge-ACK limit (RFC 5961 7) -------------------------------- */

/*
 * At most CHALLENGE_PER_SEC challenge ACKs a second for one connection
 * (RST, SYN and ACK challenges share it); another connection keeps its
 * own budget, and the budget comes back after a second.
 */
static void
test_rfc5961_challenge_ack_limit_is_per_connection(void **state)
{
	struct tc x;
	struct pc p, q;
	struct seg g;
	unsigned k;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	pc_init(&p, &x, PORT_CLI, PORT_SRV);
	pc_accept(&p, &tp_opt_full);
	pc_init(&q, &x, PORT_CLI + 1, PORT_SRV);
	pc_accept(&q, &tp_opt_full);
	for (k = 0; k < CHALLENGE_PER_SEC + 5; k++) {
		pc_send_at(&p, F_RST, p.a_nxt + 1 + k, 0, NULL, 0);
	}
	assert_int_equal(x.t.cap.n, CHALLENGE_PER_SEC);
	for (k = 0; k < x.t.cap.n; k++) {
		tc_seg(&x, k, &g);
		seg_is(&g, F_ACK, p.b_iss + 1, p.a_nxt, 0);
	}
	tn_capture_clear(&x.t.cap);
	assert_int_equal(STAT(&x, TCP_CHALLENGE_ACK_LIMITED), 5);
	/* SYN challenges draw on the same budget. */
	pc_send_at(&p, F_SYN, p.a_nxt, 0, NULL, 0);
	tc_expect_none(&x);
	assert_int_equal(STAT(&x, TCP_CHALLENGE_ACK_LIMITED), 6);
	/* q's budget is its own: never global (CVE-2016-5696). */
	for (k = 0; k < CHALLENGE_PER_SEC; k++) {
		pc_send_at(&q, F_RST, q.a_nxt + 1 + k, 0, NULL, 0);
	}
	assert_int_equal(x.t.cap.n, CHALLENGE_PER_SEC);
	for (k = 0; k < x.t.cap.n; k++) {
		tc_seg(&x, k, &g);
		assert_int_equal(g.r.dst_port, PORT_CLI + 1);
	}
	tn_capture_clear(&x.t.cap);
	assert_int_equal(STAT(&x, TCP_CHALLENGE_ACK_LIMITED), 6);
	/* Still limited within the second; a new second brings it back. */
	tc_advance(&x, 999 * MS);
	pc_send_at(&p, F_RST, p.a_nxt + 1, 0, NULL, 0);
	tc_expect_none(&x);
	tc_advance(&x, 1 * MS);
	pc_send_at(&p, F_RST, p.a_nxt + 1, 0, NULL, 0);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, p.b_iss + 1, p.a_nxt, 0);
	/* None of it hurt either connection. */
	assert_state(&p, ERG_TCP_ESTABLISHED);
	assert_state(&q, ERG_TCP_ESTABLISHED);
	assert_int_equal(STAT(&x, TCP_RST_CHALLENGE_ACKS),
	    2 * CHALLENGE_PER_SEC + 1);
	pc_abort(&p, 0);
	pc_abort(&q, 0);
	tc_done(&x);
}

/* ---- PAWS (RFC 7323 5) --------------------------------------------------- */

/* An established connection whose TS.Recent is A's current TSval. */
static void
paws_setup(struct tc *x, struct pc *p)
{
	struct seg g;

	pc_init(p, x, PORT_CLI, PORT_SRV);
	pc_accept(p, &tp_opt_full);
	/* Data, and B's ACK of it: TS.Recent follows (RFC 7323 4.3). */
	pc_send(p, F_ACK | F_PSH, tp_pat, 10);
	tc_advance(x, DELACK_MS * MS);
	pc_expect(p, &g);
	pc_send(p, F_ACK | F_PSH, tp_pat + 10, 10);
	tc_advance(x, DELACK_MS * MS);
	pc_expect(p, &g);
	assert_int_equal(g.r.ts_ecr, p->a_ts - 1);
	assert_int_equal(pc_read_all(p, 0), 20);
}

/*
 * 5.3 R1: a segment whose TSval is older than TS.Recent is an old
 * duplicate: dropped, and acknowledged. Equal is fine; "older" is
 * modulo 2^32 (5.2).
 */
static void
test_paws_old_timestamp_dropped_with_ack(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;
	uint32_t recent;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	paws_setup(&x, &p);
	recent = p.a_ts - 1;
	p.a_ts = recent - 1;
	pc_send_at(&p, F_ACK | F_PSH, p.a_nxt, p.b_nxt, tp_pat, 10);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, p.b_iss + 1, p.a_nxt, 0);
	assert_int_equal(g.r.ts_ecr, recent);
	assert_int_equal(STAT(&x, TCP_PAWS_DROP), 1);
	assert_int_equal(erg_tcp_readable(p.c), 0);
	/* Half the timestamp space ahead is behind, modulo 2^32. */
	p.a_ts = recent + 0x80000001u;
	pc_send_at(&p, F_ACK | F_PSH, p.a_nxt, p.b_nxt, tp_pat, 10);
	pc_expect(&p, &g);
	assert_int_equal(STAT(&x, TCP_PAWS_DROP), 2);
	assert_int_equal(erg_tcp_readable(p.c), 0);
	/* Equal to TS.Recent: accepted. */
	p.a_ts = recent;
	pc_send(&p, F_ACK | F_PSH, tp_pat + 20, 10);
	assert_int_equal(erg_tcp_readable(p.c), 10);
	assert_int_equal(STAT(&x, TCP_PAWS_DROP), 2);
	tc_advance(&x, DELACK_MS * MS);
	pc_expect(&p, &g);
	assert_int_equal(g.r.ack, p.a_nxt);
	assert_int_equal(pc_read_all(&p, 20), 10);
	pc_abort(&p, 0);
	tc_done(&x);
}

/* 5.3 R1 exempts RST: a RST at RCV.NXT with an old TSval still resets. */
static void
test_paws_does_not_stop_rst(void **state)
{
	struct tc x;
	struct pc p;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	paws_setup(&x, &p);
	p.a_ts -= 100;
	pc_send_at(&p, F_RST, p.a_nxt, 0, NULL, 0);
	tc_expect_none(&x);
	assert_int_equal(STAT(&x, TCP_PAWS_DROP), 0);
	assert_state(&p, ERG_TCP_CLOSED);
	assert_int_equal(erg_tcp_error(p.c), -ERG_ECONNRESET);
	erg_tcp_close(p.c);
	tc_done(&x);
}

/* A newer TSval is echoed from then on (4.3). */
static void
test_paws_newer_timestamp_is_echoed(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	paws_setup(&x, &p);
	p.a_ts += 0x7fff0000u; /* far ahead, still "newer" */
	pc_send(&p, F_ACK | F_PSH, tp_pat + 20, 10);
	tc_advance(&x, DELACK_MS * MS);
	pc_expect(&p, &g);
	assert_int_equal(g.r.ts_ecr, p.a_ts - 1);
	assert_int_equal(pc_read_all(&p, 20), 10);
	pc_abort(&p, 0);
	tc_done(&x);
}

/*
 * 5.5: after more than 24 days idle TS.Recent is invalid: the peer's
 * clock may have wrapped its sign bit, and a segment that fails the
 * PAWS test is accepted (else the connection freezes for good).
 */
static void
test_paws_ts_recent_invalid_after_24_days_idle(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;

	(void)state;
	/* Regression (fixed): src/tcp/tcp_input.c tcp_conn_input's PAWS check
	 * has no idle test (RFC 7323 5.5 requires one): after 25 idle days a
	 * segment whose TSval is "older" is still dropped, forever. */
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	paws_setup(&x, &p);
	tc_advance(&x, 25ull * 24 * 3600 * SEC);
	tn_learn_a(&x.t, x.now); /* the ARP entry expired meanwhile */
	p.a_ts -= 0x10000000u;
	pc_send(&p, F_ACK | F_PSH, tp_pat + 20, 10);
	assert_int_equal(STAT(&x, TCP_PAWS_DROP), 0);
	assert_int_equal(erg_tcp_readable(p.c), 10);
	tc_advance(&x, DELACK_MS * MS);
	pc_expect(&p, &g);
	assert_int_equal(g.r.ts_ecr, p.a_ts - 1);
	assert_int_equal(pc_read_all(&p, 20), 10);
	pc_abort(&p, 0);
	tc_done(&x);
}

/* ---- SYN cookies (RFC 4987 3.6) ------------------------------------------ */

/* A listener with backlog 1 whose SYN queue holds A's first handshake. */
static void
synq_full(struct tc *x, struct pc *first)
{
	struct seg g;

	tc_listen(x, 1);
	pc_init(first, x, PORT_CLI, PORT_SRV);
	pc_syn(first, &tp_opt_full, &g);
	assert_int_equal(STAT(x, TCP_CONNS_IN_USE), 1);
	assert_int_equal(STAT(x, TCP_SYN_COOKIES_SENT), 0);
}

/* A SYN from p that gets a cookie SYN-ACK; returns it in g. */
static void
cookie_syn(struct tc *x, struct pc *p, const struct synopt *o, struct seg *g)
{
	uint64_t sent = STAT(x, TCP_SYN_COOKIES_SENT);
	uint32_t pool = erg_stack_pool_in_use(x->t.s);

	pc_syn(p, o, g);
	assert_int_equal(STAT(x, TCP_SYN_COOKIES_SENT), sent + 1);
	/* No state kept: that is the point. */
	assert_int_equal(erg_stack_pool_in_use(x->t.s), pool);
}

/*
 * The SYN queue full: the next SYN is answered with a cookie SYN-ACK
 * and nothing allocated; the ACK that echoes the cookie builds an
 * established connection with the MSS, window scale and SACK the SYN
 * offered (carried in the timestamp).
 */
static void
test_syncookie_when_syn_queue_full(void **state)
{
	struct tc x;
	struct pc first, p;
	struct seg g;
	struct erg_tcp_info i;

	(void)state;
	tc_init(&x, NULL);
	synq_full(&x, &first);
	pc_init(&p, &x, PORT_CLI + 1, PORT_SRV);
	p.a_nxt = ISS_A + 777;
	cookie_syn(&x, &p, &tp_opt_full, &g);
	assert_int_equal(STAT(&x, TCP_SYNQ_FULL), 1);
	assert_int_equal(STAT(&x, TCP_CONNS_IN_USE), 1);
	assert_int_equal(g.r.ack, ISS_A + 778);
	assert_int_equal(g.r.mss, MSS_1500);
	assert_true(g.r.ts_ok);
	assert_int_equal(g.r.ts_ecr, TS_A0);
	assert_true(g.r.wscale_ok);
	assert_true(g.r.sack_ok);
	/* The options ride in TSval's low 5 bits: scale 7, SACK 0x10. */
	assert_int_equal(g.r.ts_val & 0x1f, 0x17);
	/* A's ACK echoes it: an established connection, no answer. */
	x.lev.all = 0;
	pc_send(&p, F_ACK, NULL, 0);
	tc_expect_none(&x);
	assert_int_equal(STAT(&x, TCP_SYN_COOKIES_OK), 1);
	assert_int_equal(STAT(&x, TCP_SYN_COOKIES_BAD), 0);
	assert_int_equal(STAT(&x, TCP_CONNS_IN_USE), 2);
	assert_true(x.lev.all & ERG_TCP_EV_ACCEPT);
	assert_int_equal(erg_tcp_accept(x.l, tp_ev_cb, &p.ev, &p.c), 0);
	i = pc_info(&p);
	assert_string_equal(erg_tcp_state_name(i.state), "ESTABLISHED");
	assert_int_equal(i.rport, PORT_CLI + 1);
	assert_int_equal(i.mss, MSS_TS);
	assert_int_equal(i.snd_wscale, 7);
	assert_true(i.sack_ok);
	assert_true(i.ts_ok);
	/* It works both ways. */
	pc_send(&p, F_ACK | F_PSH, tp_pat, 100);
	assert_int_equal(pc_read_all(&p, 0), 100);
	assert_int_equal(erg_tcp_write(p.c, tp_pat, 10), 10);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK | F_PSH, p.b_iss + 1, p.a_nxt, 10);
	assert_int_equal(g.r.window << pc_info(&p).rcv_wscale,
	    pc_info(&p).rcv_wnd);
	pc_send(&p, F_ACK, NULL, 0);
	assert_int_equal(pc_info(&p).in_flight, 0);
	pc_abort(&p, 0);
	/* The first handshake was never disturbed. */
	pc_send(&first, F_ACK, NULL, 0);
	assert_int_equal(erg_tcp_accept(x.l, tp_ev_cb, &first.ev, &first.c), 0);
	assert_state(&first, ERG_TCP_ESTABLISHED);
	pc_abort(&first, 0);
	tc_done(&x);
}

/* The MSS comes back as the largest table value not above the peer's. */
static void
test_syncookie_encodes_mss(void **state)
{
	static const struct {
		uint16_t offer, got;
	} t[] = { { 1460, 1460 }, { 1400, 1360 }, { 1000, 536 }, { 536, 536 } };
	struct tc x;
	struct pc first, p;
	struct seg g;
	struct synopt o = tp_opt_full;
	unsigned k;

	(void)state;
	tc_init(&x, NULL);
	synq_full(&x, &first);
	o.ts = false; /* the MSS alone (no TSopt to subtract) */
	for (k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
		pc_init(&p, &x, (uint16_t)(PORT_CLI + 1 + k), PORT_SRV);
		o.mss = t[k].offer;
		cookie_syn(&x, &p, &o, &g);
		/* Without timestamps: no scaling, no SACK (RFC 4987). */
		assert_false(g.r.ts_ok);
		assert_false(g.r.wscale_ok);
		assert_false(g.r.sack_ok);
		pc_send(&p, F_ACK, NULL, 0);
		tc_expect_none(&x);
		assert_int_equal(erg_tcp_accept(x.l, tp_ev_cb, &p.ev, &p.c), 0);
		assert_int_equal(pc_info(&p).mss, t[k].got);
		assert_int_equal(pc_info(&p).snd_wscale, 0);
		assert_false(pc_info(&p).sack_ok);
		assert_false(pc_info(&p).ts_ok);
		pc_abort(&p, 0);
	}
	assert_int_equal(STAT(&x, TCP_SYN_COOKIES_OK), 4);
	(void)tp_opt_mss;
	tc_done(&x); /* closing the listener resets the first handshake */
}

/*
 * A forged cookie (a guessed ACK number, or a real one with the option
 * bits of the echoed timestamp changed) is refused, counted, answered
 * like any stray ACK to a listener (<SEQ=SEG.ACK><CTL=RST>), and
 * allocates nothing.
 */
static void
test_syncookie_forged_rejected(void **state)
{
	struct tc x;
	struct pc first, p;
	struct seg g;
	uint32_t cookie;

	(void)state;
	tc_init(&x, NULL);
	synq_full(&x, &first);
	pc_init(&p, &x, PORT_CLI + 1, PORT_SRV);
	cookie_syn(&x, &p, &tp_opt_full, &g);
	cookie = g.r.seq;
	/* A guessed cookie. */
	pc_send_at(&p, F_ACK, p.a_nxt, cookie + 1 + 0x100, NULL, 0);
	pc_expect(&p, &g);
	assert_int_equal(g.r.flags, F_RST);
	assert_int_equal(g.r.seq, cookie + 1 + 0x100);
	/* The right cookie, but claiming the SYN had no SACK. */
	p.b_ts ^= 0x10;
	pc_send_at(&p, F_ACK, p.a_nxt, cookie + 1, NULL, 0);
	pc_expect(&p, &g);
	assert_int_equal(g.r.flags, F_RST);
	p.b_ts ^= 0x10;
	/* From another port: the cookie is bound to the 4-tuple. */
	{
		struct pc q = p;

		q.aport = PORT_CLI + 9;
		pc_send_at(&q, F_ACK, q.a_nxt, cookie + 1, NULL, 0);
		pc_expect(&q, &g);
		assert_int_equal(g.r.flags, F_RST);
	}
	assert_int_equal(STAT(&x, TCP_SYN_COOKIES_BAD), 3);
	assert_int_equal(STAT(&x, TCP_SYN_COOKIES_OK), 0);
	assert_int_equal(STAT(&x, TCP_CONNS_IN_USE), 1);
	assert_int_equal(erg_tcp_accept(x.l, tp_ev_cb, &p.ev, &p.c),
	    -ERG_EAGAIN);
	/* The real ACK still works. */
	pc_send_at(&p, F_ACK, p.a_nxt, cookie + 1, NULL, 0);
	tc_expect_none(&x);
	assert_int_equal(STAT(&x, TCP_SYN_COOKIES_OK), 1);
	assert_int_equal(erg_tcp_accept(x.l, tp_ev_cb, &p.ev, &p.c), 0);
	pc_abort(&p, 0);
	tc_done(&x); /* closing the listener resets the first handshake */
}

/*
 * A cookie is good for 64 to 128 s (two periods of 64 s): one 200 s
 * old is refused and counted, while the listener is still sending
 * cookies (a fresh flood keeps its SYN queue full).
 */
static void
test_syncookie_old_rejected(void **state)
{
	struct tc x;
	struct pc first, p, again, q;
	struct seg g;
	unsigned k;

	(void)state;
	tc_init(&x, NULL);
	synq_full(&x, &first);
	pc_init(&p, &x, PORT_CLI + 1, PORT_SRV);
	cookie_syn(&x, &p, &tp_opt_full, &g);
	for (k = 0; k < 200; k++) {
		tc_advance(&x, SEC);
	}
	tn_capture_clear(&x.t.cap); /* the first child's SYN-ACKs */
	assert_int_equal(STAT(&x, TCP_CONNS_IN_USE), 0); /* it gave up */
	tn_learn_a(&x.t, x.now);
	/* A new flood: the queue fills again, cookies go out again. */
	pc_init(&again, &x, PORT_CLI + 2, PORT_SRV);
	pc_syn(&again, &tp_opt_full, &g);
	pc_init(&q, &x, PORT_CLI + 3, PORT_SRV);
	cookie_syn(&x, &q, &tp_opt_full, &g);
	/* p's ACK of its 200 s old cookie. */
	pc_send(&p, F_ACK, NULL, 0);
	pc_expect(&p, &g);
	assert_int_equal(g.r.flags, F_RST);
	assert_int_equal(STAT(&x, TCP_SYN_COOKIES_BAD), 1);
	assert_int_equal(STAT(&x, TCP_SYN_COOKIES_OK), 0);
	assert_int_equal(STAT(&x, TCP_CONNS_IN_USE), 1);
	/* q's fresh one works. */
	pc_send(&q, F_ACK, NULL, 0);
	tc_expect_none(&x);
	assert_int_equal(STAT(&x, TCP_SYN_COOKIES_OK), 1);
	assert_int_equal(erg_tcp_accept(x.l, tp_ev_cb, &q.ev, &q.c), 0);
	pc_abort(&q, 0);
	tc_done(&x);
}

/*
 * A SYN flood (class 19) costs no memory and stops neither an
 * established connection nor a legitimate handshake that answers its
 * cookie.
 */
static void
test_syncookie_flood_spares_established(void **state)
{
	struct tc x;
	struct pc est, first, second, p;
	struct seg g, last;
	unsigned k;
	uint32_t pool;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 2);
	pc_init(&est, &x, PORT_CLI, PORT_SRV);
	pc_accept(&est, &tp_opt_full);
	pc_init(&first, &x, PORT_CLI + 1, PORT_SRV);
	pc_syn(&first, &tp_opt_full, &g);
	pc_init(&second, &x, PORT_CLI + 2, PORT_SRV);
	pc_syn(&second, &tp_opt_full, &g);
	pool = erg_stack_pool_in_use(x.t.s);
	for (k = 0; k < 200; k++) {
		pc_init(&p, &x, (uint16_t)(20000 + k), PORT_SRV);
		p.a_nxt = ISS_A + k * 7919;
		pc_send_syn(&p, F_SYN, &tp_opt_full);
	}
	assert_int_equal(x.t.cap.n, 200);
	for (k = 0; k < x.t.cap.n; k++) {
		tc_seg(&x, k, &g);
		assert_int_equal(g.r.flags, F_SYN | F_ACK);
		assert_int_equal(g.r.dst_port, 20000 + k);
		assert_int_equal(g.r.ack, ISS_A + k * 7919 + 1);
	}
	last = g;
	tn_capture_clear(&x.t.cap);
	assert_int_equal(STAT(&x, TCP_SYN_COOKIES_SENT), 200);
	assert_int_equal(erg_stack_pool_in_use(x.t.s), pool);
	/* The established connection works on. */
	pc_send(&est, F_ACK | F_PSH, tp_pat, 100);
	assert_int_equal(pc_read_all(&est, 0), 100);
	assert_int_equal(erg_tcp_write(est.c, tp_pat, 50), 50);
	pc_expect(&est, &g);
	seg_is(&g, F_ACK | F_PSH, est.b_iss + 1, est.a_nxt, 50);
	/* The flood's last source was a real client: its ACK of the
	 * cookie gets it a connection. */
	pc_track(&p, &last);
	pc_send(&p, F_ACK, NULL, 0);
	tc_expect_none(&x);
	assert_int_equal(STAT(&x, TCP_SYN_COOKIES_OK), 1);
	assert_int_equal(erg_tcp_accept(x.l, tp_ev_cb, &p.ev, &p.c), 0);
	assert_state(&p, ERG_TCP_ESTABLISHED);
	pc_abort(&p, 0);
	pc_abort(&est, 0);
	tc_done(&x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc5961_rst_at_rcv_nxt_resets),
		cmocka_unit_test(test_rfc5961_rst_in_window_gets_challenge_ack),
		cmocka_unit_test(test_rfc5961_rst_out_of_window_dropped),
		cmocka_unit_test(
		    test_rfc5961_syn_in_established_gets_challenge_ack),
		cmocka_unit_test(
		    test_rfc5961_syn_in_closing_states_gets_challenge_ack),
		cmocka_unit_test(
		    test_rfc5961_syn_on_active_connection_gets_challenge_ack),
		cmocka_unit_test(
		    test_rfc5961_ack_too_new_dropped_with_challenge_ack),
		cmocka_unit_test(
		    test_rfc5961_ack_too_old_dropped_with_challenge_ack),
		cmocka_unit_test(
		    test_rfc5961_data_outside_window_dropped_with_ack),
		cmocka_unit_test(
		    test_rfc5961_challenge_ack_limit_is_per_connection),
		cmocka_unit_test(test_paws_old_timestamp_dropped_with_ack),
		cmocka_unit_test(test_paws_does_not_stop_rst),
		cmocka_unit_test(test_paws_newer_timestamp_is_echoed),
		cmocka_unit_test(
		    test_paws_ts_recent_invalid_after_24_days_idle),
		cmocka_unit_test(test_syncookie_when_syn_queue_full),
		cmocka_unit_test(test_syncookie_encodes_mss),
		cmocka_unit_test(test_syncookie_forged_rejected),
		cmocka_unit_test(test_syncookie_old_rejected),
		cmocka_unit_test(test_syncookie_flood_spares_established),
	};

	/* TEST_FILTER=pattern runs only the matching tests (debugging). */
	if (getenv("TEST_FILTER") != NULL) {
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
