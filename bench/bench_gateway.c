/* bench_gateway.c — 10,000 screens on 1,250 emulated 8-channel relay boxes.
 *
 * One process: a private mosquitto, a box emulator (one MQTT client playing
 * every decran-relay box: it applies each command and publishes the retained
 * state), then two runs through the same broker to the same emulator:
 *   floor    a bare C publisher sends the 10,000 "off" commands;
 *   gateway  decran-gateway, started on a test clock a few seconds before
 *            22:00 in Paris, switches the 10,000 advertising screens off.
 * Each run is timed from its start (floor) or the schedule edge (gateway) to
 * the emulator holding all 10,000 channels confirmed off.  Also printed: the
 * gateway's CPU seconds and its peak RSS (VmHWM: every resident page, the
 * shared libraries' included), split into anonymous memory (heap, stacks:
 * what the gateway allocates) and file-backed pages (the binary and shared
 * libraries) from /proc samples taken every 10 ms.  Run from the top directory.
 */
#include <errno.h>
#include <limits.h>
#include <mosquitto.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "store.h"
#include "bench_util.h"

#define NBOX 1250
#define NCH 8
#define N (NBOX * NCH)
#define LEAD_S 12	/* gateway starts this long before the edge */

static atomic_int off_count;
static unsigned char state[NBOX][NCH];	/* 1 on */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

/* ---- the box emulator ---- */

static void publish_state(struct mosquitto *m, int b, int ch, int on)
{
	char topic[64], p[96];
	snprintf(topic, sizeof topic, "decran/box-%04d/state/%d", b, ch + 1);
	int n = snprintf(p, sizeof p, "{\"v\":1,\"ch\":%d,\"on\":%s,\"src\":\"gateway\",\"id\":null,"
			 "\"t\":0}", ch + 1, on ? "true" : "false");
	mosquitto_publish(m, NULL, topic, n, p, 1, true);
}

static void emu_message(struct mosquitto *m, void *ud, const struct mosquitto_message *msg)
{
	int b, ch;
	(void)ud;
	if (sscanf(msg->topic, "decran/box-%d/cmd/%d", &b, &ch) != 2 || b < 0 || b >= NBOX ||
	    ch < 1 || ch > NCH)
		return;
	int on = msg->payloadlen > 0 && strstr((const char *)msg->payload, "\"on\":true") != NULL;
	pthread_mutex_lock(&mu);
	if (state[b][ch - 1] != on) {
		state[b][ch - 1] = (unsigned char)on;
		atomic_fetch_add(&off_count, on ? -1 : 1);
	}
	pthread_mutex_unlock(&mu);
	publish_state(m, b, ch - 1, on);
}

static void emu_connect(struct mosquitto *m, void *ud, int rc)
{
	(void)ud;
	(void)rc;
	mosquitto_subscribe(m, NULL, "decran/+/cmd/+", 1);
}

static int wait_count(int want, double timeout)
{
	double end = bench_now_s() + timeout;
	while (atomic_load(&off_count) != want) {
		if (bench_now_s() > end)
			return -1;
		usleep(200);
	}
	return 0;
}

/* ---- the floor: a bare publisher ---- */

static double floor_run(int port)
{
	struct mosquitto *m = mosquitto_new("bench-floor", true, NULL);
	char topic[64];
	const char *off = "{\"v\":1,\"id\":\"f\",\"on\":false}";
	mosquitto_max_inflight_messages_set(m, 0);
	if (mosquitto_connect(m, "127.0.0.1", port, 30) != MOSQ_ERR_SUCCESS)
		return -1;
	mosquitto_loop_start(m);
	double t0 = bench_now_s();
	for (int b = 0; b < NBOX; b++)
		for (int ch = 1; ch <= NCH; ch++) {
			snprintf(topic, sizeof topic, "decran/box-%04d/cmd/%d", b, ch);
			mosquitto_publish(m, NULL, topic, (int)strlen(off), off, 1, false);
		}
	int rc = wait_count(N, 60);
	double t = bench_now_s() - t0;
	/* Put everything back on for the gateway run. */
	const char *on = "{\"v\":1,\"id\":\"f\",\"on\":true}";
	for (int b = 0; b < NBOX; b++)
		for (int ch = 1; ch <= NCH; ch++) {
			snprintf(topic, sizeof topic, "decran/box-%04d/cmd/%d", b, ch);
			mosquitto_publish(m, NULL, topic, (int)strlen(on), on, 1, false);
		}
	wait_count(0, 60);
	mosquitto_disconnect(m);
	mosquitto_loop_stop(m, false);
	mosquitto_destroy(m);
	return rc < 0 ? -1 : t;
}

/* ---- the gateway run ---- */

static int make_db(const char *path)
{
	char *err = NULL;
	struct dc_store *st = dc_store_open(path, &err);
	if (!st) {
		fprintf(stderr, "bench: %s\n", err);
		free(err);
		return -1;
	}
	dc_store_begin(st);
	for (int b = 0; b < NBOX; b++)
		for (int ch = 1; ch <= NCH; ch++) {
			struct dc_screen s;
			dc_screen_init(&s);
			snprintf(s.id, sizeof s.id, "pub-%04d-%d", b, ch);
			snprintf(s.name, sizeof s.name, "Bench %d/%d", b, ch);
			s.category = DC_CAT_ADVERTISING;
			snprintf(s.box, sizeof s.box, "box-%04d", b);
			s.channel = ch;
			if (dc_store_put_screen(st, &s, "bench", NULL) < 0) {
				fprintf(stderr, "bench: %s\n", dc_store_errmsg(st));
				dc_store_close(st);
				return -1;
			}
		}
	dc_store_commit(st);
	dc_store_close(st);
	return 0;
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

/* Resident memory of the gateway, sampled while it runs: the split at the
 * largest sample (VmHWM itself has no split). */
struct rss_sample {
	long rss, anon, file;	/* KiB */
};
static struct rss_sample rss_peak;
static pid_t sampled;
static atomic_bool sampling;

static void *sampler(void *arg)
{
	(void)arg;
	while (atomic_load(&sampling)) {
		struct rss_sample s = { proc_field(sampled, "status", "VmRSS:"),
					proc_field(sampled, "status", "RssAnon:"),
					proc_field(sampled, "status", "RssFile:") };
		if (s.rss > rss_peak.rss)
			rss_peak = s;
		usleep(10000);
	}
	return NULL;
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
	/* fields after ')': state(3) ... utime(14) stime(15) */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

int main(void)
{
	char dir[] = "/tmp/decran-bench-XXXXXX", path[512], cwd[PATH_MAX];
	if (!mkdtemp(dir) || !getcwd(cwd, sizeof cwd))
		return 1;
	int port = bench_free_port();

	snprintf(path, sizeof path, "%s/mosquitto.conf", dir);
	FILE *f;
	pid_t broker = bench_start_broker(path, port, "max_queued_messages 100000\n");
	if (broker < 0)
		return 1;

	mosquitto_lib_init();
	struct mosquitto *emu = mosquitto_new("bench-emulator", true, NULL);
	mosquitto_max_inflight_messages_set(emu, 0);
	mosquitto_connect_callback_set(emu, emu_connect);
	mosquitto_message_callback_set(emu, emu_message);
	if (mosquitto_connect(emu, "127.0.0.1", port, 30) != MOSQ_ERR_SUCCESS) {
		fprintf(stderr, "bench: broker not reachable\n");
		kill(broker, SIGTERM);
		return 1;
	}
	mosquitto_loop_start(emu);
	for (int b = 0; b < NBOX; b++)
		for (int ch = 0; ch < NCH; ch++) {
			state[b][ch] = 1;
			publish_state(emu, b, ch, 1);
		}
	usleep(500000);

	double floor_s = floor_run(port);

	/* Gateway: database, config, start LEAD_S before 22:00 Paris. */
	snprintf(path, sizeof path, "%s/decran.db", dir);
	if (make_db(path) < 0)
		return 1;
	snprintf(path, sizeof path, "%s/gateway.json", dir);
	f = fopen(path, "w");
	fprintf(f, "{\"broker\":{\"host\":\"127.0.0.1\",\"port\":%d},\"db\":\"decran.db\","
		   "\"rules\":\"%s/tests/fixtures/rules.json\",\"control_socket\":\"gw.sock\","
		   "\"heartbeat_s\":30,\"reconcile\":{\"startup_grace_ms\":3000,"
		   "\"confirm_timeout_ms\":60000},", port, cwd);
	if (getenv("BENCH_LEDGER_MIN"))
		fprintf(f, "\"energy\":{\"update_min\":%d},", atoi(getenv("BENCH_LEDGER_MIN")));
	fprintf(f, "\"boxes\":[");
	for (int b = 0; b < NBOX; b++)
		fprintf(f, "%s{\"id\":\"box-%04d\",\"driver\":\"native\",\"channels\":%d}",
			b ? "," : "", b, NCH);
	fprintf(f, "]}\n");
	fclose(f);
	/* 2026-11-23 22:00 Paris = 21:00Z */
	char clock[64];
	snprintf(clock, sizeof clock, "2026-11-23T20:59:%02dZ,1", 60 - LEAD_S);
	char gwbin[PATH_MAX + 32], logp[600];
	snprintf(gwbin, sizeof gwbin, "%s/%s/bin/decran-gateway", cwd,
		 getenv("B") ? getenv("B") : "build");
	snprintf(logp, sizeof logp, "%s/gateway.log", dir);
	double t_start = bench_now_s();
	pid_t gw = fork();
	if (gw == 0) {
		if (!freopen(logp, "w", stderr))
			_exit(126);
		execl(gwbin, "decran-gateway", "-c", path, "--clock", clock, (char *)NULL);
		_exit(127);
	}
	pthread_t sampler_thread;
	sampled = gw;
	atomic_store(&sampling, true);
	pthread_create(&sampler_thread, NULL, sampler, NULL);
	double edge = t_start + LEAD_S;
	int rc = wait_count(N, LEAD_S + 120);
	double gw_s = bench_now_s() - edge;
	long hwm = proc_field(gw, "status", "VmHWM:");
	long priv = proc_field(gw, "smaps_rollup", "Private_Dirty:");
	long shared = proc_field(gw, "smaps_rollup", "Shared_Clean:");
	long pclean = proc_field(gw, "smaps_rollup", "Private_Clean:");
	double cpu = cpu_seconds(gw);
	atomic_store(&sampling, false);
	pthread_join(sampler_thread, NULL);
	kill(gw, SIGTERM);
	waitpid(gw, NULL, 0);

	printf("screens %d on %d boxes of %d channels (native protocol, QoS 1, one broker)\n", N,
	       NBOX, NCH);
	if (floor_s < 0)
		printf("floor (bare C publisher): FAILED\n");
	else
		printf("floor (bare C publisher):  %.3f s to 100%% confirmed off\n", floor_s);
	if (rc < 0)
		printf("gateway: FAILED, %d of %d off (log %s)\n", atomic_load(&off_count), N, logp);
	else
		printf("gateway (edge -> 100%% confirmed off): %.3f s = %.2fx the floor (target <= 1.5x)\n",
		       gw_s, floor_s > 0 ? gw_s / floor_s : 0);
	printf("gateway peak RSS: %.1f MB (target <= 16 MB; VmHWM, shared library pages included)\n",
	       hwm / 1024.0);
	printf("  largest sample: %.1f MB = anonymous (heap, stacks) %.1f MB"
	       " + file-backed (binary, shared libraries) %.1f MB\n",
	       rss_peak.rss / 1024.0, rss_peak.anon / 1024.0, rss_peak.file / 1024.0);
	printf("  at 100%% off: private dirty %.1f MB, private clean %.1f MB,"
	       " shared clean %.1f MB\n", priv / 1024.0, pclean / 1024.0, shared / 1024.0);
	printf("gateway CPU since start (10,000 bindings, %d fallbacks compiled, burst): %.2f s\n",
	       NBOX, cpu);
	mosquitto_disconnect(emu);
	mosquitto_loop_stop(emu, false);
	mosquitto_destroy(emu);
	mosquitto_lib_cleanup();
	kill(broker, SIGTERM);
	waitpid(broker, NULL, 0);
	return rc < 0 || floor_s < 0;
}
