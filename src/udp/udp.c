/*
 * src/udp/udp.c: UDP sockets (RFC 768, RFC 1122 4.1).
 *
 * Decisions:
 * - Demultiplexing: bound sockets hang in 64 buckets by local port. The
 *   best match wins: a connected socket whose remote address and port
 *   match, else a socket bound to the datagram's destination address,
 *   else one bound to ERG_IPV4_ANY. Broadcasts reach only sockets bound
 *   to ERG_IPV4_ANY or to the broadcast address itself. One socket gets
 *   each datagram.
 * - No socket: ICMP port unreachable (RFC 1122 4.1.3.1), suppressed for
 *   broadcasts by the ICMP layer, and udp.no_port.
 * - A full receive queue drops the new datagram (udp.rxq_full): the
 *   sender is the one to slow down, and old data is not more stale than
 *   new. Queues are bounded per socket (cfg.udp_rxq_len) and, all
 *   sockets together, to half the packet pool, so that slow readers
 *   cannot starve ARP, ICMP or the other sockets.
 * - ICMP errors about a datagram a socket sent set its soft error and
 *   raise ERG_EV_ERROR, for connected and unconnected sockets alike (as
 *   Linux does with IP_RECVERR): a unikernel has no other way to learn it.
 * - Ephemeral ports: a random start in 49152-65535, then the next free
 *   one (RFC 6056 section 3.3.1, algorithm 1).
 * - No SO_REUSEADDR: a second bind that overlaps is -ERG_EADDRINUSE.
 */
#include "udp_layer.h"
#include "../ipv4/ipv4_layer.h"

#define UDP_BUCKETS 64u

struct erg_udp_sock {
	struct erg_udp_sock *hnext; /* pool free list, then bucket chain */
	struct erg_evsrc ev;
	struct erg_stack *stack;
	erg_udp_event_fn cb;
	void *ctx;
	struct erg_pkt *qhead;
	struct erg_pkt *qtail;
	uint32_t qlen;
	uint32_t laddr;
	uint32_t raddr;
	uint16_t lport;
	uint16_t rport;
	int soft_err;
	bool bound;
	bool connected;
};

struct erg_udp {
	struct erg_pool pool;
	uint32_t queued; /* datagrams queued on all sockets */
	struct erg_udp_sock *buckets[UDP_BUCKETS];
};

void
erg_udp_layout(struct erg_carve *c, const struct erg_config *cfg,
    struct erg_stack *s)
{
	struct erg_udp *u = erg_carve(c, sizeof(*u));
	void *socks =
	    erg_carve_array(c, cfg->udp_socks, sizeof(struct erg_udp_sock));

	if (s == NULL) {
		return;
	}
	erg_pool_init(&u->pool, socks, sizeof(struct erg_udp_sock),
	    cfg->udp_socks, ERG_STAT_UDP_SOCKS_IN_USE,
	    ERG_STAT_UDP_SOCKS_HIGH_WATER, ERG_STAT_UDP_SOCK_ALLOC_FAIL);
	s->udp = u;
}

static struct erg_udp_sock **
udp_bucket(struct erg_stack *s, uint16_t port)
{
	return &s->udp->buckets[port % UDP_BUCKETS];
}

static void
udp_deliver_ev(struct erg_evsrc *ev, unsigned bits)
{
	struct erg_udp_sock *u = ERG_CONTAINER_OF(ev, struct erg_udp_sock, ev);

	if (u->cb != NULL) {
		u->cb(u, bits, u->ctx);
	}
}

int
erg_udp_open(struct erg_stack *s, erg_udp_event_fn cb, void *ctx,
    struct erg_udp_sock **out)
{
	struct erg_udp_sock *u = erg_pool_get(s, &s->udp->pool);

	if (u == NULL) {
		return -ERG_ENOMEM;
	}
	memset(u, 0, sizeof(*u));
	u->stack = s;
	u->cb = cb;
	u->ctx = ctx;
	u->ev.deliver = udp_deliver_ev;
	*out = u;
	return 0;
}

/* True if a socket bound to (addr, port) would overlap an existing one. */
static bool
udp_port_taken(struct erg_stack *s, uint32_t addr, uint16_t port)
{
	const struct erg_udp_sock *o;

	for (o = *udp_bucket(s, port); o != NULL; o = o->hnext) {
		if (o->lport == port &&
		    (o->laddr == addr || o->laddr == ERG_IPV4_ANY ||
		        addr == ERG_IPV4_ANY)) {
			return true;
		}
	}
	return false;
}

static int
udp_ephemeral(struct erg_stack *s, uint32_t addr, uint16_t *port)
{
	uint32_t n = ERG_UDP_EPHEMERAL_MAX - ERG_UDP_EPHEMERAL_MIN + 1;
	uint32_t start = erg_rand32(s) % n, i;

	for (i = 0; i < n; i++) {
		uint16_t p =
		    (uint16_t)(ERG_UDP_EPHEMERAL_MIN + (start + i) % n);

		if (!udp_port_taken(s, addr, p)) {
			*port = p;
			return 0;
		}
	}
	return -ERG_EADDRINUSE;
}

int
erg_udp_bind(struct erg_udp_sock *u, uint32_t addr, uint16_t port)
{
	struct erg_stack *s = u->stack;
	struct erg_udp_sock **b;
	int rc;

	if (u->bound) {
		return -ERG_ESTATE;
	}
	if (addr != ERG_IPV4_ANY && addr != ERG_IPV4_BROADCAST &&
	    !erg_ipv4_is_local(s, addr)) {
		return -ERG_EINVAL;
	}
	if (port == 0) {
		rc = udp_ephemeral(s, addr, &port);
		if (rc < 0) {
			return rc;
		}
	} else if (udp_port_taken(s, addr, port)) {
		return -ERG_EADDRINUSE;
	}
	u->laddr = addr;
	u->lport = port;
	u->bound = true;
	b = udp_bucket(s, port);
	u->hnext = *b;
	*b = u;
	return 0;
}

int
erg_udp_connect(struct erg_udp_sock *u, uint32_t addr, uint16_t port)
{
	int rc;

	if (addr == ERG_IPV4_ANY || port == 0) {
		return -ERG_EINVAL;
	}
	if (!u->bound && (rc = erg_udp_bind(u, ERG_IPV4_ANY, 0)) < 0) {
		return rc;
	}
	u->raddr = addr;
	u->rport = port;
	u->connected = true;
	return 0;
}

uint16_t
erg_udp_local_port(const struct erg_udp_sock *u)
{
	return u->lport;
}

/*
 * Checks a send and picks the source address (needed by the checksum).
 * tx arrives zeroed, or pinned to an interface (udp_sendto_if).
 */
static int
udp_send_prepare(struct erg_udp_sock *u, uint32_t addr, uint16_t port,
    size_t len, struct erg_ipv4_tx *tx)
{
	struct erg_ipv4_route rt;
	int rc;

	if (len > ERG_UDP_MAX_PAYLOAD) {
		return -ERG_EMSGSIZE;
	}
	if (port == 0 || addr == ERG_IPV4_ANY) {
		return -ERG_EINVAL;
	}
	if (!u->bound && (rc = erg_udp_bind(u, ERG_IPV4_ANY, 0)) < 0) {
		return rc;
	}
	tx->dst = addr;
	tx->proto = ERG_IP_PROTO_UDP;
	tx->src = u->laddr;
	if (tx->pin_if) {
		const struct erg_netif *nif =
		    erg_netif_get(u->stack, tx->ifindex);

		if (nif == NULL) {
			return -ERG_EINVAL;
		}
		if (tx->src == ERG_IPV4_ANY || tx->src == ERG_IPV4_BROADCAST) {
			/* 0.0.0.0 while the interface has no address. */
			tx->src = nif->addr;
		}
	} else if (tx->src == ERG_IPV4_ANY || tx->src == ERG_IPV4_BROADCAST) {
		rc = erg_ipv4_route(u->stack, addr, &rt);
		if (rc < 0) {
			return rc;
		}
		tx->src = rt.src;
	}
	return 0;
}

static int
udp_sendto_tx(struct erg_udp_sock *u, struct erg_ipv4_tx *tx, uint32_t addr,
    uint16_t port, const void *data, size_t len)
{
	struct erg_udp_repr r;
	struct erg_view v[2];
	uint8_t hdr[ERG_UDP_HDR_LEN];
	int rc;

	rc = udp_send_prepare(u, addr, port, len, tx);
	if (rc < 0) {
		return rc;
	}
	r.src_port = u->lport;
	r.dst_port = port;
	r.len = (uint16_t)(ERG_UDP_HDR_LEN + len);
	r.checksum = 0;
	v[1] = erg_view_make(data, len);
	erg_udp_emit(&r, tx->src, addr, &v[1], 1, hdr);
	v[0] = erg_view_make(hdr, sizeof(hdr));
	rc = erg_ipv4_output_views(u->stack, tx, v, 2);
	if (rc == 0) {
		ERG_COUNT(u->stack, UDP_TX);
	}
	return rc;
}

int
erg_udp_sendto(struct erg_udp_sock *u, uint32_t addr, uint16_t port,
    const void *data, size_t len)
{
	struct erg_ipv4_tx tx;

	memset(&tx, 0, sizeof(tx));
	return udp_sendto_tx(u, &tx, addr, port, data, len);
}

int
erg_udp_sendto_if(struct erg_udp_sock *u, unsigned ifindex, uint32_t addr,
    uint16_t port, const void *data, size_t len)
{
	struct erg_ipv4_tx tx;

	memset(&tx, 0, sizeof(tx));
	tx.pin_if = true;
	tx.ifindex = ifindex;
	return udp_sendto_tx(u, &tx, addr, port, data, len);
}

int
erg_udp_send(struct erg_udp_sock *u, const void *data, size_t len)
{
	if (!u->connected) {
		return -ERG_ENOTCONN;
	}
	return erg_udp_sendto(u, u->raddr, u->rport, data, len);
}

struct erg_pkt *
erg_udp_pkt_alloc(struct erg_udp_sock *u)
{
	return erg_pkt_alloc(u->stack);
}

int
erg_udp_pkt_sendto(struct erg_udp_sock *u, struct erg_pkt *pkt, uint32_t addr,
    uint16_t port)
{
	struct erg_stack *s = u->stack;
	struct erg_ipv4_tx tx;
	struct erg_udp_repr r;
	struct erg_view pl;
	uint8_t *h;
	int rc;

	memset(&tx, 0, sizeof(tx));
	rc = udp_send_prepare(u, addr, port, pkt->len, &tx);
	if (rc < 0) {
		goto fail;
	}
	pl = erg_view_make(erg_pkt_data(pkt), pkt->len);
	h = erg_pkt_push(pkt, ERG_UDP_HDR_LEN);
	if (h == NULL) {
		rc = -ERG_EINVAL;
		goto fail;
	}
	r.src_port = u->lport;
	r.dst_port = port;
	r.len = (uint16_t)pkt->len;
	r.checksum = 0;
	erg_udp_emit(&r, tx.src, addr, &pl, 1, h);
	rc = erg_ipv4_output(s, &tx, pkt);
	if (rc == 0) {
		ERG_COUNT(s, UDP_TX);
	}
	return rc;
fail:
	erg_pkt_free(s, pkt);
	return rc;
}

/* ---- Input ------------------------------------------------------------ */

static struct erg_udp_sock *
udp_lookup(struct erg_stack *s, uint32_t laddr, uint16_t lport, uint32_t raddr,
    uint16_t rport)
{
	struct erg_udp_sock *u, *best = NULL;
	int best_score = -1;

	for (u = *udp_bucket(s, lport); u != NULL; u = u->hnext) {
		int score = 0;

		if (u->lport != lport) {
			continue;
		}
		if (u->laddr == laddr) {
			score += 1;
		} else if (u->laddr != ERG_IPV4_ANY) {
			continue;
		}
		if (u->connected) {
			if (u->raddr != raddr || u->rport != rport) {
				continue;
			}
			score += 2;
		}
		if (score > best_score) {
			best = u;
			best_score = score;
		}
	}
	return best;
}

void
erg_udp_input(struct erg_stack *s, struct erg_pkt *pkt,
    const struct erg_ipv4_repr *ip)
{
	struct erg_udp_repr r;
	struct erg_view payload;
	struct erg_udp_sock *u;
	enum erg_stat why;

	ERG_COUNT(s, UDP_RX);
	if (erg_udp_parse(&r, &payload,
	        erg_view_make(erg_pkt_data(pkt), pkt->len), ip->src, ip->dst,
	        &why) < 0) {
		ERG_COUNT_ID(s, why);
		goto drop;
	}
	u = udp_lookup(s, ip->dst, r.dst_port, ip->src, r.src_port);
	if (u == NULL) {
		ERG_COUNT(s, UDP_NO_PORT);
		erg_icmp_error_send(s, pkt, ip, ERG_ICMP_DEST_UNREACH,
		    ERG_ICMP_PORT_UNREACH, 0);
		goto drop;
	}
	/*
	 * Per socket, and all sockets together at most half the packet pool,
	 * so that slow readers cannot starve ARP, ICMP or other sockets.
	 */
	if (u->qlen >= s->cfg.udp_rxq_len ||
	    s->udp->queued >= s->cfg.pkt_count / 2) {
		ERG_COUNT(s, UDP_RXQ_FULL);
		goto drop;
	}
	/* The window becomes the payload; the headers stay before it. */
	(void)erg_pkt_pull(pkt, ERG_UDP_HDR_LEN);
	(void)erg_pkt_trim(pkt, (uint32_t)payload.len);
	pkt->next = NULL;
	if (u->qtail != NULL) {
		u->qtail->next = pkt;
	} else {
		u->qhead = pkt;
	}
	u->qtail = pkt;
	u->qlen++;
	s->udp->queued++;
	erg_event_post(s, &u->ev, ERG_EV_READABLE);
	return;
drop:
	erg_pkt_free(s, pkt);
}

void
erg_udp_err(struct erg_stack *s, const struct erg_icmp_err *err)
{
	struct erg_udp_sock *u;
	uint16_t sport = erg_be16(err->l4.p), dport = erg_be16(err->l4.p + 2);

	/* The quote is our datagram: its source is our side. */
	u = udp_lookup(s, err->src, sport, err->dst, dport);
	if (u == NULL) {
		ERG_COUNT(s, ICMP_ERR_UNMATCHED);
		return;
	}
	u->soft_err = err->err;
	erg_event_post(s, &u->ev, ERG_EV_ERROR);
}

/* ---- Receive API ------------------------------------------------------ */

static struct erg_pkt *
udp_dequeue(struct erg_udp_sock *u)
{
	struct erg_pkt *pkt = u->qhead;

	if (pkt == NULL) {
		return NULL;
	}
	u->qhead = pkt->next;
	if (u->qhead == NULL) {
		u->qtail = NULL;
	}
	pkt->next = NULL;
	u->qlen--;
	u->stack->udp->queued--;
	return pkt;
}

int
erg_udp_recv(struct erg_udp_sock *u, struct erg_udp_dgram *d)
{
	struct erg_pkt *pkt = udp_dequeue(u);
	const uint8_t *iph, *uh;

	if (pkt == NULL) {
		return -ERG_EAGAIN;
	}
	iph = pkt->buf + pkt->l3;
	uh = erg_pkt_data(pkt) - ERG_UDP_HDR_LEN;
	d->pkt = pkt;
	d->data = erg_view_make(erg_pkt_data(pkt), pkt->len);
	d->src = erg_be32(iph + 12);
	d->dst = erg_be32(iph + 16);
	d->src_port = erg_be16(uh);
	d->dst_port = erg_be16(uh + 2);
	d->ifindex = pkt->ifindex;
	return 0;
}

int
erg_udp_recvfrom(struct erg_udp_sock *u, void *buf, size_t cap, size_t *len,
    uint32_t *addr, uint16_t *port)
{
	struct erg_udp_dgram d;
	int rc = erg_udp_recv(u, &d);

	if (rc < 0) {
		return rc;
	}
	memcpy(buf, d.data.p, ERG_MIN(cap, d.data.len));
	if (len != NULL) {
		*len = d.data.len;
	}
	if (addr != NULL) {
		*addr = d.src;
	}
	if (port != NULL) {
		*port = d.src_port;
	}
	erg_pkt_free(u->stack, d.pkt);
	return 0;
}

unsigned
erg_udp_pending(const struct erg_udp_sock *u)
{
	return u->qlen;
}

int
erg_udp_error(struct erg_udp_sock *u)
{
	int e = u->soft_err;

	u->soft_err = 0;
	return e;
}

void
erg_udp_close(struct erg_udp_sock *u)
{
	struct erg_stack *s = u->stack;
	struct erg_pkt *pkt;

	if (u->bound) {
		struct erg_udp_sock **pp = udp_bucket(s, u->lport);

		while (*pp != NULL && *pp != u) {
			pp = &(*pp)->hnext;
		}
		if (*pp == u) {
			*pp = u->hnext;
		}
	}
	while ((pkt = udp_dequeue(u)) != NULL) {
		erg_pkt_free(s, pkt);
	}
	erg_event_cancel(s, &u->ev);
	u->cb = NULL;
	erg_pool_put(s, &s->udp->pool, u);
}
