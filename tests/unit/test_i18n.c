/* test_i18n.c — language choice and locale number/date formatting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <cmocka.h>

#include "i18n.h"
#include "screen.h"

#define NNBSP "\u202f"

static void french_numbers_group_with_narrow_space_and_comma(void **state)
{
	(void)state;
	char b[64];
	assert_string_equal(dc_fmt_num(b, sizeof b, 1234.5, 1, DC_LANG_FR), "1" NNBSP "234,5");
	assert_string_equal(dc_fmt_num(b, sizeof b, 1234567.891, 2, DC_LANG_FR),
			    "1" NNBSP "234" NNBSP "567,89");
	assert_string_equal(dc_fmt_num(b, sizeof b, 999, 0, DC_LANG_FR), "999");
	assert_string_equal(dc_fmt_num(b, sizeof b, -2000, 0, DC_LANG_FR), "-2" NNBSP "000");
	assert_string_equal(dc_fmt_num(b, sizeof b, -0.01, 1, DC_LANG_FR), "0,0");
	assert_string_equal(dc_fmt_num(b, sizeof b, 0.311, 3, DC_LANG_FR), "0,311");
}

static void english_numbers_use_comma_groups_and_point(void **state)
{
	(void)state;
	char b[64];
	assert_string_equal(dc_fmt_num(b, sizeof b, 1234.5, 1, DC_LANG_EN), "1,234.5");
	assert_string_equal(dc_fmt_num(b, sizeof b, 100000, 0, DC_LANG_EN), "100,000");
}

static void number_too_long_for_buffer_gives_question_mark(void **state)
{
	(void)state;
	char b[4];
	assert_string_equal(dc_fmt_num(b, sizeof b, 123456.0, 0, DC_LANG_EN), "?");
}

static void dates_follow_language(void **state)
{
	(void)state;
	char b[16];
	assert_string_equal(dc_fmt_date(b, sizeof b, 2026, 3, 29, DC_LANG_FR), "29/03/2026");
	assert_string_equal(dc_fmt_date(b, sizeof b, 2026, 3, 29, DC_LANG_EN), "2026-03-29");
}

static void language_comes_from_environment(void **state)
{
	(void)state;
	assert_int_equal(dc_lang_parse("en_GB.UTF-8"), DC_LANG_EN);
	assert_int_equal(dc_lang_parse("fr_FR.UTF-8"), DC_LANG_FR);
	assert_int_equal(dc_lang_parse("de_DE"), -1);
	dc_set_lang(DC_LANG_EN);
	assert_string_equal(dc_category_label(DC_CAT_SCHOOL), "School");
	dc_set_lang(DC_LANG_FR);
	assert_string_equal(dc_category_label(DC_CAT_SCHOOL), "École");
}

static atomic_int wrong_text;

/* A thread that serves requests in one language, over and over. */
static void *speak(void *arg)
{
	enum dc_lang lang = (enum dc_lang)(intptr_t)arg;
	const char *want = lang == DC_LANG_EN ? "School" : "École";
	for (int i = 0; i < 100000; i++) {
		dc_set_lang(lang);
		if (strcmp(dc_category_label(DC_CAT_SCHOOL), want))
			atomic_fetch_add(&wrong_text, 1);
	}
	return NULL;
}

static void *env_language(void *arg)
{
	*(enum dc_lang *)arg = dc_lang();
	return NULL;
}

static void language_is_per_thread(void **state)
{
	(void)state;
	pthread_t fr, en, fresh;
	enum dc_lang before, seen;
	assert_int_equal(pthread_create(&fresh, NULL, env_language, &before), 0);
	pthread_join(fresh, NULL);
	/* The main thread chooses English: a new thread still speaks the
	 * environment's language. */
	dc_set_lang(before == DC_LANG_EN ? DC_LANG_FR : DC_LANG_EN);
	assert_int_equal(pthread_create(&fresh, NULL, env_language, &seen), 0);
	pthread_join(fresh, NULL);
	assert_int_equal(seen, before);
	/* Two threads switching languages at the same time never see the
	 * other's text. */
	assert_int_equal(pthread_create(&fr, NULL, speak, (void *)(intptr_t)DC_LANG_FR), 0);
	assert_int_equal(pthread_create(&en, NULL, speak, (void *)(intptr_t)DC_LANG_EN), 0);
	pthread_join(fr, NULL);
	pthread_join(en, NULL);
	assert_int_equal(atomic_load(&wrong_text), 0);
	assert_int_equal(dc_lang(), before == DC_LANG_EN ? DC_LANG_FR : DC_LANG_EN);
	dc_set_lang(DC_LANG_FR);
}

static void screen_names_round_trip(void **state)
{
	(void)state;
	for (int c = 0; c < DC_CAT__COUNT; c++)
		assert_int_equal(dc_category_parse(dc_category_name(c)), c);
	for (int s = 0; s < DC_STATUS__COUNT; s++)
		assert_int_equal(dc_status_parse(dc_status_name(s)), s);
	assert_int_equal(dc_category_parse("billboard"), -1);
	assert_true(dc_slug_valid("gare-nord_2"));
	assert_false(dc_slug_valid("Gare"));
	assert_false(dc_slug_valid("-x"));
	assert_false(dc_slug_valid(""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(french_numbers_group_with_narrow_space_and_comma),
		cmocka_unit_test(english_numbers_use_comma_groups_and_point),
		cmocka_unit_test(number_too_long_for_buffer_gives_question_mark),
		cmocka_unit_test(dates_follow_language),
		cmocka_unit_test(language_comes_from_environment),
		cmocka_unit_test(language_is_per_thread),
		cmocka_unit_test(screen_names_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
