/*
 * tests/unit/test_tcp.c: the TCP state machine and connection behaviour
 * (RFC 9293 3.3.2 and 3.10, RFC 7323, RFC 2018, RFC 6691, RFC 1122
 * 4.2.3, RFC 5927, RFC 6528, RFC 6191, RFC 1337), repr-in, repr-out.
 *
 * One stack plays host B of tests/vectors (198.18.0.2) over the capture
 * driver; the test plays host A (198.18.0.1): it builds every segment A
 * sends with erg_tcp_emit (so checksums are right unless a test wants
 * them wrong), injects it as an Ethernet/IPv4 frame, runs B's clock with
 * erg_stack_poll, and asserts on the exact segments B transmits (parsed
 * back with erg_tcp_parse: flags, sequence and acknowledgment numbers,
 * window, options) and on B's state through erg_tcp_info. Each test ends
 * with every pool entry back at its baseline.
 *
 * Bad-input classes of TESTING.md exercised against a live connection:
 * 6 (urgent pointer), 7 (option lengths), 8 (data offset, IP length),
 * 15 (SACK edges, truncated timestamps), 16 (RFC 6528 ISNs), 17 (tiny
 * MSS), 18 (out-of-order floods). Class 19 (RFC 5961) has its own file,
 * test_tcp_rfc5961.c.
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

/* ---- The test bench ------------------------------------------------------ */

/* RFC 7323 2.3: the smallest shift that lets the window cover buf. */
static uint8_t
ws_for(uint32_t buf)
{
	uint8_t s = 0;

	while (s < ERG_TCP_WSCALE_MAX && (65535u << s) < buf) {
		s++;
	}
	return s;
}

/* As tc_init, with an interface MTU other than 1500. */
static void
tc_init_mtu(struct tc *x, uint16_t mtu)
{
	struct erg_config cfg;
	struct erg_netif_config nc;

	memset(x, 0, sizeof(*x));
	tp_pat_init();
	erg_config_default(&cfg);
	x->t.rng = 0xb0b;
	cfg.rand = tn_rand;
	cfg.rand_ctx = &x->t.rng;
	x->t.arena_len = erg_arena_size(&cfg);
	assert_true(x->t.arena_len > 0);
	x->t.arena = aligned_alloc(16, (x->t.arena_len + 15) & ~(size_t)15);
	assert_non_null(x->t.arena);
	assert_int_equal(
	    erg_stack_init(&x->t.s, x->t.arena, x->t.arena_len, &cfg, 0), 0);
	memset(&nc, 0, sizeof(nc));
	memcpy(nc.mac, tp_mac_b, 6);
	memcpy(x->t.mac, tp_mac_b, 6);
	nc.mtu = mtu;
	nc.ops = &tn_capture_ops;
	nc.drv = &x->t.cap;
	assert_int_equal(erg_netif_add(x->t.s, &nc, &x->t.ifindex), 0);
	assert_int_equal(erg_ipv4_addr_set(x->t.s, x->t.ifindex, ADDR_B, 24),
	    0);
	x->t.addr = ADDR_B;
	tn_capture_clear(&x->t.cap);
	x->t.baseline = erg_stack_pool_in_use(x->t.s);
	x->now = T0;
	tn_learn_a(&x->t, x->now);
}

/*
 * Advances the clock in steps of step until B transmits (or limit has
 * passed); returns the time waited.
 */
static uint64_t
tc_wait_tx(struct tc *x, uint64_t step, uint64_t limit)
{
	uint64_t waited = 0;

	while (x->t.cap.n == 0 && waited < limit) {
		tc_advance(x, step);
		waited += step;
	}
	return waited;
}

/* Recomputes the TCP checksum of a hand-made segment from A to B. */
static void
tcp_fix_cksum(uint8_t *tcp, size_t len)
{
	struct erg_cksum c;

	tcp[16] = tcp[17] = 0;
	erg_cksum_init(&c);
	erg_cksum_add_pseudo(&c, ADDR_A, ADDR_B, ERG_IP_PROTO_TCP,
	    (uint16_t)len);
	erg_cksum_add(&c, tcp, len);
	erg_put_be16(tcp + 16, erg_cksum_finish(&c));
}

/*
 * An ICMP error from A about a segment B sent (its first 8 bytes:
 * ports and sequence number), quoted after an IPv4 header B -> A.
 */
static void
tc_inject_icmp(struct tc *x, uint8_t type, uint8_t code, uint16_t mtu,
    const struct pc *p, uint32_t seq)
{
	uint8_t tcp8[8], icmp[8 + 28], ip[20 + sizeof(icmp)];
	uint8_t f[14 + sizeof(ip)];
	struct erg_icmp_repr r;
	size_t n;

	erg_put_be16(tcp8, p->bport);
	erg_put_be16(tcp8 + 2, p->aport);
	erg_put_be32(tcp8 + 4, seq);
	(void)tn_build_ipv4(icmp + 8, ADDR_B, ADDR_A, ERG_IP_PROTO_TCP, 0x77, 0,
	    false, tcp8, sizeof(tcp8));
	icmp[8 + 6] |= 0x40; /* DF, as B sends */
	r.type = type;
	r.code = code;
	r.rest = mtu;
	assert_int_equal(erg_icmp_emit(&r, icmp, sizeof(icmp)), 0);
	n = tn_build_ipv4(ip, ADDR_A, ADDR_B, ERG_IP_PROTO_ICMP, x->ip_id++, 0,
	    false, icmp, sizeof(icmp));
	n = tn_build_eth(f, tp_mac_b, tp_mac_a, ERG_ETHERTYPE_IPV4, ip, n);
	tn_inject(&x->t, f, n, x->now);
}

/* ---- RFC 9293 3.3.2: one test per transition ----------------------------- */

/* CLOSED -> SYN-SENT: OPEN sends <SEQ=ISS><CTL=SYN> with our options. */
static void
test_tcp_closed_to_syn_sent_on_connect(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;
	struct erg_tcp_info i;

	(void)state;
	tc_init(&x, NULL);
	pc_init(&p, &x, PORT_REM, PORT_LOC);
	assert_int_equal(erg_tcp_connect(x.t.s, ADDR_A, PORT_REM, PORT_LOC,
	                     tp_ev_cb, &p.ev, &p.c),
	    0);
	assert_int_equal(x.t.cap.n, 1);
	tc_seg(&x, 0, &g);
	assert_int_equal(g.r.flags, F_SYN);
	assert_int_equal(g.r.src_port, PORT_LOC);
	assert_int_equal(g.r.dst_port, PORT_REM);
	assert_int_equal(g.len, 0);
	/* RFC 7323 2.2: the window of a SYN is never scaled. */
	assert_int_equal(g.r.window, 65535);
	/* Linux's set: MSS, SACK-permitted, timestamps, window scale. */
	assert_int_equal(g.r.mss, MSS_1500);
	assert_true(g.r.sack_ok);
	assert_true(g.r.ts_ok);
	assert_int_equal(g.r.ts_ecr, 0);
	assert_true(g.r.wscale_ok);
	assert_int_equal(g.r.wscale, ws_for(65536));
	assert_int_equal(g.r.sack_n, 0);
	i = pc_info(&p);
	assert_string_equal(erg_tcp_state_name(i.state), "SYN-SENT");
	assert_int_equal(i.laddr, ADDR_B);
	assert_int_equal(i.raddr, ADDR_A);
	assert_int_equal(i.lport, PORT_LOC);
	assert_int_equal(i.rport, PORT_REM);
	assert_int_equal(STAT(&x, TCP_ACTIVE_OPENS), 1);
	tn_capture_clear(&x.t.cap);

	/* RFC 6298 2.1: the SYN is retransmitted after 1 s, same ISS. */
	tc_advance(&x, SEC - 1);
	tc_expect_none(&x);
	tc_advance(&x, 1);
	assert_int_equal(x.t.cap.n, 1);
	{
		struct seg g2;

		tc_seg(&x, 0, &g2);
		assert_int_equal(g2.r.flags, F_SYN);
		assert_int_equal(g2.r.seq, g.r.seq);
	}
	assert_int_equal(STAT(&x, TCP_RETRANSMITS), 1);
	tn_capture_clear(&x.t.cap);
	/* Abort in SYN-SENT sends nothing (RFC 9293 3.10.4). */
	erg_tcp_abort(p.c);
	tc_expect_none(&x);
	tc_done(&x);
}

/* LISTEN -> SYN-RECEIVED: a SYN gets <SEQ=ISS><ACK=RCV.NXT><SYN,ACK>. */
static void
test_tcp_listen_to_syn_received_on_syn(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	pc_init(&p, &x, PORT_CLI, PORT_SRV);
	pc_syn(&p, &tp_opt_full, &g);
	assert_int_equal(g.r.src_port, PORT_SRV);
	assert_int_equal(g.r.dst_port, PORT_CLI);
	assert_int_equal(g.r.ack, ISS_A + 1);
	assert_int_equal(g.len, 0);
	assert_int_equal(g.r.window, 65535);
	assert_int_equal(g.r.mss, MSS_1500);
	assert_true(g.r.sack_ok);
	assert_true(g.r.ts_ok);
	assert_int_equal(g.r.ts_ecr, TS_A0); /* RFC 7323 3.2 */
	assert_true(g.r.wscale_ok);
	assert_int_equal(g.r.wscale, ws_for(65536));
	/* The child exists, not yet acceptable. */
	assert_int_equal(STAT(&x, TCP_CONNS_IN_USE), 1);
	assert_int_equal(x.lev.all, 0);
	assert_int_equal(erg_tcp_accept(x.l, tp_ev_cb, &p.ev, &p.c),
	    -ERG_EAGAIN);

	/* RFC 6298 / RFC 9293 3.8.1: the SYN-ACK is retransmitted. */
	tc_advance(&x, SEC);
	pc_expect(&p, &g);
	seg_is(&g, F_SYN | F_ACK, p.b_iss, ISS_A + 1, 0);

	/* Closing the listener resets the unaccepted child. */
	erg_tcp_listener_close(x.l);
	x.l = NULL;
	pc_expect(&p, &g);
	assert_int_equal(g.r.flags & F_RST, F_RST);
	assert_int_equal(g.r.seq, p.b_iss + 1);
	tc_done(&x);
}

/* SYN-SENT -> ESTABLISHED on an acceptable SYN-ACK; our ACK completes. */
static void
test_tcp_syn_sent_to_established_on_syn_ack(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;
	struct erg_tcp_info i;

	(void)state;
	tc_init(&x, NULL);
	pc_init(&p, &x, PORT_REM, PORT_LOC);
	assert_int_equal(erg_tcp_connect(x.t.s, ADDR_A, PORT_REM, PORT_LOC,
	                     tp_ev_cb, &p.ev, &p.c),
	    0);
	pc_expect(&p, &g);
	p.b_iss = g.r.seq;
	assert_int_equal(p.ev.all, 0);
	pc_send_syn(&p, F_SYN | F_ACK, &tp_opt_full);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, p.b_iss + 1, ISS_A + 1, 0);
	assert_true(g.r.ts_ok);
	assert_int_equal(g.r.ts_ecr, TS_A0);
	assert_false(g.r.wscale_ok); /* only on SYNs */
	assert_int_equal(g.r.mss, 0);
	assert_true(p.ev.all & ERG_TCP_EV_CONNECTED);
	assert_true(p.ev.all & ERG_EV_WRITABLE);
	i = pc_info(&p);
	assert_string_equal(erg_tcp_state_name(i.state), "ESTABLISHED");
	assert_int_equal(i.mss, MSS_TS);
	assert_int_equal(i.snd_wscale, 7);
	assert_int_equal(i.rcv_wscale, ws_for(65536));
	assert_true(i.ts_ok);
	assert_true(i.sack_ok);
	/* The peer's window, scaled by its shift (RFC 7323 2.2: not the
	 * SYN's own window, which is never scaled). */
	assert_int_equal(i.snd_wnd, 65535);
	assert_int_equal(i.in_flight, 0);
	assert_int_equal(erg_tcp_error(p.c), 0);
	pc_abort(&p, 0);
	tc_done(&x);
}

/* RFC 9293 3.10.7.3: a SYN-ACK whose ACK is not ours gets <SEQ=SEG.ACK>. */
static void
test_tcp_syn_sent_answers_bad_ack_with_rst(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;

	(void)state;
	tc_init(&x, NULL);
	pc_init(&p, &x, PORT_REM, PORT_LOC);
	assert_int_equal(erg_tcp_connect(x.t.s, ADDR_A, PORT_REM, PORT_LOC,
	                     tp_ev_cb, &p.ev, &p.c),
	    0);
	pc_expect(&p, &g);
	p.b_iss = g.r.seq;
	p.b_nxt = p.b_iss + 1000; /* acknowledges what B never sent */
	pc_send_syn(&p, F_SYN | F_ACK, &tp_opt_full);
	pc_expect(&p, &g);
	assert_int_equal(g.r.flags, F_RST);
	assert_int_equal(g.r.seq, p.b_iss + 1000);
	assert_state(&p, ERG_TCP_SYN_SENT);
	assert_int_equal(p.ev.all, 0);

	/* The real SYN-ACK still completes the handshake. */
	p.b_nxt = p.b_iss + 1;
	p.a_nxt = ISS_A;
	pc_send_syn(&p, F_SYN | F_ACK, &tp_opt_full);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, p.b_iss + 1, ISS_A + 1, 0);
	assert_state(&p, ERG_TCP_ESTABLISHED);
	pc_abort(&p, 0);
	tc_done(&x);
}

/*
 * SYN-SENT -> SYN-RECEIVED: simultaneous open (RFC 9293 figure 8). A's
 * SYN crosses B's; B answers SYN-ACK with its own ISS again.
 */
static void
test_tcp_syn_sent_to_syn_received_on_simultaneous_syn(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;

	(void)state;
	tc_init(&x, NULL);
	pc_init(&p, &x, PORT_REM, PORT_LOC);
	assert_int_equal(erg_tcp_connect(x.t.s, ADDR_A, PORT_REM, PORT_LOC,
	                     tp_ev_cb, &p.ev, &p.c),
	    0);
	pc_expect(&p, &g);
	p.b_iss = g.r.seq;
	pc_send_syn(&p, F_SYN, &tp_opt_full);
	pc_expect(&p, &g);
	seg_is(&g, F_SYN | F_ACK, p.b_iss, ISS_A + 1, 0);
	assert_int_equal(g.r.mss, MSS_1500);
	assert_true(g.r.ts_ok);
	assert_true(g.r.wscale_ok);
	assert_state(&p, ERG_TCP_SYN_RECEIVED);
	assert_int_equal(p.ev.all, 0);

	/* SYN-RECEIVED -> ESTABLISHED on A's ACK of B's SYN. */
	pc_send(&p, F_ACK, NULL, 0);
	tc_expect_none(&x);
	assert_state(&p, ERG_TCP_ESTABLISHED);
	assert_true(p.ev.all & ERG_TCP_EV_CONNECTED);
	assert_true(pc_info(&p).ts_ok);
	assert_int_equal(pc_info(&p).snd_wscale, 7);
	pc_abort(&p, 0);
	tc_done(&x);
}

/*
 * Simultaneous open, RFC 9293 figure 8 line 7: the peer's own SYN-ACK
 * <SEQ=ISS_A><ACK=ISS+1><SYN,ACK> reaches B in SYN-RECEIVED. By the
 * text of 3.10.7.4 it is not acceptable (it starts before RCV.NXT) and
 * is answered with <SEQ=ISS+1><ACK=ISS_A+1><ACK>, which completes the
 * peer's side (the figure and Linux go ESTABLISHED at once; both
 * converge). Never a RST. The peer's ACK then establishes B.
 */
static void
test_tcp_simultaneous_open_completes_on_peer_syn_ack(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;
	unsigned k;

	(void)state;
	tc_init(&x, NULL);
	pc_init(&p, &x, PORT_REM, PORT_LOC);
	assert_int_equal(erg_tcp_connect(x.t.s, ADDR_A, PORT_REM, PORT_LOC,
	                     tp_ev_cb, &p.ev, &p.c),
	    0);
	pc_expect(&p, &g);
	p.b_iss = g.r.seq;
	pc_send_syn(&p, F_SYN, &tp_opt_full);
	pc_expect(&p, &g);
	assert_state(&p, ERG_TCP_SYN_RECEIVED);
	/* A's SYN-ACK: A's ISS again, acknowledging B's SYN. */
	p.a_nxt = ISS_A;
	pc_send_syn(&p, F_SYN | F_ACK, &tp_opt_full);
	assert_true(x.t.cap.n <= 1);
	for (k = 0; k < x.t.cap.n; k++) {
		tc_seg(&x, k, &g);
		seg_is(&g, F_ACK, p.b_iss + 1, ISS_A + 1, 0);
	}
	tn_capture_clear(&x.t.cap);
	if (pc_info(&p).state == ERG_TCP_SYN_RECEIVED) {
		assert_int_equal(k, 1);
		assert_int_equal(p.ev.all, 0);
		pc_send(&p, F_ACK, NULL, 0);
		tc_expect_none(&x);
	}
	assert_state(&p, ERG_TCP_ESTABLISHED);
	assert_true(p.ev.all & ERG_TCP_EV_CONNECTED);
	pc_abort(&p, 0);
	tc_done(&x);
}

/* SYN-RECEIVED -> ESTABLISHED on the ACK of our SYN (passive open). */
static void
test_tcp_syn_received_to_established_on_ack(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;
	struct erg_tcp_info i;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	pc_init(&p, &x, PORT_CLI, PORT_SRV);
	pc_syn(&p, &tp_opt_full, &g);
	pc_send(&p, F_ACK, NULL, 0);
	tc_expect_none(&x);
	assert_int_equal(x.lev.all, ERG_TCP_EV_ACCEPT);
	assert_int_equal(STAT(&x, TCP_PASSIVE_OPENS), 1);
	assert_int_equal(erg_tcp_accept(x.l, tp_ev_cb, &p.ev, &p.c), 0);
	assert_int_equal(erg_tcp_accept(x.l, tp_ev_cb, &p.ev, &p.c),
	    -ERG_EAGAIN);
	i = pc_info(&p);
	assert_string_equal(erg_tcp_state_name(i.state), "ESTABLISHED");
	assert_int_equal(i.lport, PORT_SRV);
	assert_int_equal(i.rport, PORT_CLI);
	assert_int_equal(i.laddr, ADDR_B);
	assert_int_equal(i.raddr, ADDR_A);
	assert_int_equal(i.mss, MSS_TS);
	assert_int_equal(i.snd_wscale, 7);
	assert_true(i.ts_ok && i.sack_ok);
	/* A's window is scaled from now on (RFC 7323 2.2). */
	assert_int_equal(i.snd_wnd, 65535u << 7);

	/* Data both ways: B acknowledges and delivers in order. */
	pc_send(&p, F_ACK | F_PSH, tp_pat, 100);
	tc_advance(&x, DELACK_MS * MS);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, p.b_iss + 1, ISS_A + 101, 0);
	assert_true(p.ev.all & ERG_EV_READABLE);
	assert_int_equal(erg_tcp_readable(p.c), 100);
	assert_int_equal(pc_read_all(&p, 0), 100);
	assert_int_equal(erg_tcp_write(p.c, tp_pat, 10), 10);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK | F_PSH, p.b_iss + 1, ISS_A + 101, 10);
	assert_memory_equal(g.data, tp_pat, 10);
	pc_send(&p, F_ACK, NULL, 0);
	assert_int_equal(pc_info(&p).in_flight, 0);
	assert_int_equal(pc_info(&p).bytes_acked, 10);
	assert_int_equal(pc_info(&p).bytes_received, 100);
	pc_abort(&p, 0);
	tc_done(&x);
}

/* Brings p (accepted on B's listener) to ESTABLISHED, then FIN-WAIT-1. */
static void
to_fin_wait_1(struct tc *x, struct pc *p)
{
	struct seg g;

	pc_init(p, x, PORT_CLI, PORT_SRV);
	pc_accept(p, &tp_opt_full);
	assert_int_equal(erg_tcp_shutdown(p->c), 0);
	pc_expect(p, &g);
	seg_is(&g, F_FIN | F_ACK, p->b_iss + 1, p->a_nxt, 0);
	assert_state(p, ERG_TCP_FIN_WAIT_1);
}

/* ESTABLISHED -> FIN-WAIT-1: CLOSE (here shutdown) sends our FIN. */
static void
test_tcp_established_to_fin_wait_1_on_shutdown(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	to_fin_wait_1(&x, &p);
	/* Half-close: the send side is shut, the receive side works. */
	assert_int_equal(erg_tcp_write(p.c, tp_pat, 1), -ERG_ESTATE);
	assert_int_equal(erg_tcp_shutdown(p.c), -ERG_ESTATE);
	/* A's data acknowledges B's SYN only, not the FIN. */
	pc_send_at(&p, F_ACK | F_PSH, p.a_nxt, p.b_iss + 1, tp_pat, 50);
	p.a_nxt += 50;
	tc_advance(&x, DELACK_MS * MS);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, p.b_iss + 2, ISS_A + 51, 0);
	assert_state(&p, ERG_TCP_FIN_WAIT_1);
	assert_int_equal(pc_read_all(&p, 0), 50);
	/* The FIN is retransmitted if A never acknowledges it. */
	tc_advance(&x, 2 * SEC);
	assert_true(x.t.cap.n >= 1);
	tc_seg(&x, 0, &g);
	seg_is(&g, F_FIN | F_ACK, p.b_iss + 1, ISS_A + 51, 0);
	tn_capture_clear(&x.t.cap);
	pc_abort(&p, 0);
	tc_done(&x);
}

/* ESTABLISHED -> CLOSE-WAIT: the peer's FIN is acknowledged, EOF read. */
static void
test_tcp_established_to_close_wait_on_fin(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;
	struct erg_view v[2];
	uint8_t buf[8];

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	pc_init(&p, &x, PORT_CLI, PORT_SRV);
	pc_accept(&p, &tp_opt_full);
	pc_send(&p, F_ACK | F_PSH | F_FIN, tp_pat, 20);
	tc_advance(&x, DELACK_MS * MS);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, p.b_iss + 1, ISS_A + 1 + 20 + 1, 0);
	assert_state(&p, ERG_TCP_CLOSE_WAIT);
	assert_true(p.ev.all & ERG_TCP_EV_PEER_CLOSED);
	assert_true(p.ev.all & ERG_EV_READABLE);
	/* The data first, then end of stream (0), again and again. */
	assert_int_equal(pc_read_all(&p, 0), 20);
	assert_int_equal(erg_tcp_read(p.c, buf, sizeof(buf)), 0);
	assert_int_equal(erg_tcp_peek(p.c, v, 2), 0);
	/* The send side still works in CLOSE-WAIT. */
	assert_int_equal(erg_tcp_write(p.c, tp_pat, 5), 5);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK | F_PSH, p.b_iss + 1, p.a_nxt, 5);
	pc_send(&p, F_ACK, NULL, 0);
	pc_abort(&p, 0);
	tc_done(&x);
}

/* FIN-WAIT-1 -> FIN-WAIT-2 when our FIN is acknowledged. */
static void
test_tcp_fin_wait_1_to_fin_wait_2_on_ack_of_fin(void **state)
{
	struct tc x;
	struct pc p;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	to_fin_wait_1(&x, &p);
	pc_send(&p, F_ACK, NULL, 0);
	tc_expect_none(&x);
	assert_state(&p, ERG_TCP_FIN_WAIT_2);
	assert_int_equal(pc_info(&p).in_flight, 0);
	/* Nothing to retransmit: the clock brings no segment. */
	tc_advance(&x, 5 * SEC);
	tc_expect_none(&x);
	pc_abort(&p, 0);
	tc_done(&x);
}

/* FIN-WAIT-1 -> CLOSING: the peer's FIN crosses ours (simultaneous close). */
static void
test_tcp_fin_wait_1_to_closing_on_fin(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	to_fin_wait_1(&x, &p);
	/* A's FIN acknowledges only B's data, not B's FIN. */
	pc_send_at(&p, F_FIN | F_ACK, p.a_nxt, p.b_iss + 1, NULL, 0);
	p.a_nxt++;
	tc_advance(&x, DELACK_MS * MS);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, p.b_iss + 2, ISS_A + 2, 0);
	assert_state(&p, ERG_TCP_CLOSING);
	assert_true(p.ev.all & ERG_TCP_EV_PEER_CLOSED);
	pc_abort(&p, 0);
	tc_done(&x);
}

/* FIN-WAIT-1 -> TIME-WAIT: a FIN that also acknowledges ours. */
static void
test_tcp_fin_wait_1_to_time_wait_on_fin_ack(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	to_fin_wait_1(&x, &p);
	pc_send(&p, F_FIN | F_ACK, NULL, 0);
	tc_advance(&x, DELACK_MS * MS);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, p.b_iss + 2, ISS_A + 2, 0);
	assert_state(&p, ERG_TCP_TIME_WAIT);
	erg_tcp_close(p.c);
	tc_expect_none(&x);
	assert_int_equal(STAT(&x, TCP_TIMEWAIT_IN_USE), 1);
	tc_done(&x);
}

/* FIN-WAIT-2 -> TIME-WAIT on the peer's FIN. */
static void
test_tcp_fin_wait_2_to_time_wait_on_fin(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	to_fin_wait_1(&x, &p);
	pc_send(&p, F_ACK, NULL, 0);
	assert_state(&p, ERG_TCP_FIN_WAIT_2);
	pc_send(&p, F_FIN | F_ACK, NULL, 0);
	tc_advance(&x, DELACK_MS * MS);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, p.b_iss + 2, ISS_A + 2, 0);
	assert_state(&p, ERG_TCP_TIME_WAIT);
	assert_true(p.ev.all & ERG_TCP_EV_PEER_CLOSED);
	erg_tcp_close(p.c);
	assert_int_equal(STAT(&x, TCP_TIMEWAIT_IN_USE), 1);
	tc_done(&x);
}

/* Passive side in CLOSE-WAIT (A's FIN acknowledged). */
static void
to_close_wait(struct tc *x, struct pc *p)
{
	struct seg g;

	pc_init(p, x, PORT_CLI, PORT_SRV);
	pc_accept(p, &tp_opt_full);
	pc_send(p, F_FIN | F_ACK, NULL, 0);
	tc_advance(x, DELACK_MS * MS);
	pc_expect(p, &g);
	seg_is(&g, F_ACK, p->b_iss + 1, ISS_A + 2, 0);
	assert_state(p, ERG_TCP_CLOSE_WAIT);
}

/* CLOSE-WAIT -> LAST-ACK: our FIN after the peer's. */
static void
test_tcp_close_wait_to_last_ack_on_shutdown(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	to_close_wait(&x, &p);
	assert_int_equal(erg_tcp_shutdown(p.c), 0);
	pc_expect(&p, &g);
	seg_is(&g, F_FIN | F_ACK, p.b_iss + 1, ISS_A + 2, 0);
	assert_state(&p, ERG_TCP_LAST_ACK);
	pc_abort(&p, 0);
	tc_done(&x);
}

/*
 * LAST-ACK -> CLOSED: the ACK of our FIN ends the connection; the
 * application had closed it, so it is freed with no TIME-WAIT entry.
 */
static void
test_tcp_last_ack_to_closed_frees_connection(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	to_close_wait(&x, &p);
	erg_tcp_close(p.c);
	pc_expect(&p, &g);
	seg_is(&g, F_FIN | F_ACK, p.b_iss + 1, ISS_A + 2, 0);
	assert_int_equal(STAT(&x, TCP_CONNS_IN_USE), 1);
	pc_send(&p, F_ACK, NULL, 0);
	tc_expect_none(&x);
	assert_int_equal(STAT(&x, TCP_CONNS_IN_USE), 0);
	assert_int_equal(STAT(&x, TCP_TIMEWAIT_IN_USE), 0);
	/* The 4-tuple is gone: a late ACK is answered with a RST. */
	pc_send(&p, F_ACK, NULL, 0);
	pc_expect(&p, &g);
	assert_int_equal(g.r.flags, F_RST);
	assert_int_equal(g.r.seq, p.b_iss + 2);
	tc_done(&x);
}

/* The same for a connection the application still holds. */
static void
test_tcp_last_ack_to_closed_held_connection(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	to_close_wait(&x, &p);
	assert_int_equal(erg_tcp_shutdown(p.c), 0);
	pc_expect(&p, &g);
	pc_send(&p, F_ACK, NULL, 0);
	tc_expect_none(&x);
	assert_state(&p, ERG_TCP_CLOSED);
	assert_int_equal(erg_tcp_error(p.c), 0); /* a clean end */
	assert_int_equal(STAT(&x, TCP_TIMEWAIT_IN_USE), 0);
	erg_tcp_close(p.c);
	tc_expect_none(&x);
	tc_done(&x);
}

/* CLOSING -> TIME-WAIT when our FIN is finally acknowledged. */
static void
test_tcp_closing_to_time_wait_on_ack(void **state)
{
	struct tc x;
	struct pc p;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	to_fin_wait_1(&x, &p);
	pc_send_at(&p, F_FIN | F_ACK, p.a_nxt, p.b_iss + 1, NULL, 0);
	p.a_nxt++;
	tc_advance(&x, DELACK_MS * MS);
	tn_capture_clear(&x.t.cap);
	assert_state(&p, ERG_TCP_CLOSING);
	pc_send(&p, F_ACK, NULL, 0);
	tc_expect_none(&x);
	assert_state(&p, ERG_TCP_TIME_WAIT);
	erg_tcp_close(p.c);
	assert_int_equal(STAT(&x, TCP_TIMEWAIT_IN_USE), 1);
	tc_done(&x);
}

/*
 * B closes first and ends in TIME-WAIT (the connection is freed, a
 * TIME-WAIT entry remains). Returns with A's FIN acknowledged.
 */
static void
to_time_wait_entry(struct tc *x, struct pc *p)
{
	struct seg g;

	pc_init(p, x, PORT_CLI, PORT_SRV);
	pc_accept(p, &tp_opt_full);
	erg_tcp_close(p->c);
	p->c = NULL;
	pc_expect(p, &g);
	seg_is(&g, F_FIN | F_ACK, p->b_iss + 1, ISS_A + 1, 0);
	pc_send(p, F_FIN | F_ACK, NULL, 0);
	tc_advance(x, DELACK_MS * MS);
	pc_expect(p, &g);
	seg_is(&g, F_ACK, p->b_iss + 2, ISS_A + 2, 0);
	assert_int_equal(STAT(x, TCP_CONNS_IN_USE), 0);
	assert_int_equal(STAT(x, TCP_TIMEWAIT_IN_USE), 1);
}

/*
 * TIME-WAIT -> CLOSED after 2 MSL. A retransmitted FIN is acknowledged
 * again and restarts the 2 MSL wait (RFC 9293 3.10.7.4, TIME-WAIT).
 */
static void
test_tcp_time_wait_to_closed_after_2msl(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;
	const uint64_t msl2 = 2ull * MSL_MS * MS;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	to_time_wait_entry(&x, &p);
	/* Entered at now - delack; half way through, A's FIN again. */
	tc_advance(&x, msl2 / 2);
	assert_int_equal(STAT(&x, TCP_TIMEWAIT_IN_USE), 1);
	pc_send_at(&p, F_FIN | F_ACK, ISS_A + 1, p.b_iss + 2, NULL, 0);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, p.b_iss + 2, ISS_A + 2, 0);
	assert_true(g.r.ts_ok);
	/* 2 MSL from the restart, not from the first entry. */
	tc_advance(&x, msl2 - 1);
	assert_int_equal(STAT(&x, TCP_TIMEWAIT_IN_USE), 1);
	tc_advance(&x, 1);
	assert_int_equal(STAT(&x, TCP_TIMEWAIT_IN_USE), 0);
	tc_expect_none(&x);
	/* CLOSED: the 4-tuple now draws a RST (no listener match: it is
	 * an ACK, not a SYN). B's ARP entry for A has expired meanwhile. */
	tn_learn_a(&x.t, x.now);
	pc_send_at(&p, F_ACK, ISS_A + 2, p.b_iss + 2, NULL, 0);
	pc_expect(&p, &g);
	assert_int_equal(g.r.flags, F_RST);
	assert_int_equal(g.r.seq, p.b_iss + 2);
	tc_done(&x);
}

/* ---- RST in every state (RFC 9293 3.10.7.3 and 3.10.7.4) ----------------- */

/* No answer to a RST, and the counters say it reset. */
static void
expect_reset(struct tc *x, struct pc *p, int err)
{
	tc_expect_none(x);
	assert_state(p, ERG_TCP_CLOSED);
	assert_int_equal(erg_tcp_error(p->c), err);
	assert_true(p->ev.all & ERG_TCP_EV_RESET);
	assert_int_equal(STAT(x, TCP_RST_RX), 1);
	erg_tcp_close(p->c);
	tc_expect_none(x);
}

/*
 * CLOSING, LAST-ACK (RFC 9293 3.10.7.4 second): "enter the CLOSED
 * state, delete the TCB, and return": the application had closed its
 * side and the peer's FIN is in, so no reset is reported.
 */
static void
expect_closed_quietly(struct tc *x, struct pc *p)
{
	tc_expect_none(x);
	assert_state(p, ERG_TCP_CLOSED);
	assert_int_equal(erg_tcp_error(p->c), 0);
	assert_int_equal(p->ev.all & ERG_TCP_EV_RESET, 0);
	assert_int_equal(STAT(x, TCP_RST_RX), 1);
	assert_int_equal(erg_tcp_write(p->c, tp_pat, 1), -ERG_ESTATE);
	/* No timer left: nothing is retransmitted. */
	tc_advance(x, 10 * SEC);
	tc_expect_none(x);
	erg_tcp_close(p->c);
	tc_expect_none(x);
}

/* SYN-SENT: only a RST that acknowledges our SYN counts (3.10.7.3). */
static void
test_tcp_rst_in_syn_sent_refuses(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;

	(void)state;
	tc_init(&x, NULL);
	pc_init(&p, &x, PORT_REM, PORT_LOC);
	assert_int_equal(erg_tcp_connect(x.t.s, ADDR_A, PORT_REM, PORT_LOC,
	                     tp_ev_cb, &p.ev, &p.c),
	    0);
	pc_expect(&p, &g);
	p.b_iss = g.r.seq;
	/* Without ACK: dropped. */
	pc_send_at(&p, F_RST, 0, 0, NULL, 0);
	tc_expect_none(&x);
	assert_state(&p, ERG_TCP_SYN_SENT);
	/* ACK of something else: dropped (no RST in answer to a RST). */
	pc_send_at(&p, F_RST | F_ACK, 0, p.b_iss + 5, NULL, 0);
	tc_expect_none(&x);
	assert_state(&p, ERG_TCP_SYN_SENT);
	assert_int_equal(p.ev.all, 0);
	/* Connection refused: <SEQ=0><ACK=ISS+1><CTL=RST,ACK>, as Linux. */
	pc_send_at(&p, F_RST | F_ACK, 0, p.b_iss + 1, NULL, 0);
	tc_expect_none(&x);
	assert_state(&p, ERG_TCP_CLOSED);
	assert_int_equal(erg_tcp_error(p.c), -ERG_ECONNREFUSED);
	assert_true(p.ev.all & ERG_TCP_EV_RESET);
	/* No retransmission once closed. */
	tc_advance(&x, 10 * SEC);
	tc_expect_none(&x);
	erg_tcp_close(p.c);
	tc_expect_none(&x);
	tc_done(&x);
}

/* SYN-RECEIVED from an active open (simultaneous): refused. */
static void
test_tcp_rst_in_syn_received_after_active_open_refuses(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;

	(void)state;
	tc_init(&x, NULL);
	pc_init(&p, &x, PORT_REM, PORT_LOC);
	assert_int_equal(erg_tcp_connect(x.t.s, ADDR_A, PORT_REM, PORT_LOC,
	                     tp_ev_cb, &p.ev, &p.c),
	    0);
	pc_expect(&p, &g);
	p.b_iss = g.r.seq;
	pc_send_syn(&p, F_SYN, &tp_opt_full);
	pc_expect(&p, &g);
	assert_state(&p, ERG_TCP_SYN_RECEIVED);
	pc_send_at(&p, F_RST, p.a_nxt, 0, NULL, 0);
	expect_reset(&x, &p, -ERG_ECONNREFUSED);
	tc_done(&x);
}

/*
 * SYN-RECEIVED from a passive open: a RST sends it back to LISTEN (RFC
 * 9293 3.10.7.4): the child is freed, the listener keeps listening.
 */
static void
test_tcp_rst_in_syn_received_returns_to_listen(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	pc_init(&p, &x, PORT_CLI, PORT_SRV);
	pc_syn(&p, &tp_opt_full, &g);
	assert_int_equal(STAT(&x, TCP_CONNS_IN_USE), 1);
	pc_send_at(&p, F_RST, p.a_nxt, 0, NULL, 0);
	tc_expect_none(&x);
	assert_int_equal(STAT(&x, TCP_CONNS_IN_USE), 0);
	assert_int_equal(STAT(&x, TCP_RST_RX), 1);
	assert_int_equal(x.lev.all, 0);
	assert_int_equal(erg_tcp_accept(x.l, tp_ev_cb, &p.ev, &p.c),
	    -ERG_EAGAIN);
	/* No SYN-ACK retransmission for the dead child. */
	tc_advance(&x, 3 * SEC);
	tc_expect_none(&x);
	/* LISTEN again: the same 4-tuple opens afresh. */
	pc_init(&p, &x, PORT_CLI, PORT_SRV);
	p.a_nxt = ISS_A + 5000;
	pc_syn(&p, &tp_opt_full, &g);
	pc_send(&p, F_ACK, NULL, 0);
	assert_int_equal(erg_tcp_accept(x.l, tp_ev_cb, &p.ev, &p.c), 0);
	assert_state(&p, ERG_TCP_ESTABLISHED);
	pc_abort(&p, 0);
	tc_done(&x);
}

static void
test_tcp_rst_in_established_resets(void **state)
{
	struct tc x;
	struct pc p;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	pc_init(&p, &x, PORT_CLI, PORT_SRV);
	pc_accept(&p, &tp_opt_full);
	pc_send_at(&p, F_RST, p.a_nxt, 0, NULL, 0);
	expect_reset(&x, &p, -ERG_ECONNRESET);
	tc_done(&x);
}

static void
test_tcp_rst_in_fin_wait_1_resets(void **state)
{
	struct tc x;
	struct pc p;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	to_fin_wait_1(&x, &p);
	pc_send_at(&p, F_RST, p.a_nxt, 0, NULL, 0);
	expect_reset(&x, &p, -ERG_ECONNRESET);
	tc_done(&x);
}

static void
test_tcp_rst_in_fin_wait_2_resets(void **state)
{
	struct tc x;
	struct pc p;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	to_fin_wait_1(&x, &p);
	pc_send(&p, F_ACK, NULL, 0);
	assert_state(&p, ERG_TCP_FIN_WAIT_2);
	pc_send_at(&p, F_RST, p.a_nxt, 0, NULL, 0);
	expect_reset(&x, &p, -ERG_ECONNRESET);
	tc_done(&x);
}

static void
test_tcp_rst_in_close_wait_resets(void **state)
{
	struct tc x;
	struct pc p;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	to_close_wait(&x, &p);
	pc_send_at(&p, F_RST, p.a_nxt, 0, NULL, 0);
	expect_reset(&x, &p, -ERG_ECONNRESET);
	tc_done(&x);
}

static void
test_tcp_rst_in_closing_closes(void **state)
{
	struct tc x;
	struct pc p;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	to_fin_wait_1(&x, &p);
	pc_send_at(&p, F_FIN | F_ACK, p.a_nxt, p.b_iss + 1, NULL, 0);
	p.a_nxt++;
	tc_advance(&x, DELACK_MS * MS);
	tn_capture_clear(&x.t.cap);
	assert_state(&p, ERG_TCP_CLOSING);
	pc_send_at(&p, F_RST, p.a_nxt, 0, NULL, 0);
	expect_closed_quietly(&x, &p);
	tc_done(&x);
}

static void
test_tcp_rst_in_last_ack_closes(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	to_close_wait(&x, &p);
	assert_int_equal(erg_tcp_shutdown(p.c), 0);
	pc_expect(&p, &g);
	assert_state(&p, ERG_TCP_LAST_ACK);
	pc_send_at(&p, F_RST, p.a_nxt, 0, NULL, 0);
	expect_closed_quietly(&x, &p);
	tc_done(&x);
}

/*
 * TIME-WAIT: a RST is ignored (RFC 1337 "TIME-WAIT assassination", as
 * Linux): the entry stays for its 2 MSL.
 */
static void
test_tcp_rst_in_time_wait_is_ignored(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	to_time_wait_entry(&x, &p);
	pc_send_at(&p, F_RST, ISS_A + 2, 0, NULL, 0);
	tc_expect_none(&x);
	assert_int_equal(STAT(&x, TCP_TIMEWAIT_IN_USE), 1);
	assert_int_equal(STAT(&x, TCP_TIMEWAIT_RST_IGNORED), 1);
	/* Still in TIME-WAIT: A's FIN again is acknowledged. */
	pc_send_at(&p, F_FIN | F_ACK, ISS_A + 1, p.b_iss + 2, NULL, 0);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, p.b_iss + 2, ISS_A + 2, 0);
	tc_done(&x);
}

/*
 * TIME-WAIT: a bare ACK at RCV.NXT is acceptable and carries nothing
 * (RFC 9293 3.10.7.4: only a FIN is answered there; Linux's
 * tcp_timewait_state_process returns TCP_TW_SUCCESS without an ACK).
 */
static void
test_tcp_time_wait_bare_ack_gets_no_answer(void **state)
{
	struct tc x;
	struct pc p;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	to_time_wait_entry(&x, &p);
	pc_send_at(&p, F_ACK, ISS_A + 2, p.b_iss + 2, NULL, 0);
	tc_expect_none(&x);
	assert_int_equal(STAT(&x, TCP_TIMEWAIT_IN_USE), 1);
	tc_done(&x);
}

/* ---- TIME-WAIT reuse (RFC 6191, RFC 9293 3.6.1) ------------------------ */

/* A new SYN with a sequence number above the old RCV.NXT reopens. */
static void
test_tcp_time_wait_reused_by_syn_with_higher_seq(void **state)
{
	struct tc x;
	struct pc p, q;
	struct seg g;
	struct synopt o = tp_opt_full;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	to_time_wait_entry(&x, &p);
	tc_advance(&x, SEC);
	/* Same 4-tuple, no timestamps: the sequence number decides. */
	o.ts = false;
	pc_init(&q, &x, PORT_CLI, PORT_SRV);
	q.a_nxt = ISS_A + 100000;
	pc_syn(&q, &o, &g);
	assert_int_equal(STAT(&x, TCP_TIMEWAIT_REUSED), 1);
	assert_int_equal(STAT(&x, TCP_TIMEWAIT_IN_USE), 0);
	/* RFC 6528: the new ISS is ahead of the old connection's. */
	assert_true((int32_t)(q.b_iss - (p.b_iss + 2)) > 0);
	pc_send(&q, F_ACK, NULL, 0);
	assert_int_equal(erg_tcp_accept(x.l, tp_ev_cb, &q.ev, &q.c), 0);
	assert_state(&q, ERG_TCP_ESTABLISHED);
	assert_false(pc_info(&q).ts_ok);
	pc_abort(&q, 0);
	tc_done(&x);
}

/* With timestamps, a higher TSval reopens even with a lower sequence. */
static void
test_tcp_time_wait_reused_by_syn_with_higher_timestamp(void **state)
{
	struct tc x;
	struct pc p, q;
	struct seg g;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	to_time_wait_entry(&x, &p);
	tc_advance(&x, SEC);
	pc_init(&q, &x, PORT_CLI, PORT_SRV);
	q.a_nxt = ISS_A - 100000; /* below the old RCV.NXT */
	q.a_ts = p.a_ts + 1000;   /* A's clock moved on */
	pc_syn(&q, &tp_opt_full, &g);
	assert_int_equal(STAT(&x, TCP_TIMEWAIT_REUSED), 1);
	assert_int_equal(STAT(&x, TCP_TIMEWAIT_IN_USE), 0);
	pc_send(&q, F_ACK, NULL, 0);
	assert_int_equal(erg_tcp_accept(x.l, tp_ev_cb, &q.ev, &q.c), 0);
	pc_abort(&q, 0);
	tc_done(&x);
}

/* An old SYN (lower sequence, lower timestamp) gets TIME-WAIT's ACK. */
static void
test_tcp_time_wait_old_syn_gets_ack(void **state)
{
	struct tc x;
	struct pc p, q;
	struct seg g;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	to_time_wait_entry(&x, &p);
	pc_init(&q, &x, PORT_CLI, PORT_SRV);
	q.a_nxt = ISS_A - 100000;
	q.a_ts = TS_A0 - 500; /* older than anything A sent */
	q.b_ts = p.b_ts;
	pc_send_syn(&q, F_SYN, &tp_opt_full);
	pc_expect(&q, &g);
	seg_is(&g, F_ACK, p.b_iss + 2, ISS_A + 2, 0);
	assert_int_equal(STAT(&x, TCP_TIMEWAIT_REUSED), 0);
	assert_int_equal(STAT(&x, TCP_TIMEWAIT_IN_USE), 1);
	assert_int_equal(STAT(&x, TCP_CONNS_IN_USE), 0);
	tc_done(&x);
}

/* RFC 9293 3.10.7.1: CLOSED (no listener) answers with a RST. */
static void
test_tcp_closed_port_answers_rst(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;

	(void)state;
	tc_init(&x, NULL);
	pc_init(&p, &x, PORT_CLI, 81);
	/* SYN: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>. */
	pc_send_syn(&p, F_SYN, &tp_opt_full);
	pc_expect(&p, &g);
	seg_is(&g, F_RST | F_ACK, 0, ISS_A + 1, 0);
	assert_int_equal(g.r.window, 0);
	/* ACK: <SEQ=SEG.ACK><CTL=RST>. */
	pc_send_at(&p, F_ACK, ISS_A + 1, 0x12345678u, tp_pat, 10);
	pc_expect(&p, &g);
	assert_int_equal(g.r.flags, F_RST);
	assert_int_equal(g.r.seq, 0x12345678u);
	/* RST: nothing. */
	pc_send_at(&p, F_RST, ISS_A + 1, 0, NULL, 0);
	tc_expect_none(&x);
	assert_int_equal(STAT(&x, TCP_NO_LISTENER), 3);
	assert_int_equal(STAT(&x, TCP_RST_TX), 2);
	tc_done(&x);
}

/*
 * RFC 6335 6: port 0 is reserved. A segment from or to it is dropped and
 * counted, not answered (a SYN-ACK or RST to port 0 goes nowhere).
 */
static void
test_tcp_port_zero_dropped_unanswered(void **state)
{
	struct tc x;
	struct pc p, q;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	pc_init(&p, &x, 0, PORT_SRV);
	pc_send_syn(&p, F_SYN, &tp_opt_full);
	tc_expect_none(&x);
	pc_init(&q, &x, PORT_CLI, 0);
	pc_send_syn(&q, F_SYN, &tp_opt_full);
	tc_expect_none(&x);
	assert_int_equal(STAT(&x, TCP_BAD_PORT), 2);
	assert_int_equal(STAT(&x, TCP_NO_LISTENER), 0);
	assert_int_equal(STAT(&x, TCP_CONNS_IN_USE), 0);
	tc_done(&x);
}

/* ---- Options: MSS, window scale, timestamps ------------------------------ */

/* RFC 6691 / RFC 9293 3.7.1: MSS = route MTU - 40, on both kinds of SYN. */
static void
test_tcp_mss_clamped_to_route_mtu(void **state)
{
	struct tc x;
	struct pc p, q;
	struct seg g;
	struct synopt o = tp_opt_full;

	(void)state;
	tc_init_mtu(&x, 1280);
	/* Active: our SYN says 1240; A's 1460 is clamped to it. */
	pc_init(&p, &x, PORT_REM, PORT_LOC);
	assert_int_equal(erg_tcp_connect(x.t.s, ADDR_A, PORT_REM, PORT_LOC,
	                     tp_ev_cb, &p.ev, &p.c),
	    0);
	pc_expect(&p, &g);
	assert_int_equal(g.r.mss, 1240);
	p.b_iss = g.r.seq;
	pc_send_syn(&p, F_SYN | F_ACK, &tp_opt_full);
	pc_expect(&p, &g);
	assert_int_equal(pc_info(&p).mss, 1240 - 12); /* less TSopt */
	/* Segments never exceed it. */
	erg_tcp_set_nodelay(p.c, true);
	assert_int_equal(erg_tcp_write(p.c, tp_pat, 3000), 3000);
	assert_int_equal(x.t.cap.n, 3);
	tc_seg(&x, 0, &g);
	assert_int_equal(g.len, 1240 - 12);
	pc_take_all(&p);
	pc_abort(&p, 0);

	/* Passive: the SYN-ACK says 1240; a smaller peer MSS wins. */
	tc_listen(&x, 0);
	pc_init(&q, &x, PORT_CLI, PORT_SRV);
	o.mss = 1000;
	pc_syn(&q, &o, &g);
	assert_int_equal(g.r.mss, 1240);
	pc_send(&q, F_ACK, NULL, 0);
	assert_int_equal(erg_tcp_accept(x.l, tp_ev_cb, &q.ev, &q.c), 0);
	assert_int_equal(pc_info(&q).mss, 1000 - 12);
	pc_abort(&q, 0);
	tc_done(&x);
}

/* RFC 9293 3.7.1: no MSS option means 536. */
static void
test_tcp_mss_defaults_to_536_without_option(void **state)
{
	struct tc x;
	struct pc p;
	struct synopt o = tp_opt_full;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	pc_init(&p, &x, PORT_CLI, PORT_SRV);
	o.mss = 0;
	pc_accept(&p, &o);
	assert_int_equal(pc_info(&p).mss, 536 - 12); /* less TSopt */
	pc_abort(&p, 0);
	tc_done(&x);
}

/*
 * RFC 7323 2.2, 3.2 and RFC 2018 2: window scale, timestamps and SACK
 * only when both SYNs carry them. Passive side, peer offers MSS only.
 */
static void
test_tcp_options_need_both_sides_passive(void **state)
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
	assert_int_equal(g.r.mss, MSS_1500);
	assert_false(g.r.sack_ok);
	assert_false(g.r.ts_ok);
	/* (window scale: test_tcp_syn_ack_window_scale_only_if_offered) */
	pc_send(&p, F_ACK, NULL, 0);
	assert_int_equal(erg_tcp_accept(x.l, tp_ev_cb, &p.ev, &p.c), 0);
	i = pc_info(&p);
	assert_int_equal(i.snd_wscale, 0);
	assert_int_equal(i.rcv_wscale, 0);
	assert_false(i.ts_ok);
	assert_false(i.sack_ok);
	assert_int_equal(i.snd_wnd, 65535); /* unscaled */
	/* Unscaled windows: at most 65535; no options on data. The 10
	 * bytes held close the window by 10: receiver SWS avoidance (RFC
	 * 9293 3.8.6.2.2) keeps the right edge where it was. */
	pc_send(&p, F_ACK | F_PSH, tp_pat, 10);
	tc_advance(&x, DELACK_MS * MS);
	pc_expect(&p, &g);
	assert_int_equal(g.r.hdr_len, 20);
	assert_int_equal(g.r.window, 65535 - 10);
	assert_int_equal(pc_read_all(&p, 0), 10);
	pc_abort(&p, 0);
	tc_done(&x);
}

/*
 * RFC 7323 2.2: "A TCP MAY send the Window Scale option in a <SYN,ACK>
 * segment only if it has received a Window Scale option in the <SYN>".
 */
static void
test_tcp_syn_ack_window_scale_only_if_offered(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;
	struct synopt o = tp_opt_mss;

	(void)state;
	/* Regression (fixed): src/tcp/tcp_output.c erg_tcp_send_syn sets
	 * r.wscale_ok = c->snd_wscale != 0xff, but erg_tcp_apply_syn_opts
	 * stores 0 (and clears TCPF_WSCALE) when the SYN had no window scale,
	 * so every SYN-ACK offers window scale 0. */
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	pc_init(&p, &x, PORT_CLI, PORT_SRV);
	pc_syn(&p, &o, &g);
	assert_false(g.r.wscale_ok);
	assert_int_equal(g.r.hdr_len, 24); /* MSS alone */
	o.ts = true;
	pc_init(&p, &x, PORT_CLI + 1, PORT_SRV);
	pc_syn(&p, &o, &g);
	assert_false(g.r.wscale_ok);
	assert_true(g.r.ts_ok);
	tc_done(&x);
}

/* Active side: A's SYN-ACK carries only MSS; our ACK has no options. */
static void
test_tcp_options_need_both_sides_active(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;
	struct erg_tcp_info i;

	(void)state;
	tc_init(&x, NULL);
	pc_init(&p, &x, PORT_REM, PORT_LOC);
	assert_int_equal(erg_tcp_connect(x.t.s, ADDR_A, PORT_REM, PORT_LOC,
	                     tp_ev_cb, &p.ev, &p.c),
	    0);
	pc_expect(&p, &g);
	assert_true(g.r.ts_ok && g.r.wscale_ok && g.r.sack_ok);
	p.b_iss = g.r.seq;
	pc_send_syn(&p, F_SYN | F_ACK, &tp_opt_mss);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, p.b_iss + 1, ISS_A + 1, 0);
	assert_int_equal(g.r.hdr_len, 20);
	assert_int_equal(g.r.window, 65535);
	i = pc_info(&p);
	assert_int_equal(i.snd_wscale, 0);
	assert_int_equal(i.rcv_wscale, 0);
	assert_false(i.ts_ok);
	assert_false(i.sack_ok);
	pc_abort(&p, 0);
	tc_done(&x);
}

/* Timestamps without window scale: each negotiated on its own. */
static void
test_tcp_timestamps_without_window_scale(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;
	struct synopt o = tp_opt_mss;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	pc_init(&p, &x, PORT_CLI, PORT_SRV);
	o.ts = true;
	pc_syn(&p, &o, &g);
	assert_true(g.r.ts_ok);
	assert_false(g.r.sack_ok);
	pc_send(&p, F_ACK, NULL, 0);
	assert_int_equal(erg_tcp_accept(x.l, tp_ev_cb, &p.ev, &p.c), 0);
	assert_true(pc_info(&p).ts_ok);
	assert_int_equal(pc_info(&p).rcv_wscale, 0);
	/* Every segment carries TSopt now (the value it echoes:
	 * test_tcp_first_ack_echoes_latest_timestamp). */
	pc_send(&p, F_ACK | F_PSH, tp_pat, 10);
	tc_advance(&x, DELACK_MS * MS);
	pc_expect(&p, &g);
	assert_true(g.r.ts_ok);
	assert_int_equal(g.r.hdr_len, 32);
	assert_int_equal(pc_read_all(&p, 0), 10);
	pc_abort(&p, 0);
	tc_done(&x);
}

/*
 * RFC 7323 4.3: TS.Recent follows the peer's TSval of every segment at
 * or before Last.ACK.sent, so the first ACK after a passive handshake
 * echoes the TSval of the data it acknowledges, not the SYN's (else the
 * peer's first RTT sample spans the whole time since the SYN).
 */
static void
test_tcp_first_ack_echoes_latest_timestamp(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	pc_init(&p, &x, PORT_CLI, PORT_SRV);
	pc_accept(&p, &tp_opt_full);
	tc_advance(&x, 5 * SEC); /* A waits before it sends */
	p.a_ts += 5000;
	pc_send(&p, F_ACK | F_PSH, tp_pat, 10);
	tc_advance(&x, DELACK_MS * MS);
	pc_expect(&p, &g);
	assert_int_equal(g.r.ts_ecr, p.a_ts - 1);
	assert_int_equal(pc_read_all(&p, 0), 10);
	pc_abort(&p, 0);
	tc_done(&x);
}

/* After the handshake our window field is scaled (RFC 7323 2.3). */
static void
test_tcp_window_field_is_scaled_after_handshake(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;
	struct erg_tcp_info i;
	uint8_t ws = ws_for(65536);

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	pc_init(&p, &x, PORT_CLI, PORT_SRV);
	pc_accept(&p, &tp_opt_full);
	pc_send(&p, F_ACK | F_PSH, tp_pat, 1000);
	tc_advance(&x, DELACK_MS * MS);
	pc_expect(&p, &g);
	i = pc_info(&p);
	/* 1000 bytes held: the window shrinks by them (zero-copy). */
	assert_int_equal(i.rcv_wnd, 65536 - 1000);
	assert_int_equal((uint32_t)g.r.window << ws,
	    (65536u - 1000u) & ~((1u << ws) - 1));
	assert_int_equal(pc_read_all(&p, 0), 1000);
	pc_abort(&p, 0);
	tc_done(&x);
}

/* ---- SACK blocks (RFC 2018 4) ------------------------------------------- */

static void
sack_is(const struct seg *g, unsigned k, uint32_t left, uint32_t right)
{
	assert_true(k < g->r.sack_n);
	assert_int_equal(g->r.sack[k].left, left);
	assert_int_equal(g->r.sack[k].right, right);
}

/* Block [left, right) is among blocks 1.. of g (their order is a SHOULD). */
static void
sack_has(const struct seg *g, uint32_t left, uint32_t right)
{
	unsigned k;

	for (k = 1; k < g->r.sack_n; k++) {
		if (g->r.sack[k].left == left && g->r.sack[k].right == right) {
			return;
		}
	}
	fail_msg("no SACK block [%u, %u)", left, right);
}

/*
 * Out-of-order data is acknowledged at once (RFC 5681 4.2) with SACK
 * blocks; the first block holds the most recent segment (RFC 2018 4,
 * a MUST), the others report the rest.
 */
static void
test_tcp_sack_blocks_for_out_of_order_data(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;
	uint32_t base;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	pc_init(&p, &x, PORT_CLI, PORT_SRV);
	pc_accept(&p, &tp_opt_full);
	base = p.a_nxt;
	pc_send_at(&p, F_ACK, base + 1000, p.b_nxt, tp_pat + 1000, 100);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, p.b_iss + 1, base, 0);
	assert_int_equal(g.r.sack_n, 1);
	sack_is(&g, 0, base + 1000, base + 1100);
	pc_send_at(&p, F_ACK, base + 3000, p.b_nxt, tp_pat + 3000, 100);
	pc_expect(&p, &g);
	assert_int_equal(g.r.ack, base);
	assert_int_equal(g.r.sack_n, 2);
	sack_is(&g, 0, base + 3000, base + 3100);
	sack_is(&g, 1, base + 1000, base + 1100);
	pc_send_at(&p, F_ACK, base + 2000, p.b_nxt, tp_pat + 2000, 100);
	pc_expect(&p, &g);
	assert_int_equal(g.r.sack_n, 3); /* with TSopt, 3 fit */
	sack_is(&g, 0, base + 2000, base + 2100);
	sack_has(&g, base + 3000, base + 3100);
	sack_has(&g, base + 1000, base + 1100);
	/* Bridging 1100..2000 merges two blocks; it is reported first. */
	pc_send_at(&p, F_ACK, base + 1100, p.b_nxt, tp_pat + 1100, 900);
	pc_expect(&p, &g);
	assert_int_equal(g.r.sack_n, 2);
	sack_is(&g, 0, base + 1000, base + 2100);
	sack_has(&g, base + 3000, base + 3100);
	assert_int_equal(STAT(&x, TCP_OOO_QUEUED), 4);
	assert_int_equal(erg_tcp_readable(p.c), 0);
	/* The hole at the left edge: everything up to 2100 is in order. */
	pc_send_at(&p, F_ACK, base, p.b_nxt, tp_pat, 1000);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, p.b_iss + 1, base + 2100, 0);
	assert_int_equal(g.r.sack_n, 1);
	sack_is(&g, 0, base + 3000, base + 3100);
	assert_int_equal(pc_read_all(&p, 0), 2100);
	pc_send_at(&p, F_ACK, base + 2100, p.b_nxt, tp_pat + 2100, 900);
	/* (immediate by RFC 5681 4.2: see
	 * test_tcp_ack_at_once_when_last_gap_filled) */
	tc_advance(&x, DELACK_MS * MS);
	pc_expect(&p, &g);
	assert_int_equal(g.r.ack, base + 3100);
	assert_int_equal(g.r.sack_n, 0);
	assert_int_equal(pc_read_all(&p, 2100), 1000);
	pc_abort(&p, 0);
	tc_done(&x);
}

/*
 * RFC 2018 4: "The first SACK block ... MUST specify the contiguous
 * block of data containing the segment which triggered this ACK", also
 * when there are more blocks than fit (3 with TSopt): four runs
 * arriving left to right, the fourth is reported first.
 */
static void
test_tcp_sack_first_block_is_latest_beyond_three_runs(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;
	uint32_t base;
	unsigned k;

	(void)state;
	/* Regression (fixed): src/tcp/tcp_rcv.c erg_tcp_sack_blocks collects
	 * the first max runs in sequence order and only then looks for the run
	 * of ooo_last; when that run is not among them it is not reported at
	 * all and the first block is the lowest run. */
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	pc_init(&p, &x, PORT_CLI, PORT_SRV);
	pc_accept(&p, &tp_opt_full);
	base = p.a_nxt;
	for (k = 1; k <= 4; k++) {
		pc_send_at(&p, F_ACK, base + 2000 * k, p.b_nxt,
		    tp_pat + 2000 * k, 100);
		pc_expect(&p, &g);
		assert_int_equal(g.r.ack, base);
		assert_int_equal(g.r.sack_n, k < 3 ? k : 3);
		sack_is(&g, 0, base + 2000 * k, base + 2000 * k + 100);
	}
	pc_abort(&p, 0);
	tc_done(&x);
}

/* Without SACK-permitted, out-of-order data gets a plain duplicate ACK. */
static void
test_tcp_no_sack_blocks_when_not_permitted(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;
	struct synopt o = tp_opt_full;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	pc_init(&p, &x, PORT_CLI, PORT_SRV);
	o.sack = false;
	pc_accept(&p, &o);
	pc_send_at(&p, F_ACK, p.a_nxt + 500, p.b_nxt, tp_pat, 100);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, p.b_iss + 1, p.a_nxt, 0);
	assert_int_equal(g.r.sack_n, 0);
	pc_abort(&p, 0);
	tc_done(&x);
}

/* ---- Delayed ACK (RFC 9293 3.8.6.3, RFC 1122 4.2.3.2) ------------------- */

static void
test_tcp_delayed_ack_after_delack_ms(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	pc_init(&p, &x, PORT_CLI, PORT_SRV);
	pc_accept(&p, &tp_opt_full);
	pc_send(&p, F_ACK, tp_pat, 1448); /* a full segment (MSS - TSopt) */
	tc_expect_none(&x);
	tc_advance(&x, DELACK_MS * MS - 1);
	tc_expect_none(&x);
	tc_advance(&x, 1);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, p.b_iss + 1, p.a_nxt, 0);
	assert_int_equal(STAT(&x, TCP_DELAYED_ACKS), 1);
	/* A small segment waits the same. */
	pc_send(&p, F_ACK | F_PSH, tp_pat + 1448, 10);
	tc_expect_none(&x);
	tc_advance(&x, DELACK_MS * MS);
	pc_expect(&p, &g);
	assert_int_equal(g.r.ack, p.a_nxt);
	assert_int_equal(STAT(&x, TCP_DELAYED_ACKS), 2);
	assert_int_equal(pc_read_all(&p, 0), 1458);
	/* Nothing owed: no more ACKs. */
	tc_advance(&x, SEC);
	tc_expect_none(&x);
	pc_abort(&p, 0);
	tc_done(&x);
}

/*
 * RFC 5681 4.2: "an immediate ACK SHOULD be generated when a segment
 * arrives that fills in all or part of a gap" - also when it fills the
 * last gap (the sender's fast recovery waits for this ACK).
 */
static void
test_tcp_ack_at_once_when_last_gap_filled(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;
	uint32_t base;

	(void)state;
	/* Regression (fixed): src/tcp/tcp_input.c tcp_process_data tests
	 * c->ooo_head after erg_tcp_rcv_data drained the OOO queue: when the
	 * segment fills the last gap the queue is empty and the ACK is delayed
	 * (tcp_delack_ms) instead of immediate. */
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	pc_init(&p, &x, PORT_CLI, PORT_SRV);
	pc_accept(&p, &tp_opt_full);
	base = p.a_nxt;
	pc_send_at(&p, F_ACK, base + 100, p.b_nxt, tp_pat + 100, 100);
	pc_expect(&p, &g);
	assert_int_equal(g.r.ack, base);
	/* A partial fill: immediate (this part works). */
	pc_send_at(&p, F_ACK, base + 50, p.b_nxt, tp_pat + 50, 50);
	pc_expect(&p, &g);
	assert_int_equal(g.r.ack, base);
	/* The last gap: immediate too. */
	pc_send_at(&p, F_ACK, base, p.b_nxt, tp_pat, 50);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, p.b_iss + 1, base + 200, 0);
	assert_int_equal(g.r.sack_n, 0);
	assert_int_equal(pc_read_all(&p, 0), 200);
	pc_abort(&p, 0);
	tc_done(&x);
}

/* At most every second full-size segment goes unacknowledged. */
static void
test_tcp_ack_every_second_full_segment(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;
	unsigned k;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	pc_init(&p, &x, PORT_CLI, PORT_SRV);
	pc_accept(&p, &tp_opt_full);
	for (k = 0; k < 3; k++) {
		pc_send(&p, F_ACK, tp_pat + 2 * k * 1448, 1448);
		tc_expect_none(&x);
		pc_send(&p, F_ACK, tp_pat + (2 * k + 1) * 1448, 1448);
		pc_expect(&p, &g);
		seg_is(&g, F_ACK, p.b_iss + 1, p.a_nxt, 0);
	}
	assert_int_equal(STAT(&x, TCP_DELAYED_ACKS), 0);
	assert_int_equal(pc_read_all(&p, 0), 6 * 1448);
	tc_advance(&x, SEC);
	/* Reading opened the window by more than 2 MSS: a window update
	 * may go out (RFC 9293 3.8.6.2.2), but nothing else. */
	for (k = 0; k < x.t.cap.n; k++) {
		tc_seg(&x, k, &g);
		seg_is(&g, F_ACK, p.b_iss + 1, p.a_nxt, 0);
	}
	tn_capture_clear(&x.t.cap);
	pc_abort(&p, 0);
	tc_done(&x);
}

/* ---- Zero window and persist (RFC 9293 3.8.6.1) -------------------------- */

static void
test_tcp_zero_window_probes_then_sends(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;
	uint64_t t1, t2;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	pc_init(&p, &x, PORT_CLI, PORT_SRV);
	pc_accept(&p, &tp_opt_full);
	p.a_win = 0;
	pc_send(&p, F_ACK, NULL, 0);
	assert_int_equal(pc_info(&p).snd_wnd, 0);
	assert_int_equal(erg_tcp_write(p.c, tp_pat, 100), 100);
	tc_expect_none(&x);
	assert_int_equal(pc_info(&p).unsent, 100);
	/* The persist timer fires: a probe, not the data. */
	t1 = tc_wait_tx(&x, 10 * MS, 5 * SEC);
	assert_int_equal(x.t.cap.n, 1);
	tc_seg(&x, 0, &g);
	tn_capture_clear(&x.t.cap);
	assert_int_equal(g.r.flags & (F_SYN | F_FIN | F_RST), 0);
	assert_true(g.r.flags & F_ACK);
	/* Linux's probe (seq SND.UNA - 1, no data) or RFC 9293's (1 byte). */
	assert_true((g.r.seq == p.b_iss && g.len == 0) ||
	    (g.r.seq == p.b_iss + 1 && g.len == 1 && g.data[0] == tp_pat[0]));
	assert_int_equal(STAT(&x, TCP_ZERO_WINDOW_PROBES), 1);
	/* A answers with its window still zero. */
	pc_send_at(&p, F_ACK, p.a_nxt, p.b_iss + 1, NULL, 0);
	/* The next probe comes later: backoff (RFC 1122 4.2.2.17). */
	t2 = tc_wait_tx(&x, 10 * MS, 10 * SEC);
	assert_int_equal(x.t.cap.n, 1);
	assert_true(t2 > t1);
	tn_capture_clear(&x.t.cap);
	assert_int_equal(STAT(&x, TCP_ZERO_WINDOW_PROBES), 2);
	assert_int_equal(pc_info(&p).state, ERG_TCP_ESTABLISHED);
	/* The window opens: the data goes at once. */
	p.a_win = 65535;
	pc_send_at(&p, F_ACK, p.a_nxt, p.b_iss + 1, NULL, 0);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK | F_PSH, p.b_iss + 1, p.a_nxt, 100);
	assert_memory_equal(g.data, tp_pat, 100);
	pc_send(&p, F_ACK, NULL, 0);
	assert_int_equal(pc_info(&p).in_flight, 0);
	pc_abort(&p, 0);
	tc_done(&x);
}

/*
 * RFC 1122 4.2.2.17: the connection stays open while the receiver keeps
 * answering the probes; a receiver that stops answering is a dead peer,
 * and the retries run out as for data (tcp_retries), with a timeout.
 */
static void
test_tcp_persist_gives_up_on_silent_peer(void **state)
{
	struct tc x;
	struct pc p;
	struct erg_config cfg;
	unsigned n = 0;

	(void)state;
	erg_config_default(&cfg);
	cfg.tcp_retries = 3;
	tc_init(&x, &cfg);
	tc_listen(&x, 0);
	pc_init(&p, &x, PORT_CLI, PORT_SRV);
	pc_accept(&p, &tp_opt_full);
	p.a_win = 0;
	pc_send(&p, F_ACK, NULL, 0);
	assert_int_equal(erg_tcp_write(p.c, tp_pat, 100), 100);
	/* A says nothing more. */
	while (!(p.ev.all & ERG_TCP_EV_TIMEDOUT) && n < 100) {
		tc_advance(&x, SEC);
		n++;
	}
	tn_capture_clear(&x.t.cap);
	assert_true(p.ev.all & ERG_TCP_EV_TIMEDOUT);
	assert_state(&p, ERG_TCP_CLOSED);
	assert_int_equal(erg_tcp_error(p.c), -ERG_ETIMEDOUT);
	erg_tcp_close(p.c);
	tc_done(&x);
}

/*
 * RFC 9293 3.8.6.2.1 (RFC 1122 4.2.3.4): sender SWS avoidance holds a
 * short segment back only until the override timeout; a peer whose
 * window stays below one MSS (and below half its largest) still gets
 * the data, and a connection closed meanwhile still finishes.
 */
static void
test_tcp_small_window_does_not_stall(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;
	struct synopt o = tp_opt_full;
	size_t got = 0;
	unsigned n = 0, k;

	(void)state;
	/* Regression (fixed): src/tcp/tcp_timer.c tcp_rtx_fire: with data
	 * queued, nothing in flight and 0 < snd_wnd < what tcp_may_send wants,
	 * erg_tcp_output arms the persist timer, but when it fires it only
	 * sends a zero-length probe: the answer brings the same window and
	 * the data never goes (the override timeout of RFC 9293 3.8.6.2.1
	 * must send what the window takes); closed by the application, the
	 * orphan is never freed. */
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	pc_init(&p, &x, PORT_CLI, PORT_SRV);
	o.ws = false;
	pc_accept(&p, &o);
	p.a_win = 48;
	pc_send(&p, F_ACK, NULL, 0);
	assert_int_equal(erg_tcp_write(p.c, tp_pat, 100), 100);
	erg_tcp_close(p.c); /* an orphan from now on */
	p.c = NULL;
	/* A acknowledges whatever comes, its window staying at 48. */
	while (got < 100 && n < 100) {
		tc_advance(&x, 100 * MS);
		n++;
		for (k = 0; k < x.t.cap.n; k++) {
			tc_seg(&x, k, &g);
			pc_track(&p, &g);
			assert_true(g.len <= 48);
			if (g.len > 0 && g.r.seq == p.b_iss + 1 + got) {
				assert_memory_equal(g.data, tp_pat + got,
				    g.len);
				got += g.len;
			}
		}
		tn_capture_clear(&x.t.cap);
		pc_send_at(&p, F_ACK, p.a_nxt, p.b_iss + 1 + (uint32_t)got,
		    NULL, 0);
	}
	assert_int_equal(got, 100);
	/* Then B's FIN; A's FIN and ACK end the orphan. */
	tc_advance(&x, SEC);
	pc_take_all(&p);
	pc_send(&p, F_FIN | F_ACK, NULL, 0);
	tc_advance(&x, SEC);
	pc_take_all(&p);
	assert_int_equal(STAT(&x, TCP_CONNS_IN_USE), 0);
	tc_done(&x);
}

/* ---- Keepalive (RFC 1122 4.2.3.6) ---------------------------------------- */

static void
test_tcp_keepalive_probes_and_answer(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;

	(void)state;
	tc_init(&x, NULL);
	pc_init(&p, &x, PORT_REM, PORT_LOC);
	pc_connect(&p, &tp_opt_full);
	assert_int_equal(erg_tcp_set_keepalive(p.c, 1000, 500, 3), 0);
	tc_advance(&x, 1000 * MS - 1);
	tc_expect_none(&x);
	tc_advance(&x, 1);
	pc_expect(&p, &g);
	/* <SEQ=SND.NXT-1>: the peer must answer with an ACK. */
	assert_int_equal(g.r.flags, F_ACK);
	assert_int_equal(g.r.seq, p.b_iss);
	assert_int_equal(g.r.ack, ISS_A + 1);
	assert_true(g.len <= 1);
	assert_int_equal(STAT(&x, TCP_KEEPALIVE_PROBES), 1);
	/* The answer resets the idle time. */
	pc_send(&p, F_ACK, NULL, 0);
	tc_expect_none(&x);
	tc_advance(&x, 999 * MS);
	tc_expect_none(&x);
	tc_advance(&x, 1 * MS);
	pc_expect(&p, &g);
	assert_int_equal(g.r.seq, p.b_iss);
	assert_int_equal(STAT(&x, TCP_KEEPALIVE_PROBES), 2);
	assert_state(&p, ERG_TCP_ESTABLISHED);
	/* Off again. */
	assert_int_equal(erg_tcp_set_keepalive(p.c, 0, 0, 0), 0);
	pc_send(&p, F_ACK, NULL, 0);
	tc_advance(&x, 10 * SEC);
	tc_expect_none(&x);
	pc_abort(&p, 0);
	tc_done(&x);
}

static void
test_tcp_keepalive_timeout_ends_connection(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;
	unsigned k;

	(void)state;
	tc_init(&x, NULL);
	pc_init(&p, &x, PORT_REM, PORT_LOC);
	pc_connect(&p, &tp_opt_full);
	assert_int_equal(erg_tcp_set_keepalive(p.c, 1000, 500, 3), 0);
	tc_advance(&x, 1000 * MS);
	for (k = 0; k < 3; k++) {
		pc_expect(&p, &g);
		assert_int_equal(g.r.seq, p.b_iss);
		assert_int_equal(p.ev.all & ERG_TCP_EV_TIMEDOUT, 0);
		tc_advance(&x, 500 * MS);
	}
	assert_int_equal(STAT(&x, TCP_KEEPALIVE_PROBES), 3);
	assert_true(p.ev.all & ERG_TCP_EV_TIMEDOUT);
	assert_state(&p, ERG_TCP_CLOSED);
	assert_int_equal(erg_tcp_error(p.c), -ERG_ETIMEDOUT);
	assert_int_equal(STAT(&x, TCP_TIMEOUTS), 1);
	/* A dead peer gets at most a RST; never another probe. */
	for (k = 0; k < x.t.cap.n; k++) {
		tc_seg(&x, k, &g);
		assert_int_equal(g.r.flags & F_RST, F_RST);
	}
	tn_capture_clear(&x.t.cap);
	erg_tcp_close(p.c);
	tc_expect_none(&x);
	tc_done(&x);
}

/* ---- ICMP (RFC 5927, RFC 1191, RFC 1122 4.2.3.9) ------------------------- */

/* Two full segments in flight from B. */
static void
two_in_flight(struct tc *x, struct pc *p)
{
	pc_init(p, x, PORT_CLI, PORT_SRV);
	pc_accept(p, &tp_opt_full);
	erg_tcp_set_nodelay(p->c, true);
	assert_int_equal(erg_tcp_write(p->c, tp_pat, 2 * 1448), 2 * 1448);
	assert_int_equal(x->t.cap.n, 2);
	pc_take_all(p);
	assert_int_equal(pc_info(p).in_flight, 2 * 1448);
}

/* Fragmentation needed for a segment in flight lowers the MSS. */
static void
test_tcp_frag_needed_in_flight_lowers_mss(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;
	unsigned k;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	two_in_flight(&x, &p);
	tc_inject_icmp(&x, ERG_ICMP_DEST_UNREACH, ERG_ICMP_FRAG_NEEDED, 1200,
	    &p, p.b_iss + 1 + 1448);
	assert_int_equal(STAT(&x, TCP_PMTU_LOWERED), 1);
	assert_int_equal(pc_info(&p).mss, 1200 - 40 - 12);
	assert_state(&p, ERG_TCP_ESTABLISHED);
	assert_int_equal(erg_tcp_error(p.c), 0); /* not an error to report */
	/* What is sent again fits the new path MTU. */
	tc_advance(&x, 2 * SEC);
	assert_true(x.t.cap.n >= 1);
	for (k = 0; k < x.t.cap.n; k++) {
		tc_seg(&x, k, &g);
		assert_true(g.len <= 1200 - 40 - 12);
		assert_true(x.t.cap.frames[k].len <= 14 + 1200);
	}
	tc_seg(&x, 0, &g);
	assert_int_equal(g.r.seq, p.b_iss + 1);
	pc_take_all(&p);
	/* A acknowledges everything: nothing left in flight. */
	pc_send(&p, F_ACK, NULL, 0);
	pc_take_all(&p);
	assert_int_equal(pc_info(&p).in_flight, 0);
	pc_abort(&p, 0);
	tc_done(&x);
}

/*
 * RFC 5927 4.1: an ICMP error whose quoted sequence number is not in
 * flight (SND.UNA <= seq < SND.NXT) is a forgery or stale: ignored.
 */
static void
test_tcp_frag_needed_for_seq_not_in_flight_ignored(void **state)
{
	struct tc x;
	struct pc p;
	static const uint32_t off[] = { 0, 2 * 1448 + 1, 100000, 0x80000000u };
	unsigned k;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	two_in_flight(&x, &p);
	for (k = 0; k < sizeof(off) / sizeof(off[0]); k++) {
		/* seq ISS (before SND.UNA), past SND.NXT, far away. */
		tc_inject_icmp(&x, ERG_ICMP_DEST_UNREACH, ERG_ICMP_FRAG_NEEDED,
		    600, &p, p.b_iss + off[k]);
	}
	assert_int_equal(STAT(&x, TCP_ICMP_BAD_SEQ), 4);
	assert_int_equal(STAT(&x, TCP_PMTU_LOWERED), 0);
	assert_int_equal(pc_info(&p).mss, MSS_TS);
	tc_expect_none(&x);
	/* The same for a soft error: no event. */
	p.ev.all = 0;
	tc_inject_icmp(&x, ERG_ICMP_DEST_UNREACH, ERG_ICMP_HOST_UNREACH, 0, &p,
	    p.b_iss + 100000);
	assert_int_equal(STAT(&x, TCP_ICMP_BAD_SEQ), 5);
	assert_int_equal(p.ev.all, 0);
	assert_int_equal(erg_tcp_error(p.c), 0);
	pc_abort(&p, 0);
	tc_done(&x);
}

/* RFC 1122 4.2.3.9: unreachable is a soft error; the connection lives. */
static void
test_tcp_icmp_unreachable_is_soft_error(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	two_in_flight(&x, &p);
	p.ev.all = 0;
	tc_inject_icmp(&x, ERG_ICMP_DEST_UNREACH, ERG_ICMP_HOST_UNREACH, 0, &p,
	    p.b_iss + 1);
	assert_int_equal(STAT(&x, TCP_ICMP_SOFT_ERR), 1);
	assert_true(p.ev.all & ERG_EV_ERROR);
	assert_state(&p, ERG_TCP_ESTABLISHED);
	/* Reported once, then cleared by reading it. */
	assert_int_equal(erg_tcp_error(p.c), -ERG_EHOSTUNREACH);
	assert_int_equal(erg_tcp_error(p.c), 0);
	tc_expect_none(&x);
	/* The connection carries on. */
	pc_send_at(&p, F_ACK, p.a_nxt, p.b_iss + 1 + 2 * 1448, NULL, 0);
	assert_int_equal(pc_info(&p).in_flight, 0);
	assert_int_equal(erg_tcp_write(p.c, tp_pat, 10), 10);
	pc_expect(&p, &g);
	assert_int_equal(g.len, 10);
	pc_abort(&p, 0);
	tc_done(&x);
}

/* In SYN-SENT too: the SYN keeps being retransmitted. */
static void
test_tcp_icmp_unreachable_in_syn_sent_is_soft(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;

	(void)state;
	tc_init(&x, NULL);
	pc_init(&p, &x, PORT_REM, PORT_LOC);
	assert_int_equal(erg_tcp_connect(x.t.s, ADDR_A, PORT_REM, PORT_LOC,
	                     tp_ev_cb, &p.ev, &p.c),
	    0);
	pc_expect(&p, &g);
	p.b_iss = g.r.seq;
	tc_inject_icmp(&x, ERG_ICMP_DEST_UNREACH, ERG_ICMP_HOST_UNREACH, 0, &p,
	    p.b_iss);
	assert_int_equal(STAT(&x, TCP_ICMP_SOFT_ERR), 1);
	assert_state(&p, ERG_TCP_SYN_SENT);
	tc_advance(&x, SEC);
	pc_expect(&p, &g);
	assert_int_equal(g.r.flags, F_SYN);
	assert_int_equal(g.r.seq, p.b_iss);
	/* A late SYN-ACK still connects. */
	pc_send_syn(&p, F_SYN | F_ACK, &tp_opt_full);
	pc_expect(&p, &g);
	assert_state(&p, ERG_TCP_ESTABLISHED);
	pc_abort(&p, 0);
	tc_done(&x);
}

/* ---- Errors on a dead connection ----------------------------------------- */

/* Every call on c returns err; nothing is sent. */
static void
all_calls_fail(struct tc *x, struct erg_tcp_conn *c, int err)
{
	struct erg_wview w[2];
	struct erg_view v[2];
	uint8_t buf[8];

	assert_int_equal(erg_tcp_write(c, tp_pat, 10), err);
	assert_int_equal(erg_tcp_reserve(c, w), err);
	assert_int_equal(erg_tcp_commit(c, 1), err);
	assert_int_equal(erg_tcp_read(c, buf, sizeof(buf)), err);
	assert_int_equal(erg_tcp_peek(c, v, 2), err);
	assert_int_equal(erg_tcp_shutdown(c), err);
	assert_int_equal(erg_tcp_readable(c), 0);
	assert_int_equal(erg_tcp_writable(c), 0);
	/* A hard error is not cleared by reading it. */
	assert_int_equal(erg_tcp_error(c), err);
	assert_int_equal(erg_tcp_error(c), err);
	tc_expect_none(x);
}

static void
test_tcp_calls_on_reset_connection_return_econnreset(void **state)
{
	struct tc x;
	struct pc p;
	struct erg_tcp_info i;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	pc_init(&p, &x, PORT_CLI, PORT_SRV);
	pc_accept(&p, &tp_opt_full);
	/* Data received before the reset stays readable (as Linux), data
	 * queued to send is dropped. */
	pc_send(&p, F_ACK | F_PSH, tp_pat, 100);
	p.a_win = 0;
	pc_send(&p, F_ACK, NULL, 0);
	assert_int_equal(erg_tcp_write(p.c, tp_pat, 100), 100);
	pc_send_at(&p, F_RST, p.a_nxt, 0, NULL, 0);
	assert_true(p.ev.all & ERG_TCP_EV_RESET);
	i = pc_info(&p);
	assert_string_equal(erg_tcp_state_name(i.state), "CLOSED");
	assert_int_equal(erg_tcp_write(p.c, tp_pat, 10), -ERG_ECONNRESET);
	assert_int_equal(erg_tcp_readable(p.c), 100);
	assert_int_equal(pc_read_all(&p, 0), 100);
	all_calls_fail(&x, p.c, -ERG_ECONNRESET);
	/* No timer is left running for it. */
	tc_advance(&x, 100 * SEC);
	tc_expect_none(&x);
	assert_int_equal(STAT(&x, TCP_CONNS_IN_USE), 1);
	erg_tcp_close(p.c);
	tc_expect_none(&x);
	tc_done(&x);
}

/* The socket options too, as erg/tcp.h promises ("every call"). */
static void
test_tcp_options_on_reset_connection_return_econnreset(void **state)
{
	struct tc x;
	struct pc p;

	(void)state;
	/* Regression (fixed): src/tcp/tcp_api.c erg_tcp_set_keepalive and
	 * erg_tcp_set_bufs do not check c->err: on a reset connection they
	 * return 0 (and set_keepalive re-arms the ka timer of a dead
	 * connection). */
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	pc_init(&p, &x, PORT_CLI, PORT_SRV);
	pc_accept(&p, &tp_opt_full);
	pc_send_at(&p, F_RST, p.a_nxt, 0, NULL, 0);
	assert_int_equal(erg_tcp_set_keepalive(p.c, 1000, 1000, 1),
	    -ERG_ECONNRESET);
	assert_int_equal(erg_tcp_set_bufs(p.c, 4096, 4096), -ERG_ECONNRESET);
	tc_advance(&x, 10 * SEC);
	tc_expect_none(&x);
	erg_tcp_close(p.c);
	tc_done(&x);
}

static void
test_tcp_calls_on_timed_out_connection_return_etimedout(void **state)
{
	struct tc x;
	struct pc p;
	struct erg_config cfg;
	unsigned n = 0;

	(void)state;
	erg_config_default(&cfg);
	cfg.tcp_syn_retries = 2;
	tc_init(&x, &cfg);
	pc_init(&p, &x, PORT_REM, PORT_LOC);
	assert_int_equal(erg_tcp_connect(x.t.s, ADDR_A, PORT_REM, PORT_LOC,
	                     tp_ev_cb, &p.ev, &p.c),
	    0);
	/* SYN at 0, 1 s, 3 s (RFC 6298 5.5 doubling); gives up at 7 s. */
	while (!(p.ev.all & ERG_TCP_EV_TIMEDOUT) && n < 100) {
		tc_advance(&x, 100 * MS);
		n++;
	}
	assert_int_equal(n, 70);
	assert_int_equal(x.t.cap.n, 3);
	tn_capture_clear(&x.t.cap);
	assert_state(&p, ERG_TCP_CLOSED);
	assert_int_equal(STAT(&x, TCP_TIMEOUTS), 1);
	all_calls_fail(&x, p.c, -ERG_ETIMEDOUT);
	erg_tcp_close(p.c);
	tc_done(&x);
}

/* ---- Bad input (TESTING.md classes) -------------------------------------- */

/*
 * A hand-made segment from A on p's 4-tuple: 20-byte header at A's
 * sequence numbers, then opt (optlen bytes, data offset from doff, or
 * from the option length when doff is 0), then len bytes of tp_pat.
 */
static void
pc_send_raw(struct pc *p, uint8_t flags, const uint8_t *opt, size_t optlen,
    unsigned doff, uint16_t urg, size_t len)
{
	uint8_t b[ERG_TCP_HDR_MAX + 256];
	size_t hl = ERG_TCP_HDR_LEN + optlen;

	assert_true(hl + len <= sizeof(b));
	memset(b, 0, sizeof(b));
	erg_put_be16(b, p->aport);
	erg_put_be16(b + 2, p->bport);
	erg_put_be32(b + 4, p->a_nxt);
	erg_put_be32(b + 8, p->b_nxt);
	b[12] = (uint8_t)((doff != 0 ? doff : hl / 4) << 4);
	b[13] = flags;
	erg_put_be16(b + 14, p->a_win);
	erg_put_be16(b + 18, urg);
	if (optlen > 0) {
		memcpy(b + ERG_TCP_HDR_LEN, opt, optlen);
	}
	memcpy(b + hl, tp_pat, len);
	tcp_fix_cksum(b, hl + len);
	tc_inject_ip(p->x, ERG_IP_PROTO_TCP, b, hl + len);
}

/* Class 6: URG with an urgent pointer far past the segment's data. */
static void
test_tcp_class6_urgent_pointer_beyond_segment(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;
	uint8_t o[12] = { 1, 1, 8, 10 }; /* NOP, NOP, timestamps */
	uint8_t buf[32];

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	pc_init(&p, &x, PORT_CLI, PORT_SRV);
	pc_accept(&p, &tp_opt_full);
	erg_put_be32(o + 4, p.a_ts);
	erg_put_be32(o + 8, p.b_ts);
	pc_send_raw(&p, F_ACK | ERG_TCP_URG | F_PSH, o, sizeof(o), 0, 60000,
	    10);
	p.a_nxt += 10;
	/* And urgent pointer 0 with URG (RFC 6093: points nowhere). */
	erg_put_be32(o + 4, p.a_ts + 1);
	pc_send_raw(&p, F_ACK | ERG_TCP_URG, o, sizeof(o), 0, 0, 10);
	p.a_nxt += 10;
	/* RFC 6093: urgent data is delivered in line, as ordinary data. */
	assert_int_equal(erg_tcp_readable(p.c), 20);
	assert_int_equal(erg_tcp_read(p.c, buf, sizeof(buf)), 20);
	assert_memory_equal(buf, tp_pat, 10);
	assert_memory_equal(buf + 10, tp_pat, 10);
	tc_advance(&x, DELACK_MS * MS);
	pc_expect(&p, &g);
	assert_int_equal(g.r.ack, p.a_nxt);
	assert_int_equal(g.r.urgent, 0);
	assert_int_equal(g.r.flags & ERG_TCP_URG, 0);
	pc_abort(&p, 0);
	tc_done(&x);
}

/*
 * Class 7: options with length 0 or 1, or running past the header, to a
 * connection and to a listener: dropped, counted, nothing changes.
 */
static void
test_tcp_class7_bad_option_lengths_are_dropped(void **state)
{
	struct tc x;
	struct pc p, q;
	static const uint8_t len0[4] = { 8, 0, 1, 1 };
	static const uint8_t len1[4] = { 8, 1, 1, 1 };
	static const uint8_t past[4] = { 1, 1, 8, 10 };
	static const uint8_t unk_past[8] = { 1, 1, 1, 1, 1, 1, 99, 9 };
	static const uint8_t mss_len0[4] = { 2, 0, 5, 0xb4 };

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	pc_init(&p, &x, PORT_CLI, PORT_SRV);
	pc_accept(&p, &tp_opt_full);
	pc_send_raw(&p, F_ACK | F_PSH, len0, 4, 0, 0, 10);
	pc_send_raw(&p, F_ACK | F_PSH, len1, 4, 0, 0, 10);
	pc_send_raw(&p, F_ACK | F_PSH, past, 4, 0, 0, 10);
	pc_send_raw(&p, F_ACK | F_PSH, unk_past, 8, 0, 0, 10);
	pc_send_raw(&p, F_RST, len0, 4, 0, 0, 0);
	assert_int_equal(STAT(&x, TCP_BAD_OPTION), 5);
	tc_advance(&x, DELACK_MS * MS);
	tc_expect_none(&x);
	assert_int_equal(erg_tcp_readable(p.c), 0);
	assert_state(&p, ERG_TCP_ESTABLISHED);
	/* To the listener: no SYN-ACK, no child. */
	pc_init(&q, &x, PORT_CLI + 1, PORT_SRV);
	pc_send_raw(&q, F_SYN, mss_len0, 4, 0, 0, 0);
	pc_send_raw(&q, F_SYN, len1, 4, 0, 0, 0);
	assert_int_equal(STAT(&x, TCP_BAD_OPTION), 7);
	tc_expect_none(&x);
	assert_int_equal(STAT(&x, TCP_CONNS_IN_USE), 1);
	/* The connection still works. */
	pc_send(&p, F_ACK | F_PSH, tp_pat, 10);
	assert_int_equal(pc_read_all(&p, 0), 10);
	tc_advance(&x, DELACK_MS * MS);
	tn_capture_clear(&x.t.cap);
	pc_abort(&p, 0);
	tc_done(&x);
}

/* Class 8: a data offset past the segment, an IP length past the frame. */
static void
test_tcp_class8_offset_and_ip_length_beyond_buffer(void **state)
{
	struct tc x;
	struct pc p;
	uint8_t b[64], ip[128], f[160];
	size_t n;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	pc_init(&p, &x, PORT_CLI, PORT_SRV);
	pc_accept(&p, &tp_opt_full);
	/* Data offset 15 (60 bytes) in a 24-byte segment. */
	pc_send_raw(&p, F_ACK, NULL, 0, 15, 0, 4);
	assert_int_equal(STAT(&x, TCP_TRUNCATED), 1);
	/* Data offset 4: below the fixed header. */
	pc_send_raw(&p, F_ACK, NULL, 0, 4, 0, 4);
	assert_int_equal(STAT(&x, TCP_BAD_OFFSET), 1);
	/* IP total length 1500 on a 44-byte datagram. */
	memset(b, 0, sizeof(b));
	erg_put_be16(b, PORT_CLI);
	erg_put_be16(b + 2, PORT_SRV);
	erg_put_be32(b + 4, p.a_nxt);
	erg_put_be32(b + 8, p.b_nxt);
	b[12] = 5 << 4;
	b[13] = F_ACK | F_PSH;
	erg_put_be16(b + 14, 65535);
	memcpy(b + 20, tp_pat, 4);
	tcp_fix_cksum(b, 24);
	n = tn_build_ipv4(ip, ADDR_A, ADDR_B, ERG_IP_PROTO_TCP, 9, 0, false, b,
	    24);
	erg_put_be16(ip + 2, 1500);
	ip[10] = ip[11] = 0;
	erg_put_be16(ip + 10, erg_cksum(ip, 20));
	n = tn_build_eth(f, tp_mac_b, tp_mac_a, ERG_ETHERTYPE_IPV4, ip, n);
	tn_inject(&x.t, f, n, x.now);
	assert_int_equal(STAT(&x, IPV4_TRUNCATED), 1);
	/* A TCP segment shorter than its fixed header. */
	n = tn_build_ipv4(ip, ADDR_A, ADDR_B, ERG_IP_PROTO_TCP, 10, 0, false, b,
	    19);
	n = tn_build_eth(f, tp_mac_b, tp_mac_a, ERG_ETHERTYPE_IPV4, ip, n);
	tn_inject(&x.t, f, n, x.now);
	assert_int_equal(STAT(&x, TCP_TRUNCATED), 2);
	/* Class 10: a wrong checksum. */
	b[16] ^= 0x55;
	n = tn_build_ipv4(ip, ADDR_A, ADDR_B, ERG_IP_PROTO_TCP, 11, 0, false, b,
	    24);
	n = tn_build_eth(f, tp_mac_b, tp_mac_a, ERG_ETHERTYPE_IPV4, ip, n);
	tn_inject(&x.t, f, n, x.now);
	assert_int_equal(STAT(&x, TCP_BAD_CHECKSUM), 1);
	tc_advance(&x, DELACK_MS * MS);
	tc_expect_none(&x);
	assert_int_equal(erg_tcp_readable(p.c), 0);
	assert_state(&p, ERG_TCP_ESTABLISHED);
	pc_abort(&p, 0);
	tc_done(&x);
}

/*
 * Class 15: SACK blocks with bogus edges (left >= right, below SND.UNA,
 * beyond SND.NXT, wrapping) change nothing; the connection goes on.
 */
static void
test_tcp_class15_bogus_sack_edges_ignored(void **state)
{
	struct tc x;
	struct pc p;
	struct erg_tcp_repr r;
	struct erg_tcp_info i0, i1;
	uint32_t una;
	unsigned k;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	two_in_flight(&x, &p);
	una = p.b_iss + 1;
	i0 = pc_info(&p);
	for (k = 0; k < 4; k++) {
		/* A new window each time: not duplicate ACKs (RFC 5681 2),
		 * so no fast retransmit muddles the check. */
		p.a_win = (uint16_t)(60000 + k);
		pc_repr(&p, &r, F_ACK, p.a_nxt, una);
		r.sack_n = 3;
		switch (k) {
		case 0: /* left >= right */
			r.sack[0] =
			    (struct erg_tcp_sack_block){ una + 100, una + 100 };
			r.sack[1] =
			    (struct erg_tcp_sack_block){ una + 200, una + 100 };
			r.sack[2] =
			    (struct erg_tcp_sack_block){ una + 2000, una + 1 };
			break;
		case 1: /* below SND.UNA, beyond SND.NXT */
			r.sack[0] = (struct erg_tcp_sack_block){ una - 5000,
				una - 1000 };
			r.sack[1] = (struct erg_tcp_sack_block){ una + 4000,
				una + 9000 };
			r.sack[2] = (struct erg_tcp_sack_block){ una - 10,
				una + 1000000 };
			break;
		case 2: /* the whole space */
			r.sack[0] = (struct erg_tcp_sack_block){ una,
				una + 0x80000000u };
			r.sack[1] =
			    (struct erg_tcp_sack_block){ 0, 0xffffffffu };
			r.sack[2] = (struct erg_tcp_sack_block){ una + 1448,
				una + 1448 };
			break;
		default: /* straddling SND.NXT */
			r.sack[0] = (struct erg_tcp_sack_block){ una + 1448,
				una + 3 * 1448 };
			r.sack_n = 1;
			break;
		}
		tc_inject_repr(&x, &r, NULL, 0);
		p.a_ts++;
	}
	i1 = pc_info(&p);
	assert_int_equal(i1.in_flight, i0.in_flight);
	assert_int_equal(i1.state, ERG_TCP_ESTABLISHED);
	assert_int_equal(i1.retransmits, 0);
	tc_expect_none(&x);
	/* A real ACK still acknowledges everything. */
	pc_send_at(&p, F_ACK, p.a_nxt, una + 2 * 1448, NULL, 0);
	assert_int_equal(pc_info(&p).in_flight, 0);
	pc_abort(&p, 0);
	tc_done(&x);
}

/* Class 15: a timestamp option of length 9 or 11 (truncated / padded). */
static void
test_tcp_class15_truncated_timestamp_dropped(void **state)
{
	struct tc x;
	struct pc p;
	uint8_t o[12] = { 1, 1, 8, 9, 0, 0, 0, 1, 0, 0, 0, 0 };
	uint8_t sack[12] = { 1, 1, 5, 9, 0, 0, 0, 1, 0, 0, 0, 0 };

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	pc_init(&p, &x, PORT_CLI, PORT_SRV);
	pc_accept(&p, &tp_opt_full);
	pc_send_raw(&p, F_ACK | F_PSH, o, sizeof(o), 0, 0, 10);
	o[3] = 11;
	pc_send_raw(&p, F_ACK | F_PSH, o, sizeof(o), 0, 0, 10);
	pc_send_raw(&p, F_ACK | F_PSH, sack, sizeof(sack), 0, 0, 10);
	assert_int_equal(STAT(&x, TCP_BAD_OPTION), 3);
	assert_int_equal(erg_tcp_readable(p.c), 0);
	tc_advance(&x, DELACK_MS * MS);
	tc_expect_none(&x);
	pc_abort(&p, 0);
	tc_done(&x);
}

/*
 * Class 16, RFC 6528 3: ISN = M + F(4-tuple, secret) with M a 4 us
 * clock. The same tuple 1 s later is exactly 250000 further; other
 * tuples at the same instant, and other secrets, are unrelated.
 */
static void
test_tcp_class16_isn_follows_rfc6528(void **state)
{
	struct tc x, y;
	struct pc p;
	struct seg g;
	uint32_t isn[4];
	unsigned k;

	(void)state;
	tc_init(&x, NULL);
	for (k = 0; k < 3; k++) {
		pc_init(&p, &x, (uint16_t)(PORT_REM + (k == 2)), PORT_LOC);
		assert_int_equal(erg_tcp_connect(x.t.s, ADDR_A, p.aport,
		                     PORT_LOC, tp_ev_cb, &p.ev, &p.c),
		    0);
		pc_expect(&p, &g);
		isn[k] = g.r.seq;
		erg_tcp_abort(p.c);
		tc_expect_none(&x);
		if (k == 0) {
			tc_advance(&x, SEC);
		}
	}
	assert_int_equal(isn[1] - isn[0], 250000);
	/* Another remote port, same time as isn[1]: F differs. */
	assert_true(isn[2] != isn[1]);
	assert_true(isn[2] - isn[1] > 0x10000u && isn[1] - isn[2] > 0x10000u);
	tc_done(&x);

	/* Another stack (another secret), same tuple and clock. */
	{
		struct erg_config cfg;
		uint64_t seed = 0x5eed;

		erg_config_default(&cfg);
		memset(&y, 0, sizeof(y));
		tn_stack_init(&y.t, &cfg, tp_mac_b, ADDR_B, 24, seed);
		y.now = T0;
		tn_learn_a(&y.t, y.now);
		pc_init(&p, &y, PORT_REM, PORT_LOC);
		assert_int_equal(erg_tcp_connect(y.t.s, ADDR_A, PORT_REM,
		                     PORT_LOC, tp_ev_cb, &p.ev, &p.c),
		    0);
		pc_expect(&p, &g);
		isn[3] = g.r.seq;
		assert_true(isn[3] != isn[0]);
		erg_tcp_abort(p.c);
		tc_done(&y);
	}
}

/*
 * Class 17: a tiny MSS (1, 8, 47) with SACK cannot make B send tiny
 * segments (SACK Panic, CVE-2019-11477): the MSS has a floor, and the
 * initial window (RFC 6928: 10 segments) bounds the burst.
 */
static void
tiny_mss(bool ts)
{
	static const uint16_t tiny[] = { 1, 8, 47 };
	struct tc x;
	struct pc p;
	struct seg g;
	struct synopt o = tp_opt_full;
	unsigned k, j;
	uint16_t mss;

	tc_init(&x, NULL);
	tc_listen(&x, 0);
	o.ts = ts;
	for (k = 0; k < sizeof(tiny) / sizeof(tiny[0]); k++) {
		pc_init(&p, &x, (uint16_t)(PORT_CLI + k), PORT_SRV);
		o.mss = tiny[k];
		pc_accept(&p, &o);
		mss = pc_info(&p).mss;
		/* Linux's floor, TCP_MIN_SND_MSS, is 48; a segment still
		 * fits the MTU. */
		assert_true(mss >= 48 && mss <= MSS_1500);
		erg_tcp_set_nodelay(p.c, true);
		assert_int_equal(erg_tcp_write(p.c, tp_pat, 4000), 4000);
		assert_true(x.t.cap.n >= 1 && x.t.cap.n <= 10);
		for (j = 0; j < x.t.cap.n; j++) {
			tc_seg(&x, j, &g);
			assert_true(g.len > 0 && g.len <= mss);
		}
		pc_take_all(&p);
		pc_abort(&p, 0);
	}
	tc_done(&x);
}

static void
test_tcp_class17_tiny_mss_is_floored(void **state)
{
	(void)state;
	tiny_mss(false);
}

static void
test_tcp_class17_tiny_mss_with_timestamps_is_floored(void **state)
{
	(void)state;
	/* Regression (fixed): src/tcp/tcp_input.c erg_tcp_apply_syn_opts
	 * subtracts the 12 bytes of TSopt from the peer's MSS before the floor:
	 * an MSS below 12 wraps (uint32_t), ERG_MAX keeps the huge value and
	 * the uint16_t cast leaves e.g. 65525 for MSS 1: every data segment
	 * then exceeds the MTU and is refused by IPv4 (nothing is ever
	 * sent; the connection times out). */
	tiny_mss(true);
}

/*
 * Class 18: an out-of-order flood is bounded by tcp_ooo_segs (32 here):
 * the queue never holds more, the surplus is counted, the packet pool
 * keeps room, and in-order delivery still works.
 */
static void
test_tcp_class18_ooo_flood_is_bounded(void **state)
{
	struct tc x;
	struct pc p;
	struct seg g;
	struct erg_config cfg;
	uint32_t base;
	unsigned k;

	(void)state;
	erg_config_default(&cfg);
	cfg.tcp_ooo_segs = 32;
	tc_init(&x, &cfg);
	tc_listen(&x, 0);
	pc_init(&p, &x, PORT_CLI, PORT_SRV);
	pc_accept(&p, &tp_opt_full);
	base = p.a_nxt;
	/* 100 one-byte segments, right to left (worst case for a sorted
	 * insertion), none adjacent. */
	for (k = 100; k > 0; k--) {
		pc_send_at(&p, F_ACK, base + 2 * k, p.b_nxt, tp_pat + 2 * k, 1);
	}
	tn_capture_clear(&x.t.cap);
	assert_true(STAT(&x, TCP_OOO_QUEUED) <= 100);
	assert_true(STAT(&x, TCP_OOO_DROP) >= 68);
	assert_true(tn_stat(&x.t, ERG_STAT_PKT_IN_USE) <= 32);
	/* Overlapping duplicates of what is queued are not stored twice. */
	for (k = 0; k < 50; k++) {
		pc_send_at(&p, F_ACK, base + 2 * (100 - (k % 5)), p.b_nxt,
		    tp_pat + 2 * (100 - (k % 5)), 1);
	}
	tn_capture_clear(&x.t.cap);
	assert_true(tn_stat(&x.t, ERG_STAT_PKT_IN_USE) <= 32);
	/* Fill everything in order: 201 bytes arrive intact. */
	pc_send_at(&p, F_ACK | F_PSH, base, p.b_nxt, tp_pat, 201);
	tc_advance(&x, DELACK_MS * MS);
	pc_expect(&p, &g);
	assert_int_equal(g.r.ack, base + 201);
	assert_int_equal(pc_read_all(&p, 0), 201);
	pc_abort(&p, 0);
	tc_done(&x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_closed_to_syn_sent_on_connect),
		cmocka_unit_test(test_tcp_listen_to_syn_received_on_syn),
		cmocka_unit_test(test_tcp_syn_sent_to_established_on_syn_ack),
		cmocka_unit_test(test_tcp_syn_sent_answers_bad_ack_with_rst),
		cmocka_unit_test(
		    test_tcp_syn_sent_to_syn_received_on_simultaneous_syn),
		cmocka_unit_test(
		    test_tcp_simultaneous_open_completes_on_peer_syn_ack),
		cmocka_unit_test(test_tcp_syn_received_to_established_on_ack),
		cmocka_unit_test(
		    test_tcp_established_to_fin_wait_1_on_shutdown),
		cmocka_unit_test(test_tcp_established_to_close_wait_on_fin),
		cmocka_unit_test(
		    test_tcp_fin_wait_1_to_fin_wait_2_on_ack_of_fin),
		cmocka_unit_test(test_tcp_fin_wait_1_to_closing_on_fin),
		cmocka_unit_test(test_tcp_fin_wait_1_to_time_wait_on_fin_ack),
		cmocka_unit_test(test_tcp_fin_wait_2_to_time_wait_on_fin),
		cmocka_unit_test(test_tcp_close_wait_to_last_ack_on_shutdown),
		cmocka_unit_test(test_tcp_last_ack_to_closed_frees_connection),
		cmocka_unit_test(test_tcp_last_ack_to_closed_held_connection),
		cmocka_unit_test(test_tcp_closing_to_time_wait_on_ack),
		cmocka_unit_test(test_tcp_time_wait_to_closed_after_2msl),
		cmocka_unit_test(test_tcp_rst_in_syn_sent_refuses),
		cmocka_unit_test(
		    test_tcp_rst_in_syn_received_after_active_open_refuses),
		cmocka_unit_test(
		    test_tcp_rst_in_syn_received_returns_to_listen),
		cmocka_unit_test(test_tcp_rst_in_established_resets),
		cmocka_unit_test(test_tcp_rst_in_fin_wait_1_resets),
		cmocka_unit_test(test_tcp_rst_in_fin_wait_2_resets),
		cmocka_unit_test(test_tcp_rst_in_close_wait_resets),
		cmocka_unit_test(test_tcp_rst_in_closing_closes),
		cmocka_unit_test(test_tcp_rst_in_last_ack_closes),
		cmocka_unit_test(test_tcp_rst_in_time_wait_is_ignored),
		cmocka_unit_test(test_tcp_time_wait_bare_ack_gets_no_answer),
		cmocka_unit_test(
		    test_tcp_time_wait_reused_by_syn_with_higher_seq),
		cmocka_unit_test(
		    test_tcp_time_wait_reused_by_syn_with_higher_timestamp),
		cmocka_unit_test(test_tcp_time_wait_old_syn_gets_ack),
		cmocka_unit_test(test_tcp_closed_port_answers_rst),
		cmocka_unit_test(test_tcp_port_zero_dropped_unanswered),
		cmocka_unit_test(test_tcp_mss_clamped_to_route_mtu),
		cmocka_unit_test(test_tcp_mss_defaults_to_536_without_option),
		cmocka_unit_test(test_tcp_options_need_both_sides_passive),
		cmocka_unit_test(test_tcp_syn_ack_window_scale_only_if_offered),
		cmocka_unit_test(test_tcp_options_need_both_sides_active),
		cmocka_unit_test(test_tcp_timestamps_without_window_scale),
		cmocka_unit_test(test_tcp_first_ack_echoes_latest_timestamp),
		cmocka_unit_test(
		    test_tcp_window_field_is_scaled_after_handshake),
		cmocka_unit_test(test_tcp_sack_blocks_for_out_of_order_data),
		cmocka_unit_test(
		    test_tcp_sack_first_block_is_latest_beyond_three_runs),
		cmocka_unit_test(test_tcp_no_sack_blocks_when_not_permitted),
		cmocka_unit_test(test_tcp_delayed_ack_after_delack_ms),
		cmocka_unit_test(test_tcp_ack_at_once_when_last_gap_filled),
		cmocka_unit_test(test_tcp_ack_every_second_full_segment),
		cmocka_unit_test(test_tcp_zero_window_probes_then_sends),
		cmocka_unit_test(test_tcp_persist_gives_up_on_silent_peer),
		cmocka_unit_test(test_tcp_small_window_does_not_stall),
		cmocka_unit_test(test_tcp_keepalive_probes_and_answer),
		cmocka_unit_test(test_tcp_keepalive_timeout_ends_connection),
		cmocka_unit_test(test_tcp_frag_needed_in_flight_lowers_mss),
		cmocka_unit_test(
		    test_tcp_frag_needed_for_seq_not_in_flight_ignored),
		cmocka_unit_test(test_tcp_icmp_unreachable_is_soft_error),
		cmocka_unit_test(test_tcp_icmp_unreachable_in_syn_sent_is_soft),
		cmocka_unit_test(
		    test_tcp_calls_on_reset_connection_return_econnreset),
		cmocka_unit_test(
		    test_tcp_options_on_reset_connection_return_econnreset),
		cmocka_unit_test(
		    test_tcp_calls_on_timed_out_connection_return_etimedout),
		cmocka_unit_test(test_tcp_class6_urgent_pointer_beyond_segment),
		cmocka_unit_test(
		    test_tcp_class7_bad_option_lengths_are_dropped),
		cmocka_unit_test(
		    test_tcp_class8_offset_and_ip_length_beyond_buffer),
		cmocka_unit_test(test_tcp_class15_bogus_sack_edges_ignored),
		cmocka_unit_test(test_tcp_class15_truncated_timestamp_dropped),
		cmocka_unit_test(test_tcp_class16_isn_follows_rfc6528),
		cmocka_unit_test(test_tcp_class17_tiny_mss_is_floored),
		cmocka_unit_test(
		    test_tcp_class17_tiny_mss_with_timestamps_is_floored),
		cmocka_unit_test(test_tcp_class18_ooo_flood_is_bounded),
	};

	/* TEST_FILTER=pattern runs only the matching tests (debugging). */
	if (getenv("TEST_FILTER") != NULL) {
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
