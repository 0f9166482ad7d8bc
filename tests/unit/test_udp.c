/*
 * tests/unit/test_udp.c: UDP wire format and sockets (RFC 768, RFC 1122
 * 4.1, RFC 6056 ephemeral ports).
 *
 * Wire tests use frame_udp_small, captured from Linux (198.18.0.1:40000
 * -> 198.18.0.2:7, "hello\n"; tests/vectors/frames.h). Socket tests drive
 * a tn_stack playing host B (198.18.0.2/24), or host A where the capture
 * lets a whole frame be compared byte for byte. TESTING.md class 10: the
 * checksum is computed over the UDP length field, not the buffer.
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

#define ADDR_A     ERG_IPV4(198, 18, 0, 1)
#define ADDR_B     ERG_IPV4(198, 18, 0, 2)
#define ADDR_OTHER ERG_IPV4(198, 18, 0, 5)
#define NET_BCAST  ERG_IPV4(198, 18, 0, 255)
#define ADDR_C     ERG_IPV4(198, 19, 0, 2) /* B's second interface */
#define ADDR_FAR   ERG_IPV4(203, 0, 113, 9)

#define SEC 1000000ull /* microseconds */

static const uint8_t mac_a[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t mac_b[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
static const uint8_t mac_c[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x03 };
static const uint8_t mac_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* The captured datagram's UDP part (after Ethernet and IPv4). */
#define UDP_SMALL     (frame_udp_small + 34)
#define UDP_SMALL_LEN (sizeof(frame_udp_small) - 34)

/* ---- Helpers ------------------------------------------------------------- */

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

static struct erg_view
parse_frame(const struct tn_frame *f, struct erg_ipv4_repr *r)
{
	struct erg_view pl;

	assert_true(f->len >= ERG_ETHER_HDR_LEN);
	assert_int_equal(erg_be16(f->data + 12), ERG_ETHERTYPE_IPV4);
	assert_int_equal(erg_ipv4_parse(r, &pl,
	                     erg_view_make(f->data + 14, f->len - 14), NULL),
	    0);
	return pl;
}

/* A UDP datagram from src_ip:sport to dst_ip:dport, sent to t. */
static void
inject_udp(struct tn_stack *t, const uint8_t dst_mac[6], uint32_t src_ip,
    uint32_t dst_ip, uint16_t sport, uint16_t dport, const void *data,
    size_t len, uint64_t now)
{
	uint8_t *f = malloc(42 + len);
	size_t n;

	assert_non_null(f);
	n = tn_build_udp_frame(f, dst_mac, mac_a, src_ip, dst_ip, sport, dport,
	    data, len);
	tn_inject(t, f, n, now);
	free(f);
}

static void
inject_udp_from_a(struct tn_stack *t, uint16_t sport, uint16_t dport,
    const void *data, size_t len)
{
	inject_udp(t, mac_b, ADDR_A, ADDR_B, sport, dport, data, len, 1);
}

struct ev_rec {
	unsigned calls;
	unsigned readable;
	unsigned error;
	bool close_on_read;
};

static void
ev_cb(struct erg_udp_sock *u, unsigned events, void *ctx)
{
	struct ev_rec *e = ctx;

	e->calls++;
	if (events & ERG_EV_READABLE) {
		e->readable++;
	}
	if (events & ERG_EV_ERROR) {
		e->error++;
	}
	if (e->close_on_read && (events & ERG_EV_READABLE)) {
		erg_udp_close(u);
	}
}

static struct erg_udp_sock *
open_bound(struct tn_stack *t, uint32_t addr, uint16_t port)
{
	struct erg_udp_sock *u;

	assert_int_equal(erg_udp_open(t->s, NULL, NULL, &u), 0);
	assert_int_equal(erg_udp_bind(u, addr, port), 0);
	return u;
}

/* The checksum by the book: RFC 1071's plain loop over a pseudo-header. */
static uint16_t
ref_udp_cksum(uint32_t src, uint32_t dst, const uint8_t *udp, size_t len)
{
	uint8_t *b = malloc(12 + len);
	uint16_t ck;

	assert_non_null(b);
	erg_put_be32(b, src);
	erg_put_be32(b + 4, dst);
	b[8] = 0;
	b[9] = ERG_IP_PROTO_UDP;
	erg_put_be16(b + 10, (uint16_t)len);
	memcpy(b + 12, udp, len);
	b[12 + 6] = 0;
	b[12 + 7] = 0;
	ck = erg_cksum_ref(b, 12 + len);
	free(b);
	return ck == 0 ? 0xffff : ck;
}

/* ---- Wire ---------------------------------------------------------------- */

static void
test_udp_parse_captured_datagram(void **state)
{
	struct erg_udp_repr r;
	struct erg_view pl;
	enum erg_stat why = ERG_STAT_COUNT;

	(void)state;
	assert_int_equal(erg_udp_parse(&r, &pl,
	                     erg_view_make(UDP_SMALL, UDP_SMALL_LEN), ADDR_A,
	                     ADDR_B, &why),
	    0);
	assert_int_equal(why, ERG_STAT_COUNT);
	assert_int_equal(r.src_port, 40000);
	assert_int_equal(r.dst_port, 7);
	assert_int_equal(r.len, 14);
	assert_int_equal(r.checksum, 0x9386);
	assert_ptr_equal(pl.p, UDP_SMALL + 8);
	assert_int_equal(pl.len, 6);
	assert_memory_equal(pl.p, "hello\n", 6);
	assert_int_equal(ref_udp_cksum(ADDR_A, ADDR_B, UDP_SMALL, 14), 0x9386);
}

static void
test_udp_parse_accepts_zero_checksum(void **state)
{
	uint8_t d[UDP_SMALL_LEN];
	struct erg_udp_repr r;
	struct erg_view pl;

	(void)state;
	/* RFC 768: zero means the sender computed none. */
	memcpy(d, UDP_SMALL, sizeof(d));
	d[6] = 0;
	d[7] = 0;
	assert_int_equal(erg_udp_parse(&r, &pl, erg_view_make(d, sizeof(d)),
	                     ADDR_A, ADDR_B, NULL),
	    0);
	assert_int_equal(r.checksum, 0);
	assert_int_equal(pl.len, 6);
	/* ...so nothing is verified, not even the addresses. */
	assert_int_equal(erg_udp_parse(&r, &pl, erg_view_make(d, sizeof(d)),
	                     ADDR_OTHER, ADDR_FAR, NULL),
	    0);
}

static void
expect_udp(const uint8_t *p, size_t len, uint32_t src, uint32_t dst, int rc,
    enum erg_stat want)
{
	struct erg_udp_repr r;
	struct erg_view pl;
	enum erg_stat why = ERG_STAT_COUNT;

	assert_int_equal(
	    erg_udp_parse(&r, &pl, erg_view_make(p, len), src, dst, &why), rc);
	assert_int_equal(why, want);
	assert_int_equal(
	    erg_udp_parse(&r, &pl, erg_view_make(p, len), src, dst, NULL), rc);
}

static void
test_udp_parse_refuses_wrong_checksum(void **state)
{
	uint8_t d[UDP_SMALL_LEN];
	size_t i;

	(void)state;
	/* Any bit of header or payload. */
	for (i = 0; i < sizeof(d); i++) {
		if (i == 4 || i == 5) {
			continue; /* the length: a different error */
		}
		memcpy(d, UDP_SMALL, sizeof(d));
		d[i] ^= 0x10;
		expect_udp(d, sizeof(d), ADDR_A, ADDR_B, -ERG_ECHECKSUM,
		    ERG_STAT_UDP_BAD_CHECKSUM);
	}
	/* The pseudo-header's addresses are covered too. */
	expect_udp(UDP_SMALL, UDP_SMALL_LEN, ADDR_OTHER, ADDR_B, -ERG_ECHECKSUM,
	    ERG_STAT_UDP_BAD_CHECKSUM);
	expect_udp(UDP_SMALL, UDP_SMALL_LEN, ADDR_A, ADDR_OTHER, -ERG_ECHECKSUM,
	    ERG_STAT_UDP_BAD_CHECKSUM);
	expect_udp(UDP_SMALL, UDP_SMALL_LEN, ADDR_B, ADDR_A, 0,
	    ERG_STAT_COUNT); /* the sum is symmetric in src and dst */
}

static void
test_udp_parse_refuses_bad_length_field(void **state)
{
	uint8_t d[UDP_SMALL_LEN + 4];
	uint32_t ulen;

	(void)state;
	for (ulen = 0; ulen < 8; ulen++) {
		memcpy(d, UDP_SMALL, UDP_SMALL_LEN);
		erg_put_be16(d + 4, (uint16_t)ulen);
		expect_udp(d, UDP_SMALL_LEN, ADDR_A, ADDR_B, -ERG_EMALFORMED,
		    ERG_STAT_UDP_BAD_LEN);
	}
	/* Class 8: longer than what is there, by one and by a lot. */
	memcpy(d, UDP_SMALL, UDP_SMALL_LEN);
	erg_put_be16(d + 4, 15);
	expect_udp(d, UDP_SMALL_LEN, ADDR_A, ADDR_B, -ERG_EMALFORMED,
	    ERG_STAT_UDP_BAD_LEN);
	erg_put_be16(d + 4, 65535);
	expect_udp(d, UDP_SMALL_LEN, ADDR_A, ADDR_B, -ERG_EMALFORMED,
	    ERG_STAT_UDP_BAD_LEN);
	/* Every truncation past the header claims more than it holds. */
	for (ulen = 8; ulen < UDP_SMALL_LEN; ulen++) {
		expect_udp(UDP_SMALL, ulen, ADDR_A, ADDR_B, -ERG_EMALFORMED,
		    ERG_STAT_UDP_BAD_LEN);
	}
}

static void
test_udp_parse_refuses_truncated_header(void **state)
{
	size_t n;

	(void)state;
	for (n = 0; n < ERG_UDP_HDR_LEN; n++) {
		expect_udp(UDP_SMALL, n, ADDR_A, ADDR_B, -ERG_ETRUNC,
		    ERG_STAT_UDP_TRUNCATED);
	}
}

static void
test_udp_checksum_covers_length_field_not_buffer(void **state)
{
	uint8_t d[64];
	struct erg_udp_repr r;
	struct erg_view pl, v;
	size_t i;

	(void)state;
	/* Class 10: garbage after the datagram is not summed... */
	memcpy(d, UDP_SMALL, UDP_SMALL_LEN);
	for (i = UDP_SMALL_LEN; i < sizeof(d); i++) {
		d[i] = (uint8_t)(0x5a + i);
	}
	assert_int_equal(erg_udp_parse(&r, &pl, erg_view_make(d, sizeof(d)),
	                     ADDR_A, ADDR_B, NULL),
	    0);
	assert_int_equal(pl.len, 6);
	/* ...and a shorter length field is what the checksum covers. */
	r.src_port = 40000;
	r.dst_port = 7;
	r.len = 10;
	r.checksum = 0;
	v = erg_view_make("he", 2);
	erg_udp_emit(&r, ADDR_A, ADDR_B, &v, 1, d);
	memcpy(d + 8, "hello\n", 6); /* "llo\n" is beyond the length */
	assert_int_equal(
	    erg_udp_parse(&r, &pl, erg_view_make(d, 14), ADDR_A, ADDR_B, NULL),
	    0);
	assert_int_equal(r.len, 10);
	assert_int_equal(pl.len, 2);
	assert_memory_equal(pl.p, "he", 2);
}

static void
test_udp_emit_into_a5_buffer_matches_capture(void **state)
{
	struct erg_udp_repr r;
	struct erg_view v[3];
	uint8_t hdr[16];
	size_t i;

	(void)state;
	r.src_port = 40000;
	r.dst_port = 7;
	r.len = 14;
	r.checksum = 0x1234; /* ignored */
	v[0] = erg_view_make("hello\n", 6);
	memset(hdr, 0xa5, sizeof(hdr));
	erg_udp_emit(&r, ADDR_A, ADDR_B, v, 1, hdr);
	assert_memory_equal(hdr, UDP_SMALL, 8);
	for (i = 8; i < sizeof(hdr); i++) {
		assert_int_equal(hdr[i], 0xa5);
	}
	/* The payload in pieces at odd offsets sums the same. */
	v[0] = erg_view_make("h", 1);
	v[1] = erg_view_make("ell", 3);
	v[2] = erg_view_make("o\n", 2);
	memset(hdr, 0xa5, sizeof(hdr));
	erg_udp_emit(&r, ADDR_A, ADDR_B, v, 3, hdr);
	assert_memory_equal(hdr, UDP_SMALL, 8);
	assert_int_equal(hdr[8], 0xa5);
}

/*
 * A 6-byte payload whose first word makes the one's complement sum of
 * the datagram (pseudo-header included) 0xffff, so that the computed
 * checksum is 0: that word is the checksum of the datagram without it.
 */
static void
zero_sum_payload(uint8_t p[6], uint32_t src, uint32_t dst, uint16_t sport,
    uint16_t dport)
{
	struct erg_udp_repr r;
	struct erg_view v = erg_view_make(p, 6);
	uint8_t hdr[8];

	memcpy(p, "\0\0abcd", 6);
	r.src_port = sport;
	r.dst_port = dport;
	r.len = 14;
	r.checksum = 0;
	erg_udp_emit(&r, src, dst, &v, 1, hdr);
	memcpy(p, hdr + 6, 2);
}

static void
test_udp_emit_sends_computed_zero_as_ffff(void **state)
{
	struct erg_udp_repr r;
	struct erg_view v, pl;
	struct erg_cksum c;
	uint8_t p[6], d[14];

	(void)state;
	zero_sum_payload(p, ADDR_A, ADDR_B, 40000, 7);
	/* The sum really is 0xffff: the true checksum is 0. */
	memset(d, 0, 8);
	erg_put_be16(d, 40000);
	erg_put_be16(d + 2, 7);
	erg_put_be16(d + 4, 14);
	memcpy(d + 8, p, 6);
	erg_cksum_init(&c);
	erg_cksum_add_pseudo(&c, ADDR_A, ADDR_B, ERG_IP_PROTO_UDP, 14);
	erg_cksum_add(&c, d, sizeof(d));
	assert_int_equal(erg_cksum_finish(&c), 0);
	/* RFC 768: it is sent as all ones, since 0 means "none". */
	r.src_port = 40000;
	r.dst_port = 7;
	r.len = 14;
	v = erg_view_make(p, 6);
	memset(d, 0xa5, 8);
	erg_udp_emit(&r, ADDR_A, ADDR_B, &v, 1, d);
	assert_int_equal(erg_be16(d + 6), 0xffff);
	assert_int_equal(erg_be16(d + 4), 14);
	/* And 0xffff verifies (-0 and +0 are the same sum). */
	assert_int_equal(
	    erg_udp_parse(&r, &pl, erg_view_make(d, 14), ADDR_A, ADDR_B, NULL),
	    0);
	assert_int_equal(r.checksum, 0xffff);
}

static void
test_udp_sendto_sends_computed_zero_as_ffff(void **state)
{
	struct tn_stack t;
	struct erg_udp_sock *u;
	struct erg_ipv4_repr r;
	struct erg_view pl;
	uint8_t p[6];

	(void)state;
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	u = open_bound(&t, ERG_IPV4_ANY, 5555);
	zero_sum_payload(p, ADDR_B, ADDR_A, 5555, 9);
	assert_int_equal(erg_udp_sendto(u, ADDR_A, 9, p, 6), 0);
	assert_int_equal(t.cap.n, 1);
	pl = parse_frame(&t.cap.frames[0], &r);
	assert_int_equal(erg_be16(pl.p + 6), 0xffff);
	erg_udp_close(u);
	tn_stack_done(&t);
}

/* ---- Sockets: binding ---------------------------------------------------- */

static void
test_udp_ephemeral_ports_are_in_range_and_distinct(void **state)
{
	enum {
		N = 16
	};
	struct tn_stack t;
	struct erg_udp_sock *u[N];
	uint16_t ports[N];
	unsigned i, j;

	(void)state;
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	for (i = 0; i < N; i++) {
		assert_int_equal(erg_udp_open(t.s, NULL, NULL, &u[i]), 0);
		assert_int_equal(erg_udp_local_port(u[i]), 0);
		/* Bind, connect and sendto each pick one when unbound. */
		if (i % 3 == 0) {
			assert_int_equal(erg_udp_bind(u[i], ERG_IPV4_ANY, 0),
			    0);
		} else if (i % 3 == 1) {
			assert_int_equal(erg_udp_connect(u[i], ADDR_A, 53), 0);
		} else {
			assert_int_equal(
			    erg_udp_sendto(u[i], ADDR_A, 53, "q", 1), 0);
		}
		ports[i] = erg_udp_local_port(u[i]);
		assert_true(ports[i] >= ERG_UDP_EPHEMERAL_MIN);
		for (j = 0; j < i; j++) {
			assert_int_not_equal(ports[i], ports[j]);
		}
	}
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_SOCKS_IN_USE), N);
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_SOCKS_HIGH_WATER), N);
	/* Randomised (RFC 6056): not simply the first ports in the range. */
	for (i = 0; i < N; i++) {
		if (ports[i] >= ERG_UDP_EPHEMERAL_MIN + N) {
			break;
		}
	}
	assert_true(i < N);
	for (i = 0; i < N; i++) {
		erg_udp_close(u[i]);
	}
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_SOCKS_IN_USE), 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_SOCKS_HIGH_WATER), N);
	tn_stack_done(&t);
}

static void
test_udp_ephemeral_range_exhausted_is_eaddrinuse(void **state)
{
	enum {
		N = ERG_UDP_EPHEMERAL_MAX - ERG_UDP_EPHEMERAL_MIN + 1
	};
	struct tn_stack t;
	struct erg_config cfg;
	struct erg_udp_sock **u = malloc((N + 1) * sizeof(*u));
	uint32_t p;

	(void)state;
	assert_non_null(u);
	erg_config_default(&cfg);
	cfg.udp_socks = N + 1;
	tn_host_b(&t, &cfg);
	for (p = 0; p < N; p++) {
		assert_int_equal(erg_udp_open(t.s, NULL, NULL, &u[p]), 0);
		assert_int_equal(erg_udp_bind(u[p], ERG_IPV4_ANY,
		                     (uint16_t)(ERG_UDP_EPHEMERAL_MIN + p)),
		    0);
	}
	assert_int_equal(erg_udp_open(t.s, NULL, NULL, &u[N]), 0);
	assert_int_equal(erg_udp_bind(u[N], ERG_IPV4_ANY, 0), -ERG_EADDRINUSE);
	assert_int_equal(erg_udp_connect(u[N], ADDR_A, 53), -ERG_EADDRINUSE);
	assert_int_equal(erg_udp_sendto(u[N], ADDR_A, 53, "q", 1),
	    -ERG_EADDRINUSE);
	assert_int_equal(erg_udp_local_port(u[N]), 0);
	/* A fixed port below the range still binds. */
	assert_int_equal(erg_udp_bind(u[N], ERG_IPV4_ANY, 1024), 0);
	/* One freed port is found wherever the random start falls. */
	erg_udp_close(u[1000]);
	assert_int_equal(erg_udp_open(t.s, NULL, NULL, &u[1000]), 0);
	assert_int_equal(erg_udp_bind(u[1000], ERG_IPV4_ANY, 0), 0);
	assert_int_equal(erg_udp_local_port(u[1000]),
	    ERG_UDP_EPHEMERAL_MIN + 1000);
	assert_int_equal(t.cap.n, 0);
	for (p = 0; p <= N; p++) {
		erg_udp_close(u[p]);
	}
	free(u);
	tn_stack_done(&t);
}

static void
test_udp_bind_overlap_is_eaddrinuse(void **state)
{
	struct tn_stack t;
	struct erg_udp_sock *a, *b;

	(void)state;
	tn_host_b(&t, NULL);
	assert_int_equal(erg_udp_open(t.s, NULL, NULL, &b), 0);
	/* ANY then ANY, ANY then specific. */
	a = open_bound(&t, ERG_IPV4_ANY, 5000);
	assert_int_equal(erg_udp_bind(b, ERG_IPV4_ANY, 5000), -ERG_EADDRINUSE);
	assert_int_equal(erg_udp_bind(b, ADDR_B, 5000), -ERG_EADDRINUSE);
	assert_int_equal(erg_udp_bind(b, ERG_IPV4_BROADCAST, 5000),
	    -ERG_EADDRINUSE);
	erg_udp_close(a);
	/* Specific then ANY, specific then the same. */
	a = open_bound(&t, ADDR_B, 5000);
	assert_int_equal(erg_udp_bind(b, ERG_IPV4_ANY, 5000), -ERG_EADDRINUSE);
	assert_int_equal(erg_udp_bind(b, ADDR_B, 5000), -ERG_EADDRINUSE);
	assert_int_equal(erg_udp_local_port(b), 0);
	/* Another port, even in the same hash bucket, is free. */
	assert_int_equal(erg_udp_bind(b, ADDR_B, 5000 + 64), 0);
	erg_udp_close(b);
	/* A specific address and the broadcast address don't overlap. */
	b = open_bound(&t, ERG_IPV4_BROADCAST, 5000);
	erg_udp_close(b);
	/* Closing frees the port. */
	erg_udp_close(a);
	a = open_bound(&t, ERG_IPV4_ANY, 5000);
	erg_udp_close(a);
	tn_stack_done(&t);
}

static void
test_udp_bind_validates_address_and_state(void **state)
{
	struct tn_stack t;
	struct erg_udp_sock *u;

	(void)state;
	tn_host_b(&t, NULL);
	assert_int_equal(erg_udp_open(t.s, NULL, NULL, &u), 0);
	/* Not one of ours. */
	assert_int_equal(erg_udp_bind(u, ADDR_A, 5000), -ERG_EINVAL);
	assert_int_equal(erg_udp_bind(u, NET_BCAST, 5000), -ERG_EINVAL);
	assert_int_equal(erg_udp_bind(u, ERG_IPV4(224, 0, 0, 1), 5000),
	    -ERG_EINVAL);
	assert_int_equal(erg_udp_local_port(u), 0);
	assert_int_equal(erg_udp_bind(u, ADDR_B, 5000), 0);
	assert_int_equal(erg_udp_local_port(u), 5000);
	/* Once bound, always bound. */
	assert_int_equal(erg_udp_bind(u, ADDR_B, 5001), -ERG_ESTATE);
	assert_int_equal(erg_udp_bind(u, ERG_IPV4_ANY, 0), -ERG_ESTATE);
	assert_int_equal(erg_udp_local_port(u), 5000);
	erg_udp_close(u);
	tn_stack_done(&t);
}

static void
test_udp_connect_validates_and_binds(void **state)
{
	struct tn_stack t;
	struct erg_udp_sock *u;
	struct erg_ipv4_repr r;
	struct erg_view pl;

	(void)state;
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	assert_int_equal(erg_udp_open(t.s, NULL, NULL, &u), 0);
	assert_int_equal(erg_udp_connect(u, ERG_IPV4_ANY, 53), -ERG_EINVAL);
	assert_int_equal(erg_udp_connect(u, ADDR_A, 0), -ERG_EINVAL);
	assert_int_equal(erg_udp_local_port(u), 0);
	assert_int_equal(erg_udp_send(u, "x", 1), -ERG_ENOTCONN);
	assert_int_equal(erg_udp_connect(u, ADDR_A, 53), 0);
	assert_true(erg_udp_local_port(u) >= ERG_UDP_EPHEMERAL_MIN);
	assert_int_equal(erg_udp_send(u, "abc", 3), 0);
	assert_int_equal(t.cap.n, 1);
	pl = parse_frame(&t.cap.frames[0], &r);
	assert_int_equal(r.dst, ADDR_A);
	assert_int_equal(erg_be16(pl.p), erg_udp_local_port(u));
	assert_int_equal(erg_be16(pl.p + 2), 53);
	/* Reconnecting keeps the local port. */
	{
		uint16_t lp = erg_udp_local_port(u);

		assert_int_equal(erg_udp_connect(u, ADDR_A, 54), 0);
		assert_int_equal(erg_udp_local_port(u), lp);
		assert_int_equal(erg_udp_send(u, "abc", 3), 0);
		pl = parse_frame(&t.cap.frames[1], &r);
		assert_int_equal(erg_be16(pl.p + 2), 54);
	}
	erg_udp_close(u);
	tn_stack_done(&t);
}

static void
test_udp_send_without_connect_is_enotconn(void **state)
{
	struct tn_stack t;
	struct erg_udp_sock *u;

	(void)state;
	tn_host_b(&t, NULL);
	u = open_bound(&t, ERG_IPV4_ANY, 5000);
	assert_int_equal(erg_udp_send(u, "x", 1), -ERG_ENOTCONN);
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_TX), 0);
	assert_int_equal(t.cap.n, 0);
	erg_udp_close(u);
	tn_stack_done(&t);
}

static void
test_udp_sendto_validates_arguments(void **state)
{
	struct tn_stack t;
	struct erg_udp_sock *u;
	uint8_t *big = calloc(1, 65508);

	(void)state;
	assert_non_null(big);
	tn_host_b(&t, NULL);
	assert_int_equal(erg_udp_open(t.s, NULL, NULL, &u), 0);
	assert_int_equal(erg_udp_sendto(u, ADDR_A, 0, "x", 1), -ERG_EINVAL);
	assert_int_equal(erg_udp_sendto(u, ERG_IPV4_ANY, 53, "x", 1),
	    -ERG_EINVAL);
	assert_int_equal(erg_udp_sendto(u, ADDR_A, 53, big, 65508),
	    -ERG_EMSGSIZE);
	/* Refused sends bind nothing. */
	assert_int_equal(erg_udp_local_port(u), 0);
	assert_int_equal(erg_udp_sendto(u, ADDR_FAR, 53, "x", 1),
	    -ERG_EHOSTUNREACH);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_NO_ROUTE), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_TX), 0);
	assert_int_equal(t.cap.n, 0);
	erg_udp_close(u);
	tn_stack_done(&t);
	free(big);
}

/* ---- Sockets: sending ---------------------------------------------------- */

static void
test_udp_sendto_emits_exact_bytes(void **state)
{
	struct tn_stack a;
	struct erg_udp_sock *u;
	struct erg_ipv4_repr r;
	const struct tn_frame *f;
	const uint8_t *ip;

	(void)state;
	/*
	 * Play host A, bound to 40000 as Linux's socket was: the datagram
	 * to B:7 is the captured one, UDP bytes and checksum included.
	 */
	tn_stack_init(&a, NULL, mac_a, ADDR_A, 24, 5);
	tn_inject(&a, frame_arp_reply, sizeof(frame_arp_reply), 0);
	u = open_bound(&a, ERG_IPV4_ANY, 40000);
	assert_int_equal(erg_udp_sendto(u, ADDR_B, 7, "hello\n", 6), 0);
	assert_int_equal(a.cap.n, 1);
	f = &a.cap.frames[0];
	ip = f->data + 14;
	assert_int_equal(f->len, sizeof(frame_udp_small));
	/* Ethernet: identical. */
	assert_memory_equal(f->data, frame_udp_small, 14);
	/* IPv4: identical but for the ID, DF (Linux's PMTUD) and sum. */
	assert_memory_equal(ip, frame_udp_small + 14, 4);
	assert_int_equal(erg_be16(ip + 6), 0);
	assert_memory_equal(ip + 8, frame_udp_small + 22, 2);
	assert_memory_equal(ip + 12, frame_udp_small + 26, 8);
	(void)parse_frame(f, &r); /* checks the header checksum */
	/* UDP: identical. */
	assert_memory_equal(ip + 20, UDP_SMALL, UDP_SMALL_LEN);
	assert_int_equal(tn_stat(&a, ERG_STAT_UDP_TX), 1);
	assert_int_equal(tn_stat(&a, ERG_STAT_IPV4_TX), 1);
	erg_udp_close(u);
	tn_stack_done(&a);
}

static void
test_udp_sendto_source_address_follows_binding(void **state)
{
	struct tn_stack t;
	struct erg_udp_sock *u, *bc;
	struct erg_ipv4_repr r;
	struct erg_udp_repr ur;
	struct erg_view pl, upl;

	(void)state;
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	u = open_bound(&t, ADDR_B, 5000);
	assert_int_equal(erg_udp_sendto(u, ADDR_A, 7, "x", 1), 0);
	pl = parse_frame(&t.cap.frames[0], &r);
	assert_int_equal(r.src, ADDR_B);
	assert_int_equal(erg_udp_parse(&ur, &upl, pl, r.src, r.dst, NULL), 0);
	assert_int_equal(ur.src_port, 5000);
	/* Bound to the broadcast address (a DHCP client): the route's. */
	bc = open_bound(&t, ERG_IPV4_BROADCAST, 68);
	assert_int_equal(erg_udp_sendto(bc, ERG_IPV4_BROADCAST, 67, "d", 1), 0);
	assert_int_equal(t.cap.n, 2);
	assert_memory_equal(t.cap.frames[1].data, mac_bcast, 6);
	pl = parse_frame(&t.cap.frames[1], &r);
	assert_int_equal(r.src, ADDR_B);
	assert_int_equal(r.dst, ERG_IPV4_BROADCAST);
	assert_int_equal(erg_be16(pl.p), 68);
	assert_int_equal(erg_be16(pl.p + 2), 67);
	assert_int_equal(erg_be16(pl.p + 6),
	    ref_udp_cksum(ADDR_B, ERG_IPV4_BROADCAST, pl.p, 9));
	erg_udp_close(bc);
	erg_udp_close(u);
	tn_stack_done(&t);
}

static void
test_udp_sendto_waits_for_arp_and_counts_as_sent(void **state)
{
	struct tn_stack t;
	struct erg_udp_sock *u;

	(void)state;
	tn_host_b(&t, NULL);
	u = open_bound(&t, ERG_IPV4_ANY, 5000);
	assert_int_equal(erg_udp_sendto(u, ADDR_A, 7, "hello\n", 6), 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_TX), 1);
	assert_int_equal(t.cap.n, 1); /* the ARP request */
	assert_int_equal(erg_be16(t.cap.frames[0].data + 12),
	    ERG_ETHERTYPE_ARP);
	assert_int_equal(erg_stack_pool_in_use(t.s), t.baseline + 2);
	tn_capture_clear(&t.cap);
	/*
	 * A's request for us also resolves A (RFC 826 merge): the datagram
	 * leaves first, then our reply to the request.
	 */
	tn_inject(&t, frame_arp_request, sizeof(frame_arp_request), 1);
	assert_int_equal(t.cap.n, 2);
	assert_int_equal(erg_be16(t.cap.frames[1].data + 12),
	    ERG_ETHERTYPE_ARP);
	assert_int_equal(t.cap.frames[0].len, 48);
	assert_memory_equal(t.cap.frames[0].data, mac_a, 6);
	assert_memory_equal(t.cap.frames[0].data + 42, "hello\n", 6);
	assert_int_equal(erg_stack_pool_in_use(t.s), t.baseline + 1);
	erg_udp_close(u);
	tn_stack_done(&t);
}

static void
test_udp_sendto_without_packets_is_enomem(void **state)
{
	struct tn_stack t;
	struct erg_config cfg;
	struct erg_udp_sock *u;
	struct erg_pkt *held[4];
	unsigned i;

	(void)state;
	erg_config_default(&cfg);
	cfg.pkt_count = 4;
	tn_host_b(&t, &cfg);
	tn_learn_a(&t, 0);
	u = open_bound(&t, ERG_IPV4_ANY, 5000);
	for (i = 0; i < 4; i++) {
		assert_non_null(held[i] = erg_pkt_alloc(t.s));
	}
	assert_int_equal(erg_udp_sendto(u, ADDR_A, 7, "x", 1), -ERG_ENOMEM);
	assert_null(erg_udp_pkt_alloc(u));
	assert_int_equal(tn_stat(&t, ERG_STAT_PKT_ALLOC_FAIL), 2);
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_TX), 0);
	for (i = 0; i < 4; i++) {
		erg_pkt_free(t.s, held[i]);
	}
	assert_int_equal(erg_udp_sendto(u, ADDR_A, 7, "x", 1), 0);
	assert_int_equal(t.cap.n, 1);
	erg_udp_close(u);
	tn_stack_done(&t);
}

static void
test_udp_zero_copy_send_matches_copying_send(void **state)
{
	struct tn_stack t;
	struct erg_udp_sock *u;
	struct erg_pkt *pkt;
	uint8_t *p;

	(void)state;
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	u = open_bound(&t, ERG_IPV4_ANY, 5000);
	pkt = erg_udp_pkt_alloc(u);
	assert_non_null(pkt);
	assert_int_equal(pkt->len, 0);
	assert_true(erg_pkt_headroom(pkt) >= 14 + 20 + 8);
	p = erg_pkt_put(pkt, 6);
	memcpy(p, "hello\n", 6);
	assert_int_equal(erg_udp_pkt_sendto(u, pkt, ADDR_A, 7), 0);
	assert_int_equal(erg_udp_sendto(u, ADDR_A, 7, "hello\n", 6), 0);
	assert_int_equal(t.cap.n, 2);
	assert_int_equal(t.cap.frames[0].len, 48);
	assert_int_equal(t.cap.frames[1].len, 48);
	/* Same bytes after the IP ID and checksum. */
	assert_memory_equal(t.cap.frames[0].data, t.cap.frames[1].data, 18);
	assert_memory_equal(t.cap.frames[0].data + 20,
	    t.cap.frames[1].data + 20, 4);
	assert_memory_equal(t.cap.frames[0].data + 26,
	    t.cap.frames[1].data + 26, 22);
	{
		struct erg_ipv4_repr r;
		struct erg_udp_repr ur;
		struct erg_view pl = parse_frame(&t.cap.frames[0], &r), upl;

		assert_int_equal(
		    erg_udp_parse(&ur, &upl, pl, r.src, r.dst, NULL), 0);
		assert_int_equal(ur.src_port, 5000);
		assert_int_equal(ur.dst_port, 7);
		assert_memory_equal(upl.p, "hello\n", 6);
	}
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_TX), 2);
	erg_udp_close(u);
	tn_stack_done(&t);
}

static void
test_udp_zero_copy_send_of_large_payload_fragments(void **state)
{
	struct tn_stack t;
	struct erg_udp_sock *u;
	struct erg_pkt *pkt;
	struct erg_udp_repr ur;
	struct erg_view upl;
	uint8_t data[1800], whole[1808];
	size_t off = 0;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(data); i++) {
		data[i] = (uint8_t)(i * 7);
	}
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	u = open_bound(&t, ERG_IPV4_ANY, 5000);
	pkt = erg_udp_pkt_alloc(u);
	memcpy(erg_pkt_put(pkt, sizeof(data)), data, sizeof(data));
	assert_int_equal(erg_udp_pkt_sendto(u, pkt, ADDR_A, 7), 0);
	assert_int_equal(t.cap.n, 2);
	for (i = 0; i < 2; i++) {
		struct erg_ipv4_repr r;
		struct erg_view pl = parse_frame(&t.cap.frames[i], &r);

		assert_int_equal(r.frag_off, off);
		assert_int_equal(r.mf, i == 0);
		memcpy(whole + off, pl.p, pl.len);
		off += pl.len;
	}
	assert_int_equal(off, sizeof(whole));
	assert_int_equal(erg_udp_parse(&ur, &upl,
	                     erg_view_make(whole, sizeof(whole)), ADDR_B,
	                     ADDR_A, NULL),
	    0);
	assert_memory_equal(upl.p, data, sizeof(data));
	erg_udp_close(u);
	tn_stack_done(&t);
}

static void
test_udp_zero_copy_send_errors_free_the_packet(void **state)
{
	struct tn_stack t;
	struct erg_udp_sock *u;
	struct erg_pkt *pkt;

	(void)state;
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	u = open_bound(&t, ERG_IPV4_ANY, 5000);
	/* Whatever happens the packet is taken (and here freed). */
	pkt = erg_udp_pkt_alloc(u);
	assert_int_equal(erg_udp_pkt_sendto(u, pkt, ADDR_A, 0), -ERG_EINVAL);
	pkt = erg_udp_pkt_alloc(u);
	assert_int_equal(erg_udp_pkt_sendto(u, pkt, ADDR_FAR, 7),
	    -ERG_EHOSTUNREACH);
	assert_int_equal(erg_stack_pool_in_use(t.s), t.baseline + 1);
	/* Headroom used up by the application: no room for UDP... */
	pkt = erg_udp_pkt_alloc(u);
	(void)erg_pkt_push(pkt, ERG_PKT_HEADROOM - 7);
	assert_int_equal(erg_udp_pkt_sendto(u, pkt, ADDR_A, 7), -ERG_EINVAL);
	/* ...for IPv4... */
	pkt = erg_udp_pkt_alloc(u);
	(void)erg_pkt_push(pkt, ERG_PKT_HEADROOM - 10);
	assert_int_equal(erg_udp_pkt_sendto(u, pkt, ADDR_A, 7), -ERG_EINVAL);
	assert_int_equal(tn_stat(&t, ERG_STAT_ETHER_NO_HEADROOM), 1);
	/* ...or for Ethernet. */
	pkt = erg_udp_pkt_alloc(u);
	(void)erg_pkt_push(pkt, ERG_PKT_HEADROOM - 30);
	assert_int_equal(erg_udp_pkt_sendto(u, pkt, ADDR_A, 7), -ERG_EINVAL);
	assert_int_equal(tn_stat(&t, ERG_STAT_ETHER_NO_HEADROOM), 2);
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_TX), 0);
	assert_int_equal(t.cap.n, 0);
	/* Exactly enough headroom goes. */
	pkt = erg_udp_pkt_alloc(u);
	(void)erg_pkt_push(pkt, ERG_PKT_HEADROOM - 42);
	assert_int_equal(erg_udp_pkt_sendto(u, pkt, ADDR_A, 7), 0);
	assert_int_equal(t.cap.n, 1);
	assert_int_equal(t.cap.frames[0].len, ERG_PKT_HEADROOM);
	erg_udp_close(u);
	tn_stack_done(&t);
}

/* ---- Sockets: receiving -------------------------------------------------- */

static void
test_udp_recv_zero_copy_fields(void **state)
{
	struct tn_stack t;
	struct erg_udp_sock *u;
	struct erg_udp_dgram d;
	struct ev_rec ev;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	tn_host_b(&t, NULL);
	assert_int_equal(erg_udp_open(t.s, ev_cb, &ev, &u), 0);
	assert_int_equal(erg_udp_bind(u, ERG_IPV4_ANY, 7), 0);
	assert_int_equal(erg_udp_recv(u, &d), -ERG_EAGAIN);
	tn_inject(&t, frame_udp_small, sizeof(frame_udp_small), 1);
	assert_int_equal(ev.readable, 1);
	assert_int_equal(erg_udp_pending(u), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_RX), 1);
	assert_int_equal(erg_udp_recv(u, &d), 0);
	assert_int_equal(erg_udp_pending(u), 0);
	assert_int_equal(d.src, ADDR_A);
	assert_int_equal(d.dst, ADDR_B);
	assert_int_equal(d.src_port, 40000);
	assert_int_equal(d.dst_port, 7);
	assert_int_equal(d.ifindex, t.ifindex);
	assert_int_equal(d.data.len, 6);
	assert_memory_equal(d.data.p, "hello\n", 6);
	/* Zero-copy: the view is into the very packet that carried it. */
	assert_ptr_equal(d.data.p, erg_pkt_data(d.pkt));
	assert_int_equal(d.pkt->len, 6);
	assert_int_equal(erg_stack_pool_in_use(t.s), t.baseline + 2);
	erg_pkt_free(t.s, d.pkt);
	assert_int_equal(erg_udp_recv(u, &d), -ERG_EAGAIN);
	/* A zero checksum is accepted on input too. */
	{
		uint8_t f[sizeof(frame_udp_small)];

		memcpy(f, frame_udp_small, sizeof(f));
		f[40] = 0;
		f[41] = 0;
		tn_inject(&t, f, sizeof(f), 2);
		assert_int_equal(erg_udp_pending(u), 1);
		assert_int_equal(ev.readable, 2);
	}
	assert_int_equal(ev.error, 0);
	erg_udp_close(u);
	tn_stack_done(&t);
}

static void
test_udp_recvfrom_copies_and_reports_full_length(void **state)
{
	struct tn_stack t;
	struct erg_udp_sock *u;
	uint8_t buf[16];
	size_t len;
	uint32_t addr;
	uint16_t port;

	(void)state;
	tn_host_b(&t, NULL);
	u = open_bound(&t, ERG_IPV4_ANY, 7);
	assert_int_equal(
	    erg_udp_recvfrom(u, buf, sizeof(buf), &len, &addr, &port),
	    -ERG_EAGAIN);
	tn_inject(&t, frame_udp_small, sizeof(frame_udp_small), 1);
	tn_inject(&t, frame_udp_small, sizeof(frame_udp_small), 1);
	tn_inject(&t, frame_udp_small, sizeof(frame_udp_small), 1);
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(erg_udp_recvfrom(u, buf, 3, &len, &addr, &port), 0);
	assert_memory_equal(buf, "hel", 3);
	assert_int_equal(buf[3], 0xa5); /* truncated at cap */
	assert_int_equal(len, 6);       /* but says how long it was */
	assert_int_equal(addr, ADDR_A);
	assert_int_equal(port, 40000);
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(
	    erg_udp_recvfrom(u, buf, sizeof(buf), &len, NULL, NULL), 0);
	assert_memory_equal(buf, "hello\n", 6);
	assert_int_equal(buf[6], 0xa5);
	assert_int_equal(len, 6);
	assert_int_equal(
	    erg_udp_recvfrom(u, buf, sizeof(buf), NULL, NULL, NULL), 0);
	assert_int_equal(erg_udp_pending(u), 0);
	/* Each copied datagram's packet went back to the pool. */
	assert_int_equal(erg_stack_pool_in_use(t.s), t.baseline + 1);
	erg_udp_close(u);
	tn_stack_done(&t);
}

static void
test_udp_connected_socket_ignores_other_peers(void **state)
{
	struct tn_stack t;
	struct erg_udp_sock *u;
	struct erg_udp_dgram d;

	(void)state;
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	u = open_bound(&t, ERG_IPV4_ANY, 6000);
	assert_int_equal(erg_udp_connect(u, ADDR_A, 7000), 0);
	inject_udp_from_a(&t, 7000, 6000, "ok", 2);
	inject_udp_from_a(&t, 7001, 6000, "no", 2);
	inject_udp(&t, mac_b, ADDR_OTHER, ADDR_B, 7000, 6000, "no", 2, 1);
	assert_int_equal(erg_udp_pending(u), 1);
	assert_int_equal(erg_udp_recv(u, &d), 0);
	assert_memory_equal(d.data.p, "ok", 2);
	erg_pkt_free(t.s, d.pkt);
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_NO_PORT), 2);
	/* As if the port were closed: A is told (the other is unresolved). */
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ERR_TX), 2);
	assert_int_equal(t.cap.n, 2);
	assert_int_equal(t.cap.frames[0].data[14 + 20], ERG_ICMP_DEST_UNREACH);
	erg_udp_close(u);
	settle(&t, 1);
	tn_stack_done(&t);
}

static void
test_udp_demux_picks_the_socket_bound_to_the_address(void **state)
{
	struct tn_stack t;
	struct tn_capture cap2;
	struct erg_netif_config nc;
	struct erg_udp_sock *ub, *uc, *ubc, *any;
	struct erg_udp_dgram d;
	unsigned if2;

	(void)state;
	/* B with a second interface, 198.19.0.2. */
	memset(&cap2, 0, sizeof(cap2));
	tn_host_b(&t, NULL);
	memset(&nc, 0, sizeof(nc));
	memcpy(nc.mac, mac_c, 6);
	nc.mtu = 1500;
	nc.ops = &tn_capture_ops;
	nc.drv = &cap2;
	assert_int_equal(erg_netif_add(t.s, &nc, &if2), 0);
	assert_int_equal(erg_ipv4_addr_set(t.s, if2, ADDR_C, 24), 0);
	tn_learn_a(&t, 0);
	/*
	 * Overlapping bindings are refused (no SO_REUSEADDR), so the
	 * only sockets that share a port are bound to distinct addresses.
	 */
	ub = open_bound(&t, ADDR_B, 5000);
	uc = open_bound(&t, ADDR_C, 5000);
	ubc = open_bound(&t, ERG_IPV4_BROADCAST, 5000);
	assert_int_equal(erg_udp_open(t.s, NULL, NULL, &any), 0);
	assert_int_equal(erg_udp_bind(any, ERG_IPV4_ANY, 5000),
	    -ERG_EADDRINUSE);
	assert_int_equal(erg_udp_connect(uc, ADDR_A, 7000), 0);
	inject_udp(&t, mac_b, ADDR_A, ADDR_B, 7000, 5000, "b", 1, 1);
	/* Weak host model: C's address arrives on B's interface. */
	inject_udp(&t, mac_b, ADDR_A, ADDR_C, 7000, 5000, "c", 1, 1);
	inject_udp(&t, mac_b, ADDR_A, ADDR_C, 7001, 5000, "x", 1, 1);
	inject_udp(&t, mac_bcast, ADDR_A, ERG_IPV4_BROADCAST, 7000, 5000, "*",
	    1, 1);
	assert_int_equal(erg_udp_pending(ub), 1);
	assert_int_equal(erg_udp_pending(uc), 1);
	assert_int_equal(erg_udp_pending(ubc), 1);
	assert_int_equal(erg_udp_recv(ub, &d), 0);
	assert_memory_equal(d.data.p, "b", 1);
	erg_pkt_free(t.s, d.pkt);
	assert_int_equal(erg_udp_recv(uc, &d), 0);
	assert_memory_equal(d.data.p, "c", 1);
	assert_int_equal(d.dst, ADDR_C);
	assert_int_equal(d.ifindex, 0);
	erg_pkt_free(t.s, d.pkt);
	assert_int_equal(erg_udp_recv(ubc, &d), 0);
	assert_memory_equal(d.data.p, "*", 1);
	assert_int_equal(d.dst, ERG_IPV4_BROADCAST);
	erg_pkt_free(t.s, d.pkt);
	/* The connected socket refused A:7001: nobody else took it. */
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_NO_PORT), 1);
	/* Received on interface 2, ifindex says so. */
	{
		uint8_t f[64];
		struct erg_pkt *pkt = erg_pkt_alloc(t.s);
		size_t n = tn_build_udp_frame(f, mac_c, mac_a, ADDR_A, ADDR_C,
		    7000, 5000, "2", 1);

		memcpy(erg_pkt_put(pkt, (uint32_t)n), f, n);
		erg_netif_input(t.s, if2, pkt, 2);
		assert_int_equal(erg_udp_recv(uc, &d), 0);
		assert_int_equal(d.ifindex, if2);
		erg_pkt_free(t.s, d.pkt);
	}
	erg_udp_close(any);
	erg_udp_close(ubc);
	erg_udp_close(uc);
	erg_udp_close(ub);
	tn_capture_clear(&cap2);
	free(cap2.frames);
	tn_stack_done(&t);
}

static void
test_udp_rx_queue_is_bounded(void **state)
{
	struct tn_stack t;
	struct erg_config cfg;
	struct erg_udp_sock *u;
	uint8_t buf[4];
	size_t len;
	char c;

	(void)state;
	erg_config_default(&cfg);
	cfg.udp_rxq_len = 3;
	tn_host_b(&t, &cfg);
	u = open_bound(&t, ERG_IPV4_ANY, 7);
	for (c = '0'; c < '5'; c++) {
		inject_udp_from_a(&t, 40000, 7, &c, 1);
	}
	assert_int_equal(erg_udp_pending(u), 3);
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_RXQ_FULL), 2);
	assert_int_equal(erg_stack_pool_in_use(t.s), t.baseline + 1 + 3);
	/* The oldest are kept, in order; the newest were dropped. */
	for (c = '0'; c < '3'; c++) {
		assert_int_equal(
		    erg_udp_recvfrom(u, buf, sizeof(buf), &len, NULL, NULL), 0);
		assert_int_equal(len, 1);
		assert_int_equal(buf[0], c);
	}
	/* Room again. */
	inject_udp_from_a(&t, 40000, 7, "5", 1);
	assert_int_equal(erg_udp_pending(u), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_RXQ_FULL), 2);
	assert_int_equal(t.cap.n, 0); /* a full queue is not a closed port */
	erg_udp_close(u);
	tn_stack_done(&t);
}

static void
test_udp_input_counts_malformed_datagrams(void **state)
{
	struct tn_stack t;
	struct erg_udp_sock *u;
	uint8_t f[sizeof(frame_udp_small)], ip[64];
	size_t n;

	(void)state;
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	u = open_bound(&t, ERG_IPV4_ANY, 7);
	memcpy(f, frame_udp_small, sizeof(f));
	f[sizeof(f) - 1] ^= 1;
	tn_inject(&t, f, sizeof(f), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_BAD_CHECKSUM), 1);
	memcpy(f, frame_udp_small, sizeof(f));
	erg_put_be16(f + 38, 15);
	tn_inject(&t, f, sizeof(f), 1);
	erg_put_be16(f + 38, 7);
	tn_inject(&t, f, sizeof(f), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_BAD_LEN), 2);
	n = tn_build_ipv4(ip, ADDR_A, ADDR_B, ERG_IP_PROTO_UDP, 1, 0, false,
	    UDP_SMALL, 7);
	{
		uint8_t fr[80];
		size_t m =
		    tn_build_eth(fr, mac_b, mac_a, ERG_ETHERTYPE_IPV4, ip, n);

		tn_inject(&t, fr, m, 1);
	}
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_TRUNCATED), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_RX), 4);
	assert_int_equal(erg_udp_pending(u), 0);
	assert_int_equal(t.cap.n, 0); /* malformed: not answered */
	/* Class 10: a UDP length shorter than the IP payload. */
	{
		struct erg_udp_repr r;
		struct erg_view v = erg_view_make("he", 2);
		struct erg_udp_dgram d;
		uint8_t udp[14], fr[80];
		size_t m;

		r.src_port = 40000;
		r.dst_port = 7;
		r.len = 10;
		r.checksum = 0;
		erg_udp_emit(&r, ADDR_A, ADDR_B, &v, 1, udp);
		memcpy(udp + 8, "hello\n", 6);
		n = tn_build_ipv4(ip, ADDR_A, ADDR_B, ERG_IP_PROTO_UDP, 1, 0,
		    false, udp, sizeof(udp));
		m = tn_build_eth(fr, mac_b, mac_a, ERG_ETHERTYPE_IPV4, ip, n);
		tn_inject(&t, fr, m, 1);
		assert_int_equal(erg_udp_recv(u, &d), 0);
		assert_int_equal(d.data.len, 2);
		assert_memory_equal(d.data.p, "he", 2);
		erg_pkt_free(t.s, d.pkt);
	}
	erg_udp_close(u);
	tn_stack_done(&t);
}

/* ---- Closed ports -------------------------------------------------------- */

static void
test_udp_closed_port_gets_port_unreachable_like_linux(void **state)
{
	struct tn_stack t;
	struct erg_ipv4_repr r;
	struct erg_view pl;
	const struct tn_frame *f;

	(void)state;
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	tn_inject(&t, frame_udp_small, sizeof(frame_udp_small), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_NO_PORT), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ERR_TX), 1);
	assert_int_equal(t.cap.n, 1);
	f = &t.cap.frames[0];
	assert_int_equal(f->len, sizeof(frame_icmp_port_unreach));
	assert_memory_equal(f->data, frame_icmp_port_unreach, 14);
	pl = parse_frame(f, &r);
	assert_int_equal(r.src, ADDR_B);
	assert_int_equal(r.dst, ADDR_A);
	assert_int_equal(r.proto, ERG_IP_PROTO_ICMP);
	assert_int_equal(r.total_len, 62);
	/*
	 * Type 3 code 3 quoting the IP header and the whole datagram: the
	 * ICMP message is Linux's, byte for byte (RFC 1122 4.1.3.1).
	 */
	assert_memory_equal(pl.p, frame_icmp_port_unreach + 34, 42);
	tn_stack_done(&t);
}

static void
test_udp_closed_port_broadcast_gets_no_icmp(void **state)
{
	struct tn_stack t;

	(void)state;
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	inject_udp(&t, mac_bcast, ADDR_A, ERG_IPV4_BROADCAST, 68, 67, "d", 1,
	    1);
	inject_udp(&t, mac_bcast, ADDR_A, NET_BCAST, 137, 137, "n", 1, 1);
	inject_udp(&t, mac_bcast, ADDR_A, ADDR_B, 40000, 7, "l", 1, 1);
	/* Unicast in a link broadcast stops at IPv4 (RFC 1122 3.3.6). */
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_NO_PORT), 2);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_LINK_BCAST_UNICAST), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ERR_TX), 0);
	assert_int_equal(t.cap.n, 0);
	tn_stack_done(&t);
}

/* ---- Pools, gauges, close ------------------------------------------------ */

static void
test_udp_socket_pool_exhaustion_is_enomem(void **state)
{
	struct tn_stack t;
	struct erg_config cfg;
	struct erg_udp_sock *u[5];
	unsigned i;

	(void)state;
	erg_config_default(&cfg);
	cfg.udp_socks = 4;
	tn_host_b(&t, &cfg);
	for (i = 0; i < 4; i++) {
		assert_int_equal(erg_udp_open(t.s, NULL, NULL, &u[i]), 0);
		assert_int_equal(tn_stat(&t, ERG_STAT_UDP_SOCKS_IN_USE), i + 1);
	}
	assert_int_equal(erg_udp_open(t.s, NULL, NULL, &u[4]), -ERG_ENOMEM);
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_SOCK_ALLOC_FAIL), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_SOCKS_HIGH_WATER), 4);
	assert_int_equal(erg_stack_pool_in_use(t.s), t.baseline + 4);
	erg_udp_close(u[2]);
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_SOCKS_IN_USE), 3);
	assert_int_equal(erg_udp_open(t.s, NULL, NULL, &u[2]), 0);
	assert_int_equal(erg_udp_open(t.s, NULL, NULL, &u[4]), -ERG_ENOMEM);
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_SOCK_ALLOC_FAIL), 2);
	for (i = 0; i < 4; i++) {
		erg_udp_close(u[i]);
	}
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_SOCKS_IN_USE), 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_SOCKS_HIGH_WATER), 4);
	/* A zero-socket stack is valid; every open fails. */
	tn_stack_done(&t);
	cfg.udp_socks = 0;
	tn_host_b(&t, &cfg);
	tn_learn_a(&t, 0);
	assert_int_equal(erg_udp_open(t.s, NULL, NULL, &u[0]), -ERG_ENOMEM);
	tn_inject(&t, frame_udp_small, sizeof(frame_udp_small), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_NO_PORT), 1);
	assert_int_equal(t.cap.n, 1);
	tn_stack_done(&t);
}

static void
test_udp_close_frees_queued_datagrams(void **state)
{
	struct tn_stack t;
	struct erg_udp_sock *u;
	struct erg_udp_dgram d;
	struct ev_rec ev;
	unsigned i;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	assert_int_equal(erg_udp_open(t.s, ev_cb, &ev, &u), 0);
	assert_int_equal(erg_udp_bind(u, ERG_IPV4_ANY, 7), 0);
	for (i = 0; i < 4; i++) {
		tn_inject(&t, frame_udp_small, sizeof(frame_udp_small), 1);
	}
	assert_int_equal(erg_stack_pool_in_use(t.s), t.baseline + 1 + 4);
	/* One lent to the application outlives the socket. */
	assert_int_equal(erg_udp_recv(u, &d), 0);
	erg_udp_close(u);
	assert_int_equal(erg_stack_pool_in_use(t.s), t.baseline + 1);
	assert_memory_equal(d.data.p, "hello\n", 6);
	erg_pkt_free(t.s, d.pkt);
	assert_int_equal(ev.readable, 4);
	/* The port is closed now. */
	tn_inject(&t, frame_udp_small, sizeof(frame_udp_small), 2);
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_NO_PORT), 1);
	assert_int_equal(t.cap.n, 1);
	assert_int_equal(ev.calls, 4);
	tn_stack_done(&t);
}

static void
test_udp_close_from_own_callback(void **state)
{
	struct tn_stack t;
	struct ev_rec ev;
	struct erg_udp_sock *u, *v;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	ev.close_on_read = true;
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	assert_int_equal(erg_udp_open(t.s, ev_cb, &ev, &u), 0);
	assert_int_equal(erg_udp_bind(u, ERG_IPV4_ANY, 7), 0);
	tn_inject(&t, frame_udp_small, sizeof(frame_udp_small), 1);
	assert_int_equal(ev.calls, 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_SOCKS_IN_USE), 0);
	assert_int_equal(erg_stack_pool_in_use(t.s), t.baseline);
	/* The port is free again, for a new socket. */
	v = open_bound(&t, ERG_IPV4_ANY, 7);
	erg_udp_close(v);
	tn_stack_done(&t);
}

static void
test_udp_close_unlinks_from_shared_bucket(void **state)
{
	struct tn_stack t;
	struct erg_udp_sock *u[3];
	unsigned i;

	(void)state;
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	/* 7, 71 and 135 hash to one of the 64 buckets. */
	for (i = 0; i < 3; i++) {
		u[i] = open_bound(&t, ERG_IPV4_ANY, (uint16_t)(7 + 64 * i));
	}
	erg_udp_close(u[1]); /* the middle of the chain */
	erg_udp_close(u[0]); /* the tail */
	inject_udp_from_a(&t, 40000, 7, "a", 1);
	inject_udp_from_a(&t, 40000, 71, "b", 1);
	inject_udp_from_a(&t, 40000, 135, "c", 1);
	assert_int_equal(erg_udp_pending(u[2]), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_NO_PORT), 2);
	assert_int_equal(t.cap.n, 2);
	erg_udp_close(u[2]);
	/* An unbound socket closes too. */
	{
		struct erg_udp_sock *x;

		assert_int_equal(erg_udp_open(t.s, NULL, NULL, &x), 0);
		erg_udp_close(x);
	}
	tn_stack_done(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_udp_parse_captured_datagram),
		cmocka_unit_test(test_udp_parse_accepts_zero_checksum),
		cmocka_unit_test(test_udp_parse_refuses_wrong_checksum),
		cmocka_unit_test(test_udp_parse_refuses_bad_length_field),
		cmocka_unit_test(test_udp_parse_refuses_truncated_header),
		cmocka_unit_test(
		    test_udp_checksum_covers_length_field_not_buffer),
		cmocka_unit_test(test_udp_emit_into_a5_buffer_matches_capture),
		cmocka_unit_test(test_udp_emit_sends_computed_zero_as_ffff),
		cmocka_unit_test(test_udp_sendto_sends_computed_zero_as_ffff),
		cmocka_unit_test(
		    test_udp_ephemeral_ports_are_in_range_and_distinct),
		cmocka_unit_test(
		    test_udp_ephemeral_range_exhausted_is_eaddrinuse),
		cmocka_unit_test(test_udp_bind_overlap_is_eaddrinuse),
		cmocka_unit_test(test_udp_bind_validates_address_and_state),
		cmocka_unit_test(test_udp_connect_validates_and_binds),
		cmocka_unit_test(test_udp_send_without_connect_is_enotconn),
		cmocka_unit_test(test_udp_sendto_validates_arguments),
		cmocka_unit_test(test_udp_sendto_emits_exact_bytes),
		cmocka_unit_test(
		    test_udp_sendto_source_address_follows_binding),
		cmocka_unit_test(
		    test_udp_sendto_waits_for_arp_and_counts_as_sent),
		cmocka_unit_test(test_udp_sendto_without_packets_is_enomem),
		cmocka_unit_test(test_udp_zero_copy_send_matches_copying_send),
		cmocka_unit_test(
		    test_udp_zero_copy_send_of_large_payload_fragments),
		cmocka_unit_test(
		    test_udp_zero_copy_send_errors_free_the_packet),
		cmocka_unit_test(test_udp_recv_zero_copy_fields),
		cmocka_unit_test(
		    test_udp_recvfrom_copies_and_reports_full_length),
		cmocka_unit_test(test_udp_connected_socket_ignores_other_peers),
		cmocka_unit_test(
		    test_udp_demux_picks_the_socket_bound_to_the_address),
		cmocka_unit_test(test_udp_rx_queue_is_bounded),
		cmocka_unit_test(test_udp_input_counts_malformed_datagrams),
		cmocka_unit_test(
		    test_udp_closed_port_gets_port_unreachable_like_linux),
		cmocka_unit_test(test_udp_closed_port_broadcast_gets_no_icmp),
		cmocka_unit_test(test_udp_socket_pool_exhaustion_is_enomem),
		cmocka_unit_test(test_udp_close_frees_queued_datagrams),
		cmocka_unit_test(test_udp_close_from_own_callback),
		cmocka_unit_test(test_udp_close_unlinks_from_shared_bucket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
