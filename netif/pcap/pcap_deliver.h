/*
 * netif/pcap/pcap_deliver.h: private to the pcap drivers: handing a frame
 * that libpcap holds to a stack.
 */
#ifndef ERG_PCAP_DELIVER_H
#define ERG_PCAP_DELIVER_H

#include <pcap/pcap.h>

#include "erg_pcap.h"

/*
 * Copies the frame libpcap returned (h, data: borrowed for the call) into
 * a packet of s's pool and hands it to erg_netif_input(s, ifindex, ...,
 * now_us), after recording it in dump (may be NULL). A frame captured
 * shorter than it was on the wire (rx_trunc), longer than a packet buffer
 * (rx_toobig) or met with an empty pool (rx_nobuf) is counted in st and
 * dropped; a delivered one counts rx.
 */
void erg_pcap_deliver(struct erg_stack *s, unsigned ifindex,
    const struct pcap_pkthdr *h, const uint8_t *data, uint64_t now_us,
    struct erg_host_dump *dump, struct erg_host_link_stats *st);

#endif
