/*
 * erg/ipv4.h: IPv4 wire format (RFC 791) and interface addressing.
 *
 * Addresses are uint32_t in host order everywhere in the API
 * (ERG_IPV4(198, 18, 0, 1)); only the wire holds network order.
 */
#ifndef ERG_IPV4_H
#define ERG_IPV4_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "view.h"
#include "stats.h"

#ifdef __cplusplus
extern "C" {
#endif

struct erg_stack;

#define ERG_IPV4(a, b, c, d)                                              \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | \
	    (uint32_t)(d))

#define ERG_IPV4_ANY       0u
#define ERG_IPV4_BROADCAST 0xffffffffu
#define ERG_IPV4_HDR_LEN   20u /* without options; all erg sends */
#define ERG_IPV4_HDR_MAX   60u
#define ERG_IPV4_MAX_LEN   65535u /* total length field */
#define ERG_IPV4_MIN_MTU   68u    /* RFC 791: every host handles it */

#define ERG_IP_PROTO_ICMP 1u
#define ERG_IP_PROTO_TCP  6u
#define ERG_IP_PROTO_UDP  17u

struct erg_ipv4_repr {
	uint32_t src;
	uint32_t dst;
	uint16_t total_len; /* header plus payload */
	uint16_t id;
	uint16_t frag_off; /* in bytes (wire value * 8) */
	uint8_t hdr_len;   /* 20..60 */
	uint8_t tos;
	uint8_t ttl;
	uint8_t proto;
	bool df; /* don't fragment */
	bool mf; /* more fragments */
};

/*
 * Validates an IPv4 header in v, in the order OpenBSD's ip_input does:
 * length of the fixed header (ipv4.truncated), version (ipv4.bad_version),
 * IHL >= 5 (ipv4.bad_hlen), IHL within v (ipv4.truncated), header checksum
 * (ipv4.bad_checksum), total length >= IHL (ipv4.bad_len) and <= v.len
 * (ipv4.truncated),
 * and every option's length (ipv4.bad_option). The reserved flag bit is
 * ignored (RFC 1122 1.2.2: be liberal in what you accept). On success *payload
 * is the datagram's payload, trimmed to the total length (link padding
 * dropped).
 */
int erg_ipv4_parse(struct erg_ipv4_repr *r, struct erg_view *payload,
    struct erg_view v, enum erg_stat *why);

/*
 * Writes a 20-byte header (no options) with its checksum to buf
 * (len >= 20); r->hdr_len is ignored and total_len MUST count the 20.
 * Returns 20 or -ERG_EINVAL.
 */
int erg_ipv4_emit(const struct erg_ipv4_repr *r, uint8_t *buf, size_t len);

static inline bool
erg_ipv4_is_multicast(uint32_t a)
{
	return (a & 0xf0000000u) == 0xe0000000u; /* 224.0.0.0/4 */
}

/* Addresses that may never be a datagram's source (RFC 1122 3.2.1.3). */
static inline bool
erg_ipv4_is_bad_src(uint32_t a)
{
	return a == ERG_IPV4_BROADCAST || erg_ipv4_is_multicast(a) ||
	    (a & 0xff000000u) == 0x7f000000u || /* loopback */
	    (a & 0xf0000000u) == 0xf0000000u;   /* class E */
}

/*
 * Sets the interface's address and prefix length (0 < prefix <= 32), and
 * announces it with a gratuitous ARP request (RFC 5227 section 3).
 * ERG_IPV4_ANY clears the address. Returns 0 or -ERG_EINVAL.
 */
int erg_ipv4_addr_set(struct erg_stack *s, unsigned ifindex, uint32_t addr,
    unsigned prefix_len);

/* The interface's address (ERG_IPV4_ANY if none or bad index). */
uint32_t erg_ipv4_addr(const struct erg_stack *s, unsigned ifindex);

/*
 * Sets the default gateway, reached through interface ifindex; it must be
 * on-link there. ERG_IPV4_ANY removes it. Returns 0 or -ERG_EINVAL.
 */
int erg_ipv4_gateway_set(struct erg_stack *s, unsigned ifindex, uint32_t gw);

/* DNS servers an interface keeps (what DHCP learned, or the host set). */
#define ERG_IPV4_DNS_MAX 3u

/*
 * Sets the DNS servers learned on interface ifindex (n <= ERG_IPV4_DNS_MAX,
 * copied; n 0 clears them). The resolver asks them when no server was
 * set with erg_dns_servers_set. Returns 0 or -ERG_EINVAL (bad index, too
 * many, or an address that cannot be a unicast destination: 0.0.0.0,
 * broadcast, multicast, loopback, class E, the interface's own address
 * or its subnet's broadcast).
 */
int erg_ipv4_dns_set(struct erg_stack *s, unsigned ifindex,
    const uint32_t *addrs, unsigned n);

/* Copies up to max of the interface's DNS servers to out; returns how many. */
unsigned erg_ipv4_dns(const struct erg_stack *s, unsigned ifindex,
    uint32_t *out, unsigned max);

/* The interface's default gateway (ERG_IPV4_ANY if none or bad index). */
uint32_t erg_ipv4_gateway(const struct erg_stack *s, unsigned ifindex);

/* The interface's prefix length (0 if it has no address). */
unsigned erg_ipv4_prefix_len(const struct erg_stack *s, unsigned ifindex);

#ifdef __cplusplus
}
#endif
#endif
