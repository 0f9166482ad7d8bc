/*
 * src/dns/dns_layer.h: what the assembly (src/stack) sees of the DNS
 * resolver.
 */
#ifndef ERG_DNS_LAYER_H
#define ERG_DNS_LAYER_H

#include "../core/core.h"

/*
 * Carves the resolver: cfg.dns_queries query slots (each with its
 * dns_msg_max buffer), the cache (cfg.dns_cache_entries entries of
 * dns_entry_size bytes) and the answer buffer; with s NULL only counts.
 */
void erg_dns_layout(struct erg_carve *c, const struct erg_config *cfg,
    struct erg_stack *s);

/* Timers the resolver may arm at once: one per query slot. */
static inline uint32_t
erg_dns_timer_count(const struct erg_config *cfg)
{
	return cfg->dns_queries;
}

#endif
