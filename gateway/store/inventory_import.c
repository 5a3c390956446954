/* inventory_import.c — every row checked and written in one transaction, kept only
 * when the whole file is good (see .h). */
#include "inventory_import.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include "i18n.h"
#include "screen_csv.h"

#define PROGRESS_EVERY 5000

/* Ids seen in the file, with the line of their first occurrence: an
 * open-addressing hash set, sized for the file, freed after pass 1. */
struct idset {
	struct slot {
		char id[DC_ID_MAX];
		long line;
	} *v;
	size_t cap, n;
};

static uint64_t hash_id(const char *s)
{
	uint64_t h = 1469598103934665603ull;	/* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static int idset_resize(struct idset *set, size_t cap)
{
	struct idset bigger = { .cap = cap };
	bigger.v = calloc(bigger.cap, sizeof *bigger.v);
	if (!bigger.v)
		return -1;
	for (size_t i = 0; i < set->cap; i++) {
		if (!set->v[i].id[0])
			continue;
		size_t j = hash_id(set->v[i].id) & (bigger.cap - 1);
		while (bigger.v[j].id[0])
			j = (j + 1) & (bigger.cap - 1);
		bigger.v[j] = set->v[i];
	}
	bigger.n = set->n;
	free(set->v);
	*set = bigger;
	return 0;
}

/* Room for n ids without growing (at most half full). */
static int idset_reserve(struct idset *set, size_t n)
{
	size_t cap = 1024;
	while (cap < 2 * n)
		cap *= 2;
	return cap > set->cap ? idset_resize(set, cap) : 0;
}

static bool idset_has(const struct idset *set, const char *id)
{
	if (!set->n)
		return false;
	for (size_t j = hash_id(id) & (set->cap - 1); set->v[j].id[0]; j = (j + 1) & (set->cap - 1))
		if (strcmp(set->v[j].id, id) == 0)
			return true;
	return false;
}

/* Insert id; returns 0 when new, the first line when already present,
 * -1 when out of memory. */
static long idset_add(struct idset *set, const char *id, long line)
{
	if ((set->n + 1) * 2 > set->cap && idset_resize(set, set->cap ? set->cap * 2 : 1024) < 0)
		return -1;
	size_t j = hash_id(id) & (set->cap - 1);
	while (set->v[j].id[0]) {
		if (strcmp(set->v[j].id, id) == 0)
			return set->v[j].line;
		j = (j + 1) & (set->cap - 1);
	}
	snprintf(set->v[j].id, sizeof set->v[j].id, "%s", id);
	set->v[j].line = line;
	set->n++;
	return 0;
}

static void progress(const struct dc_import_opts *o, long rows, const struct dc_screen_csv *r,
		     size_t len, const char *data)
{
	if (o->progress && rows % PROGRESS_EVERY == 0)
		o->progress(rows, (size_t)(r->csv.p - data), len, o->progress_arg);
}

static int add_existing(const char *id, void *arg)
{
	return idset_add(arg, id, 1) < 0;
}

/* The ids of the database, read in one pass: a set look-up per row of the
 * file instead of a query (100,000 of them were a tenth of an import). */
static int read_existing(struct dc_store *st, struct idset *existing, struct dc_errlist *errs)
{
	struct dc_screen_filter all = DC_SCREEN_FILTER_ALL;
	long n = 0;
	if (dc_store_count_screens(st, &all, &n) < 0)
		return dc_errlist_add(errs, 0, "", "%s", dc_store_errmsg(st)), -1;
	if (n == 0)
		return 0;
	if (idset_reserve(existing, (size_t)n) < 0)
		return dc_errlist_add(errs, 0, "", "out of memory"), -1;
	if (dc_store_each_screen_id(st, add_existing, existing) < 0)
		return dc_errlist_add(errs, 0, "", "%s", dc_store_errmsg(st)), -1;
	/* add_existing stops the scan when the set cannot grow: out of memory */
	if (existing->n < (size_t)n)
		return dc_errlist_add(errs, 0, "", "out of memory"), -1;
	return 0;
}

/* Rows in the file, about (its lines): the size of the set of its ids. */
static size_t lines_in(const char *data, size_t len)
{
	size_t n = 1;
	for (const char *p = data, *end = data + len; (p = memchr(p, '\n', (size_t)(end - p)));
	     p++)
		n++;
	return n;
}

/* New screens waiting to be written DC_STORE_BATCH at a time, in file order. */
struct pending {
	struct dc_screen v[DC_STORE_BATCH];
	size_t n;
	long first_line;
};

static int flush(struct dc_store *st, struct pending *p, const struct dc_import_opts *o,
		 struct dc_import_result *res, struct dc_errlist *errs)
{
	size_t n = p->n;
	/* Emptied either way: after a failed write the rows are only checked
	 * (the caller rolls back), and the next one is read into v[n]. */
	p->n = 0;
	if (n && dc_store_create_screens(st, p->v, n, o->actor) < 0) {
		dc_errlist_add(errs, p->first_line, "", "%s", dc_store_errmsg(st));
		return -1;
	}
	res->created += (long)n;
	return 0;
}

/* Is the row good to write?  Its parse (rc), its id unique in the file and
 * new to the database unless updating; every error reported. */
static bool row_ok(int rc, const struct dc_screen *s, long line, const struct dc_import_opts *o,
		   const struct idset *existing, struct idset *seen, struct dc_errlist *errs)
{
	if (rc != 1)
		return false;	/* the reader said why */
	long first = idset_add(seen, s->id, line);
	if (first < 0) {
		dc_errlist_add(errs, line, "id", "out of memory");
		return false;
	}
	if (first > 0) {
		dc_errlist_add(errs, line, "id", TR("identifiant « %s » en double (déjà ligne %ld)",
						    "duplicate id '%s' (already on line %ld)"),
			       s->id, first);
		return false;
	}
	if (idset_has(existing, s->id) && !o->update) {
		dc_errlist_add(errs, line, "id", TR("l'écran « %s » existe déjà dans la base "
						    "(--update pour le mettre à jour)",
						    "screen '%s' already exists in the database "
						    "(--update to update it)"), s->id);
		return false;
	}
	return true;
}

/* One reading of the file, inside the caller's transaction: each row is
 * checked, and written while no error has been found (new screens by
 * batches, an update at its place in the file, after the new screens
 * before it).  After the first error the rows are only checked, so that
 * every error is listed; the caller then rolls everything back. */
static void import_rows(struct dc_store *st, const char *data, size_t len,
			const struct dc_import_opts *o, const struct idset *existing,
			struct dc_import_result *res, struct dc_errlist *errs)
{
	struct dc_screen_csv r;
	struct idset seen = { 0 };
	struct pending *p = malloc(sizeof *p);
	long line = 0;
	int rc, changes;

	if (!p || idset_reserve(&seen, lines_in(data, len)) < 0) {
		dc_errlist_add(errs, 0, "", "out of memory");
		goto out;
	}
	p->n = 0;
	if (dc_screen_csv_open(&r, data, len, errs) < 0)
		goto close;
	for (;;) {
		struct dc_screen *s = &p->v[p->n];	/* the slot after the pending ones */
		if ((rc = dc_screen_csv_next(&r, s, &line, errs)) <= 0)
			break;
		progress(o, ++res->rows, &r, len, data);
		if (!row_ok(rc, s, line, o, existing, &seen, errs) || dc_errlist_count(errs))
			continue;
		if (!idset_has(existing, s->id)) {
			if (p->n++ == 0)
				p->first_line = line;
			if (p->n == DC_STORE_BATCH)
				flush(st, p, o, res, errs);
		} else if (flush(st, p, o, res, errs) == 0) {
			if (dc_store_put_screen(st, s, o->actor, &changes) < 0)
				dc_errlist_add(errs, line, "", "%s", dc_store_errmsg(st));
			else if (changes)
				res->updated++;
			else
				res->unchanged++;
		}
	}
	if (res->rows == 0 && dc_errlist_count(errs) == 0)
		dc_errlist_add(errs, 2, "", TR("aucune ligne de données", "no data rows"));
	if (dc_errlist_count(errs) == 0)
		flush(st, p, o, res, errs);
close:
	dc_screen_csv_close(&r);
out:
	free(seen.v);
	free(p);
}

int dc_inventory_import(struct dc_store *st, const char *data, size_t len,
			const struct dc_import_opts *o, struct dc_import_result *res,
			struct dc_errlist *errs)
{
	memset(res, 0, sizeof *res);
	/* One write transaction: no other writer can add a conflicting id
	 * between the check and the write, and a file with any error leaves
	 * the database as it was (rolled back). */
	if (dc_store_begin(st) < 0) {
		dc_errlist_add(errs, 0, "", "%s", dc_store_errmsg(st));
		return -1;
	}
	struct idset existing = { 0 };
	if (read_existing(st, &existing, errs) < 0) {
		free(existing.v);
		dc_store_rollback(st);
		return -1;
	}
	/* A first import fills an empty table: its indexes are built once,
	 * sorted, at the commit, not row by row. */
	if (existing.n == 0 &&
	    (dc_store_defer_indexes(st, "screens") < 0 || dc_store_defer_indexes(st, "audit") < 0)) {
		dc_errlist_add(errs, 0, "", "%s", dc_store_errmsg(st));
		free(existing.v);
		dc_store_rollback(st);
		return -1;
	}
	import_rows(st, data, len, o, &existing, res, errs);
	free(existing.v);
	if (dc_errlist_count(errs)) {
		res->created = res->updated = res->unchanged = 0;
		dc_store_rollback(st);
		dc_errlist_sort(errs);
		return -1;
	}
	if (dc_store_commit(st) < 0) {
		res->created = res->updated = res->unchanged = 0;
		dc_errlist_add(errs, 0, "", "%s", dc_store_errmsg(st));
		dc_store_rollback(st);
		return -1;
	}
	return 0;
}
