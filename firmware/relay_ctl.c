/* relay_ctl.c — switching, autonomy and persistence of the relay box. */
#include "relayd.h"

#include <cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sdnotify.h"

#include "atomicfile.h"
#include "i18n.h"
#include "fwlog.h"

int64_t relayd_now(const struct relayd *r)
{
	return dc_clock_now(&r->clk);
}

int relayd_switch(struct relayd *r, int channel, bool on, enum fw_source src, const char *cmd_id)
{
	struct fw_chstate *s = &r->st[channel - 1];
	bool changed = s->on != on;
	int64_t now = relayd_now(r);

	if (changed && fw_hal_set(r->hal, channel, on)) {
		fw_log(LOG_ERR, TR("canal %d : échec de la commande du relais : %m",
				   "channel %d: relay write failed: %m"), channel);
		return -1;
	}
	if (changed && fw_config_channel(&r->cfg, channel)->feedback.has)
		fw_feedback_switched(&r->fbs[channel - 1], dc_mono_ms(), r->cfg.feedback_debounce_ms);
	s->on = on;
	s->src = src;
	s->ovr_until = 0;	/* on_command sets it again for an override */
	snprintf(s->cmd_id, sizeof s->cmd_id, "%s", cmd_id ? cmd_id : "");
	s->t = now;
	if (changed)
		fw_log(LOG_INFO, TR("canal %d : %s (%s)", "channel %d: %s (%s)"), channel,
		       on ? TR("allumé", "on") : TR("éteint", "off"), fw_source_name(src));
	relayd_publish_state(r, channel);
	relayd_persist_state(r);
	if (changed && src != FW_SRC_GATEWAY) {
		fw_journal_add(&r->journal, channel, on, src, now);
		relayd_persist_journal(r);
		relayd_publish_journal(r);
	}
	return 0;
}

void relayd_apply_fallback(struct relayd *r, bool all)
{
	int64_t now = relayd_now(r);
	for (size_t i = 0; i < r->cfg.nch; i++) {
		int ch = r->cfg.ch[i].channel;
		struct fw_chstate *s = &r->st[ch - 1];
		int64_t next;
		bool want = fw_wanted(r->fb, ch, now, r->clock_trusted, fw_config_safe_on(&r->cfg, ch), &next);
		/* Only at the schedule's own transitions (or when told to apply
		 * everything): a local override stands until the next edge. */
		if ((all || s->next_edge <= now) && want != s->on)
			relayd_switch(r, ch, want, FW_SRC_FALLBACK, NULL);
		s->next_edge = next;
	}
}

/* FW_FLOOR_GRACE_S real seconds, in the box's (possibly faster) clock. */
static int64_t floor_grace_s(const struct relayd *r)
{
	double g = FW_FLOOR_GRACE_S * (r->clk.speed > 1 ? r->clk.speed : 1);
	return g < 1e9 ? (int64_t)g : 1000000000;
}

/* The legal floor while the gateway is in control (arbiter.h): a channel
 * left on where the schedule says off, once its override has run out or
 * past the schedule's own edge (the grace after either), goes off without
 * the gateway's command (lost, late, or never sent), journaled for the
 * gateway. */
static void keep_floor(struct relayd *r)
{
	int64_t now = relayd_now(r), grace = floor_grace_s(r);
	for (size_t i = 0; i < r->cfg.nch; i++) {
		int ch = r->cfg.ch[i].channel;
		struct fw_chstate *s = &r->st[ch - 1];
		bool ovr_over = s->ovr_until > 0 && s->ovr_until + grace <= now;
		if (ovr_over)
			s->ovr_until = 0;
		/* A lit channel keeps the edge it is waiting on until the grace
		 * after it is over (relayd_next_virtual_ms wakes the loop then). */
		if (!s->on || s->next_edge <= now - grace)
			fw_wanted(r->fb, ch, now, r->clock_trusted, fw_config_safe_on(&r->cfg, ch),
				  &s->next_edge);
		if (s->on && fw_floor_breached(r->fb, ch, now, r->clock_trusted, s->ovr_until, grace)) {
			fw_log(LOG_NOTICE, TR("canal %d : le planning de secours impose éteint%s",
					      "channel %d: the fallback schedule says off%s"), ch,
			       ovr_over ? TR(" (fin de la dérogation)", " (override over)") : "");
			relayd_switch(r, ch, false, FW_SRC_FALLBACK, NULL);
		}
	}
}

void relayd_evaluate(struct relayd *r)
{
	bool in_control = fw_gateway_in_control(r->gw_online, r->gw_seen_ms,
						dc_clock_now_ms(&r->clk), r->cfg.gateway_timeout_s);
	if (in_control == r->autonomous) {
		r->autonomous = !in_control;
		fw_log(LOG_NOTICE, "%s", r->autonomous
		       ? TR("passerelle silencieuse : la boîte suit son planning de secours",
			    "gateway silent: the box follows its fallback schedule")
		       : TR("passerelle présente : elle reprend la main",
			    "gateway present: it takes control back"));
		relayd_notify_status(r);
		relayd_publish_status(r, true);
		if (r->autonomous)
			relayd_apply_fallback(r, true);
		else
			relayd_publish_journal(r);
	} else if (r->autonomous) {
		relayd_apply_fallback(r, false);
	} else {
		keep_floor(r);
	}
}

int64_t relayd_next_virtual_ms(const struct relayd *r)
{
	int64_t next = INT64_MAX;
	if (r->autonomous) {
		for (size_t i = 0; i < r->cfg.nch; i++) {
			int64_t e = r->st[r->cfg.ch[i].channel - 1].next_edge;
			if (e < INT64_MAX / 1000 && e * 1000 < next)
				next = e * 1000;
		}
	} else if (r->gw_online && r->gw_seen_ms != INT64_MIN) {
		next = r->gw_seen_ms + (int64_t)r->cfg.gateway_timeout_s * 1000;
		/* keep_floor: a lit channel's override end and schedule edge. */
		int64_t grace = floor_grace_s(r);
		for (size_t i = 0; i < r->cfg.nch; i++) {
			const struct fw_chstate *s = &r->st[r->cfg.ch[i].channel - 1];
			int64_t e = s->ovr_until > 0 && s->ovr_until < s->next_edge ? s->ovr_until
										  : s->next_edge;
			if (s->on && e < INT64_MAX / 1000 - grace && (e + grace) * 1000 < next)
				next = (e + grace) * 1000;
		}
	}
	return next;
}

int relayd_set_fallback(struct relayd *r, const struct dc_fallback *fb, bool persist)
{
	char *enc = dc_fallback_encode(fb);
	if (!enc)
		return -1;
	if (persist) {
		int w = dc_atomic_update(r->path_fallback, enc, strlen(enc), true);
		if (w < 0)
			fw_log(LOG_ERR, "%s: %m", r->path_fallback);
		else if (w == 0 && r->fb) {
			free(enc);
			return 0;	/* same schedule again (retained redelivery) */
		}
	}
	free(enc);
	if (!r->fb && !(r->fb = malloc(sizeof *r->fb)))
		return -1;
	memcpy(r->fb, fb, sizeof *fb);
	fw_log(LOG_INFO, TR("planning de secours du %" PRId64 " valable jusqu'au %" PRId64,
			    "fallback schedule generated %" PRId64 " valid until %" PRId64),
	       fb->generated, fb->until);
	/* A new schedule is the new truth for an autonomous box. */
	if (r->autonomous)
		relayd_apply_fallback(r, true);
	else
		for (size_t i = 0; i < r->cfg.nch; i++) {
			int ch = r->cfg.ch[i].channel;
			fw_wanted(r->fb, ch, relayd_now(r), r->clock_trusted, fw_config_safe_on(&r->cfg, ch),
				  &r->st[ch - 1].next_edge);
		}
	return 0;
}

static bool add_stream(cJSON *o, const char *name, const struct dc_auth_stream *st)
{
	char seq[24], mac[2 * DC_AUTH_MAC_LEN + 1];
	cJSON *e;
	if (st->seq == 0)
		return true;
	snprintf(seq, sizeof seq, "%" PRIu64, st->seq);
	dc_hex(st->mac, DC_AUTH_MAC_LEN, mac);
	return (e = cJSON_AddObjectToObject(o, name)) && cJSON_AddStringToObject(e, "seq", seq) &&
	       cJSON_AddStringToObject(e, "mac", mac);
}

/* "auth": the last sealed message accepted per stream ("cmd/<ch>",
 * "fallback", "journal/ack"), so a replay stays refused after a restart. */
static bool add_auth(cJSON *root, const struct relayd *r)
{
	cJSON *a = cJSON_AddObjectToObject(root, "auth");
	char k[16];
	if (!a || !add_stream(a, "fallback", &r->auth_fallback) ||
	    !add_stream(a, "journal/ack", &r->auth_ack))
		return false;
	for (int ch = 1; ch <= DC_MAX_CHANNELS; ch++) {
		snprintf(k, sizeof k, "cmd/%d", ch);
		if (!add_stream(a, k, &r->auth_cmd[ch - 1]))
			return false;
	}
	return true;
}

static void load_stream(const cJSON *a, const char *name, struct dc_auth_stream *st)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(a, name);
	const char *seq = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "seq"));
	const char *mac = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "mac"));
	char *end;
	uint8_t m[DC_AUTH_MAC_LEN];
	if (!seq || !mac || strlen(mac) != 2 * DC_AUTH_MAC_LEN || dc_unhex(mac, sizeof m, m))
		return;
	errno = 0;
	unsigned long long v = strtoull(seq, &end, 10);
	if (errno || *end || end == seq)
		return;
	st->seq = v;
	memcpy(st->mac, m, sizeof m);
}

static void load_auth(struct relayd *r, const cJSON *root)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(root, "auth");
	char k[16];
	load_stream(a, "fallback", &r->auth_fallback);
	load_stream(a, "journal/ack", &r->auth_ack);
	for (int ch = 1; ch <= DC_MAX_CHANNELS; ch++) {
		snprintf(k, sizeof k, "cmd/%d", ch);
		load_stream(a, k, &r->auth_cmd[ch - 1]);
	}
}

/* state.json: {"v":1,"ch":{"1":{"on":..,"src":..,"id":..,"t":..}},"cmds":[...]} */
void relayd_persist_state(struct relayd *r)
{
	cJSON *root = cJSON_CreateObject(), *chs, *cmds;
	char *s = NULL;
	if (!root)
		return;
	cJSON_AddNumberToObject(root, "v", 1);
	chs = cJSON_AddObjectToObject(root, "ch");
	for (size_t i = 0; chs && i < r->cfg.nch; i++) {
		int ch = r->cfg.ch[i].channel;
		const struct fw_chstate *st = &r->st[ch - 1];
		char key[4];
		snprintf(key, sizeof key, "%d", ch);
		cJSON *o = cJSON_AddObjectToObject(chs, key);
		if (!o)
			goto out;
		cJSON_AddBoolToObject(o, "on", st->on);
		cJSON_AddStringToObject(o, "src", fw_source_name(st->src));
		cJSON_AddStringToObject(o, "id", st->cmd_id);
		cJSON_AddNumberToObject(o, "t", (double)st->t);
	}
	cmds = cJSON_AddArrayToObject(root, "cmds");
	/* Oldest first, so reloading in order rebuilds the same ring. */
	for (size_t k = 0; cmds && k < r->cmds.n; k++) {
		size_t idx = (r->cmds.next + FW_CMDLOG_SIZE - r->cmds.n + k) % FW_CMDLOG_SIZE;
		const struct fw_cmdlog_entry *e = &r->cmds.e[idx];
		cJSON *o = cJSON_CreateObject();
		if (!o)
			goto out;
		cJSON_AddItemToArray(cmds, o);
		cJSON_AddStringToObject(o, "id", e->id);
		cJSON_AddNumberToObject(o, "ch", e->channel);
		cJSON_AddBoolToObject(o, "on", e->on);
		cJSON_AddNumberToObject(o, "t", (double)e->t);
	}
	if (r->keyed && !add_auth(root, r))
		goto out;
	const char *json = r->state_json;
	if (!cJSON_PrintPreallocated(root, r->state_json, sizeof r->state_json, false))
		json = s = cJSON_PrintUnformatted(root);	/* cannot happen; never lose a write */
	if (json && dc_atomic_update(r->path_state, json, strlen(json), true) < 0)
		fw_log(LOG_ERR, "%s: %m", r->path_state);
out:
	free(s);
	cJSON_Delete(root);
}

void relayd_persist_journal(struct relayd *r)
{
	char *s = fw_journal_encode(&r->journal, r->cfg.box, SIZE_MAX);
	if (s && dc_atomic_update(r->path_journal, s, strlen(s), true) < 0)
		fw_log(LOG_ERR, "%s: %m", r->path_journal);
	free(s);
}

static void load_cmds(struct relayd *r, const char *buf, size_t len)
{
	cJSON *root = cJSON_ParseWithLength(buf, len);
	const cJSON *cmds = cJSON_GetObjectItemCaseSensitive(root, "cmds"), *o;
	cJSON_ArrayForEach(o, cmds) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "id");
		const cJSON *ch = cJSON_GetObjectItemCaseSensitive(o, "ch");
		const cJSON *on = cJSON_GetObjectItemCaseSensitive(o, "on");
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "t");
		if (cJSON_IsString(id) && strlen(id->valuestring) < FW_CMDID_MAX &&
		    cJSON_IsNumber(ch) && cJSON_IsBool(on) && cJSON_IsNumber(t))
			fw_cmdlog_add(&r->cmds, id->valuestring, (int)ch->valuedouble,
				      cJSON_IsTrue(on), (int64_t)t->valuedouble);
	}
	load_auth(r, root);
	cJSON_Delete(root);
}

void relayd_load_persisted(struct relayd *r)
{
	size_t len;
	char err[160];
	char *buf = dc_read_file(r->path_fallback, FW_FALLBACK_MAX_BYTES, &len);
	if (buf) {
		struct dc_fallback *fb = malloc(sizeof *fb);
		if (fb && dc_fallback_decode(buf, len, fb, err, sizeof err) == 0 &&
		    strcmp(fb->box, r->cfg.box) == 0) {
			r->fb = fb;
			fb = NULL;
		} else {
			fw_log(LOG_WARNING, TR("%s ignoré : %s", "%s ignored: %s"), r->path_fallback,
			       fb ? err : "out of memory");
		}
		free(fb);
		free(buf);
	} else if (errno != ENOENT) {
		fw_log(LOG_WARNING, "%s: %m", r->path_fallback);
	}
	buf = dc_read_file(r->path_journal, 4 * 1024 * 1024, &len);
	if (buf && fw_journal_decode(&r->journal, buf, len, err, sizeof err))
		fw_log(LOG_WARNING, TR("%s ignoré : %s", "%s ignored: %s"), r->path_journal, err);
	free(buf);
	buf = dc_read_file(r->path_state, 256 * 1024, &len);
	if (buf)
		load_cmds(r, buf, len);
	free(buf);
}
