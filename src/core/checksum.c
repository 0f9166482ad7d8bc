/*
 * src/core/checksum.c: the Internet checksum (RFC 1071, RFC 1624).
 *
 * The one's-complement sum is independent of byte order (RFC 1071 section
 * 2(B)), so the fast path adds native-order 32-bit loads into 64-bit
 * accumulators (overflow would take 2^32 loads: 16 GiB in one chunk), folds
 * to 16 bits, and swaps to network order once, at the end.
 * Loads go through memcpy so that any alignment is legal C; compilers turn
 * them into single loads.
 *
 * Where SSE2 is there (every x86-64), the bulk goes through a vector loop
 * first (sum_sse2): PMADDWD multiplies 16-bit words by 1 and adds pairs
 * into 32-bit lanes, one instruction per 16 bytes, which neither scalar
 * adds with carries nor widening unpacks match. It is written with the
 * compiler's vector extensions and one builtin, not <emmintrin.h>, whose
 * GCC version includes <stdlib.h> (src/ needs no C library headers).
 */
#include "core.h"

static inline uint32_t
load32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static inline uint16_t
load16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

/* Folds a 64-bit native-order sum to 16 bits (still native order). */
static inline uint16_t
fold64(uint64_t sum)
{
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)sum;
}

static inline bool
host_is_le(void)
{
	const uint16_t one = 1;
	uint8_t b;

	memcpy(&b, &one, 1);
	return b == 1;
}

static inline uint16_t
swap16(uint16_t v)
{
	return (uint16_t)(v << 8 | v >> 8);
}

static inline uint64_t
load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* The two 32-bit halves of a 64-bit word, added: < 2^33. */
static inline uint64_t
halves(uint64_t v)
{
	return (v & 0xffffffffu) + (v >> 32);
}

/*
 * Native-order sum of len bytes at p, as if p were at an even position.
 * 64-bit words go into four independent 64-bit accumulators whose carries
 * out of bit 63 are counted apart (2^64 is 1 modulo 2^16 - 1, as 2^32
 * is): four dependency chains of one load and two adds per 8 bytes, where
 * 32-bit loads need two loads and two adds. The accumulators are folded
 * to their 32-bit halves at the end, so the total stays far below 2^64
 * (carries < len / 8).
 */
static uint64_t
sum_native(const uint8_t *p, size_t len)
{
	uint64_t a = 0, b = 0, c = 0, d = 0, carries = 0, v, s;

	while (len >= 32) {
		v = load64(p);
		a += v;
		carries += a < v;
		v = load64(p + 8);
		b += v;
		carries += b < v;
		v = load64(p + 16);
		c += v;
		carries += c < v;
		v = load64(p + 24);
		d += v;
		carries += d < v;
		p += 32;
		len -= 32;
	}
	s = halves(a) + halves(b) + halves(c) + halves(d) + carries;
	while (len >= 4) {
		s += load32(p);
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		s += load16(p);
		p += 2;
		len -= 2;
	}
	if (len == 1) {
		/* The odd byte is the high-order byte of a zero-padded word. */
		uint8_t last[2] = { p[0], 0 };

		s += load16(last);
	}
	return s;
}

#if defined(__SSE2__) && (defined(__GNUC__) || defined(__clang__))
#define CKSUM_SSE2 1

typedef short cksum_v8hi __attribute__((vector_size(16)));
typedef int cksum_v4si __attribute__((vector_size(16)));

/* Bytes per block: see the bound in sum_sse2. */
#define CKSUM_SSE2_BLOCK 32768u

static inline cksum_v4si
cksum_madd(const uint8_t *p)
{
	/* Flipping bit 15 maps the unsigned word w to the signed w - 2^15. */
	const cksum_v8hi bias = { -32768, -32768, -32768, -32768, -32768,
		-32768, -32768, -32768 };
	const cksum_v8hi one = { 1, 1, 1, 1, 1, 1, 1, 1 };
	cksum_v8hi v;

	memcpy(&v, p, sizeof(v));
	return __builtin_ia32_pmaddwd128(v ^ bias, one);
}

/*
 * Native-order sum of the first len & ~15 bytes at p (the caller adds the
 * rest), as if p were at an even position: the exact sum of its 16-bit
 * words. PMADDWD is signed, so every word is biased by -2^15 first (bit
 * 15 flipped) and 2^15 per word is added back per block. A lane takes one
 * pair sum in [-2^16, 2^16 - 2] per 32 bytes (two accumulators), so a
 * block of CKSUM_SSE2_BLOCK bytes keeps it within 2^26: far from 2^31.
 */
static uint64_t
sum_sse2(const uint8_t *p, size_t len)
{
	uint64_t total = 0;

	while (len >= 16) {
		size_t n = ERG_MIN(len, (size_t)CKSUM_SSE2_BLOCK) & ~(size_t)15;
		cksum_v4si a = { 0, 0, 0, 0 }, b = { 0, 0, 0, 0 };
		int32_t l[4];
		size_t i = 0;

		for (; i + 64 <= n; i += 64) {
			a += cksum_madd(p + i);
			b += cksum_madd(p + i + 16);
			a += cksum_madd(p + i + 32);
			b += cksum_madd(p + i + 48);
		}
		for (; i < n; i += 16) {
			a += cksum_madd(p + i);
		}
		a += b;
		memcpy(l, &a, sizeof(l));
		/* n / 2 words, each 2^15 below its value. */
		total += (uint64_t)((int64_t)l[0] + l[1] + l[2] + l[3] +
		    (int64_t)n * 16384);
		p += n;
		len -= n;
	}
	return total;
}
#endif

void
erg_cksum_add(struct erg_cksum *c, const void *p, size_t len)
{
	uint64_t sum;
	uint16_t f;

	if (len == 0) {
		return;
	}
#ifdef CKSUM_SSE2
	if (len >= 64) {
		/* The vector part is a multiple of 16 bytes: the rest starts
		 * at an even position of the chunk, as sum_native wants. */
		size_t v = len & ~(size_t)15;

		sum = sum_sse2(p, v) +
		    sum_native((const uint8_t *)p + v, len - v);
	} else {
		sum = sum_native(p, len);
	}
#else
	sum = sum_native(p, len);
#endif
	if (c->odd) {
		/* This chunk starts at an odd position: swap its sum. */
		f = fold64(sum);
		sum = swap16(f);
	}
	/* c->sum stays far below 2^64: each add is < 2^48 for 4 GiB chunks. */
	c->sum += fold64(sum);
	if (len & 1) {
		c->odd = !c->odd;
	}
}

void
erg_cksum_add16(struct erg_cksum *c, uint16_t v)
{
	uint8_t b[2];
	bool odd = c->odd;

	erg_put_be16(b, v);
	c->odd = false;
	erg_cksum_add(c, b, 2);
	c->odd = odd;
}

void
erg_cksum_add_pseudo(struct erg_cksum *c, uint32_t src, uint32_t dst,
    uint8_t proto, uint16_t len)
{
	/*
	 * The pseudo-header's six 16-bit words (RFC 9293 3.1, RFC 768), in
	 * host order, summed (< 2^19) and folded. One's-complement sums
	 * commute with byte swapping (RFC 1071 2(B)), so the folded sum,
	 * swapped to native order, is what adding the 12 bytes at an even
	 * position adds: one step instead of six erg_cksum_add calls.
	 */
	uint64_t h = (src >> 16) + (src & 0xffffu) + (dst >> 16) +
	    (dst & 0xffffu) + proto + len;
	uint16_t f = fold64(h);

	c->sum += host_is_le() ? swap16(f) : f;
}

uint16_t
erg_cksum_finish(const struct erg_cksum *c)
{
	uint16_t f = fold64(c->sum);

	if (host_is_le()) {
		f = swap16(f);
	}
	return (uint16_t)~f;
}

uint16_t
erg_cksum(const void *p, size_t len)
{
	struct erg_cksum c;

	erg_cksum_init(&c);
	erg_cksum_add(&c, p, len);
	return erg_cksum_finish(&c);
}

uint16_t
erg_cksum_ref(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint32_t sum = 0;

	while (len > 1) {
		sum += (uint32_t)b[0] << 8 | b[1];
		if (sum & 0x80000000u) {
			sum = (sum & 0xffffu) + (sum >> 16);
		}
		b += 2;
		len -= 2;
	}
	if (len > 0) {
		sum += (uint32_t)b[0] << 8;
	}
	while (sum >> 16) {
		sum = (sum & 0xffffu) + (sum >> 16);
	}
	return (uint16_t)~sum;
}

uint16_t
erg_cksum_update16(uint16_t cksum, uint16_t old_word, uint16_t new_word)
{
	uint32_t sum;

	/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). */
	sum = (uint32_t)(uint16_t)~cksum + (uint16_t)~old_word + new_word;
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t
erg_cksum_update32(uint16_t cksum, uint32_t old_val, uint32_t new_val)
{
	cksum = erg_cksum_update16(cksum, (uint16_t)(old_val >> 16),
	    (uint16_t)(new_val >> 16));
	return erg_cksum_update16(cksum, (uint16_t)old_val, (uint16_t)new_val);
}
