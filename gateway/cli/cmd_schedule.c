/* cmd_schedule.c — `decran schedule check | explain | preview`: validate a
 * rules file, say why a screen is on or off (French sentences by default),
 * and list every on/off transition over a period. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_schedule.h"
#include "clock.h"
#include "cli_store.h"
#include "i18n.h"
#include "overrides.h"
#include "rules_lint.h"
#include "schedule.h"
#include "store.h"

static void usage(FILE *f)
{
	fputs(TR("usage : decran schedule check FICHIER [--db BASE] [--json]\n"
		 "        decran schedule explain ÉCRAN [--at 'AAAA-MM-JJ HH:MM'] [--rules FICHIER] [--json]\n"
		 "        decran schedule preview [--screen ÉCRAN] --from 'AAAA-MM-JJ[ HH:MM]' --to '…'\n"
		 "                                [--rules FICHIER] [--json]\n"
		 "        decran schedule fallback COFFRET [--from 'AAAA-MM-JJ[ HH:MM]'] [--days 14] [--rules FICHIER]\n"
		 "check valide un fichier de règles ; avec --db, chaque site, écran et dérogation\n"
		 "qu'il nomme doit exister dans l'inventaire (sinon échec, avec la valeur la plus\n"
		 "proche), et il avertit des données à compléter (mobilier de transport sans\n"
		 "affichage déclaré).  explain dit pourquoi un écran est allumé ou éteint\n"
		 "(maintenant, ou à --at, heure locale du fuseau des règles), règle par règle dans\n"
		 "l'ordre de priorité.  preview liste chaque passage\n"
		 "allumé/éteint sur la période (400 jours au plus).  fallback imprime le plan de\n"
		 "secours compilé d'un coffret (JSON, docs/protocol.md).\n"
		 "Fichier de règles : --rules, sinon $DECRAN_RULES, sinon rules.json à côté de la base.\n"
		 "Les forçages et alertes réseau en cours (decran override / grid-alert) sont pris en compte.\n",
		 "usage: decran schedule check FILE [--db DATABASE] [--json]\n"
		 "       decran schedule explain SCREEN [--at 'YYYY-MM-DD HH:MM'] [--rules FILE] [--json]\n"
		 "       decran schedule preview [--screen SCREEN] --from 'YYYY-MM-DD[ HH:MM]' --to '…'\n"
		 "                               [--rules FILE] [--json]\n"
		 "       decran schedule fallback BOX [--from 'YYYY-MM-DD[ HH:MM]'] [--days 14] [--rules FILE]\n"
		 "check validates a rules file; with --db, every site, screen and derogation it\n"
		 "names must exist in the inventory (else it fails, with the nearest value), and\n"
		 "it warns about data to complete (transport furniture with no declared display).\n"
		 "explain says why a screen is on or off (now, or at --at, local time of the\n"
		 "rules' zone), rule by rule in precedence order.  preview lists every on/off\n"
		 "transition in the period (at\n"
		 "most 400 days).  fallback prints a box's compiled fallback schedule (JSON,\n"
		 "docs/protocol.md).\n"
		 "Rules file: --rules, else $DECRAN_RULES, else rules.json beside the database.\n"
		 "Overrides and grid alerts in force (decran override / grid-alert) are applied.\n"), f);
}

static const char *state_word(bool on)
{
	return on ? TR("allumé", "on") : TR("éteint", "off");
}

struct undeclared {
	cJSON *json;	/* array of warnings, or NULL for text */
	long n;
};

/* Warnings, not errors: the rules are fine, the city's data is incomplete. */
static void list_undeclared(const struct dc_screen *s, struct undeclared *u)
{
	if (!dc_display_undeclared(s))
		return;
	u->n++;
	if (u->json) {
		cJSON *w = cJSON_CreateObject();
		cJSON_AddStringToObject(w, "screen", s->id);
		cJSON_AddStringToObject(w, "field", "display");
		cJSON_AddStringToObject(w, "message",
					TR("mobilier de transport sans affichage déclaré : traité comme "
					   "animé, donc éteint de 01:00 à 06:00 même en service",
					   "transport furniture with no declared display: treated as "
					   "animated, so off from 01:00 to 06:00 even in service"));
		cJSON_AddItemToArray(u->json, w);
	} else {
		if (u->n == 1)
			printf("%s", TR("Avertissement : mobilier de transport sans affichage déclaré "
					"(display unknown), traité comme animé, donc éteint de 01:00 à 06:00\n"
					"même pendant le service (art. R581-35 : exemption pour images fixes "
					"seulement).\nDéclarez-le : decran screens edit ID --display fixed|animated\n",
					"Warning: transport furniture with no declared display (display unknown), "
					"treated as animated, so off from 01:00 to 06:00\neven in service "
					"(art. R581-35: exemption for fixed images only).\n"
					"Declare it: decran screens edit ID --display fixed|animated\n"));
		printf("  %s (%s)\n", s->id, s->name);
	}
}

/* The rules against the inventory of `db` (rules_lint.h) into *l; the
 * screens read stay in *screens for the inventory's own gaps
 * (list_undeclared).  -1 after a message
 * on stderr when the database cannot be read; check never creates one. */
static int lint_against(const struct dc_rules *r, const char *db, struct dc_lint *l,
			struct dc_screen **screens, size_t *nscreens)
{
	struct cli c = { .db_path = db };
	struct dc_sched_screen *v = NULL;
	const struct dc_screen_filter all = DC_SCREEN_FILTER_ALL;
	int rc = -1;

	if (access(db, F_OK) != 0) {
		fprintf(stderr, TR("decran : base introuvable : %s\n", "decran: no database at %s\n"), db);
		return -1;
	}
	struct dc_store *st = cli_open_store(&c);
	if (!st)
		return -1;
	if (dc_store_list_screens_array(st, &all, screens, nscreens) < 0) {
		fprintf(stderr, "decran: %s\n", dc_store_errmsg(st));
		goto out;
	}
	if (!(v = malloc((*nscreens ? *nscreens : 1) * sizeof *v)))
		goto out;
	for (size_t i = 0; i < *nscreens; i++)
		v[i] = dc_sched_screen_of(&(*screens)[i]);
	rc = dc_rules_lint(r, v, *nscreens, l);
out:
	free(v);
	dc_store_close(st);
	return rc;
}

static int check(struct cli *cli, int argc, char **argv)
{
	int json = 0, first, rc;
	const char *db = cli->db_given ? cli->db_path : NULL;
	const struct cli_opt opts[] = { CLI_OPT_FLAG("json", &json), CLI_OPT_ARG("db", &db), CLI_OPT_END };
	char err[1024], msg[1024];
	struct dc_lint lint = { 0 };
	struct dc_screen *screens = NULL;
	size_t nscreens = 0;

	if ((rc = cli_parse_opts(argc, argv, opts, usage, &first)) >= 0)
		return rc;
	if (argc - first != 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *file = argv[first];
	struct dc_rules *r = dc_rules_load(file, err, sizeof err);
	bool linted = r && db;
	if (linted && lint_against(r, db, &lint, &screens, &nscreens) < 0) {
		dc_lint_free(&lint);
		free(screens);
		dc_rules_free(r);
		return 1;
	}
	bool ok = r && !lint.errors;
	if (json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddBoolToObject(j, "ok", ok);
		cJSON_AddStringToObject(j, "file", file);
		if (!r)
			cJSON_AddStringToObject(j, "error", err);
		else {
			cJSON_AddStringToObject(j, "zone", r->zone);
			cJSON *p = cJSON_AddArrayToObject(j, "policies");
			for (size_t i = 0; i < r->npolicies; i++) {
				cJSON *o = cJSON_CreateObject();
				cJSON_AddStringToObject(o, "id", r->policies[i].id);
				cJSON_AddStringToObject(o, "effect", r->policies[i].on ? "on" : "off");
				cJSON_AddItemToArray(p, o);
			}
			cJSON *cal = cJSON_AddArrayToObject(j, "calendars");
			for (size_t i = 0; i < r->ncalendars; i++)
				cJSON_AddItemToArray(cal, cJSON_CreateString(r->calendars[i].name));
			cJSON_AddNumberToObject(j, "derogations", (double)r->nderogations);
		}
		if (linted) {
			struct undeclared u = { cJSON_AddArrayToObject(j, "warnings"), 0 };
			for (size_t i = 0; i < nscreens; i++)
				list_undeclared(&screens[i], &u);
			cJSON *fa = cJSON_AddArrayToObject(j, "findings");
			for (size_t i = 0; i < lint.n; i++) {
				const struct dc_lint_finding *f = &lint.v[i];
				cJSON *o = cJSON_CreateObject();
				dc_lint_message(f, msg, sizeof msg);
				cJSON_AddStringToObject(o, "severity", f->severity == DC_LINT_ERROR ? "error" : "warning");
				cJSON_AddStringToObject(o, "path", f->path);
				cJSON_AddStringToObject(o, f->derogation ? "derogation" : "policy", f->rule);
				cJSON_AddStringToObject(o, "value", f->value);
				if (*f->suggestion)
					cJSON_AddStringToObject(o, "suggestion", f->suggestion);
				cJSON_AddStringToObject(o, "message", msg);
				cJSON_AddItemToArray(fa, o);
			}
		}
		cli_print_json(j);
	} else if (!r) {
		fprintf(stderr, TR("decran : règles refusées : %s\n", "decran: rules refused: %s\n"), err);
	} else {
		for (size_t i = 0; i < lint.n; i++) {
			dc_lint_message(&lint.v[i], msg, sizeof msg);
			fprintf(stderr, "%s%s\n", lint.v[i].severity == DC_LINT_ERROR
				? TR("erreur : ", "error: ") : TR("avertissement : ", "warning: "), msg);
		}
		if (lint.errors)
			fprintf(stderr, TR("decran : règles refusées pour l'inventaire %s : %zu erreur(s)\n",
					   "decran: rules refused for the inventory %s: %zu error(s)\n"), db, lint.errors);
		else
			printf(TR("Règles valides : %s — fuseau %s, %zu règle(s), %zu dérogation(s), %zu calendrier(s).\n",
				  "Rules valid: %s — zone %s, %zu rule(s), %zu derogation(s), %zu calendar(s).\n"),
			       file, r->zone, r->npolicies, r->nderogations, r->ncalendars);
		for (size_t i = 0; !lint.errors && i < r->npolicies; i++)
			printf("  %2zu. %-24s %s\n", i + 1, r->policies[i].id,
			       r->policies[i].on ? TR("peut être allumé", "may be on") : TR("éteint", "off"));
		struct undeclared u = { NULL, 0 };
		for (size_t i = 0; i < nscreens; i++)
			list_undeclared(&screens[i], &u);
	}
	dc_lint_free(&lint);
	free(screens);
	dc_rules_free(r);
	return ok ? 0 : 1;
}

/* Everything explain and preview need; freed by done(). */
struct session {
	struct dc_rules *rules;
	struct dc_store *store;
	struct dc_override *ov;
	struct dc_grid_alert *al;
	struct dc_sched_ctx ctx;
};

static void done(struct session *s)
{
	dc_sched_ctx_release(&s->ctx);
	free(s->ov);
	free(s->al);
	if (s->store)
		dc_store_close(s->store);
	dc_rules_free(s->rules);
}

/* Rules (their zone becomes the process's) and store. */
static int open_session(struct cli *cli, const char *rules, struct session *s)
{
	memset(s, 0, sizeof *s);
	if (!(s->rules = cli_rules_load(cli, rules)))
		return -1;
	dc_tz_use(s->rules->zone);
	if (!(s->store = cli_open_store(cli)))
		return -1;
	return 0;
}

static int load_inputs(struct session *s, int64_t at)
{
	char err[512];
	size_t no, na;

	if (gw_schedule_inputs(s->store, at, &s->ov, &no, &s->al, &na, err, sizeof err) < 0) {
		fprintf(stderr, "decran: %s\n", err);
		return -1;
	}
	s->ctx = (struct dc_sched_ctx){ .overrides = s->ov, .noverrides = no, .alerts = s->al, .nalerts = na };
	return 0;
}

static const char *const step_kinds[] = { "removed", "force_off", "night_rule", "grid_alert",
					  "derogation", "force_on", "policy", "default" };
static const char *const outcomes[] = { "not_concerned", "not_now", "exempt", "lifted",
					"applied", "refused", "shadowed" };

static int explain(struct cli *cli, int argc, char **argv)
{
	const char *at = NULL, *rules = NULL;
	int json = 0, first, rc;
	const struct cli_opt opts[] = {
		CLI_OPT_ARG("at", &at), CLI_OPT_ARG("rules", &rules), CLI_OPT_FLAG("json", &json), CLI_OPT_END
	};

	if ((rc = cli_parse_opts(argc, argv, opts, usage, &first)) >= 0)
		return rc;
	if (argc - first != 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	struct session s;
	struct dc_screen scr;
	int64_t t = cli_now();

	rc = 1;
	if (open_session(cli, rules, &s) < 0)
		goto out;
	if (at && cli_parse_local(at, &t) < 0) {
		fprintf(stderr, TR("decran : --at « %s » : date attendue AAAA-MM-JJ HH:MM\n",
				   "decran: --at '%s': expected a date YYYY-MM-DD HH:MM\n"), at);
		rc = EXIT_USAGE;
		goto out;
	}
	if (!cli_get_screen(s.store, argv[first], &scr))
		goto out;
	if (load_inputs(&s, t) < 0)
		goto out;
	static struct dc_explanation e;
	char when[32], iso[32];
	dc_schedule_explain(s.rules, &s.ctx, &scr, t, &e);
	int64_t next = dc_schedule_next_transition(s.rules, &s.ctx, &scr, t);
	if (json) {
		cJSON *j = cJSON_CreateObject(), *steps;
		cJSON_AddStringToObject(j, "screen", scr.id);
		cJSON_AddStringToObject(j, "at", dc_format_utc(iso, sizeof iso, t));
		cJSON_AddStringToObject(j, "zone", s.rules->zone);
		cJSON_AddStringToObject(j, "state", e.on ? "on" : "off");
		cJSON_AddNumberToObject(j, "decisive", (double)e.decisive);
		steps = cJSON_AddArrayToObject(j, "steps");
		for (size_t i = 0; i < e.nsteps; i++) {
			const struct dc_explain_step *st = &e.steps[i];
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "kind", step_kinds[st->kind]);
			cJSON_AddStringToObject(o, "outcome", outcomes[st->outcome]);
			cJSON_AddStringToObject(o, "effect", st->effect_on ? "on" : "off");
			if (st->kind == DC_STEP_POLICY)
				cJSON_AddStringToObject(o, "policy", s.rules->policies[st->index].id);
			if (st->kind == DC_STEP_DEROGATION || (st->kind == DC_STEP_NIGHT && st->outcome == DC_OUT_LIFTED))
				cJSON_AddStringToObject(o, "derogation", s.rules->derogations[st->index].reference);
			if (st->kind == DC_STEP_NIGHT && e.furniture) {
				/* The transport exemption's two conditions. */
				cJSON_AddBoolToObject(o, "in_service", e.in_service);
				cJSON_AddStringToObject(o, "display", dc_display_name(scr.display));
				cJSON_AddBoolToObject(o, "fixed_images", e.fixed_images);
			}
			cJSON_AddItemToArray(steps, o);
		}
		if (next == INT64_MAX)
			cJSON_AddNullToObject(j, "next_change");
		else
			cJSON_AddStringToObject(j, "next_change", dc_format_utc(iso, sizeof iso, next));
		char *text = dc_explain_render_dup(s.rules, &s.ctx, &scr, &e, dc_lang(), 0);
		cJSON_AddStringToObject(j, "text", text ? text : "");
		free(text);
		cli_print_json(j);
	} else {
		char *text = dc_explain_render_dup(s.rules, &s.ctx, &scr, &e, dc_lang(), 0);
		fputs(text ? text : "", stdout);
		free(text);
		if (next == INT64_MAX)
			printf(TR("Aucun changement dans les 400 prochains jours.\n",
				  "No change within the next 400 days.\n"));
		else
			printf(TR("Prochain changement : %s → %s\n", "Next change: %s → %s\n"),
			       cli_fmt_local(next, when, sizeof when), state_word(!e.on));
	}
	rc = 0;
out:
	done(&s);
	return rc;
}

static int preview(struct cli *cli, int argc, char **argv)
{
	const char *screen = NULL, *from_s = NULL, *to_s = NULL, *rules = NULL;
	int json = 0, first, rc;
	const struct cli_opt opts[] = {
		CLI_OPT_ARG("screen", &screen), CLI_OPT_ARG("from", &from_s), CLI_OPT_ARG("to", &to_s),
		CLI_OPT_ARG("rules", &rules), CLI_OPT_FLAG("json", &json), CLI_OPT_END
	};

	if ((rc = cli_parse_opts(argc, argv, opts, usage, &first)) >= 0)
		return rc;
	if (argc != first || !from_s || !to_s) {
		usage(stderr);
		return EXIT_USAGE;
	}
	struct session s;
	struct dc_screen *list = NULL;
	size_t n = 0;
	int64_t from, to;

	rc = 1;
	if (open_session(cli, rules, &s) < 0)
		goto out;
	if (cli_parse_local(from_s, &from) < 0 || cli_parse_local(to_s, &to) < 0 || to <= from ||
	    to - from > DC_SCHEDULE_HORIZON) {
		fprintf(stderr, "%s", TR("decran : --from/--to : dates AAAA-MM-JJ[ HH:MM], --to après --from, "
					 "400 jours au plus\n",
					 "decran: --from/--to: dates YYYY-MM-DD[ HH:MM], --to after --from, "
					 "at most 400 days\n"));
		rc = EXIT_USAGE;
		goto out;
	}
	if (screen) {
		if (!(list = calloc(1, sizeof *list)))
			goto out;
		if (!cli_get_screen(s.store, screen, list))
			goto out;
		n = 1;
	} else {
		struct dc_screen_filter f = DC_SCREEN_FILTER_ALL;
		if (dc_store_list_screens_array(s.store, &f, &list, &n) < 0) {
			fprintf(stderr, "decran: %s\n", dc_store_errmsg(s.store));
			goto out;
		}
	}
	if (load_inputs(&s, from) < 0)
		goto out;
	char when[32], iso[32];
	cJSON *j = NULL, *arr = NULL;
	if (json) {
		j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "zone", s.rules->zone);
		cJSON_AddStringToObject(j, "from", dc_format_utc(iso, sizeof iso, from));
		cJSON_AddStringToObject(j, "to", dc_format_utc(iso, sizeof iso, to));
		arr = cJSON_AddArrayToObject(j, "screens");
	} else {
		char w2[32];
		printf(TR("# %s → %s, heure locale %s\n", "# %s → %s, local time %s\n"),
		       cli_fmt_local(from, when, sizeof when), cli_fmt_local(to, w2, sizeof w2), s.rules->zone);
		cli_print_cell(TR("écran", "screen"), 24);
		printf("  ");
		cli_print_cell(TR("heure", "time"), 16);
		printf("  %s\n", TR("état", "state"));
	}
	for (size_t i = 0; i < n; i++) {
		bool on = dc_schedule_evaluate(s.rules, &s.ctx, &list[i], from);
		cJSON *o = NULL, *tr = NULL;
		if (json) {
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "id", list[i].id);
			cJSON_AddStringToObject(o, "initial", on ? "on" : "off");
			tr = cJSON_AddArrayToObject(o, "transitions");
			cJSON_AddItemToArray(arr, o);
		} else {
			cli_print_cell(list[i].id, 24);
			printf("  %s  %s %s\n", cli_fmt_local(from, when, sizeof when), state_word(on),
			       TR("(début de période)", "(start of period)"));
		}
		for (int64_t t = from;;) {
			t = dc_schedule_next_transition(s.rules, &s.ctx, &list[i], t);
			if (t >= to)
				break;
			on = dc_schedule_evaluate(s.rules, &s.ctx, &list[i], t);
			if (json) {
				cJSON *x = cJSON_CreateObject();
				cJSON_AddStringToObject(x, "at", dc_format_utc(iso, sizeof iso, t));
				cJSON_AddStringToObject(x, "local", cli_fmt_local(t, when, sizeof when));
				cJSON_AddStringToObject(x, "state", on ? "on" : "off");
				cJSON_AddItemToArray(tr, x);
			} else {
				cli_print_cell(list[i].id, 24);
				printf("  %s  %s\n", cli_fmt_local(t, when, sizeof when), state_word(on));
			}
		}
	}
	if (json)
		cli_print_json(j);
	rc = 0;
out:
	free(list);
	done(&s);
	return rc;
}

/* The fallback message a relay box would receive (docs/protocol.md). */
static int fallback(struct cli *cli, int argc, char **argv)
{
	const char *from_s = NULL, *days_s = NULL, *rules = NULL;
	int first, rc;
	const struct cli_opt opts[] = {
		CLI_OPT_ARG("from", &from_s), CLI_OPT_ARG("days", &days_s), CLI_OPT_ARG("rules", &rules),
		CLI_OPT_END
	};
	long days = 14;
	char *end;

	if ((rc = cli_parse_opts(argc, argv, opts, usage, &first)) >= 0)
		return rc;
	if (days_s) {
		days = strtol(days_s, &end, 10);
		if (*end || days < 1 || days > 60)
			return cli_usage_error(usage, "--days");
	}
	if (argc - first != 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *box = argv[first];
	struct session s;
	struct dc_screen *list = NULL, *mine = NULL;
	size_t n = 0, k = 0;
	int64_t from = cli_now();
	static struct dc_fallback fb;
	char err[256];

	rc = 1;
	if (open_session(cli, rules, &s) < 0)
		goto out;
	if (from_s && cli_parse_local(from_s, &from) < 0) {
		fprintf(stderr, TR("decran : --from « %s » : AAAA-MM-JJ[ HH:MM] attendu\n",
				   "decran: --from '%s': YYYY-MM-DD[ HH:MM] expected\n"), from_s);
		rc = EXIT_USAGE;
		goto out;
	}
	struct dc_screen_filter f = DC_SCREEN_FILTER_ALL;
	if (dc_store_list_screens_array(s.store, &f, &list, &n) < 0) {
		fprintf(stderr, "decran: %s\n", dc_store_errmsg(s.store));
		goto out;
	}
	if (!(mine = calloc(n ? n : 1, sizeof *mine)))
		goto out;
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i].box, box) == 0 && list[i].channel > 0)
			mine[k++] = list[i];
	if (!k) {
		fprintf(stderr, TR("decran : aucun écran relié au coffret « %s »\n",
				   "decran: no screen bound to box '%s'\n"), box);
		goto out;
	}
	if (load_inputs(&s, from) < 0)
		goto out;
	if (dc_schedule_compile(s.rules, &s.ctx, box, mine, k, from, days * 86400, &fb, err, sizeof err) < 0) {
		fprintf(stderr, "decran: %s\n", err);
		goto out;
	}
	char *json = dc_fallback_encode(&fb);
	if (!json)
		goto out;
	printf("%s\n", json);
	free(json);
	rc = 0;
out:
	free(mine);
	free(list);
	done(&s);
	return rc;
}

static const struct cli_verb verbs[] = {
	{ "check", check, NULL, NULL },
	{ "explain", explain, NULL, NULL },
	{ "preview", preview, NULL, NULL },
	{ "fallback", fallback, NULL, NULL },
	{ NULL, NULL, NULL, NULL },
};

const struct cli_group cmd_schedule = { "schedule", usage, CLI_UNKNOWN_QUOTED, verbs };
