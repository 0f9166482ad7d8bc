/*
 * fuzz/fuzz.h: what every harness shares.
 *
 * Each fuzz/fuzz_<target>.c defines erg_fuzz_one(); two mains drive it:
 * fuzz/replay_main.c (every file of a corpus, under the sanitizers, for
 * make test) and fuzz/afl_main.c (AFL++ persistent mode, for make fuzz).
 *
 * A harness reports a bug by abort(): a broken invariant is a crash that
 * AFL++ keeps and that the replay turns into a test failure. Input the
 * parser refuses is never a bug by itself; a refusal for the wrong reason
 * (the counter does not match the input) is.
 *
 * Hosted code: libc is fine here.
 */
#ifndef ERG_FUZZ_H
#define ERG_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/*
 * Runs one input. Returns 0; aborts on a broken invariant. MUST be
 * deterministic: the same bytes always take the same path, whatever ran
 * before in the same process (AFL++ persistent mode runs thousands of
 * inputs per process).
 */
int erg_fuzz_one(const uint8_t *data, size_t len);

static inline void
fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
	abort();
}

/* Aborts, naming the condition, unless cond holds. */
#define FUZZ_CHECK(cond)                                      \
	do {                                                  \
		if (!(cond))                                  \
			fuzz_fail(__FILE__, __LINE__, #cond); \
	} while (0)

/*
 * The two encodings of a one's-complement zero: a checksum field may hold
 * either when the covered sum is itself zero (RFC 1071 section 3), so a
 * round trip may turn one into the other and still be right.
 */
static inline int
fuzz_cksum_same(uint16_t a, uint16_t b)
{
	if (a == b)
		return 1;
	return (a == 0 || a == 0xffff) && (b == 0 || b == 0xffff);
}

/*
 * A seeded generator for erg_config.rand: splitmix64 over *ctx (a
 * uint64_t state), as tests/lib/testnet.c's tn_rand (not linked into
 * fuzz programs), so that every input replays exactly.
 */
static inline void
fuzz_rand(void *ctx, void *buf, size_t len)
{
	uint64_t *st = ctx;
	uint8_t *b = buf;

	while (len > 0) {
		uint64_t z = (*st += 0x9e3779b97f4a7c15ull);
		size_t i;

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		z ^= z >> 31;
		for (i = 0; i < 8 && len > 0; i++, len--)
			*b++ = (uint8_t)(z >> (8 * i));
	}
}

#endif
