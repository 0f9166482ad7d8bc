/*
 * src/core/pkt.c: the packet buffer pool.
 *
 * Pool packets are struct erg_pkt headers carved in one array and data
 * areas of cfg.pkt_size bytes in another; header i always owns data area
 * i. A lent packet (erg_pkt_lend) is marked so and never enters the pool;
 * its release callback, if any, runs at the last free.
 */
#include "core.h"

struct erg_pkt *
erg_pkt_alloc(struct erg_stack *s)
{
	struct erg_pkt *pkt = erg_pool_get(s, &s->pkt_pool);

	if (pkt == NULL) {
		return NULL;
	}
	pkt->next = NULL;
	pkt->head = ERG_PKT_HEADROOM;
	pkt->len = 0;
	pkt->refs = 1;
	pkt->ifindex = 0;
	pkt->flags = 0;
	pkt->l3 = 0;
	pkt->lent = false;
	pkt->release = NULL;
	return pkt;
}

void
erg_pkt_lend(struct erg_pkt *pkt, uint8_t *buf, uint32_t cap, uint32_t head,
    uint32_t len, erg_pkt_release_fn release, void *ctx)
{
	pkt->next = NULL;
	pkt->buf = buf;
	pkt->cap = cap;
	pkt->head = head;
	pkt->len = len;
	pkt->refs = 1;
	pkt->ifindex = 0;
	pkt->flags = 0;
	pkt->l3 = 0;
	pkt->lent = true;
	pkt->release = release;
	pkt->release_ctx = ctx;
}

void
erg_pkt_ref(struct erg_pkt *pkt)
{
	pkt->refs++;
}

void
erg_pkt_free(struct erg_stack *s, struct erg_pkt *pkt)
{
	if (pkt == NULL || --pkt->refs > 0) {
		return;
	}
	if (pkt->lent) {
		if (pkt->release != NULL) {
			pkt->release(pkt, pkt->release_ctx);
		}
		return;
	}
	/* The pool's free-list link is `next`, the first member. */
	erg_pool_put(s, &s->pkt_pool, pkt);
}

void
erg_pkt_free_list(struct erg_stack *s, struct erg_pkt *pkt)
{
	while (pkt != NULL) {
		struct erg_pkt *next = pkt->next;

		pkt->next = NULL;
		erg_pkt_free(s, pkt);
		pkt = next;
	}
}
