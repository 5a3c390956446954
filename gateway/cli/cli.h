/* cli.h — the `decran` command-line tool: shared context and conventions.
 *
 * Each command group lives in its own cmd_<group>.c and is listed once in
 * main.c's table.  Conventions every command keeps:
 *   exit 0 success, 1 failure (message on stderr), 2 usage error (usage on stderr);
 *   `--help` on every command and sub-command prints usage on stdout, exit 0;
 *   `--json` on every read command; messages through TR("fr", "en").
 */
#ifndef DECRAN_CLI_H
#define DECRAN_CLI_H

#include <stdbool.h>

#define EXIT_USAGE 2

struct cli {
	const char *db_path;	/* --db PATH, else $DECRAN_DB, else default */
	const char *argv0;
};

typedef int (*cli_cmd_fn)(struct cli *cli, int argc, char **argv);

struct cli_command {
	const char *name;
	cli_cmd_fn run;
	const char *summary_fr, *summary_en;
};

/* Command groups (one cmd_<group>.c each). */
int cmd_screens(struct cli *cli, int argc, char **argv);
int cmd_plan(struct cli *cli, int argc, char **argv);
int cmd_schedule(struct cli *cli, int argc, char **argv);
int cmd_override(struct cli *cli, int argc, char **argv);
int cmd_grid_alert(struct cli *cli, int argc, char **argv);
int cmd_boxes(struct cli *cli, int argc, char **argv);
int cmd_relay(struct cli *cli, int argc, char **argv);
int cmd_bind(struct cli *cli, int argc, char **argv);
int cmd_alarms(struct cli *cli, int argc, char **argv);

#endif
