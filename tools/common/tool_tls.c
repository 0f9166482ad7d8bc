/*
 * tools/common/tool_tls.c: credentials, trust and messages for the
 * tools' TLS (see tool_tls.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/erg_host.h"
#include "common/tool_tls.h"

static const char *const tool_tls_alpn[] = { TOOL_TLS_ALPN_HTTP };

/* Reads file for option opt ("--cert"), or exits with one line. */
static void
tool_tls_read(const struct tool_info *ti, const char *opt, const char *file,
    void **buf, size_t *len)
{
	if (erg_host_read_file(file, buf, len) != 0) {
		tool_die(ti, TOOL_EXIT_RUNTIME, "%s %s: %s", opt, file,
		    strerror(errno));
	}
}

/* What erg_tls_server_add_cert's errors mean for the files given. */
static const char *
tool_tls_cert_why(int rc)
{
	switch (-rc) {
	case ERG_EMALFORMED:
		return "not a PEM or DER certificate chain and private key, "
		       "or the key does not match the certificate";
	case ERG_EUNSUPPORTED:
		return "a key erg cannot use: ECDSA P-256, P-384, P-521 and "
		       "RSA 2048 to 4096 bits only";
	case ERG_ENOMEM:
		return "the TLS store is full";
	default:
		return "refused";
	}
}

struct erg_tls_server *
tool_tls_server_load(const struct tool_info *ti, const struct tool_options *o,
    struct erg_stack *s)
{
	struct erg_tls_server_opts so;
	struct erg_tls_server *srv;
	void *chain, *key;
	size_t chain_len, key_len;
	unsigned i;
	int rc;

	memset(&so, 0, sizeof(so));
	so.alpn = tool_tls_alpn;
	so.alpn_n = 1;
	so.cache_entries = TOOL_TLS_CACHE;
	rc = erg_tls_server_new(s, &so, &srv);
	if (rc != 0) {
		tool_die(ti, TOOL_EXIT_RUNTIME,
		    "cannot set up the TLS server: %s", erg_strerror(rc));
	}
	for (i = 0; i < o->ncerts; i++) {
		const struct tool_cert_opt *c = &o->cert[i];

		tool_tls_read(ti, "--cert", c->cert, &chain, &chain_len);
		tool_tls_read(ti, "--key", c->key, &key, &key_len);
		rc = erg_tls_server_add_cert(srv, c->name, chain, chain_len,
		    key, key_len);
		/* The key's bytes: gone before anything else can fail. */
		memset(key, 0, key_len);
		free(key);
		free(chain);
		if (rc != 0) {
			tool_die(ti, TOOL_EXIT_RUNTIME,
			    "--cert %s --key %s: %s (%s)", c->cert, c->key,
			    erg_strerror(rc), tool_tls_cert_why(rc));
		}
	}
	return srv;
}

struct erg_tls_trust *
tool_tls_trust_load(const struct tool_info *ti, const struct tool_options *o,
    struct erg_stack *s)
{
	struct erg_tls_trust *tr;
	const char *file = o->cafile != NULL ? o->cafile : ERG_HOST_CA_BUNDLE;
	const char *what = o->cafile != NULL ? "--cafile " :
	                                       "the system's CA "
	                                       "bundle ";
	int rc;

	if (o->insecure) {
		return NULL;
	}
	rc = erg_tls_trust_new(s, &tr);
	if (rc != 0) {
		tool_die(ti, TOOL_EXIT_RUNTIME,
		    "cannot set up the TLS trust store: %s", erg_strerror(rc));
	}
	rc = erg_host_tls_trust_load_file(tr, file);
	if (rc == -ERG_HOST_EFILE) {
		tool_die(ti, TOOL_EXIT_RUNTIME, "%s%s: %s%s", what, file,
		    strerror(errno),
		    o->cafile != NULL ? "" :
		                        " (install ca-certificates, or give "
		                        "--cafile FILE)");
	}
	if (rc == -ERG_EMALFORMED || rc == 0) {
		tool_die(ti, TOOL_EXIT_RUNTIME, "%s%s: %s", what, file,
		    rc == 0 ? "no certificate erg can use as a trust anchor" :
		              "no PEM or DER certificate in it (EMALFORMED)");
	}
	if (rc < 0) {
		tool_die(ti, TOOL_EXIT_RUNTIME, "%s%s: %s", what, file,
		    rc == -ERG_ENOMEM ? "too many certificates: the TLS store "
		                        "is full (ENOMEM)" :
		                        erg_strerror(rc));
	}
	return tr;
}

uint64_t
tool_tls_unix_time(void)
{
	int64_t t = (int64_t)erg_host_now_us() + erg_host_wall_offset_us();

	return t > 0 ? (uint64_t)t / 1000000u : 0;
}

/* TLS alert names (RFC 5246 7.2, RFC 6066, RFC 7301). */
static const char *
tool_tls_alert_name(unsigned a)
{
	static const struct {
		uint8_t code;
		const char *name;
	} names[] = {
		{ 0, "close_notify" },
		{ 10, "unexpected_message" },
		{ 20, "bad_record_mac" },
		{ 22, "record_overflow" },
		{ 40, "handshake_failure" },
		{ 42, "bad_certificate" },
		{ 43, "unsupported_certificate" },
		{ 44, "certificate_revoked" },
		{ 45, "certificate_expired" },
		{ 46, "certificate_unknown" },
		{ 47, "illegal_parameter" },
		{ 48, "unknown_ca" },
		{ 49, "access_denied" },
		{ 50, "decode_error" },
		{ 51, "decrypt_error" },
		{ 70, "protocol_version" },
		{ 71, "insufficient_security" },
		{ 80, "internal_error" },
		{ 86, "inappropriate_fallback" },
		{ 90, "user_canceled" },
		{ 100, "no_renegotiation" },
		{ 110, "unsupported_extension" },
		{ 112, "unrecognized_name" },
		{ 120, "no_application_protocol" },
	};
	size_t k;

	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		if (names[k].code == a) {
			return names[k].name;
		}
	}
	return "unknown alert";
}

void
tool_tls_strerror(char *buf, size_t cap, int err, const struct erg_tls *t)
{
	struct erg_tls_info info;
	const char *why;

	switch (err < 0 ? -err : err) {
	case ERG_ETLS_HANDSHAKE:
		why = "no protocol version, cipher suite or curve in common";
		break;
	case ERG_ETLS_BADCERT:
		why = "certificate malformed, or a signature does not verify";
		break;
	case ERG_ETLS_HOSTNAME:
		why = "certificate not for this server name";
		break;
	case ERG_ETLS_EXPIRED:
		why = "certificate expired or not yet valid";
		break;
	case ERG_ETLS_UNKNOWNCA:
		why = "certificate chain leads to no trusted CA";
		break;
	case ERG_ETLS_ALERT:
		if (t != NULL) {
			erg_tls_info(t, &info);
			(void)snprintf(buf, cap,
			    "%s (the peer sent alert %u, %s)",
			    erg_strerror(err), (unsigned)info.alert,
			    tool_tls_alert_name(info.alert));
			return;
		}
		why = "the peer sent a fatal alert";
		break;
	case ERG_ETLS_PROTOCOL:
		why = "bad record, MAC or message order";
		break;
	case ERG_ETLS_TRUNCATED:
		why = "the connection closed without close_notify";
		break;
	case ERG_ECONNRESET:
		why = "connection reset";
		break;
	case ERG_ECONNREFUSED:
		why = "connection refused";
		break;
	case ERG_ETIMEDOUT:
		why = "timed out";
		break;
	case ERG_EHOSTUNREACH:
		why = "host unreachable";
		break;
	default:
		(void)snprintf(buf, cap, "%s", erg_strerror(err));
		return;
	}
	(void)snprintf(buf, cap, "%s (%s)", erg_strerror(err), why);
}

void
tool_tls_describe(char *buf, size_t cap, const struct erg_tls *t)
{
	struct erg_tls_info info;
	char version[16];

	erg_tls_info(t, &info);
	if (info.version >= 0x0301 && info.version <= 0x0304) {
		(void)snprintf(version, sizeof(version), "TLS 1.%u",
		    (unsigned)(info.version - 0x0301));
	} else {
		(void)snprintf(version, sizeof(version), "version 0x%04x",
		    (unsigned)info.version);
	}
	(void)snprintf(buf, cap, "%s, %s, ALPN %s, server name %s, %s session",
	    version, info.cipher_name != NULL ? info.cipher_name : "?",
	    info.alpn != NULL ? info.alpn : "none",
	    info.server_name != NULL ? info.server_name : "none",
	    info.resumed ? "resumed" : "new");
}
