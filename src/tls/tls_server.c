/*
 * src/tls/tls_server.c: server credentials and server sessions.
 *
 * SNI (RFC 6066 section 3). BearSSL's ready-made server policies hold
 * one chain and one key. erg installs its own policy class whose choose
 * step reads the name the client sent, picks the certificate (the first
 * whose name pattern matches, else the default, the first added), puts
 * BearSSL's single-key policy for it in place and hands over to it; the
 * rest of the handshake (key exchange signature) goes to that policy
 * directly, since BearSSL reads the policy pointer each time.
 *
 * Resumption (RFC 5246 7.3, session IDs): BearSSL's LRU cache in the
 * credential store, one per certificate, chosen by the name the client
 * sends (read from the ClientHello by tls_hello.c: BearSSL consults the
 * cache before it parses the extensions), so that a session is only resumed
 * under the certificate that made it: a session made for one virtual host
 * offered with another's name gets a full handshake (RFC 6066 section 3). Names
 * that share a certificate (a wildcard) share its cache. Session tickets (RFC
 * 5077) are not offered: BearSSL has none.
 *
 * ALPN (RFC 7301 3.2): a server with protocols configured answers a
 * client that offers none of them with no_application_protocol; a client
 * that sends no ALPN extension is served without.
 *
 * The first records of a server session carry version 0x0301 until a
 * version is chosen (see erg_tls_accept), so that an alert refusing an
 * old client is readable as TLS.
 */
#include "tls_int.h"

/* BearSSL's LRU cache: "about 100 bytes" per entry (bearssl_ssl.h). */
#define TLS_CACHE_ENTRY 100u

/* ---- Credentials ------------------------------------------------------- */

static size_t
tls_strlen_max(const char *p, size_t max)
{
	size_t n = 0;

	while (n <= max && p[n] != '\0') {
		n++;
	}
	return n;
}

/* Copies a checked ALPN list into the store; 0 or -ERG_ENOMEM. */
static int
tls_alpn_copy(struct erg_stack *s, const char *const *in, unsigned n,
    const char **out)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		out[i] = erg_tls_store_strdup(s, in[i]);
		if (out[i] == NULL) {
			return -ERG_ENOMEM;
		}
	}
	return 0;
}

static void tls_cache_save(const br_ssl_session_cache_class **ctx,
    br_ssl_server_context *sc, const br_ssl_session_parameters *params);
static int tls_cache_load(const br_ssl_session_cache_class **ctx,
    br_ssl_server_context *sc, br_ssl_session_parameters *params);

static const br_ssl_session_cache_class tls_cache_class = {
	sizeof(const br_ssl_session_cache_class *),
	tls_cache_save,
	tls_cache_load,
};

int
erg_tls_server_new(struct erg_stack *s, const struct erg_tls_server_opts *o,
    struct erg_tls_server **out)
{
	struct erg_tls_server_opts none;
	struct erg_tls_server *srv;
	size_t mark;
	int e;

	if (s == NULL || out == NULL || s->tls == NULL) {
		return -ERG_EINVAL;
	}
	if (o == NULL) {
		memset(&none, 0, sizeof(none));
		o = &none;
	}
	if (erg_tls_suites_check(o->suites, o->suites_n) != 0 ||
	    erg_tls_alpn_check(o->alpn, o->alpn_n) != 0 ||
	    o->cache_entries > (1u << 20) ||
	    (o->flags & ~(unsigned)ERG_TLS_OLD_VERSIONS) != 0) {
		return -ERG_EINVAL;
	}
	mark = erg_tls_store_mark(s);
	srv = erg_tls_store_alloc(s, sizeof(*srv));
	if (srv == NULL) {
		return -ERG_ENOMEM;
	}
	srv->s = s;
	srv->flags = o->flags;
	e = tls_alpn_copy(s, o->alpn, o->alpn_n, srv->alpn);
	if (e != 0) {
		erg_tls_store_rewind(s, mark);
		return e;
	}
	srv->alpn_n = o->alpn_n;
	if (o->suites_n > 0) {
		memcpy(srv->suites, o->suites, o->suites_n * sizeof(uint16_t));
	}
	srv->suites_n = o->suites_n;
	if (o->cache_entries > 0) {
		srv->cache_vtable = &tls_cache_class;
		srv->cache_entries = o->cache_entries;
	}
	*out = srv;
	return 0;
}

int
erg_tls_server_add_cert(struct erg_tls_server *srv, const char *name,
    const void *chain, size_t chain_len, const void *key, size_t key_len)
{
	struct erg_stack *s;
	struct erg_tls_cert *cert;
	size_t mark, len, bytes;
	unsigned char *mem;
	int e;

	if (srv == NULL || chain == NULL || key == NULL) {
		return -ERG_EINVAL;
	}
	s = srv->s;
	if (name != NULL) {
		len = tls_strlen_max(name, ERG_TLS_NAME_MAX);
		if (len == 0 || len > ERG_TLS_NAME_MAX) {
			return -ERG_EINVAL;
		}
	}
	mark = erg_tls_store_mark(s);
	e = erg_tls_cert_load(s, chain, chain_len, key, key_len, &cert);
	if (e != 0) {
		return e;
	}
	if (name != NULL) {
		cert->name = erg_tls_store_strdup(s, name);
		if (cert->name == NULL) {
			erg_tls_store_rewind(s, mark);
			return -ERG_ENOMEM;
		}
	}
	if (srv->cache_entries > 0) {
		bytes = (size_t)srv->cache_entries * TLS_CACHE_ENTRY;
		mem = erg_tls_store_alloc(s, bytes);
		if (mem == NULL) {
			erg_tls_store_rewind(s, mark);
			return -ERG_ENOMEM;
		}
		br_ssl_session_cache_lru_init(&cert->lru, mem, bytes);
		cert->has_cache = true;
	}
	if (srv->last != NULL) {
		srv->last->next = cert;
	} else {
		srv->certs = cert;
	}
	srv->last = cert;
	return 0;
}

/* ---- Certificate choice (SNI) ----------------------------------------- */

/* The first certificate whose pattern matches name, else the default. */
static struct erg_tls_cert *
tls_cert_for(const struct erg_tls_server *srv, const char *name)
{
	struct erg_tls_cert *c;

	if (name != NULL && name[0] != '\0') {
		for (c = srv->certs; c != NULL; c = c->next) {
			if (c->name != NULL &&
			    erg_tls_name_match(c->name, name)) {
				return c;
			}
		}
	}
	return srv->certs;
}

/* ---- Session cache wrapper --------------------------------------------- */

/* A full handshake is done: its name (parsed by BearSSL) is known. */
static void
tls_cache_save(const br_ssl_session_cache_class **ctx,
    br_ssl_server_context *sc, const br_ssl_session_parameters *params)
{
	struct erg_tls_server *srv =
	    ERG_CONTAINER_OF(ctx, struct erg_tls_server, cache_vtable);
	struct erg_tls_cert *cert;

	cert = tls_cert_for(srv, br_ssl_engine_get_server_name(&sc->eng));
	if (cert != NULL && cert->has_cache) {
		cert->lru.vtable->save(&cert->lru.vtable, sc, params);
	}
}

/*
 * BearSSL asks before it has read the ClientHello's extensions: the
 * name comes from erg_tls_hello_watch, and without one (a hello it could
 * not read) nothing is resumed.
 */
static int
tls_cache_load(const br_ssl_session_cache_class **ctx,
    br_ssl_server_context *sc, br_ssl_session_parameters *params)
{
	struct erg_tls_server *srv =
	    ERG_CONTAINER_OF(ctx, struct erg_tls_server, cache_vtable);
	struct erg_tls *t = ERG_CONTAINER_OF(sc, struct erg_tls, u.server.sc);
	struct erg_tls_cert *cert;

	if (!t->u.server.hello_ok) {
		return 0;
	}
	cert = tls_cert_for(srv, t->u.server.sni);
	if (cert == NULL || !cert->has_cache ||
	    !cert->lru.vtable->load(&cert->lru.vtable, sc, params)) {
		return 0;
	}
	/*
	 * Not resumed yet: BearSSL still checks the version and the suite
	 * and makes a new session if they do not fit. The handshake's end
	 * compares the session IDs (tls_events).
	 */
	if (params->session_id_len <= sizeof(t->offered_id)) {
		memcpy(t->offered_id, params->session_id,
		    params->session_id_len);
		t->offered_id_len = params->session_id_len;
		t->flags |= TLSF_RESUMING;
	}
	return 1;
}

/* ClientHellos up to this size wait to be handed to BearSSL whole. */
#define TLS_HELLO_WAIT_MAX 8192u

bool
erg_tls_hello_ready(struct erg_tls *t, size_t len)
{
	size_t off = t->u.server.hello_bytes;
	struct erg_tcp_info info;

	if (off < 5) {
		return true; /* the header: BearSSL asks for exactly 5 */
	}
	/*
	 * The body. Waiting is bounded: only for a size the receive window
	 * can hold, and not once the peer has closed.
	 */
	erg_tcp_info(t->tcp, &info);
	if (len > TLS_HELLO_WAIT_MAX || len > t->s->cfg.tcp_rcv_buf / 2 ||
	    (t->flags & TLSF_TCP_EOF) || info.state == ERG_TCP_CLOSED) {
		return true;
	}
	return erg_tcp_readable(t->tcp) >= len;
}

void
erg_tls_hello_watch(struct erg_tls *t, const uint8_t *rec, size_t n)
{
	size_t off = t->u.server.hello_bytes, need;

	/* BearSSL fills its input buffer from the start for the first
	 * record; anything else is not a record we can read whole. */
	if (rec != t->buf + off) {
		t->flags |= TLSF_HELLO_SEEN;
		return;
	}
	off += n;
	t->u.server.hello_bytes = off;
	if (off < 5) {
		return;
	}
	need = 5 + (((size_t)t->buf[3] << 8) | t->buf[4]);
	if (off < need) {
		return;
	}
	t->flags |= TLSF_HELLO_SEEN;
	t->u.server.hello_ok =
	    erg_tls_hello_sni(t->buf, need, t->u.server.sni) == 0 &&
	    erg_tls_hello_alpn_ok(t->buf, need, t->srv->alpn, t->srv->alpn_n);
}

/* ---- SNI policy -------------------------------------------------------- */

static int
tls_sni_choose(const br_ssl_server_policy_class **pctx,
    const br_ssl_server_context *cc, br_ssl_server_choices *choices)
{
	struct erg_tls_sni_policy *p = (struct erg_tls_sni_policy *)pctx;
	br_ssl_server_context *sc = p->sc;
	const struct erg_tls_cert *cert;

	cert = tls_cert_for(p->srv, br_ssl_engine_get_server_name(&sc->eng));
	if (cert == NULL) {
		return 0;
	}
	if (cert->key_type == BR_KEYTYPE_EC) {
		br_ssl_server_set_single_ec(sc, cert->chain, cert->chain_n,
		    &cert->key.ec, BR_KEYTYPE_SIGN, BR_KEYTYPE_EC,
		    br_ec_get_default(), br_ecdsa_sign_asn1_get_default());
	} else {
		br_ssl_server_set_single_rsa(sc, cert->chain, cert->chain_n,
		    &cert->key.rsa, BR_KEYTYPE_SIGN,
		    br_rsa_private_get_default(),
		    br_rsa_pkcs1_sign_get_default());
	}
	return (*sc->policy_vtable)->choose(sc->policy_vtable, cc, choices);
}

/*
 * After choose BearSSL calls the single-key policy it installed; these
 * two forward to it in case a BearSSL version keeps the first pointer.
 */
static uint32_t
tls_sni_do_keyx(const br_ssl_server_policy_class **pctx, unsigned char *data,
    size_t *len)
{
	struct erg_tls_sni_policy *p = (struct erg_tls_sni_policy *)pctx;
	const br_ssl_server_policy_class **in = p->sc->policy_vtable;

	if (in == pctx) {
		return 0;
	}
	return (*in)->do_keyx(in, data, len);
}

static size_t
tls_sni_do_sign(const br_ssl_server_policy_class **pctx, unsigned algo_id,
    unsigned char *data, size_t hv_len, size_t len)
{
	struct erg_tls_sni_policy *p = (struct erg_tls_sni_policy *)pctx;
	const br_ssl_server_policy_class **in = p->sc->policy_vtable;

	if (in == pctx) {
		return 0;
	}
	return (*in)->do_sign(in, algo_id, data, hv_len, len);
}

static const br_ssl_server_policy_class tls_sni_policy_class = {
	sizeof(struct erg_tls_sni_policy),
	tls_sni_choose,
	tls_sni_do_keyx,
	tls_sni_do_sign,
};

/* ---- Accept ------------------------------------------------------------ */

int
erg_tls_accept(struct erg_tcp_conn *c, const struct erg_tls_server *srv,
    erg_tls_event_fn cb, void *ctx, struct erg_tls **out)
{
	br_ssl_server_context *sc;
	struct erg_tls *t;
	int e;

	if (c == NULL || srv == NULL || srv->certs == NULL || out == NULL) {
		return -ERG_EINVAL;
	}
	e = erg_tls_alloc(c, cb, ctx, &t);
	if (e != 0) {
		return e;
	}
	sc = &t->u.server.sc;
	br_ssl_server_zero(sc);
	t->eng = &sc->eng;
	t->srv = srv;
	t->flags |= TLSF_SERVER;
	erg_tls_engine_setup(t, srv->flags, srv->suites, srv->suites_n);
	br_ssl_engine_add_flags(t->eng, BR_OPT_ENFORCE_SERVER_PREFERENCES);
	t->u.server.pol.vtable = &tls_sni_policy_class;
	t->u.server.pol.srv = srv;
	t->u.server.pol.sc = sc;
	br_ssl_server_set_policy(sc, &t->u.server.pol.vtable);
	if (srv->cache_vtable != NULL) {
		br_ssl_server_set_cache(sc,
		    (const br_ssl_session_cache_class **)&srv->cache_vtable);
	}
	if (srv->alpn_n > 0) {
		/* BearSSL takes the array non-const; it only reads it. */
		br_ssl_engine_set_protocol_names(t->eng,
		    (const char **)(uintptr_t)srv->alpn, srv->alpn_n);
		br_ssl_engine_add_flags(t->eng, BR_OPT_FAIL_ON_ALPN_MISMATCH);
	}
	/*
	 * BearSSL's server reset leaves the version of the records it sends
	 * before one is chosen at 0 (its client reset sets it): the
	 * protocol_version alert refusing a TLS 1.0 client would go out as
	 * "version 0.0", which clients reject as not TLS (RFC 5246 6.2.1,
	 * E.1). The lowest version enabled is what they can read. Set
	 * after the reset, whose handshake code clears it.
	 */
	if (!br_ssl_server_reset(sc)) {
		erg_tls_free_unstarted(t);
		return -ERG_EINVAL;
	}
	sc->eng.version_out = sc->eng.version_min;
	erg_tls_start(t);
	*out = t;
	return 0;
}
