/*
 * tests/unit/test_ether.c: Ethernet II and ARP, on the wire and in the
 * stack (RFC 894, RFC 826, RFC 1122 2.3.2, RFC 5227).
 *
 * Wire tests deconstruct the frames Linux sent in tests/vectors/frames.h,
 * construct into 0xA5-filled buffers, and refuse every truncation and bad
 * length field (TESTING.md bad-input class 14). Stack tests drive a stack
 * playing host A (02:..:01, 198.18.0.1) or host B (02:..:02, 198.18.0.2)
 * of the capture, so that what the stack sends can be compared byte for
 * byte with what Linux sent in the same exchange.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../../src/ether/ether_link.h" /* erg_ether_output*() */
#include "lib/testnet.h"
#include "frames.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const uint8_t mac_a[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t mac_b[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
static const uint8_t mac_c[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x03 };
static const uint8_t mac_d[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x04 };
static const uint8_t mac_x[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x09 };
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t zero6[6];

#define IP_A ERG_IPV4(198, 18, 0, 1)
#define IP_B ERG_IPV4(198, 18, 0, 2)
#define IP_C ERG_IPV4(198, 18, 0, 3)
#define IP_D ERG_IPV4(198, 18, 0, 4)

#define MS  1000ull /* microseconds per millisecond */
#define SEC (1000ull * MS)

/* ---- Helpers ----------------------------------------------------------- */

static void
stack_a(struct tn_stack *t, const struct erg_config *cfg)
{
	tn_stack_init(t, cfg, mac_a, IP_A, 24, 0xa);
}

static void
stack_b(struct tn_stack *t, const struct erg_config *cfg)
{
	tn_stack_init(t, cfg, mac_b, IP_B, 24, 0xb);
}

static void
end_test(struct tn_stack *t)
{
	assert_int_equal(erg_stack_pool_in_use(t->s), t->baseline);
	tn_stack_fini(t);
}

static const struct tn_frame *
frame_at(const struct tn_stack *t, unsigned i)
{
	assert_true(i < t->cap.n);
	return &t->cap.frames[i];
}

static void
assert_arp_frame(const struct tn_frame *f, const uint8_t dst[6],
    const uint8_t src[6], uint16_t op, const uint8_t sha[6], uint32_t spa,
    const uint8_t tha[6], uint32_t tpa)
{
	uint8_t want[64];
	size_t n;

	n = tn_build_arp_frame(want, dst, src, op, sha, spa, tha, tpa);
	assert_int_equal(f->len, n);
	assert_memory_equal(f->data, want, n);
}

static void
inject_arp(struct tn_stack *t, const uint8_t dst[6], const uint8_t src[6],
    uint16_t op, const uint8_t sha[6], uint32_t spa, const uint8_t tha[6],
    uint32_t tpa, uint64_t now)
{
	uint8_t f[64];
	size_t n;

	n = tn_build_arp_frame(f, dst, src, op, sha, spa, tha, tpa);
	tn_inject(t, f, n, now);
}

/* A reply from (mac, ip) to the stack, as Linux would send it. */
static void
inject_reply_from(struct tn_stack *t, const uint8_t mac[6], uint32_t ip,
    uint64_t now)
{
	inject_arp(t, t->mac, mac, ERG_ARP_OP_REPLY, mac, ip, t->mac, t->addr,
	    now);
}

/* The datagram in a transmitted frame, parsed by the wire modules. */
struct udp_out {
	struct erg_ether_repr eh;
	struct erg_ipv4_repr ip;
	struct erg_udp_repr udp;
	struct erg_view data;
};

static void
parse_udp_out(const struct tn_frame *f, struct udp_out *o)
{
	struct erg_view ipv, udpv;

	assert_int_equal(
	    erg_ether_parse(&o->eh, &ipv, erg_view_make(f->data, f->len), NULL),
	    0);
	assert_int_equal(o->eh.type, ERG_ETHERTYPE_IPV4);
	assert_int_equal(erg_ipv4_parse(&o->ip, &udpv, ipv, NULL), 0);
	assert_int_equal(o->ip.proto, ERG_IP_PROTO_UDP);
	assert_int_equal(
	    erg_udp_parse(&o->udp, &o->data, udpv, o->ip.src, o->ip.dst, NULL),
	    0);
}

/*
 * A counter of what the stack sent, less the announcement that
 * tn_stack_init's erg_ipv4_addr_set sent before the test began.
 */
static uint64_t
sent(const struct tn_stack *t, enum erg_stat id)
{
	uint64_t v = tn_stat(t, id);

	if (t->addr != 0 &&
	    (id == ERG_STAT_ARP_REQUEST_TX || id == ERG_STAT_NETIF_TX))
		v--;
	return v;
}

static unsigned
count_arp_op(const struct tn_stack *t, uint16_t op)
{
	unsigned i, n = 0;

	for (i = 0; i < t->cap.n; i++) {
		const struct tn_frame *f = &t->cap.frames[i];

		if (f->len >= 22 &&
		    erg_be16(f->data + 12) == ERG_ETHERTYPE_ARP &&
		    erg_be16(f->data + 20) == op)
			n++;
	}
	return n;
}

static struct erg_udp_sock *
udp_sock(struct tn_stack *t, uint16_t port)
{
	struct erg_udp_sock *u;

	assert_int_equal(erg_udp_open(t->s, NULL, NULL, &u), 0);
	assert_int_equal(erg_udp_bind(u, ERG_IPV4_ANY, port), 0);
	return u;
}

static int
send_str(struct erg_udp_sock *u, uint32_t to, const char *msg)
{
	return erg_udp_sendto(u, to, 7, msg, strlen(msg));
}

/* Polls at every deadline the stack asks for until none is left. */
static void
poll_until_idle(struct tn_stack *t, uint64_t from)
{
	uint64_t next = erg_stack_poll(t->s, from);
	unsigned n = 0;

	while (next != ERG_TIME_NEVER && n++ < 10000)
		next = erg_stack_poll(t->s, next);
	assert_int_equal(next, ERG_TIME_NEVER);
}

/* ---- Ethernet wire format ---------------------------------------------- */

struct captured {
	const char *name;
	const uint8_t *p;
	size_t len;
	const uint8_t *dst;
	const uint8_t *src;
	uint16_t type;
};

#define CAP(f, d, s, ty)                   \
	{                                  \
#f, f, sizeof(f), d, s, ty \
	}

static const struct captured captured[] = {
	CAP(frame_arp_gratuitous, bcast, mac_a, ERG_ETHERTYPE_ARP),
	CAP(frame_arp_request, bcast, mac_a, ERG_ETHERTYPE_ARP),
	CAP(frame_arp_reply, mac_a, mac_b, ERG_ETHERTYPE_ARP),
	CAP(frame_icmp_echo_request, mac_b, mac_a, ERG_ETHERTYPE_IPV4),
	CAP(frame_icmp_echo_reply, mac_a, mac_b, ERG_ETHERTYPE_IPV4),
	CAP(frame_icmp_frag_first, mac_b, mac_a, ERG_ETHERTYPE_IPV4),
	CAP(frame_icmp_frag_second, mac_b, mac_a, ERG_ETHERTYPE_IPV4),
	CAP(frame_icmp_frag_last, mac_b, mac_a, ERG_ETHERTYPE_IPV4),
	CAP(frame_udp_small, mac_b, mac_a, ERG_ETHERTYPE_IPV4),
	CAP(frame_icmp_port_unreach, mac_a, mac_b, ERG_ETHERTYPE_IPV4),
	CAP(frame_udp_frag_first, mac_b, mac_a, ERG_ETHERTYPE_IPV4),
	CAP(frame_udp_frag_last, mac_b, mac_a, ERG_ETHERTYPE_IPV4),
};

static void
test_ether_parse_every_captured_frame(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(captured); i++) {
		const struct captured *c = &captured[i];
		struct erg_ether_repr r;
		struct erg_view pl;
		enum erg_stat why = ERG_STAT_COUNT;

		memset(&r, 0xA5, sizeof(r));
		if (erg_ether_parse(&r, &pl, erg_view_make(c->p, c->len),
		        &why) != 0)
			fail_msg("%s refused", c->name);
		assert_memory_equal(r.dst, c->dst, 6);
		assert_memory_equal(r.src, c->src, 6);
		assert_int_equal(r.type, c->type);
		assert_ptr_equal(pl.p, c->p + 14);
		assert_int_equal(pl.len, c->len - 14);
		assert_int_equal(why, ERG_STAT_COUNT); /* untouched */
	}
}

static void
test_ether_parse_refuses_every_truncation_as_runt(void **state)
{
	size_t i, n;

	(void)state;
	for (i = 0; i < NELEM(captured); i++) {
		for (n = 0; n < ERG_ETHER_HDR_LEN; n++) {
			struct erg_ether_repr r;
			struct erg_view pl = { NULL, 12345 };
			enum erg_stat why = ERG_STAT_COUNT;

			assert_int_equal(erg_ether_parse(&r, &pl,
			                     erg_view_make(captured[i].p, n),
			                     &why),
			    -ERG_ETRUNC);
			assert_int_equal(why, ERG_STAT_ETHER_RUNT);
			assert_null(pl.p);
			assert_int_equal(pl.len, 12345);
			assert_int_equal(erg_ether_parse(&r, &pl,
			                     erg_view_make(captured[i].p, n),
			                     NULL),
			    -ERG_ETRUNC);
		}
		/* The bare header is a frame with an empty payload. */
		{
			struct erg_ether_repr r;
			struct erg_view pl;

			assert_int_equal(erg_ether_parse(&r, &pl,
			                     erg_view_make(captured[i].p, 14),
			                     NULL),
			    0);
			assert_int_equal(pl.len, 0);
		}
	}
}

static void
test_ether_parse_refuses_8023_length_fields(void **state)
{
	/* Below 0x0600 the field is an IEEE 802.3 length, not a type. */
	static const uint16_t lens[] = { 0x0000, 0x0001, 0x002e, 0x05dc, 0x05dd,
		0x05ff };
	static const uint16_t types[] = { 0x0600, 0x0800, 0x0806, 0x86dd,
		0xffff };
	uint8_t f[64];
	size_t i;

	(void)state;
	memcpy(f, frame_arp_request, sizeof(frame_arp_request));
	for (i = 0; i < NELEM(lens); i++) {
		struct erg_ether_repr r;
		struct erg_view pl;
		enum erg_stat why = ERG_STAT_COUNT;

		erg_put_be16(f + 12, lens[i]);
		assert_int_equal(
		    erg_ether_parse(&r, &pl, erg_view_make(f, 42), &why),
		    -ERG_EUNSUPPORTED);
		assert_int_equal(why, ERG_STAT_ETHER_UNKNOWN_TYPE);
		assert_int_equal(
		    erg_ether_parse(&r, &pl, erg_view_make(f, 42), NULL),
		    -ERG_EUNSUPPORTED);
	}
	for (i = 0; i < NELEM(types); i++) {
		struct erg_ether_repr r;
		struct erg_view pl;

		erg_put_be16(f + 12, types[i]);
		assert_int_equal(
		    erg_ether_parse(&r, &pl, erg_view_make(f, 42), NULL), 0);
		assert_int_equal(r.type, types[i]);
	}
}

static void
test_ether_emit_writes_exactly_14_bytes(void **state)
{
	struct erg_ether_repr r;
	uint8_t buf[64];
	size_t i;

	(void)state;
	memcpy(r.dst, mac_a, 6);
	memcpy(r.src, mac_b, 6);
	r.type = ERG_ETHERTYPE_ARP;
	memset(buf, 0xA5, sizeof(buf));
	assert_int_equal(erg_ether_emit(&r, buf, sizeof(buf)), 14);
	/* frame_arp_reply is B -> A, type ARP. */
	assert_memory_equal(buf, frame_arp_reply, 14);
	for (i = 14; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xA5);
	/* Exactly 14 is enough; 13 is refused with nothing written. */
	memset(buf, 0xA5, sizeof(buf));
	assert_int_equal(erg_ether_emit(&r, buf, 14), 14);
	memset(buf, 0xA5, sizeof(buf));
	assert_int_equal(erg_ether_emit(&r, buf, 13), -ERG_EINVAL);
	assert_int_equal(erg_ether_emit(&r, buf, 0), -ERG_EINVAL);
	for (i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xA5);
}

static void
test_ether_parse_emit_round_trip_every_captured_frame(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < NELEM(captured); i++) {
		struct erg_ether_repr r;
		struct erg_view pl;
		uint8_t buf[32];

		assert_int_equal(
		    erg_ether_parse(&r, &pl,
		        erg_view_make(captured[i].p, captured[i].len), NULL),
		    0);
		memset(buf, 0xA5, sizeof(buf));
		assert_int_equal(erg_ether_emit(&r, buf, sizeof(buf)), 14);
		assert_memory_equal(buf, captured[i].p, 14);
		for (j = 14; j < sizeof(buf); j++)
			assert_int_equal(buf[j], 0xA5);
	}
}

/* ---- ARP wire format --------------------------------------------------- */

static void
test_arp_parse_captured_packets_fields_exact(void **state)
{
	static const struct {
		const uint8_t *p;
		uint16_t op;
		const uint8_t *sha;
		uint32_t spa;
		const uint8_t *tha;
		uint32_t tpa;
	} want[] = {
		{ frame_arp_request, ERG_ARP_OP_REQUEST, mac_a, IP_A, zero6,
		    IP_B },
		{ frame_arp_reply, ERG_ARP_OP_REPLY, mac_b, IP_B, mac_a, IP_A },
		/* RFC 5227 announcement: sender and target both A. */
		{ frame_arp_gratuitous, ERG_ARP_OP_REQUEST, mac_a, IP_A, zero6,
		    IP_A },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(want); i++) {
		struct erg_arp_repr r;
		enum erg_stat why = ERG_STAT_COUNT;

		memset(&r, 0xA5, sizeof(r));
		assert_int_equal(
		    erg_arp_parse(&r, erg_view_make(want[i].p + 14, 28), &why),
		    0);
		assert_int_equal(why, ERG_STAT_COUNT);
		assert_int_equal(r.op, want[i].op);
		assert_memory_equal(r.sha, want[i].sha, 6);
		assert_int_equal(r.spa, want[i].spa);
		assert_memory_equal(r.tha, want[i].tha, 6);
		assert_int_equal(r.tpa, want[i].tpa);
	}
}

static void
test_arp_emit_reproduces_captured_bytes(void **state)
{
	struct {
		const uint8_t *p;
		struct erg_arp_repr r;
	} cases[3];
	size_t i, j;

	(void)state;
	/* Reprs written by hand from tshark's reading of each frame. */
	memset(cases, 0, sizeof(cases));
	cases[0].p = frame_arp_request;
	cases[0].r.op = ERG_ARP_OP_REQUEST;
	memcpy(cases[0].r.sha, mac_a, 6);
	cases[0].r.spa = IP_A;
	cases[0].r.tpa = IP_B;
	cases[1].p = frame_arp_reply;
	cases[1].r.op = ERG_ARP_OP_REPLY;
	memcpy(cases[1].r.sha, mac_b, 6);
	cases[1].r.spa = IP_B;
	memcpy(cases[1].r.tha, mac_a, 6);
	cases[1].r.tpa = IP_A;
	cases[2].p = frame_arp_gratuitous;
	cases[2].r.op = ERG_ARP_OP_REQUEST;
	memcpy(cases[2].r.sha, mac_a, 6);
	cases[2].r.spa = IP_A;
	cases[2].r.tpa = IP_A;
	for (i = 0; i < NELEM(cases); i++) {
		uint8_t buf[48];

		memset(buf, 0xA5, sizeof(buf));
		assert_int_equal(erg_arp_emit(&cases[i].r, buf, sizeof(buf)),
		    28);
		assert_memory_equal(buf, cases[i].p + 14, 28);
		for (j = 28; j < sizeof(buf); j++)
			assert_int_equal(buf[j], 0xA5);
		/* Exactly 28 is enough; 27 is refused, nothing written. */
		memset(buf, 0xA5, sizeof(buf));
		assert_int_equal(erg_arp_emit(&cases[i].r, buf, 28), 28);
		assert_memory_equal(buf, cases[i].p + 14, 28);
		memset(buf, 0xA5, sizeof(buf));
		assert_int_equal(erg_arp_emit(&cases[i].r, buf, 27),
		    -ERG_EINVAL);
		for (j = 0; j < sizeof(buf); j++)
			assert_int_equal(buf[j], 0xA5);
	}
}

static void
test_arp_parse_refuses_every_truncation(void **state)
{
	static const uint8_t *const pk[] = { frame_arp_request, frame_arp_reply,
		frame_arp_gratuitous };
	uint8_t padded[46];
	size_t i, n;

	(void)state;
	for (i = 0; i < NELEM(pk); i++) {
		for (n = 0; n < ERG_ARP_LEN; n++) {
			struct erg_arp_repr r;
			enum erg_stat why = ERG_STAT_COUNT;

			assert_int_equal(erg_arp_parse(&r,
			                     erg_view_make(pk[i] + 14, n),
			                     &why),
			    -ERG_ETRUNC);
			assert_int_equal(why, ERG_STAT_ARP_TRUNCATED);
			assert_int_equal(erg_arp_parse(&r,
			                     erg_view_make(pk[i] + 14, n),
			                     NULL),
			    -ERG_ETRUNC);
		}
	}
	/* Ethernet padding after the 28 bytes (60-byte frame) is ignored. */
	{
		struct erg_arp_repr r;

		memset(padded, 0xA5, sizeof(padded));
		memcpy(padded, frame_arp_request + 14, 28);
		assert_int_equal(erg_arp_parse(&r,
		                     erg_view_make(padded, sizeof(padded)),
		                     NULL),
		    0);
		assert_int_equal(r.tpa, IP_B);
	}
}

struct arp_mutation {
	const char *what;
	size_t off;     /* in the ARP packet */
	unsigned width; /* 1 or 2 bytes */
	uint16_t value;
	enum erg_stat why;
};

/* RFC 826: htype 1, ptype 0x0800, hlen 6, plen 4, op 1 or 2. */
static const struct arp_mutation arp_mutations[] = {
	{ "htype 0", 0, 2, 0, ERG_STAT_ARP_BAD_FORMAT },
	{ "htype 6 (IEEE 802)", 0, 2, 6, ERG_STAT_ARP_BAD_FORMAT },
	{ "htype 0x0100", 0, 2, 0x0100, ERG_STAT_ARP_BAD_FORMAT },
	{ "htype 0xffff", 0, 2, 0xffff, ERG_STAT_ARP_BAD_FORMAT },
	{ "ptype 0", 2, 2, 0, ERG_STAT_ARP_BAD_FORMAT },
	{ "ptype 0x86dd", 2, 2, 0x86dd, ERG_STAT_ARP_BAD_FORMAT },
	{ "ptype 0x0806", 2, 2, 0x0806, ERG_STAT_ARP_BAD_FORMAT },
	{ "ptype 0x0008", 2, 2, 0x0008, ERG_STAT_ARP_BAD_FORMAT },
	{ "hlen 0", 4, 1, 0, ERG_STAT_ARP_BAD_FORMAT },
	{ "hlen 5", 4, 1, 5, ERG_STAT_ARP_BAD_FORMAT },
	{ "hlen 7", 4, 1, 7, ERG_STAT_ARP_BAD_FORMAT },
	{ "hlen 255", 4, 1, 255, ERG_STAT_ARP_BAD_FORMAT },
	{ "plen 0", 5, 1, 0, ERG_STAT_ARP_BAD_FORMAT },
	{ "plen 3", 5, 1, 3, ERG_STAT_ARP_BAD_FORMAT },
	{ "plen 16", 5, 1, 16, ERG_STAT_ARP_BAD_FORMAT },
	{ "plen 255", 5, 1, 255, ERG_STAT_ARP_BAD_FORMAT },
	{ "op 0", 6, 2, 0, ERG_STAT_ARP_BAD_OP },
	{ "op 3 (RARP request)", 6, 2, 3, ERG_STAT_ARP_BAD_OP },
	{ "op 4 (RARP reply)", 6, 2, 4, ERG_STAT_ARP_BAD_OP },
	{ "op 0x0100", 6, 2, 0x0100, ERG_STAT_ARP_BAD_OP },
	{ "op 0xffff", 6, 2, 0xffff, ERG_STAT_ARP_BAD_OP },
};

static void
mutate_arp(uint8_t *arp, const struct arp_mutation *m)
{
	if (m->width == 1)
		arp[m->off] = (uint8_t)m->value;
	else
		erg_put_be16(arp + m->off, m->value);
}

static void
test_arp_parse_refuses_wrong_types_lengths_and_ops(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(arp_mutations); i++) {
		const struct arp_mutation *m = &arp_mutations[i];
		struct erg_arp_repr r;
		enum erg_stat why = ERG_STAT_COUNT;
		uint8_t arp[28];

		memcpy(arp, frame_arp_request + 14, 28);
		mutate_arp(arp, m);
		if (erg_arp_parse(&r, erg_view_make(arp, 28), &why) !=
		    -ERG_EMALFORMED)
			fail_msg("%s not refused as malformed", m->what);
		if (why != m->why)
			fail_msg("%s counted as %s", m->what,
			    erg_stat_name(why));
		assert_int_equal(
		    erg_arp_parse(&r, erg_view_make(arp, 28), NULL),
		    -ERG_EMALFORMED);
	}
}

/* ---- Ethernet input through the stack --------------------------------- */

static void
test_ether_runt_frames_counted_and_dropped(void **state)
{
	struct tn_stack t;
	size_t n;

	(void)state;
	stack_b(&t, NULL);
	for (n = 0; n < ERG_ETHER_HDR_LEN; n++)
		tn_inject(&t, frame_arp_request, n, n);
	assert_int_equal(tn_stat(&t, ERG_STAT_NETIF_RX), 14);
	assert_int_equal(tn_stat(&t, ERG_STAT_ETHER_RUNT), 14);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_RX), 0);
	assert_int_equal(t.cap.n, 0);
	/* Still serving. */
	tn_inject(&t, frame_arp_request, sizeof(frame_arp_request), 20);
	assert_int_equal(t.cap.n, 1);
	end_test(&t);
}

static void
test_ether_frame_for_other_unicast_mac_dropped(void **state)
{
	static const uint8_t others[][6] = {
		{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x03 },
		{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x00 },
		{ 0x02, 0x00, 0x00, 0x00, 0x01, 0x02 },
		{ 0x00, 0x00, 0x00, 0x00, 0x00, 0x02 },
		{ 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff }, /* not a group */
	};
	struct tn_stack t;
	uint8_t f[42];
	size_t i;

	(void)state;
	stack_b(&t, NULL);
	memcpy(f, frame_arp_request, sizeof(f));
	for (i = 0; i < NELEM(others); i++) {
		memcpy(f, others[i], 6);
		tn_inject(&t, f, sizeof(f), i);
	}
	assert_int_equal(tn_stat(&t, ERG_STAT_ETHER_NOT_FOR_US), NELEM(others));
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_RX), 0);
	assert_int_equal(t.cap.n, 0);
	/* To our own MAC it is accepted (and answered). */
	memcpy(f, mac_b, 6);
	tn_inject(&t, f, sizeof(f), 9);
	assert_int_equal(t.cap.n, 1);
	assert_memory_equal(frame_at(&t, 0)->data, frame_arp_reply, 42);
	end_test(&t);
}

static void
test_ether_multicast_destination_dropped(void **state)
{
	static const uint8_t groups[][6] = {
		{ 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 }, /* all-hosts */
		{ 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 }, /* IPv6 */
		{ 0x01, 0x80, 0xc2, 0x00, 0x00, 0x00 }, /* STP */
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe }, /* not broadcast */
		{ 0x03, 0x00, 0x00, 0x00, 0x00, 0x02 }, /* ours + group bit */
	};
	struct tn_stack t;
	uint8_t f[42];
	size_t i;

	(void)state;
	stack_b(&t, NULL);
	memcpy(f, frame_arp_request, sizeof(f));
	for (i = 0; i < NELEM(groups); i++) {
		memcpy(f, groups[i], 6);
		tn_inject(&t, f, sizeof(f), i);
	}
	assert_int_equal(tn_stat(&t, ERG_STAT_ETHER_MULTICAST), NELEM(groups));
	assert_int_equal(tn_stat(&t, ERG_STAT_ETHER_NOT_FOR_US), 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_RX), 0);
	assert_int_equal(t.cap.n, 0);
	end_test(&t);
}

static void
test_ether_group_source_dropped(void **state)
{
	static const uint8_t srcs[][6] = {
		{ 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 },
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
		{ 0x03, 0x00, 0x00, 0x00, 0x00, 0x01 },
	};
	struct tn_stack t;
	uint8_t f[42];
	size_t i;

	(void)state;
	stack_b(&t, NULL);
	memcpy(f, frame_arp_request, sizeof(f));
	for (i = 0; i < NELEM(srcs); i++) {
		/* Broadcast and unicast destinations alike. */
		memcpy(f, bcast, 6);
		memcpy(f + 6, srcs[i], 6);
		tn_inject(&t, f, sizeof(f), i);
		memcpy(f, mac_b, 6);
		tn_inject(&t, f, sizeof(f), i);
	}
	assert_int_equal(tn_stat(&t, ERG_STAT_ETHER_BAD_SRC), 2 * NELEM(srcs));
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_RX), 0);
	assert_int_equal(t.cap.n, 0);
	end_test(&t);
}

static void
test_ether_unknown_and_8023_types_counted(void **state)
{
	static const uint16_t types[] = {
		0x86dd, /* IPv6 */
		0x8035, /* RARP */
		0x88cc, /* LLDP */
		0x0600, /* the first EtherType value */
		0x05dc, /* 802.3 length 1500 */
		0x0026, /* 802.3 length 38 (LLC) */
	};
	struct tn_stack t;
	uint8_t f[60];
	size_t i;

	(void)state;
	stack_b(&t, NULL);
	memset(f, 0, sizeof(f));
	memcpy(f, frame_arp_request, 42);
	for (i = 0; i < NELEM(types); i++) {
		erg_put_be16(f + 12, types[i]);
		tn_inject(&t, f, sizeof(f), i);
	}
	assert_int_equal(tn_stat(&t, ERG_STAT_ETHER_UNKNOWN_TYPE),
	    NELEM(types));
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_RX), 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_RX), 0);
	assert_int_equal(t.cap.n, 0);
	end_test(&t);
}

static void
test_netif_input_on_bad_index_counted(void **state)
{
	struct tn_stack t;
	struct erg_pkt *p;

	(void)state;
	stack_b(&t, NULL);
	p = erg_pkt_alloc(t.s);
	memcpy(erg_pkt_put(p, sizeof(frame_arp_request)), frame_arp_request,
	    sizeof(frame_arp_request));
	erg_netif_input(t.s, 1, p, 1);
	p = erg_pkt_alloc(t.s);
	erg_netif_input(t.s, 1000, p, 2);
	assert_int_equal(tn_stat(&t, ERG_STAT_NETIF_RX), 2);
	assert_int_equal(tn_stat(&t, ERG_STAT_NETIF_BAD_INDEX), 2);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_RX), 0);
	assert_int_equal(t.cap.n, 0);
	end_test(&t);
}

/* ---- ARP input through the stack --------------------------------------- */

static void
test_arp_request_for_us_gets_captured_reply(void **state)
{
	struct tn_stack t;

	(void)state;
	stack_b(&t, NULL);
	tn_inject(&t, frame_arp_request, sizeof(frame_arp_request), 1);
	/* Byte for byte what Linux as host B answered. */
	assert_int_equal(t.cap.n, 1);
	assert_int_equal(frame_at(&t, 0)->len, sizeof(frame_arp_reply));
	assert_memory_equal(frame_at(&t, 0)->data, frame_arp_reply,
	    sizeof(frame_arp_reply));
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_RX), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_REPLY_TX), 1);
	assert_int_equal(sent(&t, ERG_STAT_ARP_REQUEST_TX), 0);
	assert_int_equal(sent(&t, ERG_STAT_NETIF_TX), 1);
	/* The asker is about to talk to us: it was learnt (RFC 826). */
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_ENTRIES_IN_USE), 1);
	/* Padded to the 60-byte Ethernet minimum: the same answer. */
	{
		uint8_t f[60];

		memset(f, 0, sizeof(f));
		memcpy(f, frame_arp_request, sizeof(frame_arp_request));
		tn_inject(&t, f, sizeof(f), 2);
		assert_int_equal(t.cap.n, 2);
		assert_memory_equal(frame_at(&t, 1)->data, frame_arp_reply,
		    sizeof(frame_arp_reply));
		assert_int_equal(tn_stat(&t, ERG_STAT_ARP_ENTRIES_IN_USE), 1);
	}
	end_test(&t);
}

static void
test_arp_request_for_other_ip_not_answered(void **state)
{
	struct tn_stack t;
	uint8_t f[42];

	(void)state;
	stack_b(&t, NULL);
	memcpy(f, frame_arp_request, sizeof(f));
	erg_put_be32(f + 38, IP_C);
	tn_inject(&t, f, sizeof(f), 1);
	erg_put_be32(f + 38, ERG_IPV4(10, 0, 0, 2));
	tn_inject(&t, f, sizeof(f), 2);
	assert_int_equal(t.cap.n, 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_RX), 2);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_NOT_FOR_US), 2);
	/* Not targeted at us, sender unknown: not learnt (RFC 826). */
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_ENTRIES_IN_USE), 0);
	end_test(&t);
}

static void
test_arp_bad_fields_counted_and_stack_keeps_serving(void **state)
{
	struct tn_stack t;
	size_t i;
	uint64_t fmt = 0, op = 0;

	(void)state;
	/* TESTING.md class 14: ARP with wrong hardware/protocol lengths. */
	stack_b(&t, NULL);
	for (i = 0; i < NELEM(arp_mutations); i++) {
		uint8_t f[42];

		memcpy(f, frame_arp_request, sizeof(f));
		mutate_arp(f + 14, &arp_mutations[i]);
		tn_inject(&t, f, sizeof(f), i);
		if (arp_mutations[i].why == ERG_STAT_ARP_BAD_FORMAT)
			fmt++;
		else
			op++;
		assert_int_equal(tn_stat(&t, ERG_STAT_ARP_BAD_FORMAT), fmt);
		assert_int_equal(tn_stat(&t, ERG_STAT_ARP_BAD_OP), op);
	}
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_RX), NELEM(arp_mutations));
	assert_int_equal(t.cap.n, 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_ENTRIES_IN_USE), 0);
	tn_inject(&t, frame_arp_request, sizeof(frame_arp_request), 100);
	assert_int_equal(t.cap.n, 1);
	assert_memory_equal(frame_at(&t, 0)->data, frame_arp_reply, 42);
	end_test(&t);
}

static void
test_arp_truncated_payload_counted(void **state)
{
	struct tn_stack t;
	size_t n;

	(void)state;
	stack_b(&t, NULL);
	/* Ethernet header intact, ARP body 0..27 bytes. */
	for (n = 14; n < sizeof(frame_arp_request); n++)
		tn_inject(&t, frame_arp_request, n, n);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_RX), 28);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_TRUNCATED), 28);
	assert_int_equal(tn_stat(&t, ERG_STAT_ETHER_RUNT), 0);
	assert_int_equal(t.cap.n, 0);
	end_test(&t);
}

static void
test_arp_bad_sender_counted(void **state)
{
	static const uint8_t group_sha[][6] = {
		{ 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 },
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
		{ 0x03, 0x00, 0x00, 0x00, 0x00, 0x01 },
		/* No station has the all-zero MAC: never cache it. */
		{ 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 },
	};
	/* RFC 1122 3.2.1.3: never a source address. */
	static const uint32_t bad_spa[] = {
		ERG_IPV4_BROADCAST,
		ERG_IPV4(224, 0, 0, 1),
		ERG_IPV4(239, 255, 255, 250),
		ERG_IPV4(127, 0, 0, 1),
		ERG_IPV4(240, 0, 0, 1),
	};
	struct tn_stack t;
	size_t i;
	uint64_t n = 0;

	(void)state;
	stack_b(&t, NULL);
	for (i = 0; i < NELEM(group_sha); i++, n++)
		inject_arp(&t, bcast, mac_a, ERG_ARP_OP_REQUEST, group_sha[i],
		    IP_A, zero6, IP_B, n);
	for (i = 0; i < NELEM(bad_spa); i++, n++)
		inject_arp(&t, bcast, mac_a, ERG_ARP_OP_REQUEST, mac_a,
		    bad_spa[i], zero6, IP_B, n);
	/* A reply from a bad sender is not learnt either. */
	inject_arp(&t, mac_b, mac_a, ERG_ARP_OP_REPLY, mac_a,
	    ERG_IPV4_BROADCAST, mac_b, IP_B, n++);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_BAD_SENDER), n);
	assert_int_equal(t.cap.n, 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_REPLY_TX), 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_ENTRIES_IN_USE), 0);
	end_test(&t);
}

static void
test_arp_subnet_broadcast_sender_counted(void **state)
{
	struct tn_stack t;

	(void)state;
	/*
	 * Regression: ARP once checked the sender address with
	 * erg_ipv4_is_bad_src() only, which does not know the interface's
	 * directed broadcast (198.18.0.255 on a /24), so it cached and
	 * answered it. RFC 1122 3.2.1.3 forbids a broadcast source.
	 */
	stack_b(&t, NULL);
	inject_arp(&t, bcast, mac_a, ERG_ARP_OP_REQUEST, mac_a,
	    ERG_IPV4(198, 18, 0, 255), zero6, IP_B, 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_BAD_SENDER), 1);
	assert_int_equal(t.cap.n, 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_ENTRIES_IN_USE), 0);
	end_test(&t);
}

static void
test_arp_conflict_counted_not_cached(void **state)
{
	struct tn_stack t;

	(void)state;
	stack_b(&t, NULL);
	/* RFC 5227 2.4: another MAC claims our address, in any op. */
	inject_arp(&t, bcast, mac_x, ERG_ARP_OP_REQUEST, mac_x, IP_B, zero6,
	    IP_B, 1);
	inject_arp(&t, bcast, mac_x, ERG_ARP_OP_REQUEST, mac_x, IP_B, zero6,
	    IP_A, 2);
	inject_arp(&t, mac_b, mac_x, ERG_ARP_OP_REPLY, mac_x, IP_B, mac_b, IP_B,
	    3);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_CONFLICT), 3);
	assert_int_equal(t.cap.n, 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_ENTRIES_IN_USE), 0);
	/* Our own announcement coming back is not a conflict. */
	inject_arp(&t, bcast, mac_x, ERG_ARP_OP_REQUEST, mac_b, IP_B, zero6,
	    IP_B, 4);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_CONFLICT), 3);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_RX), 4);
	assert_int_equal(t.cap.n, 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_ENTRIES_IN_USE), 0);
	end_test(&t);
}

static void
test_arp_probe_answered_but_not_cached(void **state)
{
	struct tn_stack t;

	(void)state;
	stack_b(&t, NULL);
	/* RFC 5227 2.1.1: a probe has sender address 0.0.0.0. */
	inject_arp(&t, bcast, mac_a, ERG_ARP_OP_REQUEST, mac_a, 0, zero6, IP_B,
	    1);
	assert_int_equal(t.cap.n, 1);
	assert_arp_frame(frame_at(&t, 0), mac_a, mac_b, ERG_ARP_OP_REPLY, mac_b,
	    IP_B, mac_a, 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_ENTRIES_IN_USE), 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_BAD_SENDER), 0);
	/* A probe for another address is just not for us. */
	inject_arp(&t, bcast, mac_a, ERG_ARP_OP_REQUEST, mac_a, 0, zero6, IP_C,
	    2);
	assert_int_equal(t.cap.n, 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_NOT_FOR_US), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_ENTRIES_IN_USE), 0);
	end_test(&t);
}

static void
test_arp_reply_to_us_learnt_not_answered(void **state)
{
	struct tn_stack t;
	struct erg_udp_sock *u;

	(void)state;
	stack_b(&t, NULL);
	inject_reply_from(&t, mac_c, IP_C, 1);
	assert_int_equal(t.cap.n, 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_ENTRIES_IN_USE), 1);
	u = udp_sock(&t, 5000);
	assert_int_equal(send_str(u, IP_C, "x"), 0);
	assert_int_equal(t.cap.n, 1);
	assert_memory_equal(frame_at(&t, 0)->data, mac_c, 6);
	assert_int_equal(sent(&t, ERG_STAT_ARP_REQUEST_TX), 0);
	erg_udp_close(u);
	end_test(&t);
}

static void
test_arp_ignored_without_address(void **state)
{
	struct tn_stack t;

	(void)state;
	tn_stack_init(&t, NULL, mac_b, 0, 0, 3);
	tn_inject(&t, frame_arp_request, sizeof(frame_arp_request), 1);
	assert_int_equal(t.cap.n, 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_NOT_FOR_US), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_ENTRIES_IN_USE), 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_CONFLICT), 0);
	end_test(&t);
}

static void
test_arp_request_teaches_sender_mac(void **state)
{
	struct tn_stack t;
	struct erg_udp_sock *u;
	struct udp_out o;

	(void)state;
	stack_b(&t, NULL);
	tn_inject(&t, frame_arp_request, sizeof(frame_arp_request), 1);
	u = udp_sock(&t, 7);
	assert_int_equal(erg_udp_sendto(u, IP_A, 40000, "hi", 2), 0);
	/* The reply, then the datagram straight to A: no request. */
	assert_int_equal(t.cap.n, 2);
	parse_udp_out(frame_at(&t, 1), &o);
	assert_memory_equal(o.eh.dst, mac_a, 6);
	assert_memory_equal(o.eh.src, mac_b, 6);
	assert_int_equal(o.ip.dst, IP_A);
	assert_int_equal(sent(&t, ERG_STAT_ARP_REQUEST_TX), 0);
	erg_udp_close(u);
	end_test(&t);
}

static void
test_arp_merge_updates_known_sender_whatever_the_target(void **state)
{
	struct tn_stack t;
	struct erg_udp_sock *u;

	(void)state;
	stack_b(&t, NULL);
	tn_inject(&t, frame_arp_request, sizeof(frame_arp_request), 1);
	tn_capture_clear(&t.cap);
	/*
	 * RFC 826 merge: A announces a new MAC to everyone (target A, not
	 * us); the entry we hold for A is updated anyway.
	 */
	inject_arp(&t, bcast, mac_x, ERG_ARP_OP_REQUEST, mac_x, IP_A, zero6,
	    IP_A, 2);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_NOT_FOR_US), 0);
	assert_int_equal(t.cap.n, 0);
	u = udp_sock(&t, 7);
	assert_int_equal(send_str(u, IP_A, "new mac"), 0);
	assert_int_equal(t.cap.n, 1);
	assert_memory_equal(frame_at(&t, 0)->data, mac_x, 6);
	/* An unknown host's announcement is not learnt. */
	inject_arp(&t, bcast, mac_c, ERG_ARP_OP_REQUEST, mac_c, IP_C, zero6,
	    IP_C, 3);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_NOT_FOR_US), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_ENTRIES_IN_USE), 1);
	assert_int_equal(send_str(u, IP_C, "who?"), 0);
	assert_int_equal(t.cap.n, 2);
	assert_arp_frame(frame_at(&t, 1), bcast, mac_b, ERG_ARP_OP_REQUEST,
	    mac_b, IP_B, zero6, IP_C);
	erg_udp_close(u);
	poll_until_idle(&t, 4);
	end_test(&t);
}

/* ---- Gratuitous ARP ---------------------------------------------------- */

static void
test_gratuitous_arp_sent_when_address_set(void **state)
{
	struct tn_stack t;
	struct erg_arp_repr r;

	(void)state;
	tn_stack_init(&t, NULL, mac_a, 0, 0, 4);
	assert_int_equal(erg_ipv4_addr_set(t.s, t.ifindex, IP_A, 24), 0);
	/* RFC 5227 3: byte for byte Linux's own announcement. */
	assert_int_equal(t.cap.n, 1);
	assert_int_equal(frame_at(&t, 0)->len, sizeof(frame_arp_gratuitous));
	assert_memory_equal(frame_at(&t, 0)->data, frame_arp_gratuitous,
	    sizeof(frame_arp_gratuitous));
	assert_int_equal(erg_arp_parse(&r,
	                     erg_view_make(frame_at(&t, 0)->data + 14, 28),
	                     NULL),
	    0);
	assert_memory_equal(frame_at(&t, 0)->data, bcast, 6);
	assert_int_equal(r.op, ERG_ARP_OP_REQUEST);
	assert_int_equal(r.spa, IP_A);
	assert_int_equal(r.tpa, IP_A);
	assert_int_equal(sent(&t, ERG_STAT_ARP_REQUEST_TX), 1);
	/* Setting it again announces again; clearing it announces nothing. */
	assert_int_equal(erg_ipv4_addr_set(t.s, t.ifindex, IP_A, 24), 0);
	assert_int_equal(t.cap.n, 2);
	assert_memory_equal(frame_at(&t, 1)->data, frame_arp_gratuitous, 42);
	assert_int_equal(erg_ipv4_addr_set(t.s, t.ifindex, ERG_IPV4_ANY, 0), 0);
	assert_int_equal(t.cap.n, 2);
	/* Another address: its own announcement. */
	assert_int_equal(erg_ipv4_addr_set(t.s, t.ifindex, IP_D, 16), 0);
	assert_int_equal(t.cap.n, 3);
	assert_arp_frame(frame_at(&t, 2), bcast, mac_a, ERG_ARP_OP_REQUEST,
	    mac_a, IP_D, zero6, IP_D);
	end_test(&t);
}

static void
test_address_change_flushes_arp_cache(void **state)
{
	struct tn_stack t;
	struct erg_udp_sock *u;

	(void)state;
	stack_a(&t, NULL);
	u = udp_sock(&t, 40000);
	inject_reply_from(&t, mac_c, IP_C, 1);        /* C reachable */
	assert_int_equal(send_str(u, IP_B, "q1"), 0); /* B resolving */
	assert_int_equal(send_str(u, IP_B, "q2"), 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_ENTRIES_IN_USE), 2);
	assert_int_equal(tn_stat(&t, ERG_STAT_PKT_IN_USE), 2);
	tn_capture_clear(&t.cap);
	/* Same address again: announced, cache kept. */
	assert_int_equal(erg_ipv4_addr_set(t.s, t.ifindex, IP_A, 24), 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_ENTRIES_IN_USE), 2);
	assert_int_equal(t.cap.n, 1);
	/* A new address: every entry forgotten, queued datagrams dropped. */
	assert_int_equal(erg_ipv4_addr_set(t.s, t.ifindex, IP_D, 24), 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_ENTRIES_IN_USE), 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_QUEUE_TIMEOUT), 2);
	assert_int_equal(tn_stat(&t, ERG_STAT_PKT_IN_USE), 0);
	assert_int_equal(t.cap.n, 2);
	assert_arp_frame(frame_at(&t, 1), bcast, mac_a, ERG_ARP_OP_REQUEST,
	    mac_a, IP_D, zero6, IP_D);
	/* No timer left behind. */
	assert_int_equal(erg_stack_poll(t.s, 2), ERG_TIME_NEVER);
	/* Clearing the address flushes too. */
	inject_arp(&t, mac_a, mac_c, ERG_ARP_OP_REPLY, mac_c, IP_C, mac_a, IP_D,
	    3);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_ENTRIES_IN_USE), 1);
	assert_int_equal(erg_ipv4_addr_set(t.s, t.ifindex, ERG_IPV4_ANY, 0), 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_ENTRIES_IN_USE), 0);
	assert_int_equal(erg_stack_poll(t.s, 4), ERG_TIME_NEVER);
	erg_udp_close(u);
	end_test(&t);
}

/* ---- Resolution -------------------------------------------------------- */

static void
test_arp_resolution_retransmits_then_gives_up(void **state)
{
	static const struct {
		uint32_t retries;
		uint32_t retry_ms;
	} cfgs[] = { { 3, 1000 }, { 1, 10 }, { 5, 250 } };
	size_t k;

	(void)state;
	for (k = 0; k < NELEM(cfgs); k++) {
		struct erg_config cfg;
		struct tn_stack t;
		struct erg_udp_sock *u;
		uint64_t step = cfgs[k].retry_ms * MS, now = 0;
		uint32_t i;

		erg_config_default(&cfg);
		cfg.arp_retries = cfgs[k].retries;
		cfg.arp_retry_ms = cfgs[k].retry_ms;
		stack_a(&t, &cfg);
		u = udp_sock(&t, 40000);
		assert_int_equal(send_str(u, IP_B, "hello\n"), 0);
		assert_int_equal(send_str(u, IP_B, "again\n"), 0);
		/* One request (Linux's own bytes), two datagrams held. */
		assert_int_equal(t.cap.n, 1);
		assert_memory_equal(frame_at(&t, 0)->data, frame_arp_request,
		    sizeof(frame_arp_request));
		assert_int_equal(tn_stat(&t, ERG_STAT_PKT_IN_USE), 2);
		assert_int_equal(tn_stat(&t, ERG_STAT_UDP_TX), 2);
		for (i = 1; i < cfgs[k].retries; i++) {
			/* Nothing before the deadline; one request at it. */
			assert_int_equal(erg_stack_poll(t.s, now + step - 1),
			    now + step);
			assert_int_equal(t.cap.n, i);
			now += step;
			assert_int_equal(erg_stack_poll(t.s, now), now + step);
			assert_int_equal(t.cap.n, i + 1);
			assert_memory_equal(frame_at(&t, i)->data,
			    frame_arp_request, sizeof(frame_arp_request));
		}
		assert_int_equal(sent(&t, ERG_STAT_ARP_REQUEST_TX),
		    cfgs[k].retries);
		assert_int_equal(count_arp_op(&t, ERG_ARP_OP_REQUEST),
		    cfgs[k].retries);
		assert_int_equal(tn_stat(&t, ERG_STAT_ARP_RESOLVE_FAIL), 0);
		/* One interval after the last request: give up. */
		now += step;
		assert_int_equal(erg_stack_poll(t.s, now), ERG_TIME_NEVER);
		assert_int_equal(t.cap.n, cfgs[k].retries);
		assert_int_equal(tn_stat(&t, ERG_STAT_ARP_RESOLVE_FAIL), 1);
		assert_int_equal(tn_stat(&t, ERG_STAT_ARP_QUEUE_TIMEOUT), 2);
		assert_int_equal(tn_stat(&t, ERG_STAT_ARP_ENTRIES_IN_USE), 0);
		assert_int_equal(tn_stat(&t, ERG_STAT_PKT_IN_USE), 0);
		/* A late reply is learnt (it targets us) but finds no queue. */
		tn_inject(&t, frame_arp_reply, sizeof(frame_arp_reply),
		    now + 1);
		assert_int_equal(t.cap.n, cfgs[k].retries);
		erg_udp_close(u);
		end_test(&t);
	}
}

static void
test_arp_reply_flushes_queue_in_order(void **state)
{
	static const char *const msgs[] = { "hello\n", "second", "3rd" };
	struct tn_stack t;
	struct erg_udp_sock *u;
	size_t i;

	(void)state;
	stack_a(&t, NULL);
	u = udp_sock(&t, 40000);
	for (i = 0; i < NELEM(msgs); i++)
		assert_int_equal(send_str(u, IP_B, msgs[i]), 0);
	assert_int_equal(t.cap.n, 1);
	tn_inject(&t, frame_arp_reply, sizeof(frame_arp_reply), 500 * MS);
	assert_int_equal(t.cap.n, 1 + NELEM(msgs));
	for (i = 0; i < NELEM(msgs); i++) {
		struct udp_out o;

		parse_udp_out(frame_at(&t, 1 + (unsigned)i), &o);
		assert_memory_equal(o.eh.dst, mac_b, 6);
		assert_memory_equal(o.eh.src, mac_a, 6);
		assert_int_equal(o.ip.src, IP_A);
		assert_int_equal(o.ip.dst, IP_B);
		assert_int_equal(o.udp.src_port, 40000);
		assert_int_equal(o.udp.dst_port, 7);
		assert_int_equal(o.data.len, strlen(msgs[i]));
		assert_memory_equal(o.data.p, msgs[i], o.data.len);
	}
	/*
	 * The first is the datagram Linux sent (udp_small): same Ethernet
	 * header, same UDP header with the same checksum, same payload.
	 */
	assert_int_equal(frame_at(&t, 1)->len, sizeof(frame_udp_small));
	assert_memory_equal(frame_at(&t, 1)->data, frame_udp_small, 14);
	assert_memory_equal(frame_at(&t, 1)->data + 34, frame_udp_small + 34,
	    14);
	assert_int_equal(tn_stat(&t, ERG_STAT_PKT_IN_USE), 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_RESOLVE_FAIL), 0);
	/* Reachable for arp_reachable_ms from the reply. */
	assert_int_equal(erg_stack_poll(t.s, 600 * MS), 500 * MS + 120 * SEC);
	/* Later sends go straight out. */
	assert_int_equal(send_str(u, IP_B, "direct"), 0);
	assert_int_equal(t.cap.n, 5);
	assert_memory_equal(frame_at(&t, 4)->data, mac_b, 6);
	assert_int_equal(sent(&t, ERG_STAT_ARP_REQUEST_TX), 1);
	erg_udp_close(u);
	end_test(&t);
}

static void
test_arp_overheard_request_resolves_pending_entry(void **state)
{
	struct tn_stack t;
	struct erg_udp_sock *u;

	(void)state;
	stack_a(&t, NULL);
	u = udp_sock(&t, 40000);
	assert_int_equal(send_str(u, IP_B, "waiting"), 0);
	/* B asks the whole link about someone else: merged (RFC 826). */
	inject_arp(&t, bcast, mac_b, ERG_ARP_OP_REQUEST, mac_b, IP_B, zero6,
	    ERG_IPV4(198, 18, 0, 7), 10);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_NOT_FOR_US), 0);
	assert_int_equal(t.cap.n, 2);
	assert_memory_equal(frame_at(&t, 1)->data, mac_b, 6);
	assert_int_equal(tn_stat(&t, ERG_STAT_PKT_IN_USE), 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_REPLY_TX), 0);
	erg_udp_close(u);
	end_test(&t);
}

static void
test_arp_queue_overflow_counted(void **state)
{
	struct erg_config cfg;
	struct tn_stack t;
	struct erg_udp_sock *u;
	char msg[2] = { 0, 0 };
	unsigned i;

	(void)state;
	erg_config_default(&cfg);
	cfg.arp_queue_len = 3;
	stack_a(&t, &cfg);
	u = udp_sock(&t, 40000);
	for (i = 0; i < 5; i++) {
		msg[0] = (char)('0' + i);
		/* RFC 1122 2.3.2.2: hold a bounded number; drop the rest. */
		assert_int_equal(send_str(u, IP_B, msg),
		    i < 3 ? 0 : -ERG_ENOBUFS);
	}
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_QUEUE_FULL), 2);
	assert_int_equal(tn_stat(&t, ERG_STAT_UDP_TX), 3);
	assert_int_equal(tn_stat(&t, ERG_STAT_PKT_IN_USE), 3);
	assert_int_equal(sent(&t, ERG_STAT_ARP_REQUEST_TX), 1);
	tn_inject(&t, frame_arp_reply, sizeof(frame_arp_reply), 1);
	assert_int_equal(t.cap.n, 4);
	for (i = 0; i < 3; i++) {
		struct udp_out o;

		parse_udp_out(frame_at(&t, 1 + i), &o);
		assert_int_equal(o.data.len, 1);
		assert_int_equal(o.data.p[0], '0' + i);
	}
	erg_udp_close(u);
	end_test(&t);
}

static void
test_arp_cache_all_resolving_evicts_nearest_giving_up(void **state)
{
	struct erg_config cfg;
	struct tn_stack t;
	struct erg_udp_sock *u;
	struct udp_out o;

	(void)state;
	erg_config_default(&cfg);
	cfg.arp_entries = 2;
	stack_a(&t, &cfg);
	u = udp_sock(&t, 40000);
	assert_int_equal(send_str(u, IP_B, "b"), 0);
	assert_int_equal(send_str(u, IP_C, "c"), 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_ENTRIES_IN_USE), 2);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_ENTRIES_HIGH_WATER), 2);
	/*
	 * Both entries resolving: D takes the one closest to giving up (B,
	 * armed first), whose held datagram is dropped and counted.
	 * Refusing D would let spoofed pings lock the cache.
	 */
	assert_int_equal(send_str(u, IP_D, "d"), 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_CACHE_EVICT), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_QUEUE_TIMEOUT), 1);
	assert_int_equal(sent(&t, ERG_STAT_ARP_REQUEST_TX), 3);
	assert_int_equal(tn_stat(&t, ERG_STAT_PKT_IN_USE), 2);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_ENTRIES_IN_USE), 2);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_ENTRIES_HIGH_WATER), 2);
	/* D asks for us: its pending entry resolves and "d" goes out. */
	inject_arp(&t, bcast, mac_d, ERG_ARP_OP_REQUEST, mac_d, IP_D, zero6,
	    IP_A, 1);
	assert_int_equal(t.cap.n, 5);
	parse_udp_out(frame_at(&t, 3), &o);
	assert_int_equal(o.data.len, 1);
	assert_int_equal(o.data.p[0], 'd');
	assert_memory_equal(o.eh.dst, mac_d, 6);
	assert_arp_frame(frame_at(&t, 4), mac_d, mac_a, ERG_ARP_OP_REPLY, mac_a,
	    IP_A, mac_d, IP_D);
	/* C still resolves, then gives up; B was never retried. */
	poll_until_idle(&t, 2);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_RESOLVE_FAIL), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_QUEUE_TIMEOUT), 2);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_ENTRIES_IN_USE), 0);
	erg_udp_close(u);
	end_test(&t);
}

static void
test_arp_cache_evicts_reachable_entry_closest_to_expiry(void **state)
{
	struct erg_config cfg;
	struct tn_stack t;
	struct erg_udp_sock *u;

	(void)state;
	erg_config_default(&cfg);
	cfg.arp_entries = 2;
	stack_a(&t, &cfg);
	u = udp_sock(&t, 40000);
	inject_reply_from(&t, mac_b, IP_B, 1 * SEC); /* expires 121 s */
	inject_reply_from(&t, mac_c, IP_C, 2 * SEC); /* expires 122 s */
	(void)erg_stack_poll(t.s, 3 * SEC);
	assert_int_equal(send_str(u, IP_D, "d"), 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_CACHE_EVICT), 1);
	assert_int_equal(t.cap.n, 1);
	assert_arp_frame(frame_at(&t, 0), bcast, mac_a, ERG_ARP_OP_REQUEST,
	    mac_a, IP_A, zero6, IP_D);
	/* C, the younger, survived. */
	assert_int_equal(send_str(u, IP_C, "c"), 0);
	assert_int_equal(t.cap.n, 2);
	assert_memory_equal(frame_at(&t, 1)->data, mac_c, 6);
	/* B was the one evicted; the resolving D cannot be. */
	assert_int_equal(send_str(u, IP_B, "b"), 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_CACHE_EVICT), 2);
	assert_int_equal(t.cap.n, 3);
	assert_arp_frame(frame_at(&t, 2), bcast, mac_a, ERG_ARP_OP_REQUEST,
	    mac_a, IP_A, zero6, IP_B);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_ENTRIES_IN_USE), 2);
	poll_until_idle(&t, 4 * SEC);
	erg_udp_close(u);
	end_test(&t);
}

static void
test_arp_refresh_once_in_last_quarter_of_life(void **state)
{
	struct tn_stack t;
	struct erg_udp_sock *u;
	const uint64_t t0 = 10 * MS, life = 120 * SEC;

	(void)state;
	stack_a(&t, NULL);
	u = udp_sock(&t, 40000);
	assert_int_equal(send_str(u, IP_B, "x"), 0);
	tn_inject(&t, frame_arp_reply, sizeof(frame_arp_reply), t0);
	assert_int_equal(t.cap.n, 2);
	tn_capture_clear(&t.cap);
	/* 35 s of life left (> a quarter): no refresh. */
	(void)erg_stack_poll(t.s, t0 + life - 35 * SEC);
	assert_int_equal(send_str(u, IP_B, "x"), 0);
	assert_int_equal(t.cap.n, 1);
	assert_int_equal(sent(&t, ERG_STAT_ARP_REQUEST_TX), 1);
	/*
	 * Just under 30 s left: one unicast request to the known MAC (RFC
	 * 1122 2.3.2.1), and the datagram goes out without waiting.
	 */
	(void)erg_stack_poll(t.s, t0 + life - 30 * SEC + 1);
	assert_int_equal(send_str(u, IP_B, "y"), 0);
	assert_int_equal(t.cap.n, 3);
	assert_arp_frame(frame_at(&t, 1), mac_b, mac_a, ERG_ARP_OP_REQUEST,
	    mac_a, IP_A, zero6, IP_B);
	assert_memory_equal(frame_at(&t, 2)->data, mac_b, 6);
	assert_int_equal(sent(&t, ERG_STAT_ARP_REQUEST_TX), 2);
	/* Only once while the refresh is outstanding. */
	(void)erg_stack_poll(t.s, t0 + life - 20 * SEC);
	assert_int_equal(send_str(u, IP_B, "z"), 0);
	assert_int_equal(t.cap.n, 4);
	assert_int_equal(sent(&t, ERG_STAT_ARP_REQUEST_TX), 2);
	/* The answer extends the life by a full period. */
	tn_inject(&t, frame_arp_reply, sizeof(frame_arp_reply),
	    t0 + life - 10 * SEC);
	assert_int_equal(erg_stack_poll(t.s, t0 + life + 1),
	    t0 + 2 * life - 10 * SEC);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_ENTRIES_IN_USE), 1);
	assert_int_equal(send_str(u, IP_B, "w"), 0);
	assert_int_equal(t.cap.n, 5);
	assert_int_equal(sent(&t, ERG_STAT_ARP_REQUEST_TX), 2);
	/* Unanswered, the next refresh lets the entry expire on time. */
	(void)erg_stack_poll(t.s, t0 + 2 * life - 35 * SEC);
	assert_int_equal(send_str(u, IP_B, "v"), 0);
	assert_int_equal(sent(&t, ERG_STAT_ARP_REQUEST_TX), 3);
	assert_int_equal(erg_stack_poll(t.s, t0 + 2 * life - 10 * SEC - 1),
	    t0 + 2 * life - 10 * SEC);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_ENTRIES_IN_USE), 1);
	assert_int_equal(erg_stack_poll(t.s, t0 + 2 * life - 10 * SEC),
	    ERG_TIME_NEVER);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_ENTRIES_IN_USE), 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_RESOLVE_FAIL), 0);
	erg_udp_close(u);
	end_test(&t);
}

static void
test_arp_entry_expires_after_reachable_ms(void **state)
{
	struct erg_config cfg;
	struct tn_stack t;
	struct erg_udp_sock *u;

	(void)state;
	erg_config_default(&cfg);
	cfg.arp_reachable_ms = 5000;
	stack_a(&t, &cfg);
	u = udp_sock(&t, 40000);
	tn_inject(&t, frame_arp_reply, sizeof(frame_arp_reply), 1 * SEC);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_ENTRIES_IN_USE), 1);
	assert_int_equal(erg_stack_poll(t.s, 1 * SEC), 6 * SEC);
	assert_int_equal(erg_stack_poll(t.s, 6 * SEC - 1), 6 * SEC);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_ENTRIES_IN_USE), 1);
	assert_int_equal(erg_stack_poll(t.s, 6 * SEC), ERG_TIME_NEVER);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_ENTRIES_IN_USE), 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_RESOLVE_FAIL), 0);
	/* A new send starts over with a broadcast request. */
	assert_int_equal(send_str(u, IP_B, "again"), 0);
	assert_int_equal(t.cap.n, 1);
	assert_memory_equal(frame_at(&t, 0)->data, frame_arp_request, 42);
	assert_int_equal(tn_stat(&t, ERG_STAT_PKT_IN_USE), 1);
	tn_inject(&t, frame_arp_reply, sizeof(frame_arp_reply), 7 * SEC);
	assert_int_equal(t.cap.n, 2);
	assert_int_equal(tn_stat(&t, ERG_STAT_PKT_IN_USE), 0);
	erg_udp_close(u);
	end_test(&t);
}

static void
test_arp_stale_entry_not_used_before_its_timer_runs(void **state)
{
	struct erg_config cfg;
	struct tn_stack t;
	struct erg_udp_sock *u;

	(void)state;
	erg_config_default(&cfg);
	cfg.arp_reachable_ms = 5000;
	stack_a(&t, &cfg);
	u = udp_sock(&t, 40000);
	tn_inject(&t, frame_arp_reply, sizeof(frame_arp_reply), 1 * SEC);
	/* Time passes through input only; the expiry timer has not run. */
	tn_inject(&t, frame_arp_reply, 3, 6 * SEC);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_ENTRIES_IN_USE), 1);
	assert_int_equal(send_str(u, IP_B, "late"), 0);
	/* Not sent to the stale MAC: resolution starts over. */
	assert_int_equal(t.cap.n, 1);
	assert_memory_equal(frame_at(&t, 0)->data, frame_arp_request, 42);
	assert_int_equal(tn_stat(&t, ERG_STAT_PKT_IN_USE), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_ENTRIES_IN_USE), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_QUEUE_TIMEOUT), 0);
	tn_inject(&t, frame_arp_reply, sizeof(frame_arp_reply), 6 * SEC + 1);
	assert_int_equal(t.cap.n, 2);
	assert_memory_equal(frame_at(&t, 1)->data, mac_b, 6);
	/* One timer for the one entry: expiry, 5 s after the reply. */
	assert_int_equal(erg_stack_poll(t.s, 6 * SEC + 1), 11 * SEC + 1);
	erg_udp_close(u);
	end_test(&t);
}

static void
test_broadcast_destinations_skip_arp(void **state)
{
	struct tn_stack t;
	struct erg_udp_sock *u;
	struct udp_out o;

	(void)state;
	stack_a(&t, NULL);
	u = udp_sock(&t, 68);
	assert_int_equal(erg_udp_sendto(u, ERG_IPV4_BROADCAST, 67, "b", 1), 0);
	assert_int_equal(
	    erg_udp_sendto(u, ERG_IPV4(198, 18, 0, 255), 67, "s", 1), 0);
	assert_int_equal(t.cap.n, 2);
	parse_udp_out(frame_at(&t, 0), &o);
	assert_memory_equal(o.eh.dst, bcast, 6);
	assert_int_equal(o.ip.dst, ERG_IPV4_BROADCAST);
	parse_udp_out(frame_at(&t, 1), &o);
	assert_memory_equal(o.eh.dst, bcast, 6);
	assert_int_equal(o.ip.dst, ERG_IPV4(198, 18, 0, 255));
	assert_int_equal(sent(&t, ERG_STAT_ARP_REQUEST_TX), 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_ENTRIES_IN_USE), 0);
	erg_udp_close(u);
	end_test(&t);
}

/* ---- Interfaces and output -------------------------------------------- */

static int
never_called_tx(void *drv, const struct erg_iov *iov, unsigned n)
{
	(void)drv;
	(void)iov;
	(void)n;
	fail_msg("transmit called");
	return -1;
}

static void
test_netif_add_refuses_bad_configs(void **state)
{
	static const struct erg_netif_ops no_tx = { NULL };
	static const struct erg_netif_ops ok_tx = { never_called_tx };
	struct erg_netif_config nc;
	struct erg_config cfg;
	struct tn_stack t;
	unsigned ifx = 99;
	/* pkt_size 2048 - headroom 144 - Ethernet 14. */
	const uint16_t max_mtu = 2048 - ERG_PKT_HEADROOM - ERG_ETHER_HDR_LEN;

	(void)state;
	erg_config_default(&cfg);
	cfg.netif_count = 3;
	tn_stack_init(&t, &cfg, mac_b, 0, 0, 6);
	memset(&nc, 0, sizeof(nc));
	memcpy(nc.mac, mac_c, 6);
	nc.mtu = 1500;
	nc.ops = &ok_tx;
	assert_int_equal(erg_netif_add(t.s, NULL, &ifx), -ERG_EINVAL);
	nc.ops = NULL;
	assert_int_equal(erg_netif_add(t.s, &nc, &ifx), -ERG_EINVAL);
	nc.ops = &no_tx;
	assert_int_equal(erg_netif_add(t.s, &nc, &ifx), -ERG_EINVAL);
	nc.ops = &ok_tx;
	memcpy(nc.mac, bcast, 6);
	assert_int_equal(erg_netif_add(t.s, &nc, &ifx), -ERG_EINVAL);
	nc.mac[0] = 0x01;
	assert_int_equal(erg_netif_add(t.s, &nc, &ifx), -ERG_EINVAL);
	memcpy(nc.mac, mac_c, 6);
	nc.mtu = ERG_IPV4_MIN_MTU - 1;
	assert_int_equal(erg_netif_add(t.s, &nc, &ifx), -ERG_EINVAL);
	nc.mtu = 0;
	assert_int_equal(erg_netif_add(t.s, &nc, &ifx), -ERG_EINVAL);
	nc.mtu = (uint16_t)(max_mtu + 1);
	assert_int_equal(erg_netif_add(t.s, &nc, &ifx), -ERG_EINVAL);
	assert_int_equal(ifx, 99);
	nc.mtu = max_mtu;
	assert_int_equal(erg_netif_add(t.s, &nc, &ifx), 0);
	assert_int_equal(ifx, 1);
	assert_memory_equal(erg_netif_mac(t.s, 1), mac_c, 6);
	assert_int_equal(erg_netif_mtu(t.s, 1), max_mtu);
	assert_memory_equal(erg_netif_mac(t.s, 0), mac_b, 6);
	assert_int_equal(erg_netif_mtu(t.s, 0), 1500);
	assert_null(erg_netif_mac(t.s, 2));
	assert_int_equal(erg_netif_mtu(t.s, 2), 0);
	assert_null(erg_netif_mac(t.s, 1000));
	/* The smallest MTU; the index need not be returned. */
	nc.mtu = ERG_IPV4_MIN_MTU;
	assert_int_equal(erg_netif_add(t.s, &nc, NULL), 0);
	assert_int_equal(erg_netif_mtu(t.s, 2), ERG_IPV4_MIN_MTU);
	/* cfg.netif_count (3) interfaces already. */
	assert_int_equal(erg_netif_add(t.s, &nc, &ifx), -ERG_ENOMEM);
	assert_int_equal(ifx, 1);
	end_test(&t);
}

static void
test_ether_output_on_bad_index_frees_pkt(void **state)
{
	struct tn_stack t;
	struct erg_pkt *p;

	(void)state;
	stack_a(&t, NULL);
	p = erg_pkt_alloc(t.s);
	memcpy(erg_pkt_put(p, 20), frame_icmp_echo_request + 14, 20);
	assert_int_equal(erg_ether_output(t.s, 1, mac_b, ERG_ETHERTYPE_IPV4, p),
	    -ERG_EINVAL);
	p = erg_pkt_alloc(t.s);
	assert_int_equal(erg_ether_output_ipv4(t.s, 7, IP_B, p), -ERG_EINVAL);
	assert_int_equal(t.cap.n, 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_PKT_IN_USE), 0);
	/* On a good index, to the interface's subnet broadcast: no ARP. */
	p = erg_pkt_alloc(t.s);
	memcpy(erg_pkt_put(p, 20), frame_icmp_echo_request + 14, 20);
	assert_int_equal(
	    erg_ether_output_ipv4(t.s, t.ifindex, ERG_IPV4(198, 18, 0, 255), p),
	    0);
	assert_int_equal(t.cap.n, 1);
	assert_int_equal(frame_at(&t, 0)->len, 34);
	assert_memory_equal(frame_at(&t, 0)->data, bcast, 6);
	assert_memory_equal(frame_at(&t, 0)->data + 6, mac_a, 6);
	assert_int_equal(erg_be16(frame_at(&t, 0)->data + 12),
	    ERG_ETHERTYPE_IPV4);
	assert_memory_equal(frame_at(&t, 0)->data + 14,
	    frame_icmp_echo_request + 14, 20);
	end_test(&t);
}

static void
test_driver_transmit_error_counted(void **state)
{
	struct tn_stack t;

	(void)state;
	stack_b(&t, NULL);
	t.cap.fail = -5;
	tn_inject(&t, frame_arp_request, sizeof(frame_arp_request), 1);
	assert_int_equal(t.cap.n, 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_NETIF_TX_ERR), 1);
	assert_int_equal(sent(&t, ERG_STAT_NETIF_TX), 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_PKT_IN_USE), 0);
	t.cap.fail = 0;
	tn_inject(&t, frame_arp_request, sizeof(frame_arp_request), 2);
	assert_int_equal(t.cap.n, 1);
	assert_int_equal(sent(&t, ERG_STAT_NETIF_TX), 1);
	assert_int_equal(tn_stat(&t, ERG_STAT_NETIF_TX_ERR), 1);
	end_test(&t);
}

static void
test_ether_output_without_headroom_counted(void **state)
{
	struct tn_stack t;
	struct erg_udp_sock *u;
	struct erg_pkt *p;
	int k;

	(void)state;
	stack_a(&t, NULL);
	inject_reply_from(&t, mac_b, IP_B, 1); /* B reachable */
	u = udp_sock(&t, 40000);
	/* Headroom for UDP + IPv4 + Ethernet minus k bytes. */
	for (k = 1; k >= 0; k--) {
		uint32_t room = ERG_UDP_HDR_LEN + ERG_IPV4_HDR_LEN +
		    ERG_ETHER_HDR_LEN - (uint32_t)k;

		p = erg_udp_pkt_alloc(u);
		assert_non_null(p);
		assert_non_null(erg_pkt_push(p, ERG_PKT_HEADROOM - room));
		assert_true(erg_pkt_trim(p, 0));
		assert_int_equal(erg_pkt_headroom(p), room);
		memcpy(erg_pkt_put(p, 6), "hello\n", 6);
		if (k == 1) {
			assert_int_equal(erg_udp_pkt_sendto(u, p, IP_B, 7),
			    -ERG_EINVAL);
			assert_int_equal(
			    tn_stat(&t, ERG_STAT_ETHER_NO_HEADROOM), 1);
			assert_int_equal(t.cap.n, 0);
		} else {
			/* Exactly enough: Linux's own UDP bytes go out. */
			assert_int_equal(erg_udp_pkt_sendto(u, p, IP_B, 7), 0);
			assert_int_equal(t.cap.n, 1);
			assert_memory_equal(frame_at(&t, 0)->data,
			    frame_udp_small, 14);
			assert_memory_equal(frame_at(&t, 0)->data + 34,
			    frame_udp_small + 34, 14);
		}
		assert_int_equal(tn_stat(&t, ERG_STAT_PKT_IN_USE), 0);
	}
	erg_udp_close(u);
	end_test(&t);
}

/*
 * A driver that answers ARP requests for B from inside transmit, as a
 * loopback or a paravirtual switch may: it feeds the reply straight back
 * into the stack.
 */
struct reentrant_drv {
	struct tn_stack *t;
	unsigned answered;
};

static int
reentrant_tx(void *drv, const struct erg_iov *iov, unsigned n)
{
	struct reentrant_drv *d = drv;
	struct erg_arp_repr r;
	uint8_t f[64];
	size_t len;

	if (tn_capture_ops.transmit(&d->t->cap, iov, n) != 0) {
		return -1;
	}
	if (n != 1 || iov[0].len < 42 ||
	    erg_be16((const uint8_t *)iov[0].base + 12) != ERG_ETHERTYPE_ARP ||
	    erg_arp_parse(&r,
	        erg_view_make((const uint8_t *)iov[0].base + 14,
	            iov[0].len - 14),
	        NULL) != 0 ||
	    r.op != ERG_ARP_OP_REQUEST || r.tpa != IP_B) {
		return 0;
	}
	d->answered++;
	len = tn_build_arp_frame(f, mac_a, mac_b, ERG_ARP_OP_REPLY, mac_b, IP_B,
	    mac_a, IP_A);
	tn_inject(d->t, f, len, erg_stack_now(d->t->s));
	return 0;
}

static const struct erg_netif_ops reentrant_ops = { reentrant_tx };

/*
 * Regression (review): the request went out before the packet was queued,
 * so a reply delivered from inside transmit found an empty queue and the
 * packet was stranded until the retry timer dropped it.
 */
static void
test_arp_reply_from_inside_transmit_sends_the_packet(void **state)
{
	struct erg_config cfg;
	struct tn_stack t;
	struct reentrant_drv d;
	struct erg_netif_config nc;
	struct erg_udp_sock *u;
	struct udp_out o;
	unsigned ifx;

	(void)state;
	erg_config_default(&cfg);
	cfg.netif_count = 2;
	tn_stack_init(&t, &cfg, mac_x, 0, 0, 7);
	d.t = &t;
	d.answered = 0;
	memset(&nc, 0, sizeof(nc));
	memcpy(nc.mac, mac_a, 6);
	nc.mtu = 1500;
	nc.ops = &reentrant_ops;
	nc.drv = &d;
	assert_int_equal(erg_netif_add(t.s, &nc, &ifx), 0);
	assert_int_equal(erg_ipv4_addr_set(t.s, ifx, IP_A, 24), 0);
	/* tn_inject feeds interface t.ifindex: make it the re-entrant one. */
	t.ifindex = ifx;
	tn_capture_clear(&t.cap);
	t.baseline = erg_stack_pool_in_use(t.s);
	u = udp_sock(&t, 40000);
	assert_int_equal(send_str(u, IP_B, "now"), 0);
	assert_int_equal(d.answered, 1);
	/* Request, then the datagram itself, at once. */
	assert_int_equal(t.cap.n, 2);
	parse_udp_out(frame_at(&t, 1), &o);
	assert_memory_equal(o.eh.dst, mac_b, 6);
	assert_int_equal(o.data.len, 3);
	assert_int_equal(tn_stat(&t, ERG_STAT_ARP_QUEUE_TIMEOUT), 0);
	erg_udp_close(u);
	end_test(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ether_parse_every_captured_frame),
		cmocka_unit_test(
		    test_ether_parse_refuses_every_truncation_as_runt),
		cmocka_unit_test(test_ether_parse_refuses_8023_length_fields),
		cmocka_unit_test(test_ether_emit_writes_exactly_14_bytes),
		cmocka_unit_test(
		    test_ether_parse_emit_round_trip_every_captured_frame),
		cmocka_unit_test(test_arp_parse_captured_packets_fields_exact),
		cmocka_unit_test(test_arp_emit_reproduces_captured_bytes),
		cmocka_unit_test(test_arp_parse_refuses_every_truncation),
		cmocka_unit_test(
		    test_arp_parse_refuses_wrong_types_lengths_and_ops),
		cmocka_unit_test(test_ether_runt_frames_counted_and_dropped),
		cmocka_unit_test(
		    test_ether_frame_for_other_unicast_mac_dropped),
		cmocka_unit_test(test_ether_multicast_destination_dropped),
		cmocka_unit_test(test_ether_group_source_dropped),
		cmocka_unit_test(test_ether_unknown_and_8023_types_counted),
		cmocka_unit_test(test_netif_input_on_bad_index_counted),
		cmocka_unit_test(test_arp_request_for_us_gets_captured_reply),
		cmocka_unit_test(test_arp_request_for_other_ip_not_answered),
		cmocka_unit_test(
		    test_arp_bad_fields_counted_and_stack_keeps_serving),
		cmocka_unit_test(test_arp_truncated_payload_counted),
		cmocka_unit_test(test_arp_bad_sender_counted),
		cmocka_unit_test(
		    test_arp_reply_from_inside_transmit_sends_the_packet),
		cmocka_unit_test(test_arp_subnet_broadcast_sender_counted),
		cmocka_unit_test(test_arp_conflict_counted_not_cached),
		cmocka_unit_test(test_arp_probe_answered_but_not_cached),
		cmocka_unit_test(test_arp_reply_to_us_learnt_not_answered),
		cmocka_unit_test(test_arp_ignored_without_address),
		cmocka_unit_test(test_arp_request_teaches_sender_mac),
		cmocka_unit_test(
		    test_arp_merge_updates_known_sender_whatever_the_target),
		cmocka_unit_test(test_gratuitous_arp_sent_when_address_set),
		cmocka_unit_test(test_address_change_flushes_arp_cache),
		cmocka_unit_test(test_arp_resolution_retransmits_then_gives_up),
		cmocka_unit_test(test_arp_reply_flushes_queue_in_order),
		cmocka_unit_test(
		    test_arp_overheard_request_resolves_pending_entry),
		cmocka_unit_test(test_arp_queue_overflow_counted),
		cmocka_unit_test(
		    test_arp_cache_all_resolving_evicts_nearest_giving_up),
		cmocka_unit_test(
		    test_arp_cache_evicts_reachable_entry_closest_to_expiry),
		cmocka_unit_test(test_arp_refresh_once_in_last_quarter_of_life),
		cmocka_unit_test(test_arp_entry_expires_after_reachable_ms),
		cmocka_unit_test(
		    test_arp_stale_entry_not_used_before_its_timer_runs),
		cmocka_unit_test(test_broadcast_destinations_skip_arp),
		cmocka_unit_test(test_ether_output_on_bad_index_frees_pkt),
		cmocka_unit_test(test_netif_add_refuses_bad_configs),
		cmocka_unit_test(test_driver_transmit_error_counted),
		cmocka_unit_test(test_ether_output_without_headroom_counted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
