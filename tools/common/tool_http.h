/*
 * tools/common/tool_http.h: the HTTP/1.1 (RFC 9110, RFC 9112) pieces of
 * erg-echo's server and of erg-get: finding the end of a message head in
 * a stream that arrives in pieces, parsing request and response heads,
 * writing a response head, and decoding the chunked transfer coding.
 *
 * Pure functions of bytes: no allocation, no I/O, every loop bounded by
 * the input's length. A head is parsed where it lies (one contiguous
 * buffer, at most TOOL_HTTP_HEAD_MAX or TOOL_HTTP_RESP_HEAD_MAX bytes);
 * the views a parse fills point into that buffer.
 *
 * Strictness (RFC 9112): lines end in CRLF or a bare LF; a bare CR, a
 * control character in a field, a space before a field's colon, an
 * obsolete line folding, an HTTP/1.1 request without exactly one Host, a
 * bad or conflicting Content-Length are all malformed (400). Leading empty
 * lines before a request line are the caller's to skip (2.2).
 */
#ifndef TOOL_HTTP_H
#define TOOL_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "erg/view.h"

/* Largest request head erg-echo reads: beyond it, 431. */
#define TOOL_HTTP_HEAD_MAX 8192u
/* Largest response head erg-get reads. */
#define TOOL_HTTP_RESP_HEAD_MAX 16384u
/* Largest Content-Length or chunk size taken (2^60). */
#define TOOL_HTTP_LENGTH_MAX (1ull << 60)

/*
 * Finds the empty line that ends a head, across pieces: feed the bytes in
 * order. Zero it (or tool_http_scan_init) before the first piece.
 */
struct tool_http_scan {
	uint64_t n;  /* bytes fed so far */
	unsigned st; /* 0 in a line, 1 after LF, 2 after LF CR */
};

void tool_http_scan_init(struct tool_http_scan *sc);

/*
 * Feeds p[0..len). Returns how many bytes of p the head still takes,
 * terminator included, if it ends in them, or 0 if it does not (all len
 * taken; sc->n counts them).
 */
size_t tool_http_scan(struct tool_http_scan *sc, const uint8_t *p, size_t len);

enum tool_http_method {
	TOOL_HTTP_GET,
	TOOL_HTTP_HEAD,
	TOOL_HTTP_OTHER /* a well-formed method this server does not do */
};

struct tool_http_req {
	enum tool_http_method method;
	struct erg_view method_name;
	struct erg_view target; /* as sent */
	struct erg_view path;   /* target less "http://host" and "?query" */
	unsigned version;       /* 10 or 11 (1.x, x > 1, is taken as 11) */
	bool keep_alive; /* what the client asked (version, Connection) */
	bool have_body;  /* Content-Length given */
	uint64_t content_length;
};

/*
 * Parses the request head p[0..len) (request line through the empty
 * line). Returns 0, or the status the server answers with: 400 (malformed),
 * 501 (a Transfer-Encoding: this server reads no coded request body), 505
 * (HTTP major version other than 1).
 */
unsigned tool_http_req_parse(struct tool_http_req *r, const uint8_t *p,
    size_t len);

struct tool_http_resp {
	unsigned version;            /* 10 or 11 */
	unsigned status;             /* 100..599 */
	struct erg_view status_line; /* without CRLF */
	bool chunked;                /* Transfer-Encoding ends in chunked */
	bool until_close;            /* no length: ends with the connection */
	bool have_length;
	uint64_t content_length;
	bool close; /* Connection: close */
};

/*
 * Parses the response head p[0..len). Returns 0 or -1 (malformed: a bad
 * status line or field, conflicting lengths).
 */
int tool_http_resp_parse(struct tool_http_resp *r, const uint8_t *p,
    size_t len);

/* Whether a response to a request with method has a body (RFC 9110 6.4.1). */
bool tool_http_resp_has_body(unsigned status, bool head_request);

/* The reason phrase for status ("Not Found"), "Unknown" for others. */
const char *tool_http_reason(unsigned status);

/* What a response head says about the connection. */
enum tool_http_conn {
	TOOL_HTTP_CONN_NONE,      /* nothing: HTTP/1.1's persistence */
	TOOL_HTTP_CONN_CLOSE,     /* Connection: close */
	TOOL_HTTP_CONN_KEEPALIVE, /* Connection: keep-alive (HTTP/1.0) */
};

/*
 * Writes an HTTP/1.1 response head into buf[0..cap): the status line,
 * Server, Content-Type (if ctype is not NULL), Content-Length, Connection,
 * Allow (if allow is not NULL) and the empty line. Returns its length, or
 * 0 if it does not fit.
 */
size_t tool_http_resp_head(char *buf, size_t cap, unsigned status,
    const char *ctype, uint64_t length, enum tool_http_conn conn,
    const char *allow);

/* Chunked transfer coding (RFC 9112 7.1): an incremental decoder. */
struct tool_http_chunked {
	unsigned st;
	uint64_t left;    /* data bytes left in this chunk, or its size */
	unsigned digits;  /* of the size read */
	unsigned skip;    /* bytes of an extension or trailer line */
	uint64_t trailer; /* bytes of trailer fields */
};

void tool_http_chunked_init(struct tool_http_chunked *ch);

/*
 * Decodes from *in (advancing it). Returns 1 with *data, a piece of body
 * inside *in's old window; 0 when *in is used up and more is needed; 2 at
 * the end of the body (*in is advanced past the final CRLF; what follows
 * belongs to the next message); -1 if the coding is malformed.
 */
int tool_http_chunked_step(struct tool_http_chunked *ch, struct erg_view *in,
    struct erg_view *data);

#endif
