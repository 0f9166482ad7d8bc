/*
 * src/ipv4/ipv4_wire.c: the IPv4 header (RFC 791 section 3.1).
 */
#include "ipv4_layer.h"

/* Option types (RFC 791 3.1; IANA "IP Option Numbers"). */
#define IPOPT_EOL  0u
#define IPOPT_NOP  1u
#define IPOPT_RR   7u   /* record route */
#define IPOPT_TS   68u  /* timestamp */
#define IPOPT_LSRR 131u /* loose source route */
#define IPOPT_SSRR 137u /* strict source route */

/* Flag bits of the 16-bit flags/fragment-offset word. */
#define IP_DF      0x4000u
#define IP_MF      0x2000u
#define IP_OFFMASK 0x1fffu

/*
 * Walks the options in [p, p + len), len <= 40. Each step either ends
 * (EOL), advances by 1 (NOP) or by the option's length, which must be at
 * least 2 and fit what is left, so the walk ends after at most len steps.
 * Route-recording options also need a pointer inside the option (RFC 791:
 * pointer >= 4, and their route data a whole number of addresses).
 * Source routes are refused: a host that is not a router does not honour
 * them, and they are a classic attack vector (ipv4.src_route).
 */
static int
ipv4_check_options(const uint8_t *p, size_t len, enum erg_stat *why)
{
	size_t i = 0;

	while (i < len) {
		uint8_t type = p[i];
		uint8_t olen;

		if (type == IPOPT_EOL) {
			break;
		}
		if (type == IPOPT_NOP) {
			i++;
			continue;
		}
		if (len - i < 2) {
			goto bad;
		}
		olen = p[i + 1];
		if (olen < 2 || olen > len - i) {
			goto bad;
		}
		switch (type) {
		case IPOPT_LSRR:
		case IPOPT_SSRR:
			if (olen < 3 || p[i + 2] < 4 || (olen - 3) % 4 != 0) {
				goto bad;
			}
			*why = ERG_STAT_IPV4_SRC_ROUTE;
			return -ERG_EUNSUPPORTED;
		case IPOPT_RR:
			if (olen < 3 || p[i + 2] < 4 || (olen - 3) % 4 != 0) {
				goto bad;
			}
			break;
		case IPOPT_TS:
			if (olen < 4 || p[i + 2] < 5) {
				goto bad;
			}
			break;
		default:
			break;
		}
		i += olen;
	}
	return 0;
bad:
	*why = ERG_STAT_IPV4_BAD_OPTION;
	return -ERG_EMALFORMED;
}

int
erg_ipv4_parse(struct erg_ipv4_repr *r, struct erg_view *payload,
    struct erg_view v, enum erg_stat *why)
{
	enum erg_stat reason;
	size_t hlen, tlen;
	uint16_t frag;
	int rc = -ERG_EMALFORMED;

	if (v.len < ERG_IPV4_HDR_LEN) {
		reason = ERG_STAT_IPV4_TRUNCATED;
		rc = -ERG_ETRUNC;
		goto bad;
	}
	if ((v.p[0] >> 4) != 4) {
		reason = ERG_STAT_IPV4_BAD_VERSION;
		goto bad;
	}
	hlen = (size_t)(v.p[0] & 0x0f) * 4;
	if (hlen < ERG_IPV4_HDR_LEN) {
		reason = ERG_STAT_IPV4_BAD_HLEN;
		goto bad;
	}
	if (hlen > v.len) {
		reason = ERG_STAT_IPV4_TRUNCATED;
		rc = -ERG_ETRUNC;
		goto bad;
	}
	/* The checksum covers exactly hlen bytes, already known present
	 * (a multiple of 4: the inline header sum applies). */
	if (erg_cksum_fold(erg_cksum_hdr_sum(v.p, hlen)) != 0) {
		reason = ERG_STAT_IPV4_BAD_CHECKSUM;
		rc = -ERG_ECHECKSUM;
		goto bad;
	}
	tlen = erg_be16(v.p + 2);
	if (tlen < hlen) {
		reason = ERG_STAT_IPV4_BAD_LEN;
		goto bad;
	}
	if (tlen > v.len) {
		reason = ERG_STAT_IPV4_TRUNCATED;
		rc = -ERG_ETRUNC;
		goto bad;
	}
	if (hlen > ERG_IPV4_HDR_LEN) {
		rc = ipv4_check_options(v.p + ERG_IPV4_HDR_LEN,
		    hlen - ERG_IPV4_HDR_LEN, &reason);
		if (rc < 0) {
			goto bad;
		}
	}
	frag = erg_be16(v.p + 6);
	r->hdr_len = (uint8_t)hlen;
	r->tos = v.p[1];
	r->total_len = (uint16_t)tlen;
	r->id = erg_be16(v.p + 4);
	r->df = (frag & IP_DF) != 0;
	r->mf = (frag & IP_MF) != 0;
	r->frag_off = (uint16_t)((frag & IP_OFFMASK) * 8u);
	r->ttl = v.p[8];
	r->proto = v.p[9];
	r->src = erg_be32(v.p + 12);
	r->dst = erg_be32(v.p + 16);
	*payload = erg_view_make(v.p + hlen, tlen - hlen);
	return 0;
bad:
	if (why != NULL) {
		*why = reason;
	}
	return rc;
}

int
erg_ipv4_emit(const struct erg_ipv4_repr *r, uint8_t *buf, size_t len)
{
	uint16_t frag;

	if (len < ERG_IPV4_HDR_LEN || r->total_len < ERG_IPV4_HDR_LEN ||
	    (r->frag_off & 7) != 0) {
		return -ERG_EINVAL;
	}
	frag = (uint16_t)(r->frag_off / 8u);
	if (r->df) {
		frag |= IP_DF;
	}
	if (r->mf) {
		frag |= IP_MF;
	}
	buf[0] = 0x45;
	buf[1] = r->tos;
	erg_put_be16(buf + 2, r->total_len);
	erg_put_be16(buf + 4, r->id);
	erg_put_be16(buf + 6, frag);
	buf[8] = r->ttl;
	buf[9] = r->proto;
	buf[10] = 0;
	buf[11] = 0;
	erg_put_be32(buf + 12, r->src);
	erg_put_be32(buf + 16, r->dst);
	erg_put_be16(buf + 10,
	    erg_cksum_fold(erg_cksum_hdr_sum(buf, ERG_IPV4_HDR_LEN)));
	return (int)ERG_IPV4_HDR_LEN;
}
