/* plan.c — from the inventory and the rules to what every channel should be.
 *
 * Screens bound to a box channel (decran bind) come from the database; the
 * rules from the rules file.  A channel carrying several screens is on only
 * when every one of them may be on (the same combination the compiled
 * fallback uses, so box and gateway never disagree).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "compliance.h"
#include "drv_native.h"
#include "fleet_decide.h"
#include "gridmsg.h"
#include "gw.h"
#include "gwlog.h"
#include "overrides.h"
#include "rules_lint.h"
#include "store.h"
#include "strpool.h"

struct lint_acc {
	struct dc_sched_screen *v;
	size_t n, cap;
	struct gw_strpool text;
	int oom;
};

static int keep_view(const struct dc_screen *s, void *arg)
{
	struct lint_acc *a = arg;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 256;
		struct dc_sched_screen *v = realloc(a->v, cap * sizeof *v);
		if (!v)
			return a->oom = 1;
		a->v = v;
		a->cap = cap;
	}
	struct dc_sched_screen x = dc_sched_screen_of(s);
	x.id = gw_strpool_add(&a->text, s->id);
	x.site = gw_strpool_add(&a->text, s->site);
	x.service_hours = "";
	if (!x.id || !x.site)
		return a->oom = 1;
	a->v[a->n++] = x;
	return 0;
}

/* The rules against the whole inventory (rules_lint.h), as warnings: a
 * running gateway keeps its rules, but the operator learns that a scope or a
 * derogation concerns no screen (`decran schedule check --db` refuses them). */
static void log_lint(const struct gw *g, const struct gw_binding *b)
{
	char msg[1024];
	if (b->lint_error)
		log_warn("plan", "rules not checked against the inventory error=\"%s\"",
			 b->lint_error);
	for (size_t i = 0; i < b->lint.n; i++) {
		const struct dc_lint_finding *f = &b->lint.v[i];
		dc_lint_message(f, msg, sizeof msg);
		log_warn("plan", "rules %s file=%s path=%s %s=\"%s\" value=\"%s\" suggestion=\"%s\" "
			 "message=\"%s\"", f->severity == DC_LINT_ERROR ? "match no screen" : "match no screen yet",
			 g->cfg.rules_path, f->path, f->derogation ? "derogation" : "policy", f->rule, f->value,
			 f->suggestion, msg);
	}
}

/* Overrides and grid alerts in force (decran override / grid-alert). */
int gw_plan_inputs_build(const struct gw *g, struct gw_inputs *in, char *err, size_t errlen)
{
	memset(in, 0, sizeof *in);
	if (!g->store)
		return 0;
	return gw_schedule_inputs(g->store, gw_now(g), &in->overrides, &in->noverrides,
				  &in->alerts, &in->nalerts, err, errlen);
}

void gw_plan_inputs_install(struct gw *g, struct gw_inputs *in)
{
	dc_sched_ctx_release(&g->sctx);
	free(g->overrides);
	free(g->alerts);
	g->overrides = in->overrides;
	g->alerts = in->alerts;
	g->sctx.overrides = in->overrides;
	g->sctx.noverrides = in->noverrides;
	g->sctx.alerts = in->alerts;
	g->sctx.nalerts = in->nalerts;
	g->dirty = g->fallbacks_dirty = true;
	if (in->noverrides || in->nalerts)
		log_info("plan", "schedule inputs loaded overrides=%zu grid_alerts=%zu",
			 in->noverrides, in->nalerts);
	memset(in, 0, sizeof *in);
}

int gw_plan_load_inputs(struct gw *g, char *err, size_t errlen)
{
	struct gw_inputs in;
	if (!g->store)
		return 0;
	if (gw_plan_inputs_build(g, &in, err, errlen) < 0)
		return -1;
	gw_plan_inputs_install(g, &in);
	return 0;
}

/* A grid alert from MQTT (gridmsg.h): stored as `decran grid-alert` stores
 * it, then in force at once.  Clearing lifts every live alert of the same
 * source, so a feed never lifts an operator's alert.  Returns the new id or
 * the number cleared, -1 with err. */
long long gw_plan_grid_alert(struct gw *g, const struct gw_gridmsg *m, char *err, size_t errlen)
{
	int64_t now = gw_now(g), id;
	char w1[32], w2[32], actor[80], cats[160] = "rules";
	size_t k = 0;
	for (int c = 0; c < DC_CAT__COUNT; c++)
		if (m->alert.categories >> c & 1)
			k += (size_t)snprintf(cats + k, k < sizeof cats ? sizeof cats - k : 0, "%s%s",
					      k ? "," : "", dc_category_name((enum dc_category)c));
	long long n = 0;
	if (!g->store) {
		snprintf(err, errlen, "no database");
		return -1;
	}
	if (m->op == GW_GRIDMSG_ADD) {
		if (gw_alert_add(g->store, &m->alert, now, &id, err, errlen) < 0)
			return -1;
		log_info("plan", "grid alert added id=%lld source=%s from=%s until=%s categories=%s "
			 "reason=\"%s\"", (long long)id, m->alert.source,
			 dc_format_utc(w1, sizeof w1, m->alert.from),
			 dc_format_utc(w2, sizeof w2, m->alert.until), cats, m->alert.reason);
		n = id;
	} else {
		struct gw_alert_row *rows;
		size_t nrows;
		if (gw_alert_list(g->store, now, false, &rows, &nrows, err, errlen) < 0)
			return -1;
		snprintf(actor, sizeof actor, "mqtt:%s", m->alert.source);
		for (size_t i = 0; i < nrows; i++) {
			int c;
			if (strcmp(rows[i].a.source, m->alert.source) != 0)
				continue;
			if (gw_alert_clear(g->store, rows[i].id, actor, now, &c, err, errlen) < 0) {
				free(rows);
				return -1;
			}
			n += c;
		}
		free(rows);
		log_info("plan", "grid alerts cleared source=%s count=%lld", m->alert.source, n);
		if (!n)
			return 0;
	}
	if (gw_plan_load_inputs(g, err, errlen) < 0)
		return -1;
	return n;
}

/* A bound screen while the binding is built: its view and its box. */
struct bound {
	struct dc_sched_screen v;
	int box;		/* index in cfg.boxes */
};

struct box_ref {
	const char *id;
	int index;
};

static int by_id(const void *a, const void *b)
{
	return strcmp(((const struct box_ref *)a)->id, ((const struct box_ref *)b)->id);
}

struct bind_acc {
	const struct gw_config *cfg;
	const struct box_ref *boxes;	/* cfg's boxes sorted by id */
	struct bound *v;
	size_t n, cap, nbound;
	struct gw_strpool *text;
	bool oom;
	struct lint_acc *lint;	/* every screen, for the rules' check; NULL: none */
};

static int find_box(const struct bind_acc *a, const char *id)
{
	struct box_ref key = { id, -1 };
	const struct box_ref *r = bsearch(&key, a->boxes, a->cfg->nboxes, sizeof key, by_id);
	return r ? r->index : -1;
}

/* Only the fields the schedule reads are kept: the full rows (1.2 KB each)
 * of 10,000 screens would be most of the daemon's memory. */
static int keep_bound(const struct dc_screen *s, void *arg)
{
	struct bind_acc *a = arg;
	if (a->lint && !a->lint->oom)
		keep_view(s, a->lint);	/* out of memory: the check is skipped, said at install */
	if (!s->box[0] || s->channel <= 0)
		return 0;
	a->nbound++;
	int b = find_box(a, s->box);
	if (b < 0) {
		log_warn("plan", "screen bound to a box the config does not know screen=%s "
			 "box=%s", s->id, s->box);
		return 0;
	}
	if (s->channel > a->cfg->boxes[b].channels)
		/* Still compiled into the box's fallback, as it is bound there. */
		log_warn("plan", "screen bound beyond the box's channels screen=%s box=%s "
			 "channel=%d channels=%d", s->id, s->box, s->channel,
			 a->cfg->boxes[b].channels);
	if (a->n == a->cap)
		return 0;
	struct dc_sched_screen v = dc_sched_screen_of(s);
	v.id = gw_strpool_add(a->text, s->id);
	v.site = gw_strpool_add(a->text, s->site);
	v.service_hours = gw_strpool_add(a->text, s->service_hours);
	if (!v.id || !v.site || !v.service_hours) {
		a->oom = true;
		return 1;
	}
	a->v[a->n++] = (struct bound){ v, b };
	return 0;
}

static int by_box_channel(const void *a, const void *b)
{
	const struct bound *x = a, *y = b;
	if (x->box != y->box)
		return x->box < y->box ? -1 : 1;
	return x->v.channel - y->v.channel;
}

/* The screens bound to cfg's boxes, sorted by (box index, channel), into
 * acc->v (acc->n of them); strings into acc->text. */
static int load_bound(const struct gw *g, const struct gw_config *cfg, struct bind_acc *acc,
		      char *err, size_t errlen)
{
	struct dc_screen_filter f = DC_SCREEN_FILTER_ALL;
	long count = 0;
	int rc = 0;

	if (g->store && dc_store_count_screens(g->store, &f, &count) < 0) {
		snprintf(err, errlen, "%s", dc_store_errmsg(g->store));
		return -1;
	}
	struct box_ref *boxes = malloc((cfg->nboxes + 1) * sizeof *boxes);
	acc->v = malloc(((size_t)count + 1) * sizeof *acc->v);
	acc->cap = (size_t)count;
	if (!boxes || !acc->v) {
		free(boxes);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t b = 0; b < cfg->nboxes; b++)
		boxes[b] = (struct box_ref){ cfg->boxes[b].id, (int)b };
	qsort(boxes, cfg->nboxes, sizeof *boxes, by_id);
	acc->cfg = cfg;
	acc->boxes = boxes;
	if (g->store && dc_store_list_screens(g->store, &f, keep_bound, acc) < 0) {
		snprintf(err, errlen, "%s", dc_store_errmsg(g->store));
		rc = -1;
	} else if (acc->oom) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	}
	free(boxes);
	acc->boxes = NULL;
	if (rc == 0)
		qsort(acc->v, acc->n, sizeof *acc->v, by_box_channel);
	return rc;
}

void gw_binding_free(struct gw_binding *b)
{
	free(b->chans);
	free(b->boxes);
	free(b->screens);
	gw_strpool_free(&b->text);
	free(b->box_ids);
	free(b->box_channels);
	dc_lint_free(&b->lint);
	memset(b, 0, sizeof *b);
}

/* The channel table of cfg's boxes and the screens bound to them, keeping
 * what g knows of channels that existed before.  g is only read. */
int gw_plan_bind_build(const struct gw *g, const struct gw_config *cfg,
		       const struct dc_rules *lint_rules, struct gw_binding *out, char *err,
		       size_t errlen)
{
	struct gw_binding nb = { 0 };
	struct lint_acc lint = { 0 };
	struct bind_acc acc = { .text = &nb.text, .lint = lint_rules && g->store ? &lint : NULL };

	int rc = load_bound(g, cfg, &acc, err, errlen);
	if (rc == 0 && acc.lint &&
	    (lint.oom || dc_rules_lint(lint_rules, lint.v, lint.n, &nb.lint) < 0))
		nb.lint_error = "out of memory";
	free(lint.v);
	gw_strpool_free(&lint.text);
	if (rc < 0) {
		free(acc.v);
		gw_strpool_free(&nb.text);
		return -1;
	}
	for (size_t b = 0; b < cfg->nboxes; b++)
		nb.nchans += (size_t)cfg->boxes[b].channels;
	nb.nscreens = acc.n;
	nb.nbound = acc.nbound;
	nb.nboxes = cfg->nboxes;
	nb.chans = calloc(nb.nchans + 1, sizeof *nb.chans);
	nb.boxes = calloc(cfg->nboxes + 1, sizeof *nb.boxes);
	nb.screens = malloc((acc.n + 1) * sizeof *nb.screens);
	nb.box_ids = calloc(cfg->nboxes + 1, sizeof *nb.box_ids);
	nb.box_channels = calloc(cfg->nboxes + 1, sizeof *nb.box_channels);
	if (!nb.chans || !nb.boxes || !nb.screens || !nb.box_ids || !nb.box_channels) {
		free(acc.v);
		gw_binding_free(&nb);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	struct gw_chan *chans = nb.chans;
	struct gw_boxstate *boxes = nb.boxes;
	size_t k = 0;
	for (size_t b = 0; b < cfg->nboxes; b++) {
		const struct gw_box *bx = &cfg->boxes[b];
		snprintf(nb.box_ids[b], DC_ID_MAX, "%s", bx->id);
		nb.box_channels[b] = bx->channels;
		boxes[b].online = -1;
		boxes[b].chan0 = k;
		for (int ch = 1; ch <= bx->channels; ch++, k++) {
			chans[k].box = (int)b;
			chans[k].channel = ch;
			chans[k].reason = "";
			dc_recon_init(&chans[k].rc);
		}
		/* What we knew of the same box before a reload. */
		int old = -1;
		for (size_t o = 0; g->boxes && o < g->nboxes_state; o++)
			if (!strcmp(g->box_ids[o], bx->id))
				old = (int)o;
		if (old >= 0) {
			const struct gw_boxstate *ob = &g->boxes[old];
			boxes[b] = *ob;
			boxes[b].chan0 = k - (size_t)bx->channels;
			for (int ch = 1; ch <= bx->channels && ch <= g->box_channels[old]; ch++) {
				struct gw_chan *nc = &chans[boxes[b].chan0 + (size_t)ch - 1];
				const struct gw_chan *oc = &g->chans[ob->chan0 + (size_t)ch - 1];
				*nc = *oc;
				nc->box = (int)b;
				nc->screens = NULL;
				nc->nscreens = 0;
			}
		}
		boxes[b].screen0 = boxes[b].nscreens = 0;
	}
	/* Attach screens: sorted by (box, channel), each box's and each
	 * channel's screens are consecutive. */
	for (size_t i = 0; i < acc.n; i++) {
		const struct bound *s = &acc.v[i];
		struct gw_boxstate *bs = &boxes[s->box];
		nb.screens[i] = s->v;
		if (!bs->nscreens++)
			bs->screen0 = i;
		if (s->v.channel > cfg->boxes[s->box].channels)
			continue;
		struct gw_chan *c = &chans[bs->chan0 + (size_t)s->v.channel - 1];
		if (!c->screens)
			c->screens = &nb.screens[i];
		c->nscreens++;
	}
	free(acc.v);
	for (size_t i = 0; i < nb.nchans; i++) {
		if (!chans[i].nscreens)
			dc_recon_set_desired(&chans[i].rc, DC_STATE_UNKNOWN);
		nb.nqueued += chans[i].queued;
	}
	*out = nb;
	return 0;
}

void gw_plan_bind_install(struct gw *g, struct gw_binding *b)
{
	struct gw_binding old = { .chans = g->chans, .boxes = g->boxes, .screens = g->screens,
				  .text = g->screen_text, .box_ids = g->box_ids,
				  .box_channels = g->box_channels };
	gw_binding_free(&old);
	g->chans = b->chans;
	g->nchans = b->nchans;
	g->nqueued = b->nqueued;
	g->queue_cursor = 0;
	g->boxes = b->boxes;
	g->offline_due_known = false;
	g->screens = b->screens;
	g->nscreens = b->nscreens;
	g->screen_text = b->text;
	g->nbound = b->nbound;
	g->nboxes_state = b->nboxes;
	g->box_ids = b->box_ids;
	g->box_channels = b->box_channels;
	struct gw_binding checked = { .lint = b->lint, .lint_error = b->lint_error };
	memset(b, 0, sizeof *b);
	gw_chan_check_safe_all(g);
	g->dirty = g->fallbacks_dirty = true;
	log_info("plan", "bindings loaded boxes=%zu channels=%zu screens=%zu", g->nboxes_state,
		 g->nchans, g->nbound);
	log_lint(g, &checked);
	dc_lint_free(&checked.lint);
}

int gw_plan_bind(struct gw *g, bool lint, char *err, size_t errlen)
{
	struct gw_binding b;
	if (gw_plan_bind_build(g, &g->cfg, lint ? g->rules : NULL, &b, err, errlen) < 0)
		return -1;
	gw_plan_bind_install(g, &b);
	return 0;
}

/* Short name of the rule that decided, for the audit log. */
static void decisive_reason(struct gw *g, const struct dc_sched_screen *s, int64_t t, char *buf,
			    size_t len)
{
	struct dc_explanation e;
	dc_schedule_explain_view(g->rules, &g->sctx, s, t, &e);
	gw_decide_reason(g->rules, &e.steps[e.decisive], buf, len);
}

bool gw_chan_carries_advertising(const struct gw_chan *c)
{
	for (uint32_t i = 0; i < c->nscreens; i++)
		if (dc_cpl_applies(c->screens[i].category, c->screens[i].flags))
			return true;
	return false;
}

bool gw_plan_clock_holds_off(const struct gw *g, const struct gw_chan *c)
{
	return !g->clock_trusted && gw_chan_carries_advertising(c);
}

static bool legal_night_at(struct gw *g, const struct gw_chan *c, int64_t t)
{
	for (size_t i = 0; g->rules && i < c->nscreens; i++) {
		struct dc_explanation e;
		dc_schedule_explain_view(g->rules, &g->sctx, &c->screens[i], t, &e);
		if (gw_decide_night_applies(&e))
			return true;
	}
	return false;
}

bool gw_plan_legal_night(struct gw *g, const struct gw_chan *c)
{
	return legal_night_at(g, c, gw_now(g));
}

/* Asked now, at every minute in between and at the end: the rule's edges
 * (01:00, 06:00, service hours, a derogation's end) fall on whole minutes,
 * and the night never lasts less than one. */
bool gw_plan_legal_night_within(struct gw *g, const struct gw_chan *c, int64_t seconds)
{
	int64_t t = gw_now(g), end = t + (seconds > 0 ? seconds : 0);
	if (legal_night_at(g, c, t) || legal_night_at(g, c, end))
		return true;
	for (int64_t m = (t / 60 + 1) * 60; m < end; m += 60)
		if (legal_night_at(g, c, m))
			return true;
	return false;
}

void gw_plan_evaluate(struct gw *g)
{
	int64_t t = gw_now(g);
	g->next_edge = INT64_MAX;
	if (!g->rules)
		return;
	static bool *may;	/* per screen of a channel; grown to the largest */
	static size_t may_cap;
	for (size_t i = 0; i < g->nchans; i++) {
		struct gw_chan *c = &g->chans[i];
		if (gw_chan_under_test(c))
			continue;
		if (c->nscreens > may_cap) {
			bool *v = realloc(may, c->nscreens * sizeof *v);
			if (!v)
				continue;	/* keeps its last decision; retried next pass */
			may = v;
			may_cap = c->nscreens;
		}
		if (!c->nscreens) {
			dc_recon_set_desired(&c->rc, DC_STATE_UNKNOWN);
			continue;
		}
		int64_t next = INT64_MAX;
		size_t off_by;
		for (size_t k = 0; k < c->nscreens; k++) {
			const struct dc_sched_screen *s = &c->screens[k];
			may[k] = dc_schedule_evaluate_view(g->rules, &g->sctx, s, t);
			int64_t n = dc_schedule_next_transition_view(g->rules, &g->sctx, s, t);
			if (n < next)
				next = n;
		}
		int want = gw_decide_channel(may, c->nscreens, &off_by);
		if (want == DC_STATE_ON && gw_plan_clock_holds_off(g, c)) {
			/* The time may be wrong (a Pi without RTC restored to the
			 * evening before a 02:00 reboot): off is always lawful. */
			c->reason = gw_intern("clock:untrusted");
			dc_recon_set_desired(&c->rc, DC_STATE_OFF);
		} else if (want != c->rc.desired) {
			char reason[160];
			decisive_reason(g, &c->screens[off_by < c->nscreens ? off_by : 0], t, reason,
					sizeof reason);
			c->reason = gw_intern(reason);
			dc_recon_set_desired(&c->rc, want);
		}
		if (next < g->next_edge)
			g->next_edge = next;
		gw_chan_check_compliance(g, c);
	}
	g->dirty = false;
}

/* Start a pass over the boxes: each native box is pushed its compiled
 * fallback when it changed, and at least every fallback_refresh_h hours so
 * its horizon never runs out.  The pass goes on in gw_plan_fallbacks_continue
 * as the MQTT window lets it. */
void gw_plan_push_fallbacks(struct gw *g, bool force)
{
	if (!g->rules || !g->mqtt_up)
		return;
	g->fallback_cursor = 0;
	g->fallback_force = force;
	g->fallback_pass = true;
	g->fallbacks_dirty = false;
	g->next_fallback_s = gw_now(g) + 3600;
	gw_plan_fallbacks_continue(g);
}

/* Compile and publish the next boxes' fallbacks while few messages wait for
 * the broker's acknowledgement: libmosquitto keeps each ~2 KB message until
 * then, and 1,250 boxes at once would hold 2.5 MB.  At most
 * GW_FALLBACK_SLICE compilations per call, sent or not (an unchanged box
 * is compiled, then skipped): an hourly pass over a large fleet is a few
 * milliseconds at a time, with the loop's other events in between
 * (gw_plan_fallbacks_pending asks for the next slice at once). */
void gw_plan_fallbacks_continue(struct gw *g)
{
	struct dc_fallback *fb;
	int compiled = 0;

	if (!g->fallback_pass || !g->rules || !g->mqtt_up || !(fb = malloc(sizeof *fb)))
		return;
	while (g->fallback_cursor < g->cfg.nboxes && gw_mqtt_room(g, GW_WINDOW_FALLBACKS) &&
	       compiled < GW_FALLBACK_SLICE) {
		size_t b = g->fallback_cursor++;
		int64_t now = gw_now(g);
		const struct gw_box *bx = &g->cfg.boxes[b];
		struct gw_boxstate *bs = &g->boxes[b];
		char err[256], sig[32], topic[DC_DRV_TOPIC_MAX];
		if (bx->driver != GW_DRV_NATIVE)
			continue;
		size_t n = bs->nscreens;
		/* From midnight UTC: the same rules give the same message all day,
		 * so a box is re-sent its fallback only when something changed
		 * (and daily, to keep the horizon ahead). */
		int64_t from = gw_decide_fallback_from(now);
		compiled++;
		if (dc_schedule_compile_view(g->rules, &g->sctx, bx->id, g->screens + bs->screen0,
					     n, from, (int64_t)g->cfg.fallback_horizon_days * 86400,
					     fb, err, sizeof err) < 0) {
			log_err("fallback", "cannot compile box=%s error=\"%s\"", bx->id, err);
			continue;
		}
		gw_fallback_signature(fb, sig, sizeof sig);
		if (!gw_decide_fallback_push(g->fallback_force, sig, bs->fallback_sig, now,
					     bs->fallback_pushed, g->cfg.fallback_refresh_h))
			continue;
		char *json = dc_fallback_encode(fb);
		if (!json)
			continue;
		dc_native_fallback_topic(bx->id, topic, sizeof topic);
		/* Sealed, it may be obeyed until it runs out. */
		if (gw_publish_box(g, (int)b, topic, json, strlen(json), 1, true, fb->until) == 0) {
			snprintf(bs->fallback_sig, sizeof bs->fallback_sig, "%s", sig);
			bs->fallback_pushed = now;
			log_info("fallback", "pushed box=%s bytes=%zu screens=%zu until=%lld", bx->id,
				 strlen(json), n, (long long)fb->until);
		}
		free(json);
	}
	free(fb);
	if (g->fallback_cursor >= g->cfg.nboxes)
		g->fallback_pass = false;
}

bool gw_plan_fallbacks_pending(const struct gw *g)
{
	return g->fallback_pass && g->rules && g->mqtt_up && gw_mqtt_room(g, GW_WINDOW_FALLBACKS);
}
