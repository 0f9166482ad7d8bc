/*
 * src/ether/arp.c: the ARP cache and resolution (RFC 826, RFC 1122 2.3.2,
 * RFC 5227 announcements).
 *
 * Decisions:
 * - The cache is a fixed array of cfg.arp_entries. A lookup scans it,
 *   starting at the entry that answered last (most traffic goes to one
 *   next hop, the gateway). Entries are INCOMPLETE (resolving, holding
 *   queued packets) or REACHABLE (until cfg.arp_reachable_ms after the
 *   last confirmation).
 * - Each entry holds at most cfg.arp_queue_len packets while it resolves
 *   (RFC 1122 2.3.2.2 asks for at least one; the default holds every
 *   fragment of a maximum-size datagram), and all entries together at
 *   most half the packet pool, so that the reply that releases them can
 *   still be received. Overflow drops the newest and counts
 *   arp.queue_full. Requests are retransmitted every
 *   cfg.arp_retry_ms, cfg.arp_retries times; then the queue is dropped
 *   (arp.queue_timeout, per packet) and the entry freed.
 * - Refresh: a REACHABLE entry used in the last quarter of its life is
 *   confirmed with a unicast request to the known MAC (RFC 1122 2.3.2.1),
 *   without interrupting traffic; if no reply comes, it expires.
 * - A full cache evicts the REACHABLE entry closest to expiry; if every
 *   entry is resolving, the one closest to giving up (arp.cache_evict,
 *   its queue counted arp.queue_timeout). Refusing instead would let 64
 *   spoofed on-link pings (each reply needs resolving) block every new
 *   neighbour for arp_retries * arp_retry_ms, again and again.
 * - Input follows RFC 826's merge rule: an existing entry for the sender
 *   is updated whatever the target; a new entry is made only when the
 *   packet targets us. We reply only for our own addresses. A packet
 *   claiming our address from another MAC counts arp.conflict (and is not
 *   cached).
 */
#include "ether_link.h"

enum arp_state {
	ARP_FREE = 0,
	ARP_INCOMPLETE,
	ARP_REACHABLE
};

struct arp_entry {
	struct erg_timer timer;
	struct erg_pkt *qhead;
	struct erg_pkt *qtail;
	uint64_t expires;
	uint32_t ip;
	uint16_t ifindex;
	uint32_t qlen; /* up to cfg.arp_queue_len, which may exceed 65535 */
	uint8_t mac[6];
	uint8_t state;
	uint8_t tries;
	bool refreshing;
};

struct erg_arp {
	struct arp_entry *e;
	uint32_t n;
	uint32_t hint;
	uint32_t held; /* pkts queued on all entries */
};

/*
 * Packets all entries together may hold while resolving: half the pool,
 * so that the replies that release them can still be received (and
 * retransmitted requests still sent) however many sends are waiting.
 */
static uint32_t
arp_held_max(const struct erg_stack *s)
{
	return s->cfg.pkt_count / 2;
}

static void arp_timer_fn(struct erg_stack *s, struct erg_timer *t);

/* 00:00:00:00:00:00 is no station's address; never cache it. */
static bool
arp_mac_is_zero(const uint8_t *a)
{
	return (a[0] | a[1] | a[2] | a[3] | a[4] | a[5]) == 0;
}

void
erg_arp_layout(struct erg_carve *c, const struct erg_config *cfg,
    struct erg_stack *s)
{
	struct erg_arp *arp = erg_carve(c, sizeof(*arp));
	struct arp_entry *e = erg_carve_array(c, cfg->arp_entries, sizeof(*e));
	uint32_t i;

	if (s == NULL) {
		return;
	}
	arp->e = e;
	arp->n = cfg->arp_entries;
	for (i = 0; i < arp->n; i++) {
		erg_timer_setup(&e[i].timer, arp_timer_fn);
	}
	s->arp = arp;
}

static uint64_t
ms_to_us(uint32_t ms)
{
	return (uint64_t)ms * 1000u;
}

/* Sends an ARP packet; dst_mac NULL means broadcast. */
static void
arp_send(struct erg_stack *s, unsigned ifindex, uint16_t op,
    const uint8_t *dst_mac, const uint8_t tha[6], uint32_t tpa, uint32_t spa)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct erg_netif *nif = erg_netif_get(s, ifindex);
	struct erg_arp_repr r;
	struct erg_pkt *pkt;
	uint8_t *p;

	if (nif == NULL || (pkt = erg_pkt_alloc(s)) == NULL) {
		return;
	}
	p = erg_pkt_put(pkt, ERG_ARP_LEN);
	r.op = op;
	memcpy(r.sha, nif->mac, 6);
	r.spa = spa;
	memcpy(r.tha, tha, 6);
	r.tpa = tpa;
	(void)erg_arp_emit(&r, p, ERG_ARP_LEN);
	if (op == ERG_ARP_OP_REQUEST) {
		ERG_COUNT(s, ARP_REQUEST_TX);
	} else {
		ERG_COUNT(s, ARP_REPLY_TX);
	}
	(void)erg_ether_output(s, ifindex, dst_mac != NULL ? dst_mac : bcast,
	    ERG_ETHERTYPE_ARP, pkt);
}

static void
arp_request(struct erg_stack *s, const struct arp_entry *e, bool unicast)
{
	static const uint8_t zero[6];
	struct erg_netif *nif = erg_netif_get(s, e->ifindex);

	if (nif == NULL) {
		return;
	}
	arp_send(s, e->ifindex, ERG_ARP_OP_REQUEST, unicast ? e->mac : NULL,
	    zero, e->ip, nif->addr);
}

static void
arp_drop_queue(struct erg_stack *s, struct arp_entry *e)
{
	while (e->qhead != NULL) {
		struct erg_pkt *pkt = e->qhead;

		e->qhead = pkt->next;
		pkt->next = NULL;
		ERG_COUNT(s, ARP_QUEUE_TIMEOUT);
		erg_pkt_free(s, pkt);
	}
	s->arp->held -= e->qlen;
	e->qtail = NULL;
	e->qlen = 0;
}

static void
arp_free_entry(struct erg_stack *s, struct arp_entry *e)
{
	arp_drop_queue(s, e);
	erg_timer_cancel(s, &e->timer);
	e->state = ARP_FREE;
	erg_route_changed(s); /* paths through it no longer hold */
	erg_gauge_dec(s, ERG_STAT_ARP_ENTRIES_IN_USE);
}

static void
arp_timer_fn(struct erg_stack *s, struct erg_timer *t)
{
	struct arp_entry *e = ERG_CONTAINER_OF(t, struct arp_entry, timer);

	if (e->state == ARP_INCOMPLETE && e->tries < s->cfg.arp_retries) {
		e->tries++;
		arp_request(s, e, false);
		erg_timer_arm(s, &e->timer,
		    s->now + ms_to_us(s->cfg.arp_retry_ms));
		return;
	}
	if (e->state == ARP_INCOMPLETE) {
		ERG_COUNT(s, ARP_RESOLVE_FAIL);
	}
	arp_free_entry(s, e);
}

static struct arp_entry *
arp_find(struct erg_stack *s, unsigned ifindex, uint32_t ip)
{
	struct erg_arp *arp = s->arp;
	uint32_t i, k;

	for (k = 0, i = arp->hint; k < arp->n; k++, i++) {
		struct arp_entry *e;

		if (i >= arp->n) {
			i = 0;
		}
		e = &arp->e[i];
		if (e->state != ARP_FREE && e->ip == ip &&
		    e->ifindex == ifindex) {
			arp->hint = i;
			return e;
		}
	}
	return NULL;
}

/*
 * A free entry, else the evicted REACHABLE entry closest to expiry, else
 * (every entry resolving) the evicted one closest to giving up. Never
 * fails: the cache has at least one entry.
 */
static struct arp_entry *
arp_alloc(struct erg_stack *s, unsigned ifindex, uint32_t ip)
{
	struct erg_arp *arp = s->arp;
	struct arp_entry *victim = NULL, *oldest = NULL;
	uint32_t i;

	for (i = 0; i < arp->n; i++) {
		struct arp_entry *e = &arp->e[i];

		if (e->state == ARP_FREE) {
			victim = e;
			break;
		}
		if (e->state == ARP_REACHABLE &&
		    (victim == NULL || e->expires < victim->expires)) {
			victim = e;
		}
		if (e->state == ARP_INCOMPLETE &&
		    (oldest == NULL || e->timer.when < oldest->timer.when)) {
			oldest = e;
		}
	}
	if (victim == NULL) {
		/* Every entry is resolving (arp->n >= 1, so oldest is set). */
		victim = oldest != NULL ? oldest : &arp->e[0];
	}
	if (victim->state != ARP_FREE) {
		ERG_COUNT(s, ARP_CACHE_EVICT);
		arp_free_entry(s, victim);
	}
	victim->qhead = victim->qtail = NULL;
	victim->qlen = 0;
	victim->ip = ip;
	victim->ifindex = (uint16_t)ifindex;
	victim->tries = 0;
	victim->refreshing = false;
	victim->state = ARP_INCOMPLETE;
	erg_gauge_inc(s, ERG_STAT_ARP_ENTRIES_IN_USE,
	    ERG_STAT_ARP_ENTRIES_HIGH_WATER);
	return victim;
}

static void
arp_set_reachable(struct erg_stack *s, struct arp_entry *e,
    const uint8_t mac[6])
{
	memcpy(e->mac, mac, 6);
	e->state = ARP_REACHABLE;
	e->refreshing = false;
	e->expires = s->now + ms_to_us(s->cfg.arp_reachable_ms);
	erg_timer_arm(s, &e->timer, e->expires);
	erg_route_changed(s); /* the MAC may have changed */
}

/* Sends what waited for resolution, in order. */
static void
arp_flush_queue(struct erg_stack *s, struct arp_entry *e)
{
	struct erg_pkt *pkt = e->qhead;
	uint8_t mac[6];
	unsigned ifindex = e->ifindex;

	s->arp->held -= e->qlen;
	e->qhead = e->qtail = NULL;
	e->qlen = 0;
	memcpy(mac, e->mac, 6);
	while (pkt != NULL) {
		struct erg_pkt *next = pkt->next;

		pkt->next = NULL;
		(void)erg_ether_output(s, ifindex, mac, ERG_ETHERTYPE_IPV4,
		    pkt);
		pkt = next;
	}
}

/*
 * The entry for ip if it is usable now; frees it if it outlived its life.
 * *until gets the time from which a lookup would act again (expire the
 * entry, or confirm it): until then it returns the same entry and does
 * nothing else, unless something moves s->route_gen.
 */
static struct arp_entry *
arp_find_reachable(struct erg_stack *s, unsigned ifindex, uint32_t ip,
    struct arp_entry **pending, uint64_t *until)
{
	struct arp_entry *e = arp_find(s, ifindex, ip);
	uint64_t life = ms_to_us(s->cfg.arp_reachable_ms);

	*pending = NULL;
	/* Past its life but its timer has not run yet: treat as gone. */
	if (e != NULL && e->state == ARP_REACHABLE && s->now >= e->expires) {
		arp_free_entry(s, e);
		e = NULL;
	}
	if (e == NULL || e->state != ARP_REACHABLE) {
		*pending = e;
		return NULL;
	}
	/* In the last quarter of its life: confirm by unicast. */
	if (!e->refreshing && e->expires - s->now < life / 4) {
		e->refreshing = true;
		arp_request(s, e, true);
	}
	/* Not refreshing: now <= expires - life / 4, the test above. */
	*until = e->refreshing ? e->expires : e->expires - life / 4 + 1;
	return e;
}

int
erg_arp_lookup(struct erg_stack *s, unsigned ifindex, uint32_t ip,
    uint8_t mac[6], uint64_t *until)
{
	struct arp_entry *pending;
	uint64_t u;
	struct arp_entry *e = arp_find_reachable(s, ifindex, ip, &pending, &u);

	if (e == NULL) {
		return -ERG_EAGAIN;
	}
	memcpy(mac, e->mac, 6);
	if (until != NULL) {
		*until = u;
	}
	return 0;
}

int
erg_arp_resolve(struct erg_stack *s, unsigned ifindex, uint32_t ip,
    struct erg_pkt *pkt, uint8_t mac[6])
{
	struct arp_entry *pending;
	uint64_t until;
	struct arp_entry *e =
	    arp_find_reachable(s, ifindex, ip, &pending, &until);
	bool fresh = false;

	if (e != NULL) {
		memcpy(mac, e->mac, 6);
		return 0;
	}
	e = pending;
	if (e == NULL) {
		e = arp_alloc(s, ifindex, ip);
		e->tries = 1;
		erg_timer_arm(s, &e->timer,
		    s->now + ms_to_us(s->cfg.arp_retry_ms));
		fresh = true;
	}
	if (e->qlen >= s->cfg.arp_queue_len ||
	    s->arp->held >= arp_held_max(s)) {
		ERG_COUNT(s, ARP_QUEUE_FULL);
		erg_pkt_free(s, pkt);
		if (fresh) {
			arp_request(s, e, false);
		}
		return -ERG_ENOBUFS;
	}
	pkt->next = NULL;
	if (e->qtail != NULL) {
		e->qtail->next = pkt;
	} else {
		e->qhead = pkt;
	}
	e->qtail = pkt;
	e->qlen++;
	s->arp->held++;
	/*
	 * Last: a driver may answer from inside transmit, and the reply
	 * then finds the packet queued and sends it.
	 */
	if (fresh) {
		arp_request(s, e, false);
	}
	return -ERG_EAGAIN;
}

void
erg_arp_input(struct erg_stack *s, struct erg_pkt *pkt)
{
	struct erg_netif *nif = erg_netif_get(s, pkt->ifindex);
	struct erg_arp_repr r;
	struct arp_entry *e;
	enum erg_stat why;
	bool merged = false;

	ERG_COUNT(s, ARP_RX);
	if (erg_arp_parse(&r, erg_view_make(erg_pkt_data(pkt), pkt->len),
	        &why) < 0) {
		ERG_COUNT_ID(s, why);
		goto done;
	}
	/* RFC 1122 3.2.1.3: no broadcast source, directed ones included. */
	if (erg_ether_is_group(r.sha) || arp_mac_is_zero(r.sha) ||
	    erg_ipv4_is_bad_src(r.spa) ||
	    erg_netif_is_subnet_bcast(nif, r.spa)) {
		ERG_COUNT(s, ARP_BAD_SENDER);
		goto done;
	}
	if (nif->addr != 0 && r.spa == nif->addr) {
		/* Someone else uses our address (RFC 5227 2.4). */
		if (memcmp(r.sha, nif->mac, 6) != 0) {
			ERG_COUNT(s, ARP_CONFLICT);
		}
		goto done;
	}
	/* RFC 826 merge: refresh what we already know about the sender. */
	if (r.spa != 0 && (e = arp_find(s, pkt->ifindex, r.spa)) != NULL) {
		bool was_incomplete = e->state == ARP_INCOMPLETE;

		arp_set_reachable(s, e, r.sha);
		if (was_incomplete) {
			arp_flush_queue(s, e);
		}
		merged = true;
	}
	if (nif->addr == 0 || r.tpa != nif->addr) {
		if (!merged) {
			ERG_COUNT(s, ARP_NOT_FOR_US);
		}
		goto done;
	}
	/*
	 * Targets us. Learn the sender (it is about to talk to us), except
	 * for probes, whose sender address 0.0.0.0 (RFC 5227 2.1.1).
	 */
	if (!merged && r.spa != 0) {
		e = arp_alloc(s, pkt->ifindex, r.spa);
		arp_set_reachable(s, e, r.sha);
	}
	if (r.op == ERG_ARP_OP_REQUEST) {
		arp_send(s, pkt->ifindex, ERG_ARP_OP_REPLY, r.sha, r.sha, r.spa,
		    nif->addr);
	}
done:
	erg_pkt_free(s, pkt);
}

void
erg_arp_announce(struct erg_stack *s, unsigned ifindex)
{
	static const uint8_t zero[6];
	struct erg_netif *nif = erg_netif_get(s, ifindex);

	/* RFC 5227 3: a request with sender and target both our address. */
	if (nif != NULL && nif->addr != 0) {
		arp_send(s, ifindex, ERG_ARP_OP_REQUEST, NULL, zero, nif->addr,
		    nif->addr);
	}
}

void
erg_arp_flush(struct erg_stack *s, unsigned ifindex)
{
	struct erg_arp *arp = s->arp;
	uint32_t i;

	for (i = 0; i < arp->n; i++) {
		if (arp->e[i].state != ARP_FREE &&
		    arp->e[i].ifindex == ifindex) {
			arp_free_entry(s, &arp->e[i]);
		}
	}
}
