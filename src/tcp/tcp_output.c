/*
 * src/tcp/tcp_output.c: what TCP sends, and when.
 *
 * Every segment leaves as a header packet (TCP header built in its
 * headroom, IPv4 and Ethernet prepended below) plus at most two views
 * into the send ring: a gathering driver sends it without the stack
 * copying the payload (DESIGN.md, zero-copy send).
 *
 * Decisions:
 * - Data goes out while min(cwnd, snd_wnd) allows, one MSS per segment,
 *   with Nagle (RFC 9293 3.7.4) unless TCPF_NODELAY, and sender SWS
 *   avoidance (RFC 9293 3.8.6.2.1): a short segment goes only if it is
 *   everything queued and nothing is in flight (or Nagle is off), or it
 *   is at least half the largest window the peer ever offered.
 * - The FIN follows the last queued byte and needs no window (as Linux).
 * - Every segment carries an ACK (except the first SYN), so sending data
 *   also settles a pending delayed ACK.
 * - A zero-length probe at snd_una - 1 serves as both the zero-window
 *   probe and the keepalive probe: either way the peer answers with an
 *   ACK that carries its window (RFC 9293 3.8.6.1, RFC 1122 4.2.3.6).
 * - IP datagrams carry DF: the MSS follows the path MTU (RFC 1191).
 */
#include "tcp_int.h"
#include "../ipv4/ipv4_layer.h"

uint32_t
erg_tcp_ts_now(const struct erg_stack *s, uint32_t offset)
{
	/* A 1 ms timestamp clock (RFC 7323 5.4). */
	return (uint32_t)(s->now / 1000u) + offset;
}

uint16_t
erg_tcp_mss_for_mtu(uint32_t mtu)
{
	/* RFC 6691: MSS = MTU - fixed IP and TCP headers. */
	return (uint16_t)(mtu - ERG_IPV4_HDR_LEN - ERG_TCP_HDR_LEN);
}

/*
 * Builds r's header in a fresh packet and sends it with the n payload
 * views, through the connection's cached path when there is one (NULL:
 * segments without a connection). Returns 0 or an error (counted).
 */
/*
 * Hands pkt (its TCP header built) and the n payload views to IPv4 through
 * path (NULL: none), counting as TCP does. Takes pkt.
 */
static int
tcp_send_pkt(struct erg_stack *s, struct erg_pkt *pkt, uint8_t flags,
    uint32_t src, uint32_t dst, const struct erg_view *v, unsigned n,
    struct erg_ipv4_path *path)
{
	struct erg_ipv4_tx tx;
	int rc;

	memset(&tx, 0, sizeof(tx));
	tx.src = src;
	tx.dst = dst;
	tx.proto = ERG_IP_PROTO_TCP;
	tx.df = true;
	ERG_COUNT(s, TCP_TX);
	if (flags & ERG_TCP_RST) {
		ERG_COUNT(s, TCP_RST_TX);
	}
	rc = erg_ipv4_output_iov_path(s, &tx, pkt, v, n, path);
	if (rc < 0 && rc != -ERG_ENOBUFS) {
		ERG_COUNT(s, TCP_TX_FAIL);
	}
	return rc;
}

static int
tcp_send_segment(struct erg_stack *s, const struct erg_tcp_repr *r,
    uint32_t src, uint32_t dst, const struct erg_view *v, unsigned n,
    struct erg_ipv4_path *path)
{
	struct erg_pkt *pkt;
	size_t hl = erg_tcp_hdr_len(r);
	uint8_t *h;

	pkt = erg_pkt_alloc(s);
	if (pkt == NULL) {
		ERG_COUNT(s, TCP_TX_FAIL);
		return -ERG_ENOMEM;
	}
	h = erg_pkt_push(pkt, (uint32_t)hl);
	(void)erg_tcp_emit(r, src, dst, v, n, h, hl);
	return tcp_send_pkt(s, pkt, r->flags, src, dst, v, n, path);
}

/* The window field for a segment of c (RFC 7323 2.3: scaled). */
static uint16_t
tcp_window_field(struct erg_tcp_conn *c, uint32_t wnd)
{
	uint32_t f = wnd >> c->rcv_wscale;

	/* Rounding down must not pull in the edge already advertised. */
	if ((f << c->rcv_wscale) < wnd && SEQ_GT(c->rcv_adv, c->rcv_nxt) &&
	    (f << c->rcv_wscale) < c->rcv_adv - c->rcv_nxt) {
		f++;
	}
	return (uint16_t)ERG_MIN(f, 65535u);
}

/*
 * The window field of a segment of c that carries an ACK, recording what
 * it advertises and that the ACK went (delayed ACK settled).
 */
static uint16_t
tcp_ack_window(struct erg_tcp_conn *c)
{
	uint16_t f = tcp_window_field(c, erg_tcp_rcv_window(c));
	uint32_t wnd = (uint32_t)f << c->rcv_wscale;

	if (SEQ_GT(c->rcv_nxt + wnd, c->rcv_adv)) {
		c->rcv_adv = c->rcv_nxt + wnd;
	}
	c->last_ack_sent = c->rcv_nxt;
	c->delack_segs = 0;
	c->flags &= ~TCPF_ACK_NOW;
	return f;
}

/* Fills the fields every segment of c shares: ports, ACK, window, TS. */
static void
tcp_fill_common(struct erg_tcp_conn *c, struct erg_tcp_repr *r, uint32_t seq,
    uint8_t flags)
{
	memset(r, 0, sizeof(*r));
	r->src_port = c->lport;
	r->dst_port = c->rport;
	r->seq = seq;
	r->flags = flags;
	if (flags & ERG_TCP_ACK) {
		r->ack = c->rcv_nxt;
		r->window = tcp_ack_window(c);
	}
	if (c->ts_ok) {
		r->ts_ok = true;
		r->ts_val = erg_tcp_ts_now(c->stack, c->ts_offset);
		r->ts_ecr = c->ts_recent;
	}
	if (c->sack_ok && c->ooo_head != NULL) {
		r->sack_n = (uint8_t)erg_tcp_sack_blocks(c, r->sack,
		    r->ts_ok ? 3u : 4u);
	}
}

/*
 * Sends len bytes of the ring starting at sequence seq (len 0: none),
 * with flags. Returns 0 or an error.
 */
/*
 * tcp_xmit's common case, a segment with no SACK blocks: the header
 * written straight into the packet, as erg_tcp_emit writes it for what
 * tcp_fill_common fills (no MSS, window scale or SACK-permitted outside
 * SYNs; RFC 7323 appendix A's NOP NOP TS layout), without the repr, the
 * option walk or the length computed three times.
 */
static int
tcp_xmit_plain(struct erg_tcp_conn *c, uint32_t seq, uint8_t flags,
    const struct erg_view *v, unsigned n)
{
	struct erg_stack *s = c->stack;
	uint32_t ack = 0,
	         hl = c->ts_ok ? ERG_TCP_HDR_LEN + 12u : ERG_TCP_HDR_LEN;
	uint16_t window = 0;
	struct erg_cksum sum;
	struct erg_pkt *pkt;
	size_t total = hl;
	unsigned i;
	uint8_t *h;

	if (flags & ERG_TCP_ACK) {
		ack = c->rcv_nxt;
		window = tcp_ack_window(c);
	}
	pkt = erg_pkt_alloc(s);
	if (pkt == NULL) {
		ERG_COUNT(s, TCP_TX_FAIL);
		return -ERG_ENOMEM;
	}
	h = erg_pkt_push(pkt, hl);
	erg_put_be16(h, c->lport);
	erg_put_be16(h + 2, c->rport);
	erg_put_be32(h + 4, seq);
	erg_put_be32(h + 8, ack);
	h[12] = (uint8_t)((hl / 4) << 4);
	h[13] = flags;
	erg_put_be16(h + 14, window);
	erg_put_be32(h + 16, 0); /* checksum (for now) and urgent pointer */
	if (c->ts_ok) {
		erg_put_be32(h + 20, 0x0101080au); /* NOP NOP TS, 10 bytes */
		erg_put_be32(h + 24, erg_tcp_ts_now(s, c->ts_offset));
		erg_put_be32(h + 28, c->ts_recent);
	}
	erg_cksum_init(&sum);
	for (i = 0; i < n; i++) {
		erg_cksum_add(&sum, v[i].p, v[i].len);
		total += v[i].len;
	}
	erg_put_be16(h + 16,
	    erg_cksum_fold(sum.sum +
	        erg_cksum_pseudo_sum(c->laddr, c->raddr, ERG_IP_PROTO_TCP,
	            (uint16_t)total) +
	        erg_cksum_hdr_sum(h, hl)));
	return tcp_send_pkt(s, pkt, flags, c->laddr, c->raddr, v, n, &c->path);
}

static int
tcp_xmit(struct erg_tcp_conn *c, uint32_t seq, uint32_t len, uint8_t flags)
{
	struct erg_tcp_repr r;
	struct erg_view v[2];
	unsigned n = 0;
	uint32_t off, first;

	if (len > 0) {
		off = (c->ring_head + (seq - c->snd_data)) % c->ring_cap;
		first = ERG_MIN(len, c->ring_cap - off);
		v[0] = erg_view_make(c->ring + off, first);
		n = 1;
		if (first < len) {
			v[1] = erg_view_make(c->ring, len - first);
			n = 2;
		}
	}
	if (!c->sack_ok || c->ooo_head == NULL) {
		return tcp_xmit_plain(c, seq, flags, v, n);
	}
	tcp_fill_common(c, &r, seq, flags);
	return tcp_send_segment(c->stack, &r, c->laddr, c->raddr, v, n,
	    &c->path);
}

/*
 * Payload bytes a segment may carry now: the MSS, less what SACK blocks
 * add to the options (RFC 6691: options come out of the MSS).
 */
static uint32_t
tcp_seg_max(const struct erg_tcp_conn *c)
{
	struct erg_tcp_repr r;
	size_t extra;

	if (!c->sack_ok || c->ooo_head == NULL) {
		return c->mss;
	}
	memset(&r, 0, sizeof(r));
	r.sack_n = (uint8_t)erg_tcp_sack_blocks(c, r.sack, c->ts_ok ? 3u : 4u);
	extra = erg_tcp_hdr_len(&r) - ERG_TCP_HDR_LEN;
	return c->mss > extra + 1 ? c->mss - (uint32_t)extra : 1u;
}

void
erg_tcp_send_ack(struct erg_tcp_conn *c)
{
	/*
	 * After an RTO or a fast retransmit snd_nxt is rewound below what
	 * the peer may already hold; an ACK carrying that sequence number
	 * is out of its window, so the peer drops it unread (its ACK field
	 * with it) and answers with an ACK of its own: two such ends ACK
	 * each other forever and neither learns what was received. A pure
	 * ACK takes the highest sequence number sent, as in 4.4BSD.
	 */
	(void)tcp_xmit(c,
	    SEQ_GT(c->snd_max, c->snd_nxt) ? c->snd_max : c->snd_nxt, 0,
	    ERG_TCP_ACK);
}

void
erg_tcp_send_probe(struct erg_tcp_conn *c)
{
	/*
	 * The probe's sequence number (SND.UNA - 1) is below the peer's
	 * window on purpose: the peer drops it unread, its ACK field with
	 * it, and answers with an ACK (RFC 9293 3.10.7.4). An ACK owed for
	 * data received must go out in a segment the peer takes, first.
	 */
	if (c->last_ack_sent != c->rcv_nxt || c->delack_segs != 0 ||
	    (c->flags & TCPF_ACK_NOW)) {
		erg_tcp_send_ack(c);
	}
	(void)tcp_xmit(c, c->snd_una - 1, 0, ERG_TCP_ACK);
}

void
erg_tcp_send_rst(struct erg_tcp_conn *c, uint32_t seq)
{
	/* As for a pure ACK: an RTO may have rewound snd_nxt below the
	 * peer's RCV.NXT, and a RST there is dropped unseen (RFC 5961 3). */
	if (SEQ_GT(c->snd_max, seq)) {
		seq = c->snd_max;
	}
	(void)tcp_xmit(c, seq, 0, ERG_TCP_RST | ERG_TCP_ACK);
}

void
erg_tcp_send_syn(struct erg_tcp_conn *c)
{
	struct erg_tcp_repr r;
	bool synack = c->state == ERG_TCP_SYN_RECEIVED;

	memset(&r, 0, sizeof(r));
	r.src_port = c->lport;
	r.dst_port = c->rport;
	r.seq = c->iss;
	r.flags = ERG_TCP_SYN;
	/* RFC 7323 2.2: the window of a SYN is never scaled. */
	r.window = (uint16_t)ERG_MIN(c->rcv_buf, 65535u);
	r.mss = erg_tcp_mss_for_mtu(c->pmtu);
	if (synack) {
		r.flags |= ERG_TCP_ACK;
		r.ack = c->rcv_nxt;
		c->rcv_adv = c->rcv_nxt + r.window;
		/* Options only as far as the peer offered them. */
		r.wscale_ok = (c->flags & TCPF_WSCALE) != 0;
		r.sack_ok = c->sack_ok;
		r.ts_ok = c->ts_ok;
	} else {
		r.wscale_ok = true;
		r.sack_ok = true;
		r.ts_ok = true;
	}
	r.wscale = c->rcv_wscale;
	c->last_ack_sent = c->rcv_nxt;
	if (r.ts_ok) {
		r.ts_val = erg_tcp_ts_now(c->stack, c->ts_offset);
		r.ts_ecr = synack ? c->ts_recent : 0;
	}
	if (c->snd_nxt == c->iss) {
		c->snd_nxt = c->iss + 1;
	}
	if (SEQ_GT(c->snd_nxt, c->snd_max)) {
		c->snd_max = c->snd_nxt;
	}
	(void)tcp_send_segment(c->stack, &r, c->laddr, c->raddr, NULL, 0,
	    &c->path);
}

/* Sequence number just after the last queued byte: where a FIN goes. */
static uint32_t
tcp_fin_seq(const struct erg_tcp_conn *c)
{
	return c->snd_data + c->ring_len;
}

/* Starts RTT timing of the segment at seq if nothing is being timed. */
static void
tcp_rtt_time(struct erg_tcp_conn *c, uint32_t seq)
{
	if ((c->flags & TCPF_RTT_TIMING) == 0 && seq == c->snd_max) {
		c->flags |= TCPF_RTT_TIMING;
		c->rtt_seq = seq;
		c->rtt_start = c->stack->now;
	}
}

/* Records that [seq, seq + len) went out: snd_nxt, snd_max, timers. */
static void
tcp_sent(struct erg_tcp_conn *c, uint32_t seq, uint32_t len)
{
	if (SEQ_GT(seq + len, c->snd_nxt)) {
		c->snd_nxt = seq + len;
	}
	if (SEQ_GT(c->snd_nxt, c->snd_max)) {
		c->snd_max = c->snd_nxt;
	}
	if (c->rtx_due == 0 || (c->flags & TCPF_PERSIST)) {
		erg_tcp_rtx_start(c);
	}
}

void
erg_tcp_retransmit(struct erg_tcp_conn *c)
{
	struct erg_stack *s = c->stack;
	uint32_t end = c->snd_max, len, fin = tcp_fin_seq(c);
	uint8_t flags = ERG_TCP_ACK;

	if ((c->flags & TCPF_FIN_SENT) && end == fin + 1) {
		end = fin;
	}
	len = ERG_MIN((uint32_t)(end - c->snd_una), tcp_seg_max(c));
	if ((c->flags & TCPF_FIN_SENT) && c->snd_una + len == fin) {
		flags |= ERG_TCP_FIN;
	}
	if (len == 0 && (flags & ERG_TCP_FIN) == 0) {
		return;
	}
	ERG_COUNT(s, TCP_RETRANSMITS);
	c->n_retransmits++;
	if (len > 0) {
		flags |= ERG_TCP_PSH;
	}
	if (tcp_xmit(c, c->snd_una, len, flags) == 0) {
		tcp_sent(c, c->snd_una,
		    len + ((flags & ERG_TCP_FIN) ? 1u : 0u));
	}
}

/*
 * Decides whether a segment of len bytes (of unsent queued) may go now:
 * Nagle and sender SWS avoidance (RFC 9293 3.7.4, 3.8.6.2.1).
 */
static bool
tcp_may_send(const struct erg_tcp_conn *c, uint32_t len, uint32_t unsent)
{
	bool idle = c->snd_nxt == c->snd_una;

	if (len >= tcp_seg_max(c)) {
		return true;
	}
	if (len == unsent && (idle || (c->flags & TCPF_NODELAY))) {
		return true;
	}
	return c->max_sndwnd > 0 && len >= c->max_sndwnd / 2 &&
	    (idle || (c->flags & TCPF_NODELAY));
}

static bool
tcp_can_send_data(const struct erg_tcp_conn *c)
{
	switch (c->state) {
	case ERG_TCP_ESTABLISHED:
	case ERG_TCP_CLOSE_WAIT:
	case ERG_TCP_FIN_WAIT_1:
	case ERG_TCP_CLOSING:
	case ERG_TCP_LAST_ACK:
		return true;
	default:
		return false;
	}
}

bool
erg_tcp_send_override(struct erg_tcp_conn *c)
{
	uint32_t fin = tcp_fin_seq(c), flight = c->snd_nxt - c->snd_una;
	uint32_t len, unsent;
	uint8_t flags = ERG_TCP_ACK;

	if (!tcp_can_send_data(c) || !SEQ_LT(c->snd_nxt, fin) ||
	    c->snd_wnd <= flight) {
		return false;
	}
	unsent = fin - c->snd_nxt;
	len = ERG_MIN(ERG_MIN(c->snd_wnd - flight, unsent), tcp_seg_max(c));
	if (len == unsent) {
		flags |= ERG_TCP_PSH;
	}
	tcp_rtt_time(c, c->snd_nxt);
	if (tcp_xmit(c, c->snd_nxt, len, flags) < 0) {
		return false;
	}
	tcp_sent(c, c->snd_nxt, len);
	return true;
}

void
erg_tcp_output(struct erg_tcp_conn *c)
{
	uint32_t fin = tcp_fin_seq(c), wnd, flight, unsent, len, smax;
	bool sent = false;
	uint8_t flags;
	unsigned guard;
	int rc;

	if (!tcp_can_send_data(c)) {
		/*
		 * No data may leave in FIN-WAIT-2, SYN-RECEIVED or TIME-WAIT,
		 * but an ACK that input found due (a duplicate, an out-of-
		 * order or unacceptable segment: RFC 9293 3.10.7.4) still
		 * must, or a peer whose ACK was lost retransmits into silence
		 * until it times out.
		 */
		if ((c->flags & TCPF_ACK_NOW) && c->state != ERG_TCP_CLOSED &&
		    c->state != ERG_TCP_SYN_SENT) {
			erg_tcp_ack_soon(c);
		}
		return;
	}
	smax = tcp_seg_max(c);
	/* Bounded: every round sends at least one byte or the FIN. */
	for (guard = 0; guard < 1024; guard++) {
		if (SEQ_GEQ(c->snd_nxt, fin)) {
			unsent = 0;
		} else {
			unsent = fin - c->snd_nxt;
		}
		wnd = ERG_MIN(c->snd_wnd, c->cwnd);
		flight = c->snd_nxt - c->snd_una;
		len = wnd > flight ? wnd - flight : 0;
		len = ERG_MIN(len, unsent);
		len = ERG_MIN(len, smax);
		flags = ERG_TCP_ACK;
		if ((c->flags & TCPF_SHUT_WR) && c->snd_nxt + len == fin) {
			flags |= ERG_TCP_FIN;
		}
		if (len == 0 && (flags & ERG_TCP_FIN) == 0) {
			break;
		}
		if (len > 0 && !tcp_may_send(c, len, unsent) &&
		    (flags & ERG_TCP_FIN) == 0) {
			break;
		}
		if (len > 0 && len == unsent) {
			flags |= ERG_TCP_PSH;
		}
		if (len > 0) {
			tcp_rtt_time(c, c->snd_nxt);
		}
		rc = tcp_xmit(c, c->snd_nxt, len, flags);
		if (rc < 0 && rc != -ERG_ENOBUFS && rc != -ERG_ENOMEM) {
			break;
		}
		/* A full driver queue or an empty pool loses the segment as
		 * the wire would: count it sent, the RTO sends it again. */
		sent = true;
		if (flags & ERG_TCP_FIN) {
			c->flags |= TCPF_FIN_SENT;
			len++;
		}
		tcp_sent(c, c->snd_nxt, len);
		if ((flags & ERG_TCP_FIN) || rc < 0) {
			break;
		}
	}
	if (!sent && SEQ_LT(c->snd_nxt, fin) && c->snd_una == c->snd_nxt &&
	    c->rtx_due == 0) {
		/*
		 * Data waits, nothing is in flight, and nothing could be sent:
		 * the window is zero, or too small for sender SWS avoidance
		 * (RFC 9293 3.8.6.2.1; the receiver never moves its right
		 * edge back, so a sliver below one MSS may stay open). Only
		 * the peer can open it, and if that update is lost both ends
		 * wait forever: the persist timer is the override timeout.
		 */
		erg_tcp_persist_start(c);
	}
	if (!sent && (c->flags & TCPF_ACK_NOW)) {
		erg_tcp_ack_soon(c);
	}
}

void
erg_tcp_ack_soon(struct erg_tcp_conn *c)
{
	struct erg_tcp *t = c->stack->tcp;

	c->flags |= TCPF_ACK_NOW;
	if (!t->deferring) {
		erg_tcp_send_ack(c);
		return;
	}
	if ((c->flags & TCPF_FLUSH) == 0) {
		c->flags |= TCPF_FLUSH;
		c->fnext = t->flush;
		t->flush = c;
	}
}

void
erg_tcp_flush_forget(struct erg_tcp_conn *c)
{
	struct erg_tcp_conn **pp;

	if ((c->flags & TCPF_FLUSH) == 0) {
		return;
	}
	for (pp = &c->stack->tcp->flush; *pp != NULL; pp = &(*pp)->fnext) {
		if (*pp == c) {
			*pp = c->fnext;
			break;
		}
	}
	c->flags &= ~TCPF_FLUSH;
}

void
erg_tcp_flush(struct erg_stack *s)
{
	struct erg_tcp *t = s->tcp;
	struct erg_tcp_conn *c;

	t->deferring = false;
	while ((c = t->flush) != NULL) {
		t->flush = c->fnext;
		c->flags &= ~TCPF_FLUSH;
		/* A data segment since may have carried the ACK already. */
		if (c->flags & TCPF_ACK_NOW) {
			erg_tcp_send_ack(c);
		}
	}
}

/* ---- Segments without a connection ------------------------------------ */

void
erg_tcp_reply_rst(struct erg_stack *s, const struct erg_tcp_seg *g)
{
	struct erg_tcp_repr r;

	/* RFC 9293 3.10.7.1: never answer a RST. */
	if (g->r.flags & ERG_TCP_RST) {
		return;
	}
	memset(&r, 0, sizeof(r));
	r.src_port = g->r.dst_port;
	r.dst_port = g->r.src_port;
	if (g->r.flags & ERG_TCP_ACK) {
		r.seq = g->r.ack;
		r.flags = ERG_TCP_RST;
	} else {
		r.ack = g->r.seq + g->len;
		r.flags = ERG_TCP_RST | ERG_TCP_ACK;
	}
	(void)tcp_send_segment(s, &r, g->dst, g->src, NULL, 0, NULL);
}

void
erg_tcp_send_cookie_synack(struct erg_stack *s, const struct erg_tcp_seg *g,
    uint32_t isn, uint16_t mss, uint32_t tsval, uint8_t rcv_wscale)
{
	struct erg_tcp_repr r;

	memset(&r, 0, sizeof(r));
	r.src_port = g->r.dst_port;
	r.dst_port = g->r.src_port;
	r.seq = isn;
	r.ack = g->r.seq + 1;
	r.flags = ERG_TCP_SYN | ERG_TCP_ACK;
	r.window = (uint16_t)ERG_MIN(s->cfg.tcp_rcv_buf, 65535u);
	r.mss = mss;
	if (g->r.ts_ok) {
		/* Scaling and SACK only where the timestamp carries them. */
		r.wscale_ok = g->r.wscale_ok;
		r.wscale = rcv_wscale;
		r.sack_ok = g->r.sack_ok;
		r.ts_ok = true;
		r.ts_val = tsval;
		r.ts_ecr = g->r.ts_val;
	}
	(void)tcp_send_segment(s, &r, g->dst, g->src, NULL, 0, NULL);
}

void
erg_tcp_tw_send_ack(struct erg_stack *s, const struct erg_tcp_tw *tw,
    uint32_t ts_ecr)
{
	struct erg_tcp_repr r;

	memset(&r, 0, sizeof(r));
	r.src_port = tw->lport;
	r.dst_port = tw->rport;
	r.seq = tw->snd_nxt;
	r.ack = tw->rcv_nxt;
	r.flags = ERG_TCP_ACK;
	if (tw->ts_ok) {
		r.ts_ok = true;
		r.ts_val = erg_tcp_ts_now(s, tw->ts_offset);
		r.ts_ecr = ts_ecr;
	}
	(void)tcp_send_segment(s, &r, tw->laddr, tw->raddr, NULL, 0, NULL);
}
