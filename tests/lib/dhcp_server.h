/*
 * tests/lib/dhcp_server.h: a scriptable DHCP server (RFC 2131 4.3) for
 * tests, running on an erg stack (a sim node over the loop driver).
 *
 * It listens on 0.0.0.0:67 and answers like a plain server with one
 * address to give: DISCOVER -> OFFER; REQUEST naming it (option 54), or
 * naming no server (INIT-REBOOT, RENEWING, REBINDING) -> ACK if the
 * address asked for (option 50, else ciaddr) is the one it gives, else
 * NAK; REQUEST naming another server -> silence (the client chose that
 * one). Replies go to ciaddr when the client has one, else broadcast
 * (erg clients set the BROADCAST flag; RFC 2131 4.1). Every message it
 * receives is logged (raw bytes too) before the script decides.
 *
 * Script: silent (a server that vanished), nak_requests, ignore_discovers
 * (the first N DISCOVERs are lost), addr_from_mac (the address's last
 * byte is the client MAC's, for several clients), and a hook that sees
 * each reply and may change it, its destination, or drop it.
 *
 * Hosted code: libc and cmocka.
 */
#ifndef ERG_TESTS_DHCP_SERVER_H
#define ERG_TESTS_DHCP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "erg/erg.h"

#define DHCP_SRV_LOG 128u

/* One message the server received. */
struct dhcp_srv_rx {
	uint64_t t;
	uint32_t src;
	uint32_t dst;
	uint16_t sport;
	unsigned ifindex;
	struct erg_dhcp_repr r; /* as erg_dhcp_parse read it */
	uint8_t raw[ERG_DHCP_MSG_MIN];
	size_t len; /* of raw (messages are cut at 576 bytes) */
};

struct dhcp_srv;

/*
 * Sees a reply about to go out for request rx: may change *reply and
 * *dst. Returns false to send nothing.
 */
typedef bool (*dhcp_srv_hook_fn)(struct dhcp_srv *d,
    const struct dhcp_srv_rx *rx, struct erg_dhcp_repr *reply, uint32_t *dst);

struct dhcp_srv {
	struct erg_stack *s;
	struct erg_udp_sock *u;
	uint32_t id; /* server identifier: its own address */
	/* The lease it gives. */
	uint32_t addr;
	bool addr_from_mac;
	bool send_mask;
	uint32_t mask;
	uint32_t router; /* 0: none */
	uint32_t dns[ERG_DHCP_DNS_MAX];
	unsigned dns_n;
	uint16_t mtu; /* 0: none */
	uint32_t lease_s;
	uint32_t t1_s; /* 0: not sent */
	uint32_t t2_s;
	/* Script. */
	bool silent;
	bool nak_requests;
	unsigned ignore_discovers;
	dhcp_srv_hook_fn hook;
	void *hook_ctx;
	/* What happened. */
	struct dhcp_srv_rx log[DHCP_SRV_LOG];
	unsigned n;          /* messages received (log holds the first 128) */
	unsigned bad;        /* messages erg_dhcp_parse refused */
	unsigned replies;    /* replies sent */
	unsigned by_type[9]; /* received, by message type */
};

/*
 * Starts a server on s (interface 0, whose address is its identifier).
 * Defaults: gives 198.18.0.100/24, router and DNS its own address, lease
 * 3600 s, no MTU, no T1/T2. Asserts.
 */
void dhcp_srv_init(struct dhcp_srv *d, struct erg_stack *s);

/* Closes the socket (the stack's pools go back to their baseline). */
void dhcp_srv_fini(struct dhcp_srv *d);

/* The i-th message of type (1-based i; -1: the last), or NULL. */
const struct dhcp_srv_rx *dhcp_srv_find(const struct dhcp_srv *d, uint8_t type,
    int i);

/* The value of option code in a logged message (any field), or NULL. */
const uint8_t *dhcp_srv_opt(const struct dhcp_srv_rx *rx, uint8_t code,
    size_t *len);

/* Sends reply (already filled) to dst:68 from port 67. Asserts. */
void dhcp_srv_send(struct dhcp_srv *d, const struct erg_dhcp_repr *reply,
    uint32_t dst);

#endif
