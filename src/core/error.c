/*
 * src/core/error.c: names of error codes.
 */
#include "core.h"

struct erg_error_name {
	int code;
	const char *name;
};

static const struct erg_error_name erg_error_names[] = {
	{ ERG_OK, "OK" },
	{ ERG_EINVAL, "EINVAL" },
	{ ERG_ESTATE, "ESTATE" },
	{ ERG_EADDRINUSE, "EADDRINUSE" },
	{ ERG_ENOTCONN, "ENOTCONN" },
	{ ERG_EMSGSIZE, "EMSGSIZE" },
	{ ERG_EAGAIN, "EAGAIN" },
	{ ERG_ENOMEM, "ENOMEM" },
	{ ERG_ENOBUFS, "ENOBUFS" },
	{ ERG_ENOSPC, "ENOSPC" },
	{ ERG_EHOSTUNREACH, "EHOSTUNREACH" },
	{ ERG_ENETUNREACH, "ENETUNREACH" },
	{ ERG_ECONNREFUSED, "ECONNREFUSED" },
	{ ERG_ETIMEDOUT, "ETIMEDOUT" },
	{ ERG_EMSGTOOBIG, "EMSGTOOBIG" },
	{ ERG_ETTL, "ETTL" },
	{ ERG_ECONNRESET, "ECONNRESET" },
	{ ERG_ECONNABORTED, "ECONNABORTED" },
	{ ERG_ENXDOMAIN, "ENXDOMAIN" },
	{ ERG_ENODATA, "ENODATA" },
	{ ERG_ESERVFAIL, "ESERVFAIL" },
	{ ERG_ELOOP, "ELOOP" },
	{ ERG_ETRUNC, "ETRUNC" },
	{ ERG_EMALFORMED, "EMALFORMED" },
	{ ERG_ECHECKSUM, "ECHECKSUM" },
	{ ERG_EUNSUPPORTED, "EUNSUPPORTED" },
	{ ERG_ETLS_HANDSHAKE, "ETLS_HANDSHAKE" },
	{ ERG_ETLS_BADCERT, "ETLS_BADCERT" },
	{ ERG_ETLS_HOSTNAME, "ETLS_HOSTNAME" },
	{ ERG_ETLS_EXPIRED, "ETLS_EXPIRED" },
	{ ERG_ETLS_UNKNOWNCA, "ETLS_UNKNOWNCA" },
	{ ERG_ETLS_ALERT, "ETLS_ALERT" },
	{ ERG_ETLS_PROTOCOL, "ETLS_PROTOCOL" },
	{ ERG_ETLS_TRUNCATED, "ETLS_TRUNCATED" },
};

const char *
erg_strerror(int err)
{
	unsigned int code;
	size_t i;

	/* Negate in unsigned arithmetic: -INT_MIN does not fit an int. */
	code = err < 0 ? 0u - (unsigned int)err : (unsigned int)err;
	for (i = 0; i < sizeof(erg_error_names) / sizeof(erg_error_names[0]);
	     i++) {
		if ((unsigned int)erg_error_names[i].code == code) {
			return erg_error_names[i].name;
		}
	}
	return "E?";
}
