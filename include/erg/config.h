/*
 * erg/config.h: what a stack is made of, and how much memory that takes.
 *
 * The application fills a struct erg_config (erg_config_default gives
 * sensible values), asks erg_arena_size() how many bytes that needs, and
 * hands erg_stack_init() one block of at least that size. Every object the
 * stack will ever use is carved from that block at init; nothing is
 * allocated later. Counts are hard limits: when a pool is empty the
 * operation fails cleanly and a counter says so.
 *
 * Memory formula (each term rounded up to 16-byte alignment; the exact
 * figure is what erg_arena_size() returns, computed by running the same
 * carving code without writing):
 *
 *   stack core          ~ 1 KiB + ERG_STAT_COUNT * 8
 *   packet pool         pkt_count * (sizeof(struct erg_pkt) + pkt_size)
 *   interfaces          netif_count * ~96
 *   timers heap         (arp_entries + reasm_slots + 3 * tcp_conns + 1)
 *                       * sizeof(void *)
 *   ARP cache           arp_entries * ~64
 *   reassembly          reasm_slots * (~96 + 64 + reasm_max + reasm_max/64)
 *   UDP sockets         udp_socks * ~96 + 64 buckets * sizeof(void *)
 *   TCP connections     tcp_conns * (~400 + tcp_snd_buf)
 *                       + hash table 2 * tcp_conns rounded to a power of 2
 *   TCP listeners       tcp_listeners * ~96
 *   TCP TIME-WAIT       tcp_timewait * ~48 + its hash table
 *   TLS sessions        tls_sessions * (~7.6 KiB + tls_buf)
 *   TLS store           tls_store
 *   DNS                 dns_queries * (~2.5 KiB + dns_msg_max)
 *                       + dns_cache_entries * (~300 + dns_entry_size)
 *                       + dns_msg_max (the answer being delivered)
 *   DHCP                netif_count * ~330 + ~600 (a client per interface)
 *
 * With erg_config_default() that is about 5.3 MiB: 64 send rings of
 * 64 KiB (4 MiB), the 256 packet buffers (512 KiB), two 64 KiB
 * reassembly buffers, 8 TLS sessions (~320 KiB) and the 256 KiB TLS
 * store. An application without TLS sets tls_sessions and tls_store
 * to 0.
 */
#ifndef ERG_CONFIG_H
#define ERG_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Fills buf with len random bytes. The platform supplies a CSPRNG (or, for
 * reproducible runs, a seeded generator). It MUST NOT fail.
 */
typedef void (*erg_rand_fn)(void *ctx, void *buf, size_t len);

struct erg_config {
	/* Packet buffers: count, and data bytes each (headroom included). */
	uint32_t pkt_count; /* default 256, min 4 */
	uint32_t pkt_size;  /* default 2048, min 1024 */

	uint32_t netif_count; /* interfaces, default 2, 1..64 */

	/* ARP (RFC 826). */
	uint32_t arp_entries;      /* cache entries, default 64 */
	uint32_t arp_queue_len;    /* held while resolving, default 64 */
	uint32_t arp_reachable_ms; /* entry lifetime, default 120000 */
	uint32_t arp_retry_ms;     /* request retransmit, default 1000 */
	uint32_t arp_retries;      /* requests before giving up, default 3 */

	/* IPv4 reassembly (RFC 791, RFC 1122 3.3.2). */
	uint32_t reasm_slots; /* datagrams reassembled at once, default 2 */
	uint32_t reasm_max;   /* max datagram bytes, default 65535 */
	uint32_t reasm_timeout_ms; /* default 30000 */

	/* ICMP error rate limit: token bucket (RFC 1812 4.3.2.8). */
	uint32_t icmp_err_per_sec; /* default 100 */
	uint32_t icmp_err_burst;   /* default 20 */

	/* UDP. */
	uint32_t udp_socks;   /* default 16 */
	uint32_t udp_rxq_len; /* datagrams queued per socket, default 32 */

	/*
	 * TCP (RFC 9293). Each connection carries a send ring of tcp_snd_buf
	 * bytes; tcp_rcv_buf bounds the received bytes it may hold (in the
	 * packet pool), and so its window.
	 */
	uint32_t tcp_conns;      /* connections, default 64 */
	uint32_t tcp_listeners;  /* listening sockets, default 8 */
	uint32_t tcp_snd_buf;    /* send ring bytes, default 65536 */
	uint32_t tcp_rcv_buf;    /* receive budget bytes, default 65536 */
	uint32_t tcp_timewait;   /* TIME-WAIT entries, default 256 */
	uint32_t tcp_ooo_segs;   /* out-of-order segments held, default 64 */
	uint32_t tcp_msl_ms;     /* MSL; TIME-WAIT lasts 2 MSL. default 30000 */
	uint32_t tcp_delack_ms;  /* delayed ACK at most, default 40 */
	uint32_t tcp_rto_min_ms; /* RTO floor, default 200 */
	uint32_t tcp_rto_max_ms; /* RTO ceiling, default 60000 */
	uint32_t tcp_syn_retries; /* SYN retransmissions, default 6 */
	uint32_t tcp_retries;     /* data retransmissions, default 12 */
	uint32_t
	    tcp_fin_timeout_ms; /* FIN-WAIT-2 orphan limit, default 60000 */

	/*
	 * TLS (erg/tls.h). Sessions each hold BearSSL's state (~7.5 KiB)
	 * and a record buffer of tls_buf bytes: ERG_TLS_BUF_BIDI (full
	 * duplex, the default), ERG_TLS_BUF_MONO (half the memory), or
	 * less, down to ERG_TLS_BUF_MIN (smaller records). tls_store bytes
	 * hold certificates, keys, trust anchors and session caches.
	 */
	uint32_t tls_sessions; /* default 8 */
	uint32_t tls_buf;      /* default ERG_TLS_BUF_BIDI (33178) */
	uint32_t tls_store;    /* default 262144 */
	/*
	 * DNS stub resolver (erg/dns.h). Each query slot holds a buffer of
	 * dns_msg_max bytes (the largest answer read over TCP, and the
	 * largest answer handed to a callback); each cache entry
	 * dns_entry_size bytes (answers larger are not cached). Every
	 * query in flight uses one UDP socket, or one TCP connection while
	 * it asks over TCP, from those pools.
	 */
	uint32_t dns_queries;       /* in flight at once, default 8 */
	uint32_t dns_cache_entries; /* default 32; 0: no cache */
	uint32_t dns_entry_size;    /* bytes, default 512, 64..65535 */
	uint32_t dns_msg_max;       /* bytes, default 4096, 512..65535 */
	uint32_t dns_timeout_ms;    /* first attempt's wait, default 1000 */
	uint32_t dns_tries;         /* rounds over the servers, default 3 */
	uint32_t dns_max_ttl_s;     /* cache lifetime cap, default 86400 */
	/* Timers run per erg_stack_poll() call, at most; default 256. */
	uint32_t poll_budget;

	/* Randomness: ISN/port/ID keys and choices. Required. */
	erg_rand_fn rand;
	void *rand_ctx;
};

/* Fills cfg with the defaults documented above (rand left NULL). */
void erg_config_default(struct erg_config *cfg);

/*
 * Bytes of arena that erg_stack_init() needs for cfg, or 0 if cfg is
 * invalid (a count out of range, or rand NULL).
 */
size_t erg_arena_size(const struct erg_config *cfg);

#ifdef __cplusplus
}
#endif
#endif
