/* cmd_screens_edit.c — the writing sub-commands: add, edit, slate, remove.
 * Field options are generated from the field table (screen_fields.h), so
 * every column of the inventory can be set as --power-on-w 311 or
 * --set power_on_w=311, and a new field needs no new option code. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_gateway.h"
#include "cli_store.h"
#include "i18n.h"
#include "screen_fields.h"
#include "screens.h"

enum { OPT_SET = 900, OPT_ACTOR, OPT_HELP, OPT_FIELD = 1000 };

static char option_names[DC_F__COUNT][32];
static struct option field_opts[DC_F__COUNT + 4];

/* --name, --category, ..., --set, --actor, --help (ids are positional). */
static const struct option *build_options(void)
{
	size_t k = 0;
	for (int f = DC_F_ID + 1; f < DC_F__COUNT; f++) {
		char *n = option_names[f];
		snprintf(n, sizeof option_names[f], "%s", dc_field_name(f));
		for (char *p = n; *p; p++)
			if (*p == '_')
				*p = '-';
		field_opts[k++] = (struct option){ n, required_argument, NULL, OPT_FIELD + f };
	}
	field_opts[k++] = (struct option){ "set", required_argument, NULL, OPT_SET };
	field_opts[k++] = (struct option){ "actor", required_argument, NULL, OPT_ACTOR };
	field_opts[k++] = (struct option){ "help", no_argument, NULL, OPT_HELP };
	field_opts[k] = (struct option){ NULL, 0, NULL, 0 };
	return field_opts;
}

static void fields_usage(FILE *f)
{
	fputs(TR("\nChamps (détail dans docs/inventory.md) :\n",
		 "\nFields (details in docs/inventory.md):\n"), f);
	int col = 2;
	fputs("  ", f);
	build_options();
	for (int i = DC_F_ID + 1; i < DC_F__COUNT; i++) {
		int w = (int)strlen(option_names[i]) + 4;
		if (col + w > 78) {
			fputs("\n  ", f);
			col = 2;
		}
		col += fprintf(f, "--%s V ", option_names[i]);
	}
	fputs(TR("\n  --set CHAMP=VALEUR    forme générique (ex. --set power_on_w=311)\n"
		 "  --actor NOM           auteur inscrit au journal (défaut : $USER)\n"
		 "Nombres avec virgule ou point (1,5 / 1.5) ; dates AAAA-MM-JJ ; booléens oui/non.\n"
		 "--display : fixed (images fixes), animated (animées) ou unknown (non déclaré, traité\n"
		 "comme animé : pas d'exemption de nuit pour le mobilier de transport).\n",
		 "\n  --set FIELD=VALUE     generic form (e.g. --set power_on_w=311)\n"
		 "  --actor NAME          author recorded in the audit trail (default: $USER)\n"
		 "Numbers with comma or point (1,5 / 1.5); dates YYYY-MM-DD; booleans yes/no.\n"
		 "--display: fixed (fixed images), animated, or unknown (not declared, treated as\n"
		 "animated: no night exemption for transport furniture).\n"), f);
}

static void add_usage(FILE *f)
{
	fputs(TR("usage : decran screens add ID --name NOM --category CAT [CHAMPS...]\n"
		 "Ajoute un écran ; ID est un identifiant stable (minuscules, chiffres, - et _).\n",
		 "usage: decran screens add ID --name NAME --category CAT [FIELDS...]\n"
		 "Add a screen; ID is a stable id (lowercase letters, digits, - and _).\n"), f);
	fputs(TR("Exemple : decran screens add pub-gare-1 --name \"Abribus Gare\" --category advertising \\\n"
		 "            --site Gare --power-on-w 311 --power-standby-w 2 --lat 50,639 --lon 2,4925\n",
		 "Example: decran screens add pub-gare-1 --name \"Gare shelter\" --category advertising \\\n"
		 "            --site Gare --power-on-w 311 --power-standby-w 2 --lat 50.639 --lon 2.4925\n"), f);
	fields_usage(f);
}

static void edit_usage(FILE *f)
{
	fputs(TR("usage : decran screens edit ID [CHAMPS...]\n"
		 "Modifie les champs donnés ; chaque changement est inscrit au journal.\n",
		 "usage: decran screens edit ID [FIELDS...]\n"
		 "Change the given fields; each change is recorded in the audit trail.\n"), f);
	fields_usage(f);
}

/* Parse field options into *s (which holds the starting values).
 * Returns 0, 1 for --help (usage printed), 2 usage error, -1 bad value. */
static int parse_fields(int argc, char **argv, struct dc_screen *s, const char **id,
			const char **actor, void (*usage)(FILE *), int *nset)
{
	const struct option *opts = build_options();
	int c, bad = 0;

	optind = 0;
	opterr = 0;
	*nset = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		char err[300];
		int f = -1;
		const char *val = optarg;
		if (c >= OPT_FIELD) {
			f = c - OPT_FIELD;
		} else if (c == OPT_SET) {
			const char *eq = strchr(optarg, '=');
			char name[40];
			size_t n = eq ? (size_t)(eq - optarg) : 0;
			if (eq && n < sizeof name) {
				memcpy(name, optarg, n);
				name[n] = '\0';
				f = dc_field_parse(name);
			}
			if (f < 0 || f == DC_F_ID) {
				fprintf(stderr, TR("decran : --set %s : champ inconnu (CHAMP=VALEUR)\n",
						   "decran: --set %s: unknown field (FIELD=VALUE)\n"), optarg);
				bad++;
				continue;
			}
			val = eq + 1;
		} else if (c == OPT_ACTOR) {
			*actor = optarg;
			continue;
		} else if (c == OPT_HELP || c == 'h') {
			usage(stdout);
			return 1;
		} else {
			return cli_usage_error(usage, argv[optind - 1]);
		}
		if (dc_field_set(s, f, val, err, sizeof err) < 0) {
			fprintf(stderr, "decran: %s: %s\n", dc_field_name(f), err);
			bad++;
		}
		(*nset)++;
	}
	if (optind != argc - 1) {
		fputs(TR("decran : il faut exactement un identifiant d'écran\n",
			 "decran: exactly one screen id is needed\n"), stderr);
		usage(stderr);
		return EXIT_USAGE;
	}
	*id = argv[optind];
	return bad ? -1 : 0;
}

/* Check and store; prints the outcome.  Returns the exit status. */
static int save(struct dc_store *st, const struct dc_screen *s, const char *actor, bool created)
{
	char err[300];
	enum dc_field f;
	int changes;

	if (dc_screen_check(s, &f, err, sizeof err) < 0) {
		fprintf(stderr, "decran: %s: %s\n", dc_field_name(f), err);
		return 1;
	}
	if (dc_store_put_screen(st, s, cli_actor(actor), &changes) < 0) {
		fprintf(stderr, "decran: %s\n", dc_store_errmsg(st));
		return 1;
	}
	if (created)
		printf(TR("Écran « %s » ajouté.\n", "Screen '%s' added.\n"), s->id);
	else if (changes)
		printf(TR("Écran « %s » modifié (%d champ(s)).\n", "Screen '%s' updated (%d field(s)).\n"),
		       s->id, changes);
	else
		printf(TR("Écran « %s » : aucun changement.\n", "Screen '%s': no change.\n"), s->id);
	if (created || changes)
		cli_gateway_screens_changed();
	return 0;
}

int screens_add(struct cli *cli, int argc, char **argv)
{
	struct dc_screen s, old;
	const char *id = NULL, *actor = NULL;
	char err[300];
	int n, rc;

	dc_screen_init(&s);
	s.category = (enum dc_category)-1;	/* must be given */
	rc = parse_fields(argc, argv, &s, &id, &actor, add_usage, &n);
	if (rc == 1)
		return 0;
	if (rc != 0)
		return rc < 0 ? 1 : rc;
	if (!s.name[0] || (int)s.category < 0) {
		fputs(TR("decran : --name et --category sont obligatoires\n",
			 "decran: --name and --category are required\n"), stderr);
		add_usage(stderr);
		return EXIT_USAGE;
	}
	if (dc_field_set(&s, DC_F_ID, id, err, sizeof err) < 0) {
		fprintf(stderr, "decran: id: %s\n", err);
		return 1;
	}
	struct dc_store *st = cli_open_store(cli);
	if (!st)
		return 1;
	rc = dc_store_get_screen(st, s.id, &old);
	if (rc != 0) {
		if (rc > 0)
			fprintf(stderr, TR("decran : l'écran « %s » existe déjà (utilisez screens edit)\n",
					   "decran: screen '%s' already exists (use screens edit)\n"), s.id);
		else
			fprintf(stderr, "decran: %s\n", dc_store_errmsg(st));
		dc_store_close(st);
		return 1;
	}
	rc = save(st, &s, actor, true);
	dc_store_close(st);
	return rc;
}

int screens_edit(struct cli *cli, int argc, char **argv)
{
	struct dc_screen s;
	const char *id = NULL, *actor = NULL;
	int n, rc;

	/* Parse once against a blank screen to reject bad usage before
	 * touching the database, then again on the stored values. */
	dc_screen_init(&s);
	rc = parse_fields(argc, argv, &s, &id, &actor, edit_usage, &n);
	if (rc == 1)
		return 0;
	if (rc != 0)
		return rc < 0 ? 1 : rc;
	if (n == 0) {
		fputs(TR("decran : rien à modifier (donnez au moins un champ)\n",
			 "decran: nothing to change (give at least one field)\n"), stderr);
		edit_usage(stderr);
		return EXIT_USAGE;
	}
	struct dc_store *st = cli_open_screen(cli, id, &s);
	if (!st)
		return 1;
	rc = parse_fields(argc, argv, &s, &id, &actor, edit_usage, &n);
	if (rc == 0)
		rc = save(st, &s, actor, false);
	dc_store_close(st);
	return rc < 0 ? 1 : rc;
}

static void slate_usage(FILE *f)
{
	fputs(TR("usage : decran screens slate ID --target AAAA-MM-JJ [--actor NOM]\n"
		 "Prévoit la dépose de l'écran à la date cible (statut slated_for_removal).\n",
		 "usage: decran screens slate ID --target YYYY-MM-DD [--actor NAME]\n"
		 "Slate the screen for removal by the target date (status slated_for_removal).\n"), f);
}

static void remove_usage(FILE *f)
{
	fputs(TR("usage : decran screens remove ID [--date AAAA-MM-JJ] [--actor NOM]\n"
		 "Enregistre la dépose de l'écran (statut removed) à la date donnée, aujourd'hui\n"
		 "par défaut.  Un écran n'est jamais effacé : son historique reste consultable.\n",
		 "usage: decran screens remove ID [--date YYYY-MM-DD] [--actor NAME]\n"
		 "Record the screen's removal (status removed) on the given date, today by\n"
		 "default.  A screen is never erased: its history stays available.\n"), f);
}

/* slate and remove: one date option, one status change. */
static int status_change(struct cli *cli, int argc, char **argv, bool removing)
{
	void (*usage)(FILE *) = removing ? remove_usage : slate_usage;
	const char *date = NULL, *actor = NULL;
	const struct cli_opt opts[] = {
		CLI_OPT_ARG("target", &date), CLI_OPT_ARG("date", &date), CLI_OPT_ARG("actor", &actor),
		CLI_OPT_END
	};
	char today[11];
	struct dc_screen s;
	int first, rc;

	if ((rc = cli_parse_opts(argc, argv, opts, usage, &first)) >= 0)
		return rc;
	if (first != argc - 1 || (!removing && !date)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!date)
		date = cli_today(today);
	if (!dc_date_valid(date)) {
		fprintf(stderr, TR("decran : date invalide « %s » (AAAA-MM-JJ)\n",
				   "decran: invalid date '%s' (YYYY-MM-DD)\n"), date);
		return 1;
	}
	struct dc_store *st = cli_open_screen(cli, argv[first], &s);
	if (!st)
		return 1;
	if (s.status == DC_STATUS_REMOVED) {
		fprintf(stderr, TR("decran : l'écran « %s » est déjà déposé (%s)\n",
				   "decran: screen '%s' is already removed (%s)\n"), s.id, s.removal_date);
		dc_store_close(st);
		return 1;
	}
	if (removing) {
		s.status = DC_STATUS_REMOVED;
		memcpy(s.removal_date, date, DC_DATE_LEN);
	} else {
		s.status = DC_STATUS_SLATED;
		memcpy(s.removal_target, date, DC_DATE_LEN);
	}
	rc = save(st, &s, actor, false);
	dc_store_close(st);
	return rc;
}

int screens_slate(struct cli *cli, int argc, char **argv)
{
	return status_change(cli, argc, argv, false);
}

int screens_remove(struct cli *cli, int argc, char **argv)
{
	return status_change(cli, argc, argv, true);
}
