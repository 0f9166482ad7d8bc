/*
 * bench/bench_tcp.c: BENCH.md's TCP workloads between two erg stacks in
 * one process, one thread, over the loop driver (no impairment, no
 * capture, MTU 1500, software checksums, one wire copy per frame):
 *
 *   W1  one connection, A sends 1 GiB to B. A fills the send ring in place
 *       (erg_tcp_reserve / erg_tcp_commit), B reads views and discards
 *       (erg_tcp_peek / erg_tcp_consume). Gbit/s of payload, and the
 *       stack's bytes copied per payload byte.
 *   W2  one connection, Nagle off both ways, 200,000 round trips of a
 *       1-byte request and a 1-byte response. Transactions/s.
 *   W3  20,000 times: connect, 1-byte request, 1-byte response, close.
 *       Connections/s.
 *
 * plus the arena bytes one more connection costs in the default
 * configuration. Buffers: 64 KiB send and receive (tcp_snd_buf,
 * tcp_rcv_buf); a second line runs the default configuration if it
 * differs.
 *
 * Timing: each run is timed by wall time (the figure, as BENCH.md asks)
 * and by the thread's CPU time (in the JSON record as cpu_*: on a shared
 * machine it leaves out the time other processes held the CPU).
 *
 * The clock: the stacks' time is the real monotonic clock (microseconds),
 * read every 16 turns of the host loop (bench_util.h), so a timer that a
 * workload waits on (a delayed ACK, a retransmission) costs real time, as
 * it would on a real network, and shows in the figure. Time is never
 * skipped ahead.
 *
 * The host loop: each turn delivers the frames due (erg_loop_wire_run),
 * runs both stacks' timers (erg_stack_poll), then lets the applications
 * work. W1's applications work in the loop (fill the ring, drain the
 * queue); W2's and W3's answer from their event callbacks, as
 * request/response servers do.
 *
 * Checks (the only way this program fails): W1 counts every byte and
 * checks a stamp every 256 bytes of the stream (its offset, hashed), and
 * one extra untimed run of 64 MiB checks every byte; W2 and W3 check every
 * request and response byte and count them; after every run both stacks
 * are back at their pool baseline.
 *
 * Stack copies per payload byte (W1) are derived, not measured by
 * instrumenting src/: reserve/commit and peek/consume lend the ring and
 * the received packets (0 copies), segments leave as gather lists to the
 * loop driver (ERG_NETIF_CAP_GATHER; no linearisation), and MSS-sized
 * segments need no fragmentation or reassembly. The one copy the stack
 * may still make on this path, coalescing a small in-order segment
 * (<= 256 bytes) onto the previous packet, is counted by tcp.coalesced;
 * the figure counts each such segment as 256 bytes (an upper bound), and
 * adds ipv4.frag_tx / ipv4.reasm_ok bytes if any appear.
 *
 * Environment: $BENCH_ONLY (e.g. "W1,W3"; also "arena") runs only the
 * workloads it names; $BENCH_VERBOSE prints every non-zero counter of
 * both stacks and the wire after a run.
 *
 * usage: bench_tcp [JSONL]   (appends one JSON record per figure)
 */
#include "bench_util.h"

#define PORT 5001u

#define W1_BYTES   (1ull << 30)
#define W1_VERIFY  (64ull << 20)
#define W1_STAMP   256u
#define W1_VIEWS   64u
#define W2_TRIPS   200000u
#define W3_CONNS   20000u
#define STEP_LIMIT 400000000ull /* host loop turns per run, at most */

/* ---- Common --------------------------------------------------------- */

/* The byte at stream offset off: its 256-byte block number, hashed. */
static inline uint8_t
stamp_at(uint64_t off)
{
	return (uint8_t)(((off / W1_STAMP) * 0x9e3779b97f4a7c15ull) >> 56);
}

/* The byte at off in the full-content check. */
static inline uint8_t
pattern_at(uint64_t off)
{
	return (uint8_t)(stamp_at(off) ^ (off * 131u) ^ (off >> 11));
}

struct side {
	struct erg_tcp_conn *c;
	unsigned ev; /* events seen, ORed */
	bool closed; /* the application let go */
	int err;     /* first error seen */
};

static void
side_event(struct erg_tcp_conn *c, unsigned ev, void *ctx)
{
	struct side *sd = ctx;

	(void)c;
	sd->ev |= ev;
	if ((ev & (ERG_TCP_EV_RESET | ERG_TCP_EV_TIMEDOUT)) != 0 &&
	    sd->err == 0) {
		sd->err = erg_tcp_error(c);
		if (sd->err == 0) {
			sd->err = -ERG_ECONNRESET;
		}
	}
}

struct accept_ctx {
	struct side *sd;
	erg_tcp_event_fn cb;
	void *cb_ctx; /* NULL: sd itself */
	unsigned accepted;
};

static void
on_accept(struct erg_tcp_listener *l, unsigned ev, void *ctx)
{
	struct accept_ctx *ac = ctx;
	struct erg_tcp_conn *c;

	if ((ev & ERG_TCP_EV_ACCEPT) == 0) {
		return;
	}
	while (erg_tcp_accept(l, ac->cb,
	           ac->cb_ctx != NULL ? ac->cb_ctx : ac->sd, &c) == 0) {
		if (ac->sd != NULL) {
			ac->sd->c = c;
		}
		ac->accepted++;
	}
}

/*
 * Runs the host loop (read the clock, deliver, poll) until done(ctx), at
 * most STEP_LIMIT turns. Returns false if it gave up.
 */
static bool
run_until(struct bench_net *n, bool (*done)(void *), void *ctx)
{
	uint64_t i;

	for (i = 0; i < STEP_LIMIT; i++) {
		bench_net_step(n);
		if (done(ctx)) {
			return true;
		}
	}
	return false;
}

/* Both stacks back at their pool baseline (TIME-WAIT does not count). */
static bool
quiet(void *ctx)
{
	const struct bench_net *n = ctx;

	return erg_stack_pool_in_use(n->a.s) == n->a.baseline &&
	    erg_stack_pool_in_use(n->b.s) == n->b.baseline &&
	    erg_loop_wire_pending(n->w) == 0;
}

/* The stack's counters, both stacks added. */
static uint64_t
stat2(const struct bench_net *n, enum erg_stat id)
{
	return erg_stat_get(n->a.s, id) + erg_stat_get(n->b.s, id);
}

static void
print_stat(void *ctx, const char *name, uint64_t value)
{
	if (value != 0) {
		fprintf(stderr, "    %s %-28s %llu\n", (const char *)ctx, name,
		    (unsigned long long)value);
	}
}

/* With $BENCH_VERBOSE, every non-zero counter of both stacks and wire. */
static void
verbose(const struct bench_net *n, const char *what)
{
	struct erg_loop_stats st;

	if (getenv("BENCH_VERBOSE") == NULL) {
		return;
	}
	erg_loop_wire_stats(n->w, &st);
	fprintf(stderr,
	    "  %s: wire sent %llu delivered %llu direct %llu copied %llu "
	    "bytes\n",
	    what, (unsigned long long)st.sent, (unsigned long long)st.delivered,
	    (unsigned long long)st.direct, (unsigned long long)st.copied_bytes);
	erg_stack_stats_foreach(n->a.s, print_stat, "A");
	erg_stack_stats_foreach(n->b.s, print_stat, "B");
}

/*
 * Opens A -> B:PORT and runs until both ends are established. The
 * client's events go to cli_cb(cli_ctx) (NULL: side_event(cli)), the
 * server's as ac says.
 */
static void
open_pair(struct bench_net *n, struct side *cli, struct side *srv,
    struct erg_tcp_listener **l, struct accept_ctx *ac, erg_tcp_event_fn cli_cb,
    void *cli_ctx, const char *what)
{
	uint64_t i;

	ac->sd = srv;
	if (ac->cb == NULL) {
		ac->cb = side_event;
	}
	if (cli_cb == NULL) {
		cli_cb = side_event;
		cli_ctx = cli;
	}
	if (erg_tcp_listen(n->b.s, ERG_IPV4_ANY, PORT, 0, on_accept, ac, l) !=
	        0 ||
	    erg_tcp_connect(n->a.s, n->b.addr, PORT, 0, cli_cb, cli_ctx,
	        &cli->c) != 0) {
		bench_die("%s: cannot listen or connect", what);
	}
	for (i = 0; i < 10000000u; i++) {
		bench_net_step(n);
		if ((cli->ev & ERG_TCP_EV_CONNECTED) != 0 && srv->c != NULL) {
			return;
		}
		if (cli->err != 0) {
			break;
		}
	}
	bench_die("%s: the connection did not open (%s)", what,
	    erg_strerror(cli->err));
}

/* Closes both ends gracefully and runs until every pool is at baseline. */
static void
close_pair(struct bench_net *n, struct side *cli, struct side *srv,
    struct erg_tcp_listener *l, const char *what)
{
	if (cli->c != NULL) {
		erg_tcp_close(cli->c);
	}
	if (srv->c != NULL) {
		erg_tcp_close(srv->c);
	}
	erg_tcp_listener_close(l);
	if (!run_until(n, quiet, n)) {
		bench_die("%s: connections did not close", what);
	}
	bench_net_check_leaks(n, what);
}

/* The configurations each workload runs with: name and config. */
struct variant {
	const char *tag; /* appended to the figure's name */
	struct erg_config cfg;
};

static unsigned
variants(struct variant v[2])
{
	struct erg_config def;

	erg_config_default(&def);
	v[0].tag = "";
	v[0].cfg = def;
	v[0].cfg.tcp_snd_buf = 65536;
	v[0].cfg.tcp_rcv_buf = 65536;
	if (def.tcp_snd_buf == 65536 && def.tcp_rcv_buf == 65536) {
		return 1; /* the default is the 64 KiB configuration */
	}
	v[1].tag = " (default config)";
	v[1].cfg = def;
	return 2;
}

/* ---- W1: bulk ------------------------------------------------------- */

struct w1 {
	struct bench_net net;
	struct side cli; /* A: sends */
	struct side srv; /* B: receives */
	struct accept_ctx ac;
	struct erg_tcp_listener *l;
	uint64_t total;
	uint64_t sent;
	uint64_t got;
	bool full; /* every byte patterned and checked */
	bool bad;
	uint64_t bad_off;
};

/* Fills the ring's free space and commits it. */
static void
w1_fill(struct w1 *b)
{
	struct erg_wview w[2];
	uint64_t n = 0;
	int k, i;

	k = erg_tcp_reserve(b->cli.c, w);
	if (k < 0) {
		b->bad = true;
		return;
	}
	for (i = 0; i < k && b->sent + n < b->total; i++) {
		uint64_t base = b->sent + n;
		uint64_t len = w[i].len;
		uint64_t off;

		if (len > b->total - base) {
			len = b->total - base;
		}
		if (b->full) {
			for (off = 0; off < len; off++) {
				w[i].p[off] = pattern_at(base + off);
			}
		} else {
			/* The first stamp at or after base. */
			off = (W1_STAMP - base % W1_STAMP) % W1_STAMP;
			for (; off < len; off += W1_STAMP) {
				w[i].p[off] = stamp_at(base + off);
			}
		}
		n += len;
	}
	if (n > 0) {
		if (erg_tcp_commit(b->cli.c, (size_t)n) != 0) {
			b->bad = true;
			return;
		}
		b->sent += n;
	}
}

static void
w1_check(struct w1 *b, const uint8_t *p, uint64_t base, size_t len)
{
	uint64_t off;

	if (b->full) {
		for (off = 0; off < len; off++) {
			if (p[off] != pattern_at(base + off)) {
				break;
			}
		}
	} else {
		off = (W1_STAMP - base % W1_STAMP) % W1_STAMP;
		for (; off < len; off += W1_STAMP) {
			if (p[off] != stamp_at(base + off)) {
				break;
			}
		}
	}
	if (off < len && !b->bad) {
		b->bad = true;
		b->bad_off = base + off;
	}
}

/* Reads every view B holds, checks them and releases them. */
static void
w1_drain(struct w1 *b)
{
	struct erg_view v[W1_VIEWS];
	int k, i;

	while ((k = erg_tcp_peek(b->srv.c, v, W1_VIEWS)) > 0) {
		size_t n = 0;

		for (i = 0; i < k; i++) {
			w1_check(b, v[i].p, b->got + n, v[i].len);
			n += v[i].len;
		}
		if (erg_tcp_consume(b->srv.c, n) != 0) {
			b->bad = true;
			return;
		}
		b->got += n;
		if (k < (int)W1_VIEWS) {
			break;
		}
	}
	if (k < 0) {
		b->bad = true;
	}
}

/*
 * One W1 run of total bytes. Returns the time it took; *copies gets the
 * stack's bytes copied per payload byte (derived, see the top), and *wire
 * the loop driver's bytes copied per frame byte sent.
 */
static struct bench_time
w1_run(const struct erg_config *cfg, uint64_t total, bool full, double *copies,
    double *wire)
{
	static struct w1 b;
	struct erg_loop_stats ws0, ws1;
	uint64_t i, coal0, frag0, reasm0, copied;
	struct bench_time t0, t;

	memset(&b, 0, sizeof(b));
	b.total = total;
	b.full = full;
	bench_net_init(&b.net, cfg, bench_now_us());
	open_pair(&b.net, &b.cli, &b.srv, &b.l, &b.ac, NULL, NULL, "W1");
	coal0 = stat2(&b.net, ERG_STAT_TCP_COALESCED);
	frag0 = stat2(&b.net, ERG_STAT_IPV4_FRAG_TX);
	reasm0 = stat2(&b.net, ERG_STAT_IPV4_REASM_OK);
	erg_loop_wire_stats(b.net.w, &ws0);

	t0 = bench_time_now();
	w1_fill(&b);
	for (i = 0; i < STEP_LIMIT && b.got < total && !b.bad; i++) {
		bench_net_step(&b.net);
		w1_drain(&b);
		if (b.sent < total) {
			w1_fill(&b);
		}
		if (b.cli.err != 0 || b.srv.err != 0) {
			b.bad = true;
		}
	}
	t = bench_time_since(t0);

	if (b.bad || b.got != total) {
		bench_die("W1: transfer wrong: %llu of %llu bytes, first bad "
		          "byte at %llu, errors %d/%d",
		    (unsigned long long)b.got, (unsigned long long)total,
		    (unsigned long long)b.bad_off, b.cli.err, b.srv.err);
	}
	erg_loop_wire_stats(b.net.w, &ws1);
	copied = (stat2(&b.net, ERG_STAT_TCP_COALESCED) - coal0) * 256u +
	    (stat2(&b.net, ERG_STAT_IPV4_FRAG_TX) - frag0) * 1500u +
	    (stat2(&b.net, ERG_STAT_IPV4_REASM_OK) - reasm0) * 65535u;
	*copies = (double)copied / (double)total;
	*wire = (double)(ws1.copied_bytes - ws0.copied_bytes) /
	    (double)(ws1.sent_bytes - ws0.sent_bytes);
	verbose(&b.net, "W1");
	close_pair(&b.net, &b.cli, &b.srv, b.l, "W1");
	bench_net_free(&b.net);
	return t;
}

static void
w1_bench(FILE *json, const struct variant *v)
{
	struct bench_time t[BENCH_RUNS];
	double copies = 0, wire = 0, c, wc;
	char name[80], suffix[80], extra[120];
	int i;

	(void)w1_run(&v->cfg, W1_VERIFY, true, &c, &wc);
	for (i = 0; i < BENCH_RUNS; i++) {
		t[i] = w1_run(&v->cfg, W1_BYTES, false, &c, &wc);
		copies = c > copies ? c : copies;
		wire = wc > wire ? wc : wire;
	}
	snprintf(name, sizeof(name), "W1 bulk 1 GiB%s", v->tag);
	snprintf(suffix, sizeof(suffix), "  copies/byte %.2f", copies);
	snprintf(extra, sizeof(extra),
	    ", \"copies_per_byte\": %.4f, \"wire_copies_per_byte\": %.4f",
	    copies, wire);
	bench_report(json, name, "Gbit/s", (double)W1_BYTES * 8, 1e9, t, suffix,
	    extra);
}

/* ---- W2: request/response ------------------------------------------- */

struct w2 {
	struct bench_net net;
	struct side cli;
	struct side srv;
	struct accept_ctx ac;
	struct erg_tcp_listener *l;
	uint32_t trips; /* responses received */
	uint32_t served;
	uint32_t want;
	bool bad;
};

/* Reads exactly one byte, expected to be want; false if none yet. */
static bool
read_byte(struct erg_tcp_conn *c, uint8_t want, bool *bad)
{
	struct erg_view v;
	int k = erg_tcp_peek(c, &v, 1);

	if (k <= 0) {
		if (k < 0) {
			*bad = true;
		}
		return false;
	}
	if (v.p[0] != want || erg_tcp_consume(c, 1) != 0) {
		*bad = true;
		return false;
	}
	return true;
}

static void
w2_send(struct erg_tcp_conn *c, uint8_t byte, bool *bad)
{
	if (erg_tcp_write(c, &byte, 1) != 1) {
		*bad = true;
	}
}

static void
w2_server(struct erg_tcp_conn *c, unsigned ev, void *ctx)
{
	struct w2 *b = ctx;

	side_event(c, ev, &b->srv);
	if ((ev & ERG_EV_READABLE) == 0) {
		return;
	}
	while (read_byte(c, (uint8_t)('q' + b->served), &b->bad)) {
		w2_send(c, (uint8_t)('r' + b->served), &b->bad);
		b->served++;
	}
}

static void
w2_client(struct erg_tcp_conn *c, unsigned ev, void *ctx)
{
	struct w2 *b = ctx;

	side_event(c, ev, &b->cli);
	if ((ev & ERG_EV_READABLE) == 0) {
		return;
	}
	while (read_byte(c, (uint8_t)('r' + b->trips), &b->bad)) {
		b->trips++;
		if (b->trips < b->want) {
			w2_send(c, (uint8_t)('q' + b->trips), &b->bad);
		}
	}
}

static bool
w2_done(void *ctx)
{
	const struct w2 *b = ctx;

	return b->trips >= b->want || b->bad || b->cli.err != 0 ||
	    b->srv.err != 0;
}

/* One W2 run of trips round trips: the time it took. */
static struct bench_time
w2_run(const struct erg_config *cfg, uint32_t trips)
{
	static struct w2 b;
	struct bench_time t0, t;

	memset(&b, 0, sizeof(b));
	b.want = trips;
	bench_net_init(&b.net, cfg, bench_now_us());
	b.ac.cb = w2_server;
	b.ac.cb_ctx = &b;
	open_pair(&b.net, &b.cli, &b.srv, &b.l, &b.ac, w2_client, &b, "W2");
	erg_tcp_set_nodelay(b.cli.c, true);
	erg_tcp_set_nodelay(b.srv.c, true);

	t0 = bench_time_now();
	w2_send(b.cli.c, 'q', &b.bad);
	if (!run_until(&b.net, w2_done, &b)) {
		b.bad = true;
	}
	t = bench_time_since(t0);
	if (b.bad || b.trips != trips || b.served != trips || b.cli.err != 0 ||
	    b.srv.err != 0) {
		bench_die(
		    "W2: exchange wrong: %u of %u round trips, %u served, "
		    "errors %d/%d",
		    b.trips, trips, b.served, b.cli.err, b.srv.err);
	}
	verbose(&b.net, "W2");
	close_pair(&b.net, &b.cli, &b.srv, b.l, "W2");
	bench_net_free(&b.net);
	return t;
}

static void
w2_bench(FILE *json, const struct variant *v)
{
	struct bench_time t[BENCH_RUNS];
	char name[80];
	int i;

	for (i = 0; i < BENCH_RUNS; i++) {
		t[i] = w2_run(&v->cfg, W2_TRIPS);
	}
	snprintf(name, sizeof(name), "W2 rr 1 B%s", v->tag);
	bench_report(json, name, "M trans/s", W2_TRIPS, 1e6, t, NULL, NULL);
}

/* ---- W3: connect, request, response, close --------------------------- */

/*
 * One connection at a time: the client connects, writes its request
 * when connected, reads the response, closes, and connects again from
 * that callback; the server accepts, answers the request, and closes
 * when the client's FIN arrives. Closing handshakes overlap the next
 * connection, as they would with a real client.
 */
struct w3_conn {
	struct w3 *b;
	struct erg_tcp_conn *c;
	uint32_t id;
	bool asked;
};

struct w3 {
	struct bench_net net;
	struct erg_tcp_listener *l;
	struct w3_conn cli[2]; /* the current client connection, and spare */
	struct w3_conn srv[256];
	uint32_t want;
	uint32_t started;
	uint32_t done;   /* responses read, client closed */
	uint32_t served; /* requests answered */
	uint32_t srv_closed;
	int err;
	bool bad;
};

static void w3_client(struct erg_tcp_conn *c, unsigned ev, void *ctx);

static void
w3_connect(struct w3 *b)
{
	struct w3_conn *k = &b->cli[b->started % 2];
	int rc;

	k->b = b;
	k->id = b->started;
	k->asked = false;
	rc = erg_tcp_connect(b->net.a.s, b->net.b.addr, PORT, 0, w3_client, k,
	    &k->c);
	if (rc != 0) {
		b->err = rc;
		b->bad = true;
		return;
	}
	b->started++;
}

static void
w3_client(struct erg_tcp_conn *c, unsigned ev, void *ctx)
{
	struct w3_conn *k = ctx;
	struct w3 *b = k->b;

	if ((ev & (ERG_TCP_EV_RESET | ERG_TCP_EV_TIMEDOUT)) != 0) {
		b->err = erg_tcp_error(c);
		b->bad = true;
		return;
	}
	if ((ev & ERG_TCP_EV_CONNECTED) != 0 && !k->asked) {
		uint8_t q = (uint8_t)k->id;

		k->asked = true;
		if (erg_tcp_write(c, &q, 1) != 1) {
			b->bad = true;
		}
	}
	if ((ev & ERG_EV_READABLE) != 0 &&
	    read_byte(c, (uint8_t)(k->id * 7u), &b->bad)) {
		erg_tcp_close(c);
		k->c = NULL;
		b->done++;
		if (b->started < b->want) {
			w3_connect(b);
		}
	}
}

static void
w3_server(struct erg_tcp_conn *c, unsigned ev, void *ctx)
{
	struct w3_conn *k = ctx;
	struct w3 *b = k->b;
	struct erg_view v;
	int n;

	if ((ev & (ERG_TCP_EV_RESET | ERG_TCP_EV_TIMEDOUT)) != 0) {
		b->err = erg_tcp_error(c);
		b->bad = true;
		return;
	}
	if ((ev & ERG_EV_READABLE) != 0 && !k->asked &&
	    (n = erg_tcp_peek(c, &v, 1)) > 0) {
		uint8_t r = (uint8_t)(v.p[0] * 7u);

		k->asked = true;
		if (erg_tcp_consume(c, 1) != 0 ||
		    erg_tcp_write(c, &r, 1) != 1) {
			b->bad = true;
		}
		b->served++;
	}
	if ((ev & ERG_TCP_EV_PEER_CLOSED) != 0) {
		erg_tcp_close(c);
		k->c = NULL;
		b->srv_closed++;
	}
}

static void
w3_accept(struct erg_tcp_listener *l, unsigned ev, void *ctx)
{
	struct w3 *b = ctx;
	struct erg_tcp_conn *c;

	if ((ev & ERG_TCP_EV_ACCEPT) == 0) {
		return;
	}
	for (;;) {
		struct w3_conn *k = NULL;
		unsigned i;

		/* A free slot: one whose connection the server closed. */
		for (i = 0; i < sizeof(b->srv) / sizeof(b->srv[0]); i++) {
			if (b->srv[i].c == NULL) {
				k = &b->srv[i];
				break;
			}
		}
		if (k == NULL) {
			b->bad = true;
			return;
		}
		if (erg_tcp_accept(l, w3_server, k, &c) != 0) {
			return;
		}
		k->b = b;
		k->c = c;
		k->asked = false;
	}
}

static bool
w3_done(void *ctx)
{
	const struct w3 *b = ctx;

	return b->bad ||
	    (b->done >= b->want && b->srv_closed >= b->want &&
	        quiet((void *)&b->net));
}

/* One W3 run of want connections: the time it took. */
static struct bench_time
w3_run(const struct erg_config *cfg, uint32_t want)
{
	static struct w3 b;
	struct bench_time t0, t;

	memset(&b, 0, sizeof(b));
	bench_net_init(&b.net, cfg, bench_now_us());
	if (erg_tcp_listen(b.net.b.s, ERG_IPV4_ANY, PORT, 0, w3_accept, &b,
	        &b.l) != 0) {
		bench_die("W3: cannot listen");
	}
	/* Quiet, while the listener is open, counts it. */
	b.net.b.baseline++;
	/* One connection first, untimed: ARP resolves. */
	b.want = 1;
	w3_connect(&b);
	if (!run_until(&b.net, w3_done, &b) || b.bad) {
		bench_die("W3: the first connection failed (%s)",
		    erg_strerror(b.err));
	}
	b.want = want + 1;
	t0 = bench_time_now();
	w3_connect(&b);
	if (!run_until(&b.net, w3_done, &b)) {
		b.bad = true;
	}
	t = bench_time_since(t0);
	if (b.bad || b.done != want + 1 || b.served != want + 1) {
		bench_die("W3: %u of %u connections done, %u served (%s)",
		    b.done, want + 1, b.served, erg_strerror(b.err));
	}
	verbose(&b.net, "W3");
	erg_tcp_listener_close(b.l);
	b.net.b.baseline--;
	bench_net_check_leaks(&b.net, "W3");
	bench_net_free(&b.net);
	return t;
}

static void
w3_bench(FILE *json, const struct variant *v)
{
	struct bench_time t[BENCH_RUNS];
	char name[80];
	int i;

	for (i = 0; i < BENCH_RUNS; i++) {
		t[i] = w3_run(&v->cfg, W3_CONNS);
	}
	snprintf(name, sizeof(name), "W3 crr%s", v->tag);
	bench_report(json, name, "k conn/s", W3_CONNS, 1e3, t, NULL, NULL);
}

/* ---- Arena per connection -------------------------------------------- */

/*
 * What one more connection costs in the default configuration: the
 * arena for 2 * tcp_conns minus the arena for tcp_conns, per connection
 * (its send ring, its struct, its timer slots and its share of the hash
 * table). Received data lives in the packet pool, bounded by tcp_rcv_buf
 * per connection, and is not part of it.
 */
static void
arena_report(FILE *json)
{
	struct erg_config cfg;
	uint64_t st = 0;
	size_t one, two;
	double per;

	erg_config_default(&cfg);
	cfg.rand = bench_rand;
	cfg.rand_ctx = &st;
	one = erg_arena_size(&cfg);
	cfg.tcp_conns *= 2;
	two = erg_arena_size(&cfg);
	per = (double)(two - one) / (double)(cfg.tcp_conns / 2);
	printf("bench: %-30s %8.0f bytes  (default config: tcp_snd_buf %u, "
	       "arena %zu bytes for %u connections)\n",
	    "arena per TCP connection", per, cfg.tcp_snd_buf, one,
	    cfg.tcp_conns / 2);
	if (json != NULL) {
		fprintf(json,
		    "{\"name\": \"arena per TCP connection (default config)\", "
		    "\"unit\": \"bytes\", \"median\": %.0f, \"min\": %.0f, "
		    "\"max\": %.0f, \"runs\": 1, \"arena_default\": %zu}\n",
		    per, per, per, one);
	}
}

/* ---- main ----------------------------------------------------------- */

int
main(int argc, char **argv)
{
	struct variant v[2];
	FILE *json = NULL;
	unsigned nv, i;

	if (argc > 1 && (json = fopen(argv[1], "a")) == NULL) {
		perror(argv[1]);
		return 1;
	}
	nv = variants(v);
	for (i = 0; i < nv && bench_selected("W1"); i++) {
		w1_bench(json, &v[i]);
	}
	for (i = 0; i < nv && bench_selected("W2"); i++) {
		w2_bench(json, &v[i]);
	}
	for (i = 0; i < nv && bench_selected("W3"); i++) {
		w3_bench(json, &v[i]);
	}
	if (bench_selected("arena")) {
		arena_report(json);
	}
	if (json != NULL) {
		fclose(json);
	}
	return 0;
}
