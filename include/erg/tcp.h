/*
 * erg/tcp.h: TCP wire format (RFC 9293 section 3.1, options of RFC 9293
 * 3.2, RFC 7323, RFC 2018).
 *
 * and the TCP socket API (RFC 9293 with RFC 6298, 5681, 6582, 6928,
 * 7323, 2018, 5961, 6528, 6056, 6691, 4987).
 *
 * The codec is a pure function of bytes: parse checks every length once,
 * including the data offset and every option's length, then fills a
 * host-order repr; emit writes a header with exactly erg_tcp_hdr_len(r)
 * bytes.
 *
 * Sockets. Two kinds of handle: a listener (struct erg_tcp_listener) and
 * a connection (struct erg_tcp_conn). Both come from pools sized by the
 * configuration (tcp_listeners, tcp_conns) and are owned by the
 * application from the call that hands them out (listen, connect,
 * accept) until it calls erg_tcp_listener_close or erg_tcp_close /
 * erg_tcp_abort. A connection that the network ends (reset, timeout)
 * stays allocated, in state ERG_TCP_CLOSED with its error, until the
 * application closes it: every call on it then returns that error.
 *
 * Zero-copy, both ways:
 * - Receive: in-order payload stays in the packets that carried it.
 *   erg_tcp_peek lends views into them; erg_tcp_consume says how much
 *   was used and frees the packets. erg_tcp_read copies, for
 *   convenience. The advertised window comes from the connection's
 *   receive budget (bytes held), so a slow reader costs its own window,
 *   never the packet pool.
 * - Send: each connection owns a send ring carved from the arena.
 *   erg_tcp_write copies into it; erg_tcp_reserve lends the free space
 *   (one or two writable windows), the application fills it in place and
 *   erg_tcp_commit queues it. Segments leave as a gather list: a header
 *   packet plus views into the ring.
 *
 * Events arrive through the socket's callback at safe points (see
 * erg/event.h), never in the middle of processing a segment.
 */
#ifndef ERG_TCP_H
#define ERG_TCP_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "view.h"
#include "stats.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ERG_TCP_HDR_LEN    20u /* without options */
#define ERG_TCP_HDR_MAX    60u
#define ERG_TCP_SACK_MAX   4u  /* blocks an option can carry */
#define ERG_TCP_WSCALE_MAX 14u /* RFC 7323 section 2.3 */

/* Flags (RFC 9293 3.1, RFC 3168 for ECE and CWR). */
#define ERG_TCP_FIN 0x01u
#define ERG_TCP_SYN 0x02u
#define ERG_TCP_RST 0x04u
#define ERG_TCP_PSH 0x08u
#define ERG_TCP_ACK 0x10u
#define ERG_TCP_URG 0x20u
#define ERG_TCP_ECE 0x40u
#define ERG_TCP_CWR 0x80u

struct erg_tcp_sack_block {
	uint32_t left;
	uint32_t right;
};

struct erg_tcp_repr {
	uint16_t src_port;
	uint16_t dst_port;
	uint32_t seq;
	uint32_t ack;
	uint16_t window; /* as on the wire, unscaled */
	uint16_t urgent; /* urgent pointer, as on the wire */
	uint8_t flags;   /* ERG_TCP_* */
	uint8_t hdr_len; /* parse: data offset * 4 */
	/* Options; absent ones are false / 0. */
	uint16_t mss; /* 0: absent */
	bool wscale_ok;
	uint8_t wscale; /* clamped to 14 (RFC 7323 2.3) */
	bool sack_ok;   /* SACK-permitted (RFC 2018) */
	bool ts_ok;     /* timestamps (RFC 7323 3) */
	uint32_t ts_val;
	uint32_t ts_ecr;
	uint8_t sack_n; /* SACK blocks present */
	struct erg_tcp_sack_block sack[ERG_TCP_SACK_MAX];
};

/*
 * Parses a TCP segment from v (the IP payload, whose length the IP layer
 * checked) and verifies the checksum over the pseudo-header of src/dst
 * (host order). Checks, each with its counter: fixed header present
 * (tcp.truncated), data offset >= 5 (tcp.bad_offset) and within v
 * (tcp.truncated), checksum over v.len bytes (tcp.bad_checksum), and every
 * option (tcp.bad_option): a length below 2 or past the header, a known
 * option with the wrong length (MSS 4, window scale 3, SACK-permitted 2,
 * timestamps 10, SACK 2 + 8n with n from 1 to 4). Unknown options are
 * skipped; EOL ends the list; a repeated option keeps the last value (as
 * Linux does). *payload is the data after the header.
 */
int erg_tcp_parse(struct erg_tcp_repr *r, struct erg_view *payload,
    struct erg_view v, uint32_t src, uint32_t dst, enum erg_stat *why);

/*
 * The header length emit writes for r: 20 plus its options padded to a
 * multiple of 4, or 0 if the options do not fit in 40 bytes.
 */
size_t erg_tcp_hdr_len(const struct erg_tcp_repr *r);

/*
 * Writes r's header (erg_tcp_hdr_len(r) bytes, r->hdr_len ignored) to
 * buf, with the checksum over the pseudo-header, the header and the
 * payload given as n views. Options go in Linux's order (MSS, SACK-
 * permitted, timestamps, window scale, SACK), padded with NOPs. Returns
 * the header length, or -ERG_EINVAL if len is too small or the options do
 * not fit.
 */
int erg_tcp_emit(const struct erg_tcp_repr *r, uint32_t src, uint32_t dst,
    const struct erg_view *payload, unsigned n, uint8_t *buf, size_t len);

/* ---- Sockets ---------------------------------------------------------- */

struct erg_stack;
struct erg_tcp_conn;
struct erg_tcp_listener;

/* Ephemeral port range (RFC 6335 section 6), chosen by RFC 6056 alg. 4. */
#define ERG_TCP_EPHEMERAL_MIN 49152u
#define ERG_TCP_EPHEMERAL_MAX 65535u

/* RFC 9293 section 3.3.2 states, in its order. */
enum erg_tcp_state {
	ERG_TCP_CLOSED = 0,
	ERG_TCP_LISTEN,
	ERG_TCP_SYN_SENT,
	ERG_TCP_SYN_RECEIVED,
	ERG_TCP_ESTABLISHED,
	ERG_TCP_FIN_WAIT_1,
	ERG_TCP_FIN_WAIT_2,
	ERG_TCP_CLOSE_WAIT,
	ERG_TCP_CLOSING,
	ERG_TCP_LAST_ACK,
	ERG_TCP_TIME_WAIT
};

/* "ESTABLISHED", ...; "?" out of range. */
const char *erg_tcp_state_name(enum erg_tcp_state st);

/*
 * Connection events, with ERG_EV_READABLE / WRITABLE / ERROR of
 * erg/event.h. Several may come in one call.
 */
#define ERG_TCP_EV_CONNECTED   0x0100u /* an active open completed */
#define ERG_TCP_EV_PEER_CLOSED 0x0200u /* FIN: no more data after this */
#define ERG_TCP_EV_RESET       0x0400u /* RST: erg_tcp_error says why */
#define ERG_TCP_EV_TIMEDOUT    0x0800u /* retransmissions gave up */
/* Listener event: connections are waiting in erg_tcp_accept. */
#define ERG_TCP_EV_ACCEPT 0x1000u

typedef void (
    *erg_tcp_event_fn)(struct erg_tcp_conn *c, unsigned events, void *ctx);
typedef void (
    *erg_tcp_listen_fn)(struct erg_tcp_listener *l, unsigned events, void *ctx);

/*
 * Listens on addr (ERG_IPV4_ANY: every interface) and port (not 0).
 * backlog bounds both the connections completed and waiting for
 * erg_tcp_accept and the handshakes in progress (the SYN queue); when
 * the SYN queue is full new SYNs are answered with SYN cookies (RFC
 * 4987). backlog 0 means the default, 128. cb may be NULL (poll with
 * erg_tcp_accept). Returns 0, -ERG_EINVAL, -ERG_EADDRINUSE or
 * -ERG_ENOMEM (tcp.listeners_alloc_fail).
 */
int erg_tcp_listen(struct erg_stack *s, uint32_t addr, uint16_t port,
    unsigned backlog, erg_tcp_listen_fn cb, void *ctx,
    struct erg_tcp_listener **out);

/*
 * Takes the oldest completed connection off l's queue, sets its callback
 * and hands it to the application (which then owns it). Returns 0 or
 * -ERG_EAGAIN (nothing waiting).
 */
int erg_tcp_accept(struct erg_tcp_listener *l, erg_tcp_event_fn cb, void *ctx,
    struct erg_tcp_conn **out);

/*
 * Stops listening: connections not yet accepted are reset and freed; l
 * MUST NOT be used after. Safe from l's own callback.
 */
void erg_tcp_listener_close(struct erg_tcp_listener *l);

/*
 * Active open to addr:port from local_port (0: an RFC 6056 ephemeral
 * port) and the route's source address. Completion is reported by
 * ERG_TCP_EV_CONNECTED, failure by ERG_TCP_EV_RESET (refused) or
 * ERG_TCP_EV_TIMEDOUT. Data may be written before it completes. Returns
 * 0, -ERG_EINVAL (address that may not be a destination, port 0),
 * -ERG_EHOSTUNREACH, -ERG_EADDRINUSE (no free local port, or the chosen
 * 4-tuple is taken) or -ERG_ENOMEM (tcp.conns_alloc_fail). The SYN is
 * stamped (ISN clock, timestamp, RTO) with the stack's time, which is the
 * time of the last input or erg_stack_poll call: after a pause, poll
 * first.
 */
int erg_tcp_connect(struct erg_stack *s, uint32_t addr, uint16_t port,
    uint16_t local_port, erg_tcp_event_fn cb, void *ctx,
    struct erg_tcp_conn **out);

/*
 * Copies up to len bytes into the send ring and sends what the windows
 * allow. Returns the bytes taken (> 0), -ERG_EAGAIN (ring full: wait for
 * ERG_EV_WRITABLE), -ERG_ESTATE (send side shut down), or the
 * connection's error (-ERG_ECONNRESET, -ERG_ETIMEDOUT, ...).
 */
long erg_tcp_write(struct erg_tcp_conn *c, const void *data, size_t len);

/*
 * Zero-copy send, step 1: lends the ring's free space as one or two
 * writable windows (w[0] then w[1], in stream order); returns how many
 * (0 when the ring is full) or an error as erg_tcp_write. The windows
 * stay valid until the next commit, write or close.
 */
int erg_tcp_reserve(struct erg_tcp_conn *c, struct erg_wview w[2]);

/*
 * Zero-copy send, step 2: queues the first n bytes of the space the last
 * reserve lent (n may be less than it lent), and sends. Returns 0,
 * -ERG_EINVAL (n larger than the free space) or an error as write.
 */
int erg_tcp_commit(struct erg_tcp_conn *c, size_t n);

/*
 * Zero-copy receive: lends up to max views of in-order data, in order,
 * and returns how many (0: nothing to read now; after
 * ERG_TCP_EV_PEER_CLOSED, end of stream), or the connection's error once
 * no data is left. The views stay valid until erg_tcp_consume releases
 * them or the connection is closed.
 */
int erg_tcp_peek(struct erg_tcp_conn *c, struct erg_view *v, unsigned max);

/*
 * Releases the first n bytes of in-order data (n at most what is
 * readable), freeing the packets that held them and opening the window.
 * Returns 0 or -ERG_EINVAL.
 */
int erg_tcp_consume(struct erg_tcp_conn *c, size_t n);

/*
 * Copying receive: peek, copy up to cap bytes, consume. Returns the
 * bytes copied, 0 at end of stream, -ERG_EAGAIN (nothing yet) or the
 * connection's error.
 */
long erg_tcp_read(struct erg_tcp_conn *c, void *buf, size_t cap);

/* In-order bytes ready to read. */
size_t erg_tcp_readable(const struct erg_tcp_conn *c);

/* Free bytes in the send ring. */
size_t erg_tcp_writable(const struct erg_tcp_conn *c);

/*
 * Shuts the send side: a FIN follows the queued data (half-close; the
 * connection still receives). Returns 0, -ERG_ESTATE (already shut, or
 * not connected) or the connection's error.
 */
int erg_tcp_shutdown(struct erg_tcp_conn *c);

/*
 * Graceful close: the application lets go of c (MUST NOT use it again;
 * no more callbacks). Queued data is still delivered and the FIN
 * handshake completes on its own. If received data was left unread, the
 * peer is reset instead (RFC 2525 2.17). Safe from c's own callback.
 */
void erg_tcp_close(struct erg_tcp_conn *c);

/* Abort: sends RST (in a synchronized state) and frees c at once. */
void erg_tcp_abort(struct erg_tcp_conn *c);

/*
 * The connection's error: 0 while it is healthy, else -ERG_ECONNRESET,
 * -ERG_ECONNREFUSED, -ERG_ETIMEDOUT, or a soft ICMP error reported while
 * the connection lives (-ERG_EHOSTUNREACH, ...; cleared by reading it).
 */
int erg_tcp_error(struct erg_tcp_conn *c);

/*
 * Hands c's events to another callback from now on (events already
 * pending go to the new one). For layers that take a connection over,
 * as erg/tls.h does. cb may be NULL (events dropped).
 */
void erg_tcp_set_callback(struct erg_tcp_conn *c, erg_tcp_event_fn cb,
    void *ctx);

/* The stack c belongs to. */
struct erg_stack *erg_tcp_stack(const struct erg_tcp_conn *c);

/* Per-socket options. */
/* Nagle off (true) or on (false, the default). */
void erg_tcp_set_nodelay(struct erg_tcp_conn *c, bool on);
/*
 * Keepalive (RFC 1122 4.2.3.6): after idle_ms without input, cnt probes
 * intvl_ms apart, then ERG_TCP_EV_TIMEDOUT. idle_ms 0 turns it off (the
 * default).
 */
int erg_tcp_set_keepalive(struct erg_tcp_conn *c, uint32_t idle_ms,
    uint32_t intvl_ms, uint32_t cnt);
/*
 * Buffer budgets: snd bytes of the send ring (at most cfg.tcp_snd_buf,
 * at least 1 MSS) and rcv bytes of received data held (at most
 * cfg.tcp_rcv_buf, at least 2 MSS); 0 leaves one unchanged. Returns 0 or
 * -ERG_EINVAL. A smaller send budget takes effect as the ring drains.
 */
int erg_tcp_set_bufs(struct erg_tcp_conn *c, uint32_t snd, uint32_t rcv);

struct erg_tcp_info {
	enum erg_tcp_state state;
	uint32_t laddr;
	uint32_t raddr;
	uint16_t lport;
	uint16_t rport;
	uint16_t mss; /* send MSS in use */
	uint8_t snd_wscale;
	uint8_t rcv_wscale;
	bool ts_ok;
	bool sack_ok;
	uint32_t srtt_us; /* 0: no sample yet */
	uint32_t rttvar_us;
	uint32_t rto_us;
	uint32_t cwnd;      /* bytes */
	uint32_t ssthresh;  /* bytes */
	uint32_t snd_wnd;   /* peer's window, bytes */
	uint32_t rcv_wnd;   /* our window, bytes */
	uint32_t in_flight; /* bytes sent and not acknowledged */
	uint32_t unsent;    /* bytes queued and not sent */
	uint64_t retransmits;
	uint64_t bytes_acked;
	uint64_t bytes_received;
};

/* Fills *info. */
void erg_tcp_info(const struct erg_tcp_conn *c, struct erg_tcp_info *info);

#ifdef __cplusplus
}
#endif
#endif
