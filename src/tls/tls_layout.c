/*
 * src/tls/tls_layout.c: the TLS session pool and the credential store,
 * carved from the arena.
 *
 * This file makes no BearSSL call (it only needs its structure sizes),
 * so a program that links liberg.a and never calls erg_tls_* pulls in
 * none of BearSSL.
 */
#include "tls_int.h"

#define STORE_ALIGN 16u

void
erg_tls_layout(struct erg_carve *c, const struct erg_config *cfg,
    struct erg_stack *s)
{
	struct erg_tls_layer *L = erg_carve(c, sizeof(*L));
	struct erg_tls *sess =
	    erg_carve_array(c, cfg->tls_sessions, sizeof(struct erg_tls));
	uint8_t *bufs = erg_carve_array(c, cfg->tls_sessions, cfg->tls_buf);
	uint8_t *store = erg_carve_array(c, 1, cfg->tls_store);
	uint32_t i;

	if (s == NULL) {
		return;
	}
	for (i = 0; i < cfg->tls_sessions; i++) {
		sess[i].buf = bufs + (size_t)i * cfg->tls_buf;
	}
	erg_pool_init(&L->pool, sess, sizeof(*sess), cfg->tls_sessions,
	    ERG_STAT_TLS_SESSIONS_IN_USE, ERG_STAT_TLS_SESSIONS_HIGH_WATER,
	    ERG_STAT_TLS_SESSIONS_ALLOC_FAIL);
	L->store.base = store;
	L->store.size = cfg->tls_store;
	L->store.used = 0;
	L->buf_size = cfg->tls_buf;
	s->tls = L;
}

void *
erg_tls_store_alloc(struct erg_stack *s, size_t n)
{
	struct erg_tls_store *st = &s->tls->store;
	size_t off = (st->used + STORE_ALIGN - 1) & ~(size_t)(STORE_ALIGN - 1);
	void *p;

	if (off > st->size || n > st->size - off) {
		ERG_COUNT(s, TLS_STORE_FULL);
		return NULL;
	}
	p = st->base + off;
	st->used = off + n;
	s->stats[ERG_STAT_TLS_STORE_USED] = st->used;
	memset(p, 0, n);
	return p;
}

void *
erg_tls_store_dup(struct erg_stack *s, const void *p, size_t n)
{
	void *q = erg_tls_store_alloc(s, n);

	if (q != NULL && n > 0) {
		memcpy(q, p, n);
	}
	return q;
}

char *
erg_tls_store_strdup(struct erg_stack *s, const char *str)
{
	size_t n = 0;

	while (str[n] != '\0') {
		n++;
	}
	return erg_tls_store_dup(s, str, n + 1);
}

size_t
erg_tls_store_mark(const struct erg_stack *s)
{
	return s->tls->store.used;
}

void
erg_tls_store_rewind(struct erg_stack *s, size_t mark)
{
	s->tls->store.used = mark;
	s->stats[ERG_STAT_TLS_STORE_USED] = mark;
}

void *
erg_tls_store_grow(struct erg_stack *s, void *p, size_t old, size_t n)
{
	struct erg_tls_store *st = &s->tls->store;
	uint8_t *q;

	if (p != NULL && (uint8_t *)p + old == st->base + st->used) {
		size_t off = (size_t)((uint8_t *)p - st->base);

		if (n > st->size - off) {
			ERG_COUNT(s, TLS_STORE_FULL);
			return NULL;
		}
		memset((uint8_t *)p + old, 0, n - old);
		st->used = off + n;
		s->stats[ERG_STAT_TLS_STORE_USED] = st->used;
		return p;
	}
	q = erg_tls_store_alloc(s, n);
	if (q != NULL && p != NULL && old > 0) {
		memcpy(q, p, old);
	}
	return q;
}
