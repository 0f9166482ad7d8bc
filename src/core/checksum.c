/*
 * src/core/checksum.c: the Internet checksum (RFC 1071, RFC 1624).
 *
 * The one's-complement sum is independent of byte order (RFC 1071 section
 * 2(B)), so the fast path adds native-order 32-bit loads into 64-bit
 * accumulators (overflow would take 2^32 loads: 16 GiB in one chunk), folds
 * to 16 bits, and swaps to network order once, at the end.
 * Loads go through memcpy so that any alignment is legal C; compilers turn
 * them into single loads.
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

void
erg_cksum_add(struct erg_cksum *c, const void *p, size_t len)
{
	uint64_t sum;
	uint16_t f;

	if (len == 0) {
		return;
	}
	sum = sum_native(p, len);
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
