/*
 * src/dns/dns_text.c: DNS names and record data as text, the way dig
 * (BIND 9.18) prints them, and names from text.
 *
 * Decisions where the RFCs are silent (checked against real dig output,
 * tests/vectors/dns):
 * - Names: bytes outside 0x21..0x7e are written \DDD (three decimal
 *   digits), and . ; \ " ( ) @ $ (which mean something in zone files) as
 *   \c; the rest as they are (BIND's dns_name_totext, RFC 4343 2.1).
 * - TXT: each character-string in double quotes, separated by one space;
 *   bytes below 0x20 or from 0x7f up as \DDD, " and \ as \" and \\.
 * - AAAA as glibc's inet_ntop (which dig uses): lowercase hex without
 *   leading zeros, the longest run of two or more zero groups (the first
 *   of equals) as "::" (RFC 5952 4.2), and the last 32 bits as a dotted
 *   quad for ::a.b.c.d and ::ffff:a.b.c.d.
 * - Other types: RFC 3597 "\# LEN HEX", uppercase hex in groups of 28
 *   bytes separated by a space (dig's default +split=56); "\# 0" when
 *   empty.
 * - Names from text take no escapes: a label is any bytes but '.'.
 *
 * No libc formatting: a small writer (struct tw) counts every byte it
 * would write and stores those that fit, so that callers learn the full
 * length as snprintf would tell them.
 */
#include "dns_codec.h"

/* A bounded text writer: len counts everything, buf keeps what fits. */
struct tw {
	char *buf;
	size_t cap;
	size_t len;
};

static void
tw_init(struct tw *t, char *buf, size_t cap)
{
	t->buf = buf;
	t->cap = buf != NULL ? cap : 0;
	t->len = 0;
}

static void
tw_c(struct tw *t, char c)
{
	if (t->cap > 0 && t->len < t->cap - 1) {
		t->buf[t->len] = c;
	}
	t->len++;
}

static void
tw_s(struct tw *t, const char *s)
{
	while (*s != '\0') {
		tw_c(t, *s++);
	}
}

/* Unsigned decimal, no leading zeros. */
static void
tw_dec(struct tw *t, uint32_t v)
{
	char d[10];
	unsigned n = 0;

	do {
		d[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0) {
		tw_c(t, d[--n]);
	}
}

/* \DDD: always three digits (RFC 1035 5.1). */
static void
tw_ddd(struct tw *t, uint8_t b)
{
	tw_c(t, '\\');
	tw_c(t, (char)('0' + b / 100));
	tw_c(t, (char)('0' + b / 10 % 10));
	tw_c(t, (char)('0' + b % 10));
}

/* Lowercase hex of v without leading zeros (an IPv6 group). */
static void
tw_hex16(struct tw *t, uint16_t v)
{
	static const char hex[] = "0123456789abcdef";
	int shift;
	bool lead = true;

	for (shift = 12; shift >= 0; shift -= 4) {
		unsigned nib = (v >> shift) & 0xfu;

		if (lead && nib == 0 && shift > 0) {
			continue;
		}
		lead = false;
		tw_c(t, hex[nib]);
	}
}

/* NUL-terminates (when cap > 0) and returns the full length. */
static size_t
tw_end(struct tw *t)
{
	if (t->cap > 0) {
		t->buf[ERG_MIN(t->len, t->cap - 1)] = '\0';
	}
	return t->len;
}

bool
dns_name_ok(const struct erg_dns_name *n)
{
	size_t pos = 0;

	if (n->len == 0) {
		return false;
	}
	/* Bounded: pos grows by at least 1 each turn, up to n->len. */
	while (pos < n->len) {
		unsigned c = n->wire[pos];

		if (c == 0) {
			return pos + 1 == n->len;
		}
		if (c > ERG_DNS_LABEL_MAX || n->len - pos - 1 < c) {
			return false;
		}
		pos += 1u + c;
	}
	return false;
}

int
erg_dns_name_from_text(struct erg_dns_name *n, const char *s, size_t len)
{
	size_t i, start = 0, w = 0;

	if (s == NULL || len == 0) {
		return -ERG_EINVAL;
	}
	if (len == 1 && s[0] == '.') {
		n->wire[0] = 0;
		n->len = 1;
		return 0;
	}
	if (s[len - 1] == '.') {
		len--; /* the optional final dot */
	}
	/* Each label: its length byte, its bytes; then the root's zero. */
	for (i = 0; i <= len; i++) {
		size_t l;

		if (i < len && s[i] != '.') {
			continue;
		}
		l = i - start;
		if (l == 0 || l > ERG_DNS_LABEL_MAX ||
		    w + 1 + l + 1 > ERG_DNS_NAME_MAX) {
			return -ERG_EINVAL;
		}
		n->wire[w] = (uint8_t)l;
		memcpy(n->wire + w + 1, s + start, l);
		w += 1 + l;
		start = i + 1;
	}
	n->wire[w] = 0;
	n->len = (uint8_t)(w + 1);
	return 0;
}

/* One label byte as dig writes it inside a name. */
static void
tw_name_byte(struct tw *t, uint8_t c)
{
	switch (c) {
	case '"':
	case '(':
	case ')':
	case '.':
	case ';':
	case '\\':
	case '@':
	case '$':
		tw_c(t, '\\');
		tw_c(t, (char)c);
		return;
	default:
		if (c > 0x20 && c < 0x7f) {
			tw_c(t, (char)c);
		} else {
			tw_ddd(t, c);
		}
		return;
	}
}

/* n (checked by dns_name_ok) as text with its final dot. */
static void
tw_name(struct tw *t, const struct erg_dns_name *n)
{
	size_t pos = 0;

	if (n->wire[0] == 0) {
		tw_c(t, '.');
		return;
	}
	while (n->wire[pos] != 0) {
		size_t l = n->wire[pos], i;

		for (i = 1; i <= l; i++) {
			tw_name_byte(t, n->wire[pos + i]);
		}
		tw_c(t, '.');
		pos += 1 + l;
	}
}

size_t
erg_dns_name_to_text(const struct erg_dns_name *n, char *buf, size_t cap)
{
	struct tw t;

	tw_init(&t, buf, cap);
	if (dns_name_ok(n)) {
		tw_name(&t, n);
	}
	return tw_end(&t);
}

static uint8_t
ascii_lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + ('a' - 'A')) : c;
}

bool
erg_dns_name_eq(const struct erg_dns_name *a, const struct erg_dns_name *b)
{
	size_t i;

	/*
	 * Length bytes are at most 63, below 'A', so folding every byte
	 * compares them exactly (RFC 4343 3).
	 */
	if (a->len != b->len) {
		return false;
	}
	for (i = 0; i < a->len; i++) {
		if (ascii_lower(a->wire[i]) != ascii_lower(b->wire[i])) {
			return false;
		}
	}
	return true;
}

void
erg_dns_name_reverse4(struct erg_dns_name *n, uint32_t addr)
{
	static const uint8_t arpa[] = { 7, 'i', 'n', '-', 'a', 'd', 'd', 'r', 4,
		'a', 'r', 'p', 'a', 0 };
	size_t w = 0;
	int shift;

	/* RFC 1035 3.5: the octets in reverse order, lowest first. */
	for (shift = 0; shift < 32; shift += 8) {
		uint8_t o = (uint8_t)(addr >> shift);
		size_t at = w++;

		if (o >= 100) {
			n->wire[w++] = (uint8_t)('0' + o / 100);
		}
		if (o >= 10) {
			n->wire[w++] = (uint8_t)('0' + o / 10 % 10);
		}
		n->wire[w++] = (uint8_t)('0' + o % 10);
		n->wire[at] = (uint8_t)(w - at - 1);
	}
	memcpy(n->wire + w, arpa, sizeof(arpa));
	n->len = (uint8_t)(w + sizeof(arpa));
}

/* ---- Record data ------------------------------------------------------ */

static void
tw_ipv4(struct tw *t, const uint8_t *p)
{
	unsigned i;

	for (i = 0; i < 4; i++) {
		if (i > 0) {
			tw_c(t, '.');
		}
		tw_dec(t, p[i]);
	}
}

/* The longest run (first of equals) of >= 2 zero groups; len 0: none. */
static void
zero_run(const uint16_t *w, unsigned *base, unsigned *len)
{
	unsigned i, cur = 0;

	*base = 0;
	*len = 0;
	for (i = 0; i < 8; i++) {
		cur = w[i] == 0 ? cur + 1 : 0;
		if (cur > *len) {
			*len = cur;
			*base = i + 1 - cur;
		}
	}
	if (*len < 2) {
		*len = 0;
	}
}

static void
tw_ipv6(struct tw *t, const uint8_t *p)
{
	uint16_t w[8];
	unsigned i, base, len;

	for (i = 0; i < 8; i++) {
		w[i] = erg_be16(p + (size_t)2 * i);
	}
	zero_run(w, &base, &len);
	for (i = 0; i < 8; i++) {
		if (len > 0 && i >= base && i < base + len) {
			if (i == base) {
				tw_c(t, ':');
			}
			continue;
		}
		if (i != 0) {
			tw_c(t, ':');
		}
		/* ::a.b.c.d and ::ffff:a.b.c.d, as inet_ntop writes them. */
		if (i == 6 && len > 0 && base == 0 &&
		    (len == 6 || (len == 5 && w[5] == 0xffff))) {
			tw_ipv4(t, p + 12);
			return;
		}
		tw_hex16(t, w[i]);
	}
	if (len > 0 && base + len == 8) {
		tw_c(t, ':');
	}
}

/* TXT: every character-string quoted, one space between them. */
static void
tw_txt(struct tw *t, struct erg_view txt)
{
	size_t pos = 0;

	/* erg_dns_rdata_parse checked that the strings fill it exactly. */
	while (pos < txt.len) {
		size_t n = txt.p[pos], i;

		if (pos > 0) {
			tw_c(t, ' ');
		}
		tw_c(t, '"');
		for (i = 1; i <= n; i++) {
			uint8_t c = txt.p[pos + i];

			if (c < 0x20 || c >= 0x7f) {
				tw_ddd(t, c);
				continue;
			}
			if (c == '"' || c == '\\') {
				tw_c(t, '\\');
			}
			tw_c(t, (char)c);
		}
		tw_c(t, '"');
		pos += 1 + n;
	}
}

/* RFC 3597 5: "\# LEN HEX", split as dig splits it. */
static void
tw_unknown(struct tw *t, struct erg_view rd)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	tw_s(t, "\\# ");
	/* rdata comes from a record: at most 65535 bytes. */
	tw_dec(t, (uint32_t)rd.len);
	for (i = 0; i < rd.len; i++) {
		if (i % 28 == 0) {
			tw_c(t, ' ');
		}
		tw_c(t, hex[rd.p[i] >> 4]);
		tw_c(t, hex[rd.p[i] & 0xfu]);
	}
}

size_t
erg_dns_rdata_to_text(const struct erg_dns_msg *m, const struct erg_dns_rr *rr,
    char *buf, size_t cap)
{
	struct erg_dns_rdata d;
	struct tw t;
	unsigned i;
	int rc;

	tw_init(&t, buf, cap);
	rc = erg_dns_rdata_parse(m, rr, &d);
	if (rc == -ERG_EUNSUPPORTED) {
		tw_unknown(&t, rr->rdata);
		return tw_end(&t);
	}
	if (rc < 0) {
		(void)tw_end(&t);
		return 0;
	}
	switch (rr->type) {
	case ERG_DNS_TYPE_A:
		tw_ipv4(&t, rr->rdata.p);
		break;
	case ERG_DNS_TYPE_AAAA:
		tw_ipv6(&t, d.aaaa);
		break;
	case ERG_DNS_TYPE_MX:
		tw_dec(&t, d.pref);
		tw_c(&t, ' ');
		tw_name(&t, &d.target);
		break;
	case ERG_DNS_TYPE_SRV:
		tw_dec(&t, d.pref);
		tw_c(&t, ' ');
		tw_dec(&t, d.weight);
		tw_c(&t, ' ');
		tw_dec(&t, d.port);
		tw_c(&t, ' ');
		tw_name(&t, &d.target);
		break;
	case ERG_DNS_TYPE_SOA:
		tw_name(&t, &d.target);
		tw_c(&t, ' ');
		tw_name(&t, &d.rname);
		for (i = 0; i < 5; i++) {
			tw_c(&t, ' ');
			tw_dec(&t, d.soa[i]);
		}
		break;
	case ERG_DNS_TYPE_TXT:
		tw_txt(&t, d.txt);
		break;
	default: /* NS, CNAME, PTR */
		tw_name(&t, &d.target);
		break;
	}
	return tw_end(&t);
}
