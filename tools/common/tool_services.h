/*
 * tools/common/tool_services.h: the UDP services of erg-echo (and of the
 * stack erg-pcap replays through, which is configured the same way).
 *
 * - echo (RFC 862), UDP port 7: every datagram goes back to where it came
 *   from, byte for byte, up to 65,507 bytes. Receiving is zero-copy (the
 *   datagram is read in the very packets that carried it); the reply is
 *   copied out by erg_udp_sendto.
 * - discard (RFC 863), UDP port 9: every datagram is dropped.
 *
 * The stack itself answers ARP and ICMP echo (ping).
 */
#ifndef TOOL_SERVICES_H
#define TOOL_SERVICES_H

#include <stdint.h>

#include "erg/erg.h"

#define TOOL_PORT_ECHO    7u
#define TOOL_PORT_DISCARD 9u

/* The services' sockets and counters; owned by the tool. */
struct tool_services {
	struct erg_stack *s;
	struct erg_udp_sock *echo;
	struct erg_udp_sock *discard;
	uint64_t echo_rx;      /* datagrams received on port 7 */
	uint64_t echo_tx;      /* echoed */
	uint64_t echo_tx_err;  /* the stack refused the echo (pool full...) */
	uint64_t echo_refused; /* not echoed: to a broadcast, or from a port
	                        * that answers by itself (a loop) */
	uint64_t discard_rx;   /* datagrams dropped on port 9 */
};

/*
 * Opens and binds the two sockets on every address of s. sv MUST NOT move
 * while they are open (it is their callbacks' context). Returns 0 or the
 * erg error of the socket call that failed.
 */
int tool_services_start(struct tool_services *sv, struct erg_stack *s);

/*
 * Calls fn(ctx, name, value) for each service counter, named
 * "udp_echo.rx", "udp_echo.tx", "udp_echo.tx_err", "udp_echo.refused",
 * "udp_discard.rx".
 */
void tool_services_stats_foreach(const struct tool_services *sv,
    void (*fn)(void *ctx, const char *name, uint64_t value), void *ctx);

/* Closes the sockets (queued datagrams are freed). */
void tool_services_stop(struct tool_services *sv);

#endif
