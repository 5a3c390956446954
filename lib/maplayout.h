/* maplayout.h — where the screens go on the dashboard's map (pure: no I/O).
 *
 * The map is an SVG the server draws from the screens' coordinates: no
 * tile server, no script, no request leaving the commune's own site.
 * Points are projected with Web Mercator (EPSG:3857), the projection of
 * the slippy-map tiles a commune may serve itself, so an optional
 * background (one image with its bounding box, or same-origin tiles)
 * lines up with the points.
 */
#ifndef DECRAN_MAPLAYOUT_H
#define DECRAN_MAPLAYOUT_H

#include <stdbool.h>
#include <stddef.h>

/* A bounding box in WGS84 degrees. */
struct dc_map_bbox {
	double west, south, east, north;
};

/* Pixels of the drawing from Web Mercator world units ([0,1] both ways,
 * y growing southwards). */
struct dc_map_view {
	double x0, y0;		/* world coordinates of pixel (0, 0) */
	double scale;		/* pixels per world unit */
	int width, height;	/* pixels */
};

/* Web Mercator world coordinates of a point (latitude clamped to ±85.05°). */
void dc_map_mercator(double lat, double lon, double *x, double *y);
/* The box around n points, widened to at least min_span_deg each way (one
 * screen, or screens in one street, still get a readable map).  false when
 * n == 0. */
bool dc_map_bbox_of(const double *lat, const double *lon, size_t n, double min_span_deg,
		    struct dc_map_bbox *out);
/* The view that shows box b whole, centred, `margin` pixels inside a
 * drawing `width` wide; the height follows the box's shape, kept within
 * [min_h, max_h].  -1 for an empty or inverted box. */
int dc_map_fit(const struct dc_map_bbox *b, int width, int min_h, int max_h, int margin,
	       struct dc_map_view *v);
/* Pixel position of a point; false when it falls outside the drawing. */
bool dc_map_project(const struct dc_map_view *v, double lat, double lon, double *px, double *py);

/* Slippy-map tiles (256 px at zoom z) covering the view: the zoom whose
 * tiles are drawn closest to their own size, at most max_zoom. */
int dc_map_tile_zoom(const struct dc_map_view *v, int max_zoom);
/* Calls cb for each tile of zoom z that intersects the view, with its
 * pixel rectangle; at most max_tiles (returns how many, or -1 when more
 * would be needed: the caller then draws no background). */
typedef void dc_map_tile_fn(void *arg, int z, long x, long y, double px, double py, double size);
int dc_map_tiles(const struct dc_map_view *v, int z, int max_tiles, dc_map_tile_fn *cb, void *arg);

#endif
