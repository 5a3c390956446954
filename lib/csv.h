/* csv.h — an RFC 4180 reader over a buffer in memory (pure: no I/O).
 *
 * What spreadsheets really produce is accepted: comma or semicolon separator
 * (French Excel writes ';'), chosen from the header line; quoted fields with
 * doubled quotes and embedded newlines; CRLF or LF; a UTF-8 byte-order mark;
 * a missing final newline; blank lines (skipped).  Every record carries the
 * line number it starts on so errors can say where.
 */
#ifndef DECRAN_CSV_H
#define DECRAN_CSV_H

#include <stdbool.h>
#include <stddef.h>

struct dc_csv {
	/* read-only for callers after dc_csv_next() returned 1: */
	char **fields;		/* NUL-terminated field texts */
	size_t nfields;
	long line;		/* 1-based line the record starts on */
	char sep;		/* ',' or ';' */

	/* private */
	const char *p, *end;
	long next_line;
	char *buf;
	size_t buflen, bufcap;
	size_t *offs;
	size_t fieldcap;
};

/* Start reading data[0..len).  The separator is detected on the first line
 * (the one with more ';' than ',' outside quotes is ';'), unless sep != 0.
 * The caller keeps data alive until dc_csv_free. */
void dc_csv_init(struct dc_csv *c, const char *data, size_t len, char sep);
/* Next record: 1 read, 0 end of input, -1 malformed (message in err; the
 * reader cannot resynchronise after a bad quote, so stop there). */
int dc_csv_next(struct dc_csv *c, char *err, size_t errlen);
void dc_csv_free(struct dc_csv *c);

/* Writing.  Every CSV decran writes (exports, reports, dashboard downloads)
 * puts its cells through dc_csv_put_cell, so one rule holds everywhere:
 *  - RFC 4180 quoting: a cell holding the separator, a quote, CR or LF, or
 *    blanks at either end is quoted, its quotes doubled;
 *  - formulas defused (OWASP, "CSV injection"): a cell a spreadsheet would
 *    evaluate, i.e. one starting with = + - @ TAB or CR that is not a plain
 *    decimal number (-1.55 and -1,55 stay numbers), gets an apostrophe in
 *    front.  So does a cell made of apostrophes followed by such a text
 *    ("'=x" is written "''=x"), which makes the rule exactly reversible:
 *    dc_csv_next takes one apostrophe off such cells, and off no other
 *    ("'t Hoekje" and "'-1.5" read as they are written).
 * put(arg, p, n) receives the cell's bytes, in pieces. */
typedef void dc_csv_put_fn(void *arg, const char *p, size_t n);
void dc_csv_put_cell(const char *s, char sep, dc_csv_put_fn *put, void *arg);
/* true when s, past any leading apostrophes, would run as a formula. */
bool dc_csv_formula_like(const char *s);

#endif
