/* gwlink.c — the dashboard's hooks over the gateway's control socket. */
#include "gwlink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "clock.h"
#include "ctlclient.h"
#include "i18n.h"
#include "rules.h"
#include "web_buf.h"

struct gw_link {
	char *path;
	int64_t down_until;	/* monotonic ms: unreachable until then */
	cJSON *status;		/* the last "status" answer, NULL when none */
	int64_t status_mono;	/* when it came */
	struct dc_rules *rules;	/* loaded from the status's rules file */
	char rules_path[1024];
	double rules_generation;
};

struct gw_link *gw_link_new(const char *socket_path)
{
	struct gw_link *l = calloc(1, sizeof *l);
	if (l && !(l->path = strdup(socket_path))) {
		free(l);
		return NULL;
	}
	if (l)
		l->rules_generation = -1;
	return l;
}

void gw_link_free(struct gw_link *l)
{
	if (!l)
		return;
	cJSON_Delete(l->status);
	dc_rules_free(l->rules);
	free(l->path);
	free(l);
}

/* One request: the answer (caller frees), or NULL with err set and *down:
 * the gateway is unreachable (it is then not asked again for a while). */
static cJSON *call(struct gw_link *l, cJSON *req, int timeout_ms, bool *down, char *err,
		   size_t errlen)
{
	int64_t mono = dc_mono_ms();
	*down = false;
	if (mono < l->down_until) {
		cJSON_Delete(req);
		*down = true;
		snprintf(err, errlen, "%s", TR("passerelle injoignable", "gateway unreachable"));
		return NULL;
	}
	cJSON *ans = gw_ctl_call(l->path, req, timeout_ms, err, errlen);
	if (!ans) {
		*down = true;
		l->down_until = mono + GWLINK_BACKOFF_MS;
		fprintf(stderr, "warn gateway: unreachable cmd=%s error=\"%s\"\n",
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(req, "cmd")), err);
	}
	cJSON_Delete(req);
	return ans;
}

static cJSON *request(const char *cmd)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "cmd", cmd);
	return j;
}

/* A read verb: the answer when ok, else NULL. */
static cJSON *read_verb(struct gw_link *l, const char *cmd)
{
	char err[256];
	bool down;
	cJSON *ans = call(l, request(cmd), GWLINK_READ_MS, &down, err, sizeof err);
	if (ans && !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ans, "ok"))) {
		cJSON_Delete(ans);
		return NULL;
	}
	return ans;
}

static double num(const cJSON *o, const char *key, double dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

static const char *str(const cJSON *o, const char *key)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
	return s ? s : "";
}

/* The gateway's status, at most GWLINK_STATUS_MS old (fresh: asked now);
 * NULL when unreachable. */
static const cJSON *status_of(struct gw_link *l, bool fresh)
{
	int64_t mono = dc_mono_ms();
	if (!fresh && l->status && mono - l->status_mono < GWLINK_STATUS_MS)
		return l->status;
	cJSON *s = read_verb(l, "status");
	if (!s) {
		/* Stale figures are not shown as live ones. */
		cJSON_Delete(l->status);
		l->status = NULL;
		return NULL;
	}
	cJSON_Delete(l->status);
	l->status = s;
	l->status_mono = mono;
	return s;
}

static const cJSON *status(struct gw_link *l)
{
	return status_of(l, false);
}

static int64_t hook_now(void *arg)
{
	struct gw_link *l = arg;
	const cJSON *s = status(l);
	if (!s)
		return (int64_t)time(NULL);
	double ms = num(s, "now_ms", 0), speed = num(s, "speed", 1);
	if (ms <= 0)
		return (int64_t)time(NULL);
	return (int64_t)((ms + (double)(dc_mono_ms() - l->status_mono) * speed) / 1000.0);
}

/* The rules in force: the gateway's file, read again at each of its
 * reloads (generation).  NULL when the gateway is unreachable or the file
 * cannot be read: pages then say the rules are unknown. */
static const struct dc_rules *hook_rules(void *arg)
{
	struct gw_link *l = arg;
	const cJSON *s = status(l);
	if (!s)
		return NULL;
	const char *path = str(s, "rules");
	double gen = num(s, "generation", 0);
	if (!l->rules || gen != l->rules_generation || strcmp(path, l->rules_path)) {
		char err[512];
		struct dc_rules *r = *path ? dc_rules_load(path, err, sizeof err) : NULL;
		if (!r && *path)
			fprintf(stderr, "decran-web: rules %s: %s\n", path, err);
		dc_rules_free(l->rules);
		l->rules = r;
		snprintf(l->rules_path, sizeof l->rules_path, "%s", path);
		l->rules_generation = gen;
	}
	return l->rules;
}

/* A read verb answering a list under the verb's own name: the answer
 * (caller deletes), *arr in it, and *out a zeroed array of as many elements
 * of `size` bytes (the hook's result: freed by the web module); NULL when
 * the gateway did not answer. */
static cJSON *read_list(struct gw_link *l, const char *cmd, const cJSON **arr, void *out,
			size_t size)
{
	cJSON *ans = read_verb(l, cmd);
	*arr = cJSON_GetObjectItemCaseSensitive(ans, cmd);
	void *p = cJSON_IsArray(*arr) ? calloc((size_t)cJSON_GetArraySize(*arr) + 1, size) : NULL;
	if (!p) {
		cJSON_Delete(ans);
		return NULL;
	}
	memcpy(out, &p, sizeof p);
	return ans;
}

static void state_of(char out[4], const cJSON *o, const char *key)
{
	const char *v = str(o, key);
	snprintf(out, 4, "%s", !strcmp(v, "on") || !strcmp(v, "off") ? v : "");
}

static void chan_of(struct dc_web_chan *x, const cJSON *ch, int64_t now)
{
	double ago = num(ch, "confirmed_ago_s", -1);
	state_of(x->confirmed, ch, "confirmed");
	state_of(x->desired, ch, "desired");
	state_of(x->pending, ch, "pending");
	x->confirmed_at = ago >= 0 ? now - (int64_t)ago : 0;
	x->has_power = cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(ch, "power_w"));
	x->power_w = num(ch, "power_w", 0);
}

static int hook_boxes(void *arg, struct dc_web_box **out, size_t *n)
{
	struct gw_link *l = arg;
	const cJSON *arr, *b;
	cJSON *ans = read_list(l, "boxes", &arr, out, sizeof **out);
	if (!ans)
		return -1;
	int64_t now = hook_now(l);
	*n = 0;
	cJSON_ArrayForEach(b, arr) {
		struct dc_web_box *x = &(*out)[(*n)++];
		const cJSON *ch, *chs = cJSON_GetObjectItemCaseSensitive(b, "channel_states");
		double ago = num(b, "last_seen_ago_s", -1);
		snprintf(x->id, sizeof x->id, "%s", str(b, "id"));
		snprintf(x->firmware, sizeof x->firmware, "%s", str(b, "driver"));
		x->online = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b, "online"));
		x->heard = cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(b, "online"));
		x->last_seen = ago >= 0 ? now - (int64_t)ago : 0;
		x->channels = (int)num(b, "channels", 0);
		cJSON_ArrayForEach(ch, chs) {
			int c = (int)num(ch, "channel", 0);
			if (c >= 1 && c <= 32 && !strcmp(str(ch, "confirmed"), "on"))
				x->relay_on |= 1u << (c - 1);
			if (c >= 1 && c <= 16)
				chan_of(&x->ch[c - 1], ch, now);
		}
	}
	cJSON_Delete(ans);
	return 0;
}

static int hook_tests(void *arg, struct gw_relay_test **out, size_t *n)
{
	struct gw_link *l = arg;
	const cJSON *arr, *t;
	cJSON *ans = read_list(l, "tests", &arr, out, sizeof **out);
	if (!ans)
		return -1;
	*n = 0;
	cJSON_ArrayForEach(t, arr) {
		struct gw_relay_test *x = &(*out)[(*n)++];
		const cJSON *ms, *steps = cJSON_GetObjectItemCaseSensitive(t, "step_ms");
		const cJSON *pw = cJSON_GetObjectItemCaseSensitive(t, "power_w");
		const char *res = str(t, "result");
		snprintf(x->box, sizeof x->box, "%s", str(t, "box"));
		x->channel = (int)num(t, "channel", 0);
		x->at = (int64_t)num(t, "at", 0);
		x->result = !strcmp(res, "passed") ? 1 : !strcmp(res, "failed") ? -1 : 0;
		cJSON_ArrayForEach(ms, steps) {
			if (x->nsteps >= 3)
				break;
			const cJSON *w = cJSON_GetArrayItem(pw, x->nsteps);
			x->has_w[x->nsteps] = cJSON_IsNumber(w);
			x->w[x->nsteps] = cJSON_IsNumber(w) ? w->valuedouble : 0;
			x->step_ms[x->nsteps++] = (int)ms->valuedouble;
		}
		snprintf(x->verdict, sizeof x->verdict, "%s", str(t, "verdict"));
		snprintf(x->why, sizeof x->why, "%s", str(t, "why"));
	}
	cJSON_Delete(ans);
	return 0;
}

/* ---- alarms: the gateway's kinds, in the page's words ---- */

static const char *alarm_title(const char *kind)
{
	if (!strcmp(kind, "offline"))
		return TR("boîtier hors ligne", "box offline");
	if (!strcmp(kind, "unconfirmed"))
		return TR("commutation non confirmée", "switch not confirmed");
	if (!strcmp(kind, "compliance"))
		return TR("écran allumé pendant la plage légale (R581-35)",
			  "screen on inside the legal window (R581-35)");
	if (!strcmp(kind, "database"))
		return TR("base occupée : enregistrements en attente d'écriture",
			  "database busy: records waiting to be written");
	if (!strcmp(kind, "stuck"))
		return TR("contacteur bloqué : le contact auxiliaire contredit le relais",
			  "contactor stuck: the auxiliary contact contradicts the relay");
	if (!strcmp(kind, "safe_on_advertising"))
		return TR("publicité sur un canal que le boîtier laisse allumé en panne",
			  "advertising on a channel the box keeps on when it fails");
	if (!strcmp(kind, "meter"))
		return TR("puissance mesurée alors que le relais est ouvert",
			  "power measured while the relay is off");
	/* A kind this dashboard does not know yet (a newer gateway). */
	return TR("alarme de la passerelle", "gateway alarm");
}

static int hook_alarms(void *arg, struct dc_web_alarm **out, size_t *n)
{
	struct gw_link *l = arg;
	const cJSON *arr, *a;
	cJSON *ans = read_list(l, "alarms", &arr, out, sizeof **out);
	if (!ans)
		return -1;
	*n = 0;
	cJSON_ArrayForEach(a, arr) {
		struct dc_web_alarm *x = &(*out)[(*n)++];
		const char *kind = str(a, "kind"), *msg = str(a, "message");
		int ch = (int)num(a, "channel", 0);
		x->active = true;
		x->at = (int64_t)num(a, "at", 0);
		snprintf(x->severity, sizeof x->severity, "%s",
			 !strcmp(kind, "offline") || !strcmp(kind, "compliance") ||
					 !strcmp(kind, "database") ? "critical" : "warning");
		if (ch)
			snprintf(x->source, sizeof x->source, "%.40s/%d", str(a, "box"), ch);
		else
			snprintf(x->source, sizeof x->source, "%s", str(a, "box"));
		/* The page's language only: the gateway's own words (English,
		 * for its log) are kept apart, in `detail`. */
		snprintf(x->text, sizeof x->text, "%s", alarm_title(kind));
		snprintf(x->kind, sizeof x->kind, "%s", kind);
		snprintf(x->box, sizeof x->box, "%s", str(a, "box"));
		x->channel = ch;
		snprintf(x->detail, sizeof x->detail, "%s", msg);
	}
	cJSON_Delete(ans);
	return 0;
}

/* ---- actions ---- */

/* Ask; 0 done, -1 refused (err: the gateway's reason in the page's words),
 * -2 unreachable, -3 database busy. */
static int act(struct gw_link *l, cJSON *req, const char *actor, char *err, size_t errlen)
{
	char why[256];
	bool down;
	cJSON_AddStringToObject(req, "actor", actor);
	cJSON *ans = call(l, req, GWLINK_ACT_MS, &down, why, sizeof why);
	if (!ans) {
		snprintf(err, errlen, "%s", why);
		return -2;
	}
	int rc = 0;
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ans, "ok"))) {
		const char *e = str(ans, "error");
		rc = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ans, "busy")) ? -3 : -1;
		if (!strncmp(e, "box: unknown", 12))
			e = TR("boîtier inconnu de la passerelle", "box unknown to the gateway");
		else if (!strncmp(e, "screen: unknown", 15))
			e = TR("écran inconnu", "unknown screen");
		else if (!strncmp(e, "id: this override", 17))
			e = TR("ce forçage n'est plus en cours", "this override is no longer in force");
		else if (!strncmp(e, "refused: an advertising screen", 30))
			e = TR("un écran publicitaire de cette voie doit rester éteint maintenant "
			       "ou avant la fin de l'essai (R581-35, de 1 h à 6 h) : faites l'essai "
			       "en dehors de ces heures",
			       "an advertising screen on this channel must stay off now or before "
			       "the test would end (R581-35, 01:00 to 06:00): test it outside "
			       "those hours");
		else if (!strncmp(e, "refused: the clock is not", 25))
			e = TR("l'horloge de la passerelle n'est pas synchronisée (pas de NTP) : un "
			       "écran publicitaire de cette voie reste éteint jusqu'à ce qu'elle le soit",
			       "the gateway's clock is not synchronised (no NTP): an advertising screen "
			       "on this channel stays off until it is");
		else if (!strncmp(e, "a test is already running", 25))
			e = TR("un essai est déjà en cours sur cette voie",
			       "a test is already running on this channel");
		else if (!strncmp(e, "channel: not a channel", 22))
			e = TR("ce boîtier n'a pas cette voie", "this box has no such channel");
		snprintf(err, errlen, "%s%s", TR("la passerelle a refusé : ", "the gateway refused: "), e);
	}
	cJSON_Delete(ans);
	return rc;
}

static int hook_relay(void *arg, const char *box, int channel, bool on, const char *actor,
		      char *err, size_t errlen)
{
	(void)on;	/* the whole cycle: off, on, off */
	cJSON *req = request("relay-test");
	cJSON_AddStringToObject(req, "box", box);
	cJSON_AddNumberToObject(req, "channel", channel);
	cJSON_AddBoolToObject(req, "wait", false);
	return act(arg, req, actor, err, errlen);
}

static int hook_bind(void *arg, const char *screen_id, const char *box, int channel,
		     const char *actor, char *err, size_t errlen)
{
	cJSON *req = request("bind");
	cJSON_AddStringToObject(req, "screen", screen_id);
	cJSON_AddStringToObject(req, "box", box);
	cJSON_AddNumberToObject(req, "channel", channel);
	return act(arg, req, actor, err, errlen);
}

static int hook_unbind(void *arg, const char *screen_id, const char *actor, char *err,
		       size_t errlen)
{
	cJSON *req = request("unbind");
	cJSON_AddStringToObject(req, "screen", screen_id);
	return act(arg, req, actor, err, errlen);
}

static int hook_override_set(void *arg, const char *screen_id, bool on, int64_t until,
			     const char *reason, const char *actor, char *err, size_t errlen)
{
	cJSON *req = request("override-set");
	cJSON_AddStringToObject(req, "screen", screen_id);
	cJSON_AddBoolToObject(req, "on", on);
	cJSON_AddNumberToObject(req, "until", (double)until);
	cJSON_AddStringToObject(req, "reason", reason);
	return act(arg, req, actor, err, errlen);
}

static int hook_override_clear(void *arg, int64_t id, const char *actor, char *err, size_t errlen)
{
	cJSON *req = request("override-clear");
	cJSON_AddNumberToObject(req, "id", (double)id);
	return act(arg, req, actor, err, errlen);
}

/* ---- /metrics: the gateway's counters, from its status ---- */

static void hook_metrics(void *arg, struct dc_buf *b)
{
	struct gw_link *l = arg;
	const cJSON *s = status_of(l, true);
	dc_buf_printf(b, "# HELP decran_gateway_up 1 when the dashboard reaches the gateway.\n"
		      "# TYPE decran_gateway_up gauge\ndecran_gateway_up %d\n", s ? 1 : 0);
	if (!s)
		return;
	const cJSON *db = cJSON_GetObjectItemCaseSensitive(s, "db");
	const cJSON *bs = cJSON_GetObjectItemCaseSensitive(s, "boxes_by_state");
	const cJSON *ak = cJSON_GetObjectItemCaseSensitive(s, "alarms_by_kind"), *it;
	const cJSON *lat = cJSON_GetObjectItemCaseSensitive(s, "confirm_latency");
	dc_buf_printf(b, "# HELP decran_gateway_mqtt_connected 1 when the gateway is connected to "
		      "its broker.\n# TYPE decran_gateway_mqtt_connected gauge\n"
		      "decran_gateway_mqtt_connected %d\n",
		      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "mqtt")) ? 1 : 0);
	dc_buf_printf(b, "# HELP decran_commands_total Relay commands sent (retries included).\n"
		      "# TYPE decran_commands_total counter\ndecran_commands_total %.0f\n"
		      "# HELP decran_confirmations_total Switches confirmed by the relay.\n"
		      "# TYPE decran_confirmations_total counter\ndecran_confirmations_total %.0f\n"
		      "# HELP decran_malformed_messages_total Device messages rejected as malformed.\n"
		      "# TYPE decran_malformed_messages_total counter\n"
		      "decran_malformed_messages_total %.0f\n", num(s, "commands_sent", 0),
		      num(s, "confirmations", 0), num(s, "malformed", 0));
	dc_buf_printf(b, "# HELP decran_boxes Relay boxes by connection state.\n"
		      "# TYPE decran_boxes gauge\n"
		      "decran_boxes{state=\"online\"} %.0f\ndecran_boxes{state=\"offline\"} %.0f\n"
		      "decran_boxes{state=\"unknown\"} %.0f\n", num(bs, "online", 0),
		      num(bs, "offline", 0), num(bs, "unknown", 0));
	dc_buf_puts(b, "# HELP decran_alarms_active Alarms active now, by kind.\n"
		       "# TYPE decran_alarms_active gauge\n");
	cJSON_ArrayForEach(it, ak)
		dc_buf_printf(b, "decran_alarms_active{kind=\"%s\"} %.0f\n", it->string,
			      cJSON_IsNumber(it) ? it->valuedouble : 0);
	dc_buf_printf(b, "# HELP decran_db_writes_pending Records waiting for the database (busy).\n"
		      "# TYPE decran_db_writes_pending gauge\ndecran_db_writes_pending %.0f\n"
		      "# HELP decran_db_busy_total Flushes that found the database busy (retried).\n"
		      "# TYPE decran_db_busy_total counter\ndecran_db_busy_total %.0f\n"
		      "# HELP decran_db_writes_total Records written through the queue.\n"
		      "# TYPE decran_db_writes_total counter\ndecran_db_writes_total %.0f\n",
		      num(db, "pending", 0), num(db, "busy", 0), num(db, "written", 0));
	const cJSON *bounds = cJSON_GetObjectItemCaseSensitive(lat, "bounds_ms");
	const cJSON *counts = cJSON_GetObjectItemCaseSensitive(lat, "counts");
	int nb = cJSON_GetArraySize(bounds);
	if (cJSON_GetArraySize(counts) != nb + 1)
		return;
	dc_buf_puts(b, "# HELP decran_command_confirm_seconds From a switch's first command to "
		       "its confirmation.\n# TYPE decran_command_confirm_seconds histogram\n");
	double cum = 0;
	for (int i = 0; i < nb; i++) {
		cum += cJSON_GetArrayItem(counts, i)->valuedouble;
		dc_buf_printf(b, "decran_command_confirm_seconds_bucket{le=\"%g\"} %.0f\n",
			      cJSON_GetArrayItem(bounds, i)->valuedouble / 1000.0, cum);
	}
	cum += cJSON_GetArrayItem(counts, nb)->valuedouble;
	dc_buf_printf(b, "decran_command_confirm_seconds_bucket{le=\"+Inf\"} %.0f\n"
		      "decran_command_confirm_seconds_sum %.3f\n"
		      "decran_command_confirm_seconds_count %.0f\n", cum,
		      num(lat, "sum_ms", 0) / 1000.0, cum);
}

struct dc_web_hooks gw_link_hooks(struct gw_link *l)
{
	return (struct dc_web_hooks){
		.arg = l,
		.now = hook_now,
		.list_boxes = hook_boxes,
		.list_alarms = hook_alarms,
		.list_tests = hook_tests,
		.rules = hook_rules,
		.relay_test = hook_relay,
		.relay_cycle = true,
		.bind = hook_bind,
		.unbind = hook_unbind,
		.override_set = hook_override_set,
		.override_clear = hook_override_clear,
		.metrics = hook_metrics,
	};
}
