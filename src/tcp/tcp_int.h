/*
 * src/tcp/tcp_int.h: TCP's private structures and the contracts between
 * its files.
 *
 *   tcp_wire.c    segment codec (erg/tcp.h)
 *   tcp_table.c   pools, the connection and TIME-WAIT hash tables,
 *                 listeners, ISNs (RFC 6528), ephemeral ports (RFC 6056)
 *   tcp_cookie.c  SYN cookies (RFC 4987)
 *   tcp_input.c   segment arrival (RFC 9293 3.10.7, RFC 5961, RFC 7323)
 *   tcp_rcv.c     receive queue, out-of-order queue, SACK blocks, window
 *   tcp_output.c  what to send and when: data, ACKs, SYN, FIN, RST
 *   tcp_timer.c   retransmission (RFC 6298), persist, delayed ACK,
 *                 keepalive, FIN-WAIT-2 and TIME-WAIT timers
 *   tcp_cc_newreno.c  congestion control (RFC 5681, RFC 6582)
 *   tcp_api.c     the socket API of erg/tcp.h
 *
 * Sequence arithmetic is modulo 2^32 (RFC 9293 3.4): always compare with
 * the SEQ_* macros below.
 */
#ifndef ERG_TCP_INT_H
#define ERG_TCP_INT_H

#include "../core/core.h"

#define SEQ_LT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)
#define SEQ_GEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) >= 0)

#define TCP_DEFAULT_MSS           536u /* RFC 9293 3.7.1, when the peer sends none */
#define TCP_IW_SEGS               10u      /* RFC 6928 */
#define TCP_DUPACK_THRESH         3u       /* RFC 5681 3.2 */
#define TCP_RTO_INITIAL_US        1000000u /* RFC 6298 2.1 */
#define TCP_BACKLOG_DEFAULT       128u
#define TCP_PORT_TABLE            64u /* RFC 6056 3.3.4 table size */
#define TCP_PAWS_IDLE_US          (24ull * 24 * 3600 * 1000000) /* RFC 7323 5.5 */
#define TCP_CHALLENGE_ACK_PER_SEC 10u /* RFC 5961 7, per connection */
#define TCP_PERSIST_MIN_US        200000u
#define TCP_CC_PRIV_WORDS         8u

struct erg_tcp_conn;
struct erg_tcp_listener;

/* Congestion control (one file per algorithm; tcp_cc_newreno.c). */
struct erg_tcp_cc_ops {
	const char *name;
	/* Sets the initial cwnd and ssthresh (RFC 5681 3.1, RFC 6928). */
	void (*init)(struct erg_tcp_conn *c);
	/* New data acknowledged outside recovery (slow start / CA). */
	void (*on_ack)(struct erg_tcp_conn *c, uint32_t acked);
	/* Fast retransmit: enter recovery (RFC 6582 3.2 step 2). */
	void (*on_fast_loss)(struct erg_tcp_conn *c);
	/* Partial ACK during recovery: deflate by acked (RFC 6582 3.2 5). */
	void (*on_partial_ack)(struct erg_tcp_conn *c, uint32_t acked);
	/* Full ACK: leave recovery (RFC 6582 3.2 step 3). */
	void (*on_recovery_exit)(struct erg_tcp_conn *c);
	/* Retransmission timeout (RFC 5681 3.1 eq. 4). */
	void (*on_rto)(struct erg_tcp_conn *c);
};

extern const struct erg_tcp_cc_ops erg_tcp_cc_newreno;

/* Connection flags. */
#define TCPF_ORPHAN     0x0001u /* closed by the application */
#define TCPF_NODELAY    0x0002u /* Nagle off */
#define TCPF_SHUT_WR    0x0004u /* application shut the send side */
#define TCPF_FIN_SENT   0x0008u /* our FIN has a sequence number */
#define TCPF_FIN_RCVD   0x0010u /* the peer's FIN is in rcv_nxt */
#define TCPF_ACK_NOW    0x0020u /* send an ACK at the end of input */
#define TCPF_RECOVERY   0x0040u /* in NewReno fast recovery */
#define TCPF_PERSIST    0x0080u /* rtx timer is the persist timer */
#define TCPF_RTT_TIMING 0x0100u /* rtt_seq is being timed */
#define TCPF_IN_HASH    0x0200u
#define TCPF_ACCEPTED   0x0400u /* owned by the application */
#define TCPF_OOO_FIN    0x0800u /* a FIN sits at ooo_fin_seq */
#define TCPF_WSCALE     0x1000u /* window scaling agreed (RFC 7323 2) */
#define TCPF_ACTIVE     0x2000u /* opened by connect */
#define TCPF_FLUSH      0x4000u /* on the flush list */
#define TCPF_ACQ        0x8000u /* on the accept queue (else SYN queue) */

struct erg_tcp_conn {
	struct erg_tcp_conn *hnext;   /* pool free list, then hash chain */
	uint32_t hash;                /* tuple hash, while TCPF_IN_HASH */
	struct erg_tcp_conn *qnext;   /* listener's SYN or accept queue */
	struct erg_tcp_conn **qpprev; /* the pointer to c in that queue */
	struct erg_tcp_conn *fnext;   /* flush list */
	struct erg_evsrc ev;
	struct erg_stack *stack;
	erg_tcp_event_fn cb;
	void *ctx;
	struct erg_tcp_listener *parent; /* until accepted */

	uint32_t laddr;
	uint32_t raddr;
	uint16_t lport;
	uint16_t rport;
	uint8_t state; /* enum erg_tcp_state */
	uint8_t dupacks;
	uint8_t backoff; /* RTO doublings */
	uint8_t retries; /* consecutive retransmission timeouts */
	uint32_t flags;  /* TCPF_* */
	int err;         /* hard error, once CLOSED */
	int soft_err;    /* ICMP, while alive */

	/* Send sequence space (RFC 9293 3.3.1). */
	uint32_t iss;
	uint32_t snd_una;
	uint32_t snd_nxt;
	uint32_t snd_max; /* highest snd_nxt so far (rtx rewinds snd_nxt) */
	uint32_t snd_wnd; /* scaled */
	uint32_t snd_wl1;
	uint32_t snd_wl2;
	uint32_t max_sndwnd; /* largest window the peer offered */
	uint16_t mss;        /* payload bytes per segment we send */
	uint16_t pmtu;       /* path MTU (RFC 1191) */
	/* Route and next hop, kept for the next segment. */
	struct erg_ipv4_path path;
	uint8_t snd_wscale;
	uint8_t rcv_wscale;
	bool ts_ok;
	bool sack_ok;

	/*
	 * Send ring: bytes [ring_head, ring_head + ring_len) modulo ring_cap
	 * are the stream from seq snd_data (the first unacknowledged data
	 * byte) on; ring_budget <= ring_cap is the usable size.
	 */
	uint8_t *ring;
	uint32_t ring_cap;
	uint32_t ring_budget;
	uint32_t ring_head;
	uint32_t ring_len;
	uint32_t snd_data; /* sequence number of ring byte ring_head */

	/* Receive sequence space. */
	uint32_t irs;
	uint32_t rcv_nxt;
	uint32_t rcv_adv; /* right edge of the last window advertised */
	uint32_t rcv_buf; /* budget of bytes held */
	/* In-order data: packets trimmed to their payload. */
	struct erg_pkt *rq_head;
	struct erg_pkt *rq_tail;
	uint32_t rq_bytes;
	uint32_t rq_pkts; /* packets held, in order and out of order */
	/* Out-of-order: sorted by seq, non-overlapping; seq in pkt->l3. */
	struct erg_pkt *ooo_head;
	uint32_t ooo_bytes;
	uint32_t ooo_n;
	uint32_t ooo_last;    /* seq of the latest OOO arrival (SACK) */
	uint32_t ooo_fin_seq; /* TCPF_OOO_FIN */
	uint8_t delack_segs;  /* full segments received since our last ACK */

	/* Timestamps (RFC 7323). */
	uint32_t ts_recent;
	uint32_t ts_offset; /* random, per connection (RFC 7323 7.1) */
	uint32_t last_ack_sent;

	/* RTT and RTO (RFC 6298), microseconds; srtt 0 = no sample yet. */
	uint32_t srtt;
	uint32_t rttvar;
	uint32_t rto;
	uint32_t rtt_seq;
	uint64_t rtt_start;

	/* Congestion control. */
	const struct erg_tcp_cc_ops *cc;
	uint32_t cwnd;
	uint32_t ssthresh;
	uint32_t recover; /* RFC 6582 */
	uint32_t cc_priv[TCP_CC_PRIV_WORDS];

	/* Timers. rtx doubles as SYN, data and persist timer (never two
	 * at once); ka is keepalive, FIN-WAIT-2 or SYN-RECEIVED limit. */
	struct erg_timer rtx;
	struct erg_timer dack;
	struct erg_timer ka;
	uint64_t rtx_due;  /* lazy: the timer may fire early, then re-arms */
	uint64_t probe_at; /* when the last zero-window probe left */
	uint64_t last_rx;
	uint32_t ka_idle_ms;
	uint32_t ka_intvl_ms;
	uint8_t ka_cnt;
	uint8_t ka_probes;

	/* RFC 5961 7: challenge ACKs in the current second. */
	uint64_t chal_start;
	uint32_t chal_n;

	/* Information. */
	uint64_t n_retransmits;
	uint64_t n_bytes_acked;
	uint64_t n_bytes_received;
};

struct erg_tcp_listener {
	struct erg_tcp_listener *next; /* pool free list, then listener list */
	struct erg_evsrc ev;
	struct erg_stack *stack;
	erg_tcp_listen_fn cb;
	void *ctx;
	uint32_t laddr;
	uint16_t lport;
	uint16_t backlog;
	struct erg_tcp_conn *synq; /* SYN-RECEIVED children */
	uint32_t synq_n;
	struct erg_tcp_conn *acq_head; /* established, not accepted */
	struct erg_tcp_conn *acq_tail;
	uint32_t acq_n;
	uint64_t cookie_last; /* when we last answered with a cookie */
	bool cookies_sent;
};

/* A connection in TIME-WAIT, kept small (the conn itself is freed). */
struct erg_tcp_tw {
	struct erg_tcp_tw *hnext; /* hash chain / free list */
	uint32_t hash;            /* tuple hash */
	struct erg_tcp_tw *fnext; /* FIFO by expiry */
	struct erg_tcp_tw *fprev;
	uint32_t laddr;
	uint32_t raddr;
	uint16_t lport;
	uint16_t rport;
	uint8_t rcv_wscale;
	bool ts_ok;
	uint32_t snd_nxt;
	uint32_t rcv_nxt;
	uint32_t ts_recent;
	uint32_t ts_offset;
	uint64_t expire;
};

struct erg_tcp {
	struct erg_pool conn_pool;
	struct erg_pool lst_pool;
	struct erg_tcp_conn **buckets;
	uint32_t bucket_mask;
	struct erg_tcp_listener *listeners;
	/*
	 * Two-entry lookup cache, most recent first: a connection opening
	 * while the one before it closes (request/response clients) sends
	 * both tuples in turn, which a single entry misses every time.
	 */
	struct erg_tcp_conn *last;
	struct erg_tcp_conn *last2;

	struct erg_tcp_tw *tw;
	struct erg_tcp_tw *tw_free;
	struct erg_tcp_tw **tw_buckets;
	uint32_t tw_mask;
	struct erg_tcp_tw *tw_fifo_head; /* oldest */
	struct erg_tcp_tw *tw_fifo_tail;
	struct erg_timer tw_timer;

	/*
	 * ACKs held back while input runs and its events are delivered
	 * (erg_tcp_flush sends them), and whether we are in that window.
	 */
	struct erg_tcp_conn *flush;
	bool deferring;

	/* RFC 6056 algorithm 4's table of increments (see tcp_table.c). */
	uint16_t port_tab[TCP_PORT_TABLE];
	uint32_t rx_pkts; /* packets held by all receive queues */
	uint32_t rx_pkts_max;
	/* tcp_secret's last tuple and its value (ISN, timestamp offset). */
	uint8_t secret_key[13];
	bool secret_ok;
	uint64_t secret_val;
};

/*
 * A 4-tuple to look up, and its table hash once computed: one SipHash
 * serves the connection table, the TIME-WAIT table and the insert that
 * may follow (a connection's first segment used to hash its tuple three
 * times).
 */
struct erg_tcp_key {
	uint32_t laddr;
	uint32_t raddr;
	uint16_t lport;
	uint16_t rport;
	uint32_t hash;
	bool hashed;
};

static inline void
erg_tcp_key_make(struct erg_tcp_key *k, uint32_t laddr, uint16_t lport,
    uint32_t raddr, uint16_t rport)
{
	k->laddr = laddr;
	k->raddr = raddr;
	k->lport = lport;
	k->rport = rport;
	k->hash = 0;
	k->hashed = false;
}

/* A segment being processed by input. */
struct erg_tcp_seg {
	struct erg_tcp_repr r;
	struct erg_pkt *pkt;  /* owner: input, until queued */
	struct erg_view data; /* payload, inside pkt */
	uint32_t src;
	uint32_t dst;
	uint32_t len;           /* payload + SYN + FIN (RFC 9293 SEG.LEN) */
	struct erg_tcp_key key; /* (dst, dst_port, src, src_port) */
};

/* ---- tcp_table.c ------------------------------------------------------ */

void erg_tcp_layout(struct erg_carve *c, const struct erg_config *cfg,
    struct erg_stack *s);
uint32_t erg_tcp_timer_count(const struct erg_config *cfg);
/* A zeroed connection with ring and timers set up, or NULL (counted). */
struct erg_tcp_conn *erg_tcp_conn_alloc(struct erg_stack *s);
/* Unhashes, cancels timers, frees queues and returns c to the pool. */
void erg_tcp_conn_free(struct erg_tcp_conn *c);
void erg_tcp_hash_insert(struct erg_tcp_conn *c);
/* The same with the key of c's tuple (its hash reused if computed). */
void erg_tcp_hash_insert_key(struct erg_tcp_conn *c, struct erg_tcp_key *k);
void erg_tcp_hash_remove(struct erg_tcp_conn *c);
struct erg_tcp_conn *erg_tcp_lookup(struct erg_stack *s, uint32_t laddr,
    uint16_t lport, uint32_t raddr, uint16_t rport);
/* Lookups by key; they compute k's hash only if they need it. */
struct erg_tcp_conn *erg_tcp_lookup_key(struct erg_stack *s,
    struct erg_tcp_key *k);
struct erg_tcp_tw *erg_tcp_tw_lookup_key(struct erg_stack *s,
    struct erg_tcp_key *k);
struct erg_tcp_listener *erg_tcp_listener_find(struct erg_stack *s,
    uint32_t laddr, uint16_t lport);
/* RFC 6528: ISN for the 4-tuple at the stack's current time. */
uint32_t erg_tcp_isn(struct erg_stack *s, uint32_t laddr, uint16_t lport,
    uint32_t raddr, uint16_t rport);
/* Sets the send sequence space for initial sequence number iss, the SYN
 * not yet sent (RFC 9293 3.4.1). */
void erg_tcp_iss_set(struct erg_tcp_conn *c, uint32_t iss);
/* The window scale we announce: cfg.tcp_rcv_buf must fit (RFC 7323). */
uint8_t erg_tcp_rcv_wscale(const struct erg_config *cfg);
/* Per-connection timestamp offset (RFC 7323 7.1). */
uint32_t erg_tcp_ts_offset(struct erg_stack *s, uint32_t laddr, uint16_t lport,
    uint32_t raddr, uint16_t rport);
/*
 * RFC 6056 algorithm 4: a local port with a free 4-tuple; k gets that
 * tuple's key (for erg_tcp_hash_insert_key).
 */
int erg_tcp_pick_port(struct erg_stack *s, uint32_t laddr, uint32_t raddr,
    uint16_t rport, uint16_t *port, struct erg_tcp_key *k);
/* TIME-WAIT: moves c's state into a TIME-WAIT entry and frees c. */
void erg_tcp_tw_enter(struct erg_tcp_conn *c);
struct erg_tcp_tw *erg_tcp_tw_lookup(struct erg_stack *s, uint32_t laddr,
    uint16_t lport, uint32_t raddr, uint16_t rport);
void erg_tcp_tw_kill(struct erg_stack *s, struct erg_tcp_tw *tw);
void erg_tcp_tw_restart(struct erg_stack *s, struct erg_tcp_tw *tw);

/* ---- tcp_cookie.c ----------------------------------------------------- */

/*
 * Option bits carried through a SYN cookie in the low bits of our
 * timestamp (RFC 4987 3.6): window scale (4 bits, 15 = none) and
 * SACK-permitted (bit 4).
 */
#define TCP_COOKIE_OPT_BITS 5u
#define TCP_COOKIE_OPT_MASK 0x1fu
uint32_t erg_tcp_cookie_make(struct erg_stack *s, const struct erg_tcp_seg *g,
    uint16_t mss, uint32_t opts);
/* On success returns true with the MSS the cookie encoded. */
bool erg_tcp_cookie_check(struct erg_stack *s, const struct erg_tcp_seg *g,
    uint32_t opts, uint16_t *mss);

/* ---- tcp_input.c ------------------------------------------------------ */

void erg_tcp_input(struct erg_stack *s, struct erg_pkt *pkt,
    const struct erg_ipv4_repr *ip);
void erg_tcp_err(struct erg_stack *s, const struct erg_icmp_err *err);
/* Ends c with err (to CLOSED), posting events; frees it if orphaned. */
void erg_tcp_conn_drop(struct erg_tcp_conn *c, int err, unsigned ev);
/* Sets mss, windows, scaling and options from the peer's SYN. */
void erg_tcp_apply_syn_opts(struct erg_tcp_conn *c,
    const struct erg_tcp_repr *r);

/* ---- tcp_rcv.c -------------------------------------------------------- */

/*
 * Takes the payload of an acceptable segment (seq in the window, trimmed
 * to it) and queues it in order or out of order. Takes g->pkt.
 */
void erg_tcp_rcv_data(struct erg_tcp_conn *c, struct erg_tcp_seg *g);
/* The window to advertise now, in bytes (never shrinks the right edge). */
uint32_t erg_tcp_rcv_window(struct erg_tcp_conn *c);
/* Fills up to max SACK blocks from the OOO queue; returns how many. */
unsigned erg_tcp_sack_blocks(const struct erg_tcp_conn *c,
    struct erg_tcp_sack_block *b, unsigned max);
/* Frees every queued received packet. */
void erg_tcp_rcv_purge(struct erg_tcp_conn *c);
/* Releases n in-order bytes (n <= rq_bytes, else -ERG_EINVAL). */
int erg_tcp_rcv_consume(struct erg_tcp_conn *c, size_t n);

/* ---- tcp_output.c ----------------------------------------------------- */

/* Sends what the windows, Nagle and SWS allow; an ACK if one is due. */
void erg_tcp_output(struct erg_tcp_conn *c);
/* Sends a pure ACK now. */
void erg_tcp_send_ack(struct erg_tcp_conn *c);
/*
 * An ACK is due: sends it now, or while input is being processed, holds
 * it until erg_tcp_flush so that it carries the application's reaction.
 */
void erg_tcp_ack_soon(struct erg_tcp_conn *c);
/* The stack's after_events hook: sends the held ACKs. */
void erg_tcp_flush(struct erg_stack *s);
/* Takes c off the flush list (c is being freed). */
void erg_tcp_flush_forget(struct erg_tcp_conn *c);
/* Sends SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED) at iss. */
void erg_tcp_send_syn(struct erg_tcp_conn *c);
/* Retransmits one segment from snd_una. */
void erg_tcp_retransmit(struct erg_tcp_conn *c);
/*
 * The override timeout (RFC 9293 3.8.6.2.1): sends what the window takes
 * of the queued data, short or not. Returns true if a segment went.
 */
bool erg_tcp_send_override(struct erg_tcp_conn *c);
/* Sends a zero-window probe or keepalive probe (seq snd_una - 1). */
void erg_tcp_send_probe(struct erg_tcp_conn *c);
/* RST with the given fields, from the 4-tuple of c. */
void erg_tcp_send_rst(struct erg_tcp_conn *c, uint32_t seq);
/* RST in answer to segment g, no connection (RFC 9293 3.10.7.1). */
void erg_tcp_reply_rst(struct erg_stack *s, const struct erg_tcp_seg *g);
/* SYN-ACK carrying a cookie, no connection. */
void erg_tcp_send_cookie_synack(struct erg_stack *s,
    const struct erg_tcp_seg *g, uint32_t isn, uint16_t mss, uint32_t tsval,
    uint8_t rcv_wscale);
/* ACK from a TIME-WAIT entry. */
void erg_tcp_tw_send_ack(struct erg_stack *s, const struct erg_tcp_tw *tw,
    uint32_t ts_ecr);
/* Our timestamp clock now (ms, plus the connection's offset). */
uint32_t erg_tcp_ts_now(const struct erg_stack *s, uint32_t offset);
/* MSS to announce on a route with mtu. */
uint16_t erg_tcp_mss_for_mtu(uint32_t mtu);
/* Bytes sent and not acknowledged (SYN/FIN included). */
static inline uint32_t
erg_tcp_in_flight(const struct erg_tcp_conn *c)
{
	return c->snd_max - c->snd_una;
}

/* ---- tcp_timer.c ------------------------------------------------------ */

void erg_tcp_timers_setup(struct erg_tcp_conn *c);
void erg_tcp_timers_cancel(struct erg_tcp_conn *c);
/* (Re)starts the retransmission timer for one RTO from now. */
void erg_tcp_rtx_start(struct erg_tcp_conn *c);
void erg_tcp_rtx_stop(struct erg_tcp_conn *c);
/* Starts the persist timer (zero window, data waiting). */
void erg_tcp_persist_start(struct erg_tcp_conn *c);
/* Feeds an RTT sample (microseconds) to the estimator (RFC 6298 2). */
void erg_tcp_rtt_sample(struct erg_tcp_conn *c, uint32_t rtt_us);
/* Arms the delayed ACK timer. */
void erg_tcp_dack_start(struct erg_tcp_conn *c);
/* Re-arms keepalive after input (when enabled). */
void erg_tcp_ka_reset(struct erg_tcp_conn *c);
void erg_tcp_tw_timer(struct erg_stack *s, struct erg_timer *t);
/* Arms the ka timer as the FIN-WAIT-2 (orphan) or SYN-RECEIVED limit. */
void erg_tcp_ka_arm_limit(struct erg_tcp_conn *c, uint64_t after_us);

/* ---- tcp_api.c -------------------------------------------------------- */

/* Posts events on c (nothing for orphans). */
void erg_tcp_post(struct erg_tcp_conn *c, unsigned ev);
/*
 * A child finished its handshake: queue it for accept. Returns false if
 * the accept queue was full and c was reset and freed.
 */
bool erg_tcp_listener_child_ready(struct erg_tcp_conn *c);
/* Puts a new SYN-RECEIVED child c on l's SYN queue. */
void erg_tcp_listener_synq_add(struct erg_tcp_listener *l,
    struct erg_tcp_conn *c);
/* A child died before accept: forget it. */
void erg_tcp_listener_child_gone(struct erg_tcp_conn *c);

#endif
