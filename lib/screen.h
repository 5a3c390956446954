/* screen.h — the screen inventory's domain model (pure: no I/O).
 *
 * A screen is identified by a stable slug (its `id`), used in MQTT topics,
 * URLs, CSV and GeoJSON exports; it never changes once created.
 */
#ifndef DECRAN_SCREEN_H
#define DECRAN_SCREEN_H

#include <stdbool.h>
#include <stddef.h>

enum dc_category {
	DC_CAT_ADVERTISING,
	DC_CAT_INFORMATION,
	DC_CAT_SCHOOL,
	DC_CAT_LIBRARY,
	DC_CAT_EARLY_CHILDHOOD,
	DC_CAT_TRANSPORT,
	DC_CAT_OTHER,
	DC_CAT__COUNT
};

enum dc_status {
	DC_STATUS_ACTIVE,
	DC_STATUS_REDUCED,
	DC_STATUS_SLATED,	/* "slated_for_removal" */
	DC_STATUS_REMOVED,
	DC_STATUS__COUNT
};

enum dc_tech { DC_TECH_LCD, DC_TECH_LED, DC_TECH_OTHER, DC_TECH__COUNT };

/* What the screen shows: R581-35 exempts digital advertising on transport
 * furniture during service hours only when its images are fixed.  Unknown
 * (never declared, and every screen inventoried before the field existed)
 * is zero so a new screen starts there, and counts as animated. */
enum dc_display { DC_DISPLAY_UNKNOWN, DC_DISPLAY_FIXED, DC_DISPLAY_ANIMATED, DC_DISPLAY__COUNT };

/* Legal flags (Code de l'environnement R581-35 exceptions). */
#define DC_FLAG_AIRPORT		0x1u	/* on airport premises */
#define DC_FLAG_TRANSPORT_FURNITURE 0x2u	/* transport street furniture */

#define DC_ID_MAX 48		/* slug: [a-z0-9][a-z0-9_-]*, < 48 bytes */
#define DC_DATE_LEN 11		/* "YYYY-MM-DD" + NUL, "" when unset */

struct dc_screen {
	char id[DC_ID_MAX];
	char name[128];
	enum dc_category category;
	char site[96];
	char address[160];
	bool has_coords;	/* both lat and lon are given */
	double lat, lon;	/* WGS84 degrees; NaN when not given */
	char owner[96];
	enum dc_tech tech;
	double surface_m2;
	double power_on_w;
	double power_standby_w;
	double baseline_hours;	/* hours/day on before the plan; default 24 */
	enum dc_status status;
	char removal_target[DC_DATE_LEN];
	char removal_date[DC_DATE_LEN];
	unsigned flags;		/* DC_FLAG_* */
	char service_hours[24];	/* "HH:MM-HH:MM" for transport furniture, or "" */
	char box[DC_ID_MAX];	/* relay binding; "" when unbound */
	int channel;		/* 1..16 when bound, 0 otherwise */
	char notes[512];
	enum dc_display display;
};

/* Canonical (English, snake_case) names used in CSV, JSON and the database. */
const char *dc_category_name(enum dc_category c);
const char *dc_status_name(enum dc_status s);
const char *dc_tech_name(enum dc_tech t);
const char *dc_display_name(enum dc_display d);	/* "fixed", "animated", "unknown" */
/* Human labels in the current language (see i18n.h). */
const char *dc_category_label(enum dc_category c);
const char *dc_status_label(enum dc_status s);
const char *dc_display_label(enum dc_display d);
/* Parse canonical names; return -1 when unknown. */
int dc_category_parse(const char *s);
int dc_status_parse(const char *s);
int dc_tech_parse(const char *s);
int dc_display_parse(const char *s);

/* R581-35: may transport furniture with these flags and this display stay
 * lit during its service hours?  Only transport furniture showing fixed
 * images; an undeclared display is treated as animated (the strict side).
 * The engine, the fallback compilation and the compliance report all ask
 * this one function. */
bool dc_transport_exemption_applies(unsigned flags, enum dc_display display);
/* true for a screen in place whose undeclared display costs it the
 * exemption: transport furniture, off airport premises, display unknown.
 * `schedule check --db` lists them so the city completes its data. */
bool dc_display_undeclared(const struct dc_screen *s);

/* Defaults for a new screen (baseline 24 h/day, status active, LCD). */
void dc_screen_init(struct dc_screen *s);
/* true when s is a valid slug. */
bool dc_slug_valid(const char *s);

#endif
