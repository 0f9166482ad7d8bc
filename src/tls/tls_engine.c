/*
 * src/tls/tls_engine.c: how every BearSSL engine erg runs is set up,
 * and what its errors mean to an application.
 *
 * Choices (erg/tls.h lists them for users):
 * - TLS 1.2 only unless ERG_TLS_OLD_VERSIONS (RFC 8996 deprecates 1.0
 *   and 1.1; the flag exists for old embedded peers).
 * - ECDHE key exchange with AEAD suites only, AES-128-GCM first (the
 *   fastest where AES-NI exists, and what BearSSL's defaults pick for
 *   x86), then AES-256-GCM, then ChaCha20-Poly1305; ECDSA before RSA for
 *   the same cipher, which only matters for a server holding both.
 * - Implementations: BearSSL's "default" selectors, which take AES-NI,
 *   PCLMUL and SSE2 code when the CPU has it and constant-time portable
 *   code otherwise; curves from br_ec_all_m15 (X25519, P-256, P-384,
 *   P-521).
 * - Renegotiation refused (BR_OPT_NO_RENEGOTIATION); the server's suite
 *   order wins (BR_OPT_ENFORCE_SERVER_PREFERENCES).
 * - Entropy: 32 bytes of cfg.rand injected into the engine's HMAC-DRBG,
 *   and BearSSL told that its own OS seeding was done, so that src/
 *   never reads /dev/urandom or RDRAND behind the platform's back and a
 *   seeded test run is reproducible.
 */
#include "tls_int.h"

/* The AEAD suites, in erg's order of preference. */
static const uint16_t tls_suites_default[] = {
	BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
};

/* With ERG_TLS_OLD_VERSIONS only: what TLS 1.0 / 1.1 can use. */
static const uint16_t tls_suites_cbc[] = {
	BR_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
	BR_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
	BR_TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
	BR_TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
};

_Static_assert(sizeof(tls_suites_default) / sizeof(uint16_t) +
            sizeof(tls_suites_cbc) / sizeof(uint16_t) <=
        ERG_TLS_SUITES_MAX,
    "ERG_TLS_SUITES_MAX holds every suite");
_Static_assert(ERG_TLS_ECDHE_ECDSA_AES128_GCM_SHA256 ==
            BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 &&
        ERG_TLS_ECDHE_RSA_AES128_GCM_SHA256 ==
            BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 &&
        ERG_TLS_ECDHE_ECDSA_AES256_GCM_SHA384 ==
            BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 &&
        ERG_TLS_ECDHE_RSA_AES256_GCM_SHA384 ==
            BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 &&
        ERG_TLS_ECDHE_ECDSA_CHACHA20_POLY1305 ==
            BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 &&
        ERG_TLS_ECDHE_RSA_CHACHA20_POLY1305 ==
            BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    "erg/tls.h suite numbers are IANA's");

#define N_DEFAULT (sizeof(tls_suites_default) / sizeof(uint16_t))
#define N_CBC     (sizeof(tls_suites_cbc) / sizeof(uint16_t))

static bool
tls_suite_cbc(uint16_t id)
{
	size_t i;

	for (i = 0; i < N_CBC; i++) {
		if (tls_suites_cbc[i] == id) {
			return true;
		}
	}
	return false;
}

static bool
tls_suite_known(uint16_t id)
{
	size_t i;

	for (i = 0; i < N_DEFAULT; i++) {
		if (tls_suites_default[i] == id) {
			return true;
		}
	}
	return tls_suite_cbc(id);
}

int
erg_tls_suites_check(const uint16_t *suites, unsigned n)
{
	unsigned i, j;

	if (n == 0) {
		return 0;
	}
	if (suites == NULL || n > ERG_TLS_SUITES_MAX) {
		return -ERG_EINVAL;
	}
	for (i = 0; i < n; i++) {
		if (!tls_suite_known(suites[i])) {
			return -ERG_EINVAL;
		}
		for (j = 0; j < i; j++) {
			if (suites[j] == suites[i]) {
				return -ERG_EINVAL;
			}
		}
	}
	return 0;
}

int
erg_tls_alpn_check(const char *const *names, unsigned n)
{
	size_t len;
	unsigned i;

	if (n > ERG_TLS_ALPN_MAX || (n > 0 && names == NULL)) {
		return -ERG_EINVAL;
	}
	for (i = 0; i < n; i++) {
		if (names[i] == NULL) {
			return -ERG_EINVAL;
		}
		for (len = 0; len <= ERG_TLS_ALPN_LEN_MAX && names[i][len];
		     len++) {
		}
		if (len == 0 || len > ERG_TLS_ALPN_LEN_MAX) {
			return -ERG_EINVAL;
		}
	}
	return 0;
}

/* The record buffers: both directions when there is room, else mono. */
static void
tls_engine_buffers(struct erg_tls *t)
{
	uint32_t len = t->s->tls->buf_size;

	if (len >= BR_SSL_BUFSIZE_BIDI) {
		br_ssl_engine_set_buffers_bidi(t->eng, t->buf,
		    BR_SSL_BUFSIZE_INPUT, t->buf + BR_SSL_BUFSIZE_INPUT,
		    len - BR_SSL_BUFSIZE_INPUT);
	} else {
		br_ssl_engine_set_buffer(t->eng, t->buf, len, 0);
	}
}

void
erg_tls_engine_setup(struct erg_tls *t, unsigned flags, const uint16_t *suites,
    unsigned suites_n)
{
	br_ssl_engine_context *eng = t->eng;
	uint16_t list[ERG_TLS_SUITES_MAX];
	unsigned n = 0;
	uint8_t seed[32];
	size_t i;

	if (suites_n > 0) {
		memcpy(list, suites, suites_n * sizeof(uint16_t));
		n = suites_n;
	} else {
		memcpy(list, tls_suites_default, sizeof(tls_suites_default));
		n = N_DEFAULT;
		if (flags & ERG_TLS_OLD_VERSIONS) {
			for (i = 0; i < N_CBC; i++) {
				list[n++] = tls_suites_cbc[i];
			}
		}
	}
	br_ssl_engine_set_versions(eng,
	    (flags & ERG_TLS_OLD_VERSIONS) ? BR_TLS10 : BR_TLS12, BR_TLS12);
	br_ssl_engine_set_suites(eng, list, n);
	br_ssl_engine_add_flags(eng, BR_OPT_NO_RENEGOTIATION);

	/* Hashes: the handshake transcript, signatures, the PRFs. */
	br_ssl_engine_set_hash(eng, br_sha1_ID, &br_sha1_vtable);
	br_ssl_engine_set_hash(eng, br_sha224_ID, &br_sha224_vtable);
	br_ssl_engine_set_hash(eng, br_sha256_ID, &br_sha256_vtable);
	br_ssl_engine_set_hash(eng, br_sha384_ID, &br_sha384_vtable);
	br_ssl_engine_set_hash(eng, br_sha512_ID, &br_sha512_vtable);
	br_ssl_engine_set_prf_sha256(eng, &br_tls12_sha256_prf);
	br_ssl_engine_set_prf_sha384(eng, &br_tls12_sha384_prf);
	if (flags & ERG_TLS_OLD_VERSIONS) {
		br_ssl_engine_set_hash(eng, br_md5_ID, &br_md5_vtable);
		br_ssl_engine_set_prf10(eng, &br_tls10_prf);
	}
	for (i = 0; i < n; i++) {
		if (tls_suite_cbc(list[i])) {
			br_ssl_engine_set_default_aes_cbc(eng);
			break;
		}
	}
	br_ssl_engine_set_default_aes_gcm(eng);
	br_ssl_engine_set_default_chapol(eng);
	br_ssl_engine_set_default_ec(eng);
	br_ssl_engine_set_default_rsavrfy(eng);
	br_ssl_engine_set_default_ecdsa(eng);
	tls_engine_buffers(t);

	/* Seeding: after the hashes (the DRBG runs on SHA-256). */
	erg_rand_bytes(t->s, seed, sizeof(seed));
	br_ssl_engine_inject_entropy(eng, seed, sizeof(seed));
	memset(seed, 0, sizeof(seed));
	eng->rng_os_rand_done = 1;
}

int
erg_tls_map_error(int br_err, uint8_t *alert)
{
	*alert = 0;
	if (br_err == BR_ERR_OK) {
		return 0;
	}
	if (br_err >= BR_ERR_RECV_FATAL_ALERT &&
	    br_err < BR_ERR_SEND_FATAL_ALERT) {
		*alert = (uint8_t)(br_err - BR_ERR_RECV_FATAL_ALERT);
		return -ERG_ETLS_ALERT;
	}
	if (br_err >= BR_ERR_SEND_FATAL_ALERT &&
	    br_err < BR_ERR_SEND_FATAL_ALERT + 256) {
		/*
		 * BearSSL refused the peer and told it why (RFC 5246
		 * 7.2.2): these alerts mean nothing in common to agree on.
		 */
		switch (br_err - BR_ERR_SEND_FATAL_ALERT) {
		case BR_ALERT_HANDSHAKE_FAILURE:
		case BR_ALERT_PROTOCOL_VERSION:
		case BR_ALERT_INSUFFICIENT_SECURITY:
		case BR_ALERT_UNSUPPORTED_EXTENSION:
		case BR_ALERT_NO_APPLICATION_PROTOCOL:
			return -ERG_ETLS_HANDSHAKE;
		default:
			return -ERG_ETLS_PROTOCOL;
		}
	}
	switch (br_err) {
	case BR_ERR_X509_EXPIRED:
	case BR_ERR_X509_TIME_UNKNOWN:
		return -ERG_ETLS_EXPIRED;
	case BR_ERR_X509_BAD_SERVER_NAME:
		return -ERG_ETLS_HOSTNAME;
	case BR_ERR_X509_NOT_TRUSTED:
		return -ERG_ETLS_UNKNOWNCA;
	case BR_ERR_UNSUPPORTED_VERSION:
	case BR_ERR_BAD_VERSION:
	case BR_ERR_BAD_CIPHER_SUITE:
	case BR_ERR_BAD_COMPRESSION:
	case BR_ERR_BAD_SECRENEG:
	case BR_ERR_EXTRA_EXTENSION:
	case BR_ERR_BAD_SNI:
	case BR_ERR_RESUME_MISMATCH:
	case BR_ERR_INVALID_ALGORITHM:
	case BR_ERR_BAD_SIGNATURE:
	case BR_ERR_WRONG_KEY_USAGE:
	case BR_ERR_NO_CLIENT_AUTH:
	case BR_ERR_NO_RANDOM:
		return -ERG_ETLS_HANDSHAKE;
	default:
		break;
	}
	if (br_err >= BR_ERR_X509_OK && br_err < 64) {
		return -ERG_ETLS_BADCERT;
	}
	return -ERG_ETLS_PROTOCOL;
}

const char *
erg_tls_cipher_name(uint16_t suite)
{
	switch (suite) {
	case BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256:
		return "ECDHE-ECDSA-AES128-GCM-SHA256";
	case BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256:
		return "ECDHE-RSA-AES128-GCM-SHA256";
	case BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384:
		return "ECDHE-ECDSA-AES256-GCM-SHA384";
	case BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384:
		return "ECDHE-RSA-AES256-GCM-SHA384";
	case BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256:
		return "ECDHE-ECDSA-CHACHA20-POLY1305";
	case BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256:
		return "ECDHE-RSA-CHACHA20-POLY1305";
	case BR_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA:
		return "ECDHE-ECDSA-AES128-SHA";
	case BR_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA:
		return "ECDHE-RSA-AES128-SHA";
	case BR_TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA:
		return "ECDHE-ECDSA-AES256-SHA";
	case BR_TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA:
		return "ECDHE-RSA-AES256-SHA";
	default:
		return "?";
	}
}
