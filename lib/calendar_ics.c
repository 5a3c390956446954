/* calendar_ics.c — iCalendar events to UTC intervals, with libical.
 *
 * libical parses leniently and reports problems as X-LIC-ERROR properties
 * without line numbers, so a small structural pre-scan first records where
 * each VEVENT and each of its properties start; every error, libical's or
 * ours, is then reported at the line of the property it is about.
 */
#include "calendar_ics.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libical/ical.h>

#include "i18n.h"
#include "tz.h"

/* A property line directly inside a top-level VEVENT. */
struct prop_line {
	const char *name, *value;	/* into the text; value up to the end of its first line */
	size_t nlen, vlen;
	int line;
};

struct event_lines {
	int begin;		/* line of BEGIN:VEVENT */
	size_t first, n;	/* its properties in scan.props */
};

struct scan {
	struct event_lines *ev;
	size_t nev, cap_ev;
	int *zone_rules;	/* lines of the RRULEs of VTIMEZONE observances */
	size_t nzr, cap_zr;
	struct prop_line *props;
	size_t nprops, cap_props;
};

static void scan_free(struct scan *s)
{
	free(s->ev);
	free(s->props);
	free(s->zone_rules);
	memset(s, 0, sizeof *s);
}

__attribute__((format(printf, 5, 6)))
static void fail(char *err, size_t errlen, const char *label, int line, const char *fmt, ...)
{
	char msg[320];
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

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t c = *cap ? *cap * 2 : 32;
	void *x = realloc(*v, c * size);
	if (!x)
		return -1;
	*v = x;
	*cap = c;
	return 0;
}

/* Record a property line of the current VEVENT: its name, and its value
 * after the first ':' outside a quoted parameter. */
static int record_prop(struct scan *s, const char *p, size_t n, int line)
{
	size_t i = 0, nl;
	bool quoted = false;

	while (i < n && p[i] != ';' && p[i] != ':')
		i++;
	nl = i;
	for (; i < n && (quoted || p[i] != ':'); i++)
		if (p[i] == '"')
			quoted = !quoted;
	if (grow((void **)&s->props, &s->cap_props, s->nprops, sizeof *s->props) < 0)
		return -1;
	s->props[s->nprops++] = (struct prop_line){ p, i < n ? p + i + 1 : p + n, nl,
						    i < n ? n - i - 1 : 0, line };
	s->ev[s->nev - 1].n++;
	return 0;
}

/* Structural checks with line numbers; records each top-level VEVENT and
 * its own properties (not those of a VALARM inside it). */
static int prescan(const char *text, size_t len, const char *label, struct scan *s, char *err,
		   size_t errlen)
{
	char stack[8][32];
	int depth = 0, line = 0, seen_cal = 0;
	const char *p = text, *end = text + len;

	memset(s, 0, sizeof *s);
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
			fail(err, errlen, label, line, "%s", TR("ligne sans « : » (propriété NOM:VALEUR attendue)",
								 "line without ':' (NAME:VALUE property expected)"));
			goto bad;
		}
		if (depth == 0 && !starts(p, n, "BEGIN:VCALENDAR")) {
			fail(err, errlen, label, line, "%s", seen_cal
			     ? TR("contenu après END:VCALENDAR", "content after END:VCALENDAR")
			     : TR("BEGIN:VCALENDAR attendu en tête de fichier",
				  "BEGIN:VCALENDAR expected at the start of the file"));
			goto bad;
		}
		if (starts(p, n, "BEGIN:")) {
			if (depth == 8 || n - 6 >= sizeof stack[0]) {
				fail(err, errlen, label, line, "%s", TR("composants trop imbriqués",
									 "components nested too deeply"));
				goto bad;
			}
			if (depth == 0 && seen_cal) {
				fail(err, errlen, label, line, "%s", TR("un seul VCALENDAR par fichier",
									 "one VCALENDAR per file"));
				goto bad;
			}
			memcpy(stack[depth], p + 6, n - 6);
			stack[depth][n - 6] = 0;
			depth++;
			seen_cal = 1;
			if (depth == 2 && starts(p, n, "BEGIN:VEVENT")) {
				if (s->nev >= DC_ICS_MAX_EVENTS) {
					fail(err, errlen, label, line, TR("plus de %d événements", "more than %d events"),
					     DC_ICS_MAX_EVENTS);
					goto bad;
				}
				if (grow((void **)&s->ev, &s->cap_ev, s->nev, sizeof *s->ev) < 0)
					goto oom;
				s->ev[s->nev++] = (struct event_lines){ line, s->nprops, 0 };
			}
		} else if (starts(p, n, "END:")) {
			if (depth == 0 || n - 4 != strlen(stack[depth - 1]) ||
			    strncasecmp(p + 4, stack[depth - 1], n - 4) != 0) {
				fail(err, errlen, label, line, TR("END:%.*s ne ferme pas BEGIN:%s",
								  "END:%.*s does not close BEGIN:%s"),
				     (int)(n - 4 > 40 ? 40 : n - 4), p + 4, depth ? stack[depth - 1] : "?");
				goto bad;
			}
			depth--;
		} else if (depth == 3 && strcasecmp(stack[1], "VTIMEZONE") == 0 && n > 6 &&
			   strncasecmp(p, "RRULE", 5) == 0 && (p[5] == ':' || p[5] == ';')) {
			if (grow((void **)&s->zone_rules, &s->cap_zr, s->nzr, sizeof *s->zone_rules) < 0)
				goto oom;
			s->zone_rules[s->nzr++] = line;
		} else if (depth == 2 && strcasecmp(stack[1], "VEVENT") == 0) {
			if (record_prop(s, p, n, line) < 0)
				goto oom;
		}
		p = nl ? nl + 1 : end;
	}
	if (!seen_cal) {
		fail(err, errlen, label, 0, "%s", TR("aucun BEGIN:VCALENDAR", "no BEGIN:VCALENDAR"));
		goto bad;
	}
	if (depth) {
		fail(err, errlen, label, line, TR("fin de fichier avant END:%s", "end of file before END:%s"),
		     stack[depth - 1]);
		goto bad;
	}
	return 0;
oom:
	fail(err, errlen, label, 0, "%s", TR("mémoire insuffisante", "out of memory"));
bad:
	scan_free(s);
	return -1;
}

/* ---- one parse ---- */

struct parse {
	const char *label;
	char *err;
	size_t errlen;
	const struct scan *sc;
	icalcomponent *root;
	struct dc_interval *iv;
	size_t niv, cap_iv;
	size_t k;		/* current event, index into sc->ev */
};

/* Line of the nth property `name` of the current event, else its BEGIN line. */
static int line_of(const struct parse *P, const char *name, int nth)
{
	const struct event_lines *e = &P->sc->ev[P->k];
	size_t nl = strlen(name);

	for (size_t i = e->first; i < e->first + e->n; i++) {
		const struct prop_line *l = &P->sc->props[i];
		if (l->nlen == nl && strncasecmp(l->name, name, nl) == 0 && nth-- == 0)
			return l->line;
	}
	return e->begin;
}

__attribute__((format(printf, 4, 5)))
static int bad_prop(struct parse *P, const char *name, int nth, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fail(P->err, P->errlen, P->label, line_of(P, name, nth), "%s: %s", name, msg);
	return -1;
}

/* libical's "Can't parse as DATE-TIME value in DTEND property. Removing
 * entire property: 2026X": the line of that property (the one with that
 * value when the event has several), else the event's. */
static int xlic_line(const struct parse *P, const char *msg, char *name, size_t nlen)
{
	const struct event_lines *e = &P->sc->ev[P->k];
	const char *in = strstr(msg, " in "), *pe, *val = strstr(msg, "property: ");
	int line = e->begin;

	name[0] = 0;
	if (!in || !(pe = strstr(in + 4, " property")) || (size_t)(pe - in - 4) >= nlen)
		return line;
	snprintf(name, nlen, "%.*s", (int)(pe - in - 4), in + 4);
	val = val ? val + 10 : NULL;
	for (size_t i = e->first; i < e->first + e->n; i++) {
		const struct prop_line *l = &P->sc->props[i];
		if (l->nlen != strlen(name) || strncasecmp(l->name, name, l->nlen) != 0)
			continue;
		if (line == e->begin)
			line = l->line;
		if (val && l->vlen && strncmp(val, l->value, l->vlen) == 0)
			return l->line;
	}
	return line;
}

static bool time_fields_ok(struct icaltimetype t)
{
	if (!dc_ymd_valid(t.year, t.month, t.day))
		return false;
	return t.is_date || (t.hour >= 0 && t.hour < 24 && t.minute >= 0 && t.minute < 60 &&
			     t.second >= 0 && t.second <= 60);
}

/* A time value as the rules read it: a local date (all-day), or an instant. */
struct when {
	bool is_date;
	int64_t day;		/* is_date: local day number */
	int64_t utc;		/* instant; for a date, its first instant in the rules' zone */
	struct icaltimetype wall;	/* the value with its zone, for nominal arithmetic */
};

static int64_t utc_of_fields(struct icaltimetype u)
{
	return dc_days_from_civil(u.year, u.month, u.day) * 86400 + u.hour * 3600 + u.minute * 60 +
	       u.second;
}

/* The instant of a wall time (zone from TZID, UTC, or floating = rules' zone). */
static int64_t instant_of(struct icaltimetype t)
{
	if (t.is_date)
		return dc_tz_from_local(t.year, t.month, t.day, 0);
	if (icaltime_is_utc(t))
		return utc_of_fields(t);
	if (t.zone)
		return utc_of_fields(icaltime_convert_to_zone(t, icaltimezone_get_utc_timezone()));
	return dc_tz_from_local(t.year, t.month, t.day, t.hour * 3600 + t.minute * 60 + t.second);
}

static struct when when_of(struct icaltimetype t)
{
	struct when w = { .is_date = t.is_date, .wall = t };

	w.day = dc_days_from_civil(t.year, t.month, t.day);
	w.utc = instant_of(t);
	return w;
}

/* The zone of a property's TZID: the file's VTIMEZONE, else the tz database. */
static int prop_zone(struct parse *P, icalproperty *p, const char *name, int nth, icaltimezone **z)
{
	icalparameter *par = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
	const char *id;

	*z = NULL;
	if (!par || !(id = icalparameter_get_tzid(par)))
		return 0;
	if (!(*z = icalcomponent_get_timezone(P->root, id)))
		*z = icaltimezone_get_builtin_timezone(id);
	if (!*z)
		return bad_prop(P, name, nth, TR("fuseau TZID « %s » inconnu (ni VTIMEZONE dans le fichier, "
						 "ni fuseau de la base tz)",
						 "unknown TZID \"%s\" (no VTIMEZONE in the file, not a tz "
						 "database zone)"), id);
	return 0;
}

/* Read property p (the nth `name` of the event) holding time t. */
static int read_time(struct parse *P, icalproperty *p, const char *name, int nth, struct icaltimetype t,
		     struct when *w)
{
	icaltimezone *z;

	if (icaltime_is_null_time(t) || !time_fields_ok(t))
		return bad_prop(P, name, nth, "%s", TR("date ou date-heure invalide (AAAAMMJJ ou AAAAMMJJTHHMMSS)",
						       "invalid date or date-time (YYYYMMDD or YYYYMMDDTHHMMSS)"));
	/* Nothing is expanded past 2100, and a zone's offsets that far would
	 * cost libical a computation per year in between. */
	if (t.year >= 2100)
		return bad_prop(P, name, nth, "%s", TR("date en 2100 ou après : au-delà de l'horizon des calendriers",
						       "date in 2100 or later: beyond the calendars' horizon"));
	if (prop_zone(P, p, name, nth, &z) < 0)
		return -1;
	if (z && !t.is_date && !icaltime_is_utc(t))
		t.zone = z;
	else if (!icaltime_is_utc(t))
		t.zone = NULL;	/* a date, or floating: the rules' zone */
	*w = when_of(t);
	return 0;
}

static int push(struct parse *P, int64_t from, int64_t until)
{
	if (until <= from)
		return 0;	/* an instant covers no interval */
	if (grow((void **)&P->iv, &P->cap_iv, P->niv, sizeof *P->iv) < 0) {
		fail(P->err, P->errlen, P->label, 0, "%s", TR("mémoire insuffisante", "out of memory"));
		return -1;
	}
	P->iv[P->niv++] = (struct dc_interval){ from, until };
	return 0;
}

/* How long each occurrence lasts. */
struct span {
	enum { SPAN_NONE, SPAN_EXACT, SPAN_NOMINAL } kind;
	int64_t days;		/* nominal days (all-day, or DURATION's days and weeks) */
	int64_t secs;		/* exact seconds */
};

/* Occurrences excluded from an expansion: EXDATE and overridden RECURRENCE-IDs. */
struct excl {
	struct when *v;
	size_t n, cap;
};

static bool excluded(const struct excl *x, const struct when *o)
{
	for (size_t i = 0; i < x->n; i++)
		if (x->v[i].is_date ? x->v[i].day == o->day : x->v[i].utc == o->utc)
			return true;
	return false;
}

static int add_excl(struct parse *P, struct excl *x, const struct when *w)
{
	if (grow((void **)&x->v, &x->cap, x->n, sizeof *x->v) < 0) {
		fail(P->err, P->errlen, P->label, 0, "%s", TR("mémoire insuffisante", "out of memory"));
		return -1;
	}
	x->v[x->n++] = *w;
	return 0;
}

/* One occurrence starting at wall time o (in DTSTART's zone). */
/* The expansion's horizon and cap: DC_ICS_EXPAND_UNTIL and
 * DC_ICS_MAX_OCCURRENCES unless dc_ics_set_limits changed them. */
static int64_t expand_until = DC_ICS_EXPAND_UNTIL;
static long max_occurrences = DC_ICS_MAX_OCCURRENCES;

void dc_ics_set_limits(int64_t until, long max_occ)
{
	expand_until = until;
	max_occurrences = max_occ;
}

static int occurrence(struct parse *P, struct icaltimetype o, const struct span *sp, const struct excl *x,
		      size_t *count, const char *what)
{
	struct when w = when_of(o);
	int64_t until;

	if (excluded(x, &w))
		return 0;
	if (++*count > (size_t)max_occurrences)
		return bad_prop(P, what, 0, TR("plus de %d occurrences avant 2100 : bornez la règle "
					       "(UNTIL ou COUNT)",
					       "more than %d occurrences before 2100: bound the rule "
					       "(UNTIL or COUNT)"), (int)max_occurrences);
	if (w.is_date) {
		int y, m, d;
		dc_civil_from_days(w.day + sp->days, &y, &m, &d);
		until = dc_tz_from_local(y, m, d, 0);
	} else if (sp->kind == SPAN_NOMINAL && sp->days) {
		struct icaltimetype e = o;
		e.day += (int)sp->days;
		e = icaltime_normalize(e);
		until = instant_of(e) + sp->secs;
	} else {
		until = w.utc + (sp->kind == SPAN_NONE ? 0 : sp->secs);
	}
	return push(P, w.utc, until);
}

/* DTEND or DURATION, checked against DTSTART. */
static int read_span(struct parse *P, icalcomponent *ev, const struct when *s, struct span *sp)
{
	icalproperty *pe = icalcomponent_get_first_property(ev, ICAL_DTEND_PROPERTY);
	icalproperty *pd = icalcomponent_get_first_property(ev, ICAL_DURATION_PROPERTY);

	*sp = (struct span){ SPAN_NONE, s->is_date ? 1 : 0, 0 };
	if (pe && pd)
		return bad_prop(P, "DURATION", 0, "%s", TR("DTEND et DURATION ne vont pas ensemble (RFC 5545)",
							    "DTEND and DURATION are mutually exclusive (RFC 5545)"));
	if (pe) {
		struct when e;
		if (read_time(P, pe, "DTEND", 0, icalproperty_get_dtend(pe), &e) < 0)
			return -1;
		if (e.is_date != s->is_date)
			return bad_prop(P, "DTEND", 0, "%s", TR("doit être du même type que DTSTART (date ou date-heure)",
								 "must have the type of DTSTART (date or date-time)"));
		if (s->is_date ? e.day <= s->day : e.utc < s->utc)
			return bad_prop(P, "DTEND", 0, "%s", TR("doit suivre DTSTART (DTEND est exclusif)",
								 "must be after DTSTART (DTEND is exclusive)"));
		if (s->is_date)
			sp->days = e.day - s->day;
		else
			*sp = (struct span){ SPAN_EXACT, 0, e.utc - s->utc };
	} else if (pd) {
		struct icaldurationtype d = icalproperty_get_duration(pd);
		int64_t days = (int64_t)d.days + 7 * (int64_t)d.weeks;
		int64_t secs = (int64_t)d.hours * 3600 + (int64_t)d.minutes * 60 + d.seconds;
		if (d.is_neg || icaldurationtype_is_bad_duration(d))
			return bad_prop(P, "DURATION", 0, "%s", TR("durée négative ou invalide",
								    "negative or invalid duration"));
		if (s->is_date && (secs || !days))
			return bad_prop(P, "DURATION", 0, "%s", TR("un événement « journée entière » dure des jours "
								    "ou des semaines (P1D, P2W)",
								    "an all-day event lasts days or weeks (P1D, P2W)"));
		if (s->is_date)
			sp->days = days;
		else
			*sp = (struct span){ SPAN_NOMINAL, days, secs };
	}
	return 0;
}

/* A VEVENT that replaces one occurrence of another (same UID). */
struct override {
	const char *uid;
	struct when rid;
};

static int cmp_override(const void *a, const void *b)
{
	const struct override *x = a, *y = b;

	return strcmp(x->uid, y->uid);
}

/* A libical built with a 32-bit time_t (Debian 12's armhf) ends every
 * recurrence after 2037 (its MAX_TIME_T_YEAR) and refuses one that starts
 * later, whatever our own time_t.  The Gregorian calendar repeats every 28
 * years from 1901 to 2099 (same weekdays, same leap years), so such a
 * libical expands a rule 28 years earlier per step, and each occurrence's
 * wall time moves back.  The shifted start stays in 1996 or later, where
 * European zones keep today's rules: libical converts UNTIL in UTC with
 * the zone's offsets of the shifted year.  A rule starting before 2024
 * still stops after 2037 there.  -1 until probed. */
static int libical_stops_2037 = -1;

void dc_ics_assume_libical_stops_2037(bool yes)
{
	libical_stops_2037 = yes;
}

static int recur_shift_years(struct icaltimetype start)
{
	if (libical_stops_2037 < 0) {
		struct icalrecurrencetype r = icalrecurrencetype_from_string("FREQ=YEARLY;COUNT=3");
		icalrecur_iterator *it = icalrecur_iterator_new(r, icaltime_from_string("20370101"));
		struct icaltimetype o = it ? icalrecur_iterator_next(it) : icaltime_null_time();
		if (it && !icaltime_is_null_time(o))
			o = icalrecur_iterator_next(it);
		libical_stops_2037 = icaltime_is_null_time(o) || o.year != 2038;
		icalrecur_iterator_free(it);
	}
	if (!libical_stops_2037 || start.year < 1996 + 28)
		return 0;
	int steps = (start.year - 1996) / 28;
	return 28 * (steps > 3 ? 3 : steps);
}

static int expand_event(struct parse *P, icalcomponent *ev, const struct override *ov, size_t nov,
			size_t *count)
{
	icalproperty *ps = icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY), *p;
	struct excl x = { 0 };
	struct when s;
	struct span sp;
	int rc = -1, nth;

	if (!ps)
		return bad_prop(P, "DTSTART", 0, "%s", TR("événement sans DTSTART", "event without DTSTART"));
	if (read_time(P, ps, "DTSTART", 0, icalproperty_get_dtstart(ps), &s) < 0 || read_span(P, ev, &s, &sp) < 0)
		return -1;
	nth = 0;
	for (p = icalcomponent_get_first_property(ev, ICAL_EXDATE_PROPERTY); p;
	     p = icalcomponent_get_next_property(ev, ICAL_EXDATE_PROPERTY), nth++) {
		struct when w;
		if (read_time(P, p, "EXDATE", nth, icalproperty_get_exdate(p), &w) < 0 || add_excl(P, &x, &w) < 0)
			goto out;
	}
	/* Occurrences moved or cancelled by another VEVENT of the same UID. */
	const char *uid = icalcomponent_get_uid(ev);
	if (uid && nov && !icalcomponent_get_first_property(ev, ICAL_RECURRENCEID_PROPERTY)) {
		struct override key = { .uid = uid };
		const struct override *o = bsearch(&key, ov, nov, sizeof *ov, cmp_override);
		while (o && o > ov && strcmp(o[-1].uid, uid) == 0)
			o--;
		for (; o && o < ov + nov && strcmp(o->uid, uid) == 0; o++)
			if (add_excl(P, &x, &o->rid) < 0)
				goto out;
	}
	if (icalcomponent_get_status(ev) == ICAL_STATUS_CANCELLED) {
		rc = 0;
		goto out;
	}
	struct icaltimetype start = s.wall;
	if (occurrence(P, start, &sp, &x, count, "DTSTART") < 0)
		goto out;
	nth = 0;
	for (p = icalcomponent_get_first_property(ev, ICAL_RRULE_PROPERTY); p;
	     p = icalcomponent_get_next_property(ev, ICAL_RRULE_PROPERTY), nth++) {
		struct icalrecurrencetype rule = icalproperty_get_rrule(p);
		struct icaltimetype from = start;
		int shift = recur_shift_years(start);
		from.year -= shift;
		if (!icaltime_is_null_time(rule.until))
			rule.until.year -= shift;
		icalrecur_iterator *it = rule.freq == ICAL_NO_RECURRENCE ? NULL
					 : icalrecur_iterator_new(rule, from);
		if (!it) {
			bad_prop(P, "RRULE", nth, "%s", TR("règle de récurrence invalide ou non prise en charge",
							   "invalid or unsupported recurrence rule"));
			goto out;
		}
		for (struct icaltimetype o = icalrecur_iterator_next(it); !icaltime_is_null_time(o);
		     o = icalrecur_iterator_next(it)) {
			o.year += shift;
			if (instant_of(o) >= expand_until)
				break;
			if (icaltime_compare(o, start) == 0)
				continue;	/* DTSTART, counted above */
			if (occurrence(P, o, &sp, &x, count, "RRULE") < 0) {
				icalrecur_iterator_free(it);
				goto out;
			}
		}
		icalrecur_iterator_free(it);
	}
	nth = 0;
	for (p = icalcomponent_get_first_property(ev, ICAL_RDATE_PROPERTY); p;
	     p = icalcomponent_get_next_property(ev, ICAL_RDATE_PROPERTY), nth++) {
		struct icaldatetimeperiodtype r = icalproperty_get_rdate(p);
		struct when w, e;
		if (icaltime_is_null_time(r.time)) {	/* a PERIOD: its own start and end */
			if (read_time(P, p, "RDATE", nth, r.period.start, &w) < 0)
				goto out;
			if (!icaltime_is_null_time(r.period.end)) {
				if (read_time(P, p, "RDATE", nth, r.period.end, &e) < 0)
					goto out;
			} else {
				e = w;
				e.utc += icaldurationtype_as_int(r.period.duration);
			}
			if (e.utc < w.utc) {
				bad_prop(P, "RDATE", nth, "%s", TR("période à l'envers", "period ends before it starts"));
				goto out;
			}
			if (!excluded(&x, &w) && push(P, w.utc, e.utc) < 0)
				goto out;
			continue;
		}
		if (read_time(P, p, "RDATE", nth, r.time, &w) < 0)
			goto out;
		if (w.is_date != s.is_date) {
			bad_prop(P, "RDATE", nth, "%s", TR("doit être du même type que DTSTART (date ou date-heure)",
							   "must have the type of DTSTART (date or date-time)"));
			goto out;
		}
		if (occurrence(P, w.wall, &sp, &x, count, "RDATE") < 0)
			goto out;
	}
	rc = 0;
out:
	free(x.v);
	return rc;
}

static int cmp_interval(const void *a, const void *b)
{
	const struct dc_interval *x = a, *y = b;

	return x->from < y->from ? -1 : x->from > y->from;
}

/* Check libical's complaints and collect the RECURRENCE-ID overrides. */
static bool by_empty(const short *by)
{
	return by[0] == ICAL_RECURRENCE_ARRAY_MAX;
}

/* A zone's observances change the offset once a year (every VTIMEZONE of a
 * calendar server or of the tz database does).  A rule repeating within the
 * year made libical compute each of its occurrences from DTSTART to the
 * events' years: a minute for FREQ=HOURLY over 57 years. */
static int check_zone_rules(struct parse *P)
{
	size_t nth = 0;

	for (icalcomponent *z = icalcomponent_get_first_component(P->root, ICAL_VTIMEZONE_COMPONENT); z;
	     z = icalcomponent_get_next_component(P->root, ICAL_VTIMEZONE_COMPONENT))
		for (icalcomponent *o = icalcomponent_get_first_component(z, ICAL_ANY_COMPONENT); o;
		     o = icalcomponent_get_next_component(z, ICAL_ANY_COMPONENT))
			for (icalproperty *p = icalcomponent_get_first_property(o, ICAL_RRULE_PROPERTY); p;
			     p = icalcomponent_get_next_property(o, ICAL_RRULE_PROPERTY), nth++) {
				struct icalrecurrencetype r = icalproperty_get_rrule(p);
				if (r.freq == ICAL_YEARLY_RECURRENCE && by_empty(r.by_hour) &&
				    by_empty(r.by_minute) && by_empty(r.by_second) &&
				    by_empty(r.by_year_day) && by_empty(r.by_week_no))
					continue;
				fail(P->err, P->errlen, P->label,
				     nth < P->sc->nzr ? P->sc->zone_rules[nth] : 0, "RRULE: %s",
				     TR("règle de changement d'heure annuelle attendue (FREQ=YEARLY, sans "
					"BYHOUR, BYMINUTE, BYSECOND, BYYEARDAY ni BYWEEKNO)",
					"yearly change of offset expected (FREQ=YEARLY, without BYHOUR, "
					"BYMINUTE, BYSECOND, BYYEARDAY or BYWEEKNO)"));
				return -1;
			}
	return 0;
}

static int first_pass(struct parse *P, struct override **ov, size_t *nov)
{
	size_t cap = 0;

	P->k = 0;
	for (icalcomponent *ev = icalcomponent_get_first_component(P->root, ICAL_VEVENT_COMPONENT); ev;
	     ev = icalcomponent_get_next_component(P->root, ICAL_VEVENT_COMPONENT), P->k++) {
		icalproperty *x = icalcomponent_get_first_property(ev, ICAL_XLICERROR_PROPERTY), *r;
		char name[40];

		if (P->k >= P->sc->nev) {	/* libical and the pre-scan disagree: keep lines honest */
			fail(P->err, P->errlen, P->label, 0, "%s", TR("structure iCalendar non reconnue",
								       "unrecognised iCalendar structure"));
			return -1;
		}
		if (x) {
			const char *msg = icalproperty_get_xlicerror(x);
			int line = xlic_line(P, msg ? msg : "", name, sizeof name);
			if (*name)
				fail(P->err, P->errlen, P->label, line, "%s: %s : %s", name,
				     TR("valeur illisible", "unreadable value"), msg);
			else
				fail(P->err, P->errlen, P->label, line, "%s : %s",
				     TR("événement illisible", "unreadable event"), msg ? msg : "?");
			return -1;
		}
		if (!(r = icalcomponent_get_first_property(ev, ICAL_RECURRENCEID_PROPERTY)))
			continue;
		const char *uid = icalcomponent_get_uid(ev);
		icalparameter *range = icalproperty_get_first_parameter(r, ICAL_RANGE_PARAMETER);
		struct when w;
		if (!uid)
			return bad_prop(P, "RECURRENCE-ID", 0, "%s", TR("sans UID, on ne sait pas quel événement "
									 "il remplace",
									 "without a UID, the event it replaces is "
									 "unknown"));
		if (range)
			return bad_prop(P, "RECURRENCE-ID", 0, "%s", TR("RANGE=THISANDFUTURE non pris en charge : "
									 "exportez les occurrences une à une",
									 "RANGE=THISANDFUTURE is not supported: "
									 "export occurrences one by one"));
		if (read_time(P, r, "RECURRENCE-ID", 0, icalproperty_get_recurrenceid(r), &w) < 0)
			return -1;
		if (grow((void **)ov, &cap, *nov, sizeof **ov) < 0) {
			fail(P->err, P->errlen, P->label, 0, "%s", TR("mémoire insuffisante", "out of memory"));
			return -1;
		}
		(*ov)[(*nov)++] = (struct override){ uid, w };
	}
	if (*nov)
		qsort(*ov, *nov, sizeof **ov, cmp_override);
	return 0;
}

int dc_ics_parse(const char *text, size_t len, const char *label, const char *zone,
		 struct dc_ics_calendar *out, char *err, size_t errlen)
{
	struct parse P = { .label = label, .err = err, .errlen = errlen };
	struct scan sc;
	struct override *ov = NULL;
	size_t nov = 0, count = 0;
	char *copy = NULL;
	int rc = -1;

	if (len > DC_ICS_MAX_BYTES) {
		fail(err, errlen, label, 0, TR("fichier trop gros (plus de %d octets)",
					       "file too large (more than %d bytes)"), DC_ICS_MAX_BYTES);
		return -1;
	}
	if (memchr(text, 0, len)) {
		fail(err, errlen, label, 0, "%s", TR("octet nul : ce n'est pas un fichier texte iCalendar",
						     "NUL byte: not an iCalendar text file"));
		return -1;
	}
	if (dc_tz_use(zone) < 0) {
		fail(err, errlen, label, 0,
		     dc_tz_valid(zone) ? TR("fuseau « %s » : le processus suit un autre fuseau",
					    "zone \"%s\": the process runs in another zone")
				       : TR("fuseau « %s » inconnu", "unknown zone \"%s\""), zone);
		return -1;
	}
	if (prescan(text, len, label, &sc, err, errlen) < 0)
		return -1;
	P.sc = &sc;
	if (!(copy = strndup(text, len))) {
		fail(err, errlen, label, 0, "%s", TR("mémoire insuffisante", "out of memory"));
		goto out;
	}
	icalerror_set_errors_are_fatal(0);
	P.root = icalparser_parse_string(copy);
	if (!P.root || icalcomponent_isa(P.root) != ICAL_VCALENDAR_COMPONENT) {
		fail(err, errlen, label, 0, "%s", TR("libical ne reconnaît pas un VCALENDAR",
						     "libical does not recognise a VCALENDAR"));
		goto out;
	}
	if (check_zone_rules(&P) < 0 || first_pass(&P, &ov, &nov) < 0)
		goto out;
	P.k = 0;
	for (icalcomponent *ev = icalcomponent_get_first_component(P.root, ICAL_VEVENT_COMPONENT); ev;
	     ev = icalcomponent_get_next_component(P.root, ICAL_VEVENT_COMPONENT), P.k++)
		if (expand_event(&P, ev, ov, nov, &count) < 0)
			goto out;
	if (icalcomponent_count_errors(P.root) > 0) {
		icalproperty *x = icalcomponent_get_first_property(P.root, ICAL_XLICERROR_PROPERTY);
		fail(err, errlen, label, 0, TR("erreur iCalendar : %s", "iCalendar error: %s"),
		     x ? icalproperty_get_xlicerror(x) : "?");
		goto out;
	}
	if (P.niv)
		qsort(P.iv, P.niv, sizeof *P.iv, cmp_interval);
	size_t m = 0;
	for (size_t i = 0; i < P.niv; i++) {
		if (m && P.iv[i].from <= P.iv[m - 1].until) {
			if (P.iv[i].until > P.iv[m - 1].until)
				P.iv[m - 1].until = P.iv[i].until;
		} else {
			P.iv[m++] = P.iv[i];
		}
	}
	out->n = m;
	out->v = P.iv;
	P.iv = NULL;
	rc = 0;
out:
	if (P.root)
		icalcomponent_free(P.root);
	free(copy);
	free(ov);
	free(P.iv);
	scan_free(&sc);
	return rc;
}

int dc_ics_load(const char *path, const char *zone, struct dc_ics_calendar *out, char *err,
		size_t errlen)
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
		fail(err, errlen, path, 0, "%s", TR("mémoire insuffisante", "out of memory"));
		return -1;
	}
	n = fread(buf, 1, DC_ICS_MAX_BYTES + 1, f);
	if (ferror(f)) {
		fail(err, errlen, path, 0, "%s", TR("lecture impossible", "read error"));
		rc = -1;
	} else {
		const char *slash = strrchr(path, '/');
		rc = dc_ics_parse(buf, n, slash ? slash + 1 : path, zone, out, err, errlen);
	}
	fclose(f);
	free(buf);
	return rc;
}

void dc_ics_calendar_free(struct dc_ics_calendar *c)
{
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

bool dc_ics_covers(const struct dc_ics_calendar *c, int64_t t)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->v[mid].until <= t)
			lo = mid + 1;
		else if (c->v[mid].from > t)
			hi = mid;
		else
			return true;
	}
	return false;
}
