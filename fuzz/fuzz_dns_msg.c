/*
 * fuzz/fuzz_dns_msg.c: the DNS message codec (erg/dns.h "Reading a
 * message", "Building a message", names and rdata as text).
 *
 * Input: a DNS message as it would arrive over UDP (no TCP length
 * prefix). The harness reads every question and record, decodes and
 * prints every rdata, reads a name at every offset, and rebuilds what
 * it read. Invariants:
 * - erg_dns_name_read at every offset agrees with an independent
 *   reference of the documented rules (RFC 9267: pointers strictly before
 *   the run that jumped, never into the header, at most ERG_DNS_PTR_MAX
 *   jumps; labels <= 63; names <= 255 bytes as they grow; label types 01
 *   and 10 refused): same verdict, same name, same cursor;
 * - every name handed out is a well-formed wire name; every rdata view
 *   lies inside the input at rdata_off;
 * - a record erg_dns_rr_next returned decodes (erg_dns_rdata_parse gives
 *   0, or -ERG_EUNSUPPORTED for types erg leaves opaque, never
 *   -ERG_EMALFORMED) and prints: the length returned equals the text
 *   written, and a shorter buffer gets a NUL-ended prefix of it with the
 *   same length returned;
 * - after an error, the message stays refused;
 * - when the whole message reads, the items read equal the header's
 *   counts, and rebuilding them with the builder (names uncompressed)
 *   gives a message that reads back to the same items: same names (byte
 *   for byte), types, classes, TTLs, sections, decoded fields and text.
 */
#include <string.h>

#include "erg/erg.h"
#include "fuzz.h"

/* Items kept for the round trip; beyond this it is skipped. */
#define KEEP_MAX 64
#define TEXT_CAP 4096

/* ---- Reference name reader ---------------------------------------------- */

/*
 * The rules of erg/dns.h written plainly: returns 0 (name in out, *off
 * moved), or -1. Does not distinguish truncation from malformation.
 */
static int
ref_name(const uint8_t *p, size_t len, size_t *off, uint8_t *out,
    size_t *outlen)
{
	size_t pos = *off, run = *off, end = 0, w = 0;
	unsigned jumps = 0;

	for (;;) {
		if (pos >= len) {
			return -1;
		}
		if (p[pos] >= 0xc0) {
			size_t t;

			if (pos + 1 >= len) {
				return -1;
			}
			t = (size_t)(p[pos] & 0x3f) * 256 + p[pos + 1];
			if (t < 12 || t >= run || jumps == ERG_DNS_PTR_MAX) {
				return -1;
			}
			if (jumps++ == 0) {
				end = pos + 2;
			}
			pos = run = t;
		} else if (p[pos] >= 0x40) {
			return -1;
		} else if (p[pos] == 0) {
			out[w++] = 0;
			break;
		} else {
			size_t l = p[pos];

			if (w + l + 2 > 255 || pos + 1 + l > len) {
				return -1;
			}
			memcpy(out + w, p + pos, l + 1);
			w += l + 1;
			pos += l + 1;
		}
	}
	*outlen = w;
	*off = jumps ? end : pos + 1;
	return 0;
}

/* A well-formed uncompressed wire name. */
static int
name_ok(const struct erg_dns_name *n)
{
	size_t pos = 0;

	if (n->len == 0) {
		return 0;
	}
	while (pos < n->len) {
		if (n->wire[pos] == 0) {
			return pos + 1 == n->len;
		}
		if (n->wire[pos] > 63) {
			return 0;
		}
		pos += 1u + n->wire[pos];
	}
	return 0;
}

static void
check_name_reads(const uint8_t *data, size_t len)
{
	size_t off, lim = len < 600 ? len + 1 : 600;

	for (off = 0; off < lim; off++) {
		struct erg_dns_name n;
		uint8_t ref[256];
		size_t o = off, ro = off, rlen = 0;
		int rc, rrc;

		rc = erg_dns_name_read(erg_view_make(data, len), &o, &n);
		rrc = ref_name(data, len, &ro, ref, &rlen);
		FUZZ_CHECK((rc == 0) == (rrc == 0));
		if (rc < 0) {
			FUZZ_CHECK(rc == -ERG_ETRUNC || rc == -ERG_EMALFORMED);
			FUZZ_CHECK(o == off);
			continue;
		}
		FUZZ_CHECK(o == ro);
		FUZZ_CHECK(n.len == rlen && memcmp(n.wire, ref, rlen) == 0);
		FUZZ_CHECK(name_ok(&n));
	}
}

/* ---- Reading ------------------------------------------------------------ */

struct item {
	int is_q;
	struct erg_dns_name name;
	uint16_t type, rclass;
	uint32_t ttl;
	enum erg_dns_section section;
	int rc; /* rdata_parse's */
	struct erg_dns_rdata d;
	struct erg_view rdata;
	size_t text_len;
	char text[TEXT_CAP];
};

static struct item items_a[KEEP_MAX], items_b[KEEP_MAX];

/* rdata_to_text's invariants; returns the text's length. */
static size_t
check_text(const struct erg_dns_msg *m, const struct erg_dns_rr *rr, char *text)
{
	char small[17];
	size_t n, cut;

	n = erg_dns_rdata_to_text(m, rr, text, TEXT_CAP);
	FUZZ_CHECK(n > 0);
	if (n >= TEXT_CAP) {
		FUZZ_CHECK(strlen(text) == TEXT_CAP - 1);
		return n;
	}
	FUZZ_CHECK(strlen(text) == n);
	cut = n % sizeof(small) + 1;
	FUZZ_CHECK(erg_dns_rdata_to_text(m, rr, small, cut) == n);
	FUZZ_CHECK(strlen(small) == (n < cut ? n : cut - 1));
	FUZZ_CHECK(memcmp(small, text, strlen(small)) == 0);
	return n;
}

/*
 * Reads the message into items (up to KEEP_MAX kept). Returns the number
 * of items read, or -1 if the message was refused.
 */
static int
read_msg(const uint8_t *data, size_t len, struct item *items, size_t *kept,
    struct erg_dns_hdr *hdr)
{
	struct erg_dns_msg m;
	struct erg_dns_question q;
	struct erg_dns_rr rr;
	int rc, n = 0;

	*kept = 0;
	rc = erg_dns_msg_parse(&m, erg_view_make(data, len));
	if (rc < 0) {
		FUZZ_CHECK(rc == -ERG_ETRUNC || rc == -ERG_EMALFORMED);
		FUZZ_CHECK(len < 12 || rc == -ERG_EMALFORMED);
		return -1;
	}
	*hdr = m.hdr;
	while ((rc = erg_dns_question_next(&m, &q)) == 1) {
		FUZZ_CHECK(name_ok(&q.name));
		if (*kept < KEEP_MAX) {
			struct item *it = &items[(*kept)++];

			memset(it, 0, sizeof(*it));
			it->is_q = 1;
			it->name = q.name;
			it->type = q.type;
			it->rclass = q.qclass;
		}
		n++;
	}
	while (rc == 0 && (rc = erg_dns_rr_next(&m, &rr)) == 1) {
		struct erg_dns_rdata d;
		int prc;

		FUZZ_CHECK(name_ok(&rr.name));
		FUZZ_CHECK(
		    rr.rdata_off <= len && rr.rdata.len <= len - rr.rdata_off);
		FUZZ_CHECK(rr.rdata.p == data + rr.rdata_off);
		FUZZ_CHECK(rr.section >= ERG_DNS_SEC_ANSWER &&
		    rr.section <= ERG_DNS_SEC_ADDITIONAL);
		prc = erg_dns_rdata_parse(&m, &rr, &d);
		FUZZ_CHECK(prc == 0 || prc == -ERG_EUNSUPPORTED);
		if (prc == 0 && rr.type != ERG_DNS_TYPE_A &&
		    rr.type != ERG_DNS_TYPE_AAAA &&
		    rr.type != ERG_DNS_TYPE_TXT) {
			FUZZ_CHECK(name_ok(&d.target));
		}
		if (*kept < KEEP_MAX) {
			struct item *it = &items[(*kept)++];

			memset(it, 0, sizeof(*it));
			it->name = rr.name;
			it->type = rr.type;
			it->rclass = rr.rclass;
			it->ttl = rr.ttl;
			it->section = rr.section;
			it->rc = prc;
			it->d = d;
			it->rdata = rr.rdata;
			it->text_len = check_text(&m, &rr, it->text);
		} else {
			char text[TEXT_CAP];

			(void)check_text(&m, &rr, text);
		}
		n++;
		rc = 0;
	}
	if (rc < 0) {
		FUZZ_CHECK(rc == -ERG_ETRUNC || rc == -ERG_EMALFORMED);
		FUZZ_CHECK(erg_dns_rr_next(&m, &rr) < 0);
		FUZZ_CHECK(erg_dns_question_next(&m, &q) < 0);
		return -1;
	}
	FUZZ_CHECK(erg_dns_rr_next(&m, &rr) == 0);
	FUZZ_CHECK(m.off <= len);
	FUZZ_CHECK((unsigned)n ==
	    (unsigned)hdr->count[0] + hdr->count[1] + hdr->count[2] +
	        hdr->count[3]);
	return n;
}

/* ---- Rebuilding -----------------------------------------------------------
 */

/* Writes the rdata of it uncompressed, from the decoded fields. */
static int
build_rdata(struct erg_dns_builder *b, const struct item *it)
{
	uint8_t fixed[20];
	unsigned i;
	int rc = 0;

	if (it->rc != 0) {
		return erg_dns_build_bytes(b, it->rdata.p, it->rdata.len);
	}
	switch (it->type) {
	case ERG_DNS_TYPE_A:
		erg_put_be32(fixed, it->d.a);
		return erg_dns_build_bytes(b, fixed, 4);
	case ERG_DNS_TYPE_AAAA:
		return erg_dns_build_bytes(b, it->d.aaaa, 16);
	case ERG_DNS_TYPE_TXT:
		return erg_dns_build_bytes(b, it->d.txt.p, it->d.txt.len);
	case ERG_DNS_TYPE_MX:
		erg_put_be16(fixed, it->d.pref);
		rc = erg_dns_build_bytes(b, fixed, 2);
		break;
	case ERG_DNS_TYPE_SRV:
		erg_put_be16(fixed, it->d.pref);
		erg_put_be16(fixed + 2, it->d.weight);
		erg_put_be16(fixed + 4, it->d.port);
		rc = erg_dns_build_bytes(b, fixed, 6);
		break;
	case ERG_DNS_TYPE_SOA:
		rc = erg_dns_build_name(b, &it->d.target);
		if (rc == 0) {
			rc = erg_dns_build_name(b, &it->d.rname);
		}
		for (i = 0; i < 5; i++) {
			erg_put_be32(fixed + 4 * i, it->d.soa[i]);
		}
		return rc < 0 ? rc : erg_dns_build_bytes(b, fixed, 20);
	default:
		break;
	}
	return rc < 0 ? rc : erg_dns_build_name(b, &it->d.target);
}

static void
round_trip(const struct erg_dns_hdr *hdr, const struct item *items, size_t kept)
{
	static uint8_t buf[ERG_DNS_MSG_MAX];
	struct erg_dns_builder b;
	struct erg_dns_hdr hdr2;
	size_t i, kept2;
	int len, n;

	FUZZ_CHECK(
	    erg_dns_build_init(&b, buf, sizeof(buf), hdr->id, hdr->flags) == 0);
	for (i = 0; i < kept; i++) {
		const struct item *it = &items[i];
		int rc;

		if (it->is_q) {
			rc = erg_dns_build_question(&b, &it->name, it->type,
			    it->rclass);
			FUZZ_CHECK(rc == 0 || rc == -ERG_ENOSPC);
			if (rc < 0) {
				return;
			}
			continue;
		}
		rc = erg_dns_build_rr_begin(&b, it->section, &it->name,
		    it->type, it->rclass, it->ttl);
		if (rc == 0) {
			rc = build_rdata(&b, it);
		}
		if (rc == 0) {
			rc = erg_dns_build_rr_end(&b);
		}
		if (rc < 0) {
			/* Only room can run out: decompression grows. */
			FUZZ_CHECK(rc == -ERG_ENOSPC);
			return;
		}
	}
	len = erg_dns_build_finish(&b);
	FUZZ_CHECK(len >= 12);
	n = read_msg(buf, (size_t)len, items_b, &kept2, &hdr2);
	FUZZ_CHECK(n == (int)kept && kept2 == kept);
	FUZZ_CHECK(hdr2.id == hdr->id && hdr2.flags == hdr->flags);
	for (i = 0; i < kept; i++) {
		const struct item *x = &items[i], *y = &items_b[i];

		FUZZ_CHECK(x->is_q == y->is_q);
		FUZZ_CHECK(x->name.len == y->name.len &&
		    memcmp(x->name.wire, y->name.wire, x->name.len) == 0);
		FUZZ_CHECK(x->type == y->type && x->rclass == y->rclass);
		if (x->is_q) {
			continue;
		}
		FUZZ_CHECK(x->ttl == y->ttl && x->section == y->section);
		FUZZ_CHECK(x->rc == y->rc);
		FUZZ_CHECK(x->text_len == y->text_len &&
		    strcmp(x->text, y->text) == 0);
		if (x->rc != 0) {
			FUZZ_CHECK(x->rdata.len == y->rdata.len &&
			    memcmp(x->rdata.p, y->rdata.p, x->rdata.len) == 0);
			continue;
		}
		FUZZ_CHECK(x->d.a == y->d.a && x->d.pref == y->d.pref &&
		    x->d.weight == y->d.weight && x->d.port == y->d.port);
		FUZZ_CHECK(memcmp(x->d.aaaa, y->d.aaaa, 16) == 0);
		FUZZ_CHECK(memcmp(x->d.soa, y->d.soa, sizeof(x->d.soa)) == 0);
		FUZZ_CHECK(x->d.target.len == y->d.target.len &&
		    memcmp(x->d.target.wire, y->d.target.wire,
		        x->d.target.len) == 0);
		FUZZ_CHECK(x->d.rname.len == y->d.rname.len &&
		    memcmp(x->d.rname.wire, y->d.rname.wire, x->d.rname.len) ==
		        0);
		FUZZ_CHECK(x->d.txt.len == y->d.txt.len &&
		    (x->d.txt.len == 0 ||
		        memcmp(x->d.txt.p, y->d.txt.p, x->d.txt.len) == 0));
	}
}

/* Names as text: from_text(to_text(n)) gives n back for plain names. */
static void
check_name_text(const struct erg_dns_name *n)
{
	char t[ERG_DNS_TEXT_MAX * 4 + 8];
	struct erg_dns_name back;
	size_t len, i;
	int plain = 1;

	len = erg_dns_name_to_text(n, t, sizeof(t));
	FUZZ_CHECK(len > 0 && len < sizeof(t) && strlen(t) == len);
	FUZZ_CHECK(t[len - 1] == '.');
	for (i = 0; i < len; i++) {
		plain &= t[i] != '\\';
	}
	if (!plain) {
		return;
	}
	FUZZ_CHECK(erg_dns_name_from_text(&back, t, len) == 0);
	FUZZ_CHECK(erg_dns_name_eq(&back, n));
	FUZZ_CHECK(
	    back.len == n->len && memcmp(back.wire, n->wire, n->len) == 0);
}

int
erg_fuzz_one(const uint8_t *data, size_t len)
{
	struct erg_dns_hdr hdr;
	size_t kept, i;
	int n;

	check_name_reads(data, len);
	n = read_msg(data, len, items_a, &kept, &hdr);
	for (i = 0; i < kept; i++) {
		check_name_text(&items_a[i].name);
	}
	if (n >= 0 && (size_t)n == kept) {
		round_trip(&hdr, items_a, kept);
	}
	return 0;
}
