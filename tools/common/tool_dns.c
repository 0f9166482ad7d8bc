/*
 * tools/common/tool_dns.c: one question run to its answer, and dig's
 * names of types and response codes (see tool_dns.h).
 *
 * Decisions: the tool's deadline is its own (--timeout), on top of the
 * resolver's tries and timeouts; when it comes first the question is
 * cancelled and reported as a timeout. Type names are the ones erg-dig
 * documents; anything else is asked as TYPEnnn, as dig prints unknown
 * types (RFC 3597 5).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/tool_dns.h"

static const struct {
	const char *name;
	uint16_t type;
} tool_dns_types[] = {
	{ "A", ERG_DNS_TYPE_A },
	{ "NS", ERG_DNS_TYPE_NS },
	{ "CNAME", ERG_DNS_TYPE_CNAME },
	{ "SOA", ERG_DNS_TYPE_SOA },
	{ "PTR", ERG_DNS_TYPE_PTR },
	{ "MX", ERG_DNS_TYPE_MX },
	{ "TXT", ERG_DNS_TYPE_TXT },
	{ "AAAA", ERG_DNS_TYPE_AAAA },
	{ "SRV", ERG_DNS_TYPE_SRV },
};

#define TOOL_DNS_TYPES_N (sizeof(tool_dns_types) / sizeof(tool_dns_types[0]))

/* RFC 1035 4.1.1 and RFC 6895 2.3, as dig names them. */
static const char *const tool_dns_rcodes[] = {
	"NOERROR",
	"FORMERR",
	"SERVFAIL",
	"NXDOMAIN",
	"NOTIMP",
	"REFUSED",
	"YXDOMAIN",
	"YXRRSET",
	"NXRRSET",
	"NOTAUTH",
	"NOTZONE",
};

bool
tool_dns_type_parse(const char *s, uint16_t *type)
{
	unsigned long v = 0;
	size_t i;

	for (i = 0; i < TOOL_DNS_TYPES_N; i++) {
		if (strcasecmp(s, tool_dns_types[i].name) == 0) {
			*type = tool_dns_types[i].type;
			return true;
		}
	}
	if (strncasecmp(s, "TYPE", 4) != 0) {
		return false;
	}
	/* 1 to 5 digits, no sign, no leading zero, 1 to 65535. */
	for (i = 4; s[i] >= '0' && s[i] <= '9' && i < 9; i++) {
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (i == 4 || s[i] != '\0' || s[4] == '0' || v > 65535) {
		return false;
	}
	*type = (uint16_t)v;
	return true;
}

void
tool_dns_type_format(char *buf, uint16_t type)
{
	size_t i;

	for (i = 0; i < TOOL_DNS_TYPES_N; i++) {
		if (tool_dns_types[i].type == type) {
			(void)snprintf(buf, TOOL_DNS_TYPE_TEXT, "%s",
			    tool_dns_types[i].name);
			return;
		}
	}
	(void)snprintf(buf, TOOL_DNS_TYPE_TEXT, "TYPE%u", type);
}

void
tool_dns_rcode_format(char *buf, unsigned rcode)
{
	if (rcode < sizeof(tool_dns_rcodes) / sizeof(tool_dns_rcodes[0])) {
		(void)snprintf(buf, 12, "%s", tool_dns_rcodes[rcode]);
	} else {
		(void)snprintf(buf, 12, "RCODE%u", rcode & 0xfffu);
	}
}

const char *
tool_dns_strerror(char *buf, size_t cap, const struct tool_dns_answer *a)
{
	char rc[12];

	tool_dns_rcode_format(rc, a->rcode);
	switch (-a->err) {
	case 0:
		(void)snprintf(buf, cap, "answered (NOERROR)");
		break;
	case ERG_ENXDOMAIN:
		(void)snprintf(buf, cap, "no such name (NXDOMAIN)");
		break;
	case ERG_ENODATA:
		(void)snprintf(buf, cap,
		    "no record of that type (NOERROR, no data)");
		break;
	case ERG_ESERVFAIL:
		(void)snprintf(buf, cap, "the servers failed or refused (%s)",
		    a->rcode != 0 ? rc : "SERVFAIL");
		break;
	case ERG_ETIMEDOUT:
		(void)snprintf(buf, cap, "no answer (timed out)");
		break;
	case ERG_ELOOP:
		(void)snprintf(buf, cap,
		    "the CNAME chain is longer than %u links or loops (ELOOP)",
		    ERG_DNS_CNAME_MAX);
		break;
	case ERG_EHOSTUNREACH:
		(void)snprintf(buf, cap,
		    "no DNS server known (give --dns, or --dhcp with a "
		    "server that names one)");
		break;
	case ERG_ENOMEM:
		(void)snprintf(buf, cap,
		    "the resolver is out of query slots (ENOMEM)");
		break;
	default:
		(void)snprintf(buf, cap, "%s", erg_strerror(a->err));
		break;
	}
	return buf;
}

void
tool_dns_servers_format(char *buf, size_t cap, const struct erg_stack *s)
{
	uint32_t sv[ERG_DNS_SERVERS_MAX];
	char a[16];
	size_t len = 0;
	unsigned n, i;
	int w;

	n = erg_dns_servers(s, sv, ERG_DNS_SERVERS_MAX);
	(void)snprintf(buf, cap, "none");
	for (i = 0; i < n && len < cap; i++) {
		tool_ipv4_format(a, sv[i]);
		w = snprintf(buf + len, cap - len, "%s%s", i == 0 ? "" : ", ",
		    a);
		if (w < 0) {
			break;
		}
		len += (size_t)w;
	}
}

/* The question in flight, for the callback and the loop's step. */
struct tool_dns_wait {
	struct tool_dns_answer *a;
	struct erg_dns_query *q; /* NULL once answered */
	uint64_t deadline;
};

static void
tool_dns_result(void *ctx, const struct erg_dns_result *r)
{
	struct tool_dns_wait *w = ctx;
	struct tool_dns_answer *a = w->a;

	w->q = NULL;
	a->done = true;
	a->err = r->err;
	a->rcode = r->rcode;
	a->from_cache = r->from_cache;
	a->server = r->server;
	a->ttl = r->ttl;
	a->len = 0;
	if (r->msg.len > 0) {
		/* Lent for the callback only: keep a copy. */
		a->msg = malloc(r->msg.len);
		if (a->msg == NULL) {
			a->err = -ERG_ENOMEM;
			return;
		}
		memcpy(a->msg, r->msg.p, r->msg.len);
		a->len = r->msg.len;
	}
}

static bool
tool_dns_step(void *ctx, uint64_t now, uint64_t *next)
{
	struct tool_dns_wait *w = ctx;

	if (w->a->done) {
		return false;
	}
	if (now >= w->deadline) {
		return false;
	}
	*next = w->deadline;
	return true;
}

enum tool_run_end
tool_dns_ask(struct tool_dns_answer *a, struct tool_link *l,
    const struct tool_info *ti, const struct tool_options *o,
    struct tool_stack *ts, const char *name, uint16_t type,
    uint64_t deadline_us)
{
	struct tool_dns_wait w;
	enum tool_run_end end;
	int rc;

	memset(a, 0, sizeof(*a));
	w.a = a;
	w.q = NULL;
	w.deadline = deadline_us;
	/* The stack's clock: now, not when it last ran. */
	(void)erg_stack_poll(ts->s, erg_host_now_us());
	rc = erg_dns_resolve(ts->s, name, strlen(name), type, tool_dns_result,
	    &w, &w.q);
	if (rc != 0) {
		a->done = true;
		a->err = rc;
		return TOOL_RUN_STEP;
	}
	end = a->done ? TOOL_RUN_STEP :
	                tool_link_run(l, ti, o, ts, tool_dns_step, &w);
	if (!a->done) {
		if (w.q != NULL) {
			erg_dns_cancel(ts->s, w.q);
		}
		if (end == TOOL_RUN_STEP) {
			/* The tool's deadline came first. */
			a->done = true;
			a->err = -ERG_ETIMEDOUT;
		}
	}
	return end;
}

void
tool_dns_answer_free(struct tool_dns_answer *a)
{
	free(a->msg);
	a->msg = NULL;
	a->len = 0;
}
