/*
 * tools/common/tool_stream.h: one byte stream, over a TCP connection or a
 * TLS session, for the code that does not care which (the HTTP server,
 * echo, erg-get's HTTP client).
 *
 * A tagged pair: exactly one of tcp and tls is set while the stream is
 * open, both NULL when it is not. Each call goes to erg_tcp_* or
 * erg_tls_*, which have the same shape (erg/tls.h); the differences
 * that remain are the callers' to know:
 *
 * - peek lends up to max views over TCP (whatever has arrived), but at
 *   most one over TLS (the rest of the current record): the next record
 *   shows only once this one is consumed. Code that needs to see more
 *   than one view at once (a message head split over records) must copy
 *   what it has seen, consume it and peek again.
 * - reserve lends one or two windows over TCP, one over TLS.
 * - Events differ (ERG_TCP_EV_* against ERG_TLS_EV_*): each side has
 *   its own callback, which then calls the same code.
 */
#ifndef TOOL_STREAM_H
#define TOOL_STREAM_H

#include <stdbool.h>
#include <stddef.h>

#include "erg/erg.h"
#include "erg/tls.h"

struct tool_stream {
	struct erg_tcp_conn *tcp; /* a plain TCP stream, or NULL */
	struct erg_tls *tls;      /* a TLS stream, or NULL */
};

/* A stream over TCP connection c, or TLS session t. */
static inline struct tool_stream
tool_stream_tcp(struct erg_tcp_conn *c)
{
	struct tool_stream st = { c, NULL };

	return st;
}

static inline struct tool_stream
tool_stream_tls(struct erg_tls *t)
{
	struct tool_stream st = { NULL, t };

	return st;
}

/* Whether the stream is open (either kind). */
static inline bool
tool_stream_open(const struct tool_stream *st)
{
	return st->tcp != NULL || st->tls != NULL;
}

/*
 * erg_tcp_peek / erg_tls_peek: up to max views (max >= 1) of data
 * ready; returns how many (0: none now, or the end of the stream) or
 * the stream's error.
 */
int tool_stream_peek(struct tool_stream *st, struct erg_view *v, unsigned max);

/* Releases the first n bytes peeked. Returns 0 or -ERG_EINVAL. */
int tool_stream_consume(struct tool_stream *st, size_t n);

/* Bytes a peek would lend now (TLS: the current record's rest). */
size_t tool_stream_readable(const struct tool_stream *st);

/* Copies up to len bytes in. Returns bytes taken, -ERG_EAGAIN or error. */
long tool_stream_write(struct tool_stream *st, const void *data, size_t len);

/*
 * Lends send space in place: up to two windows (w[0], w[1]); returns how
 * many (0: no room now, wait for ERG_EV_WRITABLE) or the error.
 */
int tool_stream_reserve(struct tool_stream *st, struct erg_wview w[2]);

/* Sends the first n bytes of what the last reserve lent. */
int tool_stream_commit(struct tool_stream *st, size_t n);

/* Ends the send side (TCP FIN, or TLS close_notify then FIN). */
int tool_stream_shutdown(struct tool_stream *st);

/*
 * Graceful close: unread input is consumed first (the services have no
 * use for it, and TCP would answer it with RST, RFC 2525 2.17), what
 * was written is still delivered. The stream is closed afterwards.
 * Returns the bytes of input thrown away.
 */
size_t tool_stream_close(struct tool_stream *st);

/* Reset (TCP RST; TLS: the connection under it). The stream is closed. */
void tool_stream_abort(struct tool_stream *st);

/* The stream's error: 0, an ERG_ETLS_* code or the TCP connection's. */
int tool_stream_error(struct tool_stream *st);

/* The TCP connection under the stream (for erg_tcp_info and options). */
struct erg_tcp_conn *tool_stream_conn(struct tool_stream *st);

#endif
