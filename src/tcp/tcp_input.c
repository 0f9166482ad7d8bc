/*
 * src/tcp/tcp_input.c: segment arrival, RFC 9293 section 3.10.7, with the
 * hardening of RFC 5961 and the timestamps of RFC 7323.
 *
 * The order of checks in a synchronized state is RFC 9293's: PAWS (RFC
 * 7323 5.3), sequence acceptability, RST, SYN, ACK, data, FIN.
 *
 * Decisions:
 * - RFC 5961: a RST is honoured only at exactly RCV.NXT; one elsewhere
 *   in the window, and any SYN in a synchronized state, gets a challenge
 *   ACK; an ACK outside [SND.UNA - MAX.SND.WND, SND.NXT] gets a challenge
 *   ACK and is dropped. Challenge ACKs are limited per connection to
 *   TCP_CHALLENGE_ACK_PER_SEC a second, never by a global counter (a
 *   global limit is itself a side channel, CVE-2016-5696).
 * - TIME-WAIT (in the small table) ignores RSTs (RFC 1337), answers a
 *   retransmitted FIN with an ACK and restarts 2 MSL, and lets a new SYN
 *   through to the listener when its sequence number is above RCV.NXT or
 *   its timestamp newer than the last seen (RFC 6191).
 * - A segment without a timestamp on a connection that agreed to them is
 *   accepted, as Linux does (RFC 7323 3.2 says SHOULD drop).
 * - Data carried on a SYN or SYN-ACK is not queued: the peer sends it
 *   again after the handshake.
 * - Urgent data (RFC 6093) is treated as ordinary data.
 * - An orphan (closed by the application) that receives new data after
 *   its close answers with RST and goes, as Linux does: nobody will read.
 * - ICMP errors are soft errors (RFC 5461): they set the error reported
 *   if the connection later times out. Fragmentation needed lowers the
 *   MSS only when the quoted sequence number is in flight (RFC 5927 4.1).
 */
#include "tcp_int.h"
#include "../ipv4/ipv4_layer.h"

/* ---- Ending connections ------------------------------------------------ */

void
erg_tcp_post(struct erg_tcp_conn *c, unsigned ev)
{
	if ((c->flags & TCPF_ORPHAN) == 0 && (c->flags & TCPF_ACCEPTED) &&
	    ev != 0) {
		erg_event_post(c->stack, &c->ev, ev);
	}
}

void
erg_tcp_conn_drop(struct erg_tcp_conn *c, int err, unsigned ev)
{
	if (err == -ERG_ETIMEDOUT && c->soft_err != 0) {
		err = c->soft_err; /* the reason is more useful (as Linux) */
	}
	c->state = ERG_TCP_CLOSED;
	c->err = err;
	erg_tcp_hash_remove(c);
	erg_tcp_timers_cancel(c);
	if (c->parent != NULL) {
		erg_tcp_listener_child_gone(c);
		return;
	}
	if (c->flags & TCPF_ORPHAN) {
		erg_tcp_conn_free(c);
		return;
	}
	erg_tcp_post(c, ev | ERG_EV_READABLE | ERG_EV_WRITABLE);
}

/* Our FIN was acknowledged and the peer's received: TIME-WAIT. */
static void
tcp_enter_time_wait(struct erg_tcp_conn *c)
{
	if (c->flags & TCPF_ORPHAN) {
		erg_tcp_tw_enter(c); /* frees c */
		return;
	}
	/* The application still holds c: it waits here until closed. */
	c->state = ERG_TCP_TIME_WAIT;
	erg_tcp_timers_cancel(c);
}

/* ---- Options from a SYN ------------------------------------------------ */

void
erg_tcp_apply_syn_opts(struct erg_tcp_conn *c, const struct erg_tcp_repr *r)
{
	uint32_t peer = r->mss != 0 ? r->mss : TCP_DEFAULT_MSS;
	uint32_t mss = ERG_MIN(peer, (uint32_t)erg_tcp_mss_for_mtu(c->pmtu));

	if (r->wscale_ok) {
		c->flags |= TCPF_WSCALE;
		c->snd_wscale = r->wscale;
	} else {
		c->flags &= ~TCPF_WSCALE;
		c->snd_wscale = 0;
		c->rcv_wscale = 0;
	}
	c->sack_ok = r->sack_ok;
	c->ts_ok = r->ts_ok;
	if (r->ts_ok) {
		c->ts_recent = r->ts_val;
		/* RFC 6691: options come out of the MSS (not below 0). */
		mss = mss > 12u ? mss - 12u : 0u;
	}
	/* A peer announcing an absurd MSS still gets a working minimum. */
	c->mss = (uint16_t)ERG_MAX(mss, 64u);
}

/* ---- Challenge ACKs (RFC 5961 7) ---------------------------------------- */

static void
tcp_challenge_ack(struct erg_tcp_conn *c, enum erg_stat why)
{
	struct erg_stack *s = c->stack;

	if (s->now - c->chal_start >= 1000000u) {
		c->chal_start = s->now;
		c->chal_n = 0;
	}
	if (c->chal_n >= TCP_CHALLENGE_ACK_PER_SEC) {
		ERG_COUNT(s, TCP_CHALLENGE_ACK_LIMITED);
		return;
	}
	c->chal_n++;
	ERG_COUNT_ID(s, why);
	erg_tcp_send_ack(c);
}

/* ---- Established connections ------------------------------------------ */

/* RFC 9293 3.10.7.4, first: is the segment in the receive window? */
static bool
tcp_seq_acceptable(const struct erg_tcp_conn *c, const struct erg_tcp_seg *g)
{
	uint32_t wnd =
	    SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	uint32_t seq = g->r.seq;

	if (g->len == 0) {
		if (wnd == 0) {
			return seq == c->rcv_nxt;
		}
		return SEQ_GEQ(seq, c->rcv_nxt) &&
		    SEQ_LT(seq, c->rcv_nxt + wnd);
	}
	if (wnd == 0) {
		return false;
	}
	return (SEQ_GEQ(seq, c->rcv_nxt) && SEQ_LT(seq, c->rcv_nxt + wnd)) ||
	    (SEQ_GEQ(seq + g->len - 1, c->rcv_nxt) &&
	        SEQ_LT(seq + g->len - 1, c->rcv_nxt + wnd));
}

/* Takes an RTT sample from an ACK of new data (RFC 6298, RFC 7323 4). */
static void
tcp_rtt_from_ack(struct erg_tcp_conn *c, const struct erg_tcp_seg *g)
{
	struct erg_stack *s = c->stack;
	uint32_t ms;

	if ((c->flags & TCPF_RTT_TIMING) && SEQ_GT(g->r.ack, c->rtt_seq)) {
		c->flags &= ~TCPF_RTT_TIMING;
		erg_tcp_rtt_sample(c,
		    (uint32_t)ERG_MIN(s->now - c->rtt_start,
		        (uint64_t)UINT32_MAX));
		return;
	}
	if (c->ts_ok && g->r.ts_ok && g->r.ts_ecr != 0) {
		ms = erg_tcp_ts_now(s, c->ts_offset) - g->r.ts_ecr;
		if (ms == 0) {
			/* Below the 1 ms tick: the RTT is in [0, 1 ms). Feed
			 * the estimate itself (capped at 1 ms): srtt stays
			 * true on a fast path, and a backed-off RTO still
			 * comes back down after a loss episode. */
			erg_tcp_rtt_sample(c,
			    c->srtt != 0 ? ERG_MIN(c->srtt, 1000u) : 1000u);
		} else if (ms < 0x7fffffu) {
			erg_tcp_rtt_sample(c, ms * 1000u);
		}
	}
}

/* Frees what the ACK covers from the ring. */
static uint32_t
tcp_ring_ack(struct erg_tcp_conn *c, uint32_t ack)
{
	uint32_t n;

	if (!SEQ_GT(ack, c->snd_data)) {
		return 0;
	}
	n = ERG_MIN(ack - c->snd_data, c->ring_len);
	c->ring_head = (c->ring_head + n) % c->ring_cap;
	c->ring_len -= n;
	c->snd_data += n;
	return n;
}

static bool
tcp_fin_acked(const struct erg_tcp_conn *c)
{
	return (c->flags & TCPF_FIN_SENT) && c->ring_len == 0 &&
	    c->snd_una == c->snd_data + 1;
}

/* New data acknowledged: RFC 9293 3.10.7.4 fifth, RFC 6582, RFC 6298. */
static void
tcp_ack_new(struct erg_tcp_conn *c, const struct erg_tcp_seg *g)
{
	uint32_t acked = g->r.ack - c->snd_una, data;
	uint32_t flight = erg_tcp_in_flight(c);

	tcp_rtt_from_ack(c, g);
	c->retries = 0;
	data = tcp_ring_ack(c, g->r.ack);
	c->n_bytes_acked += data;
	c->snd_una = g->r.ack;
	if (SEQ_LT(c->snd_nxt, c->snd_una)) {
		c->snd_nxt = c->snd_una;
	}
	if (c->flags & TCPF_RECOVERY) {
		if (SEQ_GEQ(g->r.ack, c->recover)) {
			c->flags &= ~TCPF_RECOVERY;
			c->dupacks = 0;
			c->cc->on_recovery_exit(c);
		} else {
			/* RFC 6582 3.2 step 5: partial ACK, retransmit the
			 * next hole. */
			erg_tcp_retransmit(c);
			c->cc->on_partial_ack(c, acked);
		}
	} else {
		c->dupacks = 0;
		/* Grow only a window in use (RFC 7661's idea: an application-
		 * or receiver-limited flow must not inflate cwnd forever). */
		if (flight * 2u >= c->cwnd) {
			c->cc->on_ack(c, acked);
		}
		/* RFC 6582 tests SND.UNA > recover: keep recover within
		 * 2^31 behind, or the test flips after 2 GiB. */
		if (SEQ_GT(c->snd_una, c->recover)) {
			c->recover = c->snd_una - 1;
		}
	}
	if (c->snd_una == c->snd_max) {
		erg_tcp_rtx_stop(c);
	} else {
		erg_tcp_rtx_start(c); /* RFC 6298 5.3 */
	}
	if (data > 0) {
		erg_tcp_post(c, ERG_EV_WRITABLE);
	}
}

/* A duplicate ACK (RFC 5681 2, RFC 6582 3.2 steps 1-4). */
static void
tcp_ack_dup(struct erg_tcp_conn *c)
{
	struct erg_stack *s = c->stack;

	ERG_COUNT(s, TCP_DUP_ACKS);
	if (c->flags & TCPF_RECOVERY) {
		c->cwnd += c->mss; /* step 4: inflate */
		return;
	}
	if (++c->dupacks != TCP_DUPACK_THRESH) {
		return;
	}
	/* Step 2: no new recovery for losses of the last one's window
	 * (the ACK must cover more than recover, which starts at ISS). */
	if (!SEQ_GT(c->snd_una, c->recover)) {
		return;
	}
	c->flags |= TCPF_RECOVERY;
	c->recover = c->snd_max;
	c->cc->on_fast_loss(c);
	c->flags &= ~TCPF_RTT_TIMING;
	ERG_COUNT(s, TCP_FAST_RETRANSMITS);
	erg_tcp_retransmit(c);
}

/* Window update (RFC 9293 3.10.7.4 fifth, SND.WL1/WL2 rule). */
static void
tcp_update_window(struct erg_tcp_conn *c, const struct erg_tcp_seg *g)
{
	uint32_t wnd = (uint32_t)g->r.window << c->snd_wscale;

	if (SEQ_LT(c->snd_wl1, g->r.seq) ||
	    (c->snd_wl1 == g->r.seq && SEQ_LEQ(c->snd_wl2, g->r.ack))) {
		if (c->snd_wnd == 0 && wnd != 0 && (c->flags & TCPF_PERSIST)) {
			erg_tcp_rtx_stop(c);
			c->backoff = 0;
		}
		c->snd_wnd = wnd;
		c->snd_wl1 = g->r.seq;
		c->snd_wl2 = g->r.ack;
		c->max_sndwnd = ERG_MAX(c->max_sndwnd, wnd);
	}
}

/*
 * The ACK field (RFC 9293 3.10.7.4 fifth). Returns false if the segment
 * is to be dropped (or c is gone).
 */
static bool
tcp_process_ack(struct erg_tcp_conn *c, const struct erg_tcp_seg *g, bool *gone)
{
	struct erg_stack *s = c->stack;
	uint32_t ack = g->r.ack;
	uint32_t lo = c->snd_una - c->max_sndwnd;

	/* RFC 5961 5.2: outside [SND.UNA - MAX.SND.WND, SND.NXT]. */
	if (SEQ_GT(ack, c->snd_max) || SEQ_LT(ack, lo)) {
		ERG_COUNT(s, TCP_BAD_ACK);
		tcp_challenge_ack(c, ERG_STAT_TCP_ACK_CHALLENGE_ACKS);
		return false;
	}
	/*
	 * RFC 7323 4.3: the timestamp to echo, only once the ACK passed
	 * RFC 5961 5.2: a blind in-window segment (or RST, or SYN) must
	 * not move TS.Recent, or PAWS drops all the real peer sends.
	 */
	if (c->ts_ok && g->r.ts_ok && SEQ_LEQ(g->r.seq, c->last_ack_sent) &&
	    SEQ_GEQ(g->r.ts_val, c->ts_recent)) {
		c->ts_recent = g->r.ts_val;
	}
	if (SEQ_GT(ack, c->snd_una)) {
		tcp_ack_new(c, g);
	} else if (ack == c->snd_una && g->data.len == 0 &&
	    (g->r.flags & (ERG_TCP_SYN | ERG_TCP_FIN)) == 0 &&
	    c->snd_max != c->snd_una &&
	    ((uint32_t)g->r.window << c->snd_wscale) == c->snd_wnd) {
		tcp_ack_dup(c);
	}
	tcp_update_window(c, g);
	if (!tcp_fin_acked(c)) {
		return true;
	}
	switch (c->state) {
	case ERG_TCP_FIN_WAIT_1:
		c->state = ERG_TCP_FIN_WAIT_2;
		if (c->flags & TCPF_ORPHAN) {
			erg_tcp_ka_arm_limit(c,
			    s->cfg.tcp_fin_timeout_ms * 1000ull);
		}
		break;
	case ERG_TCP_CLOSING:
		tcp_enter_time_wait(c);
		*gone = true;
		return false;
	case ERG_TCP_LAST_ACK:
		*gone = true;
		if (c->flags & TCPF_ORPHAN) {
			erg_tcp_conn_free(c);
		} else {
			c->state = ERG_TCP_CLOSED;
			erg_tcp_hash_remove(c);
			erg_tcp_timers_cancel(c);
		}
		return false;
	default:
		break;
	}
	return true;
}

/* SYN-RECEIVED: the ACK of our SYN-ACK. Returns false to drop. */
static bool
tcp_syn_received_ack(struct erg_tcp_conn *c, const struct erg_tcp_seg *g,
    bool *gone)
{
	struct erg_stack *s = c->stack;

	if (!SEQ_GT(g->r.ack, c->snd_una) || SEQ_GT(g->r.ack, c->snd_max)) {
		erg_tcp_reply_rst(s, g);
		return false;
	}
	c->state = ERG_TCP_ESTABLISHED;
	c->snd_una = c->iss + 1;
	c->retries = 0;
	erg_tcp_rtx_stop(c);
	c->snd_wnd = (uint32_t)g->r.window << c->snd_wscale;
	c->snd_wl1 = g->r.seq;
	c->snd_wl2 = g->r.ack;
	c->max_sndwnd = c->snd_wnd;
	if ((c->flags & TCPF_RTT_TIMING) && SEQ_GT(g->r.ack, c->rtt_seq)) {
		c->flags &= ~TCPF_RTT_TIMING;
		erg_tcp_rtt_sample(c, (uint32_t)(s->now - c->rtt_start));
	}
	c->cc->init(c);
	if (c->flags & TCPF_ACTIVE) {
		erg_tcp_post(c, ERG_TCP_EV_CONNECTED | ERG_EV_WRITABLE);
	} else {
		ERG_COUNT(s, TCP_PASSIVE_OPENS);
		if (!erg_tcp_listener_child_ready(c)) {
			*gone = true; /* the accept queue was full */
			return false;
		}
	}
	if (c->flags & TCPF_SHUT_WR) {
		c->state = ERG_TCP_FIN_WAIT_1;
	}
	return true;
}

/* In-order FIN (RFC 9293 3.10.7.4 eighth). Returns false if c is gone. */
static bool
tcp_process_fin(struct erg_tcp_conn *c)
{
	c->rcv_nxt++;
	c->flags |= TCPF_FIN_RCVD | TCPF_ACK_NOW;
	c->flags &= ~TCPF_OOO_FIN;
	erg_tcp_post(c, ERG_TCP_EV_PEER_CLOSED | ERG_EV_READABLE);
	switch (c->state) {
	case ERG_TCP_SYN_RECEIVED:
	case ERG_TCP_ESTABLISHED:
		c->state = ERG_TCP_CLOSE_WAIT;
		break;
	case ERG_TCP_FIN_WAIT_1:
		c->state = ERG_TCP_CLOSING;
		break;
	case ERG_TCP_FIN_WAIT_2:
		erg_tcp_send_ack(c);
		tcp_enter_time_wait(c);
		return (c->flags & TCPF_ORPHAN) == 0;
	default:
		break;
	}
	return true;
}

/* Data and FIN (RFC 9293 3.10.7.4 seventh and eighth). */
static bool
tcp_process_data(struct erg_tcp_conn *c, struct erg_tcp_seg *g)
{
	struct erg_stack *s = c->stack;
	uint32_t seq = g->r.seq, end = g->r.seq + (uint32_t)g->data.len;
	uint32_t before = c->rcv_nxt, over, room;
	bool fin = (g->r.flags & ERG_TCP_FIN) != 0;
	bool had_ooo = c->ooo_head != NULL;

	if (c->flags & TCPF_FIN_RCVD) {
		return true; /* nothing counts after the peer's FIN */
	}
	if (g->data.len > 0) {
		if ((c->flags & TCPF_ORPHAN) && SEQ_GT(end, c->rcv_nxt)) {
			/* Nobody will read it (as Linux): reset. */
			erg_tcp_send_rst(c, c->snd_nxt);
			erg_tcp_conn_drop(c, -ERG_ECONNABORTED, 0);
			return false;
		}
		if (SEQ_LT(seq, c->rcv_nxt)) {
			over = c->rcv_nxt - seq;
			(void)erg_view_shift(&g->data, over);
			g->r.seq = seq = c->rcv_nxt;
		}
		/* Trim to the window's right edge. */
		room = SEQ_GT(c->rcv_adv, seq) ? c->rcv_adv - seq : 0;
		if (g->data.len > room) {
			(void)erg_view_trunc(&g->data, room);
			fin = false;
		}
		if (g->data.len > 0) {
			erg_tcp_rcv_data(c, g);
		}
		if (c->rcv_nxt == before) {
			/* Out of order (or dropped): tell the sender now
			 * (RFC 5681 4.2), with SACK blocks. */
			c->flags |= TCPF_ACK_NOW;
		} else {
			erg_tcp_post(c, ERG_EV_READABLE);
			/* RFC 5681 4.2: at once when it fills (part of) a
			 * gap, the last one included. */
			if (had_ooo || before != seq || ++c->delack_segs >= 2) {
				c->flags |= TCPF_ACK_NOW;
			} else {
				erg_tcp_dack_start(c);
			}
		}
	}
	if (fin) {
		if (end == c->rcv_nxt) {
			return tcp_process_fin(c);
		}
		if (SEQ_GT(end, c->rcv_nxt)) {
			c->flags |= TCPF_OOO_FIN | TCPF_ACK_NOW;
			c->ooo_fin_seq = end;
		}
	} else if ((c->flags & TCPF_OOO_FIN) && c->rcv_nxt == c->ooo_fin_seq) {
		return tcp_process_fin(c);
	}
	ERG_UNUSED(s);
	return true;
}

/*
 * Header prediction (Jacobson, "4BSD Header Prediction", CCR 1990; 4.4BSD
 * tcp_input): an ESTABLISHED connection's next segment is, almost always,
 * either the in-order data it expects or an ACK of new data, with no
 * flags but ACK (and PSH). For exactly those the full path below reduces
 * to a short sequence, which this runs, in the same order and with the
 * same helpers: every check the full path makes is either taken as a
 * precondition here (falling back to it otherwise) or known to pass:
 *
 * - PAWS (RFC 7323 5.3) passes: TSval >= TS.Recent is required, and so is
 *   a connection idle less than 24 days (5.5); a connection that agreed
 *   to timestamps needs one on the segment (else the full path).
 * - SEG.SEQ = RCV.NXT, and data fits the window advertised: acceptable
 *   (RFC 9293 3.10.7.4 first), nothing to trim.
 * - RFC 5961 5.2: SND.UNA - MAX.SND.WND <= SEG.ACK <= SND.MAX, checked
 *   as there; a pure ACK must acknowledge new data (a duplicate ACK, with
 *   its fast-retransmit counting, takes the full path); a segment with
 *   data is never a duplicate ACK.
 * - No FIN of ours sent (no FIN-acknowledged transition), none of the
 *   peer's received or waiting out of order, no out-of-order queue (no
 *   gap to fill), not orphaned (no reset for data after close).
 *
 * Returns true if it took the segment.
 */
static bool
tcp_predicted(struct erg_tcp_conn *c, struct erg_tcp_seg *g)
{
	struct erg_stack *s = c->stack;
	uint32_t ack = g->r.ack, len = (uint32_t)g->data.len;
	uint32_t before = c->rcv_nxt;

	if (c->state != ERG_TCP_ESTABLISHED ||
	    (g->r.flags &
	        (ERG_TCP_SYN | ERG_TCP_FIN | ERG_TCP_RST | ERG_TCP_URG |
	            ERG_TCP_ACK)) != ERG_TCP_ACK ||
	    g->r.seq != c->rcv_nxt ||
	    (c->flags &
	        (TCPF_FIN_SENT | TCPF_FIN_RCVD | TCPF_OOO_FIN | TCPF_ORPHAN)) !=
	        0 ||
	    SEQ_GT(ack, c->snd_max) ||
	    SEQ_LT(ack, c->snd_una - c->max_sndwnd)) {
		return false;
	}
	if (c->ts_ok &&
	    (!g->r.ts_ok || SEQ_LT(g->r.ts_val, c->ts_recent) ||
	        s->now - c->last_rx > TCP_PAWS_IDLE_US)) {
		return false;
	}
	if (len == 0) {
		if (!SEQ_GT(ack, c->snd_una)) {
			return false;
		}
	} else if (c->ooo_head != NULL || !SEQ_GT(c->rcv_adv, c->rcv_nxt) ||
	    len > c->rcv_adv - c->rcv_nxt) {
		return false;
	}
	erg_tcp_ka_reset(c);
	/* tcp_process_ack, from the timestamp on (RFC 7323 4.3). */
	if (c->ts_ok && SEQ_LEQ(g->r.seq, c->last_ack_sent)) {
		c->ts_recent = g->r.ts_val;
	}
	if (SEQ_GT(ack, c->snd_una)) {
		tcp_ack_new(c, g);
	}
	tcp_update_window(c, g);
	if (len > 0) {
		/* tcp_process_data's in-order case. */
		erg_tcp_rcv_data(c, g);
		if (c->rcv_nxt == before) {
			c->flags |= TCPF_ACK_NOW; /* dropped (no room) */
		} else {
			erg_tcp_post(c, ERG_EV_READABLE);
			if (++c->delack_segs >= 2) {
				c->flags |= TCPF_ACK_NOW;
			} else {
				erg_tcp_dack_start(c);
			}
		}
	}
	erg_tcp_output(c);
	return true;
}

/* A segment for a connection in a synchronized state or SYN-RECEIVED. */
static void
tcp_conn_input(struct erg_tcp_conn *c, struct erg_tcp_seg *g)
{
	struct erg_stack *s = c->stack;
	uint8_t fl = g->r.flags;
	bool gone = false;

	if (tcp_predicted(c, g)) {
		return;
	}
	if (c->state == ERG_TCP_TIME_WAIT) {
		/* The application still holds it: answer as TIME-WAIT. */
		if ((fl & ERG_TCP_RST) == 0 &&
		    (g->len != 0 || g->r.seq != c->rcv_nxt)) {
			erg_tcp_send_ack(c);
		}
		return;
	}
	/* A retransmitted SYN: our SYN-ACK was lost. */
	if (c->state == ERG_TCP_SYN_RECEIVED && (fl & ERG_TCP_SYN) &&
	    (fl & ERG_TCP_ACK) == 0 && g->r.seq == c->irs) {
		c->flags &= ~TCPF_RTT_TIMING; /* Karn: which SYN-ACK? */
		erg_tcp_send_syn(c);
		return;
	}
	/*
	 * Simultaneous open (RFC 9293 figure 7, line 6): the peer's SYN-ACK
	 * repeats the SYN already taken in SYN-SENT. Its SYN is a duplicate;
	 * the rest is the ACK of our SYN that completes the handshake (as
	 * Linux does in tcp_validate_incoming).
	 */
	if (c->state == ERG_TCP_SYN_RECEIVED && (fl & ERG_TCP_SYN) &&
	    (fl & ERG_TCP_ACK) && g->r.seq == c->irs && g->data.len == 0 &&
	    g->r.ack == c->iss + 1) {
		g->r.flags &= (uint8_t)~ERG_TCP_SYN;
		g->r.seq++;
		g->len--;
		fl = g->r.flags;
	}
	/* RFC 7323 5.5: after 24 idle days TS.Recent is invalid. */
	if (c->ts_ok && g->r.ts_ok && s->now - c->last_rx > TCP_PAWS_IDLE_US) {
		c->ts_recent = g->r.ts_val;
	}
	/* RFC 7323 5.3: PAWS. */
	if (c->ts_ok && g->r.ts_ok && (fl & ERG_TCP_RST) == 0 &&
	    SEQ_LT(g->r.ts_val, c->ts_recent)) {
		ERG_COUNT(s, TCP_PAWS_DROP);
		c->flags |= TCPF_ACK_NOW;
		erg_tcp_output(c);
		return;
	}
	if (!tcp_seq_acceptable(c, g)) {
		if (fl & ERG_TCP_RST) {
			ERG_COUNT(s, TCP_RST_OUT_OF_WINDOW);
			return;
		}
		ERG_COUNT(s, TCP_OUT_OF_WINDOW);
		if (SEQ_LT(g->r.seq + g->len, c->rcv_nxt) ||
		    g->r.seq + g->len == c->rcv_nxt) {
			ERG_COUNT(s, TCP_DUP_DATA);
		}
		/*
		 * A probe (no data, SEG.SEQ = RCV.NXT - 1) may carry the
		 * peer's only ACK of our last data (Linux's probe clears the
		 * delayed ACK it owed); Linux takes such an ACK, and so do we
		 * when it acknowledges new data, through the RFC 5961 check.
		 */
		if (g->len == 0 && g->r.seq == c->rcv_nxt - 1 &&
		    (fl & (ERG_TCP_ACK | ERG_TCP_SYN)) == ERG_TCP_ACK &&
		    c->state != ERG_TCP_SYN_RECEIVED &&
		    SEQ_GT(g->r.ack, c->snd_una)) {
			(void)tcp_process_ack(c, g, &gone);
			if (gone) {
				return;
			}
		}
		c->flags |= TCPF_ACK_NOW;
		erg_tcp_output(c);
		return;
	}
	if (fl & ERG_TCP_RST) {
		ERG_COUNT(s, TCP_RST_RX);
		if (g->r.seq != c->rcv_nxt) {
			tcp_challenge_ack(c, ERG_STAT_TCP_RST_CHALLENGE_ACKS);
			return;
		}
		if (c->state == ERG_TCP_SYN_RECEIVED &&
		    (c->flags & TCPF_ACTIVE)) {
			erg_tcp_conn_drop(c, -ERG_ECONNREFUSED,
			    ERG_TCP_EV_RESET);
		} else if (c->state == ERG_TCP_CLOSING ||
		    c->state == ERG_TCP_LAST_ACK) {
			erg_tcp_conn_drop(c, 0, 0);
		} else {
			erg_tcp_conn_drop(c, -ERG_ECONNRESET, ERG_TCP_EV_RESET);
		}
		return;
	}
	if (fl & ERG_TCP_SYN) {
		/* RFC 5961 4.2 (RFC 9293 3.10.7.4 fourth). */
		tcp_challenge_ack(c, ERG_STAT_TCP_SYN_CHALLENGE_ACKS);
		return;
	}
	if ((fl & ERG_TCP_ACK) == 0) {
		return;
	}
	erg_tcp_ka_reset(c);
	if (c->state == ERG_TCP_SYN_RECEIVED &&
	    !tcp_syn_received_ack(c, g, &gone)) {
		return;
	}
	if (!tcp_process_ack(c, g, &gone)) {
		if (!gone) {
			erg_tcp_output(c);
		}
		return;
	}
	switch (c->state) {
	case ERG_TCP_ESTABLISHED:
	case ERG_TCP_FIN_WAIT_1:
	case ERG_TCP_FIN_WAIT_2:
		if (!tcp_process_data(c, g)) {
			return;
		}
		break;
	default:
		break;
	}
	if (c->state != ERG_TCP_CLOSED) {
		erg_tcp_output(c);
	}
}

/* ---- SYN-SENT (RFC 9293 3.10.7.3) ------------------------------------- */

static void
tcp_syn_sent_input(struct erg_tcp_conn *c, struct erg_tcp_seg *g)
{
	struct erg_stack *s = c->stack;
	uint8_t fl = g->r.flags;
	bool ack_ok = false;

	if (fl & ERG_TCP_ACK) {
		if (SEQ_LEQ(g->r.ack, c->iss) || SEQ_GT(g->r.ack, c->snd_max)) {
			if ((fl & ERG_TCP_RST) == 0) {
				erg_tcp_reply_rst(s, g);
			}
			return;
		}
		ack_ok = true;
	}
	if (fl & ERG_TCP_RST) {
		ERG_COUNT(s, TCP_RST_RX);
		if (ack_ok) {
			erg_tcp_conn_drop(c, -ERG_ECONNREFUSED,
			    ERG_TCP_EV_RESET);
		}
		return;
	}
	if ((fl & ERG_TCP_SYN) == 0) {
		return;
	}
	c->irs = g->r.seq;
	c->rcv_nxt = g->r.seq + 1;
	c->rcv_adv = c->rcv_nxt;
	erg_tcp_apply_syn_opts(c, &g->r);
	c->snd_wl1 = g->r.seq;
	c->snd_wl2 = g->r.ack;
	c->snd_wnd = g->r.window; /* RFC 7323 2.2: a SYN's is unscaled */
	c->max_sndwnd = c->snd_wnd;
	c->ts_recent = g->r.ts_val;
	if (!ack_ok) {
		/* Simultaneous open: SYN-RECEIVED, SYN-ACK from iss. */
		c->state = ERG_TCP_SYN_RECEIVED;
		c->snd_nxt = c->iss;
		erg_tcp_send_syn(c);
		erg_tcp_rtx_start(c);
		return;
	}
	c->snd_una = g->r.ack;
	c->retries = 0;
	erg_tcp_rtx_stop(c);
	if ((c->flags & TCPF_RTT_TIMING) && SEQ_GT(g->r.ack, c->rtt_seq)) {
		c->flags &= ~TCPF_RTT_TIMING;
		erg_tcp_rtt_sample(c, (uint32_t)(s->now - c->rtt_start));
	}
	c->state = ERG_TCP_ESTABLISHED;
	c->cc->init(c);
	erg_tcp_ka_reset(c);
	erg_tcp_post(c, ERG_TCP_EV_CONNECTED | ERG_EV_WRITABLE);
	c->flags |= TCPF_ACK_NOW;
	if (c->flags & TCPF_SHUT_WR) {
		c->state = ERG_TCP_FIN_WAIT_1; /* shut before it connected */
	}
	erg_tcp_output(c);
}

/* ---- LISTEN (RFC 9293 3.10.7.2) and SYN cookies ------------------------ */

/* Fills a new connection's 4-tuple, route and sequence numbers. */
static int
tcp_child_init(struct erg_tcp_conn *c, const struct erg_tcp_seg *g)
{
	struct erg_stack *s = c->stack;
	struct erg_ipv4_route rt;

	if (erg_ipv4_route(s, g->src, &rt) < 0) {
		return -ERG_EHOSTUNREACH;
	}
	c->laddr = g->dst;
	c->raddr = g->src;
	c->lport = g->r.dst_port;
	c->rport = g->r.src_port;
	c->pmtu = rt.mtu;
	c->irs = g->r.seq;
	c->rcv_nxt = g->r.seq + 1;
	c->rcv_adv = c->rcv_nxt;
	c->rcv_wscale = erg_tcp_rcv_wscale(&s->cfg);
	c->ts_offset =
	    erg_tcp_ts_offset(s, c->laddr, c->lport, c->raddr, c->rport);
	erg_tcp_apply_syn_opts(c, &g->r);
	c->snd_wnd = g->r.window;
	c->max_sndwnd = c->snd_wnd;
	c->ev.deliver = NULL;
	return 0;
}

static uint32_t
tcp_cookie_opts(const struct erg_tcp_repr *r)
{
	uint32_t opts = r->wscale_ok ? r->wscale : 0xfu;

	return opts | (r->sack_ok ? 0x10u : 0u);
}

static void
tcp_listen_cookie(struct erg_stack *s, struct erg_tcp_listener *l,
    const struct erg_tcp_seg *g)
{
	struct erg_ipv4_route rt;
	uint32_t opts = 0xfu, isn, tsval = 0, now;
	uint16_t mss;

	if (erg_ipv4_route(s, g->src, &rt) < 0) {
		return;
	}
	mss = erg_tcp_mss_for_mtu(rt.mtu);
	if (g->r.mss != 0) {
		mss = ERG_MIN(mss, g->r.mss);
	}
	if (g->r.ts_ok) {
		now = erg_tcp_ts_now(s,
		    erg_tcp_ts_offset(s, g->dst, g->r.dst_port, g->src,
		        g->r.src_port));
		opts = tcp_cookie_opts(&g->r);
		tsval = (now & ~TCP_COOKIE_OPT_MASK) | opts;
		/* RFC 7323 5.4: not ahead of our clock, or the segments that
		 * follow carry older TSvals and fail the peer's PAWS test. */
		if (SEQ_GT(tsval, now)) {
			tsval -= TCP_COOKIE_OPT_MASK + 1u;
		}
	}
	isn = erg_tcp_cookie_make(s, g, mss, opts);
	l->cookie_last = s->now;
	l->cookies_sent = true;
	ERG_COUNT(s, TCP_SYN_COOKIES_SENT);
	erg_tcp_send_cookie_synack(s, g, isn, mss, tsval,
	    erg_tcp_rcv_wscale(&s->cfg));
}

/* The ACK of a cookie SYN-ACK: an established connection, or nothing. */
static bool
tcp_listen_cookie_ack(struct erg_stack *s, struct erg_tcp_listener *l,
    struct erg_tcp_seg *g)
{
	struct erg_tcp_repr syn;
	struct erg_tcp_conn *c;
	uint32_t opts = 0xfu;
	uint16_t mss;

	if (!l->cookies_sent || s->now - l->cookie_last > 128000000u) {
		return false;
	}
	if (g->r.ts_ok) {
		opts = g->r.ts_ecr & TCP_COOKIE_OPT_MASK;
	}
	if (!erg_tcp_cookie_check(s, g, opts, &mss)) {
		ERG_COUNT(s, TCP_SYN_COOKIES_BAD);
		return false;
	}
	if (l->acq_n >= l->backlog) {
		ERG_COUNT(s, TCP_ACCEPT_QUEUE_FULL);
		return true; /* dropped: the peer retries, we answer then */
	}
	c = erg_tcp_conn_alloc(s);
	if (c == NULL) {
		return true;
	}
	/* Rebuild what the SYN said from the cookie and the timestamp. */
	memset(&syn, 0, sizeof(syn));
	syn.mss = mss;
	syn.ts_ok = g->r.ts_ok;
	syn.ts_val = g->r.ts_val;
	if (g->r.ts_ok) {
		syn.wscale_ok = (opts & 0xfu) != 0xfu;
		syn.wscale = (uint8_t)(opts & 0xfu);
		syn.sack_ok = (opts & 0x10u) != 0;
	}
	g->r.seq--; /* tcp_child_init wants the SYN's sequence number */
	if (tcp_child_init(c, g) < 0) {
		erg_tcp_conn_free(c);
		return true;
	}
	g->r.seq++;
	c->rcv_wscale = syn.wscale_ok ? erg_tcp_rcv_wscale(&s->cfg) : 0;
	erg_tcp_apply_syn_opts(c, &syn);
	erg_tcp_iss_set(c, g->r.ack - 1);
	c->snd_nxt = c->iss + 1; /* the cookie SYN-ACK went out */
	c->snd_max = c->iss + 1;
	c->state = ERG_TCP_SYN_RECEIVED;
	erg_tcp_listener_synq_add(l, c);
	erg_tcp_hash_insert_key(c, &g->key); /* c's tuple is g's */
	ERG_COUNT(s, TCP_SYN_COOKIES_OK);
	/* The cookie ACK is the handshake's third segment: go on as if it
	 * reached a SYN-RECEIVED connection. */
	c->rcv_adv = c->rcv_nxt + (uint32_t)ERG_MIN(c->rcv_buf, 65535u);
	tcp_conn_input(c, g);
	return true;
}

static void
tcp_listen_input(struct erg_stack *s, struct erg_tcp_listener *l,
    struct erg_tcp_seg *g)
{
	struct erg_tcp_conn *c;
	uint8_t fl = g->r.flags;

	if (fl & ERG_TCP_RST) {
		return;
	}
	if (fl & ERG_TCP_ACK) {
		if ((fl & ERG_TCP_SYN) == 0 && tcp_listen_cookie_ack(s, l, g)) {
			return;
		}
		erg_tcp_reply_rst(s, g);
		return;
	}
	if ((fl & ERG_TCP_SYN) == 0) {
		return;
	}
	if (l->acq_n >= l->backlog) {
		/* Nobody is accepting: drop, the peer retries (Linux). */
		ERG_COUNT(s, TCP_ACCEPT_QUEUE_FULL);
		return;
	}
	if (l->synq_n >= l->backlog) {
		ERG_COUNT(s, TCP_SYNQ_FULL);
		tcp_listen_cookie(s, l, g);
		return;
	}
	c = erg_tcp_conn_alloc(s);
	if (c == NULL) {
		tcp_listen_cookie(s, l, g);
		return;
	}
	if (tcp_child_init(c, g) < 0) {
		erg_tcp_conn_free(c);
		return;
	}
	erg_tcp_iss_set(c,
	    erg_tcp_isn(s, c->laddr, c->lport, c->raddr, c->rport));
	c->state = ERG_TCP_SYN_RECEIVED;
	erg_tcp_listener_synq_add(l, c);
	erg_tcp_hash_insert_key(c, &g->key); /* c's tuple is g's */
	c->flags |= TCPF_RTT_TIMING;
	c->rtt_seq = c->iss;
	c->rtt_start = s->now;
	erg_tcp_send_syn(c);
	erg_tcp_rtx_start(c);
}

/* ---- TIME-WAIT (the small table) ---------------------------------------- */

/* Returns true if the segment was consumed here. */
static bool
tcp_tw_input(struct erg_stack *s, struct erg_tcp_tw *tw,
    const struct erg_tcp_seg *g)
{
	uint8_t fl = g->r.flags;

	if (fl & ERG_TCP_RST) {
		ERG_COUNT(s, TCP_TIMEWAIT_RST_IGNORED); /* RFC 1337 */
		return true;
	}
	if ((fl & ERG_TCP_SYN) && (fl & ERG_TCP_ACK) == 0) {
		/* RFC 6191 / RFC 1122 4.2.2.13: a new incarnation. */
		if (SEQ_GT(g->r.seq, tw->rcv_nxt) ||
		    (tw->ts_ok && g->r.ts_ok &&
		        SEQ_GT(g->r.ts_val, tw->ts_recent))) {
			ERG_COUNT(s, TCP_TIMEWAIT_REUSED);
			erg_tcp_tw_kill(s, tw);
			return false;
		}
	}
	if (fl & ERG_TCP_FIN) {
		erg_tcp_tw_restart(s, tw);
	} else if (g->len == 0 && g->r.seq == tw->rcv_nxt) {
		/* An in-window bare ACK needs no answer (RFC 9293 3.10.7.4);
		 * answering it lets two TIME-WAITs ACK each other forever. */
		return true;
	}
	erg_tcp_tw_send_ack(s, tw, g->r.ts_ok ? g->r.ts_val : 0);
	return true;
}

/* ---- Entry ------------------------------------------------------------ */

void
erg_tcp_input(struct erg_stack *s, struct erg_pkt *pkt,
    const struct erg_ipv4_repr *ip)
{
	struct erg_tcp_listener *l;
	struct erg_tcp_conn *c;
	struct erg_tcp_tw *tw;
	struct erg_tcp_seg g;
	enum erg_stat why;

	ERG_COUNT(s, TCP_RX);
	/* ACKs wait for the events this segment causes (erg_tcp_flush). */
	s->tcp->deferring = true;
	/* RFC 1122 4.2.3.10: no TCP to or from broadcast or multicast. */
	if ((pkt->flags & (ERG_PKT_F_LINK_BCAST | ERG_PKT_F_IP_BCAST)) != 0) {
		ERG_COUNT(s, TCP_BAD_DST);
		erg_pkt_free(s, pkt);
		return;
	}
	if (erg_tcp_parse(&g.r, &g.data,
	        erg_view_make(erg_pkt_data(pkt), pkt->len), ip->src, ip->dst,
	        &why) < 0) {
		ERG_COUNT_ID(s, why);
		erg_pkt_free(s, pkt);
		return;
	}
	g.pkt = pkt;
	g.src = ip->src;
	g.dst = ip->dst;
	g.len = (uint32_t)g.data.len + ((g.r.flags & ERG_TCP_SYN) ? 1u : 0u) +
	    ((g.r.flags & ERG_TCP_FIN) ? 1u : 0u);
	/* Port 0 is reserved (RFC 6335 6): no connection uses it, and a
	 * reply to it would go nowhere (as OpenBSD, drop either way). */
	if (g.r.src_port == 0 || g.r.dst_port == 0) {
		ERG_COUNT(s, TCP_BAD_PORT);
		goto out;
	}
	if ((g.r.flags & ERG_TCP_SYN) &&
	    (g.r.flags & (ERG_TCP_RST | ERG_TCP_FIN))) {
		ERG_COUNT(s, TCP_BAD_FLAGS);
		goto out;
	}
	erg_tcp_key_make(&g.key, g.dst, g.r.dst_port, g.src, g.r.src_port);
	c = erg_tcp_lookup_key(s, &g.key);
	if (c != NULL) {
		if (c->state == ERG_TCP_SYN_SENT) {
			tcp_syn_sent_input(c, &g);
		} else {
			tcp_conn_input(c, &g);
		}
		goto out;
	}
	tw = erg_tcp_tw_lookup_key(s, &g.key);
	if (tw != NULL && tcp_tw_input(s, tw, &g)) {
		goto out;
	}
	l = erg_tcp_listener_find(s, g.dst, g.r.dst_port);
	if (l != NULL) {
		tcp_listen_input(s, l, &g);
		goto out;
	}
	/* RFC 9293 3.10.7.1: CLOSED. */
	ERG_COUNT(s, TCP_NO_LISTENER);
	erg_tcp_reply_rst(s, &g);
out:
	erg_pkt_free(s, g.pkt);
}

/* ---- ICMP errors -------------------------------------------------------- */

void
erg_tcp_err(struct erg_stack *s, const struct erg_icmp_err *err)
{
	struct erg_tcp_conn *c;
	uint16_t sport, dport, mss;
	uint32_t seq;

	if (err->l4.len < 8) {
		return;
	}
	sport = erg_be16(err->l4.p);
	dport = erg_be16(err->l4.p + 2);
	seq = erg_be32(err->l4.p + 4);
	c = erg_tcp_lookup(s, err->src, sport, err->dst, dport);
	if (c == NULL) {
		ERG_COUNT(s, ICMP_ERR_UNMATCHED);
		return;
	}
	/* RFC 5927 4.1: only about a segment in flight. */
	if (SEQ_LT(seq, c->snd_una) || SEQ_GEQ(seq, c->snd_max)) {
		ERG_COUNT(s, TCP_ICMP_BAD_SEQ);
		return;
	}
	if (err->err == -ERG_EMSGTOOBIG) {
		if (err->mtu == 0 || err->mtu >= c->pmtu) {
			return;
		}
		c->pmtu = err->mtu;
		mss = erg_tcp_mss_for_mtu(err->mtu);
		if (c->ts_ok) {
			mss -= 12;
		}
		if (mss < c->mss) {
			ERG_COUNT(s, TCP_PMTU_LOWERED);
			c->mss = mss;
			/* RFC 1191 6.5: resend what was too big (Karn:
			 * no sample from what is sent twice). */
			c->flags &= ~TCPF_RTT_TIMING;
			c->snd_nxt = c->snd_una;
			erg_tcp_output(c);
		}
		return;
	}
	ERG_COUNT(s, TCP_ICMP_SOFT_ERR);
	c->soft_err = err->err;
	erg_tcp_post(c, ERG_EV_ERROR);
}
