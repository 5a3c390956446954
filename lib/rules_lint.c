/* rules_lint.c — scopes and derogations against the inventory's values
 * (rules_lint.h). */
#include "rules_lint.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"

/* U+00C0..U+017F folded: a letter, or '2' = "ae", '3' = "oe", '4' = "ss". */
static const char latin[] =
	"aaaaaa2ceeeeiiiidnooooox" "ouuuuyt4" "aaaaaa2ceeeeiiiidnooooo/" "ouuuuyty"
	"aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiiijjkkkllllllllll"
	"nnnnnnnnnoooooo3" "3rrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";

_Static_assert(sizeof latin - 1 == 0x180 - 0xc0, "one letter per code point U+00C0..U+017F");

void dc_fold(const char *s, char *out, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t k = 0;

	if (!len)
		return;
	while (*p && k + 1 < len) {
		unsigned cp = *p;
		int extra = cp >= 0xf0 ? 3 : cp >= 0xe0 ? 2 : cp >= 0xc0 ? 1 : 0;
		const char *rep = NULL;
		char one[2] = { 0, 0 };

		for (int i = 1; i <= extra; i++) {
			if ((p[i] & 0xc0) != 0x80) {	/* not UTF-8: keep the byte */
				extra = 0;
				cp = 0x110000;
				break;
			}
			cp = (i == 1 ? cp & (0x3fu >> extra) : cp) << 6 | (p[i] & 0x3fu);
		}
		if (cp < 0x80) {
			one[0] = (char)(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
			rep = one;
		} else if (cp >= 0xc0 && cp <= 0x17f) {
			char c = latin[cp - 0xc0];
			rep = c == '2' ? "ae" : c == '3' ? "oe" : c == '4' ? "ss" : (one[0] = c, one);
		} else if (cp == 0xa0 || cp == 0x202f) {
			rep = " ";
		} else if (cp == 0x2018 || cp == 0x2019) {
			rep = "'";
		} else if (cp == 0x2010 || cp == 0x2011 || cp == 0x2013 || cp == 0x2014) {
			rep = "-";
		}
		if (rep) {
			for (; *rep && k + 1 < len; rep++)
				out[k++] = *rep;
		} else {
			for (int i = 0; i <= extra && k + 1 < len; i++)
				out[k++] = (char)p[i];
		}
		p += extra + 1;
	}
	out[k] = 0;
}

size_t dc_edit_distance(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	size_t *row = malloc((nb + 1) * sizeof *row);

	if (!row)
		return (size_t)-1;
	for (size_t j = 0; j <= nb; j++)
		row[j] = j;
	for (size_t i = 1; i <= na; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= nb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	size_t d = row[nb];
	free(row);
	return d;
}

/* The distinct values of one text field of the inventory, sorted. */
struct values {
	const char **v;
	size_t n;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int values_of(const struct dc_sched_screen *s, size_t n, bool sites, struct values *out)
{
	out->n = 0;
	if (!(out->v = malloc((n ? n : 1) * sizeof *out->v)))
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *x = sites ? s[i].site : s[i].id;
		if (x && *x)
			out->v[out->n++] = x;
	}
	qsort(out->v, out->n, sizeof *out->v, cmp_str);
	size_t m = 0;
	for (size_t i = 0; i < out->n; i++)
		if (!m || strcmp(out->v[m - 1], out->v[i]) != 0)
			out->v[m++] = out->v[i];
	out->n = m;
	return 0;
}

static bool values_has(const struct values *v, const char *x)
{
	return v->n && bsearch(&x, v->v, v->n, sizeof *v->v, cmp_str) != NULL;
}

/* The existing value nearest to x once folded, if near enough to be a slip:
 * at most a third of its length apart (and at least 2 edits allowed). */
static const char *nearest(const struct values *v, const char *x)
{
	char fx[256], fy[256];
	const char *best = NULL;
	size_t bestd = (size_t)-1;

	dc_fold(x, fx, sizeof fx);
	size_t lx = strlen(fx), limit = lx / 3 > 2 ? lx / 3 : 2;
	for (size_t i = 0; i < v->n; i++) {
		dc_fold(v->v[i], fy, sizeof fy);
		size_t ly = strlen(fy), gap = lx > ly ? lx - ly : ly - lx;
		if (gap > limit || gap >= bestd)
			continue;
		size_t d = dc_edit_distance(fx, fy);
		if (d <= limit && d < bestd) {
			bestd = d;
			best = v->v[i];
		}
	}
	return best;
}

__attribute__((format(printf, 6, 7)))
static int add(struct dc_lint *l, enum dc_lint_severity sev, const char *rule, bool derog,
	       const char *value, const char *pathfmt, ...)
{
	va_list ap;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct dc_lint_finding *v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	struct dc_lint_finding *f = &l->v[l->n++];
	memset(f, 0, sizeof *f);
	f->severity = sev;
	f->derogation = derog;
	snprintf(f->rule, sizeof f->rule, "%s", rule);
	snprintf(f->value, sizeof f->value, "%s", value ? value : "");
	va_start(ap, pathfmt);
	vsnprintf(f->path, sizeof f->path, pathfmt, ap);
	va_end(ap);
	if (sev == DC_LINT_ERROR)
		l->errors++;
	return 0;
}

static int unknown_text(struct dc_lint *l, const struct values *v, const char *rule, bool derog,
			const char *x, const char *field, size_t i, size_t k)
{
	if (values_has(v, x))
		return 0;
	if (add(l, DC_LINT_ERROR, rule, derog, x, derog ? "derogations[%zu].%s[%zu]" : "policies[%zu].scope.%s[%zu]",
		i, field, k) < 0)
		return -1;
	const char *near = nearest(v, x);
	if (near)
		snprintf(l->v[l->n - 1].suggestion, sizeof l->v[l->n - 1].suggestion, "%s", near);
	return 0;
}

/* Enumerated kinds: one warning per value no screen has. */
static int unused_enum(struct dc_lint *l, const struct dc_policy *p, size_t i,
		       const struct dc_sched_screen *s, size_t n)
{
	unsigned cats = 0, stats = 0, flags = 0;

	for (size_t k = 0; k < n; k++) {
		cats |= 1u << s[k].category;
		stats |= 1u << s[k].status;
		flags |= s[k].flags;
	}
	for (int c = 0; c < DC_CAT__COUNT; c++)
		if ((p->categories >> c & 1) && !(cats >> c & 1) &&
		    add(l, DC_LINT_WARNING, p->id, false, dc_category_name((enum dc_category)c),
			"policies[%zu].scope.categories", i) < 0)
			return -1;
	for (int c = 0; c < DC_STATUS__COUNT; c++)
		if ((p->statuses >> c & 1) && !(stats >> c & 1) &&
		    add(l, DC_LINT_WARNING, p->id, false, dc_status_name((enum dc_status)c),
			"policies[%zu].scope.statuses", i) < 0)
			return -1;
	static const struct { unsigned bit; const char *name; } fl[] = {
		{ DC_FLAG_AIRPORT, "airport" }, { DC_FLAG_TRANSPORT_FURNITURE, "transport_furniture" },
	};
	for (size_t c = 0; c < sizeof fl / sizeof *fl; c++)
		if ((p->flags & fl[c].bit) && !(flags & fl[c].bit) &&
		    add(l, DC_LINT_WARNING, p->id, false, fl[c].name, "policies[%zu].scope.flags", i) < 0)
			return -1;
	return 0;
}

int dc_rules_lint(const struct dc_rules *r, const struct dc_sched_screen *s, size_t n, struct dc_lint *out)
{
	struct values ids = { 0 }, sites = { 0 };
	int rc = -1;

	memset(out, 0, sizeof *out);
	if (values_of(s, n, false, &ids) < 0 || values_of(s, n, true, &sites) < 0)
		goto done;
	for (size_t i = 0; i < r->npolicies; i++) {
		const struct dc_policy *p = &r->policies[i];
		size_t before = out->n;
		bool scoped = p->categories || p->statuses || p->flags || p->nsites || p->nscreens;

		for (size_t k = 0; k < p->nsites; k++)
			if (unknown_text(out, &sites, p->id, false, p->sites[k], "sites", i, k) < 0)
				goto done;
		for (size_t k = 0; k < p->nscreens; k++)
			if (unknown_text(out, &ids, p->id, false, p->screens[k], "screens", i, k) < 0)
				goto done;
		if (unused_enum(out, p, i, s, n) < 0)
			goto done;
		if (!scoped || out->n > before)
			continue;
		size_t k = 0;
		while (k < n && !dc_policy_scope_match(p, &s[k]))
			k++;
		if (k == n && add(out, p->nsites || p->nscreens ? DC_LINT_ERROR : DC_LINT_WARNING, p->id, false,
				  NULL, "policies[%zu].scope", i) < 0)
			goto done;
	}
	for (size_t i = 0; i < r->nderogations; i++) {
		const struct dc_derogation *d = &r->derogations[i];
		for (size_t k = 0; k < d->nscreens; k++)
			if (unknown_text(out, &ids, d->reference, true, d->screens[k], "screens", i, k) < 0)
				goto done;
	}
	rc = 0;
done:
	free(ids.v);
	free(sites.v);
	return rc;
}

void dc_lint_free(struct dc_lint *l)
{
	free(l->v);
	memset(l, 0, sizeof *l);
}

size_t dc_lint_message(const struct dc_lint_finding *f, char *buf, size_t len)
{
	char who[256], what[640];

	if (f->derogation)
		snprintf(who, sizeof who, TR("dérogation « %s »", "derogation \"%s\""), f->rule);
	else
		snprintf(who, sizeof who, TR("règle « %s »", "rule \"%s\""), f->rule);
	if (!*f->value)
		snprintf(what, sizeof what, "%s", TR("aucun écran ne réunit toutes les conditions de cette portée",
						     "no screen meets every condition of this scope"));
	else if (f->severity == DC_LINT_WARNING)
		snprintf(what, sizeof what, TR("aucun écran « %s » dans l'inventaire pour l'instant",
					       "no \"%s\" screen in the inventory yet"), f->value);
	else if (*f->suggestion)
		snprintf(what, sizeof what, TR("« %s » ne correspond à aucun écran ; vouliez-vous dire « %s » ?",
					       "\"%s\" matches no screen; did you mean \"%s\"?"),
			 f->value, f->suggestion);
	else
		snprintf(what, sizeof what, TR("« %s » ne correspond à aucun écran",
					       "\"%s\" matches no screen"), f->value);
	int k = snprintf(buf, len, TR("%s (%s) : %s", "%s (%s): %s"), f->path, who, what);
	return k < 0 ? 0 : (size_t)k;
}
