/* screen_fields.h — the columns of a screen as text (pure: no I/O).
 *
 * One table names every field of struct dc_screen the way CSV headers, JSON
 * keys, audit rows and `screens edit --set FIELD=VALUE` spell it, and converts
 * each field to and from text.  Parsing is forgiving where people differ
 * (decimal comma "1,5" or point "1.5", surrounding blanks, "oui"/"yes"/"1")
 * and strict where data would be wrong (real calendar dates, coordinates in
 * range, non-negative powers, known category/status/technology, slug ids).
 * The canonical text written back (dc_field_format) is what exports contain.
 */
#ifndef DECRAN_SCREEN_FIELDS_H
#define DECRAN_SCREEN_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

#include "screen.h"

enum dc_field {
	DC_F_ID, DC_F_NAME, DC_F_CATEGORY, DC_F_SITE, DC_F_ADDRESS,
	DC_F_LAT, DC_F_LON, DC_F_OWNER, DC_F_TECH, DC_F_SURFACE_M2,
	DC_F_POWER_ON_W, DC_F_POWER_STANDBY_W, DC_F_BASELINE_HOURS, DC_F_STATUS,
	DC_F_REMOVAL_TARGET, DC_F_REMOVAL_DATE, DC_F_AIRPORT,
	DC_F_TRANSPORT_FURNITURE, DC_F_SERVICE_HOURS, DC_F_BOX, DC_F_CHANNEL,
	DC_F_NOTES, DC_F_DISPLAY,
	DC_F__COUNT
};

/* Canonical column name ("power_on_w"...); -1 from dc_field_parse if unknown. */
const char *dc_field_name(enum dc_field f);
int dc_field_parse(const char *name);
/* true for the columns an import file must have (id, name, category). */
bool dc_field_required(enum dc_field f);

/* Canonical text of one field: "" when unset (no coordinates, no date, no
 * box), numbers with a point and no exponent, flags "true"/"false".
 * Returns buf. */
char *dc_field_format(const struct dc_screen *s, enum dc_field f, char *buf, size_t len);

/* Parse `text` into field f of s.  Empty text means "unset" for optional
 * fields (and the default for numbers with one).  On error returns -1,
 * writes a message in the current language into err and leaves s untouched.
 * lat and lon are set one at a time (NaN when unset, as dc_screen_init
 * leaves them); has_coords says both are there, and dc_screen_check
 * refuses half a pair. */
int dc_field_set(struct dc_screen *s, enum dc_field f, const char *text, char *err, size_t errlen);

/* Rules across fields (a position has both coordinates, a removed screen
 * has a removal date, a bound relay has a channel...).  On error returns -1, *field names the culprit. */
int dc_screen_check(const struct dc_screen *s, enum dc_field *field, char *err, size_t errlen);

/* Small parsers shared with the CLI. */
/* "YYYY-MM-DD" that exists in the Gregorian calendar (1900..2199). */
bool dc_date_valid(const char *s);
/* "1,5" / "1.5" / "-3" → 0; anything else (exponents, groups, text) → -1. */
int dc_parse_decimal(const char *s, double *out);
/* Shortest text that reads back as the same double, point as separator. */
char *dc_fmt_double(char *buf, size_t len, double v);

#endif
