/* main.c — `decran`: global options, then dispatch to a command group. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "i18n.h"
#include "paths.h"
#include "version.h"

/* One line per command, or per group of verbs (cli_dispatch runs the verb);
 * the command's own file parses the rest. */
static const struct cli_command commands[] = {
	{ "screens", NULL, &cmd_screens, "inventaire des écrans (ajout, liste, import, export...)",
	  "screen inventory (add, list, import, export...)" },
	{ "plan", NULL, &cmd_plan, "objectifs de dépose du plan municipal",
	  "removal targets of the municipal plan" },
	{ "schedule", NULL, &cmd_schedule, "plan d'allumage : vérifier les règles, expliquer, prévoir",
	  "schedule: check rules, explain, preview" },
	{ "override", NULL, &cmd_override, "forçages manuels (arrêt, allumage) avec auteur et échéance",
	  "manual overrides (force off/on) with author and expiry" },
	{ "grid-alert", NULL, &cmd_grid_alert, "alertes de tension du réseau électrique (type EcoWatt)",
	  "power-grid stress alerts (EcoWatt-style)" },
	{ "boxes", NULL, &cmd_boxes, "boîtiers de relais vus par la passerelle en marche",
	  "relay boxes as the running gateway sees them" },
	{ "relay", NULL, &cmd_relay, "essai de mise en service d'un canal (éteint, allumé, éteint)",
	  "commissioning test of a channel (off, on, off)" },
	{ "bind", cmd_bind, NULL, "relie un écran au canal d'un boîtier de relais",
	  "binds a screen to a relay box channel" },
	{ "alarms", cmd_alarms, NULL, "alarmes en cours (ou leur historique)",
	  "active alarms (or their history)" },
	{ "energy", NULL, &cmd_energy, "registre d'énergie (recalcul, mise à jour, saisie)",
	  "energy ledger (rebuild, update, manual input)" },
	{ "report", NULL, &cmd_report, "rapports : avancement, énergie, conformité nocturne",
	  "reports: progress, energy, night-rule compliance" },
	{ "users", NULL, &cmd_users, "comptes du tableau de bord", "dashboard accounts" },
	{ "init", cmd_init, NULL, "crée la base d'inventaire", "creates the inventory database" },
	{ "backup", cmd_backup, NULL, "sauvegarde de la base, même passerelle en marche",
	  "backs up the database, even while the gateway runs" },
	{ "restore", cmd_restore, NULL, "remet une sauvegarde en place (passerelle arrêtée)",
	  "puts a backup back (gateway stopped)" },
	{ NULL, NULL, NULL, NULL, NULL },
};

static void usage(FILE *f)
{
	fprintf(f, "%s", TR("usage : decran [--db CHEMIN] COMMANDE [ARGS...]\n\n"
			    "Commandes :\n",
			    "usage: decran [--db PATH] COMMAND [ARGS...]\n\nCommands:\n"));
	for (const struct cli_command *c = commands; c->name; c++)
		fprintf(f, "  %-10s %s\n", c->name, TR(c->summary_fr, c->summary_en));
	fprintf(f, "%s", TR("\nOptions :\n"
			    "  --db CHEMIN  base d'inventaire (défaut : $DECRAN_DB, sinon " DECRAN_DEFAULT_DB ")\n"
			    "  --version    affiche la version\n"
			    "  --help       affiche cette aide\n"
			    "\nLANG=en_US.UTF-8 pour l'anglais. « decran COMMANDE --help » détaille une commande.\n",
			    "\nOptions:\n"
			    "  --db PATH    inventory database (default: $DECRAN_DB, else " DECRAN_DEFAULT_DB ")\n"
			    "  --version    print the version\n"
			    "  --help       print this help\n"
			    "\nFrench by default; LANG=en_US.UTF-8 for English. "
			    "'decran COMMAND --help' details a command.\n"));
}

int main(int argc, char **argv)
{
	struct cli cli = { .argv0 = argv[0] };
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	cli.db_path = getenv("DECRAN_DB");
	/* "+" stops at the first non-option: the command owns the rest. */
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			cli.db_path = optarg;
			cli.db_given = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("decran %s\n", DECRAN_VERSION);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (!cli.db_path || !*cli.db_path) {
		cli.db_path = DECRAN_DEFAULT_DB;
		cli.db_default = true;
	}
	if (cli_clock_init() < 0)
		return 1;
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (const struct cli_command *cmd = commands; cmd->name; cmd++) {
		if (strcmp(cmd->name, argv[optind]) == 0) {
			int first = optind;
			optind = 0;	/* glibc: full re-initialisation for the command's parser */
			return cmd->group ? cli_dispatch(&cli, argc - first, argv + first, cmd->group)
					  : cmd->run(&cli, argc - first, argv + first);
		}
	}
	fprintf(stderr, TR("decran : commande inconnue « %s »\n", "decran: unknown command '%s'\n"),
		argv[optind]);
	usage(stderr);
	return EXIT_USAGE;
}
