/*
 * tools/common/tool_options.c: parsing the shared command line (see
 * tool_options.h).
 *
 * A small parser of its own rather than getopt_long: getopt_long accepts
 * abbreviations (--sec for --seconds) that scripts would come to depend
 * on, and prints its own messages, which are not one line "PROG: ..." as
 * every tool error must be.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "erg/erg.h"
#include "tool_options.h"

/* Longest --seconds: a year, so that seconds * 10^6 cannot overflow. */
#define TOOL_SECONDS_MAX 31536000u

enum tool_opt_id {
	OPT_TAP,
	OPT_PCAP_LIVE,
	OPT_IP,
	OPT_GW,
	OPT_MAC,
	OPT_SEED,
	OPT_CAPTURE,
	OPT_SECONDS,
	OPT_STATS,
	OPT_OUTPUT,
	OPT_VERBOSE,
	OPT_TIMEOUT,
	OPT_CHECK_BYTES,
	OPT_CERT,
	OPT_KEY,
	OPT_CERT_NAME,
	OPT_CAFILE,
	OPT_INSECURE,
	OPT_RESOLVE,
	OPT_DHCP,
	OPT_DNS,
	OPT_SERVER,
	OPT_HELP
};

static const struct {
	const char *name;
	char short_name; /* '\0': none */
	enum tool_opt_id id;
	unsigned group; /* TOOL_OPT_*; 0: always taken */
	bool has_value;
} tool_opt_table[] = {
	{ "tap", '\0', OPT_TAP, TOOL_OPT_LINK, true },
	{ "pcap-live", '\0', OPT_PCAP_LIVE, TOOL_OPT_LINK, true },
	{ "ip", '\0', OPT_IP, TOOL_OPT_IP, true },
	{ "gw", '\0', OPT_GW, TOOL_OPT_IP, true },
	{ "mac", '\0', OPT_MAC, TOOL_OPT_MAC, true },
	{ "seed", '\0', OPT_SEED, TOOL_OPT_SEED, true },
	{ "capture", '\0', OPT_CAPTURE, TOOL_OPT_CAPTURE, true },
	{ "seconds", '\0', OPT_SECONDS, TOOL_OPT_SECONDS, true },
	{ "stats", '\0', OPT_STATS, TOOL_OPT_STATS, false },
	{ "output", 'o', OPT_OUTPUT, TOOL_OPT_OUTPUT, true },
	{ "verbose", 'v', OPT_VERBOSE, TOOL_OPT_VERBOSE, false },
	{ "timeout", '\0', OPT_TIMEOUT, TOOL_OPT_TIMEOUT, true },
	{ "check-bytes", '\0', OPT_CHECK_BYTES, TOOL_OPT_CHECK_BYTES, false },
	{ "cert", '\0', OPT_CERT, TOOL_OPT_TLS_SERVER, true },
	{ "key", '\0', OPT_KEY, TOOL_OPT_TLS_SERVER, true },
	{ "cert-name", '\0', OPT_CERT_NAME, TOOL_OPT_TLS_SERVER, true },
	{ "cafile", '\0', OPT_CAFILE, TOOL_OPT_TLS_CLIENT, true },
	{ "insecure", '\0', OPT_INSECURE, TOOL_OPT_TLS_CLIENT, false },
	{ "resolve", '\0', OPT_RESOLVE, TOOL_OPT_TLS_CLIENT, true },
	{ "dhcp", '\0', OPT_DHCP, TOOL_OPT_DHCP, false },
	{ "dns", '\0', OPT_DNS, TOOL_OPT_DNS, true },
	{ "server", '\0', OPT_SERVER, TOOL_OPT_SERVER, true },
	{ "help", 'h', OPT_HELP, 0, false },
};

#define TOOL_OPT_N (sizeof(tool_opt_table) / sizeof(tool_opt_table[0]))

/* One line "PROG: message" on stderr. */
static void
tool_vsay(const struct tool_info *ti, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", ti->prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	fflush(stderr);
}

void
tool_say(const struct tool_info *ti, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tool_vsay(ti, fmt, ap);
	va_end(ap);
}

void
tool_die(const struct tool_info *ti, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tool_vsay(ti, fmt, ap);
	va_end(ap);
	exit(status);
}

void
tool_mac_format(char *buf, const uint8_t mac[6])
{
	(void)snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
	    mac[2], mac[3], mac[4], mac[5]);
}

void
tool_ipv4_format(char *buf, uint32_t a)
{
	(void)snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xffu,
	    (a >> 8) & 0xffu, a & 0xffu);
}

/*
 * Parses a decimal number of 1 to 10 digits, no sign, no spaces, at most
 * max. *end gets the first byte after it. Returns false if there is none
 * or it is too large.
 */
static bool
tool_parse_dec(const char *s, uint64_t max, uint64_t *v, const char **end)
{
	uint64_t x = 0;
	unsigned n = 0;

	while (isdigit((unsigned char)s[n])) {
		if (n == 10) {
			return false;
		}
		x = x * 10 + (uint64_t)(s[n] - '0');
		n++;
	}
	if (n == 0 || x > max) {
		return false;
	}
	*v = x;
	*end = s + n;
	return true;
}

/* A dotted quad, exactly four decimal octets; *end after it. */
static bool
tool_parse_ipv4(const char *s, uint32_t *addr, const char **end)
{
	uint32_t a = 0;
	uint64_t octet;
	int i;

	for (i = 0; i < 4; i++) {
		if (i > 0) {
			if (*s != '.') {
				return false;
			}
			s++;
		}
		if (!tool_parse_dec(s, 255, &octet, &s)) {
			return false;
		}
		a = a << 8 | (uint32_t)octet;
	}
	*addr = a;
	*end = s;
	return true;
}

/*
 * An address erg can own or route to: not 0.0.0.0 and not one that may
 * never be a source (broadcast, multicast, loopback, class E).
 */
bool
tool_ipv4_usable(uint32_t a)
{
	return a != ERG_IPV4_ANY && !erg_ipv4_is_bad_src(a);
}

bool
tool_ipv4_parse(const char *s, uint32_t *addr, const char **end)
{
	return tool_parse_ipv4(s, addr, end);
}

int
tool_hex(int c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

/* Exactly six pairs of hex digits separated by ':'. */
static bool
tool_parse_mac(const char *s, uint8_t mac[6])
{
	int i, hi, lo;

	for (i = 0; i < 6; i++) {
		if (i > 0 && *s++ != ':') {
			return false;
		}
		hi = tool_hex(s[0]);
		lo = hi >= 0 ? tool_hex(s[1]) : -1;
		if (lo < 0) {
			return false;
		}
		mac[i] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	return *s == '\0';
}

/* --seed: decimal, or hexadecimal with 0x; the whole of 64 bits. */
static bool
tool_parse_seed(const char *s, uint64_t *v)
{
	char *end;

	if (s[0] == '\0' || s[0] == '-' || s[0] == '+' ||
	    isspace((unsigned char)s[0])) {
		return false;
	}
	errno = 0;
	/* Decimal, or hexadecimal with 0x: never octal. */
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		*v = strtoull(s + 2, &end, 16);
		if (s[2] == '\0') {
			return false;
		}
	} else {
		*v = strtoull(s, &end, 10);
	}
	return errno == 0 && *end == '\0';
}

#define TOOL_USAGE_ERR(ti, ...) tool_die((ti), TOOL_EXIT_USAGE, __VA_ARGS__)

bool
tool_hostname_ok(const char *s, size_t len, bool wildcard)
{
	size_t k, label = 0;

	if (len == 0 || len > TOOL_NAME_MAX) {
		return false;
	}
	if (wildcard && len > 2 && s[0] == '*' && s[1] == '.') {
		s += 2;
		len -= 2;
	}
	for (k = 0; k < len; k++) {
		char c = s[k];

		if (c == '.') {
			/* No empty label; none ends with a hyphen. */
			if (label == 0 || s[k - 1] == '-') {
				return false;
			}
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)c) && c != '-') {
			return false;
		}
		if (c == '-' && label == 0) {
			return false;
		}
		if (++label > 63) {
			return false;
		}
	}
	return label > 0 && s[len - 1] != '-';
}

/*
 * --resolve NAME[:PORT]:A.B.C.D (curl's form, with the port optional):
 * the address is after the last colon.
 */
static void
tool_parse_resolve(struct tool_options *o, const struct tool_info *ti,
    const char *v)
{
	struct tool_resolve *r;
	const char *last = strrchr(v, ':'), *mid, *end;
	uint64_t port = 0;

	if (o->nresolve == TOOL_RESOLVE_MAX) {
		TOOL_USAGE_ERR(ti, "more than %u --resolve options",
		    TOOL_RESOLVE_MAX);
	}
	r = &o->resolve[o->nresolve];
	if (last == NULL || !tool_parse_ipv4(last + 1, &r->addr, &end) ||
	    *end != '\0') {
		TOOL_USAGE_ERR(ti,
		    "bad --resolve '%s': expected NAME:A.B.C.D or "
		    "NAME:PORT:A.B.C.D (see --help)",
		    v);
	}
	if (!tool_ipv4_usable(r->addr)) {
		TOOL_USAGE_ERR(ti, "bad --resolve '%s': not a unicast address",
		    v);
	}
	/* A port between the name and the address? */
	for (mid = last; mid > v && mid[-1] != ':'; mid--) {
	}
	if (mid > v) {
		if (!tool_parse_dec(mid, 65535, &port, &end) || end != last ||
		    port == 0) {
			TOOL_USAGE_ERR(ti,
			    "bad --resolve '%s': the port must be a number "
			    "from 1 to 65535",
			    v);
		}
		last = mid - 1;
	}
	if (!tool_hostname_ok(v, (size_t)(last - v), false)) {
		TOOL_USAGE_ERR(ti,
		    "bad --resolve '%s': '%.*s' is not a host name", v,
		    (int)(last - v), v);
	}
	r->name = v;
	r->name_len = (size_t)(last - v);
	r->port = (uint16_t)port;
	o->nresolve++;
}

/*
 * --dns A.B.C.D, or erg-dig's --server: one more server, asked in the
 * order given (the resolver takes ERG_DNS_SERVERS_MAX).
 */
static void
tool_parse_dns(struct tool_options *o, const struct tool_info *ti,
    const char *flag, const char *v)
{
	const char *end;
	uint32_t a;
	int n = (int)strcspn(flag + 2, "=");

	_Static_assert(TOOL_DNS_MAX == ERG_DNS_SERVERS_MAX,
	    "--dns takes what erg_dns_servers_set takes");
	if (!tool_parse_ipv4(v, &a, &end) || *end != '\0') {
		TOOL_USAGE_ERR(ti,
		    "bad --%.*s '%s': expected A.B.C.D (see --help)", n,
		    flag + 2, v);
	}
	if (!tool_ipv4_usable(a)) {
		TOOL_USAGE_ERR(ti,
		    "bad --%.*s '%s': not a unicast host address", n, flag + 2,
		    v);
	}
	if (o->ndns == TOOL_DNS_MAX) {
		TOOL_USAGE_ERR(ti, "more than %u DNS servers (--dns%s)",
		    TOOL_DNS_MAX,
		    (ti->opts & TOOL_OPT_SERVER) != 0 ? ", --server" : "");
	}
	o->dns[o->ndns++] = a;
}

/* --cert, --key and --cert-name: groups, each --cert with its --key. */
static void
tool_parse_cert(struct tool_options *o, const struct tool_info *ti,
    enum tool_opt_id id, const char *flag, const char *v)
{
	struct tool_cert_opt *cur =
	    o->ncerts > 0 ? &o->cert[o->ncerts - 1] : NULL;

	if (v[0] == '\0') {
		TOOL_USAGE_ERR(ti, "--%.*s needs a value (see --help)",
		    (int)strcspn(flag + 2, "="), flag + 2);
	}
	switch (id) {
	case OPT_CERT:
		if (cur != NULL && cur->key == NULL) {
			TOOL_USAGE_ERR(ti,
			    "--cert %s has no --key (each --cert is followed "
			    "by its --key)",
			    cur->cert);
		}
		if (o->ncerts == TOOL_CERTS_MAX) {
			TOOL_USAGE_ERR(ti, "more than %u --cert options",
			    TOOL_CERTS_MAX);
		}
		o->cert[o->ncerts++].cert = v;
		break;
	case OPT_KEY:
		if (cur == NULL || cur->key != NULL) {
			TOOL_USAGE_ERR(ti,
			    "--key %s: no --cert before it (each --cert is "
			    "followed by its --key)",
			    v);
		}
		cur->key = v;
		break;
	default: /* OPT_CERT_NAME */
		if (cur == NULL) {
			TOOL_USAGE_ERR(ti,
			    "--cert-name %s: no --cert before it (it names the "
			    "--cert it follows)",
			    v);
		}
		if (cur->name != NULL) {
			TOOL_USAGE_ERR(ti, "two --cert-name for --cert %s",
			    cur->cert);
		}
		if (!tool_hostname_ok(v, strlen(v), true)) {
			TOOL_USAGE_ERR(ti,
			    "bad --cert-name '%s': expected a host name or "
			    "*.domain",
			    v);
		}
		cur->name = v;
		break;
	}
}

static void
tool_usage_print(const struct tool_info *ti)
{
	printf("usage: %s\n%s", ti->synopsis, ti->help);
}

static void
tool_option_value(struct tool_options *o, const struct tool_info *ti,
    enum tool_opt_id id, const char *flag, const char *v)
{
	const char *end;
	uint64_t n;

	switch (id) {
	case OPT_TAP:
	case OPT_PCAP_LIVE:
		if (v[0] == '\0') {
			TOOL_USAGE_ERR(ti,
			    "%s needs a device name (see --help)", flag);
		}
		/* Linux interface names: under IFNAMSIZ (16), no '/'. */
		if (strlen(v) >= 16 || strchr(v, '/') != NULL) {
			TOOL_USAGE_ERR(ti,
			    "%s: '%.40s' is not an interface name", flag, v);
		}
		if (id == OPT_TAP) {
			o->tap = v;
		} else {
			o->pcap_live = v;
		}
		break;
	case OPT_IP:
		if (!tool_parse_ipv4(v, &o->ip, &end) || *end != '/' ||
		    !tool_parse_dec(end + 1, 32, &n, &end) || *end != '\0' ||
		    n == 0) {
			TOOL_USAGE_ERR(ti,
			    "bad --ip '%s': expected A.B.C.D/N with N from 1 "
			    "to 32 (see --help)",
			    v);
		}
		if (!tool_ipv4_usable(o->ip)) {
			TOOL_USAGE_ERR(ti,
			    "bad --ip '%s': not a unicast address a host can "
			    "own",
			    v);
		}
		o->prefix_len = (unsigned)n;
		o->have_ip = true;
		break;
	case OPT_GW:
		if (!tool_parse_ipv4(v, &o->gw, &end) || *end != '\0') {
			TOOL_USAGE_ERR(ti,
			    "bad --gw '%s': expected A.B.C.D (see --help)", v);
		}
		if (!tool_ipv4_usable(o->gw)) {
			TOOL_USAGE_ERR(ti,
			    "bad --gw '%s': not a unicast host address", v);
		}
		o->have_gw = true;
		break;
	case OPT_MAC:
		if (!tool_parse_mac(v, o->mac)) {
			TOOL_USAGE_ERR(ti,
			    "bad --mac '%s': expected XX:XX:XX:XX:XX:XX in "
			    "hexadecimal (see --help)",
			    v);
		}
		if ((o->mac[0] & 1u) != 0 ||
		    (o->mac[0] | o->mac[1] | o->mac[2] | o->mac[3] | o->mac[4] |
		        o->mac[5]) == 0) {
			TOOL_USAGE_ERR(ti,
			    "bad --mac '%s': must be a unicast address (first "
			    "byte even) and not all zero",
			    v);
		}
		o->have_mac = true;
		break;
	case OPT_SEED:
		if (!tool_parse_seed(v, &o->seed)) {
			TOOL_USAGE_ERR(ti,
			    "bad --seed '%s': expected a number from 0 to "
			    "2^64-1",
			    v);
		}
		o->have_seed = true;
		break;
	case OPT_CAPTURE:
		if (v[0] == '\0') {
			TOOL_USAGE_ERR(ti, "--capture needs a file name");
		}
		o->capture = v;
		break;
	case OPT_SECONDS:
		if (!tool_parse_dec(v, TOOL_SECONDS_MAX, &o->seconds, &end) ||
		    *end != '\0') {
			TOOL_USAGE_ERR(ti,
			    "bad --seconds '%s': expected a whole number from "
			    "0 to %u",
			    v, TOOL_SECONDS_MAX);
		}
		o->have_seconds = true;
		break;
	case OPT_STATS:
		o->stats = true;
		break;
	case OPT_OUTPUT:
		if (v[0] == '\0') {
			TOOL_USAGE_ERR(ti, "%s needs a file name", flag);
		}
		o->output = v;
		break;
	case OPT_VERBOSE:
		o->verbose = true;
		break;
	case OPT_TIMEOUT:
		if (!tool_parse_dec(v, TOOL_SECONDS_MAX, &o->timeout, &end) ||
		    *end != '\0' || o->timeout == 0) {
			TOOL_USAGE_ERR(ti,
			    "bad --timeout '%s': expected a whole number from "
			    "1 to %u",
			    v, TOOL_SECONDS_MAX);
		}
		o->have_timeout = true;
		break;
	case OPT_CHECK_BYTES:
		o->check_bytes = true;
		break;
	case OPT_CERT:
	case OPT_KEY:
	case OPT_CERT_NAME:
		tool_parse_cert(o, ti, id, flag, v);
		break;
	case OPT_CAFILE:
		if (v[0] == '\0') {
			TOOL_USAGE_ERR(ti, "--cafile needs a file name");
		}
		o->cafile = v;
		break;
	case OPT_INSECURE:
		o->insecure = true;
		break;
	case OPT_RESOLVE:
		tool_parse_resolve(o, ti, v);
		break;
	case OPT_DHCP:
		o->dhcp = true;
		break;
	case OPT_DNS:
	case OPT_SERVER:
		tool_parse_dns(o, ti, flag, v);
		break;
	case OPT_HELP:
		tool_usage_print(ti);
		exit(TOOL_EXIT_OK);
	}
}

/*
 * The table entry of option arg ("--name", "--name=value" or "-c"), or
 * TOOL_OPT_N if there is none or ti does not take it. *eq gets the '='
 * of "--name=value" or NULL.
 */
static size_t
tool_option_find(const struct tool_info *ti, const char *arg, const char **eq)
{
	const char *name;
	size_t len, k;

	*eq = NULL;
	if (arg[1] != '-') {
		/* A short option: exactly one letter, its value apart. */
		for (k = 0; arg[2] == '\0' && k < TOOL_OPT_N; k++) {
			if (tool_opt_table[k].short_name != '\0' &&
			    tool_opt_table[k].short_name == arg[1]) {
				break;
			}
		}
		if (arg[2] != '\0') {
			k = TOOL_OPT_N;
		}
	} else {
		name = arg + 2;
		*eq = strchr(name, '=');
		len = *eq != NULL ? (size_t)(*eq - name) : strlen(name);
		for (k = 0; k < TOOL_OPT_N; k++) {
			if (strlen(tool_opt_table[k].name) == len &&
			    strncmp(tool_opt_table[k].name, name, len) == 0) {
				break;
			}
		}
	}
	if (k < TOOL_OPT_N && tool_opt_table[k].group != 0 &&
	    (ti->opts & tool_opt_table[k].group) == 0) {
		k = TOOL_OPT_N;
	}
	return k;
}

/* Handles argv[*i], an option; consumes its value too. */
static void
tool_option(struct tool_options *o, const struct tool_info *ti, int argc,
    char **argv, int *i)
{
	const char *arg = argv[*i], *eq, *v = "";
	size_t k;

	k = tool_option_find(ti, arg, &eq);
	if (k == TOOL_OPT_N) {
		TOOL_USAGE_ERR(ti, "unknown option '%.*s' (see --help)",
		    (int)(eq != NULL ? (size_t)(eq - arg) : strlen(arg)), arg);
	}
	if (!tool_opt_table[k].has_value) {
		if (eq != NULL) {
			TOOL_USAGE_ERR(ti, "--%s takes no value",
			    tool_opt_table[k].name);
		}
	} else if (eq != NULL) {
		v = eq + 1;
	} else if (*i + 1 < argc) {
		v = argv[++*i];
	} else {
		TOOL_USAGE_ERR(ti, "--%s needs a value (see --help)",
		    tool_opt_table[k].name);
	}
	tool_option_value(o, ti, tool_opt_table[k].id, arg, v);
}

/* Checks between options, once all are read. */
static void
tool_options_check(const struct tool_options *o, const struct tool_info *ti)
{
	uint32_t mask;
	unsigned i;

	if (o->tap != NULL && o->pcap_live != NULL) {
		TOOL_USAGE_ERR(ti, "give --tap or --pcap-live, not both");
	}
	if (ti->need_link && o->tap == NULL && o->pcap_live == NULL) {
		TOOL_USAGE_ERR(ti,
		    "no device: give --tap NAME or --pcap-live IFACE (see "
		    "--help)");
	}
	if (o->dhcp && (o->have_ip || o->have_gw)) {
		TOOL_USAGE_ERR(ti,
		    "give --ip (and --gw) or --dhcp, not both: DHCP sets the "
		    "address and the gateway");
	}
	if (ti->need_ip && !o->have_ip && !o->dhcp) {
		TOOL_USAGE_ERR(ti,
		    "no address: give --ip A.B.C.D/N%s (see --help)",
		    (ti->opts & TOOL_OPT_DHCP) != 0 ? " or --dhcp" : "");
	}
	if (o->have_gw) {
		if (!o->have_ip) {
			TOOL_USAGE_ERR(ti, "--gw needs --ip");
		}
		mask = o->prefix_len == 32 ? 0xffffffffu :
		                             ~(0xffffffffu >> o->prefix_len);
		if ((o->gw & mask) != (o->ip & mask) || o->gw == o->ip) {
			TOOL_USAGE_ERR(ti,
			    "--gw must be another address on the --ip "
			    "subnet");
		}
	}
	if (o->ncerts > 0 && o->cert[o->ncerts - 1].key == NULL) {
		TOOL_USAGE_ERR(ti,
		    "--cert %s has no --key (each --cert is followed by its "
		    "--key)",
		    o->cert[o->ncerts - 1].cert);
	}
	for (i = 1; i < o->ncerts; i++) {
		if (o->cert[i].name == NULL) {
			TOOL_USAGE_ERR(ti,
			    "--cert %s needs its --cert-name PATTERN (only the "
			    "first --cert, the default, may go without)",
			    o->cert[i].cert);
		}
	}
	if (o->cafile != NULL && o->insecure) {
		TOOL_USAGE_ERR(ti,
		    "give --cafile or --insecure, not both (--insecure "
		    "checks no certificate)");
	}
	if (o->noperands > ti->operands ||
	    o->noperands + ti->operands_optional < ti->operands) {
		TOOL_USAGE_ERR(ti, "expected %s (see --help)",
		    ti->operand_names);
	}
}

void
tool_options_parse(struct tool_options *o, const struct tool_info *ti, int argc,
    char **argv)
{
	bool opts_done = false;
	int i;

	memset(o, 0, sizeof(*o));
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (!opts_done && strcmp(arg, "--") == 0) {
			opts_done = true;
		} else if (!opts_done && arg[0] == '-' && arg[1] != '\0') {
			tool_option(o, ti, argc, argv, &i);
		} else if (o->noperands < ti->operands) {
			/* A lone "-" is an operand (standard input). */
			o->operand[o->noperands++] = arg;
		} else {
			TOOL_USAGE_ERR(ti,
			    "unexpected argument '%s' (see "
			    "--help)",
			    arg);
		}
	}
	tool_options_check(o, ti);
}
