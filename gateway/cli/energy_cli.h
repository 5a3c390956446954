/* energy_cli.h — what `decran energy` and `decran report` share: the energy
 * configuration, the --now instant, number formatting. */
#ifndef DECRAN_CLI_ENERGY_H
#define DECRAN_CLI_ENERGY_H

#include <stdbool.h>
#include <stdint.h>

#include "ledger.h"

/* --config FILE, else $DECRAN_ENERGY_CONFIG, else built-in defaults.
 * Prints the reason and returns -1 on a bad file. */
int ecli_load_config(const char *path, struct dc_ledger_config *cfg);
/* Instant from "2026-11-23T21:00:00Z", "2026-11-23T21:00Z", local
 * "2026-11-23 22:00" (cfg zone) or "@1795464000"; NULL/"" = the current
 * time ($DECRAN_NOW when set, for replays and tests; else cli_clock()).
 * -1 when malformed. */
int ecli_parse_instant(const struct dc_ledger_config *cfg, const char *s, int64_t *out);
/* Both: the configuration (ecli_load_config), then the instant s in its
 * zone.  0 with *cfg to free; otherwise the exit status after a message:
 * 1 for the configuration, EXIT_USAGE for the instant. */
int ecli_config_instant(const char *config, const char *s, struct dc_ledger_config *cfg,
			int64_t *out);
/* The rules file as the schedule commands find it (--rules, else
 * $DECRAN_RULES, else rules.json beside the database) or NULL when the
 * default one does not exist; -1 after a message on a bad one. */
struct cli;
int ecli_load_rules(const struct cli *cli, const char *given, struct dc_rules **out);
/* kWh with `dec` decimals in the current language ("1 234,5"). */
char *ecli_kwh(char *buf, size_t len, int64_t mwh, int dec);
/* Date "YYYY-MM-DD" in the current language (FR 23/11/2026). */
char *ecli_date(char *buf, size_t len, const char *iso);

#endif
