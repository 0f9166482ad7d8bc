/*
 * erg/ether.h: Ethernet II and ARP wire formats (RFC 894, RFC 826).
 *
 * Pure functions of bytes: parse checks every length once and fills a
 * host-order repr; emit writes exactly the encoded length. On failure,
 * parsers return a negative ERG_E* code and, if why is not NULL, store the
 * counter that names the reason.
 */
#ifndef ERG_ETHER_H
#define ERG_ETHER_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "view.h"
#include "stats.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ERG_ETHER_HDR_LEN  14u
#define ERG_ETHER_ADDR_LEN 6u
#define ERG_ETHERTYPE_IPV4 0x0800u
#define ERG_ETHERTYPE_ARP  0x0806u

struct erg_ether_repr {
	uint8_t dst[6];
	uint8_t src[6];
	uint16_t type;
};

/*
 * Parses an Ethernet II header from v. On success returns 0 and sets
 * *payload to the bytes after the header (any trailing padding is left
 * for the layer above to trim). Frames shorter than the header return
 * -ERG_ETRUNC (ether.runt); 802.3 length fields (type < 0x0600) return
 * -ERG_EUNSUPPORTED (ether.unknown_type).
 */
int erg_ether_parse(struct erg_ether_repr *r, struct erg_view *payload,
    struct erg_view v, enum erg_stat *why);

/* Writes the 14-byte header to buf (len >= 14). Returns 14 or -ERG_EINVAL. */
int erg_ether_emit(const struct erg_ether_repr *r, uint8_t *buf, size_t len);

static inline bool
erg_ether_is_broadcast(const uint8_t *a)
{
	return (a[0] & a[1] & a[2] & a[3] & a[4] & a[5]) == 0xff;
}

/* Group bit: multicast or broadcast (IEEE 802, first octet bit 0). */
static inline bool
erg_ether_is_group(const uint8_t *a)
{
	return (a[0] & 1) != 0;
}

/* ARP for IPv4 over Ethernet (RFC 826): the only variant erg speaks. */
#define ERG_ARP_LEN        28u
#define ERG_ARP_OP_REQUEST 1u
#define ERG_ARP_OP_REPLY   2u

struct erg_arp_repr {
	uint16_t op;
	uint8_t sha[6]; /* sender hardware address */
	uint32_t spa;   /* sender protocol address, host order */
	uint8_t tha[6]; /* target hardware address */
	uint32_t tpa;   /* target protocol address, host order */
};

/*
 * Parses an ARP packet. Checks hardware type 1 (Ethernet), protocol type
 * 0x0800, hardware length 6 and protocol length 4 (arp.bad_format), the
 * operation (arp.bad_op), and the length (arp.truncated). Bytes after the
 * 28 (Ethernet padding) are ignored.
 */
int erg_arp_parse(struct erg_arp_repr *r, struct erg_view v,
    enum erg_stat *why);

/* Writes the 28-byte packet to buf (len >= 28). Returns 28 or -ERG_EINVAL. */
int erg_arp_emit(const struct erg_arp_repr *r, uint8_t *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
