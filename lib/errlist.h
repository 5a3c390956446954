/* errlist.h — a growing list of located errors: (line, column, message).
 * Parsers append every problem they find instead of stopping at the first,
 * so a user fixes a file in one round trip.  Only the first DC_ERRLIST_KEEP
 * are kept (parsers add them in reading order, so these are the file's
 * first); the others are only counted: a file of bad rows costs neither
 * memory nor screens of output beyond that. */
#ifndef DECRAN_ERRLIST_H
#define DECRAN_ERRLIST_H

#include <stddef.h>

struct dc_error {
	long line;		/* 1-based; 0 when not tied to a line */
	char column[40];	/* column/field name, "" when none */
	char msg[256];
};

#define DC_ERRLIST_KEEP 100

struct dc_errlist {
	struct dc_error *v;
	size_t n, cap;		/* v[0..n): the errors kept */
	size_t dropped;		/* errors counted but not kept */
};

/* Append one error (message formatted printf-style); beyond DC_ERRLIST_KEEP,
 * or when memory runs out, it is only counted. */
void dc_errlist_add(struct dc_errlist *l, long line, const char *column, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Every error added, kept or not. */
size_t dc_errlist_count(const struct dc_errlist *l);
/* Order by line, keeping insertion order within a line. */
void dc_errlist_sort(struct dc_errlist *l);
void dc_errlist_free(struct dc_errlist *l);

#endif
