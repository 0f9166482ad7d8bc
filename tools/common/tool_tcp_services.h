/*
 * tools/common/tool_tcp_services.h: erg-echo's TCP and TLS services.
 *
 * Services, on every address of the stack:
 *
 * - echo (RFC 862), port 7: every byte goes back, in order. Read in
 *   place (erg_tcp_peek/consume), copied once into the send ring.
 * - discard (RFC 863), port 9: every byte is consumed unread.
 * - chargen (RFC 864), port 19: sends tool_bytes.h's stream. If the
 *   client's first line is a decimal number N (then LF or CRLF), exactly
 *   N bytes (at most 2^40), then the connection is closed; if it sends
 *   anything else, or nothing for TOOL_CHARGEN_WAIT_MS, up to 1 GiB
 *   (TOOL_CHARGEN_MAX) or until the client resets. Input after the first
 *   line is discarded. The bytes are generated straight into the send
 *   ring (erg_tcp_reserve / erg_tcp_commit).
 * - HTTP/1.1 (RFC 9110, 9112), port 80, with persistent connections and
 *   pipelining (requests answered in order, one at a time; the next is
 *   read once the previous response is queued):
 *     GET /bytes/N   N bytes of tool_bytes.h's stream (N decimal, at most
 *                    2^40), application/octet-stream, generated straight
 *                    into the send ring
 *     GET /          a short text/html page
 *     other paths    404;  HEAD: the same heads, no body
 *     other methods  405 (with Allow: GET, HEAD), then close
 *     malformed      400, a Transfer-Encoding in a request 501, HTTP/2+
 *                    505, a head over 8 KiB (TOOL_HTTP_HEAD_MAX) 431:
 *                    each followed by close
 *   The query is ignored; absolute-form targets are taken. A request body
 *   (Content-Length) is read and discarded. HTTP/1.1 keeps the
 *   connection open unless the request says "Connection: close"; HTTP/1.0
 *   closes after the response unless it says "Connection: keep-alive". An
 *   idle connection is closed after TOOL_HTTP_IDLE_MS. No Date field: the
 *   server acts as one without a clock (RFC 9110 6.6.1), so that replays
 *   reproduce its output byte for byte.
 *
 * With TLS credentials (tool_tcp_services_tls), the same services inside
 * TLS (erg/tls.h), through tool_stream.h:
 *
 * - HTTPS, port 443: the HTTP/1.1 server above, byte for byte.
 * - TLS echo, port 7443: echo inside TLS. TLS 1.2 has no half-close: once
 *   the client's close_notify is read, the session is over (erg answers
 *   with its own), so a client reads all its echo before it closes.
 *
 * A TLS session the services end (HTTP's Connection: close, an idle
 * limit) sends close_notify and waits, TOOL_TLS_LINGER_MS at most, for
 * the client's before its TCP connection closes, so that the answer is
 * not met with a RST.
 *
 * Every connection is the services' until they close it; when the peer
 * resets it or it times out, or its TLS session fails (a handshake a
 * client gave up, a bad record), it is closed (freed) at once, so that
 * tcp.conns_in_use falls back to 0 once every connection has ended. A
 * TLS session whose peer closed the TCP connection without close_notify
 * (ERG_ETLS_TRUNCATED) is served what it sent before, as at a FIN.
 */
#ifndef TOOL_TCP_SERVICES_H
#define TOOL_TCP_SERVICES_H

#include <stdbool.h>
#include <stdint.h>

#include "erg/erg.h"
#include "erg/tls.h"
#include "common/tool_http.h"
#include "common/tool_options.h"
#include "common/tool_stack.h"
#include "common/tool_stream.h"

#define TOOL_TCP_PORT_ECHO    7u
#define TOOL_TCP_PORT_DISCARD 9u
#define TOOL_TCP_PORT_CHARGEN 19u
#define TOOL_TCP_PORT_HTTP    80u
#define TOOL_TCP_PORT_HTTPS   443u
#define TOOL_TCP_PORT_TLSECHO 7443u

/* Chargen: how long to wait for the client's first line. */
#define TOOL_CHARGEN_WAIT_MS 200u
/* Chargen: bytes sent at most without a count. */
#define TOOL_CHARGEN_MAX (1ull << 30)
/* Largest N of chargen's count and of GET /bytes/N. */
#define TOOL_BYTES_MAX (1ull << 40)
/* HTTP: an idle persistent connection is closed after this. */
#define TOOL_HTTP_IDLE_MS 60000u
/*
 * TLS: how long a session the services end waits for the peer's
 * close_notify before its TCP connection is closed.
 */
#define TOOL_TLS_LINGER_MS 2000u
/* Backlog of each listener. */
#define TOOL_TCP_BACKLOG 128u

enum tool_tcp_svc {
	TOOL_SVC_ECHO,
	TOOL_SVC_DISCARD,
	TOOL_SVC_CHARGEN,
	TOOL_SVC_HTTP,
	TOOL_SVC_HTTPS,    /* HTTP inside TLS */
	TOOL_SVC_TLS_ECHO, /* echo inside TLS */
	TOOL_SVC_COUNT
};

struct tool_tcp_services;

/* One connection of a service. */
struct tool_tcp_slot {
	struct tool_tcp_services *sv;
	struct tool_tcp_slot *next_free;
	struct tool_stream st; /* closed: the slot is free */
	uint8_t svc;           /* enum tool_tcp_svc */
	uint8_t phase;         /* the service's own */
	uint8_t body;          /* HTTP: what the body is */
	bool peer_closed;      /* FIN (TLS: close_notify) received */
	bool close_after;      /* HTTP: close once this response is queued */
	bool lingering;        /* TLS: close_notify sent, awaiting the peer's */
	uint64_t deadline;     /* chargen's wait, HTTP's idle limit */
	uint64_t left;         /* bytes still to send (or to skip) */
	uint64_t off;          /* offset in the body of the next byte */
	uint64_t skip;         /* HTTP: request body bytes to discard */
	uint16_t head_len;     /* HTTP: the response head's length */
	uint16_t head_off;     /* HTTP: how much of it is queued */
	/*
	 * HTTP: the start of a request head that peek could not show whole
	 * (split over TLS records, or over more segments than one peek
	 * lends), copied out and consumed: carry_len bytes of a buffer of
	 * TOOL_HTTP_HEAD_MAX from malloc (NULL until a head needs it), and
	 * where the search for its end stands.
	 */
	uint8_t *carry;
	uint16_t carry_len;
	struct tool_http_scan scan;
	char head[256];
};

struct tool_tcp_svc_stats {
	uint64_t accepted;
	uint64_t closed; /* ended normally */
	uint64_t reset;  /* reset or timed out by the network */
	uint64_t rx_bytes;
	uint64_t tx_bytes;
};

/* A listener's callback context. */
struct tool_tcp_lctx {
	struct tool_tcp_services *sv;
	unsigned svc;
};

/* The services' listeners, connections and counters; owned by the tool. */
struct tool_tcp_services {
	struct erg_stack *s;
	struct erg_tcp_listener *lst[TOOL_SVC_COUNT];
	struct tool_tcp_lctx lctx[TOOL_SVC_COUNT];
	const struct erg_tls_server *tls; /* HTTPS and TLS echo, or NULL */
	uint32_t tls_max;                 /* TLS sessions the stack has */
	uint32_t tls_open;                /* TLS sessions held now */
	uint64_t tls_no_session;          /* accepted, no TLS session free */
	bool accept_pending; /* a listener waited for a free slot */
	struct tool_tcp_slot *free;
	uint32_t open; /* connections held now */
	uint32_t open_max;
	uint64_t no_slot; /* accept refused: every slot in use */
	struct tool_tcp_svc_stats st[TOOL_SVC_COUNT];
	uint64_t http_requests;
	uint64_t http_status[7];             /* 200 400 404 405 431 501 505 */
	uint8_t scratch[TOOL_HTTP_HEAD_MAX]; /* a head split over packets */
	struct tool_tcp_slot slot[TOOL_TCP_CONNS];
};

/*
 * Listens on ports 7, 9, 19 and 80 of every address of s. sv MUST NOT
 * move while they run (it is their callbacks' context). Returns 0 or the
 * erg error of the call that failed (everything opened is closed again).
 */
int tool_tcp_services_start(struct tool_tcp_services *sv, struct erg_stack *s);

/*
 * Adds HTTPS (443) and TLS echo (7443) with the credentials srv (which
 * MUST outlive the services), after tool_tcp_services_start. max is the
 * stack's cfg.tls_sessions: beyond it, connections wait in the
 * listener's backlog. Returns 0 or the erg error of the call that failed
 * (the TLS listeners are then closed; the others run on).
 */
int tool_tcp_services_tls(struct tool_tcp_services *sv,
    const struct erg_tls_server *srv, unsigned max);

/*
 * Runs the services' deadlines due at now (chargen's wait, HTTP's idle
 * limit). Returns the next deadline, ERG_TIME_NEVER if none.
 */
uint64_t tool_tcp_services_tick(struct tool_tcp_services *sv, uint64_t now);

/*
 * Calls fn(ctx, name, value) for each counter: "tcp_services.open",
 * "tcp_services.open_max", "tcp_services.no_slot",
 * "tcp_services.tls_no_session", then per service ("tcp_echo",
 * "tcp_discard", "tcp_chargen", "http", "https", "tls_echo") ".accepted",
 * ".closed", ".reset" (for TLS also a failed session: the stack's tls.*
 * counters say why), ".rx_bytes", ".tx_bytes" (TLS: plaintext), then
 * "http.requests" and "http.status_NNN" for 200, 400, 404, 405, 431, 501
 * and 505 (HTTP and HTTPS together).
 */
void tool_tcp_services_stats_foreach(const struct tool_tcp_services *sv,
    void (*fn)(void *ctx, const char *name, uint64_t value), void *ctx);

/*
 * Closes the listeners and aborts (RST) every connection still open, and
 * frees what the slots allocated.
 */
void tool_tcp_services_stop(struct tool_tcp_services *sv);

#endif
