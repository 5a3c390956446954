/* store_plan.c — removal plan targets and the audit history. */
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "screen_fields.h"
#include "store_internal.h"

/* ---- Plan ------------------------------------------------------------- */

static const char *plan_cat(int category)
{
	return category < 0 ? "all" : dc_category_name(category);
}

int dc_store_plan_targets(struct dc_store *st, struct dc_plan_target **out, size_t *n)
{
	sqlite3_stmt *q;
	struct dc_plan_target *v = NULL;
	size_t cnt = 0, cap = 0;
	int rc;

	if (sqlite3_prepare_v2(st->db, "SELECT category, target_date, removed FROM plan_targets "
			       "ORDER BY target_date, category <> 'all', category", -1, &q, NULL) != SQLITE_OK)
		return store_db_fail(st, "plan");
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			struct dc_plan_target *nv = realloc(v, cap * sizeof *nv);
			if (!nv) {
				free(v);
				sqlite3_finalize(q);
				store_set_err(st, "out of memory");
				return -1;
			}
			v = nv;
		}
		const char *cat = (const char *)sqlite3_column_text(q, 0);
		v[cnt].category = strcmp(cat, "all") == 0 ? -1 : dc_category_parse(cat);
		store_col_text(q, 1, v[cnt].date, sizeof v[cnt].date);
		v[cnt].removed = sqlite3_column_int(q, 2);
		cnt++;
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		free(v);
		return store_db_fail(st, "plan");
	}
	*out = v;
	*n = cnt;
	return 0;
}

/* Current count for (category, date) as text, "" when none; -1 on error. */
static int plan_current(struct dc_store *st, const char *cat, const char *date, char *buf, size_t len)
{
	sqlite3_stmt *q;
	int rc;
	buf[0] = '\0';
	if (sqlite3_prepare_v2(st->db, "SELECT removed FROM plan_targets WHERE category=?1 "
			       "AND target_date=?2", -1, &q, NULL) != SQLITE_OK)
		return store_db_fail(st, "plan");
	sqlite3_bind_text(q, 1, cat, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, date, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		snprintf(buf, len, "%d", sqlite3_column_int(q, 0));
	sqlite3_finalize(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_fail(st, "plan");
	return 0;
}

/* Run `sql` (?1 category, ?2 date[, ?3 count]) and audit it, atomically. */
static int plan_write(struct dc_store *st, const char *sql, int category, const char *date,
		      const char *new_v, int count, const char *actor, int *existed)
{
	const char *cat = plan_cat(category);
	char old_v[32], field[64];
	sqlite3_stmt *q;

	if (category >= DC_CAT__COUNT || !dc_date_valid(date)) {
		store_set_err(st, TR("objectif invalide (catégorie ou date)", "invalid target (category or date)"));
		return -1;
	}
	/* Alone, a write transaction from the start (store_internal.h: why
	 * IMMEDIATE); inside a caller's transaction, a savepoint. */
	bool own = sqlite3_get_autocommit(st->db);
	if (store_exec(st, own ? "BEGIN IMMEDIATE" : "SAVEPOINT plan") < 0)
		return -1;
	if (plan_current(st, cat, date, old_v, sizeof old_v) < 0)
		goto fail;
	if (existed)
		*existed = old_v[0] != '\0';
	if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK) {
		store_db_fail(st, "plan");
		goto fail;
	}
	sqlite3_bind_text(q, 1, cat, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, date, -1, SQLITE_STATIC);
	if (sqlite3_bind_parameter_count(q) >= 3)
		sqlite3_bind_int(q, 3, count);
	int rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		store_db_fail(st, "plan");
		goto fail;
	}
	snprintf(field, sizeof field, "plan:%s:%s", cat, date);
	if (strcmp(old_v, new_v) != 0 && store_audit_row(st, actor, NULL, field, old_v, new_v) < 0)
		goto fail;
	if (store_exec(st, own ? "COMMIT" : "RELEASE plan") == 0)
		return 0;
fail:;
	char keep[sizeof st->err];
	memcpy(keep, st->err, sizeof keep);
	store_exec(st, own ? "ROLLBACK" : "ROLLBACK TO plan; RELEASE plan");
	memcpy(st->err, keep, sizeof keep);
	return -1;
}

int dc_store_plan_set(struct dc_store *st, const struct dc_plan_target *t, const char *actor)
{
	char new_v[32];
	if (t->removed < 0) {
		store_set_err(st, TR("nombre d'écrans négatif", "negative number of screens"));
		return -1;
	}
	snprintf(new_v, sizeof new_v, "%d", t->removed);
	return plan_write(st, "INSERT INTO plan_targets (category, target_date, removed) "
			  "VALUES (?1, ?2, ?3) ON CONFLICT (category, target_date) "
			  "DO UPDATE SET removed = excluded.removed",
			  t->category, t->date, new_v, t->removed, actor, NULL);
}

int dc_store_plan_unset(struct dc_store *st, int category, const char *date, const char *actor)
{
	int existed = 0;
	if (plan_write(st, "DELETE FROM plan_targets WHERE category = ?1 AND target_date = ?2",
		       category, date, "", 0, actor, &existed) < 0)
		return -1;
	return existed;
}

/* ---- Audit ------------------------------------------------------------ */

int dc_store_history(struct dc_store *st, const char *screen_id, dc_audit_cb cb, void *arg)
{
	sqlite3_stmt *q;
	int rc, ret = 0;
	const char *sql = screen_id
		? "SELECT id, at, actor, screen_id, field, old, new FROM audit "
		  "WHERE screen_id = ?1 ORDER BY id"
		: "SELECT id, at, actor, '', field, old, new FROM audit "
		  "WHERE screen_id IS NULL ORDER BY id";

	if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK)
		return store_db_fail(st, "history");
	if (screen_id)
		sqlite3_bind_text(q, 1, screen_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct dc_audit_entry e = {
			.seq = sqlite3_column_int64(q, 0),
			.at = (const char *)sqlite3_column_text(q, 1),
			.actor = (const char *)sqlite3_column_text(q, 2),
			.screen_id = (const char *)sqlite3_column_text(q, 3),
			.field = (const char *)sqlite3_column_text(q, 4),
			.old_value = (const char *)sqlite3_column_text(q, 5),
			.new_value = (const char *)sqlite3_column_text(q, 6),
		};
		if (!e.old_value)
			e.old_value = "";
		if (!e.new_value)
			e.new_value = "";
		if ((ret = cb(&e, arg)) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = store_db_fail(st, "history");
	sqlite3_finalize(q);
	return ret;
}
