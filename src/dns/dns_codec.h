/*
 * src/dns/dns_codec.h: what the codec's files (dns_wire.c, dns_build.c,
 * dns_text.c) share and nothing else needs.
 */
#ifndef ERG_DNS_CODEC_H
#define ERG_DNS_CODEC_H

#include "../core/core.h"

/*
 * True if n is a well-formed uncompressed wire name: labels of 1 to 63
 * bytes, then the root label, exactly n->len bytes in all (dns_text.c).
 */
bool dns_name_ok(const struct erg_dns_name *n);

#endif
