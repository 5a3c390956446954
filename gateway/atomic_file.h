/* atomic_file.h — replace a file so that a crash or power cut leaves either
 * the old content or the new one, never a mix: write a temporary file in the
 * same directory, fsync it, rename it over the target, fsync the directory. */
#ifndef DECRAN_ATOMIC_FILE_H
#define DECRAN_ATOMIC_FILE_H

#include <stddef.h>

/* 0 on success; -1 with errno set, the target untouched and no temporary
 * file left behind.  mode applies to a newly created file (e.g. 0644). */
int dc_atomic_write_file(const char *path, const void *data, size_t len, unsigned mode);

#endif
