/* test_rules_lint.c — scopes and derogations that match no screen of the
 * inventory are found, named by rule and field, with the nearest value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "i18n.h"
#include "rules_lint.h"

static const struct dc_sched_screen city[] = {
	{ .id = "creche-coccinelles-accueil", .site = "Crèche Les Coccinelles", .service_hours = "",
	  .category = DC_CAT_EARLY_CHILDHOOD, .status = DC_STATUS_ACTIVE },
	{ .id = "pub-gare-01", .site = "Gare", .service_hours = "", .category = DC_CAT_ADVERTISING,
	  .status = DC_STATUS_ACTIVE, .flags = DC_FLAG_TRANSPORT_FURNITURE },
	{ .id = "pub-gare-02", .site = "Gare", .service_hours = "", .category = DC_CAT_ADVERTISING,
	  .status = DC_STATUS_REDUCED },
	{ .id = "ecole-ferry-hall", .site = "École Jules Ferry", .service_hours = "", .category = DC_CAT_SCHOOL,
	  .status = DC_STATUS_ACTIVE },
	{ .id = "info-mairie", .site = "Place de l’Hôtel de Ville", .service_hours = "",
	  .category = DC_CAT_INFORMATION, .status = DC_STATUS_SLATED },
};
#define NCITY (sizeof city / sizeof *city)

/* Lint `policies` (and `derogations`, JSON array bodies) against screens. */
static void lint(const char *policies, const char *derogations, const struct dc_sched_screen *s, size_t n,
		 struct dc_lint *out)
{
	char json[4096], err[512];

	snprintf(json, sizeof json, "{\"zone\": \"Europe/Paris\", \"derogations\": [%s], \"policies\": [%s]}",
		 derogations, policies);
	struct dc_rules *r = dc_rules_parse(json, strlen(json), NULL, err, sizeof err);
	if (!r)
		fail_msg("rules refused: %s\n%s", err, json);
	assert_int_equal(dc_rules_lint(r, s, n, out), 0);
	dc_rules_free(r);
}

static void expect(const struct dc_lint *l, size_t i, enum dc_lint_severity sev, const char *path,
		   const char *value, const char *suggestion)
{
	assert_true(i < l->n);
	assert_int_equal(l->v[i].severity, sev);
	assert_string_equal(l->v[i].path, path);
	assert_string_equal(l->v[i].value, value);
	assert_string_equal(l->v[i].suggestion, suggestion);
}

static void folding_ignores_case_accents_and_typography(void **state)
{
	(void)state;
	char b[64];
	static const char *const cases[][2] = {
		{ "Crèche Les Coccinelles", "creche les coccinelles" },
		{ "ÉCOLE À L'ÎLE", "ecole a l'ile" },
		{ "Place de l’Hôtel de Ville", "place de l'hotel de ville" },
		{ "ŒUVRE Straße Æther", "oeuvre strasse aether" },
		{ "Łódź Škoda Çà ÿ", "lodz skoda ca y" },
		{ "a\xc2\xa0" "b\xe2\x80\x93" "c", "a b-c" },	/* no-break space, en dash */
		{ "日本 x", "日本 x" },	/* other scripts kept as they are */
		{ "bad \xc3 byte", "bad \xc3 byte" },	/* not UTF-8: kept */
		{ "", "" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		dc_fold(cases[i][0], b, sizeof b);
		assert_string_equal(b, cases[i][1]);
	}
	dc_fold("Crèche Les Coccinelles", b, 8);	/* truncated, still terminated */
	assert_string_equal(b, "creche ");
}

static void edit_distance_is_levenshtein(void **state)
{
	(void)state;
	assert_int_equal(dc_edit_distance("kitten", "sitting"), 3);
	assert_int_equal(dc_edit_distance("sitting", "kitten"), 3);
	assert_int_equal(dc_edit_distance("", "abc"), 3);
	assert_int_equal(dc_edit_distance("abc", ""), 3);
	assert_int_equal(dc_edit_distance("pub-gare-1", "pub-gare-01"), 1);
	assert_int_equal(dc_edit_distance("same", "same"), 0);
	assert_int_equal(dc_edit_distance("flaw", "lawn"), 2);
}

/* Finding 3: the accent missing from a site silently excluded the crèche. */
static void misspelt_site_is_an_error_with_the_accented_suggestion(void **state)
{
	(void)state;
	struct dc_lint l;
	char msg[512];

	lint("{\"id\": \"nuit\", \"effect\": \"off\", \"reason\": \"r\", \"scope\": {\"categories\": [\"advertising\"]}},"
	     "{\"id\": \"creche-soir\", \"effect\": \"off\", \"reason\": \"r\","
	     " \"scope\": {\"sites\": [\"Gare\", \"Creche Les Coccinelles\"]}}", "", city, NCITY, &l);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.errors, 1);
	expect(&l, 0, DC_LINT_ERROR, "policies[1].scope.sites[1]", "Creche Les Coccinelles", "Crèche Les Coccinelles");
	assert_string_equal(l.v[0].rule, "creche-soir");
	dc_lint_message(&l.v[0], msg, sizeof msg);
	assert_string_equal(msg, "policies[1].scope.sites[1] (règle « creche-soir ») : « Creche Les Coccinelles » "
				 "ne correspond à aucun écran ; vouliez-vous dire « Crèche Les Coccinelles » ?");
	dc_set_lang(DC_LANG_EN);
	dc_lint_message(&l.v[0], msg, sizeof msg);
	dc_set_lang(DC_LANG_FR);
	assert_string_equal(msg, "policies[1].scope.sites[1] (rule \"creche-soir\"): \"Creche Les Coccinelles\" "
				 "matches no screen; did you mean \"Crèche Les Coccinelles\"?");
	dc_lint_free(&l);

	/* Case, typographic apostrophe and accents together; nothing near: no suggestion. */
	lint("{\"id\": \"a\", \"effect\": \"off\", \"reason\": \"r\","
	     " \"scope\": {\"sites\": [\"place de l'hotel de ville\", \"Stade Municipal\", \"Gare\"]}}",
	     "", city, NCITY, &l);
	assert_int_equal(l.n, 2);
	expect(&l, 0, DC_LINT_ERROR, "policies[0].scope.sites[0]", "place de l'hotel de ville",
	       "Place de l’Hôtel de Ville");
	expect(&l, 1, DC_LINT_ERROR, "policies[0].scope.sites[1]", "Stade Municipal", "");
	dc_lint_message(&l.v[1], msg, sizeof msg);
	assert_string_equal(msg, "policies[0].scope.sites[1] (règle « a ») : « Stade Municipal » ne correspond à aucun écran");
	dc_lint_free(&l);
}

static void misspelt_screen_ids_in_scopes_and_derogations(void **state)
{
	(void)state;
	struct dc_lint l;
	char msg[512];

	lint("{\"id\": \"ecole\", \"effect\": \"on\", \"reason\": \"r\","
	     " \"scope\": {\"screens\": [\"ecole-ferry-hal\", \"pub-gare-02\"]}}",
	     "{\"reference\": \"Arrêté 2026-318\", \"screens\": [\"pub-gare-01\", \"pub-gare-1\", \"zzz\"],"
	     " \"from\": \"2026-12-31 20:00\", \"to\": \"2027-01-01 03:00\"}", city, NCITY, &l);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.errors, 3);
	expect(&l, 0, DC_LINT_ERROR, "policies[0].scope.screens[0]", "ecole-ferry-hal", "ecole-ferry-hall");
	expect(&l, 1, DC_LINT_ERROR, "derogations[0].screens[1]", "pub-gare-1", "pub-gare-01");
	expect(&l, 2, DC_LINT_ERROR, "derogations[0].screens[2]", "zzz", "");
	assert_true(l.v[1].derogation);
	dc_lint_message(&l.v[1], msg, sizeof msg);
	assert_string_equal(msg, "derogations[0].screens[1] (dérogation « Arrêté 2026-318 ») : « pub-gare-1 » "
				 "ne correspond à aucun écran ; vouliez-vous dire « pub-gare-01 » ?");
	dc_lint_free(&l);
}

static void kinds_that_exclude_each_other(void **state)
{
	(void)state;
	struct dc_lint l;
	char msg[512];

	/* Each value exists, but no school stands at the station: an error. */
	lint("{\"id\": \"x\", \"effect\": \"off\", \"reason\": \"r\","
	     " \"scope\": {\"categories\": [\"school\"], \"sites\": [\"Gare\"]}}", "", city, NCITY, &l);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.errors, 1);
	expect(&l, 0, DC_LINT_ERROR, "policies[0].scope", "", "");
	dc_lint_message(&l.v[0], msg, sizeof msg);
	assert_string_equal(msg, "policies[0].scope (règle « x ») : aucun écran ne réunit toutes les conditions "
				 "de cette portée");
	dc_lint_free(&l);

	/* Enumerated kinds only: a warning (the inventory may catch up). */
	lint("{\"id\": \"y\", \"effect\": \"off\", \"reason\": \"r\","
	     " \"scope\": {\"categories\": [\"school\"], \"statuses\": [\"reduced\"]}}", "", city, NCITY, &l);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.errors, 0);
	expect(&l, 0, DC_LINT_WARNING, "policies[0].scope", "", "");
	dc_lint_free(&l);
}

static void values_no_screen_has_yet_are_warnings(void **state)
{
	(void)state;
	struct dc_lint l;
	char msg[512];

	lint("{\"id\": \"removed\", \"effect\": \"off\", \"reason\": \"r\", \"scope\": {\"statuses\": [\"removed\"]}},"
	     "{\"id\": \"b\", \"effect\": \"off\", \"reason\": \"r\","
	     " \"scope\": {\"categories\": [\"library\", \"school\"], \"flags\": [\"airport\", \"transport_furniture\"]}}",
	     "", city, NCITY, &l);
	assert_int_equal(l.errors, 0);
	assert_int_equal(l.n, 3);
	expect(&l, 0, DC_LINT_WARNING, "policies[0].scope.statuses", "removed", "");
	expect(&l, 1, DC_LINT_WARNING, "policies[1].scope.categories", "library", "");
	expect(&l, 2, DC_LINT_WARNING, "policies[1].scope.flags", "airport", "");
	dc_lint_message(&l.v[0], msg, sizeof msg);
	assert_string_equal(msg, "policies[0].scope.statuses (règle « removed ») : aucun écran « removed » "
				 "dans l'inventaire pour l'instant");
	dc_lint_free(&l);
}

static void clean_rules_and_empty_inventory(void **state)
{
	(void)state;
	struct dc_lint l;
	const char *rules =
		"{\"id\": \"all\", \"effect\": \"off\", \"reason\": \"r\"},"
		"{\"id\": \"a\", \"effect\": \"off\", \"reason\": \"r\", \"scope\": {\"sites\": [\"Gare\"],"
		" \"screens\": [\"pub-gare-01\"], \"categories\": [\"advertising\"], \"statuses\": [\"active\"],"
		" \"flags\": [\"transport_furniture\"]}}";
	const char *derog = "{\"reference\": \"A\", \"screens\": [\"info-mairie\"], \"from\": \"2026-12-31 20:00\","
			    " \"to\": \"2027-01-01 03:00\"}";

	lint(rules, derog, city, NCITY, &l);
	assert_int_equal(l.n, 0);
	assert_int_equal(l.errors, 0);
	dc_lint_free(&l);
	/* No screen at all: every named site and screen is unknown, without a
	 * suggestion; the unscoped rule says nothing. */
	lint(rules, derog, NULL, 0, &l);
	assert_int_equal(l.errors, 3);
	expect(&l, 0, DC_LINT_ERROR, "policies[1].scope.sites[0]", "Gare", "");
	expect(&l, 1, DC_LINT_ERROR, "policies[1].scope.screens[0]", "pub-gare-01", "");
	expect(&l, l.n - 1, DC_LINT_ERROR, "derogations[0].screens[0]", "info-mairie", "");
	dc_lint_free(&l);
}

static void nearest_of_several_candidates(void **state)
{
	(void)state;
	struct dc_lint l;
	static const struct dc_sched_screen s[] = {
		{ .id = "a1", .site = "Médiathèque Nord", .category = DC_CAT_LIBRARY },
		{ .id = "a2", .site = "Médiathèque Sud", .category = DC_CAT_LIBRARY },
		{ .id = "a3", .site = "MEDIATHEQUE  NORD-EST", .category = DC_CAT_LIBRARY },
	};

	lint("{\"id\": \"m\", \"effect\": \"off\", \"reason\": \"r\", \"scope\": {\"sites\": [\"mediatheque sud\"]}}",
	     "", s, 3, &l);
	assert_int_equal(l.n, 1);
	expect(&l, 0, DC_LINT_ERROR, "policies[0].scope.sites[0]", "mediatheque sud", "Médiathèque Sud");
	dc_lint_free(&l);
}

static void unknown_scope_fields_stay_parse_errors(void **state)
{
	(void)state;
	char err[512];
	const char *json = "{\"policies\": [{\"id\": \"a\", \"effect\": \"off\", \"reason\": \"r\","
			   " \"scope\": {\"site\": [\"Gare\"]}}]}";

	assert_null(dc_rules_parse(json, strlen(json), NULL, err, sizeof err));
	assert_string_equal(err, "policies[0].scope.site: champ inconnu");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(folding_ignores_case_accents_and_typography),
		cmocka_unit_test(edit_distance_is_levenshtein),
		cmocka_unit_test(misspelt_site_is_an_error_with_the_accented_suggestion),
		cmocka_unit_test(misspelt_screen_ids_in_scopes_and_derogations),
		cmocka_unit_test(kinds_that_exclude_each_other),
		cmocka_unit_test(values_no_screen_has_yet_are_warnings),
		cmocka_unit_test(clean_rules_and_empty_inventory),
		cmocka_unit_test(nearest_of_several_candidates),
		cmocka_unit_test(unknown_scope_fields_stay_parse_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
