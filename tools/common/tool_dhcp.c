/*
 * tools/common/tool_dhcp.c: --ip/--gw or --dhcp, and --dns (see
 * tool_dhcp.h).
 *
 * Decisions: no host name is sent (option 12): two tools on one network
 * would claim the same one, and a DHCP server that registers names in its
 * DNS (dnsmasq does) would flip between them. Nothing is remembered from
 * one run to the next, so every run starts in INIT, not INIT-REBOOT.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/tool_dhcp.h"

/* Appends to buf what fmt says, as snprintf would, never past cap. */
static void tool_dhcp_append(char *buf, size_t cap, size_t *len,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
tool_dhcp_append(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len >= cap) {
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, cap - *len, fmt, ap);
	va_end(ap);
	if (n > 0) {
		*len += (size_t)n;
	}
}

void
tool_dhcp_lease_format(char *buf, size_t cap, const struct erg_dhcp_lease *l)
{
	char a[16];
	size_t len = 0;
	unsigned i;

	if (cap == 0) {
		return;
	}
	buf[0] = '\0';
	tool_ipv4_format(a, l->addr);
	tool_dhcp_append(buf, cap, &len, "%s/%u", a, l->prefix_len);
	if (l->router != 0) {
		tool_ipv4_format(a, l->router);
		tool_dhcp_append(buf, cap, &len, ", router %s", a);
	}
	for (i = 0; i < l->dns_n && i < ERG_DHCP_DNS_MAX; i++) {
		tool_ipv4_format(a, l->dns[i]);
		tool_dhcp_append(buf, cap, &len, "%s%s",
		    i == 0 ? ", DNS " : " ", a);
	}
	if (l->mtu != 0) {
		tool_dhcp_append(buf, cap, &len, ", MTU %u", l->mtu);
	}
	if (l->lease_s == 0xffffffffu) {
		tool_dhcp_append(buf, cap, &len, ", lease infinite");
	} else {
		tool_dhcp_append(buf, cap, &len,
		    ", lease %" PRIu32 " s (T1 %" PRIu32 " s, T2 %" PRIu32
		    " s)",
		    l->lease_s, l->t1_s, l->t2_s);
	}
	tool_ipv4_format(a, l->server);
	tool_dhcp_append(buf, cap, &len, ", server %s", a);
}

/* The client's callback: keeps the lease, and says what happened. */
static void
tool_dhcp_event(void *ctx, unsigned ifindex, enum erg_dhcp_event ev,
    const struct erg_dhcp_lease *lease)
{
	struct tool_dhcp *d = ctx;
	char text[TOOL_DHCP_LEASE_TEXT], a[16];

	if (ifindex != d->ifindex) {
		return;
	}
	if (lease != NULL) {
		d->lease = *lease;
	}
	switch (ev) {
	case ERG_DHCP_BOUND:
	case ERG_DHCP_RENEWED:
		d->bound = true;
		if (ev == ERG_DHCP_BOUND) {
			d->bound_n++;
		} else {
			d->renewed_n++;
		}
		if (d->verbose) {
			tool_dhcp_lease_format(text, sizeof(text), &d->lease);
			tool_say(d->ti, "DHCP: %s: %s",
			    ev == ERG_DHCP_BOUND ? "bound" : "renewed", text);
		}
		break;
	case ERG_DHCP_LOST:
		d->bound = false;
		d->lost_n++;
		tool_ipv4_format(a, d->lease.addr);
		tool_say(d->ti,
		    "DHCP: the lease of %s is lost: the interface has no "
		    "address",
		    a);
		break;
	}
}

/* What tool_dhcp_wait's step needs. */
struct tool_dhcp_wait {
	const struct tool_dhcp *d;
	uint64_t deadline;
	bool timed_out;
};

static bool
tool_dhcp_wait_step(void *ctx, uint64_t now, uint64_t *next)
{
	struct tool_dhcp_wait *w = ctx;

	if (w->d->bound) {
		return false;
	}
	if (now >= w->deadline) {
		w->timed_out = true;
		return false;
	}
	*next = w->deadline;
	return true;
}

/* Starts the client and runs the link until it holds a lease. */
static enum tool_run_end
tool_dhcp_acquire(struct tool_dhcp *d, struct tool_link *l,
    const struct tool_options *o, struct tool_stack *ts, uint64_t timeout_s)
{
	struct erg_dhcp_opts opts;
	struct tool_dhcp_wait w;
	enum tool_run_end end;
	int rc;

	memset(&opts, 0, sizeof(opts));
	opts.cb = tool_dhcp_event;
	opts.ctx = d;
	rc = erg_dhcp_start(ts->s, ts->ifindex, &opts);
	if (rc != 0) {
		tool_die(d->ti, TOOL_EXIT_RUNTIME,
		    "--dhcp: cannot start the DHCP client: %s",
		    erg_strerror(rc));
	}
	d->running = true;
	w.d = d;
	w.deadline = erg_host_now_us() + timeout_s * 1000000u;
	w.timed_out = false;
	end = tool_link_run(l, d->ti, o, ts, tool_dhcp_wait_step, &w);
	if (end == TOOL_RUN_STEP && w.timed_out) {
		tool_say(d->ti,
		    "--dhcp: no lease within %" PRIu64 " s on %s %s (DHCP "
		    "messages sent %" PRIu64 ", offers %" PRIu64
		    ", NAKs %" PRIu64 ")",
		    timeout_s, l->kind, l->name,
		    erg_stat_get(ts->s, ERG_STAT_DHCP_TX),
		    erg_stat_get(ts->s, ERG_STAT_DHCP_OFFERS),
		    erg_stat_get(ts->s, ERG_STAT_DHCP_NAKS));
		return TOOL_RUN_FAILED;
	}
	if (end == TOOL_RUN_TIME) {
		/* --seconds ends the run as it says (exit 0), but say why. */
		tool_say(d->ti, "--dhcp: --seconds ran out before a lease");
	}
	return end;
}

enum tool_run_end
tool_net_up(struct tool_dhcp *d, struct tool_link *l,
    const struct tool_info *ti, const struct tool_options *o,
    struct tool_stack *ts, uint64_t timeout_s)
{
	enum tool_run_end end = TOOL_RUN_STEP;
	int rc;

	memset(d, 0, sizeof(*d));
	d->ti = ti;
	d->s = ts->s;
	d->ifindex = ts->ifindex;
	d->verbose = o->verbose;
	if (o->dhcp) {
		end = tool_dhcp_acquire(d, l, o, ts, timeout_s);
		if (end != TOOL_RUN_STEP) {
			return end;
		}
	} else {
		tool_stack_address(ts, ti, o);
	}
	if (o->ndns > 0) {
		rc = erg_dns_servers_set(ts->s, o->dns, o->ndns);
		if (rc != 0) {
			tool_die(ti, TOOL_EXIT_RUNTIME,
			    "cannot set the DNS servers: %s", erg_strerror(rc));
		}
	}
	return end;
}

void
tool_dhcp_stop(struct tool_dhcp *d, struct tool_link *l, struct tool_stack *ts)
{
	bool was_bound = d->bound;

	if (!d->running) {
		return;
	}
	d->running = false;
	d->bound = false;
	if (erg_dhcp_stop(ts->s, d->ifindex) == 0 && was_bound) {
		tool_link_drain(l, ts, TOOL_DHCP_RELEASE_DRAIN_US);
	}
}
