/*
 * src/tls/tls_name.c: host name matching (RFC 6125 section 6.4), for the
 * server's choice of certificate by SNI (RFC 6066 section 3).
 *
 * The rules are erg/tls.h's, those browsers apply (RFC 6125 6.4.3 leaves
 * the details to the client):
 * - ASCII letters compare without case (DNS names are case-insensitive,
 *   RFC 4343); every other byte, UTF-8 included, compares as it is: no
 *   IDNA mapping, so an A-label ("xn--...") matches only itself;
 * - one trailing dot (a fully qualified name) is dropped on either side;
 * - a pattern starting with "*." matches a host whose first label is not
 *   empty and whose rest equals what follows "*." (RFC 6125 6.4.3: the
 *   wildcard covers the left-most label only, and exactly one label);
 * - any other '*' ("f*.example.com", "a.*.example.com", "*") is an
 *   ordinary byte;
 * - an empty name, or one longer than ERG_TLS_NAME_MAX, matches nothing.
 *
 * Pure and bounded: neither string is read past ERG_TLS_NAME_MAX + 2
 * bytes.
 */
#include "tls_int.h"

/*
 * Length of s without one trailing dot, or 0 when s is empty (or only
 * ".") or longer than ERG_TLS_NAME_MAX (a trailing dot not counted).
 */
static size_t
name_len(const char *s)
{
	size_t n = 0;

	while (n <= ERG_TLS_NAME_MAX + 1 && s[n] != '\0') {
		n++;
	}
	if (n > 0 && s[n - 1] == '.') {
		n--;
	}
	if (n > ERG_TLS_NAME_MAX) {
		return 0;
	}
	return n;
}

static unsigned char
lower(unsigned char c)
{
	if (c >= 'A' && c <= 'Z') {
		return (unsigned char)(c - 'A' + 'a');
	}
	return c;
}

/* a and b, n bytes each, equal but for ASCII case. */
static bool
eq_nocase(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i])) {
			return false;
		}
	}
	return true;
}

bool
erg_tls_name_match(const char *pattern, const char *host)
{
	size_t pn, hn, label;

	if (pattern == NULL || host == NULL) {
		return false;
	}
	pn = name_len(pattern);
	hn = name_len(host);
	if (pn == 0 || hn == 0) {
		return false;
	}
	/*
	 * "*." and something after it: the wildcard. "*." alone (pn 2) has
	 * nothing after the dot and stays literal, as '*' does elsewhere.
	 */
	if (pn > 2 && pattern[0] == '*' && pattern[1] == '.') {
		label = 0;
		while (label < hn && host[label] != '.') {
			label++;
		}
		/* One label, never empty, then exactly the pattern's rest. */
		if (label == 0 || label == hn) {
			return false;
		}
		return hn - label == pn - 1 &&
		    eq_nocase(host + label, pattern + 1, pn - 1);
	}
	return pn == hn && eq_nocase(pattern, host, pn);
}
