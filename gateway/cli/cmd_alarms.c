/* cmd_alarms.c — `decran alarms`: alarms active now (from the running
 * gateway), or their history (--history, from the database). */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "cli.h"
#include "cli_gateway.h"
#include "cli_store.h"
#include "i18n.h"

static void usage(FILE *f)
{
	fputs(TR("usage : decran alarms [--history [--limit N]] [--json] [--socket CHEMIN]\n"
		 "Alarmes en cours selon la passerelle en marche : boîtier hors ligne, commande\n"
		 "non confirmée, écran allumé dans la plage légale (infraction), compteur qui\n"
		 "mesure une puissance alors que le relais est ouvert, contacteur bloqué (son\n"
		 "contact auxiliaire contredit le relais).  --history lit leur\n"
		 "historique (levées et fins) dans la base.\n",
		 "usage: decran alarms [--history [--limit N]] [--json] [--socket PATH]\n"
		 "Alarms active now according to the running gateway: box offline, switch not\n"
		 "confirmed, screen on inside the legal window (violation), meter measuring\n"
		 "power while the relay is open, contactor stuck (its auxiliary contact\n"
		 "contradicts the relay).  --history reads their history (raised and\n"
		 "cleared) from the database.\n"), f);
}

static const char *label(const char *kind)
{
	if (!strcmp(kind, "offline"))
		return TR("hors ligne", "offline");
	if (!strcmp(kind, "unconfirmed"))
		return TR("non confirmé", "unconfirmed");
	if (!strcmp(kind, "compliance"))
		return TR("INFRACTION plage légale", "LEGAL WINDOW VIOLATION");
	if (!strcmp(kind, "meter"))
		return TR("compteur incohérent", "meter mismatch");
	if (!strcmp(kind, "database"))
		return TR("base occupée, écritures en attente", "database busy, writes held");
	if (!strcmp(kind, "stuck"))
		return TR("contacteur bloqué", "contactor stuck");
	if (!strcmp(kind, "safe_on_advertising"))
		return TR("publicité sur un canal allumé en panne", "advertising on a safe-on channel");
	return kind;
}

static int history(struct cli *cli, int json, int limit)
{
	struct dc_store *st = cli_open_store(cli);
	sqlite3_stmt *q;
	if (!st)
		return 1;
	if (sqlite3_prepare_v2(dc_store_db(st),
			       "SELECT at, kind, box, channel, active, message FROM alarm_events"
			       " ORDER BY id DESC LIMIT ?1", -1, &q, NULL) != SQLITE_OK) {
		fprintf(stderr, "decran: %s\n", sqlite3_errmsg(dc_store_db(st)));
		dc_store_close(st);
		return 1;
	}
	sqlite3_bind_int(q, 1, limit);
	cJSON *arr = json ? cJSON_CreateArray() : NULL;
	while (sqlite3_step(q) == SQLITE_ROW) {
		const char *at = (const char *)sqlite3_column_text(q, 0);
		const char *kind = (const char *)sqlite3_column_text(q, 1);
		const char *box = (const char *)sqlite3_column_text(q, 2);
		int ch = sqlite3_column_int(q, 3), active = sqlite3_column_int(q, 4);
		const char *msg = (const char *)sqlite3_column_text(q, 5);
		if (json) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "at", at);
			cJSON_AddStringToObject(o, "kind", kind);
			cJSON_AddStringToObject(o, "box", box);
			cJSON_AddNumberToObject(o, "channel", ch);
			cJSON_AddBoolToObject(o, "active", active);
			cJSON_AddStringToObject(o, "message", msg);
			cJSON_AddItemToArray(arr, o);
		} else {
			printf("%s  %-7s %-24s %s/%d  %s\n", at,
			       active ? TR("levée", "raised") : TR("finie", "cleared"), label(kind), box,
			       ch, msg);
		}
	}
	sqlite3_finalize(q);
	dc_store_close(st);
	if (json) {
		cli_print_json_line(arr, "[]");
		cJSON_Delete(arr);
	}
	return 0;
}

int cmd_alarms(struct cli *cli, int argc, char **argv)
{
	const char *sock = NULL, *limit_s = NULL;
	int json = 0, hist = 0, limit = 50, first, rc;
	const struct cli_opt opts[] = {
		CLI_GATEWAY_OPTS(&json, &sock), CLI_OPT_FLAG("history", &hist), CLI_OPT_ARG("limit", &limit_s),
		CLI_OPT_END
	};

	if ((rc = cli_parse_opts(argc, argv, opts, usage, &first)) >= 0)
		return rc;
	if ((limit_s && (sscanf(limit_s, "%d", &limit) != 1 || limit < 1)) || first < argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (hist)
		return history(cli, json, limit);
	cJSON *ans = cli_gateway_ask(sock, "alarms");
	if (!ans)
		return 1;
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(ans, "alarms"), *a;
	if (json)
		cli_print_json_line(arr, "[]");
	else if (!cJSON_GetArraySize(arr)) {
		printf("%s\n", TR("Aucune alarme en cours.", "No active alarm."));
	} else {
		cJSON_ArrayForEach(a, arr) {
			const cJSON *k = cJSON_GetObjectItemCaseSensitive(a, "kind");
			const cJSON *b = cJSON_GetObjectItemCaseSensitive(a, "box");
			const cJSON *ch = cJSON_GetObjectItemCaseSensitive(a, "channel");
			printf("%-24s %s", label(cJSON_IsString(k) ? k->valuestring : "?"),
			       cJSON_IsString(b) ? b->valuestring : "?");
			if (cJSON_IsNumber(ch) && ch->valueint > 0)
				printf(TR(" canal %d", " channel %d"), ch->valueint);
			printf("\n");
		}
	}
	cJSON_Delete(ans);
	return 0;
}
