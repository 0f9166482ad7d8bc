/*
 * src/dns/dns_build.c: writing DNS messages (RFC 1035 4.1): queries, and
 * full responses for tests and future servers.
 *
 * Decisions where the RFCs are silent:
 * - No name compression (RFC 1035 4.1.4 makes it optional): every name
 *   is written whole, so the output is easy to check and never holds a
 *   pointer a reader could refuse.
 * - Every call checks everything (state, name, room) before it writes a
 *   byte, so a failing call leaves the message exactly as it was; a
 *   responder can stop at the last record that fits and set TC.
 * - The header is rewritten after every item, so the buffer always holds
 *   a well-formed message with the counts so far.
 * - Names given to the builder must be well-formed uncompressed wire
 *   names (as erg_dns_name_from_text and erg_dns_name_read make them);
 *   anything else is -ERG_EINVAL. A message never exceeds
 *   ERG_DNS_MSG_MAX bytes, nor an rdata 65535; a count never wraps.
 * - The builder does not check rdata against its type's format: tests
 *   build malformed records on purpose.
 */
#include "dns_codec.h"

#define RR_FIXED  10u /* TYPE, CLASS, TTL, RDLENGTH */
#define Q_FIXED   4u  /* QTYPE, QCLASS */
#define RDLEN_MAX 0xffffu
#define COUNT_MAX 0xffffu

static void
put_header(struct erg_dns_builder *b)
{
	unsigned i;

	erg_put_be16(b->buf, b->hdr.id);
	erg_put_be16(b->buf + 2, b->hdr.flags);
	for (i = 0; i < 4; i++) {
		erg_put_be16(b->buf + 4 + (size_t)2 * i, b->hdr.count[i]);
	}
}

/* Bytes still free. */
static size_t
room(const struct erg_dns_builder *b)
{
	return b->cap - b->len;
}

int
erg_dns_build_init(struct erg_dns_builder *b, uint8_t *buf, size_t cap,
    uint16_t id, uint16_t flags)
{
	if (buf == NULL) {
		return -ERG_EINVAL;
	}
	if (cap < ERG_DNS_HDR_LEN) {
		return -ERG_ENOSPC;
	}
	memset(b, 0, sizeof(*b));
	b->buf = buf;
	b->cap = ERG_MIN(cap, (size_t)ERG_DNS_MSG_MAX);
	b->len = ERG_DNS_HDR_LEN;
	b->section = ERG_DNS_SEC_QUESTION;
	b->hdr.id = id;
	b->hdr.flags = flags;
	put_header(b);
	return 0;
}

int
erg_dns_build_question(struct erg_dns_builder *b,
    const struct erg_dns_name *name, uint16_t type, uint16_t qclass)
{
	uint8_t *p;

	if (b->rr_start != 0 || b->section != ERG_DNS_SEC_QUESTION) {
		return -ERG_ESTATE;
	}
	if (!dns_name_ok(name)) {
		return -ERG_EINVAL;
	}
	if (room(b) < (size_t)name->len + Q_FIXED ||
	    b->hdr.count[ERG_DNS_SEC_QUESTION] == COUNT_MAX) {
		return -ERG_ENOSPC;
	}
	p = b->buf + b->len;
	memcpy(p, name->wire, name->len);
	erg_put_be16(p + name->len, type);
	erg_put_be16(p + name->len + 2, qclass);
	b->len += (size_t)name->len + Q_FIXED;
	b->hdr.count[ERG_DNS_SEC_QUESTION]++;
	put_header(b);
	return 0;
}

/*
 * Checks that a record may start in sec with this owner name and rdlen
 * bytes of rdata to follow. Returns 0 or the error to give.
 */
static int
rr_may_start(const struct erg_dns_builder *b, enum erg_dns_section sec,
    const struct erg_dns_name *name, size_t rdlen)
{
	if (b->rr_start != 0) {
		return -ERG_ESTATE;
	}
	if (sec < ERG_DNS_SEC_ANSWER || sec > ERG_DNS_SEC_ADDITIONAL) {
		return -ERG_EINVAL;
	}
	if ((unsigned)sec < b->section) {
		return -ERG_ESTATE;
	}
	if (!dns_name_ok(name)) {
		return -ERG_EINVAL;
	}
	if (rdlen > RDLEN_MAX || b->hdr.count[sec] == COUNT_MAX ||
	    room(b) < (size_t)name->len + RR_FIXED ||
	    room(b) - name->len - RR_FIXED < rdlen) {
		return -ERG_ENOSPC;
	}
	return 0;
}

/* Writes owner name and fixed part, RDLENGTH rdlen; returns its offset. */
static size_t
rr_put_head(struct erg_dns_builder *b, const struct erg_dns_name *name,
    uint16_t type, uint16_t rclass, uint32_t ttl, size_t rdlen)
{
	uint8_t *p = b->buf + b->len;
	size_t rdlen_off;

	memcpy(p, name->wire, name->len);
	p += name->len;
	erg_put_be16(p, type);
	erg_put_be16(p + 2, rclass);
	erg_put_be32(p + 4, ttl);
	erg_put_be16(p + 8, (uint16_t)rdlen);
	rdlen_off = b->len + name->len + 8;
	b->len += (size_t)name->len + RR_FIXED;
	return rdlen_off;
}

int
erg_dns_build_rr(struct erg_dns_builder *b, enum erg_dns_section sec,
    const struct erg_dns_name *name, uint16_t type, uint16_t rclass,
    uint32_t ttl, const void *rdata, size_t rdlen)
{
	int rc;

	rc = rr_may_start(b, sec, name, rdlen);
	if (rc < 0) {
		return rc;
	}
	if (rdlen > 0 && rdata == NULL) {
		return -ERG_EINVAL;
	}
	(void)rr_put_head(b, name, type, rclass, ttl, rdlen);
	if (rdlen > 0) {
		memcpy(b->buf + b->len, rdata, rdlen);
	}
	b->len += rdlen;
	b->section = sec;
	b->hdr.count[sec]++;
	put_header(b);
	return 0;
}

int
erg_dns_build_rr_begin(struct erg_dns_builder *b, enum erg_dns_section sec,
    const struct erg_dns_name *name, uint16_t type, uint16_t rclass,
    uint32_t ttl)
{
	size_t owner = b->len;
	int rc;

	rc = rr_may_start(b, sec, name, 0);
	if (rc < 0) {
		return rc;
	}
	b->rr_start = rr_put_head(b, name, type, rclass, ttl, 0);
	b->rr_owner = owner;
	b->rr_section = b->section;
	b->section = sec;
	return 0;
}

/* Room for len more rdata bytes in the open record? 0 or the error. */
static int
rdata_may_grow(const struct erg_dns_builder *b, size_t len)
{
	size_t have;

	if (b->rr_start == 0) {
		return -ERG_ESTATE;
	}
	have = b->len - (b->rr_start + 2);
	if (len > room(b) || len > RDLEN_MAX - have) {
		return -ERG_ENOSPC;
	}
	return 0;
}

int
erg_dns_build_bytes(struct erg_dns_builder *b, const void *p, size_t len)
{
	int rc;

	rc = rdata_may_grow(b, len);
	if (rc < 0) {
		return rc;
	}
	if (len > 0) {
		if (p == NULL) {
			return -ERG_EINVAL;
		}
		memcpy(b->buf + b->len, p, len);
	}
	b->len += len;
	return 0;
}

int
erg_dns_build_name(struct erg_dns_builder *b, const struct erg_dns_name *n)
{
	int rc;

	if (b->rr_start == 0) {
		return -ERG_ESTATE;
	}
	if (!dns_name_ok(n)) {
		return -ERG_EINVAL;
	}
	rc = rdata_may_grow(b, n->len);
	if (rc < 0) {
		return rc;
	}
	memcpy(b->buf + b->len, n->wire, n->len);
	b->len += n->len;
	return 0;
}

int
erg_dns_build_rr_end(struct erg_dns_builder *b)
{
	size_t rdlen;

	if (b->rr_start == 0) {
		return -ERG_ESTATE;
	}
	/* rdata_may_grow kept rdlen <= 65535, rr_may_start the count. */
	rdlen = b->len - (b->rr_start + 2);
	erg_put_be16(b->buf + b->rr_start, (uint16_t)rdlen);
	b->rr_start = 0;
	b->hdr.count[b->section]++;
	put_header(b);
	return 0;
}

void
erg_dns_build_abort(struct erg_dns_builder *b)
{
	if (b->rr_start == 0) {
		return;
	}
	b->len = b->rr_owner;
	b->section = b->rr_section;
	b->rr_start = 0;
}

int
erg_dns_build_finish(struct erg_dns_builder *b)
{
	if (b->rr_start != 0) {
		return -ERG_ESTATE;
	}
	put_header(b);
	/* b->cap <= ERG_DNS_MSG_MAX, so the length fits an int. */
	return (int)b->len;
}
