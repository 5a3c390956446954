/* bench_relay.c — decran-relay figures: command-to-relay latency over
 * loopback (target p99 <= 5 ms), resident memory (target <= 4 MB) and
 * wakeups per second when idle (target <= 1), with the hardware watchdog
 * (a file) and contactor feedback configured as on a real box.  Three
 * rounds, each with a fresh decran-relay; medians and ranges, PASS/FAIL.
 *
 * Self-contained: starts a private mosquitto on a free 127.0.0.1 port and a
 * decran-relay on the sim backend in a temporary directory, then publishes
 * commands and times each one until the relay file is replaced (inotify on
 * the sim state file's directory).  Everything stops by itself.
 */
#include <errno.h>
#include <limits.h>
#include <mosquitto.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"

#define N_CMDS 400
#define IDLE_SECONDS 12	/* more than two watchdog feeds and a feedback check */
#define ROUNDS 3

static char dir[64];
static pid_t broker_pid, relay_pid;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t l = sizeof a;
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) || getsockname(s, (struct sockaddr *)&a, &l))
		return -1;
	close(s);
	return ntohs(a.sin_port);
}

static int wait_port(int port)
{
	for (int i = 0; i < 500; i++) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		int s = socket(AF_INET, SOCK_STREAM, 0);
		int ok = connect(s, (struct sockaddr *)&a, sizeof a) == 0;
		close(s);
		if (ok)
			return 0;
		usleep(10000);
	}
	return -1;
}

static pid_t spawn(char *const argv[], const char *log)
{
	pid_t p = fork();
	if (p == 0) {
		FILE *f = freopen(log, "w", stderr);
		(void)f;
		execv(argv[0], argv);
		_exit(127);
	}
	return p;
}

static void cleanup(void)
{
	if (relay_pid > 0) {
		kill(relay_pid, SIGTERM);
		waitpid(relay_pid, NULL, 0);
	}
	if (broker_pid > 0) {
		kill(broker_pid, SIGTERM);
		waitpid(broker_pid, NULL, 0);
	}
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

static long proc_field(pid_t pid, const char *file, const char *key)
{
	char path[64], line[256];
	long v = -1;
	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, key, strlen(key)) == 0)
			v = strtol(line + strlen(key), NULL, 10);
	fclose(f);
	return v;
}

static long status_field(pid_t pid, const char *key)
{
	return proc_field(pid, "status", key);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Wait until the sim file says channel 1 is `want` (inotify, bounded). */
static int wait_relay(int ino, const char *sim, int want)
{
	char buf[4096], expect[16];
	snprintf(expect, sizeof expect, "\"1\":%d", want);
	for (int spins = 0; spins < 1000; spins++) {
		FILE *f = fopen(sim, "r");
		if (f) {
			size_t n = fread(buf, 1, sizeof buf - 1, f);
			buf[n] = '\0';
			fclose(f);
			if (strstr(buf, expect))
				return 0;
		}
		struct pollfd p = { ino, POLLIN, 0 };
		if (poll(&p, 1, 2000) <= 0)
			return -1;
		if (read(ino, buf, sizeof buf) < 0 && errno != EAGAIN)
			return -1;
	}
	return -1;
}

static volatile int results;
static void on_message(struct mosquitto *m, void *ud, const struct mosquitto_message *msg)
{
	(void)m;
	(void)ud;
	(void)msg;
	__atomic_add_fetch(&results, 1, __ATOMIC_SEQ_CST);
}

/* One figure's median and range over the rounds, and its verdict against
 * target (<= target; target < 0: no target).  Returns 1 when it fails. */
static int line(const char *what, const double *v, const char *unit, double target, int dec)
{
	double s[ROUNDS];
	memcpy(s, v, sizeof s);
	qsort(s, ROUNDS, sizeof *s, cmp);
	double med = s[ROUNDS / 2];
	printf("  %-24s %10.*f %-4s [%.*f..%.*f]", what, dec, med, unit, dec, s[0], dec,
	       s[ROUNDS - 1]);
	if (target < 0) {
		printf("\n");
		return 0;
	}
	printf("   target <= %g %s: %s\n", target, unit, med <= target ? "PASS" : "FAIL");
	return med <= target ? 0 : 1;
}

/* A fresh decran-relay: N_CMDS commands timed to the relay file, then its
 * memory and its wake-ups over IDLE_SECONDS of idleness. */
static int run_round(const char *relay_bin, const char *conf, const char *sim, int port,
		     double *p50, double *p99, double *mx, double *rss, double *hwm, double *pss,
		     double *priv, double *wake)
{
	char path[160];
	unlink(sim);
	snprintf(path, sizeof path, "%s/relay.log", dir);
	char *rargv[] = { (char *)relay_bin, "-c", (char *)conf, NULL };
	relay_pid = spawn(rargv, path);

	int ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	inotify_add_watch(ino, dir, IN_MOVED_TO | IN_CLOSE_WRITE);
	struct mosquitto *m = mosquitto_new("bench-gw", true, NULL);
	/* The gateway's side of the link (lib/mqttconn sets it too). */
	mosquitto_int_option(m, MOSQ_OPT_TCP_NODELAY, 1);
	mosquitto_message_callback_set(m, on_message);
	if (mosquitto_connect(m, "127.0.0.1", port, 30) || mosquitto_loop_start(m)) {
		fprintf(stderr, "bench_relay: cannot connect to mosquitto\n");
		return -1;
	}
	mosquitto_subscribe(m, NULL, "decran/bench/result", 1);
	/* Wait for the box to be connected: its retained status appears. */
	for (int i = 0; i < 500 && access(sim, F_OK); i++)
		usleep(10000);
	usleep(300000);

	static double lat[N_CMDS];
	int ok = 0;
	for (int i = 0; i < N_CMDS; i++) {
		char payload[96];
		int want = (i + 1) % 2;
		snprintf(payload, sizeof payload, "{\"v\":1,\"id\":\"bench-%d-%d\",\"on\":%s}",
			 (int)relay_pid, i, want ? "true" : "false");
		int before = __atomic_load_n(&results, __ATOMIC_SEQ_CST);
		double t0 = now_ms();
		mosquitto_publish(m, NULL, "decran/bench/cmd/1", (int)strlen(payload), payload, 1, false);
		if (wait_relay(ino, sim, want))
			break;
		lat[ok++] = now_ms() - t0;
		/* Let the box finish (persist, answer) before the next command. */
		for (int k = 0; k < 2000 && __atomic_load_n(&results, __ATOMIC_SEQ_CST) == before; k++)
			usleep(500);
	}
	mosquitto_disconnect(m);
	mosquitto_loop_stop(m, true);
	mosquitto_destroy(m);
	close(ino);
	if (ok < N_CMDS) {
		fprintf(stderr, "bench_relay: only %d of %d commands reached the relay\n", ok, N_CMDS);
		return -1;
	}
	qsort(lat, (size_t)ok, sizeof *lat, cmp);
	*p50 = lat[ok / 2];
	*p99 = lat[(ok * 99) / 100];
	*mx = lat[ok - 1];

	sleep(1);
	if (getenv("BENCH_SMAPS"))
		bench_print_rss_by_mapping(relay_pid);
	*rss = (double)status_field(relay_pid, "VmRSS:");
	*hwm = (double)status_field(relay_pid, "VmHWM:");
	*pss = (double)proc_field(relay_pid, "smaps_rollup", "Pss:");
	*priv = (double)proc_field(relay_pid, "smaps_rollup", "Private_Dirty:");
	long v0 = status_field(relay_pid, "voluntary_ctxt_switches:");
	long n0 = status_field(relay_pid, "nonvoluntary_ctxt_switches:");
	sleep(IDLE_SECONDS);
	long v1 = status_field(relay_pid, "voluntary_ctxt_switches:");
	long n1 = status_field(relay_pid, "nonvoluntary_ctxt_switches:");
	*wake = (double)((v1 - v0) + (n1 - n0)) / IDLE_SECONDS;
	kill(relay_pid, SIGTERM);
	waitpid(relay_pid, NULL, 0);
	relay_pid = 0;
	return 0;
}

int main(void)
{
	char self[PATH_MAX], relay_bin[PATH_MAX + 32], conf[128], sim[128], mconf[128], path[160];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n < 0)
		return 1;
	self[n] = '\0';
	*strrchr(self, '/') = '\0';	/* build/bench */
	snprintf(relay_bin, sizeof relay_bin, "%s/../bin/decran-relay", self);
	snprintf(dir, sizeof dir, "/tmp/decran-bench-relay-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	atexit(cleanup);
	int port = free_port();
	snprintf(mconf, sizeof mconf, "%s/mosquitto.conf", dir);
	FILE *f = fopen(mconf, "w");
	/* set_tcp_nodelay: the broker configuration docs/protocol.md asks for;
	 * without it each command waits ~40 ms for a delayed ACK (Nagle). */
	fprintf(f, "listener %d 127.0.0.1\nallow_anonymous true\npersistence false\n"
		   "set_tcp_nodelay true\n", port);
	fclose(f);
	snprintf(sim, sizeof sim, "%s/relays.json", dir);
	snprintf(conf, sizeof conf, "%s/relay.json", dir);
	snprintf(path, sizeof path, "%s/watchdog", dir);
	f = fopen(path, "w");
	if (f)
		fclose(f);
	f = fopen(conf, "w");
	/* As deployed: a fed watchdog (a file here) and contactor feedback on
	 * both channels, so their timers count in the idle wake-ups. */
	fprintf(f, "{\"box\":\"bench\",\"hal\":\"sim\",\"sim_state_file\":\"%s\",\"state_dir\":\"%s/state\","
		   "\"channels\":[{\"channel\":1,\"line\":5,\"feedback\":{\"line\":22}},"
		   "{\"channel\":2,\"line\":6,\"feedback\":{\"line\":23}}],"
		   "\"watchdog\":{\"device\":\"%s\",\"timeout_s\":15},"
		   "\"mqtt\":{\"host\":\"127.0.0.1\",\"port\":%d,\"keepalive_s\":60}}", sim, dir, path,
		port);
	fclose(f);

	snprintf(path, sizeof path, "%s/mosquitto.log", dir);
	char *bargv[] = { "/usr/sbin/mosquitto", "-c", mconf, NULL };
	broker_pid = spawn(bargv, path);
	if (wait_port(port)) {
		fprintf(stderr, "bench_relay: mosquitto did not start\n");
		return 1;
	}
	setenv("DECRAN_CLOCK_SYNCED", "1", 1);
	mosquitto_lib_init();

	static double p50[ROUNDS], p99[ROUNDS], mx[ROUNDS], rss[ROUNDS], hwm[ROUNDS], pss[ROUNDS],
		priv[ROUNDS], wake[ROUNDS];
	for (int round = 0; round < ROUNDS; round++) {
		if (run_round(relay_bin, conf, sim, port, &p50[round], &p99[round], &mx[round],
			      &rss[round], &hwm[round], &pss[round], &priv[round], &wake[round]))
			return 1;
	}
	mosquitto_lib_cleanup();

	double load[3] = { 0 };
	if (getloadavg(load, 3) < 0)
		load[0] = -1;
	printf("decran-relay, sim backend, watchdog and feedback configured, private mosquitto on "
	       "127.0.0.1\n%d rounds of %d commands then %d s idle; load average %.2f %.2f %.2f\n"
	       "(median [min..max] over the rounds)\n", ROUNDS, N_CMDS, IDLE_SECONDS, load[0],
	       load[1], load[2]);
	int fails = 0;
	fails += line("command-to-relay p50", p50, "ms", -1, 3);
	fails += line("command-to-relay p99", p99, "ms", 5, 3);
	fails += line("command-to-relay max", mx, "ms", -1, 3);
	fails += line("resident memory (RSS)", rss, "KiB", 4096, 0);
	fails += line("  peak RSS", hwm, "KiB", -1, 0);
	fails += line("  PSS", pss, "KiB", -1, 0);
	fails += line("  private dirty", priv, "KiB", -1, 0);
	fails += line("idle wake-ups", wake, "/s", 1, 2);
	printf("%s\n", fails ? "FAIL" : "PASS");
	return fails ? 1 : 0;
}
