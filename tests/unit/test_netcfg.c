/*
 * tests/unit/test_netcfg.c: the interface configuration a DHCP client
 * applies (MTU, DNS servers, gateway and prefix read back), sending out
 * of one given interface from 0.0.0.0 (RFC 2131 4.1), and the DNS
 * fields of the configuration.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../../src/core/core.h"
#include "../../src/udp/udp_layer.h"
#include "lib/testnet.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };

/* A second interface on t's stack, its frames into *cap. */
static unsigned
add_second_if(struct tn_stack *t, struct tn_capture *cap)
{
	struct erg_netif_config nc;
	unsigned idx;

	memset(&nc, 0, sizeof(nc));
	memcpy(nc.mac, mac_b, 6);
	nc.mtu = 1500;
	nc.ops = &tn_capture_ops;
	nc.drv = cap;
	assert_int_equal(erg_netif_add(t->s, &nc, &idx), 0);
	return idx;
}

static void
test_mtu_set_lowers_restores_and_refuses_out_of_range(void **state)
{
	struct tn_stack t;

	(void)state;
	tn_stack_init(&t, NULL, mac_a, ERG_IPV4(198, 18, 0, 1), 24, 1);
	assert_int_equal(erg_netif_mtu_set(t.s, t.ifindex, 1400), 0);
	assert_int_equal(erg_netif_mtu(t.s, t.ifindex), 1400);
	assert_int_equal(erg_netif_mtu_set(t.s, t.ifindex, 68), 0);
	assert_int_equal(erg_netif_mtu(t.s, t.ifindex), 68);
	/* Above what the driver was added with, below RFC 791's 68. */
	assert_int_equal(erg_netif_mtu_set(t.s, t.ifindex, 1501), -ERG_EINVAL);
	assert_int_equal(erg_netif_mtu_set(t.s, t.ifindex, 67), -ERG_EINVAL);
	assert_int_equal(erg_netif_mtu(t.s, t.ifindex), 68);
	assert_int_equal(erg_netif_mtu_set(t.s, t.ifindex, 0), 0);
	assert_int_equal(erg_netif_mtu(t.s, t.ifindex), 1500);
	assert_int_equal(erg_netif_mtu_set(t.s, 7, 1400), -ERG_EINVAL);
	tn_stack_fini(&t);
}

static void
test_mtu_set_bounds_datagrams_sent(void **state)
{
	struct tn_stack t;
	struct erg_udp_sock *u;
	uint8_t data[1000];
	const struct tn_frame *f;

	(void)state;
	memset(data, 0x5a, sizeof(data));
	tn_stack_init(&t, NULL, mac_a, ERG_IPV4(198, 18, 0, 1), 24, 1);
	assert_int_equal(erg_netif_mtu_set(t.s, t.ifindex, 576), 0);
	assert_int_equal(erg_udp_open(t.s, NULL, NULL, &u), 0);
	assert_int_equal(
	    erg_udp_sendto(u, ERG_IPV4_BROADCAST, 9, data, sizeof(data)), 0);
	/* 1008 bytes of UDP in 576-byte datagrams: two fragments. */
	assert_int_equal(t.cap.n, 2);
	f = &t.cap.frames[0];
	assert_int_equal(f->len, 14 + 572);
	erg_udp_close(u);
	tn_stack_fini(&t);
}

static void
test_dns_servers_set_read_back_and_validated(void **state)
{
	static const uint32_t good[3] = { ERG_IPV4(198, 18, 0, 53),
		ERG_IPV4(198, 18, 1, 53), ERG_IPV4(198, 19, 0, 53) };
	static const uint32_t bad[][1] = { { 0 }, { ERG_IPV4_BROADCAST },
		{ ERG_IPV4(127, 0, 0, 1) }, { ERG_IPV4(224, 0, 0, 1) },
		{ ERG_IPV4(240, 0, 0, 1) } };
	uint32_t four[4] = { 1, 2, 3, 4 };
	uint32_t out[4];
	struct tn_stack t;
	size_t i;

	(void)state;
	tn_stack_init(&t, NULL, mac_a, 0, 0, 1);
	assert_int_equal(erg_ipv4_dns(t.s, t.ifindex, out, 4), 0);
	assert_int_equal(erg_ipv4_dns_set(t.s, t.ifindex, good, 3), 0);
	assert_int_equal(erg_ipv4_dns(t.s, t.ifindex, out, 4), 3);
	assert_memory_equal(out, good, sizeof(good));
	assert_int_equal(erg_ipv4_dns(t.s, t.ifindex, out, 2), 2);
	for (i = 0; i < NELEM(bad); i++) {
		assert_int_equal(erg_ipv4_dns_set(t.s, t.ifindex, bad[i], 1),
		    -ERG_EINVAL);
	}
	assert_int_equal(erg_ipv4_dns_set(t.s, t.ifindex, four, 4),
	    -ERG_EINVAL);
	assert_int_equal(erg_ipv4_dns_set(t.s, 5, good, 1), -ERG_EINVAL);
	assert_int_equal(erg_ipv4_dns_set(t.s, t.ifindex, NULL, 1),
	    -ERG_EINVAL);
	/* A refused list leaves the old one. */
	assert_int_equal(erg_ipv4_dns(t.s, t.ifindex, out, 4), 3);
	assert_int_equal(erg_ipv4_dns_set(t.s, t.ifindex, NULL, 0), 0);
	assert_int_equal(erg_ipv4_dns(t.s, t.ifindex, out, 4), 0);
	/* With an address: not the interface itself, not its broadcast. */
	assert_int_equal(
	    erg_ipv4_addr_set(t.s, t.ifindex, ERG_IPV4(198, 18, 0, 7), 24), 0);
	four[0] = ERG_IPV4(198, 18, 0, 7);
	assert_int_equal(erg_ipv4_dns_set(t.s, t.ifindex, four, 1),
	    -ERG_EINVAL);
	four[0] = ERG_IPV4(198, 18, 0, 255);
	assert_int_equal(erg_ipv4_dns_set(t.s, t.ifindex, four, 1),
	    -ERG_EINVAL);
	four[0] = ERG_IPV4(198, 18, 0, 53);
	assert_int_equal(erg_ipv4_dns_set(t.s, t.ifindex, four, 1), 0);
	assert_int_equal(erg_ipv4_dns(t.s, 9, out, 4), 0);
	tn_stack_fini(&t);
}

static void
test_gateway_and_prefix_read_back(void **state)
{
	struct tn_stack t;

	(void)state;
	tn_stack_init(&t, NULL, mac_a, 0, 0, 1);
	assert_int_equal(erg_ipv4_prefix_len(t.s, t.ifindex), 0);
	assert_int_equal(erg_ipv4_gateway(t.s, t.ifindex), 0);
	assert_int_equal(
	    erg_ipv4_addr_set(t.s, t.ifindex, ERG_IPV4(198, 18, 4, 7), 22), 0);
	assert_int_equal(erg_ipv4_prefix_len(t.s, t.ifindex), 22);
	assert_int_equal(
	    erg_ipv4_gateway_set(t.s, t.ifindex, ERG_IPV4(198, 18, 4, 1)), 0);
	assert_int_equal(erg_ipv4_gateway(t.s, t.ifindex),
	    ERG_IPV4(198, 18, 4, 1));
	assert_int_equal(
	    erg_ipv4_addr_set(t.s, t.ifindex, ERG_IPV4(198, 18, 4, 7), 32), 0);
	assert_int_equal(erg_ipv4_prefix_len(t.s, t.ifindex), 32);
	assert_int_equal(erg_ipv4_gateway(t.s, 3), 0);
	assert_int_equal(erg_ipv4_prefix_len(t.s, 3), 0);
	tn_stack_fini(&t);
}

/* Checks the IPv4/UDP headers of a captured broadcast from 0.0.0.0. */
static void
assert_bcast_from_zero(const struct tn_frame *f, uint16_t sport, uint16_t dport)
{
	static const uint8_t all_ones[6] = { 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff };
	struct erg_ipv4_repr ip;
	struct erg_udp_repr u;
	struct erg_view pl, up;
	enum erg_stat why;

	assert_true(f->len > 14);
	assert_memory_equal(f->data, all_ones, 6);
	assert_int_equal(erg_ipv4_parse(&ip, &pl,
	                     erg_view_make(f->data + 14, f->len - 14), &why),
	    0);
	assert_int_equal(ip.src, 0);
	assert_int_equal(ip.dst, ERG_IPV4_BROADCAST);
	assert_int_equal(erg_udp_parse(&u, &up, pl, ip.src, ip.dst, &why), 0);
	assert_int_equal(u.src_port, sport);
	assert_int_equal(u.dst_port, dport);
}

static void
test_sendto_if_broadcasts_from_zero_on_the_chosen_interface(void **state)
{
	struct tn_capture cap_b;
	struct tn_stack t;
	struct erg_udp_sock *u;
	unsigned ib;

	(void)state;
	memset(&cap_b, 0, sizeof(cap_b));
	tn_stack_init(&t, NULL, mac_a, 0, 0, 1);
	ib = add_second_if(&t, &cap_b);
	assert_int_equal(erg_udp_open(t.s, NULL, NULL, &u), 0);
	assert_int_equal(erg_udp_bind(u, ERG_IPV4_ANY, 68), 0);
	/* Plain sendto: limited broadcast leaves through interface 0. */
	assert_int_equal(
	    erg_udp_sendto_if(u, ib, ERG_IPV4_BROADCAST, 67, "x", 1), 0);
	assert_int_equal(t.cap.n, 0);
	assert_int_equal(cap_b.n, 1);
	assert_bcast_from_zero(&cap_b.frames[0], 68, 67);
	assert_int_equal(
	    erg_udp_sendto_if(u, t.ifindex, ERG_IPV4_BROADCAST, 67, "y", 1), 0);
	assert_int_equal(t.cap.n, 1);
	assert_bcast_from_zero(&t.cap.frames[0], 68, 67);
	/* No address, no gateway: only the link's broadcast is reachable. */
	assert_int_equal(
	    erg_udp_sendto_if(u, ib, ERG_IPV4(198, 18, 0, 9), 67, "z", 1),
	    -ERG_EHOSTUNREACH);
	assert_int_equal(
	    erg_udp_sendto_if(u, 9, ERG_IPV4_BROADCAST, 67, "z", 1),
	    -ERG_EINVAL);
	erg_udp_close(u);
	tn_capture_clear(&cap_b);
	free(cap_b.frames);
	tn_stack_fini(&t);
}

static void
test_sendto_if_uses_the_interface_address_and_gateway(void **state)
{
	struct tn_capture cap_b;
	struct tn_stack t;
	struct erg_udp_sock *u;
	struct erg_ipv4_repr ip;
	struct erg_view pl;
	enum erg_stat why;
	unsigned ib;

	(void)state;
	memset(&cap_b, 0, sizeof(cap_b));
	tn_stack_init(&t, NULL, mac_a, ERG_IPV4(198, 18, 0, 1), 24, 1);
	ib = add_second_if(&t, &cap_b);
	assert_int_equal(
	    erg_ipv4_addr_set(t.s, ib, ERG_IPV4(198, 19, 0, 1), 24), 0);
	assert_int_equal(
	    erg_ipv4_gateway_set(t.s, ib, ERG_IPV4(198, 19, 0, 254)), 0);
	tn_capture_clear(&t.cap);
	tn_capture_clear(&cap_b);
	assert_int_equal(erg_udp_open(t.s, NULL, NULL, &u), 0);
	/*
	 * 198.18.0.9 is on-link on interface 0, yet pinned to interface 1
	 * it goes to 1's gateway (an ARP request for it, held until then),
	 * from 1's address.
	 */
	assert_int_equal(
	    erg_udp_sendto_if(u, ib, ERG_IPV4(198, 18, 0, 9), 67, "q", 1), 0);
	assert_int_equal(t.cap.n, 0);
	assert_int_equal(cap_b.n, 1);
	assert_int_equal(erg_be16(cap_b.frames[0].data + 12), 0x0806);
	/* The ARP request asks for the gateway. */
	assert_int_equal(erg_be32(cap_b.frames[0].data + 14 + 24),
	    ERG_IPV4(198, 19, 0, 254));
	tn_capture_clear(&cap_b);
	assert_int_equal(
	    erg_udp_sendto_if(u, ib, ERG_IPV4_BROADCAST, 67, "b", 1), 0);
	assert_int_equal(cap_b.n, 1);
	assert_int_equal(erg_ipv4_parse(&ip, &pl,
	                     erg_view_make(cap_b.frames[0].data + 14,
	                         cap_b.frames[0].len - 14),
	                     &why),
	    0);
	assert_int_equal(ip.src, ERG_IPV4(198, 19, 0, 1));
	erg_udp_close(u);
	tn_capture_clear(&cap_b);
	free(cap_b.frames);
	tn_stack_fini(&t);
}

/*
 * RFC 1122 3.2.1.3 (a): 0.0.0.0 is a source only while a host learns its
 * address: a UDP broadcast to 255.255.255.255 (what a DHCP client sends)
 * reaches a socket; from 0.0.0.0 anything else is ipv4.bad_src.
 */
static void
test_source_zero_accepted_only_for_udp_limited_broadcast(void **state)
{
	static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff };
	static const uint8_t peer[6] = { 0x02, 0, 0, 0, 0, 0x99 };
	const uint32_t me = ERG_IPV4(198, 18, 0, 1);
	struct erg_udp_sock *u;
	struct tn_stack t;
	uint8_t frame[256], buf[16];
	uint32_t from;
	uint16_t port;
	size_t n, len;

	(void)state;
	tn_stack_init(&t, NULL, mac_a, me, 24, 1);
	assert_int_equal(erg_udp_open(t.s, NULL, NULL, &u), 0);
	assert_int_equal(erg_udp_bind(u, ERG_IPV4_ANY, 67), 0);
	n = tn_build_udp_frame(frame, bcast_mac, peer, 0, ERG_IPV4_BROADCAST,
	    68, 67, "disc", 4);
	tn_inject(&t, frame, n, 0);
	assert_int_equal(
	    erg_udp_recvfrom(u, buf, sizeof(buf), &len, &from, &port), 0);
	assert_int_equal(len, 4);
	assert_int_equal(from, 0);
	assert_int_equal(port, 68);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_BAD_SRC), 0);
	/* From 0.0.0.0 to our unicast address: refused. */
	n = tn_build_udp_frame(frame, t.mac, peer, 0, me, 68, 67, "disc", 4);
	tn_inject(&t, frame, n, 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_BAD_SRC), 1);
	/* To the subnet's broadcast: refused. */
	n = tn_build_udp_frame(frame, bcast_mac, peer, 0,
	    ERG_IPV4(198, 18, 0, 255), 68, 67, "disc", 4);
	tn_inject(&t, frame, n, 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_BAD_SRC), 2);
	/* Not UDP (ICMP echo in a limited broadcast): refused. */
	n = tn_build_ping_frame(frame, bcast_mac, peer, 0, ERG_IPV4_BROADCAST,
	    1, 1, "p", 1);
	tn_inject(&t, frame, n, 0);
	assert_int_equal(tn_stat(&t, ERG_STAT_IPV4_BAD_SRC), 3);
	assert_int_equal(erg_udp_pending(u), 0);
	/* Nothing was ever answered to 0.0.0.0. */
	assert_int_equal(t.cap.n, 0);
	erg_udp_close(u);
	tn_stack_done(&t);
}

static void
test_dns_config_fields_validated(void **state)
{
	struct erg_config c;
	uint64_t seed = 1;
	size_t base;

	(void)state;
	erg_config_default(&c);
	c.rand = tn_rand;
	c.rand_ctx = &seed;
	assert_int_equal(c.dns_queries, 8);
	assert_int_equal(c.dns_cache_entries, 32);
	assert_int_equal(c.dns_entry_size, 512);
	assert_int_equal(c.dns_msg_max, 4096);
	assert_int_equal(c.dns_timeout_ms, 1000);
	assert_int_equal(c.dns_tries, 3);
	assert_int_equal(c.dns_max_ttl_s, 86400);
	base = erg_arena_size(&c);
	assert_true(base > 0);
	c.dns_msg_max = 511;
	assert_int_equal(erg_arena_size(&c), 0);
	c.dns_msg_max = 65536;
	assert_int_equal(erg_arena_size(&c), 0);
	c.dns_msg_max = 4096;
	c.dns_entry_size = 63;
	assert_int_equal(erg_arena_size(&c), 0);
	c.dns_entry_size = 512;
	c.dns_tries = 0;
	assert_int_equal(erg_arena_size(&c), 0);
	c.dns_tries = 11;
	assert_int_equal(erg_arena_size(&c), 0);
	c.dns_tries = 3;
	c.dns_timeout_ms = 9;
	assert_int_equal(erg_arena_size(&c), 0);
	c.dns_timeout_ms = 1000;
	c.dns_max_ttl_s = 0;
	assert_int_equal(erg_arena_size(&c), 0);
	c.dns_max_ttl_s = 86400;
	assert_int_equal(erg_arena_size(&c), base);
	/* No resolver at all is a valid stack. */
	c.dns_queries = 0;
	c.dns_cache_entries = 0;
	assert_true(erg_arena_size(&c) > 0);
	assert_true(erg_arena_size(&c) <= base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_mtu_set_lowers_restores_and_refuses_out_of_range),
		cmocka_unit_test(test_mtu_set_bounds_datagrams_sent),
		cmocka_unit_test(test_dns_servers_set_read_back_and_validated),
		cmocka_unit_test(test_gateway_and_prefix_read_back),
		cmocka_unit_test(
		    test_sendto_if_broadcasts_from_zero_on_the_chosen_interface),
		cmocka_unit_test(
		    test_sendto_if_uses_the_interface_address_and_gateway),
		cmocka_unit_test(
		    test_source_zero_accepted_only_for_udp_limited_broadcast),
		cmocka_unit_test(test_dns_config_fields_validated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
