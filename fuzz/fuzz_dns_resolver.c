/*
 * fuzz/fuzz_dns_resolver.c: the stub resolver fed arbitrary responses to
 * its own queries.
 *
 * The stack under test is 198.18.0.2/24 (MAC 02:00:00:00:00:02) with two
 * DNS servers, 198.18.0.1 and 198.18.0.3, whose MACs it learned at setup;
 * small pools (4 query slots, a 4-entry cache of 256-byte entries,
 * 1024-byte messages, 100 ms timeouts, 2 rounds). Every datagram the
 * stack sends to port 53 is recorded as an attempt (server, our port,
 * ID, question), so that the input can answer it from the right server
 * and port with the right ID patched in: the mutations then reach the
 * question check, the answer walk, CNAME chains, negative answers, TC
 * (the TCP fallback connects and, unanswered, times out), the cache and
 * the result builder.
 *
 * Input: a sequence of records, each starting with one byte, kind in the
 * low nibble, arg in the high nibble:
 *
 *	0 RAW	u16 len, len bytes: a response to attempt arg (0: the
 *		latest), ID patched over its first two bytes
 *	1 BUILT	u16 flags, u8 ancount, u8 nscount, u8 arcount, u16 len,
 *		len bytes: header and question of attempt arg written by
 *		the harness (the question as the stack asked it), then the
 *		bytes as the record sections
 *	2 TICK	u16 ms: advance the clock, poll
 *	3 ASK	u8 name, u8 type: erg_dns_resolve from the tables below
 *	4 CANCEL	erg_dns_cancel of query arg, if still pending
 *	5 FLUSH	erg_dns_cache_flush
 *	6 SPOOF	u8 how, u16 len, len bytes: to attempt arg, from the
 *		wrong address (how bit 0) or port (bit 1), ID patched
 *		unless bit 2
 *
 * Lengths are cut short by the end of the input; datagrams to 1472
 * bytes. At most 512 records. Then the clock jumps 10 minutes at a time
 * until nothing is armed.
 *
 * Invariants (abort otherwise):
 * - every query the stack sends is a well-formed query: QR clear, RD,
 *   one question, one OPT record offering ERG_DNS_EDNS_UDP;
 * - every accepted erg_dns_resolve gets exactly one callback, unless it
 *   was cancelled first, and none after;
 * - every result message is well formed (each record reads back and
 *   decodes), at most cfg.dns_msg_max bytes, has the question exactly as
 *   asked, err is one the API names (or a send error when nothing
 *   could be sent), TTL within cfg.dns_max_ttl_s, cached results are
 *   answers or negative answers;
 * - at the end no query slot is in use and erg_stack_pool_in_use is back
 *   at its value after setup.
 *
 * Deterministic: the arena is rebuilt for every input, randomness is a
 * fixed-seed splitmix64, time is the input's.
 *
 * Seeds: built with erg's own builder by this file compiled with
 * -DFUZZ_DNS_RESOLVER_GEN (see the end of the file):
 *
 *	cc -std=c11 -Iinclude -DFUZZ_DNS_RESOLVER_GEN \
 *	    fuzz/fuzz_dns_resolver.c build/liberg.a -o build/gen_dns_resolver
 *	build/gen_dns_resolver fuzz/corpus/dns_resolver
 */
#include <string.h>

#include "erg/erg.h"
#include "fuzz.h"

#define OUR_ADDR    ERG_IPV4(198, 18, 0, 2)
#define SRV1        ERG_IPV4(198, 18, 0, 1)
#define SRV2        ERG_IPV4(198, 18, 0, 3)
#define OTHER       ERG_IPV4(198, 18, 0, 9)
#define MTU         1500u
#define T0_US       1000000000ull
#define REC_MAX     512u
#define DGRAM_MAX   1472u
#define ATT_MAX     8u  /* attempts remembered */
#define ASK_MAX     32u /* resolves per input */
#define DRAIN_US    (600ull * 1000000ull)
#define DRAIN_POLLS 10000u
#define MSG_MAX     1024u
#define MAX_TTL     86400u
#define MIN(a, b)   ((a) < (b) ? (a) : (b))

enum {
	K_RAW,
	K_BUILT,
	K_TICK,
	K_ASK,
	K_CANCEL,
	K_FLUSH,
	K_SPOOF
};

static const char *const names[] = { "www.example.", "a.example.",
	"mx.example.", "x.test.", "1.2.0.192.in-addr.arpa.", "WWW.Example.",
	"_sip._udp.example.", "." };
static const uint16_t types[] = { ERG_DNS_TYPE_A, ERG_DNS_TYPE_AAAA,
	ERG_DNS_TYPE_CNAME, ERG_DNS_TYPE_MX, ERG_DNS_TYPE_TXT, ERG_DNS_TYPE_SRV,
	ERG_DNS_TYPE_PTR, ERG_DNS_TYPE_NS, ERG_DNS_TYPE_SOA, ERG_DNS_TYPE_ANY,
	99 };

#define NNAMES (sizeof(names) / sizeof(names[0]))
#define NTYPES (sizeof(types) / sizeof(types[0]))

static const uint8_t our_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t srv_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };

/* One query the stack sent. */
struct att {
	uint32_t server;
	uint16_t port;
	uint16_t id;
	struct erg_dns_name qname;
	uint16_t qtype;
};

struct fr;

/* One erg_dns_resolve accepted. */
struct ask {
	struct fr *f;
	struct erg_dns_query *q;
	struct erg_dns_name name; /* as asked */
	uint16_t type;
	unsigned calls;
	bool cancelled;
};

struct fr {
	struct erg_stack *s;
	unsigned ifindex;
	uint64_t rng;
	uint64_t now;
	struct att att[ATT_MAX];
	unsigned natt; /* attempts seen, all together */
	struct ask ask[ASK_MAX];
	unsigned nask;
};

static _Alignas(16) uint8_t arena[1u << 20];
static uint8_t frame[14 + 20 + 8 + DGRAM_MAX];
static uint8_t msg[DGRAM_MAX];

/* ---- What the stack sends ------------------------------------------------ */

/* A query to port 53: well formed; remembered as an attempt. */
static void
fr_query_out(struct fr *f, uint32_t dst, uint16_t sport, struct erg_view v)
{
	struct erg_dns_msg m;
	struct erg_dns_question q;
	struct erg_dns_rr rr;
	struct att *a;

	FUZZ_CHECK(erg_dns_msg_parse(&m, v) == 0);
	FUZZ_CHECK(!(m.hdr.flags & ERG_DNS_F_QR));
	FUZZ_CHECK(m.hdr.flags & ERG_DNS_F_RD);
	FUZZ_CHECK(m.hdr.count[0] == 1 && m.hdr.count[1] == 0 &&
	    m.hdr.count[2] == 0 && m.hdr.count[3] == 1);
	FUZZ_CHECK(erg_dns_question_next(&m, &q) == 1);
	FUZZ_CHECK(q.qclass == ERG_DNS_CLASS_IN);
	FUZZ_CHECK(erg_dns_rr_next(&m, &rr) == 1);
	FUZZ_CHECK(
	    rr.type == ERG_DNS_TYPE_OPT && rr.rclass == ERG_DNS_EDNS_UDP);
	FUZZ_CHECK(erg_dns_rr_next(&m, &rr) == 0);
	FUZZ_CHECK(dst == SRV1 || dst == SRV2);
	a = &f->att[f->natt++ % ATT_MAX];
	a->server = dst;
	a->port = sport;
	a->id = m.hdr.id;
	a->qname = q.name;
	a->qtype = q.type;
}

static int
fr_transmit(void *drv, const struct erg_iov *iov, unsigned n)
{
	struct fr *f = drv;
	const uint8_t *p = iov[0].base;
	size_t len = iov[0].len, ihl;

	FUZZ_CHECK(n == 1);
	FUZZ_CHECK(len >= 14 && len <= 14 + MTU);
	if (erg_be16(p + 12) != ERG_ETHERTYPE_IPV4) {
		return 0;
	}
	p += 14;
	len -= 14;
	FUZZ_CHECK(len >= 20);
	ihl = (size_t)(p[0] & 0xf) * 4;
	FUZZ_CHECK(erg_be32(p + 12) == OUR_ADDR);
	if (p[9] != ERG_IP_PROTO_UDP || (erg_be16(p + 6) & 0x3fff) != 0 ||
	    len < ihl + 8) {
		return 0;
	}
	if (erg_be16(p + ihl + 2) == ERG_DNS_PORT) {
		FUZZ_CHECK(erg_be16(p + ihl + 4) >= 8 &&
		    erg_be16(p + ihl + 4) <= len - ihl);
		fr_query_out(f, erg_be32(p + 16), erg_be16(p + ihl),
		    erg_view_make(p + ihl + 8, erg_be16(p + ihl + 4) - 8u));
	}
	return 0;
}

static const struct erg_netif_ops fr_ops = { fr_transmit };

/* ---- What the stack receives --------------------------------------------- */

static void
fr_input(struct fr *f, const uint8_t *fr, size_t len)
{
	struct erg_pkt *pkt = erg_pkt_alloc(f->s);

	if (pkt == NULL) {
		return;
	}
	FUZZ_CHECK(len <= pkt->cap - pkt->head);
	memcpy(erg_pkt_data(pkt), fr, len);
	pkt->len = (uint32_t)len;
	erg_netif_input(f->s, f->ifindex, pkt, f->now);
}

/* Sends payload from src:sport to us:dport as one frame. */
static void
fr_send_udp(struct fr *f, uint32_t src, uint16_t sport, uint16_t dport,
    const uint8_t *payload, size_t len)
{
	uint8_t *ip = frame + 14, *udp = ip + 20;

	memcpy(frame, our_mac, 6);
	memcpy(frame + 6, srv_mac, 6);
	erg_put_be16(frame + 12, ERG_ETHERTYPE_IPV4);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	erg_put_be16(ip + 2, (uint16_t)(20 + 8 + len));
	ip[8] = 64;
	ip[9] = ERG_IP_PROTO_UDP;
	erg_put_be32(ip + 12, src);
	erg_put_be32(ip + 16, OUR_ADDR);
	erg_put_be16(ip + 10, erg_cksum(ip, 20));
	erg_put_be16(udp, sport);
	erg_put_be16(udp + 2, dport);
	erg_put_be16(udp + 4, (uint16_t)(8 + len));
	erg_put_be16(udp + 6, 0); /* no checksum (RFC 768) */
	memcpy(udp + 8, payload, len);
	fr_input(f, frame, 14 + 20 + 8 + len);
}

/* ARP request from a server for us: the stack learns its MAC. */
static void
fr_learn(struct fr *f, uint32_t addr)
{
	struct erg_arp_repr ar;
	uint8_t fb[14 + 28];

	memset(&ar, 0, sizeof(ar));
	ar.op = ERG_ARP_OP_REQUEST;
	memcpy(ar.sha, srv_mac, 6);
	ar.spa = addr;
	ar.tpa = OUR_ADDR;
	memset(fb, 0xff, 6);
	memcpy(fb + 6, srv_mac, 6);
	erg_put_be16(fb + 12, ERG_ETHERTYPE_ARP);
	FUZZ_CHECK(erg_arp_emit(&ar, fb + 14, 28) == 28);
	fr_input(f, fb, sizeof(fb));
}

/* ---- Results ---------------------------------------------------------------
 */

static bool
fr_err_ok(int err)
{
	switch (err) {
	case 0:
	case -ERG_ENXDOMAIN:
	case -ERG_ENODATA:
	case -ERG_ESERVFAIL:
	case -ERG_ETIMEDOUT:
	case -ERG_ELOOP:
	case -ERG_ENOMEM:
	case -ERG_ENOBUFS:
	case -ERG_EHOSTUNREACH:
		return true;
	default:
		return false;
	}
}

static void
fr_result(void *ctx, const struct erg_dns_result *r)
{
	struct ask *k = ctx;
	struct erg_dns_msg m;
	struct erg_dns_question q;
	struct erg_dns_rr rr;
	struct erg_dns_rdata d;
	int rc;

	FUZZ_CHECK(!k->cancelled);
	FUZZ_CHECK(k->calls++ == 0);
	FUZZ_CHECK(fr_err_ok(r->err));
	FUZZ_CHECK(r->ttl <= MAX_TTL);
	FUZZ_CHECK(r->msg.len <= MSG_MAX);
	if (r->from_cache) {
		FUZZ_CHECK(r->err == 0 || r->err == -ERG_ENXDOMAIN ||
		    r->err == -ERG_ENODATA);
		FUZZ_CHECK(r->ttl > 0);
	}
	FUZZ_CHECK(erg_dns_msg_parse(&m, r->msg) == 0);
	FUZZ_CHECK(m.hdr.count[0] == 1);
	FUZZ_CHECK(erg_dns_question_next(&m, &q) == 1);
	FUZZ_CHECK(q.type == k->type && q.qclass == ERG_DNS_CLASS_IN);
	FUZZ_CHECK(q.name.len == k->name.len &&
	    memcmp(q.name.wire, k->name.wire, q.name.len) == 0);
	while ((rc = erg_dns_rr_next(&m, &rr)) == 1) {
		FUZZ_CHECK(rr.ttl <= MAX_TTL);
		FUZZ_CHECK(rr.type != ERG_DNS_TYPE_OPT);
		rc = erg_dns_rdata_parse(&m, &rr, &d);
		FUZZ_CHECK(rc == 0 || rc == -ERG_EUNSUPPORTED);
	}
	FUZZ_CHECK(rc == 0);
	FUZZ_CHECK(m.off == r->msg.len);
}

/* ---- The script ------------------------------------------------------------
 */

static void
fr_setup(struct fr *f, uint32_t *base)
{
	static const uint32_t servers[2] = { SRV1, SRV2 };
	struct erg_netif_config nc;
	struct erg_config cfg;
	size_t need;

	memset(f, 0, sizeof(*f));
	f->rng = 0x646e732d66757a7aull; /* "dns-fuzz" */
	f->now = T0_US;
	erg_config_default(&cfg);
	cfg.pkt_count = 32;
	cfg.netif_count = 1;
	cfg.arp_entries = 4;
	cfg.udp_socks = 6;
	cfg.udp_rxq_len = 4;
	cfg.tcp_conns = 4;
	cfg.tcp_listeners = 1;
	cfg.tcp_snd_buf = 4096;
	cfg.tcp_timewait = 4;
	cfg.poll_budget = 16;
	cfg.dns_queries = 4;
	cfg.dns_cache_entries = 4;
	cfg.dns_entry_size = 256;
	cfg.dns_msg_max = MSG_MAX;
	cfg.dns_timeout_ms = 100;
	cfg.dns_tries = 2;
	cfg.dns_max_ttl_s = MAX_TTL;
	cfg.rand = fuzz_rand;
	cfg.rand_ctx = &f->rng;
	need = erg_arena_size(&cfg);
	FUZZ_CHECK(need > 0 && need <= sizeof(arena));
	FUZZ_CHECK(
	    erg_stack_init(&f->s, arena, sizeof(arena), &cfg, f->now) == 0);
	memset(&nc, 0, sizeof(nc));
	memcpy(nc.mac, our_mac, 6);
	nc.mtu = MTU;
	nc.ops = &fr_ops;
	nc.drv = f;
	FUZZ_CHECK(erg_netif_add(f->s, &nc, &f->ifindex) == 0);
	FUZZ_CHECK(erg_ipv4_addr_set(f->s, f->ifindex, OUR_ADDR, 24) == 0);
	fr_learn(f, SRV1);
	fr_learn(f, SRV2);
	FUZZ_CHECK(erg_dns_servers_set(f->s, servers, 2) == 0);
	*base = erg_stack_pool_in_use(f->s);
}

/* The attempt a record's arg names (0: the latest), or NULL. */
static const struct att *
fr_att(const struct fr *f, unsigned arg)
{
	unsigned n = f->natt < ATT_MAX ? f->natt : ATT_MAX;

	if (n == 0) {
		return NULL;
	}
	arg %= n;
	return &f->att[(f->natt - 1 - arg) % ATT_MAX];
}

static void
fr_ask(struct fr *f, unsigned ni, unsigned ti)
{
	const char *name = names[ni % NNAMES];
	struct ask *k;
	int rc;

	if (f->nask == ASK_MAX) {
		return;
	}
	k = &f->ask[f->nask];
	memset(k, 0, sizeof(*k));
	k->f = f;
	k->type = types[ti % NTYPES];
	FUZZ_CHECK(erg_dns_name_from_text(&k->name, name, strlen(name)) == 0);
	rc = erg_dns_resolve(f->s, name, strlen(name), k->type, fr_result, k,
	    &k->q);
	FUZZ_CHECK(rc == 0 || rc == -ERG_ENOMEM);
	if (rc == 0) {
		f->nask++;
		if (k->calls > 0) {
			FUZZ_CHECK(k->q == NULL);
		}
	}
}

/* Header and question of a as the stack asked, then body. */
static size_t
fr_built(const struct att *a, const uint8_t *hdr5, const uint8_t *body,
    size_t blen)
{
	size_t n = 12;

	erg_put_be16(msg, a->id);
	erg_put_be16(msg + 2, erg_be16(hdr5));
	erg_put_be16(msg + 4, 1);
	erg_put_be16(msg + 6, hdr5[2]);
	erg_put_be16(msg + 8, hdr5[3]);
	erg_put_be16(msg + 10, hdr5[4]);
	memcpy(msg + n, a->qname.wire, a->qname.len);
	n += a->qname.len;
	erg_put_be16(msg + n, a->qtype);
	erg_put_be16(msg + n + 2, ERG_DNS_CLASS_IN);
	n += 4;
	if (blen > sizeof(msg) - n) {
		blen = sizeof(msg) - n;
	}
	memcpy(msg + n, body, blen);
	return n + blen;
}

/* Runs one record at data[*off]; returns false at the end of input. */
static bool
fr_record(struct fr *f, const uint8_t *data, size_t len, size_t *off)
{
	unsigned op, kind, arg;
	const struct att *a;
	size_t need, blen;
	uint8_t how = 0, hdr5[5];

	if (*off >= len) {
		return false;
	}
	op = data[(*off)++];
	kind = op & 0xf;
	arg = op >> 4;
	switch (kind) {
	case K_RAW:
	case K_SPOOF:
		need = kind == K_SPOOF ? 3 : 2;
		if (len - *off < need) {
			return false;
		}
		if (kind == K_SPOOF) {
			how = data[(*off)++];
		}
		blen = erg_be16(data + *off);
		*off += 2;
		blen = MIN(MIN(blen, len - *off), DGRAM_MAX);
		memcpy(msg, data + *off, blen);
		*off += blen;
		a = fr_att(f, arg);
		if (a == NULL) {
			return true;
		}
		if (blen >= 2 && !(how & 4)) {
			erg_put_be16(msg, a->id);
		}
		fr_send_udp(f, (how & 1) ? OTHER : a->server,
		    (how & 2) ? 5353 : ERG_DNS_PORT, a->port, msg, blen);
		return true;
	case K_BUILT:
		if (len - *off < 7) {
			return false;
		}
		memcpy(hdr5, data + *off, 5);
		blen = erg_be16(data + *off + 5);
		*off += 7;
		blen = MIN(blen, len - *off);
		a = fr_att(f, arg);
		if (a != NULL) {
			size_t n = fr_built(a, hdr5, data + *off, blen);

			fr_send_udp(f, a->server, ERG_DNS_PORT, a->port, msg,
			    n);
		}
		*off += blen;
		return true;
	case K_TICK:
		if (len - *off < 2) {
			return false;
		}
		f->now += (uint64_t)erg_be16(data + *off) * 1000u;
		*off += 2;
		(void)erg_stack_poll(f->s, f->now);
		return true;
	case K_ASK:
		if (len - *off < 2) {
			return false;
		}
		fr_ask(f, data[*off], data[*off + 1]);
		*off += 2;
		return true;
	case K_CANCEL:
		if (arg < f->nask && f->ask[arg].calls == 0 &&
		    !f->ask[arg].cancelled && f->ask[arg].q != NULL) {
			f->ask[arg].cancelled = true;
			erg_dns_cancel(f->s, f->ask[arg].q);
		}
		return true;
	case K_FLUSH:
		erg_dns_cache_flush(f->s);
		return true;
	default:
		return true;
	}
}

#ifdef FUZZ_DNS_RESOLVER_DEBUG
static void
fr_print_stat(void *ctx, const char *name, uint64_t value)
{
	(void)ctx;
	if (value != 0 && strncmp(name, "dns.", 4) == 0)
		fprintf(stderr, " %s=%llu", name, (unsigned long long)value);
}
#endif

int
erg_fuzz_one(const uint8_t *data, size_t len)
{
	struct fr f;
	uint32_t base;
	size_t off = 0;
	unsigned nrec = 0, i;
	uint64_t next;

	fr_setup(&f, &base);
	while (nrec++ < REC_MAX && fr_record(&f, data, len, &off)) {
		FUZZ_CHECK(erg_stat_get(f.s, ERG_STAT_DNS_QUERIES_IN_USE) <= 4);
	}
	/* Clock jumps: every attempt times out, every query ends. */
	f.now += DRAIN_US;
	for (i = 0; i < DRAIN_POLLS; i++) {
		next = erg_stack_poll(f.s, f.now);
		if (next == ERG_TIME_NEVER) {
			break;
		}
		FUZZ_CHECK(next >= f.now);
		f.now = next;
	}
	FUZZ_CHECK(i < DRAIN_POLLS);
	for (i = 0; i < f.nask; i++) {
		FUZZ_CHECK(f.ask[i].calls == (f.ask[i].cancelled ? 0u : 1u));
	}
	FUZZ_CHECK(erg_stat_get(f.s, ERG_STAT_DNS_QUERIES_IN_USE) == 0);
	FUZZ_CHECK(erg_stack_pool_in_use(f.s) == base);
#ifdef FUZZ_DNS_RESOLVER_DEBUG
	erg_stack_stats_foreach(f.s, fr_print_stat, NULL);
#endif
	return 0;
}

#ifdef FUZZ_DNS_RESOLVER_GEN
/* ---- Seed generator (see the header comment) ------------------------------
 */

#include <stdio.h>

static uint8_t gen[8192];
static size_t glen;

static void
g_byte(unsigned b)
{
	gen[glen++] = (uint8_t)b;
}

static void
g_be16(unsigned v)
{
	g_byte(v >> 8);
	g_byte(v & 0xff);
}

static void
g_ask(unsigned name, unsigned type)
{
	g_byte(K_ASK);
	g_byte(name);
	g_byte(type);
}

static void
g_tick(unsigned ms)
{
	g_byte(K_TICK);
	g_be16(ms);
}

static void
g_raw(unsigned arg, const uint8_t *p, size_t n)
{
	g_byte(K_RAW | arg << 4);
	g_be16((unsigned)n);
	memcpy(gen + glen, p, n);
	glen += n;
}

static void
g_spoof(unsigned arg, unsigned how, const uint8_t *p, size_t n)
{
	g_byte(K_SPOOF | arg << 4);
	g_byte(how);
	g_be16((unsigned)n);
	memcpy(gen + glen, p, n);
	glen += n;
}

static struct erg_dns_name
g_name(const char *s)
{
	struct erg_dns_name n;

	if (erg_dns_name_from_text(&n, s, strlen(s)) != 0)
		abort();
	return n;
}

/* A response: question (name, type), then records added by the caller. */
static void
g_start(struct erg_dns_builder *b, uint8_t *buf, size_t cap, const char *name,
    uint16_t type, uint16_t flags)
{
	struct erg_dns_name n = g_name(name);

	if (erg_dns_build_init(b, buf, cap, 0, flags) != 0 ||
	    erg_dns_build_question(b, &n, type, ERG_DNS_CLASS_IN) != 0)
		abort();
}

static void
g_rr(struct erg_dns_builder *b, enum erg_dns_section sec, const char *name,
    uint16_t type, uint32_t ttl, const void *rd, size_t rdlen)
{
	struct erg_dns_name n = g_name(name);

	if (erg_dns_build_rr(b, sec, &n, type, ERG_DNS_CLASS_IN, ttl, rd,
	        rdlen) != 0)
		abort();
}

static void
g_rr_name(struct erg_dns_builder *b, const char *name, uint16_t type,
    uint32_t ttl, const char *target)
{
	struct erg_dns_name t = g_name(target);

	g_rr(b, ERG_DNS_SEC_ANSWER, name, type, ttl, t.wire, t.len);
}

static void
g_soa(struct erg_dns_builder *b, const char *zone)
{
	struct erg_dns_name m = g_name("ns.example."), r = g_name("h.example.");
	uint8_t rd[2 * 256 + 20];
	size_t n = 0;

	memcpy(rd, m.wire, m.len);
	n += m.len;
	memcpy(rd + n, r.wire, r.len);
	n += r.len;
	erg_put_be32(rd + n, 1);
	erg_put_be32(rd + n + 4, 3600);
	erg_put_be32(rd + n + 8, 600);
	erg_put_be32(rd + n + 12, 86400);
	erg_put_be32(rd + n + 16, 60);
	g_rr(b, ERG_DNS_SEC_AUTHORITY, zone, ERG_DNS_TYPE_SOA, 3600, rd,
	    n + 20);
}

static size_t
g_finish(struct erg_dns_builder *b)
{
	int n = erg_dns_build_finish(b);

	if (n <= 0)
		abort();
	return (size_t)n;
}

static void
g_write(const char *dir, const char *name)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/seed-%s", dir, name);
	fp = fopen(path, "wb");
	if (fp == NULL || fwrite(gen, 1, glen, fp) != glen || fclose(fp) != 0)
		abort();
	glen = 0;
}

#define RESP (ERG_DNS_F_QR | ERG_DNS_F_RD | ERG_DNS_F_RA)

int
main(int argc, char **argv)
{
	struct erg_dns_builder b;
	uint8_t m[2048], a1[4] = { 192, 0, 2, 1 }, a2[4] = { 192, 0, 2, 2 };
	uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	uint8_t mx[2 + 256], srv[6 + 256], txt[64];
	struct erg_dns_name t;
	size_t n, i;
	const char *dir;

	if (argc != 2)
		return 2;
	dir = argv[1];

	/* www A: two records. */
	g_ask(0, 0);
	g_start(&b, m, sizeof(m), "www.example.", ERG_DNS_TYPE_A, RESP);
	g_rr(&b, ERG_DNS_SEC_ANSWER, "www.example.", 1, 300, a1, 4);
	g_rr(&b, ERG_DNS_SEC_ANSWER, "www.example.", 1, 300, a2, 4);
	g_raw(0, m, g_finish(&b));
	g_ask(0, 0);
	g_tick(1000);
	g_write(dir, "a");

	/* WWW.Example AAAA answered in another case; then NODATA for TXT. */
	g_ask(5, 1);
	g_start(&b, m, sizeof(m), "www.example.", ERG_DNS_TYPE_AAAA, RESP);
	g_rr(&b, ERG_DNS_SEC_ANSWER, "www.example.", 28, 60, v6, 16);
	g_raw(0, m, g_finish(&b));
	g_ask(0, 4);
	g_start(&b, m, sizeof(m), "www.example.", ERG_DNS_TYPE_TXT, RESP);
	g_soa(&b, "example.");
	g_raw(0, m, g_finish(&b));
	g_write(dir, "aaaa-nodata");

	/* x.test A: NXDOMAIN with SOA, asked again from the cache. */
	g_ask(3, 0);
	g_start(&b, m, sizeof(m), "x.test.", ERG_DNS_TYPE_A, RESP | 3);
	g_soa(&b, "test.");
	g_raw(0, m, g_finish(&b));
	g_tick(30000);
	g_ask(3, 0);
	g_tick(31000);
	g_ask(3, 0);
	g_write(dir, "nxdomain");

	/* mx.example MX through a CNAME, names compressed by hand. */
	{
		static const uint8_t body[] = { 0xc0, 12, 0, 5, 0, 1, 0, 0, 0,
			100, 0, 5, 2, 'm', '2', 0xc0, 15, 0xc0, 40, 0, 15, 0, 1,
			0, 0, 0, 200, 0, 9, 0, 10, 4, 'm', 'a', 'i', 'l', 0xc0,
			15 };

		g_ask(2, 3);
		g_start(&b, m, sizeof(m), "mx.example.", ERG_DNS_TYPE_MX, RESP);
		n = g_finish(&b);
		erg_put_be16(m + 6, 2);
		memcpy(m + n, body, sizeof(body));
		g_raw(0, m, n + sizeof(body));
		g_write(dir, "mx-compressed");
	}

	/* www A: a chain of two CNAMEs ending in an A. */
	g_ask(0, 0);
	g_start(&b, m, sizeof(m), "www.example.", ERG_DNS_TYPE_A, RESP);
	g_rr_name(&b, "www.example.", 5, 300, "a.example.");
	g_rr_name(&b, "a.example.", 5, 300, "b.example.");
	g_rr(&b, ERG_DNS_SEC_ANSWER, "b.example.", 1, 30, a1, 4);
	g_raw(0, m, g_finish(&b));
	g_write(dir, "cname-chain");

	/* A loop. */
	g_ask(1, 0);
	g_start(&b, m, sizeof(m), "a.example.", ERG_DNS_TYPE_A, RESP);
	g_rr_name(&b, "a.example.", 5, 300, "b.example.");
	g_rr_name(&b, "b.example.", 5, 300, "a.example.");
	g_raw(0, m, g_finish(&b));
	g_write(dir, "cname-loop");

	/* A chain cut short: asked again for the target, answered. */
	g_ask(0, 0);
	g_start(&b, m, sizeof(m), "www.example.", ERG_DNS_TYPE_A, RESP);
	g_rr_name(&b, "www.example.", 5, 300, "x.test.");
	g_raw(0, m, g_finish(&b));
	g_start(&b, m, sizeof(m), "x.test.", ERG_DNS_TYPE_A, RESP);
	g_rr(&b, ERG_DNS_SEC_ANSWER, "x.test.", 1, 300, a2, 4);
	g_raw(0, m, g_finish(&b));
	g_write(dir, "cname-restart");

	/* TC: the TCP attempt is never answered and times out. */
	g_ask(0, 4);
	g_start(&b, m, sizeof(m), "www.example.", ERG_DNS_TYPE_TXT,
	    RESP | ERG_DNS_F_TC);
	g_raw(0, m, g_finish(&b));
	g_tick(150);
	g_tick(300);
	g_write(dir, "tc");

	/* SERVFAIL from the first server, the answer from the second. */
	g_ask(1, 0);
	g_start(&b, m, sizeof(m), "a.example.", ERG_DNS_TYPE_A, RESP | 2);
	g_raw(0, m, g_finish(&b));
	g_start(&b, m, sizeof(m), "a.example.", ERG_DNS_TYPE_A, RESP);
	g_rr(&b, ERG_DNS_SEC_ANSWER, "a.example.", 1, 300, a1, 4);
	g_raw(0, m, g_finish(&b));
	g_write(dir, "servfail");

	/* Spoofs first (address, port, ID), then the answer. */
	g_ask(0, 0);
	g_start(&b, m, sizeof(m), "www.example.", ERG_DNS_TYPE_A, RESP);
	g_rr(&b, ERG_DNS_SEC_ANSWER, "www.example.", 1, 300, a1, 4);
	n = g_finish(&b);
	g_spoof(0, 1, m, n);
	g_spoof(0, 2, m, n);
	g_spoof(0, 4, m, n);
	g_raw(0, m, n);
	g_write(dir, "spoofs");

	/* Coalesced, one cancelled, then the answer; a timeout for another. */
	g_ask(1, 0);
	g_ask(1, 0);
	g_ask(4, 6);
	g_byte(K_CANCEL);
	g_start(&b, m, sizeof(m), "a.example.", ERG_DNS_TYPE_A, RESP);
	g_rr(&b, ERG_DNS_SEC_ANSWER, "a.example.", 1, 300, a1, 4);
	g_raw(1, m, g_finish(&b));
	g_tick(100);
	g_tick(100);
	g_tick(200);
	g_tick(200);
	g_byte(K_FLUSH);
	g_write(dir, "coalesce-cancel");

	/* SRV, TXT, PTR; the header and question by the harness. */
	g_ask(6, 5);
	t = g_name("sip.example.");
	erg_put_be16(srv, 0);
	erg_put_be16(srv + 2, 5);
	erg_put_be16(srv + 4, 5060);
	memcpy(srv + 6, t.wire, t.len);
	g_start(&b, m, sizeof(m), "_sip._udp.example.", ERG_DNS_TYPE_SRV, RESP);
	g_rr(&b, ERG_DNS_SEC_ANSWER, "_sip._udp.example.", 33, 300, srv,
	    6u + t.len);
	n = g_finish(&b);
	g_byte(K_BUILT);
	g_be16(RESP);
	g_byte(1);
	g_byte(0);
	g_byte(0);
	/* The record: after the header and the question. */
	i = 12 + g_name("_sip._udp.example.").len + 4;
	g_be16((unsigned)(n - i));
	memcpy(gen + glen, m + i, n - i);
	glen += n - i;
	g_ask(0, 4);
	txt[0] = 11;
	memcpy(txt + 1, "hello world", 11);
	g_start(&b, m, sizeof(m), "www.example.", ERG_DNS_TYPE_TXT, RESP);
	g_rr(&b, ERG_DNS_SEC_ANSWER, "www.example.", 16, 300, txt, 12);
	g_raw(0, m, g_finish(&b));
	g_ask(4, 6);
	g_start(&b, m, sizeof(m), "1.2.0.192.in-addr.arpa.", ERG_DNS_TYPE_PTR,
	    RESP);
	g_rr_name(&b, "1.2.0.192.in-addr.arpa.", 12, 300, "www.example.");
	g_raw(0, m, g_finish(&b));
	t = g_name("mail.example.");
	erg_put_be16(mx, 10);
	memcpy(mx + 2, t.wire, t.len);
	g_ask(2, 3);
	g_start(&b, m, sizeof(m), "mx.example.", ERG_DNS_TYPE_MX, RESP);
	g_rr(&b, ERG_DNS_SEC_ANSWER, "mx.example.", 15, 300, mx, 2u + t.len);
	g_raw(0, m, g_finish(&b));
	g_write(dir, "srv-txt-ptr-mx");

	/* Timeouts only: every attempt of two queries. */
	g_ask(0, 0);
	g_ask(3, 1);
	for (i = 0; i < 8; i++)
		g_tick(100);
	g_write(dir, "timeouts");
	return 0;
}
#endif
