/* cmd_boxes.c — `decran boxes list`: the relay boxes the gateway drives, as
 * the running daemon sees them (online, each channel's desired and confirmed
 * state, measured power); `provision` and `revoke` (cmd_provision.c): their
 * broker accounts. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_gateway.h"
#include "cli_provision.h"
#include "ctlclient.h"
#include "i18n.h"

static void usage(FILE *f)
{
	fputs(TR("usage : decran boxes list [--json] [--socket CHEMIN]\n"
		 "Liste les boîtiers de relais de la passerelle en marche : en ligne ou non,\n"
		 "et pour chaque canal l'état voulu par le planning et l'état confirmé.\n"
		 "  --socket CHEMIN  socket de decran-gateway (défaut : $DECRAN_GATEWAY_SOCKET,\n"
		 "                   sinon " GW_CTL_DEFAULT_SOCKET ")\n",
		 "usage: decran boxes list [--json] [--socket PATH]\n"
		 "Lists the running gateway's relay boxes: online or not, and for each channel\n"
		 "the state the schedule wants and the confirmed state.\n"
		 "  --socket PATH  decran-gateway's socket (default: $DECRAN_GATEWAY_SOCKET,\n"
		 "                 else " GW_CTL_DEFAULT_SOCKET ")\n"), f);
	cli_provision_usage(f);
}

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : "-";
}

static int boxes_list(struct cli *cli, int argc, char **argv)
{
	const char *sock = NULL;
	int json = 0, first, rc;
	const struct cli_opt opts[] = { CLI_GATEWAY_OPTS(&json, &sock), CLI_OPT_END };

	(void)cli;
	if ((rc = cli_parse_opts(argc, argv, opts, usage, &first)) >= 0)
		return rc;
	if (first < argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cJSON *ans = cli_gateway_ask(sock, "boxes");
	if (!ans)
		return 1;
	const cJSON *boxes = cJSON_GetObjectItemCaseSensitive(ans, "boxes"), *b;
	if (json) {
		cli_print_json_line(boxes, "[]");
		cJSON_Delete(ans);
		return 0;
	}
	printf("%-20s %-10s %-11s %s\n", TR("BOÎTIER", "BOX"), TR("PILOTE", "DRIVER"),
	       TR("ÉTAT", "STATUS"), TR("CANAUX (voulu/confirmé)", "CHANNELS (desired/confirmed)"));
	cJSON_ArrayForEach(b, boxes) {
		const cJSON *on = cJSON_GetObjectItemCaseSensitive(b, "online"), *ch;
		const char *st = cJSON_IsTrue(on) ? TR("en ligne", "online")
			       : cJSON_IsFalse(on) ? TR("HORS LIGNE", "OFFLINE") : TR("inconnu", "unknown");
		printf("%-20s %-10s %-11s", str(b, "id"), str(b, "driver"), st);
		cJSON_ArrayForEach(ch, cJSON_GetObjectItemCaseSensitive(b, "channel_states")) {
			const cJSON *n = cJSON_GetObjectItemCaseSensitive(ch, "channel");
			printf(" %d:%s/%s", n ? n->valueint : 0, str(ch, "desired"), str(ch, "confirmed"));
		}
		const cJSON *pw = cJSON_GetObjectItemCaseSensitive(b, "power_w");
		if (cJSON_IsNumber(pw))
			printf("  %.1f W", pw->valuedouble);
		printf("\n");
	}
	cJSON_Delete(ans);
	return 0;
}

static const struct cli_verb verbs[] = {
	{ "list", boxes_list, NULL, NULL },
	{ "provision", cli_boxes_provision, NULL, NULL },
	{ "revoke", cli_boxes_revoke, NULL, NULL },
	{ NULL, NULL, NULL, NULL },
};

const struct cli_group cmd_boxes = { "boxes", usage, CLI_UNKNOWN_SILENT, verbs };
