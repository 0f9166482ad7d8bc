/*
 * tools/common/tool_link.c: opening the live driver and the event loop
 * (see tool_link.h).
 *
 * Signals: SIGINT and SIGTERM are blocked except while the loop sleeps in
 * ppoll (erg_host_wait's sigmask), so a signal either interrupts the sleep
 * or waits for it; it can never land between the check of the stop flag
 * and the sleep and leave the loop asleep until the next frame. The flag
 * is the one piece of process-global state in the tools: a signal handler
 * has nowhere else to put it.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "common/tool_link.h"

/* Without a pollable fd (some pcap platforms), look this often. */
#define TOOL_POLL_FALLBACK_US 10000u

static volatile sig_atomic_t tool_stop_signal;

static void
tool_on_signal(int sig)
{
	tool_stop_signal = sig;
}

/*
 * Blocks SIGINT and SIGTERM, routes them to tool_on_signal, and fills
 * *wait_mask with the mask to sleep under (the same, with both unblocked).
 */
static void
tool_signals_catch(sigset_t *wait_mask)
{
	struct sigaction sa;
	sigset_t stop;

	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	(void)sigprocmask(SIG_BLOCK, &stop, wait_mask);
	(void)sigdelset(wait_mask, SIGINT);
	(void)sigdelset(wait_mask, SIGTERM);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tool_on_signal;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
}

void
tool_link_open(struct tool_link *l, const struct tool_info *ti,
    const struct tool_options *o, struct tool_stack *ts)
{
	char err[ERG_HOST_ERR_LEN] = "";
	int rc;

	memset(l, 0, sizeof(*l));
	/*
	 * From here on a stop signal is held until the loop sleeps, so one
	 * sent during setup still ends the run cleanly, with counters.
	 */
	tool_signals_catch(&l->wait_mask);
	if (o->tap != NULL) {
		l->kind = "tap";
		l->name = o->tap;
		l->tap = erg_tap_open(o->tap, err);
		if (l->tap == NULL) {
			tool_die(ti, TOOL_EXIT_RUNTIME, "%s", err);
		}
		rc = erg_tap_attach(l->tap, ts->s, ts->mac, TOOL_MTU,
		    &ts->ifindex);
	} else {
		l->kind = "pcap";
		l->name = o->pcap_live;
		l->live = erg_pcap_live_open(o->pcap_live, err);
		if (l->live == NULL) {
			tool_die(ti, TOOL_EXIT_RUNTIME, "%s", err);
		}
		rc = erg_pcap_live_attach(l->live, ts->s, ts->mac, TOOL_MTU,
		    &ts->ifindex);
	}
	if (rc != 0) {
		tool_die(ti, TOOL_EXIT_RUNTIME, "cannot attach %s: %s", l->name,
		    erg_strerror(rc));
	}
	if (o->capture != NULL) {
		l->dump = erg_host_dump_open(o->capture,
		    erg_host_wall_offset_us(), err);
		if (l->dump == NULL) {
			tool_die(ti, TOOL_EXIT_RUNTIME, "%s", err);
		}
		if (l->tap != NULL) {
			erg_tap_dump_set(l->tap, l->dump);
		} else {
			erg_pcap_live_dump_set(l->live, l->dump);
		}
	}
	/* Last, so that an error above stays the only line printed. */
	if (l->tap != NULL && erg_tap_is_up(l->tap) == 0) {
		tool_say(ti,
		    "warning: %s is down; bring it up with 'ip link set %s "
		    "up'",
		    o->tap, o->tap);
	}
}

static int
tool_link_rx(struct tool_link *l, uint64_t now)
{
	if (l->tap != NULL) {
		return erg_tap_rx(l->tap, TOOL_RX_BUDGET, now);
	}
	return erg_pcap_live_rx(l->live, TOOL_RX_BUDGET, now);
}

static int
tool_link_fd(const struct tool_link *l)
{
	return l->tap != NULL ? erg_tap_fd(l->tap) : erg_pcap_live_fd(l->live);
}

/* True if SIGINT or SIGTERM is pending (blocked outside the wait). */
static bool
tool_link_stop_pending(void)
{
	sigset_t pend;

	return sigpending(&pend) == 0 &&
	    (sigismember(&pend, SIGINT) == 1 ||
	        sigismember(&pend, SIGTERM) == 1);
}

int
tool_link_run(struct tool_link *l, const struct tool_info *ti,
    const struct tool_options *o, struct tool_stack *ts)
{
	uint64_t now = erg_host_now_us(), end = ERG_TIME_NEVER;
	int fd = tool_link_fd(l);

	if (o->have_seconds) {
		end = now + o->seconds * 1000000u;
	}
	while (tool_stop_signal == 0) {
		uint64_t next;
		int rc;

		now = erg_host_now_us();
		if (now >= end) {
			break;
		}
		rc = tool_link_rx(l, now);
		if (rc < 0) {
			tool_say(ti, "%s: %s", l->name,
			    l->live != NULL   ? erg_pcap_live_error(l->live) :
			        rc == -EBADFD ? "the TAP device was deleted" :
			                        strerror(-rc));
			return TOOL_EXIT_RUNTIME;
		}
		next = erg_stack_poll(ts->s, now);
		if (next > end) {
			next = end;
		}
		if (rc == (int)TOOL_RX_BUDGET) {
			next = now; /* more frames waiting: do not sleep */
		}
		if (fd < 0 && next > now + TOOL_POLL_FALLBACK_US) {
			next = now + TOOL_POLL_FALLBACK_US;
		}
		rc = erg_host_wait(&fd, 1, next, &l->wait_mask);
		/*
		 * ppoll delivers a pending signal only when no fd is ready:
		 * under steady traffic look for SIGINT/SIGTERM by hand.
		 */
		if (rc > 0 && tool_link_stop_pending()) {
			break;
		}
		if (rc < 0 && rc != -EINTR) {
			tool_say(ti, "waiting on %s: %s", l->name,
			    strerror(-rc));
			return TOOL_EXIT_RUNTIME;
		}
	}
	return TOOL_EXIT_OK;
}

void
tool_link_stats_foreach(const struct tool_link *l,
    void (*fn)(void *ctx, const char *name, uint64_t value), void *ctx)
{
	struct erg_host_link_stats st;

	if (l->tap != NULL) {
		erg_tap_stats(l->tap, &st);
	} else {
		erg_pcap_live_stats(l->live, &st);
	}
	erg_host_link_stats_foreach(&st, l->kind, fn, ctx);
}

void
tool_link_close(struct tool_link *l)
{
	erg_tap_close(l->tap);
	erg_pcap_live_close(l->live);
	erg_host_dump_close(l->dump);
	memset(l, 0, sizeof(*l));
}
