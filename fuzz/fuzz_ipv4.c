/*
 * fuzz/fuzz_ipv4.c: erg_ipv4_parse against a reference model, and the
 * parse -> emit round trip.
 *
 * Input: an IPv4 datagram, the Ethernet payload (link padding allowed).
 * Invariants:
 * - parse agrees with a second, independently written check of the rules
 *   in include/erg/ipv4.h and src/ipv4/ipv4_wire.c, in the documented
 *   order, on both the return code and the counter it names (TESTING.md
 *   classes 8, 10, 20 and 21 all end up in one of these branches);
 * - on success: 20 <= hdr_len <= 60, hdr_len is the IHL, total_len is
 *   between hdr_len and the input length, the payload is inside the input
 *   right after the header and exactly total_len - hdr_len long, and the
 *   fragment offset is a multiple of 8;
 * - for an option-free header, emitting the repr reproduces the 20 bytes
 *   (the reserved flag bit, which parse ignores, aside) with a valid
 *   checksum, writing nothing past them;
 * - for any accepted header, the emitted option-free header followed by
 *   the payload parses back to the same fields.
 */
#include <string.h>

#include "erg/erg.h"
#include "fuzz.h"

/* Option types (RFC 791 3.1). */
#define OPT_EOL  0u
#define OPT_NOP  1u
#define OPT_RR   7u
#define OPT_TS   68u
#define OPT_LSRR 131u
#define OPT_SSRR 137u

/* Room for an emitted header plus the largest payload. */
static uint8_t reemit[ERG_IPV4_HDR_LEN + ERG_IPV4_MAX_LEN];

/* RFC 1071 section 4.1, the plain way: the sum of the 16-bit words. */
static int
ref_cksum_ok(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffffu) + (sum >> 16);
	return sum == 0xffffu;
}

/*
 * The option rules, walked with a cursor over what is left. Returns 0,
 * or the error with *why set.
 */
static int
ref_options(const uint8_t *p, size_t left, enum erg_stat *why)
{
	while (left > 0) {
		size_t olen;

		if (p[0] == OPT_EOL)
			return 0;
		if (p[0] == OPT_NOP) {
			p++;
			left--;
			continue;
		}
		/* Every other option has a length byte, counting itself. */
		if (left < 2 || p[1] < 2 || p[1] > left)
			goto bad;
		olen = p[1];
		if (p[0] == OPT_RR || p[0] == OPT_LSRR || p[0] == OPT_SSRR) {
			/* Type, length, pointer, then whole addresses. */
			if (olen < 3 || p[2] < 4 || (olen - 3) % 4 != 0)
				goto bad;
			if (p[0] != OPT_RR) {
				*why = ERG_STAT_IPV4_SRC_ROUTE;
				return -ERG_EUNSUPPORTED;
			}
		} else if (p[0] == OPT_TS) {
			/* Type, length, pointer, overflow/flags. */
			if (olen < 4 || p[2] < 5)
				goto bad;
		}
		p += olen;
		left -= olen;
	}
	return 0;
bad:
	*why = ERG_STAT_IPV4_BAD_OPTION;
	return -ERG_EMALFORMED;
}

/* The documented checks, in the documented order. */
static int
ref_parse(const uint8_t *p, size_t len, enum erg_stat *why)
{
	size_t hlen, tlen;

	if (len < 20) {
		*why = ERG_STAT_IPV4_TRUNCATED;
		return -ERG_ETRUNC;
	}
	if (p[0] >> 4 != 4) {
		*why = ERG_STAT_IPV4_BAD_VERSION;
		return -ERG_EMALFORMED;
	}
	hlen = (size_t)(p[0] & 15) * 4;
	if (hlen < 20) {
		*why = ERG_STAT_IPV4_BAD_HLEN;
		return -ERG_EMALFORMED;
	}
	if (hlen > len) {
		*why = ERG_STAT_IPV4_TRUNCATED;
		return -ERG_ETRUNC;
	}
	if (!ref_cksum_ok(p, hlen)) {
		*why = ERG_STAT_IPV4_BAD_CHECKSUM;
		return -ERG_ECHECKSUM;
	}
	tlen = (size_t)p[2] << 8 | p[3];
	if (tlen < hlen) {
		*why = ERG_STAT_IPV4_BAD_LEN;
		return -ERG_EMALFORMED;
	}
	if (tlen > len) {
		*why = ERG_STAT_IPV4_TRUNCATED;
		return -ERG_ETRUNC;
	}
	return ref_options(p + 20, hlen - 20, why);
}

static void
check_repr(const struct erg_ipv4_repr *r, const uint8_t *p)
{
	uint16_t frag = erg_be16(p + 6);

	FUZZ_CHECK(r->tos == p[1]);
	FUZZ_CHECK(r->id == erg_be16(p + 4));
	FUZZ_CHECK(r->df == ((frag & 0x4000u) != 0));
	FUZZ_CHECK(r->mf == ((frag & 0x2000u) != 0));
	FUZZ_CHECK(r->frag_off == (frag & 0x1fffu) * 8u);
	FUZZ_CHECK(r->ttl == p[8]);
	FUZZ_CHECK(r->proto == p[9]);
	FUZZ_CHECK(r->src == erg_be32(p + 12));
	FUZZ_CHECK(r->dst == erg_be32(p + 16));
}

/* Option-free header: emit gives back the very bytes. */
static void
check_emit_same(const struct erg_ipv4_repr *r, const uint8_t *p)
{
	uint8_t out[ERG_IPV4_HDR_LEN + 1];
	uint8_t want[ERG_IPV4_HDR_LEN];
	bool evil = (p[6] & 0x80) != 0;

	memcpy(want, p, sizeof(want));
	/* The reserved bit is ignored on input, never sent (RFC 791). */
	want[6] &= 0x7f;
	memset(out, 0xa5, sizeof(out));
	FUZZ_CHECK(erg_ipv4_emit(r, out, ERG_IPV4_HDR_LEN - 1) == -ERG_EINVAL);
	FUZZ_CHECK(out[0] == 0xa5);
	FUZZ_CHECK(
	    erg_ipv4_emit(r, out, ERG_IPV4_HDR_LEN) == (int)ERG_IPV4_HDR_LEN);
	FUZZ_CHECK(out[ERG_IPV4_HDR_LEN] == 0xa5);
	FUZZ_CHECK(ref_cksum_ok(out, ERG_IPV4_HDR_LEN));
	FUZZ_CHECK(memcmp(out, want, 10) == 0);
	FUZZ_CHECK(memcmp(out + 12, want + 12, 8) == 0);
	if (!evil)
		FUZZ_CHECK(
		    fuzz_cksum_same(erg_be16(out + 10), erg_be16(p + 10)));
}

/* Any accepted header: re-emitted without options, it parses the same. */
static void
check_reparse(const struct erg_ipv4_repr *r, struct erg_view payload)
{
	struct erg_ipv4_repr r2, back;
	struct erg_view pl2;
	size_t n = ERG_IPV4_HDR_LEN + payload.len;
	int rc;

	if (n > ERG_IPV4_MAX_LEN)
		return; /* options made room that 20 bytes do not need */
	r2 = *r;
	r2.total_len = (uint16_t)n;
	FUZZ_CHECK(erg_ipv4_emit(&r2, reemit, ERG_IPV4_HDR_LEN) ==
	    (int)ERG_IPV4_HDR_LEN);
	memcpy(reemit + ERG_IPV4_HDR_LEN, payload.p, payload.len);
	rc = erg_ipv4_parse(&back, &pl2, erg_view_make(reemit, n), NULL);
	FUZZ_CHECK(rc == 0);
	FUZZ_CHECK(back.hdr_len == ERG_IPV4_HDR_LEN);
	FUZZ_CHECK(back.total_len == n);
	FUZZ_CHECK(back.src == r->src && back.dst == r->dst);
	FUZZ_CHECK(back.id == r->id && back.proto == r->proto);
	FUZZ_CHECK(back.ttl == r->ttl && back.tos == r->tos);
	FUZZ_CHECK(back.df == r->df && back.mf == r->mf);
	FUZZ_CHECK(back.frag_off == r->frag_off);
	FUZZ_CHECK(pl2.len == payload.len);
	FUZZ_CHECK(memcmp(pl2.p, payload.p, payload.len) == 0);
}

int
erg_fuzz_one(const uint8_t *data, size_t len)
{
	struct erg_ipv4_repr r;
	struct erg_view payload;
	enum erg_stat why = ERG_STAT_COUNT, want_why = ERG_STAT_COUNT;
	int rc, want;

	want = ref_parse(data, len, &want_why);
	rc = erg_ipv4_parse(&r, &payload, erg_view_make(data, len), &why);
	FUZZ_CHECK(rc == want);
	if (rc < 0) {
		FUZZ_CHECK(why == want_why);
		return 0;
	}
	FUZZ_CHECK(r.hdr_len >= ERG_IPV4_HDR_LEN);
	FUZZ_CHECK(r.hdr_len <= ERG_IPV4_HDR_MAX);
	FUZZ_CHECK(r.hdr_len == (data[0] & 15) * 4);
	FUZZ_CHECK(r.total_len >= r.hdr_len);
	FUZZ_CHECK(r.total_len <= len);
	FUZZ_CHECK(r.total_len == erg_be16(data + 2));
	FUZZ_CHECK(payload.p == data + r.hdr_len);
	FUZZ_CHECK(payload.len == (size_t)r.total_len - r.hdr_len);
	FUZZ_CHECK((r.frag_off & 7) == 0);
	check_repr(&r, data);
	if (r.hdr_len == ERG_IPV4_HDR_LEN)
		check_emit_same(&r, data);
	check_reparse(&r, payload);
	return 0;
}
