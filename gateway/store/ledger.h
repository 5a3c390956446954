/* ledger.h — the energy ledger in the database (adapter around lib/energy
 * and lib/compliance).  Method and honesty rules: docs/energy.md.
 *
 * INPUT (append-only, written by the gateway as things happen):
 *   confirmed relay states per screen   dc_ledger_record_state()
 *   meter counter readings per box      dc_ledger_record_reading()
 *   night-rule derogations              dc_ledger_record_derogation()
 * A state holds from its instant until the screen's next state; record
 * DC_EN_UNKNOWN, with its cause, whenever a state stops being known (box
 * offline; gateway start-up, box back online or command sent: unconfirmed).
 * Time before a screen's first state is unknown, "no box" when none is
 * bound; from the audited instant a screen's box was removed, its time is
 * unknown, "no box", whatever its last state.
 * The meter of a box measures the circuit of every screen bound to it.
 *
 * OUTPUT (derived, rebuildable): energy_hour (per screen per UTC hour) and
 * energy_day (per screen per local day).  dc_ledger_update() brings them up
 * to the last complete hour, recomputing from the earliest instant any input
 * touched since the last update (inputs may arrive late); dc_ledger_rebuild()
 * throws them away and recomputes everything.  Both give identical rows.
 *
 * Functions return 0 on success, -1 with a message in err (user's language).
 */
#ifndef DECRAN_LEDGER_H
#define DECRAN_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compliance.h"
#include "energy.h"
#include "screen.h"
#include "store.h"

/* ---- Configuration (energy.json; example: gateway/energy.example.json) ---- */
struct dc_ledger_box {
	char id[DC_ID_MAX];
	int off_cuts_mains;	/* 1 / 0, or -1 for the global default */
	double meter_rollover_kwh;	/* 0: the counter never wraps */
	int64_t meter_max_gap_s;	/* 0: DC_EN_MAX_GAP_DEFAULT */
};

struct dc_ledger_config {
	char zone[64];		/* IANA zone of local days and nights */
	double eur_per_kwh;
	char tariff_source[200];
	double kgco2e_per_kwh;
	char co2e_source[200];
	bool off_cuts_mains;	/* default for boxes not listed */
	int hourly_retention_days;	/* energy_hour rows kept; 0 = forever */
	struct dc_ledger_box *boxes;
	size_t nboxes;
};

/* Defaults: Europe/Paris, DC_EN_DEFAULT_* factors, relays cut the mains. */
void dc_ledger_config_default(struct dc_ledger_config *c);
/* Parse JSON; on error "field.path: message" in err and *c untouched. */
int dc_ledger_config_parse(const char *json, size_t len, struct dc_ledger_config *c,
			   char *err, size_t errlen);
int dc_ledger_config_load(const char *path, struct dc_ledger_config *c, char *err, size_t errlen);
void dc_ledger_config_free(struct dc_ledger_config *c);

/* ---- Feeding the ledger (the gateway calls these) ----
 * Events of one screen and second keep the order in which they were
 * recorded (ledger_states.seq): the last one gives the state after that
 * second, and a second in which the relay was confirmed on counts as on
 * (lib/energy dc_en_spans).
 *
 * dc_ledger_record() adds one event.  DC_LEDGER_APPEND (the gateway, as
 * things happen; a hand entry): after every event of its second, unless
 * the last of them is the very same (a repeated report).  DC_LEDGER_IMPORTED
 * (a late copy from the gateway's tables, dc_ledger_import_gateway()):
 * nothing when its second already holds the same event, else after the
 * earlier imports of that second and before the appended events, which
 * were recorded live and have the last word.  `cause` says why an unknown
 * state is unknown (ignored for on/off).
 * record_state() appends, an unknown being "unconfirmed".
 * record_*() return 1 when the row was added, 0 when it was already there,
 * -1 on error (bad argument, database). */
enum dc_ledger_order { DC_LEDGER_APPEND, DC_LEDGER_IMPORTED };
int dc_ledger_record(struct dc_store *st, const char *screen_id, int64_t at,
		     enum dc_en_state state, enum dc_en_cause cause, enum dc_ledger_order order,
		     char *err, size_t errlen);
int dc_ledger_record_state(struct dc_store *st, const char *screen_id, int64_t at,
			   enum dc_en_state state, char *err, size_t errlen);
int dc_ledger_record_reading(struct dc_store *st, const char *box, int64_t at, double kwh,
			     uint32_t meter_gen, char *err, size_t errlen);
/* screen_id NULL: every screen under the rule. */
int dc_ledger_record_derogation(struct dc_store *st, const char *screen_id, int64_t from,
				int64_t to, const char *reason, char *err, size_t errlen);
/* Make the next update recompute from `since` (e.g. a late correction of
 * the log).  Inventory edits need no call: the update notices audited
 * changes of power, baseline, status, removal date or box and recomputes
 * the whole ledger, since it applies today's inventory to all its history. */
int dc_ledger_mark_dirty(struct dc_store *st, int64_t since, char *err, size_t errlen);

/* Bridge from decran-gateway's own append-only tables (commands and their
 * outcomes, offline alarms, box journals, meter readings) into the input
 * log; remembers how far it got, so it is cheap and idempotent; tables that
 * do not exist are skipped.  from_start walks every row again.  Returns the
 * number of input rows added, -1 on a database error.  See docs/energy.md
 * for the mapping and what these tables cannot tell. */
long dc_ledger_import_gateway(struct dc_store *st, bool from_start, char *err, size_t errlen);

/* Bring the ledger up to floor_hour(now); cheap when nothing changed. */
int dc_ledger_update(struct dc_store *st, const struct dc_ledger_config *cfg, int64_t now,
		     char *err, size_t errlen);
/* Recompute everything from the input log, in one transaction. */
int dc_ledger_rebuild(struct dc_store *st, const struct dc_ledger_config *cfg, int64_t now,
		      char *err, size_t errlen);

/* ---- Reading the ledger ---- */
enum dc_ledger_by { DC_BY_DAY, DC_BY_MONTH, DC_BY_CATEGORY, DC_BY_SITE, DC_BY_SCREEN, DC_BY_ALL };
int dc_ledger_by_parse(const char *s);	/* "day"... or -1 */

struct dc_ledger_row {
	char key[128];		/* day, month "YYYY-MM", category name, site, screen id, "" */
	struct dc_en_total t;
};
/* Sums of energy_day over local days [from_day, to_day] ("YYYY-MM-DD", both
 * inclusive; NULL = unbounded), grouped; rows sorted by key. */
int dc_ledger_report(struct dc_store *st, const char *from_day, const char *to_day,
		     enum dc_ledger_by by, struct dc_ledger_row **rows, size_t *n,
		     char *err, size_t errlen);

/* {"unconfirmed": x, "offline": y, "no_box": z}: seconds by cause divided by
 * `unit` (3600 for hours, 60 for minutes): what the reports and the API
 * show beside an unknown total (docs/api.md). */
struct cJSON;
struct cJSON *dc_ledger_causes_json(const int64_t by[DC_EN_CAUSES], double unit);
/* "1,5 h non confirmé, 2,0 h hors ligne, 0,0 h sans boîtier" style text of
 * the same, in the current language with numbers in `lang` (i18n.h). */
const char *dc_ledger_causes_text(char *buf, size_t len, const int64_t by[DC_EN_CAUSES],
				  int lang);

/* Sum of report rows (a report's total line). */
void dc_ledger_rows_total(const struct dc_ledger_row *rows, size_t n, struct dc_en_total *out);

/* One screen: its sums over local days [from_day, to_day] (*days = the
 * number of ledger days found), and its last `max` input events, newest
 * first (events of one second too: the later first); *nstates may be less
 * than max.  0, or -1 with a message. */
int dc_ledger_screen(struct dc_store *st, const char *screen_id, const char *from_day,
		     const char *to_day, struct dc_en_total *t, int *days,
		     struct dc_en_event *states, size_t max, size_t *nstates, char *err,
		     size_t errlen);
/* Its last `max` input events alone, newest first (as above). */
int dc_ledger_states(struct dc_store *st, const char *screen_id, struct dc_en_event *ev,
		     size_t max, size_t *n, char *err, size_t errlen);

/* Night-rule accounting of night `date` (the night from date into date+1,
 * window 01:00-06:00 local on date+1) for every screen the rule applies
 * to; cb is called per screen in id order.  `now` bounds the confirmed
 * states: time after it is unknown.  What is lawful is the schedule
 * engine's night rule under `rules` (dc_schedule_night_allowances: service
 * hours, derogations of the file), plus ledger_derogations; NULL rules: the
 * law alone.  -1 when the rules' zone is not cfg's. */
struct dc_rules;
typedef int (*dc_ledger_night_cb)(const struct dc_screen *s, const struct dc_cpl_night *n,
				  void *arg);
int dc_ledger_compliance(struct dc_store *st, const struct dc_ledger_config *cfg,
			 const struct dc_rules *rules, const char *date, int64_t now, dc_ledger_night_cb cb, void *arg,
			 char *err, size_t errlen);

/* The same night summed up: screens under the rule and how many got each
 * verdict; cb (may be NULL) still sees every screen.  What `decran report
 * compliance` and the dashboard's progress page print. */
struct dc_ledger_night_summary {
	char night[11];		/* the night of this date into the next */
	int64_t window_s;	/* the legal window: 4, 5 or 6 h (DST nights) */
	long screens;		/* screens under the rule */
	long count[DC_CPL__COUNT];	/* screens per verdict */
	/* Screens of verdict unknown by the cause of most of their unknown
	 * time (dc_cpl_unknown_cause); the sum is count[DC_CPL_UNKNOWN]. */
	long unknown_by[DC_EN_CAUSES];
};
int dc_ledger_night_summary(struct dc_store *st, const struct dc_ledger_config *cfg,
			    const struct dc_rules *rules, const char *date, int64_t now,
			    dc_ledger_night_cb cb, void *arg, struct dc_ledger_night_summary *out,
			    char *err, size_t errlen);
/* The legal window of night `date`: 01:00 and 06:00 local on date+1, as UTC
 * instants.  -1 when the date or the zone is invalid. */
int dc_ledger_night_window(const struct dc_ledger_config *cfg, const char *date, int64_t *from,
			   int64_t *to);
/* The last night whose window has ended by `now` ("last night" in reports):
 * the local date six hours before now, minus one day.  -1 on a bad zone. */
int dc_ledger_last_night(const struct dc_ledger_config *cfg, int64_t now, char out[11]);

/* Local date "YYYY-MM-DD" of UTC instant t in cfg's zone; and the UTC
 * instant of local wall time (date, second of day), INT64_MIN when the date
 * or zone is invalid (lib/tz rules for gaps and overlaps). */
int dc_ledger_local_date(const struct dc_ledger_config *cfg, int64_t t, char out[11]);
int64_t dc_ledger_local_instant(const struct dc_ledger_config *cfg, const char *date, int sod);

#endif
