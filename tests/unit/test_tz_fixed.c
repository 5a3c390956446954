/* test_tz_fixed.c — a process with threads fixes its zone once: afterwards
 * no call changes $TZ (neither dc_tz_use nor loading rules or a calendar in
 * another zone), and threads converting times meanwhile see one zone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rules.h"
#include "tz.h"

extern char **environ;

#define NOV_2026 INT64_C(1795392000)	/* 2026-11-23T00:00:00Z */
#define SAMPLES 2000

static int64_t expected[SAMPLES];
static atomic_bool done;
static atomic_int mismatches;

static void *convert(void *arg)
{
	(void)arg;
	while (!atomic_load(&done)) {
		for (int i = 0; i < SAMPLES; i++) {
			struct dc_localtime l;
			dc_tz_local(NOV_2026 + (int64_t)i * 3607, &l);
			if (l.gmtoff != expected[i])
				atomic_fetch_add(&mismatches, 1);
		}
	}
	return NULL;
}

static void fixed_zone_is_never_changed_again(void **state)
{
	(void)state;
	char err[512];
	assert_int_equal(dc_tz_fix("Europe/Paris"), 0);
	assert_true(dc_tz_fixed());
	char **env0 = environ;
	const char *tz0 = getenv("TZ");
	assert_string_equal(tz0, "Europe/Paris");
	for (int i = 0; i < SAMPLES; i++) {
		struct dc_localtime l;
		dc_tz_local(NOV_2026 + (int64_t)i * 3607, &l);
		expected[i] = l.gmtoff;
	}
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, convert, NULL), 0);

	/* Everything that used to switch the zone, while the threads run. */
	static const char *const others[] = { "America/Cayenne", "Pacific/Noumea", "UTC" };
	for (int k = 0; k < 200; k++) {
		const char *z = others[k % 3];
		errno = 0;
		assert_int_equal(dc_tz_use(z), -1);
		assert_int_equal(errno, EBUSY);
		assert_int_equal(dc_tz_use("Europe/Paris"), 0);	/* the same zone: fine */
	}
	const char *json = "{\"zone\": \"Pacific/Noumea\", \"policies\": []}";
	struct dc_rules *r = dc_rules_parse(json, strlen(json), ".", err, sizeof err);
	assert_null(r);
	assert_non_null(strstr(err, "zone"));
	assert_non_null(strstr(err, "Pacific/Noumea"));
	/* An unknown zone is still reported as unknown. */
	json = "{\"zone\": \"Mars/Olympus\", \"policies\": []}";
	assert_null(dc_rules_parse(json, strlen(json), ".", err, sizeof err));
	assert_non_null(strstr(err, "Mars/Olympus"));
	/* Rules in the fixed zone load. */
	json = "{\"zone\": \"Europe/Paris\", \"policies\": []}";
	r = dc_rules_parse(json, strlen(json), ".", err, sizeof err);
	assert_non_null(r);
	dc_rules_free(r);

	atomic_store(&done, true);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(atomic_load(&mismatches), 0);
	/* The environment itself was never written. */
	assert_ptr_equal(environ, env0);
	assert_ptr_equal(getenv("TZ"), tz0);
	assert_string_equal(dc_tz_current(), "Europe/Paris");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fixed_zone_is_never_changed_again),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
