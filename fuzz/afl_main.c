/*
 * fuzz/afl_main.c: runs a harness under AFL++ (scripts/fuzz.sh builds it).
 *
 * Built by afl-clang-fast, it uses persistent mode with shared-memory
 * test cases: one process runs up to 10000 inputs, each handed over in
 * AFL++'s buffer without a file or a fork. This relies on erg_fuzz_one
 * being deterministic and leaving no state behind, which every harness
 * guarantees (the stack harness rebuilds its stack per input).
 *
 * Built by any other compiler (no __AFL_FUZZ_TESTCASE_LEN), it reads one
 * input from standard input and runs it once, which is also how to
 * reproduce a crash by hand: fuzz_stack < crash-file.
 */
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

#ifdef __AFL_FUZZ_TESTCASE_LEN

__AFL_FUZZ_INIT();

int
main(void)
{
	unsigned char *buf;

	/* Deferred fork server: start after the process is set up. */
	__AFL_INIT();
	buf = __AFL_FUZZ_TESTCASE_BUF;
	while (__AFL_LOOP(10000)) {
		int len = __AFL_FUZZ_TESTCASE_LEN;

		(void)erg_fuzz_one(buf, (size_t)len);
	}
	return 0;
}

#else

/* Inputs larger than this are cut (AFL++'s own limit is 1 MiB). */
#define STDIN_MAX (1u << 20)

int
main(void)
{
	uint8_t *buf = malloc(STDIN_MAX);
	size_t len = 0;
	ssize_t n;

	if (buf == NULL)
		return 1;
	while (
	    len < STDIN_MAX && (n = read(0, buf + len, STDIN_MAX - len)) != 0) {
		if (n < 0) {
			perror("read");
			free(buf);
			return 1;
		}
		len += (size_t)n;
	}
	(void)erg_fuzz_one(buf, len);
	free(buf);
	return 0;
}

#endif
