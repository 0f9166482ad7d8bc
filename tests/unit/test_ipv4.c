/*
 * tests/unit/test_ipv4.c: IPv4 wire format, input, reassembly,
 * fragmentation and routing.
 *
 * Wire tests deconstruct the real frames captured from Linux
 * (tests/vectors/frames.h), construct into 0xA5-filled buffers, round-trip
 * parse -> emit, and refuse every truncation, every bad length field and
 * every bad option (TESTING.md classes 8, 20, 21). Stack tests drive a
 * tn_stack that plays host B (198.18.0.2/24) with frames from host A
 * (198.18.0.1); reassembly tests cover classes 9 and 18, and the output
 * side is checked by feeding what B sends into a second stack playing A.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "erg/erg.h"
#include "lib/testnet.h"
#include "frames.h"

#define ADDR_A      ERG_IPV4(198, 18, 0, 1)
#define ADDR_B      ERG_IPV4(198, 18, 0, 2)
#define ADDR_OTHER  ERG_IPV4(198, 18, 0, 3)
#define NET_BCAST   ERG_IPV4(198, 18, 0, 255)
#define ADDR_C      ERG_IPV4(198, 19, 0, 2) /* B's second interface */
#define ADDR_C_PEER ERG_IPV4(198, 19, 0, 7)
#define ADDR_FAR    ERG_IPV4(203, 0, 113, 9) /* off-link */

#define PROTO_UNKNOWN 253u /* RFC 3692 experimental: nobody handles it */

#define SEC 1000000ull /* microseconds */

static const uint8_t mac_a[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t mac_b[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
static const uint8_t mac_c[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x03 };
static const uint8_t mac_gw[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x99 };
static const uint8_t mac_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* ---- Helpers ------------------------------------------------------------- */

static void
stack_a(struct tn_stack *t, const struct erg_config *cfg)
{
	tn_stack_init(t, cfg, mac_a, ADDR_A, 24, 0xa11ce);
}

static void
fix_ip_cksum(uint8_t *h)
{
	size_t hlen = (size_t)(h[0] & 0x0f) * 4;

	h[10] = 0;
	h[11] = 0;
	erg_put_be16(h + 10, erg_cksum(h, hlen));
}

/* Sends the IP datagram ip[0..len) to t from A's MAC to dst_mac. */
static void
inject_ip(struct tn_stack *t, const uint8_t dst_mac[6], const uint8_t *ip,
    size_t len, uint64_t now)
{
	uint8_t *f = malloc(ERG_ETHER_HDR_LEN + len);
	size_t n;

	assert_non_null(f);
	n = tn_build_eth(f, dst_mac, mac_a, ERG_ETHERTYPE_IPV4, ip, len);
	tn_inject(t, f, n, now);
	free(f);
}

/* The IP datagram inside a captured frame (checks the EtherType). */
static struct erg_view
frame_ip(const struct tn_frame *f)
{
	assert_true(f->len >= ERG_ETHER_HDR_LEN);
	assert_int_equal(erg_be16(f->data + 12), ERG_ETHERTYPE_IPV4);
	return erg_view_make(f->data + ERG_ETHER_HDR_LEN,
	    f->len - ERG_ETHER_HDR_LEN);
}

/* Parses a captured frame's IP header, which must be valid. */
static struct erg_view
parse_frame(const struct tn_frame *f, struct erg_ipv4_repr *r)
{
	struct erg_view pl;
	enum erg_stat why = ERG_STAT_COUNT;

	assert_int_equal(erg_ipv4_parse(r, &pl, frame_ip(f), &why), 0);
	return pl;
}

/*
 * Polls once a second for 5 s from now, so that ARP resolution that
 * will never succeed gives up and frees what waited for it.
 */
static void
settle(struct tn_stack *t, uint64_t now)
{
	unsigned i;

	for (i = 1; i <= 5; i++) {
		erg_stack_poll(t->s, now + i * SEC);
	}
}

/* A deterministic byte pattern for payloads. */
static void
fill_pattern(uint8_t *p, size_t len, uint64_t seed)
{
	tn_rand(&seed, p, len);
}

/* ---- Captured headers ---------------------------------------------------- */

struct ip_vec {
	const uint8_t *frame;
	size_t len;
	uint8_t tos;
	uint16_t total_len;
	uint16_t id;
	bool df;
	bool mf;
	uint16_t frag_off;
	uint8_t proto;
	uint32_t src;
	uint32_t dst;
};

/* Values read by tshark off linux.pcap (see the comments in frames.h). */
static const struct ip_vec ip_vecs[] = {
	{ frame_icmp_echo_request, sizeof(frame_icmp_echo_request), 0x00, 84,
	    0xc154, true, false, 0, 1, ADDR_A, ADDR_B },
	{ frame_icmp_echo_reply, sizeof(frame_icmp_echo_reply), 0x00, 84,
	    0x93e2, false, false, 0, 1, ADDR_B, ADDR_A },
	{ frame_icmp_frag_first, sizeof(frame_icmp_frag_first), 0x00, 1500,
	    0xc179, false, true, 0, 1, ADDR_A, ADDR_B },
	{ frame_icmp_frag_second, sizeof(frame_icmp_frag_second), 0x00, 1500,
	    0xc179, false, true, 1480, 1, ADDR_A, ADDR_B },
	{ frame_icmp_frag_last, sizeof(frame_icmp_frag_last), 0x00, 1068,
	    0xc179, false, false, 2960, 1, ADDR_A, ADDR_B },
	{ frame_udp_small, sizeof(frame_udp_small), 0x00, 34, 0x92a6, true,
	    false, 0, 17, ADDR_A, ADDR_B },
	{ frame_icmp_port_unreach, sizeof(frame_icmp_port_unreach), 0xc0, 62,
	    0x9410, false, false, 0, 1, ADDR_B, ADDR_A },
	{ frame_udp_frag_first, sizeof(frame_udp_frag_first), 0x00, 1500,
	    0x92e3, false, true, 0, 17, ADDR_A, ADDR_B },
	{ frame_udp_frag_last, sizeof(frame_udp_frag_last), 0x00, 1448, 0x92e3,
	    false, false, 1480, 17, ADDR_A, ADDR_B },
};

#define N_IP_VECS (sizeof(ip_vecs) / sizeof(ip_vecs[0]))

static void
test_ipv4_parse_captured_headers_exact(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N_IP_VECS; i++) {
		const struct ip_vec *e = &ip_vecs[i];
		const uint8_t *ip = e->frame + ERG_ETHER_HDR_LEN;
		struct erg_ipv4_repr r;
		struct erg_view pl;
		enum erg_stat why = ERG_STAT_COUNT;

		memset(&r, 0x5a, sizeof(r));
		assert_int_equal(
		    erg_ipv4_parse(&r, &pl,
		        erg_view_make(ip, e->len - ERG_ETHER_HDR_LEN), &why),
		    0);
		assert_int_equal(why, ERG_STAT_COUNT); /* untouched */
		assert_int_equal(r.hdr_len, 20);
		assert_int_equal(r.tos, e->tos);
		assert_int_equal(r.total_len, e->total_len);
		assert_int_equal(r.id, e->id);
		assert_int_equal(r.df, e->df);
		assert_int_equal(r.mf, e->mf);
		assert_int_equal(r.frag_off, e->frag_off);
		assert_int_equal(r.ttl, 64);
		assert_int_equal(r.proto, e->proto);
		assert_int_equal(r.src, e->src);
		assert_int_equal(r.dst, e->dst);
		assert_ptr_equal(pl.p, ip + 20);
		assert_int_equal(pl.len, e->total_len - 20u);
		/* Every capture is exactly one datagram: no link padding. */
		assert_int_equal(e->len - ERG_ETHER_HDR_LEN, e->total_len);
	}
}

static void
test_ipv4_emit_writes_exactly_20_bytes_with_checksum(void **state)
{
	const uint8_t *want = frame_icmp_echo_request + ERG_ETHER_HDR_LEN;
	struct erg_ipv4_repr r;
	uint8_t buf[64];
	size_t i;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.src = ADDR_A;
	r.dst = ADDR_B;
	r.total_len = 84;
	r.id = 0xc154;
	r.df = true;
	r.ttl = 64;
	r.proto = ERG_IP_PROTO_ICMP;
	r.hdr_len = 60; /* ignored: erg never sends options */
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(erg_ipv4_emit(&r, buf, sizeof(buf)), 20);
	assert_memory_equal(buf, want, 20); /* checksum 0xed2c included */
	assert_int_equal(erg_cksum(buf, 20), 0);
	for (i = 20; i < sizeof(buf); i++) {
		assert_int_equal(buf[i], 0xa5);
	}

	/* Refusals write nothing. */
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(erg_ipv4_emit(&r, buf, 19), -ERG_EINVAL);
	r.total_len = 19;
	assert_int_equal(erg_ipv4_emit(&r, buf, sizeof(buf)), -ERG_EINVAL);
	r.total_len = 84;
	r.frag_off = 1476; /* not a multiple of 8 */
	assert_int_equal(erg_ipv4_emit(&r, buf, sizeof(buf)), -ERG_EINVAL);
	for (i = 0; i < sizeof(buf); i++) {
		assert_int_equal(buf[i], 0xa5);
	}

	/* Both flags and the largest offset land in the right bits. */
	r.frag_off = 8191 * 8;
	r.mf = true;
	assert_int_equal(erg_ipv4_emit(&r, buf, 20), 20);
	assert_int_equal(erg_be16(buf + 6), 0x7fff);
}

static void
test_ipv4_parse_emit_round_trip_is_byte_identical(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N_IP_VECS; i++) {
		const uint8_t *ip = ip_vecs[i].frame + ERG_ETHER_HDR_LEN;
		struct erg_ipv4_repr r;
		struct erg_view pl;
		uint8_t buf[40];

		assert_int_equal(
		    erg_ipv4_parse(&r, &pl,
		        erg_view_make(ip, ip_vecs[i].len - ERG_ETHER_HDR_LEN),
		        NULL),
		    0);
		memset(buf, 0xa5, sizeof(buf));
		assert_int_equal(erg_ipv4_emit(&r, buf, sizeof(buf)), 20);
		assert_memory_equal(buf, ip, 20);
		assert_int_equal(buf[20], 0xa5);
	}
}

static void
test_ipv4_parse_refuses_every_truncation(void **state)
{
	size_t i, n;

	(void)state;
	for (i = 0; i < N_IP_VECS; i++) {
		const uint8_t *ip = ip_vecs[i].frame + ERG_ETHER_HDR_LEN;

		for (n = 0; n < ip_vecs[i].total_len; n++) {
			struct erg_ipv4_repr r;
			struct erg_view pl;
			enum erg_stat why = ERG_STAT_COUNT;

			assert_int_equal(
			    erg_ipv4_parse(&r, &pl, erg_view_make(ip, n), &why),
			    -ERG_ETRUNC);
			assert_int_equal(why, ERG_STAT_IPV4_TRUNCATED);
		}
	}
}

/* The captured UDP datagram, copied so that fields can be broken. */
static size_t
udp_small_copy(uint8_t *buf)
{
	size_t n = sizeof(frame_udp_small) - ERG_ETHER_HDR_LEN;

	memcpy(buf, frame_udp_small + ERG_ETHER_HDR_LEN, n);
	return n;
}

static void
expect_parse(const uint8_t *p, size_t len, int rc, enum erg_stat want)
{
	struct erg_ipv4_repr r;
	struct erg_view pl;
	enum erg_stat why = ERG_STAT_COUNT;

	assert_int_equal(erg_ipv4_parse(&r, &pl, erg_view_make(p, len), &why),
	    rc);
	assert_int_equal(why, want);
	/* Without a place to say why, the verdict is the same. */
	assert_int_equal(erg_ipv4_parse(&r, &pl, erg_view_make(p, len), NULL),
	    rc);
}

static void
test_ipv4_parse_refuses_bad_version(void **state)
{
	static const uint8_t versions[] = { 0, 5, 6, 15 };
	uint8_t buf[64];
	size_t n, i;

	(void)state;
	for (i = 0; i < sizeof(versions); i++) {
		n = udp_small_copy(buf);
		buf[0] = (uint8_t)(versions[i] << 4 | 5);
		fix_ip_cksum(buf);
		expect_parse(buf, n, -ERG_EMALFORMED,
		    ERG_STAT_IPV4_BAD_VERSION);
	}
}

static void
test_ipv4_parse_refuses_ihl_below_5(void **state)
{
	uint8_t buf[64];
	size_t n;
	unsigned ihl;

	(void)state;
	for (ihl = 0; ihl < 5; ihl++) {
		n = udp_small_copy(buf);
		buf[0] = (uint8_t)(0x40 | ihl);
		expect_parse(buf, n, -ERG_EMALFORMED, ERG_STAT_IPV4_BAD_HLEN);
	}
}

static void
test_ipv4_parse_refuses_ihl_beyond_buffer(void **state)
{
	uint8_t buf[64];
	size_t n;

	(void)state;
	/* IHL 6 (24 bytes) in a 20-byte buffer. */
	n = udp_small_copy(buf);
	buf[0] = 0x46;
	expect_parse(buf, 20, -ERG_ETRUNC, ERG_STAT_IPV4_TRUNCATED);
	expect_parse(buf, 23, -ERG_ETRUNC, ERG_STAT_IPV4_TRUNCATED);
	/* IHL 15 (60 bytes) in the 34-byte datagram. */
	buf[0] = 0x4f;
	expect_parse(buf, n, -ERG_ETRUNC, ERG_STAT_IPV4_TRUNCATED);
}

static void
test_ipv4_parse_refuses_bad_checksum(void **state)
{
	uint8_t buf[64];
	size_t n, i;

	(void)state;
	/* One flipped bit anywhere in the header breaks it. */
	for (i = 0; i < 20; i++) {
		n = udp_small_copy(buf);
		buf[i] ^= (uint8_t)(1u << (i % 8));
		if (i == 0) {
			continue; /* would be a version/IHL error first */
		}
		expect_parse(buf, n, -ERG_ECHECKSUM,
		    ERG_STAT_IPV4_BAD_CHECKSUM);
	}
	/* The checksum covers the header only: payload bytes don't matter. */
	n = udp_small_copy(buf);
	buf[n - 1] ^= 0xff;
	expect_parse(buf, n, 0, ERG_STAT_COUNT);
}

static void
test_ipv4_parse_refuses_total_len_below_ihl(void **state)
{
	static const uint8_t nops[4] = { 1, 1, 1, 1 };
	uint8_t buf[64];
	size_t n;
	uint16_t tl;

	(void)state;
	for (tl = 0; tl < 20; tl++) {
		n = udp_small_copy(buf);
		erg_put_be16(buf + 2, tl);
		fix_ip_cksum(buf);
		expect_parse(buf, n, -ERG_EMALFORMED, ERG_STAT_IPV4_BAD_LEN);
	}
	/* With options the bound is the IHL, not 20. */
	memset(buf, 0, sizeof(buf));
	n = udp_small_copy(buf);
	memmove(buf + 24, buf + 20, n - 20);
	memcpy(buf + 20, nops, 4);
	buf[0] = 0x46;
	erg_put_be16(buf + 2, 23);
	fix_ip_cksum(buf);
	expect_parse(buf, n + 4, -ERG_EMALFORMED, ERG_STAT_IPV4_BAD_LEN);
	erg_put_be16(buf + 2, 24); /* an empty payload is fine */
	fix_ip_cksum(buf);
	expect_parse(buf, n + 4, 0, ERG_STAT_COUNT);
}

static void
test_ipv4_parse_refuses_total_len_beyond_buffer(void **state)
{
	uint8_t buf[64];
	size_t n;

	(void)state;
	/* TESTING.md class 8: the length field claims more than is there. */
	n = udp_small_copy(buf);
	erg_put_be16(buf + 2, (uint16_t)(n + 1));
	fix_ip_cksum(buf);
	expect_parse(buf, n, -ERG_ETRUNC, ERG_STAT_IPV4_TRUNCATED);
	/* Class 21: the largest total length over a short buffer. */
	erg_put_be16(buf + 2, 65535);
	fix_ip_cksum(buf);
	expect_parse(buf, n, -ERG_ETRUNC, ERG_STAT_IPV4_TRUNCATED);
	expect_parse(buf, 20, -ERG_ETRUNC, ERG_STAT_IPV4_TRUNCATED);
}

static void
test_ipv4_parse_trims_link_padding_to_total_len(void **state)
{
	uint8_t buf[64];
	struct erg_ipv4_repr r;
	struct erg_view pl;
	size_t n;

	(void)state;
	n = udp_small_copy(buf);
	memset(buf + n, 0xee, sizeof(buf) - n); /* Ethernet padding */
	assert_int_equal(
	    erg_ipv4_parse(&r, &pl, erg_view_make(buf, sizeof(buf)), NULL), 0);
	assert_int_equal(r.total_len, 34);
	assert_ptr_equal(pl.p, buf + 20);
	assert_int_equal(pl.len, 14);
}

/*
 * A datagram A -> B with options opt[0..olen) (olen a multiple of 4) and
 * 8 payload bytes, with a valid checksum. Returns its length.
 */
static size_t
opt_dgram(uint8_t *buf, const uint8_t *opt, size_t olen)
{
	size_t hlen = 20 + olen;

	assert_true(olen % 4 == 0 && olen <= 40);
	memset(buf, 0, hlen + 8);
	buf[0] = (uint8_t)(0x40 | hlen / 4);
	erg_put_be16(buf + 2, (uint16_t)(hlen + 8));
	erg_put_be16(buf + 4, 0x1111);
	buf[8] = 64;
	buf[9] = PROTO_UNKNOWN;
	erg_put_be32(buf + 12, ADDR_A);
	erg_put_be32(buf + 16, ADDR_B);
	memcpy(buf + 20, opt, olen);
	memset(buf + hlen, 0x5a, 8);
	fix_ip_cksum(buf);
	return hlen + 8;
}

struct opt_case {
	uint8_t opt[40];
	uint8_t len; /* bytes of opt used, a multiple of 4 */
	int rc;
	enum erg_stat why; /* ERG_STAT_COUNT for accepted */
};

#define BADOPT -ERG_EMALFORMED, ERG_STAT_IPV4_BAD_OPTION
#define SRCRT  -ERG_EUNSUPPORTED, ERG_STAT_IPV4_SRC_ROUTE
#define OPT_OK 0, ERG_STAT_COUNT

/* TESTING.md class 20, plus class 7's lengths 0 and 1 for IPv4 options. */
static const struct opt_case opt_cases[] = {
	/* Length 0 and 1, for a known and an unknown option type. */
	{ { 7, 0, 4, 0 }, 4, BADOPT },
	{ { 7, 1, 4, 0 }, 4, BADOPT },
	{ { 148, 0, 0, 0 }, 4, BADOPT },
	{ { 148, 1, 0, 0 }, 4, BADOPT },
	/* Running past the header, by one and by a lot. */
	{ { 148, 5, 0, 0 }, 4, BADOPT },
	{ { 1, 148, 4, 0 }, 4, BADOPT },
	{ { 7, 255, 4, 0 }, 4, BADOPT },
	/* A type byte with no room for its length byte. */
	{ { 1, 1, 1, 148 }, 4, BADOPT },
	/* Record route: too short, pointer < 4, route not whole addresses. */
	{ { 7, 2, 0, 0 }, 4, BADOPT },
	{ { 7, 7, 3, 0, 0, 0, 0, 0 }, 8, BADOPT },
	{ { 7, 6, 4, 0, 0, 0, 0, 0 }, 8, BADOPT },
	{ { 7, 8, 4, 0, 0, 0, 0, 0 }, 8, BADOPT },
	/* Loose and strict source route, same checks. */
	{ { 131, 2, 0, 0 }, 4, BADOPT },
	{ { 131, 7, 3, 1, 2, 3, 4, 0 }, 8, BADOPT },
	{ { 131, 7, 0, 1, 2, 3, 4, 0 }, 8, BADOPT },
	{ { 131, 6, 4, 1, 2, 3, 0, 0 }, 8, BADOPT },
	{ { 131, 12, 4, 1, 2, 3, 4, 0 }, 12, BADOPT },
	{ { 137, 2, 0, 0 }, 4, BADOPT },
	{ { 137, 7, 3, 1, 2, 3, 4, 0 }, 8, BADOPT },
	{ { 137, 10, 4, 1, 2, 3, 4, 5, 6, 7, 0, 0 }, 12, BADOPT },
	/* Timestamp: too short, pointer < 5. */
	{ { 68, 3, 5, 0 }, 4, BADOPT },
	{ { 68, 8, 4, 0, 0, 0, 0, 0 }, 8, BADOPT },
	/* Valid source routes are refused as such (a host doesn't route). */
	{ { 131, 7, 4, 192, 0, 2, 1, 0 }, 8, SRCRT },
	{ { 137, 7, 4, 192, 0, 2, 1, 0 }, 8, SRCRT },
	{ { 1, 131, 11, 8, 192, 0, 2, 1, 192, 0, 2, 2 }, 12, SRCRT },
	/* ...even after a valid option. */
	{ { 7, 7, 4, 0, 0, 0, 0, 137, 3, 4, 0, 0 }, 12, SRCRT },
	/* Valid NOP, EOL, RR, TS and unknown options are accepted. */
	{ { 1, 1, 1, 1 }, 4, OPT_OK },
	{ { 0, 0, 0, 0 }, 4, OPT_OK },
	{ { 1, 0, 148, 0 }, 4, OPT_OK }, /* nothing is read past EOL */
	{ { 7, 7, 4, 0, 0, 0, 0, 0 }, 8, OPT_OK },
	{ { 7, 3, 4, 0 }, 4, OPT_OK }, /* RR with no room: full */
	{ { 7, 7, 8, 10, 0, 0, 1, 0 }, 8, OPT_OK },
	{ { 68, 8, 5, 0, 0, 0, 0, 0 }, 8, OPT_OK },
	{ { 68, 4, 5, 0 }, 4, OPT_OK },
	{ { 148, 4, 0, 0 }, 4, OPT_OK }, /* router alert */
	{ { 1, 7, 7, 4, 0, 0, 0, 0, 68, 4, 5, 0 }, 12, OPT_OK },
};

static void
test_ipv4_parse_checks_every_option(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(opt_cases) / sizeof(opt_cases[0]); i++) {
		const struct opt_case *c = &opt_cases[i];
		struct erg_ipv4_repr r;
		struct erg_view pl;
		enum erg_stat why = ERG_STAT_COUNT;
		uint8_t buf[80];
		size_t n = opt_dgram(buf, c->opt, c->len);
		int rc;

		rc = erg_ipv4_parse(&r, &pl, erg_view_make(buf, n), &why);
		if (rc != c->rc || why != c->why) {
			fail_msg("option case %zu: rc %d why %s", i, rc,
			    erg_stat_name(why));
		}
		if (c->rc == 0) {
			assert_int_equal(r.hdr_len, 20 + c->len);
			assert_ptr_equal(pl.p, buf + 20 + c->len);
			assert_int_equal(pl.len, 8);
		}
	}
}

static void
test_ipv4_parse_accepts_ihl_15_with_40_nops(void **state)
{
	uint8_t opt[40], buf[80];
	struct erg_ipv4_repr r;
	struct erg_view pl;
	size_t n;

	(void)state;
	/* Class 21: the longest header, every option byte walked. */
	memset(opt, 1, sizeof(opt));
	n = opt_dgram(buf, opt, sizeof(opt));
	assert_int_equal(n, 68);
	assert_int_equal(erg_ipv4_parse(&r, &pl, erg_view_make(buf, n), NULL),
	    0);
	assert_int_equal(r.hdr_len, 60);
	assert_int_equal(r.total_len, 68);
	assert_ptr_equal(pl.p, buf + 60);
	assert_int_equal(pl.len, 8);
	/* The same header with its last option running one byte over. */
	opt[38] = 148;
	opt[39] = 3;
	n = opt_dgram(buf, opt, sizeof(opt));
	expect_parse(buf, n, -ERG_EMALFORMED, ERG_STAT_IPV4_BAD_OPTION);
	/* And a header that claims 60 bytes with only 59 there. */
	expect_parse(buf, 59, -ERG_ETRUNC, ERG_STAT_IPV4_TRUNCATED);
}

/* ---- Input --------------------------------------------------------------- */

/* A UDP datagram A -> dst:7 as IP bytes (checksum over src, dst). */
static size_t
udp_dgram(uint8_t *buf, uint32_t src, uint32_t dst, uint16_t dport,
    const void *data, size_t len)
{
	uint8_t *f = tn_xmalloc(14 + 28 + len);
	size_t n;

	n = tn_build_udp_frame(f, mac_b, mac_a, src, dst, 40000, dport, data,
	        len) -
	    ERG_ETHER_HDR_LEN;
	memcpy(buf, f + ERG_ETHER_HDR_LEN, n);
	free(f);
	return n;
}

static void
test_ipv4_input_drops_bad_sources(void **state)
{
	static const uint32_t bad[] = {
		ERG_IPV4_BROADCAST, ERG_IPV4(224, 0, 0, 1),
		ERG_IPV4(239, 255, 255, 250), ERG_IPV4_ANY,
		ERG_IPV4(127, 0, 0, 1), ERG_IPV4(127, 1, 2, 3),
		ERG_IPV4(240, 0, 0, 1), /* class E */
		NET_BCAST,              /* our subnet's broadcast */
	};
	struct tn_stack t;
	struct erg_udp_sock *u;
	uint8_t buf[64];
	size_t i, n;

	(void)state;
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	assert_int_equal(erg_udp_open(t.s, NULL, NULL, &u), 0);
	assert_int_equal(erg_udp_bind(u, ERG_IPV4_ANY, 7), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = udp_dgram(buf, bad[i], ADDR_B, 7, "x", 1);
		inject_ip(&t, mac_b, buf, n, 1);
		assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_BAD_SRC), i + 1);
	}
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_RX),
	    sizeof(bad) / sizeof(bad[0]));
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_RX), 0);
	assert_int_equal(erg_udp_pending(u), 0);
	assert_int_equal(t.cap.n, 0); /* nothing is ever answered */
	/* A good source on the same socket is delivered. */
	n = udp_dgram(buf, ADDR_A, ADDR_B, 7, "x", 1);
	inject_ip(&t, mac_b, buf, n, 2);
	assert_int_equal(erg_udp_pending(u), 1);
	erg_udp_close(u);
	tn_stack_done(&t);
}

static void
test_ipv4_input_drops_datagrams_not_for_us(void **state)
{
	static const uint32_t other[] = {
		ADDR_OTHER,
		ADDR_A,
		ERG_IPV4(198, 18, 0, 0),   /* the network address */
		ERG_IPV4(198, 18, 1, 255), /* another subnet's broadcast */
		ERG_IPV4(10, 0, 0, 1),
		ERG_IPV4(224, 0, 0, 1), /* joined no group */
		ERG_IPV4_ANY,
	};
	struct tn_stack t;
	uint8_t buf[64];
	size_t i, n;

	(void)state;
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		n = udp_dgram(buf, ADDR_A, other[i], 7, "x", 1);
		inject_ip(&t, mac_b, buf, n, 1);
		assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_NOT_FOR_US), i + 1);
	}
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_RX), 0);
	assert_int_equal(t.cap.n, 0); /* no ICMP: erg is no router */
	tn_stack_done(&t);
}

static void
test_ipv4_input_accepts_limited_and_subnet_broadcast(void **state)
{
	static const uint32_t dst[] = { ERG_IPV4_BROADCAST, NET_BCAST };
	struct tn_stack t;
	struct erg_udp_sock *u;
	struct erg_udp_dgram d;
	uint8_t buf[64];
	size_t i, n;

	(void)state;
	tn_host_b(&t, NULL);
	assert_int_equal(erg_udp_open(t.s, NULL, NULL, &u), 0);
	assert_int_equal(erg_udp_bind(u, ERG_IPV4_ANY, 7), 0);
	for (i = 0; i < 2; i++) {
		n = udp_dgram(buf, ADDR_A, dst[i], 7, "bc", 2);
		inject_ip(&t, mac_bcast, buf, n, 1);
		assert_int_equal(erg_udp_recv(u, &d), 0);
		assert_int_equal(d.dst, dst[i]);
		assert_int_equal(d.src, ADDR_A);
		assert_int_equal(d.data.len, 2);
		assert_memory_equal(d.data.p, "bc", 2);
		assert_true((d.pkt->flags & ERG_PKT_F_IP_BCAST) != 0);
		assert_true((d.pkt->flags & ERG_PKT_F_LINK_BCAST) != 0);
		erg_pkt_free(t.s, d.pkt);
	}
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_NOT_FOR_US), 0);
	/* A unicast datagram is not flagged. */
	n = udp_dgram(buf, ADDR_A, ADDR_B, 7, "u", 1);
	inject_ip(&t, mac_b, buf, n, 2);
	assert_int_equal(erg_udp_recv(u, &d), 0);
	assert_int_equal(d.pkt->flags, 0);
	erg_pkt_free(t.s, d.pkt);
	erg_udp_close(u);
	tn_stack_done(&t);
}

/* Checks that f is ICMP type/code from B to A quoting q[0..qlen). */
static void
check_icmp_error(const struct tn_frame *f, uint8_t type, uint8_t code,
    const uint8_t *q, size_t qlen)
{
	struct erg_ipv4_repr r;
	struct erg_view pl = parse_frame(f, &r);

	assert_memory_equal(f->data, mac_a, 6);
	assert_memory_equal(f->data + 6, mac_b, 6);
	assert_int_equal(r.src, ADDR_B);
	assert_int_equal(r.dst, ADDR_A);
	assert_int_equal(r.proto, ERG_IP_PROTO_ICMP);
	assert_int_equal(r.ttl, 64);
	assert_false(r.mf);
	assert_int_equal(r.frag_off, 0);
	assert_int_equal(r.total_len, 20 + 8 + qlen);
	assert_int_equal(f->len, 14 + 20 + 8 + qlen);
	assert_int_equal(pl.p[0], type);
	assert_int_equal(pl.p[1], code);
	assert_int_equal(erg_be32(pl.p + 4), 0); /* unused */
	assert_int_equal(erg_cksum(pl.p, pl.len), 0);
	assert_memory_equal(pl.p + 8, q, qlen);
}

static void
test_ipv4_unknown_protocol_gets_protocol_unreachable(void **state)
{
	struct tn_stack t;
	uint8_t data[40], buf[80];
	size_t n;

	(void)state;
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	fill_pattern(data, sizeof(data), 1);
	n = tn_build_ipv4(buf, ADDR_A, ADDR_B, PROTO_UNKNOWN, 0x4242, 0, false,
	    data, sizeof(data));
	inject_ip(&t, mac_b, buf, n, 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_UNKNOWN_PROTO), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ERR_TX), 1);
	assert_int_equal(t.cap.n, 1);
	/* RFC 1122 3.2.2.1: type 3 code 2, quoting the whole datagram. */
	check_icmp_error(&t.cap.frames[0], ERG_ICMP_DEST_UNREACH,
	    ERG_ICMP_PROTO_UNREACH, buf, n);
	tn_stack_done(&t);
}

static void
test_ipv4_unknown_protocol_to_broadcast_is_not_answered(void **state)
{
	static const struct {
		uint32_t dst;
		const uint8_t *mac;
		enum erg_stat counted;
	} cases[] = {
		{ ERG_IPV4_BROADCAST, mac_bcast, ERG_STAT_IPV4_UNKNOWN_PROTO },
		{ NET_BCAST, mac_bcast, ERG_STAT_IPV4_UNKNOWN_PROTO },
		/* IP broadcast in unicast */
		{ ERG_IPV4_BROADCAST, mac_b, ERG_STAT_IPV4_UNKNOWN_PROTO },
		/* unicast in link broadcast: dropped (RFC 1122 3.3.6) */
		{ ADDR_B, mac_bcast, ERG_STAT_IPV4_LINK_BCAST_UNICAST },
	};
	struct tn_stack t;
	uint8_t buf[64];
	size_t i, n;

	(void)state;
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t before = tn_stat(&t, cases[i].counted);

		n = tn_build_ipv4(buf, ADDR_A, cases[i].dst, PROTO_UNKNOWN, 7,
		    0, false, "12345678", 8);
		inject_ip(&t, cases[i].mac, buf, n, 1);
		assert_int_equal(tn_stat(&t, cases[i].counted), before + 1);
	}
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ERR_TX), 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ERR_RATE_LIMITED), 0);
	assert_int_equal(t.cap.n, 0);
	tn_stack_done(&t);
}

static void
test_ipv4_input_ignores_link_padding(void **state)
{
	struct tn_stack t;
	struct erg_udp_sock *u;
	struct erg_udp_dgram d;
	uint8_t f[80];

	(void)state;
	tn_host_b(&t, NULL);
	assert_int_equal(erg_udp_open(t.s, NULL, NULL, &u), 0);
	assert_int_equal(erg_udp_bind(u, ERG_IPV4_ANY, 7), 0);
	/* The 48-byte capture padded to Ethernet's 60 with garbage. */
	memcpy(f, frame_udp_small, sizeof(frame_udp_small));
	memset(f + sizeof(frame_udp_small), 0xee, 60 - sizeof(frame_udp_small));
	tn_inject(&t, f, 60, 1);
	assert_int_equal(erg_udp_recv(u, &d), 0);
	assert_int_equal(d.data.len, 6);
	assert_memory_equal(d.data.p, "hello\n", 6);
	erg_pkt_free(t.s, d.pkt);
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_BAD_CHECKSUM), 0);
	/* The unknown protocol's quote is of the datagram, not the pad. */
	tn_learn_a(&t, 2);
	f[14 + 9] = PROTO_UNKNOWN;
	fix_ip_cksum(f + 14);
	tn_inject(&t, f, 60, 3);
	assert_int_equal(t.cap.n, 1);
	check_icmp_error(&t.cap.frames[0], ERG_ICMP_DEST_UNREACH,
	    ERG_ICMP_PROTO_UNREACH, f + 14, 34);
	erg_udp_close(u);
	tn_stack_done(&t);
}

static void
test_ipv4_input_counts_parse_failures_by_reason(void **state)
{
	struct tn_stack t;
	uint8_t buf[64];
	size_t n;

	(void)state;
	tn_host_b(&t, NULL);
	n = udp_small_copy(buf);
	buf[0] = 0x65;
	inject_ip(&t, mac_b, buf, n, 1);
	n = udp_small_copy(buf);
	buf[0] = 0x44;
	inject_ip(&t, mac_b, buf, n, 1);
	n = udp_small_copy(buf);
	buf[10] ^= 1;
	inject_ip(&t, mac_b, buf, n, 1);
	n = udp_small_copy(buf);
	inject_ip(&t, mac_b, buf, n - 1, 1);
	n = udp_small_copy(buf);
	erg_put_be16(buf + 2, 19);
	fix_ip_cksum(buf);
	inject_ip(&t, mac_b, buf, n, 1);
	n = opt_dgram(buf, (const uint8_t[]){ 7, 0, 0, 0 }, 4);
	inject_ip(&t, mac_b, buf, n, 1);
	n = opt_dgram(buf, (const uint8_t[]){ 131, 7, 4, 1, 2, 3, 4, 0 }, 8);
	inject_ip(&t, mac_b, buf, n, 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_RX), 7);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_BAD_VERSION), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_BAD_HLEN), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_BAD_CHECKSUM), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_TRUNCATED), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_BAD_LEN), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_BAD_OPTION), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_SRC_ROUTE), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_RX), 0);
	assert_int_equal(t.cap.n, 0);
	tn_stack_done(&t);
}

static void
test_ipv4_input_accepts_options_and_delivers_payload(void **state)
{
	static const uint8_t opt[12] = { 1, 7, 7, 4, 0, 0, 0, 0, 68, 4, 5, 0 };
	struct tn_stack t;
	struct erg_udp_sock *u;
	struct erg_udp_dgram d;
	uint8_t udp[64], buf[80];
	size_t n, hlen = 32;

	(void)state;
	tn_host_b(&t, NULL);
	assert_int_equal(erg_udp_open(t.s, NULL, NULL, &u), 0);
	assert_int_equal(erg_udp_bind(u, ERG_IPV4_ANY, 7), 0);
	/* The captured UDP datagram behind a 32-byte header. */
	n = udp_small_copy(udp);
	memcpy(buf, udp, 20);
	memcpy(buf + 20, opt, sizeof(opt));
	memcpy(buf + hlen, udp + 20, n - 20);
	buf[0] = 0x48;
	erg_put_be16(buf + 2, (uint16_t)(n + 12));
	fix_ip_cksum(buf);
	inject_ip(&t, mac_b, buf, n + 12, 1);
	assert_int_equal(erg_udp_recv(u, &d), 0);
	assert_int_equal(d.src, ADDR_A);
	assert_int_equal(d.src_port, 40000);
	assert_int_equal(d.data.len, 6);
	assert_memory_equal(d.data.p, "hello\n", 6);
	erg_pkt_free(t.s, d.pkt);
	erg_udp_close(u);
	tn_stack_done(&t);
}

/* ---- Reassembly ---------------------------------------------------------- */

struct echo_rec {
	unsigned calls;
	uint32_t from;
	uint16_t id;
	uint16_t seq;
	uint8_t *data;
	size_t len;
};

static void
echo_cb(void *ctx, uint32_t from, uint16_t id, uint16_t seq,
    struct erg_view data, uint64_t now_us)
{
	struct echo_rec *e = ctx;

	(void)now_us;
	e->calls++;
	e->from = from;
	e->id = id;
	e->seq = seq;
	free(e->data);
	e->data = tn_xmalloc(data.len);
	memcpy(e->data, data.p, data.len);
	e->len = data.len;
}

static const uint8_t *const icmp_frags[3] = { frame_icmp_frag_first,
	frame_icmp_frag_second, frame_icmp_frag_last };
static const size_t icmp_frag_lens[3] = { sizeof(frame_icmp_frag_first),
	sizeof(frame_icmp_frag_second), sizeof(frame_icmp_frag_last) };

/* The 4008-byte ICMP message the three captured fragments carry. */
static uint8_t *
icmp_frag_message(void)
{
	uint8_t *m = tn_xmalloc(4008);
	size_t i, off = 0;

	for (i = 0; i < 3; i++) {
		size_t len = icmp_frag_lens[i] - 34;

		memcpy(m + off, icmp_frags[i] + 34, len);
		off += len;
	}
	assert_int_equal(off, 4008);
	return m;
}

static void
inject_icmp_frag(struct tn_stack *t, unsigned i, uint64_t now)
{
	tn_inject(t, icmp_frags[i], icmp_frag_lens[i], now);
}

/*
 * Feeds every frame B sent into peer A and checks that A receives one
 * echo reply carrying the captured 4000-byte ping's data.
 */
static void
check_reply_reaches_a(struct tn_stack *b, const uint8_t *msg)
{
	struct tn_stack a;
	struct echo_rec e;
	unsigned i;

	memset(&e, 0, sizeof(e));
	stack_a(&a, NULL);
	erg_icmp_echo_handler_set(a.s, echo_cb, &e);
	for (i = 0; i < b->cap.n; i++) {
		tn_inject(&a, b->cap.frames[i].data, b->cap.frames[i].len, 1);
	}
	assert_int_equal(e.calls, 1);
	assert_int_equal(e.from, ADDR_B);
	assert_int_equal(e.id, 0x0ed2);
	assert_int_equal(e.seq, 1);
	assert_int_equal(e.len, 4000);
	assert_memory_equal(e.data, msg + 8, 4000);
	assert_int_equal(tn_stat(&a, ERG_STAT_IPV4_REASM_OK), 1);
	free(e.data);
	tn_stack_done(&a);
}

static void
test_reasm_captured_fragments_any_order_give_one_reply(void **state)
{
	static const unsigned perms[6][3] = {
		{ 0, 1, 2 },
		{ 0, 2, 1 },
		{ 1, 0, 2 },
		{ 1, 2, 0 },
		{ 2, 0, 1 },
		{ 2, 1, 0 },
	};
	uint8_t *msg = icmp_frag_message();
	unsigned p, k;

	(void)state;
	for (p = 0; p < 6; p++) {
		struct tn_stack t;

		tn_host_b(&t, NULL);
		tn_learn_a(&t, 0);
		for (k = 0; k < 3; k++) {
			assert_int_equal(t.cap.n, 0);
			inject_icmp_frag(&t, perms[p][k], 1 + k);
		}
		assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_RX), 3);
		assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_OK), 1);
		assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ECHO_RX), 1);
		assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ECHO_REPLY_TX), 1);
		/* A 4008-byte reply leaves in three fragments. */
		assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_TX), 3);
		assert_int_equal(t.cap.n, 3);
		assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_IN_USE), 0);
		check_reply_reaches_a(&t, msg);
		tn_stack_done(&t);
	}
	free(msg);
}

static void
test_reasm_duplicate_fragments_are_dropped_alone(void **state)
{
	static const unsigned order[] = { 0, 0, 1, 0, 1, 2 };
	uint8_t *msg = icmp_frag_message();
	struct tn_stack t;
	unsigned k;

	(void)state;
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	for (k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		inject_icmp_frag(&t, order[k], 1 + k);
	}
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_DUP), 3);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_OK), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ECHO_REPLY_TX), 1);
	assert_int_equal(t.cap.n, 3);
	check_reply_reaches_a(&t, msg);
	tn_stack_done(&t);
	free(msg);
}

/* A frame A -> dst (by dst_mac) carrying one crafted fragment. */

static size_t
frag_frame(uint8_t *buf, const uint8_t dst_mac[6], uint32_t dst, uint8_t proto,
    uint16_t id, uint16_t off, bool mf, const uint8_t *data, size_t len)
{
	memcpy(buf, dst_mac, 6);
	memcpy(buf + 6, mac_a, 6);
	erg_put_be16(buf + 12, ERG_ETHERTYPE_IPV4);
	return ERG_ETHER_HDR_LEN +
	    tn_build_ipv4(buf + ERG_ETHER_HDR_LEN, ADDR_A, dst, proto, id, off,
	        mf, data, len);
}

static void
inject_frag(struct tn_stack *t, uint16_t id, uint16_t off, bool mf, size_t len,
    uint64_t now)
{
	uint8_t *f = tn_xmalloc(ERG_ETHER_HDR_LEN + 20 + len);
	uint8_t *data = tn_xmalloc(len);
	size_t n;

	memset(data, 0x33, len);
	n = frag_frame(f, mac_b, ADDR_B, PROTO_UNKNOWN, id, off, mf, data, len);
	tn_inject(t, f, n, now);
	free(data);
	free(f);
}

static void
test_reasm_small_ping_is_answered_in_place_and_frees_slot(void **state)
{
	struct tn_stack t;
	struct erg_icmp_repr ir;
	struct erg_ipv4_repr r;
	struct erg_view pl, ipl;
	uint8_t msg[24], f[64];
	size_t n;

	(void)state;
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	ir.type = ERG_ICMP_ECHO_REQUEST;
	ir.code = 0;
	ir.rest = 0xbeef0003;
	fill_pattern(msg + 8, 16, 6);
	assert_int_equal(erg_icmp_emit(&ir, msg, sizeof(msg)), 0);
	/* Last half first, then the first: 16 + 8 bytes. */
	n = frag_frame(f, mac_b, ADDR_B, ERG_IP_PROTO_ICMP, 0x2121, 16, false,
	    msg + 16, 8);
	tn_inject(&t, f, n, 1);
	n = frag_frame(f, mac_b, ADDR_B, ERG_IP_PROTO_ICMP, 0x2121, 0, true,
	    msg, 16);
	tn_inject(&t, f, n, 2);
	/*
	 * The reply fits one frame: it is built in the slot's own buffer,
	 * in the room kept before the payload, and the slot comes back.
	 */
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_OK), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_TX), 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_IN_USE), 0);
	assert_int_equal(t.cap.n, 1);
	assert_int_equal(t.cap.frames[0].len, 14 + 20 + 24);
	pl = parse_frame(&t.cap.frames[0], &r);
	assert_int_equal(r.src, ADDR_B);
	assert_int_equal(r.dst, ADDR_A);
	assert_false(r.mf);
	assert_int_equal(erg_icmp_parse(&ir, &ipl, pl, NULL), 0);
	assert_int_equal(ir.type, ERG_ICMP_ECHO_REPLY);
	assert_int_equal(ir.rest, 0xbeef0003);
	assert_memory_equal(ipl.p, msg + 8, 16);
	tn_stack_done(&t);
}

static void
test_reasm_partial_overlap_drops_whole_datagram(void **state)
{
	struct tn_stack t;

	(void)state;
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	inject_icmp_frag(&t, 0, 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_IN_USE), 1);
	/*
	 * Blocks 184 and 185: one already there, one new. Teardrop's
	 * shape; the captured ping's id, source and protocol.
	 */
	{
		uint8_t f[64], data[16];
		size_t n;

		memset(data, 0xcc, sizeof(data));
		n = frag_frame(f, mac_b, ADDR_B, ERG_IP_PROTO_ICMP, 0xc179,
		    1472, true, data, sizeof(data));
		tn_inject(&t, f, n, 2);
	}
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_OVERLAP), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_IN_USE), 0);
	/* The rest arrives into a fresh slot and never completes. */
	inject_icmp_frag(&t, 1, 3);
	inject_icmp_frag(&t, 2, 4);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_OK), 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_IN_USE), 1);
	assert_int_equal(t.cap.n, 0);
	/* Without the first fragment its timeout is silent. */
	erg_stack_poll(t.s, 3 + 30 * SEC);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_TIMEOUT), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_IN_USE), 0);
	assert_int_equal(t.cap.n, 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ERR_TX), 0);
	tn_stack_done(&t);
}

static void
test_reasm_overlap_with_any_existing_block_is_refused(void **state)
{
	struct tn_stack t;

	(void)state;
	tn_host_b(&t, NULL);
	/* [64, 128) then [120, 136): the second straddles the first's end. */
	inject_frag(&t, 1, 64, true, 64, 1);
	inject_frag(&t, 1, 120, true, 16, 2);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_OVERLAP), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_IN_USE), 0);
	/* [64, 128) then [56, 72): straddles its start. */
	inject_frag(&t, 2, 64, true, 64, 3);
	inject_frag(&t, 2, 56, true, 16, 4);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_OVERLAP), 2);
	/* [64, 128) then [72, 80): contained, so a duplicate. */
	inject_frag(&t, 3, 64, true, 64, 5);
	inject_frag(&t, 3, 72, true, 8, 6);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_DUP), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_IN_USE), 1);
	/* [64, 128) then [0, 200): covers it, so an overlap. */
	inject_frag(&t, 3, 0, true, 200, 7);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_OVERLAP), 3);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_IN_USE), 0);
	assert_int_equal(t.cap.n, 0);
	tn_stack_done(&t);
}

static void
test_reasm_key_is_source_destination_id_and_protocol(void **state)
{
	struct tn_stack t;
	struct erg_config cfg;
	uint8_t f[64];
	size_t n;

	(void)state;
	erg_config_default(&cfg);
	cfg.reasm_slots = 8;
	tn_host_b(&t, &cfg);
	tn_learn_a(&t, 0);
	/* RFC 791 3.2: the first half of datagram 7 (proto 253). */
	inject_frag(&t, 7, 0, true, 8, 1);
	/* Second halves with the same id but another key complete nothing. */
	n = frag_frame(f, mac_b, ADDR_B, ERG_IP_PROTO_UDP, 7, 8, false,
	    (const uint8_t *)"12345678", 8);
	tn_inject(&t, f, n, 2);
	n = frag_frame(f, mac_bcast, ERG_IPV4_BROADCAST, PROTO_UNKNOWN, 7, 8,
	    false, (const uint8_t *)"12345678", 8);
	tn_inject(&t, f, n, 3);
	memcpy(f + 6, mac_gw, 6);
	erg_put_be32(f + 14 + 12, ADDR_OTHER);
	erg_put_be32(f + 14 + 16, ADDR_B);
	memcpy(f, mac_b, 6);
	fix_ip_cksum(f + 14);
	tn_inject(&t, f, n, 4);
	inject_frag(&t, 8, 8, false, 8, 5);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_OK), 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_IN_USE), 5);
	/* The matching half does. */
	inject_frag(&t, 7, 8, false, 8, 6);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_OK), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_IN_USE), 4);
	assert_int_equal(t.cap.n, 1); /* protocol unreachable */
	erg_stack_poll(t.s, 6 + 30 * SEC);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_TIMEOUT), 4);
	assert_int_equal(t.cap.n, 1); /* none had its first fragment */
	tn_stack_done(&t);
}

static void
test_reasm_offset_plus_length_beyond_65535_is_dropped(void **state)
{
	struct tn_stack t;
	struct erg_config cfg;

	(void)state;
	tn_host_b(&t, NULL);
	/* Class 9: the largest offset plus 16 bytes. */
	inject_frag(&t, 1, 8191 * 8, false, 16, 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_OVERSIZE), 1);
	/* 65512 + 8 fits 16 bits, but with the header it is 65540. */
	inject_frag(&t, 1, 65512, false, 8, 2);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_OVERSIZE), 2);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_IN_USE), 0);
	/* The largest datagram that fits: 20 + 65504 + 8 = 65532. */
	inject_frag(&t, 1, 65504, false, 8, 3);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_OVERSIZE), 2);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_IN_USE), 1);
	/* An oversize fragment of a datagram in progress drops it all. */
	inject_frag(&t, 1, 65528, true, 8, 4);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_OVERSIZE), 3);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_IN_USE), 0);
	tn_stack_done(&t);

	/* cfg.reasm_max bounds the datagram too. */
	erg_config_default(&cfg);
	cfg.reasm_max = 1500;
	tn_host_b(&t, &cfg);
	inject_frag(&t, 2, 1472, false, 8, 1); /* ends at 1480: fits */
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_IN_USE), 1);
	inject_frag(&t, 3, 1480, false, 8, 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_OVERSIZE), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_IN_USE), 1);
	erg_stack_poll(t.s, 1 + 30 * SEC);
	tn_stack_done(&t);
}

static void
test_reasm_long_first_header_past_65535_is_dropped(void **state)
{
	enum {
		MAX_PAYLOAD = 65515
	}; /* 65535 - a 20-byte header */
	struct tn_stack t;
	uint8_t *f, *data, *ip;
	size_t off;

	(void)state;
	/*
	 * Regression: erg_reasm_input() once bounded each fragment by its
	 * own header length (off + len + ip->hdr_len), never the whole
	 * datagram by the first fragment's. With a 60-byte first header and
	 * 20-byte others, 60 + 65515 = 65575 bytes got through and the
	 * rewritten total length wrapped to 39 (class 9/21: Ping of Death
	 * with options).
	 */
	f = tn_xmalloc(14 + 60 + 1480);
	data = tn_xmalloc(MAX_PAYLOAD);
	ip = f + ERG_ETHER_HDR_LEN;
	memset(data, 0x44, MAX_PAYLOAD);
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	/* The first fragment: IHL 15 (40 NOPs), 1472 bytes, MF. */
	memcpy(f, mac_b, 6);
	memcpy(f + 6, mac_a, 6);
	erg_put_be16(f + 12, ERG_ETHERTYPE_IPV4);
	memset(ip, 0, 60);
	ip[0] = 0x4f;
	erg_put_be16(ip + 2, 60 + 1472);
	erg_put_be16(ip + 4, 0xdead);
	erg_put_be16(ip + 6, 0x2000);
	ip[8] = 64;
	ip[9] = PROTO_UNKNOWN;
	erg_put_be32(ip + 12, ADDR_A);
	erg_put_be32(ip + 16, ADDR_B);
	memset(ip + 20, 1, 40);
	fix_ip_cksum(ip);
	memcpy(ip + 60, data, 1472);
	tn_inject(&t, f, 14 + 60 + 1472, 1);
	/* The rest with 20-byte headers, up to 65515 bytes of payload. */
	for (off = 1472; off < MAX_PAYLOAD; off += 1480) {
		size_t len =
		    MAX_PAYLOAD - off < 1480 ? MAX_PAYLOAD - off : 1480;
		size_t n = frag_frame(f, mac_b, ADDR_B, PROTO_UNKNOWN, 0xdead,
		    (uint16_t)off, off + len < MAX_PAYLOAD, data + off, len);

		tn_inject(&t, f, n, 1);
	}
	/* 65575 bytes of IPv4 cannot exist: nothing may be delivered. */
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_OK), 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_UNKNOWN_PROTO), 0);
	assert_true(tn_stat(&t, ERG_STAT_IPV4_FRAG_OVERSIZE) >= 1);
	/* Whatever is left of it times out without a first fragment. */
	erg_stack_poll(t.s, 1 + 30 * SEC);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_IN_USE), 0);
	assert_int_equal(t.cap.n, 0);
	tn_stack_done(&t);
	free(data);
	free(f);
}

static void
test_reasm_non_final_fragment_not_multiple_of_8_is_bad(void **state)
{
	struct tn_stack t;

	(void)state;
	tn_host_b(&t, NULL);
	inject_frag(&t, 1, 0, true, 12, 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_BAD), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_IN_USE), 0);
	/* Empty fragments are bad too, final or not. */
	inject_frag(&t, 1, 8, true, 0, 2);
	inject_frag(&t, 1, 8, false, 0, 3);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_BAD), 3);
	/* A bad fragment of a datagram in progress drops it all. */
	inject_frag(&t, 2, 0, true, 16, 4);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_IN_USE), 1);
	inject_frag(&t, 2, 16, true, 7, 5);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_BAD), 4);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_IN_USE), 0);
	/* A final fragment may have any length. */
	inject_frag(&t, 3, 16, false, 7, 6);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_BAD), 4);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_IN_USE), 1);
	erg_stack_poll(t.s, 6 + 30 * SEC);
	tn_stack_done(&t);
}

static void
test_reasm_conflicting_last_fragments_drop_datagram(void **state)
{
	struct tn_stack t;

	(void)state;
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	/* Two "last" fragments ending at 24 and at 40 (block 0 missing). */
	inject_frag(&t, 1, 8, true, 8, 1);
	inject_frag(&t, 1, 16, false, 8, 2);
	inject_frag(&t, 1, 32, false, 8, 3);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_BAD), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_IN_USE), 0);
	/* Data beyond the known end. */
	inject_frag(&t, 2, 16, false, 8, 4);
	inject_frag(&t, 2, 24, true, 8, 5);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_BAD), 2);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_IN_USE), 0);
	/* A last fragment ending before data already seen. */
	inject_frag(&t, 3, 32, true, 8, 6);
	inject_frag(&t, 3, 16, false, 8, 7);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_BAD), 3);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_IN_USE), 0);
	/* The same last fragment twice is only a duplicate. */
	inject_frag(&t, 4, 16, false, 8, 8);
	inject_frag(&t, 4, 16, false, 8, 9);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_DUP), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_BAD), 3);
	/* ...and the datagram then completes. */
	assert_int_equal(t.cap.n, 0);
	inject_frag(&t, 4, 0, true, 16, 10);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_OK), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_UNKNOWN_PROTO), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_IN_USE), 0);
	/*
	 * Its protocol is unknown: the error quotes the whole reassembled
	 * datagram, whose header is the first fragment's with the total
	 * length and flags rewritten, just as if it had come in one piece.
	 */
	{
		uint8_t data[24], want[44];
		size_t n;

		memset(data, 0x33, sizeof(data));
		n = tn_build_ipv4(want, ADDR_A, ADDR_B, PROTO_UNKNOWN, 4, 0,
		    false, data, sizeof(data));
		assert_int_equal(t.cap.n, 1);
		check_icmp_error(&t.cap.frames[0], ERG_ICMP_DEST_UNREACH,
		    ERG_ICMP_PROTO_UNREACH, want, n);
	}
	tn_stack_done(&t);
}

static void
test_reasm_more_datagrams_than_slots_is_no_slot(void **state)
{
	struct tn_stack t;
	struct erg_config cfg;

	(void)state;
	erg_config_default(&cfg);
	cfg.reasm_slots = 3;
	tn_host_b(&t, &cfg);
	tn_learn_a(&t, 0);
	inject_frag(&t, 1, 8, true, 8, 1);
	inject_frag(&t, 2, 8, true, 8, 1);
	inject_frag(&t, 3, 8, true, 8, 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_IN_USE), 3);
	inject_frag(&t, 4, 8, true, 8, 2);
	inject_frag(&t, 5, 0, true, 8, 2);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_NO_SLOT), 2);
	/* Fragments of datagrams in progress still find their slot. */
	inject_frag(&t, 2, 0, true, 8, 3);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_NO_SLOT), 2);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_HIGH_WATER), 3);
	/* Slots are never stolen; they come back by timeout. */
	erg_stack_poll(t.s, 1 + 30 * SEC);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_TIMEOUT), 3);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_IN_USE), 0);
	/* Only datagram 2 had its first fragment: one time exceeded. */
	assert_int_equal(t.cap.n, 1);
	inject_frag(&t, 4, 8, true, 8, 31 * SEC);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_IN_USE), 1);
	erg_stack_poll(t.s, 62 * SEC);
	tn_stack_done(&t);

	/* With no slots at all, every fragment is refused. */
	cfg.reasm_slots = 0;
	tn_host_b(&t, &cfg);
	inject_icmp_frag(&t, 0, 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_NO_SLOT), 1);
	tn_stack_done(&t);
}

static void
test_reasm_timeout_sends_time_exceeded_quoting_first(void **state)
{
	struct tn_stack t;
	struct erg_config cfg;
	uint64_t t0 = 5000;

	(void)state;
	erg_config_default(&cfg);
	cfg.reasm_timeout_ms = 7000;
	tn_host_b(&t, &cfg);
	tn_learn_a(&t, 0);
	inject_icmp_frag(&t, 0, t0);
	inject_icmp_frag(&t, 2, t0 + 10);
	assert_int_equal(erg_stack_poll(t.s, t0 + 7 * SEC - 1), t0 + 7 * SEC);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_TIMEOUT), 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_IN_USE), 1);
	erg_stack_poll(t.s, t0 + 7 * SEC);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_TIMEOUT), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_IN_USE), 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ERR_TX), 1);
	assert_int_equal(t.cap.n, 1);
	/*
	 * RFC 792 / RFC 1122 3.3.2: type 11 code 1, quoting the first
	 * fragment's header as received and its first 8 data bytes.
	 */
	check_icmp_error(&t.cap.frames[0], ERG_ICMP_TIME_EXCEEDED,
	    ERG_ICMP_REASM_EXCEEDED, frame_icmp_frag_first + 14, 28);
	tn_stack_done(&t);
}

static void
test_reasm_timeout_without_first_fragment_is_silent(void **state)
{
	struct tn_stack t;

	(void)state;
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	inject_icmp_frag(&t, 1, 1);
	inject_icmp_frag(&t, 2, 2);
	/* The default reasm_timeout_ms is 30 s. */
	erg_stack_poll(t.s, 1 + 30 * SEC - 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_IN_USE), 1);
	/* Next deadline: A's ARP entry, learnt at 0 for 120 s. */
	assert_int_equal(erg_stack_poll(t.s, 1 + 30 * SEC), 120 * SEC);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_TIMEOUT), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_IN_USE), 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ERR_TX), 0);
	assert_int_equal(t.cap.n, 0);
	tn_stack_done(&t);
}

static void
test_reasm_timeout_of_broadcast_datagram_is_silent(void **state)
{
	struct tn_stack t;
	struct erg_config cfg;
	uint8_t f[64];
	uint8_t msg[16];
	size_t n;

	(void)state;
	/*
	 * Regression: the reassembly timeout once quoted the first fragment
	 * through a packet lent with flags 0, forgetting that the datagram
	 * was a broadcast, and answered it with ICMP time exceeded against
	 * RFC 1122 3.2.2.
	 */
	erg_config_default(&cfg);
	cfg.reasm_slots = 3;
	tn_host_b(&t, &cfg);
	tn_learn_a(&t, 0);
	memset(msg, 0, sizeof(msg));
	msg[0] = ERG_ICMP_ECHO_REQUEST;
	n = frag_frame(f, mac_bcast, ERG_IPV4_BROADCAST, ERG_IP_PROTO_ICMP,
	    0x5151, 0, true, msg, sizeof(msg));
	tn_inject(&t, f, n, 1);
	n = frag_frame(f, mac_bcast, NET_BCAST, ERG_IP_PROTO_ICMP, 0x5252, 0,
	    true, msg, sizeof(msg));
	tn_inject(&t, f, n, 1);
	n = frag_frame(f, mac_bcast, ADDR_B, ERG_IP_PROTO_ICMP, 0x5353, 0, true,
	    msg, sizeof(msg));
	tn_inject(&t, f, n, 1);
	/* The unicast one in a link broadcast stops before reassembly. */
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_LINK_BCAST_UNICAST), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_IN_USE), 2);
	erg_stack_poll(t.s, 1 + 30 * SEC);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_TIMEOUT), 2);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ERR_TX), 0);
	assert_int_equal(t.cap.n, 0);
	tn_stack_done(&t);
}

static void
test_reasm_udp_datagram_held_by_app_keeps_slot(void **state)
{
	struct tn_stack t;
	struct erg_udp_sock *u;
	struct erg_udp_dgram d, d2;
	uint8_t want[2900];
	uint8_t f[64];
	size_t n;

	(void)state;
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	assert_int_equal(erg_udp_open(t.s, NULL, NULL, &u), 0);
	assert_int_equal(erg_udp_bind(u, ERG_IPV4_ANY, 9000), 0);
	memcpy(want, frame_udp_frag_first + 42, 1472);
	memcpy(want + 1472, frame_udp_frag_last + 34, 1428);

	tn_inject(&t, frame_udp_frag_last, sizeof(frame_udp_frag_last), 1);
	tn_inject(&t, frame_udp_frag_first, sizeof(frame_udp_frag_first), 2);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_OK), 1);
	assert_int_equal(erg_udp_pending(u), 1);
	assert_int_equal(erg_udp_recv(u, &d), 0);
	assert_int_equal(d.src, ADDR_A);
	assert_int_equal(d.dst, ADDR_B);
	assert_int_equal(d.src_port, 40001);
	assert_int_equal(d.dst_port, 9000);
	assert_int_equal(d.ifindex, t.ifindex);
	assert_int_equal(d.data.len, 2900);
	assert_memory_equal(d.data.p, want, 2900);
	/* The application holds the datagram: its slot stays busy... */
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_IN_USE), 1);
	assert_int_equal(erg_stack_pool_in_use(t.s), t.baseline + 2);
	/* ...past the reassembly timeout, which no longer applies. */
	erg_stack_poll(t.s, 60 * SEC);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_TIMEOUT), 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_IN_USE), 1);
	assert_memory_equal(d.data.p, want, 2900);
	/* The same datagram again takes the second slot. */
	tn_inject(&t, frame_udp_frag_first, sizeof(frame_udp_frag_first),
	    60 * SEC);
	tn_inject(&t, frame_udp_frag_last, sizeof(frame_udp_frag_last),
	    60 * SEC);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_IN_USE), 2);
	assert_int_equal(erg_udp_recv(u, &d2), 0);
	assert_int_equal(d2.data.len, 2900);
	assert_memory_equal(d2.data.p, want, 2900);
	/* With both held, a third datagram has nowhere to go. */
	n = frag_frame(f, mac_b, ADDR_B, PROTO_UNKNOWN, 9, 0, true,
	    (const uint8_t *)"abcdefgh", 8);
	tn_inject(&t, f, n, 60 * SEC);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_NO_SLOT), 1);
	erg_pkt_free(t.s, d.pkt);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_IN_USE), 1);
	/* ...until one is released. */
	tn_inject(&t, f, n, 60 * SEC);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_IN_USE), 2);
	erg_pkt_free(t.s, d2.pkt);
	erg_stack_poll(t.s, 95 * SEC);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_IN_USE), 0);
	erg_udp_close(u);
	tn_stack_done(&t);
}

static void
test_reasm_flood_of_tiny_fragments_is_bounded(void **state)
{
	enum {
		NFRAG = 8000,
		DLEN = NFRAG * 8,
		PLEN = DLEN - 8
	};
	struct tn_stack t;
	struct erg_udp_sock *u;
	struct erg_udp_dgram d;
	struct erg_udp_repr ur;
	struct erg_view pv;
	uint8_t *dgram = tn_xmalloc(DLEN);
	unsigned *order = malloc(NFRAG * sizeof(*order));
	uint64_t rng = 77;
	uint8_t f[64];
	unsigned i;
	size_t n;

	(void)state;
	assert_non_null(order);
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	assert_int_equal(erg_udp_open(t.s, NULL, NULL, &u), 0);
	assert_int_equal(erg_udp_bind(u, ERG_IPV4_ANY, 9001), 0);
	/* One 64,000-byte UDP datagram in 8,000 fragments of 8 bytes. */
	fill_pattern(dgram + 8, PLEN, 5);
	pv = erg_view_make(dgram + 8, PLEN);
	ur.src_port = 4444;
	ur.dst_port = 9001;
	ur.len = DLEN;
	ur.checksum = 0;
	erg_udp_emit(&ur, ADDR_A, ADDR_B, &pv, 1, dgram);
	for (i = 0; i < NFRAG; i++) {
		order[i] = i;
	}
	for (i = NFRAG - 1; i > 0; i--) {
		uint32_t r, j;
		unsigned tmp;

		tn_rand(&rng, &r, sizeof(r));
		j = r % (i + 1);
		tmp = order[i];
		order[i] = order[j];
		order[j] = tmp;
	}
	for (i = 0; i < NFRAG; i++) {
		unsigned k = order[i];

		n = frag_frame(f, mac_b, ADDR_B, ERG_IP_PROTO_UDP, 0x8000,
		    (uint16_t)(k * 8), k != NFRAG - 1, dgram + k * 8, 8);
		tn_inject(&t, f, n, 1);
		/* Nothing is held per fragment: one slot, no packets. */
		if (i + 1 < NFRAG) {
			assert_int_equal(erg_stack_pool_in_use(t.s),
			    t.baseline + 2);
		}
	}
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_RX), NFRAG);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_OK), 1);
	assert_int_equal(erg_udp_recv(u, &d), 0);
	assert_int_equal(d.data.len, PLEN);
	assert_memory_equal(d.data.p, dgram + 8, PLEN);
	erg_pkt_free(t.s, d.pkt);

	/* 8,000 first fragments of distinct datagrams: two slots, no more. */
	for (i = 0; i < NFRAG; i++) {
		n = frag_frame(f, mac_b, ADDR_B, ERG_IP_PROTO_UDP, (uint16_t)i,
		    0, true, dgram, 8);
		tn_inject(&t, f, n, 2);
	}
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_IN_USE), 2);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_NO_SLOT), NFRAG - 2);
	assert_int_equal(erg_stack_pool_in_use(t.s), t.baseline + 3);
	/* Both time out, each answered once (their first fragment came). */
	erg_stack_poll(t.s, 2 + 30 * SEC);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_TIMEOUT), 2);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ERR_TX), 2);
	assert_int_equal(t.cap.n, 2);
	erg_udp_close(u);
	tn_stack_done(&t);
	free(order);
	free(dgram);
}

/* ---- Fragmentation on output --------------------------------------------- */

/*
 * Checks the fragments B sent (t->cap from frame first on) as a datagram
 * of total payload bytes, and returns their IP id.
 */
static uint16_t
check_fragments(const struct tn_capture *c, unsigned first, size_t total,
    uint16_t mtu)
{
	size_t max = (size_t)(mtu - 20) & ~(size_t)7, off = 0;
	unsigned i, n = (unsigned)((total + max - 1) / max);
	uint16_t id = 0;

	assert_int_equal(c->n - first, n);
	for (i = 0; i < n; i++) {
		const struct tn_frame *f = &c->frames[first + i];
		struct erg_ipv4_repr r;
		struct erg_view pl = parse_frame(f, &r);

		assert_true(f->len <= 14u + mtu);
		assert_int_equal(r.frag_off % 8, 0);
		assert_int_equal(r.frag_off, off);
		assert_int_equal(r.mf, i + 1 < n);
		assert_false(r.df);
		assert_int_equal(r.hdr_len, 20);
		if (i == 0) {
			id = r.id;
		}
		assert_int_equal(r.id, id);
		assert_int_equal(pl.len, i + 1 < n ? max : total - off);
		off += pl.len;
	}
	assert_int_equal(off, total);
	return id;
}

/* B sends len bytes to A:9000 over UDP; A reassembles and compares. */
static void
udp_fragmented_round_trip(size_t len)
{
	struct tn_stack b, a;
	struct erg_udp_sock *ub, *ua;
	struct erg_udp_dgram d;
	uint8_t *data = tn_xmalloc(len);
	unsigned i;

	fill_pattern(data, len, len);
	tn_host_b(&b, NULL);
	stack_a(&a, NULL);
	tn_learn_a(&b, 0);
	assert_int_equal(erg_udp_open(b.s, NULL, NULL, &ub), 0);
	assert_int_equal(erg_udp_open(a.s, NULL, NULL, &ua), 0);
	assert_int_equal(erg_udp_bind(ua, ERG_IPV4_ANY, 9000), 0);
	assert_int_equal(erg_udp_sendto(ub, ADDR_A, 9000, data, len), 0);
	(void)check_fragments(&b.cap, 0, len + 8, 1500);
	assert_int_equal(tn_stat(&b, ERG_STAT_IPV4_FRAG_TX), b.cap.n);
	assert_int_equal(tn_stat(&b, ERG_STAT_UDP_TX), 1);
	for (i = 0; i < b.cap.n; i++) {
		const struct tn_frame *f = &b.cap.frames[i];

		assert_memory_equal(f->data, mac_a, 6);
		tn_inject(&a, f->data, f->len, 1);
	}
	assert_int_equal(tn_stat(&a, ERG_STAT_IPV4_REASM_OK), 1);
	assert_int_equal(erg_udp_recv(ua, &d), 0);
	assert_int_equal(d.src, ADDR_B);
	assert_int_equal(d.src_port, erg_udp_local_port(ub));
	assert_int_equal(d.dst_port, 9000);
	assert_int_equal(d.data.len, len);
	assert_memory_equal(d.data.p, data, len);
	erg_pkt_free(a.s, d.pkt);
	erg_udp_close(ua);
	erg_udp_close(ub);
	tn_stack_done(&a);
	tn_stack_done(&b);
	free(data);
}

static void
test_frag_udp_4000_bytes_reassembles_at_peer(void **state)
{
	(void)state;
	udp_fragmented_round_trip(4000);
}

static void
test_frag_udp_65507_bytes_reassembles_at_peer(void **state)
{
	(void)state;
	udp_fragmented_round_trip(ERG_UDP_MAX_PAYLOAD);
}

static void
test_frag_udp_65508_bytes_is_emsgsize(void **state)
{
	struct tn_stack t;
	struct erg_udp_sock *u;
	uint8_t *data = tn_xmalloc(65508);

	(void)state;
	memset(data, 0, 65508);
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	assert_int_equal(erg_udp_open(t.s, NULL, NULL, &u), 0);
	assert_int_equal(erg_udp_sendto(u, ADDR_A, 9000, data, 65508),
	    -ERG_EMSGSIZE);
	assert_int_equal(t.cap.n, 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_TX), 0);
	/* One byte less goes. */
	assert_int_equal(erg_udp_sendto(u, ADDR_A, 9000, data, 65507), 0);
	assert_int_equal(t.cap.n, 45);
	erg_udp_close(u);
	tn_stack_done(&t);
	free(data);
}

static void
test_frag_fragments_wait_for_arp_then_leave_in_order(void **state)
{
	struct tn_stack t;
	struct erg_udp_sock *u;
	uint8_t data[4000], arp[64];
	size_t n;

	(void)state;
	fill_pattern(data, sizeof(data), 9);
	tn_host_b(&t, NULL);
	assert_int_equal(erg_udp_open(t.s, NULL, NULL, &u), 0);
	/* Unresolved: one ARP request, the three fragments held. */
	assert_int_equal(erg_udp_sendto(u, ADDR_A, 9000, data, 4000), 0);
	assert_int_equal(t.cap.n, 1);
	assert_int_equal(erg_be16(t.cap.frames[0].data + 12),
	    ERG_ETHERTYPE_ARP);
	assert_int_equal(erg_stack_pool_in_use(t.s), t.baseline + 1 + 3);
	tn_capture_clear(&t.cap);
	n = tn_build_arp_frame(arp, mac_b, mac_a, ERG_ARP_OP_REPLY, mac_a,
	    ADDR_A, mac_b, ADDR_B);
	tn_inject(&t, arp, n, 1);
	(void)check_fragments(&t.cap, 0, 4008, 1500);
	erg_udp_close(u);
	tn_stack_done(&t);
}

static void
test_frag_pool_exhaustion_mid_datagram_is_enomem(void **state)
{
	struct tn_stack t;
	struct erg_config cfg;
	struct erg_udp_sock *u;
	struct erg_pkt *held[4];
	uint8_t data[8000], arp[64];
	unsigned i;
	size_t n;

	(void)state;
	memset(data, 0x42, sizeof(data));
	erg_config_default(&cfg);
	cfg.pkt_count = 8;
	tn_host_b(&t, &cfg);
	for (i = 0; i < 4; i++) {
		held[i] = erg_pkt_alloc(t.s);
		assert_non_null(held[i]);
	}
	assert_int_equal(erg_udp_open(t.s, NULL, NULL, &u), 0);
	/*
	 * 8008 bytes make six fragments. They wait for ARP holding
	 * packets (ARP may hold half the pool, 4): with the other half
	 * held here, the fifth finds the pool empty and the send fails
	 * part way.
	 */
	assert_int_equal(erg_udp_sendto(u, ADDR_A, 9000, data, sizeof(data)),
	    -ERG_ENOMEM);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_TX_FAIL), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_TX), 4);
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_TX), 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_PKT_ALLOC_FAIL), 1);
	/* The four queued fragments leave when ARP resolves. */
	for (i = 0; i < 4; i++) {
		erg_pkt_free(t.s, held[i]);
	}
	tn_capture_clear(&t.cap);
	n = tn_build_arp_frame(arp, mac_b, mac_a, ERG_ARP_OP_REPLY, mac_a,
	    ADDR_A, mac_b, ADDR_B);
	tn_inject(&t, arp, n, 1);
	assert_int_equal(t.cap.n, 4);
	for (i = 0; i < 4; i++) {
		struct erg_ipv4_repr r;

		(void)parse_frame(&t.cap.frames[i], &r);
		assert_int_equal(r.frag_off, i * 1480);
		assert_true(r.mf); /* the datagram never got its end */
	}
	erg_udp_close(u);
	tn_stack_done(&t);
}

static void
test_frag_route_mtu_sets_fragment_size(void **state)
{
	struct tn_stack t;
	struct tn_capture cap2;
	struct erg_netif_config nc;
	struct erg_udp_sock *u;
	uint8_t data[1000], arp[64];
	unsigned if2;
	size_t n;

	(void)state;
	memset(&cap2, 0, sizeof(cap2));
	fill_pattern(data, sizeof(data), 3);
	tn_host_b(&t, NULL);
	memset(&nc, 0, sizeof(nc));
	memcpy(nc.mac, mac_c, 6);
	nc.mtu = 576;
	nc.ops = &tn_capture_ops;
	nc.drv = &cap2;
	assert_int_equal(erg_netif_add(t.s, &nc, &if2), 0);
	assert_int_equal(erg_ipv4_addr_set(t.s, if2, ADDR_C, 24), 0);
	assert_int_equal(erg_netif_mtu(t.s, if2), 576);
	tn_capture_clear(&cap2);
	n = tn_build_arp_frame(arp, mac_c, mac_gw, ERG_ARP_OP_REPLY, mac_gw,
	    ADDR_C_PEER, mac_c, ADDR_C);
	assert_int_equal(erg_udp_open(t.s, NULL, NULL, &u), 0);
	assert_int_equal(erg_udp_sendto(u, ADDR_C_PEER, 9, data, 1), 0);
	{
		struct erg_pkt *pkt = erg_pkt_alloc(t.s);

		memcpy(erg_pkt_put(pkt, (uint32_t)n), arp, n);
		erg_netif_input(t.s, if2, pkt, 1);
	}
	assert_int_equal(cap2.n, 2); /* ARP request, then the datagram */
	tn_capture_clear(&cap2);
	/* (576 - 20) rounded down to 8 is 552 bytes per fragment. */
	assert_int_equal(erg_udp_sendto(u, ADDR_C_PEER, 9, data, 1000), 0);
	(void)check_fragments(&cap2, 0, 1008, 576);
	/* An ICMP echo with data takes the same path. */
	tn_capture_clear(&cap2);
	assert_int_equal(erg_icmp_echo_send(t.s, ADDR_C_PEER, 1, 2, data, 1000),
	    0);
	(void)check_fragments(&cap2, 0, 1008, 576);
	{
		struct erg_ipv4_repr r;
		struct erg_view pl = parse_frame(&cap2.frames[0], &r);

		assert_int_equal(r.proto, ERG_IP_PROTO_ICMP);
		assert_int_equal(pl.p[0], ERG_ICMP_ECHO_REQUEST);
		assert_int_equal(erg_be32(pl.p + 4), 0x00010002);
	}
	assert_int_equal(t.cap.n, 0);
	erg_udp_close(u);
	tn_capture_clear(&cap2);
	free(cap2.frames);
	tn_stack_done(&t);
}

/* ---- Routing ------------------------------------------------------------- */

struct two_if {
	struct tn_stack t;
	struct tn_capture cap2;
	unsigned if2;
};

/* B with a second interface 198.19.0.2/24 (MAC c) on its own capture. */
static void
two_if_init(struct two_if *w)
{
	struct erg_netif_config nc;

	memset(&w->cap2, 0, sizeof(w->cap2));
	tn_host_b(&w->t, NULL);
	memset(&nc, 0, sizeof(nc));
	memcpy(nc.mac, mac_c, 6);
	nc.mtu = 1500;
	nc.ops = &tn_capture_ops;
	nc.drv = &w->cap2;
	assert_int_equal(erg_netif_add(w->t.s, &nc, &w->if2), 0);
	assert_int_equal(w->if2, 1);
	assert_int_equal(erg_ipv4_addr_set(w->t.s, w->if2, ADDR_C, 24), 0);
	/* RFC 5227 3: the new address is announced on its own link. */
	assert_int_equal(w->cap2.n, 1);
	assert_int_equal(w->t.cap.n, 0);
	tn_capture_clear(&w->cap2);
	w->t.baseline = erg_stack_pool_in_use(w->t.s);
}

static void
two_if_done(struct two_if *w)
{
	tn_capture_clear(&w->cap2);
	free(w->cap2.frames);
	tn_stack_done(&w->t);
}

/* The ARP target of captured frame f, which must be an ARP request. */
static uint32_t
arp_request_target(const struct tn_frame *f)
{
	struct erg_arp_repr r;

	assert_int_equal(erg_be16(f->data + 12), ERG_ETHERTYPE_ARP);
	assert_memory_equal(f->data, mac_bcast, 6);
	assert_int_equal(
	    erg_arp_parse(&r, erg_view_make(f->data + 14, f->len - 14), NULL),
	    0);
	assert_int_equal(r.op, ERG_ARP_OP_REQUEST);
	return r.tpa;
}

static void
inject_on(struct tn_stack *t, unsigned ifindex, const uint8_t *f, size_t n,
    uint64_t now)
{
	struct erg_pkt *pkt = erg_pkt_alloc(t->s);

	assert_non_null(pkt);
	memcpy(erg_pkt_put(pkt, (uint32_t)n), f, n);
	erg_netif_input(t->s, ifindex, pkt, now);
}

static void
test_route_on_link_traffic_leaves_by_its_interface(void **state)
{
	struct two_if w;
	struct erg_udp_sock *u;
	uint8_t arp[64];
	size_t n;

	(void)state;
	two_if_init(&w);
	assert_int_equal(erg_udp_open(w.t.s, NULL, NULL, &u), 0);
	assert_int_equal(erg_udp_sendto(u, ADDR_A, 9, "x", 1), 0);
	assert_int_equal(w.t.cap.n, 1);
	assert_int_equal(w.cap2.n, 0);
	assert_int_equal(arp_request_target(&w.t.cap.frames[0]), ADDR_A);
	assert_int_equal(erg_udp_sendto(u, ADDR_C_PEER, 9, "y", 1), 0);
	assert_int_equal(w.t.cap.n, 1);
	assert_int_equal(w.cap2.n, 1);
	assert_int_equal(arp_request_target(&w.cap2.frames[0]), ADDR_C_PEER);
	/* The answer on interface 2 releases the datagram there, from C. */
	tn_capture_clear(&w.cap2);
	n = tn_build_arp_frame(arp, mac_c, mac_gw, ERG_ARP_OP_REPLY, mac_gw,
	    ADDR_C_PEER, mac_c, ADDR_C);
	inject_on(&w.t, w.if2, arp, n, 1);
	assert_int_equal(w.cap2.n, 1);
	{
		struct erg_ipv4_repr r;

		(void)parse_frame(&w.cap2.frames[0], &r);
		assert_memory_equal(w.cap2.frames[0].data, mac_gw, 6);
		assert_memory_equal(w.cap2.frames[0].data + 6, mac_c, 6);
		assert_int_equal(r.src, ADDR_C);
		assert_int_equal(r.dst, ADDR_C_PEER);
	}
	/* The limited broadcast leaves by the first interface, unresolved. */
	tn_capture_clear(&w.t.cap);
	tn_capture_clear(&w.cap2);
	assert_int_equal(erg_udp_sendto(u, ERG_IPV4_BROADCAST, 9, "z", 1), 0);
	assert_int_equal(w.t.cap.n, 1);
	assert_memory_equal(w.t.cap.frames[0].data, mac_bcast, 6);
	/* A directed broadcast leaves by its subnet's interface. */
	assert_int_equal(
	    erg_udp_sendto(u, ERG_IPV4(198, 19, 0, 255), 9, "z", 1), 0);
	assert_int_equal(w.cap2.n, 1);
	assert_memory_equal(w.cap2.frames[0].data, mac_bcast, 6);
	{
		struct erg_ipv4_repr r;

		(void)parse_frame(&w.cap2.frames[0], &r);
		assert_int_equal(r.src, ADDR_C);
		assert_int_equal(r.dst, ERG_IPV4(198, 19, 0, 255));
	}
	erg_udp_close(u);
	/* A never answers: its ARP entry gives up and drops the datagram. */
	settle(&w.t, 1);
	assert_int_equal(tn_stat(&w.t, ERG_STAT_ARP_QUEUE_TIMEOUT), 1);
	two_if_done(&w);
}

static void
test_route_off_link_goes_to_gateway_mac_with_dst_unchanged(void **state)
{
	struct two_if w;
	struct erg_udp_sock *u;
	struct erg_ipv4_repr r;
	struct erg_udp_repr ur;
	struct erg_view pl, upl;
	uint8_t arp[64];
	size_t n;

	(void)state;
	two_if_init(&w);
	assert_int_equal(erg_ipv4_gateway_set(w.t.s, w.t.ifindex, ADDR_A), 0);
	assert_int_equal(erg_udp_open(w.t.s, NULL, NULL, &u), 0);
	assert_int_equal(erg_udp_sendto(u, ADDR_FAR, 53, "query", 5), 0);
	/* ARP asks for the gateway, never for the far address. */
	assert_int_equal(w.t.cap.n, 1);
	assert_int_equal(w.cap2.n, 0);
	assert_int_equal(arp_request_target(&w.t.cap.frames[0]), ADDR_A);
	tn_capture_clear(&w.t.cap);
	n = tn_build_arp_frame(arp, mac_b, mac_gw, ERG_ARP_OP_REPLY, mac_gw,
	    ADDR_A, mac_b, ADDR_B);
	tn_inject(&w.t, arp, n, 1);
	assert_int_equal(w.t.cap.n, 1);
	assert_memory_equal(w.t.cap.frames[0].data, mac_gw, 6);
	assert_memory_equal(w.t.cap.frames[0].data + 6, mac_b, 6);
	pl = parse_frame(&w.t.cap.frames[0], &r);
	assert_int_equal(r.src, ADDR_B);
	assert_int_equal(r.dst, ADDR_FAR);
	assert_int_equal(erg_udp_parse(&ur, &upl, pl, r.src, r.dst, NULL), 0);
	assert_int_equal(ur.dst_port, 53);
	assert_memory_equal(upl.p, "query", 5);

	/* A gateway on the second interface takes over when the first goes. */
	assert_int_equal(erg_ipv4_gateway_set(w.t.s, w.t.ifindex, ERG_IPV4_ANY),
	    0);
	assert_int_equal(erg_ipv4_gateway_set(w.t.s, w.if2, ADDR_C_PEER), 0);
	tn_capture_clear(&w.t.cap);
	assert_int_equal(erg_udp_sendto(u, ADDR_FAR, 53, "q", 1), 0);
	assert_int_equal(w.t.cap.n, 0);
	assert_int_equal(w.cap2.n, 1);
	assert_int_equal(arp_request_target(&w.cap2.frames[0]), ADDR_C_PEER);
	erg_udp_close(u);
	settle(&w.t, 1);
	two_if_done(&w);
}

static void
test_route_none_is_ehostunreach_and_counted(void **state)
{
	struct two_if w;
	struct erg_udp_sock *u, *ub;

	(void)state;
	two_if_init(&w);
	assert_int_equal(erg_udp_open(w.t.s, NULL, NULL, &u), 0);
	assert_int_equal(erg_udp_sendto(u, ADDR_FAR, 53, "q", 1),
	    -ERG_EHOSTUNREACH);
	assert_int_equal(tn_stat(&w.t, ERG_STAT_IPV4_NO_ROUTE), 1);
	/* No loopback: our own addresses are not routes either. */
	assert_int_equal(erg_udp_sendto(u, ADDR_B, 53, "q", 1),
	    -ERG_EHOSTUNREACH);
	assert_int_equal(erg_udp_sendto(u, ADDR_C, 53, "q", 1),
	    -ERG_EHOSTUNREACH);
	assert_int_equal(tn_stat(&w.t, ERG_STAT_IPV4_NO_ROUTE), 3);
	/* Through a socket bound to an address, routing fails the same. */
	assert_int_equal(erg_udp_open(w.t.s, NULL, NULL, &ub), 0);
	assert_int_equal(erg_udp_bind(ub, ADDR_B, 0), 0);
	assert_int_equal(erg_udp_sendto(ub, ADDR_FAR, 53, "q", 1),
	    -ERG_EHOSTUNREACH);
	assert_int_equal(tn_stat(&w.t, ERG_STAT_IPV4_NO_ROUTE), 4);
	assert_int_equal(erg_icmp_echo_send(w.t.s, ADDR_FAR, 1, 1, "p", 1),
	    -ERG_EHOSTUNREACH);
	assert_int_equal(tn_stat(&w.t, ERG_STAT_IPV4_NO_ROUTE), 5);
	/* Even our own gateway does not route to our own address. */
	assert_int_equal(erg_ipv4_gateway_set(w.t.s, w.t.ifindex, ADDR_A), 0);
	assert_int_equal(erg_udp_sendto(u, ADDR_C, 53, "q", 1),
	    -ERG_EHOSTUNREACH);
	assert_int_equal(tn_stat(&w.t, ERG_STAT_IPV4_NO_ROUTE), 6);
	assert_int_equal(tn_stat(&w.t, ERG_STAT_UDP_TX), 0);
	assert_int_equal(w.t.cap.n + w.cap2.n, 0);
	erg_udp_close(ub);
	erg_udp_close(u);
	two_if_done(&w);
}

static void
test_route_needs_an_addressed_interface(void **state)
{
	struct tn_stack t;
	struct erg_config cfg;
	struct erg_stack *s;
	struct erg_udp_sock *u;
	uint64_t rng = 1;
	void *arena;
	size_t len;

	(void)state;
	/* A stack with no interface at all: not even broadcast goes. */
	erg_config_default(&cfg);
	cfg.rand = tn_rand;
	cfg.rand_ctx = &rng;
	len = erg_arena_size(&cfg);
	arena = aligned_alloc(16, (len + 15) & ~(size_t)15);
	assert_non_null(arena);
	assert_int_equal(erg_stack_init(&s, arena, len, &cfg, 0), 0);
	assert_int_equal(erg_udp_open(s, NULL, NULL, &u), 0);
	assert_int_equal(erg_udp_sendto(u, ERG_IPV4_BROADCAST, 67, "d", 1),
	    -ERG_EHOSTUNREACH);
	assert_int_equal(
	    erg_icmp_echo_send(s, ERG_IPV4_BROADCAST, 1, 1, "p", 1),
	    -ERG_EHOSTUNREACH);
	assert_int_equal(erg_stat_get(s, ERG_STAT_IPV4_NO_ROUTE), 2);
	assert_int_equal(erg_ipv4_addr(s, 0), ERG_IPV4_ANY);
	erg_udp_close(u);
	assert_int_equal(erg_stack_pool_in_use(s), 0);
	free(arena);

	/* An interface without an address routes nothing but broadcast. */
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	assert_int_equal(erg_ipv4_addr_set(t.s, 0, ERG_IPV4_ANY, 0), 0);
	assert_int_equal(erg_icmp_echo_send(t.s, ADDR_A, 1, 1, "p", 1),
	    -ERG_EHOSTUNREACH);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_NO_ROUTE), 1);
	assert_int_equal(
	    erg_icmp_echo_send(t.s, ERG_IPV4_BROADCAST, 1, 1, "p", 1), 0);
	assert_int_equal(t.cap.n, 1);
	{
		struct erg_ipv4_repr r;

		(void)parse_frame(&t.cap.frames[0], &r);
		assert_int_equal(r.src, ERG_IPV4_ANY);
		assert_int_equal(r.dst, ERG_IPV4_BROADCAST);
	}
	/* Nor is anything addressed to it accepted, but broadcast. */
	tn_inject(&t, frame_icmp_echo_request, sizeof(frame_icmp_echo_request),
	    1);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_NOT_FOR_US), 1);
	tn_stack_done(&t);
}

static void
test_route_addr_set_validates_arguments(void **state)
{
	struct tn_stack t;
	struct erg_netif_config nc;
	struct tn_capture cap2;
	unsigned if2;

	(void)state;
	tn_host_b(&t, NULL);
	assert_int_equal(erg_ipv4_addr_set(t.s, 0, ADDR_B, 0), -ERG_EINVAL);
	assert_int_equal(erg_ipv4_addr_set(t.s, 0, ADDR_B, 33), -ERG_EINVAL);
	/* The subnet's network and broadcast addresses. */
	assert_int_equal(erg_ipv4_addr_set(t.s, 0, ERG_IPV4(198, 18, 0, 0), 24),
	    -ERG_EINVAL);
	assert_int_equal(erg_ipv4_addr_set(t.s, 0, NET_BCAST, 24), -ERG_EINVAL);
	assert_int_equal(
	    erg_ipv4_addr_set(t.s, 0, ERG_IPV4(10, 255, 255, 255), 8),
	    -ERG_EINVAL);
	/* Addresses that can never be a source. */
	assert_int_equal(erg_ipv4_addr_set(t.s, 0, ERG_IPV4(127, 0, 0, 1), 8),
	    -ERG_EINVAL);
	assert_int_equal(erg_ipv4_addr_set(t.s, 0, ERG_IPV4(224, 0, 0, 5), 24),
	    -ERG_EINVAL);
	assert_int_equal(erg_ipv4_addr_set(t.s, 0, ERG_IPV4(240, 0, 0, 5), 24),
	    -ERG_EINVAL);
	assert_int_equal(erg_ipv4_addr_set(t.s, 0, ERG_IPV4_BROADCAST, 32),
	    -ERG_EINVAL);
	/* No such interface. */
	assert_int_equal(erg_ipv4_addr_set(t.s, 1, ADDR_C, 24), -ERG_EINVAL);
	assert_int_equal(erg_ipv4_addr(t.s, 1), ERG_IPV4_ANY);
	/* Nothing refused changed anything, or announced anything. */
	assert_int_equal(erg_ipv4_addr(t.s, 0), ADDR_B);
	assert_int_equal(t.cap.n, 0);
	/* /31 and /32 have no network or broadcast address (RFC 3021). */
	assert_int_equal(erg_ipv4_addr_set(t.s, 0, ERG_IPV4(198, 18, 0, 0), 31),
	    0);
	assert_int_equal(
	    erg_ipv4_addr_set(t.s, 0, ERG_IPV4(198, 18, 0, 255), 32), 0);
	assert_int_equal(erg_ipv4_addr_set(t.s, 0, ADDR_B, 1), 0);
	assert_int_equal(erg_ipv4_addr_set(t.s, 0, ADDR_B, 24), 0);
	assert_int_equal(t.cap.n, 4); /* each announced */
	/* ANY clears the address. */
	assert_int_equal(erg_ipv4_addr_set(t.s, 0, ERG_IPV4_ANY, 0), 0);
	assert_int_equal(erg_ipv4_addr(t.s, 0), ERG_IPV4_ANY);
	assert_int_equal(t.cap.n, 4);
	/* A second interface starts without an address. */
	memset(&cap2, 0, sizeof(cap2));
	memset(&nc, 0, sizeof(nc));
	memcpy(nc.mac, mac_c, 6);
	nc.mtu = 1500;
	nc.ops = &tn_capture_ops;
	nc.drv = &cap2;
	assert_int_equal(erg_netif_add(t.s, &nc, &if2), 0);
	assert_int_equal(erg_ipv4_addr(t.s, if2), ERG_IPV4_ANY);
	assert_int_equal(cap2.n, 0);
	free(cap2.frames);
	tn_stack_done(&t);
}

static void
test_route_gateway_set_validates_arguments(void **state)
{
	struct two_if w;
	struct erg_udp_sock *u;

	(void)state;
	two_if_init(&w);
	/* Off-link for its interface, even if on-link elsewhere. */
	assert_int_equal(erg_ipv4_gateway_set(w.t.s, 0, ADDR_C_PEER),
	    -ERG_EINVAL);
	assert_int_equal(erg_ipv4_gateway_set(w.t.s, 0, ADDR_FAR), -ERG_EINVAL);
	/* Our own address, the subnet broadcast, a bad interface. */
	assert_int_equal(erg_ipv4_gateway_set(w.t.s, 0, ADDR_B), -ERG_EINVAL);
	assert_int_equal(erg_ipv4_gateway_set(w.t.s, 0, NET_BCAST),
	    -ERG_EINVAL);
	assert_int_equal(erg_ipv4_gateway_set(w.t.s, 2, ADDR_A), -ERG_EINVAL);
	assert_int_equal(erg_ipv4_gateway_set(w.t.s, 2, ERG_IPV4_ANY),
	    -ERG_EINVAL);
	assert_int_equal(erg_ipv4_addr_set(w.t.s, 2, ADDR_A, 24), -ERG_EINVAL);
	assert_int_equal(erg_udp_open(w.t.s, NULL, NULL, &u), 0);
	assert_int_equal(erg_udp_sendto(u, ADDR_FAR, 53, "q", 1),
	    -ERG_EHOSTUNREACH);
	/* A new address that keeps the gateway on-link keeps it... */
	assert_int_equal(erg_ipv4_gateway_set(w.t.s, 0, ADDR_A), 0);
	assert_int_equal(erg_ipv4_addr_set(w.t.s, 0, ADDR_OTHER, 24), 0);
	assert_int_equal(erg_udp_sendto(u, ADDR_FAR, 53, "q", 1), 0);
	settle(&w.t, 0);
	assert_int_equal(erg_ipv4_addr_set(w.t.s, 0, ADDR_B, 30), 0);
	assert_int_equal(erg_udp_sendto(u, ADDR_FAR, 53, "q", 1), 0);
	settle(&w.t, 10 * SEC);
	/* ...one that puts it off-link drops it. */
	assert_int_equal(
	    erg_ipv4_addr_set(w.t.s, 0, ERG_IPV4(198, 18, 9, 9), 24), 0);
	assert_int_equal(erg_udp_sendto(u, ADDR_FAR, 53, "q", 1),
	    -ERG_EHOSTUNREACH);
	/* Clearing the address clears the gateway, which then can't be set. */
	assert_int_equal(erg_ipv4_addr_set(w.t.s, 0, ADDR_B, 24), 0);
	assert_int_equal(erg_ipv4_gateway_set(w.t.s, 0, ADDR_A), 0);
	assert_int_equal(erg_ipv4_addr_set(w.t.s, 0, ERG_IPV4_ANY, 0), 0);
	assert_int_equal(erg_ipv4_gateway_set(w.t.s, 0, ADDR_A), -ERG_EINVAL);
	assert_int_equal(erg_ipv4_addr_set(w.t.s, 0, ADDR_B, 24), 0);
	assert_int_equal(erg_udp_sendto(u, ADDR_FAR, 53, "q", 1),
	    -ERG_EHOSTUNREACH);
	erg_udp_close(u);
	two_if_done(&w);
}

/*
 * Regression (review): a source equal to ANOTHER interface's subnet
 * broadcast passed, and the echo reply went out as an Ethernet broadcast
 * on that interface (a smurf reflector). RFC 1122 3.2.1.3: no broadcast
 * source of any form.
 */
static void
test_ipv4_src_other_interface_broadcast_is_bad_src(void **state)
{
	struct two_if w;
	uint8_t f[128];
	size_t n;

	(void)state;
	two_if_init(&w);
	tn_learn_a(&w.t, 0);
	n = tn_build_ping_frame(f, mac_b, mac_a, ERG_IPV4(198, 19, 0, 255),
	    ADDR_B, 1, 1, "x", 1);
	tn_inject(&w.t, f, n, 1);
	assert_int_equal(tn_stat(&w.t, ERG_STAT_IPV4_BAD_SRC), 1);
	assert_int_equal(tn_stat(&w.t, ERG_STAT_ICMP_RX), 0);
	assert_int_equal(w.t.cap.n, 0);
	assert_int_equal(w.cap2.n, 0);
	two_if_done(&w);
}

/*
 * Regression (review): two spoofed first fragments held both default
 * slots for the whole 30 s timeout. A slot idle for a second now yields
 * to a new datagram (ipv4.frag_evicted); a slot still receiving does not.
 */
static void
test_reasm_idle_slot_yields_to_new_datagram(void **state)
{
	struct tn_stack t;

	(void)state;
	tn_host_b(&t, NULL); /* 2 slots */
	tn_learn_a(&t, 0);
	inject_frag(&t, 1, 0, true, 8, 1);
	inject_frag(&t, 2, 0, true, 8, 1);
	/* Half a second later both are busy and recent: no room. */
	inject_frag(&t, 3, 0, true, 8, SEC / 2);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_NO_SLOT), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_EVICTED), 0);
	/* Datagram 2 keeps receiving; datagram 1 stalls. */
	inject_frag(&t, 2, 8, true, 8, SEC);
	inject_frag(&t, 4, 0, true, 8, SEC + 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_EVICTED), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_NO_SLOT), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_IN_USE), 2);
	/* Datagram 2 survived: its last fragment completes it. */
	inject_frag(&t, 2, 16, false, 8, SEC + 2);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_OK), 1);
	erg_stack_poll(t.s, 40 * SEC);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_REASM_IN_USE), 0);
	tn_stack_done(&t);
}

/*
 * Regression (review): pkt->l3 was 16 bits, so a lent packet whose
 * window starts past 65535 quoted the wrong bytes in ICMP errors.
 */
static void
test_lent_packet_past_64k_quotes_its_own_header(void **state)
{
	enum {
		HEAD = 70000
	};
	struct tn_stack t;
	struct erg_pkt pkt;
	struct erg_icmp_repr r;
	struct erg_view pl;
	uint8_t *ring = tn_xmalloc(HEAD + 2048);
	size_t n;

	(void)state;
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	memset(ring, 'S', HEAD + 2048);
	n = tn_build_udp_frame(ring + HEAD, mac_b, mac_a, ADDR_A, ADDR_B, 40000,
	    9, "hi", 2);
	erg_pkt_lend(&pkt, ring, HEAD + 2048, HEAD, (uint32_t)n, NULL, NULL);
	erg_netif_input(t.s, 0, &pkt, 1);
	assert_int_equal(t.cap.n, 1);
	assert_int_equal(erg_icmp_parse(&r, &pl,
	                     erg_view_make(t.cap.frames[0].data + 34,
	                         t.cap.frames[0].len - 34),
	                     NULL),
	    0);
	assert_int_equal(r.type, ERG_ICMP_DEST_UNREACH);
	/* The quote is the datagram's own IP header and UDP datagram. */
	assert_memory_equal(pl.p, ring + HEAD + 14, n - 14);
	free(ring);
	tn_stack_done(&t);
}

/* A lent window outside its buffer is refused, never read. */
static void
test_lent_packet_window_outside_buffer_is_refused(void **state)
{
	struct tn_stack t;
	struct erg_pkt pkt;
	uint8_t buf[64];

	(void)state;
	tn_host_b(&t, NULL);
	memset(buf, 0, sizeof(buf));
	erg_pkt_lend(&pkt, buf, sizeof(buf), 60, 14, NULL, NULL);
	erg_netif_input(t.s, 0, &pkt, 1);
	erg_pkt_lend(&pkt, buf, sizeof(buf), 65, 0, NULL, NULL);
	erg_netif_input(t.s, 0, &pkt, 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_NETIF_BAD_PKT), 2);
	assert_int_equal(tn_stat(&t, ERG_STAT_ETHER_RUNT), 0);
	tn_stack_done(&t);
}

/*
 * RFC 1122 3.2.1.3: 0.0.0.0, loopback and class E never leave a host,
 * and multicast has no Ethernet mapping yet: refused, nothing sent.
 */
static void
test_ipv4_output_refuses_invalid_destinations(void **state)
{
	static const uint32_t bad[] = { ERG_IPV4(127, 0, 0, 1),
		ERG_IPV4(224, 0, 0, 1), ERG_IPV4(240, 0, 0, 1), 0 };
	struct tn_stack t;
	size_t i;

	(void)state;
	tn_host_b(&t, NULL);
	assert_int_equal(erg_ipv4_gateway_set(t.s, 0, ADDR_A), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(erg_icmp_echo_send(t.s, bad[i], 1, 1, "x", 1),
		    -ERG_EINVAL);
	}
	assert_int_equal(t.cap.n, 0);
	tn_stack_done(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_parse_captured_headers_exact),
		cmocka_unit_test(
		    test_ipv4_emit_writes_exactly_20_bytes_with_checksum),
		cmocka_unit_test(
		    test_ipv4_parse_emit_round_trip_is_byte_identical),
		cmocka_unit_test(test_ipv4_parse_refuses_every_truncation),
		cmocka_unit_test(test_ipv4_parse_refuses_bad_version),
		cmocka_unit_test(test_ipv4_parse_refuses_ihl_below_5),
		cmocka_unit_test(test_ipv4_parse_refuses_ihl_beyond_buffer),
		cmocka_unit_test(test_ipv4_parse_refuses_bad_checksum),
		cmocka_unit_test(test_ipv4_parse_refuses_total_len_below_ihl),
		cmocka_unit_test(
		    test_ipv4_parse_refuses_total_len_beyond_buffer),
		cmocka_unit_test(
		    test_ipv4_parse_trims_link_padding_to_total_len),
		cmocka_unit_test(test_ipv4_parse_checks_every_option),
		cmocka_unit_test(test_ipv4_parse_accepts_ihl_15_with_40_nops),
		cmocka_unit_test(test_ipv4_input_drops_bad_sources),
		cmocka_unit_test(test_ipv4_input_drops_datagrams_not_for_us),
		cmocka_unit_test(
		    test_ipv4_input_accepts_limited_and_subnet_broadcast),
		cmocka_unit_test(
		    test_ipv4_unknown_protocol_gets_protocol_unreachable),
		cmocka_unit_test(
		    test_ipv4_unknown_protocol_to_broadcast_is_not_answered),
		cmocka_unit_test(test_ipv4_input_ignores_link_padding),
		cmocka_unit_test(
		    test_ipv4_input_counts_parse_failures_by_reason),
		cmocka_unit_test(
		    test_ipv4_input_accepts_options_and_delivers_payload),
		cmocka_unit_test(
		    test_reasm_captured_fragments_any_order_give_one_reply),
		cmocka_unit_test(
		    test_reasm_duplicate_fragments_are_dropped_alone),
		cmocka_unit_test(
		    test_reasm_small_ping_is_answered_in_place_and_frees_slot),
		cmocka_unit_test(
		    test_reasm_partial_overlap_drops_whole_datagram),
		cmocka_unit_test(
		    test_reasm_overlap_with_any_existing_block_is_refused),
		cmocka_unit_test(
		    test_reasm_key_is_source_destination_id_and_protocol),
		cmocka_unit_test(
		    test_reasm_offset_plus_length_beyond_65535_is_dropped),
		cmocka_unit_test(
		    test_reasm_long_first_header_past_65535_is_dropped),
		cmocka_unit_test(
		    test_reasm_non_final_fragment_not_multiple_of_8_is_bad),
		cmocka_unit_test(
		    test_reasm_conflicting_last_fragments_drop_datagram),
		cmocka_unit_test(
		    test_reasm_more_datagrams_than_slots_is_no_slot),
		cmocka_unit_test(test_reasm_idle_slot_yields_to_new_datagram),
		cmocka_unit_test(
		    test_ipv4_src_other_interface_broadcast_is_bad_src),
		cmocka_unit_test(
		    test_lent_packet_past_64k_quotes_its_own_header),
		cmocka_unit_test(
		    test_lent_packet_window_outside_buffer_is_refused),
		cmocka_unit_test(test_ipv4_output_refuses_invalid_destinations),
		cmocka_unit_test(
		    test_reasm_timeout_sends_time_exceeded_quoting_first),
		cmocka_unit_test(
		    test_reasm_timeout_without_first_fragment_is_silent),
		cmocka_unit_test(
		    test_reasm_timeout_of_broadcast_datagram_is_silent),
		cmocka_unit_test(
		    test_reasm_udp_datagram_held_by_app_keeps_slot),
		cmocka_unit_test(test_reasm_flood_of_tiny_fragments_is_bounded),
		cmocka_unit_test(test_frag_udp_4000_bytes_reassembles_at_peer),
		cmocka_unit_test(test_frag_udp_65507_bytes_reassembles_at_peer),
		cmocka_unit_test(test_frag_udp_65508_bytes_is_emsgsize),
		cmocka_unit_test(
		    test_frag_fragments_wait_for_arp_then_leave_in_order),
		cmocka_unit_test(
		    test_frag_pool_exhaustion_mid_datagram_is_enomem),
		cmocka_unit_test(test_frag_route_mtu_sets_fragment_size),
		cmocka_unit_test(
		    test_route_on_link_traffic_leaves_by_its_interface),
		cmocka_unit_test(
		    test_route_off_link_goes_to_gateway_mac_with_dst_unchanged),
		cmocka_unit_test(test_route_none_is_ehostunreach_and_counted),
		cmocka_unit_test(test_route_needs_an_addressed_interface),
		cmocka_unit_test(test_route_addr_set_validates_arguments),
		cmocka_unit_test(test_route_gateway_set_validates_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
