/*
 * erg/dns.h: DNS (RFC 1035): the message codec and the stub resolver.
 *
 * The codec reads a message through a bounded cursor and never trusts a
 * length it has not compared (RFC 9267, "Common Implementation
 * Anti-Patterns Related to DNS RR Processing"):
 *
 * - a compression pointer must point strictly before the first byte of
 *   the name (or pointer chain) that jumped to it, and past the 12-byte
 *   header; at most ERG_DNS_PTR_MAX jumps per name. A pointer to itself,
 *   forwards, or out of the message is refused (RFC 9267 2);
 * - labels are at most 63 bytes, a name at most 255 bytes in wire form,
 *   counted as it is decompressed (RFC 1035 2.3.4; RFC 9267 3); label
 *   types 01 and 10 (RFC 6891 extended labels) are refused;
 * - the header's section counts are checked against what the message can
 *   hold before anything is read, and each record against the bytes left
 *   (RFC 9267 6);
 * - RDLENGTH must fit in the message and match the record type's format
 *   exactly for the types erg decodes (A 4, AAAA 16, names filling it,
 *   MX, SRV, SOA, TXT character-strings, OPT options) (RFC 9267 5).
 *
 * Names are kept in uncompressed wire form (struct erg_dns_name), which
 * holds any name a message can carry; text forms are converted at the
 * edges. Comparisons are ASCII case-insensitive (RFC 4343).
 *
 * The builder writes queries and full responses into a caller's buffer.
 * It does not compress names (every name costs its full length), which
 * keeps it simple and its output easy to check; sections are written in
 * order and the counts kept in the header as records are added.
 *
 * The resolver (erg_dns_resolve) is described further down.
 */
#ifndef ERG_DNS_H
#define ERG_DNS_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "view.h"

#ifdef __cplusplus
extern "C" {
#endif

struct erg_stack;

#define ERG_DNS_PORT      53u
#define ERG_DNS_HDR_LEN   12u
#define ERG_DNS_LABEL_MAX 63u
#define ERG_DNS_NAME_MAX  255u /* wire form, root label included */
#define ERG_DNS_TEXT_MAX  256u /* a name given as text (no escapes), NUL */
/* erg_dns_name_to_text's longest: 250 label bytes as \DDD, 4 dots, NUL. */
#define ERG_DNS_TEXT_ESC_MAX 1005u
#define ERG_DNS_PTR_MAX      32u  /* compression jumps per name */
#define ERG_DNS_UDP_MAX      512u /* a UDP message without EDNS (RFC 1035) */
/* erg's EDNS(0) UDP payload size (DNS flag day 2020). */
#define ERG_DNS_EDNS_UDP 1232u
#define ERG_DNS_MSG_MAX  65535u /* over TCP (two-byte length prefix) */

/* Record types (IANA "Resource Record (RR) TYPEs"). */
#define ERG_DNS_TYPE_A     1u
#define ERG_DNS_TYPE_NS    2u
#define ERG_DNS_TYPE_CNAME 5u
#define ERG_DNS_TYPE_SOA   6u
#define ERG_DNS_TYPE_PTR   12u
#define ERG_DNS_TYPE_MX    15u
#define ERG_DNS_TYPE_TXT   16u
#define ERG_DNS_TYPE_AAAA  28u
#define ERG_DNS_TYPE_SRV   33u
#define ERG_DNS_TYPE_OPT   41u
#define ERG_DNS_TYPE_ANY   255u

#define ERG_DNS_CLASS_IN 1u

/* Header flags (RFC 1035 4.1.1, RFC 4035 3.2). */
#define ERG_DNS_F_QR     0x8000u
#define ERG_DNS_F_OPCODE 0x7800u /* mask; 0 is a standard query */
#define ERG_DNS_F_AA     0x0400u
#define ERG_DNS_F_TC     0x0200u
#define ERG_DNS_F_RD     0x0100u
#define ERG_DNS_F_RA     0x0080u
#define ERG_DNS_F_AD     0x0020u
#define ERG_DNS_F_CD     0x0010u
#define ERG_DNS_F_RCODE  0x000fu /* mask */

/* Response codes (RFC 1035 4.1.1). */
#define ERG_DNS_RCODE_NOERROR  0u
#define ERG_DNS_RCODE_FORMERR  1u
#define ERG_DNS_RCODE_SERVFAIL 2u
#define ERG_DNS_RCODE_NXDOMAIN 3u
#define ERG_DNS_RCODE_NOTIMP   4u
#define ERG_DNS_RCODE_REFUSED  5u

/* Sections, in message order. */
enum erg_dns_section {
	ERG_DNS_SEC_QUESTION = 0,
	ERG_DNS_SEC_ANSWER = 1,
	ERG_DNS_SEC_AUTHORITY = 2,
	ERG_DNS_SEC_ADDITIONAL = 3
};

struct erg_dns_hdr {
	uint16_t id;
	uint16_t flags;    /* ERG_DNS_F_*, with opcode and rcode */
	uint16_t count[4]; /* QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT */
};

/*
 * A domain name in uncompressed wire form: length-prefixed labels ending
 * with the root label (a zero byte). len counts every byte, the final
 * zero included: the root name is { 1, { 0 } }. Case as received.
 */
struct erg_dns_name {
	uint8_t len;
	uint8_t wire[ERG_DNS_NAME_MAX];
};

/* ---- Names ----------------------------------------------------------- */

/*
 * Converts text ("www.example.com", with or without a final dot; "." is
 * the root) to wire form. Labels are 1 to 63 bytes of anything but '.'
 * (no escapes); the name at most 255 bytes in wire form. Returns 0 or
 * -ERG_EINVAL.
 */
int erg_dns_name_from_text(struct erg_dns_name *n, const char *s, size_t len);

/*
 * Writes n as text with a final dot, as dig prints it (RFC 4343 2.1):
 * bytes outside 0x21..0x7e as \DDD, and the ones zone files give a
 * meaning to, . ; \ " ( ) @ $, as \c; the root is ".". Always
 * NUL-terminates when cap > 0. Returns the length of the whole text
 * (without the NUL), which is >= cap if it was truncated: at most
 * ERG_DNS_TEXT_ESC_MAX - 1. A malformed n gives "" and 0.
 */
size_t erg_dns_name_to_text(const struct erg_dns_name *n, char *buf,
    size_t cap);

/* ASCII case-insensitive equality (RFC 4343). */
bool erg_dns_name_eq(const struct erg_dns_name *a,
    const struct erg_dns_name *b);

/* The reverse-lookup name of addr (host order): "d.c.b.a.in-addr.arpa.". */
void erg_dns_name_reverse4(struct erg_dns_name *n, uint32_t addr);

/* ---- Reading a message ----------------------------------------------- */

/*
 * A message being read. Borrows the bytes of v for as long as it is
 * used. Fields are the codec's; read them, do not write them.
 */
struct erg_dns_msg {
	struct erg_view v;
	struct erg_dns_hdr hdr;
	size_t off;       /* the cursor: first unread byte */
	unsigned section; /* of the next item, enum erg_dns_section */
	uint16_t left;    /* items left in that section */
};

struct erg_dns_question {
	struct erg_dns_name name;
	uint16_t type;
	uint16_t qclass;
};

/*
 * A resource record. rdata borrows the message's bytes; names inside it
 * may be compressed, so read them with erg_dns_rdata_parse, which has the
 * message at hand.
 */
struct erg_dns_rr {
	struct erg_dns_name name;
	uint16_t type;
	uint16_t rclass; /* for OPT: the requestor's UDP payload size */
	uint32_t ttl;    /* for OPT: extended rcode and flags */
	enum erg_dns_section section;
	size_t rdata_off; /* offset of rdata in the message */
	struct erg_view rdata;
};

/*
 * Starts reading the message in v: parses the header and checks that
 * the section counts could fit in the bytes present (each question
 * takes at least 5 bytes, each record 11). Returns 0, -ERG_ETRUNC (v
 * shorter than a header) or -ERG_EMALFORMED (counts impossible).
 */
int erg_dns_msg_parse(struct erg_dns_msg *m, struct erg_view v);

/*
 * Reads the next question. Returns 1 with *q filled, 0 when the question
 * section is done (the cursor then stands at the answers), or
 * -ERG_ETRUNC / -ERG_EMALFORMED (the message is bad; stop reading it).
 */
int erg_dns_question_next(struct erg_dns_msg *m, struct erg_dns_question *q);

/*
 * Reads the next resource record of the answer, authority and additional
 * sections in turn (questions not yet read are skipped over, validated).
 * The record's rdata is checked against its type's format. Returns 1 with
 * *rr filled, 0 at the end of the message, or -ERG_ETRUNC /
 * -ERG_EMALFORMED. Bytes after the last record are ignored (a TSIG-less
 * stub has no use for them) but counted by the resolver.
 */
int erg_dns_rr_next(struct erg_dns_msg *m, struct erg_dns_rr *rr);

/*
 * Reads a possibly compressed name at *off of message v, under every
 * rule above, into *n; *off moves past the name's bytes at that place
 * (the pointer, not its target). Returns 0, -ERG_ETRUNC or
 * -ERG_EMALFORMED.
 */
int erg_dns_name_read(struct erg_view v, size_t *off, struct erg_dns_name *n);

/* What a record's rdata holds, for the types erg decodes. */
struct erg_dns_rdata {
	uint32_t a;                 /* A, host order */
	uint8_t aaaa[16];           /* AAAA */
	uint16_t pref;              /* MX preference; SRV priority */
	uint16_t weight;            /* SRV */
	uint16_t port;              /* SRV */
	struct erg_dns_name target; /* CNAME, NS, PTR, MX, SRV; SOA mname */
	struct erg_dns_name rname;  /* SOA */
	uint32_t soa[5];     /* SOA serial, refresh, retry, expire, minimum */
	struct erg_view txt; /* TXT: the character-strings, as on the wire */
};

/*
 * Decodes rr (read from m) into *d. Returns 0, -ERG_EUNSUPPORTED for a
 * type erg does not decode (the rdata view is all there is), or
 * -ERG_EMALFORMED.
 */
int erg_dns_rdata_parse(const struct erg_dns_msg *m,
    const struct erg_dns_rr *rr, struct erg_dns_rdata *d);

/*
 * Writes rr's rdata as text the way `dig +short` prints it: A and AAAA
 * addresses (RFC 5952 for AAAA), names with a final dot, "10 mx.example."
 * for MX, "0 5 5060 sip.example." for SRV, quoted escaped strings for TXT,
 * all seven SOA fields, and RFC 3597 "\# LEN HEX" for other types.
 * Returns as erg_dns_name_to_text, or 0 if the rdata is malformed.
 */
size_t erg_dns_rdata_to_text(const struct erg_dns_msg *m,
    const struct erg_dns_rr *rr, char *buf, size_t cap);

/* ---- Building a message ---------------------------------------------- */

/*
 * Writes a message into [buf, buf + cap). Items go in section order;
 * each call that would not fit, or comes out of order, fails and leaves
 * the message as it was, so a responder can stop at the last record that
 * fits and set TC.
 */
struct erg_dns_builder {
	uint8_t *buf;
	size_t cap;
	size_t len;      /* bytes written so far: the message */
	size_t rr_start; /* the open record's RDLENGTH offset; 0: none */
	unsigned section;
	struct erg_dns_hdr hdr;
	size_t rr_owner;     /* where the open record begins (its name) */
	unsigned rr_section; /* b->section before the open record began */
};

/*
 * Starts a message with this id and flags, all counts 0. cap >= 12
 * (else -ERG_ENOSPC; buf NULL: -ERG_EINVAL); room beyond ERG_DNS_MSG_MAX
 * is left unused.
 */
int erg_dns_build_init(struct erg_dns_builder *b, uint8_t *buf, size_t cap,
    uint16_t id, uint16_t flags);

/*
 * Appends a question. Returns 0, -ERG_EINVAL (a malformed name),
 * -ERG_ENOSPC or -ERG_ESTATE.
 */
int erg_dns_build_question(struct erg_dns_builder *b,
    const struct erg_dns_name *name, uint16_t type, uint16_t qclass);

/*
 * Appends a record whose rdata is given whole. Returns 0, -ERG_EINVAL (a
 * malformed name, sec ERG_DNS_SEC_QUESTION, or rdata NULL with rdlen >
 * 0), -ERG_ENOSPC or -ERG_ESTATE (section out of order, or a record still
 * open).
 */
int erg_dns_build_rr(struct erg_dns_builder *b, enum erg_dns_section sec,
    const struct erg_dns_name *name, uint16_t type, uint16_t rclass,
    uint32_t ttl, const void *rdata, size_t rdlen);

/*
 * Appends a record whose rdata is written piece by piece: begin, then
 * any number of build_bytes and build_name, then end (which fills in
 * RDLENGTH). A failed piece leaves the record open; erg_dns_build_abort
 * removes it. Errors as erg_dns_build_rr (build_name: -ERG_EINVAL for a
 * malformed name).
 */
int erg_dns_build_rr_begin(struct erg_dns_builder *b, enum erg_dns_section sec,
    const struct erg_dns_name *name, uint16_t type, uint16_t rclass,
    uint32_t ttl);
int erg_dns_build_bytes(struct erg_dns_builder *b, const void *p, size_t len);
int erg_dns_build_name(struct erg_dns_builder *b, const struct erg_dns_name *n);
int erg_dns_build_rr_end(struct erg_dns_builder *b);
void erg_dns_build_abort(struct erg_dns_builder *b);

/*
 * Finishes the message: writes the header with its counts. Returns its
 * length in bytes (> 0), or -ERG_ESTATE if a record is still open.
 */
int erg_dns_build_finish(struct erg_dns_builder *b);

/* ---- The stub resolver ----------------------------------------------- */

/*
 * A stub resolver (RFC 1035 7, RFC 1123 6.1.3) living in the stack's
 * arena: cfg.dns_queries queries in flight at once, and a cache of
 * cfg.dns_cache_entries answers of up to cfg.dns_entry_size bytes each.
 *
 * Servers: those set by erg_dns_servers_set, else the ones learned on
 * each interface (erg_ipv4_dns_set, which the DHCP client calls), tried
 * in order; each gets cfg.dns_tries attempts of cfg.dns_timeout_ms
 * (doubling for each round, RFC 1536 1). Queries ask for recursion (RD)
 * and carry an EDNS(0) OPT record offering ERG_DNS_EDNS_UDP bytes.
 *
 * Spoofing (RFC 5452): every attempt goes from a fresh random ephemeral
 * port, its socket connected to the server's port 53 (other senders
 * find it closed), with a fresh random 16-bit ID; an answer counts only
 * if it comes from the server's address and port 53, to that port, with
 * that ID and the very question asked (name compared case-insensitively,
 * type and class). Anything else is dropped and counted (dns.spoofed,
 * or udp.no_port for other senders); after 8 such answers to one attempt
 * the question goes over TCP (RFC 5452 9.3).
 *
 * A truncated answer (TC), or one larger than the 1232 bytes offered
 * (RFC 6891 6.2.5: likely fragmented, so forgeable in part), is asked
 * again over TCP (RFC 7766) of the same server. A server that answers
 * FORMERR or NOTIMP (perhaps to the OPT record) is not asked again
 * without EDNS: it counts as failed for that query. CNAME chains are followed
 * inside the answer, at most ERG_DNS_CNAME_MAX links; a chain that ends without
 * the type asked is asked again for its last name (also bounded by
 * ERG_DNS_CNAME_MAX).
 *
 * Two identical questions (name and type) never go out at once: the
 * second waits on the first and both get the one answer.
 *
 * Cache: positive answers live for the smallest TTL of the records
 * delivered, negative ones (NXDOMAIN, or no data) for the SOA's
 * minimum, capped by the SOA's own TTL (RFC 2308 5), both bounded by
 * cfg.dns_max_ttl_s; the least recently used entry gives way.
 */

/* CNAME links followed for one query, in all. */
#define ERG_DNS_CNAME_MAX 8u
/* Servers erg_dns_servers_set takes. */
#define ERG_DNS_SERVERS_MAX 4u

struct erg_dns_query;

/*
 * The answer handed to a query's callback. msg is a message erg built:
 * the question asked and, in the answer section, the records that answer
 * it, CNAMEs of the chain first, in order, with TTLs counting down from
 * the cache. Read it with erg_dns_msg_parse and erg_dns_rr_next. It is
 * lent for the callback only.
 */
struct erg_dns_result {
	int err;       /* 0, -ERG_ENXDOMAIN, -ERG_ENODATA, -ERG_ESERVFAIL,
	                * -ERG_ETIMEDOUT, -ERG_ELOOP, -ERG_ENOMEM, or the
	                * last send error when no attempt could be sent */
	uint8_t rcode; /* the server's, when there was one */
	bool from_cache;
	uint32_t server; /* the server that answered, or 0 */
	uint32_t ttl;    /* seconds the answer stays good */
	struct erg_view msg;
};

/*
 * Called once per query, from inside erg_netif_input, erg_stack_poll, or
 * (for an answer in the cache) erg_dns_resolve itself. The query is
 * over when it returns; the callback may start new queries.
 */
typedef void (*erg_dns_result_fn)(void *ctx, const struct erg_dns_result *r);

/*
 * Resolves name (text, as erg_dns_name_from_text takes it) for type in
 * class IN. cb is called exactly once, unless erg_dns_cancel is called
 * first. If q is not NULL, *q gets a handle for erg_dns_cancel, valid
 * until cb is called (NULL if cb was already called from here).
 * Returns 0, -ERG_EINVAL (bad name or type OPT), -ERG_ENOMEM (every
 * query slot busy; dns.query_alloc_fail) or -ERG_EHOSTUNREACH (no
 * server known).
 */
int erg_dns_resolve(struct erg_stack *s, const char *name, size_t len,
    uint16_t type, erg_dns_result_fn cb, void *ctx, struct erg_dns_query **q);

/*
 * Forgets a query: its callback will not be called. q MUST be a handle
 * whose callback has not run yet: after that its slot may serve another
 * query, which this would cancel.
 */
void erg_dns_cancel(struct erg_stack *s, struct erg_dns_query *q);

/*
 * Sets the servers to ask, in order (n <= ERG_DNS_SERVERS_MAX; 0 goes
 * back to the interfaces' servers). Copied. Returns 0 or -ERG_EINVAL.
 */
int erg_dns_servers_set(struct erg_stack *s, const uint32_t *addrs, unsigned n);

/*
 * The servers queries would go to now, at most max of them, in order.
 * Returns how many were written.
 */
unsigned erg_dns_servers(const struct erg_stack *s, uint32_t *out,
    unsigned max);

/* Empties the cache. */
void erg_dns_cache_flush(struct erg_stack *s);

/*
 * The index-th A record's address in r's answer section (host order),
 * for the common case; returns 0 with *addr set, or -ERG_ENODATA if there
 * are not that many.
 */
int erg_dns_result_a(const struct erg_dns_result *r, unsigned index,
    uint32_t *addr);

#ifdef __cplusplus
}
#endif
#endif
