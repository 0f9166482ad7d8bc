/*
 * src/dhcp/dhcp_client.c: the DHCPv4 client (RFC 2131 4.4, figure 5),
 * one per interface, carved at init (cfg.netif_count of them), each with
 * one timer. All running clients share one UDP socket bound to
 * 0.0.0.0:68, opened by the first erg_dhcp_start and closed by the last
 * erg_dhcp_stop; a datagram goes to the client of the interface it came
 * in on, and must then match that client's xid and MAC.
 *
 * States: INIT (waiting to send DISCOVER after a NAK), SELECTING
 * (DISCOVER sent), REQUESTING, REBOOTING (RFC 2131 3.2), BOUND, RENEWING,
 * REBINDING, and OFF (not started).
 *
 * Decisions where RFC 2131 and the issue are silent or leave a choice:
 * - No ARP probe of the offered address before using it, and so no
 *   DECLINE (RFC 2131 2.2 and 4.4.1 say SHOULD): erg's ARP layer has no
 *   conflict detection to ask, and probing would delay every boot by a
 *   second or more (RFC 5227's timings). erg_ipv4_addr_set announces the
 *   address with a gratuitous ARP instead, so a conflicting host at least
 *   hears of it.
 * - The first acceptable OFFER is taken at once (RFC 2131 4.4.1 allows
 *   waiting for more; a unikernel wants to boot). Acceptable: yiaddr a
 *   usable unicast address, and a server identifier present.
 * - A lease is refused (dhcp.bad_lease, the ACK ignored as if lost) when
 *   yiaddr is not a usable unicast address or is its subnet's network or
 *   broadcast address, the server identifier is missing, the mask is not
 *   contiguous or /0, or the lease time is missing or 0. A router that
 *   is not usable, not on the subnet, or the subnet's network or
 *   broadcast address is dropped from an otherwise good
 *   lease and counted in dhcp.bad_lease too; DNS servers that are not
 *   unicast addresses are dropped quietly. An MTU below 68 is ignored, one
 *   above the driver's is capped at it. T1 and T2 fall back to 0.5 and
 *   0.875 of the lease unless T1 < T2 < lease (RFC 2131 4.4.5). A lease of
 *   0xffffffff is infinite: no renewal, never expires.
 * - The lease's times count from when the REQUEST that earned the ACK
 *   went out (RFC 2131 4.4.1), not from the ACK's arrival.
 * - An ACK or NAK in REQUESTING or RENEWING must carry the server
 *   identifier of the server asked (else dhcp.unexpected); in REBOOTING
 *   and REBINDING any server may answer. The ACK's yiaddr must be the
 *   address asked for in REQUESTING and REBOOTING (else dhcp.bad_lease);
 *   in RENEWING and REBINDING the server may change the lease, address
 *   included, and the change is applied.
 * - Replies must come from port 67 (RFC 2131 4.1), else dhcp.not_for_us.
 * - Retransmission (RFC 2131 4.1): 4, 8, 16, 32, then 64 s, each +-1 s
 *   uniform. SELECTING retransmits forever with the same xid (secs
 *   growing); REQUESTING and REBOOTING give up after 4 transmissions and
 *   start over in SELECTING with a new xid. The REQUEST in REQUESTING
 *   repeats the DISCOVER's secs (RFC 2131 4.4.1 MUST).
 * - After a NAK the client restarts (RFC 2131 3.1 step 5) after 2 s,
 *   doubling with each NAK in a row up to 64 s, so that a server that
 *   NAKs everything is not hammered; being bound resets the count.
 * - A new xid for each exchange: DISCOVER (its REQUEST keeps the xid, RFC
 *   2131 table 5), INIT-REBOOT, RENEWING, REBINDING, RELEASE.
 * - RELEASE goes unicast to the server when its next hop's MAC is known;
 *   otherwise it is broadcast (it names the server in option 54), since
 *   removing the address right after it would flush a RELEASE still
 *   waiting for ARP resolution.
 * - Counters: dhcp.renewals and dhcp.rebinds count entries into RENEWING
 *   and REBINDING; dhcp.offers, acks and naks count those accepted.
 * - Events: BOUND, RENEWED and LOST from a received message are reported
 *   at once (the socket callback is a safe point); LOST at the lease's end
 *   (a timer) is deferred to the end of that poll through an event source.
 */
#include "dhcp_layer.h"

#include "erg/dhcp.h"
#include "../udp/udp_layer.h"
#include "../ether/ether_link.h"

#define US_PER_S 1000000ull

/* RFC 2131 4.1: first wait 4 s, doubling to 64 s, +-1 s random. */
#define DHCP_RTX_FIRST_S 4u
#define DHCP_RTX_MAX_S   64u
#define DHCP_JITTER_US   1000000u
/* Transmissions of a REQUEST (REQUESTING, REBOOTING) before giving up. */
#define DHCP_REQUEST_TRIES 4u
/* RFC 2131 4.4.5: never retransmit in RENEWING/REBINDING under 60 s. */
#define DHCP_RENEW_MIN_S 60u
/* The first wait after a NAK, doubled per NAK in a row up to 64 s. */
#define DHCP_NAK_WAIT_S    2u
#define DHCP_NAK_SHIFT_MAX 5u
#define DHCP_INFINITE      0xffffffffu
/*
 * Shorter leases are taken as this long, and a T1 under DHCP_T1_MIN_S
 * as a misconfiguration (the default times apply): a 1-s lease, or T1 =
 * 0, would start a renewal at every ACK, a storm rather than a lease
 * (dhcpcd floors leases at 20 s for the same reason). Short T1s are
 * honoured otherwise: dnsmasq, asked for T1 10 s, answers a renewal
 * with the time left to it, 9 s.
 */
#define DHCP_LEASE_MIN_S 60u
_Static_assert(ERG_DHCP_DNS_MAX <= ERG_IPV4_DNS_MAX,
    "a lease's DNS servers must fit the interface's");
#define DHCP_T1_MIN_S 2u
/* Option 61: type 1 (Ethernet, RFC 2132 9.14) and the MAC. */
#define DHCP_CLIENT_ID_LEN 7u

enum dhcp_state {
	DHCP_OFF = 0,
	DHCP_INIT,
	DHCP_SELECTING,
	DHCP_REQUESTING,
	DHCP_REBOOTING,
	DHCP_BOUND,
	DHCP_RENEWING,
	DHCP_REBINDING
};

/* Event bits of struct dhcp_client's ev (only the lease's end). */
#define DHCP_EV_LOST 0x1u

struct dhcp_client {
	struct erg_timer timer;
	struct erg_evsrc ev;
	struct erg_stack *s;
	unsigned ifindex;
	uint8_t state;
	uint8_t tries; /* transmissions of the current message */
	uint8_t naks;  /* NAKs in a row */
	uint8_t hostname_len;
	uint16_t disc_secs; /* secs of the last DISCOVER */
	uint32_t xid;
	uint64_t start_us; /* the exchange began */
	uint64_t req_us;   /* the exchange's first REQUEST went out */
	uint32_t offer_addr;
	uint32_t offer_server;
	uint32_t reboot_addr;
	uint64_t t1_at; /* absolute times; UINT64_MAX: never */
	uint64_t t2_at;
	uint64_t end_at;
	struct erg_dhcp_lease lease; /* valid while BOUND..REBINDING */
	struct erg_dhcp_lease lost;  /* what a deferred LOST reports */
	erg_dhcp_event_fn cb;
	void *ctx;
	uint8_t client_id[DHCP_CLIENT_ID_LEN];
	char hostname[ERG_DHCP_HOSTNAME_MAX];
};

struct erg_dhcp {
	struct dhcp_client *c;
	unsigned n;
	unsigned running;
	struct erg_udp_sock *sock;
	uint32_t sock_gen; /* moves on whenever sock is closed */
	uint8_t buf[ERG_DHCP_MSG_MIN];
};

static void dhcp_timer(struct erg_stack *s, struct erg_timer *t);
static void dhcp_deliver_ev(struct erg_evsrc *ev, unsigned bits);

void
erg_dhcp_layout(struct erg_carve *c, const struct erg_config *cfg,
    struct erg_stack *s)
{
	struct erg_dhcp *d = erg_carve(c, sizeof(*d));
	struct dhcp_client *cl =
	    erg_carve_array(c, cfg->netif_count, sizeof(struct dhcp_client));
	unsigned i;

	if (s == NULL) {
		return;
	}
	d->c = cl;
	d->n = cfg->netif_count;
	for (i = 0; i < d->n; i++) {
		cl[i].s = s;
		cl[i].ifindex = i;
		erg_timer_setup(&cl[i].timer, dhcp_timer);
		cl[i].ev.deliver = dhcp_deliver_ev;
	}
	s->dhcp = d;
}

/* ---- Helpers ---------------------------------------------------------- */

static struct dhcp_client *
dhcp_client_get(struct erg_stack *s, unsigned ifindex)
{
	if (ifindex >= s->dhcp->n || ifindex >= s->netif_n) {
		return NULL;
	}
	return &s->dhcp->c[ifindex];
}

static bool
dhcp_has_lease(const struct dhcp_client *c)
{
	return c->state == DHCP_BOUND || c->state == DHCP_RENEWING ||
	    c->state == DHCP_REBINDING;
}

/*
 * An address a host may hold or talk to: not 0.0.0.0/8 ("this network",
 * RFC 1122 3.2.1.3), broadcast, multicast, loopback or class E.
 */
static bool
dhcp_addr_usable(uint32_t a)
{
	return (a >> 24) != 0 && !erg_ipv4_is_bad_src(a);
}

/*
 * True unless a is the network or broadcast address of its subnet (mask
 * contiguous; /31 and /32 have neither, RFC 3021).
 */
static bool
dhcp_host_ok(uint32_t a, uint32_t mask)
{
	return mask >= 0xfffffffeu ||
	    ((a & ~mask) != 0 && (a & ~mask) != ~mask);
}

/* The classful mask of a unicast address (RFC 2132 3.3: when absent). */
static uint32_t
dhcp_classful_mask(uint32_t a)
{
	if ((a & 0x80000000u) == 0) {
		return 0xff000000u;
	}
	if ((a & 0xc0000000u) == 0x80000000u) {
		return 0xffff0000u;
	}
	return 0xffffff00u;
}

/* The prefix length of a contiguous mask, or 0 if it is not one. */
static unsigned
dhcp_prefix_len(uint32_t mask)
{
	uint32_t host = ~mask;
	unsigned n = 0;

	/* Contiguous: the host bits are 2^k - 1. */
	if ((host & (host + 1)) != 0) {
		return 0;
	}
	while (n < 32 && (mask & (0x80000000u >> n)) != 0) {
		n++;
	}
	return n;
}

static uint16_t
dhcp_secs(const struct erg_stack *s, const struct dhcp_client *c)
{
	uint64_t secs = (s->now - c->start_us) / US_PER_S;

	return (uint16_t)ERG_MIN(secs, 0xffffu);
}

/* The user's callback, with a copy of the lease (stop may clear it). */
static void
dhcp_report(struct dhcp_client *c, enum erg_dhcp_event ev,
    const struct erg_dhcp_lease *l)
{
	struct erg_dhcp_lease copy = *l;

	if (c->cb != NULL) {
		c->cb(c->ctx, c->ifindex, ev, &copy);
	}
}

static void
dhcp_deliver_ev(struct erg_evsrc *ev, unsigned bits)
{
	struct dhcp_client *c = ERG_CONTAINER_OF(ev, struct dhcp_client, ev);

	if ((bits & DHCP_EV_LOST) != 0) {
		dhcp_report(c, ERG_DHCP_LOST, &c->lost);
	}
}

/* ---- Sending ---------------------------------------------------------- */

/* The fields every message of c shares (RFC 2131 table 5). */
static void
dhcp_msg_init(const struct dhcp_client *c, struct erg_dhcp_repr *r,
    uint8_t type)
{
	const struct erg_netif *nif = &c->s->netifs[c->ifindex];

	memset(r, 0, sizeof(*r));
	r->op = ERG_DHCP_BOOTREQUEST;
	r->htype = 1;
	r->hlen = 6;
	r->xid = c->xid;
	memcpy(r->chaddr, nif->mac, 6);
	r->msg_type = type;
	r->client_id = c->client_id;
	r->client_id_len = DHCP_CLIENT_ID_LEN;
	if (type == ERG_DHCP_RELEASE) {
		return; /* table 5: server id and client id only */
	}
	r->hostname = c->hostname_len > 0 ? c->hostname : NULL;
	r->hostname_len = c->hostname_len;
	r->max_size = ERG_DHCP_MSG_MIN;
	r->param_list = true;
}

static void
dhcp_send(struct erg_stack *s, const struct dhcp_client *c,
    const struct erg_dhcp_repr *r, uint32_t dst)
{
	struct erg_dhcp *d = s->dhcp;
	int len = erg_dhcp_emit(r, d->buf, sizeof(d->buf));

	if (len < 0 ||
	    erg_udp_sendto_if(d->sock, c->ifindex, dst, ERG_DHCP_SERVER_PORT,
	        d->buf, (size_t)len) < 0) {
		ERG_COUNT(s, DHCP_TX_FAIL);
		return;
	}
	ERG_COUNT(s, DHCP_TX);
}

static void
dhcp_send_discover(struct erg_stack *s, struct dhcp_client *c)
{
	struct erg_dhcp_repr r;

	dhcp_msg_init(c, &r, ERG_DHCP_DISCOVER);
	c->disc_secs = dhcp_secs(s, c);
	r.secs = c->disc_secs;
	r.flags = ERG_DHCP_FLAG_BROADCAST;
	dhcp_send(s, c, &r, ERG_IPV4_BROADCAST);
}

/* The REQUEST of the current state (RFC 2131 4.3.2 and table 5). */
static void
dhcp_send_request(struct erg_stack *s, struct dhcp_client *c)
{
	struct erg_dhcp_repr r;
	uint32_t dst = ERG_IPV4_BROADCAST;

	dhcp_msg_init(c, &r, ERG_DHCP_REQUEST);
	r.secs = dhcp_secs(s, c);
	switch (c->state) {
	case DHCP_REQUESTING:
		r.secs = c->disc_secs;
		r.requested = c->offer_addr;
		r.server_id = c->offer_server;
		r.flags = ERG_DHCP_FLAG_BROADCAST;
		break;
	case DHCP_REBOOTING:
		r.requested = c->reboot_addr;
		r.flags = ERG_DHCP_FLAG_BROADCAST;
		break;
	case DHCP_RENEWING:
		r.ciaddr = c->lease.addr;
		dst = c->lease.server;
		break;
	default: /* DHCP_REBINDING */
		r.ciaddr = c->lease.addr;
		break;
	}
	/* RFC 2131 4.4.1: the lease runs from the first REQUEST. */
	if (c->tries <= 1) {
		c->req_us = s->now;
	}
	dhcp_send(s, c, &r, dst);
}

/*
 * RELEASE (RFC 2131 4.4.6): unicast to the server if its next hop is
 * resolved, else broadcast (see the header comment).
 */
static void
dhcp_send_release(struct erg_stack *s, struct dhcp_client *c)
{
	const struct erg_netif *nif = &s->netifs[c->ifindex];
	struct erg_dhcp_repr r;
	uint32_t hop = c->lease.server, dst = ERG_IPV4_BROADCAST;
	uint8_t mac[6];

	if ((hop & nif->mask) != (nif->addr & nif->mask)) {
		hop = nif->gw;
	}
	if (hop != 0 && erg_arp_lookup(s, c->ifindex, hop, mac, NULL) == 0) {
		dst = c->lease.server;
	}
	c->xid = erg_rand32(s);
	dhcp_msg_init(c, &r, ERG_DHCP_RELEASE);
	r.ciaddr = c->lease.addr;
	r.server_id = c->lease.server;
	dhcp_send(s, c, &r, dst);
	ERG_COUNT(s, DHCP_RELEASES);
}

/* ---- Timers and transitions ------------------------------------------- */

/* Arms the retransmission after the tries-th transmission (tries >= 1). */
static void
dhcp_arm_backoff(struct erg_stack *s, struct dhcp_client *c)
{
	unsigned shift = ERG_MIN((unsigned)c->tries - 1u, 4u);
	uint64_t base =
	    (uint64_t)ERG_MIN(DHCP_RTX_FIRST_S << shift, DHCP_RTX_MAX_S) *
	    US_PER_S;
	uint64_t jitter = erg_rand32(s) % (2u * DHCP_JITTER_US + 1u);

	erg_timer_arm(s, &c->timer, s->now + base - DHCP_JITTER_US + jitter);
}

/*
 * A new exchange in state: a fresh xid (RFC 2131 4.4.1), its clock (the
 * secs field), and the count of its first transmission, about to go.
 */
static void
dhcp_exchange_new(struct erg_stack *s, struct dhcp_client *c, uint8_t state)
{
	c->state = state;
	c->xid = erg_rand32(s);
	c->start_us = s->now;
	c->tries = 1;
}

/* SELECTING: a new exchange, DISCOVER now. */
static void
dhcp_discover_begin(struct erg_stack *s, struct dhcp_client *c)
{
	dhcp_exchange_new(s, c, DHCP_SELECTING);
	dhcp_send_discover(s, c);
	dhcp_arm_backoff(s, c);
}

/* REBOOTING (RFC 2131 3.2, 4.4.2): ask for the remembered address. */
static void
dhcp_reboot_begin(struct erg_stack *s, struct dhcp_client *c)
{
	dhcp_exchange_new(s, c, DHCP_REBOOTING);
	dhcp_send_request(s, c);
	dhcp_arm_backoff(s, c);
}

/* INIT after a NAK: wait, then DISCOVER (RFC 2131 3.1 step 5). */
static void
dhcp_init_wait(struct erg_stack *s, struct dhcp_client *c)
{
	unsigned shift;

	if (c->naks < 0xff) {
		c->naks++;
	}
	shift = ERG_MIN((unsigned)c->naks - 1u, DHCP_NAK_SHIFT_MAX);
	c->state = DHCP_INIT;
	c->tries = 0;
	erg_timer_arm(s, &c->timer,
	    s->now +
	        (uint64_t)ERG_MIN(DHCP_NAK_WAIT_S << shift, DHCP_RTX_MAX_S) *
	            US_PER_S);
}

/* Removes the lease from the interface (RFC 2131 4.4.5: it ended). */
static void
dhcp_lease_remove(struct erg_stack *s, struct dhcp_client *c)
{
	(void)erg_ipv4_addr_set(s, c->ifindex, ERG_IPV4_ANY, 0);
	(void)erg_ipv4_dns_set(s, c->ifindex, NULL, 0);
	(void)erg_netif_mtu_set(s, c->ifindex, 0);
}

/* The lease ran out in a timer: LOST (deferred), then SELECTING. */
static void
dhcp_expire(struct erg_stack *s, struct dhcp_client *c)
{
	ERG_COUNT(s, DHCP_LEASES_LOST);
	c->lost = c->lease;
	dhcp_lease_remove(s, c);
	erg_event_post(s, &c->ev, DHCP_EV_LOST);
	dhcp_discover_begin(s, c);
}

/*
 * The next retransmission in RENEWING or REBINDING: half the time left
 * until limit, at least 60 s, but never after limit (RFC 2131 4.4.5).
 */
static void
dhcp_arm_half(struct erg_stack *s, struct dhcp_client *c, uint64_t limit)
{
	uint64_t wait = limit > s->now ? (limit - s->now) / 2 : 0;
	uint64_t when =
	    s->now + ERG_MAX(wait, (uint64_t)DHCP_RENEW_MIN_S * US_PER_S);

	erg_timer_arm(s, &c->timer, ERG_MIN(when, limit));
}

/*
 * RENEWING (state DHCP_RENEWING, until T2) or REBINDING (until the
 * lease's end): a new exchange, its first REQUEST, and the wait.
 */
static void
dhcp_extend_begin(struct erg_stack *s, struct dhcp_client *c, uint8_t state)
{
	bool renew = state == DHCP_RENEWING;

	ERG_COUNT_ID(s, renew ? ERG_STAT_DHCP_RENEWALS : ERG_STAT_DHCP_REBINDS);
	dhcp_exchange_new(s, c, state);
	dhcp_send_request(s, c);
	dhcp_arm_half(s, c, renew ? c->t2_at : c->end_at);
}

/* A retransmission of the current message. */
static void
dhcp_retransmit(struct erg_stack *s, struct dhcp_client *c)
{
	ERG_COUNT(s, DHCP_RETRANSMITS);
	if (c->tries < 0xff) {
		c->tries++;
	}
	if (c->state == DHCP_SELECTING) {
		dhcp_send_discover(s, c);
	} else {
		dhcp_send_request(s, c);
	}
	if (c->state == DHCP_RENEWING) {
		dhcp_arm_half(s, c, c->t2_at);
	} else if (c->state == DHCP_REBINDING) {
		dhcp_arm_half(s, c, c->end_at);
	} else {
		dhcp_arm_backoff(s, c);
	}
}

/* BOUND, RENEWING, REBINDING: where the lease's clock has got to. */
static void
dhcp_lease_timer(struct erg_stack *s, struct dhcp_client *c)
{
	if (s->now >= c->end_at) {
		dhcp_expire(s, c);
	} else if (s->now >= c->t2_at) {
		if (c->state == DHCP_REBINDING) {
			dhcp_retransmit(s, c);
		} else {
			dhcp_extend_begin(s, c, DHCP_REBINDING);
		}
	} else if (c->state == DHCP_BOUND) {
		dhcp_extend_begin(s, c,
		    DHCP_RENEWING); /* armed for T1: it has come */
	} else {
		dhcp_retransmit(s, c);
	}
}

static void
dhcp_timer(struct erg_stack *s, struct erg_timer *t)
{
	struct dhcp_client *c = ERG_CONTAINER_OF(t, struct dhcp_client, timer);

	switch (c->state) {
	case DHCP_INIT:
		dhcp_discover_begin(s, c);
		break;
	case DHCP_SELECTING:
		dhcp_retransmit(s, c);
		break;
	case DHCP_REQUESTING:
	case DHCP_REBOOTING:
		if (c->tries >= DHCP_REQUEST_TRIES) {
			dhcp_discover_begin(s, c); /* no answer: start over */
		} else {
			dhcp_retransmit(s, c);
		}
		break;
	case DHCP_BOUND:
	case DHCP_RENEWING:
	case DHCP_REBINDING:
		dhcp_lease_timer(s, c);
		break;
	default:
		break;
	}
}

/* ---- Leases ----------------------------------------------------------- */

/* Router and DNS servers of r that fit the lease l (address set). */
static void
dhcp_lease_servers(struct erg_stack *s, const struct erg_dhcp_repr *r,
    struct erg_dhcp_lease *l, uint32_t mask)
{
	unsigned i;

	if (r->has_router) {
		if (dhcp_addr_usable(r->router) && r->router != l->addr &&
		    (r->router & mask) == (l->addr & mask) &&
		    dhcp_host_ok(r->router, mask)) {
			l->router = r->router;
		} else {
			ERG_COUNT(s, DHCP_BAD_LEASE); /* not on-link: dropped */
		}
	}
	for (i = 0; i < r->dns_n && i < ERG_DHCP_DNS_MAX; i++) {
		uint32_t a = r->dns[i];

		/*
		 * A host, and not us: the subnet's broadcast would spread
		 * every name looked up over the link.
		 */
		if (dhcp_addr_usable(a) && a != l->addr &&
		    ((a & mask) != (l->addr & mask) || dhcp_host_ok(a, mask))) {
			l->dns[l->dns_n++] = a;
		} else {
			ERG_COUNT(s, DHCP_BAD_LEASE);
		}
	}
}

/*
 * T1, T2 (RFC 2131 4.4.5): given, unless not DHCP_T1_MIN_S <= T1 < T2 <
 * lease; the lease at least DHCP_LEASE_MIN_S.
 */
static void
dhcp_lease_times(const struct erg_dhcp_repr *r, struct erg_dhcp_lease *l)
{
	uint32_t lease = ERG_MAX(r->lease_s, DHCP_LEASE_MIN_S), t1, t2;

	l->lease_s = lease;
	if (lease == DHCP_INFINITE) {
		l->t1_s = DHCP_INFINITE;
		l->t2_s = DHCP_INFINITE;
		return;
	}
	t1 = r->has_t1 ? r->t1_s : lease / 2;
	t2 = r->has_t2 ? r->t2_s : (uint32_t)((uint64_t)lease * 7 / 8);
	if (!(DHCP_T1_MIN_S <= t1 && t1 < t2 && t2 < lease)) {
		t1 = lease / 2;
		t2 = (uint32_t)((uint64_t)lease * 7 / 8);
	}
	l->t1_s = t1;
	l->t2_s = t2;
}

/* Validates an ACK into a lease (see the header comment). */
static bool
dhcp_lease_make(struct erg_stack *s, const struct dhcp_client *c,
    const struct erg_dhcp_repr *r, struct erg_dhcp_lease *l)
{
	uint32_t mask;
	unsigned prefix;

	memset(l, 0, sizeof(*l));
	if (!dhcp_addr_usable(r->yiaddr) || !dhcp_addr_usable(r->server_id) ||
	    !r->has_lease || r->lease_s == 0) {
		return false;
	}
	mask = r->has_mask ? r->mask : dhcp_classful_mask(r->yiaddr);
	prefix = dhcp_prefix_len(mask);
	if (prefix == 0 || !dhcp_host_ok(r->yiaddr, mask)) {
		return false;
	}
	l->addr = r->yiaddr;
	l->prefix_len = prefix;
	l->server = r->server_id;
	dhcp_lease_servers(s, r, l, mask);
	if (r->has_mtu && r->mtu >= ERG_IPV4_MIN_MTU) {
		l->mtu = ERG_MIN(r->mtu, s->netifs[c->ifindex].mtu_max);
	}
	dhcp_lease_times(r, l);
	l->acked_us = s->now;
	return true;
}

/* Puts l on the interface: what changed, or everything when fresh. */
static int
dhcp_lease_apply(struct erg_stack *s, struct dhcp_client *c,
    const struct erg_dhcp_lease *l, bool fresh)
{
	const struct erg_dhcp_lease *o = &c->lease;
	unsigned ifx = c->ifindex;
	int rc;

	if (fresh || o->addr != l->addr || o->prefix_len != l->prefix_len) {
		rc = erg_ipv4_addr_set(s, ifx, l->addr, l->prefix_len);
		if (rc < 0) {
			return rc;
		}
		fresh = true; /* a new subnet drops the gateway: set it again */
	}
	if ((fresh || o->router != l->router) &&
	    erg_ipv4_gateway_set(s, ifx, l->router) < 0) {
		return -ERG_EINVAL; /* dhcp_lease_make checked: cannot be */
	}
	(void)erg_ipv4_dns_set(s, ifx, l->dns, l->dns_n);
	if (fresh || o->mtu != l->mtu) {
		(void)erg_netif_mtu_set(s, ifx, l->mtu);
	}
	return 0;
}

/* Absolute lease times, from the REQUEST's departure (RFC 2131 4.4.1). */
static void
dhcp_lease_clock(struct dhcp_client *c)
{
	const struct erg_dhcp_lease *l = &c->lease;
	uint64_t base = c->req_us;

	if (l->lease_s == DHCP_INFINITE) {
		c->t1_at = UINT64_MAX;
		c->t2_at = UINT64_MAX;
		c->end_at = UINT64_MAX;
		return;
	}
	c->t1_at = base + (uint64_t)l->t1_s * US_PER_S;
	c->t2_at = base + (uint64_t)l->t2_s * US_PER_S;
	c->end_at = base + (uint64_t)l->lease_s * US_PER_S;
}

/* An ACK that is ours and expected: apply, BOUND, report ev. */
static void
dhcp_ack(struct erg_stack *s, struct dhcp_client *c,
    const struct erg_dhcp_repr *r, enum erg_dhcp_event ev)
{
	struct erg_dhcp_lease l;

	if (!dhcp_lease_make(s, c, r, &l) ||
	    dhcp_lease_apply(s, c, &l, ev == ERG_DHCP_BOUND) < 0) {
		ERG_COUNT(s, DHCP_BAD_LEASE);
		return;
	}
	ERG_COUNT(s, DHCP_ACKS);
	c->lease = l;
	c->naks = 0;
	c->tries = 0;
	c->state = DHCP_BOUND;
	dhcp_lease_clock(c);
	if (c->t1_at == UINT64_MAX) {
		erg_timer_cancel(s, &c->timer);
	} else {
		erg_timer_arm(s, &c->timer, c->t1_at);
	}
	dhcp_report(c, ev, &c->lease);
}

/* ---- Input ------------------------------------------------------------ */

static void
dhcp_rx_selecting(struct erg_stack *s, struct dhcp_client *c,
    const struct erg_dhcp_repr *r)
{
	if (r->msg_type != ERG_DHCP_OFFER) {
		ERG_COUNT(s, DHCP_UNEXPECTED);
		return;
	}
	if (!dhcp_addr_usable(r->yiaddr) || !dhcp_addr_usable(r->server_id)) {
		ERG_COUNT(s, DHCP_BAD_LEASE);
		return;
	}
	ERG_COUNT(s, DHCP_OFFERS);
	c->offer_addr = r->yiaddr;
	c->offer_server = r->server_id;
	c->state = DHCP_REQUESTING;
	c->tries = 1;
	dhcp_send_request(s, c);
	dhcp_arm_backoff(s, c);
}

/* A NAK while holding a lease: LOST, then INIT (RFC 2131 4.4.5). */
static void
dhcp_nak_lost(struct erg_stack *s, struct dhcp_client *c)
{
	struct erg_dhcp_lease l = c->lease;

	ERG_COUNT(s, DHCP_NAKS);
	ERG_COUNT(s, DHCP_LEASES_LOST);
	dhcp_lease_remove(s, c);
	dhcp_init_wait(s, c);
	dhcp_report(c, ERG_DHCP_LOST, &l);
}

/*
 * REQUESTING, REBOOTING, RENEWING, REBINDING: an ACK or a NAK. server is
 * the server identifier the answer must carry, 0 for any; want the
 * yiaddr an ACK must carry, 0 for any.
 */
static void
dhcp_rx_answer(struct erg_stack *s, struct dhcp_client *c,
    const struct erg_dhcp_repr *r, uint32_t server, uint32_t want)
{
	bool leased = dhcp_has_lease(c);

	/* RFC 2131 table 3: ACK and NAK both MUST carry option 54. */
	if ((r->msg_type != ERG_DHCP_ACK && r->msg_type != ERG_DHCP_NAK) ||
	    !dhcp_addr_usable(r->server_id) ||
	    (server != 0 && r->server_id != server)) {
		ERG_COUNT(s, DHCP_UNEXPECTED);
		return;
	}
	if (r->msg_type == ERG_DHCP_NAK) {
		if (leased) {
			dhcp_nak_lost(s, c);
		} else {
			ERG_COUNT(s, DHCP_NAKS);
			dhcp_init_wait(s, c);
		}
		return;
	}
	if (want != 0 && r->yiaddr != want) {
		ERG_COUNT(s, DHCP_BAD_LEASE);
		return;
	}
	dhcp_ack(s, c, r, leased ? ERG_DHCP_RENEWED : ERG_DHCP_BOUND);
}

/* A reply to client c: op, xid and MAC. */
static bool
dhcp_is_ours(const struct erg_stack *s, const struct dhcp_client *c,
    const struct erg_dhcp_repr *r)
{
	return r->op == ERG_DHCP_BOOTREPLY && r->xid == c->xid &&
	    memcmp(r->chaddr, s->netifs[c->ifindex].mac, 6) == 0;
}

/* One datagram for port 68; frees its packet. */
static void
dhcp_input(struct erg_stack *s, struct erg_udp_dgram *dg)
{
	struct erg_dhcp_repr r;
	enum erg_stat why = ERG_STAT_DHCP_BAD_OPTION;
	struct dhcp_client *c;
	int rc;

	ERG_COUNT(s, DHCP_RX);
	rc = erg_dhcp_parse(&r, dg->data, &why);
	erg_pkt_free(s, dg->pkt); /* r holds no pointer into it */
	if (rc < 0) {
		ERG_COUNT_ID(s, why);
		return;
	}
	c = dhcp_client_get(s, dg->ifindex);
	if (dg->src_port != ERG_DHCP_SERVER_PORT || c == NULL ||
	    c->state == DHCP_OFF || !dhcp_is_ours(s, c, &r)) {
		ERG_COUNT(s, DHCP_NOT_FOR_US);
		return;
	}
	switch (c->state) {
	case DHCP_SELECTING:
		dhcp_rx_selecting(s, c, &r);
		break;
	case DHCP_REQUESTING:
		dhcp_rx_answer(s, c, &r, c->offer_server, c->offer_addr);
		break;
	case DHCP_REBOOTING:
		dhcp_rx_answer(s, c, &r, 0, c->reboot_addr);
		break;
	case DHCP_RENEWING:
		/*
		 * Asked by unicast: the answer comes from the server's own
		 * address (RFC 2132 9.7), which an off-path forger must
		 * spoof as well.
		 */
		if (dg->src != c->lease.server) {
			ERG_COUNT(s, DHCP_UNEXPECTED);
			break;
		}
		dhcp_rx_answer(s, c, &r, c->lease.server, 0);
		break;
	case DHCP_REBINDING:
		dhcp_rx_answer(s, c, &r, 0, 0);
		break;
	default: /* INIT, BOUND: nothing asked */
		ERG_COUNT(s, DHCP_UNEXPECTED);
		break;
	}
}

/*
 * The shared socket's callback. A user callback run from dhcp_input may
 * stop (closing the socket) and start clients again: the loop ends when
 * the socket it started with is gone.
 */
static void
dhcp_sock_cb(struct erg_udp_sock *u, unsigned events, void *ctx)
{
	struct erg_stack *s = ctx;
	struct erg_dhcp *d = s->dhcp;
	uint32_t gen = d->sock_gen;
	struct erg_udp_dgram dg;

	if ((events & ERG_EV_ERROR) != 0) {
		/* An ICMP error: retransmission copes. */
		(void)erg_udp_error(u);
	}
	while (
	    d->sock == u && d->sock_gen == gen && erg_udp_recv(u, &dg) == 0) {
		dhcp_input(s, &dg);
	}
}

/* ---- API -------------------------------------------------------------- */

static int
dhcp_sock_open(struct erg_stack *s)
{
	struct erg_dhcp *d = s->dhcp;
	struct erg_udp_sock *u;
	int rc;

	if (erg_udp_open(s, dhcp_sock_cb, s, &u) < 0) {
		return -ERG_ENOMEM;
	}
	rc = erg_udp_bind(u, ERG_IPV4_ANY, ERG_DHCP_CLIENT_PORT);
	if (rc < 0) {
		erg_udp_close(u);
		return rc;
	}
	d->sock = u;
	return 0;
}

static bool
dhcp_opts_valid(const struct erg_dhcp_opts *o)
{
	return o->hostname_len <= ERG_DHCP_HOSTNAME_MAX &&
	    (o->hostname != NULL || o->hostname_len == 0) &&
	    (o->reboot_addr == 0 || dhcp_addr_usable(o->reboot_addr));
}

int
erg_dhcp_start(struct erg_stack *s, unsigned ifindex,
    const struct erg_dhcp_opts *o)
{
	struct erg_dhcp *d;
	struct dhcp_client *c;
	int rc;

	if (s == NULL || o == NULL || !dhcp_opts_valid(o) ||
	    (c = dhcp_client_get(s, ifindex)) == NULL) {
		return -ERG_EINVAL;
	}
	d = s->dhcp;
	if (c->state != DHCP_OFF || s->netifs[ifindex].addr != 0) {
		return -ERG_ESTATE;
	}
	if (d->running == 0 && (rc = dhcp_sock_open(s)) < 0) {
		return rc;
	}
	d->running++;
	c->cb = o->cb;
	c->ctx = o->ctx;
	c->reboot_addr = o->reboot_addr;
	c->hostname_len = (uint8_t)o->hostname_len;
	if (o->hostname_len > 0) {
		memcpy(c->hostname, o->hostname, o->hostname_len);
	}
	c->client_id[0] = 1; /* RFC 2132 9.14: hardware type, Ethernet */
	memcpy(c->client_id + 1, s->netifs[ifindex].mac, 6);
	c->naks = 0;
	memset(&c->lease, 0, sizeof(c->lease));
	if (c->reboot_addr != 0) {
		dhcp_reboot_begin(s, c);
	} else {
		dhcp_discover_begin(s, c);
	}
	return 0;
}

int
erg_dhcp_stop(struct erg_stack *s, unsigned ifindex)
{
	struct erg_dhcp *d = s->dhcp;
	struct dhcp_client *c = dhcp_client_get(s, ifindex);

	if (c == NULL || c->state == DHCP_OFF) {
		return -ERG_ESTATE;
	}
	if (dhcp_has_lease(c)) {
		dhcp_send_release(s, c);
		dhcp_lease_remove(s, c);
	}
	erg_timer_cancel(s, &c->timer);
	erg_event_cancel(s, &c->ev);
	c->state = DHCP_OFF;
	memset(&c->lease, 0, sizeof(c->lease));
	if (--d->running == 0) {
		erg_udp_close(d->sock);
		d->sock = NULL;
		d->sock_gen++;
	}
	return 0;
}

int
erg_dhcp_lease(const struct erg_stack *s, unsigned ifindex,
    struct erg_dhcp_lease *out)
{
	const struct dhcp_client *c;

	if (ifindex >= s->dhcp->n || ifindex >= s->netif_n) {
		return -ERG_ESTATE;
	}
	c = &s->dhcp->c[ifindex];
	if (!dhcp_has_lease(c)) {
		return -ERG_ESTATE;
	}
	*out = c->lease;
	return 0;
}
