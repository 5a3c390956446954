/* compliance.c — minutes on inside the legal night window, by cause. */
#include "compliance.h"

#include <stdio.h>
#include <stdlib.h>

#include "i18n.h"

bool dc_cpl_applies(enum dc_category category, unsigned flags)
{
	if (flags & DC_FLAG_AIRPORT)
		return false;
	return category == DC_CAT_ADVERTISING || (flags & DC_FLAG_TRANSPORT_FURNITURE);
}

static unsigned why_at(const struct dc_night_allow *a, size_t n, int64_t t)
{
	unsigned why = 0;
	for (size_t i = 0; i < n; i++)
		if (a[i].from <= t && t < a[i].to)
			why |= a[i].why;
	return why;
}

static const struct dc_en_span *span_at(const struct dc_cpl_input *in, int64_t t)
{
	for (size_t i = 0; i < in->nspans; i++)
		if (in->spans[i].from <= t && t < in->spans[i].to)
			return &in->spans[i];
	return NULL;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static void add_cut(int64_t *c, size_t *n, int64_t t, int64_t ws, int64_t we)
{
	if (t > ws && t < we)
		c[(*n)++] = t;
}

int dc_cpl_night(const struct dc_cpl_input *in, int64_t ws, int64_t we, struct dc_cpl_night *out)
{
	if (we < ws)
		return -1;
	*out = (struct dc_cpl_night){ .window_s = we - ws };
	size_t cap = 3 + 2 * (in->nspans + in->nallow), n = 0;
	int64_t *c = malloc(cap * sizeof *c);
	if (!c)
		return -1;
	c[n++] = ws;
	c[n++] = we;
	add_cut(c, &n, in->removed_at, ws, we);
	for (size_t i = 0; i < in->nspans; i++) {
		add_cut(c, &n, in->spans[i].from, ws, we);
		add_cut(c, &n, in->spans[i].to, ws, we);
	}
	for (size_t i = 0; i < in->nallow; i++) {
		add_cut(c, &n, in->allow[i].from, ws, we);
		add_cut(c, &n, in->allow[i].to, ws, we);
	}
	qsort(c, n, sizeof *c, cmp_i64);

	for (size_t i = 0; i + 1 < n; i++) {
		int64_t a = c[i], d = c[i + 1] - a;
		if (d == 0)
			continue;
		if (a >= in->removed_at) {
			out->off_s += d;
			continue;
		}
		const struct dc_en_span *sp = span_at(in, a);
		enum dc_en_cause unknown_cause = sp ? sp->cause : in->gap_cause;
		switch (sp ? sp->state : DC_EN_UNKNOWN) {
		case DC_EN_OFF:
			out->off_s += d;
			break;
		case DC_EN_ON: {
			/* A derogation is the stronger cause: it is a decision
			 * for this night, service hours are the standing rule.
			 * Any other reason (in practice service hours: the
			 * window is the rule's) is the rule not binding. */
			unsigned why = why_at(in->allow, in->nallow, a);
			if (why & DC_NIGHT_DEROGATION)
				out->derogation_s += d;
			else if (why)
				out->exception_s += d;
			else
				out->violation_s += d;
			break;
		}
		default:
			out->unknown_s += d;
			out->unknown_by[(unsigned)unknown_cause < DC_EN_CAUSES ? unknown_cause
								  : DC_EN_UNCONFIRMED] += d;
			break;
		}
	}
	free(c);

	if (out->violation_s > 0)
		out->verdict = DC_CPL_VIOLATION;
	else if (out->unknown_s > 0)
		out->verdict = DC_CPL_UNKNOWN;
	else if (out->derogation_s > 0)
		out->verdict = DC_CPL_DEROGATION;
	else if (out->exception_s > 0)
		out->verdict = DC_CPL_EXCEPTION;
	else
		out->verdict = DC_CPL_COMPLIANT;
	return 0;
}

enum dc_en_cause dc_cpl_unknown_cause(const struct dc_cpl_night *n)
{
	enum dc_en_cause best = DC_EN_UNCONFIRMED;
	for (int c = 1; c < DC_EN_CAUSES; c++)
		if (n->unknown_by[c] > n->unknown_by[best])
			best = (enum dc_en_cause)c;
	return best;
}

const char *dc_cpl_verdict_name(enum dc_cpl_verdict v)
{
	static const char *const names[DC_CPL__COUNT] = {
		"compliant", "derogation", "exception", "unknown", "violation",
	};
	return (unsigned)v < DC_CPL__COUNT ? names[v] : "?";
}

const char *dc_cpl_verdict_label(enum dc_cpl_verdict v)
{
	static const char *const fr[DC_CPL__COUNT] = {
		"conforme", "dérogation", "exception (service de transport)", "inconnu", "infraction",
	};
	static const char *const en[DC_CPL__COUNT] = {
		"compliant", "derogation", "exception (transport service)", "unknown", "violation",
	};
	if ((unsigned)v >= DC_CPL__COUNT)
		return "?";
	return TR(fr[v], en[v]);
}

void dc_cpl_explain(const struct dc_cpl_night *n, enum dc_lang lang, char *buf, size_t len)
{
#define L(fr, en) (lang == DC_LANG_EN ? (en) : (fr))
	static const char *const cause_fr[DC_EN_CAUSES] = {
		"état non confirmé par le boîtier", "boîtier hors ligne", "écran sans boîtier",
	};
	static const char *const cause_en[DC_EN_CAUSES] = {
		"state not confirmed by the box", "box offline", "screen with no box",
	};
	/* "<what> N min<how>" */
	const struct { int64_t s; const char *fr, *frhow, *en, *enhow; } part[] = {
		{ n->violation_s, "allumé", " sans dérogation ni exception", "on",
		  " with no derogation nor exception" },
		{ n->derogation_s, "allumé", " sous dérogation", "on", " under a derogation" },
		{ n->exception_s, "allumé", " pendant le service de transport (images fixes)", "on",
		  " during transport service (fixed images)" },
		{ n->unknown_s, "état inconnu", "", "state unknown", "" },
		{ n->off_s, "éteint ou déposé", "", "off or removed", "" },
	};
	size_t k = 0;
	if (!len)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof part / sizeof part[0] && k < len; i++) {
		if (part[i].s <= 0)
			continue;
		if (k)
			k += (size_t)snprintf(buf + k, len - k, "%s", L(" ; ", "; "));
		if (k < len)
			k += (size_t)snprintf(buf + k, len - k, "%s %lld min%s", L(part[i].fr, part[i].en),
					      (long long)dc_cpl_minutes(part[i].s),
					      L(part[i].frhow, part[i].enhow));
		if (i == 3 && k < len) {
			enum dc_en_cause c = dc_cpl_unknown_cause(n);
			k += (size_t)snprintf(buf + k, len - k, " (%s)", L(cause_fr[c], cause_en[c]));
		}
	}
	if (k == 0)
		k = (size_t)snprintf(buf, len, "%s", L("fenêtre légale vide", "empty legal window"));
	if (k < len)
		snprintf(buf + k, len - k, ".");
	/* Sentence case: the first letter is ASCII in both languages except
	 * "état", whose capital is two bytes like its small letter. */
	if (buf[0] >= 'a' && buf[0] <= 'z')
		buf[0] = (char)(buf[0] - 'a' + 'A');
	else if ((unsigned char)buf[0] == 0xc3 && (unsigned char)buf[1] == 0xa9)
		buf[1] = (char)0x89;
#undef L
}
