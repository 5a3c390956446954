/* rules.c — parse and validate the rules file into a compiled rule set.
 *
 * Strict on purpose: unknown fields are errors (a typo such as "efect" must
 * not silently turn a rule into "always on"), and every message starts with
 * the JSON path of the offending value.
 */
#include "rules.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "holidays.h"
#include "i18n.h"
#include "json.h"

struct parser {
	struct dc_rules *r;
	const char *base_dir;
	dc_ics_reader *read_ics;
	void *read_arg;
	char *err;
	size_t errlen;
};

/* Build a field path; truncation only shortens an error message. */
__attribute__((format(printf, 3, 4)))
static void subp(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

static int bad(struct parser *p, const char *path, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errlen, "%s: %s", path, msg);
	return -1;
}

/* Reject members other than `allowed` (NULL-terminated). */
static int only_fields(struct parser *p, const char *path, const cJSON *obj, const char *const *allowed)
{
	char sub[256];

	if (!cJSON_IsObject(obj))
		return bad(p, path, "%s", TR("un objet JSON est attendu", "a JSON object is expected"));
	for (const cJSON *it = obj->child; it; it = it->next) {
		const char *const *a = allowed;

		while (*a && strcmp(*a, it->string) != 0)
			a++;
		if (!*a) {
			subp(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", it->string);
			return bad(p, sub, "%s", TR("champ inconnu", "unknown field"));
		}
	}
	return 0;
}

static const char *str_field(struct parser *p, const char *path, const cJSON *obj,
			     const char *name, bool required, size_t maxlen, int *rc)
{
	char sub[256];
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	subp(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", name);
	*rc = 0;
	if (!v) {
		if (required)
			*rc = bad(p, sub, "%s", TR("champ obligatoire absent", "required field missing"));
		return NULL;
	}
	if (!cJSON_IsString(v) || !*v->valuestring) {
		*rc = bad(p, sub, "%s", TR("une chaîne non vide est attendue", "a non-empty string is expected"));
		return NULL;
	}
	if (strlen(v->valuestring) > maxlen) {
		*rc = bad(p, sub, TR("plus de %zu caractères", "longer than %zu characters"), maxlen);
		return NULL;
	}
	return v->valuestring;
}

static char *dup_or_fail(struct parser *p, const char *path, const char *s)
{
	char *d = strdup(s ? s : "");

	if (!d)
		bad(p, path, "%s", TR("mémoire insuffisante", "out of memory"));
	return d;
}

static int parse_text(struct parser *p, const char *path, const cJSON *v, struct dc_text *t)
{
	static const char *const fields[] = { "fr", "en", NULL };
	char sub[256];
	int rc;

	if (cJSON_IsString(v) && *v->valuestring) {
		return (t->fr = dup_or_fail(p, path, v->valuestring)) ? 0 : -1;
	}
	if (!cJSON_IsObject(v))
		return bad(p, path, "%s", TR("texte attendu : \"...\" ou {\"fr\": \"...\", \"en\": \"...\"}",
					    "text expected: \"...\" or {\"fr\": \"...\", \"en\": \"...\"}"));
	if (only_fields(p, path, v, fields) < 0)
		return -1;
	const char *fr = str_field(p, path, v, "fr", true, 1000, &rc);
	if (rc < 0)
		return -1;
	const char *en = str_field(p, path, v, "en", false, 1000, &rc);
	if (rc < 0)
		return -1;
	subp(sub, sizeof sub, "%s.fr", path);
	if (!(t->fr = dup_or_fail(p, sub, fr)))
		return -1;
	if (en && !(t->en = dup_or_fail(p, sub, en)))
		return -1;
	return 0;
}

/* A non-empty array of strings; calls `each` on every element. */
static int each_string(struct parser *p, const char *path, const cJSON *arr, size_t max,
		       int (*each)(struct parser *, const char *, const char *, void *), void *arg)
{
	char sub[256];
	int i = 0;

	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) == 0)
		return bad(p, path, "%s", TR("une liste non vide est attendue", "a non-empty list is expected"));
	if ((size_t)cJSON_GetArraySize(arr) > max)
		return bad(p, path, TR("plus de %zu éléments", "more than %zu items"), max);
	for (const cJSON *it = arr->child; it; it = it->next, i++) {
		subp(sub, sizeof sub, "%s[%d]", path, i);
		if (!cJSON_IsString(it))
			return bad(p, sub, "%s", TR("une chaîne est attendue", "a string is expected"));
		if (each(p, sub, it->valuestring, arg) < 0)
			return -1;
	}
	return 0;
}

static int add_category(struct parser *p, const char *path, const char *s, void *arg)
{
	int c = dc_category_parse(s);

	if (c < 0)
		return bad(p, path, TR("« %s » n'est pas une catégorie (advertising, information, school, "
				       "library, early_childhood, transport, other)",
				       "\"%s\" is not a category (advertising, information, school, "
				       "library, early_childhood, transport, other)"), s);
	*(unsigned *)arg |= 1u << c;
	return 0;
}

static int add_status(struct parser *p, const char *path, const char *s, void *arg)
{
	int c = dc_status_parse(s);

	if (c < 0)
		return bad(p, path, TR("« %s » n'est pas un statut (active, reduced, slated_for_removal, removed)",
				       "\"%s\" is not a status (active, reduced, slated_for_removal, removed)"), s);
	*(unsigned *)arg |= 1u << c;
	return 0;
}

static int add_flag(struct parser *p, const char *path, const char *s, void *arg)
{
	if (strcmp(s, "airport") == 0)
		*(unsigned *)arg |= DC_FLAG_AIRPORT;
	else if (strcmp(s, "transport_furniture") == 0)
		*(unsigned *)arg |= DC_FLAG_TRANSPORT_FURNITURE;
	else
		return bad(p, path, TR("« %s » n'est pas un indicateur légal (airport, transport_furniture)",
				       "\"%s\" is not a legal flag (airport, transport_furniture)"), s);
	return 0;
}

static int add_day(struct parser *p, const char *path, const char *s, void *arg)
{
	static const char *const days[7] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };

	for (int i = 0; i < 7; i++)
		if (strcmp(s, days[i]) == 0) {
			*(unsigned *)arg |= 1u << i;
			return 0;
		}
	return bad(p, path, TR("« %s » n'est pas un jour (mon, tue, wed, thu, fri, sat, sun)",
			       "\"%s\" is not a day (mon, tue, wed, thu, fri, sat, sun)"), s);
}

struct strlist {
	char **v;
	size_t n;
	bool slugs;		/* screen ids must be slugs */
};

static int add_string(struct parser *p, const char *path, const char *s, void *arg)
{
	struct strlist *l = arg;

	if (l->slugs && !dc_slug_valid(s))
		return bad(p, path, TR("« %s » n'est pas un identifiant d'écran valide",
				       "\"%s\" is not a valid screen id"), s);
	if (!*s || strlen(s) > 200)
		return bad(p, path, "%s", TR("chaîne vide ou trop longue", "empty or too long string"));
	if (!(l->v[l->n] = dup_or_fail(p, path, s)))
		return -1;
	l->n++;
	return 0;
}

static int string_list(struct parser *p, const char *path, const cJSON *arr, bool slugs,
		       char ***out, size_t *n)
{
	struct strlist l = { .slugs = slugs };

	if (cJSON_IsArray(arr) && cJSON_GetArraySize(arr) > 0 &&
	    !(l.v = calloc((size_t)cJSON_GetArraySize(arr), sizeof *l.v)))
		return bad(p, path, "%s", TR("mémoire insuffisante", "out of memory"));
	*out = l.v;	/* owned by the rule set even on error, freed with it */
	int rc = each_string(p, path, arr, 100000, add_string, &l);
	*n = l.n;
	return rc;
}

static int parse_scope(struct parser *p, const char *path, const cJSON *v, struct dc_policy *pol)
{
	static const char *const fields[] = { "categories", "statuses", "flags", "sites", "screens", NULL };
	char sub[256];
	const cJSON *x;

	if (only_fields(p, path, v, fields) < 0)
		return -1;
#define SUB(name) (subp(sub, sizeof sub, "%s.%s", path, name), sub)
	if ((x = cJSON_GetObjectItemCaseSensitive(v, "categories")) &&
	    each_string(p, SUB("categories"), x, 64, add_category, &pol->categories) < 0)
		return -1;
	if ((x = cJSON_GetObjectItemCaseSensitive(v, "statuses")) &&
	    each_string(p, SUB("statuses"), x, 64, add_status, &pol->statuses) < 0)
		return -1;
	if ((x = cJSON_GetObjectItemCaseSensitive(v, "flags")) &&
	    each_string(p, SUB("flags"), x, 64, add_flag, &pol->flags) < 0)
		return -1;
	if ((x = cJSON_GetObjectItemCaseSensitive(v, "sites")) &&
	    string_list(p, SUB("sites"), x, false, &pol->sites, &pol->nsites) < 0)
		return -1;
	if ((x = cJSON_GetObjectItemCaseSensitive(v, "screens")) &&
	    string_list(p, SUB("screens"), x, true, &pol->screens, &pol->nscreens) < 0)
		return -1;
#undef SUB
	return 0;
}

static int parse_time_field(struct parser *p, const char *path, const cJSON *obj, const char *name,
			    bool allow_24, int *out)
{
	char sub[256];
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	subp(sub, sizeof sub, "%s.%s", path, name);
	if (!v)
		return bad(p, sub, "%s", TR("champ obligatoire absent", "required field missing"));
	if (!cJSON_IsString(v) || (*out = dc_parse_hhmm(v->valuestring, allow_24)) < 0) {
		char *s = cJSON_PrintUnformatted(v);
		int rc = bad(p, sub, TR("%s n'est pas une heure HH:MM", "%s is not a time HH:MM"), s ? s : "?");
		free(s);
		return rc;
	}
	return 0;
}

static int parse_window(struct parser *p, const char *path, const cJSON *v, struct dc_window *w)
{
	static const char *const fields[] = { "days", "start", "end", NULL };
	char sub[256];
	const cJSON *days;

	if (only_fields(p, path, v, fields) < 0)
		return -1;
	w->days = 0x7f;
	if ((days = cJSON_GetObjectItemCaseSensitive(v, "days"))) {
		w->days = 0;
		subp(sub, sizeof sub, "%s.days", path);
		if (each_string(p, sub, days, 7, add_day, &w->days) < 0)
			return -1;
	}
	if (parse_time_field(p, path, v, "start", false, &w->start) < 0 ||
	    parse_time_field(p, path, v, "end", true, &w->end) < 0)
		return -1;
	if (w->end == w->start) {
		subp(sub, sizeof sub, "%s.end", path);
		return bad(p, sub, "%s", TR("fenêtre vide (début = fin) ; 00:00-24:00 pour une journée entière",
					    "empty window (start = end); use 00:00-24:00 for a whole day"));
	}
	return 0;
}

static int parse_date_field(struct parser *p, const char *path, const cJSON *obj, const char *name,
			    int64_t *out)
{
	char sub[256];
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	int y, m, d;

	subp(sub, sizeof sub, "%s.%s", path, name);
	if (!v)
		return bad(p, sub, "%s", TR("champ obligatoire absent", "required field missing"));
	if (!cJSON_IsString(v) || dc_parse_date(v->valuestring, &y, &m, &d) < 0) {
		char *s = cJSON_PrintUnformatted(v);
		int rc = bad(p, sub, TR("%s n'est pas une date AAAA-MM-JJ", "%s is not a date YYYY-MM-DD"),
			     s ? s : "?");
		free(s);
		return rc;
	}
	*out = dc_days_from_civil(y, m, d);
	return 0;
}

int dc_rules_calendar(const struct dc_rules *r, const char *name)
{
	for (size_t i = 0; i < r->ncalendars; i++)
		if (strcmp(r->calendars[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int parse_when(struct parser *p, const char *path, const cJSON *v, struct dc_policy *pol)
{
	static const char *const fields[] = { "calendar", "unless_calendar", NULL };
	static const char *const keys[2] = { "calendar", "unless_calendar" };
	int *dst[2] = { &pol->when_cal, &pol->unless_cal };
	char sub[256];
	int rc;

	if (only_fields(p, path, v, fields) < 0)
		return -1;
	if (!v->child)
		return bad(p, path, "%s", TR("« calendar » ou « unless_calendar » attendu",
					    "\"calendar\" or \"unless_calendar\" expected"));
	for (int i = 0; i < 2; i++) {
		const char *name = str_field(p, path, v, keys[i], false, 63, &rc);
		if (rc < 0)
			return -1;
		if (!name)
			continue;
		subp(sub, sizeof sub, "%s.%s", path, keys[i]);
		if ((*dst[i] = dc_rules_calendar(p->r, name)) < 0)
			return bad(p, sub, TR("calendrier « %s » non déclaré dans « calendars »",
					      "calendar \"%s\" is not declared in \"calendars\""), name);
	}
	return 0;
}

static int parse_policy(struct parser *p, const char *path, const cJSON *v, struct dc_policy *pol)
{
	static const char *const fields[] = { "id", "scope", "windows", "dates", "when", "effect",
					      "reason", "reference", "comment", NULL };
	char sub[256];
	const cJSON *x;
	int rc, i;

	pol->when_cal = pol->unless_cal = -1;
	if (only_fields(p, path, v, fields) < 0)
		return -1;
	const char *id = str_field(p, path, v, "id", true, DC_ID_MAX - 1, &rc);
	if (rc < 0)
		return -1;
	subp(sub, sizeof sub, "%s.id", path);
	if (!dc_slug_valid(id))
		return bad(p, sub, TR("« %s » n'est pas un identifiant ([a-z0-9][a-z0-9_-]*)",
				      "\"%s\" is not an identifier ([a-z0-9][a-z0-9_-]*)"), id);
	for (size_t k = 0; k < p->r->npolicies; k++)
		if (strcmp(p->r->policies[k].id, id) == 0)
			return bad(p, sub, TR("identifiant « %s » déjà utilisé par policies[%zu]",
					      "id \"%s\" already used by policies[%zu]"), id, k);
	snprintf(pol->id, sizeof pol->id, "%s", id);
	if ((x = cJSON_GetObjectItemCaseSensitive(v, "scope"))) {
		subp(sub, sizeof sub, "%s.scope", path);
		if (parse_scope(p, sub, x, pol) < 0)
			return -1;
	}
	if ((x = cJSON_GetObjectItemCaseSensitive(v, "windows"))) {
		subp(sub, sizeof sub, "%s.windows", path);
		if (!cJSON_IsArray(x) || cJSON_GetArraySize(x) == 0)
			return bad(p, sub, "%s", TR("une liste non vide est attendue", "a non-empty list is expected"));
		if (cJSON_GetArraySize(x) > DC_MAX_WINDOWS)
			return bad(p, sub, TR("plus de %d fenêtres", "more than %d windows"), DC_MAX_WINDOWS);
		if (!(pol->windows = calloc((size_t)cJSON_GetArraySize(x), sizeof *pol->windows)))
			return bad(p, sub, "%s", TR("mémoire insuffisante", "out of memory"));
		i = 0;
		for (const cJSON *w = x->child; w; w = w->next, i++) {
			subp(sub, sizeof sub, "%s.windows[%d]", path, i);
			if (parse_window(p, sub, w, &pol->windows[pol->nwindows]) < 0)
				return -1;
			pol->nwindows++;
		}
	}
	if ((x = cJSON_GetObjectItemCaseSensitive(v, "dates"))) {
		static const char *const dfields[] = { "from", "to", NULL };
		subp(sub, sizeof sub, "%s.dates", path);
		if (!cJSON_IsArray(x) || cJSON_GetArraySize(x) == 0)
			return bad(p, sub, "%s", TR("une liste non vide est attendue", "a non-empty list is expected"));
		if (cJSON_GetArraySize(x) > 1000)
			return bad(p, sub, "%s", TR("plus de 1000 périodes", "more than 1000 date ranges"));
		if (!(pol->dates = calloc((size_t)cJSON_GetArraySize(x), sizeof *pol->dates)))
			return bad(p, sub, "%s", TR("mémoire insuffisante", "out of memory"));
		i = 0;
		for (const cJSON *d = x->child; d; d = d->next, i++) {
			struct dc_date_span *s = &pol->dates[pol->ndates];
			subp(sub, sizeof sub, "%s.dates[%d]", path, i);
			if (only_fields(p, sub, d, dfields) < 0 ||
			    parse_date_field(p, sub, d, "from", &s->first) < 0 ||
			    parse_date_field(p, sub, d, "to", &s->last) < 0)
				return -1;
			if (s->last < s->first) {
				subp(sub, sizeof sub, "%s.dates[%d].to", path, i);
				return bad(p, sub, "%s", TR("la fin précède le début", "ends before it starts"));
			}
			pol->ndates++;
		}
	}
	if ((x = cJSON_GetObjectItemCaseSensitive(v, "when"))) {
		subp(sub, sizeof sub, "%s.when", path);
		if (parse_when(p, sub, x, pol) < 0)
			return -1;
	}
	const char *effect = str_field(p, path, v, "effect", true, 16, &rc);
	if (rc < 0)
		return -1;
	subp(sub, sizeof sub, "%s.effect", path);
	if (strcmp(effect, "off") == 0)
		pol->on = false;
	else if (strcmp(effect, "on") == 0)
		pol->on = true;
	else
		return bad(p, sub, TR("« %s » : « off » (doit être éteint) ou « on » (peut être allumé) attendu",
				      "\"%s\": \"off\" (must be off) or \"on\" (may be on) expected"), effect);
	subp(sub, sizeof sub, "%s.reason", path);
	if (!(x = cJSON_GetObjectItemCaseSensitive(v, "reason")))
		return bad(p, sub, "%s", TR("champ obligatoire absent : chaque règle dit pourquoi",
					    "required field missing: every rule says why"));
	if (parse_text(p, sub, x, &pol->reason) < 0)
		return -1;
	const char *ref = str_field(p, path, v, "reference", false, 200, &rc);
	if (rc < 0)
		return -1;
	subp(sub, sizeof sub, "%s.reference", path);
	return (pol->reference = dup_or_fail(p, sub, ref)) ? 0 : -1;
}

int dc_parse_hours(const char *s, int *start, int *end)
{
	char a[6], b[6];

	if (!s || strlen(s) != 11 || s[5] != '-')
		return -1;
	memcpy(a, s, 5);
	a[5] = 0;
	memcpy(b, s + 6, 5);
	b[5] = 0;
	if ((*start = dc_parse_hhmm(a, false)) < 0 || (*end = dc_parse_hhmm(b, true)) < 0)
		return -1;
	if (*end == 1440)
		*end = 0;
	return 0;
}

int dc_parse_local_datetime(const char *s, int64_t *out)
{
	char d[11];
	int y, m, dd, hm;

	if (!s || strlen(s) != 16 || (s[10] != ' ' && s[10] != 'T'))
		return -1;
	memcpy(d, s, 10);
	d[10] = 0;
	if (dc_parse_date(d, &y, &m, &dd) < 0 || (hm = dc_parse_hhmm(s + 11, false)) < 0)
		return -1;
	*out = dc_tz_from_local(y, m, dd, hm * 60);
	return 0;
}

static int parse_datetime_field(struct parser *p, const char *path, const cJSON *obj,
				const char *name, int64_t *out)
{
	char sub[256];
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	subp(sub, sizeof sub, "%s.%s", path, name);
	if (!v)
		return bad(p, sub, "%s", TR("champ obligatoire absent : une dérogation a une période bornée",
					    "required field missing: a derogation has a bounded period"));
	if (!cJSON_IsString(v) || dc_parse_local_datetime(v->valuestring, out) < 0) {
		char *s = cJSON_PrintUnformatted(v);
		int rc = bad(p, sub, TR("%s n'est pas une date-heure locale « AAAA-MM-JJ HH:MM »",
					"%s is not a local date-time \"YYYY-MM-DD HH:MM\""), s ? s : "?");
		free(s);
		return rc;
	}
	return 0;
}

static int parse_derogation(struct parser *p, const char *path, const cJSON *v, struct dc_derogation *d)
{
	static const char *const fields[] = { "reference", "screens", "from", "to", "reason", "comment", NULL };
	char sub[256];
	const cJSON *x;
	int rc;

	if (only_fields(p, path, v, fields) < 0)
		return -1;
	const char *ref = str_field(p, path, v, "reference", true, sizeof d->reference - 1, &rc);
	if (rc < 0) {
		subp(sub, sizeof sub, "%s.reference", path);
		if (!cJSON_GetObjectItemCaseSensitive(v, "reference"))
			return bad(p, sub, "%s", TR("la référence de l'arrêté est obligatoire",
						    "the order's reference is required"));
		return -1;
	}
	snprintf(d->reference, sizeof d->reference, "%s", ref);
	subp(sub, sizeof sub, "%s.screens", path);
	if (!(x = cJSON_GetObjectItemCaseSensitive(v, "screens")))
		return bad(p, sub, "%s", TR("champ obligatoire absent : une dérogation nomme ses écrans",
					    "required field missing: a derogation names its screens"));
	if (string_list(p, sub, x, true, &d->screens, &d->nscreens) < 0)
		return -1;
	if (parse_datetime_field(p, path, v, "from", &d->from) < 0 ||
	    parse_datetime_field(p, path, v, "to", &d->until) < 0)
		return -1;
	subp(sub, sizeof sub, "%s.to", path);
	if (d->until <= d->from)
		return bad(p, sub, "%s", TR("la fin doit suivre le début", "must be after \"from\""));
	if (d->until - d->from > (int64_t)DC_DEROGATION_MAX_DAYS * 86400)
		return bad(p, sub, TR("période de plus de %d jours : une dérogation vaut pour un événement",
				      "period longer than %d days: a derogation is for an event"),
			   DC_DEROGATION_MAX_DAYS);
	if ((x = cJSON_GetObjectItemCaseSensitive(v, "reason"))) {
		subp(sub, sizeof sub, "%s.reason", path);
		if (parse_text(p, sub, x, &d->reason) < 0)
			return -1;
	}
	return 0;
}

static int parse_calendars(struct parser *p, const cJSON *v)
{
	char sub[256], file[1024], e[300];
	struct dc_rules *r = p->r;

	if (!cJSON_IsObject(v))
		return bad(p, "calendars", "%s", TR("un objet {\"nom\": \"fichier.ics\"} est attendu",
						   "an object {\"name\": \"file.ics\"} is expected"));
	for (const cJSON *it = v->child; it; it = it->next) {
		struct dc_calendar *c;

		subp(sub, sizeof sub, "calendars.%s", it->string);
		if (!dc_slug_valid(it->string) || strlen(it->string) >= sizeof c->name)
			return bad(p, sub, "%s", TR("nom de calendrier invalide ([a-z0-9][a-z0-9_-]*)",
						    "invalid calendar name ([a-z0-9][a-z0-9_-]*)"));
		if (!cJSON_IsString(it) || !*it->valuestring || strlen(it->valuestring) >= sizeof c->source)
			return bad(p, sub, "%s", TR("chemin d'un fichier ICS ou « fr-public-holidays » attendu",
						    "an ICS file path or \"fr-public-holidays\" expected"));
		if (dc_rules_calendar(r, it->string) >= 0 && strcmp(it->string, DC_CAL_PUBLIC_HOLIDAYS) != 0)
			return bad(p, sub, "%s", TR("calendrier déclaré deux fois", "calendar declared twice"));
		if (r->ncalendars == DC_MAX_CALENDARS)
			return bad(p, sub, TR("plus de %d calendriers", "more than %d calendars"), DC_MAX_CALENDARS);
		int existing = dc_rules_calendar(r, it->string);
		c = existing >= 0 ? &r->calendars[existing] : &r->calendars[r->ncalendars++];
		snprintf(c->name, sizeof c->name, "%s", it->string);
		snprintf(c->source, sizeof c->source, "%s", it->valuestring);
		if (strcmp(it->valuestring, DC_CAL_PUBLIC_HOLIDAYS) == 0) {
			c->public_holidays = true;
			continue;
		}
		c->public_holidays = false;
		if (it->valuestring[0] == '/' || !p->base_dir)
			snprintf(file, sizeof file, "%s", it->valuestring);
		else
			snprintf(file, sizeof file, "%s/%s", p->base_dir, it->valuestring);
		if (p->read_ics(p->read_arg, file, r->zone, &c->events, e, sizeof e) < 0)
			return bad(p, sub, "%s", e);
	}
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static int cmp_derog_ref(const void *a, const void *b)
{
	const struct dc_derog_ref *x = a, *y = b;
	int c = strcmp(x->screen, y->screen);

	return c ? c : (x->derogation > y->derogation) - (x->derogation < y->derogation);
}

/* Precompute the minute marks and the derogation index. */
static int precompute(struct parser *p)
{
	struct dc_rules *r = p->r;
	size_t cap = 8, n = 0, nd = 0;

	for (size_t i = 0; i < r->npolicies; i++)
		cap += 2 * r->policies[i].nwindows;
	if (!(r->marks = malloc(cap * sizeof *r->marks)))
		return bad(p, "policies", "%s", TR("mémoire insuffisante", "out of memory"));
	r->marks[n++] = 0;
	r->marks[n++] = DC_NIGHT_START / 60;
	r->marks[n++] = DC_NIGHT_END / 60;
	if (r->service_start >= 0) {
		r->marks[n++] = r->service_start;
		r->marks[n++] = r->service_end;
	}
	for (size_t i = 0; i < r->npolicies; i++)
		for (size_t w = 0; w < r->policies[i].nwindows; w++) {
			r->marks[n++] = r->policies[i].windows[w].start;
			r->marks[n++] = r->policies[i].windows[w].end % 1440;
		}
	qsort(r->marks, n, sizeof *r->marks, cmp_int);
	r->nmarks = 0;
	for (size_t i = 0; i < n; i++)
		if (!r->nmarks || r->marks[r->nmarks - 1] != r->marks[i])
			r->marks[r->nmarks++] = r->marks[i];

	for (size_t i = 0; i < r->nderogations; i++)
		nd += r->derogations[i].nscreens;
	if (nd && !(r->derog_index = malloc(nd * sizeof *r->derog_index)))
		return bad(p, "derogations", "%s", TR("mémoire insuffisante", "out of memory"));
	for (size_t i = 0; i < r->nderogations; i++)
		for (size_t s = 0; s < r->derogations[i].nscreens; s++)
			r->derog_index[r->nderog_index++] =
				(struct dc_derog_ref){ r->derogations[i].screens[s], i };
	if (nd)
		qsort(r->derog_index, nd, sizeof *r->derog_index, cmp_derog_ref);
	return 0;
}

static int parse_root(struct parser *p, const cJSON *root)
{
	static const char *const fields[] = { "version", "zone", "transport", "grid_alert", "calendars",
					      "derogations", "policies", "comment", NULL };
	struct dc_rules *r = p->r;
	const cJSON *x;
	char sub[256];
	int rc, i;

	if (only_fields(p, "", root, fields) < 0)
		return -1;
	if ((x = cJSON_GetObjectItemCaseSensitive(root, "version")) &&
	    (!cJSON_IsNumber(x) || x->valuedouble != DC_RULES_VERSION))
		return bad(p, "version", TR("version %d attendue", "version %d expected"), DC_RULES_VERSION);
	const char *zone = str_field(p, "", root, "zone", false, DC_ZONE_MAX - 1, &rc);
	if (rc < 0)
		return -1;
	snprintf(r->zone, sizeof r->zone, "%s", zone ? zone : DC_DEFAULT_ZONE);
	if (dc_tz_use(r->zone) < 0 && dc_tz_valid(r->zone))
		return bad(p, "zone", TR("« %s » : ce processus suit le fuseau %s ; "
					 "redémarrer pour en changer",
					 "\"%s\": this process runs in zone %s; restart to change it"),
			   r->zone, dc_tz_current());
	if (strcmp(dc_tz_current(), r->zone))
		return bad(p, "zone", TR("« %s » n'est pas un fuseau de la base tz (ex. Europe/Paris)",
					 "\"%s\" is not a tz database zone (e.g. Europe/Paris)"), r->zone);
	r->service_start = r->service_end = -1;
	if ((x = cJSON_GetObjectItemCaseSensitive(root, "transport"))) {
		static const char *const tf[] = { "service_hours", NULL };
		const cJSON *h;
		if (only_fields(p, "transport", x, tf) < 0)
			return -1;
		if ((h = cJSON_GetObjectItemCaseSensitive(x, "service_hours")) &&
		    (!cJSON_IsString(h) || dc_parse_hours(h->valuestring, &r->service_start, &r->service_end) < 0))
			return bad(p, "transport.service_hours", "%s",
				   TR("« HH:MM-HH:MM » attendu", "\"HH:MM-HH:MM\" expected"));
	}
	if ((x = cJSON_GetObjectItemCaseSensitive(root, "grid_alert"))) {
		static const char *const gf[] = { "categories", NULL };
		const cJSON *c;
		if (only_fields(p, "grid_alert", x, gf) < 0)
			return -1;
		if ((c = cJSON_GetObjectItemCaseSensitive(x, "categories")) &&
		    each_string(p, "grid_alert.categories", c, 64, add_category, &r->grid_categories) < 0)
			return -1;
	} else {
		/* Without configuration a grid alert turns off what is not a
		 * public service: advertising and information screens. */
		r->grid_categories = 1u << DC_CAT_ADVERTISING | 1u << DC_CAT_INFORMATION;
	}
	if (!(r->calendars = calloc(DC_MAX_CALENDARS, sizeof *r->calendars)))
		return bad(p, "calendars", "%s", TR("mémoire insuffisante", "out of memory"));
	/* The national holidays are always available under their own name. */
	snprintf(r->calendars[0].name, sizeof r->calendars[0].name, "%s", DC_CAL_PUBLIC_HOLIDAYS);
	snprintf(r->calendars[0].source, sizeof r->calendars[0].source, "%s", DC_CAL_PUBLIC_HOLIDAYS);
	r->calendars[0].public_holidays = true;
	r->ncalendars = 1;
	if ((x = cJSON_GetObjectItemCaseSensitive(root, "calendars")) && parse_calendars(p, x) < 0)
		return -1;
	if ((x = cJSON_GetObjectItemCaseSensitive(root, "derogations"))) {
		if (!cJSON_IsArray(x))
			return bad(p, "derogations", "%s", TR("une liste est attendue", "a list is expected"));
		if (cJSON_GetArraySize(x) > DC_MAX_DEROGATIONS)
			return bad(p, "derogations", TR("plus de %d dérogations", "more than %d derogations"),
				   DC_MAX_DEROGATIONS);
		if (cJSON_GetArraySize(x) &&
		    !(r->derogations = calloc((size_t)cJSON_GetArraySize(x), sizeof *r->derogations)))
			return bad(p, "derogations", "%s", TR("mémoire insuffisante", "out of memory"));
		i = 0;
		for (const cJSON *d = x->child; d; d = d->next, i++) {
			subp(sub, sizeof sub, "derogations[%d]", i);
			r->nderogations++;
			if (parse_derogation(p, sub, d, &r->derogations[i]) < 0)
				return -1;
		}
	}
	if (!(x = cJSON_GetObjectItemCaseSensitive(root, "policies")))
		return bad(p, "policies", "%s", TR("champ obligatoire absent (une liste, éventuellement vide)",
						   "required field missing (a list, possibly empty)"));
	if (!cJSON_IsArray(x))
		return bad(p, "policies", "%s", TR("une liste est attendue", "a list is expected"));
	if (cJSON_GetArraySize(x) > DC_MAX_POLICIES)
		return bad(p, "policies", TR("plus de %d règles", "more than %d policies"), DC_MAX_POLICIES);
	if (cJSON_GetArraySize(x) &&
	    !(r->policies = calloc((size_t)cJSON_GetArraySize(x), sizeof *r->policies)))
		return bad(p, "policies", "%s", TR("mémoire insuffisante", "out of memory"));
	i = 0;
	for (const cJSON *pol = x->child; pol; pol = pol->next, i++) {
		subp(sub, sizeof sub, "policies[%d]", i);
		if (parse_policy(p, sub, pol, &r->policies[i]) < 0) {
			r->npolicies = (size_t)i + 1;	/* free what was allocated */
			return -1;
		}
		r->npolicies++;
	}
	return precompute(p);
}

static void free_text(struct dc_text *t)
{
	free(t->fr);
	free(t->en);
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void dc_rules_free(struct dc_rules *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->npolicies; i++) {
		struct dc_policy *p = &r->policies[i];
		free_list(p->sites, p->nsites);
		free_list(p->screens, p->nscreens);
		free(p->windows);
		free(p->dates);
		free_text(&p->reason);
		free(p->reference);
	}
	free(r->policies);
	for (size_t i = 0; i < r->ncalendars; i++)
		dc_ics_calendar_free(&r->calendars[i].events);
	free(r->calendars);
	for (size_t i = 0; i < r->nderogations; i++) {
		free_list(r->derogations[i].screens, r->derogations[i].nscreens);
		free_text(&r->derogations[i].reason);
	}
	free(r->derogations);
	free(r->marks);
	free(r->derog_index);
	free(r);
}

/* "line:column" of a byte offset, for JSON syntax errors. */
static void line_col(const char *s, size_t off, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off; i++) {
		if (s[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

static int read_ics_file(void *arg, const char *path, const char *zone,
			 struct dc_ics_calendar *out, char *err, size_t errlen)
{
	(void)arg;
	return dc_ics_load(path, zone, out, err, errlen);
}

struct dc_rules *dc_rules_parse(const char *json, size_t len, const char *base_dir,
				char *err, size_t errlen)
{
	return dc_rules_parse_with(json, len, base_dir, read_ics_file, NULL, err, errlen);
}

struct dc_rules *dc_rules_parse_with(const char *json, size_t len, const char *base_dir,
				     dc_ics_reader *read_ics, void *arg, char *err, size_t errlen)
{
	struct parser p = { .base_dir = base_dir, .read_ics = read_ics, .read_arg = arg,
			    .err = err, .errlen = errlen };
	cJSON *root;

	if (len > DC_RULES_MAX_BYTES) {
		snprintf(err, errlen, TR("fichier de règles trop gros (plus de %d octets)",
					 "rules file too large (more than %d bytes)"), DC_RULES_MAX_BYTES);
		return NULL;
	}
	size_t off = 0;
	root = dc_json_parse(json, len, &off);
	if (!root) {
		int line, col;
		line_col(json, off, &line, &col);
		snprintf(err, errlen, TR("JSON invalide à la ligne %d, colonne %d",
					 "invalid JSON at line %d, column %d"), line, col);
		return NULL;
	}
	if (!(p.r = calloc(1, sizeof *p.r))) {
		snprintf(err, errlen, "%s", TR("mémoire insuffisante", "out of memory"));
		cJSON_Delete(root);
		return NULL;
	}
	if (parse_root(&p, root) < 0) {
		dc_rules_free(p.r);
		p.r = NULL;
	}
	cJSON_Delete(root);
	return p.r;
}

struct dc_rules *dc_rules_load(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf, *dir, e[400];
	size_t n;
	struct dc_rules *r = NULL;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	buf = malloc(DC_RULES_MAX_BYTES + 1);
	dir = strdup(path);
	if (!buf || !dir) {
		snprintf(err, errlen, "%s: %s", path, TR("mémoire insuffisante", "out of memory"));
		goto out;
	}
	n = fread(buf, 1, DC_RULES_MAX_BYTES + 1, f);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, TR("lecture impossible", "read error"));
		goto out;
	}
	if (!(r = dc_rules_parse(buf, n, dirname(dir), e, sizeof e)))
		snprintf(err, errlen, "%s: %s", path, e);
out:
	fclose(f);
	free(buf);
	free(dir);
	return r;
}

bool dc_calendar_covers(const struct dc_calendar *c, int64_t t, int64_t day)
{
	if (c->public_holidays) {
		int y, m, d;
		dc_civil_from_days(day, &y, &m, &d);
		return dc_fr_is_holiday(y, m, d);
	}
	return dc_ics_covers(&c->events, t);
}
