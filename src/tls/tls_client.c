/*
 * src/tls/tls_client.c: client sessions.
 *
 * Verification is BearSSL's "minimal" X.509 engine: the chain must lead
 * to one of the trust store's anchors, every certificate must be valid
 * at the time the caller passed (erg has no clock), and the end-entity
 * must carry the server name (SAN dNSName, or the CN when there is no
 * SAN; "*." matches one left-most label). Its errors map to
 * ERG_ETLS_UNKNOWNCA, _EXPIRED, _HOSTNAME and _BADCERT.
 *
 * Names. A server name that is an IPv4 literal is refused unless the
 * session is insecure: RFC 6066 forbids it as SNI, and BearSSL matches
 * dNSNames only, so such a check could never pass.
 *
 * ERG_TLS_INSECURE swaps in erg_tls_x509_insecure below: it decodes the
 * end-entity certificate's key (the handshake still needs it to check
 * the server's signature) and accepts it, nothing else.
 */
#include "tls_int.h"

/* Days from 0000-01-01 (proleptic Gregorian) to 1970-01-01. */
#define TLS_DAYS_TO_1970 719528u

/* ---- The insecure X.509 engine ----------------------------------------- */

static void
tls_ins_start_chain(const br_x509_class **ctx, const char *server_name)
{
	struct erg_tls_x509_insecure *x = (struct erg_tls_x509_insecure *)ctx;

	(void)server_name;
	x->depth = 0;
	x->key_ok = false;
}

static void
tls_ins_start_cert(const br_x509_class **ctx, uint32_t length)
{
	struct erg_tls_x509_insecure *x = (struct erg_tls_x509_insecure *)ctx;

	(void)length;
	if (x->depth == 0) {
		br_x509_decoder_init(&x->dec, NULL, NULL);
	}
}

static void
tls_ins_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
	struct erg_tls_x509_insecure *x = (struct erg_tls_x509_insecure *)ctx;

	if (x->depth == 0) {
		br_x509_decoder_push(&x->dec, buf, len);
	}
}

static void
tls_ins_end_cert(const br_x509_class **ctx)
{
	struct erg_tls_x509_insecure *x = (struct erg_tls_x509_insecure *)ctx;

	if (x->depth == 0) {
		x->key_ok = br_x509_decoder_last_error(&x->dec) == 0 &&
		    br_x509_decoder_get_pkey(&x->dec) != NULL;
	}
	x->depth++;
}

static unsigned
tls_ins_end_chain(const br_x509_class **ctx)
{
	struct erg_tls_x509_insecure *x = (struct erg_tls_x509_insecure *)ctx;
	int e;

	if (x->depth == 0) {
		return BR_ERR_X509_EMPTY_CHAIN;
	}
	if (!x->key_ok) {
		e = br_x509_decoder_last_error(&x->dec);
		return e != 0 ? (unsigned)e : BR_ERR_X509_UNSUPPORTED;
	}
	return 0;
}

static const br_x509_pkey *
tls_ins_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
	const struct erg_tls_x509_insecure *x =
	    (const struct erg_tls_x509_insecure *)ctx;

	if (usages != NULL) {
		*usages = BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN;
	}
	return x->key_ok ?
	    br_x509_decoder_get_pkey((br_x509_decoder_context *)&x->dec) :
	    NULL;
}

static const br_x509_class tls_x509_insecure_class = {
	sizeof(struct erg_tls_x509_insecure),
	tls_ins_start_chain,
	tls_ins_start_cert,
	tls_ins_append,
	tls_ins_end_cert,
	tls_ins_end_chain,
	tls_ins_get_pkey,
};

/* ---- Connect ----------------------------------------------------------- */

/*
 * Whether name is an address literal: a dotted quad (a trailing dot
 * allowed), or anything with a ':' (IPv6, never a host name).
 */
static bool
tls_is_ipv4_literal(const char *name)
{
	unsigned dots = 0, digits = 0;
	size_t i;

	for (i = 0; i <= ERG_TLS_NAME_MAX && name[i] != '\0'; i++) {
		if (name[i] == ':') {
			return true;
		}
	}
	for (i = 0; i <= ERG_TLS_NAME_MAX && name[i] != '\0'; i++) {
		if (name[i] == '.' && name[i + 1] == '\0' && dots == 3 &&
		    digits > 0) {
			return true;
		}
		if (name[i] == '.') {
			if (digits == 0) {
				return false;
			}
			dots++;
			digits = 0;
		} else if (name[i] >= '0' && name[i] <= '9') {
			digits++;
		} else {
			return false;
		}
	}
	return dots == 3 && digits > 0;
}

/*
 * A host name as RFC 1123 2.1 allows it, loosely (any byte but NUL and
 * '.' inside a label, so that IDNA and odd names pass through): 1 to 255
 * bytes, no empty label, at most one trailing dot.
 */
static bool
tls_host_name_ok(const char *name)
{
	size_t i, label = 0;

	for (i = 0; name[i] != '\0'; i++) {
		if (i >= ERG_TLS_NAME_MAX) {
			return false;
		}
		if (name[i] == '.') {
			if (label == 0) {
				return false;
			}
			label = 0;
		} else {
			label++;
		}
	}
	return i > 0;
}

/* Validates o; 0 or -ERG_EINVAL. */
static int
tls_client_opts_check(const struct erg_tls_client_opts *o)
{
	if ((o->flags & ~(unsigned)(ERG_TLS_OLD_VERSIONS | ERG_TLS_INSECURE)) !=
	    0) {
		return -ERG_EINVAL;
	}
	if (o->server_name != NULL && !tls_host_name_ok(o->server_name)) {
		return -ERG_EINVAL;
	}
	if ((o->flags & ERG_TLS_INSECURE) == 0 &&
	    (o->trust == NULL || o->server_name == NULL ||
	        tls_is_ipv4_literal(o->server_name) || o->unix_time == 0)) {
		return -ERG_EINVAL;
	}
	if (erg_tls_alpn_check(o->alpn, o->alpn_n) != 0) {
		return -ERG_EINVAL;
	}
	return erg_tls_suites_check(o->suites, o->suites_n);
}

/* The chain check: the minimal engine over the trust store. */
static void
tls_client_x509(struct erg_tls *t, const struct erg_tls_client_opts *o)
{
	br_x509_minimal_context *xc = &t->u.client.x509.min;
	br_x509_trust_anchor *ta = o->trust->ta;

	br_x509_minimal_init(xc, &br_sha256_vtable, ta, o->trust->n);
	br_x509_minimal_set_hash(xc, br_sha1_ID, &br_sha1_vtable);
	br_x509_minimal_set_hash(xc, br_sha224_ID, &br_sha224_vtable);
	br_x509_minimal_set_hash(xc, br_sha256_ID, &br_sha256_vtable);
	br_x509_minimal_set_hash(xc, br_sha384_ID, &br_sha384_vtable);
	br_x509_minimal_set_hash(xc, br_sha512_ID, &br_sha512_vtable);
	br_x509_minimal_set_rsa(xc, br_rsa_pkcs1_vrfy_get_default());
	br_x509_minimal_set_ecdsa(xc, br_ec_get_default(),
	    br_ecdsa_vrfy_asn1_get_default());
	br_x509_minimal_set_time(xc,
	    (uint32_t)(o->unix_time / 86400u) + TLS_DAYS_TO_1970,
	    (uint32_t)(o->unix_time % 86400u));
	br_ssl_engine_set_x509(t->eng, &xc->vtable);
}

int
erg_tls_connect(struct erg_tcp_conn *c, const struct erg_tls_client_opts *o,
    erg_tls_event_fn cb, void *ctx, struct erg_tls **out)
{
	br_ssl_client_context *cc;
	br_ssl_session_parameters sp;
	char name[ERG_TLS_NAME_MAX + 1];
	const char *sni;
	struct erg_tls *t;
	size_t off = 0, len;
	unsigned i;
	int e;

	if (c == NULL || o == NULL || out == NULL ||
	    tls_client_opts_check(o) != 0) {
		return -ERG_EINVAL;
	}
	e = erg_tls_alloc(c, cb, ctx, &t);
	if (e != 0) {
		return e;
	}
	cc = &t->u.client.cc;
	br_ssl_client_zero(cc);
	t->eng = &cc->eng;
	erg_tls_engine_setup(t, o->flags, o->suites, o->suites_n);
	br_ssl_client_set_default_rsapub(cc);
	if (o->flags & ERG_TLS_INSECURE) {
		t->u.client.x509.ins.vtable = &tls_x509_insecure_class;
		br_ssl_engine_set_x509(t->eng, &t->u.client.x509.ins.vtable);
	} else {
		tls_client_x509(t, o);
	}
	for (i = 0; i < o->alpn_n; i++) {
		for (len = 0; o->alpn[i][len] != '\0'; len++) {
		}
		memcpy(t->u.client.alpn_buf + off, o->alpn[i], len + 1);
		t->u.client.alpn[i] = t->u.client.alpn_buf + off;
		off += len + 1;
	}
	if (o->alpn_n > 0) {
		br_ssl_engine_set_protocol_names(t->eng, t->u.client.alpn,
		    o->alpn_n);
	}
	if (o->resume != NULL) {
		/* Copied out: the caller's bytes need not be aligned. */
		memcpy(&sp, o->resume->opaque, sizeof(sp));
		if (sp.session_id_len > sizeof(t->offered_id)) {
			memset(&sp, 0, sizeof(sp));
			erg_tls_free_unstarted(t);
			return -ERG_EINVAL;
		}
		br_ssl_engine_set_session_parameters(t->eng, &sp);
		memcpy(t->offered_id, sp.session_id, sp.session_id_len);
		t->offered_id_len = sp.session_id_len;
		t->flags |= TLSF_RESUMING;
		memset(&sp, 0, sizeof(sp));
	}
	sni = NULL;
	if (o->server_name != NULL && !tls_is_ipv4_literal(o->server_name)) {
		/*
		 * Without its trailing dot: SNI carries no dot (RFC 6066 3)
		 * and BearSSL's name check would count it.
		 */
		for (len = 0; o->server_name[len] != '\0'; len++) {
		}
		if (o->server_name[len - 1] == '.') {
			len--;
		}
		memcpy(name, o->server_name, len);
		name[len] = '\0';
		sni = name;
	} /* else RFC 6066 3: literal addresses are not sent */
	if (!br_ssl_client_reset(cc, sni, o->resume != NULL)) {
		erg_tls_free_unstarted(t);
		return -ERG_EINVAL;
	}
	erg_tls_start(t);
	*out = t;
	return 0;
}
