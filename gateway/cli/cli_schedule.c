/* cli_schedule.c — rules file location and local times for the CLI. */
#include "cli_schedule.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "i18n.h"
#include "paths.h"
#include "tz.h"

const char *cli_rules_path(const struct cli *cli, const char *given, char *buf, size_t len)
{
	const char *env = getenv("DECRAN_RULES");
	char db[1024];

	if (given && *given)
		snprintf(buf, len, "%s", given);
	else if (env && *env)
		snprintf(buf, len, "%s", env);
	else if (cli->db_default)
		snprintf(buf, len, "%s", DECRAN_DEFAULT_RULES);
	else {
		snprintf(db, sizeof db, "%s", cli->db_path);
		snprintf(buf, len, "%s/rules.json", dirname(db));
	}
	return buf;
}

struct dc_rules *cli_rules_load(const struct cli *cli, const char *given)
{
	char path[1024], err[1024];
	struct dc_rules *r = dc_rules_load(cli_rules_path(cli, given, path, sizeof path), err, sizeof err);

	if (!r)
		fprintf(stderr, TR("decran : règles refusées : %s\n", "decran: rules refused: %s\n"), err);
	return r;
}

void cli_zone_from_rules(const struct cli *cli, const char *given)
{
	char path[1024], err[1024];
	struct dc_rules *r = dc_rules_load(cli_rules_path(cli, given, path, sizeof path), err, sizeof err);

	dc_tz_use(r ? r->zone : DC_DEFAULT_ZONE);
	dc_rules_free(r);
}

int cli_parse_local(const char *s, int64_t *t)
{
	char buf[17];

	if (s && strlen(s) == 10) {
		snprintf(buf, sizeof buf, "%s 00:00", s);
		s = buf;
	}
	return dc_parse_local_datetime(s, t);
}

int cli_parse_duration(const char *s, int64_t *seconds)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (end == s || v <= 0 || v > 100000 || end[0] == 0 || end[1] != 0)
		return -1;
	switch (*end) {
	case 'm': *seconds = v * INT64_C(60); return 0;
	case 'h': *seconds = v * INT64_C(3600); return 0;
	case 'd': *seconds = v * INT64_C(86400); return 0;
	default: return -1;
	}
}

char *cli_fmt_local(int64_t t, char *buf, size_t len)
{
	struct dc_localtime l;

	if (t == INT64_MAX) {
		snprintf(buf, len, "%s", TR("jamais", "never"));
		return buf;
	}
	dc_tz_local(t, &l);
	if (dc_lang() == DC_LANG_EN)
		snprintf(buf, len, "%04d-%02d-%02d %02d:%02d", l.year, l.month, l.day, l.sod / 3600, l.sod / 60 % 60);
	else
		snprintf(buf, len, "%02d/%02d/%04d %02d:%02d", l.day, l.month, l.year, l.sod / 3600, l.sod / 60 % 60);
	return buf;
}

int64_t cli_now(void)
{
	return dc_clock_now(cli_clock());
}
