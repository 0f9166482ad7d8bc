/*
 * tests/sim/sim_tls.c: TLS sessions (erg/tls.h) between two stacks over
 * the loop wire: an erg client on host 1, an erg server on host 2, the
 * test PKI of tests/vectors/tls.
 *
 * - Bulk: 64 MiB each way at once, checked by hash, on a clean wire and
 *   through loss, reordering and jitter, by the zero-copy calls
 *   (reserve/commit, peek/consume) and the copying ones (write/read);
 *   a few MiB in mono buffer mode and with 4 KiB buffers (the client
 *   asks max_fragment_length, RFC 6066 4; the erg server honours it).
 * - Credentials: ECDSA P-256, P-384 and RSA 2048 certificates, each with
 *   AES-GCM and ChaCha20-Poly1305 forced by either side's suite list;
 *   SNI picks the certificate (RFC 6066 3); ALPN (RFC 7301); resumption
 *   by session ID (RFC 5246 7.3); the TLS 1.0 / 1.1 flag and refused
 *   renegotiation, with a bare BearSSL client (TLS 1.0 only; one that
 *   asks to renegotiate).
 * - Failures, each with the client's error and the server's outcome:
 *   unknown CA, wrong host name, expired certificate, wildcards (RFC 6125
 *   6.4.3), CN-only certificates, a truncated handshake (FIN, RST, a wire
 *   cut), no common suite (a handshake_failure alert), a refused
 *   connection, a full session pool.
 * - Flow and closing: a reader that stops (the writer waits, nothing is
 *   lost), a write before the handshake, close_notify either way (RFC
 *   5246 7.2.1), data written just before a close, a FIN without
 *   close_notify (truncation), abort, close from inside the callback,
 *   shutdown then the peer's close.
 *
 * Every test ends with both stacks' TLS sessions, TCP connections and
 * packets back at their baselines. Seeds are fixed: a run repeats. Tests
 * named test_bug_* pin bugs that these tests found in src/tls, now fixed
 * (the BUG_* macros below, all 0, say what each one was).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <bearssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/sim.h"
#include "lib/tls_app.h"
#include "tls/tls_vectors.h"

#define DELAY 100ull /* one-way wire delay, us */
#define PORT  443u
#define NAPP  4u

/* 2027-01-15, inside every good certificate's validity (2025-2099). */
#define NOW 1800000000ull
/* 2002-06-01: inside expired.pem's validity (2001-2002). */
#define T_2002 1022889600ull
/* 2000-06-01: before it. */
#define T_2000 959817600ull

#define CSEED 0xc11e0000ull /* the client's stream seeds (+ index) */
#define SSEED 0x5e7e0000ull /* the server's */

#define MIB (1ull << 20)
/* Liveness bound of a bulk run (simulated time costs nothing idle). */
#define XFER_LIMIT (48ull * 3600 * SIM_SEC)
#define HS_LIMIT   (60 * SIM_SEC)

static const struct erg_loop_impair clean = { 0, 0, 0, 0, DELAY, 0 };

/*
 * Bugs in src/tls found by this file, open when it was written: 1 while
 * open. Each has a minimal test (test_bug_*) that skips while its bug
 * is open; with the fix the macro goes to 0, the minimal test runs, and
 * the other tests expect the fixed behaviour as well.
 *
 * BUG_SENT_ALERT_MAP: erg_tls_map_error maps BR_ERR_SEND_FATAL_ALERT + x
 * (BearSSL failed the handshake and told the peer with alert x) to
 * ETLS_PROTOCOL, so a server that finds no common suite or version
 * reports ETLS_PROTOCOL, not ETLS_HANDSHAKE (erg/error.h: "no common
 * version, suite, curve").
 *
 * BUG_RESUMED_EARLY: a server marks a session resumed (erg_tls_info,
 * tls.resumed) as soon as its cache has the client's session ID, but
 * BearSSL still refuses it when the version or the suite does not fit
 * and makes a full handshake, which the server then reports as resumed
 * (and the client, rightly, not).
 *
 * BUG_STALE_COMMIT: erg_tls_write does not end a reserve's window, so a
 * commit after a write sends stale bytes of the record buffer.
 *
 * BUG_ALPN_RESUME: BearSSL 0.6 checks the client's ALPN names against
 * the server's only on a full handshake; resuming a session, it skips
 * the check and, when nothing matched, writes protocol_names[0xFFFE]
 * into the ServerHello (an out-of-bounds read, then a strlen-sized copy
 * into its 512-byte pad). Any client that resumes a cached session
 * offering only names the server does not speak crashes an erg server
 * that has ALPN names and a session cache (found by fuzz/fuzz_tls.c).
 *
 * BUG_ORPHAN_STUCK: with a mono buffer, a session closed while a peer's
 * record is half received never writes close_notify (BearSSL waits for
 * the buffer the half record holds), so it never shuts TCP nor arms its
 * linger timer: with a peer that stalls there the session and its TCP
 * connection are held for ever (found by fuzz/fuzz_tls.c).
 */
#define BUG_RESUMED_EARLY  0
#define BUG_STALE_COMMIT   0
#define BUG_ALPN_RESUME    0
#define BUG_ORPHAN_STUCK   0
#define BUG_SENT_ALERT_MAP 0

/* ---- Helpers ------------------------------------------------------------- */

struct tp {
	struct sim *sim;
	struct sim_node *c;          /* client, host 1 */
	struct sim_node *s;          /* server, host 2 */
	struct erg_tls_trust *trust; /* on c: ca.pem */
	struct erg_tls_server *srv;  /* on s */
	struct tls_listener tl;
	struct tls_app cli[NAPP];
	struct tls_app sv[NAPP];
	unsigned cur; /* the session predicates look at */
};

/*
 * Two hosts on a wire (imp NULL: clean), the client trusting ca.pem;
 * ccfg / scfg NULL: the defaults.
 */
static struct tp *
tp_new(struct sim *sim, const char *name, uint64_t seed,
    const struct erg_loop_impair *imp, const struct erg_config *ccfg,
    const struct erg_config *scfg)
{
	struct tp *p = sim_calloc(sim, 1, sizeof(*p));
	unsigned i;

	sim_start(sim, name, seed, imp != NULL ? imp : &clean);
	p->sim = sim;
	p->c = sim_add(sim, ccfg, 1);
	p->s = sim_add(sim, scfg, 2);
	assert_int_equal(erg_tls_trust_new(p->c->s, &p->trust), 0);
	assert_int_equal(erg_tls_trust_add(p->trust, TLS_VEC(ca_pem)), 1);
	for (i = 0; i < NAPP; i++) {
		tls_app_init(&p->cli[i], sim, CSEED + i, 0);
		tls_app_init(&p->sv[i], sim, SSEED + i, 0);
	}
	return p;
}

/* The server (o NULL: defaults) and its listener on PORT. */
static void
tp_server(struct tp *p, const struct erg_tls_server_opts *o)
{
	assert_int_equal(erg_tls_server_new(p->s->s, o, &p->srv), 0);
	tls_listen(&p->tl, p->s, PORT, p->srv, p->sv, NAPP);
}

static void
tp_cert(struct tp *p, const char *name, const char *chain, size_t chain_len,
    const char *key, size_t key_len)
{
	assert_int_equal(erg_tls_server_add_cert(p->srv, name, chain, chain_len,
	                     key, key_len),
	    0);
}

#define TP_CERT(p, name, x) \
	tp_cert(p, name, TLS_VEC(x##_chain_pem), TLS_VEC(x##_key))

/* Client options: the trust store, the name, NOW. */
static struct erg_tls_client_opts
tp_opts(const struct tp *p, const char *name)
{
	struct erg_tls_client_opts o;

	memset(&o, 0, sizeof(o));
	o.trust = p->trust;
	o.server_name = name;
	o.unix_time = NOW;
	return o;
}

static void
tp_connect(struct tp *p, unsigned i, const struct erg_tls_client_opts *o)
{
	p->cur = i;
	assert_int_equal(
	    tls_app_connect(&p->cli[i], p->c, p->s->addr, PORT, o, NULL), 0);
}

static bool
app_settled(const struct tls_app *a)
{
	return a->n_handshake > 0 || a->n_closed > 0 || a->closed;
}

/* Session cur: both ends finished the handshake or failed. */
static bool
pair_settled(struct sim *sim, void *ctx)
{
	const struct tp *p = ctx;

	(void)sim;
	return app_settled(&p->cli[p->cur]) && p->tl.next > p->cur &&
	    app_settled(&p->sv[p->cur]);
}

/* Session cur: both ends got ERG_TLS_EV_CLOSED or closed. */
static bool
pair_closed(struct sim *sim, void *ctx)
{
	const struct tp *p = ctx;
	const struct tls_app *c = &p->cli[p->cur], *s = &p->sv[p->cur];

	(void)sim;
	return (c->n_closed > 0 || c->closed) && p->tl.next > p->cur &&
	    (s->n_closed > 0 || s->closed);
}

/* The client of session cur got ERG_TLS_EV_CLOSED. */
static bool
cli_closed(struct sim *sim, void *ctx)
{
	const struct tp *p = ctx;

	(void)sim;
	return p->cli[p->cur].n_closed > 0;
}

/* The server of session cur got ERG_TLS_EV_CLOSED. */
static bool
srv_closed(struct sim *sim, void *ctx)
{
	const struct tp *p = ctx;

	(void)sim;
	return p->tl.next > p->cur && p->sv[p->cur].n_closed > 0;
}

/* Neither host has a TLS session in use. */
static bool
no_sessions(struct sim *sim, void *ctx)
{
	const struct tp *p = ctx;

	(void)sim;
	return tls_sessions(p->c) == 0 && tls_sessions(p->s) == 0;
}

/* The client host has no TLS session in use. */
static bool
no_cli_session(struct sim *sim, void *ctx)
{
	const struct tp *p = ctx;

	(void)sim;
	return tls_sessions(p->c) == 0;
}

/* Connects session i and runs until both ends completed a handshake. */
static void
tp_handshake(struct tp *p, unsigned i, const struct erg_tls_client_opts *o)
{
	tp_connect(p, i, o);
	assert_true(sim_run_until(p->sim, pair_settled, p, HS_LIMIT));
	assert_int_equal(p->cli[i].err, 0);
	assert_int_equal(p->sv[i].err, 0);
	assert_int_equal(p->cli[i].n_handshake, 1);
	assert_int_equal(p->sv[i].n_handshake, 1);
	assert_false(p->cli[i].hs.server);
	assert_true(p->sv[i].hs.server);
	assert_int_equal(p->cli[i].hs.version, 0x0303);
	assert_int_equal(p->sv[i].hs.version, 0x0303);
	assert_int_equal(p->cli[i].hs.cipher, p->sv[i].hs.cipher);
	assert_string_equal(p->cli[i].hs_cipher, p->sv[i].hs_cipher);
	assert_string_not_equal(p->cli[i].hs_cipher, "?");
	assert_string_equal(p->cli[i].hs_alpn, p->sv[i].hs_alpn);
}

/*
 * Closes whatever the test left open (sessions, refused connections,
 * the listener), lets both stacks finish, and checks that everything
 * was given back.
 */
static void
tp_finish(struct tp *p)
{
	unsigned i;

	for (i = 0; i < NAPP; i++) {
		if (p->cli[i].t != NULL) {
			tls_app_close(&p->cli[i]);
		}
		if (p->sv[i].t != NULL) {
			tls_app_close(&p->sv[i]);
		}
	}
	for (i = 0; i < p->tl.nrefused; i++) {
		erg_tcp_close(p->tl.refused[i]);
	}
	p->tl.nrefused = 0;
	tls_listener_close(&p->tl);
	assert_true(sim_run_until_no_conns(p->sim, 3600 * SIM_SEC));
	sim_run_for(p->sim, SIM_SEC);
	assert_int_equal(tls_sessions(p->c), 0);
	assert_int_equal(tls_sessions(p->s), 0);
	tls_assert_no_leaks(p->sim);
	sim_assert_wire_balanced(p->sim);
	sim_pass(p->sim);
}

/* The hash of the first len bytes of stream seed, remembered. */
static uint64_t
expected_hash(uint64_t seed, uint64_t len)
{
	static uint64_t memo_seed[4], memo_len[4], memo_hash[4];
	static unsigned next;
	unsigned i;

	for (i = 0; i < 4; i++) {
		if (memo_seed[i] == seed && memo_len[i] == len && len > 0) {
			return memo_hash[i];
		}
	}
	i = next++ % 4;
	memo_seed[i] = seed;
	memo_len[i] = len;
	memo_hash[i] = sim_stream_hash(seed, len);
	return memo_hash[i];
}

/*
 * Session i moves c2s bytes from client to server and s2c back at the
 * same time; each end closes once it sent and received everything.
 */
static void
xfer_setup(struct tp *p, unsigned i, uint64_t c2s, uint64_t s2c, bool client_zc,
    bool server_zc)
{
	struct tls_app *c = &p->cli[i], *s = &p->sv[i];

	tls_app_init(c, p->sim, CSEED + i, c2s);
	tls_app_init(s, p->sim, SSEED + i, s2c);
	c->tx_zc = c->rx_zc = client_zc;
	s->tx_zc = s->rx_zc = server_zc;
	c->close = TLS_APP_CLOSE_DONE;
	c->rx_want = s2c;
	s->close = TLS_APP_CLOSE_DONE;
	s->rx_want = c2s;
}

static bool
xfer_done(struct sim *sim, void *ctx)
{
	const struct tp *p = ctx;
	const struct tls_app *c = &p->cli[p->cur], *s = &p->sv[p->cur];

	(void)sim;
	if (c->err != 0 || s->err != 0 || c->io_err != 0 || s->io_err != 0) {
		return true; /* fails below, with the reason */
	}
	return c->closed && s->closed;
}

/* Runs session i set up by xfer_setup, and checks both streams. */
static void
xfer_run(struct tp *p, unsigned i, const struct erg_tls_client_opts *o)
{
	struct tls_app *c = &p->cli[i], *s = &p->sv[i];

	tp_connect(p, i, o);
	assert_true(sim_run_until(p->sim, xfer_done, p, XFER_LIMIT));
	assert_string_equal(erg_strerror(c->err), erg_strerror(0));
	assert_string_equal(erg_strerror(s->err), erg_strerror(0));
	assert_string_equal(erg_strerror(c->io_err), erg_strerror(0));
	assert_string_equal(erg_strerror(s->io_err), erg_strerror(0));
	assert_int_equal(c->n_handshake, 1);
	assert_int_equal(s->n_handshake, 1);
	assert_int_equal(c->hs.version, 0x0303);
	assert_int_equal(c->hs.cipher, s->hs.cipher);
	/* Byte for byte, both ways. */
	assert_true(c->tx_done == c->tx_total);
	assert_true(s->tx_done == s->tx_total);
	assert_true(s->rx_done == c->tx_total);
	assert_true(c->rx_done == s->tx_total);
	assert_true(c->tx_hash == expected_hash(CSEED + i, c->tx_total));
	assert_true(s->rx_hash == c->tx_hash);
	assert_true(s->tx_hash == expected_hash(SSEED + i, s->tx_total));
	assert_true(c->rx_hash == s->tx_hash);
}

/* The client of session i failed the handshake with err. */
static void
assert_cli_failed(struct tp *p, unsigned i, int err)
{
	struct tls_app *c = &p->cli[i];
	uint8_t b;

	assert_string_equal(erg_strerror(c->err), erg_strerror(err));
	assert_int_equal(c->n_handshake, 0);
	assert_int_equal(c->n_closed, 1);
	assert_int_equal(c->n_error, 1);
	assert_false(c->fail.handshake_done);
	assert_non_null(c->t);
	/*
	 * Every call reports the error from now on; read and peek report
	 * a truncation as the end of the stream (what came before the FIN
	 * stays readable), the error being erg_tls_error's.
	 */
	assert_int_equal(erg_tls_error(c->t), err);
	assert_int_equal(erg_tls_read(c->t, &b, 1),
	    err == -ERG_ETLS_TRUNCATED ? 0 : err);
	assert_int_equal(erg_tls_write(c->t, "x", 1), err);
	assert_int_equal(erg_tls_shutdown(c->t), err);
}

/* A client handshake that must fail with err; the server must fail too. */
static void
expect_fail(struct tp *p, unsigned i, const struct erg_tls_client_opts *o,
    int err)
{
	tp_connect(p, i, o);
	assert_true(sim_run_until(p->sim, pair_closed, p, HS_LIMIT));
	assert_cli_failed(p, i, err);
	assert_int_equal(p->sv[i].n_handshake, 0);
	assert_int_equal(p->sv[i].n_closed, 1);
	assert_int_equal(p->sv[i].n_error, 1);
}

/*
 * A certificate the client refuses (err): the client fails with err and
 * counts it; the server, whose handshake was under way, hears the
 * client's alert (alert; RFC 5246 7.2.2).
 */
static void
expect_cert_fail(struct tp *p, unsigned i, const struct erg_tls_client_opts *o,
    int err, uint8_t alert)
{
	uint64_t cf = sim_stat(p->c, ERG_STAT_TLS_CERT_FAIL);
	uint64_t hf = sim_stat(p->c, ERG_STAT_TLS_HANDSHAKE_FAIL);
	uint64_t sf = sim_stat(p->s, ERG_STAT_TLS_HANDSHAKE_FAIL);

	expect_fail(p, i, o, err);
	assert_int_equal(sim_stat(p->c, ERG_STAT_TLS_CERT_FAIL), cf + 1);
	assert_int_equal(sim_stat(p->c, ERG_STAT_TLS_HANDSHAKE_FAIL), hf + 1);
	assert_int_equal(sim_stat(p->s, ERG_STAT_TLS_HANDSHAKE_FAIL), sf + 1);
	assert_string_equal(erg_strerror(p->sv[i].err),
	    erg_strerror(-ERG_ETLS_ALERT));
	assert_int_equal(p->sv[i].fail.alert, alert);
}

/* A session that works: handshake, a little data each way, close. */
static void
expect_ok(struct tp *p, unsigned i, const struct erg_tls_client_opts *o)
{
	xfer_setup(p, i, 4096 + i, 8192 + i, i & 1, (i & 1) == 0);
	xfer_run(p, i, o);
}

/* ---- Bulk transfers ------------------------------------------------------ */

struct bulk_case {
	const char *name;
	uint64_t seed;
	struct erg_loop_impair imp;
	uint64_t bytes; /* each way */
	bool client_zc;
	bool server_zc;
	uint32_t tls_buf_c; /* 0: default */
	uint32_t tls_buf_s;
};

static void
run_bulk(struct sim *sim, const struct bulk_case *k)
{
	struct erg_config cc, sc;
	struct erg_tls_client_opts o;
	struct timespec w0, w1;
	struct tp *p;

	(void)clock_gettime(CLOCK_MONOTONIC, &w0);
	erg_config_default(&cc);
	erg_config_default(&sc);
	if (k->tls_buf_c != 0) {
		cc.tls_buf = k->tls_buf_c;
	}
	if (k->tls_buf_s != 0) {
		sc.tls_buf = k->tls_buf_s;
	}
	p = tp_new(sim, k->name, k->seed, &k->imp, &cc, &sc);
	tp_server(p, NULL);
	TP_CERT(p, NULL, ec256);
	o = tp_opts(p, "erg.test");
	xfer_setup(p, 0, k->bytes, k->bytes, k->client_zc, k->server_zc);
	xfer_run(p, 0, &o);
	/* The default suite: erg's first, AES-128-GCM with ECDSA. */
	assert_int_equal(p->cli[0].hs.cipher,
	    ERG_TLS_ECDHE_ECDSA_AES128_GCM_SHA256);
	assert_string_equal(p->cli[0].hs_cipher,
	    "ECDHE-ECDSA-AES128-GCM-SHA256");
	/* Both closed after everything: close_notify crossed, no error. */
	assert_true(sim_stat(p->c, ERG_STAT_TLS_APP_IN_BYTES) == k->bytes);
	assert_true(sim_stat(p->s, ERG_STAT_TLS_APP_IN_BYTES) == k->bytes);
	assert_true(sim_stat(p->c, ERG_STAT_TLS_APP_OUT_BYTES) == k->bytes);
	assert_true(sim_stat(p->s, ERG_STAT_TLS_APP_OUT_BYTES) == k->bytes);
	/* Records cost more than their plaintext. */
	assert_true(sim_stat(p->c, ERG_STAT_TLS_REC_OUT_BYTES) > k->bytes);
	assert_true(sim_stat(p->s, ERG_STAT_TLS_REC_IN_BYTES) > k->bytes);
	/* The zero-copy paths copy no plaintext. */
	if (k->client_zc) {
		assert_true(sim_stat(p->c, ERG_STAT_TLS_APP_COPIED_BYTES) == 0);
	} else {
		assert_true(sim_stat(p->c, ERG_STAT_TLS_APP_COPIED_BYTES) ==
		    2 * k->bytes);
	}
	assert_int_equal(sim_stat(p->c, ERG_STAT_TLS_HANDSHAKES), 1);
	assert_int_equal(sim_stat(p->s, ERG_STAT_TLS_HANDSHAKES), 1);
	assert_int_equal(sim_stat(p->c, ERG_STAT_TLS_PROTOCOL_ERR), 0);
	assert_int_equal(sim_stat(p->s, ERG_STAT_TLS_PROTOCOL_ERR), 0);
	if (k->imp.loss_ppm != 0) {
		assert_true(sim_stat(p->c, ERG_STAT_TCP_RETRANSMITS) > 0);
		assert_true(sim_stat(p->s, ERG_STAT_TCP_RETRANSMITS) > 0);
	}
	tp_finish(p);
	if (getenv("SIM_VERBOSE") != NULL) {
		(void)clock_gettime(CLOCK_MONOTONIC, &w1);
		fprintf(stderr,
		    "%s: %llu bytes each way, %.3f s simulated, %.2f s "
		    "wall-clock\n",
		    k->name, (unsigned long long)k->bytes,
		    (double)sim->now / 1e6,
		    (double)(w1.tv_sec - w0.tv_sec) +
		        (double)(w1.tv_nsec - w0.tv_nsec) / 1e9);
	}
}

/* 64 MiB each way at once on a clean wire, zero copy at both ends. */
static void
test_bulk_64mib_each_way_clean_zero_copy_hash_matches(void **state)
{
	static const struct bulk_case k = { "sim_tls_bulk_clean_zc", 301,
		{ 0, 0, 0, 0, DELAY, 0 }, 64 * MIB, true, true, 0, 0 };

	run_bulk(*state, &k);
}

/* 64 MiB each way at once on a clean wire, copying at both ends. */
static void
test_bulk_64mib_each_way_clean_copying_hash_matches(void **state)
{
	static const struct bulk_case k = { "sim_tls_bulk_clean_copy", 302,
		{ 0, 0, 0, 0, DELAY, 0 }, 64 * MIB, false, false, 0, 0 };

	run_bulk(*state, &k);
}

/*
 * 64 MiB each way through 1% loss, 1% reordering and 20 us of jitter:
 * TCP repairs the stream, TLS sees it whole (one lost or reordered byte
 * would fail a record's AEAD tag). Client zero copy, server copying.
 */
static void
test_bulk_64mib_each_way_loss_reorder_jitter_zc_client(void **state)
{
	static const struct bulk_case k = { "sim_tls_bulk_rough_zc_c", 303,
		{ 10000, 0, 10000, 0, DELAY, 20 }, 64 * MIB, true, false, 0,
		0 };

	run_bulk(*state, &k);
}

/* The same the other way round: client copying, server zero copy. */
static void
test_bulk_64mib_each_way_loss_reorder_jitter_zc_server(void **state)
{
	static const struct bulk_case k = { "sim_tls_bulk_rough_zc_s", 304,
		{ 10000, 0, 10000, 0, DELAY, 20 }, 64 * MIB, false, true, 0,
		0 };

	run_bulk(*state, &k);
}

/*
 * Mono buffer mode (BearSSL's one buffer for both directions) at both
 * ends: 4 MiB each way at once, by both APIs, through 1% loss.
 */
static void
test_mono_buffers_4mib_each_way(void **state)
{
	static const struct bulk_case k = { "sim_tls_mono", 305,
		{ 10000, 0, 0, 0, DELAY, 0 }, 4 * MIB, true, false,
		ERG_TLS_BUF_MONO, ERG_TLS_BUF_MONO };

	run_bulk(*state, &k);
}

/*
 * A 4 KiB record buffer at the client: it asks max_fragment_length
 * (RFC 6066 4), the erg server (full buffers) honours it, so every
 * record fits: 4 MiB each way.
 */
static void
test_small_client_buffer_server_honours_max_fragment_length(void **state)
{
	static const struct bulk_case k = { "sim_tls_small_client", 306,
		{ 0, 0, 0, 0, DELAY, 0 }, 4 * MIB, false, true, 4096, 0 };

	run_bulk(*state, &k);
}

/* 4 KiB buffers at both ends: 4 MiB each way. */
static void
test_small_buffers_both_ends(void **state)
{
	static const struct bulk_case k = { "sim_tls_small_both", 307,
		{ 0, 0, 0, 0, DELAY, 0 }, 4 * MIB, true, false, 4096, 4096 };

	run_bulk(*state, &k);
}

/* The smallest buffer, ERG_TLS_BUF_MIN, at both ends: 1 MiB each way. */
static void
test_min_buffers_both_ends(void **state)
{
	static const struct bulk_case k = { "sim_tls_min_both", 308,
		{ 0, 0, 0, 0, DELAY, 0 }, 1 * MIB, false, false,
		ERG_TLS_BUF_MIN, ERG_TLS_BUF_MIN };

	run_bulk(*state, &k);
}

/* ---- Certificates and suites --------------------------------------------- */

struct suite_case {
	uint16_t suite;
	const char *name;
	bool by_server; /* forced by the server's list (else the client's) */
};

/*
 * One certificate, one connection per suite: each forced by one side's
 * list, seen by both ends, and 256 KiB each way through it.
 */
static void
run_cert_suites(struct sim *sim, const char *test, uint64_t seed,
    const char *host, const char *chain, size_t chain_len, const char *key,
    size_t key_len, const struct suite_case *sc, unsigned n)
{
	struct erg_tls_server_opts so;
	struct erg_tls_server *srv[NAPP];
	struct erg_tls_client_opts o;
	struct tp *p = tp_new(sim, test, seed, NULL, NULL, NULL);
	unsigned i;

	assert_true(n <= NAPP);
	tp_server(p, NULL);
	tp_cert(p, NULL, chain, chain_len, key, key_len);
	for (i = 0; i < n; i++) {
		memset(&so, 0, sizeof(so));
		if (sc[i].by_server) {
			so.suites = &sc[i].suite;
			so.suites_n = 1;
		}
		assert_int_equal(erg_tls_server_new(p->s->s, &so, &srv[i]), 0);
		assert_int_equal(erg_tls_server_add_cert(srv[i], NULL, chain,
		                     chain_len, key, key_len),
		    0);
	}
	for (i = 0; i < n; i++) {
		/* The listener serves the next session with srv[i]. */
		p->tl.srv = srv[i];
		o = tp_opts(p, host);
		if (!sc[i].by_server) {
			o.suites = &sc[i].suite;
			o.suites_n = 1;
		}
		xfer_setup(p, i, 256 * 1024, 256 * 1024, i & 1, (i & 1) == 0);
		xfer_run(p, i, &o);
		assert_int_equal(p->cli[i].hs.cipher, sc[i].suite);
		assert_int_equal(p->sv[i].hs.cipher, sc[i].suite);
		assert_string_equal(p->cli[i].hs_cipher, sc[i].name);
		assert_string_equal(p->sv[i].hs_cipher, sc[i].name);
		assert_string_equal(p->sv[i].hs_name, host);
		assert_string_equal(p->cli[i].hs_name, host);
		assert_false(p->cli[i].hs.resumed);
		assert_false(p->sv[i].hs.resumed);
	}
	assert_int_equal(sim_stat(p->c, ERG_STAT_TLS_HANDSHAKES), n);
	assert_int_equal(sim_stat(p->s, ERG_STAT_TLS_HANDSHAKES), n);
	tp_finish(p);
}

static void
test_ecdsa_p256_aes_gcm_and_chacha20(void **state)
{
	static const struct suite_case sc[] = {
		{ ERG_TLS_ECDHE_ECDSA_AES128_GCM_SHA256,
		    "ECDHE-ECDSA-AES128-GCM-SHA256", false },
		{ ERG_TLS_ECDHE_ECDSA_CHACHA20_POLY1305,
		    "ECDHE-ECDSA-CHACHA20-POLY1305", false },
		{ ERG_TLS_ECDHE_ECDSA_AES256_GCM_SHA384,
		    "ECDHE-ECDSA-AES256-GCM-SHA384", true },
		{ ERG_TLS_ECDHE_ECDSA_CHACHA20_POLY1305,
		    "ECDHE-ECDSA-CHACHA20-POLY1305", true },
	};

	run_cert_suites(*state, "sim_tls_ec256", 311, "erg.test",
	    TLS_VEC(ec256_chain_pem), TLS_VEC(ec256_key), sc, 4);
}

static void
test_ecdsa_p384_aes_gcm_and_chacha20(void **state)
{
	static const struct suite_case sc[] = {
		{ ERG_TLS_ECDHE_ECDSA_AES256_GCM_SHA384,
		    "ECDHE-ECDSA-AES256-GCM-SHA384", false },
		{ ERG_TLS_ECDHE_ECDSA_CHACHA20_POLY1305,
		    "ECDHE-ECDSA-CHACHA20-POLY1305", true },
	};

	run_cert_suites(*state, "sim_tls_ec384", 312, "p384.erg.test",
	    TLS_VEC(ec384_chain_pem), TLS_VEC(ec384_key), sc, 2);
}

static void
test_rsa2048_aes_gcm_and_chacha20(void **state)
{
	static const struct suite_case sc[] = {
		{ ERG_TLS_ECDHE_RSA_AES128_GCM_SHA256,
		    "ECDHE-RSA-AES128-GCM-SHA256", true },
		{ ERG_TLS_ECDHE_RSA_CHACHA20_POLY1305,
		    "ECDHE-RSA-CHACHA20-POLY1305", false },
		{ ERG_TLS_ECDHE_RSA_AES256_GCM_SHA384,
		    "ECDHE-RSA-AES256-GCM-SHA384", false },
	};

	run_cert_suites(*state, "sim_tls_rsa2048", 313, "rsa.erg.test",
	    TLS_VEC(rsa2048_chain_pem), TLS_VEC(rsa2048_key), sc, 3);
}

/* ---- SNI and ALPN -------------------------------------------------------- */

/*
 * Three certificates: other.test (RSA, the default, added first),
 * erg.test (P-256) and p384.erg.test (P-384), each named by its own host
 * name only, so that the client's check passes only if the server chose
 * the one the client named (RFC 6066 3). A name no certificate claims
 * gets the default, which the client then rejects; a client that sends
 * no name gets the default too.
 */
static void
test_sni_picks_the_certificate_the_client_named(void **state)
{
	struct tp *p = tp_new(*state, "sim_tls_sni", 321, NULL, NULL, NULL);
	struct erg_tls_client_opts o;

	tp_server(p, NULL);
	TP_CERT(p, "other.test", other);
	TP_CERT(p, "erg.test", ec256);
	TP_CERT(p, "P384.erg.test.", ec384); /* case and a trailing dot */

	o = tp_opts(p, "erg.test");
	expect_ok(p, 0, &o);
	assert_string_equal(p->sv[0].hs_name, "erg.test");
	assert_string_equal(p->cli[0].hs_cipher,
	    "ECDHE-ECDSA-AES128-GCM-SHA256");

	o = tp_opts(p, "p384.erg.test");
	expect_ok(p, 1, &o);
	assert_string_equal(p->sv[1].hs_name, "p384.erg.test");
	assert_string_equal(p->cli[1].hs_cipher,
	    "ECDHE-ECDSA-AES128-GCM-SHA256");

	o = tp_opts(p, "other.test");
	expect_ok(p, 2, &o);
	assert_string_equal(p->sv[2].hs_name, "other.test");
	/* The RSA certificate: an ECDHE-RSA suite. */
	assert_string_equal(p->cli[2].hs_cipher, "ECDHE-RSA-AES128-GCM-SHA256");

	/* Unclaimed: the default (other.test), not this name. */
	o = tp_opts(p, "www.erg.test");
	expect_cert_fail(p, 3, &o, -ERG_ETLS_HOSTNAME, 46);
	tp_finish(p);
}

/*
 * No name: the client sends no SNI (an insecure client, since nothing
 * could be checked), the server uses its default certificate and sees
 * no name; an IPv4 literal is never sent as SNI either (RFC 6066 3).
 */
static void
test_sni_absent_or_ip_literal_gets_default_certificate(void **state)
{
	struct tp *p =
	    tp_new(*state, "sim_tls_sni_none", 322, NULL, NULL, NULL);
	struct erg_tls_client_opts o;

	tp_server(p, NULL);
	TP_CERT(p, NULL, other);
	TP_CERT(p, "erg.test", ec256);

	memset(&o, 0, sizeof(o));
	o.flags = ERG_TLS_INSECURE;
	expect_ok(p, 0, &o);
	assert_string_equal(p->sv[0].hs_name, "");
	assert_string_equal(p->cli[0].hs_name, "");
	assert_string_equal(p->cli[0].hs_cipher, "ECDHE-RSA-AES128-GCM-SHA256");

	o.server_name = "198.18.0.2";
	expect_ok(p, 1, &o);
	assert_string_equal(p->sv[1].hs_name, "");
	assert_string_equal(p->cli[1].hs_cipher, "ECDHE-RSA-AES128-GCM-SHA256");
	tp_finish(p);
}

/*
 * ALPN (RFC 7301): the server speaks h2 and http/1.1 (its order wins);
 * a client offering http/1.1 gets http/1.1 (both ends see it); one
 * offering h2 and http/1.1 gets h2; a client offering none gets none;
 * a client offering only protocols the server does not speak is refused
 * with no_application_protocol (120, RFC 7301 3.2, erg/tls.h).
 */
static void
test_alpn_negotiated_and_no_overlap_refused(void **state)
{
	static const char *const srv_alpn[] = { "h2", "http/1.1" };
	static const char *const http11[] = { "http/1.1" };
	static const char *const both[] = { "http/1.1", "h2" };
	static const char *const none[] = { "spdy/3", "imap" };
	struct erg_tls_server_opts so;
	struct erg_tls_client_opts o;
	struct tp *p = tp_new(*state, "sim_tls_alpn", 323, NULL, NULL, NULL);

	memset(&so, 0, sizeof(so));
	so.alpn = srv_alpn;
	so.alpn_n = 2;
	tp_server(p, &so);
	TP_CERT(p, NULL, ec256);

	o = tp_opts(p, "erg.test");
	o.alpn = http11;
	o.alpn_n = 1;
	expect_ok(p, 0, &o);
	assert_string_equal(p->cli[0].hs_alpn, "http/1.1");
	assert_string_equal(p->sv[0].hs_alpn, "http/1.1");

	o.alpn = both;
	o.alpn_n = 2;
	expect_ok(p, 1, &o);
	assert_string_equal(p->cli[1].hs_alpn, "h2");
	assert_string_equal(p->sv[1].hs_alpn, "h2");

	o.alpn = NULL;
	o.alpn_n = 0;
	expect_ok(p, 2, &o);
	assert_string_equal(p->cli[2].hs_alpn, "");
	assert_string_equal(p->sv[2].hs_alpn, "");

	o.alpn = none;
	o.alpn_n = 2;
	expect_fail(p, 3, &o, -ERG_ETLS_ALERT);
	assert_int_equal(p->cli[3].fail.alert,
	    BR_ALERT_NO_APPLICATION_PROTOCOL);
	assert_int_equal(p->sv[3].fail.engine_error,
	    BR_ERR_SEND_FATAL_ALERT + BR_ALERT_NO_APPLICATION_PROTOCOL);
	if (!BUG_SENT_ALERT_MAP) {
		assert_string_equal(erg_strerror(p->sv[3].err),
		    erg_strerror(-ERG_ETLS_HANDSHAKE));
	}
	tp_finish(p);
}

/*
 * A server without ALPN names ignores the client's offer: no protocol,
 * still connected.
 */
static void
test_alpn_server_without_names_ignores_offer(void **state)
{
	static const char *const http11[] = { "http/1.1" };
	struct erg_tls_client_opts o;
	struct tp *p =
	    tp_new(*state, "sim_tls_alpn_none", 324, NULL, NULL, NULL);

	tp_server(p, NULL);
	TP_CERT(p, NULL, ec256);
	o = tp_opts(p, "erg.test");
	o.alpn = http11;
	o.alpn_n = 1;
	expect_ok(p, 0, &o);
	assert_string_equal(p->cli[0].hs_alpn, "");
	assert_string_equal(p->sv[0].hs_alpn, "");
	tp_finish(p);
}

/* ---- Resumption ---------------------------------------------------------- */

/* The client saves session 0 after its handshake; both close it. */
static void
first_session(struct tp *p, struct erg_tls_saved *saved)
{
	struct erg_tls_client_opts o = tp_opts(p, "erg.test");
	struct erg_tls_saved none;

	tp_handshake(p, 0, &o);
	assert_false(p->cli[0].hs.resumed);
	assert_false(p->sv[0].hs.resumed);
	/* Only a client, and only after the handshake, saves. */
	assert_int_equal(erg_tls_save(p->sv[0].t, &none), -ERG_ESTATE);
	assert_int_equal(erg_tls_save(p->cli[0].t, saved), 0);
	tls_app_close(&p->cli[0]);
	tls_app_close(&p->sv[0]);
	assert_true(sim_run_until_no_conns(p->sim, 10 * SIM_SEC));
}

/*
 * Resumption by session ID (RFC 5246 7.3): the second connection offers
 * the saved session and the server, which cached it, takes it: an
 * abbreviated handshake, resumed on both ends and counted, the same
 * suite, data flows.
 */
static void
test_resumption_saved_session_is_resumed_on_both_ends(void **state)
{
	struct tp *p = tp_new(*state, "sim_tls_resume", 331, NULL, NULL, NULL);
	struct erg_tls_server_opts so;
	struct erg_tls_client_opts o;
	struct erg_tls_saved saved, early;

	memset(&so, 0, sizeof(so));
	so.cache_entries = 16;
	tp_server(p, &so);
	TP_CERT(p, NULL, ec256);
	first_session(p, &saved);

	o = tp_opts(p, "erg.test");
	o.resume = &saved;
	tp_connect(p, 1, &o);
	/* Not before the handshake. */
	assert_int_equal(erg_tls_save(p->cli[1].t, &early), -ERG_ESTATE);
	assert_true(sim_run_until(p->sim, pair_settled, p, HS_LIMIT));
	assert_int_equal(p->cli[1].err, 0);
	assert_true(p->cli[1].hs.resumed);
	assert_true(p->sv[1].hs.resumed);
	assert_int_equal(p->cli[1].hs.cipher, p->cli[0].hs.cipher);
	assert_int_equal(sim_stat(p->c, ERG_STAT_TLS_RESUMED), 1);
	assert_int_equal(sim_stat(p->s, ERG_STAT_TLS_RESUMED), 1);
	assert_int_equal(sim_stat(p->c, ERG_STAT_TLS_HANDSHAKES), 2);
	assert_int_equal(sim_stat(p->s, ERG_STAT_TLS_HANDSHAKES), 2);
	tls_app_close(&p->cli[1]);
	tls_app_close(&p->sv[1]);

	/* The resumed session moves data as well. */
	o = tp_opts(p, "erg.test");
	o.resume = &saved;
	expect_ok(p, 2, &o);
	assert_true(p->cli[2].hs.resumed);
	assert_true(p->sv[2].hs.resumed);
	assert_int_equal(sim_stat(p->s, ERG_STAT_TLS_RESUMED), 2);
	tp_finish(p);
}

/*
 * A server without a session cache cannot resume: the saved session is
 * offered, the server answers with a full handshake, nothing is marked
 * resumed, and the session works. The same for a server object other
 * than the one that made the session (caches are per server).
 */
static void
test_resumption_without_server_cache_falls_back_to_full(void **state)
{
	struct tp *p =
	    tp_new(*state, "sim_tls_resume_nocache", 332, NULL, NULL, NULL);
	struct erg_tls_server_opts so;
	struct erg_tls_client_opts o;
	struct erg_tls_server *cached;
	struct erg_tls_saved saved;

	tp_server(p, NULL); /* cache_entries 0 */
	TP_CERT(p, NULL, ec256);
	first_session(p, &saved);
	o = tp_opts(p, "erg.test");
	o.resume = &saved;
	expect_ok(p, 1, &o);
	assert_false(p->cli[1].hs.resumed);
	assert_false(p->sv[1].hs.resumed);

	/* A cache, but another server's. */
	memset(&so, 0, sizeof(so));
	so.cache_entries = 4;
	assert_int_equal(erg_tls_server_new(p->s->s, &so, &cached), 0);
	assert_int_equal(erg_tls_server_add_cert(cached, NULL,
	                     TLS_VEC(ec256_chain_pem), TLS_VEC(ec256_key)),
	    0);
	p->tl.srv = cached;
	expect_ok(p, 2, &o);
	assert_false(p->cli[2].hs.resumed);
	assert_false(p->sv[2].hs.resumed);
	assert_int_equal(sim_stat(p->c, ERG_STAT_TLS_RESUMED), 0);
	assert_int_equal(sim_stat(p->s, ERG_STAT_TLS_RESUMED), 0);
	assert_int_equal(sim_stat(p->s, ERG_STAT_TLS_HANDSHAKES), 3);
	tp_finish(p);
}

/* Regression (fixed, was BUG_RESUMED_EARLY):
 * A saved session the server cannot resume because the client no longer
 * offers its suite (it was AES-128-GCM, the client now offers only
 * ChaCha20): a full handshake, which both ends must report as such.
 */
static void
test_bug_resumption_refused_for_suite_is_full_on_both_ends(void **state)
{
	static const uint16_t chacha = ERG_TLS_ECDHE_ECDSA_CHACHA20_POLY1305;
	struct erg_tls_server_opts so;
	struct erg_tls_client_opts o;
	struct erg_tls_saved saved;
	struct tp *p;

	if (BUG_RESUMED_EARLY) {
		skip();
	}
	p = tp_new(*state, "sim_tls_resume_suite", 333, NULL, NULL, NULL);
	memset(&so, 0, sizeof(so));
	so.cache_entries = 16;
	tp_server(p, &so);
	TP_CERT(p, NULL, ec256);
	first_session(p, &saved);
	assert_int_equal(p->cli[0].hs.cipher,
	    ERG_TLS_ECDHE_ECDSA_AES128_GCM_SHA256);
	o = tp_opts(p, "erg.test");
	o.resume = &saved;
	o.suites = &chacha;
	o.suites_n = 1;
	expect_ok(p, 1, &o);
	assert_int_equal(p->cli[1].hs.cipher, chacha);
	assert_false(p->cli[1].hs.resumed);
	assert_false(p->sv[1].hs.resumed);
	assert_int_equal(sim_stat(p->c, ERG_STAT_TLS_RESUMED), 0);
	assert_int_equal(sim_stat(p->s, ERG_STAT_TLS_RESUMED), 0);
	tp_finish(p);
}

/* ---- Certificate failures ------------------------------------------------ */

/*
 * The chain leads to no anchor of the client's: ETLS_UNKNOWNCA; the
 * server hears the client's alert. Both ways: the client trusts another
 * CA, and the server's certificate comes from another CA.
 */
static void
test_unknown_ca_both_ways(void **state)
{
	struct tp *p =
	    tp_new(*state, "sim_tls_unknown_ca", 341, NULL, NULL, NULL);
	struct erg_tls_trust *ca2;
	struct erg_tls_client_opts o;
	struct erg_tls_server *wrong;

	tp_server(p, NULL);
	TP_CERT(p, NULL, ec256);
	assert_int_equal(erg_tls_trust_new(p->c->s, &ca2), 0);
	assert_int_equal(erg_tls_trust_add(ca2, TLS_VEC(ca2_pem)), 1);
	o = tp_opts(p, "erg.test");
	o.trust = ca2;
	expect_cert_fail(p, 0, &o, -ERG_ETLS_UNKNOWNCA, 48);

	assert_int_equal(erg_tls_server_new(p->s->s, NULL, &wrong), 0);
	assert_int_equal(erg_tls_server_add_cert(wrong, NULL,
	                     TLS_VEC(wrongca_chain_pem), TLS_VEC(wrongca_key)),
	    0);
	p->tl.srv = wrong;
	o = tp_opts(p, "erg.test");
	expect_cert_fail(p, 1, &o, -ERG_ETLS_UNKNOWNCA, 48);
	/* Insecure: the same certificate is accepted. */
	memset(&o, 0, sizeof(o));
	o.server_name = "erg.test";
	o.flags = ERG_TLS_INSECURE;
	expect_ok(p, 2, &o);
	tp_finish(p);
}

/* A certificate for other names: ETLS_HOSTNAME. */
static void
test_wrong_hostname(void **state)
{
	struct tp *p =
	    tp_new(*state, "sim_tls_hostname", 342, NULL, NULL, NULL);
	struct erg_tls_client_opts o;

	tp_server(p, NULL);
	TP_CERT(p, NULL, ec256);
	o = tp_opts(p, "other.test");
	expect_cert_fail(p, 0, &o, -ERG_ETLS_HOSTNAME, 46);
	/* Only the last label differs. */
	o = tp_opts(p, "erg.tes");
	expect_cert_fail(p, 1, &o, -ERG_ETLS_HOSTNAME, 46);
	/* Host names compare without case. */
	o = tp_opts(p, "ERG.Test");
	expect_ok(p, 2, &o);
	tp_finish(p);
}

/*
 * expired.pem is valid in 2001 and 2002 only: refused now and in 2000
 * (ETLS_EXPIRED), accepted by a client whose clock says 2002.
 */
static void
test_expired_certificate_by_client_clock(void **state)
{
	struct tp *p = tp_new(*state, "sim_tls_expired", 343, NULL, NULL, NULL);
	struct erg_tls_client_opts o;

	tp_server(p, NULL);
	TP_CERT(p, NULL, expired);
	o = tp_opts(p, "expired.erg.test");
	expect_cert_fail(p, 0, &o, -ERG_ETLS_EXPIRED, 45);
	o.unix_time = T_2000;
	expect_cert_fail(p, 1, &o, -ERG_ETLS_EXPIRED, 45);
	o.unix_time = T_2002;
	expect_ok(p, 2, &o);
	tp_finish(p);
}

/*
 * Wildcards (RFC 6125 6.4.3): "*.erg.test" covers one left-most label
 * (a.erg.test), not two (a.b.erg.test) and not none (the certificate
 * names erg.test separately); "f*.erg.test", a partial wildcard,
 * matches nothing but itself: foo.erg.test fails.
 */
static void
test_wildcards_one_label_and_no_partial(void **state)
{
	struct tp *p =
	    tp_new(*state, "sim_tls_wildcard", 344, NULL, NULL, NULL);
	struct erg_tls_client_opts o;
	struct erg_tls_server *partial;

	tp_server(p, NULL);
	TP_CERT(p, NULL, ec256); /* erg.test, *.erg.test */
	o = tp_opts(p, "a.erg.test");
	expect_ok(p, 0, &o);
	o = tp_opts(p, "a.b.erg.test");
	expect_cert_fail(p, 1, &o, -ERG_ETLS_HOSTNAME, 46);

	assert_int_equal(erg_tls_server_new(p->s->s, NULL, &partial), 0);
	assert_int_equal(erg_tls_server_add_cert(partial, NULL,
	                     TLS_VEC(partial_chain_pem), TLS_VEC(partial_key)),
	    0);
	p->tl.srv = partial;
	o = tp_opts(p, "foo.erg.test");
	expect_cert_fail(p, 2, &o, -ERG_ETLS_HOSTNAME, 46);
	o = tp_opts(p, "f.erg.test");
	expect_cert_fail(p, 3, &o, -ERG_ETLS_HOSTNAME, 46);
	tp_finish(p);
}

/*
 * A certificate without subjectAltName: its CN names the host
 * (cnonly.erg.test passes, another name fails).
 */
static void
test_cn_only_certificate_matches_by_cn(void **state)
{
	struct tp *p = tp_new(*state, "sim_tls_cnonly", 345, NULL, NULL, NULL);
	struct erg_tls_client_opts o;

	tp_server(p, NULL);
	TP_CERT(p, NULL, cnonly);
	o = tp_opts(p, "cnonly.erg.test");
	expect_ok(p, 0, &o);
	o = tp_opts(p, "erg.test");
	expect_cert_fail(p, 1, &o, -ERG_ETLS_HOSTNAME, 46);
	tp_finish(p);
}

/* ---- Handshake failures -------------------------------------------------- */

/*
 * No suite in common: the client offers only ChaCha20, the server takes
 * only AES-128-GCM. The server fails (ETLS_HANDSHAKE once
 * BUG_SENT_ALERT_MAP is fixed) and says so with a handshake_failure
 * alert (40), which the client reports as ETLS_ALERT with
 * erg_tls_info.alert 40.
 */
static void
test_no_common_suite_handshake_failure_alert(void **state)
{
	static const uint16_t srv_suite = ERG_TLS_ECDHE_ECDSA_AES128_GCM_SHA256;
	static const uint16_t cli_suite = ERG_TLS_ECDHE_ECDSA_CHACHA20_POLY1305;
	struct tp *p =
	    tp_new(*state, "sim_tls_no_suite", 351, NULL, NULL, NULL);
	struct erg_tls_server_opts so;
	struct erg_tls_client_opts o;

	memset(&so, 0, sizeof(so));
	so.suites = &srv_suite;
	so.suites_n = 1;
	tp_server(p, &so);
	TP_CERT(p, NULL, ec256);
	o = tp_opts(p, "erg.test");
	o.suites = &cli_suite;
	o.suites_n = 1;
	expect_fail(p, 0, &o, -ERG_ETLS_ALERT);
	assert_int_equal(p->cli[0].fail.alert, 40);
	assert_int_equal(p->cli[0].fail.engine_error,
	    BR_ERR_RECV_FATAL_ALERT + BR_ALERT_HANDSHAKE_FAILURE);
	/* The server sent it: BearSSL's record of that. */
	assert_int_equal(p->sv[0].fail.engine_error,
	    BR_ERR_SEND_FATAL_ALERT + BR_ALERT_HANDSHAKE_FAILURE);
	if (!BUG_SENT_ALERT_MAP) {
		assert_string_equal(erg_strerror(p->sv[0].err),
		    erg_strerror(-ERG_ETLS_HANDSHAKE));
	}
	assert_int_equal(p->sv[0].fail.alert, 0);
	assert_int_equal(sim_stat(p->c, ERG_STAT_TLS_ALERTS_RX), 1);
	assert_int_equal(sim_stat(p->c, ERG_STAT_TLS_HANDSHAKE_FAIL), 1);
	assert_int_equal(sim_stat(p->s, ERG_STAT_TLS_HANDSHAKE_FAIL), 1);
	assert_int_equal(sim_stat(p->c, ERG_STAT_TLS_CERT_FAIL), 0);
	tp_finish(p);
}

/* A plain TCP server (sim_app) for the truncation tests. */
struct raw_srv {
	struct tp *p;
	struct erg_tcp_listener *l;
	struct sim_app app;
	bool consume; /* read the ClientHello before closing */
	uint64_t got;
};

static bool
raw_srv_step(struct sim *sim, void *ctx)
{
	struct raw_srv *r = ctx;
	struct erg_tcp_conn *c;

	(void)sim;
	if (r->app.c == NULL && !r->app.closed &&
	    erg_tcp_accept(r->l, sim_app_cb, &r->app, &c) == 0) {
		r->app.c = c;
	}
	if (r->app.c != NULL && !r->app.closed &&
	    erg_tcp_readable(r->app.c) > 0) {
		r->got = erg_tcp_readable(r->app.c);
		if (r->consume) {
			assert_int_equal(
			    erg_tcp_consume(r->app.c, (size_t)r->got), 0);
		}
		sim_app_close(&r->app);
	}
	return r->p->cli[r->p->cur].n_closed > 0;
}

/*
 * The server's TCP end closes right after the ClientHello arrived:
 * with a FIN (it read the hello) the client fails ETLS_TRUNCATED; with
 * a RST (it closed with the hello unread, RFC 2525 2.17) the client
 * fails with the TCP error, -ERG_ECONNRESET.
 */
static void
run_truncated(struct sim *sim, const char *name, uint64_t seed, bool consume,
    int err)
{
	struct tp *p = tp_new(sim, name, seed, NULL, NULL, NULL);
	struct raw_srv *r = sim_calloc(sim, 1, sizeof(*r));
	struct erg_tls_client_opts o = tp_opts(p, "erg.test");

	r->p = p;
	r->consume = consume;
	sim_app_init(&r->app, sim, 0, 0);
	r->app.rx_hold = true;
	assert_int_equal(
	    erg_tcp_listen(p->s->s, ERG_IPV4_ANY, PORT, 1, NULL, NULL, &r->l),
	    0);
	tp_connect(p, 0, &o);
	assert_true(sim_run_until(sim, raw_srv_step, r, HS_LIMIT));
	/* A ClientHello: handshake record (22), TLS 1.x, some length. */
	assert_true(r->got > 50);
	assert_cli_failed(p, 0, err);
	if (err == -ERG_ETLS_TRUNCATED) {
		assert_int_equal(sim_stat(p->c, ERG_STAT_TLS_TRUNCATED), 1);
	}
	assert_int_equal(sim_stat(p->c, ERG_STAT_TLS_HANDSHAKE_FAIL), 1);
	erg_tcp_listener_close(r->l);
	tp_finish(p);
}

static void
test_truncated_handshake_fin_after_client_hello(void **state)
{
	run_truncated(*state, "sim_tls_trunc_fin", 352, true,
	    -ERG_ETLS_TRUNCATED);
}

static void
test_truncated_handshake_rst_after_client_hello(void **state)
{
	run_truncated(*state, "sim_tls_trunc_rst", 353, false, -ERG_ECONNRESET);
}

static bool
drop_all(void *ctx, const struct sim_frame *f)
{
	(void)ctx;
	(void)f;
	return true;
}

/* Cuts the wire once the server's session exists. */
static bool
cut_when_accepted(struct sim *sim, void *ctx)
{
	struct tp *p = ctx;

	if (p->tl.next > 0 && sim->drop == NULL) {
		sim_drop_set(sim, drop_all, NULL);
	}
	return p->cli[0].n_closed > 0 && p->sv[0].n_closed > 0;
}

/*
 * The wire is cut in the middle of the handshake (after the server
 * accepted): both ends retransmit until TCP gives up, and both sessions
 * fail with -ERG_ETIMEDOUT, neither having completed a handshake.
 */
static void
test_wire_cut_mid_handshake_both_time_out(void **state)
{
	struct sim *sim = *state;
	struct erg_config cfg;
	struct erg_tls_client_opts o;
	struct tp *p;

	erg_config_default(&cfg);
	cfg.tcp_retries = 3;
	cfg.tcp_rto_max_ms = 2000;
	p = tp_new(sim, "sim_tls_cut", 354, NULL, &cfg, &cfg);
	tp_server(p, NULL);
	TP_CERT(p, NULL, ec256);
	o = tp_opts(p, "erg.test");
	tp_connect(p, 0, &o);
	assert_true(sim_run_until(sim, cut_when_accepted, p, 3600 * SIM_SEC));
	assert_cli_failed(p, 0, -ERG_ETIMEDOUT);
	assert_string_equal(erg_strerror(p->sv[0].err),
	    erg_strerror(-ERG_ETIMEDOUT));
	assert_int_equal(p->sv[0].n_handshake, 0);
	assert_int_equal(sim_stat(p->c, ERG_STAT_TLS_HANDSHAKE_FAIL), 1);
	assert_int_equal(sim_stat(p->s, ERG_STAT_TLS_HANDSHAKE_FAIL), 1);
	sim_drop_set(sim, NULL, NULL);
	tp_finish(p);
}

/* ---- TLS 1.0 and 1.1 ----------------------------------------------------- */

/*
 * A bare BearSSL client (no erg session) on an erg TCP connection, for a
 * peer erg's own client cannot be: one that speaks TLS 1.0 only, one
 * that asks for renegotiation. It knows the server's key (ec256.der)
 * instead of checking a chain.
 */
struct brc {
	br_ssl_client_context cc;
	br_x509_minimal_context xm;
	br_x509_knownkey_context xk;
	br_x509_decoder_context dec;
	uint8_t buf[BR_SSL_BUFSIZE_BIDI];
	struct erg_tcp_conn *c;
	const char *say; /* sent once the handshake is done */
	bool said;
	bool hs;
	bool closed;
	unsigned version;
	uint16_t suite;
	int err; /* br_ssl_engine_last_error once closed */
};

static void
brc_pump(struct brc *b)
{
	br_ssl_engine_context *eng = &b->cc.eng;
	unsigned round, st;
	unsigned char *buf;
	size_t len;
	long n;
	bool moved;

	for (round = 0; round < 64; round++) {
		st = br_ssl_engine_current_state(eng);
		if (st & BR_SSL_CLOSED) {
			break;
		}
		moved = false;
		if ((st & BR_SSL_SENDAPP) && !b->hs) {
			b->hs = true;
			b->version = br_ssl_engine_get_version(eng);
			b->suite = eng->session.cipher_suite;
		}
		if ((st & BR_SSL_SENDAPP) && b->say != NULL && !b->said) {
			buf = br_ssl_engine_sendapp_buf(eng, &len);
			assert_true(len >= strlen(b->say));
			memcpy(buf, b->say, strlen(b->say));
			br_ssl_engine_sendapp_ack(eng, strlen(b->say));
			br_ssl_engine_flush(eng, 0);
			b->said = true;
			moved = true;
		}
		if (st & BR_SSL_SENDREC) {
			buf = br_ssl_engine_sendrec_buf(eng, &len);
			n = erg_tcp_write(b->c, buf, len);
			if (n > 0) {
				br_ssl_engine_sendrec_ack(eng, (size_t)n);
				moved = true;
			}
		}
		if (st & BR_SSL_RECVREC) {
			buf = br_ssl_engine_recvrec_buf(eng, &len);
			n = erg_tcp_read(b->c, buf, len);
			if (n > 0) {
				br_ssl_engine_recvrec_ack(eng, (size_t)n);
				moved = true;
			}
		}
		if (!moved) {
			break;
		}
	}
	if (br_ssl_engine_current_state(eng) & BR_SSL_CLOSED) {
		b->closed = true;
		b->err = br_ssl_engine_last_error(eng);
	}
}

static void
brc_cb(struct erg_tcp_conn *c, unsigned events, void *ctx)
{
	struct brc *b = ctx;

	(void)c;
	(void)events;
	if (b->c != NULL) {
		brc_pump(b);
	}
}

/* A BearSSL client (versions vmin..vmax) from p's client host. */
static struct brc *
brc_connect(struct tp *p, const char *say, unsigned vmin, unsigned vmax)
{
	struct brc *b = sim_calloc(p->sim, 1, sizeof(*b));
	uint8_t seed[32];
	unsigned usages = BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN;
	const br_x509_pkey *pk;

	br_x509_decoder_init(&b->dec, NULL, NULL);
	br_x509_decoder_push(&b->dec, tls_ec256_der, tls_ec256_der_len);
	pk = br_x509_decoder_get_pkey(&b->dec);
	assert_non_null(pk);
	assert_int_equal(pk->key_type, BR_KEYTYPE_EC);
	br_ssl_client_init_full(&b->cc, &b->xm, NULL, 0);
	br_x509_knownkey_init_ec(&b->xk, &pk->key.ec, usages);
	br_ssl_engine_set_x509(&b->cc.eng, &b->xk.vtable);
	br_ssl_engine_set_versions(&b->cc.eng, vmin, vmax);
	br_ssl_engine_set_buffer(&b->cc.eng, b->buf, sizeof(b->buf), 1);
	sim_fill(seed, sizeof(seed), p->sim->seed);
	br_ssl_engine_inject_entropy(&b->cc.eng, seed, sizeof(seed));
	b->cc.eng.rng_os_rand_done = 1; /* deterministic: no OS entropy */
	assert_true(br_ssl_client_reset(&b->cc, "erg.test", 0));
	b->say = say;
	assert_int_equal(
	    erg_tcp_connect(p->c->s, p->s->addr, PORT, 0, brc_cb, b, &b->c), 0);
	return b;
}

static bool
brc_settled(struct sim *sim, void *ctx)
{
	const struct tp *p = ctx;

	(void)sim;
	return p->tl.next > 0 && app_settled(&p->sv[0]) &&
	    (p->sv[0].n_closed > 0 || p->sv[0].rx_done == 5);
}

/*
 * ERG_TLS_OLD_VERSIONS: a server with the flag takes a TLS 1.0-only
 * client (version 0x0301, a CBC suite: AEAD suites need 1.2) and reads
 * its data; a server without it refuses that client (ETLS_HANDSHAKE,
 * no handshake), and an erg client with the flag still gets TLS 1.2
 * from either server.
 */
static void
test_old_versions_flag_tls10_client(void **state)
{
	struct tp *p = tp_new(*state, "sim_tls_old", 361, NULL, NULL, NULL);
	struct erg_tls_server_opts so;
	struct erg_tls_client_opts o;
	struct erg_tls_server *modern;
	struct brc *b;

	memset(&so, 0, sizeof(so));
	so.flags = ERG_TLS_OLD_VERSIONS;
	tp_server(p, &so);
	TP_CERT(p, NULL, ec256);
	assert_int_equal(erg_tls_server_new(p->s->s, NULL, &modern), 0);
	assert_int_equal(erg_tls_server_add_cert(modern, NULL,
	                     TLS_VEC(ec256_chain_pem), TLS_VEC(ec256_key)),
	    0);

	p->sv[0].rx_want = 5;
	b = brc_connect(p, "hello", BR_TLS10, BR_TLS10);
	assert_true(sim_run_until(p->sim, brc_settled, p, HS_LIMIT));
	assert_true(b->hs);
	assert_int_equal(b->version, BR_TLS10);
	assert_int_equal(p->sv[0].err, 0);
	assert_int_equal(p->sv[0].hs.version, 0x0301);
	assert_int_equal(p->sv[0].hs.cipher, b->suite);
	assert_string_equal(p->sv[0].hs_cipher, "ECDHE-ECDSA-AES128-SHA");
	assert_true(p->sv[0].rx_done == 5);
	assert_true(p->sv[0].rx_hash == sim_hash("hello", 5));
	erg_tcp_abort(b->c);
	b->c = NULL;

	/* Without the flag: refused. */
	p->tl.srv = modern;
	p->cur = 1;
	b = brc_connect(p, "hello", BR_TLS10, BR_TLS10);
	assert_true(sim_run_until(p->sim, srv_closed, p, HS_LIMIT));
	assert_false(b->hs);
	assert_int_equal(p->sv[1].n_handshake, 0);
	assert_int_equal(p->sv[1].fail.engine_error,
	    BR_ERR_SEND_FATAL_ALERT + BR_ALERT_PROTOCOL_VERSION);
	if (!BUG_SENT_ALERT_MAP) {
		assert_string_equal(erg_strerror(p->sv[1].err),
		    erg_strerror(-ERG_ETLS_HANDSHAKE));
	}
	sim_run_for(p->sim, 10 * SIM_MS);
	assert_true(b->closed);
	/*
	 * It says why: protocol_version (70), in a record the old client
	 * can read (RFC 5246 E.1).
	 */
	assert_int_equal(b->err,
	    BR_ERR_RECV_FATAL_ALERT + BR_ALERT_PROTOCOL_VERSION);
	erg_tcp_abort(b->c);
	b->c = NULL;

	/* An erg client with the flag: TLS 1.2 from both servers. */
	o = tp_opts(p, "erg.test");
	o.flags = ERG_TLS_OLD_VERSIONS;
	expect_ok(p, 2, &o);
	assert_int_equal(p->cli[2].hs.version, 0x0303);
	p->tl.srv = p->srv;
	expect_ok(p, 3, &o);
	assert_int_equal(p->cli[3].hs.version, 0x0303);
	assert_int_equal(p->sv[3].hs.version, 0x0303);
	tp_finish(p);
}

/* ---- Closing ------------------------------------------------------------- */

/*
 * close_notify from the client (erg_tls_shutdown after its data): the
 * server reads the data, then ERG_TLS_EV_CLOSED without error, read
 * returns 0, close_notify_rx counted; BearSSL answers with its own
 * close_notify (RFC 5246 7.2.1), so the client gets CLOSED cleanly as
 * well; after the shutdown the client can no longer write.
 */
static void
test_close_notify_from_client_then_server_closes(void **state)
{
	struct tp *p =
	    tp_new(*state, "sim_tls_close_notify_c", 371, NULL, NULL, NULL);
	struct erg_tls_client_opts o = tp_opts(p, "erg.test");
	uint8_t b;

	tp_server(p, NULL);
	TP_CERT(p, NULL, ec256);
	p->cli[0].tx_total = 100000;
	p->cli[0].tx_shut = true;
	tp_connect(p, 0, &o);
	assert_true(sim_run_until(p->sim, pair_closed, p, HS_LIMIT));
	assert_true(p->cli[0].tx_shut_done);
	assert_int_equal(erg_tls_write(p->cli[0].t, "x", 1), -ERG_ESTATE);
	assert_int_equal(erg_tls_shutdown(p->cli[0].t), -ERG_ESTATE);
	assert_true(p->sv[0].rx_done == 100000);
	assert_true(p->sv[0].rx_hash == expected_hash(CSEED, 100000));
	assert_true(p->sv[0].rx_eof);
	assert_int_equal(p->sv[0].err, 0);
	assert_int_equal(p->sv[0].n_error, 0);
	assert_int_equal(erg_tls_read(p->sv[0].t, &b, 1), 0);
	assert_int_equal(erg_tls_error(p->sv[0].t), 0);
	assert_int_equal(sim_stat(p->s, ERG_STAT_TLS_CLOSE_NOTIFY_RX), 1);
	/* The server's answer closes the client cleanly. */
	assert_true(sim_run_until(p->sim, cli_closed, p, HS_LIMIT));
	assert_int_equal(p->cli[0].err, 0);
	assert_int_equal(p->cli[0].n_error, 0);
	assert_int_equal(erg_tls_read(p->cli[0].t, &b, 1), 0);
	/* Closed: writing fails, but without an error of its own. */
	assert_int_equal(erg_tls_write(p->sv[0].t, "x", 1), -ERG_ESTATE);
	tls_app_close(&p->sv[0]);
	tls_app_close(&p->cli[0]);
	assert_int_equal(sim_stat(p->c, ERG_STAT_TLS_TRUNCATED), 0);
	assert_int_equal(sim_stat(p->s, ERG_STAT_TLS_TRUNCATED), 0);
	tp_finish(p);
}

/*
 * close_notify from the server: it sends 300 KB and shuts down; the
 * client (zero copy) reads it all, then end of stream: CLOSED without
 * error, peek 0, close_notify_rx counted on the client.
 */
static void
test_close_notify_from_server_client_reads_then_eof(void **state)
{
	struct tp *p =
	    tp_new(*state, "sim_tls_close_notify_s", 372, NULL, NULL, NULL);
	struct erg_tls_client_opts o = tp_opts(p, "erg.test");
	struct erg_view v;

	tp_server(p, NULL);
	TP_CERT(p, NULL, ec256);
	p->sv[0].tx_total = 300000;
	p->sv[0].tx_zc = true;
	p->sv[0].tx_shut = true;
	p->cli[0].rx_zc = true;
	tp_connect(p, 0, &o);
	assert_true(sim_run_until(p->sim, pair_closed, p, HS_LIMIT));
	assert_true(p->cli[0].rx_done == 300000);
	assert_true(p->cli[0].rx_hash == expected_hash(SSEED, 300000));
	assert_true(p->cli[0].rx_eof);
	assert_int_equal(p->cli[0].err, 0);
	assert_int_equal(erg_tls_peek(p->cli[0].t, &v), 0);
	assert_int_equal(sim_stat(p->c, ERG_STAT_TLS_CLOSE_NOTIFY_RX), 1);
	assert_int_equal(p->sv[0].err, 0);
	tp_finish(p);
}

static bool
cli_got(struct sim *sim, void *ctx)
{
	const struct tp *p = ctx;

	(void)sim;
	return p->cli[p->cur].rx_done >= p->sv[p->cur].tx_total ||
	    p->cli[p->cur].n_closed > 0;
}

/*
 * A FIN without close_notify (a truncation attack, or a peer that just
 * closes TCP): the data before it is read whole, then the client gets
 * CLOSED with ETLS_TRUNCATED (counted), and read returns 0 (the end;
 * the application decides whether its protocol was complete).
 */
static void
test_fin_without_close_notify_is_truncated_data_kept(void **state)
{
	struct tp *p =
	    tp_new(*state, "sim_tls_fin_truncated", 373, NULL, NULL, NULL);
	struct erg_tls_client_opts o = tp_opts(p, "erg.test");
	uint8_t b;

	tp_server(p, NULL);
	TP_CERT(p, NULL, ec256);
	p->sv[0].tx_total = 200000;
	tp_connect(p, 0, &o);
	assert_true(sim_run_until(p->sim, cli_got, p, HS_LIMIT));
	assert_true(p->cli[0].rx_done == 200000);
	/* The server's TCP end sends a FIN behind TLS's back. */
	assert_int_equal(erg_tcp_shutdown(erg_tls_tcp(p->sv[0].t)), 0);
	assert_true(sim_run_until(p->sim, cli_closed, p, HS_LIMIT));
	assert_string_equal(erg_strerror(p->cli[0].err),
	    erg_strerror(-ERG_ETLS_TRUNCATED));
	assert_true(p->cli[0].rx_done == 200000);
	assert_true(p->cli[0].rx_hash == expected_hash(SSEED, 200000));
	assert_true(p->cli[0].rx_eof);
	assert_int_equal(erg_tls_read(p->cli[0].t, &b, 1), 0);
	assert_int_equal(erg_tls_error(p->cli[0].t), -ERG_ETLS_TRUNCATED);
	assert_int_equal(sim_stat(p->c, ERG_STAT_TLS_TRUNCATED), 1);
	assert_int_equal(sim_stat(p->c, ERG_STAT_TLS_CLOSE_NOTIFY_RX), 0);
	/* The handshake was done: not a handshake failure. */
	assert_int_equal(sim_stat(p->c, ERG_STAT_TLS_HANDSHAKE_FAIL), 0);
	tp_finish(p);
}

/*
 * Abort: the client's session and connection are gone at once, the
 * server gets a RST: CLOSED with -ERG_ECONNRESET.
 */
static void
test_abort_peer_sees_connreset(void **state)
{
	struct tp *p = tp_new(*state, "sim_tls_abort", 374, NULL, NULL, NULL);
	struct erg_tls_client_opts o = tp_opts(p, "erg.test");

	tp_server(p, NULL);
	TP_CERT(p, NULL, ec256);
	tp_handshake(p, 0, &o);
	tls_app_abort(&p->cli[0]);
	assert_int_equal(tls_sessions(p->c), 0);
	assert_int_equal(sim_conns(p->c), 0);
	assert_true(sim_run_until(p->sim, srv_closed, p, HS_LIMIT));
	assert_string_equal(erg_strerror(p->sv[0].err),
	    erg_strerror(-ERG_ECONNRESET));
	assert_int_equal(p->sv[0].n_error, 1);
	assert_int_equal(erg_tls_write(p->sv[0].t, "x", 1), -ERG_ECONNRESET);
	tp_finish(p);
}

/*
 * Close from inside the callback: a server that closes from the READABLE
 * event that completes a 100-byte request (the client gets CLOSED
 * cleanly, the server no callback after its close); then a client that
 * closes from a READABLE event once it has 64 KiB of a 1 MiB stream, in
 * the middle of a record (erg sends close_notify and a FIN; the server
 * stops sending).
 */
static void
test_close_from_inside_the_callback(void **state)
{
	struct tp *p =
	    tp_new(*state, "sim_tls_close_in_cb", 375, NULL, NULL, NULL);
	struct erg_tls_client_opts o = tp_opts(p, "erg.test");
	unsigned n_cb;

	tp_server(p, NULL);
	TP_CERT(p, NULL, ec256);
	p->cli[0].tx_total = 100;
	p->sv[0].rx_want = 100;
	p->sv[0].close = TLS_APP_CLOSE_DONE;
	tp_connect(p, 0, &o);
	assert_true(sim_run_until(p->sim, pair_closed, p, HS_LIMIT));
	assert_true(p->sv[0].closed);
	assert_true(p->sv[0].rx_done == 100);
	assert_int_equal(p->sv[0].n_handshake, 1);
	assert_int_equal(p->cli[0].n_handshake, 1);
	assert_int_equal(p->cli[0].err, 0);
	assert_true(p->cli[0].rx_eof);
	n_cb = p->sv[0].n_cb;
	sim_run_for(p->sim, SIM_SEC);
	assert_int_equal(p->sv[0].n_cb, n_cb); /* (tls_app_cb asserts too) */

	p->sv[1].tx_total = MIB;
	p->cli[1].rx_want = 65536;
	p->cli[1].close = TLS_APP_CLOSE_DONE;
	tp_connect(p, 1, &o);
	assert_true(sim_run_until(p->sim, srv_closed, p, HS_LIMIT));
	assert_true(p->cli[1].closed);
	assert_true(p->cli[1].rx_done >= 65536);
	assert_true(p->cli[1].rx_done < MIB);
	assert_int_equal(p->cli[1].err, 0);
	assert_true(p->sv[1].tx_done < MIB);
	tp_finish(p);
}

/*
 * Shutdown, then the peer's close: the client shuts down without data;
 * the server sees CLOSED (clean) and closes; the client, still open,
 * gets CLOSED and closes last.
 */
static void
test_shutdown_then_peer_close(void **state)
{
	struct tp *p =
	    tp_new(*state, "sim_tls_shutdown", 376, NULL, NULL, NULL);
	struct erg_tls_client_opts o = tp_opts(p, "erg.test");

	tp_server(p, NULL);
	TP_CERT(p, NULL, ec256);
	tp_handshake(p, 0, &o);
	assert_int_equal(erg_tls_shutdown(p->cli[0].t), 0);
	assert_true(sim_run_until(p->sim, srv_closed, p, HS_LIMIT));
	assert_int_equal(p->sv[0].err, 0);
	tls_app_close(&p->sv[0]);
	assert_true(sim_run_until(p->sim, cli_closed, p, HS_LIMIT));
	assert_int_equal(p->cli[0].err, 0);
	assert_int_equal(tls_sessions(p->c), 1);
	tls_app_close(&p->cli[0]);
	tp_finish(p);
}

/*
 * Renegotiation is refused (erg/tls.h; RFC 5746 answered, a new
 * handshake declined): a BearSSL client that asks for one after its
 * handshake is answered no_renegotiation (100), which BearSSL's client
 * takes as the end; the server's session is unharmed (no new
 * handshake, no error) until the client goes.
 */
static void
test_renegotiation_refused_with_no_renegotiation_alert(void **state)
{
	struct tp *p = tp_new(*state, "sim_tls_reneg", 362, NULL, NULL, NULL);
	struct brc *b;
	uint64_t hs;

	tp_server(p, NULL);
	TP_CERT(p, NULL, ec256);
	b = brc_connect(p, "hello", BR_TLS12, BR_TLS12);
	assert_true(sim_run_until(p->sim, brc_settled, p, HS_LIMIT));
	assert_true(b->hs);
	assert_int_equal(b->version, BR_TLS12);
	assert_true(p->sv[0].rx_done == 5);
	hs = sim_stat(p->s, ERG_STAT_TLS_HANDSHAKES);
	/* The server answered RFC 5746: the client may ask. */
	assert_int_equal(br_ssl_engine_renegotiate(&b->cc.eng), 1);
	brc_pump(b);
	sim_run_for(p->sim, 100 * SIM_MS);
	assert_true(b->closed);
	assert_int_equal(b->err,
	    BR_ERR_RECV_FATAL_ALERT + BR_ALERT_NO_RENEGOTIATION);
	assert_int_equal(sim_stat(p->s, ERG_STAT_TLS_HANDSHAKES), hs);
	assert_int_equal(p->sv[0].n_closed, 0);
	assert_int_equal(p->sv[0].err, 0);
	assert_int_equal(erg_tls_error(p->sv[0].t), 0);
	erg_tcp_abort(b->c);
	b->c = NULL;
	assert_true(sim_run_until(p->sim, srv_closed, p, HS_LIMIT));
	assert_string_equal(erg_strerror(p->sv[0].err),
	    erg_strerror(-ERG_ECONNRESET));
	tp_finish(p);
}

/* ---- Flow ---------------------------------------------------------------- */

/*
 * A reader that stops reading: the server's writes stop at what the
 * buffers hold (TLS records, the TCP rings), no READABLE repeats for
 * data already announced; once the reader reads again every byte
 * arrives, in order.
 */
static void
test_reader_holds_writer_waits_then_all_arrives(void **state)
{
	struct tp *p = tp_new(*state, "sim_tls_hold", 391, NULL, NULL, NULL);
	struct erg_tls_client_opts o = tp_opts(p, "erg.test");
	uint64_t sent, readable;

	tp_server(p, NULL);
	TP_CERT(p, NULL, ec256);
	p->sv[0].tx_total = 2 * MIB;
	p->cli[0].rx_hold = true;
	p->cli[0].rx_zc = true;
	tp_connect(p, 0, &o);
	sim_run_for(p->sim, 2 * SIM_SEC);
	sent = p->sv[0].tx_done;
	readable = p->cli[0].n_readable;
	assert_true(sent > 0);
	/* 64 KiB rings each side, 16 KiB records: far below 2 MiB. */
	assert_true(sent < 256 * 1024);
	assert_true(readable >= 1);
	assert_true(erg_tls_readable(p->cli[0].t) > 0);
	sim_run_for(p->sim, 10 * SIM_SEC);
	assert_true(p->sv[0].tx_done == sent);
	assert_int_equal(p->cli[0].n_readable, readable);
	/* Read again: the server is told it may write, and does. */
	p->cli[0].rx_hold = false;
	tls_app_pump(&p->cli[0]);
	assert_true(sim_run_until(p->sim, cli_got, p, 60 * SIM_SEC));
	assert_true(p->cli[0].rx_done == 2 * MIB);
	assert_true(p->cli[0].rx_hash == expected_hash(SSEED, 2 * MIB));
	assert_true(p->sv[0].n_writable > 0);
	tp_finish(p);
}

/*
 * Data written just before erg_tls_close is still delivered, then
 * close_notify (erg/tls.h): the server reads exactly what the client's
 * writes took and ends cleanly; the client's session is gone from the
 * application at once and from the pool once its records left.
 */
static void
test_close_right_after_write_delivers_then_close_notify(void **state)
{
	struct tp *p =
	    tp_new(*state, "sim_tls_close_flush", 392, NULL, NULL, NULL);
	struct erg_tls_client_opts o = tp_opts(p, "erg.test");
	struct erg_tls_info ic, is;
	uint64_t took;

	tp_server(p, NULL);
	TP_CERT(p, NULL, ec256);
	tp_handshake(p, 0, &o);
	p->cli[0].tx_total = 4 * MIB;
	tls_app_pump(&p->cli[0]);
	took = p->cli[0].tx_done;
	assert_true(took > 16384 && took < 4 * MIB);
	erg_tls_info(p->cli[0].t, &ic);
	assert_true(ic.bytes_out == took);
	tls_app_close(&p->cli[0]);
	assert_true(sim_run_until(p->sim, srv_closed, p, 60 * SIM_SEC));
	assert_int_equal(p->sv[0].err, 0);
	assert_true(p->sv[0].rx_done == took);
	assert_true(p->sv[0].rx_hash == expected_hash(CSEED, took));
	assert_true(p->sv[0].rx_eof);
	erg_tls_info(p->sv[0].t, &is);
	assert_true(is.bytes_in == took);
	/* The server's answering close_notify ends the orphan. */
	assert_true(sim_run_until(p->sim, no_cli_session, p, SIM_SEC));
	tp_finish(p);
}

/*
 * A write before the handshake is refused (-ERG_EAGAIN) and owed a
 * WRITABLE, which comes with or after the handshake.
 */
static void
test_write_before_handshake_eagain_then_writable(void **state)
{
	struct tp *p =
	    tp_new(*state, "sim_tls_early_write", 393, NULL, NULL, NULL);
	struct erg_tls_client_opts o = tp_opts(p, "erg.test");
	struct erg_wview w;

	tp_server(p, NULL);
	TP_CERT(p, NULL, ec256);
	tp_connect(p, 0, &o);
	assert_int_equal(erg_tls_write(p->cli[0].t, "x", 1), -ERG_EAGAIN);
	assert_int_equal(erg_tls_reserve(p->cli[0].t, &w), 0);
	assert_int_equal(erg_tls_writable(p->cli[0].t), 0);
	assert_true(sim_run_until(p->sim, pair_settled, p, HS_LIMIT));
	assert_int_equal(p->cli[0].n_handshake, 1);
	assert_int_equal(p->cli[0].n_writable, 1);
	assert_true(erg_tls_writable(p->cli[0].t) > 0);
	tp_finish(p);
}

/*
 * Nothing listens: the connection is refused and the session fails
 * with the TCP error, -ERG_ECONNREFUSED, before any handshake.
 */
static void
test_connection_refused_reports_econnrefused(void **state)
{
	struct tp *p = tp_new(*state, "sim_tls_refused", 394, NULL, NULL, NULL);
	struct erg_tls_client_opts o = tp_opts(p, "erg.test");

	assert_int_equal(
	    tls_app_connect(&p->cli[0], p->c, p->s->addr, PORT, &o, NULL), 0);
	assert_true(sim_run_until(p->sim, cli_closed, p, HS_LIMIT));
	assert_cli_failed(p, 0, -ERG_ECONNREFUSED);
	assert_int_equal(sim_stat(p->c, ERG_STAT_TLS_HANDSHAKE_FAIL), 1);
	tp_finish(p);
}

/*
 * After erg_tls_shutdown nothing more is read: TLS 1.2 has no
 * half-close, and BearSSL drops the application data that arrives once
 * it has sent close_notify (src/tls/tls_session.c). The server sends
 * 300 KB as soon as its handshake is done, the client shuts down as
 * soon as its own is: what the server sent before it saw the
 * close_notify is discarded, both ends close cleanly, the server's
 * later writes fail (-ERG_ESTATE).
 */
static void
test_shutdown_discards_data_in_flight(void **state)
{
	struct tp *p = tp_new(*state, "sim_tls_shut_rx", 395, NULL, NULL, NULL);
	struct erg_tls_client_opts o = tp_opts(p, "erg.test");

	tp_server(p, NULL);
	TP_CERT(p, NULL, ec256);
	p->sv[0].tx_total = 300000;
	p->cli[0].tx_shut = true; /* at once: nothing to send first */
	tp_connect(p, 0, &o);
	assert_true(sim_run_until(p->sim, pair_closed, p, HS_LIMIT));
	sim_run_for(p->sim, SIM_SEC);
	assert_true(p->sv[0].tx_done > 0);
	assert_true(p->sv[0].tx_done < 300000);
	assert_true(p->cli[0].rx_done == 0);
	assert_true(p->cli[0].rx_eof);
	assert_int_equal(p->cli[0].err, 0);
	assert_int_equal(p->sv[0].err, 0);
	assert_int_equal(p->sv[0].io_err, -ERG_ESTATE);
	tp_finish(p);
}

/* Regression (fixed, was BUG_STALE_COMMIT): a reserve's window ends with the
 * next write (erg/tls.h), but erg_tls_write leaves TLSF_RESERVED set: a commit
 * after the write is taken (0) and sends n bytes of whatever the record
 * buffer holds (here the ciphertext of the write's record) as data. It
 * must find no window (-ERG_EINVAL) and send nothing.
 */
static void
test_bug_commit_after_write_has_no_window(void **state)
{
	struct erg_tls_client_opts o;
	struct erg_wview w;
	struct tp *p;

	if (BUG_STALE_COMMIT) {
		skip();
	}
	p = tp_new(*state, "sim_tls_stale_commit", 396, NULL, NULL, NULL);
	o = tp_opts(p, "erg.test");
	tp_server(p, NULL);
	TP_CERT(p, NULL, ec256);
	tp_handshake(p, 0, &o);
	assert_int_equal(erg_tls_reserve(p->cli[0].t, &w), 1);
	memcpy(w.p, "zzzzz", 5);
	assert_int_equal(erg_tls_write(p->cli[0].t, "abc", 3), 3);
	assert_int_equal(erg_tls_commit(p->cli[0].t, 5), -ERG_EINVAL);
	sim_run_for(p->sim, SIM_SEC);
	assert_true(p->sv[0].rx_done == 3);
	assert_true(p->sv[0].rx_hash == sim_hash("abc", 3));
	tp_finish(p);
}

/* ---- Session pool -------------------------------------------------------- */

static bool
refused(struct sim *sim, void *ctx)
{
	const struct tp *p = ctx;

	(void)sim;
	return p->tl.nrefused > 0;
}

static bool
retry_done(struct sim *sim, void *ctx)
{
	const struct tp *p = ctx;

	(void)sim;
	return (p->cli[2].closed && p->sv[1].closed) || p->cli[2].err != 0 ||
	    p->sv[1].err != 0;
}

/*
 * A server stack with one session: a second session is refused by
 * erg_tls_accept (-ERG_ENOMEM, counted), which leaves the TCP connection
 * to the caller: the test answers on it by hand with a fatal alert
 * record (internal_error), which the client reports (ETLS_ALERT). The first
 * session is unharmed. A client stack with two sessions, both in use,
 * refuses a third erg_tls_connect the same way; once one is closed, the
 * same TCP connection takes a session after all.
 */
static void
test_session_pool_exhausted_tcp_conn_stays_callers(void **state)
{
	struct sim *sim = *state;
	struct erg_config ccfg, scfg;
	struct erg_tls_client_opts o;
	struct erg_tcp_conn *c = NULL;
	/* A fatal internal_error alert, in the clear (RFC 5246 7.2). */
	static const uint8_t busy[] = { 21, 3, 3, 0, 2, 2,
		BR_ALERT_INTERNAL_ERROR };
	struct erg_view v[4];
	struct tp *p;
	int k, i;

	erg_config_default(&ccfg);
	ccfg.tls_sessions = 2;
	erg_config_default(&scfg);
	scfg.tls_sessions = 1;
	p = tp_new(sim, "sim_tls_pool", 381, NULL, &ccfg, &scfg);
	tp_server(p, NULL);
	TP_CERT(p, NULL, ec256);
	o = tp_opts(p, "erg.test");
	tp_handshake(p, 0, &o);
	tp_connect(p, 1, &o);
	assert_true(sim_run_until(sim, refused, p, HS_LIMIT));
	assert_int_equal(p->tl.nrefused, 1);
	assert_string_equal(erg_strerror(p->tl.accept_err),
	    erg_strerror(-ERG_ENOMEM));
	assert_int_equal(p->tl.next, 1);
	assert_int_equal(sim_stat(p->s, ERG_STAT_TLS_SESSIONS_ALLOC_FAIL), 1);
	assert_int_equal(tls_sessions(p->s), 1);
	/* Still the caller's: read the hello, answer in plain TCP. */
	c = p->tl.refused[0];
	assert_true(erg_tcp_readable(c) > 0);
	k = erg_tcp_peek(c, v, 4);
	assert_true(k > 0);
	for (i = 0; i < k; i++) {
		assert_int_equal(erg_tcp_consume(c, v[i].len), 0);
	}
	assert_int_equal(erg_tcp_write(c, busy, sizeof(busy)),
	    (long)sizeof(busy));
	assert_true(sim_run_until(sim, cli_closed, p, HS_LIMIT));
	assert_cli_failed(p, 1, -ERG_ETLS_ALERT);
	assert_int_equal(p->cli[1].fail.alert, BR_ALERT_INTERNAL_ERROR);
	assert_int_equal(sim_stat(p->c, ERG_STAT_TLS_ALERTS_RX), 1);

	/* The first session still works. */
	p->cur = 0;
	p->cli[0].tx_total = 1000;
	tls_app_pump(&p->cli[0]);
	sim_run_for(sim, 10 * SIM_MS);
	assert_true(p->sv[0].rx_done == 1000);

	/* The client's two sessions are in use (one failed, not closed). */
	assert_int_equal(tls_sessions(p->c), 2);
	c = NULL;
	assert_int_equal(
	    tls_app_connect(&p->cli[2], p->c, p->s->addr, PORT, &o, &c),
	    -ERG_ENOMEM);
	assert_non_null(c);
	assert_null(p->cli[2].t);
	assert_int_equal(sim_stat(p->c, ERG_STAT_TLS_SESSIONS_ALLOC_FAIL), 1);
	/*
	 * Free one on each side; the same connection now takes one. (Its
	 * SYN went out with the connect: the server accepts it as soon as
	 * it has a session free, for its next app, sv[1].)
	 */
	tls_app_close(&p->cli[1]);
	tls_app_close(&p->cli[0]);
	tls_app_close(&p->sv[0]);
	/* The failed one goes at once, the others once close_notify
	 * crossed. */
	assert_int_equal(tls_sessions(p->c), 1);
	assert_true(sim_run_until(sim, no_sessions, p, SIM_SEC));
	tls_app_init(&p->cli[2], sim, CSEED + 2, 5000);
	p->cli[2].close = TLS_APP_CLOSE_DONE;
	p->cli[2].rx_want = 7000;
	tls_app_init(&p->sv[1], sim, SSEED + 1, 7000);
	p->sv[1].close = TLS_APP_CLOSE_DONE;
	p->sv[1].rx_want = 5000;
	assert_int_equal(
	    erg_tls_connect(c, &o, tls_app_cb, &p->cli[2], &p->cli[2].t), 0);
	assert_true(sim_run_until(sim, retry_done, p, HS_LIMIT));
	assert_int_equal(p->tl.n_accepted, 2);
	assert_int_equal(p->cli[2].err, 0);
	assert_int_equal(p->sv[1].err, 0);
	assert_true(p->sv[1].rx_done == 5000);
	assert_true(p->sv[1].rx_hash == expected_hash(CSEED + 2, 5000));
	assert_true(p->cli[2].rx_done == 7000);
	assert_true(p->cli[2].rx_hash == expected_hash(SSEED + 1, 7000));
	tp_finish(p);
}

/*
 * A client that refuses the server's certificate says why (RFC 5246
 * 7.2.2): unknown_ca (48) for a chain that leads to no anchor,
 * certificate_expired (45), certificate_unknown (46) for another host's
 * certificate; the server reports ETLS_ALERT with that alert.
 */
static void
test_client_refusing_certificate_sends_alert(void **state)
{
	struct erg_tls_client_opts o;
	struct erg_tls_trust *ca2;
	struct tp *p;

	p = tp_new(*state, "sim_tls_bug_cert_alert", 391, NULL, NULL, NULL);
	tp_server(p, NULL);
	TP_CERT(p, NULL, ec256);
	assert_int_equal(erg_tls_trust_new(p->c->s, &ca2), 0);
	assert_int_equal(erg_tls_trust_add(ca2, TLS_VEC(ca2_pem)), 1);
	o = tp_opts(p, "erg.test");
	o.trust = ca2;
	expect_cert_fail(p, 0, &o, -ERG_ETLS_UNKNOWNCA, 48);
	o = tp_opts(p, "other.test");
	expect_cert_fail(p, 1, &o, -ERG_ETLS_HOSTNAME, 46);
	o = tp_opts(p, "erg.test");
	o.unix_time = T_2000;
	expect_cert_fail(p, 2, &o, -ERG_ETLS_EXPIRED, 45);
	tp_finish(p);
}

/*
 * The server closes from its HANDSHAKE event, so its Finished and
 * close_notify reach the client together: the client completed the
 * handshake and hears ERG_TLS_EV_HANDSHAKE (counted, erg_tls_save
 * possible) with ERG_TLS_EV_CLOSED.
 */
static void
test_handshake_event_when_close_notify_follows_finished(void **state)
{
	struct erg_tls_client_opts o;
	struct erg_tls_saved saved;
	struct tp *p;

	p = tp_new(*state, "sim_tls_bug_hs_event", 393, NULL, NULL, NULL);
	tp_server(p, NULL);
	TP_CERT(p, NULL, ec256);
	o = tp_opts(p, "erg.test");
	p->sv[0].close = TLS_APP_CLOSE_HANDSHAKE;
	tp_connect(p, 0, &o);
	assert_true(sim_run_until(p->sim, pair_closed, p, HS_LIMIT));
	assert_int_equal(p->sv[0].n_handshake, 1);
	assert_int_equal(p->sv[0].n_cb, 1);
	assert_int_equal(p->cli[0].err, 0);
	assert_int_equal(p->cli[0].n_closed, 1);
	assert_int_equal(p->cli[0].n_handshake, 1);
	assert_int_equal(sim_stat(p->c, ERG_STAT_TLS_HANDSHAKES), 1);
	assert_int_equal(sim_stat(p->c, ERG_STAT_TLS_HANDSHAKE_FAIL), 0);
	assert_int_equal(erg_tls_save(p->cli[0].t, &saved), 0);
	tp_finish(p);
}

/* ---- Open bugs (skipped while open) -------------------------------------- */

/* Regression (fixed, was BUG_SENT_ALERT_MAP): a server that finds no suite in
 * common with the client fails with ETLS_HANDSHAKE (erg/error.h), not
 * ETLS_PROTOCOL.
 */
static void
test_bug_server_without_common_suite_reports_etls_handshake(void **state)
{
	static const uint16_t srv_suite = ERG_TLS_ECDHE_ECDSA_AES128_GCM_SHA256;
	static const uint16_t cli_suite = ERG_TLS_ECDHE_ECDSA_CHACHA20_POLY1305;
	struct erg_tls_server_opts so;
	struct erg_tls_client_opts o;
	struct tp *p;

	if (BUG_SENT_ALERT_MAP) {
		skip();
	}
	p = tp_new(*state, "sim_tls_bug_alert_map", 392, NULL, NULL, NULL);
	memset(&so, 0, sizeof(so));
	so.suites = &srv_suite;
	so.suites_n = 1;
	tp_server(p, &so);
	TP_CERT(p, NULL, ec256);
	o = tp_opts(p, "erg.test");
	o.suites = &cli_suite;
	o.suites_n = 1;
	expect_fail(p, 0, &o, -ERG_ETLS_ALERT);
	assert_string_equal(erg_strerror(p->sv[0].err),
	    erg_strerror(-ERG_ETLS_HANDSHAKE));
	tp_finish(p);
}

/* Regression (fixed, was BUG_ALPN_RESUME): a client resumes a cached session
 * offering only an ALPN name the server does not speak: the server must not
 * resume (BearSSL would read past its ALPN names, see above) but make a
 * full handshake and refuse it with no_application_protocol, as it
 * refuses the same client without a session; with a name it speaks the
 * session resumes.
 */
static void
test_bug_resumption_with_alpn_mismatch_is_refused(void **state)
{
	static const char *const srv_alpn[] = { "h2", "http/1.1" };
	static const char *const http11[] = { "http/1.1" };
	static const char *const spdy[] = { "spdy/3" };
	struct erg_tls_server_opts so;
	struct erg_tls_client_opts o;
	struct erg_tls_saved saved;
	struct tp *p;

	if (BUG_ALPN_RESUME) {
		skip();
	}
	p = tp_new(*state, "sim_tls_bug_alpn_resume", 397, NULL, NULL, NULL);
	memset(&so, 0, sizeof(so));
	so.alpn = srv_alpn;
	so.alpn_n = 2;
	so.cache_entries = 8;
	tp_server(p, &so);
	TP_CERT(p, NULL, ec256);
	o = tp_opts(p, "erg.test");
	o.alpn = http11;
	o.alpn_n = 1;
	tp_handshake(p, 0, &o);
	assert_int_equal(erg_tls_save(p->cli[0].t, &saved), 0);
	tls_app_close(&p->cli[0]);
	tls_app_close(&p->sv[0]);
	assert_true(sim_run_until_no_conns(p->sim, 10 * SIM_SEC));

	o.resume = &saved;
	o.alpn = spdy;
	expect_fail(p, 1, &o, -ERG_ETLS_ALERT);
	assert_int_equal(p->cli[1].fail.alert,
	    BR_ALERT_NO_APPLICATION_PROTOCOL);
	assert_int_equal(sim_stat(p->s, ERG_STAT_TLS_RESUMED), 0);

	o.alpn = http11;
	expect_ok(p, 2, &o);
	assert_true(p->cli[2].hs.resumed);
	assert_true(p->sv[2].hs.resumed);
	assert_string_equal(p->sv[2].hs_alpn, "http/1.1");
	tp_finish(p);
}

/*
 * A plain TCP client sends 4 bytes (a record header cut short) and
 * stalls; the server's application closes its session: the orphan must
 * still end, by the linger timer (TLS_LINGER_US, 2 s), with a FIN to the
 * client, session and connection given back.
 */
static bool
srv_accepted(struct sim *sim, void *ctx)
{
	const struct tp *p = ctx;

	(void)sim;
	return p->tl.next > 0;
}

static void
run_half_record_close(struct sim *sim, const char *name, uint64_t seed,
    uint32_t tls_buf)
{
	struct erg_config scfg;
	struct sim_app *raw;
	struct tp *p;

	erg_config_default(&scfg);
	scfg.tls_buf = tls_buf;
	p = tp_new(sim, name, seed, NULL, NULL, &scfg);
	raw = sim_calloc(sim, 1, sizeof(*raw));
	tp_server(p, NULL);
	TP_CERT(p, NULL, ec256);
	sim_app_init(raw, sim, 0, 0);
	assert_int_equal(erg_tcp_connect(p->c->s, p->s->addr, PORT, 0,
	                     sim_app_cb, raw, &raw->c),
	    0);
	assert_true(sim_run_until(sim, srv_accepted, p, HS_LIMIT));
	assert_int_equal(erg_tcp_write(raw->c, "\x16\x03\x03\x00", 4), 4);
	sim_run_for(sim, 10 * SIM_MS);
	assert_int_equal(tls_sessions(p->s), 1);
	tls_app_close(&p->sv[0]);
	sim_run_for(sim, 5 * SIM_SEC);
	assert_int_equal(tls_sessions(p->s), 0);
	assert_int_equal(raw->n_peer_closed + raw->n_reset, 1);
	sim_app_close(raw);
	tp_finish(p);
}

static void
test_close_with_half_record_received_ends(void **state)
{
	run_half_record_close(*state, "sim_tls_half_record", 398,
	    ERG_TLS_BUF_BIDI);
}

/* Regression (fixed, was BUG_ORPHAN_STUCK): the same with a mono buffer. */
static void
test_bug_close_with_half_record_received_ends_mono(void **state)
{
	if (BUG_ORPHAN_STUCK) {
		skip();
	}
	run_half_record_close(*state, "sim_tls_bug_half_record_mono", 399,
	    ERG_TLS_BUF_MONO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_bulk_64mib_each_way_clean_zero_copy_hash_matches,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_bulk_64mib_each_way_clean_copying_hash_matches,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_bulk_64mib_each_way_loss_reorder_jitter_zc_client,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_bulk_64mib_each_way_loss_reorder_jitter_zc_server,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(test_mono_buffers_4mib_each_way,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_small_client_buffer_server_honours_max_fragment_length,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(test_small_buffers_both_ends,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(test_min_buffers_both_ends,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_ecdsa_p256_aes_gcm_and_chacha20, sim_setup,
		    sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_ecdsa_p384_aes_gcm_and_chacha20, sim_setup,
		    sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_rsa2048_aes_gcm_and_chacha20, sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_sni_picks_the_certificate_the_client_named, sim_setup,
		    sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_sni_absent_or_ip_literal_gets_default_certificate,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_alpn_negotiated_and_no_overlap_refused, sim_setup,
		    sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_alpn_server_without_names_ignores_offer, sim_setup,
		    sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_resumption_saved_session_is_resumed_on_both_ends,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_resumption_without_server_cache_falls_back_to_full,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_bug_resumption_refused_for_suite_is_full_on_both_ends,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(test_unknown_ca_both_ways,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(test_wrong_hostname, sim_setup,
		    sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_expired_certificate_by_client_clock, sim_setup,
		    sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_wildcards_one_label_and_no_partial, sim_setup,
		    sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_cn_only_certificate_matches_by_cn, sim_setup,
		    sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_no_common_suite_handshake_failure_alert, sim_setup,
		    sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_truncated_handshake_fin_after_client_hello, sim_setup,
		    sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_truncated_handshake_rst_after_client_hello, sim_setup,
		    sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_wire_cut_mid_handshake_both_time_out, sim_setup,
		    sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_old_versions_flag_tls10_client, sim_setup,
		    sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_close_notify_from_client_then_server_closes, sim_setup,
		    sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_close_notify_from_server_client_reads_then_eof,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_fin_without_close_notify_is_truncated_data_kept,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(test_abort_peer_sees_connreset,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_close_from_inside_the_callback, sim_setup,
		    sim_teardown),
		cmocka_unit_test_setup_teardown(test_shutdown_then_peer_close,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_renegotiation_refused_with_no_renegotiation_alert,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_reader_holds_writer_waits_then_all_arrives, sim_setup,
		    sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_close_right_after_write_delivers_then_close_notify,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_write_before_handshake_eagain_then_writable, sim_setup,
		    sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_connection_refused_reports_econnrefused, sim_setup,
		    sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_shutdown_discards_data_in_flight, sim_setup,
		    sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_bug_commit_after_write_has_no_window, sim_setup,
		    sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_session_pool_exhausted_tcp_conn_stays_callers,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_client_refusing_certificate_sends_alert, sim_setup,
		    sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_bug_server_without_common_suite_reports_etls_handshake,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_handshake_event_when_close_notify_follows_finished,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_bug_resumption_with_alpn_mismatch_is_refused,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_close_with_half_record_received_ends, sim_setup,
		    sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_bug_close_with_half_record_received_ends_mono,
		    sim_setup, sim_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
