/*
 * erg/stats.h: named counters.
 *
 * Every dropped frame is counted under the reason it was dropped, and
 * every pool reports its use. Counters are per stack, 64-bit, never reset
 * by the stack. Names are "<layer>.<reason>" and stable: tools print them,
 * tests assert on them, and the order below is the order they print in.
 *
 * ERG_STATS_LIST is an X-macro: X(ENUM_SUFFIX, "name").
 */
#ifndef ERG_STATS_H
#define ERG_STATS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* clang-format off */
#define ERG_STATS_LIST(X)						\
	/* Packet buffer pool. */					\
	X(PKT_IN_USE, "pkt.in_use")					\
	X(PKT_HIGH_WATER, "pkt.high_water")				\
	X(PKT_ALLOC_FAIL, "pkt.alloc_fail")				\
	/* Timers. */							\
	X(TIMER_FIRED, "timer.fired")					\
	X(POLL_BUDGET_EXHAUSTED, "poll.budget_exhausted")		\
	/* Interfaces and drivers. */					\
	X(NETIF_RX, "netif.rx")						\
	X(NETIF_TX, "netif.tx")						\
	X(NETIF_TX_ERR, "netif.tx_err")					\
	X(NETIF_BAD_INDEX, "netif.bad_index")				\
	X(NETIF_BAD_PKT, "netif.bad_pkt")				\
	/* Ethernet II. */						\
	X(ETHER_RUNT, "ether.runt")					\
	X(ETHER_NOT_FOR_US, "ether.not_for_us")				\
	X(ETHER_MULTICAST, "ether.multicast")				\
	X(ETHER_BAD_SRC, "ether.bad_src")				\
	X(ETHER_UNKNOWN_TYPE, "ether.unknown_type")			\
	X(ETHER_NO_HEADROOM, "ether.no_headroom")			\
	/* ARP. */							\
	X(ARP_RX, "arp.rx")						\
	X(ARP_TRUNCATED, "arp.truncated")				\
	X(ARP_BAD_FORMAT, "arp.bad_format")				\
	X(ARP_BAD_OP, "arp.bad_op")					\
	X(ARP_BAD_SENDER, "arp.bad_sender")				\
	X(ARP_NOT_FOR_US, "arp.not_for_us")				\
	X(ARP_CONFLICT, "arp.conflict")					\
	X(ARP_REQUEST_TX, "arp.request_tx")				\
	X(ARP_REPLY_TX, "arp.reply_tx")					\
	X(ARP_CACHE_EVICT, "arp.cache_evict")				\
	X(ARP_ENTRIES_IN_USE, "arp.entries_in_use")			\
	X(ARP_ENTRIES_HIGH_WATER, "arp.entries_high_water")		\
	X(ARP_QUEUE_FULL, "arp.queue_full")				\
	X(ARP_QUEUE_TIMEOUT, "arp.queue_timeout")			\
	X(ARP_RESOLVE_FAIL, "arp.resolve_fail")				\
	/* IPv4. */							\
	X(IPV4_RX, "ipv4.rx")						\
	X(IPV4_TX, "ipv4.tx")						\
	X(IPV4_TRUNCATED, "ipv4.truncated")				\
	X(IPV4_BAD_VERSION, "ipv4.bad_version")				\
	X(IPV4_BAD_HLEN, "ipv4.bad_hlen")				\
	X(IPV4_BAD_LEN, "ipv4.bad_len")					\
	X(IPV4_BAD_CHECKSUM, "ipv4.bad_checksum")			\
	X(IPV4_BAD_SRC, "ipv4.bad_src")					\
	X(IPV4_BAD_OPTION, "ipv4.bad_option")				\
	X(IPV4_SRC_ROUTE, "ipv4.src_route")				\
	X(IPV4_NOT_FOR_US, "ipv4.not_for_us")				\
	X(IPV4_LINK_BCAST_UNICAST, "ipv4.link_bcast_unicast")		\
	X(IPV4_UNKNOWN_PROTO, "ipv4.unknown_proto")			\
	X(IPV4_NO_ROUTE, "ipv4.no_route")				\
	X(IPV4_FRAG_RX, "ipv4.frag_rx")					\
	X(IPV4_FRAG_BAD, "ipv4.frag_bad")				\
	X(IPV4_FRAG_OVERSIZE, "ipv4.frag_oversize")			\
	X(IPV4_FRAG_OVERLAP, "ipv4.frag_overlap")			\
	X(IPV4_FRAG_DUP, "ipv4.frag_dup")				\
	X(IPV4_FRAG_NO_SLOT, "ipv4.frag_no_slot")			\
	X(IPV4_FRAG_TIMEOUT, "ipv4.frag_timeout")			\
	X(IPV4_FRAG_EVICTED, "ipv4.frag_evicted")			\
	X(IPV4_REASM_OK, "ipv4.reasm_ok")				\
	X(IPV4_REASM_IN_USE, "ipv4.reasm_in_use")			\
	X(IPV4_REASM_HIGH_WATER, "ipv4.reasm_high_water")		\
	X(IPV4_FRAG_TX, "ipv4.frag_tx")					\
	X(IPV4_FRAG_TX_FAIL, "ipv4.frag_tx_fail")			\
	/* ICMP. */							\
	X(ICMP_RX, "icmp.rx")						\
	X(ICMP_TRUNCATED, "icmp.truncated")				\
	X(ICMP_BAD_CHECKSUM, "icmp.bad_checksum")			\
	X(ICMP_ECHO_RX, "icmp.echo_rx")					\
	X(ICMP_ECHO_REPLY_TX, "icmp.echo_reply_tx")			\
	X(ICMP_ECHO_BCAST_IGNORED, "icmp.echo_bcast_ignored")		\
	X(ICMP_ECHO_REPLY_RX, "icmp.echo_reply_rx")			\
	X(ICMP_ERR_RX, "icmp.err_rx")					\
	X(ICMP_ERR_BAD_QUOTE, "icmp.err_bad_quote")			\
	X(ICMP_ERR_NOT_OURS, "icmp.err_not_ours")			\
	X(ICMP_ERR_BAD_MTU, "icmp.err_bad_mtu")				\
	X(ICMP_ERR_UNMATCHED, "icmp.err_unmatched")			\
	X(ICMP_ERR_TX, "icmp.err_tx")					\
	X(ICMP_ERR_RATE_LIMITED, "icmp.err_rate_limited")		\
	X(ICMP_UNKNOWN_TYPE, "icmp.unknown_type")			\
	X(ICMP_IGNORED, "icmp.ignored")					\
	/* UDP. */							\
	X(UDP_RX, "udp.rx")						\
	X(UDP_TX, "udp.tx")						\
	X(UDP_TRUNCATED, "udp.truncated")				\
	X(UDP_BAD_LEN, "udp.bad_len")					\
	X(UDP_BAD_CHECKSUM, "udp.bad_checksum")				\
	X(UDP_NO_PORT, "udp.no_port")					\
	X(UDP_RXQ_FULL, "udp.rxq_full")					\
	X(UDP_SOCKS_IN_USE, "udp.socks_in_use")				\
	X(UDP_SOCKS_HIGH_WATER, "udp.socks_high_water")			\
	X(UDP_SOCK_ALLOC_FAIL, "udp.sock_alloc_fail")			\
	/* TCP. */							\
	X(TCP_TRUNCATED, "tcp.truncated")				\
	X(TCP_BAD_OFFSET, "tcp.bad_offset")				\
	X(TCP_BAD_CHECKSUM, "tcp.bad_checksum")				\
	X(TCP_BAD_OPTION, "tcp.bad_option")
/* clang-format on */

enum erg_stat {
#define ERG_STAT_ENUM_(id, name) ERG_STAT_##id,
	ERG_STATS_LIST(ERG_STAT_ENUM_)
#undef ERG_STAT_ENUM_
	ERG_STAT_COUNT
};

struct erg_stack;

/* The counter's stable name, e.g. "ipv4.bad_checksum"; NULL if out of range. */
const char *erg_stat_name(enum erg_stat id);

/* The counter's current value; 0 for an out-of-range id. */
uint64_t erg_stat_get(const struct erg_stack *s, enum erg_stat id);

#ifdef __cplusplus
}
#endif
#endif
