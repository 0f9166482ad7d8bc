/*
 * bench/bench_util.h: what the in-process benchmarks share (BENCH.md):
 * two erg stacks on one loop wire, the clock, and the report (a bench:
 * line per figure, and a JSON record appended to the file named on the
 * command line).
 *
 * Hosted, header-only (each bench/bench_*.c is one program).
 */
#ifndef ERG_BENCH_UTIL_H
#define ERG_BENCH_UTIL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "erg/erg.h"
#include "loop/erg_loop.h"

#define BENCH_RUNS 5

/* Host h is MAC 02:00:00:00:00:hh, 198.18.0.h/24 (RFC 2544 space). */
#define BENCH_ADDR(h) ERG_IPV4(198, 18, 0, (h))

struct bench_host {
	struct erg_stack *s;
	void *arena;
	size_t arena_len;
	uint64_t rng;
	unsigned ifx;
	uint32_t addr;
	uint32_t baseline; /* erg_stack_pool_in_use after setup */
};

/* Two stacks, A (host 1) and B (host 2), on a perfect wire. */
struct bench_net {
	struct erg_loop_wire *w;
	struct bench_host a;
	struct bench_host b;
	uint64_t now;  /* the stacks' time: the monotonic clock, in us */
	unsigned turn; /* turns of the host loop */
};

/*
 * The host loop reads the clock every BENCH_CLOCK_TURNS turns (a turn
 * takes well under a microsecond when busy), so that reading it (a vDSO
 * call, ~20 ns) does not weigh on the figures; the stacks' time still
 * follows the real clock to within a few microseconds, far below any of
 * their timers.
 */
#define BENCH_CLOCK_TURNS 16u

/*
 * Elapsed time, two ways: wall time (the monotonic clock), which the
 * figures are, as BENCH.md asks; and the thread's CPU time, which leaves
 * out the time other processes held the CPU. On a shared, noisy machine
 * the second moves far less between runs; the JSON records carry both.
 */
struct bench_time {
	double wall; /* seconds */
	double cpu;  /* seconds */
};

static inline double
bench_clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline struct bench_time
bench_time_now(void)
{
	struct bench_time t;

	t.wall = bench_clock_s(CLOCK_MONOTONIC);
	t.cpu = bench_clock_s(CLOCK_THREAD_CPUTIME_ID);
	return t;
}

/* The time since t0. */
static inline struct bench_time
bench_time_since(struct bench_time t0)
{
	struct bench_time t = bench_time_now();

	t.wall -= t0.wall;
	t.cpu -= t0.cpu;
	return t;
}

/*
 * True if the workload named (e.g. "W1") is to run: all of them, or
 * those $BENCH_ONLY lists (e.g. "W1,W3").
 */
static inline bool
bench_selected(const char *name)
{
	const char *only = getenv("BENCH_ONLY");

	return only == NULL || strstr(only, name) != NULL;
}

/* The monotonic clock in microseconds: the stacks' time. */
static inline uint64_t
bench_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* splitmix64 stands in for the platform's CSPRNG: runs repeat. */
static inline void
bench_rand(void *ctx, void *buf, size_t len)
{
	uint64_t *st = ctx;
	uint8_t *p = buf;

	while (len > 0) {
		uint64_t z = (*st += 0x9e3779b97f4a7c15ull);
		size_t k = len < 8 ? len : 8;

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		z ^= z >> 31;
		memcpy(p, &z, k);
		p += k;
		len -= k;
	}
}

static inline void
bench_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static inline void
bench_host_init(struct bench_net *n, struct bench_host *h, unsigned host,
    const struct erg_config *base, uint64_t now)
{
	uint8_t mac[6] = { 0x02, 0, 0, 0, 0, (uint8_t)host };
	struct erg_config cfg = *base;

	h->rng = 0x5eed0000u + host;
	cfg.rand = bench_rand;
	cfg.rand_ctx = &h->rng;
	h->arena_len = erg_arena_size(&cfg);
	if (h->arena_len == 0) {
		bench_die("invalid configuration");
	}
	h->arena = aligned_alloc(16, (h->arena_len + 15) & ~(size_t)15);
	h->addr = BENCH_ADDR(host);
	if (h->arena == NULL ||
	    erg_stack_init(&h->s, h->arena, h->arena_len, &cfg, now) != 0 ||
	    erg_loop_attach(n->w, h->s, mac, 1500, &h->ifx) != 0 ||
	    erg_ipv4_addr_set(h->s, h->ifx, h->addr, 24) != 0) {
		bench_die("cannot set up host %u", host);
	}
	h->baseline = erg_stack_pool_in_use(h->s);
}

/* A fresh wire (no impairment, no capture) with A and B on it. */
static inline void
bench_net_init(struct bench_net *n, const struct erg_config *cfg, uint64_t now)
{
	memset(n, 0, sizeof(*n));
	n->w = erg_loop_wire_new(1, NULL);
	if (n->w == NULL) {
		bench_die("no memory for the wire");
	}
	n->now = now;
	bench_host_init(n, &n->a, 1, cfg, now);
	bench_host_init(n, &n->b, 2, cfg, now);
}

static inline void
bench_net_free(struct bench_net *n)
{
	erg_loop_wire_free(n->w);
	free(n->a.arena);
	free(n->b.arena);
	memset(n, 0, sizeof(*n));
}

/* The stacks' time for this turn of the host loop. */
static inline uint64_t
bench_net_clock(struct bench_net *n)
{
	if (n->turn++ % BENCH_CLOCK_TURNS == 0) {
		uint64_t t = bench_now_us();

		if (t > n->now) {
			n->now = t;
		}
	}
	return n->now;
}

/*
 * One turn of the host loop: delivers what is due and runs both stacks'
 * timers, at the time bench_net_clock gives.
 */
static inline void
bench_net_step(struct bench_net *n)
{
	uint64_t now = bench_net_clock(n);

	erg_loop_wire_run(n->w, now);
	(void)erg_stack_poll(n->a.s, now);
	(void)erg_stack_poll(n->b.s, now);
}

/* Fails unless both stacks are back at their pool baseline. */
static inline void
bench_net_check_leaks(const struct bench_net *n, const char *what)
{
	if (erg_stack_pool_in_use(n->a.s) != n->a.baseline ||
	    erg_stack_pool_in_use(n->b.s) != n->b.baseline) {
		bench_die("%s: pool entries in use: A %u (baseline %u), "
		          "B %u (baseline %u)",
		    what, erg_stack_pool_in_use(n->a.s), n->a.baseline,
		    erg_stack_pool_in_use(n->b.s), n->b.baseline);
	}
}

static inline int
bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * Prints one figure as BENCH.md shows it: work / elapsed time of each
 * run, divided by scale (1e9 for Gbit/s of bits, ...), the median and the
 * range of the wall-time rates, with an optional suffix ("  copies/byte
 * 0.00"); and appends its JSON record, with the same of the CPU-time
 * rates and extra members (", \"k\": v" or NULL), to json.
 */
static inline void
bench_report(FILE *json, const char *name, const char *unit, double work,
    double scale, const struct bench_time *t, const char *suffix,
    const char *extra)
{
	double wall[BENCH_RUNS], cpu[BENCH_RUNS];
	const int n = BENCH_RUNS, m = BENCH_RUNS / 2;
	int i;

	for (i = 0; i < n; i++) {
		wall[i] = work / t[i].wall / scale;
		cpu[i] = work / t[i].cpu / scale;
	}
	qsort(wall, (size_t)n, sizeof(wall[0]), bench_cmp_double);
	qsort(cpu, (size_t)n, sizeof(cpu[0]), bench_cmp_double);
	printf("bench: %-30s %8.2f %s  (min %.2f, max %.2f, %d runs)%s\n", name,
	    wall[m], unit, wall[0], wall[n - 1], n,
	    suffix != NULL ? suffix : "");
	fflush(stdout);
	if (json != NULL) {
		fprintf(json,
		    "{\"name\": \"%s\", \"unit\": \"%s\", \"median\": %.4g, "
		    "\"min\": %.4g, \"max\": %.4g, \"runs\": %d, "
		    "\"cpu_median\": %.4g, \"cpu_min\": %.4g, "
		    "\"cpu_max\": %.4g%s}\n",
		    name, unit, wall[m], wall[0], wall[n - 1], n, cpu[m],
		    cpu[0], cpu[n - 1], extra != NULL ? extra : "");
		fflush(json);
	}
}

#endif
