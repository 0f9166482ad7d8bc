/*
 * erg/netif.h: the driver contract.
 *
 * A driver is a transmit function plus its own state, attached to a stack
 * as an interface (erg_netif_add). Receiving is the driver's job too: it
 * pulls frames from its device and hands each one, with the current time,
 * to erg_netif_input(), in a pkt from the stack's pool (erg_pkt_alloc) or
 * lent from its own memory (erg_pkt_lend).
 *
 * Frames are Ethernet II without FCS. erg never calls a driver except
 * through transmit, and only from inside an erg call.
 */
#ifndef ERG_NETIF_H
#define ERG_NETIF_H

#include <stddef.h>
#include <stdint.h>
#include "pkt.h"

#ifdef __cplusplus
extern "C" {
#endif

struct erg_stack;

/* One piece of a gather list. */
struct erg_iov {
	const void *base;
	size_t len;
};

/* The driver takes gather lists of more than one piece. */
#define ERG_NETIF_CAP_GATHER 0x1u

/* Most pieces a frame is ever given in. */
#define ERG_NETIF_IOV_MAX 4u

struct erg_netif_ops {
	/*
	 * Sends one frame, the concatenation of iov[0..n). Borrows the
	 * memory for the duration of the call only: a driver that sends
	 * later copies it. Never blocks. Returns 0, or a negative error
	 * (the stack counts it as netif.tx_err and drops the frame).
	 * n is 1 unless the interface has ERG_NETIF_CAP_GATHER.
	 */
	int (*transmit)(void *drv, const struct erg_iov *iov, unsigned n);
};

struct erg_netif_config {
	uint8_t mac[6];
	uint16_t mtu;                    /* IP MTU, 68..(pkt_size - 158) */
	uint32_t caps;                   /* ERG_NETIF_CAP_* */
	const struct erg_netif_ops *ops; /* borrowed for the stack's life */
	void *drv;                       /* passed to ops */
};

/*
 * Adds an interface. cfg is copied; ops and drv are borrowed for the life
 * of the stack. The MAC MUST be unicast. On success *ifindex (0-based) names
 * the interface in other calls. Returns 0, -ERG_EINVAL or -ERG_ENOMEM
 * (cfg.netif_count interfaces already).
 */
int erg_netif_add(struct erg_stack *s, const struct erg_netif_config *cfg,
    unsigned *ifindex);

/*
 * Processes one received frame: [erg_pkt_data(pkt), +pkt->len). Takes
 * ownership of pkt. Delivers resulting socket events before returning.
 * A frame the stack cannot use is dropped and counted, never reported.
 */
void erg_netif_input(struct erg_stack *s, unsigned ifindex, struct erg_pkt *pkt,
    uint64_t now_us);

/* The interface's MAC address, or NULL for a bad index. */
const uint8_t *erg_netif_mac(const struct erg_stack *s, unsigned ifindex);

/*
 * Lowers (or restores) the interface's IP MTU: mtu between 68 and the
 * MTU it was added with, or 0 for that one. TCP connections pick it up
 * for new segments (RFC 1191 as for a path MTU). Returns 0 or
 * -ERG_EINVAL.
 */
int erg_netif_mtu_set(struct erg_stack *s, unsigned ifindex, uint16_t mtu);

/* The interface's MTU, or 0 for a bad index. */
uint16_t erg_netif_mtu(const struct erg_stack *s, unsigned ifindex);

#ifdef __cplusplus
}
#endif
#endif
