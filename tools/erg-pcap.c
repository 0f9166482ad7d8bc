/*
 * tools/erg-pcap.c: replays a capture through an erg stack configured like
 * erg-echo, and writes what the stack sends to another capture.
 *
 * usage: erg-pcap IN.pcap OUT.pcap --ip A.B.C.D/N [--mac ...] [--gw ...]
 *                 [--seed N] [--capture FILE] [--stats]
 *
 * Time: the stack starts at the first frame's timestamp and each frame
 * arrives at its own; before each frame the timers due by then run, in
 * order, at their own times. After the last frame the timers due by the
 * last frame's time run, and the replay stops there: nothing the stack
 * would only send later (an ARP retry, a reassembly timeout) is made up.
 * Randomness is always seeded (--seed, default 0), so the same input,
 * options and seed give the same OUT, byte for byte.
 *
 * The counters are printed at the end, always (--stats is accepted for
 * symmetry with erg-echo).
 */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "common/tool_options.h"
#include "common/tool_services.h"
#include "common/tool_tcp_services.h"
#include "common/tool_stack.h"
#include "host/erg_host.h"
#include "pcap/erg_pcap.h"

/* Timer rounds between two frames, at most: a stack bug cannot hang us. */
#define PCAP_TIMER_ROUNDS_MAX 1000000u

static const struct tool_info pcap_info = {
	.prog = "erg-pcap",
	.synopsis = "erg-pcap IN.pcap OUT.pcap --ip A.B.C.D/N [--gw A.B.C.D] "
	            "[--mac XX:XX:XX:XX:XX:XX]\n"
	            "       [--seed N] [--capture FILE.pcap] [--stats]",
	.help =
	    "\n"
	    "Feeds every frame of IN.pcap (Ethernet) to an erg stack "
	    "configured like\n"
	    "erg-echo (ARP, ping, UDP echo on 7, discard on 9, TCP echo, "
	    "discard,\n"
	    "chargen and HTTP on 7, 9, 19 and 80), at the capture's own\n"
	    "timestamps, writes every frame the stack sends to OUT.pcap, and "
	    "prints\n"
	    "every counter as 'name value' lines. Timers run up to the last "
	    "frame's\n"
	    "time. The same IN, options and seed give the same OUT, byte for "
	    "byte.\n"
	    "\n"
	    "  --ip A.B.C.D/N      erg's address and prefix length "
	    "(required)\n"
	    "  --gw A.B.C.D        default gateway, on the --ip subnet\n"
	    "  --mac MAC           erg's MAC, the one the captured peers "
	    "address\n"
	    "                      (default: 02:xx:xx:xx:xx:xx derived from "
	    "the seed)\n"
	    "  --seed N            seed erg's randomness (default 0)\n"
	    "  --capture FILE      also write every frame in and out to FILE "
	    "(pcap)\n"
	    "  --stats             print the counters (always done)\n"
	    "  --help              this text\n"
	    "\n"
	    "Exit status: 0 done, 1 unreadable, damaged or non-Ethernet "
	    "capture or\n"
	    "unwritable output, 2 bad command line.\n",
	.opts = TOOL_OPT_IP | TOOL_OPT_MAC | TOOL_OPT_SEED | TOOL_OPT_CAPTURE |
	    TOOL_OPT_STATS,
	.operands = 2,
	.operand_names = "IN.pcap OUT.pcap",
	.need_link = false,
	.need_ip = true,
};

/*
 * Refuses two of IN, OUT and the --capture file being one file (writing
 * one would empty or corrupt the other), and "-" (stdout carries the
 * counters).
 */
static void
pcap_check_paths(const char *a_path, const char *b_path)
{
	struct stat a, b;

	if (strcmp(b_path, "-") == 0) {
		tool_die(&pcap_info, TOOL_EXIT_USAGE,
		    "'-' is not a file: stdout carries the counters");
	}
	if (strcmp(a_path, b_path) == 0 ||
	    (stat(a_path, &a) == 0 && stat(b_path, &b) == 0 &&
	        a.st_dev == b.st_dev && a.st_ino == b.st_ino)) {
		tool_die(&pcap_info, TOOL_EXIT_USAGE,
		    "IN, OUT and --capture must be different files (%s)",
		    b_path);
	}
}

/* Runs every timer due by t, each at its own deadline, in order. */
static void
pcap_run_timers(struct erg_stack *s, uint64_t t)
{
	uint64_t now = erg_stack_now(s), next;
	unsigned i;

	for (i = 0; i < PCAP_TIMER_ROUNDS_MAX; i++) {
		next = erg_stack_poll(s, now);
		if (next > t) {
			return;
		}
		/* next == now: work left over at this instant; go again. */
		now = next > now ? next : now;
	}
	tool_say(&pcap_info, "warning: timers still due after %u rounds",
	    PCAP_TIMER_ROUNDS_MAX);
}

int
main(int argc, char **argv)
{
	char err[ERG_HOST_ERR_LEN] = "";
	struct erg_host_link_stats st;
	struct erg_pcap_replay *r;
	struct erg_host_dump *dump = NULL;
	struct tool_options o;
	struct tool_stack ts;
	struct tool_services sv;
	struct tool_tcp_services *tsv;
	uint64_t t0 = 0, t;
	int rc, status = TOOL_EXIT_OK;

	tool_options_parse(&o, &pcap_info, argc, argv);
	pcap_check_paths(o.operand[0], o.operand[1]);
	if (o.capture != NULL) {
		pcap_check_paths(o.operand[0], o.capture);
		pcap_check_paths(o.operand[1], o.capture);
	}
	r = erg_pcap_replay_open(o.operand[0], o.operand[1], err);
	if (r == NULL) {
		tool_die(&pcap_info, TOOL_EXIT_RUNTIME, "%s", err);
	}
	/* The stack's clock starts at the first frame (0 if none). */
	if (erg_pcap_replay_peek(r, &t0) < 0) {
		tool_die(&pcap_info, TOOL_EXIT_RUNTIME, "%s: %s", o.operand[0],
		    erg_pcap_replay_error(r));
	}
	tool_stack_create(&ts, &pcap_info, &o, true, t0);
	rc = erg_pcap_replay_attach(r, ts.s, ts.mac, TOOL_MTU, &ts.ifindex);
	if (rc != 0) {
		tool_die(&pcap_info, TOOL_EXIT_RUNTIME, "cannot attach: %s",
		    erg_strerror(rc));
	}
	if (o.capture != NULL) {
		dump = erg_host_dump_open(o.capture, 0, err);
		if (dump == NULL) {
			tool_die(&pcap_info, TOOL_EXIT_RUNTIME, "%s", err);
		}
		erg_pcap_replay_dump_set(r, dump);
	}
	tool_stack_address(&ts, &pcap_info, &o);
	rc = tool_services_start(&sv, ts.s);
	if (rc != 0) {
		tool_die(&pcap_info, TOOL_EXIT_RUNTIME,
		    "cannot open the UDP services: %s", erg_strerror(rc));
	}
	/* Large (a slot per connection): on the heap, where it stays put. */
	tsv = malloc(sizeof(*tsv));
	if (tsv == NULL) {
		tool_die(&pcap_info, TOOL_EXIT_RUNTIME, "out of memory");
	}
	rc = tool_tcp_services_start(tsv, ts.s);
	if (rc != 0) {
		tool_die(&pcap_info, TOOL_EXIT_RUNTIME,
		    "cannot open the TCP services: %s", erg_strerror(rc));
	}

	t = t0;
	while ((rc = erg_pcap_replay_peek(r, &t)) > 0) {
		pcap_run_timers(ts.s, t);
		(void)tool_tcp_services_tick(tsv, t);
		(void)erg_pcap_replay_input(r);
	}
	/* Timers due by the last frame's time; nothing after it. */
	pcap_run_timers(ts.s, t);
	(void)tool_tcp_services_tick(tsv, t);
	if (rc < 0) {
		tool_say(&pcap_info,
		    "%s: %s (the frames before it were "
		    "replayed)",
		    o.operand[0], erg_pcap_replay_error(r));
		status = TOOL_EXIT_RUNTIME;
	}
	if (dump != NULL && erg_host_dump_errors(dump) != 0) {
		tool_say(&pcap_info, "%s: cannot write the capture", o.capture);
		status = TOOL_EXIT_RUNTIME;
	}
	erg_pcap_replay_stats(r, &st);
	if (st.tx_err != 0) {
		tool_say(&pcap_info, "%s: %s", o.operand[1],
		    erg_pcap_replay_error(r));
		status = TOOL_EXIT_RUNTIME;
	}

	tool_stack_print_counters(&ts, stdout);
	tool_services_stats_foreach(&sv, tool_counter_print, stdout);
	tool_tcp_services_stats_foreach(tsv, tool_counter_print, stdout);
	erg_host_link_stats_foreach(&st, "pcap", tool_counter_print, stdout);
	fflush(stdout);

	/*
	 * TCP connections still open are not aborted: their RSTs would be
	 * frames the capture never caused. The arena goes with the stack.
	 */
	tool_services_stop(&sv);
	erg_pcap_replay_close(r);
	erg_host_dump_close(dump);
	tool_stack_destroy(&ts);
	free(tsv);
	return status;
}
