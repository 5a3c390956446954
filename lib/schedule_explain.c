/* schedule_explain.c — an explanation as sentences a citizen can read.
 *
 * One line per rule considered, in precedence order, saying whether it
 * concerned the screen, whether it was in force, and what it decided; the
 * decisive line is marked with "=>".  French by default, English on request.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schedule.h"
#include "tz.h"

struct out {
	char *buf;
	size_t len, n;
	size_t need;	/* what the whole text takes, written or not */
	unsigned flags;	/* DC_EXPLAIN_* */
};

__attribute__((format(printf, 2, 3)))
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = o->n < o->len ? vsnprintf(o->buf + o->n, o->len - o->n, fmt, ap)
			  : vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (k <= 0)
		return;
	o->need += (size_t)k;
	if (o->n < o->len)
		o->n = o->n + (size_t)k < o->len ? o->n + (size_t)k : o->len - 1;
}

#define L(fr, en) (lang == DC_LANG_EN ? (en) : (fr))

static const char *when(int64_t t, enum dc_lang lang, char *b, size_t n)
{
	struct dc_localtime l;

	if (t == INT64_MAX)
		return L("sans fin", "no end");
	dc_tz_local(t, &l);
	if (lang == DC_LANG_EN)
		snprintf(b, n, "%04d-%02d-%02d %02d:%02d", l.year, l.month, l.day, l.sod / 3600, l.sod / 60 % 60);
	else
		snprintf(b, n, "%02d/%02d/%04d %02d:%02d", l.day, l.month, l.year, l.sod / 3600, l.sod / 60 % 60);
	return b;
}

static const char *text(const struct dc_text *t, enum dc_lang lang)
{
	return lang == DC_LANG_EN && t->en ? t->en : t->fr ? t->fr : "";
}

static void label(struct out *o, const struct dc_rules *r, const struct dc_sched_ctx *ctx,
		  const struct dc_screen *s, const struct dc_explain_step *st, enum dc_lang lang)
{
	char a[32], b[32];

	switch (st->kind) {
	case DC_STEP_REMOVED:
		put(o, "%s", L("Écran déposé (toujours éteint)", "Removed screen (always off)"));
		break;
	case DC_STEP_FORCE_OFF:
	case DC_STEP_FORCE_ON:
		put(o, "%s", st->kind == DC_STEP_FORCE_OFF ? L("Forçage à l'arrêt", "Manual force-off")
			: L("Forçage à l'allumage", "Manual force-on"));
		if (st->index >= 0 && ctx && (size_t)st->index < ctx->noverrides) {
			const struct dc_override *v = &ctx->overrides[st->index];
			/* A public page names no one: the author's login stays
			 * on the technicians' pages. */
			if (o->flags & DC_EXPLAIN_PUBLIC)
				put(o, L(" jusqu'au %s (%s)", " until %s (%s)"),
				    when(v->until, lang, a, sizeof a), v->reason);
			else
				put(o, L(" par %s jusqu'au %s (%s)", " by %s until %s (%s)"), v->author,
				    when(v->until, lang, a, sizeof a), v->reason);
		}
		break;
	case DC_STEP_NIGHT:
		put(o, "%s", L("Règle nationale : publicité lumineuse éteinte de 01:00 à 06:00 "
			       "(art. R581-35 du Code de l'environnement, décret 2022-1294)",
			       "National rule: luminous advertising off from 01:00 to 06:00 "
			       "(Environment Code art. R581-35, decree 2022-1294)"));
		break;
	case DC_STEP_GRID:
		put(o, "%s", L("Alerte de tension sur le réseau électrique", "Power-grid stress alert"));
		if (st->index >= 0 && ctx && (size_t)st->index < ctx->nalerts) {
			const struct dc_grid_alert *g = &ctx->alerts[st->index];
			put(o, L(" (%s, jusqu'au %s%s%s)", " (%s, until %s%s%s)"), g->source,
			    when(g->until, lang, a, sizeof a), g->reason[0] ? " : " : "", g->reason);
		}
		break;
	case DC_STEP_DEROGATION: {
		const struct dc_derogation *d = &r->derogations[st->index];
		put(o, L("Dérogation « %s » du %s au %s", "Derogation \"%s\" from %s to %s"), d->reference,
		    when(d->from, lang, a, sizeof a), when(d->until, lang, b, sizeof b));
		if (d->reason.fr)
			put(o, " : %s", text(&d->reason, lang));
		break;
	}
	case DC_STEP_POLICY: {
		const struct dc_policy *p = &r->policies[st->index];
		put(o, L("Règle « %s » : %s", "Rule \"%s\": %s"), p->id, text(&p->reason, lang));
		if (p->reference && *p->reference)
			put(o, " (%s)", p->reference);
		break;
	}
	case DC_STEP_DEFAULT:
		put(o, "%s", L("Aucune règle ne l'interdit", "No rule forbids it"));
		break;
	}
	(void)s;
}

static const char *service_hours(const struct dc_screen *s, enum dc_lang lang)
{
	return s->service_hours[0] ? s->service_hours
				   : L("horaires par défaut des règles", "rules' default hours");
}

/* Night rule in force on transport furniture that is not exempt: say which
 * of the exemption's two conditions (service hours, fixed images) fails. */
static void transport_condition(struct out *o, const struct dc_screen *s,
				const struct dc_explanation *e, enum dc_lang lang)
{
	if (!e->in_service) {
		put(o, L(" ; mobilier de transport hors de ses heures de service (%s)",
			 "; transport furniture outside its service hours (%s)"), service_hours(s, lang));
		return;
	}
	put(o, L(" ; mobilier de transport en service (%s), mais l'exemption exige des images "
		 "fixes : %s, condition non remplie",
		 "; transport furniture in service (%s), but the exemption requires fixed "
		 "images: %s, condition not met"), service_hours(s, lang),
	    s->display == DC_DISPLAY_ANIMATED ? L("images animées", "animated images")
					      : L("affichage non déclaré, traité comme animé",
						  "display not declared, treated as animated"));
}

static void outcome(struct out *o, const struct dc_rules *r, const struct dc_screen *s,
		    const struct dc_explain_step *st, enum dc_lang lang)
{
	const char *eff = st->effect_on ? L("allumage autorisé", "may be on") : L("éteint", "off");

	switch (st->outcome) {
	case DC_OUT_NOT_CONCERNED:
		if (st->kind == DC_STEP_NIGHT)
			put(o, "%s", L("ne concerne pas cet écran (ni publicité, ni mobilier de transport)",
				       "does not concern this screen (neither advertising nor transport furniture)"));
		else if (st->kind == DC_STEP_GRID)
			put(o, "%s", L("en cours, mais pas pour la catégorie de cet écran",
				       "in progress, but not for this screen's category"));
		else if (st->kind == DC_STEP_REMOVED)
			put(o, "%s", L("non, l'écran n'est pas déposé", "no, the screen is not removed"));
		else
			put(o, "%s", L("ne concerne pas cet écran", "does not concern this screen"));
		break;
	case DC_OUT_NOT_NOW:
		if (st->kind == DC_STEP_NIGHT)
			put(o, "%s", L("hors de la plage 01:00-06:00", "outside 01:00-06:00"));
		else if (st->kind == DC_STEP_GRID)
			put(o, "%s", L("aucune alerte en cours", "no alert in progress"));
		else
			put(o, "%s", L("concerne cet écran, mais pas en vigueur à cet instant",
				       "concerns this screen, but not in force at this instant"));
		break;
	case DC_OUT_EXEMPT:
		if (s->flags & DC_FLAG_AIRPORT)
			put(o, "%s", L("exemption : écran dans l'emprise d'un aéroport",
				       "exempt: screen on airport premises"));
		else
			put(o, L("exemption : mobilier de transport pendant ses heures de service (%s), "
				 "images fixes : condition remplie",
				 "exempt: transport furniture during its service hours (%s), "
				 "fixed images: condition met"), service_hours(s, lang));
		break;
	case DC_OUT_LIFTED:
		put(o, L("en vigueur, mais levée par la dérogation « %s »",
			 "in force, but lifted by derogation \"%s\""), r->derogations[st->index].reference);
		break;
	case DC_OUT_APPLIED:
		put(o, L("s'applique : %s", "applies: %s"), eff);
		break;
	case DC_OUT_REFUSED:
		put(o, "%s", L("refusé : une règle prioritaire impose l'arrêt",
			       "refused: a higher-precedence rule requires off"));
		break;
	case DC_OUT_SHADOWED:
		put(o, L("s'appliquerait (%s), mais une règle prioritaire a déjà décidé",
			 "would apply (%s), but a higher-precedence rule already decided"), eff);
		break;
	}
}

size_t dc_explain_render(const struct dc_rules *r, const struct dc_sched_ctx *ctx,
			 const struct dc_screen *s, const struct dc_explanation *e,
			 enum dc_lang lang, char *buf, size_t len)
{
	return dc_explain_render_opts(r, ctx, s, e, lang, 0, buf, len);
}

char *dc_explain_render_dup(const struct dc_rules *r, const struct dc_sched_ctx *ctx,
			    const struct dc_screen *s, const struct dc_explanation *e,
			    enum dc_lang lang, unsigned flags)
{
	char one;
	size_t n = dc_explain_render_opts(r, ctx, s, e, lang, flags, &one, 1);
	char *p = malloc(n + 1);
	if (p)
		dc_explain_render_opts(r, ctx, s, e, lang, flags, p, n + 1);
	return p;
}

size_t dc_explain_render_opts(const struct dc_rules *r, const struct dc_sched_ctx *ctx,
			      const struct dc_screen *s, const struct dc_explanation *e,
			      enum dc_lang lang, unsigned flags, char *buf, size_t len)
{
	struct out o = { buf, len, 0, 0, flags };
	char w[32];

	if (!len)
		return 0;
	buf[0] = 0;
	dc_tz_use(r->zone);
	put(&o, L("Écran %s le %s (%s) : %s\n", "Screen %s at %s (%s): %s\n"), s->id,
	    when(e->t, lang, w, sizeof w), r->zone,
	    e->on ? L("ALLUMAGE AUTORISÉ", "MAY BE ON") : L("ÉTEINT", "OFF"));
	for (size_t i = 0; i < e->nsteps; i++) {
		put(&o, "%s %2zu. ", i == e->decisive ? "=>" : "  ", i + 1);
		label(&o, r, ctx, s, &e->steps[i], lang);
		put(&o, "%s", L(" — ", " — "));
		outcome(&o, r, s, &e->steps[i], lang);
		if (e->steps[i].kind == DC_STEP_NIGHT && e->furniture &&
		    e->steps[i].outcome != DC_OUT_NOT_CONCERNED && e->steps[i].outcome != DC_OUT_NOT_NOW &&
		    e->steps[i].outcome != DC_OUT_EXEMPT)
			transport_condition(&o, s, e, lang);
		put(&o, "\n");
	}
	return o.need;
}
