/* test_explain_plain.c — a screen's decision in plain words, one case per
 * rule kind of the engine: the legal night, the transport exemption with
 * fixed, animated and undeclared images, a derogation, the city's schedule,
 * a manual override (with and without its author), a removed screen, and
 * a decision that is not known. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "explain_plain.h"
#include "fixture_schedule.h"
#include "tz.h"

static const char RULES[] =
	"{\"version\":1,\"zone\":\"Europe/Paris\","
	"\"transport\":{\"service_hours\":\"05:30-00:30\"},"
	"\"derogations\":[{\"reference\":\"Arrêté municipal n° 2026-318\",\"screens\":[\"pub-gare\"],"
	"\"from\":\"2026-12-31 20:00\",\"to\":\"2027-01-01 03:00\","
	"\"reason\":{\"fr\":\"Réveillon place de la Gare\",\"en\":\"New Year's Eve\"}}],"
	"\"policies\":["
	"{\"id\":\"adv-night\",\"scope\":{\"categories\":[\"advertising\"]},"
	"\"windows\":[{\"start\":\"22:00\",\"end\":\"07:00\"}],\"effect\":\"off\","
	"\"reason\":{\"fr\":\"Publicité éteinte de 22:00 à 07:00\",\"en\":\"Advertising off 22:00-07:00\"},"
	"\"reference\":\"Règlement local de publicité, art. 12\"},"
	"{\"id\":\"school-hours\",\"scope\":{\"categories\":[\"school\"]},"
	"\"windows\":[{\"start\":\"08:00\",\"end\":\"17:00\"}],\"effect\":\"on\","
	"\"reason\":{\"fr\":\"Heures de classe\",\"en\":\"School hours\"}},"
	"{\"id\":\"school-off\",\"scope\":{\"categories\":[\"school\"]},\"effect\":\"off\","
	"\"reason\":{\"fr\":\"École fermée\",\"en\":\"School closed\"}}]}";

static struct dc_rules *rules;

static int setup(void **state)
{
	(void)state;
	char err[512];
	rules = dc_rules_parse(RULES, strlen(RULES), ".", err, sizeof err);
	if (!rules)
		fprintf(stderr, "%s\n", err);
	return rules ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	dc_rules_free(rules);
	return 0;
}

/* The plain text for s at t (ctx may be NULL), checked to contain each of
 * `want` (NULL-terminated) and none of `never`. */
static void expect(const struct dc_screen *s, struct dc_sched_ctx *ctx, int64_t t, unsigned flags,
		   enum dc_lang lang, const char *const *want, const char *const *never)
{
	struct dc_explanation e;
	dc_schedule_explain(rules, ctx, s, t, &e);
	struct dc_plain_input in = { rules, ctx, s, &e,
				     dc_schedule_next_transition(rules, ctx, s, t), flags };
	char *txt = dc_explain_plain(&in, lang);
	assert_non_null(txt);
	for (; want && *want; want++)
		if (!strstr(txt, *want))
			fail_msg("missing \"%s\" in:\n%s", *want, txt);
	for (; never && *never; never++)
		if (strstr(txt, *never))
			fail_msg("unexpected \"%s\" in:\n%s", *never, txt);
	/* Three paragraphs: decision, text, next change. */
	int lines = 0;
	for (const char *p = txt; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 2);
	free(txt);
}

static void legal_night(void **state)
{
	(void)state;
	struct dc_screen s = screen("pub-1", DC_CAT_ADVERTISING);
	expect(&s, NULL, at(rules, 2026, 12, 4, 2, 0), 0, DC_LANG_FR, (const char *const[]){
		"Cet écran doit être éteint : la publicité lumineuse est interdite de 01:00 à 06:00",
		"Texte : article R581-35 du Code de l'environnement",
		/* 06:00 ends the law's window, the city's rule keeps it off to 07:00 */
		"Prochain changement le 04/12/2026 à 07:00 : allumage autorisé.", NULL },
	       (const char *const[]){ "Mobilier", NULL });
	expect(&s, NULL, at(rules, 2026, 12, 4, 2, 0), 0, DC_LANG_EN, (const char *const[]){
		"This screen must be off: luminous advertising is forbidden from 01:00 to 06:00",
		"Text: article R581-35 of the Environment Code",
		"Next change on 2026-12-04 at 07:00: may be on.", NULL }, NULL);
}

static struct dc_screen furniture(enum dc_display d)
{
	struct dc_screen s = screen("abri-1", DC_CAT_TRANSPORT);
	s.flags = DC_FLAG_TRANSPORT_FURNITURE;
	s.display = d;
	snprintf(s.service_hours, sizeof s.service_hours, "05:00-02:00");
	return s;
}

static void transport_fixed_images(void **state)
{
	(void)state;
	struct dc_screen s = furniture(DC_DISPLAY_FIXED);
	expect(&s, NULL, at(rules, 2026, 12, 4, 1, 30), 0, DC_LANG_FR, (const char *const[]){
		"Cet écran peut être allumé : aucune règle ne l'interdit",
		"Mobilier de transport en service (05:00-02:00) affichant des images fixes : il est exempté.",
		"article R581-35", "Prochain changement le 04/12/2026 à 02:00 : extinction.", NULL },
	       (const char *const[]){ "Aucun texte", NULL });
}

static void transport_animated_images(void **state)
{
	(void)state;
	struct dc_screen s = furniture(DC_DISPLAY_ANIMATED);
	expect(&s, NULL, at(rules, 2026, 12, 4, 1, 30), 0, DC_LANG_FR, (const char *const[]){
		"Cet écran doit être éteint : la publicité lumineuse est interdite",
		"mais il affiche des images animées : l'exemption exige des images fixes.",
		"article R581-35", NULL }, (const char *const[]){ "exempté", NULL });
	/* Outside its service hours the display does not matter. */
	s.display = DC_DISPLAY_FIXED;
	expect(&s, NULL, at(rules, 2026, 12, 4, 3, 0), 0, DC_LANG_FR, (const char *const[]){
		"hors de ses heures de service (05:00-02:00)", NULL }, NULL);
}

static void transport_display_unknown(void **state)
{
	(void)state;
	struct dc_screen s = furniture(DC_DISPLAY_UNKNOWN);
	expect(&s, NULL, at(rules, 2026, 12, 4, 1, 30), 0, DC_LANG_FR, (const char *const[]){
		"Cet écran doit être éteint",
		"son affichage (fixe ou animé) n'est pas déclaré : il est traité comme animé", NULL },
	       NULL);
}

static void derogation(void **state)
{
	(void)state;
	struct dc_screen s = screen("pub-gare", DC_CAT_ADVERTISING);
	expect(&s, NULL, at(rules, 2027, 1, 1, 2, 0), 0, DC_LANG_FR, (const char *const[]){
		"Cet écran peut être allumé : dérogation « Arrêté municipal n° 2026-318 », "
		"du 31/12/2026 à 20:00 au 01/01/2027 à 03:00. Motif : Réveillon place de la Gare.",
		"La règle nationale de nuit est levée par la dérogation « Arrêté municipal n° 2026-318 ».",
		"Texte : l'arrêté « Arrêté municipal n° 2026-318 ».", "article R581-35",
		"Prochain changement le 01/01/2027 à 03:00 : extinction.", NULL }, NULL);
}

static void city_schedule(void **state)
{
	(void)state;
	struct dc_screen pub = screen("pub-1", DC_CAT_ADVERTISING);
	expect(&pub, NULL, at(rules, 2026, 12, 4, 23, 0), 0, DC_LANG_FR, (const char *const[]){
		"Cet écran doit être éteint : règle de la commune « Publicité éteinte de 22:00 à 07:00 ».",
		"Texte : Règlement local de publicité, art. 12.",
		/* the law also binds it at night */
		"article R581-35", NULL }, NULL);
	struct dc_screen school = screen("ecole-1", DC_CAT_SCHOOL);
	expect(&school, NULL, at(rules, 2026, 12, 4, 10, 0), 0, DC_LANG_FR, (const char *const[]){
		"Cet écran peut être allumé : règle de la commune « Heures de classe ».",
		"Texte : décision de la commune (aucune référence donnée).",
		"Prochain changement le 04/12/2026 à 17:00 : extinction.", NULL },
	       (const char *const[]){ "R581-35", NULL });
}

static void override_public_and_private(void **state)
{
	(void)state;
	struct dc_screen s = screen("ecole-1", DC_CAT_SCHOOL);
	struct dc_override ov = { .screen = "ecole-1", .kind = DC_FORCE_OFF,
				  .from = at(rules, 2026, 12, 4, 9, 0), .until = at(rules, 2026, 12, 4, 12, 0),
				  .author = "alice.martin", .reason = "travaux" };
	struct dc_sched_ctx ctx = { .overrides = &ov, .noverrides = 1 };
	expect(&s, &ctx, at(rules, 2026, 12, 4, 10, 0), DC_EXPLAIN_PUBLIC, DC_LANG_FR, (const char *const[]){
		"Cet écran est éteint par un forçage manuel jusqu'au 04/12/2026 à 12:00 (motif : travaux).",
		"Texte : décision d'un agent de la commune", NULL },
	       (const char *const[]){ "alice", NULL });
	dc_sched_ctx_release(&ctx);
	expect(&s, &ctx, at(rules, 2026, 12, 4, 10, 0), 0, DC_LANG_FR, (const char *const[]){
		"forçage manuel de alice.martin jusqu'au", NULL }, NULL);
	dc_sched_ctx_release(&ctx);
	ov.kind = DC_FORCE_ON;
	ov.from = at(rules, 2026, 12, 4, 18, 0);
	ov.until = at(rules, 2026, 12, 4, 20, 0);
	expect(&s, &ctx, at(rules, 2026, 12, 4, 19, 0), DC_EXPLAIN_PUBLIC, DC_LANG_EN, (const char *const[]){
		"This screen may be on: forced on by hand until 2026-12-04 at 20:00 (reason: travaux).",
		NULL }, (const char *const[]){ "alice", NULL });
	dc_sched_ctx_release(&ctx);
}

static void removed(void **state)
{
	(void)state;
	struct dc_screen s = screen("pub-9", DC_CAT_ADVERTISING);
	s.status = DC_STATUS_REMOVED;
	expect(&s, NULL, at(rules, 2026, 12, 4, 12, 0), 0, DC_LANG_FR, (const char *const[]){
		"Cet écran est déposé : il reste éteint.",
		"Aucun changement prévu dans les 400 prochains jours.", NULL }, NULL);
}

static void unknown_state(void **state)
{
	(void)state;
	struct dc_screen s = screen("pub-1", DC_CAT_ADVERTISING);
	struct dc_plain_input in = { NULL, NULL, &s, NULL, INT64_MAX, DC_EXPLAIN_PUBLIC };
	char *txt = dc_explain_plain(&in, DC_LANG_FR);
	assert_non_null(strstr(txt, "L'état de cet écran est inconnu"));
	assert_null(strstr(txt, "éteint"));
	free(txt);
	in.rules = rules;	/* rules but no explanation: still unknown */
	txt = dc_explain_plain(&in, DC_LANG_EN);
	assert_non_null(strstr(txt, "This screen's state is unknown"));
	free(txt);
}

/* The trace beside it is whole whatever its length (it was cut at 2 KB). */
static void trace_never_cut(void **state)
{
	(void)state;
	char json[40000];
	int n = snprintf(json, sizeof json, "{\"version\":1,\"zone\":\"Europe/Paris\",\"policies\":[");
	for (int i = 0; i < 40; i++)
		n += snprintf(json + n, sizeof json - (size_t)n,
			      "%s{\"id\":\"p%02d\",\"scope\":{\"categories\":[\"school\"]},"
			      "\"windows\":[{\"start\":\"03:00\",\"end\":\"04:00\"}],\"effect\":\"off\","
			      "\"reason\":{\"fr\":\"Une raison assez longue pour remplir la trace, "
			      "numéro %02d, écrite en entier\"}}", i ? "," : "", i, i);
	snprintf(json + n, sizeof json - (size_t)n, "]}");
	char err[256];
	struct dc_rules *r = dc_rules_parse(json, strlen(json), ".", err, sizeof err);
	assert_non_null(r);
	struct dc_screen s = screen("ecole-1", DC_CAT_SCHOOL);
	struct dc_explanation e;
	dc_schedule_explain(r, NULL, &s, at(rules, 2026, 12, 4, 10, 0), &e);
	char *t = dc_explain_render_dup(r, NULL, &s, &e, DC_LANG_FR, DC_EXPLAIN_PUBLIC);
	assert_non_null(t);
	assert_true(strlen(t) > 4096);
	assert_non_null(strstr(t, "numéro 39, écrite en entier"));
	char small[64];
	assert_int_equal(dc_explain_render(r, NULL, &s, &e, DC_LANG_FR, small, sizeof small), strlen(t));
	free(t);
	dc_rules_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(legal_night),
		cmocka_unit_test(transport_fixed_images),
		cmocka_unit_test(transport_animated_images),
		cmocka_unit_test(transport_display_unknown),
		cmocka_unit_test(derogation),
		cmocka_unit_test(city_schedule),
		cmocka_unit_test(override_public_and_private),
		cmocka_unit_test(removed),
		cmocka_unit_test(unknown_state),
		cmocka_unit_test(trace_never_cut),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
