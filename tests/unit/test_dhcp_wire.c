/*
 * tests/unit/test_dhcp_wire.c: the DHCP message codec (RFC 2131 2, RFC
 * 2132, RFC 3396), erg_dhcp_parse and erg_dhcp_emit.
 *
 * Real messages: tests/vectors/dhcp/dhcp_vectors.h, captured between
 * dnsmasq 2.90 and busybox udhcpc / client.py (see its README), each
 * compared with the fields gen_vectors.py decoded on its own; the
 * overloaded OFFER and ACK keep their DNS servers in the file field.
 *
 * Bad input class 13 of TESTING.md, one test each: option length past the
 * end of the options field, of the file field under overload and of the
 * sname field; a missing END in each field; overload values 0 and 4, and
 * option 52 outside the options field; pad runs; unknown options skipped;
 * fixed-length options with a wrong length or given twice; lists
 * concatenated, of length 0 or not a multiple of 4; a message type out of
 * range; bad cookie, htype, hlen, op; every truncation of every real
 * message. Emit: written into 0xA5-filled buffers, nothing past its
 * length, ENOSPC without writing, and emit -> parse round trips.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "erg/erg.h"
#include "dhcp/dhcp_vectors.h"

#define OFF_SNAME   44u
#define OFF_FILE    108u
#define OFF_COOKIE  236u
#define OFF_OPTIONS 240u

/* A message: the fixed part of a real ACK, then options given by a test. */
struct msg {
	uint8_t b[1024];
	size_t len;
};

static void
msg_init(struct msg *m, const uint8_t *opts, size_t n)
{
	assert_true(OFF_OPTIONS + n <= sizeof(m->b));
	memcpy(m->b, dhcpv_renew_dora_ack, OFF_OPTIONS);
	memcpy(m->b + OFF_OPTIONS, opts, n);
	m->len = OFF_OPTIONS + n;
}

static int
parse(const struct msg *m, struct erg_dhcp_repr *r, enum erg_stat *why)
{
	*why = ERG_STAT_COUNT;
	return erg_dhcp_parse(r, erg_view_make(m->b, m->len), why);
}

/* Asserts that m is refused as a bad option (class 13). */
static void
assert_bad_option(const struct msg *m)
{
	struct erg_dhcp_repr r;
	enum erg_stat why;

	assert_int_equal(parse(m, &r, &why), -ERG_EMALFORMED);
	assert_int_equal(why, ERG_STAT_DHCP_BAD_OPTION);
}

static void
assert_parses(const struct msg *m, struct erg_dhcp_repr *r)
{
	enum erg_stat why;

	assert_int_equal(parse(m, r, &why), 0);
	assert_int_equal(why, ERG_STAT_COUNT); /* untouched on success */
}

/* ---- Real messages ------------------------------------------------------ */

static void
check_vector(const struct dhcp_vector *v, const struct erg_dhcp_repr *r)
{
	unsigned i;

	assert_int_equal(r->op, v->op);
	assert_int_equal(r->htype, 1);
	assert_int_equal(r->hlen, 6);
	assert_int_equal(r->msg_type, v->msg_type);
	assert_int_equal(r->overload, v->overload);
	assert_int_equal(r->xid, v->xid);
	assert_int_equal(r->secs, v->secs);
	assert_int_equal(r->flags, v->flags);
	assert_int_equal(r->ciaddr, v->ciaddr);
	assert_int_equal(r->yiaddr, v->yiaddr);
	assert_int_equal(r->siaddr, v->siaddr);
	assert_int_equal(r->server_id, v->server_id);
	assert_int_equal(r->requested, v->requested);
	assert_int_equal(r->has_mask, v->has_mask);
	assert_int_equal(r->mask, v->mask);
	assert_int_equal(r->has_lease, v->has_lease);
	assert_int_equal(r->lease_s, v->lease_s);
	assert_int_equal(r->has_t1, v->has_t1);
	assert_int_equal(r->t1_s, v->t1_s);
	assert_int_equal(r->has_t2, v->has_t2);
	assert_int_equal(r->t2_s, v->t2_s);
	assert_int_equal(r->has_mtu, v->has_mtu);
	assert_int_equal(r->mtu, v->mtu);
	assert_int_equal(r->max_size, v->max_size);
	assert_int_equal(r->has_router, v->has_router);
	assert_int_equal(r->router, v->router);
	assert_int_equal(r->dns_n, v->dns_n);
	for (i = 0; i < v->dns_n; i++) {
		assert_int_equal(r->dns[i], v->dns[i]);
	}
	assert_memory_equal(r->chaddr, "\x02\x00\x00\x00\x00\x02", 6);
	/* Emit-only fields stay empty in a parse. */
	assert_null(r->client_id);
	assert_null(r->hostname);
	assert_false(r->param_list);
}

static void
test_dhcp_vectors_parse(void **state)
{
	unsigned i;

	(void)state;
	assert_true(DHCP_VECTOR_COUNT >= 12);
	for (i = 0; i < DHCP_VECTOR_COUNT; i++) {
		const struct dhcp_vector *v = &dhcp_vectors[i];
		struct erg_dhcp_repr r;
		enum erg_stat why = ERG_STAT_COUNT;

		print_message("%s\n", v->name);
		assert_int_equal(
		    erg_dhcp_parse(&r, erg_view_make(v->data, v->len), &why),
		    0);
		check_vector(v, &r);
	}
}

/* What dnsmasq said, checked by hand against the capture (README). */
static void
test_dhcp_vector_ack_contents(void **state)
{
	struct erg_dhcp_repr r;
	enum erg_stat why;

	(void)state;
	assert_int_equal(erg_dhcp_parse(&r,
	                     erg_view_make(dhcpv_renew_dora_ack,
	                         sizeof(dhcpv_renew_dora_ack)),
	                     &why),
	    0);
	assert_int_equal(r.op, ERG_DHCP_BOOTREPLY);
	assert_int_equal(r.msg_type, ERG_DHCP_ACK);
	assert_int_equal(r.xid, 0x52454e01u);
	assert_int_equal(r.server_id, ERG_IPV4(198, 18, 0, 1));
	assert_int_equal(r.yiaddr >> 8, ERG_IPV4(198, 18, 0, 0) >> 8);
	assert_true((r.yiaddr & 0xff) >= 100 && (r.yiaddr & 0xff) <= 150);
	assert_true(r.has_mask && r.mask == 0xffffff00u);
	assert_true(r.has_lease && r.lease_s == 3600);
	assert_true(r.has_router && r.router == ERG_IPV4(198, 18, 0, 1));
	assert_int_equal(r.dns_n, 2);
	assert_int_equal(r.dns[0], ERG_IPV4(198, 18, 0, 1));
	assert_int_equal(r.dns[1], ERG_IPV4(198, 18, 0, 53));
	assert_true(r.has_mtu && r.mtu == 1400);
}

/* The overloaded ACK: DNS servers only in the file field. */
static void
test_dhcp_vector_overload_reads_file(void **state)
{
	struct erg_dhcp_repr r;
	enum erg_stat why;
	struct msg m;

	(void)state;
	assert_int_equal(
	    erg_dhcp_parse(&r,
	        erg_view_make(dhcpv_overload_ack, sizeof(dhcpv_overload_ack)),
	        &why),
	    0);
	assert_int_equal(r.overload, 1);
	assert_int_equal(r.dns_n, 2);
	assert_int_equal(r.dns[1], ERG_IPV4(198, 18, 0, 53));
	/* The same message with a zeroed file field: no END there. */
	memcpy(m.b, dhcpv_overload_ack, sizeof(dhcpv_overload_ack));
	m.len = sizeof(dhcpv_overload_ack);
	memset(m.b + OFF_FILE, 0, 128);
	assert_bad_option(&m);
}

/* Offset just past the END of the options field, or 0. */
static size_t
options_end(const uint8_t *p, size_t len)
{
	size_t i = OFF_OPTIONS;

	while (i < len) {
		if (p[i] == 0) {
			i++;
		} else if (p[i] == 255) {
			return i + 1;
		} else {
			i += 2u + (i + 1 < len ? p[i + 1] : 0);
		}
	}
	return 0;
}

/* Every truncation of every real message (class 13, class 8). */
static void
test_dhcp_vectors_every_truncation(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < DHCP_VECTOR_COUNT; i++) {
		const struct dhcp_vector *v = &dhcp_vectors[i];
		size_t end = options_end(v->data, v->len), cut;
		struct erg_dhcp_repr full, r;
		enum erg_stat why;

		assert_true(end > OFF_OPTIONS);
		assert_int_equal(
		    erg_dhcp_parse(&full, erg_view_make(v->data, v->len), &why),
		    0);
		for (cut = 0; cut < v->len; cut++) {
			int rc;

			why = ERG_STAT_COUNT;
			rc = erg_dhcp_parse(&r, erg_view_make(v->data, cut),
			    &why);
			if (cut < ERG_DHCP_MIN_LEN) {
				assert_int_equal(rc, -ERG_ETRUNC);
				assert_int_equal(why, ERG_STAT_DHCP_TRUNCATED);
			} else if (cut < end) {
				assert_int_equal(rc, -ERG_EMALFORMED);
				assert_int_equal(why, ERG_STAT_DHCP_BAD_OPTION);
			} else {
				/* Only padding was cut: the same message. */
				assert_int_equal(rc, 0);
				assert_memory_equal(&r, &full, sizeof(r));
			}
		}
	}
}

/* ---- Fixed part -----------------------------------------------------------
 */

static const uint8_t opts_min[] = { 53, 1, 5, 255 };

static void
test_dhcp_bad_cookie(void **state)
{
	struct erg_dhcp_repr r;
	enum erg_stat why;
	struct msg m;

	(void)state;
	msg_init(&m, opts_min, sizeof(opts_min));
	m.b[OFF_COOKIE + 3] = 0x64;
	assert_int_equal(parse(&m, &r, &why), -ERG_EMALFORMED);
	assert_int_equal(why, ERG_STAT_DHCP_BAD_COOKIE);
	/* A BOOTP message without the cookie is refused too. */
	memset(m.b + OFF_COOKIE, 0, 4);
	assert_int_equal(parse(&m, &r, &why), -ERG_EMALFORMED);
	assert_int_equal(why, ERG_STAT_DHCP_BAD_COOKIE);
}

static void
test_dhcp_bad_header(void **state)
{
	static const struct {
		unsigned off;
		uint8_t val;
	} bad[] = { { 0, 0 }, { 0, 3 }, { 0, 255 }, { 1, 6 }, { 1, 0 },
		{ 2, 16 }, { 2, 0 }, { 2, 5 } };
	struct erg_dhcp_repr r;
	enum erg_stat why;
	struct msg m;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		msg_init(&m, opts_min, sizeof(opts_min));
		m.b[bad[i].off] = bad[i].val;
		assert_int_equal(parse(&m, &r, &why), -ERG_EMALFORMED);
		assert_int_equal(why, ERG_STAT_DHCP_BAD_HEADER);
	}
	/* op 1 (a request) parses: the client refuses it later. */
	msg_init(&m, opts_min, sizeof(opts_min));
	m.b[0] = 1;
	assert_parses(&m, &r);
	assert_int_equal(r.op, ERG_DHCP_BOOTREQUEST);
}

static void
test_dhcp_truncated_fixed_part(void **state)
{
	struct erg_dhcp_repr r;
	enum erg_stat why = ERG_STAT_COUNT;

	(void)state;
	assert_int_equal(erg_dhcp_parse(&r, erg_view_make(NULL, 0), &why),
	    -ERG_ETRUNC);
	assert_int_equal(why, ERG_STAT_DHCP_TRUNCATED);
	/* The fixed part and cookie, and no option at all: no END. */
	assert_int_equal(
	    erg_dhcp_parse(&r, erg_view_make(dhcpv_renew_dora_ack, 240), &why),
	    -ERG_EMALFORMED);
	assert_int_equal(why, ERG_STAT_DHCP_BAD_OPTION);
}

/* ---- Options field --------------------------------------------------------
 */

static void
test_dhcp_option_length_past_end(void **state)
{
	/* DNS claims 8 bytes, 4 are left. */
	static const uint8_t o1[] = { 53, 1, 5, 6, 8, 198, 18, 0, 1 };
	/* The length byte itself is missing. */
	static const uint8_t o2[] = { 53, 1, 5, 6 };
	/* An unknown option running past the end by one byte. */
	static const uint8_t o3[] = { 53, 1, 5, 200, 3, 1, 2 };
	/* Length 255 right before the end. */
	static const uint8_t o4[] = { 53, 1, 5, 43, 255, 255 };
	struct msg m;

	(void)state;
	msg_init(&m, o1, sizeof(o1));
	assert_bad_option(&m);
	msg_init(&m, o2, sizeof(o2));
	assert_bad_option(&m);
	msg_init(&m, o3, sizeof(o3));
	assert_bad_option(&m);
	msg_init(&m, o4, sizeof(o4));
	assert_bad_option(&m);
}

static void
test_dhcp_missing_end(void **state)
{
	static const uint8_t o1[] = { 53, 1, 5, 54, 4, 198, 18, 0, 1 };
	static const uint8_t o2[] = { 53, 1, 5, 0, 0, 0, 0 }; /* pads */
	static const uint8_t o3[] = { 0 };
	static const uint8_t ok[] = { 53, 1, 5, 54, 4, 198, 18, 0, 1, 255 };
	struct erg_dhcp_repr r;
	struct msg m;

	(void)state;
	msg_init(&m, o1, sizeof(o1));
	assert_bad_option(&m);
	msg_init(&m, o2, sizeof(o2));
	assert_bad_option(&m);
	msg_init(&m, o3, sizeof(o3));
	assert_bad_option(&m);
	/* END as the very last byte. */
	msg_init(&m, ok, sizeof(ok));
	assert_parses(&m, &r);
	assert_int_equal(r.server_id, ERG_IPV4(198, 18, 0, 1));
}

static void
test_dhcp_after_end_ignored(void **state)
{
	/* Bytes after END are padding, even if they look like options. */
	static const uint8_t o[] = { 53, 1, 5, 255, 54, 4, 1, 2, 3, 4, 6, 200 };
	struct erg_dhcp_repr r;
	struct msg m;

	(void)state;
	msg_init(&m, o, sizeof(o));
	assert_parses(&m, &r);
	assert_int_equal(r.server_id, 0);
	assert_int_equal(r.dns_n, 0);
}

static void
test_dhcp_pad_runs(void **state)
{
	struct erg_dhcp_repr r;
	uint8_t o[700];
	struct msg m;
	size_t n = 0;

	(void)state;
	memset(o, 0, sizeof(o));
	n += 300; /* a pad run before the first option */
	o[n++] = 53;
	o[n++] = 1;
	o[n++] = 2;
	n += 200;
	o[n++] = 54;
	o[n++] = 4;
	o[n++] = 10;
	o[n++] = 0;
	o[n++] = 0;
	o[n++] = 1;
	n += 100;
	o[n++] = 255;
	msg_init(&m, o, n);
	assert_parses(&m, &r);
	assert_int_equal(r.msg_type, ERG_DHCP_OFFER);
	assert_int_equal(r.server_id, ERG_IPV4(10, 0, 0, 1));
}

static void
test_dhcp_unknown_options_skipped(void **state)
{
	/* 43 (vendor) with content that looks like options, 200 of len 0,
	 * 12 (host name), then what erg reads. */
	static const uint8_t o[] = { 43, 6, 54, 4, 9, 9, 9, 9, 200, 0, 12, 3,
		'a', 'b', 'c', 53, 1, 5, 54, 4, 198, 18, 0, 1, 255 };
	struct erg_dhcp_repr r;
	struct msg m;

	(void)state;
	msg_init(&m, o, sizeof(o));
	assert_parses(&m, &r);
	assert_int_equal(r.msg_type, ERG_DHCP_ACK);
	assert_int_equal(r.server_id, ERG_IPV4(198, 18, 0, 1));
}

static const uint8_t fixed_codes[] = { 1, 26, 50, 51, 52, 53, 54, 57, 58, 59 };
static const uint8_t fixed_lens[] = { 4, 2, 4, 4, 1, 1, 4, 2, 4, 4 };

/* A valid value of each fixed option (52: 1 with a good file field). */
static void
fixed_value(uint8_t code, uint8_t *v)
{
	memset(v, 0, 4);
	v[0] = code == 52 ? 1 : code == 53 ? 5 : 1;
	if (code == 26 || code == 57) {
		v[0] = 2; /* 576 */
		v[1] = 0x40;
	}
}

/* A message with code given once with length len (and 53 if not code). */
static void
msg_with(struct msg *m, uint8_t code, size_t len, unsigned times)
{
	uint8_t o[64];
	uint8_t v[8];
	size_t n = 0;
	unsigned t;

	fixed_value(code, v);
	if (code != 53) {
		o[n++] = 53;
		o[n++] = 1;
		o[n++] = 5;
	}
	for (t = 0; t < times; t++) {
		o[n++] = code;
		o[n++] = (uint8_t)len;
		memset(o + n, 0, len);
		memcpy(o + n, v, len < sizeof(v) ? len : sizeof(v));
		n += len;
	}
	o[n++] = 255;
	msg_init(m, o, n);
	if (code == 52) {
		memset(m->b + OFF_FILE, 0, 128);
		m->b[OFF_FILE] = 255; /* an empty, well-ended file field */
	}
}

static void
test_dhcp_fixed_option_wrong_length(void **state)
{
	struct erg_dhcp_repr r;
	struct msg m;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(fixed_codes); i++) {
		print_message("option %u\n", fixed_codes[i]);
		msg_with(&m, fixed_codes[i], fixed_lens[i], 1);
		assert_parses(&m, &r);
		msg_with(&m, fixed_codes[i], fixed_lens[i] - 1u, 1);
		assert_bad_option(&m);
		msg_with(&m, fixed_codes[i], fixed_lens[i] + 1u, 1);
		assert_bad_option(&m);
		msg_with(&m, fixed_codes[i], 0, 1);
		assert_bad_option(&m);
	}
}

static void
test_dhcp_fixed_option_duplicated(void **state)
{
	struct msg m;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(fixed_codes); i++) {
		print_message("option %u\n", fixed_codes[i]);
		msg_with(&m, fixed_codes[i], fixed_lens[i], 2);
		assert_bad_option(&m);
	}
}

static void
test_dhcp_message_type_range(void **state)
{
	struct erg_dhcp_repr r;
	uint8_t o[] = { 53, 1, 0, 255 };
	struct msg m;
	unsigned t;

	(void)state;
	for (t = 0; t < 256; t++) {
		o[2] = (uint8_t)t;
		msg_init(&m, o, sizeof(o));
		if (t >= 1 && t <= 8) {
			assert_parses(&m, &r);
			assert_int_equal(r.msg_type, t);
		} else {
			assert_bad_option(&m);
		}
	}
	/* No option 53 at all: BOOTP, msg_type 0. */
	o[0] = 255;
	msg_init(&m, o, 1);
	assert_parses(&m, &r);
	assert_int_equal(r.msg_type, 0);
}

static void
test_dhcp_lists_concatenated(void **state)
{
	static const uint8_t o[] = { 53, 1, 5, 6, 4, 10, 0, 0, 1, 3, 8, 10, 0,
		0, 254, 10, 0, 0, 253, 6, 8, 10, 0, 0, 2, 10, 0, 0, 3, 3, 4, 10,
		0, 0, 252, 6, 4, 10, 0, 0, 4, 255 };
	struct erg_dhcp_repr r;
	struct msg m;

	(void)state;
	msg_init(&m, o, sizeof(o));
	assert_parses(&m, &r);
	/* The first router of the first instance. */
	assert_true(r.has_router);
	assert_int_equal(r.router, ERG_IPV4(10, 0, 0, 254));
	/* DNS in order across instances, at most ERG_DHCP_DNS_MAX. */
	assert_int_equal(r.dns_n, ERG_DHCP_DNS_MAX);
	assert_int_equal(r.dns[0], ERG_IPV4(10, 0, 0, 1));
	assert_int_equal(r.dns[1], ERG_IPV4(10, 0, 0, 2));
	assert_int_equal(r.dns[2], ERG_IPV4(10, 0, 0, 3));
}

static void
test_dhcp_list_bad_length(void **state)
{
	static const uint8_t lens[] = { 0, 1, 3, 5, 6, 7, 9, 255 };
	uint8_t o[300];
	struct msg m;
	unsigned i, c;

	(void)state;
	for (c = 0; c < 2; c++) {
		for (i = 0; i < sizeof(lens); i++) {
			size_t n = 0;

			o[n++] = c == 0 ? 3 : 6;
			o[n++] = lens[i];
			memset(o + n, 10, lens[i]);
			n += lens[i];
			o[n++] = 255;
			msg_init(&m, o, n);
			assert_bad_option(&m);
		}
	}
}

/* ---- Overload (option 52) -------------------------------------------------
 */

/* Options with 52 = ovl, and file / sname fields as given (NULL: zero). */
static void
msg_overload(struct msg *m, uint8_t ovl, const uint8_t *file, size_t flen,
    const uint8_t *sname, size_t slen)
{
	const uint8_t o[] = { 53, 1, 5, 52, 1, ovl, 6, 4, 10, 0, 0, 1, 255 };

	msg_init(m, o, sizeof(o));
	memset(m->b + OFF_SNAME, 0, 64 + 128);
	if (file != NULL) {
		memcpy(m->b + OFF_FILE, file, flen);
	}
	if (sname != NULL) {
		memcpy(m->b + OFF_SNAME, sname, slen);
	}
}

static const uint8_t field_dns2[] = { 6, 4, 10, 0, 0, 2, 255 };
static const uint8_t field_dns3[] = { 6, 4, 10, 0, 0, 3, 255 };

static void
test_dhcp_overload_file_and_sname(void **state)
{
	struct erg_dhcp_repr r;
	struct msg m;

	(void)state;
	msg_overload(&m, 1, field_dns2, sizeof(field_dns2), field_dns3,
	    sizeof(field_dns3));
	assert_parses(&m, &r);
	assert_int_equal(r.overload, 1);
	assert_int_equal(r.dns_n, 2); /* sname not read */
	assert_int_equal(r.dns[1], ERG_IPV4(10, 0, 0, 2));

	msg_overload(&m, 2, field_dns2, sizeof(field_dns2), field_dns3,
	    sizeof(field_dns3));
	assert_parses(&m, &r);
	assert_int_equal(r.dns_n, 2); /* file not read */
	assert_int_equal(r.dns[1], ERG_IPV4(10, 0, 0, 3));

	/* Both: RFC 2131 4.1's order, options, file, sname. */
	msg_overload(&m, 3, field_dns2, sizeof(field_dns2), field_dns3,
	    sizeof(field_dns3));
	assert_parses(&m, &r);
	assert_int_equal(r.dns_n, 3);
	assert_int_equal(r.dns[0], ERG_IPV4(10, 0, 0, 1));
	assert_int_equal(r.dns[1], ERG_IPV4(10, 0, 0, 2));
	assert_int_equal(r.dns[2], ERG_IPV4(10, 0, 0, 3));

	/* Without overload, option-like bytes in file are a file name. */
	msg_init(&m, opts_min, sizeof(opts_min));
	memcpy(m.b + OFF_FILE, field_dns2, sizeof(field_dns2));
	assert_parses(&m, &r);
	assert_int_equal(r.dns_n, 0);
}

static void
test_dhcp_overload_bad_value(void **state)
{
	static const uint8_t vals[] = { 0, 4, 5, 255 };
	struct msg m;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(vals); i++) {
		msg_overload(&m, vals[i], field_dns2, sizeof(field_dns2),
		    field_dns3, sizeof(field_dns3));
		assert_bad_option(&m);
	}
}

static void
test_dhcp_overload_missing_end(void **state)
{
	static const uint8_t no_end[] = { 6, 4, 10, 0, 0, 2 };
	struct msg m;

	(void)state;
	/* file overloaded, no END in it (the rest of it zero: pads). */
	msg_overload(&m, 1, no_end, sizeof(no_end), field_dns3,
	    sizeof(field_dns3));
	assert_bad_option(&m);
	/* sname overloaded, no END in it. */
	msg_overload(&m, 2, field_dns2, sizeof(field_dns2), no_end,
	    sizeof(no_end));
	assert_bad_option(&m);
	/* Both, file fine, sname without END. */
	msg_overload(&m, 3, field_dns2, sizeof(field_dns2), no_end,
	    sizeof(no_end));
	assert_bad_option(&m);
	/* Both, file entirely zero. */
	msg_overload(&m, 3, NULL, 0, field_dns3, sizeof(field_dns3));
	assert_bad_option(&m);
}

static void
test_dhcp_overload_length_past_field(void **state)
{
	uint8_t file[128], sname[64];
	struct msg m;

	(void)state;
	/* An option at the end of file whose length runs into the cookie. */
	memset(file, 0, sizeof(file));
	file[124] = 43;
	file[125] = 3; /* 2 bytes left in the field */
	msg_overload(&m, 1, file, sizeof(file), NULL, 0);
	assert_bad_option(&m);
	/* The length byte is the field's last byte... */
	memset(file, 0, sizeof(file));
	file[127] = 43;
	msg_overload(&m, 1, file, sizeof(file), NULL, 0);
	assert_bad_option(&m);
	/* ...in sname, running into file (which would parse). */
	memset(sname, 0, sizeof(sname));
	sname[60] = 6;
	sname[61] = 4; /* 2 bytes left */
	msg_overload(&m, 2, field_dns2, sizeof(field_dns2), sname,
	    sizeof(sname));
	assert_bad_option(&m);
	/* Exactly filling the field, END last: fine. */
	memset(file, 0, sizeof(file));
	file[0] = 43;
	file[1] = 125;
	file[127] = 255;
	msg_overload(&m, 1, file, sizeof(file), NULL, 0);
	{
		struct erg_dhcp_repr r;

		assert_parses(&m, &r);
	}
}

static void
test_dhcp_overload_outside_options_field(void **state)
{
	static const uint8_t f52[] = { 52, 1, 2, 255 };
	static const uint8_t opts[] = { 53, 1, 5, 255 };
	struct msg m;

	(void)state;
	/* 52 inside the overloaded file field. */
	msg_overload(&m, 1, f52, sizeof(f52), NULL, 0);
	assert_bad_option(&m);
	/* 52 inside sname (overload 3). */
	msg_overload(&m, 3, field_dns2, sizeof(field_dns2), f52, sizeof(f52));
	assert_bad_option(&m);
	/* A file field that would say 52 without options saying so: text. */
	msg_init(&m, opts, sizeof(opts));
	memcpy(m.b + OFF_FILE, f52, sizeof(f52));
	{
		struct erg_dhcp_repr r;

		assert_parses(&m, &r);
		assert_int_equal(r.overload, 0);
	}
}

static void
test_dhcp_overload_duplicate_across_fields(void **state)
{
	/* A fixed option in options and again in file: refused. */
	static const uint8_t f54[] = { 54, 4, 10, 0, 0, 9, 255 };
	struct erg_dhcp_repr r;
	struct msg m;

	(void)state;
	msg_overload(&m, 1, f54, sizeof(f54), NULL, 0);
	assert_parses(&m, &r); /* options hold no 54: fine */
	assert_int_equal(r.server_id, ERG_IPV4(10, 0, 0, 9));
	{
		static const uint8_t o[] = { 53, 1, 5, 54, 4, 10, 0, 0, 8, 52,
			1, 1, 255 };

		msg_init(&m, o, sizeof(o));
		memset(m.b + OFF_SNAME, 0, 64 + 128);
		memcpy(m.b + OFF_FILE, f54, sizeof(f54));
		assert_bad_option(&m);
	}
}

/* ---- Emit -----------------------------------------------------------------
 */

static const uint8_t mac2[6] = { 2, 0, 0, 0, 0, 2 };
static const uint8_t cid[7] = { 1, 2, 0, 0, 0, 0, 2 };

static void
repr_request(struct erg_dhcp_repr *r)
{
	memset(r, 0, sizeof(*r));
	r->op = ERG_DHCP_BOOTREQUEST;
	r->htype = 1;
	r->hlen = 6;
	r->xid = 0x01020304u;
	r->secs = 7;
	r->flags = ERG_DHCP_FLAG_BROADCAST;
	memcpy(r->chaddr, mac2, 6);
	r->msg_type = ERG_DHCP_REQUEST;
	r->requested = ERG_IPV4(198, 18, 0, 146);
	r->server_id = ERG_IPV4(198, 18, 0, 1);
	r->max_size = 576;
	r->client_id = cid;
	r->client_id_len = sizeof(cid);
	r->hostname = "erg-host";
	r->hostname_len = 8;
	r->param_list = true;
}

static void
repr_ack(struct erg_dhcp_repr *r)
{
	memset(r, 0, sizeof(*r));
	r->op = ERG_DHCP_BOOTREPLY;
	r->htype = 1;
	r->hlen = 6;
	r->xid = 0xdeadbeefu;
	r->ciaddr = ERG_IPV4(10, 1, 2, 3);
	r->yiaddr = ERG_IPV4(10, 1, 2, 4);
	r->siaddr = ERG_IPV4(10, 1, 2, 5);
	r->giaddr = ERG_IPV4(10, 1, 2, 6);
	r->hops = 2;
	memcpy(r->chaddr, mac2, 6);
	r->msg_type = ERG_DHCP_ACK;
	r->server_id = ERG_IPV4(10, 1, 2, 1);
	r->has_mask = true;
	r->mask = 0xfffff000u;
	r->has_router = true;
	r->router = ERG_IPV4(10, 1, 2, 1);
	r->has_lease = true;
	r->lease_s = 86400;
	r->has_t1 = true;
	r->t1_s = 100;
	r->has_t2 = true;
	r->t2_s = 200;
	r->has_mtu = true;
	r->mtu = 1280;
	r->dns_n = 3;
	r->dns[0] = ERG_IPV4(10, 0, 0, 1);
	r->dns[1] = ERG_IPV4(10, 0, 0, 2);
	r->dns[2] = ERG_IPV4(10, 0, 0, 3);
}

/* Emits into buffers filled with 0x00 and 0xA5: same bytes, none past. */
static int
emit_checked(const struct erg_dhcp_repr *r, uint8_t *out, size_t cap)
{
	uint8_t a[1024], b[1024];
	int la, lb;
	size_t i;

	assert_true(cap <= sizeof(a));
	memset(a, 0x00, sizeof(a));
	memset(b, 0xa5, sizeof(b));
	la = erg_dhcp_emit(r, a, cap);
	lb = erg_dhcp_emit(r, b, cap);
	assert_int_equal(la, lb);
	if (la < 0) {
		for (i = 0; i < sizeof(b); i++) {
			assert_int_equal(b[i], 0xa5); /* nothing written */
		}
		return la;
	}
	assert_memory_equal(a, b, (size_t)la);
	for (i = (size_t)la; i < sizeof(b); i++) {
		assert_int_equal(b[i], 0xa5);
	}
	memcpy(out, a, (size_t)la);
	return la;
}

/* The value of option code in the options field of p (test walker). */
static const uint8_t *
find_opt(const uint8_t *p, size_t len, uint8_t code, size_t *olen)
{
	size_t i = OFF_OPTIONS;

	while (i + 1 < len && p[i] != 255) {
		if (p[i] == 0) {
			i++;
			continue;
		}
		if (p[i] == code) {
			*olen = p[i + 1];
			return p + i + 2;
		}
		i += 2u + p[i + 1];
	}
	return NULL;
}

static void
test_dhcp_emit_request(void **state)
{
	struct erg_dhcp_repr r, back;
	enum erg_stat why;
	uint8_t buf[1024];
	const uint8_t *o;
	size_t olen = 0;
	int len;

	(void)state;
	repr_request(&r);
	len = emit_checked(&r, buf, sizeof(buf));
	assert_true(len >= 300);
	assert_int_equal(buf[0], 1);
	assert_int_equal(erg_be32(buf + 4), 0x01020304u);
	assert_int_equal(erg_be16(buf + 10), 0x8000);
	assert_int_equal(erg_be32(buf + OFF_COOKIE), ERG_DHCP_COOKIE);
	o = find_opt(buf, (size_t)len, 61, &olen);
	assert_non_null(o);
	assert_int_equal(olen, 7);
	assert_memory_equal(o, cid, 7);
	o = find_opt(buf, (size_t)len, 12, &olen);
	assert_non_null(o);
	assert_int_equal(olen, 8);
	assert_memory_equal(o, "erg-host", 8);
	o = find_opt(buf, (size_t)len, 55, &olen);
	assert_non_null(o);
	assert_int_equal(olen, 7);
	assert_memory_equal(o, "\x01\x03\x06\x1a\x33\x3a\x3b", 7);
	o = find_opt(buf, (size_t)len, 57, &olen);
	assert_non_null(o);
	assert_int_equal(erg_be16(o), 576);
	/* Parse it back. */
	assert_int_equal(
	    erg_dhcp_parse(&back, erg_view_make(buf, (size_t)len), &why), 0);
	assert_int_equal(back.op, r.op);
	assert_int_equal(back.xid, r.xid);
	assert_int_equal(back.secs, r.secs);
	assert_int_equal(back.flags, r.flags);
	assert_int_equal(back.msg_type, r.msg_type);
	assert_int_equal(back.requested, r.requested);
	assert_int_equal(back.server_id, r.server_id);
	assert_int_equal(back.max_size, r.max_size);
	assert_memory_equal(back.chaddr, r.chaddr, 16);
}

static void
test_dhcp_emit_parse_round_trip(void **state)
{
	struct erg_dhcp_repr r, back;
	enum erg_stat why;
	uint8_t buf[1024];
	int len;

	(void)state;
	repr_ack(&r);
	len = emit_checked(&r, buf, sizeof(buf));
	assert_int_equal(len, 300); /* padded to the BOOTP minimum */
	assert_int_equal(
	    erg_dhcp_parse(&back, erg_view_make(buf, (size_t)len), &why), 0);
	assert_memory_equal(&back, &r, sizeof(r));
}

/* parse -> emit -> parse of every real message keeps every field. */
static void
test_dhcp_vectors_reemit(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < DHCP_VECTOR_COUNT; i++) {
		const struct dhcp_vector *v = &dhcp_vectors[i];
		struct erg_dhcp_repr r, back;
		enum erg_stat why;
		uint8_t buf[1024];
		int len;

		assert_int_equal(
		    erg_dhcp_parse(&r, erg_view_make(v->data, v->len), &why),
		    0);
		len = emit_checked(&r, buf, sizeof(buf));
		assert_true(len >= 300);
		assert_int_equal(erg_dhcp_parse(&back,
		                     erg_view_make(buf, (size_t)len), &why),
		    0);
		back.overload = r.overload; /* emit never overloads */
		assert_memory_equal(&back, &r, sizeof(r));
	}
}

static void
test_dhcp_emit_enospc(void **state)
{
	struct erg_dhcp_repr r;
	uint8_t buf[1024];
	int len;

	(void)state;
	repr_request(&r);
	r.hostname =
	    "a-host-name-of-sixty-three-characters-xxxxxxxxxxxxxxxxxxxxxxxxx";
	r.hostname_len = 63;
	len = emit_checked(&r, buf, sizeof(buf));
	assert_true(len > 300);
	assert_int_equal(emit_checked(&r, buf, (size_t)len - 1), -ERG_ENOSPC);
	assert_int_equal(emit_checked(&r, buf, (size_t)len), len);
	/* A small message still needs its 300 bytes. */
	repr_ack(&r);
	assert_int_equal(emit_checked(&r, buf, 299), -ERG_ENOSPC);
	assert_int_equal(emit_checked(&r, buf, 0), -ERG_ENOSPC);
}

static void
test_dhcp_emit_long_options(void **state)
{
	struct erg_dhcp_repr r, back;
	enum erg_stat why;
	char name[255];
	uint8_t buf[1024];
	int len;

	(void)state;
	repr_request(&r);
	memset(name, 'h', sizeof(name));
	r.hostname = name;
	r.hostname_len = 255;
	len = emit_checked(&r, buf, sizeof(buf));
	assert_true(len > 255 + 240);
	assert_int_equal(
	    erg_dhcp_parse(&back, erg_view_make(buf, (size_t)len), &why), 0);
	assert_int_equal(back.requested, r.requested);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dhcp_vectors_parse),
		cmocka_unit_test(test_dhcp_vector_ack_contents),
		cmocka_unit_test(test_dhcp_vector_overload_reads_file),
		cmocka_unit_test(test_dhcp_vectors_every_truncation),
		cmocka_unit_test(test_dhcp_bad_cookie),
		cmocka_unit_test(test_dhcp_bad_header),
		cmocka_unit_test(test_dhcp_truncated_fixed_part),
		cmocka_unit_test(test_dhcp_option_length_past_end),
		cmocka_unit_test(test_dhcp_missing_end),
		cmocka_unit_test(test_dhcp_after_end_ignored),
		cmocka_unit_test(test_dhcp_pad_runs),
		cmocka_unit_test(test_dhcp_unknown_options_skipped),
		cmocka_unit_test(test_dhcp_fixed_option_wrong_length),
		cmocka_unit_test(test_dhcp_fixed_option_duplicated),
		cmocka_unit_test(test_dhcp_message_type_range),
		cmocka_unit_test(test_dhcp_lists_concatenated),
		cmocka_unit_test(test_dhcp_list_bad_length),
		cmocka_unit_test(test_dhcp_overload_file_and_sname),
		cmocka_unit_test(test_dhcp_overload_bad_value),
		cmocka_unit_test(test_dhcp_overload_missing_end),
		cmocka_unit_test(test_dhcp_overload_length_past_field),
		cmocka_unit_test(test_dhcp_overload_outside_options_field),
		cmocka_unit_test(test_dhcp_overload_duplicate_across_fields),
		cmocka_unit_test(test_dhcp_emit_request),
		cmocka_unit_test(test_dhcp_emit_parse_round_trip),
		cmocka_unit_test(test_dhcp_vectors_reemit),
		cmocka_unit_test(test_dhcp_emit_enospc),
		cmocka_unit_test(test_dhcp_emit_long_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
