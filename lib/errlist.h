/* errlist.h — a growing list of located errors: (line, column, message).
 * Parsers append every problem they find instead of stopping at the first,
 * so a user fixes a file in one round trip. */
#ifndef DECRAN_ERRLIST_H
#define DECRAN_ERRLIST_H

#include <stddef.h>

struct dc_error {
	long line;		/* 1-based; 0 when not tied to a line */
	char column[40];	/* column/field name, "" when none */
	char msg[256];
};

struct dc_errlist {
	struct dc_error *v;
	size_t n, cap;
};

/* Append one error (message formatted printf-style); silently drops it only
 * when memory runs out, in which case n stops growing. */
void dc_errlist_add(struct dc_errlist *l, long line, const char *column, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Order by line, keeping insertion order within a line. */
void dc_errlist_sort(struct dc_errlist *l);
void dc_errlist_free(struct dc_errlist *l);

#endif
