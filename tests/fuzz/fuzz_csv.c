/* fuzz_csv.c — CSV reading (lib/csv) and the screen import's decoding of it
 * (lib/screen_csv: header, fields, row checks), which pass 1 of
 * `decran screens import` (gateway/store/inventory_import.c) runs on every row.
 * Also: a cell written by dc_csv_put_cell reads back as the same text. */
#include "fuzz.h"

#include "csv.h"
#include "errlist.h"
#include "screen_csv.h"

struct out {
	char buf[1024];
	size_t n;
};

static void put(void *arg, const char *p, size_t n)
{
	struct out *o = arg;
	if (o->n + n < sizeof o->buf) {
		memcpy(o->buf + o->n, p, n);
		o->n += n;
	}
}

static void roundtrip(const char *cell, char sep)
{
	struct out o = { .n = 0 };
	struct dc_csv c;
	char err[256] = "";
	/* A lone CR is a line end to the reader, a line of one empty cell a
	 * blank line it skips, and a byte-order mark at the start of the data
	 * is not text: all three by design. */
	if (!cell[0] || strlen(cell) > 200 || strchr(cell, '\r') ||
	    strncmp(cell, "\xef\xbb\xbf", 3) == 0)
		return;
	dc_csv_put_cell(cell, sep, put, &o);
	put(&o, "\n", 1);
	dc_csv_init(&c, o.buf, o.n, sep);
	int rc = dc_csv_next(&c, err, sizeof err);
	if (rc != 1 || c.nfields != 1 || strcmp(c.fields[0], cell) != 0) {
		fprintf(stderr, "cell [%s] written [%.*s] read back %d [%s]\n", cell, (int)o.n,
			o.buf, rc, rc == 1 ? c.fields[0] : err);
		abort();
	}
	dc_csv_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dc_csv c;
	char err[256] = "";
	int rc;

	dc_csv_init(&c, (const char *)data, size, 0);
	while ((rc = dc_csv_next(&c, err, sizeof err)) == 1)
		for (size_t i = 0; i < c.nfields && i < 4; i++)
			if (!memchr(c.fields[i], '\n', strlen(c.fields[i])))
				roundtrip(c.fields[i], c.sep);
	FUZZ_ERR_SET(rc, err);
	dc_csv_free(&c);

	struct dc_screen_csv r;
	struct dc_errlist errs = { 0 };
	if (dc_screen_csv_open(&r, (const char *)data, size, &errs) == 0) {
		struct dc_screen s;
		long line;
		while ((rc = dc_screen_csv_next(&r, &s, &line, &errs)) > 0)
			FUZZ_ASSERT(rc == 2 || s.id[0]);
	}
	dc_screen_csv_close(&r);
	dc_errlist_sort(&errs);
	dc_errlist_free(&errs);
	return 0;
}
