/* overrides.h — persisted inputs of the schedule engine: manual overrides
 * and grid alerts (tables added by store.c's migration v3).
 *
 * Rows are never deleted: clearing stamps `cleared` and who did it, so the
 * database keeps the history of every manual decision.  Loading returns the
 * rows still relevant (not cleared, not expired) as the engine's structs.
 */
#ifndef DECRAN_OVERRIDES_H
#define DECRAN_OVERRIDES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "schedule.h"
#include "store.h"

/* A stored row: the engine's struct plus bookkeeping. */
struct gw_override_row {
	int64_t id, created, cleared;	/* cleared 0 while in force */
	struct dc_override o;
};

struct gw_alert_row {
	int64_t id, created, cleared;
	struct dc_grid_alert a;
};

/* Add; the screen must exist, until > from, author and reason non-empty.
 * *id receives the new row id.  -1 with dc_store_errmsg-like text in err. */
int gw_override_add(struct dc_store *st, const struct dc_override *o, int64_t now, int64_t *id,
		    char *err, size_t errlen);
/* Rows in force or future at `now` (all rows when `all`), oldest first;
 * *out malloc'd. */
int gw_override_list(struct dc_store *st, int64_t now, bool all, struct gw_override_row **out,
		     size_t *n, char *err, size_t errlen);
/* Clear one row (id > 0) or every live row of `screen` (id == 0, screen
 * not NULL) or every live row (id == 0, screen NULL); *count rows cleared. */
int gw_override_clear(struct dc_store *st, int64_t id, const char *screen, const char *actor,
		      int64_t now, int *count, char *err, size_t errlen);

int gw_alert_add(struct dc_store *st, const struct dc_grid_alert *a, int64_t now, int64_t *id,
		 char *err, size_t errlen);
int gw_alert_list(struct dc_store *st, int64_t now, bool all, struct gw_alert_row **out,
		  size_t *n, char *err, size_t errlen);
int gw_alert_clear(struct dc_store *st, int64_t id, const char *actor, int64_t now, int *count,
		   char *err, size_t errlen);

/* The engine's inputs at `now`: live overrides and alerts as plain arrays
 * (malloc'd, free both). */
int gw_schedule_inputs(struct dc_store *st, int64_t now, struct dc_override **ov, size_t *nov,
		       struct dc_grid_alert **al, size_t *nal, char *err, size_t errlen);

#endif
