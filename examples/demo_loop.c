/*
 * examples/demo_loop.c: erg's main job, end to end, in one process.
 *
 * Two erg stacks, A (198.18.0.1) and B (198.18.0.2), on the in-memory
 * loop driver with a 1 ms wire delay. A resolves B with ARP, pings it with
 * payloads from 56 to 65,000 bytes (the large ones fragmented both ways
 * and reassembled), then sends UDP datagrams of 1 to 65,000 bytes to B's
 * echo service and checks every echoed byte, then opens a TCP connection
 * to B's echo service, streams 4 MiB through it (zero-copy on both
 * sides: A fills its send ring in place, B echoes from the views of the
 * packets that carried the data), checks every byte that comes back and
 * closes gracefully. Every frame goes to a pcap file. The clock is scripted
 * (simulated time), so the run is exactly reproducible.
 *
 * usage: erg-demo [PCAP]   (default build/demo.pcap)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "erg/erg.h"
#include "loop/erg_loop.h"

struct host {
	const char *name;
	struct erg_stack *s;
	void *arena;
	uint64_t rng;
	unsigned ifx;
};

struct demo {
	struct erg_loop_wire *wire;
	struct host a;
	struct host b;
	uint64_t now;
	/* Ping state. */
	uint16_t ping_seq;
	uint64_t ping_rtt;
	size_t ping_len;
	bool ping_ok;
	/* UDP state. */
	struct erg_udp_sock *echo;   /* on B, port 7 */
	struct erg_udp_sock *client; /* on A */
	const uint8_t *udp_sent;
	size_t udp_len;
	bool udp_ok;
	bool udp_bad;
	/* TCP state. */
	struct erg_tcp_listener *tcp_l; /* on B, port 7 */
	struct erg_tcp_conn *tcp_srv;   /* B's end */
	struct erg_tcp_conn *tcp_cli;   /* A's end */
	size_t tcp_total;
	size_t tcp_sent;
	size_t tcp_back;
	bool tcp_bad;
	bool tcp_done;
	bool tcp_err;
};

/* Byte i of the TCP stream A sends. */
static uint8_t
tcp_byte(size_t i)
{
	return (uint8_t)(i * 131u + (i >> 9));
}

/* A deterministic generator stands in for the platform's CSPRNG. */
static void
demo_rand(void *ctx, void *buf, size_t len)
{
	uint64_t *st = ctx;
	uint8_t *p = buf;

	while (len-- > 0) {
		*st = *st * 6364136223846793005ull + 1442695040888963407ull;
		*p++ = (uint8_t)(*st >> 56);
	}
}

static void
host_init(struct demo *d, struct host *h, const char *name, uint8_t n)
{
	struct erg_config cfg;
	uint8_t mac[6] = { 0x02, 0, 0, 0, 0, n };
	size_t len;

	erg_config_default(&cfg);
	cfg.reasm_slots = 4;
	cfg.rand = demo_rand;
	cfg.rand_ctx = &h->rng;
	h->name = name;
	h->rng = n;
	len = erg_arena_size(&cfg);
	h->arena = aligned_alloc(16, (len + 15) & ~(size_t)15);
	if (h->arena == NULL ||
	    erg_stack_init(&h->s, h->arena, len, &cfg, d->now) != 0 ||
	    erg_loop_attach(d->wire, h->s, mac, 1500, &h->ifx) != 0 ||
	    erg_ipv4_addr_set(h->s, h->ifx, ERG_IPV4(198, 18, 0, n), 24) != 0) {
		fprintf(stderr, "erg-demo: cannot set up host %s\n", name);
		exit(1);
	}
	printf("  %s: erg stack, 02:00:00:00:00:%02x, 198.18.0.%u/24, "
	       "arena %zu bytes\n",
	    name, n, n, len);
}

/* Runs the wire and both stacks until *done or a simulated deadline. */
static bool
run_until(struct demo *d, const bool *done, uint64_t max_us)
{
	uint64_t end = d->now + max_us;
	unsigned steps = 0;

	while (!*done && d->now < end && steps++ < 1000000) {
		uint64_t next = ERG_TIME_NEVER, t;

		erg_loop_wire_run(d->wire, d->now);
		t = erg_stack_poll(d->a.s, d->now);
		next = t < next ? t : next;
		t = erg_stack_poll(d->b.s, d->now);
		next = t < next ? t : next;
		t = erg_loop_wire_next(d->wire);
		next = t < next ? t : next;
		if (*done)
			break;
		d->now = next > d->now ? next : d->now + 1;
		if (next == ERG_TIME_NEVER)
			break;
	}
	return *done;
}

static void
on_echo_reply(void *ctx, uint32_t from, uint16_t id, uint16_t seq,
    struct erg_view data, uint64_t now_us)
{
	struct demo *d = ctx;

	(void)from;
	if (id == 0xe5 && seq == d->ping_seq && data.len == d->ping_len) {
		d->ping_rtt = now_us;
		d->ping_ok = true;
	}
}

static bool
ping(struct demo *d, size_t len)
{
	uint8_t *payload = malloc(len);
	uint64_t t0 = d->now;
	size_t i;
	int rc;

	for (i = 0; i < len; i++)
		payload[i] = (uint8_t)i;
	d->ping_seq++;
	d->ping_len = len;
	d->ping_ok = false;
	rc = erg_icmp_echo_send(d->a.s, ERG_IPV4(198, 18, 0, 2), 0xe5,
	    d->ping_seq, payload, len);
	free(payload);
	if (rc != 0 || !run_until(d, &d->ping_ok, 5000000)) {
		printf("  A -> B ping %5zu bytes: FAILED (%s)\n", len,
		    erg_strerror(rc));
		return false;
	}
	printf("  A -> B ping %5zu bytes: reply in %.1f ms%s\n", len,
	    (double)(d->ping_rtt - t0) / 1000.0,
	    len + 28 > 1500      ? ", fragmented and reassembled both ways" :
	        d->ping_seq == 1 ? " (ARP resolved B first)" :
	                           "");
	return true;
}

/* B's echo service: every datagram goes back where it came from. */
static void
on_echo(struct erg_udp_sock *u, unsigned events, void *ctx)
{
	struct host *b = ctx;
	struct erg_udp_dgram dg;

	if ((events & ERG_EV_READABLE) == 0)
		return;
	while (erg_udp_recv(u, &dg) == 0) {
		(void)erg_udp_sendto(u, dg.src, dg.src_port, dg.data.p,
		    dg.data.len);
		erg_pkt_free(b->s, dg.pkt);
	}
}

static void
on_client(struct erg_udp_sock *u, unsigned events, void *ctx)
{
	struct demo *d = ctx;
	struct erg_udp_dgram dg;

	if ((events & ERG_EV_READABLE) == 0)
		return;
	while (erg_udp_recv(u, &dg) == 0) {
		if (dg.data.len == d->udp_len &&
		    memcmp(dg.data.p, d->udp_sent, d->udp_len) == 0)
			d->udp_ok = true;
		else
			d->udp_bad = true;
		erg_pkt_free(d->a.s, dg.pkt);
	}
}

static bool
udp_echo(struct demo *d, size_t len)
{
	uint8_t *payload = malloc(len);
	uint64_t t0 = d->now;
	size_t i;
	int rc;

	for (i = 0; i < len; i++)
		payload[i] = (uint8_t)(i * 7 + len);
	d->udp_sent = payload;
	d->udp_len = len;
	d->udp_ok = false;
	d->udp_bad = false;
	rc = erg_udp_send(d->client, payload, len);
	if (rc != 0 || !run_until(d, &d->udp_ok, 5000000) || d->udp_bad) {
		printf("  A -> B UDP echo %5zu bytes: FAILED (%s)\n", len,
		    erg_strerror(rc));
		free(payload);
		return false;
	}
	printf("  A -> B UDP echo %5zu bytes: echoed in %.1f ms, "
	       "every byte matches\n",
	    len, (double)(d->now - t0) / 1000.0);
	free(payload);
	return true;
}

/* B: echo what arrives, from the packets' views into its send ring. */
static void
on_tcp_srv(struct erg_tcp_conn *c, unsigned ev, void *ctx)
{
	struct demo *d = ctx;
	struct erg_view v[8];
	struct erg_wview w[2];
	size_t used, k;
	int n, nw, i;

	if (ev & (ERG_TCP_EV_RESET | ERG_TCP_EV_TIMEDOUT)) {
		d->tcp_err = true;
		return;
	}
	while ((n = erg_tcp_peek(c, v, 8)) > 0) {
		nw = erg_tcp_reserve(c, w);
		if (nw <= 0)
			break; /* ring full: WRITABLE will call again */
		used = 0;
		for (i = 0; i < n && used < w[0].len; i++) {
			k = v[i].len < w[0].len - used ? v[i].len :
			                                 w[0].len - used;
			memcpy(w[0].p + used, v[i].p, k);
			used += k;
		}
		erg_tcp_commit(c, used);
		erg_tcp_consume(c, used);
	}
	if ((ev & ERG_TCP_EV_PEER_CLOSED) && erg_tcp_readable(c) == 0)
		erg_tcp_shutdown(c);
}

static void
on_tcp_accept(struct erg_tcp_listener *l, unsigned ev, void *ctx)
{
	struct demo *d = ctx;

	(void)ev;
	if (erg_tcp_accept(l, on_tcp_srv, d, &d->tcp_srv) != 0)
		d->tcp_err = true;
}

/* A: fill the send ring in place, check what comes back. */
static void
on_tcp_cli(struct erg_tcp_conn *c, unsigned ev, void *ctx)
{
	struct demo *d = ctx;
	struct erg_wview w[2];
	struct erg_view v[8];
	size_t k, j, total;
	int n, i;

	if (ev & (ERG_TCP_EV_RESET | ERG_TCP_EV_TIMEDOUT)) {
		d->tcp_err = true;
		return;
	}
	while (d->tcp_sent < d->tcp_total && (n = erg_tcp_reserve(c, w)) > 0) {
		total = 0;
		for (i = 0; i < n; i++) {
			k = d->tcp_total - d->tcp_sent - total;
			k = k < w[i].len ? k : w[i].len;
			for (j = 0; j < k; j++)
				w[i].p[j] = tcp_byte(d->tcp_sent + total + j);
			total += k;
		}
		erg_tcp_commit(c, total);
		d->tcp_sent += total;
		if (d->tcp_sent == d->tcp_total)
			erg_tcp_shutdown(c);
	}
	while ((n = erg_tcp_peek(c, v, 8)) > 0) {
		total = 0;
		for (i = 0; i < n; i++) {
			for (j = 0; j < v[i].len; j++)
				if (v[i].p[j] !=
				    tcp_byte(d->tcp_back + total + j))
					d->tcp_bad = true;
			total += v[i].len;
		}
		d->tcp_back += total;
		erg_tcp_consume(c, total);
	}
	if (ev & ERG_TCP_EV_PEER_CLOSED)
		d->tcp_done = true;
}

static bool
tcp_echo(struct demo *d, size_t len)
{
	struct erg_tcp_info ia;
	uint64_t t0 = d->now;
	double ms;

	d->tcp_total = len;
	if (erg_tcp_listen(d->b.s, ERG_IPV4_ANY, 7, 0, on_tcp_accept, d,
	        &d->tcp_l) != 0 ||
	    erg_tcp_connect(d->a.s, ERG_IPV4(198, 18, 0, 2), 7, 0, on_tcp_cli,
	        d, &d->tcp_cli) != 0) {
		printf("  A -> B TCP echo: cannot open\n");
		return false;
	}
	if (!run_until(d, &d->tcp_done, 60000000) || d->tcp_err || d->tcp_bad ||
	    d->tcp_back != len) {
		printf("  A -> B TCP echo %zu bytes: FAILED (%zu back%s)\n",
		    len, d->tcp_back, d->tcp_bad ? ", wrong bytes" : "");
		return false;
	}
	ms = (double)(d->now - t0) / 1000.0;
	erg_tcp_info(d->tcp_cli, &ia);
	printf("  A -> B TCP echo %zu bytes: every byte back in %.1f ms "
	       "(simulated), mss %u, srtt %.1f ms, cwnd %u, %llu "
	       "retransmissions\n",
	    len, ms, ia.mss, ia.srtt_us / 1000.0, ia.cwnd,
	    (unsigned long long)ia.retransmits);
	/* Both ends close; A, which closed first, keeps TIME-WAIT. */
	erg_tcp_close(d->tcp_cli);
	erg_tcp_close(d->tcp_srv);
	erg_tcp_listener_close(d->tcp_l);
	d->tcp_done = false;
	(void)run_until(d, &d->tcp_done, 1000000);
	return true;
}

static void
print_counter(void *ctx, const char *name, uint64_t value)
{
	unsigned *col = ctx;

	if (value == 0)
		return;
	printf("%s%-26s %8llu", *col % 2 == 0 ? "\n    " : "  ", name,
	    (unsigned long long)value);
	(*col)++;
}

int
main(int argc, char **argv)
{
	static const struct erg_loop_impair wire = { 0, 0, 0, 0, 1000, 0 };
	static const size_t ping_sizes[] = { 56, 1472, 4000, 65000 };
	static const size_t udp_sizes[] = { 1, 1472, 8000, 65000 };
	const char *pcap = argc > 1 ? argv[1] : "build/demo.pcap";
	struct demo d;
	struct erg_loop_stats ws;
	unsigned i, col = 0;
	bool ok = true;

	memset(&d, 0, sizeof(d));
	printf("erg demo: two erg stacks on an in-memory wire "
	       "(1 ms delay, simulated time)\n");
	d.wire = erg_loop_wire_new(1, &wire);
	if (d.wire == NULL || erg_loop_wire_pcap(d.wire, pcap) != 0) {
		fprintf(stderr, "erg-demo: cannot create the wire or %s\n",
		    pcap);
		return 1;
	}
	host_init(&d, &d.a, "A", 1);
	host_init(&d, &d.b, "B", 2);
	erg_icmp_echo_handler_set(d.a.s, on_echo_reply, &d);
	if (erg_udp_open(d.b.s, on_echo, &d.b, &d.echo) != 0 ||
	    erg_udp_bind(d.echo, ERG_IPV4_ANY, 7) != 0 ||
	    erg_udp_open(d.a.s, on_client, &d, &d.client) != 0 ||
	    erg_udp_connect(d.client, ERG_IPV4(198, 18, 0, 2), 7) != 0) {
		fprintf(stderr, "erg-demo: cannot open the UDP sockets\n");
		return 1;
	}
	printf("  B: UDP echo service on port 7\n\n");
	for (i = 0; i < sizeof(ping_sizes) / sizeof(ping_sizes[0]); i++)
		ok = ping(&d, ping_sizes[i]) && ok;
	for (i = 0; i < sizeof(udp_sizes) / sizeof(udp_sizes[0]); i++)
		ok = udp_echo(&d, udp_sizes[i]) && ok;
	printf("  B: TCP echo service on port 7\n");
	ok = tcp_echo(&d, 4u << 20) && ok;
	erg_udp_close(d.client);
	erg_udp_close(d.echo);
	erg_loop_wire_stats(d.wire, &ws);
	printf("\n  A's counters (non-zero):");
	erg_stack_stats_foreach(d.a.s, print_counter, &col);
	printf("\n\n  %llu frames on the wire, all in %s\n",
	    (unsigned long long)ws.sent, pcap);
	printf("  open it with: wireshark %s   or: tshark -r %s\n", pcap, pcap);
	printf("\nerg demo: %s\n", ok ? "ok" : "FAILED");
	erg_loop_wire_free(d.wire);
	free(d.a.arena);
	free(d.b.arena);
	return ok ? 0 : 1;
}
