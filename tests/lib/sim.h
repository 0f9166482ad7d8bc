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
	/* IPv4 (ip_proto 0 if not IPv4 or a later fragment), as sent. */
	uint8_t ip_proto;
	uint32_t ip_src;
	uint32_t ip_dst;
	/* TCP (tcp_hdr 0 if not TCP or cut short). */
	uint8_t tcp_hdr;   /* header length, options included */
	uint8_t tcp_flags; /* ERG_TCP_* */
	uint16_t sport;
	uint16_t dport;
	uint32_t seq;
	uint32_t ack;
	uint16_t win;   /* as on the wire, unscaled */
	size_t tcp_len; /* payload bytes */
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
	bool nolog; /* sim_drop_set: filter without recording */
	char name[96];
	char pcap[256];
	void **allocs; /* sim_calloc */
	size_t nallocs;
};

typedef bool (*sim_done_fn)(struct sim *sim, void *ctx);

/* cmocka fixtures: allocate the struct sim, and free it (see above). */
int sim_setup(void **state);
int sim_teardown(void **state);

/*
 * Zeroed memory that sim_teardown frees, so that a test whose assertion
 * fails (and so never reaches its own free) leaks nothing. Asserts.
 */
void *sim_calloc(struct sim *sim, size_t n, size_t size);

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

/*
 * Drops the copies for which drop returns true (drop NULL: none), like
 * sim_log_start, but without recording the frames: for long runs.
 * sim_log_start records again.
 */
void sim_drop_set(struct sim *sim, sim_drop_fn drop, void *ctx);

/*
 * Feeds a raw Ethernet frame to node n as if its port had received it
 * now: copied into a packet from n's pool, then erg_netif_input. The wire
 * does not see it (no pcap record, no wire counter). Returns false if
 * n's pool is empty (the frame is dropped, as the loop would).
 */
bool sim_inject(struct sim *sim, struct sim_node *n, const void *frame,
    size_t len);

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

/*
 * Fills buf with bytes off .. off + len - 1 of the endless stream named
 * by seed: byte i is a function of seed and i only, so a sender can
 * regenerate any part of it (a write that took fewer bytes than offered).
 */
void sim_stream_fill(void *buf, size_t len, uint64_t seed, uint64_t off);

/* The FNV-1a hash of the first len bytes of stream seed. */
uint64_t sim_stream_hash(uint64_t seed, uint64_t len);

/* ---- TCP applications --------------------------------------------------- */

/*
 * When a struct sim_app closes its connection on its own
 * (erg_tcp_close; the app then forgets the handle).
 */
enum sim_close {
	SIM_CLOSE_NEVER = 0, /* the test closes it */
	SIM_CLOSE_DONE,      /* all sent and rx_want bytes received */
	SIM_CLOSE_EOF        /* all sent and the peer's FIN read */
};

/*
 * One end of a TCP connection as an application: it sends tx_total
 * bytes of stream tx_seed (copying with erg_tcp_write, or zero-copy with
 * reserve/commit when tx_zc), shuts the send side after them if tx_shut,
 * and receives into a running hash (copying with erg_tcp_read, or with
 * peek/consume when rx_zc) unless rx_hold. It records every event. Set
 * the fields, then pass sim_app_cb and the app to erg_tcp_connect /
 * erg_tcp_accept (sim_app_accept).
 */
struct sim_app {
	struct erg_tcp_conn *c; /* NULL once closed or aborted */
	/* Sending. */
	uint64_t tx_seed;
	uint64_t tx_total;
	bool tx_zc;
	bool tx_shut;
	uint64_t tx_done; /* bytes taken by the stack */
	uint64_t tx_hash; /* of those bytes */
	bool tx_shut_done;
	/* Receiving. */
	bool rx_zc;
	bool rx_hold;     /* do not read (the window closes) */
	uint64_t rx_want; /* for SIM_CLOSE_DONE */
	uint64_t rx_done;
	uint64_t rx_hash;
	bool rx_eof; /* end of stream read */
	/* Closing. */
	enum sim_close close;
	bool closed; /* the app closed (or aborted) c */
	/* Events: OR of every event bit, and counts. */
	unsigned ev;
	unsigned n_cb;
	unsigned n_connected;
	unsigned n_peer_closed;
	unsigned n_reset;
	unsigned n_timedout;
	int err;        /* erg_tcp_error at the first RESET or TIMEDOUT */
	int io_err;     /* the first error a read or write returned */
	uint64_t t_end; /* sim time of the first RESET / TIMEDOUT / close */
	struct sim *sim;
};

/* Initialises a to send tx_total bytes of stream seed; rest zero. */
void sim_app_init(struct sim_app *a, struct sim *sim, uint64_t tx_seed,
    uint64_t tx_total);

/* The connection callback for apps: records, pumps, closes. */
void sim_app_cb(struct erg_tcp_conn *c, unsigned events, void *ctx);

/* Sends and receives what it can now, and closes if its policy says so. */
void sim_app_pump(struct sim_app *a);

/* Closes (erg_tcp_close) and forgets the connection. */
void sim_app_close(struct sim_app *a);

/* Aborts (erg_tcp_abort) and forgets the connection. */
void sim_app_abort(struct sim_app *a);

/* Hands the next waiting connection of l to a; asserts one was there. */
void sim_app_accept(struct erg_tcp_listener *l, struct sim_app *a);

/* True once a sent everything and received its peer's whole stream. */
bool sim_app_finished(const struct sim_app *a, uint64_t rx_total);

/*
 * Sets up a connection from node a to node b port (listening there
 * with backlog 0 until accepted; the listener is closed after) and runs
 * until both ends are established. ca is the connecting app, cb the
 * accepting one.
 */
void sim_tcp_pair(struct sim *sim, struct sim_node *a, struct sim_node *b,
    uint16_t port, struct sim_app *ca, struct sim_app *cb);

/* Connections in use on node n (tcp.conns_in_use). */
uint64_t sim_conns(const struct sim_node *n);

/*
 * Runs until no node has a TCP connection in use (TIME-WAIT entries do
 * not count) or for_us have passed; returns true if none is left.
 */
bool sim_run_until_no_conns(struct sim *sim, uint64_t for_us);

#endif
