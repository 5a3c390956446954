/* cmd_override.c — `decran override …` and `decran grid-alert …`: the
 * run-time inputs of the schedule, stored in the inventory database with
 * author, reason and expiry, cleared (never deleted) when lifted. */
#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_schedule.h"
#include "clock.h"
#include "cli_store.h"
#include "i18n.h"
#include "cli_gateway.h"
#include "overrides.h"

static void override_usage(FILE *f)
{
	fputs(TR("usage : decran override add ÉCRAN --off|--on (--until 'AAAA-MM-JJ HH:MM' | --for DURÉE)\n"
		 "                            [--from 'AAAA-MM-JJ HH:MM'] --reason TEXTE [--actor NOM]\n"
		 "        decran override list [--all] [--json]\n"
		 "        decran override clear (ID | --screen ÉCRAN | --all) [--actor NOM]\n"
		 "--off force l'arrêt (toujours permis) ; --on force l'allumage, sauf contre la règle\n"
		 "nationale 01:00-06:00, une alerte réseau ou un écran déposé (refusé, et expliqué).\n"
		 "DURÉE : 90m, 2h, 3d.  Heures locales du fuseau des règles.  list montre les forçages\n"
		 "en cours ou à venir (--all : tout l'historique).\n",
		 "usage: decran override add SCREEN --off|--on (--until 'YYYY-MM-DD HH:MM' | --for DURATION)\n"
		 "                           [--from 'YYYY-MM-DD HH:MM'] --reason TEXT [--actor NAME]\n"
		 "       decran override list [--all] [--json]\n"
		 "       decran override clear (ID | --screen SCREEN | --all) [--actor NAME]\n"
		 "--off forces off (always allowed); --on forces on, except against the national\n"
		 "01:00-06:00 rule, a grid alert or a removed screen (refused, and explained).\n"
		 "DURATION: 90m, 2h, 3d.  Local times of the rules' zone.  list shows overrides in\n"
		 "force or to come (--all: the whole history).\n"), f);
}

static void alert_usage(FILE *f)
{
	fputs(TR("usage : decran grid-alert add (--until 'AAAA-MM-JJ HH:MM' | --for DURÉE) [--from …]\n"
		 "                              [--categories cat1,cat2] [--source NOM] [--reason TEXTE]\n"
		 "        decran grid-alert list [--all] [--json]\n"
		 "        decran grid-alert clear (ID | --all) [--actor NOM]\n"
		 "Une alerte (signal EcoWatt rouge, par ex.) éteint pendant sa période les catégories\n"
		 "données, sinon celles de grid_alert.categories dans les règles.\n",
		 "usage: decran grid-alert add (--until 'YYYY-MM-DD HH:MM' | --for DURATION) [--from …]\n"
		 "                             [--categories cat1,cat2] [--source NAME] [--reason TEXT]\n"
		 "       decran grid-alert list [--all] [--json]\n"
		 "       decran grid-alert clear (ID | --all) [--actor NAME]\n"
		 "An alert (e.g. an EcoWatt red signal) turns off, during its period, the given\n"
		 "categories, else those of grid_alert.categories in the rules.\n"), f);
}

static const struct option common_opts[] = {
	{ "off", no_argument, NULL, '0' },
	{ "on", no_argument, NULL, '1' },
	{ "from", required_argument, NULL, 'f' },
	{ "until", required_argument, NULL, 'u' },
	{ "for", required_argument, NULL, 'F' },
	{ "reason", required_argument, NULL, 'R' },
	{ "actor", required_argument, NULL, 'a' },
	{ "rules", required_argument, NULL, 'r' },
	{ "categories", required_argument, NULL, 'c' },
	{ "source", required_argument, NULL, 'S' },
	{ "screen", required_argument, NULL, 's' },
	{ "all", no_argument, NULL, 'A' },
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct args {
	int kind;		/* -1 unset, DC_FORCE_OFF, DC_FORCE_ON */
	const char *from, *until, *dur, *reason, *actor, *rules, *cats, *source, *screen;
	bool all, json;
};

/* Parse options allowed by `allowed` (letters); returns -1 after printing usage. */
static int parse(int argc, char **argv, const char *allowed, void (*usage)(FILE *), struct args *a, int *rc)
{
	int c;

	memset(a, 0, sizeof *a);
	a->kind = -1;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", common_opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			*rc = 0;
			return -1;
		}
		if (c == '?' || c == ':' || !strchr(allowed, c)) {
			*rc = cli_usage_error(usage, argv[optind - 1]);
			return -1;
		}
		switch (c) {
		case '0': a->kind = DC_FORCE_OFF; break;
		case '1': a->kind = DC_FORCE_ON; break;
		case 'f': a->from = optarg; break;
		case 'u': a->until = optarg; break;
		case 'F': a->dur = optarg; break;
		case 'R': a->reason = optarg; break;
		case 'a': a->actor = optarg; break;
		case 'r': a->rules = optarg; break;
		case 'c': a->cats = optarg; break;
		case 'S': a->source = optarg; break;
		case 's': a->screen = optarg; break;
		case 'A': a->all = true; break;
		case 'j': a->json = true; break;
		}
	}
	return 0;
}

/* --from (default now) and --until or --for; 0 or EXIT_USAGE after a message. */
static int period(const struct args *a, int64_t *from, int64_t *until)
{
	int64_t d;

	*from = cli_now();
	if (a->from && cli_parse_local(a->from, from) < 0) {
		fprintf(stderr, TR("decran : --from « %s » : AAAA-MM-JJ HH:MM attendu\n",
				   "decran: --from '%s': YYYY-MM-DD HH:MM expected\n"), a->from);
		return EXIT_USAGE;
	}
	if (!!a->until == !!a->dur) {
		fprintf(stderr, "%s", TR("decran : une échéance est obligatoire : --until ou --for (une seule)\n",
					 "decran: an expiry is required: --until or --for (one of them)\n"));
		return EXIT_USAGE;
	}
	if (a->until && cli_parse_local(a->until, until) < 0) {
		fprintf(stderr, TR("decran : --until « %s » : AAAA-MM-JJ HH:MM attendu\n",
				   "decran: --until '%s': YYYY-MM-DD HH:MM expected\n"), a->until);
		return EXIT_USAGE;
	}
	if (a->dur) {
		if (cli_parse_duration(a->dur, &d) < 0) {
			fprintf(stderr, TR("decran : --for « %s » : durée attendue (90m, 2h, 3d)\n",
					   "decran: --for '%s': duration expected (90m, 2h, 3d)\n"), a->dur);
			return EXIT_USAGE;
		}
		*until = *from + d;
	}
	if (*until <= *from) {
		fprintf(stderr, "%s", TR("decran : l'échéance doit suivre le début\n",
					 "decran: the expiry must be after the start\n"));
		return EXIT_USAGE;
	}
	return 0;
}

static void print_json(cJSON *j)
{
	char *s = cJSON_Print(j);

	if (s)
		printf("%s\n", s);
	free(s);
	cJSON_Delete(j);
}

static int override_add(struct cli *cli, int argc, char **argv)
{
	struct args a;
	int rc = 0;
	int64_t from, until, id;
	char err[512], w1[32], w2[32];

	if (parse(argc, argv, "01fuFRar", override_usage, &a, &rc) < 0)
		return rc;
	if (argc - optind != 1 || a.kind < 0 || !a.reason || !*a.reason) {
		fprintf(stderr, "%s", TR("decran : ÉCRAN, --off ou --on, et --reason sont obligatoires\n",
					 "decran: SCREEN, --off or --on, and --reason are required\n"));
		override_usage(stderr);
		return EXIT_USAGE;
	}
	cli_zone_from_rules(cli, a.rules);
	if ((rc = period(&a, &from, &until)) != 0)
		return rc;
	struct dc_override o = { .kind = a.kind, .from = from, .until = until };
	snprintf(o.screen, sizeof o.screen, "%s", argv[optind]);
	snprintf(o.author, sizeof o.author, "%s", cli_actor(a.actor));
	snprintf(o.reason, sizeof o.reason, "%s", a.reason);
	struct dc_store *st = cli_open_store(cli);
	if (!st)
		return 1;
	if (gw_override_add(st, &o, cli_now(), &id, err, sizeof err) < 0) {
		fprintf(stderr, "decran: %s\n", err);
		dc_store_close(st);
		return 1;
	}
	dc_store_close(st);
	printf(TR("Forçage n° %lld : %s %s du %s au %s (%s : %s).\n",
		  "Override #%lld: %s %s from %s until %s (%s: %s).\n"),
	       (long long)id, o.screen, a.kind == DC_FORCE_ON ? TR("allumé", "on") : TR("éteint", "off"),
	       cli_fmt_local(from, w1, sizeof w1), cli_fmt_local(until, w2, sizeof w2), o.author, o.reason);
	if (a.kind == DC_FORCE_ON)
		printf("%s", TR("Note : un forçage à l'allumage ne prévaut ni sur la règle nationale 01:00-06:00, "
				"ni sur une alerte réseau, ni sur un écran déposé.\n",
				"Note: a force-on never prevails over the national 01:00-06:00 rule, a grid "
				"alert, or a removed screen.\n"));
	cli_gateway_reload(NULL);	/* the running gateway applies it now */
	return 0;
}

static int override_list(struct cli *cli, int argc, char **argv)
{
	struct args a;
	int rc = 0;
	struct gw_override_row *rows;
	size_t n;
	char err[512], w1[32], w2[32], iso[32];

	if (parse(argc, argv, "Ajr", override_usage, &a, &rc) < 0)
		return rc;
	if (argc != optind)
		return cli_usage_error(override_usage, argv[optind]);
	cli_zone_from_rules(cli, a.rules);
	struct dc_store *st = cli_open_store(cli);
	if (!st)
		return 1;
	if (gw_override_list(st, cli_now(), a.all, &rows, &n, err, sizeof err) < 0) {
		fprintf(stderr, "decran: %s\n", err);
		dc_store_close(st);
		return 1;
	}
	dc_store_close(st);
	if (a.json) {
		cJSON *j = cJSON_CreateArray();
		for (size_t i = 0; i < n; i++) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddNumberToObject(o, "id", (double)rows[i].id);
			cJSON_AddStringToObject(o, "screen", rows[i].o.screen);
			cJSON_AddStringToObject(o, "kind", rows[i].o.kind == DC_FORCE_ON ? "force_on" : "force_off");
			cJSON_AddStringToObject(o, "from", dc_format_utc(iso, sizeof iso, rows[i].o.from));
			cJSON_AddStringToObject(o, "until", dc_format_utc(iso, sizeof iso, rows[i].o.until));
			cJSON_AddStringToObject(o, "author", rows[i].o.author);
			cJSON_AddStringToObject(o, "reason", rows[i].o.reason);
			if (rows[i].cleared)
				cJSON_AddStringToObject(o, "cleared", dc_format_utc(iso, sizeof iso, rows[i].cleared));
			cJSON_AddItemToArray(j, o);
		}
		print_json(j);
	} else if (!n) {
		printf("%s", TR("Aucun forçage en cours.\n", "No override in force.\n"));
	} else {
		for (size_t i = 0; i < n; i++)
			printf("%4lld  %-24s %-8s %s → %s  %s : %s%s\n", (long long)rows[i].id, rows[i].o.screen,
			       rows[i].o.kind == DC_FORCE_ON ? TR("allumé", "on") : TR("éteint", "off"),
			       cli_fmt_local(rows[i].o.from, w1, sizeof w1),
			       cli_fmt_local(rows[i].o.until, w2, sizeof w2), rows[i].o.author, rows[i].o.reason,
			       rows[i].cleared ? TR(" (levé)", " (cleared)") : "");
	}
	free(rows);
	return 0;
}

static int parse_id(const char *s, int64_t *id)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	if (!*s || *end || v <= 0)
		return -1;
	*id = v;
	return 0;
}

static int override_clear(struct cli *cli, int argc, char **argv)
{
	struct args a;
	int rc = 0, count;
	int64_t id = 0;
	char err[512];

	if (parse(argc, argv, "saA", override_usage, &a, &rc) < 0)
		return rc;
	int targets = (argc - optind == 1) + !!a.screen + a.all;
	if (targets != 1 || argc - optind > 1 || (argc - optind == 1 && parse_id(argv[optind], &id) < 0)) {
		override_usage(stderr);
		return EXIT_USAGE;
	}
	struct dc_store *st = cli_open_store(cli);
	if (!st)
		return 1;
	rc = gw_override_clear(st, id, a.screen, cli_actor(a.actor), cli_now(), &count, err, sizeof err);
	dc_store_close(st);
	if (rc < 0) {
		fprintf(stderr, "decran: %s\n", err);
		return 1;
	}
	if (id && !count) {
		fprintf(stderr, TR("decran : aucun forçage en cours n° %lld\n", "decran: no override #%lld in force\n"),
			(long long)id);
		return 1;
	}
	printf(TR("%d forçage(s) levé(s).\n", "%d override(s) cleared.\n"), count);
	if (count)
		cli_gateway_reload(NULL);
	return 0;
}

int cmd_override(struct cli *cli, int argc, char **argv)
{
	if (argc < 2) {
		override_usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		override_usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "add") == 0)
		return override_add(cli, argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0)
		return override_list(cli, argc - 1, argv + 1);
	if (strcmp(argv[1], "clear") == 0)
		return override_clear(cli, argc - 1, argv + 1);
	fprintf(stderr, TR("decran : sous-commande inconnue « override %s »\n",
			   "decran: unknown sub-command 'override %s'\n"), argv[1]);
	override_usage(stderr);
	return EXIT_USAGE;
}

/* "advertising,information" → bitmask; -1 naming the bad one. */
static int parse_categories(const char *s, unsigned *mask)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof buf, "%s", s);
	*mask = 0;
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int c = dc_category_parse(tok);
		if (c < 0) {
			fprintf(stderr, TR("decran : catégorie inconnue « %s »\n", "decran: unknown category '%s'\n"), tok);
			return -1;
		}
		*mask |= 1u << c;
	}
	return *mask ? 0 : -1;
}

static int alert_add(struct cli *cli, int argc, char **argv)
{
	struct args a;
	int rc = 0;
	int64_t from, until, id;
	char err[512], w1[32], w2[32];
	struct dc_grid_alert g = { 0 };

	if (parse(argc, argv, "fuFRarcS", alert_usage, &a, &rc) < 0)
		return rc;
	if (argc != optind)
		return cli_usage_error(alert_usage, argv[optind]);
	cli_zone_from_rules(cli, a.rules);
	if ((rc = period(&a, &from, &until)) != 0)
		return rc;
	if (a.cats && parse_categories(a.cats, &g.categories) < 0)
		return EXIT_USAGE;
	g.from = from;
	g.until = until;
	if (a.source)
		snprintf(g.source, sizeof g.source, "%s", a.source);
	else
		snprintf(g.source, sizeof g.source, "cli:%s", cli_actor(a.actor));
	snprintf(g.reason, sizeof g.reason, "%s", a.reason ? a.reason : "");
	struct dc_store *st = cli_open_store(cli);
	if (!st)
		return 1;
	if (gw_alert_add(st, &g, cli_now(), &id, err, sizeof err) < 0) {
		fprintf(stderr, "decran: %s\n", err);
		dc_store_close(st);
		return 1;
	}
	dc_store_close(st);
	printf(TR("Alerte réseau n° %lld (%s) du %s au %s.\n", "Grid alert #%lld (%s) from %s until %s.\n"),
	       (long long)id, g.source, cli_fmt_local(from, w1, sizeof w1), cli_fmt_local(until, w2, sizeof w2));
	cli_gateway_reload(NULL);
	return 0;
}

static void cats_text(unsigned mask, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = 0;
	if (!mask) {
		snprintf(buf, len, "%s", TR("(catégories des règles)", "(rules' categories)"));
		return;
	}
	for (int c = 0; c < DC_CAT__COUNT; c++)
		if (mask >> c & 1)
			n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? "," : "",
					      dc_category_name((enum dc_category)c));
}

static int alert_list(struct cli *cli, int argc, char **argv)
{
	struct args a;
	int rc = 0;
	struct gw_alert_row *rows;
	size_t n;
	char err[512], w1[32], w2[32], iso[32], cats[200];

	if (parse(argc, argv, "Ajr", alert_usage, &a, &rc) < 0)
		return rc;
	if (argc != optind)
		return cli_usage_error(alert_usage, argv[optind]);
	cli_zone_from_rules(cli, a.rules);
	struct dc_store *st = cli_open_store(cli);
	if (!st)
		return 1;
	if (gw_alert_list(st, cli_now(), a.all, &rows, &n, err, sizeof err) < 0) {
		fprintf(stderr, "decran: %s\n", err);
		dc_store_close(st);
		return 1;
	}
	dc_store_close(st);
	if (a.json) {
		cJSON *j = cJSON_CreateArray();
		for (size_t i = 0; i < n; i++) {
			cJSON *o = cJSON_CreateObject(), *c = cJSON_CreateArray();
			cJSON_AddNumberToObject(o, "id", (double)rows[i].id);
			cJSON_AddStringToObject(o, "from", dc_format_utc(iso, sizeof iso, rows[i].a.from));
			cJSON_AddStringToObject(o, "until", dc_format_utc(iso, sizeof iso, rows[i].a.until));
			for (int k = 0; k < DC_CAT__COUNT; k++)
				if (rows[i].a.categories >> k & 1)
					cJSON_AddItemToArray(c, cJSON_CreateString(dc_category_name((enum dc_category)k)));
			cJSON_AddItemToObject(o, "categories", c);
			cJSON_AddStringToObject(o, "source", rows[i].a.source);
			cJSON_AddStringToObject(o, "reason", rows[i].a.reason);
			if (rows[i].cleared)
				cJSON_AddStringToObject(o, "cleared", dc_format_utc(iso, sizeof iso, rows[i].cleared));
			cJSON_AddItemToArray(j, o);
		}
		print_json(j);
	} else if (!n) {
		printf("%s", TR("Aucune alerte réseau en cours.\n", "No grid alert in force.\n"));
	} else {
		for (size_t i = 0; i < n; i++) {
			cats_text(rows[i].a.categories, cats, sizeof cats);
			printf("%4lld  %s → %s  %s  %s %s%s\n", (long long)rows[i].id,
			       cli_fmt_local(rows[i].a.from, w1, sizeof w1), cli_fmt_local(rows[i].a.until, w2, sizeof w2),
			       cats, rows[i].a.source, rows[i].a.reason,
			       rows[i].cleared ? TR(" (levée)", " (cleared)") : "");
		}
	}
	free(rows);
	return 0;
}

static int alert_clear(struct cli *cli, int argc, char **argv)
{
	struct args a;
	int rc = 0, count;
	int64_t id = 0;
	char err[512];

	if (parse(argc, argv, "aA", alert_usage, &a, &rc) < 0)
		return rc;
	int targets = (argc - optind == 1) + a.all;
	if (targets != 1 || argc - optind > 1 || (argc - optind == 1 && parse_id(argv[optind], &id) < 0)) {
		alert_usage(stderr);
		return EXIT_USAGE;
	}
	struct dc_store *st = cli_open_store(cli);
	if (!st)
		return 1;
	rc = gw_alert_clear(st, id, cli_actor(a.actor), cli_now(), &count, err, sizeof err);
	dc_store_close(st);
	if (rc < 0) {
		fprintf(stderr, "decran: %s\n", err);
		return 1;
	}
	if (id && !count) {
		fprintf(stderr, TR("decran : aucune alerte en cours n° %lld\n", "decran: no grid alert #%lld in force\n"),
			(long long)id);
		return 1;
	}
	printf(TR("%d alerte(s) levée(s).\n", "%d alert(s) cleared.\n"), count);
	if (count)
		cli_gateway_reload(NULL);
	return 0;
}

int cmd_grid_alert(struct cli *cli, int argc, char **argv)
{
	if (argc < 2) {
		alert_usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		alert_usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "add") == 0)
		return alert_add(cli, argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0)
		return alert_list(cli, argc - 1, argv + 1);
	if (strcmp(argv[1], "clear") == 0)
		return alert_clear(cli, argc - 1, argv + 1);
	fprintf(stderr, TR("decran : sous-commande inconnue « grid-alert %s »\n",
			   "decran: unknown sub-command 'grid-alert %s'\n"), argv[1]);
	alert_usage(stderr);
	return EXIT_USAGE;
}
