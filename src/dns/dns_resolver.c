/* Placeholder until the resolver lands. */
#include "dns_layer.h"

void
erg_dns_layout(struct erg_carve *c, const struct erg_config *cfg,
    struct erg_stack *s)
{
	ERG_UNUSED(c);
	ERG_UNUSED(cfg);
	ERG_UNUSED(s);
}
