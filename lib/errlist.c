/* errlist.c — located error list (see errlist.h). */
#include "errlist.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void dc_errlist_add(struct dc_errlist *l, long line, const char *column, const char *fmt, ...)
{
	if (l->n == DC_ERRLIST_KEEP) {
		l->dropped++;
		return;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		if (cap > DC_ERRLIST_KEEP)
			cap = DC_ERRLIST_KEEP;
		struct dc_error *v = realloc(l->v, cap * sizeof *v);
		if (!v) {
			l->dropped++;
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	struct dc_error *e = &l->v[l->n++];
	va_list ap;
	e->line = line;
	snprintf(e->column, sizeof e->column, "%s", column ? column : "");
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
}

size_t dc_errlist_count(const struct dc_errlist *l)
{
	return l->n + l->dropped;
}

/* Insertion order is the tie-break, so merge sort (stable) by hand: qsort
 * is not stable and lists are short enough that clarity wins. */
static void merge_sort(struct dc_error *v, struct dc_error *tmp, size_t n)
{
	if (n < 2)
		return;
	size_t h = n / 2, i = 0, j = h, k = 0;
	merge_sort(v, tmp, h);
	merge_sort(v + h, tmp, n - h);
	while (i < h && j < n)
		tmp[k++] = v[j].line < v[i].line ? v[j++] : v[i++];
	while (i < h)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof *v);
}

void dc_errlist_sort(struct dc_errlist *l)
{
	if (l->n < 2)
		return;
	struct dc_error *tmp = malloc(l->n * sizeof *tmp);
	if (!tmp)
		return;
	merge_sort(l->v, tmp, l->n);
	free(tmp);
}

void dc_errlist_free(struct dc_errlist *l)
{
	free(l->v);
	memset(l, 0, sizeof *l);
}
