/* cmd_bind.c — `decran bind SCREEN BOX CH`: which relay channel feeds a
 * screen.  Written to the inventory (with its audit row), then the running
 * gateway is told to reload, so it drives the channel at once. */
#include <getopt.h>
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
	static const struct option opts[] = {
		{ "none", no_argument, NULL, 'n' },
		{ "actor", required_argument, NULL, 'a' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = NULL, *actor = NULL;
	int none = 0, c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			none = 1;
			break;
		case 'a':
			actor = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	int nargs = argc - optind;
	if ((none && nargs != 1) || (!none && nargs != 3)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *id = argv[optind];
	long ch = 0;
	if (!none) {
		char *end;
		if (!dc_slug_valid(argv[optind + 1])) {
			fprintf(stderr, TR("decran : identifiant de boîtier invalide « %s »\n",
					   "decran: invalid box id '%s'\n"), argv[optind + 1]);
			return EXIT_USAGE;
		}
		ch = strtol(argv[optind + 2], &end, 10);
		if (*end || ch < 1 || ch > 16) {
			fprintf(stderr, TR("decran : canal invalide « %s » (1 à 16)\n",
					   "decran: invalid channel '%s' (1 to 16)\n"), argv[optind + 2]);
			return EXIT_USAGE;
		}
	}
	struct dc_store *st = cli_open_store(cli);
	int changes = 0;
	if (!st)
		return 1;
	int rc = dc_store_bind_screen(st, id, none ? "" : argv[optind + 1], none ? 0 : (int)ch,
				      cli_actor(actor), &changes);
	if (rc <= 0) {
		if (rc == 0)
			fprintf(stderr, TR("decran : écran inconnu « %s »\n", "decran: unknown screen '%s'\n"),
				id);
		else
			fprintf(stderr, "decran: %s\n", dc_store_errmsg(st));
		dc_store_close(st);
		return 1;
	}
	dc_store_close(st);
	if (none)
		printf(TR("%s n'est plus relié à un relais.\n", "%s is no longer bound to a relay.\n"), id);
	else
		printf(TR("%s relié à %s canal %ld.\n", "%s bound to %s channel %ld.\n"), id,
		       argv[optind + 1], ch);
	if (changes && cli_gateway_reload(sock))
		printf("%s\n", TR("Passerelle rechargée.", "Gateway reloaded."));
	return 0;
}
