/*
 * src/tls/tls_int.h: TLS's private structures and the contracts between
 * its files. The only place in src/ that includes BearSSL.
 *
 *   tls_layout.c   the session pool and the credential store in the
 *                  arena (no BearSSL call: a stack that never uses TLS
 *                  links none of BearSSL)
 *   tls_engine.c   what every engine is configured with: versions,
 *                  suites, curves, hashes, the AES-NI/PCLMUL/SSE2 code
 *                  where the CPU has it; entropy; error mapping
 *   tls_session.c  the record pump between BearSSL and the TCP
 *                  connection, and the session API of erg/tls.h
 *   tls_server.c   server credentials, SNI certificate choice (a
 *                  policy wrapped round BearSSL's single-key ones), the
 *                  session cache, erg_tls_accept
 *   tls_client.c   trust stores, erg_tls_connect, the insecure X.509
 *                  engine
 *   tls_pem.c      PEM and DER decoding of chains, keys, trust anchors
 *   tls_name.c     host name matching (RFC 6125 6.4)
 *
 * Ownership: a session is the application's from accept/connect to
 * close/abort; after erg_tls_close it is an orphan owned by this module
 * until its last record has gone into the TCP send ring, then the TCP
 * connection is closed and the session returns to the pool.
 */
#ifndef ERG_TLS_INT_H
#define ERG_TLS_INT_H

#include <bearssl.h>

#include "../core/core.h"
#include "erg/tcp.h"
#include "erg/tls.h"
#include "tls_layer.h"

_Static_assert(ERG_TLS_BUF_BIDI == BR_SSL_BUFSIZE_BIDI,
    "erg/tls.h buffer sizes follow bearssl.h");
_Static_assert(ERG_TLS_BUF_MONO == BR_SSL_BUFSIZE_MONO,
    "erg/tls.h buffer sizes follow bearssl.h");
_Static_assert(sizeof(br_ssl_session_parameters) <=
        sizeof(struct erg_tls_saved),
    "struct erg_tls_saved holds BearSSL's session parameters");

/* ---- Credential store (tls_layout.c) ----------------------------------- */

/*
 * A bump region of cfg.tls_store bytes. Allocations are 16-byte aligned
 * and never freed one by one; a loader that fails resets `used` to the
 * mark it took first (erg_tls_store_mark / erg_tls_store_rewind).
 */
struct erg_tls_store {
	uint8_t *base;
	size_t size;
	size_t used;
};

/* n bytes (zeroed), or NULL and tls.store_full counted. */
void *erg_tls_store_alloc(struct erg_stack *s, size_t n);
/* Copies n bytes of p into the store (not zeroed past them). */
void *erg_tls_store_dup(struct erg_stack *s, const void *p, size_t n);
/* A copy of the NUL-terminated string, or NULL. */
char *erg_tls_store_strdup(struct erg_stack *s, const char *str);
size_t erg_tls_store_mark(const struct erg_stack *s);
void erg_tls_store_rewind(struct erg_stack *s, size_t mark);
/*
 * Grows the latest allocation p (of old bytes) to n bytes in place if it
 * is the latest; else allocates n and copies. NULL when full.
 */
void *erg_tls_store_grow(struct erg_stack *s, void *p, size_t old, size_t n);

/* ---- The layer --------------------------------------------------------- */

struct erg_tls_layer {
	struct erg_pool pool; /* struct erg_tls */
	struct erg_tls_store store;
	uint32_t buf_size; /* cfg.tls_buf */
};

/* ---- Credentials ------------------------------------------------------- */

/* One certificate chain and its key (tls_pem.c fills it). */
struct erg_tls_cert {
	struct erg_tls_cert *next;
	const char *name; /* SNI pattern (in the store), or NULL */
	br_x509_certificate *chain;
	size_t chain_n;
	int key_type; /* BR_KEYTYPE_EC or BR_KEYTYPE_RSA */
	union {
		br_ec_private_key ec;
		br_rsa_private_key rsa;
	} key;
	/* Sessions made under this certificate (tls_server.c). */
	bool has_cache;
	br_ssl_session_cache_lru lru;
};

struct erg_tls_server {
	struct erg_stack *s;
	struct erg_tls_cert *certs; /* in the order added; first: default */
	struct erg_tls_cert *last;
	const char *alpn[ERG_TLS_ALPN_MAX];
	unsigned alpn_n;
	unsigned flags;
	uint16_t suites[ERG_TLS_SUITES_MAX];
	unsigned suites_n; /* 0: the default list */
	/*
	 * Session caches: one BearSSL LRU per certificate, behind a wrapper
	 * class that picks the one of the name the client asked for and
	 * marks the session resumed (BearSSL keeps no such flag).
	 */
	const br_ssl_session_cache_class *cache_vtable; /* NULL: none */
	unsigned cache_entries;                         /* per certificate */
};

struct erg_tls_trust {
	struct erg_stack *s;
	br_x509_trust_anchor *ta; /* contiguous, in the store */
	unsigned n;
};

/*
 * Decodes chain (PEM or one DER certificate) and key (PEM or DER) into
 * a new struct erg_tls_cert in the store, checks that the key matches
 * the end-entity certificate, and returns it (not yet linked). On error
 * the store is rewound. Errors as erg_tls_server_add_cert.
 */
int erg_tls_cert_load(struct erg_stack *s, const void *chain, size_t chain_len,
    const void *key, size_t key_len, struct erg_tls_cert **out);

/* ---- Sessions ---------------------------------------------------------- */

/*
 * The insecure X.509 "engine" (ERG_TLS_INSECURE): decodes the end-entity
 * certificate's public key and accepts it, nothing else.
 */
struct erg_tls_x509_insecure {
	const br_x509_class *vtable;
	br_x509_decoder_context dec;
	unsigned depth; /* certificates seen */
	bool key_ok;
};

/*
 * SNI: a server policy that picks the certificate by the client's
 * server name, installs BearSSL's single-key policy for it and hands
 * the rest of the handshake to that.
 */
struct erg_tls_sni_policy {
	const br_ssl_server_policy_class *vtable;
	const struct erg_tls_server *srv;
	br_ssl_server_context *sc;
};

/* Session flags. */
#define TLSF_SERVER     0x0001u
#define TLSF_HS_DONE    0x0002u /* handshake done (event sent) */
#define TLSF_ORPHAN     0x0004u /* the application closed it */
#define TLSF_SHUT       0x0008u /* close_notify asked for */
#define TLSF_TCP_SHUT   0x0010u /* TCP send side shut after it */
#define TLSF_CLOSED_EV  0x0020u /* ERG_TLS_EV_CLOSED delivered */
#define TLSF_WANT_WRITE 0x0040u /* a write found no room: WRITABLE owed */
#define TLSF_TCP_EOF    0x0080u /* the TCP peer closed (FIN) */
#define TLSF_RESERVED   0x0100u /* a reserve lent the window */
#define TLSF_DEAD       0x0200u /* failed: err set, engine closed */
#define TLSF_RESUMED    0x0400u /* abbreviated handshake */
#define TLSF_RESUMING   0x0800u /* client: offered a saved session */
#define TLSF_RD_TOLD    0x1000u /* READABLE sent for the data now ready */
#define TLSF_ENDED      0x2000u /* FIN after our close_notify: done */
#define TLSF_HELLO_SEEN 0x4000u /* server: the first record went by */
#define TLSF_HS_SEEN    0x8000u /* the engine reached the data phase */

/*
 * How long a session the application closed waits for the peer's
 * close_notify (or FIN) after sending its own, before it closes the TCP
 * connection anyway.
 */
#define TLS_LINGER_US 2000000u

/* Client ALPN names copied per session. */
#define TLS_ALPN_BUF 2048u
_Static_assert(TLS_ALPN_BUF == ERG_TLS_ALPN_MAX * (ERG_TLS_ALPN_LEN_MAX + 1),
    "every ALPN name a client may offer fits");

struct erg_tls {
	void *pool_next; /* the pool's link while free */
	struct erg_stack *s;
	struct erg_tcp_conn *tcp;
	erg_tls_event_fn cb;
	void *ctx;
	struct erg_evsrc ev;     /* events an API call caused */
	struct erg_timer linger; /* orphan: TLS_LINGER_US */
	uint8_t *buf; /* cfg.tls_buf bytes: BearSSL's record buffer(s) */
	br_ssl_engine_context *eng;
	const struct erg_tls_server *srv;
	unsigned flags;
	int err;
	uint8_t alert; /* fatal alert received */
	uint64_t bytes_in;
	uint64_t bytes_out;
	/*
	 * Resumption: the session ID a client offered, or a server found
	 * in its cache. Resumed if the handshake ends with that ID (BearSSL
	 * may still refuse a cached session: version, suite).
	 */
	uint8_t offered_id[32];
	uint8_t offered_id_len;
	union {
		struct {
			br_ssl_client_context cc;
			union {
				br_x509_minimal_context min;
				struct erg_tls_x509_insecure ins;
			} x509;
			const char *alpn[ERG_TLS_ALPN_MAX];
			char alpn_buf[TLS_ALPN_BUF];
		} client;
		struct {
			br_ssl_server_context sc;
			struct erg_tls_sni_policy pol;
			/* The ClientHello's name, read by tls_hello.c. */
			size_t hello_bytes; /* of the first record so far */
			bool hello_ok;      /* sni below is the client's */
			char sni[ERG_TLS_NAME_MAX + 1];
		} server;
	} u;
};

/* tls_engine.c */
/*
 * Sets what both sides share on eng: versions (flags), suites in erg's
 * order, hashes, PRFs, AEAD and EC implementations, no renegotiation,
 * the record buffers; seeds its DRBG from cfg.rand.
 */
void erg_tls_engine_setup(struct erg_tls *t, unsigned flags,
    const uint16_t *suites, unsigned suites_n);
/*
 * Checks a caller's suite list (each one erg's, none twice, at most
 * ERG_TLS_SUITES_MAX). Returns 0 or -ERG_EINVAL.
 */
int erg_tls_suites_check(const uint16_t *suites, unsigned n);
/*
 * Checks an ALPN list (RFC 7301 3.1): at most ERG_TLS_ALPN_MAX names of
 * 1 to ERG_TLS_ALPN_LEN_MAX bytes. Returns 0 or -ERG_EINVAL.
 */
int erg_tls_alpn_check(const char *const *names, unsigned n);
/* Maps BearSSL's error (br_ssl_engine_last_error) to -ERG_ETLS_*. */
int erg_tls_map_error(int br_err, uint8_t *alert);
/* "ECDHE-ECDSA-AES128-GCM-SHA256", ... or "?" */
const char *erg_tls_cipher_name(uint16_t suite);

/* tls_hello.c */
/*
 * Reads the server_name (RFC 6066 3) of the ClientHello that rec (one
 * whole record, header included) holds into out (ERG_TLS_NAME_MAX + 1
 * bytes; "" when it sends none). Returns 0, or -1 when rec is not one
 * whole, well-formed ClientHello.
 */
int erg_tls_hello_sni(const uint8_t *rec, size_t len, char *out);
/*
 * Whether the ClientHello in rec (as erg_tls_hello_sni) may resume a
 * session of a server speaking ALPN names[0..n): n is 0, or it sends no
 * ALPN extension, or one extension naming one of them (compared as
 * BearSSL compares: length and bytes). False for anything else, a
 * malformed hello included.
 */
bool erg_tls_hello_alpn_ok(const uint8_t *rec, size_t len,
    const char *const *names, unsigned n);

/* tls_server.c */
/*
 * Called by the pump with each chunk of the first record it hands a
 * server engine (at rec, n bytes), before BearSSL processes it.
 */
void erg_tls_hello_watch(struct erg_tls *t, const uint8_t *rec, size_t n);
/*
 * Whether the pump may hand BearSSL the first record's body now (len:
 * what BearSSL asks for): BearSSL consumes an unencrypted record piece
 * by piece, so the name can only be read from a body handed over whole;
 * a small one waits until TCP holds all of it.
 */
bool erg_tls_hello_ready(struct erg_tls *t, size_t len);

/* tls_session.c */
/*
 * Allocates a session for tcp (zeroed, buffer attached) into *out.
 * Returns 0, -ERG_ESTATE (tcp closed, reset or timed out) or
 * -ERG_ENOMEM (no session free; counted). Takes tcp's callback only on
 * erg_tls_start.
 */
int erg_tls_alloc(struct erg_tcp_conn *tcp, erg_tls_event_fn cb, void *ctx,
    struct erg_tls **out);
/* Gives an unstarted session back (setup failed). */
void erg_tls_free_unstarted(struct erg_tls *t);
/* Takes the TCP connection over and runs the first pump. */
void erg_tls_start(struct erg_tls *t);

#endif
