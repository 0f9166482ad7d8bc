/*
 * tests/lib/testnet.h: helpers shared by unit tests and simulations.
 *
 * - A deterministic random source (splitmix64) for erg_config.rand.
 * - A capture driver: every frame the stack transmits is copied into a
 *   growable array the test inspects.
 * - One-call stack setup with a single interface, and frame injection.
 * - Frame builders for Ethernet/IPv4/UDP/ICMP, so tests can craft input
 *   (wire-format tests use real captured frames from tests/vectors).
 *
 * Hosted code: uses malloc and libc freely.
 */
#ifndef ERG_TESTNET_H
#define ERG_TESTNET_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "erg/erg.h"

struct tn_frame {
	uint8_t *data;
	size_t len;
};

struct tn_capture {
	struct tn_frame *frames;
	unsigned n;
	unsigned cap;
	int fail; /* transmit returns this if non-zero */
};

struct tn_stack {
	struct erg_stack *s;
	void *arena;
	size_t arena_len;
	struct tn_capture cap;
	unsigned ifindex;
	uint64_t rng;
	uint8_t mac[6];
	uint32_t addr;
	uint32_t baseline; /* erg_stack_pool_in_use after init */
};

/* splitmix64 over *ctx (a uint64_t state). */
void tn_rand(void *ctx, void *buf, size_t len);

extern const struct erg_netif_ops tn_capture_ops;

/*
 * Builds a stack with cfg (NULL: defaults), one interface with mac and
 * addr/prefix (addr 0: none), seeded rand. Asserts on failure.
 */
void tn_stack_init(struct tn_stack *t, const struct erg_config *cfg,
    const uint8_t mac[6], uint32_t addr, unsigned prefix, uint64_t seed);
void tn_stack_fini(struct tn_stack *t);

/* Copies a frame into a pool packet and feeds it to the stack. */
void tn_inject(struct tn_stack *t, const void *frame, size_t len, uint64_t now);

void tn_capture_clear(struct tn_capture *c);
/* The last captured frame, or NULL. */
const struct tn_frame *tn_last(const struct tn_capture *c);

/* Counter value by enum. */
uint64_t tn_stat(const struct tn_stack *t, enum erg_stat id);

/* ---- Host B of tests/vectors (host_b.c; cmocka assertions) ------------ */

/* Builds host B (02:00:00:00:00:02, 198.18.0.2/24, seed 0xb0b). */
void tn_host_b(struct tn_stack *t, const struct erg_config *cfg);
/* Asserts that every pool entry is back (baseline), then tn_stack_fini. */
void tn_stack_done(struct tn_stack *t);
/*
 * Feeds A's captured ARP request (tests/vectors) so that t learns A's MAC,
 * asserts the single reply, and clears the capture.
 */
void tn_learn_a(struct tn_stack *t, uint64_t now);
/* malloc that asserts; 0 bytes gives a valid pointer. */
void *tn_xmalloc(size_t len);

/* ---- Frame builders (return the frame length) -------------------------- */

size_t tn_build_eth(uint8_t *buf, const uint8_t dst[6], const uint8_t src[6],
    uint16_t type, const void *payload, size_t len);
/* IPv4 header (20 bytes) + payload, valid checksum. */
size_t tn_build_ipv4(uint8_t *buf, uint32_t src, uint32_t dst, uint8_t proto,
    uint16_t id, uint16_t frag_off_bytes, bool mf, const void *payload,
    size_t len);
/* Ethernet + IPv4 + UDP with a correct checksum. */
size_t tn_build_udp_frame(uint8_t *buf, const uint8_t dst_mac[6],
    const uint8_t src_mac[6], uint32_t src, uint32_t dst, uint16_t sport,
    uint16_t dport, const void *payload, size_t len);
/* Ethernet + IPv4 + ICMP echo request. */
size_t tn_build_ping_frame(uint8_t *buf, const uint8_t dst_mac[6],
    const uint8_t src_mac[6], uint32_t src, uint32_t dst, uint16_t id,
    uint16_t seq, const void *payload, size_t len);
/* Ethernet + ARP. */
size_t tn_build_arp_frame(uint8_t *buf, const uint8_t dst_mac[6],
    const uint8_t src_mac[6], uint16_t op, const uint8_t sha[6], uint32_t spa,
    const uint8_t tha[6], uint32_t tpa);

#endif
