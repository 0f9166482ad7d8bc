/*
 * tools/erg-echo.c: an erg host on a real interface that answers ARP and
 * ping, runs the UDP echo (port 7) and discard (port 9) services, and the
 * TCP echo (7), discard (9), chargen (19) and HTTP (80) services of
 * tool_tcp_services.h, and with --cert/--key HTTPS (443) and TLS echo
 * (7443) as well.
 *
 * usage: erg-echo (--tap NAME | --pcap-live IFACE) --ip A.B.C.D/N [...]
 *
 * Once it serves it prints "erg-echo: ready: ..." on stderr; it runs until
 * SIGINT or SIGTERM (or --seconds), then prints the counters (--stats)
 * and exits 0.
 */
#include <stdio.h>
#include <stdlib.h>

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
	            "--ip A.B.C.D/N [--gw A.B.C.D]\n"
	            "       [--mac XX:XX:XX:XX:XX:XX] [--seed N] "
	            "[--capture FILE.pcap] [--seconds N] [--stats]\n"
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
	    "(required)\n"
	    "  --gw A.B.C.D        default gateway, on the --ip subnet\n"
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
	    "Prints 'erg-echo: ready: ...' on stderr once it serves.\n"
	    "Exit status: 0 done (time up or signal), 1 runtime error "
	    "(device, file,\n"
	    "a certificate or key refused), 2 bad command line. Needs root "
	    "or\n"
	    "CAP_NET_ADMIN (tap), CAP_NET_RAW (pcap).\n",
	.opts = TOOL_OPT_LINK | TOOL_OPT_IP | TOOL_OPT_MAC | TOOL_OPT_SEED |
	    TOOL_OPT_CAPTURE | TOOL_OPT_SECONDS | TOOL_OPT_STATS |
	    TOOL_OPT_TLS_SERVER,
	.operands = 0,
	.operand_names = "no operands",
	.need_link = true,
	.need_ip = true,
};

int
main(int argc, char **argv)
{
	struct tool_options o;
	struct tool_stack ts;
	struct tool_link link;
	struct tool_services sv;
	struct tool_tcp_services *tsv;
	struct erg_tls_server *srv = NULL;
	char mac[18], ip[16], certs[64] = "";
	int rc, status = TOOL_EXIT_OK;

	tool_options_parse(&o, &echo_info, argc, argv);
	tool_stack_create(&ts, &echo_info, &o, false, erg_host_now_us());
	if (o.ncerts > 0) {
		/* Bad files fail here, before the device is touched. */
		srv = tool_tls_server_load(&echo_info, &o, ts.s);
	}
	tool_link_open(&link, &echo_info, &o, &ts);
	tool_stack_address(&ts, &echo_info, &o);
	rc = tool_services_start(&sv, ts.s);
	if (rc != 0) {
		tool_die(&echo_info, TOOL_EXIT_RUNTIME,
		    "cannot open the UDP services: %s", erg_strerror(rc));
	}
	/* Large (a slot per connection): on the heap, where it stays put. */
	tsv = malloc(sizeof(*tsv));
	if (tsv == NULL) {
		tool_die(&echo_info, TOOL_EXIT_RUNTIME, "out of memory");
	}
	rc = tool_tcp_services_start(tsv, ts.s);
	if (rc != 0) {
		tool_die(&echo_info, TOOL_EXIT_RUNTIME,
		    "cannot open the TCP services: %s", erg_strerror(rc));
	}
	if (srv != NULL) {
		rc = tool_tcp_services_tls(tsv, srv, TOOL_TLS_SESSIONS);
		if (rc != 0) {
			tool_die(&echo_info, TOOL_EXIT_RUNTIME,
			    "cannot open the TLS services: %s",
			    erg_strerror(rc));
		}
		(void)snprintf(certs, sizeof(certs),
		    "; HTTPS (443), TLS echo (7443) with %u certificate%s",
		    o.ncerts, o.ncerts == 1 ? "" : "s");
	}
	tool_mac_format(mac, ts.mac);
	tool_ipv4_format(ip, o.ip);
	tool_say(&echo_info,
	    "ready: %s/%u at %s on %s %s; ping, UDP echo (7), discard (9); "
	    "TCP echo (7), discard (9), chargen (19), HTTP (80)%s",
	    ip, o.prefix_len, mac, link.kind, link.name, certs);

	if (tool_link_run(&link, &echo_info, &o, &ts, echo_step, tsv) ==
	    TOOL_RUN_FAILED) {
		status = TOOL_EXIT_RUNTIME;
	}
	if (link.dump != NULL && erg_host_dump_errors(link.dump) != 0) {
		tool_say(&echo_info, "%s: cannot write the capture", o.capture);
		status = TOOL_EXIT_RUNTIME;
	}

	if (o.stats) {
		tool_stack_print_counters(&ts, stdout);
		tool_services_stats_foreach(&sv, tool_counter_print, stdout);
		tool_tcp_services_stats_foreach(tsv, tool_counter_print,
		    stdout);
		tool_link_stats_foreach(&link, tool_counter_print, stdout);
		fflush(stdout);
	}
	/* After the counters: they show what was still open at the end. */
	tool_tcp_services_stop(tsv);
	free(tsv);
	tool_services_stop(&sv);
	tool_link_close(&link);
	tool_stack_destroy(&ts);
	return status;
}
