/*
 * src/tcp/tcp_rcv.c: the receive side's buffers: the in-order queue the
 * application reads from, the out-of-order queue, SACK blocks and the
 * window.
 *
 * Zero-copy: a segment's payload stays in the packet that carried it
 * (its window trimmed to the payload, its sequence number kept in
 * pkt->l3), queued on the connection until the application consumes it.
 *
 * Decisions:
 * - Memory is bounded three ways: bytes held per connection (rcv_buf, the
 *   window), packets held per connection (rcv_buf / 512, so that a peer
 *   sending tiny segments cannot pin a packet buffer per byte), and
 *   packets held by all connections together (3/4 of the pool, so that
 *   ARP, ICMP and new handshakes always find a buffer). A segment that
 *   would pass a bound is dropped (tcp.rcv_budget_drop); the peer
 *   retransmits once the reader catches up.
 * - Small in-order segments (up to 256 bytes) are copied onto the tail
 *   packet when it has room (tcp.coalesced): the only copy on the
 *   receive path, and it bounds the packets an interactive stream holds.
 * - The out-of-order queue holds at most tcp_ooo_segs segments, sorted,
 *   non-overlapping (a new segment is trimmed to the gaps it fills and
 *   covered ones are freed), so inserting costs at most tcp_ooo_segs
 *   steps whatever the peer sends.
 * - Receiver SWS avoidance (RFC 9293 3.8.6.2.2): the right edge moves
 *   only by at least min(rcv_buf / 2, MSS), and never moves left.
 */
#include "tcp_int.h"

#define TCP_COALESCE_MAX  256u
#define TCP_BYTES_PER_PKT 512u

static uint32_t
tcp_pkt_seq(const struct erg_pkt *p)
{
	return p->l3;
}

static uint32_t
tcp_pkt_end(const struct erg_pkt *p)
{
	return p->l3 + p->len;
}

static uint32_t
tcp_pkt_allowance(const struct erg_tcp_conn *c)
{
	return ERG_MAX(c->rcv_buf / TCP_BYTES_PER_PKT, 4u);
}

static void
tcp_rcv_pkt_free(struct erg_tcp_conn *c, struct erg_pkt *p)
{
	c->stack->tcp->rx_pkts--;
	c->rq_pkts--;
	erg_pkt_free(c->stack, p);
}

/* True if one more held packet passes no bound. */
static bool
tcp_rcv_room(const struct erg_tcp_conn *c)
{
	const struct erg_tcp *t = c->stack->tcp;

	return c->rq_pkts < tcp_pkt_allowance(c) && t->rx_pkts < t->rx_pkts_max;
}

/* True if len in-order bytes are copied onto tail (no packet held). */
static bool
tcp_can_coalesce(const struct erg_pkt *tail, uint32_t len)
{
	return tail != NULL && len <= TCP_COALESCE_MAX && !tail->lent &&
	    tail->refs == 1 && erg_pkt_tailroom(tail) >= len;
}

/* Appends p (window: payload, seq in l3) to the in-order queue. */
static void
tcp_rq_append(struct erg_tcp_conn *c, struct erg_pkt *p)
{
	struct erg_pkt *tail = c->rq_tail;
	uint8_t *dst;

	c->rcv_nxt += p->len;
	c->rq_bytes += p->len;
	c->n_bytes_received += p->len;
	if (tcp_can_coalesce(tail, p->len) &&
	    (dst = erg_pkt_put(tail, p->len)) != NULL) {
		memcpy(dst, erg_pkt_data(p), p->len);
		ERG_COUNT(c->stack, TCP_COALESCED);
		tcp_rcv_pkt_free(c, p);
		return;
	}
	p->next = NULL;
	if (tail != NULL) {
		tail->next = p;
	} else {
		c->rq_head = p;
	}
	c->rq_tail = p;
}

/* Moves what the OOO queue holds at rcv_nxt into the in-order queue. */
static void
tcp_ooo_drain(struct erg_tcp_conn *c)
{
	struct erg_pkt *p;
	uint32_t over;

	while (
	    (p = c->ooo_head) != NULL && SEQ_LEQ(tcp_pkt_seq(p), c->rcv_nxt)) {
		c->ooo_head = p->next;
		c->ooo_n--;
		c->ooo_bytes -= p->len;
		over = c->rcv_nxt - tcp_pkt_seq(p);
		if (over >= p->len) {
			tcp_rcv_pkt_free(c, p);
			continue;
		}
		(void)erg_pkt_pull(p, over);
		p->l3 += over;
		tcp_rq_append(c, p);
	}
}

/* Inserts p into the sorted, non-overlapping OOO queue. Takes p. */
static void
tcp_ooo_insert(struct erg_tcp_conn *c, struct erg_pkt *p)
{
	struct erg_stack *s = c->stack;
	struct erg_pkt **pp = &c->ooo_head, *e;
	uint32_t over;

	/* Skip the segments that end before p starts. */
	while ((e = *pp) != NULL && SEQ_LEQ(tcp_pkt_end(e), tcp_pkt_seq(p))) {
		pp = &e->next;
	}
	/* An earlier segment overlapping p's start: trim p's front. */
	if (e != NULL && SEQ_LEQ(tcp_pkt_seq(e), tcp_pkt_seq(p))) {
		over = tcp_pkt_end(e) - tcp_pkt_seq(p);
		if (over >= p->len) {
			ERG_COUNT(s, TCP_DUP_DATA);
			tcp_rcv_pkt_free(c, p);
			return;
		}
		(void)erg_pkt_pull(p, over);
		p->l3 += over;
		pp = &e->next;
	}
	/* Later segments that p covers entirely are freed. */
	while ((e = *pp) != NULL && SEQ_LEQ(tcp_pkt_end(e), tcp_pkt_end(p))) {
		*pp = e->next;
		c->ooo_n--;
		c->ooo_bytes -= e->len;
		tcp_rcv_pkt_free(c, e);
	}
	/* One that p overlaps partly: trim p's tail. */
	if (e != NULL && SEQ_LT(tcp_pkt_seq(e), tcp_pkt_end(p))) {
		(void)erg_pkt_trim(p, tcp_pkt_seq(e) - tcp_pkt_seq(p));
		if (p->len == 0) {
			/* Covered by one's tail and the next one's head. */
			ERG_COUNT(s, TCP_DUP_DATA);
			tcp_rcv_pkt_free(c, p);
			return;
		}
	}
	p->next = *pp;
	*pp = p;
	c->ooo_n++;
	c->ooo_bytes += p->len;
	c->ooo_last = tcp_pkt_seq(p);
	ERG_COUNT(s, TCP_OOO_QUEUED);
}

void
erg_tcp_rcv_data(struct erg_tcp_conn *c, struct erg_tcp_seg *g)
{
	struct erg_stack *s = c->stack;
	struct erg_pkt *p = g->pkt;
	bool in_order = g->r.seq == c->rcv_nxt;

	g->pkt = NULL;
	p->head = (uint32_t)(g->data.p - p->buf);
	p->len = (uint32_t)g->data.len;
	p->l3 = g->r.seq;
	p->next = NULL;
	if (!in_order && c->ooo_n >= s->cfg.tcp_ooo_segs) {
		ERG_COUNT(s, TCP_OOO_DROP);
		erg_pkt_free(s, p);
		return;
	}
	if (!tcp_rcv_room(c) &&
	    !(in_order && tcp_can_coalesce(c->rq_tail, p->len))) {
		ERG_COUNT(s, TCP_RCV_BUDGET_DROP);
		erg_pkt_free(s, p);
		return;
	}
	s->tcp->rx_pkts++;
	c->rq_pkts++;
	if (!in_order) {
		tcp_ooo_insert(c, p);
		return;
	}
	tcp_rq_append(c, p);
	if (c->ooo_head != NULL) {
		tcp_ooo_drain(c);
	}
}

uint32_t
erg_tcp_rcv_window(struct erg_tcp_conn *c)
{
	uint32_t held = c->rq_bytes + c->ooo_bytes;
	uint32_t cur = 0, fr, pk, allow = tcp_pkt_allowance(c);

	fr = c->rcv_buf > held ? c->rcv_buf - held : 0;
	/* As many full segments as the packet allowance still takes. */
	pk = allow > c->rq_pkts ?
	    (uint32_t)ERG_MIN((uint64_t)(allow - c->rq_pkts) * c->mss,
	        (uint64_t)UINT32_MAX) :
	    0;
	fr = ERG_MIN(fr, pk);
	/* Behind a hole at rcv_nxt at most tcp_ooo_segs segments are
	 * kept: a larger window turns one loss into many. */
	fr = ERG_MIN(fr, (c->stack->cfg.tcp_ooo_segs + 1u) * (uint32_t)c->mss);
	if (SEQ_GT(c->rcv_adv, c->rcv_nxt)) {
		cur = c->rcv_adv - c->rcv_nxt;
	}
	if (fr <= cur || fr - cur < ERG_MIN(c->rcv_buf / 2, (uint32_t)c->mss)) {
		return cur;
	}
	return fr;
}

unsigned
erg_tcp_sack_blocks(const struct erg_tcp_conn *c, struct erg_tcp_sack_block *b,
    unsigned max)
{
	const struct erg_pkt *p = c->ooo_head;
	struct erg_tcp_sack_block run;
	unsigned n = 1;
	bool found = false;

	if (max == 0 || p == NULL) {
		return 0;
	}
	/*
	 * RFC 2018 4: the first block MUST be the run holding the latest
	 * arrival, wherever it is: walk every run (<= tcp_ooo_segs steps),
	 * that one into b[0], the others in sequence order while they fit.
	 */
	run.left = tcp_pkt_seq(p);
	run.right = tcp_pkt_end(p);
	for (p = p->next;; p = p->next) {
		if (p != NULL && tcp_pkt_seq(p) == run.right) {
			run.right = tcp_pkt_end(p);
			continue;
		}
		if (!found && SEQ_LEQ(run.left, c->ooo_last) &&
		    SEQ_LT(c->ooo_last, run.right)) {
			b[0] = run;
			found = true;
		} else if (n < max) {
			b[n++] = run;
		}
		if (p == NULL) {
			break;
		}
		run.left = tcp_pkt_seq(p);
		run.right = tcp_pkt_end(p);
	}
	if (!found) {
		memmove(&b[0], &b[1], (n - 1) * sizeof(b[0]));
		n--;
	}
	return n;
}

static void
tcp_free_chain(struct erg_tcp_conn *c, struct erg_pkt *p)
{
	struct erg_pkt *next;

	for (; p != NULL; p = next) {
		next = p->next;
		p->next = NULL;
		tcp_rcv_pkt_free(c, p);
	}
}

void
erg_tcp_rcv_purge(struct erg_tcp_conn *c)
{
	tcp_free_chain(c, c->rq_head);
	tcp_free_chain(c, c->ooo_head);
	c->rq_head = NULL;
	c->rq_tail = NULL;
	c->ooo_head = NULL;
	c->rq_bytes = 0;
	c->ooo_bytes = 0;
	c->ooo_n = 0;
}

int
erg_tcp_rcv_consume(struct erg_tcp_conn *c, size_t n)
{
	struct erg_pkt *p;

	if (n > c->rq_bytes) {
		return -ERG_EINVAL;
	}
	c->rq_bytes -= (uint32_t)n;
	while (n > 0 && (p = c->rq_head) != NULL) {
		if (n < p->len) {
			(void)erg_pkt_pull(p, (uint32_t)n);
			p->l3 += (uint32_t)n;
			break;
		}
		n -= p->len;
		c->rq_head = p->next;
		if (c->rq_head == NULL) {
			c->rq_tail = NULL;
		}
		p->next = NULL;
		tcp_rcv_pkt_free(c, p);
	}
	return 0;
}
