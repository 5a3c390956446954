/* inventory_import.c — validate everything, then write everything (see .h). */
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

static void progress(const struct dc_import_opts *o, int pass, long rows,
		     const struct dc_screen_csv *r, size_t len, const char *data)
{
	if (o->progress && rows % PROGRESS_EVERY == 0)
		o->progress(pass, rows, (size_t)(r->csv.p - data), len, o->progress_arg);
}

/* Pass 1: read and check every row; nothing is written. */
static int add_existing(const char *id, void *arg)
{
	return !arg || idset_add(arg, id, 1) < 0;
}

/* The ids of the database, read in one pass: a set look-up per row of the
 * file instead of a query (100,000 of them were a tenth of an import). */
static int read_existing(struct dc_store *st, struct idset *existing, struct dc_errlist *errs)
{
	struct dc_screen_filter all = DC_SCREEN_FILTER_ALL;
	long n = 0;
	if (dc_store_count_screens(st, &all, &n) < 0 ||
	    (n && dc_store_each_screen_id(st, add_existing,
					  idset_reserve(existing, (size_t)n) < 0 ? NULL : existing) < 0))
		return dc_errlist_add(errs, 0, "", "%s", dc_store_errmsg(st)), -1;
	if (existing->n != (size_t)n)	/* add_existing ran out of memory */
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

static void validate(const char *data, size_t len,
		     const struct dc_import_opts *o, const struct idset *existing,
		     struct dc_import_result *res, struct dc_errlist *errs)
{
	struct dc_screen_csv r;
	struct dc_screen s;
	struct idset seen = { 0 };
	long line;
	int rc;

	if (dc_screen_csv_open(&r, data, len, errs) < 0) {
		dc_screen_csv_close(&r);
		return;
	}
	if (idset_reserve(&seen, lines_in(data, len)) < 0) {
		dc_errlist_add(errs, 0, "", "out of memory");
		dc_screen_csv_close(&r);
		return;
	}
	while ((rc = dc_screen_csv_next(&r, &s, &line, errs)) > 0) {
		res->rows++;
		progress(o, 1, res->rows, &r, len, data);
		if (rc != 1)
			continue;
		long first = idset_add(&seen, s.id, line);
		if (first < 0) {
			dc_errlist_add(errs, line, "id", "out of memory");
			break;
		}
		if (first > 0) {
			dc_errlist_add(errs, line, "id", TR("identifiant « %s » en double (déjà ligne %ld)",
							    "duplicate id '%s' (already on line %ld)"),
				       s.id, first);
			continue;
		}
		if (idset_has(existing, s.id) && !o->update)
			dc_errlist_add(errs, line, "id", TR("l'écran « %s » existe déjà dans la base "
							    "(--update pour le mettre à jour)",
							    "screen '%s' already exists in the database "
							    "(--update to update it)"), s.id);
	}
	if (res->rows == 0 && dc_errlist_count(errs) == 0)
		dc_errlist_add(errs, 2, "", TR("aucune ligne de données", "no data rows"));
	free(seen.v);
	dc_screen_csv_close(&r);
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
	if (p->n && dc_store_create_screens(st, p->v, p->n, o->actor) < 0) {
		dc_errlist_add(errs, p->first_line, "", "%s", dc_store_errmsg(st));
		return -1;
	}
	res->created += (long)p->n;
	p->n = 0;
	return 0;
}

/* Pass 2: the file is known good; write it all (the caller's transaction).
 * New screens go in by batches; an update is written at its place in the
 * file, after the new screens before it. */
static int write_all(struct dc_store *st, const char *data, size_t len,
		     const struct dc_import_opts *o, const struct idset *existing,
		     struct dc_import_result *res, struct dc_errlist *errs)
{
	struct dc_screen_csv r;
	struct pending *p = malloc(sizeof *p);
	long line = 0, rows = 0;
	int rc = -1, changes;

	if (!p) {
		dc_errlist_add(errs, 0, "", "out of memory");
		dc_store_rollback(st);
		return -1;
	}
	p->n = 0;
	dc_screen_csv_open(&r, data, len, errs);
	for (;;) {
		struct dc_screen *s = &p->v[p->n];
		if ((rc = dc_screen_csv_next(&r, s, &line, errs)) != 1)
			break;
		if (!idset_has(existing, s->id)) {
			if (p->n++ == 0)
				p->first_line = line;
			if (p->n == DC_STORE_BATCH && flush(st, p, o, res, errs) < 0)
				break;
		} else {
			if (flush(st, p, o, res, errs) < 0)
				break;
			/* s is the slot after the pending ones: flush leaves it be. */
			if (dc_store_put_screen(st, s, o->actor, &changes) < 0) {
				dc_errlist_add(errs, line, "", "%s", dc_store_errmsg(st));
				break;
			}
			if (changes)
				res->updated++;
			else
				res->unchanged++;
		}
		progress(o, 2, ++rows, &r, len, data);
	}
	if (rc == 0 && !dc_errlist_count(errs))
		flush(st, p, o, res, errs);
	dc_screen_csv_close(&r);
	free(p);
	if (rc != 0 || dc_errlist_count(errs)) {
		/* Cannot happen after a clean pass 1 unless the disk or the
		 * database failed; roll everything back all the same. */
		if (dc_errlist_count(errs) == 0)
			dc_errlist_add(errs, line, "", "internal: row changed between passes");
		dc_store_rollback(st);
		return -1;
	}
	if (dc_store_commit(st) < 0) {
		dc_errlist_add(errs, 0, "", "%s", dc_store_errmsg(st));
		dc_store_rollback(st);
		return -1;
	}
	return 0;
}

int dc_inventory_import(struct dc_store *st, const char *data, size_t len,
			const struct dc_import_opts *o, struct dc_import_result *res,
			struct dc_errlist *errs)
{
	memset(res, 0, sizeof *res);
	/* Both passes run in one write transaction: no other writer can add
	 * a conflicting id between the check and the write, and the per-row
	 * lookups of pass 1 do not each lock and unlock the file. */
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
	validate(data, len, o, &existing, res, errs);
	if (dc_errlist_count(errs)) {
		free(existing.v);
		dc_store_rollback(st);
		dc_errlist_sort(errs);
		return -1;
	}
	int rc = write_all(st, data, len, o, &existing, res, errs);
	free(existing.v);
	if (rc < 0) {
		res->created = res->updated = res->unchanged = 0;
		return -1;
	}
	return 0;
}
