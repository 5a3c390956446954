/* cmd_report.c — `decran report progress | energy | compliance`: the figures
 * a council quotes, from the energy ledger and the inventory.  French
 * numbers and dates by default, English with LANG=en*; unknown time is
 * shown as unknown, never as zero (docs/energy.md). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_store.h"
#include "csv.h"
#include "energy_cli.h"
#include "i18n.h"
#include "rules.h"
#include "screen.h"
#include "tz.h"

static void usage(FILE *f)
{
	fputs(TR("usage : decran report progress [--json] [OPTIONS]\n"
		 "        decran report energy [--from AAAA-MM-JJ] [--to AAAA-MM-JJ]\n"
		 "               [--by day|month|category|site|screen] [--format table|csv|json]\n"
		 "        decran report compliance [--night AAAA-MM-JJ] [--json] [OPTIONS]\n"
		 "progress : écrans par statut et catégorie face aux objectifs du plan,\n"
		 "  énergie et argent économisés à ce jour, conformité de la nuit dernière.\n"
		 "energy : consommation, référence et économie (kWh, €, kg CO2e) par\n"
		 "  jour, mois, catégorie ou site (bornes incluses, jours locaux).\n"
		 "compliance : minutes allumées entre 01:00 et 06:00 (heure locale) la nuit\n"
		 "  du DATE au lendemain, par écran soumis à la règle, avec la cause.\n"
		 "OPTIONS : --config FICHIER (tarif, facteur CO2e, fuseau), --rules FICHIER\n"
		 "  (dérogations, horaires de service ; défaut $DECRAN_RULES, sinon rules.json à côté\n"
		 "  de la base), --now INSTANT.\n"
		 "Le registre est tenu par la passerelle (ou decran energy update).\n",
		 "usage: decran report progress [--json] [OPTIONS]\n"
		 "       decran report energy [--from YYYY-MM-DD] [--to YYYY-MM-DD]\n"
		 "              [--by day|month|category|site|screen] [--format table|csv|json]\n"
		 "       decran report compliance [--night YYYY-MM-DD] [--json] [OPTIONS]\n"
		 "progress: screens by status and category against the plan's targets,\n"
		 "  energy and money saved to date, last night's compliance.\n"
		 "energy: consumption, baseline and savings (kWh, EUR, kg CO2e) by day,\n"
		 "  month, category or site (inclusive bounds, local days).\n"
		 "compliance: minutes on between 01:00 and 06:00 (local time) in the night\n"
		 "  from DATE to the next day, per screen under the rule, with the cause.\n"
		 "OPTIONS: --config FILE (tariff, CO2e factor, zone), --rules FILE\n"
		 "  (derogations, service hours; default $DECRAN_RULES, else rules.json beside the\n"
		 "  database), --now INSTANT.\n"
		 "The gateway keeps the ledger (or decran energy update).\n"), f);
}

/* Options every report takes. */
struct ropts {
	const char *config, *rules, *now, *from, *to, *night, *by, *format;
	int json;
};

static bool date_ok(const char *s)
{
	int y, m, d;
	return dc_parse_date(s, &y, &m, &d) == 0;
}

/* Money and carbon of an energy amount. */
static double eur(const struct dc_ledger_config *c, int64_t mwh)
{
	return dc_en_kwh(mwh) * c->eur_per_kwh;
}

static double kgco2e(const struct dc_ledger_config *c, int64_t mwh)
{
	return dc_en_kwh(mwh) * c->kgco2e_per_kwh;
}

static void add_kwh(cJSON *o, const char *k, int64_t mwh, bool known)
{
	if (known)
		cJSON_AddNumberToObject(o, k, (double)mwh / 1e6);
	else
		cJSON_AddNullToObject(o, k);
}

/* One total as JSON; energy figures are null when no second is known. */
static cJSON *total_json(const struct dc_ledger_config *cfg, const struct dc_en_total *t)
{
	cJSON *o = cJSON_CreateObject();
	bool known = t->known_s > 0;
	add_kwh(o, "actual_kwh", t->actual_mwh, known);
	add_kwh(o, "baseline_kwh", t->baseline_mwh, known);
	add_kwh(o, "saved_kwh", dc_en_total_saved(t), known);
	if (known) {
		cJSON_AddNumberToObject(o, "saved_eur", eur(cfg, dc_en_total_saved(t)));
		cJSON_AddNumberToObject(o, "avoided_kgco2e", kgco2e(cfg, dc_en_total_saved(t)));
	} else {
		cJSON_AddNullToObject(o, "saved_eur");
		cJSON_AddNullToObject(o, "avoided_kgco2e");
	}
	cJSON_AddNumberToObject(o, "unknown_hours", (double)t->unknown_s / 3600.0);
	cJSON_AddItemToObject(o, "unknown_hours_by_cause", dc_ledger_causes_json(t->unknown_by, 3600.0));
	cJSON_AddNumberToObject(o, "hours", (double)t->hours);
	cJSON_AddNumberToObject(o, "measured_hours", (double)t->measured_hours);
	return o;
}

static void factors_json(cJSON *root, const struct dc_ledger_config *cfg)
{
	cJSON_AddNumberToObject(root, "tariff_eur_per_kwh", cfg->eur_per_kwh);
	cJSON_AddStringToObject(root, "tariff_source", cfg->tariff_source);
	cJSON_AddNumberToObject(root, "co2e_kg_per_kwh", cfg->kgco2e_per_kwh);
	cJSON_AddStringToObject(root, "co2e_source", cfg->co2e_source);
}

static void print_factors(const struct dc_ledger_config *cfg)
{
	char a[32], b[32];
	printf(TR("Tarif : %s €/kWh (%s).\nFacteur d'émission : %s kg CO2e/kWh (%s).\n"
		  "Heures inconnues (état non confirmé, boîtier hors ligne, aucun boîtier) : "
		  "comptées ni en consommation ni en économie.\n",
		  "Tariff: %s EUR/kWh (%s).\nEmission factor: %s kg CO2e/kWh (%s).\n"
		  "Unknown hours (state unconfirmed, box offline, no box): counted neither as "
		  "consumption nor as saving.\n"),
	       dc_fmt_num(a, sizeof a, cfg->eur_per_kwh, 4, dc_lang()), cfg->tariff_source,
	       dc_fmt_num(b, sizeof b, cfg->kgco2e_per_kwh, 3, dc_lang()), cfg->co2e_source);
}

/* ---- report energy ------------------------------------------------------ */

/* A group key as people read it. */
static void key_label(enum dc_ledger_by by, const char *key, char *buf, size_t len)
{
	int c;
	switch (by) {
	case DC_BY_DAY:
		ecli_date(buf, len, key);
		break;
	case DC_BY_MONTH:
		if (dc_lang() == DC_LANG_FR && strlen(key) == 7)
			snprintf(buf, len, "%.2s/%.4s", key + 5, key);
		else
			snprintf(buf, len, "%s", key);
		break;
	case DC_BY_CATEGORY:
		c = dc_category_parse(key);
		snprintf(buf, len, "%s", c >= 0 ? dc_category_label(c) : key);
		break;
	case DC_BY_SITE:
		snprintf(buf, len, "%s", *key ? key : TR("(sans site)", "(no site)"));
		break;
	default:
		snprintf(buf, len, "%s", *key ? key : TR("Total", "Total"));
		break;
	}
}

/* CSV number: no thousands separator, decimal comma in French. */
static const char *csv_num(char *buf, size_t len, double v, int dec)
{
	snprintf(buf, len, "%.*f", dec, v);
	if (dc_lang() == DC_LANG_FR)
		for (char *p = buf; *p; p++)
			if (*p == '.')
				*p = ',';
	return buf;
}

static void put_stdout(void *arg, const char *p, size_t n)
{
	(void)arg;
	fwrite(p, 1, n, stdout);
}

static void csv_row(const struct dc_ledger_config *cfg, const char *label,
		    const struct dc_en_total *t, char sep)
{
	char v[11][40];
	bool known = t->known_s > 0;
	const char *unk = TR("inconnu", "unknown");
	const char *cells[12] = {
		label,
		known ? csv_num(v[0], sizeof v[0], dc_en_kwh(t->actual_mwh), 3) : unk,
		known ? csv_num(v[1], sizeof v[1], dc_en_kwh(t->baseline_mwh), 3) : unk,
		known ? csv_num(v[2], sizeof v[2], dc_en_kwh(dc_en_total_saved(t)), 3) : unk,
		known ? csv_num(v[3], sizeof v[3], eur(cfg, dc_en_total_saved(t)), 2) : unk,
		known ? csv_num(v[4], sizeof v[4], kgco2e(cfg, dc_en_total_saved(t)), 2) : unk,
		csv_num(v[5], sizeof v[5], (double)t->unknown_s / 3600.0, 2),
		v[6], v[7],
		csv_num(v[8], sizeof v[8], (double)t->unknown_by[DC_EN_UNCONFIRMED] / 3600.0, 2),
		csv_num(v[9], sizeof v[9], (double)t->unknown_by[DC_EN_OFFLINE] / 3600.0, 2),
		csv_num(v[10], sizeof v[10], (double)t->unknown_by[DC_EN_NO_BOX] / 3600.0, 2),
	};
	snprintf(v[6], sizeof v[6], "%lld", (long long)t->measured_hours);
	snprintf(v[7], sizeof v[7], "%lld", (long long)t->hours);
	for (size_t i = 0; i < sizeof cells / sizeof *cells; i++) {
		if (i)
			putchar(sep);
		dc_csv_put_cell(cells[i], sep, put_stdout, NULL);
	}
	putchar('\n');
}

static void table_row(const struct dc_ledger_config *cfg, const char *label,
		      const struct dc_en_total *t)
{
	char a[40], b[40], s[40], e[40], k[40], u[40], m[16];
	bool known = t->known_s > 0;
	const char *unk = TR("inconnu", "unknown");
	cli_print_cell(label, 22);
	if (t->hours > 0)
		snprintf(m, sizeof m, "%lld %%", (long long)(100 * t->measured_hours / t->hours));
	else
		snprintf(m, sizeof m, "-");
	printf(" %14s %14s %14s %12s %12s %10s %8s\n",
	       known ? ecli_kwh(a, sizeof a, t->actual_mwh, 1) : unk,
	       known ? ecli_kwh(b, sizeof b, t->baseline_mwh, 1) : unk,
	       known ? ecli_kwh(s, sizeof s, dc_en_total_saved(t), 1) : unk,
	       known ? dc_fmt_num(e, sizeof e, eur(cfg, dc_en_total_saved(t)), 2, dc_lang()) : unk,
	       known ? dc_fmt_num(k, sizeof k, kgco2e(cfg, dc_en_total_saved(t)), 1, dc_lang()) : unk,
	       dc_fmt_num(u, sizeof u, (double)t->unknown_s / 3600.0, 1, dc_lang()), m);
}

static int report_energy(struct cli *cli, const struct ropts *o, const struct dc_ledger_config *cfg)
{
	int by = o->by ? dc_ledger_by_parse(o->by) : DC_BY_DAY;
	const char *format = o->json ? "json" : o->format ? o->format : "table";
	if (by < 0 || by == DC_BY_ALL) {
		fprintf(stderr, TR("decran : --by %s : day, month, category, site ou screen\n",
				   "decran: --by %s: day, month, category, site or screen\n"), o->by);
		return EXIT_USAGE;
	}
	if (strcmp(format, "table") && strcmp(format, "csv") && strcmp(format, "json")) {
		fprintf(stderr, TR("decran : --format %s : table, csv ou json\n",
				   "decran: --format %s: table, csv or json\n"), format);
		return EXIT_USAGE;
	}
	if ((o->from && !date_ok(o->from)) || (o->to && !date_ok(o->to)) ||
	    (o->from && o->to && strcmp(o->from, o->to) > 0)) {
		fprintf(stderr, TR("decran : période invalide (--from et --to en AAAA-MM-JJ, "
				   "from <= to)\n",
				   "decran: invalid period (--from and --to as YYYY-MM-DD, from <= to)\n"));
		return EXIT_USAGE;
	}
	struct dc_store *st = cli_open_store(cli);
	if (!st)
		return 1;
	struct dc_ledger_row *r = NULL;
	size_t n = 0;
	char err[256];
	if (dc_ledger_report(st, o->from, o->to, by, &r, &n, err, sizeof err) < 0) {
		fprintf(stderr, "decran: %s\n", err);
		dc_store_close(st);
		return 1;
	}
	dc_store_close(st);
	struct dc_en_total tot;
	dc_ledger_rows_total(r, n, &tot);
	static const char *const by_names[] = { "day", "month", "category", "site", "screen" };
	if (strcmp(format, "json") == 0) {
		cJSON *root = cJSON_CreateObject();
		if (o->from)
			cJSON_AddStringToObject(root, "from", o->from);
		else
			cJSON_AddNullToObject(root, "from");
		if (o->to)
			cJSON_AddStringToObject(root, "to", o->to);
		else
			cJSON_AddNullToObject(root, "to");
		cJSON_AddStringToObject(root, "by", by_names[by]);
		factors_json(root, cfg);
		cJSON *rows = cJSON_AddArrayToObject(root, "rows");
		for (size_t i = 0; i < n; i++) {
			cJSON *row = total_json(cfg, &r[i].t);
			cJSON_AddStringToObject(row, "key", r[i].key);
			cJSON_AddItemToArray(rows, row);
		}
		cJSON_AddItemToObject(root, "total", total_json(cfg, &tot));
		cli_print_json(root);
	} else if (strcmp(format, "csv") == 0) {
		/* French spreadsheets expect ';' and a decimal comma. */
		char sep = dc_lang() == DC_LANG_FR ? ';' : ',';
		static const char *const key_fr[] = { "jour", "mois", "categorie", "site", "ecran" };
		printf(TR("%s;consommation_kwh;reference_kwh;economie_kwh;economie_eur;"
			  "evite_kgco2e;inconnu_h;heures_mesurees;heures;inconnu_non_confirme_h;"
			  "inconnu_hors_ligne_h;inconnu_sans_boitier_h\n",
			  "%s,actual_kwh,baseline_kwh,saved_kwh,saved_eur,avoided_kgco2e,"
			  "unknown_h,measured_hours,hours,unknown_unconfirmed_h,unknown_offline_h,"
			  "unknown_no_box_h\n"),
		       TR(key_fr[by], by_names[by]));
		for (size_t i = 0; i < n; i++) {
			char label[160];
			key_label(by, r[i].key, label, sizeof label);
			csv_row(cfg, label, &r[i].t, sep);
		}
	} else {
		static const char *const head_fr[] = { "Jour", "Mois", "Catégorie", "Site", "Écran" };
		static const char *const head_en[] = { "Day", "Month", "Category", "Site", "Screen" };
		cli_print_cell(TR(head_fr[by], head_en[by]), 22);
		printf(" %14s %14s %14s %12s %12s %10s %8s\n",
		       TR("Conso. kWh", "Actual kWh"), TR("Référence kWh", "Baseline kWh"),
		       TR("Économie kWh", "Saved kWh"), TR("Économie €", "Saved EUR"),
		       TR("Évité kgCO2e", "Avoided kgCO2e"), TR("Inconnu h", "Unknown h"),
		       TR("Mesuré", "Measured"));
		for (size_t i = 0; i < n; i++) {
			char label[160];
			key_label(by, r[i].key, label, sizeof label);
			table_row(cfg, label, &r[i].t);
		}
		if (n == 0)
			puts(TR("(aucune donnée sur la période)", "(no data for the period)"));
		table_row(cfg, TR("Total", "Total"), &tot);
		char why[200];
		printf(TR("\nHeures inconnues par cause : %s.\n", "\nUnknown hours by cause: %s.\n"),
		       dc_ledger_causes_text(why, sizeof why, tot.unknown_by, dc_lang()));
		putchar('\n');
		print_factors(cfg);
	}
	free(r);
	return 0;
}

/* The rules file (none is fine) and the store; -1 after the message. */
static int open_inputs(struct cli *cli, const struct ropts *o, struct dc_rules **rules,
		       struct dc_store **st)
{
	if (ecli_load_rules(cli, o->rules, rules) < 0)
		return -1;
	if (!(*st = cli_open_store(cli))) {
		dc_rules_free(*rules);
		return -1;
	}
	return 0;
}

/* ---- report compliance -------------------------------------------------- */

struct night_acc {
	bool json, list_all;
	long listed;
	cJSON *rows;
	struct dc_ledger_night_summary sum;
};

static int night_row(const struct dc_screen *s, const struct dc_cpl_night *n, void *arg)
{
	struct night_acc *a = arg;
	int64_t on = n->derogation_s + n->exception_s + n->violation_s;
	if (a->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "screen", s->id);
		cJSON_AddStringToObject(o, "name", s->name);
		cJSON_AddNumberToObject(o, "window_min", (double)(n->window_s / 60));
		cJSON_AddNumberToObject(o, "on_min", (double)dc_cpl_minutes(on));
		cJSON_AddNumberToObject(o, "derogation_min", (double)dc_cpl_minutes(n->derogation_s));
		cJSON_AddNumberToObject(o, "exception_min", (double)dc_cpl_minutes(n->exception_s));
		cJSON_AddNumberToObject(o, "violation_min", (double)dc_cpl_minutes(n->violation_s));
		cJSON_AddNumberToObject(o, "unknown_min", (double)dc_cpl_minutes(n->unknown_s));
		cJSON_AddItemToObject(o, "unknown_min_by_cause", dc_ledger_causes_json(n->unknown_by, 60.0));
		cJSON_AddStringToObject(o, "verdict", dc_cpl_verdict_name(n->verdict));
		if (n->verdict == DC_CPL_UNKNOWN)
			cJSON_AddStringToObject(o, "unknown_cause",
						dc_en_cause_name(dc_cpl_unknown_cause(n)));
		cJSON_AddItemToArray(a->rows, o);
		return 0;
	}
	if (!a->list_all && n->verdict == DC_CPL_COMPLIANT)
		return 0;
	a->listed++;
	cli_print_cell(s->id, 16);
	putchar(' ');
	cli_print_cell(s->name, 24);
	printf(" %7lld %7lld %7lld %7lld %7lld  %s", (long long)dc_cpl_minutes(on),
	       (long long)dc_cpl_minutes(n->derogation_s), (long long)dc_cpl_minutes(n->exception_s),
	       (long long)dc_cpl_minutes(n->violation_s), (long long)dc_cpl_minutes(n->unknown_s),
	       dc_cpl_verdict_label(n->verdict));
	if (n->verdict == DC_CPL_UNKNOWN)
		printf(" (%s)", dc_en_cause_label(dc_cpl_unknown_cause(n)));
	putchar('\n');
	return 0;
}

static void night_header(void)
{
	cli_print_cell(TR("Écran", "Screen"), 16);
	putchar(' ');
	cli_print_cell(TR("Nom", "Name"), 24);
	printf(" %7s %7s %7s %7s %7s  %s\n", TR("Allumé", "On"), TR("Dérog.", "Derog."),
	       TR("Except.", "Except."), TR("Infr.", "Viol."), TR("Inconnu", "Unknown"),
	       TR("Verdict", "Verdict"));
}

static void night_summary(const struct night_acc *a)
{
	printf(TR("%ld écran(s) soumis à la règle : %ld conforme(s), %ld infraction(s), "
		  "%ld sous dérogation, %ld en exception, %ld inconnu(s).\n",
		  "%ld screen(s) under the rule: %ld compliant, %ld violation(s), "
		  "%ld under derogation, %ld exception(s), %ld unknown.\n"),
	       a->sum.screens, a->sum.count[DC_CPL_COMPLIANT], a->sum.count[DC_CPL_VIOLATION],
	       a->sum.count[DC_CPL_DEROGATION], a->sum.count[DC_CPL_EXCEPTION],
	       a->sum.count[DC_CPL_UNKNOWN]);
	if (a->sum.count[DC_CPL_UNKNOWN])
		printf(TR("Inconnus : %ld état non confirmé, %ld boîtier hors ligne, %ld sans boîtier.\n",
			  "Unknown: %ld state unconfirmed, %ld box offline, %ld no box.\n"),
		       a->sum.unknown_by[DC_EN_UNCONFIRMED], a->sum.unknown_by[DC_EN_OFFLINE],
		       a->sum.unknown_by[DC_EN_NO_BOX]);
}

/* The same as {"summary": {verdict: count...}} in o. */
static void night_summary_json(cJSON *o, const struct night_acc *a)
{
	cJSON *s = cJSON_AddObjectToObject(o, "summary");

	for (int v = 0; v < DC_CPL__COUNT; v++)
		cJSON_AddNumberToObject(s, dc_cpl_verdict_name(v), (double)a->sum.count[v]);
	cJSON *u = cJSON_AddObjectToObject(o, "unknown_by_cause");
	for (int c = 0; c < DC_EN_CAUSES; c++)
		cJSON_AddNumberToObject(u, dc_en_cause_name(c), (double)a->sum.unknown_by[c]);
}

/* "Last night": the last night whose legal window has ended (gateway/store/ledger.c). */
static void last_night(const struct dc_ledger_config *cfg, int64_t now, char out[11])
{
	if (dc_ledger_last_night(cfg, now, out) < 0)
		snprintf(out, 11, "0000-00-00");	/* bad zone: refused by the report */
}

static int run_night(struct dc_store *st, const struct dc_ledger_config *cfg,
		     const struct dc_rules *rules, const char *night, int64_t now,
		     struct night_acc *a)
{
	char err[256];
	if (dc_ledger_night_summary(st, cfg, rules, night, now, night_row, a, &a->sum, err,
				    sizeof err) < 0) {
		fprintf(stderr, "decran: %s\n", err);
		return -1;
	}
	return 0;
}

static int report_compliance(struct cli *cli, const struct ropts *o,
			     const struct dc_ledger_config *cfg, int64_t now)
{
	char night[11], d1[24], d2[24], next[11];
	int64_t ws, we;
	struct dc_rules *rules;
	if (o->night && !date_ok(o->night)) {
		fprintf(stderr, TR("decran : --night %s : date AAAA-MM-JJ attendue\n",
				   "decran: --night %s: date YYYY-MM-DD expected\n"), o->night);
		return EXIT_USAGE;
	}
	if (o->night)
		snprintf(night, sizeof night, "%s", o->night);
	else
		last_night(cfg, now, night);
	struct dc_store *st;
	if (open_inputs(cli, o, &rules, &st) < 0)
		return 1;
	struct night_acc a = { .json = o->json, .list_all = true };
	cJSON *root = NULL;
	if (o->json) {
		root = cJSON_CreateObject();
		cJSON_AddStringToObject(root, "night", night);
		a.rows = cJSON_AddArrayToObject(root, "screens");
	} else {
		int y, m, d;
		dc_parse_date(night, &y, &m, &d);
		dc_civil_from_days(dc_days_from_civil(y, m, d) + 1, &y, &m, &d);
		snprintf(next, sizeof next, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 13u,
			 (unsigned)d % 32u);
		if (dc_ledger_night_window(cfg, night, &ws, &we) < 0)
			ws = we = 0;
		printf(TR("Nuit du %s au %s : fenêtre légale 01:00–06:00, %lld min (minutes "
			  "arrondies à la minute supérieure).\n\n",
			  "Night of %s to %s: legal window 01:00–06:00, %lld min (minutes rounded "
			  "up).\n\n"),
		       ecli_date(d1, sizeof d1, night), ecli_date(d2, sizeof d2, next),
		       (long long)((we - ws) / 60));
		night_header();
	}
	int rc = run_night(st, cfg, rules, night, now, &a);
	dc_store_close(st);
	dc_rules_free(rules);
	if (rc < 0) {
		cJSON_Delete(root);
		return 1;
	}
	if (o->json) {
		night_summary_json(root, &a);
		cli_print_json(root);
	} else {
		putchar('\n');
		night_summary(&a);
	}
	return 0;
}

/* ---- report progress ---------------------------------------------------- */

static int report_progress(struct cli *cli, const struct ropts *o,
			   const struct dc_ledger_config *cfg, int64_t now)
{
	struct dc_rules *rules;
	struct dc_screen_filter all = DC_SCREEN_FILTER_ALL;
	struct dc_screen *v = NULL;
	struct dc_plan_target *t = NULL;
	struct dc_ledger_row *r = NULL;
	size_t nv = 0, nt = 0, nr = 0;
	char err[256], today[11], night[11];
	long grid[DC_CAT__COUNT][DC_STATUS__COUNT] = { { 0 } };
	struct dc_store *st;
	int rc = 1;

	if (open_inputs(cli, o, &rules, &st) < 0)
		return 1;
	dc_ledger_local_date(cfg, now, today);
	last_night(cfg, now, night);
	if (dc_store_list_screens_array(st, &all, &v, &nv) < 0 ||
	    dc_store_plan_targets(st, &t, &nt) < 0) {
		fprintf(stderr, "decran: %s\n", dc_store_errmsg(st));
		goto fail;
	}
	if (dc_ledger_report(st, NULL, today, DC_BY_ALL, &r, &nr, err, sizeof err) < 0) {
		fprintf(stderr, "decran: %s\n", err);
		goto fail;
	}
	for (size_t i = 0; i < nv; i++)
		grid[v[i].category][v[i].status]++;
	struct dc_en_total tot = nr ? r[0].t : (struct dc_en_total){ 0 };
	struct night_acc a = { .json = o->json, .list_all = false };
	cJSON *root = NULL, *jn = NULL;

	if (o->json) {
		root = cJSON_CreateObject();
		cJSON_AddStringToObject(root, "date", today);
		cJSON *cats = cJSON_AddObjectToObject(root, "screens");
		for (int c = 0; c < DC_CAT__COUNT; c++) {
			cJSON *co = cJSON_AddObjectToObject(cats, dc_category_name(c));
			for (int s = 0; s < DC_STATUS__COUNT; s++)
				cJSON_AddNumberToObject(co, dc_status_name(s), (double)grid[c][s]);
		}
	} else {
		char d[24];
		printf(TR("Avancement du plan au %s\n\n", "Plan progress as of %s\n\n"),
		       ecli_date(d, sizeof d, today));
		cli_print_cell(TR("Catégorie", "Category"), 18);
		for (int s = 0; s < DC_STATUS__COUNT; s++) {
			putchar(' ');
			cli_print_cell(dc_status_label(s), 18);
		}
		printf(" %6s\n", TR("Total", "Total"));
		for (int c = 0; c < DC_CAT__COUNT; c++) {
			long sum = 0;
			for (int s = 0; s < DC_STATUS__COUNT; s++)
				sum += grid[c][s];
			if (!sum)
				continue;
			cli_print_cell(dc_category_label(c), 18);
			for (int s = 0; s < DC_STATUS__COUNT; s++)
				printf(" %-18ld", grid[c][s]);
			printf(" %6ld\n", sum);
		}
		printf(TR("\nObjectifs du plan :\n", "\nPlan targets:\n"));
		if (nt == 0)
			puts(TR("  (aucun objectif : decran plan set)", "  (no target: decran plan set)"));
	}
	cJSON *jt = o->json ? cJSON_AddArrayToObject(root, "targets") : NULL;
	for (size_t i = 0; i < nt; i++) {
		struct dc_plan_progress p = dc_plan_measure(v, nv, &t[i]);
		const char *cat = t[i].category < 0 ? "all" : dc_category_name(t[i].category);
		if (o->json) {
			cJSON *jo = cJSON_CreateObject();
			cJSON_AddStringToObject(jo, "category", cat);
			cJSON_AddStringToObject(jo, "date", t[i].date);
			cJSON_AddNumberToObject(jo, "target_removed", t[i].removed);
			cJSON_AddNumberToObject(jo, "removed", (double)p.removed);
			cJSON_AddNumberToObject(jo, "slated", (double)p.slated);
			cJSON_AddBoolToObject(jo, "met", p.state == DC_PLAN_MET);
			cJSON_AddItemToArray(jt, jo);
			continue;
		}
		char d[24];
		printf("  %-12s ", ecli_date(d, sizeof d, t[i].date));
		cli_print_cell(t[i].category < 0 ? TR("Toutes", "All") : dc_category_label(t[i].category), 16);
		printf(TR(" objectif %d, déposés %ld, prévus %ld : %s\n",
			  " target %d, removed %ld, slated %ld: %s\n"),
		       t[i].removed, p.removed, p.slated, dc_plan_state_label(p.state));
	}
	if (o->json) {
		cJSON *je = total_json(cfg, &tot);
		factors_json(je, cfg);
		cJSON_AddItemToObject(root, "energy_to_date", je);
		jn = cJSON_AddObjectToObject(root, "last_night");
		cJSON_AddStringToObject(jn, "night", night);
		a.rows = cJSON_AddArrayToObject(jn, "not_compliant");
	} else {
		char a1[40], b1[40], s1[40], e1[40], k1[40], u1[40], why[200];
		dc_fmt_num(u1, sizeof u1, (double)tot.unknown_s / 3600.0, 1, dc_lang());
		if (tot.known_s == 0) {
			printf(TR("\nÉnergie : rien de connu à ce jour (%s h inconnues : %s) — ni "
				  "consommation ni économie ne sont comptées.\n",
				  "\nEnergy: nothing known to date (%s unknown hours: %s) — neither "
				  "consumption nor saving is counted.\n"), u1,
			       dc_ledger_causes_text(why, sizeof why, tot.unknown_by, dc_lang()));
		} else {
			int64_t saved = dc_en_total_saved(&tot);
			printf(TR("\nÉnergie depuis le début du registre :\n"
				  "  consommation %s kWh, référence %s kWh\n"
				  "  économie %s kWh, soit %s € et %s kg CO2e évités\n"
				  "  heures inconnues %s (%s) ; heures mesurées %lld sur %lld\n",
				  "\nEnergy since the ledger began:\n"
				  "  consumption %s kWh, baseline %s kWh\n"
				  "  saved %s kWh, i.e. %s EUR and %s kg CO2e avoided\n"
				  "  unknown hours %s (%s); measured hours %lld of %lld\n"),
			       ecli_kwh(a1, sizeof a1, tot.actual_mwh, 1),
			       ecli_kwh(b1, sizeof b1, tot.baseline_mwh, 1),
			       ecli_kwh(s1, sizeof s1, saved, 1),
			       dc_fmt_num(e1, sizeof e1, eur(cfg, saved), 2, dc_lang()),
			       dc_fmt_num(k1, sizeof k1, kgco2e(cfg, saved), 1, dc_lang()), u1,
			       dc_ledger_causes_text(why, sizeof why, tot.unknown_by, dc_lang()),
			       (long long)tot.measured_hours, (long long)tot.hours);
		}
		char d[24];
		printf(TR("\nConformité de la nuit du %s (01:00–06:00) :\n",
			  "\nCompliance, night of %s (01:00–06:00):\n"), ecli_date(d, sizeof d, night));
		night_header();
	}
	if (run_night(st, cfg, rules, night, now, &a) < 0) {
		cJSON_Delete(root);
		goto fail;
	}
	if (o->json) {
		night_summary_json(jn, &a);
		cli_print_json(root);
	} else {
		if (a.listed == 0)
			puts(TR("  (aucun écran hors conformité)", "  (no screen out of compliance)"));
		night_summary(&a);
		putchar('\n');
		print_factors(cfg);
	}
	rc = 0;
fail:
	free(v);
	free(t);
	free(r);
	dc_store_close(st);
	dc_rules_free(rules);
	return rc;
}

/* `report progress`, `report energy` and `report compliance` (argv[0]). */
static int report(struct cli *cli, int argc, char **argv)
{
	struct ropts o = { 0 };
	const struct cli_opt opts[] = {
		CLI_OPT_ARG("config", &o.config), CLI_OPT_ARG("rules", &o.rules), CLI_OPT_ARG("now", &o.now),
		CLI_OPT_ARG("from", &o.from), CLI_OPT_ARG("to", &o.to), CLI_OPT_ARG("night", &o.night),
		CLI_OPT_ARG("by", &o.by), CLI_OPT_ARG("format", &o.format), CLI_OPT_FLAG("json", &o.json),
		CLI_OPT_END
	};
	struct dc_ledger_config cfg;
	int64_t now;
	int first, rc;

	if ((rc = cli_parse_opts(argc, argv, opts, usage, &first)) >= 0)
		return rc;
	if (first != argc)
		return cli_usage_error(usage, argv[first]);
	if ((rc = ecli_config_instant(o.config, o.now, &cfg, &now)) != 0)
		return rc;
	rc = argv[0][0] == 'e' ? report_energy(cli, &o, &cfg)
		: argv[0][0] == 'c' ? report_compliance(cli, &o, &cfg, now)
				    : report_progress(cli, &o, &cfg, now);
	dc_ledger_config_free(&cfg);
	return rc;
}

static const struct cli_verb verbs[] = {
	{ "progress", report, NULL, NULL },
	{ "energy", report, NULL, NULL },
	{ "compliance", report, NULL, NULL },
	{ NULL, NULL, NULL, NULL },
};

const struct cli_group cmd_report = { "report", usage, CLI_UNKNOWN_PREFIXED, verbs };
