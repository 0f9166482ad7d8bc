/*
 * netif/host/host_tls.c: reading files, and TLS trust anchors from them
 * (see erg_host.h).
 *
 * erg's TLS takes certificates and keys as bytes in memory (erg/tls.h):
 * the core has no files. This is the hosted side that reads them, for
 * the tools and for any hosted program.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "erg/tls.h"
#include "erg_host.h"

/* First allocation when the size is not known (a pipe): grown by doubling. */
#define HOST_READ_CHUNK 65536u

/* Reads fd to its end into a malloc'd buffer (NUL after the data). */
static int
host_read_fd(int fd, size_t hint, void **buf, size_t *len)
{
	size_t cap = hint > 0 ? hint + 1 : HOST_READ_CHUNK, n = 0;
	uint8_t *p = malloc(cap), *q;
	ssize_t r;

	if (p == NULL) {
		errno = ENOMEM;
		return -ERG_HOST_EFILE;
	}
	for (;;) {
		if (n + 1 == cap) {
			/* Bounded: n > ERG_HOST_FILE_MAX stops it below. */
			q = realloc(p, cap * 2);
			if (q == NULL) {
				free(p);
				errno = ENOMEM;
				return -ERG_HOST_EFILE;
			}
			p = q;
			cap *= 2;
		}
		r = read(fd, p + n, cap - 1 - n);
		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r < 0) {
			int e = errno;

			free(p);
			errno = e;
			return -ERG_HOST_EFILE;
		}
		if (r == 0) {
			break;
		}
		n += (size_t)r;
		if (n > ERG_HOST_FILE_MAX) {
			free(p);
			errno = EFBIG;
			return -ERG_HOST_EFILE;
		}
	}
	p[n] = '\0';
	*buf = p;
	*len = n;
	return 0;
}

int
erg_host_read_file(const char *path, void **buf, size_t *len)
{
	struct stat st;
	size_t hint = 0;
	int fd, rc, e;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return -ERG_HOST_EFILE;
	}
	if (fstat(fd, &st) != 0) {
		e = errno;
		(void)close(fd);
		errno = e;
		return -ERG_HOST_EFILE;
	}
	if (S_ISDIR(st.st_mode)) {
		(void)close(fd);
		errno = EISDIR;
		return -ERG_HOST_EFILE;
	}
	if (S_ISREG(st.st_mode)) {
		if ((uint64_t)st.st_size > ERG_HOST_FILE_MAX) {
			(void)close(fd);
			errno = EFBIG;
			return -ERG_HOST_EFILE;
		}
		hint = (size_t)st.st_size;
	}
	rc = host_read_fd(fd, hint, buf, len);
	e = errno;
	(void)close(fd);
	errno = e;
	return rc;
}

int
erg_host_tls_trust_load_file(struct erg_tls_trust *t, const char *path)
{
	void *buf;
	size_t len;
	int rc;

	rc = erg_host_read_file(path, &buf, &len);
	if (rc != 0) {
		return rc;
	}
	rc = erg_tls_trust_add(t, buf, len);
	free(buf);
	return rc;
}

int
erg_host_tls_trust_load_system(struct erg_tls_trust *t)
{
	return erg_host_tls_trust_load_file(t, ERG_HOST_CA_BUNDLE);
}
