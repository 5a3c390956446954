/* cmd_users.c — `decran users`: dashboard accounts (add, list, del).
 *
 * The password is never an argument (it would show in ps and shell
 * history): it is read from standard input, with a prompt and no echo when
 * that is a terminal. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
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

static int users_add(struct dc_store *st, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "replace", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int role = -1, c;
	bool replace = false;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			role = dc_role_parse(optarg);
			if (role < 0) {
				fprintf(stderr, TR("decran users : rôle inconnu « %s » (viewer, technician, admin)\n",
						   "decran users: unknown role '%s' (viewer, technician, admin)\n"),
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'R': replace = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc || role < 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	char pw[300];
	if (read_password(pw, sizeof pw) < 0) {
		fprintf(stderr, "%s", TR("decran users : aucun mot de passe lu\n",
					 "decran users: no password read\n"));
		return 1;
	}
	const char *err = NULL;
	int rc = dc_user_set(st, argv[optind], (enum dc_role)role, pw, replace, &err);
	explicit_bzero(pw, sizeof pw);
	if (rc < 0) {
		fprintf(stderr, "decran users: %s\n", err);
		return 1;
	}
	printf(TR("utilisateur « %s » enregistré (rôle %s)\n", "user '%s' saved (role %s)\n"),
	       argv[optind], dc_role_name((enum dc_role)role));
	return 0;
}

struct list_ctx { bool json; int n; };

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

int cmd_users(struct cli *cli, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	const char *sub = argv[1];
	if (strcmp(sub, "add") != 0 && strcmp(sub, "list") != 0 && strcmp(sub, "del") != 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		}
	char *err = NULL;
	struct dc_store *st = dc_store_open(cli->db_path, &err);
	if (!st) {
		fprintf(stderr, "decran: %s\n", err ? err : "?");
		free(err);
		return 1;
	}
	int rc = 0;
	if (strcmp(sub, "add") == 0) {
		rc = users_add(st, argc - 1, argv + 1);
	} else if (strcmp(sub, "list") == 0) {
		struct list_ctx l = { .json = argc > 2 && strcmp(argv[2], "--json") == 0 };
		if (argc > 2 && !l.json) {
			usage(stderr);
			rc = EXIT_USAGE;
		} else {
			if (l.json)
				printf("[");
			rc = dc_user_list(st, print_user, &l) < 0 ? 1 : 0;
			if (l.json)
				printf("]\n");
		}
	} else {
		if (argc != 3) {
			usage(stderr);
			rc = EXIT_USAGE;
		} else {
			int d = dc_user_delete(st, argv[2]);
			if (d < 0)
				fprintf(stderr, "decran users: %s\n", dc_store_errmsg(st));
			else if (d == 0)
				fprintf(stderr, TR("decran users : « %s » n'existe pas\n",
						   "decran users: '%s' does not exist\n"), argv[2]);
			rc = d > 0 ? 0 : 1;
		}
	}
	dc_store_close(st);
	return rc;
}
