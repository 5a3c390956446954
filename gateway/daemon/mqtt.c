/* mqtt.c — libmosquitto inside the gateway's epoll loop, and message routing.
 *
 * No mosquitto_loop_start(): the socket is one more fd in the loop;
 * mosquitto_loop_read/write/misc are called when it is readable, writable or
 * when the keepalive timer fires.  Reconnection uses exponential backoff.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>

#include "drv_shelly.h"
#include "drv_tasmota.h"
#include "drv_native.h"
#include "drv_util.h"
#include "gridmsg.h"
#include "audit.h"
#include "gw.h"
#include "log.h"
#include "loop.h"

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
			gw_publish(g, m.topic, m.payload, m.len, 1, false);
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
static void grid_alert(struct gw *g, const struct mosquitto_message *msg, size_t len)
{
	struct gw_gridmsg m = { 0 };
	char err[256], buf[512];
	long long n = -1;
	log_debug("mqtt", "message topic=%s bytes=%zu", msg->topic, len);
	if (msg->retain) {
		/* Replayed at every (re)connection: an alert would be added again. */
		malformed(g, msg->topic, GW_GRID_ALERT_TOPIC ": retained message refused: "
			  "publish alerts without the retain flag");
		snprintf(err, sizeof err, "retained message refused");
	} else if (gw_gridmsg_parse(msg->payload, len, gw_now(g), &m, err, sizeof err) < 0) {
		malformed(g, msg->topic, err);
	} else if ((n = gw_plan_grid_alert(g, &m, err, sizeof err)) < 0) {
		log_err("plan", "grid alert not stored error=\"%s\"", err);
	}
	size_t blen = gw_gridmsg_result(buf, sizeof buf, m.op, n >= 0, n, err);
	if (blen)
		gw_publish(g, GW_GRID_ALERT_RESULT_TOPIC, buf, blen, 1, false);
}

static void on_message(struct mosquitto *m, void *ud, const struct mosquitto_message *msg)
{
	size_t len = (size_t)(msg->payloadlen > 0 ? msg->payloadlen : 0);
	(void)m;
	if (!strcmp(msg->topic, GW_GRID_ALERT_TOPIC))
		grid_alert(ud, msg, len);
	else
		route(ud, msg->topic, msg->payload, len);
}

static void subscribe_all(struct gw *g)
{
	char subs[4][DC_DRV_TOPIC_MAX], one[DC_DRV_TOPIC_MAX];
	int n = 0;
	snprintf(one, sizeof one, "%s/rpc", g->cfg.shelly_src);
	mosquitto_subscribe(g->mosq, NULL, one, 1);
	mosquitto_subscribe(g->mosq, NULL, GW_GRID_ALERT_TOPIC, 1);
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
			mosquitto_subscribe(g->mosq, NULL, subs[i], 1);
	}
}

static void on_connect(struct mosquitto *m, void *ud, int rc)
{
	struct gw *g = ud;
	(void)m;
	if (rc != 0) {
		log_warn("mqtt", "connection refused rc=%d reason=\"%s\"", rc,
			 mosquitto_connack_string(rc));
		return;
	}
	g->mqtt_up = true;
	g->mqtt_backoff_ms = 0;
	g->mqtt_inflight = 0;
	log_info("mqtt", "connected host=%s port=%d", g->cfg.broker_host, g->cfg.broker_port);
	subscribe_all(g);
	gw_chan_connected(g);	/* the heartbeat goes out at the next tick */
}

static void on_disconnect(struct mosquitto *m, void *ud, int rc)
{
	struct gw *g = ud;
	(void)m;
	if (g->mqtt_up)
		log_warn("mqtt", "disconnected rc=%d", rc);
	g->mqtt_up = false;
}

/* Every message published (all QoS 1) is acknowledged here once: the count
 * in flight paces commands and fallbacks.  A lost connection forgets it
 * (what libmosquitto re-sends after is then not counted, never the reverse,
 * so the count cannot stall sending). */
static void on_publish(struct mosquitto *m, void *ud, int mid)
{
	struct gw *g = ud;
	(void)m;
	(void)mid;
	if (g->mqtt_inflight > 0)
		g->mqtt_inflight--;
}

bool gw_mqtt_room(const struct gw *g, int window)
{
	return g->mqtt_inflight < window;
}

/* ---- connection management ---- */

static int watched_fd = -1;
static uint32_t watched_events;

void gw_mqtt_update_epoll(struct gw *g)
{
	int fd = mosquitto_socket(g->mosq);
	uint32_t want = EPOLLIN | (mosquitto_want_write(g->mosq) ? EPOLLOUT : 0);
	struct epoll_event ev = { .events = want, .data.u64 = GW_EV(GW_FD_MQTT, 0) };

	if (fd != watched_fd) {
		if (watched_fd >= 0)
			epoll_ctl(g->epfd, EPOLL_CTL_DEL, watched_fd, NULL);
		watched_fd = -1;
		if (fd >= 0 && epoll_ctl(g->epfd, EPOLL_CTL_ADD, fd, &ev) == 0) {
			watched_fd = fd;
			watched_events = want;
		}
	} else if (fd >= 0 && want != watched_events) {
		epoll_ctl(g->epfd, EPOLL_CTL_MOD, fd, &ev);
		watched_events = want;
	}
}

static void lost(struct gw *g, int rc, int64_t mono)
{
	if (g->mqtt_up || rc != MOSQ_ERR_NO_CONN)
		log_warn("mqtt", "connection lost error=\"%s\"", mosquitto_strerror(rc));
	g->mqtt_up = false;
	mosquitto_disconnect(g->mosq);
	g->mqtt_backoff_ms = g->mqtt_backoff_ms ? g->mqtt_backoff_ms * 2 : 250;
	if (g->mqtt_backoff_ms > 10000)
		g->mqtt_backoff_ms = 10000;
	g->mqtt_retry_ms = mono + g->mqtt_backoff_ms;
	gw_mqtt_update_epoll(g);
}

static void try_connect(struct gw *g, int64_t mono)
{
	int rc = mosquitto_connect(g->mosq, g->cfg.broker_host, g->cfg.broker_port,
				   g->cfg.keepalive_s);
	if (rc != MOSQ_ERR_SUCCESS) {
		if (g->mqtt_backoff_ms == 0 || g->mqtt_backoff_ms >= 10000)
			log_warn("mqtt", "cannot connect host=%s port=%d error=\"%s\"",
				 g->cfg.broker_host, g->cfg.broker_port,
				 rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
		g->mqtt_backoff_ms = g->mqtt_backoff_ms ? g->mqtt_backoff_ms * 2 : 250;
		if (g->mqtt_backoff_ms > 10000)
			g->mqtt_backoff_ms = 10000;
		g->mqtt_retry_ms = mono + g->mqtt_backoff_ms;
		return;
	}
	g->mqtt_retry_ms = 0;
	gw_mqtt_update_epoll(g);
}

int gw_mqtt_init(struct gw *g)
{
	mosquitto_lib_init();
	g->mosq = mosquitto_new(g->cfg.client_id, true, g);
	if (!g->mosq)
		return -1;
	mosquitto_int_option(g->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
	/* Enough in flight for a whole night's edge on a large fleet. */
	mosquitto_max_inflight_messages_set(g->mosq, 0);
	/* Boxes take over at once when the gateway vanishes. */
	static char will[64];
	size_t wn = dc_native_heartbeat(0, 0, will, sizeof will);
	mosquitto_will_set(g->mosq, DC_GATEWAY_STATUS_TOPIC, (int)wn, will, 1, true);
	mosquitto_connect_callback_set(g->mosq, on_connect);
	mosquitto_disconnect_callback_set(g->mosq, on_disconnect);
	mosquitto_message_callback_set(g->mosq, on_message);
	mosquitto_publish_callback_set(g->mosq, on_publish);
	build_table(g);
	g->mqtt_retry_ms = gw_mono();
	return 0;
}

void gw_mqtt_free(struct gw *g)
{
	if (g->mosq) {
		if (g->mqtt_up) {
			char buf[64];
			size_t n = dc_native_heartbeat(0, gw_now(g), buf, sizeof buf);
			gw_publish(g, DC_GATEWAY_STATUS_TOPIC, buf, n, 1, true);
			mosquitto_loop_write(g->mosq, 1);
		}
		mosquitto_disconnect(g->mosq);
		mosquitto_destroy(g->mosq);
		g->mosq = NULL;
	}
	mosquitto_lib_cleanup();
	free(box_table);
	box_table = NULL;
}

void gw_mqtt_reload(struct gw *g)
{
	build_table(g);
	if (g->mqtt_up)
		subscribe_all(g);
}

void gw_mqtt_io(struct gw *g, uint32_t events)
{
	int64_t mono = gw_mono();
	int rc = MOSQ_ERR_SUCCESS;
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
		/* After a burst, confirmations come by thousands. */
		gw_audit_defer(g, true);
		rc = mosquitto_loop_read(g->mosq, 1);
		gw_audit_defer(g, false);
	}
	if (rc == MOSQ_ERR_SUCCESS && (events & EPOLLOUT))
		rc = mosquitto_loop_write(g->mosq, 1);
	if (rc != MOSQ_ERR_SUCCESS)
		lost(g, rc, mono);
	else
		gw_mqtt_update_epoll(g);
}

/* Read everything already waiting on the socket (retained states after a
 * (re)connection) before deciding what to send. */
void gw_mqtt_drain(struct gw *g)
{
	int fd = mosquitto_socket(g->mosq);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	gw_audit_defer(g, true);
	for (int i = 0; fd >= 0 && i < 1000000 && poll(&p, 1, 0) > 0 && (p.revents & POLLIN); i++) {
		int rc = mosquitto_loop_read(g->mosq, 1);
		if (rc != MOSQ_ERR_SUCCESS) {
			gw_audit_defer(g, false);
			lost(g, rc, gw_mono());
			return;
		}
		fd = mosquitto_socket(g->mosq);
		p.fd = fd;
	}
	gw_audit_defer(g, false);
}

void gw_mqtt_timer(struct gw *g, int64_t mono)
{
	if (g->mqtt_retry_ms && mono >= g->mqtt_retry_ms) {
		try_connect(g, mono);
		return;
	}
	if (mosquitto_socket(g->mosq) >= 0) {
		int rc = mosquitto_loop_misc(g->mosq);
		if (rc != MOSQ_ERR_SUCCESS)
			lost(g, rc, mono);
	}
}

int64_t gw_mqtt_next(const struct gw *g)
{
	if (g->mqtt_retry_ms)
		return g->mqtt_retry_ms;
	/* loop_misc handles keepalive pings; a second is ample resolution. */
	return gw_mono() + 1000;
}

int gw_publish(struct gw *g, const char *topic, const void *payload, size_t len, int qos,
	       bool retain)
{
	if (!g->mosq || mosquitto_socket(g->mosq) < 0)
		return -1;
	int rc = mosquitto_publish(g->mosq, NULL, topic, (int)len, payload, qos, retain);
	if (rc != MOSQ_ERR_SUCCESS) {
		log_warn("mqtt", "publish failed topic=%s error=\"%s\"", topic, mosquitto_strerror(rc));
		return -1;
	}
	g->mqtt_inflight++;
	/* Writes are flushed by the loop (EPOLLOUT) after the batch. */
	return 0;
}
