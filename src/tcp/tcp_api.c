/*
 * src/tcp/tcp_api.c: the TCP socket API of erg/tcp.h.
 *
 * Decisions:
 * - The application owns a connection from connect/accept until close or
 *   abort; connections the network ends stay allocated (state CLOSED,
 *   error kept) until then, so a handle never dangles.
 * - erg_tcp_close with unread data resets the peer (RFC 2525 2.17, as
 *   Linux): the peer learns that what it sent was not consumed.
 * - erg_tcp_close in SYN-SENT frees at once (RFC 9293 3.10.4: delete the
 *   TCB); a closed connection that was in TIME-WAIT moves to the small
 *   TIME-WAIT table.
 * - A completed handshake whose listener's accept queue is full is reset
 *   (the SYN was accepted when there was room; Linux drops the ACK and
 *   retries, which needs state we do not keep).
 * - A window update goes out when consuming opens the window by at least
 *   min(rcv_buf / 2, 2 MSS).
 */
#include "tcp_int.h"
#include "../ipv4/ipv4_layer.h"

static const char *const tcp_state_names[] = {
	"CLOSED",
	"LISTEN",
	"SYN-SENT",
	"SYN-RECEIVED",
	"ESTABLISHED",
	"FIN-WAIT-1",
	"FIN-WAIT-2",
	"CLOSE-WAIT",
	"CLOSING",
	"LAST-ACK",
	"TIME-WAIT",
};

const char *
erg_tcp_state_name(enum erg_tcp_state st)
{
	if ((unsigned)st >=
	    sizeof(tcp_state_names) / sizeof(tcp_state_names[0])) {
		return "?";
	}
	return tcp_state_names[st];
}

static void
tcp_conn_deliver(struct erg_evsrc *ev, unsigned bits)
{
	struct erg_tcp_conn *c = ERG_CONTAINER_OF(ev, struct erg_tcp_conn, ev);

	if (c->cb != NULL && (c->flags & TCPF_ORPHAN) == 0) {
		c->cb(c, bits, c->ctx);
	}
}

static void
tcp_listener_deliver(struct erg_evsrc *ev, unsigned bits)
{
	struct erg_tcp_listener *l =
	    ERG_CONTAINER_OF(ev, struct erg_tcp_listener, ev);

	if (l->cb != NULL) {
		l->cb(l, bits, l->ctx);
	}
}

/* ---- Listeners ---------------------------------------------------------- */

int
erg_tcp_listen(struct erg_stack *s, uint32_t addr, uint16_t port,
    unsigned backlog, erg_tcp_listen_fn cb, void *ctx,
    struct erg_tcp_listener **out)
{
	struct erg_tcp_listener *l, *o;

	if (port == 0 || out == NULL || backlog > 65535u ||
	    (addr != ERG_IPV4_ANY && !erg_ipv4_is_local(s, addr))) {
		return -ERG_EINVAL;
	}
	for (o = s->tcp->listeners; o != NULL; o = o->next) {
		if (o->lport == port &&
		    (o->laddr == addr || o->laddr == ERG_IPV4_ANY ||
		        addr == ERG_IPV4_ANY)) {
			return -ERG_EADDRINUSE;
		}
	}
	l = erg_pool_get(s, &s->tcp->lst_pool);
	if (l == NULL) {
		return -ERG_ENOMEM;
	}
	memset(l, 0, sizeof(*l));
	l->stack = s;
	l->cb = cb;
	l->ctx = ctx;
	l->laddr = addr;
	l->lport = port;
	l->backlog = (uint16_t)(backlog != 0 ? backlog : TCP_BACKLOG_DEFAULT);
	l->ev.deliver = tcp_listener_deliver;
	l->next = s->tcp->listeners;
	s->tcp->listeners = l;
	*out = l;
	return 0;
}

static void
tcp_owned(struct erg_tcp_conn *c, erg_tcp_event_fn cb, void *ctx)
{
	c->cb = cb;
	c->ctx = ctx;
	c->ev.deliver = tcp_conn_deliver;
	c->flags |= TCPF_ACCEPTED;
}

int
erg_tcp_accept(struct erg_tcp_listener *l, erg_tcp_event_fn cb, void *ctx,
    struct erg_tcp_conn **out)
{
	struct erg_tcp_conn *c = l->acq_head;
	unsigned ev = 0;

	if (c == NULL) {
		return -ERG_EAGAIN;
	}
	l->acq_head = c->qnext;
	if (l->acq_head == NULL) {
		l->acq_tail = NULL;
	} else {
		l->acq_head->qpprev = &l->acq_head;
	}
	l->acq_n--;
	c->qnext = NULL;
	c->qpprev = NULL;
	c->flags &= ~TCPF_ACQ;
	c->parent = NULL;
	tcp_owned(c, cb, ctx);
	/* What happened while it waited. */
	if (c->rq_bytes > 0) {
		ev |= ERG_EV_READABLE;
	}
	if (c->flags & TCPF_FIN_RCVD) {
		ev |= ERG_TCP_EV_PEER_CLOSED | ERG_EV_READABLE;
	}
	erg_tcp_post(c, ev | ERG_EV_WRITABLE);
	*out = c;
	return 0;
}

void
erg_tcp_listener_synq_add(struct erg_tcp_listener *l, struct erg_tcp_conn *c)
{
	c->parent = l;
	c->qnext = l->synq;
	if (l->synq != NULL) {
		l->synq->qpprev = &c->qnext;
	}
	c->qpprev = &l->synq;
	l->synq = c;
	l->synq_n++;
}

/*
 * Unlinks c from the SYN queue or the accept queue of its listener, in
 * constant time: a SYN flood's children time out one by one, and a walk
 * per timeout would cost the square of the backlog.
 */
static void
tcp_listener_unlink(struct erg_tcp_listener *l, struct erg_tcp_conn *c)
{
	if (c->qpprev == NULL) {
		return;
	}
	*c->qpprev = c->qnext;
	if (c->qnext != NULL) {
		c->qnext->qpprev = c->qpprev;
	}
	if (c->flags & TCPF_ACQ) {
		if (l->acq_tail == c) {
			l->acq_tail = c->qpprev == &l->acq_head ?
			    NULL :
			    ERG_CONTAINER_OF(c->qpprev, struct erg_tcp_conn,
			        qnext);
		}
		l->acq_n--;
		c->flags &= ~TCPF_ACQ;
	} else {
		l->synq_n--;
	}
	c->qnext = NULL;
	c->qpprev = NULL;
}

bool
erg_tcp_listener_child_ready(struct erg_tcp_conn *c)
{
	struct erg_tcp_listener *l = c->parent;

	tcp_listener_unlink(l, c);
	if (l->acq_n >= l->backlog) {
		ERG_COUNT(c->stack, TCP_ACCEPT_QUEUE_FULL);
		erg_tcp_send_rst(c, c->snd_nxt);
		c->parent = NULL;
		erg_tcp_conn_free(c);
		return false;
	}
	c->qnext = NULL;
	c->qpprev = l->acq_tail != NULL ? &l->acq_tail->qnext : &l->acq_head;
	*c->qpprev = c;
	c->flags |= TCPF_ACQ;
	l->acq_tail = c;
	l->acq_n++;
	erg_event_post(c->stack, &l->ev, ERG_TCP_EV_ACCEPT);
	return true;
}

void
erg_tcp_listener_child_gone(struct erg_tcp_conn *c)
{
	tcp_listener_unlink(c->parent, c);
	c->parent = NULL;
	erg_tcp_conn_free(c);
}

static void
tcp_reset_free(struct erg_tcp_conn *c)
{
	if (c->state != ERG_TCP_SYN_SENT && c->state != ERG_TCP_CLOSED) {
		erg_tcp_send_rst(c, c->snd_nxt);
	}
	c->parent = NULL;
	erg_tcp_conn_free(c);
}

void
erg_tcp_listener_close(struct erg_tcp_listener *l)
{
	struct erg_stack *s = l->stack;
	struct erg_tcp_listener **pp;
	struct erg_tcp_conn *c;

	while ((c = l->synq) != NULL) {
		l->synq = c->qnext;
		tcp_reset_free(c);
	}
	while ((c = l->acq_head) != NULL) {
		l->acq_head = c->qnext;
		tcp_reset_free(c);
	}
	for (pp = &s->tcp->listeners; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	}
	erg_event_cancel(s, &l->ev);
	erg_pool_put(s, &s->tcp->lst_pool, l);
}

/* ---- Active open -------------------------------------------------------- */

int
erg_tcp_connect(struct erg_stack *s, uint32_t addr, uint16_t port,
    uint16_t local_port, erg_tcp_event_fn cb, void *ctx,
    struct erg_tcp_conn **out)
{
	struct erg_ipv4_route rt;
	struct erg_tcp_conn *c;
	struct erg_tcp_key k;
	int rc;

	if (out == NULL || port == 0 || addr == ERG_IPV4_ANY ||
	    addr == ERG_IPV4_BROADCAST || erg_ipv4_is_bad_src(addr)) {
		return -ERG_EINVAL;
	}
	rc = erg_ipv4_route(s, addr, &rt);
	if (rc < 0) {
		return rc;
	}
	if (erg_netif_is_subnet_bcast(&s->netifs[rt.ifindex], addr)) {
		return -ERG_EINVAL;
	}
	if (local_port == 0) {
		rc = erg_tcp_pick_port(s, rt.src, addr, port, &local_port, &k);
		if (rc < 0) {
			return rc;
		}
	} else {
		erg_tcp_key_make(&k, rt.src, local_port, addr, port);
		if (erg_tcp_lookup_key(s, &k) != NULL ||
		    erg_tcp_tw_lookup_key(s, &k) != NULL) {
			return -ERG_EADDRINUSE;
		}
	}
	c = erg_tcp_conn_alloc(s);
	if (c == NULL) {
		return -ERG_ENOMEM;
	}
	c->laddr = rt.src;
	c->raddr = addr;
	c->lport = local_port;
	c->rport = port;
	c->pmtu = rt.mtu;
	c->mss = erg_tcp_mss_for_mtu(rt.mtu);
	c->rcv_wscale = erg_tcp_rcv_wscale(&s->cfg);
	c->ts_offset =
	    erg_tcp_ts_offset(s, c->laddr, c->lport, c->raddr, c->rport);
	erg_tcp_iss_set(c,
	    erg_tcp_isn(s, c->laddr, c->lport, c->raddr, c->rport));
	c->state = ERG_TCP_SYN_SENT;
	c->flags |= TCPF_ACTIVE;
	tcp_owned(c, cb, ctx);
	erg_tcp_hash_insert_key(c, &k);
	ERG_COUNT(s, TCP_ACTIVE_OPENS);
	c->flags |= TCPF_RTT_TIMING;
	c->rtt_seq = c->iss;
	c->rtt_start = s->now;
	erg_tcp_send_syn(c);
	erg_tcp_rtx_start(c);
	*out = c;
	return 0;
}

/* ---- Sending ------------------------------------------------------------ */

/* 0 if the application may queue data now, else why not. */
static int
tcp_send_check(const struct erg_tcp_conn *c)
{
	if (c->err != 0) {
		return c->err;
	}
	if (c->flags & TCPF_SHUT_WR) {
		return -ERG_ESTATE;
	}
	switch (c->state) {
	case ERG_TCP_SYN_SENT:
	case ERG_TCP_SYN_RECEIVED:
	case ERG_TCP_ESTABLISHED:
	case ERG_TCP_CLOSE_WAIT:
		return 0;
	default:
		return -ERG_ESTATE;
	}
}

size_t
erg_tcp_writable(const struct erg_tcp_conn *c)
{
	if (tcp_send_check(c) < 0 || c->ring_len >= c->ring_budget) {
		return 0;
	}
	return c->ring_budget - c->ring_len;
}

/* The free space as at most two windows, in stream order. */
static int
tcp_free_windows(struct erg_tcp_conn *c, struct erg_wview w[2])
{
	size_t fr = erg_tcp_writable(c);
	uint32_t start = (c->ring_head + c->ring_len) % c->ring_cap;
	size_t first;

	if (fr == 0) {
		return 0;
	}
	first = ERG_MIN(fr, (size_t)(c->ring_cap - start));
	w[0].p = c->ring + start;
	w[0].len = first;
	if (first == fr) {
		return 1;
	}
	w[1].p = c->ring;
	w[1].len = fr - first;
	return 2;
}

long
erg_tcp_write(struct erg_tcp_conn *c, const void *data, size_t len)
{
	struct erg_wview w[2];
	size_t n = 0, k;
	int rc = tcp_send_check(c), nw, i;

	if (rc < 0) {
		return rc;
	}
	if (c->ring_len == 0) {
		/* Segments stay contiguous when they can. Only here: what a
		 * reserve lent stays valid until write, commit or close. */
		c->ring_head = 0;
	}
	nw = tcp_free_windows(c, w);
	if (nw == 0) {
		return len == 0 ? 0 : -ERG_EAGAIN;
	}
	for (i = 0; i < nw && n < len; i++) {
		k = ERG_MIN(len - n, w[i].len);
		memcpy(w[i].p, (const uint8_t *)data + n, k);
		n += k;
	}
	c->ring_len += (uint32_t)n;
	erg_tcp_output(c);
	return (long)n;
}

int
erg_tcp_reserve(struct erg_tcp_conn *c, struct erg_wview w[2])
{
	int rc = tcp_send_check(c);

	if (rc < 0) {
		return rc;
	}
	return tcp_free_windows(c, w);
}

int
erg_tcp_commit(struct erg_tcp_conn *c, size_t n)
{
	int rc = tcp_send_check(c);

	if (rc < 0) {
		return rc;
	}
	if (n > erg_tcp_writable(c)) {
		return -ERG_EINVAL;
	}
	c->ring_len += (uint32_t)n;
	erg_tcp_output(c);
	return 0;
}

/* ---- Receiving ---------------------------------------------------------- */

size_t
erg_tcp_readable(const struct erg_tcp_conn *c)
{
	return c->rq_bytes;
}

int
erg_tcp_peek(struct erg_tcp_conn *c, struct erg_view *v, unsigned max)
{
	const struct erg_pkt *p;
	unsigned n = 0;

	for (p = c->rq_head; p != NULL && n < max; p = p->next) {
		if (p->len > 0) {
			v[n++] = erg_view_make(erg_pkt_data(p), p->len);
		}
	}
	if (n == 0 && c->err != 0) {
		return c->err;
	}
	return (int)n;
}

/* After consuming: tell the peer when the window opened enough. */
static void
tcp_window_update(struct erg_tcp_conn *c)
{
	uint32_t old, nw;

	switch (c->state) {
	case ERG_TCP_ESTABLISHED:
	case ERG_TCP_FIN_WAIT_1:
	case ERG_TCP_FIN_WAIT_2:
		break;
	default:
		return;
	}
	old = SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	nw = erg_tcp_rcv_window(c);
	if (nw > old &&
	    nw - old >= ERG_MIN(c->rcv_buf / 2, 2u * (uint32_t)c->mss)) {
		erg_tcp_ack_soon(c);
	}
}

int
erg_tcp_consume(struct erg_tcp_conn *c, size_t n)
{
	int rc = erg_tcp_rcv_consume(c, n);

	if (rc == 0 && n > 0) {
		tcp_window_update(c);
	}
	return rc;
}

long
erg_tcp_read(struct erg_tcp_conn *c, void *buf, size_t cap)
{
	struct erg_view v[8];
	size_t n = 0, k;
	int nv, i;

	if (cap == 0) {
		return 0;
	}
	memset(v, 0, sizeof(v));
	while (n < cap) {
		nv = erg_tcp_peek(c, v, 8);
		if (nv <= 0) {
			break;
		}
		for (i = 0; i < nv && n < cap; i++) {
			k = ERG_MIN(cap - n, v[i].len);
			memcpy((uint8_t *)buf + n, v[i].p, k);
			(void)erg_tcp_rcv_consume(c, k);
			n += k;
		}
	}
	if (n > 0) {
		tcp_window_update(c);
		return (long)n;
	}
	if (c->err != 0) {
		return c->err;
	}
	return (c->flags & TCPF_FIN_RCVD) ? 0 : -ERG_EAGAIN;
}

/* ---- Closing ------------------------------------------------------------ */

int
erg_tcp_shutdown(struct erg_tcp_conn *c)
{
	int rc = tcp_send_check(c);

	if (rc < 0) {
		return rc;
	}
	c->flags |= TCPF_SHUT_WR;
	if (c->state == ERG_TCP_ESTABLISHED) {
		c->state = ERG_TCP_FIN_WAIT_1;
	} else if (c->state == ERG_TCP_CLOSE_WAIT) {
		c->state = ERG_TCP_LAST_ACK;
	}
	erg_tcp_output(c);
	return 0;
}

void
erg_tcp_close(struct erg_tcp_conn *c)
{
	struct erg_stack *s = c->stack;

	erg_event_cancel(s, &c->ev);
	c->cb = NULL;
	switch (c->state) {
	case ERG_TCP_CLOSED:
	case ERG_TCP_SYN_SENT:
		erg_tcp_conn_free(c);
		return;
	case ERG_TCP_TIME_WAIT:
		erg_tcp_tw_enter(c);
		return;
	default:
		break;
	}
	if (c->rq_bytes > 0) {
		/* RFC 2525 2.17: unread data, reset. */
		erg_tcp_send_rst(c, c->snd_nxt);
		erg_tcp_conn_free(c);
		return;
	}
	c->flags |= TCPF_ORPHAN;
	if ((c->flags & TCPF_SHUT_WR) == 0) {
		(void)erg_tcp_shutdown(c);
	} else if (c->state == ERG_TCP_FIN_WAIT_2) {
		erg_tcp_ka_arm_limit(c, s->cfg.tcp_fin_timeout_ms * 1000ull);
	}
}

void
erg_tcp_abort(struct erg_tcp_conn *c)
{
	erg_event_cancel(c->stack, &c->ev);
	switch (c->state) {
	case ERG_TCP_SYN_RECEIVED:
	case ERG_TCP_ESTABLISHED:
	case ERG_TCP_FIN_WAIT_1:
	case ERG_TCP_FIN_WAIT_2:
	case ERG_TCP_CLOSE_WAIT:
		erg_tcp_send_rst(c, c->snd_nxt);
		break;
	default:
		break;
	}
	erg_tcp_conn_free(c);
}

void
erg_tcp_set_callback(struct erg_tcp_conn *c, erg_tcp_event_fn cb, void *ctx)
{
	c->cb = cb;
	c->ctx = ctx;
}

struct erg_stack *
erg_tcp_stack(const struct erg_tcp_conn *c)
{
	return c->stack;
}

int
erg_tcp_error(struct erg_tcp_conn *c)
{
	int e;

	if (c->err != 0) {
		return c->err;
	}
	e = c->soft_err;
	c->soft_err = 0;
	return e;
}

/* ---- Options and information -------------------------------------------- */

void
erg_tcp_set_nodelay(struct erg_tcp_conn *c, bool on)
{
	if (on) {
		c->flags |= TCPF_NODELAY;
		erg_tcp_output(c);
	} else {
		c->flags &= ~TCPF_NODELAY;
	}
}

int
erg_tcp_set_keepalive(struct erg_tcp_conn *c, uint32_t idle_ms,
    uint32_t intvl_ms, uint32_t cnt)
{
	if (c->err != 0) {
		return c->err;
	}
	if (idle_ms == 0) {
		c->ka_idle_ms = 0;
		return 0;
	}
	if (intvl_ms == 0 || cnt == 0 || cnt > 255 || idle_ms > 86400000u ||
	    intvl_ms > 86400000u) {
		return -ERG_EINVAL;
	}
	c->ka_idle_ms = idle_ms;
	c->ka_intvl_ms = intvl_ms;
	c->ka_cnt = (uint8_t)cnt;
	/* A shorter idle time takes effect now, not at the old deadline. */
	erg_timer_cancel(c->stack, &c->ka);
	erg_tcp_ka_reset(c);
	return 0;
}

int
erg_tcp_set_bufs(struct erg_tcp_conn *c, uint32_t snd, uint32_t rcv)
{
	const struct erg_config *cfg = &c->stack->cfg;
	uint32_t mss = ERG_MAX((uint32_t)c->mss, TCP_DEFAULT_MSS);

	if (c->err != 0) {
		return c->err;
	}
	if ((snd != 0 && (snd < mss || snd > cfg->tcp_snd_buf)) ||
	    (rcv != 0 && (rcv < 2 * mss || rcv > cfg->tcp_rcv_buf))) {
		return -ERG_EINVAL;
	}
	if (snd != 0) {
		c->ring_budget = snd;
	}
	if (rcv != 0) {
		c->rcv_buf = rcv;
	}
	return 0;
}

void
erg_tcp_info(const struct erg_tcp_conn *c, struct erg_tcp_info *info)
{
	uint32_t fin = c->snd_data + c->ring_len;

	memset(info, 0, sizeof(*info));
	info->state = (enum erg_tcp_state)c->state;
	info->laddr = c->laddr;
	info->raddr = c->raddr;
	info->lport = c->lport;
	info->rport = c->rport;
	info->mss = c->mss;
	info->snd_wscale = c->snd_wscale;
	info->rcv_wscale = c->rcv_wscale;
	info->ts_ok = c->ts_ok;
	info->sack_ok = c->sack_ok;
	info->srtt_us = c->srtt;
	info->rttvar_us = c->rttvar;
	info->rto_us = c->rto;
	info->cwnd = c->cwnd;
	info->ssthresh = c->ssthresh;
	info->snd_wnd = c->snd_wnd;
	info->rcv_wnd =
	    SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	info->in_flight = erg_tcp_in_flight(c);
	info->unsent = SEQ_GT(fin, c->snd_nxt) ? fin - c->snd_nxt : 0;
	info->retransmits = c->n_retransmits;
	info->bytes_acked = c->n_bytes_acked;
	info->bytes_received = c->n_bytes_received;
}
