/*
 * src/ether/ether_wire.c: Ethernet II and ARP wire formats.
 */
#include "../core/core.h"

int
erg_ether_parse(struct erg_ether_repr *r, struct erg_view *payload,
    struct erg_view v, enum erg_stat *why)
{
	uint16_t type;

	if (v.len < ERG_ETHER_HDR_LEN) {
		if (why != NULL) {
			*why = ERG_STAT_ETHER_RUNT;
		}
		return -ERG_ETRUNC;
	}
	type = erg_be16(v.p + 12);
	/* Values below 0x0600 are IEEE 802.3 lengths, not EtherTypes. */
	if (type < 0x0600) {
		if (why != NULL) {
			*why = ERG_STAT_ETHER_UNKNOWN_TYPE;
		}
		return -ERG_EUNSUPPORTED;
	}
	memcpy(r->dst, v.p, 6);
	memcpy(r->src, v.p + 6, 6);
	r->type = type;
	*payload =
	    erg_view_make(v.p + ERG_ETHER_HDR_LEN, v.len - ERG_ETHER_HDR_LEN);
	return 0;
}

int
erg_ether_emit(const struct erg_ether_repr *r, uint8_t *buf, size_t len)
{
	if (len < ERG_ETHER_HDR_LEN) {
		return -ERG_EINVAL;
	}
	memcpy(buf, r->dst, 6);
	memcpy(buf + 6, r->src, 6);
	erg_put_be16(buf + 12, r->type);
	return (int)ERG_ETHER_HDR_LEN;
}

/* RFC 826 fixed fields for IPv4 over Ethernet. */
#define ARP_HTYPE_ETHER 1u

int
erg_arp_parse(struct erg_arp_repr *r, struct erg_view v, enum erg_stat *why)
{
	enum erg_stat reason;
	uint16_t op;

	if (v.len < ERG_ARP_LEN) {
		reason = ERG_STAT_ARP_TRUNCATED;
		goto bad;
	}
	if (erg_be16(v.p) != ARP_HTYPE_ETHER ||
	    erg_be16(v.p + 2) != ERG_ETHERTYPE_IPV4 ||
	    v.p[4] != ERG_ETHER_ADDR_LEN || v.p[5] != 4) {
		reason = ERG_STAT_ARP_BAD_FORMAT;
		goto bad;
	}
	op = erg_be16(v.p + 6);
	if (op != ERG_ARP_OP_REQUEST && op != ERG_ARP_OP_REPLY) {
		reason = ERG_STAT_ARP_BAD_OP;
		goto bad;
	}
	r->op = op;
	memcpy(r->sha, v.p + 8, 6);
	r->spa = erg_be32(v.p + 14);
	memcpy(r->tha, v.p + 18, 6);
	r->tpa = erg_be32(v.p + 24);
	return 0;
bad:
	if (why != NULL) {
		*why = reason;
	}
	return reason == ERG_STAT_ARP_TRUNCATED ? -ERG_ETRUNC : -ERG_EMALFORMED;
}

int
erg_arp_emit(const struct erg_arp_repr *r, uint8_t *buf, size_t len)
{
	if (len < ERG_ARP_LEN) {
		return -ERG_EINVAL;
	}
	erg_put_be16(buf, ARP_HTYPE_ETHER);
	erg_put_be16(buf + 2, ERG_ETHERTYPE_IPV4);
	buf[4] = ERG_ETHER_ADDR_LEN;
	buf[5] = 4;
	erg_put_be16(buf + 6, r->op);
	memcpy(buf + 8, r->sha, 6);
	erg_put_be32(buf + 14, r->spa);
	memcpy(buf + 18, r->tha, 6);
	erg_put_be32(buf + 24, r->tpa);
	return (int)ERG_ARP_LEN;
}
