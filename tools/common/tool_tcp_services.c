/*
 * tools/common/tool_tcp_services.c: erg-echo's TCP and TLS services
 * (see tool_tcp_services.h).
 *
 * Each connection is a slot driven by its socket's events: a pump per
 * service does what the buffers allow (reads what is readable, fills
 * what the send ring has room for) and returns; ERG_EV_WRITABLE or
 * ERG_EV_READABLE calls it again. Nothing blocks, nothing is queued
 * outside the stack's own buffers.
 *
 * The pumps work on a tool_stream, so that HTTPS is the HTTP code and
 * TLS echo the echo code; only accepting and the event callbacks know
 * TCP from TLS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tool_bytes.h"
#include "common/tool_tcp_services.h"

/* Views lent per peek. */
#define TOOL_TCP_PEEK_MAX 64u

/* What a service speaks, whether over TCP or inside TLS. */
enum tool_svc_kind {
	KIND_ECHO,
	KIND_DISCARD,
	KIND_CHARGEN,
	KIND_HTTP
};

static const struct {
	const char *name;
	uint16_t port;
	uint8_t kind; /* enum tool_svc_kind */
	bool tls;
} tool_svc_info[TOOL_SVC_COUNT] = {
	{ "tcp_echo", TOOL_TCP_PORT_ECHO, KIND_ECHO, false },
	{ "tcp_discard", TOOL_TCP_PORT_DISCARD, KIND_DISCARD, false },
	{ "tcp_chargen", TOOL_TCP_PORT_CHARGEN, KIND_CHARGEN, false },
	{ "http", TOOL_TCP_PORT_HTTP, KIND_HTTP, false },
	{ "https", TOOL_TCP_PORT_HTTPS, KIND_HTTP, true },
	{ "tls_echo", TOOL_TCP_PORT_TLSECHO, KIND_ECHO, true },
};

/* The statuses counted, in the order of http_status[]. */
static const unsigned tool_http_counted[7] = { 200, 400, 404, 405, 431, 501,
	505 };

/* Chargen phases. */
enum {
	CHARGEN_WAIT,
	CHARGEN_SEND
};

/* HTTP phases: read a request, send its response, skip its body. */
enum {
	HTTP_READ,
	HTTP_SEND,
	HTTP_SKIP
};

/* What an HTTP body is made of. */
enum {
	BODY_BYTES,
	BODY_PAGE,
	BODY_NOT_FOUND,
	BODY_ERROR
};

static const char tool_http_page[] =
    "<!DOCTYPE html>\n"
    "<html><head><title>erg-echo</title></head>\n"
    "<body><h1>erg-echo</h1>\n"
    "<p>An HTTP/1.1 server on the erg TCP/IP stack.</p>\n"
    "<p><a href=\"/bytes/1048576\">/bytes/N</a>: N deterministic bytes "
    "(tools/common/tool_bytes.h).</p>\n"
    "</body></html>\n";

static const char tool_http_not_found[] = "not found\n";
static const char tool_http_error[] = "bad request\n";

/* ---- slots ------------------------------------------------------------- */

static struct tool_tcp_slot *
tool_slot_get(struct tool_tcp_services *sv)
{
	struct tool_tcp_slot *slot = sv->free;

	if (slot == NULL) {
		return NULL;
	}
	sv->free = slot->next_free;
	memset(slot, 0, sizeof(*slot));
	slot->sv = sv;
	return slot;
}

/*
 * Returns a slot to the free list; its stream, already closed by the
 * caller (or never opened), was the services' and is no longer.
 */
static void
tool_slot_put(struct tool_tcp_slot *slot, bool was_open)
{
	struct tool_tcp_services *sv = slot->sv;

	if (was_open) {
		sv->open--;
		if (tool_svc_info[slot->svc].tls) {
			sv->tls_open--;
		}
	}
	free(slot->carry);
	slot->carry = NULL;
	slot->carry_len = 0;
	slot->st.tcp = NULL;
	slot->st.tls = NULL;
	slot->next_free = sv->free;
	sv->free = slot;
}

static struct tool_tcp_svc_stats *
tool_slot_stats(struct tool_tcp_slot *slot)
{
	return &slot->sv->st[slot->svc];
}

/*
 * Ends a connection normally: unread input is consumed (so that close
 * sends FIN, not RST; RFC 2525 2.17 applies to data the application
 * never saw, and the services have no use for it), and the stack
 * delivers what is queued, then finishes the FIN handshake on its own.
 */
static void
tool_slot_close(struct tool_tcp_slot *slot)
{
	tool_slot_stats(slot)->rx_bytes += tool_stream_close(&slot->st);
	tool_slot_stats(slot)->closed++;
	tool_slot_put(slot, true);
}

/*
 * Ends a connection normally, as tool_slot_close; but a TLS session
 * whose peer has not closed yet first sends close_notify and lingers
 * (TOOL_TLS_LINGER_MS at most) until the peer answers with its own
 * (RFC 5246 7.2.1) or a FIN: closed at once, the connection would meet
 * that answer with a RST.
 *
 * A TLS session is closed by tool_tcp_services_tick, after the round of
 * input that ended it, never from its own callback: erg_tls_close there,
 * as the peer's close_notify arrives, has TCP reset the connection.
 */
static void
tool_slot_end(struct tool_tcp_slot *slot)
{
	size_t n;

	if (slot->st.tls == NULL) {
		tool_slot_close(slot);
		return;
	}
	if (slot->peer_closed || slot->lingering) {
		slot->lingering = true;
		slot->deadline = 0; /* the next tick closes it */
		return;
	}
	n = tool_stream_readable(&slot->st);
	if (n > 0) {
		(void)tool_stream_consume(&slot->st, n);
		tool_slot_stats(slot)->rx_bytes += n;
	}
	slot->lingering = true;
	slot->deadline = tool_stream_shutdown(&slot->st) != 0 ?
	    0 :
	    erg_stack_now(slot->sv->s) + TOOL_TLS_LINGER_MS * 1000ull;
}

/*
 * Ends a connection the network ended (reset, timeout) or whose TLS
 * session failed: frees it (a TLS session still sends its alert).
 */
static void
tool_slot_drop(struct tool_tcp_slot *slot)
{
	(void)tool_stream_close(&slot->st);
	tool_slot_stats(slot)->reset++;
	tool_slot_put(slot, true);
}

/*
 * Consumes up to max readable bytes (over TLS, record after record);
 * returns how many.
 */
static uint64_t
tool_slot_discard(struct tool_tcp_slot *slot, uint64_t max)
{
	uint64_t done = 0;
	size_t n;

	/* Bounded: each round consumes bytes that have arrived. */
	while (done < max && (n = tool_stream_readable(&slot->st)) > 0) {
		if (n > max - done) {
			n = (size_t)(max - done);
		}
		if (tool_stream_consume(&slot->st, n) != 0) {
			break;
		}
		tool_slot_stats(slot)->rx_bytes += n;
		done += n;
	}
	return done;
}

/* Copies up to cap bytes from the front of the input, unconsumed. */
static size_t
tool_slot_peek_copy(struct tool_tcp_slot *slot, uint8_t *buf, size_t cap)
{
	struct erg_view v[TOOL_TCP_PEEK_MAX];
	size_t got = 0, k;
	int n, i;

	n = tool_stream_peek(&slot->st, v, TOOL_TCP_PEEK_MAX);
	for (i = 0; i < n && got < cap; i++) {
		k = v[i].len < cap - got ? v[i].len : cap - got;
		memcpy(buf + got, v[i].p, k);
		got += k;
	}
	return got;
}

/* Writes body bytes [off, off + len) of the slot's response to p. */
static void
tool_body_fill(const struct tool_tcp_slot *slot, uint8_t *p, size_t len,
    uint64_t off)
{
	const char *text;

	switch (slot->body) {
	case BODY_PAGE:
		text = tool_http_page;
		break;
	case BODY_NOT_FOUND:
		text = tool_http_not_found;
		break;
	case BODY_ERROR:
		text = tool_http_error;
		break;
	default:
		tool_bytes_fill(p, len, off);
		return;
	}
	memcpy(p, text + off, len);
}

/*
 * Queues the rest of the slot's response, the head (HTTP) then slot->left
 * body bytes generated in place, straight into the send ring, as far as
 * it has room: one commit per reserve, so that a small response leaves
 * in one segment. Returns 0 (done, or the ring is full: wait for
 * ERG_EV_WRITABLE) or the connection's error.
 */
static int
tool_slot_fill(struct tool_tcp_slot *slot)
{
	while (slot->head_off < slot->head_len || slot->left > 0) {
		struct erg_wview w[2];
		size_t hq = 0, bq = 0, k;
		int n, i, rc;

		n = tool_stream_reserve(&slot->st, w);
		if (n <= 0) {
			return n;
		}
		for (i = 0; i < n; i++) {
			uint8_t *p = w[i].p;
			size_t room = w[i].len;

			k = (size_t)(slot->head_len - slot->head_off) - hq;
			k = k < room ? k : room;
			memcpy(p, slot->head + slot->head_off + hq, k);
			hq += k;
			p += k;
			room -= k;
			k = slot->left - bq < room ? (size_t)(slot->left - bq) :
			                             room;
			tool_body_fill(slot, p, k, slot->off + bq);
			bq += k;
		}
		if (hq + bq == 0) {
			return 0;
		}
		rc = tool_stream_commit(&slot->st, hq + bq);
		if (rc < 0) {
			return rc;
		}
		slot->head_off = (uint16_t)(slot->head_off + hq);
		slot->off += bq;
		slot->left -= bq;
		tool_slot_stats(slot)->tx_bytes += hq + bq;
	}
	return 0;
}

/* ---- echo and discard ---------------------------------------------------- */

static void
tool_echo_pump(struct tool_tcp_slot *slot)
{
	struct erg_view v[TOOL_TCP_PEEK_MAX];
	int n, i;

	for (;;) {
		size_t took = 0;
		bool full = false;

		n = tool_stream_peek(&slot->st, v, TOOL_TCP_PEEK_MAX);
		if (n < 0) {
			tool_slot_drop(slot);
			return;
		}
		if (n == 0) {
			break;
		}
		for (i = 0; i < n && !full; i++) {
			long w = tool_stream_write(&slot->st, v[i].p, v[i].len);

			if (w == -ERG_EAGAIN) {
				full = true;
			} else if (w < 0) {
				(void)tool_stream_consume(&slot->st, took);
				tool_slot_drop(slot);
				return;
			} else {
				took += (size_t)w;
				full = (size_t)w < v[i].len;
			}
		}
		(void)tool_stream_consume(&slot->st, took);
		tool_slot_stats(slot)->rx_bytes += took;
		tool_slot_stats(slot)->tx_bytes += took;
		if (full) {
			return; /* the ring is full: ERG_EV_WRITABLE */
		}
	}
	if (slot->peer_closed) {
		tool_slot_end(slot);
	}
}

static void
tool_discard_pump(struct tool_tcp_slot *slot)
{
	(void)tool_slot_discard(slot, UINT64_MAX);
	if (slot->peer_closed) {
		tool_slot_end(slot);
	}
}

/* ---- chargen ------------------------------------------------------------ */

/*
 * The count of a first line "N\n" or "N\r\n" in buf[0..len): true with
 * *n and *used (the line's length), false if there is no whole line yet.
 * A line that is not a count (or a count over TOOL_BYTES_MAX) gives
 * TOOL_CHARGEN_MAX.
 */
static bool
tool_chargen_line(const uint8_t *buf, size_t len, uint64_t *n, size_t *used)
{
	const uint8_t *lf = memchr(buf, '\n', len);
	size_t k, end;
	uint64_t x = 0;

	if (lf == NULL) {
		return false;
	}
	*used = (size_t)(lf - buf) + 1;
	end = *used - 1;
	if (end > 0 && buf[end - 1] == '\r') {
		end--;
	}
	*n = TOOL_CHARGEN_MAX;
	if (end == 0 || end > 13) {
		return true;
	}
	for (k = 0; k < end; k++) {
		if (buf[k] < '0' || buf[k] > '9') {
			return true;
		}
		x = x * 10 + (uint64_t)(buf[k] - '0');
	}
	if (x <= TOOL_BYTES_MAX) {
		*n = x;
	}
	return true;
}

/* Longest first line looked at: 13 digits, CR, LF. */
#define TOOL_CHARGEN_LINE_MAX 16u

static void
tool_chargen_pump(struct tool_tcp_slot *slot)
{
	uint8_t buf[TOOL_CHARGEN_LINE_MAX];
	size_t got, used;
	uint64_t n;
	int rc;

	if (slot->phase == CHARGEN_WAIT) {
		got = tool_slot_peek_copy(slot, buf, sizeof(buf));
		if (tool_chargen_line(buf, got, &n, &used)) {
			(void)tool_stream_consume(&slot->st, used);
			tool_slot_stats(slot)->rx_bytes += used;
			slot->left = n;
		} else if (got == sizeof(buf) || slot->peer_closed) {
			slot->left = TOOL_CHARGEN_MAX; /* not a count */
		} else {
			return; /* a line may come: until the deadline */
		}
		slot->phase = CHARGEN_SEND;
	}
	(void)tool_slot_discard(slot, UINT64_MAX);
	rc = tool_slot_fill(slot);
	if (rc < 0) {
		tool_slot_drop(slot);
	} else if (slot->left == 0) {
		tool_slot_end(slot);
	}
}

/* ---- HTTP --------------------------------------------------------------- */

static void
tool_http_count(struct tool_tcp_services *sv, unsigned status)
{
	size_t k;

	for (k = 0;
	     k < sizeof(tool_http_counted) / sizeof(tool_http_counted[0]);
	     k++) {
		if (tool_http_counted[k] == status) {
			sv->http_status[k]++;
		}
	}
}

/*
 * Prepares the response: status, body, whether the connection ends after
 * it. keep is what the request asked (false for errors).
 */
static void
tool_http_respond(struct tool_tcp_slot *slot, unsigned status, bool head_req,
    unsigned version, bool keep, uint8_t body, uint64_t length)
{
	enum tool_http_conn conn = TOOL_HTTP_CONN_NONE;
	const char *ctype = "text/plain";

	tool_http_count(slot->sv, status);
	if (!keep) {
		conn = TOOL_HTTP_CONN_CLOSE;
	} else if (version == 10) {
		conn = TOOL_HTTP_CONN_KEEPALIVE;
	}
	if (body == BODY_BYTES) {
		ctype = "application/octet-stream";
	} else if (body == BODY_PAGE) {
		ctype = "text/html";
	}
	slot->head_len = (uint16_t)tool_http_resp_head(slot->head,
	    sizeof(slot->head), status, ctype, length, conn,
	    status == 405 ? "GET, HEAD" : NULL);
	slot->head_off = 0;
	slot->body = body;
	slot->off = 0;
	slot->left = head_req ? 0 : length;
	slot->close_after = !keep;
	slot->phase = HTTP_SEND;
}

/* An error response, after which the connection closes. */
static void
tool_http_fail(struct tool_tcp_slot *slot, unsigned status)
{
	tool_http_respond(slot, status, false, 11, false, BODY_ERROR,
	    sizeof(tool_http_error) - 1);
}

/* "/bytes/N", N decimal (1 to 13 digits) at most TOOL_BYTES_MAX. */
static bool
tool_http_bytes_path(struct erg_view path, uint64_t *n)
{
	static const char prefix[] = "/bytes/";
	const size_t plen = sizeof(prefix) - 1;
	uint64_t x = 0;
	size_t k;

	if (path.len <= plen || path.len > plen + 13 ||
	    memcmp(path.p, prefix, plen) != 0) {
		return false;
	}
	for (k = plen; k < path.len; k++) {
		if (path.p[k] < '0' || path.p[k] > '9') {
			return false;
		}
		x = x * 10 + (uint64_t)(path.p[k] - '0');
	}
	if (x > TOOL_BYTES_MAX) {
		return false;
	}
	*n = x;
	return true;
}

/* Routes a parsed request. */
static void
tool_http_route(struct tool_tcp_slot *slot, const struct tool_http_req *r)
{
	bool head = r->method == TOOL_HTTP_HEAD;
	uint64_t n;

	if (r->method == TOOL_HTTP_OTHER) {
		tool_http_respond(slot, 405, false, r->version, false,
		    BODY_ERROR, sizeof(tool_http_error) - 1);
		return;
	}
	slot->skip = r->content_length;
	if (r->path.len == 1 && r->path.p[0] == '/') {
		tool_http_respond(slot, 200, head, r->version, r->keep_alive,
		    BODY_PAGE, sizeof(tool_http_page) - 1);
	} else if (tool_http_bytes_path(r->path, &n)) {
		tool_http_respond(slot, 200, head, r->version, r->keep_alive,
		    BODY_BYTES, n);
	} else {
		tool_http_respond(slot, 404, head, r->version, r->keep_alive,
		    BODY_NOT_FOUND, sizeof(tool_http_not_found) - 1);
	}
}

/*
 * Skips the empty lines a request may follow (RFC 9112 2.2). Returns
 * false if the input holds nothing but those (all consumed).
 */
static bool
tool_http_skip_empty(struct tool_tcp_slot *slot)
{
	struct erg_view v[TOOL_TCP_PEEK_MAX];
	size_t lead = 0, k;
	int n, i;

	/* Bounded: each round consumes what it saw, or returns. */
	for (;;) {
		n = tool_stream_peek(&slot->st, v, TOOL_TCP_PEEK_MAX);
		if (n <= 0) {
			return false;
		}
		for (i = 0; i < n; i++) {
			for (k = 0; k < v[i].len; k++) {
				if (v[i].p[k] != '\r' && v[i].p[k] != '\n') {
					break;
				}
			}
			lead += k;
			if (k < v[i].len) {
				break;
			}
		}
		if (lead > 0) {
			(void)tool_stream_consume(&slot->st, lead);
			tool_slot_stats(slot)->rx_bytes += lead;
		}
		if (i < n) {
			return true;
		}
		lead = 0;
	}
}

/*
 * Moves the n views peeked (total bytes, the start of a head that has
 * not ended in them) to the slot's carry buffer and consumes them.
 * Returns false if the buffer cannot be had (out of memory).
 */
static bool
tool_http_carry(struct tool_tcp_slot *slot, const struct erg_view *v, int n,
    size_t total)
{
	size_t got = 0, k;
	int i;

	if (slot->carry == NULL) {
		slot->carry = malloc(TOOL_HTTP_HEAD_MAX);
		if (slot->carry == NULL) {
			return false;
		}
	}
	for (i = 0; i < n && got < total; i++) {
		k = v[i].len < total - got ? v[i].len : total - got;
		memcpy(slot->carry + slot->carry_len + got, v[i].p, k);
		got += k;
	}
	slot->carry_len = (uint16_t)(slot->carry_len + got);
	(void)tool_stream_consume(&slot->st, got);
	tool_slot_stats(slot)->rx_bytes += got;
	return true;
}

/*
 * Reads the next request head. Returns 1 when a response is prepared
 * (phase HTTP_SEND), 0 when more input is needed, -1 when the slot ended.
 *
 * A head is parsed where it lies when one view holds it, else gathered
 * once into the services' scratch buffer. One that has not ended in all
 * that a peek shows (over TLS a peek shows one record; over TCP at most
 * TOOL_TCP_PEEK_MAX segments) is moved to the slot's carry buffer, so
 * that the next records or segments can be seen; the search for its end
 * goes on from there.
 */
static int
tool_http_read(struct tool_tcp_slot *slot)
{
	struct tool_tcp_services *sv = slot->sv;
	struct erg_view v[TOOL_TCP_PEEK_MAX];
	struct tool_http_req req;
	const uint8_t *head;
	size_t end, total, room, k, len;
	unsigned status;
	int n, i;

	if (slot->carry_len == 0) {
		if (!tool_http_skip_empty(slot)) {
			if (slot->peer_closed) {
				tool_slot_end(slot);
				return -1;
			}
			return 0;
		}
		tool_http_scan_init(&slot->scan);
	}
	/* Bounded: each round carries bytes, at most TOOL_HTTP_HEAD_MAX. */
	for (;;) {
		room = TOOL_HTTP_HEAD_MAX - slot->carry_len;
		end = 0;
		total = 0;
		n = tool_stream_peek(&slot->st, v, TOOL_TCP_PEEK_MAX);
		for (i = 0; i < n && end == 0 && total < room; i++) {
			len = v[i].len < room - total ? v[i].len : room - total;
			k = tool_http_scan(&slot->scan, v[i].p, len);
			if (k > 0) {
				end = total + k;
			} else {
				total += len;
			}
		}
		if (end > 0) {
			break;
		}
		if (slot->carry_len + total >= TOOL_HTTP_HEAD_MAX) {
			sv->http_requests++;
			tool_http_fail(slot, 431); /* too large */
			return 1;
		}
		if (slot->peer_closed) {
			tool_slot_end(slot); /* a request cut short */
			return -1;
		}
		if (total == 0) {
			return 0;
		}
		if (!tool_http_carry(slot, v, n, total)) {
			tool_slot_drop(slot);
			return -1;
		}
	}
	if (slot->carry_len > 0) {
		/* The head's end joins its start in the carry buffer. */
		total = 0;
		for (i = 0; total < end; i++) {
			k = v[i].len < end - total ? v[i].len : end - total;
			memcpy(slot->carry + slot->carry_len + total, v[i].p,
			    k);
			total += k;
		}
		head = slot->carry;
	} else if (end <= v[0].len) {
		head = v[0].p;
	} else {
		total = 0;
		for (i = 0; total < end; i++) {
			k = v[i].len < end - total ? v[i].len : end - total;
			memcpy(sv->scratch + total, v[i].p, k);
			total += k;
		}
		head = sv->scratch;
	}
	sv->http_requests++;
	status = tool_http_req_parse(&req, head, slot->carry_len + end);
	if (status == 0) {
		tool_http_route(slot, &req);
	}
	/* After routing: the request's views point into the input. */
	(void)tool_stream_consume(&slot->st, end);
	tool_slot_stats(slot)->rx_bytes += end;
	slot->carry_len = 0;
	if (status != 0) {
		tool_http_fail(slot, status);
	}
	return 1;
}

static void
tool_http_pump(struct tool_tcp_slot *slot)
{
	int rc;

	slot->deadline =
	    erg_stack_now(slot->sv->s) + TOOL_HTTP_IDLE_MS * 1000ull;
	for (;;) {
		switch (slot->phase) {
		case HTTP_READ:
			if (tool_http_read(slot) <= 0) {
				return;
			}
			break;
		case HTTP_SEND:
			rc = tool_slot_fill(slot);
			if (rc < 0) {
				tool_slot_drop(slot);
				return;
			}
			if (slot->head_off < slot->head_len || slot->left > 0) {
				return; /* ERG_EV_WRITABLE */
			}
			if (slot->close_after) {
				tool_slot_end(slot);
				return;
			}
			slot->phase = HTTP_SKIP;
			break;
		default: /* HTTP_SKIP */
			slot->skip -= tool_slot_discard(slot, slot->skip);
			if (slot->skip > 0) {
				if (slot->peer_closed) {
					tool_slot_end(slot);
				}
				return;
			}
			slot->phase = HTTP_READ;
			break;
		}
	}
}

/* ---- events ---------------------------------------------------------------
 */

static void
tool_slot_pump(struct tool_tcp_slot *slot)
{
	switch (tool_svc_info[slot->svc].kind) {
	case KIND_ECHO:
		tool_echo_pump(slot);
		break;
	case KIND_DISCARD:
		tool_discard_pump(slot);
		break;
	case KIND_CHARGEN:
		tool_chargen_pump(slot);
		break;
	default:
		tool_http_pump(slot);
		break;
	}
}

static void
tool_tcp_on_event(struct erg_tcp_conn *c, unsigned events, void *ctx)
{
	struct tool_tcp_slot *slot = ctx;

	if (slot->st.tcp != c) {
		return;
	}
	if ((events & (ERG_TCP_EV_RESET | ERG_TCP_EV_TIMEDOUT)) != 0) {
		tool_slot_drop(slot);
		return;
	}
	if ((events & ERG_EV_ERROR) != 0) {
		/* A soft ICMP error: reading it clears it; TCP goes on. */
		(void)erg_tcp_error(c);
	}
	if ((events & ERG_TCP_EV_PEER_CLOSED) != 0) {
		slot->peer_closed = true;
	}
	tool_slot_pump(slot);
}

static void
tool_tls_on_event(struct erg_tls *t, unsigned events, void *ctx)
{
	struct tool_tcp_slot *slot = ctx;
	struct erg_tls_info info;
	int err;

	if (slot->st.tls != t) {
		return;
	}
	if (slot->lingering) {
		/* close_notify sent: the peer's answer (or a FIN) ends it. */
		if ((events & (ERG_TLS_EV_CLOSED | ERG_EV_ERROR)) != 0) {
			slot->deadline = 0; /* the next tick closes it */
		} else {
			(void)tool_slot_discard(slot, UINT64_MAX);
		}
		return;
	}
	if ((events & (ERG_TLS_EV_CLOSED | ERG_EV_ERROR)) != 0) {
		/*
		 * A session that failed is over. One the client closed
		 * without close_notify after the handshake is served what
		 * came before, as a TCP FIN would be (HTTP knows where its
		 * requests end).
		 */
		err = erg_tls_error(t);
		erg_tls_info(t, &info);
		if (err != 0 &&
		    (err != -ERG_ETLS_TRUNCATED || !info.handshake_done)) {
			tool_slot_drop(slot);
			return;
		}
		slot->peer_closed = true;
	}
	tool_slot_pump(slot);
}

/*
 * Starts slot's stream on c, a connection just accepted for service
 * svc: plain, or a TLS session on it. Returns false (c reset) when no
 * TLS session is free (sessions closed by the services may still be
 * sending their close_notify).
 */
static bool
tool_slot_start(struct tool_tcp_services *sv, struct tool_tcp_slot *slot,
    unsigned svc, struct erg_tcp_conn *c)
{
	struct erg_tls *t;

	slot->svc = (uint8_t)svc;
	if (!tool_svc_info[svc].tls) {
		slot->st = tool_stream_tcp(c);
		return true;
	}
	/*
	 * TLS commits each record whole: Nagle would only hold its last
	 * segment back for an ACK that the peer delays.
	 */
	erg_tcp_set_nodelay(c, true);
	if (erg_tls_accept(c, sv->tls, tool_tls_on_event, slot, &t) != 0) {
		sv->tls_no_session++;
		erg_tcp_abort(c);
		return false;
	}
	slot->st = tool_stream_tls(t);
	sv->tls_open++;
	return true;
}

/* Takes every connection waiting on service svc's listener. */
static void
tool_tcp_accept_all(struct tool_tcp_services *sv, unsigned svc)
{
	for (;;) {
		struct tool_tcp_slot *slot;
		struct erg_tcp_conn *c;

		if (tool_svc_info[svc].tls && sv->tls_open >= sv->tls_max) {
			/* Wait in the backlog for a session to end. */
			sv->tls_no_session++;
			sv->accept_pending = true;
			return;
		}
		slot = tool_slot_get(sv);
		if (slot == NULL) {
			sv->no_slot++;
			sv->accept_pending = true;
			return;
		}
		/* A TLS session takes the connection's events over. */
		if (erg_tcp_accept(sv->lst[svc],
		        tool_svc_info[svc].tls ? NULL : tool_tcp_on_event, slot,
		        &c) != 0) {
			tool_slot_put(slot, false);
			return;
		}
		if (!tool_slot_start(sv, slot, svc, c)) {
			tool_slot_put(slot, false);
			continue;
		}
		sv->open++;
		if (sv->open > sv->open_max) {
			sv->open_max = sv->open;
		}
		sv->st[svc].accepted++;
		if (svc == TOOL_SVC_HTTP) {
			/*
			 * A response is committed whole where the ring has
			 * room: its last, short segment must not wait for
			 * the ACK of the others (Nagle), which the client
			 * delays (up to 40 ms on Linux) while it waits for
			 * the rest: keep-alive would crawl.
			 */
			erg_tcp_set_nodelay(c, true);
		} else if (svc == TOOL_SVC_CHARGEN) {
			slot->phase = CHARGEN_WAIT;
			slot->deadline = erg_stack_now(sv->s) +
			    TOOL_CHARGEN_WAIT_MS * 1000ull;
		}
		/* Data may have come with the handshake's end. */
		tool_slot_pump(slot);
	}
}

static void
tool_tcp_on_listen(struct erg_tcp_listener *l, unsigned events, void *ctx)
{
	struct tool_tcp_lctx *lc = ctx;

	(void)l;
	if ((events & ERG_TCP_EV_ACCEPT) != 0) {
		tool_tcp_accept_all(lc->sv, lc->svc);
	}
}

/* Opens the listener of service i. */
static int
tool_svc_listen(struct tool_tcp_services *sv, unsigned i)
{
	sv->lctx[i].sv = sv;
	sv->lctx[i].svc = i;
	return erg_tcp_listen(sv->s, ERG_IPV4_ANY, tool_svc_info[i].port,
	    TOOL_TCP_BACKLOG, tool_tcp_on_listen, &sv->lctx[i], &sv->lst[i]);
}

int
tool_tcp_services_start(struct tool_tcp_services *sv, struct erg_stack *s)
{
	unsigned i;
	int rc = 0;

	memset(sv, 0, sizeof(*sv));
	sv->s = s;
	for (i = TOOL_TCP_CONNS; i-- > 0;) {
		sv->slot[i].sv = sv;
		sv->slot[i].next_free = sv->free;
		sv->free = &sv->slot[i];
	}
	for (i = 0; i < TOOL_SVC_COUNT && rc == 0; i++) {
		if (!tool_svc_info[i].tls) {
			rc = tool_svc_listen(sv, i);
		}
	}
	if (rc != 0) {
		tool_tcp_services_stop(sv);
	}
	return rc;
}

int
tool_tcp_services_tls(struct tool_tcp_services *sv,
    const struct erg_tls_server *srv, unsigned max)
{
	unsigned i;
	int rc = 0;

	sv->tls = srv;
	sv->tls_max = max;
	for (i = 0; i < TOOL_SVC_COUNT && rc == 0; i++) {
		if (tool_svc_info[i].tls) {
			rc = tool_svc_listen(sv, i);
		}
	}
	for (i = 0; i < TOOL_SVC_COUNT && rc != 0; i++) {
		if (tool_svc_info[i].tls && sv->lst[i] != NULL) {
			erg_tcp_listener_close(sv->lst[i]);
			sv->lst[i] = NULL;
		}
	}
	return rc;
}

uint64_t
tool_tcp_services_tick(struct tool_tcp_services *sv, uint64_t now)
{
	uint64_t next = ERG_TIME_NEVER;
	unsigned i;

	if (sv->accept_pending) {
		sv->accept_pending = false;
		for (i = 0; i < TOOL_SVC_COUNT; i++) {
			if (sv->lst[i] != NULL) {
				tool_tcp_accept_all(sv, i);
			}
		}
	}
	for (i = 0; i < TOOL_TCP_CONNS; i++) {
		struct tool_tcp_slot *slot = &sv->slot[i];
		unsigned kind;
		bool waiting;

		if (!tool_stream_open(&slot->st)) {
			continue;
		}
		if (slot->lingering) {
			if (slot->deadline > now) {
				next = slot->deadline < next ? slot->deadline :
				                               next;
			} else {
				/* The peer answered, or did not in time. */
				tool_slot_close(slot);
			}
			continue;
		}
		kind = tool_svc_info[slot->svc].kind;
		/* HTTP_READ covers a TLS handshake that never ends too. */
		waiting =
		    (kind == KIND_CHARGEN && slot->phase == CHARGEN_WAIT) ||
		    (kind == KIND_HTTP && slot->phase == HTTP_READ);
		if (!waiting) {
			continue;
		}
		if (slot->deadline > now) {
			next = slot->deadline < next ? slot->deadline : next;
		} else if (kind == KIND_CHARGEN) {
			/* No count came: chargen without one. */
			slot->left = TOOL_CHARGEN_MAX;
			slot->phase = CHARGEN_SEND;
			tool_slot_pump(slot);
		} else {
			tool_slot_end(slot); /* idle */
		}
	}
	return next;
}

void
tool_tcp_services_stats_foreach(const struct tool_tcp_services *sv,
    void (*fn)(void *ctx, const char *name, uint64_t value), void *ctx)
{
	char name[64];
	unsigned i;

	fn(ctx, "tcp_services.open", sv->open);
	fn(ctx, "tcp_services.open_max", sv->open_max);
	fn(ctx, "tcp_services.no_slot", sv->no_slot);
	fn(ctx, "tcp_services.tls_no_session", sv->tls_no_session);
	for (i = 0; i < TOOL_SVC_COUNT; i++) {
		const struct tool_tcp_svc_stats *st = &sv->st[i];
		const char *p = tool_svc_info[i].name;

		(void)snprintf(name, sizeof(name), "%s.accepted", p);
		fn(ctx, name, st->accepted);
		(void)snprintf(name, sizeof(name), "%s.closed", p);
		fn(ctx, name, st->closed);
		(void)snprintf(name, sizeof(name), "%s.reset", p);
		fn(ctx, name, st->reset);
		(void)snprintf(name, sizeof(name), "%s.rx_bytes", p);
		fn(ctx, name, st->rx_bytes);
		(void)snprintf(name, sizeof(name), "%s.tx_bytes", p);
		fn(ctx, name, st->tx_bytes);
	}
	fn(ctx, "http.requests", sv->http_requests);
	for (i = 0;
	     i < sizeof(tool_http_counted) / sizeof(tool_http_counted[0]);
	     i++) {
		(void)snprintf(name, sizeof(name), "http.status_%u",
		    tool_http_counted[i]);
		fn(ctx, name, sv->http_status[i]);
	}
}

void
tool_tcp_services_stop(struct tool_tcp_services *sv)
{
	unsigned i;

	for (i = 0; i < TOOL_SVC_COUNT; i++) {
		if (sv->lst[i] != NULL) {
			erg_tcp_listener_close(sv->lst[i]);
			sv->lst[i] = NULL;
		}
	}
	for (i = 0; i < TOOL_TCP_CONNS; i++) {
		if (tool_stream_open(&sv->slot[i].st)) {
			tool_stream_abort(&sv->slot[i].st);
			tool_slot_put(&sv->slot[i], true);
		}
	}
}
