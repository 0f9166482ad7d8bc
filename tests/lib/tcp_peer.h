/*
 * tests/lib/tcp_peer.h: the bench of the TCP unit tests (test_tcp.c,
 * test_tcp_rfc5961.c, test_tcp_regress.c).
 *
 * One stack plays host B of tests/vectors (198.18.0.2) over the capture
 * driver of testnet.h; the test plays host A (198.18.0.1): it builds
 * every segment A sends with erg_tcp_emit (so checksums are right unless
 * a test wants them wrong), injects it as an Ethernet/IPv4 frame, runs
 * B's clock with erg_stack_poll, and parses back what B transmits with
 * erg_tcp_parse. struct tc is the bench (B's stack, the clock, its
 * listener); struct pc is one connection as A sees it (A's SND.NXT, its
 * RCV.NXT, the timestamps to echo). tc_done checks that every pool entry
 * is back at its baseline.
 *
 * Every check is a cmocka assertion, so this is for cmocka tests only.
 * Hosted code: uses malloc and libc freely.
 */
#ifndef ERG_TCP_PEER_H
#define ERG_TCP_PEER_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "erg/erg.h"
#include "testnet.h"

#define ADDR_A ERG_IPV4(198, 18, 0, 1)
#define ADDR_B ERG_IPV4(198, 18, 0, 2)

#define PORT_SRV 7000u  /* B's listener */
#define PORT_CLI 40100u /* A's port towards it */
#define PORT_LOC 50000u /* B's port for its active opens */
#define PORT_REM 80u    /* A's service for B's active opens */

#define ISS_A    0x10000000u /* A's initial sequence number */
#define TS_A0    1000u       /* A's first timestamp value */
#define MSS_1500 1460u       /* 1500 - 20 (IPv4) - 20 (TCP) */
/* RFC 9293 3.7.1, RFC 6691: the 12 bytes of TSopt come out of it. */
#define MSS_TS (MSS_1500 - 12u)

#define MS  1000ull    /* microseconds */
#define SEC 1000000ull /* microseconds */
#define T0  (10 * SEC) /* B's clock when tc_init returns */

#define F_SYN ERG_TCP_SYN
#define F_ACK ERG_TCP_ACK
#define F_FIN ERG_TCP_FIN
#define F_RST ERG_TCP_RST
#define F_PSH ERG_TCP_PSH

#define STAT(x, name) tn_stat(&(x)->t, ERG_STAT_##name)

/* Compares names, so that a failure says which states. */
#define assert_state(p, st)                                       \
	assert_string_equal(erg_tcp_state_name(pc_info(p).state), \
	    erg_tcp_state_name(st))

#define TP_PAT_LEN 70000u

/* Payload bytes: position i holds i * 7 + 1 (mod 256); see tp_pat_init. */
extern uint8_t tp_pat[TP_PAT_LEN];

extern const uint8_t tp_mac_a[6];
extern const uint8_t tp_mac_b[6];

struct evrec {
	unsigned all; /* every event bit seen */
	unsigned calls;
};

struct tc {
	struct tn_stack t;
	uint64_t now;
	uint16_t ip_id;
	struct erg_tcp_listener *l;
	struct evrec lev;
};

/* One connection as host A sees it. */
struct pc {
	struct tc *x;
	uint16_t aport;
	uint16_t bport;
	uint32_t a_nxt; /* A's SND.NXT */
	uint32_t b_nxt; /* A's RCV.NXT: what B sends next */
	uint32_t b_iss;
	uint16_t a_win; /* A's window, as on the wire */
	bool ts;        /* A sends timestamps */
	uint32_t a_ts;  /* A's clock */
	uint32_t b_ts;  /* B's last TSval, echoed */
	struct erg_tcp_conn *c;
	struct evrec ev;
};

/* What A's SYN (or SYN-ACK) offers. */
struct synopt {
	uint16_t mss; /* 0: no MSS option */
	bool sack;
	bool ts;
	bool ws;
	uint8_t wscale;
};

extern const struct synopt tp_opt_full; /* Linux's set, window scale 7 */
extern const struct synopt tp_opt_mss;  /* MSS only */

/* A segment B sent, with a copy of its payload. */
struct seg {
	struct erg_tcp_repr r;
	size_t len;
	uint8_t data[2048];
};

/* Event callbacks that record into the struct evrec given as ctx. */
void tp_ev_cb(struct erg_tcp_conn *c, unsigned events, void *ctx);
void tp_lst_cb(struct erg_tcp_listener *l, unsigned events, void *ctx);

void tp_pat_init(void);

/* The bench: B's stack (cfg NULL: erg_config_default), which knows A. */
void tc_init(struct tc *x, const struct erg_config *cfg);
void tc_listen(struct tc *x, unsigned backlog);
void tc_done(struct tc *x);
void tc_advance(struct tc *x, uint64_t us);
void tc_inject_ip(struct tc *x, uint8_t proto, const uint8_t *l4, size_t len);
void tc_inject_repr(struct tc *x, const struct erg_tcp_repr *r,
    const void *data, size_t len);
void seg_parse(const struct tn_frame *f, struct seg *g);
void tc_seg(struct tc *x, unsigned i, struct seg *g);
void tc_expect_none(struct tc *x);
void seg_is(const struct seg *g, uint8_t flags, uint32_t seq, uint32_t ack,
    size_t len);

/* A's side of one connection. */
void pc_init(struct pc *p, struct tc *x, uint16_t aport, uint16_t bport);
void pc_track(struct pc *p, const struct seg *g);
void pc_expect(struct pc *p, struct seg *g);
void pc_take_all(struct pc *p);
void pc_repr(const struct pc *p, struct erg_tcp_repr *r, uint8_t flags,
    uint32_t seq, uint32_t ack);
void pc_send_at(struct pc *p, uint8_t flags, uint32_t seq, uint32_t ack,
    const void *data, size_t len);
void pc_send(struct pc *p, uint8_t flags, const void *data, size_t len);
void pc_send_syn_at(struct pc *p, uint8_t flags, uint32_t seq, uint32_t ack,
    const struct synopt *o);
void pc_send_syn(struct pc *p, uint8_t flags, const struct synopt *o);
struct erg_tcp_info pc_info(const struct pc *p);
void pc_syn(struct pc *p, const struct synopt *o, struct seg *synack);
void pc_ack_accept(struct pc *p);
void pc_accept(struct pc *p, const struct synopt *o);
void tc_open(struct tc *x, struct pc *p, const struct erg_config *cfg,
    const struct synopt *o);
void pc_connect(struct pc *p, const struct synopt *o);
void pc_abort(struct pc *p, uint8_t rst_flags);
size_t pc_read_all(struct pc *p, size_t off);

#endif
