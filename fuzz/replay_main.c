/*
 * fuzz/replay_main.c: runs a harness over files, for make test.
 *
 *	fuzz_<target> PATH...
 *
 * Each PATH is a file, or a directory whose regular files (and those of
 * its subdirectories, one level down) are each one input. Names are
 * sorted (strcmp) so that every run replays in the same order; names
 * starting with '.' are skipped. Prints "replay: N inputs" and exits 0.
 * A PATH that does not exist, or a file that cannot be read, is an error
 * (exit 1): a corpus that went missing must not pass as an empty one.
 *
 * A harness that breaks an invariant aborts; the handler below names the
 * input it was running first, so the failure points at a file.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

#define DEPTH_MAX 1 /* subdirectory levels below a PATH */

static const char *current; /* the input being run, for the handler */

static void
on_fatal(int sig)
{
	static const char pre[] = "replay: crashed on input: ";
	const char *p = current != NULL ? current : "(none)";

	/* Only async-signal-safe calls here. */
	(void)!write(2, pre, sizeof(pre) - 1);
	(void)!write(2, p, strlen(p));
	(void)!write(2, "\n", 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

static int
run_file(const char *path, size_t size, unsigned long *count)
{
	FILE *fp;
	uint8_t *buf;
	size_t got;

	/*
	 * An exactly-sized buffer, so that AddressSanitizer reports a read
	 * even one byte past the input.
	 */
	buf = malloc(size ? size : 1);
	if (buf == NULL) {
		fprintf(stderr, "replay: %s: out of memory\n", path);
		return -1;
	}
	fp = fopen(path, "rb");
	if (fp == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		free(buf);
		return -1;
	}
	got = fread(buf, 1, size, fp);
	if (got != size || ferror(fp)) {
		fprintf(stderr, "replay: %s: short read\n", path);
		fclose(fp);
		free(buf);
		return -1;
	}
	fclose(fp);
	current = path;
	(void)erg_fuzz_one(buf, size);
	current = NULL;
	free(buf);
	(*count)++;
	return 0;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_path(const char *path, int depth, unsigned long *count);

static int
run_dir(const char *path, int depth, unsigned long *count)
{
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	int rc = 0;

	d = opendir(path);
	if (d == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **nn;

			cap = cap ? cap * 2 : 64;
			nn = realloc(names, cap * sizeof(*names));
			if (nn == NULL) {
				fprintf(stderr, "replay: out of memory\n");
				rc = -1;
				break;
			}
			names = nn;
		}
		names[n] = malloc(strlen(path) + strlen(de->d_name) + 2);
		if (names[n] == NULL) {
			fprintf(stderr, "replay: out of memory\n");
			rc = -1;
			break;
		}
		sprintf(names[n], "%s/%s", path, de->d_name);
		n++;
	}
	closedir(d);
	if (rc == 0 && n > 0)
		qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		if (rc == 0)
			rc = run_path(names[i], depth + 1, count);
		free(names[i]);
	}
	free(names);
	return rc;
}

static int
run_path(const char *path, int depth, unsigned long *count)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		if (depth > DEPTH_MAX)
			return 0;
		return run_dir(path, depth, count);
	}
	if (!S_ISREG(st.st_mode))
		return 0;
	return run_file(path, (size_t)st.st_size, count);
}

int
main(int argc, char **argv)
{
	unsigned long count = 0;
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", argv[0]);
		return 2;
	}
	signal(SIGABRT, on_fatal);
	signal(SIGSEGV, on_fatal);
	signal(SIGBUS, on_fatal);
	signal(SIGFPE, on_fatal);
	signal(SIGILL, on_fatal);
	for (i = 1; i < argc; i++) {
		if (run_path(argv[i], 0, &count) < 0) {
			fprintf(stderr,
			    "replay: %s: corpus missing or "
			    "unreadable\n",
			    argv[i]);
			return 1;
		}
	}
	printf("replay: %lu inputs\n", count);
	return 0;
}
