/* cmd_relay.c — `decran relay test BOX CH`: commissioning.  The daemon
 * switches the channel off, on, off, waiting each time for the device to
 * confirm, and reports the power a meter measured when it was on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_gateway.h"
#include "i18n.h"

static void usage(FILE *f)
{
	fputs(TR("usage : decran relay test BOÎTIER CANAL [--json] [--socket CHEMIN]\n"
		 "Essai de mise en service par la passerelle en marche : éteint, allume puis\n"
		 "éteint le canal, chaque fois avec confirmation du relais, et donne la\n"
		 "puissance mesurée allumé si un compteur existe.  Le planning reprend la main\n"
		 "ensuite.\n",
		 "usage: decran relay test BOX CHANNEL [--json] [--socket PATH]\n"
		 "Commissioning test through the running gateway: switches the channel off,\n"
		 "on, then off, each time waiting for the relay to confirm, and gives the power\n"
		 "measured while on if a meter exists.  The schedule takes over afterwards.\n"), f);
}

static int relay_test(struct cli *cli, int argc, char **argv)
{
	const char *sock = NULL;
	int json = 0, first, rc;
	const struct cli_opt opts[] = { CLI_GATEWAY_OPTS(&json, &sock), CLI_OPT_END };

	(void)cli;
	if ((rc = cli_parse_opts(argc, argv, opts, usage, &first)) >= 0)
		return rc;
	if (argc - first != 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	char *end;
	long ch = strtol(argv[first + 1], &end, 10);
	if (*end || ch < 1 || ch > 16) {
		fprintf(stderr, TR("decran : canal invalide « %s » (1 à 16)\n",
				   "decran: invalid channel '%s' (1 to 16)\n"), argv[first + 1]);
		return EXIT_USAGE;
	}
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "cmd", "relay-test");
	cJSON_AddStringToObject(req, "box", argv[first]);
	cJSON_AddNumberToObject(req, "channel", (double)ch);
	printf(TR("Essai de %s canal %ld : éteint, allumé, éteint...\n",
		  "Testing %s channel %ld: off, on, off...\n"), argv[first], ch);
	fflush(stdout);
	cJSON *ans = cli_gateway_call(sock, req, 300000);
	if (!ans)
		return 1;
	bool ok = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ans, "ok"));
	if (json) {
		cli_print_json_line(ans, "{}");
	} else {
		const cJSON *st;
		cJSON_ArrayForEach(st, cJSON_GetObjectItemCaseSensitive(ans, "steps")) {
			const cJSON *to = cJSON_GetObjectItemCaseSensitive(st, "to");
			const cJSON *ms = cJSON_GetObjectItemCaseSensitive(st, "ms");
			const cJSON *w = cJSON_GetObjectItemCaseSensitive(st, "power_w");
			bool conf = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(st, "confirmed"));
			bool on = cJSON_IsString(to) && !strcmp(to->valuestring, "on");
			printf("  %-8s %s", on ? TR("allumé", "on") : TR("éteint", "off"),
			       conf ? TR("confirmé", "confirmed") : TR("NON CONFIRMÉ", "NOT CONFIRMED"));
			if (cJSON_IsNumber(ms))
				printf(TR(" en %.0f ms", " in %.0f ms"), ms->valuedouble);
			if (cJSON_IsNumber(w))
				printf(TR(", %.1f W mesurés", ", %.1f W measured"), w->valuedouble);
			printf("\n");
		}
		printf("%s\n", ok ? TR("Essai réussi.", "Test passed.") : TR("Essai ÉCHOUÉ.", "Test FAILED."));
	}
	cJSON_Delete(ans);
	return ok ? 0 : 1;
}

static const struct cli_verb verbs[] = {
	{ "test", relay_test, NULL, NULL },
	{ NULL, NULL, NULL, NULL },
};

const struct cli_group cmd_relay = { "relay", usage, CLI_UNKNOWN_SILENT, verbs };
