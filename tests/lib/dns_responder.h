/*
 * tests/lib/dns_responder.h: a scriptable DNS server on an erg stack of a
 * simulation (tests/lib/sim.h), built with erg's DNS codec.
 *
 * It answers on UDP and TCP port 53 of its node from a table of records
 * (each with its own TTL), as a recursive server would: the CNAME chain
 * from the name asked (when follow_cname), then the records of the type
 * asked (any type for ANY); NXDOMAIN when the last name owns no record,
 * NODATA (NOERROR, no answer) when it owns others, both with the zone's
 * SOA in the authority section when one is set (RFC 2308 3). Over UDP
 * it honours the query's EDNS(0) payload size (512 without OPT): a
 * response that does not fit stops at the last record that does and has
 * TC set (RFC 2181 9); over TCP it answers in full (RFC 7766).
 *
 * The test steers it through the fields of struct dnsr: drop the next N
 * UDP queries, stay silent, force an rcode, answer chosen names with TC
 * over UDP, refuse or ignore TCP, and send spoofed answers (DNSR_SPOOF_*)
 * before each real one. Spoofs carry one A record for the name asked,
 * DNSR_POISON, so that a resolver that accepted one delivers it. A raw
 * hook replaces the answer by bytes the test writes.
 *
 * Every query is logged (time, source, ID, question, transport).
 *
 * Hosted code: malloc and cmocka assertions.
 */
#ifndef ERG_TEST_DNS_RESPONDER_H
#define ERG_TEST_DNS_RESPONDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "erg/erg.h"
#include "lib/sim.h"

/* Spoofed answers, sent before the real one (bits of dnsr.spoof). */
#define DNSR_SPOOF_ID     0x0001u /* ID + 1 */
#define DNSR_SPOOF_SPORT  0x0002u /* from port 5353 of the server */
#define DNSR_SPOOF_ADDR   0x0004u /* from DNSR_SPOOF_SRC (injected) */
#define DNSR_SPOOF_DPORT  0x0008u /* to the query's port + 1 */
#define DNSR_SPOOF_QNAME  0x0010u /* question "x." + name */
#define DNSR_SPOOF_QTYPE  0x0020u /* question type + 1 */
#define DNSR_SPOOF_QCLASS 0x0040u /* question class CH (3) */
#define DNSR_SPOOF_NOQR   0x0080u /* QR clear */
#define DNSR_SPOOF_TWOQ   0x0100u /* the question twice */
#define DNSR_SPOOF_OPCODE 0x0200u /* opcode 2 (STATUS) */
#define DNSR_SPOOF_CUT    0x0400u /* right in every way, cut 3 bytes short */
#define DNSR_SPOOF_ALL    0x07ffu

/* The address spoofs deliver, and where DNSR_SPOOF_ADDR claims to be. */
#define DNSR_POISON    ERG_IPV4(198, 51, 100, 66)
#define DNSR_SPOOF_SRC ERG_IPV4(198, 18, 0, 250)

/* One record of the table. */
struct dnsr_rec {
	struct erg_dns_name name;
	uint16_t type;
	uint32_t ttl;
	uint8_t *rdata;
	size_t rdlen;
};

/* One query received. */
struct dnsr_query {
	uint64_t t;
	uint32_t src;
	uint16_t sport;
	uint16_t id;
	struct erg_dns_name qname; /* as received */
	uint16_t qtype;
	uint16_t flags; /* the query's header flags */
	uint16_t edns;  /* its OPT record's UDP payload size, 0: none */
	bool tcp;
};

/*
 * Builds the answer bytes itself instead (raw hook): query is the one
 * received, out holds cap bytes. Returns the length, 0 for no answer.
 */
typedef size_t (*dnsr_raw_fn)(void *ctx, const struct dnsr_query *query,
    uint8_t *out, size_t cap);

struct dnsr_conn;

struct dnsr {
	struct sim *sim;
	struct sim_node *node;
	struct erg_udp_sock *udp;
	struct erg_udp_sock *udp_alt; /* port 5353: DNSR_SPOOF_SPORT */
	struct erg_tcp_listener *lst;
	struct dnsr_conn *conns;
	/* The zone. */
	struct dnsr_rec *recs;
	size_t nrecs;
	bool has_soa;
	struct erg_dns_name soa_zone;
	uint32_t soa_ttl;
	uint32_t soa_min;
	/* Behaviour; change at will between steps. */
	bool follow_cname;  /* default true; false: the first link only */
	unsigned drop_next; /* UDP queries to ignore */
	bool silent;        /* ignore every UDP query */
	uint8_t rcode;      /* answer every query with this rcode if != 0 */
	unsigned spoof;     /* DNSR_SPOOF_* before each UDP answer */
	unsigned spoof_ids; /* this many wrong-ID answers first, too */
	bool case_flip;     /* the real answer's question in flipped case */
	struct erg_dns_name tc_names[4]; /* TC over UDP for these */
	unsigned ntc;
	bool tcp_silent; /* accept TCP, read, never answer */
	dnsr_raw_fn raw;
	void *raw_ctx;
	/* The log. */
	struct dnsr_query *log;
	size_t nlog;
	size_t caplog;
	unsigned n_udp; /* UDP queries received */
	unsigned n_tcp; /* TCP queries received */
	unsigned n_answered;
};

/* Starts a responder on node n (UDP and TCP port 53); asserts. */
struct dnsr *dnsr_new(struct sim *sim, struct sim_node *n);
/* Closes its sockets and frees it. */
void dnsr_free(struct dnsr *r);

/* Stops listening on TCP (connections to port 53 are then reset). */
void dnsr_tcp_off(struct dnsr *r);

/* Adds a record with rdata given whole (names in it uncompressed). */
void dnsr_add(struct dnsr *r, const char *name, uint16_t type, uint32_t ttl,
    const void *rdata, size_t rdlen);
void dnsr_add_a(struct dnsr *r, const char *name, uint32_t addr, uint32_t ttl);
void dnsr_add_aaaa(struct dnsr *r, const char *name, const uint8_t a[16],
    uint32_t ttl);
/* CNAME, PTR, NS: one name. */
void dnsr_add_name(struct dnsr *r, const char *name, uint16_t type,
    const char *target, uint32_t ttl);
void dnsr_add_mx(struct dnsr *r, const char *name, uint16_t pref,
    const char *target, uint32_t ttl);
void dnsr_add_srv(struct dnsr *r, const char *name, uint16_t prio,
    uint16_t weight, uint16_t port, const char *target, uint32_t ttl);
/* TXT: text cut into character-strings of at most 255 bytes. */
void dnsr_add_txt(struct dnsr *r, const char *name, const char *text,
    uint32_t ttl);
/* The SOA of negative answers (zone apex, its TTL and MINIMUM). */
void dnsr_soa(struct dnsr *r, const char *zone, uint32_t ttl, uint32_t min);
/* Answer name with TC over UDP (at most 4 names). */
void dnsr_tc(struct dnsr *r, const char *name);

/*
 * Builds the answer the responder would send for (qname, qtype) with id
 * into out (cap bytes: the transport's limit); sets *tc if it had to stop
 * early. Returns its length. For tests that need the expected bytes.
 */
size_t dnsr_answer(const struct dnsr *r, const struct erg_dns_name *qname,
    uint16_t qtype, uint16_t id, uint8_t *out, size_t cap, bool *tc);

/* Queries logged for qname (case-insensitive), all transports. */
unsigned dnsr_count(const struct dnsr *r, const char *qname);

/* Text to wire name; asserts. */
struct erg_dns_name dnsr_name(const char *text);

#endif
