/*
 * bench/bench_tls.c: BENCH.md's TLS workloads, W6 and W7, each beside
 * its ceiling: two bare BearSSL engines in one process exchanging
 * records in memory, with no network.
 *
 *   W6  TLS 1.2 handshakes between two erg stacks over the loop driver
 *       (as bench_tcp.c sets them up): for each, a new TCP connection
 *       and a new TLS session, the client checking the server's chain
 *       (tests/vectors/tls, root ca.pem), dates and name; closed after
 *       (close_notify, FIN). Server keys: ec256 (ECDHE-ECDSA, a P-256
 *       key) and rsa2048 (ECDHE-RSA); the key exchange curve is
 *       BearSSL's choice, read off the wire (ServerKeyExchange) and
 *       printed. Then resumed handshakes with the ec256 server (its
 *       session cache; erg_tls_save / .resume on the client).
 *       Handshakes/s, two ways: erg as configured ("erg"), and with
 *       the application also turning Nagle off ("erg nodelay",
 *       erg_tcp_set_nodelay on erg_tls_tcp). The two are the same since
 *       sessions turn Nagle off themselves (erg_tls_start: with it on,
 *       every flight's last segment waited 40 ms for a delayed ACK and
 *       the default line ran at 5% of the ceiling); the second line is
 *       kept as the check that they stay so. A line that runs fewer
 *       handshakes than asked (calibrated to about HS_RUN_S seconds a
 *       run) says so.
 *   W7  W1 inside TLS: one connection, the client sends W7_AES bytes of
 *       application data with AES-128-GCM, then W7_CHACHA bytes with
 *       ChaCha20-Poly1305 (forced with erg_tls_client_opts.suites;
 *       ec256 server). The client fills records in place
 *       (erg_tls_reserve / erg_tls_commit), the server reads them in
 *       place (erg_tls_peek / erg_tls_consume). Gbit/s of application
 *       data, and copies per application byte, measured from the
 *       counters: the record path's (tls.rec_in_bytes +
 *       tls.rec_out_bytes: record buffer to TCP ring, TCP receive queue
 *       to record buffer, ~2), the application's (tls.app_copied_bytes,
 *       0 with these calls) and the loop driver's ("DMA", as bench_tcp
 *       reports it), and their total.
 *
 * The ceiling ("BearSSL" lines): a br_ssl_client_context and a
 * br_ssl_server_context configured as src/tls/tls_engine.c,
 * tls_client.c and tls_server.c configure erg's: versions, suites and
 * their order, hashes, PRFs, AEAD and EC implementations, flags, record
 * buffers (bidi, same split), the X.509 minimal engine over the same
 * trust anchor and time, the server's single-key policy, an LRU
 * session cache of the same size, DRBG seeded from a splitmix stream.
 * A pump copies each record once from one engine's output buffer into
 * the other's input buffer. The same handshakes (fresh contexts each
 * time, close_notify both ways) and the same transfers (records filled
 * and read in place, the same stamps).
 *
 * Runs: each erg run is followed by the matching ceiling run, so that
 * both see the same machine; the erg/BearSSL lines give the median of
 * the five run-by-run ratios of the rates by wall time (min, max), the
 * same by CPU time, and best against best. The target is 0.90.
 *
 * Checks (the only way this program fails): every client session
 * completes with the expected suite and resumption flag (its callback,
 * tls.handshakes and tls.resumed of its stack), every server session
 * ends with a clean close; erg's curve is the ceiling's; W7 counts
 * every byte and checks a stamp every 256 bytes (offset, hashed), and
 * one untimed run of W7_VERIFY bytes checks every byte, erg and
 * ceiling; after every run both stacks are back at their pool baseline
 * with no TLS session in use.
 *
 * Environment: $BENCH_ONLY ("W6", "W7", or one of "W6-ECDSA",
 * "W6-RSA", "W6-resumed", "W7-AES", "W7-ChaCha"), $BENCH_VERBOSE (every
 * non-zero counter after each erg run, and how many server sessions
 * reported their handshake), $BENCH_TLS_DIV (divides every workload's
 * size, for valgrind: the timed parts are hs_timed, hs_timed_nodelay,
 * bare_hs_timed, bulk_transfer and bare_transfer, for
 * --toggle-collect).
 *
 * usage: bench_tls [JSONL]   (appends one JSON record per figure)
 */
#include <bearssl.h>

#include "bench_util.h"
#include "../tests/vectors/tls/tls_vectors.h"

#define PORT 4433u

#define HS_ECDSA    120u  /* full handshakes per run, P-256 key */
#define HS_RSA      80u   /* full handshakes per run, RSA 2048 key */
#define HS_RESUMED  1500u /* abbreviated handshakes per run */
#define HS_RUN_S    0.3   /* seconds a run, at most, if erg waits */
#define W7_AES      (1ull << 30)
#define W7_CHACHA   (256ull << 20)
#define W7_VERIFY   (16ull << 20)
#define STAMP       256u
#define STEP_LIMIT  400000000ull /* host loop turns per run, at most */
#define SRV_SLOTS   8u           /* server sessions at once */
#define CACHE_SLOTS 256u         /* server session cache entries */
#define CACHE_ENTRY 100u         /* bytes per entry (tls_server.c) */

/* Days from 0000-01-01 to 1970-01-01, for BearSSL's X.509 time. */
#define DAYS_TO_1970 719528u

/* erg's default suite list (tls_engine.c), for the ceiling. */
static const uint16_t suites_default[] = {
	BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
};
#define N_SUITES_DEFAULT (sizeof(suites_default) / sizeof(uint16_t))

/* ---- Common --------------------------------------------------------- */

/* A server credential: the certificate the server holds, and its name. */
struct cred {
	const char *tag;  /* in the figures' names */
	const char *name; /* the client's server name */
	const char *chain;
	size_t chain_len;
	const char *key;
	size_t key_len;
	uint16_t suite; /* what the server picks from the default list */
};

static const struct cred cred_ec = {
	"ECDSA P-256",
	"erg.test",
	TLS_VEC(ec256_chain_pem),
	TLS_VEC(ec256_key),
	ERG_TLS_ECDHE_ECDSA_AES128_GCM_SHA256,
};

static const struct cred cred_rsa = {
	"RSA 2048",
	"rsa.erg.test",
	TLS_VEC(rsa2048_chain_pem),
	TLS_VEC(rsa2048_key),
	ERG_TLS_ECDHE_RSA_AES128_GCM_SHA256,
};

/* A divisor of every workload's size ($BENCH_TLS_DIV), at least 1. */
static uint64_t
size_div(void)
{
	const char *s = getenv("BENCH_TLS_DIV");
	long v = s != NULL ? atol(s) : 1;

	return v > 1 ? (uint64_t)v : 1;
}

/*
 * Whether to run the workload sub (e.g. "W6-RSA") of group (e.g. "W6"):
 * $BENCH_ONLY unset, or naming sub, or naming group alone (not followed
 * by '-').
 */
static bool
selected(const char *group, const char *sub)
{
	const char *only = getenv("BENCH_ONLY"), *p;
	size_t n = strlen(group);

	if (only == NULL || strstr(only, sub) != NULL) {
		return true;
	}
	for (p = strstr(only, group); p != NULL; p = strstr(p + 1, group)) {
		if (p[n] != '-') {
			return true;
		}
	}
	return false;
}

static const char *
curve_name(int id)
{
	switch (id) {
	case BR_EC_curve25519:
		return "X25519";
	case BR_EC_secp256r1:
		return "P-256";
	case BR_EC_secp384r1:
		return "P-384";
	case BR_EC_secp521r1:
		return "P-521";
	default:
		return "?";
	}
}

static const char *
suite_name(uint16_t id)
{
	switch (id) {
	case ERG_TLS_ECDHE_ECDSA_AES128_GCM_SHA256:
		return "ECDHE-ECDSA-AES128-GCM-SHA256";
	case ERG_TLS_ECDHE_RSA_AES128_GCM_SHA256:
		return "ECDHE-RSA-AES128-GCM-SHA256";
	case ERG_TLS_ECDHE_ECDSA_CHACHA20_POLY1305:
		return "ECDHE-ECDSA-CHACHA20-POLY1305";
	default:
		return "?";
	}
}

/* The byte at stream offset off: its 256-byte block number, hashed. */
static inline uint8_t
stamp_at(uint64_t off)
{
	return (uint8_t)(((off / STAMP) * 0x9e3779b97f4a7c15ull) >> 56);
}

/* The byte at off in the full-content check. */
static inline uint8_t
pattern_at(uint64_t off)
{
	return (uint8_t)(stamp_at(off) ^ (off * 131u) ^ (off >> 11));
}

/* One direction of application data: what was sent, what arrived. */
struct stream {
	uint64_t total;
	uint64_t sent;
	uint64_t got;
	bool full; /* every byte patterned and checked */
	bool bad;
	uint64_t bad_off;
};

/* Writes the stream's bytes [sent, sent + len) into p (or their stamps). */
static void
stream_fill(struct stream *st, uint8_t *p, size_t len)
{
	uint64_t base = st->sent, off;

	if (st->full) {
		for (off = 0; off < len; off++) {
			p[off] = pattern_at(base + off);
		}
	} else {
		off = (STAMP - base % STAMP) % STAMP;
		for (; off < len; off += STAMP) {
			p[off] = stamp_at(base + off);
		}
	}
	st->sent += len;
}

/* Checks the stream's bytes [got, got + len) in p. */
static void
stream_check(struct stream *st, const uint8_t *p, size_t len)
{
	uint64_t base = st->got, off;

	if (st->full) {
		for (off = 0; off < len; off++) {
			if (p[off] != pattern_at(base + off)) {
				break;
			}
		}
	} else {
		off = (STAMP - base % STAMP) % STAMP;
		for (; off < len; off += STAMP) {
			if (p[off] != stamp_at(base + off)) {
				break;
			}
		}
	}
	if (off < len && !st->bad) {
		st->bad = true;
		st->bad_off = base + off;
	}
	st->got += len;
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

/* Both stacks at their pool baseline, no TLS session, nothing in flight. */
static bool
quiet(const struct bench_net *n)
{
	return erg_stack_pool_in_use(n->a.s) == n->a.baseline &&
	    erg_stack_pool_in_use(n->b.s) == n->b.baseline &&
	    erg_stat_get(n->a.s, ERG_STAT_TLS_SESSIONS_IN_USE) == 0 &&
	    erg_stat_get(n->b.s, ERG_STAT_TLS_SESSIONS_IN_USE) == 0 &&
	    erg_loop_wire_pending(n->w) == 0;
}

static void
check_leaks(const struct bench_net *n, const char *what)
{
	bench_net_check_leaks(n, what);
	if (erg_stat_get(n->a.s, ERG_STAT_TLS_SESSIONS_IN_USE) != 0 ||
	    erg_stat_get(n->b.s, ERG_STAT_TLS_SESSIONS_IN_USE) != 0) {
		bench_die("%s: TLS sessions still in use", what);
	}
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

static void
tcp_noop(struct erg_tcp_conn *c, unsigned ev, void *ctx)
{
	(void)c;
	(void)ev;
	(void)ctx;
}

/* The stacks of one erg run: A the client, B the server (credentials). */
static void
erg_net_init(struct bench_net *n, const struct cred *cr,
    struct erg_tls_server **srv, struct erg_tls_trust **tr)
{
	struct erg_config cfg;
	struct erg_tls_server_opts so;

	erg_config_default(&cfg);
	cfg.tcp_snd_buf = 65536;
	cfg.tcp_rcv_buf = 65536;
	bench_net_init(n, &cfg, bench_now_us());
	memset(&so, 0, sizeof(so));
	so.cache_entries = CACHE_SLOTS;
	if (erg_tls_server_new(n->b.s, &so, srv) != 0 ||
	    erg_tls_server_add_cert(*srv, NULL, cr->chain, cr->chain_len,
	        cr->key, cr->key_len) != 0 ||
	    erg_tls_trust_new(n->a.s, tr) != 0 ||
	    erg_tls_trust_add(*tr, TLS_VEC(ca_pem)) != 1) {
		bench_die("cannot load the TLS credentials");
	}
}

/* ---- Watching the wire: the ECDHE curve ------------------------------ */

/*
 * A loop filter that collects the server's first bytes of TCP payload
 * (the stream from port PORT, perfect wire: no loss, no reordering),
 * installed for the first, untimed handshake of a run only.
 */
struct sniff {
	bool have_isn;
	uint32_t isn;
	size_t hi;
	uint8_t buf[16384];
};

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static bool
sniff_frame(void *ctx, unsigned from, unsigned to, const uint8_t *f, size_t len,
    uint64_t now_us)
{
	struct sniff *sn = ctx;
	size_t ihl, thl, tot, plen;
	uint32_t off;
	const uint8_t *tcp;

	(void)from;
	(void)to;
	(void)now_us;
	if (len < 14 + 20 || f[12] != 0x08 || f[13] != 0x00 || f[23] != 6) {
		return false;
	}
	ihl = (size_t)(f[14] & 15u) * 4u;
	tot = (size_t)f[16] << 8 | f[17];
	if (ihl < 20 || tot < ihl + 20 || 14 + tot > len) {
		return false;
	}
	tcp = f + 14 + ihl;
	if (((unsigned)tcp[0] << 8 | tcp[1]) != PORT) {
		return false;
	}
	thl = (size_t)(tcp[12] >> 4) * 4u;
	if (thl < 20 || ihl + thl > tot) {
		return false;
	}
	if (tcp[13] & 0x02) { /* SYN */
		sn->isn = be32(tcp + 4);
		sn->have_isn = true;
		return false;
	}
	plen = tot - ihl - thl;
	if (!sn->have_isn || plen == 0) {
		return false;
	}
	off = be32(tcp + 4) - sn->isn - 1u;
	if (off < sizeof(sn->buf) && plen <= sizeof(sn->buf) - off) {
		memcpy(sn->buf + off, tcp + thl, plen);
		if (off + plen > sn->hi) {
			sn->hi = off + plen;
		}
	}
	return false;
}

/*
 * The named curve of the ServerKeyExchange (RFC 4492 5.4) in the
 * server's plaintext handshake records, or -1.
 */
static int
sniff_curve(const struct sniff *sn)
{
	static uint8_t hs[sizeof(sn->buf)];
	size_t pos = 0, n = 0, rl, ml;

	while (pos + 5 <= sn->hi) {
		rl = (size_t)sn->buf[pos + 3] << 8 | sn->buf[pos + 4];
		if (sn->buf[pos] != 22 || pos + 5 + rl > sn->hi) {
			break; /* ChangeCipherSpec: the rest is encrypted */
		}
		memcpy(hs + n, sn->buf + pos + 5, rl);
		n += rl;
		pos += 5 + rl;
	}
	for (pos = 0; pos + 4 <= n; pos += 4 + ml) {
		ml = (size_t)hs[pos + 1] << 16 | (size_t)hs[pos + 2] << 8 |
		    hs[pos + 3];
		if (hs[pos] == 12 && pos + 7 <= n && hs[pos + 4] == 3) {
			return hs[pos + 5] << 8 | hs[pos + 6];
		}
	}
	return -1;
}

/* ---- The ceiling: two bare BearSSL engines ---------------------------- */

/* Credentials decoded for BearSSL (hosted: malloc'd). */
struct bare_cred {
	br_x509_certificate chain[4];
	size_t chain_n;
	br_skey_decoder_context key; /* the key points into it */
	int key_type;
};

struct bare_trust {
	br_x509_trust_anchor ta;
	uint8_t *dn;
	size_t dn_len;
};

struct pem_out {
	uint8_t *p;
	size_t len;
};

static void
pem_append(void *ctx, const void *data, size_t len)
{
	struct pem_out *o = ctx;

	o->p = realloc(o->p, o->len + len);
	if (o->p == NULL) {
		bench_die("no memory");
	}
	memcpy(o->p + o->len, data, len);
	o->len += len;
}

/* Decodes up to max PEM objects of pem into out; returns how many. */
static size_t
pem_decode(const char *pem, size_t len, struct pem_out *out, size_t max)
{
	br_pem_decoder_context pc;
	size_t n = 0, k;
	bool in = false;

	br_pem_decoder_init(&pc);
	while (len > 0) {
		k = br_pem_decoder_push(&pc, pem, len);
		pem += k;
		len -= k;
		switch (br_pem_decoder_event(&pc)) {
		case BR_PEM_BEGIN_OBJ:
			if (n >= max) {
				bench_die("PEM: too many objects");
			}
			out[n].p = NULL;
			out[n].len = 0;
			br_pem_decoder_setdest(&pc, pem_append, &out[n]);
			in = true;
			break;
		case BR_PEM_END_OBJ:
			if (in) {
				n++;
			}
			in = false;
			break;
		case BR_PEM_ERROR:
			bench_die("PEM: cannot decode");
			break;
		default:
			break;
		}
	}
	return n;
}

static void
bare_cred_load(struct bare_cred *bc, const struct cred *cr)
{
	struct pem_out o[4];
	size_t i, n;

	memset(bc, 0, sizeof(*bc));
	n = pem_decode(cr->chain, cr->chain_len, o, 4);
	for (i = 0; i < n; i++) {
		bc->chain[i].data = o[i].p;
		bc->chain[i].data_len = o[i].len;
	}
	bc->chain_n = n;
	if (pem_decode(cr->key, cr->key_len, o, 1) != 1) {
		bench_die("no key");
	}
	br_skey_decoder_init(&bc->key);
	br_skey_decoder_push(&bc->key, o[0].p, o[0].len);
	bc->key_type = br_skey_decoder_key_type(&bc->key);
	if (n == 0 || br_skey_decoder_last_error(&bc->key) != 0 ||
	    (bc->key_type != BR_KEYTYPE_EC && bc->key_type != BR_KEYTYPE_RSA)) {
		bench_die("cannot decode the %s credentials", cr->tag);
	}
	/* The decoder context holds the key; o[0] is no longer needed. */
	free(o[0].p);
}

static void
bare_cred_free(struct bare_cred *bc)
{
	size_t i;

	for (i = 0; i < bc->chain_n; i++) {
		free(bc->chain[i].data);
	}
	memset(bc, 0, sizeof(*bc));
}

static void
ta_dn_append(void *ctx, const void *data, size_t len)
{
	struct bare_trust *bt = ctx;

	bt->dn = realloc(bt->dn, bt->dn_len + len);
	if (bt->dn == NULL) {
		bench_die("no memory");
	}
	memcpy(bt->dn + bt->dn_len, data, len);
	bt->dn_len += len;
}

/* The trust anchor erg_tls_trust_add makes of ca.pem. */
static void
bare_trust_load(struct bare_trust *bt)
{
	br_x509_decoder_context dc;
	const br_x509_pkey *pk;
	struct pem_out o;
	uint8_t *q;

	memset(bt, 0, sizeof(*bt));
	if (pem_decode(TLS_VEC(ca_pem), &o, 1) != 1) {
		bench_die("no CA certificate");
	}
	br_x509_decoder_init(&dc, ta_dn_append, bt);
	br_x509_decoder_push(&dc, o.p, o.len);
	pk = br_x509_decoder_get_pkey(&dc);
	if (pk == NULL || pk->key_type != BR_KEYTYPE_EC) {
		bench_die("CA: cannot decode (EC key expected)");
	}
	q = malloc(pk->key.ec.qlen);
	if (q == NULL) {
		bench_die("no memory");
	}
	memcpy(q, pk->key.ec.q, pk->key.ec.qlen);
	bt->ta.dn.data = bt->dn;
	bt->ta.dn.len = bt->dn_len;
	bt->ta.flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
	bt->ta.pkey.key_type = BR_KEYTYPE_EC;
	bt->ta.pkey.key.ec.curve = pk->key.ec.curve;
	bt->ta.pkey.key.ec.q = q;
	bt->ta.pkey.key.ec.qlen = pk->key.ec.qlen;
	free(o.p);
}

/* A client and a server engine, and what they share. */
struct bare {
	br_ssl_client_context cc;
	br_x509_minimal_context xc;
	br_ssl_server_context sc;
	br_ssl_session_cache_lru lru;
	br_ssl_session_parameters saved;
	uint8_t cbuf[BR_SSL_BUFSIZE_BIDI];
	uint8_t sbuf[BR_SSL_BUFSIZE_BIDI];
	uint8_t cache[CACHE_SLOTS * CACHE_ENTRY];
	const struct bare_cred *cred;
	const struct bare_trust *trust;
	uint64_t rng;
	uint64_t rec_bytes; /* bytes the pump copied */
	uint32_t now_days, now_secs;
};

/* What erg_tls_engine_setup does, for one engine. */
static void
bare_engine_setup(struct bare *bb, br_ssl_engine_context *eng, uint8_t *buf,
    const uint16_t *suites, size_t n)
{
	uint8_t seed[32];

	br_ssl_engine_set_versions(eng, BR_TLS12, BR_TLS12);
	br_ssl_engine_set_suites(eng, suites, n);
	br_ssl_engine_add_flags(eng, BR_OPT_NO_RENEGOTIATION);
	br_ssl_engine_set_hash(eng, br_sha1_ID, &br_sha1_vtable);
	br_ssl_engine_set_hash(eng, br_sha224_ID, &br_sha224_vtable);
	br_ssl_engine_set_hash(eng, br_sha256_ID, &br_sha256_vtable);
	br_ssl_engine_set_hash(eng, br_sha384_ID, &br_sha384_vtable);
	br_ssl_engine_set_hash(eng, br_sha512_ID, &br_sha512_vtable);
	br_ssl_engine_set_prf_sha256(eng, &br_tls12_sha256_prf);
	br_ssl_engine_set_prf_sha384(eng, &br_tls12_sha384_prf);
	br_ssl_engine_set_default_aes_gcm(eng);
	br_ssl_engine_set_default_chapol(eng);
	br_ssl_engine_set_default_ec(eng);
	br_ssl_engine_set_default_rsavrfy(eng);
	br_ssl_engine_set_default_ecdsa(eng);
	br_ssl_engine_set_buffers_bidi(eng, buf, BR_SSL_BUFSIZE_INPUT,
	    buf + BR_SSL_BUFSIZE_INPUT,
	    BR_SSL_BUFSIZE_BIDI - BR_SSL_BUFSIZE_INPUT);
	bench_rand(&bb->rng, seed, sizeof(seed));
	br_ssl_engine_inject_entropy(eng, seed, sizeof(seed));
	eng->rng_os_rand_done = 1;
}

/* A new client session (tls_client.c's erg_tls_connect). */
static void
bare_client_start(struct bare *bb, const char *name, const uint16_t *suites,
    size_t n, bool resume)
{
	br_ssl_client_context *cc = &bb->cc;
	br_x509_minimal_context *xc = &bb->xc;

	br_ssl_client_zero(cc);
	bare_engine_setup(bb, &cc->eng, bb->cbuf, suites, n);
	br_ssl_client_set_default_rsapub(cc);
	br_x509_minimal_init(xc, &br_sha256_vtable, &bb->trust->ta, 1);
	br_x509_minimal_set_hash(xc, br_sha1_ID, &br_sha1_vtable);
	br_x509_minimal_set_hash(xc, br_sha224_ID, &br_sha224_vtable);
	br_x509_minimal_set_hash(xc, br_sha256_ID, &br_sha256_vtable);
	br_x509_minimal_set_hash(xc, br_sha384_ID, &br_sha384_vtable);
	br_x509_minimal_set_hash(xc, br_sha512_ID, &br_sha512_vtable);
	br_x509_minimal_set_rsa(xc, br_rsa_pkcs1_vrfy_get_default());
	br_x509_minimal_set_ecdsa(xc, br_ec_get_default(),
	    br_ecdsa_vrfy_asn1_get_default());
	br_x509_minimal_set_time(xc, bb->now_days, bb->now_secs);
	br_ssl_engine_set_x509(&cc->eng, &xc->vtable);
	if (resume) {
		br_ssl_engine_set_session_parameters(&cc->eng, &bb->saved);
	}
	if (!br_ssl_client_reset(cc, name, resume)) {
		bench_die("ceiling: client reset failed");
	}
}

/* A new server session (tls_server.c's erg_tls_accept, one key). */
static void
bare_server_start(struct bare *bb)
{
	br_ssl_server_context *sc = &bb->sc;
	const struct bare_cred *bc = bb->cred;

	br_ssl_server_zero(sc);
	bare_engine_setup(bb, &sc->eng, bb->sbuf, suites_default,
	    N_SUITES_DEFAULT);
	br_ssl_engine_add_flags(&sc->eng, BR_OPT_ENFORCE_SERVER_PREFERENCES);
	if (bc->key_type == BR_KEYTYPE_EC) {
		br_ssl_server_set_single_ec(sc, bc->chain, bc->chain_n,
		    br_skey_decoder_get_ec(&bc->key), BR_KEYTYPE_SIGN,
		    BR_KEYTYPE_EC, br_ec_get_default(),
		    br_ecdsa_sign_asn1_get_default());
	} else {
		br_ssl_server_set_single_rsa(sc, bc->chain, bc->chain_n,
		    br_skey_decoder_get_rsa(&bc->key), BR_KEYTYPE_SIGN,
		    br_rsa_private_get_default(),
		    br_rsa_pkcs1_sign_get_default());
	}
	br_ssl_server_set_cache(sc, &bb->lru.vtable);
	if (!br_ssl_server_reset(sc)) {
		bench_die("ceiling: server reset failed");
	}
}

/* Copies what from has built into to's input buffer, once. */
static bool
bare_move(struct bare *bb, br_ssl_engine_context *from,
    br_ssl_engine_context *to)
{
	unsigned char *src, *dst;
	size_t slen, dlen, n;

	src = br_ssl_engine_sendrec_buf(from, &slen);
	if (src == NULL || slen == 0) {
		return false;
	}
	dst = br_ssl_engine_recvrec_buf(to, &dlen);
	if (dst == NULL || dlen == 0) {
		return false;
	}
	n = slen < dlen ? slen : dlen;
	memcpy(dst, src, n);
	br_ssl_engine_sendrec_ack(from, n);
	br_ssl_engine_recvrec_ack(to, n);
	bb->rec_bytes += n;
	return true;
}

/* Moves records both ways until neither engine has any to give. */
static void
bare_pump(struct bare *bb)
{
	unsigned round;
	bool moved;

	for (round = 0; round < 1000000u; round++) {
		moved = bare_move(bb, &bb->cc.eng, &bb->sc.eng);
		moved |= bare_move(bb, &bb->sc.eng, &bb->cc.eng);
		if (!moved) {
			return;
		}
	}
	bench_die("ceiling: the pump does not end");
}

static bool
bare_app_ready(br_ssl_engine_context *eng)
{
	return (br_ssl_engine_current_state(eng) & BR_SSL_SENDAPP) != 0;
}

/*
 * One handshake between fresh client and server sessions. Returns
 * the curve used; *resumed whether the session was resumed. Leaves both
 * engines open (application data may flow).
 */
static int
bare_handshake(struct bare *bb, const char *name, const uint16_t *suites,
    size_t n, bool resume, uint16_t want_suite, bool *resumed)
{
	br_ssl_session_parameters sp;

	bare_client_start(bb, name, suites, n, resume);
	bare_server_start(bb);
	bare_pump(bb);
	if (!bare_app_ready(&bb->cc.eng) || !bare_app_ready(&bb->sc.eng)) {
		bench_die("ceiling: handshake failed (client %d, server %d)",
		    br_ssl_engine_last_error(&bb->cc.eng),
		    br_ssl_engine_last_error(&bb->sc.eng));
	}
	br_ssl_engine_get_session_parameters(&bb->cc.eng, &sp);
	if (sp.cipher_suite != want_suite ||
	    bb->sc.eng.session.cipher_suite != want_suite) {
		bench_die("ceiling: suite %04x, not %04x", sp.cipher_suite,
		    want_suite);
	}
	*resumed = resume &&
	    memcmp(sp.session_id, bb->saved.session_id,
	        sizeof(sp.session_id)) == 0;
	if (!resume) {
		bb->saved = sp;
	}
	return br_ssl_engine_get_ecdhe_curve(&bb->cc.eng);
}

/* close_notify both ways; both engines closed without error. */
static void
bare_close(struct bare *bb)
{
	br_ssl_engine_close(&bb->cc.eng);
	bare_pump(bb);
	if (br_ssl_engine_current_state(&bb->cc.eng) != BR_SSL_CLOSED ||
	    br_ssl_engine_current_state(&bb->sc.eng) != BR_SSL_CLOSED ||
	    br_ssl_engine_last_error(&bb->cc.eng) != 0 ||
	    br_ssl_engine_last_error(&bb->sc.eng) != 0) {
		bench_die("ceiling: close failed (client %d, server %d)",
		    br_ssl_engine_last_error(&bb->cc.eng),
		    br_ssl_engine_last_error(&bb->sc.eng));
	}
}

static void
bare_trust_free(struct bare_trust *bt)
{
	free(bt->dn);
	free(bt->ta.pkey.key.ec.q);
	memset(bt, 0, sizeof(*bt));
}

static struct bare *
bare_new(const struct bare_cred *bc, const struct bare_trust *bt)
{
	struct bare *bb = aligned_alloc(64, (sizeof(*bb) + 63) & ~(size_t)63);
	uint64_t now = (uint64_t)time(NULL);

	if (bb == NULL) {
		bench_die("no memory");
	}
	memset(bb, 0, sizeof(*bb));
	bb->cred = bc;
	bb->trust = bt;
	bb->rng = 0xba5e0000u;
	bb->now_days = (uint32_t)(now / 86400u) + DAYS_TO_1970;
	bb->now_secs = (uint32_t)(now % 86400u);
	br_ssl_session_cache_lru_init(&bb->lru, bb->cache, sizeof(bb->cache));
	return bb;
}

/* ---- W6: handshakes, erg -------------------------------------------- */

struct hs_cli {
	struct hs *b;
	struct erg_tls *t;
};

struct hs_srv {
	struct hs *b;
	struct erg_tls *t;
};

struct hs {
	struct bench_net net;
	struct erg_tcp_listener *l;
	struct erg_tls_server *srv;
	struct erg_tls_trust *trust;
	struct erg_tls_client_opts o;
	struct erg_tls_saved saved;
	struct hs_cli cli[2];
	struct hs_srv srvs[SRV_SLOTS];
	uint16_t suite; /* expected */
	bool resumed;   /* expected */
	bool save;      /* save the next client session */
	bool nodelay;   /* Nagle off on both ends (the application's call) */
	uint32_t want;
	uint32_t started;
	uint32_t done;       /* client handshakes done, client closed */
	uint32_t srv_hs;     /* ERG_TLS_EV_HANDSHAKE seen by the server */
	uint32_t srv_closed; /* server sessions closed cleanly */
	int err;
	const char *why;
	bool bad;
};

static void
hs_fail(struct hs *b, const char *why, int err)
{
	if (!b->bad) {
		b->bad = true;
		b->why = why;
		b->err = err;
	}
}

/* The session as expected: suite, resumed or not. */
static void
hs_check(struct hs *b, struct erg_tls *t, const char *side)
{
	struct erg_tls_info in;

	erg_tls_info(t, &in);
	if (!in.handshake_done || in.version != 0x0303 ||
	    in.cipher != b->suite || in.resumed != b->resumed) {
		hs_fail(b, side, 0);
	}
}

static void hs_client(struct erg_tls *t, unsigned ev, void *ctx);

static void
hs_connect(struct hs *b)
{
	struct hs_cli *k = &b->cli[b->started % 2];
	struct erg_tcp_conn *c;
	int rc;

	k->b = b;
	rc = erg_tcp_connect(b->net.a.s, b->net.b.addr, PORT, 0, tcp_noop, NULL,
	    &c);
	if (rc != 0) {
		hs_fail(b, "connect", rc);
		return;
	}
	rc = erg_tls_connect(c, &b->o, hs_client, k, &k->t);
	if (rc != 0) {
		erg_tcp_abort(c);
		hs_fail(b, "erg_tls_connect", rc);
		return;
	}
	if (b->nodelay) {
		erg_tcp_set_nodelay(erg_tls_tcp(k->t), true);
	}
	b->started++;
}

static void
hs_client(struct erg_tls *t, unsigned ev, void *ctx)
{
	struct hs_cli *k = ctx;
	struct hs *b = k->b;

	if (ev & ERG_EV_ERROR) {
		hs_fail(b, "client", erg_tls_error(t));
		return;
	}
	if (ev & ERG_TLS_EV_HANDSHAKE) {
		hs_check(b, t, "client session");
		if (b->save && erg_tls_save(t, &b->saved) != 0) {
			hs_fail(b, "erg_tls_save", 0);
		}
		b->done++;
		erg_tls_close(t);
		k->t = NULL;
		if (b->started < b->want && !b->bad) {
			hs_connect(b);
		}
	}
}

static void
hs_server(struct erg_tls *t, unsigned ev, void *ctx)
{
	struct hs_srv *k = ctx;
	struct hs *b = k->b;

	if (ev & ERG_EV_ERROR) {
		hs_fail(b, "server", erg_tls_error(t));
		return;
	}
	if (ev & ERG_TLS_EV_HANDSHAKE) {
		hs_check(b, t, "server session");
		b->srv_hs++;
	}
	if (ev & ERG_TLS_EV_CLOSED) {
		erg_tls_close(t);
		k->t = NULL;
		b->srv_closed++;
	}
}

static void
hs_accept(struct erg_tcp_listener *l, unsigned ev, void *ctx)
{
	struct hs *b = ctx;
	struct erg_tcp_conn *c;
	struct hs_srv *k;
	unsigned i;
	int rc;

	if ((ev & ERG_TCP_EV_ACCEPT) == 0) {
		return;
	}
	for (;;) {
		k = NULL;
		for (i = 0; i < SRV_SLOTS; i++) {
			if (b->srvs[i].t == NULL) {
				k = &b->srvs[i];
				break;
			}
		}
		if (k == NULL) {
			hs_fail(b, "no server slot", 0);
			return;
		}
		if (erg_tcp_accept(l, tcp_noop, NULL, &c) != 0) {
			return;
		}
		k->b = b;
		rc = erg_tls_accept(c, b->srv, hs_server, k, &k->t);
		if (rc != 0) {
			erg_tcp_abort(c);
			hs_fail(b, "erg_tls_accept", rc);
			return;
		}
		if (b->nodelay) {
			erg_tcp_set_nodelay(erg_tls_tcp(k->t), true);
		}
	}
}

static bool
hs_done(void *ctx)
{
	struct hs *b = ctx;

	return b->bad ||
	    (b->done >= b->want && b->srv_closed >= b->want && quiet(&b->net));
}

/*
 * The timed part of a W6 run: the handshakes after the first; two
 * copies, so that a profiler can tell the runs with Nagle off apart.
 */
static inline struct bench_time
hs_timed_body(struct hs *b)
{
	struct bench_time t0 = bench_time_now();

	hs_connect(b);
	if (!run_until(&b->net, hs_done, b)) {
		hs_fail(b, "timeout", 0);
	}
	return bench_time_since(t0);
}

static __attribute__((noinline)) struct bench_time
hs_timed(struct hs *b)
{
	return hs_timed_body(b);
}

static __attribute__((noinline)) struct bench_time
hs_timed_nodelay(struct hs *b)
{
	if (!b->nodelay) { /* (and the compiler does not fold the two) */
		bench_die("W6: Nagle on");
	}
	return hs_timed_body(b);
}

/*
 * One W6 run of want handshakes with cr (resumed ones if resume; Nagle
 * off if nodelay), after an untimed first one (ARP, the session to
 * resume, the curve, read off the wire into *curve). Returns the time
 * the want handshakes took.
 *
 * Checked: every client session completes with the suite and the
 * resumption expected (its callback, and tls.handshakes / tls.resumed
 * of the client's stack), and every server session ends with a clean
 * close (close_notify, no error); a server session that reports its
 * handshake must match too. (A server session whose handshake ends in
 * the same pump as the client's close_notify arrives reports only
 * ERG_TLS_EV_CLOSED: erg does not count such a handshake, so the
 * server's counters are not checked.)
 */
static struct bench_time
hs_run(const struct cred *cr, bool resume, bool nodelay, uint32_t want,
    int *curve)
{
	static struct hs b;
	static struct sniff sn;
	struct bench_time t;
	uint64_t hs0, res0;

	memset(&b, 0, sizeof(b));
	memset(&sn, 0, sizeof(sn));
	erg_net_init(&b.net, cr, &b.srv, &b.trust);
	b.o.trust = b.trust;
	b.o.server_name = cr->name;
	b.o.unix_time = (uint64_t)time(NULL);
	b.suite = cr->suite;
	b.nodelay = nodelay;
	if (erg_tcp_listen(b.net.b.s, ERG_IPV4_ANY, PORT, 0, hs_accept, &b,
	        &b.l) != 0) {
		bench_die("W6: cannot listen");
	}
	b.net.b.baseline++; /* quiet, while the listener is open, counts it */

	b.want = 1;
	b.save = resume;
	erg_loop_wire_filter_set(b.net.w, sniff_frame, &sn);
	hs_connect(&b);
	if (!run_until(&b.net, hs_done, &b) || b.bad) {
		bench_die("W6 %s: the first handshake failed (%s: %s)", cr->tag,
		    b.why, erg_strerror(b.err));
	}
	erg_loop_wire_filter_set(b.net.w, NULL, NULL);
	*curve = sniff_curve(&sn);
	if (resume) {
		b.o.resume = &b.saved;
		b.resumed = true;
		b.save = false;
	}

	hs0 = erg_stat_get(b.net.a.s, ERG_STAT_TLS_HANDSHAKES);
	res0 = erg_stat_get(b.net.a.s, ERG_STAT_TLS_RESUMED);
	b.want = want + 1;
	t = nodelay ? hs_timed_nodelay(&b) : hs_timed(&b);
	if (b.bad || b.done != want + 1 || b.srv_closed != want + 1 ||
	    erg_stat_get(b.net.a.s, ERG_STAT_TLS_HANDSHAKES) - hs0 != want ||
	    erg_stat_get(b.net.a.s, ERG_STAT_TLS_RESUMED) - res0 !=
	        (resume ? want : 0)) {
		bench_die("W6 %s: %u of %u handshakes done, %u closed by the "
		          "server (%s: %s)",
		    cr->tag, b.done, want + 1, b.srv_closed,
		    b.why != NULL ? b.why : "counters", erg_strerror(b.err));
	}
	if (getenv("BENCH_VERBOSE") != NULL) {
		fprintf(stderr,
		    "  W6 %s%s%s: server sessions reporting their handshake: "
		    "%u of %u\n",
		    cr->tag, resume ? " resumed" : "",
		    nodelay ? " nodelay" : "", b.srv_hs, b.srv_closed);
	}
	verbose(&b.net, "W6");
	erg_tcp_listener_close(b.l);
	b.net.b.baseline--;
	check_leaks(&b.net, "W6");
	bench_net_free(&b.net);
	return t;
}

/* ---- W6: handshakes, ceiling ------------------------------------------ */

/* The timed part of a ceiling W6 run. */
static __attribute__((noinline)) struct bench_time
bare_hs_timed(struct bare *bb, const struct cred *cr, bool resume,
    uint32_t want)
{
	struct bench_time t0 = bench_time_now();
	bool resumed;
	uint32_t i;

	for (i = 0; i < want; i++) {
		(void)bare_handshake(bb, cr->name, suites_default,
		    N_SUITES_DEFAULT, resume, cr->suite, &resumed);
		if (resumed != resume) {
			bench_die("ceiling: resumed %d, expected %d", resumed,
			    resume);
		}
		bare_close(bb);
	}
	return bench_time_since(t0);
}

/* One ceiling W6 run, as hs_run. */
static struct bench_time
bare_hs_run(struct bare *bb, const struct cred *cr, bool resume, uint32_t want,
    int *curve)
{
	bool resumed;

	/* The first, untimed: the session to resume, the curve. */
	*curve = bare_handshake(bb, cr->name, suites_default, N_SUITES_DEFAULT,
	    false, cr->suite, &resumed);
	bare_close(bb);
	return bare_hs_timed(bb, cr, resume, want);
}

/* ---- Reporting --------------------------------------------------------- */

/*
 * The erg/ceiling line: the median of the run-by-run ratios of the
 * rates (work we in time e[i] against wc in c[i]; wall time, and CPU
 * time in the JSON record and the line), and the ratio of the best
 * runs.
 */
static void
report_ratio(FILE *json, const char *name, double we,
    const struct bench_time *e, double wc, const struct bench_time *c)
{
	double wall[BENCH_RUNS], cpu[BENCH_RUNS], be = 0, bc = 0;
	const int n = BENCH_RUNS, m = BENCH_RUNS / 2;
	int i;

	for (i = 0; i < n; i++) {
		wall[i] = (we / e[i].wall) / (wc / c[i].wall);
		cpu[i] = (we / e[i].cpu) / (wc / c[i].cpu);
		be = we / e[i].wall > be ? we / e[i].wall : be;
		bc = wc / c[i].wall > bc ? wc / c[i].wall : bc;
	}
	qsort(wall, (size_t)n, sizeof(wall[0]), bench_cmp_double);
	qsort(cpu, (size_t)n, sizeof(cpu[0]), bench_cmp_double);
	printf("bench: %-30s %8.2f x  (min %.2f, max %.2f, %d runs; CPU time "
	       "%.2f; best/best %.2f; target 0.90)\n",
	    name, wall[m], wall[0], wall[n - 1], n, cpu[m], be / bc);
	fflush(stdout);
	if (json != NULL) {
		fprintf(json,
		    "{\"name\": \"%s\", \"unit\": \"ratio\", \"median\": %.4g, "
		    "\"min\": %.4g, \"max\": %.4g, \"runs\": %d, "
		    "\"cpu_median\": %.4g, \"cpu_min\": %.4g, "
		    "\"cpu_max\": %.4g, \"best_ratio\": %.4g, "
		    "\"target\": 0.9}\n",
		    name, wall[m], wall[0], wall[n - 1], n, cpu[m], cpu[0],
		    cpu[n - 1], be / bc);
		fflush(json);
	}
}

/* ---- W6 ---------------------------------------------------------------- */

/*
 * Handshakes per run for erg as configured: want, or fewer if they wait
 * on timers (about HS_RUN_S seconds a run, at least 3), from a run of 3.
 */
static uint32_t
hs_calibrate(const struct cred *cr, bool resume, uint32_t want)
{
	struct bench_time t;
	double per, n;
	int curve;

	t = hs_run(cr, resume, false, 3, &curve);
	per = t.wall / 3;
	n = HS_RUN_S / per;
	if (n >= want) {
		return want;
	}
	return n < 3 ? 3 : (uint32_t)n;
}

static void
w6_bench(FILE *json, const struct cred *cr, bool resume, uint32_t want,
    const struct bare_trust *bt)
{
	struct bench_time te[BENCH_RUNS], tn[BENCH_RUNS], tc[BENCH_RUNS];
	static struct bare_cred bc;
	struct bare *bb;
	uint32_t we;
	int curve = -1, i, c1, c2, c3;
	char name[80], what[100], suffix[160], extra[200];
	const char *kind = resume ? "resumed" : cr->tag;

	bare_cred_load(&bc, cr);
	bb = bare_new(&bc, bt);
	we = hs_calibrate(cr, resume, want);
	for (i = 0; i < BENCH_RUNS; i++) {
		te[i] = hs_run(cr, resume, false, we, &c1);
		tn[i] = hs_run(cr, resume, true, want, &c2);
		tc[i] = bare_hs_run(bb, cr, resume, want, &c3);
		/* -1: not seen on the wire (the comparison still holds). */
		if ((c1 >= 0 && c1 != c3) || (c2 >= 0 && c2 != c3) ||
		    (i > 0 && c3 != curve)) {
			bench_die("W6 %s: curves differ (erg %d, %d, ceiling "
			          "%d)",
			    cr->tag, c1, c2, c3);
		}
		curve = c3;
	}
	free(bb);
	bare_cred_free(&bc);
	/* A resumed handshake has no key exchange: no curve to name. */
	snprintf(what, sizeof(what), "%s, %s",
	    resume ? "resumed" : curve_name(curve), suite_name(cr->suite));
	snprintf(extra, sizeof(extra),
	    ", \"curve\": \"%s\", \"suite\": \"%s\", \"resumed\": %s, "
	    "\"handshakes_per_run\": %u",
	    resume ? "none" : curve_name(curve), suite_name(cr->suite),
	    resume ? "true" : "false", we);
	snprintf(name, sizeof(name), "W6 %s erg", kind);
	snprintf(suffix, sizeof(suffix), "  %s%s", what,
	    we < want ? " (fewer handshakes per run)" : "");
	bench_report(json, name, "hs/s", we, 1, te, suffix, extra);
	snprintf(extra, sizeof(extra),
	    ", \"curve\": \"%s\", \"suite\": \"%s\", \"resumed\": %s, "
	    "\"handshakes_per_run\": %u",
	    resume ? "none" : curve_name(curve), suite_name(cr->suite),
	    resume ? "true" : "false", want);
	snprintf(suffix, sizeof(suffix), "  %s", what);
	snprintf(name, sizeof(name), "W6 %s erg nodelay", kind);
	bench_report(json, name, "hs/s", want, 1, tn, suffix, extra);
	snprintf(name, sizeof(name), "W6 %s BearSSL", kind);
	bench_report(json, name, "hs/s", want, 1, tc, suffix, extra);
	snprintf(name, sizeof(name), "W6 %s erg/BearSSL", kind);
	report_ratio(json, name, we, te, want, tc);
	snprintf(name, sizeof(name), "W6 %s nodelay/BearSSL", kind);
	report_ratio(json, name, want, tn, want, tc);
}

/* ---- W7: bulk inside TLS, erg ------------------------------------------ */

struct bulk {
	struct bench_net net;
	struct erg_tcp_listener *l;
	struct erg_tls_server *srv;
	struct erg_tls_trust *trust;
	struct erg_tls *cli;
	struct erg_tls *sv;
	unsigned cli_ev; /* events seen, ORed */
	unsigned srv_ev;
	int err;
	struct stream st;
};

static void
bulk_client(struct erg_tls *t, unsigned ev, void *ctx)
{
	struct bulk *b = ctx;

	b->cli_ev |= ev;
	if ((ev & ERG_EV_ERROR) && b->err == 0) {
		b->err = erg_tls_error(t);
	}
}

static void
bulk_server(struct erg_tls *t, unsigned ev, void *ctx)
{
	struct bulk *b = ctx;

	b->srv_ev |= ev;
	if ((ev & ERG_EV_ERROR) && b->err == 0) {
		b->err = erg_tls_error(t);
	}
	if (ev & ERG_TLS_EV_CLOSED) {
		erg_tls_close(t);
		b->sv = NULL;
	}
}

static void
bulk_accept(struct erg_tcp_listener *l, unsigned ev, void *ctx)
{
	struct bulk *b = ctx;
	struct erg_tcp_conn *c;

	if ((ev & ERG_TCP_EV_ACCEPT) == 0) {
		return;
	}
	while (erg_tcp_accept(l, tcp_noop, NULL, &c) == 0) {
		if (b->sv != NULL ||
		    erg_tls_accept(c, b->srv, bulk_server, b, &b->sv) != 0) {
			erg_tcp_abort(c);
			b->err = -ERG_ENOMEM;
		}
	}
}

/* Fills and commits records while the session takes them. */
static void
bulk_fill(struct bulk *b)
{
	struct erg_wview w;
	uint64_t n;
	int r;

	while (b->st.sent < b->st.total) {
		r = erg_tls_reserve(b->cli, &w);
		if (r <= 0) {
			if (r < 0) {
				b->st.bad = true;
			}
			return;
		}
		n = b->st.total - b->st.sent;
		n = n < w.len ? n : w.len;
		stream_fill(&b->st, w.p, (size_t)n);
		if (erg_tls_commit(b->cli, (size_t)n) != 0) {
			b->st.bad = true;
			return;
		}
	}
}

/* Reads, checks and releases every record ready. */
static void
bulk_drain(struct bulk *b)
{
	struct erg_view v;
	int r;

	while ((r = erg_tls_peek(b->sv, &v)) > 0) {
		stream_check(&b->st, v.p, v.len);
		if (erg_tls_consume(b->sv, v.len) != 0) {
			b->st.bad = true;
			return;
		}
	}
	if (r < 0) {
		b->st.bad = true;
	}
}

static bool
bulk_up(void *ctx)
{
	const struct bulk *b = ctx;

	return b->err != 0 ||
	    ((b->cli_ev & ERG_TLS_EV_HANDSHAKE) && b->sv != NULL &&
	        (b->srv_ev & ERG_TLS_EV_HANDSHAKE));
}

static bool
bulk_quiet(void *ctx)
{
	const struct bulk *b = ctx;

	return b->sv == NULL && quiet(&b->net);
}

/* The timed part of a W7 run: the transfer. */
static __attribute__((noinline)) struct bench_time
bulk_transfer(struct bulk *b)
{
	struct bench_time t0 = bench_time_now();
	uint64_t i;

	bulk_fill(b);
	for (i = 0; i < STEP_LIMIT && b->st.got < b->st.total && !b->st.bad &&
	     b->err == 0;
	     i++) {
		bench_net_step(&b->net);
		bulk_drain(b);
		bulk_fill(b);
	}
	return bench_time_since(t0);
}

/* Copies per application byte, measured from the counters. */
struct copies {
	double rec;  /* tls.rec_in_bytes + tls.rec_out_bytes */
	double app;  /* tls.app_copied_bytes */
	double wire; /* the loop driver's copied bytes */
};

/*
 * One W7 run of total bytes with suite: the time it took; *cp the copies
 * per application byte.
 */
static struct bench_time
bulk_run(uint16_t suite, uint64_t total, bool full, struct copies *cp)
{
	static struct bulk b;
	struct erg_tls_client_opts o;
	struct erg_tls_info in;
	struct erg_loop_stats ws0, ws1;
	struct erg_tcp_conn *c;
	uint64_t rec0, app0;
	struct bench_time t;

	memset(&b, 0, sizeof(b));
	b.st.total = total;
	b.st.full = full;
	erg_net_init(&b.net, &cred_ec, &b.srv, &b.trust);
	memset(&o, 0, sizeof(o));
	o.trust = b.trust;
	o.server_name = cred_ec.name;
	o.unix_time = (uint64_t)time(NULL);
	o.suites = &suite;
	o.suites_n = 1;
	if (erg_tcp_listen(b.net.b.s, ERG_IPV4_ANY, PORT, 0, bulk_accept, &b,
	        &b.l) != 0 ||
	    erg_tcp_connect(b.net.a.s, b.net.b.addr, PORT, 0, tcp_noop, NULL,
	        &c) != 0 ||
	    erg_tls_connect(c, &o, bulk_client, &b, &b.cli) != 0) {
		bench_die("W7: cannot listen or connect");
	}
	if (!run_until(&b.net, bulk_up, &b) || b.err != 0) {
		bench_die("W7: the handshake failed (%s)", erg_strerror(b.err));
	}
	erg_tls_info(b.cli, &in);
	if (in.cipher != suite) {
		bench_die("W7: suite %04x, not %04x", in.cipher, suite);
	}
	rec0 = stat2(&b.net, ERG_STAT_TLS_REC_IN_BYTES) +
	    stat2(&b.net, ERG_STAT_TLS_REC_OUT_BYTES);
	app0 = stat2(&b.net, ERG_STAT_TLS_APP_COPIED_BYTES);
	erg_loop_wire_stats(b.net.w, &ws0);

	t = bulk_transfer(&b);

	if (b.st.bad || b.st.got != total || b.err != 0) {
		bench_die("W7: transfer wrong: %llu of %llu bytes, first bad "
		          "byte at %llu (%s)",
		    (unsigned long long)b.st.got, (unsigned long long)total,
		    (unsigned long long)b.st.bad_off, erg_strerror(b.err));
	}
	erg_loop_wire_stats(b.net.w, &ws1);
	cp->rec = (double)(stat2(&b.net, ERG_STAT_TLS_REC_IN_BYTES) +
	              stat2(&b.net, ERG_STAT_TLS_REC_OUT_BYTES) - rec0) /
	    (double)total;
	cp->app =
	    (double)(stat2(&b.net, ERG_STAT_TLS_APP_COPIED_BYTES) - app0) /
	    (double)total;
	cp->wire =
	    (double)(ws1.copied_bytes - ws0.copied_bytes) / (double)total;
	verbose(&b.net, "W7");
	erg_tls_close(b.cli);
	erg_tcp_listener_close(b.l);
	if (!run_until(&b.net, bulk_quiet, &b)) {
		bench_die("W7: the sessions did not close");
	}
	check_leaks(&b.net, "W7");
	bench_net_free(&b.net);
	return t;
}

/* ---- W7: bulk, ceiling -------------------------------------------------- */

/* The timed part of a ceiling W7 run: the transfer. */
static __attribute__((noinline)) struct bench_time
bare_transfer(struct bare *bb, struct stream *st)
{
	struct bench_time t0 = bench_time_now();
	unsigned char *p;
	size_t len, n;
	uint64_t i;

	for (i = 0; i < STEP_LIMIT && st->got < st->total; i++) {
		p = br_ssl_engine_sendapp_buf(&bb->cc.eng, &len);
		if (p != NULL && st->sent < st->total) {
			n = st->total - st->sent < len ?
			    (size_t)(st->total - st->sent) :
			    len;
			stream_fill(st, p, n);
			br_ssl_engine_sendapp_ack(&bb->cc.eng, n);
			br_ssl_engine_flush(&bb->cc.eng, 0);
		}
		bare_pump(bb);
		while ((p = br_ssl_engine_recvapp_buf(&bb->sc.eng, &len)) !=
		    NULL) {
			stream_check(st, p, len);
			br_ssl_engine_recvapp_ack(&bb->sc.eng, len);
		}
	}
	return bench_time_since(t0);
}

static struct bench_time
bare_bulk_run(struct bare *bb, uint16_t suite, uint64_t total, bool full,
    double *rec)
{
	struct stream st;
	struct bench_time t;
	uint64_t rec0;
	bool resumed;

	memset(&st, 0, sizeof(st));
	st.total = total;
	st.full = full;
	(void)bare_handshake(bb, cred_ec.name, &suite, 1, false, suite,
	    &resumed);
	rec0 = bb->rec_bytes;
	t = bare_transfer(bb, &st);
	if (st.bad || st.got != total) {
		bench_die("W7 ceiling: transfer wrong: %llu of %llu bytes, "
		          "first bad byte at %llu",
		    (unsigned long long)st.got, (unsigned long long)total,
		    (unsigned long long)st.bad_off);
	}
	*rec = (double)(bb->rec_bytes - rec0) / (double)total;
	bare_close(bb);
	return t;
}

/* ---- W7 ---------------------------------------------------------------- */

static void
w7_bench(FILE *json, uint16_t suite, const char *tag, uint64_t total,
    const struct bare_trust *bt)
{
	struct bench_time te[BENCH_RUNS], tc[BENCH_RUNS];
	static struct bare_cred bc;
	struct copies cp, worst = { 0, 0, 0 };
	struct bare *bb;
	double rec, bare_rec = 0;
	char name[80], size[32], suffix[160], extra[200];
	int i;

	bare_cred_load(&bc, &cred_ec);
	bb = bare_new(&bc, bt);
	(void)bulk_run(suite, W7_VERIFY / size_div(), true, &cp);
	(void)bare_bulk_run(bb, suite, W7_VERIFY / size_div(), true, &rec);
	for (i = 0; i < BENCH_RUNS; i++) {
		te[i] = bulk_run(suite, total, false, &cp);
		tc[i] = bare_bulk_run(bb, suite, total, false, &rec);
		worst.rec = cp.rec > worst.rec ? cp.rec : worst.rec;
		worst.app = cp.app > worst.app ? cp.app : worst.app;
		worst.wire = cp.wire > worst.wire ? cp.wire : worst.wire;
		bare_rec = rec > bare_rec ? rec : bare_rec;
	}
	free(bb);
	bare_cred_free(&bc);
	if (total >= (1ull << 30)) {
		snprintf(size, sizeof(size), "%llu GiB",
		    (unsigned long long)(total >> 30));
	} else {
		snprintf(size, sizeof(size), "%llu MiB",
		    (unsigned long long)(total >> 20));
	}
	snprintf(name, sizeof(name), "W7 %s %s erg", tag, size);
	snprintf(suffix, sizeof(suffix),
	    "  copies/byte: records %.3f, app %.2f, wire %.3f (total %.2f)",
	    worst.rec, worst.app, worst.wire,
	    worst.rec + worst.app + worst.wire);
	snprintf(extra, sizeof(extra),
	    ", \"suite\": \"%s\", \"bytes\": %llu, "
	    "\"rec_copies_per_byte\": %.4f, \"app_copies_per_byte\": %.4f, "
	    "\"wire_copies_per_byte\": %.4f",
	    suite_name(suite), (unsigned long long)total, worst.rec, worst.app,
	    worst.wire);
	bench_report(json, name, "Gbit/s", (double)total * 8, 1e9, te, suffix,
	    extra);
	snprintf(name, sizeof(name), "W7 %s %s BearSSL", tag, size);
	snprintf(suffix, sizeof(suffix), "  copies/byte: records %.3f",
	    bare_rec);
	snprintf(extra, sizeof(extra),
	    ", \"suite\": \"%s\", \"bytes\": %llu, "
	    "\"rec_copies_per_byte\": %.4f",
	    suite_name(suite), (unsigned long long)total, bare_rec);
	bench_report(json, name, "Gbit/s", (double)total * 8, 1e9, tc, suffix,
	    extra);
	snprintf(name, sizeof(name), "W7 %s erg/BearSSL", tag);
	report_ratio(json, name, 1, te, 1, tc);
}

/* ---- main ----------------------------------------------------------- */

int
main(int argc, char **argv)
{
	static struct bare_trust bt;
	uint64_t d = size_div();
	FILE *json = NULL;

	if (argc > 1 && (json = fopen(argv[1], "a")) == NULL) {
		perror(argv[1]);
		return 1;
	}
	bare_trust_load(&bt);
	if (selected("W6", "W6-ECDSA")) {
		w6_bench(json, &cred_ec, false, (uint32_t)(HS_ECDSA / d + 1),
		    &bt);
	}
	if (selected("W6", "W6-RSA")) {
		w6_bench(json, &cred_rsa, false, (uint32_t)(HS_RSA / d + 1),
		    &bt);
	}
	if (selected("W6", "W6-resumed")) {
		w6_bench(json, &cred_ec, true, (uint32_t)(HS_RESUMED / d + 1),
		    &bt);
	}
	if (selected("W7", "W7-AES")) {
		w7_bench(json, ERG_TLS_ECDHE_ECDSA_AES128_GCM_SHA256,
		    "AES-128-GCM", W7_AES / d, &bt);
	}
	if (selected("W7", "W7-ChaCha")) {
		w7_bench(json, ERG_TLS_ECDHE_ECDSA_CHACHA20_POLY1305,
		    "ChaCha20", W7_CHACHA / d, &bt);
	}
	bare_trust_free(&bt);
	if (json != NULL) {
		fclose(json);
	}
	return 0;
}
