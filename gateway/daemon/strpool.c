/* strpool.c — packed strings (see strpool.h). */
#include <stdlib.h>
#include <string.h>

#include "strpool.h"

#define BLOCK 16384

struct gw_strblock {
	struct gw_strblock *next;
	size_t used, size;
	char text[];
};

const char *gw_strpool_add(struct gw_strpool *p, const char *s)
{
	size_t n = strlen(s) + 1;
	struct gw_strblock *b = p->head;
	if (n == 1)
		return "";
	if (!b || b->size - b->used < n) {
		size_t size = n > BLOCK ? n : BLOCK;
		if (!(b = malloc(sizeof *b + size)))
			return NULL;
		b->used = 0;
		b->size = size;
		b->next = p->head;
		p->head = b;
	}
	char *r = memcpy(b->text + b->used, s, n);
	b->used += n;
	return r;
}

void gw_strpool_free(struct gw_strpool *p)
{
	while (p->head) {
		struct gw_strblock *b = p->head;
		p->head = b->next;
		free(b);
	}
}

/* Distinct reasons are a handful (policies, derogations, fixed steps): a
 * linear search is cheaper than anything cleverer. */
static struct gw_strpool interned;
static const char **table;
static size_t ntable, cap;

const char *gw_intern(const char *s)
{
	for (size_t i = 0; i < ntable; i++)
		if (!strcmp(table[i], s))
			return table[i];
	if (ntable == cap) {
		size_t c = cap ? cap * 2 : 32;
		const char **t = realloc(table, c * sizeof *t);
		if (!t)
			return "";
		table = t;
		cap = c;
	}
	const char *r = gw_strpool_add(&interned, s);
	if (!r)
		return "";
	table[ntable++] = r;
	return r;
}

void gw_intern_free(void)
{
	gw_strpool_free(&interned);
	free(table);
	table = NULL;
	ntable = cap = 0;
}
