/*
 * src/ipv4/ipv4_layer.h: what the IPv4 layer (with ICMP and reassembly)
 * offers the transports above and the assembly.
 */
#ifndef ERG_IPV4_LAYER_H
#define ERG_IPV4_LAYER_H

#include "../core/core.h"

/* What a transport asks of IPv4 output. */
struct erg_ipv4_tx {
	uint32_t src; /* ERG_IPV4_ANY: the outgoing interface's */
	uint32_t dst;
	uint8_t proto;
	uint8_t ttl; /* 0: the default, 64 */
	bool df;     /* set DF, and refuse to fragment */
	bool pin_if; /* leave through ifindex, whatever the routes say */
	unsigned ifindex;
};

#define ERG_IPV4_DEFAULT_TTL 64u

/* A route: where a datagram to dst leaves, to whom, and from which address. */
struct erg_ipv4_route {
	unsigned ifindex;
	uint32_t next_hop;
	uint32_t src;
	uint16_t mtu;
};

void erg_ipv4_layout(struct erg_carve *c, const struct erg_config *cfg,
    struct erg_stack *s);

/* Ethernet's IPv4 hook. Takes pkt (window: IP header onwards). */
void erg_ipv4_input(struct erg_stack *s, struct erg_pkt *pkt);

/*
 * Chooses the route to dst: an on-link interface, else the default
 * gateway. Returns 0 or -ERG_EHOSTUNREACH.
 */
int erg_ipv4_route(struct erg_stack *s, uint32_t dst,
    struct erg_ipv4_route *rt);

/* True if addr is one of our interfaces' addresses. */
bool erg_ipv4_is_local(const struct erg_stack *s, uint32_t addr);

/*
 * Sends pkt's bytes (window: transport header onwards, with
 * ERG_IPV4_HDR_LEN + ERG_ETHER_HDR_LEN of headroom) as one datagram,
 * fragmenting it (by copying) when it exceeds the route's MTU. Takes pkt.
 * Returns 0 (sent, or queued for ARP), -ERG_EHOSTUNREACH, -ERG_EMSGSIZE
 * or -ERG_ENOMEM.
 */
int erg_ipv4_output(struct erg_stack *s, const struct erg_ipv4_tx *tx,
    struct erg_pkt *pkt);

/*
 * Sends the concatenation of n views as one datagram's payload, copied
 * into packets (fragments when needed). Borrows the views for the call.
 */
int erg_ipv4_output_views(struct erg_stack *s, const struct erg_ipv4_tx *tx,
    const struct erg_view *v, unsigned n);

/*
 * Sends one datagram that must not be fragmented: a transport header in
 * hdr (window: the header, with IPv4 and Ethernet headroom) followed by
 * n payload views, borrowed for the call. The link layer gathers them
 * without a copy when it can (erg_ether_output_ipv4_iov). Takes hdr.
 * Returns as erg_ipv4_output, -ERG_EMSGSIZE if it exceeds the MTU.
 */
int erg_ipv4_output_iov(struct erg_stack *s, const struct erg_ipv4_tx *tx,
    struct erg_pkt *hdr, const struct erg_view *v, unsigned n);

/*
 * erg_ipv4_output_iov for a sender that keeps a path (NULL: none): while
 * the path holds for tx->dst, routing and the ARP lookup are skipped and
 * the datagram goes straight to the path's next hop; otherwise it takes
 * the full way and the path is refilled (or emptied, if the next hop is
 * not resolved). The datagram and the counters are the same either way.
 */
int erg_ipv4_output_iov_path(struct erg_stack *s, const struct erg_ipv4_tx *tx,
    struct erg_pkt *hdr, const struct erg_view *v, unsigned n,
    struct erg_ipv4_path *path);

/* Reassembly (ipv4_reasm.c). */
void erg_reasm_layout(struct erg_carve *c, const struct erg_config *cfg,
    struct erg_stack *s);
/*
 * Takes a fragment (window: IP header onwards, trimmed to total length).
 * Returns the reassembled datagram (window: IP header onwards, with
 * total_len and flags rewritten, *ip updated) when this fragment
 * completed it, else NULL.
 */
struct erg_pkt *erg_reasm_input(struct erg_stack *s, struct erg_pkt *pkt,
    struct erg_ipv4_repr *ip);

/* ICMP (icmp.c). */
void erg_icmp_layout(struct erg_carve *c, const struct erg_config *cfg,
    struct erg_stack *s);
/* Takes pkt (window: ICMP message). */
void erg_icmp_input(struct erg_stack *s, struct erg_pkt *pkt,
    const struct erg_ipv4_repr *ip);
/*
 * Sends an ICMP error about the datagram whose IP header is at
 * pkt->buf + pkt->l3 and whose header fields are ip, unless RFC 1122
 * 3.2.2 forbids it or the rate limit says no. Borrows pkt.
 */
void erg_icmp_error_send(struct erg_stack *s, const struct erg_pkt *pkt,
    const struct erg_ipv4_repr *ip, uint8_t type, uint8_t code, uint32_t rest);

#endif
