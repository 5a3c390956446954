/* web_params.c — query/form parameters: every one validated, and a clear
 * 400 saying which parameter, what was received and what is expected. */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "web_internal.h"

const char *web_arg(struct web_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *web_form(struct web_req *r, const char *name)
{
	for (int i = 0; i < r->nform; i++)
		if (strcmp(r->form[i].name, name) == 0)
			return r->form[i].truncated ? NULL : r->form[i].value;
	return NULL;
}

bool web_is_api(const struct web_req *r)
{
	return strncmp(r->url, "/api/", 5) == 0 || strcmp(r->url, "/metrics") == 0;
}

void web_error(struct web_req *r, unsigned status, const char *msg)
{
	/* A database another process holds is no server fault: ask the
	 * visitor to come back (503 with Retry-After), never a 500. */
	if (status == 500 && r->w->st && dc_store_busy(r->w->st)) {
		status = 503;
		r->retry_after = 2;
		msg = TR("Base occupée, réessayez dans un instant.",
			 "Database busy, try again in a moment.");
	}
	dc_buf_reset(&r->body);
	r->status = status;
	r->cacheable = false;
	r->disposition = NULL;
	r->link[0] = '\0';
	if (web_is_api(r)) {
		r->ctype = "application/json; charset=utf-8";
		dc_buf_printf(&r->body, "{\"error\":{\"status\":%u,\"message\":\"", status);
		dc_esc_json(&r->body, msg);
		dc_buf_puts(&r->body, "\"}}\n");
		return;
	}
	char title[64];
	snprintf(title, sizeof title, "%s %u", TR("Erreur", "Error"), status);
	web_page_begin(r, title, "");
	dc_html(&r->body, "<h1>%s</h1>\n<p class=\"error\" role=\"alert\">%s</p>\n"
		"<p><a href=\"/\">%s</a></p>\n", title, msg,
		TR("Retour à l'avancement du plan", "Back to the plan's progress"));
	web_page_end(r);
}

void web_errorf(struct web_req *r, unsigned status, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	web_error(r, status, msg);
}

struct args_check {
	const char *const *allowed;
	const char *bad;
};

static enum MHD_Result check_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				 const char *value)
{
	(void)kind, (void)value;
	struct args_check *c = cls;
	if (strcmp(key, "lang") == 0)
		return MHD_YES;
	for (const char *const *a = c->allowed; a && *a; a++)
		if (strcmp(*a, key) == 0)
			return MHD_YES;
	c->bad = key;
	return MHD_NO;
}

static void short_copy(char *dst, size_t n, const char *s)
{
	/* Messages quote what was received, cut to stay readable. */
	snprintf(dst, n, "%s", s ? s : "");
	if (s && strlen(s) >= n && n > 4)
		memcpy(dst + n - 4, "...", 4);
}

int web_args_only(struct web_req *r, const char *const *allowed)
{
	struct args_check c = { allowed, NULL };
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, check_arg, &c);
	const char *lang = web_arg(r, "lang");
	if (lang && strcmp(lang, "fr") != 0 && strcmp(lang, "en") != 0) {
		char v[40];
		short_copy(v, sizeof v, lang);
		web_errorf(r, 400, TR("Paramètre « lang » invalide dans l'adresse : « %s » ; "
				      "attendu : fr ou en.",
				      "Invalid parameter 'lang' in the query string: '%s'; "
				      "expected: fr or en."), v);
		return -1;
	}
	if (!c.bad)
		return 0;
	char k[40], list[300] = "";
	short_copy(k, sizeof k, c.bad);
	for (const char *const *a = allowed; a && *a; a++) {
		strncat(list, *a, sizeof list - strlen(list) - 3);
		strncat(list, ", ", sizeof list - strlen(list) - 1);
	}
	strncat(list, "lang", sizeof list - strlen(list) - 1);
	web_errorf(r, 400, TR("Paramètre inconnu « %s » dans l'adresse ; paramètres acceptés : %s.",
			      "Unknown parameter '%s' in the query string; accepted parameters: %s."),
		   k, list);
	return -1;
}

int web_arg_enum(struct web_req *r, const char *name, const char *const *values, int dflt,
		 int *out)
{
	const char *v = web_arg(r, name);
	*out = dflt;
	if (!v || !*v)
		return 0;
	for (int i = 0; values[i]; i++)
		if (strcmp(values[i], v) == 0) {
			*out = i;
			return 0;
		}
	char got[40], list[400] = "";
	short_copy(got, sizeof got, v);
	for (int i = 0; values[i]; i++) {
		if (i)
			strncat(list, ", ", sizeof list - strlen(list) - 1);
		strncat(list, values[i], sizeof list - strlen(list) - 1);
	}
	web_errorf(r, 400, TR("Paramètre « %s » invalide dans l'adresse : « %s » ; attendu : %s.",
			      "Invalid parameter '%s' in the query string: '%s'; expected: %s."),
		   name, got, list);
	return -1;
}

int web_arg_int(struct web_req *r, const char *name, long min, long max, long dflt, long *out)
{
	const char *v = web_arg(r, name);
	*out = dflt;
	if (!v || !*v)
		return 0;
	char *end;
	long n = strtol(v, &end, 10);
	if (*end == '\0' && v[0] != '-' && v[0] != '+' && v[0] != ' ' && n >= min && n <= max &&
	    strlen(v) < 12) {
		*out = n;
		return 0;
	}
	char got[40];
	short_copy(got, sizeof got, v);
	web_errorf(r, 400, TR("Paramètre « %s » invalide dans l'adresse : « %s » ; attendu : "
			      "un entier de %ld à %ld.",
			      "Invalid parameter '%s' in the query string: '%s'; expected: "
			      "an integer from %ld to %ld."), name, got, min, max);
	return -1;
}

static bool utf8_text_ok(const char *s)
{
	/* Printable text only: control characters have no business in a
	 * filter, and invalid UTF-8 would reach the page. */
	for (const unsigned char *u = (const unsigned char *)s; *u; u++)
		if (*u < 0x20 || *u == 0x7f)
			return false;
	return dc_utf8_valid(s, strlen(s));
}

int web_arg_text(struct web_req *r, const char *name, size_t max, const char **out)
{
	const char *v = web_arg(r, name);
	*out = v && *v ? v : NULL;
	if (!v || (strlen(v) <= max && utf8_text_ok(v)))
		return 0;
	*out = NULL;
	web_errorf(r, 400, TR("Paramètre « %s » invalide dans l'adresse : texte de %zu octets "
			      "au plus, sans caractère de contrôle, attendu.",
			      "Invalid parameter '%s' in the query string: expected text of at "
			      "most %zu bytes without control characters."), name, max);
	return -1;
}
