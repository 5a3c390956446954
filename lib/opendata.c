/* opendata.c — the public tables of the inventory (see opendata.h). */
#include "opendata.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

const struct dc_od_dialect DC_OD_RFC4180 = { ',', false }, DC_OD_FR = { ';', true };

#define COL(f, ...) static const struct dc_od_column col_##f = { .field = f, __VA_ARGS__ }
#define NUM(f, lo, t, d) COL(f, .type = DC_OD_NUMBER, .has_min = true, .min = lo, .title = t, .description = d)

COL(DC_F_ID, .type = DC_OD_STRING, .required = true, .pattern = "[a-z0-9][a-z0-9_-]{0,46}",
    .title = "Identifiant", .description = "Identifiant stable de l'écran (ne change jamais).");
COL(DC_F_NAME, .type = DC_OD_STRING, .required = true, .title = "Nom",
    .description = "Nom de l'écran. Une cellule qui commencerait par = + - @ est précédée "
		   "d'une apostrophe (protection contre l'injection de formules).");
COL(DC_F_CATEGORY, .type = DC_OD_STRING, .required = true, .values = DC_OD_ENUM_CATEGORY,
    .title = "Catégorie", .description = "Usage de l'écran.");
COL(DC_F_STATUS, .type = DC_OD_STRING, .required = true, .values = DC_OD_ENUM_STATUS,
    .title = "Statut", .description = "actif, réduit, dépose prévue ou déposé.");
COL(DC_F_SITE, .type = DC_OD_STRING, .title = "Site", .description = "Lieu ou équipement.");
COL(DC_F_ADDRESS, .type = DC_OD_STRING, .title = "Adresse", .description = "Adresse postale.");
COL(DC_F_LAT, .type = DC_OD_NUMBER, .has_min = true, .min = -90, .has_max = true, .max = 90,
    .title = "Latitude", .description = "Latitude WGS84 en degrés décimaux (vide : inconnue).");
COL(DC_F_LON, .type = DC_OD_NUMBER, .has_min = true, .min = -180, .has_max = true, .max = 180,
    .title = "Longitude", .description = "Longitude WGS84 en degrés décimaux (vide : inconnue).");
COL(DC_F_OWNER, .type = DC_OD_STRING, .title = "Propriétaire",
    .description = "Propriétaire ou exploitant.");
COL(DC_F_TECH, .type = DC_OD_STRING, .values = DC_OD_ENUM_TECH, .title = "Technologie",
    .description = "Technologie d'affichage.");
NUM(DC_F_SURFACE_M2, 0, "Surface (m²)", "Surface d'affichage en mètres carrés.");
NUM(DC_F_POWER_ON_W, 0, "Puissance allumé (W)", "Puissance déclarée écran allumé, en watts.");
NUM(DC_F_POWER_STANDBY_W, 0, "Puissance en veille (W)",
    "Puissance déclarée en veille, en watts.");
COL(DC_F_BASELINE_HOURS, .type = DC_OD_NUMBER, .has_min = true, .min = 0, .has_max = true,
    .max = 24, .title = "Heures par jour avant le plan",
    .description = "Heures d'allumage par jour avant le plan de sobriété (base des économies).");
COL(DC_F_REMOVAL_TARGET, .type = DC_OD_DATE, .title = "Date cible de dépose",
    .description = "Date visée pour la dépose (vide : non fixée).");
COL(DC_F_REMOVAL_DATE, .type = DC_OD_DATE, .title = "Date de dépose",
    .description = "Date à laquelle l'écran a été déposé.");
COL(DC_F_AIRPORT, .type = DC_OD_BOOLEAN, .title = "Aéroport",
    .description = "Dans l'emprise d'un aéroport (exception R581-35).");
COL(DC_F_TRANSPORT_FURNITURE, .type = DC_OD_BOOLEAN, .title = "Mobilier de transport",
    .description = "Mobilier urbain d'un service de transport (exception R581-35 pendant "
		   "le service, images fixes seulement).");
COL(DC_F_SERVICE_HOURS, .type = DC_OD_STRING,
    .pattern = "([01][0-9]|2[0-3]):[0-5][0-9]-(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)",
    .title = "Heures de service", .description = "HH:MM-HH:MM, heure locale (vide : celles des règles).");
COL(DC_F_DISPLAY, .type = DC_OD_STRING, .values = DC_OD_ENUM_DISPLAY, .title = "Affichage",
    .description = "Images fixes, animées, ou non déclaré (unknown).");
COL(DC_OD_DAYS_LEFT, .type = DC_OD_INTEGER, .title = "Jours restants",
    .description = "Jours jusqu'à la date cible à la date des données (négatif : en retard).");
NUM(DC_OD_YEARLY_KWH, 0, "Énergie annuelle évitée (kWh, estimation)",
    "Puissance allumé × heures par jour avant le plan × 365 / 1000.");

#define TABLE(v, n, t, ...)                                                                 \
	static const struct dc_od_column *const v##_cols[] = { __VA_ARGS__ };               \
	const struct dc_od_table v = { n, t, v##_cols, sizeof v##_cols / sizeof v##_cols[0] }

/* The CLI's export order (screen_csv.c), without notes, box and channel. */
TABLE(dc_od_inventory, "decran-ecrans", "Inventaire des écrans de la commune",
      &col_DC_F_ID, &col_DC_F_NAME, &col_DC_F_CATEGORY, &col_DC_F_SITE, &col_DC_F_ADDRESS,
      &col_DC_F_LAT, &col_DC_F_LON, &col_DC_F_OWNER, &col_DC_F_TECH, &col_DC_F_SURFACE_M2,
      &col_DC_F_POWER_ON_W, &col_DC_F_POWER_STANDBY_W, &col_DC_F_BASELINE_HOURS,
      &col_DC_F_STATUS, &col_DC_F_REMOVAL_TARGET, &col_DC_F_REMOVAL_DATE, &col_DC_F_AIRPORT,
      &col_DC_F_TRANSPORT_FURNITURE, &col_DC_F_SERVICE_HOURS, &col_DC_F_DISPLAY);

TABLE(dc_od_removals, "decran-deposes-prevues", "Écrans dont la dépose est prévue",
      &col_DC_F_ID, &col_DC_F_NAME, &col_DC_F_SITE, &col_DC_F_CATEGORY, &col_DC_F_OWNER,
      &col_DC_F_REMOVAL_TARGET, &col_DC_OD_DAYS_LEFT, &col_DC_F_POWER_ON_W,
      &col_DC_F_BASELINE_HOURS, &col_DC_OD_YEARLY_KWH, &col_DC_F_LAT, &col_DC_F_LON);

const char *dc_od_column_name(const struct dc_od_column *c)
{
	if (c->field == DC_OD_DAYS_LEFT)
		return "days_left";
	if (c->field == DC_OD_YEARLY_KWH)
		return "yearly_kwh_estimate";
	return dc_field_name((enum dc_field)c->field);
}

const char *dc_od_cell(const struct dc_od_column *c, const struct dc_od_row *r, bool decimal_comma,
		       char *buf, size_t len)
{
	if (len == 0)
		return buf;
	if (c->field == DC_OD_DAYS_LEFT) {
		if (r->dated)
			snprintf(buf, len, "%ld", r->days_left);
		else
			buf[0] = '\0';
	} else if (c->field == DC_OD_YEARLY_KWH) {
		snprintf(buf, len, "%.1f", r->yearly_kwh);
	} else {
		dc_field_format(r->s, (enum dc_field)c->field, buf, len);
	}
	if (decimal_comma && c->type == DC_OD_NUMBER) {
		char *dot = strchr(buf, '.');
		if (dot)
			*dot = ',';
	}
	return buf;
}

bool dc_od_json_value(const struct dc_od_column *c, const struct dc_od_row *r, char *buf, size_t len,
		      bool *quoted)
{
	dc_od_cell(c, r, false, buf, len);
	*quoted = c->type == DC_OD_STRING || c->type == DC_OD_DATE;
	/* A date or number left empty is unknown; an empty text stays text. */
	return buf[0] != '\0' || c->type == DC_OD_STRING;
}

static void put_sep(char sep, dc_csv_put_fn *put, void *arg)
{
	put(arg, &sep, 1);
}

void dc_od_csv_header(const struct dc_od_table *t, struct dc_od_dialect d, dc_csv_put_fn *put,
		      void *arg)
{
	for (size_t i = 0; i < t->ncols; i++) {
		if (i)
			put_sep(d.sep, put, arg);
		dc_csv_put_cell(dc_od_column_name(t->cols[i]), d.sep, put, arg);
	}
	put(arg, "\r\n", 2);
}

void dc_od_csv_row(const struct dc_od_table *t, const struct dc_od_row *r, struct dc_od_dialect d,
		   dc_csv_put_fn *put, void *arg)
{
	char buf[600];
	for (size_t i = 0; i < t->ncols; i++) {
		if (i)
			put_sep(d.sep, put, arg);
		dc_csv_put_cell(dc_od_cell(t->cols[i], r, d.decimal_comma, buf, sizeof buf), d.sep,
				put, arg);
	}
	put(arg, "\r\n", 2);
}

static cJSON *enum_values(enum dc_od_enum e)
{
	cJSON *a = cJSON_CreateArray();
	int n = e == DC_OD_ENUM_CATEGORY ? DC_CAT__COUNT : e == DC_OD_ENUM_STATUS ? DC_STATUS__COUNT
		: e == DC_OD_ENUM_TECH ? DC_TECH__COUNT : DC_DISPLAY__COUNT;
	for (int i = 0; i < n; i++) {
		const char *v = e == DC_OD_ENUM_CATEGORY ? dc_category_name((enum dc_category)i)
			: e == DC_OD_ENUM_STATUS ? dc_status_name((enum dc_status)i)
			: e == DC_OD_ENUM_TECH ? dc_tech_name((enum dc_tech)i)
					       : dc_display_name((enum dc_display)i);
		cJSON_AddItemToArray(a, cJSON_CreateString(v));
	}
	return a;
}

char *dc_od_schema_json(const struct dc_od_table *t, bool decimal_comma)
{
	static const char *const types[] = { "string", "number", "integer", "date", "boolean" };
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "name", t->name);
	cJSON_AddStringToObject(root, "title", t->title);
	cJSON *fields = cJSON_AddArrayToObject(root, "fields");
	for (size_t i = 0; i < t->ncols; i++) {
		const struct dc_od_column *c = t->cols[i];
		cJSON *f = cJSON_CreateObject();
		cJSON_AddItemToArray(fields, f);
		cJSON_AddStringToObject(f, "name", dc_od_column_name(c));
		cJSON_AddStringToObject(f, "type", types[c->type]);
		cJSON_AddStringToObject(f, "title", c->title);
		cJSON_AddStringToObject(f, "description", c->description);
		if (c->type == DC_OD_NUMBER)
			cJSON_AddStringToObject(f, "decimalChar", decimal_comma ? "," : ".");
		if (c->type == DC_OD_BOOLEAN) {
			cJSON_AddItemToObject(f, "trueValues", cJSON_CreateStringArray(
						      (const char *const[]){ "true" }, 1));
			cJSON_AddItemToObject(f, "falseValues", cJSON_CreateStringArray(
						      (const char *const[]){ "false" }, 1));
		}
		cJSON *k = cJSON_CreateObject();
		if (c->required)
			cJSON_AddTrueToObject(k, "required");
		if (c->field == DC_F_ID)
			cJSON_AddTrueToObject(k, "unique");
		if (c->values != DC_OD_ENUM_NONE)
			cJSON_AddItemToObject(k, "enum", enum_values(c->values));
		if (c->pattern)
			cJSON_AddStringToObject(k, "pattern", c->pattern);
		if (c->has_min)
			cJSON_AddNumberToObject(k, "minimum", c->min);
		if (c->has_max)
			cJSON_AddNumberToObject(k, "maximum", c->max);
		if (cJSON_GetArraySize(k))
			cJSON_AddItemToObject(f, "constraints", k);
		else
			cJSON_Delete(k);
	}
	cJSON_AddStringToObject(root, "primaryKey", "id");
	cJSON_AddItemToObject(root, "missingValues",
			      cJSON_CreateStringArray((const char *const[]){ "" }, 1));
	char *s = cJSON_Print(root);
	cJSON_Delete(root);
	if (!s)
		return NULL;
	/* cJSON_Print leaves no final newline; a text file wants one. */
	size_t n = strlen(s);
	char *out = malloc(n + 2);
	if (out) {
		memcpy(out, s, n);
		out[n] = '\n';
		out[n + 1] = '\0';
	}
	cJSON_free(s);
	return out;
}
