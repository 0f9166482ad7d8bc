/*
 * erg/tcp.h: TCP wire format (RFC 9293 section 3.1, options of RFC 9293
 * 3.2, RFC 7323, RFC 2018).
 *
 * This header holds the segment codec only; the state machine and the
 * socket API come with the TCP issue. The codec is a pure function of
 * bytes: parse checks every length once, including the data offset and
 * every option's length, then fills a host-order repr; emit writes a
 * header with exactly erg_tcp_hdr_len(r) bytes.
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

#ifdef __cplusplus
}
#endif
#endif
