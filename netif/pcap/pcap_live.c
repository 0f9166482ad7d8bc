/*
 * netif/pcap/pcap_live.c: capture and inject on a live interface (see
 * erg_pcap.h).
 *
 * Decisions:
 * - Promiscuous: erg has its own MAC, which the host's NIC filters out
 *   unless told to take everything; the stack then drops what is not for
 *   it (ether.not_for_us).
 * - Incoming only (PCAP_D_IN): on Linux a packet socket also sees the
 *   frames it injects; fed back, each would be erg's own frame received.
 *   Where the direction cannot be set the stack still copes (its own
 *   frames are not addressed to it), so that failure is ignored.
 * - Immediate mode: without it libpcap waits for a buffer to fill or a
 *   timeout, adding up to that timeout to every round trip.
 * - Non-blocking: the fd goes into the host's poll loop, and libpcap sets
 *   the socket itself O_NONBLOCK on Linux, so injecting never waits
 *   either.
 * - Snapshot length ERG_PCAP_LIVE_SNAPLEN, not 65535: in immediate mode
 *   libpcap uses a TPACKET_V2 ring of fixed-size slots, sized from the
 *   snapshot length on interfaces with offloads (veth, most NICs). 64 KiB
 *   slots left room for about 32 frames in the default 2 MiB ring, and a
 *   65,000-byte ping (45 fragments) lost its tail. Frames longer than a
 *   packet buffer cannot be delivered anyway.
 * - A ring of LIVE_BUFFER_BYTES: bursts of several hundred frames (ping
 *   -f, fragment trains) must wait there while the stack catches up.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "erg_pcap.h"
#include "pcap_deliver.h"

/* Capture ring: about 880 slots of ERG_PCAP_LIVE_SNAPLEN. */
#define LIVE_BUFFER_BYTES (8 * 1024 * 1024)

struct erg_pcap_live {
	pcap_t *pcap;
	struct erg_stack *s; /* NULL until attached */
	unsigned ifindex;
	struct erg_host_dump *dump;
	struct erg_host_link_stats st;
	uint8_t scratch[ERG_HOST_FRAME_MAX]; /* a linearised gather list */
};

/* Turns pcap_activate()'s result into one line that says what to do. */
static void
live_activate_error(char *err, const char *iface, int rc, pcap_t *p)
{
	switch (rc) {
	case PCAP_ERROR_NO_SUCH_DEVICE:
		(void)snprintf(err, ERG_HOST_ERR_LEN,
		    "no such interface '%s' (see 'ip link')", iface);
		break;
	case PCAP_ERROR_PERM_DENIED:
	case PCAP_ERROR_PROMISC_PERM_DENIED:
		(void)snprintf(err, ERG_HOST_ERR_LEN,
		    "%s: permission denied: run as root or with CAP_NET_RAW",
		    iface);
		break;
	case PCAP_ERROR_IFACE_NOT_UP:
		(void)snprintf(err, ERG_HOST_ERR_LEN,
		    "%s is down: bring it up with 'ip link set %s up'", iface,
		    iface);
		break;
	default:
		(void)snprintf(err, ERG_HOST_ERR_LEN, "%s: %s", iface,
		    pcap_geterr(p)[0] != '\0' ? pcap_geterr(p) :
		                                pcap_statustostr(rc));
		break;
	}
}

struct erg_pcap_live *
erg_pcap_live_open(const char *iface, char *err)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct erg_pcap_live *lp;
	pcap_t *p;
	int rc, dlt;

	if (iface == NULL || iface[0] == '\0') {
		(void)snprintf(err, ERG_HOST_ERR_LEN, "empty interface name");
		return NULL;
	}
	p = pcap_create(iface, ebuf);
	if (p == NULL) {
		(void)snprintf(err, ERG_HOST_ERR_LEN, "%s: %.160s", iface,
		    ebuf);
		return NULL;
	}
	(void)pcap_set_snaplen(p, (int)ERG_PCAP_LIVE_SNAPLEN);
	(void)pcap_set_buffer_size(p, LIVE_BUFFER_BYTES);
	(void)pcap_set_promisc(p, 1);
	(void)pcap_set_immediate_mode(p, 1);
	rc = pcap_activate(p);
	if (rc < 0) {
		live_activate_error(err, iface, rc, p);
		pcap_close(p);
		return NULL;
	}
	dlt = pcap_datalink(p);
	if (dlt != DLT_EN10MB) {
		const char *name = pcap_datalink_val_to_name(dlt);

		(void)snprintf(err, ERG_HOST_ERR_LEN,
		    "%s is not an Ethernet interface (link type %s): erg "
		    "needs Ethernet frames",
		    iface, name != NULL ? name : "unknown");
		pcap_close(p);
		return NULL;
	}
	(void)pcap_setdirection(p, PCAP_D_IN);
	if (pcap_setnonblock(p, 1, ebuf) < 0) {
		(void)snprintf(err, ERG_HOST_ERR_LEN, "%s: %.160s", iface,
		    ebuf);
		pcap_close(p);
		return NULL;
	}
	lp = calloc(1, sizeof(*lp));
	if (lp == NULL) {
		(void)snprintf(err, ERG_HOST_ERR_LEN, "%s: out of memory",
		    iface);
		pcap_close(p);
		return NULL;
	}
	lp->pcap = p;
	return lp;
}

static int
live_transmit(void *drv, const struct erg_iov *iov, unsigned n)
{
	struct erg_pcap_live *lp = drv;
	size_t len = 0;
	unsigned i;

	/* pcap_inject takes one buffer: linearise once (DESIGN.md). */
	for (i = 0; i < n; i++) {
		if (iov[i].len > sizeof(lp->scratch) - len) {
			lp->st.tx_err++;
			return -ERG_EMSGSIZE;
		}
		if (iov[i].len > 0) {
			memcpy(lp->scratch + len, iov[i].base, iov[i].len);
			len += iov[i].len;
		}
	}
	if (pcap_inject(lp->pcap, lp->scratch, len) < 0) {
		/* libpcap keeps errno from send(2). */
		if (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == ENOBUFS) {
			lp->st.tx_full++;
			return -ERG_ENOBUFS;
		}
		lp->st.tx_err++;
		return errno == ENETDOWN || errno == ENXIO ? -ERG_EHOSTUNREACH :
		                                             -ERG_EINVAL;
	}
	lp->st.tx++;
	erg_host_dump_frame(lp->dump, lp->scratch, len, erg_stack_now(lp->s));
	return 0;
}

static const struct erg_netif_ops live_ops = { live_transmit };

int
erg_pcap_live_attach(struct erg_pcap_live *p, struct erg_stack *s,
    const uint8_t mac[6], uint16_t mtu, unsigned *ifindex)
{
	int rc = erg_host_attach(s, &p->s, mac, mtu, &live_ops, p, &p->ifindex);

	if (rc == 0 && ifindex != NULL) {
		*ifindex = p->ifindex;
	}
	return rc;
}

void
erg_pcap_live_dump_set(struct erg_pcap_live *p, struct erg_host_dump *d)
{
	p->dump = d;
}

int
erg_pcap_live_fd(const struct erg_pcap_live *p)
{
	return pcap_get_selectable_fd(p->pcap);
}

int
erg_pcap_live_rx(struct erg_pcap_live *p, unsigned budget, uint64_t now_us)
{
	unsigned done = 0;

	if (p->s == NULL) {
		return -EINVAL;
	}
	while (done < budget) {
		struct pcap_pkthdr *h;
		const u_char *data;
		int rc = pcap_next_ex(p->pcap, &h, &data);

		if (rc == 0) {
			break; /* nothing waiting (non-blocking) */
		}
		if (rc < 0) {
			return -EIO; /* the reason: erg_pcap_live_error */
		}
		erg_pcap_deliver(p->s, p->ifindex, h, data, now_us, p->dump,
		    &p->st);
		done++;
	}
	return (int)done;
}

void
erg_pcap_live_stats(const struct erg_pcap_live *p,
    struct erg_host_link_stats *st)
{
	*st = p->st;
}

const char *
erg_pcap_live_error(const struct erg_pcap_live *p)
{
	return pcap_geterr(p->pcap);
}

void
erg_pcap_live_close(struct erg_pcap_live *p)
{
	if (p == NULL) {
		return;
	}
	pcap_close(p->pcap);
	free(p);
}
