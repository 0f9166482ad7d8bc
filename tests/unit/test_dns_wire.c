/*
 * tests/unit/test_dns_wire.c: the DNS message codec (src/dns/dns_wire.c,
 * dns_build.c, dns_text.c): RFC 1035 messages read under RFC 9267's
 * checks, built, and printed as `dig +short` prints them.
 *
 * Real messages come from tests/vectors/dns/dns_vectors.h: dig 9.18
 * asking dnsmasq 2.90 in a network namespace (capture.sh there), with
 * what dig +short printed for each answer. Malformed messages are made
 * by hand here, one per RFC 9267 check and TESTING.md bad-input class
 * 1 to 4; every message under test is copied into a buffer of exactly
 * its size first, so that AddressSanitizer catches a read one byte past
 * the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "erg/erg.h"
#include "dns/dns_vectors.h"

/* ---- Helpers ------------------------------------------------------------- */

/* A copy of bytes in a heap block of exactly their size (ASan-checked). */
static uint8_t *
exact_copy(const uint8_t *p, size_t len)
{
	uint8_t *c = malloc(len > 0 ? len : 1);

	assert_non_null(c);
	if (len > 0) {
		memcpy(c, p, len);
	}
	return c;
}

static const struct dns_vector *
vec(const char *what)
{
	size_t i;

	for (i = 0; i < DNS_VECTOR_COUNT; i++) {
		if (strcmp(dns_vectors[i].what, what) == 0) {
			return &dns_vectors[i];
		}
	}
	fail_msg("no vector \"%s\"", what);
	return NULL;
}

static struct erg_dns_name
name_of(const char *s)
{
	struct erg_dns_name n;

	assert_int_equal(erg_dns_name_from_text(&n, s, strlen(s)), 0);
	return n;
}

/* A message being assembled by hand, byte by byte. */
struct mb {
	uint8_t b[2048];
	size_t n;
};

static void
mb_u8(struct mb *m, unsigned v)
{
	assert_true(m->n < sizeof(m->b));
	m->b[m->n++] = (uint8_t)v;
}

static void
mb_u16(struct mb *m, unsigned v)
{
	mb_u8(m, v >> 8);
	mb_u8(m, v & 0xff);
}

static void
mb_u32(struct mb *m, uint32_t v)
{
	mb_u16(m, v >> 16);
	mb_u16(m, v & 0xffff);
}

static void
mb_bytes(struct mb *m, const void *p, size_t len)
{
	assert_true(len <= sizeof(m->b) - m->n);
	memcpy(m->b + m->n, p, len);
	m->n += len;
}

/* A text name in wire form ("" is the root), uncompressed. */
static void
mb_name(struct mb *m, const char *s)
{
	struct erg_dns_name n;

	if (*s == '\0') {
		mb_u8(m, 0);
		return;
	}
	n = name_of(s);
	mb_bytes(m, n.wire, n.len);
}

/* A label of len bytes of c (no root after it). */
static void
mb_label(struct mb *m, unsigned len, char c)
{
	unsigned i;

	mb_u8(m, len);
	for (i = 0; i < len; i++) {
		mb_u8(m, (uint8_t)c);
	}
}

static void
mb_hdr(struct mb *m, unsigned qd, unsigned an, unsigned ns, unsigned ar)
{
	m->n = 0;
	mb_u16(m, 0x1234);
	mb_u16(m, ERG_DNS_F_QR | ERG_DNS_F_RD | ERG_DNS_F_RA);
	mb_u16(m, qd);
	mb_u16(m, an);
	mb_u16(m, ns);
	mb_u16(m, ar);
}

/* The fixed part of a record; rdata follows. */
static void
mb_rr_fixed(struct mb *m, unsigned type, unsigned rdlen)
{
	mb_u16(m, type);
	mb_u16(m, ERG_DNS_CLASS_IN);
	mb_u32(m, 300);
	mb_u16(m, rdlen);
}

/*
 * Reads every question and record of the len bytes at p (copied to an
 * exact-size buffer) and decodes every rdata. Returns the first error,
 * or the number of records read.
 */
static int
read_all(const uint8_t *p, size_t len)
{
	struct erg_dns_msg m;
	struct erg_dns_question q;
	struct erg_dns_rr rr;
	struct erg_dns_rdata d;
	uint8_t *c = exact_copy(p, len);
	int rc, n = 0;

	rc = erg_dns_msg_parse(&m, erg_view_make(c, len));
	while (rc == 0 && (rc = erg_dns_question_next(&m, &q)) == 1) {
		rc = 0;
	}
	while (rc == 0 && (rc = erg_dns_rr_next(&m, &rr)) == 1) {
		rc = erg_dns_rdata_parse(&m, &rr, &d);
		assert_true(rc == 0 || rc == -ERG_EUNSUPPORTED);
		rc = 0;
		n++;
	}
	free(c);
	return rc < 0 ? rc : n;
}

/* Reads the name at *off of the len bytes at p (exact-size copy). */
static int
read_name_at(const uint8_t *p, size_t len, size_t *off, struct erg_dns_name *n)
{
	uint8_t *c = exact_copy(p, len);
	int rc = erg_dns_name_read(erg_view_make(c, len), off, n);

	free(c);
	return rc;
}

/* Joins rdata_to_text of the answer section, '\n' between lines. */
static void
answer_text(const uint8_t *p, size_t len, char *out, size_t cap)
{
	struct erg_dns_msg m;
	struct erg_dns_rr rr;
	char line[1024];
	size_t used = 0, n;
	int rc;

	assert_int_equal(erg_dns_msg_parse(&m, erg_view_make(p, len)), 0);
	out[0] = '\0';
	while ((rc = erg_dns_rr_next(&m, &rr)) == 1) {
		if (rr.section != ERG_DNS_SEC_ANSWER) {
			continue;
		}
		n = erg_dns_rdata_to_text(&m, &rr, line, sizeof(line));
		assert_true(n > 0 && n < sizeof(line));
		assert_int_equal(strlen(line), n);
		assert_true(used + n + 2 < cap);
		if (used > 0) {
			out[used++] = '\n';
		}
		memcpy(out + used, line, n + 1);
		used += n;
	}
	assert_int_equal(rc, 0);
}

/* ---- Real messages ------------------------------------------------------- */

/*
 * Every captured message parses: the question is the one named in the
 * vector, every count is honoured, every rdata decodes (or is a type erg
 * leaves opaque), and the records end exactly at the message's end.
 */
static void
test_real_messages_parse_completely(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < DNS_VECTOR_COUNT; i++) {
		const struct dns_vector *v = &dns_vectors[i];
		struct erg_dns_msg m;
		struct erg_dns_question q;
		struct erg_dns_rr rr;
		struct erg_dns_rdata d;
		char text[ERG_DNS_TEXT_MAX], want[ERG_DNS_TEXT_MAX];
		const char *sp;
		unsigned nrr = 0, per[4] = { 0, 0, 0, 0 };
		int rc;

		assert_int_equal(
		    erg_dns_msg_parse(&m, erg_view_make(v->msg, v->len)), 0);
		assert_int_equal(!!(m.hdr.flags & ERG_DNS_F_QR), v->response);
		assert_int_equal(m.hdr.count[0], 1);
		assert_int_equal(erg_dns_question_next(&m, &q), 1);
		/* "query NAME TYPE...": the name, with dig's final dot. */
		sp = strchr(v->what, ' ') + 1;
		snprintf(want, sizeof(want), "%.*s.",
		    (int)(strchr(sp, ' ') - sp), sp);
		erg_dns_name_to_text(&q.name, text, sizeof(text));
		assert_string_equal(text, want);
		assert_int_equal(q.qclass, ERG_DNS_CLASS_IN);
		assert_int_equal(erg_dns_question_next(&m, &q), 0);
		while ((rc = erg_dns_rr_next(&m, &rr)) == 1) {
			rc = erg_dns_rdata_parse(&m, &rr, &d);
			if (rr.type == ERG_DNS_TYPE_OPT || rr.type == 65280) {
				assert_int_equal(rc, -ERG_EUNSUPPORTED);
			} else {
				assert_int_equal(rc, 0);
			}
			per[rr.section]++;
			nrr++;
		}
		assert_int_equal(rc, 0);
		assert_int_equal(per[1], m.hdr.count[1]);
		assert_int_equal(per[2], m.hdr.count[2]);
		assert_int_equal(per[3], m.hdr.count[3]);
		assert_int_equal(m.off, v->len);
		/* Read to the end: stays at the end. */
		assert_int_equal(erg_dns_rr_next(&m, &rr), 0);
		assert_int_equal(read_all(v->msg, v->len), (int)nrr);
	}
}

/* What erg prints for each answer is what dig +short printed for it. */
static void
test_rdata_text_equals_captured_dig_short(void **state)
{
	static char got[8192];
	size_t i, checked = 0;

	(void)state;
	for (i = 0; i < DNS_VECTOR_COUNT; i++) {
		const struct dns_vector *v = &dns_vectors[i];

		if (v->dig_short == NULL) {
			continue;
		}
		answer_text(v->msg, v->len, got, sizeof(got));
		if (strcmp(got, v->dig_short) != 0) {
			fail_msg("%s:\n got: %s\nwant: %s", v->what, got,
			    v->dig_short);
		}
		checked++;
	}
	/* One per question of capture.sh. */
	assert_int_equal(checked, 22);
}

/* Field by field, the decoded rdata of the captured answers. */
static void
test_rdata_parse_decodes_captured_fields(void **state)
{
	const struct dns_vector *v;
	struct erg_dns_msg m;
	struct erg_dns_rr rr;
	struct erg_dns_rdata d;
	char t[ERG_DNS_TEXT_MAX];

	(void)state;
	v = vec("response www.erg.test A");
	assert_int_equal(erg_dns_msg_parse(&m, erg_view_make(v->msg, v->len)),
	    0);
	assert_int_equal(erg_dns_rr_next(&m, &rr), 1);
	assert_int_equal(rr.type, ERG_DNS_TYPE_A);
	assert_int_equal(rr.section, ERG_DNS_SEC_ANSWER);
	assert_int_equal(erg_dns_rdata_parse(&m, &rr, &d), 0);
	assert_int_equal(d.a, ERG_IPV4(198, 18, 6, 10));
	assert_int_equal(erg_dns_rr_next(&m, &rr), 1);
	assert_int_equal(rr.type, ERG_DNS_TYPE_OPT);
	assert_int_equal(rr.section, ERG_DNS_SEC_ADDITIONAL);
	assert_int_equal(rr.name.len, 1);

	v = vec("response zone.test SOA");
	assert_int_equal(erg_dns_msg_parse(&m, erg_view_make(v->msg, v->len)),
	    0);
	assert_int_equal(erg_dns_rr_next(&m, &rr), 1);
	assert_int_equal(rr.type, ERG_DNS_TYPE_SOA);
	assert_int_equal(erg_dns_rdata_parse(&m, &rr, &d), 0);
	erg_dns_name_to_text(&d.target, t, sizeof(t));
	assert_string_equal(t, "ns1.zone.test.");
	erg_dns_name_to_text(&d.rname, t, sizeof(t));
	assert_string_equal(t, "hostmaster.zone.test.");
	assert_int_equal(d.soa[0], 2024061501u);
	assert_int_equal(d.soa[1], 1200);
	assert_int_equal(d.soa[2], 180);
	assert_int_equal(d.soa[3], 1209600);
	assert_int_equal(d.soa[4], 300);

	v = vec("response _sip._udp.erg.test SRV");
	assert_int_equal(erg_dns_msg_parse(&m, erg_view_make(v->msg, v->len)),
	    0);
	do {
		assert_int_equal(erg_dns_rr_next(&m, &rr), 1);
	} while (rr.type != ERG_DNS_TYPE_SRV);
	assert_int_equal(erg_dns_rdata_parse(&m, &rr, &d), 0);
	erg_dns_name_to_text(&d.target, t, sizeof(t));
	if (d.port == 5060) {
		assert_int_equal(d.pref, 0);
		assert_int_equal(d.weight, 5);
		assert_string_equal(t, "sip.erg.test.");
	} else {
		assert_int_equal(d.port, 5061);
		assert_int_equal(d.pref, 10);
		assert_int_equal(d.weight, 60);
		assert_string_equal(t, "sip2.erg.test.");
	}
}

/* The +noedns answer that did not fit: TC set, parsed as far as it goes. */
static void
test_truncated_udp_answer_has_tc_and_parses(void **state)
{
	const struct dns_vector *v = vec("response many.erg.test A +noedns");
	struct erg_dns_msg m;

	(void)state;
	assert_true(v->len <= ERG_DNS_UDP_MAX);
	assert_int_equal(erg_dns_msg_parse(&m, erg_view_make(v->msg, v->len)),
	    0);
	assert_true(m.hdr.flags & ERG_DNS_F_TC);
	assert_true(read_all(v->msg, v->len) >= 0);
	/* The TCP answer has all 40. */
	v = vec("response many.erg.test A +noedns tcp");
	assert_true(v->len > ERG_DNS_UDP_MAX);
	assert_int_equal(read_all(v->msg, v->len), 40);
}

/* NXDOMAIN from the authoritative zone: rcode 3, the SOA in authority. */
static void
test_nxdomain_answer_carries_soa_in_authority(void **state)
{
	const struct dns_vector *v = vec("response nx.zone.test A");
	struct erg_dns_msg m;
	struct erg_dns_rr rr;

	(void)state;
	assert_int_equal(erg_dns_msg_parse(&m, erg_view_make(v->msg, v->len)),
	    0);
	assert_int_equal(m.hdr.flags & ERG_DNS_F_RCODE, ERG_DNS_RCODE_NXDOMAIN);
	assert_int_equal(m.hdr.count[1], 0);
	assert_int_equal(erg_dns_rr_next(&m, &rr), 1);
	assert_int_equal(rr.section, ERG_DNS_SEC_AUTHORITY);
	assert_int_equal(rr.type, ERG_DNS_TYPE_SOA);
}

/*
 * Every proper prefix of every real message is refused (a real message
 * ends exactly with its last record), never read past its end (ASan),
 * and whatever was read before the refusal is what the whole message
 * holds there.
 */
static void
test_every_truncation_of_real_messages_is_refused(void **state)
{
	size_t i, cut;

	(void)state;
	for (i = 0; i < DNS_VECTOR_COUNT; i++) {
		const struct dns_vector *v = &dns_vectors[i];

		for (cut = 0; cut < v->len; cut++) {
			struct erg_dns_msg full, part;
			struct erg_dns_question qf, qp;
			struct erg_dns_rr rf, rp;
			uint8_t *c = exact_copy(v->msg, cut);
			int rc;

			rc = erg_dns_msg_parse(&part, erg_view_make(c, cut));
			if (cut < ERG_DNS_HDR_LEN) {
				assert_int_equal(rc, -ERG_ETRUNC);
				free(c);
				continue;
			}
			assert_int_equal(erg_dns_msg_parse(&full,
			                     erg_view_make(v->msg, v->len)),
			    0);
			while (rc == 0) {
				rc = erg_dns_question_next(&part, &qp);
				if (rc != 1) {
					break;
				}
				assert_int_equal(
				    erg_dns_question_next(&full, &qf), 1);
				assert_true(
				    erg_dns_name_eq(&qp.name, &qf.name));
				assert_int_equal(qp.type, qf.type);
				rc = 0;
			}
			while (rc == 0) {
				rc = erg_dns_rr_next(&part, &rp);
				if (rc != 1) {
					break;
				}
				assert_int_equal(erg_dns_rr_next(&full, &rf),
				    1);
				assert_true(
				    erg_dns_name_eq(&rp.name, &rf.name));
				assert_int_equal(rp.type, rf.type);
				assert_int_equal(rp.rdata_off, rf.rdata_off);
				assert_int_equal(rp.rdata.len, rf.rdata.len);
				rc = 0;
			}
			if (rc >= 0) {
				fail_msg("%s cut at %zu accepted", v->what,
				    cut);
			}
			assert_true(rc == -ERG_ETRUNC || rc == -ERG_EMALFORMED);
			/* Spent: later calls keep refusing. */
			assert_true(erg_dns_rr_next(&part, &rp) < 0);
			free(c);
		}
	}
}

/*
 * erg_dns_name_read at every offset of every real message (exact-size
 * buffer): either refused, or a name of at most 255 bytes whose text
 * round-trips, with the cursor moved forward inside the message.
 */
static void
test_name_read_at_every_offset_stays_inside(void **state)
{
	size_t i, off;

	(void)state;
	for (i = 0; i < DNS_VECTOR_COUNT; i++) {
		const struct dns_vector *v = &dns_vectors[i];
		uint8_t *c = exact_copy(v->msg, v->len);

		for (off = 0; off <= v->len + 1; off++) {
			struct erg_dns_name n;
			size_t o = off;
			int rc;

			rc =
			    erg_dns_name_read(erg_view_make(c, v->len), &o, &n);
			if (rc < 0) {
				assert_true(
				    rc == -ERG_ETRUNC || rc == -ERG_EMALFORMED);
				assert_int_equal(o, off);
				continue;
			}
			assert_true(o > off && o <= v->len);
			assert_true(n.len >= 1);
			assert_int_equal(n.wire[n.len - 1], 0);
		}
		free(c);
	}
}

/* ---- RFC 9267 and TESTING.md classes 1 to 4 --------------------------- */

/*
 * A response with one question whose name starts at offset 12 and is
 * given raw; the type A, class IN. No records.
 */
static void
mb_question_raw(struct mb *m, const uint8_t *name, size_t len)
{
	mb_hdr(m, 1, 0, 0, 0);
	mb_bytes(m, name, len);
	mb_u16(m, ERG_DNS_TYPE_A);
	mb_u16(m, ERG_DNS_CLASS_IN);
}

static int
first_question(const struct mb *m)
{
	struct erg_dns_msg msg;
	struct erg_dns_question q;
	uint8_t *c = exact_copy(m->b, m->n);
	int rc;

	rc = erg_dns_msg_parse(&msg, erg_view_make(c, m->n));
	if (rc == 0) {
		rc = erg_dns_question_next(&msg, &q);
	}
	free(c);
	return rc;
}

/* RFC 9267 2 / class 1: a pointer to its own offset is a loop. */
static void
test_rfc9267_pointer_to_itself_refused(void **state)
{
	static const uint8_t self[] = { 0xc0, 0x0c };
	struct mb m;

	(void)state;
	mb_question_raw(&m, self, sizeof(self));
	assert_int_equal(first_question(&m), -ERG_EMALFORMED);
}

/* RFC 9267 2 / class 1: a pointer forward, to a good name, is refused. */
static void
test_rfc9267_forward_pointer_refused(void **state)
{
	/* At 12: a pointer to 18, where "www" lies after the question. */
	static const uint8_t fwd[] = { 0xc0, 18 };
	struct mb m;

	(void)state;
	mb_question_raw(&m, fwd, sizeof(fwd));
	assert_int_equal(m.n, 18);
	mb_name(&m, "www");
	assert_int_equal(first_question(&m), -ERG_EMALFORMED);
}

/*
 * RFC 9267 2 / class 1: a pointer into the header is refused even though
 * the byte there (ARCOUNT's low byte, 0) would read as the root name and
 * the pointer goes backwards.
 */
static void
test_rfc9267_pointer_into_header_refused(void **state)
{
	struct erg_dns_msg msg;
	struct erg_dns_question q;
	struct mb m;

	(void)state;
	mb_hdr(&m, 2, 0, 0, 0);
	mb_name(&m, "");
	mb_u16(&m, ERG_DNS_TYPE_A);
	mb_u16(&m, ERG_DNS_CLASS_IN);
	mb_u8(&m, 0xc0);
	mb_u8(&m, 11);
	mb_u16(&m, ERG_DNS_TYPE_A);
	mb_u16(&m, ERG_DNS_CLASS_IN);
	assert_int_equal(m.b[11], 0);
	assert_int_equal(erg_dns_msg_parse(&msg, erg_view_make(m.b, m.n)), 0);
	assert_int_equal(erg_dns_question_next(&msg, &q), 1);
	assert_int_equal(erg_dns_question_next(&msg, &q), -ERG_EMALFORMED);
	/* The same pointer aimed at offset 12 (the first name) is fine. */
	m.b[18] = 12;
	assert_int_equal(erg_dns_msg_parse(&msg, erg_view_make(m.b, m.n)), 0);
	assert_int_equal(erg_dns_question_next(&msg, &q), 1);
	assert_int_equal(erg_dns_question_next(&msg, &q), 1);
	assert_int_equal(q.name.len, 1);
}

/* RFC 9267 2 / class 1: a pointer past the end of the message. */
static void
test_rfc9267_pointer_out_of_bounds_refused(void **state)
{
	static const uint8_t oob[] = { 0xff, 0xff };
	struct mb m;
	struct erg_dns_name n;
	size_t off = 12;

	(void)state;
	mb_question_raw(&m, oob, sizeof(oob));
	assert_int_equal(first_question(&m), -ERG_EMALFORMED);
	/* Read directly: refused, cursor untouched, n not needed. */
	assert_int_equal(read_name_at(m.b, m.n, &off, &n), -ERG_EMALFORMED);
	assert_int_equal(off, 12);
	/* A pointer cut after its first byte is a truncation. */
	off = 12;
	assert_int_equal(read_name_at(m.b, 13, &off, &n), -ERG_ETRUNC);
}

/*
 * RFC 9267 2 / class 1: a -> b -> a. The name at 20 points back to 12
 * ("a" then a pointer to 20): the second pointer goes forward from the
 * run it is in, so the loop is cut at once.
 */
static void
test_rfc9267_pointer_loop_a_b_a_refused(void **state)
{
	struct mb m;
	struct erg_dns_name n;
	size_t off;

	(void)state;
	mb_hdr(&m, 0, 0, 0, 0);
	mb_label(&m, 1, 'a'); /* 12 */
	mb_u8(&m, 0xc0);      /* 14: -> 20 */
	mb_u8(&m, 20);
	mb_label(&m, 3, 'b'); /* 16 */
	mb_u8(&m, 0xc0);      /* 20: -> 12 */
	mb_u8(&m, 12);
	off = 20;
	assert_int_equal(read_name_at(m.b, m.n, &off, &n), -ERG_EMALFORMED);
	off = 16;
	assert_int_equal(read_name_at(m.b, m.n, &off, &n), -ERG_EMALFORMED);
	/* Two pointers at each other, directly. */
	m.n = 12;
	mb_u8(&m, 0xc0); /* 12: -> 14 */
	mb_u8(&m, 14);
	mb_u8(&m, 0xc0); /* 14: -> 12 */
	mb_u8(&m, 12);
	off = 14;
	assert_int_equal(read_name_at(m.b, m.n, &off, &n), -ERG_EMALFORMED);
}

/*
 * RFC 9267 2: at most ERG_DNS_PTR_MAX jumps. A chain where each pointer
 * points at the one before, ending at "a": 32 jumps read, 33 refused.
 */
static void
test_rfc9267_too_many_jumps_refused(void **state)
{
	struct mb m;
	struct erg_dns_name n;
	char t[16];
	size_t off, last;
	unsigned i;

	(void)state;
	mb_hdr(&m, 0, 0, 0, 0);
	mb_label(&m, 1, 'a');
	mb_u8(&m, 0); /* 12: "a." */
	last = 12;
	for (i = 0; i < ERG_DNS_PTR_MAX + 1; i++) {
		size_t here = m.n;

		mb_u16(&m, 0xc000 | (unsigned)last);
		last = here;
	}
	/* The pointer before the last: exactly ERG_DNS_PTR_MAX jumps. */
	off = last - 2;
	assert_int_equal(read_name_at(m.b, m.n, &off, &n), 0);
	assert_int_equal(off, last);
	erg_dns_name_to_text(&n, t, sizeof(t));
	assert_string_equal(t, "a.");
	off = last;
	assert_int_equal(read_name_at(m.b, m.n, &off, &n), -ERG_EMALFORMED);
}

/*
 * RFC 1035 2.3.4 / RFC 9267 3 / class 2: a length byte of 64 or more
 * (above 63, without the pointer bits) is refused.
 */
static void
test_rfc9267_label_longer_than_63_refused(void **state)
{
	struct mb m;
	struct erg_dns_name n;
	size_t off;

	(void)state;
	mb_hdr(&m, 0, 0, 0, 0);
	mb_label(&m, 64, 'x');
	mb_u8(&m, 0);
	off = 12;
	assert_int_equal(read_name_at(m.b, m.n, &off, &n), -ERG_EMALFORMED);
	/* 63 is the limit, and it is read. */
	m.n = 12;
	mb_label(&m, 63, 'x');
	mb_u8(&m, 0);
	off = 12;
	assert_int_equal(read_name_at(m.b, m.n, &off, &n), 0);
	assert_int_equal(n.len, 65);
}

/*
 * RFC 9267 3 / class 2: a name longer than 255 bytes once decompressed.
 * A 193-byte name at 12, then a label pointing at it: a 63-byte label
 * makes 257 bytes (refused), a 61-byte one exactly 255 (read).
 */
static void
test_rfc9267_name_over_255_via_compression_refused(void **state)
{
	struct mb m;
	struct erg_dns_name n;
	size_t off, second;

	(void)state;
	mb_hdr(&m, 0, 0, 0, 0);
	mb_label(&m, 63, 'a');
	mb_label(&m, 63, 'b');
	mb_label(&m, 63, 'c');
	mb_u8(&m, 0);
	second = m.n;
	mb_label(&m, 63, 'd');
	mb_u16(&m, 0xc000 | 12);
	off = 12;
	assert_int_equal(read_name_at(m.b, m.n, &off, &n), 0);
	assert_int_equal(n.len, 193);
	off = second;
	assert_int_equal(read_name_at(m.b, m.n, &off, &n), -ERG_EMALFORMED);

	m.n = second;
	mb_label(&m, 61, 'd');
	mb_u16(&m, 0xc000 | 12);
	off = second;
	assert_int_equal(read_name_at(m.b, m.n, &off, &n), 0);
	assert_int_equal(n.len, 255);
	assert_int_equal(off, m.n);

	/* 62 makes 256: one byte over. */
	m.n = second;
	mb_label(&m, 62, 'd');
	mb_u16(&m, 0xc000 | 12);
	off = second;
	assert_int_equal(read_name_at(m.b, m.n, &off, &n), -ERG_EMALFORMED);
}

/* Class 2 without compression: five 63-byte labels never overflow n. */
static void
test_name_over_255_uncompressed_refused(void **state)
{
	struct mb m;
	struct erg_dns_name n;
	size_t off = 12;
	unsigned i;

	(void)state;
	mb_hdr(&m, 0, 0, 0, 0);
	for (i = 0; i < 5; i++) {
		mb_label(&m, 63, (char)('a' + i));
	}
	mb_u8(&m, 0);
	assert_int_equal(read_name_at(m.b, m.n, &off, &n), -ERG_EMALFORMED);
}

/* RFC 6891 / RFC 9267: label types 01 (0x40) and 10 (0x80) refused. */
static void
test_rfc9267_bad_label_types_refused(void **state)
{
	static const unsigned types[] = { 0x40, 0x41, 0x7f, 0x80, 0x81, 0xbf };
	struct mb m;
	struct erg_dns_name n;
	size_t off;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		mb_hdr(&m, 0, 0, 0, 0);
		mb_u8(&m, types[i]);
		mb_u8(&m, 1);
		mb_u8(&m, 'x');
		mb_u8(&m, 0);
		off = 12;
		assert_int_equal(read_name_at(m.b, m.n, &off, &n),
		    -ERG_EMALFORMED);
	}
}

/*
 * RFC 9267 6 / class 4: counts that cannot fit in the bytes present are
 * refused before anything is read.
 */
static void
test_rfc9267_counts_beyond_message_refused_at_header(void **state)
{
	const struct dns_vector *v = vec("response www.erg.test A");
	struct erg_dns_msg m;
	uint8_t *c;
	unsigned sec;

	(void)state;
	for (sec = 0; sec < 4; sec++) {
		c = exact_copy(v->msg, v->len);
		c[4 + 2 * sec] = 0xff;
		c[5 + 2 * sec] = 0xff;
		assert_int_equal(
		    erg_dns_msg_parse(&m, erg_view_make(c, v->len)),
		    -ERG_EMALFORMED);
		/* Spent: nothing more is read. */
		assert_int_equal(erg_dns_question_next(&m, NULL),
		    -ERG_EMALFORMED);
		free(c);
	}
	/* Exactly at the limit: 5 bytes a question, 11 a record. */
	{
		struct mb b;

		mb_hdr(&b, 2, 1, 0, 0);
		mb_name(&b, "");
		mb_u16(&b, 1);
		mb_u16(&b, 1);
		mb_name(&b, "");
		mb_u16(&b, 1);
		mb_u16(&b, 1);
		mb_name(&b, "");
		mb_rr_fixed(&b, 65280, 0);
		assert_int_equal(read_all(b.b, b.n), 1);
		b.b[7] = 2; /* ANCOUNT 2: 11 bytes more than there are */
		assert_int_equal(erg_dns_msg_parse(&m, erg_view_make(b.b, b.n)),
		    -ERG_EMALFORMED);
	}
}

/*
 * RFC 9267 6 / class 4: counts that fit the byte budget but claim more
 * records than there are: the missing record is a truncation.
 */
static void
test_rfc9267_counts_larger_than_records_present_refused(void **state)
{
	const struct dns_vector *v = vec("response www.erg.test A");
	uint8_t *c = exact_copy(v->msg, v->len);

	(void)state;
	c[7]++; /* ANCOUNT 1 -> 2; the OPT record moves up, one is missing */
	assert_int_equal(read_all(c, v->len), -ERG_ETRUNC);
	c[7]--;
	c[5]++; /* QDCOUNT 1 -> 2: the answer read as a question... */
	assert_true(read_all(c, v->len) < 0);
	free(c);
}

/* RFC 9267 5 / class 3: RDLENGTH past the end of the message. */
static void
test_rfc9267_rdlength_past_end_refused(void **state)
{
	const struct dns_vector *v = vec("response www.erg.test A");
	uint8_t *c = exact_copy(v->msg, v->len);
	struct erg_dns_msg m;
	struct erg_dns_rr rr;
	size_t rdl;

	(void)state;
	assert_int_equal(erg_dns_msg_parse(&m, erg_view_make(c, v->len)), 0);
	assert_int_equal(erg_dns_rr_next(&m, &rr), 1);
	assert_int_equal(erg_dns_rr_next(&m, &rr), 1); /* the OPT, last */
	rdl = rr.rdata_off - 2;
	c[rdl] = 0xff;
	c[rdl + 1] = 0xff;
	assert_int_equal(read_all(c, v->len), -ERG_ETRUNC);
	/* One byte past the end is enough. */
	erg_put_be16(c + rdl, (uint16_t)(rr.rdata.len + 1));
	assert_int_equal(read_all(c, v->len), -ERG_ETRUNC);
	free(c);
}

/* A header cut short spends the message: later reads refuse. */
static void
test_msg_parse_etrunc_spends_the_message(void **state)
{
	static const uint8_t shortmsg[11] = { 0x12, 0x34, 0x81, 0x80, 0, 1 };
	struct erg_dns_msg m;
	struct erg_dns_question q;
	struct erg_dns_rr rr;
	struct mb good;

	(void)state;
	/* m first holds a good message, then is reused for a short one. */
	mb_hdr(&good, 1, 0, 0, 0);
	mb_name(&good, "x.test");
	mb_u16(&good, ERG_DNS_TYPE_A);
	mb_u16(&good, ERG_DNS_CLASS_IN);
	assert_int_equal(erg_dns_msg_parse(&m, erg_view_make(good.b, good.n)),
	    0);
	assert_int_equal(
	    erg_dns_msg_parse(&m, erg_view_make(shortmsg, sizeof(shortmsg))),
	    -ERG_ETRUNC);
	assert_int_equal(erg_dns_question_next(&m, &q), -ERG_EMALFORMED);
	assert_int_equal(erg_dns_rr_next(&m, &rr), -ERG_EMALFORMED);
}

/*
 * RFC 1035 3.4.1 / RFC 3597 4: A and AAAA formats are class IN's; in
 * another class (CH's A holds a name and an address) the rdata is
 * opaque, not malformed.
 */
static void
test_a_and_aaaa_outside_class_in_are_opaque(void **state)
{
	static const uint8_t ch_a[] = { 3, 'f', 'o', 'o', 0, 0x01, 0x02 };
	struct erg_dns_msg msg;
	struct erg_dns_rr rr;
	struct erg_dns_rdata d;
	char text[64];
	struct mb m;
	unsigned type;

	(void)state;
	for (type = ERG_DNS_TYPE_A; type <= ERG_DNS_TYPE_AAAA;
	     type += ERG_DNS_TYPE_AAAA - ERG_DNS_TYPE_A) {
		mb_hdr(&m, 0, 1, 0, 0);
		mb_name(&m, "x.test");
		mb_u16(&m, type);
		mb_u16(&m, 3); /* CH */
		mb_u32(&m, 0);
		mb_u16(&m, sizeof(ch_a));
		mb_bytes(&m, ch_a, sizeof(ch_a));
		assert_int_equal(
		    erg_dns_msg_parse(&msg, erg_view_make(m.b, m.n)), 0);
		assert_int_equal(erg_dns_rr_next(&msg, &rr), 1);
		assert_int_equal(rr.rclass, 3);
		assert_int_equal(erg_dns_rdata_parse(&msg, &rr, &d),
		    -ERG_EUNSUPPORTED);
		assert_true(
		    erg_dns_rdata_to_text(&msg, &rr, text, sizeof(text)) > 0);
		assert_string_equal(text, "\\# 7 03666F6F000102");
		assert_int_equal(erg_dns_rr_next(&msg, &rr), 0);
	}
}

/*
 * A pointer may land inside an earlier label's bytes (dns_wire.c's
 * header says why that is accepted): the bytes are read as labels
 * again, under the same bounds.
 */
static void
test_pointer_into_label_bytes_reads_them_as_labels(void **state)
{
	struct erg_dns_name n;
	char text[64];
	struct mb m;
	size_t off;

	(void)state;
	/*
	 * At 12 the name "ab\001q." (one 4-byte label); at 18 a pointer
	 * to 15, inside that label, where the bytes read "\001q\000".
	 */
	mb_hdr(&m, 0, 0, 0, 0);
	mb_u8(&m, 4);    /* 12: label of 4 bytes */
	mb_u8(&m, 'a');  /* 13 */
	mb_u8(&m, 'b');  /* 14 */
	mb_u8(&m, 1);    /* 15: a label byte "1" inside the data */
	mb_u8(&m, 'q');  /* 16 */
	mb_u8(&m, 0);    /* 17: root */
	mb_u8(&m, 0xc0); /* 18: pointer to 15, inside the label at 12 */
	mb_u8(&m, 15);
	off = 12;
	assert_int_equal(read_name_at(m.b, m.n, &off, &n), 0);
	assert_int_equal(off, 18);
	off = 18;
	assert_int_equal(read_name_at(m.b, m.n, &off, &n), 0);
	assert_int_equal(off, 20);
	assert_true(
	    erg_dns_name_to_text(&n, text, sizeof(text)) < sizeof(text));
	assert_string_equal(text, "q.");
}

/* RFC 9267 3 / class 2: a name past 255 bytes through rdata compression. */
static void
test_rfc9267_name_too_long_through_rdata_refused(void **state)
{
	static const unsigned types[] = { ERG_DNS_TYPE_CNAME, ERG_DNS_TYPE_MX,
		ERG_DNS_TYPE_SOA };
	struct mb m;
	size_t i, base, k;

	(void)state;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		for (k = 0; k < 2; k++) {
			/*
			 * A 251-byte name in the question (4 labels of
			 * 61, one of 1, the root), then rdata prefixing
			 * it with a label of 3 (255 bytes: fits) or 5
			 * (257: refused) bytes through a pointer.
			 */
			unsigned extra = k == 0 ? 3 : 5;
			size_t rd_start;

			mb_hdr(&m, 1, 1, 0, 0);
			mb_label(&m, 61, 'a');
			mb_label(&m, 61, 'b');
			mb_label(&m, 61, 'c');
			mb_label(&m, 61, 'd');
			mb_label(&m, 1, 'e');
			mb_u8(&m, 0);
			base = m.n;
			assert_int_equal(base - 12, 4 * 62 + 2 + 1);
			mb_u16(&m, ERG_DNS_TYPE_A);
			mb_u16(&m, ERG_DNS_CLASS_IN);
			mb_u16(&m, 0xc000 | 12);
			mb_u16(&m, types[i]);
			mb_u16(&m, ERG_DNS_CLASS_IN);
			mb_u32(&m, 300);
			rd_start = m.n;
			mb_u16(&m, 0); /* RDLENGTH, patched below */
			if (types[i] == ERG_DNS_TYPE_MX) {
				mb_u16(&m, 10);
			}
			mb_label(&m, extra, 'x');
			mb_u16(&m, 0xc000 | 12);
			if (types[i] == ERG_DNS_TYPE_SOA) {
				/* rname, then the five numbers. */
				mb_u16(&m, 0xc000 | 12);
				mb_bytes(&m, "01234567890123456789", 20);
			}
			erg_put_be16(m.b + rd_start,
			    (uint16_t)(m.n - rd_start - 2));
			assert_int_equal(read_all(m.b, m.n),
			    k == 0 ? 1 : -ERG_EMALFORMED);
		}
	}
}

/* RFC 9267 2 / class 1: a pointer in rdata to itself or forwards. */
static void
test_rfc9267_pointer_in_rdata_to_itself_or_forward_refused(void **state)
{
	struct mb m;
	size_t rd;
	unsigned fwd;

	(void)state;
	for (fwd = 0; fwd < 2; fwd++) {
		mb_hdr(&m, 1, 1, 0, 0);
		mb_name(&m, "x.test");
		mb_u16(&m, ERG_DNS_TYPE_MX);
		mb_u16(&m, ERG_DNS_CLASS_IN);
		mb_u16(&m, 0xc000 | 12);
		mb_rr_fixed(&m, ERG_DNS_TYPE_MX, 4);
		mb_u16(&m, 10);
		rd = m.n;
		/*
		 * Self: the pointer's own offset. Forward: just past it,
		 * where a good name lies in bytes after the last record.
		 */
		mb_u16(&m, (unsigned)(0xc000 | (fwd ? rd + 2 : rd)));
		if (fwd) {
			mb_name(&m, "mx");
		}
		assert_int_equal(read_all(m.b, m.n), -ERG_EMALFORMED);
	}
}

/* One answer record of type with the given rdata; read_all's result. */
static int
one_rr(unsigned type, const void *rd, size_t rdlen)
{
	struct mb m;

	mb_hdr(&m, 1, 1, 0, 0);
	mb_name(&m, "x.test");
	mb_u16(&m, type);
	mb_u16(&m, ERG_DNS_CLASS_IN);
	mb_u16(&m, 0xc000 | 12);
	mb_rr_fixed(&m, type, (unsigned)rdlen);
	mb_bytes(&m, rd, rdlen);
	return read_all(m.b, m.n);
}

/* RFC 9267 5: A and AAAA rdata must be exactly 4 and 16 bytes. */
static void
test_rfc9267_rdlength_not_matching_a_aaaa_refused(void **state)
{
	static const uint8_t z[17];

	(void)state;
	assert_int_equal(one_rr(ERG_DNS_TYPE_A, z, 4), 1);
	assert_int_equal(one_rr(ERG_DNS_TYPE_A, z, 3), -ERG_EMALFORMED);
	assert_int_equal(one_rr(ERG_DNS_TYPE_A, z, 5), -ERG_EMALFORMED);
	assert_int_equal(one_rr(ERG_DNS_TYPE_A, z, 0), -ERG_EMALFORMED);
	assert_int_equal(one_rr(ERG_DNS_TYPE_AAAA, z, 16), 1);
	assert_int_equal(one_rr(ERG_DNS_TYPE_AAAA, z, 15), -ERG_EMALFORMED);
	assert_int_equal(one_rr(ERG_DNS_TYPE_AAAA, z, 17), -ERG_EMALFORMED);
	assert_int_equal(one_rr(ERG_DNS_TYPE_AAAA, z, 4), -ERG_EMALFORMED);
}

/* RFC 9267 5: MX is a preference then a name filling the rest exactly. */
static void
test_rfc9267_rdlength_not_matching_mx_refused(void **state)
{
	static const uint8_t ok[] = { 0, 10, 2, 'm', 'x', 0 };
	static const uint8_t extra[] = { 0, 10, 2, 'm', 'x', 0, 0 };
	static const uint8_t cut[] = { 0, 10, 2, 'm', 'x' };
	static const uint8_t pref_only[] = { 0, 10 };
	static const uint8_t ptr_ok[] = { 0, 10, 0xc0, 12 };

	(void)state;
	assert_int_equal(one_rr(ERG_DNS_TYPE_MX, ok, sizeof(ok)), 1);
	assert_int_equal(one_rr(ERG_DNS_TYPE_MX, ptr_ok, sizeof(ptr_ok)), 1);
	assert_int_equal(one_rr(ERG_DNS_TYPE_MX, extra, sizeof(extra)),
	    -ERG_EMALFORMED);
	assert_int_equal(one_rr(ERG_DNS_TYPE_MX, cut, sizeof(cut)),
	    -ERG_EMALFORMED);
	assert_int_equal(one_rr(ERG_DNS_TYPE_MX, pref_only, sizeof(pref_only)),
	    -ERG_EMALFORMED);
	assert_int_equal(one_rr(ERG_DNS_TYPE_MX, ok, 1), -ERG_EMALFORMED);
}

/* RFC 9267 5: SRV is three 16-bit fields then a name, exactly. */
static void
test_rfc9267_rdlength_not_matching_srv_refused(void **state)
{
	static const uint8_t ok[] = { 0, 1, 0, 2, 0x13, 0xc4, 1, 's', 0 };
	static const uint8_t extra[] = { 0, 1, 0, 2, 0x13, 0xc4, 1, 's', 0, 9 };
	static const uint8_t no_name[] = { 0, 1, 0, 2, 0x13, 0xc4 };

	(void)state;
	assert_int_equal(one_rr(ERG_DNS_TYPE_SRV, ok, sizeof(ok)), 1);
	assert_int_equal(one_rr(ERG_DNS_TYPE_SRV, extra, sizeof(extra)),
	    -ERG_EMALFORMED);
	assert_int_equal(one_rr(ERG_DNS_TYPE_SRV, no_name, sizeof(no_name)),
	    -ERG_EMALFORMED);
	assert_int_equal(one_rr(ERG_DNS_TYPE_SRV, ok, sizeof(ok) - 1),
	    -ERG_EMALFORMED);
	assert_int_equal(one_rr(ERG_DNS_TYPE_SRV, ok, 5), -ERG_EMALFORMED);
}

/* RFC 9267 5: SOA is two names then exactly 20 bytes. */
static void
test_rfc9267_rdlength_not_matching_soa_refused(void **state)
{
	uint8_t rd[64];
	size_t n = 0;

	(void)state;
	memset(rd, 0, sizeof(rd));
	rd[n++] = 2;
	rd[n++] = 'n';
	rd[n++] = 's';
	rd[n++] = 0;
	rd[n++] = 0xc0; /* rname: the owner, compressed */
	rd[n++] = 12;
	n += 20;
	assert_int_equal(one_rr(ERG_DNS_TYPE_SOA, rd, n), 1);
	assert_int_equal(one_rr(ERG_DNS_TYPE_SOA, rd, n - 1), -ERG_EMALFORMED);
	assert_int_equal(one_rr(ERG_DNS_TYPE_SOA, rd, n + 1), -ERG_EMALFORMED);
	/* mname only, no rname. */
	assert_int_equal(one_rr(ERG_DNS_TYPE_SOA, rd, 4), -ERG_EMALFORMED);
}

/*
 * RFC 9267 5 (RFC 1035 3.3.14): TXT is one or more character-strings
 * exactly filling the rdata: a string running past it, trailing bytes
 * that are not a whole string, and empty rdata are refused.
 */
static void
test_rfc9267_rdlength_not_matching_txt_refused(void **state)
{
	static const uint8_t ok[] = { 2, 'h', 'i', 0, 1, '!' };
	static const uint8_t over[] = { 2, 'h', 'i', 5, 'a', 'b' };
	static const uint8_t empty_string[] = { 0 };

	(void)state;
	assert_int_equal(one_rr(ERG_DNS_TYPE_TXT, ok, sizeof(ok)), 1);
	assert_int_equal(one_rr(ERG_DNS_TYPE_TXT, empty_string, 1), 1);
	assert_int_equal(one_rr(ERG_DNS_TYPE_TXT, over, sizeof(over)),
	    -ERG_EMALFORMED);
	assert_int_equal(one_rr(ERG_DNS_TYPE_TXT, ok, sizeof(ok) - 1),
	    -ERG_EMALFORMED);
	assert_int_equal(one_rr(ERG_DNS_TYPE_TXT, ok, 0), -ERG_EMALFORMED);
}

/* RFC 6891 6.1.2: OPT options must each fit, exactly. */
static void
test_opt_options_must_fit_exactly(void **state)
{
	static const uint8_t ok[] = { 0, 10, 0, 2, 0xaa, 0xbb, 0, 12, 0, 0 };
	static const uint8_t over[] = { 0, 10, 0, 3, 0xaa, 0xbb };
	static const uint8_t stub[] = { 0, 10, 0 };

	(void)state;
	assert_int_equal(one_rr(ERG_DNS_TYPE_OPT, ok, sizeof(ok)), 1);
	assert_int_equal(one_rr(ERG_DNS_TYPE_OPT, ok, 0), 1);
	assert_int_equal(one_rr(ERG_DNS_TYPE_OPT, over, sizeof(over)),
	    -ERG_EMALFORMED);
	assert_int_equal(one_rr(ERG_DNS_TYPE_OPT, stub, sizeof(stub)),
	    -ERG_EMALFORMED);
}

/*
 * RFC 9267 5: a CNAME's name must end exactly at the rdata's end: a
 * byte after it, or a name running past it (into the next record), is
 * refused. Same for NS and PTR.
 */
static void
test_rfc9267_cname_name_not_ending_at_rdata_end_refused(void **state)
{
	static const uint8_t ok[] = { 1, 'a', 0xc0, 12 };
	static const uint8_t extra[] = { 1, 'a', 0xc0, 12, 0 };
	static const unsigned types[] = { ERG_DNS_TYPE_CNAME, ERG_DNS_TYPE_NS,
		ERG_DNS_TYPE_PTR };
	struct mb m;
	unsigned i;

	(void)state;
	for (i = 0; i < 3; i++) {
		assert_int_equal(one_rr(types[i], ok, sizeof(ok)), 1);
		assert_int_equal(one_rr(types[i], extra, sizeof(extra)),
		    -ERG_EMALFORMED);
		assert_int_equal(one_rr(types[i], ok, 3), -ERG_EMALFORMED);
		assert_int_equal(one_rr(types[i], ok, 0), -ERG_EMALFORMED);
	}
	/*
	 * RDLENGTH 2 over "a" + pointer: the name's in-place bytes run into
	 * a following record that would complete it. Still refused.
	 */
	mb_hdr(&m, 1, 2, 0, 0);
	mb_name(&m, "x.test");
	mb_u16(&m, ERG_DNS_TYPE_CNAME);
	mb_u16(&m, ERG_DNS_CLASS_IN);
	mb_u16(&m, 0xc000 | 12);
	mb_rr_fixed(&m, ERG_DNS_TYPE_CNAME, 2);
	mb_u8(&m, 1);
	mb_u8(&m, 'a');
	mb_u16(&m, 0xc000 | 12); /* next owner: also ends the name above */
	mb_rr_fixed(&m, ERG_DNS_TYPE_A, 4);
	mb_u32(&m, 0x01020304);
	assert_int_equal(read_all(m.b, m.n), -ERG_EMALFORMED);
}

/* Unknown types are opaque: any length, even 0, read and left alone. */
static void
test_unknown_type_rdata_is_opaque(void **state)
{
	static const uint8_t junk[] = { 0xc0, 0xff, 0x40, 0 };

	(void)state;
	assert_int_equal(one_rr(65280, junk, sizeof(junk)), 1);
	assert_int_equal(one_rr(65280, junk, 0), 1);
	assert_int_equal(one_rr(99, junk, 1), 1);
}

/* Bytes after the last record are not read (the resolver counts them). */
static void
test_trailing_bytes_after_last_record_ignored(void **state)
{
	const struct dns_vector *v = vec("response www.erg.test A");
	uint8_t buf[512];
	struct erg_dns_msg m;
	struct erg_dns_rr rr;

	(void)state;
	memcpy(buf, v->msg, v->len);
	memset(buf + v->len, 0xa5, 7);
	assert_int_equal(erg_dns_msg_parse(&m, erg_view_make(buf, v->len + 7)),
	    0);
	assert_int_equal(erg_dns_rr_next(&m, &rr), 1);
	assert_int_equal(erg_dns_rr_next(&m, &rr), 1);
	assert_int_equal(erg_dns_rr_next(&m, &rr), 0);
	assert_int_equal(m.off, v->len);
}

/* A header alone, and less than one. */
static void
test_msg_parse_needs_a_whole_header(void **state)
{
	static const uint8_t hdr[12] = { 0xab, 0xcd, 0x81, 0x80 };
	struct erg_dns_msg m;
	struct erg_dns_rr rr;
	struct erg_dns_question q;

	(void)state;
	assert_int_equal(erg_dns_msg_parse(&m, erg_view_make(hdr, 11)),
	    -ERG_ETRUNC);
	assert_int_equal(erg_dns_msg_parse(&m, erg_view_make(hdr, 12)), 0);
	assert_int_equal(m.hdr.id, 0xabcd);
	assert_int_equal(m.hdr.flags, 0x8180);
	assert_int_equal(erg_dns_question_next(&m, &q), 0);
	assert_int_equal(erg_dns_rr_next(&m, &rr), 0);
}

/*
 * rdata_parse reads only the record's bytes of m: an rr whose rdata is
 * not inside m (or not where rdata_off says) is refused.
 */
static void
test_rdata_parse_refuses_rr_not_from_message(void **state)
{
	const struct dns_vector *v = vec("response www.erg.test A");
	struct erg_dns_msg m;
	struct erg_dns_rr rr, bad;
	struct erg_dns_rdata d;

	(void)state;
	assert_int_equal(erg_dns_msg_parse(&m, erg_view_make(v->msg, v->len)),
	    0);
	assert_int_equal(erg_dns_rr_next(&m, &rr), 1);
	bad = rr;
	bad.rdata_off = v->len - 2;
	assert_int_equal(erg_dns_rdata_parse(&m, &bad, &d), -ERG_EMALFORMED);
	bad = rr;
	bad.rdata.len = v->len;
	assert_int_equal(erg_dns_rdata_parse(&m, &bad, &d), -ERG_EMALFORMED);
	assert_int_equal(erg_dns_rdata_to_text(&m, &bad, NULL, 0), 0);
}

/* ---- Building --------------------------------------------------------- */

/*
 * Rebuilding dig's captured query (the +nocookie one: RD, AD, one
 * question, an empty OPT offering 1232 bytes) gives the same bytes, and
 * writes nothing past the message in an 0xA5-filled buffer.
 */
static void
test_build_reproduces_captured_query(void **state)
{
	const struct dns_vector *v = vec("query WwW.ErG.TeSt A +nocookie");
	struct erg_dns_builder b;
	struct erg_dns_name n, root = name_of(".");
	uint8_t buf[256];
	size_t i;
	int len;

	(void)state;
	memset(buf, 0xa5, sizeof(buf));
	n = name_of("WwW.ErG.TeSt");
	assert_int_equal(erg_dns_build_init(&b, buf, sizeof(buf),
	                     erg_be16(v->msg), erg_be16(v->msg + 2)),
	    0);
	assert_int_equal(
	    erg_dns_build_question(&b, &n, ERG_DNS_TYPE_A, ERG_DNS_CLASS_IN),
	    0);
	assert_int_equal(erg_dns_build_rr(&b, ERG_DNS_SEC_ADDITIONAL, &root,
	                     ERG_DNS_TYPE_OPT, ERG_DNS_EDNS_UDP, 0, NULL, 0),
	    0);
	len = erg_dns_build_finish(&b);
	assert_int_equal(len, v->len);
	assert_memory_equal(buf, v->msg, v->len);
	for (i = v->len; i < sizeof(buf); i++) {
		assert_int_equal(buf[i], 0xa5);
	}
}

/*
 * A record of each type built (whole or piece by piece), read back: the
 * same owner, type, class, TTL, section and decoded fields.
 */
static void
test_build_parse_round_trip_every_type(void **state)
{
	static uint8_t buf[4096];
	struct erg_dns_builder b;
	struct erg_dns_name owner = name_of("Host.Example"),
	                    tgt = name_of("target.example."),
	                    rname = name_of("hostmaster.example");
	static const uint8_t aaaa[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 1 };
	static const uint8_t txt[] = { 3, 'o', 'n', 'e', 0, 4, 't', 'w', 'o',
		'"' };
	static const uint8_t opaque[] = { 9, 8, 7 };
	static const uint8_t opt[] = { 0, 10, 0, 1, 0x42 };
	uint8_t a[4] = { 198, 18, 6, 10 }, fixed[20],
	        srv[6] = { 0, 1, 0, 2, 0x13, 0xc4 };
	struct erg_dns_msg m;
	struct erg_dns_question q;
	struct erg_dns_rr rr;
	struct erg_dns_rdata d;
	unsigned i, ttl = 1000;
	int len;

	(void)state;
	for (i = 0; i < 20; i++) {
		fixed[i] = (uint8_t)(i + 1);
	}
	assert_int_equal(erg_dns_build_init(&b, buf, sizeof(buf), 0xbeef,
	                     ERG_DNS_F_QR | ERG_DNS_F_AA),
	    0);
	assert_int_equal(erg_dns_build_question(&b, &owner, ERG_DNS_TYPE_ANY,
	                     ERG_DNS_CLASS_IN),
	    0);
	assert_int_equal(erg_dns_build_rr(&b, ERG_DNS_SEC_ANSWER, &owner,
	                     ERG_DNS_TYPE_A, ERG_DNS_CLASS_IN, ttl++, a, 4),
	    0);
	assert_int_equal(erg_dns_build_rr(&b, ERG_DNS_SEC_ANSWER, &owner,
	                     ERG_DNS_TYPE_AAAA, ERG_DNS_CLASS_IN, ttl++, aaaa,
	                     16),
	    0);
	assert_int_equal(erg_dns_build_rr(&b, ERG_DNS_SEC_ANSWER, &owner,
	                     ERG_DNS_TYPE_CNAME, ERG_DNS_CLASS_IN, ttl++,
	                     tgt.wire, tgt.len),
	    0);
	assert_int_equal(erg_dns_build_rr_begin(&b, ERG_DNS_SEC_ANSWER, &owner,
	                     ERG_DNS_TYPE_PTR, ERG_DNS_CLASS_IN, ttl++),
	    0);
	assert_int_equal(erg_dns_build_name(&b, &tgt), 0);
	assert_int_equal(erg_dns_build_rr_end(&b), 0);
	assert_int_equal(erg_dns_build_rr_begin(&b, ERG_DNS_SEC_ANSWER, &owner,
	                     ERG_DNS_TYPE_MX, ERG_DNS_CLASS_IN, ttl++),
	    0);
	assert_int_equal(erg_dns_build_bytes(&b, "\x00\x0a", 2), 0);
	assert_int_equal(erg_dns_build_name(&b, &tgt), 0);
	assert_int_equal(erg_dns_build_rr_end(&b), 0);
	assert_int_equal(erg_dns_build_rr_begin(&b, ERG_DNS_SEC_ANSWER, &owner,
	                     ERG_DNS_TYPE_SRV, ERG_DNS_CLASS_IN, ttl++),
	    0);
	assert_int_equal(erg_dns_build_bytes(&b, srv, 6), 0);
	assert_int_equal(erg_dns_build_name(&b, &tgt), 0);
	assert_int_equal(erg_dns_build_rr_end(&b), 0);
	assert_int_equal(erg_dns_build_rr(&b, ERG_DNS_SEC_ANSWER, &owner,
	                     ERG_DNS_TYPE_TXT, ERG_DNS_CLASS_IN, ttl++, txt,
	                     sizeof(txt)),
	    0);
	assert_int_equal(erg_dns_build_rr(&b, ERG_DNS_SEC_ANSWER, &owner, 65280,
	                     ERG_DNS_CLASS_IN, ttl++, opaque, sizeof(opaque)),
	    0);
	assert_int_equal(erg_dns_build_rr_begin(&b, ERG_DNS_SEC_AUTHORITY,
	                     &owner, ERG_DNS_TYPE_SOA, ERG_DNS_CLASS_IN, ttl++),
	    0);
	assert_int_equal(erg_dns_build_name(&b, &tgt), 0);
	assert_int_equal(erg_dns_build_name(&b, &rname), 0);
	assert_int_equal(erg_dns_build_bytes(&b, fixed, 20), 0);
	assert_int_equal(erg_dns_build_rr_end(&b), 0);
	assert_int_equal(erg_dns_build_rr(&b, ERG_DNS_SEC_AUTHORITY, &owner,
	                     ERG_DNS_TYPE_NS, ERG_DNS_CLASS_IN, ttl++, tgt.wire,
	                     tgt.len),
	    0);
	assert_int_equal(erg_dns_build_rr(&b, ERG_DNS_SEC_ADDITIONAL,
	                     &(struct erg_dns_name){ 1, { 0 } },
	                     ERG_DNS_TYPE_OPT, 1232, 0x8000, opt, sizeof(opt)),
	    0);
	len = erg_dns_build_finish(&b);
	assert_true(len > 0);

	assert_int_equal(erg_dns_msg_parse(&m, erg_view_make(buf, (size_t)len)),
	    0);
	assert_int_equal(m.hdr.id, 0xbeef);
	assert_int_equal(m.hdr.flags, ERG_DNS_F_QR | ERG_DNS_F_AA);
	assert_int_equal(m.hdr.count[0], 1);
	assert_int_equal(m.hdr.count[1], 8);
	assert_int_equal(m.hdr.count[2], 2);
	assert_int_equal(m.hdr.count[3], 1);
	assert_int_equal(erg_dns_question_next(&m, &q), 1);
	assert_true(erg_dns_name_eq(&q.name, &owner));
	assert_memory_equal(q.name.wire, owner.wire, owner.len);
	assert_int_equal(q.type, ERG_DNS_TYPE_ANY);
	ttl = 1000;
	for (i = 0; i < 11; i++) {
		int rc;

		assert_int_equal(erg_dns_rr_next(&m, &rr), 1);
		rc = erg_dns_rdata_parse(&m, &rr, &d);
		if (rr.type == ERG_DNS_TYPE_OPT) {
			assert_int_equal(rr.section, ERG_DNS_SEC_ADDITIONAL);
			assert_int_equal(rr.rclass, 1232);
			assert_int_equal(rr.ttl, 0x8000);
			assert_int_equal(rr.rdata.len, sizeof(opt));
			assert_int_equal(rc, -ERG_EUNSUPPORTED);
			continue;
		}
		assert_memory_equal(rr.name.wire, owner.wire, owner.len);
		assert_int_equal(rr.rclass, ERG_DNS_CLASS_IN);
		assert_int_equal(rr.ttl, ttl++);
		assert_int_equal(rr.section,
		    i < 8 ? ERG_DNS_SEC_ANSWER : ERG_DNS_SEC_AUTHORITY);
		switch (rr.type) {
		case ERG_DNS_TYPE_A:
			assert_int_equal(rc, 0);
			assert_int_equal(d.a, ERG_IPV4(198, 18, 6, 10));
			break;
		case ERG_DNS_TYPE_AAAA:
			assert_int_equal(rc, 0);
			assert_memory_equal(d.aaaa, aaaa, 16);
			break;
		case ERG_DNS_TYPE_CNAME:
		case ERG_DNS_TYPE_PTR:
		case ERG_DNS_TYPE_NS:
			assert_int_equal(rc, 0);
			assert_memory_equal(d.target.wire, tgt.wire, tgt.len);
			break;
		case ERG_DNS_TYPE_MX:
			assert_int_equal(rc, 0);
			assert_int_equal(d.pref, 10);
			assert_true(erg_dns_name_eq(&d.target, &tgt));
			break;
		case ERG_DNS_TYPE_SRV:
			assert_int_equal(rc, 0);
			assert_int_equal(d.pref, 1);
			assert_int_equal(d.weight, 2);
			assert_int_equal(d.port, 5060);
			assert_true(erg_dns_name_eq(&d.target, &tgt));
			break;
		case ERG_DNS_TYPE_TXT:
			assert_int_equal(rc, 0);
			assert_int_equal(d.txt.len, sizeof(txt));
			assert_memory_equal(d.txt.p, txt, sizeof(txt));
			break;
		case ERG_DNS_TYPE_SOA:
			assert_int_equal(rc, 0);
			assert_true(erg_dns_name_eq(&d.target, &tgt));
			assert_true(erg_dns_name_eq(&d.rname, &rname));
			assert_int_equal(d.soa[0], 0x01020304);
			assert_int_equal(d.soa[4], 0x11121314);
			break;
		default:
			assert_int_equal(rr.type, 65280);
			assert_int_equal(rc, -ERG_EUNSUPPORTED);
			assert_memory_equal(rr.rdata.p, opaque, 3);
			break;
		}
	}
	assert_int_equal(erg_dns_rr_next(&m, &rr), 0);
	assert_int_equal(m.off, (size_t)len);
}

/* The builder refuses items out of section order, and records left open. */
static void
test_build_enforces_section_order(void **state)
{
	struct erg_dns_builder b;
	struct erg_dns_name n = name_of("a.test");
	uint8_t buf[512], before[512];
	size_t len;

	(void)state;
	assert_int_equal(erg_dns_build_init(&b, buf, sizeof(buf), 1, 0), 0);
	assert_int_equal(erg_dns_build_rr(&b, ERG_DNS_SEC_AUTHORITY, &n,
	                     ERG_DNS_TYPE_A, 1, 1, "abcd", 4),
	    0);
	len = b.len;
	memcpy(before, buf, len);
	assert_int_equal(erg_dns_build_question(&b, &n, 1, 1), -ERG_ESTATE);
	assert_int_equal(erg_dns_build_rr(&b, ERG_DNS_SEC_ANSWER, &n,
	                     ERG_DNS_TYPE_A, 1, 1, "abcd", 4),
	    -ERG_ESTATE);
	assert_int_equal(erg_dns_build_rr_begin(&b, ERG_DNS_SEC_ANSWER, &n,
	                     ERG_DNS_TYPE_A, 1, 1),
	    -ERG_ESTATE);
	assert_int_equal(erg_dns_build_rr(&b, ERG_DNS_SEC_QUESTION, &n,
	                     ERG_DNS_TYPE_A, 1, 1, "abcd", 4),
	    -ERG_EINVAL);
	/* Pieces with no record open. */
	assert_int_equal(erg_dns_build_bytes(&b, "x", 1), -ERG_ESTATE);
	assert_int_equal(erg_dns_build_name(&b, &n), -ERG_ESTATE);
	assert_int_equal(erg_dns_build_rr_end(&b), -ERG_ESTATE);
	assert_int_equal(b.len, len);
	assert_memory_equal(buf, before, len);
	/* Same section again, then a later one: fine. */
	assert_int_equal(erg_dns_build_rr(&b, ERG_DNS_SEC_AUTHORITY, &n,
	                     ERG_DNS_TYPE_A, 1, 1, "abcd", 4),
	    0);
	assert_int_equal(erg_dns_build_rr_begin(&b, ERG_DNS_SEC_ADDITIONAL, &n,
	                     ERG_DNS_TYPE_A, 1, 1),
	    0);
	/* A record open: nothing else may start, finish refuses. */
	assert_int_equal(erg_dns_build_rr(&b, ERG_DNS_SEC_ADDITIONAL, &n,
	                     ERG_DNS_TYPE_A, 1, 1, "abcd", 4),
	    -ERG_ESTATE);
	assert_int_equal(erg_dns_build_finish(&b), -ERG_ESTATE);
	assert_int_equal(erg_dns_build_bytes(&b, "abcd", 4), 0);
	assert_int_equal(erg_dns_build_rr_end(&b), 0);
	assert_int_equal(erg_dns_build_finish(&b), (int)b.len);
	assert_int_equal(read_all(buf, b.len), 3);
}

/*
 * Every failing call leaves the message as it was (bytes and length):
 * records are added until the buffer is full, each refusal is checked,
 * and the message still parses with the counts it claims.
 */
static void
test_build_failure_leaves_message_unchanged(void **state)
{
	struct erg_dns_builder b;
	struct erg_dns_name n = name_of("host.example"), bad;
	uint8_t buf[200], before[200];
	size_t len;
	unsigned added = 0;
	int rc, finished;

	(void)state;
	assert_int_equal(erg_dns_build_init(&b, buf, 11, 1, 0), -ERG_ENOSPC);
	assert_int_equal(erg_dns_build_init(&b, NULL, 100, 1, 0), -ERG_EINVAL);
	assert_int_equal(
	    erg_dns_build_init(&b, buf, sizeof(buf), 7, ERG_DNS_F_QR), 0);
	assert_int_equal(erg_dns_build_question(&b, &n, 1, 1), 0);
	for (;;) {
		len = b.len;
		memcpy(before, buf, len);
		rc = erg_dns_build_rr(&b, ERG_DNS_SEC_ANSWER, &n,
		    ERG_DNS_TYPE_A, 1, 60, "\xc6\x12\x06\x0a", 4);
		if (rc < 0) {
			break;
		}
		added++;
	}
	assert_int_equal(rc, -ERG_ENOSPC);
	assert_true(added > 0);
	assert_int_equal(b.len, len);
	assert_memory_equal(buf, before, len);
	assert_true(sizeof(buf) - len < (size_t)n.len + 14);

	/* A record begun that cannot grow: abort takes it away. */
	if (erg_dns_build_rr_begin(&b, ERG_DNS_SEC_ADDITIONAL,
	        &(struct erg_dns_name){ 1, { 0 } }, 65280, 1, 0) == 0) {
		assert_int_equal(erg_dns_build_bytes(&b, buf, 64), -ERG_ENOSPC);
		assert_int_equal(erg_dns_build_name(&b, &n), -ERG_ENOSPC);
		erg_dns_build_abort(&b);
	}
	assert_int_equal(b.len, len);
	assert_memory_equal(buf, before, len);
	/* Abort restored the section: answers may still be added. */
	assert_int_equal(b.section, ERG_DNS_SEC_ANSWER);

	/* A bad name is refused without a write. */
	bad = n;
	bad.wire[0] = 64;
	assert_int_equal(
	    erg_dns_build_rr(&b, ERG_DNS_SEC_ANSWER, &bad, 1, 1, 0, NULL, 0),
	    -ERG_EINVAL);
	bad = n;
	bad.len--; /* no root label */
	assert_int_equal(erg_dns_build_question(&b, &bad, 1, 1), -ERG_ESTATE);
	assert_int_equal(
	    erg_dns_build_rr(&b, ERG_DNS_SEC_ANSWER, &bad, 1, 1, 0, NULL, 0),
	    -ERG_EINVAL);
	assert_int_equal(b.len, len);
	assert_memory_equal(buf, before, len);

	finished = erg_dns_build_finish(&b);
	assert_int_equal(finished, (int)len);
	assert_int_equal(read_all(buf, len), (int)added);
	assert_int_equal(erg_be16(buf + 6), added);
}

/* RDLENGTH cannot exceed 65535, even with room to spare. */
static void
test_build_rdata_limited_to_65535(void **state)
{
	struct erg_dns_builder b;
	struct erg_dns_name root = name_of(".");
	uint8_t *buf = malloc(70000), *big = calloc(1, 70000);
	size_t len;

	(void)state;
	assert_non_null(buf);
	assert_non_null(big);
	assert_int_equal(erg_dns_build_init(&b, buf, 70000, 1, 0), 0);
	assert_int_equal(b.cap, ERG_DNS_MSG_MAX);
	assert_int_equal(erg_dns_build_rr(&b, ERG_DNS_SEC_ANSWER, &root, 65280,
	                     1, 0, big, 65536),
	    -ERG_ENOSPC);
	assert_int_equal(
	    erg_dns_build_rr_begin(&b, ERG_DNS_SEC_ANSWER, &root, 65280, 1, 0),
	    0);
	assert_int_equal(erg_dns_build_bytes(&b, big, 60000), 0);
	len = b.len;
	assert_int_equal(erg_dns_build_bytes(&b, big, 6000), -ERG_ENOSPC);
	assert_int_equal(b.len, len);
	assert_int_equal(erg_dns_build_rr_end(&b), 0);
	assert_int_equal(read_all(buf, (size_t)erg_dns_build_finish(&b)), 1);
	free(buf);
	free(big);
}

/* ---- Names as text ---------------------------------------------------- */

static void
test_name_from_text_with_and_without_final_dot(void **state)
{
	struct erg_dns_name a, b;
	static const uint8_t wire[] = { 3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm',
		'p', 'l', 'e', 3, 'c', 'o', 'm', 0 };

	(void)state;
	assert_int_equal(erg_dns_name_from_text(&a, "www.example.com", 15), 0);
	assert_int_equal(erg_dns_name_from_text(&b, "www.example.com.", 16), 0);
	assert_int_equal(a.len, sizeof(wire));
	assert_memory_equal(a.wire, wire, sizeof(wire));
	assert_int_equal(b.len, a.len);
	assert_memory_equal(b.wire, wire, sizeof(wire));
	/* Only len bytes count. */
	assert_int_equal(erg_dns_name_from_text(&a, "www.example.comXX", 15),
	    0);
	assert_memory_equal(a.wire, wire, sizeof(wire));
	assert_int_equal(erg_dns_name_from_text(&a, ".", 1), 0);
	assert_int_equal(a.len, 1);
	assert_int_equal(a.wire[0], 0);
}

/* Empty names and empty labels are refused. */
static void
test_name_from_text_refuses_empty_labels(void **state)
{
	static const char *const bad[] = { "", "..", "a..b", ".a", "a.b..",
		"..a" };
	struct erg_dns_name n;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(
		    erg_dns_name_from_text(&n, bad[i], strlen(bad[i])),
		    -ERG_EINVAL);
	}
	assert_int_equal(erg_dns_name_from_text(&n, NULL, 3), -ERG_EINVAL);
}

/*
 * Limits: a 63-byte label is read and a 64-byte one refused; a 253-char
 * name (255 bytes in wire form) is read, with or without its dot, and a
 * 254-char one refused.
 */
static void
test_name_from_text_label_and_name_limits(void **state)
{
	char s[300];
	struct erg_dns_name n;
	char t[ERG_DNS_TEXT_MAX];
	size_t i;

	(void)state;
	memset(s, 'x', 64);
	assert_int_equal(erg_dns_name_from_text(&n, s, 63), 0);
	assert_int_equal(n.len, 65);
	assert_int_equal(erg_dns_name_from_text(&n, s, 64), -ERG_EINVAL);

	/* 63.63.63.61: 253 characters, 255 bytes of wire. */
	memset(s, 'a', sizeof(s));
	s[63] = s[127] = s[191] = '.';
	assert_int_equal(erg_dns_name_from_text(&n, s, 253), 0);
	assert_int_equal(n.len, 255);
	assert_int_equal(erg_dns_name_to_text(&n, t, sizeof(t)), 254);
	assert_int_equal(t[253], '.');
	assert_int_equal(t[254], '\0');
	s[253] = '.';
	assert_int_equal(erg_dns_name_from_text(&n, s, 254), 0);
	assert_int_equal(n.len, 255);
	s[253] = 'a';
	assert_int_equal(erg_dns_name_from_text(&n, s, 254), -ERG_EINVAL);
	s[254] = '.';
	assert_int_equal(erg_dns_name_from_text(&n, s, 255), -ERG_EINVAL);
	/* Text round trip of the longest name. */
	for (i = 0; i < 253; i++) {
		assert_int_equal(t[i], s[i]);
	}
}

/*
 * dig's escapes (checked in the capture: "a\(b\)c\@d\$e\;f\\\\g/i~"):
 * \c for . ; \ " ( ) @ $ and \DDD outside 0x21..0x7e; the root is ".".
 */
static void
test_name_to_text_escapes_as_dig(void **state)
{
	struct erg_dns_name n;
	char t[ERG_DNS_TEXT_MAX * 4];
	static const uint8_t odd[] = { 10, 'a', '.', 'b', ' ', 0x7f, 0x00, 0xe9,
		'"', '*', '\\', 4, '@', '$', '(', ';', 0 };

	(void)state;
	n.len = sizeof(odd);
	memcpy(n.wire, odd, sizeof(odd));
	assert_int_equal(erg_dns_name_to_text(&n, t, sizeof(t)), 35);
	assert_string_equal(t,
	    "a\\.b\\032\\127\\000\\233\\\"*\\\\.\\@\\$\\(\\;.");
	n = name_of(".");
	assert_int_equal(erg_dns_name_to_text(&n, t, sizeof(t)), 1);
	assert_string_equal(t, ".");
	n = name_of("_sip._udp.Ex-Ample.~/");
	erg_dns_name_to_text(&n, t, sizeof(t));
	assert_string_equal(t, "_sip._udp.Ex-Ample.~/.");
	/* A malformed name prints as nothing. */
	n.len = 3;
	assert_int_equal(erg_dns_name_to_text(&n, t, sizeof(t)), 0);
	assert_string_equal(t, "");
}

/* A short buffer: the full length is returned, the prefix NUL-ended. */
static void
test_name_to_text_truncates_like_snprintf(void **state)
{
	struct erg_dns_name n = name_of("www.example.com");
	char t[8];

	(void)state;
	memset(t, 'z', sizeof(t));
	assert_int_equal(erg_dns_name_to_text(&n, t, 5), 16);
	assert_string_equal(t, "www.");
	assert_int_equal(t[5], 'z');
	assert_int_equal(erg_dns_name_to_text(&n, t, 1), 16);
	assert_int_equal(t[0], '\0');
	assert_int_equal(erg_dns_name_to_text(&n, NULL, 0), 16);
}

/* RFC 4343: ASCII letters fold; nothing else does. */
static void
test_name_eq_is_ascii_case_insensitive(void **state)
{
	struct erg_dns_name a = name_of("WwW.ErG.TeSt"),
	                    b = name_of("www.erg.test."),
	                    c = name_of("www.erg.tes"), d = name_of("[.x"),
	                    e = name_of("{.x"), f = name_of("\xc9.x"),
	                    g = name_of("\xe9.x");

	(void)state;
	assert_true(erg_dns_name_eq(&a, &b));
	assert_true(erg_dns_name_eq(&b, &a));
	assert_false(erg_dns_name_eq(&a, &c));
	assert_false(erg_dns_name_eq(&d, &e));
	assert_false(erg_dns_name_eq(&f, &g));
	/* "a.bc" and "ab.c": same length, different labels. */
	c = name_of("a.bc");
	d = name_of("ab.c");
	assert_false(erg_dns_name_eq(&c, &d));
}

/* RFC 1035 3.5: the in-addr.arpa name, lowest octet first. */
static void
test_name_reverse4(void **state)
{
	struct erg_dns_name n, want;
	char t[ERG_DNS_TEXT_MAX];

	(void)state;
	erg_dns_name_reverse4(&n, ERG_IPV4(198, 18, 6, 10));
	erg_dns_name_to_text(&n, t, sizeof(t));
	assert_string_equal(t, "10.6.18.198.in-addr.arpa.");
	want = name_of("10.6.18.198.in-addr.arpa");
	assert_int_equal(n.len, want.len);
	assert_memory_equal(n.wire, want.wire, want.len);
	erg_dns_name_reverse4(&n, 0);
	erg_dns_name_to_text(&n, t, sizeof(t));
	assert_string_equal(t, "0.0.0.0.in-addr.arpa.");
	erg_dns_name_reverse4(&n, 0xffffffffu);
	erg_dns_name_to_text(&n, t, sizeof(t));
	assert_string_equal(t, "255.255.255.255.in-addr.arpa.");
}

/* ---- Record data as text ---------------------------------------------- */

/* One record of type and rdata in a message, printed. */
static size_t
rr_text(unsigned type, const void *rd, size_t rdlen, char *t, size_t cap)
{
	struct erg_dns_builder b;
	struct erg_dns_msg m;
	struct erg_dns_rr rr;
	struct erg_dns_name n = name_of("x.test");
	static uint8_t buf[70000];
	int len;

	assert_int_equal(erg_dns_build_init(&b, buf, sizeof(buf), 1, 0), 0);
	assert_int_equal(erg_dns_build_rr(&b, ERG_DNS_SEC_ANSWER, &n,
	                     (uint16_t)type, 1, 0, rd, rdlen),
	    0);
	len = erg_dns_build_finish(&b);
	assert_int_equal(erg_dns_msg_parse(&m, erg_view_make(buf, (size_t)len)),
	    0);
	assert_int_equal(erg_dns_rr_next(&m, &rr), 1);
	return erg_dns_rdata_to_text(&m, &rr, t, cap);
}

/*
 * AAAA as dig prints it, which is glibc's inet_ntop: compared with
 * inet_ntop itself on the RFC 5952 cases (longest run, first of equal
 * runs, no single-group "::", embedded IPv4) and 20,000 addresses made
 * of zero-heavy groups.
 */
static void
test_aaaa_text_equals_inet_ntop(void **state)
{
	static const char *const cases[] = { "::", "::1", "1::", "::ffff:0:0",
		"::ffff:1.2.3.4", "::1.2.3.4", "::0.0.1.0", "1:0:0:2:0:0:3:4",
		"1:0:2:0:3:0:4:0", "2001:db8:0:1:1:1:1:1", "0:0:1:0:0:0:1:0",
		"fe80::1:2", "1:2:3:4:5:6:7:8", "0:ffff::1", "::fffe:1.2.3.4",
		"0:0:0:0:0:ffff:0:1", "1:0:0:0:0:ffff:1.2.3.4" };
	uint8_t a[16];
	char want[INET6_ADDRSTRLEN], got[64];
	unsigned i, j;
	uint32_t x = 12345;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]) + 20000; i++) {
		if (i < sizeof(cases) / sizeof(cases[0])) {
			assert_int_equal(inet_pton(AF_INET6, cases[i], a), 1);
		} else {
			for (j = 0; j < 8; j++) {
				x = x * 1103515245u + 12345u;
				/* Mostly zeros; some ffff (mapped). */
				a[2 * j] =
				    (x >> 16) % 4 == 0 ? (uint8_t)(x >> 24) : 0;
				a[2 * j + 1] =
				    (x >> 8) % 3 == 0 ? (uint8_t)x : 0;
				if ((x >> 20) % 16 == 0) {
					a[2 * j] = a[2 * j + 1] = 0xff;
				}
			}
		}
		assert_non_null(inet_ntop(AF_INET6, a, want, sizeof(want)));
		rr_text(ERG_DNS_TYPE_AAAA, a, 16, got, sizeof(got));
		if (strcmp(got, want) != 0) {
			fail_msg("got %s want %s", got, want);
		}
	}
}

/*
 * RFC 3597 as dig prints it: "\# 0" when empty, uppercase hex in groups
 * of 28 bytes (captured: 5 and 40 bytes; here 28, 29, 56, 57).
 */
static void
test_unknown_rdata_text_splits_hex_as_dig(void **state)
{
	uint8_t rd[60];
	char t[256], want[256];
	static const size_t lens[] = { 27, 28, 29, 56, 57 };
	size_t i, j, w;

	(void)state;
	for (i = 0; i < sizeof(rd); i++) {
		rd[i] = (uint8_t)(0xa0 + i);
	}
	assert_int_equal(rr_text(65280, rd, 0, t, sizeof(t)), 4);
	assert_string_equal(t, "\\# 0");
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		w = (size_t)snprintf(want, sizeof(want), "\\# %zu", lens[i]);
		for (j = 0; j < lens[i]; j++) {
			w += (size_t)snprintf(want + w, sizeof(want) - w,
			    "%s%02X", j % 28 == 0 ? " " : "", rd[j]);
		}
		assert_int_equal(rr_text(65280, rd, lens[i], t, sizeof(t)), w);
		assert_string_equal(t, want);
	}
}

/* TXT: dig's quoting, every byte value. */
static void
test_txt_text_escapes_as_dig(void **state)
{
	uint8_t rd[2 + 256];
	char t[2048], want[2048];
	size_t w = 0;
	unsigned c;

	(void)state;
	/* Two strings: every byte 0..127 and 128..255. */
	rd[0] = 128;
	for (c = 0; c < 128; c++) {
		rd[1 + c] = (uint8_t)c;
	}
	rd[129] = 128;
	for (c = 128; c < 256; c++) {
		rd[2 + c] = (uint8_t)c;
	}
	want[w++] = '"';
	for (c = 0; c < 256; c++) {
		if (c == 128) {
			w += (size_t)sprintf(want + w, "\" \"");
		}
		if (c < 0x20 || c >= 0x7f) {
			w += (size_t)sprintf(want + w, "\\%03u", c);
		} else if (c == '"' || c == '\\') {
			w += (size_t)sprintf(want + w, "\\%c", c);
		} else {
			want[w++] = (char)c;
		}
	}
	want[w++] = '"';
	want[w] = '\0';
	assert_int_equal(
	    rr_text(ERG_DNS_TYPE_TXT, rd, sizeof(rd), t, sizeof(t)), w);
	assert_string_equal(t, want);
}

/*
 * A record whose rdata does not fit its type (rr_next would have refused
 * it; here the type is changed after reading) prints as "" and says 0.
 */
static void
test_rdata_text_of_malformed_rdata_is_empty(void **state)
{
	static const uint8_t rd[] = { 200, 'a', 'b', 'c', 'd' };
	static const unsigned types[] = { ERG_DNS_TYPE_TXT, ERG_DNS_TYPE_AAAA,
		ERG_DNS_TYPE_CNAME, ERG_DNS_TYPE_MX, ERG_DNS_TYPE_SOA };
	struct erg_dns_builder b;
	struct erg_dns_msg m;
	struct erg_dns_rr rr;
	struct erg_dns_name n = name_of("x.test");
	uint8_t buf[128];
	char t[64];
	unsigned i;
	int len;

	(void)state;
	assert_int_equal(erg_dns_build_init(&b, buf, sizeof(buf), 1, 0), 0);
	assert_int_equal(erg_dns_build_rr(&b, ERG_DNS_SEC_ANSWER, &n, 65280, 1,
	                     0, rd, sizeof(rd)),
	    0);
	len = erg_dns_build_finish(&b);
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		assert_int_equal(
		    erg_dns_msg_parse(&m, erg_view_make(buf, (size_t)len)), 0);
		assert_int_equal(erg_dns_rr_next(&m, &rr), 1);
		rr.type = (uint16_t)types[i];
		memset(t, 'z', sizeof(t));
		assert_int_equal(erg_dns_rdata_to_text(&m, &rr, t, sizeof(t)),
		    0);
		assert_int_equal(t[0], '\0');
	}
}

/* A short buffer gets a NUL-ended prefix; the full length is returned. */
static void
test_rdata_text_truncates_like_snprintf(void **state)
{
	static const uint8_t soa[] = { 2, 'n', 's', 0, 1, 'h', 0, 0xff, 0xff,
		0xff, 0xff, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4 };
	char t[64], small[10];

	(void)state;
	assert_int_equal(
	    rr_text(ERG_DNS_TYPE_SOA, soa, sizeof(soa), t, sizeof(t)),
	    strlen("ns. h. 4294967295 1 2 3 4"));
	assert_string_equal(t, "ns. h. 4294967295 1 2 3 4");
	assert_int_equal(
	    rr_text(ERG_DNS_TYPE_SOA, soa, sizeof(soa), small, sizeof(small)),
	    strlen(t));
	assert_string_equal(small, "ns. h. 42");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_messages_parse_completely),
		cmocka_unit_test(test_msg_parse_etrunc_spends_the_message),
		cmocka_unit_test(test_a_and_aaaa_outside_class_in_are_opaque),
		cmocka_unit_test(
		    test_pointer_into_label_bytes_reads_them_as_labels),
		cmocka_unit_test(
		    test_rfc9267_name_too_long_through_rdata_refused),
		cmocka_unit_test(
		    test_rfc9267_pointer_in_rdata_to_itself_or_forward_refused),
		cmocka_unit_test(test_rdata_text_equals_captured_dig_short),
		cmocka_unit_test(test_rdata_parse_decodes_captured_fields),
		cmocka_unit_test(test_truncated_udp_answer_has_tc_and_parses),
		cmocka_unit_test(test_nxdomain_answer_carries_soa_in_authority),
		cmocka_unit_test(
		    test_every_truncation_of_real_messages_is_refused),
		cmocka_unit_test(test_name_read_at_every_offset_stays_inside),
		cmocka_unit_test(test_rfc9267_pointer_to_itself_refused),
		cmocka_unit_test(test_rfc9267_forward_pointer_refused),
		cmocka_unit_test(test_rfc9267_pointer_into_header_refused),
		cmocka_unit_test(test_rfc9267_pointer_out_of_bounds_refused),
		cmocka_unit_test(test_rfc9267_pointer_loop_a_b_a_refused),
		cmocka_unit_test(test_rfc9267_too_many_jumps_refused),
		cmocka_unit_test(test_rfc9267_label_longer_than_63_refused),
		cmocka_unit_test(
		    test_rfc9267_name_over_255_via_compression_refused),
		cmocka_unit_test(test_name_over_255_uncompressed_refused),
		cmocka_unit_test(test_rfc9267_bad_label_types_refused),
		cmocka_unit_test(
		    test_rfc9267_counts_beyond_message_refused_at_header),
		cmocka_unit_test(
		    test_rfc9267_counts_larger_than_records_present_refused),
		cmocka_unit_test(test_rfc9267_rdlength_past_end_refused),
		cmocka_unit_test(
		    test_rfc9267_rdlength_not_matching_a_aaaa_refused),
		cmocka_unit_test(test_rfc9267_rdlength_not_matching_mx_refused),
		cmocka_unit_test(
		    test_rfc9267_rdlength_not_matching_srv_refused),
		cmocka_unit_test(
		    test_rfc9267_rdlength_not_matching_soa_refused),
		cmocka_unit_test(
		    test_rfc9267_rdlength_not_matching_txt_refused),
		cmocka_unit_test(test_opt_options_must_fit_exactly),
		cmocka_unit_test(
		    test_rfc9267_cname_name_not_ending_at_rdata_end_refused),
		cmocka_unit_test(test_unknown_type_rdata_is_opaque),
		cmocka_unit_test(test_trailing_bytes_after_last_record_ignored),
		cmocka_unit_test(test_msg_parse_needs_a_whole_header),
		cmocka_unit_test(test_rdata_parse_refuses_rr_not_from_message),
		cmocka_unit_test(test_build_reproduces_captured_query),
		cmocka_unit_test(test_build_parse_round_trip_every_type),
		cmocka_unit_test(test_build_enforces_section_order),
		cmocka_unit_test(test_build_failure_leaves_message_unchanged),
		cmocka_unit_test(test_build_rdata_limited_to_65535),
		cmocka_unit_test(
		    test_name_from_text_with_and_without_final_dot),
		cmocka_unit_test(test_name_from_text_refuses_empty_labels),
		cmocka_unit_test(test_name_from_text_label_and_name_limits),
		cmocka_unit_test(test_name_to_text_escapes_as_dig),
		cmocka_unit_test(test_name_to_text_truncates_like_snprintf),
		cmocka_unit_test(test_name_eq_is_ascii_case_insensitive),
		cmocka_unit_test(test_name_reverse4),
		cmocka_unit_test(test_aaaa_text_equals_inet_ntop),
		cmocka_unit_test(test_unknown_rdata_text_splits_hex_as_dig),
		cmocka_unit_test(test_txt_text_escapes_as_dig),
		cmocka_unit_test(test_rdata_text_of_malformed_rdata_is_empty),
		cmocka_unit_test(test_rdata_text_truncates_like_snprintf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
