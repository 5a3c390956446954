/* cli_store.h — helpers every command touching the inventory shares. */
#ifndef DECRAN_CLI_STORE_H
#define DECRAN_CLI_STORE_H

#include <stddef.h>
#include <stdio.h>

#include "cli.h"
#include "store.h"

/* 1, after saying how to create it, when the default (installed) database
 * does not exist; 0 otherwise. */
int cli_db_missing(const struct cli *cli);
/* Open cli->db_path, creating it only when named by --db or $DECRAN_DB
 * (never the default one: decran init does); prints the reason on stderr
 * and returns NULL on failure. */
struct dc_store *cli_open_store(const struct cli *cli);
/* Screen `id` into *s: 1 when found; 0 after "unknown screen" (or the
 * database's error) on stderr. */
int cli_get_screen(struct dc_store *st, const char *id, struct dc_screen *s);
/* cli_open_store, then cli_get_screen: the store, or NULL (closed, message
 * printed). */
struct dc_store *cli_open_screen(const struct cli *cli, const char *id, struct dc_screen *s);
/* --actor NAME if given, else $USER, else the login of the uid, else "?". */
const char *cli_actor(const char *given);
/* Today's local date as YYYY-MM-DD. */
char *cli_today(char buf[11]);
/* Print s padded (or cut with "…") to `width` characters, counting UTF-8
 * code points rather than bytes so accented names line up. */
void cli_print_cell(const char *s, int width);

#endif
