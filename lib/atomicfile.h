/* atomicfile.h — files that are either the old or the new version, never half.
 *
 * A relay box loses power without warning and runs from an SD card that
 * wears out: every state file is written to a temporary file in the same
 * directory, fsync'd, renamed over the old one, and the directory fsync'd so
 * the rename itself survives the power cut.  dc_atomic_update() skips the
 * write entirely when the content did not change.
 */
#ifndef DECRAN_ATOMICFILE_H
#define DECRAN_ATOMICFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Replace `path` with data[0..len).  durable=false skips the two fsyncs
 * (readers still never see a torn file; use it only for files that need not
 * survive a power cut, e.g. a simulator's observation file).  0 or -1/errno. */
int dc_atomic_write(const char *path, const void *data, size_t len, bool durable);
/* Durable write of a file with this mode and owner ((uid_t)-1, (gid_t)-1:
 * the writer's; an owner the writer may not give is left as the writer's).
 * The new file has them before it holds a byte.  0 or -1/errno. */
int dc_atomic_write_mode(const char *path, const void *data, size_t len, unsigned mode,
			 uid_t uid, gid_t gid);
/* Same, but only when the file's current content differs.
 * Returns 1 written, 0 unchanged, -1 error (errno set). */
int dc_atomic_update(const char *path, const void *data, size_t len, bool durable);
/* fsync the directory that holds `path`, so a rename into it survives a
 * power cut.  0 or -1/errno. */
int dc_fsync_dir_of(const char *path);
/* Read a whole file of at most `max` bytes into a NUL-terminated malloc'd
 * buffer.  NULL with errno (ENOENT, EFBIG when larger than max...). */
char *dc_read_file(const char *path, size_t max, size_t *len);

#endif
