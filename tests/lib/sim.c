/*
 * tests/lib/sim.c: see sim.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim.h"
#include "testnet.h"

/* ---- Fixtures ----------------------------------------------------------- */

int
sim_setup(void **state)
{
	struct sim *sim = calloc(1, sizeof(*sim));

	if (sim == NULL) {
		return -1;
	}
	*state = sim;
	return 0;
}

static void
sim_print_stat(void *ctx, const char *name, uint64_t value)
{
	(void)ctx;
	if (value != 0) {
		fprintf(stderr, "    %-28s %llu\n", name,
		    (unsigned long long)value);
	}
}

/* What a failed test leaves behind to debug it. */
static void
sim_report(const struct sim *sim)
{
	struct erg_loop_stats st;
	unsigned i;

	fprintf(stderr, "sim %s: %s at t=%llu us after %llu steps\n", sim->name,
	    sim->passed ? "passed" : "FAILED", (unsigned long long)sim->now,
	    (unsigned long long)sim->steps);
	for (i = 0; i < sim->n; i++) {
		const struct sim_node *n = &sim->node[i];

		fprintf(stderr, "  host %u (pool in use %u, baseline %u):\n",
		    n->host, erg_stack_pool_in_use(n->s), n->baseline);
		erg_stack_stats_foreach(n->s, sim_print_stat, NULL);
	}
	if (sim->w != NULL) {
		erg_loop_wire_stats(sim->w, &st);
		fprintf(stderr,
		    "  wire: sent %llu copies %llu delivered %llu "
		    "lost %llu dup %llu reord %llu corrupt %llu filtered %llu "
		    "nobuf %llu toobig %llu no_dst %llu pending %zu\n",
		    (unsigned long long)st.sent, (unsigned long long)st.copies,
		    (unsigned long long)st.delivered,
		    (unsigned long long)st.lost,
		    (unsigned long long)st.duplicated,
		    (unsigned long long)st.reordered,
		    (unsigned long long)st.corrupted,
		    (unsigned long long)st.filtered,
		    (unsigned long long)st.rx_nobuf,
		    (unsigned long long)st.rx_toobig,
		    (unsigned long long)st.no_dst,
		    erg_loop_wire_pending(sim->w));
	}
	if (sim->pcap[0] != '\0' && !sim->passed) {
		fprintf(stderr, "  pcap kept: %s\n", sim->pcap);
	}
}

int
sim_teardown(void **state)
{
	struct sim *sim = *state;
	unsigned i;

	if (sim == NULL) {
		return 0;
	}
	if ((!sim->passed || getenv("SIM_VERBOSE") != NULL) &&
	    sim->name[0] != '\0') {
		sim_report(sim);
	}
	/* Closes the pcap file too; no stack is called after this. */
	erg_loop_wire_free(sim->w);
	if (sim->passed && sim->pcap[0] != '\0' &&
	    getenv("SIM_KEEP_PCAP") == NULL) {
		(void)remove(sim->pcap);
	}
	for (i = 0; i < sim->n; i++) {
		free(sim->node[i].arena);
	}
	for (i = 0; i < sim->nallocs; i++) {
		free(sim->allocs[i]);
	}
	free(sim->allocs);
	free(sim->log);
	free(sim);
	*state = NULL;
	return 0;
}

void *
sim_calloc(struct sim *sim, size_t n, size_t size)
{
	void **a = realloc(sim->allocs, (sim->nallocs + 1) * sizeof(*a));
	void *p;

	assert_non_null(a);
	sim->allocs = a;
	p = calloc(n != 0 ? n : 1, size != 0 ? size : 1);
	assert_non_null(p);
	sim->allocs[sim->nallocs++] = p;
	return p;
}

/* ---- Setup -------------------------------------------------------------- */

/* mkdir -p for a relative or absolute path; errors are ignored. */
static void
sim_mkdirs(const char *dir)
{
	char buf[256];
	size_t i, len = strlen(dir);

	if (len == 0 || len >= sizeof(buf)) {
		return;
	}
	memcpy(buf, dir, len + 1);
	for (i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0') {
			continue;
		}
		buf[i] = '\0';
		if (mkdir(buf, 0777) < 0 && errno != EEXIST) {
			return;
		}
		buf[i] = i < len ? '/' : '\0';
	}
}

void
sim_start(struct sim *sim, const char *name, uint64_t seed,
    const struct erg_loop_impair *imp)
{
	const char *dir = getenv("SIM_PCAP_DIR");
	int n;

	if (dir == NULL || dir[0] == '\0') {
		dir = "build/sim";
	}
	snprintf(sim->name, sizeof(sim->name), "%s", name);
	sim->seed = seed;
	sim->now = 0;
	sim->w = erg_loop_wire_new(seed, imp);
	assert_non_null(sim->w);
	sim_mkdirs(dir);
	n = snprintf(sim->pcap, sizeof(sim->pcap), "%s/%s.pcap", dir, name);
	if (n <= 0 || (size_t)n >= sizeof(sim->pcap) ||
	    erg_loop_wire_pcap(sim->w, sim->pcap) < 0) {
		fprintf(stderr, "sim %s: cannot write %s; no pcap\n", name,
		    sim->pcap);
		sim->pcap[0] = '\0';
	}
}

void
sim_impair(struct sim *sim, const struct erg_loop_impair *imp)
{
	erg_loop_wire_impair_set(sim->w, imp);
}

uint32_t
sim_addr(unsigned host)
{
	return ERG_IPV4(198, 18, 0, host);
}

struct sim_node *
sim_add(struct sim *sim, const struct erg_config *cfg, unsigned host)
{
	return sim_add_mtu(sim, cfg, host, 1500);
}

struct sim_node *
sim_add_mtu(struct sim *sim, const struct erg_config *cfg, unsigned host,
    uint16_t mtu)
{
	struct erg_config c;
	struct sim_node *n;
	size_t len;

	assert_true(sim->n < SIM_MAX_NODES);
	assert_true(host >= 1 && host <= 254);
	n = &sim->node[sim->n];
	memset(n, 0, sizeof(*n));
	if (cfg != NULL) {
		c = *cfg;
	} else {
		erg_config_default(&c);
	}
	n->host = host;
	n->rng = sim->seed * 0x100000001b3ull + host;
	c.rand = tn_rand;
	c.rand_ctx = &n->rng;
	len = erg_arena_size(&c);
	assert_true(len > 0);
	n->arena = aligned_alloc(16, (len + 15) & ~(size_t)15);
	assert_non_null(n->arena);
	sim->n++; /* from here on teardown frees the arena */
	assert_int_equal(erg_stack_init(&n->s, n->arena, len, &c, sim->now), 0);
	n->mac[0] = 0x02;
	n->mac[5] = (uint8_t)host;
	n->port = sim->n - 1;
	assert_int_equal(
	    erg_loop_attach(sim->w, n->s, n->mac, mtu, &n->ifindex), 0);
	n->addr = sim_addr(host);
	assert_int_equal(erg_ipv4_addr_set(n->s, n->ifindex, n->addr, 24), 0);
	n->baseline = erg_stack_pool_in_use(n->s);
	return n;
}

/* ---- Frame log ---------------------------------------------------------- */

/*
 * Fills f's IPv4 and TCP fields from the IP packet p (a frame as a stack
 * sent it, so well formed, but checked anyway: the fields stay 0 unless
 * every length fits).
 */
static void
sim_parse_ip(struct sim_frame *f, const uint8_t *p, size_t len)
{
	size_t ihl, tot, thl;

	if (len < 20 || (p[0] >> 4) != 4) {
		return;
	}
	ihl = (size_t)(p[0] & 0x0f) * 4;
	tot = erg_be16(p + 2);
	if (ihl < 20 || tot < ihl || tot > len) {
		return;
	}
	/* Later fragments carry no transport header. */
	if ((erg_be16(p + 6) & 0x1fff) != 0) {
		return;
	}
	f->ip_proto = p[9];
	f->ip_src = erg_be32(p + 12);
	f->ip_dst = erg_be32(p + 16);
	if (f->ip_proto != 6 || tot - ihl < ERG_TCP_HDR_LEN) {
		return;
	}
	p += ihl;
	thl = (size_t)(p[12] >> 4) * 4;
	if (thl < ERG_TCP_HDR_LEN || thl > tot - ihl) {
		return;
	}
	f->tcp_hdr = (uint8_t)thl;
	f->sport = erg_be16(p);
	f->dport = erg_be16(p + 2);
	f->seq = erg_be32(p + 4);
	f->ack = erg_be32(p + 8);
	f->tcp_flags = p[13];
	f->win = erg_be16(p + 14);
	f->tcp_len = tot - ihl - thl;
}

static bool
sim_filter(void *ctx, unsigned from, unsigned to, const uint8_t *frame,
    size_t len, uint64_t now_us)
{
	struct sim *sim = ctx;
	struct sim_frame *f, scratch;

	if (sim->nolog) {
		f = &scratch;
	} else {
		if (sim->nlog == sim->caplog) {
			size_t cap = sim->caplog != 0 ? sim->caplog * 2 : 256;
			struct sim_frame *p =
			    realloc(sim->log, cap * sizeof(*p));

			if (p == NULL) {
				abort();
			}
			sim->log = p;
			sim->caplog = cap;
		}
		f = &sim->log[sim->nlog++];
	}
	memset(f, 0, sizeof(*f));
	f->t = now_us;
	f->from = from;
	f->to = to;
	f->len = len;
	if (len >= ERG_ETHER_HDR_LEN) {
		memcpy(f->dst, frame, 6);
		f->type = erg_be16(frame + 12);
	}
	if (f->type == ERG_ETHERTYPE_ARP &&
	    len >= ERG_ETHER_HDR_LEN + ERG_ARP_LEN) {
		f->arp_op = erg_be16(frame + 14 + 6);
		f->arp_spa = erg_be32(frame + 14 + 14);
		f->arp_tpa = erg_be32(frame + 14 + 24);
	}
	if (f->type == ERG_ETHERTYPE_IPV4) {
		sim_parse_ip(f, frame + ERG_ETHER_HDR_LEN,
		    len - ERG_ETHER_HDR_LEN);
	}
	f->dropped = sim->drop != NULL && sim->drop(sim->drop_ctx, f);
	return f->dropped;
}

void
sim_log_start(struct sim *sim, sim_drop_fn drop, void *ctx)
{
	sim->drop = drop;
	sim->drop_ctx = ctx;
	sim->nolog = false;
	erg_loop_wire_filter_set(sim->w, sim_filter, sim);
}

void
sim_drop_set(struct sim *sim, sim_drop_fn drop, void *ctx)
{
	sim->drop = drop;
	sim->drop_ctx = ctx;
	sim->nolog = true;
	erg_loop_wire_filter_set(sim->w, sim_filter, sim);
}

bool
sim_inject(struct sim *sim, struct sim_node *n, const void *frame, size_t len)
{
	struct erg_pkt *pkt = erg_pkt_alloc(n->s);

	if (pkt == NULL) {
		return false;
	}
	assert_true(len <= pkt->cap - pkt->head);
	memcpy(erg_pkt_data(pkt), frame, len);
	pkt->len = (uint32_t)len;
	erg_netif_input(n->s, n->ifindex, pkt, sim->now);
	return true;
}

/* ---- Running ------------------------------------------------------------ */

void
sim_wake_at(struct sim *sim, uint64_t t)
{
	if (t < sim->wake) {
		sim->wake = t;
	}
}

/* Polls every stack at sim->now; returns the earliest deadline. */
static uint64_t
sim_poll_all(struct sim *sim)
{
	uint64_t next = ERG_TIME_NEVER;
	unsigned i;

	for (i = 0; i < sim->n; i++) {
		uint64_t d = erg_stack_poll(sim->node[i].s, sim->now);

		if (d < next) {
			next = d;
		}
	}
	return next;
}

bool
sim_run_until(struct sim *sim, sim_done_fn done, void *ctx, uint64_t for_us)
{
	uint64_t end = sim->now + for_us;
	uint32_t steps;

	for (steps = 0; steps < SIM_MAX_STEPS; steps++) {
		uint64_t next, t;

		sim->steps++;
		erg_loop_wire_run(sim->w, sim->now);
		(void)sim_poll_all(sim);
		sim->wake = ERG_TIME_NEVER;
		if (done != NULL && done(sim, ctx)) {
			return true;
		}
		/* Poll again: done() may have armed timers (ARP, ...). */
		next = sim_poll_all(sim);
		t = erg_loop_wire_next(sim->w);
		if (t < next) {
			next = t;
		}
		if (sim->wake < next) {
			next = sim->wake;
		}
		if (sim->now >= end) {
			return false;
		}
		if (next <= sim->now) {
			next = sim->now + 1;
		}
		sim->now = next < end ? next : end;
	}
	fail_msg("sim %s: no end after %u steps at t=%llu us (livelock?)",
	    sim->name, SIM_MAX_STEPS, (unsigned long long)sim->now);
	return false;
}

void
sim_run_to(struct sim *sim, uint64_t t)
{
	assert_true(t >= sim->now);
	(void)sim_run_until(sim, NULL, NULL, t - sim->now);
	assert_true(sim->now == t);
}

void
sim_run_for(struct sim *sim, uint64_t us)
{
	sim_run_to(sim, sim->now + us);
}

/* ---- Checks ------------------------------------------------------------- */

uint64_t
sim_stat(const struct sim_node *n, enum erg_stat id)
{
	return erg_stat_get(n->s, id);
}

void
sim_assert_no_leaks(const struct sim *sim)
{
	unsigned i;

	for (i = 0; i < sim->n; i++) {
		const struct sim_node *n = &sim->node[i];
		uint32_t in_use = erg_stack_pool_in_use(n->s);

		if (in_use != n->baseline) {
			fail_msg("host %u: %u pool entries in use, baseline %u "
			         "(pkt %llu, reasm %llu, udp %llu, tcp conns "
			         "%llu, listeners %llu)",
			    n->host, in_use, n->baseline,
			    (unsigned long long)sim_stat(n,
			        ERG_STAT_PKT_IN_USE),
			    (unsigned long long)sim_stat(n,
			        ERG_STAT_IPV4_REASM_IN_USE),
			    (unsigned long long)sim_stat(n,
			        ERG_STAT_UDP_SOCKS_IN_USE),
			    (unsigned long long)sim_stat(n,
			        ERG_STAT_TCP_CONNS_IN_USE),
			    (unsigned long long)sim_stat(n,
			        ERG_STAT_TCP_LISTENERS_IN_USE));
		}
	}
}

void
sim_pass(struct sim *sim)
{
	sim->passed = true;
}

struct erg_loop_stats
sim_wire_stats(const struct sim *sim)
{
	struct erg_loop_stats st;

	erg_loop_wire_stats(sim->w, &st);
	return st;
}

void
sim_assert_wire_balanced(const struct sim *sim)
{
	struct erg_loop_stats st = sim_wire_stats(sim);

	assert_int_equal(erg_loop_wire_pending(sim->w), 0);
	assert_int_equal(st.copies + st.duplicated,
	    st.filtered + st.lost + st.queue_full + st.rx_nobuf + st.rx_toobig +
	        st.delivered);
}

/* ---- Data --------------------------------------------------------------- */

uint64_t
sim_hash_more(uint64_t h, const void *p, size_t len)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull; /* the 64-bit FNV prime */
	}
	return h;
}

uint64_t
sim_hash(const void *p, size_t len)
{
	return sim_hash_more(SIM_HASH_INIT, p, len);
}

void
sim_fill(void *buf, size_t len, uint64_t seed)
{
	uint64_t st = seed;

	tn_rand(&st, buf, len);
}

/*
 * Byte i of stream seed is byte i % 8 (little-endian) of a splitmix64
 * output for word i / 8, so any range is cheap to regenerate.
 */
static uint64_t
sim_stream_word(uint64_t seed, uint64_t w)
{
	uint64_t z = seed + (w + 1) * 0x9e3779b97f4a7c15ull;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void
sim_stream_fill(void *buf, size_t len, uint64_t seed, uint64_t off)
{
	uint8_t *b = buf;
	size_t i = 0;

	/* Head up to a word boundary, whole words, then the tail. */
	while (i < len && ((off + i) & 7) != 0) {
		b[i] = (uint8_t)(sim_stream_word(seed, (off + i) >> 3) >>
		    (8 * ((off + i) & 7)));
		i++;
	}
	for (; len - i >= 8; i += 8) {
		uint64_t z = sim_stream_word(seed, (off + i) >> 3);
		unsigned k;

		for (k = 0; k < 8; k++) {
			b[i + k] = (uint8_t)(z >> (8 * k));
		}
	}
	for (; i < len; i++) {
		b[i] = (uint8_t)(sim_stream_word(seed, (off + i) >> 3) >>
		    (8 * ((off + i) & 7)));
	}
}

uint64_t
sim_stream_hash(uint64_t seed, uint64_t len)
{
	uint8_t buf[16384];
	uint64_t h = SIM_HASH_INIT, off = 0;

	while (off < len) {
		size_t n =
		    len - off < sizeof(buf) ? (size_t)(len - off) : sizeof(buf);

		sim_stream_fill(buf, n, seed, off);
		h = sim_hash_more(h, buf, n);
		off += n;
	}
	return h;
}

/* ---- TCP applications --------------------------------------------------- */

#define SIM_APP_CHUNK 16384u /* bytes per copying read or write */
#define SIM_APP_VIEWS 8u     /* views per peek */

void
sim_app_init(struct sim_app *a, struct sim *sim, uint64_t tx_seed,
    uint64_t tx_total)
{
	memset(a, 0, sizeof(*a));
	a->sim = sim;
	a->tx_seed = tx_seed;
	a->tx_total = tx_total;
	a->tx_hash = SIM_HASH_INIT;
	a->rx_hash = SIM_HASH_INIT;
}

static void
sim_app_io_err(struct sim_app *a, long rc)
{
	if (a->io_err == 0) {
		a->io_err = (int)rc;
	}
}

/* Copies: generate the next bytes, offer them, hash what was taken. */
static void
sim_app_write(struct sim_app *a)
{
	uint8_t buf[SIM_APP_CHUNK];

	while (a->tx_done < a->tx_total) {
		uint64_t left = a->tx_total - a->tx_done;
		size_t n = left < sizeof(buf) ? (size_t)left : sizeof(buf);
		long rc;

		sim_stream_fill(buf, n, a->tx_seed, a->tx_done);
		rc = erg_tcp_write(a->c, buf, n);
		if (rc == -ERG_EAGAIN) {
			return;
		}
		if (rc <= 0) {
			sim_app_io_err(a, rc);
			return;
		}
		assert_true((size_t)rc <= n);
		a->tx_hash = sim_hash_more(a->tx_hash, buf, (size_t)rc);
		a->tx_done += (uint64_t)rc;
	}
}

/* Zero copy: generate straight into the ring's free space, commit. */
static void
sim_app_commit(struct sim_app *a)
{
	while (a->tx_done < a->tx_total) {
		struct erg_wview w[2];
		size_t n = 0;
		int k, i, rc;

		k = erg_tcp_reserve(a->c, w);
		if (k <= 0) {
			if (k < 0) {
				sim_app_io_err(a, k);
			}
			return;
		}
		assert_true(k <= 2);
		for (i = 0; i < k && a->tx_done + n < a->tx_total; i++) {
			uint64_t left = a->tx_total - a->tx_done - n;
			size_t m = left < w[i].len ? (size_t)left : w[i].len;

			sim_stream_fill(w[i].p, m, a->tx_seed, a->tx_done + n);
			a->tx_hash = sim_hash_more(a->tx_hash, w[i].p, m);
			n += m;
		}
		rc = erg_tcp_commit(a->c, n);
		if (rc != 0) {
			/* What was hashed was not queued: the test fails. */
			sim_app_io_err(a, rc);
			fail_msg("erg_tcp_commit(%zu) = %d", n, rc);
			return;
		}
		a->tx_done += n;
	}
}

static void
sim_app_send(struct sim_app *a)
{
	if (a->tx_zc) {
		sim_app_commit(a);
	} else {
		sim_app_write(a);
	}
	if (a->c != NULL && a->tx_done == a->tx_total && a->tx_shut &&
	    !a->tx_shut_done) {
		assert_int_equal(erg_tcp_shutdown(a->c), 0);
		a->tx_shut_done = true;
	}
}

static void
sim_app_read(struct sim_app *a)
{
	uint8_t buf[SIM_APP_CHUNK];

	for (;;) {
		long rc = erg_tcp_read(a->c, buf, sizeof(buf));

		if (rc == -ERG_EAGAIN) {
			return;
		}
		if (rc == 0) {
			a->rx_eof = true;
			return;
		}
		if (rc < 0) {
			sim_app_io_err(a, rc);
			return;
		}
		assert_true((size_t)rc <= sizeof(buf));
		a->rx_hash = sim_hash_more(a->rx_hash, buf, (size_t)rc);
		a->rx_done += (uint64_t)rc;
	}
}

static void
sim_app_peek(struct sim_app *a)
{
	for (;;) {
		struct erg_view v[SIM_APP_VIEWS];
		size_t n = 0;
		int k, i;

		k = erg_tcp_peek(a->c, v, SIM_APP_VIEWS);
		if (k < 0) {
			sim_app_io_err(a, k);
			return;
		}
		if (k == 0) {
			/* Nothing now; after the FIN, the end of stream. */
			if ((a->ev & ERG_TCP_EV_PEER_CLOSED) != 0) {
				a->rx_eof = true;
			}
			return;
		}
		assert_true(k <= (int)SIM_APP_VIEWS);
		for (i = 0; i < k; i++) {
			assert_true(v[i].len > 0);
			a->rx_hash =
			    sim_hash_more(a->rx_hash, v[i].p, v[i].len);
			n += v[i].len;
		}
		assert_true(n <= erg_tcp_readable(a->c));
		assert_int_equal(erg_tcp_consume(a->c, n), 0);
		a->rx_done += n;
	}
}

static bool
sim_app_should_close(const struct sim_app *a)
{
	bool sent =
	    a->tx_done == a->tx_total && (!a->tx_shut || a->tx_shut_done);

	switch (a->close) {
	case SIM_CLOSE_DONE:
		return sent && a->rx_done >= a->rx_want;
	case SIM_CLOSE_EOF:
		return sent && a->rx_eof;
	default:
		return false;
	}
}

void
sim_app_pump(struct sim_app *a)
{
	if (a->c == NULL) {
		return;
	}
	if (!a->rx_hold) {
		if (a->rx_zc) {
			sim_app_peek(a);
		} else {
			sim_app_read(a);
		}
	}
	sim_app_send(a);
	if (a->c != NULL && sim_app_should_close(a)) {
		sim_app_close(a);
	}
}

void
sim_app_cb(struct erg_tcp_conn *c, unsigned events, void *ctx)
{
	struct sim_app *a = ctx;

	/* No callback may come after close or abort. */
	assert_false(a->closed);
	assert_true(a->c == NULL || a->c == c);
	a->c = c;
	a->ev |= events;
	a->n_cb++;
	if ((events & ERG_TCP_EV_CONNECTED) != 0) {
		a->n_connected++;
	}
	if ((events & ERG_TCP_EV_PEER_CLOSED) != 0) {
		a->n_peer_closed++;
	}
	if ((events & (ERG_TCP_EV_RESET | ERG_TCP_EV_TIMEDOUT)) != 0) {
		if ((events & ERG_TCP_EV_RESET) != 0) {
			a->n_reset++;
		}
		if ((events & ERG_TCP_EV_TIMEDOUT) != 0) {
			a->n_timedout++;
		}
		if (a->err == 0) {
			a->err = erg_tcp_error(c);
			a->t_end = a->sim != NULL ? a->sim->now : 0;
		}
		return;
	}
	sim_app_pump(a);
}

void
sim_app_close(struct sim_app *a)
{
	assert_non_null(a->c);
	erg_tcp_close(a->c);
	a->c = NULL;
	a->closed = true;
	if (a->t_end == 0 && a->sim != NULL) {
		a->t_end = a->sim->now;
	}
}

void
sim_app_abort(struct sim_app *a)
{
	assert_non_null(a->c);
	erg_tcp_abort(a->c);
	a->c = NULL;
	a->closed = true;
	if (a->t_end == 0 && a->sim != NULL) {
		a->t_end = a->sim->now;
	}
}

void
sim_app_accept(struct erg_tcp_listener *l, struct sim_app *a)
{
	struct erg_tcp_conn *c = NULL;

	assert_int_equal(erg_tcp_accept(l, sim_app_cb, a, &c), 0);
	assert_non_null(c);
	a->c = c;
	/* Data may have come with the handshake: no event says so again. */
	sim_app_pump(a);
}

bool
sim_app_finished(const struct sim_app *a, uint64_t rx_total)
{
	return a->tx_done == a->tx_total && a->rx_done == rx_total;
}

struct sim_pair {
	struct erg_tcp_listener *l;
	struct sim_app *ca;
	struct sim_app *cb;
};

static bool
sim_pair_done(struct sim *sim, void *ctx)
{
	struct sim_pair *p = ctx;
	struct erg_tcp_info info;

	(void)sim;
	if (p->cb->c == NULL &&
	    erg_tcp_accept(p->l, sim_app_cb, p->cb, &p->cb->c) == 0) {
		sim_app_pump(p->cb);
	}
	if (p->cb->c == NULL || p->ca->n_connected == 0) {
		return false;
	}
	erg_tcp_info(p->cb->c, &info);
	return info.state == ERG_TCP_ESTABLISHED;
}

void
sim_tcp_pair(struct sim *sim, struct sim_node *a, struct sim_node *b,
    uint16_t port, struct sim_app *ca, struct sim_app *cb)
{
	struct sim_pair p;

	memset(&p, 0, sizeof(p));
	p.ca = ca;
	p.cb = cb;
	assert_int_equal(
	    erg_tcp_listen(b->s, ERG_IPV4_ANY, port, 0, NULL, NULL, &p.l), 0);
	assert_int_equal(
	    erg_tcp_connect(a->s, b->addr, port, 0, sim_app_cb, ca, &ca->c), 0);
	assert_true(sim_run_until(sim, sim_pair_done, &p, 10 * SIM_SEC));
	erg_tcp_listener_close(p.l);
}

uint64_t
sim_conns(const struct sim_node *n)
{
	return sim_stat(n, ERG_STAT_TCP_CONNS_IN_USE);
}

static bool
sim_no_conns(struct sim *sim, void *ctx)
{
	unsigned i;

	(void)ctx;
	for (i = 0; i < sim->n; i++) {
		if (sim_conns(&sim->node[i]) != 0) {
			return false;
		}
	}
	return true;
}

bool
sim_run_until_no_conns(struct sim *sim, uint64_t for_us)
{
	return sim_run_until(sim, sim_no_conns, NULL, for_us);
}
