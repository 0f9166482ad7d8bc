/*
 * src/dns/dns_resolver.c: the stub resolver (RFC 1035 7, RFC 1123 6.1.3):
 * query slots, attempts and their timers, matching responses to queries
 * (RFC 5452), coalescing, delivery.
 *
 * A query slot asks in attempts: attempt k goes to server k mod n in
 * round k / n (n servers, cfg.dns_tries rounds) and waits
 * cfg.dns_timeout_ms << round (RFC 1536 1: back off). Each attempt opens
 * its own UDP socket on a random ephemeral port (RFC 6056) and sends
 * with a fresh random ID; the socket is closed when the attempt ends, so
 * that a late answer to an earlier attempt finds no socket (udp.no_port)
 * instead of being taken for the current one.
 *
 * Decisions where the RFCs and the issue are silent:
 * - A server that answers SERVFAIL, REFUSED, NOTIMP, FORMERR (any rcode
 *   but NOERROR and NXDOMAIN) is not asked again by that query
 *   (dns.server_err); when every server has done so the query ends with
 *   -ERG_ESERVFAIL. Otherwise attempts run out with -ERG_ETIMEDOUT, or,
 *   if no attempt could even be sent, the last send error (-ERG_ENOMEM
 *   when a pool was empty, -ERG_EHOSTUNREACH without a route).
 * - A send error (not a datagram waiting for ARP, which counts as sent)
 *   moves to the next attempt at once (dns.tx_fail), without waiting.
 * - ICMP errors about a query (port unreachable) are ignored: they are
 *   as easy to forge as an answer and carry no ID, so a query waits for
 *   its timeout instead (RFC 5452 leaves them out of the matching too).
 * - Coalescing: a question (name case-insensitively, type) already out
 *   makes the new query a waiter on it (dns.coalesced); both get the one
 *   result, the first asker first. Cancelling the leader hands the
 *   question to its first waiter, which starts afresh at the next poll.
 * - A query that fails inside erg_dns_resolve or erg_dns_cancel (every
 *   send failed at once) is delivered from its timer at the next poll, so
 *   that callbacks run only from a safe point, or for a cache hit from
 *   erg_dns_resolve itself.
 * - The answer buffer (cfg.dns_msg_max bytes) holds a cache hit while
 *   its callback runs, and each result built from a response before it
 *   is copied into the query slot's own buffer to be delivered: so a
 *   callback may resolve again (a cache hit nested in a cache-hit
 *   callback is built in a spare query slot, or fails with -ERG_ENOMEM).
 */
#include "dns_int.h"

#define US_PER_MS 1000ull

static void dns_timer(struct erg_stack *s, struct erg_timer *t);
static void dns_udp_event(struct erg_udp_sock *u, unsigned events, void *ctx);

void
erg_dns_layout(struct erg_carve *c, const struct erg_config *cfg,
    struct erg_stack *s)
{
	struct erg_dns *d = erg_carve(c, sizeof(*d));
	struct erg_dns_query *slots =
	    erg_carve_array(c, cfg->dns_queries, sizeof(*slots));
	uint8_t *bufs = erg_carve_array(c, cfg->dns_queries, cfg->dns_msg_max);
	uint8_t *ans = erg_carve(c, cfg->dns_msg_max);
	uint32_t i;

	dns_cache_layout(c, cfg, s != NULL ? &d->cache : NULL);
	if (s == NULL) {
		return;
	}
	erg_pool_init(&d->pool, slots, sizeof(*slots), cfg->dns_queries,
	    ERG_STAT_DNS_QUERIES_IN_USE, ERG_STAT_DNS_QUERIES_HIGH_WATER,
	    ERG_STAT_DNS_QUERY_ALLOC_FAIL);
	for (i = 0; i < cfg->dns_queries; i++) {
		slots[i].s = s;
		slots[i].buf = bufs + (size_t)i * cfg->dns_msg_max;
		erg_timer_setup(&slots[i].timer, dns_timer);
	}
	d->slots = slots;
	d->ans = ans;
	s->dns = d;
}

/* ---- Slots -------------------------------------------------------------- */

static struct erg_dns_query *
dns_slot_get(struct erg_stack *s)
{
	struct erg_dns_query *q = erg_pool_get(s, &s->dns->pool);
	uint8_t *buf;

	if (q == NULL) {
		return NULL;
	}
	buf = q->buf;
	memset(q, 0, sizeof(*q));
	q->s = s;
	q->buf = buf;
	erg_timer_setup(&q->timer, dns_timer);
	return q;
}

static void
dns_slot_put(struct erg_stack *s, struct erg_dns_query *q)
{
	erg_timer_cancel(s, &q->timer);
	q->state = DNS_Q_FREE;
	q->cb = NULL;
	erg_pool_put(s, &s->dns->pool, q);
}

static void
dns_active_add(struct erg_stack *s, struct erg_dns_query *q)
{
	struct erg_dns *d = s->dns;

	q->prev = NULL;
	q->next = d->active;
	if (d->active != NULL) {
		d->active->prev = q;
	}
	d->active = q;
}

static void
dns_active_del(struct erg_stack *s, struct erg_dns_query *q)
{
	if (q->prev != NULL) {
		q->prev->next = q->next;
	} else if (s->dns->active == q) {
		s->dns->active = q->next;
	}
	if (q->next != NULL) {
		q->next->prev = q->prev;
	}
	q->prev = q->next = NULL;
}

/* The leader already asking (name, type), or NULL. */
static struct erg_dns_query *
dns_active_find(struct erg_stack *s, const struct erg_dns_name *name,
    uint16_t type)
{
	struct erg_dns_query *q;

	for (q = s->dns->active; q != NULL; q = q->next) {
		if (q->type == type && erg_dns_name_eq(&q->qname, name)) {
			return q;
		}
	}
	return NULL;
}

/* ---- Servers ------------------------------------------------------------ */

int
erg_dns_servers_set(struct erg_stack *s, const uint32_t *addrs, unsigned n)
{
	struct erg_dns *d = s->dns;
	unsigned i;

	if (n > ERG_DNS_SERVERS_MAX || (n > 0 && addrs == NULL)) {
		return -ERG_EINVAL;
	}
	for (i = 0; i < n; i++) {
		if (addrs[i] == ERG_IPV4_ANY || addrs[i] == 0xffffffffu) {
			return -ERG_EINVAL;
		}
	}
	for (i = 0; i < n; i++) {
		d->servers[i] = addrs[i];
	}
	d->nservers = n;
	return 0;
}

static bool
dns_addr_in(const uint32_t *a, unsigned n, uint32_t x)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		if (a[i] == x) {
			return true;
		}
	}
	return false;
}

unsigned
erg_dns_servers(const struct erg_stack *s, uint32_t *out, unsigned max)
{
	const struct erg_dns *d = s->dns;
	unsigned n = 0, i, j;

	if (d->nservers > 0) {
		for (i = 0; i < d->nservers && n < max; i++) {
			out[n++] = d->servers[i];
		}
		return n;
	}
	for (i = 0; i < s->netif_n; i++) {
		const struct erg_netif *nif = &s->netifs[i];

		for (j = 0; j < nif->dns_n && j < ERG_IPV4_DNS_MAX; j++) {
			uint32_t a = nif->dns[j];

			if (n == max) {
				return n;
			}
			if (a != ERG_IPV4_ANY && !dns_addr_in(out, n, a)) {
				out[n++] = a;
			}
		}
	}
	return n;
}

/* ---- Attempts ----------------------------------------------------------- */

uint32_t
dns_attempt_server(const struct erg_dns_query *q)
{
	return q->servers[q->attempt % q->nserv];
}

uint64_t
dns_attempt_wait(const struct erg_stack *s, const struct erg_dns_query *q)
{
	/* round < cfg.dns_tries <= 10 and the timeout <= 60 s: < 2^36. */
	unsigned round = q->attempt / q->nserv;

	return ((uint64_t)s->cfg.dns_timeout_ms * US_PER_MS) << round;
}

static void
dns_udp_stop(struct erg_dns_query *q)
{
	if (q->udp != NULL) {
		erg_udp_close(q->udp);
		q->udp = NULL;
	}
}

/* Sends q's current attempt over UDP. Returns 0 or why not. */
static int
dns_udp_send(struct erg_stack *s, struct erg_dns_query *q)
{
	size_t len;
	int rc;

	rc = erg_udp_open(s, dns_udp_event, q, &q->udp);
	if (rc < 0) {
		q->udp = NULL;
		return rc;
	}
	/*
	 * Connected (RFC 5452 9.2; SAD DNS): the random port takes
	 * datagrams from the server's port 53 only and looks closed to
	 * every other sender, who cannot find it or fill its queue.
	 */
	rc = erg_udp_connect(q->udp, dns_attempt_server(q), ERG_DNS_PORT);
	if (rc == 0) {
		q->spoofed = 0;
		q->port = erg_udp_local_port(q->udp);
		q->id = (uint16_t)erg_rand32(s);
		len = dns_query_build(q, q->id, q->buf, s->cfg.dns_msg_max);
		rc = len > 0 ? erg_udp_sendto(q->udp, dns_attempt_server(q),
		                   ERG_DNS_PORT, q->buf, len) :
		               -ERG_EINVAL;
	}
	if (rc < 0) {
		dns_udp_stop(q);
		return rc;
	}
	ERG_COUNT(s, DNS_TX);
	q->state = DNS_Q_UDP;
	q->sent_any = true;
	erg_timer_arm(s, &q->timer, s->now + dns_attempt_wait(s, q));
	return 0;
}

static void dns_fail(struct erg_stack *s, struct erg_dns_query *q, int err);

/*
 * Sends the first attempt from q->attempt on that can go out (skipping
 * servers that answered with an error); ends the query when none is
 * left. At most cfg.dns_tries * DNS_SRV_MAX iterations.
 */
static void
dns_attempt_next(struct erg_stack *s, struct erg_dns_query *q)
{
	uint32_t all = (1u << q->nserv) - 1;
	int rc, last = -ERG_ETIMEDOUT;

	while (q->attempt < q->attempts) {
		if (q->srv_bad & (1u << (q->attempt % q->nserv))) {
			q->attempt++;
			continue;
		}
		rc = dns_udp_send(s, q);
		if (rc == 0) {
			return;
		}
		ERG_COUNT(s, DNS_TX_FAIL);
		last = rc;
		q->attempt++;
	}
	if ((q->srv_bad & all) == all) {
		dns_fail(s, q, -ERG_ESERVFAIL);
	} else {
		dns_fail(s, q, q->sent_any ? -ERG_ETIMEDOUT : last);
	}
}

/* The current attempt failed (timeout, TCP failure): the next one. */
void
dns_attempt_failed(struct erg_stack *s, struct erg_dns_query *q)
{
	q->attempt++;
	dns_attempt_next(s, q);
}

/* ---- Delivery ----------------------------------------------------------- */

/*
 * Calls the callbacks of leader q and its waiters with the result whose
 * message is in the answer buffer (lent as for a cache hit), freeing
 * each slot just before its own callback, so that a callback can start
 * a query even when every slot was in this group. q has let go of its
 * socket and timer. Callbacks may start queries (q is no longer
 * findable, so none attaches to it) and cancel waiters of q not yet
 * called (DONE: only skipped, and freed here).
 */
static void
dns_deliver(struct erg_stack *s, struct erg_dns_query *q,
    const struct dns_result *r)
{
	struct erg_dns_result res;
	struct erg_dns_query *w, *next;

	dns_active_del(s, q);
	q->state = DNS_Q_DONE;
	for (w = q->waiters; w != NULL; w = w->wnext) {
		w->state = DNS_Q_DONE;
	}
	res.err = r->err;
	res.rcode = r->rcode;
	res.from_cache = false;
	res.server = r->server;
	res.ttl = r->ttl;
	res.msg = erg_view_make(s->dns->ans, r->len);
	s->dns->ans_busy = true;
	for (w = q; w != NULL; w = next) {
		erg_dns_result_fn cb = w->cb;
		void *ctx = w->ctx;

		next = (w == q) ? q->waiters : w->wnext;
		if (cb != NULL) {
			dns_msg_set_qname(s->dns->ans, r->len, &w->qname);
		}
		/* Freed first: the callback may take the slot again. */
		dns_slot_put(s, w);
		if (cb != NULL) {
			cb(ctx, &res);
		}
	}
	s->dns->ans_busy = false;
}

/* A result built in the answer buffer: cache it, deliver it. */
static void
dns_finish(struct erg_stack *s, struct erg_dns_query *q,
    const struct dns_result *r)
{
	if (r->err == 0 || r->err == -ERG_ENXDOMAIN || r->err == -ERG_ENODATA) {
		dns_cache_insert(s, &q->qname, q->type, r, s->dns->ans);
	}
	dns_deliver(s, q, r);
}

/* Ends q with err and no answer, now or (inside the API) at next poll. */
static void
dns_fail(struct erg_stack *s, struct erg_dns_query *q, int err)
{
	struct dns_result r;

	if (s->dns->api_depth > 0) {
		q->state = DNS_Q_FAILED;
		q->err = err;
		erg_timer_arm(s, &q->timer, s->now);
		return;
	}
	memset(&r, 0, sizeof(r));
	r.err = err;
	r.rcode = q->rcode;
	dns_answer_empty(s, q, s->dns->ans, s->cfg.dns_msg_max, &r);
	dns_finish(s, q, &r);
}

void
dns_response(struct erg_stack *s, struct erg_dns_query *q,
    const struct erg_dns_msg *m, bool over_tcp)
{
	struct dns_result r;
	int rc;

	memset(&r, 0, sizeof(r));
	r.server = dns_attempt_server(q);
	/* Responses are handled from socket events (safe points), never
	 * inside a cache hit's callback: the answer buffer is free. */
	switch (dns_answer(s, q, m, over_tcp, s->dns->ans, s->cfg.dns_msg_max,
	    &r)) {
	case DNS_V_RESULT:
		dns_finish(s, q, &r);
		break;
	case DNS_V_RESTART:
		/* RFC 1034 5.3.3 step 3: the chain goes on; ask afresh. */
		q->attempt = 0;
		q->srv_bad = 0;
		dns_attempt_next(s, q);
		break;
	case DNS_V_SERVER:
		ERG_COUNT(s, DNS_SERVER_ERR);
		q->srv_bad |= 1u << (q->attempt % q->nserv);
		dns_attempt_failed(s, q);
		break;
	case DNS_V_TC:
		ERG_COUNT(s, DNS_TRUNCATED);
		rc = dns_tcp_start(s, q);
		if (rc < 0) {
			ERG_COUNT(s, DNS_TCP_FAIL);
			dns_attempt_failed(s, q);
		}
		break;
	}
}

/* ---- Events ------------------------------------------------------------- */

/*
 * Checks a datagram against q's attempt: from the server's port 53 to
 * ours, then the message (dns_response_check). Returns 0 or why not.
 */
static int
dns_udp_match(const struct erg_dns_query *q, const struct erg_udp_dgram *d,
    struct erg_dns_msg *m)
{
	if (d->src != dns_attempt_server(q) || d->src_port != ERG_DNS_PORT ||
	    d->dst_port != q->port) {
		return -ERG_EINVAL;
	}
	return dns_response_check(q, d->data, m, true);
}

static void
dns_udp_event(struct erg_udp_sock *u, unsigned events, void *ctx)
{
	struct erg_dns_query *q = ctx;
	struct erg_stack *s = q->s;
	struct erg_udp_dgram d;
	struct erg_dns_msg m;
	int rc;

	if (events & ERG_EV_ERROR) {
		(void)erg_udp_error(u);
	}
	/* Bounded by the socket's receive queue (cfg.udp_rxq_len). */
	while (q->udp == u && erg_udp_recv(u, &d) == 0) {
		ERG_COUNT(s, DNS_RX);
		rc = dns_udp_match(q, &d, &m);
		if (rc == 0) {
			dns_udp_stop(q);
			erg_timer_cancel(s, &q->timer);
			/* q may be delivered and freed in there. */
			dns_response(s, q, &m, false);
			erg_pkt_free(s, d.pkt);
			return;
		}
		if (rc == -ERG_EMALFORMED) {
			ERG_COUNT(s, DNS_MALFORMED);
		} else {
			ERG_COUNT(s, DNS_SPOOFED);
		}
		erg_pkt_free(s, d.pkt);
		/*
		 * RFC 5452 9.3: someone is guessing IDs from the server's
		 * address; TCP's handshake ends the guessing.
		 */
		if (rc != -ERG_EMALFORMED && ++q->spoofed >= DNS_SPOOF_MAX) {
			dns_udp_stop(q);
			erg_timer_cancel(s, &q->timer);
			if (dns_tcp_start(s, q) < 0) {
				ERG_COUNT(s, DNS_TCP_FAIL);
				dns_attempt_failed(s, q);
			}
			return;
		}
	}
}

static void
dns_timer(struct erg_stack *s, struct erg_timer *t)
{
	struct erg_dns_query *q =
	    ERG_CONTAINER_OF(t, struct erg_dns_query, timer);

	switch (q->state) {
	case DNS_Q_START:
		dns_attempt_next(s, q);
		break;
	case DNS_Q_FAILED:
		dns_fail(s, q, q->err);
		break;
	case DNS_Q_UDP:
		ERG_COUNT(s, DNS_TIMEOUTS);
		dns_udp_stop(q);
		dns_attempt_failed(s, q);
		break;
	case DNS_Q_TCP:
		ERG_COUNT(s, DNS_TIMEOUTS);
		ERG_COUNT(s, DNS_TCP_FAIL);
		dns_tcp_stop(q, true);
		dns_attempt_failed(s, q);
		break;
	default:
		break;
	}
}

/* ---- The API ------------------------------------------------------------ */

/*
 * Delivers cache entry e to cb, from the answer buffer, or from a spare
 * slot's buffer while the answer buffer is lent to an outer callback.
 */
static int
dns_deliver_cached(struct erg_stack *s, const struct dns_centry *e,
    const struct erg_dns_name *name, erg_dns_result_fn cb, void *ctx)
{
	struct erg_dns *d = s->dns;
	struct erg_dns_query *spare = NULL;
	struct erg_dns_result res;
	struct dns_result r;
	uint8_t *buf = d->ans;

	if (d->ans_busy) {
		spare = dns_slot_get(s);
		if (spare == NULL) {
			return -ERG_ENOMEM;
		}
		spare->state = DNS_Q_DONE;
		buf = spare->buf;
	}
	dns_cache_read(s, e, buf, &r);
	dns_msg_set_qname(buf, r.len, name);
	res.err = r.err;
	res.rcode = r.rcode;
	res.from_cache = true;
	res.server = r.server;
	res.ttl = r.ttl;
	res.msg = erg_view_make(buf, r.len);
	if (spare == NULL) {
		d->ans_busy = true;
		cb(ctx, &res);
		d->ans_busy = false;
	} else {
		cb(ctx, &res);
		dns_slot_put(s, spare);
	}
	return 0;
}

/* Appends w to leader's waiters (first asker, first called). */
static void
dns_attach(struct erg_dns_query *leader, struct erg_dns_query *w)
{
	struct erg_dns_query **pp = &leader->waiters;

	while (*pp != NULL) {
		pp = &(*pp)->wnext;
	}
	*pp = w;
	w->wnext = NULL;
	w->leader = leader;
	w->state = DNS_Q_WAIT;
}

int
erg_dns_resolve(struct erg_stack *s, const char *name, size_t len,
    uint16_t type, erg_dns_result_fn cb, void *ctx, struct erg_dns_query **qp)
{
	uint32_t servers[DNS_SRV_MAX];
	struct erg_dns_query *q, *leader;
	struct erg_dns_name n;
	struct dns_centry *e;
	unsigned nserv;

	if (qp != NULL) {
		*qp = NULL;
	}
	if (cb == NULL || type == ERG_DNS_TYPE_OPT || name == NULL ||
	    erg_dns_name_from_text(&n, name, len) < 0) {
		return -ERG_EINVAL;
	}
	e = dns_cache_lookup(s, &n, type);
	if (e != NULL) {
		ERG_COUNT(s, DNS_CACHE_HIT);
		return dns_deliver_cached(s, e, &n, cb, ctx);
	}
	ERG_COUNT(s, DNS_CACHE_MISS);
	nserv = erg_dns_servers(s, servers, DNS_SRV_MAX);
	if (nserv == 0) {
		return -ERG_EHOSTUNREACH;
	}
	q = dns_slot_get(s);
	if (q == NULL) {
		return -ERG_ENOMEM;
	}
	ERG_COUNT(s, DNS_QUERIES);
	q->qname = n;
	q->type = type;
	q->cb = cb;
	q->ctx = ctx;
	memcpy(q->servers, servers, nserv * sizeof(servers[0]));
	q->nserv = (uint8_t)nserv;
	q->attempts = (uint16_t)(s->cfg.dns_tries * nserv);
	if (qp != NULL) {
		*qp = q;
	}
	leader = dns_active_find(s, &n, type);
	if (leader != NULL) {
		ERG_COUNT(s, DNS_COALESCED);
		dns_attach(leader, q);
		return 0;
	}
	dns_active_add(s, q);
	s->dns->api_depth++;
	dns_attempt_next(s, q);
	s->dns->api_depth--;
	return 0;
}

/* Hands leader q's question to its first waiter, which starts afresh. */
static void
dns_promote(struct erg_stack *s, struct erg_dns_query *q)
{
	struct erg_dns_query *w = q->waiters, *x;

	q->waiters = NULL;
	if (w == NULL) {
		return;
	}
	w->waiters = w->wnext;
	w->wnext = NULL;
	w->leader = NULL;
	for (x = w->waiters; x != NULL; x = x->wnext) {
		x->leader = w;
	}
	w->state = DNS_Q_START;
	dns_active_add(s, w);
	erg_timer_arm(s, &w->timer, s->now);
}

void
erg_dns_cancel(struct erg_stack *s, struct erg_dns_query *q)
{
	struct erg_dns_query **pp;

	if (q == NULL) {
		return;
	}
	switch (q->state) {
	case DNS_Q_FREE:
		return;
	case DNS_Q_DONE:
		/* Its group is being delivered: skip it, the deliverer frees.
		 */
		q->cb = NULL;
		return;
	case DNS_Q_WAIT:
		for (pp = &q->leader->waiters; *pp != NULL;
		     pp = &(*pp)->wnext) {
			if (*pp == q) {
				*pp = q->wnext;
				break;
			}
		}
		dns_slot_put(s, q);
		return;
	default:
		dns_udp_stop(q);
		dns_tcp_stop(q, true);
		erg_timer_cancel(s, &q->timer);
		dns_active_del(s, q);
		dns_promote(s, q);
		dns_slot_put(s, q);
		return;
	}
}

void
erg_dns_cache_flush(struct erg_stack *s)
{
	dns_cache_flush_all(s);
}

int
erg_dns_result_a(const struct erg_dns_result *r, unsigned index, uint32_t *addr)
{
	struct erg_dns_msg m;
	struct erg_dns_rr rr;
	unsigned i = 0;

	if (r == NULL || erg_dns_msg_parse(&m, r->msg) < 0) {
		return -ERG_ENODATA;
	}
	while (
	    erg_dns_rr_next(&m, &rr) == 1 && rr.section == ERG_DNS_SEC_ANSWER) {
		if (rr.type != ERG_DNS_TYPE_A ||
		    rr.rclass != ERG_DNS_CLASS_IN || rr.rdata.len != 4) {
			continue;
		}
		if (i++ == index) {
			*addr = erg_be32(rr.rdata.p);
			return 0;
		}
	}
	return -ERG_ENODATA;
}
