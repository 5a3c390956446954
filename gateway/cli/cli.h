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
#include <stdio.h>

#define EXIT_USAGE 2

struct cJSON;
struct cli_group;
struct dc_clock;

struct cli {
	const char *db_path;	/* --db PATH, else $DECRAN_DB, else default */
	bool db_given;		/* --db was on the command line (not the environment) */
	bool db_default;	/* neither --db nor $DECRAN_DB: the installed database */
	const char *argv0;
	const struct cli_group *group;	/* the group cli_dispatch is running */
};

typedef int (*cli_cmd_fn)(struct cli *cli, int argc, char **argv);

/* A verb of a group: run gets argv[0] = the verb.  Summaries only where the
 * group's usage lists them (screens). */
struct cli_verb {
	const char *name;
	cli_cmd_fn run;
	const char *summary_fr, *summary_en;
};

/* How a group words an unknown verb.  The groups grew two spellings (and
 * three stay silent); each keeps its own, word for word. */
enum cli_unknown {
	CLI_UNKNOWN_SILENT,	/* usage only */
	CLI_UNKNOWN_QUOTED,	/* decran : sous-commande inconnue « schedule VERB » */
	CLI_UNKNOWN_PREFIXED,	/* decran plan : sous-commande inconnue « VERB » */
};

/* "decran GROUP VERB ARGS...". */
struct cli_group {
	const char *name;
	void (*usage)(FILE *);
	enum cli_unknown unknown;
	const struct cli_verb *verbs;	/* ends with { NULL } */
};

/* A line of main.c's table: a command of its own (run) or a group. */
struct cli_command {
	const char *name;
	cli_cmd_fn run;
	const struct cli_group *group;
	const char *summary_fr, *summary_en;
};

/* Run the verb argv[1] with (argc - 1, argv + 1), cli->group set to g.  No
 * verb: usage on stderr, EXIT_USAGE; --help or -h: usage on stdout, 0; an
 * unknown verb: a message (g->unknown) and usage on stderr, EXIT_USAGE. */
int cli_dispatch(struct cli *cli, int argc, char **argv, const struct cli_group *g);

/* One option of a verb: "--name VALUE" (or "-l VALUE" when it has a letter)
 * stores VALUE in *arg; "--name" alone stores `set` in *flag.  Build them with
 * the macros; end with CLI_OPT_END. */
struct cli_opt {
	const char *name;
	char letter;
	const char **arg;
	int *flag;
	int set;
};
#define CLI_OPT_ARG(name, ptr) { (name), 0, (ptr), NULL, 0 }
#define CLI_OPT_ARG_LETTER(name, letter, ptr) { (name), (letter), (ptr), NULL, 0 }
#define CLI_OPT_FLAG(name, ptr) { (name), 0, NULL, (ptr), 1 }
#define CLI_OPT_SET(name, ptr, value) { (name), 0, NULL, (ptr), (value) }
#define CLI_OPT_END { NULL, 0, NULL, NULL, 0 }
#define CLI_OPT_MAX 16

/* Parse the options of argv[1..] (argv[0] is the verb; options and operands
 * may mix, getopt_long style), plus --help and -h.  Returns -1 to go on, the
 * operands left at argv[*first .. argc); otherwise the exit status: 0 after
 * --help (usage on stdout), EXIT_USAGE after an unknown option or a missing
 * value (cli_usage_error). */
int cli_parse_opts(int argc, char **argv, const struct cli_opt *opts, void (*usage)(FILE *),
		   int *first);
/* Standard "unknown option" handling: message and usage on stderr. */
int cli_usage_error(void (*usage)(FILE *), const char *arg);

/* The command's clock: $DECRAN_CLOCK's test clock when set (it starts when
 * the command does, so "now" is its START), else the real time.  Everything
 * the CLI stamps or compares with now reads it: audit rows, overrides,
 * "today".  cli_clock_init() (main) returns -1 after the message when
 * $DECRAN_CLOCK is malformed. */
int cli_clock_init(void);
const struct dc_clock *cli_clock(void);

/* j indented on stdout, then freed. */
void cli_print_json(struct cJSON *j);
/* j on one line (not freed), or `empty` when there is nothing to print. */
void cli_print_json_line(const struct cJSON *j, const char *empty);

/* Commands and command groups (one cmd_<group>.c each). */
extern const struct cli_group cmd_screens, cmd_plan, cmd_schedule, cmd_override, cmd_grid_alert;
extern const struct cli_group cmd_boxes, cmd_relay, cmd_energy, cmd_report, cmd_users;
int cmd_bind(struct cli *cli, int argc, char **argv);
int cmd_alarms(struct cli *cli, int argc, char **argv);
int cmd_init(struct cli *cli, int argc, char **argv);
int cmd_backup(struct cli *cli, int argc, char **argv);
int cmd_restore(struct cli *cli, int argc, char **argv);

#endif
