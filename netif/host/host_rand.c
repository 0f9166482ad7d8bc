/*
 * netif/host/host_rand.c: random sources for erg_config.rand (see
 * erg_host.h).
 *
 * The seeded generator is splitmix64 (Steele, Lea and Flood, OOPSLA 2014),
 * as in netif/loop: tiny, and its stream is the same on every platform and
 * libc, unlike rand(), which is what makes a seeded pcap replay produce the
 * same bytes everywhere. It is not a CSPRNG: a seeded stack has guessable
 * IP IDs, ports and keys, which is the point of seeding (tests, replays)
 * and the reason live tools use getrandom(2) unless told --seed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "erg_host.h"

void
erg_host_rand_seed(struct erg_host_rand *r, uint64_t seed)
{
	r->state = seed;
	r->seeded = true;
}

void
erg_host_rand_system(struct erg_host_rand *r)
{
	r->state = 0;
	r->seeded = false;
}

static uint64_t
host_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Reads all of len bytes from /dev/urandom; false if it cannot. */
static bool
host_urandom(uint8_t *p, size_t len)
{
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		return false;
	}
	while (len > 0) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			(void)close(fd);
			return false;
		}
		p += n;
		len -= (size_t)n;
	}
	(void)close(fd);
	return true;
}

static void
host_system_bytes(uint8_t *p, size_t len)
{
	while (len > 0) {
		/* getrandom returns at most 33554431 bytes per call. */
		ssize_t n = getrandom(p, len, 0);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0 && errno == ENOSYS && host_urandom(p, len)) {
			return;
		}
		if (n <= 0) {
			/* erg_rand_fn must not fail: see erg_host.h. */
			fprintf(stderr,
			    "erg: no system randomness "
			    "(getrandom: %s, /dev/urandom "
			    "unreadable)\n",
			    strerror(errno));
			exit(1);
		}
		p += n;
		len -= (size_t)n;
	}
}

void
erg_host_rand(void *ctx, void *buf, size_t len)
{
	struct erg_host_rand *r = ctx;
	uint8_t *p = buf;

	if (!r->seeded) {
		host_system_bytes(p, len);
		return;
	}
	/* Little-endian bytes of each draw: the same on every host. */
	while (len > 0) {
		uint64_t v = host_splitmix64(&r->state);
		size_t i;

		for (i = 0; i < 8 && len > 0; i++, len--) {
			*p++ = (uint8_t)(v >> (8 * i));
		}
	}
}
