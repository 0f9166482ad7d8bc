/*
 * src/tls/tls_layer.h: what the assembly (src/stack) sees of TLS. Free
 * of BearSSL, so that the rest of the stack builds and links without it.
 */
#ifndef ERG_TLS_LAYER_H
#define ERG_TLS_LAYER_H

#include "../core/core.h"
#include "erg/tls.h"

/*
 * Carves the session pool (cfg.tls_sessions sessions and their record
 * buffers) and the credential store; with s NULL only counts.
 */
void erg_tls_layout(struct erg_carve *c, const struct erg_config *cfg,
    struct erg_stack *s);

/* Timers TLS may arm at once: one per session (the close linger). */
static inline uint32_t
erg_tls_timer_count(const struct erg_config *cfg)
{
	return cfg->tls_sessions;
}

#endif
