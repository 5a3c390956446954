/* atomicfile.c — temp file, fsync, rename, fsync directory. */
#include "atomicfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int dc_fsync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (slash == path)
		snprintf(dir, sizeof dir, "/");
	else if ((size_t)(slash - path) < sizeof dir)
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	else
		return errno = ENAMETOOLONG, -1;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	int e = errno;
	close(fd);
	errno = e;
	return rc;
}

static int atomic_write(const char *path, const void *data, size_t len, bool durable, int mode,
			uid_t uid, gid_t gid)
{
	char tmp[PATH_MAX];
	int fd, e;

	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= sizeof tmp)
		return errno = ENAMETOOLONG, -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode < 0 ? 0644 : 0600);
	if (fd < 0)
		return -1;
	/* Owner and mode before the first byte: a secret is never readable
	 * by others, not even for an instant. */
	if ((mode >= 0 && ((uid != (uid_t)-1 || gid != (gid_t)-1) && fchown(fd, uid, gid) &&
			   errno != EPERM)) ||
	    (mode >= 0 && fchmod(fd, (mode_t)mode)) || write_all(fd, data, len) ||
	    (durable && fsync(fd))) {
		e = errno;
		close(fd);
		unlink(tmp);
		return errno = e, -1;
	}
	if (close(fd) || rename(tmp, path)) {
		e = errno;
		unlink(tmp);
		return errno = e, -1;
	}
	return durable ? dc_fsync_dir_of(path) : 0;
}

int dc_atomic_write(const char *path, const void *data, size_t len, bool durable)
{
	return atomic_write(path, data, len, durable, -1, (uid_t)-1, (gid_t)-1);
}

int dc_atomic_write_mode(const char *path, const void *data, size_t len, unsigned mode,
			 uid_t uid, gid_t gid)
{
	return atomic_write(path, data, len, true, (int)(mode & 07777), uid, gid);
}

char *dc_read_file(const char *path, size_t max, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf = NULL;
	size_t got = 0, cap;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st))
		goto fail;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		goto fail;
	}
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max) {
		errno = EFBIG;
		goto fail;
	}
	/* Regular files are read in one go; pipes and ttys (import from
	 * /dev/stdin) grow the buffer until end of file or `max`. */
	cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 65536;
	buf = malloc(cap);
	if (!buf)
		goto fail;
	for (;;) {
		if (got + 1 >= cap) {
			/* Never more than max + 2: room for max bytes, the NUL,
			 * and one byte to tell a file of exactly max from a bigger one. */
			size_t ncap = cap * 2 < max + 2 ? cap * 2 : max + 2;
			if (ncap <= cap) {
				errno = EFBIG;
				goto fail;
			}
			char *nb = realloc(buf, ncap);
			if (!nb)
				goto fail;
			buf = nb;
			cap = ncap;
		}
		ssize_t n = read(fd, buf + got, cap - got - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0)
			break;
		got += (size_t)n;
		if (got > max) {
			errno = EFBIG;
			goto fail;
		}
	}
	buf[got] = '\0';
	close(fd);
	if (len)
		*len = got;
	return buf;
fail:
	{
		int e = errno;
		free(buf);
		close(fd);
		errno = e;
	}
	return NULL;
}

int dc_atomic_update(const char *path, const void *data, size_t len, bool durable)
{
	size_t old_len;
	char *old = dc_read_file(path, len, &old_len);
	bool same = old && old_len == len && memcmp(old, data, len) == 0;
	free(old);
	if (same)
		return 0;
	return dc_atomic_write(path, data, len, durable) ? -1 : 1;
}
