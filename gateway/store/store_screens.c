/* store_screens.c — screens in the database: read, write with one audit
 * row per changed field, list with filters and sort. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "screen_fields.h"
#include "store_internal.h"

/* Parameters base+1 .. base+DC_F__COUNT, in SCREEN_COLS order. */
static void bind_screen_at(sqlite3_stmt *q, int base, const struct dc_screen *s)
{
	sqlite3_bind_text(q, base + 1, s->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, base + 2, s->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, base + 3, dc_category_name(s->category), -1, SQLITE_STATIC);
	sqlite3_bind_text(q, base + 4, s->site, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, base + 5, s->address, -1, SQLITE_STATIC);
	if (s->has_coords) {
		sqlite3_bind_double(q, base + 6, s->lat);
		sqlite3_bind_double(q, base + 7, s->lon);
	} else {
		sqlite3_bind_null(q, base + 6);
		sqlite3_bind_null(q, base + 7);
	}
	sqlite3_bind_text(q, base + 8, s->owner, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, base + 9, dc_tech_name(s->tech), -1, SQLITE_STATIC);
	sqlite3_bind_double(q, base + 10, s->surface_m2);
	sqlite3_bind_double(q, base + 11, s->power_on_w);
	sqlite3_bind_double(q, base + 12, s->power_standby_w);
	sqlite3_bind_double(q, base + 13, s->baseline_hours);
	sqlite3_bind_text(q, base + 14, dc_status_name(s->status), -1, SQLITE_STATIC);
	store_bind_text_or_null(q, base + 15, s->removal_target);
	store_bind_text_or_null(q, base + 16, s->removal_date);
	sqlite3_bind_int(q, base + 17, (s->flags & DC_FLAG_AIRPORT) != 0);
	sqlite3_bind_int(q, base + 18, (s->flags & DC_FLAG_TRANSPORT_FURNITURE) != 0);
	sqlite3_bind_text(q, base + 19, s->service_hours, -1, SQLITE_STATIC);
	store_bind_text_or_null(q, base + 20, s->box);
	if (s->channel > 0)
		sqlite3_bind_int(q, base + 21, s->channel);
	else
		sqlite3_bind_null(q, base + 21);
	sqlite3_bind_text(q, base + 22, s->notes, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, base + 23, dc_display_name(s->display), -1, SQLITE_STATIC);
}

static void bind_screen(sqlite3_stmt *q, const struct dc_screen *s)
{
	bind_screen_at(q, 0, s);
}

static void read_screen(sqlite3_stmt *q, struct dc_screen *s)
{
	char buf[32];
	int v;

	dc_screen_init(s);
	store_col_text(q, 0, s->id, sizeof s->id);
	store_col_text(q, 1, s->name, sizeof s->name);
	store_col_text(q, 2, buf, sizeof buf);
	if ((v = dc_category_parse(buf)) >= 0)
		s->category = (enum dc_category)v;
	store_col_text(q, 3, s->site, sizeof s->site);
	store_col_text(q, 4, s->address, sizeof s->address);
	s->has_coords = sqlite3_column_type(q, 5) != SQLITE_NULL &&
			sqlite3_column_type(q, 6) != SQLITE_NULL;
	if (s->has_coords) {
		s->lat = sqlite3_column_double(q, 5);
		s->lon = sqlite3_column_double(q, 6);
	}
	store_col_text(q, 7, s->owner, sizeof s->owner);
	store_col_text(q, 8, buf, sizeof buf);
	if ((v = dc_tech_parse(buf)) >= 0)
		s->tech = (enum dc_tech)v;
	s->surface_m2 = sqlite3_column_double(q, 9);
	s->power_on_w = sqlite3_column_double(q, 10);
	s->power_standby_w = sqlite3_column_double(q, 11);
	s->baseline_hours = sqlite3_column_double(q, 12);
	store_col_text(q, 13, buf, sizeof buf);
	if ((v = dc_status_parse(buf)) >= 0)
		s->status = (enum dc_status)v;
	store_col_text(q, 14, s->removal_target, sizeof s->removal_target);
	store_col_text(q, 15, s->removal_date, sizeof s->removal_date);
	s->flags = (sqlite3_column_int(q, 16) ? DC_FLAG_AIRPORT : 0) |
		   (sqlite3_column_int(q, 17) ? DC_FLAG_TRANSPORT_FURNITURE : 0);
	store_col_text(q, 18, s->service_hours, sizeof s->service_hours);
	store_col_text(q, 19, s->box, sizeof s->box);
	s->channel = sqlite3_column_int(q, 20);
	store_col_text(q, 21, s->notes, sizeof s->notes);
	store_col_text(q, 22, buf, sizeof buf);
	if ((v = dc_display_parse(buf)) >= 0)
		s->display = (enum dc_display)v;
}

int dc_store_get_screen(struct dc_store *st, const char *id, struct dc_screen *out)
{
	int rc;
	sqlite3_bind_text(st->get, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st->get);
	if (rc == SQLITE_ROW)
		read_screen(st->get, out);
	else if (rc != SQLITE_DONE)
		store_db_fail(st, "get");
	sqlite3_reset(st->get);
	sqlite3_clear_bindings(st->get);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int dc_store_has_screen(struct dc_store *st, const char *id)
{
	int rc;
	sqlite3_bind_text(st->exists, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st->exists);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		store_db_fail(st, "exists");
	sqlite3_reset(st->exists);
	sqlite3_clear_bindings(st->exists);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static int put_screen_body(struct dc_store *st, const struct dc_screen *s, const char *actor,
			   int *changes)
{
	struct dc_screen old;
	int found = dc_store_get_screen(st, s->id, &old);

	if (found < 0)
		return -1;
	if (!found) {
		bind_screen(st->insert, s);
		if (store_step_done(st, st->insert, "insert") < 0)
			return -1;
		*changes = 1;
		return store_audit_row(st, actor, s->id, "created", NULL, s->name);
	}
	/* One audit row per changed field, in canonical text. */
	for (int f = DC_F_ID + 1; f < DC_F__COUNT; f++) {
		char a[600], b[600];
		dc_field_format(&old, f, a, sizeof a);
		dc_field_format(s, f, b, sizeof b);
		if (strcmp(a, b) == 0)
			continue;
		if (store_audit_row(st, actor, s->id, dc_field_name(f), a, b) < 0)
			return -1;
		(*changes)++;
	}
	if (*changes == 0)
		return 0;
	bind_screen(st->update, s);
	return store_step_done(st, st->update, "update");
}

int dc_store_put_screen(struct dc_store *st, const struct dc_screen *s, const char *actor,
			int *changes)
{
	char why[256];
	enum dc_field f;
	int n = 0;

	if (dc_screen_check(s, &f, why, sizeof why) < 0) {
		store_set_err(st, "%s: %s: %s", s->id, dc_field_name(f), why);
		return -1;
	}
	/* Outside a transaction, a transaction of its own makes the put atomic
	 * (store_internal.h: why IMMEDIATE).  Inside the caller's transaction
	 * (a bulk import) the caller rolls back on any failure, and a savepoint
	 * per row would journal every touched page once more in memory: a third
	 * of the import's time. */
	if (!sqlite3_get_autocommit(st->db)) {
		if (put_screen_body(st, s, actor, &n) < 0)
			return -1;
		if (changes)
			*changes = n;
		return 0;
	}
	if (store_step_done(st, st->put_begin, "begin") < 0)
		return -1;
	if (put_screen_body(st, s, actor, &n) < 0) {
		char keep[sizeof st->err];
		memcpy(keep, st->err, sizeof keep);
		store_step_done(st, st->put_rollback, "rollback");
		memcpy(st->err, keep, sizeof keep);
		return -1;
	}
	if (store_step_done(st, st->put_commit, "commit") < 0) {
		char keep[sizeof st->err];
		memcpy(keep, st->err, sizeof keep);
		store_step_done(st, st->put_rollback, "rollback");
		memcpy(st->err, keep, sizeof keep);
		return -1;
	}
	if (changes)
		*changes = n;
	return 0;
}

/* "INSERT INTO table (cols) VALUES (?,...),(?,...)...": rows of ncols. */
static int prepare_rows(struct dc_store *st, sqlite3_stmt **q, const char *head, int ncols, int rows)
{
	size_t len = strlen(head) + (size_t)rows * (size_t)(ncols * 2 + 2) + 1;
	char *sql = malloc(len), *p = sql;

	if (!sql) {
		store_set_err(st, "out of memory");
		return -1;
	}
	p += sprintf(p, "%s", head);
	for (int r = 0; r < rows; r++) {
		*p++ = r ? ',' : ' ';
		*p++ = '(';
		for (int c = 0; c < ncols; c++) {
			if (c)
				*p++ = ',';
			*p++ = '?';
		}
		*p++ = ')';
	}
	*p = '\0';
	int rc = sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, q, NULL);
	free(sql);
	return rc == SQLITE_OK ? 0 : store_db_fail(st, "prepare");
}

int dc_store_create_screens(struct dc_store *st, const struct dc_screen *v, size_t n, const char *actor)
{
	char why[256], at[32];
	enum dc_field f;

	if (n > DC_STORE_BATCH || sqlite3_get_autocommit(st->db)) {
		store_set_err(st, "internal: %zu screens created at once (at most %d), or outside a "
			      "transaction", n, DC_STORE_BATCH);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (dc_screen_check(&v[i], &f, why, sizeof why) < 0) {
			store_set_err(st, "%s: %s: %s", v[i].id, dc_field_name(f), why);
			return -1;
		}
	if (n < DC_STORE_BATCH) {	/* the tail of an import: row by row */
		for (size_t i = 0; i < n; i++)
			if (dc_store_put_screen(st, &v[i], actor, NULL) < 0)
				return -1;
		return 0;
	}
	if ((!st->insert_batch &&
	     prepare_rows(st, &st->insert_batch, "INSERT INTO screens (" SCREEN_COLS ") VALUES", DC_F__COUNT,
			  DC_STORE_BATCH) < 0) ||
	    (!st->audit_batch &&
	     prepare_rows(st, &st->audit_batch, "INSERT INTO audit (at,actor,screen_id,field,old,new) VALUES",
			  6, DC_STORE_BATCH) < 0))
		return -1;
	store_audit_now(st, at, sizeof at);
	for (size_t i = 0; i < n; i++) {
		int b = (int)i * 6;
		bind_screen_at(st->insert_batch, (int)i * DC_F__COUNT, &v[i]);
		sqlite3_bind_text(st->audit_batch, b + 1, at, -1, SQLITE_STATIC);
		sqlite3_bind_text(st->audit_batch, b + 2, actor && *actor ? actor : "?", -1, SQLITE_STATIC);
		sqlite3_bind_text(st->audit_batch, b + 3, v[i].id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st->audit_batch, b + 4, "created", -1, SQLITE_STATIC);
		sqlite3_bind_null(st->audit_batch, b + 5);
		sqlite3_bind_text(st->audit_batch, b + 6, v[i].name, -1, SQLITE_STATIC);
	}
	if (store_step_done(st, st->insert_batch, "insert") < 0)
		return -1;
	return store_step_done(st, st->audit_batch, "audit");
}

bool dc_store_sort_valid(const char *field)
{
	return field && dc_field_parse(field) >= 0;
}

/* WHERE clause and its bindings, shared by list and count. */
static int prepare_filtered(struct dc_store *st, const char *head, const struct dc_screen_filter *f,
			    bool order, sqlite3_stmt **q)
{
	char sql[512];
	int n = snprintf(sql, sizeof sql, "%s WHERE 1", head);
	int k = 1;

	if (f && f->status >= 0)
		n += snprintf(sql + n, sizeof sql - n, " AND status = ?%d", k++);
	if (f && f->category >= 0)
		n += snprintf(sql + n, sizeof sql - n, " AND category = ?%d", k++);
	if (f && f->site)
		n += snprintf(sql + n, sizeof sql - n, " AND site = ?%d", k++);
	if (f && f->box)
		n += snprintf(sql + n, sizeof sql - n, " AND box = ?%d", k++);
	if (order) {
		const char *key = f && f->sort ? f->sort : "id";
		int fi = dc_field_parse(key);
		if (fi < 0) {
			store_set_err(st, TR("clé de tri inconnue « %s »", "unknown sort key '%s'"), key);
			return -1;
		}
		/* key is now one of our own column names: safe to splice. */
		bool text = fi != DC_F_LAT && fi != DC_F_LON && fi != DC_F_SURFACE_M2 &&
			    fi != DC_F_POWER_ON_W && fi != DC_F_POWER_STANDBY_W &&
			    fi != DC_F_BASELINE_HOURS && fi != DC_F_CHANNEL &&
			    fi != DC_F_AIRPORT && fi != DC_F_TRANSPORT_FURNITURE;
		snprintf(sql + n, sizeof sql - n, " ORDER BY %s%s %s, id", dc_field_name(fi),
			 text ? " COLLATE NOCASE" : "", f && f->desc ? "DESC" : "ASC");
	}
	if (sqlite3_prepare_v2(st->db, sql, -1, q, NULL) != SQLITE_OK)
		return store_db_fail(st, "list");
	k = 1;
	if (f && f->status >= 0)
		sqlite3_bind_text(*q, k++, dc_status_name(f->status), -1, SQLITE_STATIC);
	if (f && f->category >= 0)
		sqlite3_bind_text(*q, k++, dc_category_name(f->category), -1, SQLITE_STATIC);
	if (f && f->site)
		sqlite3_bind_text(*q, k++, f->site, -1, SQLITE_STATIC);
	if (f && f->box)
		sqlite3_bind_text(*q, k++, f->box, -1, SQLITE_STATIC);
	return 0;
}

int dc_store_list_screens(struct dc_store *st, const struct dc_screen_filter *f,
			  dc_screen_cb cb, void *arg)
{
	sqlite3_stmt *q;
	struct dc_screen s;
	int rc, ret = 0;

	if (prepare_filtered(st, "SELECT " SCREEN_COLS " FROM screens", f, true, &q) < 0)
		return -1;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		read_screen(q, &s);
		if ((ret = cb(&s, arg)) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = store_db_fail(st, "list");
	sqlite3_finalize(q);
	return ret;
}

struct array_acc {
	struct dc_screen *v;
	size_t n, cap;
};

static int append_screen(const struct dc_screen *s, void *arg)
{
	struct array_acc *a = arg;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;
		struct dc_screen *v = realloc(a->v, cap * sizeof *v);
		if (!v)
			return -1;
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = *s;
	return 0;
}

int dc_store_list_screens_array(struct dc_store *st, const struct dc_screen_filter *f,
				struct dc_screen **out, size_t *n)
{
	struct array_acc a = { 0 };
	int rc = dc_store_list_screens(st, f, append_screen, &a);
	if (rc != 0) {
		if (st->err[0] == '\0')
			store_set_err(st, "out of memory");
		free(a.v);
		return -1;
	}
	*out = a.v;
	*n = a.n;
	return 0;
}

int dc_store_count_screens(struct dc_store *st, const struct dc_screen_filter *f, long *n)
{
	sqlite3_stmt *q;
	int rc;
	if (prepare_filtered(st, "SELECT count(*) FROM screens", f, false, &q) < 0)
		return -1;
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		*n = (long)sqlite3_column_int64(q, 0);
	else
		store_db_fail(st, "count");
	sqlite3_finalize(q);
	return rc == SQLITE_ROW ? 0 : -1;
}

int dc_store_each_screen_id(struct dc_store *st, int (*fn)(const char *id, void *arg), void *arg)
{
	sqlite3_stmt *q;
	int rc;
	if (sqlite3_prepare_v2(st->db, "SELECT id FROM screens", -1, &q, NULL) != SQLITE_OK)
		return store_db_fail(st, "ids"), -1;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		if (fn((const char *)sqlite3_column_text(q, 0), arg)) {
			rc = SQLITE_DONE;
			break;
		}
	if (rc != SQLITE_DONE)
		store_db_fail(st, "ids");
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : -1;
}

int dc_store_bind_screen(struct dc_store *st, const char *id, const char *box, int channel,
			 const char *actor, int *changes)
{
	struct dc_screen s;
	int found = dc_store_get_screen(st, id, &s);
	if (found <= 0)
		return found;
	snprintf(s.box, sizeof s.box, "%s", box);
	s.channel = channel;
	return dc_store_put_screen(st, &s, actor, changes) < 0 ? -1 : 1;
}
