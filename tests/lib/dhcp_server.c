/*
 * tests/lib/dhcp_server.c: see dhcp_server.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "dhcp_server.h"

static uint32_t
srv_addr_for(const struct dhcp_srv *d, const struct erg_dhcp_repr *r)
{
	if (d->addr_from_mac) {
		return (d->addr & 0xffffff00u) | r->chaddr[5];
	}
	return d->addr;
}

/* The reply's common part (RFC 2131 table 3). */
static void
srv_reply_init(const struct dhcp_srv *d, const struct erg_dhcp_repr *q,
    struct erg_dhcp_repr *r, uint8_t type)
{
	memset(r, 0, sizeof(*r));
	r->op = ERG_DHCP_BOOTREPLY;
	r->htype = 1;
	r->hlen = 6;
	r->xid = q->xid;
	r->flags = q->flags;
	r->giaddr = q->giaddr;
	memcpy(r->chaddr, q->chaddr, sizeof(r->chaddr));
	r->msg_type = type;
	r->server_id = d->id;
	if (type == ERG_DHCP_NAK) {
		return;
	}
	r->ciaddr = type == ERG_DHCP_ACK ? q->ciaddr : 0;
	r->yiaddr = srv_addr_for(d, q);
	r->has_lease = true;
	r->lease_s = d->lease_s;
	r->has_mask = d->send_mask;
	r->mask = d->mask;
	r->has_router = d->router != 0;
	r->router = d->router;
	r->dns_n = (uint8_t)d->dns_n;
	memcpy(r->dns, d->dns, sizeof(r->dns));
	r->has_mtu = d->mtu != 0;
	r->mtu = d->mtu;
	r->has_t1 = d->t1_s != 0;
	r->t1_s = d->t1_s;
	r->has_t2 = d->t2_s != 0;
	r->t2_s = d->t2_s;
}

void
dhcp_srv_send(struct dhcp_srv *d, const struct erg_dhcp_repr *reply,
    uint32_t dst)
{
	uint8_t buf[ERG_DHCP_MSG_MIN];
	int len = erg_dhcp_emit(reply, buf, sizeof(buf));

	assert_true(len > 0);
	assert_int_equal(
	    erg_udp_sendto(d->u, dst, ERG_DHCP_CLIENT_PORT, buf, (size_t)len),
	    0);
	d->replies++;
}

/* The answer to a REQUEST: type, or 0 for none (RFC 2131 4.3.2). */
static uint8_t
srv_request_answer(const struct dhcp_srv *d, const struct erg_dhcp_repr *q)
{
	uint32_t want = q->requested != 0 ? q->requested : q->ciaddr;

	if (q->server_id != 0 && q->server_id != d->id) {
		return 0; /* the client took another server's offer */
	}
	if (d->nak_requests || want != srv_addr_for(d, q)) {
		return ERG_DHCP_NAK;
	}
	return ERG_DHCP_ACK;
}

static void
srv_answer(struct dhcp_srv *d, const struct dhcp_srv_rx *rx)
{
	const struct erg_dhcp_repr *q = &rx->r;
	struct erg_dhcp_repr reply;
	uint8_t type = 0;
	uint32_t dst;

	if (d->silent || q->op != ERG_DHCP_BOOTREQUEST) {
		return;
	}
	if (q->msg_type == ERG_DHCP_DISCOVER) {
		if (d->ignore_discovers > 0) {
			d->ignore_discovers--;
			return;
		}
		type = ERG_DHCP_OFFER;
	} else if (q->msg_type == ERG_DHCP_REQUEST) {
		type = srv_request_answer(d, q);
	}
	if (type == 0) {
		return;
	}
	srv_reply_init(d, q, &reply, type);
	/* RFC 2131 4.1: to ciaddr if the client has one; NAKs broadcast. */
	dst = q->ciaddr != 0 && type != ERG_DHCP_NAK ? q->ciaddr :
	                                               ERG_IPV4_BROADCAST;
	if (d->hook != NULL && !d->hook(d, rx, &reply, &dst)) {
		return;
	}
	dhcp_srv_send(d, &reply, dst);
}

static void
srv_input(struct dhcp_srv *d, const struct erg_udp_dgram *dg)
{
	struct dhcp_srv_rx one,
	    *rx = d->n < DHCP_SRV_LOG ? &d->log[d->n] : &one;
	enum erg_stat why;

	memset(rx, 0, sizeof(*rx));
	if (erg_dhcp_parse(&rx->r, dg->data, &why) < 0) {
		d->bad++;
		return;
	}
	rx->t = erg_stack_now(d->s);
	rx->src = dg->src;
	rx->dst = dg->dst;
	rx->sport = dg->src_port;
	rx->ifindex = dg->ifindex;
	rx->len =
	    dg->data.len < sizeof(rx->raw) ? dg->data.len : sizeof(rx->raw);
	memcpy(rx->raw, dg->data.p, rx->len);
	d->n++;
	if (rx->r.msg_type < 9) {
		d->by_type[rx->r.msg_type]++;
	}
	srv_answer(d, rx);
}

static void
srv_cb(struct erg_udp_sock *u, unsigned events, void *ctx)
{
	struct dhcp_srv *d = ctx;
	struct erg_udp_dgram dg;

	(void)events;
	while (erg_udp_recv(u, &dg) == 0) {
		srv_input(d, &dg);
		erg_pkt_free(d->s, dg.pkt);
	}
}

void
dhcp_srv_init(struct dhcp_srv *d, struct erg_stack *s)
{
	memset(d, 0, sizeof(*d));
	d->s = s;
	d->id = erg_ipv4_addr(s, 0);
	assert_true(d->id != 0);
	d->addr = (d->id & 0xffffff00u) | 100;
	d->send_mask = true;
	d->mask = 0xffffff00u;
	d->router = d->id;
	d->dns[0] = d->id;
	d->dns_n = 1;
	d->lease_s = 3600;
	assert_int_equal(erg_udp_open(s, srv_cb, d, &d->u), 0);
	assert_int_equal(erg_udp_bind(d->u, ERG_IPV4_ANY, ERG_DHCP_SERVER_PORT),
	    0);
}

void
dhcp_srv_fini(struct dhcp_srv *d)
{
	if (d->u != NULL) {
		erg_udp_close(d->u);
		d->u = NULL;
	}
}

const struct dhcp_srv_rx *
dhcp_srv_find(const struct dhcp_srv *d, uint8_t type, int i)
{
	const struct dhcp_srv_rx *last = NULL;
	unsigned k, n = d->n < DHCP_SRV_LOG ? d->n : DHCP_SRV_LOG;
	int seen = 0;

	for (k = 0; k < n; k++) {
		if (d->log[k].r.msg_type != type) {
			continue;
		}
		last = &d->log[k];
		if (++seen == i) {
			return last;
		}
	}
	return i < 0 ? last : NULL;
}

/* Walks one field of a logged message for code. */
static const uint8_t *
srv_field_opt(const uint8_t *p, size_t len, uint8_t code, size_t *olen)
{
	size_t i = 0;

	while (i < len && p[i] != ERG_DHCP_OPT_END) {
		if (p[i] == ERG_DHCP_OPT_PAD) {
			i++;
			continue;
		}
		if (i + 1 >= len || p[i + 1] > len - i - 2) {
			return NULL;
		}
		if (p[i] == code) {
			*olen = p[i + 1];
			return p + i + 2;
		}
		i += 2u + p[i + 1];
	}
	return NULL;
}

const uint8_t *
dhcp_srv_opt(const struct dhcp_srv_rx *rx, uint8_t code, size_t *len)
{
	const uint8_t *v;

	if (rx->len < ERG_DHCP_MIN_LEN) {
		return NULL;
	}
	v = srv_field_opt(rx->raw + ERG_DHCP_MIN_LEN,
	    rx->len - ERG_DHCP_MIN_LEN, code, len);
	if (v == NULL && (rx->r.overload & 1) != 0) {
		v = srv_field_opt(rx->raw + 108, 128, code, len);
	}
	if (v == NULL && (rx->r.overload & 2) != 0) {
		v = srv_field_opt(rx->raw + 44, 64, code, len);
	}
	return v;
}
