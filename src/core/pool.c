/*
 * src/core/pool.c: arena carving, fixed object pools and gauges.
 */
#include "core.h"

void *
erg_carve(struct erg_carve *c, size_t size)
{
	void *p;

	/* Sizes are far below these bounds on 64-bit; 32-bit may overflow. */
	if (c->overflow || c->off > SIZE_MAX - ERG_CARVE_ALIGN ||
	    size > SIZE_MAX - ERG_CARVE_ALIGN - c->off) {
		c->overflow = true;
		return NULL;
	}
	c->off =
	    (c->off + ERG_CARVE_ALIGN - 1) & ~(size_t)(ERG_CARVE_ALIGN - 1);
	p = c->base != NULL ? c->base + c->off : NULL;
	c->off += size;
	if (p != NULL) {
		memset(p, 0, size);
	}
	return p;
}

void *
erg_carve_array(struct erg_carve *c, uint64_t count, uint64_t size)
{
	/* count <= 2^20 and size <= 2^17 by config validation: < 2^37. */
	uint64_t total = count * size;

	if (total > SIZE_MAX) {
		c->overflow = true;
		return NULL;
	}
	return erg_carve(c, (size_t)total);
}

void
erg_pool_init(struct erg_pool *pool, void *mem, size_t obj_size, uint32_t count,
    enum erg_stat in_use, enum erg_stat high, enum erg_stat fail)
{
	uint8_t *base = mem;
	uint32_t i;

	pool->free = NULL;
	pool->count = count;
	pool->st_in_use = in_use;
	pool->st_high = high;
	pool->st_fail = fail;
	/* Thread the free list so that the first object is handed out first. */
	for (i = count; i > 0; i--) {
		void **obj =
		    (void **)(void *)(base + (size_t)(i - 1) * obj_size);

		*obj = pool->free;
		pool->free = obj;
	}
}
