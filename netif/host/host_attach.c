/*
 * netif/host/host_attach.c: the attach step every unix driver shares.
 */
#include <string.h>

#include "erg_host.h"

int
erg_host_attach(struct erg_stack *s, struct erg_stack **stackp,
    const uint8_t mac[6], uint16_t mtu, const struct erg_netif_ops *ops,
    void *drv, unsigned *ifindex)
{
	struct erg_netif_config nc;
	int rc;

	if (*stackp != NULL) {
		return -ERG_ESTATE;
	}
	memset(&nc, 0, sizeof(nc));
	memcpy(nc.mac, mac, 6);
	nc.mtu = mtu;
	nc.caps = ERG_NETIF_CAP_GATHER;
	nc.ops = ops;
	nc.drv = drv;
	*stackp = s;
	rc = erg_netif_add(s, &nc, ifindex);
	if (rc != 0) {
		*stackp = NULL;
	}
	return rc;
}
