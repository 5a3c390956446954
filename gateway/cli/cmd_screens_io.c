/* cmd_screens_io.c — `screens import` (CSV, all or nothing) and
 * `screens export` (CSV or GeoJSON open data, atomic file write). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"
#include "cli_gateway.h"
#include "cli_store.h"
#include "csv.h"
#include "i18n.h"
#include "inventory_import.h"
#include "screen_csv.h"
#include "screen_fields.h"
#include "screens.h"

/* ---- import ---- */

static void import_usage(FILE *f)
{
	fputs(TR("usage : decran screens import FICHIER.csv [--update] [--actor NOM]\n"
		 "Importe des écrans depuis un CSV (UTF-8, séparateur virgule ou point-virgule,\n"
		 "en-tête obligatoire avec au moins id, name, category ; colonnes dans\n"
		 "docs/inventory.md).  Toutes les lignes sont vérifiées ; s'il y a la moindre\n"
		 "erreur, toutes sont affichées et rien n'est importé.\n"
		 "  --update       met à jour les écrans déjà présents (sinon : erreur)\n"
		 "  --actor NOM    auteur inscrit au journal (défaut : $USER)\n",
		 "usage: decran screens import FILE.csv [--update] [--actor NAME]\n"
		 "Import screens from a CSV file (UTF-8, comma or semicolon separator, a\n"
		 "header with at least id, name, category; columns in docs/inventory.md).\n"
		 "Every row is checked; if anything is wrong, every error is listed and\n"
		 "nothing is imported.\n"
		 "  --update       update screens already present (otherwise: an error)\n"
		 "  --actor NAME   author recorded in the audit trail (default: $USER)\n"), f);
}

static void show_progress(long rows, size_t done, size_t total, void *arg)
{
	bool tty = *(bool *)arg;
	char n[32];
	dc_fmt_num(n, sizeof n, (double)rows, 0, dc_lang());
	int pct = total ? (int)(done * 100 / total) : 100;
	if (tty)
		fprintf(stderr, TR("\rimport : %3d %% (%s lignes)", "\rimport: %3d%% (%s rows)"), pct,
			n);
	else if (rows % 50000 == 0)
		fprintf(stderr, TR("import : %d %% (%s lignes)\n", "import: %d%% (%s rows)\n"), pct, n);
}

char *read_import_file(const char *file, size_t *len)
{
	char *data = dc_read_file(file, DC_IMPORT_MAX_BYTES, len);

	if (!data)
		fprintf(stderr, "decran: %s: %s\n", file, strerror(errno));
	return data;
}

void print_file_errors(const char *file, const struct dc_errlist *errs)
{
	for (size_t i = 0; i < errs->n; i++) {
		const struct dc_error *e = &errs->v[i];
		if (e->line <= 0)
			fprintf(stderr, "%s: %s\n", file, e->msg);
		else if (!e->column[0])
			fprintf(stderr, "%s:%ld: %s\n", file, e->line, e->msg);
		else
			fprintf(stderr, TR("%s:%ld: colonne « %s » : %s\n", "%s:%ld: column '%s': %s\n"),
				file, e->line, e->column, e->msg);
	}
	if (errs->dropped) {
		char n[32];
		dc_fmt_num(n, sizeof n, (double)errs->dropped, 0, dc_lang());
		fprintf(stderr, TR("… et %s autre(s) erreur(s) non affichée(s).\n",
				   "… and %s more error(s) not shown.\n"), n);
	}
}

int screens_import(struct cli *cli, int argc, char **argv)
{
	struct dc_import_opts o = { .actor = NULL };
	int update = 0, first, rc;
	const struct cli_opt opts[] = {
		CLI_OPT_FLAG("update", &update), CLI_OPT_ARG("actor", &o.actor), CLI_OPT_END
	};
	struct dc_import_result res;
	struct dc_errlist errs = { 0 };
	bool tty = isatty(STDERR_FILENO);

	if ((rc = cli_parse_opts(argc, argv, opts, import_usage, &first)) >= 0)
		return rc;
	if (first != argc - 1) {
		import_usage(stderr);
		return EXIT_USAGE;
	}
	o.update = update;
	const char *file = argv[first];
	size_t len;
	char *data = read_import_file(file, &len);
	if (!data)
		return 1;
	struct dc_store *st = cli_open_store(cli);
	if (!st) {
		free(data);
		return 1;
	}
	o.actor = cli_actor(o.actor);
	o.progress = show_progress;
	o.progress_arg = &tty;
	rc = dc_inventory_import(st, data, len, &o, &res, &errs);
	if (tty && res.rows >= 5000)
		fputc('\n', stderr);
	if (rc < 0) {
		char n[32];
		print_file_errors(file, &errs);
		dc_fmt_num(n, sizeof n, (double)dc_errlist_count(&errs), 0, dc_lang());
		fprintf(stderr, TR("%s erreur(s) ; rien n'a été importé.\n",
				   "%s error(s); nothing was imported.\n"), n);
	} else {
		char n[4][32];
		dc_fmt_num(n[0], sizeof n[0], (double)res.rows, 0, dc_lang());
		dc_fmt_num(n[1], sizeof n[1], (double)res.created, 0, dc_lang());
		dc_fmt_num(n[2], sizeof n[2], (double)res.updated, 0, dc_lang());
		dc_fmt_num(n[3], sizeof n[3], (double)res.unchanged, 0, dc_lang());
		printf(TR("%s : %s ligne(s) importée(s) : %s créée(s), %s mise(s) à jour, %s inchangée(s).\n",
			  "%s: %s row(s) imported: %s created, %s updated, %s unchanged.\n"),
		       file, n[0], n[1], n[2], n[3]);
	}
	dc_errlist_free(&errs);
	dc_store_close(st);
	free(data);
	if (rc == 0 && res.created + res.updated > 0)
		cli_gateway_screens_changed();
	return rc < 0 ? 1 : 0;
}

/* ---- export ---- */

static void export_usage(FILE *f)
{
	fputs(TR("usage : decran screens export [--format csv|geojson] [-o FICHIER] [FILTRES]\n"
		 "Exporte l'inventaire en données ouvertes (colonnes et propriétés décrites dans\n"
		 "docs/inventory.md ; coordonnées WGS84 ; identifiants stables).\n"
		 "  --format F     csv (défaut ; RFC 4180, UTF-8, virgule) ou geojson (RFC 7946)\n"
		 "  -o FICHIER     écrit le fichier de façon atomique (défaut : sortie standard)\n",
		 "usage: decran screens export [--format csv|geojson] [-o FILE] [FILTERS]\n"
		 "Export the inventory as open data (columns and properties described in\n"
		 "docs/inventory.md; WGS84 coordinates; stable ids).\n"
		 "  --format F     csv (default; RFC 4180, UTF-8, comma) or geojson (RFC 7946)\n"
		 "  -o FILE        write the file atomically (default: standard output)\n"), f);
	fputs(TR(FILTER_USAGE_FR, FILTER_USAGE_EN), f);
}

static void put_file(void *out, const char *p, size_t n)
{
	fwrite(p, 1, n, out);
}

static int csv_row(const struct dc_screen *s, void *arg)
{
	FILE *out = arg;
	char buf[600];
	for (int i = 0; i < DC_F__COUNT; i++) {
		if (i)
			fputc(',', out);
		dc_csv_put_cell(dc_field_format(s, dc_export_columns[i], buf, sizeof buf), ',',
				put_file, out);
	}
	fputs("\r\n", out);
	return 0;
}

static int geo_feature(const struct dc_screen *s, void *arg)
{
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "type", "Feature");
	cJSON_AddStringToObject(f, "id", s->id);
	if (s->has_coords) {
		cJSON *g = cJSON_AddObjectToObject(f, "geometry");
		cJSON_AddStringToObject(g, "type", "Point");
		/* RFC 7946: longitude first. */
		double lonlat[2] = { s->lon, s->lat };
		cJSON_AddItemToObject(g, "coordinates", cJSON_CreateDoubleArray(lonlat, 2));
	} else {
		cJSON_AddNullToObject(f, "geometry");
	}
	cJSON_AddItemToObject(f, "properties", screen_to_json(s, true));
	cJSON_AddItemToArray(arg, f);
	return 0;
}

int screens_export(struct cli *cli, int argc, char **argv)
{
	struct filter_args fa = { 0 };
	const char *format = "csv", *path = NULL;
	const struct cli_opt opts[] = {
		FILTER_OPTS(fa), CLI_OPT_ARG("format", &format), CLI_OPT_ARG_LETTER("output", 'o', &path),
		CLI_OPT_END
	};
	struct dc_screen_filter flt = DC_SCREEN_FILTER_ALL;
	char *buf = NULL;
	size_t len = 0;
	int first, rc;

	if ((rc = cli_parse_opts(argc, argv, opts, export_usage, &first)) >= 0)
		return rc;
	if (filter_from_args(&fa, &flt) < 0)
		return EXIT_USAGE;
	if (first != argc)
		return cli_usage_error(export_usage, argv[first]);
	bool geo = strcmp(format, "geojson") == 0;
	if (!geo && strcmp(format, "csv") != 0) {
		fprintf(stderr, TR("decran : format inconnu « %s » (csv ou geojson)\n",
				   "decran: unknown format '%s' (csv or geojson)\n"), format);
		return EXIT_USAGE;
	}
	struct dc_store *st = cli_open_store(cli);
	if (!st)
		return 1;
	FILE *out = open_memstream(&buf, &len);
	if (!out) {
		dc_store_close(st);
		return 1;
	}
	if (geo) {
		cJSON *fc = cJSON_CreateObject();
		cJSON_AddStringToObject(fc, "type", "FeatureCollection");
		cJSON *features = cJSON_AddArrayToObject(fc, "features");
		rc = dc_store_list_screens(st, &flt, geo_feature, features);
		char *s = cJSON_PrintUnformatted(fc);
		if (s)
			fprintf(out, "%s\n", s);
		free(s);
		cJSON_Delete(fc);
	} else {
		for (int i = 0; i < DC_F__COUNT; i++)
			fprintf(out, "%s%s", i ? "," : "", dc_field_name(dc_export_columns[i]));
		fputs("\r\n", out);
		rc = dc_store_list_screens(st, &flt, csv_row, out);
	}
	fclose(out);
	if (rc < 0) {
		fprintf(stderr, "decran: %s\n", dc_store_errmsg(st));
	} else if (path) {
		if (dc_atomic_write(path, buf, len, true) < 0) {
			fprintf(stderr, "decran: %s: %s\n", path, strerror(errno));
			rc = -1;
		}
	} else if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0) {
		rc = -1;
	}
	free(buf);
	dc_store_close(st);
	return rc < 0 ? 1 : 0;
}
