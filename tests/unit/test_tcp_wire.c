/*
 * tests/unit/test_tcp_wire.c: the TCP segment codec (RFC 9293 3.1, option
 * formats of RFC 9293 3.2, RFC 7323, RFC 2018).
 *
 * Parse tests use real segments captured from Linux
 * (tests/vectors/tcp_frames.h: 198.18.0.1:40100 -> 198.18.0.2:7000, 300
 * bytes then close); the TCP view is the IP payload erg_ipv4_parse gives.
 * Emit tests check Linux's exact bytes: the emitter writes options in
 * Linux's order. Synthetic segments cover the bad-input classes of
 * TESTING.md: 6 (urgent pointer), 7 (option lengths), 8 (data offset
 * beyond the buffer), 10 (checksum over the IP length) and 15 (known
 * options with the wrong length). Pure codec: no stack, no pool.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "erg/erg.h"
#include "tcp_frames.h"

#define ADDR_A ERG_IPV4(198, 18, 0, 1)
#define ADDR_B ERG_IPV4(198, 18, 0, 2)

#define PORT_A 40100
#define PORT_B 7000

/* Values of the capture (tshark's summary lines in tcp_frames.h). */
#define ISS_A    2674345161u
#define ISS_B    676351153u
#define TS_A     2690063013u
#define TS_B     3013795859u
#define DATA_LEN 300u

struct captured {
	const char *name;
	const uint8_t *frame;
	size_t len;
	uint32_t src, dst;
};

static const struct captured caps[] = {
	{ "syn", frame_tcp_syn, sizeof(frame_tcp_syn), ADDR_A, ADDR_B },
	{ "syn_ack", frame_tcp_syn_ack, sizeof(frame_tcp_syn_ack), ADDR_B,
	    ADDR_A },
	{ "ack", frame_tcp_ack, sizeof(frame_tcp_ack), ADDR_A, ADDR_B },
	{ "data", frame_tcp_data, sizeof(frame_tcp_data), ADDR_A, ADDR_B },
	{ "fin", frame_tcp_fin, sizeof(frame_tcp_fin), ADDR_A, ADDR_B },
};
#define NCAPS (sizeof(caps) / sizeof(caps[0]))

/* The TCP segment of a captured frame, through the IPv4 parser. */
static struct erg_view
tcp_of(const uint8_t *frame, size_t len)
{
	struct erg_ipv4_repr ip;
	struct erg_view v;

	assert_int_equal(
	    erg_ipv4_parse(&ip, &v, erg_view_make(frame + 14, len - 14), NULL),
	    0);
	assert_int_equal(ip.proto, ERG_IP_PROTO_TCP);
	return v;
}

static int
parse_ok(struct erg_tcp_repr *r, struct erg_view *pl, struct erg_view v,
    uint32_t src, uint32_t dst)
{
	enum erg_stat why = ERG_STAT_COUNT;
	int rc = erg_tcp_parse(r, pl, v, src, dst, &why);

	assert_int_equal(why, ERG_STAT_COUNT); /* untouched on success */
	return rc;
}

/* Parses v expecting a refusal; checks the code and the counter. */
static void
parse_bad(const uint8_t *p, size_t len, int rc, enum erg_stat stat)
{
	struct erg_tcp_repr r;
	struct erg_view pl;
	enum erg_stat why = ERG_STAT_COUNT;

	assert_int_equal(
	    erg_tcp_parse(&r, &pl, erg_view_make(p, len), ADDR_A, ADDR_B, &why),
	    rc);
	assert_string_equal(erg_stat_name(why), erg_stat_name(stat));
}

/* Writes the checksum of a segment from A to B in place. */
static void
fix_cksum(uint8_t *p, size_t len)
{
	struct erg_cksum c;

	erg_put_be16(p + 16, 0);
	erg_cksum_init(&c);
	erg_cksum_add_pseudo(&c, ADDR_A, ADDR_B, ERG_IP_PROTO_TCP,
	    (uint16_t)len);
	erg_cksum_add(&c, p, len);
	erg_put_be16(p + 16, erg_cksum_finish(&c));
}

/*
 * Builds a synthetic ACK segment A -> B with the given option bytes
 * (olen a multiple of 4, at most 40) and plen payload bytes; returns its
 * length. The checksum is right, so only the options can be refused.
 */
static size_t
seg_build(uint8_t *p, const uint8_t *opt, size_t olen, size_t plen)
{
	size_t hlen = ERG_TCP_HDR_LEN + olen, i;

	assert_true(olen % 4 == 0 && olen <= 40);
	memset(p, 0, hlen + plen);
	erg_put_be16(p, PORT_A);
	erg_put_be16(p + 2, PORT_B);
	erg_put_be32(p + 4, 1000);
	erg_put_be32(p + 8, 2000);
	p[12] = (uint8_t)(hlen / 4 << 4);
	p[13] = ERG_TCP_ACK;
	erg_put_be16(p + 14, 512);
	if (olen > 0)
		memcpy(p + ERG_TCP_HDR_LEN, opt, olen);
	for (i = 0; i < plen; i++)
		p[hlen + i] = (uint8_t)(i * 7 + 1);
	fix_cksum(p, hlen + plen);
	return hlen + plen;
}

/* Parses synthetic options expected good. */
static void
opts_ok(const uint8_t *opt, size_t olen, struct erg_tcp_repr *r)
{
	uint8_t seg[60];
	struct erg_view pl;
	size_t n = seg_build(seg, opt, olen, 0);

	assert_int_equal(
	    parse_ok(r, &pl, erg_view_make(seg, n), ADDR_A, ADDR_B), 0);
	assert_int_equal(r->hdr_len, n);
	assert_int_equal(pl.len, 0);
}

static void
opts_bad(const uint8_t *opt, size_t olen)
{
	uint8_t seg[60];
	size_t n = seg_build(seg, opt, olen, 0);

	parse_bad(seg, n, -ERG_EMALFORMED, ERG_STAT_TCP_BAD_OPTION);
}

/* --- Captured segments, every field --- */

static void
parses_linux_syn_with_all_options(void **state)
{
	struct erg_view v = tcp_of(frame_tcp_syn, sizeof(frame_tcp_syn)), pl;
	struct erg_tcp_repr r;

	(void)state;
	assert_int_equal(parse_ok(&r, &pl, v, ADDR_A, ADDR_B), 0);
	assert_int_equal(r.src_port, PORT_A);
	assert_int_equal(r.dst_port, PORT_B);
	assert_int_equal(r.seq, ISS_A);
	assert_int_equal(r.ack, 0);
	assert_int_equal(r.flags, ERG_TCP_SYN);
	assert_int_equal(r.window, 64240);
	assert_int_equal(r.urgent, 0);
	assert_int_equal(r.hdr_len, 40);
	assert_int_equal(r.mss, 1460);
	assert_true(r.wscale_ok);
	assert_int_equal(r.wscale, 10); /* tshark: WS=1024 */
	assert_true(r.sack_ok);
	assert_true(r.ts_ok);
	assert_int_equal(r.ts_val, TS_A);
	assert_int_equal(r.ts_ecr, 0);
	assert_int_equal(r.sack_n, 0);
	assert_ptr_equal(pl.p, v.p + 40);
	assert_int_equal(pl.len, 0);
}

static void
parses_linux_syn_ack(void **state)
{
	struct erg_view v =
	    tcp_of(frame_tcp_syn_ack, sizeof(frame_tcp_syn_ack));
	struct erg_view pl;
	struct erg_tcp_repr r;

	(void)state;
	assert_int_equal(parse_ok(&r, &pl, v, ADDR_B, ADDR_A), 0);
	assert_int_equal(r.src_port, PORT_B);
	assert_int_equal(r.dst_port, PORT_A);
	assert_int_equal(r.seq, ISS_B);
	assert_int_equal(r.ack, ISS_A + 1);
	assert_int_equal(r.flags, ERG_TCP_SYN | ERG_TCP_ACK);
	assert_int_equal(r.window, 65160);
	assert_int_equal(r.hdr_len, 40);
	assert_int_equal(r.mss, 1460);
	assert_true(r.wscale_ok);
	assert_int_equal(r.wscale, 10);
	assert_true(r.sack_ok);
	assert_true(r.ts_ok);
	assert_int_equal(r.ts_val, TS_B);
	assert_int_equal(r.ts_ecr, TS_A);
	assert_int_equal(r.sack_n, 0);
	assert_int_equal(pl.len, 0);
}

/* The ACK, data and FIN from A carry only NOP NOP TS (RFC 7323 3.2). */
static void
check_a_established(const struct erg_tcp_repr *r, uint32_t seq, uint8_t flags)
{
	assert_int_equal(r->src_port, PORT_A);
	assert_int_equal(r->dst_port, PORT_B);
	assert_int_equal(r->seq, seq);
	assert_int_equal(r->ack, ISS_B + 1);
	assert_int_equal(r->flags, flags);
	/* 63 << 10: tshark shows the scaled Win=64512. */
	assert_int_equal(r->window, 63);
	assert_int_equal(r->urgent, 0);
	assert_int_equal(r->hdr_len, 32);
	assert_int_equal(r->mss, 0);
	assert_false(r->wscale_ok);
	assert_int_equal(r->wscale, 0);
	assert_false(r->sack_ok);
	assert_true(r->ts_ok);
	assert_int_equal(r->ts_val, TS_A);
	assert_int_equal(r->ts_ecr, TS_B);
	assert_int_equal(r->sack_n, 0);
}

static void
parses_linux_ack(void **state)
{
	struct erg_view v = tcp_of(frame_tcp_ack, sizeof(frame_tcp_ack)), pl;
	struct erg_tcp_repr r;

	(void)state;
	assert_int_equal(parse_ok(&r, &pl, v, ADDR_A, ADDR_B), 0);
	check_a_established(&r, ISS_A + 1, ERG_TCP_ACK);
	assert_int_equal(pl.len, 0);
}

static void
parses_linux_data_with_payload_in_place(void **state)
{
	struct erg_view v = tcp_of(frame_tcp_data, sizeof(frame_tcp_data)), pl;
	struct erg_tcp_repr r;

	(void)state;
	assert_int_equal(parse_ok(&r, &pl, v, ADDR_A, ADDR_B), 0);
	check_a_established(&r, ISS_A + 1, ERG_TCP_PSH | ERG_TCP_ACK);
	assert_ptr_equal(pl.p, v.p + 32);
	assert_int_equal(pl.len, DATA_LEN);
	assert_memory_equal(pl.p, "0123456789abcdef", 16);
}

static void
parses_linux_fin(void **state)
{
	struct erg_view v = tcp_of(frame_tcp_fin, sizeof(frame_tcp_fin)), pl;
	struct erg_tcp_repr r;

	(void)state;
	assert_int_equal(parse_ok(&r, &pl, v, ADDR_A, ADDR_B), 0);
	check_a_established(&r, ISS_A + 1 + DATA_LEN,
	    ERG_TCP_FIN | ERG_TCP_ACK);
	assert_int_equal(pl.len, 0);
}

/* --- Emit: Linux's bytes --- */

/*
 * Emits every captured segment's repr into a 0xA5-filled buffer: the
 * header is Linux's byte for byte (same option order, same checksum), and
 * nothing past erg_tcp_hdr_len is written.
 */
static void
emits_every_captured_header_as_linux_did(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < NCAPS; i++) {
		struct erg_view v = tcp_of(caps[i].frame, caps[i].len), pl;
		struct erg_tcp_repr r;
		uint8_t buf[ERG_TCP_HDR_MAX + 8];
		size_t k;

		assert_int_equal(parse_ok(&r, &pl, v, caps[i].src, caps[i].dst),
		    0);
		assert_int_equal(erg_tcp_hdr_len(&r), r.hdr_len);
		memset(buf, 0xa5, sizeof(buf));
		assert_int_equal(erg_tcp_emit(&r, caps[i].src, caps[i].dst, &pl,
		                     1, buf, sizeof(buf)),
		    r.hdr_len);
		assert_memory_equal(buf, v.p, r.hdr_len);
		for (k = r.hdr_len; k < sizeof(buf); k++)
			assert_int_equal(buf[k], 0xa5);
	}
}

static void
emits_syn_options_in_linux_order(void **state)
{
	/* MSS 1460, SACK-permitted, TS, NOP, WS 10 (tcp_options_write()). */
	static const uint8_t want[20] = { 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02,
		0x08, 0x0a, 0xa0, 0x57, 0x1a, 0xa5, 0x00, 0x00, 0x00, 0x00,
		0x01, 0x03, 0x03, 0x0a };
	struct erg_tcp_repr r;
	uint8_t buf[64];

	(void)state;
	assert_memory_equal(frame_tcp_syn + 54, want, sizeof(want));
	memset(&r, 0, sizeof(r));
	r.src_port = PORT_A;
	r.dst_port = PORT_B;
	r.seq = ISS_A;
	r.flags = ERG_TCP_SYN;
	r.window = 64240;
	r.mss = 1460;
	r.sack_ok = true;
	r.ts_ok = true;
	r.ts_val = TS_A;
	r.wscale_ok = true;
	r.wscale = 10;
	r.hdr_len = 7; /* ignored */
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(erg_tcp_emit(&r, ADDR_A, ADDR_B, NULL, 0, buf, 40),
	    40);
	assert_memory_equal(buf, frame_tcp_syn + 34, 40);
	assert_int_equal(buf[40], 0xa5);
}

/* The data segment's checksum covers the payload, in any split. */
static void
emits_data_header_with_payload_in_two_views(void **state)
{
	struct erg_view v = tcp_of(frame_tcp_data, sizeof(frame_tcp_data)), pl;
	struct erg_view two[2];
	struct erg_tcp_repr r;
	uint8_t buf[40];

	(void)state;
	assert_int_equal(parse_ok(&r, &pl, v, ADDR_A, ADDR_B), 0);
	two[0] = erg_view_make(pl.p, 101); /* odd: RFC 1071 2(B) */
	two[1] = erg_view_make(pl.p + 101, pl.len - 101);
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(erg_tcp_emit(&r, ADDR_A, ADDR_B, two, 2, buf, 32), 32);
	assert_memory_equal(buf, v.p, 32);
	/* NOP NOP TS. */
	assert_memory_equal(buf + 20, "\x01\x01\x08\x0a", 4);
	assert_int_equal(buf[32], 0xa5);
}

static void
round_trips_every_captured_segment(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < NCAPS; i++) {
		struct erg_view v = tcp_of(caps[i].frame, caps[i].len), pl, pl2;
		struct erg_tcp_repr r, r2;
		uint8_t buf[ERG_TCP_HDR_MAX + 1500];
		int n;

		assert_int_equal(parse_ok(&r, &pl, v, caps[i].src, caps[i].dst),
		    0);
		n = erg_tcp_emit(&r, caps[i].src, caps[i].dst, &pl, 1, buf,
		    sizeof(buf));
		assert_int_equal(n, r.hdr_len);
		memcpy(buf + n, pl.p, pl.len);
		assert_int_equal(parse_ok(&r2, &pl2,
		                     erg_view_make(buf, (size_t)n + pl.len),
		                     caps[i].src, caps[i].dst),
		    0);
		assert_memory_equal(&r, &r2, sizeof(r)); /* memset by parse */
		assert_int_equal(pl2.len, pl.len);
	}
}

/* --- Refusals: lengths, offset, checksum --- */

/*
 * Every prefix shorter than the header is tcp.truncated; a prefix that
 * holds the header but cuts the payload fails the checksum (the length
 * comes from IP, so a cut segment does not verify).
 */
static void
refuses_every_truncation(void **state)
{
	unsigned i;
	size_t k;

	(void)state;
	for (i = 0; i < NCAPS; i++) {
		struct erg_view v = tcp_of(caps[i].frame, caps[i].len);
		size_t hlen = (size_t)(v.p[12] >> 4) * 4;

		for (k = 0; k < hlen; k++)
			parse_bad(v.p, k, -ERG_ETRUNC, ERG_STAT_TCP_TRUNCATED);
		for (k = hlen; k < v.len; k++)
			parse_bad(v.p, k, -ERG_ECHECKSUM,
			    ERG_STAT_TCP_BAD_CHECKSUM);
	}
}

static void
refuses_data_offset_below_five(void **state)
{
	uint8_t seg[60];
	size_t n = seg_build(seg, NULL, 0, 0);
	unsigned off;

	(void)state;
	for (off = 0; off < 5; off++) {
		seg[12] = (uint8_t)(off << 4);
		fix_cksum(seg, n);
		parse_bad(seg, n, -ERG_EMALFORMED, ERG_STAT_TCP_BAD_OFFSET);
	}
}

/* Class 8: a data offset pointing past the segment. */
static void
refuses_data_offset_beyond_buffer(void **state)
{
	uint8_t seg[60];
	size_t n = seg_build(seg, (const uint8_t *)"\x01\x01\x01\x01", 4, 8);
	unsigned off;

	(void)state;
	assert_int_equal(n, 32);
	for (off = 9; off <= 15; off++) { /* 36..60 bytes > 32 */
		seg[12] = (uint8_t)(off << 4);
		fix_cksum(seg, n);
		parse_bad(seg, n, -ERG_ETRUNC, ERG_STAT_TCP_TRUNCATED);
	}
	/* Exactly the segment: header only; the payload bytes become NOPs. */
	memset(seg + 24, 1, 8);
	seg[12] = 8 << 4;
	fix_cksum(seg, n);
	{
		struct erg_tcp_repr r;
		struct erg_view pl;

		assert_int_equal(
		    parse_ok(&r, &pl, erg_view_make(seg, n), ADDR_A, ADDR_B),
		    0);
		assert_int_equal(r.hdr_len, 32);
		assert_int_equal(pl.len, 0);
	}
}

static void
refuses_bad_checksum(void **state)
{
	struct erg_view v = tcp_of(frame_tcp_data, sizeof(frame_tcp_data));
	struct erg_tcp_repr r;
	struct erg_view pl;
	enum erg_stat why = ERG_STAT_COUNT;
	uint8_t seg[400];
	size_t k;

	(void)state;
	memcpy(seg, v.p, v.len);
	/* One bit anywhere: header, options, payload. */
	for (k = 0; k < v.len; k += 7) {
		seg[k] ^= 0x10;
		parse_bad(seg, v.len, -ERG_ECHECKSUM,
		    ERG_STAT_TCP_BAD_CHECKSUM);
		seg[k] ^= 0x10;
	}
	/* The pseudo-header counts: the wrong destination does not verify. */
	assert_int_equal(
	    erg_tcp_parse(&r, &pl, v, ADDR_A, ERG_IPV4(198, 18, 0, 3), &why),
	    -ERG_ECHECKSUM);
	assert_int_equal(why, ERG_STAT_TCP_BAD_CHECKSUM);
	/* Every flip was undone: the copy verifies again. */
	assert_int_equal(
	    parse_ok(&r, &pl, erg_view_make(seg, v.len), ADDR_A, ADDR_B), 0);
}

/*
 * Class 10: the checksum covers the IP payload (the IP total length),
 * not the link buffer. Linux's data frame with 6 bytes of non-zero link
 * padding: erg_ipv4_parse trims them and the segment verifies; the same
 * bytes given untrimmed do not.
 */
static void
checksum_covers_ip_length_not_buffer(void **state)
{
	uint8_t frame[sizeof(frame_tcp_data) + 6];
	struct erg_tcp_repr r;
	struct erg_view v, pl;

	(void)state;
	memcpy(frame, frame_tcp_data, sizeof(frame_tcp_data));
	memset(frame + sizeof(frame_tcp_data), 0x5a, 6);
	v = tcp_of(frame, sizeof(frame));
	assert_int_equal(v.len, 32 + DATA_LEN);
	assert_int_equal(parse_ok(&r, &pl, v, ADDR_A, ADDR_B), 0);
	assert_int_equal(pl.len, DATA_LEN);
	parse_bad(frame + 34, sizeof(frame) - 34, -ERG_ECHECKSUM,
	    ERG_STAT_TCP_BAD_CHECKSUM);
}

/* --- Options (classes 7 and 15) --- */

/* Class 7: lengths that would loop or run off the header. */
static void
refuses_option_length_0_1_and_past_header(void **state)
{
	(void)state;
	opts_bad((const uint8_t *)"\x02\x00\x05\xb4", 4); /* length 0 */
	opts_bad((const uint8_t *)"\x1e\x00\x01\x01", 4); /* unknown, 0 */
	opts_bad((const uint8_t *)"\x02\x01\x05\xb4", 4); /* length 1 */
	opts_bad((const uint8_t *)"\x1e\x01\x01\x01", 4);
	opts_bad((const uint8_t *)"\x1e\x05\x00\x00", 4); /* 5 > 4 left */
	opts_bad((const uint8_t *)"\x01\x01\x1e\x03", 4); /* 3 > 2 left */
	opts_bad((const uint8_t *)"\x01\x01\x01\x02", 4); /* no length byte */
	opts_bad((const uint8_t *)"\x01\x01\x01\x1e", 4);
	/* A 40-byte unknown option fits exactly; 41 does not. */
	{
		uint8_t o[40];
		struct erg_tcp_repr r;

		memset(o, 0, sizeof(o));
		o[0] = 0x1e;
		o[1] = 40;
		opts_ok(o, sizeof(o), &r);
		o[1] = 41;
		opts_bad(o, sizeof(o));
	}
}

/* Class 15: known options whose length is not theirs. */
static void
refuses_known_options_with_wrong_length(void **state)
{
	uint8_t o[40];
	static const uint8_t sack_bad[] = { 2, 3, 4, 9, 11, 19, 27, 35 };
	unsigned i;

	(void)state;
	opts_bad((const uint8_t *)"\x02\x03\x05\x01", 4); /* MSS 3 */
	opts_bad((const uint8_t *)"\x02\x05\x05\xb4\x00\x00\x00\x00", 8);
	opts_bad((const uint8_t *)"\x03\x02\x01\x01", 4); /* WS 2 */
	opts_bad((const uint8_t *)"\x03\x04\x07\x00", 4); /* WS 4 */
	opts_bad((const uint8_t *)"\x04\x03\x00\x01", 4); /* SACKOK 3 */
	/* TS 8: a truncated timestamp; TS 9. */
	opts_bad((const uint8_t *)"\x08\x08\x00\x00\x00\x01\x00\x00", 8);
	opts_bad((const uint8_t *)"\x08\x09\x00\x00\x00\x01\x00\x00\x00\x00"
	                          "\x00\x00",
	    12);
	/* SACK 2 (no block), 3, 4, 9, 11, 19, 27, 35 (not 2 + 8n). */
	for (i = 0; i < sizeof(sack_bad); i++) {
		memset(o, 0, sizeof(o));
		o[0] = 1;
		o[1] = 1;
		o[2] = 5;
		o[3] = sack_bad[i];
		opts_bad(o, 40);
	}
	/*
	 * 42: 5 blocks, more than RFC 2018 allows. It cannot fit 40 bytes of
	 * options, so it is refused as running past the header.
	 */
	memset(o, 0, sizeof(o));
	o[0] = 5;
	o[1] = 42;
	opts_bad(o, 40);
}

static void
parses_sack_blocks_one_to_four(void **state)
{
	uint8_t o[40];
	struct erg_tcp_repr r;
	unsigned n, i;

	(void)state;
	for (n = 1; n <= 4; n++) {
		memset(o, 0, sizeof(o));
		o[0] = 1;
		o[1] = 1;
		o[2] = 5;
		o[3] = (uint8_t)(2 + 8 * n);
		for (i = 0; i < n; i++) {
			erg_put_be32(o + 4 + 8 * i, 0x10000000u * (i + 1) + 1);
			erg_put_be32(o + 8 + 8 * i, 0x10000000u * (i + 1) + 9);
		}
		opts_ok(o, 4 + 8 * n, &r);
		assert_int_equal(r.sack_n, n);
		for (i = 0; i < n; i++) {
			assert_int_equal(r.sack[i].left,
			    0x10000000u * (i + 1) + 1);
			assert_int_equal(r.sack[i].right,
			    0x10000000u * (i + 1) + 9);
		}
		for (; i < ERG_TCP_SACK_MAX; i++) {
			assert_int_equal(r.sack[i].left, 0);
			assert_int_equal(r.sack[i].right, 0);
		}
	}
}

/* RFC 9293 3.2: EOL ends the list; what follows is not looked at. */
static void
eol_ends_option_walk(void **state)
{
	struct erg_tcp_repr r;

	(void)state;
	opts_ok((const uint8_t *)"\x02\x04\x05\xb4\x00\x02\x00\xff", 8, &r);
	assert_int_equal(r.mss, 1460);
	opts_ok((const uint8_t *)"\x00\x03\x01\x0e\x08\x01\xff\xff", 8, &r);
	assert_false(r.wscale_ok);
	assert_false(r.ts_ok);
	assert_int_equal(r.mss, 0);
}

static void
skips_unknown_options_and_nop_runs(void **state)
{
	struct erg_tcp_repr r;

	(void)state;
	/* NOP x3, unknown kind 30 length 2, MSS, unknown 254 length 6. */
	opts_ok((const uint8_t *)"\x01\x01\x01\x1e\x02\x02\x04\x02\x18"
	                         "\xfe\x06\xaa\xbb\xcc\xdd\x01",
	    16, &r);
	assert_int_equal(r.mss, 536);
	assert_false(r.wscale_ok || r.sack_ok || r.ts_ok);
	assert_int_equal(r.sack_n, 0);
	/* 40 NOPs. */
	{
		uint8_t o[40];

		memset(o, 1, sizeof(o));
		opts_ok(o, sizeof(o), &r);
		assert_int_equal(r.hdr_len, 60);
		assert_int_equal(r.mss, 0);
	}
}

/* RFC 7323 2.3: a shift above 14 is used as 14. */
static void
clamps_window_scale_above_14(void **state)
{
	struct erg_tcp_repr r;

	(void)state;
	opts_ok((const uint8_t *)"\x01\x03\x03\x0e", 4, &r);
	assert_true(r.wscale_ok);
	assert_int_equal(r.wscale, 14);
	opts_ok((const uint8_t *)"\x01\x03\x03\x0f", 4, &r);
	assert_int_equal(r.wscale, 14);
	opts_ok((const uint8_t *)"\x01\x03\x03\xff", 4, &r);
	assert_int_equal(r.wscale, 14);
	opts_ok((const uint8_t *)"\x01\x03\x03\x00", 4, &r);
	assert_true(r.wscale_ok);
	assert_int_equal(r.wscale, 0);
}

static void
repeated_mss_keeps_the_last(void **state)
{
	struct erg_tcp_repr r;

	(void)state;
	opts_ok((const uint8_t *)"\x02\x04\x05\xb4\x02\x04\x02\x18", 8, &r);
	assert_int_equal(r.mss, 536);
}

/*
 * A repeated SACK option keeps the last one (as the header says), and the
 * repr must then hold only its blocks: a 3-block SACK followed by a
 * 1-block SACK gives sack_n 1 and no trace of the first option's blocks
 * 2 and 3 (a repr compared or copied whole must not carry stale edges).
 */
static void
repeated_sack_leaves_no_stale_blocks(void **state)
{
	static const uint8_t o[36] = { 0x05, 0x1a, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0,
		0, 3, 0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0, 6, 0x05, 0x0a, 0, 0, 0,
		7, 0, 0, 0, 8 };
	struct erg_tcp_repr r;

	(void)state;
	opts_ok(o, sizeof(o), &r);
	assert_int_equal(r.sack_n, 1);
	assert_int_equal(r.sack[0].left, 7);
	assert_int_equal(r.sack[0].right, 8);
	/*
	 * Regression: tcp_option() once set sack_n and the first sack_n
	 * blocks only, so blocks 1 and 2 kept 3..6 from the first option.
	 */
	assert_int_equal(r.sack[1].left, 0);
	assert_int_equal(r.sack[1].right, 0);
	assert_int_equal(r.sack[2].left, 0);
	assert_int_equal(r.sack[2].right, 0);
}

/* Class 6: the urgent pointer is returned as it is, even past the data. */
static void
returns_urgent_pointer_as_on_wire(void **state)
{
	uint8_t seg[60];
	size_t n = seg_build(seg, NULL, 0, 4);
	struct erg_tcp_repr r;
	struct erg_view pl;

	(void)state;
	seg[13] |= ERG_TCP_URG;
	erg_put_be16(seg + 18, 0xfff0);
	fix_cksum(seg, n);
	assert_int_equal(
	    parse_ok(&r, &pl, erg_view_make(seg, n), ADDR_A, ADDR_B), 0);
	assert_int_equal(r.flags, ERG_TCP_ACK | ERG_TCP_URG);
	assert_int_equal(r.urgent, 0xfff0);
	assert_int_equal(pl.len, 4);
}

/* --- Emit limits --- */

static void
refuses_emit_of_options_beyond_40_bytes(void **state)
{
	struct erg_tcp_repr r;
	uint8_t buf[80];

	(void)state;
	memset(&r, 0, sizeof(r));
	r.ts_ok = true;
	r.sack_n = 4; /* 12 + 4 + 32 = 48 */
	assert_int_equal(erg_tcp_hdr_len(&r), 0);
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(
	    erg_tcp_emit(&r, ADDR_A, ADDR_B, NULL, 0, buf, sizeof(buf)),
	    -ERG_EINVAL);
	assert_int_equal(buf[0], 0xa5);
	r.ts_ok = false;
	r.sack_n = 5;
	assert_int_equal(erg_tcp_hdr_len(&r), 0);
	assert_int_equal(
	    erg_tcp_emit(&r, ADDR_A, ADDR_B, NULL, 0, buf, sizeof(buf)),
	    -ERG_EINVAL);
	/* 4 blocks without TS fit: 4 + 32 = 36. */
	r.sack_n = 4;
	assert_int_equal(erg_tcp_hdr_len(&r), 56);
	/* A buffer one byte short. */
	assert_int_equal(erg_tcp_emit(&r, ADDR_A, ADDR_B, NULL, 0, buf, 55),
	    -ERG_EINVAL);
	assert_int_equal(buf[0], 0xa5);
}

/* RFC 2018 3: with timestamps, 3 SACK blocks fill the 40 bytes exactly. */
static void
emits_ts_and_three_sack_blocks_in_exactly_40(void **state)
{
	static const uint8_t want[40] = { 0x01, 0x01, 0x08, 0x0a, 0, 0, 0, 0x11,
		0, 0, 0, 0x22, 0x01, 0x01, 0x05, 0x1a, 0, 0, 0x01, 0, 0, 0,
		0x02, 0, 0, 0, 0x03, 0, 0, 0, 0x04, 0, 0, 0, 0x05, 0, 0, 0,
		0x06, 0 };
	struct erg_tcp_repr r, r2;
	struct erg_view pl;
	uint8_t buf[64];
	unsigned i;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.src_port = PORT_B;
	r.dst_port = PORT_A;
	r.seq = 5;
	r.ack = 6;
	r.flags = ERG_TCP_ACK;
	r.window = 100;
	r.ts_ok = true;
	r.ts_val = 0x11;
	r.ts_ecr = 0x22;
	r.sack_n = 3;
	for (i = 0; i < 3; i++) {
		r.sack[i].left = 0x100u * (2 * i + 1);
		r.sack[i].right = 0x100u * (2 * i + 2);
	}
	assert_int_equal(erg_tcp_hdr_len(&r), 60);
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(erg_tcp_emit(&r, ADDR_A, ADDR_B, NULL, 0, buf, 60),
	    60);
	assert_int_equal(buf[12], 0xf0);
	assert_memory_equal(buf + 20, want, sizeof(want));
	assert_int_equal(buf[60], 0xa5);
	assert_int_equal(
	    parse_ok(&r2, &pl, erg_view_make(buf, 60), ADDR_A, ADDR_B), 0);
	r.hdr_len = 60;
	assert_memory_equal(&r, &r2, sizeof(r));
}

/* SACK-permitted without TS: NOP NOP SACKOK, as Linux writes it. */
static void
emits_sack_permitted_without_ts_after_two_nops(void **state)
{
	struct erg_tcp_repr r, r2;
	struct erg_view pl;
	uint8_t buf[64];

	(void)state;
	memset(&r, 0, sizeof(r));
	r.flags = ERG_TCP_SYN;
	r.mss = 1460;
	r.sack_ok = true;
	r.wscale_ok = true;
	r.wscale = 20; /* written as 14 */
	assert_int_equal(erg_tcp_hdr_len(&r), 32);
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(erg_tcp_emit(&r, ADDR_A, ADDR_B, NULL, 0, buf, 32),
	    32);
	assert_memory_equal(buf + 20,
	    "\x02\x04\x05\xb4\x01\x01\x04\x02\x01\x03\x03\x0e", 12);
	assert_int_equal(buf[32], 0xa5);
	assert_int_equal(
	    parse_ok(&r2, &pl, erg_view_make(buf, 32), ADDR_A, ADDR_B), 0);
	assert_int_equal(r2.wscale, 14);
	assert_true(r2.sack_ok && r2.wscale_ok && !r2.ts_ok);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_linux_syn_with_all_options),
		cmocka_unit_test(parses_linux_syn_ack),
		cmocka_unit_test(parses_linux_ack),
		cmocka_unit_test(parses_linux_data_with_payload_in_place),
		cmocka_unit_test(parses_linux_fin),
		cmocka_unit_test(emits_every_captured_header_as_linux_did),
		cmocka_unit_test(emits_syn_options_in_linux_order),
		cmocka_unit_test(emits_data_header_with_payload_in_two_views),
		cmocka_unit_test(round_trips_every_captured_segment),
		cmocka_unit_test(refuses_every_truncation),
		cmocka_unit_test(refuses_data_offset_below_five),
		cmocka_unit_test(refuses_data_offset_beyond_buffer),
		cmocka_unit_test(refuses_bad_checksum),
		cmocka_unit_test(checksum_covers_ip_length_not_buffer),
		cmocka_unit_test(refuses_option_length_0_1_and_past_header),
		cmocka_unit_test(refuses_known_options_with_wrong_length),
		cmocka_unit_test(parses_sack_blocks_one_to_four),
		cmocka_unit_test(eol_ends_option_walk),
		cmocka_unit_test(skips_unknown_options_and_nop_runs),
		cmocka_unit_test(clamps_window_scale_above_14),
		cmocka_unit_test(repeated_mss_keeps_the_last),
		cmocka_unit_test(repeated_sack_leaves_no_stale_blocks),
		cmocka_unit_test(returns_urgent_pointer_as_on_wire),
		cmocka_unit_test(refuses_emit_of_options_beyond_40_bytes),
		cmocka_unit_test(emits_ts_and_three_sack_blocks_in_exactly_40),
		cmocka_unit_test(
		    emits_sack_permitted_without_ts_after_two_nops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
