/*
 * src/udp/udp_wire.c: the UDP header (RFC 768).
 */
#include "../core/core.h"

int
erg_udp_parse(struct erg_udp_repr *r, struct erg_view *payload,
    struct erg_view v, uint32_t src, uint32_t dst, enum erg_stat *why)
{
	enum erg_stat reason;
	uint16_t ulen, ck;
	int rc = -ERG_EMALFORMED;

	if (v.len < ERG_UDP_HDR_LEN) {
		reason = ERG_STAT_UDP_TRUNCATED;
		rc = -ERG_ETRUNC;
		goto bad;
	}
	ulen = erg_be16(v.p + 4);
	if (ulen < ERG_UDP_HDR_LEN || ulen > v.len) {
		reason = ERG_STAT_UDP_BAD_LEN;
		goto bad;
	}
	ck = erg_be16(v.p + 6);
	if (ck != 0) {
		struct erg_cksum c;

		/* Over the length field's bytes, not the buffer's. */
		erg_cksum_init(&c);
		erg_cksum_add_pseudo(&c, src, dst, ERG_IP_PROTO_UDP, ulen);
		erg_cksum_add(&c, v.p, ulen);
		if (erg_cksum_finish(&c) != 0) {
			reason = ERG_STAT_UDP_BAD_CHECKSUM;
			rc = -ERG_ECHECKSUM;
			goto bad;
		}
	}
	r->src_port = erg_be16(v.p);
	r->dst_port = erg_be16(v.p + 2);
	r->len = ulen;
	r->checksum = ck;
	*payload = erg_view_make(v.p + ERG_UDP_HDR_LEN, ulen - ERG_UDP_HDR_LEN);
	return 0;
bad:
	if (why != NULL) {
		*why = reason;
	}
	return rc;
}

void
erg_udp_emit(const struct erg_udp_repr *r, uint32_t src, uint32_t dst,
    const struct erg_view *payload, unsigned n, uint8_t *hdr)
{
	struct erg_cksum c;
	uint16_t ck;
	unsigned i;

	erg_put_be16(hdr, r->src_port);
	erg_put_be16(hdr + 2, r->dst_port);
	erg_put_be16(hdr + 4, r->len);
	erg_put_be16(hdr + 6, 0);
	erg_cksum_init(&c);
	erg_cksum_add_pseudo(&c, src, dst, ERG_IP_PROTO_UDP, r->len);
	erg_cksum_add(&c, hdr, ERG_UDP_HDR_LEN);
	for (i = 0; i < n; i++) {
		erg_cksum_add(&c, payload[i].p, payload[i].len);
	}
	ck = erg_cksum_finish(&c);
	/* RFC 768: a computed zero is sent as all ones. */
	erg_put_be16(hdr + 6, ck == 0 ? 0xffff : ck);
}
