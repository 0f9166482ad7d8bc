/*
 * tools/erg-get.c: an HTTP/1.1 client (RFC 9110, RFC 9112) over erg, and
 * HTTPS (RFC 9110 4.2.2) over erg's TLS.
 *
 * usage: erg-get (--tap NAME | --pcap-live IFACE)
 *                (--ip A.B.C.D/N | --dhcp) [...] URL
 *
 * Fetches URL (http:// or https://, then A.B.C.D or a name, [:PORT]
 * [/PATH]) with one GET on one connection
 * ("Connection: close"), follows no redirect, and writes the body to -o
 * FILE or stdout as it arrives, straight from the packets (or, for
 * HTTPS, the decrypted records) that carried it (peek, writev, consume).
 * The body ends at its Content-Length, at the end of the chunked coding,
 * or when the server closes. Exit status: 0 for a 2xx status and a whole
 * body; 1 for another status, a network or TLS error (a certificate
 * that does not verify, ...), a timeout or a body cut short (one line on
 * stderr); 2 for a bad command line.
 *
 * A name gets its address from --resolve when one matches (as curl
 * does), else from DNS: erg's resolver asks for its A record (erg/dns.h;
 * a CNAME chain is followed) at the --dns servers or those DHCP named,
 * and the first address of the answer is used. Without any of the three
 * a name is a usage error. The lookup counts against --timeout.
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
#include <sys/uio.h>
#include <unistd.h>

#include "common/tool_bytes.h"
#include "common/tool_dhcp.h"
#include "common/tool_dns.h"
#include "common/tool_http.h"
#include "common/tool_link.h"
#include "common/tool_options.h"
#include "common/tool_stack.h"
#include "common/tool_stream.h"
#include "common/tool_tls.h"

/* Default --timeout, seconds. */
#define GET_TIMEOUT_DEFAULT 30u
/* After the body: how long the FIN handshake may take before we exit. */
#define GET_CLOSE_WAIT_US 1000000u
/* Views lent per peek (and iovecs per writev). */
#define GET_PEEK_MAX 64u
/* Longest URL path sent. */
#define GET_PATH_MAX 2048u

static const struct tool_info get_info = {
	.prog = "erg-get",
	.synopsis = "erg-get (--tap NAME | --pcap-live IFACE) "
	            "(--ip A.B.C.D/N [--gw A.B.C.D] | --dhcp)\n"
	            "       [--dns A.B.C.D]... [--mac MAC] [--seed N] "
	            "[--capture FILE.pcap] [--stats]\n"
	            "       [-o FILE] [-v] [--timeout SECONDS] [--check-bytes] "
	            "[--resolve NAME[:PORT]:A.B.C.D]...\n"
	            "       [--cafile FILE | --insecure] URL",
	.help =
	    "\n"
	    "Fetches URL over HTTP/1.1, or HTTPS (TLS 1.2, ALPN http/1.1), "
	    "with an erg stack\n"
	    "on a network interface and writes the body to FILE or standard "
	    "output. URL is\n"
	    "http://HOST[:PORT][/PATH] or https://HOST[:PORT][/PATH]; HOST is "
	    "a dotted IPv4\n"
	    "address A.B.C.D or a name: --resolve gives its address, or else "
	    "DNS does (its A\n"
	    "record, asked of the --dns servers or those DHCP named). For "
	    "https:// the\n"
	    "server's certificate must\n"
	    "lead to a trusted CA (--cafile, or the system's CAs), be valid "
	    "now (the wall\n"
	    "clock) and be for HOST, which must be a name (a certificate "
	    "cannot be checked\n"
	    "against an address) unless --insecure. No redirect is "
	    "followed.\n"
	    "\n"
	    "  --tap NAME          attach to (or create) the Linux TAP "
	    "device NAME\n"
	    "  --pcap-live IFACE   capture and inject on interface IFACE "
	    "(libpcap)\n"
	    "  --ip A.B.C.D/N      erg's address and prefix length "
	    "(or --dhcp)\n"
	    "  --gw A.B.C.D        default gateway, on the --ip subnet\n"
	    "  --dhcp              get the address, gateway and DNS servers "
	    "by DHCP instead\n"
	    "                      of --ip and --gw (the lease is released "
	    "at exit)\n"
	    "  --dns A.B.C.D       the DNS server that resolves HOST "
	    "(repeatable, asked in\n"
	    "                      order, up to 4; default: those DHCP "
	    "named)\n"
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
	    "stderr (and the\n"
	    "                      DHCP lease, the address DNS gave)\n"
	    "  --timeout SECONDS   give up after SECONDS in all, DHCP and DNS "
	    "included\n"
	    "                      (default 30)\n"
	    "  --check-bytes       the body must be erg-echo's deterministic "
	    "stream\n"
	    "                      (GET /bytes/N, tools/common/tool_bytes.h): "
	    "fail at the\n"
	    "                      first byte that differs\n"
	    "  --resolve NAME:A.B.C.D\n"
	    "                      connect to A.B.C.D for host NAME (also "
	    "NAME:PORT:A.B.C.D,\n"
	    "                      for that port only, as curl takes it), "
	    "without DNS;\n"
	    "                      repeatable\n"
	    "  --cafile FILE       trust the CA certificates of FILE (PEM or "
	    "DER) for\n"
	    "                      https:// (default: the system's,\n"
	    "                      " ERG_HOST_CA_BUNDLE ")\n"
	    "  --insecure          https:// without any certificate check "
	    "(still encrypted)\n"
	    "  --help              this text\n"
	    "\n"
	    "With -v, the TLS handshake's outcome too: version, cipher suite, "
	    "ALPN, whether\n"
	    "the session was resumed.\n"
	    "Exit status: 0 on a 2xx status with the whole body, 1 on any "
	    "other status, a\n"
	    "network or TLS error (one line names it, e.g. ETLS_EXPIRED), a "
	    "timeout or a body\n"
	    "cut short, a name DNS does not resolve, no DHCP lease, or a "
	    "--cafile that\n"
	    "cannot be used, 2 on a bad command line.\n"
	    "Needs root or CAP_NET_ADMIN (tap), CAP_NET_RAW (pcap).\n",
	.opts = TOOL_OPT_LINK | TOOL_OPT_IP | TOOL_OPT_DHCP | TOOL_OPT_DNS |
	    TOOL_OPT_MAC | TOOL_OPT_SEED | TOOL_OPT_CAPTURE | TOOL_OPT_STATS |
	    TOOL_OPT_OUTPUT | TOOL_OPT_VERBOSE | TOOL_OPT_TIMEOUT |
	    TOOL_OPT_CHECK_BYTES | TOOL_OPT_TLS_CLIENT,
	.operands = 1,
	.operand_names = "one URL",
	.need_link = true,
	.need_ip = true,
};

/* A parsed URL. */
struct get_url {
	bool tls; /* https:// */
	uint32_t addr;
	uint16_t port;
	const char *host; /* "HOST[:PORT]" as given, for Host */
	size_t host_len;
	char name[TOOL_NAME_MAX + 1]; /* HOST if a name, else "" */
	bool need_dns;                /* a name no --resolve gives */
	const char *path;             /* "/..." without a fragment, or "" */
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
	struct tool_stream st;             /* TCP or TLS; closed: both NULL */
	const struct erg_tls_trust *trust; /* https://, NULL if insecure */
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
	bool handshake_done; /* TLS */
	bool tls_closed;     /* TLS: the server's close_notify came */
	size_t head_len;     /* bytes of the head gathered in head[] */
	struct tool_http_scan scan;
	size_t req_len; /* the request, and how much of it is sent */
	size_t req_off;
	char req[GET_PATH_MAX + TOOL_NAME_MAX + 512];
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

/*
 * The address --resolve gives name (len bytes) for port (0: any); false
 * if none.
 */
static bool
get_resolve(const struct tool_options *o, const char *name, size_t len,
    uint16_t port, uint32_t *addr)
{
	unsigned i;

	for (i = 0; i < o->nresolve; i++) {
		const struct tool_resolve *r = &o->resolve[i];

		if (r->name_len == len &&
		    strncasecmp(r->name, name, len) == 0 &&
		    (port == 0 || r->port == 0 || r->port == port)) {
			*addr = r->addr;
			return true;
		}
	}
	return false;
}

/* Whether c ends the authority of a URL (RFC 3986 3.2). */
static bool
get_authority_end(char c)
{
	return c == '\0' || c == '/' || c == '?' || c == '#';
}

static void
get_url_parse(struct get_url *u, const struct tool_options *o, const char *url)
{
	const char *p, *end, *host_end;
	uint64_t port;
	size_t k, name_len = 0;

	if (get_prefix_ci(url, "https://")) {
		u->tls = true;
		p = url + 8;
		port = 443;
	} else if (get_prefix_ci(url, "http://")) {
		p = url + 7;
		port = 80;
	} else {
		tool_die(&get_info, TOOL_EXIT_USAGE,
		    "bad URL '%s': expected http://HOST[:PORT][/PATH] or "
		    "https://HOST[:PORT][/PATH]",
		    url);
	}
	u->host = p;
	if (tool_ipv4_parse(p, &u->addr, &end) &&
	    (*end == ':' || get_authority_end(*end))) {
		if (!tool_ipv4_usable(u->addr)) {
			tool_die(&get_info, TOOL_EXIT_USAGE,
			    "bad URL '%s': not a unicast address", url);
		}
	} else {
		end = p + strcspn(p, ":/?#");
		name_len = (size_t)(end - p);
		if (!tool_hostname_ok(p, name_len, false)) {
			tool_die(&get_info, TOOL_EXIT_USAGE,
			    "bad URL '%s': the host must be a dotted IPv4 "
			    "address A.B.C.D or a host name",
			    url);
		}
	}
	host_end = end;
	if (*end == ':') {
		port = 0;
		for (k = 1; end[k] >= '0' && end[k] <= '9' && k <= 5; k++) {
			port = port * 10 + (uint64_t)(end[k] - '0');
		}
		if (k == 1 || port == 0 || port > 65535 ||
		    !get_authority_end(end[k])) {
			tool_die(&get_info, TOOL_EXIT_USAGE,
			    "bad URL '%s': the port must be a number from 1 "
			    "to 65535",
			    url);
		}
		end += k;
	}
	u->port = (uint16_t)port;
	if (name_len > 0) {
		memcpy(u->name, p, name_len);
		u->name[name_len] = '\0';
		if (!get_resolve(o, p, name_len, u->port, &u->addr) &&
		    !o->dhcp && o->ndns == 0) {
			tool_die(&get_info, TOOL_EXIT_USAGE,
			    "URL '%s': no address for %s: give --dns A.B.C.D "
			    "(a DNS server), --dhcp (the ones DHCP names) or "
			    "--resolve %s:A.B.C.D%s",
			    url, u->name, u->name,
			    get_resolve(o, p, name_len, 0, &u->addr) ?
			        " (the --resolve given is for another port)" :
			        "");
		}
		u->need_dns = !get_resolve(o, p, name_len, u->port, &u->addr);
	} else if (u->tls && !o->insecure) {
		tool_die(&get_info, TOOL_EXIT_USAGE,
		    "URL '%s': https:// to an address: a certificate can only "
		    "be checked against a name: use https://NAME/ with "
		    "--resolve NAME:%.*s, or --insecure",
		    url, (int)(host_end - p), p);
	}
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
static void get_fail_tls(struct get *g, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
get_vsay(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", get_info.prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	fflush(stderr);
}

/* The run fails: the connection is reset, and ends at once. */
static void
get_fail(struct get *g, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	get_vsay(fmt, ap);
	va_end(ap);
	g->status = TOOL_EXIT_RUNTIME;
	tool_stream_abort(&g->st);
	g->phase = GET_DONE;
}

/*
 * The run fails on the TLS session's failure: the session is closed
 * rather than reset, so that the alert that says why (RFC 5246 7.2.2)
 * reaches the server, and the run ends once the TCP connection has.
 */
static void
get_fail_tls(struct get *g, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	get_vsay(fmt, ap);
	va_end(ap);
	g->status = TOOL_EXIT_RUNTIME;
	(void)tool_stream_close(&g->st);
	g->phase = GET_CLOSING;
	g->close_deadline = erg_stack_now(g->s) + GET_CLOSE_WAIT_US;
}

/* The body is whole: close gracefully and let the handshake finish. */
static void
get_finish(struct get *g)
{
	uint64_t t = erg_stack_now(g->s) - g->t_start;

	size_t n = tool_stream_readable(&g->st);

	/* What follows the body is not ours, but is no reason for a RST. */
	if (n > 0) {
		(void)tool_stream_consume(&g->st, n);
	}
	/*
	 * TLS: close_notify, then wait for the server's: closed at once,
	 * the TCP connection would meet that answer with a RST. get_step
	 * closes the session once it came (or came already).
	 */
	if (g->st.tls == NULL) {
		(void)tool_stream_close(&g->st);
	} else if (g->peer_closed || tool_stream_shutdown(&g->st) != 0) {
		g->tls_closed = true;
	}
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

		n = tool_stream_peek(&g->st, v, GET_PEEK_MAX);
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
		(void)tool_stream_consume(&g->st, took);
	}
	if (done) {
		get_finish(g);
	} else if (g->peer_closed && tool_stream_readable(&g->st) == 0) {
		if (g->resp.until_close && g->st.tls != NULL &&
		    erg_tls_error(g->st.tls) == -ERG_ETLS_TRUNCATED) {
			/*
			 * Only close_notify ends such a body: without it an
			 * attacker could have cut it (RFC 5246 7.2.1).
			 */
			get_fail(g,
			    "the server closed the connection without "
			    "close_notify after %" PRIu64 " bytes of a body "
			    "that ends with the connection: it may be cut "
			    "short (ETLS_TRUNCATED)",
			    g->body_bytes);
		} else if (g->resp.until_close) {
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
 *
 * The head is copied into g->head as it arrives and consumed at once:
 * over TLS a peek shows one record, and a head may span several.
 */
static bool
get_head(struct get *g)
{
	struct erg_view v[GET_PEEK_MAX];
	size_t end = 0, total, k, len, room;
	int n, i;

	if (g->head_len == 0) {
		tool_http_scan_init(&g->scan);
	}
	/* Bounded: each round moves bytes into g->head, or returns. */
	while (end == 0) {
		n = tool_stream_peek(&g->st, v, GET_PEEK_MAX);
		total = 0;
		room = sizeof(g->head) - g->head_len;
		for (i = 0; i < n && end == 0 && total < room; i++) {
			len = v[i].len < room - total ? v[i].len : room - total;
			k = tool_http_scan(&g->scan, v[i].p, len);
			memcpy(g->head + g->head_len + total, v[i].p,
			    k > 0 ? k : len);
			if (k > 0) {
				end = total + k;
			} else {
				total += len;
			}
		}
		k = end > 0 ? end : total;
		(void)tool_stream_consume(&g->st, k);
		g->head_len += k;
		if (end > 0) {
			break;
		}
		if (g->head_len >= sizeof(g->head)) {
			get_fail(g,
			    "the response head is larger than %zu bytes",
			    sizeof(g->head));
			return false;
		}
		if (total == 0) {
			if (g->peer_closed) {
				get_fail(g,
				    "the server closed the connection before "
				    "a whole response head");
			}
			return false;
		}
	}
	len = g->head_len;
	g->head_len = 0;
	if (tool_http_resp_parse(&g->resp, g->head, len) != 0) {
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

/* Sends what is left of the request. Returns false after get_fail. */
static bool
get_send(struct get *g)
{
	long w;

	while (g->req_off < g->req_len) {
		w = tool_stream_write(&g->st, g->req + g->req_off,
		    g->req_len - g->req_off);
		if (w == -ERG_EAGAIN) {
			return true; /* ERG_EV_WRITABLE (TLS: the handshake) */
		}
		if (w < 0) {
			get_fail(g, "cannot send the request: %s",
			    erg_strerror((int)w));
			return false;
		}
		g->req_off += (size_t)w;
	}
	return true;
}

static void
get_pump(struct get *g)
{
	if (!get_send(g)) {
		return;
	}
	while (g->phase == GET_HEAD && get_head(g)) {
	}
	if (g->phase == GET_BODY) {
		get_body(g);
	}
}

/* "erg.test:443 (198.18.0.2)", or "198.18.0.2:80": where we connect. */
static void
get_where(const struct get *g, char *buf, size_t cap)
{
	char ip[16];

	tool_ipv4_format(ip, g->url.addr);
	if (g->url.name[0] != '\0') {
		(void)snprintf(buf, cap, "%s:%u (%s)", g->url.name, g->url.port,
		    ip);
	} else {
		(void)snprintf(buf, cap, "%s:%u", ip, g->url.port);
	}
}

/* The connection failed (err): one line that says where and why. */
static void
get_net_fail(struct get *g, int err)
{
	char where[TOOL_NAME_MAX + 32], why[128];

	get_where(g, where, sizeof(where));
	tool_tls_strerror(why, sizeof(why), err, NULL);
	get_fail(g, "%s: %s%s", where,
	    g->phase == GET_HEAD && g->body_bytes == 0 ? "no answer: " : "",
	    why);
}

static void
get_on_event(struct erg_tcp_conn *c, unsigned events, void *ctx)
{
	struct get *g = ctx;
	char where[TOOL_NAME_MAX + 32];
	int err;

	if (g->st.tcp != c) {
		return;
	}
	if ((events & (ERG_TCP_EV_RESET | ERG_TCP_EV_TIMEDOUT)) != 0) {
		err = erg_tcp_error(c);
		get_net_fail(g,
		    err != 0                             ? err :
		        (events & ERG_TCP_EV_RESET) != 0 ? -ERG_ECONNRESET :
		                                           -ERG_ETIMEDOUT);
		return;
	}
	if ((events & ERG_EV_ERROR) != 0) {
		(void)erg_tcp_error(c); /* soft: TCP retries */
	}
	if ((events & ERG_TCP_EV_CONNECTED) != 0 && g->o->verbose) {
		get_where(g, where, sizeof(where));
		tool_say(&get_info, "connected to %s", where);
	}
	if ((events & ERG_TCP_EV_PEER_CLOSED) != 0) {
		g->peer_closed = true;
	}
	get_pump(g);
}

/* The TLS session's events (https://). */
static void
get_on_tls(struct erg_tls *t, unsigned events, void *ctx)
{
	struct get *g = ctx;
	char where[TOOL_NAME_MAX + 32], line[256];
	int err;

	if (g->st.tls != t) {
		return;
	}
	if (g->phase == GET_CLOSING) {
		/*
		 * Our close_notify is out: the server's ends the session,
		 * closed by get_step after this round of input (closed from
		 * here, as the close_notify arrives, TCP would reset it).
		 */
		if ((events & (ERG_TLS_EV_CLOSED | ERG_EV_ERROR)) != 0) {
			g->tls_closed = true;
		} else if (tool_stream_readable(&g->st) > 0) {
			(void)tool_stream_consume(&g->st,
			    tool_stream_readable(&g->st));
		}
		return;
	}
	if ((events & ERG_TLS_EV_HANDSHAKE) != 0) {
		g->handshake_done = true;
		if (g->o->verbose) {
			get_where(g, where, sizeof(where));
			tool_tls_describe(line, sizeof(line), t);
			tool_say(&get_info, "TLS with %s: %s", where, line);
		}
	}
	if ((events & (ERG_TLS_EV_CLOSED | ERG_EV_ERROR)) != 0) {
		err = erg_tls_error(t);
		if (err <= -ERG_ETLS_HANDSHAKE && err >= -ERG_ETLS_TRUNCATED &&
		    !g->handshake_done) {
			get_where(g, where, sizeof(where));
			tool_tls_strerror(line, sizeof(line), err, t);
			get_fail_tls(g, "TLS handshake with %s failed: %s",
			    g->url.name[0] != '\0' ? g->url.name : where, line);
			return;
		}
		if (!g->handshake_done) {
			get_net_fail(g, err != 0 ? err : -ERG_ECONNRESET);
			return;
		}
		if (err != 0 && err != -ERG_ETLS_TRUNCATED) {
			get_net_fail(g, err);
			return;
		}
		/* close_notify, or a FIN: get_body decides if it is enough. */
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
		if (g->tls_closed && tool_stream_open(&g->st)) {
			(void)tool_stream_close(&g->st);
		}
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
		    "timed out after %" PRIu64 " s (%s%" PRIu64
		    " bytes of body received)",
		    g->o->have_timeout ? g->o->timeout :
		                         (uint64_t)GET_TIMEOUT_DEFAULT,
		    g->url.tls && !g->handshake_done ?
		        "in the TLS handshake, " :
		        "",
		    g->body_bytes);
		return false;
	}
	*next = g->deadline;
	return true;
}

/* Builds the request (one GET, Connection: close) and sends it. */
static int
get_request(struct get *g)
{
	int n;

	n = snprintf(g->req, sizeof(g->req),
	    "GET %.*s HTTP/1.1\r\n"
	    "Host: %.*s\r\n"
	    "User-Agent: erg-get\r\n"
	    "Accept: */*\r\n"
	    "Connection: close\r\n"
	    "\r\n",
	    g->url.path_len > 0 ? (int)g->url.path_len : 1,
	    g->url.path_len > 0 ? g->url.path : "/", (int)g->url.host_len,
	    g->url.host);
	if (n < 0 || (size_t)n >= sizeof(g->req)) {
		return -ERG_EINVAL;
	}
	g->req_len = (size_t)n;
	g->req_off = 0;
	/* TCP queues it now; TLS once the handshake is done. */
	(void)get_send(g);
	return 0;
}

/*
 * Opens the connection: TCP, with a TLS session on it for https://.
 * Returns 0 or the erg error.
 */
static int
get_connect(struct get *g)
{
	static const char *const alpn[] = { TOOL_TLS_ALPN_HTTP };
	struct erg_tls_client_opts co;
	struct erg_tcp_conn *c;
	struct erg_tls *t;
	int rc;

	rc = erg_tcp_connect(g->s, g->url.addr, g->url.port, 0, get_on_event, g,
	    &c);
	if (rc != 0) {
		return rc;
	}
	if (!g->url.tls) {
		g->st = tool_stream_tcp(c);
		return 0;
	}
	memset(&co, 0, sizeof(co));
	co.trust = g->trust;
	/* SNI and the name check (RFC 6125); an address gets neither. */
	co.server_name = g->url.name[0] != '\0' ? g->url.name : NULL;
	co.alpn = alpn;
	co.alpn_n = 1;
	co.unix_time = tool_tls_unix_time();
	co.flags = g->o->insecure ? ERG_TLS_INSECURE : 0;
	rc = erg_tls_connect(c, &co, get_on_tls, g, &t);
	if (rc != 0) {
		erg_tcp_abort(c);
		return rc;
	}
	g->st = tool_stream_tls(t);
	return 0;
}

/*
 * Resolves the URL's name (its A record) before connecting. Returns as
 * tool_dns_ask; TOOL_RUN_STEP with g->phase GET_DONE after get_fail when
 * DNS gives no address.
 */
static enum tool_run_end
get_dns(struct get *g, struct tool_link *l, struct tool_stack *ts)
{
	struct tool_dns_answer a;
	struct erg_dns_result r;
	enum tool_run_end end;
	char why[160], servers[80], ip[16];

	end = tool_dns_ask(&a, l, &get_info, g->o, ts, g->url.name,
	    ERG_DNS_TYPE_A, g->deadline);
	if (end != TOOL_RUN_STEP) {
		tool_dns_answer_free(&a);
		return end;
	}
	memset(&r, 0, sizeof(r));
	r.err = a.err;
	r.msg = erg_view_make(a.msg, a.len);
	if (a.err == 0 && erg_dns_result_a(&r, 0, &g->url.addr) == 0 &&
	    tool_ipv4_usable(g->url.addr)) {
		if (g->o->verbose) {
			tool_ipv4_format(ip, g->url.addr);
			tool_ipv4_format(servers, a.server);
			tool_say(&get_info,
			    "%s is %s (DNS: %s, TTL %" PRIu32 " s)",
			    g->url.name, ip,
			    a.from_cache ? "from the cache" : servers, a.ttl);
		}
	} else {
		tool_dns_servers_format(servers, sizeof(servers), g->s);
		if (a.err == 0) {
			(void)snprintf(why, sizeof(why),
			    "the answer holds no usable IPv4 address");
		} else {
			(void)tool_dns_strerror(why, sizeof(why), &a);
		}
		get_fail(g, "cannot resolve %s (asked %s): %s", g->url.name,
		    servers, why);
	}
	tool_dns_answer_free(&a);
	return end;
}

int
main(int argc, char **argv)
{
	struct tool_options o;
	struct tool_stack ts;
	struct tool_link link;
	struct tool_dhcp dhcp;
	struct get *g;
	enum tool_run_end end;
	char where[TOOL_NAME_MAX + 32];
	uint64_t timeout;
	int rc;

	tool_options_parse(&o, &get_info, argc, argv);
	g = calloc(1, sizeof(*g));
	if (g == NULL) {
		tool_die(&get_info, TOOL_EXIT_RUNTIME, "out of memory");
	}
	g->o = &o;
	get_url_parse(&g->url, &o, o.operand[0]);
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
	if (g->url.tls) {
		/* A bad --cafile fails here, before the device is touched. */
		g->trust = tool_tls_trust_load(&get_info, &o, ts.s);
	}
	tool_link_open(&link, &get_info, &o, &ts);
	tool_link_wait_running(&link);
	g->s = ts.s;
	g->t_start = erg_host_now_us();
	timeout = o.have_timeout ? o.timeout : GET_TIMEOUT_DEFAULT;
	g->deadline = g->t_start + timeout * 1000000u;
	g->status = TOOL_EXIT_RUNTIME;
	end = tool_net_up(&dhcp, &link, &get_info, &o, &ts, timeout);
	if (end == TOOL_RUN_STEP && g->url.need_dns) {
		end = get_dns(g, &link, &ts);
	}
	if (end == TOOL_RUN_STEP && g->phase != GET_DONE) {
		/* The stack's clock: now, not when it last ran. */
		(void)erg_stack_poll(ts.s, erg_host_now_us());
		rc = get_connect(g);
		if (rc == 0) {
			rc = get_request(g);
		}
		if (rc != 0) {
			get_where(g, where, sizeof(where));
			get_fail(g, "cannot connect to %s: %s", where,
			    erg_strerror(rc));
		}
		end = tool_link_run(&link, &get_info, &o, &ts, get_step, g);
	}
	if (end == TOOL_RUN_SIGNAL && g->phase < GET_CLOSING) {
		get_fail(g, "interrupted after %" PRIu64 " bytes of body",
		    g->body_bytes);
	} else if (end == TOOL_RUN_FAILED) {
		g->status = TOOL_EXIT_RUNTIME;
	}
	tool_stream_abort(&g->st);
	tool_dhcp_stop(&dhcp, &link, &ts);
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
