/*
 * src/ether/netif.c: interfaces, Ethernet input and output.
 *
 * Every interface is Ethernet II. Input accepts frames to the interface's
 * MAC and to the broadcast address; other multicast frames are counted
 * (ether.multicast) and dropped, since erg joins no group; frames from a
 * group source address are invalid (ether.bad_src). Frames shorter than
 * the 60-byte Ethernet minimum are accepted as long as the headers fit
 * (TAP devices deliver them unpadded).
 *
 * Output: a frame goes to the driver as one piece, or as a gather list
 * (a header packet plus views of the payload, never copied by the stack)
 * where the driver takes one (ERG_NETIF_CAP_GATHER) and the next hop is
 * resolved. Otherwise the payload is copied once behind the header.
 */
#include "ether_link.h"

static const uint8_t ether_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

int
erg_netif_add(struct erg_stack *s, const struct erg_netif_config *cfg,
    unsigned *ifindex)
{
	struct erg_netif *nif;
	uint32_t max_mtu;

	if (cfg == NULL || cfg->ops == NULL || cfg->ops->transmit == NULL ||
	    erg_ether_is_group(cfg->mac)) {
		return -ERG_EINVAL;
	}
	max_mtu = s->cfg.pkt_size - ERG_PKT_HEADROOM - ERG_ETHER_HDR_LEN;
	if (cfg->mtu < ERG_IPV4_MIN_MTU || cfg->mtu > max_mtu) {
		return -ERG_EINVAL;
	}
	if (s->netif_n >= s->cfg.netif_count) {
		return -ERG_ENOMEM;
	}
	nif = &s->netifs[s->netif_n];
	memset(nif, 0, sizeof(*nif));
	memcpy(nif->mac, cfg->mac, 6);
	nif->mtu = cfg->mtu;
	nif->mtu_max = cfg->mtu;
	nif->caps = cfg->caps;
	nif->ops = cfg->ops;
	nif->drv = cfg->drv;
	erg_route_changed(s);
	if (ifindex != NULL) {
		*ifindex = s->netif_n;
	}
	s->netif_n++;
	return 0;
}

const uint8_t *
erg_netif_mac(const struct erg_stack *s, unsigned ifindex)
{
	return ifindex < s->netif_n ? s->netifs[ifindex].mac : NULL;
}

int
erg_netif_mtu_set(struct erg_stack *s, unsigned ifindex, uint16_t mtu)
{
	struct erg_netif *nif = erg_netif_get(s, ifindex);

	if (nif == NULL || mtu > nif->mtu_max ||
	    (mtu != 0 && mtu < ERG_IPV4_MIN_MTU)) {
		return -ERG_EINVAL;
	}
	nif->mtu = mtu != 0 ? mtu : nif->mtu_max;
	erg_route_changed(s);
	return 0;
}

uint16_t
erg_netif_mtu(const struct erg_stack *s, unsigned ifindex)
{
	return ifindex < s->netif_n ? s->netifs[ifindex].mtu : 0;
}

void
erg_netif_input(struct erg_stack *s, unsigned ifindex, struct erg_pkt *pkt,
    uint64_t now_us)
{
	struct erg_ether_repr eh;
	struct erg_view payload;
	struct erg_netif *nif;
	enum erg_stat why;

	if (now_us > s->now) {
		s->now = now_us;
	}
	ERG_COUNT(s, NETIF_RX);
	nif = erg_netif_get(s, ifindex);
	if (nif == NULL) {
		ERG_COUNT(s, NETIF_BAD_INDEX);
		goto drop;
	}
	/* A lent window must lie inside its buffer. */
	if (pkt->head > pkt->cap || pkt->len > pkt->cap - pkt->head) {
		ERG_COUNT(s, NETIF_BAD_PKT);
		goto drop;
	}
	pkt->ifindex = (uint16_t)ifindex;
	pkt->flags = 0;
	pkt->next = NULL;
	if (erg_ether_parse(&eh, &payload,
	        erg_view_make(erg_pkt_data(pkt), pkt->len), &why) < 0) {
		ERG_COUNT_ID(s, why);
		goto drop;
	}
	if (memcmp(eh.dst, nif->mac, 6) != 0) {
		if (erg_ether_is_broadcast(eh.dst)) {
			pkt->flags |= ERG_PKT_F_LINK_BCAST;
		} else if (erg_ether_is_group(eh.dst)) {
			ERG_COUNT(s, ETHER_MULTICAST);
			goto drop;
		} else {
			ERG_COUNT(s, ETHER_NOT_FOR_US);
			goto drop;
		}
	}
	if (erg_ether_is_group(eh.src)) {
		ERG_COUNT(s, ETHER_BAD_SRC);
		goto drop;
	}
	(void)erg_pkt_pull(pkt, ERG_ETHER_HDR_LEN);
	switch (eh.type) {
	case ERG_ETHERTYPE_ARP:
		erg_arp_input(s, pkt);
		break;
	case ERG_ETHERTYPE_IPV4:
		if (s->ipv4_input != NULL) {
			s->ipv4_input(s, pkt);
			break;
		}
		/* FALLTHROUGH */
	default:
		ERG_COUNT(s, ETHER_UNKNOWN_TYPE);
		erg_pkt_free(s, pkt);
		break;
	}
	erg_events_deliver(s);
	return;
drop:
	erg_pkt_free(s, pkt);
	erg_events_deliver(s);
}

/*
 * Hands one frame to the driver. Gather lists (n > 1) are only ever built
 * for drivers with ERG_NETIF_CAP_GATHER (erg_ether_output_ipv4_iov).
 */
static int
netif_transmit(struct erg_stack *s, struct erg_netif *nif,
    const struct erg_iov *iov, unsigned n)
{
	int rc = nif->ops->transmit(nif->drv, iov, n);

	if (rc < 0) {
		/* The driver's code is its own: report a full queue. */
		ERG_COUNT(s, NETIF_TX_ERR);
		return -ERG_ENOBUFS;
	}
	ERG_COUNT(s, NETIF_TX);
	return 0;
}

/*
 * Prepends the Ethernet header to pkt and transmits it followed by the n
 * payload views (n > 0 only for gathering drivers). Takes pkt.
 */
static int
ether_send(struct erg_stack *s, struct erg_netif *nif, const uint8_t dst[6],
    uint16_t type, struct erg_pkt *pkt, const struct erg_view *v, unsigned n)
{
	struct erg_iov iov[ERG_NETIF_IOV_MAX];
	struct erg_ether_repr eh;
	uint8_t *h = erg_pkt_push(pkt, ERG_ETHER_HDR_LEN);
	unsigned i;
	int rc;

	if (h == NULL) {
		ERG_COUNT(s, ETHER_NO_HEADROOM);
		erg_pkt_free(s, pkt);
		return -ERG_EINVAL;
	}
	memcpy(eh.dst, dst, 6);
	memcpy(eh.src, nif->mac, 6);
	eh.type = type;
	(void)erg_ether_emit(&eh, h, ERG_ETHER_HDR_LEN);
	iov[0].base = h;
	iov[0].len = pkt->len;
	for (i = 0; i < n; i++) {
		iov[i + 1].base = v[i].p;
		iov[i + 1].len = v[i].len;
	}
	rc = netif_transmit(s, nif, iov, n + 1);
	erg_pkt_free(s, pkt);
	return rc;
}

int
erg_ether_output(struct erg_stack *s, unsigned ifindex, const uint8_t dst[6],
    uint16_t type, struct erg_pkt *pkt)
{
	struct erg_netif *nif = erg_netif_get(s, ifindex);

	if (nif == NULL) {
		erg_pkt_free(s, pkt);
		return -ERG_EINVAL;
	}
	return ether_send(s, nif, dst, type, pkt, NULL, 0);
}

/*
 * The Ethernet destination for next_hop on nif: the broadcast address for
 * a broadcast next hop, else the resolved neighbour. Returns false when
 * ARP has not resolved it (yet).
 */
static bool
ether_next_hop_mac(struct erg_stack *s, const struct erg_netif *nif,
    unsigned ifindex, uint32_t next_hop, uint8_t mac[6], uint64_t *until)
{
	if (next_hop == ERG_IPV4_BROADCAST ||
	    erg_netif_is_subnet_bcast(nif, next_hop)) {
		memcpy(mac, ether_bcast, 6);
		/* As long as the subnet stays (s->route_gen). */
		if (until != NULL) {
			*until = ERG_TIME_NEVER;
		}
		return true;
	}
	return erg_arp_lookup(s, ifindex, next_hop, mac, until) == 0;
}

int
erg_ether_output_ipv4(struct erg_stack *s, unsigned ifindex, uint32_t next_hop,
    struct erg_pkt *pkt)
{
	struct erg_netif *nif = erg_netif_get(s, ifindex);
	uint8_t mac[6];
	int rc;

	if (nif == NULL) {
		erg_pkt_free(s, pkt);
		return -ERG_EINVAL;
	}
	if (!ether_next_hop_mac(s, nif, ifindex, next_hop, mac, NULL)) {
		rc = erg_arp_resolve(s, ifindex, next_hop, pkt, mac);
		if (rc == -ERG_EAGAIN) {
			return 0;
		}
		if (rc < 0) {
			return rc;
		}
	}
	return erg_ether_output(s, ifindex, mac, ERG_ETHERTYPE_IPV4, pkt);
}

int
erg_ether_output_ipv4_iov(struct erg_stack *s, unsigned ifindex,
    uint32_t next_hop, struct erg_pkt *hdr, const struct erg_view *v,
    unsigned n)
{
	return erg_ether_output_ipv4_iov_fill(s, ifindex, next_hop, hdr, v, n,
	    NULL);
}

int
erg_ether_output_path(struct erg_stack *s, const struct erg_ipv4_path *path,
    struct erg_pkt *hdr, const struct erg_view *v, unsigned n)
{
	return ether_send(s, &s->netifs[path->ifindex], path->mac,
	    ERG_ETHERTYPE_IPV4, hdr, v, n);
}

int
erg_ether_output_ipv4_iov_fill(struct erg_stack *s, unsigned ifindex,
    uint32_t next_hop, struct erg_pkt *hdr, const struct erg_view *v,
    unsigned n, struct erg_ipv4_path *path)
{
	struct erg_netif *nif = erg_netif_get(s, ifindex);
	size_t total = 0;
	uint64_t until;
	uint8_t mac[6];
	uint8_t *p;
	unsigned i;

	if (path != NULL) {
		path->gen = 0;
	}
	if (nif == NULL) {
		erg_pkt_free(s, hdr);
		return -ERG_EINVAL;
	}
	if (n < ERG_NETIF_IOV_MAX && (nif->caps & ERG_NETIF_CAP_GATHER) != 0 &&
	    ether_next_hop_mac(s, nif, ifindex, next_hop, mac, &until)) {
		if (path != NULL) {
			path->gen = s->route_gen;
			path->until = until;
			path->ifindex = (uint16_t)ifindex;
			memcpy(path->mac, mac, 6);
		}
		/* Resolved: header packet plus the payload, uncopied. */
		return ether_send(s, nif, mac, ERG_ETHERTYPE_IPV4, hdr, v, n);
	}
	/*
	 * The frame must wait for ARP, or the driver takes one piece only:
	 * copy the payload behind the header, once.
	 */
	for (i = 0; i < n; i++) {
		total += v[i].len;
	}
	p = erg_pkt_put(hdr, (uint32_t)total);
	if (p == NULL) {
		/* Callers send at most an MTU: cannot happen. */
		ERG_COUNT(s, NETIF_TX_ERR);
		erg_pkt_free(s, hdr);
		return -ERG_EMSGSIZE;
	}
	erg_views_copy(p, v, n, 0, total);
	return erg_ether_output_ipv4(s, ifindex, next_hop, hdr);
}
