/*
 * netif/tap/tap.c: the Linux TAP driver (see erg_tap.h).
 *
 * Decisions:
 * - A frame longer than the packet's tailroom cannot be received whole,
 *   and tun returns min(frame, offered), so truncation is invisible to a
 *   plain read. The read is a readv that offers the discard buffer behind
 *   the packet's tailroom: a frame that spills into it is too big and is
 *   dropped (rx_toobig), never delivered cut short. Frames that fit still
 *   land in the packet with no copy.
 * - When the pool is empty the frame is still read (into a discard buffer)
 *   and dropped: leaving it queued would keep the fd readable and turn the
 *   host's poll loop into a spin until the stack frees packets.
 * - Errors are written as one line that says what to do, because the
 *   usual causes (no tun module, not root, a device of the wrong kind) are
 *   configuration mistakes, and the person who sees them is at a shell.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <net/if.h>
#include <linux/if_tun.h>

#include "erg_tap.h"

#define TAP_DEV "/dev/net/tun"

struct erg_tap {
	int fd;
	char name[IFNAMSIZ];
	struct erg_stack *s; /* NULL until attached */
	unsigned ifindex;
	struct erg_host_dump *dump;
	struct erg_host_link_stats st;
	uint8_t discard[ERG_HOST_FRAME_MAX]; /* frames with no packet */
};

static const char tap_need_admin[] = "run as root or with CAP_NET_ADMIN";

static void
tap_open_error(char *err, int e)
{
	switch (e) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		(void)snprintf(err, ERG_HOST_ERR_LEN,
		    TAP_DEV " not found: load the tun module (modprobe tun) "
		            "or run where TUN/TAP exists");
		break;
	case EACCES:
	case EPERM:
		(void)snprintf(err, ERG_HOST_ERR_LEN,
		    TAP_DEV ": permission denied: %s", tap_need_admin);
		break;
	default:
		(void)snprintf(err, ERG_HOST_ERR_LEN, TAP_DEV ": %s",
		    strerror(e));
		break;
	}
}

static void
tap_setiff_error(char *err, const char *name, int e)
{
	switch (e) {
	case EPERM:
	case EACCES:
		(void)snprintf(err, ERG_HOST_ERR_LEN,
		    "cannot attach to or create TAP device %s: permission "
		    "denied: %s (or create it first with "
		    "'ip tuntap add dev %s mode tap user USER')",
		    name, tap_need_admin, name);
		break;
	case EBUSY:
		(void)snprintf(err, ERG_HOST_ERR_LEN,
		    "TAP device %s is in use by another process: stop it or "
		    "choose another name",
		    name);
		break;
	case EINVAL:
		(void)snprintf(err, ERG_HOST_ERR_LEN,
		    "%s exists but is not a TAP device: choose another name, "
		    "or delete it",
		    name);
		break;
	default:
		(void)snprintf(err, ERG_HOST_ERR_LEN,
		    "cannot attach to or create TAP device %s: %s", name,
		    strerror(e));
		break;
	}
}

struct erg_tap *
erg_tap_open(const char *name, char *err)
{
	struct erg_tap *t;
	struct ifreq ifr;
	int fd, e;

	if (name == NULL || name[0] == '\0' || strlen(name) >= IFNAMSIZ ||
	    strchr(name, '/') != NULL || strchr(name, '%') != NULL) {
		/* '%' would make the kernel pick a name (tap%d). */
		(void)snprintf(err, ERG_HOST_ERR_LEN,
		    "bad TAP device name '%s': 1 to %d characters, no '/' "
		    "or '%%'",
		    name != NULL ? name : "", IFNAMSIZ - 1);
		return NULL;
	}
	fd = open(TAP_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		tap_open_error(err, errno);
		return NULL;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		e = errno;
		(void)close(fd);
		tap_setiff_error(err, name, e);
		return NULL;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
		e = errno;
		(void)close(fd);
		(void)snprintf(err, ERG_HOST_ERR_LEN,
		    "%s: cannot make non-blocking: %s", name, strerror(e));
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		(void)close(fd);
		(void)snprintf(err, ERG_HOST_ERR_LEN, "%s: out of memory",
		    name);
		return NULL;
	}
	t->fd = fd;
	memcpy(t->name, ifr.ifr_name, IFNAMSIZ);
	t->name[IFNAMSIZ - 1] = '\0';
	return t;
}

int
erg_tap_is_up(const struct erg_tap *t)
{
	struct ifreq ifr;
	int sock, rc;

	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0) {
		return -errno;
	}
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, t->name, IFNAMSIZ);
	rc = ioctl(sock, SIOCGIFFLAGS, &ifr);
	if (rc < 0) {
		rc = -errno;
	} else {
		rc = (ifr.ifr_flags & IFF_UP) != 0;
	}
	(void)close(sock);
	return rc;
}

static int
tap_transmit(void *drv, const struct erg_iov *iov, unsigned n)
{
	struct erg_tap *t = drv;
	struct iovec v[ERG_NETIF_IOV_MAX];
	size_t total = 0;
	ssize_t w;
	unsigned i;

	if (n == 0 || n > ERG_NETIF_IOV_MAX) {
		t->st.tx_err++;
		return -ERG_EINVAL;
	}
	for (i = 0; i < n; i++) {
		/* writev only reads the pieces; the cast drops const. */
		v[i].iov_base = (void *)(uintptr_t)iov[i].base;
		v[i].iov_len = iov[i].len;
		total += iov[i].len;
	}
	w = writev(t->fd, v, (int)n);
	if (w < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == ENOBUFS) {
			t->st.tx_full++;
			return -ERG_ENOBUFS;
		}
		t->st.tx_err++;
		/* EIO: the interface is down; anything else is ours. */
		return errno == EIO ? -ERG_EHOSTUNREACH : -ERG_EINVAL;
	}
	if ((size_t)w != total) {
		/* tun writes a frame whole or not at all; be safe anyway. */
		t->st.tx_err++;
		return -ERG_EINVAL;
	}
	t->st.tx++;
	erg_host_dump_iov(t->dump, iov, n, erg_stack_now(t->s));
	return 0;
}

static const struct erg_netif_ops tap_ops = { tap_transmit };

int
erg_tap_attach(struct erg_tap *t, struct erg_stack *s, const uint8_t mac[6],
    uint16_t mtu, unsigned *ifindex)
{
	int rc = erg_host_attach(s, &t->s, mac, mtu, &tap_ops, t, &t->ifindex);

	if (rc == 0 && ifindex != NULL) {
		*ifindex = t->ifindex;
	}
	return rc;
}

void
erg_tap_dump_set(struct erg_tap *t, struct erg_host_dump *d)
{
	t->dump = d;
}

int
erg_tap_fd(const struct erg_tap *t)
{
	return t->fd;
}

const char *
erg_tap_name(const struct erg_tap *t)
{
	return t->name;
}

/*
 * Reads one frame into a fresh packet and delivers it. Returns 1 if a frame
 * was read (delivered or dropped), 0 if none was queued, or -errno.
 */
static int
tap_rx_one(struct erg_tap *t, uint64_t now_us)
{
	struct erg_pkt *pkt = erg_pkt_alloc(t->s);
	struct iovec v[2];
	uint32_t room;
	ssize_t n;

	if (pkt == NULL) {
		n = read(t->fd, t->discard, sizeof(t->discard));
		if (n < 0) {
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		}
		if ((size_t)n <= sizeof(t->discard)) {
			erg_host_dump_frame(t->dump, t->discard, (size_t)n,
			    now_us);
		}
		t->st.rx_nobuf++;
		return 1;
	}
	room = erg_pkt_tailroom(pkt);
	v[0].iov_base = erg_pkt_data(pkt);
	v[0].iov_len = room;
	v[1].iov_base = t->discard;
	v[1].iov_len = sizeof(t->discard);
	n = readv(t->fd, v, 2);
	if (n < 0) {
		int e = errno;

		erg_pkt_free(t->s, pkt);
		return e == EAGAIN || e == EINTR ? 0 : -e;
	}
	if ((size_t)n > room) {
		erg_pkt_free(t->s, pkt);
		t->st.rx_toobig++;
		return 1;
	}
	(void)erg_pkt_put(pkt, (uint32_t)n);
	erg_host_dump_frame(t->dump, erg_pkt_data(pkt), pkt->len, now_us);
	t->st.rx++;
	erg_netif_input(t->s, t->ifindex, pkt, now_us);
	return 1;
}

int
erg_tap_rx(struct erg_tap *t, unsigned budget, uint64_t now_us)
{
	unsigned done = 0;

	if (t->s == NULL) {
		return -EINVAL;
	}
	while (done < budget) {
		int rc = tap_rx_one(t, now_us);

		if (rc < 0) {
			return rc;
		}
		if (rc == 0) {
			break;
		}
		done++;
	}
	return (int)done;
}

void
erg_tap_stats(const struct erg_tap *t, struct erg_host_link_stats *st)
{
	*st = t->st;
}

void
erg_tap_close(struct erg_tap *t)
{
	if (t == NULL) {
		return;
	}
	(void)close(t->fd);
	free(t);
}
