/*
 * netif/host/host_dump.c: the pcap dump every unix driver can record its
 * frames in (see erg_host.h).
 *
 * libpcap writes the file (pcap_open_dead + pcap_dump_open), so the format
 * is exactly what tcpdump writes and every reader accepts. pcap_dump()
 * reports no error, so errors are read from the stdio stream underneath
 * after each flush.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "erg_host.h"

struct erg_host_dump {
	pcap_t *pcap;
	pcap_dumper_t *dumper;
	int64_t offset_us;
	uint64_t records;
	uint64_t errors;
	uint8_t scratch[ERG_HOST_FRAME_MAX]; /* a linearised gather list */
};

struct erg_host_dump *
erg_host_dump_open(const char *path, int64_t offset_us, char *err)
{
	struct erg_host_dump *d = calloc(1, sizeof(*d));

	if (d == NULL) {
		(void)snprintf(err, ERG_HOST_ERR_LEN, "%s: out of memory",
		    path);
		return NULL;
	}
	d->offset_us = offset_us;
	d->pcap = pcap_open_dead(DLT_EN10MB, (int)ERG_HOST_FRAME_MAX);
	if (d->pcap == NULL) {
		(void)snprintf(err, ERG_HOST_ERR_LEN, "%s: out of memory",
		    path);
		free(d);
		return NULL;
	}
	d->dumper = pcap_dump_open(d->pcap, path);
	if (d->dumper == NULL) {
		/* libpcap's message already names the file and the reason. */
		(void)snprintf(err, ERG_HOST_ERR_LEN,
		    "cannot create capture file: %s", pcap_geterr(d->pcap));
		pcap_close(d->pcap);
		free(d);
		return NULL;
	}
	return d;
}

/* Writes one record of caplen bytes of a frame of wire_len bytes. */
static void
host_dump_record(struct erg_host_dump *d, const void *data, size_t caplen,
    size_t wire_len, uint64_t t_us)
{
	struct pcap_pkthdr h;
	int64_t t = (int64_t)t_us + d->offset_us;

	if (t < 0) {
		t = 0;
	}
	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = (time_t)(t / 1000000);
	h.ts.tv_usec = (suseconds_t)(t % 1000000);
	h.len = (bpf_u_int32)(wire_len > UINT32_MAX ? UINT32_MAX : wire_len);
	h.caplen = (bpf_u_int32)caplen;
	pcap_dump((u_char *)d->dumper, &h, data);
	if (pcap_dump_flush(d->dumper) != 0 ||
	    ferror(pcap_dump_file(d->dumper))) {
		clearerr(pcap_dump_file(d->dumper));
		d->errors++;
		return;
	}
	d->records++;
}

void
erg_host_dump_frame(struct erg_host_dump *d, const void *frame, size_t len,
    uint64_t t_us)
{
	if (d == NULL) {
		return;
	}
	host_dump_record(d, frame,
	    len < ERG_HOST_FRAME_MAX ? len : ERG_HOST_FRAME_MAX, len, t_us);
}

void
erg_host_dump_iov(struct erg_host_dump *d, const struct erg_iov *iov,
    unsigned n, uint64_t t_us)
{
	size_t caplen = 0, total = 0;
	unsigned i;

	if (d == NULL) {
		return;
	}
	if (n == 1) {
		erg_host_dump_frame(d, iov[0].base, iov[0].len, t_us);
		return;
	}
	/* Invariant: caplen <= sizeof(d->scratch). */
	for (i = 0; i < n; i++) {
		size_t take = iov[i].len;

		total += iov[i].len;
		if (take > sizeof(d->scratch) - caplen) {
			take = sizeof(d->scratch) - caplen;
		}
		if (take > 0) {
			memcpy(d->scratch + caplen, iov[i].base, take);
			caplen += take;
		}
	}
	host_dump_record(d, d->scratch, caplen, total, t_us);
}

uint64_t
erg_host_dump_records(const struct erg_host_dump *d)
{
	return d != NULL ? d->records : 0;
}

uint64_t
erg_host_dump_errors(const struct erg_host_dump *d)
{
	return d != NULL ? d->errors : 0;
}

void
erg_host_dump_close(struct erg_host_dump *d)
{
	if (d == NULL) {
		return;
	}
	pcap_dump_close(d->dumper);
	pcap_close(d->pcap);
	free(d);
}
