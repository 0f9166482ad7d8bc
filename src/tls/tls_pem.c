/*
 * src/tls/tls_pem.c: certificate chains, private keys and trust anchors,
 * from PEM (RFC 7468) or DER, decoded by BearSSL into the credential
 * store.
 *
 * BearSSL does the parsing: br_pem_decoder_* splits PEM text into objects
 * and base64-decodes them, br_x509_decoder_* reads a certificate's subject
 * name, public key and CA flag, br_skey_decoder_* reads a private key
 * (SEC1 "EC PRIVATE KEY", PKCS#1 "RSA PRIVATE KEY", PKCS#8 "PRIVATE KEY",
 * or their DER). This file decides what to keep, checks it, and copies
 * it into the store.
 *
 * Memory. Nothing is buffered outside the store but BearSSL's decoder
 * contexts, on the stack (a PEM decoder of 0.7 KiB with a key decoder of
 * 2.4 KiB or a certificate decoder of 1.3 KiB; the RSA signature check
 * below uses a few KiB more inside BearSSL). The decoders stream: the PEM
 * decoder's output goes straight into the consumer, chunk by chunk:
 * - a certificate of a chain (whose DER the server sends as it is) grows
 *   in place at the store's end, as the newest allocation, one chunk at a
 *   time (erg_tls_store_grow), so it takes exactly its length;
 * - a private key goes into br_skey_decoder, and only its numbers are
 *   copied out;
 * - a trust anchor's certificate goes into br_x509_decoder, whose subject
 *   name callback grows the anchor's name in place the same way; only the
 *   name and the public key are kept, never the certificate.
 * Arrays (the chain's br_x509_certificate entries, the trust store's
 * anchors) must be contiguous, so every input is read twice: a first pass
 * counts (and checks) its objects, the array is allocated, and the second
 * pass fills it. Adding anchors to a trust store that already holds some
 * copies its array to the store's end unless the array is still the
 * newest allocation (the old copy is lost: load a bundle in one call).
 *
 * Checks. A key is ECDSA P-256, P-384 or P-521 (with 0 < x < the order)
 * or RSA of 2048 to 4096 bits, and it is the end-entity certificate's:
 * the EC point is computed again from x; the RSA modulus from p and q,
 * and one signature verified with the certificate's key proves dp, dq
 * and iq. Trust anchors: certificates BearSSL cannot decode, or whose key
 * it cannot use, are skipped and counted (tls.trust_skipped).
 *
 * A load that fails rewinds the store to where it started
 * (erg_tls_store_mark / erg_tls_store_rewind); a trust_add that fills the
 * store keeps the anchors it completed. Every loop is bounded by the
 * input's length.
 */
#include "tls_int.h"

/*
 * RSA sizes erg takes (erg/tls.h): 2048 bits and up, as CA/Browser Forum
 * rules require; 4096 is the most BearSSL handles (its BR_MAX_RSA_SIZE).
 */
#define RSA_MIN_BITS 2048u
#define RSA_MAX_BITS 4096u

/* ---- Helpers ---------------------------------------------------------- */

enum in_kind {
	IN_BAD,
	IN_DER, /* one DER SEQUENCE spanning exactly the input */
	IN_PEM  /* text with a "-----BEGIN " line */
};

/*
 * The PEM object's name is label. BearSSL 0.6 drops the dashes that end
 * a BEGIN line only when the line break follows them at once: with CRLF
 * line ends or trailing blanks the name it reports keeps "-----\r" or
 * "----- ". RFC 7468 section 2 allows both, so the rest after the label
 * may be dashes and blanks (no libc in src/; label is a literal).
 */
static bool
label_is(const char *name, const char *label)
{
	size_t i = 0;

	while (label[i] != '\0') {
		if (name[i] != label[i]) {
			return false;
		}
		i++;
	}
	for (; name[i] != '\0'; i++) {
		if (name[i] != '-' && name[i] != ' ' && name[i] != '\t' &&
		    name[i] != '\r') {
			return false;
		}
	}
	return true;
}

/*
 * DER when the input is exactly one SEQUENCE (X.690 8.1: tag 0x30, then a
 * definite length in short or long form) covering every byte: PEM text
 * cannot look like that by accident. Else PEM when "-----BEGIN " occurs
 * (RFC 7468 section 2; text around the objects is allowed). Else neither.
 */
static enum in_kind
in_kind(const uint8_t *p, size_t len)
{
	static const char begin[] = "-----BEGIN ";
	const size_t blen = sizeof(begin) - 1;
	size_t i;

	if (p == NULL || len == 0) {
		return IN_BAD;
	}
	if (len >= 2 && p[0] == 0x30) {
		size_t hdr = 2, body = p[1];

		if (p[1] >= 0x81 && p[1] <= 0x84) {
			hdr += p[1] & 0x7fu;
			body = 0;
			for (i = 2; i < hdr && i < len; i++) {
				body = body << 8 | p[i];
			}
		}
		if (p[1] != 0x80 && p[1] <= 0x84 && len >= hdr &&
		    body == len - hdr) {
			return IN_DER;
		}
	}
	for (i = 0; len >= blen && i <= len - blen; i++) {
		if (memcmp(p + i, begin, blen) == 0) {
			return IN_PEM;
		}
	}
	return IN_BAD;
}

/* Skips the leading zero bytes of the big-endian integer p (*n bytes). */
static const uint8_t *
strip_zeros(const uint8_t *p, size_t *n)
{
	while (*n > 0 && *p == 0) {
		p++;
		(*n)--;
	}
	return p;
}

/* Bit length of the big-endian integer p (n bytes, no leading zero). */
static uint32_t
bit_length(const uint8_t *p, size_t n)
{
	uint32_t bits;
	uint8_t top;

	if (n == 0) {
		return 0;
	}
	bits = (uint32_t)(n - 1) * 8;
	for (top = p[0]; top != 0; top >>= 1) {
		bits++;
	}
	return bits;
}

/* ---- A sink: bytes appended to the store's newest allocation --------- */

struct sink {
	struct erg_stack *s;
	uint8_t *p;
	size_t len;
	bool full; /* the store filled up: bytes were lost */
};

static void
sink_open(struct sink *k, struct erg_stack *s)
{
	k->s = s;
	k->len = 0;
	k->p = erg_tls_store_alloc(s, 0);
	k->full = k->p == NULL;
}

/* BearSSL's output callback shape. */
static void
sink_put(void *ctx, const void *src, size_t n)
{
	struct sink *k = ctx;
	uint8_t *q;

	if (k->full || n == 0) {
		return;
	}
	/* In place: k->p is the newest allocation. */
	q = erg_tls_store_grow(k->s, k->p, k->len, k->len + n);
	if (q == NULL) {
		k->full = true;
		return;
	}
	k->p = q;
	memcpy(q + k->len, src, n);
	k->len += n;
}

/* ---- Walking PEM objects ----------------------------------------------- */

/*
 * Calls begin at each object's start (it calls walk_dest to take the
 * object's bytes, or leaves no destination to skip it) and end at its
 * close: ok false when base64 or framing failed inside it, or the input
 * ended before its END line. A callback sets stop when it wants no more.
 */
struct pem_walk {
	br_pem_decoder_context pc;
	void (*begin)(struct pem_walk *w, const char *name);
	void (*end)(struct pem_walk *w, bool ok);
	/* The current object's destination (walk_dest), or NULL. */
	void (*dest)(void *ctx, const void *src, size_t n);
	void *dest_ctx;
	bool in_obj;
	bool stop;
};

/* From begin: the current object's bytes go to dest(ctx, ...). */
static void
walk_dest(struct pem_walk *w,
    void (*dest)(void *ctx, const void *src, size_t n), void *ctx)
{
	w->dest = dest;
	w->dest_ctx = ctx;
	br_pem_decoder_setdest(&w->pc, dest, ctx);
}

static void
pem_feed(struct pem_walk *w, const uint8_t *p, size_t len)
{
	/*
	 * Each round consumes bytes or reports an event, and an event needs
	 * at least one more line: 2 * len + 2 rounds are more than enough.
	 */
	size_t rounds = 2 * len + 2;

	while (len > 0 && !w->stop && rounds-- > 0) {
		size_t used = br_pem_decoder_push(&w->pc, p, len);
		int ev = br_pem_decoder_event(&w->pc);

		p += used;
		len -= used;
		if (ev == BR_PEM_BEGIN_OBJ) {
			if (w->in_obj) {
				/* BearSSL reports an error first; if not, the
				 * object before ends unfinished all the same.
				 */
				w->end(w, false);
			}
			walk_dest(w, NULL, NULL);
			w->in_obj = true;
			w->begin(w, br_pem_decoder_name(&w->pc));
		} else if (ev == BR_PEM_END_OBJ || ev == BR_PEM_ERROR) {
			if (w->in_obj) {
				w->in_obj = false;
				w->end(w, ev == BR_PEM_END_OBJ);
			}
		} else if (used == 0) {
			break; /* no progress and nothing to say: give up */
		}
	}
}

/*
 * Runs w over in. DER input is one object named "CERTIFICATE" (the only
 * DER that reaches here is a certificate).
 */
static void
walk(struct pem_walk *w, const uint8_t *in, size_t len, enum in_kind kind)
{
	/* A final newline, in case the input's END line lacks one. */
	static const uint8_t nl = '\n';

	w->in_obj = false;
	w->stop = false;
	br_pem_decoder_init(&w->pc);
	if (kind == IN_DER) {
		walk_dest(w, NULL, NULL);
		w->begin(w, "CERTIFICATE");
		if (w->dest != NULL) {
			w->dest(w->dest_ctx, in, len);
		}
		w->end(w, true);
		return;
	}
	pem_feed(w, in, len);
	pem_feed(w, &nl, 1);
	if (w->in_obj && !w->stop) {
		w->in_obj = false;
		w->end(w, false); /* truncated */
	}
}

/* ---- Private keys ------------------------------------------------------- */

struct key_walk {
	struct pem_walk w; /* first: callbacks get it */
	br_skey_decoder_context *sk;
	bool in_key;
	bool found;     /* a key object ended */
	bool ok;        /* ... and its PEM was sound */
	bool encrypted; /* an ENCRYPTED PRIVATE KEY was seen */
};

/*
 * BearSSL's decoders stop at an error and must not be pushed more bytes
 * after it: their T0 code resumes past the failure point and crashes
 * (found by fuzz_tls_pem; br_x509_minimal guards its own decoder the
 * same way). While decoding, last_error says "truncated"; once done (0)
 * one more byte is still wanted, to see trailing garbage.
 */
static void
skey_put(void *ctx, const void *src, size_t n)
{
	int err = br_skey_decoder_last_error(ctx);

	if (err == 0 || err == BR_ERR_X509_TRUNCATED) {
		br_skey_decoder_push(ctx, src, n);
	}
}

static void
key_begin(struct pem_walk *w, const char *name)
{
	struct key_walk *kw = (struct key_walk *)w;

	/* RFC 7468 sections 10 and 11; SEC1 and PKCS#1 by their usual
	 * OpenSSL labels. The first key is the one; other blocks (openssl's
	 * "EC PARAMETERS", a certificate) are skipped. */
	if (label_is(name, "EC PRIVATE KEY") ||
	    label_is(name, "RSA PRIVATE KEY") ||
	    label_is(name, "PRIVATE KEY")) {
		kw->in_key = true;
		walk_dest(w, skey_put, kw->sk);
	} else if (label_is(name, "ENCRYPTED PRIVATE KEY")) {
		kw->encrypted = true;
	}
}

static void
key_end(struct pem_walk *w, bool ok)
{
	struct key_walk *kw = (struct key_walk *)w;

	if (kw->in_key) {
		kw->in_key = false;
		kw->found = true;
		kw->ok = ok;
		w->stop = true;
	}
}

/* EC private key: 0 < x < the curve's order (SEC1 3.2.1), x stripped. */
static bool
ec_x_valid(int curve, const uint8_t *x, size_t xlen)
{
	const br_ec_impl *ec = br_ec_get_default();
	const uint8_t *order;
	size_t olen = 0;

	if (((ec->supported_curves >> curve) & 1u) == 0) {
		return false;
	}
	order = ec->order(curve, &olen);
	order = strip_zeros(order, &olen);
	if (xlen == 0 || xlen > olen) {
		return false;
	}
	return xlen < olen || memcmp(x, order, olen) < 0;
}

/* Copies the decoded EC key into c (the store). */
static int
keep_ec(struct erg_stack *s, struct erg_tls_cert *c, const br_ec_private_key *k)
{
	const uint8_t *x;
	size_t xlen = k->xlen;

	/* Curves erg offers (erg/tls.h): P-256, P-384, P-521. */
	if (k->curve != BR_EC_secp256r1 && k->curve != BR_EC_secp384r1 &&
	    k->curve != BR_EC_secp521r1) {
		return -ERG_EUNSUPPORTED;
	}
	x = strip_zeros(k->x, &xlen);
	if (!ec_x_valid(k->curve, x, xlen)) {
		return -ERG_EMALFORMED;
	}
	c->key_type = BR_KEYTYPE_EC;
	c->key.ec.curve = k->curve;
	c->key.ec.xlen = xlen;
	c->key.ec.x = erg_tls_store_dup(s, x, xlen);
	return c->key.ec.x != NULL ? 0 : -ERG_ENOMEM;
}

/* Copies the decoded RSA key into c (the store), in one block. */
static int
keep_rsa(struct erg_stack *s, struct erg_tls_cert *c,
    const br_rsa_private_key *k)
{
	br_rsa_private_key *r = &c->key.rsa;
	uint8_t *p;
	size_t n;

	if (k->n_bitlen < RSA_MIN_BITS || k->n_bitlen > RSA_MAX_BITS) {
		return -ERG_EUNSUPPORTED;
	}
	n = k->plen + k->qlen + k->dplen + k->dqlen + k->iqlen;
	p = erg_tls_store_alloc(s, n);
	if (p == NULL) {
		return -ERG_ENOMEM;
	}
	c->key_type = BR_KEYTYPE_RSA;
	r->n_bitlen = k->n_bitlen;
	r->p = p;
	r->plen = k->plen;
	memcpy(p, k->p, k->plen);
	p += k->plen;
	r->q = p;
	r->qlen = k->qlen;
	memcpy(p, k->q, k->qlen);
	p += k->qlen;
	r->dp = p;
	r->dplen = k->dplen;
	memcpy(p, k->dp, k->dplen);
	p += k->dplen;
	r->dq = p;
	r->dqlen = k->dqlen;
	memcpy(p, k->dq, k->dqlen);
	p += k->dqlen;
	r->iq = p;
	r->iqlen = k->iqlen;
	memcpy(p, k->iq, k->iqlen);
	return 0;
}

static int
load_key(struct erg_stack *s, struct erg_tls_cert *c, const uint8_t *in,
    size_t len)
{
	br_skey_decoder_context sk;
	struct key_walk kw;
	enum in_kind kind = in_kind(in, len);
	int err;

	br_skey_decoder_init(&sk);
	if (kind == IN_DER) {
		br_skey_decoder_push(&sk, in, len);
	} else if (kind == IN_PEM) {
		memset(&kw, 0, sizeof(kw));
		kw.w.begin = key_begin;
		kw.w.end = key_end;
		kw.sk = &sk;
		walk(&kw.w, in, len, kind);
		if (!kw.found) {
			/* RFC 5958 encryption: a variant erg does not do. */
			return kw.encrypted ? -ERG_EUNSUPPORTED :
			                      -ERG_EMALFORMED;
		}
		if (!kw.ok) {
			return -ERG_EMALFORMED;
		}
	} else {
		return -ERG_EMALFORMED;
	}
	err = br_skey_decoder_last_error(&sk);
	if (err != 0) {
		/* Algorithms, curves and versions BearSSL lacks (Ed25519,
		 * secp256k1, multi-prime RSA) vs. broken encodings. */
		return err == BR_ERR_X509_UNSUPPORTED ? -ERG_EUNSUPPORTED :
		                                        -ERG_EMALFORMED;
	}
	switch (br_skey_decoder_key_type(&sk)) {
	case BR_KEYTYPE_EC:
		return keep_ec(s, c, br_skey_decoder_get_ec(&sk));
	case BR_KEYTYPE_RSA:
		return keep_rsa(s, c, br_skey_decoder_get_rsa(&sk));
	default:
		return -ERG_EMALFORMED;
	}
}

/* ---- Certificate chains ------------------------------------------------- */

struct chain_walk {
	struct pem_walk w;   /* first: callbacks get it */
	struct erg_stack *s; /* NULL: first pass, count only */
	br_x509_certificate *certs;
	size_t n;   /* certificates seen (first pass), stored (second) */
	size_t cap; /* entries of certs (second pass) */
	struct sink der;
	bool in_cert;
	bool bad;  /* a certificate object failed to decode as PEM */
	bool full; /* the store filled up */
};

static void
chain_begin(struct pem_walk *w, const char *name)
{
	struct chain_walk *cw = (struct chain_walk *)w;

	if (!label_is(name, "CERTIFICATE")) {
		return; /* a key or anything else in the same file */
	}
	cw->in_cert = true;
	if (cw->s != NULL) {
		sink_open(&cw->der, cw->s);
		walk_dest(w, sink_put, &cw->der);
	}
}

static void
chain_end(struct pem_walk *w, bool ok)
{
	struct chain_walk *cw = (struct chain_walk *)w;

	if (!cw->in_cert) {
		return;
	}
	cw->in_cert = false;
	if (!ok) {
		cw->bad = true;
		w->stop = true;
		return;
	}
	if (cw->s == NULL) {
		cw->n++;
		return;
	}
	if (cw->der.full) {
		cw->full = true;
		w->stop = true;
		return;
	}
	if (cw->n < cw->cap) {
		cw->certs[cw->n].data = cw->der.p;
		cw->certs[cw->n].data_len = cw->der.len;
		cw->n++;
	}
}

/*
 * Decodes cert (DER) alone; returns 0 with *xc holding its public key,
 * -ERG_EUNSUPPORTED for a key or a variant BearSSL does not read, or
 * -ERG_EMALFORMED.
 */
static int
cert_decode(br_x509_decoder_context *xc, const br_x509_certificate *cert)
{
	int err;

	br_x509_decoder_init(xc, NULL, NULL);
	br_x509_decoder_push(xc, cert->data, cert->data_len);
	err = br_x509_decoder_last_error(xc);
	if (err == 0 && br_x509_decoder_get_pkey(xc) != NULL) {
		return 0;
	}
	return err == BR_ERR_X509_UNSUPPORTED ? -ERG_EUNSUPPORTED :
	                                        -ERG_EMALFORMED;
}

static int
load_chain(struct erg_stack *s, struct erg_tls_cert *c, const uint8_t *in,
    size_t len)
{
	br_x509_decoder_context xc;
	struct chain_walk cw;
	enum in_kind kind = in_kind(in, len);
	size_t i;
	int rc;

	if (kind == IN_BAD) {
		return -ERG_EMALFORMED;
	}
	/* Pass 1: count, and refuse broken PEM. */
	memset(&cw, 0, sizeof(cw));
	cw.w.begin = chain_begin;
	cw.w.end = chain_end;
	walk(&cw.w, in, len, kind);
	if (cw.bad || cw.n == 0) {
		return -ERG_EMALFORMED;
	}
	/* Pass 2: the array, then each certificate's DER after it. */
	c->chain = erg_tls_store_alloc(s, cw.n * sizeof(*c->chain));
	if (c->chain == NULL) {
		return -ERG_ENOMEM;
	}
	cw.cap = cw.n;
	cw.n = 0;
	cw.s = s;
	cw.certs = c->chain;
	walk(&cw.w, in, len, kind);
	if (cw.full) {
		return -ERG_ENOMEM;
	}
	if (cw.bad || cw.n != cw.cap) {
		return -ERG_EMALFORMED; /* cannot happen: the same input */
	}
	c->chain_n = cw.n;
	/*
	 * Every certificate must at least decode (the client would refuse
	 * it); those above the end-entity may hold keys BearSSL cannot use,
	 * the peer's X.509 code may. The end-entity is checked with the key.
	 */
	for (i = 1; i < c->chain_n; i++) {
		rc = cert_decode(&xc, &c->chain[i]);
		if (rc != 0 && rc != -ERG_EUNSUPPORTED) {
			return rc;
		}
	}
	return 0;
}

/* ---- Key against certificate ------------------------------------------- */

static int
match_ec(const br_ec_public_key *pub, const br_ec_private_key *k)
{
	uint8_t q[BR_EC_KBUF_PUB_MAX_SIZE];
	size_t qlen;

	if (pub->curve != k->curve) {
		return -ERG_EMALFORMED;
	}
	/* The public point is x * G (SEC1 3.2.1), uncompressed as in the
	 * certificate (RFC 5480 section 2.2). */
	qlen = br_ec_compute_pub(br_ec_get_default(), NULL, q, k);
	if (qlen == 0 || qlen != pub->qlen || memcmp(q, pub->q, qlen) != 0) {
		return -ERG_EMALFORMED;
	}
	return 0;
}

/*
 * The right p and q say nothing of dp, dq and iq, which signing uses
 * (RFC 8017 5.1.2, CRT): one signature, made and verified with the
 * certificate's public key, proves them. PKCS#1 v1.5 (RFC 8017 8.2) over
 * a fixed SHA-256-sized value; once per key load.
 */
static int
rsa_sign_check(const br_rsa_public_key *pub, const br_rsa_private_key *k)
{
	static const uint8_t hv[32] = { 'e', 'r', 'g', ' ', 'k', 'e', 'y', ' ',
		'c', 'h', 'e', 'c', 'k' };
	uint8_t sig[RSA_MAX_BITS / 8], out[sizeof(hv)];
	size_t slen = (k->n_bitlen + 7) / 8;

	if (slen > sizeof(sig) ||
	    !br_rsa_pkcs1_sign_get_default()(BR_HASH_OID_SHA256, hv, sizeof(hv),
	        k, sig) ||
	    !br_rsa_pkcs1_vrfy_get_default()(sig, slen, BR_HASH_OID_SHA256,
	        sizeof(out), pub, out) ||
	    memcmp(out, hv, sizeof(hv)) != 0) {
		return -ERG_EMALFORMED;
	}
	return 0;
}

static int
match_rsa(const br_rsa_public_key *pub, const br_rsa_private_key *k)
{
	/*
	 * i15, not br_rsa_compute_modulus_get_default() (i31 on 64-bit
	 * machines): BearSSL 0.6's i31 version returns 0 (too large) for
	 * 4096-bit keys. Run once per key load: speed does not matter.
	 */
	br_rsa_compute_modulus modulus = br_rsa_i15_compute_modulus;
	br_rsa_private_key wide = *k;
	uint8_t m[RSA_MAX_BITS / 8 + 1];
	const uint8_t *n, *p, *q;
	size_t nlen = pub->nlen, plen = k->plen, qlen = k->qlen;
	uint32_t pq_bits;

	n = strip_zeros(pub->n, &nlen);
	p = strip_zeros(k->p, &plen);
	q = strip_zeros(k->q, &qlen);
	if (bit_length(n, nlen) != k->n_bitlen) {
		return -ERG_EMALFORMED;
	}
	/*
	 * n = p * q exactly. A product of a-bit and b-bit numbers has a + b
	 * - 1 or a + b bits, so p and q of the right sizes give a product
	 * below 2^(n_bitlen + 1), which the modulus code writes whole in
	 * one byte more than n (it writes the low bytes only).
	 */
	pq_bits = bit_length(p, plen) + bit_length(q, qlen);
	if (pq_bits != k->n_bitlen && pq_bits != k->n_bitlen + 1) {
		return -ERG_EMALFORMED;
	}
	wide.n_bitlen = k->n_bitlen + 8;
	if (modulus(NULL, &wide) != nlen + 1 || nlen + 1 > sizeof(m)) {
		return -ERG_EMALFORMED;
	}
	modulus(m, &wide);
	if (m[0] != 0 || memcmp(m + 1, n, nlen) != 0) {
		return -ERG_EMALFORMED;
	}
	return rsa_sign_check(pub, k);
}

/* The end-entity certificate decodes and holds the public half of c's key. */
static int
match_key(struct erg_tls_cert *c)
{
	br_x509_decoder_context xc;
	const br_x509_pkey *pk;
	int rc;

	rc = cert_decode(&xc, &c->chain[0]);
	if (rc != 0) {
		return rc;
	}
	pk = br_x509_decoder_get_pkey(&xc);
	if (pk->key_type != c->key_type) {
		return -ERG_EMALFORMED;
	}
	if (c->key_type == BR_KEYTYPE_EC) {
		return match_ec(&pk->key.ec, &c->key.ec);
	}
	return match_rsa(&pk->key.rsa, &c->key.rsa);
}

int
erg_tls_cert_load(struct erg_stack *s, const void *chain, size_t chain_len,
    const void *key, size_t key_len, struct erg_tls_cert **out)
{
	struct erg_tls_cert *c;
	size_t mark;
	int rc;

	if (s == NULL || out == NULL) {
		return -ERG_EINVAL;
	}
	mark = erg_tls_store_mark(s);
	c = erg_tls_store_alloc(s, sizeof(*c));
	if (c == NULL) {
		return -ERG_ENOMEM;
	}
	rc = load_chain(s, c, chain, chain_len);
	if (rc == 0) {
		rc = load_key(s, c, key, key_len);
	}
	if (rc == 0) {
		rc = match_key(c);
	}
	if (rc != 0) {
		erg_tls_store_rewind(s, mark);
		return rc;
	}
	*out = c;
	return 0;
}

/* ---- Trust anchors ------------------------------------------------------ */

struct trust_walk {
	struct pem_walk w; /* first: callbacks get it */
	struct erg_tls_trust *t;
	bool keep;       /* second pass: store the anchors */
	unsigned seen;   /* CERTIFICATE objects */
	unsigned usable; /* ... that make anchors (first pass) */
	unsigned cap;    /* anchors t->ta has room for (second pass) */
	bool in_cert;
	bool full;
	size_t mark; /* the store before this certificate */
	br_x509_decoder_context xc;
	struct sink dn;
};

/* As skey_put (the same T0 machine). */
static void
x509_put(void *ctx, const void *src, size_t n)
{
	int err = br_x509_decoder_last_error(ctx);

	if (err == 0 || err == BR_ERR_X509_TRUNCATED) {
		br_x509_decoder_push(ctx, src, n);
	}
}

static void
trust_begin(struct pem_walk *w, const char *name)
{
	struct trust_walk *tw = (struct trust_walk *)w;

	if (!label_is(name, "CERTIFICATE")) {
		return;
	}
	tw->in_cert = true;
	tw->seen++;
	if (tw->keep) {
		/* The subject name grows at the store's end as it comes. */
		tw->mark = erg_tls_store_mark(tw->t->s);
		sink_open(&tw->dn, tw->t->s);
		br_x509_decoder_init(&tw->xc, sink_put, &tw->dn);
	} else {
		br_x509_decoder_init(&tw->xc, NULL, NULL);
	}
	walk_dest(w, x509_put, &tw->xc);
}

/* Stores the anchor whose name tw->dn holds; false when the store filled. */
static bool
trust_keep(struct trust_walk *tw, const br_x509_pkey *pk)
{
	struct erg_tls_trust *t = tw->t;
	br_x509_trust_anchor *ta;
	uint8_t *kb;

	if (tw->dn.full || t->n >= tw->cap) {
		return false;
	}
	ta = &t->ta[t->n];
	memset(ta, 0, sizeof(*ta));
	ta->dn.data = tw->dn.p;
	ta->dn.len = tw->dn.len;
	/* RFC 5280 4.2.1.9: only a CA may vouch for other certificates; a
	 * non-CA anchor is trusted directly (its own name and key). */
	ta->flags = br_x509_decoder_isCA(&tw->xc) ? BR_X509_TA_CA : 0;
	ta->pkey.key_type = pk->key_type;
	if (pk->key_type == BR_KEYTYPE_RSA) {
		kb = erg_tls_store_alloc(t->s,
		    pk->key.rsa.nlen + pk->key.rsa.elen);
		if (kb == NULL) {
			return false;
		}
		memcpy(kb, pk->key.rsa.n, pk->key.rsa.nlen);
		memcpy(kb + pk->key.rsa.nlen, pk->key.rsa.e, pk->key.rsa.elen);
		ta->pkey.key.rsa.n = kb;
		ta->pkey.key.rsa.nlen = pk->key.rsa.nlen;
		ta->pkey.key.rsa.e = kb + pk->key.rsa.nlen;
		ta->pkey.key.rsa.elen = pk->key.rsa.elen;
	} else {
		kb = erg_tls_store_dup(t->s, pk->key.ec.q, pk->key.ec.qlen);
		if (kb == NULL) {
			return false;
		}
		ta->pkey.key.ec.curve = pk->key.ec.curve;
		ta->pkey.key.ec.q = kb;
		ta->pkey.key.ec.qlen = pk->key.ec.qlen;
	}
	t->n++;
	return true;
}

static void
trust_end(struct pem_walk *w, bool ok)
{
	struct trust_walk *tw = (struct trust_walk *)w;
	const br_x509_pkey *pk = NULL;

	if (!tw->in_cert) {
		return;
	}
	tw->in_cert = false;
	if (ok) {
		pk = br_x509_decoder_get_pkey(&tw->xc);
	}
	if (pk != NULL &&
	    (pk->key_type == BR_KEYTYPE_RSA || pk->key_type == BR_KEYTYPE_EC)) {
		if (!tw->keep) {
			tw->usable++;
		} else if (!trust_keep(tw, pk)) {
			erg_tls_store_rewind(tw->t->s, tw->mark);
			tw->full = true;
			w->stop = true;
		}
		return;
	}
	/* Undecodable, or a key BearSSL cannot use (Ed25519, ...). */
	if (tw->keep) {
		erg_tls_store_rewind(tw->t->s, tw->mark);
	} else {
		ERG_COUNT(tw->t->s, TLS_TRUST_SKIPPED);
	}
}

int
erg_tls_trust_new(struct erg_stack *s, struct erg_tls_trust **out)
{
	struct erg_tls_trust *t;

	if (s == NULL || out == NULL) {
		return -ERG_EINVAL;
	}
	t = erg_tls_store_alloc(s, sizeof(*t));
	if (t == NULL) {
		return -ERG_ENOMEM;
	}
	t->s = s;
	*out = t;
	return 0;
}

int
erg_tls_trust_add(struct erg_tls_trust *t, const void *pem, size_t len)
{
	struct trust_walk tw;
	br_x509_trust_anchor *ta;
	enum in_kind kind;
	unsigned before;

	if (t == NULL || (pem == NULL && len > 0)) {
		return -ERG_EINVAL;
	}
	kind = in_kind(pem, len);
	if (kind == IN_BAD) {
		return -ERG_EMALFORMED;
	}
	/* Pass 1: which certificates make anchors. */
	memset(&tw, 0, sizeof(tw));
	tw.w.begin = trust_begin;
	tw.w.end = trust_end;
	tw.t = t;
	walk(&tw.w, pem, len, kind);
	if (tw.seen == 0) {
		return -ERG_EMALFORMED;
	}
	if (tw.usable == 0) {
		return 0;
	}
	/* Room for them all, contiguous with those held already. */
	ta = erg_tls_store_grow(t->s, t->ta, t->n * sizeof(*ta),
	    ((size_t)t->n + tw.usable) * sizeof(*ta));
	if (ta == NULL) {
		return -ERG_ENOMEM;
	}
	t->ta = ta;
	before = t->n;
	/* Pass 2: each anchor's name and key after the array. */
	tw.keep = true;
	tw.seen = 0;
	tw.cap = t->n + tw.usable;
	walk(&tw.w, pem, len, kind);
	if (tw.full) {
		return -ERG_ENOMEM;
	}
	return (int)(t->n - before);
}

unsigned
erg_tls_trust_count(const struct erg_tls_trust *t)
{
	return t != NULL ? t->n : 0;
}
