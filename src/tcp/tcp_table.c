/*
 * src/tcp/tcp_table.c: TCP's memory and lookups: the connection and
 * listener pools, the connection hash table, the TIME-WAIT table, initial
 * sequence numbers and ephemeral ports.
 *
 * Decisions:
 * - Connections hang in a hash table of 2 * tcp_conns buckets (a power of
 *   two) under SipHash-2-4 of the 4-tuple with the stack's secret, so
 *   that a peer cannot aim many connections at one chain; a one-entry
 *   cache in front serves bulk transfers without hashing. A tuple is
 *   hashed at most once per segment or connect (struct erg_tcp_key), and
 *   connections and TIME-WAIT entries keep their hash for removal.
 * - A connection entering TIME-WAIT is freed and replaced by a 72-byte
 *   entry in a separate table of tcp_timewait entries, kept in a FIFO by
 *   expiry (every entry lives 2 MSL, so insertion order is expiry order).
 *   Under pressure the oldest entry is recycled (tcp.timewait_recycled).
 *   TIME-WAIT entries are a bounded cache, like ARP's: they do not count
 *   in erg_stack_pool_in_use.
 * - ISNs (RFC 6528 3): SipHash of the 4-tuple under the secret plus the
 *   stack's clock in 4 microsecond ticks.
 * - Ephemeral ports (RFC 6056 3.3.4, algorithm 4): start at a keyed hash
 *   of (local address, remote address, remote port) plus one of 64
 *   counters picked by another keyed hash, advanced by a random step
 *   after each use, and take the first port whose 4-tuple is free in
 *   both tables.
 */
#include "tcp_int.h"

static size_t
tcp_pow2_at_least(uint32_t n)
{
	size_t p = 1;

	while (p < n) {
		p <<= 1;
	}
	return p;
}

uint32_t
erg_tcp_timer_count(const struct erg_config *cfg)
{
	/* rtx, dack and ka per connection, and the TIME-WAIT timer. */
	return 3 * cfg->tcp_conns + 1;
}

void
erg_tcp_layout(struct erg_carve *c, const struct erg_config *cfg,
    struct erg_stack *s)
{
	struct erg_tcp *t = erg_carve(c, sizeof(*t));
	size_t nb = tcp_pow2_at_least(2 * cfg->tcp_conns);
	size_t ntw = tcp_pow2_at_least(cfg->tcp_timewait);
	struct erg_tcp_conn *conns =
	    erg_carve_array(c, cfg->tcp_conns, sizeof(struct erg_tcp_conn));
	uint8_t *rings = erg_carve_array(c, cfg->tcp_conns, cfg->tcp_snd_buf);
	struct erg_tcp_listener *lst = erg_carve_array(c, cfg->tcp_listeners,
	    sizeof(struct erg_tcp_listener));
	struct erg_tcp_conn **buckets =
	    erg_carve_array(c, nb, sizeof(struct erg_tcp_conn *));
	struct erg_tcp_tw *tw =
	    erg_carve_array(c, cfg->tcp_timewait, sizeof(struct erg_tcp_tw));
	struct erg_tcp_tw **twb =
	    erg_carve_array(c, ntw, sizeof(struct erg_tcp_tw *));
	uint32_t i;

	if (s == NULL) {
		return;
	}
	for (i = 0; i < cfg->tcp_conns; i++) {
		conns[i].ring = rings + (size_t)i * cfg->tcp_snd_buf;
	}
	erg_pool_init(&t->conn_pool, conns, sizeof(*conns), cfg->tcp_conns,
	    ERG_STAT_TCP_CONNS_IN_USE, ERG_STAT_TCP_CONNS_HIGH_WATER,
	    ERG_STAT_TCP_CONNS_ALLOC_FAIL);
	erg_pool_init(&t->lst_pool, lst, sizeof(*lst), cfg->tcp_listeners,
	    ERG_STAT_TCP_LISTENERS_IN_USE, ERG_STAT_TCP_LISTENERS_HIGH_WATER,
	    ERG_STAT_TCP_LISTENERS_ALLOC_FAIL);
	t->buckets = buckets;
	t->bucket_mask = (uint32_t)(nb - 1);
	t->tw = tw;
	t->tw_buckets = twb;
	t->tw_mask = (uint32_t)(ntw - 1);
	for (i = 0; i < cfg->tcp_timewait; i++) {
		tw[i].hnext = t->tw_free;
		t->tw_free = &tw[i];
	}
	erg_timer_setup(&t->tw_timer, erg_tcp_tw_timer);
	/* Receive queues together hold at most 3/4 of the packet pool. */
	t->rx_pkts_max = cfg->pkt_count - cfg->pkt_count / 4;
	s->tcp = t;
}

/* ---- Connections ------------------------------------------------------ */

struct erg_tcp_conn *
erg_tcp_conn_alloc(struct erg_stack *s)
{
	struct erg_tcp_conn *c = erg_pool_get(s, &s->tcp->conn_pool);
	uint8_t *ring;

	if (c == NULL) {
		return NULL;
	}
	/* The ring is the slot's for life: keep it across the memset. */
	ring = c->ring;
	memset(c, 0, sizeof(*c));
	c->ring = ring;
	c->ring_cap = s->cfg.tcp_snd_buf;
	c->ring_budget = s->cfg.tcp_snd_buf;
	c->rcv_buf = s->cfg.tcp_rcv_buf;
	c->stack = s;
	c->cc = &erg_tcp_cc_newreno;
	c->rto = TCP_RTO_INITIAL_US;
	erg_tcp_timers_setup(c);
	return c;
}

void
erg_tcp_conn_free(struct erg_tcp_conn *c)
{
	struct erg_stack *s = c->stack;

	erg_tcp_hash_remove(c);
	erg_tcp_timers_cancel(c);
	erg_tcp_flush_forget(c);
	erg_event_cancel(s, &c->ev);
	erg_tcp_rcv_purge(c);
	c->state = ERG_TCP_CLOSED;
	erg_pool_put(s, &s->tcp->conn_pool, c);
}

static uint32_t
tcp_tuple_hash(const struct erg_stack *s, uint32_t laddr, uint16_t lport,
    uint32_t raddr, uint16_t rport)
{
	uint8_t k[12];

	erg_put_be32(k, laddr);
	erg_put_be32(k + 4, raddr);
	erg_put_be16(k + 8, lport);
	erg_put_be16(k + 10, rport);
	return (uint32_t)erg_prf(s, k, sizeof(k));
}

/* k's hash, computed once. */
static uint32_t
tcp_key_hash(const struct erg_stack *s, struct erg_tcp_key *k)
{
	if (!k->hashed) {
		k->hash =
		    tcp_tuple_hash(s, k->laddr, k->lport, k->raddr, k->rport);
		k->hashed = true;
	}
	return k->hash;
}

void
erg_tcp_hash_insert_key(struct erg_tcp_conn *c, struct erg_tcp_key *k)
{
	struct erg_tcp *t = c->stack->tcp;
	struct erg_tcp_conn **b;

	/* Kept for the removal, which then needs no hash of its own. */
	c->hash = tcp_key_hash(c->stack, k);
	b = &t->buckets[c->hash & t->bucket_mask];
	c->hnext = *b;
	*b = c;
	c->flags |= TCPF_IN_HASH;
	/* Its next segment is likely the next one looked up. */
	t->last2 = t->last;
	t->last = c;
}

void
erg_tcp_hash_insert(struct erg_tcp_conn *c)
{
	struct erg_tcp_key k;

	erg_tcp_key_make(&k, c->laddr, c->lport, c->raddr, c->rport);
	erg_tcp_hash_insert_key(c, &k);
}

void
erg_tcp_hash_remove(struct erg_tcp_conn *c)
{
	struct erg_tcp *t = c->stack->tcp;
	struct erg_tcp_conn **pp;

	if (t->last == c) {
		t->last = t->last2;
		t->last2 = NULL;
	} else if (t->last2 == c) {
		t->last2 = NULL;
	}
	if ((c->flags & TCPF_IN_HASH) == 0) {
		return;
	}
	pp = &t->buckets[c->hash & t->bucket_mask];
	for (; *pp != NULL; pp = &(*pp)->hnext) {
		if (*pp == c) {
			*pp = c->hnext;
			break;
		}
	}
	c->hnext = NULL;
	c->flags &= ~TCPF_IN_HASH;
}

static bool
tcp_conn_is(const struct erg_tcp_conn *c, const struct erg_tcp_key *k)
{
	return c->lport == k->lport && c->rport == k->rport &&
	    c->laddr == k->laddr && c->raddr == k->raddr;
}

struct erg_tcp_conn *
erg_tcp_lookup_key(struct erg_stack *s, struct erg_tcp_key *k)
{
	struct erg_tcp *t = s->tcp;
	struct erg_tcp_conn *c = t->last;

	if (c != NULL && tcp_conn_is(c, k)) {
		return c;
	}
	c = t->last2;
	if (c == NULL || !tcp_conn_is(c, k)) {
		for (c = t->buckets[tcp_key_hash(s, k) & t->bucket_mask];
		     c != NULL; c = c->hnext) {
			if (tcp_conn_is(c, k)) {
				break;
			}
		}
		if (c == NULL) {
			return NULL;
		}
	}
	t->last2 = t->last;
	t->last = c;
	return c;
}

struct erg_tcp_conn *
erg_tcp_lookup(struct erg_stack *s, uint32_t laddr, uint16_t lport,
    uint32_t raddr, uint16_t rport)
{
	struct erg_tcp_key k;

	erg_tcp_key_make(&k, laddr, lport, raddr, rport);
	return erg_tcp_lookup_key(s, &k);
}

struct erg_tcp_listener *
erg_tcp_listener_find(struct erg_stack *s, uint32_t laddr, uint16_t lport)
{
	struct erg_tcp_listener *l, *any = NULL;

	for (l = s->tcp->listeners; l != NULL; l = l->next) {
		if (l->lport != lport) {
			continue;
		}
		if (l->laddr == laddr) {
			return l;
		}
		if (l->laddr == ERG_IPV4_ANY) {
			any = l;
		}
	}
	return any;
}

void
erg_tcp_iss_set(struct erg_tcp_conn *c, uint32_t iss)
{
	c->iss = iss;
	c->recover = iss; /* RFC 6582 3.2 step 1 */
	c->snd_una = iss;
	c->snd_nxt = iss;
	c->snd_max = iss;
	c->snd_data = iss + 1; /* the SYN takes iss */
}

uint8_t
erg_tcp_rcv_wscale(const struct erg_config *cfg)
{
	uint8_t ws = 0;

	/* RFC 7323 2.3: the smallest shift that fits the budget in 16 bits. */
	while (ws < ERG_TCP_WSCALE_MAX && (cfg->tcp_rcv_buf >> ws) > 65535u) {
		ws++;
	}
	return ws;
}

/* ---- ISNs, timestamps and ports ---------------------------------------- */

/*
 * F() of RFC 6528 and the timestamp offset of RFC 7323 7.1 for a tuple:
 * one SipHash over the tuple and a tag that keeps it apart from the
 * connection table's hash (tcp_tuple_hash): an ISN must not reveal the
 * bucket a tuple falls in, or a peer could pick colliding tuples. The low
 * half makes the ISN, the high half the offset. Connect and SYN handling
 * ask for both in a row, so the last tuple's value is kept.
 */
static uint64_t
tcp_secret(struct erg_stack *s, uint32_t laddr, uint16_t lport, uint32_t raddr,
    uint16_t rport)
{
	struct erg_tcp *t = s->tcp;
	uint8_t k[13];

	erg_put_be32(k, laddr);
	erg_put_be32(k + 4, raddr);
	erg_put_be16(k + 8, lport);
	erg_put_be16(k + 10, rport);
	k[12] = 'S';
	if (!t->secret_ok || memcmp(t->secret_key, k, sizeof(k)) != 0) {
		memcpy(t->secret_key, k, sizeof(k));
		t->secret_val = erg_prf(s, k, sizeof(k));
		t->secret_ok = true;
	}
	return t->secret_val;
}

uint32_t
erg_tcp_isn(struct erg_stack *s, uint32_t laddr, uint16_t lport, uint32_t raddr,
    uint16_t rport)
{
	/* RFC 6528 3: ISN = M + F(4-tuple, secret), M a 4 us timer. */
	return (uint32_t)tcp_secret(s, laddr, lport, raddr, rport) +
	    (uint32_t)(s->now / 4);
}

uint32_t
erg_tcp_ts_offset(struct erg_stack *s, uint32_t laddr, uint16_t lport,
    uint32_t raddr, uint16_t rport)
{
	return (uint32_t)(tcp_secret(s, laddr, lport, raddr, rport) >> 32);
}

static bool
tcp_tuple_free(struct erg_stack *s, struct erg_tcp_key *k)
{
	return erg_tcp_lookup_key(s, k) == NULL &&
	    erg_tcp_tw_lookup_key(s, k) == NULL &&
	    erg_tcp_listener_find(s, k->laddr, k->lport) == NULL;
}

int
erg_tcp_pick_port(struct erg_stack *s, uint32_t laddr, uint32_t raddr,
    uint16_t rport, uint16_t *port, struct erg_tcp_key *k)
{
	const uint32_t n = ERG_TCP_EPHEMERAL_MAX - ERG_TCP_EPHEMERAL_MIN + 1;
	struct erg_tcp *t = s->tcp;
	uint8_t in[11];
	uint64_t h;
	uint32_t off, idx, i;

	/*
	 * RFC 6056 3.3.4, algorithm 4 (double-hash): offset F() and table
	 * index G() from one SipHash of (local address, remote address,
	 * remote port) tagged apart from the other uses of the secret. The
	 * increment after a success is random (1 to 8 more than the ports
	 * tried, as Linux perturbs its table), so that even one peer sees
	 * ports that do not simply count up.
	 */
	erg_put_be32(in, laddr);
	erg_put_be32(in + 4, raddr);
	erg_put_be16(in + 8, rport);
	in[10] = 'P';
	h = erg_prf(s, in, sizeof(in));
	off = (uint32_t)h;
	idx = (uint32_t)(h >> 32) % TCP_PORT_TABLE;
	for (i = 0; i < n; i++) {
		uint16_t p = (uint16_t)(ERG_TCP_EPHEMERAL_MIN +
		    (off + t->port_tab[idx] + i) % n);

		erg_tcp_key_make(k, laddr, p, raddr, rport);
		if (tcp_tuple_free(s, k)) {
			t->port_tab[idx] = (uint16_t)(t->port_tab[idx] + i + 1 +
			    erg_rand32(s) % 8);
			*port = p;
			return 0;
		}
	}
	return -ERG_EADDRINUSE;
}

/* ---- TIME-WAIT -------------------------------------------------------- */

struct erg_tcp_tw *
erg_tcp_tw_lookup_key(struct erg_stack *s, struct erg_tcp_key *k)
{
	struct erg_tcp *t = s->tcp;
	struct erg_tcp_tw *tw;

	if (s->stats[ERG_STAT_TCP_TIMEWAIT_IN_USE] == 0) {
		return NULL;
	}
	for (tw = t->tw_buckets[tcp_key_hash(s, k) & t->tw_mask]; tw != NULL;
	     tw = tw->hnext) {
		if (tw->lport == k->lport && tw->rport == k->rport &&
		    tw->laddr == k->laddr && tw->raddr == k->raddr) {
			return tw;
		}
	}
	return NULL;
}

struct erg_tcp_tw *
erg_tcp_tw_lookup(struct erg_stack *s, uint32_t laddr, uint16_t lport,
    uint32_t raddr, uint16_t rport)
{
	struct erg_tcp_key k;

	erg_tcp_key_make(&k, laddr, lport, raddr, rport);
	return erg_tcp_tw_lookup_key(s, &k);
}

static void
tcp_tw_fifo_unlink(struct erg_tcp *t, struct erg_tcp_tw *tw)
{
	if (tw->fprev != NULL) {
		tw->fprev->fnext = tw->fnext;
	} else {
		t->tw_fifo_head = tw->fnext;
	}
	if (tw->fnext != NULL) {
		tw->fnext->fprev = tw->fprev;
	} else {
		t->tw_fifo_tail = tw->fprev;
	}
	tw->fnext = NULL;
	tw->fprev = NULL;
}

static void
tcp_tw_fifo_append(struct erg_stack *s, struct erg_tcp_tw *tw)
{
	struct erg_tcp *t = s->tcp;

	tw->expire = s->now + 2ull * s->cfg.tcp_msl_ms * 1000u;
	tw->fprev = t->tw_fifo_tail;
	tw->fnext = NULL;
	if (t->tw_fifo_tail != NULL) {
		t->tw_fifo_tail->fnext = tw;
	} else {
		t->tw_fifo_head = tw;
	}
	t->tw_fifo_tail = tw;
	if (!erg_timer_armed(&t->tw_timer)) {
		erg_timer_arm(s, &t->tw_timer, t->tw_fifo_head->expire);
	}
}

void
erg_tcp_tw_kill(struct erg_stack *s, struct erg_tcp_tw *tw)
{
	struct erg_tcp *t = s->tcp;
	struct erg_tcp_tw **pp;

	pp = &t->tw_buckets[tw->hash & t->tw_mask];
	for (; *pp != NULL; pp = &(*pp)->hnext) {
		if (*pp == tw) {
			*pp = tw->hnext;
			break;
		}
	}
	tcp_tw_fifo_unlink(t, tw);
	tw->hnext = t->tw_free;
	t->tw_free = tw;
	erg_gauge_dec(s, ERG_STAT_TCP_TIMEWAIT_IN_USE);
}

void
erg_tcp_tw_restart(struct erg_stack *s, struct erg_tcp_tw *tw)
{
	tcp_tw_fifo_unlink(s->tcp, tw);
	tcp_tw_fifo_append(s, tw);
}

void
erg_tcp_tw_enter(struct erg_tcp_conn *c)
{
	struct erg_stack *s = c->stack;
	struct erg_tcp *t = s->tcp;
	struct erg_tcp_tw *tw, **b;

	if (t->tw_free == NULL && t->tw_fifo_head != NULL) {
		/* Under pressure, the oldest entry goes first. */
		ERG_COUNT(s, TCP_TIMEWAIT_RECYCLED);
		erg_tcp_tw_kill(s, t->tw_fifo_head);
	}
	tw = t->tw_free;
	if (tw == NULL) {
		/* tcp_timewait >= 1 (config_valid): cannot happen. */
		erg_tcp_conn_free(c);
		return;
	}
	t->tw_free = tw->hnext;
	memset(tw, 0, sizeof(*tw));
	tw->laddr = c->laddr;
	tw->raddr = c->raddr;
	tw->lport = c->lport;
	tw->rport = c->rport;
	tw->snd_nxt = c->snd_nxt;
	tw->rcv_nxt = c->rcv_nxt;
	tw->rcv_wscale = c->rcv_wscale;
	tw->ts_ok = c->ts_ok;
	tw->ts_recent = c->ts_recent;
	tw->ts_offset = c->ts_offset;
	/* The same hash as the connection table's (masked differently). */
	tw->hash = (c->flags & TCPF_IN_HASH) ?
	    c->hash :
	    tcp_tuple_hash(s, tw->laddr, tw->lport, tw->raddr, tw->rport);
	b = &t->tw_buckets[tw->hash & t->tw_mask];
	tw->hnext = *b;
	*b = tw;
	erg_gauge_inc(s, ERG_STAT_TCP_TIMEWAIT_IN_USE, ERG_STAT_COUNT);
	tcp_tw_fifo_append(s, tw);
	erg_tcp_conn_free(c);
}

void
erg_tcp_tw_timer(struct erg_stack *s, struct erg_timer *timer)
{
	struct erg_tcp *t = s->tcp;

	ERG_UNUSED(timer);
	while (t->tw_fifo_head != NULL && t->tw_fifo_head->expire <= s->now) {
		erg_tcp_tw_kill(s, t->tw_fifo_head);
	}
	if (t->tw_fifo_head != NULL) {
		erg_timer_arm(s, &t->tw_timer, t->tw_fifo_head->expire);
	}
}
