/* ledger_config.c — energy.json: zone, tariff, CO2e factor and per-box
 * relay/meter facts, validated with the failing field's path. */
#include "ledger.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "json.h"
#include "tz.h"

void dc_ledger_config_default(struct dc_ledger_config *c)
{
	memset(c, 0, sizeof *c);
	snprintf(c->zone, sizeof c->zone, "Europe/Paris");
	c->eur_per_kwh = DC_EN_DEFAULT_EUR_PER_KWH;
	snprintf(c->tariff_source, sizeof c->tariff_source, "%s",
		 TR("EDF Tarif Bleu option Base TTC au 1er février 2024 ; valeur par défaut, "
		    "à remplacer par le prix du contrat de la commune",
		    "EDF Tarif Bleu, option Base, all taxes, 1 February 2024; a default, to be "
		    "replaced by the council's contract price"));
	c->kgco2e_per_kwh = DC_EN_DEFAULT_KGCO2E_PER_KWH;
	snprintf(c->co2e_source, sizeof c->co2e_source, "%s",
		 TR("ADEME Base Empreinte, électricité, France continentale, mix moyen, "
		    "consommation", "ADEME Base Empreinte, electricity, mainland France, "
		    "average mix, consumption"));
	c->off_cuts_mains = true;
}

void dc_ledger_config_free(struct dc_ledger_config *c)
{
	free(c->boxes);
	c->boxes = NULL;
	c->nboxes = 0;
}

static int fail(char *err, size_t errlen, const char *path, const char *msg)
{
	snprintf(err, errlen, "%s: %s", path, msg);
	return -1;
}

static int get_number(const cJSON *o, const char *key, const char *path, double lo, double hi,
		      double *out, char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	char p[160];
	if (!v)
		return 0;
	snprintf(p, sizeof p, "%s%s", path, key);
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
		return fail(err, errlen, p, TR("nombre attendu", "number expected"));
	if (v->valuedouble < lo || v->valuedouble > hi) {
		char m[96];
		snprintf(m, sizeof m, TR("hors limites [%g, %g]", "out of range [%g, %g]"), lo, hi);
		return fail(err, errlen, p, m);
	}
	*out = v->valuedouble;
	return 0;
}

static int get_string(const cJSON *o, const char *key, const char *path, char *out, size_t cap,
		      char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	char p[160];
	if (!v)
		return 0;
	snprintf(p, sizeof p, "%s%s", path, key);
	if (!cJSON_IsString(v))
		return fail(err, errlen, p, TR("texte attendu", "string expected"));
	if (strlen(v->valuestring) >= cap)
		return fail(err, errlen, p, TR("trop long", "too long"));
	snprintf(out, cap, "%s", v->valuestring);
	return 0;
}

static int get_bool(const cJSON *o, const char *key, const char *path, int *out, char *err,
		    size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	char p[160];
	if (!v)
		return 0;
	snprintf(p, sizeof p, "%s%s", path, key);
	if (!cJSON_IsBool(v))
		return fail(err, errlen, p, TR("true ou false attendu", "true or false expected"));
	*out = cJSON_IsTrue(v);
	return 0;
}

static int check_keys(const cJSON *o, const char *path, const char *const *known, char *err,
		      size_t errlen)
{
	for (const cJSON *it = o->child; it; it = it->next) {
		bool ok = false;
		for (const char *const *k = known; *k; k++)
			ok |= strcmp(*k, it->string) == 0;
		if (!ok) {
			char p[200];
			snprintf(p, sizeof p, "%s%s", path, it->string);
			return fail(err, errlen, p, TR("champ inconnu", "unknown field"));
		}
	}
	return 0;
}

int dc_ledger_config_parse(const char *json, size_t len, struct dc_ledger_config *out,
			   char *err, size_t errlen)
{
	static const char *const top_keys[] = {
		"zone", "tariff_eur_per_kwh", "tariff_source", "co2e_kg_per_kwh", "co2e_source",
		"off_cuts_mains", "hourly_retention_days", "boxes", "_comment", NULL,
	};
	static const char *const box_keys[] = {
		"off_cuts_mains", "meter_rollover_kwh", "meter_max_gap_s", "_comment", NULL,
	};
	struct dc_ledger_config c;
	size_t off = 0;
	cJSON *root = dc_json_parse(json, len, &off);
	int rc = -1, b;
	double d;

	dc_ledger_config_default(&c);
	if (!root) {
		snprintf(err, errlen, TR("JSON invalide à l'octet %zu", "invalid JSON at byte %zu"),
			 off);
		return -1;
	}
	if (!cJSON_IsObject(root)) {
		fail(err, errlen, "(racine)", TR("objet attendu", "object expected"));
		goto out;
	}
	if (check_keys(root, "", top_keys, err, errlen) < 0 ||
	    get_string(root, "zone", "", c.zone, sizeof c.zone, err, errlen) < 0 ||
	    get_number(root, "tariff_eur_per_kwh", "", 0, 100, &c.eur_per_kwh, err, errlen) < 0 ||
	    get_string(root, "tariff_source", "", c.tariff_source, sizeof c.tariff_source, err,
		       errlen) < 0 ||
	    get_number(root, "co2e_kg_per_kwh", "", 0, 10, &c.kgco2e_per_kwh, err, errlen) < 0 ||
	    get_string(root, "co2e_source", "", c.co2e_source, sizeof c.co2e_source, err,
		       errlen) < 0)
		goto out;
	b = c.off_cuts_mains;
	if (get_bool(root, "off_cuts_mains", "", &b, err, errlen) < 0)
		goto out;
	c.off_cuts_mains = b;
	d = 0;
	if (get_number(root, "hourly_retention_days", "", 0, 36600, &d, err, errlen) < 0)
		goto out;
	if (d != floor(d)) {
		fail(err, errlen, "hourly_retention_days", TR("entier attendu", "integer expected"));
		goto out;
	}
	c.hourly_retention_days = (int)d;
	if (!dc_tz_valid(c.zone)) {
		fail(err, errlen, "zone", TR("fuseau IANA attendu (ex. Europe/Paris)",
					     "IANA zone expected (e.g. Europe/Paris)"));
		goto out;
	}

	const cJSON *boxes = cJSON_GetObjectItemCaseSensitive(root, "boxes");
	if (boxes) {
		if (!cJSON_IsObject(boxes)) {
			fail(err, errlen, "boxes", TR("objet attendu", "object expected"));
			goto out;
		}
		size_t n = (size_t)cJSON_GetArraySize(boxes);
		c.boxes = calloc(n ? n : 1, sizeof *c.boxes);
		if (!c.boxes) {
			fail(err, errlen, "boxes", strerror(ENOMEM));
			goto out;
		}
		for (const cJSON *it = boxes->child; it; it = it->next) {
			struct dc_ledger_box *bx = &c.boxes[c.nboxes];
			char path[128];
			snprintf(path, sizeof path, "boxes.%.60s.", it->string);
			if (!dc_slug_valid(it->string)) {
				fail(err, errlen, path, TR("identifiant de boîtier invalide",
							   "invalid box id"));
				goto out;
			}
			if (!cJSON_IsObject(it)) {
				fail(err, errlen, path, TR("objet attendu", "object expected"));
				goto out;
			}
			snprintf(bx->id, sizeof bx->id, "%s", it->string);
			bx->off_cuts_mains = -1;
			d = 0;
			if (check_keys(it, path, box_keys, err, errlen) < 0 ||
			    get_bool(it, "off_cuts_mains", path, &bx->off_cuts_mains, err, errlen) < 0 ||
			    get_number(it, "meter_rollover_kwh", path, 0, 1e12, &bx->meter_rollover_kwh,
				       err, errlen) < 0 ||
			    get_number(it, "meter_max_gap_s", path, 0, 86400 * 7, &d, err, errlen) < 0)
				goto out;
			bx->meter_max_gap_s = (int64_t)d;
			c.nboxes++;
		}
	}
	dc_ledger_config_free(out);
	*out = c;
	c.boxes = NULL;
	rc = 0;
out:
	free(c.boxes);
	cJSON_Delete(root);
	return rc;
}

int dc_ledger_config_load(const char *path, struct dc_ledger_config *c, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	char *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (len + 4096 > cap) {
			cap = cap ? cap * 2 : 8192;
			char *p = realloc(buf, cap);
			if (!p || cap > (1u << 24)) {
				free(p ? p : buf);
				fclose(f);
				snprintf(err, errlen, "%s: %s", path, TR("fichier trop grand", "file too large"));
				return -1;
			}
			buf = p;
		}
		size_t r = fread(buf + len, 1, cap - len, f);
		len += r;
		if (r == 0)
			break;
	}
	fclose(f);
	char inner[400];
	int rc = dc_ledger_config_parse(buf, len, c, inner, sizeof inner);
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", path, inner);
	free(buf);
	return rc;
}
