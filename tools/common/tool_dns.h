/*
 * tools/common/tool_dns.h: one question to erg's stub resolver (erg/dns.h)
 * run to its answer on a tool's link, and the names of record types and
 * response codes as dig spells them.
 *
 * The resolver lends its answer to the callback only; a tool that prints
 * it after the run (erg-dig) needs its own copy, which tool_dns_ask keeps
 * (up to ERG_DNS_MSG_MAX bytes, on the heap).
 */
#ifndef TOOL_DNS_H
#define TOOL_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "erg/erg.h"
#include "common/tool_link.h"
#include "common/tool_options.h"
#include "common/tool_stack.h"

/* Room for a type's name: "TYPE65535" and its NUL. */
#define TOOL_DNS_TYPE_TEXT 10u

/* What came of one question. */
struct tool_dns_answer {
	bool done;     /* the resolver answered, or gave up */
	int err;       /* the result's (erg_dns_result.err); -ERG_ETIMEDOUT
	                * also when the tool's deadline came first */
	uint8_t rcode; /* the server's, when there was one */
	bool from_cache;
	uint32_t server; /* who answered, or 0 */
	uint32_t ttl;
	size_t len;   /* the result message, copied: len bytes at msg */
	uint8_t *msg; /* malloc'ed; NULL if len is 0 */
};

/*
 * Asks name (text, as erg_dns_resolve takes it) for type and runs the
 * link until the answer comes or the host clock reaches deadline_us.
 * Returns TOOL_RUN_STEP when a->done (a->err says how it went: the
 * resolver refused the question, answered, or the deadline came);
 * otherwise as tool_link_run (--seconds, a signal, a failed device) with
 * the question cancelled. Free a->msg with tool_dns_answer_free.
 */
enum tool_run_end tool_dns_ask(struct tool_dns_answer *a, struct tool_link *l,
    const struct tool_info *ti, const struct tool_options *o,
    struct tool_stack *ts, const char *name, uint16_t type,
    uint64_t deadline_us);

void tool_dns_answer_free(struct tool_dns_answer *a);

/*
 * Parses a record type as dig takes it: A, AAAA, CNAME, MX, TXT, SRV,
 * PTR, NS, SOA (any case), or TYPEnnn (RFC 3597 5) with nnn from 1 to
 * 65535. Returns false for anything else.
 */
bool tool_dns_type_parse(const char *s, uint16_t *type);

/* The type's name as above ("A", "TYPE99"); buf >= TOOL_DNS_TYPE_TEXT. */
void tool_dns_type_format(char *buf, uint16_t type);

/* The response code's name ("NXDOMAIN"), or "RCODEn". buf >= 12. */
void tool_dns_rcode_format(char *buf, unsigned rcode);

/*
 * A short explanation of a result error: "no such name (NXDOMAIN)", "the
 * server failed (SERVFAIL)" (with the server's own rcode when it sent
 * one), "no answer (timed out)", ... Writes into buf (>= 96 bytes).
 */
const char *tool_dns_strerror(char *buf, size_t cap,
    const struct tool_dns_answer *a);

/*
 * Writes the servers the resolver would ask now as "198.18.0.1,
 * 198.18.0.2" into buf; "none" if there are none.
 */
void tool_dns_servers_format(char *buf, size_t cap, const struct erg_stack *s);

#endif
