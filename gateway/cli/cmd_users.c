/* cmd_users.c — `decran users`: dashboard accounts (add, list, del).
 *
 * The password is never an argument (it would show in ps and shell
 * history): it is read from standard input, with a prompt and no echo when
 * that is a terminal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli_store.h"
#include "i18n.h"
#include "store.h"
#include "web_auth.h"

static void usage(FILE *f)
{
	fprintf(f, "%s", TR("usage : decran users add NOM --role viewer|technician|admin [--replace]\n"
			    "        decran users list [--json]\n"
			    "        decran users del NOM\n"
			    "Le mot de passe (8 à 256 octets) est lu sur l'entrée standard ;\n"
			    "sur un terminal, il est demandé sans écho.\n",
			    "usage: decran users add NAME --role viewer|technician|admin [--replace]\n"
			    "       decran users list [--json]\n"
			    "       decran users del NAME\n"
			    "The password (8 to 256 bytes) is read from standard input;\n"
			    "on a terminal it is prompted for without echo.\n"));
}

/* One line from stdin, without its newline; echo off on a terminal. */
static int read_password(char *buf, size_t len)
{
	bool tty = isatty(STDIN_FILENO);
	struct termios old, quiet;
	if (tty) {
		fprintf(stderr, "%s", TR("Mot de passe : ", "Password: "));
		tcgetattr(STDIN_FILENO, &old);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	char *got = fgets(buf, (int)len, stdin);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (!got)
		return -1;
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

static int users_add(struct cli *cli, int argc, char **argv)
{
	const char *role_s = NULL;
	int replace = 0, role = -1, first, rc;
	const struct cli_opt opts[] = {
		CLI_OPT_ARG("role", &role_s), CLI_OPT_FLAG("replace", &replace), CLI_OPT_END
	};

	if ((rc = cli_parse_opts(argc, argv, opts, usage, &first)) >= 0)
		return rc;
	if (role_s && (role = dc_role_parse(role_s)) < 0) {
		fprintf(stderr, TR("decran users : rôle inconnu « %s » (viewer, technician, admin)\n",
				   "decran users: unknown role '%s' (viewer, technician, admin)\n"), role_s);
		return EXIT_USAGE;
	}
	if (first + 1 != argc || role < 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	struct dc_store *st = cli_open_store(cli);
	if (!st)
		return 1;
	char pw[300];
	const char *err = NULL;
	if (read_password(pw, sizeof pw) < 0) {
		fprintf(stderr, "%s", TR("decran users : aucun mot de passe lu\n",
					 "decran users: no password read\n"));
		dc_store_close(st);
		return 1;
	}
	rc = dc_user_set(st, argv[first], (enum dc_role)role, pw, replace, &err);
	explicit_bzero(pw, sizeof pw);
	if (rc < 0)
		fprintf(stderr, "decran users: %s\n", err);
	else
		printf(TR("utilisateur « %s » enregistré (rôle %s)\n", "user '%s' saved (role %s)\n"),
		       argv[first], dc_role_name((enum dc_role)role));
	dc_store_close(st);
	return rc < 0 ? 1 : 0;
}

struct list_ctx { int json, n; };

static void print_user(const char *name, const char *role, const char *created, void *arg)
{
	struct list_ctx *l = arg;
	if (l->json)
		/* names and roles are validated to [A-Za-z0-9._-]: no escaping needed */
		printf("%s{\"name\":\"%s\",\"role\":\"%s\",\"created\":\"%s\"}", l->n ? "," : "",
		       name, role, created);
	else
		printf("%-24s %-11s %s\n", name, role, created);
	l->n++;
}

static int users_list(struct cli *cli, int argc, char **argv)
{
	struct list_ctx l = { 0 };
	const struct cli_opt opts[] = { CLI_OPT_FLAG("json", &l.json), CLI_OPT_END };
	int first, rc;

	if ((rc = cli_parse_opts(argc, argv, opts, usage, &first)) >= 0)
		return rc;
	if (first != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	struct dc_store *st = cli_open_store(cli);
	if (!st)
		return 1;
	if (l.json)
		printf("[");
	rc = dc_user_list(st, print_user, &l) < 0 ? 1 : 0;
	if (l.json)
		printf("]\n");
	dc_store_close(st);
	return rc;
}

static int users_del(struct cli *cli, int argc, char **argv)
{
	const struct cli_opt opts[] = { CLI_OPT_END };
	int first, rc;

	if ((rc = cli_parse_opts(argc, argv, opts, usage, &first)) >= 0)
		return rc;
	if (argc - first != 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	struct dc_store *st = cli_open_store(cli);
	if (!st)
		return 1;
	int d = dc_user_delete(st, argv[first]);
	if (d < 0)
		fprintf(stderr, "decran users: %s\n", dc_store_errmsg(st));
	else if (d == 0)
		fprintf(stderr, TR("decran users : « %s » n'existe pas\n",
				   "decran users: '%s' does not exist\n"), argv[first]);
	dc_store_close(st);
	return d > 0 ? 0 : 1;
}

static const struct cli_verb verbs[] = {
	{ "add", users_add, NULL, NULL },
	{ "list", users_list, NULL, NULL },
	{ "del", users_del, NULL, NULL },
	{ NULL, NULL, NULL, NULL },
};

const struct cli_group cmd_users = { "users", usage, CLI_UNKNOWN_SILENT, verbs };
