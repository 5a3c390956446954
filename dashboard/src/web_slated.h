/* web_slated.h — the removal list's query, shared by the page and the API. */
#ifndef DECRAN_WEB_SLATED_H
#define DECRAN_WEB_SLATED_H

#include "web_internal.h"

enum slated_sort {
	SLATED_SORT_TARGET, SLATED_SORT_SITE, SLATED_SORT_CATEGORY, SLATED_SORT_OWNER,
	SLATED_SORT_NAME, SLATED_SORT_ID, SLATED_SORT_POWER, SLATED_SORT_ENERGY,
};
enum slated_due { SLATED_DUE_ALL, SLATED_DUE_OVERDUE, SLATED_DUE_UPCOMING, SLATED_DUE_UNDATED };
extern const char *const slated_sort_names[];
extern const char *const slated_due_names[];

struct slated_query {
	int category;		/* -1 = any */
	const char *site;	/* exact, or NULL */
	const char *text;	/* substring of name/site/owner/id, or NULL */
	enum slated_due due;
	enum slated_sort sort;
	bool desc;
	long page, per_page;
};

struct slated_row {
	struct dc_screen s;
	bool dated;
	long days_left;		/* target - today; negative = overdue */
	double kwh;		/* yearly energy estimate */
};

struct slated_result {
	struct slated_row *rows;	/* malloc'd */
	size_t n;
	long overdue;
	double total_kwh, total_w;
};

/* Both render a 400/500 into r and return -1 on failure. */
int slated_query_parse(struct web_req *r, struct slated_query *q);
int slated_fetch(struct web_req *r, const struct slated_query *q, struct slated_result *out);
void slated_query_string(struct dc_buf *b, const struct slated_query *q, int sort, bool desc,
			 long page);

/* Query strings for links: "?k=v" then "&k=v" (*sep moves on); the tail
 * adds sort (NULL: the default), order=desc and page (past the first). */
void web_query_arg(struct dc_buf *b, const char **sep, const char *key, const char *value);
void web_query_tail(struct dc_buf *b, const char **sep, const char *sort, bool desc, long page);
/* <option value=...> of a <select>, selected when sel. */
void web_option(struct web_req *r, const char *value, const char *label, bool sel);
/* Case-insensitive (ASCII) substring; "" is in everything. */
bool web_contains_ci(const char *hay, const char *needle);
/* Page links (first, last, a window around `page`); link() writes page
 * p's URL.  Nothing when there is one page. */
void web_pager(struct web_req *r, long page, long pages,
	       void (*link)(struct dc_buf *b, long page, const void *ctx), const void *ctx);

#endif
