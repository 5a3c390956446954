/* web_data.c — progress figures, date arithmetic and the SVG chart. */
#include "web_data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "tz.h"

bool dc_date_days(const char *s, long *days)
{
	int y, m, d;
	char tail;
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	if (m < 1 || m > 12 || d < 1 || d > 31)
		return false;
	long z = dc_days_from_civil(y, m, d);
	int y2, m2, d2;
	dc_civil_from_days(z, &y2, &m2, &d2);
	if (y2 != y || m2 != m || d2 != d)	/* 31 April, 29 February 2027... */
		return false;
	*days = z;
	return true;
}

double dc_screen_yearly_kwh(const struct dc_screen *s)
{
	return s->power_on_w * s->baseline_hours * 365.0 / 1000.0;
}

void dc_progress_init(struct dc_progress *p)
{
	memset(p, 0, sizeof *p);
}

void dc_progress_add(struct dc_progress *p, const struct dc_screen *s)
{
	if ((unsigned)s->category >= DC_CAT__COUNT || (unsigned)s->status >= DC_STATUS__COUNT)
		return;
	struct dc_progress_row *rows[2] = { &p->cat[s->category], &p->all };
	double kwh = dc_screen_yearly_kwh(s);
	for (int i = 0; i < 2; i++) {
		rows[i]->by_status[s->status]++;
		rows[i]->total++;
		if (s->status == DC_STATUS_REMOVED)
			rows[i]->removed_kwh += kwh;
		if (s->status == DC_STATUS_SLATED)
			rows[i]->slated_kwh += kwh;
	}
	if (s->status != DC_STATUS_REMOVED)
		return;
	long day;
	if (!dc_date_days(s->removal_date, &day)) {
		p->removed_undated++;
		return;
	}
	if (p->nremoval == p->capremoval) {
		size_t cap = p->capremoval ? p->capremoval * 2 : 256;
		long *d = realloc(p->removal_days, cap * sizeof *d);
		if (!d) {
			p->oom = true;
			return;
		}
		p->removal_days = d;
		p->capremoval = cap;
	}
	p->removal_days[p->nremoval++] = day;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return (x > y) - (x < y);
}

static int cmp_target(const void *a, const void *b)
{
	const struct dc_plan_target *x = a, *y = b;
	int c = strcmp(x->date, y->date);
	return c ? c : (x->category > y->category) - (x->category < y->category);
}

static void note_target(struct dc_progress_row *row, const struct dc_plan_target *t, long day,
			long today)
{
	/* Targets arrive sorted by date: the last seen is the final one, the
	 * first on or after today is the next one. */
	row->last = (struct dc_target_view){ .set = true, .removed = t->removed };
	snprintf(row->last.date, sizeof row->last.date, "%s", t->date);
	if (!row->next.set && day >= today)
		row->next = row->last;
}

/* Value at `day` of one category's step function of targets (0 before the first). */
static long target_at(const struct dc_plan_target *t, size_t nt, int category, long day)
{
	long v = 0;
	for (size_t i = 0; i < nt; i++) {
		long d;
		if (t[i].category == category && dc_date_days(t[i].date, &d) && d <= day)
			v = t[i].removed;
	}
	return v;
}

void dc_progress_finish(struct dc_progress *p, const struct dc_plan_target *targets, size_t nt,
			long today)
{
	if (p->nremoval)
		qsort(p->removal_days, p->nremoval, sizeof *p->removal_days, cmp_long);
	struct dc_plan_target *t = nt ? malloc(nt * sizeof *t) : NULL;
	if (nt && !t) {
		p->oom = true;
		return;
	}
	if (nt)
		memcpy(t, targets, nt * sizeof *t);
	if (nt)
		qsort(t, nt, sizeof *t, cmp_target);
	bool has_all = false;
	for (size_t i = 0; i < nt; i++) {
		long day;
		if (!dc_date_days(t[i].date, &day))
			continue;
		if (t[i].category < 0) {
			has_all = true;
			note_target(&p->all, &t[i], day, today);
		} else if (t[i].category < DC_CAT__COUNT) {
			note_target(&p->cat[t[i].category], &t[i], day, today);
		}
	}
	/* The all-category trajectory: the plan's own "all" targets when it
	 * has some, else the sum of the categories' targets at each date. */
	p->trajectory = nt ? calloc(nt, sizeof *p->trajectory) : NULL;
	for (size_t i = 0; p->trajectory && i < nt; i++) {
		long day;
		if (!dc_date_days(t[i].date, &day) || (has_all && t[i].category >= 0))
			continue;
		if (p->ntraj && p->trajectory[p->ntraj - 1].day == day)
			continue;
		long v = 0;
		if (has_all)
			v = t[i].removed;
		else
			for (int c = 0; c < DC_CAT__COUNT; c++)
				v += target_at(t, nt, c, day);
		p->trajectory[p->ntraj++] = (struct dc_point){ day, v };
	}
	if (!has_all && p->ntraj) {
		struct dc_plan_target synth = { .category = -1, .removed = 0 };
		for (size_t i = 0; i < p->ntraj; i++) {
			int y, m, d;
			dc_civil_from_days(p->trajectory[i].day, &y, &m, &d);
			snprintf(synth.date, sizeof synth.date, "%04d-%02d-%02d", y, m, d);
			synth.removed = (int)p->trajectory[i].value;
			note_target(&p->all, &synth, p->trajectory[i].day, today);
		}
	}
	free(t);
}

void dc_progress_free(struct dc_progress *p)
{
	free(p->removal_days);
	free(p->trajectory);
	memset(p, 0, sizeof *p);
}

long dc_progress_removed_by(const struct dc_progress *p, long day)
{
	/* removal_days is sorted: count the prefix <= day. */
	size_t lo = 0, hi = p->nremoval;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (p->removal_days[mid] <= day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (long)lo;
}

/* --- chart ------------------------------------------------------------ */

enum { W = 640, H = 300, L = 56, R = 16, T = 16, Bm = 40 };

static double xpos(long day, long d0, long d1)
{
	return L + (double)(day - d0) * (W - L - R) / (double)(d1 - d0 ? d1 - d0 : 1);
}

static double ypos(long v, long vmax)
{
	return H - Bm - (double)v * (H - T - Bm) / (double)(vmax ? vmax : 1);
}

void dc_chart_svg(struct dc_buf *b, const struct dc_progress *p, long today, const char *title,
		  const char *desc, const char *actual_label, const char *target_label, int lang)
{
	long d0 = today, d1 = today, vmax = 1;
	if (p->nremoval && p->removal_days[0] < d0)
		d0 = p->removal_days[0];
	for (size_t i = 0; i < p->ntraj; i++) {
		if (p->trajectory[i].day < d0)
			d0 = p->trajectory[i].day;
		if (p->trajectory[i].day > d1)
			d1 = p->trajectory[i].day;
		if (p->trajectory[i].value > vmax)
			vmax = p->trajectory[i].value;
	}
	long done = dc_progress_removed_by(p, today);
	if (done > vmax)
		vmax = done;
	if (d1 - d0 < 30)
		d0 = d1 - 30;

	dc_html(b, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" "
		"aria-labelledby=\"chart-title chart-desc\" xmlns=\"http://www.w3.org/2000/svg\">\n"
		"<title id=\"chart-title\">%s</title><desc id=\"chart-desc\">%s</desc>\n",
		W, H, title, desc);
	/* Axes, with the y maximum and the two end dates as ticks. */
	dc_buf_printf(b, "<path class=\"axis\" d=\"M%d %d V%d H%d\"/>\n", L, T, H - Bm, W - R);
	char n0[32], n1[32], dt[32];
	int y, m, d;
	dc_buf_printf(b, "<text class=\"tick\" x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>"
		      "<text class=\"tick\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n",
		      L - 6, H - Bm + 4, L - 6, T + 4,
		      dc_fmt_num(n1, sizeof n1, (double)vmax, 0, (enum dc_lang)lang));
	dc_civil_from_days(d0, &y, &m, &d);
	dc_fmt_date(n0, sizeof n0, y, m, d, (enum dc_lang)lang);
	dc_civil_from_days(d1, &y, &m, &d);
	dc_fmt_date(dt, sizeof dt, y, m, d, (enum dc_lang)lang);
	dc_buf_printf(b, "<text class=\"tick\" x=\"%d\" y=\"%d\">%s</text>"
		      "<text class=\"tick\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n",
		      L, H - Bm + 18, n0, W - R, H - Bm + 18, dt);
	/* Target trajectory: straight segments between targets, from 0 at the start. */
	if (p->ntraj) {
		dc_buf_printf(b, "<polyline class=\"target\" points=\"%.1f,%.1f",
			      xpos(d0, d0, d1), ypos(0, vmax));
		for (size_t i = 0; i < p->ntraj; i++)
			dc_buf_printf(b, " %.1f,%.1f", xpos(p->trajectory[i].day, d0, d1),
				      ypos(p->trajectory[i].value, vmax));
		dc_buf_puts(b, "\"/>\n");
	}
	/* Actual removals: a step line up to today. */
	dc_buf_printf(b, "<polyline class=\"actual\" points=\"%.1f,%.1f",
		      xpos(d0, d0, d1), ypos(0, vmax));
	long count = 0;
	for (size_t i = 0; i < p->nremoval && p->removal_days[i] <= today; i++) {
		double x = xpos(p->removal_days[i], d0, d1);
		dc_buf_printf(b, " %.1f,%.1f", x, ypos(count, vmax));
		count++;
		while (i + 1 < p->nremoval && p->removal_days[i + 1] == p->removal_days[i])
			i++, count++;
		dc_buf_printf(b, " %.1f,%.1f", x, ypos(count, vmax));
	}
	dc_buf_printf(b, " %.1f,%.1f\"/>\n", xpos(today, d0, d1), ypos(count, vmax));
	double tx = xpos(today, d0, d1);
	dc_buf_printf(b, "<path class=\"today\" d=\"M%.1f %d V%d\"/>\n", tx, T, H - Bm);
	/* Legend. */
	dc_html(b, "<g class=\"legend\"><path class=\"actual\" d=\"M%d %d h24\"/>"
		"<text x=\"%d\" y=\"%d\">%s</text>", L + 10, H - 8, L + 40, H - 4, actual_label);
	if (p->ntraj)
		dc_html(b, "<path class=\"target\" d=\"M%d %d h24\"/><text x=\"%d\" y=\"%d\">%s</text>",
			L + 260, H - 8, L + 290, H - 4, target_label);
	dc_buf_puts(b, "</g>\n</svg>\n");
}
