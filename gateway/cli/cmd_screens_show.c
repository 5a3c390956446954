/* cmd_screens_show.c — the reading sub-commands: show (with --history) and
 * list (filters, sort), in French/English text or JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_store.h"
#include "clock.h"
#include "i18n.h"
#include "ledger.h"
#include "screen_fields.h"
#include "screen_csv.h"
#include "screens.h"

cJSON *screen_to_json(const struct dc_screen *s, bool geo)
{
	cJSON *o = cJSON_CreateObject();
	char buf[600];
	for (int f = 0; f < DC_F__COUNT; f++) {
		const char *k = dc_field_name(f);
		switch (f) {
		case DC_F_LAT:
		case DC_F_LON:
			if (geo)
				break;
			if (s->has_coords)
				cJSON_AddNumberToObject(o, k, f == DC_F_LAT ? s->lat : s->lon);
			else
				cJSON_AddNullToObject(o, k);
			break;
		case DC_F_SURFACE_M2: cJSON_AddNumberToObject(o, k, s->surface_m2); break;
		case DC_F_POWER_ON_W: cJSON_AddNumberToObject(o, k, s->power_on_w); break;
		case DC_F_POWER_STANDBY_W: cJSON_AddNumberToObject(o, k, s->power_standby_w); break;
		case DC_F_BASELINE_HOURS: cJSON_AddNumberToObject(o, k, s->baseline_hours); break;
		case DC_F_AIRPORT: cJSON_AddBoolToObject(o, k, (s->flags & DC_FLAG_AIRPORT) != 0); break;
		case DC_F_TRANSPORT_FURNITURE:
			cJSON_AddBoolToObject(o, k, (s->flags & DC_FLAG_TRANSPORT_FURNITURE) != 0);
			break;
		case DC_F_CHANNEL:
			if (s->channel > 0)
				cJSON_AddNumberToObject(o, k, s->channel);
			else
				cJSON_AddNullToObject(o, k);
			break;
		case DC_F_REMOVAL_TARGET:
		case DC_F_REMOVAL_DATE:
		case DC_F_BOX:
			dc_field_format(s, f, buf, sizeof buf);
			if (buf[0])
				cJSON_AddStringToObject(o, k, buf);
			else
				cJSON_AddNullToObject(o, k);
			break;
		default:
			cJSON_AddStringToObject(o, k, dc_field_format(s, f, buf, sizeof buf));
		}
	}
	return o;
}

static int unknown_value(const char *arg)
{
	fprintf(stderr, TR("decran : valeur inconnue « %s » (voir --help)\n",
			   "decran: unknown value '%s' (see --help)\n"), arg);
	return -1;
}

int filter_from_args(const struct filter_args *a, struct dc_screen_filter *f)
{
	if (a->status && (f->status = dc_status_parse(a->status)) < 0)
		return unknown_value(a->status);
	if (a->category && (f->category = dc_category_parse(a->category)) < 0)
		return unknown_value(a->category);
	if (a->sort && !dc_store_sort_valid(a->sort))
		return unknown_value(a->sort);
	f->site = a->site;
	f->sort = a->sort;
	f->desc = a->desc;
	return 0;
}

/* ---- show ---- */

static void show_usage(FILE *f)
{
	fputs(TR("usage : decran screens show ID [--history] [--json]\n"
		 "Affiche tous les champs d'un écran ; --history ajoute l'historique des\n"
		 "changements (qui, quand, champ, ancienne → nouvelle valeur) et les\n"
		 "derniers états du relais reçus par le registre d'énergie, dans l'ordre\n"
		 "d'arrivée (plusieurs dans la même seconde : le dernier l'emporte).\n",
		 "usage: decran screens show ID [--history] [--json]\n"
		 "Show every field of a screen; --history adds the change history\n"
		 "(who, when, field, old → new value) and the latest relay states the\n"
		 "energy ledger received, in order of arrival (several in one second:\n"
		 "the last one wins).\n"), f);
}

static const char *label_fr[DC_F__COUNT] = {
	"Identifiant", "Nom", "Catégorie", "Site", "Adresse", "Latitude", "Longitude",
	"Propriétaire", "Technologie", "Surface (m²)", "Puissance allumé (W)",
	"Puissance veille (W)", "Heures/jour avant plan", "Statut", "Dépose prévue le",
	"Déposé le", "Aéroport", "Mobilier de transport", "Horaires de service", "Boîtier",
	"Canal", "Notes", "Affichage",
};
static const char *label_en[DC_F__COUNT] = {
	"Id", "Name", "Category", "Site", "Address", "Latitude", "Longitude", "Owner",
	"Technology", "Surface (m²)", "Power on (W)", "Standby power (W)",
	"Hours/day before plan", "Status", "Removal target", "Removed on", "Airport",
	"Transport furniture", "Service hours", "Relay box", "Channel", "Notes", "Display",
};

/* Whole watts print without decimals, fractional ones keep what was typed. */
static int decimals_of(double v)
{
	for (int d = 0; d < 3; d++) {
		double scaled = v * (d == 0 ? 1 : d == 1 ? 10 : 100);
		if (scaled == (double)(long long)scaled)
			return d;
	}
	return 3;
}

/* A field as a person reads it: local numbers, dates, labels, yes/no. */
static void human_value(const struct dc_screen *s, int f, char *buf, size_t len)
{
	enum dc_lang l = dc_lang();
	int y, m, d;
	switch (f) {
	case DC_F_CATEGORY: snprintf(buf, len, "%s", dc_category_label(s->category)); return;
	case DC_F_STATUS: snprintf(buf, len, "%s", dc_status_label(s->status)); return;
	case DC_F_DISPLAY: snprintf(buf, len, "%s", dc_display_label(s->display)); return;
	case DC_F_LAT: case DC_F_LON:
		if (s->has_coords)
			dc_fmt_num(buf, len, f == DC_F_LAT ? s->lat : s->lon, 6, l);
		else
			snprintf(buf, len, "—");
		return;
	case DC_F_SURFACE_M2: dc_fmt_num(buf, len, s->surface_m2, decimals_of(s->surface_m2), l); return;
	case DC_F_POWER_ON_W: dc_fmt_num(buf, len, s->power_on_w, decimals_of(s->power_on_w), l); return;
	case DC_F_POWER_STANDBY_W:
		dc_fmt_num(buf, len, s->power_standby_w, decimals_of(s->power_standby_w), l);
		return;
	case DC_F_BASELINE_HOURS:
		dc_fmt_num(buf, len, s->baseline_hours, decimals_of(s->baseline_hours), l);
		return;
	case DC_F_AIRPORT: case DC_F_TRANSPORT_FURNITURE: {
		unsigned flag = f == DC_F_AIRPORT ? DC_FLAG_AIRPORT : DC_FLAG_TRANSPORT_FURNITURE;
		snprintf(buf, len, "%s", (s->flags & flag) ? TR("oui", "yes") : TR("non", "no"));
		return;
	}
	case DC_F_REMOVAL_TARGET: case DC_F_REMOVAL_DATE: {
		const char *v = f == DC_F_REMOVAL_TARGET ? s->removal_target : s->removal_date;
		if (v[0] && sscanf(v, "%d-%d-%d", &y, &m, &d) == 3)
			dc_fmt_date(buf, len, y, m, d, l);
		else
			snprintf(buf, len, "—");
		return;
	}
	default:
		dc_field_format(s, f, buf, len);
		if (!buf[0])
			snprintf(buf, len, "—");
	}
}

static int print_history_line(const struct dc_audit_entry *e, void *arg)
{
	(void)arg;
	/* "2026-11-23T09:00:00Z" → "2026-11-23 09:00:00 UTC" */
	printf("  %.10s %.8s UTC  %-12s ", e->at, e->at + 11, e->actor);
	if (strcmp(e->field, "created") == 0)
		printf(TR("création (« %s »)\n", "created ('%s')\n"), e->new_value);
	else
		printf("%s : %s → %s\n", e->field, e->old_value[0] ? e->old_value : "∅",
		       e->new_value[0] ? e->new_value : "∅");
	return 0;
}

static int history_to_json(const struct dc_audit_entry *e, void *arg)
{
	cJSON *h = cJSON_CreateObject();
	cJSON_AddNumberToObject(h, "seq", (double)e->seq);
	cJSON_AddStringToObject(h, "at", e->at);
	cJSON_AddStringToObject(h, "actor", e->actor);
	cJSON_AddStringToObject(h, "field", e->field);
	cJSON_AddStringToObject(h, "old", e->old_value);
	cJSON_AddStringToObject(h, "new", e->new_value);
	cJSON_AddItemToArray(arg, h);
	return 0;
}

#define STATES_SHOWN 20

/* The ledger's last relay states, newest first (the later of one second
 * first): into a JSON array, or printed. */
static int relay_states(struct dc_store *st, const char *id, cJSON *json)
{
	struct dc_en_event ev[STATES_SHOWN];
	size_t n;
	char err[256], at[32], label[96];
	if (dc_ledger_states(st, id, ev, STATES_SHOWN, &n, err, sizeof err) < 0) {
		fprintf(stderr, "decran: %s\n", err);
		return -1;
	}
	if (!json)
		puts(TR("\nÉtats du relais (registre d'énergie, du plus récent au plus ancien) :",
			"\nRelay states (energy ledger, newest first):"));
	for (size_t i = 0; i < n; i++) {
		dc_format_utc(at, sizeof at, ev[i].at);
		if (json) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "at", at);
			cJSON_AddStringToObject(o, "state", dc_en_state_name(ev[i].state));
			if (ev[i].state == DC_EN_UNKNOWN)
				cJSON_AddStringToObject(o, "cause", dc_en_cause_name(ev[i].cause));
			else
				cJSON_AddNullToObject(o, "cause");
			cJSON_AddItemToArray(json, o);
		} else {
			printf("  %.10s %.8s UTC  %s\n", at, at + 11,
			       dc_en_event_label(&ev[i], label, sizeof label));
		}
	}
	if (!json && n == 0)
		puts(TR("  (aucun)", "  (none)"));
	return 0;
}

int screens_show(struct cli *cli, int argc, char **argv)
{
	int history = 0, json = 0, first, rc;
	const struct cli_opt opts[] = {
		CLI_OPT_FLAG("history", &history), CLI_OPT_FLAG("json", &json), CLI_OPT_END
	};
	struct dc_screen s;

	if ((rc = cli_parse_opts(argc, argv, opts, show_usage, &first)) >= 0)
		return rc;
	if (first != argc - 1) {
		show_usage(stderr);
		return EXIT_USAGE;
	}
	struct dc_store *st = cli_open_screen(cli, argv[first], &s);
	if (!st)
		return 1;
	rc = 0;
	if (json) {
		cJSON *o = screen_to_json(&s, false);
		if (history) {
			cJSON *h = cJSON_AddArrayToObject(o, "history");
			rc = dc_store_history(st, s.id, history_to_json, h);
			if (rc == 0 && relay_states(st, s.id, cJSON_AddArrayToObject(o, "relay_states")) < 0)
				rc = -2;
		}
		cli_print_json(o);
	} else {
		/* The export's order: display right after the service hours. */
		for (int i = 0; i < DC_F__COUNT; i++) {
			char buf[600];
			enum dc_field f = dc_export_columns[i];
			human_value(&s, f, buf, sizeof buf);
			cli_print_cell(TR(label_fr[f], label_en[f]), 24);
			printf(" %s\n", buf);
		}
		if (history) {
			puts(TR("\nHistorique :", "\nHistory:"));
			rc = dc_store_history(st, s.id, print_history_line, NULL);
			if (rc == 0 && relay_states(st, s.id, NULL) < 0)
				rc = -2;
		}
	}
	if (rc == -1)
		fprintf(stderr, "decran: %s\n", dc_store_errmsg(st));
	dc_store_close(st);
	return rc < 0 ? 1 : 0;
}

/* ---- list ---- */

static void list_usage(FILE *f)
{
	fputs(TR("usage : decran screens list [FILTRES] [--json]\n", 
		 "usage: decran screens list [FILTERS] [--json]\n"), f);
	fputs(TR(FILTER_USAGE_FR, FILTER_USAGE_EN), f);
	fputs(TR("  --json              sortie JSON (tableau d'objets)\n",
		 "  --json              JSON output (array of objects)\n"), f);
}

struct list_acc {
	cJSON *json;
	long n;
	double watts;
	bool dates;	/* a list of screens slated or removed: their dates too */
};

static const int date_fields[] = { DC_F_REMOVAL_TARGET, DC_F_REMOVAL_DATE };

/* The last column is not padded: no trailing blanks. */
static void date_cell(const char *text, size_t i)
{
	putchar(' ');
	if (i + 1 < sizeof date_fields / sizeof *date_fields)
		cli_print_cell(text, 18);
	else
		fputs(text, stdout);
}

static int list_row(const struct dc_screen *s, void *arg)
{
	struct list_acc *a = arg;
	char w[32];
	a->n++;
	a->watts += s->status == DC_STATUS_REMOVED ? 0 : s->power_on_w;
	if (a->json) {
		cJSON_AddItemToArray(a->json, screen_to_json(s, false));
		return 0;
	}
	cli_print_cell(s->id, 22);
	putchar(' ');
	cli_print_cell(s->name, 30);
	putchar(' ');
	cli_print_cell(dc_category_label(s->category), 14);
	putchar(' ');
	cli_print_cell(s->site, 20);
	putchar(' ');
	cli_print_cell(dc_status_label(s->status), 18);
	dc_fmt_num(w, sizeof w, s->power_on_w, decimals_of(s->power_on_w), dc_lang());
	printf(" %8s W", w);
	for (size_t i = 0; a->dates && i < sizeof date_fields / sizeof *date_fields; i++) {
		char d[32];
		human_value(s, date_fields[i], d, sizeof d);
		date_cell(d, i);
	}
	putchar('\n');
	return 0;
}

int screens_list(struct cli *cli, int argc, char **argv)
{
	struct filter_args fa = { 0 };
	int json = 0, first, rc;
	const struct cli_opt opts[] = { FILTER_OPTS(fa), CLI_OPT_FLAG("json", &json), CLI_OPT_END };
	struct dc_screen_filter f = DC_SCREEN_FILTER_ALL;
	struct list_acc a = { 0 };

	if ((rc = cli_parse_opts(argc, argv, opts, list_usage, &first)) >= 0)
		return rc;
	if (filter_from_args(&fa, &f) < 0)
		return EXIT_USAGE;
	if (first != argc)
		return cli_usage_error(list_usage, argv[first]);
	struct dc_store *st = cli_open_store(cli);
	if (!st)
		return 1;
	a.dates = f.status == DC_STATUS_SLATED || f.status == DC_STATUS_REMOVED;
	if (json)
		a.json = cJSON_CreateArray();
	else {
		cli_print_cell(TR("ID", "ID"), 22);
		putchar(' ');
		cli_print_cell(TR("Nom", "Name"), 30);
		putchar(' ');
		cli_print_cell(TR("Catégorie", "Category"), 14);
		putchar(' ');
		cli_print_cell("Site", 20);
		putchar(' ');
		cli_print_cell(TR("Statut", "Status"), 18);
		printf(" %10s", TR("Puissance", "Power"));
		for (size_t i = 0; a.dates && i < sizeof date_fields / sizeof *date_fields; i++) {
			date_cell(TR(label_fr[date_fields[i]], label_en[date_fields[i]]), i);
		}
		putchar('\n');
	}
	rc = dc_store_list_screens(st, &f, list_row, &a);
	if (rc < 0) {
		fprintf(stderr, "decran: %s\n", dc_store_errmsg(st));
		cJSON_Delete(a.json);
	} else if (json) {
		cli_print_json(a.json);
	} else {
		char n[32], w[32];
		dc_fmt_num(n, sizeof n, (double)a.n, 0, dc_lang());
		dc_fmt_num(w, sizeof w, a.watts / 1000.0, 1, dc_lang());
		printf(TR("%s écran(s) ; %s kW allumés (hors déposés)\n",
			  "%s screen(s); %s kW when on (removed excluded)\n"), n, w);
	}
	dc_store_close(st);
	return rc < 0 ? 1 : 0;
}
