/*
 * tests/unit/test_core.c: the core services every layer relies on.
 *
 * Views and byte order, the Internet checksum (RFC 1071, RFC 1624) against
 * its reference loop and the RFCs' own numbers, SipHash-2-4 against the
 * reference vectors of Aumasson and Bernstein, the timer heap against a
 * naive model, the packet pool and lent packets, configuration and arena
 * layout, deferred events, error and counter names.
 *
 * Internals (timers, events, the stack struct) are reached through
 * src/core/core.h, included by a path relative to this file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/core/core.h"
#include "lib/testnet.h"
#include "frames.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const uint8_t mac_a[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t mac_b[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
#define IP_A ERG_IPV4(198, 18, 0, 1)
#define IP_B ERG_IPV4(198, 18, 0, 2)

/* A deterministic byte source for test data (not the stack's). */
static void
fill_random(uint64_t *st, void *buf, size_t len)
{
	tn_rand(st, buf, len);
}

static uint32_t
rnd32(uint64_t *st)
{
	uint32_t v;

	tn_rand(st, &v, sizeof(v));
	return v;
}

/* ---- Views and byte order -------------------------------------------- */

static void
test_view_sub_refuses_every_window_that_does_not_fit(void **state)
{
	uint8_t buf[10];
	struct erg_view v = erg_view_make(buf, sizeof(buf));
	const struct erg_view sentinel = { (const uint8_t *)"x", 77 };
	struct erg_view out;
	size_t off, n;

	(void)state;
	for (off = 0; off <= 12; off++) {
		for (n = 0; n <= 12; n++) {
			bool fits = off + n <= sizeof(buf);

			out = sentinel;
			assert_int_equal(erg_view_sub(v, off, n, &out), fits);
			if (fits) {
				assert_ptr_equal(out.p, buf + off);
				assert_int_equal(out.len, n);
			} else {
				assert_ptr_equal(out.p, sentinel.p);
				assert_int_equal(out.len, sentinel.len);
			}
		}
	}
	/*
	 * Overflow: off + n wraps to a small number in each of these, so a
	 * naive "off + n > len" check would accept them (TESTING.md #21).
	 */
	{
		static const size_t bad[][2] = {
			{ SIZE_MAX, 0 },
			{ 0, SIZE_MAX },
			{ SIZE_MAX, SIZE_MAX },
			{ 1, SIZE_MAX },
			{ SIZE_MAX, 1 },
			{ 5, SIZE_MAX - 4 },
			{ SIZE_MAX - 4, 5 },
			{ 11, 0 },
			{ 10, 1 },
			{ 0, 11 },
		};
		size_t i;

		for (i = 0; i < NELEM(bad); i++) {
			out = sentinel;
			assert_false(
			    erg_view_sub(v, bad[i][0], bad[i][1], &out));
			assert_ptr_equal(out.p, sentinel.p);
			assert_int_equal(out.len, sentinel.len);
		}
	}
	/* Exact fits: the whole view, and the empty window at its end. */
	assert_true(erg_view_sub(v, 0, 10, &out));
	assert_ptr_equal(out.p, buf);
	assert_int_equal(out.len, 10);
	assert_true(erg_view_sub(v, 10, 0, &out));
	assert_ptr_equal(out.p, buf + 10);
	assert_int_equal(out.len, 0);
	/* An empty view has only the empty window at 0. */
	v = erg_view_make(buf, 0);
	assert_true(erg_view_sub(v, 0, 0, &out));
	assert_false(erg_view_sub(v, 0, 1, &out));
	assert_false(erg_view_sub(v, 1, 0, &out));
}

static void
test_view_shift_and_trunc_refuse_more_than_len(void **state)
{
	uint8_t buf[16];
	struct erg_view v;
	size_t n;

	(void)state;
	for (n = 0; n <= sizeof(buf); n++) {
		v = erg_view_make(buf, sizeof(buf));
		assert_true(erg_view_shift(&v, n));
		assert_ptr_equal(v.p, buf + n);
		assert_int_equal(v.len, sizeof(buf) - n);
		v = erg_view_make(buf, sizeof(buf));
		assert_true(erg_view_trunc(&v, n));
		assert_ptr_equal(v.p, buf);
		assert_int_equal(v.len, n);
	}
	{
		static const size_t bad[] = { 17, 18, SIZE_MAX, SIZE_MAX - 1 };
		size_t i;

		for (i = 0; i < NELEM(bad); i++) {
			v = erg_view_make(buf, sizeof(buf));
			assert_false(erg_view_shift(&v, bad[i]));
			assert_ptr_equal(v.p, buf);
			assert_int_equal(v.len, sizeof(buf));
			assert_false(erg_view_trunc(&v, bad[i]));
			assert_ptr_equal(v.p, buf);
			assert_int_equal(v.len, sizeof(buf));
		}
	}
	/* Shifting step by step to the end, then one more, is refused. */
	v = erg_view_make(buf, 3);
	assert_true(erg_view_shift(&v, 1));
	assert_true(erg_view_shift(&v, 2));
	assert_int_equal(v.len, 0);
	assert_false(erg_view_shift(&v, 1));
	assert_ptr_equal(v.p, buf + 3);
}

static void
test_be16_be32_store_exact_bytes_at_any_alignment(void **state)
{
	uint8_t buf[16];
	size_t off, i;

	(void)state;
	for (off = 0; off < 8; off++) {
		memset(buf, 0xA5, sizeof(buf));
		erg_put_be16(buf + off, 0x1234);
		for (i = 0; i < sizeof(buf); i++) {
			uint8_t want = i == off ? 0x12 :
			    i == off + 1        ? 0x34 :
			                          0xA5;

			assert_int_equal(buf[i], want);
		}
		assert_int_equal(erg_be16(buf + off), 0x1234);

		memset(buf, 0xA5, sizeof(buf));
		erg_put_be32(buf + off, 0xc6120002u);
		for (i = 0; i < sizeof(buf); i++) {
			static const uint8_t w[4] = { 0xc6, 0x12, 0x00, 0x02 };
			uint8_t want =
			    i >= off && i < off + 4 ? w[i - off] : 0xA5;

			assert_int_equal(buf[i], want);
		}
		assert_int_equal(erg_be32(buf + off), 0xc6120002u);
	}
	/* Top bits survive the shifts (no sign extension). */
	erg_put_be16(buf, 0xffff);
	assert_int_equal(erg_be16(buf), 0xffff);
	erg_put_be32(buf, 0x80000001u);
	assert_int_equal(erg_be32(buf), 0x80000001u);
	/* The captured ARP request's target address, read off the wire. */
	assert_int_equal(erg_be32(frame_arp_request + 38), IP_B);
	assert_int_equal(erg_be16(frame_arp_request + 12), ERG_ETHERTYPE_ARP);
}

static void
test_views_copy_spans_views_at_every_offset(void **state)
{
	static const uint8_t a[] = { 0, 1, 2 }, c[] = { 3, 4, 5, 6, 7 };
	static const uint8_t d[] = { 8, 9 };
	struct erg_view v[4];
	uint8_t out[16];
	size_t off, len, i;

	(void)state;
	v[0] = erg_view_make(a, sizeof(a));
	v[1] = erg_view_make(NULL, 0); /* empty views are skipped */
	v[2] = erg_view_make(c, sizeof(c));
	v[3] = erg_view_make(d, sizeof(d));
	for (off = 0; off <= 10; off++) {
		for (len = 0; off + len <= 10; len++) {
			memset(out, 0xA5, sizeof(out));
			erg_views_copy(out, v, 4, off, len);
			for (i = 0; i < sizeof(out); i++)
				assert_int_equal(out[i],
				    i < len ? (uint8_t)(off + i) : 0xA5);
		}
	}
}

/* ---- Checksum (RFC 1071, RFC 1624) ------------------------------------ */

static void
test_cksum_equals_reference_every_length_and_alignment(void **state)
{
	enum {
		MAXLEN = 2000
	};
	uint8_t *buf = malloc(MAXLEN + 8);
	uint64_t st = 1071;
	size_t align, len;
	int pass;

	(void)state;
	assert_non_null(buf);
	/* Random bytes, then all-ones (the most carries), then zeros. */
	for (pass = 0; pass < 3; pass++) {
		if (pass == 0)
			fill_random(&st, buf, MAXLEN + 8);
		else
			memset(buf, pass == 1 ? 0xff : 0x00, MAXLEN + 8);
		for (align = 0; align < 8; align++) {
			for (len = 0; len <= MAXLEN; len++) {
				uint16_t ref = erg_cksum_ref(buf + align, len);

				assert_int_equal(erg_cksum(buf + align, len),
				    ref);
			}
		}
	}
	/* Sanity of the reference itself: empty sums to 0, so ~0. */
	assert_int_equal(erg_cksum_ref(buf, 0), 0xffff);
	free(buf);
}

static void
test_cksum_large_buffers_fold_every_carry(void **state)
{
	/*
	 * 128 KiB of 0xff: 65536 words of 0xffff, so the reference loop's
	 * 32-bit sum crosses 2^31 and must fold, and the fast path's
	 * 64-bit accumulators carry far past 16 bits.
	 */
	enum {
		BIG = 128 * 1024 + 7
	};
	uint8_t *buf = malloc(BIG);
	uint64_t st = 65535;
	size_t len;

	(void)state;
	assert_non_null(buf);
	memset(buf, 0xff, BIG);
	for (len = BIG - 8; len <= BIG; len++) {
		assert_int_equal(erg_cksum(buf, len), erg_cksum_ref(buf, len));
		assert_int_equal(erg_cksum(buf + 1, len - 1),
		    erg_cksum_ref(buf + 1, len - 1));
	}
	/* All ones sums to -0: the checksum of an even run is 0. */
	assert_int_equal(erg_cksum(buf, 65536 * 2), 0);
	fill_random(&st, buf, BIG);
	assert_int_equal(erg_cksum(buf, BIG), erg_cksum_ref(buf, BIG));
	assert_int_equal(erg_cksum(buf + 3, BIG - 3),
	    erg_cksum_ref(buf + 3, BIG - 3));
	free(buf);
}

/*
 * The bulk of a long chunk goes through a vector loop where the compiler
 * targets SSE2 (src/core/checksum.c: 64-byte steps, 16-byte steps, blocks
 * of 32 KiB, signed lanes with a bias), the rest through the scalar
 * loop. Random lengths up to past two blocks, random start alignments
 * and random chunk splits (odd positions included) against the reference;
 * patterns that push the biased lanes to both extremes (all 0xff: every
 * word 0x7fff after the bias; all 0x00: every word -0x8000; 0x80 0x00
 * words: 0 after the bias) over more than one block.
 */
static void
test_cksum_vector_path_random_lengths_alignments_and_splits(void **state)
{
	enum {
		BIG = 3 * 32768 + 64 + 15
	};
	static const uint8_t pat[][2] = { { 0xff, 0xff }, { 0x00, 0x00 },
		{ 0x80, 0x00 }, { 0x00, 0x80 }, { 0x7f, 0xff } };
	uint8_t *buf = malloc(BIG + 16);
	uint64_t st = 0x5ee2;
	size_t i, k;

	(void)state;
	assert_non_null(buf);
	for (i = 0; i < 3000; i++) {
		size_t align, len, a, b;
		uint64_t r;
		struct erg_cksum c;

		fill_random(&st, &r, sizeof(r));
		align = r % 16;
		/* Mostly segment-sized, sometimes beyond one block. */
		len = (i % 10 == 0) ? (size_t)((r >> 8) % (BIG - 15)) :
		                      (size_t)((r >> 8) % 4096);
		fill_random(&st, buf, len + align + 1);
		assert_int_equal(erg_cksum(buf + align, len),
		    erg_cksum_ref(buf + align, len));
		/* Three chunks at random (often odd) split points. */
		a = len != 0 ? (size_t)((r >> 24) % (len + 1)) : 0;
		b = a +
		    (len - a != 0 ? (size_t)((r >> 40) % (len - a + 1)) : 0);
		erg_cksum_init(&c);
		erg_cksum_add(&c, buf + align, a);
		erg_cksum_add(&c, buf + align + a, b - a);
		erg_cksum_add(&c, buf + align + b, len - b);
		assert_int_equal(erg_cksum_finish(&c),
		    erg_cksum_ref(buf + align, len));
	}
	for (k = 0; k < sizeof(pat) / sizeof(pat[0]); k++) {
		for (i = 0; i < BIG + 16; i++) {
			buf[i] = pat[k][i % 2];
		}
		for (i = 0; i < 4; i++) {
			size_t off = i * 5, len = BIG - i * 3 - off;

			assert_int_equal(erg_cksum(buf + off, len),
			    erg_cksum_ref(buf + off, len));
		}
		assert_int_equal(erg_cksum(buf, 32768),
		    erg_cksum_ref(buf, 32768));
		assert_int_equal(erg_cksum(buf + 1, 32769),
		    erg_cksum_ref(buf + 1, 32769));
	}
	free(buf);
}

static void
test_cksum_chunked_equals_one_shot_at_every_split(void **state)
{
	enum {
		LEN = 301,
		LEN3 = 71
	};
	uint8_t buf[LEN];
	uint64_t st = 42;
	size_t a, b;

	(void)state;
	fill_random(&st, buf, sizeof(buf));
	/* Two chunks, every split point, odd ones included. */
	for (a = 0; a <= LEN; a++) {
		struct erg_cksum c;

		erg_cksum_init(&c);
		erg_cksum_add(&c, buf, a);
		erg_cksum_add(&c, buf + a, LEN - a);
		assert_int_equal(erg_cksum_finish(&c), erg_cksum(buf, LEN));
		assert_int_equal(c.odd, LEN & 1);
	}
	/* Three chunks, every pair of split points (odd + odd = even). */
	for (a = 0; a <= LEN3; a++) {
		for (b = a; b <= LEN3; b++) {
			struct erg_cksum c;

			erg_cksum_init(&c);
			erg_cksum_add(&c, buf, a);
			erg_cksum_add(&c, buf + a, b - a);
			erg_cksum_add(&c, buf + b, LEN3 - b);
			assert_int_equal(erg_cksum_finish(&c),
			    erg_cksum_ref(buf, LEN3));
		}
	}
	/* One byte at a time: every chunk is odd. */
	{
		struct erg_cksum c;

		erg_cksum_init(&c);
		for (a = 0; a < LEN; a++)
			erg_cksum_add(&c, buf + a, 1);
		assert_int_equal(erg_cksum_finish(&c), erg_cksum_ref(buf, LEN));
	}
}

static void
test_cksum_rfc1071_section3_numeric_example(void **state)
{
	/* RFC 1071 section 3: these bytes sum to ddf2 (before ~). */
	static const uint8_t ex[8] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6,
		0xf7 };
	size_t a;

	(void)state;
	assert_int_equal(erg_cksum(ex, sizeof(ex)), (uint16_t)~0xddf2);
	assert_int_equal(erg_cksum_ref(ex, sizeof(ex)), (uint16_t)~0xddf2);
	/* Same result however the bytes are cut, odd cuts included. */
	for (a = 0; a <= sizeof(ex); a++) {
		struct erg_cksum c;

		erg_cksum_init(&c);
		erg_cksum_add(&c, ex, a);
		erg_cksum_add(&c, ex + a, sizeof(ex) - a);
		assert_int_equal(erg_cksum_finish(&c), 0x220d);
	}
}

static void
test_cksum_buffer_holding_its_own_checksum_sums_to_zero(void **state)
{
	uint8_t buf[600];
	uint64_t st = 7;
	size_t len;

	(void)state;
	for (len = 2; len <= sizeof(buf); len++) {
		/* The checksum field sits at an even offset. */
		size_t at = (rnd32(&st) % (len / 2)) * 2;
		uint16_t ck;

		fill_random(&st, buf, len);
		erg_put_be16(buf + at, 0);
		ck = erg_cksum(buf, len);
		erg_put_be16(buf + at, ck);
		assert_int_equal(erg_cksum(buf, len), 0);
		assert_int_equal(erg_cksum_ref(buf, len), 0);
	}
	/* Real headers from Linux: every IPv4 header verifies. */
	assert_int_equal(erg_cksum(frame_icmp_echo_request + 14, 20), 0);
	assert_int_equal(erg_cksum(frame_icmp_echo_reply + 14, 20), 0);
	assert_int_equal(erg_cksum(frame_icmp_frag_second + 14, 20), 0);
	assert_int_equal(erg_cksum(frame_icmp_port_unreach + 14, 20), 0);
	/* And whole ICMP messages (echo: 64 bytes after the IP header). */
	assert_int_equal(erg_cksum(frame_icmp_echo_request + 34, 64), 0);
	assert_int_equal(erg_cksum(frame_icmp_echo_reply + 34, 64), 0);
	assert_int_equal(erg_cksum(frame_icmp_port_unreach + 34, 42), 0);
}

static void
test_cksum_pseudo_header_verifies_captured_udp(void **state)
{
	struct erg_cksum c;
	uint64_t st = 768;
	int i;

	(void)state;
	/*
	 * RFC 768: the UDP checksum covers src, dst, zero, protocol and UDP
	 * length, then the datagram. frame_udp_small carries Linux's own.
	 */
	erg_cksum_init(&c);
	erg_cksum_add_pseudo(&c, IP_A, IP_B, ERG_IP_PROTO_UDP, 14);
	erg_cksum_add(&c, frame_udp_small + 34, 14);
	assert_int_equal(erg_cksum_finish(&c), 0);
	/* A wrong address or protocol no longer verifies. */
	erg_cksum_init(&c);
	erg_cksum_add_pseudo(&c, IP_A, IP_B + 1, ERG_IP_PROTO_UDP, 14);
	erg_cksum_add(&c, frame_udp_small + 34, 14);
	assert_int_not_equal(erg_cksum_finish(&c), 0);
	/* add_pseudo equals the 12 pseudo-header bytes summed explicitly. */
	for (i = 0; i < 1000; i++) {
		uint8_t ph[12];
		uint32_t src = rnd32(&st), dst = rnd32(&st);
		uint8_t proto = (uint8_t)rnd32(&st);
		uint16_t len = (uint16_t)rnd32(&st);
		struct erg_cksum d;

		erg_put_be32(ph, src);
		erg_put_be32(ph + 4, dst);
		ph[8] = 0;
		ph[9] = proto;
		erg_put_be16(ph + 10, len);
		erg_cksum_init(&c);
		erg_cksum_add_pseudo(&c, src, dst, proto, len);
		assert_int_equal(erg_cksum_finish(&c), erg_cksum_ref(ph, 12));
		/* add16 words go in as if at an even position. */
		erg_cksum_init(&d);
		erg_cksum_add16(&d, (uint16_t)(src >> 16));
		erg_cksum_add16(&d, (uint16_t)src);
		erg_cksum_add(&d, ph + 4, 8);
		assert_int_equal(erg_cksum_finish(&d), erg_cksum_ref(ph, 12));
	}
}

static void
test_cksum_add16_after_odd_chunk_keeps_odd_position(void **state)
{
	static const uint8_t abcd[4] = { 0x12, 0x9a, 0xf3, 0x4c };
	struct erg_cksum c;
	uint32_t sum;

	(void)state;
	/*
	 * [a b c] add16(w) [d]: the word counts as an even-position word and
	 * d still pairs with c. Expected: sum(a b c d) + w, folded.
	 */
	erg_cksum_init(&c);
	erg_cksum_add(&c, abcd, 3);
	erg_cksum_add16(&c, 0xbeef);
	assert_true(c.odd);
	erg_cksum_add(&c, abcd + 3, 1);
	assert_false(c.odd);
	sum = (uint16_t)~erg_cksum_ref(abcd, 4);
	sum += 0xbeef;
	sum = (sum & 0xffff) + (sum >> 16);
	assert_int_equal(erg_cksum_finish(&c), (uint16_t)~sum);
}

static uint16_t
recompute_with_field(uint8_t *buf, size_t len, size_t ck_at)
{
	erg_put_be16(buf + ck_at, 0);
	return erg_cksum(buf, len);
}

static void
test_cksum_update_equals_full_recompute_for_random_edits(void **state)
{
	enum {
		LEN = 40,
		CK = 10
	};
	uint8_t buf[LEN];
	uint64_t st = 1624;
	int i;

	(void)state;
	for (i = 0; i < 100000; i++) {
		size_t at;
		uint16_t ck, upd;

		fill_random(&st, buf, LEN);
		if (i % 7 == 0)
			memset(buf, 0, LEN); /* many zero words */
		ck = recompute_with_field(buf, LEN, CK);
		if (i & 1) {
			uint16_t old, nw = (uint16_t)rnd32(&st);

			do
				at = (rnd32(&st) % (LEN / 2)) * 2;
			while (at == CK);
			old = erg_be16(buf + at);
			if (i % 5 == 0)
				nw = (uint16_t)~old;
			erg_put_be16(buf + at, nw);
			upd = erg_cksum_update16(ck, old, nw);
		} else {
			uint32_t old, nw = rnd32(&st);

			do
				at = (rnd32(&st) % (LEN / 2 - 1)) * 2;
			while (at == CK || at + 2 == CK);
			old = erg_be32(buf + at);
			erg_put_be32(buf + at, nw);
			upd = erg_cksum_update32(ck, old, nw);
		}
		/* Skip the one case RFC 1624 cannot match: all-zero data. */
		{
			static const uint8_t zero[LEN];

			if (memcmp(buf, zero, LEN) == 0)
				continue;
		}
		assert_int_equal(upd, recompute_with_field(buf, LEN, CK));
	}
}

static void
test_cksum_update16_rfc1624_zero_corner_cases(void **state)
{
	/*
	 * RFC 1624 section 4: the other header words sum to 0xCD7A, a field
	 * changes from 0x5555 to 0x3285. HC = ~(0xCD7A + 0x5555) = 0xDD2F.
	 * Recomputed, HC' = ~(0xCD7A + 0x3285) = ~0xFFFF = 0x0000; RFC
	 * 1141's equation 2 gives 0xFFFF instead; equation 3 gives 0x0000.
	 */
	uint8_t hdr[4] = { 0x55, 0x55, 0xcd, 0x7a };

	(void)state;
	assert_int_equal(erg_cksum(hdr, 4), 0xdd2f);
	erg_put_be16(hdr, 0x3285);
	assert_int_equal(erg_cksum(hdr, 4), 0x0000);
	assert_int_equal(erg_cksum_update16(0xdd2f, 0x5555, 0x3285), 0x0000);
	/* And back again. */
	assert_int_equal(erg_cksum_update16(0x0000, 0x3285, 0x5555), 0xdd2f);
	/*
	 * RFC 1624 errata 5864: HC 0x0000 (header sums to 0xFFFF), a field
	 * 0x5555 -> 0x5556 takes two end-around carries: HC' = 0xFFFE.
	 */
	hdr[0] = 0x55;
	hdr[1] = 0x55;
	hdr[2] = 0xaa;
	hdr[3] = 0xaa;
	assert_int_equal(erg_cksum(hdr, 4), 0x0000);
	erg_put_be16(hdr + 0, 0x5556);
	assert_int_equal(erg_cksum(hdr, 4), 0xfffe);
	assert_int_equal(erg_cksum_update16(0x0000, 0x5555, 0x5556), 0xfffe);
	/* An unchanged field leaves a 0x0000 checksum at 0x0000. */
	assert_int_equal(erg_cksum_update16(0x0000, 0x5555, 0x5555), 0x0000);
	/* 32-bit: an address rewrite equals two word updates, and verifies. */
	{
		uint8_t ip[20];
		uint16_t upd;

		memcpy(ip, frame_icmp_echo_request + 14, 20);
		erg_put_be32(ip + 16, ERG_IPV4(10, 0, 0, 9));
		upd = erg_cksum_update32(erg_be16(ip + 10), IP_B,
		    ERG_IPV4(10, 0, 0, 9));
		assert_int_equal(upd, recompute_with_field(ip, 20, 10));
		erg_put_be16(ip + 10, upd);
		assert_int_equal(erg_cksum(ip, 20), 0);
	}
}

/* ---- SipHash-2-4 ------------------------------------------------------ */

/*
 * Reference vectors: key 00..0f, message 00..(n-1), n = 0..63; the
 * 64-bit outputs of SipHash-2-4 as printed by the authors' reference
 * implementation (vectors.h, vectors_sip64).
 */
static const uint64_t sip64_vectors[64] = {
	0x726fdb47dd0e0e31ull,
	0x74f839c593dc67fdull,
	0x0d6c8009d9a94f5aull,
	0x85676696d7fb7e2dull,
	0xcf2794e0277187b7ull,
	0x18765564cd99a68dull,
	0xcbc9466e58fee3ceull,
	0xab0200f58b01d137ull,
	0x93f5f5799a932462ull,
	0x9e0082df0ba9e4b0ull,
	0x7a5dbbc594ddb9f3ull,
	0xf4b32f46226bada7ull,
	0x751e8fbc860ee5fbull,
	0x14ea5627c0843d90ull,
	0xf723ca908e7af2eeull,
	0xa129ca6149be45e5ull,
	0x3f2acc7f57c29bdbull,
	0x699ae9f52cbe4794ull,
	0x4bc1b3f0968dd39cull,
	0xbb6dc91da77961bdull,
	0xbed65cf21aa2ee98ull,
	0xd0f2cbb02e3b67c7ull,
	0x93536795e3a33e88ull,
	0xa80c038ccd5ccec8ull,
	0xb8ad50c6f649af94ull,
	0xbce192de8a85b8eaull,
	0x17d835b85bbb15f3ull,
	0x2f2e6163076bcfadull,
	0xde4daaaca71dc9a5ull,
	0xa6a2506687956571ull,
	0xad87a3535c49ef28ull,
	0x32d892fad841c342ull,
	0x7127512f72f27cceull,
	0xa7f32346f95978e3ull,
	0x12e0b01abb051238ull,
	0x15e034d40fa197aeull,
	0x314dffbe0815a3b4ull,
	0x027990f029623981ull,
	0xcadcd4e59ef40c4dull,
	0x9abfd8766a33735cull,
	0x0e3ea96b5304a7d0ull,
	0xad0c42d6fc585992ull,
	0x187306c89bc215a9ull,
	0xd4a60abcf3792b95ull,
	0xf935451de4f21df2ull,
	0xa9538f0419755787ull,
	0xdb9acddff56ca510ull,
	0xd06c98cd5c0975ebull,
	0xe612a3cb9ecba951ull,
	0xc766e62cfcadaf96ull,
	0xee64435a9752fe72ull,
	0xa192d576b245165aull,
	0x0a8787bf8ecb74b2ull,
	0x81b3e73d20b49b6full,
	0x7fa8220ba3b2eceaull,
	0x245731c13ca42499ull,
	0xb78dbfaf3a8d83bdull,
	0xea1ad565322a1a0bull,
	0x60e61c23a3795013ull,
	0x6606d7e446282b93ull,
	0x6ca4ecb15c5f91e1ull,
	0x9f626da15c9625f3ull,
	0xe51b38608ef25f57ull,
	0x958a324ceb064572ull,
};

static void
test_siphash24_reference_vectors(void **state)
{
	uint8_t key[16], msg[64], shifted[64 + 8];
	size_t n, a;

	(void)state;
	for (n = 0; n < 16; n++)
		key[n] = (uint8_t)n;
	for (n = 0; n < 64; n++)
		msg[n] = (uint8_t)n;
	for (n = 0; n < 64; n++) {
		assert_int_equal(erg_siphash24(key, msg, n), sip64_vectors[n]);
		/* Any alignment of the message gives the same hash. */
		for (a = 1; a < 8; a++) {
			memcpy(shifted + a, msg, n);
			assert_int_equal(erg_siphash24(key, shifted + a, n),
			    sip64_vectors[n]);
		}
	}
	/* Another key gives another value (the key is used at all). */
	key[15] ^= 1;
	assert_int_not_equal(erg_siphash24(key, msg, 0), sip64_vectors[0]);
}

/* ---- Timers ----------------------------------------------------------- */

enum {
	NTIMERS = 1000
};

struct tmodel;

struct ttimer {
	struct erg_timer t;
	struct tmodel *m;
	unsigned id;
	bool rearm; /* re-arm itself at now when fired */
};

struct tmodel {
	struct ttimer tm[NTIMERS];
	bool armed[NTIMERS];
	uint64_t when[NTIMERS];
	unsigned fired[NTIMERS * 4];
	uint64_t fired_when[NTIMERS * 4];
	unsigned nfired;
	struct erg_stack *s;
};

static void
ttimer_fn(struct erg_stack *s, struct erg_timer *t)
{
	struct ttimer *tt = ERG_CONTAINER_OF(t, struct ttimer, t);
	struct tmodel *m = tt->m;

	assert_ptr_equal(s, m->s);
	/* Disarmed before its callback runs, so the callback may re-arm. */
	assert_false(erg_timer_armed(t));
	assert_true(m->armed[tt->id]);
	assert_true(m->when[tt->id] <= erg_stack_now(s));
	assert_true(m->nfired < NELEM(m->fired));
	m->fired[m->nfired] = tt->id;
	m->fired_when[m->nfired] = t->when;
	m->nfired++;
	m->armed[tt->id] = false;
	if (tt->rearm) {
		m->armed[tt->id] = true;
		m->when[tt->id] = erg_stack_now(s);
		erg_timer_arm(s, t, erg_stack_now(s));
	}
}

static uint64_t
model_next(const struct tmodel *m)
{
	uint64_t next = ERG_TIME_NEVER;
	unsigned i;

	for (i = 0; i < NTIMERS; i++) {
		if (m->armed[i] && m->when[i] < next)
			next = m->when[i];
	}
	return next;
}

static struct tmodel *
model_new(struct tn_stack *t, uint32_t budget)
{
	struct erg_config cfg;
	struct tmodel *m = calloc(1, sizeof(*m));
	unsigned i;

	assert_non_null(m);
	/*
	 * The heap holds arp_entries + reasm_slots timers; with no traffic
	 * neither layer arms any, so our own timers may use that room.
	 */
	erg_config_default(&cfg);
	cfg.arp_entries = 1024;
	cfg.poll_budget = budget;
	tn_stack_init(t, &cfg, mac_b, 0, 0, 99);
	m->s = t->s;
	for (i = 0; i < NTIMERS; i++) {
		m->tm[i].m = m;
		m->tm[i].id = i;
		erg_timer_setup(&m->tm[i].t, ttimer_fn);
		assert_false(erg_timer_armed(&m->tm[i].t));
	}
	return m;
}

static int
cmp_fired(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	if (x[0] != y[0])
		return x[0] < y[0] ? -1 : 1;
	return x[1] < y[1] ? -1 : x[1] > y[1];
}

static void
test_timers_random_ops_match_naive_model(void **state)
{
	struct tn_stack t;
	struct tmodel *m;
	uint64_t st = 2024, now = 0;
	int op;

	(void)state;
	m = model_new(&t, UINT32_MAX);
	assert_int_equal(erg_timers_next(t.s), ERG_TIME_NEVER);
	for (op = 0; op < 30000; op++) {
		uint32_t r = rnd32(&st) % 100;
		unsigned id = rnd32(&st) % NTIMERS;

		if (r < 50) {
			/* Arm or re-arm, sometimes for an already due time. */
			uint64_t when = now + rnd32(&st) % 5000;

			erg_timer_arm(t.s, &m->tm[id].t, when);
			m->armed[id] = true;
			m->when[id] = when;
			assert_true(erg_timer_armed(&m->tm[id].t));
		} else if (r < 75) {
			/* Cancel, armed or not. */
			erg_timer_cancel(t.s, &m->tm[id].t);
			m->armed[id] = false;
			assert_false(erg_timer_armed(&m->tm[id].t));
		} else {
			/* Advance time and run what is due. */
			uint64_t(*exp)[2] = malloc(sizeof(*exp) * NTIMERS);
			uint64_t(*got)[2] = malloc(sizeof(*got) * NTIMERS);
			unsigned nexp = 0, i;
			uint64_t ret;

			assert_non_null(exp);
			assert_non_null(got);
			now += rnd32(&st) % 3000;
			for (i = 0; i < NTIMERS; i++) {
				if (m->armed[i] && m->when[i] <= now) {
					exp[nexp][0] = m->when[i];
					exp[nexp][1] = i;
					nexp++;
				}
			}
			m->nfired = 0;
			ret = erg_stack_poll(t.s, now);
			assert_int_equal(m->nfired, nexp);
			for (i = 0; i < nexp; i++) {
				/* Earliest first. */
				if (i > 0)
					assert_true(m->fired_when[i - 1] <=
					    m->fired_when[i]);
				got[i][0] = m->fired_when[i];
				got[i][1] = m->fired[i];
			}
			/* Same timers (ties may come in any order). */
			qsort(exp, nexp, sizeof(*exp), cmp_fired);
			qsort(got, nexp, sizeof(*got), cmp_fired);
			assert_memory_equal(exp, got, nexp * sizeof(*exp));
			assert_int_equal(ret, model_next(m));
			free(exp);
			free(got);
		}
		assert_int_equal(erg_timers_next(t.s), model_next(m));
		if (op % 500 == 0) {
			unsigned i;

			for (i = 0; i < NTIMERS; i++)
				assert_int_equal(erg_timer_armed(&m->tm[i].t),
				    m->armed[i]);
		}
	}
	for (op = 0; op < NTIMERS; op++)
		erg_timer_cancel(t.s, &m->tm[op].t);
	assert_int_equal(erg_timers_next(t.s), ERG_TIME_NEVER);
	assert_int_equal(erg_stack_poll(t.s, now + 1), ERG_TIME_NEVER);
	assert_int_equal(erg_stack_pool_in_use(t.s), t.baseline);
	free(m);
	tn_stack_fini(&t);
}

static void
test_timer_rearm_and_cancel_change_firing_order(void **state)
{
	struct tn_stack t;
	struct tmodel *m;
	unsigned i;

	(void)state;
	m = model_new(&t, 256);
	for (i = 0; i < 10; i++) {
		m->armed[i] = true;
		m->when[i] = 100 + i * 10;
		erg_timer_arm(t.s, &m->tm[i].t, m->when[i]);
	}
	assert_int_equal(erg_timers_next(t.s), 100);
	/* Re-arming the earliest for later moves it behind the others. */
	m->when[0] = 1000;
	erg_timer_arm(t.s, &m->tm[0].t, 1000);
	assert_int_equal(erg_timers_next(t.s), 110);
	/* Re-arming the latest for earlier moves it to the front. */
	m->when[9] = 50;
	erg_timer_arm(t.s, &m->tm[9].t, 50);
	assert_int_equal(erg_timers_next(t.s), 50);
	/* Cancelling a middle one, the head, and an unarmed one. */
	erg_timer_cancel(t.s, &m->tm[5].t);
	m->armed[5] = false;
	erg_timer_cancel(t.s, &m->tm[9].t);
	m->armed[9] = false;
	erg_timer_cancel(t.s, &m->tm[20].t);
	erg_timer_cancel(t.s, &m->tm[9].t); /* twice: harmless */
	assert_int_equal(erg_timers_next(t.s), 110);
	assert_int_equal(erg_stack_poll(t.s, 10000), ERG_TIME_NEVER);
	{
		static const unsigned want[] = { 1, 2, 3, 4, 6, 7, 8, 0 };

		assert_int_equal(m->nfired, NELEM(want));
		for (i = 0; i < NELEM(want); i++)
			assert_int_equal(m->fired[i], want[i]);
	}
	assert_int_equal(tn_stat(&t, ERG_STAT_TIMER_FIRED), 8);
	assert_int_equal(erg_stack_pool_in_use(t.s), t.baseline);
	free(m);
	tn_stack_fini(&t);
}

static void
test_poll_budget_bounds_timers_per_call(void **state)
{
	struct tn_stack t;
	struct tmodel *m;
	unsigned i;

	(void)state;
	m = model_new(&t, 8);
	/* 20 timers due at once: 8, 8, then 4 per poll. */
	for (i = 0; i < 20; i++) {
		m->armed[i] = true;
		m->when[i] = 100 + i;
		erg_timer_arm(t.s, &m->tm[i].t, 100 + i);
	}
	assert_int_equal(erg_stack_poll(t.s, 99), 100);
	assert_int_equal(m->nfired, 0);
	assert_int_equal(erg_stack_poll(t.s, 200), 200);
	assert_int_equal(m->nfired, 8);
	assert_int_equal(tn_stat(&t, ERG_STAT_POLL_BUDGET_EXHAUSTED), 1);
	assert_int_equal(erg_stack_poll(t.s, 200), 200);
	assert_int_equal(m->nfired, 16);
	assert_int_equal(tn_stat(&t, ERG_STAT_POLL_BUDGET_EXHAUSTED), 2);
	assert_int_equal(erg_stack_poll(t.s, 200), ERG_TIME_NEVER);
	assert_int_equal(m->nfired, 20);
	assert_int_equal(tn_stat(&t, ERG_STAT_POLL_BUDGET_EXHAUSTED), 2);
	assert_int_equal(tn_stat(&t, ERG_STAT_TIMER_FIRED), 20);
	for (i = 0; i < 20; i++)
		assert_int_equal(m->fired[i], i);
	/*
	 * Exactly the budget due, one more armed for later: the budget is
	 * used up but nothing due is left, so that is not "exhausted".
	 */
	for (i = 0; i < 9; i++) {
		m->armed[i] = true;
		m->when[i] = i < 8 ? 300 : 400;
		erg_timer_arm(t.s, &m->tm[i].t, m->when[i]);
	}
	assert_int_equal(erg_stack_poll(t.s, 300), 400);
	assert_int_equal(m->nfired, 28);
	assert_int_equal(tn_stat(&t, ERG_STAT_POLL_BUDGET_EXHAUSTED), 2);
	assert_int_equal(erg_stack_poll(t.s, 400), ERG_TIME_NEVER);
	assert_int_equal(erg_stack_pool_in_use(t.s), t.baseline);
	free(m);
	tn_stack_fini(&t);
}

static void
test_timer_rearming_itself_due_is_bounded_by_budget(void **state)
{
	struct tn_stack t;
	struct tmodel *m;

	(void)state;
	m = model_new(&t, 5);
	m->tm[3].rearm = true;
	m->armed[3] = true;
	m->when[3] = 10;
	erg_timer_arm(t.s, &m->tm[3].t, 10);
	/* A callback that re-arms for "now" cannot keep poll spinning. */
	assert_int_equal(erg_stack_poll(t.s, 10), 10);
	assert_int_equal(m->nfired, 5);
	assert_int_equal(tn_stat(&t, ERG_STAT_POLL_BUDGET_EXHAUSTED), 1);
	assert_int_equal(erg_stack_poll(t.s, 11), 11);
	assert_int_equal(m->nfired, 10);
	erg_timer_cancel(t.s, &m->tm[3].t);
	assert_int_equal(erg_stack_poll(t.s, 12), ERG_TIME_NEVER);
	assert_int_equal(m->nfired, 10);
	assert_int_equal(erg_stack_pool_in_use(t.s), t.baseline);
	free(m);
	tn_stack_fini(&t);
}

static void
test_poll_returns_next_deadline_and_time_never_goes_back(void **state)
{
	struct tn_stack t;
	struct tmodel *m;

	(void)state;
	m = model_new(&t, 256);
	assert_int_equal(erg_stack_now(t.s), 0);
	assert_int_equal(erg_stack_poll(t.s, 5), ERG_TIME_NEVER);
	assert_int_equal(erg_stack_now(t.s), 5);
	m->armed[0] = m->armed[1] = true;
	m->when[0] = 500;
	m->when[1] = 300;
	erg_timer_arm(t.s, &m->tm[0].t, 500);
	erg_timer_arm(t.s, &m->tm[1].t, 300);
	assert_int_equal(erg_stack_poll(t.s, 6), 300);
	assert_int_equal(erg_stack_poll(t.s, 300), 500);
	assert_int_equal(m->nfired, 1);
	/* A clock that steps back is ignored: now stays at 300. */
	assert_int_equal(erg_stack_poll(t.s, 100), 500);
	assert_int_equal(erg_stack_now(t.s), 300);
	assert_int_equal(erg_stack_poll(t.s, 499), 500);
	assert_int_equal(erg_stack_poll(t.s, 501), ERG_TIME_NEVER);
	assert_int_equal(m->nfired, 2);
	assert_int_equal(erg_stack_now(t.s), 501);
	/* Input moves the clock too. */
	tn_inject(&t, frame_arp_gratuitous, sizeof(frame_arp_gratuitous), 900);
	assert_int_equal(erg_stack_now(t.s), 900);
	tn_inject(&t, frame_arp_gratuitous, sizeof(frame_arp_gratuitous), 800);
	assert_int_equal(erg_stack_now(t.s), 900);
	assert_int_equal(erg_stack_pool_in_use(t.s), t.baseline);
	free(m);
	tn_stack_fini(&t);
}

/* ---- Packet pool ------------------------------------------------------- */

static void
small_pool_stack(struct tn_stack *t, uint32_t count)
{
	struct erg_config cfg;

	erg_config_default(&cfg);
	cfg.pkt_count = count;
	tn_stack_init(t, &cfg, mac_b, IP_B, 24, 5);
}

static void
test_pkt_alloc_until_exhaustion_counts_and_recovers(void **state)
{
	enum {
		N = 8
	};
	struct tn_stack t;
	struct erg_pkt *p[N];
	unsigned i, j;

	(void)state;
	small_pool_stack(&t, N);
	assert_int_equal(t.baseline, 0);
	for (i = 0; i < N; i++) {
		p[i] = erg_pkt_alloc(t.s);
		assert_non_null(p[i]);
		for (j = 0; j < i; j++)
			assert_ptr_not_equal(p[i], p[j]);
		assert_int_equal(tn_stat(&t, ERG_STAT_PKT_IN_USE), i + 1);
		/* Fresh: one ref, empty window, the full headroom. */
		assert_null(p[i]->next);
		assert_int_equal(p[i]->refs, 1);
		assert_int_equal(p[i]->len, 0);
		assert_int_equal(erg_pkt_headroom(p[i]), ERG_PKT_HEADROOM);
		assert_int_equal(erg_pkt_tailroom(p[i]),
		    2048 - ERG_PKT_HEADROOM);
		assert_null(p[i]->release);
		assert_int_equal(p[i]->flags, 0);
	}
	assert_int_equal(erg_stack_pool_in_use(t.s), N);
	assert_null(erg_pkt_alloc(t.s));
	assert_null(erg_pkt_alloc(t.s));
	assert_int_equal(tn_stat(&t, ERG_STAT_PKT_ALLOC_FAIL), 2);
	assert_int_equal(tn_stat(&t, ERG_STAT_PKT_HIGH_WATER), N);
	/* An input frame that cannot be answered for lack of buffers. */
	for (i = 0; i < 3; i++)
		erg_pkt_free(t.s, p[i]);
	assert_int_equal(tn_stat(&t, ERG_STAT_PKT_IN_USE), N - 3);
	assert_int_equal(tn_stat(&t, ERG_STAT_PKT_HIGH_WATER), N);
	for (i = 0; i < 3; i++) {
		p[i] = erg_pkt_alloc(t.s);
		assert_non_null(p[i]);
	}
	assert_null(erg_pkt_alloc(t.s));
	assert_int_equal(tn_stat(&t, ERG_STAT_PKT_ALLOC_FAIL), 3);
	for (i = 0; i < N; i++)
		erg_pkt_free(t.s, p[i]);
	assert_int_equal(tn_stat(&t, ERG_STAT_PKT_IN_USE), 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_PKT_HIGH_WATER), N);
	assert_int_equal(erg_stack_pool_in_use(t.s), t.baseline);
	tn_stack_fini(&t);
}

static void
test_pkt_exhausted_pool_drops_reply_cleanly(void **state)
{
	enum {
		N = 4
	};
	struct tn_stack t;
	struct erg_pkt *p[N];
	unsigned i;

	(void)state;
	small_pool_stack(&t, N);
	/* Hold all but one: the request fits, its reply finds no buffer. */
	for (i = 0; i < N - 1; i++)
		p[i] = erg_pkt_alloc(t.s);
	tn_inject(&t, frame_arp_request, sizeof(frame_arp_request), 1);
	assert_int_equal(t.cap.n, 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_PKT_ALLOC_FAIL), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_REPLY_TX), 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_PKT_IN_USE), N - 1);
	for (i = 0; i < N - 1; i++)
		erg_pkt_free(t.s, p[i]);
	/* And it serves again once buffers are back. */
	tn_inject(&t, frame_arp_request, sizeof(frame_arp_request), 2);
	assert_int_equal(t.cap.n, 1);
	assert_memory_equal(t.cap.frames[0].data, frame_arp_reply,
	    sizeof(frame_arp_reply));
	assert_int_equal(erg_stack_pool_in_use(t.s), t.baseline);
	tn_stack_fini(&t);
}

static void
test_pkt_ref_needs_one_free_per_reference(void **state)
{
	struct tn_stack t;
	struct erg_pkt *p;

	(void)state;
	small_pool_stack(&t, 4);
	p = erg_pkt_alloc(t.s);
	erg_pkt_ref(p);
	assert_int_equal(p->refs, 2);
	erg_pkt_free(t.s, p);
	assert_int_equal(tn_stat(&t, ERG_STAT_PKT_IN_USE), 1);
	assert_int_equal(p->refs, 1);
	erg_pkt_free(t.s, p);
	assert_int_equal(tn_stat(&t, ERG_STAT_PKT_IN_USE), 0);
	assert_int_equal(erg_stack_pool_in_use(t.s), t.baseline);
	tn_stack_fini(&t);
}

static void
test_pkt_push_pull_put_trim_refuse_out_of_bounds(void **state)
{
	struct tn_stack t;
	struct erg_pkt *p;
	uint32_t tail;
	uint8_t *d;

	(void)state;
	small_pool_stack(&t, 4);
	p = erg_pkt_alloc(t.s);
	tail = erg_pkt_tailroom(p);
	/* put: up to the tailroom, not one byte more. */
	assert_null(erg_pkt_put(p, tail + 1));
	assert_null(erg_pkt_put(p, UINT32_MAX));
	assert_int_equal(p->len, 0);
	d = erg_pkt_put(p, 4);
	assert_ptr_equal(d, p->buf + ERG_PKT_HEADROOM);
	memcpy(d, "DATA", 4);
	assert_non_null(erg_pkt_put(p, tail - 4));
	assert_int_equal(erg_pkt_tailroom(p), 0);
	assert_null(erg_pkt_put(p, 1));
	/* trim: keeps a prefix; never grows. */
	assert_false(erg_pkt_trim(p, p->len + 1));
	assert_false(erg_pkt_trim(p, UINT32_MAX));
	assert_true(erg_pkt_trim(p, 4));
	assert_int_equal(p->len, 4);
	/* push: up to the headroom (ERG_PKT_HEADROOM), not one more. */
	assert_null(erg_pkt_push(p, ERG_PKT_HEADROOM + 1));
	assert_null(erg_pkt_push(p, UINT32_MAX));
	assert_int_equal(p->head, ERG_PKT_HEADROOM);
	d = erg_pkt_push(p, 14);
	assert_ptr_equal(d, p->buf + ERG_PKT_HEADROOM - 14);
	assert_int_equal(p->len, 18);
	assert_non_null(erg_pkt_push(p, ERG_PKT_HEADROOM - 14));
	assert_int_equal(erg_pkt_headroom(p), 0);
	assert_null(erg_pkt_push(p, 1));
	/* pull: drops a prefix; the data stays where it was. */
	assert_false(erg_pkt_pull(p, p->len + 1));
	assert_false(erg_pkt_pull(p, UINT32_MAX));
	assert_true(erg_pkt_pull(p, ERG_PKT_HEADROOM));
	assert_memory_equal(erg_pkt_data(p), "DATA", 4);
	assert_true(erg_pkt_pull(p, 4));
	assert_int_equal(p->len, 0);
	assert_false(erg_pkt_pull(p, 1));
	assert_true(erg_pkt_pull(p, 0));
	erg_pkt_free(t.s, p);
	assert_int_equal(erg_stack_pool_in_use(t.s), t.baseline);
	tn_stack_fini(&t);
}

struct release_log {
	unsigned calls;
	struct erg_pkt *last;
};

static void
release_fn(struct erg_pkt *pkt, void *ctx)
{
	struct release_log *log = ctx;

	log->calls++;
	log->last = pkt;
}

static void
test_pkt_lent_release_called_once_on_last_free(void **state)
{
	struct tn_stack t;
	struct release_log log = { 0, NULL };
	struct erg_pkt lp;
	uint8_t mem[256];

	(void)state;
	small_pool_stack(&t, 4);
	memset(&lp, 0xee, sizeof(lp));
	erg_pkt_lend(&lp, mem, sizeof(mem), 16, 42, release_fn, &log);
	assert_ptr_equal(erg_pkt_data(&lp), mem + 16);
	assert_int_equal(lp.len, 42);
	assert_int_equal(lp.refs, 1);
	assert_null(lp.next);
	erg_pkt_ref(&lp);
	erg_pkt_free(t.s, &lp);
	assert_int_equal(log.calls, 0);
	erg_pkt_free(t.s, &lp);
	assert_int_equal(log.calls, 1);
	assert_ptr_equal(log.last, &lp);
	/* Lent memory is not the pool's: nothing counted as in use. */
	assert_int_equal(tn_stat(&t, ERG_STAT_PKT_IN_USE), 0);

	/* Through the stack: a lent ARP request is answered, then released. */
	memcpy(mem + 16, frame_arp_request, sizeof(frame_arp_request));
	erg_pkt_lend(&lp, mem, sizeof(mem), 16, sizeof(frame_arp_request),
	    release_fn, &log);
	erg_netif_input(t.s, t.ifindex, &lp, 10);
	assert_int_equal(log.calls, 2);
	assert_int_equal(t.cap.n, 1);
	assert_memory_equal(t.cap.frames[0].data, frame_arp_reply,
	    sizeof(frame_arp_reply));
	/* A lent runt is dropped and released just the same. */
	erg_pkt_lend(&lp, mem, sizeof(mem), 0, 5, release_fn, &log);
	erg_netif_input(t.s, t.ifindex, &lp, 11);
	assert_int_equal(log.calls, 3);
	assert_int_equal(erg_stack_pool_in_use(t.s), t.baseline);
	tn_stack_fini(&t);
}

static void
test_pkt_lent_datagram_released_when_application_frees_it(void **state)
{
	struct tn_stack t;
	struct release_log log = { 0, NULL };
	struct erg_udp_sock *u;
	struct erg_udp_dgram d;
	struct erg_pkt lp;
	uint8_t mem[256];
	size_t n;

	(void)state;
	small_pool_stack(&t, 4);
	assert_int_equal(erg_udp_open(t.s, NULL, NULL, &u), 0);
	assert_int_equal(erg_udp_bind(u, ERG_IPV4_ANY, 7), 0);
	n = tn_build_udp_frame(mem + 32, mac_b, mac_a, IP_A, IP_B, 40000, 7,
	    "hello\n", 6);
	erg_pkt_lend(&lp, mem, sizeof(mem), 32, (uint32_t)n, release_fn, &log);
	erg_netif_input(t.s, t.ifindex, &lp, 1);
	/* Zero-copy: the socket holds the driver's memory until freed. */
	assert_int_equal(log.calls, 0);
	assert_int_equal(erg_udp_recv(u, &d), 0);
	assert_ptr_equal(d.pkt, &lp);
	assert_ptr_equal(d.data.p, mem + 32 + 42);
	assert_int_equal(d.data.len, 6);
	assert_memory_equal(d.data.p, "hello\n", 6);
	assert_int_equal(d.src, IP_A);
	assert_int_equal(d.src_port, 40000);
	erg_pkt_free(t.s, d.pkt);
	assert_int_equal(log.calls, 1);
	erg_udp_close(u);
	assert_int_equal(erg_stack_pool_in_use(t.s), t.baseline);
	tn_stack_fini(&t);
}

static void
test_pkt_free_null_is_harmless_and_free_list_frees_all(void **state)
{
	struct tn_stack t;
	struct release_log log = { 0, NULL };
	struct erg_pkt *a, *b, *c, lp;
	uint8_t mem[64];

	(void)state;
	small_pool_stack(&t, 4);
	erg_pkt_free(t.s, NULL);
	erg_pkt_free_list(t.s, NULL);
	assert_int_equal(tn_stat(&t, ERG_STAT_PKT_IN_USE), 0);
	a = erg_pkt_alloc(t.s);
	b = erg_pkt_alloc(t.s);
	c = erg_pkt_alloc(t.s);
	erg_pkt_lend(&lp, mem, sizeof(mem), 0, 0, release_fn, &log);
	/* A list mixing pool and lent packets, one with an extra ref. */
	a->next = b;
	b->next = &lp;
	lp.next = c;
	erg_pkt_ref(b);
	erg_pkt_free_list(t.s, a);
	assert_int_equal(tn_stat(&t, ERG_STAT_PKT_IN_USE), 1);
	assert_int_equal(log.calls, 1);
	assert_null(b->next); /* unlinked before being freed */
	assert_int_equal(b->refs, 1);
	erg_pkt_free(t.s, b);
	assert_int_equal(tn_stat(&t, ERG_STAT_PKT_IN_USE), 0);
	assert_int_equal(erg_stack_pool_in_use(t.s), t.baseline);
	tn_stack_fini(&t);
}

/* ---- Configuration, arena and init ------------------------------------ */

static void
test_config_default_values(void **state)
{
	struct erg_config cfg;

	(void)state;
	memset(&cfg, 0x5a, sizeof(cfg));
	erg_config_default(&cfg);
	assert_int_equal(cfg.pkt_count, 256);
	assert_int_equal(cfg.pkt_size, 2048);
	assert_int_equal(cfg.netif_count, 2);
	assert_int_equal(cfg.arp_entries, 64);
	/*
	 * arp.c's header asks the default to hold every fragment of a
	 * maximum-size datagram: ceil(65515 / 1480) = 45 fragments, so 64.
	 * (include/erg/config.h still says "default 4"; reported.)
	 */
	assert_int_equal(cfg.arp_queue_len, 64);
	assert_true(cfg.arp_queue_len >= (65535 - 20 + 1479) / 1480);
	assert_int_equal(cfg.arp_reachable_ms, 120000);
	assert_int_equal(cfg.arp_retry_ms, 1000);
	assert_int_equal(cfg.arp_retries, 3);
	assert_int_equal(cfg.reasm_slots, 2);
	assert_int_equal(cfg.reasm_max, 65535);
	assert_int_equal(cfg.reasm_timeout_ms, 30000);
	assert_int_equal(cfg.icmp_err_per_sec, 100);
	assert_int_equal(cfg.icmp_err_burst, 20);
	assert_int_equal(cfg.udp_socks, 16);
	assert_int_equal(cfg.udp_rxq_len, 32);
	assert_int_equal(cfg.poll_budget, 256);
	assert_null(cfg.rand);
	assert_null(cfg.rand_ctx);
	/* Defaults need a rand before they are valid. */
	assert_int_equal(erg_arena_size(&cfg), 0);
	cfg.rand = tn_rand;
	assert_true(erg_arena_size(&cfg) > 0);
}

static void
valid_config(struct erg_config *cfg, uint64_t *rng)
{
	erg_config_default(cfg);
	cfg->rand = tn_rand;
	cfg->rand_ctx = rng;
}

struct cfg_case {
	const char *name;
	size_t off;
	uint32_t bad[4];
	unsigned nbad;
	uint32_t good[3];
	unsigned ngood;
};

static void
set_field(struct erg_config *cfg, size_t off, uint32_t v)
{
	memcpy((uint8_t *)cfg + off, &v, sizeof(v));
}

static void
test_arena_size_zero_for_every_invalid_config(void **state)
{
	static const struct cfg_case cases[] = {
		{ "pkt_count", offsetof(struct erg_config, pkt_count),
		    { 0, 3, (1u << 20) + 1, UINT32_MAX }, 4, { 4, 1u << 20 },
		    2 },
		{ "pkt_size", offsetof(struct erg_config, pkt_size),
		    { 0, 1023, 65536, UINT32_MAX }, 4, { 1024, 65535 }, 2 },
		{ "netif_count", offsetof(struct erg_config, netif_count),
		    { 0, 65, UINT32_MAX }, 3, { 1, 64 }, 2 },
		{ "arp_entries", offsetof(struct erg_config, arp_entries),
		    { 0, (1u << 20) + 1 }, 2, { 1 }, 1 },
		{ "arp_queue_len", offsetof(struct erg_config, arp_queue_len),
		    { 0, (1u << 20) + 1 }, 2, { 1 }, 1 },
		{ "arp_reachable_ms",
		    offsetof(struct erg_config, arp_reachable_ms), { 0, 999 },
		    2, { 1000 }, 1 },
		{ "arp_retry_ms", offsetof(struct erg_config, arp_retry_ms),
		    { 0, 9 }, 2, { 10 }, 1 },
		{ "arp_retries", offsetof(struct erg_config, arp_retries),
		    { 0, 101 }, 2, { 1, 100 }, 2 },
		{ "reasm_slots", offsetof(struct erg_config, reasm_slots),
		    { (1u << 20) + 1 }, 1, { 0 }, 1 },
		{ "reasm_max", offsetof(struct erg_config, reasm_max),
		    { 0, 575, 65536 }, 3, { 576, 65535 }, 2 },
		{ "reasm_timeout_ms",
		    offsetof(struct erg_config, reasm_timeout_ms), { 0, 99 }, 2,
		    { 100 }, 1 },
		{ "icmp_err_per_sec",
		    offsetof(struct erg_config, icmp_err_per_sec),
		    { 0, 1000001 }, 2, { 1, 1000000 }, 2 },
		{ "icmp_err_burst", offsetof(struct erg_config, icmp_err_burst),
		    { 0, 100001 }, 2, { 1, 100000 }, 2 },
		{ "udp_socks", offsetof(struct erg_config, udp_socks),
		    { (1u << 20) + 1 }, 1, { 0 }, 1 },
		{ "udp_rxq_len", offsetof(struct erg_config, udp_rxq_len),
		    { 0, (1u << 20) + 1 }, 2, { 1 }, 1 },
		{ "poll_budget", offsetof(struct erg_config, poll_budget),
		    { 0 }, 1, { 1, UINT32_MAX }, 2 },
		{ "tcp_conns", offsetof(struct erg_config, tcp_conns),
		    { (1u << 20) + 1 }, 1, { 0, 1 }, 2 },
		{ "tcp_listeners", offsetof(struct erg_config, tcp_listeners),
		    { (1u << 20) + 1 }, 1, { 0, 1 }, 2 },
		{ "tcp_snd_buf", offsetof(struct erg_config, tcp_snd_buf),
		    { 0, 1023, (1u << 30) + 1 }, 3, { 1024 }, 1 },
		{ "tcp_rcv_buf", offsetof(struct erg_config, tcp_rcv_buf),
		    { 0, 2047, (1u << 30) + 1 }, 3, { 2048, 1u << 30 }, 2 },
		{ "tcp_timewait", offsetof(struct erg_config, tcp_timewait),
		    { 0, (1u << 20) + 1 }, 2, { 1 }, 1 },
		{ "tcp_msl_ms", offsetof(struct erg_config, tcp_msl_ms),
		    { 0, 600001 }, 2, { 1, 600000 }, 2 },
		{ "tcp_delack_ms", offsetof(struct erg_config, tcp_delack_ms),
		    { 0, 501 }, 2, { 1, 500 }, 2 },
		{ "tcp_rto_min_ms", offsetof(struct erg_config, tcp_rto_min_ms),
		    { 0, 60001 }, 2, { 1, 60000 }, 2 },
		{ "tcp_retries", offsetof(struct erg_config, tcp_retries),
		    { 0, 31 }, 2, { 1, 30 }, 2 },
		{ "tcp_syn_retries",
		    offsetof(struct erg_config, tcp_syn_retries), { 0, 31 }, 2,
		    { 1, 30 }, 2 },
		{ "tls_sessions", offsetof(struct erg_config, tls_sessions),
		    { (1u << 20) + 1 }, 1, { 0, 1 }, 2 },
		{ "tls_buf", offsetof(struct erg_config, tls_buf),
		    { 0, ERG_TLS_BUF_MIN - 1, ERG_TLS_BUF_BIDI + 1 }, 3,
		    { ERG_TLS_BUF_MIN, ERG_TLS_BUF_MONO, ERG_TLS_BUF_BIDI },
		    3 },
		{ "tls_store", offsetof(struct erg_config, tls_store),
		    { (1u << 30) + 1 }, 1, { 0, 1u << 30 }, 2 },
	};
	struct erg_config cfg;
	uint64_t rng = 1;
	struct erg_stack *s = NULL;
	_Alignas(16) uint8_t arena[64];
	size_t i, j;

	(void)state;
	assert_int_equal(erg_arena_size(NULL), 0);
	valid_config(&cfg, &rng);
	cfg.rand = NULL;
	assert_int_equal(erg_arena_size(&cfg), 0);
	assert_int_equal(erg_stack_init(&s, arena, sizeof(arena), &cfg, 0),
	    -ERG_EINVAL);
	for (i = 0; i < NELEM(cases); i++) {
		for (j = 0; j < cases[i].nbad; j++) {
			valid_config(&cfg, &rng);
			set_field(&cfg, cases[i].off, cases[i].bad[j]);
			if (erg_arena_size(&cfg) != 0)
				fail_msg("%s = %u accepted", cases[i].name,
				    cases[i].bad[j]);
			/* init refuses it before looking at the arena. */
			assert_int_equal(
			    erg_stack_init(&s, arena, sizeof(arena), &cfg, 0),
			    -ERG_EINVAL);
		}
		for (j = 0; j < cases[i].ngood; j++) {
			valid_config(&cfg, &rng);
			set_field(&cfg, cases[i].off, cases[i].good[j]);
			if (erg_arena_size(&cfg) == 0)
				fail_msg("%s = %u refused", cases[i].name,
				    cases[i].good[j]);
		}
	}
	assert_null(s);
}

static void
test_stack_init_refuses_small_or_misaligned_arena(void **state)
{
	struct erg_config cfg;
	struct erg_stack *s = NULL;
	uint64_t rng = 3;
	uint8_t *mem;
	size_t need;

	(void)state;
	valid_config(&cfg, &rng);
	cfg.pkt_count = 4;
	need = erg_arena_size(&cfg);
	assert_true(need > 0);
	mem = aligned_alloc(16, need + 32);
	assert_non_null(mem);
	assert_int_equal(erg_stack_init(&s, mem, need - 1, &cfg, 0),
	    -ERG_ENOSPC);
	assert_int_equal(erg_stack_init(&s, mem, 0, &cfg, 0), -ERG_ENOSPC);
	assert_int_equal(erg_stack_init(&s, mem + 8, need + 8, &cfg, 0),
	    -ERG_EINVAL);
	assert_int_equal(erg_stack_init(&s, mem + 1, need + 8, &cfg, 0),
	    -ERG_EINVAL);
	assert_int_equal(erg_stack_init(&s, NULL, need, &cfg, 0), -ERG_EINVAL);
	assert_int_equal(erg_stack_init(NULL, mem, need, &cfg, 0), -ERG_EINVAL);
	assert_int_equal(erg_stack_init(&s, mem, need, NULL, 0), -ERG_EINVAL);
	assert_null(s);
	/* Exactly the size asked for, at a 16-byte boundary, is enough. */
	assert_int_equal(erg_stack_init(&s, mem + 16, need, &cfg, 1234), 0);
	assert_non_null(s);
	assert_true((uint8_t *)s >= mem + 16 && (uint8_t *)s < mem + 16 + need);
	assert_int_equal(erg_stack_now(s), 1234);
	assert_int_equal(erg_stack_pool_in_use(s), 0);
	free(mem);
}

static void
test_arena_size_grows_with_every_count(void **state)
{
	static const struct {
		size_t off;
		uint32_t step;
		size_t min_growth;
	} grow[] = {
		{ offsetof(struct erg_config, pkt_count), 1, 2048 },
		{ offsetof(struct erg_config, pkt_count), 100, 100 * 2048 },
		{ offsetof(struct erg_config, pkt_size), 1024, 256 * 1024 },
		{ offsetof(struct erg_config, netif_count), 1, 1 },
		{ offsetof(struct erg_config, arp_entries), 100, 100 * 8 },
		{ offsetof(struct erg_config, reasm_slots), 1, 60000 },
		{ offsetof(struct erg_config, reasm_max), 1000, 2 * 1000 },
		{ offsetof(struct erg_config, udp_socks), 10, 10 * 8 },
		{ offsetof(struct erg_config, tcp_conns), 1, 65536 + 256 },
		{ offsetof(struct erg_config, tcp_snd_buf), 1024, 64 * 1024 },
		{ offsetof(struct erg_config, tcp_listeners), 10, 10 * 64 },
		{ offsetof(struct erg_config, tcp_timewait), 100, 100 * 40 },
		{ offsetof(struct erg_config, tls_sessions), 1,
		    ERG_TLS_BUF_BIDI + 4096 },
		{ offsetof(struct erg_config, tls_store), 4096, 4096 },
	};
	struct erg_config cfg;
	uint64_t rng = 4;
	size_t base, i;

	(void)state;
	valid_config(&cfg, &rng);
	cfg.reasm_max = 60000;
	base = erg_arena_size(&cfg);
	/* The defaults: 256 buffers of 2 KiB, 2 reassembly buffers and 64
	 * TCP send rings of 64 KiB. */
	assert_true(base > 256u * 2048 + 2u * 60000 + 64u * 65536);
	assert_true(base < 2u * 1024 * 1024 + 64u * 65536);
	for (i = 0; i < NELEM(grow); i++) {
		uint32_t v;
		size_t sz;

		valid_config(&cfg, &rng);
		cfg.reasm_max = 60000;
		memcpy(&v, (uint8_t *)&cfg + grow[i].off, sizeof(v));
		set_field(&cfg, grow[i].off, v + grow[i].step);
		sz = erg_arena_size(&cfg);
		assert_true(sz >= base + grow[i].min_growth);
	}
	/* Limits that carve nothing do not change the size. */
	valid_config(&cfg, &rng);
	cfg.reasm_max = 60000;
	cfg.arp_queue_len = 1;
	cfg.arp_retries = 100;
	cfg.poll_budget = 1;
	cfg.udp_rxq_len = 1000;
	cfg.tcp_rcv_buf = 1u << 20;
	cfg.tcp_ooo_segs = 1000;
	cfg.tcp_msl_ms = 1000;
	cfg.tcp_retries = 30;
	assert_int_equal(erg_arena_size(&cfg), base);
}

struct stat_snap {
	uint64_t v[ERG_STAT_COUNT];
};

static void
snap(const struct erg_stack *s, struct stat_snap *out)
{
	unsigned i;

	for (i = 0; i < ERG_STAT_COUNT; i++)
		out->v[i] = erg_stat_get(s, (enum erg_stat)i);
}

static void
test_two_stacks_in_one_process_are_independent(void **state)
{
	struct tn_stack one, two;
	struct stat_snap before, after;
	uint8_t frame[128];
	size_t n;

	(void)state;
	tn_stack_init(&one, NULL, mac_b, IP_B, 24, 11);
	tn_stack_init(&two, NULL, mac_b, IP_B, 24, 11);
	snap(two.s, &before);
	/* Traffic on one only: ARP, a UDP datagram to a closed port, junk. */
	tn_inject(&one, frame_arp_request, sizeof(frame_arp_request), 5);
	n = tn_build_udp_frame(frame, mac_b, mac_a, IP_A, IP_B, 40000, 7,
	    "hello\n", 6);
	tn_inject(&one, frame, n, 6);
	tn_inject(&one, frame, 5, 7);
	(void)erg_stack_poll(one.s, 1000000);
	snap(two.s, &after);
	assert_memory_equal(&before, &after, sizeof(before));
	assert_int_equal(two.cap.n, 0);
	assert_int_equal(erg_stack_now(two.s), 0);
	assert_int_equal(tn_stat(&one, ERG_STAT_ARP_REPLY_TX), 1);
	assert_int_equal(tn_stat(&one, ERG_STAT_UDP_NO_PORT), 1);
	assert_int_equal(tn_stat(&one, ERG_STAT_ETHER_RUNT), 1);
	assert_int_equal(one.cap.n, 2); /* ARP reply, port unreachable */
	/* Same seed, same input: the second stack answers identically. */
	tn_inject(&two, frame_arp_request, sizeof(frame_arp_request), 5);
	tn_inject(&two, frame, n, 6);
	assert_int_equal(two.cap.n, 2);
	assert_int_equal(two.cap.frames[1].len, one.cap.frames[1].len);
	assert_memory_equal(two.cap.frames[1].data, one.cap.frames[1].data,
	    one.cap.frames[1].len);
	assert_int_equal(erg_stack_pool_in_use(one.s), one.baseline);
	assert_int_equal(erg_stack_pool_in_use(two.s), two.baseline);
	tn_stack_fini(&one);
	tn_stack_fini(&two);
}

static void
test_init_and_traffic_write_only_inside_the_arena(void **state)
{
	enum {
		GUARD = 4096
	};
	struct erg_config cfg;
	struct erg_netif_config nc;
	struct tn_capture cap;
	struct erg_stack *s;
	struct erg_udp_sock *u;
	uint64_t rng = 77;
	uint8_t frame[4096], *mem;
	size_t need, i, n;
	unsigned ifx;

	(void)state;
	memset(&cap, 0, sizeof(cap));
	valid_config(&cfg, &rng);
	cfg.pkt_count = 16;
	cfg.arp_entries = 4;
	cfg.udp_socks = 2;
	need = erg_arena_size(&cfg);
	mem = aligned_alloc(16, (need + GUARD + 15) & ~(size_t)15);
	assert_non_null(mem);
	memset(mem, 0xC3, need);
	memset(mem + need, 0x5A, GUARD);
	assert_int_equal(erg_stack_init(&s, mem, need, &cfg, 0), 0);
	for (i = 0; i < GUARD; i++)
		assert_int_equal(mem[need + i], 0x5A);
	memset(&nc, 0, sizeof(nc));
	memcpy(nc.mac, mac_b, 6);
	nc.mtu = 1500;
	nc.ops = &tn_capture_ops;
	nc.drv = &cap;
	assert_int_equal(erg_netif_add(s, &nc, &ifx), 0);
	assert_int_equal(erg_ipv4_addr_set(s, ifx, IP_B, 24), 0);
	/* Fill every pool and table the way traffic does. */
	assert_int_equal(erg_udp_open(s, NULL, NULL, &u), 0);
	assert_int_equal(erg_udp_bind(u, ERG_IPV4_ANY, 9000), 0);
	for (i = 0; i < 40; i++) {
		struct erg_pkt *p = erg_pkt_alloc(s);
		static const uint8_t *const fr[] = {
			frame_arp_request,
			frame_icmp_echo_request,
			frame_udp_frag_first,
			frame_udp_frag_last,
			frame_icmp_frag_first,
			frame_icmp_frag_second,
			frame_icmp_frag_last,
		};
		static const size_t frl[] = {
			sizeof(frame_arp_request),
			sizeof(frame_icmp_echo_request),
			sizeof(frame_udp_frag_first),
			sizeof(frame_udp_frag_last),
			sizeof(frame_icmp_frag_first),
			sizeof(frame_icmp_frag_second),
			sizeof(frame_icmp_frag_last),
		};

		if (p == NULL)
			break;
		memcpy(erg_pkt_put(p, (uint32_t)frl[i % 7]), fr[i % 7],
		    frl[i % 7]);
		erg_netif_input(s, ifx, p, i * 1000);
	}
	for (i = 0; i < 6; i++) {
		n = (size_t)(i * 700);
		memset(frame, (int)i, n);
		(void)erg_udp_sendto(u, ERG_IPV4(198, 18, 0, 10 + i), 53, frame,
		    n);
	}
	/* Follow the deadlines until every timer has run out. */
	{
		uint64_t next = erg_stack_poll(s, 40000);
		unsigned polls = 0;

		while (next != ERG_TIME_NEVER && polls++ < 1000)
			next = erg_stack_poll(s, next);
		assert_int_equal(next, ERG_TIME_NEVER);
	}
	for (i = 0; i < GUARD; i++)
		assert_int_equal(mem[need + i], 0x5A);
	assert_true(erg_udp_pending(u) > 0);
	erg_udp_close(u);
	assert_int_equal(erg_stack_pool_in_use(s), 0);
	tn_capture_clear(&cap);
	free(cap.frames);
	free(mem);
}

/* ---- Deferred events -------------------------------------------------- */

struct ev_ctx {
	struct tn_stack *t;
	struct erg_udp_sock *self;
	struct erg_udp_sock *other; /* closed from our callback */
	struct erg_udp_sock **other_slot;
	unsigned calls;
	unsigned last_bits;
	bool close_self;
	bool read;
	uint8_t data[16];
	size_t len;
	uint32_t from;
	uint16_t port;
	uint64_t udp_rx;
	uint64_t ipv4_rx;
	uint64_t netif_rx;
	unsigned pending;
};

static void
ev_cb(struct erg_udp_sock *u, unsigned events, void *arg)
{
	struct ev_ctx *c = arg;

	assert_ptr_equal(u, c->self);
	c->calls++;
	c->last_bits = events;
	c->pending = erg_udp_pending(u);
	c->udp_rx = tn_stat(c->t, ERG_STAT_UDP_RX);
	c->ipv4_rx = tn_stat(c->t, ERG_STAT_IPV4_RX);
	c->netif_rx = tn_stat(c->t, ERG_STAT_NETIF_RX);
	if (c->read)
		assert_int_equal(erg_udp_recvfrom(u, c->data, sizeof(c->data),
		                     &c->len, &c->from, &c->port),
		    0);
	if (c->other != NULL) {
		erg_udp_close(c->other);
		c->other = NULL;
		*c->other_slot = NULL;
	}
	if (c->close_self)
		erg_udp_close(u);
}

static size_t
udp_to_b(uint8_t *frame, uint16_t dport, const char *msg)
{
	return tn_build_udp_frame(frame, mac_b, mac_a, IP_A, IP_B, 40000, dport,
	    msg, strlen(msg));
}

/*
 * B learns A's MAC from A's ARP request, so that ICMP errors B sends to
 * A leave at once instead of waiting on ARP (holding a packet).
 */
static void
prime_arp(struct tn_stack *t)
{
	tn_inject(t, frame_arp_request, sizeof(frame_arp_request), 0);
	assert_int_equal(t->cap.n, 1);
	tn_capture_clear(&t->cap);
}

static void
test_udp_callback_runs_after_frame_fully_processed(void **state)
{
	struct tn_stack t;
	struct ev_ctx c;
	struct erg_udp_sock *u;
	uint8_t frame[128];
	size_t n;

	(void)state;
	tn_stack_init(&t, NULL, mac_b, IP_B, 24, 21);
	memset(&c, 0, sizeof(c));
	c.t = &t;
	c.read = true;
	assert_int_equal(erg_udp_open(t.s, ev_cb, &c, &u), 0);
	c.self = u;
	assert_int_equal(erg_udp_bind(u, ERG_IPV4_ANY, 7), 0);
	n = udp_to_b(frame, 7, "hello\n");
	tn_inject(&t, frame, n, 1);
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.last_bits, ERG_EV_READABLE);
	/* Every layer had finished with the frame when the callback ran. */
	assert_int_equal(c.netif_rx, 1);
	assert_int_equal(c.ipv4_rx, 1);
	assert_int_equal(c.udp_rx, 1);
	assert_int_equal(c.pending, 1);
	assert_int_equal(c.len, 6);
	assert_memory_equal(c.data, "hello\n", 6);
	assert_int_equal(c.from, IP_A);
	assert_int_equal(c.port, 40000);
	assert_int_equal(erg_udp_pending(u), 0);
	/* No second call without a second datagram. */
	assert_int_equal(erg_stack_poll(t.s, 2), ERG_TIME_NEVER);
	assert_int_equal(c.calls, 1);
	erg_udp_close(u);
	assert_int_equal(erg_stack_pool_in_use(t.s), t.baseline);
	tn_stack_fini(&t);
}

static void
test_udp_close_self_from_callback_is_safe(void **state)
{
	struct tn_stack t;
	struct ev_ctx c;
	struct erg_udp_sock *u;
	uint8_t frame[128];
	size_t n;

	(void)state;
	tn_stack_init(&t, NULL, mac_b, IP_B, 24, 22);
	prime_arp(&t);
	memset(&c, 0, sizeof(c));
	c.t = &t;
	c.close_self = true; /* and leave the datagram unread */
	assert_int_equal(erg_udp_open(t.s, ev_cb, &c, &u), 0);
	c.self = u;
	assert_int_equal(erg_udp_bind(u, ERG_IPV4_ANY, 7), 0);
	n = udp_to_b(frame, 7, "hello\n");
	tn_inject(&t, frame, n, 1);
	assert_int_equal(c.calls, 1);
	/* Socket and its queued datagram are back in their pools. */
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_SOCKS_IN_USE), 0);
	assert_int_equal(erg_stack_pool_in_use(t.s), t.baseline);
	/* The port is free again: the next datagram finds no socket. */
	tn_inject(&t, frame, n, 2);
	assert_int_equal(c.calls, 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_NO_PORT), 1);
	assert_int_equal(erg_stack_pool_in_use(t.s), t.baseline);
	tn_stack_fini(&t);
}

static void
test_udp_close_other_from_callback_frees_its_queue(void **state)
{
	struct tn_stack t;
	struct ev_ctx ca, cb;
	struct erg_udp_sock *a, *b;
	uint8_t frame[128];
	size_t n;

	(void)state;
	tn_stack_init(&t, NULL, mac_b, IP_B, 24, 23);
	prime_arp(&t);
	memset(&ca, 0, sizeof(ca));
	memset(&cb, 0, sizeof(cb));
	ca.t = cb.t = &t;
	assert_int_equal(erg_udp_open(t.s, ev_cb, &ca, &a), 0);
	assert_int_equal(erg_udp_open(t.s, ev_cb, &cb, &b), 0);
	ca.self = a;
	cb.self = b;
	assert_int_equal(erg_udp_bind(a, ERG_IPV4_ANY, 7), 0);
	assert_int_equal(erg_udp_bind(b, ERG_IPV4_ANY, 9), 0);
	/* b gets two datagrams it does not read. */
	n = udp_to_b(frame, 9, "one");
	tn_inject(&t, frame, n, 1);
	n = udp_to_b(frame, 9, "two");
	tn_inject(&t, frame, n, 2);
	assert_int_equal(cb.calls, 2);
	assert_int_equal(erg_udp_pending(b), 2);
	assert_int_equal(tn_stat(&t, ERG_STAT_PKT_IN_USE), 2);
	/* a's callback closes b. */
	ca.other = b;
	ca.other_slot = &b;
	ca.read = true;
	n = udp_to_b(frame, 7, "close");
	tn_inject(&t, frame, n, 3);
	assert_int_equal(ca.calls, 1);
	assert_null(b);
	assert_int_equal(cb.calls, 2);
	assert_int_equal(tn_stat(&t, ERG_STAT_PKT_IN_USE), 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_SOCKS_IN_USE), 1);
	/* b's port is gone; a still works. */
	n = udp_to_b(frame, 9, "three");
	tn_inject(&t, frame, n, 4);
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_NO_PORT), 1);
	assert_int_equal(cb.calls, 2);
	n = udp_to_b(frame, 7, "four");
	tn_inject(&t, frame, n, 5);
	assert_int_equal(ca.calls, 2);
	assert_memory_equal(ca.data, "four", 4);
	erg_udp_close(a);
	assert_int_equal(erg_stack_pool_in_use(t.s), t.baseline);
	tn_stack_fini(&t);
}

/* Event sources driven directly, to reach cases UDP input cannot stage. */
struct evt {
	struct erg_evsrc ev;
	struct erg_stack *s;
	unsigned *log;
	unsigned *nlog;
	unsigned id;
	struct evt *cancel; /* cancelled by our delivery */
	bool repost;        /* posts itself again, once */
	bool repost_forever;
};

static void
evt_deliver(struct erg_evsrc *ev, unsigned bits)
{
	struct evt *e = ERG_CONTAINER_OF(ev, struct evt, ev);

	e->log[(*e->nlog)++] = e->id << 8 | bits;
	if (e->cancel != NULL)
		erg_event_cancel(e->s, &e->cancel->ev);
	if (e->repost || e->repost_forever) {
		e->repost = false;
		erg_event_post(e->s, &e->ev, 0x80);
	}
}

static void
test_events_cancel_and_repost_during_delivery(void **state)
{
	struct tn_stack t;
	struct evt e[4];
	unsigned log[16], nlog = 0, i;

	(void)state;
	tn_stack_init(&t, NULL, mac_b, 0, 0, 24);
	memset(e, 0, sizeof(e));
	for (i = 0; i < 4; i++) {
		e[i].ev.deliver = evt_deliver;
		e[i].s = t.s;
		e[i].log = log;
		e[i].nlog = &nlog;
		e[i].id = i;
	}
	/* Bits accumulate; a source is queued once. */
	erg_event_post(t.s, &e[0].ev, 0x1);
	erg_event_post(t.s, &e[1].ev, 0x4);
	erg_event_post(t.s, &e[0].ev, 0x2);
	erg_event_post(t.s, &e[2].ev, 0x1);
	erg_event_post(t.s, &e[3].ev, 0x1);
	assert_int_equal(t.s->ev_count, 4);
	/* 0 cancels 1, as closing another socket from a callback does. */
	e[0].cancel = &e[1];
	erg_events_deliver(t.s);
	assert_int_equal(nlog, 3);
	assert_int_equal(log[0], 0u << 8 | 0x3);
	assert_int_equal(log[1], 2u << 8 | 0x1);
	assert_int_equal(log[2], 3u << 8 | 0x1);
	assert_false(e[1].ev.queued);
	assert_int_equal(e[1].ev.pending, 0);
	assert_int_equal(t.s->ev_count, 0);
	/*
	 * A source posted by a callback waits for the next safe point, and
	 * poll says so by returning "now" instead of the next deadline.
	 */
	nlog = 0;
	e[0].cancel = NULL;
	e[0].repost = true;
	erg_event_post(t.s, &e[0].ev, 0x1);
	erg_event_post(t.s, &e[2].ev, 0x2);
	assert_int_equal(erg_stack_poll(t.s, 7), 7);
	assert_int_equal(nlog, 2);
	assert_int_equal(log[0], 0u << 8 | 0x1);
	assert_int_equal(log[1], 2u << 8 | 0x2);
	assert_int_equal(t.s->ev_count, 1);
	assert_int_equal(erg_stack_poll(t.s, 8), ERG_TIME_NEVER);
	assert_int_equal(nlog, 3);
	assert_int_equal(log[2], 0u << 8 | 0x80);
	/* Cancelling the tail fixes the tail: later posts still queue. */
	nlog = 0;
	e[0].cancel = NULL;
	erg_event_post(t.s, &e[0].ev, 0x1);
	erg_event_post(t.s, &e[1].ev, 0x1);
	erg_event_cancel(t.s, &e[1].ev);
	erg_event_post(t.s, &e[2].ev, 0x1);
	/* Cancelling the head, and something not queued, too. */
	erg_event_post(t.s, &e[3].ev, 0x1);
	erg_event_cancel(t.s, &e[0].ev);
	erg_event_cancel(t.s, &e[0].ev);
	erg_events_deliver(t.s);
	assert_int_equal(nlog, 2);
	assert_int_equal(log[0], 2u << 8 | 0x1);
	assert_int_equal(log[1], 3u << 8 | 0x1);
	assert_null(t.s->ev_head);
	assert_null(t.s->ev_tail);
	assert_int_equal(t.s->ev_count, 0);
	/*
	 * A callback that posts itself every time cannot keep one call
	 * busy: one delivery per poll, and poll keeps saying "now".
	 */
	nlog = 0;
	e[3].repost_forever = true;
	erg_event_post(t.s, &e[3].ev, 0x1);
	for (i = 0; i < 5; i++) {
		assert_int_equal(erg_stack_poll(t.s, 9), 9);
		assert_int_equal(nlog, i + 1);
	}
	e[3].repost_forever = false;
	erg_event_cancel(t.s, &e[3].ev);
	assert_int_equal(erg_stack_poll(t.s, 9), ERG_TIME_NEVER);
	assert_int_equal(nlog, 5);
	nlog = 2;
	/* Zero bits, or no deliver function: nothing is called. */
	erg_event_post(t.s, &e[0].ev, 0);
	e[1].ev.deliver = NULL;
	erg_event_post(t.s, &e[1].ev, 0x1);
	erg_events_deliver(t.s);
	assert_int_equal(nlog, 2);
	assert_int_equal(t.s->ev_count, 0);
	assert_int_equal(erg_stack_pool_in_use(t.s), t.baseline);
	tn_stack_fini(&t);
}

/* ---- Randomness ------------------------------------------------------- */

static void
test_rand_draws_only_from_config_rand(void **state)
{
	struct tn_stack t;
	uint64_t copy;
	uint8_t want[16], got[16];
	int i;

	(void)state;
	tn_stack_init(&t, NULL, mac_b, 0, 0, 0x5eed);
	/* The stack's draws are the next bytes of the seeded generator. */
	for (i = 0; i < 8; i++) {
		uint8_t b[4];

		copy = t.rng;
		tn_rand(&copy, b, sizeof(b));
		assert_int_equal(erg_rand32(t.s), erg_be32(b));
		assert_int_equal(t.rng, copy);
	}
	copy = t.rng;
	tn_rand(&copy, want, sizeof(want));
	erg_rand_bytes(t.s, got, sizeof(got));
	assert_memory_equal(got, want, sizeof(want));
	/* The PRF is SipHash-2-4 under the key drawn at init. */
	assert_int_equal(erg_prf(t.s, "abc", 3),
	    erg_siphash24(t.s->prf_key, "abc", 3));
	assert_int_equal(erg_stack_pool_in_use(t.s), t.baseline);
	tn_stack_fini(&t);
}

/* ---- Names ------------------------------------------------------------ */

static void
test_strerror_names_every_code_with_either_sign(void **state)
{
	static const struct {
		int code;
		const char *name;
	} names[] = {
		{ ERG_OK, "OK" },
		{ ERG_EINVAL, "EINVAL" },
		{ ERG_ESTATE, "ESTATE" },
		{ ERG_EADDRINUSE, "EADDRINUSE" },
		{ ERG_ENOTCONN, "ENOTCONN" },
		{ ERG_EMSGSIZE, "EMSGSIZE" },
		{ ERG_EAGAIN, "EAGAIN" },
		{ ERG_ENOMEM, "ENOMEM" },
		{ ERG_ENOBUFS, "ENOBUFS" },
		{ ERG_ENOSPC, "ENOSPC" },
		{ ERG_EHOSTUNREACH, "EHOSTUNREACH" },
		{ ERG_ENETUNREACH, "ENETUNREACH" },
		{ ERG_ECONNREFUSED, "ECONNREFUSED" },
		{ ERG_ETIMEDOUT, "ETIMEDOUT" },
		{ ERG_EMSGTOOBIG, "EMSGTOOBIG" },
		{ ERG_ETTL, "ETTL" },
		{ ERG_ECONNRESET, "ECONNRESET" },
		{ ERG_ECONNABORTED, "ECONNABORTED" },
		{ ERG_ENXDOMAIN, "ENXDOMAIN" },
		{ ERG_ENODATA, "ENODATA" },
		{ ERG_ESERVFAIL, "ESERVFAIL" },
		{ ERG_ELOOP, "ELOOP" },
		{ ERG_ETRUNC, "ETRUNC" },
		{ ERG_EMALFORMED, "EMALFORMED" },
		{ ERG_ECHECKSUM, "ECHECKSUM" },
		{ ERG_EUNSUPPORTED, "EUNSUPPORTED" },
	};
	static const int unknown[] = { 7, 19, 23, 39, 52, 59, 64, 1000, INT_MAX,
		-INT_MAX };
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(names); i++) {
		assert_string_equal(erg_strerror(names[i].code), names[i].name);
		assert_string_equal(erg_strerror(-names[i].code),
		    names[i].name);
	}
	for (i = 0; i < NELEM(unknown); i++)
		assert_string_equal(erg_strerror(unknown[i]), "E?");
}

static void
test_strerror_int_min_is_unknown(void **state)
{
	(void)state;
	/*
	 * Regression: erg_strerror once negated err < 0 with -err, which
	 * overflows for INT_MIN (undefined behaviour; UBSan aborts). The
	 * header promises "E?" for any unknown code.
	 */
	assert_string_equal(erg_strerror(INT_MIN), "E?");
}

static void
test_stat_names_unique_and_null_out_of_range(void **state)
{
	unsigned i, j;

	(void)state;
	for (i = 0; i < ERG_STAT_COUNT; i++) {
		const char *n = erg_stat_name((enum erg_stat)i);
		const char *dot;

		assert_non_null(n);
		/* "<layer>.<reason>" */
		dot = strchr(n, '.');
		assert_non_null(dot);
		assert_true(dot > n && dot[1] != '\0');
		for (j = 0; j < i; j++)
			assert_string_not_equal(n,
			    erg_stat_name((enum erg_stat)j));
	}
	assert_null(erg_stat_name(ERG_STAT_COUNT));
	assert_null(erg_stat_name((enum erg_stat)(ERG_STAT_COUNT + 1000)));
	assert_null(erg_stat_name((enum erg_stat) - 1));
	/* A few names tests and tools rely on. */
	assert_string_equal(erg_stat_name(ERG_STAT_PKT_IN_USE), "pkt.in_use");
	assert_string_equal(erg_stat_name(ERG_STAT_ETHER_RUNT), "ether.runt");
	assert_string_equal(erg_stat_name(ERG_STAT_ARP_BAD_FORMAT),
	    "arp.bad_format");
	assert_string_equal(erg_stat_name(ERG_STAT_UDP_SOCK_ALLOC_FAIL),
	    "udp.sock_alloc_fail");
}

struct foreach_ctx {
	const struct erg_stack *s;
	unsigned n;
};

static void
foreach_fn(void *arg, const char *name, uint64_t value)
{
	struct foreach_ctx *c = arg;

	assert_true(c->n < ERG_STAT_COUNT);
	assert_ptr_equal(name, erg_stat_name((enum erg_stat)c->n));
	assert_int_equal(value, erg_stat_get(c->s, (enum erg_stat)c->n));
	c->n++;
}

static void
test_stats_foreach_visits_every_counter_in_order(void **state)
{
	struct tn_stack t;
	struct foreach_ctx c;

	(void)state;
	tn_stack_init(&t, NULL, mac_b, IP_B, 24, 25);
	/* Some non-zero values, so order mistakes show. */
	tn_inject(&t, frame_arp_request, sizeof(frame_arp_request), 1);
	tn_inject(&t, frame_arp_request, 3, 2);
	assert_int_equal(tn_stat(&t, ERG_STAT_ETHER_RUNT), 1);
	c.s = t.s;
	c.n = 0;
	erg_stack_stats_foreach(t.s, foreach_fn, &c);
	assert_int_equal(c.n, ERG_STAT_COUNT);
	assert_int_equal(erg_stat_get(t.s, ERG_STAT_COUNT), 0);
	assert_int_equal(erg_stat_get(t.s, (enum erg_stat) - 1), 0);
	assert_int_equal(erg_stack_pool_in_use(t.s), t.baseline);
	tn_stack_fini(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_view_sub_refuses_every_window_that_does_not_fit),
		cmocka_unit_test(
		    test_view_shift_and_trunc_refuse_more_than_len),
		cmocka_unit_test(
		    test_be16_be32_store_exact_bytes_at_any_alignment),
		cmocka_unit_test(test_views_copy_spans_views_at_every_offset),
		cmocka_unit_test(
		    test_cksum_equals_reference_every_length_and_alignment),
		cmocka_unit_test(test_cksum_large_buffers_fold_every_carry),
		cmocka_unit_test(
		    test_cksum_vector_path_random_lengths_alignments_and_splits),
		cmocka_unit_test(
		    test_cksum_chunked_equals_one_shot_at_every_split),
		cmocka_unit_test(test_cksum_rfc1071_section3_numeric_example),
		cmocka_unit_test(
		    test_cksum_buffer_holding_its_own_checksum_sums_to_zero),
		cmocka_unit_test(
		    test_cksum_pseudo_header_verifies_captured_udp),
		cmocka_unit_test(
		    test_cksum_add16_after_odd_chunk_keeps_odd_position),
		cmocka_unit_test(
		    test_cksum_update_equals_full_recompute_for_random_edits),
		cmocka_unit_test(test_cksum_update16_rfc1624_zero_corner_cases),
		cmocka_unit_test(test_siphash24_reference_vectors),
		cmocka_unit_test(test_timers_random_ops_match_naive_model),
		cmocka_unit_test(
		    test_timer_rearm_and_cancel_change_firing_order),
		cmocka_unit_test(test_poll_budget_bounds_timers_per_call),
		cmocka_unit_test(
		    test_timer_rearming_itself_due_is_bounded_by_budget),
		cmocka_unit_test(
		    test_poll_returns_next_deadline_and_time_never_goes_back),
		cmocka_unit_test(
		    test_pkt_alloc_until_exhaustion_counts_and_recovers),
		cmocka_unit_test(test_pkt_exhausted_pool_drops_reply_cleanly),
		cmocka_unit_test(test_pkt_ref_needs_one_free_per_reference),
		cmocka_unit_test(
		    test_pkt_push_pull_put_trim_refuse_out_of_bounds),
		cmocka_unit_test(
		    test_pkt_lent_release_called_once_on_last_free),
		cmocka_unit_test(
		    test_pkt_lent_datagram_released_when_application_frees_it),
		cmocka_unit_test(
		    test_pkt_free_null_is_harmless_and_free_list_frees_all),
		cmocka_unit_test(test_config_default_values),
		cmocka_unit_test(test_arena_size_zero_for_every_invalid_config),
		cmocka_unit_test(
		    test_stack_init_refuses_small_or_misaligned_arena),
		cmocka_unit_test(test_arena_size_grows_with_every_count),
		cmocka_unit_test(
		    test_two_stacks_in_one_process_are_independent),
		cmocka_unit_test(
		    test_init_and_traffic_write_only_inside_the_arena),
		cmocka_unit_test(
		    test_udp_callback_runs_after_frame_fully_processed),
		cmocka_unit_test(test_udp_close_self_from_callback_is_safe),
		cmocka_unit_test(
		    test_udp_close_other_from_callback_frees_its_queue),
		cmocka_unit_test(test_events_cancel_and_repost_during_delivery),
		cmocka_unit_test(test_rand_draws_only_from_config_rand),
		cmocka_unit_test(
		    test_strerror_names_every_code_with_either_sign),
		cmocka_unit_test(test_strerror_int_min_is_unknown),
		cmocka_unit_test(test_stat_names_unique_and_null_out_of_range),
		cmocka_unit_test(
		    test_stats_foreach_visits_every_counter_in_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
