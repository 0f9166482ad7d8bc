/*
 * tests/unit/test_tls_creds.c: TLS credentials (src/tls/tls_pem.c):
 * certificate chains and private keys for servers, trust anchors for
 * clients, from PEM (RFC 7468) and DER, into the credential store.
 *
 * The inputs are the test PKI of tests/vectors/tls (README.md there),
 * embedded through tls_vectors.h, and mutations of it. Every failure is
 * checked for its error code and for the store being back where it was
 * (erg_tls_store_mark, and the tls.store_used counter). Internals (the
 * store, struct erg_tls_cert, struct erg_tls_trust) are reached through
 * src/tls/tls_int.h, by a path relative to this file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/tls/tls_int.h"
#include "lib/testnet.h"
#include "tls/tls_vectors.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define SYSTEM_BUNDLE "/etc/ssl/certs/ca-certificates.crt"

/* ---- Fixture: a small stack with a store of the size asked ------------ */

struct fx {
	struct erg_stack *s;
	void *arena;
	uint64_t rng;
};

static void
fx_init(struct fx *f, uint32_t store)
{
	struct erg_config cfg;
	size_t need;

	erg_config_default(&cfg);
	cfg.pkt_count = 16;
	cfg.tcp_conns = 2;
	cfg.tcp_listeners = 1;
	cfg.tcp_timewait = 2;
	cfg.tls_sessions = 1;
	cfg.tls_buf = ERG_TLS_BUF_MIN;
	cfg.tls_store = store;
	f->rng = 0x7e57c0de;
	cfg.rand = tn_rand;
	cfg.rand_ctx = &f->rng;
	need = erg_arena_size(&cfg);
	assert_true(need > 0);
	f->arena = aligned_alloc(16, (need + 15) & ~(size_t)15);
	assert_non_null(f->arena);
	assert_int_equal(erg_stack_init(&f->s, f->arena, need, &cfg, 0), 0);
	assert_int_equal(erg_tls_store_mark(f->s), 0);
}

static void
fx_fini(struct fx *f)
{
	free(f->arena);
}

static struct erg_tls_store *
store(struct fx *f)
{
	return &f->s->tls->store;
}

static uint64_t
st_get(struct fx *f, enum erg_stat id)
{
	return f->s->stats[id];
}

/* The store is at mark, and the tls.store_used counter says so. */
static void
assert_store_at(struct fx *f, size_t mark)
{
	assert_int_equal(erg_tls_store_mark(f->s), mark);
	assert_int_equal(st_get(f, ERG_STAT_TLS_STORE_USED), mark);
	assert_true(store(f)->used <= store(f)->size);
}

/* p .. p + n lies inside the store's used part. */
static void
assert_in_store(struct fx *f, const void *p, size_t n)
{
	const uint8_t *b = store(f)->base;
	const uint8_t *q = p;

	assert_non_null(p);
	assert_true(q >= b);
	assert_true(q + n <= b + store(f)->used);
}

/* ---- Helpers over the vectors ------------------------------------------- */

struct buf {
	uint8_t *p;
	size_t len;
};

static struct buf
buf_of(const void *p, size_t n)
{
	struct buf b;

	b.p = tn_xmalloc(n + 1);
	memcpy(b.p, p, n);
	b.p[n] = 0;
	b.len = n;
	return b;
}

static struct buf
buf_cat(const void *a, size_t an, const void *c, size_t cn)
{
	struct buf b;

	b.p = tn_xmalloc(an + cn + 1);
	memcpy(b.p, a, an);
	memcpy(b.p + an, c, cn);
	b.p[an + cn] = 0;
	b.len = an + cn;
	return b;
}

static void
pem_sink(void *ctx, const void *src, size_t n)
{
	struct buf *b = ctx;

	b->p = realloc(b->p, b->len + n);
	assert_non_null(b->p);
	memcpy(b->p + b->len, src, n);
	b->len += n;
}

/* The DER of the first PEM object of pem (BearSSL's decoder, hosted). */
static struct buf
der_of(const char *pem, size_t len)
{
	br_pem_decoder_context pc;
	struct buf b = { NULL, 0 };
	bool done = false;

	br_pem_decoder_init(&pc);
	while (len > 0 && !done) {
		size_t k = br_pem_decoder_push(&pc, pem, len);

		pem += k;
		len -= k;
		switch (br_pem_decoder_event(&pc)) {
		case BR_PEM_BEGIN_OBJ:
			br_pem_decoder_setdest(&pc, pem_sink, &b);
			break;
		case BR_PEM_END_OBJ:
			done = true;
			break;
		case BR_PEM_ERROR:
			fail_msg("vector does not decode");
			break;
		default:
			break;
		}
	}
	assert_true(done);
	return b;
}

/* PEM of the bytes (BearSSL's encoder), malloc'd, NUL-terminated. */
static struct buf
pem_of(const void *der, size_t len, const char *label)
{
	struct buf b;

	b.len = br_pem_encode(NULL, der, len, label, 0);
	b.p = tn_xmalloc(b.len + 1);
	br_pem_encode(b.p, der, len, label, 0);
	return b;
}

/* Bytes of needle occur in hay. */
static bool
contains(const void *hay, size_t hn, const void *needle, size_t nn)
{
	return nn > 0 && memmem(hay, hn, needle, nn) != NULL;
}

/*
 * Loads chain and key, expecting err (0: success). On failure the store
 * must be back at the mark it had.
 */
static struct erg_tls_cert *
load(struct fx *f, const void *chain, size_t clen, const void *key, size_t klen,
    int err)
{
	struct erg_tls_cert *c = (struct erg_tls_cert *)(uintptr_t)1;
	size_t mark = erg_tls_store_mark(f->s);
	int rc;

	rc = erg_tls_cert_load(f->s, chain, clen, key, klen, &c);
	if (rc != err) {
		fail_msg("erg_tls_cert_load: %d (%s), expected %d (%s)", rc,
		    erg_strerror(rc), err, erg_strerror(err));
	}
	if (err != 0) {
		assert_store_at(f, mark);
		assert_ptr_equal(c, (struct erg_tls_cert *)(uintptr_t)1);
		return NULL;
	}
	assert_true(erg_tls_store_mark(f->s) > mark);
	assert_in_store(f, c, sizeof(*c));
	return c;
}

/* ---- Loading every key type --------------------------------------------- */

struct good {
	const char *what;
	const void *chain;
	size_t chain_len;
	const void *key;
	size_t key_len;
	size_t chain_n;
	int key_type;
	int curve;         /* EC */
	uint32_t n_bitlen; /* RSA */
	const void *leaf_der;
	size_t leaf_der_len;
};

#define EC(w, ch, k, n, crv, der)                                     \
	{                                                             \
		w, TLS_VEC(ch), TLS_VEC(k), n, BR_KEYTYPE_EC, crv, 0, \
		    TLS_VEC(der)                                      \
	}
#define RSA(w, ch, k, n, bits, der)                                     \
	{                                                               \
		w, TLS_VEC(ch), TLS_VEC(k), n, BR_KEYTYPE_RSA, 0, bits, \
		    TLS_VEC(der)                                        \
	}

static const struct good goods[] = {
	EC("P-256 SEC1, chain", ec256_chain_pem, ec256_key, 2, BR_EC_secp256r1,
	    ec256_der),
	EC("P-256 PKCS#8, leaf", ec256_pem, ec256_pk8_key, 1, BR_EC_secp256r1,
	    ec256_der),
	EC("P-256 DER", ec256_der, ec256_key_der, 1, BR_EC_secp256r1,
	    ec256_der),
	EC("P-256 DER chain, PEM key", ec256_der, ec256_key, 1, BR_EC_secp256r1,
	    ec256_der),
	EC("P-256 PEM chain, DER key", ec256_chain_pem, ec256_key_der, 2,
	    BR_EC_secp256r1, ec256_der),
	EC("P-384 PKCS#8, chain", ec384_chain_pem, ec384_key, 2,
	    BR_EC_secp384r1, ec384_der),
	EC("P-384 DER", ec384_der, ec384_key_der, 1, BR_EC_secp384r1,
	    ec384_der),
	EC("P-521 SEC1 after EC PARAMETERS", ec521_chain_pem, ec521_key, 2,
	    BR_EC_secp521r1, ec521_der),
	EC("P-521 DER", ec521_der, ec521_key_der, 1, BR_EC_secp521r1,
	    ec521_der),
	RSA("RSA 2048 PKCS#1, chain", rsa2048_chain_pem, rsa2048_key, 2, 2048,
	    rsa2048_der),
	RSA("RSA 2048 PKCS#8, leaf", rsa2048_pem, rsa2048_pk8_key, 1, 2048,
	    rsa2048_der),
	RSA("RSA 2048 DER", rsa2048_der, rsa2048_key_der, 1, 2048, rsa2048_der),
	RSA("RSA 4096 PKCS#8, chain", rsa4096_chain_pem, rsa4096_key, 2, 4096,
	    rsa4096_der),
	RSA("RSA 4096 DER", rsa4096_der, rsa4096_key_der, 1, 4096, rsa4096_der),
};

static void
check_good(struct fx *f, const struct good *g, struct erg_tls_cert *c)
{
	struct buf ca = der_of(TLS_VEC(ca_pem));
	size_t i;

	assert_non_null(c);
	assert_null(c->next);
	assert_null(c->name);
	assert_int_equal(c->chain_n, g->chain_n);
	assert_in_store(f, c->chain, c->chain_n * sizeof(*c->chain));
	for (i = 0; i < c->chain_n; i++) {
		assert_in_store(f, c->chain[i].data, c->chain[i].data_len);
	}
	/* Decoded and copied: the leaf's DER, then the CA's. */
	assert_int_equal(c->chain[0].data_len, g->leaf_der_len);
	assert_memory_equal(c->chain[0].data, g->leaf_der, g->leaf_der_len);
	if (c->chain_n == 2) {
		assert_int_equal(c->chain[1].data_len, ca.len);
		assert_memory_equal(c->chain[1].data, ca.p, ca.len);
	}
	assert_int_equal(c->key_type, g->key_type);
	if (g->key_type == BR_KEYTYPE_EC) {
		assert_int_equal(c->key.ec.curve, g->curve);
		assert_in_store(f, c->key.ec.x, c->key.ec.xlen);
		assert_true(c->key.ec.xlen > 0);
	} else {
		const br_rsa_private_key *r = &c->key.rsa;

		assert_int_equal(r->n_bitlen, g->n_bitlen);
		assert_in_store(f, r->p, r->plen);
		assert_in_store(f, r->q, r->qlen);
		assert_in_store(f, r->dp, r->dplen);
		assert_in_store(f, r->dq, r->dqlen);
		assert_in_store(f, r->iq, r->iqlen);
		assert_true(r->plen >= g->n_bitlen / 16);
	}
	free(ca.p);
}

static void
test_load_every_type(void **state)
{
	struct fx f;
	size_t i;

	(void)state;
	fx_init(&f, 262144);
	for (i = 0; i < NELEM(goods); i++) {
		const struct good *g = &goods[i];
		struct erg_tls_cert *c;

		print_message("  %s\n", g->what);
		c = load(&f, g->chain, g->chain_len, g->key, g->key_len, 0);
		check_good(&f, g, c);
	}
	fx_fini(&f);
}

/* The key signs, and the certificate's key verifies: the pair is real. */
static void
test_loaded_key_signs(void **state)
{
	static const uint8_t hash[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	struct fx f;
	size_t i;

	(void)state;
	fx_init(&f, 262144);
	for (i = 0; i < NELEM(goods); i++) {
		const struct good *g = &goods[i];
		br_x509_decoder_context xc;
		const br_x509_pkey *pk;
		struct erg_tls_cert *c;
		uint8_t sig[512];
		size_t n;

		c = load(&f, g->chain, g->chain_len, g->key, g->key_len, 0);
		br_x509_decoder_init(&xc, NULL, NULL);
		br_x509_decoder_push(&xc, c->chain[0].data,
		    c->chain[0].data_len);
		pk = br_x509_decoder_get_pkey(&xc);
		assert_non_null(pk);
		if (c->key_type == BR_KEYTYPE_EC) {
			n = br_ecdsa_sign_raw_get_default()(br_ec_get_default(),
			    &br_sha256_vtable, hash, &c->key.ec, sig);
			assert_true(n > 0);
			assert_true(
			    br_ecdsa_vrfy_raw_get_default()(br_ec_get_default(),
			        hash, sizeof(hash), &pk->key.ec, sig, n));
		} else {
			uint8_t out[32];

			n = (c->key.rsa.n_bitlen + 7) / 8;
			assert_true(
			    br_rsa_pkcs1_sign_get_default()(BR_HASH_OID_SHA256,
			        hash, sizeof(hash), &c->key.rsa, sig));
			assert_true(br_rsa_pkcs1_vrfy_get_default()(sig, n,
			    BR_HASH_OID_SHA256, sizeof(out), &pk->key.rsa,
			    out));
			assert_memory_equal(out, hash, sizeof(out));
		}
	}
	fx_fini(&f);
}

/* PEM without a final newline, with CRLF, with text around the blocks. */
/* text with every LF made CRLF. */
static struct buf
to_crlf(const char *text, size_t len)
{
	struct buf b;
	size_t i;

	b.p = tn_xmalloc(2 * len + 1);
	b.len = 0;
	for (i = 0; i < len; i++) {
		if (text[i] == '\n') {
			b.p[b.len++] = '\r';
		}
		b.p[b.len++] = (uint8_t)text[i];
	}
	b.p[b.len] = 0;
	return b;
}

static void
test_load_pem_variants(void **state)
{
	struct erg_tls_cert *c;
	struct buf chain, key, crlf, b2;
	struct fx f;

	(void)state;
	fx_init(&f, 65536);
	/* No final newline on either. */
	chain = buf_of(TLS_VEC(ec256_chain_pem));
	key = buf_of(TLS_VEC(ec256_key));
	assert_int_equal(chain.p[chain.len - 1], '\n');
	c = load(&f, chain.p, chain.len - 1, key.p, key.len - 1, 0);
	assert_int_equal(c->chain_n, 2);
	free(chain.p);
	free(key.p);

	/* CRLF line ends (BearSSL reports "CERTIFICATE-----\r"). */
	crlf = to_crlf(TLS_VEC(rsa2048_chain_pem));
	key = to_crlf(TLS_VEC(rsa2048_key));
	c = load(&f, crlf.p, crlf.len, key.p, key.len, 0);
	assert_int_equal(c->chain_n, 2);
	free(crlf.p);
	free(key.p);
	/* Blanks after the BEGIN line's dashes. */
	chain = buf_of(TLS_VEC(ec256_pem));
	assert_memory_equal(chain.p, "-----BEGIN CERTIFICATE-----\n", 28);
	b2 = buf_cat("-----BEGIN CERTIFICATE----- \t", 30, chain.p + 27,
	    chain.len - 27);
	c = load(&f, b2.p, b2.len, TLS_VEC(ec256_key), 0);
	assert_int_equal(c->chain_n, 1);
	free(chain.p);
	free(b2.p);

	/* Explanatory text before, between and after (RFC 7468 5.2), and
	 * a key in the chain file, a certificate in the key file. */
	chain = buf_cat("subject=CN = erg.test\nissuer=whoever\n", 37,
	    TLS_VEC(ec256_pem));
	key = buf_cat(TLS_VEC(ca_pem), TLS_VEC(ec256_key));
	{
		struct buf all =
		    buf_cat(chain.p, chain.len, "\nsome text\n", 11);
		struct buf all2 = buf_cat(all.p, all.len, TLS_VEC(ca_key));
		struct buf all3 = buf_cat(all2.p, all2.len, TLS_VEC(ca_pem));

		c = load(&f, all3.p, all3.len, key.p, key.len, 0);
		assert_int_equal(c->chain_n, 2);
		free(all.p);
		free(all2.p);
		free(all3.p);
	}
	free(chain.p);
	free(key.p);
	fx_fini(&f);
}

/* ---- Key and certificate that do not belong together -------------------- */

static void
test_load_mismatch(void **state)
{
	static const struct {
		const char *what;
		const void *chain;
		size_t chain_len;
		const void *key;
		size_t key_len;
	} bad[] = {
		{ "P-256 cert, another P-256 key", TLS_VEC(ec256_pem),
		    TLS_VEC(expired_key) },
		{ "P-256 chain, CA's key", TLS_VEC(ec256_chain_pem),
		    TLS_VEC(ca_key) },
		{ "P-256 cert, P-384 key", TLS_VEC(ec256_pem),
		    TLS_VEC(ec384_key) },
		{ "P-384 cert, P-521 key", TLS_VEC(ec384_der),
		    TLS_VEC(ec521_key) },
		{ "P-256 cert, RSA key", TLS_VEC(ec256_pem),
		    TLS_VEC(rsa2048_key) },
		{ "RSA cert, P-256 key", TLS_VEC(rsa2048_pem),
		    TLS_VEC(ec256_key) },
		{ "RSA 2048 cert, another RSA 2048 key", TLS_VEC(rsa2048_pem),
		    TLS_VEC(other_key) },
		{ "RSA 2048 cert, RSA 4096 key", TLS_VEC(rsa2048_pem),
		    TLS_VEC(rsa4096_key) },
		{ "RSA 4096 cert, RSA 2048 key", TLS_VEC(rsa4096_der),
		    TLS_VEC(rsa2048_key_der) },
	};
	struct fx f;
	size_t i;

	(void)state;
	fx_init(&f, 65536);
	for (i = 0; i < NELEM(bad); i++) {
		print_message("  %s\n", bad[i].what);
		load(&f, bad[i].chain, bad[i].chain_len, bad[i].key,
		    bad[i].key_len, -ERG_EMALFORMED);
	}
	fx_fini(&f);
}

/*
 * RSA keys that are almost the certificate's: p replaced by another
 * number of the same size (same n_bitlen, same q), or p and q right but
 * a CRT value wrong.
 */
static void
test_load_rsa_wrong_prime(void **state)
{
	br_skey_decoder_context sk;
	const br_rsa_private_key *k;
	struct buf der = buf_of(TLS_VEC(rsa2048_key_der));
	uint8_t *p;
	struct fx f;

	(void)state;
	fx_init(&f, 65536);
	br_skey_decoder_init(&sk);
	br_skey_decoder_push(&sk, der.p, der.len);
	k = br_skey_decoder_get_rsa(&sk);
	assert_non_null(k);
	/* p's bytes inside the DER: flip its lowest bit pair. */
	p = memmem(der.p, der.len, k->p, k->plen);
	assert_non_null(p);
	p[k->plen - 1] ^= 0x02;
	load(&f, TLS_VEC(rsa2048_pem), der.p, der.len, -ERG_EMALFORMED);
	p[k->plen - 1] ^= 0x02;
	load(&f, TLS_VEC(rsa2048_pem), der.p, der.len, 0);
	/* p and q right, the CRT values (dp, dq, iq) not: no signature. */
	p = memmem(der.p, der.len, k->dp, k->dplen);
	assert_non_null(p);
	p[k->dplen / 2] ^= 0x10;
	load(&f, TLS_VEC(rsa2048_pem), der.p, der.len, -ERG_EMALFORMED);
	p[k->dplen / 2] ^= 0x10;
	p = memmem(der.p, der.len, k->iq, k->iqlen);
	assert_non_null(p);
	p[3] ^= 0x01;
	load(&f, TLS_VEC(rsa2048_pem), der.p, der.len, -ERG_EMALFORMED);
	free(der.p);
	fx_fini(&f);
}

/* ---- Keys erg does not take --------------------------------------------- */

static void
test_load_unsupported(void **state)
{
	struct buf enc =
	    pem_of("\x30\x03\x02\x01\x00", 5, "ENCRYPTED PRIVATE KEY");
	struct fx f;

	(void)state;
	fx_init(&f, 65536);
	/* RSA 1024: below the 2048 floor. */
	load(&f, TLS_VEC(rsa1024_chain_pem), TLS_VEC(rsa1024_key),
	    -ERG_EUNSUPPORTED);
	/* Even with some other certificate. */
	load(&f, TLS_VEC(rsa2048_pem), TLS_VEC(rsa1024_key), -ERG_EUNSUPPORTED);
	/* secp256k1 and Ed25519 keys. */
	load(&f, TLS_VEC(ec256_pem), TLS_VEC(k256_key), -ERG_EUNSUPPORTED);
	load(&f, TLS_VEC(ed25519_ca_pem), TLS_VEC(ed25519_key),
	    -ERG_EUNSUPPORTED);
	/* An Ed25519 certificate with a good key: its key is not ours. */
	load(&f, TLS_VEC(ed25519_ca_pem), TLS_VEC(ec256_key),
	    -ERG_EUNSUPPORTED);
	/* An encrypted PKCS#8 key (RFC 5958 section 3). */
	load(&f, TLS_VEC(ec256_pem), enc.p, enc.len, -ERG_EUNSUPPORTED);
	free(enc.p);
	fx_fini(&f);
}

/* ---- Broken input ------------------------------------------------------- */

/* ec256.pem with its n-th base64 character (after the BEGIN line) as c. */
static struct buf
pem_poke(const char *pem, size_t len, size_t n, char c)
{
	struct buf b = buf_of(pem, len);
	char *body = strchr((char *)b.p, '\n');

	assert_non_null(body);
	body[1 + n] = c;
	return b;
}

static void
test_load_bad_input(void **state)
{
	static const char garbage[] = "hello, this is not a certificate\n";
	static const uint8_t junk[] = { 0x6a, 0x75, 0x6e, 0x6b, 0x00, 0xff,
		0x30, 0x82, 0x01 };
	struct buf b, k, c2;
	struct fx f;

	(void)state;
	fx_init(&f, 65536);
	/* Filled a little first: failures must come back to that. */
	assert_non_null(erg_tls_store_alloc(f.s, 100));

	/* Nothing like PEM or DER. */
	load(&f, garbage, sizeof(garbage) - 1, TLS_VEC(ec256_key),
	    -ERG_EMALFORMED);
	load(&f, TLS_VEC(ec256_pem), garbage, sizeof(garbage) - 1,
	    -ERG_EMALFORMED);
	load(&f, junk, sizeof(junk), TLS_VEC(ec256_key), -ERG_EMALFORMED);
	/* Empty inputs. */
	load(&f, "", 0, TLS_VEC(ec256_key), -ERG_EMALFORMED);
	load(&f, TLS_VEC(ec256_pem), "", 0, -ERG_EMALFORMED);
	/* The wrong kind in each place. */
	load(&f, TLS_VEC(ec256_key), TLS_VEC(ec256_key), -ERG_EMALFORMED);
	load(&f, TLS_VEC(ec256_pem), TLS_VEC(ec256_pem), -ERG_EMALFORMED);

	/* Truncated PEM: before the END line, in the middle of base64. */
	b = buf_of(TLS_VEC(ec256_pem));
	*strstr((char *)b.p, "-----END") = 0;
	load(&f, b.p, strlen((char *)b.p), TLS_VEC(ec256_key), -ERG_EMALFORMED);
	load(&f, b.p, 200, TLS_VEC(ec256_key), -ERG_EMALFORMED);
	free(b.p);
	k = buf_of(TLS_VEC(rsa2048_key));
	*strstr((char *)k.p, "-----END") = 0;
	load(&f, TLS_VEC(rsa2048_pem), k.p, strlen((char *)k.p),
	    -ERG_EMALFORMED);
	free(k.p);
	/* A chain whose second certificate is cut short. */
	load(&f, tls_ec256_chain_pem, tls_ec256_chain_pem_len - 100,
	    TLS_VEC(ec256_key), -ERG_EMALFORMED);

	/* Bad base64: a character outside the alphabet, '=' inside. */
	b = pem_poke(TLS_VEC(ec256_pem), 10, '!');
	load(&f, b.p, b.len, TLS_VEC(ec256_key), -ERG_EMALFORMED);
	free(b.p);
	b = pem_poke(TLS_VEC(ec256_pem), 10, '=');
	load(&f, b.p, b.len, TLS_VEC(ec256_key), -ERG_EMALFORMED);
	free(b.p);
	k = pem_poke(TLS_VEC(ec256_key), 5, '*');
	load(&f, TLS_VEC(ec256_pem), k.p, k.len, -ERG_EMALFORMED);
	free(k.p);

	/* Good base64 of junk: a CERTIFICATE block, a key block. */
	b = pem_of(junk, sizeof(junk), "CERTIFICATE");
	load(&f, b.p, b.len, TLS_VEC(ec256_key), -ERG_EMALFORMED);
	c2 = buf_cat(TLS_VEC(ec256_pem), b.p, b.len);
	load(&f, c2.p, c2.len, TLS_VEC(ec256_key), -ERG_EMALFORMED);
	free(c2.p);
	free(b.p);
	k = pem_of(junk, sizeof(junk), "EC PRIVATE KEY");
	load(&f, TLS_VEC(ec256_pem), k.p, k.len, -ERG_EMALFORMED);
	free(k.p);
	k = pem_of(junk, sizeof(junk), "PRIVATE KEY");
	load(&f, TLS_VEC(ec256_pem), k.p, k.len, -ERG_EMALFORMED);
	free(k.p);
	/* The right bytes under labels that only start like ours. */
	b = pem_of(tls_ec256_der, tls_ec256_der_len, "CERTIFICATE REQUEST");
	load(&f, b.p, b.len, TLS_VEC(ec256_key), -ERG_EMALFORMED);
	free(b.p);
	b = pem_of(tls_ec256_key_der, tls_ec256_key_der_len, "EC PRIVATE KEYS");
	load(&f, TLS_VEC(ec256_pem), b.p, b.len, -ERG_EMALFORMED);
	free(b.p);
	/* ... and under our labels, for comparison. */
	b = pem_of(tls_ec256_der, tls_ec256_der_len, "CERTIFICATE");
	k = pem_of(tls_ec256_key_der, tls_ec256_key_der_len, "EC PRIVATE KEY");
	load(&f, b.p, b.len, k.p, k.len, 0);
	erg_tls_store_rewind(f.s, 100);
	free(b.p);
	free(k.p);
	/* An empty CERTIFICATE block. */
	b = pem_of("", 0, "CERTIFICATE");
	load(&f, b.p, b.len, TLS_VEC(ec256_key), -ERG_EMALFORMED);
	free(b.p);

	/* DER one byte short, one byte long, a byte changed in the key. */
	load(&f, tls_ec256_der, tls_ec256_der_len - 1, TLS_VEC(ec256_key),
	    -ERG_EMALFORMED);
	b = buf_cat(TLS_VEC(ec256_der), "", 1);
	load(&f, b.p, b.len, TLS_VEC(ec256_key), -ERG_EMALFORMED);
	free(b.p);
	load(&f, TLS_VEC(ec256_der), tls_ec256_key_der,
	    tls_ec256_key_der_len - 1, -ERG_EMALFORMED);
	/* The certificate of a DER key pair, given as the key. */
	load(&f, TLS_VEC(ec256_der), TLS_VEC(ec256_der), -ERG_EMALFORMED);
	fx_fini(&f);
}

/* Every byte of a DER certificate and key changed in turn: no crash, no
 * store leak, and never accepted unless the key still matches. */
static void
test_load_der_mutations(void **state)
{
	struct buf cert = buf_of(TLS_VEC(ec256_der));
	struct buf key = buf_of(TLS_VEC(ec256_key_der));
	struct erg_tls_cert *c;
	struct fx f;
	size_t i, mark;
	int rc;

	(void)state;
	fx_init(&f, 65536);
	mark = erg_tls_store_mark(f.s);
	for (i = 0; i < key.len; i++) {
		key.p[i] ^= 0x41;
		rc = erg_tls_cert_load(f.s, cert.p, cert.len, key.p, key.len,
		    &c);
		if (rc == 0) {
			/* After the curve (offset 51 in a P-256 SEC1 key):
			 * the optional public key, which BearSSL skips; the
			 * private value still matches. */
			assert_true(i >= 51);
			erg_tls_store_rewind(f.s, mark);
		} else {
			assert_true(
			    rc == -ERG_EMALFORMED || rc == -ERG_EUNSUPPORTED);
			assert_store_at(&f, mark);
		}
		key.p[i] ^= 0x41;
	}
	for (i = 0; i < cert.len; i++) {
		cert.p[i] ^= 0x41;
		rc = erg_tls_cert_load(f.s, cert.p, cert.len, key.p, key.len,
		    &c);
		if (rc == 0) {
			/* Outside what BearSSL reads (serial, signature). */
			erg_tls_store_rewind(f.s, mark);
		} else {
			assert_true(
			    rc == -ERG_EMALFORMED || rc == -ERG_EUNSUPPORTED);
			assert_store_at(&f, mark);
		}
		cert.p[i] ^= 0x41;
	}
	free(cert.p);
	free(key.p);
	fx_fini(&f);
}

/* ---- Store exhaustion ---------------------------------------------------- */

/*
 * Gives back the store after base, then fills it up to `room` bytes
 * from its end (the store's size is a multiple of 16: the next
 * allocation has room & ~15 bytes). Returns the mark then.
 */
static size_t
leave_free(struct fx *f, size_t base, size_t room)
{
	struct erg_tls_store *st = store(f);
	size_t off;

	erg_tls_store_rewind(f->s, base);
	off = (base + 15) & ~(size_t)15;
	assert_true(st->size - off >= room);
	assert_non_null(erg_tls_store_alloc(f->s, st->size - off - room));
	assert_int_equal(st->size - st->used, room);
	return erg_tls_store_mark(f->s);
}

static void
test_load_store_full(void **state)
{
	static const struct {
		const void *chain;
		size_t chain_len;
		const void *key;
		size_t key_len;
	} in[] = {
		{ TLS_VEC(ec256_chain_pem), TLS_VEC(ec256_key) },
		{ TLS_VEC(rsa2048_pem), TLS_VEC(rsa2048_key) },
		{ TLS_VEC(ec521_der), TLS_VEC(ec521_key_der) },
	};
	struct erg_tls_cert *c;
	struct fx f;
	size_t i, room, need, mark, full;
	int rc;

	(void)state;
	fx_init(&f, 65536);
	for (i = 0; i < NELEM(in); i++) {
		/* What it takes. */
		assert_int_equal(erg_tls_cert_load(f.s, in[i].chain,
		                     in[i].chain_len, in[i].key, in[i].key_len,
		                     &c),
		    0);
		need = erg_tls_store_mark(f.s);
		erg_tls_store_rewind(f.s, 0);
		/* Every amount of room below that fails cleanly. */
		for (room = 0; room <= need + 16; room++) {
			mark = leave_free(&f, 0, room);
			full = st_get(&f, ERG_STAT_TLS_STORE_FULL);
			rc = erg_tls_cert_load(f.s, in[i].chain,
			    in[i].chain_len, in[i].key, in[i].key_len, &c);
			/* The first allocation aligns to 16 bytes. */
			if ((room & ~(size_t)15) >= need) {
				assert_int_equal(rc, 0);
				assert_int_equal(c->chain_n,
				    in[i].chain == tls_ec256_chain_pem ? 2 : 1);
			} else {
				assert_int_equal(rc, -ERG_ENOMEM);
				assert_store_at(&f, mark);
				assert_true(
				    st_get(&f, ERG_STAT_TLS_STORE_FULL) > full);
			}
		}
		erg_tls_store_rewind(f.s, 0);
	}
	fx_fini(&f);
}

/* ---- erg_tls_server_add_cert -------------------------------------------- */

static void
test_server_add_cert(void **state)
{
	char name[ERG_TLS_NAME_MAX + 2];
	struct erg_tls_server *srv;
	struct erg_tls_cert *c;
	size_t mark;
	struct fx f;

	(void)state;
	fx_init(&f, 262144);
	assert_int_equal(erg_tls_server_new(f.s, NULL, &srv), 0);
	assert_null(srv->certs);

	/* Arguments. */
	assert_int_equal(erg_tls_server_add_cert(NULL, NULL, TLS_VEC(ec256_pem),
	                     TLS_VEC(ec256_key)),
	    -ERG_EINVAL);
	assert_int_equal(
	    erg_tls_server_add_cert(srv, NULL, NULL, 10, TLS_VEC(ec256_key)),
	    -ERG_EINVAL);
	assert_int_equal(
	    erg_tls_server_add_cert(srv, NULL, TLS_VEC(ec256_pem), NULL, 10),
	    -ERG_EINVAL);
	mark = erg_tls_store_mark(f.s);
	assert_int_equal(erg_tls_server_add_cert(srv, "", TLS_VEC(ec256_pem),
	                     TLS_VEC(ec256_key)),
	    -ERG_EINVAL);
	memset(name, 'a', sizeof(name));
	name[ERG_TLS_NAME_MAX + 1] = 0;
	assert_int_equal(erg_tls_server_add_cert(srv, name, TLS_VEC(ec256_pem),
	                     TLS_VEC(ec256_key)),
	    -ERG_EINVAL);
	assert_store_at(&f, mark);
	assert_null(srv->certs);

	/* The default, without a name. */
	assert_int_equal(erg_tls_server_add_cert(srv, NULL,
	                     TLS_VEC(ec256_chain_pem), TLS_VEC(ec256_key)),
	    0);
	assert_non_null(srv->certs);
	assert_ptr_equal(srv->certs, srv->last);
	assert_null(srv->certs->name);
	assert_int_equal(srv->certs->chain_n, 2);

	/* Failures leave the list and the store as they were. */
	mark = erg_tls_store_mark(f.s);
	assert_int_equal(erg_tls_server_add_cert(srv, "rsa.erg.test",
	                     TLS_VEC(rsa2048_pem), TLS_VEC(other_key)),
	    -ERG_EMALFORMED);
	assert_int_equal(erg_tls_server_add_cert(srv, "rsa1024.erg.test",
	                     TLS_VEC(rsa1024_pem), TLS_VEC(rsa1024_key)),
	    -ERG_EUNSUPPORTED);
	assert_store_at(&f, mark);
	assert_ptr_equal(srv->certs, srv->last);
	assert_null(srv->certs->next);

	/* Named ones, in order; the name is copied. */
	strcpy(name, "rsa.erg.test");
	assert_int_equal(erg_tls_server_add_cert(srv, name,
	                     TLS_VEC(rsa2048_chain_pem), TLS_VEC(rsa2048_key)),
	    0);
	memset(name, 0, sizeof(name));
	/* The longest name. */
	memset(name, 'b', ERG_TLS_NAME_MAX);
	name[ERG_TLS_NAME_MAX] = 0;
	assert_int_equal(erg_tls_server_add_cert(srv, name, TLS_VEC(ec384_der),
	                     TLS_VEC(ec384_key_der)),
	    0);
	assert_int_equal(erg_tls_server_add_cert(srv, "*.erg.test",
	                     TLS_VEC(ec256_pem), TLS_VEC(ec256_pk8_key)),
	    0);
	c = srv->certs->next;
	assert_non_null(c);
	assert_string_equal(c->name, "rsa.erg.test");
	assert_in_store(&f, c->name, strlen(c->name) + 1);
	assert_int_equal(c->key_type, BR_KEYTYPE_RSA);
	c = c->next;
	assert_int_equal(strlen(c->name), ERG_TLS_NAME_MAX);
	assert_int_equal(c->key.ec.curve, BR_EC_secp384r1);
	c = c->next;
	assert_string_equal(c->name, "*.erg.test");
	assert_null(c->next);
	assert_ptr_equal(srv->last, c);
	fx_fini(&f);
}

/* add_cert with the store running out at every point: all or nothing. */
static void
test_server_add_cert_store_full(void **state)
{
	struct erg_tls_server *srv;
	struct fx f;
	size_t base, need, room, mark;
	int rc;

	(void)state;
	fx_init(&f, 65536);
	assert_int_equal(erg_tls_server_new(f.s, NULL, &srv), 0);
	assert_int_equal(erg_tls_server_add_cert(srv, NULL, TLS_VEC(ec256_pem),
	                     TLS_VEC(ec256_key)),
	    0);
	base = erg_tls_store_mark(f.s);
	assert_int_equal(erg_tls_server_add_cert(srv, "p384.erg.test",
	                     TLS_VEC(ec384_pem), TLS_VEC(ec384_key)),
	    0);
	need = erg_tls_store_mark(f.s) - ((base + 15) & ~(size_t)15);
	srv->certs->next = NULL;
	srv->last = srv->certs;
	for (room = 0; room < need; room++) {
		mark = leave_free(&f, base, room);
		rc = erg_tls_server_add_cert(srv, "p384.erg.test",
		    TLS_VEC(ec384_pem), TLS_VEC(ec384_key));
		assert_int_equal(rc, -ERG_ENOMEM);
		assert_store_at(&f, mark);
		assert_null(srv->certs->next);
		assert_ptr_equal(srv->last, srv->certs);
	}
	leave_free(&f, base, (need + 15) & ~(size_t)15);
	assert_int_equal(erg_tls_server_add_cert(srv, "p384.erg.test",
	                     TLS_VEC(ec384_pem), TLS_VEC(ec384_key)),
	    0);
	assert_string_equal(srv->last->name, "p384.erg.test");
	fx_fini(&f);
}

/* ---- Trust anchors ------------------------------------------------------ */

/*
 * Checks anchor a against the certificate (PEM) it came from: its name
 * and key are bytes of the certificate, copied into the store.
 */
static void
check_anchor(struct fx *f, const br_x509_trust_anchor *a, const char *pem,
    size_t pem_len, unsigned flags, int key_type)
{
	struct buf der = der_of(pem, pem_len);

	assert_int_equal(a->flags, flags);
	assert_int_equal(a->pkey.key_type, key_type);
	assert_in_store(f, a->dn.data, a->dn.len);
	assert_int_equal(a->dn.data[0], 0x30);
	assert_true(contains(der.p, der.len, a->dn.data, a->dn.len));
	if (key_type == BR_KEYTYPE_EC) {
		assert_int_equal(a->pkey.key.ec.curve, BR_EC_secp256r1);
		assert_int_equal(a->pkey.key.ec.qlen, 65);
		assert_in_store(f, a->pkey.key.ec.q, a->pkey.key.ec.qlen);
		assert_true(contains(der.p, der.len, a->pkey.key.ec.q,
		    a->pkey.key.ec.qlen));
	} else {
		assert_in_store(f, a->pkey.key.rsa.n, a->pkey.key.rsa.nlen);
		assert_in_store(f, a->pkey.key.rsa.e, a->pkey.key.rsa.elen);
		assert_true(contains(der.p, der.len, a->pkey.key.rsa.n,
		    a->pkey.key.rsa.nlen));
	}
	free(der.p);
}

/*
 * Regression (fixed): BearSSL's decoders must not be pushed more bytes
 * once they failed (their T0 code resumes past the failure and crashes);
 * tls_pem.c fed them every chunk of a PEM object. A certificate whose
 * date fails early, and a key whose version does, each followed by
 * hundreds of bytes in further chunks (fuzz_tls_pem found the first).
 */
static void
test_decoder_error_mid_object(void **state)
{
	struct buf der = buf_of(TLS_VEC(ec256_der));
	struct buf kder = buf_of(TLS_VEC(rsa2048_key_der));
	struct buf pem, kpem, bundle;
	struct erg_tls_trust *t;
	uint8_t *date;
	struct fx f;

	(void)state;
	fx_init(&f, 65536);
	/* notBefore, UTCTime "250101000000Z": a letter for a digit. */
	date = memmem(der.p, der.len, "250101000000Z", 13);
	assert_non_null(date);
	date[0] = 'x';
	pem = pem_of(der.p, der.len, "CERTIFICATE");
	load(&f, pem.p, pem.len, TLS_VEC(ec256_key), -ERG_EMALFORMED);
	assert_int_equal(erg_tls_trust_new(f.s, &t), 0);
	bundle = buf_cat(pem.p, pem.len, TLS_VEC(ca_pem));
	assert_int_equal(erg_tls_trust_add(t, bundle.p, bundle.len), 1);
	assert_int_equal(st_get(&f, ERG_STAT_TLS_TRUST_SKIPPED), 1);
	check_anchor(&f, &t->ta[0], TLS_VEC(ca_pem), BR_X509_TA_CA,
	    BR_KEYTYPE_EC);
	/* RSAPrivateKey version 5 (RFC 8017 A.1.2: 0 or 1). */
	assert_int_equal(kder.p[4], 0x02);
	assert_int_equal(kder.p[6], 0x00);
	kder.p[6] = 5;
	kpem = pem_of(kder.p, kder.len, "RSA PRIVATE KEY");
	load(&f, TLS_VEC(rsa2048_pem), kpem.p, kpem.len, -ERG_EUNSUPPORTED);
	free(der.p);
	free(kder.p);
	free(pem.p);
	free(kpem.p);
	free(bundle.p);
	fx_fini(&f);
}

static void
test_trust_one(void **state)
{
	struct erg_tls_trust *t;
	struct fx f;

	(void)state;
	fx_init(&f, 65536);
	assert_int_equal(erg_tls_trust_new(f.s, &t), 0);
	assert_int_equal(erg_tls_trust_count(t), 0);
	assert_int_equal(erg_tls_trust_add(t, TLS_VEC(ca_pem)), 1);
	assert_int_equal(erg_tls_trust_count(t), 1);
	check_anchor(&f, &t->ta[0], TLS_VEC(ca_pem), BR_X509_TA_CA,
	    BR_KEYTYPE_EC);
	/* DER, and a non-CA certificate: trusted directly (flags 0). */
	assert_int_equal(erg_tls_trust_add(t, TLS_VEC(rsa2048_der)), 1);
	assert_int_equal(erg_tls_trust_count(t), 2);
	check_anchor(&f, &t->ta[0], TLS_VEC(ca_pem), BR_X509_TA_CA,
	    BR_KEYTYPE_EC);
	check_anchor(&f, &t->ta[1], TLS_VEC(rsa2048_pem), 0, BR_KEYTYPE_RSA);
	assert_int_equal(st_get(&f, ERG_STAT_TLS_TRUST_SKIPPED), 0);
	assert_int_equal(erg_tls_trust_count(NULL), 0);
	fx_fini(&f);
}

static void
test_trust_bundle(void **state)
{
	static const uint8_t junk[] = { 0x30, 0x03, 0x02, 0x01, 0x00 };
	struct buf b1, b2, b3, bad, bundle;
	struct erg_tls_trust *t;
	struct fx f;

	(void)state;
	fx_init(&f, 65536);
	assert_int_equal(erg_tls_trust_new(f.s, &t), 0);

	/* ca, ca2, the Ed25519 root (skipped), a key (ignored), a leaf. */
	b1 = buf_cat(TLS_VEC(ca_pem), TLS_VEC(ca2_pem));
	b2 = buf_cat(b1.p, b1.len, TLS_VEC(ed25519_ca_pem));
	b3 = buf_cat(b2.p, b2.len, TLS_VEC(ec256_key));
	bundle = buf_cat(b3.p, b3.len, TLS_VEC(ec256_pem));
	assert_int_equal(erg_tls_trust_add(t, bundle.p, bundle.len), 3);
	assert_int_equal(erg_tls_trust_count(t), 3);
	assert_int_equal(st_get(&f, ERG_STAT_TLS_TRUST_SKIPPED), 1);
	check_anchor(&f, &t->ta[0], TLS_VEC(ca_pem), BR_X509_TA_CA,
	    BR_KEYTYPE_EC);
	check_anchor(&f, &t->ta[1], TLS_VEC(ca2_pem), BR_X509_TA_CA,
	    BR_KEYTYPE_EC);
	check_anchor(&f, &t->ta[2], TLS_VEC(ec256_pem), 0, BR_KEYTYPE_EC);
	free(b1.p);
	free(b2.p);
	free(b3.p);
	free(bundle.p);

	/* A junk certificate and a truncated one among good ones. */
	bad = pem_of(junk, sizeof(junk), "CERTIFICATE");
	b1 = buf_cat(TLS_VEC(rsa4096_pem), bad.p, bad.len);
	b2 = buf_cat(b1.p, b1.len, TLS_VEC(other_pem));
	bundle = buf_cat(b2.p, b2.len, tls_ca2_pem, tls_ca2_pem_len - 60);
	assert_int_equal(erg_tls_trust_add(t, bundle.p, bundle.len), 2);
	assert_int_equal(erg_tls_trust_count(t), 5);
	assert_int_equal(st_get(&f, ERG_STAT_TLS_TRUST_SKIPPED), 3);
	/* The earlier ones survived the array's move. */
	check_anchor(&f, &t->ta[0], TLS_VEC(ca_pem), BR_X509_TA_CA,
	    BR_KEYTYPE_EC);
	check_anchor(&f, &t->ta[2], TLS_VEC(ec256_pem), 0, BR_KEYTYPE_EC);
	check_anchor(&f, &t->ta[3], TLS_VEC(rsa4096_pem), 0, BR_KEYTYPE_RSA);
	check_anchor(&f, &t->ta[4], TLS_VEC(other_pem), 0, BR_KEYTYPE_RSA);
	assert_in_store(&f, t->ta, 5 * sizeof(*t->ta));
	free(b1.p);
	free(b2.p);
	free(bundle.p);

	/* Only bad certificates: none added, all counted. */
	assert_int_equal(erg_tls_trust_add(t, bad.p, bad.len), 0);
	assert_int_equal(erg_tls_trust_add(t, TLS_VEC(ed25519_ca_pem)), 0);
	assert_int_equal(st_get(&f, ERG_STAT_TLS_TRUST_SKIPPED), 5);
	assert_int_equal(erg_tls_trust_count(t), 5);
	free(bad.p);
	fx_fini(&f);
}

static void
test_trust_not_certificates(void **state)
{
	static const char garbage[] = "no certificates here\n";
	struct erg_tls_trust *t;
	struct fx f;
	size_t mark;

	(void)state;
	fx_init(&f, 65536);
	assert_int_equal(erg_tls_trust_new(f.s, &t), 0);
	assert_int_equal(erg_tls_trust_new(f.s, NULL), -ERG_EINVAL);
	mark = erg_tls_store_mark(f.s);
	assert_int_equal(erg_tls_trust_add(t, garbage, sizeof(garbage) - 1),
	    -ERG_EMALFORMED);
	assert_int_equal(erg_tls_trust_add(t, "", 0), -ERG_EMALFORMED);
	assert_int_equal(erg_tls_trust_add(t, NULL, 0), -ERG_EMALFORMED);
	assert_int_equal(erg_tls_trust_add(t, NULL, 5), -ERG_EINVAL);
	assert_int_equal(erg_tls_trust_add(NULL, TLS_VEC(ca_pem)), -ERG_EINVAL);
	assert_int_equal(erg_tls_trust_add(t, TLS_VEC(ca_key)),
	    -ERG_EMALFORMED);
	assert_int_equal(erg_tls_trust_count(t), 0);
	assert_int_equal(st_get(&f, ERG_STAT_TLS_TRUST_SKIPPED), 0);
	assert_store_at(&f, mark);
	/* DER that is not a certificate: taken for a broken one. */
	assert_int_equal(erg_tls_trust_add(t, TLS_VEC(rsa2048_key_der)), 0);
	assert_int_equal(st_get(&f, ERG_STAT_TLS_TRUST_SKIPPED), 1);
	assert_int_equal(erg_tls_trust_count(t), 0);
	assert_store_at(&f, mark);
	fx_fini(&f);
}

/* Copies of anchor i's bytes, to prove later that they did not change. */
struct snap {
	br_x509_trust_anchor ta;
	uint8_t dn[512];
	uint8_t key[600];
};

static void
snap_take(struct snap *sn, const br_x509_trust_anchor *a)
{
	sn->ta = *a;
	assert_true(a->dn.len <= sizeof(sn->dn));
	memcpy(sn->dn, a->dn.data, a->dn.len);
	if (a->pkey.key_type == BR_KEYTYPE_EC) {
		memcpy(sn->key, a->pkey.key.ec.q, a->pkey.key.ec.qlen);
	} else {
		memcpy(sn->key, a->pkey.key.rsa.n, a->pkey.key.rsa.nlen);
	}
}

static void
snap_check(const struct snap *sn, const br_x509_trust_anchor *a)
{
	assert_memory_equal(&sn->ta, a, sizeof(*a));
	assert_memory_equal(sn->dn, a->dn.data, a->dn.len);
	if (a->pkey.key_type == BR_KEYTYPE_EC) {
		assert_memory_equal(sn->key, a->pkey.key.ec.q,
		    a->pkey.key.ec.qlen);
	} else {
		assert_memory_equal(sn->key, a->pkey.key.rsa.n,
		    a->pkey.key.rsa.nlen);
	}
}

static void
check_all_anchors(struct fx *f, const struct erg_tls_trust *t)
{
	unsigned i;

	if (t->n > 0) {
		assert_in_store(f, t->ta, t->n * sizeof(*t->ta));
	}
	for (i = 0; i < t->n; i++) {
		const br_x509_trust_anchor *a = &t->ta[i];

		assert_in_store(f, a->dn.data, a->dn.len);
		if (a->pkey.key_type == BR_KEYTYPE_EC) {
			assert_in_store(f, a->pkey.key.ec.q,
			    a->pkey.key.ec.qlen);
		} else {
			assert_int_equal(a->pkey.key_type, BR_KEYTYPE_RSA);
			assert_in_store(f, a->pkey.key.rsa.n,
			    a->pkey.key.rsa.nlen);
			assert_in_store(f, a->pkey.key.rsa.e,
			    a->pkey.key.rsa.elen);
		}
	}
}

/* A small store: -ERG_ENOMEM, what was there before stays intact. */
static void
test_trust_store_full(void **state)
{
	struct buf bundle, b1, b2;
	struct erg_tls_trust *t;
	struct snap sn;
	struct fx f;
	unsigned n;
	int rc, i;

	(void)state;
	fx_init(&f, 2048);
	assert_int_equal(erg_tls_trust_new(f.s, &t), 0);
	assert_int_equal(erg_tls_trust_add(t, TLS_VEC(ca_pem)), 1);
	snap_take(&sn, &t->ta[0]);
	/* Six certificates, more than 2 KiB of anchors. */
	b1 = buf_cat(TLS_VEC(rsa4096_pem), TLS_VEC(ca2_pem));
	b2 = buf_cat(b1.p, b1.len, TLS_VEC(rsa2048_pem));
	bundle = buf_cat(b2.p, b2.len, b2.p, b2.len);
	rc = erg_tls_trust_add(t, bundle.p, bundle.len);
	assert_int_equal(rc, -ERG_ENOMEM);
	n = erg_tls_trust_count(t);
	assert_true(n >= 1 && n < 7);
	assert_true(st_get(&f, ERG_STAT_TLS_STORE_FULL) > 0);
	snap_check(&sn, &t->ta[0]);
	check_all_anchors(&f, t);
	/* Full now: further adds fail the same way and change nothing. */
	for (i = 0; i < 3; i++) {
		rc = erg_tls_trust_add(t, TLS_VEC(rsa4096_pem));
		assert_int_equal(rc, -ERG_ENOMEM);
		assert_int_equal(erg_tls_trust_count(t), n);
		snap_check(&sn, &t->ta[0]);
		check_all_anchors(&f, t);
	}
	free(b1.p);
	free(b2.p);
	free(bundle.p);
	fx_fini(&f);
}

/* The store running out at every byte of a bundle's anchors. */
static void
test_trust_store_full_each(void **state)
{
	struct buf bundle, b1;
	br_x509_trust_anchor *ta0;
	struct erg_tls_trust *t;
	struct snap sn;
	struct fx f;
	size_t base, need, room, mark;
	int rc;

	(void)state;
	fx_init(&f, 65536);
	b1 = buf_cat(TLS_VEC(ca2_pem), TLS_VEC(rsa2048_pem));
	bundle = buf_cat(b1.p, b1.len, TLS_VEC(ec384_pem));
	assert_int_equal(erg_tls_trust_new(f.s, &t), 0);
	assert_int_equal(erg_tls_trust_add(t, TLS_VEC(ca_pem)), 1);
	snap_take(&sn, &t->ta[0]);
	ta0 = t->ta;
	base = erg_tls_store_mark(f.s);
	assert_int_equal(erg_tls_trust_add(t, bundle.p, bundle.len), 3);
	need = erg_tls_store_mark(f.s) - ((base + 15) & ~(size_t)15);
	for (room = 0; room < need; room++) {
		/* Back to the one anchor of before (the store after base is
		 * given back below, the array before it is untouched). */
		t->n = 1;
		t->ta = ta0;
		mark = leave_free(&f, base, room);
		rc = erg_tls_trust_add(t, bundle.p, bundle.len);
		assert_int_equal(rc, -ERG_ENOMEM);
		assert_true(erg_tls_trust_count(t) < 4);
		assert_true(erg_tls_store_mark(f.s) >= mark);
		snap_check(&sn, &t->ta[0]);
		check_all_anchors(&f, t);
	}
	free(b1.p);
	free(bundle.p);
	fx_fini(&f);
}

/* The system's CA bundle, where there is one. */
static void
test_trust_system_bundle(void **state)
{
	struct erg_tls_trust *t;
	struct fx f;
	FILE *fp;
	char *data;
	long len;
	size_t n, begins = 0;
	const char *p;
	int rc;

	(void)state;
	fp = fopen(SYSTEM_BUNDLE, "rb");
	if (fp == NULL) {
		print_message("  no " SYSTEM_BUNDLE "\n");
		skip();
		return;
	}
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	len = ftell(fp);
	assert_true(len > 0);
	rewind(fp);
	data = tn_xmalloc((size_t)len + 1);
	n = fread(data, 1, (size_t)len, fp);
	fclose(fp);
	assert_int_equal(n, (size_t)len);
	data[n] = 0;
	for (p = data; (p = strstr(p, "-----BEGIN CERTIFICATE-----")) != NULL;
	     p++) {
		begins++;
	}

	fx_init(&f, 1u << 20);
	assert_int_equal(erg_tls_trust_new(f.s, &t), 0);
	rc = erg_tls_trust_add(t, data, n);
	print_message("  %d anchors of %zu certificates, %zu bytes of store\n",
	    rc, begins, erg_tls_store_mark(f.s));
	assert_true(rc > 100);
	assert_int_equal(erg_tls_trust_count(t), (unsigned)rc);
	assert_int_equal(st_get(&f, ERG_STAT_TLS_TRUST_SKIPPED),
	    begins - (size_t)rc);
	check_all_anchors(&f, t);
	free(data);
	fx_fini(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_every_type),
		cmocka_unit_test(test_loaded_key_signs),
		cmocka_unit_test(test_load_pem_variants),
		cmocka_unit_test(test_load_mismatch),
		cmocka_unit_test(test_load_rsa_wrong_prime),
		cmocka_unit_test(test_load_unsupported),
		cmocka_unit_test(test_load_bad_input),
		cmocka_unit_test(test_decoder_error_mid_object),
		cmocka_unit_test(test_load_der_mutations),
		cmocka_unit_test(test_load_store_full),
		cmocka_unit_test(test_server_add_cert),
		cmocka_unit_test(test_server_add_cert_store_full),
		cmocka_unit_test(test_trust_one),
		cmocka_unit_test(test_trust_bundle),
		cmocka_unit_test(test_trust_not_certificates),
		cmocka_unit_test(test_trust_store_full),
		cmocka_unit_test(test_trust_store_full_each),
		cmocka_unit_test(test_trust_system_bundle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
