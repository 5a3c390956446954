/* test_opendata.c — the public tables: which columns, cells in both CSV
 * dialects, JSON values, and the Table Schema they generate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <cJSON.h>
#include <stdio.h>
#include <string.h>

#include "opendata.h"

struct out {
	char s[4096];
	size_t n;
};

static void put(void *arg, const char *p, size_t n)
{
	struct out *o = arg;
	assert_true(o->n + n < sizeof o->s);
	memcpy(o->s + o->n, p, n);
	o->n += n;
	o->s[o->n] = '\0';
}

static struct dc_screen sample(void)
{
	struct dc_screen s;
	dc_screen_init(&s);
	snprintf(s.id, sizeof s.id, "adv-1");
	snprintf(s.name, sizeof s.name, "=cmd|' /C calc'!A0");
	snprintf(s.site, sizeof s.site, "Gare; quai \"A\"");
	s.category = DC_CAT_ADVERTISING;
	s.has_coords = true;
	s.lat = 48.8566;
	s.lon = -1.5;
	s.power_on_w = 312.5;
	s.surface_m2 = 2;
	s.baseline_hours = 18;
	snprintf(s.notes, sizeof s.notes, "secret");
	snprintf(s.box, sizeof s.box, "box-1");
	s.channel = 2;
	return s;
}

static int column(const struct dc_od_table *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (!strcmp(dc_od_column_name(t->cols[i]), name))
			return (int)i;
	return -1;
}

static void internal_fields_are_in_no_table(void **st)
{
	(void)st;
	const struct dc_od_table *tables[] = { &dc_od_inventory, &dc_od_removals };
	for (int k = 0; k < 2; k++) {
		assert_int_equal(column(tables[k], "notes"), -1);
		assert_int_equal(column(tables[k], "box"), -1);
		assert_int_equal(column(tables[k], "channel"), -1);
		assert_int_equal(column(tables[k], "id"), 0);
		assert_true(column(tables[k], "baseline_hours") > 0);
	}
	/* every other field of a screen is published */
	assert_int_equal(dc_od_inventory.ncols, DC_F__COUNT - 3);
	for (int f = 0; f < DC_F__COUNT; f++)
		if (f != DC_F_NOTES && f != DC_F_BOX && f != DC_F_CHANNEL)
			assert_true(column(&dc_od_inventory, dc_field_name((enum dc_field)f)) >= 0);
}

static void csv_dialects(void **st)
{
	(void)st;
	struct dc_screen s = sample();
	struct dc_od_row r = { .s = &s, .dated = true, .days_left = -3, .yearly_kwh = 2053.125 };
	struct out a = { 0 }, b = { 0 };
	dc_od_csv_header(&dc_od_removals, DC_OD_RFC4180, put, &a);
	dc_od_csv_row(&dc_od_removals, &r, DC_OD_RFC4180, put, &a);
	assert_string_equal(a.s, "id,name,site,category,owner,removal_target,days_left,power_on_w,"
				 "baseline_hours,yearly_kwh_estimate,lat,lon\r\n"
				 "adv-1,'=cmd|' /C calc'!A0,\"Gare; quai \"\"A\"\"\",advertising,,,-3,"
				 "312.5,18,2053.1,48.8566,-1.5\r\n");
	dc_od_csv_header(&dc_od_removals, DC_OD_FR, put, &b);
	dc_od_csv_row(&dc_od_removals, &r, DC_OD_FR, put, &b);
	assert_string_equal(b.s, "id;name;site;category;owner;removal_target;days_left;power_on_w;"
				 "baseline_hours;yearly_kwh_estimate;lat;lon\r\n"
				 "adv-1;'=cmd|' /C calc'!A0;\"Gare; quai \"\"A\"\"\";advertising;;;-3;"
				 "312,5;18;2053,1;48,8566;-1,5\r\n");
	/* an undated, unplaced screen: empty cells */
	s.has_coords = false;
	r.dated = false;
	char buf[64];
	assert_string_equal(dc_od_cell(dc_od_removals.cols[column(&dc_od_removals, "days_left")], &r,
				       true, buf, sizeof buf), "");
	assert_string_equal(dc_od_cell(dc_od_removals.cols[column(&dc_od_removals, "lat")], &r, true,
				       buf, sizeof buf), "");
}

static void json_values(void **st)
{
	(void)st;
	struct dc_screen s = sample();
	struct dc_od_row r = { .s = &s };
	char buf[600];
	bool q;
	const struct dc_od_table *t = &dc_od_inventory;
	assert_true(dc_od_json_value(t->cols[column(t, "power_on_w")], &r, buf, sizeof buf, &q));
	assert_false(q);
	assert_string_equal(buf, "312.5");
	assert_true(dc_od_json_value(t->cols[column(t, "airport")], &r, buf, sizeof buf, &q));
	assert_false(q);
	assert_string_equal(buf, "false");
	assert_true(dc_od_json_value(t->cols[column(t, "name")], &r, buf, sizeof buf, &q));
	assert_true(q);
	assert_string_equal(buf, s.name);	/* raw: JSON needs no defusing */
	assert_false(dc_od_json_value(t->cols[column(t, "removal_target")], &r, buf, sizeof buf, &q));
	assert_true(dc_od_json_value(t->cols[column(t, "owner")], &r, buf, sizeof buf, &q));
	assert_true(q);
	assert_string_equal(buf, "");
}

static const cJSON *field(const cJSON *schema, const char *name)
{
	const cJSON *f;
	cJSON_ArrayForEach(f, cJSON_GetObjectItem(schema, "fields"))
		if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(f, "name")), name))
			return f;
	return NULL;
}

static void schema_matches_the_columns(void **st)
{
	(void)st;
	for (int fr = 0; fr < 2; fr++) {
		char *text = dc_od_schema_json(&dc_od_inventory, fr);
		assert_non_null(text);
		assert_int_equal(text[strlen(text) - 1], '\n');
		cJSON *j = cJSON_Parse(text);
		assert_non_null(j);
		assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(j, "primaryKey")), "id");
		assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "fields")),
				 (int)dc_od_inventory.ncols);
		const cJSON *lat = field(j, "lat"), *cat = field(j, "category"), *id = field(j, "id");
		assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(lat, "decimalChar")),
				    fr ? "," : ".");
		assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(lat, "constraints"),
						     "maximum")->valueint, 90);
		const cJSON *en = cJSON_GetObjectItem(cJSON_GetObjectItem(cat, "constraints"), "enum");
		assert_int_equal(cJSON_GetArraySize(en), DC_CAT__COUNT);
		assert_string_equal(cJSON_GetStringValue(cJSON_GetArrayItem(en, 0)), "advertising");
		assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(id, "constraints"),
							     "required")));
		assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(field(j, "removal_date"),
									     "type")), "date");
		assert_null(field(j, "notes"));
		assert_null(cJSON_GetObjectItem(field(j, "site"), "constraints"));
		cJSON_Delete(j);
		free(text);
	}
	char *text = dc_od_schema_json(&dc_od_removals, false);
	cJSON *j = cJSON_Parse(text);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(field(j, "days_left"), "type")),
			    "integer");
	cJSON_Delete(j);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(internal_fields_are_in_no_table),
		cmocka_unit_test(csv_dialects),
		cmocka_unit_test(json_values),
		cmocka_unit_test(schema_matches_the_columns),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
