/*
 * tools/common/tool_stream.c: a byte stream over TCP or TLS (see
 * tool_stream.h).
 */
#include "common/tool_stream.h"

int
tool_stream_peek(struct tool_stream *st, struct erg_view *v, unsigned max)
{
	if (st->tls != NULL) {
		return erg_tls_peek(st->tls, v);
	}
	return erg_tcp_peek(st->tcp, v, max);
}

int
tool_stream_consume(struct tool_stream *st, size_t n)
{
	if (st->tls != NULL) {
		return erg_tls_consume(st->tls, n);
	}
	return erg_tcp_consume(st->tcp, n);
}

size_t
tool_stream_readable(const struct tool_stream *st)
{
	if (st->tls != NULL) {
		return erg_tls_readable(st->tls);
	}
	return erg_tcp_readable(st->tcp);
}

long
tool_stream_write(struct tool_stream *st, const void *data, size_t len)
{
	if (st->tls != NULL) {
		return erg_tls_write(st->tls, data, len);
	}
	return erg_tcp_write(st->tcp, data, len);
}

int
tool_stream_reserve(struct tool_stream *st, struct erg_wview w[2])
{
	if (st->tls != NULL) {
		return erg_tls_reserve(st->tls, &w[0]);
	}
	return erg_tcp_reserve(st->tcp, w);
}

int
tool_stream_commit(struct tool_stream *st, size_t n)
{
	if (st->tls != NULL) {
		return erg_tls_commit(st->tls, n);
	}
	return erg_tcp_commit(st->tcp, n);
}

int
tool_stream_shutdown(struct tool_stream *st)
{
	if (st->tls != NULL) {
		return erg_tls_shutdown(st->tls);
	}
	return erg_tcp_shutdown(st->tcp);
}

size_t
tool_stream_close(struct tool_stream *st)
{
	size_t n = tool_stream_readable(st);

	if (n > 0) {
		(void)tool_stream_consume(st, n);
	}
	if (st->tls != NULL) {
		/* It discards unread ciphertext itself. */
		erg_tls_close(st->tls);
	} else {
		erg_tcp_close(st->tcp);
	}
	st->tcp = NULL;
	st->tls = NULL;
	return n;
}

void
tool_stream_abort(struct tool_stream *st)
{
	if (st->tls != NULL) {
		erg_tls_abort(st->tls);
	} else if (st->tcp != NULL) {
		erg_tcp_abort(st->tcp);
	}
	st->tcp = NULL;
	st->tls = NULL;
}

int
tool_stream_error(struct tool_stream *st)
{
	if (st->tls != NULL) {
		return erg_tls_error(st->tls);
	}
	return erg_tcp_error(st->tcp);
}

struct erg_tcp_conn *
tool_stream_conn(struct tool_stream *st)
{
	if (st->tls != NULL) {
		return erg_tls_tcp(st->tls);
	}
	return st->tcp;
}
