/*
 * tools/common/tool_services.c: UDP echo and discard (see
 * tool_services.h).
 */
#include <string.h>

#include "common/tool_services.h"

/*
 * Source ports of services that answer any datagram by themselves (echo,
 * daytime, quote of the day, chargen, time). Echoing to one of them starts
 * a loop that never ends ("fraggle"); such datagrams are dropped.
 */
static const uint16_t tool_loop_ports[] = { 7, 13, 17, 19, 37 };

static bool
tool_echo_allowed(const struct tool_services *sv, const struct erg_udp_dgram *d)
{
	size_t i;

	/*
	 * Only datagrams sent to our own unicast address: echoing what was
	 * sent to a broadcast address would let one datagram draw replies
	 * from every echo host on the link (an amplifier).
	 */
	if (d->dst != erg_ipv4_addr(sv->s, d->ifindex)) {
		return false;
	}
	for (i = 0; i < sizeof(tool_loop_ports) / sizeof(tool_loop_ports[0]);
	     i++) {
		if (d->src_port == tool_loop_ports[i]) {
			return false;
		}
	}
	return true;
}

static void
tool_on_echo(struct erg_udp_sock *u, unsigned events, void *ctx)
{
	struct tool_services *sv = ctx;
	struct erg_udp_dgram d;

	if ((events & ERG_EV_ERROR) != 0) {
		/* An ICMP error about an echo we sent: nothing to retry. */
		(void)erg_udp_error(u);
	}
	if ((events & ERG_EV_READABLE) == 0) {
		return;
	}
	while (erg_udp_recv(u, &d) == 0) {
		sv->echo_rx++;
		if (!tool_echo_allowed(sv, &d)) {
			sv->echo_refused++;
		} else if (erg_udp_sendto(u, d.src, d.src_port, d.data.p,
		               d.data.len) == 0) {
			sv->echo_tx++;
		} else {
			sv->echo_tx_err++;
		}
		/* The datagram was lent in its packet: hand it back. */
		erg_pkt_free(sv->s, d.pkt);
	}
}

static void
tool_on_discard(struct erg_udp_sock *u, unsigned events, void *ctx)
{
	struct tool_services *sv = ctx;
	struct erg_udp_dgram d;

	if ((events & ERG_EV_READABLE) == 0) {
		return;
	}
	while (erg_udp_recv(u, &d) == 0) {
		sv->discard_rx++;
		erg_pkt_free(sv->s, d.pkt);
	}
}

int
tool_services_start(struct tool_services *sv, struct erg_stack *s)
{
	int rc;

	memset(sv, 0, sizeof(*sv));
	sv->s = s;
	rc = erg_udp_open(s, tool_on_echo, sv, &sv->echo);
	if (rc == 0) {
		rc = erg_udp_bind(sv->echo, ERG_IPV4_ANY, TOOL_PORT_ECHO);
	}
	if (rc == 0) {
		rc = erg_udp_open(s, tool_on_discard, sv, &sv->discard);
	}
	if (rc == 0) {
		rc = erg_udp_bind(sv->discard, ERG_IPV4_ANY, TOOL_PORT_DISCARD);
	}
	if (rc != 0) {
		tool_services_stop(sv);
	}
	return rc;
}

void
tool_services_stats_foreach(const struct tool_services *sv,
    void (*fn)(void *ctx, const char *name, uint64_t value), void *ctx)
{
	fn(ctx, "udp_echo.rx", sv->echo_rx);
	fn(ctx, "udp_echo.tx", sv->echo_tx);
	fn(ctx, "udp_echo.tx_err", sv->echo_tx_err);
	fn(ctx, "udp_echo.refused", sv->echo_refused);
	fn(ctx, "udp_discard.rx", sv->discard_rx);
}

void
tool_services_stop(struct tool_services *sv)
{
	if (sv->echo != NULL) {
		erg_udp_close(sv->echo);
		sv->echo = NULL;
	}
	if (sv->discard != NULL) {
		erg_udp_close(sv->discard);
		sv->discard = NULL;
	}
}
