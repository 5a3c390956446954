/* cli_store.c — store opening, actor and formatting helpers for commands. */
#include "cli_store.h"

#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "i18n.h"

int cli_db_missing(const struct cli *cli)
{
	struct stat sb;

	if (!cli->db_default || stat(cli->db_path, &sb) == 0)
		return 0;
	fprintf(stderr, TR("decran : pas de base d'inventaire à %s.\n"
			   "Créez-la avec « decran init » (ou en démarrant decran-gateway), ou nommez "
			   "une autre base avec --db CHEMIN ou DECRAN_DB.\n",
			   "decran: no inventory database at %s.\n"
			   "Create it with 'decran init' (or by starting decran-gateway), or name "
			   "another database with --db PATH or DECRAN_DB.\n"), cli->db_path);
	return 1;
}

struct dc_store *cli_open_store(const struct cli *cli)
{
	char *err = NULL;
	/* The installed database is never created behind the user's back. */
	if (cli_db_missing(cli))
		return NULL;
	struct dc_store *st = dc_store_open(cli->db_path, &err);
	if (!st) {
		fprintf(stderr, "decran: %s\n", err ? err : "?");
		free(err);
	} else {
		dc_store_set_clock(st, cli_clock());
	}
	return st;
}

int cli_get_screen(struct dc_store *st, const char *id, struct dc_screen *s)
{
	int found = dc_store_get_screen(st, id, s);

	if (found < 0)
		fprintf(stderr, "decran: %s\n", dc_store_errmsg(st));
	else if (!found)
		fprintf(stderr, TR("decran : écran inconnu « %s »\n", "decran: unknown screen '%s'\n"), id);
	return found > 0;
}

struct dc_store *cli_open_screen(const struct cli *cli, const char *id, struct dc_screen *s)
{
	struct dc_store *st = cli_open_store(cli);

	if (st && !cli_get_screen(st, id, s)) {
		dc_store_close(st);
		st = NULL;
	}
	return st;
}

const char *cli_actor(const char *given)
{
	if (given && *given)
		return given;
	const char *u = getenv("USER");
	if (u && *u)
		return u;
	struct passwd *pw = getpwuid(getuid());
	return pw && pw->pw_name ? pw->pw_name : "?";
}

char *cli_today(char buf[11])
{
	time_t now = (time_t)dc_clock_now(cli_clock());
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(buf, 11, "%Y-%m-%d", &tm);
	return buf;
}

void cli_print_cell(const char *s, int width)
{
	int shown = 0;
	const unsigned char *p = (const unsigned char *)s;
	size_t count = 0;
	for (const unsigned char *q = p; *q; q++)
		count += (*q & 0xC0) != 0x80;
	while (*p && shown < width) {
		if ((int)count > width && shown == width - 1) {
			fputs("…", stdout);
			shown++;
			break;
		}
		/* copy one code point */
		do
			putchar(*p++);
		while ((*p & 0xC0) == 0x80);
		shown++;
	}
	for (; shown < width; shown++)
		putchar(' ');
}
