/*
 * netif/pcap/pcap_replay.c: a capture file as an interface (see
 * erg_pcap.h).
 *
 * Decisions:
 * - Time: each frame's timestamp, read at microsecond precision (libpcap
 *   scales nanosecond captures), is the stack's clock when it arrives. A
 *   capture that goes backwards (merged files, a clock step while
 *   capturing) is clamped to the latest time seen, because a stack's
 *   clock must never go backwards.
 * - Peek, then input: the host needs a frame's time before it is
 *   delivered, to run the timers due before it (erg_stack_poll) so that
 *   everything happens in the order it would have happened live.
 * - The output is an erg_host_dump with offset 0: records carry the
 *   stack's clock, which is the capture's clock, so OUT lines up with IN
 *   in Wireshark.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "erg_pcap.h"
#include "pcap_deliver.h"

/* Seconds: about 34,800 years, so that t + any timer < 2^64. */
#define REPLAY_SEC_MAX (1ull << 40)

struct erg_pcap_replay {
	pcap_t *in;
	struct erg_host_dump *out;
	struct erg_stack *s; /* NULL until attached */
	unsigned ifindex;
	struct erg_host_dump *dump;
	struct erg_host_link_stats st;
	/* The frame peeked and not yet delivered, lent by libpcap. */
	bool have;
	bool eof;
	struct pcap_pkthdr *h;
	const u_char *data;
	uint64_t when;
	uint64_t last; /* latest time delivered */
	char err[ERG_HOST_ERR_LEN];
};

struct erg_pcap_replay *
erg_pcap_replay_open(const char *in_path, const char *out_path, char *err)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct erg_pcap_replay *r;
	int dlt;

	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		(void)snprintf(err, ERG_HOST_ERR_LEN, "out of memory");
		return NULL;
	}
	r->in = pcap_open_offline_with_tstamp_precision(in_path,
	    PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	if (r->in == NULL) {
		/*
		 * libpcap says "unknown file format", or names the file
		 * itself in "PATH: No such file or directory".
		 */
		if (strstr(ebuf, in_path) != NULL) {
			(void)snprintf(err, ERG_HOST_ERR_LEN,
			    "cannot read capture %.200s", ebuf);
		} else {
			(void)snprintf(err, ERG_HOST_ERR_LEN,
			    "cannot read capture %s: %.160s", in_path, ebuf);
		}
		free(r);
		return NULL;
	}
	dlt = pcap_datalink(r->in);
	if (dlt != DLT_EN10MB) {
		const char *name = pcap_datalink_val_to_name(dlt);

		(void)snprintf(err, ERG_HOST_ERR_LEN,
		    "%s: link type %s, not Ethernet (EN10MB): erg replays "
		    "Ethernet captures only (capture on an Ethernet or TAP "
		    "interface, not 'any')",
		    in_path, name != NULL ? name : "unknown");
		pcap_close(r->in);
		free(r);
		return NULL;
	}
	r->out = erg_host_dump_open(out_path, 0, err);
	if (r->out == NULL) {
		pcap_close(r->in);
		free(r);
		return NULL;
	}
	return r;
}

static int
replay_transmit(void *drv, const struct erg_iov *iov, unsigned n)
{
	struct erg_pcap_replay *r = drv;
	uint64_t now = erg_stack_now(r->s);
	uint64_t errors = erg_host_dump_errors(r->out);

	erg_host_dump_iov(r->out, iov, n, now);
	if (erg_host_dump_errors(r->out) != errors) {
		r->st.tx_err++;
		(void)snprintf(r->err, sizeof(r->err),
		    "cannot write the output capture: %s", strerror(errno));
		return -ERG_ENOBUFS;
	}
	r->st.tx++;
	erg_host_dump_iov(r->dump, iov, n, now);
	return 0;
}

static const struct erg_netif_ops replay_ops = { replay_transmit };

int
erg_pcap_replay_attach(struct erg_pcap_replay *r, struct erg_stack *s,
    const uint8_t mac[6], uint16_t mtu, unsigned *ifindex)
{
	int rc =
	    erg_host_attach(s, &r->s, mac, mtu, &replay_ops, r, &r->ifindex);

	if (rc == 0 && ifindex != NULL) {
		*ifindex = r->ifindex;
	}
	return rc;
}

void
erg_pcap_replay_dump_set(struct erg_pcap_replay *r, struct erg_host_dump *d)
{
	r->dump = d;
}

int
erg_pcap_replay_peek(struct erg_pcap_replay *r, uint64_t *when_us)
{
	int rc;

	if (!r->have && !r->eof) {
		rc = pcap_next_ex(r->in, &r->h, &r->data);
		if (rc == PCAP_ERROR_BREAK) {
			r->eof = true; /* -2: no more frames */
		} else if (rc != 1) {
			/* Offline reads never time out (0): a damaged file. */
			(void)snprintf(r->err, sizeof(r->err),
			    "damaged capture: %s", pcap_geterr(r->in));
			return -ERG_EMALFORMED;
		} else {
			uint64_t t = 0;

			/*
			 * pcapng can carry any 64-bit time: refuse what no
			 * capture holds, so that the clock and every timer
			 * deadline stay far below 2^64 (ERG_TIME_NEVER).
			 */
			if (r->h->ts.tv_sec > 0 &&
			    (uint64_t)r->h->ts.tv_sec > REPLAY_SEC_MAX) {
				(void)snprintf(r->err, sizeof(r->err),
				    "damaged capture: time stamp out of range");
				return -ERG_EMALFORMED;
			}
			if (r->h->ts.tv_sec >= 0 && r->h->ts.tv_usec >= 0) {
				t = (uint64_t)r->h->ts.tv_sec * 1000000u +
				    (uint64_t)r->h->ts.tv_usec;
			}
			r->when = t > r->last ? t : r->last;
			r->have = true;
		}
	}
	if (!r->have) {
		return 0;
	}
	*when_us = r->when;
	return 1;
}

int
erg_pcap_replay_input(struct erg_pcap_replay *r)
{
	uint64_t when;
	int rc;

	if (r->s == NULL) {
		return -ERG_ESTATE;
	}
	rc = erg_pcap_replay_peek(r, &when);
	if (rc <= 0) {
		return rc;
	}
	r->have = false;
	r->last = when;
	erg_pcap_deliver(r->s, r->ifindex, r->h, r->data, when, r->dump,
	    &r->st);
	return 1;
}

void
erg_pcap_replay_stats(const struct erg_pcap_replay *r,
    struct erg_host_link_stats *st)
{
	*st = r->st;
}

const char *
erg_pcap_replay_error(const struct erg_pcap_replay *r)
{
	return r->err;
}

void
erg_pcap_replay_close(struct erg_pcap_replay *r)
{
	if (r == NULL) {
		return;
	}
	pcap_close(r->in);
	erg_host_dump_close(r->out);
	free(r);
}
