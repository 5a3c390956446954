/* web_opendata.h — the open-data downloads, shared by the inventory and
 * the removal list (web_opendata.c). */
#ifndef DECRAN_WEB_OPENDATA_H
#define DECRAN_WEB_OPENDATA_H

#include "opendata.h"
#include "web_internal.h"

/* The inventory's filters, shared by /screens, its downloads and /map. */
struct od_query {
	int category, status;	/* -1 = any */
	const char *site;	/* exact, or NULL */
	const char *text;	/* substring of name, site, owner, id; or NULL */
	int sort;		/* index in od_sort_names */
	bool desc;
	long page, per_page;
};
/* Parses the filters (and, when `paged`, sort and paging: the HTML page);
 * any other parameter, or a bad value, is a 400 and -1. */
int od_query_parse(struct web_req *r, struct od_query *q, bool paged);
/* The store's walk over the filtered inventory, in the query's order. */
int od_list(struct web_req *r, const struct od_query *q, int (*cb)(const struct dc_screen *, void *),
	    void *arg);
/* The filter form (category, status, search) posting GET to `action`. */
void od_filters_form(struct web_req *r, const struct od_query *q, const char *action);

/* Downloads: begin sets the type, file name (with the data's date) and
 * Link header (licence, Table Schema), and writes what comes before the
 * rows; row writes one; end closes the document. */
enum od_format { OD_CSV, OD_CSV_FR, OD_GEOJSON };
void od_begin(struct web_req *r, const struct dc_od_table *t, enum od_format f);
void od_row(struct web_req *r, const struct dc_od_table *t, enum od_format f, const struct dc_od_row *row,
	    bool first);
void od_end(struct web_req *r, enum od_format f);
/* The data's date (today, local): "YYYY-MM-DD". */
void od_date(const struct web_req *r, char out[16]);

#endif
