/*
 * bench/bench_cksum.c: the RFC 1071 checksum, erg's 64-bit unrolled
 * implementation against the plain 16-bit loop of RFC 1071 section 4.1
 * (erg_cksum_ref), on 1448-byte chunks (one TCP segment's payload) and on
 * 64 KiB buffers, from cache. Prints BENCH.md-style lines and appends JSON
 * records to the file named by argv[1] (if given).
 *
 * Never fails on speed; it fails only if the two implementations disagree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "erg/checksum.h"

#define RUNS 5

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

typedef uint16_t (*cksum_fn)(const void *, size_t);

/* GB/s of one run: enough iterations for ~0.2 s. */
static double
run_once(cksum_fn fn, const uint8_t *buf, size_t len, volatile uint16_t *sink)
{
	size_t iters = (size_t)(400e6 / (double)len), i;
	double t0 = now_s(), t1;
	uint16_t acc = 0;

	for (i = 0; i < iters; i++)
		acc ^= fn(buf + (i & 7), len);
	t1 = now_s();
	*sink = acc;
	return (double)iters * (double)len / (t1 - t0) / 1e9;
}

static void
bench(FILE *json, const char *name, cksum_fn fn, const uint8_t *buf, size_t len)
{
	volatile uint16_t sink;
	double r[RUNS];
	int i;

	for (i = 0; i < RUNS; i++)
		r[i] = run_once(fn, buf, len, &sink);
	qsort(r, RUNS, sizeof(r[0]), cmp_double);
	printf("bench: %-30s %6.2f GB/s  (min %.2f, max %.2f, %d runs)\n", name,
	    r[RUNS / 2], r[0], r[RUNS - 1], RUNS);
	if (json != NULL)
		fprintf(json,
		    "{\"name\": \"%s\", \"unit\": \"GB/s\", "
		    "\"median\": %.3f, \"min\": %.3f, \"max\": %.3f, "
		    "\"runs\": %d}\n",
		    name, r[RUNS / 2], r[0], r[RUNS - 1], RUNS);
}

int
main(int argc, char **argv)
{
	static uint8_t buf[65536 + 8];
	FILE *json = NULL;
	size_t i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 131u + 7u);
	for (i = 0; i < 4096; i++) {
		size_t len = i % 1600, off = i % 8;

		if (erg_cksum(buf + off, len) !=
		    erg_cksum_ref(buf + off, len)) {
			fprintf(stderr, "bench: checksum mismatch len %zu\n",
			    len);
			return 1;
		}
	}
	if (argc > 1 && (json = fopen(argv[1], "a")) == NULL) {
		perror(argv[1]);
		return 1;
	}
	bench(json, "cksum erg 1448 B", erg_cksum, buf, 1448);
	bench(json, "cksum rfc1071-loop 1448 B", erg_cksum_ref, buf, 1448);
	bench(json, "cksum erg 64 KiB", erg_cksum, buf, 65536);
	bench(json, "cksum rfc1071-loop 64 KiB", erg_cksum_ref, buf, 65536);
	if (json != NULL)
		fclose(json);
	return 0;
}
