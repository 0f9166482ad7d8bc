/*
 * tests/unit/test_tls_name.c: erg_tls_name_match, the host name rule of
 * erg/tls.h (RFC 6125 section 6.4, as browsers apply it), case by case.
 *
 * The same table holds for BearSSL's certificate check (x509_minimal's
 * match-server-name) except where a row says otherwise: BearSSL takes
 * "*.erg.test" for ".erg.test" (an empty label) and does not drop a
 * trailing dot; erg refuses the first and ignores the second, so that an
 * SNI name and a pattern compare as DNS names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "erg/erg.h"
#include "erg/tls.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct row {
	const char *pattern;
	const char *host;
	bool match;
};

static void
run(const struct row *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		bool got = erg_tls_name_match(rows[i].pattern, rows[i].host);

		if (got != rows[i].match) {
			fail_msg("erg_tls_name_match(\"%s\", \"%s\") = %d, "
			         "expected %d",
			    rows[i].pattern, rows[i].host, got, rows[i].match);
		}
	}
}

static void
test_exact(void **state)
{
	static const struct row rows[] = {
		{ "erg.test", "erg.test", true },
		{ "www.erg.test", "www.erg.test", true },
		{ "erg.test", "erg.tes", false },
		{ "erg.test", "erg.testx", false },
		{ "erg.test", "xerg.test", false },
		{ "www.erg.test", "erg.test", false },
		{ "erg.test", "www.erg.test", false },
		{ "localhost", "localhost", true },
		{ "a", "b", false },
	};

	(void)state;
	run(rows, NELEM(rows));
}

/* RFC 4343: ASCII letters only. */
static void
test_case(void **state)
{
	static const struct row rows[] = {
		{ "ERG.test", "erg.TEST", true },
		{ "Www.Erg.Test", "wWW.eRG.tEST", true },
		{ "*.ERG.TEST", "www.erg.test", true },
		{ "*.erg.test", "WWW.Erg.Test", true },
		/* '@' (0x40) and '[' (0x5b) border 'A'..'Z': not letters. */
		{ "@.test", "`.test", false },
		{ "[.test", "{.test", false },
		{ "erg-1.test", "ERG-1.TEST", true },
	};

	(void)state;
	run(rows, NELEM(rows));
}

/* One trailing dot on either side is dropped (BearSSL: not dropped). */
static void
test_trailing_dot(void **state)
{
	static const struct row rows[] = {
		{ "erg.test.", "erg.test", true },
		{ "erg.test", "erg.test.", true },
		{ "erg.test.", "erg.test.", true },
		{ "*.erg.test.", "a.erg.test", true },
		{ "*.erg.test", "a.erg.test.", true },
		/* One only. */
		{ "erg.test..", "erg.test", false },
		{ "erg.test", "erg.test..", false },
		{ "erg.test..", "erg.test..", true },
		/* A dot alone is an empty name. */
		{ ".", ".", false },
		{ "erg.test", ".", false },
	};

	(void)state;
	run(rows, NELEM(rows));
}

/* "*." covers exactly one non-empty left-most label. */
static void
test_wildcard(void **state)
{
	static const struct row rows[] = {
		{ "*.erg.test", "a.erg.test", true },
		{ "*.erg.test", "www.erg.test", true },
		{ "*.erg.test", "xn--bcher-kva.erg.test", true },
		{ "*.erg.test", "a-b-c.erg.test", true },
		/* Two labels. */
		{ "*.erg.test", "a.b.erg.test", false },
		{ "*.erg.test", "www.a.erg.test", false },
		/* The bare domain. */
		{ "*.erg.test", "erg.test", false },
		{ "*.erg.test", "erg.test.", false },
		/* An empty label (BearSSL: matches). */
		{ "*.erg.test", ".erg.test", false },
		{ "*.erg.test", "a..erg.test", false },
		/* No dot at all, a different suffix. */
		{ "*.erg.test", "erg", false },
		{ "*.erg.test", "aerg.test", false },
		{ "*.erg.test", "a.erg.tes", false },
		{ "*.erg.test", "a.erg.testx", false },
		{ "*.erg.test", "a.xerg.test", false },
		/* One label over a one-label suffix: still one label. */
		{ "*.test", "erg.test", true },
		{ "*.test", "a.erg.test", false },
		/* A host that is itself the pattern. */
		{ "*.erg.test", "*.erg.test", true },
	};

	(void)state;
	run(rows, NELEM(rows));
}

/* '*' anywhere else, or as part of a label, is an ordinary byte. */
static void
test_star_literal(void **state)
{
	static const struct row rows[] = {
		{ "f*.erg.test", "foo.erg.test", false },
		{ "f*.erg.test", "f.erg.test", false },
		{ "f*.erg.test", "f*.erg.test", true },
		{ "*f.erg.test", "af.erg.test", false },
		{ "*f.erg.test", "f.erg.test", false },
		{ "*f.erg.test", "*f.erg.test", true },
		{ "a.*.erg.test", "a.b.erg.test", false },
		{ "a.*.erg.test", "a.*.erg.test", true },
		{ "erg.*", "erg.test", false },
		{ "erg.*", "erg.*", true },
		{ "**.erg.test", "a.erg.test", false },
		{ "**.erg.test", "**.erg.test", true },
		/* Only the first "*." is a wildcard. */
		{ "*.*.erg.test", "a.b.erg.test", false },
		{ "*.*.erg.test", "a.*.erg.test", true },
		/* "*" alone, and "*." (the dot is a trailing one). */
		{ "*", "*", true },
		{ "*", "a", false },
		{ "*", "erg.test", false },
		{ "*.", "a", false },
		{ "*.", "*", true },
	};

	(void)state;
	run(rows, NELEM(rows));
}

/* No IDNA mapping: A-labels and UTF-8 compare as bytes. */
static void
test_idna(void **state)
{
	static const struct row rows[] = {
		{ "xn--bcher-kva.example", "xn--bcher-kva.example", true },
		{ "XN--BCHER-KVA.example", "xn--bcher-kva.example", true },
		/* The A-label of b\u00fccher, against its U-label. */
		{ "xn--bcher-kva.example", "b\u00fccher.example", false },
		{ "b\u00fccher.example", "b\u00fccher.example", true },
		/* U+00DC against U+00FC: no case folding beyond ASCII. */
		{ "B\u00dcCHER.example", "b\u00fccher.example", false },
		{ "*.example", "b\u00fccher.example", true },
	};

	(void)state;
	assert_int_equal(strlen("b\u00fccher"), 7); /* UTF-8: 2 bytes */
	run(rows, NELEM(rows));
}

static void
test_empty(void **state)
{
	static const struct row rows[] = {
		{ "", "", false },
		{ "", "erg.test", false },
		{ "erg.test", "", false },
		{ "*.erg.test", "", false },
		{ "*.", "", false },
		{ "", ".", false },
	};

	(void)state;
	run(rows, NELEM(rows));
	assert_false(erg_tls_name_match(NULL, "erg.test"));
	assert_false(erg_tls_name_match("erg.test", NULL));
	assert_false(erg_tls_name_match(NULL, NULL));
}

/* name of n bytes: "a.a.a...", ending in 'a'. */
static void
long_name(char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		buf[i] = (i % 2 == 0) ? 'a' : '.';
	}
	buf[n - 1] = 'a';
	buf[n] = '\0';
}

static void
test_overlong(void **state)
{
	char max[ERG_TLS_NAME_MAX + 1], over[ERG_TLS_NAME_MAX + 2];
	char maxdot[ERG_TLS_NAME_MAX + 2], overdot[ERG_TLS_NAME_MAX + 3];
	char wild[ERG_TLS_NAME_MAX + 1], huge[4096];

	(void)state;
	assert_int_equal(ERG_TLS_NAME_MAX % 2, 1); /* long_name ends in 'a' */
	long_name(max, ERG_TLS_NAME_MAX);
	long_name(over, ERG_TLS_NAME_MAX + 1);
	assert_int_equal(strlen(max), ERG_TLS_NAME_MAX);
	assert_int_equal(strlen(over), ERG_TLS_NAME_MAX + 1);
	memcpy(maxdot, max, ERG_TLS_NAME_MAX);
	memcpy(maxdot + ERG_TLS_NAME_MAX, ".", 2);
	memcpy(overdot, over, ERG_TLS_NAME_MAX + 1);
	memcpy(overdot + ERG_TLS_NAME_MAX + 1, ".", 2);

	/* ERG_TLS_NAME_MAX bytes, a trailing dot not counted. */
	assert_true(erg_tls_name_match(max, max));
	assert_true(erg_tls_name_match(maxdot, max));
	assert_true(erg_tls_name_match(max, maxdot));
	/* One more: nothing, not even itself. */
	assert_false(erg_tls_name_match(over, over));
	assert_false(erg_tls_name_match(overdot, overdot));
	assert_false(erg_tls_name_match(over, max));
	/* A wildcard over a host of the longest length. */
	memcpy(wild, "*.", 2);
	memcpy(wild + 2, max + 2, ERG_TLS_NAME_MAX - 1);
	assert_true(erg_tls_name_match(wild, max));
	assert_false(erg_tls_name_match(wild, over));
	/* Much longer, with the same prefix as a good pattern. */
	memset(huge, 'a', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	assert_false(erg_tls_name_match(huge, huge));
	assert_false(erg_tls_name_match("*.aaaa", huge));
	huge[ERG_TLS_NAME_MAX] = '\0';
	assert_true(erg_tls_name_match(huge, huge));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact),
		cmocka_unit_test(test_case),
		cmocka_unit_test(test_trailing_dot),
		cmocka_unit_test(test_wildcard),
		cmocka_unit_test(test_star_literal),
		cmocka_unit_test(test_idna),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_overlong),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
