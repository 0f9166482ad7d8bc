/*
 * tools/common/tool_stack.h: the erg stack every tool runs, configured
 * the same way, and its counters.
 *
 * Configuration: erg_config_default() with 1024 packet buffers of 2 KiB
 * (enough for a 65,000-byte datagram arriving in 45 fragments while
 * another 45 go out as its echo, with room to spare) and 8 reassembly
 * slots; one Ethernet interface of MTU 1500 (TOOL_MTU); TCP with
 * TOOL_TCP_CONNS connections (enough for 100 concurrent HTTP clients,
 * with room for connections that are closing) and the default buffers.
 *
 * DNS (erg/dns.h): the resolver's defaults, but answers of up to
 * TOOL_DNS_MSG_MAX bytes (any DNS message: the answers that do not fit
 * in UDP come over TCP, and erg-dig prints them whole).
 *
 * TLS (erg/tls.h), by what the tool takes: a server given certificates
 * (TOOL_OPT_TLS_SERVER and --cert) has TOOL_TLS_SESSIONS full-duplex
 * sessions; a client (TOOL_OPT_TLS_CLIENT) one; both a credential store
 * of TOOL_TLS_STORE bytes, room for the system's CA bundle or several
 * RSA-4096 chains and a session cache. Other tools have no TLS memory.
 */
#ifndef TOOL_STACK_H
#define TOOL_STACK_H

#include <stdint.h>
#include <stdio.h>

#include "erg/erg.h"
#include "host/erg_host.h"
#include "common/tool_options.h"

/* The IP MTU of the tools' interface: Ethernet's. */
#define TOOL_MTU 1500u

/* The largest DNS answer a tool's resolver takes (cfg.dns_msg_max). */
#define TOOL_DNS_MSG_MAX ERG_DNS_MSG_MAX

/* Packet buffers and reassembly slots of a tool's stack. */
#define TOOL_PKT_COUNT   1024u
#define TOOL_REASM_SLOTS 8u

/* TCP connections of a tool's stack (each with a 64 KiB send ring). */
#define TOOL_TCP_CONNS 256u

/*
 * TLS sessions of a server's stack (each about 41 KiB: BearSSL's state
 * and a full-duplex record buffer), at most TOOL_TCP_CONNS; and the TLS
 * credential store of a tool that speaks TLS.
 */
#define TOOL_TLS_SESSIONS 64u
#define TOOL_TLS_STORE    (1u << 20)

/* A tool's stack and what it is made of; owned by the tool. */
struct tool_stack {
	struct erg_host_rand rng; /* cfg.rand_ctx points here */
	void *arena;
	size_t arena_len;
	struct erg_stack *s;
	uint8_t mac[6]; /* --mac, or derived from the seed */
	unsigned ifindex;
};

/*
 * Builds the stack at time now_us. Randomness is seeded from --seed, or
 * from seed 0 when always_seeded and no --seed is given (replays must
 * reproduce), or else drawn from the system. The MAC is --mac, or
 * 02:xx:xx:xx:xx:xx (locally administered, unicast) derived from the seed,
 * or random without one. On failure prints one line and exits
 * TOOL_EXIT_RUNTIME. ts MUST NOT move afterwards (the stack points into
 * it).
 */
void tool_stack_create(struct tool_stack *ts, const struct tool_info *ti,
    const struct tool_options *o, bool always_seeded, uint64_t now_us);

/*
 * Gives interface ts->ifindex (attached by the caller through a driver)
 * the --ip address, which announces it with a gratuitous ARP, and the
 * --gw gateway. Exits TOOL_EXIT_RUNTIME with one line if the stack
 * refuses.
 */
void tool_stack_address(struct tool_stack *ts, const struct tool_info *ti,
    const struct tool_options *o);

/*
 * Prints every stack counter as "name value" lines on f, in
 * erg_stack_stats_foreach() order, zeros included, so that scripts can
 * read any counter by name.
 */
void tool_stack_print_counters(const struct tool_stack *ts, FILE *f);

/* Prints one "name value" line on f (the shape of every counter line). */
void tool_counter_print(void *f, const char *name, uint64_t value);

/* Frees the arena. The stack MUST NOT be used afterwards. */
void tool_stack_destroy(struct tool_stack *ts);

#endif
