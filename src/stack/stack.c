/*
 * src/stack/stack.c: the assembly. The one file that knows every layer:
 * it validates the configuration, lays every layer's state out in the
 * arena, and wires the upward demultiplexing hooks (Ethernet -> IPv4 ->
 * ICMP/UDP). Everything else depends only downward.
 *
 * erg_arena_size() and erg_stack_init() run the same layout function,
 * the first one dry (struct erg_carve with a NULL base), so the size
 * reported is exactly the size used.
 */
#include "../core/core.h"
#include "../ether/ether_link.h"
#include "../ipv4/ipv4_layer.h"
#include "../udp/udp_layer.h"
#include "../tcp/tcp_int.h"
#include "../tls/tls_layer.h"
#include "../dns/dns_layer.h"
#include "../dhcp/dhcp_layer.h"

/* Upper bounds that keep every size computation far from overflow. */
#define CFG_MAX_COUNT (1u << 20)
#define CFG_MAX_PKT   65535u

void
erg_config_default(struct erg_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->pkt_count = 256;
	cfg->pkt_size = 2048;
	cfg->netif_count = 2;
	cfg->arp_entries = 64;
	cfg->arp_queue_len = 64;
	cfg->arp_reachable_ms = 120000;
	cfg->arp_retry_ms = 1000;
	cfg->arp_retries = 3;
	cfg->reasm_slots = 2;
	cfg->reasm_max = ERG_IPV4_MAX_LEN;
	cfg->reasm_timeout_ms = 30000;
	cfg->icmp_err_per_sec = 100;
	cfg->icmp_err_burst = 20;
	cfg->udp_socks = 16;
	cfg->udp_rxq_len = 32;
	cfg->tcp_conns = 64;
	cfg->tcp_listeners = 8;
	cfg->tcp_snd_buf = 65536;
	cfg->tcp_rcv_buf = 65536;
	cfg->tcp_timewait = 256;
	cfg->tcp_ooo_segs = 64;
	cfg->tcp_msl_ms = 30000;
	cfg->tcp_delack_ms = 40;
	cfg->tcp_rto_min_ms = 200;
	cfg->tcp_rto_max_ms = 60000;
	cfg->tcp_syn_retries = 6;
	cfg->tcp_retries = 12;
	cfg->tcp_fin_timeout_ms = 60000;
	cfg->tls_sessions = 8;
	cfg->tls_buf = ERG_TLS_BUF_BIDI;
	cfg->tls_store = 262144;
	cfg->dns_queries = 8;
	cfg->dns_cache_entries = 32;
	cfg->dns_entry_size = 512;
	cfg->dns_msg_max = 4096;
	cfg->dns_timeout_ms = 1000;
	cfg->dns_tries = 3;
	cfg->dns_max_ttl_s = 86400;
	cfg->poll_budget = 256;
}

static bool
count_ok(uint32_t v, uint32_t min)
{
	return v >= min && v <= CFG_MAX_COUNT;
}

/*
 * A session's buffer holds at least a small record and at most both
 * directions' full ones. (Sessions beyond tcp_conns can never be used,
 * but are not an error, like every other count.)
 */
static bool
tls_config_valid(const struct erg_config *cfg)
{
	return count_ok(cfg->tls_sessions, 0) &&
	    (cfg->tls_sessions == 0 ||
	        (cfg->tls_buf >= ERG_TLS_BUF_MIN &&
	            cfg->tls_buf <= ERG_TLS_BUF_BIDI)) &&
	    cfg->tls_store <= (1u << 30);
}

static bool
tcp_config_valid(const struct erg_config *cfg)
{
	return count_ok(cfg->tcp_conns, 0) && count_ok(cfg->tcp_listeners, 0) &&
	    cfg->tcp_snd_buf >= 1024 && cfg->tcp_snd_buf <= (1u << 30) &&
	    cfg->tcp_rcv_buf >= 2048 && cfg->tcp_rcv_buf <= (1u << 30) &&
	    count_ok(cfg->tcp_timewait, 1) && count_ok(cfg->tcp_ooo_segs, 0) &&
	    cfg->tcp_msl_ms >= 1 && cfg->tcp_msl_ms <= 600000 &&
	    cfg->tcp_delack_ms >= 1 && cfg->tcp_delack_ms <= 500 &&
	    cfg->tcp_rto_min_ms >= 1 &&
	    cfg->tcp_rto_max_ms >= cfg->tcp_rto_min_ms &&
	    cfg->tcp_rto_max_ms <= 600000 && cfg->tcp_syn_retries >= 1 &&
	    cfg->tcp_syn_retries <= 30 && cfg->tcp_retries >= 1 &&
	    cfg->tcp_retries <= 30 && cfg->tcp_fin_timeout_ms >= 1 &&
	    cfg->tcp_fin_timeout_ms <= 3600000;
}

static bool
dns_config_valid(const struct erg_config *cfg)
{
	return count_ok(cfg->dns_queries, 0) &&
	    count_ok(cfg->dns_cache_entries, 0) && cfg->dns_entry_size >= 64 &&
	    cfg->dns_entry_size <= ERG_DNS_MSG_MAX &&
	    cfg->dns_msg_max >= ERG_DNS_UDP_MAX &&
	    cfg->dns_msg_max <= ERG_DNS_MSG_MAX && cfg->dns_timeout_ms >= 10 &&
	    cfg->dns_timeout_ms <= 60000 && cfg->dns_tries >= 1 &&
	    cfg->dns_tries <= 10 && cfg->dns_max_ttl_s >= 1 &&
	    cfg->dns_max_ttl_s <= 604800;
}

static bool
config_valid(const struct erg_config *cfg)
{
	return cfg != NULL && cfg->rand != NULL &&
	    count_ok(cfg->pkt_count, 4) && cfg->pkt_size >= 1024 &&
	    cfg->pkt_size <= CFG_MAX_PKT && cfg->netif_count >= 1 &&
	    cfg->netif_count <= 64 && count_ok(cfg->arp_entries, 1) &&
	    count_ok(cfg->arp_queue_len, 1) && cfg->arp_reachable_ms >= 1000 &&
	    cfg->arp_retry_ms >= 10 && cfg->arp_retries >= 1 &&
	    cfg->arp_retries <= 100 && count_ok(cfg->reasm_slots, 0) &&
	    cfg->reasm_max >= 576 && cfg->reasm_max <= ERG_IPV4_MAX_LEN &&
	    cfg->reasm_timeout_ms >= 100 && cfg->icmp_err_per_sec >= 1 &&
	    cfg->icmp_err_per_sec <= 1000000 && cfg->icmp_err_burst >= 1 &&
	    cfg->icmp_err_burst <= 100000 && count_ok(cfg->udp_socks, 0) &&
	    count_ok(cfg->udp_rxq_len, 1) && cfg->poll_budget >= 1 &&
	    tcp_config_valid(cfg) && tls_config_valid(cfg) &&
	    dns_config_valid(cfg);
}

static uint32_t
timer_count(const struct erg_config *cfg)
{
	return cfg->arp_entries + cfg->reasm_slots + erg_tcp_timer_count(cfg) +
	    erg_tls_timer_count(cfg) + erg_dns_timer_count(cfg) +
	    erg_dhcp_timer_count(cfg);
}

/*
 * Lays out a whole stack. With c->base NULL only counts, and s is NULL.
 * With a base, s is the stack struct (carved first, by the caller).
 */
static void
stack_layout(struct erg_carve *c, const struct erg_config *cfg,
    struct erg_stack *s)
{
	struct erg_netif *netifs;
	struct erg_pkt *hdrs;
	struct erg_timer **heap;
	uint8_t *data;
	uint32_t i;

	netifs = erg_carve_array(c, cfg->netif_count, sizeof(*netifs));
	hdrs = erg_carve_array(c, cfg->pkt_count, sizeof(*hdrs));
	data = erg_carve_array(c, cfg->pkt_count, cfg->pkt_size);
	/* An array of pointers to timers. */
	heap = erg_carve_array(c, timer_count(cfg), sizeof(struct erg_timer *));
	if (s != NULL) {
		s->netifs = netifs;
		for (i = 0; i < cfg->pkt_count; i++) {
			hdrs[i].buf = data + (size_t)i * cfg->pkt_size;
			hdrs[i].cap = cfg->pkt_size;
		}
		erg_pool_init(&s->pkt_pool, hdrs, sizeof(*hdrs), cfg->pkt_count,
		    ERG_STAT_PKT_IN_USE, ERG_STAT_PKT_HIGH_WATER,
		    ERG_STAT_PKT_ALLOC_FAIL);
		s->timers.heap = heap;
		s->timers.cap = timer_count(cfg);
	}
	erg_arp_layout(c, cfg, s);
	erg_ipv4_layout(c, cfg, s);
	erg_reasm_layout(c, cfg, s);
	erg_icmp_layout(c, cfg, s);
	erg_udp_layout(c, cfg, s);
	erg_tcp_layout(c, cfg, s);
	erg_tls_layout(c, cfg, s);
	erg_dns_layout(c, cfg, s);
	erg_dhcp_layout(c, cfg, s);
}

size_t
erg_arena_size(const struct erg_config *cfg)
{
	struct erg_carve c = { NULL, 0, false };

	if (!config_valid(cfg)) {
		return 0;
	}
	(void)erg_carve(&c, sizeof(struct erg_stack));
	stack_layout(&c, cfg, NULL);
	/* Too large for this machine's size_t (a 32-bit target). */
	return c.overflow ? 0 : c.off;
}

static void
stack_wire(struct erg_stack *s)
{
	s->ipv4_input = erg_ipv4_input;
	s->l4[s->l4_n].proto = ERG_IP_PROTO_UDP;
	s->l4[s->l4_n].input = erg_udp_input;
	s->l4[s->l4_n].err = erg_udp_err;
	s->l4_n++;
	s->after_events = erg_tcp_flush;
	s->l4[s->l4_n].proto = ERG_IP_PROTO_TCP;
	s->l4[s->l4_n].input = erg_tcp_input;
	s->l4[s->l4_n].err = erg_tcp_err;
	s->l4_n++;
}

int
erg_stack_init(struct erg_stack **out, void *arena, size_t len,
    const struct erg_config *cfg, uint64_t now_us)
{
	struct erg_carve c;
	struct erg_stack *s;
	size_t need;

	need = erg_arena_size(cfg);
	if (need == 0 || out == NULL || arena == NULL ||
	    ((uintptr_t)arena & (ERG_CARVE_ALIGN - 1)) != 0) {
		return -ERG_EINVAL;
	}
	if (len < need) {
		return -ERG_ENOSPC;
	}
	c.base = arena;
	c.off = 0;
	c.overflow = false;
	s = erg_carve(&c, sizeof(*s));
	s->cfg = *cfg;
	s->now = now_us;
	s->route_gen = 1; /* a zeroed struct erg_ipv4_path never holds */
	erg_rand_bytes(s, s->prf_key, sizeof(s->prf_key));
	stack_layout(&c, cfg, s);
	stack_wire(s);
	*out = s;
	return 0;
}
