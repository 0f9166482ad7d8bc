/*
 * fuzz/fuzz_ether.c: erg_ether_parse, and the parse -> emit round trip.
 *
 * Input: one Ethernet II frame (no FCS), any length.
 * Invariants:
 * - a refusal names the right reason: ether.runt exactly when the frame
 *   is shorter than 14 bytes, ether.unknown_type exactly when the type
 *   field is an IEEE 802.3 length (< 0x0600);
 * - on success the payload is the rest of the input, in place;
 * - emitting the repr reproduces the 14 header bytes exactly, writes
 *   nothing past them, and refuses a 13-byte buffer.
 */
#include <string.h>

#include "erg/erg.h"
#include "fuzz.h"

int
erg_fuzz_one(const uint8_t *data, size_t len)
{
	struct erg_ether_repr r;
	struct erg_view payload;
	enum erg_stat why = ERG_STAT_COUNT;
	uint8_t out[ERG_ETHER_HDR_LEN + 1];
	int rc;

	rc = erg_ether_parse(&r, &payload, erg_view_make(data, len), &why);
	if (rc < 0) {
		if (len < ERG_ETHER_HDR_LEN) {
			FUZZ_CHECK(rc == -ERG_ETRUNC);
			FUZZ_CHECK(why == ERG_STAT_ETHER_RUNT);
		} else {
			FUZZ_CHECK(rc == -ERG_EUNSUPPORTED);
			FUZZ_CHECK(why == ERG_STAT_ETHER_UNKNOWN_TYPE);
			FUZZ_CHECK(erg_be16(data + 12) < 0x0600);
		}
		return 0;
	}
	FUZZ_CHECK(rc == 0);
	FUZZ_CHECK(len >= ERG_ETHER_HDR_LEN);
	FUZZ_CHECK(payload.p == data + ERG_ETHER_HDR_LEN);
	FUZZ_CHECK(payload.len == len - ERG_ETHER_HDR_LEN);
	FUZZ_CHECK(r.type >= 0x0600);

	/* 0xA5 fill: a byte emit forgot to write would show. */
	memset(out, 0xa5, sizeof(out));
	FUZZ_CHECK(
	    erg_ether_emit(&r, out, ERG_ETHER_HDR_LEN - 1) == -ERG_EINVAL);
	FUZZ_CHECK(out[0] == 0xa5);
	FUZZ_CHECK(erg_ether_emit(&r, out, ERG_ETHER_HDR_LEN) ==
	    (int)ERG_ETHER_HDR_LEN);
	FUZZ_CHECK(memcmp(out, data, ERG_ETHER_HDR_LEN) == 0);
	FUZZ_CHECK(out[ERG_ETHER_HDR_LEN] == 0xa5);
	return 0;
}
