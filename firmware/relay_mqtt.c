/* relay_mqtt.c — the relay box's MQTT topics (protocol v1, docs/protocol.md).
 *
 * In:  decran/<box>/cmd/<ch>, decran/<box>/fallback, decran/<box>/journal/ack,
 *      decran/<box>/tele/get, decran/gateway/status
 * Out: decran/<box>/state/<ch> (retained), decran/<box>/status (retained,
 *      also the last will), decran/<box>/result, decran/<box>/error,
 *      decran/<box>/journal, decran/<box>/tele
 * Every message read is size-checked and parsed completely before anything
 * changes; a rejected one is answered on decran/<box>/error.
 */
#include "relayd.h"

#include <cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sdnotify.h"

#include "i18n.h"
#include "fwlog.h"
#include "version.h"

#define JOURNAL_BATCH 200	/* entries per journal message (< 16 KiB) */
#define JOURNAL_RETRY_MS 30000

static void topic(char *buf, size_t len, const struct relayd *r, const char *rest)
{
	snprintf(buf, len, "decran/%s/%s", r->cfg.box, rest);
}

static void publish(struct relayd *r, const char *rest, char *payload, bool retain)
{
	char t[128];
	if (!payload)
		return;
	topic(t, sizeof t, r, rest);
	dc_mqtt_publish(r->mqtt, t, payload, strlen(payload), 1, retain);
	free(payload);
}

void relayd_publish_error(struct relayd *r, const char *t, const char *why, const char *code)
{
	fw_log(LOG_WARNING, TR("message rejeté sur %s : %s (%s)", "message rejected on %s: %s (%s)"),
	       t, why, code);
	publish(r, "error", fw_encode_error(t, why, code, relayd_now(r)), false);
}

void relayd_publish_state(struct relayd *r, int channel)
{
	const struct fw_chstate *s = &r->st[channel - 1];
	char rest[16];
	snprintf(rest, sizeof rest, "state/%d", channel);
	publish(r, rest, fw_encode_state(channel, s->on, s->src, s->cmd_id, s->t,
						      r->fbs[channel - 1].fb), true);
}

static cJSON *fallback_summary(const struct relayd *r)
{
	if (!r->fb)
		return cJSON_CreateNull();
	cJSON *o = cJSON_CreateObject();
	if (o) {
		cJSON_AddNumberToObject(o, "gen", (double)r->fb->generated);
		cJSON_AddNumberToObject(o, "from", (double)r->fb->from);
		cJSON_AddNumberToObject(o, "until", (double)r->fb->until);
	}
	return o;
}

static void common_fields(cJSON *o, const struct relayd *r)
{
	cJSON_AddNumberToObject(o, "v", FW_PROTO_VERSION);
	cJSON_AddNumberToObject(o, "t", (double)relayd_now(r));
	cJSON_AddNumberToObject(o, "up", (double)((dc_mono_ms() - r->start_mono_ms) / 1000));
	cJSON_AddStringToObject(o, "mode", r->autonomous ? "autonomous" : "gateway");
	cJSON_AddStringToObject(o, "clock", r->clock_trusted ? "synced" : "untrusted");
}

void relayd_publish_status(struct relayd *r, bool online)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return;
	common_fields(o, r);
	cJSON_AddBoolToObject(o, "online", online);
	cJSON_AddStringToObject(o, "fw", DECRAN_VERSION);
	cJSON_AddItemToObject(o, "fallback", fallback_summary(r));
	/* Each channel's safe state (hw/watchdog.md): the file lives on the box,
	 * and the gateway alone knows which screens are advertising. */
	cJSON *safe = cJSON_AddObjectToObject(o, "safe");
	for (size_t i = 0; safe && i < r->cfg.nch; i++) {
		char k[8];
		snprintf(k, sizeof k, "%d", r->cfg.ch[i].channel);
		cJSON_AddStringToObject(safe, k, r->cfg.ch[i].safe_on ? "on" : "off");
	}
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	publish(r, "status", s, true);
}

void relayd_publish_tele(struct relayd *r)
{
	cJSON *o = cJSON_CreateObject(), *ch, *m;
	if (!o)
		return;
	common_fields(o, r);
	ch = cJSON_AddObjectToObject(o, "ch");
	for (size_t i = 0; ch && i < r->cfg.nch; i++) {
		char k[4];
		snprintf(k, sizeof k, "%d", r->cfg.ch[i].channel);
		cJSON_AddNumberToObject(ch, k, r->st[r->cfg.ch[i].channel - 1].on ? 1 : 0);
	}
	cJSON_AddNumberToObject(o, "journal", (double)r->journal.n);
	if (r->cfg.meter.enabled && (m = cJSON_AddObjectToObject(o, "meter"))) {
		const struct fw_meter_reading *rd = &r->reading;
		cJSON_AddBoolToObject(m, "ok", rd->ok);
		if (rd->t)
			cJSON_AddNumberToObject(m, "t", (double)rd->t);
		for (size_t i = 0; i < rd->n; i++)
			if (rd->v[i].ok)
				cJSON_AddNumberToObject(m, rd->v[i].name, rd->v[i].value);
		if (!rd->ok && rd->error[0])
			cJSON_AddStringToObject(m, "error", rd->error);
	}
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	publish(r, "tele", s, false);
}

void relayd_publish_journal(struct relayd *r)
{
	/* Only to a gateway that is there to acknowledge: the journal waits
	 * otherwise, persisted, however long the outage. */
	if (r->autonomous || !dc_mqtt_up(r->mqtt) || (r->journal.n == 0 && r->journal.dropped == 0))
		return;
	publish(r, "journal", fw_journal_encode(&r->journal, r->cfg.box, JOURNAL_BATCH), false);
	r->journal_retry_at = dc_mono_ms() + JOURNAL_RETRY_MS;
}

/* A message from the gateway, opened (lib/msgauth.h): the body to parse, and
 * what accepting it into its stream records. */
struct opened {
	const char *body;
	size_t blen;
	struct dc_auth_hdr h;
	uint8_t mac[DC_AUTH_MAC_LEN];
	bool dup;	/* exactly the stream's last accepted message again */
};

/* The stream moves past m (a keyed box only; state.json keeps the
 * persisted streams with the next relayd_persist_state). */
static void accept_opened(struct relayd *r, struct dc_auth_stream *st, const struct opened *m)
{
	if (r->keyed)
		dc_auth_accept(st, &m->h, m->mac);
}

/* A message that can light a screen, sealed with the box's key when it has
 * one (lib/msgauth.h): its MAC for this very topic, its validity on the
 * box's clock (trusted only: an unset clock would refuse everything; the
 * order still holds), its place in the stream.  Returns 0 with the body to
 * parse in *m (m->dup when it is the stream's last message again), -1 refused and
 * reported. */
static int unseal(struct relayd *r, const char *t, const struct dc_auth_stream *st,
		  const char *p, size_t len, struct opened *m)
{
	char why[160];
	struct dc_auth_hdr *h = &m->h;
	m->dup = false;
	if (!r->keyed) {
		m->body = p;
		m->blen = len;
		return 0;
	}
	enum dc_auth_rc rc = dc_auth_open(r->key, t, p, len, h, &m->body, &m->blen, m->mac);
	if (rc == DC_AUTH_OK) {
		struct dc_auth_hdr hh = *h;
		if (!r->clock_trusted)
			hh.t = hh.exp = relayd_now(r);	/* order only */
		rc = dc_auth_fresh(st, &hh, m->mac, relayd_now(r));
	}
	if (rc == DC_AUTH_DUP) {
		m->dup = true;
		return 0;
	}
	if (rc == DC_AUTH_OK)
		return 0;
	switch (rc) {
	case DC_AUTH_UNSIGNED:
		snprintf(why, sizeof why, "%s", TR("non authentifié : cette boîte n'accepte que les "
						   "messages scellés par sa clé",
						   "unauthenticated: this box only accepts messages "
						   "sealed with its key"));
		break;
	case DC_AUTH_BAD_MAC:
		snprintf(why, sizeof why, "%s", TR("signature fausse (autre clé, autre sujet ou "
						   "message altéré)", "wrong signature (another key, "
						   "another topic or an altered message)"));
		break;
	case DC_AUTH_EXPIRED:
		snprintf(why, sizeof why, TR("périmé : valable jusqu'à %" PRId64 ", il est %" PRId64,
					     "expired: valid until %" PRId64 ", now %" PRId64),
			 h->exp, relayd_now(r));
		break;
	case DC_AUTH_NOT_YET:
		snprintf(why, sizeof why, TR("émis dans le futur (%" PRId64 ", il est %" PRId64
					     ") : horloges décalées",
					     "issued in the future (%" PRId64 ", now %" PRId64
					     "): clocks apart"), h->t, relayd_now(r));
		break;
	case DC_AUTH_REPLAY:
		snprintf(why, sizeof why, TR("rejoué : numéro %" PRIu64 " déjà dépassé (%" PRIu64 ")",
					     "replayed: sequence %" PRIu64 " already passed (%" PRIu64
					     ")"), h->seq, st->seq);
		break;
	default:
		snprintf(why, sizeof why, "%s", TR("enveloppe authentifiée mal formée",
						   "malformed authenticated envelope"));
		break;
	}
	relayd_publish_error(r, t, why, dc_auth_code(rc));
	return -1;
}

/* The legal floor (arbiter.h): refused with the instant the schedule
 * allows the channel again. */
static bool floor_allows(struct relayd *r, const char *t, int channel, const struct fw_command *c)
{
	int64_t until = INT64_MAX, now = relayd_now(r);
	char why[200], when[24];
	if (fw_command_allowed(r->fb, channel, now, r->clock_trusted, c->on, c->ovr_until, &until))
		return true;
	if (until == INT64_MAX)
		until = r->fb->until;
	snprintf(why, sizeof why,
		 TR("allumage refusé : le planning de secours impose éteint jusqu'à %s "
		    "(nuit légale 01h-06h ou plan municipal) ; il faut une dérogation authentifiée",
		    "switching on refused: the fallback schedule says off until %s "
		    "(legal night 01:00-06:00 or the municipal plan); an authenticated override is "
		    "needed"), dc_format_utc(when, sizeof when, until));
	relayd_publish_error(r, t, why, "fallback_off");
	return false;
}

static void on_command(struct relayd *r, const char *t, int channel, const char *p, size_t len)
{
	struct fw_command cmd;
	struct opened m;
	char err[160];
	if (channel < 0 || !fw_config_channel(&r->cfg, channel)) {
		relayd_publish_error(r, t, "channel: not configured on this box", "invalid");
		return;
	}
	if (unseal(r, t, &r->auth_cmd[channel - 1], p, len, &m))
		return;
	if (fw_parse_command(m.body, m.blen, &cmd, err, sizeof err)) {
		relayd_publish_error(r, t, err, "invalid");
		return;
	}
	/* Accepted into its stream whatever follows: state.json keeps it (with
	 * the switch below, or at once when nothing switches). */
	if (!m.dup)
		accept_opened(r, &r->auth_cmd[channel - 1], &m);
	const struct fw_cmdlog_entry *done = fw_cmdlog_find(&r->cmds, cmd.id);
	if (done) {
		/* Redelivered (QoS 1) or resent: applied once, answered again. */
		relayd_persist_state(r);
		publish(r, "result", fw_encode_result(done, true), false);
		return;
	}
	if (m.dup || !floor_allows(r, t, channel, &cmd)) {
		relayd_persist_state(r);
		return;	/* dup: the same sealed message, refused the first time */
	}
	if (cmd.on && cmd.ovr_until > relayd_now(r) &&
	    !fw_command_allowed(r->fb, channel, relayd_now(r), r->clock_trusted, true, 0, NULL))
		fw_log(LOG_NOTICE, TR("canal %d : dérogation de %s jusqu'à %" PRId64 " (commande %s)",
				      "channel %d: override by %s until %" PRId64 " (command %s)"),
		       channel, cmd.ovr_by, cmd.ovr_until, cmd.id);
	if (relayd_switch(r, channel, cmd.on, FW_SRC_GATEWAY, cmd.id)) {
		relayd_publish_error(r, t, "relay: GPIO write failed", "gpio");
		return;
	}
	if (cmd.on && cmd.ovr_until > relayd_now(r))
		r->st[channel - 1].ovr_until = cmd.ovr_until;
	fw_cmdlog_add(&r->cmds, cmd.id, channel, cmd.on, relayd_now(r));
	relayd_persist_state(r);
	publish(r, "result", fw_encode_result(fw_cmdlog_find(&r->cmds, cmd.id), false), false);
}

static void on_fallback(struct relayd *r, const char *t, const char *p, size_t len)
{
	struct opened m;
	char err[160];
	if (len == 0)
		return;	/* retained message cleared: keep the schedule we have */
	if (len > FW_FALLBACK_MAX_BYTES + (r->keyed ? DC_AUTH_OVERHEAD : 0)) {
		snprintf(err, sizeof err, "payload too large: %zu bytes, at most %d", len,
			 FW_FALLBACK_MAX_BYTES);
		relayd_publish_error(r, t, err, "invalid");
		return;
	}
	if (unseal(r, t, &r->auth_fallback, p, len, &m) || m.dup)
		return;	/* dup: the retained copy of the schedule in force */
	struct dc_fallback *fb = malloc(sizeof *fb);
	if (!fb)
		return;
	if (dc_fallback_decode(m.body, m.blen, fb, err, sizeof err))
		relayd_publish_error(r, t, err, "invalid");
	else if (strcmp(fb->box, r->cfg.box) != 0)
		relayd_publish_error(r, t, "box: schedule compiled for another box", "invalid");
	else {
		accept_opened(r, &r->auth_fallback, &m);
		if (r->keyed)
			relayd_persist_state(r);
		if (relayd_set_fallback(r, fb, true) == 0)
			relayd_publish_status(r, true);
	}
	free(fb);
}

static void on_gateway_status(struct relayd *r, const char *t, const char *p, size_t len)
{
	struct opened m;
	bool online;
	char err[160];
	if (len == 0)
		return;
	if (unseal(r, t, &r->auth_gw, p, len, &m) || m.dup)
		return;
	if (fw_parse_gateway_status(m.body, m.blen, &online, err, sizeof err)) {
		relayd_publish_error(r, t, err, "invalid");
		return;
	}
	accept_opened(r, &r->auth_gw, &m);
	r->gw_online = online;
	if (online)
		r->gw_seen_ms = dc_clock_now_ms(&r->clk);
	relayd_evaluate(r);
}

/* Telemetry now, with a fresh meter reading when there is a meter (the
 * relay test reads the load of each step).  Sealed for a keyed box: a
 * forged request would read the meter at anyone's pace. */
static void on_tele_get(struct relayd *r, const char *t, const char *p, size_t len)
{
	struct opened m;
	if (unseal(r, t, &r->auth_tele, p, len, &m) || m.dup)
		return;
	accept_opened(r, &r->auth_tele, &m);
	if (r->meter) {
		r->tele_on_reading = true;
		fw_meter_read_now(r->meter);
	} else {
		relayd_publish_tele(r);
	}
}

/* The gateway has committed the journal up to `upto`: forget those entries.
 * Sealed for a keyed box: a forged acknowledgement would drop entries the
 * ledger never counted. */
static void on_journal_ack(struct relayd *r, const char *t, const char *p, size_t len)
{
	struct opened m;
	uint64_t upto;
	char err[160];
	if (unseal(r, t, &r->auth_ack, p, len, &m) || m.dup)
		return;
	if (fw_parse_journal_ack(m.body, m.blen, &upto, err, sizeof err)) {
		relayd_publish_error(r, t, err, "invalid");
		return;
	}
	accept_opened(r, &r->auth_ack, &m);
	if (r->keyed)
		relayd_persist_state(r);
	if (fw_journal_ack(&r->journal, upto) > 0 || r->journal.dropped == 0) {
		relayd_persist_journal(r);
		r->journal_retry_at = INT64_MAX;
		relayd_publish_journal(r);	/* the next batch, if any */
	}
}

static void on_message(void *ud, const char *t, const void *payload, size_t len, bool retained)
{
	struct relayd *r = ud;
	const char *p = payload;
	const char *rest = fw_topic_rest(t, r->cfg.box);
	(void)retained;

	/* Stopping, outputs in their safe state: nothing may switch them again
	 * while the last messages go out. */
	if (r->safe_done)
		return;
	/* A keyed box hears the gateway on its own topic, sealed with its key;
	 * the shared status topic is for boxes without one. */
	if (!r->keyed && strcmp(t, FW_GATEWAY_STATUS_TOPIC) == 0) {
		on_gateway_status(r, t, p, len);
		return;
	}
	if (!rest)
		return;
	if (strncmp(rest, "cmd/", 4) == 0) {
		on_command(r, t, fw_parse_channel(rest + 4), p, len);
	} else if (strcmp(rest, "fallback") == 0) {
		on_fallback(r, t, p, len);
	} else if (r->keyed && strcmp(rest, FW_BOX_GATEWAY_TOPIC) == 0) {
		on_gateway_status(r, t, p, len);
	} else if (strcmp(rest, "tele/get") == 0) {
		on_tele_get(r, t, p, len);
	} else if (strcmp(rest, "journal/ack") == 0) {
		on_journal_ack(r, t, p, len);
	}
}

static void on_connected(void *ud)
{
	struct relayd *r = ud;
	char t[128];
	r->mqtt_failures = 0;
	fw_log(LOG_INFO, TR("connecté au courtier %s:%d", "connected to broker %s:%d"),
	       r->cfg.mqtt.host, r->cfg.mqtt.port);
	topic(t, sizeof t, r, "cmd/+");
	dc_mqtt_subscribe(r->mqtt, t, 1);
	topic(t, sizeof t, r, "fallback");
	dc_mqtt_subscribe(r->mqtt, t, 1);
	topic(t, sizeof t, r, "journal/ack");
	dc_mqtt_subscribe(r->mqtt, t, 1);
	topic(t, sizeof t, r, "tele/get");
	dc_mqtt_subscribe(r->mqtt, t, 1);
	if (r->keyed) {
		topic(t, sizeof t, r, FW_BOX_GATEWAY_TOPIC);
		dc_mqtt_subscribe(r->mqtt, t, 1);
	} else {
		dc_mqtt_subscribe(r->mqtt, FW_GATEWAY_STATUS_TOPIC, 1);
	}
	/* Birth, then the whole retained state: nothing was queued while down. */
	relayd_publish_status(r, true);
	for (size_t i = 0; i < r->cfg.nch; i++)
		relayd_publish_state(r, r->cfg.ch[i].channel);
	relayd_publish_tele(r);
	relayd_publish_journal(r);
	relayd_notify_status(r);
}

static void on_disconnected(void *ud, const char *why)
{
	fw_log(LOG_WARNING, TR("courtier perdu (%s), reconnexion", "broker lost (%s), reconnecting"),
	       why);
	relayd_notify_status(ud);
}

/* A broker that stays away (or refuses the box's account or certificate)
 * would fill the log: the first failure, then one in 30. */
static void on_failed(void *ud, const char *why)
{
	struct relayd *r = ud;
	if (r->mqtt_failures++ % 30 == 0)
		fw_log(LOG_WARNING, TR("connexion au courtier %s:%d impossible : %s",
				       "cannot connect to broker %s:%d: %s"),
		       r->cfg.mqtt.host, r->cfg.mqtt.port, why);
}

/* The service manager's one-line summary (systemctl status): the MQTT link
 * and who drives the relays. */
void relayd_notify_status(struct relayd *r)
{
	char buf[128];
	snprintf(buf, sizeof buf, "STATUS=MQTT %s, %s",
		 r->mqtt && dc_mqtt_up(r->mqtt) ? "connected" : "disconnected",
		 r->autonomous ? "autonomous: following the fallback schedule"
			       : "gateway in control");
	dc_sd_notify(buf);
}

struct dc_mqtt *relayd_mqtt_new(struct relayd *r)
{
	static char will[160];
	char t[128];
	snprintf(will, sizeof will, "{\"v\":1,\"online\":false,\"fw\":\"%s\"}", DECRAN_VERSION);
	topic(t, sizeof t, r, "status");
	snprintf(r->topic_status, sizeof r->topic_status, "%s", t);
	struct dc_mqtt_opts o = {
		.host = r->cfg.mqtt.host,
		.port = r->cfg.mqtt.port,
		.client_id = r->cfg.mqtt.client_id,
		.keepalive_s = r->cfg.mqtt.keepalive_s,
		.username = r->cfg.mqtt.sec.username[0] ? r->cfg.mqtt.sec.username : NULL,
		.password = r->password[0] ? r->password : NULL,
		.tls = &r->cfg.mqtt.sec,
		.will_topic = r->topic_status,
		.will_payload = will,
		.will_qos = 1,
		.will_retain = true,
		.backoff_min_ms = r->cfg.mqtt.backoff_min_ms,
		.backoff_max_ms = r->cfg.mqtt.backoff_max_ms,
	};
	struct dc_mqtt_handlers h = {
		.connected = on_connected, .disconnected = on_disconnected, .message = on_message,
		.failed = on_failed,
	};
	return dc_mqtt_new(&o, &h, r);
}
