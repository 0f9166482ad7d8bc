/*
 * tests/unit/test_icmp.c: ICMP wire format, echo, errors received and
 * errors sent (RFC 792, RFC 1122 3.2.2, RFC 1191, RFC 1812 4.3.2).
 *
 * Wire tests use the echo request/reply and port unreachable frames
 * captured from Linux (tests/vectors/frames.h). Stack tests drive a
 * tn_stack playing host B (198.18.0.2/24) with frames from host A
 * (198.18.0.1). TESTING.md classes: 10 (checksum over the IP payload
 * length), 11 (truncated quotes), 12 (absurd next-hop MTUs).
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

#define ADDR_A    ERG_IPV4(198, 18, 0, 1)
#define ADDR_B    ERG_IPV4(198, 18, 0, 2)
#define NET_BCAST ERG_IPV4(198, 18, 0, 255)

#define SEC 1000000ull /* microseconds */

static const uint8_t mac_a[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t mac_b[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
static const uint8_t mac_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* ---- Helpers ------------------------------------------------------------- */

/* Parses a captured frame's IP header, which must be valid. */
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

static void
fill_pattern(uint8_t *p, size_t len, uint64_t seed)
{
	tn_rand(&seed, p, len);
}

/* Sends the IP datagram ip[0..len) to t from A's MAC to dst_mac. */
static void
inject_ip(struct tn_stack *t, const uint8_t dst_mac[6], const uint8_t *ip,
    size_t len, uint64_t now)
{
	uint8_t *f = tn_xmalloc(ERG_ETHER_HDR_LEN + len);
	size_t n;

	n = tn_build_eth(f, dst_mac, mac_a, ERG_ETHERTYPE_IPV4, ip, len);
	tn_inject(t, f, n, now);
	free(f);
}

/*
 * Sends t an ICMP message from A to dst (in a frame to dst_mac): the
 * header type/code/rest with a valid checksum, then body[0..blen).
 */
static void
inject_icmp(struct tn_stack *t, const uint8_t dst_mac[6], uint32_t dst,
    uint8_t type, uint8_t code, uint32_t rest, const uint8_t *body, size_t blen,
    uint64_t now)
{
	uint8_t *m = tn_xmalloc(8 + blen), *ip = tn_xmalloc(20 + 8 + blen);
	struct erg_icmp_repr r;
	size_t n;

	r.type = type;
	r.code = code;
	r.rest = rest;
	if (blen > 0) {
		memcpy(m + 8, body, blen);
	}
	assert_int_equal(erg_icmp_emit(&r, m, 8 + blen), 0);
	n = tn_build_ipv4(ip, ADDR_A, dst, ERG_IP_PROTO_ICMP, 0x7777, 0, false,
	    m, 8 + blen);
	inject_ip(t, dst_mac, ip, n, now);
	free(ip);
	free(m);
}

/* An ICMP error to B, unicast. */
static void
inject_err(struct tn_stack *t, uint8_t type, uint8_t code, uint32_t rest,
    const uint8_t *quote, size_t qlen)
{
	inject_icmp(t, mac_b, ADDR_B, type, code, rest, quote, qlen, 1);
}

struct ev_rec {
	unsigned calls;
	unsigned readable;
	unsigned error;
};

static void
ev_cb(struct erg_udp_sock *u, unsigned events, void *ctx)
{
	struct ev_rec *e = ctx;

	(void)u;
	e->calls++;
	if (events & ERG_EV_READABLE) {
		e->readable++;
	}
	if (events & ERG_EV_ERROR) {
		e->error++;
	}
}

/*
 * A UDP socket of B's, bound to port 5555, that has sent "hello" to
 * A:7; the datagram it sent (IP header onwards) goes to dg.
 */
struct sent {
	struct erg_udp_sock *u;
	struct ev_rec ev;
	uint8_t dg[64];
	size_t len;
};

static void
udp_send_one(struct tn_stack *t, struct sent *s)
{
	const struct tn_frame *f;

	memset(&s->ev, 0, sizeof(s->ev));
	assert_int_equal(erg_udp_open(t->s, ev_cb, &s->ev, &s->u), 0);
	assert_int_equal(erg_udp_bind(s->u, ERG_IPV4_ANY, 5555), 0);
	assert_int_equal(erg_udp_sendto(s->u, ADDR_A, 7, "hello\n", 6), 0);
	assert_int_equal(t->cap.n, 1);
	f = &t->cap.frames[0];
	s->len = f->len - 14;
	assert_int_equal(s->len, 34);
	memcpy(s->dg, f->data + 14, s->len);
	tn_capture_clear(&t->cap);
}

/* ---- Wire ---------------------------------------------------------------- */

struct icmp_vec {
	const uint8_t *frame;
	size_t len;
	uint8_t type;
	uint8_t code;
	uint32_t rest;
};

static const struct icmp_vec icmp_vecs[] = {
	{ frame_icmp_echo_request, sizeof(frame_icmp_echo_request),
	    ERG_ICMP_ECHO_REQUEST, 0, 0x0ecf0001 },
	{ frame_icmp_echo_reply, sizeof(frame_icmp_echo_reply),
	    ERG_ICMP_ECHO_REPLY, 0, 0x0ecf0001 },
	{ frame_icmp_port_unreach, sizeof(frame_icmp_port_unreach),
	    ERG_ICMP_DEST_UNREACH, ERG_ICMP_PORT_UNREACH, 0 },
};

#define N_ICMP_VECS (sizeof(icmp_vecs) / sizeof(icmp_vecs[0]))

static void
test_icmp_parse_captured_messages(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N_ICMP_VECS; i++) {
		const struct icmp_vec *e = &icmp_vecs[i];
		const uint8_t *m = e->frame + 34;
		struct erg_icmp_repr r;
		struct erg_view pl;
		enum erg_stat why = ERG_STAT_COUNT;

		assert_int_equal(erg_icmp_parse(&r, &pl,
		                     erg_view_make(m, e->len - 34), &why),
		    0);
		assert_int_equal(why, ERG_STAT_COUNT);
		assert_int_equal(r.type, e->type);
		assert_int_equal(r.code, e->code);
		assert_int_equal(r.rest, e->rest);
		assert_ptr_equal(pl.p, m + 8);
		assert_int_equal(pl.len, e->len - 42);
	}
	/* The port unreachable quotes the whole captured UDP datagram. */
	assert_memory_equal(frame_icmp_port_unreach + 42, frame_udp_small + 14,
	    34);
}

static void
test_icmp_emit_into_a5_buffer_matches_capture(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < N_ICMP_VECS; i++) {
		const struct icmp_vec *e = &icmp_vecs[i];
		const uint8_t *m = e->frame + 34;
		size_t len = e->len - 34;
		struct erg_icmp_repr r;
		uint8_t buf[128];

		memset(buf, 0xa5, sizeof(buf));
		memcpy(buf + 8, m + 8, len - 8);
		r.type = e->type;
		r.code = e->code;
		r.rest = e->rest;
		assert_int_equal(erg_icmp_emit(&r, buf, len), 0);
		/* Header and checksum byte for byte, nothing past len. */
		assert_memory_equal(buf, m, len);
		for (j = len; j < sizeof(buf); j++) {
			assert_int_equal(buf[j], 0xa5);
		}
	}
}

static void
test_icmp_emit_refuses_short_buffer(void **state)
{
	struct erg_icmp_repr r = { ERG_ICMP_ECHO_REQUEST, 0, 1 };
	uint8_t buf[8];
	size_t j;

	(void)state;
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(erg_icmp_emit(&r, buf, 7), -ERG_EINVAL);
	for (j = 0; j < sizeof(buf); j++) {
		assert_int_equal(buf[j], 0xa5);
	}
	/* Exactly the header is fine. */
	assert_int_equal(erg_icmp_emit(&r, buf, 8), 0);
	assert_int_equal(erg_cksum(buf, 8), 0);
}

static void
test_icmp_parse_refuses_truncation(void **state)
{
	const uint8_t *m = frame_icmp_echo_request + 34;
	size_t n;

	(void)state;
	for (n = 0; n < ERG_ICMP_HDR_LEN; n++) {
		struct erg_icmp_repr r;
		struct erg_view pl;
		enum erg_stat why = ERG_STAT_COUNT;

		assert_int_equal(
		    erg_icmp_parse(&r, &pl, erg_view_make(m, n), &why),
		    -ERG_ETRUNC);
		assert_int_equal(why, ERG_STAT_ICMP_TRUNCATED);
		assert_int_equal(
		    erg_icmp_parse(&r, &pl, erg_view_make(m, n), NULL),
		    -ERG_ETRUNC);
	}
	/*
	 * Past the header, a cut message no longer sums to its checksum
	 * (the IP layer is what says how long the message is).
	 */
	for (n = ERG_ICMP_HDR_LEN; n < 64; n++) {
		struct erg_icmp_repr r;
		struct erg_view pl;
		enum erg_stat why = ERG_STAT_COUNT;

		assert_int_equal(
		    erg_icmp_parse(&r, &pl, erg_view_make(m, n), &why),
		    -ERG_ECHECKSUM);
		assert_int_equal(why, ERG_STAT_ICMP_BAD_CHECKSUM);
	}
}

static void
test_icmp_checksum_covers_ip_payload_not_buffer(void **state)
{
	uint8_t f[sizeof(frame_icmp_echo_request) + 20];
	struct erg_ipv4_repr ip;
	struct erg_icmp_repr r;
	struct erg_view pl, ipl;
	enum erg_stat why = ERG_STAT_COUNT;

	(void)state;
	/* Class 10: trailing garbage after the datagram, inside the frame. */
	memcpy(f, frame_icmp_echo_request, sizeof(frame_icmp_echo_request));
	memset(f + sizeof(frame_icmp_echo_request), 0x77, 20);
	assert_int_equal(erg_ipv4_parse(&ip, &ipl,
	                     erg_view_make(f + 14, sizeof(f) - 14), NULL),
	    0);
	assert_int_equal(ipl.len, 64);
	assert_int_equal(erg_icmp_parse(&r, &pl, ipl, &why), 0);
	assert_int_equal(pl.len, 56);
	/* Summing the buffer instead would have refused a good message. */
	assert_int_equal(
	    erg_icmp_parse(&r, &pl, erg_view_make(ipl.p, 84), &why),
	    -ERG_ECHECKSUM);
	assert_int_equal(why, ERG_STAT_ICMP_BAD_CHECKSUM);
	/* A wrong checksum is refused. */
	f[14 + 20 + 2] ^= 0x01;
	why = ERG_STAT_COUNT;
	assert_int_equal(erg_icmp_parse(&r, &pl, ipl, &why), -ERG_ECHECKSUM);
	assert_int_equal(why, ERG_STAT_ICMP_BAD_CHECKSUM);
	assert_int_equal(erg_icmp_parse(&r, &pl, ipl, NULL), -ERG_ECHECKSUM);
}

/* ---- Echo ---------------------------------------------------------------- */

/* Checks that f is B's reply to the captured echo request. */
static void
check_captured_reply(const struct tn_frame *f)
{
	struct erg_ipv4_repr r;
	struct erg_view pl = parse_frame(f, &r);

	assert_int_equal(f->len, sizeof(frame_icmp_echo_reply));
	assert_memory_equal(f->data, mac_a, 6);
	assert_memory_equal(f->data + 6, mac_b, 6);
	assert_int_equal(r.src, ADDR_B);
	assert_int_equal(r.dst, ADDR_A);
	assert_int_equal(r.proto, ERG_IP_PROTO_ICMP);
	assert_int_equal(r.total_len, 84);
	assert_int_equal(r.ttl, 64);
	assert_false(r.mf);
	assert_int_equal(r.frag_off, 0);
	/* The ICMP part is Linux's reply, byte for byte (RFC 792). */
	assert_int_equal(pl.len, 64);
	assert_memory_equal(pl.p, frame_icmp_echo_reply + 34, 64);
}

static void
test_icmp_echo_request_gets_reply_equal_to_capture(void **state)
{
	struct tn_stack t;

	(void)state;
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	tn_inject(&t, frame_icmp_echo_request, sizeof(frame_icmp_echo_request),
	    1);
	assert_int_equal(t.cap.n, 1);
	check_captured_reply(&t.cap.frames[0]);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_RX), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ECHO_RX), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ECHO_REPLY_TX), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_TX), 1);
	tn_stack_done(&t);
}

static void
test_icmp_echo_request_with_link_padding_gets_same_reply(void **state)
{
	uint8_t f[sizeof(frame_icmp_echo_request) + 31];
	struct tn_stack t;

	(void)state;
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	memcpy(f, frame_icmp_echo_request, sizeof(frame_icmp_echo_request));
	memset(f + sizeof(frame_icmp_echo_request), 0x99, 31);
	tn_inject(&t, f, sizeof(f), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_BAD_CHECKSUM), 0);
	assert_int_equal(t.cap.n, 1);
	check_captured_reply(&t.cap.frames[0]);
	tn_stack_done(&t);
}

static void
test_icmp_echo_reply_waits_for_arp(void **state)
{
	struct tn_stack t;
	uint8_t arp[64];
	size_t n;

	(void)state;
	tn_host_b(&t, NULL);
	tn_inject(&t, frame_icmp_echo_request, sizeof(frame_icmp_echo_request),
	    1);
	assert_int_equal(t.cap.n, 1);
	assert_int_equal(erg_be16(t.cap.frames[0].data + 12),
	    ERG_ETHERTYPE_ARP);
	assert_int_equal(erg_stack_pool_in_use(t.s), t.baseline + 1);
	tn_capture_clear(&t.cap);
	n = tn_build_arp_frame(arp, mac_b, mac_a, ERG_ARP_OP_REPLY, mac_a,
	    ADDR_A, mac_b, ADDR_B);
	tn_inject(&t, arp, n, 2);
	assert_int_equal(t.cap.n, 1);
	check_captured_reply(&t.cap.frames[0]);
	tn_stack_done(&t);
}

static void
test_icmp_echo_to_broadcast_is_ignored(void **state)
{
	static const struct {
		uint32_t dst;
		const uint8_t *mac;
	} cases[] = {
		{ ERG_IPV4_BROADCAST, mac_bcast }, { NET_BCAST, mac_bcast },
		{ ADDR_B, mac_bcast },         /* link broadcast only */
		{ ERG_IPV4_BROADCAST, mac_b }, /* IP broadcast only */
	};
	struct tn_stack t;
	uint8_t f[128];
	size_t i, n;

	(void)state;
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = tn_build_ping_frame(f, cases[i].mac, mac_a, ADDR_A,
		    cases[i].dst, 9, (uint16_t)i, "smurf", 5);
		tn_inject(&t, f, n, 1);
	}
	/*
	 * RFC 1122 3.2.2.6 allows silence; erg is no smurf amplifier. The
	 * unicast datagram in a link broadcast stops at IPv4 (RFC 1122
	 * 3.3.6).
	 */
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_LINK_BCAST_UNICAST), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ECHO_RX), 3);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ECHO_BCAST_IGNORED), 3);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ECHO_REPLY_TX), 0);
	assert_int_equal(t.cap.n, 0);
	tn_stack_done(&t);
}

struct echo_rec {
	unsigned calls;
	uint32_t from;
	uint16_t id;
	uint16_t seq;
	uint8_t data[256];
	size_t len;
	uint64_t now;
};

static void
echo_cb(void *ctx, uint32_t from, uint16_t id, uint16_t seq,
    struct erg_view data, uint64_t now_us)
{
	struct echo_rec *e = ctx;

	e->calls++;
	e->from = from;
	e->id = id;
	e->seq = seq;
	e->len = data.len;
	memcpy(e->data, data.p,
	    data.len < sizeof(e->data) ? data.len : sizeof(e->data));
	e->now = now_us;
}

static void
test_icmp_echo_send_and_handler_get_id_seq_data(void **state)
{
	struct tn_stack t;
	struct echo_rec e;
	struct erg_ipv4_repr r;
	struct erg_icmp_repr ir;
	struct erg_view pl, ipl;
	uint8_t data[100];

	(void)state;
	memset(&e, 0, sizeof(e));
	fill_pattern(data, sizeof(data), 4);
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	assert_int_equal(
	    erg_icmp_echo_send(t.s, ADDR_A, 0x1234, 7, data, sizeof(data)), 0);
	assert_int_equal(t.cap.n, 1);
	pl = parse_frame(&t.cap.frames[0], &r);
	assert_memory_equal(t.cap.frames[0].data, mac_a, 6);
	assert_int_equal(r.src, ADDR_B);
	assert_int_equal(r.dst, ADDR_A);
	assert_int_equal(r.proto, ERG_IP_PROTO_ICMP);
	assert_int_equal(r.total_len, 20 + 8 + 100);
	assert_int_equal(erg_icmp_parse(&ir, &ipl, pl, NULL), 0);
	assert_int_equal(ir.type, ERG_ICMP_ECHO_REQUEST);
	assert_int_equal(ir.code, 0);
	assert_int_equal(ir.rest, 0x12340007);
	assert_int_equal(ipl.len, 100);
	assert_memory_equal(ipl.p, data, 100);

	/* A's reply reaches the handler. */
	erg_icmp_echo_handler_set(t.s, echo_cb, &e);
	inject_icmp(&t, mac_b, ADDR_B, ERG_ICMP_ECHO_REPLY, 0, 0x12340007, data,
	    sizeof(data), 42);
	assert_int_equal(e.calls, 1);
	assert_int_equal(e.from, ADDR_A);
	assert_int_equal(e.id, 0x1234);
	assert_int_equal(e.seq, 7);
	assert_int_equal(e.len, 100);
	assert_memory_equal(e.data, data, 100);
	assert_int_equal(e.now, 42);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ECHO_REPLY_RX), 1);
	/* The captured Linux reply too (B plays A here: same bytes). */
	{
		struct tn_stack a;

		tn_stack_init(&a, NULL, mac_a, ADDR_A, 24, 3);
		erg_icmp_echo_handler_set(a.s, echo_cb, &e);
		tn_inject(&a, frame_icmp_echo_reply,
		    sizeof(frame_icmp_echo_reply), 50);
		assert_int_equal(e.calls, 2);
		assert_int_equal(e.from, ADDR_B);
		assert_int_equal(e.id, 0x0ecf);
		assert_int_equal(e.seq, 1);
		assert_int_equal(e.len, 56);
		assert_memory_equal(e.data, frame_icmp_echo_reply + 42, 56);
		tn_stack_done(&a);
	}
	/* Without a handler replies are only counted. */
	erg_icmp_echo_handler_set(t.s, NULL, NULL);
	inject_icmp(&t, mac_b, ADDR_B, ERG_ICMP_ECHO_REPLY, 0, 0x12340008, data,
	    0, 43);
	assert_int_equal(e.calls, 2);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ECHO_REPLY_RX), 2);
	/* An empty echo is 28 bytes of IP. */
	tn_capture_clear(&t.cap);
	assert_int_equal(erg_icmp_echo_send(t.s, ADDR_A, 1, 2, NULL, 0), 0);
	assert_int_equal(t.cap.n, 1);
	pl = parse_frame(&t.cap.frames[0], &r);
	assert_int_equal(r.total_len, 28);
	assert_int_equal(erg_icmp_parse(&ir, &ipl, pl, NULL), 0);
	assert_int_equal(ir.rest, 0x00010002);
	tn_stack_done(&t);
}

static void
test_icmp_echo_send_65508_is_emsgsize(void **state)
{
	struct tn_stack t;
	uint8_t *data = tn_xmalloc(65508);

	(void)state;
	memset(data, 0xab, 65508);
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	assert_int_equal(erg_icmp_echo_send(t.s, ADDR_A, 1, 1, data, 65508),
	    -ERG_EMSGSIZE);
	assert_int_equal(t.cap.n, 0);
	/* 65507 bytes fill a 65535-byte datagram: 45 fragments. */
	assert_int_equal(erg_icmp_echo_send(t.s, ADDR_A, 1, 1, data, 65507), 0);
	assert_int_equal(t.cap.n, 45);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_TX), 45);
	{
		struct erg_ipv4_repr r;

		(void)parse_frame(&t.cap.frames[44], &r);
		assert_int_equal(r.frag_off + r.total_len, 65535);
		assert_false(r.mf);
	}
	tn_stack_done(&t);
	free(data);
}

/* ---- Errors received ----------------------------------------------------- */

static void
test_icmp_port_unreach_sets_udp_soft_error(void **state)
{
	struct tn_stack t;
	struct sent s;

	(void)state;
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	udp_send_one(&t, &s);
	assert_int_equal(erg_udp_error(s.u), 0);
	/* A quotes our whole datagram, as Linux does. */
	inject_err(&t, ERG_ICMP_DEST_UNREACH, ERG_ICMP_PORT_UNREACH, 0, s.dg,
	    s.len);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ERR_RX), 1);
	assert_int_equal(s.ev.error, 1);
	assert_int_equal(s.ev.readable, 0);
	assert_int_equal(erg_udp_error(s.u), -ERG_ECONNREFUSED);
	assert_int_equal(erg_udp_error(s.u), 0); /* read clears it */
	/* RFC 792's minimum: the header and 64 bits of data. */
	inject_err(&t, ERG_ICMP_DEST_UNREACH, ERG_ICMP_PORT_UNREACH, 0, s.dg,
	    28);
	assert_int_equal(s.ev.error, 2);
	assert_int_equal(erg_udp_error(s.u), -ERG_ECONNREFUSED);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ERR_BAD_QUOTE), 0);
	assert_int_equal(t.cap.n, 0); /* errors are never answered */
	erg_udp_close(s.u);
	tn_stack_done(&t);
}

static void
test_icmp_captured_port_unreach_reaches_socket(void **state)
{
	struct tn_stack a;
	struct erg_udp_sock *u;
	struct ev_rec ev;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	/* Play host A, whose socket 40000 sent frame_udp_small. */
	tn_stack_init(&a, NULL, mac_a, ADDR_A, 24, 3);
	assert_int_equal(erg_udp_open(a.s, ev_cb, &ev, &u), 0);
	assert_int_equal(erg_udp_bind(u, ERG_IPV4_ANY, 40000), 0);
	tn_inject(&a, frame_icmp_port_unreach, sizeof(frame_icmp_port_unreach),
	    1);
	assert_int_equal(ev.error, 1);
	assert_int_equal(erg_udp_error(u), -ERG_ECONNREFUSED);
	/* Connected to where it sent, still matched. */
	assert_int_equal(erg_udp_connect(u, ADDR_B, 7), 0);
	tn_inject(&a, frame_icmp_port_unreach, sizeof(frame_icmp_port_unreach),
	    2);
	assert_int_equal(erg_udp_error(u), -ERG_ECONNREFUSED);
	assert_int_equal(tn_stat(&a, ERG_STAT_ICMP_ERR_RX), 2);
	assert_int_equal(tn_stat(&a, ERG_STAT_ICMP_ERR_UNMATCHED), 0);
	erg_udp_close(u);
	tn_stack_done(&a);
}

static void
test_icmp_error_types_map_to_error_codes(void **state)
{
	static const struct {
		uint8_t type;
		uint8_t code;
		uint32_t rest;
		int err;
	} cases[] = {
		{ 3, 0, 0, -ERG_ENETUNREACH },
		{ 3, 1, 0, -ERG_EHOSTUNREACH },
		{ 3, 2, 0, -ERG_ECONNREFUSED },
		{ 3, 3, 0, -ERG_ECONNREFUSED },
		{ 3, 4, 1400, -ERG_EMSGTOOBIG },
		{ 3, 10, 0, -ERG_EHOSTUNREACH },
		{ 3, 13, 0, -ERG_EHOSTUNREACH },
		{ 11, 0, 0, -ERG_ETTL },
		{ 11, 1, 0, -ERG_ETTL },
		{ 12, 0, 0x14000000, -ERG_EHOSTUNREACH },
	};
	struct tn_stack t;
	struct sent s;
	size_t i;

	(void)state;
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	udp_send_one(&t, &s);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		inject_err(&t, cases[i].type, cases[i].code, cases[i].rest,
		    s.dg, s.len);
		if (erg_udp_error(s.u) != cases[i].err) {
			fail_msg("type %u code %u", cases[i].type,
			    cases[i].code);
		}
	}
	assert_int_equal(s.ev.error, sizeof(cases) / sizeof(cases[0]));
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ERR_RX),
	    sizeof(cases) / sizeof(cases[0]));
	erg_udp_close(s.u);
	tn_stack_done(&t);
}

static void
test_icmp_error_with_truncated_quote_is_bad_quote(void **state)
{
	struct tn_stack t;
	struct sent s;
	uint8_t q[64];
	unsigned k = 0;

	(void)state;
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	udp_send_one(&t, &s);
	/* Class 11. No quote; less than an IP header. */
	inject_err(&t, 3, 3, 0, s.dg, 0);
	k++;
	inject_err(&t, 3, 3, 0, s.dg, 19);
	k++;
	/* A whole header but fewer than 8 bytes after it. */
	inject_err(&t, 3, 3, 0, s.dg, 27);
	k++;
	inject_err(&t, 3, 3, 0, s.dg, 20);
	k++;
	/* IHL says 24 bytes: 28 present, not 24 + 8. */
	memcpy(q, s.dg, 20);
	q[0] = 0x46;
	memset(q + 20, 1, 4);
	memcpy(q + 24, s.dg + 20, 8);
	inject_err(&t, 3, 3, 0, q, 31);
	k++;
	/* IHL 15 with 34 bytes. */
	memcpy(q, s.dg, s.len);
	q[0] = 0x4f;
	inject_err(&t, 3, 3, 0, q, s.len);
	k++;
	/* Not IPv4; IHL below 5. */
	memcpy(q, s.dg, s.len);
	q[0] = 0x65;
	inject_err(&t, 3, 3, 0, q, s.len);
	k++;
	q[0] = 0x44;
	inject_err(&t, 3, 3, 0, q, s.len);
	k++;
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ERR_RX), k);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ERR_BAD_QUOTE), k);
	assert_int_equal(s.ev.error, 0);
	assert_int_equal(erg_udp_error(s.u), 0);
	/* With options, IHL + 8 is exactly enough. */
	memcpy(q, s.dg, 20);
	q[0] = 0x46;
	memset(q + 20, 1, 4);
	memcpy(q + 24, s.dg + 20, 8);
	inject_err(&t, 3, 3, 0, q, 32);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ERR_BAD_QUOTE), k);
	assert_int_equal(erg_udp_error(s.u), -ERG_ECONNREFUSED);
	erg_udp_close(s.u);
	tn_stack_done(&t);
}

static void
test_icmp_error_quoting_foreign_source_is_not_ours(void **state)
{
	struct tn_stack t;
	struct sent s;
	uint8_t q[64];

	(void)state;
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	udp_send_one(&t, &s);
	/* Same ports, but the quoted datagram came from A, not from us. */
	memcpy(q, s.dg, s.len);
	erg_put_be32(q + 12, ADDR_A);
	inject_err(&t, 3, 3, 0, q, s.len);
	erg_put_be32(q + 12, ERG_IPV4(198, 18, 0, 9));
	inject_err(&t, 3, 3, 0, q, s.len);
	erg_put_be32(q + 12, ERG_IPV4_ANY);
	inject_err(&t, 3, 3, 0, q, s.len);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ERR_NOT_OURS), 3);
	assert_int_equal(erg_udp_error(s.u), 0);
	assert_int_equal(s.ev.calls, 0);
	erg_udp_close(s.u);
	tn_stack_done(&t);
}

static void
test_icmp_error_for_no_socket_is_unmatched(void **state)
{
	struct tn_stack t;
	struct sent s;
	uint8_t q[64];

	(void)state;
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	udp_send_one(&t, &s);
	/* A protocol with no error hook (TCP is not wired here). */
	memcpy(q, s.dg, s.len);
	q[9] = ERG_IP_PROTO_TCP;
	inject_err(&t, 3, 3, 0, q, s.len);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ERR_UNMATCHED), 1);
	/* UDP from a port nobody holds. */
	memcpy(q, s.dg, s.len);
	erg_put_be16(q + 20, 5556);
	inject_err(&t, 3, 3, 0, q, s.len);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ERR_UNMATCHED), 2);
	/* A connected socket only hears about its own peer. */
	assert_int_equal(erg_udp_connect(s.u, ADDR_A, 8), 0);
	inject_err(&t, 3, 3, 0, s.dg, s.len);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ERR_UNMATCHED), 3);
	assert_int_equal(erg_udp_error(s.u), 0);
	assert_int_equal(s.ev.calls, 0);
	/* The quoted ICMP protocol has no hook either. */
	memcpy(q, s.dg, s.len);
	q[9] = ERG_IP_PROTO_ICMP;
	inject_err(&t, 3, 3, 0, q, s.len);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ERR_UNMATCHED), 4);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ERR_RX), 4);
	erg_udp_close(s.u);
	tn_stack_done(&t);
}

static void
test_icmp_frag_needed_with_absurd_mtu_is_bad_mtu(void **state)
{
	/* Class 12: 0 (old routers), below 68, and not below the link's. */
	static const uint32_t bad[] = { 0, 1, 67, 1500, 1501, 9000, 65535 };
	static const uint32_t good[] = { 68, 100, 551, 552, 576, 1280, 1499 };
	struct tn_stack t;
	struct sent s;
	size_t i;

	(void)state;
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	udp_send_one(&t, &s);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		inject_err(&t, ERG_ICMP_DEST_UNREACH, ERG_ICMP_FRAG_NEEDED,
		    bad[i], s.dg, s.len);
		assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ERR_BAD_MTU), i + 1);
		assert_int_equal(erg_udp_error(s.u), 0);
	}
	assert_int_equal(s.ev.calls, 0);
	/*
	 * Plausible values are accepted; 68..551 are raised to 552 (RFC
	 * 5927 7.2), which only the transport's error hook sees: UDP
	 * reports the error itself.
	 */
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		inject_err(&t, ERG_ICMP_DEST_UNREACH, ERG_ICMP_FRAG_NEEDED,
		    good[i], s.dg, s.len);
		assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ERR_BAD_MTU),
		    sizeof(bad) / sizeof(bad[0]));
		assert_int_equal(erg_udp_error(s.u), -ERG_EMSGTOOBIG);
	}
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ERR_RX),
	    sizeof(bad) / sizeof(bad[0]) + sizeof(good) / sizeof(good[0]));
	assert_int_equal(s.ev.error, sizeof(good) / sizeof(good[0]));
	/* The MTU is the low 16 bits of the second word (RFC 1191 4). */
	inject_err(&t, ERG_ICMP_DEST_UNREACH, ERG_ICMP_FRAG_NEEDED,
	    0xffff0000u | 1400, s.dg, s.len);
	assert_int_equal(erg_udp_error(s.u), -ERG_EMSGTOOBIG);
	inject_err(&t, ERG_ICMP_DEST_UNREACH, ERG_ICMP_FRAG_NEEDED, 0x05dc0000u,
	    s.dg, s.len);
	assert_int_equal(erg_udp_error(s.u), 0);
	erg_udp_close(s.u);
	tn_stack_done(&t);
}

static void
test_icmp_redirect_and_source_quench_are_ignored(void **state)
{
	struct tn_stack t;
	struct sent s;

	(void)state;
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	udp_send_one(&t, &s);
	/* Redirect to 198.18.0.66 (a hijack attempt), and RFC 6633. */
	inject_err(&t, ERG_ICMP_REDIRECT, 1, ERG_IPV4(198, 18, 0, 66), s.dg,
	    s.len);
	inject_err(&t, ERG_ICMP_SOURCE_QUENCH, 0, 0, s.dg, s.len);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_IGNORED), 2);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ERR_RX), 0);
	assert_int_equal(erg_udp_error(s.u), 0);
	assert_int_equal(s.ev.calls, 0);
	/* The route did not change: A still gets our datagrams directly. */
	assert_int_equal(erg_udp_sendto(s.u, ADDR_A, 7, "x", 1), 0);
	assert_int_equal(t.cap.n, 1);
	assert_memory_equal(t.cap.frames[0].data, mac_a, 6);
	erg_udp_close(s.u);
	tn_stack_done(&t);
}

static void
test_icmp_unknown_type_is_counted(void **state)
{
	static const uint8_t types[] = { 13, 14, 17, 42, 255 };
	struct tn_stack t;
	size_t i;

	(void)state;
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	for (i = 0; i < sizeof(types); i++) {
		inject_icmp(&t, mac_b, ADDR_B, types[i], 0, 0,
		    (const uint8_t *)"12345678", 8, 1);
	}
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_RX), sizeof(types));
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_UNKNOWN_TYPE),
	    sizeof(types));
	assert_int_equal(t.cap.n, 0);
	tn_stack_done(&t);
}

static void
test_icmp_error_to_broadcast_is_ignored(void **state)
{
	struct tn_stack t;
	struct sent s;

	(void)state;
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	udp_send_one(&t, &s);
	inject_icmp(&t, mac_bcast, ERG_IPV4_BROADCAST, 3, 3, 0, s.dg, s.len, 1);
	inject_icmp(&t, mac_bcast, NET_BCAST, 3, 1, 0, s.dg, s.len, 1);
	inject_icmp(&t, mac_bcast, ADDR_B, 11, 0, 0, s.dg, s.len, 1);
	inject_icmp(&t, mac_b, ERG_IPV4_BROADCAST, 12, 0, 0, s.dg, s.len, 1);
	/* The unicast one in a link broadcast stops at IPv4 (3.3.6). */
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_IGNORED), 3);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_LINK_BCAST_UNICAST), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ERR_RX), 0);
	assert_int_equal(erg_udp_error(s.u), 0);
	assert_int_equal(s.ev.calls, 0);
	erg_udp_close(s.u);
	tn_stack_done(&t);
}

static void
test_icmp_input_drops_truncated_and_bad_checksum(void **state)
{
	struct tn_stack t;
	uint8_t ip[64], f[sizeof(frame_icmp_echo_request)];
	size_t n;

	(void)state;
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	n = tn_build_ipv4(ip, ADDR_A, ADDR_B, ERG_IP_PROTO_ICMP, 1, 0, false,
	    "\x08\x00\xf7\xff", 4);
	inject_ip(&t, mac_b, ip, n, 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_TRUNCATED), 1);
	memcpy(f, frame_icmp_echo_request, sizeof(f));
	f[sizeof(f) - 1] ^= 0x40;
	tn_inject(&t, f, sizeof(f), 2);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_BAD_CHECKSUM), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_RX), 2);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ECHO_RX), 0);
	assert_int_equal(t.cap.n, 0);
	tn_stack_done(&t);
}

/* ---- Errors sent --------------------------------------------------------- */

/* Checks that f is ICMP type/code from B to A quoting q[0..qlen). */
static void
check_icmp_error(const struct tn_frame *f, uint8_t type, uint8_t code,
    const uint8_t *q, size_t qlen)
{
	struct erg_ipv4_repr r;
	struct erg_view pl = parse_frame(f, &r);

	assert_memory_equal(f->data, mac_a, 6);
	assert_int_equal(r.src, ADDR_B);
	assert_int_equal(r.dst, ADDR_A);
	assert_int_equal(r.proto, ERG_IP_PROTO_ICMP);
	assert_int_equal(r.total_len, 20 + 8 + qlen);
	assert_int_equal(pl.p[0], type);
	assert_int_equal(pl.p[1], code);
	assert_int_equal(erg_be32(pl.p + 4), 0);
	assert_int_equal(erg_cksum(pl.p, pl.len), 0);
	assert_memory_equal(pl.p + 8, q, qlen);
}

/* A first fragment (8 bytes: type, code, zeros) of ICMP type to B. */
static void
inject_icmp_first_frag(struct tn_stack *t, uint16_t id, uint8_t type,
    uint64_t now)
{
	uint8_t m[16], ip[64];
	size_t n;

	memset(m, 0, sizeof(m));
	m[0] = type;
	n = tn_build_ipv4(ip, ADDR_A, ADDR_B, ERG_IP_PROTO_ICMP, id, 0, true, m,
	    sizeof(m));
	inject_ip(t, mac_b, ip, n, now);
}

static void
test_icmp_error_never_about_an_icmp_error(void **state)
{
	static const uint8_t errors[] = {
		ERG_ICMP_DEST_UNREACH,
		ERG_ICMP_SOURCE_QUENCH,
		ERG_ICMP_REDIRECT,
		ERG_ICMP_TIME_EXCEEDED,
		ERG_ICMP_PARAM_PROBLEM,
	};
	struct tn_stack t;
	struct erg_config cfg;
	uint8_t first[36];
	size_t i;

	(void)state;
	/*
	 * The only error erg can owe about an ICMP message is time
	 * exceeded in reassembly: fragments of ICMP errors time out
	 * silently (RFC 1122 3.2.2), those of queries do not.
	 */
	erg_config_default(&cfg);
	cfg.reasm_slots = 6;
	tn_host_b(&t, &cfg);
	tn_learn_a(&t, 0);
	for (i = 0; i < sizeof(errors); i++) {
		inject_icmp_first_frag(&t, (uint16_t)(100 + i), errors[i], 1);
	}
	inject_icmp_first_frag(&t, 200, ERG_ICMP_ECHO_REQUEST, 1);
	erg_stack_poll(t.s, 1 + 30 * SEC);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_FRAG_TIMEOUT), 6);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ERR_TX), 1);
	assert_int_equal(t.cap.n, 1);
	memset(first, 0, sizeof(first));
	(void)tn_build_ipv4(first, ADDR_A, ADDR_B, ERG_IP_PROTO_ICMP, 200, 0,
	    true, "\x08\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	check_icmp_error(&t.cap.frames[0], ERG_ICMP_TIME_EXCEEDED,
	    ERG_ICMP_REASM_EXCEEDED, first, 28);
	tn_stack_done(&t);
}

static void
test_icmp_error_never_for_broadcast_or_multicast_dst(void **state)
{
	static const uint8_t mac_mcast[6] = { 0x01, 0x00, 0x5e, 0, 0, 1 };
	static const struct {
		uint32_t dst;
		const uint8_t *mac;
		enum erg_stat counted;
	} cases[] = {
		{ ERG_IPV4_BROADCAST, mac_bcast, ERG_STAT_UDP_NO_PORT },
		{ NET_BCAST, mac_bcast, ERG_STAT_UDP_NO_PORT },
		/* RFC 1122 3.3.6: unicast in a link broadcast is dropped. */
		{ ADDR_B, mac_bcast, ERG_STAT_IPV4_LINK_BCAST_UNICAST },
		{ ERG_IPV4_BROADCAST, mac_b, ERG_STAT_UDP_NO_PORT },
		/* erg joins no group: these stop before UDP. */
		{ ERG_IPV4(224, 0, 0, 1), mac_mcast, ERG_STAT_ETHER_MULTICAST },
		{ ERG_IPV4(224, 0, 0, 1), mac_b, ERG_STAT_IPV4_NOT_FOR_US },
	};
	struct tn_stack t;
	uint8_t f[128];
	size_t i, n;

	(void)state;
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t before = tn_stat(&t, cases[i].counted);

		n = tn_build_udp_frame(f, cases[i].mac, mac_a, ADDR_A,
		    cases[i].dst, 40000, 7, "hello\n", 6);
		tn_inject(&t, f, n, 1);
		assert_int_equal(tn_stat(&t, cases[i].counted), before + 1);
	}
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ERR_TX), 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ERR_RATE_LIMITED), 0);
	assert_int_equal(t.cap.n, 0);
	tn_stack_done(&t);
}

static void
test_icmp_error_never_for_bad_source(void **state)
{
	static const uint32_t bad[] = {
		ERG_IPV4_ANY,
		ERG_IPV4(127, 0, 0, 1),
		ERG_IPV4_BROADCAST,
		ERG_IPV4(224, 0, 0, 9),
		ERG_IPV4(250, 1, 1, 1),
		NET_BCAST,
	};
	struct tn_stack t;
	uint8_t f[128];
	size_t i, n;

	(void)state;
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = tn_build_udp_frame(f, mac_b, mac_a, bad[i], ADDR_B, 40000,
		    7, "hello\n", 6);
		tn_inject(&t, f, n, 1);
		n = tn_build_ping_frame(f, mac_b, mac_a, bad[i], ADDR_B, 1, 1,
		    "ping", 4);
		tn_inject(&t, f, n, 1);
	}
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_BAD_SRC),
	    2 * (sizeof(bad) / sizeof(bad[0])));
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ERR_TX), 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ECHO_REPLY_TX), 0);
	assert_int_equal(t.cap.n, 0);
	tn_stack_done(&t);
}

static void
test_icmp_nothing_is_answered_to_an_unroutable_source(void **state)
{
	struct tn_stack t;
	uint8_t f[128];
	size_t n;

	(void)state;
	/* No gateway: an off-link source cannot be answered, only counted. */
	tn_host_b(&t, NULL);
	n = tn_build_ping_frame(f, mac_b, mac_a, ERG_IPV4(203, 0, 113, 7),
	    ADDR_B, 1, 1, "ping", 4);
	tn_inject(&t, f, n, 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ECHO_RX), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ECHO_REPLY_TX), 0);
	n = tn_build_udp_frame(f, mac_b, mac_a, ERG_IPV4(203, 0, 113, 7),
	    ADDR_B, 40000, 7, "hello\n", 6);
	tn_inject(&t, f, n, 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_NO_PORT), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ERR_TX), 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_NO_ROUTE), 2);
	assert_int_equal(t.cap.n, 0);
	/* With a gateway, both go to it. */
	assert_int_equal(erg_ipv4_gateway_set(t.s, t.ifindex, ADDR_A), 0);
	tn_learn_a(&t, 2);
	n = tn_build_ping_frame(f, mac_b, mac_a, ERG_IPV4(203, 0, 113, 7),
	    ADDR_B, 1, 1, "ping", 4);
	tn_inject(&t, f, n, 3);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ECHO_REPLY_TX), 1);
	assert_int_equal(t.cap.n, 1);
	assert_memory_equal(t.cap.frames[0].data, mac_a, 6);
	tn_stack_done(&t);
}

static void
test_icmp_error_rate_limit_is_a_token_bucket(void **state)
{
	struct tn_stack t;
	struct erg_config cfg;
	uint64_t t0 = 1000, now;
	unsigned i;

	(void)state;
	/* 10 a second (one per 100 ms), bursts of 3 (RFC 1812 4.3.2.8). */
	erg_config_default(&cfg);
	cfg.icmp_err_per_sec = 10;
	cfg.icmp_err_burst = 3;
	tn_host_b(&t, &cfg);
	tn_learn_a(&t, 0);
	for (i = 0; i < 5; i++) {
		tn_inject(&t, frame_udp_small, sizeof(frame_udp_small), t0);
	}
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_NO_PORT), 5);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ERR_TX), 3);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ERR_RATE_LIMITED), 2);
	assert_int_equal(t.cap.n, 3);
	/* One token takes 100 ms to come back: not a microsecond less. */
	tn_inject(&t, frame_udp_small, sizeof(frame_udp_small), t0 + 99999);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ERR_RATE_LIMITED), 3);
	tn_inject(&t, frame_udp_small, sizeof(frame_udp_small), t0 + 100000);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ERR_TX), 4);
	tn_inject(&t, frame_udp_small, sizeof(frame_udp_small), t0 + 100001);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ERR_RATE_LIMITED), 4);
	/* A long quiet spell refills the bucket to the burst, no more. */
	now = t0 + 10 * SEC;
	for (i = 0; i < 4; i++) {
		tn_inject(&t, frame_udp_small, sizeof(frame_udp_small), now);
	}
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ERR_TX), 7);
	assert_int_equal(tn_stat(&t, ERG_STAT_ICMP_ERR_RATE_LIMITED), 5);
	assert_int_equal(t.cap.n, 7);
	/* Each one sent is the exact port unreachable. */
	for (i = 0; i < t.cap.n; i++) {
		check_icmp_error(&t.cap.frames[i], 3, 3, frame_udp_small + 14,
		    34);
	}
	tn_stack_done(&t);
}

static void
test_icmp_error_quote_is_at_most_548_bytes(void **state)
{
	static const size_t lens[] = { 1, 520, 521, 1000, 1472 };
	struct tn_stack t;
	uint8_t data[1472], f[1514];
	size_t i, n;

	(void)state;
	fill_pattern(data, sizeof(data), 8);
	tn_host_b(&t, NULL);
	tn_learn_a(&t, 0);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t total = 28 + lens[i];
		size_t q = total < 548 ? total : 548;

		tn_capture_clear(&t.cap);
		n = tn_build_udp_frame(f, mac_b, mac_a, ADDR_A, ADDR_B, 40000,
		    7, data, lens[i]);
		tn_inject(&t, f, n, 1);
		assert_int_equal(t.cap.n, 1);
		/* RFC 1812 4.3.2.3: the error fits in 576 bytes of IP. */
		check_icmp_error(&t.cap.frames[0], 3, 3, f + 14, q);
		assert_true(20 + 8 + q <= 576);
	}
	tn_stack_done(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_icmp_parse_captured_messages),
		cmocka_unit_test(test_icmp_emit_into_a5_buffer_matches_capture),
		cmocka_unit_test(test_icmp_emit_refuses_short_buffer),
		cmocka_unit_test(test_icmp_parse_refuses_truncation),
		cmocka_unit_test(
		    test_icmp_checksum_covers_ip_payload_not_buffer),
		cmocka_unit_test(
		    test_icmp_echo_request_gets_reply_equal_to_capture),
		cmocka_unit_test(
		    test_icmp_echo_request_with_link_padding_gets_same_reply),
		cmocka_unit_test(test_icmp_echo_reply_waits_for_arp),
		cmocka_unit_test(test_icmp_echo_to_broadcast_is_ignored),
		cmocka_unit_test(
		    test_icmp_echo_send_and_handler_get_id_seq_data),
		cmocka_unit_test(test_icmp_echo_send_65508_is_emsgsize),
		cmocka_unit_test(test_icmp_port_unreach_sets_udp_soft_error),
		cmocka_unit_test(
		    test_icmp_captured_port_unreach_reaches_socket),
		cmocka_unit_test(test_icmp_error_types_map_to_error_codes),
		cmocka_unit_test(
		    test_icmp_error_with_truncated_quote_is_bad_quote),
		cmocka_unit_test(
		    test_icmp_error_quoting_foreign_source_is_not_ours),
		cmocka_unit_test(test_icmp_error_for_no_socket_is_unmatched),
		cmocka_unit_test(
		    test_icmp_frag_needed_with_absurd_mtu_is_bad_mtu),
		cmocka_unit_test(
		    test_icmp_redirect_and_source_quench_are_ignored),
		cmocka_unit_test(test_icmp_unknown_type_is_counted),
		cmocka_unit_test(test_icmp_error_to_broadcast_is_ignored),
		cmocka_unit_test(
		    test_icmp_input_drops_truncated_and_bad_checksum),
		cmocka_unit_test(test_icmp_error_never_about_an_icmp_error),
		cmocka_unit_test(
		    test_icmp_error_never_for_broadcast_or_multicast_dst),
		cmocka_unit_test(test_icmp_error_never_for_bad_source),
		cmocka_unit_test(
		    test_icmp_nothing_is_answered_to_an_unroutable_source),
		cmocka_unit_test(test_icmp_error_rate_limit_is_a_token_bucket),
		cmocka_unit_test(test_icmp_error_quote_is_at_most_548_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
