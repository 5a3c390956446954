/* mqtt.c — libmosquitto inside the gateway's epoll loop, and message routing.
 *
 * The connection is lib/mqttconn.c, the relay box's adapter too: its socket is
 * one more fd in the loop with its own timer (keepalive, reconnect); connect
 * and reconnect are asynchronous (a host name is resolved on a thread,
 * writability completes the TCP connect; no CONNACK within a third of the
 * keepalive drops the attempt), with exponential backoff from 250 ms to 10 s.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <time.h>

#include "drv_shelly.h"
#include "drv_tasmota.h"
#include "drv_native.h"
#include "drv_util.h"
#include "gridmsg.h"
#include "audit.h"
#include "gw.h"
#include "gwlog.h"
#include "loop.h"
#include "mqttconn.h"
#include "msgauth.h"

/* ---- topic -> box index (open addressing; boxes never change between reloads) ---- */

static int *box_table;
static size_t box_table_size;

static uint32_t hash(int driver, const char *s, size_t n)
{
	uint32_t h = 2166136261u ^ (uint32_t)driver;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static void build_table(struct gw *g)
{
	free(box_table);
	box_table_size = 16;
	while (box_table_size < g->cfg.nboxes * 2 + 1)
		box_table_size *= 2;
	box_table = malloc(box_table_size * sizeof *box_table);
	for (size_t i = 0; i < box_table_size; i++)
		box_table[i] = -1;
	for (size_t b = 0; b < g->cfg.nboxes; b++) {
		const struct gw_box *bx = &g->cfg.boxes[b];
		if (bx->driver > GW_DRV_SHELLY)
			continue;
		size_t i = hash(bx->driver, bx->topic, strlen(bx->topic)) & (box_table_size - 1);
		while (box_table[i] >= 0)
			i = (i + 1) & (box_table_size - 1);
		box_table[i] = (int)b;
	}
}

/* Box whose driver topic is the first n bytes of s, or -1. */
static int lookup(const struct gw *g, int driver, const char *s, size_t n)
{
	if (!box_table)
		return -1;
	size_t i = hash(driver, s, n) & (box_table_size - 1);
	while (box_table[i] >= 0) {
		const struct gw_box *bx = &g->cfg.boxes[box_table[i]];
		if ((int)bx->driver == driver && strlen(bx->topic) == n && !memcmp(bx->topic, s, n))
			return box_table[i];
		i = (i + 1) & (box_table_size - 1);
	}
	return -1;
}

int gw_box_index(const struct gw *g, int driver, const char *topic)
{
	return lookup(g, driver, topic, strlen(topic));
}

/* ---- inbound ---- */

static void deliver(struct gw *g, int box, const struct dc_drv_event *ev, int n)
{
	long long upto = -1;
	gw_box_seen(g, box, -1);
	for (int i = 0; i < n; i++) {
		gw_chan_report(g, box, &ev[i]);
		if (ev[i].kind == DC_EV_JOURNAL && ev[i].rpc_id > upto)
			upto = ev[i].rpc_id;
	}
	/* Recorded (committed) first, then acknowledged: the box forgets them. */
	if (upto >= 0) {
		struct dc_drv_msg m;
		/* Not written yet (database busy): no ack, the box sends the
		 * journal again in 30 s. */
		if (gw_audit_flush(g) &&
		    dc_native_journal_ack(g->cfg.boxes[box].id, (unsigned long long)upto, &m) == 0)
			gw_publish_box(g, box, m.topic, m.payload, m.len, 1, false,
				       gw_now(g) + GW_CMD_TTL_S);
	}
}

static void malformed(struct gw *g, const char *topic, const char *err)
{
	g->malformed++;
	log_warn("mqtt", "malformed payload ignored topic=%s error=\"%s\"", topic, err);
}

static void route(struct gw *g, const char *topic, const void *payload, size_t len)
{
	struct dc_drv_event ev[DC_DRV_MAX_EVENTS];
	char err[256];
	const char *rest;
	int box, n;

	log_debug("mqtt", "message topic=%s bytes=%zu", topic, len);
	/* Shelly answers to our Switch.Set: "<shelly_src>/rpc". */
	if ((rest = dc_drv_after(topic, g->cfg.shelly_src)) && !strcmp(rest, "rpc")) {
		if (dc_shelly_parse_answer(topic, payload, len, ev, err, sizeof err) < 0)
			return malformed(g, topic, err);
		gw_chan_report(g, -1, &ev[0]);
		return;
	}
	/* Tasmota: stat/<topic>/X, tele/<topic>/X. */
	if (!strncmp(topic, "stat/", 5) || !strncmp(topic, "tele/", 5)) {
		const char *t = topic + 5, *slash = strchr(t, '/');
		if (slash && (box = lookup(g, GW_DRV_TASMOTA, t, (size_t)(slash - t))) >= 0) {
			n = dc_tasmota_parse(g->cfg.boxes[box].topic, topic, payload, len, ev,
					     DC_DRV_MAX_EVENTS, err, sizeof err);
			if (n < 0)
				return malformed(g, topic, err);
			return deliver(g, box, ev, n);
		}
	}
	/* Native boxes: decran/<box>/... */
	if (!strncmp(topic, DC_NATIVE_ROOT "/", sizeof DC_NATIVE_ROOT)) {
		const char *t = topic + sizeof DC_NATIVE_ROOT, *slash = strchr(t, '/');
		if (slash && (box = lookup(g, GW_DRV_NATIVE, t, (size_t)(slash - t))) >= 0) {
			n = dc_native_parse(g->cfg.boxes[box].topic, topic, payload, len, ev,
					    DC_DRV_MAX_EVENTS, err, sizeof err);
			if (n < 0)
				return malformed(g, topic, err);
			return deliver(g, box, ev, n);
		}
	}
	/* Shelly: <prefix>/online, <prefix>/status/<x>, <prefix>/events/rpc. */
	const char *last = strrchr(topic, '/');
	for (int strip = 1; last && strip <= 2; strip++) {
		if ((box = lookup(g, GW_DRV_SHELLY, topic, (size_t)(last - topic))) >= 0) {
			n = dc_shelly_parse(g->cfg.boxes[box].topic, topic, payload, len, ev,
					    DC_DRV_MAX_EVENTS, err, sizeof err);
			if (n < 0)
				return malformed(g, topic, err);
			return deliver(g, box, ev, n);
		}
		while (last > topic && *--last != '/')
			;
		if (last == topic)
			break;
	}
}

/* decran/gateway/grid-alert: add or clear; answered on .../result. */
static void grid_alert(struct gw *g, const char *topic, const void *payload, size_t len,
		       bool retained)
{
	struct gw_gridmsg m = { 0 };
	char err[256], buf[512];
	long long n = -1;
	log_debug("mqtt", "message topic=%s bytes=%zu", topic, len);
	if (retained) {
		/* Replayed at every (re)connection: an alert would be added again. */
		malformed(g, topic, GW_GRID_ALERT_TOPIC ": retained message refused: "
			  "publish alerts without the retain flag");
		snprintf(err, sizeof err, "retained message refused");
	} else if (gw_gridmsg_parse(payload, len, gw_now(g), &m, err, sizeof err) < 0) {
		malformed(g, topic, err);
	} else if ((n = gw_plan_grid_alert(g, &m, err, sizeof err)) < 0) {
		log_err("plan", "grid alert not stored error=\"%s\"", err);
	}
	size_t blen = gw_gridmsg_result(buf, sizeof buf, m.op, n >= 0, n, err);
	if (blen)
		gw_publish(g, GW_GRID_ALERT_RESULT_TOPIC, buf, blen, 1, false);
}

static void on_message(void *ud, const char *topic, const void *payload, size_t len,
		       bool retained)
{
	if (!strcmp(topic, GW_GRID_ALERT_TOPIC))
		grid_alert(ud, topic, payload, len, retained);
	else
		route(ud, topic, payload, len);
}

static void subscribe_all(struct gw *g)
{
	char subs[4][DC_DRV_TOPIC_MAX], one[DC_DRV_TOPIC_MAX];
	int n = 0;
	snprintf(one, sizeof one, "%s/rpc", g->cfg.shelly_src);
	dc_mqtt_subscribe(g->mqtt, one, 1);
	dc_mqtt_subscribe(g->mqtt, GW_GRID_ALERT_TOPIC, 1);
	for (size_t b = 0; b < g->cfg.nboxes; b++) {
		const struct gw_box *bx = &g->cfg.boxes[b];
		switch (bx->driver) {
		case GW_DRV_TASMOTA:
			n = dc_tasmota_subscriptions(bx->topic, subs);
			break;
		case GW_DRV_SHELLY:
			n = dc_shelly_subscriptions(bx->topic, subs);
			break;
		case GW_DRV_NATIVE:
			n = dc_native_subscriptions(bx->topic, subs);
			break;
		default:
			n = 0;
		}
		for (int i = 0; i < n; i++)
			dc_mqtt_subscribe(g->mqtt, subs[i], 1);
	}
}

static void on_connected(void *ud)
{
	struct gw *g = ud;
	g->mqtt_up = true;
	g->mqtt_failures = 0;
	g->mqtt_inflight = 0;
	log_info("mqtt", "connected host=%s port=%d", g->cfg.broker_host, g->cfg.broker_port);
	subscribe_all(g);
	gw_notify_changed(g);
	gw_chan_connected(g);	/* the heartbeat goes out at the next tick */
}

static void on_disconnected(void *ud, const char *why)
{
	struct gw *g = ud;
	log_warn("mqtt", "connection lost error=\"%s\"", why);
	g->mqtt_up = false;
	gw_notify_changed(g);
}

/* A broker that stays away would fill the log: the first failure, then one
 * in GW_MQTT_LOG_EVERY (attempts are at most 10 s apart). */
#define GW_MQTT_LOG_EVERY 30

static void on_failed(void *ud, const char *why)
{
	struct gw *g = ud;
	if (g->mqtt_failures++ % GW_MQTT_LOG_EVERY == 0)
		log_warn("mqtt", "cannot connect host=%s port=%d error=\"%s\"",
			 g->cfg.broker_host, g->cfg.broker_port, why);
}

/* Every message published (all QoS 1) is acknowledged here once: the count
 * in flight paces commands and fallbacks.  A lost connection forgets it
 * (what libmosquitto re-sends after is then not counted, never the reverse,
 * so the count cannot stall sending). */
static void on_published(void *ud)
{
	struct gw *g = ud;
	if (g->mqtt_inflight > 0)
		g->mqtt_inflight--;
}

bool gw_mqtt_room(const struct gw *g, int window)
{
	return g->mqtt_inflight < window;
}

/* ---- connection management: lib/mqttconn.c, shared with the relay box ---- */

static void on_io(struct dc_loop *l, int fd, unsigned events, void *ud);

static int watched_fd = -1;
static unsigned watched_gen;

/* The connection's fd (the resolver's while a host name is looked up, then
 * the socket) and its timer, after anything that may have changed them. */
void gw_mqtt_watch(struct gw *g)
{
	int fd = dc_mqtt_fd(g->mqtt);
	unsigned gen = dc_mqtt_fd_gen(g->mqtt);
	short pe = fd >= 0 ? dc_mqtt_poll_events(g->mqtt) : 0;
	/* While connecting, writability reports the end of the TCP handshake. */
	unsigned want = DC_READABLE | ((pe & POLLOUT) ? DC_WRITABLE : 0);

	/* A new fd may reuse the number of the one closed: the generation
	 * tells them apart (a closed fd left the epoll set by itself). */
	if (fd != watched_fd || gen != watched_gen) {
		dc_loop_del_fd(g->loop, watched_fd);
		watched_fd = -1;
		if (fd >= 0 && dc_loop_add_fd(g->loop, fd, want, on_io, g) == 0) {
			watched_fd = fd;
			watched_gen = gen;
		}
	} else if (fd >= 0) {
		dc_loop_mod_fd(g->loop, fd, want);
	}
	dc_loop_timer_set(g->loop, g->mqtt_timer, dc_mqtt_next_ms(g->mqtt, gw_mono()));
}

static void on_io(struct dc_loop *l, int fd, unsigned events, void *ud)
{
	struct gw *g = ud;
	(void)l, (void)fd;
	short re = (short)(((events & DC_READABLE) ? POLLIN : 0) |
			   ((events & DC_WRITABLE) ? POLLOUT : 0) | ((events & DC_ERROR) ? POLLERR : 0));
	/* After a burst, confirmations come by thousands. */
	gw_audit_defer(g, true);
	dc_mqtt_on_io(g->mqtt, re, gw_mono());
	gw_audit_defer(g, false);
	gw_mqtt_watch(g);
}

static void on_timer(struct dc_loop *l, int id, void *ud)
{
	struct gw *g = ud;
	(void)l, (void)id;
	dc_mqtt_on_timer(g->mqtt, gw_mono());	/* keepalive, reconnect */
	gw_mqtt_watch(g);
}

int gw_mqtt_init(struct gw *g)
{
	/* Boxes take over at once when the gateway vanishes. */
	static char will[64];
	dc_native_heartbeat(0, 0, will, sizeof will);
	struct dc_mqtt_opts o = {
		.host = g->cfg.broker_host,
		.port = g->cfg.broker_port,
		.client_id = g->cfg.client_id,
		.keepalive_s = g->cfg.keepalive_s,
		.username = *g->cfg.broker_sec.username ? g->cfg.broker_sec.username : NULL,
		.password = *g->cfg.broker_password ? g->cfg.broker_password : NULL,
		.tls = &g->cfg.broker_sec,
		.will_topic = DC_GATEWAY_STATUS_TOPIC,
		.will_payload = will,
		.will_qos = 1,
		.will_retain = true,
		.backoff_min_ms = 250,
		.backoff_max_ms = 10000,
		/* Enough in flight for a whole night's edge on a large fleet. */
		.unlimited_inflight = true,
		.batch_writes = true,	/* flushed in main.c's before_sleep */
		/* Commands and schedules carry a message expiry the broker honours. */
		.mqtt5 = true,
	};
	struct dc_mqtt_handlers h = {
		.connected = on_connected,
		.disconnected = on_disconnected,
		.message = on_message,
		.failed = on_failed,
		.published = on_published,
	};
	dc_mqtt_lib_init();
	if (g->cfg.broker_sec.tls && !g->cfg.broker_sec.verify)
		log_warn("mqtt", "broker.tls.verify is false: the broker's certificate is not "
			 "checked, anyone on the path can pose as the broker");
	g->mqtt = dc_mqtt_new(&o, &h, g);
	if (!g->mqtt) {
		log_err("mqtt", "cannot create the client error=\"%s\"", dc_mqtt_new_error());
		return -1;
	}
	build_table(g);
	g->mqtt_timer = dc_loop_timer_new(g->loop, on_timer, g);
	if (g->mqtt_timer < 0)
		return -1;
	dc_mqtt_start(g->mqtt, gw_mono());
	gw_mqtt_watch(g);
	return 0;
}

void gw_mqtt_free(struct gw *g)
{
	if (g->mqtt) {
		if (g->mqtt_up) {
			char buf[64];
			size_t n = dc_native_heartbeat(0, gw_now(g), buf, sizeof buf);
			gw_publish(g, DC_GATEWAY_STATUS_TOPIC, buf, n, 1, true);
			gw_heartbeat_keyed(g, false);
		}
		dc_mqtt_disconnect(g->mqtt);
		dc_loop_del_fd(g->loop, watched_fd);
		watched_fd = -1;
		dc_loop_timer_del(g->loop, g->mqtt_timer);
		dc_mqtt_free(g->mqtt);
		g->mqtt = NULL;
	}
	dc_mqtt_lib_cleanup();
	free(box_table);
	box_table = NULL;
}

void gw_mqtt_reload(struct gw *g)
{
	build_table(g);
	if (g->mqtt_up)
		subscribe_all(g);
}

/* Read everything already waiting on the socket (retained states after a
 * (re)connection) before deciding what to send. */
void gw_mqtt_drain(struct gw *g)
{
	struct pollfd p = { .fd = dc_mqtt_fd(g->mqtt), .events = POLLIN };
	gw_audit_defer(g, true);
	for (int i = 0; p.fd >= 0 && i < 1000000 && poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
	     i++) {
		dc_mqtt_on_io(g->mqtt, POLLIN, gw_mono());
		p.fd = dc_mqtt_up(g->mqtt) ? dc_mqtt_fd(g->mqtt) : -1;
	}
	gw_audit_defer(g, false);
}

static int publish_exp(struct gw *g, const char *topic, const void *payload, size_t len, int qos,
		       bool retain, uint32_t expiry_s)
{
	/* Not before CONNACK: nothing is queued while down, the owner
	 * republishes on connection. */
	if (!g->mqtt || !g->mqtt_up)
		return -1;
	if (dc_mqtt_publish_exp(g->mqtt, topic, payload, len, qos, retain, expiry_s) < 0) {
		log_warn("mqtt", "publish failed topic=%s", topic);
		return -1;
	}
	g->mqtt_inflight++;
	/* Writes are flushed by the loop (EPOLLOUT) after the batch. */
	return 0;
}

int gw_publish(struct gw *g, const char *topic, const void *payload, size_t len, int qos,
	       bool retain)
{
	return publish_exp(g, topic, payload, len, qos, retain, 0);
}

/* Sequence numbers grow across restarts without being stored: never below
 * the real clock in milliseconds (not the test clock, which may restart
 * in the past). */
static uint64_t next_seq(struct gw *g)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	g->auth_seq = now > g->auth_seq ? now : g->auth_seq + 1;
	return g->auth_seq;
}

int gw_publish_box(struct gw *g, int box, const char *topic, const char *body, size_t len,
		   int qos, bool retain, int64_t exp)
{
	const struct gw_box *bx = &g->cfg.boxes[box];
	int64_t now = gw_now(g);
	/* The broker forgets it when the box would refuse it (MQTT v5). */
	uint32_t ttl = exp > now ? (exp - now > UINT32_MAX ? UINT32_MAX : (uint32_t)(exp - now)) : 1;
	if (!bx->keyed)
		return publish_exp(g, topic, body, len, qos, retain, ttl);
	struct dc_auth_hdr h = { .t = now, .exp = exp > now ? exp : now, .seq = next_seq(g) };
	size_t n;
	char *sealed = dc_auth_seal(bx->key, topic, &h, body, len, &n);
	if (!sealed) {
		log_err("mqtt", "cannot seal topic=%s", topic);
		return -1;
	}
	int rc = publish_exp(g, topic, sealed, n, qos, retain, ttl);
	free(sealed);
	return rc;
}

void gw_heartbeat_keyed(struct gw *g, bool online)
{
	char buf[96], topic[DC_DRV_TOPIC_MAX];
	int64_t now = gw_now(g);
	size_t n = dc_native_heartbeat(online, now, buf, sizeof buf);
	for (size_t b = 0; b < g->cfg.nboxes; b++) {
		if (!g->cfg.boxes[b].keyed)
			continue;
		dc_native_gateway_topic(g->cfg.boxes[b].id, topic, sizeof topic);
		/* Valid for three periods: what a box waits before going alone. */
		gw_publish_box(g, (int)b, topic, buf, n, 1, false, now + 3 * (int64_t)g->cfg.heartbeat_s);
	}
}

