/* web_box.c — the technician's page of one relay box, made for a phone in
 * front of the cabinet: each channel with its screens, its state (unknown
 * when the box is not online), its last confirmation and its actions
 * (relay test, binding, override) beside it; a printable label with a QR
 * code that opens the page.
 *
 *   GET  /box?id=B            the desk's picker: 303 to /box/B
 *   GET  /box/B               the page (?done=ACTION&ch=N after an action)
 *   GET  /box/B/tests.json    the box's latest test per channel, for app.js
 *   GET  /box/B/label         the label for the cabinet door
 *   GET  /box/B/qr.svg        its QR code alone
 *   POST /box/B/ACTION        test, bind, unbind, override, override-clear
 *
 * Every action goes to the gateway through the hooks (gwlink.c), like the
 * desk's.  Forms post to "…#ch-N", so the browser comes back to the channel
 * acted on, never to the top of the page.  A relay test that would light
 * an advertising screen, and every override, first render a confirmation
 * page; nothing is asked of the gateway before "confirm=1" comes back.
 * Without JavaScript the page works the same; a running test then
 * refreshes the page by itself (<noscript> meta refresh) until it ends,
 * and app.js follows it from tests.json instead.
 */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boxview.h"
#include "overrides.h"
#include "store.h"
#include "web_internal.h"

#define TEST_STEPS 3

struct box_view {
	struct dc_web_box box;	/* from the gateway; channels 0 when unreachable */
	int gw;			/* 0 listed, -1 unreachable, -2 not connected */
	struct dc_screen *screens;	/* bound to this box (inventory) */
	size_t nscreens;
	struct gw_relay_test *tests;	/* this box's, newest first */
	size_t ntests;
};

/* What the page says about one form after a POST: which channel, the
 * message, whether it is an error. */
struct outcome {
	int ch;			/* 0: the whole box (top of the page) */
	const char *msg;
	bool error;
	bool keep;		/* refill that channel's forms from the POST */
	const char *action;	/* the form the POST came from */
};

/* --- shared with the desk ------------------------------------------------ */

void web_test_steps(struct dc_buf *b, const struct gw_relay_test *t, enum dc_lang lang)
{
	static const char *const step[TEST_STEPS][2] = { { "éteint", "off" }, { "allumé", "on" },
							 { "éteint", "off" } };
	char w[32];
	for (int k = 0; k < t->nsteps && k < TEST_STEPS; k++) {
		dc_buf_printf(b, "%s%s %d ms", k ? ", " : "",
			      step[k][lang == DC_LANG_EN ? 1 : 0], t->step_ms[k]);
		if (t->has_w[k])
			dc_buf_printf(b, " %s W", dc_fmt_num(w, sizeof w, t->w[k], 1, lang));
		else if (*t->verdict)
			dc_buf_printf(b, " %s", lang == DC_LANG_EN ? "(no reading)" : "(pas de mesure)");
	}
}

const char *web_test_said(const struct gw_relay_test *t)
{
	return t->result < 0 ? TR("échoué", "failed")
	       : t->result == 0 ? TR("en cours", "running")
	       : !strcmp(t->verdict, "pass-unmeasured")
	       ? TR("réussi, puissance non mesurée", "passed, power not measured")
	       : TR("réussi", "passed");
}

const char *web_alarm_severity(const char *severity)
{
	if (!strcmp(severity, "critical"))
		return TR("critique", "critical");
	if (!strcmp(severity, "warning"))
		return TR("avertissement", "warning");
	return TR("information", "information");
}

void web_alarm_source(struct web_req *r, const struct dc_web_alarm *a)
{
	if (!*a->box || !dc_slug_valid(a->box)) {
		dc_html(&r->body, "%s", *a->source ? a->source : TR("passerelle", "gateway"));
		return;
	}
	if (a->channel > 0)
		dc_html(&r->body, "<a href=\"/box/%s#ch-%d\">%s %s, %s %d</a>", a->box, a->channel,
			TR("boîtier", "box"), a->box, TR("voie", "channel"), a->channel);
	else
		dc_html(&r->body, "<a href=\"/box/%s\">%s %s</a>", a->box, TR("boîtier", "box"),
			a->box);
}

/* --- loading ------------------------------------------------------------ */

static void view_free(struct box_view *v)
{
	free(v->screens);
	free(v->tests);
}

/* 0 loaded, -1 answered already (404, 500). */
static int view_load(struct web_req *r, const char *id, struct box_view *v)
{
	const struct dc_web_hooks *h = &r->w->hooks;
	memset(v, 0, sizeof *v);
	snprintf(v->box.id, sizeof v->box.id, "%s", id);
	struct dc_web_box *boxes = NULL;
	size_t n = 0;
	v->gw = h->list_boxes ? h->list_boxes(h->arg, &boxes, &n) : -2;
	bool known = false;
	for (size_t i = 0; v->gw == 0 && i < n; i++)
		if (!strcmp(boxes[i].id, id)) {
			v->box = boxes[i];
			known = true;
		}
	free(boxes);
	struct dc_screen_filter f = DC_SCREEN_FILTER_ALL;
	f.box = id;
	f.sort = "channel";
	if (dc_store_list_screens_array(r->w->st, &f, &v->screens, &v->nscreens) < 0) {
		web_error(r, 500, TR("Erreur de lecture de l'inventaire.",
				     "Error while reading the inventory."));
		return -1;
	}
	if (v->gw == 0 && !known) {
		view_free(v);
		web_error(r, 404, TR("Ce boîtier n'est pas connu de la passerelle.",
				     "This box is not known to the gateway."));
		return -1;
	}
	if (v->gw < 0) {
		/* Channels the inventory knows of, all in an unknown state. */
		for (size_t i = 0; i < v->nscreens; i++)
			if (v->screens[i].channel > v->box.channels && v->screens[i].channel <= 16)
				v->box.channels = v->screens[i].channel;
	}
	if (v->box.channels > 16)
		v->box.channels = 16;
	struct gw_relay_test *t = NULL;
	if (h->list_tests && h->list_tests(h->arg, &t, &n) == 0) {
		for (size_t i = 0; i < n; i++)
			if (!strcmp(t[i].box, id))
				t[v->ntests++] = t[i];
		v->tests = t;
	}
	return 0;
}

static bool chan_has_advertising(const struct box_view *v, int ch)
{
	for (size_t i = 0; i < v->nscreens; i++)
		if (v->screens[i].channel == ch && v->screens[i].category == DC_CAT_ADVERTISING)
			return true;
	return false;
}

static const struct gw_relay_test *latest_test(const struct box_view *v, int ch)
{
	for (size_t i = 0; i < v->ntests; i++)
		if (v->tests[i].channel == ch)
			return &v->tests[i];
	return NULL;
}

static bool any_running(const struct box_view *v)
{
	for (int c = 1; c <= v->box.channels; c++) {
		const struct gw_relay_test *t = latest_test(v, c);
		if (t && t->result == 0)
			return true;
	}
	return false;
}

/* --- rendering ----------------------------------------------------------- */

static const char *onoff_label(const char *v)
{
	return !strcmp(v, "on") ? TR("allumée", "on") : !strcmp(v, "off") ? TR("éteinte", "off")
									 : TR("inconnu", "unknown");
}

static void message(struct web_req *r, const struct outcome *o)
{
	dc_html(&r->body, "<p class=\"%s\" role=\"%s\" id=\"msg\">%s</p>\n",
		o->error ? "error" : "ok", o->error ? "alert" : "status", o->msg);
}

static void csrf_field(struct web_req *r)
{
	dc_html(&r->body, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">", r->sess.csrf);
}

/* A value the failed POST sent for this form, to fill it again. */
static const char *kept(struct web_req *r, const struct outcome *o, int ch, const char *action,
			const char *name)
{
	if (!o || !o->keep || o->ch != ch || strcmp(o->action, action))
		return NULL;
	return web_form(r, name);
}

/* Which test a channel shows: its verdict and steps, updated by app.js. */
static void test_block(struct web_req *r, const struct box_view *v, int ch)
{
	const struct gw_relay_test *t = latest_test(v, ch);
	char at[48];
	dc_html(&r->body, "<div class=\"test\" id=\"test-%d\" aria-live=\"polite\">"
		"<p>%s <span class=\"at\">%s</span> : <strong class=\"verdict%r\">%s</strong></p>",
		ch, TR("Dernier essai", "Last test"),
		t ? web_fmt_time(at, sizeof at, t->at, r->lang) : "",
		!t ? "" : t->result > 0 ? " ok" : t->result < 0 ? " bad" : "",
		t ? web_test_said(t) : TR("aucun depuis le démarrage de la passerelle",
					 "none since the gateway started"));
	struct dc_buf d = { 0 };
	if (t)
		web_test_steps(&d, t, r->lang);
	dc_html(&r->body, "<p class=\"steps\">%s</p>", d.len ? d.p : "");
	dc_buf_free(&d);
	/* A failure's reason is the gateway's, in English like its log: said
	 * so, and only then (the verdict already says what a pass is). */
	const char *why = t && t->result < 0 ? t->why : "";
	dc_html(&r->body, "<p class=\"why\"%r>%s <span lang=\"en\">%s</span></p></div>\n",
		*why ? "" : " hidden", TR("Raison donnée par la passerelle (en anglais) :",
					  "The gateway's reason:"), why);
}

static void screen_options(struct web_req *r, const struct dc_screen *v, size_t n, int ch,
			   bool on_channel, const char *selected)
{
	for (size_t i = 0; i < n; i++) {
		if (on_channel != (v[i].channel == ch))
			continue;
		dc_html(&r->body, "<option value=\"%s\"%r>%s — %s</option>", v[i].id,
			selected && !strcmp(selected, v[i].id) ? " selected" : "", v[i].id, v[i].name);
	}
}

static void test_form(struct web_req *r, const struct box_view *v, int ch)
{
	const char *dis = r->w->hooks.relay_test && v->gw == 0 ? "" : " disabled";
	dc_html(&r->body, "<form method=\"post\" action=\"/box/%s/test#ch-%d\" class=\"row\" "
		"id=\"test-form-%d\">", v->box.id, ch, ch);
	csrf_field(r);
	dc_html(&r->body, "<input type=\"hidden\" name=\"channel\" value=\"%d\">"
		"<button type=\"submit\"%r>%s %d%s</button>%r</form>\n", ch, dis,
		TR("Tester la voie", "Test channel"), ch,
		TR(" : éteint, allumé, éteint", ": off, on, off"),
		chan_has_advertising(v, ch)
			? TR("<small>Un écran publicitaire s'allumera : confirmation demandée.</small>",
			     "<small>An advertising screen will light up: confirmation asked.</small>")
			: "");
}

#define BIND_SECTION (-1)	/* outcome.ch of the binding form's messages */

/* Unbound screens (and this box's) to bind to a channel of the box: one
 * form for the box, its channels only. */
static void bind_section(struct web_req *r, const struct box_view *v, const struct dc_screen *all,
			 size_t nall, const struct outcome *o)
{
	const char *sel = kept(r, o, BIND_SECTION, "bind", "screen");
	const char *selch = kept(r, o, BIND_SECTION, "bind", "channel");
	dc_html(&r->body, "<section class=\"card\" id=\"bind\" aria-labelledby=\"h-bind\">\n"
		"<h2 id=\"h-bind\">%s</h2>\n", TR("Raccorder un écran", "Bind a screen"));
	if (o && o->ch == BIND_SECTION)
		message(r, o);
	dc_html(&r->body, "<form method=\"post\" action=\"/box/%s/bind#bind\" class=\"row\" "
		"id=\"bind-form\">", v->box.id);
	csrf_field(r);
	dc_html(&r->body, "<div><label for=\"bind-screen\">%s</label><select id=\"bind-screen\" "
		"name=\"screen\" required><option value=\"\">%s</option>",
		TR("Écran (non raccordé, ou de ce boîtier)", "Screen (unbound, or of this box)"),
		TR("— choisir —", "— pick —"));
	for (size_t i = 0; i < nall; i++) {
		const struct dc_screen *s = &all[i];
		if ((*s->box && strcmp(s->box, v->box.id)) || s->status == DC_STATUS_REMOVED)
			continue;
		dc_html(&r->body, "<option value=\"%s\"%r>%s — %s</option>", s->id,
			sel && !strcmp(sel, s->id) ? " selected" : "", s->id, s->name);
	}
	dc_html(&r->body, "</select></div><div><label for=\"bind-ch\">%s</label>"
		"<select id=\"bind-ch\" name=\"channel\">", TR("Voie", "Channel"));
	for (int c = 1; c <= v->box.channels; c++) {
		char cv[12];
		snprintf(cv, sizeof cv, "%d", c);
		dc_html(&r->body, "<option value=\"%d\"%r>%d</option>", c,
			selch && !strcmp(selch, cv) ? " selected" : "", c);
	}
	dc_html(&r->body, "</select></div><div><button type=\"submit\"%r>%s</button></div></form>\n"
		"</section>\n", r->w->hooks.bind ? "" : " disabled", TR("Raccorder", "Bind"));
}

static void override_form(struct web_req *r, const struct box_view *v, int ch,
			  const struct outcome *o)
{
	const char *sel = kept(r, o, ch, "override", "screen");
	const char *state = kept(r, o, ch, "override", "state");
	const char *until = kept(r, o, ch, "override", "until");
	const char *reason = kept(r, o, ch, "override", "reason");
	bool on = state && !strcmp(state, "on");
	/* Folded on a phone's long page, open again when it comes back refused. */
	dc_html(&r->body, "<details class=\"override\"%r><summary>%s</summary>"
		"<form method=\"post\" action=\"/box/%s/override#ch-%d\" class=\"row\" "
		"id=\"override-form-%d\">", reason || until ? " open" : "",
		TR("Forcer un écran de cette voie…", "Override a screen of this channel…"), v->box.id, ch, ch);
	csrf_field(r);
	dc_html(&r->body, "<input type=\"hidden\" name=\"channel\" value=\"%d\">"
		"<div><label for=\"o-screen-%d\">%s</label><select id=\"o-screen-%d\" name=\"screen\">",
		ch, ch, TR("Forcer l'écran", "Force screen"), ch);
	screen_options(r, v->screens, v->nscreens, ch, true, sel);
	dc_html(&r->body, "</select></div>"
		"<div><label for=\"o-state-%d\">%s</label><select id=\"o-state-%d\" name=\"state\">"
		"<option value=\"off\">%s</option><option value=\"on\"%r>%s</option></select></div>"
		"<div><label for=\"o-until-%d\">%s</label><input id=\"o-until-%d\" name=\"until\" "
		"type=\"datetime-local\" required value=\"%s\"></div>"
		"<div><label for=\"o-reason-%d\">%s</label><input id=\"o-reason-%d\" name=\"reason\" "
		"required minlength=\"3\" maxlength=\"200\" value=\"%s\"></div>"
		"<div><button type=\"submit\"%r>%s</button></div></form></details>\n",
		ch, TR("État imposé", "Forced state"), ch, TR("éteint", "off"), on ? " selected" : "",
		TR("allumé", "on"), ch, TR("Jusqu'au (heure locale)", "Until (local time)"), ch,
		until ? until : "", ch, TR("Motif", "Reason"), ch, reason ? reason : "",
		r->w->hooks.override_set ? "" : " disabled", TR("Forcer…", "Override…"));
}

static void overrides_of(struct web_req *r, const struct box_view *v, int ch,
			 const struct gw_override_row *rows, size_t n)
{
	int shown = 0;
	for (size_t i = 0; i < n; i++) {
		const struct dc_override *ov = &rows[i].o;
		bool mine = false;
		for (size_t k = 0; k < v->nscreens; k++)
			mine |= v->screens[k].channel == ch && !strcmp(v->screens[k].id, ov->screen);
		if (!mine)
			continue;
		char until[48], id[24];
		snprintf(id, sizeof id, "%lld", (long long)rows[i].id);
		if (!shown++)
			dc_html(&r->body, "<ul class=\"overrides\">");
		dc_html(&r->body, "<li>%s <a href=\"/screen/%s\">%s</a> %s %s %s — %s "
			"<form method=\"post\" action=\"/box/%s/override-clear#ch-%d\" class=\"inline\">"
			"<input type=\"hidden\" name=\"id\" value=\"%s\">"
			"<input type=\"hidden\" name=\"channel\" value=\"%d\">",
			TR("Forçage :", "Override:"), ov->screen, ov->screen,
			ov->kind == DC_FORCE_ON ? TR("allumé", "on") : TR("éteint", "off"),
			TR("jusqu'au", "until"), web_fmt_time(until, sizeof until, ov->until, r->lang),
			ov->reason, v->box.id, ch, id, ch);
		csrf_field(r);
		dc_html(&r->body, "<button type=\"submit\" aria-label=\"%s %s\">%s</button></form></li>",
			TR("Lever le forçage de", "Clear the override of"), ov->screen,
			TR("Lever", "Clear"));
	}
	if (shown)
		dc_html(&r->body, "</ul>\n");
}

static void channel_card(struct web_req *r, const struct box_view *v, int ch,
			 const struct gw_override_row *ovs, size_t novs, const struct outcome *o)
{
	const struct dc_web_chan *c = &v->box.ch[ch - 1];
	int online = v->gw < 0 || !v->box.heard ? -1 : v->box.online;
	enum dc_chan_view st = dc_chan_view(online, *c->confirmed ? c->confirmed : NULL);
	static const char *const cls[] = { "unknown", "off", "on" };
	const char *label = st == DC_CHAN_ON ? TR("allumée", "on")
			    : st == DC_CHAN_OFF ? TR("éteinte", "off") : TR("inconnu", "unknown");
	char at[48], w[32];
	dc_html(&r->body, "<section class=\"chan card\" id=\"ch-%d\" aria-labelledby=\"h-ch-%d\">\n"
		"<h2 id=\"h-ch-%d\">%s %d : <span class=\"st st-%r\">%s</span></h2>\n", ch, ch, ch,
		TR("Voie", "Channel"), ch, cls[st], label);
	if (o && o->ch == ch)
		message(r, o);
	dc_html(&r->body, "<dl class=\"fields\"><dt>%s</dt><dd>%s</dd><dt>%s</dt><dd>%s</dd>",
		TR("Dernière confirmation", "Last confirmation"),
		c->confirmed_at ? web_fmt_time(at, sizeof at, c->confirmed_at, r->lang)
				: TR("aucune", "none"),
		TR("Voulu par le plan", "Wanted by the plan"), onoff_label(c->desired));
	if (*c->pending)
		dc_html(&r->body, "<dt>%s</dt><dd>%s</dd>", TR("Commande en attente", "Command pending"),
			onoff_label(c->pending));
	if (c->has_power)
		dc_html(&r->body, "<dt>%s</dt><dd>%s W</dd>", TR("Puissance", "Power"),
			dc_fmt_num(w, sizeof w, c->power_w, 1, r->lang));
	dc_html(&r->body, "</dl>\n<h3>%s</h3>\n", TR("Écrans raccordés", "Screens bound"));
	int n = 0;
	for (size_t i = 0; i < v->nscreens; i++) {
		const struct dc_screen *s = &v->screens[i];
		if (s->channel != ch)
			continue;
		if (!n++)
			dc_html(&r->body, "<ul class=\"screens\">");
		dc_html(&r->body, "<li><a href=\"/screen/%s\">%s</a> <small>(%s)</small>", s->id,
			s->name, dc_category_label(s->category));
		if (r->sess.role >= DC_ROLE_TECHNICIAN) {
			dc_html(&r->body, " <form method=\"post\" action=\"/box/%s/unbind#ch-%d\" "
				"class=\"inline\">", v->box.id, ch);
			csrf_field(r);
			dc_html(&r->body, "<input type=\"hidden\" name=\"channel\" value=\"%d\">"
				"<input type=\"hidden\" name=\"screen\" value=\"%s\">"
				"<button type=\"submit\" aria-label=\"%s %s\"%r>%s</button></form>", ch,
				s->id, TR("Détacher de la voie :", "Unbind from the channel:"), s->name,
				r->w->hooks.unbind && v->gw == 0 ? "" : " disabled",
				TR("Détacher", "Unbind"));
		}
		dc_html(&r->body, "</li>");
	}
	dc_html(&r->body, n ? "</ul>\n" : "<p>%s</p>\n", TR("Aucun écran raccordé.", "No screen bound."));
	test_block(r, v, ch);
	if (r->sess.role >= DC_ROLE_TECHNICIAN) {
		test_form(r, v, ch);
		overrides_of(r, v, ch, ovs, novs);
		if (n)
			override_form(r, v, ch, o);
	}
	dc_html(&r->body, "</section>\n");
}

static void alarms_of(struct web_req *r, const char *id)
{
	struct dc_web_alarm *al = NULL;
	size_t n = 0;
	const struct dc_web_hooks *h = &r->w->hooks;
	dc_html(&r->body, "<section aria-labelledby=\"h-alarms\" class=\"card\">\n<h2 id=\"h-alarms\">%s</h2>\n",
		TR("Alarmes de ce boîtier", "This box's alarms"));
	if (!h->list_alarms || h->list_alarms(h->arg, &al, &n) < 0) {
		dc_html(&r->body, "<p class=\"note\">%s</p>\n</section>\n",
			TR("Passerelle injoignable : alarmes inconnues.",
			   "Gateway unreachable: alarms unknown."));
		free(al);
		return;
	}
	int shown = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(al[i].box, id))
			continue;
		char at[48];
		if (!shown++)
			dc_html(&r->body, "<ul class=\"alarms\" id=\"box-alarms\">");
		dc_html(&r->body, "<li class=\"sev-%s\"><strong>%s</strong> (%s) — ", al[i].severity,
			al[i].text, web_alarm_severity(al[i].severity));
		web_alarm_source(r, &al[i]);
		dc_html(&r->body, " — %s %s</li>", TR("depuis le", "since"),
			web_fmt_time(at, sizeof at, al[i].at, r->lang));
	}
	dc_html(&r->body, shown ? "</ul>\n" : "<p>%s</p>\n", TR("Aucune alarme.", "No alarm."));
	dc_html(&r->body, "</section>\n");
	free(al);
}

static void box_page(struct web_req *r, struct box_view *v, const struct outcome *o)
{
	r->no_store = true;
	char title[96], seen[48];
	snprintf(title, sizeof title, "%s %s", TR("Boîtier", "Box"), v->box.id);
	web_page_begin(r, title, "tech");
	bool running = any_running(v);
	if (running)	/* without JavaScript: follow the test by itself */
		dc_html(&r->body, "<noscript><meta http-equiv=\"refresh\" content=\"3; url=/box/%s\">"
			"</noscript>\n", v->box.id);
	dc_html(&r->body, "<div class=\"box\" data-tests=\"/box/%s/tests.json\" data-running=\"%d\">\n"
		"<h1>%s <span class=\"id\">%s</span></h1>\n", v->box.id, running ? 1 : 0,
		TR("Boîtier", "Box"), v->box.id);
	if (v->gw == -2)
		dc_html(&r->body, "<p class=\"note\">%s</p>\n",
			TR("Passerelle non connectée : état des voies inconnu.",
			   "Gateway not connected: channel states unknown."));
	else if (v->gw < 0)
		dc_html(&r->body, "<p class=\"error\" role=\"alert\">%s</p>\n",
			TR("Passerelle injoignable : état des voies inconnu.",
			   "Gateway unreachable: channel states unknown."));
	else
		dc_html(&r->body, "<p class=\"boxstate\"><span class=\"%r\">%s</span> · %s %s · %s · %d %s</p>\n",
			v->box.online ? "ok" : "bad",
			!v->box.heard ? TR("état inconnu (pas encore de nouvelles)", "state unknown (not heard of yet)")
			: v->box.online ? TR("en ligne", "online") : TR("hors ligne", "offline"),
			TR("vu le", "last seen"), web_fmt_time(seen, sizeof seen, v->box.last_seen, r->lang),
			v->box.firmware, v->box.channels,
			web_plural(v->box.channels, "voie", "voies", "channel", "channels"));
	dc_html(&r->body, "<p class=\"links\"><a href=\"/box/%s/label\">%s</a> · <a href=\"/tech\">%s</a></p>\n",
		v->box.id, TR("Étiquette à imprimer (QR code)", "Printable label (QR code)"),
		TR("Poste du technicien", "Technician's desk"));
	if (o && o->ch == 0)
		message(r, o);
	if (v->box.channels > 1) {
		dc_html(&r->body, "<nav aria-label=\"%s\"><ul class=\"chanlinks\">",
			TR("Voies du boîtier", "The box's channels"));
		for (int c = 1; c <= v->box.channels; c++)
			dc_html(&r->body, "<li><a href=\"#ch-%d\">%s %d</a></li>", c, TR("Voie", "Channel"), c);
		dc_html(&r->body, "</ul></nav>\n");
	}
	struct dc_screen *all = NULL;
	size_t nall = 0;
	struct gw_override_row *ovs = NULL;
	size_t novs = 0;
	char err[256];
	if (r->sess.role >= DC_ROLE_TECHNICIAN) {
		struct dc_screen_filter f = DC_SCREEN_FILTER_ALL;
		if (dc_store_list_screens_array(r->w->st, &f, &all, &nall) < 0)
			nall = 0;
		if (gw_override_list(r->w->st, (int64_t)r->now, false, &ovs, &novs, err, sizeof err) < 0)
			novs = 0;
	}
	for (int c = 1; c <= v->box.channels; c++)
		channel_card(r, v, c, ovs, novs, o);
	if (!v->box.channels)
		dc_html(&r->body, "<p>%s</p>\n", TR("Aucune voie connue.", "No channel known."));
	if (r->sess.role >= DC_ROLE_TECHNICIAN && v->box.channels)
		bind_section(r, v, all, nall, o);
	free(all);
	free(ovs);
	alarms_of(r, v->box.id);
	if (r->sess.role < DC_ROLE_TECHNICIAN)
		dc_html(&r->body, "<p class=\"note\">%s</p>\n",
			TR("Votre rôle (lecteur) ne permet pas d'agir sur les relais.",
			   "Your role (viewer) cannot act on relays."));
	dc_html(&r->body, "</div>\n");
	web_page_end(r);
}

/* The address a phone opens: web.json's public_url, else the one the
 * browser used (its Host, when it is a plain host name). */
static void box_url(struct web_req *r, const char *id, char *out, size_t len)
{
	const char *base = r->w->cfg.public_url;
	if (base && *base) {
		snprintf(out, len, "%s/box/%s", base, id);
		return;
	}
	const char *host = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Host");
	/* A host name, an IPv4 or a [IPv6] address and a port: nothing else
	 * goes into a QR code. */
	if (!host || !*host || strlen(host) > 255 ||
	    host[strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]")])
		host = "localhost";
	snprintf(out, len, "%s://%s/box/%s", r->w->cfg.secure_cookies ? "https" : "http",
		 host, id);
}

static void label_page(struct web_req *r, struct box_view *v)
{
	char url[400];
	box_url(r, v->box.id, url, sizeof url);
	char title[96];
	snprintf(title, sizeof title, "%s %s", TR("Étiquette du boîtier", "Label of box"), v->box.id);
	r->no_store = true;
	web_page_begin(r, title, "tech");
	dc_html(&r->body, "<p class=\"noprint\"><a href=\"/box/%s\">%s</a> · %s</p>\n"
		"<article class=\"label\" aria-labelledby=\"label-id\">\n"
		"<h1 id=\"label-id\">%s <span class=\"id\">%s</span></h1>\n",
		v->box.id, TR("Retour au boîtier", "Back to the box"),
		TR("Imprimez cette page (Ctrl+P) et collez l'étiquette sur la porte de l'armoire.",
		   "Print this page (Ctrl+P) and stick the label on the cabinet door."),
		TR("Boîtier", "Box"), v->box.id);
	/* Where the box is: the sites and addresses of its screens. */
	int shown = 0;
	for (size_t i = 0; i < v->nscreens; i++) {
		bool seen = false;
		for (size_t k = 0; k < i; k++)
			seen |= !strcmp(v->screens[k].address, v->screens[i].address) &&
				!strcmp(v->screens[k].site, v->screens[i].site);
		if (seen || (!*v->screens[i].address && !*v->screens[i].site) || shown >= 3)
			continue;
		dc_html(&r->body, "%r%s%r%s", shown++ ? "<br>" : "<p class=\"addr\">",
			v->screens[i].site, *v->screens[i].site && *v->screens[i].address ? ", " : "",
			v->screens[i].address);
	}
	dc_html(&r->body, shown ? "</p>\n" : "<p class=\"addr\">%s</p>\n",
		TR("Adresse : aucun écran raccordé.", "Address: no screen bound."));
	if (web_qr_svg(&r->body, url, TR("QR code : page du boîtier", "QR code: the box's page")) < 0)
		dc_html(&r->body, "<p class=\"error\">%s</p>", TR("QR code impossible.", "No QR code."));
	dc_html(&r->body, "<p class=\"url\">%s</p>\n", url);
	const char *phone = r->w->cfg.service_phone;
	if (phone && *phone)
		dc_html(&r->body, "<p class=\"phone\">%s <strong>%s</strong></p>\n",
			TR("Service technique :", "Technical service:"), phone);
	dc_html(&r->body, "</article>\n");
	web_page_end(r);
}

static void tests_json(struct web_req *r, struct box_view *v)
{
	r->no_store = true;
	r->ctype = "application/json; charset=utf-8";
	dc_buf_puts(&r->body, "{\"box\":\"");
	dc_esc_json(&r->body, v->box.id);
	dc_buf_printf(&r->body, "\",\"running\":%s,\"tests\":[", any_running(v) ? "true" : "false");
	int n = 0;
	for (int c = 1; c <= v->box.channels; c++) {
		const struct gw_relay_test *t = latest_test(v, c);
		if (!t)
			continue;
		char at[48];
		struct dc_buf d = { 0 };
		web_test_steps(&d, t, r->lang);
		dc_buf_printf(&r->body, "%s{\"channel\":%d,\"result\":\"%s\",\"ok\":%d,\"at\":\"", n++ ? "," : "",
			      c, t->result > 0 ? "passed" : t->result < 0 ? "failed" : "running",
			      t->result);
		dc_esc_json(&r->body, web_fmt_time(at, sizeof at, t->at, r->lang));
		dc_buf_puts(&r->body, "\",\"verdict\":\"");
		dc_esc_json(&r->body, web_test_said(t));
		dc_buf_puts(&r->body, "\",\"steps\":\"");
		dc_esc_json(&r->body, d.p ? d.p : "");
		dc_buf_puts(&r->body, "\",\"why\":\"");
		dc_esc_json(&r->body, t->result < 0 ? t->why : "");
		dc_buf_puts(&r->body, "\"}");
		dc_buf_free(&d);
	}
	dc_buf_puts(&r->body, "]}\n");
}

static void qr_svg(struct web_req *r, struct box_view *v)
{
	char url[400];
	box_url(r, v->box.id, url, sizeof url);
	r->no_store = true;
	r->ctype = "image/svg+xml";
	if (web_qr_svg(&r->body, url, url) < 0)
		web_error(r, 500, TR("QR code impossible.", "No QR code."));
}

/* --- actions ------------------------------------------------------------- */

static void confirm_page(struct web_req *r, struct box_view *v, const char *action, int ch,
			 const char *what)
{
	r->no_store = true;
	web_page_begin(r, TR("Confirmer l'action", "Confirm the action"), "tech");
	dc_html(&r->body, "<h1>%s</h1>\n<p class=\"warn\" role=\"alert\" id=\"confirm-what\">%s</p>\n"
		"<form method=\"post\" action=\"/box/%s/%s#ch-%d\" class=\"row\" id=\"confirm-form\">",
		TR("Confirmer l'action", "Confirm the action"), what, v->box.id, action, ch);
	csrf_field(r);
	static const char *const fields[] = { "channel", "screen", "state", "until", "reason" };
	for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
		const char *val = web_form(r, fields[i]);
		if (val)
			dc_html(&r->body, "<input type=\"hidden\" name=\"%s\" value=\"%s\">", fields[i], val);
	}
	dc_html(&r->body, "<input type=\"hidden\" name=\"confirm\" value=\"1\">"
		"<div><button type=\"submit\">%s</button></div>"
		"<div><a href=\"/box/%s#ch-%d\" id=\"confirm-cancel\">%s</a></div></form>\n",
		TR("Confirmer", "Confirm"), v->box.id, ch, TR("Annuler", "Cancel"));
	web_page_end(r);
}

static bool is_confirmed(struct web_req *r)
{
	const char *c = web_form(r, "confirm");
	return c && !strcmp(c, "1");
}

static void fail(struct web_req *r, struct box_view *v, unsigned status, int ch,
		 const char *action, const char *msg)
{
	/* The binding form is the box's: its messages stay beside it. */
	struct outcome o = { .ch = !strcmp(action, "bind") ? BIND_SECTION : ch, .msg = msg,
			     .error = true, .keep = true, .action = action };
	r->status = status;
	box_page(r, v, &o);
}

static const char *screen_on(const struct box_view *v, const char *id, int ch)
{
	for (size_t i = 0; i < v->nscreens; i++)
		if (!strcmp(v->screens[i].id, id) && v->screens[i].channel == ch)
			return v->screens[i].name;
	return NULL;
}

static bool is_advertising(const struct box_view *v, const char *id)
{
	for (size_t i = 0; i < v->nscreens; i++)
		if (!strcmp(v->screens[i].id, id))
			return v->screens[i].category == DC_CAT_ADVERTISING;
	return false;
}

static void box_action(struct web_req *r, struct box_view *v, const char *action)
{
	const struct dc_web_hooks *h = &r->w->hooks;
	static const char *const actions[] = { "test", "bind", "override", "override-clear",
					       "unbind", NULL };
	int a = -1;
	for (int i = 0; actions[i]; i++)
		if (!strcmp(action, actions[i]))
			a = i;
	if (a < 0) {
		web_error(r, 404, TR("Cette action n'existe pas.", "This action does not exist."));
		return;
	}
	char msg[400], err[256] = "";
	if (v->gw < 0) {
		fail(r, v, 503, 0, action, v->gw == -2
			 ? TR("Passerelle non connectée : action impossible.", "Gateway not connected: cannot act.")
			 : TR("Passerelle injoignable : action impossible.", "Gateway unreachable: cannot act."));
		return;
	}
	const char *cv = web_form(r, "channel");
	int ch = 0;
	enum dc_chan_err ce = dc_channel_parse(cv, v->box.channels, &ch);
	if (ce != DC_CHANNEL_OK) {
		if (ce == DC_CHANNEL_MISSING)
			snprintf(msg, sizeof msg, "%s", TR("Champ « voie » manquant.", "Field 'channel' missing."));
		else
			snprintf(msg, sizeof msg, TR("Voie « %.16s » invalide : le boîtier %s a %d voies, "
						     "de 1 à %d.",
						     "Channel '%.16s' invalid: box %s has %d channels, "
						     "1 to %d."), cv, v->box.id, v->box.channels,
				 v->box.channels);
		fail(r, v, 400, 0, action, msg);
		return;
	}
	const char *screen = web_form(r, "screen");
	int rc;
	if (a == 0) {		/* test */
		if (dc_box_action_confirm(DC_ACT_TEST, chan_has_advertising(v, ch)) && !is_confirmed(r)) {
			snprintf(msg, sizeof msg, TR("L'essai de la voie %d du boîtier %s allumera un écran "
						     "publicitaire pendant quelques secondes. Confirmez-vous ?",
						     "Testing channel %d of box %s will light an advertising "
						     "screen for a few seconds. Do you confirm?"), ch, v->box.id);
			confirm_page(r, v, action, ch, msg);
			return;
		}
		rc = h->relay_test ? h->relay_test(h->arg, v->box.id, ch, true, r->sess.user, err,
						    sizeof err) : -2;
	} else if (a == 1) {	/* bind */
		if (!screen || !dc_slug_valid(screen) || dc_store_has_screen(r->w->st, screen) != 1) {
			fail(r, v, 400, ch, action, TR("Choisissez un écran de l'inventaire dans la liste.",
						       "Pick a screen of the inventory in the list."));
			return;
		}
		rc = h->bind ? h->bind(h->arg, screen, v->box.id, ch, r->sess.user, err, sizeof err) : -2;
	} else if (a == 2) {	/* override */
		const char *name = screen && dc_slug_valid(screen) ? screen_on(v, screen, ch) : NULL;
		const char *state = web_form(r, "state"), *reason = web_form(r, "reason");
		int64_t until = 0;
		if (!name) {
			fail(r, v, 400, ch, action, TR("Choisissez un écran raccordé à cette voie.",
						       "Pick a screen bound to this channel."));
			return;
		}
		if (!state || (strcmp(state, "on") && strcmp(state, "off"))) {
			fail(r, v, 400, ch, action, TR("État imposé : « allumé » ou « éteint ».",
						       "Forced state: 'on' or 'off'."));
			return;
		}
		if (!web_until_parse(web_form(r, "until"), r->now, &until)) {
			fail(r, v, 400, ch, action, TR("Échéance invalide : une date et une heure futures, "
						       "30 jours au plus.",
						       "Invalid deadline: a future date and time, 30 days "
						       "at most."));
			return;
		}
		if (!web_reason_ok(reason)) {
			fail(r, v, 400, ch, action, TR("Motif : un texte de 3 à 200 caractères.",
						       "Reason: a text of 3 to 200 characters."));
			return;
		}
		bool on = !strcmp(state, "on");
		if (dc_box_action_confirm(DC_ACT_OVERRIDE, chan_has_advertising(v, ch)) && !is_confirmed(r)) {
			char t[48];
			snprintf(msg, sizeof msg, TR("Forcer « %s » %s jusqu'au %s met le plan de côté%s. "
						     "Confirmez-vous ?",
						     "Forcing '%s' %s until %s sets the plan aside%s. "
						     "Do you confirm?"), name,
				 on ? TR("allumé", "on") : TR("éteint", "off"),
				 web_fmt_time(t, sizeof t, until, r->lang),
				 on && chan_has_advertising(v, ch)
					 ? TR(" et allumera un écran publicitaire",
					      " and will light an advertising screen") : "");
			confirm_page(r, v, action, ch, msg);
			return;
		}
		rc = h->override_set ? h->override_set(h->arg, screen, on, until, reason, r->sess.user,
						       err, sizeof err) : -2;
	} else if (a == 4) {	/* unbind */
		const char *name = screen && dc_slug_valid(screen) ? screen_on(v, screen, ch) : NULL;
		if (!name) {
			fail(r, v, 400, ch, action, TR("Cet écran n'est pas raccordé à cette voie.",
						       "This screen is not bound to this channel."));
			return;
		}
		if (dc_box_action_confirm(DC_ACT_UNBIND, is_advertising(v, screen)) && !is_confirmed(r)) {
			snprintf(msg, sizeof msg, TR("« %s » est un écran publicitaire : détaché, il reste "
						     "branché sur la voie %d, que son horaire ne gardera plus "
						     "éteinte la nuit. Confirmez-vous ?",
						     "'%s' is an advertising screen: unbound, it stays wired "
						     "to channel %d, which its schedule will no longer keep "
						     "dark at night. Do you confirm?"), name, ch);
			confirm_page(r, v, action, ch, msg);
			return;
		}
		rc = h->unbind ? h->unbind(h->arg, screen, r->sess.user, err, sizeof err) : -2;
	} else {		/* override-clear */
		const char *idv = web_form(r, "id");
		char *end;
		long long id = idv ? strtoll(idv, &end, 10) : 0;
		if (!idv || !*idv || *end || id <= 0) {
			fail(r, v, 400, ch, action, TR("Identifiant de forçage attendu.",
						       "Expected an override id."));
			return;
		}
		rc = h->override_clear ? h->override_clear(h->arg, (int64_t)id, r->sess.user, err,
							   sizeof err) : -2;
	}
	const char *refused = web_act_refused(r, rc, err);
	if (refused) {
		fail(r, v, r->status, ch, action, refused);
	} else {
		char loc[160];
		snprintf(loc, sizeof loc, "/box/%s?done=%s&ch=%d#ch-%d", v->box.id, action, ch, ch);
		web_redirect(r, loc);
	}
}

/* --- routing -------------------------------------------------------------- */

static void box_get(struct web_req *r, struct box_view *v)
{
	static const char *const params[] = { "done", "ch", NULL };
	static const char *const dones[] = { "test", "bind", "override", "override-clear", "unbind",
					     NULL };
	int done;
	long ch;
	if (web_args_only(r, params) < 0 || web_arg_enum(r, "done", dones, -1, &done) < 0 ||
	    web_arg_int(r, "ch", 0, 16, 0, &ch) < 0)
		return;
	const char *msgs[] = {
		TR("Essai lancé : ses étapes s'affichent ci-dessous au fil des confirmations.",
		   "Test started: its steps show below as the relay confirms them."),
		TR("Écran raccordé.", "Screen bound."), TR("Forçage enregistré.", "Override recorded."),
		TR("Forçage levé.", "Override cleared."), TR("Écran détaché.", "Screen unbound.") };
	struct outcome o = { .ch = ch <= v->box.channels ? (int)ch : 0,
			     .msg = done >= 0 ? msgs[done] : NULL };
	box_page(r, v, done >= 0 ? &o : NULL);
}

void page_box(struct web_req *r, const char *rest)
{
	if (!*rest && !r->is_post) {	/* the desk's picker, without JavaScript */
		static const char *const params[] = { "id", NULL };
		const char *id;
		if (web_args_only(r, params) < 0 || web_arg_text(r, "id", DC_ID_MAX - 1, &id) < 0)
			return;
		if (!id || !dc_slug_valid(id)) {
			web_error(r, 400, TR("Choisissez un boîtier.", "Pick a box."));
			return;
		}
		char loc[96];
		snprintf(loc, sizeof loc, "/box/%s", id);
		web_redirect(r, loc);
		return;
	}
	if (*rest != '/') {
		web_error(r, 404, TR("Cette page n'existe pas.", "This page does not exist."));
		return;
	}
	char id[DC_ID_MAX];
	const char *slash = strchr(rest + 1, '/');
	size_t n = slash ? (size_t)(slash - rest - 1) : strlen(rest + 1);
	const char *sub = slash ? slash + 1 : "";
	if (n >= sizeof id) {
		web_error(r, 404, TR("Ce boîtier n'existe pas.", "This box does not exist."));
		return;
	}
	memcpy(id, rest + 1, n);
	id[n] = '\0';
	if (!dc_slug_valid(id)) {
		web_error(r, 400, TR("Identifiant de boîtier invalide dans l'adresse (attendu : "
				     "minuscules, chiffres, - et _).",
				     "Invalid box id in the address (expected: lower-case "
				     "letters, digits, - and _)."));
		return;
	}
	if (!r->sess.valid && !r->is_post) {
		/* The QR code's way in: log in, then come back here. */
		char loc[128];
		snprintf(loc, sizeof loc, "/login?next=/box/%s%s", id,
			 !strcmp(sub, "label") ? "/label" : "");
		if (!strcmp(sub, "tests.json"))
			web_error(r, 401, TR("Connexion requise.", "Log-in required."));
		else
			web_redirect(r, loc);
		return;
	}
	bool get = !r->is_post;
	if (get && *sub && strcmp(sub, "label") && strcmp(sub, "qr.svg") && strcmp(sub, "tests.json")) {
		web_error(r, 404, TR("Cette page n'existe pas.", "This page does not exist."));
		return;
	}
	if (get && *sub && web_args_only(r, NULL) < 0)
		return;
	struct box_view v;
	if ((r->is_post && !web_may_act(r)) || view_load(r, id, &v) < 0)
		return;
	if (r->is_post)
		box_action(r, &v, sub);
	else if (!*sub)
		box_get(r, &v);
	else if (!strcmp(sub, "label"))
		label_page(r, &v);
	else if (!strcmp(sub, "qr.svg"))
		qr_svg(r, &v);
	else
		tests_json(r, &v);
	view_free(&v);
}
