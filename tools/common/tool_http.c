/*
 * tools/common/tool_http.c: HTTP/1.1 heads and the chunked coding (see
 * tool_http.h).
 */
#include <stdio.h>
#include <string.h>

#include "common/tool_http.h"
#include "common/tool_options.h"

/* Bytes of one chunk extension or trailer line taken, at most. */
#define TOOL_HTTP_LINE_MAX 4096u
/* Bytes of trailer fields taken, at most. */
#define TOOL_HTTP_TRAILER_MAX 16384u
/* Hex digits of a chunk size (2^60 needs 16; leading zeros are fine). */
#define TOOL_HTTP_CHUNK_DIGITS 16u

void
tool_http_scan_init(struct tool_http_scan *sc)
{
	sc->n = 0;
	sc->st = 0;
}

size_t
tool_http_scan(struct tool_http_scan *sc, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (p[i] == '\n') {
			if (sc->st != 0) {
				sc->n += i + 1;
				sc->st = 0;
				return i + 1;
			}
			sc->st = 1;
		} else if (p[i] == '\r' && sc->st == 1) {
			sc->st = 2;
		} else {
			sc->st = 0;
		}
	}
	sc->n += len;
	return 0;
}

/* ---- lines and tokens ------------------------------------------------ */

/* RFC 9110 5.6.2 tchar. */
static bool
tool_http_tchar(uint8_t c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z')) {
		return true;
	}
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/*
 * Takes the next line off *rest into *line, without its CRLF or LF.
 * Returns false if there is no complete line or it holds a bare CR.
 */
static bool
tool_http_line(struct erg_view *rest, struct erg_view *line)
{
	const uint8_t *lf = memchr(rest->p, '\n', rest->len);
	size_t n, k;

	if (lf == NULL) {
		return false;
	}
	n = (size_t)(lf - rest->p);
	line->p = rest->p;
	line->len = n > 0 && rest->p[n - 1] == '\r' ? n - 1 : n;
	for (k = 0; k < line->len; k++) {
		if (line->p[k] == '\r') {
			return false;
		}
	}
	rest->p += n + 1;
	rest->len -= n + 1;
	return true;
}

/* v equals the literal s, ASCII case-insensitively. */
static bool
tool_http_eq_ci(struct erg_view v, const char *s)
{
	size_t k, n = strlen(s);

	if (v.len != n) {
		return false;
	}
	for (k = 0; k < n; k++) {
		uint8_t a = v.p[k], b = (uint8_t)s[k];

		if (a >= 'A' && a <= 'Z') {
			a = (uint8_t)(a + 32);
		}
		if (b >= 'A' && b <= 'Z') {
			b = (uint8_t)(b + 32);
		}
		if (a != b) {
			return false;
		}
	}
	return true;
}

static bool
tool_http_eq(struct erg_view v, const char *s)
{
	return v.len == strlen(s) && memcmp(v.p, s, v.len) == 0;
}

/* Drops spaces and tabs at both ends of *v (RFC 9110 5.6.3 OWS). */
static void
tool_http_trim(struct erg_view *v)
{
	while (v->len > 0 && (v->p[0] == ' ' || v->p[0] == '\t')) {
		v->p++;
		v->len--;
	}
	while (v->len > 0 &&
	    (v->p[v->len - 1] == ' ' || v->p[v->len - 1] == '\t')) {
		v->len--;
	}
}

/*
 * Splits a field line into name and value (trimmed). False for a line
 * that is not "token ':' value" with a value free of control characters.
 */
static bool
tool_http_field(struct erg_view line, struct erg_view *name,
    struct erg_view *value)
{
	size_t k = 0;

	while (k < line.len && tool_http_tchar(line.p[k])) {
		k++;
	}
	/* No whitespace between name and colon (RFC 9112 5.1). */
	if (k == 0 || k == line.len || line.p[k] != ':') {
		return false;
	}
	name->p = line.p;
	name->len = k;
	value->p = line.p + k + 1;
	value->len = line.len - k - 1;
	tool_http_trim(value);
	for (k = 0; k < value->len; k++) {
		if ((value->p[k] < 0x20 && value->p[k] != '\t') ||
		    value->p[k] == 0x7f) {
			return false;
		}
	}
	return true;
}

/*
 * Calls fn for each comma-separated element of v, trimmed, empty ones
 * skipped (RFC 9110 5.6.1). Stops and returns false when fn does.
 */
static bool
tool_http_list(struct erg_view v, bool (*fn)(void *ctx, struct erg_view e),
    void *ctx)
{
	while (v.len > 0) {
		const uint8_t *comma = memchr(v.p, ',', v.len);
		struct erg_view e;

		e.p = v.p;
		e.len = comma != NULL ? (size_t)(comma - v.p) : v.len;
		v.p += e.len;
		v.len -= e.len;
		if (comma != NULL) {
			v.p++;
			v.len--;
		}
		tool_http_trim(&e);
		if (e.len > 0 && !fn(ctx, e)) {
			return false;
		}
	}
	return true;
}

/* A decimal length of 1 to 19 digits, at most TOOL_HTTP_LENGTH_MAX. */
static bool
tool_http_dec(struct erg_view v, uint64_t *out)
{
	uint64_t x = 0;
	size_t k;

	if (v.len == 0 || v.len > 19) {
		return false;
	}
	for (k = 0; k < v.len; k++) {
		if (v.p[k] < '0' || v.p[k] > '9') {
			return false;
		}
		x = x * 10 + (uint64_t)(v.p[k] - '0');
	}
	if (x > TOOL_HTTP_LENGTH_MAX) {
		return false;
	}
	*out = x;
	return true;
}

/* Content-Length: one value, or a list of one value repeated (9110 8.6). */
struct tool_http_cl {
	bool have;
	bool bad;
	uint64_t v;
};

static bool
tool_http_cl_elem(void *ctx, struct erg_view e)
{
	struct tool_http_cl *cl = ctx;
	uint64_t v;

	if (!tool_http_dec(e, &v) || (cl->have && v != cl->v)) {
		cl->bad = true;
		return false;
	}
	cl->have = true;
	cl->v = v;
	return true;
}

static bool
tool_http_cl_field(struct tool_http_cl *cl, struct erg_view value)
{
	struct tool_http_cl before = *cl;

	cl->have = false;
	(void)tool_http_list(value, tool_http_cl_elem, cl);
	if (cl->bad || !cl->have) {
		return false;
	}
	/* A second Content-Length field must agree with the first. */
	return !before.have || before.v == cl->v;
}

/* Connection options (RFC 9110 7.6.1). */
struct tool_http_connopt {
	bool close;
	bool keep_alive;
};

static bool
tool_http_conn_elem(void *ctx, struct erg_view e)
{
	struct tool_http_connopt *co = ctx;

	if (tool_http_eq_ci(e, "close")) {
		co->close = true;
	} else if (tool_http_eq_ci(e, "keep-alive")) {
		co->keep_alive = true;
	}
	return true;
}

/* Transfer-Encoding: is the last coding chunked? */
struct tool_http_te {
	bool last_chunked;
};

static bool
tool_http_te_elem(void *ctx, struct erg_view e)
{
	struct tool_http_te *te = ctx;

	te->last_chunked = tool_http_eq_ci(e, "chunked");
	return true;
}

/* "HTTP/" DIGIT "." DIGIT: *major, *minor. */
static bool
tool_http_version(struct erg_view v, unsigned *major, unsigned *minor)
{
	if (v.len != 8 || memcmp(v.p, "HTTP/", 5) != 0 || v.p[5] < '0' ||
	    v.p[5] > '9' || v.p[6] != '.' || v.p[7] < '0' || v.p[7] > '9') {
		return false;
	}
	*major = (unsigned)(v.p[5] - '0');
	*minor = (unsigned)(v.p[7] - '0');
	return true;
}

/* ---- requests ----------------------------------------------------------- */

/* method SP request-target SP HTTP-version (RFC 9112 3). */
static unsigned
tool_http_req_line(struct tool_http_req *r, struct erg_view line)
{
	const uint8_t *sp1, *sp2;
	struct erg_view ver;
	unsigned major, minor;
	size_t k;

	sp1 = memchr(line.p, ' ', line.len);
	if (sp1 == NULL || sp1 == line.p) {
		return 400;
	}
	r->method_name = erg_view_make(line.p, (size_t)(sp1 - line.p));
	for (k = 0; k < r->method_name.len; k++) {
		if (!tool_http_tchar(r->method_name.p[k])) {
			return 400;
		}
	}
	sp2 = memchr(sp1 + 1, ' ', line.len - r->method_name.len - 1);
	if (sp2 == NULL || sp2 == sp1 + 1) {
		return 400;
	}
	r->target = erg_view_make(sp1 + 1, (size_t)(sp2 - sp1 - 1));
	for (k = 0; k < r->target.len; k++) {
		if (r->target.p[k] <= 0x20 || r->target.p[k] >= 0x7f) {
			return 400;
		}
	}
	ver = erg_view_make(sp2 + 1, line.len - (size_t)(sp2 + 1 - line.p));
	if (!tool_http_version(ver, &major, &minor)) {
		return 400;
	}
	if (major != 1) {
		return 505;
	}
	r->version = minor == 0 ? 10 : 11;
	if (tool_http_eq(r->method_name, "GET")) {
		r->method = TOOL_HTTP_GET;
	} else if (tool_http_eq(r->method_name, "HEAD")) {
		r->method = TOOL_HTTP_HEAD;
	} else {
		r->method = TOOL_HTTP_OTHER;
	}
	return 0;
}

/*
 * The path of the target: origin-form "/p?q" gives "/p"; absolute-form
 * "http://host/p?q" (RFC 9112 3.2.2) gives "/p", or "/" without a path.
 */
static void
tool_http_req_path(struct tool_http_req *r)
{
	struct erg_view t = r->target;
	const uint8_t *q;

	if (t.len >= 7 && tool_http_eq_ci(erg_view_make(t.p, 7), "http://")) {
		const uint8_t *slash = memchr(t.p + 7, '/', t.len - 7);

		if (slash == NULL) {
			r->path = erg_view_make("/", 1);
			return;
		}
		t.len -= (size_t)(slash - t.p);
		t.p = slash;
	}
	q = memchr(t.p, '?', t.len);
	if (q != NULL) {
		t.len = (size_t)(q - t.p);
	}
	r->path = t;
}

unsigned
tool_http_req_parse(struct tool_http_req *r, const uint8_t *p, size_t len)
{
	struct erg_view rest = erg_view_make(p, len), line, name, value;
	struct tool_http_connopt co = { false, false };
	struct tool_http_cl cl = { false, false, 0 };
	unsigned st, hosts = 0;
	bool te = false;

	memset(r, 0, sizeof(*r));
	if (!tool_http_line(&rest, &line)) {
		return 400;
	}
	st = tool_http_req_line(r, line);
	if (st != 0) {
		return st;
	}
	for (;;) {
		if (!tool_http_line(&rest, &line)) {
			return 400; /* no empty line, or a bare CR */
		}
		if (line.len == 0) {
			break;
		}
		/* Obsolete line folding (RFC 9112 5.2) is refused. */
		if (line.p[0] == ' ' || line.p[0] == '\t' ||
		    !tool_http_field(line, &name, &value)) {
			return 400;
		}
		if (tool_http_eq_ci(name, "host")) {
			hosts++;
		} else if (tool_http_eq_ci(name, "content-length")) {
			if (!tool_http_cl_field(&cl, value)) {
				return 400;
			}
		} else if (tool_http_eq_ci(name, "transfer-encoding")) {
			te = true;
		} else if (tool_http_eq_ci(name, "connection")) {
			(void)tool_http_list(value, tool_http_conn_elem, &co);
		}
	}
	if (rest.len != 0) {
		return 400; /* the caller gave more than one head */
	}
	/* RFC 9112 3.2: exactly one Host in an HTTP/1.1 request. */
	if (hosts > 1 || (r->version == 11 && hosts == 0)) {
		return 400;
	}
	if (te) {
		return 501;
	}
	r->have_body = cl.have;
	r->content_length = cl.have ? cl.v : 0;
	r->keep_alive =
	    r->version == 11 ? !co.close : co.keep_alive && !co.close;
	tool_http_req_path(r);
	return 0;
}

/* ---- responses ---------------------------------------------------------- */

int
tool_http_resp_parse(struct tool_http_resp *r, const uint8_t *p, size_t len)
{
	struct erg_view rest = erg_view_make(p, len), line, name, value;
	struct tool_http_connopt co = { false, false };
	struct tool_http_cl cl = { false, false, 0 };
	struct tool_http_te te = { false };
	unsigned major, minor;
	bool have_te = false;

	memset(r, 0, sizeof(*r));
	if (!tool_http_line(&rest, &line)) {
		return -1;
	}
	r->status_line = line;
	/* HTTP-version SP 3DIGIT SP [reason] (RFC 9112 4). */
	if (line.len < 12 ||
	    !tool_http_version(erg_view_make(line.p, 8), &major, &minor) ||
	    major != 1 || line.p[8] != ' ' || line.p[9] < '1' ||
	    line.p[9] > '5' || line.p[10] < '0' || line.p[10] > '9' ||
	    line.p[11] < '0' || line.p[11] > '9' ||
	    (line.len > 12 && line.p[12] != ' ')) {
		return -1;
	}
	r->version = minor == 0 ? 10 : 11;
	r->status = (unsigned)(line.p[9] - '0') * 100 +
	    (unsigned)(line.p[10] - '0') * 10 + (unsigned)(line.p[11] - '0');
	for (;;) {
		if (!tool_http_line(&rest, &line)) {
			return -1;
		}
		if (line.len == 0) {
			break;
		}
		if (line.p[0] == ' ' || line.p[0] == '\t' ||
		    !tool_http_field(line, &name, &value)) {
			return -1;
		}
		if (tool_http_eq_ci(name, "content-length")) {
			if (!tool_http_cl_field(&cl, value)) {
				return -1;
			}
		} else if (tool_http_eq_ci(name, "transfer-encoding")) {
			have_te = true;
			(void)tool_http_list(value, tool_http_te_elem, &te);
		} else if (tool_http_eq_ci(name, "connection")) {
			(void)tool_http_list(value, tool_http_conn_elem, &co);
		}
	}
	if (rest.len != 0) {
		return -1;
	}
	r->close = co.close || (r->version == 10 && !co.keep_alive);
	/* RFC 9112 6.3: Transfer-Encoding overrides Content-Length. */
	if (have_te) {
		r->chunked = te.last_chunked;
		r->until_close = !te.last_chunked;
	} else if (cl.have) {
		r->have_length = true;
		r->content_length = cl.v;
	} else {
		r->until_close = true;
	}
	return 0;
}

bool
tool_http_resp_has_body(unsigned status, bool head_request)
{
	return !head_request && status >= 200 && status != 204 && status != 304;
}

const char *
tool_http_reason(unsigned status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 431:
		return "Request Header Fields Too Large";
	case 501:
		return "Not Implemented";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Unknown";
	}
}

size_t
tool_http_resp_head(char *buf, size_t cap, unsigned status, const char *ctype,
    uint64_t length, enum tool_http_conn conn, const char *allow)
{
	const char *connection = "";
	int n;

	if (conn == TOOL_HTTP_CONN_CLOSE) {
		connection = "Connection: close\r\n";
	} else if (conn == TOOL_HTTP_CONN_KEEPALIVE) {
		connection = "Connection: keep-alive\r\n";
	}
	n = snprintf(buf, cap,
	    "HTTP/1.1 %u %s\r\n"
	    "Server: erg-echo\r\n"
	    "%s%s%s"
	    "Content-Length: %llu\r\n"
	    "%s"
	    "%s%s%s"
	    "\r\n",
	    status, tool_http_reason(status),
	    ctype != NULL ? "Content-Type: " : "", ctype != NULL ? ctype : "",
	    ctype != NULL ? "\r\n" : "", (unsigned long long)length, connection,
	    allow != NULL ? "Allow: " : "", allow != NULL ? allow : "",
	    allow != NULL ? "\r\n" : "");
	if (n < 0 || (size_t)n >= cap) {
		return 0;
	}
	return (size_t)n;
}

/* ---- chunked ------------------------------------------------------------ */

enum {
	CH_SIZE = 0, /* chunk-size digits */
	CH_EXT,      /* extension, up to LF */
	CH_SIZE_LF,  /* after CR of the size line */
	CH_DATA,     /* chunk data */
	CH_DATA_CR,  /* CRLF after the data */
	CH_DATA_LF,
	CH_TRAILER, /* at the start of a trailer line */
	CH_TRAILER_LINE,
	CH_TRAILER_END_LF,
	CH_DONE,
	CH_BAD
};

void
tool_http_chunked_init(struct tool_http_chunked *ch)
{
	memset(ch, 0, sizeof(*ch));
	ch->st = CH_SIZE;
}

/* The size line ended: data follows, or the last chunk's trailer. */
static unsigned
tool_http_chunk_sized(struct tool_http_chunked *ch)
{
	if (ch->digits == 0) {
		return CH_BAD;
	}
	return ch->left == 0 ? CH_TRAILER : CH_DATA;
}

/* One byte in any state but CH_DATA: the next state. */
static unsigned
tool_http_chunk_byte(struct tool_http_chunked *ch, uint8_t c)
{
	int d;

	switch (ch->st) {
	case CH_SIZE:
		d = tool_hex(c);
		if (d >= 0) {
			if (ch->digits == TOOL_HTTP_CHUNK_DIGITS ||
			    ch->left > TOOL_HTTP_LENGTH_MAX >> 4) {
				return CH_BAD;
			}
			ch->left = ch->left << 4 | (uint64_t)d;
			ch->digits++;
			return CH_SIZE;
		}
		if (c == ';' || c == ' ' || c == '\t') {
			ch->skip = 0;
			return ch->digits == 0 ? CH_BAD : CH_EXT;
		}
		if (c == '\r') {
			return CH_SIZE_LF;
		}
		return c == '\n' ? tool_http_chunk_sized(ch) : CH_BAD;
	case CH_EXT:
		if (c == '\n') {
			return tool_http_chunk_sized(ch);
		}
		return ++ch->skip > TOOL_HTTP_LINE_MAX ? CH_BAD : CH_EXT;
	case CH_SIZE_LF:
		return c == '\n' ? tool_http_chunk_sized(ch) : CH_BAD;
	case CH_DATA_CR:
		if (c == '\r') {
			return CH_DATA_LF;
		}
		if (c == '\n') {
			break;
		}
		return CH_BAD;
	case CH_DATA_LF:
		if (c == '\n') {
			break;
		}
		return CH_BAD;
	case CH_TRAILER:
		if (c == '\r') {
			return CH_TRAILER_END_LF;
		}
		if (c == '\n') {
			return CH_DONE;
		}
		ch->skip = 1;
		return ++ch->trailer > TOOL_HTTP_TRAILER_MAX ? CH_BAD :
		                                               CH_TRAILER_LINE;
	case CH_TRAILER_LINE:
		if (c == '\n') {
			return CH_TRAILER;
		}
		return ++ch->trailer > TOOL_HTTP_TRAILER_MAX ? CH_BAD :
		                                               CH_TRAILER_LINE;
	case CH_TRAILER_END_LF:
		return c == '\n' ? CH_DONE : CH_BAD;
	default:
		return CH_BAD;
	}
	/* The CRLF after a chunk's data: the next size line. */
	ch->left = 0;
	ch->digits = 0;
	return CH_SIZE;
}

int
tool_http_chunked_step(struct tool_http_chunked *ch, struct erg_view *in,
    struct erg_view *data)
{
	while (in->len > 0) {
		if (ch->st == CH_DONE) {
			return 2;
		}
		if (ch->st == CH_BAD) {
			return -1;
		}
		if (ch->st == CH_DATA) {
			size_t n =
			    in->len < ch->left ? in->len : (size_t)ch->left;

			data->p = in->p;
			data->len = n;
			in->p += n;
			in->len -= n;
			ch->left -= n;
			if (ch->left == 0) {
				ch->st = CH_DATA_CR;
			}
			return 1;
		}
		ch->st = tool_http_chunk_byte(ch, in->p[0]);
		in->p++;
		in->len--;
	}
	if (ch->st == CH_DONE) {
		return 2;
	}
	return ch->st == CH_BAD ? -1 : 0;
}
