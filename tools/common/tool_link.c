/*
 * tools/common/tool_link.c: opening the live driver and the event loop
 * (see tool_link.h).
 *
 * Signals: SIGINT and SIGTERM are blocked from tool_link_open on and read
 * by the loop through a signalfd that it sleeps on beside the device, so
 * a signal can never land between a check and the sleep: it either wakes
 * the sleep or is read at the next one. No handler, no global flag.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/tool_link.h"

/* Without a pollable fd (some pcap platforms), look this often. */
#define TOOL_POLL_FALLBACK_US 10000u

static void
tool_stop_signals(sigset_t *stop)
{
	sigemptyset(stop);
	sigaddset(stop, SIGINT);
	sigaddset(stop, SIGTERM);
}

void
tool_link_open(struct tool_link *l, const struct tool_info *ti,
    const struct tool_options *o, struct tool_stack *ts)
{
	char err[ERG_HOST_ERR_LEN] = "";
	int rc;

	memset(l, 0, sizeof(*l));
	l->end = ERG_TIME_NEVER;
	if (o->have_seconds) {
		l->end = erg_host_now_us() + o->seconds * 1000000u;
	}
	/*
	 * From here on a stop signal is held until the loop sleeps, so one
	 * sent during setup still ends the run cleanly, with counters.
	 */
	{
		sigset_t stop;

		tool_stop_signals(&stop);
		(void)sigprocmask(SIG_BLOCK, &stop, NULL);
	}
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

enum tool_run_end
tool_link_run(struct tool_link *l, const struct tool_info *ti,
    const struct tool_options *o, struct tool_stack *ts, tool_step_fn step,
    void *ctx)
{
	uint64_t now, end = l->end;
	enum tool_run_end why = TOOL_RUN_TIME;
	sigset_t stop;
	int fds[2];

	tool_stop_signals(&stop);
	fds[0] = tool_link_fd(l);
	fds[1] = signalfd(-1, &stop, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fds[1] < 0) {
		tool_say(ti, "signalfd: %s", strerror(errno));
		return TOOL_RUN_FAILED;
	}
	(void)o; /* --seconds: l->end, set when the link was opened */
	for (;;) {
		uint64_t next, want = ERG_TIME_NEVER;
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
			why = TOOL_RUN_FAILED;
			break;
		}
		next = erg_stack_poll(ts->s, now);
		if (step != NULL && !step(ctx, now, &want)) {
			why = TOOL_RUN_STEP;
			break;
		}
		next = want < next ? want : next;
		next = end < next ? end : next;
		if (rc == (int)TOOL_RX_BUDGET) {
			next = now; /* more frames waiting: do not sleep */
		}
		if (fds[0] < 0 && next > now + TOOL_POLL_FALLBACK_US) {
			next = now + TOOL_POLL_FALLBACK_US;
		}
		rc = erg_host_wait(fds, 2, next, NULL);
		if (rc < 0 && rc != -EINTR) {
			tool_say(ti, "waiting on %s: %s", l->name,
			    strerror(-rc));
			why = TOOL_RUN_FAILED;
			break;
		}
		if (rc > 0) {
			struct signalfd_siginfo si;

			if (read(fds[1], &si, sizeof(si)) ==
			    (ssize_t)sizeof(si)) {
				why = TOOL_RUN_SIGNAL;
				break;
			}
		}
	}
	(void)close(fds[1]);
	return why;
}

void
tool_link_wait_running(const struct tool_link *l)
{
	struct timespec ms = { 0, 1000000 };
	struct ifreq ifr;
	unsigned i;
	int sock;

	if (l->tap == NULL) {
		return;
	}
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0) {
		return;
	}
	memset(&ifr, 0, sizeof(ifr));
	(void)snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", l->name);
	for (i = 0; i < TOOL_LINK_RUNNING_WAIT_MS; i++) {
		if (ioctl(sock, SIOCGIFFLAGS, &ifr) != 0 ||
		    (ifr.ifr_flags & IFF_RUNNING) != 0) {
			break;
		}
		(void)nanosleep(&ms, NULL);
	}
	/* The transmit queue is activated right after the flag is set. */
	(void)nanosleep(&ms, NULL);
	(void)close(sock);
}

void
tool_link_drain(struct tool_link *l, struct tool_stack *ts, uint64_t us)
{
	uint64_t now = erg_host_now_us(), end = now + us, next;
	int fd = tool_link_fd(l), rc;

	while (now < end) {
		rc = tool_link_rx(l, now);
		if (rc < 0) {
			return;
		}
		next = erg_stack_poll(ts->s, now);
		next = end < next ? end : next;
		if (rc == (int)TOOL_RX_BUDGET) {
			next = now;
		}
		if (fd < 0 && next > now + TOOL_POLL_FALLBACK_US) {
			next = now + TOOL_POLL_FALLBACK_US;
		}
		rc = erg_host_wait(&fd, 1, next, NULL);
		if (rc < 0 && rc != -EINTR) {
			return;
		}
		now = erg_host_now_us();
	}
}

/* What tool_link_settle's step needs. */
struct tool_settle {
	const struct tool_stack *ts;
	uint64_t deadline;
};

static bool
tool_settle_step(void *ctx, uint64_t now, uint64_t *next)
{
	const struct tool_settle *st = ctx;

	if (erg_stat_get(st->ts->s, ERG_STAT_TCP_CONNS_IN_USE) == 0 ||
	    now >= st->deadline) {
		return false;
	}
	*next = st->deadline;
	return true;
}

void
tool_link_settle(struct tool_link *l, const struct tool_info *ti,
    const struct tool_options *o, struct tool_stack *ts, uint64_t us)
{
	struct tool_settle st;

	if (erg_stat_get(ts->s, ERG_STAT_TCP_CONNS_IN_USE) == 0) {
		return;
	}
	st.ts = ts;
	st.deadline = erg_host_now_us() + us;
	(void)tool_link_run(l, ti, o, ts, tool_settle_step, &st);
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
