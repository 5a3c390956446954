/* screens.h — pieces shared by the `decran screens` sub-commands. */
#ifndef DECRAN_CLI_SCREENS_H
#define DECRAN_CLI_SCREENS_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli.h"
#include "errlist.h"
#include "screen.h"
#include "store.h"

int screens_add(struct cli *cli, int argc, char **argv);
int screens_edit(struct cli *cli, int argc, char **argv);
int screens_slate(struct cli *cli, int argc, char **argv);
int screens_remove(struct cli *cli, int argc, char **argv);
int screens_show(struct cli *cli, int argc, char **argv);
int screens_list(struct cli *cli, int argc, char **argv);
int screens_import(struct cli *cli, int argc, char **argv);
int screens_export(struct cli *cli, int argc, char **argv);

/* What screens import and plan set --file share (all-or-nothing CSV files):
 * the whole file (at most DC_IMPORT_MAX_BYTES), or NULL after the message;
 * its errors on stderr, "FILE:LINE: column 'C': message" (those the list
 * kept, then one line with how many more there were). */
char *read_import_file(const char *file, size_t *len);
void print_file_errors(const char *file, const struct dc_errlist *errs);

/* A screen as a JSON object: canonical keys (field names), numbers as
 * numbers, flags as booleans, unset values as null.  With geo false the
 * coordinates are included as lat/lon (GeoJSON puts them in geometry). */
cJSON *screen_to_json(const struct dc_screen *s, bool geo);

/* The --status/--category/--site/--sort/--desc options of list and export:
 * FILTER_OPTS(a) in the verb's table, then filter_from_args() to check them
 * into a filter (-1, message printed, when a value is invalid). */
struct filter_args {
	const char *status, *category, *site, *sort;
	int desc;
};
#define FILTER_OPTS(a) \
	CLI_OPT_ARG("status", &(a).status), CLI_OPT_ARG("category", &(a).category), \
	CLI_OPT_ARG("site", &(a).site), CLI_OPT_ARG("sort", &(a).sort), CLI_OPT_FLAG("desc", &(a).desc)
int filter_from_args(const struct filter_args *a, struct dc_screen_filter *f);
#define FILTER_USAGE_FR \
	"  --status STATUT     active, reduced, slated_for_removal ou removed\n" \
	"  --category CAT      advertising, information, school, library,\n" \
	"                      early_childhood, transport ou other\n" \
	"  --site SITE         site exact (ex. « Gare »)\n" \
	"  --sort CHAMP        trier par ce champ (id par défaut, ex. power_on_w)\n" \
	"  --desc              ordre décroissant\n"
#define FILTER_USAGE_EN \
	"  --status STATUS     active, reduced, slated_for_removal or removed\n" \
	"  --category CAT      advertising, information, school, library,\n" \
	"                      early_childhood, transport or other\n" \
	"  --site SITE         exact site (e.g. \"Gare\")\n" \
	"  --sort FIELD        sort by this field (id by default, e.g. power_on_w)\n" \
	"  --desc              descending order\n"

#endif
