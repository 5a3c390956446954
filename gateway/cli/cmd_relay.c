/* cmd_relay.c — `decran relay test BOX CH`: commissioning.  The daemon
 * switches the channel off, on, off, waiting each time for the device to
 * confirm, holds each step for a dwell time a person can watch, reads the
 * meter near the end of each step, and gives a verdict against the screens'
 * declared power (lib/relaytest.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_gateway.h"
#include "i18n.h"

static void usage(FILE *f)
{
	fputs(TR("usage : decran relay test BOÎTIER CANAL [--dwell S] [--json] [--socket CHEMIN]\n"
		 "Essai de mise en service par la passerelle en marche : éteint, allume puis\n"
		 "éteint le canal, chaque fois avec confirmation du relais, et garde chaque\n"
		 "étape S secondes (défaut : relay_test.dwell_s de la passerelle, 10 s) pour\n"
		 "qu'on voie l'écran.  Le compteur est lu à mi-étape ; la puissance de chaque\n"
		 "étape est affichée et jugée : allumé, au moins 50 % de la puissance déclarée\n"
		 "des écrans ; éteint, au plus le seuil de veille (alarms.meter_off_threshold_w).\n"
		 "Le planning reprend la main ensuite.\n",
		 "usage: decran relay test BOX CHANNEL [--dwell S] [--json] [--socket PATH]\n"
		 "Commissioning test through the running gateway: switches the channel off,\n"
		 "on, then off, each time waiting for the relay to confirm, and holds each step\n"
		 "S seconds (default: the gateway's relay_test.dwell_s, 10 s) so a person can\n"
		 "watch the screen.  The meter is read halfway through each step; each step's\n"
		 "power is printed and judged: on, at least 50 % of the screens' declared power;\n"
		 "off, at most the standby threshold (alarms.meter_off_threshold_w).  The\n"
		 "schedule takes over afterwards.\n"), f);
}

static const char *watts(char *buf, size_t len, double w)
{
	return dc_fmt_num(buf, len, w, 1, dc_lang());
}

static void print_steps(const cJSON *ans)
{
	const cJSON *st;
	cJSON_ArrayForEach(st, cJSON_GetObjectItemCaseSensitive(ans, "steps")) {
		const cJSON *to = cJSON_GetObjectItemCaseSensitive(st, "to");
		const cJSON *ms = cJSON_GetObjectItemCaseSensitive(st, "ms");
		const cJSON *dw = cJSON_GetObjectItemCaseSensitive(st, "dwell_ms");
		const cJSON *w = cJSON_GetObjectItemCaseSensitive(st, "power_w");
		bool conf = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(st, "confirmed"));
		bool on = cJSON_IsString(to) && !strcmp(to->valuestring, "on");
		printf("  %-8s %s", on ? TR("allumé", "on") : TR("éteint", "off"),
		       conf ? TR("confirmé", "confirmed") : TR("NON CONFIRMÉ", "NOT CONFIRMED"));
		if (cJSON_IsNumber(ms))
			printf(TR(" en %.0f ms", " in %.0f ms"), ms->valuedouble);
		if (conf && cJSON_IsNumber(dw))
			printf(TR(", tenu %.0f s", ", held %.0f s"), dw->valuedouble / 1000);
		char n[32];
		if (cJSON_IsNumber(w))
			printf(TR(", %s W mesurés", ", %s W measured"),
			       watts(n, sizeof n, w->valuedouble));
		else if (conf)
			printf("%s", TR(", pas de mesure", ", no reading"));
		printf("\n");
	}
}

static void print_verdict(const cJSON *ans, bool ok)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(ans, "verdict");
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(ans, "declared_w");
	const cJSON *why = cJSON_GetObjectItemCaseSensitive(ans, "why");
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(ans, "error");
	char n[32];
	if (cJSON_IsNumber(d))
		printf(TR("  puissance déclarée des écrans : %s W\n", "  screens' declared power: %s W\n"),
		       watts(n, sizeof n, d->valuedouble));
	const cJSON *th = cJSON_GetObjectItemCaseSensitive(ans, "threshold_w");
	if (cJSON_IsNumber(th))
		printf(TR("  règle : allumé, au moins 50 %% de la puissance déclarée ; éteint, au plus "
			  "%s W de veille\n",
			  "  rule: on, at least 50 %% of the declared power; off, at most %s W standby\n"),
		       watts(n, sizeof n, th->valuedouble));
	/* The gateway's reason is in English, like its log lines. */
	if (cJSON_IsString(err))
		printf("  %s%s\n", TR("passerelle : ", ""), err->valuestring);
	else if (cJSON_IsString(why))
		printf("  %s%s\n", TR("passerelle : ", ""), why->valuestring);
	if (!ok)
		printf("%s\n", TR("Essai ÉCHOUÉ.", "Test FAILED."));
	else if (cJSON_IsString(v) && !strcmp(v->valuestring, "pass-unmeasured"))
		printf("%s\n", TR("Essai réussi (relais confirmé ; puissance non mesurée).",
				  "Test passed (relay confirmed; power not measured)."));
	else
		printf("%s\n", TR("Essai réussi.", "Test passed."));
}

static int relay_test(struct cli *cli, int argc, char **argv)
{
	const char *sock = NULL, *dwell = NULL;
	int json = 0, first, rc;
	const struct cli_opt opts[] = { CLI_GATEWAY_OPTS(&json, &sock), CLI_OPT_ARG("dwell", &dwell),
					CLI_OPT_END };

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
	double dwell_s = -1;
	if (dwell && (dwell_s = strtod(dwell, &end), *end || end == dwell || !(dwell_s >= 0 &&
								      dwell_s <= 600))) {
		fprintf(stderr, TR("decran : --dwell « %s » : des secondes, de 0 à 600\n",
				   "decran: --dwell '%s': seconds, from 0 to 600\n"), dwell);
		return EXIT_USAGE;
	}
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "cmd", "relay-test");
	cJSON_AddStringToObject(req, "box", argv[first]);
	cJSON_AddNumberToObject(req, "channel", (double)ch);
	if (dwell_s >= 0)
		cJSON_AddNumberToObject(req, "dwell_s", dwell_s);
	if (!json) {
		printf(TR("Essai de %s canal %ld : éteint, allumé, éteint...\n",
			  "Testing %s channel %ld: off, on, off...\n"), argv[first], ch);
		fflush(stdout);
	}
	/* Three dwells of at most 600 s, three confirmations, meter answers. */
	cJSON *ans = cli_gateway_call(sock, req, 3 * 600000 + 300000);
	if (!ans)
		return 1;
	bool ok = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ans, "ok"));
	if (json) {
		cli_print_json_line(ans, "{}");
	} else {
		print_steps(ans);
		print_verdict(ans, ok);
	}
	cJSON_Delete(ans);
	return ok ? 0 : 1;
}

static const struct cli_verb verbs[] = {
	{ "test", relay_test, NULL, NULL },
	{ NULL, NULL, NULL, NULL },
};

const struct cli_group cmd_relay = { "relay", usage, CLI_UNKNOWN_SILENT, verbs };
