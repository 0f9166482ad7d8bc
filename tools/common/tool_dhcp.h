/*
 * tools/common/tool_dhcp.h: the address a tool runs with, from --ip and
 * --gw or from DHCP (--dhcp, erg/dhcp.h), and its DNS servers (--dns).
 *
 * With --dhcp the tool starts erg's DHCP client on its interface and runs
 * the link until the first lease is bound, at most --timeout seconds
 * (TOOL_DHCP_TIMEOUT_DEFAULT without it): a tool has nothing to do
 * without an address, and a DHCP server that does not answer is a
 * runtime error (one line, exit 1), not a hang. The client goes on
 * renewing in the background for as long as the tool runs; at exit the
 * tool releases the lease (RFC 2131 4.4.6) and lets the DHCPRELEASE
 * leave.
 *
 * -v prints each lease event on stderr as one line "PROG: DHCP: bound:
 * 198.18.0.50/24, router ..., DNS ..., lease 120 s (T1 10 s, T2 16 s),
 * server ..."; a lease that is lost is said without -v too (the tool has
 * no address any more).
 *
 * DNS servers: --dns, in order, when given (erg_dns_servers_set);
 * otherwise the resolver asks those the lease named.
 */
#ifndef TOOL_DHCP_H
#define TOOL_DHCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "erg/erg.h"
#include "common/tool_link.h"
#include "common/tool_options.h"
#include "common/tool_stack.h"

/* How long --dhcp waits for a lease without --timeout, in seconds. */
#define TOOL_DHCP_TIMEOUT_DEFAULT 30u
/* How long a tool lets its DHCPRELEASE (and its ARP) leave, at exit. */
#define TOOL_DHCP_RELEASE_DRAIN_US 300000u
/* Room for tool_dhcp_lease_format's text. */
#define TOOL_DHCP_LEASE_TEXT 192u

/* A tool's DHCP client; owned by the tool, it MUST NOT move once started. */
struct tool_dhcp {
	const struct tool_info *ti;
	struct erg_stack *s;
	unsigned ifindex;
	bool running; /* erg_dhcp_start succeeded */
	bool verbose; /* -v: print every event */
	bool bound;   /* a lease is held now */
	uint64_t bound_n, renewed_n, lost_n;
	struct erg_dhcp_lease lease; /* as last reported */
};

/*
 * Gives ts's interface its address: --ip and --gw, or with --dhcp a lease
 * (the client is started and the link run until it is bound, at most
 * timeout_s seconds); then sets the --dns servers. d is zeroed first.
 * Returns TOOL_RUN_STEP once the interface has its address; TOOL_RUN_TIME
 * or TOOL_RUN_SIGNAL if --seconds or a signal ended the wait (nothing
 * printed); TOOL_RUN_FAILED after one line on stderr (no lease in time,
 * the device failed). A stack that refuses the address, the client or
 * the servers makes it exit TOOL_EXIT_RUNTIME with one line.
 */
enum tool_run_end tool_net_up(struct tool_dhcp *d, struct tool_link *l,
    const struct tool_info *ti, const struct tool_options *o,
    struct tool_stack *ts, uint64_t timeout_s);

/*
 * Writes the lease as one line of text: "198.18.0.50/24, router
 * 198.18.0.1, DNS 198.18.0.1, lease 120 s (T1 10 s, T2 16 s), server
 * 198.18.0.1" (parts the lease lacks are left out). Always
 * NUL-terminated; at most TOOL_DHCP_LEASE_TEXT bytes are needed.
 */
void tool_dhcp_lease_format(char *buf, size_t cap,
    const struct erg_dhcp_lease *l);

/*
 * Stops the client if it runs: a bound client sends DHCPRELEASE, which
 * the link gets TOOL_DHCP_RELEASE_DRAIN_US to send. Call it before the
 * counters are printed, so that they count the release.
 */
void tool_dhcp_stop(struct tool_dhcp *d, struct tool_link *l,
    struct tool_stack *ts);

#endif
