/*
 * src/dns/dns_cache.c: the resolver's answer cache, in the arena.
 *
 * cfg.dns_cache_entries entries, each with a fixed dns_entry_size-byte
 * slot holding a result message exactly as it was delivered (built by
 * dns_answer.c). The key is the name asked, lowercased (RFC 4343), and
 * the type; the class is always IN. Entries hang in a hash table keyed
 * by the stack's SipHash PRF (so that names chosen by an attacker cannot
 * pile into one chain) and in an LRU list.
 *
 * Decisions:
 * - An entry lives for the result's TTL (dns_answer.c: the smallest TTL
 *   delivered, the SOA's negative TTL for NXDOMAIN and NODATA, RFC 2308
 *   5, capped at cfg.dns_max_ttl_s) from the time it was inserted; it is
 *   dead from the microsecond born + ttl on. Results with TTL 0 and
 *   failures (timeouts, SERVFAIL, loops) are not cached: RFC 2308 7.1
 *   allows caching server failure for up to five minutes, but a stub that
 *   remembered a transient failure would fail the next query too.
 * - A hit copies the message out and counts every record's TTL down by
 *   the whole seconds since insertion (RFC 1035 7.4's "remaining TTL").
 * - When full, the least recently used entry (looked up or inserted
 *   least recently) gives way; an expired entry is freed when a lookup
 *   meets it.
 */
#include "dns_int.h"

#define US_PER_S 1000000ull

/* Entry references are index + 1, so that 0 is "none". */
#define CREF(c, e) ((uint32_t)((e) - (c)->e) + 1u)
#define CENT(c, r) (&(c)->e[(r)-1u])

/* Every entry unused, on the free list; the table and LRU list empty. */
static void
dns_cache_reset(struct dns_cache *c)
{
	uint32_t i;

	for (i = 0; i < c->nbuckets; i++) {
		c->buckets[i] = 0;
	}
	c->free_head = 0;
	for (i = c->n; i > 0; i--) {
		struct dns_centry *e = &c->e[i - 1];

		e->lprev = e->lnext = 0;
		e->hnext = c->free_head;
		c->free_head = i;
	}
	c->lru_head = c->lru_tail = 0;
}

void
dns_cache_layout(struct erg_carve *c, const struct erg_config *cfg,
    struct dns_cache *cache)
{
	uint32_t n = cfg->dns_cache_entries, nb = 1, i;
	struct dns_centry *e;
	uint32_t *buckets;
	uint8_t *data;

	/* n <= 2^20 (the stack's count limit): nb stays small. */
	while (nb < n) {
		nb <<= 1;
	}
	e = erg_carve_array(c, n, sizeof(*e));
	buckets = erg_carve_array(c, nb, sizeof(*buckets));
	data = erg_carve_array(c, n, cfg->dns_entry_size);
	if (cache == NULL) {
		return;
	}
	cache->e = e;
	cache->n = n;
	cache->buckets = buckets;
	cache->nbuckets = nb;
	for (i = 0; i < n; i++) {
		e[i].data = data + (size_t)i * cfg->dns_entry_size;
	}
	dns_cache_reset(cache);
}

/* The key: name lowercased (RFC 4343), in k; its hash with the type. */
static uint64_t
dns_cache_key(const struct erg_stack *s, const struct erg_dns_name *name,
    uint16_t type, struct erg_dns_name *k)
{
	uint8_t buf[ERG_DNS_NAME_MAX + 2];
	unsigned i;

	k->len = name->len;
	for (i = 0; i < name->len; i++) {
		uint8_t ch = name->wire[i];

		/* Length bytes are below 64: never 'A'..'Z'. */
		k->wire[i] = (ch >= 'A' && ch <= 'Z') ? (uint8_t)(ch + 32) : ch;
	}
	memcpy(buf, k->wire, k->len);
	erg_put_be16(buf + k->len, type);
	return erg_prf(s, buf, (size_t)k->len + 2);
}

static uint32_t *
dns_cache_bucket(struct dns_cache *c, uint64_t h)
{
	return &c->buckets[h & (c->nbuckets - 1)];
}

static void
dns_lru_unlink(struct dns_cache *c, struct dns_centry *e)
{
	if (e->lprev != 0) {
		CENT(c, e->lprev)->lnext = e->lnext;
	} else {
		c->lru_head = e->lnext;
	}
	if (e->lnext != 0) {
		CENT(c, e->lnext)->lprev = e->lprev;
	} else {
		c->lru_tail = e->lprev;
	}
	e->lprev = e->lnext = 0;
}

static void
dns_lru_push(struct dns_cache *c, struct dns_centry *e)
{
	uint32_t r = CREF(c, e);

	e->lprev = 0;
	e->lnext = c->lru_head;
	if (c->lru_head != 0) {
		CENT(c, c->lru_head)->lprev = r;
	} else {
		c->lru_tail = r;
	}
	c->lru_head = r;
}

/* Takes e out of the table and the LRU list, onto the free list. */
static void
dns_cache_remove(struct dns_cache *c, struct dns_centry *e)
{
	uint32_t *p = dns_cache_bucket(c, e->hash), r = CREF(c, e);

	while (*p != 0 && *p != r) {
		p = &CENT(c, *p)->hnext;
	}
	if (*p == r) {
		*p = e->hnext;
	}
	dns_lru_unlink(c, e);
	e->hnext = c->free_head;
	c->free_head = r;
}

static struct dns_centry *
dns_cache_find(struct dns_cache *c, const struct erg_dns_name *k, uint16_t type,
    uint64_t h)
{
	uint32_t r = *dns_cache_bucket(c, h);

	while (r != 0) {
		struct dns_centry *e = CENT(c, r);

		if (e->hash == h && e->type == type && e->key.len == k->len &&
		    memcmp(e->key.wire, k->wire, k->len) == 0) {
			return e;
		}
		r = e->hnext;
	}
	return NULL;
}

static bool
dns_cache_live(const struct erg_stack *s, const struct dns_centry *e)
{
	return s->now - e->born < (uint64_t)e->ttl * US_PER_S;
}

struct dns_centry *
dns_cache_lookup(struct erg_stack *s, const struct erg_dns_name *name,
    uint16_t type)
{
	struct dns_cache *c = &s->dns->cache;
	struct erg_dns_name k;
	struct dns_centry *e;
	uint64_t h;

	if (c->n == 0) {
		return NULL;
	}
	h = dns_cache_key(s, name, type, &k);
	e = dns_cache_find(c, &k, type, h);
	if (e == NULL) {
		return NULL;
	}
	if (!dns_cache_live(s, e)) {
		ERG_COUNT(s, DNS_CACHE_EXPIRED);
		dns_cache_remove(c, e);
		return NULL;
	}
	dns_lru_unlink(c, e);
	dns_lru_push(c, e);
	return e;
}

void
dns_cache_read(struct erg_stack *s, const struct dns_centry *e, uint8_t *buf,
    struct dns_result *r)
{
	uint64_t el = (s->now - e->born) / US_PER_S;
	struct erg_dns_msg m;
	struct erg_dns_rr rr;

	memcpy(buf, e->data, e->len);
	/* Our own message, parsed when it was built: each TTL is the four
	 * bytes before RDLENGTH (RFC 1035 4.1.3). */
	if (erg_dns_msg_parse(&m, erg_view_make(buf, e->len)) == 0) {
		while (erg_dns_rr_next(&m, &rr) == 1) {
			uint32_t t = rr.ttl > el ? (uint32_t)(rr.ttl - el) : 0;

			erg_put_be32(buf + rr.rdata_off - 6, t);
		}
	}
	r->err = e->err;
	r->rcode = e->rcode;
	r->server = e->server;
	/* The entry is live: el < e->ttl. */
	r->ttl = (uint32_t)(e->ttl - el);
	r->len = e->len;
}

/* A free entry, or the least recently used one evicted. */
static struct dns_centry *
dns_cache_take(struct erg_stack *s, struct dns_cache *c)
{
	struct dns_centry *e;

	if (c->free_head == 0) {
		ERG_COUNT(s, DNS_CACHE_EVICT);
		dns_cache_remove(c, CENT(c, c->lru_tail));
	}
	e = CENT(c, c->free_head);
	c->free_head = e->hnext;
	return e;
}

void
dns_cache_insert(struct erg_stack *s, const struct erg_dns_name *name,
    uint16_t type, const struct dns_result *r, const uint8_t *msg)
{
	struct dns_cache *c = &s->dns->cache;
	struct erg_dns_name k;
	struct dns_centry *e;
	uint32_t *b;
	uint64_t h;

	if (c->n == 0 || r->ttl == 0 || r->len == 0) {
		return;
	}
	if (r->len > s->cfg.dns_entry_size) {
		ERG_COUNT(s, DNS_CACHE_TOO_BIG);
		return;
	}
	h = dns_cache_key(s, name, type, &k);
	e = dns_cache_find(c, &k, type, h);
	if (e != NULL) {
		dns_cache_remove(c, e);
	}
	e = dns_cache_take(s, c);
	e->hash = h;
	e->key = k;
	e->type = type;
	e->err = r->err;
	e->rcode = r->rcode;
	e->server = r->server;
	e->ttl = r->ttl;
	e->born = s->now;
	e->len = (uint32_t)r->len;
	memcpy(e->data, msg, r->len);
	b = dns_cache_bucket(c, h);
	e->hnext = *b;
	*b = CREF(c, e);
	dns_lru_push(c, e);
	ERG_COUNT(s, DNS_CACHE_INSERT);
	if (r->err != 0) {
		ERG_COUNT(s, DNS_CACHE_NEGATIVE);
	}
}

void
dns_cache_flush_all(struct erg_stack *s)
{
	dns_cache_reset(&s->dns->cache);
}
