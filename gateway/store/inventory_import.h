/* inventory_import.h — CSV import into the inventory, all or nothing.
 *
 * Pass 1 reads every row (screen_csv.h), collecting every error: bad values,
 * ids repeated inside the file, and ids already in the database unless
 * `update` allows replacing them.  Only when pass 1 found nothing wrong does
 * pass 2 write all rows in one transaction; so a file with any error leaves
 * the database exactly as it was.  The CLI and the benchmark both call this.
 */
#ifndef DECRAN_INVENTORY_IMPORT_H
#define DECRAN_INVENTORY_IMPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "errlist.h"
#include "store.h"

struct dc_import_opts {
	bool update;		/* existing ids are updated instead of refused */
	const char *actor;	/* recorded in the audit trail */
	/* Called every few thousand rows (may be NULL): bytes done of total. */
	void (*progress)(long rows, size_t done, size_t total, void *arg);
	void *progress_arg;
};

struct dc_import_result {
	long rows;		/* data rows read */
	long created, updated, unchanged;
};

/* Largest CSV file an import reads (a 100,000-screen inventory is ~20 MB). */
#define DC_IMPORT_MAX_BYTES ((size_t)256 << 20)

/* Import data[0..len).  0 on success; -1 when nothing was imported: errs
 * holds every problem, sorted by line (line 0 = database error). */
int dc_inventory_import(struct dc_store *st, const char *data, size_t len,
			const struct dc_import_opts *o, struct dc_import_result *res,
			struct dc_errlist *errs);


#endif
