/*
 * src/tcp/tcp_cookie.c: SYN cookies (RFC 4987 3.6).
 *
 * When a listener's SYN queue is full, the SYN-ACK's sequence number
 * carries the connection's state instead of a queue entry:
 *
 *   bits 31..27  t, a 64-second counter (mod 32)
 *   bits 26..24  an index into the MSS table below
 *   bits 23..0   SipHash of (4-tuple, peer's ISN, t, MSS index, options)
 *                under the stack's secret
 *
 * The options the SYN offered (window scale, SACK-permitted) ride in the
 * low 5 bits of our timestamp, which the peer echoes (as Linux does);
 * they are part of the hash, so a forged echo is caught. Without
 * timestamps the connection goes without scaling and SACK. A cookie is
 * good for two periods (64 to 128 seconds).
 */
#include "tcp_int.h"

#define COOKIE_PERIOD_SHIFT 6 /* 64 s */
#define COOKIE_MAX_AGE      1u

static const uint16_t tcp_cookie_mss[8] = {
	536,
	1024,
	1220,
	1360,
	1440,
	1460,
	4312,
	8960,
};

static uint32_t
tcp_cookie_hash(struct erg_stack *s, const struct erg_tcp_seg *g,
    uint32_t peer_isn, uint32_t t, uint32_t idx, uint32_t opts)
{
	uint8_t k[22];

	/* The segment came from the peer: its dst is our address. */
	erg_put_be32(k, g->dst);
	erg_put_be32(k + 4, g->src);
	erg_put_be16(k + 8, g->r.dst_port);
	erg_put_be16(k + 10, g->r.src_port);
	erg_put_be32(k + 12, peer_isn);
	erg_put_be32(k + 16, t);
	k[20] = (uint8_t)idx;
	k[21] = (uint8_t)opts;
	return (uint32_t)erg_prf(s, k, sizeof(k)) & 0xffffffu;
}

static uint32_t
tcp_cookie_period(const struct erg_stack *s)
{
	return (uint32_t)((s->now / 1000000u) >> COOKIE_PERIOD_SHIFT);
}

uint32_t
erg_tcp_cookie_make(struct erg_stack *s, const struct erg_tcp_seg *g,
    uint16_t mss, uint32_t opts)
{
	uint32_t t = tcp_cookie_period(s), idx = 0, i;

	for (i = 0; i < 8; i++) {
		if (tcp_cookie_mss[i] <= mss) {
			idx = i;
		}
	}
	return (t & 31u) << 27 | idx << 24 |
	    tcp_cookie_hash(s, g, g->r.seq, t, idx, opts);
}

bool
erg_tcp_cookie_check(struct erg_stack *s, const struct erg_tcp_seg *g,
    uint32_t opts, uint16_t *mss)
{
	uint32_t cookie = g->r.ack - 1, peer_isn = g->r.seq - 1;
	uint32_t now = tcp_cookie_period(s), age, t, idx;

	age = (now - (cookie >> 27)) & 31u;
	if (age > COOKIE_MAX_AGE) {
		return false;
	}
	t = now - age;
	idx = (cookie >> 24) & 7u;
	if (tcp_cookie_hash(s, g, peer_isn, t, idx, opts) !=
	    (cookie & 0xffffffu)) {
		return false;
	}
	*mss = tcp_cookie_mss[idx];
	return true;
}
