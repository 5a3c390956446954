/* i18n.c — language choice and locale-aware number/date formatting. */
#include "i18n.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The environment's choice, read once for the process (threads may ask at
 * the same time); a thread's own choice (a request's language) overrides it
 * for that thread only, so a request never changes another thread's text. */
static int from_env = DC_LANG_FR;
static pthread_once_t env_once = PTHREAD_ONCE_INIT;
static _Thread_local int chosen = -1;

int dc_lang_parse(const char *s)
{
	if (!s || !*s)
		return -1;
	if (strncmp(s, "en", 2) == 0)
		return DC_LANG_EN;
	if (strncmp(s, "fr", 2) == 0)
		return DC_LANG_FR;
	return -1;
}

static void read_env(void)
{
	/* POSIX precedence for messages: LANGUAGE, LC_ALL, LC_MESSAGES, LANG. */
	const char *vars[] = { "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG" };
	for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
		const char *v = getenv(vars[i]);
		if (v && *v) {
			from_env = dc_lang_parse(v) == DC_LANG_EN ? DC_LANG_EN : DC_LANG_FR;
			break;
		}
	}
}

enum dc_lang dc_lang(void)
{
	if (chosen >= 0)
		return (enum dc_lang)chosen;
	pthread_once(&env_once, read_env);
	return (enum dc_lang)from_env;
}

void dc_set_lang(enum dc_lang lang)
{
	chosen = lang;
}

char *dc_fmt_num(char *buf, size_t len, double v, int decimals, enum dc_lang lang)
{
	const char *group = lang == DC_LANG_EN ? "," : "\u202f";
	char point = lang == DC_LANG_EN ? '.' : ',';
	char raw[64];

	if (decimals < 0)
		decimals = 0;
	if (decimals > 6)
		decimals = 6;
	if (!isfinite(v)) {
		snprintf(buf, len, "%s", "?");
		return buf;
	}
	int n = snprintf(raw, sizeof raw, "%.*f", decimals, v);
	if (n < 0 || (size_t)n >= sizeof raw) {
		snprintf(buf, len, "?");
		return buf;
	}
	/* raw is [-]digits[.digits]; rebuild with grouping and the local point. */
	const char *p = raw;
	size_t o = 0;
	char out[128];
	if (*p == '-') {
		/* "-0,0" reads oddly: drop the sign when every printed digit is zero. */
		if (strspn(p + 1, "0.") != strlen(p + 1))
			out[o++] = '-';
		p++;
	}
	size_t intlen = strcspn(p, ".");
	for (size_t i = 0; i < intlen; i++) {
		if (i > 0 && (intlen - i) % 3 == 0) {
			memcpy(out + o, group, strlen(group));
			o += strlen(group);
		}
		out[o++] = p[i];
	}
	if (p[intlen] == '.') {
		out[o++] = point;
		size_t fl = strlen(p + intlen + 1);
		memcpy(out + o, p + intlen + 1, fl);
		o += fl;
	}
	out[o] = '\0';
	if (strlen(out) + 1 > len) {
		snprintf(buf, len, "?");
		return buf;
	}
	memcpy(buf, out, strlen(out) + 1);
	return buf;
}

char *dc_fmt_date(char *buf, size_t len, int year, int month, int day, enum dc_lang lang)
{
	if (lang == DC_LANG_EN)
		snprintf(buf, len, "%04d-%02d-%02d", year, month, day);
	else
		snprintf(buf, len, "%02d/%02d/%04d", day, month, year);
	return buf;
}
