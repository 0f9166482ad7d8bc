/*
 * tests/lib/sim.h: stack-to-stack simulations over the loop driver.
 *
 * A struct sim is one wire (netif/loop) with up to SIM_MAX_NODES stacks on
 * it and a scripted clock. Host h (1..254) is MAC 02:00:00:00:00:hh and
 * address 198.18.0.h/24, as in tests/vectors. The clock only moves inside
 * sim_run_*: each step delivers the frames due, polls every stack, asks the
 * test's predicate whether it is done, then jumps to the earliest deadline
 * of the wire, the stacks and the test (sim_wake_at), at least 1 us ahead.
 * Everything is a function of the seed: a run repeats exactly.
 *
 * Pcap on failure: sim_start() records the wire in
 * $SIM_PCAP_DIR/<name>.pcap (default build/sim/). The test calls
 * sim_pass() as its last statement; the cmocka teardown (sim_teardown)
 * deletes the file of a test that passed (unless $SIM_KEEP_PCAP is set)
 * and keeps it, printing its path and every non-zero counter, when an
 * assertion failed. Register each test with
 *
 *	cmocka_unit_test_setup_teardown(test_x, sim_setup, sim_teardown)
 *
 * and take the struct sim from *state. $SIM_VERBOSE prints the report
 * for passing tests too.
 *
 * Hosted code: uses malloc, libc and cmocka.
 */
#ifndef ERG_SIM_H
#define ERG_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "erg/erg.h"
#include "loop/erg_loop.h"

#define SIM_MAX_NODES 8u
#define SIM_US        1ull
#define SIM_MS        1000ull
#define SIM_SEC       1000000ull

/* Steps one sim_run_* call may take before it gives up (a livelock). */
#define SIM_MAX_STEPS 4000000u

/* One copy of a frame as the wire switched it (sim_log_start). */
struct sim_frame {
	uint64_t t;    /* transmit time */
	unsigned from; /* port (== node index) */
	unsigned to;
	uint8_t dst[6];  /* Ethernet destination */
	uint16_t type;   /* EtherType, 0 for a runt */
	uint16_t arp_op; /* ARP operation, 0 if not ARP */
	uint32_t arp_spa;
	uint32_t arp_tpa;
	size_t len;
	bool dropped; /* by the test's drop function */
};

/* Returns true to drop that copy of the frame (before impairments). */
typedef bool (*sim_drop_fn)(void *ctx, const struct sim_frame *f);

struct sim_node {
	struct erg_stack *s;
	void *arena;
	uint64_t rng; /* the stack's rand state */
	unsigned ifindex;
	unsigned port; /* wire port number */
	unsigned host;
	uint8_t mac[6];
	uint32_t addr;
	uint32_t baseline; /* pool in use after sim_add */
};

struct sim {
	struct erg_loop_wire *w;
	struct sim_node node[SIM_MAX_NODES];
	unsigned n;
	uint64_t now;
	uint64_t seed;
	uint64_t wake;  /* the test's next deadline */
	uint64_t steps; /* steps taken, all runs together */
	bool passed;
	struct sim_frame *log; /* sim_log_start */
	size_t nlog;
	size_t caplog;
	sim_drop_fn drop;
	void *drop_ctx;
	char name[96];
	char pcap[256];
};

typedef bool (*sim_done_fn)(struct sim *sim, void *ctx);

/* cmocka fixtures: allocate the struct sim, and free it (see above). */
int sim_setup(void **state);
int sim_teardown(void **state);

/*
 * Creates the wire (seed, impairments imp, NULL: perfect) and its pcap
 * file named after the test; time starts at 0.
 */
void sim_start(struct sim *sim, const char *name, uint64_t seed,
    const struct erg_loop_impair *imp);

/* Replaces the wire's impairments (NULL: perfect). */
void sim_impair(struct sim *sim, const struct erg_loop_impair *imp);

/*
 * Adds host `host` (1..254): a stack with cfg (NULL: erg_config_default;
 * rand is replaced by a splitmix64 seeded from the sim's seed and host),
 * attached to the wire with MTU 1500 and given 198.18.0.host/24 (which
 * broadcasts a gratuitous ARP). The baseline is taken after that.
 */
struct sim_node *sim_add(struct sim *sim, const struct erg_config *cfg,
    unsigned host);

/* sim_add with another IP MTU. */
struct sim_node *sim_add_mtu(struct sim *sim, const struct erg_config *cfg,
    unsigned host, uint16_t mtu);

/*
 * Records every copy of every frame the wire switches from now on in
 * sim->log[0..nlog), and drops those for which drop (may be NULL)
 * returns true (the wire counts them as filtered).
 */
void sim_log_start(struct sim *sim, sim_drop_fn drop, void *ctx);

/* The address of host h. */
uint32_t sim_addr(unsigned host);

/*
 * Runs until done(sim, ctx) returns true (checked once per step, after
 * the stacks were polled; done may send, and may call sim_wake_at), or
 * until for_us have passed. Returns true if done; sim->now is then the
 * time it became true. done NULL runs the whole time.
 */
bool sim_run_until(struct sim *sim, sim_done_fn done, void *ctx,
    uint64_t for_us);

/* Runs until sim->now == t (everything due at t included). */
void sim_run_to(struct sim *sim, uint64_t t);

/* sim_run_to(sim, sim->now + us). */
void sim_run_for(struct sim *sim, uint64_t us);

/* From a done function: step no later than t (a retry timer). */
void sim_wake_at(struct sim *sim, uint64_t t);

/* The named counter of node n. */
uint64_t sim_stat(const struct sim_node *n, enum erg_stat id);

/*
 * Asserts that every node's pools are back at their baseline, naming the
 * node that leaks.
 */
void sim_assert_no_leaks(const struct sim *sim);

/* Marks the test passed: its pcap file is deleted. Call it last. */
void sim_pass(struct sim *sim);

/* The wire's counters. */
struct erg_loop_stats sim_wire_stats(const struct sim *sim);

/*
 * Asserts the wire's conservation law (erg_loop.h): every copy is
 * accounted for once nothing is in flight.
 */
void sim_assert_wire_balanced(const struct sim *sim);

/* ---- Data --------------------------------------------------------------- */

/* FNV-1a, 64-bit (Fowler, Noll, Vo): a hash of a byte string. */
#define SIM_HASH_INIT 0xcbf29ce484222325ull
uint64_t sim_hash_more(uint64_t h, const void *p, size_t len);
uint64_t sim_hash(const void *p, size_t len);

/* Fills buf with len bytes that are a function of seed only. */
void sim_fill(void *buf, size_t len, uint64_t seed);

#endif
