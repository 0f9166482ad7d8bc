/*
 * netif/tap/erg_tap.h: a Linux TAP device as an erg interface.
 *
 * The device is opened through /dev/net/tun as IFF_TAP | IFF_NO_PI:
 * Ethernet frames without FCS and without the 4-byte packet-information
 * prefix, exactly what erg sends and parses. erg is the host "behind" the
 * device: frames Linux sends out of the TAP interface are erg's input,
 * frames erg transmits appear to Linux as received on it.
 *
 * Zero-copy both ways, as far as a syscall allows: each frame is read()
 * straight into a packet of the stack's pool (no bounce buffer), and each
 * transmitted gather list goes out in one writev() (no linearising).
 *
 * The file descriptor is non-blocking: receiving takes what is queued and
 * returns; transmitting never waits (a full device queue drops the frame
 * and the stack counts netif.tx_err). A hosted program sleeps in
 * erg_host_wait() on erg_tap_fd() and the stack's next deadline.
 *
 * Hosted code (Linux only). Not thread-safe: the thread that drives the
 * stack drives its tap.
 */
#ifndef ERG_TAP_H
#define ERG_TAP_H

#include <stdint.h>

#include "erg/erg.h"
#include "host/erg_host.h"

#ifdef __cplusplus
extern "C" {
#endif

struct erg_tap;

/*
 * Opens the TAP device called name (at most 15 bytes, IFNAMSIZ - 1):
 * attaches to it if it exists (as made by `ip tuntap add dev NAME mode
 * tap`), creates it otherwise (it then lives as long as the tap stays
 * open, and is down until someone configures it). Needs root or
 * CAP_NET_ADMIN unless the device was made with `user` set to the caller.
 *
 * Returns the tap, owned by the caller until erg_tap_close(), or NULL with
 * a one-line reason and remedy in err (ERG_HOST_ERR_LEN bytes): no
 * /dev/net/tun (load the tun module), permission denied (root or
 * CAP_NET_ADMIN), the device is busy or exists as another kind, a bad name.
 */
struct erg_tap *erg_tap_open(const char *name, char *err);

/*
 * Whether the TAP interface is administratively up (IFF_UP) in Linux:
 * while it is down Linux neither sends nor accepts its frames. Returns 1
 * (up), 0 (down) or a negative errno if it cannot tell. Tools use it to
 * warn about a device created down.
 */
int erg_tap_is_up(const struct erg_tap *t);

/*
 * Adds the tap to stack s as an interface (erg_netif_add) with the given
 * unicast MAC (erg's own, not the Linux interface's) and IP MTU, taking
 * gather lists (ERG_NETIF_CAP_GATHER). *ifindex (may be NULL) gets the
 * stack's interface index. A tap attaches to one stack, once. s is
 * borrowed: it MUST stay valid, and the tap open, for as long as either is
 * used (s transmits through the tap; erg_tap_rx feeds s).
 *
 * Returns 0, -ERG_ESTATE (already attached), or an error of
 * erg_netif_add (-ERG_EINVAL: bad MAC or MTU; -ERG_ENOMEM: no interface
 * left in s).
 */
int erg_tap_attach(struct erg_tap *t, struct erg_stack *s, const uint8_t mac[6],
    uint16_t mtu, unsigned *ifindex);

/*
 * Records every frame received (before the stack sees it) and every frame
 * transmitted in d, time-stamped with the stack's clock (the now_us given
 * to erg_tap_rx, erg_stack_now() for transmit). d is borrowed until it is
 * replaced (NULL: stop recording) or the tap is closed; several drivers
 * may share one dump.
 */
void erg_tap_dump_set(struct erg_tap *t, struct erg_host_dump *d);

/* The device's file descriptor, for erg_host_wait(). Owned by the tap. */
int erg_tap_fd(const struct erg_tap *t);

/* The device's name as Linux reports it (NUL-terminated). */
const char *erg_tap_name(const struct erg_tap *t);

/*
 * Reads up to budget frames queued on the device and hands each one to
 * the stack with erg_netif_input(..., now_us). Frames that cannot be
 * delivered are still consumed and counted (rx_nobuf, rx_toobig), so a
 * readable device always drains. The tap MUST be attached.
 *
 * Returns the number of frames read (delivered or dropped, <= budget; when
 * it equals budget more may be waiting, so do not sleep), or a negative
 * errno if the device failed (e.g. -EBADFD after the interface was
 * deleted): the caller should stop using it.
 */
int erg_tap_rx(struct erg_tap *t, unsigned budget, uint64_t now_us);

/* Copies the tap's frame counters to *st. */
void erg_tap_stats(const struct erg_tap *t, struct erg_host_link_stats *st);

/*
 * Closes the device (a TAP that erg_tap_open created goes away with it)
 * and frees t. The stack it was attached to MUST NOT be called afterwards:
 * its interface points at the tap. The dump is not closed (it is
 * borrowed). NULL is ignored.
 */
void erg_tap_close(struct erg_tap *t);

#ifdef __cplusplus
}
#endif
#endif
