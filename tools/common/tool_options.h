/*
 * tools/common/tool_options.h: the command line shared by erg's tools.
 *
 * Every tool takes the same options, spelled the same way, so that a
 * script written for one works for the next:
 *
 *   --tap NAME | --pcap-live IFACE   the interface to run on
 *   --ip A.B.C.D/N                   erg's address and prefix length
 *   --gw A.B.C.D                     default gateway (on the --ip subnet)
 *   --dhcp                           instead of --ip and --gw: ask DHCP
 *                                    (live tools only, not erg-pcap)
 *   --dns A.B.C.D                    a DNS server (repeatable, in order);
 *                                    default: those DHCP names
 *   --mac XX:XX:XX:XX:XX:XX          erg's MAC (default: from the seed)
 *   --seed N                         seeded randomness: reproducible runs
 *   --capture FILE.pcap              record every frame in and out
 *   --seconds N                      run N seconds, then exit 0
 *   --stats                          print every counter at exit
 *   --help                           usage, exit 0
 *
 * and, for the tools that take them (erg-get):
 *
 *   -o FILE, --output FILE           write the result to FILE
 *   -v, --verbose                    say more on stderr
 *   --timeout N                      give up after N seconds
 *   --check-bytes                    the data must be tool_bytes.h's stream
 *
 * TLS, for a server (erg-echo), in groups, the first the default:
 *
 *   --cert FILE --key FILE [--cert-name PATTERN]
 *                                    a certificate chain and its key (PEM
 *                                    or DER), chosen by SNI for PATTERN
 *
 * and for a client (erg-get):
 *
 *   --cafile FILE                    trust anchors (default: the system's)
 *   --insecure                       no certificate check at all
 *   --resolve NAME[:PORT]:A.B.C.D    the address of NAME (not asking DNS)
 *
 * and for erg-dig, --server A.B.C.D: another name for --dns (dig's @).
 *
 * "--opt value" and "--opt=value" both work; "--" ends the options. A
 * tool declares which options it takes (TOOL_OPT_*) and how many
 * operands; anything else is a usage error: one line on stderr, exit 2.
 * --dhcp and --ip (or --gw) together are a usage error: DHCP owns the
 * interface's address (erg/dhcp.h).
 */
#ifndef TOOL_OPTIONS_H
#define TOOL_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

/* Exit statuses of every tool. */
#define TOOL_EXIT_OK      0 /* done, or stopped by --seconds or a signal */
#define TOOL_EXIT_RUNTIME 1 /* the device, a file or the network failed */
#define TOOL_EXIT_USAGE   2 /* bad command line */

/* Options a tool may take (struct tool_info.opts). */
#define TOOL_OPT_LINK        0x01u   /* --tap, --pcap-live */
#define TOOL_OPT_IP          0x02u   /* --ip, --gw */
#define TOOL_OPT_MAC         0x04u   /* --mac */
#define TOOL_OPT_SEED        0x08u   /* --seed */
#define TOOL_OPT_CAPTURE     0x10u   /* --capture */
#define TOOL_OPT_SECONDS     0x20u   /* --seconds */
#define TOOL_OPT_STATS       0x40u   /* --stats */
#define TOOL_OPT_OUTPUT      0x80u   /* -o, --output */
#define TOOL_OPT_VERBOSE     0x100u  /* -v, --verbose */
#define TOOL_OPT_TIMEOUT     0x200u  /* --timeout */
#define TOOL_OPT_CHECK_BYTES 0x400u  /* --check-bytes */
#define TOOL_OPT_TLS_SERVER  0x800u  /* --cert, --key, --cert-name */
#define TOOL_OPT_TLS_CLIENT  0x1000u /* --cafile, --insecure, --resolve */
#define TOOL_OPT_DHCP        0x2000u /* --dhcp */
#define TOOL_OPT_DNS         0x4000u /* --dns */
#define TOOL_OPT_SERVER      0x8000u /* --server (erg-dig: --dns's alias) */

/* Operands (non-option arguments) a tool takes, at most. */
#define TOOL_OPERANDS_MAX 2u
/* --cert groups and --resolve entries taken, at most. */
#define TOOL_CERTS_MAX   8u
#define TOOL_RESOLVE_MAX 8u
/* --dns (and --server) servers taken, at most: ERG_DNS_SERVERS_MAX. */
#define TOOL_DNS_MAX 4u
/* Longest host name (RFC 1035 2.3.4; as ERG_TLS_NAME_MAX allows). */
#define TOOL_NAME_MAX 253u

/* One --cert group: files as given, name NULL if no --cert-name. */
struct tool_cert_opt {
	const char *cert;
	const char *key;
	const char *name;
};

/* One --resolve NAME[:PORT]:A.B.C.D. */
struct tool_resolve {
	const char *name; /* points into argv: name_len bytes, no NUL */
	size_t name_len;
	uint16_t port; /* 0: any port */
	uint32_t addr; /* host order */
};

/* What a tool is: a constant each tool defines once. */
struct tool_info {
	const char *prog;           /* "erg-echo": prefixes every message */
	const char *synopsis;       /* first line of --help, after "usage: " */
	const char *help;           /* the rest of --help */
	unsigned opts;              /* TOOL_OPT_* taken */
	unsigned operands;          /* number of operands taken */
	unsigned operands_optional; /* of those, how many may be left out */
	const char *operand_names;  /* "IN.pcap OUT.pcap", for messages */
	bool need_link;             /* --tap or --pcap-live is required */
	bool need_ip;               /* --ip (or --dhcp, if taken) is required */
};

/* A parsed command line. Strings point into argv (borrowed). */
struct tool_options {
	const char *tap;       /* --tap NAME, or NULL */
	const char *pcap_live; /* --pcap-live IFACE, or NULL */
	bool have_ip;
	uint32_t ip; /* host order */
	unsigned prefix_len;
	bool have_gw;
	uint32_t gw;
	bool dhcp;                  /* --dhcp */
	unsigned ndns;              /* --dns and --server, in order */
	uint32_t dns[TOOL_DNS_MAX]; /* host order */
	bool have_mac;
	uint8_t mac[6];
	bool have_seed;
	uint64_t seed;
	const char *capture; /* --capture FILE, or NULL */
	bool have_seconds;
	uint64_t seconds;
	bool stats;
	const char *output; /* -o FILE, or NULL */
	bool verbose;
	bool have_timeout;
	uint64_t timeout; /* seconds, at least 1 */
	bool check_bytes;
	unsigned ncerts; /* --cert groups, each with its --key */
	struct tool_cert_opt cert[TOOL_CERTS_MAX];
	const char *cafile; /* --cafile FILE, or NULL */
	bool insecure;
	unsigned nresolve;
	struct tool_resolve resolve[TOOL_RESOLVE_MAX];
	unsigned noperands;
	const char *operand[TOOL_OPERANDS_MAX];
};

/*
 * Parses argv[1..argc) for tool ti into *o. --help prints the usage on
 * stdout and exits 0; any error prints one line "PROG: what is wrong (see
 * --help)" on stderr and exits TOOL_EXIT_USAGE. Returns only on success.
 */
void tool_options_parse(struct tool_options *o, const struct tool_info *ti,
    int argc, char **argv);

/*
 * Prints "PROG: " and the formatted message as one line on stderr and
 * exits with status. For errors found after parsing.
 */
void tool_die(const struct tool_info *ti, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));

/* Prints "PROG: " and the message as one line on stderr, and returns. */
void tool_say(const struct tool_info *ti, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Formats mac as "xx:xx:xx:xx:xx:xx" into buf (at least 18 bytes). */
void tool_mac_format(char *buf, const uint8_t mac[6]);

/*
 * Parses a dotted quad (exactly four decimal octets) at s into *addr (host
 * order); *end gets the first byte after it. Returns false if s does not
 * start with one.
 */
bool tool_ipv4_parse(const char *s, uint32_t *addr, const char **end);

/* True for an address a host may own or send to: unicast, not 0.0.0.0. */
bool tool_ipv4_usable(uint32_t addr);

/* Formats a host-order address as dotted quad into buf (at least 16). */
void tool_ipv4_format(char *buf, uint32_t addr);

/* The value of the hexadecimal digit c, or -1 for anything else. */
int tool_hex(int c);

/*
 * Whether s[0..len) is a DNS host name (RFC 1123 2.1): labels of 1 to 63
 * letters, digits and hyphens, not starting or ending with a hyphen,
 * separated by single dots, at most TOOL_NAME_MAX bytes in all; with
 * wildcard, a first label "*" is allowed too (an SNI pattern).
 */
bool tool_hostname_ok(const char *s, size_t len, bool wildcard);

#endif
