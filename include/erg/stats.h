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
	X(TCP_BAD_OPTION, "tcp.bad_option")				\
	X(TCP_RX, "tcp.rx")						\
	X(TCP_TX, "tcp.tx")						\
	X(TCP_NO_LISTENER, "tcp.no_listener")				\
	X(TCP_BAD_DST, "tcp.bad_dst")					\
	X(TCP_BAD_PORT, "tcp.bad_port")					\
	X(TCP_BAD_FLAGS, "tcp.bad_flags")				\
	X(TCP_RST_TX, "tcp.rst_tx")					\
	X(TCP_RST_RX, "tcp.rst_rx")					\
	X(TCP_RST_OUT_OF_WINDOW, "tcp.rst_out_of_window")		\
	X(TCP_RST_CHALLENGE_ACKS, "tcp.rst_challenge_acks")		\
	X(TCP_SYN_CHALLENGE_ACKS, "tcp.syn_challenge_acks")		\
	X(TCP_ACK_CHALLENGE_ACKS, "tcp.ack_challenge_acks")		\
	X(TCP_CHALLENGE_ACK_LIMITED, "tcp.challenge_ack_limited")	\
	X(TCP_BAD_ACK, "tcp.bad_ack")					\
	X(TCP_OUT_OF_WINDOW, "tcp.out_of_window")			\
	X(TCP_PAWS_DROP, "tcp.paws_drop")				\
	X(TCP_DUP_DATA, "tcp.dup_data")					\
	X(TCP_OOO_QUEUED, "tcp.ooo_queued")				\
	X(TCP_OOO_DROP, "tcp.ooo_drop")					\
	X(TCP_RCV_BUDGET_DROP, "tcp.rcv_budget_drop")			\
	X(TCP_COALESCED, "tcp.coalesced")				\
	X(TCP_DELAYED_ACKS, "tcp.delayed_acks")				\
	X(TCP_DUP_ACKS, "tcp.dup_acks")					\
	X(TCP_RETRANSMITS, "tcp.retransmits")				\
	X(TCP_FAST_RETRANSMITS, "tcp.fast_retransmits")			\
	X(TCP_RTO, "tcp.rto")						\
	X(TCP_TIMEOUTS, "tcp.timeouts")					\
	X(TCP_KEEPALIVE_PROBES, "tcp.keepalive_probes")			\
	X(TCP_ZERO_WINDOW_PROBES, "tcp.zero_window_probes")		\
	X(TCP_ACTIVE_OPENS, "tcp.active_opens")				\
	X(TCP_PASSIVE_OPENS, "tcp.passive_opens")			\
	X(TCP_ACCEPT_QUEUE_FULL, "tcp.accept_queue_full")		\
	X(TCP_SYNQ_FULL, "tcp.synq_full")				\
	X(TCP_SYN_COOKIES_SENT, "tcp.syn_cookies_sent")			\
	X(TCP_SYN_COOKIES_OK, "tcp.syn_cookies_ok")			\
	X(TCP_SYN_COOKIES_BAD, "tcp.syn_cookies_bad")			\
	X(TCP_TIMEWAIT_IN_USE, "tcp.timewait_in_use")			\
	X(TCP_TIMEWAIT_REUSED, "tcp.timewait_reused")			\
	X(TCP_TIMEWAIT_RECYCLED, "tcp.timewait_recycled")		\
	X(TCP_TIMEWAIT_RST_IGNORED, "tcp.timewait_rst_ignored")		\
	X(TCP_CONNS_IN_USE, "tcp.conns_in_use")				\
	X(TCP_CONNS_HIGH_WATER, "tcp.conns_high_water")			\
	X(TCP_CONNS_ALLOC_FAIL, "tcp.conns_alloc_fail")			\
	X(TCP_LISTENERS_IN_USE, "tcp.listeners_in_use")			\
	X(TCP_LISTENERS_HIGH_WATER, "tcp.listeners_high_water")		\
	X(TCP_LISTENERS_ALLOC_FAIL, "tcp.listeners_alloc_fail")		\
	X(TCP_ICMP_SOFT_ERR, "tcp.icmp_soft_err")			\
	X(TCP_ICMP_BAD_SEQ, "tcp.icmp_bad_seq")				\
	X(TCP_PMTU_LOWERED, "tcp.pmtu_lowered")				\
	X(TCP_TX_FAIL, "tcp.tx_fail")					\
	/* TLS sessions and credentials. */				\
	X(TLS_SESSIONS_IN_USE, "tls.sessions_in_use")			\
	X(TLS_SESSIONS_HIGH_WATER, "tls.sessions_high_water")		\
	X(TLS_SESSIONS_ALLOC_FAIL, "tls.sessions_alloc_fail")		\
	X(TLS_HANDSHAKES, "tls.handshakes")				\
	X(TLS_RESUMED, "tls.resumed")					\
	X(TLS_HANDSHAKE_FAIL, "tls.handshake_fail")			\
	X(TLS_CERT_FAIL, "tls.cert_fail")				\
	X(TLS_ALERTS_RX, "tls.alerts_rx")				\
	X(TLS_PROTOCOL_ERR, "tls.protocol_err")				\
	X(TLS_TRUNCATED, "tls.truncated")				\
	X(TLS_CLOSE_NOTIFY_RX, "tls.close_notify_rx")			\
	X(TLS_REC_IN_BYTES, "tls.rec_in_bytes")				\
	X(TLS_REC_OUT_BYTES, "tls.rec_out_bytes")			\
	X(TLS_APP_IN_BYTES, "tls.app_in_bytes")				\
	X(TLS_APP_OUT_BYTES, "tls.app_out_bytes")			\
	X(TLS_APP_COPIED_BYTES, "tls.app_copied_bytes")			\
	X(TLS_STORE_USED, "tls.store_used")				\
	X(TLS_STORE_FULL, "tls.store_full")				\
	X(TLS_TRUST_SKIPPED, "tls.trust_skipped")			\
	/* DNS stub resolver and cache. */				\
	X(DNS_QUERIES, "dns.queries")					\
	X(DNS_QUERIES_IN_USE, "dns.queries_in_use")			\
	X(DNS_QUERIES_HIGH_WATER, "dns.queries_high_water")		\
	X(DNS_QUERY_ALLOC_FAIL, "dns.query_alloc_fail")			\
	X(DNS_COALESCED, "dns.coalesced")				\
	X(DNS_TX, "dns.tx")						\
	X(DNS_TX_FAIL, "dns.tx_fail")					\
	X(DNS_RX, "dns.rx")						\
	X(DNS_MALFORMED, "dns.malformed")				\
	X(DNS_SPOOFED, "dns.spoofed")					\
	X(DNS_TRAILING, "dns.trailing")					\
	X(DNS_TIMEOUTS, "dns.timeouts")					\
	X(DNS_TRUNCATED, "dns.truncated")				\
	X(DNS_TCP_QUERIES, "dns.tcp_queries")				\
	X(DNS_TCP_FAIL, "dns.tcp_fail")					\
	X(DNS_SERVER_ERR, "dns.server_err")				\
	X(DNS_CNAME_FOLLOWED, "dns.cname_followed")			\
	X(DNS_CNAME_LOOP, "dns.cname_loop")				\
	X(DNS_RESULT_TRUNCATED, "dns.result_truncated")			\
	X(DNS_CACHE_HIT, "dns.cache_hit")				\
	X(DNS_CACHE_MISS, "dns.cache_miss")				\
	X(DNS_CACHE_INSERT, "dns.cache_insert")				\
	X(DNS_CACHE_NEGATIVE, "dns.cache_negative")			\
	X(DNS_CACHE_EVICT, "dns.cache_evict")				\
	X(DNS_CACHE_EXPIRED, "dns.cache_expired")			\
	X(DNS_CACHE_TOO_BIG, "dns.cache_too_big")			\
	/* DHCPv4 client. */						\
	X(DHCP_TX, "dhcp.tx")						\
	X(DHCP_TX_FAIL, "dhcp.tx_fail")					\
	X(DHCP_RX, "dhcp.rx")						\
	X(DHCP_TRUNCATED, "dhcp.truncated")				\
	X(DHCP_BAD_HEADER, "dhcp.bad_header")				\
	X(DHCP_BAD_COOKIE, "dhcp.bad_cookie")				\
	X(DHCP_BAD_OPTION, "dhcp.bad_option")				\
	X(DHCP_NOT_FOR_US, "dhcp.not_for_us")				\
	X(DHCP_UNEXPECTED, "dhcp.unexpected")				\
	X(DHCP_BAD_LEASE, "dhcp.bad_lease")				\
	X(DHCP_OFFERS, "dhcp.offers")					\
	X(DHCP_ACKS, "dhcp.acks")					\
	X(DHCP_NAKS, "dhcp.naks")					\
	X(DHCP_RETRANSMITS, "dhcp.retransmits")				\
	X(DHCP_RENEWALS, "dhcp.renewals")				\
	X(DHCP_REBINDS, "dhcp.rebinds")					\
	X(DHCP_LEASES_LOST, "dhcp.leases_lost")				\
	X(DHCP_RELEASES, "dhcp.releases")
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
