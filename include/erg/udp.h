/*
 * erg/udp.h: UDP (RFC 768, RFC 1122 4.1): wire format and sockets.
 *
 * Sockets come from a pool of cfg.udp_socks. Each has a bounded receive
 * queue (cfg.udp_rxq_len datagrams) of the very packets that carried the
 * datagrams: receiving is zero-copy (erg_udp_recv lends the packet) or
 * copying (erg_udp_recvfrom). Sending copies (erg_udp_sendto) or is
 * zero-copy (erg_udp_pkt_alloc, fill with erg_pkt_put, erg_udp_pkt_sendto).
 * Datagrams up to 65,507 bytes are sent and received through IPv4
 * fragmentation; the zero-copy send path is limited to what one packet
 * buffer holds.
 *
 * Checksums: always sent (a computed 0 goes out as 0xffff); a received
 * zero checksum means "none" and is accepted (RFC 768).
 */
#ifndef ERG_UDP_H
#define ERG_UDP_H

#include <stddef.h>
#include <stdint.h>
#include "view.h"
#include "stats.h"
#include "pkt.h"

#ifdef __cplusplus
extern "C" {
#endif

struct erg_stack;
struct erg_udp_sock;

#define ERG_UDP_HDR_LEN     8u
#define ERG_UDP_MAX_PAYLOAD 65507u /* 65535 - 20 (IPv4) - 8 (UDP) */

/* Ephemeral port range (RFC 6335 section 6, RFC 6056). */
#define ERG_UDP_EPHEMERAL_MIN 49152u
#define ERG_UDP_EPHEMERAL_MAX 65535u

struct erg_udp_repr {
	uint16_t src_port;
	uint16_t dst_port;
	uint16_t len;      /* header plus payload, the wire field */
	uint16_t checksum; /* as on the wire; 0 means none */
};

/*
 * Parses a UDP header from v (the IP payload) and, when the checksum field
 * is not zero, verifies it over the pseudo-header of src/dst (host order).
 * Checks: header present (udp.truncated), 8 <= length <= v.len
 * (udp.bad_len), checksum (udp.bad_checksum). *payload is the data,
 * trimmed to the length field.
 */
int erg_udp_parse(struct erg_udp_repr *r, struct erg_view *payload,
    struct erg_view v, uint32_t src, uint32_t dst, enum erg_stat *why);

/*
 * Writes the 8-byte header to hdr, computing the checksum over the
 * pseudo-header, the header and the payload given as n views (the whole
 * payload, r->len - 8 bytes in all). r->checksum is ignored.
 */
void erg_udp_emit(const struct erg_udp_repr *r, uint32_t src, uint32_t dst,
    const struct erg_view *payload, unsigned n, uint8_t *hdr);

/* Called at a safe point with ERG_EV_* bits. */
typedef void (
    *erg_udp_event_fn)(struct erg_udp_sock *u, unsigned events, void *ctx);

/*
 * Opens an unbound socket. cb may be NULL (poll with erg_udp_recv).
 * Returns 0 or -ERG_ENOMEM (udp.sock_alloc_fail).
 */
int erg_udp_open(struct erg_stack *s, erg_udp_event_fn cb, void *ctx,
    struct erg_udp_sock **out);

/*
 * Binds to a local address (ERG_IPV4_ANY for all) and port (0 picks a
 * random free ephemeral port, RFC 6056 algorithm 1). Returns 0,
 * -ERG_EADDRINUSE, -ERG_ESTATE (already bound) or -ERG_EINVAL.
 */
int erg_udp_bind(struct erg_udp_sock *u, uint32_t addr, uint16_t port);

/*
 * Sets the default destination and accepts datagrams only from it. Binds
 * an ephemeral port first if the socket is unbound. Returns 0 or an error
 * of erg_udp_bind.
 */
int erg_udp_connect(struct erg_udp_sock *u, uint32_t addr, uint16_t port);

/*
 * Sends len bytes (copied) to addr:port; binds an ephemeral port if
 * unbound. Returns 0, -ERG_EMSGSIZE (len > 65507), -ERG_EINVAL (port 0,
 * or an address that may not be a destination: 0.0.0.0, 127/8, class E,
 * multicast),
 * -ERG_EHOSTUNREACH (no route), -ERG_ENOMEM (no packet buffer or ARP
 * entry), -ERG_ENOBUFS (the next hop's ARP queue is full). A datagram
 * queued to wait for ARP resolution counts as sent.
 */
int erg_udp_sendto(struct erg_udp_sock *u, uint32_t addr, uint16_t port,
    const void *data, size_t len);

/* erg_udp_sendto to the connected destination, or -ERG_ENOTCONN. */
int erg_udp_send(struct erg_udp_sock *u, const void *data, size_t len);

/*
 * Zero-copy send, step 1: a packet with headroom for the UDP, IPv4 and
 * Ethernet headers and len 0; append the payload with erg_pkt_put().
 * Returns NULL when the pool is empty. The caller owns the packet.
 */
struct erg_pkt *erg_udp_pkt_alloc(struct erg_udp_sock *u);

/*
 * Zero-copy send, step 2: sends the packet's bytes as one datagram.
 * Takes ownership of pkt whatever it returns. Errors as erg_udp_sendto;
 * a payload that needs fragmenting is copied into fragments.
 */
int erg_udp_pkt_sendto(struct erg_udp_sock *u, struct erg_pkt *pkt,
    uint32_t addr, uint16_t port);

/* A received datagram, lent to the application. */
struct erg_udp_dgram {
	struct erg_pkt *pkt;  /* owner: the application; erg_pkt_free it */
	struct erg_view data; /* the payload, inside pkt */
	uint32_t src;
	uint32_t dst; /* the address it was sent to (may be broadcast) */
	uint16_t src_port;
	uint16_t dst_port;
	unsigned ifindex;
};

/*
 * Zero-copy receive: dequeues the oldest datagram into *d. The
 * application owns d->pkt and MUST erg_pkt_free() it when done; d->data
 * is valid until then. Returns 0 or -ERG_EAGAIN (queue empty).
 */
int erg_udp_recv(struct erg_udp_sock *u, struct erg_udp_dgram *d);

/*
 * Copying receive: dequeues the oldest datagram, copies up to cap bytes
 * of it into buf and frees it. *len gets the datagram's full length
 * (larger than cap if it was truncated). addr and port may be NULL.
 * Returns 0 or -ERG_EAGAIN.
 */
int erg_udp_recvfrom(struct erg_udp_sock *u, void *buf, size_t cap, size_t *len,
    uint32_t *addr, uint16_t *port);

/* Datagrams waiting in the receive queue. */
unsigned erg_udp_pending(const struct erg_udp_sock *u);

/*
 * Returns and clears the pending soft error (an ICMP error about a
 * datagram this socket sent, e.g. -ERG_ECONNREFUSED), or 0.
 */
int erg_udp_error(struct erg_udp_sock *u);

/* The bound local port (0 if unbound). */
uint16_t erg_udp_local_port(const struct erg_udp_sock *u);

/*
 * Closes the socket: frees its queued datagrams and returns it to the
 * pool. Datagrams already lent by erg_udp_recv stay valid. After this the
 * pointer MUST NOT be used. Safe from the socket's own callback.
 */
void erg_udp_close(struct erg_udp_sock *u);

#ifdef __cplusplus
}
#endif
#endif
