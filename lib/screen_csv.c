/* screen_csv.c — inventory CSV rows to screens (see screen_csv.h). */
#include "screen_csv.h"

#include <stdio.h>
#include <string.h>

#include "i18n.h"

const enum dc_field dc_export_columns[DC_F__COUNT] = {
	DC_F_ID, DC_F_NAME, DC_F_CATEGORY, DC_F_SITE, DC_F_ADDRESS,
	DC_F_LAT, DC_F_LON, DC_F_OWNER, DC_F_TECH, DC_F_SURFACE_M2,
	DC_F_POWER_ON_W, DC_F_POWER_STANDBY_W, DC_F_BASELINE_HOURS, DC_F_STATUS,
	DC_F_REMOVAL_TARGET, DC_F_REMOVAL_DATE, DC_F_AIRPORT,
	DC_F_TRANSPORT_FURNITURE, DC_F_SERVICE_HOURS, DC_F_DISPLAY, DC_F_BOX, DC_F_CHANNEL,
	DC_F_NOTES,
};

int dc_screen_csv_open(struct dc_screen_csv *r, const char *data, size_t len,
		       struct dc_errlist *errs)
{
	char err[160];
	bool seen[DC_F__COUNT] = { false };
	int rc;

	memset(r, 0, sizeof *r);
	dc_csv_init(&r->csv, data, len, 0);
	rc = dc_csv_next(&r->csv, err, sizeof err);
	if (rc <= 0) {
		r->broken = true;
		dc_errlist_add(errs, rc < 0 ? r->csv.line : 1, "", "%s",
			       rc < 0 ? err : TR("fichier vide : il faut une ligne d'en-tête",
						 "empty file: a header line is needed"));
		return -1;
	}
	int bad = 0;
	if (r->csv.nfields > DC_F__COUNT) {
		dc_errlist_add(errs, r->csv.line, "", TR("%zu colonnes, %d au plus",
							 "%zu columns, at most %d"),
			       r->csv.nfields, DC_F__COUNT);
		r->broken = true;
		return -1;
	}
	for (size_t i = 0; i < r->csv.nfields; i++) {
		char name[64];
		/* Headers typed by hand: ignore case and surrounding blanks. */
		const char *h = r->csv.fields[i];
		while (*h == ' ')
			h++;
		size_t n = 0;
		for (; h[n] && n + 1 < sizeof name; n++)
			name[n] = (h[n] >= 'A' && h[n] <= 'Z') ? (char)(h[n] - 'A' + 'a') : h[n];
		while (n && name[n - 1] == ' ')
			n--;
		name[n] = '\0';
		int f = dc_field_parse(name);
		if (!name[0]) {
			char col[24];
			snprintf(col, sizeof col, "#%zu", i + 1);
			dc_errlist_add(errs, r->csv.line, col,
				       TR("colonne sans nom (séparateur en trop en fin de ligne ?)",
					  "column without a name (extra separator at the end of the line?)"));
			bad++;
			continue;
		}
		if (f < 0) {
			dc_errlist_add(errs, r->csv.line, r->csv.fields[i],
				       TR("colonne inconnue (colonnes possibles : voir docs/inventory.md)",
					  "unknown column (known columns: see docs/inventory.md)"));
			bad++;
			continue;
		}
		if (seen[f]) {
			dc_errlist_add(errs, r->csv.line, name, TR("colonne en double", "duplicate column"));
			bad++;
			continue;
		}
		seen[f] = true;
		r->col_field[i] = f;
	}
	for (int f = 0; f < DC_F__COUNT; f++)
		if (dc_field_required(f) && !seen[f]) {
			dc_errlist_add(errs, r->csv.line, dc_field_name(f),
				       TR("colonne obligatoire absente", "required column missing"));
			bad++;
		}
	r->ncols = r->csv.nfields;
	if (bad)
		r->broken = true;
	return bad ? -1 : 0;
}

int dc_screen_csv_next(struct dc_screen_csv *r, struct dc_screen *s, long *line,
		       struct dc_errlist *errs)
{
	char err[300];
	size_t before = dc_errlist_count(errs);
	enum dc_field f;

	if (r->broken)
		return 0;
	int rc = dc_csv_next(&r->csv, err, sizeof err);
	if (rc == 0)
		return 0;
	*line = r->csv.line;
	if (rc < 0) {
		r->broken = true;
		dc_errlist_add(errs, r->csv.line, "", "%s", err);
		return -1;
	}
	dc_screen_init(s);
	if (r->csv.nfields != r->ncols) {
		dc_errlist_add(errs, *line, "", TR("%zu champs alors que l'en-tête a %zu colonnes "
						   "(séparateur « %c »)",
						   "%zu fields but the header has %zu columns "
						   "(separator '%c')"),
			       r->csv.nfields, r->ncols, r->csv.sep);
		return 2;
	}
	for (size_t i = 0; i < r->ncols; i++) {
		f = (enum dc_field)r->col_field[i];
		if (dc_field_set(s, f, r->csv.fields[i], err, sizeof err) < 0)
			dc_errlist_add(errs, *line, dc_field_name(f), "%s", err);
	}
	if (dc_errlist_count(errs) == before && dc_screen_check(s, &f, err, sizeof err) < 0)
		dc_errlist_add(errs, *line, dc_field_name(f), "%s", err);
	return dc_errlist_count(errs) == before ? 1 : 2;
}

void dc_screen_csv_close(struct dc_screen_csv *r)
{
	dc_csv_free(&r->csv);
}
