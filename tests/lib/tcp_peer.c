/*
 * tests/lib/tcp_peer.c: host A of the TCP unit tests against a stack
 * playing host B over the capture driver. See tcp_peer.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "tcp_peer.h"

uint8_t tp_pat[TP_PAT_LEN];

const uint8_t tp_mac_a[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
const uint8_t tp_mac_b[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };

const struct synopt tp_opt_full = { MSS_1500, true, true, true, 7 };
const struct synopt tp_opt_mss = { MSS_1500, false, false, false, 0 };

/* Records a connection's events into the struct evrec ctx. */
void
tp_ev_cb(struct erg_tcp_conn *c, unsigned events, void *ctx)
{
	struct evrec *e = ctx;

	(void)c;
	e->all |= events;
	e->calls++;
}

/* Records a listener's events into the struct evrec ctx. */
void
tp_lst_cb(struct erg_tcp_listener *l, unsigned events, void *ctx)
{
	struct evrec *e = ctx;

	(void)l;
	e->all |= events;
	e->calls++;
}

void
tp_pat_init(void)
{
	size_t i;

	for (i = 0; i < sizeof(tp_pat); i++) {
		tp_pat[i] = (uint8_t)(i * 7 + 1);
	}
}

void
tc_init(struct tc *x, const struct erg_config *cfg)
{
	memset(x, 0, sizeof(*x));
	tp_pat_init();
	tn_host_b(&x->t, cfg);
	x->now = T0;
	tn_learn_a(&x->t, x->now);
}

void
tc_listen(struct tc *x, unsigned backlog)
{
	assert_int_equal(erg_tcp_listen(x->t.s, ERG_IPV4_ANY, PORT_SRV, backlog,
	                     tp_lst_cb, &x->lev, &x->l),
	    0);
}

/* Closes the listener, if any, and checks that nothing leaked. */
void
tc_done(struct tc *x)
{
	if (x->l != NULL) {
		erg_tcp_listener_close(x->l);
		x->l = NULL;
	}
	assert_int_equal(STAT(x, TCP_CONNS_IN_USE), 0);
	tn_stack_done(&x->t);
}

void
tc_advance(struct tc *x, uint64_t us)
{
	x->now += us;
	(void)erg_stack_poll(x->t.s, x->now);
}

/* Frames A's IPv4 payload (checksum already in place) and injects it. */
void
tc_inject_ip(struct tc *x, uint8_t proto, const uint8_t *l4, size_t len)
{
	uint8_t *ip = tn_xmalloc(20 + len);
	uint8_t *f = tn_xmalloc(14 + 20 + len);
	size_t n;

	n = tn_build_ipv4(ip, ADDR_A, ADDR_B, proto, x->ip_id++, 0, false, l4,
	    len);
	n = tn_build_eth(f, tp_mac_b, tp_mac_a, ERG_ETHERTYPE_IPV4, ip, n);
	tn_inject(&x->t, f, n, x->now);
	free(ip);
	free(f);
}

void
tc_inject_repr(struct tc *x, const struct erg_tcp_repr *r, const void *data,
    size_t len)
{
	uint8_t *b = tn_xmalloc(ERG_TCP_HDR_MAX + len);
	struct erg_view v = erg_view_make(len > 0 ? data : tp_pat, len);
	int h;

	h = erg_tcp_emit(r, ADDR_A, ADDR_B, &v, 1, b, ERG_TCP_HDR_MAX);
	assert_true(h >= (int)ERG_TCP_HDR_LEN);
	if (len > 0) {
		memcpy(b + h, data, len);
	}
	tc_inject_ip(x, ERG_IP_PROTO_TCP, b, (size_t)h + len);
	free(b);
}

/* Parses frame f as a TCP segment from B to A, checksums verified. */
void
seg_parse(const struct tn_frame *f, struct seg *g)
{
	struct erg_ipv4_repr ip;
	struct erg_view l4, pl;
	enum erg_stat why = ERG_STAT_COUNT;

	assert_true(f->len >= ERG_ETHER_HDR_LEN);
	assert_memory_equal(f->data, tp_mac_a, 6);
	assert_memory_equal(f->data + 6, tp_mac_b, 6);
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
void
tc_seg(struct tc *x, unsigned i, struct seg *g)
{
	assert_true(i < x->t.cap.n);
	seg_parse(&x->t.cap.frames[i], g);
}

void
tc_expect_none(struct tc *x)
{
	assert_int_equal(x->t.cap.n, 0);
}

void
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

void
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
void
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
void
pc_expect(struct pc *p, struct seg *g)
{
	assert_int_equal(p->x->t.cap.n, 1);
	tc_seg(p->x, 0, g);
	pc_track(p, g);
	tn_capture_clear(&p->x->t.cap);
}

/* Tracks and clears every segment captured (all of p's connection). */
void
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

void
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
void
pc_send_at(struct pc *p, uint8_t flags, uint32_t seq, uint32_t ack,
    const void *data, size_t len)
{
	struct erg_tcp_repr r;

	pc_repr(p, &r, flags, seq, ack);
	tc_inject_repr(p->x, &r, data, len);
	p->a_ts++;
}

/* A sends in sequence: seq A's SND.NXT, ack A's RCV.NXT. */
void
pc_send(struct pc *p, uint8_t flags, const void *data, size_t len)
{
	pc_send_at(p, flags, p->a_nxt, p->b_nxt, data, len);
	p->a_nxt += (uint32_t)len + ((flags & F_SYN) ? 1u : 0u) +
	    ((flags & F_FIN) ? 1u : 0u);
}

/*
 * A SYN (flags SYN, or SYN|ACK) offering o, with the given sequence and
 * acknowledgment numbers: a retransmission leaves A's SND.NXT alone.
 */
void
pc_send_syn_at(struct pc *p, uint8_t flags, uint32_t seq, uint32_t ack,
    const struct synopt *o)
{
	struct erg_tcp_repr r;

	p->ts = o->ts;
	pc_repr(p, &r, flags, seq, ack);
	r.mss = o->mss;
	r.sack_ok = o->sack;
	r.wscale_ok = o->ws;
	r.wscale = o->ws ? o->wscale : 0;
	tc_inject_repr(p->x, &r, NULL, 0);
	p->a_ts++;
}

/* A SYN (flags SYN, or SYN|ACK) offering o, at A's ISS. */
void
pc_send_syn(struct pc *p, uint8_t flags, const struct synopt *o)
{
	pc_send_syn_at(p, flags, p->a_nxt, p->b_nxt, o);
	p->a_nxt++;
}

struct erg_tcp_info
pc_info(const struct pc *p)
{
	struct erg_tcp_info i;

	erg_tcp_info(p->c, &i);
	return i;
}

/*
 * A's SYN to B's listener, offering o; checks B's SYN-ACK and leaves
 * the handshake half done (B in SYN-RECEIVED).
 */
void
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

/* A's ACK completing the handshake, and B's accept. */
void
pc_ack_accept(struct pc *p)
{
	p->x->lev.all = 0;
	pc_send(p, F_ACK, NULL, 0);
	tc_expect_none(p->x);
	assert_true(p->x->lev.all & ERG_TCP_EV_ACCEPT);
	assert_int_equal(erg_tcp_accept(p->x->l, tp_ev_cb, &p->ev, &p->c), 0);
	assert_state(p, ERG_TCP_ESTABLISHED);
}

/* A full passive open (B's listener must exist) and accept. */
void
pc_accept(struct pc *p, const struct synopt *o)
{
	struct seg g;

	pc_syn(p, o, &g);
	pc_ack_accept(p);
}

/* A sets up a connection to B's listener and B accepts it. */
void
tc_open(struct tc *x, struct pc *p, const struct erg_config *cfg,
    const struct synopt *o)
{
	tc_init(x, cfg);
	tc_listen(x, 0);
	pc_init(p, x, PORT_CLI, PORT_SRV);
	pc_accept(p, o);
}

/* B's active open to A, A answering SYN-ACK with o. */
void
pc_connect(struct pc *p, const struct synopt *o)
{
	struct seg g;

	assert_int_equal(erg_tcp_connect(p->x->t.s, ADDR_A, p->aport, p->bport,
	                     tp_ev_cb, &p->ev, &p->c),
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
 * nothing in the other states. rst_flags 0 checks only that the RST bit
 * is set; otherwise the segment's flags must be exactly rst_flags.
 */
void
pc_abort(struct pc *p, uint8_t rst_flags)
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
		if (rst_flags != 0) {
			assert_int_equal(g.r.flags, rst_flags);
		} else {
			assert_int_equal(g.r.flags & F_RST, F_RST);
		}
		assert_int_equal(g.r.seq, p->b_nxt);
		break;
	default:
		tc_expect_none(p->x);
		break;
	}
}

/* Reads everything readable from p and checks it is tp_pat[off..]. */
size_t
pc_read_all(struct pc *p, size_t off)
{
	uint8_t buf[4096];
	size_t total = 0;
	long n;

	while ((n = erg_tcp_read(p->c, buf, sizeof(buf))) > 0) {
		assert_memory_equal(buf, tp_pat + off + total, (size_t)n);
		total += (size_t)n;
	}
	return total;
}
