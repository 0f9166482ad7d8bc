/*
 * netif/host/host_link_stats.c: naming the unix drivers' counters (see
 * erg_host.h).
 */
#include <stdio.h>

#include "erg_host.h"

void
erg_host_link_stats_foreach(const struct erg_host_link_stats *st,
    const char *prefix, void (*fn)(void *ctx, const char *name, uint64_t value),
    void *ctx)
{
	/* The order of the struct, so output lines are stable. */
	const struct {
		const char *name;
		uint64_t value;
	} f[] = {
		{ "rx", st->rx },
		{ "rx_nobuf", st->rx_nobuf },
		{ "rx_toobig", st->rx_toobig },
		{ "rx_trunc", st->rx_trunc },
		{ "tx", st->tx },
		{ "tx_full", st->tx_full },
		{ "tx_err", st->tx_err },
	};
	char name[64];
	size_t i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		(void)snprintf(name, sizeof(name), "%s.%s", prefix, f[i].name);
		fn(ctx, name, f[i].value);
	}
}
