/* overrides.c — manual overrides and grid alerts in the inventory database. */
#include "overrides.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"

static int fail(sqlite3 *db, char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s: %s", what, sqlite3_errmsg(db));
	return -1;
}

static void copy_col(char *dst, size_t len, sqlite3_stmt *s, int col)
{
	const unsigned char *v = sqlite3_column_text(s, col);

	snprintf(dst, len, "%s", v ? (const char *)v : "");
}

int gw_override_add(struct dc_store *st, const struct dc_override *o, int64_t now, int64_t *id,
		    char *err, size_t errlen)
{
	sqlite3 *db = dc_store_db(st);
	sqlite3_stmt *s = NULL;
	struct dc_screen scr;
	int rc = -1;

	if (o->until <= o->from) {
		snprintf(err, errlen, "%s", TR("l'échéance doit suivre le début", "expiry must be after the start"));
		return -1;
	}
	if (!*o->author || !*o->reason) {
		snprintf(err, errlen, "%s", TR("auteur et motif obligatoires", "author and reason are required"));
		return -1;
	}
	int found = dc_store_get_screen(st, o->screen, &scr);
	if (found <= 0) {
		snprintf(err, errlen, found < 0 ? "%s" : TR("écran inconnu « %s »", "unknown screen '%s'"),
			 found < 0 ? dc_store_errmsg(st) : o->screen);
		return -1;
	}
	if (sqlite3_prepare_v2(db, "INSERT INTO overrides (screen_id,kind,starts,expires,author,reason,created)"
				   " VALUES (?,?,?,?,?,?,?)", -1, &s, NULL) != SQLITE_OK)
		return fail(db, err, errlen, "overrides");
	sqlite3_bind_text(s, 1, o->screen, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, o->kind == DC_FORCE_ON ? "force_on" : "force_off", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, o->from);
	sqlite3_bind_int64(s, 4, o->until);
	sqlite3_bind_text(s, 5, o->author, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, o->reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 7, now);
	if (sqlite3_step(s) != SQLITE_DONE)
		fail(db, err, errlen, "overrides");
	else {
		*id = sqlite3_last_insert_rowid(db);
		rc = 0;
	}
	sqlite3_finalize(s);
	return rc;
}

int gw_override_list(struct dc_store *st, int64_t now, bool all, struct gw_override_row **out,
		     size_t *n, char *err, size_t errlen)
{
	sqlite3 *db = dc_store_db(st);
	sqlite3_stmt *s = NULL;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(db, all ? "SELECT id,screen_id,kind,starts,expires,author,reason,created,"
				     "coalesce(cleared,0) FROM overrides WHERE ?1 = ?1 ORDER BY id"
				   : "SELECT id,screen_id,kind,starts,expires,author,reason,created,0 FROM overrides"
				     " WHERE cleared IS NULL AND expires > ?1 ORDER BY id", -1, &s, NULL) != SQLITE_OK)
		return fail(db, err, errlen, "overrides");
	sqlite3_bind_int64(s, 1, now);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			struct gw_override_row *x = realloc(*out, cap * sizeof *x);
			if (!x) {
				rc = SQLITE_NOMEM;
				break;
			}
			*out = x;
		}
		struct gw_override_row *r = &(*out)[(*n)++];
		memset(r, 0, sizeof *r);
		r->id = sqlite3_column_int64(s, 0);
		copy_col(r->o.screen, sizeof r->o.screen, s, 1);
		r->o.kind = strcmp((const char *)sqlite3_column_text(s, 2), "force_on") == 0 ? DC_FORCE_ON
											   : DC_FORCE_OFF;
		r->o.from = sqlite3_column_int64(s, 3);
		r->o.until = sqlite3_column_int64(s, 4);
		copy_col(r->o.author, sizeof r->o.author, s, 5);
		copy_col(r->o.reason, sizeof r->o.reason, s, 6);
		r->created = sqlite3_column_int64(s, 7);
		r->cleared = sqlite3_column_int64(s, 8);
	}
	if (rc != SQLITE_DONE) {
		fail(db, err, errlen, "overrides");
		sqlite3_finalize(s);
		free(*out);
		*out = NULL;
		*n = 0;
		return -1;
	}
	sqlite3_finalize(s);
	return 0;
}

static int clear_rows(sqlite3 *db, const char *sql, int64_t id, const char *screen, const char *actor,
		      int64_t now, int *count, char *err, size_t errlen, const char *what)
{
	sqlite3_stmt *s = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return fail(db, err, errlen, what);
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_text(s, 2, actor, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, id);
	if (screen)
		sqlite3_bind_text(s, 4, screen, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 4);
	if (sqlite3_step(s) != SQLITE_DONE)
		fail(db, err, errlen, what);
	else {
		*count = sqlite3_changes(db);
		rc = 0;
	}
	sqlite3_finalize(s);
	return rc;
}

int gw_override_clear(struct dc_store *st, int64_t id, const char *screen, const char *actor,
		      int64_t now, int *count, char *err, size_t errlen)
{
	return clear_rows(dc_store_db(st),
			  "UPDATE overrides SET cleared = ?1, cleared_by = ?2 WHERE cleared IS NULL"
			  " AND (?3 = 0 OR id = ?3) AND (?4 IS NULL OR screen_id = ?4)"
			  " AND (?3 <> 0 OR expires > ?1)",
			  id, screen, actor, now, count, err, errlen, "overrides");
}

int gw_alert_add(struct dc_store *st, const struct dc_grid_alert *a, int64_t now, int64_t *id,
		 char *err, size_t errlen)
{
	sqlite3 *db = dc_store_db(st);
	sqlite3_stmt *s = NULL;
	int rc = -1;

	if (a->until <= a->from) {
		snprintf(err, errlen, "%s", TR("la fin doit suivre le début", "the end must be after the start"));
		return -1;
	}
	if (!*a->source) {
		snprintf(err, errlen, "%s", TR("source obligatoire", "source is required"));
		return -1;
	}
	if (sqlite3_prepare_v2(db, "INSERT INTO grid_alerts (starts,ends,categories,source,reason,created)"
				   " VALUES (?,?,?,?,?,?)", -1, &s, NULL) != SQLITE_OK)
		return fail(db, err, errlen, "grid_alerts");
	sqlite3_bind_int64(s, 1, a->from);
	sqlite3_bind_int64(s, 2, a->until);
	sqlite3_bind_int64(s, 3, a->categories);
	sqlite3_bind_text(s, 4, a->source, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, a->reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, now);
	if (sqlite3_step(s) != SQLITE_DONE)
		fail(db, err, errlen, "grid_alerts");
	else {
		*id = sqlite3_last_insert_rowid(db);
		rc = 0;
	}
	sqlite3_finalize(s);
	return rc;
}

int gw_alert_list(struct dc_store *st, int64_t now, bool all, struct gw_alert_row **out,
		  size_t *n, char *err, size_t errlen)
{
	sqlite3 *db = dc_store_db(st);
	sqlite3_stmt *s = NULL;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(db, all ? "SELECT id,starts,ends,categories,source,reason,created,"
				     "coalesce(cleared,0) FROM grid_alerts WHERE ?1 = ?1 ORDER BY id"
				   : "SELECT id,starts,ends,categories,source,reason,created,0 FROM grid_alerts"
				     " WHERE cleared IS NULL AND ends > ?1 ORDER BY id", -1, &s, NULL) != SQLITE_OK)
		return fail(db, err, errlen, "grid_alerts");
	sqlite3_bind_int64(s, 1, now);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			struct gw_alert_row *x = realloc(*out, cap * sizeof *x);
			if (!x) {
				rc = SQLITE_NOMEM;
				break;
			}
			*out = x;
		}
		struct gw_alert_row *r = &(*out)[(*n)++];
		memset(r, 0, sizeof *r);
		r->id = sqlite3_column_int64(s, 0);
		r->a.from = sqlite3_column_int64(s, 1);
		r->a.until = sqlite3_column_int64(s, 2);
		r->a.categories = (unsigned)sqlite3_column_int64(s, 3);
		copy_col(r->a.source, sizeof r->a.source, s, 4);
		copy_col(r->a.reason, sizeof r->a.reason, s, 5);
		r->created = sqlite3_column_int64(s, 6);
		r->cleared = sqlite3_column_int64(s, 7);
	}
	if (rc != SQLITE_DONE) {
		fail(db, err, errlen, "grid_alerts");
		sqlite3_finalize(s);
		free(*out);
		*out = NULL;
		*n = 0;
		return -1;
	}
	sqlite3_finalize(s);
	return 0;
}

int gw_alert_clear(struct dc_store *st, int64_t id, const char *actor, int64_t now, int *count,
		   char *err, size_t errlen)
{
	return clear_rows(dc_store_db(st),
			  "UPDATE grid_alerts SET cleared = ?1, cleared_by = ?2 WHERE cleared IS NULL"
			  " AND (?3 = 0 OR id = ?3) AND (?4 IS NULL) AND (?3 <> 0 OR ends > ?1)",
			  id, NULL, actor, now, count, err, errlen, "grid_alerts");
}

int gw_schedule_inputs(struct dc_store *st, int64_t now, struct dc_override **ov, size_t *nov,
		       struct dc_grid_alert **al, size_t *nal, char *err, size_t errlen)
{
	struct gw_override_row *orows = NULL;
	struct gw_alert_row *arows = NULL;
	size_t no = 0, na = 0;

	*ov = NULL;
	*al = NULL;
	*nov = *nal = 0;
	if (gw_override_list(st, now, false, &orows, &no, err, errlen) < 0)
		return -1;
	if (gw_alert_list(st, now, false, &arows, &na, err, errlen) < 0) {
		free(orows);
		return -1;
	}
	*ov = calloc(no ? no : 1, sizeof **ov);
	*al = calloc(na ? na : 1, sizeof **al);
	if (!*ov || !*al) {
		free(*ov);
		free(*al);
		free(orows);
		free(arows);
		snprintf(err, errlen, "%s", TR("mémoire insuffisante", "out of memory"));
		return -1;
	}
	for (size_t i = 0; i < no; i++)
		(*ov)[i] = orows[i].o;
	for (size_t i = 0; i < na; i++)
		(*al)[i] = arows[i].a;
	*nov = no;
	*nal = na;
	free(orows);
	free(arows);
	return 0;
}
