/*
 * fuzz/fuzz_udp.c: erg_udp_parse, and the parse -> emit round trip.
 *
 * Input: a UDP datagram, the IP payload, as sent from 198.18.0.1 to
 * 198.18.0.2 (the hosts of tests/vectors, so real captures verify).
 * Invariants:
 * - refusals: udp.truncated exactly below 8 bytes; udp.bad_len exactly
 *   when the length field is below 8 or beyond the input (TESTING.md
 *   classes 8 and 21); udp.bad_checksum exactly when a non-zero checksum
 *   does not verify over the pseudo-header and the length field's bytes,
 *   not the input's (class 10), by a plain RFC 1071 sum;
 * - on success the payload is in place, right after the header, exactly
 *   length - 8 bytes long;
 * - emitting the repr reproduces the 8 header bytes exactly when the
 *   datagram carried a checksum (a verified checksum has one encoding
 *   here: the pseudo-header is never all zero), and a valid checksum
 *   when it did not; the payload given as two views split at an odd
 *   offset gives the same header (RFC 1071 section 2(B)).
 */
#include <string.h>

#include "erg/erg.h"
#include "fuzz.h"

#define SRC ERG_IPV4(198, 18, 0, 1)
#define DST ERG_IPV4(198, 18, 0, 2)

static uint64_t
ref_sum(const uint8_t *p, size_t len)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

/* True if hdr + payload (ulen bytes in all) verify with the pseudo-header. */
static int
ref_cksum_ok(const uint8_t *hdr, const uint8_t *payload, size_t ulen)
{
	uint64_t sum;

	sum = (SRC >> 16) + (SRC & 0xffffu) + (DST >> 16) + (DST & 0xffffu) +
	    ERG_IP_PROTO_UDP + ulen;
	sum += ref_sum(hdr, ERG_UDP_HDR_LEN);
	sum += ref_sum(payload, ulen - ERG_UDP_HDR_LEN);
	while (sum >> 16)
		sum = (sum & 0xffffu) + (sum >> 16);
	return sum == 0xffffu;
}

int
erg_fuzz_one(const uint8_t *data, size_t len)
{
	struct erg_udp_repr r;
	struct erg_view payload, two[2];
	enum erg_stat why = ERG_STAT_COUNT;
	uint8_t hdr[ERG_UDP_HDR_LEN + 1], hdr2[ERG_UDP_HDR_LEN];
	uint16_t ulen, ck;
	size_t cut;
	int rc;

	rc = erg_udp_parse(&r, &payload, erg_view_make(data, len), SRC, DST,
	    &why);
	if (len < ERG_UDP_HDR_LEN) {
		FUZZ_CHECK(rc == -ERG_ETRUNC);
		FUZZ_CHECK(why == ERG_STAT_UDP_TRUNCATED);
		return 0;
	}
	ulen = erg_be16(data + 4);
	ck = erg_be16(data + 6);
	if (ulen < ERG_UDP_HDR_LEN || ulen > len) {
		FUZZ_CHECK(rc == -ERG_EMALFORMED);
		FUZZ_CHECK(why == ERG_STAT_UDP_BAD_LEN);
		return 0;
	}
	if (ck != 0 && !ref_cksum_ok(data, data + ERG_UDP_HDR_LEN, ulen)) {
		FUZZ_CHECK(rc == -ERG_ECHECKSUM);
		FUZZ_CHECK(why == ERG_STAT_UDP_BAD_CHECKSUM);
		return 0;
	}
	FUZZ_CHECK(rc == 0);
	FUZZ_CHECK(r.src_port == erg_be16(data));
	FUZZ_CHECK(r.dst_port == erg_be16(data + 2));
	FUZZ_CHECK(r.len == ulen && r.checksum == ck);
	FUZZ_CHECK(payload.p == data + ERG_UDP_HDR_LEN);
	FUZZ_CHECK(payload.len == (size_t)ulen - ERG_UDP_HDR_LEN);

	memset(hdr, 0xa5, sizeof(hdr));
	erg_udp_emit(&r, SRC, DST, &payload, 1, hdr);
	FUZZ_CHECK(hdr[ERG_UDP_HDR_LEN] == 0xa5);
	FUZZ_CHECK(memcmp(hdr, data, 6) == 0);
	FUZZ_CHECK(erg_be16(hdr + 6) != 0);
	FUZZ_CHECK(ref_cksum_ok(hdr, payload.p, ulen));
	if (ck != 0)
		FUZZ_CHECK(memcmp(hdr, data, ERG_UDP_HDR_LEN) == 0);

	/* The same payload in two pieces, the second at an odd offset. */
	cut = payload.len / 2 | 1;
	if (cut > payload.len)
		cut = payload.len;
	two[0] = erg_view_make(payload.p, cut);
	two[1] = erg_view_make(payload.p + cut, payload.len - cut);
	erg_udp_emit(&r, SRC, DST, two, 2, hdr2);
	FUZZ_CHECK(memcmp(hdr, hdr2, ERG_UDP_HDR_LEN) == 0);
	return 0;
}
