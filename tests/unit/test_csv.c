/* test_csv.c — the RFC 4180 reader, including what spreadsheets produce
 * and malformed input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "csv.h"
#include "i18n.h"

/* Read every record of s; returns them joined as "a|b/c|d/" (fields with
 * '|', records with '/') with each record's line as "@N" in front. */
static char *read_all(const char *s, char sep, int *rc_out)
{
	static char out[2048];
	struct dc_csv c;
	char err[128];
	int rc;
	out[0] = '\0';
	dc_csv_init(&c, s, strlen(s), sep);
	while ((rc = dc_csv_next(&c, err, sizeof err)) == 1) {
		char at[16];
		snprintf(at, sizeof at, "@%ld:", c.line);
		strcat(out, at);
		for (size_t i = 0; i < c.nfields; i++) {
			strcat(out, c.fields[i]);
			strcat(out, i + 1 < c.nfields ? "|" : "/");
		}
	}
	if (rc < 0) {
		char at[160];
		snprintf(at, sizeof at, "ERR@%ld:%s", c.line, err);
		strcat(out, at);
	}
	*rc_out = rc;
	dc_csv_free(&c);
	return out;
}

static void comma_file_with_lf(void **state)
{
	(void)state;
	int rc;
	assert_string_equal(read_all("id,name\na,b\nc,d\n", 0, &rc), "@1:id|name/@2:a|b/@3:c|d/");
	assert_int_equal(rc, 0);
}

static void semicolon_detected_from_header(void **state)
{
	(void)state;
	int rc;
	/* A decimal comma in the data must not fool the detection. */
	assert_string_equal(read_all("id;power\nx;1,5\n", 0, &rc), "@1:id|power/@2:x|1,5/");
	struct dc_csv c;
	dc_csv_init(&c, "a;b;c,d\n", 8, 0);
	assert_int_equal(c.sep, ';');
	dc_csv_free(&c);
	dc_csv_init(&c, "\"a;b;c\",d\n", 10, 0);
	assert_int_equal(c.sep, ',');	/* separators inside quotes do not count */
	dc_csv_free(&c);
}

static void crlf_bom_and_missing_final_newline(void **state)
{
	(void)state;
	int rc;
	assert_string_equal(read_all("\xEF\xBB\xBFid,name\r\nx,Écran\r\ny,z", 0, &rc),
			    "@1:id|name/@2:x|Écran/@3:y|z/");
	assert_int_equal(rc, 0);
}

static void quoted_fields_with_separators_quotes_and_newlines(void **state)
{
	(void)state;
	int rc;
	assert_string_equal(read_all("a,b,c\n\"x,y\",\"say \"\"hi\"\"\",\"l1\r\nl2\nl3\"\nnext,2,3\n", 0, &rc),
			    "@1:a|b|c/@2:x,y|say \"hi\"|l1\nl2\nl3/@5:next|2|3/");
	assert_int_equal(rc, 0);
}

static void empty_fields_and_blank_lines(void **state)
{
	(void)state;
	int rc;
	assert_string_equal(read_all("a,b,c\n,,\n\n\n\"\",x,\n", 0, &rc),
			    "@1:a|b|c/@2:||/@5:|x|/");
	assert_string_equal(read_all("", 0, &rc), "");
	assert_int_equal(rc, 0);
	assert_string_equal(read_all("\n\r\n", 0, &rc), "");
}

static void forced_separator(void **state)
{
	(void)state;
	int rc;
	assert_string_equal(read_all("a;b,c\n", ',', &rc), "@1:a;b|c/");
}

static void unterminated_quote_is_an_error_at_its_line(void **state)
{
	(void)state;
	int rc;
	dc_set_lang(DC_LANG_EN);
	assert_string_equal(read_all("a,b\n1,2\n3,\"open\nstill open\n", 0, &rc),
			    "@1:a|b/@2:1|2/ERR@3:quote opened but never closed");
	assert_int_equal(rc, -1);
}

static void text_after_closing_quote_is_an_error(void **state)
{
	(void)state;
	int rc;
	dc_set_lang(DC_LANG_EN);
	assert_string_equal(read_all("a,b\n\"x\"y,2\n", 0, &rc),
			    "@1:a|b/ERR@2:unexpected character after a closing quote");
	assert_int_equal(rc, -1);
}

static void bare_quote_in_unquoted_field_is_an_error(void **state)
{
	(void)state;
	int rc;
	dc_set_lang(DC_LANG_FR);
	assert_string_equal(read_all("a,b\nx,5\"2\n", 0, &rc),
			    "@1:a|b/ERR@2:guillemet au milieu d'un champ non entouré de guillemets");
}

static void nul_byte_is_an_error(void **state)
{
	(void)state;
	struct dc_csv c;
	char err[64];
	const char data[] = "a,b\nx\0y,z\n";
	dc_set_lang(DC_LANG_EN);
	dc_csv_init(&c, data, sizeof data - 1, 0);
	assert_int_equal(dc_csv_next(&c, err, sizeof err), 1);
	assert_int_equal(dc_csv_next(&c, err, sizeof err), -1);
	assert_int_equal(c.line, 2);
	assert_string_equal(err, "NUL byte: binary file?");
	dc_csv_free(&c);
}

static void many_fields_and_long_values_grow_buffers(void **state)
{
	(void)state;
	size_t n = 200 * 6 + 70000 + 4;
	char *s = malloc(n);
	size_t o = 0;
	for (int i = 0; i < 200; i++)
		o += (size_t)sprintf(s + o, "f%03d%c", i, i < 199 ? ',' : '\n');
	memset(s + o, 'x', 70000);
	o += 70000;
	s[o] = '\0';
	struct dc_csv c;
	char err[64];
	dc_csv_init(&c, s, o, 0);
	assert_int_equal(dc_csv_next(&c, err, sizeof err), 1);
	assert_int_equal(c.nfields, 200);
	assert_string_equal(c.fields[199], "f199");
	assert_int_equal(dc_csv_next(&c, err, sizeof err), 1);
	assert_int_equal(strlen(c.fields[0]), 70000);
	assert_int_equal(dc_csv_next(&c, err, sizeof err), 0);
	dc_csv_free(&c);
	free(s);
}

static void put_str(void *arg, const char *p, size_t n)
{
	strncat(arg, p, n);
}

/* One cell as every writer writes it. */
static const char *cell(const char *s, char sep)
{
	static char out[512];
	out[0] = '\0';
	dc_csv_put_cell(s, sep, put_str, out);
	return out;
}

static void quoting_rule_for_writers(void **state)
{
	(void)state;
	assert_string_equal(cell("Gare", ','), "Gare");
	assert_string_equal(cell("1,5", ','), "\"1,5\"");
	assert_string_equal(cell("1,5", ';'), "1,5");
	assert_string_equal(cell("a\"b", ';'), "\"a\"\"b\"");
	assert_string_equal(cell("l1\nl2", ','), "\"l1\nl2\"");
	assert_string_equal(cell(" lead", ','), "\" lead\"");
	assert_string_equal(cell("", ','), "");
}

/* OWASP's CSV injection advice: what a spreadsheet would evaluate gets an
 * apostrophe; decimal numbers, negative ones included, stay numbers. */
static void formulas_are_defused_numbers_are_not(void **state)
{
	(void)state;
	assert_string_equal(cell("=1+2", ','), "'=1+2");
	assert_string_equal(cell("=HYPERLINK(\"http://x\",\"y\")", ','),
			    "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
	assert_string_equal(cell("+33 1 23", ','), "'+33 1 23");
	assert_string_equal(cell("-moins", ','), "'-moins");
	assert_string_equal(cell("-", ','), "'-");
	assert_string_equal(cell("-1+2", ','), "'-1+2");
	assert_string_equal(cell("-1e5", ','), "'-1e5");
	assert_string_equal(cell("@SUM(A1)", ';'), "'@SUM(A1)");
	assert_string_equal(cell("\t=1", ','), "'\t=1");
	assert_string_equal(cell("\r=1", ','), "\"'\r=1\"");
	assert_string_equal(cell("-1.55", ','), "-1.55");
	assert_string_equal(cell("-1,55", ';'), "-1,55");
	assert_string_equal(cell("-1,55", ','), "\"-1,55\"");
	assert_string_equal(cell("+2", ','), "+2");
	assert_string_equal(cell("Abri -1", ','), "Abri -1");
	assert_string_equal(cell("1+1", ','), "1+1");
	/* Apostrophes already there: one more only in front of a formula. */
	assert_string_equal(cell("'=x", ','), "''=x");
	assert_string_equal(cell("''@x", ','), "'''@x");
	assert_string_equal(cell("'t Hoekje", ','), "'t Hoekje");
	assert_string_equal(cell("'-1.5", ','), "'-1.5");
	assert_string_equal(cell("'", ','), "'");
	assert_true(dc_csv_formula_like("=x"));
	assert_true(dc_csv_formula_like("''=x"));
	assert_false(dc_csv_formula_like("'x"));
	assert_false(dc_csv_formula_like("-0,5"));
	assert_false(dc_csv_formula_like(""));
}

static void reader_removes_exactly_the_writers_apostrophe(void **state)
{
	(void)state;
	int rc;
	assert_string_equal(read_all("'=1+2,''=x,'t Hoekje,'-1.5,-1.5,\"'@a;b\",'\t=1,'\n", ',', &rc),
			    "@1:=1+2|'=x|'t Hoekje|'-1.5|-1.5|@a;b|\t=1|'/");
}

/* Any text written by dc_csv_put_cell reads back identical, whatever mix of
 * formula characters, apostrophes, digits, quotes and separators it holds:
 * the defusing apostrophe is the only one the reader removes. */
static void every_cell_round_trips(void **state)
{
	(void)state;
	static const char alphabet[] = "=+-@\t\r'1.,;a\" \n";
	unsigned seed = 4242;
	for (char sep = ','; sep; sep = sep == ',' ? ';' : 0)
		for (int round = 0; round < 20000; round++) {
			char text[12], file[128] = { 'x', sep, '\0' };
			size_t n = (size_t)(round % 10);
			for (size_t i = 0; i < n; i++) {
				seed = seed * 1103515245u + 12345u;
				text[i] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
			}
			text[n] = '\0';
			/* The reader takes CRLF inside quotes as one line break
			 * (what spreadsheets mean by it): not a cell's text. */
			if (strstr(text, "\r\n"))
				continue;
			dc_csv_put_cell(text, sep, put_str, file);
			strcat(file, "\r\n");
			struct dc_csv c;
			char err[128];
			dc_csv_init(&c, file, strlen(file), sep);
			if (dc_csv_next(&c, err, sizeof err) != 1 || c.nfields != 2 ||
			    strcmp(c.fields[1], text) != 0)
				fail_msg("'%s' written as '%s' did not read back", text, file);
			assert_int_equal(dc_csv_next(&c, err, sizeof err), 0);
			dc_csv_free(&c);
		}
}

/* Malformed input of every shape: the reader must always stop (error or
 * end), never read out of bounds (run under ASan), and report lines that
 * never go backwards. */
static void random_bytes_never_crash(void **state)
{
	(void)state;
	static const char alphabet[] = { 'a', ',', ';', '"', '\n', '\r', '\0', ' ', (char)0xC3, (char)0xA9 };
	unsigned seed = 12345;
	char buf[200], err[128];
	for (int round = 0; round < 5000; round++) {
		size_t n = (size_t)(round % 199);
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			buf[i] = alphabet[(seed >> 16) % sizeof alphabet];
		}
		struct dc_csv c;
		long last = 0;
		int rc, records = 0;
		dc_csv_init(&c, buf, n, 0);
		while ((rc = dc_csv_next(&c, err, sizeof err)) == 1) {
			assert_true(c.line >= last);
			assert_true(c.nfields >= 1);
			last = c.line;
			assert_true(++records <= (int)n + 1);
		}
		assert_true(rc == 0 || rc == -1);
		dc_csv_free(&c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(comma_file_with_lf),
		cmocka_unit_test(semicolon_detected_from_header),
		cmocka_unit_test(crlf_bom_and_missing_final_newline),
		cmocka_unit_test(quoted_fields_with_separators_quotes_and_newlines),
		cmocka_unit_test(empty_fields_and_blank_lines),
		cmocka_unit_test(forced_separator),
		cmocka_unit_test(unterminated_quote_is_an_error_at_its_line),
		cmocka_unit_test(text_after_closing_quote_is_an_error),
		cmocka_unit_test(bare_quote_in_unquoted_field_is_an_error),
		cmocka_unit_test(nul_byte_is_an_error),
		cmocka_unit_test(many_fields_and_long_values_grow_buffers),
		cmocka_unit_test(quoting_rule_for_writers),
		cmocka_unit_test(formulas_are_defused_numbers_are_not),
		cmocka_unit_test(reader_removes_exactly_the_writers_apostrophe),
		cmocka_unit_test(every_cell_round_trips),
		cmocka_unit_test(random_bytes_never_crash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
