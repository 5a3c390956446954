/* cli_schedule.h — what the schedule, override and grid-alert commands share:
 * finding and loading the rules file, and local date-times in its zone. */
#ifndef DECRAN_CLI_SCHEDULE_H
#define DECRAN_CLI_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "rules.h"

/* The rules file: `given` (--rules), else $DECRAN_RULES, else rules.json in
 * the directory of the inventory database.  Writes the path into buf. */
const char *cli_rules_path(const struct cli *cli, const char *given, char *buf, size_t len);
/* Load it; prints the error (with the field path) on stderr and returns NULL. */
struct dc_rules *cli_rules_load(const struct cli *cli, const char *given);
/* Set the process zone to the rules' zone, or Europe/Paris without rules
 * (quietly: override commands work before a rules file exists). */
void cli_zone_from_rules(const struct cli *cli, const char *given);
/* "YYYY-MM-DD HH:MM" or "YYYY-MM-DD" (midnight), local in the current zone. */
int cli_parse_local(const char *s, int64_t *t);
/* A duration "90m", "2h", "3d"; -1 when malformed. */
int cli_parse_duration(const char *s, int64_t *seconds);
/* Local "24/11/2026 22:00" (fr) or "2026-11-24 22:00" (en). */
char *cli_fmt_local(int64_t t, char *buf, size_t len);
int64_t cli_now(void);

#endif
