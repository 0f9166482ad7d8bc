/*
 * bench/bench_loop.c: the loop driver's cost, without TCP. Stack A sends
 * UDP datagrams of 1472 bytes (full 1500-byte IP packets) to stack B over
 * a perfect wire; B receives them. Both sides zero-copy
 * (erg_udp_pkt_alloc + erg_pkt_put, erg_udp_recv), checksums in software
 * on send and receive, as BENCH.md's in-process workloads. Reports the
 * payload rate and the bytes the wire copied per frame byte (1.00: the
 * one "DMA" copy).
 *
 * Each datagram carries its sequence number; B checks that every one
 * arrives once, in order. Fails only if one does not.
 */
#include "bench_util.h"

#define LOOP_PAYLOAD 1472u
#define LOOP_DGRAMS  500000u
#define LOOP_BATCH   32u /* B's default receive queue */
#define LOOP_PORT    9u

struct loop_bench {
	struct bench_net net;
	struct erg_udp_sock *tx;
	struct erg_udp_sock *rx;
	uint64_t sent;
	uint64_t got;
	bool bad;
};

static void
drain(struct loop_bench *lb)
{
	struct erg_udp_dgram d;

	while (erg_udp_recv(lb->rx, &d) == 0) {
		uint64_t seq;

		if (d.data.len != LOOP_PAYLOAD) {
			lb->bad = true;
		} else {
			memcpy(&seq, d.data.p, sizeof(seq));
			if (seq != lb->got) {
				lb->bad = true;
			}
		}
		lb->got++;
		erg_pkt_free(lb->net.b.s, d.pkt);
	}
}

static void
send_one(struct loop_bench *lb)
{
	struct erg_pkt *pkt = erg_udp_pkt_alloc(lb->tx);
	uint8_t *p = pkt != NULL ? erg_pkt_put(pkt, LOOP_PAYLOAD) : NULL;

	if (p == NULL) {
		bench_die("loop: no packet to send");
	}
	memcpy(p, &lb->sent, sizeof(lb->sent));
	if (erg_udp_pkt_sendto(lb->tx, pkt, lb->net.b.addr, LOOP_PORT) != 0) {
		bench_die("loop: send failed");
	}
	lb->sent++;
}

/* One run: the time it took; *copied: wire bytes per frame byte. */
static struct bench_time
run_once(double *copied)
{
	static struct loop_bench lb;
	struct erg_config cfg;
	struct erg_loop_stats st;
	uint64_t frame_bytes, copied0;
	struct bench_time t0, t;
	unsigned i;

	erg_config_default(&cfg);
	memset(&lb, 0, sizeof(lb));
	bench_net_init(&lb.net, &cfg, bench_now_us());
	if (erg_udp_open(lb.net.a.s, NULL, NULL, &lb.tx) != 0 ||
	    erg_udp_open(lb.net.b.s, NULL, NULL, &lb.rx) != 0 ||
	    erg_udp_bind(lb.rx, ERG_IPV4_ANY, LOOP_PORT) != 0) {
		bench_die("loop: cannot open the sockets");
	}
	/* Resolve B (ARP) with the first datagram, outside the timing. */
	send_one(&lb);
	for (i = 0; i < 100 && lb.got < 1; i++) {
		bench_net_step(&lb.net);
		drain(&lb);
	}
	if (lb.got != 1) {
		bench_die("loop: ARP did not resolve");
	}
	erg_loop_wire_stats(lb.net.w, &st);
	frame_bytes = st.sent_bytes;
	copied0 = st.copied_bytes;
	t0 = bench_time_now();
	while (lb.got < LOOP_DGRAMS + 1 && !lb.bad) {
		while (lb.sent < LOOP_DGRAMS + 1 &&
		    lb.sent - lb.got < LOOP_BATCH) {
			send_one(&lb);
		}
		erg_loop_wire_run(lb.net.w, bench_net_clock(&lb.net));
		drain(&lb);
	}
	t = bench_time_since(t0);
	erg_loop_wire_stats(lb.net.w, &st);
	if (lb.bad || lb.got != LOOP_DGRAMS + 1) {
		bench_die("loop: datagrams lost, duplicated or reordered");
	}
	*copied = (double)(st.copied_bytes - copied0) /
	    (double)(st.sent_bytes - frame_bytes);
	erg_udp_close(lb.tx);
	erg_udp_close(lb.rx);
	bench_net_check_leaks(&lb.net, "loop");
	bench_net_free(&lb.net);
	return t;
}

int
main(int argc, char **argv)
{
	struct bench_time t[BENCH_RUNS];
	double copied = 0;
	char suffix[64], extra[64];
	FILE *json = NULL;
	int i;

	if (argc > 1 && (json = fopen(argv[1], "a")) == NULL) {
		perror(argv[1]);
		return 1;
	}
	for (i = 0; i < BENCH_RUNS; i++) {
		t[i] = run_once(&copied);
	}
	snprintf(suffix, sizeof(suffix), "  wire copies/byte %.2f", copied);
	snprintf(extra, sizeof(extra), ", \"wire_copies_per_byte\": %.3f",
	    copied);
	bench_report(json, "loop UDP 1472 B one way", "Gbit/s",
	    (double)LOOP_DGRAMS * LOOP_PAYLOAD * 8, 1e9, t, suffix, extra);
	if (json != NULL) {
		fclose(json);
	}
	return 0;
}
