/* cmd_bind.c — `decran bind SCREEN BOX CH`: which relay channel feeds a
 * screen.  Written to the inventory (with its audit row), then the running
 * gateway is told to reload, so it drives the channel at once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_gateway.h"
#include "cli_store.h"
#include "i18n.h"

static void usage(FILE *f)
{
	fputs(TR("usage : decran bind ÉCRAN BOÎTIER CANAL [--actor NOM] [--socket CHEMIN]\n"
		 "       decran bind ÉCRAN --none [--actor NOM] [--socket CHEMIN]\n"
		 "Relie un écran au canal (1 à 16) d'un boîtier de relais, ou le détache\n"
		 "(--none).  Le changement est inscrit au journal de l'écran, puis la\n"
		 "passerelle en marche recharge ses liaisons.\n",
		 "usage: decran bind SCREEN BOX CHANNEL [--actor NAME] [--socket PATH]\n"
		 "       decran bind SCREEN --none [--actor NAME] [--socket PATH]\n"
		 "Binds a screen to a relay box's channel (1 to 16), or unbinds it (--none).\n"
		 "The change goes to the screen's audit trail, then the running gateway\n"
		 "reloads its bindings.\n"), f);
}

int cmd_bind(struct cli *cli, int argc, char **argv)
{
	const char *sock = NULL, *actor = NULL;
	int none = 0, first, rc;
	const struct cli_opt opts[] = {
		CLI_OPT_FLAG("none", &none), CLI_OPT_ARG("actor", &actor), CLI_OPT_ARG("socket", &sock),
		CLI_OPT_END
	};

	if ((rc = cli_parse_opts(argc, argv, opts, usage, &first)) >= 0)
		return rc;
	int nargs = argc - first;
	if ((none && nargs != 1) || (!none && nargs != 3)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *id = argv[first];
	long ch = 0;
	if (!none) {
		char *end;
		if (!dc_slug_valid(argv[first + 1])) {
			fprintf(stderr, TR("decran : identifiant de boîtier invalide « %s »\n",
					   "decran: invalid box id '%s'\n"), argv[first + 1]);
			return EXIT_USAGE;
		}
		ch = strtol(argv[first + 2], &end, 10);
		if (*end || ch < 1 || ch > 16) {
			fprintf(stderr, TR("decran : canal invalide « %s » (1 à 16)\n",
					   "decran: invalid channel '%s' (1 to 16)\n"), argv[first + 2]);
			return EXIT_USAGE;
		}
	}
	struct dc_screen s;
	int changes = 0;
	struct dc_store *st = cli_open_screen(cli, id, &s);
	if (!st)
		return 1;
	snprintf(s.box, sizeof s.box, "%s", none ? "" : argv[first + 1]);
	s.channel = none ? 0 : (int)ch;
	if (dc_store_put_screen(st, &s, cli_actor(actor), &changes) < 0) {
		fprintf(stderr, "decran: %s\n", dc_store_errmsg(st));
		dc_store_close(st);
		return 1;
	}
	dc_store_close(st);
	if (none)
		printf(TR("%s n'est plus relié à un relais.\n", "%s is no longer bound to a relay.\n"), id);
	else
		printf(TR("%s relié à %s canal %ld.\n", "%s bound to %s channel %ld.\n"), id,
		       argv[first + 1], ch);
	if (changes && cli_gateway_reload(sock))
		printf("%s\n", TR("Passerelle rechargée.", "Gateway reloaded."));
	return 0;
}
