/*
 * src/ipv4/ipv4_reasm.c: fragment reassembly (RFC 791 3.2, RFC 1122
 * 3.3.2), hardened against the FragmentSmack/Teardrop family.
 *
 * Each of cfg.reasm_slots slots reassembles one datagram, identified by
 * (src, dst, id, proto), into a contiguous buffer of cfg.reasm_max bytes
 * carved from the arena: each fragment's payload is copied once into
 * place, and the fragment's packet is freed at once, so a slow datagram
 * holds one slot and no pool packets. A bitmap with one bit per 8-byte
 * block records what has arrived; every check is linear in the
 * fragment's length, so no input can cause quadratic work.
 *
 * Decisions:
 * - A fragment whose blocks are all present already is an exact or
 *   contained duplicate: it alone is dropped (ipv4.frag_dup), as Linux
 *   does; the first copy of the data wins. A fragment that overlaps
 *   partly drops the whole datagram (ipv4.frag_overlap, RFC 5722's rule
 *   applied to IPv4).
 * - offset + length beyond 65,535 (or beyond reasm_max) drops the whole
 *   datagram (ipv4.frag_oversize). A non-final fragment whose length is
 *   not a multiple of 8, a second "last" fragment at another end, or data
 *   beyond the end drop it too (ipv4.frag_bad).
 * - No free slot: a slot that has accepted nothing for a second is taken
 *   for the new datagram (ipv4.frag_evicted), since the fragments of one
 *   datagram arrive within milliseconds; a slot still receiving is never
 *   taken. With none idle, the new fragment is dropped
 *   (ipv4.frag_no_slot). So two spoofed fragments cannot block
 *   reassembly for a whole reasm_timeout_ms; holding every slot takes a
 *   steady stream.
 * - On timeout with the first fragment present, ICMP time exceeded
 *   (reassembly) is sent (RFC 1122 3.3.2, RFC 792).
 * - The complete datagram is delivered as a packet lent from the slot
 *   (erg_pkt_lend): its IP header (the first fragment's, total length and
 *   flags rewritten) sits just before the payload. The slot stays busy
 *   until the last reference to that packet is freed, e.g. until an
 *   application releases a UDP datagram it received.
 */
#include "ipv4_layer.h"

/* Room before the payload for the IP header and a reply's headers. */
#define REASM_HDR_ROOM 128u

enum reasm_state {
	REASM_FREE = 0,
	REASM_ACTIVE,
	REASM_DELIVERED
};

struct reasm_slot {
	struct erg_timer timer;
	struct erg_pkt pkt;      /* the datagram, once lent */
	struct erg_stack *stack; /* for the release callback */
	uint8_t *buf;            /* REASM_HDR_ROOM + max */
	uint64_t *map;           /* one bit per 8-byte block */
	uint32_t src;
	uint32_t dst;
	uint32_t total;   /* payload bytes, once known */
	uint32_t have;    /* payload bytes present */
	uint32_t max_end; /* highest end seen */
	uint64_t last_us; /* when a fragment was last accepted */
	uint16_t id;
	uint16_t ifindex;
	uint8_t proto;
	uint8_t hdr_len; /* first fragment's, 0 if none */
	uint8_t state;
	bool last_seen;
	uint16_t flags; /* ERG_PKT_F_*BCAST seen */
};

struct erg_reasm {
	struct reasm_slot *slots;
	uint32_t n;
	uint32_t max; /* payload capacity per slot */
};

static void reasm_timer_fn(struct erg_stack *s, struct erg_timer *t);

static size_t
reasm_map_words(uint32_t max)
{
	return ((size_t)max / 8 + 1 + 63) / 64;
}

void
erg_reasm_layout(struct erg_carve *c, const struct erg_config *cfg,
    struct erg_stack *s)
{
	struct erg_reasm *ra = erg_carve(c, sizeof(*ra));
	struct reasm_slot *slots =
	    erg_carve_array(c, cfg->reasm_slots, sizeof(*slots));
	uint32_t max = cfg->reasm_max - ERG_IPV4_HDR_LEN;
	uint32_t i;

	for (i = 0; i < cfg->reasm_slots; i++) {
		uint8_t *buf = erg_carve(c, REASM_HDR_ROOM + (size_t)max);
		uint64_t *map = erg_carve(c, reasm_map_words(max) * 8);

		if (s == NULL) {
			continue;
		}
		slots[i].buf = buf;
		slots[i].map = map;
		slots[i].stack = s;
		erg_timer_setup(&slots[i].timer, reasm_timer_fn);
	}
	if (s == NULL) {
		return;
	}
	ra->slots = slots;
	ra->n = cfg->reasm_slots;
	ra->max = max;
	s->reasm = ra;
}

static void
reasm_free(struct erg_stack *s, struct reasm_slot *sl)
{
	erg_timer_cancel(s, &sl->timer);
	sl->state = REASM_FREE;
	erg_gauge_dec(s, ERG_STAT_IPV4_REASM_IN_USE);
}

static void
reasm_release(struct erg_pkt *pkt, void *ctx)
{
	struct reasm_slot *sl = ctx;

	ERG_UNUSED(pkt);
	reasm_free(sl->stack, sl);
}

static void
reasm_timer_fn(struct erg_stack *s, struct erg_timer *t)
{
	struct reasm_slot *sl = ERG_CONTAINER_OF(t, struct reasm_slot, timer);

	ERG_COUNT(s, IPV4_FRAG_TIMEOUT);
	if (sl->hdr_len != 0) {
		struct erg_ipv4_repr ip;
		struct erg_pkt q;
		uint32_t h = REASM_HDR_ROOM - sl->hdr_len;

		/*
		 * Quote the first fragment's header and its first 8 payload
		 * bytes (always present: a first fragment carries a
		 * non-zero multiple of 8).
		 */
		memset(&ip, 0, sizeof(ip));
		ip.src = sl->src;
		ip.dst = sl->dst;
		ip.proto = sl->proto;
		ip.hdr_len = sl->hdr_len;
		ip.total_len = (uint16_t)(sl->hdr_len + 8u);
		ip.mf = true;
		erg_pkt_lend(&q, sl->buf, REASM_HDR_ROOM + 8u, h,
		    sl->hdr_len + 8u, NULL, NULL);
		q.l3 = h;
		q.ifindex = sl->ifindex;
		/* RFC 1122 3.2.2: never about a broadcast datagram. */
		q.flags = sl->flags;
		erg_icmp_error_send(s, &q, &ip, ERG_ICMP_TIME_EXCEEDED,
		    ERG_ICMP_REASM_EXCEEDED, 0);
	}
	reasm_free(s, sl);
}

static struct reasm_slot *
reasm_find(struct erg_stack *s, const struct erg_ipv4_repr *ip)
{
	struct erg_reasm *ra = s->reasm;
	uint32_t i;

	for (i = 0; i < ra->n; i++) {
		struct reasm_slot *sl = &ra->slots[i];

		if (sl->state == REASM_ACTIVE && sl->id == ip->id &&
		    sl->src == ip->src && sl->dst == ip->dst &&
		    sl->proto == ip->proto) {
			return sl;
		}
	}
	return NULL;
}

/*
 * A slot that has accepted nothing for this long may be taken for a new
 * datagram when none is free: the fragments of one datagram arrive within
 * milliseconds of each other, so only a stalled (lost or bogus) datagram is
 * idle this long, and holding every slot takes a steady stream of
 * fragments rather than one per slot per reasm_timeout_ms.
 */
#define REASM_IDLE_US 1000000u

static struct reasm_slot *
reasm_alloc(struct erg_stack *s, const struct erg_ipv4_repr *ip,
    unsigned ifindex)
{
	struct erg_reasm *ra = s->reasm;
	struct reasm_slot *sl = NULL, *idle = NULL;
	uint32_t i;

	for (i = 0; i < ra->n && sl == NULL; i++) {
		struct reasm_slot *c = &ra->slots[i];

		if (c->state == REASM_FREE) {
			sl = c;
		} else if (c->state == REASM_ACTIVE &&
		    s->now - c->last_us >= REASM_IDLE_US &&
		    (idle == NULL || c->last_us < idle->last_us)) {
			idle = c;
		}
	}
	if (sl == NULL && idle != NULL) {
		ERG_COUNT(s, IPV4_FRAG_EVICTED);
		reasm_free(s, idle);
		sl = idle;
	}
	if (sl == NULL) {
		ERG_COUNT(s, IPV4_FRAG_NO_SLOT);
		return NULL;
	}
	sl->state = REASM_ACTIVE;
	sl->src = ip->src;
	sl->dst = ip->dst;
	sl->id = ip->id;
	sl->proto = ip->proto;
	sl->ifindex = (uint16_t)ifindex;
	sl->total = 0;
	sl->have = 0;
	sl->max_end = 0;
	sl->hdr_len = 0;
	sl->last_seen = false;
	sl->flags = 0;
	sl->last_us = s->now;
	memset(sl->map, 0, reasm_map_words(ra->max) * 8);
	erg_gauge_inc(s, ERG_STAT_IPV4_REASM_IN_USE,
	    ERG_STAT_IPV4_REASM_HIGH_WATER);
	erg_timer_arm(s, &sl->timer,
	    s->now + (uint64_t)s->cfg.reasm_timeout_ms * 1000u);
	return sl;
}

/*
 * Counts the set bits of blocks [first, last] (inclusive). Linear in the
 * number of blocks, which is at most the fragment's length / 8 + 1.
 */
static uint32_t
map_count(const uint64_t *map, uint32_t first, uint32_t last)
{
	uint32_t b, n = 0;

	for (b = first; b <= last; b++) {
		n += (uint32_t)(map[b / 64] >> (b % 64)) & 1u;
	}
	return n;
}

static void
map_set(uint64_t *map, uint32_t first, uint32_t last)
{
	uint32_t b;

	for (b = first; b <= last; b++) {
		map[b / 64] |= (uint64_t)1 << (b % 64);
	}
}

/* Rewrites the first fragment's header as the whole datagram's. */
static void
reasm_finish_header(struct reasm_slot *sl, struct erg_ipv4_repr *ip)
{
	uint8_t *h = sl->buf + REASM_HDR_ROOM - sl->hdr_len;

	erg_put_be16(h + 2, (uint16_t)(sl->hdr_len + sl->total));
	erg_put_be16(h + 6, (uint16_t)(erg_be16(h + 6) & 0x4000u));
	h[10] = 0;
	h[11] = 0;
	erg_put_be16(h + 10, erg_cksum(h, sl->hdr_len));
	ip->total_len = (uint16_t)(sl->hdr_len + sl->total);
	ip->hdr_len = sl->hdr_len;
	ip->mf = false;
	ip->frag_off = 0;
}

struct erg_pkt *
erg_reasm_input(struct erg_stack *s, struct erg_pkt *pkt,
    struct erg_ipv4_repr *ip)
{
	struct erg_reasm *ra = s->reasm;
	struct reasm_slot *sl = reasm_find(s, ip);
	uint32_t off = ip->frag_off;
	uint32_t len = (uint32_t)ip->total_len - ip->hdr_len;
	uint32_t end = off + len; /* <= 8191 * 8 + 65535: no overflow */
	uint32_t first, last, present;
	struct erg_pkt *out;

	if (off + len + ip->hdr_len > ERG_IPV4_MAX_LEN || end > ra->max) {
		ERG_COUNT(s, IPV4_FRAG_OVERSIZE);
		goto drop_datagram;
	}
	if (len == 0 || (ip->mf && (len & 7) != 0)) {
		ERG_COUNT(s, IPV4_FRAG_BAD);
		goto drop_datagram;
	}
	if (sl == NULL && (sl = reasm_alloc(s, ip, pkt->ifindex)) == NULL) {
		goto drop;
	}
	sl->flags |= pkt->flags & (ERG_PKT_F_LINK_BCAST | ERG_PKT_F_IP_BCAST);
	if ((!ip->mf && sl->last_seen && end != sl->total) ||
	    (!ip->mf && end < sl->max_end) ||
	    (sl->last_seen && end > sl->total)) {
		ERG_COUNT(s, IPV4_FRAG_BAD);
		goto drop_datagram;
	}
	first = off / 8;
	last = (end - 1) / 8;
	present = map_count(sl->map, first, last);
	if (present == last - first + 1) {
		ERG_COUNT(s, IPV4_FRAG_DUP);
		goto drop;
	}
	if (present != 0) {
		ERG_COUNT(s, IPV4_FRAG_OVERLAP);
		goto drop_datagram;
	}
	memcpy(sl->buf + REASM_HDR_ROOM + off, erg_pkt_data(pkt) + ip->hdr_len,
	    len);
	map_set(sl->map, first, last);
	sl->have += len;
	sl->last_us = s->now;
	if (end > sl->max_end) {
		sl->max_end = end;
	}
	if (!ip->mf) {
		sl->last_seen = true;
		sl->total = end;
	}
	if (off == 0) {
		sl->hdr_len = ip->hdr_len;
		memcpy(sl->buf + REASM_HDR_ROOM - ip->hdr_len,
		    erg_pkt_data(pkt), ip->hdr_len);
	}
	/*
	 * The datagram carries the first fragment's header, which may be
	 * longer than this fragment's: with it, it must fit the 16-bit
	 * total length (RFC 791), or it is a Ping of Death.
	 */
	if (sl->hdr_len != 0 &&
	    (uint32_t)sl->hdr_len + sl->max_end > ERG_IPV4_MAX_LEN) {
		ERG_COUNT(s, IPV4_FRAG_OVERSIZE);
		goto drop_datagram;
	}
	if (!sl->last_seen || sl->have != sl->total) {
		goto drop;
	}
	/* Complete: no overlaps were accepted, so have == total means whole. */
	erg_timer_cancel(s, &sl->timer);
	sl->state = REASM_DELIVERED;
	reasm_finish_header(sl, ip);
	out = &sl->pkt;
	erg_pkt_lend(out, sl->buf, REASM_HDR_ROOM + ra->max,
	    REASM_HDR_ROOM - sl->hdr_len, ip->total_len, reasm_release, sl);
	out->ifindex = pkt->ifindex;
	out->flags = sl->flags; /* every fragment's, RFC 1122 3.2.2 */
	out->l3 = out->head;
	ERG_COUNT(s, IPV4_REASM_OK);
	erg_pkt_free(s, pkt);
	return out;
drop_datagram:
	if (sl != NULL) {
		reasm_free(s, sl);
	}
drop:
	erg_pkt_free(s, pkt);
	return NULL;
}
