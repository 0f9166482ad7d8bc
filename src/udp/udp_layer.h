/*
 * src/udp/udp_layer.h: the UDP layer's hooks for the assembly.
 */
#ifndef ERG_UDP_LAYER_H
#define ERG_UDP_LAYER_H

#include "../core/core.h"

void erg_udp_layout(struct erg_carve *c, const struct erg_config *cfg,
    struct erg_stack *s);
/* IPv4's input hook for protocol 17. Takes pkt (window: UDP header on). */
void erg_udp_input(struct erg_stack *s, struct erg_pkt *pkt,
    const struct erg_ipv4_repr *ip);
/* IPv4's error hook for protocol 17. */
void erg_udp_err(struct erg_stack *s, const struct erg_icmp_err *err);

/*
 * erg_udp_sendto, leaving through interface ifindex whatever the routes
 * say, from its address (0.0.0.0 if it has none): how a DHCP client
 * broadcasts on its own link (RFC 2131 4.1).
 */
int erg_udp_sendto_if(struct erg_udp_sock *u, unsigned ifindex, uint32_t addr,
    uint16_t port, const void *data, size_t len);

#endif
