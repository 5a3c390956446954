/* fallback.c — encode, decode and look up compiled fallback schedules.
 *
 * The decoder is the relay box's only view of the schedule, and a bad
 * message must never leave it half-updated: everything is parsed into a
 * local copy and only a fully valid schedule is copied to *out.
 */
#include "fallback.h"

#include <cJSON.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* Instants beyond year 9999 or before 1970 are not schedules, they are bugs. */
#define MAX_INSTANT INT64_C(253402300799)

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (err && errlen)
		vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* A JSON number that is an exact integer within [lo, hi]. */
static int get_int(const cJSON *o, const char *key, int64_t lo, int64_t hi, int64_t *v)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!cJSON_IsNumber(n))
		return -1;
	double d = n->valuedouble;
	if (d < (double)lo || d > (double)hi || d != (double)(int64_t)d)
		return -1;
	*v = (int64_t)d;
	return 0;
}

static int decode_channel(const cJSON *c, int64_t from, int64_t until,
			  struct dc_fallback_channel *ch, char *err, size_t errlen)
{
	int64_t s;
	if (!cJSON_IsObject(c))
		return fail(err, errlen, "ch.%s: not an object", c->string);
	if (get_int(c, "s", 0, 1, &s))
		return fail(err, errlen, "ch.%s.s: must be 0 or 1", c->string);
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(c, "t");
	if (!cJSON_IsArray(t))
		return fail(err, errlen, "ch.%s.t: must be an array", c->string);
	int n = cJSON_GetArraySize(t);
	if (n > DC_FALLBACK_MAX_STEPS)
		return fail(err, errlen, "ch.%s.t: %d steps, at most %d", c->string, n,
			    DC_FALLBACK_MAX_STEPS);
	ch->initial_on = (int)s;
	ch->nsteps = 0;
	int64_t prev = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, t) {
		/* Range first: converting a double no int64_t holds is undefined. */
		double d = cJSON_IsNumber(e) ? e->valuedouble : -1;
		if (!(d >= 1 && d < (double)(until - from)) || d != (double)(int64_t)d)
			return fail(err, errlen, "ch.%s.t[%zu]: offset must be an integer in 1..%" PRId64,
				    c->string, ch->nsteps, until - from - 1);
		int64_t off = (int64_t)d;
		if (off <= prev)
			return fail(err, errlen, "ch.%s.t[%zu]: offsets must increase", c->string,
				    ch->nsteps);
		prev = off;
		ch->steps[ch->nsteps++] = from + off;
	}
	return 0;
}

int dc_fallback_decode(const char *json, size_t len, struct dc_fallback *out,
		       char *err, size_t errlen)
{
	struct dc_fallback *fb = calloc(1, sizeof *fb);
	cJSON *root = NULL;
	int rc = -1;
	int64_t v;

	if (!fb)
		return fail(err, errlen, "out of memory");
	size_t at;
	if (!(root = dc_json_parse(json, len, &at))) {
		fail(err, errlen, "not a JSON object: invalid JSON at byte %zu", at);
		goto out;
	}
	if (!cJSON_IsObject(root)) {
		fail(err, errlen, "not a JSON object");
		goto out;
	}
	if (get_int(root, "v", 0, INT_MAX, &v) || v != DC_FALLBACK_VERSION) {
		fail(err, errlen, "v: unsupported version (expected %d)", DC_FALLBACK_VERSION);
		goto out;
	}
	const cJSON *box = cJSON_GetObjectItemCaseSensitive(root, "box");
	if (!cJSON_IsString(box) || !dc_slug_valid(box->valuestring)) {
		fail(err, errlen, "box: must be a box id (lower-case slug)");
		goto out;
	}
	snprintf(fb->box, sizeof fb->box, "%s", box->valuestring);
	if (get_int(root, "gen", 0, MAX_INSTANT, &fb->generated)) {
		fail(err, errlen, "gen: must be a UTC instant in seconds");
		goto out;
	}
	if (get_int(root, "from", 0, MAX_INSTANT, &fb->from) ||
	    get_int(root, "until", 0, MAX_INSTANT, &fb->until) || fb->until <= fb->from) {
		fail(err, errlen, "from/until: must be UTC instants with from < until");
		goto out;
	}
	const cJSON *chs = cJSON_GetObjectItemCaseSensitive(root, "ch");
	if (!cJSON_IsObject(chs)) {
		fail(err, errlen, "ch: must be an object keyed by channel number");
		goto out;
	}
	const cJSON *c;
	cJSON_ArrayForEach(c, chs) {
		char *end;
		long n = strtol(c->string, &end, 10);
		if (*c->string == '\0' || *end || n < 1 || n > DC_MAX_CHANNELS) {
			fail(err, errlen, "ch.%s: channel must be 1..%d", c->string, DC_MAX_CHANNELS);
			goto out;
		}
		struct dc_fallback_channel *ch = &fb->ch[n - 1];
		if (ch->channel) {
			fail(err, errlen, "ch.%s: duplicate channel", c->string);
			goto out;
		}
		if (decode_channel(c, fb->from, fb->until, ch, err, errlen))
			goto out;
		ch->channel = (int)n;
	}
	memcpy(out, fb, sizeof *fb);
	rc = 0;
out:
	cJSON_Delete(root);
	free(fb);
	return rc;
}

char *dc_fallback_encode(const struct dc_fallback *fb)
{
	cJSON *root = cJSON_CreateObject(), *chs;
	char *s = NULL;

	if (!root)
		return NULL;
	cJSON_AddNumberToObject(root, "v", DC_FALLBACK_VERSION);
	cJSON_AddStringToObject(root, "box", fb->box);
	cJSON_AddNumberToObject(root, "gen", (double)fb->generated);
	cJSON_AddNumberToObject(root, "from", (double)fb->from);
	cJSON_AddNumberToObject(root, "until", (double)fb->until);
	chs = cJSON_AddObjectToObject(root, "ch");
	for (int i = 0; chs && i < DC_MAX_CHANNELS; i++) {
		const struct dc_fallback_channel *ch = &fb->ch[i];
		char key[4];
		if (!ch->channel)
			continue;
		snprintf(key, sizeof key, "%d", ch->channel);
		cJSON *c = cJSON_AddObjectToObject(chs, key);
		cJSON *t = c ? cJSON_AddArrayToObject(c, "t") : NULL;
		if (!t)
			goto out;
		cJSON_AddNumberToObject(c, "s", ch->initial_on ? 1 : 0);
		for (size_t k = 0; k < ch->nsteps; k++)
			cJSON_AddItemToArray(t, cJSON_CreateNumber((double)(ch->steps[k] - fb->from)));
	}
	s = cJSON_PrintUnformatted(root);
out:
	cJSON_Delete(root);
	return s;
}

int dc_fallback_state(const struct dc_fallback *fb, int channel, int64_t t, int64_t *next)
{
	const struct dc_fallback_channel *ch;

	if (next)
		*next = INT64_MAX;
	if (channel < 1 || channel > DC_MAX_CHANNELS || !fb->ch[channel - 1].channel)
		return -1;
	ch = &fb->ch[channel - 1];
	if (t < fb->from) {
		if (next)
			*next = fb->from;
		return -1;
	}
	if (t >= fb->until)
		return -1;
	/* Number of toggles at or before t: binary search for the first step > t. */
	size_t lo = 0, hi = ch->nsteps;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ch->steps[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (next)
		*next = lo < ch->nsteps ? ch->steps[lo] : fb->until;
	return (ch->initial_on + (int)(lo & 1)) & 1;
}
