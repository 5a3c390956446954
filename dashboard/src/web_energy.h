/* web_energy.h — what the progress page and /api/v1/progress show from the
 * energy ledger (gateway/store/ledger.h): energy saved month by month, to date,
 * and last night's compliance with the 01:00–06:00 rule.
 *
 * Loading goes through the ledger's own report functions (the ones
 * `decran report progress` and `decran report compliance` use), so the
 * dashboard and the CLI print the same figures.  Rendering is separate and
 * takes no request, so both are unit-tested (tests/unit/test_web_energy.c).
 *
 * Honesty rules (docs/energy.md): unknown time counts neither as
 * consumption nor as saving and is shown as unknown hours; a group with no
 * known second is "unknown", never 0; money and carbon come with the factor
 * used and its source, or are "unknown" when no factor is configured.
 */
#ifndef DECRAN_WEB_ENERGY_H
#define DECRAN_WEB_ENERGY_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "i18n.h"
#include "ledger.h"
#include "web_buf.h"

#define DC_WEB_MONTHS 12	/* months shown: the last twelve, this one included */

/* Conversion factors of the page; 0 = unknown (the page says so). */
struct dc_web_factors {
	double eur_per_kwh;
	double kgco2e_per_kwh;
	char tariff_source[200];	/* "" when the host gave none */
	char co2e_source[200];
};

struct dc_web_month {
	char month[8];		/* "YYYY-MM" */
	bool rows;		/* the ledger has days in this month */
	struct dc_en_total t;
};

struct dc_web_energy {
	char today[11];		/* local date in the ledger's zone */
	bool empty;		/* no ledger row at all: nothing computed yet */
	struct dc_en_total to_date;	/* every ledger day up to today */
	/* From the first month of the last twelve that the ledger covers to
	 * this month (partial), oldest first; months without rows in between
	 * stay with rows = false. */
	struct dc_web_month month[DC_WEB_MONTHS];
	int nmonths;
	struct dc_ledger_night_summary night;	/* last night (dc_ledger_last_night) */
};

/* Reads the ledger as of `now`.  rules may be NULL (no derogation from the
 * rules file, no default service hours).  0, or -1 with a message. */
int dc_web_energy_load(struct dc_store *st, const struct dc_ledger_config *cfg,
		       const struct dc_rules *rules, int64_t now, struct dc_web_energy *out,
		       char *err, size_t errlen);

/* HTML fragments, in the current language (TR) with numbers in `lang`:
 * the monthly savings (chart, its data table, the total to date, or words
 * saying the ledger is empty) and last night's compliance. */
void dc_web_energy_html(struct dc_buf *b, const struct dc_web_energy *e,
			const struct dc_web_factors *f, enum dc_lang lang);
void dc_web_night_html(struct dc_buf *b, const struct dc_web_energy *e, enum dc_lang lang);
/* The bar chart alone: saved kWh per month, role="img" with a title and a
 * description (the data table is its text alternative). */
void dc_web_energy_svg(struct dc_buf *b, const struct dc_web_energy *e, const char *title,
		       const char *desc, enum dc_lang lang);
/* "novembre 2026" / "November 2026" of "YYYY-MM"; abbreviated "nov. 26" / "Nov 26". */
const char *dc_web_month_label(char *buf, size_t len, const char *key, bool abbrev);
/* The "measured" object of /api/v1/progress (docs/api.md). */
cJSON *dc_web_energy_json(const struct dc_web_energy *e, const struct dc_web_factors *f);

/* One screen's page: its ledger over the last `days` local days and its
 * last confirmed states. */
#define DC_WEB_SCREEN_DAYS 30
#define DC_WEB_SCREEN_STATES 10
struct dc_web_screen_energy {
	int days;		/* ledger days found in the window */
	struct dc_en_total t;
	size_t nstates;
	struct dc_en_event state[DC_WEB_SCREEN_STATES];	/* newest first */
};
int dc_web_screen_energy_load(struct dc_store *st, const struct dc_ledger_config *cfg,
			      const char *screen_id, int64_t now, struct dc_web_screen_energy *out,
			      char *err, size_t errlen);
/* `fmt_time` formats an instant for the page (the host's zone and language). */
void dc_web_screen_energy_html(struct dc_buf *b, const struct dc_web_screen_energy *e,
			       const struct dc_web_factors *f, enum dc_lang lang,
			       const char *(*fmt_time)(char *, size_t, int64_t, enum dc_lang));

/* Factors of the page: the host's price and emission factor when set
 * (gram per kWh), else the energy configuration's (may be NULL). */
void dc_web_factors_init(struct dc_web_factors *f, double price_eur_per_kwh, double co2_g_per_kwh,
			 const struct dc_ledger_config *energy);

#endif
