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

/*
 * Tests that expose a known bug call skip() (each says BUG: ... why).
 * Built with -DERG_TEST_NO_SKIP they run, to check a fix.
 */
#ifdef ERG_TEST_NO_SKIP
#undef skip
#define skip() ((void)0)
#endif

#define ADDR_A ERG_IPV4(198, 18, 0, 1)
#define ADDR_B ERG_IPV4(198, 18, 0, 2)

#define PORT_SRV 7000u  /* B's listener */
#define PORT_CLI 40100u /* A's port towards it */
#define PORT_LOC 50000u /* B's port for its active opens */
#define PORT_REM 80u    /* A's service for B's active opens */

#define ISS_A    0x10000000u /* A's initial sequence number */
#define TS_A0    1000u       /* A's first timestamp value */
#define MSS_1500 1460u       /* 1500 - 20 (IPv4) - 20 (TCP) */
/* RFC 9293 3.7.1, RFC 6691: the 12 bytes of TSopt come out of it. */
#define MSS_TS (MSS_1500 - 12u)

#define MS  1000ull    /* microseconds */
#define SEC 1000000ull /* microseconds */
#define T0  (10 * SEC)

/* Defaults of erg_config_default (tcpnotes, include/erg/config.h). */
#define DELACK_MS 40u
#define MSL_MS    30000u

#define F_SYN ERG_TCP_SYN
#define F_ACK ERG_TCP_ACK
#define F_FIN ERG_TCP_FIN
#define F_RST ERG_TCP_RST
#define F_PSH ERG_TCP_PSH

#define STAT(x, name) tn_stat(&(x)->t, ERG_STAT_##name)

static const uint8_t mac_a[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t mac_b[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };

/* Payload bytes: position i holds i * 7 + 1 (mod 256). */
static uint8_t pat[70000];

/* ---- The test bench ------------------------------------------------------ */

struct evrec {
	unsigned all; /* every event bit seen */
	unsigned calls;
};

struct tc {
	struct tn_stack t;
	uint64_t now;
	uint16_t ip_id;
	struct erg_tcp_listener *l;
	struct evrec lev;
};

/* One connection as host A sees it. */
struct pc {
	struct tc *x;
	uint16_t aport;
	uint16_t bport;
	uint32_t a_nxt; /* A's SND.NXT */
	uint32_t b_nxt; /* A's RCV.NXT: what B sends next */
	uint32_t b_iss;
	uint16_t a_win; /* A's window, as on the wire */
	bool ts;        /* A sends timestamps */
	uint32_t a_ts;  /* A's clock */
	uint32_t b_ts;  /* B's last TSval, echoed */
	struct erg_tcp_conn *c;
	struct evrec ev;
};

/* What A's SYN (or SYN-ACK) offers. */
struct synopt {
	uint16_t mss; /* 0: no MSS option */
	bool sack;
	bool ts;
	bool ws;
	uint8_t wscale;
};

static const struct synopt opt_full = { MSS_1500, true, true, true, 7 };
static const struct synopt opt_mss = { MSS_1500, false, false, false, 0 };

/* A segment B sent, with a copy of its payload. */
struct seg {
	struct erg_tcp_repr r;
	size_t len;
	uint8_t data[2048];
};

static void
ev_cb(struct erg_tcp_conn *c, unsigned events, void *ctx)
{
	struct evrec *e = ctx;

	(void)c;
	e->all |= events;
	e->calls++;
}

static void
lst_cb(struct erg_tcp_listener *l, unsigned events, void *ctx)
{
	struct evrec *e = ctx;

	(void)l;
	e->all |= events;
	e->calls++;
}

static void
pat_init(void)
{
	size_t i;

	for (i = 0; i < sizeof(pat); i++) {
		pat[i] = (uint8_t)(i * 7 + 1);
	}
}

static void
tc_init(struct tc *x, const struct erg_config *cfg)
{
	memset(x, 0, sizeof(*x));
	pat_init();
	tn_host_b(&x->t, cfg);
	x->now = T0;
	tn_learn_a(&x->t, x->now);
}

static void
tc_listen(struct tc *x, unsigned backlog)
{
	assert_int_equal(erg_tcp_listen(x->t.s, ERG_IPV4_ANY, PORT_SRV, backlog,
	                     lst_cb, &x->lev, &x->l),
	    0);
}

/* Closes the listener, if any, and checks that nothing leaked. */
static void
tc_done(struct tc *x)
{
	if (x->l != NULL) {
		erg_tcp_listener_close(x->l);
		x->l = NULL;
	}
	assert_int_equal(STAT(x, TCP_CONNS_IN_USE), 0);
	tn_stack_done(&x->t);
}

static void
tc_advance(struct tc *x, uint64_t us)
{
	x->now += us;
	(void)erg_stack_poll(x->t.s, x->now);
}

/* Frames A's TCP segment tcp (checksum already in place) and injects it. */
static void
tc_inject_tcp(struct tc *x, const uint8_t *tcp, size_t len)
{
	uint8_t *ip = tn_xmalloc(20 + len);
	uint8_t *f = tn_xmalloc(14 + 20 + len);
	size_t n;

	n = tn_build_ipv4(ip, ADDR_A, ADDR_B, ERG_IP_PROTO_TCP, x->ip_id++, 0,
	    false, tcp, len);
	n = tn_build_eth(f, mac_b, mac_a, ERG_ETHERTYPE_IPV4, ip, n);
	tn_inject(&x->t, f, n, x->now);
	free(ip);
	free(f);
}

static void
tc_inject_repr(struct tc *x, const struct erg_tcp_repr *r, const void *data,
    size_t len)
{
	uint8_t *b = tn_xmalloc(ERG_TCP_HDR_MAX + len);
	struct erg_view v = erg_view_make(len > 0 ? data : pat, len);
	int h;

	h = erg_tcp_emit(r, ADDR_A, ADDR_B, &v, 1, b, ERG_TCP_HDR_MAX);
	assert_true(h >= (int)ERG_TCP_HDR_LEN);
	if (len > 0) {
		memcpy(b + h, data, len);
	}
	tc_inject_tcp(x, b, (size_t)h + len);
	free(b);
}

/* Parses frame f as a TCP segment from B to A, checksums verified. */
static void
seg_parse(const struct tn_frame *f, struct seg *g)
{
	struct erg_ipv4_repr ip;
	struct erg_view l4, pl;
	enum erg_stat why = ERG_STAT_COUNT;

	assert_true(f->len >= ERG_ETHER_HDR_LEN);
	assert_memory_equal(f->data, mac_a, 6);
	assert_memory_equal(f->data + 6, mac_b, 6);
	assert_int_equal(erg_be16(f->data + 12), ERG_ETHERTYPE_IPV4);
	assert_int_equal(erg_ipv4_parse(&ip, &l4,
	                     erg_view_make(f->data + 14, f->len - 14), NULL),
	    0);
	assert_int_equal(ip.proto, ERG_IP_PROTO_TCP);
	assert_int_equal(ip.src, ADDR_B);
	assert_int_equal(ip.dst, ADDR_A);
	assert_int_equal(ip.total_len, f->len - 14); /* no link padding */
	assert_int_equal(erg_tcp_parse(&g->r, &pl, l4, ADDR_B, ADDR_A, &why),
	    0);
	assert_true(pl.len <= sizeof(g->data));
	memcpy(g->data, pl.p, pl.len);
	g->len = pl.len;
}

/* Frame i of the capture, as a segment. */
static void
tc_seg(struct tc *x, unsigned i, struct seg *g)
{
	assert_true(i < x->t.cap.n);
	seg_parse(&x->t.cap.frames[i], g);
}

static void
tc_expect_none(struct tc *x)
{
	assert_int_equal(x->t.cap.n, 0);
}

static void
seg_is(const struct seg *g, uint8_t flags, uint32_t seq, uint32_t ack,
    size_t len)
{
	assert_int_equal(g->r.flags, flags);
	assert_int_equal(g->r.seq, seq);
	if (flags & F_ACK) {
		assert_int_equal(g->r.ack, ack);
	}
	assert_int_equal(g->len, len);
}

static void
pc_init(struct pc *p, struct tc *x, uint16_t aport, uint16_t bport)
{
	memset(p, 0, sizeof(*p));
	p->x = x;
	p->aport = aport;
	p->bport = bport;
	p->a_nxt = ISS_A;
	p->a_win = 65535;
	p->a_ts = TS_A0;
}

/* A's view of what B sent: B's clock to echo, B's next sequence number. */
static void
pc_track(struct pc *p, const struct seg *g)
{
	uint32_t end = g->r.seq + (uint32_t)g->len +
	    ((g->r.flags & F_SYN) ? 1u : 0u) + ((g->r.flags & F_FIN) ? 1u : 0u);

	assert_int_equal(g->r.src_port, p->bport);
	assert_int_equal(g->r.dst_port, p->aport);
	if ((g->r.flags & (F_SYN | F_RST)) == F_SYN) {
		p->b_iss = g->r.seq;
		p->b_nxt = end;
	}
	if (g->r.ts_ok) {
		p->b_ts = g->r.ts_val;
	}
	if ((g->r.flags & F_RST) == 0 && (int32_t)(end - p->b_nxt) > 0) {
		p->b_nxt = end;
	}
}

/* Exactly one segment, of p's connection; the capture is cleared. */
static void
pc_expect(struct pc *p, struct seg *g)
{
	assert_int_equal(p->x->t.cap.n, 1);
	tc_seg(p->x, 0, g);
	pc_track(p, g);
	tn_capture_clear(&p->x->t.cap);
}

/* Tracks and clears every segment captured (all of p's connection). */
static void
pc_take_all(struct pc *p)
{
	struct seg g;
	unsigned k;

	for (k = 0; k < p->x->t.cap.n; k++) {
		tc_seg(p->x, k, &g);
		pc_track(p, &g);
	}
	tn_capture_clear(&p->x->t.cap);
}

static void
pc_repr(const struct pc *p, struct erg_tcp_repr *r, uint8_t flags, uint32_t seq,
    uint32_t ack)
{
	memset(r, 0, sizeof(*r));
	r->src_port = p->aport;
	r->dst_port = p->bport;
	r->seq = seq;
	r->ack = (flags & F_ACK) ? ack : 0;
	r->flags = flags;
	r->window = p->a_win;
	if (p->ts) {
		r->ts_ok = true;
		r->ts_val = p->a_ts;
		r->ts_ecr = p->b_ts;
	}
}

/* A sends with the given sequence and acknowledgment numbers. */
static void
pc_send_at(struct pc *p, uint8_t flags, uint32_t seq, uint32_t ack,
    const void *data, size_t len)
{
	struct erg_tcp_repr r;

	pc_repr(p, &r, flags, seq, ack);
	tc_inject_repr(p->x, &r, data, len);
	p->a_ts++;
}

/* A sends in sequence: seq A's SND.NXT, ack A's RCV.NXT. */
static void
pc_send(struct pc *p, uint8_t flags, const void *data, size_t len)
{
	pc_send_at(p, flags, p->a_nxt, p->b_nxt, data, len);
	p->a_nxt += (uint32_t)len + ((flags & F_SYN) ? 1u : 0u) +
	    ((flags & F_FIN) ? 1u : 0u);
}

/* A SYN (flags SYN, or SYN|ACK) offering o, at A's ISS. */
static void
pc_send_syn(struct pc *p, uint8_t flags, const struct synopt *o)
{
	struct erg_tcp_repr r;

	p->ts = o->ts;
	pc_repr(p, &r, flags, p->a_nxt, p->b_nxt);
	r.mss = o->mss;
	r.sack_ok = o->sack;
	r.wscale_ok = o->ws;
	r.wscale = o->ws ? o->wscale : 0;
	tc_inject_repr(p->x, &r, NULL, 0);
	p->a_ts++;
	p->a_nxt++;
}

static struct erg_tcp_info
pc_info(const struct pc *p)
{
	struct erg_tcp_info i;

	erg_tcp_info(p->c, &i);
	return i;
}

/* Compares names, so that a failure says which states. */
#define assert_state(p, st)                                       \
	assert_string_equal(erg_tcp_state_name(pc_info(p).state), \
	    erg_tcp_state_name(st))

/*
 * A's SYN to B's listener, offering o; checks B's SYN-ACK and leaves
 * the handshake half done (B in SYN-RECEIVED).
 */
static void
pc_syn(struct pc *p, const struct synopt *o, struct seg *synack)
{
	pc_send_syn(p, F_SYN, o);
	assert_int_equal(p->x->t.cap.n, 1);
	tc_seg(p->x, 0, synack);
	assert_int_equal(synack->r.flags, F_SYN | F_ACK);
	assert_int_equal(synack->r.ack, p->a_nxt);
	p->b_iss = synack->r.seq;
	p->b_nxt = p->b_iss;
	pc_track(p, synack);
	tn_capture_clear(&p->x->t.cap);
}

/* A full passive open (B's listener must exist) and accept. */
static void
pc_accept(struct pc *p, const struct synopt *o)
{
	struct seg g;

	pc_syn(p, o, &g);
	p->x->lev.all = 0;
	pc_send(p, F_ACK, NULL, 0);
	tc_expect_none(p->x);
	assert_true(p->x->lev.all & ERG_TCP_EV_ACCEPT);
	assert_int_equal(erg_tcp_accept(p->x->l, ev_cb, &p->ev, &p->c), 0);
	assert_state(p, ERG_TCP_ESTABLISHED);
}

/* B's active open to A, A answering SYN-ACK with o. */
static void
pc_connect(struct pc *p, const struct synopt *o)
{
	struct seg g;

	assert_int_equal(erg_tcp_connect(p->x->t.s, ADDR_A, p->aport, p->bport,
	                     ev_cb, &p->ev, &p->c),
	    0);
	assert_int_equal(p->x->t.cap.n, 1);
	tc_seg(p->x, 0, &g);
	assert_int_equal(g.r.flags, F_SYN);
	p->b_iss = g.r.seq;
	p->b_nxt = g.r.seq;
	pc_track(p, &g);
	tn_capture_clear(&p->x->t.cap);
	pc_send_syn(p, F_SYN | F_ACK, o);
	pc_expect(p, &g);
	seg_is(&g, F_ACK, p->b_iss + 1, ISS_A + 1, 0);
	assert_true(p->ev.all & ERG_TCP_EV_CONNECTED);
	assert_state(p, ERG_TCP_ESTABLISHED);
}

/*
 * Aborts p's connection (RFC 9293 3.10.5): one RST at B's SND.NXT in
 * SYN-RECEIVED, ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2 and CLOSE-WAIT;
 * nothing in the other states.
 */
static void
pc_abort(struct pc *p)
{
	struct seg g;
	enum erg_tcp_state st = pc_info(p).state;

	erg_tcp_abort(p->c);
	p->c = NULL;
	switch (st) {
	case ERG_TCP_SYN_RECEIVED:
	case ERG_TCP_ESTABLISHED:
	case ERG_TCP_FIN_WAIT_1:
	case ERG_TCP_FIN_WAIT_2:
	case ERG_TCP_CLOSE_WAIT:
		pc_expect(p, &g);
		assert_int_equal(g.r.flags & F_RST, F_RST);
		assert_int_equal(g.r.seq, p->b_nxt);
		break;
	default:
		tc_expect_none(p->x);
		break;
	}
}

/* Reads everything readable from p and checks it is pat[off..]. */
static size_t
pc_read_all(struct pc *p, size_t off)
{
	uint8_t buf[4096];
	size_t total = 0;
	long n;

	while ((n = erg_tcp_read(p->c, buf, sizeof(buf))) > 0) {
		assert_memory_equal(buf, pat + off + total, (size_t)n);
		total += (size_t)n;
	}
	return total;
}

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
	pc_accept(&p, &opt_full);
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
	pc_accept(&p, &opt_full);
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
	pc_send(&p, F_ACK | F_PSH, pat, 10);
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
	pc_accept(&p, &opt_full);
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
	pc_abort(&p);
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
	struct synopt o = opt_full;

	(void)state;
	tc_init(&x, NULL);
	tc_listen(&x, 0);
	pc_init(&p, &x, PORT_CLI, PORT_SRV);
	pc_accept(&p, &opt_full);
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
	pc_send(&p, F_ACK | F_PSH, pat, 10);
	assert_int_equal(pc_read_all(&p, 0), 10);
	pc_abort(&p);
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
	pc_accept(&p, &opt_full);
	pc_send(&p, F_FIN | F_ACK, NULL, 0);
	tc_advance(&x, DELACK_MS * MS);
	pc_expect(&p, &g);
	assert_state(&p, ERG_TCP_CLOSE_WAIT);
	pc_send_at(&p, F_SYN, p.a_nxt, 0, NULL, 0);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, p.b_iss + 1, p.a_nxt, 0);
	assert_state(&p, ERG_TCP_CLOSE_WAIT);

	pc_init(&q, &x, PORT_CLI + 1, PORT_SRV);
	pc_accept(&q, &opt_full);
	assert_int_equal(erg_tcp_shutdown(q.c), 0);
	pc_expect(&q, &g);
	pc_send(&q, F_ACK, NULL, 0);
	assert_state(&q, ERG_TCP_FIN_WAIT_2);
	pc_send_at(&q, F_SYN, q.a_nxt, 0, NULL, 0);
	pc_expect(&q, &g);
	seg_is(&g, F_ACK, q.b_iss + 2, q.a_nxt, 0);
	assert_state(&q, ERG_TCP_FIN_WAIT_2);
	assert_int_equal(STAT(&x, TCP_SYN_CHALLENGE_ACKS), 2);
	pc_abort(&p);
	pc_abort(&q);
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
	pc_connect(&p, &opt_full);
	/* A's SYN-ACK again (a retransmission): acknowledged, no reset. */
	p.a_nxt = ISS_A;
	pc_send_syn(&p, F_SYN | F_ACK, &opt_full);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, p.b_iss + 1, ISS_A + 1, 0);
	assert_state(&p, ERG_TCP_ESTABLISHED);
	pc_abort(&p);
	tc_done(&x);
}

/* ---- ACK acceptability (RFC 5961 5) -------------------------------------- */

/* B with 1000 bytes in flight to A, whose window is unscaled. */
static void
with_data_in_flight(struct tc *x, struct pc *p)
{
	struct synopt o = opt_full;

	o.ws = false; /* MAX.SND.WND = 65535 exactly */
	pc_init(p, x, PORT_CLI, PORT_SRV);
	pc_accept(p, &o);
	assert_int_equal(erg_tcp_write(p->c, pat, 1000), 1000);
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
	pc_send_at(&p, F_ACK | F_PSH, p.a_nxt, una + 1001, pat, 10);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, una + 1000, p.a_nxt, 0);
	assert_int_equal(STAT(&x, TCP_BAD_ACK), 1);
	assert_int_equal(STAT(&x, TCP_ACK_CHALLENGE_ACKS), 1);
	assert_int_equal(erg_tcp_readable(p.c), 0);
	assert_int_equal(pc_info(&p).in_flight, 1000);
	/* Exactly SND.NXT is fine. */
	pc_send_at(&p, F_ACK | F_PSH, p.a_nxt, una + 1000, pat, 10);
	p.a_nxt += 10;
	assert_int_equal(erg_tcp_readable(p.c), 10);
	assert_int_equal(pc_info(&p).in_flight, 0);
	assert_int_equal(STAT(&x, TCP_BAD_ACK), 1);
	tc_advance(&x, DELACK_MS * MS);
	tn_capture_clear(&x.t.cap);
	assert_int_equal(pc_read_all(&p, 0), 10);
	pc_abort(&p);
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
	pc_send_at(&p, F_ACK | F_PSH, p.a_nxt, una - 65535 - 1, pat, 10);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, una + 1000, p.a_nxt, 0);
	pc_send_at(&p, F_ACK | F_PSH, p.a_nxt, una - 0x40000000u, pat, 10);
	pc_expect(&p, &g);
	assert_int_equal(STAT(&x, TCP_ACK_CHALLENGE_ACKS), 2);
	assert_int_equal(erg_tcp_readable(p.c), 0);
	/* SND.UNA - MAX.SND.WND exactly: acceptable. */
	pc_send_at(&p, F_ACK | F_PSH, p.a_nxt, una - 65535, pat, 10);
	p.a_nxt += 10;
	assert_int_equal(erg_tcp_readable(p.c), 10);
	pc_send_at(&p, F_ACK | F_PSH, p.a_nxt, una - 1, pat + 10, 10);
	p.a_nxt += 10;
	assert_int_equal(erg_tcp_readable(p.c), 20);
	assert_int_equal(STAT(&x, TCP_ACK_CHALLENGE_ACKS), 2);
	assert_int_equal(pc_info(&p).in_flight, 1000);
	/* The two old-ACK segments were full-size? No: one ACK for two. */
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, una + 1000, p.a_nxt, 0);
	assert_int_equal(pc_read_all(&p, 0), 20);
	pc_abort(&p);
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
	pc_accept(&p, &opt_full);
	wnd = pc_info(&p).rcv_wnd;
	/* Beyond the right edge. */
	pc_send_at(&p, F_ACK | F_PSH, p.a_nxt + wnd, p.b_nxt, pat, 100);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, p.b_iss + 1, p.a_nxt, 0);
	assert_int_equal(g.r.sack_n, 0);
	/* Entirely before RCV.NXT: an old duplicate. */
	pc_send_at(&p, F_ACK | F_PSH, p.a_nxt - 100, p.b_nxt, pat, 100);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, p.b_iss + 1, p.a_nxt, 0);
	assert_int_equal(STAT(&x, TCP_OUT_OF_WINDOW), 2);
	assert_int_equal(STAT(&x, TCP_DUP_DATA), 1);
	assert_int_equal(erg_tcp_readable(p.c), 0);
	assert_int_equal(STAT(&x, TCP_OOO_QUEUED), 0);
	/* Straddling RCV.NXT: the new part is taken. */
	pc_send_at(&p, F_ACK | F_PSH, p.a_nxt - 5, p.b_nxt, pat, 15);
	p.a_nxt += 10;
	assert_int_equal(erg_tcp_readable(p.c), 10);
	{
		uint8_t buf[16];

		assert_int_equal(erg_tcp_read(p.c, buf, sizeof(buf)), 10);
		assert_memory_equal(buf, pat + 5, 10);
	}
	tc_advance(&x, DELACK_MS * MS);
	pc_expect(&p, &g);
	assert_int_equal(g.r.ack, p.a_nxt);
	pc_abort(&p);
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
	pc_accept(&p, &opt_full);
	pc_init(&q, &x, PORT_CLI + 1, PORT_SRV);
	pc_accept(&q, &opt_full);
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
	pc_abort(&p);
	pc_abort(&q);
	tc_done(&x);
}

/* ---- PAWS (RFC 7323 5) --------------------------------------------------- */

/* An established connection whose TS.Recent is A's current TSval. */
static void
paws_setup(struct tc *x, struct pc *p)
{
	struct seg g;

	pc_init(p, x, PORT_CLI, PORT_SRV);
	pc_accept(p, &opt_full);
	/* Data, and B's ACK of it: TS.Recent follows (RFC 7323 4.3). */
	pc_send(p, F_ACK | F_PSH, pat, 10);
	tc_advance(x, DELACK_MS * MS);
	pc_expect(p, &g);
	pc_send(p, F_ACK | F_PSH, pat + 10, 10);
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
	pc_send_at(&p, F_ACK | F_PSH, p.a_nxt, p.b_nxt, pat, 10);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK, p.b_iss + 1, p.a_nxt, 0);
	assert_int_equal(g.r.ts_ecr, recent);
	assert_int_equal(STAT(&x, TCP_PAWS_DROP), 1);
	assert_int_equal(erg_tcp_readable(p.c), 0);
	/* Half the timestamp space ahead is behind, modulo 2^32. */
	p.a_ts = recent + 0x80000001u;
	pc_send_at(&p, F_ACK | F_PSH, p.a_nxt, p.b_nxt, pat, 10);
	pc_expect(&p, &g);
	assert_int_equal(STAT(&x, TCP_PAWS_DROP), 2);
	assert_int_equal(erg_tcp_readable(p.c), 0);
	/* Equal to TS.Recent: accepted. */
	p.a_ts = recent;
	pc_send(&p, F_ACK | F_PSH, pat + 20, 10);
	assert_int_equal(erg_tcp_readable(p.c), 10);
	assert_int_equal(STAT(&x, TCP_PAWS_DROP), 2);
	tc_advance(&x, DELACK_MS * MS);
	pc_expect(&p, &g);
	assert_int_equal(g.r.ack, p.a_nxt);
	assert_int_equal(pc_read_all(&p, 20), 10);
	pc_abort(&p);
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
	pc_send(&p, F_ACK | F_PSH, pat + 20, 10);
	tc_advance(&x, DELACK_MS * MS);
	pc_expect(&p, &g);
	assert_int_equal(g.r.ts_ecr, p.a_ts - 1);
	assert_int_equal(pc_read_all(&p, 20), 10);
	pc_abort(&p);
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
	pc_send(&p, F_ACK | F_PSH, pat + 20, 10);
	assert_int_equal(STAT(&x, TCP_PAWS_DROP), 0);
	assert_int_equal(erg_tcp_readable(p.c), 10);
	tc_advance(&x, DELACK_MS * MS);
	pc_expect(&p, &g);
	assert_int_equal(g.r.ts_ecr, p.a_ts - 1);
	assert_int_equal(pc_read_all(&p, 20), 10);
	pc_abort(&p);
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
	pc_syn(first, &opt_full, &g);
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
	cookie_syn(&x, &p, &opt_full, &g);
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
	assert_int_equal(erg_tcp_accept(x.l, ev_cb, &p.ev, &p.c), 0);
	i = pc_info(&p);
	assert_string_equal(erg_tcp_state_name(i.state), "ESTABLISHED");
	assert_int_equal(i.rport, PORT_CLI + 1);
	assert_int_equal(i.mss, MSS_TS);
	assert_int_equal(i.snd_wscale, 7);
	assert_true(i.sack_ok);
	assert_true(i.ts_ok);
	/* It works both ways. */
	pc_send(&p, F_ACK | F_PSH, pat, 100);
	assert_int_equal(pc_read_all(&p, 0), 100);
	assert_int_equal(erg_tcp_write(p.c, pat, 10), 10);
	pc_expect(&p, &g);
	seg_is(&g, F_ACK | F_PSH, p.b_iss + 1, p.a_nxt, 10);
	assert_int_equal(g.r.window << pc_info(&p).rcv_wscale,
	    pc_info(&p).rcv_wnd);
	pc_send(&p, F_ACK, NULL, 0);
	assert_int_equal(pc_info(&p).in_flight, 0);
	pc_abort(&p);
	/* The first handshake was never disturbed. */
	pc_send(&first, F_ACK, NULL, 0);
	assert_int_equal(erg_tcp_accept(x.l, ev_cb, &first.ev, &first.c), 0);
	assert_state(&first, ERG_TCP_ESTABLISHED);
	pc_abort(&first);
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
	struct synopt o = opt_full;
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
		assert_int_equal(erg_tcp_accept(x.l, ev_cb, &p.ev, &p.c), 0);
		assert_int_equal(pc_info(&p).mss, t[k].got);
		assert_int_equal(pc_info(&p).snd_wscale, 0);
		assert_false(pc_info(&p).sack_ok);
		assert_false(pc_info(&p).ts_ok);
		pc_abort(&p);
	}
	assert_int_equal(STAT(&x, TCP_SYN_COOKIES_OK), 4);
	(void)opt_mss;
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
	cookie_syn(&x, &p, &opt_full, &g);
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
	assert_int_equal(erg_tcp_accept(x.l, ev_cb, &p.ev, &p.c), -ERG_EAGAIN);
	/* The real ACK still works. */
	pc_send_at(&p, F_ACK, p.a_nxt, cookie + 1, NULL, 0);
	tc_expect_none(&x);
	assert_int_equal(STAT(&x, TCP_SYN_COOKIES_OK), 1);
	assert_int_equal(erg_tcp_accept(x.l, ev_cb, &p.ev, &p.c), 0);
	pc_abort(&p);
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
	cookie_syn(&x, &p, &opt_full, &g);
	for (k = 0; k < 200; k++) {
		tc_advance(&x, SEC);
	}
	tn_capture_clear(&x.t.cap); /* the first child's SYN-ACKs */
	assert_int_equal(STAT(&x, TCP_CONNS_IN_USE), 0); /* it gave up */
	tn_learn_a(&x.t, x.now);
	/* A new flood: the queue fills again, cookies go out again. */
	pc_init(&again, &x, PORT_CLI + 2, PORT_SRV);
	pc_syn(&again, &opt_full, &g);
	pc_init(&q, &x, PORT_CLI + 3, PORT_SRV);
	cookie_syn(&x, &q, &opt_full, &g);
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
	assert_int_equal(erg_tcp_accept(x.l, ev_cb, &q.ev, &q.c), 0);
	pc_abort(&q);
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
	pc_accept(&est, &opt_full);
	pc_init(&first, &x, PORT_CLI + 1, PORT_SRV);
	pc_syn(&first, &opt_full, &g);
	pc_init(&second, &x, PORT_CLI + 2, PORT_SRV);
	pc_syn(&second, &opt_full, &g);
	pool = erg_stack_pool_in_use(x.t.s);
	for (k = 0; k < 200; k++) {
		pc_init(&p, &x, (uint16_t)(20000 + k), PORT_SRV);
		p.a_nxt = ISS_A + k * 7919;
		pc_send_syn(&p, F_SYN, &opt_full);
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
	pc_send(&est, F_ACK | F_PSH, pat, 100);
	assert_int_equal(pc_read_all(&est, 0), 100);
	assert_int_equal(erg_tcp_write(est.c, pat, 50), 50);
	pc_expect(&est, &g);
	seg_is(&g, F_ACK | F_PSH, est.b_iss + 1, est.a_nxt, 50);
	/* The flood's last source was a real client: its ACK of the
	 * cookie gets it a connection. */
	pc_track(&p, &last);
	pc_send(&p, F_ACK, NULL, 0);
	tc_expect_none(&x);
	assert_int_equal(STAT(&x, TCP_SYN_COOKIES_OK), 1);
	assert_int_equal(erg_tcp_accept(x.l, ev_cb, &p.ev, &p.c), 0);
	assert_state(&p, ERG_TCP_ESTABLISHED);
	pc_abort(&p);
	pc_abort(&est);
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
