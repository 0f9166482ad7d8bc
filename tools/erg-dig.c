/*
 * tools/erg-dig.c: one DNS question through erg's stub resolver
 * (erg/dns.h), the answer printed as `dig +short` prints it.
 *
 * usage: erg-dig (--tap NAME | --pcap-live IFACE)
 *                (--ip A.B.C.D/N [--gw A.B.C.D] | --dhcp)
 *                [--server A.B.C.D]... [...] NAME [TYPE]
 *
 * Standard output holds exactly what `dig +short NAME TYPE` prints for
 * the same answer: one line per record of the answer section, CNAMEs of
 * the chain first, each in dig's presentation format
 * (erg_dns_rdata_to_text), and nothing at all for a name that does not
 * exist (NXDOMAIN) or has no record of that type (NODATA). Everything
 * else goes to standard error: what happened when there is no answer,
 * with -v a summary (server, transport, TTL, time), with --stats the
 * counters.
 *
 * TYPE is A (the default), AAAA, CNAME, MX, TXT, SRV, PTR, NS, SOA or
 * TYPEnnn. With PTR, a dotted quad NAME is asked as its in-addr.arpa
 * name (dig -x). Servers: --server (or --dns), in order; otherwise those
 * the DHCP lease names (--dhcp).
 *
 * Decisions: the exit status follows the answer, not dig's (which is 0
 * for any reply): 0 for an answer, NODATA or NXDOMAIN (the server
 * answered the question: a name that does not exist is an answer, and
 * dig +short prints nothing and exits 0 for it too); 1 when there is
 * no answer: every server failed or refused (SERVFAIL, REFUSED), none
 * answered in time, the CNAME chain is too long, no server is known, no
 * DHCP lease came, or the device failed; 2 for a bad command line.
 * --timeout bounds the whole run (DHCP included), default 30 s; the
 * resolver's own tries and timeouts (erg/dns.h) usually end it sooner.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tool_dhcp.h"
#include "common/tool_dns.h"
#include "common/tool_link.h"
#include "common/tool_options.h"
#include "common/tool_stack.h"

/* Default --timeout, seconds. */
#define DIG_TIMEOUT_DEFAULT 30u
/* After the answer: how long a TCP connection may take to close. */
#define DIG_CLOSE_WAIT_US 1000000u

static const struct tool_info dig_info = {
	.prog = "erg-dig",
	.synopsis = "erg-dig (--tap NAME | --pcap-live IFACE) "
	            "(--ip A.B.C.D/N [--gw A.B.C.D] | --dhcp)\n"
	            "       [--server A.B.C.D]... [--mac MAC] [--seed N] "
	            "[--capture FILE.pcap]\n"
	            "       [--timeout SECONDS] [--stats] [-v] NAME [TYPE]",
	.help =
	    "\n"
	    "Asks one DNS question with erg's stub resolver, from an erg "
	    "stack on a\n"
	    "network interface, and prints the answer section as "
	    "'dig +short NAME TYPE'\n"
	    "does: one record per line, CNAMEs of the chain first, nothing "
	    "for a name that\n"
	    "does not exist (NXDOMAIN) or has no record of that type "
	    "(NODATA). Answers\n"
	    "too large for UDP are asked again over TCP.\n"
	    "\n"
	    "  NAME                the name to ask for (with PTR, a dotted "
	    "quad A.B.C.D\n"
	    "                      is asked as D.C.B.A.in-addr.arpa, as dig "
	    "-x does)\n"
	    "  TYPE                A (default), AAAA, CNAME, MX, TXT, SRV, "
	    "PTR, NS, SOA,\n"
	    "                      or TYPEnnn for any other type number\n"
	    "  --tap NAME          attach to (or create) the Linux TAP "
	    "device NAME\n"
	    "  --pcap-live IFACE   capture and inject on interface IFACE "
	    "(libpcap)\n"
	    "  --ip A.B.C.D/N      erg's address and prefix length\n"
	    "  --gw A.B.C.D        default gateway, on the --ip subnet\n"
	    "  --dhcp              get the address, gateway and DNS servers "
	    "by DHCP\n"
	    "                      instead of --ip and --gw\n"
	    "  --server A.B.C.D    the DNS server to ask (repeatable, asked "
	    "in order, up to\n"
	    "                      4; default: those DHCP named); --dns is "
	    "the same\n"
	    "  --mac MAC           erg's MAC (default: derived from --seed, "
	    "random without)\n"
	    "  --seed N            seed erg's randomness (default: "
	    "getrandom)\n"
	    "  --capture FILE      write every frame in and out to FILE "
	    "(pcap)\n"
	    "  --timeout SECONDS   give up after SECONDS in all, DHCP "
	    "included (default 30)\n"
	    "  --stats             at exit, print every counter on stderr\n"
	    "  -v, --verbose       say on stderr who answered, how (UDP, TCP, "
	    "the cache),\n"
	    "                      the TTL and the time taken; with --dhcp, "
	    "the lease\n"
	    "  --help              this text\n"
	    "\n"
	    "Exit status: 0 when the server answered (records, NODATA or "
	    "NXDOMAIN: the last\n"
	    "two print nothing on stdout and one line on stderr), 1 when "
	    "there is no answer\n"
	    "(SERVFAIL or REFUSED from every server, a timeout, a CNAME chain "
	    "too long, no\n"
	    "server known, no DHCP lease, a device error), 2 on a bad "
	    "command line.\n"
	    "Needs root or CAP_NET_ADMIN (tap), CAP_NET_RAW (pcap).\n",
	.opts = TOOL_OPT_LINK | TOOL_OPT_IP | TOOL_OPT_DHCP | TOOL_OPT_DNS |
	    TOOL_OPT_SERVER | TOOL_OPT_MAC | TOOL_OPT_SEED | TOOL_OPT_CAPTURE |
	    TOOL_OPT_STATS | TOOL_OPT_VERBOSE | TOOL_OPT_TIMEOUT,
	.operands = 2,
	.operands_optional = 1,
	.operand_names = "NAME [TYPE]",
	.need_link = true,
	.need_ip = true,
};

/* The question, from the operands. */
struct dig_question {
	uint16_t type;
	char name[ERG_DNS_TEXT_ESC_MAX]; /* as asked (PTR: the reverse name) */
};

static void
dig_question_parse(struct dig_question *q, const struct tool_options *o)
{
	struct erg_dns_name n;
	const char *name = o->operand[0], *end;
	uint32_t addr;
	size_t len;

	q->type = ERG_DNS_TYPE_A;
	if (o->noperands > 1 && !tool_dns_type_parse(o->operand[1], &q->type)) {
		tool_die(&dig_info, TOOL_EXIT_USAGE,
		    "bad TYPE '%s': expected A, AAAA, CNAME, MX, TXT, SRV, "
		    "PTR, NS, SOA or TYPEnnn (1 to 65535)",
		    o->operand[1]);
	}
	if (q->type == ERG_DNS_TYPE_OPT) {
		tool_die(&dig_info, TOOL_EXIT_USAGE,
		    "bad TYPE '%s': OPT (41) is EDNS's pseudo-record, not a "
		    "question (RFC 6891 6.1.1)",
		    o->operand[1]);
	}
	if (q->type == ERG_DNS_TYPE_PTR && tool_ipv4_parse(name, &addr, &end) &&
	    *end == '\0') {
		erg_dns_name_reverse4(&n, addr);
		(void)erg_dns_name_to_text(&n, q->name, sizeof(q->name));
		return;
	}
	len = strlen(name);
	if (len >= sizeof(q->name) ||
	    erg_dns_name_from_text(&n, name, len) != 0) {
		tool_die(&dig_info, TOOL_EXIT_USAGE,
		    "bad NAME '%.80s': expected labels of 1 to 63 bytes "
		    "separated by dots, at most 253 bytes in all",
		    name);
	}
	memcpy(q->name, name, len + 1);
}

/*
 * Writes rr as dig +short does, one line on stdout. Returns false if the
 * record cannot be written as text (malformed: it never is, erg built
 * the message) or memory runs out.
 */
static bool
dig_print_rr(const struct erg_dns_msg *m, const struct erg_dns_rr *rr)
{
	/* Every rdata byte may take 4 ("\DDD"), and SOA holds two names. */
	size_t cap = rr->rdata.len * 4 + 8 * ERG_DNS_NAME_MAX + 128, n;
	char *buf = malloc(cap);
	bool ok;

	if (buf == NULL) {
		return false;
	}
	n = erg_dns_rdata_to_text(m, rr, buf, cap);
	ok = n > 0 && n < cap;
	if (ok) {
		buf[n] = '\n';
		ok = fwrite(buf, 1, n + 1, stdout) == n + 1;
	}
	free(buf);
	return ok;
}

/*
 * Prints the answer section of the result message. Returns the records
 * printed, or -1 after a line on stderr.
 */
static long
dig_print(const struct tool_dns_answer *a)
{
	struct erg_dns_msg m;
	struct erg_dns_rr rr;
	char type[TOOL_DNS_TYPE_TEXT];
	long n = 0;
	int rc;

	if (a->len == 0) {
		return 0;
	}
	rc = erg_dns_msg_parse(&m, erg_view_make(a->msg, a->len));
	while (rc >= 0 && (rc = erg_dns_rr_next(&m, &rr)) == 1) {
		if (rr.section != ERG_DNS_SEC_ANSWER) {
			continue;
		}
		if (!dig_print_rr(&m, &rr)) {
			tool_dns_type_format(type, rr.type);
			tool_say(&dig_info,
			    "cannot write a %s record of the answer as text",
			    type);
			return -1;
		}
		n++;
	}
	if (rc < 0) {
		tool_say(&dig_info, "the resolver's answer does not parse: %s",
		    erg_strerror(rc));
		return -1;
	}
	return n;
}

/* -v: one line on who answered, how, and how long it took. */
static void
dig_summary(const struct dig_question *q, const struct tool_dns_answer *a,
    const struct tool_stack *ts, long n, uint64_t us)
{
	char type[TOOL_DNS_TYPE_TEXT], rcode[12], server[16], how[80];

	tool_dns_type_format(type, q->type);
	tool_dns_rcode_format(rcode, a->rcode);
	tool_ipv4_format(server, a->server);
	if (a->from_cache) {
		(void)snprintf(how, sizeof(how), "from the cache");
	} else {
		(void)snprintf(how, sizeof(how), "from %s over %s", server,
		    erg_stat_get(ts->s, ERG_STAT_DNS_TCP_QUERIES) > 0 ?
		        "TCP (the UDP answer was truncated)" :
		        "UDP");
	}
	tool_say(&dig_info,
	    "%s %s: %s, %ld record%s in the answer, %s, TTL %" PRIu32
	    ", %.1f ms",
	    q->name, type, rcode, n, n == 1 ? "" : "s", how, a->ttl,
	    (double)us / 1000.0);
}

/*
 * The exit status for the answer, saying on stderr what happened when
 * there are no records to print.
 */
static int
dig_status(const struct dig_question *q, const struct tool_dns_answer *a,
    long n)
{
	char type[TOOL_DNS_TYPE_TEXT], why[160];

	tool_dns_type_format(type, q->type);
	switch (-a->err) {
	case 0:
		return TOOL_EXIT_OK;
	case ERG_ENXDOMAIN:
	case ERG_ENODATA:
		/* An answer: dig +short prints the chain (if any) and exits 0.
		 */
		tool_say(&dig_info, "%s %s: %s%s", q->name, type,
		    tool_dns_strerror(why, sizeof(why), a),
		    n > 0 ? " at the end of the CNAME chain" : "");
		return TOOL_EXIT_OK;
	default:
		tool_say(&dig_info, "%s %s: %s", q->name, type,
		    tool_dns_strerror(why, sizeof(why), a));
		return TOOL_EXIT_RUNTIME;
	}
}

/* Asks the question; the exit status. */
static int
dig_run(const struct dig_question *q, struct tool_link *l,
    const struct tool_options *o, struct tool_stack *ts, uint64_t t_start,
    uint64_t deadline)
{
	struct tool_dns_answer a;
	enum tool_run_end end;
	char type[TOOL_DNS_TYPE_TEXT], servers[80];
	int status;
	long n;

	if (o->verbose) {
		tool_dns_type_format(type, q->type);
		tool_dns_servers_format(servers, sizeof(servers), ts->s);
		tool_say(&dig_info, "asking %s for %s %s", servers, q->name,
		    type);
	}
	end = tool_dns_ask(&a, l, &dig_info, o, ts, q->name, q->type, deadline);
	if (end == TOOL_RUN_SIGNAL) {
		tool_say(&dig_info, "interrupted before the answer");
		return TOOL_EXIT_RUNTIME;
	}
	if (end != TOOL_RUN_STEP) {
		return TOOL_EXIT_RUNTIME; /* the device failed: said */
	}
	n = 0;
	if (a.err == 0 || a.err == -ERG_ENXDOMAIN || a.err == -ERG_ENODATA) {
		n = dig_print(&a);
	}
	if (n < 0) {
		status = TOOL_EXIT_RUNTIME;
	} else {
		if (o->verbose && a.err != -ERG_ETIMEDOUT) {
			dig_summary(q, &a, ts, n, erg_host_now_us() - t_start);
		}
		status = dig_status(q, &a, n);
	}
	tool_dns_answer_free(&a);
	return status;
}

int
main(int argc, char **argv)
{
	struct tool_options o;
	struct tool_stack ts;
	struct tool_link link;
	struct tool_dhcp dhcp;
	struct dig_question q;
	enum tool_run_end end;
	uint64_t t_start, timeout;
	int status;

	tool_options_parse(&o, &dig_info, argc, argv);
	dig_question_parse(&q, &o);
	if (!o.dhcp && o.ndns == 0) {
		tool_die(&dig_info, TOOL_EXIT_USAGE,
		    "no DNS server: give --server A.B.C.D, or --dhcp to ask "
		    "the ones DHCP names (see --help)");
	}
	timeout = o.have_timeout ? o.timeout : DIG_TIMEOUT_DEFAULT;

	tool_stack_create(&ts, &dig_info, &o, false, erg_host_now_us());
	tool_link_open(&link, &dig_info, &o, &ts);
	tool_link_wait_running(&link);
	t_start = erg_host_now_us();
	end = tool_net_up(&dhcp, &link, &dig_info, &o, &ts, timeout);
	if (end == TOOL_RUN_STEP) {
		status = dig_run(&q, &link, &o, &ts, t_start,
		    t_start + timeout * 1000000u);
	} else {
		if (end == TOOL_RUN_SIGNAL) {
			tool_say(&dig_info,
			    "interrupted while waiting for a "
			    "DHCP lease");
		}
		status = TOOL_EXIT_RUNTIME;
	}
	/* An answer over TCP: let its connection close cleanly. */
	tool_link_settle(&link, &dig_info, &o, &ts, DIG_CLOSE_WAIT_US);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		tool_say(&dig_info,
		    "cannot write the answer on standard "
		    "output");
		status = TOOL_EXIT_RUNTIME;
	}
	tool_dhcp_stop(&dhcp, &link, &ts);
	if (link.dump != NULL && erg_host_dump_errors(link.dump) != 0) {
		tool_say(&dig_info, "%s: cannot write the capture", o.capture);
		status = TOOL_EXIT_RUNTIME;
	}
	if (o.stats) {
		tool_stack_print_counters(&ts, stderr);
		tool_link_stats_foreach(&link, tool_counter_print, stderr);
	}
	tool_link_close(&link);
	tool_stack_destroy(&ts);
	return status;
}
