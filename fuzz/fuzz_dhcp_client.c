/*
 * fuzz/fuzz_dhcp_client.c: the DHCP client (erg/dhcp.h) fed arbitrary
 * server packets, in whatever state the script has brought it to.
 *
 * The stack has one interface, 02:00:00:00:00:02, without an address, and
 * a client started on it (hostname "fuzz"). The server is 198.18.0.1 at
 * 02:00:00:00:00:01; ARP requests the client sends are answered with that
 * MAC after each record, so that unicast renewals and releases leave.
 *
 * Input: a sequence of records, each
 *
 *	uint8  op	kind (bits 0-2) and flags (below)
 *	uint16 len	payload length, big-endian (kind 1: seconds)
 *	len bytes	payload, cut short by the end of the input
 *
 * kinds: 0, 5, 6, 7: a server message: the payload as a DHCP message in a
 * UDP datagram from 198.18.0.1:67 (flag 0x40: from port 1067) to the
 * broadcast address (flag 0x20: to the interface's address, if any), with
 * the xid of the client's last message written at offset 4 (unless flag
 * 0x08) and its MAC at offset 28 (unless 0x10), so that the message gets
 * past the matching and into the state machine. 1: the clock jumps len
 * seconds and the stack is polled. 2: a well-formed answer to the
 * client's last message (OFFER to DISCOVER, ACK to REQUEST, NAK with flag
 * 0x08) with lease, T1, T2 (4 bytes each), router and MTU taken from the
 * payload when present. 3: erg_dhcp_stop if running, else erg_dhcp_start
 * (INIT-REBOOT for 198.18.0.100 with flag 0x08). 4: the payload as a raw
 * Ethernet frame. At most 512 records.
 *
 * Invariants:
 * - every frame the stack sends is ARP, ICMP (the stack answering raw
 *   frames itself) or an IPv4/UDP datagram from port 68 to 67 with
 *   valid checksums, all from the interface's current address
 *   (0.0.0.0 without one), carrying a DHCP message erg_dhcp_parse
 *   accepts: BOOTREQUEST, our MAC, DISCOVER / REQUEST / RELEASE, the
 *   BROADCAST flag whenever sent from 0.0.0.0; at most 16 frames per
 *   record (no storms);
 * - events follow the lease: BOUND only when not bound, RENEWED and LOST
 *   only when bound; after every record erg_dhcp_lease agrees with the
 *   interface (address, prefix, gateway, DNS, MTU), and the lease itself
 *   is sane (usable address, router on its subnet, T1 <= T2 <= lease);
 *   without a lease the interface has no address, gateway, DNS servers,
 *   and its own MTU; erg_stack_poll never asks for a time in the past;
 * - at the end, after erg_dhcp_stop and ten idle days, the stack has
 *   nothing armed and every pool is back at its baseline.
 *
 * Deterministic: the arena is rebuilt for every input, randomness is a
 * fixed-seed splitmix64, time is the script's.
 */
#include <stdbool.h>
#include <string.h>

#include "erg/erg.h"
#include "fuzz.h"

#define MTU        1500u
#define PKT_COUNT  32u
#define REC_HDR    3u
#define REC_MAX    512u
#define TX_MAX     16u
#define T0_US      1000000ull
#define DRAIN_US   (10ull * 86400 * 1000000)
#define DRAIN_MAX  2000u
#define SRV_ADDR   ERG_IPV4(198, 18, 0, 1)
#define LEASE_ADDR ERG_IPV4(198, 18, 0, 100)

#define K_MSG   0u
#define K_JUMP  1u
#define K_GOOD  2u
#define K_START 3u
#define K_RAW   4u

#define F_KEEP_XID 0x08u
#define F_KEEP_MAC 0x10u
#define F_UNICAST  0x20u
#define F_BAD_PORT 0x40u

static const uint8_t our_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t srv_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

struct fc {
	struct erg_stack *s;
	unsigned ifx;
	uint64_t now;
	uint64_t rng;
	bool running;
	bool bound;
	unsigned tx; /* frames sent during the current record */
	uint8_t last[ERG_DHCP_MSG_MIN];
	size_t last_len; /* 0: the client has sent nothing yet */
	bool arp_pending;
	uint32_t arp_tpa;
};

/* Harness statics: rebuilt or overwritten by every input. */
static _Alignas(16) uint8_t arena[1u << 20];
static uint8_t txbuf[ERG_ETHER_HDR_LEN + MTU + 1];
static uint8_t frame[ERG_ETHER_HDR_LEN + MTU];

/* ---- What the client sends -------------------------------------------- */

static void
check_arp_out(struct fc *f, const uint8_t *p, size_t len)
{
	FUZZ_CHECK(len >= 42);
	/* Requests and replies from our MAC and current address. */
	FUZZ_CHECK(memcmp(p + 22, our_mac, 6) == 0);
	FUZZ_CHECK(erg_be32(p + 28) == erg_ipv4_addr(f->s, f->ifx));
	if (erg_be16(p + 20) == 1 && erg_be32(p + 28) != erg_be32(p + 38)) {
		f->arp_pending = true;
		f->arp_tpa = erg_be32(p + 38);
	}
}

static void
check_dhcp_out(struct fc *f, const struct erg_ipv4_repr *ip,
    struct erg_view msg)
{
	struct erg_dhcp_repr r;

	FUZZ_CHECK(erg_dhcp_parse(&r, msg, NULL) == 0);
	FUZZ_CHECK(r.op == ERG_DHCP_BOOTREQUEST);
	FUZZ_CHECK(memcmp(r.chaddr, our_mac, 6) == 0);
	FUZZ_CHECK(r.msg_type == ERG_DHCP_DISCOVER ||
	    r.msg_type == ERG_DHCP_REQUEST || r.msg_type == ERG_DHCP_RELEASE);
	if (ip->src == ERG_IPV4_ANY) {
		FUZZ_CHECK(r.flags == ERG_DHCP_FLAG_BROADCAST);
		FUZZ_CHECK(r.ciaddr == 0);
		FUZZ_CHECK(ip->dst == ERG_IPV4_BROADCAST);
	} else {
		FUZZ_CHECK(r.ciaddr == ip->src);
	}
	if (r.msg_type == ERG_DHCP_DISCOVER) {
		FUZZ_CHECK(ip->src == ERG_IPV4_ANY);
	}
	FUZZ_CHECK(msg.len <= sizeof(f->last));
	memcpy(f->last, msg.p, msg.len);
	f->last_len = msg.len;
}

static void
check_frame_out(struct fc *f, const uint8_t *p, size_t len)
{
	struct erg_ipv4_repr ip;
	struct erg_udp_repr ur;
	struct erg_view l4, pl;

	FUZZ_CHECK(len >= ERG_ETHER_HDR_LEN);
	FUZZ_CHECK(memcmp(p + 6, our_mac, 6) == 0);
	if (erg_be16(p + 12) == ERG_ETHERTYPE_ARP) {
		check_arp_out(f, p, len); /* offsets from the frame */
		return;
	}
	FUZZ_CHECK(erg_be16(p + 12) == ERG_ETHERTYPE_IPV4);
	FUZZ_CHECK(
	    erg_ipv4_parse(&ip, &l4,
	        erg_view_make(p + ERG_ETHER_HDR_LEN, len - ERG_ETHER_HDR_LEN),
	        NULL) == 0);
	FUZZ_CHECK(ip.src == erg_ipv4_addr(f->s, f->ifx));
	FUZZ_CHECK(ip.dst != ERG_IPV4_ANY);
	/* The stack answers raw frames itself (ICMP echo, errors). */
	if (ip.proto != ERG_IP_PROTO_UDP) {
		FUZZ_CHECK(ip.proto == ERG_IP_PROTO_ICMP && ip.src != 0);
		return;
	}
	/* An MTU from the lease (68 at least) may fragment DHCP too. */
	if (ip.mf || ip.frag_off != 0) {
		FUZZ_CHECK(l4.len <= erg_netif_mtu(f->s, f->ifx));
		return;
	}
	if (ip.dst == ERG_IPV4_BROADCAST) {
		FUZZ_CHECK(memcmp(p, bcast_mac, 6) == 0);
	}
	FUZZ_CHECK(erg_udp_parse(&ur, &pl, l4, ip.src, ip.dst, NULL) == 0);
	FUZZ_CHECK(ur.checksum != 0);
	FUZZ_CHECK(ur.src_port == ERG_DHCP_CLIENT_PORT);
	FUZZ_CHECK(ur.dst_port == ERG_DHCP_SERVER_PORT);
	check_dhcp_out(f, &ip, pl);
}

static int
fc_transmit(void *drv, const struct erg_iov *iov, unsigned n)
{
	struct fc *f = drv;

	FUZZ_CHECK(n == 1);
	FUZZ_CHECK(iov[0].len <= sizeof(txbuf));
	memcpy(txbuf, iov[0].base, iov[0].len);
	check_frame_out(f, txbuf, iov[0].len);
	FUZZ_CHECK(++f->tx <= TX_MAX);
	return 0;
}

static const struct erg_netif_ops fc_ops = { fc_transmit };

/* ---- Events and the lease --------------------------------------------- */

static void
fc_event(void *ctx, unsigned ifindex, enum erg_dhcp_event ev,
    const struct erg_dhcp_lease *l)
{
	struct fc *f = ctx;

	FUZZ_CHECK(ifindex == f->ifx && f->running);
	switch (ev) {
	case ERG_DHCP_BOUND:
		FUZZ_CHECK(!f->bound);
		f->bound = true;
		FUZZ_CHECK(erg_ipv4_addr(f->s, f->ifx) == l->addr);
		break;
	case ERG_DHCP_RENEWED:
		FUZZ_CHECK(f->bound);
		FUZZ_CHECK(erg_ipv4_addr(f->s, f->ifx) == l->addr);
		break;
	case ERG_DHCP_LOST:
		FUZZ_CHECK(f->bound);
		f->bound = false;
		FUZZ_CHECK(erg_ipv4_addr(f->s, f->ifx) == 0);
		break;
	default:
		FUZZ_CHECK(0);
	}
}

static void
check_lease(const struct fc *f)
{
	struct erg_dhcp_lease l;
	uint32_t dns[ERG_IPV4_DNS_MAX], mask;
	unsigned n, i;

	n = erg_ipv4_dns(f->s, f->ifx, dns, ERG_IPV4_DNS_MAX);
	if (erg_dhcp_lease(f->s, f->ifx, &l) < 0) {
		FUZZ_CHECK(!f->bound);
		FUZZ_CHECK(erg_ipv4_addr(f->s, f->ifx) == 0);
		FUZZ_CHECK(erg_ipv4_gateway(f->s, f->ifx) == 0);
		FUZZ_CHECK(n == 0);
		FUZZ_CHECK(erg_netif_mtu(f->s, f->ifx) == MTU);
		return;
	}
	FUZZ_CHECK(f->running && f->bound);
	FUZZ_CHECK(erg_ipv4_addr(f->s, f->ifx) == l.addr);
	FUZZ_CHECK(erg_ipv4_prefix_len(f->s, f->ifx) == l.prefix_len);
	FUZZ_CHECK(erg_ipv4_gateway(f->s, f->ifx) == l.router);
	FUZZ_CHECK(n == l.dns_n);
	for (i = 0; i < n; i++)
		FUZZ_CHECK(dns[i] == l.dns[i]);
	FUZZ_CHECK(erg_netif_mtu(f->s, f->ifx) == (l.mtu ? l.mtu : MTU));
	FUZZ_CHECK(l.mtu == 0 || (l.mtu >= 68 && l.mtu <= MTU));
	FUZZ_CHECK(l.prefix_len >= 1 && l.prefix_len <= 32);
	FUZZ_CHECK(
	    l.addr != 0 && !erg_ipv4_is_bad_src(l.addr) && (l.addr >> 24) != 0);
	FUZZ_CHECK(l.server != 0 && !erg_ipv4_is_bad_src(l.server));
	mask =
	    l.prefix_len == 32 ? 0xffffffffu : ~(0xffffffffu >> l.prefix_len);
	FUZZ_CHECK(l.router == 0 ||
	    ((l.router & mask) == (l.addr & mask) && l.router != l.addr));
	FUZZ_CHECK(l.lease_s != 0);
	FUZZ_CHECK(l.t1_s <= l.t2_s && l.t2_s <= l.lease_s);
}

/* ---- Input ------------------------------------------------------------ */

static void
fc_inject(struct fc *f, const uint8_t *p, size_t len)
{
	struct erg_pkt *pkt = erg_pkt_alloc(f->s);
	uint8_t *d;

	if (pkt == NULL)
		return; /* no buffer: the driver drops the frame */
	if (len > erg_pkt_tailroom(pkt))
		len = erg_pkt_tailroom(pkt);
	d = erg_pkt_put(pkt, (uint32_t)len);
	FUZZ_CHECK(d != NULL);
	memcpy(d, p, len);
	erg_netif_input(f->s, f->ifx, pkt, f->now);
}

/* A UDP datagram from the server (src port sport) to dst:68. */
static void
fc_send_udp(struct fc *f, uint32_t dst, uint16_t sport, const uint8_t *msg,
    size_t n)
{
	struct erg_ipv4_repr ip;
	struct erg_udp_repr ur;
	struct erg_view v = erg_view_make(msg, n);
	uint8_t *p = frame;

	if (n > MTU - ERG_IPV4_HDR_LEN - ERG_UDP_HDR_LEN)
		n = MTU - ERG_IPV4_HDR_LEN - ERG_UDP_HDR_LEN;
	v.len = n;
	memcpy(p, dst == ERG_IPV4_BROADCAST ? bcast_mac : our_mac, 6);
	memcpy(p + 6, srv_mac, 6);
	erg_put_be16(p + 12, ERG_ETHERTYPE_IPV4);
	memset(&ip, 0, sizeof(ip));
	ip.src = SRV_ADDR;
	ip.dst = dst;
	ip.total_len = (uint16_t)(ERG_IPV4_HDR_LEN + ERG_UDP_HDR_LEN + n);
	ip.id = 1;
	ip.ttl = 64;
	ip.proto = ERG_IP_PROTO_UDP;
	FUZZ_CHECK(erg_ipv4_emit(&ip, p + ERG_ETHER_HDR_LEN,
	               ERG_IPV4_HDR_LEN) == (int)ERG_IPV4_HDR_LEN);
	ur.src_port = sport;
	ur.dst_port = ERG_DHCP_CLIENT_PORT;
	ur.len = (uint16_t)(ERG_UDP_HDR_LEN + n);
	ur.checksum = 0;
	erg_udp_emit(&ur, SRV_ADDR, dst, &v, 1, p + 34);
	memcpy(p + 42, msg, n);
	fc_inject(f, p, 42 + n);
}

static uint32_t
fc_dst(const struct fc *f, unsigned op)
{
	uint32_t a = erg_ipv4_addr(f->s, f->ifx);

	return (op & F_UNICAST) && a != 0 ? a : ERG_IPV4_BROADCAST;
}

/* Kind 0: a server message, xid and MAC patched in. */
static void
fc_msg(struct fc *f, unsigned op, const uint8_t *p, size_t n)
{
	static uint8_t m[MTU];

	if (n > sizeof(m))
		n = sizeof(m);
	memcpy(m, p, n);
	if (!(op & F_KEEP_XID) && n >= 8 && f->last_len >= 8)
		memcpy(m + 4, f->last + 4, 4);
	if (!(op & F_KEEP_MAC) && n >= 34)
		memcpy(m + 28, our_mac, 6);
	fc_send_udp(f, fc_dst(f, op), (op & F_BAD_PORT) ? 1067 : 67, m, n);
}

static uint32_t
take32(const uint8_t *p, size_t n, size_t off, uint32_t dflt)
{
	return n >= off + 4 ? erg_be32(p + off) : dflt;
}

/* Kind 2: the answer a good server gives to the last message. */
static void
fc_good(struct fc *f, unsigned op, const uint8_t *p, size_t n)
{
	struct erg_dhcp_repr q, r;
	uint8_t m[ERG_DHCP_MSG_MIN];
	int len;

	if (f->last_len == 0 ||
	    erg_dhcp_parse(&q, erg_view_make(f->last, f->last_len), NULL) < 0 ||
	    q.msg_type == ERG_DHCP_RELEASE)
		return;
	memset(&r, 0, sizeof(r));
	r.op = ERG_DHCP_BOOTREPLY;
	r.htype = 1;
	r.hlen = 6;
	r.xid = q.xid;
	r.flags = q.flags;
	memcpy(r.chaddr, q.chaddr, 16);
	r.server_id = SRV_ADDR;
	if (q.msg_type == ERG_DHCP_REQUEST && (op & F_KEEP_XID)) {
		r.msg_type = ERG_DHCP_NAK;
	} else {
		r.msg_type = q.msg_type == ERG_DHCP_DISCOVER ? ERG_DHCP_OFFER :
		                                               ERG_DHCP_ACK;
		r.ciaddr = q.ciaddr;
		r.yiaddr = q.requested ? q.requested :
		    q.ciaddr           ? q.ciaddr :
		                         LEASE_ADDR;
		r.has_mask = true;
		r.mask = 0xffffff00u;
		r.has_lease = true;
		r.lease_s = take32(p, n, 0, 3600);
		r.has_t1 = n >= 8;
		r.t1_s = take32(p, n, 4, 0);
		r.has_t2 = n >= 12;
		r.t2_s = take32(p, n, 8, 0);
		r.has_router = n >= 16;
		r.router = take32(p, n, 12, 0);
		r.has_mtu = n >= 18;
		r.mtu = n >= 18 ? erg_be16(p + 16) : 0;
		r.dns_n = 1;
		r.dns[0] = SRV_ADDR;
	}
	len = erg_dhcp_emit(&r, m, sizeof(m));
	FUZZ_CHECK(len > 0);
	fc_send_udp(f,
	    q.ciaddr != 0 && r.msg_type != ERG_DHCP_NAK ? q.ciaddr :
	                                                  ERG_IPV4_BROADCAST,
	    ERG_DHCP_SERVER_PORT, m, (size_t)len);
}

static void
fc_start_stop(struct fc *f, unsigned op)
{
	struct erg_dhcp_opts o;

	if (f->running) {
		FUZZ_CHECK(erg_dhcp_stop(f->s, f->ifx) == 0);
		f->running = false;
		f->bound = false;
		FUZZ_CHECK(erg_ipv4_addr(f->s, f->ifx) == 0);
		return;
	}
	memset(&o, 0, sizeof(o));
	o.hostname = "fuzz";
	o.hostname_len = 4;
	o.cb = fc_event;
	o.ctx = f;
	o.reboot_addr = (op & F_KEEP_XID) ? LEASE_ADDR : 0;
	FUZZ_CHECK(erg_dhcp_start(f->s, f->ifx, &o) == 0);
	f->running = true;
}

/* Answers the ARP request the client sent for arp_tpa. */
static void
fc_arp_reply(struct fc *f)
{
	uint8_t *p = frame;
	uint32_t me = erg_ipv4_addr(f->s, f->ifx);

	f->arp_pending = false;
	if (me == 0)
		return;
	memcpy(p, our_mac, 6);
	memcpy(p + 6, srv_mac, 6);
	erg_put_be16(p + 12, ERG_ETHERTYPE_ARP);
	erg_put_be16(p + 14, 1);
	erg_put_be16(p + 16, ERG_ETHERTYPE_IPV4);
	p[18] = 6;
	p[19] = 4;
	erg_put_be16(p + 20, 2);
	memcpy(p + 22, srv_mac, 6);
	erg_put_be32(p + 28, f->arp_tpa);
	memcpy(p + 32, our_mac, 6);
	erg_put_be32(p + 38, me);
	fc_inject(f, p, 42);
}

static void
fc_poll(struct fc *f)
{
	uint64_t next = erg_stack_poll(f->s, f->now);

	FUZZ_CHECK(next >= f->now);
}

static void
fc_record(struct fc *f, unsigned op, const uint8_t *p, size_t n, size_t dt)
{
	switch (op & 7u) {
	case K_JUMP:
		f->now += (uint64_t)dt * 1000000u;
		break;
	case K_GOOD:
		fc_good(f, op, p, n);
		break;
	case K_START:
		fc_start_stop(f, op);
		break;
	case K_RAW:
		fc_inject(f, p, n);
		break;
	default:
		fc_msg(f, op, p, n);
		break;
	}
	fc_poll(f);
	if (f->arp_pending) {
		fc_arp_reply(f);
		fc_poll(f);
	}
}

static void
fc_setup(struct fc *f, uint32_t *base)
{
	struct erg_config cfg;
	struct erg_netif_config nc;
	size_t need;

	memset(f, 0, sizeof(*f));
	f->rng = 0x6572672d64686370ull; /* "erg-dhcp" */
	f->now = T0_US;
	erg_config_default(&cfg);
	cfg.pkt_count = PKT_COUNT;
	cfg.netif_count = 1;
	cfg.arp_entries = 4;
	cfg.arp_queue_len = 4;
	cfg.reasm_slots = 2;
	cfg.udp_socks = 2;
	cfg.udp_rxq_len = 4;
	cfg.tcp_conns = 0;
	cfg.tcp_listeners = 0;
	cfg.tls_sessions = 0;
	cfg.dns_queries = 0;
	cfg.dns_cache_entries = 0;
	cfg.poll_budget = 16;
	cfg.rand = fuzz_rand;
	cfg.rand_ctx = &f->rng;
	need = erg_arena_size(&cfg);
	FUZZ_CHECK(need > 0 && need <= sizeof(arena));
	FUZZ_CHECK(
	    erg_stack_init(&f->s, arena, sizeof(arena), &cfg, f->now) == 0);
	memset(&nc, 0, sizeof(nc));
	memcpy(nc.mac, our_mac, 6);
	nc.mtu = MTU;
	nc.ops = &fc_ops;
	nc.drv = f;
	FUZZ_CHECK(erg_netif_add(f->s, &nc, &f->ifx) == 0);
	*base = erg_stack_pool_in_use(f->s);
	fc_start_stop(f, 0);
	FUZZ_CHECK(f->tx == 1 && f->last_len > 0); /* the first DISCOVER */
}

int
erg_fuzz_one(const uint8_t *data, size_t len)
{
	struct fc f;
	uint32_t base;
	size_t off = 0;
	unsigned nrec = 0, i;

	fc_setup(&f, &base);
	while (len - off >= REC_HDR && nrec++ < REC_MAX) {
		unsigned op = data[off];
		size_t n = erg_be16(data + off + 1), dt = n;

		off += REC_HDR;
		if ((op & 7u) == K_JUMP)
			n = 0;
		if (n > len - off)
			n = len - off;
		f.tx = 0;
		fc_record(&f, op, data + off, n, dt);
		off += n;
		check_lease(&f);
		FUZZ_CHECK(erg_stat_get(f.s, ERG_STAT_PKT_IN_USE) <= PKT_COUNT);
	}
	f.tx = 0;
	if (f.running)
		fc_start_stop(&f, 0);
	check_lease(&f);
	f.now += DRAIN_US;
	for (i = 0; i < DRAIN_MAX; i++) {
		uint64_t next = erg_stack_poll(f.s, f.now);

		if (next == ERG_TIME_NEVER)
			break;
		FUZZ_CHECK(next >= f.now);
		f.now = next;
		f.tx = 0;
	}
	FUZZ_CHECK(i < DRAIN_MAX);
	FUZZ_CHECK(erg_stack_pool_in_use(f.s) == base);
	return 0;
}
