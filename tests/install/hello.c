/*
 * tests/install/hello.c: the smallest real program against an installed erg,
 * built by tests/install/test_install.sh through pkg-config (static and
 * shared). It uses nothing but <erg/erg.h>.
 *
 * One stack in a static arena, one interface whose driver only records the
 * frames it is given. Setting the address announces it (a gratuitous ARP
 * request); a UDP datagram to a neighbour needs ARP, so the driver sees the
 * request; the program answers it with an ARP reply through
 * erg_netif_input(), and the datagram that was waiting goes out. Every
 * frame is parsed back with erg's own parsers (checksums verified) and
 * printed; the counters are printed by name.
 *
 * Output ends with "hello: OK" and exit status 0, or "hello: FAIL: why" on
 * stderr and exit status 1. No root, no network, no clock: time is made up.
 */
#include <stdio.h>
#include <string.h>

#include <erg/erg.h>

#define HELLO_ADDR ERG_IPV4(198, 18, 0, 1)
#define PEER_ADDR  ERG_IPV4(198, 18, 0, 2)
#define PEER_PORT  7u
#define MAX_FRAMES 8u
#define FRAME_MAX  1514u

static const uint8_t hello_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t peer_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const char message[] = "hello, erg";

/* What the driver was given: whole frames, in order. */
struct recorder {
	uint8_t frame[MAX_FRAMES][FRAME_MAX];
	size_t len[MAX_FRAMES];
	unsigned count;
	unsigned dropped;
};

/* The arena: static, 16-byte aligned, nothing allocated. */
static _Alignas(16) unsigned char arena[256 * 1024];
static struct recorder rec;

static int
fail(const char *why)
{
	fprintf(stderr, "hello: FAIL: %s\n", why);
	return 1;
}

/* The driver's transmit op: copies the gather list into the next slot. */
static int
record_transmit(void *drv, const struct erg_iov *iov, unsigned n)
{
	struct recorder *r = drv;
	size_t len = 0;
	unsigned i;

	if (r->count >= MAX_FRAMES) {
		r->dropped++;
		return -ERG_ENOBUFS;
	}
	for (i = 0; i < n; i++) {
		if (iov[i].len > FRAME_MAX - len) {
			r->dropped++;
			return -ERG_EMSGSIZE;
		}
		memcpy(r->frame[r->count] + len, iov[i].base, iov[i].len);
		len += iov[i].len;
	}
	r->len[r->count++] = len;
	return 0;
}

/* A fixed generator: the run is the same every time. */
static void
hello_rand(void *ctx, void *buf, size_t len)
{
	unsigned long long *st = ctx;
	uint8_t *p = buf;

	while (len-- > 0) {
		*st = *st * 6364136223846793005ull + 1442695040888963407ull;
		*p++ = (uint8_t)(*st >> 56);
	}
}

static void
ip_str(char *buf, size_t cap, uint32_t a)
{
	snprintf(buf, cap, "%u.%u.%u.%u", (unsigned)(a >> 24),
	    (unsigned)(a >> 16 & 0xff), (unsigned)(a >> 8 & 0xff),
	    (unsigned)(a & 0xff));
}

/* Frame i must be an ARP request from us for target tpa. */
static int
check_arp_request(unsigned i, uint32_t tpa)
{
	struct erg_ether_repr eth;
	struct erg_arp_repr arp;
	struct erg_view payload;
	char who[16], tell[16];

	if (i >= rec.count) {
		return fail("an ARP request was not transmitted");
	}
	if (erg_ether_parse(&eth, &payload,
	        erg_view_make(rec.frame[i], rec.len[i]), NULL) != 0 ||
	    eth.type != ERG_ETHERTYPE_ARP || !erg_ether_is_broadcast(eth.dst) ||
	    memcmp(eth.src, hello_mac, 6) != 0) {
		return fail("not a broadcast ARP frame from our MAC");
	}
	if (erg_arp_parse(&arp, payload, NULL) != 0 ||
	    arp.op != ERG_ARP_OP_REQUEST || arp.spa != HELLO_ADDR ||
	    arp.tpa != tpa || memcmp(arp.sha, hello_mac, 6) != 0) {
		return fail("not the expected ARP request");
	}
	ip_str(who, sizeof(who), arp.tpa);
	ip_str(tell, sizeof(tell), arp.spa);
	printf(
	    "hello: tx frame %u: %zu bytes, ARP request who-has %s tell %s%s\n",
	    i + 1, rec.len[i], who, tell,
	    arp.tpa == arp.spa ? " (gratuitous)" : "");
	return 0;
}

/* Answers the pending ARP request as the peer would. */
static int
inject_arp_reply(struct erg_stack *s, unsigned ifindex, uint64_t now_us)
{
	struct erg_ether_repr eth;
	struct erg_arp_repr arp;
	struct erg_pkt *pkt;
	uint8_t *p;

	memcpy(eth.dst, hello_mac, 6);
	memcpy(eth.src, peer_mac, 6);
	eth.type = ERG_ETHERTYPE_ARP;
	arp.op = ERG_ARP_OP_REPLY;
	memcpy(arp.sha, peer_mac, 6);
	arp.spa = PEER_ADDR;
	memcpy(arp.tha, hello_mac, 6);
	arp.tpa = HELLO_ADDR;
	pkt = erg_pkt_alloc(s);
	if (pkt == NULL) {
		return fail("erg_pkt_alloc: pool empty");
	}
	p = erg_pkt_put(pkt, ERG_ETHER_HDR_LEN + ERG_ARP_LEN);
	if (p == NULL ||
	    erg_ether_emit(&eth, p, ERG_ETHER_HDR_LEN) !=
	        (int)ERG_ETHER_HDR_LEN ||
	    erg_arp_emit(&arp, p + ERG_ETHER_HDR_LEN, ERG_ARP_LEN) !=
	        (int)ERG_ARP_LEN) {
		erg_pkt_free(s, pkt);
		return fail("cannot build the ARP reply");
	}
	erg_netif_input(s, ifindex, pkt, now_us);
	printf("hello: rx ARP reply 198.18.0.2 is-at 02:00:00:00:00:02\n");
	return 0;
}

/* Frame i must be our datagram, to the peer's MAC, checksums good. */
static int
check_udp(unsigned i)
{
	struct erg_ether_repr eth;
	struct erg_ipv4_repr ip;
	struct erg_udp_repr udp;
	struct erg_view l3, l4, data;
	char src[16], dst[16];

	if (i >= rec.count) {
		return fail("the UDP datagram was not transmitted after ARP");
	}
	if (erg_ether_parse(&eth, &l3, erg_view_make(rec.frame[i], rec.len[i]),
	        NULL) != 0 ||
	    eth.type != ERG_ETHERTYPE_IPV4 ||
	    memcmp(eth.dst, peer_mac, 6) != 0) {
		return fail("not an IPv4 frame to the peer's MAC");
	}
	if (erg_ipv4_parse(&ip, &l4, l3, NULL) != 0 ||
	    ip.proto != ERG_IP_PROTO_UDP || ip.src != HELLO_ADDR ||
	    ip.dst != PEER_ADDR) {
		return fail("not a valid IPv4 UDP datagram to the peer");
	}
	if (erg_udp_parse(&udp, &data, l4, ip.src, ip.dst, NULL) != 0 ||
	    udp.dst_port != PEER_PORT || data.len != sizeof(message) - 1 ||
	    memcmp(data.p, message, data.len) != 0) {
		return fail("not a valid UDP datagram carrying the message");
	}
	ip_str(src, sizeof(src), ip.src);
	ip_str(dst, sizeof(dst), ip.dst);
	printf("hello: tx frame %u: %zu bytes, UDP %s:%u -> %s:%u \"%.*s\"\n",
	    i + 1, rec.len[i], src, (unsigned)udp.src_port, dst,
	    (unsigned)udp.dst_port, (int)data.len, (const char *)data.p);
	return 0;
}

static void
print_stat(const struct erg_stack *s, enum erg_stat id)
{
	printf("hello: stat %s = %llu\n", erg_stat_name(id),
	    (unsigned long long)erg_stat_get(s, id));
}

int
main(void)
{
	struct erg_config cfg;
	struct erg_netif_config ncfg;
	static const struct erg_netif_ops ops = { record_transmit };
	struct erg_stack *s;
	struct erg_udp_sock *u;
	unsigned long long seed = 1;
	unsigned ifx;
	size_t need;
	int rc;

	erg_config_default(&cfg);
	cfg.pkt_count = 16;
	cfg.netif_count = 1;
	cfg.reasm_slots = 1;
	cfg.udp_socks = 2;
	cfg.tcp_conns = 2;
	cfg.tcp_snd_buf = 4096;
	cfg.tls_sessions = 0; /* no TLS: none of its memory */
	cfg.tls_store = 0;
	cfg.rand = hello_rand;
	cfg.rand_ctx = &seed;
	need = erg_arena_size(&cfg);
	printf("hello: erg_arena_size = %zu bytes (arena %zu)\n", need,
	    sizeof(arena));
	if (need == 0 || need > sizeof(arena)) {
		return fail(
		    "erg_arena_size: config refused or arena too small");
	}
	rc = erg_stack_init(&s, arena, need, &cfg, 0);
	if (rc != 0) {
		fprintf(stderr, "hello: erg_stack_init: %s\n",
		    erg_strerror(rc));
		return fail("erg_stack_init");
	}

	memset(&ncfg, 0, sizeof(ncfg));
	memcpy(ncfg.mac, hello_mac, 6);
	ncfg.mtu = 1500;
	ncfg.ops = &ops;
	ncfg.drv = &rec;
	if (erg_netif_add(s, &ncfg, &ifx) != 0 ||
	    erg_ipv4_addr_set(s, ifx, HELLO_ADDR, 24) != 0) {
		return fail("erg_netif_add or erg_ipv4_addr_set");
	}
	if (check_arp_request(0, HELLO_ADDR) != 0) {
		return 1;
	}

	if (erg_udp_open(s, NULL, NULL, &u) != 0) {
		return fail("erg_udp_open");
	}
	rc = erg_udp_sendto(u, PEER_ADDR, PEER_PORT, message,
	    sizeof(message) - 1);
	if (rc != 0) {
		fprintf(stderr, "hello: erg_udp_sendto: %s\n",
		    erg_strerror(rc));
		return fail("erg_udp_sendto");
	}
	if (rec.count != 2 || check_arp_request(1, PEER_ADDR) != 0) {
		return fail("want exactly one ARP request for the peer");
	}

	if (inject_arp_reply(s, ifx, 1000) != 0 || check_udp(2) != 0) {
		return 1;
	}
	if (rec.count != 3 || rec.dropped != 0) {
		return fail("want exactly three frames transmitted");
	}

	print_stat(s, ERG_STAT_NETIF_TX);
	print_stat(s, ERG_STAT_ARP_REQUEST_TX);
	print_stat(s, ERG_STAT_UDP_TX);
	if (erg_stat_get(s, ERG_STAT_NETIF_TX) != 3 ||
	    erg_stat_get(s, ERG_STAT_ARP_REQUEST_TX) != 2 ||
	    erg_stat_get(s, ERG_STAT_UDP_TX) != 1) {
		return fail("counters");
	}
	erg_udp_close(u);
	printf("hello: OK\n");
	return 0;
}
