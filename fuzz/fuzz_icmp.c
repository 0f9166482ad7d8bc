/*
 * fuzz/fuzz_icmp.c: erg_icmp_parse, and the parse -> emit round trip.
 *
 * Input: an ICMP message, the IP payload (its length is the message's).
 * Invariants:
 * - refusals: icmp.truncated exactly below 8 bytes, otherwise
 *   icmp.bad_checksum exactly when the checksum over the whole input
 *   (TESTING.md class 10: the length is the caller's, never a field)
 *   does not verify by a plain RFC 1071 sum;
 * - on success the fields are the wire's and the payload is the rest of
 *   the input, in place;
 * - emitting the repr over a copy of the message reproduces every byte
 *   (the checksum up to its two encodings of zero), and a buffer shorter
 *   than 8 bytes is refused.
 */
#include <string.h>

#include "erg/erg.h"
#include "fuzz.h"

/* A copy of the message to emit into; ICMP rides in one IP datagram. */
static uint8_t copy[ERG_IPV4_MAX_LEN + 1];

static int
ref_cksum_ok(const uint8_t *p, size_t len)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffffu) + (sum >> 16);
	return sum == 0xffffu;
}

int
erg_fuzz_one(const uint8_t *data, size_t len)
{
	struct erg_icmp_repr r;
	struct erg_view payload;
	enum erg_stat why = ERG_STAT_COUNT;
	int rc;

	rc = erg_icmp_parse(&r, &payload, erg_view_make(data, len), &why);
	if (len < ERG_ICMP_HDR_LEN) {
		FUZZ_CHECK(rc == -ERG_ETRUNC);
		FUZZ_CHECK(why == ERG_STAT_ICMP_TRUNCATED);
		return 0;
	}
	if (!ref_cksum_ok(data, len)) {
		FUZZ_CHECK(rc == -ERG_ECHECKSUM);
		FUZZ_CHECK(why == ERG_STAT_ICMP_BAD_CHECKSUM);
		return 0;
	}
	FUZZ_CHECK(rc == 0);
	FUZZ_CHECK(r.type == data[0] && r.code == data[1]);
	FUZZ_CHECK(r.rest == erg_be32(data + 4));
	FUZZ_CHECK(payload.p == data + ERG_ICMP_HDR_LEN);
	FUZZ_CHECK(payload.len == len - ERG_ICMP_HDR_LEN);

	if (len > sizeof(copy) - 1)
		return 0; /* longer than any IP datagram carries */
	memcpy(copy, data, len);
	copy[len] = 0xa5;
	FUZZ_CHECK(
	    erg_icmp_emit(&r, copy, ERG_ICMP_HDR_LEN - 1) == -ERG_EINVAL);
	FUZZ_CHECK(memcmp(copy, data, len) == 0);
	/* Scribble the header: emit must write all of it. */
	memset(copy, 0xa5, ERG_ICMP_HDR_LEN);
	FUZZ_CHECK(erg_icmp_emit(&r, copy, len) == 0);
	FUZZ_CHECK(copy[len] == 0xa5);
	FUZZ_CHECK(ref_cksum_ok(copy, len));
	FUZZ_CHECK(memcmp(copy, data, 2) == 0);
	FUZZ_CHECK(memcmp(copy + 4, data + 4, len - 4) == 0);
	FUZZ_CHECK(fuzz_cksum_same(erg_be16(copy + 2), erg_be16(data + 2)));
	return 0;
}
