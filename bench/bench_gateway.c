/* bench_gateway.c — edge -> every confirmation recorded, against a floor.
 *
 * For each fleet size (1,000, 10,000, 100,000 screens; BENCH_SIZES to pick,
 * e.g. "1000,10000"), on 8-channel boxes (BENCH_CHANNELS=1: one smart plug
 * per screen), half decran-relay boxes (native protocol), half Tasmota
 * devices:
 *   - a private mosquitto, and the fleet emulated in ANOTHER process
 *     (tests/helpers/fleet_emu: one MQTT client, it executes each command and
 *     reports the state as the devices do);
 *   - BENCH_ROUNDS rounds (3 by default), each alternating
 *       floor    a bare C libmosquitto publisher, same QoS as the gateway's
 *                commands, sends every "off" and stops its clock when it has
 *                received every device's report of it;
 *       gateway  decran-gateway on a fresh copy of the database, started on
 *                a test clock before 22:00 in Paris and settled (control
 *                socket "settled") before the edge; its clock runs from the
 *                22:00 edge to the last "confirmed" outcome COMMITTED in the
 *                database (polled every 2 ms by this process, the only
 *                extra load);
 *   - one more gateway round under strace (not timed): fdatasync/fsync per
 *     confirmation.
 * Printed: medians and ranges, the gateway's CPU for the burst (edge to all
 * recorded), its peak RSS (VmHWM), the load average before and after (the
 * machine may be shared: figures under load are slower for both sides), and
 * PASS/FAIL against the targets of issue 18.  Run from the top directory
 * (bench/run.sh does).
 */
#include <errno.h>
#include <limits.h>
#include <mosquitto.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "daemon/gw.h"	/* GW_WINDOW_COMMANDS: the floor's window */
#include "drv_native.h"
#include "drv_tasmota.h"
#include "store.h"

#define MAX_ROUNDS 15
#define QOS 1

static char dir[64], cwd[PATH_MAX];
static int port, nnative, ntasmota, nscreens;
/* Channels per box: 8 (a decran-relay box, a 4- or 8-relay Tasmota), or 1
 * for one smart plug per screen (BENCH_CHANNELS=1: twelve times the boxes
 * for the same screens). */
static int nch = 8;
/* The floor's messages in flight: the gateway's window; BENCH_WINDOW when
 * benchmarking a build (BENCH_GATEWAY) that has another. */
static int floor_window = GW_WINDOW_COMMANDS;

/* ---- the emulated fleet: another process ---- */

static pid_t emu_pid;
static FILE *emu_in, *emu_out;

static int emu_start(void)
{
	int in[2], out[2];
	char bin[PATH_MAX + 64], a[5][16];
	if (pipe(in) < 0 || pipe(out) < 0)
		return -1;
	snprintf(bin, sizeof bin, "%s/%s/tests/helpers/fleet_emu", cwd,
		 getenv("B") ? getenv("B") : "build");
	snprintf(a[0], sizeof a[0], "%d", port);
	snprintf(a[1], sizeof a[1], "%d", nnative);
	snprintf(a[2], sizeof a[2], "%d", ntasmota);
	snprintf(a[3], sizeof a[3], "%d", QOS);
	snprintf(a[4], sizeof a[4], "%d", nch);
	emu_pid = fork();
	if (emu_pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execl(bin, "fleet_emu", "--port", a[0], "--native", a[1], "--tasmota", a[2],
		      "--qos", a[3], "--channels", a[4], "--prefix", "b", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	emu_in = fdopen(in[1], "w");
	emu_out = fdopen(out[0], "r");
	char line[64];
	if (!fgets(line, sizeof line, emu_out) || strncmp(line, "ready", 5)) {
		fprintf(stderr, "bench: fleet_emu did not start (%s)\n", bin);
		return -1;
	}
	return 0;
}

static void emu_stop(void)
{
	fclose(emu_in);
	waitpid(emu_pid, NULL, 0);
	fclose(emu_out);
}

/* ---- the floor: a bare publisher that waits for every report ---- */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long reports;
static int want_on = -1;	/* -1: not counting */

static void floor_message(struct mosquitto *m, void *ud, const struct mosquitto_message *msg)
{
	const char *p = msg->payload ? msg->payload : "";
	int on = -1;
	(void)m;
	(void)ud;
	if (msg->retain)
		return;
	if (!strncmp(msg->topic, "decran/", 7))
		on = strstr(p, "\"on\":true") ? 1 : 0;
	else if (!strncmp(msg->topic, "stat/", 5) && strstr(msg->topic, "/POWER"))
		on = msg->payloadlen == 2;
	pthread_mutex_lock(&mu);
	if (on >= 0 && on == want_on && ++reports == nscreens)
		pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
}

static struct mosquitto *floor_client;
static int floor_acks;	/* CONNACK, SUBACK or UNSUBACK awaited */

static void floor_acked(void)
{
	pthread_mutex_lock(&mu);
	floor_acks = 0;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
}

static void floor_connect(struct mosquitto *m, void *ud, int rc)
{
	(void)m;
	(void)ud;
	if (!rc)
		floor_acked();
}

static void floor_subscribe(struct mosquitto *m, void *ud, int mid, int n, const int *granted)
{
	(void)m, (void)ud, (void)mid, (void)n, (void)granted;
	floor_acked();
}

static void floor_unsubscribe(struct mosquitto *m, void *ud, int mid)
{
	(void)m, (void)ud, (void)mid;
	floor_acked();
}

/* Until the broker has answered (10 s at most); 0 when it has. */
static int floor_wait_ack(void)
{
	struct timespec dl;
	int rc = 0;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 10;
	pthread_mutex_lock(&mu);
	while (floor_acks && rc == 0)
		rc = pthread_cond_timedwait(&cv, &mu, &dl);
	pthread_mutex_unlock(&mu);
	return rc;
}

/* The floor listens to the devices during its own rounds only: subscribed
 * through the gateway's, it made the broker deliver every report twice
 * there (a third more broker work than in the floor's rounds, measured with
 * /proc/<broker>/io), and the gateway's rounds paid for it. */
static int floor_listen(bool on)
{
	char *subs[] = { "decran/+/state/+", "stat/+/+" };
	pthread_mutex_lock(&mu);
	floor_acks = 1;
	pthread_mutex_unlock(&mu);
	if (on)
		mosquitto_subscribe_multiple(floor_client, NULL, 2, subs, QOS, 0, NULL);
	else
		mosquitto_unsubscribe_multiple(floor_client, NULL, 2, subs, NULL);
	int rc = floor_wait_ack();
	if (rc)
		fprintf(stderr, "bench: no %s from the broker for the floor client\n",
			on ? "SUBACK" : "UNSUBACK");
	return rc;
}

static void box_name(int b, char *buf, size_t len)
{
	if (b < nnative)
		snprintf(buf, len, "bn-%05d", b);
	else
		snprintf(buf, len, "bt-%05d", b - nnative);
}

/* This process's CPU seconds: the floor's publisher and its libmosquitto
 * thread are all it runs during switch_all. */
static double self_cpu(void)
{
	struct rusage u;
	getrusage(RUSAGE_SELF, &u);
	return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
	       (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

/* Every channel to `on`; returns seconds until every report came, -1 after
 * 300 s. */
static double switch_all(int on)
{
	struct dc_drv_msg m;
	char name[32];
	pthread_mutex_lock(&mu);
	reports = 0;
	want_on = on;
	pthread_mutex_unlock(&mu);
	double t0 = bench_now_s();
	for (int b = 0; b < nnative + ntasmota; b++) {
		box_name(b, name, sizeof name);
		for (int ch = 1; ch <= nch; ch++) {
			if (b < nnative)
				dc_native_command(name, ch, on, "floor", &m);
			else
				dc_tasmota_command(name, ch, on, &m);
			mosquitto_publish(floor_client, NULL, m.topic, (int)m.len, m.payload, QOS,
					  false);
		}
	}
	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 300;
	int rc = 0;
	pthread_mutex_lock(&mu);
	while (reports < nscreens && rc == 0)
		rc = pthread_cond_timedwait(&cv, &mu, &dl);
	want_on = -1;
	pthread_mutex_unlock(&mu);
	double t = bench_now_s() - t0;
	return rc ? -1 : t;
}

/* ---- the gateway ---- */

static int make_db(const char *path)
{
	char *err = NULL;
	struct dc_store *st = dc_store_open(path, &err);
	char name[32];
	if (!st) {
		fprintf(stderr, "bench: %s\n", err);
		free(err);
		return -1;
	}
	dc_store_begin(st);
	for (int b = 0; b < nnative + ntasmota; b++) {
		box_name(b, name, sizeof name);
		for (int ch = 1; ch <= nch; ch++) {
			struct dc_screen s;
			dc_screen_init(&s);
			snprintf(s.id, sizeof s.id, "pub-%s-%d", name, ch);
			snprintf(s.name, sizeof s.name, "Bench %s/%d", name, ch);
			s.category = DC_CAT_ADVERTISING;
			snprintf(s.box, sizeof s.box, "%s", name);
			s.channel = ch;
			if (dc_store_put_screen(st, &s, "bench", NULL) < 0) {
				fprintf(stderr, "bench: %s\n", dc_store_errmsg(st));
				dc_store_close(st);
				return -1;
			}
		}
	}
	dc_store_commit(st);
	dc_store_close(st);
	return 0;
}

static int copy_file(const char *from, const char *to)
{
	char buf[1 << 16];
	FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
	size_t n;
	int rc = a && b ? 0 : -1;
	while (rc == 0 && (n = fread(buf, 1, sizeof buf, a)) > 0)
		if (fwrite(buf, 1, n, b) != n)
			rc = -1;
	if (a)
		fclose(a);
	if (b && fclose(b))
		rc = -1;
	return rc;
}

/* The start-up grace: Tasmota devices are asked for their states, and the
 * one emulator answers thousands of queries slowly on a loaded machine. */
static int grace_ms(void)
{
	return 1000 + nscreens / 10;
}

static void write_config(const char *path)
{
	char name[32];
	FILE *f = fopen(path, "w");
	fprintf(f, "{\"broker\":{\"host\":\"127.0.0.1\",\"port\":%d,\"qos\":%d},\"db\":\"run.db\","
		   "\"rules\":\"%s/tests/fixtures/rules.json\",\"control_socket\":\"gw.sock\","
		   "\"heartbeat_s\":30,\"reconcile\":{\"startup_grace_ms\":%d,"
		   "\"confirm_timeout_ms\":120000,\"retry_first_ms\":60000,\"retry_max_ms\":120000},"
		   "\"boxes\":[", port, QOS, cwd, grace_ms());
	for (int b = 0; b < nnative + ntasmota; b++) {
		box_name(b, name, sizeof name);
		fprintf(f, "%s{\"id\":\"%s\",\"driver\":\"%s\",\"channels\":%d%s%s%s}", b ? "," : "",
			name, b < nnative ? "native" : "tasmota", nch, b < nnative ? "" : ",\"topic\":\"",
			b < nnative ? "" : name, b < nnative ? "" : "\"");
	}
	fprintf(f, "]}\n");
	fclose(f);
}

static long proc_field(pid_t pid, const char *file, const char *key)
{
	char path[64], line[256];
	long v = -1;
	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
	FILE *f = fopen(path, "r");
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, key, strlen(key)))
			v = atol(line + strlen(key) + 1);
	if (f)
		fclose(f);
	return v;
}

static double cpu_seconds(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long ut = 0, st = 0;
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f || !fgets(buf, sizeof buf, f)) {
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	char *p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* The control socket's answer to "status" says settled (retained states
 * read); *at: this process's clock when the gateway's read now_ms (the
 * middle of the exchange), *now_ms: the gateway's virtual time then. */
static int settled(const char *sock, double *at, double *now_ms)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char buf[2048];
	int fd = socket(AF_UNIX, SOCK_STREAM, 0), ok = 0;
	snprintf(a.sun_path, sizeof a.sun_path, "%s", sock);
	double t0 = bench_now_s();
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
		const char *req = "{\"cmd\":\"status\"}\n";
		ssize_t n = write(fd, req, strlen(req)), k = 0;
		while (n > 0 && k < (ssize_t)sizeof buf - 1 && (n = read(fd, buf + k,
			sizeof buf - 1 - (size_t)k)) > 0)
			k += n;
		buf[k > 0 ? k : 0] = '\0';
		ok = strstr(buf, "\"settled\":true") != NULL;
		const char *t = strstr(buf, "\"now_ms\":");
		*at = (t0 + bench_now_s()) / 2;
		*now_ms = t ? atof(t + 9) : -1;
		ok = ok && *now_ms > 0;
	}
	if (fd >= 0)
		close(fd);
	return ok;
}

/* The broker and the emulated fleet serve both sides: their CPU in each
 * side's burst says whether a side's extra time is its own or theirs. */
static pid_t broker_pid;
struct others_cpu {
	double broker, devices;
};

static struct others_cpu others_cpu(void)
{
	return (struct others_cpu){ cpu_seconds(broker_pid), cpu_seconds(emu_pid) };
}

static struct others_cpu others_since(struct others_cpu t0)
{
	struct others_cpu t = others_cpu();
	return (struct others_cpu){ t.broker - t0.broker, t.devices - t0.devices };
}

struct gw_result {
	double secs, cpu;	/* edge -> all recorded; CPU from the edge */
	struct others_cpu others;	/* the broker's and the devices', same span */
	long hwm_kb;
	long fsyncs;		/* strace round only */
	int ok;
};

static long strace_count(const char *path)
{
	char line[256];
	long n = 0, calls;
	FILE *f = fopen(path, "r");
	while (f && fgets(line, sizeof line, f)) {
		char name[64];
		if (sscanf(line, "%*f %*f %*d %ld %*d %63s", &calls, name) == 2 ||
		    sscanf(line, "%*f %*f %*d %ld %63s", &calls, name) == 2)
			if (!strcmp(name, "fdatasync") || !strcmp(name, "fsync"))
				n += calls;
	}
	if (f)
		fclose(f);
	return n;
}

static struct gw_result gateway_round(int round, bool traced)
{
	struct gw_result r = { 0 };
	char db[96], tmpl[96], cfg[96], sock[96], logp[96], trace[96], clock[64];
	snprintf(db, sizeof db, "%s/run.db", dir);
	snprintf(tmpl, sizeof tmpl, "%s/template.db", dir);
	snprintf(cfg, sizeof cfg, "%s/gateway.json", dir);
	snprintf(sock, sizeof sock, "%s/gw.sock", dir);
	snprintf(logp, sizeof logp, "%s/gateway-%d.log", dir, round);
	snprintf(trace, sizeof trace, "%s/strace-%d.txt", dir, round);
	unlink(db);
	for (int k = 0; k < 2; k++) {
		char side[300];
		snprintf(side, sizeof side, "%s%s", db, k ? "-shm" : "-wal");
		unlink(side);
	}
	unlink(sock);
	if (copy_file(tmpl, db) < 0)
		return r;
	/* Time to load and settle before the edge: a few seconds per 10,000
	 * screens on a loaded 2-core machine. */
	int lead = 5 + nscreens / 1000 + grace_ms() / 1000 + (traced ? nscreens / 2000 : 0);
	/* 2026-11-23 22:00 Paris = 21:00:00Z */
	snprintf(clock, sizeof clock, "2026-11-23T20:%02d:%02dZ,1", 59 - lead / 60, 60 - lead % 60);
	if (lead % 60 == 0)
		snprintf(clock, sizeof clock, "2026-11-23T20:%02d:00Z,1", 60 - lead / 60);
	char gwbin[PATH_MAX + 64];
	snprintf(gwbin, sizeof gwbin, "%s/%s/bin/decran-gateway", cwd,
		 getenv("B") ? getenv("B") : "build");
	if (getenv("BENCH_GATEWAY"))	/* another build, e.g. the one before a change */
		snprintf(gwbin, sizeof gwbin, "%s", getenv("BENCH_GATEWAY"));
	double t_start = bench_now_s();
	pid_t pid = fork();
	if (pid == 0) {
		if (!freopen(logp, "w", stderr))
			_exit(126);
		if (traced && !getenv("BENCH_PROFILE"))
			execlp("strace", "strace", "-f", "-c", "-e", "trace=fsync,fdatasync", "-o", trace,
			       gwbin, "-c", cfg, "--clock", clock, (char *)NULL);
		else
			execl(gwbin, "decran-gateway", "-c", cfg, "--clock", clock, (char *)NULL);
		_exit(127);
	}
	double edge = t_start + lead, at, now_ms;
	/* The gateway itself under strace is the child of strace. */
	pid_t gw = pid;
	while (!settled(sock, &at, &now_ms)) {
		if (bench_now_s() > edge) {
			fprintf(stderr, "bench: gateway not settled before the edge (log %s)\n", logp);
			kill(pid, SIGTERM);
			waitpid(pid, NULL, 0);
			return r;
		}
		usleep(50000);
	}
	if (traced) {
		char path[64], buf[64];
		snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
		FILE *f = fopen(path, "r");
		if (f && fgets(buf, sizeof buf, f))
			gw = (pid_t)atoi(buf);
		if (f)
			fclose(f);
	}
	/* The edge on this process's clock, from the gateway's own (started
	 * after fork and exec): 2026-11-23T21:00:00Z. */
	edge = at + (1795467600000.0 - now_ms) / 1000.0;
	while (bench_now_s() < edge - 0.05)
		usleep(10000);
	/* BENCH_PROFILE=FILE: the untimed round's burst (edge to the last
	 * record) under perf instead of strace: where the time goes. */
	pid_t perf = -1;
	if (traced && getenv("BENCH_PROFILE")) {
		char p[16];
		snprintf(p, sizeof p, "%d", (int)gw);
		if ((perf = fork()) == 0) {
			execlp("perf", "perf", "record", "-q", "-e", "task-clock", "-F", "1999", "-g", "-p", p, "-o",
			       getenv("BENCH_PROFILE"), (char *)NULL);
			_exit(127);
		}
	}
	double cpu0 = cpu_seconds(gw);
	struct others_cpu others0 = others_cpu();
	sqlite3 *h;
	sqlite3_stmt *q, *mx;
	/* Only the rows new since the last poll are counted: each poll is cheap.
	 * Rows up to max(rowid) are committed: none appears below it later. */
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, "SELECT count(*) FROM command_outcomes o JOIN commands c ON"
			       " c.id = o.command_id WHERE o.rowid > ?1 AND o.rowid <= ?2 AND"
			       " o.outcome = 'confirmed' AND c.to_state = 'off'", -1, &q,
			       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, "SELECT coalesce(max(rowid), 0) FROM command_outcomes", -1, &mx,
			       NULL) != SQLITE_OK)
		return r;
	long seen = 0, last_rowid = 0;
	double done_at = -1;
	/* Commands before the edge: states the gateway did not have when it
	 * settled (Tasmota answers late on a loaded machine): the round then
	 * measures more than the edge. */
	sqlite3_stmt *pre;
	if (sqlite3_prepare_v2(h, "SELECT count(*) FROM commands", -1, &pre, NULL) == SQLITE_OK) {
		if (sqlite3_step(pre) == SQLITE_ROW && sqlite3_column_int64(pre, 0) > 0)
			printf("  (round %d: %lld commands before the edge, states read late)\n", round,
			       (long long)sqlite3_column_int64(pre, 0));
		sqlite3_finalize(pre);
	}
	while (bench_now_s() < edge + 300) {
		long top = 0;
		if (sqlite3_step(mx) == SQLITE_ROW)
			top = (long)sqlite3_column_int64(mx, 0);
		sqlite3_reset(mx);
		if (top > last_rowid) {
			sqlite3_bind_int64(q, 1, last_rowid);
			sqlite3_bind_int64(q, 2, top);
			if (sqlite3_step(q) == SQLITE_ROW)
				seen += (long)sqlite3_column_int64(q, 0);
			sqlite3_reset(q);
			last_rowid = top;
		}
		if (seen >= nscreens) {
			done_at = bench_now_s();
			break;
		}
		usleep(2000);
	}
	r.cpu = cpu_seconds(gw) - cpu0;
	r.others = others_since(others0);
	if (perf > 0) {
		kill(perf, SIGINT);
		waitpid(perf, NULL, 0);
	}
	r.hwm_kb = proc_field(gw, "status", "VmHWM:");
	if (getenv("BENCH_SMAPS") && !traced)	/* after the burst, not at its peak */
		bench_print_rss_by_mapping(gw);
	sqlite3_finalize(q);
	sqlite3_finalize(mx);
	sqlite3_close(h);
	kill(gw, SIGTERM);
	waitpid(pid, NULL, 0);
	if (done_at < 0) {
		fprintf(stderr, "bench: %ld of %d confirmations recorded (log %s)\n", seen, nscreens,
			logp);
		return r;
	}
	r.secs = done_at - edge;
	r.ok = 1;
	if (traced)
		r.fsyncs = strace_count(trace);
	return r;
}

/* ---- figures ---- */

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void loadavg(const char *when)
{
	double l[3] = { 0 };
	getloadavg(l, 3);
	printf("  load average %s: %.2f %.2f %.2f (%ld cores)\n", when, l[0], l[1], l[2],
	       sysconf(_SC_NPROCESSORS_ONLN));
}

static int verdict(bool pass)
{
	return printf("%s", pass ? "PASS" : "FAIL"), pass ? 0 : 1;
}

static int bench_size(int n, int rounds)
{
	char path[512];
	int fails = 0;
	nscreens = n;
	int boxes = (n + nch - 1) / nch;
	nnative = boxes / 2;
	ntasmota = boxes - nnative;
	nscreens = boxes * nch;
	printf("== %d screens: %d native boxes + %d Tasmota devices of %d channels, QoS %d, "
	       "%d rounds\n", nscreens, nnative, ntasmota, nch, QOS, rounds);
	loadavg("before");
	port = bench_free_port();
	snprintf(path, sizeof path, "%s/mosquitto.conf", dir);
	pid_t broker = broker_pid = bench_start_broker(path, port, "max_queued_messages 1000000\n"
					  "max_inflight_messages 0\n");
	snprintf(path, sizeof path, "%s/template.db", dir);
	unlink(path);
	if (broker < 0 || make_db(path) < 0 || emu_start() < 0)
		return 1;
	snprintf(path, sizeof path, "%s/gateway.json", dir);
	write_config(path);
	floor_client = mosquitto_new("bench-floor", true, NULL);
	/* The gateway's own window (GW_WINDOW_COMMANDS): unlimited, the floor
	 * floods the broker and is slower, not a floor. */
	mosquitto_max_inflight_messages_set(floor_client, (unsigned)floor_window);
	mosquitto_connect_callback_set(floor_client, floor_connect);
	mosquitto_subscribe_callback_set(floor_client, floor_subscribe);
	mosquitto_unsubscribe_callback_set(floor_client, floor_unsubscribe);
	mosquitto_message_callback_set(floor_client, floor_message);
	floor_acks = 1;
	mosquitto_connect(floor_client, "127.0.0.1", port, 60);
	mosquitto_loop_start(floor_client);
	if (floor_wait_ack()) {
		fprintf(stderr, "bench: the floor client could not connect\n");
		return 1;
	}
	if (floor_listen(true))
		return 1;

	double fl[MAX_ROUNDS], flcpu[MAX_ROUNDS], gws[MAX_ROUNDS], cpu[MAX_ROUNDS];
	long hwm = 0;
	int nf = 0, ng = 0;
	for (int r = 0; r < rounds; r++) {
		double c0 = self_cpu();
		struct others_cpu o0 = others_cpu();
		double t = switch_all(0);
		struct others_cpu fo = others_since(o0);
		if (t >= 0) {
			flcpu[nf] = self_cpu() - c0;
			fl[nf++] = t;
		}
		if (switch_all(1) < 0)
			fprintf(stderr, "bench: the fleet did not come back on\n");
		floor_listen(false);
		struct gw_result g = gateway_round(r, false);
		floor_listen(true);
		if (g.ok) {
			gws[ng] = g.secs;
			cpu[ng++] = g.cpu;
			if (g.hwm_kb > hwm)
				hwm = g.hwm_kb;
		}
		printf("  round %d: floor %.3f s (CPU %.3f s), gateway %.3f s (CPU %.3f s, peak RSS "
		       "%.1f MB)\n", r + 1, t, t >= 0 ? flcpu[nf - 1] : -1, g.ok ? g.secs : -1, g.cpu,
		       g.hwm_kb / 1024.0);
		printf("           broker CPU %.2f s / %.2f s, devices CPU %.2f s / %.2f s "
		       "(floor's / gateway's burst)\n", fo.broker, g.others.broker, fo.devices,
		       g.others.devices);
		fflush(stdout);
		switch_all(1);
	}
	floor_listen(false);
	struct gw_result tr = gateway_round(99, true);
	floor_listen(true);
	switch_all(1);
	loadavg("after");
	if (!nf || !ng) {
		printf("  FAILED: %d floor and %d gateway rounds completed\n", nf, ng);
		fails = 1;
	} else {
		double fmin = fl[0], fmax = fl[0], gmin = gws[0], gmax = gws[0];
		for (int i = 0; i < nf; i++)
			fmin = fl[i] < fmin ? fl[i] : fmin, fmax = fl[i] > fmax ? fl[i] : fmax;
		for (int i = 0; i < ng; i++)
			gmin = gws[i] < gmin ? gws[i] : gmin, gmax = gws[i] > gmax ? gws[i] : gmax;
		double fm = median(fl, nf), gm = median(gws, ng), cm = median(cpu, ng);
		printf("  floor (bare C publisher, QoS %d, until every report): median %.3f s "
		       "[%.3f .. %.3f]\n", QOS, fm, fmin, fmax);
		printf("  gateway (22:00 edge -> all %d confirmations committed): median %.3f s "
		       "[%.3f .. %.3f]\n", nscreens, gm, gmin, gmax);
		printf("  ratio %.2fx the floor, target <= 1.3x: ", gm / fm);
		fails += verdict(gm <= 1.3 * fm);
		printf("\n  gateway CPU for the burst: median %.3f s (the floor's: %.3f s)", cm,
		       median(flcpu, nf));
		if (n == 10000) {
			printf(", target <= 0.25 s: ");
			fails += verdict(cm <= 0.25);
		}
		printf("\n  gateway peak RSS (VmHWM, shared libraries included): %.1f MB", hwm / 1024.0);
		if (n == 10000 || n == 100000) {
			printf(", target <= %d MB: ", n == 10000 ? 16 : 64);
			fails += verdict(hwm <= (n == 10000 ? 16 : 64) * 1024L);
		}
		printf("\n");
	}
	if (tr.ok)
		printf("  fsyncs (strace -f -c, one more untimed round): %ld for %d confirmations "
		       "= %.3f per confirmation\n", tr.fsyncs, nscreens,
		       (double)tr.fsyncs / nscreens);
	else
		printf("  fsyncs: strace round failed (is strace installed?)\n");
	mosquitto_disconnect(floor_client);
	mosquitto_loop_stop(floor_client, false);
	mosquitto_destroy(floor_client);
	emu_stop();
	kill(broker, SIGTERM);
	waitpid(broker, NULL, 0);
	return fails;
}

/* An integer setting from the environment: *v unchanged when unset; -1
 * after saying why when it is not a whole number in [lo, hi]. */
static int env_int(const char *name, int lo, int hi, int *v)
{
	const char *s = getenv(name);
	char *end;
	if (!s)
		return 0;
	errno = 0;
	long x = strtol(s, &end, 10);
	if (end == s || *end || errno || x < lo || x > hi) {
		fprintf(stderr, "bench: %s=\"%s\": a whole number from %d to %d\n", name, s, lo, hi);
		return -1;
	}
	*v = (int)x;
	return 0;
}

int main(void)
{
	const char *sizes = getenv("BENCH_SIZES") ? getenv("BENCH_SIZES") : "1000,10000,100000";
	int rounds = 3;
	/* Channels: what tests/helpers/fleet_emu emulates, 1 to 8. */
	if (env_int("BENCH_ROUNDS", 1, MAX_ROUNDS, &rounds) ||
	    env_int("BENCH_CHANNELS", 1, 8, &nch) || env_int("BENCH_WINDOW", 1, 65535, &floor_window))
		return 2;
	for (const char *s = sizes; *s;) {	/* every size checked before any runs */
		char *end;
		long n = strtol(s, &end, 10);
		if (end == s || (*end && *end != ',') || n < 8 || n > 1000000) {
			fprintf(stderr, "bench: BENCH_SIZES=\"%s\": screens from 8 to 1,000,000, "
				"separated by commas\n", sizes);
			return 2;
		}
		s = end + (*end == ',');
	}
	snprintf(dir, sizeof dir, "/tmp/decran-bench-XXXXXX");
	if (!mkdtemp(dir) || !getcwd(cwd, sizeof cwd))
		return 1;
	signal(SIGPIPE, SIG_IGN);
	mosquitto_lib_init();
	int fails = 0;
	for (const char *s = sizes; *s;) {
		char *end;
		fails += bench_size((int)strtol(s, &end, 10), rounds);
		s = end + (*end == ',');
	}
	mosquitto_lib_cleanup();
	printf("targets: %s (files in %s)\n", fails ? "some FAIL" : "all PASS", dir);
	return 0;
}
