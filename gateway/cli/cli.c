/* cli.c — what every command shares: running a group's verb, the option
 * tables, usage errors and JSON output (see cli.h). */
#include "cli.h"

#include <assert.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "clock.h"
#include "i18n.h"

static struct dc_clock the_clock;	/* zero: the real clock */

int cli_clock_init(void)
{
	char err[256];

	if (dc_clock_init(&the_clock, NULL, err, sizeof err) < 0) {
		fprintf(stderr, "decran: %s ($DECRAN_CLOCK)\n", err);
		return -1;
	}
	return 0;
}

const struct dc_clock *cli_clock(void)
{
	return &the_clock;
}

int cli_dispatch(struct cli *cli, int argc, char **argv, const struct cli_group *g)
{
	if (argc < 2) {
		g->usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		g->usage(stdout);
		return 0;
	}
	for (const struct cli_verb *v = g->verbs; v->name; v++) {
		if (strcmp(argv[1], v->name) == 0) {
			cli->group = g;
			return v->run(cli, argc - 1, argv + 1);
		}
	}
	if (g->unknown == CLI_UNKNOWN_QUOTED)
		fprintf(stderr, TR("decran : sous-commande inconnue « %s %s »\n",
				   "decran: unknown sub-command '%s %s'\n"), g->name, argv[1]);
	else if (g->unknown == CLI_UNKNOWN_PREFIXED)
		fprintf(stderr, TR("decran %s : sous-commande inconnue « %s »\n",
				   "decran %s: unknown subcommand '%s'\n"), g->name, argv[1]);
	g->usage(stderr);
	return EXIT_USAGE;
}

/* getopt_long values of the table's options: past every character. */
#define OPT_BASE 256

int cli_parse_opts(int argc, char **argv, const struct cli_opt *opts, void (*usage)(FILE *),
		   int *first)
{
	struct option lo[CLI_OPT_MAX + 2];
	char letters[2 * CLI_OPT_MAX + 3] = ":h", *l = letters + 2;
	size_t n = 0;
	int c;

	for (; opts[n].name; n++) {
		assert(n < CLI_OPT_MAX);
		lo[n] = (struct option){ opts[n].name, opts[n].arg ? required_argument : no_argument,
					 NULL, OPT_BASE + (int)n };
		if (opts[n].letter) {
			*l++ = opts[n].letter;
			if (opts[n].arg)
				*l++ = ':';
		}
	}
	*l = '\0';
	lo[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	lo[n] = (struct option){ NULL, 0, NULL, 0 };
	optind = 0;	/* glibc: full re-initialisation */
	opterr = 0;
	while ((c = getopt_long(argc, argv, letters, lo, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return 0;
		}
		if (c < OPT_BASE && c != '?' && c != ':')	/* a letter: its option */
			for (size_t i = 0; opts[i].name; i++)
				if (opts[i].letter == c)
					c = OPT_BASE + (int)i;
		if (c < OPT_BASE)
			return cli_usage_error(usage, argv[optind - 1]);
		const struct cli_opt *o = &opts[c - OPT_BASE];
		if (o->arg)
			*o->arg = optarg;
		else
			*o->flag = o->set;
	}
	*first = optind;
	return -1;
}

int cli_usage_error(void (*usage)(FILE *), const char *arg)
{
	if (arg)
		fprintf(stderr, TR("decran : option inconnue ou argument manquant : %s\n",
				   "decran: unknown option or missing argument: %s\n"), arg);
	usage(stderr);
	return EXIT_USAGE;
}

void cli_print_json(cJSON *j)
{
	char *s = cJSON_Print(j);

	if (s)
		puts(s);
	cJSON_free(s);
	cJSON_Delete(j);
}

void cli_print_json_line(const cJSON *j, const char *empty)
{
	char *s = cJSON_PrintUnformatted(j);

	printf("%s\n", s ? s : empty);
	cJSON_free(s);
}
