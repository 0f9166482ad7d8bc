/*
 * src/ether/ether_link.h: what the link layer offers the layers above
 * (IPv4) and the assembly.
 */
#ifndef ERG_ETHER_LINK_H
#define ERG_ETHER_LINK_H

#include "../core/core.h"

/*
 * Sends the IPv4 datagram in pkt (window: IP header onwards) on interface
 * ifindex to the next hop next_hop (host order; ERG_IPV4_BROADCAST or the
 * interface's subnet broadcast go to the Ethernet broadcast address).
 * Resolves the next hop through ARP, holding the pkt on the cache entry
 * while resolution is under way. Takes pkt. Returns 0 (sent or queued) or
 * a negative error (pkt freed and the reason counted).
 */
int erg_ether_output_ipv4(struct erg_stack *s, unsigned ifindex,
    uint32_t next_hop, struct erg_pkt *pkt);

/*
 * Sends an IPv4 datagram given as a header packet hdr (window: the IP
 * header; headroom for Ethernet) followed by n payload views, borrowed for
 * the call only. When the next hop is resolved and the driver gathers,
 * the frame goes to the driver as one gather list and the payload is never
 * copied by the stack; otherwise the views are copied into hdr's tailroom
 * and hdr takes the path of erg_ether_output_ipv4 (queued for ARP, if
 * need be). Takes hdr.
 */
int erg_ether_output_ipv4_iov(struct erg_stack *s, unsigned ifindex,
    uint32_t next_hop, struct erg_pkt *hdr, const struct erg_view *v,
    unsigned n);

/*
 * erg_ether_output_ipv4_iov for a sender that keeps a path: when the
 * frame leaves as a gather list to a resolved neighbour, path gets the
 * interface, the MAC and the validity (gen, until) for
 * erg_ether_output_path; otherwise path is emptied (gen 0). The caller
 * fills the path's IPv4 fields (dst, src, mtu).
 */
int erg_ether_output_ipv4_iov_fill(struct erg_stack *s, unsigned ifindex,
    uint32_t next_hop, struct erg_pkt *hdr, const struct erg_view *v,
    unsigned n, struct erg_ipv4_path *path);

/*
 * Sends an IPv4 datagram (hdr, then n < ERG_NETIF_IOV_MAX views,
 * borrowed for the call) as one gather list to the next hop of path,
 * which holds (the caller checked). Takes hdr.
 */
int erg_ether_output_path(struct erg_stack *s, const struct erg_ipv4_path *path,
    struct erg_pkt *hdr, const struct erg_view *v, unsigned n);

/*
 * Prepends an Ethernet header and transmits pkt on ifindex. Takes pkt.
 */
int erg_ether_output(struct erg_stack *s, unsigned ifindex,
    const uint8_t dst[6], uint16_t type, struct erg_pkt *pkt);

/* ARP (src/ether/arp.c). */
void erg_arp_layout(struct erg_carve *c, const struct erg_config *cfg,
    struct erg_stack *s);
void erg_arp_input(struct erg_stack *s, struct erg_pkt *pkt);
/*
 * Looks up ip on ifindex. If resolved, copies the MAC to mac and returns
 * 0; otherwise starts or continues resolution, queues pkt (taken) and
 * returns -ERG_EAGAIN, or frees pkt and returns an error.
 */
int erg_arp_resolve(struct erg_stack *s, unsigned ifindex, uint32_t ip,
    struct erg_pkt *pkt, uint8_t mac[6]);
/*
 * Looks up ip on ifindex without side effects on a miss: copies the MAC
 * and returns 0 if resolved, else -ERG_EAGAIN. When resolved and until is
 * not NULL, *until gets the time until which the same lookup would give
 * the same MAC and do nothing else (struct erg_ipv4_path).
 */
int erg_arp_lookup(struct erg_stack *s, unsigned ifindex, uint32_t ip,
    uint8_t mac[6], uint64_t *until);
/* Broadcasts a gratuitous ARP request for the interface's address. */
void erg_arp_announce(struct erg_stack *s, unsigned ifindex);
/* Forgets every entry of interface ifindex (its address changed). */
void erg_arp_flush(struct erg_stack *s, unsigned ifindex);

#endif
