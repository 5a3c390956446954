/* energy_cli.c — shared pieces of `decran energy` and `decran report`. */
#include "energy_cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_schedule.h"
#include "clock.h"
#include "i18n.h"
#include "rules.h"
#include "tz.h"

int ecli_load_config(const char *path, struct dc_ledger_config *cfg)
{
	char err[512];
	dc_ledger_config_default(cfg);
	if (!path || !*path)
		path = getenv("DECRAN_ENERGY_CONFIG");
	if (!path || !*path)
		return 0;
	if (dc_ledger_config_load(path, cfg, err, sizeof err) < 0) {
		fprintf(stderr, "decran: %s\n", err);
		return -1;
	}
	return 0;
}

int ecli_load_rules(const struct cli *cli, const char *given, struct dc_rules **out)
{
	char err[512], path[1024];
	const char *env = getenv("DECRAN_RULES");
	*out = NULL;
	/* The same file as `schedule explain|preview`, so a report judges by
	 * the rules the engine ran; only the default one may be missing. */
	cli_rules_path(cli, given, path, sizeof path);
	if (!(given && *given) && !(env && *env) && access(path, F_OK) != 0)
		return 0;
	if (!(*out = dc_rules_load(path, err, sizeof err))) {
		fprintf(stderr, "decran: %s\n", err);
		return -1;
	}
	return 0;
}

int ecli_parse_instant(const struct dc_ledger_config *cfg, const char *s, int64_t *out)
{
	int y, mo, d, h, mi, sec = 0, n = 0;
	char date[11];
	if (!s || !*s)
		s = getenv("DECRAN_NOW");
	if (!s || !*s) {
		*out = dc_clock_now(cli_clock());
		return 0;
	}
	if (s[0] == '@') {
		char *end;
		long long v = strtoll(s + 1, &end, 10);
		if (end == s + 1 || *end)
			return -1;
		*out = v;
		return 0;
	}
	if ((sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &d, &h, &mi, &sec, &n) == 6 &&
	     n == (int)strlen(s)) ||
	    (sec = 0, sscanf(s, "%4d-%2d-%2dT%2d:%2dZ%n", &y, &mo, &d, &h, &mi, &n) == 5 &&
	     n == (int)strlen(s))) {
		if (!dc_ymd_valid(y, mo, d) || h > 23 || mi > 59 || sec > 60 || h < 0 || mi < 0)
			return -1;
		*out = dc_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
		return 0;
	}
	if (dc_tz_use(cfg->zone) < 0 || strlen(s) != 16)
		return -1;
	memcpy(date, s, 10);
	date[10] = 0;
	n = 0;
	if (dc_parse_date(date, &y, &mo, &d) < 0 || (s[10] != ' ' && s[10] != 'T') ||
	    sscanf(s + 11, "%2d:%2d%n", &h, &mi, &n) != 2 || n != 5 || h > 23 || mi > 59 || h < 0 ||
	    mi < 0)
		return -1;
	*out = dc_tz_from_local(y, mo, d, h * 3600 + mi * 60);
	return 0;
}

int ecli_config_instant(const char *config, const char *s, struct dc_ledger_config *cfg,
			int64_t *out)
{
	if (ecli_load_config(config, cfg) < 0)
		return 1;
	if (ecli_parse_instant(cfg, s, out) < 0) {
		fprintf(stderr, TR("decran : instant invalide « %s »\n", "decran: invalid instant '%s'\n"), s);
		dc_ledger_config_free(cfg);
		return EXIT_USAGE;
	}
	return 0;
}

char *ecli_kwh(char *buf, size_t len, int64_t mwh, int dec)
{
	return dc_fmt_num(buf, len, dc_en_kwh(mwh), dec, dc_lang());
}

char *ecli_date(char *buf, size_t len, const char *iso)
{
	int y, m, d;
	if (dc_parse_date(iso, &y, &m, &d) < 0) {
		snprintf(buf, len, "%s", iso);
		return buf;
	}
	return dc_fmt_date(buf, len, y, m, d, dc_lang());
}
