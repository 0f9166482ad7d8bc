/*
 * tools/common/tool_stack.c: building the tools' stack (see tool_stack.h).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/tool_stack.h"

/*
 * Mixed into the seed before the MAC is drawn, so that the MAC comes from
 * a stream of its own: giving --mac or not does not change the bytes the
 * stack draws, hence nor any frame it sends.
 */
#define TOOL_MAC_SEED_SALT 0x6572672d6d616321ull /* "erg-mac!" */

static void
tool_mac_derive(struct tool_stack *ts, const struct tool_options *o,
    bool seeded, uint64_t seed)
{
	struct erg_host_rand r;
	uint8_t b[5];

	if (o->have_mac) {
		memcpy(ts->mac, o->mac, 6);
		return;
	}
	if (seeded) {
		erg_host_rand_seed(&r, seed ^ TOOL_MAC_SEED_SALT);
	} else {
		erg_host_rand_system(&r);
	}
	erg_host_rand(&r, b, sizeof(b));
	/* 0x02: locally administered (bit 1), unicast (bit 0 clear). */
	ts->mac[0] = 0x02;
	memcpy(ts->mac + 1, b, sizeof(b));
}

void
tool_stack_create(struct tool_stack *ts, const struct tool_info *ti,
    const struct tool_options *o, bool always_seeded, uint64_t now_us)
{
	struct erg_config cfg;
	bool seeded = o->have_seed || always_seeded;
	uint64_t seed = o->have_seed ? o->seed : 0;
	int rc;

	memset(ts, 0, sizeof(*ts));
	if (seeded) {
		erg_host_rand_seed(&ts->rng, seed);
	} else {
		erg_host_rand_system(&ts->rng);
	}
	tool_mac_derive(ts, o, seeded, seed);
	erg_config_default(&cfg);
	cfg.pkt_count = TOOL_PKT_COUNT;
	cfg.reasm_slots = TOOL_REASM_SLOTS;
	cfg.tcp_conns = TOOL_TCP_CONNS;
	_Static_assert(TOOL_TLS_SESSIONS <= TOOL_TCP_CONNS,
	    "a TLS session needs a TCP connection");
	/* An answer read over TCP may be as large as DNS allows. */
	cfg.dns_msg_max = TOOL_DNS_MSG_MAX;
	cfg.tls_sessions = 0;
	cfg.tls_store = 0;
	if ((ti->opts & TOOL_OPT_TLS_SERVER) != 0 && o->ncerts > 0) {
		cfg.tls_sessions = TOOL_TLS_SESSIONS;
		cfg.tls_store = TOOL_TLS_STORE;
	} else if ((ti->opts & TOOL_OPT_TLS_CLIENT) != 0) {
		cfg.tls_sessions = 1;
		cfg.tls_store = TOOL_TLS_STORE;
	}
	cfg.rand = erg_host_rand;
	cfg.rand_ctx = &ts->rng;
	ts->arena_len = erg_arena_size(&cfg);
	if (ts->arena_len == 0) {
		tool_die(ti, TOOL_EXIT_RUNTIME, "bad stack configuration");
	}
	/* aligned_alloc wants a size that is a multiple of the alignment. */
	ts->arena = aligned_alloc(16, (ts->arena_len + 15) & ~(size_t)15);
	if (ts->arena == NULL) {
		tool_die(ti, TOOL_EXIT_RUNTIME,
		    "out of memory (%zu bytes for the stack)", ts->arena_len);
	}
	rc = erg_stack_init(&ts->s, ts->arena, ts->arena_len, &cfg, now_us);
	if (rc != 0) {
		tool_die(ti, TOOL_EXIT_RUNTIME, "cannot build the stack: %s",
		    erg_strerror(rc));
	}
}

void
tool_stack_address(struct tool_stack *ts, const struct tool_info *ti,
    const struct tool_options *o)
{
	int rc;

	if (!o->have_ip) {
		return;
	}
	rc = erg_ipv4_addr_set(ts->s, ts->ifindex, o->ip, o->prefix_len);
	if (rc != 0) {
		tool_die(ti, TOOL_EXIT_RUNTIME, "cannot set --ip: %s",
		    erg_strerror(rc));
	}
	if (o->have_gw) {
		rc = erg_ipv4_gateway_set(ts->s, ts->ifindex, o->gw);
		if (rc != 0) {
			tool_die(ti, TOOL_EXIT_RUNTIME, "cannot set --gw: %s",
			    erg_strerror(rc));
		}
	}
}

void
tool_counter_print(void *f, const char *name, uint64_t value)
{
	fprintf(f, "%s %" PRIu64 "\n", name, value);
}

void
tool_stack_print_counters(const struct tool_stack *ts, FILE *f)
{
	erg_stack_stats_foreach(ts->s, tool_counter_print, f);
}

void
tool_stack_destroy(struct tool_stack *ts)
{
	free(ts->arena);
	ts->arena = NULL;
	ts->s = NULL;
}
