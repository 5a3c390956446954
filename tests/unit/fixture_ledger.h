/* fixture_ledger.h — for the ledger and dashboard unit tests: a new
 * database in its own temporary directory, and the ledger's default
 * configuration.  Included by one test file each (static functions). */
#ifndef DECRAN_FIXTURE_LEDGER_H
#define DECRAN_FIXTURE_LEDGER_H

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "ledger.h"
#include "store.h"

struct fx {
	char dir[64], path[128];
	struct dc_store *st;
	struct dc_ledger_config cfg;
};

static int fx_setup(void **state, enum dc_lang lang)
{
	struct fx *f = calloc(1, sizeof *f);
	char *err = NULL;
	if (!f)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/decran-test-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof f->path, "%s/t.db", f->dir);
	f->st = dc_store_open(f->path, &err);
	if (!f->st)
		return -1;
	dc_set_lang(lang);
	dc_ledger_config_default(&f->cfg);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[160];
	dc_store_close(f->st);
	dc_ledger_config_free(&f->cfg);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	int rc = system(cmd);
	free(f);
	return rc == 0 ? 0 : -1;
}

/* Every derived ledger row as text, for exact comparison (free it). */
static inline char *fx_snapshot(struct fx *f)
{
	static const char *const sql[] = {
		"SELECT * FROM energy_hour ORDER BY hour, screen_id",
		"SELECT * FROM energy_day ORDER BY day, screen_id",
		"SELECT * FROM energy_group_day ORDER BY day, category, site",
	};
	size_t cap = 1 << 22, len = 0;
	char *buf = malloc(cap);
	assert_non_null(buf);
	buf[0] = '\0';
	for (int i = 0; i < 3; i++) {
		sqlite3_stmt *q;
		assert_int_equal(sqlite3_prepare_v2(dc_store_db(f->st), sql[i], -1, &q, NULL), 0);
		while (sqlite3_step(q) == SQLITE_ROW) {
			for (int c = 0; c < sqlite3_column_count(q); c++)
				len += (size_t)snprintf(buf + len, cap - len, "%s|",
							(const char *)sqlite3_column_text(q, c));
			len += (size_t)snprintf(buf + len, cap - len, "\n");
			assert_true(len < cap - 256);
		}
		sqlite3_finalize(q);
	}
	return buf;
}

/* The ledger as the updates left it equals a rebuild at `now`: false, with
 * the rows left as rebuilt, when not. */
static inline bool fx_rebuild_equals(struct fx *f, int64_t now)
{
	char err[256];
	char *inc = fx_snapshot(f);
	assert_int_equal(dc_ledger_rebuild(f->st, &f->cfg, now, err, sizeof err), 0);
	char *reb = fx_snapshot(f);
	bool same = strcmp(inc, reb) == 0;
	free(inc);
	free(reb);
	return same;
}

#endif
