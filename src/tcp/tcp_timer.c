/*
 * src/tcp/tcp_timer.c: TCP's timers and the RTT estimator.
 *
 * Three timers per connection:
 * - rtx: retransmission (RFC 6298), SYN and SYN-ACK retransmission, and
 *   the persist timer (RFC 9293 3.8.6.1) when the peer's window is zero
 *   and data waits. It is lazy: rtx_due holds the real deadline, and
 *   restarting it for a later time (every ACK of a bulk transfer) only
 *   stores the time; the heap timer fires at the old time, sees the
 *   deadline moved and re-arms. Stopping it zeroes rtx_due.
 * - dack: the delayed ACK (RFC 9293 3.8.6.3, RFC 1122 4.2.3.2).
 * - ka: keepalive (RFC 1122 4.2.3.6) for an application's connection, or
 *   the FIN-WAIT-2 limit of an orphan (closed by the application and
 *   waiting for the peer's FIN: without a limit a silent peer would hold
 *   it forever).
 *
 * Retransmission timeout: go back N from snd_una with cwnd one segment
 * (RFC 5681 3.1), RTO doubled up to tcp_rto_max_ms (RFC 6298 5.5), RTT
 * timing abandoned (Karn). ssthresh is halved on the first timeout of a
 * series only (RFC 5681 3.1). After tcp_retries timeouts in a row
 * (tcp_syn_retries for a handshake) the connection ends with
 * -ERG_ETIMEDOUT.
 */
#include "tcp_int.h"

static void tcp_rtx_fire(struct erg_stack *s, struct erg_timer *t);
static void tcp_dack_fire(struct erg_stack *s, struct erg_timer *t);
static void tcp_ka_fire(struct erg_stack *s, struct erg_timer *t);

void
erg_tcp_timers_setup(struct erg_tcp_conn *c)
{
	erg_timer_setup(&c->rtx, tcp_rtx_fire);
	erg_timer_setup(&c->dack, tcp_dack_fire);
	erg_timer_setup(&c->ka, tcp_ka_fire);
}

void
erg_tcp_timers_cancel(struct erg_tcp_conn *c)
{
	erg_timer_cancel(c->stack, &c->rtx);
	erg_timer_cancel(c->stack, &c->dack);
	erg_timer_cancel(c->stack, &c->ka);
	c->rtx_due = 0;
}

static void
tcp_rtx_arm(struct erg_tcp_conn *c, uint64_t due)
{
	c->rtx_due = due;
	if (!erg_timer_armed(&c->rtx) || c->rtx.when > due) {
		erg_timer_arm(c->stack, &c->rtx, due);
	}
}

void
erg_tcp_rtx_start(struct erg_tcp_conn *c)
{
	c->flags &= ~TCPF_PERSIST;
	tcp_rtx_arm(c, c->stack->now + c->rto);
}

void
erg_tcp_rtx_stop(struct erg_tcp_conn *c)
{
	c->rtx_due = 0;
	c->flags &= ~TCPF_PERSIST;
}

void
erg_tcp_persist_start(struct erg_tcp_conn *c)
{
	uint64_t rto_max = (uint64_t)c->stack->cfg.tcp_rto_max_ms * 1000u;
	uint64_t t = (uint64_t)ERG_MAX(c->rto, TCP_PERSIST_MIN_US)
	    << ERG_MIN(c->backoff, 16u);

	c->flags |= TCPF_PERSIST;
	tcp_rtx_arm(c, c->stack->now + ERG_MIN(t, rto_max));
}

static void
tcp_rto_update(struct erg_tcp_conn *c)
{
	const struct erg_config *cfg = &c->stack->cfg;
	uint32_t rto = c->srtt + ERG_MAX(1000u, 4u * c->rttvar);

	/* RFC 6298 2.4, 2.5: bounded below and above. */
	rto = ERG_MAX(rto, cfg->tcp_rto_min_ms * 1000u);
	c->rto = ERG_MIN(rto, cfg->tcp_rto_max_ms * 1000u);
}

void
erg_tcp_rtt_sample(struct erg_tcp_conn *c, uint32_t r)
{
	uint32_t d;

	r = ERG_MAX(r, 1u);
	if (c->srtt == 0) {
		/* RFC 6298 2.2. */
		c->srtt = r;
		c->rttvar = r / 2;
	} else {
		/* RFC 6298 2.3, alpha 1/8 and beta 1/4. */
		d = c->srtt > r ? c->srtt - r : r - c->srtt;
		c->rttvar = c->rttvar - c->rttvar / 4 + d / 4;
		c->srtt = c->srtt - c->srtt / 8 + r / 8;
		c->srtt = ERG_MAX(c->srtt, 1u);
	}
	c->backoff = 0;
	tcp_rto_update(c);
}

void
erg_tcp_dack_start(struct erg_tcp_conn *c)
{
	if (!erg_timer_armed(&c->dack)) {
		erg_timer_arm(c->stack, &c->dack,
		    c->stack->now + c->stack->cfg.tcp_delack_ms * 1000ull);
	}
}

void
erg_tcp_ka_reset(struct erg_tcp_conn *c)
{
	c->last_rx = c->stack->now;
	c->ka_probes = 0;
	if (c->ka_idle_ms != 0 && !erg_timer_armed(&c->ka)) {
		erg_timer_arm(c->stack, &c->ka,
		    c->stack->now + c->ka_idle_ms * 1000ull);
	}
}

void
erg_tcp_ka_arm_limit(struct erg_tcp_conn *c, uint64_t after_us)
{
	erg_timer_arm(c->stack, &c->ka, c->stack->now + after_us);
}

/* Retransmission timeout proper (data or FIN). */
static void
tcp_rto(struct erg_tcp_conn *c)
{
	struct erg_stack *s = c->stack;
	uint32_t rto_max = s->cfg.tcp_rto_max_ms * 1000u;

	ERG_COUNT(s, TCP_RTO);
	if (++c->retries > s->cfg.tcp_retries) {
		ERG_COUNT(s, TCP_TIMEOUTS);
		erg_tcp_conn_drop(c, -ERG_ETIMEDOUT, ERG_TCP_EV_TIMEDOUT);
		return;
	}
	if (c->retries == 1) {
		c->cc->on_rto(c);
	} else {
		c->cwnd = c->mss;
	}
	c->flags &= ~(TCPF_RECOVERY | TCPF_RTT_TIMING);
	c->dupacks = 0;
	c->recover = c->snd_max; /* RFC 6582 4 */
	c->rto = ERG_MIN(c->rto * 2u, rto_max);
	if (c->backoff < 31) {
		c->backoff++;
	}
	c->snd_nxt = c->snd_una;
	erg_tcp_retransmit(c);
	erg_tcp_rtx_start(c);
}

static void
tcp_rtx_fire(struct erg_stack *s, struct erg_timer *t)
{
	struct erg_tcp_conn *c = ERG_CONTAINER_OF(t, struct erg_tcp_conn, rtx);
	uint32_t rto_max = s->cfg.tcp_rto_max_ms * 1000u;

	if (c->rtx_due == 0) {
		return;
	}
	if (c->rtx_due > s->now) {
		erg_timer_arm(s, &c->rtx, c->rtx_due);
		return;
	}
	c->rtx_due = 0;
	if (c->flags & TCPF_PERSIST) {
		/* RFC 9293 3.8.6.1: probe the zero window, forever while
		 * the peer keeps answering (RFC 1122 4.2.2.17; last_rx
		 * moves on every ACK), else give up after tcp_retries
		 * probes. An orphan, that nobody waits for, gives up after
		 * tcp_retries backoffs whatever the peer says. */
		c->retries = c->last_rx < c->probe_at ? c->retries + 1 : 0;
		if (c->retries > s->cfg.tcp_retries ||
		    ((c->flags & TCPF_ORPHAN) &&
		        c->backoff >= s->cfg.tcp_retries)) {
			ERG_COUNT(s, TCP_TIMEOUTS);
			erg_tcp_conn_drop(c, -ERG_ETIMEDOUT,
			    ERG_TCP_EV_TIMEDOUT);
			return;
		}
		/* RFC 9293 3.8.6.2.1: a window open but too small for
		 * sender SWS avoidance: the override timeout sends what it
		 * takes (the retransmission timer takes over). */
		if (c->snd_wnd > 0 && erg_tcp_send_override(c)) {
			return;
		}
		ERG_COUNT(s, TCP_ZERO_WINDOW_PROBES);
		erg_tcp_send_probe(c);
		c->probe_at = s->now;
		if (c->backoff < 31) {
			c->backoff++;
		}
		erg_tcp_persist_start(c);
		return;
	}
	switch (c->state) {
	case ERG_TCP_SYN_SENT:
	case ERG_TCP_SYN_RECEIVED:
		if (++c->retries > s->cfg.tcp_syn_retries) {
			ERG_COUNT(s, TCP_TIMEOUTS);
			erg_tcp_conn_drop(c, -ERG_ETIMEDOUT,
			    ERG_TCP_EV_TIMEDOUT);
			return;
		}
		c->rto = ERG_MIN(c->rto * 2u, rto_max);
		c->flags &= ~TCPF_RTT_TIMING;
		ERG_COUNT(s, TCP_RETRANSMITS);
		c->n_retransmits++;
		erg_tcp_send_syn(c);
		erg_tcp_rtx_start(c);
		break;
	case ERG_TCP_ESTABLISHED:
	case ERG_TCP_FIN_WAIT_1:
	case ERG_TCP_CLOSE_WAIT:
	case ERG_TCP_CLOSING:
	case ERG_TCP_LAST_ACK:
		if (c->snd_una != c->snd_max) {
			tcp_rto(c);
		}
		break;
	default:
		break;
	}
}

static void
tcp_dack_fire(struct erg_stack *s, struct erg_timer *t)
{
	struct erg_tcp_conn *c = ERG_CONTAINER_OF(t, struct erg_tcp_conn, dack);

	if (c->delack_segs != 0 || (c->flags & TCPF_ACK_NOW)) {
		ERG_COUNT(s, TCP_DELAYED_ACKS);
		erg_tcp_send_ack(c);
	}
}

static void
tcp_ka_fire(struct erg_stack *s, struct erg_timer *t)
{
	struct erg_tcp_conn *c = ERG_CONTAINER_OF(t, struct erg_tcp_conn, ka);
	uint64_t idle = c->ka_idle_ms * 1000ull;

	if (c->state == ERG_TCP_FIN_WAIT_2 && (c->flags & TCPF_ORPHAN)) {
		/* The orphan's FIN-WAIT-2 limit: nobody waits for it. */
		ERG_COUNT(s, TCP_TIMEOUTS);
		erg_tcp_conn_drop(c, -ERG_ETIMEDOUT, 0);
		return;
	}
	if (c->ka_idle_ms == 0 ||
	    (c->state != ERG_TCP_ESTABLISHED &&
	        c->state != ERG_TCP_CLOSE_WAIT)) {
		return;
	}
	if (s->now < c->last_rx + idle) {
		erg_timer_arm(s, &c->ka, c->last_rx + idle);
		return;
	}
	if (c->ka_probes >= c->ka_cnt) {
		ERG_COUNT(s, TCP_TIMEOUTS);
		erg_tcp_conn_drop(c, -ERG_ETIMEDOUT, ERG_TCP_EV_TIMEDOUT);
		return;
	}
	c->ka_probes++;
	ERG_COUNT(s, TCP_KEEPALIVE_PROBES);
	erg_tcp_send_probe(c);
	erg_timer_arm(s, &c->ka, s->now + c->ka_intvl_ms * 1000ull);
}
