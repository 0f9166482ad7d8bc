/*
 * netif/host/host_clock.c: the host clock (see erg_host.h).
 *
 * CLOCK_MONOTONIC, not CLOCK_REALTIME, drives stacks: erg requires a time
 * that never goes backwards, and an NTP step or a manual `date -s` must not
 * fire (or stall) every timer at once.
 */
#include <time.h>

#include "erg_host.h"

static uint64_t
host_ts_us(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000u + (uint64_t)ts->tv_nsec / 1000u;
}

uint64_t
erg_host_now_us(void)
{
	struct timespec ts;

	/* Cannot fail for CLOCK_MONOTONIC on Linux (POSIX requires it). */
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return host_ts_us(&ts);
}

int64_t
erg_host_wall_offset_us(void)
{
	struct timespec real, mono;

	(void)clock_gettime(CLOCK_REALTIME, &real);
	(void)clock_gettime(CLOCK_MONOTONIC, &mono);
	return (int64_t)host_ts_us(&real) - (int64_t)host_ts_us(&mono);
}
