/*
 * src/tcp/tcp_wire.c: the TCP header and its options (RFC 9293 3.1 and
 * 3.2, RFC 7323, RFC 2018).
 *
 * Decisions:
 * - The option walk is bounded by the header: each step consumes 1 byte
 *   (NOP) or the option's length, which must be at least 2 and fit what is
 *   left, so it ends after at most 40 steps (TESTING.md class 7).
 * - A known option with the wrong length is an error (tcp.bad_option),
 *   not skipped: a SACK option whose length is not 2 + 8n, or a truncated
 *   timestamp, is what SACK-Panic-style and option-confusion attacks send
 *   (class 15). SACK block edges are returned as they are: whether they
 *   make sense depends on the connection, which checks them.
 * - A window scale above 14 is clamped to 14 (RFC 7323 2.3: "use 14
 *   instead"), not refused.
 * - The urgent pointer is returned as it is; the connection checks it
 *   against the segment (class 6).
 */
#include "../core/core.h"

/* Option kinds and lengths (IANA "TCP Option Kind Numbers"). */
#define OPT_EOL     0u
#define OPT_NOP     1u
#define OPT_MSS     2u
#define OPT_WS      3u
#define OPT_SACK_OK 4u
#define OPT_SACK    5u
#define OPT_TS      8u

#define OPT_MSS_LEN     4u
#define OPT_WS_LEN      3u
#define OPT_SACK_OK_LEN 2u
#define OPT_TS_LEN      10u

/* Parses one known option of length olen at p (p[1] == olen). */
static bool
tcp_option(struct erg_tcp_repr *r, const uint8_t *p, uint8_t olen)
{
	size_t i;

	switch (p[0]) {
	case OPT_MSS:
		if (olen != OPT_MSS_LEN) {
			return false;
		}
		r->mss = erg_be16(p + 2);
		break;
	case OPT_WS:
		if (olen != OPT_WS_LEN) {
			return false;
		}
		r->wscale_ok = true;
		r->wscale = (uint8_t)ERG_MIN(p[2], ERG_TCP_WSCALE_MAX);
		break;
	case OPT_SACK_OK:
		if (olen != OPT_SACK_OK_LEN) {
			return false;
		}
		r->sack_ok = true;
		break;
	case OPT_TS:
		if (olen != OPT_TS_LEN) {
			return false;
		}
		r->ts_ok = true;
		r->ts_val = erg_be32(p + 2);
		r->ts_ecr = erg_be32(p + 6);
		break;
	case OPT_SACK:
		/* 2 + 8n bytes, n from 1 to 4 (RFC 2018 section 3). */
		if (olen < 10 || (olen - 2u) % 8u != 0 ||
		    (olen - 2u) / 8u > ERG_TCP_SACK_MAX) {
			return false;
		}
		/* A repeated SACK replaces the earlier one entirely. */
		memset(r->sack, 0, sizeof(r->sack));
		r->sack_n = (uint8_t)((olen - 2u) / 8u);
		for (i = 0; i < r->sack_n; i++) {
			r->sack[i].left = erg_be32(p + 2 + 8 * i);
			r->sack[i].right = erg_be32(p + 6 + 8 * i);
		}
		break;
	default:
		break; /* unknown: skipped */
	}
	return true;
}

static bool
tcp_options(struct erg_tcp_repr *r, const uint8_t *p, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint8_t olen;

		if (p[i] == OPT_EOL) {
			break;
		}
		if (p[i] == OPT_NOP) {
			i++;
			continue;
		}
		if (len - i < 2) {
			return false;
		}
		olen = p[i + 1];
		if (olen < 2 || olen > len - i || !tcp_option(r, p + i, olen)) {
			return false;
		}
		i += olen;
	}
	return true;
}

int
erg_tcp_parse(struct erg_tcp_repr *r, struct erg_view *payload,
    struct erg_view v, uint32_t src, uint32_t dst, enum erg_stat *why)
{
	enum erg_stat reason;
	struct erg_cksum c;
	size_t hlen;
	int rc = -ERG_EMALFORMED;

	if (v.len < ERG_TCP_HDR_LEN) {
		reason = ERG_STAT_TCP_TRUNCATED;
		rc = -ERG_ETRUNC;
		goto bad;
	}
	hlen = (size_t)(v.p[12] >> 4) * 4;
	if (hlen < ERG_TCP_HDR_LEN) {
		reason = ERG_STAT_TCP_BAD_OFFSET;
		goto bad;
	}
	if (hlen > v.len) {
		reason = ERG_STAT_TCP_TRUNCATED;
		rc = -ERG_ETRUNC;
		goto bad;
	}
	/* The segment length comes from IP, which checked it (class 10). */
	if (v.len > ERG_IPV4_MAX_LEN) {
		reason = ERG_STAT_TCP_TRUNCATED;
		goto bad;
	}
	/* Header inline (hlen is a multiple of 4), the payload through
	 * erg_cksum_add: a pure ACK makes no call. */
	erg_cksum_init(&c);
	erg_cksum_add(&c, v.p + hlen, v.len - hlen);
	if (erg_cksum_fold(c.sum +
	        erg_cksum_pseudo_sum(src, dst, ERG_IP_PROTO_TCP,
	            (uint16_t)v.len) +
	        erg_cksum_hdr_sum(v.p, hlen)) != 0) {
		reason = ERG_STAT_TCP_BAD_CHECKSUM;
		rc = -ERG_ECHECKSUM;
		goto bad;
	}
	memset(r, 0, sizeof(*r));
	/*
	 * Past the handshake almost every segment carries exactly NOP NOP
	 * TS (RFC 7323 appendix A's layout, which Linux and erg send): read
	 * it in place, as header prediction does, without the walk, whose
	 * result it is.
	 */
	if (hlen == ERG_TCP_HDR_LEN + 12u && v.p[20] == OPT_NOP &&
	    v.p[21] == OPT_NOP && v.p[22] == OPT_TS && v.p[23] == OPT_TS_LEN) {
		r->ts_ok = true;
		r->ts_val = erg_be32(v.p + 24);
		r->ts_ecr = erg_be32(v.p + 28);
	} else if (!tcp_options(r, v.p + ERG_TCP_HDR_LEN,
	               hlen - ERG_TCP_HDR_LEN)) {
		reason = ERG_STAT_TCP_BAD_OPTION;
		goto bad;
	}
	r->src_port = erg_be16(v.p);
	r->dst_port = erg_be16(v.p + 2);
	r->seq = erg_be32(v.p + 4);
	r->ack = erg_be32(v.p + 8);
	r->flags = v.p[13];
	r->window = erg_be16(v.p + 14);
	r->urgent = erg_be16(v.p + 18);
	r->hdr_len = (uint8_t)hlen;
	*payload = erg_view_make(v.p + hlen, v.len - hlen);
	return 0;
bad:
	if (why != NULL) {
		*why = reason;
	}
	return rc;
}

/* Options length before padding, or SIZE_MAX if r asks for nonsense. */
static size_t
tcp_options_len(const struct erg_tcp_repr *r)
{
	size_t n = 0;

	if (r->sack_n > ERG_TCP_SACK_MAX) {
		return SIZE_MAX;
	}
	if (r->mss != 0) {
		n += OPT_MSS_LEN;
	}
	if (r->sack_ok || r->ts_ok) {
		/* SACKOK + TS, or NOP NOP + TS, or NOP NOP + SACKOK. */
		n += r->ts_ok ? 12 : 4;
	}
	if (r->wscale_ok) {
		n += 4; /* NOP + WS */
	}
	if (r->sack_n > 0) {
		n += 4 + 8u * r->sack_n; /* NOP NOP + SACK */
	}
	return n;
}

size_t
erg_tcp_hdr_len(const struct erg_tcp_repr *r)
{
	size_t n = tcp_options_len(r);

	return n > ERG_TCP_HDR_MAX - ERG_TCP_HDR_LEN ? 0 : ERG_TCP_HDR_LEN + n;
}

/* Writes the options; every group is already a multiple of 4 bytes. */
static void
tcp_options_emit(const struct erg_tcp_repr *r, uint8_t *p)
{
	size_t i;

	if (r->mss != 0) {
		p[0] = OPT_MSS;
		p[1] = OPT_MSS_LEN;
		erg_put_be16(p + 2, r->mss);
		p += OPT_MSS_LEN;
	}
	if (r->sack_ok && r->ts_ok) {
		p[0] = OPT_SACK_OK;
		p[1] = OPT_SACK_OK_LEN;
		p += 2;
	} else if (r->sack_ok || r->ts_ok) {
		p[0] = OPT_NOP;
		p[1] = OPT_NOP;
		p += 2;
		if (r->sack_ok) {
			p[0] = OPT_SACK_OK;
			p[1] = OPT_SACK_OK_LEN;
			p += 2;
		}
	}
	if (r->ts_ok) {
		p[0] = OPT_TS;
		p[1] = OPT_TS_LEN;
		erg_put_be32(p + 2, r->ts_val);
		erg_put_be32(p + 6, r->ts_ecr);
		p += OPT_TS_LEN;
	}
	if (r->wscale_ok) {
		p[0] = OPT_NOP;
		p[1] = OPT_WS;
		p[2] = OPT_WS_LEN;
		p[3] = (uint8_t)ERG_MIN(r->wscale, ERG_TCP_WSCALE_MAX);
		p += 4;
	}
	if (r->sack_n > 0) {
		p[0] = OPT_NOP;
		p[1] = OPT_NOP;
		p[2] = OPT_SACK;
		p[3] = (uint8_t)(2 + 8 * r->sack_n);
		for (i = 0; i < r->sack_n; i++) {
			erg_put_be32(p + 4 + 8 * i, r->sack[i].left);
			erg_put_be32(p + 8 + 8 * i, r->sack[i].right);
		}
	}
}

int
erg_tcp_emit(const struct erg_tcp_repr *r, uint32_t src, uint32_t dst,
    const struct erg_view *payload, unsigned n, uint8_t *buf, size_t len)
{
	size_t hlen = erg_tcp_hdr_len(r), total;
	struct erg_cksum c;
	size_t i;

	if (hlen == 0 || len < hlen) {
		return -ERG_EINVAL;
	}
	total = hlen;
	for (i = 0; i < n; i++) {
		total += payload[i].len;
	}
	if (total > ERG_IPV4_MAX_LEN - ERG_IPV4_HDR_LEN) {
		return -ERG_EINVAL;
	}
	erg_put_be16(buf, r->src_port);
	erg_put_be16(buf + 2, r->dst_port);
	erg_put_be32(buf + 4, r->seq);
	erg_put_be32(buf + 8, r->ack);
	buf[12] = (uint8_t)((hlen / 4) << 4);
	buf[13] = r->flags;
	erg_put_be16(buf + 14, r->window);
	erg_put_be16(buf + 16, 0);
	erg_put_be16(buf + 18, r->urgent);
	tcp_options_emit(r, buf + ERG_TCP_HDR_LEN);
	erg_cksum_init(&c);
	for (i = 0; i < n; i++) {
		erg_cksum_add(&c, payload[i].p, payload[i].len);
	}
	/* The header's hlen is a multiple of 4: summed inline. */
	erg_put_be16(buf + 16,
	    erg_cksum_fold(c.sum +
	        erg_cksum_pseudo_sum(src, dst, ERG_IP_PROTO_TCP,
	            (uint16_t)total) +
	        erg_cksum_hdr_sum(buf, hlen)));
	return (int)hlen;
}
