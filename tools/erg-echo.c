/*
 * tools/erg-echo.c: an erg host on a real interface that answers ARP and
 * ping, runs the UDP echo (port 7) and discard (port 9) services, and the
 * TCP echo (7), discard (9), chargen (19) and HTTP (80) services of
 * tool_tcp_services.h, and with --cert/--key HTTPS (443) and TLS echo
 * (7443) as well.
 *
 * usage: erg-echo (--tap NAME | --pcap-live IFACE)
 *                 (--ip A.B.C.D/N | --dhcp) [...]
 *
 * Once it serves it prints "erg-echo: ready: A.B.C.D/N ..." on stderr; it
 * runs until SIGINT or SIGTERM (or --seconds), then prints the counters
 * (--stats) and exits 0.
 *
 * With --dhcp it first waits (at most --timeout seconds, default 30) for
 * a DHCP lease and serves at that address; the client renews it in the
 * background, and the services go on across renewals (they are bound to
 * ports, not to the address). At exit the lease is released.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tool_dhcp.h"
#include "common/tool_link.h"
#include "common/tool_options.h"
#include "common/tool_services.h"
#include "common/tool_stack.h"
#include "common/tool_tcp_services.h"
#include "common/tool_tls.h"

/* The loop's step: the TCP services' deadlines. */
static bool
echo_step(void *ctx, uint64_t now, uint64_t *next)
{
	*next = tool_tcp_services_tick(ctx, now);
	return true;
}

static const struct tool_info echo_info = {
	.prog = "erg-echo",
	.synopsis = "erg-echo (--tap NAME | --pcap-live IFACE) "
	            "(--ip A.B.C.D/N [--gw A.B.C.D] | --dhcp)\n"
	            "       [--mac XX:XX:XX:XX:XX:XX] [--seed N] "
	            "[--capture FILE.pcap] [--seconds N] [--stats]\n"
	            "       [--timeout SECONDS] [-v]\n"
	            "       [--cert FILE --key FILE [--cert-name PATTERN]]...",
	.help =
	    "\n"
	    "Runs an erg stack as a host on a network interface: it answers "
	    "ARP and ping,\n"
	    "echoes UDP datagrams sent to port 7 and discards those sent to "
	    "port 9.\n"
	    "TCP services: echo (7), discard (9), chargen (19: send a first "
	    "line 'N' for\n"
	    "exactly N bytes, else up to 1 GiB), HTTP/1.1 (80: GET /bytes/N "
	    "for N\n"
	    "deterministic bytes, N up to 2^40; GET / a short page; "
	    "keep-alive, pipelining).\n"
	    "With --cert and --key: HTTPS (443: the same HTTP server inside "
	    "TLS 1.2, ALPN\n"
	    "http/1.1, session resumption) and TLS echo (7443: echo inside "
	    "TLS).\n"
	    "\n"
	    "  --tap NAME          attach to (or create) the Linux TAP "
	    "device NAME\n"
	    "  --pcap-live IFACE   capture and inject on interface IFACE "
	    "(libpcap,\n"
	    "                      promiscuous; erg is a second host on that "
	    "link)\n"
	    "  --ip A.B.C.D/N      erg's address and prefix length "
	    "(or --dhcp)\n"
	    "  --gw A.B.C.D        default gateway, on the --ip subnet\n"
	    "  --dhcp              get the address, gateway and MTU by DHCP "
	    "instead of --ip\n"
	    "                      and --gw; the lease is renewed as long as "
	    "erg-echo runs\n"
	    "                      and released at exit\n"
	    "  --timeout SECONDS   with --dhcp: give up (exit 1) if no lease "
	    "comes within\n"
	    "                      SECONDS (default 30)\n"
	    "  -v, --verbose       print every DHCP lease event (bound, "
	    "renewed) on stderr\n"
	    "  --mac MAC           erg's MAC (default: 02:xx:xx:xx:xx:xx "
	    "derived from\n"
	    "                      --seed, random without it)\n"
	    "  --seed N            seed erg's randomness (default: "
	    "getrandom): runs repeat\n"
	    "  --capture FILE      write every frame in and out to FILE "
	    "(pcap)\n"
	    "  --seconds N         run N seconds, then exit 0 (default: "
	    "until SIGINT/SIGTERM)\n"
	    "  --stats             at exit, print every counter as 'name "
	    "value' lines\n"
	    "  --cert FILE         a certificate chain, end-entity first (PEM "
	    "or DER),\n"
	    "                      followed by --key: turns HTTPS and TLS echo "
	    "on\n"
	    "  --key FILE          the private key of the --cert before it "
	    "(PEM or DER:\n"
	    "                      ECDSA P-256/P-384/P-521, RSA 2048-4096 "
	    "bits)\n"
	    "  --cert-name PATTERN the SNI name (\"www.example.com\" or "
	    "\"*.example.com\")\n"
	    "                      the --cert before it is for; repeat "
	    "--cert, --key,\n"
	    "                      --cert-name for more certificates, each "
	    "with its\n"
	    "                      --cert-name; the first --cert is the "
	    "default\n"
	    "  --help              this text\n"
	    "\n"
	    "Prints 'erg-echo: ready: A.B.C.D/N ...' on stderr once it serves "
	    "(with --dhcp,\n"
	    "the lease too).\n"
	    "Exit status: 0 done (time up or signal), 1 runtime error "
	    "(device, file,\n"
	    "a certificate or key refused, no DHCP lease), 2 bad command "
	    "line. Needs root\n"
	    "or CAP_NET_ADMIN (tap), CAP_NET_RAW (pcap).\n",
	.opts = TOOL_OPT_LINK | TOOL_OPT_IP | TOOL_OPT_DHCP | TOOL_OPT_MAC |
	    TOOL_OPT_SEED | TOOL_OPT_CAPTURE | TOOL_OPT_SECONDS |
	    TOOL_OPT_STATS | TOOL_OPT_TLS_SERVER | TOOL_OPT_TIMEOUT |
	    TOOL_OPT_VERBOSE,
	.operands = 0,
	.operand_names = "no operands",
	.need_link = true,
	.need_ip = true,
};

/* The services, once the address is there. */
struct echo_serve {
	struct tool_services sv;
	struct tool_tcp_services *tsv;
	bool started;
};

static void
echo_services_start(struct echo_serve *e, const struct tool_options *o,
    struct tool_stack *ts, struct erg_tls_server *srv, char *certs,
    size_t certs_cap)
{
	int rc;

	rc = tool_services_start(&e->sv, ts->s);
	if (rc != 0) {
		tool_die(&echo_info, TOOL_EXIT_RUNTIME,
		    "cannot open the UDP services: %s", erg_strerror(rc));
	}
	/* Large (a slot per connection): on the heap, where it stays put. */
	e->tsv = malloc(sizeof(*e->tsv));
	if (e->tsv == NULL) {
		tool_die(&echo_info, TOOL_EXIT_RUNTIME, "out of memory");
	}
	rc = tool_tcp_services_start(e->tsv, ts->s);
	if (rc != 0) {
		tool_die(&echo_info, TOOL_EXIT_RUNTIME,
		    "cannot open the TCP services: %s", erg_strerror(rc));
	}
	if (srv != NULL) {
		rc = tool_tcp_services_tls(e->tsv, srv, TOOL_TLS_SESSIONS);
		if (rc != 0) {
			tool_die(&echo_info, TOOL_EXIT_RUNTIME,
			    "cannot open the TLS services: %s",
			    erg_strerror(rc));
		}
		(void)snprintf(certs, certs_cap,
		    "; HTTPS (443), TLS echo (7443) with %u certificate%s",
		    o->ncerts, o->ncerts == 1 ? "" : "s");
	}
	e->started = true;
}

/* "ready: ...": where erg-echo serves, and what. */
static void
echo_ready(const struct tool_options *o, const struct tool_stack *ts,
    const struct tool_link *link, const struct tool_dhcp *dhcp,
    const char *certs)
{
	char mac[18], ip[16], lease[TOOL_DHCP_LEASE_TEXT + 16] = "";
	uint32_t addr = o->ip;
	unsigned prefix = o->prefix_len;

	if (o->dhcp) {
		addr = dhcp->lease.addr;
		prefix = dhcp->lease.prefix_len;
		(void)snprintf(lease, sizeof(lease), "; DHCP lease: ");
		tool_dhcp_lease_format(lease + strlen(lease),
		    sizeof(lease) - strlen(lease), &dhcp->lease);
	}
	tool_mac_format(mac, ts->mac);
	tool_ipv4_format(ip, addr);
	tool_say(&echo_info,
	    "ready: %s/%u at %s on %s %s; ping, UDP echo (7), discard (9); "
	    "TCP echo (7), discard (9), chargen (19), HTTP (80)%s%s",
	    ip, prefix, mac, link->kind, link->name, certs, lease);
}

int
main(int argc, char **argv)
{
	struct tool_options o;
	struct tool_stack ts;
	struct tool_link link;
	struct tool_dhcp dhcp;
	struct echo_serve e;
	struct erg_tls_server *srv = NULL;
	enum tool_run_end end;
	char certs[64] = "";
	int status = TOOL_EXIT_OK;

	tool_options_parse(&o, &echo_info, argc, argv);
	if (o.have_timeout && !o.dhcp) {
		tool_die(&echo_info, TOOL_EXIT_USAGE,
		    "--timeout bounds the wait for a DHCP lease: it needs "
		    "--dhcp");
	}
	memset(&e, 0, sizeof(e));
	tool_stack_create(&ts, &echo_info, &o, false, erg_host_now_us());
	if (o.ncerts > 0) {
		/* Bad files fail here, before the device is touched. */
		srv = tool_tls_server_load(&echo_info, &o, ts.s);
	}
	tool_link_open(&link, &echo_info, &o, &ts);
	if (o.dhcp) {
		/* Else the first DHCPDISCOVER may be lost (tool_link.h). */
		tool_link_wait_running(&link);
	}
	end = tool_net_up(&dhcp, &link, &echo_info, &o, &ts,
	    o.have_timeout ? o.timeout : TOOL_DHCP_TIMEOUT_DEFAULT);
	if (end == TOOL_RUN_STEP) {
		echo_services_start(&e, &o, &ts, srv, certs, sizeof(certs));
		echo_ready(&o, &ts, &link, &dhcp, certs);
		end =
		    tool_link_run(&link, &echo_info, &o, &ts, echo_step, e.tsv);
	}
	if (end == TOOL_RUN_FAILED) {
		status = TOOL_EXIT_RUNTIME;
	}
	tool_dhcp_stop(&dhcp, &link, &ts);
	if (link.dump != NULL && erg_host_dump_errors(link.dump) != 0) {
		tool_say(&echo_info, "%s: cannot write the capture", o.capture);
		status = TOOL_EXIT_RUNTIME;
	}

	if (o.stats) {
		tool_stack_print_counters(&ts, stdout);
		if (e.started) {
			tool_services_stats_foreach(&e.sv, tool_counter_print,
			    stdout);
			tool_tcp_services_stats_foreach(e.tsv,
			    tool_counter_print, stdout);
		}
		tool_link_stats_foreach(&link, tool_counter_print, stdout);
		fflush(stdout);
	}
	/* After the counters: they show what was still open at the end. */
	if (e.started) {
		tool_tcp_services_stop(e.tsv);
		free(e.tsv);
		tool_services_stop(&e.sv);
	}
	tool_link_close(&link);
	tool_stack_destroy(&ts);
	return status;
}
