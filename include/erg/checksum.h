/*
 * erg/checksum.h: the Internet checksum (RFC 1071) and its incremental
 * update (RFC 1624).
 *
 * Values are host-order integers equal to the big-endian field on the
 * wire: store them with erg_put_be16(). A buffer that already holds a
 * correct checksum sums to 0 through erg_cksum().
 *
 * The accumulator takes any number of chunks of any lengths, in order; a
 * chunk that starts at an odd position of the whole is handled (RFC 1071
 * section 2(B): byte-swapped partial sums).
 */
#ifndef ERG_CHECKSUM_H
#define ERG_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

struct erg_cksum {
	uint64_t sum; /* native-order partial sum, unfolded */
	bool odd;     /* an odd number of bytes was added so far */
};

static inline void
erg_cksum_init(struct erg_cksum *c)
{
	c->sum = 0;
	c->odd = false;
}

/* Adds len bytes at p (any alignment, len may be 0 or odd). */
void erg_cksum_add(struct erg_cksum *c, const void *p, size_t len);

/* Adds one big-endian 16-bit word as if it were at an even position. */
void erg_cksum_add16(struct erg_cksum *c, uint16_t v);

/*
 * Adds the IPv4 pseudo-header (RFC 768, RFC 9293 section 3.1) for
 * addresses in host order, protocol number and upper-layer length.
 */
void erg_cksum_add_pseudo(struct erg_cksum *c, uint32_t src, uint32_t dst,
    uint8_t proto, uint16_t len);

/* Folds and complements: the value to store in the checksum field. */
uint16_t erg_cksum_finish(const struct erg_cksum *c);

/* One-shot: the complemented checksum of one buffer. */
uint16_t erg_cksum(const void *p, size_t len);

/*
 * The reference implementation: the plain 16-bit loop of RFC 1071
 * section 4.1. Kept for tests and for bench/ to measure the fast one
 * against; not used by the stack.
 */
uint16_t erg_cksum_ref(const void *p, size_t len);

/*
 * RFC 1624 equation 3: the new checksum field after a 16-bit word of the
 * covered data changed from old_word to new_word. HC' = ~(~HC + ~m + m').
 */
uint16_t erg_cksum_update16(uint16_t cksum, uint16_t old_word,
    uint16_t new_word);

/* The same for a 32-bit field (two words), e.g. an IPv4 address. */
uint16_t erg_cksum_update32(uint16_t cksum, uint32_t old_val, uint32_t new_val);

#ifdef __cplusplus
}
#endif
#endif
