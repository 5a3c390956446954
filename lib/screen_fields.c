/* screen_fields.c — each screen field to and from text (see screen_fields.h). */
#include "screen_fields.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "i18n.h"
#include "utf8.h"

static const char *const field_names[DC_F__COUNT] = {
	"id", "name", "category", "site", "address",
	"lat", "lon", "owner", "tech", "surface_m2",
	"power_on_w", "power_standby_w", "baseline_hours", "status",
	"removal_target", "removal_date", "airport",
	"transport_furniture", "service_hours", "box", "channel",
	"notes", "display",
};

const char *dc_field_name(enum dc_field f)
{
	return (unsigned)f < DC_F__COUNT ? field_names[f] : "?";
}

int dc_field_parse(const char *name)
{
	for (int i = 0; name && i < DC_F__COUNT; i++)
		if (strcmp(field_names[i], name) == 0)
			return i;
	return -1;
}

bool dc_field_required(enum dc_field f)
{
	return f == DC_F_ID || f == DC_F_NAME || f == DC_F_CATEGORY;
}

char *dc_fmt_double(char *buf, size_t len, double v)
{
	/* %.15g is exact for every value people type; fall back to 17 digits
	 * only when needed so the text always reads back to the same double. */
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, len, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	/* %g may choose an exponent for tiny or huge values: spell it out. */
	if (strchr(buf, 'e')) {
		snprintf(buf, len, "%.6f", v);
		char *end = buf + strlen(buf) - 1;
		while (end > buf && *end == '0')
			*end-- = '\0';
		if (*end == '.')
			*end = '\0';
	}
	return buf;
}

char *dc_field_format(const struct dc_screen *s, enum dc_field f, char *buf, size_t len)
{
	if (len == 0)
		return buf;
	buf[0] = '\0';
	switch (f) {
	case DC_F_ID: snprintf(buf, len, "%s", s->id); break;
	case DC_F_NAME: snprintf(buf, len, "%s", s->name); break;
	case DC_F_CATEGORY: snprintf(buf, len, "%s", dc_category_name(s->category)); break;
	case DC_F_SITE: snprintf(buf, len, "%s", s->site); break;
	case DC_F_ADDRESS: snprintf(buf, len, "%s", s->address); break;
	case DC_F_LAT:
		if (s->has_coords)
			dc_fmt_double(buf, len, s->lat);
		break;
	case DC_F_LON:
		if (s->has_coords)
			dc_fmt_double(buf, len, s->lon);
		break;
	case DC_F_OWNER: snprintf(buf, len, "%s", s->owner); break;
	case DC_F_TECH: snprintf(buf, len, "%s", dc_tech_name(s->tech)); break;
	case DC_F_SURFACE_M2: dc_fmt_double(buf, len, s->surface_m2); break;
	case DC_F_POWER_ON_W: dc_fmt_double(buf, len, s->power_on_w); break;
	case DC_F_POWER_STANDBY_W: dc_fmt_double(buf, len, s->power_standby_w); break;
	case DC_F_BASELINE_HOURS: dc_fmt_double(buf, len, s->baseline_hours); break;
	case DC_F_STATUS: snprintf(buf, len, "%s", dc_status_name(s->status)); break;
	case DC_F_REMOVAL_TARGET: snprintf(buf, len, "%s", s->removal_target); break;
	case DC_F_REMOVAL_DATE: snprintf(buf, len, "%s", s->removal_date); break;
	case DC_F_AIRPORT:
		snprintf(buf, len, "%s", (s->flags & DC_FLAG_AIRPORT) ? "true" : "false");
		break;
	case DC_F_TRANSPORT_FURNITURE:
		snprintf(buf, len, "%s", (s->flags & DC_FLAG_TRANSPORT_FURNITURE) ? "true" : "false");
		break;
	case DC_F_SERVICE_HOURS: snprintf(buf, len, "%s", s->service_hours); break;
	case DC_F_BOX: snprintf(buf, len, "%s", s->box); break;
	case DC_F_CHANNEL:
		if (s->channel > 0)
			snprintf(buf, len, "%d", s->channel);
		break;
	case DC_F_NOTES: snprintf(buf, len, "%s", s->notes); break;
	case DC_F_DISPLAY: snprintf(buf, len, "%s", dc_display_name(s->display)); break;
	default: break;
	}
	return buf;
}

bool dc_date_valid(const char *s)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return false;
	int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
	if (y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1)
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	int max = mdays[m - 1] + (m == 2 && leap);
	return d <= max;
}

/* A decimal of at most 15 significant digits and 22 decimals is a
 * quotient of two doubles held exactly, and IEEE division rounds it
 * correctly: the very double strtod returns, at a fraction of the cost (an
 * import reads six numbers per row).  false: let strtod do it. */
static bool exact_decimal(const char *s, double *out)
{
	static const double pow10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
					1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
					1e20, 1e21, 1e22 };
	bool neg = *s == '-', point = false;
	uint64_t m = 0;
	int digits = 0, decimals = 0;

	if (*s == '+' || *s == '-')
		s++;
	for (; *s; s++) {
		if (*s == '.') {
			point = true;
			continue;
		}
		if (m == 0 && *s == '0') {	/* leading zeros are not significant */
			decimals += point;
			continue;
		}
		if (++digits > 15)
			return false;
		m = m * 10 + (uint64_t)(*s - '0');
		decimals += point;
	}
	if (decimals > 22)
		return false;
	double v = (double)m / pow10[decimals];
	*out = neg ? -v : v;
	return true;
}

int dc_parse_decimal(const char *s, double *out)
{
	char tmp[64];
	size_t n = 0;
	bool digits = false, point = false;

	if (!s)
		return -1;
	if (*s == '+' || *s == '-')
		tmp[n++] = *s++;
	for (; *s; s++) {
		if (n + 1 >= sizeof tmp)
			return -1;
		if (isdigit((unsigned char)*s)) {
			digits = true;
			tmp[n++] = *s;
		} else if ((*s == ',' || *s == '.') && !point) {
			/* strtod is locale-dependent: always hand it a point. */
			point = true;
			tmp[n++] = '.';
		} else {
			return -1;
		}
	}
	if (!digits)
		return -1;
	tmp[n] = '\0';
	double v;
	if (!exact_decimal(tmp, &v))
		v = strtod(tmp, NULL);
	if (!isfinite(v))
		return -1;
	*out = v;
	return 0;
}

static int fail(char *err, size_t errlen, const char *msg)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
	return -1;
}

static int set_text(char *dst, size_t cap, const char *text, char *err, size_t errlen)
{
	if (strlen(text) >= cap) {
		if (err && errlen)
			snprintf(err, errlen, TR("trop long (%zu octets au plus)",
						 "too long (at most %zu bytes)"), cap - 1);
		return -1;
	}
	if (!dc_utf8_valid(text, strlen(text)))
		return fail(err, errlen, TR("texte non UTF-8 (enregistrez le fichier en UTF-8)",
					    "text is not UTF-8 (save the file as UTF-8)"));
	memcpy(dst, text, strlen(text) + 1);
	return 0;
}

static int set_number(double *dst, const char *text, double min, double max,
		      char *err, size_t errlen)
{
	double v;
	if (dc_parse_decimal(text, &v) < 0) {
		if (err && errlen)
			snprintf(err, errlen, TR("nombre invalide « %s » (exemples : 12, 1,5, 1.5)",
						 "invalid number '%s' (examples: 12, 1.5, 1,5)"), text);
		return -1;
	}
	if (v < min || v > max) {
		char a[32], b[32];
		if (err && errlen)
			snprintf(err, errlen, TR("%s hors de l'intervalle [%s, %s]",
						 "%s out of range [%s, %s]"), text,
				 dc_fmt_double(a, sizeof a, min), dc_fmt_double(b, sizeof b, max));
		return -1;
	}
	*dst = v;
	return 0;
}

static int set_bool(struct dc_screen *s, unsigned flag, const char *text, char *err, size_t errlen)
{
	static const char *const yes[] = { "1", "true", "yes", "oui", "y", "o", "vrai" };
	static const char *const no[] = { "", "0", "false", "no", "non", "n", "faux" };
	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
		if (strcasecmp(text, yes[i]) == 0) {
			s->flags |= flag;
			return 0;
		}
	for (size_t i = 0; i < sizeof no / sizeof *no; i++)
		if (strcasecmp(text, no[i]) == 0) {
			s->flags &= ~flag;
			return 0;
		}
	if (err && errlen)
		snprintf(err, errlen, TR("booléen invalide « %s » (oui/non, true/false, 1/0)",
					 "invalid boolean '%s' (yes/no, true/false, 1/0)"), text);
	return -1;
}

static int set_date(char *dst, const char *text, char *err, size_t errlen)
{
	if (*text && !dc_date_valid(text)) {
		if (err && errlen)
			snprintf(err, errlen, TR("date invalide « %s » (AAAA-MM-JJ, date réelle)",
						 "invalid date '%s' (YYYY-MM-DD, a real date)"), text);
		return -1;
	}
	snprintf(dst, DC_DATE_LEN, "%s", text);
	return 0;
}

/* "HH:MM" with HH 00..23 (or "24:00" as an end). */
static bool hhmm_valid(const char *s, bool end)
{
	if (strlen(s) != 5 || s[2] != ':' || !isdigit((unsigned char)s[0]) ||
	    !isdigit((unsigned char)s[1]) || !isdigit((unsigned char)s[3]) ||
	    !isdigit((unsigned char)s[4]))
		return false;
	int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
	if (end && h == 24 && m == 0)
		return true;
	return h < 24 && m < 60;
}

static int set_hours(struct dc_screen *s, const char *text, char *err, size_t errlen)
{
	char a[6], b[6];
	if (*text) {
		if (strlen(text) != 11 || text[5] != '-')
			goto bad;
		memcpy(a, text, 5); a[5] = '\0';
		memcpy(b, text + 6, 5); b[5] = '\0';
		if (!hhmm_valid(a, false) || !hhmm_valid(b, true) || strcmp(a, b) == 0)
			goto bad;
	}
	memcpy(s->service_hours, text, strlen(text) + 1);	/* "" or 11 bytes */
	return 0;
bad:
	if (err && errlen)
		snprintf(err, errlen, TR("horaires invalides « %s » (HH:MM-HH:MM, ex. 05:30-00:30)",
					 "invalid hours '%s' (HH:MM-HH:MM, e.g. 05:30-00:30)"), text);
	return -1;
}

static int set_enum(int *dst, int v, const char *text, const char *const *names, int n,
		    char *err, size_t errlen)
{
	if (v < 0) {
		char list[200] = "";
		for (int i = 0; i < n; i++) {
			strncat(list, names[i], sizeof list - strlen(list) - 1);
			if (i + 1 < n)
				strncat(list, ", ", sizeof list - strlen(list) - 1);
		}
		if (err && errlen)
			snprintf(err, errlen, TR("valeur inconnue « %s » (attendu : %s)",
						 "unknown value '%s' (expected: %s)"), text, list);
		return -1;
	}
	*dst = v;
	return 0;
}

/* The canonical names, and the French words an inventory typed by hand uses;
 * "" is "not declared". */
static int set_display(struct dc_screen *s, const char *text, char *err, size_t errlen)
{
	static const struct { const char *word; enum dc_display d; } words[] = {
		{ "", DC_DISPLAY_UNKNOWN }, { "unknown", DC_DISPLAY_UNKNOWN },
		{ "inconnu", DC_DISPLAY_UNKNOWN }, { "fixed", DC_DISPLAY_FIXED },
		{ "fixe", DC_DISPLAY_FIXED }, { "animated", DC_DISPLAY_ANIMATED },
		{ "animé", DC_DISPLAY_ANIMATED }, { "anime", DC_DISPLAY_ANIMATED },
	};
	for (size_t i = 0; i < sizeof words / sizeof *words; i++)
		if (strcasecmp(text, words[i].word) == 0) {
			s->display = words[i].d;
			return 0;
		}
	if (err && errlen)
		snprintf(err, errlen, TR("valeur inconnue « %s » (attendu : fixed, animated, unknown)",
					 "unknown value '%s' (expected: fixed, animated, unknown)"), text);
	return -1;
}

static const char *const cats[] = { "advertising", "information", "school", "library",
				    "early_childhood", "transport", "other" };
static const char *const stats[] = { "active", "reduced", "slated_for_removal", "removed" };
static const char *const techs[] = { "LCD", "LED", "other" };

/* Every helper writes its destination only after the value proved valid,
 * so s stays untouched on error without copying the whole screen (an import
 * calls this for every cell). */
int dc_field_set(struct dc_screen *s, enum dc_field f, const char *text, char *err, size_t errlen)
{
	char buf[600];
	int rc = 0, e = 0;

	/* Blanks around a value are never meaningful in a spreadsheet cell. */
	size_t n = strlen(text);
	while (n && isspace((unsigned char)text[n - 1]))
		n--;
	while (n && isspace((unsigned char)*text))
		text++, n--;
	if (n >= sizeof buf)
		n = sizeof buf - 1;	/* still "too long" for every field */
	memcpy(buf, text, n);
	buf[n] = '\0';
	text = buf;

	switch (f) {
	case DC_F_ID:
		if (!dc_slug_valid(text)) {
			if (err && errlen)
				snprintf(err, errlen, TR("identifiant invalide « %s » (minuscules, chiffres, - et _, "
							 "commence par une lettre ou un chiffre, %d caractères au plus)",
							 "invalid id '%s' (lowercase letters, digits, - and _, "
							 "starting with a letter or digit, at most %d characters)"),
					 text, DC_ID_MAX - 1);
			return -1;
		}
		memcpy(s->id, text, strlen(text) + 1);	/* a valid slug fits */
		break;
	case DC_F_NAME:
		if (!*text)
			return fail(err, errlen, TR("nom obligatoire", "name is required"));
		rc = set_text(s->name, sizeof s->name, text, err, errlen);
		break;
	case DC_F_CATEGORY:
		rc = set_enum(&e, dc_category_parse(text), text, cats, DC_CAT__COUNT, err, errlen);
		if (rc == 0)
			s->category = (enum dc_category)e;
		break;
	case DC_F_STATUS:
		rc = set_enum(&e, *text ? dc_status_parse(text) : DC_STATUS_ACTIVE, text, stats,
			      DC_STATUS__COUNT, err, errlen);
		if (rc == 0)
			s->status = (enum dc_status)e;
		break;
	case DC_F_TECH:
		rc = set_enum(&e, *text ? dc_tech_parse(text) : DC_TECH_LCD, text, techs,
			      DC_TECH__COUNT, err, errlen);
		if (rc == 0)
			s->tech = (enum dc_tech)e;
		break;
	case DC_F_SITE: rc = set_text(s->site, sizeof s->site, text, err, errlen); break;
	case DC_F_ADDRESS: rc = set_text(s->address, sizeof s->address, text, err, errlen); break;
	case DC_F_OWNER: rc = set_text(s->owner, sizeof s->owner, text, err, errlen); break;
	case DC_F_NOTES: rc = set_text(s->notes, sizeof s->notes, text, err, errlen); break;
	case DC_F_LAT:
	case DC_F_LON: {
		/* Each coordinate on its own (NaN: not given), so that a file's
		 * row or a command line may give them in any order; the pair is
		 * whole only when both are there, and dc_screen_check rejects
		 * half a pair instead of completing it. */
		double *c = f == DC_F_LAT ? &s->lat : &s->lon;
		double lim = f == DC_F_LAT ? 90 : 180;
		if (!*text)
			*c = NAN;
		else
			rc = set_number(c, text, -lim, lim, err, errlen);
		if (rc == 0)
			s->has_coords = !isnan(s->lat) && !isnan(s->lon);
		break;
	}
	case DC_F_SURFACE_M2:
		rc = *text ? set_number(&s->surface_m2, text, 0, 1000, err, errlen) : (s->surface_m2 = 0, 0);
		break;
	case DC_F_POWER_ON_W:
		rc = *text ? set_number(&s->power_on_w, text, 0, 100000, err, errlen) : (s->power_on_w = 0, 0);
		break;
	case DC_F_POWER_STANDBY_W:
		rc = *text ? set_number(&s->power_standby_w, text, 0, 100000, err, errlen)
			   : (s->power_standby_w = 0, 0);
		break;
	case DC_F_BASELINE_HOURS:
		rc = *text ? set_number(&s->baseline_hours, text, 0, 24, err, errlen)
			   : (s->baseline_hours = 24, 0);
		break;
	case DC_F_REMOVAL_TARGET: rc = set_date(s->removal_target, text, err, errlen); break;
	case DC_F_REMOVAL_DATE: rc = set_date(s->removal_date, text, err, errlen); break;
	case DC_F_AIRPORT: rc = set_bool(s, DC_FLAG_AIRPORT, text, err, errlen); break;
	case DC_F_TRANSPORT_FURNITURE:
		rc = set_bool(s, DC_FLAG_TRANSPORT_FURNITURE, text, err, errlen);
		break;
	case DC_F_SERVICE_HOURS: rc = set_hours(s, text, err, errlen); break;
	case DC_F_DISPLAY: rc = set_display(s, text, err, errlen); break;
	case DC_F_BOX:
		if (*text && (!dc_slug_valid(text) || strlen(text) >= sizeof s->box)) {
			if (err && errlen)
				snprintf(err, errlen, TR("boîtier invalide « %s » (identifiant en minuscules)",
							 "invalid box '%s' (a lowercase id)"), text);
			return -1;
		}
		memcpy(s->box, text, strlen(text) + 1);
		break;
	case DC_F_CHANNEL:
		if (!*text) {
			s->channel = 0;
			break;
		}
		{
			char *end;
			long v = strtol(text, &end, 10);
			if (*end || v < 1 || v > 16) {
				if (err && errlen)
					snprintf(err, errlen, TR("canal invalide « %s » (1 à 16)",
								 "invalid channel '%s' (1 to 16)"), text);
				return -1;
			}
			s->channel = (int)v;
		}
		break;
	default:
		return fail(err, errlen, TR("champ inconnu", "unknown field"));
	}
	return rc;
}

int dc_screen_check(const struct dc_screen *s, enum dc_field *field, char *err, size_t errlen)
{
	enum dc_field dummy;
	if (!field)
		field = &dummy;
	if (!dc_slug_valid(s->id)) {
		*field = DC_F_ID;
		return fail(err, errlen, TR("identifiant invalide", "invalid id"));
	}
	if (!s->name[0]) {
		*field = DC_F_NAME;
		return fail(err, errlen, TR("nom obligatoire", "name is required"));
	}
	if (isnan(s->lat) != isnan(s->lon)) {
		*field = isnan(s->lat) ? DC_F_LAT : DC_F_LON;
		return fail(err, errlen, TR("latitude et longitude vont ensemble (les deux ou aucune)",
					    "latitude and longitude go together (both or neither)"));
	}
	if (s->has_coords && (s->lat < -90 || s->lat > 90 || s->lon < -180 || s->lon > 180)) {
		*field = DC_F_LAT;
		return fail(err, errlen, TR("coordonnées hors limites", "coordinates out of range"));
	}
	if (s->status == DC_STATUS_REMOVED && !s->removal_date[0]) {
		*field = DC_F_REMOVAL_DATE;
		return fail(err, errlen, TR("date de dépose obligatoire pour un écran déposé (removed)",
					    "removal date required for a removed screen"));
	}
	if (s->status == DC_STATUS_SLATED && !s->removal_target[0]) {
		*field = DC_F_REMOVAL_TARGET;
		return fail(err, errlen, TR("date cible obligatoire pour une dépose prévue (slated_for_removal)",
					    "target date required for a screen slated for removal"));
	}
	if (s->removal_date[0] && s->status != DC_STATUS_REMOVED) {
		*field = DC_F_REMOVAL_DATE;
		return fail(err, errlen, TR("date de dépose renseignée mais l'écran n'est pas déposé",
					    "removal date given but the screen is not removed"));
	}
	if ((s->box[0] != '\0') != (s->channel > 0)) {
		*field = s->box[0] ? DC_F_CHANNEL : DC_F_BOX;
		return fail(err, errlen, TR("boîtier et canal vont ensemble (les deux ou aucun)",
					    "box and channel go together (both or neither)"));
	}
	if (s->power_standby_w > s->power_on_w && s->power_on_w > 0) {
		*field = DC_F_POWER_STANDBY_W;
		return fail(err, errlen, TR("puissance en veille supérieure à la puissance allumée",
					    "standby power above power when on"));
	}
	return 0;
}
