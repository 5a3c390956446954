/* cmd_energy.c — `decran energy rebuild | update | log-state | log-reading`:
 * keep the energy ledger (docs/energy.md).  The gateway feeds and updates
 * the ledger itself; these commands rebuild it from the input log, catch it
 * up, or feed it by hand (replays, tests, a meter read on site). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_store.h"
#include "energy_cli.h"
#include "i18n.h"

static void usage(FILE *f)
{
	fputs(TR("usage : decran energy rebuild [--config FICHIER] [--now INSTANT]\n"
		 "        decran energy update  [--config FICHIER] [--now INSTANT]\n"
		 "        decran energy log-state ÉCRAN on|off|unknown|offline|no-box --at INSTANT\n"
		 "        decran energy log-reading BOÎTIER KWH --at INSTANT [--meter-gen N]\n"
		 "rebuild recalcule tout le registre depuis le journal des états confirmés et\n"
		 "des relevés de compteurs ; update le complète jusqu'à la dernière heure\n"
		 "achevée.  Les deux donnent les mêmes chiffres.\n"
		 "INSTANT : 2026-11-23T21:00:00Z (UTC), « 2026-11-23 22:00 » (heure locale)\n"
		 "ou @SECONDES ; défaut : maintenant.  FICHIER : voir energy.example.json\n"
		 "(défaut : $DECRAN_ENERGY_CONFIG, sinon valeurs intégrées).\n",
		 "usage: decran energy rebuild [--config FILE] [--now INSTANT]\n"
		 "       decran energy update  [--config FILE] [--now INSTANT]\n"
		 "       decran energy log-state SCREEN on|off|unknown|offline|no-box --at INSTANT\n"
		 "       decran energy log-reading BOX KWH --at INSTANT [--meter-gen N]\n"
		 "rebuild recomputes the whole ledger from the log of confirmed states and\n"
		 "meter readings; update brings it up to the last complete hour.  Both give\n"
		 "the same figures.\n"
		 "INSTANT: 2026-11-23T21:00:00Z (UTC), '2026-11-23 22:00' (local time) or\n"
		 "@SECONDS; default: now.  FILE: see energy.example.json (default:\n"
		 "$DECRAN_ENERGY_CONFIG, else built-in values).\n"), f);
}

static int print_totals(struct dc_store *st, bool rebuilt)
{
	struct dc_ledger_row *r;
	size_t n;
	char err[256], a[48], b[48], s[48];
	if (dc_ledger_report(st, NULL, NULL, DC_BY_ALL, &r, &n, err, sizeof err) < 0) {
		fprintf(stderr, "decran: %s\n", err);
		return 1;
	}
	struct dc_en_total t = n ? r[0].t : (struct dc_en_total){ 0 };
	free(r);
	printf(TR("%s : consommation %s kWh, référence %s kWh, économie %s kWh, "
		  "inconnu %s h.\n",
		  "%s: consumption %s kWh, baseline %s kWh, saved %s kWh, unknown %s h.\n"),
	       rebuilt ? TR("Registre recalculé", "Ledger rebuilt") : TR("Registre à jour", "Ledger up to date"),
	       ecli_kwh(a, sizeof a, t.actual_mwh, 3), ecli_kwh(b, sizeof b, t.baseline_mwh, 3),
	       ecli_kwh(s, sizeof s, dc_en_total_saved(&t), 3),
	       dc_fmt_num(err, sizeof err, (double)t.unknown_s / 3600.0, 2, dc_lang()));
	return 0;
}

/* `energy rebuild` and `energy update` (argv[0]). */
static int recompute(struct cli *cli, int argc, char **argv)
{
	bool rebuild = strcmp(argv[0], "rebuild") == 0;
	const char *config = NULL, *now_s = NULL;
	const struct cli_opt opts[] = {
		CLI_OPT_ARG("config", &config), CLI_OPT_ARG("now", &now_s), CLI_OPT_END
	};
	int first, rc;

	if ((rc = cli_parse_opts(argc, argv, opts, usage, &first)) >= 0)
		return rc;
	if (first != argc)
		return cli_usage_error(usage, argv[first]);
	struct dc_ledger_config cfg;
	int64_t now;
	if ((rc = ecli_config_instant(config, now_s, &cfg, &now)) != 0)
		return rc;
	struct dc_store *st = cli_open_store(cli);
	if (!st) {
		dc_ledger_config_free(&cfg);
		return 1;
	}
	char err[512];
	/* The gateway's own records first (nothing when it has none). */
	rc = dc_ledger_import_gateway(st, rebuild, err, sizeof err) < 0 ? -1
		: (rebuild ? dc_ledger_rebuild : dc_ledger_update)(st, &cfg, now, err, sizeof err);
	if (rc < 0)
		fprintf(stderr, "decran: %s\n", err);
	else
		rc = print_totals(st, rebuild);
	dc_store_close(st);
	dc_ledger_config_free(&cfg);
	return rc ? 1 : 0;
}

/* `energy log-state` and `energy log-reading` (argv[0]). */
static int log_input(struct cli *cli, int argc, char **argv)
{
	bool reading = strcmp(argv[0], "log-reading") == 0;
	const char *at_s = NULL, *config = NULL, *gen_s = NULL;
	const struct cli_opt opts[] = {
		CLI_OPT_ARG("meter-gen", &gen_s), CLI_OPT_ARG("at", &at_s), CLI_OPT_ARG("config", &config),
		CLI_OPT_END
	};
	unsigned long long gen = 0;
	char *end;
	int first, rc;

	/* --meter-gen: readings only */
	if ((rc = cli_parse_opts(argc, argv, reading ? opts : opts + 1, usage, &first)) >= 0)
		return rc;
	if (gen_s) {
		/* Digits only: strtoull takes "-1" as its maximum, and an unsigned
		 * long of 32 bits (armhf) wraps 4294967296 silently. */
		errno = 0;
		gen = strtoull(gen_s, &end, 10);
		if (!*gen_s || *end || errno || strspn(gen_s, "0123456789") != strlen(gen_s) ||
		    gen > UINT32_MAX)
			return cli_usage_error(usage, gen_s);
	}
	if (argc - first != 2 || !at_s) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *who = argv[first], *what = argv[first + 1];
	struct dc_ledger_config cfg;
	int64_t at;
	double kwh = 0;
	int state = -1;
	enum dc_en_cause cause = DC_EN_UNCONFIRMED;
	if ((rc = ecli_config_instant(config, at_s, &cfg, &at)) != 0)
		return rc;
	dc_ledger_config_free(&cfg);
	if (reading) {
		kwh = strtod(what, &end);
		if (!*what || *end || !(kwh >= 0)) {
			fprintf(stderr, TR("decran : relevé invalide « %s » (kWh, point décimal)\n",
					   "decran: invalid reading '%s' (kWh)\n"), what);
			return EXIT_USAGE;
		}
	} else {
		/* unknown = unconfirmed; offline and no-box: unknown for that cause */
		static const struct { const char *word; int state; enum dc_en_cause cause; } words[] = {
			{ "on", DC_EN_ON, 0 }, { "off", DC_EN_OFF, 0 },
			{ "unknown", DC_EN_UNKNOWN, DC_EN_UNCONFIRMED },
			{ "offline", DC_EN_UNKNOWN, DC_EN_OFFLINE }, { "no-box", DC_EN_UNKNOWN, DC_EN_NO_BOX },
		};
		for (size_t i = 0; i < sizeof words / sizeof *words; i++)
			if (strcmp(what, words[i].word) == 0) {
				state = words[i].state;
				cause = words[i].cause;
			}
		if (state < 0) {
			fprintf(stderr, TR("decran : état « %s » : on, off, unknown, offline ou no-box\n",
					   "decran: state '%s': on, off, unknown, offline or no-box\n"), what);
			return EXIT_USAGE;
		}
	}
	struct dc_store *st = cli_open_store(cli);
	if (!st)
		return 1;
	char err[256];
	struct dc_screen s;
	if (!reading && !cli_get_screen(st, who, &s)) {
		dc_store_close(st);
		return 1;
	}
	rc = reading ? dc_ledger_record_reading(st, who, at, kwh, (uint32_t)gen, err, sizeof err)
		     : dc_ledger_record(st, who, at, (enum dc_en_state)state, cause, DC_LEDGER_APPEND,
					err, sizeof err);
	if (rc < 0)
		fprintf(stderr, "decran: %s\n", err);
	dc_store_close(st);
	return rc < 0 ? 1 : 0;
}

static const struct cli_verb verbs[] = {
	{ "rebuild", recompute, NULL, NULL },
	{ "update", recompute, NULL, NULL },
	{ "log-state", log_input, NULL, NULL },
	{ "log-reading", log_input, NULL, NULL },
	{ NULL, NULL, NULL, NULL },
};

const struct cli_group cmd_energy = { "energy", usage, CLI_UNKNOWN_PREFIXED, verbs };
