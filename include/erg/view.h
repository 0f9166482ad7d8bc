/*
 * erg/view.h: bounds-checked windows on bytes, and byte order helpers.
 *
 * struct erg_view is erg's cstruct: a pointer and a length, never one
 * without the other. A view borrows its bytes; whoever made it says how
 * long they live (usually: as long as the packet they point into).
 *
 * sub/shift refuse any window that does not fit, with overflow-safe
 * comparisons (off > len, then n > len - off; never off + n > len).
 */
#ifndef ERG_VIEW_H
#define ERG_VIEW_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

struct erg_view {
	const uint8_t *p;
	size_t len;
};

/* A writable window, used when emitting. */
struct erg_wview {
	uint8_t *p;
	size_t len;
};

static inline struct erg_view
erg_view_make(const void *p, size_t len)
{
	struct erg_view v;

	v.p = (const uint8_t *)p;
	v.len = len;
	return v;
}

/*
 * Sets *out to the n bytes at offset off of v. Returns false, leaving
 * *out untouched, if they do not all lie inside v.
 */
static inline bool
erg_view_sub(struct erg_view v, size_t off, size_t n, struct erg_view *out)
{
	if (off > v.len || n > v.len - off)
		return false;
	out->p = v.p + off;
	out->len = n;
	return true;
}

/* Drops the first n bytes of *v. Returns false (v untouched) if n > len. */
static inline bool
erg_view_shift(struct erg_view *v, size_t n)
{
	if (n > v->len)
		return false;
	v->p += n;
	v->len -= n;
	return true;
}

/* Keeps only the first n bytes of *v. Returns false if n > len. */
static inline bool
erg_view_trunc(struct erg_view *v, size_t n)
{
	if (n > v->len)
		return false;
	v->len = n;
	return true;
}

/*
 * Byte order. Loads and stores of big-endian (network order) integers at
 * any alignment. The caller has checked the bounds.
 */
static inline uint16_t
erg_be16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t
erg_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static inline void
erg_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
erg_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#ifdef __cplusplus
}
#endif
#endif
