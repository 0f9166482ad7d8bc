/*
 * netif/pcap/erg_pcap.h: erg interfaces through libpcap.
 *
 * Two drivers:
 *
 * - live: capture and inject on a real (or virtual) Ethernet interface of
 *   the host. erg is then a second host on that link, with its own MAC
 *   and IP address: the interface is put in promiscuous mode so that
 *   frames to erg's MAC are seen, and only incoming frames are captured
 *   (not the ones erg injects). Needs root or CAP_NET_RAW. Receiving
 *   copies each frame once, from libpcap's ring into a packet of the
 *   stack's pool (libpcap owns its buffer: unavoidable); transmitting
 *   linearises the gather list once and injects it.
 *
 * - replay: feeds a capture file to a stack, each frame at its captured
 *   time, which becomes the stack's clock, and writes every frame the
 *   stack transmits to an output capture, time-stamped with the stack's
 *   clock at that moment. With a seeded random source the output is a
 *   pure function of the input: this is how captured traffic becomes a
 *   regression test.
 *
 * Both record in a struct erg_host_dump if given one (every frame in and
 * out). Hosted code: libpcap. Not thread-safe: the thread that drives the
 * stack drives the driver.
 */
#ifndef ERG_PCAP_H
#define ERG_PCAP_H

#include <stdint.h>

#include "erg/erg.h"
#include "host/erg_host.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Live capture and inject -------------------------------------------- */

struct erg_pcap_live;

/*
 * Longest frame the live driver captures whole: a 9,000-byte jumbo frame
 * with a VLAN tag fits. Longer frames are counted (rx_trunc) and dropped;
 * no erg packet buffer holds one anyway.
 */
#define ERG_PCAP_LIVE_SNAPLEN 9216u

/*
 * Opens interface iface for capture and injection: immediate mode (each
 * frame as it arrives), promiscuous, snapshot length
 * ERG_PCAP_LIVE_SNAPLEN, an 8 MiB capture ring, incoming frames only,
 * non-blocking. The interface must be Ethernet.
 *
 * Returns the driver, owned by the caller until erg_pcap_live_close(), or
 * NULL with a one-line reason and remedy in err (ERG_HOST_ERR_LEN bytes):
 * no such interface, permission denied (root or CAP_NET_RAW), interface
 * down, not Ethernet.
 */
struct erg_pcap_live *erg_pcap_live_open(const char *iface, char *err);

/*
 * Adds the interface to stack s (erg_netif_add) with erg's own unicast MAC
 * and IP MTU, taking gather lists (ERG_NETIF_CAP_GATHER). *ifindex (may be
 * NULL) gets the stack's interface index. Attaches once. s is borrowed: it
 * MUST stay valid, and the driver open, as long as either is used.
 * Returns 0, -ERG_ESTATE (already attached) or an error of erg_netif_add.
 */
int erg_pcap_live_attach(struct erg_pcap_live *p, struct erg_stack *s,
    const uint8_t mac[6], uint16_t mtu, unsigned *ifindex);

/*
 * Records every frame received and transmitted in d (borrowed until
 * replaced or the driver is closed; NULL stops), time-stamped with the
 * stack's clock.
 */
void erg_pcap_live_dump_set(struct erg_pcap_live *p, struct erg_host_dump *d);

/*
 * A file descriptor that is readable when frames are waiting, for
 * erg_host_wait(); owned by the driver. -1 if the platform has none (then
 * poll erg_pcap_live_rx at short intervals).
 */
int erg_pcap_live_fd(const struct erg_pcap_live *p);

/*
 * Delivers up to budget waiting frames to the stack (erg_netif_input with
 * now_us), each copied into a packet of the stack's pool; frames that
 * cannot be delivered are consumed and counted. The driver MUST be
 * attached. Returns the number of frames taken (== budget: more may be
 * waiting), or a negative errno if capture failed (the interface went
 * away): stop using the driver.
 */
int erg_pcap_live_rx(struct erg_pcap_live *p, unsigned budget, uint64_t now_us);

/* Copies the driver's frame counters to *st. */
void erg_pcap_live_stats(const struct erg_pcap_live *p,
    struct erg_host_link_stats *st);

/*
 * libpcap's last error message for this driver (after a negative return
 * from erg_pcap_live_rx). Owned by the driver, valid until its next call.
 */
const char *erg_pcap_live_error(const struct erg_pcap_live *p);

/*
 * Closes the capture and frees p. The stack it was attached to MUST NOT be
 * called afterwards. The dump is not closed. NULL is ignored.
 */
void erg_pcap_live_close(struct erg_pcap_live *p);

/* ---- Offline replay ----------------------------------------------------- */

struct erg_pcap_replay;

/*
 * Opens capture file in_path for reading and creates out_path for the
 * frames the stack will transmit (pcap, Ethernet, microsecond stamps).
 * in_path must be a pcap or pcapng file of link type Ethernet
 * (DLT_EN10MB); "-" reads standard input, as libpcap allows.
 *
 * Returns the driver, owned by the caller until erg_pcap_replay_close(),
 * or NULL with a one-line reason in err (ERG_HOST_ERR_LEN bytes): the
 * input unreadable or not a capture, of another link type, or the output
 * not creatable.
 */
struct erg_pcap_replay *erg_pcap_replay_open(const char *in_path,
    const char *out_path, char *err);

/*
 * Adds the replay to stack s as an interface (erg_netif_add) with the
 * given unicast MAC (the one the captured peers address) and IP MTU,
 * taking gather lists. Attaches once. s is borrowed as for the live driver.
 * Returns 0, -ERG_ESTATE or an error of erg_netif_add.
 */
int erg_pcap_replay_attach(struct erg_pcap_replay *r, struct erg_stack *s,
    const uint8_t mac[6], uint16_t mtu, unsigned *ifindex);

/*
 * Records every frame fed and transmitted in d, as erg_pcap_live_dump_set.
 */
void erg_pcap_replay_dump_set(struct erg_pcap_replay *r,
    struct erg_host_dump *d);

/*
 * Reads the next frame of the capture, if not read already, without
 * delivering it, and stores its time in *when_us: microseconds since the
 * Unix epoch, raised to the previous frame's time if the capture goes
 * backwards (a stack's clock MUST NOT). Does not need the driver attached:
 * call it first to start the stack's clock at the first frame's time.
 *
 * Returns 1 (a frame is waiting at *when_us), 0 (end of the capture), or
 * -ERG_EMALFORMED when the file is damaged (erg_pcap_replay_error() says
 * how; the frames before it were delivered).
 */
int erg_pcap_replay_peek(struct erg_pcap_replay *r, uint64_t *when_us);

/*
 * Delivers the frame erg_pcap_replay_peek() announced to the stack, at its
 * time (erg_netif_input with now_us = *when_us): run the stack's timers up
 * to that time first (erg_stack_poll) so that they fire in order. A frame
 * that cannot be delivered (captured truncated, larger than a packet
 * buffer, pool empty) is counted and skipped. The driver MUST be attached.
 * Returns 1 (a frame was taken), 0 (nothing was peeked: end of capture) or
 * the error of erg_pcap_replay_peek.
 */
int erg_pcap_replay_input(struct erg_pcap_replay *r);

/* Copies the driver's frame counters to *st (tx: frames written to OUT). */
void erg_pcap_replay_stats(const struct erg_pcap_replay *r,
    struct erg_host_link_stats *st);

/*
 * A one-line description of the last error (after peek returned
 * -ERG_EMALFORMED, or when the output file failed), "" if none. Owned by
 * the driver.
 */
const char *erg_pcap_replay_error(const struct erg_pcap_replay *r);

/*
 * Closes both files (flushing the output) and frees r. The stack it was
 * attached to MUST NOT be called afterwards. NULL is ignored.
 */
void erg_pcap_replay_close(struct erg_pcap_replay *r);

#ifdef __cplusplus
}
#endif
#endif
