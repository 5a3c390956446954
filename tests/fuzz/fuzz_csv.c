/* fuzz_csv.c — CSV reading (lib/csv), and a cell written by dc_csv_put_cell
 * reads back as the same text.  The screen import's decoding of the same
 * bytes is fuzz_csv_import.c (one target did both at a third of the rate). */
#include "fuzz.h"

#include "csv.h"

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
	return 0;
}
