/*
 * erg/icmp.h: ICMP for IPv4 (RFC 792, RFC 1122 3.2.2), wire format and the
 * echo (ping) API.
 *
 * The stack answers echo requests by itself, sends destination
 * unreachable and time exceeded errors under a token-bucket rate limit,
 * and hands received errors, after checking the header they quote, to the
 * protocol that sent the offending datagram (UDP sockets get a soft error;
 * TCP uses the same hook).
 */
#ifndef ERG_ICMP_H
#define ERG_ICMP_H

#include <stddef.h>
#include <stdint.h>
#include "view.h"
#include "stats.h"

#ifdef __cplusplus
extern "C" {
#endif

struct erg_stack;

#define ERG_ICMP_HDR_LEN 8u

#define ERG_ICMP_ECHO_REPLY    0u
#define ERG_ICMP_DEST_UNREACH  3u
#define ERG_ICMP_SOURCE_QUENCH 4u
#define ERG_ICMP_REDIRECT      5u
#define ERG_ICMP_ECHO_REQUEST  8u
#define ERG_ICMP_TIME_EXCEEDED 11u
#define ERG_ICMP_PARAM_PROBLEM 12u

/* Destination unreachable codes (RFC 792, RFC 1122 3.2.2.1). */
#define ERG_ICMP_NET_UNREACH   0u
#define ERG_ICMP_HOST_UNREACH  1u
#define ERG_ICMP_PROTO_UNREACH 2u
#define ERG_ICMP_PORT_UNREACH  3u
#define ERG_ICMP_FRAG_NEEDED   4u

/* Time exceeded codes. */
#define ERG_ICMP_TTL_EXCEEDED   0u
#define ERG_ICMP_REASM_EXCEEDED 1u

/*
 * The fixed 8-byte header. `rest` is the second 32-bit word: identifier
 * and sequence for echo, next-hop MTU in its low 16 bits for
 * fragmentation needed (RFC 1191), the pointer in its top byte for
 * parameter problem, unused (zero) otherwise.
 */
struct erg_icmp_repr {
	uint8_t type;
	uint8_t code;
	uint32_t rest;
};

/*
 * Parses an ICMP message: length (icmp.truncated) and the checksum over
 * the whole of v (icmp.bad_checksum); v is the IP payload, whose length
 * the IP layer has already checked against the buffer. *payload is the
 * data after the 8-byte header.
 */
int erg_icmp_parse(struct erg_icmp_repr *r, struct erg_view *payload,
    struct erg_view v, enum erg_stat *why);

/*
 * Writes the 8-byte header to buf and the checksum over buf[0..len),
 * where buf[8..len) already holds the message data. Returns 0 or
 * -ERG_EINVAL (len < 8).
 */
int erg_icmp_emit(const struct erg_icmp_repr *r, uint8_t *buf, size_t len);

/*
 * An ICMP error as delivered to a transport protocol, after checks: the
 * quoted header is a well-formed IPv4 header sent by us (its source is one
 * of our addresses) and at least 8 bytes of its payload are present.
 */
struct erg_icmp_err {
	uint8_t type;
	uint8_t code;
	int err;           /* the ERG_E* code this maps to, negative */
	uint16_t mtu;      /* frag needed: validated next-hop MTU, else 0 */
	uint32_t reporter; /* who sent the ICMP message */
	uint32_t src;      /* quoted datagram's source (ours) */
	uint32_t dst;      /* quoted datagram's destination */
	uint8_t proto;
	struct erg_view l4; /* quoted transport bytes, >= 8 */
};

/*
 * Called for every echo reply received. data borrows the payload for the
 * duration of the call.
 */
typedef void (*erg_icmp_echo_fn)(void *ctx, uint32_t from, uint16_t id,
    uint16_t seq, struct erg_view data, uint64_t now_us);

/* Sets (or with fn NULL, clears) the stack's echo reply handler. */
void erg_icmp_echo_handler_set(struct erg_stack *s, erg_icmp_echo_fn fn,
    void *ctx);

/*
 * Sends an echo request carrying len bytes of data (copied) to dst,
 * fragmenting when it does not fit the MTU. Returns 0, -ERG_EMSGSIZE
 * (len > 65507), -ERG_EINVAL (dst 0.0.0.0, 127/8, class E or multicast),
 * -ERG_EHOSTUNREACH (no route), -ERG_ENOMEM or
 * -ERG_ENOBUFS (the next hop's ARP queue is full).
 */
int erg_icmp_echo_send(struct erg_stack *s, uint32_t dst, uint16_t id,
    uint16_t seq, const void *data, size_t len);

#ifdef __cplusplus
}
#endif
#endif
