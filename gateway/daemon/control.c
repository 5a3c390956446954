/* control.c — the daemon's local API: a UNIX stream socket, one JSON request
 * line in, one JSON answer line out (like ntpctl <-> ntpd).  The decran CLI
 * and the dashboard (decran-web) use it for everything that touches live
 * relays, so the daemon stays the only one driving them and the only
 * writer of what they change.
 *
 * Each peer gets a role from its credentials as the kernel gives them
 * (SO_PEERCRED: uid, gid, and the uid's groups), mapped by gateway.json's
 * "control" section (peer_role below), and only the verbs of that role:
 *
 *   verb            role      request / answer
 *   status          readonly  counters, MQTT, the clock (now_ms, speed), the
 *                             rules file and the configuration's generation,
 *                             database queue, latency histogram, boxes by
 *                             state, alarms by kind
 *   boxes           readonly  every box, its channels and states
 *   alarms          readonly  alarms active now (kind, box, channel, at, message)
 *   tests           readonly  recent relay tests, newest first
 *   relay-test      web       {"box":B,"channel":N[,"dwell_s":S][,"wait":false][,"actor":U]}:
 *                             off, on, off with confirmation, each held S seconds
 *                             (relay_test.dwell_s, default 10) with a meter read
 *                             near its end; answers when done with the power of
 *                             each step and a verdict, or at once with "wait": false
 *   bind            web       {"screen":S,"box":B,"channel":N,"actor":U}
 *   unbind          web       {"screen":S,"actor":U}: the screen leaves its channel
 *   override-set    web       {"screen":S,"on":true|false,"until":T,"reason":R,"actor":U}
 *   override-clear  web       {"id":N,"actor":U}
 *   screens-changed web       the inventory was edited (decran screens ...):
 *                             the bound screens are read again, so the plan
 *                             and the boxes' fallbacks follow them now
 *   reload          admin     same as SIGHUP, answers with the outcome
 *
 * A verb outside the peer's role is answered {"ok":false,"error":...,
 * "denied":true} and logged with the peer's uid, pid and role.  A write the
 * database could not take now (another process holds it) answers "busy": true.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cJSON.h>
#include <sqlite3.h>

#include "audit.h"
#include "gw.h"
#include "gwlog.h"
#include "relaytest.h"
#include "loop.h"
#include "overrides.h"
#include "store.h"

#define MAX_CLIENTS 16
#define REQ_MAX 4096

static void on_listen(struct dc_loop *l, int fd, unsigned events, void *ud);
static void on_client(struct dc_loop *l, int fd, unsigned events, void *ud);

static struct client {
	int fd;
	enum gw_role role;
	uid_t uid;
	pid_t pid;
	size_t len;
	char buf[REQ_MAX];
} clients[MAX_CLIENTS];

/* The tests in progress: a handful at most, so they live here rather than
 * in every one of 10,000 channels (which only carry under_test).  A test
 * names its channel by box id so it survives a reload. */
struct relay_test {
	char box[DC_ID_MAX];
	int channel;
	int step;		/* 0 off, 1 on, 2 off */
	bool dwelling;		/* confirmed, holding the step */
	bool asked;		/* meter read requested: readings count from now */
	bool per_channel;	/* readings are the channel's own (a plug's meter) */
	int fd;			/* control client waiting for the result, -1 gone */
	int dwell_ms;
	int64_t step_start, confirm_ms, dwell_start, ask_at, deadline;	/* monotonic ms */
	struct dc_rt_step res[3];
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
	/* Bound under a temporary name and renamed once listening: the socket
	 * appears at its path only when a connect() there succeeds.  A client
	 * that waits for the file (decran-web, a unit's ExecStartPost, the
	 * tests) would otherwise meet ECONNREFUSED between bind and listen. */
	char suffix[24];
	snprintf(suffix, sizeof suffix, ".%ld", (long)getpid());
	size_t max = sizeof sa.sun_path - 1 - strlen(suffix);
	if (strlen(path) > max) {
		log_err("control", "socket path too long path=%s max=%zu", path, max);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path));	/* fits: checked above */
	memcpy(sa.sun_path + strlen(path), suffix, strlen(suffix) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	unlink(sa.sun_path);	/* left by a killed gateway with our pid */
	mode_t old = umask(0117);	/* owner and group only */
	int rc = fd < 0 ? -1 : bind(fd, (struct sockaddr *)&sa, sizeof sa);
	umask(old);
	if (rc == 0 && (listen(fd, 8) < 0 || rename(sa.sun_path, path) < 0)) {
		int e = errno;
		unlink(sa.sun_path);
		errno = e;
		rc = -1;
	}
	if (rc < 0) {
		/* A missing /run/decran: the service's RuntimeDirectory=, or
		 * control_socket in the configuration, provides it. */
		log_err("control", "cannot listen path=%s error=\"%s\"%s", path, strerror(errno),
			errno == ENOENT ? " hint=\"create its directory (systemd: RuntimeDirectory=decran)"
					  " or set control_socket\"" : "");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	dc_loop_add_fd(g->loop, fd, DC_READABLE, on_listen, g);
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
	dc_loop_del_fd(g->loop, fd);
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
		dc_loop_del_fd(g->loop, g->ctlfd);
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

/* Does `name` name the user, or one of its groups? */
static bool names_peer(const char *name, const char *user, char (*groups)[64], int ngroups)
{
	if (user && !strcmp(name, user))
		return true;
	for (int i = 0; i < ngroups; i++)
		if (!strcmp(name, groups[i]))
			return true;
	return false;
}

/* The role of a peer with these credentials: the most trusted role whose
 * list names its user or one of its groups (primary, or supplementary in
 * the group database); else admin for root and the gateway's own uid;
 * else readonly without a "control" section, nothing with one. */
static enum gw_role peer_role(const struct gw_config *cfg, uid_t uid, gid_t gid)
{
	char pwbuf[4096], grbuf[4096], names[32][64];
	struct passwd pw, *pp = NULL;
	gid_t gids[32];
	int ngids = 32, n = 0;
	getpwuid_r(uid, &pw, pwbuf, sizeof pwbuf, &pp);
	if (!pp || getgrouplist(pp->pw_name, gid, gids, &ngids) < 0) {
		gids[0] = gid;	/* an unknown uid, or more groups than we look at */
		ngids = pp ? 32 : 1;
	}
	for (int i = 0; i < ngids && n < 32; i++) {
		struct group gr, *gp = NULL;
		if (getgrgid_r(gids[i], &gr, grbuf, sizeof grbuf, &gp) == 0 && gp)
			snprintf(names[n++], sizeof names[0], "%s", gp->gr_name);
	}
	for (int r = GW_ROLE__COUNT - 1; r > GW_ROLE_NONE; r--)
		for (size_t i = 0; i < cfg->nctl_names[r]; i++)
			if (names_peer(cfg->ctl_names[r][i], pp ? pp->pw_name : NULL, names, n))
				return (enum gw_role)r;
	if (uid == 0 || uid == geteuid())
		return GW_ROLE_ADMIN;
	return cfg->ctl_set ? GW_ROLE_NONE : GW_ROLE_READONLY;
}

void gw_control_accept(struct gw *g)
{
	int fd = accept4(g->ctlfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct client *c;
	struct ucred cred;
	socklen_t cl = sizeof cred;
	if (fd < 0)
		return;
	if (!(c = client_of(-1))) {
		close(fd);	/* too many at once: the CLI retries */
		return;
	}
	/* The kernel's word, taken at connect: never a claim in the request. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0) {
		log_warn("control", "no peer credentials error=\"%s\"", strerror(errno));
		close(fd);
		return;
	}
	c->fd = fd;
	c->len = 0;
	c->uid = cred.uid;
	c->pid = cred.pid;
	c->role = peer_role(&g->cfg, cred.uid, cred.gid);
	if (dc_loop_add_fd(g->loop, fd, DC_READABLE, on_client, g) < 0) {
		log_err("control", "cannot watch a client error=\"%s\"", strerror(errno));
		close(fd);
		c->fd = -1;
	}
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
		if (bs->last_seen_ms)	/* monotonic: as an age, whatever the clock */
			cJSON_AddNumberToObject(o, "last_seen_ago_s",
						(double)((gw_mono() - bs->last_seen_ms) / 1000));
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
			if (c->rc.confirmed_at)	/* monotonic, like last_seen */
				cJSON_AddNumberToObject(co, "confirmed_ago_s",
							(double)((gw_mono() - c->rc.confirmed_at) / 1000));
			if (c->has_power)
				cJSON_AddNumberToObject(co, "power_w", c->power_w);
			cJSON_AddItemToArray(chs, co);
		}
		cJSON_AddItemToArray(arr, o);
	}
	return j;
}

static int alarm_raised(struct gw *g, const char *kind, const char *box, int channel, int64_t *at,
			char *msg, size_t msglen);

/* Alarms active now, each dated by its last "raised" event and with that
 * event's message when the database has it (not yet, while it is busy). */
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
		const char *box = gw_alarm_box_id(g, v[i].box);
		int64_t at = 0;
		char msg[160] = "";
		cJSON_AddStringToObject(o, "kind", v[i].kind);
		cJSON_AddStringToObject(o, "box", box);
		cJSON_AddNumberToObject(o, "channel", v[i].channel);
		if (g->store && alarm_raised(g, v[i].kind, box, v[i].channel, &at, msg,
						sizeof msg) == 1) {
			cJSON_AddNumberToObject(o, "at", (double)at);
			cJSON_AddStringToObject(o, "message", msg);
		}
		cJSON_AddItemToArray(arr, o);
	}
	free(v);
	return j;
}

static cJSON *tests_list(struct gw *g)
{
	cJSON *j = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(j, "tests");
	cJSON_AddBoolToObject(j, "ok", true);
	for (size_t i = 0; i < g->ntests; i++) {
		const struct gw_relay_test *t = &g->tests[i];
		cJSON *o = cJSON_CreateObject(), *ms = cJSON_AddArrayToObject(o, "step_ms");
		cJSON *pw = cJSON_AddArrayToObject(o, "power_w");
		cJSON_AddStringToObject(o, "box", t->box);
		cJSON_AddNumberToObject(o, "channel", t->channel);
		cJSON_AddNumberToObject(o, "at", (double)t->at);
		cJSON_AddStringToObject(o, "result", t->result > 0 ? "passed"
						     : t->result < 0 ? "failed" : "running");
		/* power_w[k]: step k's reading, null when none came. */
		for (int k = 0; k < t->nsteps && k < 3; k++) {
			cJSON_AddItemToArray(ms, cJSON_CreateNumber(t->step_ms[k]));
			cJSON_AddItemToArray(pw, t->has_w[k] ? cJSON_CreateNumber(t->w[k])
							     : cJSON_CreateNull());
		}
		if (*t->verdict) {
			cJSON_AddStringToObject(o, "verdict", t->verdict);
			cJSON_AddStringToObject(o, "why", t->why);
		}
		cJSON_AddItemToArray(arr, o);
	}
	return j;
}

static cJSON *status(struct gw *g)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddBoolToObject(j, "ok", true);
	cJSON_AddBoolToObject(j, "mqtt", g->mqtt_up);
	cJSON_AddBoolToObject(j, "settled", g->settled);	/* retained states read */
	cJSON_AddNumberToObject(j, "boxes", (double)g->cfg.nboxes);
	cJSON_AddNumberToObject(j, "channels", (double)g->nchans);
	cJSON_AddNumberToObject(j, "screens", (double)g->nbound);
	cJSON_AddNumberToObject(j, "commands_sent", (double)g->commands_sent);
	cJSON_AddNumberToObject(j, "confirmations", (double)g->confirmations);
	cJSON_AddNumberToObject(j, "malformed", (double)g->malformed);
	cJSON_AddNumberToObject(j, "timer_wakeups", (double)dc_loop_timer_wakeups(g->loop));
	cJSON_AddNumberToObject(j, "now", (double)gw_now(g));
	/* The clock, for a client that follows it between requests (the
	 * dashboard, benchmarks timing edges): virtual UTC ms now, and virtual ms per real ms. */
	cJSON_AddNumberToObject(j, "now_ms", (double)gw_now_ms(g));
	cJSON_AddNumberToObject(j, "speed", g->clock.virtual_time ? g->clock.speed : 1.0);
	cJSON_AddBoolToObject(j, "clock_trusted", g->clock_trusted);
	if (g->next_edge != INT64_MAX)
		cJSON_AddNumberToObject(j, "next_transition", (double)g->next_edge);
	/* The rules in force: their file, and a number that changes at every
	 * successful reload (then re-read it). */
	cJSON_AddStringToObject(j, "rules", g->cfg.rules_path);
	cJSON_AddNumberToObject(j, "generation", (double)g->generation);
	size_t pending, online[3] = { 0 };
	uint64_t written, busy;
	gw_audit_stats(g, &pending, &written, &busy);
	cJSON *db = cJSON_AddObjectToObject(j, "db");
	cJSON_AddNumberToObject(db, "pending", (double)pending);
	cJSON_AddNumberToObject(db, "written", (double)written);
	cJSON_AddNumberToObject(db, "busy", (double)busy);
	for (size_t i = 0; i < g->cfg.nboxes; i++)
		online[g->boxes[i].online + 1]++;
	cJSON *bs = cJSON_AddObjectToObject(j, "boxes_by_state");
	cJSON_AddNumberToObject(bs, "online", (double)online[2]);
	cJSON_AddNumberToObject(bs, "offline", (double)online[1]);
	cJSON_AddNumberToObject(bs, "unknown", (double)online[0]);
	/* Confirmation latency: bucket bounds and counts (not cumulative). */
	cJSON *lat = cJSON_AddObjectToObject(j, "confirm_latency");
	cJSON *lb = cJSON_AddArrayToObject(lat, "bounds_ms"), *lc = cJSON_AddArrayToObject(lat, "counts");
	for (size_t i = 0; i <= GW_LATENCY_BUCKETS; i++) {
		if (i < GW_LATENCY_BUCKETS)
			cJSON_AddItemToArray(lb, cJSON_CreateNumber((double)gw_latency_bounds_ms[i]));
		cJSON_AddItemToArray(lc, cJSON_CreateNumber((double)g->latency.count[i]));
	}
	cJSON_AddNumberToObject(lat, "sum_ms", (double)g->latency.sum_ms);
	static const char *const kinds[] = { "offline", "unconfirmed", "compliance", "meter",
					     "database", "stuck", "safe_on_advertising" };
	struct gw_alarm_ref *flags = calloc(gw_alarms_max(g), sizeof *flags);
	size_t k = flags ? gw_alarms_active(g, flags) : 0;
	cJSON *ak = cJSON_AddObjectToObject(j, "alarms_by_kind");
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		size_t count = 0;
		for (size_t a = 0; a < k; a++)
			count += !strcmp(flags[a].kind, kinds[i]);
		cJSON_AddNumberToObject(ak, kinds[i], (double)count);
	}
	free(flags);
	return j;
}

/* ---- relay test: off, on, off, each held for a dwell a person can watch ---- */

/* Time given a meter to answer a read-now request after the dwell. */
#define TEST_METER_GRACE_MS 3000

static struct gw_chan *test_chan(struct gw *g, const struct relay_test *t)
{
	int b = gw_config_box(&g->cfg, t->box);
	if (b < 0 || t->channel > g->cfg.boxes[b].channels)
		return NULL;
	return &g->chans[g->boxes[b].chan0 + (size_t)t->channel - 1];
}

static const int test_values[3] = { DC_STATE_OFF, DC_STATE_ON, DC_STATE_OFF };

/* The longest a step can last: its confirmation, its dwell, a late meter. */
static int64_t step_max_ms(const struct gw *g, int dwell_ms)
{
	return (int64_t)g->cfg.confirm_timeout_ms + dwell_ms + TEST_METER_GRACE_MS;
}

/* The "on" step is about to go out: the legal night may have come closer
 * than when the test started (a slow first step, the clock set forward).
 * The screen is lit until the last "off" is confirmed. */
static bool night_before_lit_ends(struct gw *g, const struct relay_test *t,
				  const struct gw_chan *c)
{
	return gw_plan_legal_night_within(g, c, (step_max_ms(g, t->dwell_ms) +
						 g->cfg.confirm_timeout_ms + 999) / 1000);
}

static void test_step(struct gw *g, struct relay_test *t, struct gw_chan *c)
{
	int64_t mono = gw_mono();
	t->step_start = mono;
	t->deadline = mono + g->cfg.confirm_timeout_ms;
	t->dwelling = false;
	dc_recon_set_desired(&c->rc, test_values[t->step]);
	/* Force a fresh command even if the relay already reports that state,
	 * so the test proves the relay obeys. */
	c->rc.confirmed = DC_STATE_UNKNOWN;
	gw_chan_step(g, c, mono);
}

/* The desk's record of the test t (the newest running entry for it). */
static struct gw_relay_test *test_log(struct gw *g, const struct relay_test *t)
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
	g->tests[0] = (struct gw_relay_test){ .channel = t->channel, .at = gw_now(g) };
	snprintf(g->tests[0].box, sizeof g->tests[0].box, "%s", t->box);
}

/* The screens' declared power on the channel (power_on_w summed), 0 unknown. */
static double declared_power(struct gw *g, const struct gw_chan *c)
{
	double w = 0;
	for (uint32_t i = 0; g->store && i < c->nscreens; i++) {
		struct dc_screen s;
		if (dc_store_get_screen(g->store, c->screens[i].id, &s) == 1 && s.power_on_w > 0)
			w += s.power_on_w;
	}
	return w;
}

/* Answers and forgets tests[i] (the last test takes its place). */
static void test_finish(struct gw *g, size_t i, struct gw_chan *c, const char *error_msg)
{
	struct relay_test *t = &tests[i];
	struct gw_relay_test *log = test_log(g, t);
	char why[200] = "";
	double declared = c ? declared_power(g, c) : 0;
	enum dc_rt_verdict v = DC_RT_FAIL;
	if (!error_msg)
		v = dc_relay_test_verdict(t->res, declared, g->cfg.meter_off_threshold_w,
					  t->per_channel, why, sizeof why);
	bool ok = v != DC_RT_FAIL;
	if (log) {
		log->result = ok ? 1 : -1;
		snprintf(log->verdict, sizeof log->verdict, "%s", dc_rt_verdict_name(v));
		snprintf(log->why, sizeof log->why, "%s", error_msg ? error_msg : why);
	}
	cJSON *j = cJSON_CreateObject();
	cJSON_AddBoolToObject(j, "ok", ok);
	cJSON_AddStringToObject(j, "box", t->box);
	cJSON_AddNumberToObject(j, "channel", t->channel);
	cJSON_AddNumberToObject(j, "dwell_ms", (double)t->dwell_ms);
	if (error_msg)
		cJSON_AddStringToObject(j, "error", error_msg);
	cJSON_AddStringToObject(j, "verdict", dc_rt_verdict_name(v));
	if (*why)
		cJSON_AddStringToObject(j, "why", why);
	if (declared > 0)
		cJSON_AddNumberToObject(j, "declared_w", declared);
	cJSON_AddNumberToObject(j, "threshold_w", g->cfg.meter_off_threshold_w);
	cJSON_AddItemToObject(j, "steps", t->steps);
	if (c)
		c->under_test = false;
	int fd = t->fd;
	log_info("control", "relay test %s box=%s channel=%d verdict=%s why=\"%s\"",
		 ok ? "passed" : "failed", t->box, t->channel, dc_rt_verdict_name(v),
		 error_msg ? error_msg : why);
	*t = tests[--ntests];
	answer(g, fd, j);
	g->dirty = true;	/* the schedule takes the channel back */
}

void gw_control_power(struct gw *g, int box, int channel, double w)
{
	for (size_t i = 0; i < ntests; i++) {
		struct relay_test *t = &tests[i];
		/* A reading counts only once asked for, late in the step's dwell:
		 * one taken before the switch would lie about it. */
		if (!t->dwelling || !t->asked || strcmp(t->box, g->cfg.boxes[box].id) ||
		    (channel && channel != t->channel))
			continue;
		/* A per-channel meter (plug) wins over a whole-box one. */
		if (channel || g->cfg.boxes[box].channels == 1)
			t->per_channel = true;
		else if (t->per_channel)
			continue;
		t->res[t->step].has_w = true;
		t->res[t->step].w = w;
	}
}

/* The end of a step: its result, then the next step or the verdict. */
static void test_step_done(struct gw *g, size_t i, struct gw_chan *c, int64_t mono)
{
	struct relay_test *t = &tests[i];
	struct dc_rt_step *r = &t->res[t->step];
	cJSON *st = cJSON_CreateObject();
	cJSON_AddStringToObject(st, "to", state_name(test_values[t->step]));
	cJSON_AddBoolToObject(st, "confirmed", r->confirmed);
	cJSON_AddNumberToObject(st, "ms", (double)t->confirm_ms);
	cJSON_AddNumberToObject(st, "dwell_ms", (double)(r->confirmed ? mono - t->dwell_start : 0));
	if (r->has_w)
		cJSON_AddNumberToObject(st, "power_w", r->w);
	cJSON_AddItemToArray(t->steps, st);
	struct gw_relay_test *log = test_log(g, t);
	if (log && r->confirmed && log->nsteps < 3) {
		log->has_w[log->nsteps] = r->has_w;
		log->w[log->nsteps] = r->w;
		log->step_ms[log->nsteps++] = (int)t->confirm_ms;
	}
	if (!r->confirmed) {
		test_finish(g, i, c, "not confirmed");
		return;
	}
	if (t->step == 2) {
		test_finish(g, i, c, NULL);
		return;
	}
	t->step++;
	if (t->step == 1 && night_before_lit_ends(g, t, c)) {
		test_finish(g, i, c, "stopped before lighting: the legal night (R581-35, "
			    "01:00-06:00) would begin before the test ends");
		return;
	}
	test_step(g, t, c);
}

/* Asked a device that has a meter for a reading, and none came yet. */
static bool test_waits_meter(const struct gw *g, const struct relay_test *t,
			     const struct gw_chan *c)
{
	const struct gw_boxstate *b = &g->boxes[c->box];
	/* A native box answers "tele/get" at once, with or without a meter:
	 * until it has said it has none, its answer is worth the wait (the
	 * first test may come before any telemetry). */
	bool may_measure = c->has_power || b->has_power ||
			   (g->cfg.boxes[c->box].driver == GW_DRV_NATIVE && !b->no_meter);
	return t->dwelling && t->asked && !t->res[t->step].has_w && may_measure;
}

/* Called by the loop after every event and on the timer. */
void gw_control_tests(struct gw *g)
{
	int64_t mono = gw_mono();
	for (size_t i = ntests; i-- > 0;) {
		struct relay_test *t = &tests[i];
		struct gw_chan *c = test_chan(g, t);
		if (!c) {
			test_finish(g, i, NULL, "channel removed by a reload");
			continue;
		}
		/* Lit, and the night has come (the clock was set forward):
		 * the schedule takes the channel back at once. */
		if (t->step == 1 && gw_plan_legal_night(g, c)) {
			test_finish(g, i, c, "stopped: the legal night (R581-35, 01:00-06:00) "
				    "began during the test");
			continue;
		}
		if (!t->dwelling) {
			bool done = c->rc.confirmed == c->rc.desired;
			if (!done && mono < t->deadline)
				continue;
			t->confirm_ms = mono - t->step_start;
			t->res[t->step].confirmed = done;
			if (!done) {
				test_step_done(g, i, c, mono);
				continue;
			}
			/* Hold the step so a person sees the screen, and ask the
			 * meter halfway (an LCD takes seconds to draw its load).
			 * With no dwell, the meter is asked at once and the step
			 * waits for its answer (TEST_METER_GRACE_MS at most). */
			t->dwelling = true;
			t->asked = false;
			t->dwell_start = mono;
			t->ask_at = mono + t->dwell_ms / 2;
			t->deadline = mono + t->dwell_ms;
		}
		if (!t->asked && mono >= t->ask_at) {
			/* Modbus meters cannot be asked: their next poll counts. */
			t->asked = true;
			gw_chan_read_meter(g, c);
		}
		if (mono < t->deadline)
			continue;
		/* Asked a meter that has not answered yet: a little longer. */
		if (test_waits_meter(g, t, c) && mono < t->deadline + TEST_METER_GRACE_MS)
			continue;
		test_step_done(g, i, c, mono);
	}
}

static int64_t test_wake(const struct gw *g, const struct relay_test *t)
{
	const struct gw_chan *c = test_chan((struct gw *)g, t);
	if (t->dwelling && !t->asked)
		return t->ask_at;
	if (c && test_waits_meter(g, t, c))
		return t->deadline + TEST_METER_GRACE_MS;	/* or when it answers */
	return t->deadline;
}

int64_t gw_control_next(const struct gw *g)
{
	int64_t w = INT64_MAX;
	for (size_t i = 0; i < ntests; i++)
		if (test_wake(g, &tests[i]) < w)
			w = test_wake(g, &tests[i]);
	return w;
}

bool gw_chan_under_test(const struct gw_chan *c)
{
	return c->under_test;
}

int gw_relay_test_start(struct gw *g, int box, int channel, int dwell_ms, int fd, char *err,
			size_t errlen)
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
	if (gw_plan_clock_holds_off(g, c)) {
		snprintf(err, errlen, "refused: the clock is not synchronised (no NTP): an advertising "
			 "screen on this channel is held off until it is");
		return -1;
	}
	if (dwell_ms < 0)
		dwell_ms = g->cfg.relay_test_dwell_s * 1000;
	/* The test holds the channel on for its dwell: never an advertising
	 * screen the legal night rule keeps dark, whoever asks, now or before
	 * the test could end (one started at 00:59 would light it at 01:00). */
	if (gw_plan_legal_night_within(g, c, (2 * step_max_ms(g, dwell_ms) +
					      g->cfg.confirm_timeout_ms + 999) / 1000)) {
		snprintf(err, errlen, "refused: an advertising screen on this channel must stay off "
			 "now or before the test would end (R581-35, 01:00-06:00); test it outside "
			 "those hours");
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
	log_info("control", "relay test started box=%s channel=%d dwell_ms=%d",
		 g->cfg.boxes[box].id, c->channel, dwell_ms);
	struct relay_test *t = &tests[ntests++];
	memset(t, 0, sizeof *t);
	snprintf(t->box, sizeof t->box, "%s", g->cfg.boxes[box].id);
	t->channel = c->channel;
	t->fd = fd;
	t->steps = cJSON_CreateArray();
	t->dwell_ms = dwell_ms;
	c->reason = "commissioning:relay-test";
	c->under_test = true;
	test_log_start(g, t);
	test_step(g, t, c);
	return 0;
}

/* The newest "raised" event of an active alarm: 1 found (at, message), 0 not
 * (yet: written through the queue), -1 error. */
static int alarm_raised(struct gw *g, const char *kind, const char *box, int channel, int64_t *at,
			char *msg, size_t msglen)
{
	sqlite3_stmt *st = NULL;
	int found = -1;
	if (sqlite3_prepare_v2(dc_store_db(g->store),
			       "SELECT CAST(strftime('%s', max(at)) AS INTEGER), message"
			       " FROM alarm_events WHERE active = 1 AND kind = ?1 AND box = ?2"
			       " AND coalesce(channel, 0) = ?3", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, box, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, channel);
	if (sqlite3_step(st) == SQLITE_ROW) {
		found = sqlite3_column_type(st, 0) != SQLITE_NULL;
		*at = sqlite3_column_int64(st, 0);
		snprintf(msg, msglen, "%s", sqlite3_column_text(st, 1) ? (const char *)sqlite3_column_text(st, 1) : "");
	}
	sqlite3_finalize(st);
	return found;
}

/* ---- requests ---- */

struct request {
	struct gw *g;
	struct client *c;
	int fd;
	const cJSON *req;
	char actor[64];		/* who asked, for the audit trail and the log */
};

/* A user name as the dashboard's accounts have them: [A-Za-z0-9._-]. */
static bool actor_ok(const char *s)
{
	size_t n = strlen(s);
	return n >= 1 && n <= 40 && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					    "0123456789._-") == n;
}

static const char *str_field(const cJSON *req, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(req, key));
}

/* An integer field within [min, max], else INT64_MIN. */
static int64_t int_field(const cJSON *req, const char *key, int64_t min, int64_t max)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, key);
	if (!cJSON_IsNumber(v) || v->valuedouble != (double)(int64_t)v->valuedouble ||
	    v->valuedouble < (double)min || v->valuedouble > (double)max)
		return INT64_MIN;
	return (int64_t)v->valuedouble;
}

static cJSON *ok_answer(void)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddBoolToObject(j, "ok", true);
	return j;
}

/* A refused write: busy (another process holds the database) says so. */
static cJSON *store_error(struct gw *g, const char *msg)
{
	cJSON *j = error(msg);
	if (dc_store_busy(g->store))
		cJSON_AddBoolToObject(j, "busy", true);
	return j;
}

static cJSON *v_status(struct request *q) { return status(q->g); }
static cJSON *v_boxes(struct request *q) { return boxes(q->g); }
static cJSON *v_alarms(struct request *q) { return alarms(q->g); }
static cJSON *v_tests(struct request *q) { return tests_list(q->g); }

static cJSON *v_reload(struct request *q)
{
	char err[512];
	if (gw_reload(q->g, err, sizeof err) < 0)
		return error(err);
	return ok_answer();
}

static cJSON *v_relay_test(struct request *q)
{
	struct gw *g = q->g;
	const char *b = str_field(q->req, "box");
	int64_t ch = int_field(q->req, "channel", 1, DC_MAX_CHANNELS);
	const cJSON *wait = cJSON_GetObjectItemCaseSensitive(q->req, "wait");
	char err[128];
	int box;
	if (!b || (box = gw_config_box(&g->cfg, b)) < 0)
		return error("box: unknown box");
	if (ch == INT64_MIN)
		return error("channel: not a channel of this box");
	if (wait && !cJSON_IsBool(wait))
		return error("wait: expected true or false");
	int dwell_ms = -1;	/* the configuration's */
	const cJSON *dw = cJSON_GetObjectItemCaseSensitive(q->req, "dwell_s");
	if (dw) {
		if (!cJSON_IsNumber(dw) || !(dw->valuedouble >= 0 && dw->valuedouble <= 600))
			return error("dwell_s: expected a number of seconds from 0 to 600");
		dwell_ms = (int)(dw->valuedouble * 1000);
	}
	bool detach = cJSON_IsFalse(wait);
	if (gw_relay_test_start(g, box, (int)ch, dwell_ms, detach ? -1 : q->fd, err, sizeof err) < 0)
		return error(err);
	log_info("control", "relay test requested box=%s channel=%d by=%s", b, (int)ch, q->actor);
	if (detach)
		return ok_answer();	/* followed through "tests" */
	/* Keep the connection, stop reading from it: gw_control_tests answers. */
	dc_loop_del_fd(g->loop, q->fd);
	q->c->fd = -1;
	return NULL;
}

/* bind and unbind: one write, then the plan and the boxes' fallbacks follow
 * the new wiring at once.  box "" = unbound. */
static cJSON *rebind(struct request *q, const char *screen, const char *box, int ch)
{
	struct gw *g = q->g;
	char err[256];
	int found = dc_store_bind_screen(g->store, screen, box, ch, q->actor, NULL);
	if (found <= 0)
		return found < 0 ? store_error(g, dc_store_errmsg(g->store))
				 : error("screen: unknown screen");
	log_info("control", "%s screen=%s box=%s channel=%d by=%s", *box ? "bound" : "unbound",
		 screen, box, ch, q->actor);
	if (gw_plan_bind(g, false, err, sizeof err) < 0)	/* marks plan and fallbacks dirty */
		return error(err);
	return ok_answer();
}

/* Only reads the database's own truth again, but the whole binding is
 * rebuilt and the fallbacks pushed: not for any reader. */
static cJSON *v_screens_changed(struct request *q)
{
	char err[256];
	if (gw_plan_bind(q->g, false, err, sizeof err) < 0)	/* marks plan and fallbacks dirty */
		return store_error(q->g, err);
	log_info("control", "screens read again by=%s", q->actor);
	return ok_answer();
}

static cJSON *v_bind(struct request *q)
{
	struct gw *g = q->g;
	const char *screen = str_field(q->req, "screen"), *box = str_field(q->req, "box");
	int64_t ch = int_field(q->req, "channel", 1, DC_MAX_CHANNELS);
	int b = box ? gw_config_box(&g->cfg, box) : -1;
	if (!screen || !dc_slug_valid(screen))
		return error("screen: expected a screen id");
	if (b < 0)
		return error("box: unknown box");
	if (ch == INT64_MIN || ch > g->cfg.boxes[b].channels)
		return error("channel: not a channel of this box");
	return rebind(q, screen, box, (int)ch);
}

static cJSON *v_unbind(struct request *q)
{
	const char *screen = str_field(q->req, "screen");
	if (!screen || !dc_slug_valid(screen))
		return error("screen: expected a screen id");
	return rebind(q, screen, "", 0);
}

/* After an override written here: the gateway applies it at once. */
static cJSON *inputs_changed(struct gw *g, const char *what)
{
	char err[256];
	if (gw_plan_load_inputs(g, err, sizeof err) < 0)
		log_err("control", "cannot reload overrides after a change what=%s error=\"%s\"",
			what, err);
	g->dirty = true;
	return ok_answer();
}

static cJSON *v_override_set(struct request *q)
{
	struct gw *g = q->g;
	const char *screen = str_field(q->req, "screen"), *reason = str_field(q->req, "reason");
	const cJSON *on = cJSON_GetObjectItemCaseSensitive(q->req, "on");
	int64_t now = gw_now(g), until = int_field(q->req, "until", now + 1, now + 366 * 86400);
	char err[256];
	int64_t id;
	if (!screen || !dc_slug_valid(screen))
		return error("screen: expected a screen id");
	if (!cJSON_IsBool(on))
		return error("on: expected true or false");
	if (until == INT64_MIN)
		return error("until: expected a future instant (Unix seconds)");
	if (!reason || strlen(reason) < 3 || strlen(reason) > 200)
		return error("reason: expected a text of 3 to 200 characters");
	struct dc_override o = { .kind = cJSON_IsTrue(on) ? DC_FORCE_ON : DC_FORCE_OFF,
				 .from = now, .until = until };
	snprintf(o.screen, sizeof o.screen, "%s", screen);
	snprintf(o.author, sizeof o.author, "%s", q->actor);
	snprintf(o.reason, sizeof o.reason, "%s", reason);
	if (gw_override_add(g->store, &o, now, &id, err, sizeof err) < 0)
		return store_error(g, err);
	log_info("control", "override set id=%lld screen=%s state=%s by=%s", (long long)id, screen,
		 cJSON_IsTrue(on) ? "on" : "off", q->actor);
	cJSON *j = inputs_changed(g, "override");
	cJSON_AddNumberToObject(j, "id", (double)id);
	return j;
}

static cJSON *v_override_clear(struct request *q)
{
	struct gw *g = q->g;
	int64_t id = int_field(q->req, "id", 1, INT64_MAX / 2);
	char err[256];
	int count = 0;
	if (id == INT64_MIN)
		return error("id: expected an override id");
	if (gw_override_clear(g->store, id, NULL, q->actor, gw_now(g), &count, err, sizeof err) < 0)
		return store_error(g, err);
	if (!count)
		return error("id: this override is no longer in force");
	log_info("control", "override cleared id=%lld by=%s", (long long)id, q->actor);
	return inputs_changed(g, "cleared");
}

/* The verb table: what each role may ask.  A role may use every verb of
 * the roles below it. */
static const struct verb {
	const char *name;
	enum gw_role role;
	cJSON *(*fn)(struct request *q);
} verbs[] = {
	{ "status", GW_ROLE_READONLY, v_status },
	{ "boxes", GW_ROLE_READONLY, v_boxes },
	{ "alarms", GW_ROLE_READONLY, v_alarms },
	{ "tests", GW_ROLE_READONLY, v_tests },
	{ "screens-changed", GW_ROLE_WEB, v_screens_changed },
	{ "relay-test", GW_ROLE_WEB, v_relay_test },
	{ "bind", GW_ROLE_WEB, v_bind },
	{ "unbind", GW_ROLE_WEB, v_unbind },
	{ "override-set", GW_ROLE_WEB, v_override_set },
	{ "override-clear", GW_ROLE_WEB, v_override_clear },
	{ "reload", GW_ROLE_ADMIN, v_reload },
};

static void handle(struct gw *g, struct client *c, const char *line)
{
	int fd = c->fd;
	cJSON *req = cJSON_Parse(line), *res = NULL;
	const char *cmd = str_field(req, "cmd"), *actor = str_field(req, "actor");
	const struct verb *v = NULL;
	for (size_t i = 0; cmd && i < sizeof verbs / sizeof verbs[0]; i++)
		if (!strcmp(cmd, verbs[i].name))
			v = &verbs[i];
	if (!cJSON_IsObject(req) || !cmd) {
		res = error("request: expected {\"cmd\":...}");
	} else if (!v) {
		res = error("cmd: unknown command");
	} else if (c->role < v->role) {
		log_warn("control", "denied cmd=%s role=%s uid=%u pid=%d", cmd,
			 gw_role_name(c->role), (unsigned)c->uid, (int)c->pid);
		char msg[160];
		snprintf(msg, sizeof msg, "cmd: \"%s\" needs the %s role; this client (uid %u) has %s",
			 cmd, gw_role_name(v->role), (unsigned)c->uid, gw_role_name(c->role));
		res = error(msg);
		cJSON_AddBoolToObject(res, "denied", true);
	} else {
		struct request q = { .g = g, .c = c, .fd = fd, .req = req };
		/* The named user when the peer says (the dashboard's logged-in
		 * user), always with the peer's role and uid beside it. */
		if (actor && actor_ok(actor))
			snprintf(q.actor, sizeof q.actor, "%s", actor);
		else
			snprintf(q.actor, sizeof q.actor, "%s:uid%u", gw_role_name(c->role),
				 (unsigned)c->uid);
		res = v->fn(&q);
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
	handle(g, c, c->buf);
}

static void on_listen(struct dc_loop *l, int fd, unsigned events, void *ud)
{
	(void)l, (void)fd, (void)events;
	gw_control_accept(ud);
}

static void on_client(struct dc_loop *l, int fd, unsigned events, void *ud)
{
	(void)l, (void)events;
	gw_control_client(ud, fd);
}
