/* profile.c — Modbus device profiles: parse and validate. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "json.h"
#include "profile.h"
#include "screen.h"

#define PROFILE_MAX_BYTES 65536

static int fail(char *err, size_t errlen, const char *name, const char *field, const char *msg)
{
	snprintf(err, errlen, "%s: %s%s%s", name, field, *field ? ": " : "", msg);
	return -1;
}

static int only(const cJSON *o, const char *const *keys, const char **bad)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, o) {
		const char *const *k;
		for (k = keys; *k && strcmp(*k, it->string); k++)
			;
		if (!*k) {
			*bad = it->string;
			return -1;
		}
	}
	return 0;
}

static int parse_reg(const char *name, const char *key, const cJSON *o, struct gw_register *r,
		     char *err, size_t errlen)
{
	static const char *const keys[] = { "address", "type", "words", "scale", NULL };
	char f[96];
	const char *bad;
	if (!cJSON_IsObject(o))
		return fail(err, errlen, name, key, "expected an object");
	if (only(o, keys, &bad) < 0) {
		snprintf(f, sizeof f, "%s.%s", key, bad);
		return fail(err, errlen, name, f, "unknown field");
	}
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "address");
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "type");
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(o, "words");
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(o, "scale");
	int type, order = DC_WORDS_BIG;
	snprintf(f, sizeof f, "%s.address", key);
	if (!cJSON_IsNumber(a) || a->valuedouble != floor(a->valuedouble) || a->valuedouble < 0 ||
	    a->valuedouble > 65535)
		return fail(err, errlen, name, f, "expected an integer 0..65535");
	snprintf(f, sizeof f, "%s.type", key);
	if (!cJSON_IsString(t) || (type = dc_reg_type_parse(t->valuestring)) < 0)
		return fail(err, errlen, name, f,
			    "expected \"int16\", \"uint16\", \"int32\", \"uint32\" or \"float32\"");
	snprintf(f, sizeof f, "%s.words", key);
	if (w && (!cJSON_IsString(w) || (order = dc_word_order_parse(w->valuestring)) < 0))
		return fail(err, errlen, name, f, "expected \"big\" or \"little\"");
	snprintf(f, sizeof f, "%s.scale", key);
	if (s && (!cJSON_IsNumber(s) || !isfinite(s->valuedouble) || s->valuedouble == 0))
		return fail(err, errlen, name, f, "expected a non-zero number");
	if (a->valuedouble + dc_reg_count((enum dc_reg_type)type) > 65536)
		return fail(err, errlen, name, key, "runs past register 65535");
	*r = (struct gw_register){ .present = true, .address = (int)a->valuedouble,
				   .type = (enum dc_reg_type)type,
				   .order = (enum dc_word_order)order,
				   .scale = s ? s->valuedouble : 1.0 };
	return 0;
}

static int get_addr(const cJSON *root, const char *key, int *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
	if (!v)
		return 0;
	if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || v->valuedouble < 0 ||
	    v->valuedouble > 65535 - 16)
		return -1;
	*out = (int)v->valuedouble;
	return 0;
}

int gw_profile_parse(const char *name, const char *json, size_t len, struct gw_profile *out,
		     char *err, size_t errlen)
{
	static const char *const keys[] = { "v", "kind", "description", "source", "coil_base",
					    "readback", "readback_base", "function", "power_w",
					    "energy_wh", NULL };
	struct gw_profile p;
	const char *bad;
	int rc = -1;
	cJSON *root = dc_json_parse(json, len, NULL);

	memset(&p, 0, sizeof p);
	snprintf(p.name, sizeof p.name, "%s", name);
	if (!root)
		return fail(err, errlen, name, "", "invalid JSON");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "v");
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(root, "kind");
	if (!cJSON_IsObject(root)) {
		fail(err, errlen, name, "", "expected a JSON object");
	} else if (only(root, keys, &bad) < 0) {
		fail(err, errlen, name, bad, "unknown field");
	} else if (!cJSON_IsNumber(v) || v->valuedouble != 1) {
		fail(err, errlen, name, "v", "expected 1");
	} else if (!cJSON_IsString(kind) ||
		   (strcmp(kind->valuestring, "relay") && strcmp(kind->valuestring, "meter"))) {
		fail(err, errlen, name, "kind", "expected \"relay\" or \"meter\"");
	} else if (!strcmp(kind->valuestring, "relay")) {
		const cJSON *rb = cJSON_GetObjectItemCaseSensitive(root, "readback");
		p.kind = GW_PROFILE_RELAY;
		p.readback = GW_READBACK_COILS;
		if (get_addr(root, "coil_base", &p.coil_base) < 0)
			fail(err, errlen, name, "coil_base", "expected an integer 0..65519");
		else if (get_addr(root, "readback_base", &p.readback_base) < 0)
			fail(err, errlen, name, "readback_base", "expected an integer 0..65519");
		else if (rb && !cJSON_IsString(rb))
			fail(err, errlen, name, "readback", "expected a string");
		else if (rb && strcmp(rb->valuestring, "coils") && strcmp(rb->valuestring, "none") &&
			 strcmp(rb->valuestring, "discrete_inputs"))
			fail(err, errlen, name, "readback",
			     "expected \"coils\", \"discrete_inputs\" or \"none\"");
		else {
			if (rb && !strcmp(rb->valuestring, "none"))
				p.readback = GW_READBACK_NONE;
			if (rb && !strcmp(rb->valuestring, "discrete_inputs"))
				p.readback = GW_READBACK_DISCRETE;
			if (!cJSON_GetObjectItemCaseSensitive(root, "readback_base"))
				p.readback_base = p.coil_base;
			rc = 0;
		}
	} else {
		const cJSON *fn = cJSON_GetObjectItemCaseSensitive(root, "function");
		const cJSON *pw = cJSON_GetObjectItemCaseSensitive(root, "power_w");
		const cJSON *en = cJSON_GetObjectItemCaseSensitive(root, "energy_wh");
		p.kind = GW_PROFILE_METER;
		p.input_registers = true;
		if (fn && (!cJSON_IsString(fn) || (strcmp(fn->valuestring, "input") &&
						   strcmp(fn->valuestring, "holding"))))
			fail(err, errlen, name, "function", "expected \"input\" or \"holding\"");
		else if (!pw && !en)
			fail(err, errlen, name, "", "a meter needs power_w or energy_wh");
		else if (pw && parse_reg(name, "power_w", pw, &p.power, err, errlen) < 0)
			;
		else if (en && parse_reg(name, "energy_wh", en, &p.energy, err, errlen) < 0)
			;
		else {
			p.input_registers = !fn || !strcmp(fn->valuestring, "input");
			rc = 0;
		}
	}
	cJSON_Delete(root);
	if (rc == 0)
		*out = p;
	return rc;
}

int gw_profile_load(const char *dir, const char *name, struct gw_profile *out, char *err,
		    size_t errlen)
{
	char path[512];
	if (!dc_slug_valid(name))
		return fail(err, errlen, name, "", "not a valid profile name");
	snprintf(path, sizeof path, "%s/%s.json", dir, name);
	FILE *f = fopen(path, "re");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	char *buf = malloc(PROFILE_MAX_BYTES + 1);
	size_t n = buf ? fread(buf, 1, PROFILE_MAX_BYTES + 1, f) : 0;
	fclose(f);
	if (!buf || n > PROFILE_MAX_BYTES) {
		free(buf);
		snprintf(err, errlen, "%s: too large or unreadable", path);
		return -1;
	}
	int rc = gw_profile_parse(name, buf, n, out, err, errlen);
	free(buf);
	return rc;
}

static int load_kind(const struct gw_config *c, size_t b, const char *field, const char *name,
		     enum gw_profile_kind kind, struct gw_profile *p, char *err, size_t errlen)
{
	char why[400];
	if (gw_profile_load(c->profiles_dir, name, p, why, sizeof why) < 0) {
		snprintf(err, errlen, "boxes[%zu].%s: %s", b, field, why);
		return -1;
	}
	if (p->kind != kind) {
		snprintf(err, errlen, "boxes[%zu].%s: %s is not a %s profile", b, field, name,
			 kind == GW_PROFILE_RELAY ? "relay" : "meter");
		return -1;
	}
	return 0;
}

int gw_profiles_of_config(const struct gw_config *c, struct gw_box_profiles **out, char *err,
			  size_t errlen)
{
	struct gw_box_profiles *v = calloc(c->nboxes + 1, sizeof *v);
	if (!v) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t b = 0; b < c->nboxes; b++) {
		const struct gw_box *bx = &c->boxes[b];
		if (bx->driver != GW_DRV_MODBUS_RTU && bx->driver != GW_DRV_MODBUS_TCP)
			continue;
		if (load_kind(c, b, "profile", bx->profile, GW_PROFILE_RELAY, &v[b].relay, err,
			      errlen) < 0 ||
		    (bx->meter_profile[0] &&
		     load_kind(c, b, "meter.profile", bx->meter_profile, GW_PROFILE_METER,
			       &v[b].meter, err, errlen) < 0)) {
			free(v);
			return -1;
		}
		v[b].has_meter = bx->meter_profile[0] != '\0';
	}
	*out = v;
	return 0;
}
