/*
 * fuzz/fuzz_tcp_conn.c: TCP connections under a stream of hostile
 * segments (TESTING.md classes 6, 7, 8, 15, 17, 18, 19 and 21 at the
 * state machine's level; fuzz_tcp.c covers the parser alone).
 *
 * The stack under test is host B of tests/vectors (02:00:00:00:00:02,
 * 198.18.0.2/24) with small pools and short timers. Before the input,
 * deterministic frames set up:
 * - a listener on port 80 (backlog 2) whose callback accepts up to 4
 *   connections; each echoes what it reads and closes gracefully when
 *   the peer closes (or when it is reset);
 * - one connection B opened from port 40000 to 198.18.0.1:5000, brought
 *   to ESTABLISHED by a SYN-ACK from A (MSS 1460, SACK-permitted,
 *   timestamps, window scale 2), with 3000 bytes of B's in flight.
 *
 * Input: a sequence of records, each
 *
 *	uint8 len	bytes that follow (a record is cut short by the
 *			end of the input)
 *	uint8 ctl	what to do with the body (below)
 *	len - 1 bytes	the body: a TCP segment, or an action
 *
 *	ctl bits 0-1	target: 0 B's connection (ports 5000 -> 40000),
 *			1 the listener (ports 1024 + k -> 80, k = bits 6-7),
 *			2 the ports as in the body (closed ports, TIME-WAIT
 *			entries...), 3 an application action (body[0])
 *	ctl bits 2-4	clock advance first: 0, 1, 10, 40, 200, 1000,
 *			10000 or 100000 ms (then erg_stack_poll)
 *	ctl bit 5	relative: the body's sequence and acknowledgment
 *			numbers are offsets (low 16 bits, signed) from what
 *			B last acknowledged and last sent on that 4-tuple,
 *			so that small values land in the windows; and a
 *			timestamp option in the usual place (NOP, NOP, TS
 *			at offset 20) echoes B's last TSval there, so that
 *			SYN cookies and RTT measurement can be reached
 *
 * A segment body is the TCP header and payload as A sends them: the
 * harness writes the ports (targets 0 and 1), the relative numbers and
 * the checksum (over the pseudo-header 198.18.0.1 -> 198.18.0.2; a
 * body too short for the checksum field goes as it is), then frames it
 * in IPv4 and Ethernet from A. The options, data offset, flags, window,
 * urgent pointer and payload are the fuzzer's.
 *
 * Every frame B transmits is checked on the spot: ARP from B, or IPv4
 * with DF from 198.18.0.2 to 198.18.0.1 carrying TCP with a valid
 * checksum, within the MTU, no payload beyond 1460 bytes, none on a RST
 * or a SYN, never SYN with RST or FIN. After every record: the packet
 * pool within its size; every live connection in a valid state, its
 * readable bytes within its receive budget, its bytes in flight within
 * its send ring (plus SYN and FIN). After the input every connection is
 * aborted, the listener closed, the clock run 10 minutes on until
 * nothing is armed, and then every pool must be back at its baseline
 * (erg_stack_pool_in_use as after setup, no connection, no TIME-WAIT).
 *
 * Deterministic: the arena is rebuilt for every input, randomness is a
 * fixed-seed splitmix64, time is the input's.
 */
#include <string.h>

#include "erg/erg.h"
#include "fuzz.h"

#define OUR_ADDR  ERG_IPV4(198, 18, 0, 2)
#define PEER_ADDR ERG_IPV4(198, 18, 0, 1)
#define MTU       1500u
#define MSS       (MTU - 40u)

#define LPORT      80u    /* the listener */
#define CLI_PORT0  1024u  /* A's ports towards it: 1024..1027 */
#define CONN_LPORT 40000u /* B's connection */
#define CONN_RPORT 5000u

#define PEER_ISS  0x10000000u
#define PEER_TS   1000u
#define FIRST_TX  3000u /* bytes B has in flight after setup */
#define PKT_COUNT 64u
#define RCV_BUF   8192u
#define SND_BUF   4096u
#define MAX_ACC   4u
#define REC_MAX   1024u

#define T0_US          1000000ull
#define DRAIN_US       (10ull * 60 * 1000000)
#define DRAIN_POLLS    100000u
#define ARP_REFRESH_US (60ull * 1000000) /* half arp_reachable_ms */

#define TUP_FIXED 5u
#define TUP_MAX   32u

/*
 * With FC_KNOWN_BUGS 1 (-DFC_KNOWN_BUGS=1), a teardown that does not come
 * to rest by itself has the peer reset every 4-tuple B used, and must
 * come to rest then: for campaigns while a bug of that kind is open (an
 * orphan held for ever by a small or zero window was one). The default
 * is strict: the stack must come to rest on its own.
 */
#ifndef FC_KNOWN_BUGS
#define FC_KNOWN_BUGS 0
#endif

#define CTL_TARGET   0x03u
#define CTL_CONN     0u
#define CTL_LISTENER 1u
#define CTL_RAW      2u
#define CTL_ACTION   3u
#define CTL_REL      0x20u

/* One 4-tuple as A sees it: what B last acknowledged and sent. */
struct fc_tuple {
	uint16_t aport;
	uint16_t bport;
	bool seen;
	uint32_t b_ack; /* B's RCV.NXT, from its last ACK */
	uint32_t b_nxt; /* B's SND.NXT, from its segments */
	uint32_t b_ts;  /* B's last TSval */
};

struct fc;

struct fc_acc {
	struct fc *f;
	struct erg_tcp_conn *c;
};

struct fc {
	struct erg_stack *s;
	unsigned ifindex;
	uint64_t rng;
	uint64_t now;
	uint64_t last_arp;
	uint16_t ip_id;
	struct erg_tcp_listener *l;
	struct erg_tcp_conn *conn;
	struct fc_acc acc[MAX_ACC];
	/*
	 * Tuples: [0] B's connection, [1 + k] A's port 1024 + k, then
	 * others B sent on (for the teardown's RSTs), up to TUP_MAX.
	 */
	struct fc_tuple tup[TUP_MAX];
	unsigned ntup;
};

static const uint8_t our_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t peer_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };

/* Harness statics: rebuilt or overwritten by every input. */
static _Alignas(16) uint8_t arena[1u << 21];
static uint8_t txbuf[ERG_ETHER_HDR_LEN + MTU + 1];
static uint8_t scratch[SND_BUF * 2];
static uint8_t pattern[SND_BUF * 2];

/* The tuple of the ports, or NULL; add: make room for it if new. */
static struct fc_tuple *
fc_tuple_of(struct fc *f, uint16_t aport, uint16_t bport, bool add)
{
	struct fc_tuple *t;
	unsigned i;

	for (i = 0; i < f->ntup; i++) {
		if (f->tup[i].aport == aport && f->tup[i].bport == bport)
			return &f->tup[i];
	}
	if (!add || f->ntup == TUP_MAX)
		return NULL;
	t = &f->tup[f->ntup++];
	memset(t, 0, sizeof(*t));
	t->aport = aport;
	t->bport = bport;
	return t;
}

/* ---- What the stack sends ----------------------------------------------- */

static void
check_tcp_out(struct fc *f, struct erg_view l4)
{
	struct erg_tcp_repr r;
	struct erg_view pl;
	struct fc_tuple *t;
	uint32_t end;

	FUZZ_CHECK(erg_tcp_parse(&r, &pl, l4, OUR_ADDR, PEER_ADDR, NULL) == 0);
	FUZZ_CHECK(pl.len <= MSS);
	FUZZ_CHECK(r.urgent == 0 && (r.flags & ERG_TCP_URG) == 0);
	if (r.flags & ERG_TCP_RST) {
		/* (A RST answers whatever came, port 0 included.) */
		FUZZ_CHECK((r.flags & (ERG_TCP_SYN | ERG_TCP_FIN)) == 0);
		FUZZ_CHECK(pl.len == 0);
		return;
	}
	/* Ours never 0 (the peer's can be: see the report). */
	FUZZ_CHECK(r.src_port != 0);
	if (r.flags & ERG_TCP_SYN) {
		FUZZ_CHECK((r.flags & ERG_TCP_FIN) == 0);
		FUZZ_CHECK(pl.len == 0);
		FUZZ_CHECK(r.mss != 0 && r.mss <= MSS);
	} else {
		/* RFC 9293 3.10.7: after the SYN, every segment has ACK. */
		FUZZ_CHECK(r.flags & ERG_TCP_ACK);
	}
	t = fc_tuple_of(f, r.dst_port, r.src_port, true);
	if (t == NULL)
		return;
	end = r.seq + (uint32_t)pl.len + ((r.flags & ERG_TCP_SYN) ? 1u : 0u) +
	    ((r.flags & ERG_TCP_FIN) ? 1u : 0u);
	if ((r.flags & ERG_TCP_SYN) || !t->seen ||
	    (int32_t)(end - t->b_nxt) > 0)
		t->b_nxt = end;
	if (r.flags & ERG_TCP_ACK)
		t->b_ack = r.ack;
	if (r.ts_ok)
		t->b_ts = r.ts_val;
	t->seen = true;
}

static int
fc_transmit(void *drv, const struct erg_iov *iov, unsigned n)
{
	struct fc *f = drv;
	struct erg_ether_repr eh;
	struct erg_ipv4_repr ip;
	struct erg_arp_repr ar;
	struct erg_view pl, l4;
	size_t total = 0;
	unsigned i;

	for (i = 0; i < n; i++) {
		FUZZ_CHECK(iov[i].len <= sizeof(txbuf) - total);
		memcpy(txbuf + total, iov[i].base, iov[i].len);
		total += iov[i].len;
	}
	FUZZ_CHECK(total <= ERG_ETHER_HDR_LEN + MTU);
	FUZZ_CHECK(
	    erg_ether_parse(&eh, &pl, erg_view_make(txbuf, total), NULL) == 0);
	FUZZ_CHECK(memcmp(eh.src, our_mac, 6) == 0);
	if (eh.type == ERG_ETHERTYPE_ARP) {
		FUZZ_CHECK(erg_arp_parse(&ar, pl, NULL) == 0);
		FUZZ_CHECK(ar.spa == OUR_ADDR);
		return 0;
	}
	FUZZ_CHECK(eh.type == ERG_ETHERTYPE_IPV4);
	FUZZ_CHECK(memcmp(eh.dst, peer_mac, 6) == 0);
	FUZZ_CHECK(erg_ipv4_parse(&ip, &l4, pl, NULL) == 0);
	FUZZ_CHECK(ip.hdr_len == ERG_IPV4_HDR_LEN && ip.total_len == pl.len);
	FUZZ_CHECK(ip.src == OUR_ADDR && ip.dst == PEER_ADDR);
	/* TCP only: nothing here provokes ICMP. */
	FUZZ_CHECK(ip.proto == ERG_IP_PROTO_TCP);
	FUZZ_CHECK(ip.df && !ip.mf && ip.frag_off == 0);
	check_tcp_out(f, l4);
	return 0;
}

static const struct erg_netif_ops fc_ops = { fc_transmit };

/* ---- Frames from A ------------------------------------------------------ */

static void
fc_input_frame(struct fc *f, const uint8_t *frame, size_t len)
{
	struct erg_pkt *pkt = erg_pkt_alloc(f->s);
	uint8_t *p;

	if (pkt == NULL)
		return; /* no buffer: the driver drops the frame */
	if (len > erg_pkt_tailroom(pkt))
		len = erg_pkt_tailroom(pkt);
	p = erg_pkt_put(pkt, (uint32_t)len);
	FUZZ_CHECK(p != NULL);
	memcpy(p, frame, len);
	erg_netif_input(f->s, f->ifindex, pkt, f->now);
}

/* A's ARP request for B: B learns (or refreshes) A's address. */
static void
fc_arp_from_peer(struct fc *f)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct erg_ether_repr eh;
	struct erg_arp_repr ar;
	uint8_t fr[ERG_ETHER_HDR_LEN + ERG_ARP_LEN];

	memcpy(eh.dst, bcast, 6);
	memcpy(eh.src, peer_mac, 6);
	eh.type = ERG_ETHERTYPE_ARP;
	FUZZ_CHECK(erg_ether_emit(&eh, fr, sizeof(fr)) == ERG_ETHER_HDR_LEN);
	memset(&ar, 0, sizeof(ar));
	ar.op = ERG_ARP_OP_REQUEST;
	memcpy(ar.sha, peer_mac, 6);
	ar.spa = PEER_ADDR;
	ar.tpa = OUR_ADDR;
	FUZZ_CHECK(erg_arp_emit(&ar, fr + ERG_ETHER_HDR_LEN, ERG_ARP_LEN) ==
	    (int)ERG_ARP_LEN);
	fc_input_frame(f, fr, sizeof(fr));
	f->last_arp = f->now;
}

/* Frames the TCP segment tcp[0..len) from A and inputs it. */
static void
fc_input_tcp(struct fc *f, const uint8_t *tcp, size_t len)
{
	static uint8_t fr[ERG_ETHER_HDR_LEN + ERG_IPV4_HDR_LEN + 256];
	struct erg_ether_repr eh;
	struct erg_ipv4_repr ip;

	FUZZ_CHECK(len <= sizeof(fr) - ERG_ETHER_HDR_LEN - ERG_IPV4_HDR_LEN);
	memcpy(eh.dst, our_mac, 6);
	memcpy(eh.src, peer_mac, 6);
	eh.type = ERG_ETHERTYPE_IPV4;
	FUZZ_CHECK(erg_ether_emit(&eh, fr, sizeof(fr)) == ERG_ETHER_HDR_LEN);
	memset(&ip, 0, sizeof(ip));
	ip.src = PEER_ADDR;
	ip.dst = OUR_ADDR;
	ip.proto = ERG_IP_PROTO_TCP;
	ip.ttl = 64;
	ip.df = true;
	ip.id = f->ip_id++;
	ip.total_len = (uint16_t)(ERG_IPV4_HDR_LEN + len);
	FUZZ_CHECK(erg_ipv4_emit(&ip, fr + ERG_ETHER_HDR_LEN,
	               ERG_IPV4_HDR_LEN) == (int)ERG_IPV4_HDR_LEN);
	memcpy(fr + ERG_ETHER_HDR_LEN + ERG_IPV4_HDR_LEN, tcp, len);
	fc_input_frame(f, fr, ERG_ETHER_HDR_LEN + ERG_IPV4_HDR_LEN + len);
}

/* The checksum over the pseudo-header A -> B (bytes 16-17 of tcp). */
static void
fc_tcp_cksum(uint8_t *tcp, size_t len)
{
	struct erg_cksum c;

	tcp[16] = tcp[17] = 0;
	erg_cksum_init(&c);
	erg_cksum_add_pseudo(&c, PEER_ADDR, OUR_ADDR, ERG_IP_PROTO_TCP,
	    (uint16_t)len);
	erg_cksum_add(&c, tcp, len);
	erg_put_be16(tcp + 16, erg_cksum_finish(&c));
}

/* A segment record: body to ports, numbers, checksum; then input. */
static void
fc_segment(struct fc *f, unsigned ctl, const uint8_t *body, size_t len)
{
	static uint8_t seg[256];
	struct fc_tuple *t;
	uint16_t aport, bport;

	memcpy(seg, body, len);
	if (len >= 4) {
		switch (ctl & CTL_TARGET) {
		case CTL_CONN:
			erg_put_be16(seg, CONN_RPORT);
			erg_put_be16(seg + 2, CONN_LPORT);
			break;
		case CTL_LISTENER:
			erg_put_be16(seg, (uint16_t)(CLI_PORT0 + (ctl >> 6)));
			erg_put_be16(seg + 2, LPORT);
			break;
		default:
			break;
		}
	}
	if (len >= 12 && (ctl & CTL_REL)) {
		aport = erg_be16(seg);
		bport = erg_be16(seg + 2);
		t = fc_tuple_of(f, aport, bport, false);
		if (t != NULL && t->seen) {
			erg_put_be32(seg + 4,
			    t->b_ack + (uint32_t)(int16_t)erg_be16(seg + 6));
			erg_put_be32(seg + 8,
			    t->b_nxt + (uint32_t)(int16_t)erg_be16(seg + 10));
			if (len >= 32 && (seg[12] >> 4) >= 8 &&
			    memcmp(seg + 20, "\x01\x01\x08\x0a", 4) == 0)
				erg_put_be32(seg + 28, t->b_ts);
		}
	}
	if (len >= ERG_TCP_HDR_LEN - 2)
		fc_tcp_cksum(seg, len);
	fc_input_tcp(f, seg, len);
}

/* ---- Applications ----------------------------------------------------- */

static void
fc_acc_cb(struct erg_tcp_conn *c, unsigned events, void *ctx)
{
	struct fc_acc *a = ctx;
	long n;

	FUZZ_CHECK(a->c == c);
	FUZZ_CHECK((events &
	               ~(ERG_EV_READABLE | ERG_EV_WRITABLE | ERG_EV_ERROR |
	                   ERG_TCP_EV_CONNECTED | ERG_TCP_EV_PEER_CLOSED |
	                   ERG_TCP_EV_RESET | ERG_TCP_EV_TIMEDOUT)) == 0);
	FUZZ_CHECK((events & ERG_TCP_EV_CONNECTED) == 0); /* passive */
	if (events & ERG_EV_ERROR)
		(void)erg_tcp_error(c);
	/* Echo what can be echoed; the rest waits in the receive queue. */
	while ((n = erg_tcp_read(c, scratch,
	            erg_tcp_writable(c) < sizeof(scratch) ?
	                erg_tcp_writable(c) :
	                sizeof(scratch))) > 0) {
		FUZZ_CHECK((size_t)n <= sizeof(scratch));
		FUZZ_CHECK(erg_tcp_write(c, scratch, (size_t)n) == n);
	}
	if (events & (ERG_TCP_EV_RESET | ERG_TCP_EV_TIMEDOUT)) {
		FUZZ_CHECK(erg_tcp_error(c) < 0);
		erg_tcp_close(c);
		a->c = NULL;
		return;
	}
	if ((events & ERG_TCP_EV_PEER_CLOSED) && erg_tcp_readable(c) == 0) {
		erg_tcp_close(c); /* from its own callback: allowed */
		a->c = NULL;
	}
}

static void
fc_listen_cb(struct erg_tcp_listener *l, unsigned events, void *ctx)
{
	struct fc *f = ctx;
	struct erg_tcp_conn *c;
	unsigned i;

	FUZZ_CHECK(l == f->l);
	FUZZ_CHECK(events == ERG_TCP_EV_ACCEPT);
	for (;;) {
		for (i = 0; i < MAX_ACC && f->acc[i].c != NULL; i++)
			;
		if (i == MAX_ACC) {
			/* No room: take it and abort it at once. */
			if (erg_tcp_accept(l, NULL, NULL, &c) != 0)
				return;
			erg_tcp_abort(c);
			continue;
		}
		if (erg_tcp_accept(l, fc_acc_cb, &f->acc[i], &f->acc[i].c) != 0)
			return;
	}
}

static void
fc_conn_cb(struct erg_tcp_conn *c, unsigned events, void *ctx)
{
	struct fc *f = ctx;

	FUZZ_CHECK(c == f->conn);
	if (events & ERG_EV_ERROR)
		(void)erg_tcp_error(c);
	if (events & (ERG_TCP_EV_RESET | ERG_TCP_EV_TIMEDOUT)) {
		struct erg_tcp_info i;

		erg_tcp_info(c, &i);
		FUZZ_CHECK(i.state == ERG_TCP_CLOSED);
		FUZZ_CHECK(erg_tcp_error(c) < 0);
		FUZZ_CHECK(erg_tcp_write(c, "x", 1) < 0);
	}
}

/* The errors a connection ends with (erg/tcp.h). */
static bool
fc_hard_err(long rc)
{
	return rc == -ERG_ECONNRESET || rc == -ERG_ECONNREFUSED ||
	    rc == -ERG_ETIMEDOUT || rc == -ERG_ECONNABORTED;
}

/* Checks the documented return values of the API on c. */
static void
fc_check_conn(struct fc *f, struct erg_tcp_conn *c)
{
	struct erg_tcp_info i;

	erg_tcp_info(c, &i);
	FUZZ_CHECK((unsigned)i.state <= ERG_TCP_TIME_WAIT);
	FUZZ_CHECK(i.state != ERG_TCP_LISTEN);
	FUZZ_CHECK(erg_tcp_readable(c) <= RCV_BUF);
	FUZZ_CHECK(i.in_flight <= SND_BUF + 2); /* + SYN and FIN */
	FUZZ_CHECK(i.unsent <= SND_BUF);
	FUZZ_CHECK(erg_tcp_writable(c) <= SND_BUF);
	FUZZ_CHECK(i.snd_wscale <= ERG_TCP_WSCALE_MAX);
	FUZZ_CHECK(i.rcv_wscale <= ERG_TCP_WSCALE_MAX);
	/* Regression: an MSS below 12 offered with timestamps once wrapped
	 * to ~65525 (seed class17-mss-1-sack-ts). */
	if (i.state != ERG_TCP_SYN_SENT && i.state != ERG_TCP_CLOSED)
		FUZZ_CHECK(i.mss > 0 && i.mss <= MSS);
	(void)f;
}

/* Application actions: body[0] & 15 picks one, the rest are arguments. */
static void
fc_action(struct fc *f, const uint8_t *b, size_t len)
{
	uint8_t a0 = len > 1 ? b[1] : 0, a1 = len > 2 ? b[2] : 0;
	struct erg_tcp_conn *c = f->conn;
	struct fc_acc *acc = &f->acc[a0 & (MAX_ACC - 1)];
	struct erg_wview w[2];
	struct erg_view v[4];
	long n;
	int rc;

	if (len == 0)
		return;
	switch (b[0] & 15) {
	case 0: /* write */
		if (c != NULL) {
			n = erg_tcp_write(c, pattern, (size_t)a0 * 16);
			FUZZ_CHECK(n >= 0 || n == -ERG_EAGAIN ||
			    n == -ERG_ESTATE || fc_hard_err(n));
			FUZZ_CHECK(n <= (long)a0 * 16);
		}
		break;
	case 1: /* shutdown */
		if (c != NULL) {
			rc = erg_tcp_shutdown(c);
			FUZZ_CHECK(
			    rc == 0 || rc == -ERG_ESTATE || fc_hard_err(rc));
		}
		break;
	case 2: /* peek and consume part */
		if (c != NULL) {
			rc = erg_tcp_peek(c, v, 4);
			if (rc > 0) {
				FUZZ_CHECK(rc <= 4);
				FUZZ_CHECK(v[0].len > 0 &&
				    v[0].len <= erg_tcp_readable(c));
				FUZZ_CHECK(
				    erg_tcp_consume(c,
				        v[0].len / (1u + (a0 & 1))) == 0);
			}
			FUZZ_CHECK(erg_tcp_consume(c,
			               erg_tcp_readable(c) + 1) == -ERG_EINVAL);
		}
		break;
	case 3:
		if (c != NULL)
			erg_tcp_set_nodelay(c, (a0 & 1) != 0);
		break;
	case 4:
		if (c != NULL)
			(void)erg_tcp_set_keepalive(c, 1u + a0 * 10u, 100u,
			    1u + (a1 & 3));
		break;
	case 5:
		if (c != NULL) {
			erg_tcp_close(c);
			f->conn = NULL;
		}
		break;
	case 6:
		if (c != NULL) {
			erg_tcp_abort(c);
			f->conn = NULL;
		}
		break;
	case 7: /* an accepted connection writes */
		if (acc->c != NULL)
			(void)erg_tcp_write(acc->c, pattern, (size_t)a1 * 16);
		break;
	case 8:
		if (acc->c != NULL) {
			erg_tcp_close(acc->c);
			acc->c = NULL;
		}
		break;
	case 9:
		if (acc->c != NULL) {
			erg_tcp_abort(acc->c);
			acc->c = NULL;
		}
		break;
	case 10: /* zero-copy send */
		if (c != NULL) {
			rc = erg_tcp_reserve(c, w);
			if (rc > 0) {
				size_t k = (size_t)a0 * 8;

				FUZZ_CHECK(rc <= 2);
				if (k > w[0].len)
					k = w[0].len;
				memset(w[0].p, 0x5a, k);
				FUZZ_CHECK(erg_tcp_commit(c, k) == 0);
			}
		}
		break;
	case 11:
		if (c != NULL)
			(void)erg_tcp_set_bufs(c, 1024u + a0 * 64u,
			    2048u + a1 * 64u);
		break;
	case 12: /* a new connection, if the old one is gone */
		if (c == NULL) {
			rc = erg_tcp_connect(f->s, PEER_ADDR, CONN_RPORT,
			    CONN_LPORT, fc_conn_cb, f, &f->conn);
			FUZZ_CHECK(rc == 0 || rc == -ERG_EADDRINUSE ||
			    rc == -ERG_ENOMEM);
			if (rc != 0)
				f->conn = NULL;
		}
		break;
	case 13: /* copying read of everything */
		if (c != NULL) {
			n = erg_tcp_read(c, scratch, sizeof(scratch));
			FUZZ_CHECK(n <= (long)sizeof(scratch));
		}
		break;
	case 14: /* the listener goes and comes back */
		if (f->l != NULL) {
			erg_tcp_listener_close(f->l);
			f->l = NULL;
		}
		FUZZ_CHECK(erg_tcp_listen(f->s, ERG_IPV4_ANY, LPORT, 2,
		               fc_listen_cb, f, &f->l) == 0);
		break;
	default:
		break;
	}
}

/* ---- Setup and teardown ------------------------------------------------- */

static void
fc_setup(struct fc *f, uint32_t *base)
{
	struct erg_config cfg;
	struct erg_netif_config nc;
	uint8_t syn_ack[40];
	struct erg_tcp_repr r;
	struct erg_view none = erg_view_make(syn_ack, 0);
	struct erg_tcp_info i;
	size_t k;
	int h;

	memset(f, 0, sizeof(*f));
	f->rng = 0x6572672d74637063ull; /* "erg-tcpc" */
	f->now = T0_US;
	f->tup[0].aport = CONN_RPORT;
	f->tup[0].bport = CONN_LPORT;
	for (k = 0; k < 4; k++) {
		f->tup[1 + k].aport = (uint16_t)(CLI_PORT0 + k);
		f->tup[1 + k].bport = LPORT;
	}
	f->ntup = TUP_FIXED;
	for (k = 0; k < sizeof(pattern); k++)
		pattern[k] = (uint8_t)(k * 7 + 1);

	erg_config_default(&cfg);
	cfg.pkt_count = PKT_COUNT;
	cfg.netif_count = 1;
	cfg.arp_entries = 4;
	cfg.arp_queue_len = 4;
	cfg.reasm_slots = 1;
	cfg.udp_socks = 1;
	cfg.tcp_conns = 8;
	cfg.tcp_listeners = 2;
	cfg.tcp_snd_buf = SND_BUF;
	cfg.tcp_rcv_buf = RCV_BUF;
	cfg.tcp_timewait = 4;
	cfg.tcp_ooo_segs = 8;
	cfg.tcp_msl_ms = 1000;
	cfg.tcp_rto_max_ms = 2000;
	cfg.tcp_syn_retries = 2;
	cfg.tcp_retries = 3;
	cfg.tcp_fin_timeout_ms = 5000;
	cfg.poll_budget = 64;
	cfg.rand = fuzz_rand;
	cfg.rand_ctx = &f->rng;
	k = erg_arena_size(&cfg);
	FUZZ_CHECK(k > 0 && k <= sizeof(arena));
	FUZZ_CHECK(
	    erg_stack_init(&f->s, arena, sizeof(arena), &cfg, f->now) == 0);
	memset(&nc, 0, sizeof(nc));
	memcpy(nc.mac, our_mac, 6);
	nc.mtu = MTU;
	nc.ops = &fc_ops;
	nc.drv = f;
	FUZZ_CHECK(erg_netif_add(f->s, &nc, &f->ifindex) == 0);
	FUZZ_CHECK(erg_ipv4_addr_set(f->s, f->ifindex, OUR_ADDR, 24) == 0);
	fc_arp_from_peer(f);
	*base = erg_stack_pool_in_use(f->s);

	FUZZ_CHECK(erg_tcp_listen(f->s, ERG_IPV4_ANY, LPORT, 2, fc_listen_cb, f,
	               &f->l) == 0);
	/* B's active open, and A's SYN-ACK. */
	FUZZ_CHECK(erg_tcp_connect(f->s, PEER_ADDR, CONN_RPORT, CONN_LPORT,
	               fc_conn_cb, f, &f->conn) == 0);
	FUZZ_CHECK(f->tup[0].seen);
	memset(&r, 0, sizeof(r));
	r.src_port = CONN_RPORT;
	r.dst_port = CONN_LPORT;
	r.seq = PEER_ISS;
	r.ack = f->tup[0].b_nxt;
	r.flags = ERG_TCP_SYN | ERG_TCP_ACK;
	r.window = 65535;
	r.mss = MSS;
	r.sack_ok = true;
	r.ts_ok = true;
	r.ts_val = PEER_TS;
	r.wscale_ok = true;
	r.wscale = 2;
	h = erg_tcp_emit(&r, PEER_ADDR, OUR_ADDR, &none, 1, syn_ack,
	    sizeof(syn_ack));
	FUZZ_CHECK(h > 0);
	fc_input_tcp(f, syn_ack, (size_t)h);
	erg_tcp_info(f->conn, &i);
	FUZZ_CHECK(i.state == ERG_TCP_ESTABLISHED);
	FUZZ_CHECK(f->tup[0].b_ack == PEER_ISS + 1);
	FUZZ_CHECK(erg_tcp_write(f->conn, pattern, FIRST_TX) == (long)FIRST_TX);
	erg_tcp_info(f->conn, &i);
	FUZZ_CHECK(i.in_flight + i.unsent == FIRST_TX);
}

/* Runs the clock 10 minutes on; true if the stack came to rest. */
static bool
fc_drain(struct fc *f)
{
	uint64_t next;
	unsigned k;

	f->now += DRAIN_US;
	for (k = 0; k < DRAIN_POLLS; k++) {
		next = erg_stack_poll(f->s, f->now);
		if (next == ERG_TIME_NEVER)
			return true;
		FUZZ_CHECK(next >= f->now);
		f->now = next;
	}
	return false;
}

/* A bare segment from A on t's ports. */
static void
fc_peer_send(struct fc *f, const struct fc_tuple *t, uint8_t flags,
    uint32_t seq, uint32_t ack)
{
	uint8_t h[ERG_TCP_HDR_LEN];

	memset(h, 0, sizeof(h));
	erg_put_be16(h, t->aport);
	erg_put_be16(h + 2, t->bport);
	erg_put_be32(h + 4, seq);
	erg_put_be32(h + 8, ack);
	h[12] = 5 << 4;
	h[13] = flags;
	fc_tcp_cksum(h, sizeof(h));
	fc_input_tcp(f, h, sizeof(h));
}

/*
 * The peer resets t the way RFC 5961 3.2 lets it: a segment outside the
 * window draws B's ACK (so what B acknowledges is known even if its last
 * ACKs were lost), then a RST at exactly that.
 */
static void
fc_peer_reset(struct fc *f, const struct fc_tuple *t)
{
	fc_peer_send(f, t, ERG_TCP_ACK, t->b_ack + 0x40000000u, t->b_nxt);
	fc_peer_send(f, t, ERG_TCP_RST, t->b_ack, 0);
}

/* Aborts and closes everything, lets every timer run out. */
static void
fc_teardown(struct fc *f)
{
	unsigned k;
	bool rest;

	if (f->conn != NULL)
		erg_tcp_abort(f->conn);
	f->conn = NULL;
	for (k = 0; k < MAX_ACC; k++) {
		if (f->acc[k].c != NULL)
			erg_tcp_abort(f->acc[k].c);
		f->acc[k].c = NULL;
	}
	if (f->l != NULL)
		erg_tcp_listener_close(f->l);
	f->l = NULL;
	rest = fc_drain(f);
	if (FC_KNOWN_BUGS &&
	    (!rest || erg_stat_get(f->s, ERG_STAT_TCP_CONNS_IN_USE) != 0)) {
		fc_arp_from_peer(f);
		for (k = 0; k < f->ntup; k++) {
			if (f->tup[k].seen)
				fc_peer_reset(f, &f->tup[k]);
		}
		rest = fc_drain(f);
	}
	/* With nobody left, the stack must come to rest. */
	FUZZ_CHECK(rest);
}

static const uint64_t advance_ms[8] = { 0, 1, 10, 40, 200, 1000, 10000,
	100000 };

int
erg_fuzz_one(const uint8_t *data, size_t len)
{
	struct fc f;
	uint32_t base;
	size_t off = 0, rlen;
	unsigned nrec = 0, ctl, k;

	fc_setup(&f, &base);
	while (off < len && nrec++ < REC_MAX) {
		rlen = data[off++];
		if (rlen > len - off)
			rlen = len - off;
		if (rlen == 0)
			continue;
		ctl = data[off];
		f.now += advance_ms[(ctl >> 2) & 7] * 1000u;
		if (f.now - f.last_arp >= ARP_REFRESH_US)
			fc_arp_from_peer(&f);
		(void)erg_stack_poll(f.s, f.now);
		if ((ctl & CTL_TARGET) == CTL_ACTION)
			fc_action(&f, data + off + 1, rlen - 1);
		else
			fc_segment(&f, ctl, data + off + 1, rlen - 1);
		off += rlen;
		FUZZ_CHECK(erg_stat_get(f.s, ERG_STAT_PKT_IN_USE) <= PKT_COUNT);
		if (f.conn != NULL)
			fc_check_conn(&f, f.conn);
		for (k = 0; k < MAX_ACC; k++) {
			if (f.acc[k].c != NULL)
				fc_check_conn(&f, f.acc[k].c);
		}
	}
	fc_teardown(&f);
	FUZZ_CHECK(erg_stat_get(f.s, ERG_STAT_TCP_CONNS_IN_USE) == 0);
	FUZZ_CHECK(erg_stat_get(f.s, ERG_STAT_TCP_LISTENERS_IN_USE) == 0);
	FUZZ_CHECK(erg_stat_get(f.s, ERG_STAT_TCP_TIMEWAIT_IN_USE) == 0);
	FUZZ_CHECK(erg_stack_pool_in_use(f.s) == base);
	return 0;
}
