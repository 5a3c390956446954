/* opendata.h — the inventory as open data (pure: no I/O).
 *
 * One table per published file (the whole inventory, the removal list)
 * says which columns the public gets, their type, constraints and French
 * title.  That one table writes the CSV header and rows (both dialects),
 * the GeoJSON properties and the Table Schema (frictionless) a reuser
 * validates the CSV against, so the three cannot disagree.  Internal
 * fields (notes, relay box and channel) are in no table: public files
 * cannot show them.
 *
 * Two CSV dialects:
 *  - DC_OD_RFC4180: ',' separator, decimal point, no byte-order mark; the
 *    inventory's file reads back through `decran screens import`;
 *  - DC_OD_FR: ';' separator, decimal comma, written after DC_OD_BOM so a
 *    French spreadsheet opens it in columns with its accents.
 * Every cell goes through dc_csv_put_cell (quoting, formulas defused).
 */
#ifndef DECRAN_OPENDATA_H
#define DECRAN_OPENDATA_H

#include <stdbool.h>
#include <stddef.h>

#include "csv.h"
#include "screen.h"
#include "screen_fields.h"

#define DC_OD_BOM "\xEF\xBB\xBF"

enum dc_od_type { DC_OD_STRING, DC_OD_NUMBER, DC_OD_INTEGER, DC_OD_DATE, DC_OD_BOOLEAN };
/* Which canonical names a column's values are limited to. */
enum dc_od_enum { DC_OD_ENUM_NONE, DC_OD_ENUM_CATEGORY, DC_OD_ENUM_STATUS, DC_OD_ENUM_TECH,
		  DC_OD_ENUM_DISPLAY };
/* Columns computed for the removal list, after the screen's own fields. */
enum { DC_OD_DAYS_LEFT = DC_F__COUNT, DC_OD_YEARLY_KWH };

struct dc_od_column {
	int field;		/* enum dc_field, or DC_OD_DAYS_LEFT / DC_OD_YEARLY_KWH */
	enum dc_od_type type;
	bool required;
	enum dc_od_enum values;
	const char *pattern;	/* XML Schema regular expression, or NULL */
	bool has_min, has_max;	/* numbers: bounds */
	double min, max;
	const char *title;	/* French, for people */
	const char *description;
};

struct dc_od_table {
	const char *name;	/* Table Schema "name", file names */
	const char *title;
	const struct dc_od_column *const *cols;	/* columns shared by tables are defined once */
	size_t ncols;
};

extern const struct dc_od_table dc_od_inventory;	/* every public field of a screen */
extern const struct dc_od_table dc_od_removals;		/* the removal list */

/* What a row is made of: the screen and, for the removal list, its
 * computed figures. */
struct dc_od_row {
	const struct dc_screen *s;
	bool dated;		/* removal_target set */
	long days_left;		/* removal_target - today */
	double yearly_kwh;	/* yearly energy estimate */
};

struct dc_od_dialect {
	char sep;
	bool decimal_comma;
};
extern const struct dc_od_dialect DC_OD_RFC4180, DC_OD_FR;

/* A column's canonical name (its header and JSON key). */
const char *dc_od_column_name(const struct dc_od_column *c);
/* A cell's text: "" when absent; numbers with a comma when asked.
 * Returns buf. */
const char *dc_od_cell(const struct dc_od_column *c, const struct dc_od_row *r, bool decimal_comma,
		       char *buf, size_t len);
/* The cell as a JSON value: returns false for null, else writes in buf a
 * bare JSON token (number, true, false) and sets *quoted = false, or the
 * string's raw text with *quoted = true (the caller escapes it). */
bool dc_od_json_value(const struct dc_od_column *c, const struct dc_od_row *r, char *buf, size_t len,
		      bool *quoted);

/* Header line and one row, each ended by CRLF, through put. */
void dc_od_csv_header(const struct dc_od_table *t, struct dc_od_dialect d, dc_csv_put_fn *put,
		      void *arg);
void dc_od_csv_row(const struct dc_od_table *t, const struct dc_od_row *r, struct dc_od_dialect d,
		   dc_csv_put_fn *put, void *arg);

/* The table's Table Schema (https://specs.frictionlessdata.io/table-schema/)
 * as JSON text, indented, ending in a newline; decimalChar "," for the
 * French dialect.  malloc'd; NULL when out of memory. */
char *dc_od_schema_json(const struct dc_od_table *t, bool decimal_comma);

#endif
