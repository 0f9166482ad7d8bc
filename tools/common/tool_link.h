/*
 * tools/common/tool_link.h: the live interface a tool runs on (--tap or
 * --pcap-live), and the event loop that drives a stack on it.
 */
#ifndef TOOL_LINK_H
#define TOOL_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include "erg/erg.h"
#include "host/erg_host.h"
#include "tap/erg_tap.h"
#include "pcap/erg_pcap.h"
#include "common/tool_options.h"
#include "common/tool_stack.h"

/* Frames read per driver call before the stack's timers get a turn. */
#define TOOL_RX_BUDGET 64u

/* One of the two live drivers; owned by the tool. */
struct tool_link {
	struct erg_tap *tap;        /* --tap, or NULL */
	struct erg_pcap_live *live; /* --pcap-live, or NULL */
	const char *kind;           /* "tap" or "pcap": counter prefix */
	const char *name;           /* the device, for messages */
	struct erg_host_dump *dump; /* --capture, or NULL */
	uint64_t end; /* when --seconds runs out (ERG_TIME_NEVER: never) */
};

/*
 * Opens the device named by --tap or --pcap-live and the --capture file,
 * and attaches the device to ts's stack with ts->mac (filling
 * ts->ifindex). Exits with one line (TOOL_EXIT_RUNTIME) on failure; warns
 * if a TAP device is down. From this call on SIGINT and SIGTERM are
 * blocked and held for tool_link_run, which ends the run cleanly on them.
 * --seconds counts from here, across every tool_link_run that follows.
 */
void tool_link_open(struct tool_link *l, const struct tool_info *ti,
    const struct tool_options *o, struct tool_stack *ts);

/*
 * A tool's step, called after every round of input and timers: returns
 * false to end the run, and may lower *next (the time it wants to be
 * called again; it starts at ERG_TIME_NEVER).
 */
typedef bool (*tool_step_fn)(void *ctx, uint64_t now, uint64_t *next);

enum tool_run_end {
	TOOL_RUN_STEP,   /* the step said stop */
	TOOL_RUN_TIME,   /* --seconds ran out */
	TOOL_RUN_SIGNAL, /* SIGINT or SIGTERM */
	TOOL_RUN_FAILED  /* the device failed (one line printed) */
};

/*
 * Runs the stack on the link: reads frames, runs timers, calls step (may
 * be NULL) after each round, and sleeps in erg_host_wait until the device
 * is readable or the next deadline, until step returns false, --seconds
 * pass, SIGINT or SIGTERM arrives (read through a signalfd: the signals
 * stay blocked, as tool_link_open left them) or the device fails (one
 * line printed).
 */
enum tool_run_end tool_link_run(struct tool_link *l, const struct tool_info *ti,
    const struct tool_options *o, struct tool_stack *ts, tool_step_fn step,
    void *ctx);

/*
 * Waits (at most TOOL_LINK_RUNNING_WAIT_MS) until Linux runs the TAP
 * device (IFF_RUNNING); returns at once for --pcap-live. Attaching to a
 * TAP device turns its carrier on, but Linux activates the device's
 * transmit queue a moment later, from a work queue; until then it drops
 * what it sends on it: the first ARP request (or DHCPDISCOVER) of a tool
 * that sends at once would go unanswered until its retry.
 */
#define TOOL_LINK_RUNNING_WAIT_MS 1000u
void tool_link_wait_running(const struct tool_link *l);

/*
 * Runs the stack on the link for up to us microseconds more, whatever
 * --seconds and signals say: time for a last frame (a DHCPRELEASE, and
 * the ARP exchange it may need) to leave before the tool exits. Device
 * errors end it quietly.
 */
void tool_link_drain(struct tool_link *l, struct tool_stack *ts, uint64_t us);

/*
 * Runs the link until no TCP connection is open any more (those closing
 * finish their FIN handshake: the last ACK goes out, so that the peer
 * does not hold the connection in LAST-ACK), at most us microseconds, a
 * signal or --seconds. For a client tool that is done, before it exits.
 */
void tool_link_settle(struct tool_link *l, const struct tool_info *ti,
    const struct tool_options *o, struct tool_stack *ts, uint64_t us);

/* Calls fn for the driver's counters ("tap.rx", ... or "pcap.rx", ...). */
void tool_link_stats_foreach(const struct tool_link *l,
    void (*fn)(void *ctx, const char *name, uint64_t value), void *ctx);

/* Closes the device and the capture file. */
void tool_link_close(struct tool_link *l);

#endif
