/* fuzz_web_params.c — the dashboard's query-string parameters
 * (gateway/web_params.c: unknown names, enums, integers, text), the way
 * /api/v1/screens reads them, plus the error page each refusal writes.
 *
 * The input is a query string as libmicrohttpd hands it over once decoded:
 * "name=value" pairs separated by '&' (or NUL).  The two libmicrohttpd
 * look-ups the module calls are served from it here; page chrome and the
 * store are stubbed (an error page is then just its body).  When web_params.c
 * moves (dashboard/), only the include path of this file's build changes. */
#include "fuzz.h"

#include <microhttpd.h>

#include "screen.h"
#include "web_internal.h"

#define MAXARGS 16
static struct arg {
	char *key, *value;
} args[MAXARGS];
static int nargs;

const char *MHD_lookup_connection_value(struct MHD_Connection *c, enum MHD_ValueKind kind,
					const char *key)
{
	(void)c, (void)kind;
	for (int i = 0; i < nargs; i++)
		if (strcmp(args[i].key, key) == 0)
			return args[i].value;
	return NULL;
}

int MHD_get_connection_values(struct MHD_Connection *c, enum MHD_ValueKind kind,
			      MHD_KeyValueIterator it, void *cls)
{
	(void)c;
	int i;
	for (i = 0; i < nargs; i++)
		if (it && it(cls, kind, args[i].key, args[i].value) != MHD_YES)
			return i + 1;
	return i;
}

void web_page_begin(struct web_req *r, const char *title, const char *nav_current)
{
	(void)nav_current;
	dc_html(&r->body, "<title>%s</title>", title);
}

void web_page_end(struct web_req *r)
{
	dc_buf_puts(&r->body, "</html>");
}

bool dc_store_busy(struct dc_store *st)
{
	(void)st;
	return false;
}

static void split(char *q, size_t n)
{
	char *p = q, *end = q + n;
	nargs = 0;
	while (p < end && nargs < MAXARGS) {
		char *amp = p;
		while (amp < end && *amp != '&' && *amp != '\0')
			amp++;
		*amp = '\0';
		char *eq = strchr(p, '=');
		if (eq)
			*eq++ = '\0';
		args[nargs++] = (struct arg){ p, eq ? eq : (char *)"" };
		p = amp + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const params[] = { "status", "category", "site", "sort", "order",
					      "page", "per_page", NULL };
	static const char *const orders[] = { "asc", "desc", NULL };
	const char *stat[DC_STATUS__COUNT + 1] = { 0 }, *cats[DC_CAT__COUNT + 1] = { 0 };
	for (int i = 0; i < DC_STATUS__COUNT; i++)
		stat[i] = dc_status_name((enum dc_status)i);
	for (int i = 0; i < DC_CAT__COUNT; i++)
		cats[i] = dc_category_name((enum dc_category)i);

	char *q = fuzz_text(data, size);
	split(q, size);
	static struct dc_web w;
	struct web_req r = { .w = &w, .url = size && data[0] & 1 ? "/api/v1/screens" : "/screens",
			     .method = "GET" };
	int st, cat, order, rc;
	long page, per_page;
	const char *site, *sort;
	rc = web_args_only(&r, params);
	if (rc == 0)
		rc = web_arg_enum(&r, "status", stat, -1, &st);
	if (rc == 0)
		rc = web_arg_enum(&r, "category", cats, -1, &cat);
	if (rc == 0 && (rc = web_arg_text(&r, "site", 95, &site)) == 0 && site)
		FUZZ_ASSERT(strlen(site) <= 95);
	if (rc == 0)
		rc = web_arg_text(&r, "sort", 32, &sort);
	if (rc == 0)
		rc = web_arg_enum(&r, "order", orders, 0, &order);
	if (rc == 0 && (rc = web_arg_int(&r, "page", 1, 1000000, 1, &page)) == 0)
		FUZZ_ASSERT(page >= 1 && page <= 1000000);
	if (rc == 0)
		rc = web_arg_int(&r, "per_page", 1, 1000, 100, &per_page);
	if (rc < 0)
		FUZZ_ASSERT(r.status == 400 && r.body.len > 0);
	dc_buf_free(&r.body);
	free(q);
	return 0;
}
