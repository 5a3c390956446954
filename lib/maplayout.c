/* maplayout.c — Web Mercator projection and tiling for the map (see maplayout.h). */
#include "maplayout.h"

#include <math.h>

#define MAX_LAT 85.0511287798

void dc_map_mercator(double lat, double lon, double *x, double *y)
{
	if (lat > MAX_LAT)
		lat = MAX_LAT;
	if (lat < -MAX_LAT)
		lat = -MAX_LAT;
	double phi = lat * M_PI / 180.0;
	*x = (lon + 180.0) / 360.0;
	*y = (1.0 - log(tan(phi) + 1.0 / cos(phi)) / M_PI) / 2.0;
}

bool dc_map_bbox_of(const double *lat, const double *lon, size_t n, double min_span_deg,
		    struct dc_map_bbox *out)
{
	if (n == 0)
		return false;
	struct dc_map_bbox b = { lon[0], lat[0], lon[0], lat[0] };
	for (size_t i = 1; i < n; i++) {
		b.west = fmin(b.west, lon[i]);
		b.east = fmax(b.east, lon[i]);
		b.south = fmin(b.south, lat[i]);
		b.north = fmax(b.north, lat[i]);
	}
	double grow_x = (min_span_deg - (b.east - b.west)) / 2;
	double grow_y = (min_span_deg - (b.north - b.south)) / 2;
	if (grow_x > 0)
		b.west -= grow_x, b.east += grow_x;
	if (grow_y > 0)
		b.south -= grow_y, b.north += grow_y;
	*out = b;
	return true;
}

int dc_map_fit(const struct dc_map_bbox *b, int width, int min_h, int max_h, int margin,
	       struct dc_map_view *v)
{
	double x1, y1, x2, y2;
	if (!(b->east > b->west) || !(b->north > b->south) || width <= 2 * margin)
		return -1;
	dc_map_mercator(b->north, b->west, &x1, &y1);
	dc_map_mercator(b->south, b->east, &x2, &y2);
	double inner_w = width - 2 * margin;
	double scale = inner_w / (x2 - x1);
	double h = (y2 - y1) * scale + 2 * margin;
	if (h > max_h) {	/* a tall box: fit its height, centre it across */
		h = max_h;
		scale = (h - 2 * margin) / (y2 - y1);
	}
	if (h < min_h)
		h = min_h;
	v->width = width;
	v->height = (int)ceil(h);
	v->scale = scale;
	v->x0 = (x1 + x2) / 2 - width / 2.0 / scale;
	v->y0 = (y1 + y2) / 2 - v->height / 2.0 / scale;
	return 0;
}

bool dc_map_project(const struct dc_map_view *v, double lat, double lon, double *px, double *py)
{
	double x, y;
	dc_map_mercator(lat, lon, &x, &y);
	*px = (x - v->x0) * v->scale;
	*py = (y - v->y0) * v->scale;
	return *px >= 0 && *py >= 0 && *px <= v->width && *py <= v->height;
}

int dc_map_tile_zoom(const struct dc_map_view *v, int max_zoom)
{
	/* At zoom z the world is 256·2^z pixels wide. */
	int z = (int)lround(log2(v->scale / 256.0));
	return z < 0 ? 0 : z > max_zoom ? max_zoom : z;
}

int dc_map_tiles(const struct dc_map_view *v, int z, int max_tiles, dc_map_tile_fn *cb, void *arg)
{
	double n = ldexp(1.0, z);
	long x1 = (long)floor(v->x0 * n), y1 = (long)floor(v->y0 * n);
	long x2 = (long)floor((v->x0 + v->width / v->scale) * n);
	long y2 = (long)floor((v->y0 + v->height / v->scale) * n);
	if (x1 < 0)
		x1 = 0;
	if (y1 < 0)
		y1 = 0;
	if (x2 >= (long)n)
		x2 = (long)n - 1;
	if (y2 >= (long)n)
		y2 = (long)n - 1;
	long count = (x2 - x1 + 1) * (y2 - y1 + 1);
	if (count > max_tiles)
		return -1;
	double size = v->scale / n;
	for (long y = y1; y <= y2; y++)
		for (long x = x1; x <= x2; x++)
			cb(arg, z, x, y, (x / n - v->x0) * v->scale, (y / n - v->y0) * v->scale, size);
	return (int)count;
}
