/*
 * erg/dhcp.h: the DHCPv4 client (RFC 2131, options RFC 2132), one per
 * interface, and the message codec it is built on.
 *
 * The client runs RFC 2131 4.4's state machine: INIT (DISCOVER, collect
 * the first acceptable OFFER), SELECTING/REQUESTING (REQUEST, ACK or
 * NAK), BOUND, RENEWING at T1 (unicast REQUEST to the server), REBINDING
 * at T2 (broadcast REQUEST), and INIT-REBOOT when started with a
 * remembered address (RFC 2131 3.2). Retransmissions back off
 * exponentially from 4 s to 64 s with +-1 s of random jitter (RFC 2131
 * 4.1); in RENEWING and REBINDING the client waits half the remaining
 * time to T2 or to the lease's end, at least 60 s (RFC 2131 4.4.5).
 *
 * On ACK the lease is applied to the interface: address and prefix
 * (option 1; without it, the classful mask), first router (option 3) as
 * the gateway, DNS servers (option 6, up to ERG_IPV4_DNS_MAX) through
 * erg_ipv4_dns_set, and the interface MTU (option 26) through
 * erg_netif_mtu_set, capped at the driver's MTU (values under 68 are
 * ignored). A router off the subnet, or a DNS server that is the
 * subnet's network or broadcast address or the lease's own, is left
 * out (dhcp.bad_lease). Leases under 60 s count as 60 s, and a T1
 * under 2 s, or times out of order, give way to the defaults (half and
 * seven eighths of the lease): a tiny lease must not renew at every
 * ACK. A /32 lease gets no gateway (RFC 3442 routes are not read). A
 * lease that runs out, a NAK while bound, or erg_dhcp_stop remove them
 * again.
 * The callback hears ERG_DHCP_BOUND, ERG_DHCP_RENEWED and ERG_DHCP_LOST.
 *
 * Before ACK the interface has no address: erg sends from 0.0.0.0 to
 * 255.255.255.255 and sets the BROADCAST flag, so that servers broadcast
 * their answers (RFC 2131 4.1): erg does not accept unicast to an
 * address it does not own yet.
 *
 * Messages are matched to the client by xid (random per exchange),
 * chaddr, op BOOTREPLY, and, once an offer is chosen, the server
 * identifier; everything else is dropped and counted (dhcp.*).
 */
#ifndef ERG_DHCP_H
#define ERG_DHCP_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "view.h"
#include "stats.h"

#ifdef __cplusplus
extern "C" {
#endif

struct erg_stack;

#define ERG_DHCP_SERVER_PORT 67u
#define ERG_DHCP_CLIENT_PORT 68u

/* The fixed BOOTP part (RFC 2131 2, figure 1) and the magic cookie. */
#define ERG_DHCP_FIXED_LEN 236u
#define ERG_DHCP_COOKIE    0x63825363u
#define ERG_DHCP_MIN_LEN   240u /* fixed part + cookie */
/* The smallest message every client must accept (RFC 2131 2). */
#define ERG_DHCP_MSG_MIN 576u

/* op (BOOTP). */
#define ERG_DHCP_BOOTREQUEST 1u
#define ERG_DHCP_BOOTREPLY   2u
/* flags. */
#define ERG_DHCP_FLAG_BROADCAST 0x8000u

/* Option codes erg reads or writes (RFC 2132). */
#define ERG_DHCP_OPT_PAD          0u
#define ERG_DHCP_OPT_SUBNET_MASK  1u
#define ERG_DHCP_OPT_ROUTER       3u
#define ERG_DHCP_OPT_DNS          6u
#define ERG_DHCP_OPT_HOSTNAME     12u
#define ERG_DHCP_OPT_MTU          26u
#define ERG_DHCP_OPT_REQUESTED_IP 50u
#define ERG_DHCP_OPT_LEASE_TIME   51u
#define ERG_DHCP_OPT_OVERLOAD     52u
#define ERG_DHCP_OPT_MSG_TYPE     53u
#define ERG_DHCP_OPT_SERVER_ID    54u
#define ERG_DHCP_OPT_PARAM_LIST   55u
#define ERG_DHCP_OPT_MESSAGE      56u
#define ERG_DHCP_OPT_MAX_SIZE     57u
#define ERG_DHCP_OPT_T1           58u
#define ERG_DHCP_OPT_T2           59u
#define ERG_DHCP_OPT_CLIENT_ID    61u
#define ERG_DHCP_OPT_END          255u

/* Message types (option 53). */
#define ERG_DHCP_DISCOVER 1u
#define ERG_DHCP_OFFER    2u
#define ERG_DHCP_REQUEST  3u
#define ERG_DHCP_DECLINE  4u
#define ERG_DHCP_ACK      5u
#define ERG_DHCP_NAK      6u
#define ERG_DHCP_RELEASE  7u
#define ERG_DHCP_INFORM   8u

/* DNS servers a message or a lease holds, at most (more are ignored). */
#define ERG_DHCP_DNS_MAX 3u
/* Longest host name erg sends (option 12). */
#define ERG_DHCP_HOSTNAME_MAX 63u

/*
 * A DHCP message: the fixed fields, and the options erg uses, decoded.
 * has_* says whether an option was present. Addresses in host order.
 */
struct erg_dhcp_repr {
	uint8_t op;
	uint8_t htype;
	uint8_t hlen;
	uint8_t hops;
	uint32_t xid;
	uint16_t secs;
	uint16_t flags;
	uint32_t ciaddr;
	uint32_t yiaddr;
	uint32_t siaddr;
	uint32_t giaddr;
	uint8_t chaddr[16];

	uint8_t msg_type; /* option 53; 0 if absent */
	uint8_t overload; /* option 52: 1 file, 2 sname, 3 both */
	bool has_mask;
	bool has_router;
	bool has_lease;
	bool has_t1;
	bool has_t2;
	bool has_mtu;
	uint32_t mask;
	uint32_t router;    /* the first router of option 3 */
	uint32_t server_id; /* option 54; 0 if absent */
	uint32_t requested; /* option 50; 0 if absent */
	uint32_t lease_s;   /* option 51 */
	uint32_t t1_s;      /* option 58 */
	uint32_t t2_s;      /* option 59 */
	uint16_t mtu;       /* option 26 */
	uint16_t max_size;  /* option 57; 0 if absent */
	uint8_t dns_n;
	uint32_t dns[ERG_DHCP_DNS_MAX];
	/* Written by erg_dhcp_emit only (0/NULL: left out). */
	const uint8_t *client_id; /* option 61, client_id_len bytes */
	uint8_t client_id_len;
	const char *hostname; /* option 12, hostname_len bytes */
	uint8_t hostname_len;
	/* option 55: ask for mask, router, DNS, MTU, lease time, T1, T2 */
	bool param_list;
};

/*
 * Parses a DHCP message (the UDP payload) into *r. Checks, each with its
 * counter: the fixed part and the cookie present (dhcp.truncated), op,
 * htype 1 and hlen 6 (dhcp.bad_header), the magic cookie
 * (dhcp.bad_cookie), then the options (dhcp.bad_option): every option's
 * length inside the field it sits in; an END option closing the options
 * field (and the file and sname fields when option 52 overloads them,
 * read in RFC 2131 4.1's order: options, file, sname); option 52 only in
 * the options field, with a value of 1 to 3; the fixed-length options
 * (1, 26, 50, 51, 52, 53, 54, 57, 58, 59) exactly their length, and the
 * lists (3, 6) a non-zero multiple of 4; a message type 1 to 8. Pad runs
 * are skipped; options erg does not know are skipped by their length. A
 * fixed-length option given twice is refused; a list given twice is
 * concatenated (RFC 3396). Returns 0, or -ERG_ETRUNC / -ERG_EMALFORMED
 * with *why set (why may be NULL).
 */
int erg_dhcp_parse(struct erg_dhcp_repr *r, struct erg_view v,
    enum erg_stat *why);

/*
 * Writes r as a message into buf: the fixed part, the cookie, option 53
 * and every option r holds (has_* set or non-zero), END, then padding to
 * 300 bytes (the BOOTP minimum some relays insist on). It never overloads
 * sname or file (r->overload is ignored). Returns the length, or
 * -ERG_ENOSPC if cap is too small (nothing is written then).
 */
int erg_dhcp_emit(const struct erg_dhcp_repr *r, uint8_t *buf, size_t cap);

/* ---- The client ------------------------------------------------------ */

enum erg_dhcp_event {
	ERG_DHCP_BOUND = 1,   /* a lease was obtained and applied */
	ERG_DHCP_RENEWED = 2, /* the lease was extended (maybe changed) */
	ERG_DHCP_LOST = 3     /* the lease is gone and its address removed */
};

/* The lease a client holds. Addresses in host order; times in seconds. */
struct erg_dhcp_lease {
	uint32_t addr;
	unsigned prefix_len;
	uint32_t router; /* 0: none */
	uint32_t server; /* the server identifier */
	uint32_t dns[ERG_DHCP_DNS_MAX];
	unsigned dns_n;
	uint16_t mtu;     /* 0: none given */
	uint32_t lease_s; /* 0xffffffff: infinite */
	uint32_t t1_s;
	uint32_t t2_s;
	uint64_t acked_us; /* when the ACK that made it arrived */
};

typedef void (*erg_dhcp_event_fn)(void *ctx, unsigned ifindex,
    enum erg_dhcp_event ev, const struct erg_dhcp_lease *lease);

struct erg_dhcp_opts {
	/*
	 * An address remembered from an earlier lease: start in
	 * INIT-REBOOT and ask for it (RFC 2131 3.2); 0 starts in INIT.
	 */
	uint32_t reboot_addr;
	const char *hostname; /* option 12, or NULL */
	size_t hostname_len;  /* at most ERG_DHCP_HOSTNAME_MAX */
	erg_dhcp_event_fn cb; /* may be NULL */
	void *ctx;
};

/*
 * Starts the client on interface ifindex, which MUST have no address
 * (the client owns the interface's address, gateway, DNS servers and MTU
 * from now on). o is copied (hostname's bytes too). The first DISCOVER
 * goes out at once. Returns 0, -ERG_EINVAL, -ERG_ESTATE (running
 * already, or the interface has an address), -ERG_ENOMEM (no UDP
 * socket for port 68) or -ERG_EADDRINUSE (another socket has port 68).
 */
int erg_dhcp_start(struct erg_stack *s, unsigned ifindex,
    const struct erg_dhcp_opts *o);

/*
 * Stops the client: a bound client sends RELEASE (RFC 2131 4.4.6) and
 * removes the lease from the interface (ERG_DHCP_LOST is not reported:
 * the caller asked). Returns 0 or -ERG_ESTATE (not running).
 */
int erg_dhcp_stop(struct erg_stack *s, unsigned ifindex);

/*
 * Copies the current lease into *out. Returns 0, or -ERG_ESTATE while
 * the client has none (not started, or still asking).
 */
int erg_dhcp_lease(const struct erg_stack *s, unsigned ifindex,
    struct erg_dhcp_lease *out);

#ifdef __cplusplus
}
#endif
#endif
