/* Placeholder until the client lands. */
#include "dhcp_layer.h"

void
erg_dhcp_layout(struct erg_carve *c, const struct erg_config *cfg,
    struct erg_stack *s)
{
	ERG_UNUSED(c);
	ERG_UNUSED(cfg);
	ERG_UNUSED(s);
}
