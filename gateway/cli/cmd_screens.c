/* cmd_screens.c — `decran screens SUBCOMMAND`: dispatch to the sub-commands
 * (cmd_screens_edit.c, cmd_screens_show.c, cmd_screens_io.c). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "i18n.h"
#include "screens.h"

static const struct {
	const char *name;
	int (*run)(struct cli *, int, char **);
	const char *fr, *en;
} subs[] = {
	{ "add", screens_add, "ajoute un écran", "add a screen" },
	{ "edit", screens_edit, "modifie des champs d'un écran", "change fields of a screen" },
	{ "show", screens_show, "affiche un écran (--history : son historique)",
	  "show a screen (--history: its history)" },
	{ "list", screens_list, "liste les écrans (filtres, tri)", "list screens (filters, sort)" },
	{ "slate", screens_slate, "prévoit la dépose d'un écran", "slate a screen for removal" },
	{ "remove", screens_remove, "enregistre la dépose d'un écran", "record a screen's removal" },
	{ "import", screens_import, "importe un fichier CSV (tout ou rien)",
	  "import a CSV file (all or nothing)" },
	{ "export", screens_export, "exporte en CSV ou GeoJSON (données ouvertes)",
	  "export as CSV or GeoJSON (open data)" },
};

static void usage(FILE *f)
{
	fputs(TR("usage : decran screens SOUS-COMMANDE [ARGS...]\n\n",
		 "usage: decran screens SUBCOMMAND [ARGS...]\n\n"), f);
	for (size_t i = 0; i < sizeof subs / sizeof *subs; i++)
		fprintf(f, "  %-8s %s\n", subs[i].name, TR(subs[i].fr, subs[i].en));
	fputs(TR("\n« decran screens SOUS-COMMANDE --help » pour le détail.\n",
		 "\n'decran screens SUBCOMMAND --help' for details.\n"), f);
}

int cmd_screens(struct cli *cli, int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof subs / sizeof *subs; i++)
		if (strcmp(argv[1], subs[i].name) == 0)
			return subs[i].run(cli, argc - 1, argv + 1);
	fprintf(stderr, TR("decran screens : sous-commande inconnue « %s »\n",
			   "decran screens: unknown subcommand '%s'\n"), argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
