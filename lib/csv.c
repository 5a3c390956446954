/* csv.c — RFC 4180 reader (see csv.h). */
#include "csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "screen_fields.h"

static char detect_sep(const char *p, const char *end)
{
	size_t commas = 0, semis = 0;
	bool quoted = false;
	for (; p < end; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (!quoted && (*p == '\n' || *p == '\r'))
			break;
		else if (!quoted && *p == ',')
			commas++;
		else if (!quoted && *p == ';')
			semis++;
	}
	return semis > commas ? ';' : ',';
}

void dc_csv_init(struct dc_csv *c, const char *data, size_t len, char sep)
{
	memset(c, 0, sizeof *c);
	c->p = data;
	c->end = data + len;
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		c->p += 3;
	c->sep = sep ? sep : detect_sep(c->p, c->end);
	c->next_line = 1;
}

void dc_csv_free(struct dc_csv *c)
{
	free(c->buf);
	free(c->offs);
	free(c->fields);
	memset(c, 0, sizeof *c);
}

static int put_char(struct dc_csv *c, char ch)
{
	if (c->buflen == c->bufcap) {
		size_t cap = c->bufcap ? c->bufcap * 2 : 256;
		char *nb = realloc(c->buf, cap);
		if (!nb)
			return -1;
		c->buf = nb;
		c->bufcap = cap;
	}
	c->buf[c->buflen++] = ch;
	return 0;
}

static int put_chars(struct dc_csv *c, const char *p, size_t n)
{
	if (n == 0)
		return 0;
	if (c->bufcap - c->buflen < n) {
		size_t cap = c->bufcap ? c->bufcap : 256;
		while (cap - c->buflen < n)
			cap *= 2;
		char *nb = realloc(c->buf, cap);
		if (!nb)
			return -1;
		c->buf = nb;
		c->bufcap = cap;
	}
	memcpy(c->buf + c->buflen, p, n);
	c->buflen += n;
	return 0;
}

/* Close the current field: NUL-terminate and remember where it starts. */
static int end_field(struct dc_csv *c, size_t start)
{
	if (put_char(c, '\0') < 0)
		return -1;
	if (c->nfields == c->fieldcap) {
		size_t cap = c->fieldcap ? c->fieldcap * 2 : 32;
		size_t *no = realloc(c->offs, cap * sizeof *no);
		if (!no)
			return -1;
		c->offs = no;
		char **nf = realloc(c->fields, cap * sizeof *nf);
		if (!nf)
			return -1;
		c->fields = nf;
		c->fieldcap = cap;
	}
	c->offs[c->nfields++] = start;
	return 0;
}

static int fail(char *err, size_t errlen, const char *msg)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
	return -1;
}

int dc_csv_next(struct dc_csv *c, char *err, size_t errlen)
{
	const char *p = c->p, *end = c->end;

	/* Skip blank lines (a trailing newline, spacing between blocks). */
	while (p < end && (*p == '\n' || *p == '\r')) {
		if (*p == '\n')
			c->next_line++;
		p++;
	}
	if (p >= end) {
		c->p = p;
		return 0;
	}
	c->line = c->next_line;
	c->nfields = 0;
	c->buflen = 0;
	size_t start = 0;
	for (;;) {
		/* One field per iteration. */
		start = c->buflen;
		if (p < end && *p == '"') {
			long qline = c->next_line;
			p++;
			for (;;) {
				if (p >= end) {
					c->line = qline;
					return fail(err, errlen, TR("guillemet ouvert jamais refermé",
								    "quote opened but never closed"));
				}
				if (*p == '"') {
					if (p + 1 < end && p[1] == '"') {
						if (put_char(c, '"') < 0)
							goto oom;
						p += 2;
						continue;
					}
					p++;
					break;
				}
				if (*p == '\0')
					goto nul;
				if (*p == '\n')
					c->next_line++;
				/* CRLF inside a quoted field is one line break. */
				if (!(*p == '\r' && p + 1 < end && p[1] == '\n'))
					if (put_char(c, *p) < 0)
						goto oom;
				p++;
			}
			if (p < end && *p != c->sep && *p != '\n' && *p != '\r') {
				c->line = c->next_line;
				return fail(err, errlen, TR("caractère inattendu après un guillemet fermant",
							    "unexpected character after a closing quote"));
			}
		} else {
			/* The whole run at once: most fields are plain. */
			const char *q = p;
			while (q < end && *q != c->sep && *q != '\n' && *q != '\r' && *q != '"' && *q != '\0')
				q++;
			if (put_chars(c, p, (size_t)(q - p)) < 0)
				goto oom;
			p = q;
			if (p < end && *p == '\0')
				goto nul;
			if (p < end && *p == '"') {
				c->line = c->next_line;
				return fail(err, errlen, TR("guillemet au milieu d'un champ non entouré de guillemets",
							    "quote inside a field that is not quoted"));
			}
		}
		if (end_field(c, start) < 0)
			goto oom;
		if (p < end && *p == c->sep) {
			p++;
			continue;
		}
		/* End of record: CRLF, LF, lone CR, or end of input. */
		if (p < end && *p == '\r')
			p++;
		if (p < end && *p == '\n')
			p++;
		c->next_line++;
		break;
	}
	for (size_t i = 0; i < c->nfields; i++) {
		c->fields[i] = c->buf + c->offs[i];
		/* The apostrophe a writer put before a formula (see csv.h). */
		if (c->fields[i][0] == '\'' && dc_csv_formula_like(c->fields[i]))
			c->fields[i]++;
	}
	c->p = p;
	return 1;
nul:
	c->line = c->next_line;
	return fail(err, errlen, TR("octet nul : fichier binaire ?", "NUL byte: binary file?"));
oom:
	return fail(err, errlen, "out of memory");
}

bool dc_csv_formula_like(const char *s)
{
	double v;
	while (*s == '\'')
		s++;
	return *s && strchr("=+-@\t\r", *s) && dc_parse_decimal(s, &v) < 0;
}

static bool needs_quotes(const char *s, char sep)
{
	size_t n = strlen(s);
	if (n && (s[0] == ' ' || s[n - 1] == ' '))
		return true;
	for (; *s; s++)
		if (*s == sep || *s == '"' || *s == '\n' || *s == '\r')
			return true;
	return false;
}

void dc_csv_put_cell(const char *s, char sep, dc_csv_put_fn *put, void *arg)
{
	bool quote = needs_quotes(s, sep);
	if (quote)
		put(arg, "\"", 1);
	if (dc_csv_formula_like(s))
		put(arg, "'", 1);
	if (!quote) {
		put(arg, s, strlen(s));
		return;
	}
	for (const char *run = s;; s++) {
		if (*s == '"' || !*s) {
			/* A quote goes out twice: once with the run, once more. */
			put(arg, run, (size_t)(s - run) + (*s == '"'));
			if (!*s)
				break;
			run = s;
		}
	}
	put(arg, "\"", 1);
}
