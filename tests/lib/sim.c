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
	free(sim->log);
	free(sim);
	*state = NULL;
	return 0;
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

static bool
sim_filter(void *ctx, unsigned from, unsigned to, const uint8_t *frame,
    size_t len, uint64_t now_us)
{
	struct sim *sim = ctx;
	struct sim_frame *f;

	if (sim->nlog == sim->caplog) {
		size_t cap = sim->caplog != 0 ? sim->caplog * 2 : 256;
		struct sim_frame *p = realloc(sim->log, cap * sizeof(*p));

		if (p == NULL) {
			abort();
		}
		sim->log = p;
		sim->caplog = cap;
	}
	f = &sim->log[sim->nlog++];
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
	f->dropped = sim->drop != NULL && sim->drop(sim->drop_ctx, f);
	return f->dropped;
}

void
sim_log_start(struct sim *sim, sim_drop_fn drop, void *ctx)
{
	sim->drop = drop;
	sim->drop_ctx = ctx;
	erg_loop_wire_filter_set(sim->w, sim_filter, sim);
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
			         "(pkt %llu, reasm %llu, udp %llu)",
			    n->host, in_use, n->baseline,
			    (unsigned long long)sim_stat(n,
			        ERG_STAT_PKT_IN_USE),
			    (unsigned long long)sim_stat(n,
			        ERG_STAT_IPV4_REASM_IN_USE),
			    (unsigned long long)sim_stat(n,
			        ERG_STAT_UDP_SOCKS_IN_USE));
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
