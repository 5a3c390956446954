/* control.c — the daemon's local API: a UNIX stream socket, one JSON request
 * line in, one JSON answer line out (like ntpctl <-> ntpd).  The decran CLI
 * uses it for everything that touches live relays, so the daemon stays the
 * only one driving them.
 *
 *   {"cmd":"status"}                      counters, MQTT connection
 *   {"cmd":"boxes"}                       every box, its channels and states
 *   {"cmd":"alarms"}                      alarms active now
 *   {"cmd":"reload"}                      same as SIGHUP, answers with the outcome
 *   {"cmd":"relay-test","box":B,"channel":N}   off, on, off with confirmation;
 *                                         answers when done (or timed out)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cJSON.h>

#include "gw.h"
#include "log.h"
#include "loop.h"

#define MAX_CLIENTS 16
#define REQ_MAX 4096

static struct client {
	int fd;
	size_t len;
	char buf[REQ_MAX];
} clients[MAX_CLIENTS];

/* The tests in progress: a handful at most, so they live here rather than
 * in every one of 10,000 channels (which only carry under_test).  A test
 * names its channel by box id so it survives a reload. */
struct relay_test {
	char box[DC_ID_MAX];
	int channel;
	int phase;		/* 1..3 waiting for off/on/off, 4 settle power */
	int fd;			/* control client waiting for the result, -1 gone */
	int64_t step_start, deadline;	/* monotonic ms */
	cJSON *steps;		/* step results */
};
static struct relay_test *tests;
static size_t ntests, captests;

int gw_control_open(struct gw *g)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = g->cfg.control_socket;
	int fd;

	for (int i = 0; i < MAX_CLIENTS; i++)
		clients[i].fd = -1;
	if (!*path)
		return 0;
	if (strlen(path) >= sizeof sa.sun_path) {
		log_err("control", "socket path too long path=%s", path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);	/* length checked above */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	unlink(path);	/* a stale socket from a killed gateway */
	mode_t old = umask(0117);	/* owner and group only */
	int rc = fd < 0 ? -1 : bind(fd, (struct sockaddr *)&sa, sizeof sa);
	umask(old);
	if (rc < 0 || listen(fd, 8) < 0) {
		/* A missing /run/decran: the service's RuntimeDirectory=, or
		 * control_socket in the configuration, provides it. */
		log_err("control", "cannot listen path=%s error=\"%s\"%s", path, strerror(errno),
			errno == ENOENT ? " hint=\"create its directory (systemd: RuntimeDirectory=decran)"
					  " or set control_socket\"" : "");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = GW_EV(GW_FD_CTL, fd) };
	epoll_ctl(g->epfd, EPOLL_CTL_ADD, fd, &ev);
	g->ctlfd = fd;
	log_info("control", "listening path=%s", path);
	return 0;
}

static struct client *client_of(int fd)
{
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (clients[i].fd == fd)
			return &clients[i];
	return NULL;
}

static void drop(struct gw *g, int fd)
{
	struct client *c = client_of(fd);
	epoll_ctl(g->epfd, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
	if (c)
		c->fd = -1;
	/* A relay test whose client left still finishes; nobody hears the result. */
	for (size_t i = 0; i < ntests; i++)
		if (tests[i].fd == fd)
			tests[i].fd = -1;
}

void gw_control_close(struct gw *g)
{
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (clients[i].fd >= 0)
			drop(g, clients[i].fd);
	if (g->ctlfd >= 0) {
		close(g->ctlfd);
		unlink(g->cfg.control_socket);
		g->ctlfd = -1;
	}
	for (size_t i = 0; i < ntests; i++)
		cJSON_Delete(tests[i].steps);
	free(tests);
	tests = NULL;
	ntests = captests = 0;
}

void gw_control_accept(struct gw *g)
{
	int fd = accept4(g->ctlfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct client *c;
	if (fd < 0)
		return;
	if (!(c = client_of(-1))) {
		close(fd);	/* too many at once: the CLI retries */
		return;
	}
	c->fd = fd;
	c->len = 0;
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = GW_EV(GW_FD_CLIENT, fd) };
	epoll_ctl(g->epfd, EPOLL_CTL_ADD, fd, &ev);
}

/* Answer and close.  The answer may be large (every box): write it fully,
 * the client is a local CLI reading it at once. */
static void answer(struct gw *g, int fd, cJSON *j)
{
	char *s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (fd >= 0 && s) {
		size_t len = strlen(s), off = 0;
		int fl = fcntl(fd, F_GETFL);
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
		struct timeval tv = { 2, 0 };
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
		s[len] = '\n';
		while (off <= len) {
			ssize_t n = write(fd, s + off, len + 1 - off);
			if (n <= 0)
				break;
			off += (size_t)n;
		}
	}
	free(s);
	if (fd >= 0)
		drop(g, fd);
}

static cJSON *error(const char *msg)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddBoolToObject(j, "ok", false);
	cJSON_AddStringToObject(j, "error", msg);
	return j;
}

static const char *state_name(int v)
{
	return v == DC_STATE_ON ? "on" : v == DC_STATE_OFF ? "off" : NULL;
}

static void add_state(cJSON *o, const char *key, int v)
{
	const char *n = state_name(v);
	if (n)
		cJSON_AddStringToObject(o, key, n);
	else
		cJSON_AddNullToObject(o, key);
}

static cJSON *boxes(struct gw *g)
{
	cJSON *j = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(j, "boxes");
	cJSON_AddBoolToObject(j, "ok", true);
	for (size_t b = 0; b < g->cfg.nboxes; b++) {
		const struct gw_box *bx = &g->cfg.boxes[b];
		const struct gw_boxstate *bs = &g->boxes[b];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", bx->id);
		cJSON_AddStringToObject(o, "driver", gw_driver_name(bx->driver));
		cJSON_AddNumberToObject(o, "channels", bx->channels);
		if (bs->online < 0)
			cJSON_AddNullToObject(o, "online");
		else
			cJSON_AddBoolToObject(o, "online", bs->online);
		if (bs->has_power)
			cJSON_AddNumberToObject(o, "power_w", bs->power_w);
		if (bs->has_energy)
			cJSON_AddNumberToObject(o, "energy_wh", bs->energy_wh);
		cJSON *chs = cJSON_AddArrayToObject(o, "channel_states");
		for (int ch = 1; ch <= bx->channels; ch++) {
			const struct gw_chan *c = &g->chans[bs->chan0 + (size_t)ch - 1];
			cJSON *co = cJSON_CreateObject(), *sc = cJSON_AddArrayToObject(co, "screens");
			cJSON_AddNumberToObject(co, "channel", ch);
			for (size_t k = 0; k < c->nscreens; k++)
				cJSON_AddItemToArray(sc, cJSON_CreateString(c->screens[k].id));
			add_state(co, "desired", c->rc.desired);
			add_state(co, "confirmed", c->rc.confirmed);
			add_state(co, "pending", c->rc.pending);
			if (c->has_power)
				cJSON_AddNumberToObject(co, "power_w", c->power_w);
			cJSON_AddItemToArray(chs, co);
		}
		cJSON_AddItemToArray(arr, o);
	}
	return j;
}

static cJSON *alarms(struct gw *g)
{
	cJSON *j = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(j, "alarms");
	struct gw_alarm_ref *v = malloc(gw_alarms_max(g) * sizeof *v);
	if (!v) {
		cJSON_Delete(j);
		return error("out of memory");
	}
	size_t n = gw_alarms_active(g, v);
	cJSON_AddBoolToObject(j, "ok", true);
	for (size_t i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "kind", v[i].kind);
		cJSON_AddStringToObject(o, "box", gw_alarm_box_id(g, v[i].box));
		cJSON_AddNumberToObject(o, "channel", v[i].channel);
		cJSON_AddItemToArray(arr, o);
	}
	free(v);
	return j;
}

static cJSON *status(struct gw *g)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddBoolToObject(j, "ok", true);
	cJSON_AddBoolToObject(j, "mqtt", g->mqtt_up);
	cJSON_AddNumberToObject(j, "boxes", (double)g->cfg.nboxes);
	cJSON_AddNumberToObject(j, "channels", (double)g->nchans);
	cJSON_AddNumberToObject(j, "screens", (double)g->nbound);
	cJSON_AddNumberToObject(j, "commands_sent", (double)g->commands_sent);
	cJSON_AddNumberToObject(j, "confirmations", (double)g->confirmations);
	cJSON_AddNumberToObject(j, "malformed", (double)g->malformed);
	cJSON_AddNumberToObject(j, "now", (double)gw_now(g));
	if (g->next_edge != INT64_MAX)
		cJSON_AddNumberToObject(j, "next_transition", (double)g->next_edge);
	return j;
}

/* ---- relay test: off, on, off ---- */

static struct gw_chan *test_chan(struct gw *g, const struct relay_test *t)
{
	int b = gw_config_box(&g->cfg, t->box);
	if (b < 0 || t->channel > g->cfg.boxes[b].channels)
		return NULL;
	return &g->chans[g->boxes[b].chan0 + (size_t)t->channel - 1];
}

static void test_step(struct gw *g, struct relay_test *t, struct gw_chan *c, int value)
{
	int64_t mono = gw_mono();
	t->step_start = mono;
	t->deadline = mono + g->cfg.confirm_timeout_ms;
	dc_recon_set_desired(&c->rc, value);
	/* Force a fresh command even if the relay already reports that state,
	 * so the test proves the relay obeys. */
	c->rc.confirmed = DC_STATE_UNKNOWN;
	gw_chan_step(g, c, mono);
}

/* The desk's record of the test t (the newest running entry for it). */
static struct dc_web_test *test_log(struct gw *g, const struct relay_test *t)
{
	for (size_t i = 0; i < g->ntests; i++)
		if (g->tests[i].channel == t->channel && g->tests[i].result == 0 &&
		    !strcmp(g->tests[i].box, t->box))
			return &g->tests[i];
	return NULL;
}

static void test_log_start(struct gw *g, const struct relay_test *t)
{
	if (g->ntests == GW_TESTS_KEPT)
		g->ntests--;
	memmove(&g->tests[1], &g->tests[0], g->ntests * sizeof g->tests[0]);
	g->ntests++;
	g->tests[0] = (struct dc_web_test){ .channel = t->channel, .at = gw_now(g) };
	snprintf(g->tests[0].box, sizeof g->tests[0].box, "%s", t->box);
}

/* Answers and forgets tests[i] (the last test takes its place). */
static void test_finish(struct gw *g, size_t i, struct gw_chan *c, bool ok,
			const char *error_msg)
{
	struct relay_test *t = &tests[i];
	struct dc_web_test *log = test_log(g, t);
	if (log)
		log->result = ok ? 1 : -1;
	cJSON *j = cJSON_CreateObject();
	cJSON_AddBoolToObject(j, "ok", ok);
	cJSON_AddStringToObject(j, "box", t->box);
	cJSON_AddNumberToObject(j, "channel", t->channel);
	if (error_msg)
		cJSON_AddStringToObject(j, "error", error_msg);
	cJSON_AddItemToObject(j, "steps", t->steps);
	if (c)
		c->under_test = false;
	int fd = t->fd;
	log_info("control", "relay test %s box=%s channel=%d", ok ? "passed" : "failed", t->box,
		 t->channel);
	*t = tests[--ntests];
	answer(g, fd, j);
	g->dirty = true;	/* the schedule takes the channel back */
}

static double measured(struct gw *g, const struct gw_chan *c, bool *has)
{
	const struct gw_boxstate *b = &g->boxes[c->box];
	*has = c->has_power || b->has_power;
	return c->has_power ? c->power_w : b->power_w;
}

/* Called by the loop after every event and on the timer. */
void gw_control_tests(struct gw *g)
{
	int64_t mono = gw_mono();
	for (size_t i = ntests; i-- > 0;) {
		struct relay_test *t = &tests[i];
		struct gw_chan *c = test_chan(g, t);
		if (!c) {
			test_finish(g, i, NULL, false, "channel removed by a reload");
			continue;
		}
		if (t->phase == 4) {	/* waiting for a power reading after "on" */
			if (mono < t->deadline)
				continue;
			struct dc_web_test *log = test_log(g, t);
			if (log)
				log->power_on_w = measured(g, c, &log->has_power);
			t->phase = 3;
			test_step(g, t, c, DC_STATE_OFF);
			continue;
		}
		bool done = c->rc.confirmed == c->rc.desired;
		if (!done && mono < t->deadline)
			continue;
		cJSON *st = cJSON_CreateObject();
		bool has;
		double w = measured(g, c, &has);
		cJSON_AddStringToObject(st, "to", state_name(c->rc.desired));
		cJSON_AddBoolToObject(st, "confirmed", done);
		cJSON_AddNumberToObject(st, "ms", (double)(mono - t->step_start));
		if (has)
			cJSON_AddNumberToObject(st, "power_w", w);
		cJSON_AddItemToArray(t->steps, st);
		struct dc_web_test *log = test_log(g, t);
		if (done && log && log->nsteps < 3)
			log->step_ms[log->nsteps++] = (int)(mono - t->step_start);
		if (!done) {
			test_finish(g, i, c, false, "not confirmed");
			continue;
		}
		if (t->phase == 1) {
			t->phase = 2;
			test_step(g, t, c, DC_STATE_ON);
		} else if (t->phase == 2) {
			/* Give a meter a moment to see the load. */
			t->phase = 4;
			t->deadline = mono + (has || g->boxes[c->box].has_power ? 2000 : 0);
		} else {
			test_finish(g, i, c, true, NULL);
		}
	}
}

int64_t gw_control_next(const struct gw *g)
{
	int64_t w = INT64_MAX;
	(void)g;
	for (size_t i = 0; i < ntests; i++)
		if (tests[i].deadline < w)
			w = tests[i].deadline;
	return w;
}

bool gw_chan_under_test(const struct gw_chan *c)
{
	return c->under_test;
}

int gw_relay_test_start(struct gw *g, int box, int channel, int fd, char *err, size_t errlen)
{
	if (channel < 1 || channel > g->cfg.boxes[box].channels) {
		snprintf(err, errlen, "channel: not a channel of this box");
		return -1;
	}
	struct gw_chan *c = &g->chans[g->boxes[box].chan0 + (size_t)channel - 1];
	if (c->under_test) {
		snprintf(err, errlen, "a test is already running on this channel");
		return -1;
	}
	if (ntests == captests) {
		size_t cap = captests ? captests * 2 : 4;
		struct relay_test *p = realloc(tests, cap * sizeof *p);
		if (!p) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		tests = p;
		captests = cap;
	}
	log_info("control", "relay test started box=%s channel=%d", g->cfg.boxes[box].id,
		 c->channel);
	struct relay_test *t = &tests[ntests++];
	memset(t, 0, sizeof *t);
	snprintf(t->box, sizeof t->box, "%s", g->cfg.boxes[box].id);
	t->channel = c->channel;
	t->fd = fd;
	t->steps = cJSON_CreateArray();
	t->phase = 1;
	c->reason = "commissioning:relay-test";
	c->under_test = true;
	test_log_start(g, t);
	test_step(g, t, c, DC_STATE_OFF);
	return 0;
}

static cJSON *relay_test(struct gw *g, int fd, const cJSON *req)
{
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(req, "box");
	const cJSON *ch = cJSON_GetObjectItemCaseSensitive(req, "channel");
	char err[128];
	int box;
	if (!cJSON_IsString(b) || (box = gw_config_box(&g->cfg, b->valuestring)) < 0)
		return error("box: unknown box");
	if (!cJSON_IsNumber(ch) || ch->valuedouble < 1 || ch->valuedouble > DC_MAX_CHANNELS ||
	    ch->valuedouble != (int)ch->valuedouble)
		return error("channel: not a channel of this box");
	if (gw_relay_test_start(g, box, ch->valueint, fd, err, sizeof err) < 0)
		return error(err);
	return NULL;	/* answered by gw_control_tests */
}

static void handle(struct gw *g, int fd, const char *line)
{
	cJSON *req = cJSON_Parse(line), *res = NULL;
	const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(req, "cmd");
	if (!cJSON_IsString(cmd)) {
		res = error("request: expected {\"cmd\":...}");
	} else if (!strcmp(cmd->valuestring, "status")) {
		res = status(g);
	} else if (!strcmp(cmd->valuestring, "boxes")) {
		res = boxes(g);
	} else if (!strcmp(cmd->valuestring, "alarms")) {
		res = alarms(g);
	} else if (!strcmp(cmd->valuestring, "reload")) {
		char err[512];
		if (gw_reload(g, err, sizeof err) < 0) {
			res = error(err);
		} else {
			res = cJSON_CreateObject();
			cJSON_AddBoolToObject(res, "ok", true);
		}
	} else if (!strcmp(cmd->valuestring, "relay-test")) {
		res = relay_test(g, fd, req);
		if (!res) {
			/* Keep the connection, stop reading from it. */
			epoll_ctl(g->epfd, EPOLL_CTL_DEL, fd, NULL);
			struct client *c = client_of(fd);
			if (c)
				c->fd = -1;
		}
	} else {
		res = error("cmd: unknown command");
	}
	cJSON_Delete(req);
	if (res)
		answer(g, fd, res);
}

void gw_control_client(struct gw *g, int fd)
{
	struct client *c = client_of(fd);
	if (!c) {
		drop(g, fd);
		return;
	}
	ssize_t n = read(fd, c->buf + c->len, sizeof c->buf - 1 - c->len);
	if (n <= 0) {
		if (n < 0 && errno == EAGAIN)
			return;
		drop(g, fd);
		return;
	}
	c->len += (size_t)n;
	c->buf[c->len] = '\0';
	char *nl = strchr(c->buf, '\n');
	if (!nl) {
		if (c->len >= sizeof c->buf - 1)
			answer(g, fd, error("request too long"));
		return;
	}
	*nl = '\0';
	handle(g, fd, c->buf);
}
