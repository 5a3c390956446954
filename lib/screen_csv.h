/* screen_csv.h — rows of an inventory CSV file as screens (pure: no I/O).
 *
 * The header names the columns (any order; names from screen_fields.h).
 * id, name and category are required; an unknown or repeated column is an
 * error (a typo must not silently drop data).  Each row is converted field
 * by field and checked as a whole; every problem is appended to an error
 * list with its line and column, and reading goes on so a user sees them all.
 */
#ifndef DECRAN_SCREEN_CSV_H
#define DECRAN_SCREEN_CSV_H

#include <stdbool.h>

#include "csv.h"
#include "errlist.h"
#include "screen_fields.h"

struct dc_screen_csv {
	struct dc_csv csv;
	int col_field[DC_F__COUNT];	/* column index → enum dc_field */
	size_t ncols;
	bool broken;			/* CSV syntax error: no more rows */
};

/* Read the header.  Returns 0 when usable, -1 otherwise (errors appended). */
int dc_screen_csv_open(struct dc_screen_csv *r, const char *data, size_t len,
		       struct dc_errlist *errs);
/* Next row into *s (starting from dc_screen_init defaults); *line is the
 * row's first line.  Returns 1 for a valid row, 2 for a row with errors
 * (appended to errs), 0 at the end, -1 on a CSV syntax error (appended;
 * reading cannot go on). */
int dc_screen_csv_next(struct dc_screen_csv *r, struct dc_screen *s, long *line,
		       struct dc_errlist *errs);
void dc_screen_csv_close(struct dc_screen_csv *r);

/* The column order exports write (every field, header = field names). */
extern const enum dc_field dc_export_columns[DC_F__COUNT];

#endif
