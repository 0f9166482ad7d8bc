/*
 * src/dhcp/dhcp_layer.h: what the assembly (src/stack) sees of the DHCP
 * client.
 */
#ifndef ERG_DHCP_LAYER_H
#define ERG_DHCP_LAYER_H

#include "../core/core.h"

/* Carves one client per interface; with s NULL only counts. */
void erg_dhcp_layout(struct erg_carve *c, const struct erg_config *cfg,
    struct erg_stack *s);

/* Timers the DHCP clients may arm at once: one per interface. */
static inline uint32_t
erg_dhcp_timer_count(const struct erg_config *cfg)
{
	return cfg->netif_count;
}

#endif
