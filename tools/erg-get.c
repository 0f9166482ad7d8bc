/*
 * tools/erg-get.c: an HTTP/1.1 client (RFC 9110, RFC 9112) over erg.
 *
 * usage: erg-get (--tap NAME | --pcap-live IFACE) --ip A.B.C.D/N [...] URL
 *
 * Fetches URL (http://A.B.C.D[:PORT][/PATH]) with one GET on one
 * connection ("Connection: close"), follows no redirect, and writes the
 * body to -o FILE or stdout as it arrives, straight from the packets that
 * carried it (erg_tcp_peek, writev, erg_tcp_consume). The body ends at
 * its Content-Length, at the end of the chunked coding, or when the
 * server closes. Exit status: 0 for a 2xx status and a whole body; 1 for
 * another status, a network error, a timeout or a body cut short (one
 * line on stderr); 2 for a bad command line.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "common/tool_bytes.h"
#include "common/tool_http.h"
#include "common/tool_link.h"
#include "common/tool_options.h"
#include "common/tool_stack.h"
#include "common/tool_tcp_services.h"

/* Default --timeout, seconds. */
#define GET_TIMEOUT_DEFAULT 30u
/* After the body: how long the FIN handshake may take before we exit. */
#define GET_CLOSE_WAIT_US 1000000u
/* Views lent per peek (and iovecs per writev). */
#define GET_PEEK_MAX 64u
/* Longest URL path sent. */
#define GET_PATH_MAX 2048u
/* How long to wait for Linux to run a TAP device we just attached. */
#define GET_TAP_WAIT_MS 1000u

static const struct tool_info get_info = {
	.prog = "erg-get",
	.synopsis = "erg-get (--tap NAME | --pcap-live IFACE) "
	            "--ip A.B.C.D/N [--gw A.B.C.D]\n"
	            "       [--mac MAC] [--seed N] [--capture FILE.pcap] "
	            "[--stats] [-o FILE] [-v]\n"
	            "       [--timeout SECONDS] [--check-bytes] URL",
	.help =
	    "\n"
	    "Fetches URL over HTTP/1.1 with an erg stack on a network "
	    "interface and writes\n"
	    "the body to FILE or standard output. URL is "
	    "http://A.B.C.D[:PORT][/PATH]:\n"
	    "the host MUST be a dotted IPv4 address (erg-get does not "
	    "resolve names: DNS\n"
	    "comes later), and https:// is not supported yet. No redirect "
	    "is followed.\n"
	    "\n"
	    "  --tap NAME          attach to (or create) the Linux TAP "
	    "device NAME\n"
	    "  --pcap-live IFACE   capture and inject on interface IFACE "
	    "(libpcap)\n"
	    "  --ip A.B.C.D/N      erg's address and prefix length "
	    "(required)\n"
	    "  --gw A.B.C.D        default gateway, on the --ip subnet\n"
	    "  --mac MAC           erg's MAC (default: derived from --seed, "
	    "random without)\n"
	    "  --seed N            seed erg's randomness (default: "
	    "getrandom)\n"
	    "  --capture FILE      write every frame in and out to FILE "
	    "(pcap)\n"
	    "  --stats             at exit, print every counter on stderr\n"
	    "  -o, --output FILE   write the body to FILE (default: standard "
	    "output)\n"
	    "  -v, --verbose       print the status line and a summary on "
	    "stderr\n"
	    "  --timeout SECONDS   give up after SECONDS in all (default 30)\n"
	    "  --check-bytes       the body must be erg-echo's deterministic "
	    "stream\n"
	    "                      (GET /bytes/N, tools/common/tool_bytes.h): "
	    "fail at the\n"
	    "                      first byte that differs\n"
	    "  --help              this text\n"
	    "\n"
	    "Exit status: 0 on a 2xx status with the whole body, 1 on any "
	    "other status, a\n"
	    "network error, a timeout or a body cut short, 2 on a bad "
	    "command line.\n"
	    "Needs root or CAP_NET_ADMIN (tap), CAP_NET_RAW (pcap).\n",
	.opts = TOOL_OPT_LINK | TOOL_OPT_IP | TOOL_OPT_MAC | TOOL_OPT_SEED |
	    TOOL_OPT_CAPTURE | TOOL_OPT_STATS | TOOL_OPT_OUTPUT |
	    TOOL_OPT_VERBOSE | TOOL_OPT_TIMEOUT | TOOL_OPT_CHECK_BYTES,
	.operands = 1,
	.operand_names = "one URL",
	.need_link = true,
	.need_ip = true,
};

/* A parsed URL. */
struct get_url {
	uint32_t addr;
	uint16_t port;
	const char *host; /* "A.B.C.D[:PORT]" as given, for Host */
	size_t host_len;
	const char *path; /* "/..." without a fragment, or "" */
	size_t path_len;
};

enum get_phase {
	GET_HEAD,    /* reading the response head */
	GET_BODY,    /* reading the body */
	GET_CLOSING, /* body done; the FIN handshake runs */
	GET_DONE
};

struct get {
	const struct tool_options *o;
	struct erg_stack *s;
	struct erg_tcp_conn *c;
	struct get_url url;
	int out_fd;
	const char *out_name;
	enum get_phase phase;
	int status; /* exit status once GET_CLOSING or GET_DONE */
	bool peer_closed;
	struct tool_http_resp resp;
	struct tool_http_chunked ch;
	uint64_t left; /* Content-Length bytes still to come */
	uint64_t body_bytes;
	uint64_t t_start;
	uint64_t deadline;
	uint64_t close_deadline;
	uint8_t head[TOOL_HTTP_RESP_HEAD_MAX];
};

/* ---- the URL --------------------------------------------------------------
 */

static bool
get_prefix_ci(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncasecmp(s, prefix, n) == 0;
}

static void
get_url_parse(struct get_url *u, const char *url)
{
	const char *p, *end;
	uint64_t port = 80;
	size_t k;

	if (get_prefix_ci(url, "https://")) {
		tool_die(&get_info, TOOL_EXIT_USAGE,
		    "%s: https:// is not supported yet (no TLS): use http://",
		    url);
	}
	if (!get_prefix_ci(url, "http://")) {
		tool_die(&get_info, TOOL_EXIT_USAGE,
		    "bad URL '%s': expected http://A.B.C.D[:PORT][/PATH]", url);
	}
	p = url + 7;
	u->host = p;
	if (!tool_ipv4_parse(p, &u->addr, &end) ||
	    (*end != '\0' && *end != ':' && *end != '/' && *end != '?' &&
	        *end != '#')) {
		tool_die(&get_info, TOOL_EXIT_USAGE,
		    "bad URL '%s': the host must be a dotted IPv4 address "
		    "A.B.C.D (erg-get does not resolve names: no DNS yet)",
		    url);
	}
	if (!tool_ipv4_usable(u->addr)) {
		tool_die(&get_info, TOOL_EXIT_USAGE,
		    "bad URL '%s': not a unicast address", url);
	}
	if (*end == ':') {
		port = 0;
		for (k = 1; end[k] >= '0' && end[k] <= '9' && k <= 5; k++) {
			port = port * 10 + (uint64_t)(end[k] - '0');
		}
		if (k == 1 || port == 0 || port > 65535 ||
		    (end[k] != '\0' && end[k] != '/' && end[k] != '?' &&
		        end[k] != '#')) {
			tool_die(&get_info, TOOL_EXIT_USAGE,
			    "bad URL '%s': the port must be a number from 1 "
			    "to 65535",
			    url);
		}
		end += k;
	}
	u->port = (uint16_t)port;
	u->host_len = (size_t)(end - u->host);
	u->path = end;
	u->path_len = strcspn(end, "#");
	if (u->path_len > GET_PATH_MAX) {
		tool_die(&get_info, TOOL_EXIT_USAGE,
		    "bad URL: the path is longer than %u bytes", GET_PATH_MAX);
	}
	for (k = 0; k < u->path_len; k++) {
		if ((unsigned char)u->path[k] <= 0x20 ||
		    (unsigned char)u->path[k] >= 0x7f) {
			tool_die(&get_info, TOOL_EXIT_USAGE,
			    "bad URL '%s': a space or control character in "
			    "the path (percent-encode it)",
			    url);
		}
	}
}

/* ---- ending ----------------------------------------------------------------
 */

/* One line on stderr; the run ends with status 1 once closed. */
static void get_fail(struct get *g, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
get_fail(struct get *g, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", get_info.prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
	g->status = TOOL_EXIT_RUNTIME;
	if (g->c != NULL) {
		erg_tcp_abort(g->c);
		g->c = NULL;
	}
	g->phase = GET_DONE;
}

/* The body is whole: close gracefully and let the handshake finish. */
static void
get_finish(struct get *g)
{
	size_t n = erg_tcp_readable(g->c);
	uint64_t t = erg_stack_now(g->s) - g->t_start;

	if (n > 0) {
		(void)erg_tcp_consume(g->c, n); /* not ours: but no RST */
	}
	erg_tcp_close(g->c);
	g->c = NULL;
	g->phase = GET_CLOSING;
	g->close_deadline = erg_stack_now(g->s) + GET_CLOSE_WAIT_US;
	if (g->o->verbose) {
		tool_say(&get_info,
		    "%" PRIu64 " bytes of body in %.3f s (%.1f "
		    "MB/s)",
		    g->body_bytes, (double)t / 1e6,
		    t > 0 ? (double)g->body_bytes / (double)t : 0.0);
	}
	if (g->resp.status >= 200 && g->resp.status <= 299) {
		g->status = TOOL_EXIT_OK;
	} else {
		tool_say(&get_info, "the server answered %.*s",
		    (int)g->resp.status_line.len,
		    (const char *)g->resp.status_line.p);
		g->status = TOOL_EXIT_RUNTIME;
	}
}

/* ---- the body ---------------------------------------------------------------
 */

/* Writes iov[0..n) whole to the output. Returns 0 or an errno. */
static int
get_write(struct get *g, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t w = writev(g->out_fd, iov, n);

		if (w < 0) {
			if (errno == EINTR) {
				continue;
			}
			if (errno == EAGAIN) {
				struct pollfd pfd = { g->out_fd, POLLOUT, 0 };

				(void)poll(&pfd, 1, 1000);
				continue;
			}
			return errno;
		}
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

/*
 * Hands one piece of body to the output (queued in iov). Returns false
 * after get_fail.
 */
static bool
get_piece(struct get *g, struct iovec *iov, int *niov, struct erg_view d)
{
	size_t bad;

	if (d.len == 0) {
		return true;
	}
	if (g->o->check_bytes) {
		bad = tool_bytes_check(d.p, d.len, g->body_bytes);
		if (bad < d.len) {
			get_fail(g,
			    "--check-bytes: body byte %" PRIu64 " is 0x%02x, "
			    "the stream has 0x%02x",
			    g->body_bytes + bad, d.p[bad],
			    tool_bytes_at(g->body_bytes + bad));
			return false;
		}
	}
	iov[*niov].iov_base = (void *)(uintptr_t)d.p;
	iov[*niov].iov_len = d.len;
	(*niov)++;
	g->body_bytes += d.len;
	return true;
}

/*
 * Decodes view v: the body pieces in it go to iov; returns the bytes of v
 * taken (the rest belongs to no body), or -1 after get_fail. *done is set
 * at the end of the body.
 */
static long
get_decode(struct get *g, struct erg_view v, struct iovec *iov, int *niov,
    bool *done)
{
	struct erg_view in = v, d;
	int rc;

	if (g->resp.until_close) {
		return get_piece(g, iov, niov, v) ? (long)v.len : -1;
	}
	if (!g->resp.chunked) {
		d = v;
		if (d.len > g->left) {
			d.len = (size_t)g->left;
		}
		g->left -= d.len;
		*done = g->left == 0;
		return get_piece(g, iov, niov, d) ? (long)d.len : -1;
	}
	while ((rc = tool_http_chunked_step(&g->ch, &in, &d)) == 1) {
		if (!get_piece(g, iov, niov, d)) {
			return -1;
		}
		if (*niov == (int)GET_PEEK_MAX) {
			break; /* iov full: the rest on the next round */
		}
	}
	if (rc < 0) {
		get_fail(g, "malformed chunked body after %" PRIu64 " bytes",
		    g->body_bytes);
		return -1;
	}
	*done = rc == 2;
	return (long)(v.len - in.len);
}

static void
get_body(struct get *g)
{
	struct erg_view v[GET_PEEK_MAX];
	struct iovec iov[GET_PEEK_MAX];
	bool done = g->resp.have_length && g->left == 0;
	int n, i, niov, err;

	while (!done) {
		size_t took = 0;

		n = erg_tcp_peek(g->c, v, GET_PEEK_MAX);
		if (n <= 0) {
			break;
		}
		niov = 0;
		for (i = 0; i < n && !done && niov < (int)GET_PEEK_MAX; i++) {
			long t = get_decode(g, v[i], iov, &niov, &done);

			if (t < 0) {
				return;
			}
			took += (size_t)t;
			if ((size_t)t < v[i].len) {
				break;
			}
		}
		err = get_write(g, iov, niov);
		if (err != 0) {
			get_fail(g, "writing %s: %s", g->out_name,
			    strerror(err));
			return;
		}
		(void)erg_tcp_consume(g->c, took);
	}
	if (done) {
		get_finish(g);
	} else if (g->peer_closed && erg_tcp_readable(g->c) == 0) {
		if (g->resp.until_close) {
			get_finish(g);
		} else if (g->resp.chunked) {
			get_fail(g,
			    "the server closed the connection in the middle "
			    "of the chunked body, after %" PRIu64 " bytes",
			    g->body_bytes);
		} else {
			get_fail(g,
			    "the server closed the connection after %" PRIu64
			    " of %" PRIu64 " bytes of body",
			    g->body_bytes, g->resp.content_length);
		}
	}
}

/* ---- the head
 * ----------------------------------------------------------------- */

/*
 * Reads a response head if a whole one is there. Returns true when one
 * was taken (the phase moved on), false to wait or after get_fail.
 */
static bool
get_head(struct get *g)
{
	struct erg_view v[GET_PEEK_MAX];
	struct tool_http_scan sc;
	size_t end = 0, total = 0, k;
	int n, i;

	n = erg_tcp_peek(g->c, v, GET_PEEK_MAX);
	tool_http_scan_init(&sc);
	for (i = 0; i < n && end == 0 && total < sizeof(g->head); i++) {
		size_t len = v[i].len;

		if (len > sizeof(g->head) - total) {
			len = sizeof(g->head) - total;
		}
		k = tool_http_scan(&sc, v[i].p, len);
		memcpy(g->head + total, v[i].p, k > 0 ? k : len);
		if (k > 0) {
			end = total + k;
		}
		total += len;
	}
	if (end == 0) {
		if (total >= sizeof(g->head)) {
			get_fail(g,
			    "the response head is larger than %zu bytes",
			    sizeof(g->head));
		} else if (g->peer_closed) {
			get_fail(g,
			    "the server closed the connection before a "
			    "whole response head");
		}
		return false;
	}
	(void)erg_tcp_consume(g->c, end);
	if (tool_http_resp_parse(&g->resp, g->head, end) != 0) {
		get_fail(g, "malformed response head: %.*s",
		    (int)strcspn((const char *)g->head, "\r\n"),
		    (const char *)g->head);
		return false;
	}
	if (g->resp.status < 200) {
		if (g->resp.status == 101) {
			get_fail(g, "the server switched protocols (101)");
			return false;
		}
		return true; /* interim (RFC 9110 15.2): the next head */
	}
	if (g->o->verbose) {
		tool_say(&get_info, "%.*s", (int)g->resp.status_line.len,
		    (const char *)g->resp.status_line.p);
	}
	g->phase = GET_BODY;
	if (!tool_http_resp_has_body(g->resp.status, false)) {
		g->resp.have_length = true;
		g->resp.chunked = false;
		g->resp.until_close = false;
		g->left = 0;
	} else if (g->resp.chunked) {
		tool_http_chunked_init(&g->ch);
	} else if (g->resp.have_length) {
		g->left = g->resp.content_length;
	}
	return true;
}

static void
get_pump(struct get *g)
{
	while (g->phase == GET_HEAD && get_head(g)) {
	}
	if (g->phase == GET_BODY) {
		get_body(g);
	}
}

static void
get_on_event(struct erg_tcp_conn *c, unsigned events, void *ctx)
{
	struct get *g = ctx;
	char ip[16];
	int err;

	if (g->c != c) {
		return;
	}
	if ((events & (ERG_TCP_EV_RESET | ERG_TCP_EV_TIMEDOUT)) != 0) {
		err = erg_tcp_error(c);
		tool_ipv4_format(ip, g->url.addr);
		get_fail(g, "%s:%u: %s%s", ip, g->url.port,
		    g->phase == GET_HEAD && g->body_bytes == 0 ? "no answer: " :
		                                                 "",
		    erg_strerror(err != 0                    ? err :
		            (events & ERG_TCP_EV_RESET) != 0 ? -ERG_ECONNRESET :
		                                               -ERG_ETIMEDOUT));
		return;
	}
	if ((events & ERG_EV_ERROR) != 0) {
		(void)erg_tcp_error(c); /* soft: TCP retries */
	}
	if ((events & ERG_TCP_EV_CONNECTED) != 0 && g->o->verbose) {
		tool_ipv4_format(ip, g->url.addr);
		tool_say(&get_info, "connected to %s:%u", ip, g->url.port);
	}
	if ((events & ERG_TCP_EV_PEER_CLOSED) != 0) {
		g->peer_closed = true;
	}
	get_pump(g);
}

/* The loop's step: the timeout, and the end of the run. */
static bool
get_step(void *ctx, uint64_t now, uint64_t *next)
{
	struct get *g = ctx;

	if (g->phase == GET_DONE) {
		return false;
	}
	if (g->phase == GET_CLOSING) {
		/* Wait (a little) for the FIN handshake to finish. */
		if (erg_stat_get(g->s, ERG_STAT_TCP_CONNS_IN_USE) == 0 ||
		    now >= g->close_deadline) {
			return false;
		}
		*next = g->close_deadline;
		return true;
	}
	if (now >= g->deadline) {
		get_fail(g,
		    "timed out after %" PRIu64 " s (%" PRIu64
		    " bytes of body received)",
		    g->o->have_timeout ? g->o->timeout :
		                         (uint64_t)GET_TIMEOUT_DEFAULT,
		    g->body_bytes);
		return false;
	}
	*next = g->deadline;
	return true;
}

/*
 * Waits (at most GET_TAP_WAIT_MS) until Linux runs the TAP device named
 * name (IFF_RUNNING). Attaching to a TAP device turns its carrier on, but
 * Linux activates the device's transmit queue a moment later, from a work
 * queue; until then it drops what it sends on it. The first ARP request
 * of a connect made at once would go unanswered for a second (the ARP
 * retry), and the SYN behind it would be retransmitted as soon as it left.
 */
static void
get_tap_wait(const char *name)
{
	struct timespec ms = { 0, 1000000 };
	struct ifreq ifr;
	unsigned i;
	int sock;

	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0) {
		return;
	}
	memset(&ifr, 0, sizeof(ifr));
	(void)snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	for (i = 0; i < GET_TAP_WAIT_MS; i++) {
		if (ioctl(sock, SIOCGIFFLAGS, &ifr) != 0 ||
		    (ifr.ifr_flags & IFF_RUNNING) != 0) {
			break;
		}
		(void)nanosleep(&ms, NULL);
	}
	/* The transmit queue is activated right after the flag is set. */
	(void)nanosleep(&ms, NULL);
	(void)close(sock);
}

/* Writes the request: one GET, Connection: close. */
static int
get_request(struct get *g)
{
	char req[GET_PATH_MAX + 512];
	int n;
	long w;

	n = snprintf(req, sizeof(req),
	    "GET %.*s HTTP/1.1\r\n"
	    "Host: %.*s\r\n"
	    "User-Agent: erg-get\r\n"
	    "Accept: */*\r\n"
	    "Connection: close\r\n"
	    "\r\n",
	    g->url.path_len > 0 ? (int)g->url.path_len : 1,
	    g->url.path_len > 0 ? g->url.path : "/", (int)g->url.host_len,
	    g->url.host);
	if (n < 0 || (size_t)n >= sizeof(req)) {
		return -ERG_EINVAL;
	}
	w = erg_tcp_write(g->c, req, (size_t)n);
	if (w < 0) {
		return (int)w;
	}
	return w == n ? 0 : -ERG_ENOBUFS;
}

int
main(int argc, char **argv)
{
	struct tool_options o;
	struct tool_stack ts;
	struct tool_link link;
	struct get *g;
	enum tool_run_end end;
	char ip[16];
	int rc;

	tool_options_parse(&o, &get_info, argc, argv);
	g = calloc(1, sizeof(*g));
	if (g == NULL) {
		tool_die(&get_info, TOOL_EXIT_RUNTIME, "out of memory");
	}
	g->o = &o;
	get_url_parse(&g->url, o.operand[0]);
	g->out_fd = STDOUT_FILENO;
	g->out_name = "standard output";
	if (o.output != NULL && strcmp(o.output, "-") != 0) {
		g->out_fd = open(o.output,
		    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (g->out_fd < 0) {
			tool_die(&get_info, TOOL_EXIT_RUNTIME, "%s: %s",
			    o.output, strerror(errno));
		}
		g->out_name = o.output;
	}
	/* A closed pipe is a write error with a message, not a silent death. */
	(void)signal(SIGPIPE, SIG_IGN);

	tool_stack_create(&ts, &get_info, &o, false, erg_host_now_us());
	tool_link_open(&link, &get_info, &o, &ts);
	if (link.tap != NULL) {
		get_tap_wait(o.tap);
	}
	tool_stack_address(&ts, &get_info, &o);
	g->s = ts.s;
	/* The stack's clock: now, not when it was built. */
	(void)erg_stack_poll(ts.s, erg_host_now_us());
	g->t_start = erg_host_now_us();
	g->deadline = g->t_start +
	    (o.have_timeout ? o.timeout : GET_TIMEOUT_DEFAULT) * 1000000u;
	g->status = TOOL_EXIT_RUNTIME;

	rc = erg_tcp_connect(ts.s, g->url.addr, g->url.port, 0, get_on_event, g,
	    &g->c);
	if (rc == 0) {
		rc = get_request(g);
	}
	if (rc != 0) {
		tool_ipv4_format(ip, g->url.addr);
		get_fail(g, "cannot connect to %s:%u: %s", ip, g->url.port,
		    erg_strerror(rc));
	}
	end = tool_link_run(&link, &get_info, &o, &ts, get_step, g);
	if (end == TOOL_RUN_SIGNAL && g->phase < GET_CLOSING) {
		get_fail(g, "interrupted after %" PRIu64 " bytes of body",
		    g->body_bytes);
	} else if (end == TOOL_RUN_FAILED) {
		g->status = TOOL_EXIT_RUNTIME;
	}
	if (g->c != NULL) {
		erg_tcp_abort(g->c);
		g->c = NULL;
	}
	if (link.dump != NULL && erg_host_dump_errors(link.dump) != 0) {
		tool_say(&get_info, "%s: cannot write the capture", o.capture);
		g->status = TOOL_EXIT_RUNTIME;
	}
	if (g->out_fd != STDOUT_FILENO && close(g->out_fd) != 0) {
		tool_say(&get_info, "%s: %s", g->out_name, strerror(errno));
		g->status = TOOL_EXIT_RUNTIME;
	}
	if (o.stats) {
		tool_stack_print_counters(&ts, stderr);
		tool_link_stats_foreach(&link, tool_counter_print, stderr);
	}
	rc = g->status;
	tool_link_close(&link);
	tool_stack_destroy(&ts);
	free(g);
	return rc;
}
