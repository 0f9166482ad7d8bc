/*
 * fuzz/gen_seeds.c: writes the seed corpora fuzz/corpus/<target>/ from
 * the real Linux frames of tests/vectors/frames.h, plus hand-made seeds
 * for the bad-input classes of TESTING.md (named classN-...).
 *
 * Built and run by hand, not by make; its output is committed:
 *
 *	cc -std=c11 -Wall -Wextra -Iinclude -Itests/vectors \
 *	    fuzz/gen_seeds.c -o build/gen_seeds && build/gen_seeds fuzz/corpus
 *
 * It uses only erg's header-only helpers (byte order, constants) and its
 * own RFC 1071 checksum, so that the seeds do not depend on the code
 * they exercise. Existing files of the same names are overwritten;
 * crash-* and hang-* files that scripts/fuzz.sh adds are left alone.
 *
 * Hosts: A = 02:00:00:00:00:01 / 198.18.0.1 (Linux, the gateway),
 * B = 02:00:00:00:00:02 / 198.18.0.2 (erg, in fuzz_stack.c),
 * C = 02:00:00:00:00:09 / 198.18.0.9 (on-link, answers only in seeds).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "erg/erg.h"
#include "frames.h"

#define ADDR_A     ERG_IPV4(198, 18, 0, 1)
#define ADDR_B     ERG_IPV4(198, 18, 0, 2)
#define ADDR_C     ERG_IPV4(198, 18, 0, 9)
#define ADDR_BCAST ERG_IPV4(198, 18, 0, 255)
#define SEND_PORT  5000u /* fuzz_stack.c's sending socket */

/* fuzz_stack.c's record actions. */
#define ACT_SEND_FAR 0x01u
#define ACT_SEND_BIG 0x02u
#define ACT_PING_FAR 0x04u
#define ACT_SEND_GW  0x08u
#define ACT_PING_BIG 0x10u
#define ACT_LEND     0x80u

static const uint8_t mac_a[6] = { 2, 0, 0, 0, 0, 1 };
static const uint8_t mac_b[6] = { 2, 0, 0, 0, 0, 2 };
static const uint8_t mac_c[6] = { 2, 0, 0, 0, 0, 9 };
static const uint8_t mac_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t mac_zero[6];

static const char *outdir;
static unsigned nfiles;

/* ---- Output ----------------------------------------------------------- */

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

/* ---- Wire builders ---------------------------------------------------- */

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

static uint16_t
cksum(const uint8_t *p, size_t len, uint32_t init)
{
	return (uint16_t)~sum16(p, len, init);
}

static uint32_t
pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
	return (src >> 16) + (src & 0xffffu) + (dst >> 16) + (dst & 0xffffu) +
	    proto + len;
}

/* Recomputes the checksum of an IPv4 header in place. */
static void
ip_fix(uint8_t *h)
{
	size_t hl = (size_t)(h[0] & 15) * 4;

	h[10] = h[11] = 0;
	erg_put_be16(h + 10, cksum(h, hl, 0));
}

/*
 * An IPv4 datagram: header with opt (optlen a multiple of 4), payload.
 * fragw is the flags/offset word as on the wire. Returns its length.
 */
static size_t
ip_pkt(uint8_t *b, const uint8_t *opt, size_t optlen, uint16_t id,
    uint16_t fragw, uint8_t proto, uint32_t src, uint32_t dst,
    const void *payload, size_t plen)
{
	size_t hl = 20 + optlen;

	b[0] = (uint8_t)(0x40 | hl / 4);
	b[1] = 0;
	erg_put_be16(b + 2, (uint16_t)(hl + plen));
	erg_put_be16(b + 4, id);
	erg_put_be16(b + 6, fragw);
	b[8] = 64;
	b[9] = proto;
	erg_put_be32(b + 12, src);
	erg_put_be32(b + 16, dst);
	if (optlen > 0)
		memcpy(b + 20, opt, optlen);
	ip_fix(b);
	if (plen > 0)
		memcpy(b + hl, payload, plen);
	return hl + plen;
}

/* A UDP datagram with its checksum (a computed 0 sent as 0xffff). */
static size_t
udp_seg(uint8_t *b, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
    const void *payload, size_t plen)
{
	uint16_t ck;

	erg_put_be16(b, sport);
	erg_put_be16(b + 2, dport);
	erg_put_be16(b + 4, (uint16_t)(8 + plen));
	erg_put_be16(b + 6, 0);
	if (plen > 0)
		memcpy(b + 8, payload, plen);
	ck = cksum(b, 8 + plen, pseudo(src, dst, 17, (uint16_t)(8 + plen)));
	erg_put_be16(b + 6, ck == 0 ? 0xffff : ck);
	return 8 + plen;
}

static size_t
icmp_msg(uint8_t *b, uint8_t type, uint8_t code, uint32_t rest,
    const void *data, size_t dlen)
{
	b[0] = type;
	b[1] = code;
	b[2] = b[3] = 0;
	erg_put_be32(b + 4, rest);
	if (dlen > 0)
		memcpy(b + 8, data, dlen);
	erg_put_be16(b + 2, cksum(b, 8 + dlen, 0));
	return 8 + dlen;
}

static size_t
eth(uint8_t *b, const uint8_t dst[6], const uint8_t src[6], uint16_t type,
    const void *payload, size_t plen)
{
	memcpy(b, dst, 6);
	memcpy(b + 6, src, 6);
	erg_put_be16(b + 12, type);
	if (plen > 0)
		memcpy(b + 14, payload, plen);
	return 14 + plen;
}

static size_t
arp_pkt(uint8_t *b, uint16_t op, const uint8_t sha[6], uint32_t spa,
    const uint8_t tha[6], uint32_t tpa)
{
	erg_put_be16(b, 1);
	erg_put_be16(b + 2, 0x0800);
	b[4] = 6;
	b[5] = 4;
	erg_put_be16(b + 6, op);
	memcpy(b + 8, sha, 6);
	erg_put_be32(b + 14, spa);
	memcpy(b + 18, tha, 6);
	erg_put_be32(b + 24, tpa);
	return 28;
}

/* The IPv4 part of a real frame, and its L4 part. */
static struct erg_view
l3_of(const uint8_t *f, size_t len)
{
	return erg_view_make(f + 14, len - 14);
}

static struct erg_view
l4_of(const uint8_t *f, size_t len)
{
	size_t hl = (size_t)(f[14] & 15) * 4;
	size_t tl = erg_be16(f + 16);

	(void)len;
	return erg_view_make(f + 14 + hl, tl - hl);
}

/* ---- Scripts for fuzz_stack ------------------------------------------- */

struct script {
	uint8_t b[1u << 17];
	size_t len;
};

static struct script sc;

static void
sc_reset(void)
{
	sc.len = 0;
}

/* One record: len, dt_ms, act, frame (see fuzz_stack.c). */
static void
rec(uint16_t dt_ms, uint8_t act, const void *frame, size_t flen)
{
	if (sc.len + 5 + flen > sizeof(sc.b)) {
		fprintf(stderr, "script too long\n");
		exit(1);
	}
	erg_put_be16(sc.b + sc.len, (uint16_t)flen);
	erg_put_be16(sc.b + sc.len + 2, dt_ms);
	sc.b[sc.len + 4] = act;
	if (flen > 0)
		memcpy(sc.b + sc.len + 5, frame, flen);
	sc.len += 5 + flen;
}

static void
sc_put(const char *name)
{
	put("stack", name, sc.b, sc.len);
}

/* Scratch buffers for building frames. */
static uint8_t t1[70000], t2[70000], t3[70000];

/* A frame from A to B (erg) carrying the IPv4 datagram ip. */
static size_t
to_b(uint8_t *f, const void *ip, size_t iplen)
{
	return eth(f, mac_b, mac_a, ERG_ETHERTYPE_IPV4, ip, iplen);
}

/* ARP reply "ip is at mac" from mac to B. */
static size_t
arp_reply_to_b(uint8_t *f, const uint8_t mac[6], uint32_t ip)
{
	uint8_t a[28];

	arp_pkt(a, ERG_ARP_OP_REPLY, mac, ip, mac_b, ADDR_B);
	return eth(f, mac_b, mac, ERG_ETHERTYPE_ARP, a, sizeof(a));
}

/* ---- Ethernet --------------------------------------------------------- */

struct real {
	const char *name;
	const uint8_t *p;
	size_t len;
};

#define REAL(n)                                  \
	{                                        \
#n, frame_##n, sizeof(frame_##n) \
	}

static const struct real reals[] = {
	REAL(arp_gratuitous),
	REAL(arp_request),
	REAL(arp_reply),
	REAL(icmp_echo_request),
	REAL(icmp_echo_reply),
	REAL(icmp_frag_first),
	REAL(icmp_frag_second),
	REAL(icmp_frag_last),
	REAL(udp_small),
	REAL(icmp_port_unreach),
	REAL(udp_frag_first),
	REAL(udp_frag_last),
};

#define NREALS (sizeof(reals) / sizeof(reals[0]))

static void
gen_ether(void)
{
	char name[128];
	uint8_t f[128];
	size_t i;

	for (i = 0; i < NREALS; i++) {
		snprintf(name, sizeof(name), "real-%s", reals[i].name);
		put("ether", name, reals[i].p, reals[i].len);
	}
	/* Class 14: runts, and 802.3 length fields where a type belongs. */
	put("ether", "class14-runt-0", f, 0);
	put("ether", "class14-runt-1", frame_arp_request, 1);
	put("ether", "class14-runt-13", frame_arp_request, 13);
	put("ether", "class14-header-only", frame_arp_request, 14);
	memcpy(f, frame_arp_request, 14);
	erg_put_be16(f + 12, 0x0026); /* 802.3 length of an LLC frame */
	memset(f + 14, 0x42, 38);
	put("ether", "class14-8023-length-0x0026", f, 52);
	erg_put_be16(f + 12, 0x05ff); /* last length value */
	put("ether", "class14-type-0x05ff", f, 14);
	erg_put_be16(f + 12, 0x0600); /* first type value */
	put("ether", "class14-type-0x0600", f, 14);
	/* ARP padded to the 60-byte minimum, as a real NIC delivers it. */
	memset(f, 0, 60);
	memcpy(f, frame_arp_request, sizeof(frame_arp_request));
	put("ether", "arp-request-padded-60", f, 60);
}

/* ---- ARP -------------------------------------------------------------- */

static void
gen_arp(void)
{
	uint8_t a[64];

	put("arp", "real-arp-request", frame_arp_request + 14, 28);
	put("arp", "real-arp-reply", frame_arp_reply + 14, 28);
	put("arp", "real-arp-gratuitous", frame_arp_gratuitous + 14, 28);
	memset(a, 0, sizeof(a));
	memcpy(a, frame_arp_request + 14, 28);
	put("arp", "arp-request-padded-46", a, 46);

	/* Class 14: lengths and formats other than IPv4 over Ethernet. */
	put("arp", "class14-arp-empty", a, 0);
	put("arp", "class14-arp-truncated-8", frame_arp_request + 14, 8);
	put("arp", "class14-arp-truncated-27", frame_arp_request + 14, 27);
	memcpy(a, frame_arp_request + 14, 28);
	a[4] = 5;
	put("arp", "class14-arp-hlen-5", a, 28);
	a[4] = 0;
	put("arp", "class14-arp-hlen-0", a, 28);
	a[4] = 255;
	put("arp", "class14-arp-hlen-255", a, 28);
	a[4] = 6;
	a[5] = 16; /* IPv6-sized protocol addresses */
	put("arp", "class14-arp-plen-16", a, 28);
	a[5] = 0;
	put("arp", "class14-arp-plen-0", a, 28);
	a[5] = 4;
	erg_put_be16(a, 6); /* IEEE 802 hardware */
	put("arp", "class14-arp-htype-6", a, 28);
	erg_put_be16(a, 1);
	erg_put_be16(a + 2, 0x86dd);
	put("arp", "class14-arp-ptype-86dd", a, 28);
	erg_put_be16(a + 2, 0x0800);
	erg_put_be16(a + 6, 0);
	put("arp", "arp-op-0", a, 28);
	erg_put_be16(a + 6, 3); /* RARP request, RFC 903 */
	put("arp", "arp-op-3-rarp", a, 28);
	erg_put_be16(a + 6, 0xffff);
	put("arp", "arp-op-ffff", a, 28);
}

/* ---- IPv4 ------------------------------------------------------------- */

/* An echo request from A to B with options opt, into b. */
static size_t
ping_with_opts(uint8_t *b, const uint8_t *opt, size_t optlen)
{
	uint8_t m[64];
	size_t n = icmp_msg(m, 8, 0, 0x12340001u, "erg options", 11);

	return ip_pkt(b, opt, optlen, 0x0101, 0x4000, 1, ADDR_A, ADDR_B, m, n);
}

static void
put_ipv4_opts(const char *name, const uint8_t *opt, size_t optlen)
{
	uint8_t b[128];
	size_t n = ping_with_opts(b, opt, optlen);

	put("ipv4", name, b, n);
}

static void
gen_ipv4_options(void)
{
	static const uint8_t lsrr_bad_len[] = { 131, 5, 4, 1, 2, 0, 0, 0 };
	static const uint8_t lsrr_len_2[] = { 131, 2, 1, 1 };
	static const uint8_t lsrr_ptr_0[] = { 131, 7, 0, 198, 18, 0, 1, 0 };
	static const uint8_t lsrr_past[] = { 131, 39, 4, 198, 18, 0, 1, 0 };
	static const uint8_t lsrr_ok[] = { 131, 7, 4, 198, 18, 0, 1, 0 };
	static const uint8_t ssrr_ok[] = { 137, 7, 4, 198, 18, 0, 1, 0 };
	static const uint8_t ssrr_bad[] = { 137, 4, 4, 0 };
	static const uint8_t rr_len_1[] = { 7, 1, 4, 0 };
	static const uint8_t rr_len_0[] = { 7, 0, 4, 0 };
	static const uint8_t rr_ptr_3[] = { 7, 7, 3, 0, 0, 0, 0, 0 };
	static const uint8_t rr_ok[] = { 7, 7, 4, 0, 0, 0, 0, 0 };
	static const uint8_t ts_len_3[] = { 68, 3, 5, 0 };
	static const uint8_t ts_ptr_4[] = { 68, 8, 4, 0, 0, 0, 0, 0 };
	static const uint8_t ts_ok[] = { 68, 12, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t ra_len_0[] = { 148, 0, 0, 0 };
	static const uint8_t ra_ok[] = { 148, 4, 0, 0 };
	static const uint8_t last_no_len[] = { 1, 1, 1, 148 };
	static const uint8_t nop_eol_junk[] = { 1, 0, 0xff, 0 };
	uint8_t rr_full[40];

	put_ipv4_opts("class20-lsrr-bad-len", lsrr_bad_len,
	    sizeof(lsrr_bad_len));
	put_ipv4_opts("class20-lsrr-len-2", lsrr_len_2, sizeof(lsrr_len_2));
	put_ipv4_opts("class20-lsrr-ptr-0", lsrr_ptr_0, sizeof(lsrr_ptr_0));
	put_ipv4_opts("class20-lsrr-len-past-header", lsrr_past,
	    sizeof(lsrr_past));
	put_ipv4_opts("class20-lsrr-valid-refused", lsrr_ok, sizeof(lsrr_ok));
	put_ipv4_opts("class20-ssrr-valid-refused", ssrr_ok, sizeof(ssrr_ok));
	put_ipv4_opts("class20-ssrr-bad-len", ssrr_bad, sizeof(ssrr_bad));
	put_ipv4_opts("class20-rr-len-1", rr_len_1, sizeof(rr_len_1));
	put_ipv4_opts("class20-rr-len-0", rr_len_0, sizeof(rr_len_0));
	put_ipv4_opts("class20-rr-ptr-3", rr_ptr_3, sizeof(rr_ptr_3));
	put_ipv4_opts("class20-rr-valid", rr_ok, sizeof(rr_ok));
	memset(rr_full, 0, sizeof(rr_full));
	rr_full[0] = 7;
	rr_full[1] = 39; /* 3 + 9 addresses: the whole 40 bytes */
	rr_full[2] = 40; /* pointer past the end: route full */
	put_ipv4_opts("class20-rr-full-40-bytes", rr_full, sizeof(rr_full));
	put_ipv4_opts("class20-ts-len-3", ts_len_3, sizeof(ts_len_3));
	put_ipv4_opts("class20-ts-ptr-4", ts_ptr_4, sizeof(ts_ptr_4));
	put_ipv4_opts("class20-ts-valid", ts_ok, sizeof(ts_ok));
	put_ipv4_opts("class20-router-alert-len-0", ra_len_0, sizeof(ra_len_0));
	put_ipv4_opts("class20-router-alert-valid", ra_ok, sizeof(ra_ok));
	put_ipv4_opts("class20-last-byte-without-length", last_no_len,
	    sizeof(last_no_len));
	put_ipv4_opts("class20-eol-then-junk", nop_eol_junk,
	    sizeof(nop_eol_junk));
}

static void
gen_ipv4(void)
{
	static const uint8_t nops[40] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
		1, 1, 1, 1, 1, 1 };
	char name[128];
	uint8_t b[256];
	struct erg_view v;
	size_t i, n;

	for (i = 0; i < NREALS; i++) {
		if (erg_be16(reals[i].p + 12) != ERG_ETHERTYPE_IPV4)
			continue;
		v = l3_of(reals[i].p, reals[i].len);
		snprintf(name, sizeof(name), "real-%s", reals[i].name);
		put("ipv4", name, v.p, v.len);
	}
	v = l3_of(frame_icmp_echo_request, sizeof(frame_icmp_echo_request));
	memset(b, 0, sizeof(b));
	memcpy(b, v.p, v.len);
	put("ipv4", "echo-request-link-padding", b, v.len + 10);
	memcpy(b, v.p, v.len);
	b[6] |= 0x80; /* the reserved ("evil") bit: ignored */
	ip_fix(b);
	put("ipv4", "echo-request-reserved-bit", b, v.len);
	memcpy(b, v.p, v.len);
	b[11] ^= 0x01;
	put("ipv4", "echo-request-bad-checksum", b, v.len);

	/* Class 8: lengths larger than the buffer. */
	memcpy(b, v.p, v.len);
	erg_put_be16(b + 2, 1500);
	ip_fix(b);
	put("ipv4", "class8-total-len-beyond-buffer", b, v.len);
	n = ping_with_opts(b, nops, 20);
	b[0] = 0x4f; /* IHL 60, 40 bytes present */
	ip_fix(b);
	put("ipv4", "class8-ihl-beyond-buffer", b, 40);

	/* Class 9: offset + length beyond 65,535. */
	memset(t1, 0x99, 64);
	n = ip_pkt(b, NULL, 0, 0x0909, 0x1fff, 17, ADDR_A, ADDR_B, t1, 16);
	put("ipv4", "class9-frag-offset-max-plus-16", b, n);
	n = ip_pkt(b, NULL, 0, 0x0909, 0x3fff, 17, ADDR_A, ADDR_B, t1, 8);
	put("ipv4", "class9-frag-offset-max-mf", b, n);
	/* Offset 65,512 + 4 bytes + a 20-byte header: one past 65,535. */
	n = ip_pkt(b, NULL, 0, 0x0909, 8189, 17, ADDR_A, ADDR_B, t1, 4);
	put("ipv4", "class9-frag-end-65536", b, n);

	/* Class 10: checksums over lengths the sender chose. */
	n = ping_with_opts(b, nops, 40);
	put("ipv4", "class10-ihl-15-all-nops", b, n);
	memcpy(b, v.p, 20);
	b[0] = 0x4f;
	ip_fix(b); /* over 60 bytes: reads past the 20 present */
	put("ipv4", "class10-ihl-15-with-20-bytes", b, 20);
	memcpy(b, v.p, v.len);
	erg_put_be16(b + 2, 0xffff);
	ip_fix(b);
	put("ipv4", "class10-total-len-ffff", b, v.len);

	/* Class 20: options. */
	gen_ipv4_options();

	/* Class 21: lengths that underflow or overflow. */
	memcpy(b, v.p, v.len);
	erg_put_be16(b + 2, 19);
	ip_fix(b);
	put("ipv4", "class21-total-len-19", b, v.len);
	erg_put_be16(b + 2, 0);
	ip_fix(b);
	put("ipv4", "class21-total-len-0", b, v.len);
	memcpy(b, v.p, v.len);
	b[0] = 0x40;
	ip_fix(b);
	put("ipv4", "class21-ihl-0", b, v.len);
	b[0] = 0x44;
	ip_fix(b);
	put("ipv4", "class21-ihl-4", b, v.len);
	b[0] = 0x65;
	ip_fix(b);
	put("ipv4", "class21-version-6", b, v.len);
	put("ipv4", "class21-truncated-19", v.p, 19);
	put("ipv4", "class21-empty", v.p, 0);
	n = ping_with_opts(b, NULL, 0);
	erg_put_be16(b + 2, 20); /* header only, no payload */
	ip_fix(b);
	put("ipv4", "class21-total-len-20-header-only", b, n);
}

/* ---- ICMP ------------------------------------------------------------- */

/*
 * What fuzz_stack's sender socket sends: 198.18.0.2:5000 -> 198.18.0.9:9,
 * 16 bytes. q gets the IP header and all of it; returns the length.
 */
static size_t
our_dgram(uint8_t *q)
{
	uint8_t u[64];
	size_t n =
	    udp_seg(u, ADDR_B, ADDR_C, SEND_PORT, 9, "0123456789abcdef", 16);

	return ip_pkt(q, NULL, 0, 0x1234, 0, 17, ADDR_B, ADDR_C, u, n);
}

/* An ICMP error quoting the first qlen bytes of q (already adjusted). */
static size_t
icmp_err(uint8_t *b, uint8_t type, uint8_t code, uint32_t rest,
    const uint8_t *q, size_t qlen)
{
	return icmp_msg(b, type, code, rest, q, qlen);
}

static void
gen_icmp(void)
{
	static const unsigned mtus[] = { 0, 67, 68, 551, 552, 1400, 1499, 1500,
		65535 };
	char name[128];
	uint8_t b[128], q[128];
	struct erg_view v;
	size_t i, n, qn;

	v = l4_of(frame_icmp_echo_request, sizeof(frame_icmp_echo_request));
	put("icmp", "real-icmp-echo-request", v.p, v.len);
	v = l4_of(frame_icmp_echo_reply, sizeof(frame_icmp_echo_reply));
	put("icmp", "real-icmp-echo-reply", v.p, v.len);
	v = l4_of(frame_icmp_port_unreach, sizeof(frame_icmp_port_unreach));
	put("icmp", "real-icmp-port-unreach", v.p, v.len);
	/* The 4008-byte echo request, reassembled from its 3 fragments. */
	v = l4_of(frame_icmp_frag_first, sizeof(frame_icmp_frag_first));
	memcpy(t1, v.p, v.len);
	n = v.len;
	v = l4_of(frame_icmp_frag_second, sizeof(frame_icmp_frag_second));
	memcpy(t1 + n, v.p, v.len);
	n += v.len;
	v = l4_of(frame_icmp_frag_last, sizeof(frame_icmp_frag_last));
	memcpy(t1 + n, v.p, v.len);
	n += v.len;
	put("icmp", "real-icmp-echo-4000-reassembled", t1, n);

	n = icmp_msg(b, 8, 0, 0x00010001u, "odd length checksum", 19);
	put("icmp", "echo-request-odd-length", b, n);
	b[2] ^= 0x80;
	put("icmp", "class10-bad-checksum", b, n);
	put("icmp", "class10-truncated-7", b, 7);
	put("icmp", "class10-empty", b, 0);
	memset(b, 0, 8);
	put("icmp", "all-zero-8-bytes", b, 8);
	/* Type 255 code 255: the covered sum is 0xffff; both zeros verify. */
	memset(b, 0, 8);
	b[0] = b[1] = 0xff;
	put("icmp", "cksum-zero-as-0000", b, 8);
	b[2] = b[3] = 0xff;
	put("icmp", "cksum-zero-as-ffff", b, 8);
	n = icmp_msg(b, 200, 0, 0, NULL, 0);
	put("icmp", "unknown-type-200", b, n);
	qn = our_dgram(q);
	n = icmp_err(b, 5, 1, ADDR_A, q, 28);
	put("icmp", "redirect-host", b, n);
	n = icmp_err(b, 4, 0, 0, q, 28);
	put("icmp", "source-quench", b, n);
	n = icmp_err(b, 11, 1, 0, q, 28);
	put("icmp", "time-exceeded-reassembly", b, n);
	n = icmp_err(b, 12, 0, 0x0c000000u, q, 28);
	put("icmp", "param-problem-pointer-12", b, n);
	n = icmp_err(b, 3, 3, 0, q, qn);
	put("icmp", "port-unreach-for-our-dgram", b, n);

	/* Class 11: errors quoting a truncated or malformed header. */
	n = icmp_err(b, 3, 3, 0, q, 12);
	put("icmp", "class11-quote-12-bytes", b, n);
	n = icmp_err(b, 3, 3, 0, q, 20);
	put("icmp", "class11-quote-header-only", b, n);
	n = icmp_err(b, 3, 3, 0, q, 24);
	put("icmp", "class11-quote-4-bytes-of-l4", b, n);
	q[0] = 0x4f; /* IHL 60, only 20 + 8 quoted */
	n = icmp_err(b, 3, 3, 0, q, 28);
	put("icmp", "class11-quote-ihl-beyond-quote", b, n);
	q[0] = 0x42;
	n = icmp_err(b, 3, 3, 0, q, 28);
	put("icmp", "class11-quote-ihl-2", b, n);
	q[0] = 0x65;
	n = icmp_err(b, 3, 3, 0, q, 28);
	put("icmp", "class11-quote-version-6", b, n);
	q[0] = 0x45;

	/* Class 12: fragmentation needed with absurd next-hop MTUs. */
	for (i = 0; i < sizeof(mtus) / sizeof(mtus[0]); i++) {
		n = icmp_err(b, 3, 4, mtus[i], q, 28);
		snprintf(name, sizeof(name), "class12-frag-needed-mtu-%u",
		    mtus[i]);
		put("icmp", name, b, n);
	}
}

/* ---- UDP -------------------------------------------------------------- */

static void
gen_udp(void)
{
	uint8_t b[64];
	struct erg_view v;
	size_t n;
	unsigned x;

	v = l4_of(frame_udp_small, sizeof(frame_udp_small));
	put("udp", "real-udp-small", v.p, v.len);
	/* The 2908-byte datagram, reassembled from its 2 fragments. */
	v = l4_of(frame_udp_frag_first, sizeof(frame_udp_frag_first));
	memcpy(t1, v.p, v.len);
	n = v.len;
	v = l4_of(frame_udp_frag_last, sizeof(frame_udp_frag_last));
	memcpy(t1 + n, v.p, v.len);
	n += v.len;
	put("udp", "real-udp-2900-reassembled", t1, n);

	n = udp_seg(b, ADDR_A, ADDR_B, 40000, 7, "odd-len", 7);
	put("udp", "odd-payload", b, n);
	b[6] = b[7] = 0;
	put("udp", "checksum-none", b, n);
	n = udp_seg(b, ADDR_A, ADDR_B, 40000, 7, "odd-len", 7);
	b[7] ^= 0x10;
	put("udp", "bad-checksum", b, n);
	/* A datagram whose checksum computes to 0: sent as 0xffff. */
	for (x = 0; x < 0x10000; x++) {
		uint8_t pl[2] = { (uint8_t)(x >> 8), (uint8_t)x };

		n = udp_seg(b, ADDR_A, ADDR_B, 40000, 7, pl, 2);
		if (erg_be16(b + 6) == 0xffff)
			break;
	}
	put("udp", "checksum-computes-to-zero", b, n);
	n = udp_seg(b, ADDR_A, ADDR_B, 40000, 7, NULL, 0);
	put("udp", "empty-payload", b, n);
	put("udp", "truncated-7", b, 7);
	put("udp", "empty", b, 0);

	/* Class 8: the length field beyond the buffer. */
	n = udp_seg(b, ADDR_A, ADDR_B, 40000, 7, "hello\n", 6);
	erg_put_be16(b + 4, 100);
	put("udp", "class8-len-beyond-buffer", b, n);

	/* Class 10: the checksum covers the length field's bytes. */
	n = udp_seg(b, ADDR_A, ADDR_B, 40000, 7, "he", 2);
	memcpy(b + n, "llo\n", 4); /* 4 bytes of IP payload past it */
	put("udp", "class10-len-short-cksum-over-len", b, n + 4);
	erg_put_be16(b + 4, 10);
	b[6] = b[7] = 0;
	erg_put_be16(b + 6, cksum(b, 14, pseudo(ADDR_A, ADDR_B, 17, 10)));
	put("udp", "class10-len-short-cksum-over-buffer", b, 14);

	/* Class 21: lengths below the header and at the maximum. */
	n = udp_seg(b, ADDR_A, ADDR_B, 40000, 7, "hello\n", 6);
	erg_put_be16(b + 4, 0);
	put("udp", "class21-len-0", b, n);
	erg_put_be16(b + 4, 7);
	put("udp", "class21-len-7", b, n);
	erg_put_be16(b + 4, 0xffff);
	put("udp", "class21-len-ffff", b, n);
}

/* ---- Stack scripts ---------------------------------------------------- */

/* An echo request A -> dst, as a frame to dst_mac. */
static size_t
ping_frame(uint8_t *f, const uint8_t dst_mac[6], uint32_t dst, uint16_t seq,
    size_t dlen)
{
	uint8_t ip[1600];
	size_t n, i;

	for (i = 0; i < dlen; i++)
		t2[i] = (uint8_t)i;
	n = icmp_msg(t3, 8, 0, 0x77770000u | seq, t2, dlen);
	n = ip_pkt(ip, NULL, 0, (uint16_t)(0x5000 + seq), 0x4000, 1, ADDR_A,
	    dst, t3, n);
	return eth(f, dst_mac, mac_a, ERG_ETHERTYPE_IPV4, ip, n);
}

/* A UDP datagram A:40000 -> dst:port, as a frame to dst_mac. */
static size_t
udp_frame(uint8_t *f, const uint8_t dst_mac[6], uint32_t dst, uint16_t port,
    const void *pl, size_t plen)
{
	uint8_t ip[1600];
	size_t n;

	n = udp_seg(t3, ADDR_A, dst, 40000, port, pl, plen);
	n = ip_pkt(ip, NULL, 0, 0x6000, 0, 17, ADDR_A, dst, t3, n);
	return eth(f, dst_mac, mac_a, ERG_ETHERTYPE_IPV4, ip, n);
}

/* A fragment A -> B of payload bytes [off, off + len) of l4, id id. */
static size_t
frag_frame(uint8_t *f, uint16_t id, uint8_t proto, const uint8_t *l4,
    size_t off, size_t len, int mf)
{
	uint8_t ip[1600];
	size_t n;

	n = ip_pkt(ip, NULL, 0, id, (uint16_t)((mf ? 0x2000 : 0) | off / 8),
	    proto, ADDR_A, ADDR_B, l4 + off, len);
	return to_b(f, ip, n);
}

/* An ICMP error from reporter (at mac) to B quoting q[0..qlen). */
static size_t
icmp_err_frame(uint8_t *f, const uint8_t mac[6], uint32_t reporter,
    uint8_t type, uint8_t code, uint32_t rest, const uint8_t *q, size_t qlen)
{
	uint8_t m[700], ip[800];
	size_t n;

	n = icmp_msg(m, type, code, rest, q, qlen);
	n = ip_pkt(ip, NULL, 0, 0x7000, 0, 1, reporter, ADDR_B, m, n);
	return eth(f, mac_b, mac, ERG_ETHERTYPE_IPV4, ip, n);
}

static void
seq_real(const uint8_t act)
{
	size_t i;

	/* The whole capture, in its order, each frame one record. */
	sc_reset();
	for (i = 0; i < NREALS; i++)
		rec(10, act, reals[i].p, reals[i].len);
}

/* The sender socket's datagram is out, C answered ARP, then f arrives. */
static void
seq_after_send_far(const uint8_t *f, size_t n)
{
	uint8_t a[64];

	sc_reset();
	rec(0, ACT_SEND_FAR, NULL, 0);
	rec(5, 0, a, arp_reply_to_b(a, mac_c, ADDR_C));
	rec(5, 0, f, n);
}

static void
gen_stack_basic(void)
{
	uint8_t f[1600], a[64];
	size_t n;
	int i;

	sc_reset();
	rec(0, 0, frame_arp_request, sizeof(frame_arp_request));
	rec(0, 0, frame_icmp_echo_request, sizeof(frame_icmp_echo_request));
	sc_put("seq-arp-request-then-ping");

	sc_reset();
	rec(0, 0, frame_icmp_echo_request, sizeof(frame_icmp_echo_request));
	rec(20, 0, a, arp_reply_to_b(a, mac_a, ADDR_A));
	sc_put("seq-ping-then-arp-reply");

	sc_reset();
	rec(0, 0, frame_arp_request, sizeof(frame_arp_request));
	rec(1, 0, frame_icmp_frag_first, sizeof(frame_icmp_frag_first));
	rec(1, 0, frame_icmp_frag_second, sizeof(frame_icmp_frag_second));
	rec(1, 0, frame_icmp_frag_last, sizeof(frame_icmp_frag_last));
	sc_put("seq-frag-ping-3-fragments");

	sc_reset();
	rec(0, ACT_LEND, frame_arp_request, sizeof(frame_arp_request));
	rec(1, ACT_LEND, frame_icmp_frag_first, sizeof(frame_icmp_frag_first));
	rec(1, ACT_LEND, frame_icmp_frag_second,
	    sizeof(frame_icmp_frag_second));
	rec(1, ACT_LEND, frame_icmp_frag_last, sizeof(frame_icmp_frag_last));
	sc_put("seq-frag-ping-3-fragments-lent");

	sc_reset();
	rec(0, 0, frame_arp_request, sizeof(frame_arp_request));
	rec(1, 0, frame_icmp_frag_last, sizeof(frame_icmp_frag_last));
	rec(1, 0, frame_icmp_frag_first, sizeof(frame_icmp_frag_first));
	rec(1, 0, frame_icmp_frag_first, sizeof(frame_icmp_frag_first));
	rec(1, 0, frame_icmp_frag_second, sizeof(frame_icmp_frag_second));
	sc_put("seq-frag-ping-reordered-duplicate");

	sc_reset();
	rec(0, 0, frame_arp_request, sizeof(frame_arp_request));
	rec(0, 0, frame_udp_small, sizeof(frame_udp_small));
	sc_put("seq-udp-echo-port-7");

	sc_reset();
	rec(0, ACT_LEND, frame_arp_request, sizeof(frame_arp_request));
	rec(0, ACT_LEND, frame_udp_small, sizeof(frame_udp_small));
	sc_put("seq-udp-echo-port-7-lent");

	sc_reset();
	rec(0, 0, frame_arp_request, sizeof(frame_arp_request));
	rec(0, 0, f, udp_frame(f, mac_b, ADDR_B, 9, "hello\n", 6));
	sc_put("seq-udp-closed-port-9");

	sc_reset();
	rec(0, 0, frame_arp_request, sizeof(frame_arp_request));
	rec(1, 0, frame_udp_frag_first, sizeof(frame_udp_frag_first));
	rec(1, 0, frame_udp_frag_last, sizeof(frame_udp_frag_last));
	sc_put("seq-udp-frag-closed-port-9000");

	/* 2000 bytes to the echo port, in 2 fragments: echoed in 2. */
	for (i = 0; i < 2000; i++)
		t1[i] = (uint8_t)(i * 13);
	n = udp_seg(t2, ADDR_A, ADDR_B, 40000, 7, t1, 2000);
	memcpy(t1, t2, n);
	sc_reset();
	rec(0, 0, frame_arp_request, sizeof(frame_arp_request));
	rec(1, 0, f, frag_frame(f, 0x2222, 17, t1, 0, 1480, 1));
	rec(1, 0, f, frag_frame(f, 0x2222, 17, t1, 1480, n - 1480, 0));
	sc_put("seq-udp-frag-echo-port-7");

	seq_real(0);
	sc_put("seq-real-capture");
	seq_real(ACT_LEND);
	sc_put("seq-real-capture-lent");

	sc_reset();
	rec(0, 0, frame_arp_gratuitous, sizeof(frame_arp_gratuitous));
	rec(0, 0, frame_arp_request, sizeof(frame_arp_request));
	rec(0, 0, frame_icmp_echo_request, sizeof(frame_icmp_echo_request));
	sc_put("seq-gratuitous-arp-then-ping");

	/* Someone else claims 198.18.0.2 (RFC 5227 2.4). */
	sc_reset();
	arp_pkt(a, ERG_ARP_OP_REQUEST, mac_c, ADDR_B, mac_zero, ADDR_B);
	rec(0, 0, f, eth(f, mac_bcast, mac_c, ERG_ETHERTYPE_ARP, a, 28));
	sc_put("seq-arp-conflict");

	/* Ping, then again late in the ARP entry's life: unicast refresh. */
	sc_reset();
	rec(0, 0, frame_arp_request, sizeof(frame_arp_request));
	rec(0, 0, frame_icmp_echo_request, sizeof(frame_icmp_echo_request));
	rec(65000, 0, NULL, 0);
	rec(30000, 0, frame_icmp_echo_request, sizeof(frame_icmp_echo_request));
	rec(65000, 0, frame_icmp_echo_request, sizeof(frame_icmp_echo_request));
	sc_put("seq-arp-refresh-and-expiry");

	/* Pings to broadcast addresses are ignored (RFC 1122 3.2.2.6). */
	sc_reset();
	rec(0, 0, f, ping_frame(f, mac_bcast, ADDR_BCAST, 1, 8));
	rec(0, 0, f, ping_frame(f, mac_bcast, ERG_IPV4_BROADCAST, 2, 8));
	sc_put("seq-ping-broadcast");

	/* UDP to the limited broadcast, port 7: echoed back unicast. */
	sc_reset();
	rec(0, 0, frame_arp_request, sizeof(frame_arp_request));
	rec(0, 0, f, udp_frame(f, mac_bcast, ERG_IPV4_BROADCAST, 7, "b", 1));
	rec(0, 0, f, udp_frame(f, mac_bcast, ERG_IPV4_BROADCAST, 9, "b", 1));
	sc_put("seq-udp-broadcast");

	/* A datagram for the sending socket's port. */
	sc_reset();
	rec(0, 0, f, udp_frame(f, mac_b, ADDR_B, SEND_PORT, "to-5000", 7));
	sc_put("seq-udp-to-sender-port");
}

static void
gen_stack_arp(void)
{
	uint8_t f[1600], a[64], q[128], e[64];
	size_t qn;
	int i;

	sc_reset();
	rec(0, ACT_SEND_FAR | ACT_PING_FAR, NULL, 0);
	rec(5, 0, a, arp_reply_to_b(a, mac_c, ADDR_C));
	sc_put("seq-arp-reply-for-198.18.0.9");

	sc_reset();
	rec(0, ACT_SEND_FAR, NULL, 0);
	for (i = 0; i < 5; i++)
		rec(1000, 0, NULL, 0);
	sc_put("seq-arp-timeout-198.18.0.9");

	sc_reset();
	for (i = 0; i < 6; i++)
		rec(0, ACT_SEND_FAR, NULL, 0);
	rec(5, 0, a, arp_reply_to_b(a, mac_c, ADDR_C));
	sc_put("seq-arp-queue-full");

	sc_reset();
	rec(0, ACT_SEND_GW, NULL, 0);
	rec(5, 0, a, arp_reply_to_b(a, mac_a, ADDR_A));
	sc_put("seq-send-via-gateway");

	sc_reset();
	rec(0, ACT_SEND_BIG, NULL, 0);
	rec(5, 0, a, arp_reply_to_b(a, mac_a, ADDR_A));
	sc_put("seq-send-big-fragmented");

	sc_reset();
	rec(0, ACT_PING_BIG, NULL, 0);
	rec(5, 0, a, arp_reply_to_b(a, mac_a, ADDR_A));
	{
		uint8_t m[128], ip[160];
		size_t n;

		n = icmp_msg(m, 0, 0, 0x45680000u, "pong", 4);
		n = ip_pkt(ip, NULL, 0, 0x3333, 0, 1, ADDR_A, ADDR_B, m, n);
		rec(5, 0, f, to_b(f, ip, n));
	}
	sc_put("seq-ping-big-and-echo-reply");

	/* Everything at once, many times, with nobody answering. */
	sc_reset();
	for (i = 0; i < 12; i++)
		rec(100, 0x1f, NULL, 0);
	rec(5, 0, a, arp_reply_to_b(a, mac_a, ADDR_A));
	rec(5, 0, a, arp_reply_to_b(a, mac_c, ADDR_C));
	sc_put("seq-pool-exhaustion");

	/* ARP replies from four new hosts: the cache of 4 evicts. */
	sc_reset();
	for (i = 0; i < 6; i++) {
		uint8_t m[6] = { 2, 0, 0, 0, 1, (uint8_t)i };

		rec(0, 0, frame_arp_request, sizeof(frame_arp_request));
		arp_pkt(e, ERG_ARP_OP_REQUEST, m, ADDR_A + 16 + (uint32_t)i,
		    mac_zero, ADDR_B);
		rec(0, 0, f, eth(f, mac_bcast, m, ERG_ETHERTYPE_ARP, e, 28));
	}
	sc_put("seq-arp-cache-eviction");

	/* ICMP errors about the sending socket's datagram. */
	qn = our_dgram(q);
	seq_after_send_far(f, icmp_err_frame(f, mac_c, ADDR_C, 3, 3, 0, q, qn));
	sc_put("seq-icmp-port-unreach-for-sender");
	seq_after_send_far(f,
	    icmp_err_frame(f, mac_a, ADDR_A, 11, 0, 0, q, 28));
	sc_put("seq-icmp-ttl-exceeded-for-sender");
	seq_after_send_far(f,
	    icmp_err_frame(f, mac_a, ADDR_A, 5, 1, ADDR_A, q, 28));
	sc_put("seq-icmp-redirect-ignored");
}

static void
gen_stack_classes(void)
{
	static const unsigned mtus[] = { 0, 68, 552, 1400, 1500, 65535 };
	static const uint8_t lsrr[] = { 131, 7, 4, 198, 18, 0, 1, 0 };
	static const uint8_t rr[] = { 7, 7, 4, 0, 0, 0, 0, 0 };
	static const uint8_t rr_bad[] = { 7, 6, 4, 0, 0, 0, 0, 0 };
	char name[128];
	uint8_t f[1600], q[128], ip[256];
	size_t n, qn;
	unsigned i;

	/* Class 8: IP total length beyond the frame. */
	sc_reset();
	memcpy(f, frame_icmp_echo_request, sizeof(frame_icmp_echo_request));
	erg_put_be16(f + 16, 1500);
	ip_fix(f + 14);
	rec(0, 0, frame_arp_request, sizeof(frame_arp_request));
	rec(0, 0, f, sizeof(frame_icmp_echo_request));
	sc_put("class8-ipv4-total-len-beyond-frame");

	/* Class 9: overlaps, offset + length > 65535, duplicates, timeout. */
	memset(t1, 0xab, 64);
	n = udp_seg(t2, ADDR_A, ADDR_B, 40000, 7, t1, 24);
	sc_reset();
	rec(0, 0, frame_arp_request, sizeof(frame_arp_request));
	rec(0, 0, f, frag_frame(f, 7, 17, t2, 0, 16, 1));
	rec(0, 0, f, frag_frame(f, 7, 17, t2, 8, 16, 0));
	sc_put("class9-frag-overlap");

	sc_reset();
	rec(0, 0, frame_arp_request, sizeof(frame_arp_request));
	rec(0, 0, f, frag_frame(f, 8, 17, t2, 0, 16, 1));
	rec(0, 0, f, frag_frame(f, 8, 17, t2, 16, 16, 1));
	rec(0, 0, f, frag_frame(f, 8, 17, t2, 0, 16, 1));
	rec(0, 0, f, frag_frame(f, 8, 17, t2, 32, 0, 0));
	sc_put("class9-frag-duplicate-and-empty-last");

	sc_reset();
	rec(0, 0, f, frag_frame(f, 9, 17, t2, 0, 16, 1));
	memset(t3, 0x5a, 16);
	n = ip_pkt(ip, NULL, 0, 9, 0x1fff, 17, ADDR_A, ADDR_B, t3, 16);
	rec(0, 0, f, to_b(f, ip, n));
	sc_put("class9-frag-end-beyond-65535");

	sc_reset();
	/* A last fragment ending at 40, then another ending at 32. */
	rec(0, 0, f, frag_frame(f, 10, 17, t2, 0, 16, 1));
	rec(0, 0, f, frag_frame(f, 10, 17, t2, 32, 8, 0));
	rec(0, 0, f, frag_frame(f, 10, 17, t2, 16, 16, 0));
	sc_put("class9-frag-two-last-fragments");

	sc_reset();
	rec(0, 0, f, frag_frame(f, 11, 17, t2, 0, 12, 1));
	sc_put("class9-frag-not-multiple-of-8");

	sc_reset();
	rec(0, 0, frame_arp_request, sizeof(frame_arp_request));
	rec(0, 0, f, frag_frame(f, 12, 17, t2, 0, 16, 1));
	rec(31000, 0, NULL, 0);
	sc_put("class9-frag-timeout-time-exceeded");

	sc_reset();
	for (i = 0; i < 3; i++)
		rec(0, 0, f,
		    frag_frame(f, (uint16_t)(20 + i), 17, t2, 0, 16, 1));
	rec(0, 0, f, frag_frame(f, 20, 17, t2, 16, 16, 0));
	sc_put("class9-frag-no-slot");

	/* Class 10: UDP length shorter than the IP payload. */
	n = udp_seg(t3, ADDR_A, ADDR_B, 40000, 7, "he", 2);
	memcpy(t3 + n, "llo\n", 4);
	n = ip_pkt(ip, NULL, 0, 0x0a0a, 0, 17, ADDR_A, ADDR_B, t3, n + 4);
	sc_reset();
	rec(0, 0, frame_arp_request, sizeof(frame_arp_request));
	rec(0, 0, f, to_b(f, ip, n));
	sc_put("class10-udp-len-short-of-ip-payload");

	/* Class 11: ICMP errors quoting truncated headers. */
	qn = our_dgram(q);
	seq_after_send_far(f, icmp_err_frame(f, mac_c, ADDR_C, 3, 3, 0, q, 24));
	sc_put("class11-quote-4-bytes-of-udp");
	seq_after_send_far(f, icmp_err_frame(f, mac_c, ADDR_C, 3, 3, 0, q, 12));
	sc_put("class11-quote-12-bytes");
	q[0] = 0x4f;
	seq_after_send_far(f, icmp_err_frame(f, mac_c, ADDR_C, 3, 3, 0, q, 28));
	sc_put("class11-quote-ihl-beyond-quote");
	q[0] = 0x45;

	/* Class 12: fragmentation needed with absurd MTUs. */
	for (i = 0; i < sizeof(mtus) / sizeof(mtus[0]); i++) {
		seq_after_send_far(f,
		    icmp_err_frame(f, mac_a, ADDR_A, 3, 4, mtus[i], q, qn));
		snprintf(name, sizeof(name), "class12-frag-needed-mtu-%u",
		    mtus[i]);
		sc_put(name);
	}

	/* Class 14: runts and bad ARP lengths reach the stack too. */
	sc_reset();
	rec(0, 0, frame_arp_request, 1);
	rec(0, 0, frame_arp_request, 13);
	rec(0, 0, frame_arp_request, 14);
	rec(0, 0, frame_arp_request, 41);
	memcpy(f, frame_arp_request, sizeof(frame_arp_request));
	f[18] = 5;
	rec(0, 0, f, sizeof(frame_arp_request));
	f[18] = 6;
	f[19] = 16;
	rec(0, 0, f, sizeof(frame_arp_request));
	rec(0, 0, frame_icmp_echo_request, sizeof(frame_icmp_echo_request));
	sc_put("class14-runts-and-bad-arp");

	/* Class 20: options on a ping to us. */
	sc_reset();
	rec(0, 0, frame_arp_request, sizeof(frame_arp_request));
	n = ping_with_opts(ip, lsrr, sizeof(lsrr));
	rec(0, 0, f, to_b(f, ip, n));
	n = ping_with_opts(ip, rr_bad, sizeof(rr_bad));
	rec(0, 0, f, to_b(f, ip, n));
	n = ping_with_opts(ip, rr, sizeof(rr));
	rec(0, 0, f, to_b(f, ip, n));
	sc_put("class20-ping-with-options");

	/* Class 21: UDP length 0xffff, and IP total length below IHL. */
	sc_reset();
	rec(0, 0, frame_arp_request, sizeof(frame_arp_request));
	memcpy(f, frame_udp_small, sizeof(frame_udp_small));
	erg_put_be16(f + 38, 0xffff);
	rec(0, 0, f, sizeof(frame_udp_small));
	memcpy(f, frame_udp_small, sizeof(frame_udp_small));
	erg_put_be16(f + 16, 10);
	ip_fix(f + 14);
	rec(0, 0, f, sizeof(frame_udp_small));
	sc_put("class21-length-underflow-overflow");
}

int
main(int argc, char **argv)
{
	outdir = argc > 1 ? argv[1] : "fuzz/corpus";
	if (mkdir(outdir, 0777) != 0 && errno != EEXIST) {
		perror(outdir);
		return 1;
	}
	gen_ether();
	gen_arp();
	gen_ipv4();
	gen_icmp();
	gen_udp();
	gen_stack_basic();
	gen_stack_arp();
	gen_stack_classes();
	printf("gen_seeds: %u files under %s\n", nfiles, outdir);
	return 0;
}
