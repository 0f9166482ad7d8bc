/*
 * src/tcp/tcp_cc_newreno.c: NewReno congestion control (RFC 5681 with
 * RFC 6582 fast recovery), with an initial window of 10 segments
 * (RFC 6928).
 *
 * Input (tcp_input.c) detects duplicate ACKs, partial and full ACKs and
 * timeouts and calls these hooks; they only move cwnd and ssthresh.
 * Another algorithm (CUBIC) is one more file with the same ops.
 */
#include "tcp_int.h"

static void
newreno_init(struct erg_tcp_conn *c)
{
	/* RFC 6928 2: min(10 * MSS, max(2 * MSS, 14600)). */
	c->cwnd = ERG_MIN(TCP_IW_SEGS * c->mss, ERG_MAX(2u * c->mss, 14600u));
	c->ssthresh = 0x7fffffffu;
}

static void
newreno_on_ack(struct erg_tcp_conn *c, uint32_t acked)
{
	uint32_t inc;

	if (c->cwnd < c->ssthresh) {
		/* RFC 5681 3.1 eq. 2, with appropriate byte counting
		 * limited to one SMSS per ACK (RFC 3465 L = 1). */
		inc = ERG_MIN(acked, (uint32_t)c->mss);
	} else {
		/* RFC 5681 eq. 3: about one SMSS per RTT. */
		inc = (uint32_t)c->mss * c->mss / c->cwnd;
		if (inc == 0) {
			inc = 1;
		}
	}
	if (c->cwnd <= 0x7fffffffu - inc) {
		c->cwnd += inc;
	}
}

/* RFC 5681 eq. 4: ssthresh = max(FlightSize / 2, 2 * SMSS). */
static uint32_t
newreno_half_flight(const struct erg_tcp_conn *c)
{
	return ERG_MAX(erg_tcp_in_flight(c) / 2, 2u * c->mss);
}

static void
newreno_on_fast_loss(struct erg_tcp_conn *c)
{
	c->ssthresh = newreno_half_flight(c);
	/* RFC 6582 3.2 step 2: inflate by the three segments that left. */
	c->cwnd = c->ssthresh + 3u * c->mss;
}

static void
newreno_on_partial_ack(struct erg_tcp_conn *c, uint32_t acked)
{
	/* RFC 6582 3.2 step 5: deflate by the amount acknowledged, add
	 * back one SMSS if that was at least one SMSS. */
	c->cwnd = c->cwnd > acked ? c->cwnd - acked : c->mss;
	if (acked >= c->mss) {
		c->cwnd += c->mss;
	}
}

static void
newreno_on_recovery_exit(struct erg_tcp_conn *c)
{
	/* RFC 6582 3.2 step 3, option 1 (with the burst guard). */
	c->cwnd = ERG_MIN(c->ssthresh,
	    ERG_MAX(erg_tcp_in_flight(c), (uint32_t)c->mss) + c->mss);
}

static void
newreno_on_rto(struct erg_tcp_conn *c)
{
	c->ssthresh = newreno_half_flight(c);
	c->cwnd = c->mss; /* RFC 5681 3.1: LW = 1 SMSS */
}

const struct erg_tcp_cc_ops erg_tcp_cc_newreno = {
	.name = "newreno",
	.init = newreno_init,
	.on_ack = newreno_on_ack,
	.on_fast_loss = newreno_on_fast_loss,
	.on_partial_ack = newreno_on_partial_ack,
	.on_recovery_exit = newreno_on_recovery_exit,
	.on_rto = newreno_on_rto,
};
