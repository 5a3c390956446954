/* fuzz_csv_import.c — the screen import's decoding of CSV (lib/screen_csv:
 * header, fields, row checks), which pass 1 of `decran screens import`
 * (gateway/store/inventory_import.c) runs on every row.  A row said valid
 * or with errors always comes with an id.  The CSV reader alone, and the
 * cells' round trip, are fuzz_csv.c. */
#include "fuzz.h"

#include "errlist.h"
#include "screen_csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dc_screen_csv r;
	struct dc_errlist errs = { 0 };
	int rc;

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
