/*
 * tools/common/tool_tls.h: TLS for the tools (erg/tls.h): a server's
 * credentials from --cert/--key files, a client's trust anchors from
 * --cafile or the system's bundle, the wall clock for certificate
 * validity, and one-line descriptions of a session and of its errors.
 *
 * Files are read by the hosted helpers of netif/host/erg_host.h. Every
 * failure here is a file or its contents: one line "PROG: ..." on stderr
 * and exit TOOL_EXIT_RUNTIME, before the tool opens its device.
 */
#ifndef TOOL_TLS_H
#define TOOL_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "erg/erg.h"
#include "erg/tls.h"
#include "common/tool_options.h"

/* Entries of erg-echo's session cache (resumption by session ID). */
#define TOOL_TLS_CACHE 256u

/* The ALPN protocol both sides offer: HTTP/1.1 (RFC 7301 6). */
#define TOOL_TLS_ALPN_HTTP "http/1.1"

/*
 * Loads every --cert/--key group of o (the first the default, the others
 * chosen by their --cert-name) into a new server credential set of s's
 * store, offering ALPN "http/1.1" and a session cache of TOOL_TLS_CACHE
 * entries. Returns it (it lives as long as the stack); exits on failure.
 */
struct erg_tls_server *tool_tls_server_load(const struct tool_info *ti,
    const struct tool_options *o, struct erg_stack *s);

/*
 * The trust anchors of a client: --cafile FILE, or the system's bundle
 * (ERG_HOST_CA_BUNDLE) without it; NULL with --insecure. Exits on
 * failure, and when the file holds no certificate erg can use.
 */
struct erg_tls_trust *tool_tls_trust_load(const struct tool_info *ti,
    const struct tool_options *o, struct erg_stack *s);

/* Now, in seconds since 1970 (the wall clock), for certificate dates. */
uint64_t tool_tls_unix_time(void);

/*
 * Writes "NAME (what it means)" for an erg error of a TLS session into
 * buf (cap bytes): "ETLS_EXPIRED (certificate expired or not yet
 * valid)", with the alert's name for ERG_ETLS_ALERT when t (may be NULL)
 * received one.
 */
void tool_tls_strerror(char *buf, size_t cap, int err, const struct erg_tls *t);

/*
 * Writes one line about t's handshake into buf (cap bytes): "TLS 1.2,
 * ECDHE-ECDSA-AES128-GCM-SHA256, ALPN http/1.1, server name erg.test,
 * new session" (or "resumed session").
 */
void tool_tls_describe(char *buf, size_t cap, const struct erg_tls *t);

#endif
