/*
 * tests/sim/sim_dhcp.c: the DHCP client (RFC 2131) against a scripted
 * server (tests/lib/dhcp_server.h), both erg stacks on one loop wire.
 *
 * Host 1 (198.18.0.1) is the server, host 10 the client, whose address
 * sim_add gave is removed before the client starts. Every test ends with
 * the client stopped, the server's socket closed, and every pool back at
 * its baseline (the client's shared socket returned).
 *
 * What each test proves is in the comment above it. Timings are checked
 * against RFC 2131 4.1 (4, 8, 16, 32, 64 s +-1 s) and 4.4.5 (T1, T2,
 * half the remaining time, at least 60 s), with a tolerance of
 * TOL_US for the wire's per-hop microsecond and ARP resolution.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "erg/erg.h"
#include "lib/sim.h"
#include "lib/dhcp_server.h"

#define HOST_SRV   1u
#define HOST_SRV2  2u
#define HOST_CLI   10u
#define SRV_ADDR   ERG_IPV4(198, 18, 0, 1)
#define SRV2_ADDR  ERG_IPV4(198, 18, 0, 2)
#define LEASE_ADDR ERG_IPV4(198, 18, 0, 100)
#define SPOOF_ADDR ERG_IPV4(198, 18, 0, 66)
#define TOL_US     (10 * SIM_MS)
#define EV_MAX     32u

struct evlog {
	unsigned n;
	unsigned ifindex[EV_MAX];
	enum erg_dhcp_event ev[EV_MAX];
	struct erg_dhcp_lease lease[EV_MAX];
	uint64_t t[EV_MAX];
	/* What the interface looked like when the event came. */
	uint32_t addr[EV_MAX];
	struct sim *sim;
	struct erg_stack *s;
};

struct env {
	struct sim *sim;
	struct sim_node *srv_node;
	struct sim_node *cli;
	unsigned ifx;
	struct dhcp_srv *srv;
	struct evlog *log;
	struct erg_dhcp_opts o;
	unsigned want;
	unsigned hook_n;            /* hooks' own counter */
	struct erg_udp_sock *spoof; /* a server socket on port 1067 */
};

static void
ev_cb(void *ctx, unsigned ifindex, enum erg_dhcp_event ev,
    const struct erg_dhcp_lease *l)
{
	struct evlog *log = ctx;

	assert_true(log->n < EV_MAX);
	log->ifindex[log->n] = ifindex;
	log->ev[log->n] = ev;
	log->lease[log->n] = *l;
	log->t[log->n] = log->sim->now;
	log->addr[log->n] = erg_ipv4_addr(log->s, ifindex);
	log->n++;
}

static void
env_init(struct env *e, struct sim *sim, const char *name, uint64_t seed)
{
	memset(e, 0, sizeof(*e));
	e->sim = sim;
	sim_start(sim, name, seed, NULL);
	e->srv_node = sim_add(sim, NULL, HOST_SRV);
	e->cli = sim_add(sim, NULL, HOST_CLI);
	e->ifx = e->cli->ifindex;
	assert_int_equal(erg_ipv4_addr_set(e->cli->s, e->ifx, 0, 0), 0);
	e->srv = sim_calloc(sim, 1, sizeof(*e->srv));
	dhcp_srv_init(e->srv, e->srv_node->s);
	e->log = sim_calloc(sim, 1, sizeof(*e->log));
	e->log->sim = sim;
	e->log->s = e->cli->s;
	e->o.cb = ev_cb;
	e->o.ctx = e->log;
	e->o.hostname = "erg-sim";
	e->o.hostname_len = 7;
	e->srv->hook_ctx = e;
}

static void
env_start(struct env *e)
{
	assert_int_equal(erg_dhcp_start(e->cli->s, e->ifx, &e->o), 0);
}

static bool
until_events(struct sim *sim, void *ctx)
{
	const struct env *e = ctx;

	(void)sim;
	return e->log->n >= e->want;
}

static bool
until_srv(struct sim *sim, void *ctx)
{
	const struct env *e = ctx;

	(void)sim;
	return e->srv->n >= e->want;
}

/* Runs until the client has reported n events in all. */
static void
run_events(struct env *e, unsigned n, uint64_t for_us)
{
	e->want = n;
	assert_true(sim_run_until(e->sim, until_events, e, for_us));
}

/* Runs until the server has received n messages in all. */
static void
run_srv(struct env *e, unsigned n, uint64_t for_us)
{
	e->want = n;
	assert_true(sim_run_until(e->sim, until_srv, e, for_us));
}

static void
assert_near(uint64_t t, uint64_t expect, uint64_t tol)
{
	if (t + tol < expect || t > expect + tol) {
		fail_msg("time %llu us, expected %llu +- %llu",
		    (unsigned long long)t, (unsigned long long)expect,
		    (unsigned long long)tol);
	}
}

/* Stops the client (if running), closes the server, checks the pools. */
static void
env_finish(struct env *e)
{
	int rc = erg_dhcp_stop(e->cli->s, e->ifx);

	assert_true(rc == 0 || rc == -ERG_ESTATE);
	if (e->spoof != NULL) {
		erg_udp_close(e->spoof);
	}
	dhcp_srv_fini(e->srv);
	sim_run_for(e->sim, 5 * SIM_SEC);
	sim_assert_no_leaks(e->sim);
	sim_pass(e->sim);
}

static uint64_t
cstat(const struct env *e, enum erg_stat id)
{
	return sim_stat(e->cli, id);
}

static const uint8_t *
opt(const struct dhcp_srv_rx *rx, uint8_t code, size_t *len)
{
	return dhcp_srv_opt(rx, code, len);
}

/* ---- DORA ------------------------------------------------------------- */

/* The client options RFC 2131 table 5 asks for, as this client sends. */
static void
check_client_options(const struct env *e, const struct dhcp_srv_rx *rx)
{
	const uint8_t *v;
	size_t len = 0;

	v = opt(rx, ERG_DHCP_OPT_CLIENT_ID, &len);
	assert_non_null(v);
	assert_int_equal(len, 7);
	assert_int_equal(v[0], 1);
	assert_memory_equal(v + 1, e->cli->mac, 6);
	v = opt(rx, ERG_DHCP_OPT_PARAM_LIST, &len);
	assert_non_null(v);
	assert_int_equal(len, 7);
	assert_memory_equal(v, "\x01\x03\x06\x1a\x33\x3a\x3b", 7);
	v = opt(rx, ERG_DHCP_OPT_MAX_SIZE, &len);
	assert_non_null(v);
	assert_int_equal(erg_be16(v), 576);
	v = opt(rx, ERG_DHCP_OPT_HOSTNAME, &len);
	assert_non_null(v);
	assert_int_equal(len, 7);
	assert_memory_equal(v, "erg-sim", 7);
	assert_memory_equal(rx->r.chaddr, e->cli->mac, 6);
	assert_int_equal(rx->r.flags, ERG_DHCP_FLAG_BROADCAST);
	assert_int_equal(rx->src, ERG_IPV4_ANY);
	assert_int_equal(rx->dst, ERG_IPV4_BROADCAST);
	assert_int_equal(rx->sport, ERG_DHCP_CLIENT_PORT);
	assert_int_equal(rx->r.ciaddr, 0);
}

static bool
until_udp(struct sim *sim, void *ctx)
{
	(void)sim;
	return erg_udp_pending(ctx) > 0;
}

/*
 * Full DORA: DISCOVER and REQUEST carry the right options and xid, the
 * lease (address, prefix, gateway, three DNS servers, MTU 1400) lands on
 * the interface and in erg_dhcp_lease, BOUND is reported once with it,
 * and the address works: a datagram from the server reaches it.
 */
static void
test_dhcp_dora_applies_lease(void **state)
{
	struct sim *sim = *state;
	struct env e;
	const struct dhcp_srv_rx *d, *q;
	struct erg_dhcp_lease l;
	struct erg_udp_sock *u, *su;
	uint32_t dns[4];
	const uint8_t *v;
	size_t len;
	char buf[8];

	env_init(&e, sim, "dhcp_dora", 1);
	e.srv->dns[1] = ERG_IPV4(198, 18, 0, 53);
	e.srv->dns[2] = ERG_IPV4(192, 0, 2, 53);
	e.srv->dns_n = 3;
	e.srv->mtu = 1400;
	assert_int_equal(erg_dhcp_lease(e.cli->s, e.ifx, &l), -ERG_ESTATE);
	env_start(&e);
	run_events(&e, 1, 10 * SIM_SEC);

	assert_int_equal(e.log->ev[0], ERG_DHCP_BOUND);
	assert_int_equal(e.log->ifindex[0], e.ifx);
	assert_int_equal(e.log->addr[0], LEASE_ADDR); /* applied before */
	d = dhcp_srv_find(e.srv, ERG_DHCP_DISCOVER, 1);
	q = dhcp_srv_find(e.srv, ERG_DHCP_REQUEST, 1);
	assert_non_null(d);
	assert_non_null(q);
	assert_int_equal(e.srv->n, 2);
	check_client_options(&e, d);
	check_client_options(&e, q);
	assert_int_equal(d->r.xid, q->r.xid);
	assert_int_equal(q->r.requested, LEASE_ADDR);
	assert_int_equal(q->r.server_id, SRV_ADDR);
	assert_int_equal(q->r.secs, d->r.secs);
	assert_null(opt(d, ERG_DHCP_OPT_SERVER_ID, &len));

	assert_int_equal(erg_ipv4_addr(e.cli->s, e.ifx), LEASE_ADDR);
	assert_int_equal(erg_ipv4_prefix_len(e.cli->s, e.ifx), 24);
	assert_int_equal(erg_ipv4_gateway(e.cli->s, e.ifx), SRV_ADDR);
	assert_int_equal(erg_ipv4_dns(e.cli->s, e.ifx, dns, 4), 3);
	assert_int_equal(dns[0], SRV_ADDR);
	assert_int_equal(dns[1], ERG_IPV4(198, 18, 0, 53));
	assert_int_equal(dns[2], ERG_IPV4(192, 0, 2, 53));
	assert_int_equal(erg_netif_mtu(e.cli->s, e.ifx), 1400);

	assert_int_equal(erg_dhcp_lease(e.cli->s, e.ifx, &l), 0);
	assert_memory_equal(&l, &e.log->lease[0], sizeof(l));
	assert_int_equal(l.addr, LEASE_ADDR);
	assert_int_equal(l.prefix_len, 24);
	assert_int_equal(l.router, SRV_ADDR);
	assert_int_equal(l.server, SRV_ADDR);
	assert_int_equal(l.dns_n, 3);
	assert_int_equal(l.mtu, 1400);
	assert_int_equal(l.lease_s, 3600);
	assert_int_equal(l.t1_s, 1800);
	assert_int_equal(l.t2_s, 3150);
	assert_int_equal(l.acked_us, e.log->t[0]);
	assert_int_equal(cstat(&e, ERG_STAT_DHCP_OFFERS), 1);
	assert_int_equal(cstat(&e, ERG_STAT_DHCP_ACKS), 1);
	assert_int_equal(cstat(&e, ERG_STAT_DHCP_TX), 2);
	assert_int_equal(cstat(&e, ERG_STAT_DHCP_RX), 2);
	assert_int_equal(cstat(&e, ERG_STAT_DHCP_NOT_FOR_US), 0);
	assert_int_equal(cstat(&e, ERG_STAT_DHCP_UNEXPECTED), 0);
	/* A DISCOVER carries no requested address (none remembered). */
	v = opt(d, ERG_DHCP_OPT_REQUESTED_IP, &len);
	assert_null(v);

	/* The address answers: a datagram from the server arrives. */
	assert_int_equal(erg_udp_open(e.cli->s, NULL, NULL, &u), 0);
	assert_int_equal(erg_udp_bind(u, ERG_IPV4_ANY, 7), 0);
	assert_int_equal(erg_udp_open(e.srv_node->s, NULL, NULL, &su), 0);
	assert_int_equal(erg_udp_sendto(su, LEASE_ADDR, 7, "ping", 4), 0);
	assert_true(sim_run_until(sim, until_udp, u, SIM_SEC));
	assert_int_equal(
	    erg_udp_recvfrom(u, buf, sizeof(buf), &len, NULL, NULL), 0);
	assert_int_equal(len, 4);
	erg_udp_close(u);
	erg_udp_close(su);
	env_finish(&e);
}

/*
 * MTU option: above the driver's MTU it is capped at it; below 68 it is
 * ignored; a router off the subnet is dropped (dhcp.bad_lease) while the
 * rest of the lease applies; without option 1 the classful mask is used.
 */
static void
test_dhcp_lease_validation(void **state)
{
	struct sim *sim = *state;
	struct env e;
	struct erg_dhcp_lease l;

	env_init(&e, sim, "dhcp_lease_validation", 2);
	e.srv->mtu = 9000;
	e.srv->router = ERG_IPV4(10, 0, 0, 1);
	env_start(&e);
	run_events(&e, 1, 10 * SIM_SEC);
	assert_int_equal(erg_dhcp_lease(e.cli->s, e.ifx, &l), 0);
	assert_int_equal(l.mtu, 1500);
	assert_int_equal(erg_netif_mtu(e.cli->s, e.ifx), 1500);
	assert_int_equal(l.router, 0);
	assert_int_equal(erg_ipv4_gateway(e.cli->s, e.ifx), 0);
	assert_int_equal(cstat(&e, ERG_STAT_DHCP_BAD_LEASE), 1);
	assert_int_equal(erg_dhcp_stop(e.cli->s, e.ifx), 0);

	/* MTU 60: ignored. No mask: 172.16/12 is class B, /16. */
	e.srv->mtu = 60;
	e.srv->send_mask = false;
	e.srv->addr = ERG_IPV4(172, 16, 5, 100);
	e.srv->router = ERG_IPV4(172, 16, 0, 1);
	env_start(&e);
	run_events(&e, 2, 10 * SIM_SEC);
	assert_int_equal(erg_dhcp_lease(e.cli->s, e.ifx, &l), 0);
	assert_int_equal(l.mtu, 0);
	assert_int_equal(erg_netif_mtu(e.cli->s, e.ifx), 1500);
	assert_int_equal(l.prefix_len, 16);
	assert_int_equal(erg_ipv4_prefix_len(e.cli->s, e.ifx), 16);
	assert_int_equal(l.router, ERG_IPV4(172, 16, 0, 1));
	assert_int_equal(erg_ipv4_gateway(e.cli->s, e.ifx),
	    ERG_IPV4(172, 16, 0, 1));
	assert_int_equal(erg_dhcp_stop(e.cli->s, e.ifx), 0);

	/* T1 > T2: both fall back to 0.5 and 0.875 of the lease. */
	e.srv->send_mask = true;
	e.srv->addr = LEASE_ADDR;
	e.srv->lease_s = 100;
	e.srv->t1_s = 80;
	e.srv->t2_s = 60;
	env_start(&e);
	run_events(&e, 3, 10 * SIM_SEC);
	assert_int_equal(erg_dhcp_lease(e.cli->s, e.ifx, &l), 0);
	assert_int_equal(l.t1_s, 50);
	assert_int_equal(l.t2_s, 87);
	assert_int_equal(erg_dhcp_stop(e.cli->s, e.ifx), 0);

	/* Valid T1 and T2 are kept. */
	e.srv->t1_s = 20;
	e.srv->t2_s = 30;
	env_start(&e);
	run_events(&e, 4, 10 * SIM_SEC);
	assert_int_equal(erg_dhcp_lease(e.cli->s, e.ifx, &l), 0);
	assert_int_equal(l.t1_s, 20);
	assert_int_equal(l.t2_s, 30);
	env_finish(&e);
}

/*
 * A non-contiguous mask refuses the whole lease: no BOUND, each ACK
 * counted in dhcp.bad_lease, the REQUEST retransmitted and, after 4,
 * the client starts over; once the server is fixed it binds.
 */
static void
test_dhcp_bad_mask_refused(void **state)
{
	struct sim *sim = *state;
	struct env e;

	env_init(&e, sim, "dhcp_bad_mask", 3);
	e.srv->mask = 0xff00ff00u;
	env_start(&e);
	/* DISCOVER, 4 REQUESTs, DISCOVER. */
	run_srv(&e, 6, 120 * SIM_SEC);
	assert_int_equal(e.log->n, 0);
	assert_int_equal(erg_ipv4_addr(e.cli->s, e.ifx), 0);
	assert_int_equal(e.srv->by_type[ERG_DHCP_REQUEST], 4);
	assert_int_equal(e.srv->by_type[ERG_DHCP_DISCOVER], 2);
	assert_int_equal(cstat(&e, ERG_STAT_DHCP_BAD_LEASE), 4);
	e.srv->mask = 0xffffff00u;
	run_events(&e, 1, 30 * SIM_SEC);
	assert_int_equal(e.log->ev[0], ERG_DHCP_BOUND);
	env_finish(&e);
}

/* ---- Retransmission --------------------------------------------------- */

/* The k-th (1-based) wait of RFC 2131 4.1, in us: 4, 8, ... 64 s. */
static uint64_t
backoff_us(unsigned k)
{
	uint64_t s = 4ull << (k - 1 < 4 ? k - 1 : 4);

	return (s > 64 ? 64 : s) * SIM_SEC;
}

/*
 * Lost DISCOVERs: each retransmission comes after 4, 8, 16, 32, 64, 64 s
 * +-1 s (uniform jitter: never outside, and not always the same), with
 * the same xid and secs counting the seconds since the first, until one
 * is answered. Several seeds.
 */
static void
test_dhcp_discover_backoff_jitter(void **state)
{
	struct sim *sim = *state;
	unsigned seed, k, off_base = 0, n = 0;

	for (seed = 1; seed <= 4; seed++) {
		struct env e;
		const struct dhcp_srv_rx *first;

		env_init(&e, sim, "dhcp_backoff", seed);
		e.srv->ignore_discovers = 7;
		env_start(&e);
		run_events(&e, 1, 400 * SIM_SEC);
		assert_int_equal(e.srv->by_type[ERG_DHCP_DISCOVER], 8);
		first = dhcp_srv_find(e.srv, ERG_DHCP_DISCOVER, 1);
		for (k = 1; k < 8; k++) {
			const struct dhcp_srv_rx *a =
			    dhcp_srv_find(e.srv, ERG_DHCP_DISCOVER, (int)k);
			const struct dhcp_srv_rx *b =
			    dhcp_srv_find(e.srv, ERG_DHCP_DISCOVER, (int)k + 1);
			uint64_t gap = b->t - a->t;

			assert_near(gap, backoff_us(k), SIM_SEC);
			off_base += gap != backoff_us(k);
			n++;
			assert_int_equal(b->r.xid, first->r.xid);
			assert_int_equal(b->r.secs,
			    (b->t - first->t) / SIM_SEC);
		}
		assert_int_equal(cstat(&e, ERG_STAT_DHCP_RETRANSMITS), 7);
		assert_int_equal(e.log->ev[0], ERG_DHCP_BOUND);
		env_finish(&e);
		if (seed < 4) {
			/* The next round reuses the struct sim. */
			sim_teardown(state);
			assert_int_equal(sim_setup(state), 0);
			sim = *state;
		}
	}
	assert_true(off_base >= n - 1); /* the jitter is there */
}

static bool
hook_drop_acks(struct dhcp_srv *d, const struct dhcp_srv_rx *rx,
    struct erg_dhcp_repr *reply, uint32_t *dst)
{
	(void)d;
	(void)rx;
	(void)dst;
	return reply->msg_type != ERG_DHCP_ACK;
}

/*
 * REQUESTING without an answer: 4 REQUESTs (at 0, 4, 8, 16 s +-1 s
 * apart) then back to INIT: a DISCOVER with a new xid after another
 * 32 +- 1 s.
 */
static void
test_dhcp_requesting_gives_up(void **state)
{
	struct sim *sim = *state;
	struct env e;
	const struct dhcp_srv_rx *q[4], *d2;
	unsigned k;

	env_init(&e, sim, "dhcp_requesting_gives_up", 5);
	e.srv->hook = hook_drop_acks;
	env_start(&e);
	run_srv(&e, 6, 200 * SIM_SEC);
	for (k = 0; k < 4; k++) {
		q[k] = dhcp_srv_find(e.srv, ERG_DHCP_REQUEST, (int)k + 1);
		assert_non_null(q[k]);
		assert_int_equal(q[k]->r.xid, q[0]->r.xid);
		assert_int_equal(q[k]->r.server_id, SRV_ADDR);
		/* RFC 2131 4.4.1: the DISCOVER's secs, every time. */
		assert_int_equal(q[k]->r.secs, 0);
		if (k > 0) {
			assert_near(q[k]->t - q[k - 1]->t, backoff_us(k),
			    SIM_SEC);
		}
	}
	d2 = dhcp_srv_find(e.srv, ERG_DHCP_DISCOVER, 2);
	assert_non_null(d2);
	assert_near(d2->t - q[3]->t, backoff_us(4), SIM_SEC);
	assert_true(d2->r.xid != q[0]->r.xid);
	assert_int_equal(d2->r.secs, 0); /* a new exchange */
	assert_int_equal(e.log->n, 0);
	env_finish(&e);
}

/* ---- NAK -------------------------------------------------------------- */

/*
 * NAK in REQUESTING: back to INIT, a new DISCOVER (new xid) 2 s later,
 * then bound.
 */
static void
test_dhcp_nak_in_requesting(void **state)
{
	struct sim *sim = *state;
	struct env e;
	const struct dhcp_srv_rx *q, *d2;

	env_init(&e, sim, "dhcp_nak_requesting", 6);
	e.srv->nak_requests = true;
	env_start(&e);
	run_srv(&e, 3, 30 * SIM_SEC); /* DISCOVER, REQUEST (NAK), DISCOVER */
	e.srv->nak_requests = false;
	q = dhcp_srv_find(e.srv, ERG_DHCP_REQUEST, 1);
	d2 = dhcp_srv_find(e.srv, ERG_DHCP_DISCOVER, 2);
	assert_non_null(d2);
	assert_near(d2->t - q->t, 2 * SIM_SEC, TOL_US);
	assert_true(d2->r.xid != q->r.xid);
	assert_int_equal(cstat(&e, ERG_STAT_DHCP_NAKS), 1);
	assert_int_equal(e.log->n, 0);
	run_events(&e, 1, 10 * SIM_SEC);
	assert_int_equal(e.log->ev[0], ERG_DHCP_BOUND);
	assert_int_equal(erg_ipv4_addr(e.cli->s, e.ifx), LEASE_ADDR);
	env_finish(&e);
}

/* ---- INIT-REBOOT ------------------------------------------------------ */

/*
 * INIT-REBOOT accepted: one broadcast REQUEST for the remembered address
 * with no server identifier and ciaddr 0 (RFC 2131 4.3.2), ACK, BOUND;
 * no DISCOVER at all.
 */
static void
test_dhcp_init_reboot_accepted(void **state)
{
	struct sim *sim = *state;
	struct env e;
	const struct dhcp_srv_rx *q;
	size_t len;

	env_init(&e, sim, "dhcp_reboot_ok", 7);
	e.o.reboot_addr = LEASE_ADDR;
	env_start(&e);
	run_events(&e, 1, 10 * SIM_SEC);
	assert_int_equal(e.log->ev[0], ERG_DHCP_BOUND);
	assert_int_equal(e.srv->n, 1);
	q = dhcp_srv_find(e.srv, ERG_DHCP_REQUEST, 1);
	assert_non_null(q);
	check_client_options(&e, q);
	assert_int_equal(q->r.requested, LEASE_ADDR);
	assert_null(opt(q, ERG_DHCP_OPT_SERVER_ID, &len));
	assert_int_equal(e.srv->by_type[ERG_DHCP_DISCOVER], 0);
	assert_int_equal(erg_ipv4_addr(e.cli->s, e.ifx), LEASE_ADDR);
	assert_int_equal(e.log->lease[0].server, SRV_ADDR);
	env_finish(&e);
}

/* INIT-REBOOT NAKed (address of another subnet): INIT, then bound. */
static void
test_dhcp_init_reboot_naked(void **state)
{
	struct sim *sim = *state;
	struct env e;
	const struct dhcp_srv_rx *q, *d;

	env_init(&e, sim, "dhcp_reboot_nak", 8);
	e.o.reboot_addr = ERG_IPV4(198, 18, 7, 77);
	env_start(&e);
	run_events(&e, 1, 20 * SIM_SEC);
	q = dhcp_srv_find(e.srv, ERG_DHCP_REQUEST, 1);
	d = dhcp_srv_find(e.srv, ERG_DHCP_DISCOVER, 1);
	assert_int_equal(q->r.requested, ERG_IPV4(198, 18, 7, 77));
	assert_non_null(d);
	assert_near(d->t - q->t, 2 * SIM_SEC, TOL_US);
	assert_int_equal(cstat(&e, ERG_STAT_DHCP_NAKS), 1);
	assert_int_equal(e.log->ev[0], ERG_DHCP_BOUND);
	assert_int_equal(erg_ipv4_addr(e.cli->s, e.ifx), LEASE_ADDR);
	env_finish(&e);
}

/*
 * INIT-REBOOT unanswered: 4 REQUESTs (RFC 2131 3.2: a few tries), then
 * INIT: a DISCOVER; once the server is back, bound.
 */
static void
test_dhcp_init_reboot_unanswered(void **state)
{
	struct sim *sim = *state;
	struct env e;
	const struct dhcp_srv_rx *q4, *d;

	env_init(&e, sim, "dhcp_reboot_silent", 9);
	e.o.reboot_addr = LEASE_ADDR;
	e.srv->silent = true;
	env_start(&e);
	run_srv(&e, 5, 200 * SIM_SEC);
	assert_int_equal(e.srv->by_type[ERG_DHCP_REQUEST], 4);
	q4 = dhcp_srv_find(e.srv, ERG_DHCP_REQUEST, 4);
	d = dhcp_srv_find(e.srv, ERG_DHCP_DISCOVER, 1);
	assert_non_null(d);
	assert_near(d->t - q4->t, 32 * SIM_SEC, SIM_SEC);
	assert_near(q4->t - dhcp_srv_find(e.srv, ERG_DHCP_REQUEST, 1)->t,
	    28 * SIM_SEC, 3 * SIM_SEC);
	e.srv->silent = false;
	run_events(&e, 1, 20 * SIM_SEC);
	assert_int_equal(e.log->ev[0], ERG_DHCP_BOUND);
	assert_int_equal(erg_ipv4_addr(e.cli->s, e.ifx), LEASE_ADDR);
	env_finish(&e);
}

/* ---- Renewing, rebinding, expiry -------------------------------------- */

/*
 * Renewal at T1: a REQUEST unicast to the server from the leased address,
 * ciaddr set, no requested address or server identifier (RFC 2131
 * 4.3.2), a new xid; the ACK reports RENEWED, the lease restarts from
 * the renewal, and the next renewal comes T1 later.
 */
static void
test_dhcp_renew_at_t1(void **state)
{
	struct sim *sim = *state;
	struct env e;
	const struct dhcp_srv_rx *q1, *r1, *r2;
	size_t len;

	env_init(&e, sim, "dhcp_renew", 10);
	e.srv->lease_s = 1000;
	env_start(&e);
	run_events(&e, 1, 10 * SIM_SEC);
	q1 = dhcp_srv_find(e.srv, ERG_DHCP_REQUEST, 1);
	run_events(&e, 2, 600 * SIM_SEC);
	assert_int_equal(e.log->ev[1], ERG_DHCP_RENEWED);
	r1 = dhcp_srv_find(e.srv, ERG_DHCP_REQUEST, 2);
	assert_non_null(r1);
	assert_near(r1->t, q1->t + 500 * SIM_SEC, TOL_US);
	assert_int_equal(r1->dst, SRV_ADDR);
	assert_int_equal(r1->src, LEASE_ADDR);
	assert_int_equal(r1->r.ciaddr, LEASE_ADDR);
	assert_int_equal(r1->r.flags, 0);
	assert_int_equal(r1->r.requested, 0);
	assert_int_equal(r1->r.server_id, 0);
	assert_null(opt(r1, ERG_DHCP_OPT_SERVER_ID, &len));
	assert_true(r1->r.xid != q1->r.xid);
	assert_int_equal(cstat(&e, ERG_STAT_DHCP_RENEWALS), 1);
	assert_int_equal(e.log->lease[1].addr, LEASE_ADDR);
	assert_true(e.log->lease[1].acked_us > e.log->lease[0].acked_us);
	assert_int_equal(erg_ipv4_addr(e.cli->s, e.ifx), LEASE_ADDR);
	/* The second renewal: T1 after the first. */
	run_events(&e, 3, 600 * SIM_SEC);
	r2 = dhcp_srv_find(e.srv, ERG_DHCP_REQUEST, 3);
	assert_near(r2->t, r1->t + 500 * SIM_SEC, TOL_US);
	assert_int_equal(e.log->ev[2], ERG_DHCP_RENEWED);
	assert_int_equal(cstat(&e, ERG_STAT_DHCP_REBINDS), 0);
	env_finish(&e);
}

/*
 * The server vanishes after the ACK (lease 1000 s, T1 500, T2 875):
 * unicast REQUESTs at 500, 687.5, 781.25, 841.25 s (half the time left
 * to T2, at least 60 s, never past T2); at T2 broadcast REQUESTs with
 * ciaddr at 875, 937.5, 997.5 s; at 1000 s LOST with the address,
 * gateway, DNS servers and MTU removed, and a DISCOVER; when the server
 * comes back, BOUND again.
 */
static void
test_dhcp_rebind_and_expiry(void **state)
{
	static const uint64_t renew_ms[] = { 500000, 687500, 781250, 841250 };
	static const uint64_t rebind_ms[] = { 875000, 937500, 997500 };
	struct sim *sim = *state;
	struct env e;
	const struct dhcp_srv_rx *q1, *d;
	uint32_t dns[3];
	unsigned k;
	uint64_t base;

	env_init(&e, sim, "dhcp_rebind_expiry", 11);
	e.srv->lease_s = 1000;
	e.srv->mtu = 1400;
	env_start(&e);
	run_events(&e, 1, 10 * SIM_SEC);
	q1 = dhcp_srv_find(e.srv, ERG_DHCP_REQUEST, 1);
	base = q1->t;
	e.srv->silent = true;
	run_events(&e, 2, 1100 * SIM_SEC);
	assert_int_equal(e.log->ev[1], ERG_DHCP_LOST);
	assert_int_equal(e.log->lease[1].addr, LEASE_ADDR);
	assert_near(e.log->t[1], base + 1000 * SIM_SEC, TOL_US);
	assert_int_equal(e.log->addr[1], 0); /* removed before the report */
	for (k = 0; k < 4; k++) {
		const struct dhcp_srv_rx *r =
		    dhcp_srv_find(e.srv, ERG_DHCP_REQUEST, (int)k + 2);

		assert_non_null(r);
		assert_near(r->t, base + renew_ms[k] * SIM_MS, TOL_US);
		assert_int_equal(r->dst, SRV_ADDR);
		assert_int_equal(r->r.ciaddr, LEASE_ADDR);
	}
	for (k = 0; k < 3; k++) {
		const struct dhcp_srv_rx *r =
		    dhcp_srv_find(e.srv, ERG_DHCP_REQUEST, (int)k + 6);

		assert_non_null(r);
		assert_near(r->t, base + rebind_ms[k] * SIM_MS, TOL_US);
		assert_int_equal(r->dst, ERG_IPV4_BROADCAST);
		assert_int_equal(r->src, LEASE_ADDR);
		assert_int_equal(r->r.ciaddr, LEASE_ADDR);
		assert_int_equal(r->r.server_id, 0);
	}
	assert_int_equal(e.srv->by_type[ERG_DHCP_REQUEST], 8);
	assert_int_equal(cstat(&e, ERG_STAT_DHCP_RENEWALS), 1);
	assert_int_equal(cstat(&e, ERG_STAT_DHCP_REBINDS), 1);
	assert_int_equal(cstat(&e, ERG_STAT_DHCP_LEASES_LOST), 1);
	assert_int_equal(erg_ipv4_addr(e.cli->s, e.ifx), 0);
	assert_int_equal(erg_ipv4_gateway(e.cli->s, e.ifx), 0);
	assert_int_equal(erg_ipv4_dns(e.cli->s, e.ifx, dns, 3), 0);
	assert_int_equal(erg_netif_mtu(e.cli->s, e.ifx), 1500);
	run_srv(&e, e.srv->n + 1, 10 * SIM_SEC);
	d = dhcp_srv_find(e.srv, ERG_DHCP_DISCOVER, 2);
	assert_non_null(d);
	assert_near(d->t, base + 1000 * SIM_SEC, TOL_US);
	assert_int_equal(d->src, ERG_IPV4_ANY);
	e.srv->silent = false;
	run_events(&e, 3, 20 * SIM_SEC);
	assert_int_equal(e.log->ev[2], ERG_DHCP_BOUND);
	assert_int_equal(erg_ipv4_addr(e.cli->s, e.ifx), LEASE_ADDR);
	env_finish(&e);
}

/* Answers REQUESTs from a client holding an address (ciaddr) with NAK. */
static bool
hook_nak_renewals(struct dhcp_srv *d, const struct dhcp_srv_rx *rx,
    struct erg_dhcp_repr *reply, uint32_t *dst)
{
	struct env *e = d->hook_ctx;

	if (rx->r.ciaddr != 0 && e->hook_n++ == 0) {
		reply->msg_type = ERG_DHCP_NAK;
		reply->yiaddr = 0;
		reply->ciaddr = 0;
		reply->has_lease = false;
		reply->has_mask = false;
		reply->has_router = false;
		reply->dns_n = 0;
		*dst = ERG_IPV4_BROADCAST;
	}
	return true;
}

/* NAK while renewing: LOST (address removed), INIT, DISCOVER, bound. */
static void
test_dhcp_renew_nak_loses_lease(void **state)
{
	struct sim *sim = *state;
	struct env e;

	env_init(&e, sim, "dhcp_renew_nak", 12);
	e.srv->lease_s = 100;
	e.srv->hook = hook_nak_renewals;
	env_start(&e);
	run_events(&e, 2, 100 * SIM_SEC);
	assert_int_equal(e.log->ev[1], ERG_DHCP_LOST);
	assert_int_equal(e.log->addr[1], 0);
	assert_int_equal(e.log->lease[1].addr, LEASE_ADDR);
	assert_int_equal(cstat(&e, ERG_STAT_DHCP_NAKS), 1);
	assert_int_equal(cstat(&e, ERG_STAT_DHCP_LEASES_LOST), 1);
	run_events(&e, 3, 20 * SIM_SEC);
	assert_int_equal(e.log->ev[2], ERG_DHCP_BOUND);
	assert_near(e.log->t[2] - e.log->t[1], 2 * SIM_SEC, TOL_US);
	env_finish(&e);
}

/* An infinite lease (0xffffffff) is never renewed and never expires. */
static void
test_dhcp_infinite_lease(void **state)
{
	struct sim *sim = *state;
	struct env e;
	struct erg_dhcp_lease l;

	env_init(&e, sim, "dhcp_infinite", 13);
	e.srv->lease_s = 0xffffffffu;
	env_start(&e);
	run_events(&e, 1, 10 * SIM_SEC);
	sim_run_for(sim, 30ull * 86400 * SIM_SEC);
	assert_int_equal(e.log->n, 1);
	assert_int_equal(e.srv->n, 2);
	assert_int_equal(erg_dhcp_lease(e.cli->s, e.ifx, &l), 0);
	assert_int_equal(l.t1_s, 0xffffffffu);
	assert_int_equal(erg_ipv4_addr(e.cli->s, e.ifx), LEASE_ADDR);
	env_finish(&e);
}

/* ---- Other servers and spoofs ----------------------------------------- */

/*
 * Two servers: the client takes the first OFFER, counts the second as
 * unexpected, and its REQUEST names the first, which the second then
 * ignores (RFC 2131 4.3.2).
 */
static void
test_dhcp_second_offer_ignored(void **state)
{
	struct sim *sim = *state;
	struct env e;
	struct sim_node *n2;
	struct dhcp_srv *s2;
	const struct dhcp_srv_rx *q2;

	env_init(&e, sim, "dhcp_two_servers", 14);
	n2 = sim_add(sim, NULL, HOST_SRV2);
	s2 = sim_calloc(sim, 1, sizeof(*s2));
	dhcp_srv_init(s2, n2->s);
	s2->addr = ERG_IPV4(198, 18, 0, 200);
	env_start(&e);
	run_events(&e, 1, 10 * SIM_SEC);
	sim_run_for(sim, SIM_SEC);
	assert_int_equal(e.log->lease[0].server, SRV_ADDR);
	assert_int_equal(e.log->lease[0].addr, LEASE_ADDR);
	assert_int_equal(cstat(&e, ERG_STAT_DHCP_OFFERS), 1);
	assert_int_equal(cstat(&e, ERG_STAT_DHCP_UNEXPECTED), 1);
	q2 = dhcp_srv_find(s2, ERG_DHCP_REQUEST, 1);
	assert_non_null(q2);
	assert_int_equal(q2->r.server_id, SRV_ADDR);
	assert_int_equal(s2->replies, 1); /* its OFFER only */
	assert_int_equal(e.log->n, 1);
	dhcp_srv_fini(s2);
	env_finish(&e);
}

static bool
hook_t1_zero(struct dhcp_srv *d, const struct dhcp_srv_rx *rx,
    struct erg_dhcp_repr *reply, uint32_t *dst)
{
	(void)d;
	(void)rx;
	(void)dst;
	reply->has_t1 = true;
	reply->t1_s = 0;
	return true;
}

/*
 * A 1-s lease, or T1 = 0, would renew at every ACK: the lease counts as
 * 60 s and the default T1/T2 apply, so in 20 s nothing more is sent
 * than DISCOVER and REQUEST.
 */
static void
test_dhcp_tiny_lease_and_t1_zero_do_not_storm(void **state)
{
	struct sim *sim = *state;
	struct env e;
	struct erg_dhcp_lease l;

	env_init(&e, sim, "dhcp_tiny_times", 21);
	e.srv->lease_s = 1;
	env_start(&e);
	run_events(&e, 1, 10 * SIM_SEC);
	assert_int_equal(erg_dhcp_lease(e.cli->s, e.ifx, &l), 0);
	assert_int_equal(l.lease_s, 60);
	assert_int_equal(l.t1_s, 30);
	assert_int_equal(l.t2_s, 52);
	sim_run_for(sim, 20 * SIM_SEC);
	assert_int_equal(e.srv->n, 2);
	assert_int_equal(erg_dhcp_stop(e.cli->s, e.ifx), 0);
	e.srv->lease_s = 3600;
	e.srv->hook = hook_t1_zero;
	env_start(&e);
	run_events(&e, 2, 10 * SIM_SEC);
	assert_int_equal(erg_dhcp_lease(e.cli->s, e.ifx, &l), 0);
	assert_int_equal(l.t1_s, 1800);
	assert_int_equal(l.t2_s, 3150);
	sim_run_for(sim, 20 * SIM_SEC);
	/* One REQUEST per start; the RELEASE in between. */
	assert_int_equal(e.srv->by_type[ERG_DHCP_REQUEST], 2);
	env_finish(&e);
}

/*
 * DNS servers that are the subnet's broadcast or network address, or
 * the lease's own address, are left out (dhcp.bad_lease); the good one
 * is applied.
 */
static void
test_dhcp_dns_servers_filtered(void **state)
{
	struct sim *sim = *state;
	struct env e;
	uint32_t dns[ERG_IPV4_DNS_MAX];

	env_init(&e, sim, "dhcp_dns_filter", 22);
	e.srv->dns[0] = ERG_IPV4(198, 18, 0, 255);
	e.srv->dns[1] = LEASE_ADDR;
	e.srv->dns[2] = ERG_IPV4(198, 18, 0, 53);
	e.srv->dns_n = 3;
	env_start(&e);
	run_events(&e, 1, 10 * SIM_SEC);
	assert_int_equal(e.log->lease[0].dns_n, 1);
	assert_int_equal(e.log->lease[0].dns[0], ERG_IPV4(198, 18, 0, 53));
	assert_int_equal(erg_ipv4_dns(e.cli->s, e.ifx, dns, ERG_IPV4_DNS_MAX),
	    1);
	assert_int_equal(dns[0], ERG_IPV4(198, 18, 0, 53));
	assert_int_equal(cstat(&e, ERG_STAT_DHCP_BAD_LEASE), 2);
	env_finish(&e);
}

static bool
hook_nak_without_server_id(struct dhcp_srv *d, const struct dhcp_srv_rx *rx,
    struct erg_dhcp_repr *reply, uint32_t *dst)
{
	struct env *e = d->hook_ctx;

	(void)rx;
	(void)dst;
	if (e->hook_n++ == 0) {
		reply->msg_type = ERG_DHCP_NAK;
		reply->server_id = 0; /* RFC 2131 table 3: MUST be there */
		reply->yiaddr = 0;
	}
	return true;
}

/*
 * INIT-REBOOT: a NAK without a server identifier is ignored
 * (dhcp.unexpected); the retransmitted REQUEST gets the real ACK.
 */
static void
test_dhcp_nak_without_server_id_ignored(void **state)
{
	struct sim *sim = *state;
	struct env e;

	env_init(&e, sim, "dhcp_nak_no_id", 23);
	e.o.reboot_addr = LEASE_ADDR;
	e.srv->hook = hook_nak_without_server_id;
	env_start(&e);
	run_events(&e, 1, 20 * SIM_SEC);
	assert_int_equal(cstat(&e, ERG_STAT_DHCP_UNEXPECTED), 1);
	assert_int_equal(cstat(&e, ERG_STAT_DHCP_NAKS), 0);
	assert_int_equal(e.log->ev[0], ERG_DHCP_BOUND);
	assert_int_equal(e.srv->by_type[ERG_DHCP_DISCOVER], 0);
	assert_int_equal(e.srv->by_type[ERG_DHCP_REQUEST], 2);
	env_finish(&e);
}

static bool
hook_wrong_server_id(struct dhcp_srv *d, const struct dhcp_srv_rx *rx,
    struct erg_dhcp_repr *reply, uint32_t *dst)
{
	struct env *e = d->hook_ctx;

	(void)rx;
	(void)dst;
	if (reply->msg_type == ERG_DHCP_ACK && e->hook_n++ == 0) {
		reply->server_id = ERG_IPV4(198, 18, 0, 9);
		reply->yiaddr = SPOOF_ADDR;
	}
	return true;
}

/*
 * An ACK with another server's identifier in REQUESTING is ignored and
 * counted (dhcp.unexpected); the retransmitted REQUEST gets the real ACK.
 */
static void
test_dhcp_ack_wrong_server_ignored(void **state)
{
	struct sim *sim = *state;
	struct env e;

	env_init(&e, sim, "dhcp_ack_wrong_server", 15);
	e.srv->hook = hook_wrong_server_id;
	env_start(&e);
	run_events(&e, 1, 20 * SIM_SEC);
	assert_int_equal(cstat(&e, ERG_STAT_DHCP_UNEXPECTED), 1);
	assert_int_equal(cstat(&e, ERG_STAT_DHCP_ACKS), 1);
	assert_int_equal(e.srv->by_type[ERG_DHCP_REQUEST], 2);
	assert_true(e.log->t[0] >= 3 * SIM_SEC);
	assert_int_equal(e.log->lease[0].addr, LEASE_ADDR);
	env_finish(&e);
}

/* Sends spoofed copies of reply before the real one. */
static bool
hook_spoof(struct dhcp_srv *d, const struct dhcp_srv_rx *rx,
    struct erg_dhcp_repr *reply, uint32_t *dst)
{
	struct env *e = d->hook_ctx;
	struct erg_dhcp_repr f;
	uint8_t buf[ERG_DHCP_MSG_MIN];
	int len;

	(void)rx;
	f = *reply;
	f.yiaddr = SPOOF_ADDR;
	f.xid ^= 1; /* wrong xid */
	dhcp_srv_send(d, &f, *dst);
	f.xid = reply->xid;
	f.chaddr[5] ^= 1; /* wrong MAC */
	dhcp_srv_send(d, &f, *dst);
	f.chaddr[5] ^= 1;
	if (reply->msg_type == ERG_DHCP_ACK) {
		return true;
	}
	f.op = ERG_DHCP_BOOTREQUEST; /* a request, not a reply */
	dhcp_srv_send(d, &f, *dst);
	f.op = ERG_DHCP_BOOTREPLY;
	len = erg_dhcp_emit(&f, buf, sizeof(buf));
	assert_true(len > 0);
	/* Right xid and MAC, but not from port 67. */
	assert_int_equal(erg_udp_sendto(e->spoof, *dst, 68, buf, (size_t)len),
	    0);
	/* Right everything, but no END option: malformed. */
	memset(buf + len - 60, 0, 60);
	assert_int_equal(erg_udp_sendto(d->u, *dst, 68, buf, (size_t)len), 0);
	return true;
}

/*
 * Spoofed OFFERs and ACKs (wrong xid, wrong chaddr, a BOOTREQUEST, the
 * wrong source port) are dropped as dhcp.not_for_us, a malformed one as
 * dhcp.bad_option; the client binds to the real server's address.
 */
static void
test_dhcp_spoofs_ignored(void **state)
{
	struct sim *sim = *state;
	struct env e;

	env_init(&e, sim, "dhcp_spoofs", 16);
	assert_int_equal(erg_udp_open(e.srv_node->s, NULL, NULL, &e.spoof), 0);
	assert_int_equal(erg_udp_bind(e.spoof, ERG_IPV4_ANY, 1067), 0);
	e.srv->hook = hook_spoof;
	env_start(&e);
	run_events(&e, 1, 10 * SIM_SEC);
	assert_int_equal(e.log->lease[0].addr, LEASE_ADDR);
	assert_int_equal(cstat(&e, ERG_STAT_DHCP_NOT_FOR_US), 6);
	assert_int_equal(cstat(&e, ERG_STAT_DHCP_BAD_OPTION), 1);
	assert_int_equal(cstat(&e, ERG_STAT_DHCP_OFFERS), 1);
	assert_int_equal(cstat(&e, ERG_STAT_DHCP_RX), 9);
	assert_int_equal(cstat(&e, ERG_STAT_DHCP_TX), 2);
	env_finish(&e);
}

/* ---- Stop, several interfaces, API ------------------------------------ */

/*
 * erg_dhcp_stop when bound sends RELEASE (ciaddr, server identifier,
 * client identifier; RFC 2131 4.4.6) and removes the lease; no LOST is
 * reported. Broadcast while the server's MAC is unknown, unicast after a
 * renewal resolved it. Start/stop cycles leave the pools at baseline.
 */
static void
test_dhcp_stop_sends_release(void **state)
{
	struct sim *sim = *state;
	struct env e;
	const struct dhcp_srv_rx *rel;
	const uint8_t *v;
	struct erg_dhcp_lease l;
	uint32_t dns[3];
	size_t len;

	env_init(&e, sim, "dhcp_release", 17);
	e.srv->lease_s = 100;
	e.srv->mtu = 1280;
	env_start(&e);
	run_events(&e, 1, 10 * SIM_SEC);
	assert_int_equal(erg_dhcp_stop(e.cli->s, e.ifx), 0);
	assert_int_equal(erg_dhcp_stop(e.cli->s, e.ifx), -ERG_ESTATE);
	assert_int_equal(erg_ipv4_addr(e.cli->s, e.ifx), 0);
	assert_int_equal(erg_ipv4_gateway(e.cli->s, e.ifx), 0);
	assert_int_equal(erg_ipv4_dns(e.cli->s, e.ifx, dns, 3), 0);
	assert_int_equal(erg_netif_mtu(e.cli->s, e.ifx), 1500);
	assert_int_equal(erg_dhcp_lease(e.cli->s, e.ifx, &l), -ERG_ESTATE);
	sim_run_for(sim, SIM_SEC);
	rel = dhcp_srv_find(e.srv, ERG_DHCP_RELEASE, 1);
	assert_non_null(rel);
	assert_int_equal(rel->r.ciaddr, LEASE_ADDR);
	assert_int_equal(rel->r.server_id, SRV_ADDR);
	assert_int_equal(rel->r.requested, 0);
	assert_int_equal(rel->src, LEASE_ADDR);
	assert_int_equal(rel->dst, ERG_IPV4_BROADCAST);
	v = opt(rel, ERG_DHCP_OPT_CLIENT_ID, &len);
	assert_non_null(v);
	assert_int_equal(len, 7);
	assert_null(opt(rel, ERG_DHCP_OPT_PARAM_LIST, &len));
	assert_int_equal(e.log->n, 1); /* no LOST */
	assert_int_equal(cstat(&e, ERG_STAT_DHCP_RELEASES), 1);
	assert_int_equal(erg_stack_pool_in_use(e.cli->s), e.cli->baseline);

	/* Again, through INIT-REBOOT and a renewal: unicast RELEASE. */
	e.o.reboot_addr = LEASE_ADDR;
	env_start(&e);
	run_events(&e, 3, 100 * SIM_SEC);
	assert_int_equal(e.log->ev[2], ERG_DHCP_RENEWED);
	assert_int_equal(erg_dhcp_stop(e.cli->s, e.ifx), 0);
	sim_run_for(sim, SIM_SEC);
	rel = dhcp_srv_find(e.srv, ERG_DHCP_RELEASE, 2);
	assert_non_null(rel);
	assert_int_equal(rel->dst, SRV_ADDR);
	assert_int_equal(rel->r.ciaddr, LEASE_ADDR);
	assert_int_equal(e.log->n, 3);
	assert_int_equal(erg_stack_pool_in_use(e.cli->s), e.cli->baseline);
	/* Stopping a client that is still asking sends nothing. */
	e.srv->silent = true;
	env_start(&e);
	sim_run_for(sim, 10 * SIM_SEC);
	assert_int_equal(erg_dhcp_stop(e.cli->s, e.ifx), 0);
	assert_int_equal(cstat(&e, ERG_STAT_DHCP_RELEASES), 2);
	env_finish(&e);
}

/*
 * Two interfaces of one stack on the wire, each with its own client:
 * each gets its own lease (the server hands out .<last MAC byte>), the
 * other interface's broadcast replies are dropped as not_for_us, and
 * stopping both returns the shared socket.
 */
static void
test_dhcp_two_interfaces(void **state)
{
	static const uint8_t mac2[6] = { 0x02, 0, 0, 0, 0, 0x0b };
	struct sim *sim = *state;
	struct env e;
	unsigned if2, i;
	bool seen[2] = { false, false };

	env_init(&e, sim, "dhcp_two_ifs", 18);
	assert_int_equal(erg_loop_attach(sim->w, e.cli->s, mac2, 1500, &if2),
	    0);
	e.srv->addr_from_mac = true;
	env_start(&e);
	assert_int_equal(erg_dhcp_start(e.cli->s, if2, &e.o), 0);
	assert_int_equal(sim_stat(e.cli, ERG_STAT_UDP_SOCKS_IN_USE), 1);
	run_events(&e, 2, 10 * SIM_SEC);
	for (i = 0; i < 2; i++) {
		assert_int_equal(e.log->ev[i], ERG_DHCP_BOUND);
		seen[e.log->ifindex[i] == if2] = true;
	}
	assert_true(seen[0] && seen[1]);
	assert_int_equal(erg_ipv4_addr(e.cli->s, e.ifx),
	    ERG_IPV4(198, 18, 0, HOST_CLI));
	assert_int_equal(erg_ipv4_addr(e.cli->s, if2),
	    ERG_IPV4(198, 18, 0, 11));
	assert_true(cstat(&e, ERG_STAT_DHCP_NOT_FOR_US) >= 2);
	assert_int_equal(erg_dhcp_stop(e.cli->s, if2), 0);
	assert_int_equal(sim_stat(e.cli, ERG_STAT_UDP_SOCKS_IN_USE), 1);
	assert_int_equal(erg_ipv4_addr(e.cli->s, if2), 0);
	assert_int_equal(erg_ipv4_addr(e.cli->s, e.ifx),
	    ERG_IPV4(198, 18, 0, HOST_CLI));
	env_finish(&e);
}

/* erg_dhcp_start and erg_dhcp_stop refuse what erg/dhcp.h says. */
static void
test_dhcp_api_errors(void **state)
{
	struct sim *sim = *state;
	struct env e;
	struct erg_dhcp_opts o;
	char name[ERG_DHCP_HOSTNAME_MAX + 1];
	struct erg_udp_sock *u;

	env_init(&e, sim, "dhcp_api", 19);
	o = e.o;
	assert_int_equal(erg_dhcp_start(e.cli->s, 5, &o), -ERG_EINVAL);
	assert_int_equal(erg_dhcp_start(e.cli->s, e.ifx, NULL), -ERG_EINVAL);
	memset(name, 'n', sizeof(name));
	o.hostname = name;
	o.hostname_len = sizeof(name);
	assert_int_equal(erg_dhcp_start(e.cli->s, e.ifx, &o), -ERG_EINVAL);
	o = e.o;
	o.reboot_addr = ERG_IPV4_BROADCAST;
	assert_int_equal(erg_dhcp_start(e.cli->s, e.ifx, &o), -ERG_EINVAL);
	assert_int_equal(erg_dhcp_stop(e.cli->s, e.ifx), -ERG_ESTATE);
	assert_int_equal(erg_dhcp_stop(e.cli->s, 7), -ERG_ESTATE);
	/* The server's interface has an address. */
	assert_int_equal(erg_dhcp_start(e.srv_node->s, 0, &e.o), -ERG_ESTATE);
	/* Port 68 taken by someone else. */
	assert_int_equal(erg_udp_open(e.cli->s, NULL, NULL, &u), 0);
	assert_int_equal(erg_udp_bind(u, ERG_IPV4_ANY, 68), 0);
	assert_int_equal(erg_dhcp_start(e.cli->s, e.ifx, &e.o),
	    -ERG_EADDRINUSE);
	erg_udp_close(u);
	assert_int_equal(sim_stat(e.cli, ERG_STAT_UDP_SOCKS_IN_USE), 0);
	/* No hostname at all is fine. */
	o = e.o;
	o.hostname = NULL;
	o.hostname_len = 0;
	assert_int_equal(erg_dhcp_start(e.cli->s, e.ifx, &o), 0);
	assert_int_equal(erg_dhcp_start(e.cli->s, e.ifx, &o), -ERG_ESTATE);
	run_events(&e, 1, 10 * SIM_SEC);
	{
		size_t len;

		assert_null(opt(dhcp_srv_find(e.srv, ERG_DHCP_DISCOVER, 1),
		    ERG_DHCP_OPT_HOSTNAME, &len));
	}
	env_finish(&e);
}

/* A callback that stops the client on BOUND and starts it again. */
static void
ev_restart_cb(void *ctx, unsigned ifindex, enum erg_dhcp_event ev,
    const struct erg_dhcp_lease *l)
{
	struct env *e = ctx;
	struct erg_dhcp_opts o = e->o;

	ev_cb(e->log, ifindex, ev, l);
	if (ev == ERG_DHCP_BOUND && e->log->n == 1) {
		assert_int_equal(erg_dhcp_stop(e->cli->s, ifindex), 0);
		o.reboot_addr = l->addr;
		assert_int_equal(erg_dhcp_start(e->cli->s, ifindex, &o), 0);
	}
}

/* Stop and start from inside the callback (the socket is reopened). */
static void
test_dhcp_restart_from_callback(void **state)
{
	struct sim *sim = *state;
	struct env e;

	env_init(&e, sim, "dhcp_cb_restart", 20);
	e.o.cb = ev_restart_cb;
	e.o.ctx = &e;
	env_start(&e);
	run_events(&e, 2, 20 * SIM_SEC);
	assert_int_equal(e.log->ev[1], ERG_DHCP_BOUND);
	assert_int_equal(e.srv->by_type[ERG_DHCP_RELEASE], 1);
	assert_int_equal(e.srv->by_type[ERG_DHCP_REQUEST], 2);
	assert_int_equal(erg_ipv4_addr(e.cli->s, e.ifx), LEASE_ADDR);
	env_finish(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dhcp_dora_applies_lease,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(test_dhcp_lease_validation,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(test_dhcp_bad_mask_refused,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_dhcp_discover_backoff_jitter, sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(test_dhcp_requesting_gives_up,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(test_dhcp_nak_in_requesting,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(test_dhcp_init_reboot_accepted,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(test_dhcp_init_reboot_naked,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_dhcp_init_reboot_unanswered, sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(test_dhcp_renew_at_t1,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(test_dhcp_rebind_and_expiry,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(test_dhcp_renew_nak_loses_lease,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(test_dhcp_infinite_lease,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(test_dhcp_second_offer_ignored,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_dhcp_ack_wrong_server_ignored, sim_setup,
		    sim_teardown),
		cmocka_unit_test_setup_teardown(test_dhcp_spoofs_ignored,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(test_dhcp_stop_sends_release,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(test_dhcp_two_interfaces,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(test_dhcp_api_errors, sim_setup,
		    sim_teardown),
		cmocka_unit_test_setup_teardown(test_dhcp_restart_from_callback,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_dhcp_tiny_lease_and_t1_zero_do_not_storm, sim_setup,
		    sim_teardown),
		cmocka_unit_test_setup_teardown(test_dhcp_dns_servers_filtered,
		    sim_setup, sim_teardown),
		cmocka_unit_test_setup_teardown(
		    test_dhcp_nak_without_server_id_ignored, sim_setup,
		    sim_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
