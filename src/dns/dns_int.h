/*
 * src/dns/dns_int.h: the stub resolver's private state, shared by
 * dns_resolver.c (query slots, attempts, timers, matching), dns_cache.c
 * (the arena cache), dns_answer.c (a server's response turned into the
 * result message) and dns_tcp.c (the TCP fallback, RFC 7766).
 *
 * Ownership: every query slot comes from one pool (cfg.dns_queries) and
 * owns at most one UDP socket or one TCP connection at a time, plus its
 * timer. A slot is either a leader (it asks the network) or a waiter
 * attached to a leader with the same question (coalescing): waiters own
 * no socket and arm no timer.
 */
#ifndef ERG_DNS_INT_H
#define ERG_DNS_INT_H

#include "erg/dns.h"
#include "erg/udp.h"
#include "erg/tcp.h"
#include "dns_layer.h"

/*
 * Servers a query remembers (its snapshot of erg_dns_servers when it
 * starts): the four set by erg_dns_servers_set, or the interfaces'
 * learned servers in interface order, deduplicated, of which the first
 * eight are kept (two interfaces with three each fit).
 */
#define DNS_SRV_MAX 8u

/* What a query slot is doing. */
enum dns_qstate {
	DNS_Q_FREE = 0,
	DNS_Q_WAIT,   /* waiter: attached to a leader */
	DNS_Q_START,  /* leader: its timer starts it at the next poll */
	DNS_Q_UDP,    /* leader: an attempt over UDP is out */
	DNS_Q_TCP,    /* leader: asking the same server over TCP */
	DNS_Q_FAILED, /* leader: its timer delivers q->err at the next poll */
	DNS_Q_DONE    /* its callbacks are being called */
};

/* One CNAME link followed: the name it leads to, and its TTL. */
struct dns_link {
	struct erg_dns_name target;
	uint32_t ttl;
};

/*
 * Answers from the server's address that do not match an attempt (ID or
 * question) before it goes over TCP instead (RFC 5452 9.3).
 */
#define DNS_SPOOF_MAX 8u

struct erg_dns_query {
	struct erg_dns_query *pool_next; /* the pool's free list */
	struct erg_stack *s;
	struct erg_dns_query *prev; /* leaders in flight (struct erg_dns) */
	struct erg_dns_query *next;
	struct erg_dns_query *waiters; /* leader: the waiters' list */
	struct erg_dns_query *wnext;   /* the next waiter */
	struct erg_dns_query *leader;  /* waiter: whom it waits on */
	struct erg_timer timer;
	struct erg_udp_sock *udp;
	struct erg_tcp_conn *tcp;
	erg_dns_result_fn cb;
	void *ctx;
	uint8_t *buf; /* cfg.dns_msg_max bytes */
	uint32_t servers[DNS_SRV_MAX];
	uint32_t srv_bad;  /* bit i: servers[i] answered with an error */
	uint16_t attempt;  /* the current attempt: round * nserv + server */
	uint16_t attempts; /* cfg.dns_tries * nserv */
	uint8_t nserv;
	uint8_t state; /* enum dns_qstate */
	uint16_t id;   /* of the attempt out */
	uint16_t port; /* our UDP port of the attempt out */
	uint16_t type;
	/* TCP (dns_tcp.c): the query to write and the answer read. */
	uint16_t tcp_qlen;  /* query bytes with the length prefix */
	uint16_t tcp_sent;  /* of those, taken by erg_tcp_write */
	uint16_t tcp_len;   /* the answer's length, once its prefix is in */
	uint8_t tcp_pfx[2]; /* the two-byte length prefix being read */
	uint32_t tcp_have;  /* answer bytes read, length prefix included */
	int err;            /* for DNS_Q_FAILED, and why attempts ran out */
	bool sent_any;      /* an attempt went out (not only send errors) */
	uint8_t spoofed;    /* mismatched answers to this attempt */
	uint8_t rcode;      /* the last server rcode seen */
	uint8_t chain_n;    /* CNAME links followed, all responses together */
	struct erg_dns_name qname; /* as asked */
	struct dns_link chain[ERG_DNS_CNAME_MAX];
};

/* ---- The cache (dns_cache.c) ------------------------------------------- */

struct dns_centry {
	uint32_t hnext; /* hash chain; entry index + 1, 0: end */
	uint32_t lprev; /* LRU list, most recent first; index + 1 */
	uint32_t lnext;
	uint8_t rcode;
	uint16_t type;
	int err;                 /* 0, -ERG_ENXDOMAIN or -ERG_ENODATA */
	uint32_t server;         /* the server that answered */
	uint32_t ttl;            /* seconds it stays good from born */
	uint32_t len;            /* message bytes in data */
	uint64_t born;           /* now_us when inserted */
	uint64_t hash;           /* of key and type */
	struct erg_dns_name key; /* lowercased */
	uint8_t *data; /* cfg.dns_entry_size bytes: the result message */
};

struct dns_cache {
	struct dns_centry *e;
	uint32_t n;
	uint32_t *buckets; /* entry index + 1, 0: empty */
	uint32_t nbuckets; /* a power of two */
	uint32_t lru_head; /* index + 1 */
	uint32_t lru_tail;
	uint32_t free_head; /* unused entries, chained through hnext */
};

/* ---- The layer --------------------------------------------------------- */

struct erg_dns {
	struct erg_pool pool;
	struct erg_dns_query *slots;
	struct erg_dns_query *active;          /* leaders with a question out */
	uint32_t servers[ERG_DNS_SERVERS_MAX]; /* erg_dns_servers_set */
	unsigned nservers;
	uint8_t *ans;  /* cfg.dns_msg_max bytes: a result being built */
	bool ans_busy; /* lent to a callback */
	/*
	 * Inside erg_dns_resolve (not a safe point): a query that fails
	 * there is delivered by its timer instead.
	 */
	unsigned api_depth;
	struct dns_cache cache;
};

/* A result being built or delivered. */
struct dns_result {
	int err;
	uint8_t rcode;
	uint32_t server;
	uint32_t ttl;
	size_t len; /* message bytes */
};

/*
 * Writes name over the question name of a result message (ours: at offset
 * 12, uncompressed), so that each asker sees the name in the case it gave
 * (a coalesced or cached answer may have been asked in another case).
 * name must equal the one there, case aside.
 */
static inline void
dns_msg_set_qname(uint8_t *msg, size_t len, const struct erg_dns_name *name)
{
	if (len >= ERG_DNS_HDR_LEN + (size_t)name->len) {
		memcpy(msg + ERG_DNS_HDR_LEN, name->wire, name->len);
	}
}

/* dns_cache.c */
void dns_cache_layout(struct erg_carve *c, const struct erg_config *cfg,
    struct dns_cache *cache);
/*
 * Looks (name, type) up: returns the live entry (now the most recently
 * used), or NULL; an expired entry found on the way is freed
 * (dns.cache_expired).
 */
struct dns_centry *dns_cache_lookup(struct erg_stack *s,
    const struct erg_dns_name *name, uint16_t type);
/*
 * Copies e's message into buf (cap >= its length) with every record's TTL
 * counted down by the whole seconds since it was inserted; fills *r.
 */
void dns_cache_read(struct erg_stack *s, const struct dns_centry *e,
    uint8_t *buf, struct dns_result *r);
/*
 * Stores a result message for (name, type) if it has a lifetime and fits
 * (dns.cache_too_big otherwise), replacing the same key or the least
 * recently used entry (dns.cache_evict).
 */
void dns_cache_insert(struct erg_stack *s, const struct erg_dns_name *name,
    uint16_t type, const struct dns_result *r, const uint8_t *msg);
void dns_cache_flush_all(struct erg_stack *s);

/* dns_answer.c */

/* RFC 2181 8: a TTL with the top bit set is 0; capped at cfg.dns_max_ttl_s. */
uint32_t dns_ttl_clamp(const struct erg_stack *s, uint32_t ttl);
/* The name q asks for now: the last CNAME target, or its qname. */
const struct erg_dns_name *dns_query_cur(const struct erg_dns_query *q);
/*
 * Writes q's query for its current name (RD, EDNS(0) OPT record) with
 * id into buf. Returns its length, or 0 if it did not fit.
 */
size_t dns_query_build(const struct erg_dns_query *q, uint16_t id, uint8_t *buf,
    size_t cap);
/*
 * Checks that v answers q's attempt (ID, QR, opcode, one question equal
 * to the one asked, case-insensitively) and that the whole message
 * parses. Returns 0, -ERG_EMALFORMED (does not parse) or -ERG_EINVAL
 * (parses, but answers something else: spoofed). *m is left at the start
 * of the answers. Over UDP (udp true) an answer with TC set needs only
 * its header and question to pass: the rest may be cut anywhere (RFC
 * 2181 9), and it is asked again over TCP.
 */
int dns_response_check(const struct erg_dns_query *q, struct erg_view v,
    struct erg_dns_msg *m, bool udp);

/* What a checked response means for its query. */
enum dns_verdict {
	DNS_V_RESULT,  /* a result was built: deliver it */
	DNS_V_RESTART, /* the chain went on: ask again for the new name */
	DNS_V_SERVER,  /* the server failed (rcode): try the next one */
	DNS_V_TC       /* truncated: ask the same server over TCP */
};

/*
 * Turns a checked response (m positioned after the question) into a
 * verdict; for DNS_V_RESULT the result message is built into
 * [out, out + cap) and described in *r (r->err may be -ERG_ELOOP).
 */
enum dns_verdict dns_answer(struct erg_stack *s, struct erg_dns_query *q,
    const struct erg_dns_msg *m, bool over_tcp, uint8_t *out, size_t cap,
    struct dns_result *r);
/*
 * Builds the message of a result without records (err, rcode) for q:
 * the question only, and the CNAME chain followed so far.
 */
void dns_answer_empty(struct erg_stack *s, const struct erg_dns_query *q,
    uint8_t *out, size_t cap, struct dns_result *r);

/* dns_tcp.c */

/*
 * Asks q's current server over TCP (RFC 7766). Returns 0 (q is in
 * DNS_Q_TCP with its timer armed) or a negative error (nothing held).
 */
int dns_tcp_start(struct erg_stack *s, struct erg_dns_query *q);
/* Lets go of q's connection: abort (a reset), or a graceful close. */
void dns_tcp_stop(struct erg_dns_query *q, bool abort);

/* dns_resolver.c, for dns_tcp.c */

/* The server of q's current attempt. */
uint32_t dns_attempt_server(const struct erg_dns_query *q);
/* How long q's current attempt waits, in us: doubling each round. */
uint64_t dns_attempt_wait(const struct erg_stack *s,
    const struct erg_dns_query *q);

/* The attempt failed without an answer: next server, or the end. */
void dns_attempt_failed(struct erg_stack *s, struct erg_dns_query *q);
/*
 * A response arrived for q's attempt: v has been matched to it (over
 * TCP the connection vouches for the source); acts on it.
 */
void dns_response(struct erg_stack *s, struct erg_dns_query *q,
    const struct erg_dns_msg *m, bool over_tcp);

#endif
