/*
 * fuzz/fuzz_stack.c: the whole stack, driven by a script of received
 * frames (after lwIP's test/fuzz "fuzz3" multi-packet mode).
 *
 * The stack under test is host B of tests/vectors: 02:00:00:00:00:02,
 * 198.18.0.2/24, gateway 198.18.0.1 (host A). It answers ARP and ping by
 * itself, runs a UDP echo service on port 7 (RFC 862: every datagram goes
 * back to its sender) and has a second UDP socket, bound to port 5000,
 * that the script can make send to 198.18.0.9 (on-link, silent unless the
 * script answers for it: ARP resolution and its queue), to host A (large,
 * so fragmented) or through the gateway.
 *
 * Input: a sequence of records, each
 *
 *	uint16 len	frame length, big-endian (0: no frame)
 *	uint16 dt_ms	time to advance before the record, big-endian
 *	uint8  act	actions before the frame (ACT_* below)
 *	len bytes	the Ethernet frame, cut short by the end of the input
 *
 * (fuzz/README.md has the same, for people writing seeds). For each
 * record: advance the clock, erg_stack_poll, perform the actions, then
 * hand the frame to erg_netif_input in a pool packet (dropped, as a
 * driver would, when the pool is empty) or, with ACT_LEND, in a packet
 * lent from exactly-sized malloc'd memory, so that AddressSanitizer sees
 * any access past the frame and the release callback is exercised.
 *
 * After the last record the clock jumps 10 minutes and the stack is
 * polled until it has nothing armed. Then:
 * - every pool entry is back: erg_stack_pool_in_use equals its value
 *   after setup (a packet held forever is a leak, a bug);
 * - every lent packet has been released;
 * - closing both sockets brings the count to its value before them.
 * Every frame the stack transmits is checked on the spot: it parses back
 * as Ethernet + ARP or Ethernet + IPv4 (+ UDP/ICMP when not fragmented),
 * from our addresses, within the MTU, with valid checksums.
 *
 * Deterministic: the arena is rebuilt for every input, randomness is a
 * fixed-seed splitmix64, time is the script's.
 */
#include <string.h>

#include "erg/erg.h"
#include "fuzz.h"

#define REC_HDR 5u    /* len, dt_ms, act */
#define REC_MAX 4096u /* bounds the work per input */

/* Actions, performed before the record's frame is input. */
#define ACT_SEND_FAR 0x01u /* UDP, 16 B, to 198.18.0.9:9 */
#define ACT_SEND_BIG 0x02u /* UDP, 3000 B, to 198.18.0.1:9 */
#define ACT_PING_FAR 0x04u /* ping, 56 B, to 198.18.0.9 */
#define ACT_SEND_GW  0x08u /* UDP, 32 B, to 192.0.2.1:53 */
#define ACT_PING_BIG 0x10u /* ping, 2000 B, to 198.18.0.1 */
#define ACT_LEND     0x80u /* input the frame in a lent packet */

#define OUR_ADDR ERG_IPV4(198, 18, 0, 2)
#define GW_ADDR  ERG_IPV4(198, 18, 0, 1)
#define FAR_ADDR ERG_IPV4(198, 18, 0, 9)
/* TEST-NET-1 (RFC 5737): off-link, reached through the gateway. */
#define OFFNET_ADDR  ERG_IPV4(192, 0, 2, 1)
#define SUBNET_BCAST ERG_IPV4(198, 18, 0, 255)
#define ECHO_PORT    7u /* RFC 862 */
#define DISCARD_PORT 9u /* RFC 863 */
#define SEND_PORT    5000u
#define MTU          1500u

#define T0_US 1000000ull
/* 10 minutes: past every timeout (ARP 120 s, reassembly 30 s). */
#define DRAIN_US    (10ull * 60 * 1000000)
#define DRAIN_POLLS 10000u
#define LENT_MAX    8u
#define PKT_COUNT   32u

struct fs_lent {
	struct erg_pkt pkt; /* first: fs_release casts back */
	uint8_t *data;
};

struct fs {
	struct erg_stack *s;
	unsigned ifindex;
	uint64_t rng;
	uint64_t now;
	unsigned lent; /* lent packets not yet released */
	uint16_t seq;
	struct erg_udp_sock *echo;
	struct erg_udp_sock *sender;
};

static const uint8_t our_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };

/* Harness statics: rebuilt or overwritten by every input. */
static _Alignas(16) uint8_t arena[1u << 20];
static uint8_t txbuf[ERG_ETHER_HDR_LEN + MTU + 1];
static uint8_t pattern[3000];

/* ---- What the stack sends ----------------------------------------------- */

static void
check_ipv4_out(const uint8_t dst_mac[6], struct erg_view v)
{
	struct erg_ipv4_repr ip;
	struct erg_view l4;
	struct erg_udp_repr ur;
	struct erg_icmp_repr ir;
	struct erg_view pl;

	FUZZ_CHECK(erg_ipv4_parse(&ip, &l4, v, NULL) == 0);
	/* erg sends no options and no link padding. */
	FUZZ_CHECK(ip.hdr_len == ERG_IPV4_HDR_LEN);
	FUZZ_CHECK(ip.total_len == v.len);
	FUZZ_CHECK(ip.src == OUR_ADDR);
	FUZZ_CHECK(ip.ttl != 0);
	/* Nothing is ever sent to an address that cannot be a source. */
	FUZZ_CHECK(ip.dst != 0 && ip.dst != OUR_ADDR);
	FUZZ_CHECK(!erg_ipv4_is_bad_src(ip.dst) && ip.dst != SUBNET_BCAST);
	/* Unicast IP, unicast link address (RFC 1122 3.3.6). */
	FUZZ_CHECK(!erg_ether_is_group(dst_mac));
	/* RFC 791 3.2: fragments carry multiples of 8, end by 65535. */
	FUZZ_CHECK((size_t)ip.frag_off + l4.len <=
	    ERG_IPV4_MAX_LEN - ERG_IPV4_HDR_LEN);
	if (ip.mf)
		FUZZ_CHECK(l4.len > 0 && l4.len % 8 == 0);
	FUZZ_CHECK(
	    ip.proto == ERG_IP_PROTO_UDP || ip.proto == ERG_IP_PROTO_ICMP);
	if (ip.mf || ip.frag_off != 0)
		return;
	if (ip.proto == ERG_IP_PROTO_UDP) {
		FUZZ_CHECK(
		    erg_udp_parse(&ur, &pl, l4, ip.src, ip.dst, NULL) == 0);
		FUZZ_CHECK(ur.len == l4.len);
		FUZZ_CHECK(ur.checksum != 0); /* always sent */
		FUZZ_CHECK(ur.src_port != 0 && ur.dst_port != 0);
	} else {
		FUZZ_CHECK(erg_icmp_parse(&ir, &pl, l4, NULL) == 0);
		/* RFC 1812 4.3.2.3: an error fits in 576 bytes of IP. */
		if (ir.type == ERG_ICMP_DEST_UNREACH ||
		    ir.type == ERG_ICMP_TIME_EXCEEDED)
			FUZZ_CHECK(ip.total_len <= 576);
	}
}

static void
check_frame_out(const uint8_t *f, size_t len)
{
	struct erg_ether_repr eh;
	struct erg_arp_repr ar;
	struct erg_view pl;

	FUZZ_CHECK(len <= ERG_ETHER_HDR_LEN + MTU);
	FUZZ_CHECK(erg_ether_parse(&eh, &pl, erg_view_make(f, len), NULL) == 0);
	FUZZ_CHECK(memcmp(eh.src, our_mac, 6) == 0);
	if (eh.type == ERG_ETHERTYPE_ARP) {
		FUZZ_CHECK(erg_arp_parse(&ar, pl, NULL) == 0);
		FUZZ_CHECK(memcmp(ar.sha, our_mac, 6) == 0);
		FUZZ_CHECK(ar.spa == OUR_ADDR);
		return;
	}
	FUZZ_CHECK(eh.type == ERG_ETHERTYPE_IPV4);
	check_ipv4_out(eh.dst, pl);
}

static int
fs_transmit(void *drv, const struct erg_iov *iov, unsigned n)
{
	size_t total = 0;
	unsigned i;

	(void)drv;
	/* The interface has no ERG_NETIF_CAP_GATHER. */
	FUZZ_CHECK(n == 1);
	for (i = 0; i < n; i++) {
		FUZZ_CHECK(iov[i].len <= sizeof(txbuf) - total);
		memcpy(txbuf + total, iov[i].base, iov[i].len);
		total += iov[i].len;
	}
	check_frame_out(txbuf, total);
	return 0;
}

static const struct erg_netif_ops fs_ops = { fs_transmit };

/* ---- Applications ----------------------------------------------------- */

/* RFC 862 echo: each datagram goes back where it came from. */
static void
fs_echo_cb(struct erg_udp_sock *u, unsigned events, void *ctx)
{
	struct fs *f = ctx;
	struct erg_udp_dgram d;

	if (events & ERG_EV_ERROR)
		(void)erg_udp_error(u);
	while (erg_udp_recv(u, &d) == 0) {
		FUZZ_CHECK(d.dst_port == ECHO_PORT);
		FUZZ_CHECK(d.data.p == erg_pkt_data(d.pkt));
		FUZZ_CHECK(d.data.len == d.pkt->len);
		FUZZ_CHECK(d.data.len <= ERG_UDP_MAX_PAYLOAD);
		(void)erg_udp_sendto(u, d.src, d.src_port, d.data.p,
		    d.data.len);
		erg_pkt_free(f->s, d.pkt);
	}
}

/* The sending socket reads and drops whatever it is sent. */
static void
fs_sender_cb(struct erg_udp_sock *u, unsigned events, void *ctx)
{
	struct fs *f = ctx;
	struct erg_udp_dgram d;

	if (events & ERG_EV_ERROR)
		(void)erg_udp_error(u);
	while (erg_udp_recv(u, &d) == 0) {
		FUZZ_CHECK(d.dst_port == SEND_PORT);
		erg_pkt_free(f->s, d.pkt);
	}
}

static void
fs_echo_reply(void *ctx, uint32_t from, uint16_t id, uint16_t seq,
    struct erg_view data, uint64_t now_us)
{
	struct fs *f = ctx;

	(void)id;
	(void)seq;
	FUZZ_CHECK(from != 0);
	FUZZ_CHECK(data.len <= ERG_IPV4_MAX_LEN);
	FUZZ_CHECK(now_us == f->now);
}

/* Send results the documentation allows, plus a full ARP queue. */
static void
check_send_rc(int rc)
{
	FUZZ_CHECK(rc == 0 || rc == -ERG_ENOMEM || rc == -ERG_ENOBUFS);
}

static void
fs_actions(struct fs *f, unsigned act)
{
	if (act & ACT_SEND_FAR)
		check_send_rc(erg_udp_sendto(f->sender, FAR_ADDR, DISCARD_PORT,
		    pattern, 16));
	if (act & ACT_SEND_BIG)
		check_send_rc(erg_udp_sendto(f->sender, GW_ADDR, DISCARD_PORT,
		    pattern, 3000));
	if (act & ACT_PING_FAR)
		check_send_rc(erg_icmp_echo_send(f->s, FAR_ADDR, 0x4567,
		    f->seq++, pattern, 56));
	if (act & ACT_SEND_GW)
		check_send_rc(
		    erg_udp_sendto(f->sender, OFFNET_ADDR, 53, pattern, 32));
	if (act & ACT_PING_BIG)
		check_send_rc(erg_icmp_echo_send(f->s, GW_ADDR, 0x4568,
		    f->seq++, pattern, 2000));
}

/* ---- Driving the stack ------------------------------------------------ */

static void
fs_release(struct erg_pkt *pkt, void *ctx)
{
	struct fs *f = ctx;
	struct fs_lent *l = (struct fs_lent *)(void *)pkt;

	FUZZ_CHECK(f->lent > 0);
	f->lent--;
	free(l->data);
	free(l);
}

static void
fs_input(struct fs *f, const uint8_t *frame, size_t len, bool lend)
{
	struct erg_pkt *pkt;
	uint8_t *p;

	if (lend && f->lent < LENT_MAX) {
		struct fs_lent *l = malloc(sizeof(*l));

		FUZZ_CHECK(l != NULL);
		l->data = malloc(len);
		FUZZ_CHECK(l->data != NULL);
		memcpy(l->data, frame, len);
		/* No headroom, no tailroom: the frame and nothing else. */
		erg_pkt_lend(&l->pkt, l->data, (uint32_t)len, 0, (uint32_t)len,
		    fs_release, f);
		f->lent++;
		erg_netif_input(f->s, f->ifindex, &l->pkt, f->now);
		return;
	}
	pkt = erg_pkt_alloc(f->s);
	if (pkt == NULL)
		return; /* no buffer: the driver drops the frame */
	if (len > erg_pkt_tailroom(pkt))
		len = erg_pkt_tailroom(pkt);
	p = erg_pkt_put(pkt, (uint32_t)len);
	FUZZ_CHECK(p != NULL);
	memcpy(p, frame, len);
	erg_netif_input(f->s, f->ifindex, pkt, f->now);
}

static void
fs_setup(struct fs *f, uint32_t *base_init, uint32_t *base_sock)
{
	struct erg_config cfg;
	struct erg_netif_config nc;
	size_t need, i;

	memset(f, 0, sizeof(*f));
	f->rng = 0x6572672d66757a7aull; /* "erg-fuzz" */
	f->now = T0_US;
	for (i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i * 7 + 1);

	/* Small pools, so that exhaustion is within a fuzzer's reach. */
	erg_config_default(&cfg);
	cfg.pkt_count = PKT_COUNT;
	cfg.netif_count = 1;
	cfg.arp_entries = 4;
	cfg.arp_queue_len = 4;
	cfg.reasm_slots = 2;
	cfg.udp_socks = 4;
	cfg.udp_rxq_len = 4;
	cfg.tcp_conns = 4;
	cfg.tcp_listeners = 2;
	cfg.tcp_snd_buf = 4096;
	cfg.tcp_timewait = 4;
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
	nc.ops = &fs_ops;
	nc.drv = f;
	FUZZ_CHECK(erg_netif_add(f->s, &nc, &f->ifindex) == 0);
	FUZZ_CHECK(erg_ipv4_addr_set(f->s, f->ifindex, OUR_ADDR, 24) == 0);
	FUZZ_CHECK(erg_ipv4_gateway_set(f->s, f->ifindex, GW_ADDR) == 0);
	erg_icmp_echo_handler_set(f->s, fs_echo_reply, f);
	*base_init = erg_stack_pool_in_use(f->s);

	FUZZ_CHECK(erg_udp_open(f->s, fs_echo_cb, f, &f->echo) == 0);
	FUZZ_CHECK(erg_udp_bind(f->echo, ERG_IPV4_ANY, ECHO_PORT) == 0);
	FUZZ_CHECK(erg_udp_open(f->s, fs_sender_cb, f, &f->sender) == 0);
	FUZZ_CHECK(erg_udp_bind(f->sender, ERG_IPV4_ANY, SEND_PORT) == 0);
	*base_sock = erg_stack_pool_in_use(f->s);
	FUZZ_CHECK(*base_sock == *base_init + 2);
}

/* Lets every timer run out: ARP, reassembly. */
static void
fs_drain(struct fs *f)
{
	uint64_t next;
	unsigned i;

	f->now += DRAIN_US;
	for (i = 0; i < DRAIN_POLLS; i++) {
		next = erg_stack_poll(f->s, f->now);
		if (next == ERG_TIME_NEVER)
			break;
		FUZZ_CHECK(next >= f->now);
		f->now = next;
	}
	/* With no input, a stack must come to rest. */
	FUZZ_CHECK(i < DRAIN_POLLS);
}

int
erg_fuzz_one(const uint8_t *data, size_t len)
{
	struct fs f;
	uint32_t base_init, base_sock;
	size_t off = 0;
	unsigned nrec = 0;

	fs_setup(&f, &base_init, &base_sock);
	while (len - off >= REC_HDR && nrec++ < REC_MAX) {
		size_t flen = erg_be16(data + off);
		uint64_t dt = erg_be16(data + off + 2);
		unsigned act = data[off + 4];

		off += REC_HDR;
		if (flen > len - off)
			flen = len - off;
		f.now += dt * 1000u;
		(void)erg_stack_poll(f.s, f.now);
		fs_actions(&f, act);
		if (flen > 0)
			fs_input(&f, data + off, flen, (act & ACT_LEND) != 0);
		off += flen;
		FUZZ_CHECK(erg_stat_get(f.s, ERG_STAT_PKT_IN_USE) <= PKT_COUNT);
	}
	fs_drain(&f);
	FUZZ_CHECK(erg_stack_pool_in_use(f.s) == base_sock);
	FUZZ_CHECK(f.lent == 0);
	erg_udp_close(f.echo);
	erg_udp_close(f.sender);
	FUZZ_CHECK(erg_stack_pool_in_use(f.s) == base_init);
	return 0;
}
