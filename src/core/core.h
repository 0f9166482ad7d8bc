/*
 * src/core/core.h: the stack object and the services every layer uses:
 * arena carving, object pools, counters, timers, deferred events,
 * randomness and the keyed PRF.
 *
 * struct erg_stack holds the core's own state inline and one pointer per
 * protocol layer; each layer's state struct is private to its module and
 * carved from the arena by the assembly (src/stack/stack.c). Upward
 * delivery never includes a higher layer's header: the assembly fills the
 * demultiplexing hooks below with the higher layers' functions.
 */
#ifndef ERG_CORE_H
#define ERG_CORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "erg/erg.h"
#include "core_mem.h"

/* Marks an unused parameter. */
#define ERG_UNUSED(x) ((void)(x))

#define ERG_MIN(a, b) ((a) < (b) ? (a) : (b))
#define ERG_MAX(a, b) ((a) > (b) ? (a) : (b))

/* The struct that contains the member `member` at address ptr. */
#define ERG_CONTAINER_OF(ptr, type, member) \
	((type *)(void *)(((uint8_t *)(ptr)) - offsetof(type, member)))

/*
 * Copies len bytes starting at offset off of the concatenation of n
 * views. The caller has checked that off + len fits in their total.
 */
void erg_views_copy(uint8_t *dst, const struct erg_view *v, unsigned n,
    size_t off, size_t len);

/*
 * Fills out[0..k) with the views that cover [off, off + len) of the
 * concatenation of n views and returns k, or 0 if more than max are
 * needed (or len is 0). Borrows, copies nothing.
 */
unsigned erg_views_slice(const struct erg_view *v, unsigned n, size_t off,
    size_t len, struct erg_view *out, unsigned max);

/* ---- Header checksums (RFC 1071), inline ------------------------------ */

/*
 * Every segment carries two fixed-size headers whose sum is a handful of
 * loads: through erg_cksum_add (loop set-up, odd-length logic, a fold per
 * call) a 20-byte IPv4 header cost ~60 instructions and a 32-byte TCP
 * header ~80, more than the rest of the header work. These helpers keep
 * the same arithmetic (RFC 1071 2(B): native-order words, one fold and a
 * swap at the end) inline for the lengths headers have.
 */

static inline bool
erg_cksum_host_le(void)
{
	const uint16_t one = 1;
	uint8_t b;

	memcpy(&b, &one, 1);
	return b == 1;
}

/*
 * Native-order sum of the len bytes at p, len a multiple of 4 and at most
 * 60 (a header): < 2^36, so sums of a few of them never overflow.
 */
static inline uint64_t
erg_cksum_words(const uint8_t *p, size_t len)
{
	uint64_t s = 0;
	uint32_t w;
	size_t i;

	for (i = 0; i < len; i += 4) {
		memcpy(&w, p + i, 4);
		s += w;
	}
	return s;
}

static inline uint64_t
erg_cksum_hdr_sum(const uint8_t *p, size_t len)
{
	/* The lengths nearly every header has (IPv4 and TCP 20, TCP with
	 * timestamps 32) with a constant trip count: the compiler unrolls
	 * those to bare loads and adds, without the loop's overhead. */
	if (len == 20) {
		return erg_cksum_words(p, 20);
	}
	if (len == 32) {
		return erg_cksum_words(p, 32);
	}
	return erg_cksum_words(p, len);
}

/*
 * Native-order sum of the IPv4 pseudo-header (RFC 9293 3.1, RFC 768) for
 * host-order addresses: what erg_cksum_add_pseudo adds.
 */
static inline uint64_t
erg_cksum_pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
	uint64_t h = (uint64_t)(src >> 16) + (src & 0xffffu) + (dst >> 16) +
	    (dst & 0xffffu) + proto + len;

	/* Host-order words: as native-order bytes they are swapped words. */
	if (erg_cksum_host_le()) {
		h = (h & 0xffffu) + (h >> 16);
		h = (h & 0xffffu) + (h >> 16);
		h = (uint16_t)(h << 8 | h >> 8);
	}
	return h;
}

/*
 * Folds a native-order sum (< 2^63) to 16 bits and complements it: the
 * checksum field as a host-order value (store it with erg_put_be16), as
 * erg_cksum_finish gives. 0 when the data summed held a correct checksum.
 */
static inline uint16_t
erg_cksum_fold(uint64_t sum)
{
	uint16_t f;

	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	f = (uint16_t)sum;
	if (erg_cksum_host_le()) {
		f = (uint16_t)(f << 8 | f >> 8);
	}
	return (uint16_t)~f;
}

/* ---- Arena carving ---------------------------------------------------- */

/*
 * Carves objects out of the arena, 16-byte aligned, in order. With base
 * NULL it only counts (a dry run): erg_arena_size() runs the same layout
 * code dry, so the size it reports is exactly what init uses.
 */
struct erg_carve {
	uint8_t *base;
	size_t off;
	bool overflow; /* a size did not fit in size_t */
};

#define ERG_CARVE_ALIGN 16u

/* Returns the next size bytes, zeroed (NULL on a dry run). */
void *erg_carve(struct erg_carve *c, size_t size);
/* The same for count objects of size bytes, with the product checked. */
void *erg_carve_array(struct erg_carve *c, uint64_t count, uint64_t size);

/* ---- Object pools ----------------------------------------------------- */

/*
 * A fixed set of same-sized objects with a free list threaded through
 * their first word. The three gauges live in the stack's counters so that
 * every pool is visible by name.
 */
struct erg_pool {
	void *free;
	uint32_t count;
	enum erg_stat st_in_use;
	enum erg_stat st_high; /* ERG_STAT_COUNT: none */
	enum erg_stat st_fail;
};

void erg_pool_init(struct erg_pool *pool, void *mem, size_t obj_size,
    uint32_t count, enum erg_stat in_use, enum erg_stat high,
    enum erg_stat fail);
/* erg_pool_get and erg_pool_put: inline, after struct erg_stack (every
 * packet takes both). */

/* ---- Timers ----------------------------------------------------------- */

struct erg_timer;
typedef void (*erg_timer_fn)(struct erg_stack *s, struct erg_timer *t);

/*
 * A one-shot timer, embedded in the object it serves (find the object with
 * ERG_CONTAINER_OF). Armed timers sit in a binary min-heap of fixed
 * capacity (the sum of every layer's timer count), so arming, re-arming
 * and cancelling are O(log n) and the next deadline is O(1).
 */
struct erg_timer {
	uint64_t when;
	uint32_t slot; /* heap index + 1; 0 when not armed */
	erg_timer_fn fn;
};

struct erg_timers {
	struct erg_timer **heap;
	uint32_t n;
	uint32_t cap;
};

void erg_timer_setup(struct erg_timer *t, erg_timer_fn fn);
/* Arms (or re-arms) t for absolute time when. */
void erg_timer_arm(struct erg_stack *s, struct erg_timer *t, uint64_t when);
void erg_timer_cancel(struct erg_stack *s, struct erg_timer *t);
/* Runs due timers, at most budget; returns how many ran. */
uint32_t erg_timers_run(struct erg_stack *s, uint64_t now, uint32_t budget);
/* The earliest armed deadline, or ERG_TIME_NEVER. */
uint64_t erg_timers_next(const struct erg_stack *s);

static inline bool
erg_timer_armed(const struct erg_timer *t)
{
	return t->slot != 0;
}

/* ---- Deferred events -------------------------------------------------- */

/*
 * Embedded in every socket. erg_event_post() records event bits and
 * queues the source once; erg_events_deliver() (at the end of every input
 * and poll call, a safe point) calls deliver() for each queued source.
 */
struct erg_evsrc {
	struct erg_evsrc *next;
	unsigned pending;
	bool queued;
	void (*deliver)(struct erg_evsrc *ev, unsigned bits);
};

void erg_event_post(struct erg_stack *s, struct erg_evsrc *ev, unsigned bits);
/* Removes ev from the queue (a socket being closed). */
void erg_event_cancel(struct erg_stack *s, struct erg_evsrc *ev);
void erg_events_deliver(struct erg_stack *s);

/* ---- Interfaces ------------------------------------------------------- */

struct erg_netif {
	uint8_t mac[6];
	uint16_t mtu;
	uint32_t caps;
	const struct erg_netif_ops *ops;
	void *drv;
	uint32_t addr; /* host order; 0 = none */
	uint32_t mask;
	uint32_t gw;                    /* default gateway; 0 = none */
	uint32_t dns[ERG_IPV4_DNS_MAX]; /* DNS servers learned here */
	uint8_t dns_n;
	uint16_t mtu_max; /* the MTU the driver was added with */
};

/*
 * True if a is the directed broadcast of nif's subnet. Prefixes /31 and
 * /32 have none (RFC 3021).
 */
static inline bool
erg_netif_is_subnet_bcast(const struct erg_netif *nif, uint32_t a)
{
	return nif->addr != 0 && nif->mask < 0xfffffffeu &&
	    (a & nif->mask) == (nif->addr & nif->mask) &&
	    (a & ~nif->mask) == ~nif->mask;
}

/*
 * A next hop resolved once and reused: a TCP connection keeps one so that
 * each of its segments skips routing and the ARP lookup. It holds while
 * s->route_gen equals gen, which erg_route_changed() moves on whenever a
 * route or a neighbour could have changed (an interface added, an address
 * or gateway set, an ARP entry made reachable or freed), and while
 * s->now < until: the time at which the ARP lookup it stands for would do
 * something (expire the entry, or send the unicast request that confirms
 * it), so that the lookup then runs, as it would have without the path.
 */
struct erg_ipv4_path {
	uint64_t until;
	uint32_t gen; /* s->route_gen when filled; 0: empty */
	uint32_t dst;
	uint32_t src; /* the route's source address */
	uint16_t mtu;
	uint16_t ifindex;
	uint8_t mac[6]; /* the next hop's */
};

/* ---- Upward hooks, filled by the assembly ----------------------------- */

struct erg_icmp_err;

/* Transport input: takes pkt (window = IP payload). */
typedef void (*erg_l4_input_fn)(struct erg_stack *s, struct erg_pkt *pkt,
    const struct erg_ipv4_repr *ip);
/* Transport error: an ICMP error about a datagram this protocol sent. */
typedef void (
    *erg_l4_err_fn)(struct erg_stack *s, const struct erg_icmp_err *err);

#define ERG_L4_MAX 4u

struct erg_l4_proto {
	uint8_t proto;
	erg_l4_input_fn input;
	erg_l4_err_fn err;
};

/* ---- The stack -------------------------------------------------------- */

struct erg_arp;
struct erg_ipv4;
struct erg_reasm;
struct erg_icmp;
struct erg_udp;
struct erg_tcp;
struct erg_tls_layer;
struct erg_dns;
struct erg_dhcp;

struct erg_stack {
	struct erg_config cfg;
	uint64_t now;
	uint64_t stats[ERG_STAT_COUNT];

	struct erg_pool pkt_pool;
	struct erg_timers timers;

	struct erg_evsrc *ev_head;
	struct erg_evsrc *ev_tail;
	uint32_t ev_count;

	struct erg_netif *netifs;
	unsigned netif_n;

	uint8_t prf_key[16]; /* SipHash key, from rand */
	uint32_t route_gen;  /* struct erg_ipv4_path; never 0 */

	/* Layer states, carved by the assembly. */
	struct erg_arp *arp;
	struct erg_ipv4 *ipv4;
	struct erg_reasm *reasm;
	struct erg_icmp *icmp;
	struct erg_udp *udp;
	struct erg_tcp *tcp;
	struct erg_tls_layer *tls;
	struct erg_dns *dns;
	struct erg_dhcp *dhcp;

	/* Ethernet demultiplexing: IPv4 input (takes pkt, window = IP). */
	void (*ipv4_input)(struct erg_stack *s, struct erg_pkt *pkt);

	/*
	 * Called at the end of erg_events_deliver: TCP sends here the ACKs
	 * it held back during input, so that they carry what the
	 * application's callbacks consumed (the window) and wrote.
	 */
	void (*after_events)(struct erg_stack *s);

	/* IPv4 demultiplexing by protocol number. */
	struct erg_l4_proto l4[ERG_L4_MAX];
	unsigned l4_n;
};

/* Invalidates every struct erg_ipv4_path (routes or neighbours moved). */
static inline void
erg_route_changed(struct erg_stack *s)
{
	if (++s->route_gen == 0) {
		s->route_gen = 1;
	}
}

#define ERG_COUNT(s, id)    ((s)->stats[ERG_STAT_##id]++)
#define ERG_COUNT_ID(s, id) ((s)->stats[(id)]++)

/* Gauges. */
static inline void
erg_gauge_inc(struct erg_stack *s, enum erg_stat in_use, enum erg_stat high)
{
	uint64_t v = ++s->stats[in_use];

	if (high < ERG_STAT_COUNT && v > s->stats[high]) {
		s->stats[high] = v;
	}
}

static inline void
erg_gauge_dec(struct erg_stack *s, enum erg_stat in_use)
{
	s->stats[in_use]--;
}

static inline void *
erg_pool_get(struct erg_stack *s, struct erg_pool *pool)
{
	void **obj = pool->free;

	if (obj == NULL) {
		ERG_COUNT_ID(s, pool->st_fail);
		return NULL;
	}
	pool->free = *obj;
	*obj = NULL;
	erg_gauge_inc(s, pool->st_in_use, pool->st_high);
	return obj;
}

static inline void
erg_pool_put(struct erg_stack *s, struct erg_pool *pool, void *obj)
{
	*(void **)obj = pool->free;
	pool->free = obj;
	erg_gauge_dec(s, pool->st_in_use);
}

/* ---- Randomness and the keyed PRF ------------------------------------- */

void erg_rand_bytes(struct erg_stack *s, void *buf, size_t len);
uint32_t erg_rand32(struct erg_stack *s);

/* SipHash-2-4 (Aumasson and Bernstein) of [p, p + len) under key. */
uint64_t erg_siphash24(const uint8_t key[16], const void *p, size_t len);

/* The stack's keyed PRF: SipHash-2-4 under its secret key. */
static inline uint64_t
erg_prf(const struct erg_stack *s, const void *p, size_t len)
{
	return erg_siphash24(s->prf_key, p, len);
}

/* ---- Interface helpers (src/ether/netif.c) ---------------------------- */

static inline struct erg_netif *
erg_netif_get(struct erg_stack *s, unsigned ifindex)
{
	return ifindex < s->netif_n ? &s->netifs[ifindex] : NULL;
}

#endif
