/* atomic_file.c — temp + fsync + rename + fsync(dir) (see atomic_file.h). */
#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int dc_atomic_write_file(const char *path, const void *data, size_t len, unsigned mode)
{
	size_t plen = strlen(path);
	char *tmp = malloc(plen + 16), *dircopy = strdup(path);
	int fd = -1, e;

	if (!tmp || !dircopy) {
		free(tmp);
		free(dircopy);
		errno = ENOMEM;
		return -1;
	}
	snprintf(tmp, plen + 16, "%s.tmp.XXXXXX", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		goto fail;
	if (fchmod(fd, mode & 07777) < 0 || write_all(fd, data, len) < 0 || fsync(fd) < 0)
		goto fail_unlink;
	if (close(fd) < 0) {
		fd = -1;
		goto fail_unlink;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail_unlink;
	/* The rename itself is durable only once the directory is synced. */
	int dfd = open(dirname(dircopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	free(tmp);
	free(dircopy);
	return 0;
fail_unlink:
	e = errno;
	unlink(tmp);
	errno = e;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	free(tmp);
	free(dircopy);
	errno = e;
	return -1;
}
