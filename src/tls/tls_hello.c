/*
 * src/tls/tls_hello.c: the server name of a ClientHello, read before
 * BearSSL sees the record.
 *
 * Why: BearSSL looks a resumed session up in the cache as soon as it has
 * read the session ID, before the extensions, so the cache cannot ask
 * which name the client wants. RFC 6066 section 3 forbids resuming a
 * session under another name than the one it was made for, so the
 * server reads the name itself, from the first record as it passes
 * through, and resumes only from that name's certificate cache.
 *
 * The pump hands the first record's body to BearSSL in one piece when
 * TCP holds all of it (erg_tls_hello_ready waits for that, for bodies up
 * to 8 KiB), since BearSSL consumes an unencrypted record piece by piece
 * and the whole ClientHello is only ever in its buffer if it came whole.
 *
 * This parser only decides where to look for a session: anything it
 * cannot read (a ClientHello split over records, a malformed one) means
 * "no resumption", never a different certificate, and BearSSL still
 * parses and judges the whole message itself.
 */
#include "tls_int.h"

/* A bounded reader over [p, end). */
struct tls_rd {
	const uint8_t *p;
	const uint8_t *end;
};

static bool
rd_skip(struct tls_rd *r, size_t n)
{
	if ((size_t)(r->end - r->p) < n) {
		return false;
	}
	r->p += n;
	return true;
}

static bool
rd_u8(struct tls_rd *r, size_t *v)
{
	if (r->p >= r->end) {
		return false;
	}
	*v = *r->p++;
	return true;
}

static bool
rd_u16(struct tls_rd *r, size_t *v)
{
	if (r->end - r->p < 2) {
		return false;
	}
	*v = ((size_t)r->p[0] << 8) | r->p[1];
	r->p += 2;
	return true;
}

/* A sub-reader of the next n bytes (a length-prefixed vector). */
static bool
rd_sub(struct tls_rd *r, size_t n, struct tls_rd *sub)
{
	if ((size_t)(r->end - r->p) < n) {
		return false;
	}
	sub->p = r->p;
	sub->end = r->p + n;
	r->p += n;
	return true;
}

static bool
tls_has_nul(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] == 0) {
			return true;
		}
	}
	return false;
}

/* The host_name of a server_name extension body (RFC 6066 3). */
static int
tls_sni_ext(struct tls_rd *ext, char *out)
{
	struct tls_rd list;
	size_t n, type, len;

	if (!rd_u16(ext, &n) || !rd_sub(ext, n, &list)) {
		return -1;
	}
	while (list.p < list.end) {
		if (!rd_u8(&list, &type) || !rd_u16(&list, &len) ||
		    (size_t)(list.end - list.p) < len) {
			return -1;
		}
		if (type == 0) {
			if (len == 0 || len > ERG_TLS_NAME_MAX ||
			    tls_has_nul(list.p, len)) {
				return -1;
			}
			if (out[0] != '\0') {
				return -1; /* two names: BearSSL keeps the last
				            */
			}
			memcpy(out, list.p, len);
			out[len] = '\0';
		}
		list.p += len;
	}
	return out[0] != '\0' ? 0 : -1;
}

/*
 * Reads rec up to the ClientHello's extensions: 0 with *exts set, 1 when
 * it has none, -1 when rec is not one whole, well-formed ClientHello.
 */
static int
tls_hello_exts(const uint8_t *rec, size_t len, struct tls_rd *exts)
{
	struct tls_rd r = { rec, rec + len }, body;
	size_t v, n;

	/* Record header: handshake (22), a version, the length. */
	if (!rd_u8(&r, &v) || v != 22 || !rd_skip(&r, 2) || !rd_u16(&r, &n) ||
	    (size_t)(r.end - r.p) != n) {
		return -1;
	}
	/* One whole ClientHello (1) in this record. */
	if (!rd_u8(&r, &v) || v != 1 || !rd_u8(&r, &v) || v != 0 ||
	    !rd_u16(&r, &n) || !rd_sub(&r, n, &body)) {
		return -1;
	}
	/* client_version, random, session_id, cipher_suites, methods. */
	if (!rd_skip(&body, 2 + 32) || !rd_u8(&body, &n) || n > 32 ||
	    !rd_skip(&body, n) || !rd_u16(&body, &n) || !rd_skip(&body, n) ||
	    !rd_u8(&body, &n) || !rd_skip(&body, n)) {
		return -1;
	}
	if (body.p == body.end) {
		return 1;
	}
	if (!rd_u16(&body, &n) || !rd_sub(&body, n, exts)) {
		return -1;
	}
	return 0;
}

/* Whether name (NUL-terminated) is the n bytes at p. */
static bool
tls_name_is(const char *name, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if ((uint8_t)name[i] != p[i]) {
			return false;
		}
	}
	return name[n] == '\0';
}

/*
 * Why: BearSSL 0.6 checks the client's ALPN names against the server's
 * only on a full handshake. Resuming, it skips the check and writes the
 * name at index 0xFFFE (its "no match" marker, minus one) into the
 * ServerHello: an out-of-bounds read of protocol_names[], then a copy of
 * that name's length into its 512-byte pad. So a hello whose ALPN does
 * not match gets no session from the cache, and the full handshake
 * refuses it properly (no_application_protocol, RFC 7301 3.2).
 */
bool
erg_tls_hello_alpn_ok(const uint8_t *rec, size_t len, const char *const *names,
    unsigned n)
{
	struct tls_rd exts, ext, list;
	size_t type, elen, nlen;
	bool seen = false, match = false;
	unsigned i;
	int r;

	if (n == 0) {
		return true; /* BearSSL ignores the extension then */
	}
	r = tls_hello_exts(rec, len, &exts);
	if (r != 0) {
		return r == 1;
	}
	while (exts.p < exts.end) {
		if (!rd_u16(&exts, &type) || !rd_u16(&exts, &elen) ||
		    !rd_sub(&exts, elen, &ext)) {
			return false;
		}
		if (type != 0x0010) {
			continue;
		}
		if (seen || !rd_u16(&ext, &elen) ||
		    !rd_sub(&ext, elen, &list)) {
			return false;
		}
		seen = true;
		while (list.p < list.end) {
			if (!rd_u8(&list, &nlen) ||
			    (size_t)(list.end - list.p) < nlen) {
				return false;
			}
			for (i = 0; i < n; i++) {
				if (tls_name_is(names[i], list.p, nlen)) {
					match = true;
				}
			}
			list.p += nlen;
		}
	}
	return !seen || match;
}

int
erg_tls_hello_sni(const uint8_t *rec, size_t len, char *out)
{
	struct tls_rd exts, ext;
	size_t n, type;
	int r;

	out[0] = '\0';
	r = tls_hello_exts(rec, len, &exts);
	if (r != 0) {
		return r == 1 ? 0 : -1; /* no extensions: no name */
	}
	while (exts.p < exts.end) {
		if (!rd_u16(&exts, &type) || !rd_u16(&exts, &n) ||
		    !rd_sub(&exts, n, &ext)) {
			return -1;
		}
		if (type == 0 &&
		    (out[0] != '\0' || tls_sni_ext(&ext, out) != 0)) {
			out[0] = '\0';
			return -1; /* a second server_name, or a bad one */
		}
	}
	return 0;
}
