/*
 * netif/loop/erg_loop.h: an in-memory Ethernet wire for running two or more
 * erg stacks in one process (simulations, tests, demos).
 *
 * A wire is a switch with any number of ports; each port is one interface
 * of one stack (erg_loop_attach). A frame a stack transmits goes to the port
 * whose MAC is the frame's destination, or to every other port for a
 * broadcast or multicast destination; a unicast frame that no port owns is
 * dropped (no_dst), as after a switch's address table has aged out. A frame
 * is never sent back to the port it came from.
 *
 * Time is the host's: the wire never reads a clock. A frame transmitted at
 * time t is due at t + delay (+ jitter); erg_loop_wire_run(w, now) delivers
 * every frame due by now, and erg_loop_wire_next() says when the next one is
 * due, so a host loop can jump straight to it. The transmit time is the
 * wire's clock: the latest of every time it has seen (the sending stack's
 * erg_stack_now() and every erg_loop_wire_run() call), so it never goes
 * backwards.
 *
 * Impairments (loss, duplication, reordering, corruption, delay, jitter) are
 * drawn from the wire's own generator (splitmix64) seeded at creation: the
 * same seed, the same stacks and the same calls give exactly the same
 * frames, byte for byte. Each copy of a frame (one per destination port) is
 * impaired independently, in this order: filter, loss, then the copy and an
 * optional duplicate are each delayed (delay, jitter, reordering) and
 * possibly corrupted on their own.
 *
 * The wire copies a frame once per destination, as a NIC's DMA would:
 * a copy due at once (no delay, jitter or reordering) is gathered from
 * the sending stack's pieces straight into a packet of the destination
 * stack's pool (erg_pkt_alloc, with the usual headroom), taken at transmit
 * time, and that packet is handed over at delivery. The wire takes one
 * only while the destination has fewer packets in use than its pool's
 * high-water mark, so the allocation cannot fail; until delivery the
 * packet counts in the destination's pkt.in_use (erg_loop_wire_free gives
 * back those still in flight). Any other copy (delayed, or the
 * destination's pool as busy as it has ever been) waits in wire memory
 * and is copied into a packet from the destination's pool at delivery,
 * a second copy; an empty pool then drops it (rx_nobuf, and the stack
 * counts pkt.alloc_fail), as a NIC with no receive buffers does. A pcap
 * capture or a filter needs each frame in one piece: one more copy.
 *
 * Optionally every frame transmitted is also written to a pcap file
 * (libpcap, link type Ethernet) that Wireshark opens, time-stamped with the
 * simulated time.
 *
 * Hosted code: uses malloc and libpcap. Not thread-safe: one thread drives
 * the wire and all its stacks.
 */
#ifndef ERG_LOOP_H
#define ERG_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "erg/erg.h"

#ifdef __cplusplus
extern "C" {
#endif

struct erg_loop_wire;

/*
 * Frames held in flight at once, at most; more are dropped (queue_full).
 * Only a runaway stack reaches it: it bounds the wire's memory.
 */
#define ERG_LOOP_MAX_PENDING 65536u

/*
 * Impairments. Probabilities are in parts per million (0: never,
 * 1000000: always), each drawn independently per copy of a frame.
 *
 * - loss: the copy is dropped.
 * - dup: a second copy is delivered too (impaired on its own).
 * - reorder: the copy is held back by an extra random delay of 1 to
 *   2 * delay_us + jitter_us + 1 microseconds, so that frames sent after
 *   it can overtake it.
 * - corrupt: one random bit of the copy is flipped.
 * - delay_us: every copy arrives this long after it was sent.
 * - jitter_us: plus a uniform random 0..jitter_us (which reorders too).
 */
struct erg_loop_impair {
	uint32_t loss_ppm;
	uint32_t dup_ppm;
	uint32_t reorder_ppm;
	uint32_t corrupt_ppm;
	uint64_t delay_us;
	uint64_t jitter_us;
};

/*
 * Counters of one wire. Once nothing is pending they balance:
 *
 *   copies + duplicated == filtered + lost + queue_full + rx_nobuf +
 *                          rx_toobig + delivered
 */
struct erg_loop_stats {
	uint64_t sent;         /* frames transmitted by the stacks */
	uint64_t no_dst;       /* unicast frames no other port owns */
	uint64_t copies;       /* (frame, destination port) pairs */
	uint64_t filtered;     /* copies the filter dropped */
	uint64_t lost;         /* copies dropped by loss_ppm */
	uint64_t duplicated;   /* extra copies made by dup_ppm */
	uint64_t reordered;    /* copies held back by reorder_ppm */
	uint64_t corrupted;    /* copies with a bit flipped */
	uint64_t queue_full;   /* too many in flight, or no memory */
	uint64_t delivered;    /* handed to erg_netif_input() */
	uint64_t rx_nobuf;     /* destination pool empty */
	uint64_t rx_toobig;    /* frame larger than a receive pkt */
	uint64_t pcap_written; /* records written to the pcap file */
	uint64_t sent_bytes;   /* bytes of the frames transmitted */
	uint64_t direct;       /* copies landed in a packet at transmit */
	uint64_t copied_bytes; /* bytes the wire copied, all copies */
};

/*
 * Looks at one copy of a frame before the random impairments, and returns
 * true to drop it (counted as filtered). from and to are port numbers;
 * frame borrows the frame's bytes for the call; now_us is the transmit
 * time. Tests use it to drop chosen frames or to watch the traffic. It
 * MUST NOT call into the wire or any stack attached to it.
 */
typedef bool (*erg_loop_filter_fn)(void *ctx, unsigned from, unsigned to,
    const uint8_t *frame, size_t len, uint64_t now_us);

/*
 * Creates a wire with no ports. seed seeds the impairment generator; imp
 * (copied; NULL for a perfect wire: no loss, no delay) sets the
 * impairments. Returns NULL if memory runs out. The caller owns the wire
 * and frees it with erg_loop_wire_free().
 */
struct erg_loop_wire *erg_loop_wire_new(uint64_t seed,
    const struct erg_loop_impair *imp);

/*
 * Replaces the impairments (copied; NULL: perfect) for frames transmitted
 * from now on; frames already in flight keep their fate. Lets a test
 * resolve addresses on a clean wire and then degrade it.
 */
void erg_loop_wire_impair_set(struct erg_loop_wire *w,
    const struct erg_loop_impair *imp);

/*
 * Sets (fn NULL: clears) the filter called for every copy of every frame.
 * ctx is borrowed until the filter is replaced or the wire freed.
 */
void erg_loop_wire_filter_set(struct erg_loop_wire *w, erg_loop_filter_fn fn,
    void *ctx);

/*
 * Writes every frame transmitted from now on to a new pcap file at path
 * (link type Ethernet, snapshot length 65535), as the sending stack gave
 * it, before any impairment, time-stamped with the transmit time. Each
 * record is flushed at once, so the file is complete even if the process
 * dies. A file already open is closed first; path NULL only closes it.
 * Returns 0, or -ERG_EINVAL if the file cannot be created.
 */
int erg_loop_wire_pcap(struct erg_loop_wire *w, const char *path);

/*
 * Attaches a stack to the wire as a new port: adds an interface to s
 * (erg_netif_add) with the given MAC (unicast) and IP MTU, whose driver is
 * this port; the port takes gather lists (ERG_NETIF_CAP_GATHER). Ports are
 * numbered from 0 in the order they are attached. *ifindex (may be NULL)
 * gets the stack's interface index. The wire borrows s until it is freed;
 * s MUST stay valid that long, and the wire MUST outlive every call into s
 * (s transmits through it).
 *
 * Returns 0, -ERG_ENOMEM (no memory, or s has no interface left) or
 * -ERG_EINVAL (a MAC or MTU erg_netif_add refuses).
 */
int erg_loop_attach(struct erg_loop_wire *w, struct erg_stack *s,
    const uint8_t mac[6], uint16_t mtu, unsigned *ifindex);

/*
 * Delivers every frame due by now_us, earliest first (frames due at the
 * same time in the order they were sent), by erg_netif_input() on the
 * destination stack with time now_us. Frames transmitted during this call
 * (replies) wait for the next call even if already due, so one call always
 * ends.
 */
void erg_loop_wire_run(struct erg_loop_wire *w, uint64_t now_us);

/* The time the earliest frame in flight is due, or ERG_TIME_NEVER. */
uint64_t erg_loop_wire_next(const struct erg_loop_wire *w);

/* The number of frames in flight. */
size_t erg_loop_wire_pending(const struct erg_loop_wire *w);

/* Copies the wire's counters to *st. */
void erg_loop_wire_stats(const struct erg_loop_wire *w,
    struct erg_loop_stats *st);

/*
 * Frees the wire: drops the frames in flight, closes the pcap file and
 * forgets the ports. The stacks attached MUST NOT be called afterwards
 * (their interfaces point into the wire). NULL is ignored.
 */
void erg_loop_wire_free(struct erg_loop_wire *w);

#ifdef __cplusplus
}
#endif
#endif
