/*
 * erg/pkt.h: packet buffers.
 *
 * A struct erg_pkt is a data area (buf, cap) with a window on it (head,
 * len): bytes [head, head + len) are the packet. Each layer that transmits
 * prepends its header in the headroom before head (erg_pkt_push), so a
 * frame is built back to front without copying; each layer that receives
 * parses in place and advances head past its header (erg_pkt_pull).
 *
 * Ownership: exactly one owner at a time holds each reference. Functions
 * that "take" a pkt own it from the call on, whatever they return: they
 * free it, queue it or pass it on. Functions that "borrow" one give it back
 * on return. The queue link `next` belongs to whoever owns the pkt.
 *
 * Packets normally come from the stack's pool (erg_pkt_alloc): their data
 * area is ERG_PKT_DATA(cfg) bytes carved from the arena. A driver may instead
 * lend its own memory (a virtio or Solo5 ring slot) by filling a struct
 * erg_pkt it owns with erg_pkt_lend(): when the last reference is freed the
 * stack calls the release callback instead of returning it to the pool.
 */
#ifndef ERG_PKT_H
#define ERG_PKT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

struct erg_stack;
struct erg_pkt;

/* Called once, when the last reference to a lent pkt is freed. */
typedef void (*erg_pkt_release_fn)(struct erg_pkt *pkt, void *ctx);

/* Input flags. */
#define ERG_PKT_F_LINK_BCAST 0x1u /* sent to the Ethernet broadcast */
#define ERG_PKT_F_IP_BCAST   0x2u /* sent to an IPv4 broadcast address */

/*
 * Headroom reserved in front of a freshly allocated pkt: room for
 * Ethernet (14), IPv4 with options (60) and a TCP header with options (60),
 * rounded up so that the IP header lands 4-byte aligned after Ethernet.
 */
#define ERG_PKT_HEADROOM 144u

struct erg_pkt {
	struct erg_pkt *next;       /* queue link, for the owner */
	uint8_t *buf;               /* start of the data area */
	uint32_t cap;               /* size of the data area */
	uint32_t head;              /* offset of the first packet byte */
	uint32_t len;               /* packet bytes */
	uint16_t refs;              /* references; freed at 0 */
	uint16_t ifindex;           /* receiving interface (input) */
	uint16_t flags;             /* ERG_PKT_F_*, set on input */
	uint32_t l3;                /* input: network header offset in buf */
	bool lent;                  /* memory lent by erg_pkt_lend */
	erg_pkt_release_fn release; /* lent: called at the last free */
	void *release_ctx;
};

/*
 * Takes a pkt from the stack's pool, with refs 1, len 0 and
 * ERG_PKT_HEADROOM bytes of headroom. Returns NULL (and counts
 * pkt.alloc_fail) when the pool is empty.
 */
struct erg_pkt *erg_pkt_alloc(struct erg_stack *s);

/*
 * Prepares a driver-owned pkt struct to lend memory [buf, buf + cap) with
 * the packet at [head, head + len). The stack calls release(pkt, ctx)
 * when it frees the last reference (release may be NULL: nothing to call);
 * until then the driver MUST NOT reuse the memory or the struct. A lent
 * packet never enters the pool.
 */
void erg_pkt_lend(struct erg_pkt *pkt, uint8_t *buf, uint32_t cap,
    uint32_t head, uint32_t len, erg_pkt_release_fn release, void *ctx);

/* Adds a reference: the pkt stays valid until one more erg_pkt_free(). */
void erg_pkt_ref(struct erg_pkt *pkt);

/*
 * Drops one reference; at zero returns the pkt to its pool or calls its
 * release callback. NULL is ignored. The pkt MUST NOT be queued anywhere.
 */
void erg_pkt_free(struct erg_stack *s, struct erg_pkt *pkt);

/* Frees every pkt of the list starting at pkt (linked through next). */
void erg_pkt_free_list(struct erg_stack *s, struct erg_pkt *pkt);

static inline uint8_t *
erg_pkt_data(const struct erg_pkt *pkt)
{
	return pkt->buf + pkt->head;
}

static inline uint32_t
erg_pkt_headroom(const struct erg_pkt *pkt)
{
	return pkt->head;
}

static inline uint32_t
erg_pkt_tailroom(const struct erg_pkt *pkt)
{
	return pkt->cap - pkt->head - pkt->len;
}

/*
 * Grows the packet by n bytes at the front and returns a pointer to them,
 * or NULL (pkt unchanged) if the headroom is smaller than n.
 */
static inline uint8_t *
erg_pkt_push(struct erg_pkt *pkt, uint32_t n)
{
	if (n > pkt->head)
		return NULL;
	pkt->head -= n;
	pkt->len += n;
	return pkt->buf + pkt->head;
}

/* Drops n bytes from the front. Returns false (unchanged) if n > len. */
static inline bool
erg_pkt_pull(struct erg_pkt *pkt, uint32_t n)
{
	if (n > pkt->len)
		return false;
	pkt->head += n;
	pkt->len -= n;
	return true;
}

/*
 * Grows the packet by n bytes at the end and returns a pointer to them,
 * or NULL (unchanged) if the tailroom is smaller than n.
 */
static inline uint8_t *
erg_pkt_put(struct erg_pkt *pkt, uint32_t n)
{
	uint8_t *p;

	if (n > erg_pkt_tailroom(pkt))
		return NULL;
	p = pkt->buf + pkt->head + pkt->len;
	pkt->len += n;
	return p;
}

/* Keeps the first n bytes. Returns false (unchanged) if n > len. */
static inline bool
erg_pkt_trim(struct erg_pkt *pkt, uint32_t n)
{
	if (n > pkt->len)
		return false;
	pkt->len = n;
	return true;
}

#ifdef __cplusplus
}
#endif
#endif
