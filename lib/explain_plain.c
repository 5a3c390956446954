/* explain_plain.c — the decision, its text and the next change, in words. */
#include "explain_plain.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "tz.h"

#define L(fr, en) (lang == DC_LANG_EN ? (en) : (fr))

/* "04/12/2026 à 06:00" local; `on` adds "le "/"on " in front. */
static const char *at_(int64_t t, bool on, enum dc_lang lang, char *b, size_t n)
{
	struct dc_localtime l;
	if (t == INT64_MAX)
		return L("sans date de fin", "with no end date");
	dc_tz_local(t, &l);
	if (lang == DC_LANG_EN)
		snprintf(b, n, "%s%04d-%02d-%02d at %02d:%02d", on ? "on " : "", l.year, l.month, l.day,
			 l.sod / 3600, l.sod / 60 % 60);
	else
		snprintf(b, n, "%s%02d/%02d/%04d à %02d:%02d", on ? "le " : "", l.day, l.month, l.year,
			 l.sod / 3600, l.sod / 60 % 60);
	return b;
}
#define at(t, lang, b, n) at_(t, true, lang, b, n)
#define until(t, lang, b, n) at_(t, false, lang, b, n)

static const char *text(const struct dc_text *t, enum dc_lang lang)
{
	return lang == DC_LANG_EN && t->en ? t->en : t->fr ? t->fr : "";
}

static const char *hours(const struct dc_screen *s, enum dc_lang lang)
{
	return s->service_hours[0] ? s->service_hours
				   : L("horaires par défaut des règles", "the rules' default hours");
}

static const struct dc_explain_step *night_step(const struct dc_explanation *e)
{
	for (size_t i = 0; i < e->nsteps; i++)
		if (e->steps[i].kind == DC_STEP_NIGHT)
			return &e->steps[i];
	return NULL;
}

static const char *const R581 = "R581-35";

static void legal_night(FILE *f, enum dc_lang lang)
{
	fprintf(f, L("Texte : article %s du Code de l'environnement (décret n° 2022-1294 du "
		     "5 octobre 2022) : la publicité lumineuse est éteinte entre 1 heure et 6 heures, "
		     "sauf dans les aéroports, sur le mobilier urbain de transport pendant le service "
		     "s'il affiche des images fixes, et par dérogation (arrêté municipal ou préfectoral).",
		     "Text: article %s of the Environment Code (decree 2022-1294 of 5 October 2022): "
		     "luminous advertising is off between 1 am and 6 am, except on airports, on "
		     "transport street furniture during service if it shows fixed images, and by "
		     "derogation (municipal or prefectoral order)."), R581);
}

/* Why the transport exemption does or does not hold, as one clause. */
static void transport(FILE *f, const struct dc_screen *s, const struct dc_explanation *e,
		      enum dc_lang lang)
{
	if (!e->in_service)
		fprintf(f, L(" Mobilier de transport hors de ses heures de service (%s) : l'exemption "
			     "ne s'applique pas.",
			     " Transport furniture outside its service hours (%s): the exemption "
			     "does not apply."), hours(s, lang));
	else if (e->fixed_images)
		fprintf(f, L(" Mobilier de transport en service (%s) affichant des images fixes : "
			     "il est exempté.",
			     " Transport furniture in service (%s) showing fixed images: it is "
			     "exempt."), hours(s, lang));
	else if (s->display == DC_DISPLAY_ANIMATED)
		fprintf(f, L(" Mobilier de transport en service (%s), mais il affiche des images "
			     "animées : l'exemption exige des images fixes.",
			     " Transport furniture in service (%s), but it shows animated images: "
			     "the exemption requires fixed images."), hours(s, lang));
	else
		fprintf(f, L(" Mobilier de transport en service (%s), mais son affichage (fixe ou "
			     "animé) n'est pas déclaré : il est traité comme animé, et l'exemption "
			     "exige des images fixes.",
			     " Transport furniture in service (%s), but its display (fixed or "
			     "animated) is not declared: it is treated as animated, and the exemption "
			     "requires fixed images."), hours(s, lang));
}

static void override(FILE *f, const struct dc_plain_input *in, const struct dc_explain_step *st,
		     enum dc_lang lang)
{
	char w[48];
	fprintf(f, "%s", st->kind == DC_STEP_FORCE_OFF
		? L("Cet écran est éteint par un forçage manuel", "This screen is forced off by hand")
		: L("Cet écran peut être allumé : forçage manuel", "This screen may be on: forced on by hand"));
	if (in->ctx && st->index >= 0 && (size_t)st->index < in->ctx->noverrides) {
		const struct dc_override *v = &in->ctx->overrides[st->index];
		if (!(in->flags & DC_EXPLAIN_PUBLIC) && v->author[0])
			fprintf(f, L(" de %s", " by %s"), v->author);
		fprintf(f, v->until == INT64_MAX ? " %s" : L(" jusqu'au %s", " until %s"),
			until(v->until, lang, w, sizeof w));
		if (v->reason[0])
			fprintf(f, L(" (motif : %s)", " (reason: %s)"), v->reason);
	}
	fputs(".", f);
}

static void decision(FILE *f, const struct dc_plain_input *in, enum dc_lang lang)
{
	const struct dc_explanation *e = in->e;
	const struct dc_rules *r = in->rules;
	const struct dc_screen *s = in->screen;
	const struct dc_explain_step *st = &e->steps[e->decisive];
	const struct dc_explain_step *night = night_step(e);
	char a[48], b[48];

	switch (st->kind) {
	case DC_STEP_REMOVED:
		fputs(L("Cet écran est déposé : il reste éteint.", "This screen is removed: it stays off."), f);
		break;
	case DC_STEP_FORCE_OFF:
	case DC_STEP_FORCE_ON:
		override(f, in, st, lang);
		break;
	case DC_STEP_NIGHT:
		fputs(L("Cet écran doit être éteint : la publicité lumineuse est interdite de 01:00 "
			"à 06:00 (règle nationale de nuit).",
			"This screen must be off: luminous advertising is forbidden from 01:00 to "
			"06:00 (national night rule)."), f);
		if (e->furniture)
			transport(f, s, e, lang);
		break;
	case DC_STEP_GRID:
		fputs(L("Cet écran est éteint pendant une alerte de tension sur le réseau électrique",
			"This screen is off during a power-grid stress alert"), f);
		if (in->ctx && st->index >= 0 && (size_t)st->index < in->ctx->nalerts) {
			const struct dc_grid_alert *g = &in->ctx->alerts[st->index];
			fprintf(f, L(" (%s, jusqu'au %s)", " (%s, until %s)"), g->source,
				until(g->until, lang, a, sizeof a));
		}
		fputs(".", f);
		break;
	case DC_STEP_DEROGATION: {
		const struct dc_derogation *d = &r->derogations[st->index];
		fprintf(f, L("Cet écran peut être allumé : dérogation « %s », du %s au %s.",
			     "This screen may be on: derogation \"%s\", from %s to %s."), d->reference,
			until(d->from, lang, a, sizeof a), until(d->until, lang, b, sizeof b));
		if (d->reason.fr)
			fprintf(f, L(" Motif : %s.", " Reason: %s."), text(&d->reason, lang));
		break;
	}
	case DC_STEP_POLICY: {
		const struct dc_policy *p = &r->policies[st->index];
		fprintf(f, st->effect_on ? L("Cet écran peut être allumé : règle de la commune « %s ».",
					     "This screen may be on: the city's rule \"%s\".")
					 : L("Cet écran doit être éteint : règle de la commune « %s ».",
					     "This screen must be off: the city's rule \"%s\"."),
			text(&p->reason, lang)[0] ? text(&p->reason, lang) : p->id);
		break;
	}
	case DC_STEP_DEFAULT:
		fputs(L("Cet écran peut être allumé : aucune règle ne l'interdit à cet instant.",
			"This screen may be on: no rule forbids it at this instant."), f);
		break;
	}
	/* The night rule in force but not deciding: say why it lets the
	 * screen be on (or that an earlier rule already keeps it off). */
	if (night && st->kind != DC_STEP_NIGHT) {
		if (night->outcome == DC_OUT_EXEMPT && (s->flags & DC_FLAG_AIRPORT))
			fputs(L(" La règle nationale de nuit ne s'applique pas : écran dans l'emprise "
				"d'un aéroport.",
				" The national night rule does not apply: screen on airport premises."), f);
		else if (night->outcome == DC_OUT_EXEMPT)
			transport(f, s, e, lang);
		else if (night->outcome == DC_OUT_LIFTED)
			fprintf(f, L(" La règle nationale de nuit est levée par la dérogation « %s ».",
				     " The national night rule is lifted by derogation \"%s\"."),
				r->derogations[night->index].reference);
	}
}

/* The text the deciding rule rests on; and the night rule's, when it
 * concerns the screen. */
static void legal(FILE *f, const struct dc_plain_input *in, enum dc_lang lang)
{
	const struct dc_explanation *e = in->e;
	const struct dc_explain_step *st = &e->steps[e->decisive];
	const struct dc_explain_step *night = night_step(e);
	bool under_night = night && night->outcome != DC_OUT_NOT_CONCERNED &&
			   !(in->screen->flags & DC_FLAG_AIRPORT);

	switch (st->kind) {
	case DC_STEP_NIGHT:
		break;
	case DC_STEP_DEROGATION:
		fprintf(f, L("Texte : l'arrêté « %s ». ", "Text: the order \"%s\". "),
			in->rules->derogations[st->index].reference);
		break;
	case DC_STEP_POLICY: {
		const struct dc_policy *p = &in->rules->policies[st->index];
		if (p->reference && *p->reference)
			fprintf(f, L("Texte : %s. ", "Text: %s. "), p->reference);
		else
			fputs(L("Texte : décision de la commune (aucune référence donnée). ",
				"Text: a decision of the city (no reference given). "), f);
		break;
	}
	case DC_STEP_FORCE_OFF:
	case DC_STEP_FORCE_ON:
		fputs(L("Texte : décision d'un agent de la commune, pour une durée limitée. ",
			"Text: a decision of a city officer, for a limited time. "), f);
		break;
	case DC_STEP_GRID:
		fputs(L("Texte : plan de sobriété de la commune (alerte du réseau électrique). ",
			"Text: the city's sobriety plan (power-grid alert). "), f);
		break;
	case DC_STEP_REMOVED:
	case DC_STEP_DEFAULT:
		if (!under_night)
			fputs(L("Aucun texte n'impose l'extinction de cet écran à cet instant.",
				"No text requires this screen to be off at this instant."), f);
		break;
	}
	if (under_night)
		legal_night(f, lang);
}

char *dc_explain_plain(const struct dc_plain_input *in, enum dc_lang lang)
{
	char *out = NULL, w[48];
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (!f)
		return NULL;
	if (!in->e || !in->rules) {
		fputs(L("L'état de cet écran est inconnu : les règles d'horaire en vigueur ne sont pas "
			"disponibles (passerelle non connectée). Rien n'est supposé.",
			"This screen's state is unknown: the schedule rules in force are not available "
			"(gateway not connected). Nothing is assumed."), f);
	} else {
		dc_tz_use(in->rules->zone);
		decision(f, in, lang);
		fputc('\n', f);
		legal(f, in, lang);
		fputc('\n', f);
		if (in->next_at == INT64_MAX)
			fputs(L("Aucun changement prévu dans les 400 prochains jours.",
				"No change within the next 400 days."), f);
		else
			fprintf(f, L("Prochain changement %s : %s.", "Next change %s: %s."),
				at(in->next_at, lang, w, sizeof w),
				in->e->on ? L("extinction", "off") : L("allumage autorisé", "may be on"));
	}
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}
