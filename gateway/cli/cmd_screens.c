/* cmd_screens.c — `decran screens SUBCOMMAND`: dispatch to the sub-commands
 * (cmd_screens_edit.c, cmd_screens_show.c, cmd_screens_io.c). */
#include <stdio.h>

#include "cli.h"
#include "i18n.h"
#include "screens.h"

static const struct cli_verb verbs[] = {
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
	{ NULL, NULL, NULL, NULL },
};

static void usage(FILE *f)
{
	fputs(TR("usage : decran screens SOUS-COMMANDE [ARGS...]\n\n",
		 "usage: decran screens SUBCOMMAND [ARGS...]\n\n"), f);
	for (const struct cli_verb *v = verbs; v->name; v++)
		fprintf(f, "  %-8s %s\n", v->name, TR(v->summary_fr, v->summary_en));
	fputs(TR("\n« decran screens SOUS-COMMANDE --help » pour le détail.\n",
		 "\n'decran screens SUBCOMMAND --help' for details.\n"), f);
}

const struct cli_group cmd_screens = { "screens", usage, CLI_UNKNOWN_PREFIXED, verbs };
