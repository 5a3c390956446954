/* test_maplayout.c — the map's projection, fit and tiles. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <math.h>

#include "maplayout.h"

static void mercator_known_points(void **st)
{
	(void)st;
	double x, y;
	dc_map_mercator(0, 0, &x, &y);
	assert_float_equal(x, 0.5, 1e-6);
	assert_float_equal(y, 0.5, 1e-6);
	dc_map_mercator(85.0511287798, -180, &x, &y);
	assert_float_equal(x, 0, 1e-6);
	assert_float_equal(y, 0, 1e-6);
	dc_map_mercator(89.9, 180, &x, &y);	/* clamped, not infinite */
	assert_float_equal(x, 1, 1e-6);
	assert_float_equal(y, 0, 1e-6);
	/* 45°: y = (1 - asinh(1) / pi) / 2; north and south mirror each other */
	dc_map_mercator(45, 90, &x, &y);
	assert_float_equal(x, 0.75, 1e-6);
	assert_float_equal(y, (1 - asinh(1) / M_PI) / 2, 1e-6);
	double y2;
	dc_map_mercator(-45, 90, &x, &y2);
	assert_float_equal(y + y2, 1, 1e-6);
}

static void bbox_and_fit(void **st)
{
	(void)st;
	const double lat[] = { 48.80, 48.90, 48.85 }, lon[] = { 2.30, 2.40, 2.35 };
	struct dc_map_bbox b;
	assert_false(dc_map_bbox_of(lat, lon, 0, 0.01, &b));
	assert_true(dc_map_bbox_of(lat, lon, 3, 0.01, &b));
	assert_float_equal(b.west, 2.30, 1e-6);
	assert_float_equal(b.north, 48.90, 1e-6);
	/* one point: widened to the minimum span around it */
	assert_true(dc_map_bbox_of(lat + 2, lon + 2, 1, 0.01, &b));
	assert_float_equal(b.east - b.west, 0.01, 1e-6);
	assert_float_equal((b.north + b.south) / 2, 48.85, 1e-6);

	struct dc_map_view v;
	assert_true(dc_map_bbox_of(lat, lon, 3, 0.01, &b));
	assert_int_equal(dc_map_fit(&b, 800, 200, 2000, 10, &v), 0);
	/* at 48.85° a degree of latitude is 1/cos(lat) taller than one of longitude */
	assert_in_range(v.height, 800 * 1.5, 800 * 1.54);
	double px, py;
	for (int i = 0; i < 3; i++)
		assert_true(dc_map_project(&v, lat[i], lon[i], &px, &py));
	assert_true(dc_map_project(&v, 48.80, 2.30, &px, &py));	/* south-west corner */
	assert_float_equal(px, 10, 1e-6);
	assert_float_equal(py, v.height - 10, 1.0);
	assert_true(dc_map_project(&v, 48.85, 2.35, &px, &py));
	assert_float_equal(px, 400, 1e-6);
	assert_false(dc_map_project(&v, 49.5, 2.35, &px, &py));	/* outside */
	/* a tall box keeps within max_h, centred across */
	assert_int_equal(dc_map_fit(&b, 800, 200, 600, 10, &v), 0);
	assert_int_equal(v.height, 600);
	assert_true(dc_map_project(&v, 48.85, 2.35, &px, &py));
	assert_float_equal(px, 400, 1e-6);
	assert_float_equal(py, 300, 1.0);
	assert_true(dc_map_project(&v, 48.90, 2.35, &px, &py));
	assert_float_equal(py, 10, 1e-6);
	/* empty or inverted boxes are refused */
	struct dc_map_bbox bad = { 2.4, 48.8, 2.3, 48.9 };
	assert_int_equal(dc_map_fit(&bad, 800, 200, 600, 10, &v), -1);
}

struct tiles {
	int n, z;
	long x0, y0;
	double px0, size;
};

static void tile(void *arg, int z, long x, long y, double px, double py, double size)
{
	struct tiles *t = arg;
	(void)py;
	if (t->n++ == 0) {
		t->z = z;
		t->x0 = x;
		t->y0 = y;
		t->px0 = px;
		t->size = size;
	}
}

static void tiles_cover_the_view(void **st)
{
	(void)st;
	struct dc_map_bbox b = { 2.30, 48.80, 2.40, 48.90 };
	struct dc_map_view v;
	assert_int_equal(dc_map_fit(&b, 800, 200, 2000, 0, &v), 0);
	int z = dc_map_tile_zoom(&v, 19);
	/* 800 px for 0.1° of longitude: zoom 13 tiles are 256 px wide for 0.044° */
	assert_int_equal(z, 13);
	assert_int_equal(dc_map_tile_zoom(&v, 10), 10);
	struct tiles t = { 0 };
	int n = dc_map_tiles(&v, z, 100, tile, &t);
	assert_int_equal(n, t.n);
	assert_in_range(n, 9, 30);
	assert_true(t.px0 <= 0 && t.px0 > -t.size);	/* the first tile starts at or left of 0 */
	assert_float_equal(t.size, v.scale / 8192, 1e-6);
	assert_int_equal(dc_map_tiles(&v, 18, 100, tile, &t), -1);	/* too many: none */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mercator_known_points),
		cmocka_unit_test(bbox_and_fit),
		cmocka_unit_test(tiles_cover_the_view),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
