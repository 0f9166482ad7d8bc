/*
 * fuzz/gen_seeds_tcp.c: writes TCP seeds into fuzz/corpus/tcp/ (for
 * fuzz_tcp.c, the segment parser) and fuzz/corpus/tcp_conn/ (for
 * fuzz_tcp_conn.c, connections under hostile segments), named for the
 * bad-input class of TESTING.md they exercise (classN-what) or for the
 * sequence they play (seq-what).
 *
 * Built and run by hand, not by make; its output is committed:
 *
 *	cc -std=c11 -Wall -Wextra -Iinclude fuzz/gen_seeds_tcp.c \
 *	    -o build/gen_seeds_tcp && build/gen_seeds_tcp fuzz/corpus
 *
 * As fuzz/gen_seeds.c it uses only erg's header-only helpers (byte order,
 * constants) and its own RFC 1071 checksum, so that the seeds do not
 * depend on the code they exercise. Files of the same names are
 * overwritten; others (the seeds already there, crash-* and hang-*) are
 * left alone.
 *
 * fuzz_tcp seeds: a TCP segment from 198.18.0.1 to 198.18.0.2. The
 * harness rewrites the checksum of inputs whose first byte is even, so
 * seeds meant to test the checksum itself use an odd source port.
 *
 * fuzz_tcp_conn seeds: records [len][ctl][body] (see fuzz_tcp_conn.c):
 * ctl bits 0-1 the target (0 B's connection 5000 -> 40000, 1 the
 * listener from port 1024 + bits 6-7, 2 raw ports, 3 an action), bits
 * 2-4 the clock advance, bit 5 relative numbers.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "erg/erg.h"

#define ADDR_A ERG_IPV4(198, 18, 0, 1)
#define ADDR_B ERG_IPV4(198, 18, 0, 2)

/* fuzz_tcp_conn.c's setup. */
#define CONN_RPORT 5000u
#define CONN_LPORT 40000u
#define LPORT      80u
#define CLI_PORT0  1024u
#define PEER_TS    1000u

#define T_CONN     0u
#define T_LISTENER 1u
#define T_RAW      2u
#define T_ACTION   3u
#define REL        0x20u

/* Clock advance codes: 0, 1, 10, 40, 200, 1000, 10000, 100000 ms. */
#define ADV_0     0u
#define ADV_1MS   1u
#define ADV_10MS  2u
#define ADV_40MS  3u
#define ADV_200MS 4u
#define ADV_1S    5u
#define ADV_10S   6u
#define ADV_100S  7u

/* fuzz_tcp_conn.c's actions. */
#define A_WRITE     0u
#define A_SHUTDOWN  1u
#define A_CONSUME   2u
#define A_NODELAY   3u
#define A_KEEPALIVE 4u
#define A_CLOSE     5u
#define A_ABORT     6u
#define A_ACC_WRITE 7u
#define A_ACC_CLOSE 8u
#define A_ACC_ABORT 9u
#define A_ZC_SEND   10u
#define A_SET_BUFS  11u
#define A_CONNECT   12u
#define A_READ      13u
#define A_RELISTEN  14u

#define F_FIN ERG_TCP_FIN
#define F_SYN ERG_TCP_SYN
#define F_RST ERG_TCP_RST
#define F_PSH ERG_TCP_PSH
#define F_ACK ERG_TCP_ACK
#define F_URG ERG_TCP_URG

static const char *outdir;
static unsigned nfiles;

static void
put(const char *target, const char *name, const void *p, size_t len)
{
	char path[1024];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", outdir, target);
	if (mkdir(path, 0777) != 0 && errno != EEXIST) {
		perror(path);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s/%s", outdir, target, name);
	fp = fopen(path, "wb");
	if (fp == NULL || (len > 0 && fwrite(p, 1, len, fp) != len) ||
	    fclose(fp) != 0) {
		perror(path);
		exit(1);
	}
	nfiles++;
}

/* ---- TCP segments ------------------------------------------------------- */

static uint32_t
sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffffu) + (sum >> 16);
	return sum;
}

/* A segment: header fields, raw option bytes, payload. */
struct seg {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win, urg;
	const uint8_t *opt;
	size_t optlen; /* padded with EOL (0) to a multiple of 4 */
	unsigned doff; /* 0: from the options; else this raw value */
	const void *data;
	size_t dlen;
};

/* Writes s into b with its checksum from A to B; returns the length. */
static size_t
seg_build(uint8_t *b, const struct seg *s)
{
	size_t ol = (s->optlen + 3) & ~(size_t)3, hl = 20 + ol,
	       n = hl + s->dlen;
	uint32_t ps;

	memset(b, 0, hl);
	erg_put_be16(b, s->sport);
	erg_put_be16(b + 2, s->dport);
	erg_put_be32(b + 4, s->seq);
	erg_put_be32(b + 8, s->ack);
	b[12] = (uint8_t)((s->doff != 0 ? s->doff : hl / 4) << 4);
	b[13] = s->flags;
	erg_put_be16(b + 14, s->win);
	erg_put_be16(b + 18, s->urg);
	if (s->optlen > 0)
		memcpy(b + 20, s->opt, s->optlen);
	if (s->dlen > 0)
		memcpy(b + hl, s->data, s->dlen);
	ps = (ADDR_A >> 16) + (ADDR_A & 0xffffu) + (ADDR_B >> 16) +
	    (ADDR_B & 0xffffu) + ERG_IP_PROTO_TCP + (uint32_t)n;
	erg_put_be16(b + 16, (uint16_t)~sum16(b, n, ps));
	return n;
}

/* Option bytes. */
static size_t
o_mss(uint8_t *o, uint16_t mss)
{
	o[0] = 2;
	o[1] = 4;
	erg_put_be16(o + 2, mss);
	return 4;
}

static size_t
o_sackok(uint8_t *o)
{
	o[0] = 4;
	o[1] = 2;
	return 2;
}

static size_t
o_ts(uint8_t *o, uint32_t val, uint32_t ecr)
{
	o[0] = 8;
	o[1] = 10;
	erg_put_be32(o + 2, val);
	erg_put_be32(o + 6, ecr);
	return 10;
}

static size_t
o_ws(uint8_t *o, uint8_t shift)
{
	o[0] = 3;
	o[1] = 3;
	o[2] = shift;
	return 3;
}

static size_t
o_nop(uint8_t *o, size_t n)
{
	memset(o, 1, n);
	return n;
}

/* NOP NOP TS: the usual 12 bytes on data segments. */
static size_t
o_ts12(uint8_t *o, uint32_t val, uint32_t ecr)
{
	size_t n = o_nop(o, 2);

	return n + o_ts(o + n, val, ecr);
}

/* Linux's SYN options: MSS, SACK-permitted, TS, NOP, window scale. */
static size_t
o_syn(uint8_t *o, uint16_t mss, bool sack, bool ts, int ws, uint32_t tsval)
{
	size_t n = 0;

	if (mss != 0)
		n += o_mss(o + n, mss);
	if (sack && ts) {
		n += o_sackok(o + n);
		n += o_ts(o + n, tsval, 0);
	} else if (sack) {
		n += o_nop(o + n, 2);
		n += o_sackok(o + n);
	} else if (ts) {
		n += o_ts12(o + n, tsval, 0);
	}
	if (ws >= 0) {
		n += o_nop(o + n, 1);
		n += o_ws(o + n, (uint8_t)ws);
	}
	return n;
}

static const uint8_t text[] = "erg tcp fuzz seed: the quick brown fox "
                              "jumps over the lazy dog 0123456789 "
                              "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOP";

/* ---- fuzz_tcp: the parser ------------------------------------------------ */

static void
put_tcp(const char *name, const struct seg *s)
{
	uint8_t b[2048];

	put("tcp", name, b, seg_build(b, s));
}

static void
gen_tcp(void)
{
	uint8_t o[64], b[2048];
	struct seg s;
	size_t n;

	memset(&s, 0, sizeof(s));
	s.sport = 40100; /* even high byte: the harness fixes checksums */
	s.dport = 7000;
	s.seq = 0x10000001u;
	s.ack = 0x20000001u;
	s.flags = F_ACK;
	s.win = 502;

	/* Class 6: urgent pointer beyond the (short) payload. */
	s.flags = F_ACK | F_URG | F_PSH;
	s.urg = 0xffff;
	s.data = text;
	s.dlen = 3;
	put_tcp("class6-urg-ffff-3-bytes", &s);
	s.urg = 0;
	put_tcp("class6-urg-0-with-flag", &s);
	s.flags = F_ACK;
	s.urg = 1000; /* pointer without the flag */
	put_tcp("class6-urg-without-flag", &s);
	s.urg = 0;
	s.dlen = 0;

	/* Class 7: option lengths 0 and 1, past the header. */
	s.opt = o;
	memcpy(o, "\x01\x01\x05\x00", 4); /* SACK, length 0 */
	s.optlen = 4;
	put_tcp("class7-sack-len-0", &s);
	memcpy(o, "\x01\x01\x63\x01", 4); /* unknown kind 99, length 1 */
	put_tcp("class7-unknown-len-1", &s);
	memcpy(o, "\x01\x01\x01\x63\x28\x00\x00\x00", 8); /* 40 past 8 */
	s.optlen = 8;
	put_tcp("class7-unknown-len-past-header", &s);
	memset(o, 1, 39);
	o[39] = 2; /* MSS kind as the last byte: no length byte */
	s.optlen = 40;
	put_tcp("class7-kind-in-last-byte", &s);
	memcpy(o, "\x00\x02\x04\x05\xb4\x00\x00\x00", 8); /* EOL, junk */
	s.optlen = 8;
	put_tcp("class7-eol-then-mss", &s);
	memset(o, 1, 40); /* 40 NOPs: the longest option walk */
	s.optlen = 40;
	put_tcp("class7-forty-nops", &s);

	/* Class 8: data offset past the segment, below 5. */
	s.optlen = 0;
	s.doff = 15;
	s.data = text;
	s.dlen = 12;
	put_tcp("class8-offset-15-in-32", &s);
	s.doff = 6;
	s.dlen = 0;
	put_tcp("class8-offset-6-in-20", &s);
	s.doff = 1;
	put_tcp("class8-offset-1", &s);
	s.doff = 0;
	n = seg_build(b, &s);
	put("tcp", "class8-header-cut-at-12", b, 12);
	(void)n;

	/* Class 10: checksums as given (odd first byte: not rewritten). */
	s.sport = 0x0101;
	s.data = text;
	s.dlen = 7; /* odd length: the last byte padded in the sum */
	put_tcp("class10-odd-length-valid", &s);
	n = seg_build(b, &s);
	b[16] ^= 0x80;
	put("tcp", "class10-odd-length-bad", b, n);
	n = seg_build(b, &s);
	put("tcp", "class10-trailing-byte-not-summed", b, n + 1);
	s.sport = 40100;
	s.dlen = 0;

	/* Class 15: SACK edges, truncated timestamps, too many blocks. */
	n = o_nop(o, 2);
	o[n++] = 5;
	o[n++] = 2 + 8 * 3;
	erg_put_be32(o + n, 0x20001000u); /* left > right */
	erg_put_be32(o + n + 4, 0x20000000u);
	erg_put_be32(o + n + 8, 0xffffffffu); /* wraps */
	erg_put_be32(o + n + 12, 0x00000010u);
	erg_put_be32(o + n + 16, 0x20000001u); /* empty */
	erg_put_be32(o + n + 20, 0x20000001u);
	s.opt = o;
	s.optlen = n + 24;
	put_tcp("class15-sack-bogus-edges", &s);
	o[0] = 5;
	o[1] = 2 + 8 * 5 - 4; /* 38: not 2 + 8n */
	s.optlen = 38;
	put_tcp("class15-sack-len-38", &s);
	n = o_nop(o, 2);
	o[n] = 8;
	o[n + 1] = 9;
	s.optlen = 12;
	put_tcp("class15-ts-len-9", &s);
	o[n + 1] = 11;
	put_tcp("class15-ts-len-11", &s);
	o[0] = 8;
	o[1] = 10;
	s.optlen = 8; /* a whole TS option would need 10 */
	put_tcp("class15-ts-cut-by-offset", &s);

	/* Class 17: tiny MSS with SACK, and the option extremes. */
	s.flags = F_SYN;
	s.ack = 0;
	s.optlen = o_syn(o, 1, true, true, 14, 1);
	put_tcp("class17-syn-mss-1-sack", &s);
	s.optlen = o_syn(o, 0, true, false, 15, 0);
	put_tcp("class17-syn-mss-0-wscale-15", &s);
	s.optlen = o_syn(o, 0xffff, true, true, 255, 0xffffffffu);
	put_tcp("class21-syn-option-maxima", &s);
}

/* ---- fuzz_tcp_conn: records -------------------------------------------- */

struct script {
	uint8_t b[1u << 16];
	size_t len;
	uint32_t ts;  /* A's timestamp clock */
	uint16_t urg; /* urgent pointer of the next srec (then 0) */
};

static struct script sc;

static void
sc_reset(void)
{
	sc.len = 0;
	sc.ts = PEER_TS + 1;
}

static void
sc_put(const char *name)
{
	put("tcp_conn", name, sc.b, sc.len);
}

static void
rec(unsigned ctl, const void *body, size_t len)
{
	if (len + 1 > 255 || sc.len + len + 2 > sizeof(sc.b)) {
		fprintf(stderr, "record too long\n");
		exit(1);
	}
	sc.b[sc.len++] = (uint8_t)(len + 1);
	sc.b[sc.len++] = (uint8_t)ctl;
	memcpy(sc.b + sc.len, body, len);
	sc.len += len;
}

static unsigned
ctl(unsigned target, unsigned adv, bool rel, unsigned k)
{
	return target | adv << 2 | (rel ? REL : 0u) | k << 6;
}

/* An action record: code and two arguments. */
static void
act(unsigned adv, unsigned code, uint8_t a0, uint8_t a1)
{
	uint8_t b[3] = { (uint8_t)code, a0, a1 };

	rec(ctl(T_ACTION, adv, false, 0), b, sizeof(b));
}

/*
 * A segment record. With rel, seq and ack are offsets (signed 16 bits)
 * from what B last acknowledged and sent on the 4-tuple; ports come
 * from the target (raw: sport, dport). ts: with NOP NOP TSopt.
 */
static void
srec(unsigned target, unsigned adv, bool rel, unsigned k, uint8_t flags,
    int32_t seq, int32_t ack, uint16_t win, bool ts, const void *data,
    size_t dlen)
{
	uint8_t o[12], b[256];
	struct seg s;

	memset(&s, 0, sizeof(s));
	s.sport = CONN_RPORT;
	s.dport = CONN_LPORT;
	s.seq = (uint32_t)seq;
	s.ack = (uint32_t)ack;
	s.flags = flags;
	s.win = win;
	s.urg = sc.urg;
	sc.urg = 0;
	if (ts) {
		s.opt = o;
		s.optlen = o_ts12(o, sc.ts++, 0);
	}
	s.data = data;
	s.dlen = dlen;
	rec(ctl(target, adv, rel, k), b, seg_build(b, &s));
}

/* A raw-port segment (target 2), absolute numbers. */
static void
rawrec(unsigned adv, uint16_t sport, uint16_t dport, uint8_t flags,
    uint32_t seq, uint32_t ack, const uint8_t *opt, size_t optlen)
{
	uint8_t b[256];
	struct seg s;

	memset(&s, 0, sizeof(s));
	s.sport = sport;
	s.dport = dport;
	s.seq = seq;
	s.ack = ack;
	s.flags = flags;
	s.win = 65535;
	s.opt = opt;
	s.optlen = optlen;
	rec(ctl(T_RAW, adv, false, 0), b, seg_build(b, &s));
}

/* A SYN from A's port 1024 + k to the listener. */
static void
syn_to_listener(unsigned k, uint32_t iss, uint16_t mss, bool sack, bool ts,
    int ws)
{
	uint8_t o[40], b[256];
	struct seg s;

	memset(&s, 0, sizeof(s));
	s.sport = (uint16_t)(CLI_PORT0 + k);
	s.dport = LPORT;
	s.seq = iss;
	s.flags = F_SYN;
	s.win = 65535;
	s.opt = o;
	s.optlen = o_syn(o, mss, sack, ts, ws, sc.ts++);
	rec(ctl(T_LISTENER, ADV_0, false, k), b, seg_build(b, &s));
}

/* A whole handshake with the listener from port 1024 + k. */
static void
handshake(unsigned k, uint32_t iss)
{
	syn_to_listener(k, iss, 1460, true, true, 7);
	srec(T_LISTENER, ADV_1MS, true, k, F_ACK, 0, 0, 512, true, NULL, 0);
}

/* B's connection: A acknowledges all B sent (ack offset 0). */
static void
conn_ack_all(unsigned adv)
{
	srec(T_CONN, adv, true, 0, F_ACK, 0, 0, 16384, true, NULL, 0);
}

static void
gen_conn_sequences(void)
{
	unsigned i;

	sc_reset();
	sc_put("seq-empty");

	/* B's data acknowledged in two steps, A's data in order. */
	sc_reset();
	srec(T_CONN, ADV_10MS, true, 0, F_ACK, 0, -1552, 16384, true, NULL, 0);
	conn_ack_all(ADV_10MS);
	srec(T_CONN, ADV_1MS, true, 0, F_ACK | F_PSH, 0, 0, 16384, true, text,
	    100);
	srec(T_CONN, ADV_1MS, true, 0, F_ACK | F_PSH, 100, 0, 16384, true, text,
	    60);
	act(ADV_40MS, A_CONSUME, 0, 0);
	act(ADV_0, A_READ, 0, 0);
	act(ADV_0, A_WRITE, 100, 0);
	conn_ack_all(ADV_10MS);
	sc_put("seq-conn-data-both-ways");

	/* The listener: handshake, data echoed, FIN, close. */
	sc_reset();
	handshake(0, 0x01000000u);
	srec(T_LISTENER, ADV_1MS, true, 0, F_ACK | F_PSH, 0, 0, 512, true, text,
	    50);
	srec(T_LISTENER, ADV_40MS, true, 0, F_ACK, 50, 0, 512, true, NULL, 0);
	srec(T_LISTENER, ADV_1MS, true, 0, F_ACK | F_FIN, 50, 0, 512, true,
	    NULL, 0);
	srec(T_LISTENER, ADV_40MS, true, 0, F_ACK, 51, 0, 512, true, NULL, 0);
	sc_put("seq-listener-echo-and-close");

	/* Four clients, a fifth than the application has room for. */
	sc_reset();
	for (i = 0; i < 4; i++)
		handshake(i, 0x02000000u + i * 0x10000u);
	for (i = 0; i < 4; i++)
		srec(T_LISTENER, ADV_1MS, true, i, F_ACK | F_PSH, 0, 0, 512,
		    true, text, 10 + i);
	act(ADV_0, A_ACC_CLOSE, 1, 0);
	act(ADV_0, A_ACC_ABORT, 2, 0);
	act(ADV_0, A_ACC_WRITE, 3, 200);
	handshake(1, 0x03000000u);
	act(ADV_0, A_RELISTEN, 0, 0);
	sc_put("seq-listener-four-clients");

	/* B closes first: FIN-WAIT, TIME-WAIT, reuse by a new SYN. */
	sc_reset();
	conn_ack_all(ADV_10MS);
	act(ADV_0, A_CLOSE, 0, 0);
	conn_ack_all(ADV_10MS);
	srec(T_CONN, ADV_1MS, true, 0, F_ACK | F_FIN, 0, 0, 16384, true, NULL,
	    0);
	srec(T_CONN, ADV_10MS, true, 0, F_ACK | F_FIN, -1, 0, 16384, true, NULL,
	    0);
	rawrec(ADV_10MS, CONN_RPORT, CONN_LPORT, F_RST, 0x10000002u, 0, NULL,
	    0);
	rawrec(ADV_10MS, CONN_RPORT, CONN_LPORT, F_SYN, 0x20000000u, 0, NULL,
	    0);
	act(ADV_1S, A_CONNECT, 0, 0);
	sc_put("seq-active-close-time-wait");

	/* Simultaneous close: A's FIN crosses B's. */
	sc_reset();
	conn_ack_all(ADV_10MS);
	act(ADV_0, A_SHUTDOWN, 0, 0);
	srec(T_CONN, ADV_1MS, true, 0, F_ACK | F_FIN, 0, -1, 16384, true, NULL,
	    0);
	conn_ack_all(ADV_1MS);
	act(ADV_1S, A_ABORT, 0, 0);
	sc_put("seq-simultaneous-close");

	/* The peer closes, B half-closes later. */
	sc_reset();
	srec(T_CONN, ADV_1MS, true, 0, F_ACK | F_FIN | F_PSH, 0, 0, 16384, true,
	    text, 20);
	conn_ack_all(ADV_40MS);
	act(ADV_0, A_WRITE, 4, 0);
	act(ADV_0, A_SHUTDOWN, 0, 0);
	conn_ack_all(ADV_10MS);
	sc_put("seq-peer-closes-first");

	/* Zero window: persist probes, then the window opens. */
	sc_reset();
	srec(T_CONN, ADV_1MS, true, 0, F_ACK, 0, 0, 0, true, NULL, 0);
	act(ADV_0, A_WRITE, 200, 0);
	for (i = 0; i < 4; i++)
		srec(T_CONN, ADV_1S, true, 0, F_ACK, 0, 0, 0, true, NULL, 0);
	srec(T_CONN, ADV_1MS, true, 0, F_ACK, 0, 0, 16384, true, NULL, 0);
	conn_ack_all(ADV_10MS);
	sc_put("seq-zero-window-persist");

	/* Loss: RTO backoff until the retries run out. */
	sc_reset();
	for (i = 0; i < 8; i++)
		act(ADV_1S, A_NODELAY, 1, 0);
	act(ADV_10S, A_WRITE, 1, 0);
	act(ADV_0, A_CONNECT, 0, 0);
	srec(T_CONN, ADV_10MS, true, 0, F_SYN | F_ACK, 0, 0, 8192, false, NULL,
	    0);
	sc_put("seq-rto-timeout-and-reconnect");

	/* Three duplicate ACKs: fast retransmit, then a partial ACK. */
	sc_reset();
	act(ADV_0, A_NODELAY, 1, 0);
	for (i = 0; i < 4; i++)
		srec(T_CONN, ADV_1MS, true, 0, F_ACK, 0, -3000, 16384, true,
		    NULL, 0);
	srec(T_CONN, ADV_1MS, true, 0, F_ACK, 0, -1552, 16384, true, NULL, 0);
	conn_ack_all(ADV_1MS);
	sc_put("seq-fast-retransmit");

	/* Keepalive probes, answered once. */
	sc_reset();
	conn_ack_all(ADV_10MS);
	act(ADV_0, A_KEEPALIVE, 10, 2);
	srec(T_CONN, ADV_200MS, true, 0, F_ACK, 0, 0, 16384, true, NULL, 0);
	for (i = 0; i < 4; i++)
		act(ADV_200MS, 15, 0, 0);
	sc_put("seq-keepalive");

	/* Zero-copy send, smaller buffers. */
	sc_reset();
	conn_ack_all(ADV_10MS);
	act(ADV_0, A_SET_BUFS, 0, 0);
	act(ADV_0, A_ZC_SEND, 200, 0);
	conn_ack_all(ADV_10MS);
	act(ADV_0, A_ZC_SEND, 255, 0);
	sc_put("seq-zero-copy-send");
}

static void
gen_conn_classes(void)
{
	static const uint8_t len0[4] = { 5, 0, 1, 1 };
	static const uint8_t len1[4] = { 1, 1, 99, 1 };
	static const uint8_t past[8] = { 1, 1, 1, 1, 1, 1, 30, 200 };
	static const struct {
		const char *name;
		const uint8_t *o;
		size_t n;
	} bad[] = {
		{ "class7-optlen-0", len0, 4 },
		{ "class7-optlen-1", len1, 4 },
		{ "class7-opt-past-header", past, 8 },
	};
	uint8_t o[64], b[256];
	struct seg s;
	unsigned i;

	/* Class 6: URG with the pointer far past the data. */
	sc_reset();
	sc.urg = 0xffff;
	srec(T_CONN, ADV_1MS, true, 0, F_ACK | F_URG | F_PSH, 0, 0, 16384, true,
	    text, 5);
	act(ADV_40MS, A_READ, 0, 0);
	sc_put("class6-urg-pointer-beyond-data");

	/* Class 7: bad option lengths on the connection and a SYN. */
	for (i = 0; i < 3; i++) {
		sc_reset();
		memset(&s, 0, sizeof(s));
		s.flags = F_ACK | F_PSH;
		s.win = 16384;
		s.opt = bad[i].o;
		s.optlen = bad[i].n;
		s.data = text;
		s.dlen = 10;
		rec(ctl(T_CONN, ADV_1MS, true, 0), b, seg_build(b, &s));
		s.flags = F_SYN;
		s.dlen = 0;
		rec(ctl(T_LISTENER, ADV_1MS, false, 0), b, seg_build(b, &s));
		conn_ack_all(ADV_1MS);
		sc_put(bad[i].name);
	}

	/* Class 8: data offset beyond the segment, below 5; a stub. */
	sc_reset();
	memset(&s, 0, sizeof(s));
	s.flags = F_ACK;
	s.doff = 15;
	s.data = text;
	s.dlen = 8;
	rec(ctl(T_CONN, ADV_1MS, true, 0), b, seg_build(b, &s));
	s.doff = 3;
	rec(ctl(T_CONN, ADV_1MS, true, 0), b, seg_build(b, &s));
	s.doff = 0;
	(void)seg_build(b, &s);
	rec(ctl(T_CONN, ADV_1MS, true, 0), b, 13);
	conn_ack_all(ADV_1MS);
	sc_put("class8-offsets-and-stubs");

	/* Class 15: bogus SACK edges on duplicate ACKs; truncated TS. */
	sc_reset();
	for (i = 0; i < 4; i++) {
		size_t n;

		memset(&s, 0, sizeof(s));
		n = o_nop(o, 2);
		o[n++] = 5;
		o[n++] = 2 + 8 * 2;
		erg_put_be32(o + n, 0x80000000u + i);
		erg_put_be32(o + n + 4, 0x7fffffffu);
		erg_put_be32(o + n + 8, i);
		erg_put_be32(o + n + 12, 0xffffffffu - i);
		s.opt = o;
		s.optlen = n + 16;
		s.flags = F_ACK;
		s.win = 16384;
		s.ack = (uint32_t)-3000;
		rec(ctl(T_CONN, ADV_1MS, true, 0), b, seg_build(b, &s));
	}
	memset(&s, 0, sizeof(s));
	o[0] = 1;
	o[1] = 1;
	o[2] = 8;
	o[3] = 9;
	s.opt = o;
	s.optlen = 12;
	s.flags = F_ACK | F_PSH;
	s.data = text;
	s.dlen = 10;
	rec(ctl(T_CONN, ADV_1MS, true, 0), b, seg_build(b, &s));
	conn_ack_all(ADV_1MS);
	sc_put("class15-sack-bogus-and-ts-truncated");

	/* Class 17: a client with MSS 1 and SACK; B sends to it. */
	sc_reset();
	syn_to_listener(0, 0x04000000u, 1, true, true, 7);
	srec(T_LISTENER, ADV_1MS, true, 0, F_ACK, 0, 0, 512, true, NULL, 0);
	act(ADV_0, A_ACC_WRITE, 0, 255);
	for (i = 0; i < 3; i++)
		srec(T_LISTENER, ADV_1MS, true, 0, F_ACK, 0, -100, 512, true,
		    NULL, 0);
	srec(T_LISTENER, ADV_1MS, true, 0, F_ACK, 0, 0, 512, true, NULL, 0);
	sc_put("class17-mss-1-sack-ts");
	sc_reset();
	syn_to_listener(1, 0x05000000u, 8, true, false, -1);
	srec(T_LISTENER, ADV_1MS, true, 1, F_ACK, 0, 0, 512, false, NULL, 0);
	act(ADV_0, A_ACC_WRITE, 0, 255);
	for (i = 0; i < 3; i++)
		srec(T_LISTENER, ADV_1MS, true, 1, F_ACK, 0, -8, 512, false,
		    NULL, 0);
	sc_put("class17-mss-8-sack-no-ts");

	/* Class 18: out-of-order floods, right to left, overlapping. */
	sc_reset();
	for (i = 40; i > 0; i--)
		srec(T_CONN, ADV_0, true, 0, F_ACK, (int32_t)(2 * i), 0, 16384,
		    true, text + (i % 50), 1);
	srec(T_CONN, ADV_1MS, true, 0, F_ACK | F_PSH, 0, 0, 16384, true, text,
	    100);
	act(ADV_0, A_READ, 0, 0);
	sc_put("class18-ooo-flood-reversed");
	sc_reset();
	for (i = 0; i < 30; i++)
		srec(T_CONN, ADV_0, true, 0, F_ACK, (int32_t)(10 + 7 * (i % 6)),
		    0, 16384, true, text, 20 + i);
	srec(T_CONN, ADV_1MS, true, 0, F_ACK | F_FIN, 300, 0, 16384, true, NULL,
	    0);
	srec(T_CONN, ADV_1MS, true, 0, F_ACK | F_PSH, 0, 0, 16384, true, text,
	    100);
	sc_put("class18-ooo-overlaps-and-fin");

	/* Class 19: blind RST, SYN, data and ACKs (RFC 5961). */
	sc_reset();
	srec(T_CONN, ADV_1MS, true, 0, F_RST, 100, 0, 0, false, NULL, 0);
	srec(T_CONN, ADV_1MS, true, 0, F_RST, -1, 0, 0, false, NULL, 0);
	srec(T_CONN, ADV_1MS, true, 0, F_RST, 0, 0, 0, false, NULL, 0);
	act(ADV_0, A_WRITE, 1, 0);
	act(ADV_0, A_CONNECT, 0, 0);
	sc_put("class19-rst-in-window-then-exact");
	sc_reset();
	for (i = 0; i < 14; i++)
		srec(T_CONN, ADV_0, true, 0, F_RST, (int32_t)(1 + i), 0, 0,
		    false, NULL, 0);
	srec(T_CONN, ADV_1S, true, 0, F_RST, 5, 0, 0, false, NULL, 0);
	sc_put("class19-challenge-ack-limit");
	sc_reset();
	srec(T_CONN, ADV_1MS, true, 0, F_SYN, 0, 0, 1024, true, NULL, 0);
	srec(T_CONN, ADV_1MS, true, 0, F_SYN | F_ACK, 10, 0, 1024, true, NULL,
	    0);
	srec(T_CONN, ADV_1MS, true, 0, F_ACK | F_PSH, 0, 5000, 1024, true, text,
	    10);
	srec(T_CONN, ADV_1MS, true, 0, F_ACK | F_PSH, 30000, 0, 1024, true,
	    text, 10);
	srec(T_CONN, ADV_1MS, true, 0, F_ACK | F_PSH, -20, 0, 1024, true, text,
	    10);
	rec(ctl(T_CONN, ADV_1MS, false, 0), (const uint8_t[20]){ 0 }, 20);
	sc_put("class19-blind-syn-data-acks");
	sc_reset();
	for (i = 0; i < 4; i++)
		syn_to_listener(i, 0x06000000u + i, 1460, true, true, 7);
	for (i = 0; i < 40; i++) {
		rawrec(ADV_0, (uint16_t)(3000 + i), LPORT, F_SYN,
		    0x07000000u + i, 0, o,
		    o_syn(o, 1460, true, true, 7, 7000 + i));
	}
	srec(T_LISTENER, ADV_1MS, true, 3, F_ACK, 0, 0, 512, true, NULL, 0);
	srec(T_LISTENER, ADV_1MS, true, 2, F_ACK, 0, 7, 512, true, NULL, 0);
	sc_put("class19-syn-flood-and-cookie-ack");
	sc_reset();
	srec(T_CONN, ADV_1MS, true, 0, F_ACK | F_PSH, 0, 0, 16384, true, text,
	    10);
	sc.ts = 5; /* older than TS.Recent: PAWS */
	srec(T_CONN, ADV_1MS, true, 0, F_ACK | F_PSH, 10, 0, 16384, true, text,
	    10);
	sc_put("class19-paws-old-timestamp");

	/* Class 21: sequence numbers across 2^32, the largest windows. */
	sc_reset();
	syn_to_listener(0, 0xffffff00u, 1460, true, true, 14);
	srec(T_LISTENER, ADV_1MS, true, 0, F_ACK, 0, 0, 65535, true, NULL, 0);
	/* Each segment at what B acknowledged 40 ms later (delayed). */
	for (i = 0; i < 4; i++)
		srec(T_LISTENER, ADV_40MS, true, 0, F_ACK | F_PSH, 0, 0, 65535,
		    true, text, 100);
	act(ADV_0, A_ACC_WRITE, 0, 255);
	sc_put("class21-seq-wrap-wscale-14");
	sc_reset();
	syn_to_listener(1, 0x08000000u, 1460, true, true, 15);
	srec(T_LISTENER, ADV_1MS, true, 1, F_ACK, 0, 0, 65535, true, NULL, 0);
	act(ADV_0, A_ACC_WRITE, 1, 255);
	srec(T_LISTENER, ADV_1MS, true, 1, F_ACK, 0, 0, 0, true, NULL, 0);
	srec(T_LISTENER, ADV_1S, true, 1, F_ACK, 0, 0, 1, true, NULL, 0);
	sc_put("class21-wscale-15-window-1");
}

int
main(int argc, char **argv)
{
	outdir = argc > 1 ? argv[1] : "fuzz/corpus";
	if (mkdir(outdir, 0777) != 0 && errno != EEXIST) {
		perror(outdir);
		return 1;
	}
	gen_tcp();
	gen_conn_sequences();
	gen_conn_classes();
	printf("gen_seeds_tcp: %u files under %s\n", nfiles, outdir);
	return 0;
}
