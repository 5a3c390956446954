/* cmd_db.c — the database as a whole: `decran init` creates it, `decran
 * backup FILE` copies it while the gateway runs, `decran restore FILE` puts
 * a copy back once the gateway is stopped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli.h"
#include "cli_store.h"
#include "ctlclient.h"
#include "i18n.h"

static void init_usage(FILE *f)
{
	fputs(TR("usage : decran [--db CHEMIN] init\n"
		 "Crée la base d'inventaire (ou met à jour son schéma si elle existe).\n"
		 "Lancez-la sous l'utilisateur de la passerelle (sudo -u decran decran init)\n"
		 "pour que decran-gateway puisse y écrire.\n",
		 "usage: decran [--db PATH] init\n"
		 "Creates the inventory database (or brings its schema up to date when it\n"
		 "exists).  Run it as the gateway's user (sudo -u decran decran init) so that\n"
		 "decran-gateway can write to it.\n"), f);
}

static void backup_usage(FILE *f)
{
	fputs(TR("usage : decran [--db CHEMIN] backup FICHIER\n"
		 "Copie cohérente de la base dans FICHIER (nouveau), même pendant que la\n"
		 "passerelle écrit.  Le fichier est vérifié et autonome (sans -wal).\n",
		 "usage: decran [--db PATH] backup FILE\n"
		 "A consistent copy of the database into FILE (a new file), even while the\n"
		 "gateway writes.  The file is checked and self-contained (no -wal).\n"), f);
}

static void restore_usage(FILE *f)
{
	fputs(TR("usage : decran [--db CHEMIN] restore FICHIER [--socket CHEMIN]\n"
		 "Remplace le contenu de la base par la sauvegarde FICHIER, une base decran\n"
		 "d'une version connue, puis met son schéma à jour.  Refusé tant que la\n"
		 "passerelle tourne : arrêtez-la d'abord (systemctl stop decran-gateway).\n",
		 "usage: decran [--db PATH] restore FILE [--socket PATH]\n"
		 "Replaces the database's content with the backup FILE, a decran database of\n"
		 "a known version, then brings its schema up to date.  Refused while the\n"
		 "gateway runs: stop it first (systemctl stop decran-gateway).\n"), f);
}

static int one_file_arg(int argc, char **argv, void (*usage)(FILE *), const char **sock,
			const char **file)
{
	int first, rc;
	const struct cli_opt opts[] = { CLI_OPT_ARG("socket", sock), CLI_OPT_END };
	const struct cli_opt none[] = { CLI_OPT_END };

	if ((rc = cli_parse_opts(argc, argv, sock ? opts : none, usage, &first)) >= 0)
		return rc;
	if (argc - first != 1 || !*argv[first]) {
		usage(stderr);
		return EXIT_USAGE;
	}
	*file = argv[first];
	return -1;
}

int cmd_init(struct cli *cli, int argc, char **argv)
{
	int first, rc;
	const struct cli_opt opts[] = { CLI_OPT_END };
	struct stat sb;

	if ((rc = cli_parse_opts(argc, argv, opts, init_usage, &first)) >= 0)
		return rc;
	if (argc != first) {
		init_usage(stderr);
		return EXIT_USAGE;
	}
	bool existed = stat(cli->db_path, &sb) == 0;
	char *err = NULL;
	struct dc_store *st = dc_store_open(cli->db_path, &err);
	if (!st) {
		fprintf(stderr, "decran: %s\n", err ? err : "?");
		free(err);
		return 1;
	}
	dc_store_close(st);
	if (existed)
		printf(TR("La base %s existe déjà (schéma %d, à jour).\n",
			  "Database %s already exists (schema %d, up to date).\n"), cli->db_path,
		       dc_store_schema_version());
	else
		printf(TR("Base créée : %s (schéma %d).\n", "Database created: %s (schema %d).\n"),
		       cli->db_path, dc_store_schema_version());
	return 0;
}

int cmd_backup(struct cli *cli, int argc, char **argv)
{
	const char *file = NULL;
	int rc = one_file_arg(argc, argv, backup_usage, NULL, &file);
	if (rc >= 0)
		return rc;
	if (cli_db_missing(cli))
		return 1;
	char *err = NULL;
	if (dc_store_backup(cli->db_path, file, &err) < 0) {
		fprintf(stderr, TR("decran : sauvegarde impossible : %s\n", "decran: backup failed: %s\n"),
			err ? err : "?");
		free(err);
		return 1;
	}
	printf(TR("Sauvegarde écrite : %s\n", "Backup written: %s\n"), file);
	return 0;
}

/* The gateway keeps the database open and its state in memory: replacing
 * the data under it would be undone or contradicted by its next writes. */
static bool gateway_answers(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof sa.sun_path)
		return false;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool up = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
	if (fd >= 0)
		close(fd);
	return up;
}

int cmd_restore(struct cli *cli, int argc, char **argv)
{
	const char *file = NULL, *sock = NULL;
	int rc = one_file_arg(argc, argv, restore_usage, &sock, &file);
	if (rc >= 0)
		return rc;
	const char *path = gw_ctl_socket(sock);
	if (gateway_answers(path)) {
		fprintf(stderr, TR("decran : la passerelle tourne (%s) ; arrêtez-la d'abord "
				   "(systemctl stop decran-gateway), puis relancez la restauration.\n",
				   "decran: the gateway is running (%s); stop it first "
				   "(systemctl stop decran-gateway), then restore again.\n"), path);
		return 1;
	}
	char *err = NULL;
	int version = 0;
	if (dc_store_restore(cli->db_path, file, &version, &err) < 0) {
		fprintf(stderr, TR("decran : restauration refusée : %s ; base laissée intacte\n",
				   "decran: restore refused: %s; database left untouched\n"),
			err ? err : "?");
		free(err);
		return 1;
	}
	printf(TR("Base %s restaurée depuis %s (schéma %d, mis à jour en %d).\n",
		  "Database %s restored from %s (schema %d, brought up to %d).\n"), cli->db_path, file,
	       version, dc_store_schema_version());
	return 0;
}
