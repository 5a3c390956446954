/* cmd_plan.c — `decran plan show | set | unset`: the municipal removal plan
 * (how many screens are gone by which date, per category or overall) and
 * how the inventory stands against it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_store.h"
#include "csv.h"
#include "errlist.h"
#include "i18n.h"
#include "screen_fields.h"
#include "screens.h"

static void usage(FILE *f)
{
	fputs(TR("usage : decran plan show [--history] [--json]\n"
		 "        decran plan set CATÉGORIE|all AAAA-MM-JJ NOMBRE [--actor NOM]\n"
		 "        decran plan set --file OBJECTIFS.csv [--actor NOM]\n"
		 "        decran plan unset CATÉGORIE|all AAAA-MM-JJ [--actor NOM]\n"
		 "Un objectif dit : « à cette date, NOMBRE écrans de cette catégorie (ou de\n"
		 "toutes : all) sont déposés ».  show compare l'inventaire aux objectifs.\n"
		 "Le fichier CSV a les colonnes category,date,removed ; il est chargé en entier\n"
		 "ou pas du tout.  Chaque changement est inscrit au journal (show --history).\n",
		 "usage: decran plan show [--history] [--json]\n"
		 "       decran plan set CATEGORY|all YYYY-MM-DD COUNT [--actor NAME]\n"
		 "       decran plan set --file TARGETS.csv [--actor NAME]\n"
		 "       decran plan unset CATEGORY|all YYYY-MM-DD [--actor NAME]\n"
		 "A target says: \"by this date, COUNT screens of this category (or of all:\n"
		 "all) are removed\".  show compares the inventory with the targets.\n"
		 "The CSV file has columns category,date,removed; it loads entirely or not\n"
		 "at all.  Every change is recorded in the audit trail (show --history).\n"), f);
}

/* "all" → -1, a category → its enum, -2 when unknown. */
static int parse_category(const char *s)
{
	if (strcmp(s, "all") == 0)
		return -1;
	int c = dc_category_parse(s);
	return c < 0 ? -2 : c;
}

/* Validate one target from text; message into err. */
static int parse_target(const char *cat, const char *date, const char *count,
			struct dc_plan_target *t, char *col, char *err, size_t errlen)
{
	char *end;
	if ((t->category = parse_category(cat)) == -2) {
		strcpy(col, "category");
		snprintf(err, errlen, TR("catégorie inconnue « %s »", "unknown category '%s'"), cat);
		return -1;
	}
	if (!dc_date_valid(date)) {
		strcpy(col, "date");
		snprintf(err, errlen, TR("date invalide « %s » (AAAA-MM-JJ)",
					 "invalid date '%s' (YYYY-MM-DD)"), date);
		return -1;
	}
	memcpy(t->date, date, DC_DATE_LEN);
	long v = strtol(count, &end, 10);
	if (!*count || *end || v < 0 || v > 1000000) {
		strcpy(col, "removed");
		snprintf(err, errlen, TR("nombre d'écrans invalide « %s »",
					 "invalid number of screens '%s'"), count);
		return -1;
	}
	t->removed = (int)v;
	return 0;
}

/* Read a targets CSV completely; all-or-nothing like screen imports. */
static int load_file(struct dc_store *st, const char *file, const char *actor)
{
	struct dc_errlist errs = { 0 };
	struct dc_csv c;
	struct dc_plan_target *v = NULL;
	size_t n = 0, len;
	int idx[3] = { -1, -1, -1 }, rc;
	char err[200];
	char *data = read_import_file(file, &len);

	if (!data)
		return 1;
	dc_csv_init(&c, data, len, 0);
	if (dc_csv_next(&c, err, sizeof err) == 1) {
		static const char *const names[3] = { "category", "date", "removed" };
		for (size_t i = 0; i < c.nfields; i++)
			for (int k = 0; k < 3; k++)
				if (strcmp(c.fields[i], names[k]) == 0)
					idx[k] = (int)i;
		for (int k = 0; k < 3; k++)
			if (idx[k] < 0)
				dc_errlist_add(&errs, 1, names[k], TR("colonne obligatoire absente",
								      "required column missing"));
	} else {
		dc_errlist_add(&errs, 1, "", TR("fichier vide ou illisible", "empty or unreadable file"));
	}
	size_t ncols = c.nfields;
	while (dc_errlist_count(&errs) == 0 && (rc = dc_csv_next(&c, err, sizeof err)) != 0) {
		char col[16] = "";
		struct dc_plan_target t;
		if (rc < 0) {
			dc_errlist_add(&errs, c.line, "", "%s", err);
			break;
		}
		if (c.nfields != ncols) {
			dc_errlist_add(&errs, c.line, "", TR("nombre de champs incorrect", "wrong number of fields"));
			continue;
		}
		if (parse_target(c.fields[idx[0]], c.fields[idx[1]], c.fields[idx[2]], &t, col, err,
				 sizeof err) < 0) {
			dc_errlist_add(&errs, c.line, col, "%s", err);
			continue;
		}
		struct dc_plan_target *nv = realloc(v, (n + 1) * sizeof *nv);
		if (!nv)
			break;
		v = nv;
		v[n++] = t;
	}
	dc_csv_free(&c);
	free(data);
	rc = 0;
	if (dc_errlist_count(&errs) == 0) {
		rc = dc_store_begin(st);
		for (size_t i = 0; rc == 0 && i < n; i++)
			rc = dc_store_plan_set(st, &v[i], actor);
		if (rc == 0)
			rc = dc_store_commit(st);
		if (rc < 0) {
			dc_store_rollback(st);
			dc_errlist_add(&errs, 0, "", "%s", dc_store_errmsg(st));
		}
	}
	print_file_errors(file, &errs);
	if (dc_errlist_count(&errs))
		fprintf(stderr, TR("%zu erreur(s) ; aucun objectif chargé.\n",
				   "%zu error(s); no target loaded.\n"), dc_errlist_count(&errs));
	else
		printf(TR("%zu objectif(s) chargé(s) depuis %s.\n", "%zu target(s) loaded from %s.\n"),
		       n, file);
	rc = dc_errlist_count(&errs) ? 1 : 0;
	dc_errlist_free(&errs);
	free(v);
	return rc;
}

/* `plan set` and `plan unset` (argv[0]). */
static int plan_set(struct cli *cli, int argc, char **argv)
{
	bool unset = strcmp(argv[0], "unset") == 0;
	const char *file = NULL, *actor = NULL;
	const struct cli_opt opts[] = {
		CLI_OPT_ARG("file", &file), CLI_OPT_ARG("actor", &actor), CLI_OPT_END
	};
	int first, rc;

	/* unset takes no --file */
	if ((rc = cli_parse_opts(argc, argv, unset ? opts + 1 : opts, usage, &first)) >= 0)
		return rc;
	int want = file ? 0 : unset ? 2 : 3;
	if (argc - first != want) {
		usage(stderr);
		return EXIT_USAGE;
	}
	struct dc_plan_target t;
	char col[16], err[200];
	if (!file && parse_target(argv[first], argv[first + 1], unset ? "0" : argv[first + 2],
				  &t, col, err, sizeof err) < 0) {
		fprintf(stderr, "decran: %s\n", err);
		return 1;
	}
	struct dc_store *st = cli_open_store(cli);
	if (!st)
		return 1;
	actor = cli_actor(actor);
	if (file) {
		rc = load_file(st, file, actor);
	} else if (unset) {
		rc = dc_store_plan_unset(st, t.category, t.date, actor);
		if (rc == 0)
			fputs(TR("decran : pas d'objectif à cette date pour cette catégorie\n",
				 "decran: no target on that date for that category\n"), stderr);
		rc = rc == 1 ? 0 : 1;
	} else {
		rc = dc_store_plan_set(st, &t, actor) < 0 ? 1 : 0;
		if (rc == 0)
			printf(TR("Objectif enregistré : %s, %s, %d écran(s) déposé(s).\n",
				  "Target saved: %s, %s, %d screen(s) removed.\n"),
			       argv[first], t.date, t.removed);
	}
	if (rc && !file && st && dc_store_errmsg(st)[0])
		fprintf(stderr, "decran: %s\n", dc_store_errmsg(st));
	dc_store_close(st);
	return rc;
}

static int history_line(const struct dc_audit_entry *e, void *arg)
{
	cJSON *arr = arg;
	if (arr) {
		cJSON *h = cJSON_CreateObject();
		cJSON_AddStringToObject(h, "at", e->at);
		cJSON_AddStringToObject(h, "actor", e->actor);
		cJSON_AddStringToObject(h, "field", e->field);
		cJSON_AddStringToObject(h, "old", e->old_value);
		cJSON_AddStringToObject(h, "new", e->new_value);
		cJSON_AddItemToArray(arr, h);
		return 0;
	}
	printf("  %.10s %.8s UTC  %-12s %s : %s → %s\n", e->at, e->at + 11, e->actor, e->field,
	       e->old_value[0] ? e->old_value : "∅", e->new_value[0] ? e->new_value : "∅");
	return 0;
}

static int plan_show(struct cli *cli, int argc, char **argv)
{
	int json = 0, history = 0, first, rc;
	const struct cli_opt opts[] = {
		CLI_OPT_FLAG("history", &history), CLI_OPT_FLAG("json", &json), CLI_OPT_END
	};

	if ((rc = cli_parse_opts(argc, argv, opts, usage, &first)) >= 0)
		return rc;
	if (first != argc)
		return cli_usage_error(usage, argv[first]);
	struct dc_store *st = cli_open_store(cli);
	if (!st)
		return 1;
	struct dc_plan_target *t = NULL;
	struct dc_screen *v = NULL;
	size_t nt = 0, nv = 0;
	struct dc_screen_filter all = DC_SCREEN_FILTER_ALL;
	if (dc_store_plan_targets(st, &t, &nt) < 0 ||
	    dc_store_list_screens_array(st, &all, &v, &nv) < 0) {
		fprintf(stderr, "decran: %s\n", dc_store_errmsg(st));
		dc_store_close(st);
		free(t);
		return 1;
	}
	long by_status[DC_STATUS__COUNT] = { 0 };
	for (size_t i = 0; i < nv; i++)
		by_status[v[i].status]++;
	cJSON *root = json ? cJSON_CreateObject() : NULL;
	cJSON *jt = json ? cJSON_AddArrayToObject(root, "targets") : NULL;
	if (!json && nt == 0)
		puts(TR("Aucun objectif (decran plan set --help).", "No target (decran plan set --help)."));
	else if (!json)
	{
		/* cli_print_cell counts characters, so accented headings align. */
		cli_print_cell(TR("Échéance", "Due"), 12);
		putchar(' ');
		cli_print_cell(TR("Catégorie", "Category"), 16);
		printf(" %8s ", TR("Objectif", "Target"));
		cli_print_cell(TR("Déposés", "Removed"), 8);
		printf(" %8s  %s\n", TR("Prévus", "Slated"), TR("État", "State"));
	}
	for (size_t i = 0; i < nt; i++) {
		struct dc_plan_progress p = dc_plan_measure(v, nv, &t[i]);
		const char *cat = t[i].category < 0 ? "all" : dc_category_name(t[i].category);
		if (json) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "category", cat);
			cJSON_AddStringToObject(o, "date", t[i].date);
			cJSON_AddNumberToObject(o, "target_removed", t[i].removed);
			cJSON_AddNumberToObject(o, "removed", (double)p.removed);
			cJSON_AddNumberToObject(o, "slated", (double)p.slated);
			cJSON_AddNumberToObject(o, "missing", (double)p.missing);
			cJSON_AddItemToArray(jt, o);
			continue;
		}
		char date[16], state[64];
		int y, m, d;
		sscanf(t[i].date, "%d-%d-%d", &y, &m, &d);
		dc_fmt_date(date, sizeof date, y, m, d, dc_lang());
		if (p.state == DC_PLAN_LATE)
			snprintf(state, sizeof state, TR("manque %ld", "%ld short"), p.missing);
		else
			snprintf(state, sizeof state, "%s", dc_plan_state_label(p.state));
		printf("%-12s ", date);
		cli_print_cell(t[i].category < 0 ? TR("Toutes", "All") : dc_category_label(t[i].category), 16);
		printf(" %8d %8ld %8ld  %s\n", t[i].removed, p.removed, p.slated, state);
	}
	if (json) {
		cJSON *s = cJSON_AddObjectToObject(root, "screens");
		for (int k = 0; k < DC_STATUS__COUNT; k++)
			cJSON_AddNumberToObject(s, dc_status_name(k), (double)by_status[k]);
		if (history)
			dc_store_history(st, NULL, history_line, cJSON_AddArrayToObject(root, "history"));
		cli_print_json(root);
	} else {
		printf(TR("\nParc : %zu écran(s) — %ld en service, %ld réduit(s), %ld dépose prévue, %ld déposé(s).\n",
			  "\nInventory: %zu screen(s) — %ld active, %ld reduced, %ld slated, %ld removed.\n"),
		       nv, by_status[DC_STATUS_ACTIVE], by_status[DC_STATUS_REDUCED],
		       by_status[DC_STATUS_SLATED], by_status[DC_STATUS_REMOVED]);
		if (history) {
			puts(TR("\nHistorique du plan :", "\nPlan history:"));
			dc_store_history(st, NULL, history_line, NULL);
		}
	}
	free(t);
	free(v);
	dc_store_close(st);
	return 0;
}

static const struct cli_verb verbs[] = {
	{ "show", plan_show, NULL, NULL },
	{ "set", plan_set, NULL, NULL },
	{ "unset", plan_set, NULL, NULL },
	{ NULL, NULL, NULL, NULL },
};

const struct cli_group cmd_plan = { "plan", usage, CLI_UNKNOWN_PREFIXED, verbs };
