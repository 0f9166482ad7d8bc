/*
 * erg/erg.h: the whole public API in one include.
 */
#ifndef ERG_ERG_H
#define ERG_ERG_H

#include "error.h"
#include "view.h"
#include "checksum.h"
#include "stats.h"
#include "config.h"
#include "pkt.h"
#include "event.h"
#include "stack.h"
#include "netif.h"
#include "ether.h"
#include "ipv4.h"
#include "icmp.h"
#include "udp.h"
#include "tcp.h"
#include "tls.h"
#include "dns.h"
#include "dhcp.h"

#endif
