/*
 * fuzz/fuzz_tls.c: a TLS server session (erg/tls.h) fed a hostile
 * client: the record input path (BearSSL's record and handshake parsers
 * behind erg's pump), the session's events and API, and its teardown.
 *
 * The stack under test is host B of tests/vectors (02:00:00:00:00:02,
 * 198.18.0.2/24), rebuilt for every input, with small pools, short TCP
 * timers and a TLS server on port 443: certificates ec256 (the default,
 * erg.test and *.erg.test) and rsa2048 (SNI "rsa.erg.test"), DER from
 * tests/vectors/tls, ALPN h2 and http/1.1, a session cache of 4. The
 * harness plays host A (198.18.0.1), a TCP peer that is always well
 * behaved (its segments are in order and within B's window, it ACKs what
 * B sends), so that every byte of the input reaches TLS as the client's
 * byte stream, and the application on B: it reads what the session
 * delivers (and echoes it back if asked) and performs the input's
 * actions on the session.
 *
 * Input: one configuration byte, then records.
 *
 *	byte 0	bits 0-1: cfg.tls_buf: ERG_TLS_BUF_BIDI, _MONO, 4096,
 *		ERG_TLS_BUF_MIN; bit 2: the server allows TLS 1.0 and 1.1
 *		(ERG_TLS_OLD_VERSIONS); bit 3: the application reads with
 *		erg_tls_peek / erg_tls_consume (else erg_tls_read); bit 4:
 *		it echoes what it reads; bit 5: the teardown aborts the
 *		session (else erg_tls_close)
 *
 *	record	uint8 ctl, uint16 len (big-endian), len bytes of body
 *		(cut short by the end of the input)
 *	ctl bits 0-2: 0 the body is client data: TCP segments of up to
 *		1460 bytes from A (what B's window has no room for, once
 *		B's pending timers have run, is dropped, as a sender would
 *		hold it back); 1 the same in segments of body[0] + 1 bytes
 *		of the rest of the body; 2 FIN from A; 3 RST from A; 4 an
 *		application action (body[0], argument body[1]; below); 5
 *		A's window becomes body[0..1] (big-endian); 6 a new
 *		connection from A's next port (the application lets go of
 *		its session first, A resets the old connection if it is
 *		still open); 7 nothing
 *	ctl bits 3-5: the clock moves first by 0, 1, 10, 100, 1000, 10000,
 *		60000 or 600000 ms
 *	ctl bit 6: A does not acknowledge what B sends during this record
 *
 * The configuration byte and the records cover what the input chooses;
 * the record parser and the handshake see the bytes as they are (a
 * recorded ClientHello with a mutation, a bad length, a split header).
 *
 * Actions (body[0] & 15): 0 read everything, 1 peek and consume half,
 * 2 write arg * 64 bytes, 3 reserve and commit arg * 16 bytes, 4
 * shutdown, 5 close, 6 abort, 7 erg_tls_info and erg_tls_save, 8 toggle
 * holding (no reads from the callback), 9 commit arg bytes without a new
 * reserve, 10 reserve only, 11 consume one byte more than readable.
 *
 * Checks. Every frame B sends: ARP, or IPv4 from 198.18.0.2 to
 * 198.18.0.1 with DF carrying TCP with a valid checksum, payload within
 * the MSS. B's TCP payload towards A, taken in order, must be a stream
 * of well-formed TLS records (RFC 5246 6.2): type 20 to 23, version 3.1
 * to 3.3 (3.3 unless old versions are allowed, from the first record
 * on), length at most 2^14 + 2048, the first a handshake record or an
 * alert, application data only after the session reported its
 * handshake. The session's events: known bits only, HANDSHAKE and
 * CLOSED once each, ERROR only with CLOSED and a negative error; its
 * API's return values within erg/tls.h's lists; erg_tls_info consistent
 * (after the handshake: the version, a suite erg knows, an ALPN name the
 * server offered). After the input the application lets go of the
 * session, the listener closes, the clock runs until the stack is at
 * rest (10 minutes, TCP gives up on a silent A well before), and then
 * no TLS session, TCP connection or listener may be in use and every
 * pool must be back at its baseline.
 *
 * Deterministic: the arena is rebuilt for every input, randomness is a
 * fixed-seed splitmix64 (so the server's random values, and its ECDHE
 * keys, are the same for the same input prefix), time is the input's.
 * That is what lets a recorded client flight replay: the seeds of
 * fuzz/corpus/tls/ include whole sessions (handshake, echoed data,
 * close_notify, resumption) that a BearSSL client ran against this very
 * harness. They are made by this file built with -DFUZZ_TLS_GEN, whose
 * main() writes them:
 *
 *	cc -std=c11 -D_GNU_SOURCE -DFUZZ_TLS_GEN -Iinclude -Inetif -Ifuzz \
 *	    fuzz/fuzz_tls.c $(find src -mindepth 2 -name '*.c') -lbearssl \
 *	    -o /tmp/gen_tls && /tmp/gen_tls fuzz/corpus/tls
 *
 * (the seeds must be remade whenever the harness's setup or erg's use of
 * randomness changes, or the recorded Finished messages stop verifying).
 */
#include <string.h>

#include "erg/erg.h"
#include "erg/tls.h"
#include "fuzz.h"
#include "../tests/vectors/tls/tls_vectors.h"

/*
 * BUG_ALPN_RESUME (open when this was written; tests/sim/sim_tls.c has
 * the details and a minimal test): BearSSL 0.6 resumes a session whose
 * ClientHello offers only ALPN names the server does not speak, then
 * reads protocol_names[0xFFFE]: crash-c526d525... of fuzz/corpus/tls.
 * While 1 the harness's server keeps no session cache, so that nothing
 * resumes and the corpus replays cleanly; 0 with the fix.
 */
#define BUG_ALPN_RESUME 0

/*
 * BUG_ORPHAN_STUCK (open when this was written; tests/sim/sim_tls.c):
 * a session closed while a peer's record is half received, with a mono
 * buffer, never writes its close_notify, so it never shuts TCP, never
 * arms its linger timer, and with a silent peer is held for ever (the
 * stack at rest around it): afl-0d2a7c843d1f0e03 and two more. While 1,
 * when the stack comes to rest with a session still in use, A sends
 * its FIN as a live peer would, which ends the orphan; 0 with the fix.
 */
#define BUG_ORPHAN_STUCK 0

#define OUR_ADDR  ERG_IPV4(198, 18, 0, 2)
#define PEER_ADDR ERG_IPV4(198, 18, 0, 1)
#define MTU       1500u
#define MSS       (MTU - 40u)
#define LPORT     443u
#define APORT0    40000u
#define PEER_ISS  0x20000000u

#define PKT_COUNT  64u
#define SND_BUF    16384u
#define RCV_BUF    16384u
#define SESSIONS   2u
#define REC_MAX    1024u
#define ACK_ROUNDS 64u

#define T0_US          1000000ull
#define DRAIN_US       (10ull * 60 * 1000000)
#define DRAIN_POLLS    100000u
#define ARP_REFRESH_US (60ull * 1000000)

/* TLSCiphertext.length bound, RFC 5246 6.2.3. */
#define TLS_REC_MAX (16384u + 2048u)

#define CFG_BUF   0x03u
#define CFG_OLD   0x04u
#define CFG_PEEK  0x08u
#define CFG_ECHO  0x10u
#define CFG_ABORT 0x20u

#define OP_DATA    0u
#define OP_DATA_N  1u
#define OP_FIN     2u
#define OP_RST     3u
#define OP_ACTION  4u
#define OP_WINDOW  5u
#define OP_CONNECT 6u
#define OP_NOP     7u
#define CTL_NOACK  0x40u

/* A's view of one TCP connection, and B's TLS output on it. */
struct ft_conn {
	uint16_t aport;
	bool up;        /* B's SYN-ACK came */
	bool a_fin;     /* A sent FIN */
	bool a_rst;     /* A sent RST */
	bool b_fin;     /* B sent FIN */
	bool b_rst;     /* B sent RST */
	uint32_t a_nxt; /* A's SND.NXT */
	uint32_t b_nxt; /* the end of what B sent */
	uint32_t b_ack; /* B's RCV.NXT, from its last ACK */
	uint32_t b_wnd; /* B's last window */
	uint32_t acked; /* what A last acknowledged */
	/* B's TLS records, parsed from its in-order payload. */
	uint32_t s_next; /* sequence number of the next stream byte */
	uint8_t hdr[5];
	unsigned hdr_have;
	uint32_t body_left;
	unsigned records;
};

struct ft {
	struct erg_stack *s;
	unsigned ifindex;
	uint64_t rng;
	uint64_t now;
	uint64_t last_arp;
	uint16_t ip_id;
	uint8_t cfg;
	struct erg_tls_server *srv;
	struct erg_tcp_listener *l;
	struct ft_conn c;
	uint16_t next_aport;
	uint16_t a_win;
	bool noack;
	/* The application's session (NULL once it let go). */
	struct erg_tls *t;
	unsigned ev;
	bool hold;
	bool hs; /* HANDSHAKE delivered on this connection */
	/* Generator: B's TLS payload to A, in order. */
	uint8_t *cap;
	size_t cap_len;
	size_t cap_max;
};

static const uint8_t our_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t peer_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const char *const alpn[] = { "h2", "http/1.1" };

/* Harness statics: rebuilt or overwritten by every input. */
static _Alignas(16) uint8_t arena[1u << 21];
static uint8_t txbuf[ERG_ETHER_HDR_LEN + MTU + 1];
static uint8_t scratch[32768];
static uint8_t pattern[16384];

/* ---- B's TLS output ------------------------------------------------------ */

/* Feeds n in-order bytes of B's stream to the record checker. */
static void
ft_records(struct ft *f, const uint8_t *p, size_t n)
{
	struct ft_conn *c = &f->c;
	size_t k;

	if (f->cap != NULL && n <= f->cap_max - f->cap_len) {
		memcpy(f->cap + f->cap_len, p, n);
		f->cap_len += n;
	}
	while (n > 0) {
		if (c->body_left > 0) {
			k = n < c->body_left ? n : c->body_left;
			c->body_left -= (uint32_t)k;
			p += k;
			n -= k;
			continue;
		}
		c->hdr[c->hdr_have++] = *p++;
		n--;
		if (c->hdr_have < 5)
			continue;
		c->hdr_have = 0;
		/* RFC 5246 6.2.1: the four content types. */
		FUZZ_CHECK(c->hdr[0] >= 20 && c->hdr[0] <= 23);
		FUZZ_CHECK(c->hdr[1] == 3);
		if (f->cfg & CFG_OLD)
			FUZZ_CHECK(c->hdr[2] >= 1 && c->hdr[2] <= 3);
		else
			FUZZ_CHECK(c->hdr[2] == 3);
		c->body_left = ((uint32_t)c->hdr[3] << 8) | c->hdr[4];
		FUZZ_CHECK(c->body_left <= TLS_REC_MAX);
		/* The first: a ServerHello, or an alert saying why not. */
		if (c->records == 0)
			FUZZ_CHECK(c->hdr[0] == 22 || c->hdr[0] == 21);
		/* No application data before the handshake was reported. */
		if (c->hdr[0] == 23)
			FUZZ_CHECK(f->hs);
		c->records++;
	}
}

static void
ft_tcp_out(struct ft *f, struct erg_view l4)
{
	struct ft_conn *c = &f->c;
	struct erg_tcp_repr r;
	struct erg_view pl;
	uint32_t end, skip;

	FUZZ_CHECK(erg_tcp_parse(&r, &pl, l4, OUR_ADDR, PEER_ADDR, NULL) == 0);
	FUZZ_CHECK(pl.len <= MSS);
	FUZZ_CHECK(r.src_port == LPORT || (r.flags & ERG_TCP_RST));
	if (r.dst_port != c->aport || r.src_port != LPORT)
		return; /* an older connection's, or a RST to a stray */
	if (r.flags & ERG_TCP_RST) {
		FUZZ_CHECK(pl.len == 0);
		c->b_rst = true;
		return;
	}
	FUZZ_CHECK(r.flags & ERG_TCP_ACK);
	if (r.flags & ERG_TCP_SYN) {
		FUZZ_CHECK(pl.len == 0 && (r.flags & ERG_TCP_FIN) == 0);
		if (!c->up) {
			c->up = true;
			c->b_nxt = r.seq + 1;
			c->s_next = r.seq + 1;
		}
		c->b_ack = r.ack;
		c->b_wnd = r.window;
		return;
	}
	if (!c->up)
		return;
	c->b_ack = r.ack;
	c->b_wnd = r.window;
	end = r.seq + (uint32_t)pl.len;
	/*
	 * In order: B resends from SND.UNA, never past what it sent (its
	 * ACKs after a FIN carry the FIN's sequence number + 1).
	 */
	if (pl.len > 0)
		FUZZ_CHECK((int32_t)(r.seq - c->s_next) <= 0);
	if (pl.len > 0 && (int32_t)(end - c->s_next) > 0) {
		skip = c->s_next - r.seq;
		ft_records(f, pl.p + skip, pl.len - skip);
		c->s_next = end;
	}
	if (r.flags & ERG_TCP_FIN) {
		c->b_fin = true;
		end++;
	}
	if ((int32_t)(end - c->b_nxt) > 0)
		c->b_nxt = end;
}

static int
ft_transmit(void *drv, const struct erg_iov *iov, unsigned n)
{
	struct ft *f = drv;
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
	FUZZ_CHECK(erg_ipv4_parse(&ip, &l4, pl, NULL) == 0);
	FUZZ_CHECK(ip.src == OUR_ADDR && ip.dst == PEER_ADDR);
	FUZZ_CHECK(ip.proto == ERG_IP_PROTO_TCP);
	FUZZ_CHECK(ip.df && !ip.mf && ip.frag_off == 0);
	ft_tcp_out(f, l4);
	return 0;
}

static const struct erg_netif_ops ft_ops = { ft_transmit };

/* ---- Frames from A ------------------------------------------------------- */

static void
ft_input_frame(struct ft *f, const uint8_t *frame, size_t len)
{
	struct erg_pkt *pkt = erg_pkt_alloc(f->s);
	uint8_t *p;

	if (pkt == NULL)
		return; /* no buffer: the driver drops the frame */
	p = erg_pkt_put(pkt, (uint32_t)len);
	FUZZ_CHECK(p != NULL);
	memcpy(p, frame, len);
	erg_netif_input(f->s, f->ifindex, pkt, f->now);
}

static void
ft_arp_from_peer(struct ft *f)
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
	ft_input_frame(f, fr, sizeof(fr));
	f->last_arp = f->now;
}

/* A segment from A on the current connection, with data. */
static void
ft_send(struct ft *f, uint8_t flags, uint32_t seq, const uint8_t *data,
    size_t len)
{
	static uint8_t fr[ERG_ETHER_HDR_LEN + MTU];
	struct ft_conn *c = &f->c;
	struct erg_ether_repr eh;
	struct erg_ipv4_repr ip;
	struct erg_tcp_repr r;
	struct erg_view v = erg_view_make(data, len);
	uint8_t *tcp = fr + ERG_ETHER_HDR_LEN + ERG_IPV4_HDR_LEN;
	int h;

	FUZZ_CHECK(len <= MSS);
	memset(&r, 0, sizeof(r));
	r.src_port = c->aport;
	r.dst_port = LPORT;
	r.seq = seq;
	r.flags = flags;
	if (flags & ERG_TCP_ACK)
		r.ack = c->b_nxt;
	r.window = f->a_win;
	if (flags & ERG_TCP_SYN)
		r.mss = MSS;
	h = erg_tcp_emit(&r, PEER_ADDR, OUR_ADDR, &v, 1, tcp, 60);
	FUZZ_CHECK(h > 0);
	if (len > 0)
		memcpy(tcp + h, data, len);
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
	ip.total_len = (uint16_t)(ERG_IPV4_HDR_LEN + (size_t)h + len);
	FUZZ_CHECK(erg_ipv4_emit(&ip, fr + ERG_ETHER_HDR_LEN,
	               ERG_IPV4_HDR_LEN) == (int)ERG_IPV4_HDR_LEN);
	if (flags & ERG_TCP_ACK)
		c->acked = c->b_nxt;
	ft_input_frame(f, fr,
	    ERG_ETHER_HDR_LEN + ERG_IPV4_HDR_LEN + (size_t)h + len);
}

/*
 * A acknowledges what B sent, as often as B sends more in answer
 * (bounded), unless told not to.
 */
static void
ft_ack(struct ft *f)
{
	struct ft_conn *c = &f->c;
	unsigned k;

	for (k = 0; k < ACK_ROUNDS; k++) {
		if (f->noack || !c->up || c->a_rst || c->b_rst ||
		    c->acked == c->b_nxt)
			return;
		ft_send(f, ERG_TCP_ACK, c->a_nxt, NULL, 0);
	}
}

/*
 * B's window is full as far as A knows: B may only owe a delayed ACK.
 * Runs B's clock to its next timer (if within a second) and lets A
 * acknowledge what that sent. Returns whether B's window opened.
 */
static bool
ft_wait_window(struct ft *f)
{
	struct ft_conn *c = &f->c;
	uint64_t next;
	unsigned k;

	for (k = 0; k < 4; k++) {
		next = erg_stack_poll(f->s, f->now);
		if (next == ERG_TIME_NEVER || next - f->now > 1000000)
			return false;
		f->now = next;
		(void)erg_stack_poll(f->s, f->now);
		ft_ack(f);
		if ((int32_t)(c->b_ack + c->b_wnd - c->a_nxt) > 0)
			return true;
	}
	return false;
}

/* Client data: in segments of at most seg bytes, within B's window. */
static void
ft_data(struct ft *f, const uint8_t *p, size_t len, size_t seg)
{
	struct ft_conn *c = &f->c;
	uint32_t room;
	size_t n;

	while (len > 0) {
		if (!c->up || c->a_fin || c->a_rst || c->b_rst)
			return;
		room = c->b_ack + c->b_wnd - c->a_nxt;
		if ((int32_t)room <= 0 && !ft_wait_window(f))
			return; /* held back: the rest is dropped */
		room = c->b_ack + c->b_wnd - c->a_nxt;
		n = len < seg ? len : seg;
		if (n > room)
			n = room;
		ft_send(f, ERG_TCP_ACK | ERG_TCP_PSH, c->a_nxt, p, n);
		c->a_nxt += (uint32_t)n;
		p += n;
		len -= n;
		ft_ack(f);
	}
}

/* ---- The application ----------------------------------------------------- */

/* The errors a session may report (erg/tls.h, erg/tcp.h). */
static bool
ft_known_err(long e)
{
	switch (-e) {
	case ERG_ETLS_HANDSHAKE:
	case ERG_ETLS_BADCERT:
	case ERG_ETLS_HOSTNAME:
	case ERG_ETLS_EXPIRED:
	case ERG_ETLS_UNKNOWNCA:
	case ERG_ETLS_ALERT:
	case ERG_ETLS_PROTOCOL:
	case ERG_ETLS_TRUNCATED:
	case ERG_ECONNRESET:
	case ERG_ETIMEDOUT:
	case ERG_ECONNABORTED:
	case ERG_ECONNREFUSED:
		return true;
	default:
		return false;
	}
}

/* The return of a call that sends: taken, EAGAIN, ESTATE or the error. */
static void
ft_check_send(struct ft *f, long rc, size_t len)
{
	if (rc >= 0) {
		FUZZ_CHECK((size_t)rc <= len);
		return;
	}
	FUZZ_CHECK(rc == -ERG_EAGAIN || rc == -ERG_ESTATE ||
	    rc == erg_tls_error(f->t));
}

static void
ft_echo(struct ft *f, const uint8_t *p, size_t n)
{
	long rc;

	if ((f->cfg & CFG_ECHO) == 0 || f->t == NULL)
		return;
	rc = erg_tls_write(f->t, p, n);
	ft_check_send(f, rc, n);
}

/* Reads what the session has, by the configured API. */
static void
ft_read(struct ft *f)
{
	struct erg_view v;
	unsigned k;
	long rc;
	int r;

	for (k = 0; k < 64 && f->t != NULL; k++) {
		if (f->cfg & CFG_PEEK) {
			r = erg_tls_peek(f->t, &v);
			if (r <= 0) {
				FUZZ_CHECK(r == 0 || r == erg_tls_error(f->t));
				FUZZ_CHECK(erg_tls_readable(f->t) == 0);
				return;
			}
			FUZZ_CHECK(r == 1 && v.len > 0 && v.len <= 16384);
			FUZZ_CHECK(erg_tls_readable(f->t) == v.len);
			ft_echo(f, v.p, v.len);
			if (f->t == NULL)
				return;
			FUZZ_CHECK(erg_tls_consume(f->t, v.len) == 0);
		} else {
			rc = erg_tls_read(f->t, scratch, sizeof(scratch));
			if (rc <= 0) {
				FUZZ_CHECK(rc == 0 || rc == -ERG_EAGAIN ||
				    rc == erg_tls_error(f->t));
				return;
			}
			FUZZ_CHECK((size_t)rc <= sizeof(scratch));
			ft_echo(f, scratch, (size_t)rc);
		}
	}
}

/* erg_tls_info as erg/tls.h describes it. */
static void
ft_check_info(struct ft *f)
{
	struct erg_tls_info i;
	size_t n;

	erg_tls_info(f->t, &i);
	FUZZ_CHECK(i.server);
	/* (The event may still be on its way after an API call.) */
	FUZZ_CHECK(!f->hs || i.handshake_done);
	FUZZ_CHECK(i.cipher_name != NULL);
	if (i.handshake_done) {
		if (f->cfg & CFG_OLD)
			FUZZ_CHECK(i.version >= 0x0301 && i.version <= 0x0303);
		else
			FUZZ_CHECK(i.version == 0x0303);
		FUZZ_CHECK(strcmp(i.cipher_name, "?") != 0);
		FUZZ_CHECK(i.alpn == NULL || strcmp(i.alpn, "h2") == 0 ||
		    strcmp(i.alpn, "http/1.1") == 0);
	} else {
		FUZZ_CHECK(i.version == 0 && i.alpn == NULL);
	}
	if (i.server_name != NULL) {
		n = strlen(i.server_name);
		FUZZ_CHECK(n > 0 && n <= ERG_TLS_NAME_MAX);
	}
	FUZZ_CHECK(i.alert == 0 || erg_tls_error(f->t) == -ERG_ETLS_ALERT);
	FUZZ_CHECK(
	    erg_tls_error(f->t) == 0 || ft_known_err(erg_tls_error(f->t)));
	FUZZ_CHECK(erg_tls_readable(f->t) <= 16384);
	FUZZ_CHECK(erg_tls_writable(f->t) <= 16384);
}

static void
ft_tls_cb(struct erg_tls *t, unsigned ev, void *ctx)
{
	struct ft *f = ctx;

	FUZZ_CHECK(t == f->t);
	FUZZ_CHECK(ev != 0);
	FUZZ_CHECK((ev &
	               ~(ERG_EV_READABLE | ERG_EV_WRITABLE | ERG_EV_ERROR |
	                   ERG_TLS_EV_HANDSHAKE | ERG_TLS_EV_CLOSED)) == 0);
	FUZZ_CHECK(!(ev & f->ev & (ERG_TLS_EV_HANDSHAKE | ERG_TLS_EV_CLOSED)));
	if (ev & ERG_EV_ERROR) {
		FUZZ_CHECK(ev & ERG_TLS_EV_CLOSED);
		FUZZ_CHECK(ft_known_err(erg_tls_error(t)));
	}
	/* Nothing opens after the end. */
	FUZZ_CHECK(
	    !(f->ev & ERG_TLS_EV_CLOSED) || (ev & ERG_TLS_EV_HANDSHAKE) == 0);
	f->ev |= ev;
	if (ev & ERG_TLS_EV_HANDSHAKE)
		f->hs = true;
	ft_check_info(f);
	if (!f->hold)
		ft_read(f);
}

static void
ft_listen_cb(struct erg_tcp_listener *l, unsigned events, void *ctx)
{
	struct ft *f = ctx;
	struct erg_tcp_conn *c;
	int rc;

	FUZZ_CHECK(l == f->l);
	FUZZ_CHECK(events == ERG_TCP_EV_ACCEPT);
	while (erg_tcp_accept(l, NULL, NULL, &c) == 0) {
		if (f->t != NULL) {
			erg_tcp_abort(c); /* one session at a time */
			continue;
		}
		f->ev = 0;
		f->hs = false;
		rc = erg_tls_accept(c, f->srv, ft_tls_cb, f, &f->t);
		if (rc != 0) {
			/* Orphans may hold every session; c stays ours. */
			FUZZ_CHECK(rc == -ERG_ENOMEM || rc == -ERG_ESTATE);
			f->t = NULL;
			erg_tcp_abort(c);
		}
	}
}

/* The app lets go of its session: close (graceful) or abort. */
static void
ft_let_go(struct ft *f, bool abort)
{
	if (f->t == NULL)
		return;
	if (abort)
		erg_tls_abort(f->t);
	else
		erg_tls_close(f->t);
	f->t = NULL;
}

static void
ft_action(struct ft *f, const uint8_t *b, size_t len)
{
	struct erg_tls_saved saved;
	struct erg_wview w;
	struct erg_view v;
	size_t a = len > 1 ? b[1] : 0, n;
	long rc;
	int r;

	if (len == 0 || f->t == NULL) {
		if (len > 0 && (b[0] & 15) == 8)
			f->hold = !f->hold;
		return;
	}
	switch (b[0] & 15) {
	case 0:
		ft_read(f);
		break;
	case 1:
		r = erg_tls_peek(f->t, &v);
		if (r == 1) {
			FUZZ_CHECK(v.len > 0);
			FUZZ_CHECK(erg_tls_consume(f->t, v.len / 2) == 0);
		} else {
			FUZZ_CHECK(r == 0 || r == erg_tls_error(f->t));
		}
		break;
	case 2:
		n = a * 64 < sizeof(pattern) ? a * 64 : sizeof(pattern);
		rc = erg_tls_write(f->t, pattern, n);
		ft_check_send(f, rc, n);
		if (n > 0)
			FUZZ_CHECK(rc != 0);
		break;
	case 3:
		r = erg_tls_reserve(f->t, &w);
		if (r == 1) {
			FUZZ_CHECK(w.len > 0 && w.len <= 16384);
			n = a * 16 < w.len ? a * 16 : w.len;
			memset(w.p, 0x5a, n);
			r = erg_tls_commit(f->t, n);
			FUZZ_CHECK(r == 0 || r == erg_tls_error(f->t));
		} else {
			ft_check_send(f, r, 0);
		}
		break;
	case 4:
		r = erg_tls_shutdown(f->t);
		FUZZ_CHECK(
		    r == 0 || r == -ERG_ESTATE || r == erg_tls_error(f->t));
		break;
	case 5:
		ft_let_go(f, false);
		break;
	case 6:
		ft_let_go(f, true);
		break;
	case 7:
		ft_check_info(f);
		/* A server has nothing to save (erg/tls.h). */
		FUZZ_CHECK(erg_tls_save(f->t, &saved) == -ERG_ESTATE);
		FUZZ_CHECK(erg_tls_tcp(f->t) != NULL);
		break;
	case 8:
		f->hold = !f->hold;
		break;
	case 9:
		r = erg_tls_commit(f->t, a);
		FUZZ_CHECK(r == 0 || r == -ERG_EINVAL || r == -ERG_ESTATE ||
		    r == erg_tls_error(f->t));
		break;
	case 10:
		r = erg_tls_reserve(f->t, &w);
		FUZZ_CHECK(r == 0 || r == 1 || r == -ERG_ESTATE ||
		    r == erg_tls_error(f->t));
		break;
	case 11:
		FUZZ_CHECK(erg_tls_consume(f->t, erg_tls_readable(f->t) + 1) ==
		    -ERG_EINVAL);
		break;
	default:
		break;
	}
}

/* ---- Connections --------------------------------------------------------- */

/* A opens a new connection from its next port; B accepts it. */
static void
ft_connect(struct ft *f)
{
	struct ft_conn *c = &f->c;

	/* The old one: reset by A if it is still open. */
	if (c->up && !c->a_rst && !c->b_rst)
		ft_send(f, ERG_TCP_RST, c->a_nxt, NULL, 0);
	memset(c, 0, sizeof(*c));
	c->aport = f->next_aport++;
	c->a_nxt = PEER_ISS + ((uint32_t)c->aport << 16);
	ft_send(f, ERG_TCP_SYN, c->a_nxt, NULL, 0);
	c->a_nxt++;
	if (c->up) {
		ft_send(f, ERG_TCP_ACK, c->a_nxt, NULL, 0);
		ft_ack(f);
	}
}

static void
ft_setup(struct ft *f, uint8_t cfgb, uint32_t *base)
{
	static const uint32_t bufs[4] = { ERG_TLS_BUF_BIDI, ERG_TLS_BUF_MONO,
		4096, ERG_TLS_BUF_MIN };
	struct erg_tls_server_opts so;
	struct erg_netif_config nc;
	struct erg_config cfg;
	size_t k;

	memset(f, 0, sizeof(*f));
	f->rng = 0x6572672d746c7366ull; /* "erg-tlsf" */
	f->now = T0_US;
	f->cfg = cfgb;
	f->next_aport = APORT0;
	f->a_win = 65535;
	for (k = 0; k < sizeof(pattern); k++)
		pattern[k] = (uint8_t)(k * 7 + 1);

	erg_config_default(&cfg);
	cfg.pkt_count = PKT_COUNT;
	cfg.netif_count = 1;
	cfg.arp_entries = 4;
	cfg.arp_queue_len = 4;
	cfg.reasm_slots = 1;
	cfg.udp_socks = 1;
	cfg.tcp_conns = 4;
	cfg.tcp_listeners = 1;
	cfg.tcp_snd_buf = SND_BUF;
	cfg.tcp_rcv_buf = RCV_BUF;
	cfg.tcp_timewait = 4;
	cfg.tcp_ooo_segs = 8;
	cfg.tcp_msl_ms = 1000;
	cfg.tcp_rto_max_ms = 2000;
	cfg.tcp_syn_retries = 2;
	cfg.tcp_retries = 3;
	cfg.tcp_fin_timeout_ms = 5000;
	cfg.tls_sessions = SESSIONS;
	cfg.tls_buf = bufs[cfgb & CFG_BUF];
	cfg.tls_store = 32768;
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
	nc.ops = &ft_ops;
	nc.drv = f;
	FUZZ_CHECK(erg_netif_add(f->s, &nc, &f->ifindex) == 0);
	FUZZ_CHECK(erg_ipv4_addr_set(f->s, f->ifindex, OUR_ADDR, 24) == 0);
	ft_arp_from_peer(f);
	*base = erg_stack_pool_in_use(f->s);

	memset(&so, 0, sizeof(so));
	so.alpn = alpn;
	so.alpn_n = 2;
	so.cache_entries = BUG_ALPN_RESUME ? 0 : 4;
	so.flags = (cfgb & CFG_OLD) ? ERG_TLS_OLD_VERSIONS : 0;
	FUZZ_CHECK(erg_tls_server_new(f->s, &so, &f->srv) == 0);
	FUZZ_CHECK(erg_tls_server_add_cert(f->srv, NULL, TLS_VEC(ec256_der),
	               TLS_VEC(ec256_key_der)) == 0);
	FUZZ_CHECK(erg_tls_server_add_cert(f->srv, "rsa.erg.test",
	               TLS_VEC(rsa2048_der), TLS_VEC(rsa2048_key_der)) == 0);
	FUZZ_CHECK(erg_tcp_listen(f->s, ERG_IPV4_ANY, LPORT, 2, ft_listen_cb, f,
	               &f->l) == 0);
	ft_connect(f);
	FUZZ_CHECK(f->c.up);
	FUZZ_CHECK(f->t != NULL);
}

/* Runs the clock 10 minutes on; true if the stack came to rest. */
static bool
ft_drain(struct ft *f)
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

static const uint64_t advance_ms[8] = { 0, 1, 10, 100, 1000, 10000, 60000,
	600000 };

/* One record of the input. */
static void
ft_record(struct ft *f, uint8_t ctl, const uint8_t *body, size_t len)
{
	struct ft_conn *c = &f->c;
	size_t seg;

	f->now += advance_ms[(ctl >> 3) & 7] * 1000u;
	if (f->now - f->last_arp >= ARP_REFRESH_US)
		ft_arp_from_peer(f);
	(void)erg_stack_poll(f->s, f->now);
	f->noack = (ctl & CTL_NOACK) != 0;
	switch (ctl & 7) {
	case OP_DATA:
		ft_data(f, body, len, MSS);
		break;
	case OP_DATA_N:
		if (len > 0) {
			seg = (size_t)body[0] + 1;
			ft_data(f, body + 1, len - 1, seg);
		}
		break;
	case OP_FIN:
		if (c->up && !c->a_fin && !c->a_rst) {
			ft_send(f, ERG_TCP_FIN | ERG_TCP_ACK, c->a_nxt, NULL,
			    0);
			c->a_nxt++;
			c->a_fin = true;
		}
		break;
	case OP_RST:
		if (c->up && !c->a_rst) {
			ft_send(f, ERG_TCP_RST, c->a_nxt, NULL, 0);
			c->a_rst = true;
		}
		break;
	case OP_ACTION:
		ft_action(f, body, len);
		break;
	case OP_WINDOW:
		f->a_win = len >= 2 ? (uint16_t)((body[0] << 8) | body[1]) : 0;
		if (c->up && !c->a_rst)
			ft_send(f, ERG_TCP_ACK, c->a_nxt, NULL, 0);
		break;
	case OP_CONNECT:
		ft_let_go(f, (f->cfg & CFG_ABORT) != 0);
		ft_connect(f);
		break;
	default:
		break;
	}
	ft_ack(f);
	f->noack = false;
	FUZZ_CHECK(erg_stat_get(f->s, ERG_STAT_PKT_IN_USE) <= PKT_COUNT);
	FUZZ_CHECK(
	    erg_stat_get(f->s, ERG_STAT_TLS_SESSIONS_IN_USE) <= SESSIONS);
	if (f->t != NULL)
		ft_check_info(f);
}

/* The application lets go, the stack runs down: nothing may be left. */
static void
ft_teardown(struct ft *f, uint32_t base)
{
	struct ft_conn *c = &f->c;

#ifdef FUZZ_TLS_TRACE
	/* What an input reached (-DFUZZ_TLS_TRACE, for corpus work). */
	fprintf(stderr,
	    "fuzz_tls: handshakes %llu resumed %llu fail %llu app in %llu "
	    "out %llu alerts %llu protocol %llu truncated %llu\n",
	    (unsigned long long)erg_stat_get(f->s, ERG_STAT_TLS_HANDSHAKES),
	    (unsigned long long)erg_stat_get(f->s, ERG_STAT_TLS_RESUMED),
	    (unsigned long long)erg_stat_get(f->s, ERG_STAT_TLS_HANDSHAKE_FAIL),
	    (unsigned long long)erg_stat_get(f->s, ERG_STAT_TLS_APP_IN_BYTES),
	    (unsigned long long)erg_stat_get(f->s, ERG_STAT_TLS_APP_OUT_BYTES),
	    (unsigned long long)erg_stat_get(f->s, ERG_STAT_TLS_ALERTS_RX),
	    (unsigned long long)erg_stat_get(f->s, ERG_STAT_TLS_PROTOCOL_ERR),
	    (unsigned long long)erg_stat_get(f->s, ERG_STAT_TLS_TRUNCATED));
#endif
	ft_let_go(f, (f->cfg & CFG_ABORT) != 0);
	erg_tcp_listener_close(f->l);
	f->l = NULL;
	FUZZ_CHECK(ft_drain(f));
	if (BUG_ORPHAN_STUCK &&
	    erg_stat_get(f->s, ERG_STAT_TLS_SESSIONS_IN_USE) != 0 && c->up &&
	    !c->a_fin && !c->a_rst && !c->b_rst) {
		ft_arp_from_peer(f);
		ft_send(f, ERG_TCP_FIN | ERG_TCP_ACK, c->a_nxt, NULL, 0);
		c->a_nxt++;
		c->a_fin = true;
		FUZZ_CHECK(ft_drain(f));
	}
	FUZZ_CHECK(erg_stat_get(f->s, ERG_STAT_TLS_SESSIONS_IN_USE) == 0);
	FUZZ_CHECK(erg_stat_get(f->s, ERG_STAT_TCP_CONNS_IN_USE) == 0);
	FUZZ_CHECK(erg_stat_get(f->s, ERG_STAT_TCP_LISTENERS_IN_USE) == 0);
	FUZZ_CHECK(erg_stat_get(f->s, ERG_STAT_TCP_TIMEWAIT_IN_USE) == 0);
	FUZZ_CHECK(erg_stack_pool_in_use(f->s) == base);
}

int
erg_fuzz_one(const uint8_t *data, size_t len)
{
	struct ft f;
	uint32_t base;
	size_t off = 1, rlen;
	unsigned nrec = 0;
	uint8_t ctl;

	ft_setup(&f, len > 0 ? data[0] : 0, &base);
	while (off < len && nrec++ < REC_MAX) {
		ctl = data[off++];
		rlen = 0;
		if (off + 2 <= len) {
			rlen = ((size_t)data[off] << 8) | data[off + 1];
			off += 2;
		} else {
			off = len;
		}
		if (rlen > len - off)
			rlen = len - off;
		ft_record(&f, ctl, data + off, rlen);
		off += rlen;
	}
	ft_teardown(&f, base);
	return 0;
}

/* ---- Seed generator (-DFUZZ_TLS_GEN) ------------------------------------- */

#ifdef FUZZ_TLS_GEN
#include <bearssl.h>
#include <stdio.h>

static uint8_t g_in[1u << 20];
static size_t g_len;
static uint8_t g_cap[1u << 20];

/* Appends a record to the input being written, and runs it. */
static void
g_rec(struct ft *f, uint8_t ctl, const void *body, size_t len)
{
	FUZZ_CHECK(len <= 0xffff && g_len + 3 + len <= sizeof(g_in));
	g_in[g_len++] = ctl;
	g_in[g_len++] = (uint8_t)(len >> 8);
	g_in[g_len++] = (uint8_t)len;
	if (len > 0)
		memcpy(g_in + g_len, body, len);
	g_len += len;
	ft_record(f, ctl, (const uint8_t *)body, len);
}

static void
g_write(const char *dir, const char *name)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "wb");
	FUZZ_CHECK(fp != NULL);
	FUZZ_CHECK(fwrite(g_in, 1, g_len, fp) == g_len);
	fclose(fp);
	printf("%s: %zu bytes\n", path, g_len);
}

struct g_client {
	br_ssl_client_context cc;
	br_x509_minimal_context xm;
	br_x509_knownkey_context xk;
	br_x509_decoder_context dec;
	uint8_t buf[BR_SSL_BUFSIZE_BIDI];
	size_t cap_read;
};

/* A BearSSL client that knows the server's key (from its DER cert). */
static void
g_client_init(struct g_client *g, const unsigned char *der, size_t der_len,
    unsigned vmin, unsigned vmax, size_t bufsize, const char *sni,
    const uint16_t *suites, unsigned nsuites, const char **alpns,
    unsigned nalpn, const br_ssl_session_parameters *resume)
{
	const br_x509_pkey *pk;
	uint8_t seed[32];
	uint64_t st = 0x67656e21ull;

	memset(g, 0, sizeof(*g));
	br_x509_decoder_init(&g->dec, NULL, NULL);
	br_x509_decoder_push(&g->dec, der, der_len);
	pk = br_x509_decoder_get_pkey(&g->dec);
	FUZZ_CHECK(pk != NULL);
	br_ssl_client_init_full(&g->cc, &g->xm, NULL, 0);
	if (pk->key_type == BR_KEYTYPE_EC)
		br_x509_knownkey_init_ec(&g->xk, &pk->key.ec,
		    BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN);
	else
		br_x509_knownkey_init_rsa(&g->xk, &pk->key.rsa,
		    BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN);
	br_ssl_engine_set_x509(&g->cc.eng, &g->xk.vtable);
	br_ssl_engine_set_versions(&g->cc.eng, vmin, vmax);
	if (suites != NULL)
		br_ssl_engine_set_suites(&g->cc.eng, suites, nsuites);
	if (nalpn > 0)
		br_ssl_engine_set_protocol_names(&g->cc.eng, alpns, nalpn);
	br_ssl_engine_set_buffer(&g->cc.eng, g->buf, bufsize,
	    bufsize == BR_SSL_BUFSIZE_BIDI);
	fuzz_rand(&st, seed, sizeof(seed));
	br_ssl_engine_inject_entropy(&g->cc.eng, seed, sizeof(seed));
	g->cc.eng.rng_os_rand_done = 1;
	if (resume != NULL)
		br_ssl_engine_set_session_parameters(&g->cc.eng, resume);
	FUZZ_CHECK(br_ssl_client_reset(&g->cc, sni, resume != NULL));
}

/*
 * Runs the client against the harness until it is done: the handshake,
 * `say` sent (and its echo read back), then close_notify if `close`.
 * Returns whether the handshake completed.
 */
static bool
g_run(struct ft *f, struct g_client *g, const char *say, bool close)
{
	br_ssl_engine_context *eng = &g->cc.eng;
	unsigned char *p;
	size_t n, said = 0, got = 0, want = say != NULL ? strlen(say) : 0;
	unsigned round, st;
	bool hs = false, closing = false;

	for (round = 0; round < 1000; round++) {
		st = br_ssl_engine_current_state(eng);
		if (st & BR_SSL_CLOSED)
			break;
		if (st & BR_SSL_SENDREC) {
			p = br_ssl_engine_sendrec_buf(eng, &n);
			g_rec(f, OP_DATA, p, n);
			br_ssl_engine_sendrec_ack(eng, n);
			continue;
		}
		if (st & BR_SSL_SENDAPP)
			hs = true;
		if ((st & BR_SSL_RECVAPP) != 0) {
			p = br_ssl_engine_recvapp_buf(eng, &n);
			got += n;
			br_ssl_engine_recvapp_ack(eng, n);
			continue;
		}
		if ((st & BR_SSL_SENDAPP) && said < want) {
			p = br_ssl_engine_sendapp_buf(eng, &n);
			if (n > want - said)
				n = want - said;
			memcpy(p, say + said, n);
			br_ssl_engine_sendapp_ack(eng, n);
			br_ssl_engine_flush(eng, 0);
			said += n;
			continue;
		}
		if ((st & BR_SSL_RECVREC) && g->cap_read < f->cap_len) {
			p = br_ssl_engine_recvrec_buf(eng, &n);
			if (n > f->cap_len - g->cap_read)
				n = f->cap_len - g->cap_read;
			memcpy(p, f->cap + g->cap_read, n);
			g->cap_read += n;
			br_ssl_engine_recvrec_ack(eng, n);
			continue;
		}
		if (hs && close && !closing && said == want &&
		    (got >= want || (f->cfg & CFG_ECHO) == 0)) {
			br_ssl_engine_close(eng);
			closing = true;
			continue;
		}
		break;
	}
	if (br_ssl_engine_last_error(eng) != 0)
		fprintf(stderr, "gen: BearSSL client error %d\n",
		    br_ssl_engine_last_error(eng));
	return hs;
}

static struct ft gf;
static struct g_client gc;

static void
g_start(uint8_t cfgb)
{
	uint32_t base;

	g_len = 0;
	g_in[g_len++] = cfgb;
	ft_setup(&gf, cfgb, &base);
	gf.cap = g_cap;
	gf.cap_len = 0;
	gf.cap_max = sizeof(g_cap);
}

/* A whole session with these client settings, written as name. */
static void
g_session(const char *dir, const char *name, uint8_t cfgb,
    const unsigned char *der, size_t der_len, unsigned vmin, unsigned vmax,
    size_t bufsize, const char *sni, const uint16_t *suites, unsigned ns,
    const char **alpns, unsigned na)
{
	g_start(cfgb);
	g_client_init(&gc, der, der_len, vmin, vmax, bufsize, sni, suites, ns,
	    alpns, na, NULL);
	FUZZ_CHECK(g_run(&gf, &gc, "hello, erg", true));
	FUZZ_CHECK(gf.hs);
	g_rec(&gf, OP_FIN, NULL, 0);
	g_write(dir, name);
}

int
main(int argc, char **argv)
{
	static const uint16_t chacha[] = {
		BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
	};
	static const char *h2[] = { "h2" };
	const char *dir = argc > 1 ? argv[1] : "fuzz/corpus/tls";
	br_ssl_session_parameters sp;
	static uint8_t junk[300];
	size_t k, n;
	uint8_t act[2];

	/* Whole sessions: the record layer after the handshake. */
	g_session(dir, "seed-session-ec256", CFG_ECHO, tls_ec256_der,
	    tls_ec256_der_len, BR_TLS12, BR_TLS12, BR_SSL_BUFSIZE_BIDI,
	    "erg.test", NULL, 0, NULL, 0);
	g_session(dir, "seed-session-rsa-sni", CFG_ECHO | CFG_PEEK,
	    tls_rsa2048_der, tls_rsa2048_der_len, BR_TLS12, BR_TLS12,
	    BR_SSL_BUFSIZE_BIDI, "rsa.erg.test", NULL, 0, NULL, 0);
	g_session(dir, "seed-session-chacha-alpn", CFG_ECHO, tls_ec256_der,
	    tls_ec256_der_len, BR_TLS12, BR_TLS12, BR_SSL_BUFSIZE_BIDI,
	    "a.erg.test", chacha, 1, h2, 1);
	g_session(dir, "seed-session-tls10-cbc", CFG_ECHO | CFG_OLD,
	    tls_ec256_der, tls_ec256_der_len, BR_TLS10, BR_TLS10,
	    BR_SSL_BUFSIZE_BIDI, "erg.test", NULL, 0, NULL, 0);
	g_session(dir, "seed-session-tls11-mono", CFG_ECHO | CFG_OLD | 1,
	    tls_ec256_der, tls_ec256_der_len, BR_TLS11, BR_TLS11,
	    BR_SSL_BUFSIZE_MONO, "erg.test", NULL, 0, NULL, 0);
	/* A client with a small buffer asks max_fragment_length. */
	g_session(dir, "seed-session-mfl", CFG_ECHO | 2, tls_ec256_der,
	    tls_ec256_der_len, BR_TLS12, BR_TLS12, 2048, "erg.test", NULL, 0,
	    NULL, 0);

	/* Resumption: a session, a new connection, the abbreviated one. */
	g_start(CFG_ECHO);
	g_client_init(&gc, tls_ec256_der, tls_ec256_der_len, BR_TLS12, BR_TLS12,
	    BR_SSL_BUFSIZE_BIDI, "erg.test", NULL, 0, NULL, 0, NULL);
	FUZZ_CHECK(g_run(&gf, &gc, "one", true));
	br_ssl_engine_get_session_parameters(&gc.cc.eng, &sp);
	g_rec(&gf, OP_FIN, NULL, 0);
	g_rec(&gf, OP_CONNECT, NULL, 0);
	gf.cap_len = 0;
	g_client_init(&gc, tls_ec256_der, tls_ec256_der_len, BR_TLS12, BR_TLS12,
	    BR_SSL_BUFSIZE_BIDI, "erg.test", NULL, 0, NULL, 0, &sp);
	FUZZ_CHECK(g_run(&gf, &gc, "two", true));
	FUZZ_CHECK(gf.hs);
	g_write(dir, "seed-session-resumed");

	/* Application actions after a handshake, the session kept open. */
	g_start(CFG_PEEK);
	g_client_init(&gc, tls_ec256_der, tls_ec256_der_len, BR_TLS12, BR_TLS12,
	    BR_SSL_BUFSIZE_BIDI, "erg.test", NULL, 0, NULL, 0, NULL);
	FUZZ_CHECK(g_run(&gf, &gc, "request", false));
	for (k = 0; k < 12; k++) {
		act[0] = (uint8_t)k;
		act[1] = (uint8_t)(k * 20 + 3);
		if (k == 5 || k == 6)
			continue; /* close and abort: last */
		g_rec(&gf, OP_ACTION, act, 2);
	}
	act[0] = 5;
	g_rec(&gf, OP_ACTION, act, 1);
	g_write(dir, "seed-actions-after-handshake");

	/* The ClientHello alone, whole and byte by byte, then end. */
	g_start(0);
	g_client_init(&gc, tls_ec256_der, tls_ec256_der_len, BR_TLS10, BR_TLS12,
	    BR_SSL_BUFSIZE_BIDI, "erg.test", NULL, 0, NULL, 0, NULL);
	{
		unsigned char *p = br_ssl_engine_sendrec_buf(&gc.cc.eng, &n);
		uint8_t one[1 + 512];

		FUZZ_CHECK(p != NULL && n + 1 <= sizeof(one));
		g_rec(&gf, OP_DATA, p, n);
		g_write(dir, "seed-client-hello");
		/* Then garbage where the key exchange should be. */
		for (k = 0; k < sizeof(junk); k++)
			junk[k] = (uint8_t)(k * 13 + 5);
		junk[0] = 22;
		junk[1] = 3;
		junk[2] = 3;
		junk[3] = 0;
		junk[4] = 200;
		g_rec(&gf, OP_DATA, junk, 205);
		g_write(dir, "seed-client-hello-then-junk");

		g_start(0);
		one[0] = 0; /* segments of 1 byte */
		memcpy(one + 1, p, n);
		g_rec(&gf, OP_DATA_N, one, n + 1);
		g_rec(&gf, OP_FIN, NULL, 0);
		g_write(dir, "seed-client-hello-bytewise-fin");

		/* Truncated: the header promises more than comes. */
		g_start(0);
		g_rec(&gf, OP_DATA, p, n / 2);
		g_rec(&gf, (5u << 3) | OP_NOP, NULL, 0);
		g_rec(&gf, OP_RST, NULL, 0);
		g_write(dir, "seed-client-hello-half-rst");
	}

	/* Bad record headers. */
	{
		static const uint8_t bad[][5] = {
			{ 22, 3, 3, 0xff, 0xff }, /* longer than 2^14 + 2048 */
			{ 99, 3, 3, 0, 4 },       /* unknown type */
			{ 22, 2, 0, 0, 4 },       /* SSL 2.0 version */
			{ 23, 3, 3, 0, 4 },      /* data before the handshake */
			{ 21, 3, 3, 0, 2 },      /* an alert */
			{ 22, 3, 3, 0, 0 },      /* empty handshake record */
			{ 0x80, 0x2e, 1, 3, 1 }, /* SSLv2 ClientHello start */
		};
		char name[64];
		uint8_t rec[5 + 16];

		for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
			g_start(0);
			memcpy(rec, bad[k], 5);
			memset(rec + 5, 0x41, 16);
			g_rec(&gf, OP_DATA, rec, sizeof(rec));
			snprintf(name, sizeof(name), "seed-bad-header-%zu", k);
			g_write(dir, name);
		}
	}

	/* Nothing at all, and a window closed on B's flight. */
	g_start(0);
	g_write(dir, "seed-empty");
	g_start(CFG_ABORT);
	act[0] = 0;
	act[1] = 0;
	g_rec(&gf, OP_WINDOW, act, 2);
	g_client_init(&gc, tls_ec256_der, tls_ec256_der_len, BR_TLS12, BR_TLS12,
	    BR_SSL_BUFSIZE_BIDI, "erg.test", NULL, 0, NULL, 0, NULL);
	(void)g_run(&gf, &gc, NULL, false);
	g_rec(&gf, (4u << 3) | OP_NOP, NULL, 0);
	g_write(dir, "seed-zero-window");
	return 0;
}
#endif
