/*
 * fuzz/fuzz_tcp.c: erg_tcp_parse, and the parse -> emit -> parse round trip.
 *
 * Input: a TCP segment, the IP payload, as sent from 198.18.0.1 to
 * 198.18.0.2 (the hosts of tests/vectors, so real captures verify).
 *
 * Random mutations almost never keep the checksum right, and a segment
 * that fails it never reaches the option walk. So when the input's
 * first byte (the source port's high byte) is even and the checksum
 * field is present, the harness parses a copy with the correct checksum
 * written in; odd inputs are parsed as they are, which keeps the
 * checksum check itself under test. The checks below then apply to the
 * bytes parsed.
 *
 * Invariants:
 * - refusals: tcp.truncated (-ERG_ETRUNC) exactly below 20 bytes or when
 *   the data offset points past the input (TESTING.md class 8);
 *   tcp.bad_offset exactly when the offset is below 5; tcp.bad_checksum
 *   exactly when a plain RFC 1071 sum over the pseudo-header and the
 *   input does not verify (class 10); otherwise only tcp.bad_option
 *   (classes 7 and 15);
 * - on success the fixed fields are the input's, hdr_len is the data
 *   offset (20..60), the payload is the rest of the input, in place,
 *   sack_n <= 4 and wscale <= 14;
 * - emitting the repr gives a header whose parse (with the same payload)
 *   has the same fields: options may be re-encoded (other padding, order,
 *   no unknown options), so the reprs are compared, not the bytes; and
 *   emit writes exactly erg_tcp_hdr_len bytes.
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

/* The folded RFC 1071 sum over the pseudo-header and p. */
static uint16_t
ref_fold(const uint8_t *p, size_t len)
{
	uint64_t sum;

	sum = (SRC >> 16) + (SRC & 0xffffu) + (DST >> 16) + (DST & 0xffffu) +
	    ERG_IP_PROTO_TCP + len;
	sum += ref_sum(p, len);
	while (sum >> 16)
		sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)sum;
}

static int
ref_cksum_ok(const uint8_t *p, size_t len)
{
	return ref_fold(p, len) == 0xffffu;
}

/* Writes the checksum that makes p verify (the field is bytes 16-17). */
static void
ref_cksum_fix(uint8_t *p, size_t len)
{
	p[16] = p[17] = 0;
	erg_put_be16(p + 16, (uint16_t)~ref_fold(p, len));
}

int
erg_fuzz_one(const uint8_t *data, size_t len)
{
	struct erg_tcp_repr r, r2;
	struct erg_view payload, pl2;
	enum erg_stat why = ERG_STAT_COUNT;
	static uint8_t buf[ERG_TCP_HDR_MAX + 65536 + 1];
	static uint8_t fixed[65535];
	size_t hlen, elen, k;
	int rc;

	if (len > 65535)
		return 0; /* IP never hands more */
	if (len >= ERG_TCP_HDR_LEN - 2 && (data[0] & 1) == 0) {
		memcpy(fixed, data, len);
		ref_cksum_fix(fixed, len);
		FUZZ_CHECK(ref_cksum_ok(fixed, len));
		data = fixed;
	}
	rc = erg_tcp_parse(&r, &payload, erg_view_make(data, len), SRC, DST,
	    &why);
	if (len < ERG_TCP_HDR_LEN) {
		FUZZ_CHECK(rc == -ERG_ETRUNC);
		FUZZ_CHECK(why == ERG_STAT_TCP_TRUNCATED);
		return 0;
	}
	hlen = (size_t)(data[12] >> 4) * 4;
	if (hlen < ERG_TCP_HDR_LEN) {
		FUZZ_CHECK(rc == -ERG_EMALFORMED);
		FUZZ_CHECK(why == ERG_STAT_TCP_BAD_OFFSET);
		return 0;
	}
	if (hlen > len) {
		FUZZ_CHECK(rc == -ERG_ETRUNC);
		FUZZ_CHECK(why == ERG_STAT_TCP_TRUNCATED);
		return 0;
	}
	if (!ref_cksum_ok(data, len)) {
		FUZZ_CHECK(rc == -ERG_ECHECKSUM);
		FUZZ_CHECK(why == ERG_STAT_TCP_BAD_CHECKSUM);
		return 0;
	}
	if (rc != 0) {
		FUZZ_CHECK(rc == -ERG_EMALFORMED);
		FUZZ_CHECK(why == ERG_STAT_TCP_BAD_OPTION);
		return 0;
	}
	FUZZ_CHECK(why == ERG_STAT_COUNT);
	FUZZ_CHECK(r.src_port == erg_be16(data));
	FUZZ_CHECK(r.dst_port == erg_be16(data + 2));
	FUZZ_CHECK(r.seq == erg_be32(data + 4));
	FUZZ_CHECK(r.ack == erg_be32(data + 8));
	FUZZ_CHECK(r.flags == data[13]);
	FUZZ_CHECK(r.window == erg_be16(data + 14));
	FUZZ_CHECK(r.urgent == erg_be16(data + 18));
	FUZZ_CHECK(r.hdr_len == hlen);
	FUZZ_CHECK(
	    r.hdr_len >= ERG_TCP_HDR_LEN && r.hdr_len <= ERG_TCP_HDR_MAX);
	FUZZ_CHECK(payload.p == data + hlen && payload.len == len - hlen);
	FUZZ_CHECK(r.sack_n <= ERG_TCP_SACK_MAX);
	FUZZ_CHECK(r.wscale <= ERG_TCP_WSCALE_MAX);
	FUZZ_CHECK(r.wscale_ok || r.wscale == 0);
	FUZZ_CHECK(r.ts_ok || (r.ts_val == 0 && r.ts_ecr == 0));

	/*
	 * Re-encoding: the repr's options can need more than the input's
	 * 40 bytes (SACK-permitted and window scale get their own NOP
	 * padding), in which case emit must refuse.
	 */
	elen = erg_tcp_hdr_len(&r);
	memset(buf, 0xa5, ERG_TCP_HDR_MAX + 1);
	rc = erg_tcp_emit(&r, SRC, DST, &payload, 1, buf, sizeof(buf));
	if (elen == 0) {
		FUZZ_CHECK(rc == -ERG_EINVAL);
		FUZZ_CHECK(buf[0] == 0xa5);
		return 0;
	}
	FUZZ_CHECK(elen >= ERG_TCP_HDR_LEN && elen <= ERG_TCP_HDR_MAX &&
	    elen % 4 == 0);
	if (elen + payload.len > 65535 - ERG_IPV4_HDR_LEN) {
		FUZZ_CHECK(rc == -ERG_EINVAL);
		return 0;
	}
	FUZZ_CHECK(rc == (int)elen);
	FUZZ_CHECK(buf[elen] == 0xa5);
	FUZZ_CHECK(memcmp(buf, data, 12) == 0);
	FUZZ_CHECK(memcmp(buf + 13, data + 13, 3) == 0);
	FUZZ_CHECK(memcmp(buf + 18, data + 18, 2) == 0);
	memcpy(buf + elen, payload.p, payload.len);
	why = ERG_STAT_COUNT;
	rc = erg_tcp_parse(&r2, &pl2, erg_view_make(buf, elen + payload.len),
	    SRC, DST, &why);
	FUZZ_CHECK(rc == 0 && why == ERG_STAT_COUNT);
	FUZZ_CHECK(r2.hdr_len == elen);
	FUZZ_CHECK(pl2.len == payload.len);
	FUZZ_CHECK(memcmp(pl2.p, payload.p, payload.len) == 0);
	FUZZ_CHECK(r2.src_port == r.src_port && r2.dst_port == r.dst_port);
	FUZZ_CHECK(r2.seq == r.seq && r2.ack == r.ack);
	FUZZ_CHECK(r2.window == r.window && r2.urgent == r.urgent);
	FUZZ_CHECK(r2.flags == r.flags && r2.mss == r.mss);
	FUZZ_CHECK(r2.wscale_ok == r.wscale_ok && r2.wscale == r.wscale);
	FUZZ_CHECK(r2.sack_ok == r.sack_ok && r2.ts_ok == r.ts_ok);
	FUZZ_CHECK(r2.ts_val == r.ts_val && r2.ts_ecr == r.ts_ecr);
	FUZZ_CHECK(r2.sack_n == r.sack_n);
	/* Every block, unused ones included: a repeated SACK leaves none. */
	for (k = 0; k < ERG_TCP_SACK_MAX; k++) {
		FUZZ_CHECK(r2.sack[k].left == r.sack[k].left);
		FUZZ_CHECK(r2.sack[k].right == r.sack[k].right);
	}
	return 0;
}
