/*
 * tests/sim/sim_frag.c: IPv4 fragmentation and reassembly between two
 * stacks (RFC 791 3.2, RFC 1122 3.3.2): maximum-size UDP datagrams and
 * 65,000-byte pings, on a perfect wire with exact fragment counts, and
 * through loss, duplication, reordering and corruption with an
 * application-level retry, checked byte for byte by hash. Corrupted frames
 * are dropped by the checksums and counted (TESTING.md class 10: every
 * checksum covers exactly the bytes its length field claims).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "lib/sim.h"

#define DELAY     100ull
#define ECHO_PORT 7u
#define SINK_PORT 9u
#define FRAG_DATA 1480u /* IP payload per fragment at MTU 1500 */

/* Fragments of a datagram with ip_payload bytes after the IP header. */
static unsigned
frags(size_t ip_payload)
{
	return (unsigned)((ip_payload + FRAG_DATA - 1) / FRAG_DATA);
}

static const struct erg_loop_impair clean = { 0, 0, 0, 0, DELAY, 0 };

/*
 * 2% loss, 2% duplication, 5% reordering, 2% corruption, 50 us of jitter:
 * a 45-fragment datagram arrives whole about 40% of the time.
 */
static const struct erg_loop_impair rough = { 20000, 20000, 50000, 20000, DELAY,
	50 };

/* Reassembly slots time out fast, so that failed attempts free them. */
static void
frag_config(struct erg_config *cfg)
{
	erg_config_default(cfg);
	cfg->reasm_slots = 4;
	cfg->reasm_timeout_ms = 100;
}

/* ---- Echo on a perfect wire ------------------------------------------- */

static void
echo_server_cb(struct erg_udp_sock *u, unsigned events, void *ctx)
{
	struct sim_node *n = ctx;
	struct erg_udp_dgram d;

	(void)events;
	while (erg_udp_recv(u, &d) == 0) {
		assert_int_equal(
		    erg_udp_sendto(u, d.src, d.src_port, d.data.p, d.data.len),
		    0);
		erg_pkt_free(n->s, d.pkt);
	}
}

#define ECHOES 5u

struct echo_client {
	unsigned got;
	size_t len[ECHOES];
	uint64_t hash[ECHOES];
	uint8_t buf[ERG_UDP_MAX_PAYLOAD];
};

static void
echo_client_cb(struct erg_udp_sock *u, unsigned events, void *ctx)
{
	struct echo_client *c = ctx;
	size_t len;

	(void)events;
	while (erg_udp_recvfrom(u, c->buf, sizeof(c->buf), &len, NULL, NULL) ==
	    0) {
		assert_true(c->got < ECHOES);
		c->len[c->got] = len;
		c->hash[c->got] = sim_hash(c->buf, len);
		c->got++;
	}
}

static bool
echo_done(struct sim *sim, void *ctx)
{
	const struct echo_client *c = ctx;

	(void)sim;
	return c->got == ECHOES;
}

/*
 * Datagrams from just over one frame to the UDP maximum of 65,507 bytes
 * are fragmented into exactly ceil((len + 8) / 1480) frames each way,
 * reassembled, echoed and received byte for byte; 65,508 bytes are
 * refused with -ERG_EMSGSIZE before anything is sent.
 */
static void
test_udp_echo_fragmented_up_to_65507_byte_for_byte(void **state)
{
	/* 2952 + 8 fills two fragments exactly; 2953 needs a third. */
	static const size_t sizes[ECHOES] = { 1473, 2952, 2953, 64000,
		ERG_UDP_MAX_PAYLOAD };
	struct sim *sim = *state;
	struct sim_node *a, *b;
	struct erg_udp_sock *srv, *cli;
	struct echo_client *c;
	struct erg_config cfg;
	uint64_t want[ECHOES];
	unsigned i, nfrag = 0;

	frag_config(&cfg);
	sim_start(sim, "sim_frag_udp_echo", 11, &clean);
	a = sim_add(sim, &cfg, 1);
	b = sim_add(sim, &cfg, 2);
	c = calloc(1, sizeof(*c));
	assert_non_null(c);
	assert_int_equal(erg_udp_open(b->s, echo_server_cb, b, &srv), 0);
	assert_int_equal(erg_udp_bind(srv, ERG_IPV4_ANY, ECHO_PORT), 0);
	assert_int_equal(erg_udp_open(a->s, echo_client_cb, c, &cli), 0);
	/*
	 * Resolve first: 96 fragments would overflow the 64 packets the ARP
	 * entry holds while it resolves (arp.queue_full).
	 */
	assert_int_equal(erg_icmp_echo_send(a->s, b->addr, 9, 9, "", 0), 0);
	sim_run_for(sim, 10 * SIM_MS);
	for (i = 0; i < ECHOES; i++) {
		sim_fill(c->buf, sizes[i], 300 + i);
		want[i] = sim_hash(c->buf, sizes[i]);
		assert_int_equal(
		    erg_udp_sendto(cli, b->addr, ECHO_PORT, c->buf, sizes[i]),
		    0);
		nfrag += frags(sizes[i] + ERG_UDP_HDR_LEN);
	}
	assert_int_equal(erg_udp_sendto(cli, b->addr, ECHO_PORT, c->buf,
	                     ERG_UDP_MAX_PAYLOAD + 1),
	    -ERG_EMSGSIZE);
	assert_true(sim_run_until(sim, echo_done, c, 10 * SIM_SEC));

	for (i = 0; i < ECHOES; i++) {
		assert_int_equal(c->len[i], sizes[i]);
		assert_true(c->hash[i] == want[i]);
	}
	assert_int_equal(nfrag, 2 + 2 + 3 + 44 + 45);
	assert_int_equal(sim_stat(a, ERG_STAT_IPV4_FRAG_TX), nfrag);
	assert_int_equal(sim_stat(b, ERG_STAT_IPV4_FRAG_TX), nfrag);
	assert_int_equal(sim_stat(b, ERG_STAT_IPV4_FRAG_RX), nfrag);
	assert_int_equal(sim_stat(a, ERG_STAT_IPV4_FRAG_RX), nfrag);
	assert_int_equal(sim_stat(b, ERG_STAT_IPV4_REASM_OK), ECHOES);
	assert_int_equal(sim_stat(a, ERG_STAT_IPV4_REASM_OK), ECHOES);
	assert_int_equal(sim_stat(a, ERG_STAT_UDP_TX), ECHOES);
	assert_int_equal(sim_stat(b, ERG_STAT_UDP_RX), ECHOES);
	assert_int_equal(sim_stat(b, ERG_STAT_IPV4_FRAG_TIMEOUT), 0);
	assert_int_equal(sim_stat(b, ERG_STAT_IPV4_FRAG_NO_SLOT), 0);
	/* Reassembled datagrams were lent and given back: slots free. */
	assert_int_equal(sim_stat(a, ERG_STAT_IPV4_REASM_IN_USE), 0);
	assert_int_equal(sim_stat(b, ERG_STAT_IPV4_REASM_IN_USE), 0);

	erg_udp_close(srv);
	erg_udp_close(cli);
	free(c);
	sim_assert_no_leaks(sim);
	sim_assert_wire_balanced(sim);
	sim_pass(sim);
}

/* ---- Fragmented ping --------------------------------------------------- */

#define BIG_PING 65000u

/* One side's pinger: retries with a new sequence until a reply matches. */
struct pinger {
	struct sim_node *from;
	struct sim_node *to;
	uint8_t *data;
	uint64_t want;
	uint16_t seq;
	uint64_t deadline;
	unsigned ok;
	unsigned bad;
};

static void
pinger_echo(void *ctx, uint32_t from, uint16_t id, uint16_t seq,
    struct erg_view data, uint64_t now_us)
{
	struct pinger *p = ctx;

	(void)now_us;
	(void)seq;
	assert_int_equal(from, p->to->addr);
	assert_int_equal(id, p->from->host);
	if (data.len == BIG_PING && sim_hash(data.p, data.len) == p->want) {
		p->ok++;
	} else {
		p->bad++;
	}
}

/* Sends (again) when the retry timer expires; false until answered. */
static bool
pinger_step(struct sim *sim, struct pinger *p, uint64_t retry_us)
{
	if (p->ok > 0) {
		return true;
	}
	if (sim->now >= p->deadline) {
		p->seq++;
		assert_int_equal(erg_icmp_echo_send(p->from->s, p->to->addr,
		                     (uint16_t)p->from->host, p->seq, p->data,
		                     BIG_PING),
		    0);
		p->deadline = sim->now + retry_us;
	}
	sim_wake_at(sim, p->deadline);
	return false;
}

struct ping_pair {
	struct pinger p[2];
	uint64_t retry_us;
};

static bool
pings_done(struct sim *sim, void *ctx)
{
	struct ping_pair *pp = ctx;
	bool a = pinger_step(sim, &pp->p[0], pp->retry_us);
	bool b = pinger_step(sim, &pp->p[1], pp->retry_us);

	return a && b;
}

static void
pinger_init(struct pinger *p, struct sim_node *from, struct sim_node *to,
    uint8_t *data)
{
	memset(p, 0, sizeof(*p));
	p->from = from;
	p->to = to;
	p->data = data;
	sim_fill(data, BIG_PING, 0xB16 + from->host);
	p->want = sim_hash(data, BIG_PING);
	erg_icmp_echo_handler_set(from->s, pinger_echo, p);
}

/*
 * A and B ping each other with 65,000 bytes at once: each request and
 * reply is 44 fragments, reassembled in a lent slot, answered in place
 * and fragmented again, and both replies carry the data intact.
 */
static void
test_ping_65000_both_ways_fragmented(void **state)
{
	struct sim *sim = *state;
	struct sim_node *a, *b;
	struct ping_pair *pp;
	struct erg_config cfg;
	uint8_t *da, *db;

	frag_config(&cfg);
	sim_start(sim, "sim_frag_ping", 12, &clean);
	a = sim_add(sim, &cfg, 1);
	b = sim_add(sim, &cfg, 2);
	pp = calloc(1, sizeof(*pp));
	da = malloc(BIG_PING);
	db = malloc(BIG_PING);
	assert_true(pp != NULL && da != NULL && db != NULL);
	pinger_init(&pp->p[0], a, b, da);
	pinger_init(&pp->p[1], b, a, db);
	pp->retry_us = 10 * SIM_SEC; /* a perfect wire needs none */
	assert_true(sim_run_until(sim, pings_done, pp, SIM_SEC));

	assert_int_equal(pp->p[0].seq, 1);
	assert_int_equal(pp->p[1].seq, 1);
	assert_int_equal(pp->p[0].ok, 1);
	assert_int_equal(pp->p[1].ok, 1);
	assert_int_equal(pp->p[0].bad + pp->p[1].bad, 0);
	assert_int_equal(frags(BIG_PING + ERG_ICMP_HDR_LEN), 44);
	/* Each side sent its request and its reply: 2 * 44 fragments. */
	assert_int_equal(sim_stat(a, ERG_STAT_IPV4_FRAG_TX), 88);
	assert_int_equal(sim_stat(b, ERG_STAT_IPV4_FRAG_TX), 88);
	assert_int_equal(sim_stat(a, ERG_STAT_IPV4_REASM_OK), 2);
	assert_int_equal(sim_stat(b, ERG_STAT_IPV4_REASM_OK), 2);
	assert_int_equal(sim_stat(a, ERG_STAT_ICMP_ECHO_REPLY_TX), 1);
	assert_int_equal(sim_stat(b, ERG_STAT_ICMP_ECHO_REPLY_TX), 1);
	assert_int_equal(sim_stat(a, ERG_STAT_IPV4_REASM_IN_USE), 0);
	assert_int_equal(sim_stat(b, ERG_STAT_IPV4_REASM_IN_USE), 0);
	assert_int_equal(erg_icmp_echo_send(a->s, b->addr, 1, 1, da,
	                     ERG_UDP_MAX_PAYLOAD + 1),
	    -ERG_EMSGSIZE);

	erg_icmp_echo_handler_set(a->s, NULL, NULL);
	erg_icmp_echo_handler_set(b->s, NULL, NULL);
	free(da);
	free(db);
	free(pp);
	sim_assert_no_leaks(sim);
	sim_assert_wire_balanced(sim);
	sim_pass(sim);
}

/* Sum of the counters that name a checksum failure, over every node. */
static uint64_t
checksum_drops(const struct sim *sim)
{
	uint64_t n = 0;
	unsigned i;

	for (i = 0; i < sim->n; i++) {
		n += sim_stat(&sim->node[i], ERG_STAT_IPV4_BAD_CHECKSUM) +
		    sim_stat(&sim->node[i], ERG_STAT_UDP_BAD_CHECKSUM) +
		    sim_stat(&sim->node[i], ERG_STAT_ICMP_BAD_CHECKSUM);
	}
	return n;
}

/*
 * The same 65,000-byte pings both ways through the rough wire: each side
 * re-sends every 50 ms until one reply comes back intact (about one
 * round trip in six does). Nothing
 * corrupted is ever reported as a reply.
 */
static void
test_ping_65000_both_ways_through_impairments(void **state)
{
	struct sim *sim = *state;
	struct sim_node *a, *b;
	struct ping_pair *pp;
	struct erg_config cfg;
	struct erg_loop_stats st;
	uint8_t *da, *db;

	frag_config(&cfg);
	sim_start(sim, "sim_frag_ping_rough", 13, &clean);
	a = sim_add(sim, &cfg, 1);
	b = sim_add(sim, &cfg, 2);
	/* Resolve on the clean wire: ARP carries no checksum. */
	assert_int_equal(erg_icmp_echo_send(a->s, b->addr, 9, 9, "", 0), 0);
	sim_run_for(sim, 10 * SIM_MS);
	assert_int_equal(sim_stat(a, ERG_STAT_ICMP_ECHO_REPLY_RX), 1);
	sim_impair(sim, &rough);

	pp = calloc(1, sizeof(*pp));
	da = malloc(BIG_PING);
	db = malloc(BIG_PING);
	assert_true(pp != NULL && da != NULL && db != NULL);
	pinger_init(&pp->p[0], a, b, da);
	pinger_init(&pp->p[1], b, a, db);
	pp->retry_us = 50 * SIM_MS;
	assert_true(sim_run_until(sim, pings_done, pp, 60 * SIM_SEC));
	assert_true(pp->p[0].ok >= 1);
	assert_true(pp->p[1].ok >= 1);
	assert_int_equal(pp->p[0].bad + pp->p[1].bad, 0);

	st = sim_wire_stats(sim);
	assert_true(st.lost > 0);
	assert_true(st.duplicated > 0);
	assert_true(st.reordered > 0);
	assert_true(st.corrupted > 0);
	assert_true(checksum_drops(sim) > 0);

	erg_icmp_echo_handler_set(a->s, NULL, NULL);
	erg_icmp_echo_handler_set(b->s, NULL, NULL);
	free(da);
	free(db);
	free(pp);
	sim_impair(sim, &clean);
	/* Let the partial datagrams' slots time out (100 ms). */
	sim_run_for(sim, SIM_SEC);
	sim_assert_no_leaks(sim);
	sim_assert_wire_balanced(sim);
	sim_pass(sim);
}

/* ---- Bulk transfer with acknowledgements ------------------------------- */

#define XFER_N       48u /* the 16 sizes below, three times: 2.3 MB */
#define XFER_RETRY   (50 * SIM_MS)
#define XFER_MAX_TRY 400u

/* "64 KB" datagrams and the UDP maximum, mixed with smaller ones. */
static const size_t xfer_size_table[16] = { ERG_UDP_MAX_PAYLOAD, 64000, 65000,
	1473, 2961, 8000, 16384, 32768, 48000, ERG_UDP_MAX_PAYLOAD, 60000, 4096,
	20000, 64000, 65500, ERG_UDP_MAX_PAYLOAD };

static size_t
xfer_sizes(unsigned i)
{
	return xfer_size_table[i % 16u];
}

struct xfer {
	struct sim_node *a;
	struct sim_node *b;
	struct erg_udp_sock *cli;
	struct erg_udp_sock *srv;
	uint8_t *buf;
	uint64_t want[XFER_N];
	unsigned cur;      /* datagram awaiting its ack */
	uint64_t deadline; /* re-send it then */
	unsigned sends;
	unsigned got[XFER_N]; /* intact arrivals at B */
	unsigned bad;         /* arrivals that do not match */
	unsigned stale_acks;
	unsigned soft_errs;
};

/* Datagram i: its index in the first 4 bytes, then bytes of seed i. */
static void
xfer_fill(uint8_t *buf, unsigned i)
{
	sim_fill(buf, xfer_sizes(i), 0xF00 + i);
	erg_put_be32(buf, i);
}

static void
xfer_server_cb(struct erg_udp_sock *u, unsigned events, void *ctx)
{
	struct xfer *x = ctx;
	struct erg_udp_dgram d;

	(void)events;
	while (erg_udp_recv(u, &d) == 0) {
		uint8_t ack[12];
		uint32_t i = d.data.len >= 4 ? erg_be32(d.data.p) : XFER_N;
		uint64_t h = sim_hash(d.data.p, d.data.len);

		if (i >= XFER_N || d.data.len != xfer_sizes(i) ||
		    h != x->want[i]) {
			x->bad++;
			erg_pkt_free(x->b->s, d.pkt);
			continue;
		}
		x->got[i]++;
		/* The ack names the datagram and the hash B computed. */
		erg_put_be32(ack, i);
		erg_put_be32(ack + 4, (uint32_t)(h >> 32));
		erg_put_be32(ack + 8, (uint32_t)h);
		assert_int_equal(
		    erg_udp_sendto(u, d.src, d.src_port, ack, sizeof(ack)), 0);
		erg_pkt_free(x->b->s, d.pkt);
	}
}

static void
xfer_client_cb(struct erg_udp_sock *u, unsigned events, void *ctx)
{
	struct xfer *x = ctx;
	uint8_t ack[16];
	size_t len;

	if ((events & ERG_EV_ERROR) != 0) {
		/*
		 * B's reassembly timeouts send time exceeded (RFC 1122
		 * 3.3.2) about attempts that lost a fragment.
		 */
		assert_int_equal(erg_udp_error(u), -ERG_ETTL);
		x->soft_errs++;
	}
	while (erg_udp_recvfrom(u, ack, sizeof(ack), &len, NULL, NULL) == 0) {
		uint64_t h;

		assert_int_equal(len, 12);
		h = (uint64_t)erg_be32(ack + 4) << 32 | erg_be32(ack + 8);
		if (x->cur < XFER_N && erg_be32(ack) == x->cur) {
			assert_true(h == x->want[x->cur]);
			x->cur++;
			x->deadline = 0; /* send the next one now */
		} else {
			x->stale_acks++;
		}
	}
}

static bool
xfer_step(struct sim *sim, void *ctx)
{
	struct xfer *x = ctx;

	if (x->cur == XFER_N) {
		return true;
	}
	if (sim->now >= x->deadline) {
		assert_true(x->sends < XFER_MAX_TRY);
		xfer_fill(x->buf, x->cur);
		assert_int_equal(erg_udp_sendto(x->cli, x->b->addr, SINK_PORT,
		                     x->buf, xfer_sizes(x->cur)),
		    0);
		x->sends++;
		x->deadline = sim->now + XFER_RETRY;
	}
	sim_wake_at(sim, x->deadline);
	return false;
}

/*
 * Forty-eight datagrams of 1,473 to 65,507 bytes (2.3 MB) cross the
 * rough wire one at a time, each re-sent every 50 ms until B acknowledges
 * it. B checks every arrival against the hash of what A sent: none is
 * ever corrupt, even though frames were lost, duplicated, reordered and
 * corrupted, because the IPv4 and UDP checksums dropped the damaged
 * ones, and duplicate fragments were recognised.
 */
static void
test_udp_64k_transfer_through_impairments_byte_for_byte(void **state)
{
	struct sim *sim = *state;
	struct erg_config cfg;
	struct erg_loop_stats st;
	struct xfer *x;
	unsigned i;

	frag_config(&cfg);
	sim_start(sim, "sim_frag_udp_rough", 14, &clean);
	x = calloc(1, sizeof(*x));
	assert_non_null(x);
	x->buf = malloc(ERG_UDP_MAX_PAYLOAD);
	assert_non_null(x->buf);
	x->a = sim_add(sim, &cfg, 1);
	x->b = sim_add(sim, &cfg, 2);
	for (i = 0; i < XFER_N; i++) {
		xfer_fill(x->buf, i);
		x->want[i] = sim_hash(x->buf, xfer_sizes(i));
	}
	assert_int_equal(erg_udp_open(x->b->s, xfer_server_cb, x, &x->srv), 0);
	assert_int_equal(erg_udp_bind(x->srv, ERG_IPV4_ANY, SINK_PORT), 0);
	assert_int_equal(erg_udp_open(x->a->s, xfer_client_cb, x, &x->cli), 0);
	assert_int_equal(erg_icmp_echo_send(x->a->s, x->b->addr, 9, 9, "", 0),
	    0);
	sim_run_for(sim, 10 * SIM_MS);
	sim_impair(sim, &rough);

	assert_true(sim_run_until(sim, xfer_step, x, 120 * SIM_SEC));
	for (i = 0; i < XFER_N; i++) {
		assert_true(x->got[i] >= 1);
	}
	assert_int_equal(x->bad, 0);
	/* Some attempts failed and were retried. */
	assert_true(x->sends > XFER_N);

	st = sim_wire_stats(sim);
	assert_true(st.lost > 0);
	assert_true(st.duplicated > 0);
	assert_true(st.reordered > 0);
	assert_true(st.corrupted > 0);
	assert_true(checksum_drops(sim) > 0);
	assert_true(sim_stat(x->b, ERG_STAT_IPV4_FRAG_DUP) > 0);
	assert_true(sim_stat(x->b, ERG_STAT_IPV4_REASM_OK) >= XFER_N);

	erg_udp_close(x->srv);
	erg_udp_close(x->cli);
	free(x->buf);
	free(x);
	sim_impair(sim, &clean);
	sim_run_for(sim, SIM_SEC);
	assert_int_equal(sim_stat(&sim->node[1], ERG_STAT_IPV4_REASM_IN_USE),
	    0);
	sim_assert_no_leaks(sim);
	sim_assert_wire_balanced(sim);
	sim_pass(sim);
}

/* ---- Every frame corrupted -------------------------------------------- */

/* Every counter B may use to drop a frame with one flipped bit. */
static const enum erg_stat drop_reasons[] = {
	ERG_STAT_ETHER_RUNT,
	ERG_STAT_ETHER_NOT_FOR_US,
	ERG_STAT_ETHER_MULTICAST,
	ERG_STAT_ETHER_BAD_SRC,
	ERG_STAT_ETHER_UNKNOWN_TYPE,
	ERG_STAT_IPV4_TRUNCATED,
	ERG_STAT_IPV4_BAD_VERSION,
	ERG_STAT_IPV4_BAD_HLEN,
	ERG_STAT_IPV4_BAD_LEN,
	ERG_STAT_IPV4_BAD_CHECKSUM,
	ERG_STAT_IPV4_BAD_SRC,
	ERG_STAT_IPV4_BAD_OPTION,
	ERG_STAT_IPV4_NOT_FOR_US,
	ERG_STAT_IPV4_UNKNOWN_PROTO,
	ERG_STAT_UDP_TRUNCATED,
	ERG_STAT_UDP_BAD_LEN,
	ERG_STAT_UDP_BAD_CHECKSUM,
	ERG_STAT_UDP_NO_PORT,
};

#define NREASONS (sizeof(drop_reasons) / sizeof(drop_reasons[0]))

static uint64_t
drops(const struct sim_node *n)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < NREASONS; i++) {
		sum += sim_stat(n, drop_reasons[i]);
	}
	return sum;
}

/* UDP datagrams refused after reaching UDP. */
static uint64_t
udp_bad(const struct sim_node *n)
{
	return sim_stat(n, ERG_STAT_UDP_BAD_CHECKSUM) +
	    sim_stat(n, ERG_STAT_UDP_BAD_LEN) +
	    sim_stat(n, ERG_STAT_UDP_TRUNCATED);
}

struct sink {
	struct sim_node *n;
	size_t size;
	unsigned got;
	unsigned bad;
};

/* Datagram i of size bytes: index in the first 4 bytes. */
static void
sink_fill(uint8_t *buf, size_t size, uint32_t i)
{
	sim_fill(buf, size, 0xC0 + i);
	erg_put_be32(buf, i);
}

static void
sink_cb(struct erg_udp_sock *u, unsigned events, void *ctx)
{
	struct sink *k = ctx;
	struct erg_udp_dgram d;
	uint8_t *want = malloc(k->size);

	(void)events;
	assert_non_null(want);
	while (erg_udp_recv(u, &d) == 0) {
		if (d.data.len == k->size) {
			sink_fill(want, k->size, erg_be32(d.data.p));
			if (memcmp(want, d.data.p, k->size) == 0) {
				k->got++;
			} else {
				k->bad++;
			}
		} else {
			k->bad++;
		}
		erg_pkt_free(k->n->s, d.pkt);
	}
	free(want);
}

/*
 * With one random bit flipped in every frame, each of 300 single-frame
 * datagrams B's wire delivers is either dropped under a named counter or,
 * when the flip hit a field no check covers (the source MAC), delivered
 * intact: the counts add up exactly and no damaged byte reaches the
 * socket. Then 3-fragment datagrams: damaged fragments reassemble, and
 * the UDP checksum over the whole datagram refuses the result.
 */
static void
test_corrupted_frames_are_counted_and_never_delivered(void **state)
{
	static const struct erg_loop_impair all_corrupt = { 0, 0, 0, 1000000,
		DELAY, 0 };
	struct sim *sim = *state;
	struct sim_node *a, *b;
	struct erg_udp_sock *ua, *ub;
	struct erg_loop_stats w0, w1;
	struct erg_config cfg;
	struct sink k;
	uint8_t buf[3000];
	uint64_t drops0, rx0, udp0, bad0, reasm0;
	unsigned i;

	frag_config(&cfg);
	sim_start(sim, "sim_frag_corrupt", 15, &clean);
	a = sim_add(sim, &cfg, 1);
	b = sim_add(sim, &cfg, 2);
	memset(&k, 0, sizeof(k));
	k.n = b;
	k.size = 200;
	assert_int_equal(erg_udp_open(b->s, sink_cb, &k, &ub), 0);
	assert_int_equal(erg_udp_bind(ub, ERG_IPV4_ANY, SINK_PORT), 0);
	assert_int_equal(erg_udp_open(a->s, NULL, NULL, &ua), 0);
	assert_int_equal(erg_icmp_echo_send(a->s, b->addr, 9, 9, "", 0), 0);
	sim_run_for(sim, 10 * SIM_MS);
	assert_int_equal(sim_stat(a, ERG_STAT_ICMP_ECHO_REPLY_RX), 1);

	sim_impair(sim, &all_corrupt);
	w0 = sim_wire_stats(sim);
	drops0 = drops(b);
	rx0 = sim_stat(b, ERG_STAT_NETIF_RX);
	for (i = 0; i < 300; i++) {
		sink_fill(buf, k.size, i);
		assert_int_equal(
		    erg_udp_sendto(ua, b->addr, SINK_PORT, buf, k.size), 0);
		sim_run_for(sim, SIM_MS);
	}
	sim_run_for(sim, 10 * SIM_MS);
	w1 = sim_wire_stats(sim);
	assert_int_equal(w1.corrupted - w0.corrupted, 300);
	assert_int_equal(w1.delivered - w0.delivered, 300);
	assert_int_equal(sim_stat(b, ERG_STAT_NETIF_RX) - rx0, 300);
	assert_int_equal(k.bad, 0);
	assert_int_equal(drops(b) - drops0 + k.got, 300);
	/* A single flipped bit is caught by every layer's check. */
	assert_true(sim_stat(b, ERG_STAT_IPV4_BAD_CHECKSUM) > 0);
	assert_true(sim_stat(b, ERG_STAT_UDP_BAD_CHECKSUM) > 0);
	assert_true(sim_stat(b, ERG_STAT_ETHER_NOT_FOR_US) > 0);
	assert_true(k.got < 300 / 10);
	/* B answered nothing: no error about a frame it could not trust. */
	assert_int_equal(sim_stat(b, ERG_STAT_ICMP_ERR_TX), 0);

	/*
	 * Fragmented: 2992 + 8 bytes is three fragments. Every datagram
	 * that reassembles reaches UDP; the checksum over all of it lets
	 * through only those whose three flips all missed the data.
	 */
	k.size = 2992;
	k.got = 0;
	udp0 = sim_stat(b, ERG_STAT_UDP_RX);
	bad0 = udp_bad(b);
	reasm0 = sim_stat(b, ERG_STAT_IPV4_REASM_OK);
	for (i = 0; i < 100; i++) {
		sink_fill(buf, k.size, i);
		assert_int_equal(
		    erg_udp_sendto(ua, b->addr, SINK_PORT, buf, k.size), 0);
		sim_run_for(sim, 300 * SIM_MS);
	}
	assert_int_equal(k.bad, 0);
	assert_true(sim_stat(b, ERG_STAT_IPV4_REASM_OK) > reasm0);
	assert_int_equal(sim_stat(b, ERG_STAT_IPV4_REASM_OK) - reasm0,
	    sim_stat(b, ERG_STAT_UDP_RX) - udp0);
	assert_int_equal(sim_stat(b, ERG_STAT_UDP_RX) - udp0,
	    udp_bad(b) - bad0 + k.got);
	assert_true(udp_bad(b) > bad0);

	erg_udp_close(ua);
	erg_udp_close(ub);
	sim_impair(sim, &clean);
	sim_run_for(sim, SIM_SEC);
	sim_assert_no_leaks(sim);
	sim_assert_wire_balanced(sim);
	sim_pass(sim);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_udp_echo_fragmented_up_to_65507_byte_for_byte,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_ping_65000_both_ways_fragmented, sim_setup,
		    sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_ping_65000_both_ways_through_impairments, sim_setup,
		    sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_udp_64k_transfer_through_impairments_byte_for_byte,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_corrupted_frames_are_counted_and_never_delivered,
		    sim_setup, sim_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
