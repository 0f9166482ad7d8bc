/*
 * tests/lib/testnet.c: see testnet.h.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "testnet.h"

void
tn_rand(void *ctx, void *buf, size_t len)
{
	uint64_t *st = ctx;
	uint8_t *b = buf;

	while (len > 0) {
		uint64_t z = (*st += 0x9e3779b97f4a7c15ull);
		size_t i;

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		z ^= z >> 31;
		for (i = 0; i < 8 && len > 0; i++, len--)
			*b++ = (uint8_t)(z >> (8 * i));
	}
}

static int
tn_capture_tx(void *drv, const struct erg_iov *iov, unsigned n)
{
	struct tn_capture *c = drv;
	size_t total = 0, off = 0;
	unsigned i;
	uint8_t *p;

	if (c->fail != 0)
		return c->fail;
	for (i = 0; i < n; i++)
		total += iov[i].len;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->frames = realloc(c->frames, c->cap * sizeof(*c->frames));
		assert(c->frames != NULL);
	}
	p = malloc(total ? total : 1);
	assert(p != NULL);
	for (i = 0; i < n; i++) {
		memcpy(p + off, iov[i].base, iov[i].len);
		off += iov[i].len;
	}
	c->frames[c->n].data = p;
	c->frames[c->n].len = total;
	c->n++;
	return 0;
}

const struct erg_netif_ops tn_capture_ops = { tn_capture_tx };

void
tn_capture_clear(struct tn_capture *c)
{
	unsigned i;

	for (i = 0; i < c->n; i++)
		free(c->frames[i].data);
	c->n = 0;
}

const struct tn_frame *
tn_last(const struct tn_capture *c)
{
	return c->n > 0 ? &c->frames[c->n - 1] : NULL;
}

void
tn_stack_init(struct tn_stack *t, const struct erg_config *cfg,
    const uint8_t mac[6], uint32_t addr, unsigned prefix, uint64_t seed)
{
	struct erg_config def;
	struct erg_netif_config nc;
	int rc;

	memset(t, 0, sizeof(*t));
	if (cfg == NULL) {
		erg_config_default(&def);
		cfg = &def;
	}
	def = *cfg;
	t->rng = seed;
	def.rand = tn_rand;
	def.rand_ctx = &t->rng;
	t->arena_len = erg_arena_size(&def);
	assert(t->arena_len > 0);
	t->arena = aligned_alloc(16, (t->arena_len + 15) & ~(size_t)15);
	assert(t->arena != NULL);
	rc = erg_stack_init(&t->s, t->arena, t->arena_len, &def, 0);
	assert(rc == 0);
	memset(&nc, 0, sizeof(nc));
	memcpy(nc.mac, mac, 6);
	memcpy(t->mac, mac, 6);
	nc.mtu = 1500;
	nc.ops = &tn_capture_ops;
	nc.drv = &t->cap;
	rc = erg_netif_add(t->s, &nc, &t->ifindex);
	assert(rc == 0);
	if (addr != 0) {
		rc = erg_ipv4_addr_set(t->s, t->ifindex, addr, prefix);
		assert(rc == 0);
	}
	t->addr = addr;
	tn_capture_clear(&t->cap);
	t->baseline = erg_stack_pool_in_use(t->s);
	(void)rc;
}

void
tn_stack_fini(struct tn_stack *t)
{
	tn_capture_clear(&t->cap);
	free(t->cap.frames);
	free(t->arena);
	memset(t, 0, sizeof(*t));
}

void
tn_inject(struct tn_stack *t, const void *frame, size_t len, uint64_t now)
{
	struct erg_pkt *pkt = erg_pkt_alloc(t->s);
	uint8_t *p;

	assert(pkt != NULL);
	p = erg_pkt_put(pkt, (uint32_t)len);
	assert(p != NULL);
	memcpy(p, frame, len);
	erg_netif_input(t->s, t->ifindex, pkt, now);
}

uint64_t
tn_stat(const struct tn_stack *t, enum erg_stat id)
{
	return erg_stat_get(t->s, id);
}

size_t
tn_build_eth(uint8_t *buf, const uint8_t dst[6], const uint8_t src[6],
    uint16_t type, const void *payload, size_t len)
{
	memcpy(buf, dst, 6);
	memcpy(buf + 6, src, 6);
	erg_put_be16(buf + 12, type);
	memcpy(buf + 14, payload, len);
	return 14 + len;
}

size_t
tn_build_ipv4(uint8_t *buf, uint32_t src, uint32_t dst, uint8_t proto,
    uint16_t id, uint16_t frag_off_bytes, bool mf, const void *payload,
    size_t len)
{
	struct erg_ipv4_repr r;

	memset(&r, 0, sizeof(r));
	r.src = src;
	r.dst = dst;
	r.proto = proto;
	r.id = id;
	r.ttl = 64;
	r.frag_off = frag_off_bytes;
	r.mf = mf;
	r.total_len = (uint16_t)(20 + len);
	erg_ipv4_emit(&r, buf, 20);
	memcpy(buf + 20, payload, len);
	return 20 + len;
}

size_t
tn_build_udp_frame(uint8_t *buf, const uint8_t dst_mac[6],
    const uint8_t src_mac[6], uint32_t src, uint32_t dst, uint16_t sport,
    uint16_t dport, const void *payload, size_t len)
{
	uint8_t *udp = malloc(8 + len);
	struct erg_udp_repr r;
	struct erg_view v = erg_view_make(payload, len);
	size_t n;

	assert(udp != NULL);
	r.src_port = sport;
	r.dst_port = dport;
	r.len = (uint16_t)(8 + len);
	r.checksum = 0;
	erg_udp_emit(&r, src, dst, &v, 1, udp);
	memcpy(udp + 8, payload, len);
	memcpy(buf, dst_mac, 6);
	memcpy(buf + 6, src_mac, 6);
	erg_put_be16(buf + 12, ERG_ETHERTYPE_IPV4);
	n = tn_build_ipv4(buf + 14, src, dst, ERG_IP_PROTO_UDP, 0x1234, 0,
	    false, udp, 8 + len);
	free(udp);
	return 14 + n;
}

size_t
tn_build_ping_frame(uint8_t *buf, const uint8_t dst_mac[6],
    const uint8_t src_mac[6], uint32_t src, uint32_t dst, uint16_t id,
    uint16_t seq, const void *payload, size_t len)
{
	uint8_t *icmp = malloc(8 + len);
	struct erg_icmp_repr r;
	size_t n;

	assert(icmp != NULL);
	memcpy(icmp + 8, payload, len);
	r.type = ERG_ICMP_ECHO_REQUEST;
	r.code = 0;
	r.rest = (uint32_t)id << 16 | seq;
	erg_icmp_emit(&r, icmp, 8 + len);
	memcpy(buf, dst_mac, 6);
	memcpy(buf + 6, src_mac, 6);
	erg_put_be16(buf + 12, ERG_ETHERTYPE_IPV4);
	n = tn_build_ipv4(buf + 14, src, dst, ERG_IP_PROTO_ICMP, 0x4321, 0,
	    false, icmp, 8 + len);
	free(icmp);
	return 14 + n;
}

size_t
tn_build_arp_frame(uint8_t *buf, const uint8_t dst_mac[6],
    const uint8_t src_mac[6], uint16_t op, const uint8_t sha[6], uint32_t spa,
    const uint8_t tha[6], uint32_t tpa)
{
	struct erg_arp_repr r;
	uint8_t arp[ERG_ARP_LEN];

	r.op = op;
	memcpy(r.sha, sha, 6);
	r.spa = spa;
	memcpy(r.tha, tha, 6);
	r.tpa = tpa;
	erg_arp_emit(&r, arp, sizeof(arp));
	return tn_build_eth(buf, dst_mac, src_mac, ERG_ETHERTYPE_ARP, arp,
	    sizeof(arp));
}
