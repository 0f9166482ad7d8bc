/*
 * netif/host/host_wait.c: the event-loop sleep (see erg_host.h).
 *
 * ppoll(2), not poll(2), for two reasons: its timespec timeout has
 * microsecond resolution, so a loop does not wake up to a millisecond
 * early and spin until a deadline; and it swaps the signal mask atomically,
 * which closes the race between "check the stop flag" and "sleep".
 */
#include <errno.h>
#include <poll.h>
#include <time.h>

#include "erg_host.h"

/* More fds than any erg program polls at once (one per interface). */
#define HOST_WAIT_MAX_FDS 64u

int
erg_host_wait(const int *fds, unsigned nfds, uint64_t deadline_us,
    const sigset_t *sigmask)
{
	struct pollfd pfd[HOST_WAIT_MAX_FDS];
	struct timespec ts, *tsp = NULL;
	unsigned i, n = 0;
	int rc;

	if (nfds > HOST_WAIT_MAX_FDS) {
		return -EINVAL;
	}
	for (i = 0; i < nfds; i++) {
		if (fds[i] >= 0) {
			pfd[n].fd = fds[i];
			pfd[n].events = POLLIN;
			pfd[n].revents = 0;
			n++;
		}
	}
	if (deadline_us != ERG_TIME_NEVER) {
		uint64_t now = erg_host_now_us();
		uint64_t wait = deadline_us > now ? deadline_us - now : 0;

		ts.tv_sec = (time_t)(wait / 1000000u);
		ts.tv_nsec = (long)(wait % 1000000u) * 1000;
		tsp = &ts;
	}
	rc = ppoll(pfd, n, tsp, sigmask);
	if (rc < 0) {
		return -errno;
	}
	return rc;
}
