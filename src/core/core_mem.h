/*
 * src/core/core_mem.h: the only C library functions src/ may call.
 *
 * Declared here rather than through <string.h> so that src/ builds with
 * the compiler's freestanding headers alone. The platform provides them
 * (libc when hosted; a few lines of C, or Solo5's, when not).
 */
#ifndef ERG_CORE_MEM_H
#define ERG_CORE_MEM_H

#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/*
 * src/ builds with -ffreestanding, which turns off the compiler's
 * knowledge of these four; route them through the builtins so that small
 * fixed-size copies (unaligned loads, MAC addresses) compile to plain
 * moves. Anything else still ends up as a call to the symbol above.
 */
#if defined(__GNUC__) || defined(__clang__)
#define memcpy(d, s, n)  __builtin_memcpy((d), (s), (n))
#define memmove(d, s, n) __builtin_memmove((d), (s), (n))
#define memset(d, c, n)  __builtin_memset((d), (c), (n))
#define memcmp(a, b, n)  __builtin_memcmp((a), (b), (n))
#endif

#endif
