/*
 * src/ipv4/ipv4.c: IPv4 input, routing and output (RFC 791, RFC 1122 3).
 *
 * Decisions:
 * - Weak host model (RFC 1122 3.3.4.2): a datagram to any of our
 *   addresses is accepted on any interface, as Linux does by default.
 *   Broadcasts are accepted to 255.255.255.255 and to the receiving
 *   interface's directed subnet broadcast. erg is not a router: anything
 *   else is dropped (ipv4.not_for_us).
 * - Sources that can never be valid (broadcast, multicast, loopback, class
 *   E, 0.0.0.0, our subnet's broadcast) are dropped (ipv4.bad_src), so
 *   nothing is ever answered to them; the one exception is 0.0.0.0 in a
 *   UDP broadcast to 255.255.255.255 (a DHCP client, RFC 1122 3.2.1.3
 *   (a)), which only a socket can answer.
 * - The ID of each datagram comes from one of 64 counters picked by a
 *   keyed hash of (src, dst, proto), each starting at a random value:
 *   unique enough for reassembly (RFC 6864) without exposing one global
 *   counter to idle scans.
 * - A datagram larger than the route's MTU is fragmented by copying
 *   slices into fresh packets; each fragment then goes through ARP on its
 *   own. With DF set it is refused (-ERG_EMSGSIZE).
 * - Sending to one of our own addresses is not looped back: there is no
 *   loopback interface yet (-ERG_EHOSTUNREACH). Destinations that must
 *   never leave a host (0.0.0.0, 127/8, class E) and multicast (no RFC
 *   1112 mapping yet) are refused (-ERG_EINVAL).
 * - A unicast datagram that arrived in a link-layer broadcast is dropped
 *   (RFC 1122 3.3.6; ipv4.link_bcast_unicast).
 */
#include "ipv4_layer.h"
#include "../ether/ether_link.h"

#define IPV4_ID_BUCKETS 64u

struct erg_ipv4 {
	uint16_t id_ctr[IPV4_ID_BUCKETS];
	/* The last (src, dst, proto) ipv4_next_id hashed, and its bucket. */
	uint32_t id_src;
	uint32_t id_dst;
	uint8_t id_proto;
	uint8_t id_bucket;
	bool id_cached;
};

void
erg_ipv4_layout(struct erg_carve *c, const struct erg_config *cfg,
    struct erg_stack *s)
{
	struct erg_ipv4 *ip = erg_carve(c, sizeof(*ip));

	ERG_UNUSED(cfg);
	if (s == NULL) {
		return;
	}
	s->ipv4 = ip;
	erg_rand_bytes(s, ip->id_ctr, sizeof(ip->id_ctr));
}

bool
erg_ipv4_is_local(const struct erg_stack *s, uint32_t addr)
{
	unsigned i;

	if (addr == 0) {
		return false;
	}
	for (i = 0; i < s->netif_n; i++) {
		if (s->netifs[i].addr == addr) {
			return true;
		}
	}
	return false;
}

/* ---- Input ------------------------------------------------------------ */

/* Classifies the destination; returns false if the datagram is not ours. */
static bool
ipv4_accept_dst(struct erg_stack *s, const struct erg_netif *nif, uint32_t dst,
    bool *bcast)
{
	*bcast = false;
	if (dst == ERG_IPV4_BROADCAST || erg_netif_is_subnet_bcast(nif, dst)) {
		*bcast = true;
		return true;
	}
	return erg_ipv4_is_local(s, dst);
}

/* True if a is the directed broadcast of any of our subnets. */
static bool
ipv4_is_any_subnet_bcast(const struct erg_stack *s, uint32_t a)
{
	unsigned i;

	for (i = 0; i < s->netif_n; i++) {
		if (erg_netif_is_subnet_bcast(&s->netifs[i], a)) {
			return true;
		}
	}
	return false;
}

/*
 * RFC 1122 3.2.1.3: every broadcast form we know of, on any interface.
 * 0.0.0.0 too, except from a host still learning its own address (rule
 * (a)): a DHCP or BOOTP client broadcasting UDP to 255.255.255.255 (RFC
 * 2131 4.1), which a DHCP server running on erg must hear.
 */
static bool
ipv4_bad_src(const struct erg_stack *s, const struct erg_ipv4_repr *ip)
{
	if (ip->src == 0) {
		return ip->dst != ERG_IPV4_BROADCAST ||
		    ip->proto != ERG_IP_PROTO_UDP;
	}
	return erg_ipv4_is_bad_src(ip->src) ||
	    ipv4_is_any_subnet_bcast(s, ip->src);
}

static void
ipv4_deliver(struct erg_stack *s, struct erg_pkt *pkt,
    const struct erg_ipv4_repr *ip)
{
	unsigned i;

	(void)erg_pkt_pull(pkt, ip->hdr_len);
	if (ip->proto == ERG_IP_PROTO_ICMP) {
		erg_icmp_input(s, pkt, ip);
		return;
	}
	for (i = 0; i < s->l4_n; i++) {
		if (s->l4[i].proto == ip->proto) {
			s->l4[i].input(s, pkt, ip);
			return;
		}
	}
	/* RFC 1122 3.2.2.1: protocol unreachable (suppressed as needed). */
	ERG_COUNT(s, IPV4_UNKNOWN_PROTO);
	erg_icmp_error_send(s, pkt, ip, ERG_ICMP_DEST_UNREACH,
	    ERG_ICMP_PROTO_UNREACH, 0);
	erg_pkt_free(s, pkt);
}

void
erg_ipv4_input(struct erg_stack *s, struct erg_pkt *pkt)
{
	struct erg_netif *nif = erg_netif_get(s, pkt->ifindex);
	struct erg_ipv4_repr ip;
	struct erg_view payload;
	enum erg_stat why;
	bool bcast;

	ERG_COUNT(s, IPV4_RX);
	if (erg_ipv4_parse(&ip, &payload,
	        erg_view_make(erg_pkt_data(pkt), pkt->len), &why) < 0) {
		ERG_COUNT_ID(s, why);
		goto drop;
	}
	if (ipv4_bad_src(s, &ip)) {
		ERG_COUNT(s, IPV4_BAD_SRC);
		goto drop;
	}
	if (!ipv4_accept_dst(s, nif, ip.dst, &bcast)) {
		ERG_COUNT(s, IPV4_NOT_FOR_US);
		goto drop;
	}
	/*
	 * RFC 1122 3.3.6: a unicast datagram in a link-layer broadcast is
	 * someone's mistake or someone's trick; discard it.
	 */
	if (!bcast && (pkt->flags & ERG_PKT_F_LINK_BCAST) != 0) {
		ERG_COUNT(s, IPV4_LINK_BCAST_UNICAST);
		goto drop;
	}
	if (bcast) {
		pkt->flags |= ERG_PKT_F_IP_BCAST;
	}
	/* Drop link padding: the datagram is total_len bytes. */
	(void)erg_pkt_trim(pkt, ip.total_len);
	pkt->l3 = pkt->head;
	if (ip.mf || ip.frag_off != 0) {
		ERG_COUNT(s, IPV4_FRAG_RX);
		pkt = erg_reasm_input(s, pkt, &ip);
		if (pkt == NULL) {
			return;
		}
	}
	ipv4_deliver(s, pkt, &ip);
	return;
drop:
	erg_pkt_free(s, pkt);
}

/* ---- Routing and output ----------------------------------------------- */

int
erg_ipv4_route(struct erg_stack *s, uint32_t dst, struct erg_ipv4_route *rt)
{
	unsigned i;

	if (dst == ERG_IPV4_BROADCAST && s->netif_n > 0) {
		/* Limited broadcast leaves through the first interface. */
		rt->ifindex = 0;
		rt->next_hop = dst;
		goto found;
	}
	for (i = 0; i < s->netif_n; i++) {
		const struct erg_netif *nif = &s->netifs[i];

		if (nif->addr != 0 && nif->addr != dst &&
		    (dst & nif->mask) == (nif->addr & nif->mask)) {
			rt->ifindex = i;
			rt->next_hop = dst;
			goto found;
		}
	}
	for (i = 0; i < s->netif_n; i++) {
		if (s->netifs[i].gw != 0 && !erg_ipv4_is_local(s, dst)) {
			rt->ifindex = i;
			rt->next_hop = s->netifs[i].gw;
			goto found;
		}
	}
	ERG_COUNT(s, IPV4_NO_ROUTE);
	return -ERG_EHOSTUNREACH;
found:
	rt->src = s->netifs[rt->ifindex].addr;
	rt->mtu = s->netifs[rt->ifindex].mtu;
	return 0;
}

/*
 * The route out of one given interface (a DHCP client's, RFC 2131 4.1:
 * before it has an address it must broadcast on its own link): limited
 * broadcast and on-link destinations go straight there, others to its
 * gateway.
 */
static int
ipv4_route_pinned(struct erg_stack *s, unsigned ifindex, uint32_t dst,
    struct erg_ipv4_route *rt)
{
	const struct erg_netif *nif = erg_netif_get(s, ifindex);

	if (nif == NULL) {
		return -ERG_EINVAL;
	}
	rt->ifindex = ifindex;
	if (dst == ERG_IPV4_BROADCAST ||
	    (nif->addr != 0 && (dst & nif->mask) == (nif->addr & nif->mask))) {
		rt->next_hop = dst;
	} else if (nif->gw != 0) {
		rt->next_hop = nif->gw;
	} else {
		ERG_COUNT(s, IPV4_NO_ROUTE);
		return -ERG_EHOSTUNREACH;
	}
	rt->src = nif->addr;
	rt->mtu = nif->mtu;
	return 0;
}

static uint16_t
ipv4_next_id(struct erg_stack *s, uint32_t src, uint32_t dst, uint8_t proto)
{
	struct erg_ipv4 *ip = s->ipv4;
	uint8_t key[9];
	uint32_t b;

	/*
	 * A stream sends to one peer datagram after datagram: hash a triple
	 * only when it changes (the bucket is a function of the triple and
	 * the key alone, so the IDs are the same).
	 */
	if (ip->id_cached && ip->id_src == src && ip->id_dst == dst &&
	    ip->id_proto == proto) {
		return ip->id_ctr[ip->id_bucket]++;
	}
	erg_put_be32(key, src);
	erg_put_be32(key + 4, dst);
	key[8] = proto;
	b = (uint32_t)(erg_prf(s, key, sizeof(key)) % IPV4_ID_BUCKETS);
	ip->id_src = src;
	ip->id_dst = dst;
	ip->id_proto = proto;
	ip->id_bucket = (uint8_t)b;
	ip->id_cached = true;
	return ip->id_ctr[b]++;
}

static void
ipv4_fill_repr(struct erg_ipv4_repr *r, const struct erg_ipv4_tx *tx,
    uint32_t src, uint16_t id)
{
	memset(r, 0, sizeof(*r));
	r->src = src;
	r->dst = tx->dst;
	r->proto = tx->proto;
	r->ttl = tx->ttl != 0 ? tx->ttl : (uint8_t)ERG_IPV4_DEFAULT_TTL;
	r->df = tx->df;
	r->id = id;
	r->hdr_len = ERG_IPV4_HDR_LEN;
}

/*
 * Sends one datagram, or one fragment, whose payload is [off, off + len)
 * of the views: a header packet plus views of the payload, handed to the
 * link layer uncopied (it copies only if the frame must wait for ARP).
 * r->total_len, frag_off and mf are set by the caller.
 */
static int
ipv4_send_slice(struct erg_stack *s, const struct erg_ipv4_route *rt,
    const struct erg_ipv4_repr *r, const struct erg_view *v, unsigned n,
    size_t off, size_t len)
{
	struct erg_view slice[ERG_NETIF_IOV_MAX - 1];
	struct erg_pkt *hdr = erg_pkt_alloc(s);
	unsigned k;
	uint8_t *p;

	if (hdr == NULL) {
		return -ERG_ENOMEM;
	}
	p = erg_pkt_put(hdr, ERG_IPV4_HDR_LEN);
	(void)erg_ipv4_emit(r, p, ERG_IPV4_HDR_LEN);
	k = erg_views_slice(v, n, off, len, slice, ERG_NETIF_IOV_MAX - 1);
	if (k == 0 && len > 0) {
		/* Too many pieces for one gather list: copy them in. */
		p = erg_pkt_put(hdr, (uint32_t)len);
		if (p == NULL) {
			/* Callers send at most an MTU: cannot happen. */
			erg_pkt_free(s, hdr);
			return -ERG_EMSGSIZE;
		}
		erg_views_copy(p, v, n, off, len);
	}
	ERG_COUNT(s, IPV4_TX);
	return erg_ether_output_ipv4_iov(s, rt->ifindex, rt->next_hop, hdr,
	    slice, k);
}

/*
 * Sends the payload [v, n) of total bytes in fragments of at most the
 * route's MTU (RFC 791 3.2, "An Example Fragmentation Procedure").
 * Offsets are multiples of 8 bytes.
 */
static int
ipv4_fragment(struct erg_stack *s, const struct erg_ipv4_route *rt,
    struct erg_ipv4_repr *r, const struct erg_view *v, unsigned n, size_t total)
{
	size_t max = (size_t)(rt->mtu - ERG_IPV4_HDR_LEN) & ~(size_t)7;
	size_t off;
	int rc;

	for (off = 0; off < total; off += max) {
		size_t len = ERG_MIN(max, total - off);

		r->frag_off = (uint16_t)off;
		r->mf = off + len < total;
		r->total_len = (uint16_t)(ERG_IPV4_HDR_LEN + len);
		rc = ipv4_send_slice(s, rt, r, v, n, off, len);
		if (rc < 0) {
			/* Without this fragment nobody can reassemble it. */
			ERG_COUNT(s, IPV4_FRAG_TX_FAIL);
			return rc;
		}
		ERG_COUNT(s, IPV4_FRAG_TX);
	}
	return 0;
}

static int
ipv4_prepare(struct erg_stack *s, const struct erg_ipv4_tx *tx, size_t plen,
    struct erg_ipv4_route *rt, struct erg_ipv4_repr *r)
{
	uint32_t src;
	int rc;

	if (plen > ERG_IPV4_MAX_LEN - ERG_IPV4_HDR_LEN) {
		return -ERG_EMSGSIZE;
	}
	/*
	 * RFC 1122 3.2.1.3: 0.0.0.0, loopback and class E never leave a
	 * host; multicast needs RFC 1112 MAC mapping, not done yet.
	 */
	if (tx->dst == ERG_IPV4_ANY ||
	    (tx->dst != ERG_IPV4_BROADCAST && erg_ipv4_is_bad_src(tx->dst))) {
		return -ERG_EINVAL;
	}
	rc = tx->pin_if ? ipv4_route_pinned(s, tx->ifindex, tx->dst, rt) :
	                  erg_ipv4_route(s, tx->dst, rt);
	if (rc < 0) {
		return rc;
	}
	src = tx->src != ERG_IPV4_ANY ? tx->src : rt->src;
	if (tx->df && plen + ERG_IPV4_HDR_LEN > rt->mtu) {
		return -ERG_EMSGSIZE;
	}
	ipv4_fill_repr(r, tx, src, ipv4_next_id(s, src, tx->dst, tx->proto));
	return 0;
}

int
erg_ipv4_output(struct erg_stack *s, const struct erg_ipv4_tx *tx,
    struct erg_pkt *pkt)
{
	struct erg_ipv4_route rt;
	struct erg_ipv4_repr r;
	struct erg_view v;
	uint8_t *h;
	int rc;

	rc = ipv4_prepare(s, tx, pkt->len, &rt, &r);
	if (rc < 0) {
		goto out;
	}
	if (pkt->len + ERG_IPV4_HDR_LEN > rt.mtu) {
		v = erg_view_make(erg_pkt_data(pkt), pkt->len);
		rc = ipv4_fragment(s, &rt, &r, &v, 1, pkt->len);
		goto out;
	}
	r.total_len = (uint16_t)(pkt->len + ERG_IPV4_HDR_LEN);
	h = erg_pkt_push(pkt, ERG_IPV4_HDR_LEN);
	if (h == NULL) {
		ERG_COUNT(s, ETHER_NO_HEADROOM);
		rc = -ERG_EINVAL;
		goto out;
	}
	(void)erg_ipv4_emit(&r, h, ERG_IPV4_HDR_LEN);
	ERG_COUNT(s, IPV4_TX);
	return erg_ether_output_ipv4(s, rt.ifindex, rt.next_hop, pkt);
out:
	erg_pkt_free(s, pkt);
	return rc;
}

int
erg_ipv4_output_views(struct erg_stack *s, const struct erg_ipv4_tx *tx,
    const struct erg_view *v, unsigned n)
{
	struct erg_ipv4_route rt;
	struct erg_ipv4_repr r;
	size_t total = 0;
	unsigned i;
	int rc;

	for (i = 0; i < n; i++) {
		if (v[i].len > ERG_IPV4_MAX_LEN) {
			return -ERG_EMSGSIZE;
		}
		total += v[i].len;
	}
	rc = ipv4_prepare(s, tx, total, &rt, &r);
	if (rc < 0) {
		return rc;
	}
	if (total + ERG_IPV4_HDR_LEN > rt.mtu) {
		return ipv4_fragment(s, &rt, &r, v, n, total);
	}
	r.total_len = (uint16_t)(ERG_IPV4_HDR_LEN + total);
	return ipv4_send_slice(s, &rt, &r, v, n, 0, total);
}

/*
 * ipv4_prepare for a destination whose path holds: the destination
 * passed its checks and was routed when the path was filled, so only
 * what depends on this datagram remains (its length, DF, the ID).
 */
static int
ipv4_prepare_path(struct erg_stack *s, const struct erg_ipv4_tx *tx,
    size_t plen, const struct erg_ipv4_path *path, struct erg_ipv4_route *rt,
    struct erg_ipv4_repr *r)
{
	uint32_t src = tx->src != ERG_IPV4_ANY ? tx->src : path->src;

	if (plen > ERG_IPV4_MAX_LEN - ERG_IPV4_HDR_LEN) {
		return -ERG_EMSGSIZE;
	}
	rt->mtu = path->mtu;
	if (tx->df && plen + ERG_IPV4_HDR_LEN > rt->mtu) {
		return -ERG_EMSGSIZE;
	}
	ipv4_fill_repr(r, tx, src, ipv4_next_id(s, src, tx->dst, tx->proto));
	return 0;
}

int
erg_ipv4_output_iov_path(struct erg_stack *s, const struct erg_ipv4_tx *tx,
    struct erg_pkt *hdr, const struct erg_view *v, unsigned n,
    struct erg_ipv4_path *path)
{
	struct erg_ipv4_route rt;
	struct erg_ipv4_repr r;
	size_t total = hdr->len;
	bool holds;
	unsigned i;
	uint8_t *h;
	int rc;

	for (i = 0; i < n; i++) {
		total += v[i].len;
	}
	holds = path != NULL && path->gen == s->route_gen &&
	    s->now < path->until && path->dst == tx->dst &&
	    n < ERG_NETIF_IOV_MAX;
	if (holds) {
		rc = ipv4_prepare_path(s, tx, total, path, &rt, &r);
	} else {
		rc = ipv4_prepare(s, tx, total, &rt, &r);
	}
	if (rc == 0 && total + ERG_IPV4_HDR_LEN > rt.mtu) {
		rc = -ERG_EMSGSIZE;
	}
	if (rc < 0) {
		erg_pkt_free(s, hdr);
		return rc;
	}
	r.total_len = (uint16_t)(total + ERG_IPV4_HDR_LEN);
	h = erg_pkt_push(hdr, ERG_IPV4_HDR_LEN);
	if (h == NULL) {
		ERG_COUNT(s, ETHER_NO_HEADROOM);
		erg_pkt_free(s, hdr);
		return -ERG_EINVAL;
	}
	(void)erg_ipv4_emit(&r, h, ERG_IPV4_HDR_LEN);
	ERG_COUNT(s, IPV4_TX);
	if (holds) {
		return erg_ether_output_path(s, path, hdr, v, n);
	}
	if (path != NULL) {
		path->dst = tx->dst;
		path->src = rt.src;
		path->mtu = rt.mtu;
	}
	return erg_ether_output_ipv4_iov_fill(s, rt.ifindex, rt.next_hop, hdr,
	    v, n, path);
}

int
erg_ipv4_output_iov(struct erg_stack *s, const struct erg_ipv4_tx *tx,
    struct erg_pkt *hdr, const struct erg_view *v, unsigned n)
{
	return erg_ipv4_output_iov_path(s, tx, hdr, v, n, NULL);
}

/* ---- Configuration ---------------------------------------------------- */

int
erg_ipv4_addr_set(struct erg_stack *s, unsigned ifindex, uint32_t addr,
    unsigned prefix_len)
{
	struct erg_netif *nif = erg_netif_get(s, ifindex);
	uint32_t mask;

	if (nif == NULL) {
		return -ERG_EINVAL;
	}
	if (addr == ERG_IPV4_ANY) {
		erg_arp_flush(s, ifindex);
		nif->addr = 0;
		nif->mask = 0;
		nif->gw = 0;
		erg_route_changed(s);
		return 0;
	}
	if (prefix_len == 0 || prefix_len > 32 || erg_ipv4_is_bad_src(addr)) {
		return -ERG_EINVAL;
	}
	mask = prefix_len == 32 ? 0xffffffffu : ~(0xffffffffu >> prefix_len);
	if (mask < 0xfffffffeu &&
	    ((addr & ~mask) == ~mask || (addr & ~mask) == 0)) {
		return -ERG_EINVAL; /* the subnet's broadcast or network */
	}
	if (nif->addr != addr) {
		erg_arp_flush(s, ifindex);
	}
	nif->addr = addr;
	nif->mask = mask;
	if (nif->gw != 0 && (nif->gw & mask) != (addr & mask)) {
		nif->gw = 0;
	}
	erg_route_changed(s);
	erg_arp_announce(s, ifindex);
	return 0;
}

uint32_t
erg_ipv4_addr(const struct erg_stack *s, unsigned ifindex)
{
	return ifindex < s->netif_n ? s->netifs[ifindex].addr : ERG_IPV4_ANY;
}

int
erg_ipv4_gateway_set(struct erg_stack *s, unsigned ifindex, uint32_t gw)
{
	struct erg_netif *nif = erg_netif_get(s, ifindex);

	if (nif == NULL) {
		return -ERG_EINVAL;
	}
	if (gw == ERG_IPV4_ANY) {
		nif->gw = 0;
		erg_route_changed(s);
		return 0;
	}
	if (nif->addr == 0 || (gw & nif->mask) != (nif->addr & nif->mask) ||
	    gw == nif->addr || erg_netif_is_subnet_bcast(nif, gw)) {
		return -ERG_EINVAL;
	}
	nif->gw = gw;
	erg_route_changed(s);
	return 0;
}

int
erg_ipv4_dns_set(struct erg_stack *s, unsigned ifindex, const uint32_t *addrs,
    unsigned n)
{
	struct erg_netif *nif = erg_netif_get(s, ifindex);
	unsigned i;

	if (nif == NULL || n > ERG_IPV4_DNS_MAX || (n > 0 && addrs == NULL)) {
		return -ERG_EINVAL;
	}
	for (i = 0; i < n; i++) {
		/* Unicast, and not this interface or its subnet broadcast. */
		if (addrs[i] == ERG_IPV4_ANY || erg_ipv4_is_bad_src(addrs[i]) ||
		    addrs[i] == nif->addr ||
		    erg_netif_is_subnet_bcast(nif, addrs[i])) {
			return -ERG_EINVAL;
		}
	}
	for (i = 0; i < n; i++) {
		nif->dns[i] = addrs[i];
	}
	nif->dns_n = (uint8_t)n;
	return 0;
}

unsigned
erg_ipv4_dns(const struct erg_stack *s, unsigned ifindex, uint32_t *out,
    unsigned max)
{
	unsigned i, n;

	if (ifindex >= s->netif_n) {
		return 0;
	}
	n = ERG_MIN(max, (unsigned)s->netifs[ifindex].dns_n);
	for (i = 0; i < n; i++) {
		out[i] = s->netifs[ifindex].dns[i];
	}
	return n;
}

uint32_t
erg_ipv4_gateway(const struct erg_stack *s, unsigned ifindex)
{
	return ifindex < s->netif_n ? s->netifs[ifindex].gw : ERG_IPV4_ANY;
}

unsigned
erg_ipv4_prefix_len(const struct erg_stack *s, unsigned ifindex)
{
	uint32_t m;
	unsigned n = 0;

	if (ifindex >= s->netif_n || s->netifs[ifindex].addr == 0) {
		return 0;
	}
	for (m = s->netifs[ifindex].mask; (m & 0x80000000u) != 0; m <<= 1) {
		n++;
	}
	return n;
}
