/* calendar_ics.c — all-day iCalendar events to date ranges, with libical.
 *
 * libical parses leniently and reports problems as X-LIC-ERROR properties
 * without line numbers, so a small structural pre-scan first records where
 * each VEVENT and its DTSTART/DTEND start; errors found by libical are then
 * reported at the line of the event they belong to.
 */
#include "calendar_ics.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "tz.h"

struct event_lines {
	int begin;		/* line of BEGIN:VEVENT */
};

static void fail(char *err, size_t errlen, const char *label, int line, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(err, errlen, "%s:%d: %s", label, line, msg);
	else
		snprintf(err, errlen, "%s: %s", label, msg);
}

/* Case-insensitive "does the logical line `l` (length n) start with p". */
static bool starts(const char *l, size_t n, const char *p)
{
	size_t k = strlen(p);

	return n >= k && strncasecmp(l, p, k) == 0;
}

/* Structural checks with line numbers; records each VEVENT's first line. */
static int prescan(const char *text, size_t len, const char *label, struct event_lines **evs,
		   size_t *nev, char *err, size_t errlen)
{
	char stack[8][32];
	int depth = 0, line = 0, seen_cal = 0;
	size_t cap = 0;
	const char *p = text, *end = text + len;

	*evs = NULL;
	*nev = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		size_t n = (size_t)(e - p);

		line++;
		if (n && p[n - 1] == '\r')
			n--;
		if (n == 0 || p[0] == ' ' || p[0] == '\t') {	/* blank or folded continuation */
			p = nl ? nl + 1 : end;
			continue;
		}
		if (!memchr(p, ':', n)) {
			fail(err, errlen, label, line, "ligne sans « : » (propriété NOM:VALEUR attendue)");
			goto bad;
		}
		if (depth == 0 && !starts(p, n, "BEGIN:VCALENDAR")) {
			fail(err, errlen, label, line, seen_cal ? "contenu après END:VCALENDAR"
					: "BEGIN:VCALENDAR attendu en tête de fichier");
			goto bad;
		}
		if (starts(p, n, "BEGIN:")) {
			if (depth == 8 || n - 6 >= sizeof stack[0]) {
				fail(err, errlen, label, line, "composants trop imbriqués");
				goto bad;
			}
			if (depth == 0 && seen_cal) {
				fail(err, errlen, label, line, "un seul VCALENDAR par fichier");
				goto bad;
			}
			memcpy(stack[depth], p + 6, n - 6);
			stack[depth][n - 6] = 0;
			depth++;
			seen_cal = 1;
			if (starts(p, n, "BEGIN:VEVENT")) {
				if (*nev >= DC_ICS_MAX_EVENTS) {
					fail(err, errlen, label, line, "plus de %d événements", DC_ICS_MAX_EVENTS);
					goto bad;
				}
				if (*nev == cap) {
					cap = cap ? cap * 2 : 32;
					struct event_lines *x = realloc(*evs, cap * sizeof **evs);
					if (!x) {
						fail(err, errlen, label, 0, "mémoire insuffisante");
						goto bad;
					}
					*evs = x;
				}
				(*evs)[(*nev)++].begin = line;
			}
		} else if (starts(p, n, "END:")) {
			if (depth == 0 || n - 4 != strlen(stack[depth - 1]) ||
			    strncasecmp(p + 4, stack[depth - 1], n - 4) != 0) {
				fail(err, errlen, label, line, "END:%.*s ne ferme pas BEGIN:%s",
				     (int)(n - 4 > 40 ? 40 : n - 4), p + 4, depth ? stack[depth - 1] : "?");
				goto bad;
			}
			depth--;
		}
		p = nl ? nl + 1 : end;
	}
	if (!seen_cal) {
		fail(err, errlen, label, 0, "aucun BEGIN:VCALENDAR");
		goto bad;
	}
	if (depth) {
		fail(err, errlen, label, line, "fin de fichier avant END:%s", stack[depth - 1]);
		goto bad;
	}
	return 0;
bad:
	free(*evs);
	*evs = NULL;
	return -1;
}

static int cmp_range(const void *a, const void *b)
{
	const struct dc_day_range *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

static bool date_ok(struct icaltimetype t)
{
	return !icaltime_is_null_time(t) && t.is_date && dc_ymd_valid(t.year, t.month, t.day);
}

int dc_ics_parse(const char *text, size_t len, const char *label,
		 struct dc_day_calendar *out, char *err, size_t errlen)
{
	struct event_lines *evs = NULL;
	struct dc_day_range *r = NULL;
	size_t nev = 0, n = 0, k = 0;
	icalcomponent *root = NULL;
	char *copy = NULL;
	int rc = -1;

	if (len > DC_ICS_MAX_BYTES) {
		fail(err, errlen, label, 0, "fichier trop gros (plus de %d octets)", DC_ICS_MAX_BYTES);
		return -1;
	}
	if (memchr(text, 0, len)) {
		fail(err, errlen, label, 0, "octet nul : ce n'est pas un fichier texte iCalendar");
		return -1;
	}
	if (prescan(text, len, label, &evs, &nev, err, errlen) < 0)
		return -1;
	if (!(copy = strndup(text, len)) || (nev && !(r = calloc(nev, sizeof *r)))) {
		fail(err, errlen, label, 0, "mémoire insuffisante");
		goto out;
	}
	icalerror_set_errors_are_fatal(0);
	root = icalparser_parse_string(copy);
	if (!root || icalcomponent_isa(root) != ICAL_VCALENDAR_COMPONENT) {
		fail(err, errlen, label, 0, "libical ne reconnaît pas un VCALENDAR");
		goto out;
	}
	for (icalcomponent *ev = icalcomponent_get_first_component(root, ICAL_VEVENT_COMPONENT);
	     ev; ev = icalcomponent_get_next_component(root, ICAL_VEVENT_COMPONENT), k++) {
		int at = k < nev ? evs[k].begin : 0;
		icalproperty *x = icalcomponent_get_first_property(ev, ICAL_XLICERROR_PROPERTY);

		if (x) {
			fail(err, errlen, label, at, "événement illisible : %s", icalproperty_get_xlicerror(x));
			goto out;
		}
		if (icalcomponent_get_first_property(ev, ICAL_RRULE_PROPERTY) ||
		    icalcomponent_get_first_property(ev, ICAL_RDATE_PROPERTY)) {
			fail(err, errlen, label, at, "récurrence (RRULE/RDATE) non prise en charge : "
			     "une période par événement");
			goto out;
		}
		if (!icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY)) {
			fail(err, errlen, label, at, "événement sans DTSTART");
			goto out;
		}
		struct icaltimetype s = icalcomponent_get_dtstart(ev);
		if (!date_ok(s)) {
			fail(err, errlen, label, at, "DTSTART n'est pas une date « journée entière » "
			     "(DTSTART;VALUE=DATE:AAAAMMJJ)");
			goto out;
		}
		int64_t first = dc_days_from_civil(s.year, s.month, s.day), last = first + 1;
		if (icalcomponent_get_first_property(ev, ICAL_DTEND_PROPERTY) ||
		    icalcomponent_get_first_property(ev, ICAL_DURATION_PROPERTY)) {
			struct icaltimetype e = icalcomponent_get_dtend(ev);
			if (!date_ok(e)) {
				fail(err, errlen, label, at, "DTEND n'est pas une date « journée entière » "
				     "(DTEND;VALUE=DATE:AAAAMMJJ)");
				goto out;
			}
			last = dc_days_from_civil(e.year, e.month, e.day);
			if (last <= first) {
				fail(err, errlen, label, at, "DTEND (exclusif) doit suivre DTSTART");
				goto out;
			}
		}
		if (n < nev)
			r[n++] = (struct dc_day_range){ first, last };
	}
	if (icalcomponent_count_errors(root) > 0) {
		icalproperty *x = icalcomponent_get_first_property(root, ICAL_XLICERROR_PROPERTY);
		fail(err, errlen, label, 0, "erreur iCalendar : %s",
		     x ? icalproperty_get_xlicerror(x) : "?");
		goto out;
	}
	qsort(r, n, sizeof *r, cmp_range);
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (m && r[i].first <= r[m - 1].end) {
			if (r[i].end > r[m - 1].end)
				r[m - 1].end = r[i].end;
		} else {
			r[m++] = r[i];
		}
	}
	out->n = m;
	out->r = r;
	r = NULL;
	rc = 0;
out:
	if (root)
		icalcomponent_free(root);
	free(copy);
	free(evs);
	free(r);
	return rc;
}

int dc_ics_load(const char *path, struct dc_day_calendar *out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;
	int rc;

	if (!f) {
		fail(err, errlen, path, 0, "%s", strerror(errno));
		return -1;
	}
	if (!(buf = malloc(DC_ICS_MAX_BYTES + 1))) {
		fclose(f);
		fail(err, errlen, path, 0, "mémoire insuffisante");
		return -1;
	}
	n = fread(buf, 1, DC_ICS_MAX_BYTES + 1, f);
	if (ferror(f)) {
		fail(err, errlen, path, 0, "lecture impossible");
		rc = -1;
	} else {
		const char *slash = strrchr(path, '/');
		rc = dc_ics_parse(buf, n, slash ? slash + 1 : path, out, err, errlen);
	}
	fclose(f);
	free(buf);
	return rc;
}

void dc_day_calendar_free(struct dc_day_calendar *c)
{
	free(c->r);
	c->r = NULL;
	c->n = 0;
}

bool dc_day_calendar_has(const struct dc_day_calendar *c, int64_t day)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->r[mid].end <= day)
			lo = mid + 1;
		else if (c->r[mid].first > day)
			hi = mid;
		else
			return true;
	}
	return false;
}
