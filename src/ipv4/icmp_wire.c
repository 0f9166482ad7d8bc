/*
 * src/ipv4/icmp_wire.c: the ICMP header (RFC 792).
 */
#include "ipv4_layer.h"

int
erg_icmp_parse(struct erg_icmp_repr *r, struct erg_view *payload,
    struct erg_view v, enum erg_stat *why)
{
	if (v.len < ERG_ICMP_HDR_LEN) {
		if (why != NULL) {
			*why = ERG_STAT_ICMP_TRUNCATED;
		}
		return -ERG_ETRUNC;
	}
	/* v.len is the IP payload length, already checked against the buffer.
	 */
	if (erg_cksum(v.p, v.len) != 0) {
		if (why != NULL) {
			*why = ERG_STAT_ICMP_BAD_CHECKSUM;
		}
		return -ERG_ECHECKSUM;
	}
	r->type = v.p[0];
	r->code = v.p[1];
	r->rest = erg_be32(v.p + 4);
	*payload =
	    erg_view_make(v.p + ERG_ICMP_HDR_LEN, v.len - ERG_ICMP_HDR_LEN);
	return 0;
}

int
erg_icmp_emit(const struct erg_icmp_repr *r, uint8_t *buf, size_t len)
{
	if (len < ERG_ICMP_HDR_LEN) {
		return -ERG_EINVAL;
	}
	buf[0] = r->type;
	buf[1] = r->code;
	buf[2] = 0;
	buf[3] = 0;
	erg_put_be32(buf + 4, r->rest);
	erg_put_be16(buf + 2, erg_cksum(buf, len));
	return 0;
}
