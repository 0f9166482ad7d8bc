/*
 * erg/error.h: error codes.
 *
 * Every function that can fail returns 0 or a negative ERG_E* code.
 * Codes are grouped in ranges by what the caller can do about them:
 *   1..19   caller error (bad argument, wrong state)
 *  20..39   resources (a pool or a queue is full)
 *  40..59   network conditions (no route, unreachable, refused, timeout)
 *  60..79   malformed or truncated input (parsers)
 *  80..99   TLS: the handshake or the peer's certificate failed, or the
 *           peer sent an alert (erg/tls.h)
 * Parsers return the 60..79 codes; the stack never returns them from an
 * input path, because bad input is dropped and counted, not reported.
 */
#ifndef ERG_ERROR_H
#define ERG_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

enum erg_error {
	ERG_OK = 0,
	ERG_EINVAL = 1,        /* an argument is out of its documented range */
	ERG_ESTATE = 2,        /* the object is not in a state that allows it */
	ERG_EADDRINUSE = 3,    /* local address and port already bound */
	ERG_ENOTCONN = 4,      /* socket has no default destination */
	ERG_EMSGSIZE = 5,      /* datagram larger than the protocol allows */
	ERG_EAGAIN = 6,        /* nothing to read now; try after an event */
	ERG_ENOMEM = 20,       /* a pool or the arena is exhausted */
	ERG_ENOBUFS = 21,      /* a bounded queue is full */
	ERG_ENOSPC = 22,       /* the arena given is smaller than required */
	ERG_EHOSTUNREACH = 40, /* no route, or ICMP host unreachable */
	ERG_ENETUNREACH = 41,  /* ICMP network unreachable */
	ERG_ECONNREFUSED = 42, /* ICMP port or protocol unreachable */
	ERG_ETIMEDOUT = 43,    /* resolution or retransmission gave up */
	ERG_EMSGTOOBIG = 44,   /* ICMP fragmentation needed */
	ERG_ETTL = 45,         /* ICMP time exceeded */
	ERG_ECONNRESET = 46,   /* the peer reset the connection */
	ERG_ECONNABORTED = 47, /* the stack ended it (listener closed, ...) */
	ERG_ENXDOMAIN = 48,    /* DNS: the name does not exist */
	ERG_ENODATA = 49,      /* DNS: the name has no record of that type */
	ERG_ESERVFAIL = 50,    /* DNS: every server failed or refused */
	ERG_ELOOP = 51,        /* DNS: CNAME chain too long or looping */
	ERG_ETRUNC = 60,       /* input shorter than its headers claim */
	ERG_EMALFORMED = 61,   /* a field holds a value the format forbids */
	ERG_ECHECKSUM = 62,    /* checksum does not verify */
	ERG_EUNSUPPORTED =
	    63, /* well formed, but a variant erg does not handle */
	ERG_ETLS_HANDSHAKE = 80, /* no common version, suite, curve, ... */
	ERG_ETLS_BADCERT = 81,   /* certificate malformed or signature bad */
	ERG_ETLS_HOSTNAME = 82,  /* certificate not for the server name */
	ERG_ETLS_EXPIRED = 83,   /* certificate expired or not yet valid */
	ERG_ETLS_UNKNOWNCA = 84, /* chain leads to no trust anchor */
	ERG_ETLS_ALERT = 85,     /* the peer sent a fatal alert */
	ERG_ETLS_PROTOCOL = 86,  /* bad record, MAC, or message order */
	ERG_ETLS_TRUNCATED = 87  /* TCP closed without close_notify */
};

/*
 * Returns a short constant name for a code given either sign ("EINVAL"),
 * or "E?" for an unknown code. Never NULL.
 */
const char *erg_strerror(int err);

#ifdef __cplusplus
}
#endif
#endif
