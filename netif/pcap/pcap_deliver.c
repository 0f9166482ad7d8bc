/*
 * netif/pcap/pcap_deliver.c: from libpcap's buffer to a stack packet (see
 * pcap_deliver.h).
 *
 * libpcap lends its buffer only until the next read, so this copy is the
 * one a pcap driver cannot avoid; it is the only one on the receive path.
 */
#include <string.h>

#include "pcap_deliver.h"

void
erg_pcap_deliver(struct erg_stack *s, unsigned ifindex,
    const struct pcap_pkthdr *h, const uint8_t *data, uint64_t now_us,
    struct erg_host_dump *dump, struct erg_host_link_stats *st)
{
	struct erg_pkt *pkt;
	uint8_t *p;

	/* Recorded as it arrived, whether or not the stack gets it. */
	erg_host_dump_frame(dump, data, h->caplen, now_us);
	if (h->caplen < h->len) {
		/* A snapped frame would fail its checksums: not worth it. */
		st->rx_trunc++;
		return;
	}
	pkt = erg_pkt_alloc(s);
	if (pkt == NULL) {
		st->rx_nobuf++;
		return;
	}
	p = erg_pkt_put(pkt, h->caplen);
	if (p == NULL) {
		erg_pkt_free(s, pkt);
		st->rx_toobig++;
		return;
	}
	memcpy(p, data, h->caplen);
	st->rx++;
	erg_netif_input(s, ifindex, pkt, now_us);
}
