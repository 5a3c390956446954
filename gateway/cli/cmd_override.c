/* cmd_override.c — `decran override …` and `decran grid-alert …`: the
 * run-time inputs of the schedule, stored in the inventory database with
 * author, reason and expiry, cleared (never deleted) when lifted. */
#include <cjson/cJSON.h>
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

/* Every option of the add, list and clear verbs; each verb's table picks
 * its own. */
struct args {
	int kind;		/* -1 unset, DC_FORCE_OFF, DC_FORCE_ON */
	const char *from, *until, *dur, *reason, *actor, *rules, *cats, *source, *screen;
	int all, json;
};

/* The options both `add` verbs take; each adds its own. */
#define ADD_OPTS(a) \
	CLI_OPT_ARG("from", &(a).from), CLI_OPT_ARG("until", &(a).until), \
	CLI_OPT_ARG("for", &(a).dur), CLI_OPT_ARG("reason", &(a).reason), \
	CLI_OPT_ARG("actor", &(a).actor), CLI_OPT_ARG("rules", &(a).rules)

static bool alerts(const struct cli *cli)
{
	return cli->group == &cmd_grid_alert;
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

/* Store a new override (o) or grid alert (g); 0, or 1 after the message. */
static int save(struct cli *cli, const struct dc_override *o, const struct dc_grid_alert *g,
		int64_t *id)
{
	char err[512];
	struct dc_store *st = cli_open_store(cli);
	int rc;

	if (!st)
		return 1;
	rc = o ? gw_override_add(st, o, cli_now(), id, err, sizeof err)
	       : gw_alert_add(st, g, cli_now(), id, err, sizeof err);
	dc_store_close(st);
	if (rc < 0) {
		fprintf(stderr, "decran: %s\n", err);
		return 1;
	}
	return 0;
}

static int override_add(struct cli *cli, int argc, char **argv)
{
	struct args a = { .kind = -1 };
	const struct cli_opt opts[] = {
		ADD_OPTS(a), CLI_OPT_SET("off", &a.kind, DC_FORCE_OFF), CLI_OPT_SET("on", &a.kind, DC_FORCE_ON),
		CLI_OPT_END
	};
	int first, rc;
	int64_t from, until, id;
	char w1[32], w2[32];

	if ((rc = cli_parse_opts(argc, argv, opts, override_usage, &first)) >= 0)
		return rc;
	if (argc - first != 1 || a.kind < 0 || !a.reason || !*a.reason) {
		fprintf(stderr, "%s", TR("decran : ÉCRAN, --off ou --on, et --reason sont obligatoires\n",
					 "decran: SCREEN, --off or --on, and --reason are required\n"));
		override_usage(stderr);
		return EXIT_USAGE;
	}
	cli_zone_from_rules(cli, a.rules);
	if ((rc = period(&a, &from, &until)) != 0)
		return rc;
	struct dc_override o = { .kind = a.kind, .from = from, .until = until };
	snprintf(o.screen, sizeof o.screen, "%s", argv[first]);
	snprintf(o.author, sizeof o.author, "%s", cli_actor(a.actor));
	snprintf(o.reason, sizeof o.reason, "%s", a.reason);
	if (save(cli, &o, NULL, &id))
		return 1;
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
	struct args a = { .kind = -1 };
	const struct cli_opt opts[] = {
		ADD_OPTS(a), CLI_OPT_ARG("categories", &a.cats), CLI_OPT_ARG("source", &a.source), CLI_OPT_END
	};
	int first, rc;
	int64_t from, until, id;
	char w1[32], w2[32];
	struct dc_grid_alert g = { 0 };

	if ((rc = cli_parse_opts(argc, argv, opts, alert_usage, &first)) >= 0)
		return rc;
	if (argc != first)
		return cli_usage_error(alert_usage, argv[first]);
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
	if (save(cli, NULL, &g, &id))
		return 1;
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

/* One override of `list`: into the JSON array j, else a line of text. */
static void override_row(const struct gw_override_row *r, cJSON *j)
{
	char w1[32], w2[32], iso[32];

	if (!j) {
		printf("%4lld  %-24s %-8s %s → %s  %s : %s%s\n", (long long)r->id, r->o.screen,
		       r->o.kind == DC_FORCE_ON ? TR("allumé", "on") : TR("éteint", "off"),
		       cli_fmt_local(r->o.from, w1, sizeof w1), cli_fmt_local(r->o.until, w2, sizeof w2),
		       r->o.author, r->o.reason, r->cleared ? TR(" (levé)", " (cleared)") : "");
		return;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)r->id);
	cJSON_AddStringToObject(o, "screen", r->o.screen);
	cJSON_AddStringToObject(o, "kind", r->o.kind == DC_FORCE_ON ? "force_on" : "force_off");
	cJSON_AddStringToObject(o, "from", dc_format_utc(iso, sizeof iso, r->o.from));
	cJSON_AddStringToObject(o, "until", dc_format_utc(iso, sizeof iso, r->o.until));
	cJSON_AddStringToObject(o, "author", r->o.author);
	cJSON_AddStringToObject(o, "reason", r->o.reason);
	if (r->cleared)
		cJSON_AddStringToObject(o, "cleared", dc_format_utc(iso, sizeof iso, r->cleared));
	cJSON_AddItemToArray(j, o);
}

/* One grid alert of `list`, likewise. */
static void alert_row(const struct gw_alert_row *r, cJSON *j)
{
	char w1[32], w2[32], iso[32], cats[200];

	if (!j) {
		cats_text(r->a.categories, cats, sizeof cats);
		printf("%4lld  %s → %s  %s  %s %s%s\n", (long long)r->id,
		       cli_fmt_local(r->a.from, w1, sizeof w1), cli_fmt_local(r->a.until, w2, sizeof w2),
		       cats, r->a.source, r->a.reason, r->cleared ? TR(" (levée)", " (cleared)") : "");
		return;
	}
	cJSON *o = cJSON_CreateObject(), *c = cJSON_CreateArray();
	cJSON_AddNumberToObject(o, "id", (double)r->id);
	cJSON_AddStringToObject(o, "from", dc_format_utc(iso, sizeof iso, r->a.from));
	cJSON_AddStringToObject(o, "until", dc_format_utc(iso, sizeof iso, r->a.until));
	for (int k = 0; k < DC_CAT__COUNT; k++)
		if (r->a.categories >> k & 1)
			cJSON_AddItemToArray(c, cJSON_CreateString(dc_category_name((enum dc_category)k)));
	cJSON_AddItemToObject(o, "categories", c);
	cJSON_AddStringToObject(o, "source", r->a.source);
	cJSON_AddStringToObject(o, "reason", r->a.reason);
	if (r->cleared)
		cJSON_AddStringToObject(o, "cleared", dc_format_utc(iso, sizeof iso, r->cleared));
	cJSON_AddItemToArray(j, o);
}

/* `override list` and `grid-alert list`. */
static int list(struct cli *cli, int argc, char **argv)
{
	bool al = alerts(cli);
	void (*usage)(FILE *) = cli->group->usage;
	struct args a = { .kind = -1 };
	const struct cli_opt opts[] = {
		CLI_OPT_FLAG("all", &a.all), CLI_OPT_FLAG("json", &a.json), CLI_OPT_ARG("rules", &a.rules),
		CLI_OPT_END
	};
	struct gw_override_row *ov = NULL;
	struct gw_alert_row *gr = NULL;
	size_t n;
	int first, rc;
	char err[512];

	if ((rc = cli_parse_opts(argc, argv, opts, usage, &first)) >= 0)
		return rc;
	if (argc != first)
		return cli_usage_error(usage, argv[first]);
	cli_zone_from_rules(cli, a.rules);
	struct dc_store *st = cli_open_store(cli);
	if (!st)
		return 1;
	rc = al ? gw_alert_list(st, cli_now(), a.all, &gr, &n, err, sizeof err)
		: gw_override_list(st, cli_now(), a.all, &ov, &n, err, sizeof err);
	dc_store_close(st);
	if (rc < 0) {
		fprintf(stderr, "decran: %s\n", err);
		return 1;
	}
	cJSON *j = a.json ? cJSON_CreateArray() : NULL;
	if (!j && !n)
		printf("%s", al ? TR("Aucune alerte réseau en cours.\n", "No grid alert in force.\n")
				: TR("Aucun forçage en cours.\n", "No override in force.\n"));
	for (size_t i = 0; i < n; i++) {
		if (al)
			alert_row(&gr[i], j);
		else
			override_row(&ov[i], j);
	}
	if (j)
		cli_print_json(j);
	free(ov);
	free(gr);
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

/* `override clear (ID | --screen SCREEN | --all)` and `grid-alert clear (ID | --all)`. */
static int clear(struct cli *cli, int argc, char **argv)
{
	bool al = alerts(cli);
	void (*usage)(FILE *) = cli->group->usage;
	struct args a = { .kind = -1 };
	struct cli_opt opts[] = {
		CLI_OPT_ARG("actor", &a.actor), CLI_OPT_FLAG("all", &a.all),
		CLI_OPT_ARG("screen", &a.screen), CLI_OPT_END
	};
	int first, rc, count;
	int64_t id = 0;
	char err[512];

	if (al)
		opts[2] = (struct cli_opt)CLI_OPT_END;	/* --screen: overrides only */
	if ((rc = cli_parse_opts(argc, argv, opts, usage, &first)) >= 0)
		return rc;
	int targets = (argc - first == 1) + !!a.screen + a.all;
	if (targets != 1 || argc - first > 1 || (argc - first == 1 && parse_id(argv[first], &id) < 0)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	struct dc_store *st = cli_open_store(cli);
	if (!st)
		return 1;
	rc = al ? gw_alert_clear(st, id, cli_actor(a.actor), cli_now(), &count, err, sizeof err)
		: gw_override_clear(st, id, a.screen, cli_actor(a.actor), cli_now(), &count, err, sizeof err);
	dc_store_close(st);
	if (rc < 0) {
		fprintf(stderr, "decran: %s\n", err);
		return 1;
	}
	if (id && !count) {
		fprintf(stderr, al ? TR("decran : aucune alerte en cours n° %lld\n", "decran: no grid alert #%lld in force\n")
				   : TR("decran : aucun forçage en cours n° %lld\n", "decran: no override #%lld in force\n"),
			(long long)id);
		return 1;
	}
	printf(al ? TR("%d alerte(s) levée(s).\n", "%d alert(s) cleared.\n")
		  : TR("%d forçage(s) levé(s).\n", "%d override(s) cleared.\n"), count);
	if (count)
		cli_gateway_reload(NULL);
	return 0;
}

static const struct cli_verb override_verbs[] = {
	{ "add", override_add, NULL, NULL },
	{ "list", list, NULL, NULL },
	{ "clear", clear, NULL, NULL },
	{ NULL, NULL, NULL, NULL },
};

static const struct cli_verb alert_verbs[] = {
	{ "add", alert_add, NULL, NULL },
	{ "list", list, NULL, NULL },
	{ "clear", clear, NULL, NULL },
	{ NULL, NULL, NULL, NULL },
};

const struct cli_group cmd_override = {
	"override", override_usage, CLI_UNKNOWN_QUOTED, override_verbs
};

const struct cli_group cmd_grid_alert = {
	"grid-alert", alert_usage, CLI_UNKNOWN_QUOTED, alert_verbs
};
