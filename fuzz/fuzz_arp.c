/*
 * fuzz/fuzz_arp.c: erg_arp_parse, and the parse -> emit round trip.
 *
 * Input: an ARP packet, the Ethernet payload (trailing padding allowed).
 * Invariants:
 * - a refusal names the right reason, checked field by field against
 *   RFC 826 for IPv4 over Ethernet: arp.truncated below 28 bytes,
 *   arp.bad_format for hardware type != 1, protocol != 0x0800, hardware
 *   length != 6 or protocol length != 4 (TESTING.md class 14),
 *   arp.bad_op for an operation other than request or reply;
 * - on success emitting the repr reproduces the first 28 bytes exactly,
 *   writes nothing past them, and refuses a 27-byte buffer.
 */
#include <string.h>

#include "erg/erg.h"
#include "fuzz.h"

/* The reason RFC 826's fixed fields give for refusing v, if any. */
static int
arp_expected(const uint8_t *p, size_t len, enum erg_stat *why)
{
	uint16_t op;

	if (len < ERG_ARP_LEN) {
		*why = ERG_STAT_ARP_TRUNCATED;
		return -ERG_ETRUNC;
	}
	if (erg_be16(p) != 1 || erg_be16(p + 2) != ERG_ETHERTYPE_IPV4 ||
	    p[4] != 6 || p[5] != 4) {
		*why = ERG_STAT_ARP_BAD_FORMAT;
		return -ERG_EMALFORMED;
	}
	op = erg_be16(p + 6);
	if (op != ERG_ARP_OP_REQUEST && op != ERG_ARP_OP_REPLY) {
		*why = ERG_STAT_ARP_BAD_OP;
		return -ERG_EMALFORMED;
	}
	return 0;
}

int
erg_fuzz_one(const uint8_t *data, size_t len)
{
	struct erg_arp_repr r;
	enum erg_stat why = ERG_STAT_COUNT, want_why = ERG_STAT_COUNT;
	uint8_t out[ERG_ARP_LEN + 1];
	int rc, want;

	want = arp_expected(data, len, &want_why);
	rc = erg_arp_parse(&r, erg_view_make(data, len), &why);
	FUZZ_CHECK(rc == want);
	if (rc < 0) {
		FUZZ_CHECK(why == want_why);
		return 0;
	}
	FUZZ_CHECK(r.op == erg_be16(data + 6));
	FUZZ_CHECK(r.spa == erg_be32(data + 14));
	FUZZ_CHECK(r.tpa == erg_be32(data + 24));

	memset(out, 0xa5, sizeof(out));
	FUZZ_CHECK(erg_arp_emit(&r, out, ERG_ARP_LEN - 1) == -ERG_EINVAL);
	FUZZ_CHECK(out[0] == 0xa5);
	FUZZ_CHECK(erg_arp_emit(&r, out, ERG_ARP_LEN) == (int)ERG_ARP_LEN);
	FUZZ_CHECK(memcmp(out, data, ERG_ARP_LEN) == 0);
	FUZZ_CHECK(out[ERG_ARP_LEN] == 0xa5);
	return 0;
}
