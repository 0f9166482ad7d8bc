/*
 * erg/tls.h: TLS 1.2 (RFC 5246) over erg's TCP, through BearSSL.
 *
 * A TLS session (struct erg_tls) sits on one TCP connection and offers
 * the TCP socket API's shape: write / reserve + commit, read / peek +
 * consume, shutdown, close, abort, error, and one event callback. An
 * application moves from TCP to TLS by wrapping the connection it got
 * from erg_tcp_accept (erg_tls_accept) or erg_tcp_connect
 * (erg_tls_connect) and calling erg_tls_* instead of erg_tcp_*. From then
 * on the TLS session owns the TCP connection (and its callback); the
 * application owns the session until erg_tls_close or erg_tls_abort.
 *
 * Objects and memory. Everything comes from the stack's arena:
 * - sessions from a pool of cfg.tls_sessions, each with a record buffer
 *   of cfg.tls_buf bytes;
 * - credentials (struct erg_tls_server: certificates, keys, ALPN names,
 *   the server's session cache) and trust stores (struct erg_tls_trust:
 *   trust anchors) from a credential store of cfg.tls_store bytes. The
 *   store is filled at start-up and lives as long as the stack: objects
 *   are never freed one by one, and a load that fails gives back what it
 *   took.
 *
 * Record path, and its copies (measured by make bench):
 * - Receive: ciphertext is copied once, from the TCP receive views into
 *   BearSSL's input buffer, where it is decrypted in place;
 *   erg_tls_peek lends the plaintext as a view into that buffer.
 * - Send: erg_tls_reserve lends BearSSL's output buffer, the application
 *   writes plaintext there, erg_tls_commit has it encrypted in place and
 *   the record is copied once into the TCP send ring (erg_tls_write adds
 *   the application's own copy in).
 *
 * Buffer sizes (cfg.tls_buf):
 * - ERG_TLS_BUF_BIDI (the default): full duplex, records of 16 KiB each
 *   way.
 * - ERG_TLS_BUF_MONO: one buffer for both directions (BearSSL's mono
 *   mode), half the memory; the peer sees no difference, but the
 *   application must read what arrived before it can write again.
 * - Smaller, down to ERG_TLS_BUF_MIN: mono mode with smaller records; as
 *   a client erg asks the server for the max_fragment_length extension
 *   (RFC 6066 section 4); a peer that ignores it and sends a larger
 *   record fails the session (ERG_ETLS_PROTOCOL). As a server erg
 *   honours a client's request, but a client that makes none sends full
 *   16 KiB records: a server below ERG_TLS_BUF_MONO serves only clients
 *   that ask (BearSSL's and erg's do; most browsers do not).
 *
 * Protocol choices (where RFCs and the issue leave room):
 * - TLS 1.2 only (1.0 and 1.1 with ERG_TLS_OLD_VERSIONS); cipher suites
 *   ECDHE with AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305 (RFC 5289,
 *   7905), with the server's preference; curves X25519, P-256, P-384,
 *   P-521.
 * - No renegotiation (RFC 5746: the extension is answered, a
 *   renegotiation refused), no compression, no static RSA key exchange.
 * - The TCP connection under a session runs without Nagle: records and
 *   handshake flights go to TCP whole, and Nagle would hold each one's
 *   last segment for the peer's delayed ACK.
 * - Each write or commit is sent as one record at once (no waiting to
 *   fill a record): a write of 100 bytes is a 100-byte record.
 * - Entropy: every session's HMAC-DRBG is seeded from cfg.rand before it
 *   starts; BearSSL never reads the operating system's.
 * - Clock: erg never reads one. A client passes the current time
 *   (seconds since 1970) for certificate validity.
 *
 * Events arrive through the session's callback at the TCP layer's safe
 * points; from the callback any function may be called, including
 * closing this session.
 */
#ifndef ERG_TLS_H
#define ERG_TLS_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "view.h"

#ifdef __cplusplus
extern "C" {
#endif

struct erg_stack;
struct erg_tcp_conn;
struct erg_tls;
struct erg_tls_server;
struct erg_tls_trust;

/*
 * Record buffer sizes for cfg.tls_buf (BearSSL's BR_SSL_BUFSIZE_BIDI,
 * BR_SSL_BUFSIZE_MONO; checked against bearssl.h when erg is built).
 */
#define ERG_TLS_BUF_BIDI 33178u
#define ERG_TLS_BUF_MONO 16709u
#define ERG_TLS_BUF_MIN  1024u

/* Longest server name (RFC 6066 section 3: a DNS host name). */
#define ERG_TLS_NAME_MAX 255u
/* ALPN names per object, and the longest (RFC 7301 section 3.1). */
#define ERG_TLS_ALPN_MAX     8u
#define ERG_TLS_ALPN_LEN_MAX 255u

/* Session events, with ERG_EV_READABLE / WRITABLE / ERROR of erg/event.h. */
#define ERG_TLS_EV_HANDSHAKE 0x2000u /* handshake done: data may flow */
#define ERG_TLS_EV_CLOSED    0x4000u /* no more data will come */
/*
 * ERG_EV_ERROR: the session failed (handshake, certificate, alert, TCP
 * reset); erg_tls_error says why. ERG_TLS_EV_CLOSED comes with it.
 */

typedef void (*erg_tls_event_fn)(struct erg_tls *t, unsigned events, void *ctx);

/* ---- Credentials: certificates and keys (server side) ------------------ */

/* Flags for struct erg_tls_server_opts and erg_tls_client_opts. */
#define ERG_TLS_OLD_VERSIONS 0x1u /* also TLS 1.0 and 1.1 (off by default) */

/*
 * Cipher suites (IANA numbers) erg can negotiate, in its default order
 * of preference: forward secret (ECDHE) AEAD suites only (RFC 5289,
 * RFC 7905). The CBC suites are offered only with ERG_TLS_OLD_VERSIONS,
 * for TLS 1.0 and 1.1 peers, after these.
 */
#define ERG_TLS_ECDHE_ECDSA_AES128_GCM_SHA256 0xC02Bu
#define ERG_TLS_ECDHE_RSA_AES128_GCM_SHA256   0xC02Fu
#define ERG_TLS_ECDHE_ECDSA_AES256_GCM_SHA384 0xC02Cu
#define ERG_TLS_ECDHE_RSA_AES256_GCM_SHA384   0xC030u
#define ERG_TLS_ECDHE_ECDSA_CHACHA20_POLY1305 0xCCA9u
#define ERG_TLS_ECDHE_RSA_CHACHA20_POLY1305   0xCCA8u
#define ERG_TLS_SUITES_MAX                    12u

struct erg_tls_server_opts {
	/*
	 * ALPN protocols the server speaks, in its order of preference
	 * (RFC 7301), or none (alpn_n 0). The strings are copied. A client
	 * that offers ALPN but none of these gets no_application_protocol
	 * (RFC 7301 3.2).
	 */
	const char *const *alpn;
	unsigned alpn_n;
	/*
	 * Entries of the session cache for resumption by session ID
	 * (RFC 5246 7.3), per certificate (a session resumes only under
	 * the certificate the client's name picks); about 100 bytes each,
	 * from the store. 0: no resumption.
	 */
	unsigned cache_entries;
	/* Suites in the server's order; suites_n 0: erg's default list. */
	const uint16_t *suites;
	unsigned suites_n;
	unsigned flags; /* ERG_TLS_* */
};

/*
 * Creates an empty server credential set in s's credential store.
 * Returns 0, -ERG_EINVAL or -ERG_ENOMEM (store full; tls.store_full).
 */
int erg_tls_server_new(struct erg_stack *s, const struct erg_tls_server_opts *o,
    struct erg_tls_server **out);

/*
 * Adds a certificate chain and its private key. chain: one or more
 * certificates, end-entity first, as PEM ("CERTIFICATE" blocks) or one
 * DER certificate. key: PEM ("EC PRIVATE KEY", "RSA PRIVATE KEY" or
 * PKCS#8 "PRIVATE KEY") or DER. Supported keys: ECDSA P-256, P-384 and
 * P-521, RSA 2048 to 4096 bits. The key MUST match the end-entity's
 * public key (checked). Both inputs are copied (decoded) into the store.
 *
 * name chooses the certificate by SNI (RFC 6066 section 3): a host name
 * ("www.example.com") or a wildcard for one left-most label
 * ("*.example.com"), matched as erg_tls_name_match does. The first
 * certificate added is the default, used when the client sends no name
 * or one no certificate claims; name may be NULL for it.
 *
 * Returns 0, -ERG_EINVAL, -ERG_ENOMEM (store full), -ERG_EMALFORMED
 * (not PEM/DER, or the key does not match the certificate),
 * -ERG_EUNSUPPORTED (a key type or size outside the list above).
 */
int erg_tls_server_add_cert(struct erg_tls_server *srv, const char *name,
    const void *chain, size_t chain_len, const void *key, size_t key_len);

/* ---- Trust anchors (client side) --------------------------------------- */

/*
 * Creates an empty trust store in s's credential store. Returns 0 or
 * -ERG_ENOMEM.
 */
int erg_tls_trust_new(struct erg_stack *s, struct erg_tls_trust **out);

/*
 * Adds every certificate of pem (PEM "CERTIFICATE" blocks, as in a CA
 * bundle; other blocks skipped) or of one DER certificate as a trust
 * anchor (its name and public key are kept, decoded, in the store).
 * Certificates that cannot be decoded, or whose key type BearSSL does not
 * support, are skipped and counted (tls.trust_skipped). Returns the
 * number added (>= 0), -ERG_EMALFORMED (nothing that looks like a
 * certificate), or -ERG_ENOMEM (store full; what was added stays).
 */
int erg_tls_trust_add(struct erg_tls_trust *t, const void *pem, size_t len);

/* Trust anchors held. */
unsigned erg_tls_trust_count(const struct erg_tls_trust *t);

/*
 * Host name matching (RFC 6125 section 6.4, as browsers do): ASCII case
 * is ignored; a pattern may start with "*." to match exactly one
 * left-most label (never empty, never two labels); a '*' anywhere else,
 * or as part of a label ("f*.example.com"), matches only itself; names
 * with "xn--" labels are compared as they are (no IDNA mapping); a
 * trailing dot on either side is ignored. Used for SNI selection. A
 * client's check of the server certificate is BearSSL's X.509 engine
 * (SAN dNSNames, the subject CN only when there is no SAN), whose
 * wildcard rule is the same; tests hold the two to the same cases.
 */
bool erg_tls_name_match(const char *pattern, const char *host);

/* ---- Sessions ---------------------------------------------------------- */

/*
 * Saved session parameters for resumption (client side), opaque: filled
 * by erg_tls_save, handed to the next erg_tls_connect. Holds the master
 * secret: keep it as secret as a key.
 */
struct erg_tls_saved {
	uint8_t opaque[96];
};

struct erg_tls_client_opts {
	/*
	 * Trust anchors the server's chain must lead to. NULL only with
	 * ERG_TLS_INSECURE.
	 */
	const struct erg_tls_trust *trust;
	/*
	 * The server's host name: sent as SNI and checked against the
	 * certificate. NULL (or an IP address literal, which is never sent
	 * as SNI) skips both and needs ERG_TLS_INSECURE.
	 */
	const char *server_name;
	/* ALPN protocols offered, in order (copied). */
	const char *const *alpn;
	unsigned alpn_n;
	/*
	 * Now, in seconds since 1970-01-01 UTC, for the validity dates of
	 * every certificate of the chain. 0 is refused unless insecure.
	 */
	uint64_t unix_time;
	/* A session saved from an earlier connection to resume, or NULL. */
	const struct erg_tls_saved *resume;
	/* Suites offered, in order; suites_n 0: erg's default list. */
	const uint16_t *suites;
	unsigned suites_n;
	unsigned flags; /* ERG_TLS_* */
};

/*
 * ERG_TLS_INSECURE: accept any certificate (no chain, date or name
 * checks), for testing; the session is still encrypted and the
 * server's key still proves the handshake.
 */
#define ERG_TLS_INSECURE 0x2u

/*
 * Starts a server session on c, a connection from erg_tcp_accept. The
 * session takes c over (its callback, its data): the application MUST
 * NOT call erg_tcp_* on c again. Returns 0, -ERG_EINVAL, -ERG_ESTATE (c
 * closed or failed) or -ERG_ENOMEM (no session free; tls.sessions_alloc_
 * fail): on error c is untouched and still the caller's.
 */
int erg_tls_accept(struct erg_tcp_conn *c, const struct erg_tls_server *srv,
    erg_tls_event_fn cb, void *ctx, struct erg_tls **out);

/*
 * Starts a client session on c (from erg_tcp_connect; connected or not
 * yet), as erg_tls_accept. The ClientHello leaves when the connection
 * is up. Returns as erg_tls_accept; -ERG_EINVAL also for options the
 * rules above refuse.
 */
int erg_tls_connect(struct erg_tcp_conn *c, const struct erg_tls_client_opts *o,
    erg_tls_event_fn cb, void *ctx, struct erg_tls **out);

/*
 * Encrypts up to len bytes (records of at most 16 KiB each) and queues
 * them for the TCP connection. Returns the bytes taken (> 0),
 * -ERG_EAGAIN (no room now, or the handshake is not done: wait for
 * ERG_EV_WRITABLE), -ERG_ESTATE (shut down) or the session's error.
 */
long erg_tls_write(struct erg_tls *t, const void *data, size_t len);

/*
 * Zero-copy send, step 1: lends the free part of the plaintext record
 * being built (one window, w->len bytes). Returns 1, 0 (no room now) or
 * an error as erg_tls_write. The window stays valid until the next
 * commit, write or close.
 */
int erg_tls_reserve(struct erg_tls *t, struct erg_wview *w);

/*
 * Zero-copy send, step 2: the first n bytes of the window are done;
 * they are encrypted and sent as one record (with what earlier commits
 * left unsent). Returns 0, -ERG_EINVAL (n larger than the window) or an
 * error as erg_tls_write.
 */
int erg_tls_commit(struct erg_tls *t, size_t n);

/*
 * Zero-copy receive: lends the decrypted data ready now as one view
 * (the rest of the current record). Returns 1, 0 (nothing now; after
 * ERG_TLS_EV_CLOSED, end of stream) or the session's error once no data
 * is left. The view stays valid until erg_tls_consume or close.
 */
int erg_tls_peek(struct erg_tls *t, struct erg_view *v);

/* Releases the first n bytes peeked. Returns 0 or -ERG_EINVAL. */
int erg_tls_consume(struct erg_tls *t, size_t n);

/*
 * Copying receive: up to cap bytes (across records). Returns the bytes
 * copied, 0 at end of stream, -ERG_EAGAIN (nothing yet) or the error.
 */
long erg_tls_read(struct erg_tls *t, void *buf, size_t cap);

/* Decrypted bytes ready (the current record's rest). */
size_t erg_tls_readable(const struct erg_tls *t);

/* Plaintext bytes that erg_tls_write would take now. */
size_t erg_tls_writable(const struct erg_tls *t);

/*
 * Sends close_notify (RFC 5246 7.2.1) after what was written, then shuts
 * the TCP send side. TLS 1.2 has no half-close: data that arrives after
 * it is discarded; ERG_TLS_EV_CLOSED comes with the peer's close_notify
 * (or FIN). Returns 0, -ERG_ESTATE (already shut) or the session's
 * error.
 */
int erg_tls_shutdown(struct erg_tls *t);

/*
 * Graceful close: the application lets go of t (MUST NOT use it again;
 * no more callbacks). What was written, then close_notify, are still
 * delivered; then the TCP connection closes as erg_tcp_close does.
 * Safe from t's own callback.
 */
void erg_tls_close(struct erg_tls *t);

/* Abort: the TCP connection is reset and t freed at once. */
void erg_tls_abort(struct erg_tls *t);

/*
 * The session's error: 0 while healthy, else one of the ERG_ETLS_*
 * codes of erg/error.h, or the TCP connection's (-ERG_ECONNRESET,
 * -ERG_ETIMEDOUT, ...).
 */
int erg_tls_error(const struct erg_tls *t);

/* The TCP connection under t (for erg_tcp_info and options). */
struct erg_tcp_conn *erg_tls_tcp(struct erg_tls *t);

/*
 * Saves the session's parameters for resumption (client side, after
 * the handshake). Returns 0 or -ERG_ESTATE.
 */
int erg_tls_save(const struct erg_tls *t, struct erg_tls_saved *out);

struct erg_tls_info {
	bool handshake_done;
	bool resumed;     /* an abbreviated handshake (session reused) */
	bool server;      /* this side is the server */
	uint16_t version; /* 0x0303 for TLS 1.2; 0 before the handshake */
	uint16_t cipher;  /* IANA cipher suite number */
	const char *cipher_name; /* "ECDHE-ECDSA-AES128-GCM-SHA256", ... */
	const char *alpn;        /* negotiated ALPN protocol, or NULL */
	const char *server_name; /* SNI sent (client) or received (server) */
	int engine_error;        /* BearSSL's last error code, for logs */
	uint8_t alert;           /* alert received (with ERG_ETLS_ALERT) */
	uint64_t bytes_in;       /* plaintext bytes received */
	uint64_t bytes_out;      /* plaintext bytes sent */
};

/* Fills *info; the strings live as long as t. */
void erg_tls_info(const struct erg_tls *t, struct erg_tls_info *info);

#ifdef __cplusplus
}
#endif
#endif
