/* bench_modbus.c — decran-gateway polling 32 Modbus TCP relay modules and
 * 32 Eastron SDM120 meters, against a bare libmodbus client.
 *
 * One process: 32 libmodbus servers on loopback (one thread each, bounded,
 * ending by themselves), each a Modbus TCP gateway with an 8-coil relay
 * module at unit 1 and an SDM120 at unit 2, as a box with a meter is
 * configured.  A poll cycle is 96 transactions: per box, the coils (01) and
 * the meter's power and energy (04, 2 registers each).  Two runs:
 *   raw      one bare libmodbus client, connected to every server, does the
 *            96 reads sequentially, RAW_ROUNDS times; each read is timed;
 *   gateway  decran-gateway (-v, private mosquitto, test clock) polls the 32
 *            boxes every POLL_MS on its pool of 4 TCP workers.
 * The gateway's cycle is measured on the servers (first request of a cycle
 * to its last reply) and read from its own "poll cycle" debug lines.  Run
 * from the top directory.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <modbus.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store.h"
#include "bench_util.h"

#define NDEV 32
#define NCH 8
#define TX_PER_DEV 3
#define TX_PER_CYCLE (NDEV * TX_PER_DEV)
#define RAW_ROUNDS 50
#define GW_CYCLES 20		/* measured, after the first (which connects) */
#define POLL_MS 200
#define MAX_REC 2048		/* per server: > (GW_CYCLES + 4) * TX_PER_DEV + raw */
#define SERVER_LIFETIME_S 120	/* servers end by themselves after this */
#define MAX_CLIENTS 4
#define REG_POWER 0x0C
#define REG_ENERGY 0x48

enum phase { PHASE_RAW, PHASE_GATEWAY };

struct rec {
	int64_t t_in, t_out;	/* ns: request read, reply sent */
	uint8_t unit, fc;
	uint16_t addr;
	enum phase phase;
};

struct server {
	pthread_t thread;
	modbus_t *ctx;
	modbus_mapping_t *relay, *meter;
	int lfd, port;
	int clients[MAX_CLIENTS];
	struct rec *recs;	/* written by the server thread, read after join */
	size_t nrec;
	atomic_int gw_energy_reads;	/* progress of the gateway run */
};

static struct server servers[NDEV];
static atomic_int stop_servers;
static _Atomic enum phase phase;

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* q in [0,1] of n sorted values. */
static int64_t quantile(int64_t *v, size_t n, double q)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof *v, cmp_i64);
	size_t i = (size_t)(q * (double)(n - 1) + 0.5);
	return v[i];
}

/* ---- the servers ---- */

static void set_float(uint16_t *regs, double v)
{
	float f = (float)v;
	uint32_t u;
	memcpy(&u, &f, sizeof u);
	regs[0] = (uint16_t)(u >> 16);	/* SDM120: high word first */
	regs[1] = (uint16_t)u;
}

static void serve(struct server *s, int i)
{
	uint8_t req[MODBUS_TCP_MAX_ADU_LENGTH];
	int h = modbus_get_header_length(s->ctx);
	modbus_set_socket(s->ctx, s->clients[i]);
	int len = modbus_receive(s->ctx, req);
	if (len < 0) {
		close(s->clients[i]);
		s->clients[i] = -1;
		return;
	}
	if (len <= h + 2)
		return;
	struct rec r = { .t_in = now_ns(), .unit = req[h - 1], .fc = req[h],
			 .addr = (uint16_t)(req[h + 1] << 8 | req[h + 2]), .phase = phase };
	if (r.unit == 1)
		modbus_reply(s->ctx, req, len, s->relay);
	else if (r.unit == 2)
		modbus_reply(s->ctx, req, len, s->meter);
	else
		return;		/* nobody at that unit: no answer */
	r.t_out = now_ns();
	if (s->nrec < MAX_REC)
		s->recs[s->nrec++] = r;
	if (r.phase == PHASE_GATEWAY && r.unit == 2 && r.addr == REG_ENERGY)
		atomic_fetch_add(&s->gw_energy_reads, 1);
}

static void *server_main(void *arg)
{
	struct server *s = arg;
	int64_t end = now_ns() + (int64_t)SERVER_LIFETIME_S * 1000000000;
	while (!atomic_load(&stop_servers) && now_ns() < end) {
		struct pollfd pfd[1 + MAX_CLIENTS];
		int idx[1 + MAX_CLIENTS];
		nfds_t n = 0;
		pfd[n++] = (struct pollfd){ .fd = s->lfd, .events = POLLIN };
		for (int i = 0; i < MAX_CLIENTS; i++)
			if (s->clients[i] >= 0) {
				idx[n] = i;
				pfd[n++] = (struct pollfd){ .fd = s->clients[i], .events = POLLIN };
			}
		if (poll(pfd, n, 100) <= 0)
			continue;
		if (pfd[0].revents & POLLIN) {
			int fd = accept(s->lfd, NULL, NULL), i;
			for (i = 0; fd >= 0 && i < MAX_CLIENTS && s->clients[i] >= 0; i++)
				;
			if (fd >= 0 && i < MAX_CLIENTS)
				s->clients[i] = fd;
			else if (fd >= 0)
				close(fd);
		}
		for (nfds_t k = 1; k < n; k++)
			if (pfd[k].revents)
				serve(s, idx[k]);
	}
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (s->clients[i] >= 0)
			close(s->clients[i]);
	close(s->lfd);
	return NULL;
}

static int server_start(struct server *s, int k)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof a;
	s->ctx = modbus_new_tcp("127.0.0.1", 0);	/* port 0: any free one */
	s->relay = modbus_mapping_new(NCH, 0, 0, 0);
	s->meter = modbus_mapping_new(0, 0, 0, 0x60);
	s->recs = calloc(MAX_REC, sizeof *s->recs);
	if (!s->ctx || !s->relay || !s->meter || !s->recs)
		return -1;
	memset(s->relay->tab_bits, 1, NCH);
	set_float(&s->meter->tab_input_registers[REG_POWER], 40.0 + k);
	set_float(&s->meter->tab_input_registers[REG_ENERGY], 1000.5 + k);
	modbus_set_indication_timeout(s->ctx, 0, 200000);
	modbus_set_byte_timeout(s->ctx, 0, 200000);
	for (int i = 0; i < MAX_CLIENTS; i++)
		s->clients[i] = -1;
	s->lfd = modbus_tcp_listen(s->ctx, MAX_CLIENTS);
	if (s->lfd < 0 || getsockname(s->lfd, (struct sockaddr *)&a, &alen) < 0)
		return -1;
	s->port = ntohs(a.sin_port);
	return pthread_create(&s->thread, NULL, server_main, s) == 0 ? 0 : -1;
}

/* ---- the raw client ---- */

struct raw {
	int64_t tx[RAW_ROUNDS * TX_PER_CYCLE];	/* ns per transaction */
	int64_t cycle[RAW_ROUNDS];		/* ns, sum of a round's 96 */
	int failures;
};

static int64_t timed_read(modbus_t *c, int unit, int fc, int addr, int *fail)
{
	uint8_t bits[NCH];
	uint16_t regs[2];
	int64_t t = now_ns();
	int rc;
	modbus_set_slave(c, unit);
	if (fc == 1)
		rc = modbus_read_bits(c, addr, NCH, bits) == NCH;
	else
		rc = modbus_read_input_registers(c, addr, 2, regs) == 2;
	t = now_ns() - t;
	if (!rc)
		++*fail;
	return t;
}

static int raw_run(struct raw *r)
{
	modbus_t *c[NDEV];
	for (int d = 0; d < NDEV; d++) {
		char port[8];
		snprintf(port, sizeof port, "%d", servers[d].port);
		c[d] = modbus_new_tcp_pi("127.0.0.1", port);
		if (!c[d] || modbus_connect(c[d]) < 0) {
			fprintf(stderr, "bench: raw client: %s\n", modbus_strerror(errno));
			return -1;
		}
		modbus_set_response_timeout(c[d], 1, 0);
	}
	/* Three rounds to warm up (caches, first allocations), then measured. */
	for (int round = -3; round < RAW_ROUNDS; round++) {
		int64_t sum = 0;
		for (int d = 0; d < NDEV; d++) {
			int64_t t[TX_PER_DEV] = {
				timed_read(c[d], 1, 1, 0, &r->failures),
				timed_read(c[d], 2, 4, REG_POWER, &r->failures),
				timed_read(c[d], 2, 4, REG_ENERGY, &r->failures),
			};
			for (int k = 0; k < TX_PER_DEV; k++) {
				if (round >= 0)
					r->tx[round * TX_PER_CYCLE + d * TX_PER_DEV + k] = t[k];
				sum += t[k];
			}
		}
		if (round >= 0)
			r->cycle[round] = sum;
	}
	for (int d = 0; d < NDEV; d++) {
		modbus_close(c[d]);
		modbus_free(c[d]);
	}
	return 0;
}

/* ---- the gateway run ---- */

static int min_gw_cycles(void)
{
	int m = INT_MAX;
	for (int d = 0; d < NDEV; d++) {
		int v = atomic_load(&servers[d].gw_energy_reads);
		if (v < m)
			m = v;
	}
	return m;
}

static int write_config(const char *path, int mqtt_port, const char *cwd)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "{\"broker\":{\"host\":\"127.0.0.1\",\"port\":%d},\"db\":\"decran.db\","
		   "\"rules\":\"%s/tests/fixtures/rules.json\",\"control_socket\":\"gw.sock\","
		   "\"profiles_dir\":\"%s/gateway/profiles\",\"boxes\":[", mqtt_port, cwd, cwd);
	for (int d = 0; d < NDEV; d++)
		fprintf(f, "%s{\"id\":\"mb-%02d\",\"driver\":\"modbus-tcp\",\"host\":\"127.0.0.1\","
			   "\"port\":%d,\"unit\":1,\"profile\":\"generic-coil-relay\",\"channels\":%d,"
			   "\"poll_ms\":%d,\"meter\":{\"profile\":\"eastron-sdm120\",\"unit\":2}}",
			d ? "," : "", d, servers[d].port, NCH, POLL_MS);
	fprintf(f, "]}\n");
	return fclose(f);
}

static int cmp_rec(const void *a, const void *b)
{
	return cmp_i64(&((const struct rec *)a)->t_in, &((const struct rec *)b)->t_in);
}

/* The gateway's cycles as the servers saw them: its requests in time order,
 * split where the gap exceeds half a period; complete cycles only, the first
 * (connections) left out.  Also the spacing of requests within one box's
 * poll: the gateway's per-transaction time, its own overhead included. */
static size_t gw_cycles(int64_t *span, size_t max, int64_t *tx, size_t *ntx)
{
	size_t n = 0, nc = 0;
	for (int d = 0; d < NDEV; d++)
		for (size_t i = 0; i < servers[d].nrec; i++)
			n += servers[d].recs[i].phase == PHASE_GATEWAY;
	struct rec *all = malloc((n ? n : 1) * sizeof *all);
	if (!all)
		return 0;
	n = 0;
	*ntx = 0;
	for (int d = 0; d < NDEV; d++) {
		struct rec *prev = NULL;
		for (size_t i = 0; i < servers[d].nrec; i++) {
			struct rec *r = &servers[d].recs[i];
			if (r->phase != PHASE_GATEWAY)
				continue;
			all[n++] = *r;
			/* coils -> power -> energy of one poll: two intervals */
			if (prev && r->unit == 2 && r->t_in - prev->t_in < (int64_t)POLL_MS * 500000)
				tx[(*ntx)++] = r->t_in - prev->t_in;
			prev = r;
		}
	}
	qsort(all, n, sizeof *all, cmp_rec);
	size_t start = 0;
	for (size_t i = 1; i <= n; i++) {
		if (i < n && all[i].t_in - all[i - 1].t_in < (int64_t)POLL_MS * 500000)
			continue;
		/* [start, i) is one cycle */
		if (start > 0 && i - start == TX_PER_CYCLE && nc < max) {
			int64_t last = 0;
			for (size_t k = start; k < i; k++)
				if (all[k].t_out > last)
					last = all[k].t_out;
			span[nc++] = last - all[start].t_in;
		}
		start = i;
	}
	free(all);
	return nc;
}

/* The gateway's "poll cycle" lines: the k-th line of each TCP worker is its
 * part of cycle k; the slowest worker makes the cycle.  The first cycle
 * (connections) is left out. */
#define LOG_WORKERS 16
#define LOG_CYCLES 64
static size_t log_cycles(const char *logp, double *ms, int *workers)
{
	static double t[LOG_WORKERS][LOG_CYCLES];
	size_t n[LOG_WORKERS] = { 0 }, cycles = LOG_CYCLES;
	char line[512];
	FILE *f = fopen(logp, "r");
	*workers = 0;
	if (!f)
		return 0;
	while (fgets(line, sizeof line, f)) {
		char *p = strstr(line, "debug modbus: poll cycle bus=tcp-");
		int w;
		size_t devs;
		double v;
		if (p && sscanf(p, "debug modbus: poll cycle bus=tcp-%d devices=%zu ms=%lf", &w,
				&devs, &v) == 3 && w >= 0 && w < LOG_WORKERS && n[w] < LOG_CYCLES)
			t[w][n[w]++] = v;
	}
	fclose(f);
	for (int w = 0; w < LOG_WORKERS; w++)
		if (n[w]) {
			*workers = w + 1;
			cycles = n[w] < cycles ? n[w] : cycles;
		}
	if (!*workers || cycles < 2)
		return 0;
	for (size_t k = 1; k < cycles; k++) {
		ms[k - 1] = 0;
		for (int w = 0; w < *workers; w++)
			ms[k - 1] = t[w][k] > ms[k - 1] ? t[w][k] : ms[k - 1];
	}
	return cycles - 1;
}

/* CPU seconds of every thread of a process, to the nanosecond: the first
 * field of /proc/PID/task/TID/schedstat (clock ticks are too coarse for a
 * few milliseconds per cycle). */
static double cpu_seconds(pid_t pid)
{
	char path[64];
	double sum = 0;
	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	DIR *dir = opendir(path);
	struct dirent *e;
	if (!dir)
		return -1;
	while ((e = readdir(dir))) {
		char p[320];
		unsigned long long ns;
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof p, "/proc/%d/task/%s/schedstat", (int)pid, e->d_name);
		FILE *f = fopen(p, "r");
		if (f && fscanf(f, "%llu", &ns) == 1)
			sum += (double)ns / 1e9;
		if (f)
			fclose(f);
	}
	closedir(dir);
	return sum;
}

static double med_ms(int64_t *v, size_t n)
{
	return (double)quantile(v, n, 0.5) / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(void)
{
	char dir[] = "/tmp/decran-bench-modbus-XXXXXX", path[512], cwd[PATH_MAX], logp[600];
	static struct raw raw;
	pid_t broker = -1, gw = -1;
	int status = 1;
	double gw_cpu_ms = -1;

	if (!mkdtemp(dir) || !getcwd(cwd, sizeof cwd))
		return 1;
	snprintf(logp, sizeof logp, "%s/gateway.log", dir);
	for (int d = 0; d < NDEV; d++)
		if (server_start(&servers[d], d) < 0) {
			fprintf(stderr, "bench: server %d: %s\n", d, modbus_strerror(errno));
			atomic_store(&stop_servers, 1);
			for (int k = 0; k < d; k++)
				pthread_join(servers[k].thread, NULL);
			return 1;
		}

	/* Raw: a bare client, sequential. */
	phase = PHASE_RAW;
	int raw_rc = raw_run(&raw);

	/* Gateway: a private broker, an empty inventory, the 32 boxes. */
	phase = PHASE_GATEWAY;
	int mqtt_port = bench_free_port();
	snprintf(path, sizeof path, "%s/mosquitto.conf", dir);
	broker = bench_start_broker(path, mqtt_port, "");
	if (broker < 0)
		goto out;
	char *err = NULL;
	snprintf(path, sizeof path, "%s/decran.db", dir);
	struct dc_store *st = dc_store_open(path, &err);
	if (!st) {
		fprintf(stderr, "bench: %s\n", err);
		free(err);
		goto out;
	}
	dc_store_close(st);
	snprintf(path, sizeof path, "%s/gateway.json", dir);
	if (write_config(path, mqtt_port, cwd) < 0)
		goto out;
	char gwbin[PATH_MAX + 32];
	snprintf(gwbin, sizeof gwbin, "%s/%s/bin/decran-gateway", cwd,
		 getenv("B") ? getenv("B") : "build");
	gw = fork();
	if (gw == 0) {
		if (!freopen(logp, "w", stderr))
			_exit(126);
		/* Noon in Paris: nothing to switch, only polls. */
		execl(gwbin, "decran-gateway", "-v", "-c", path, "--clock",
		      "2026-11-23T11:00:00Z,1", (char *)NULL);
		_exit(127);
	}
	/* CPU from the end of the first cycle (connections, start-up) on. */
	int64_t deadline = now_ns() + 30 * (int64_t)1000000000;
	while (min_gw_cycles() < 1 && now_ns() < deadline && waitpid(gw, NULL, WNOHANG) == 0)
		usleep(1000);
	int c0 = min_gw_cycles();
	double cpu0 = cpu_seconds(gw);
	while (min_gw_cycles() < GW_CYCLES + 2 && now_ns() < deadline && waitpid(gw, NULL, WNOHANG) == 0)
		usleep(20000);
	int c1 = min_gw_cycles();
	gw_cpu_ms = c1 > c0 ? (cpu_seconds(gw) - cpu0) * 1000 / (c1 - c0) : -1;
	kill(gw, SIGTERM);
	waitpid(gw, NULL, 0);
	gw = -1;
	status = 0;
out:
	if (gw > 0) {
		kill(gw, SIGTERM);
		waitpid(gw, NULL, 0);
	}
	if (broker > 0) {
		kill(broker, SIGTERM);
		waitpid(broker, NULL, 0);
	}
	atomic_store(&stop_servers, 1);
	for (int d = 0; d < NDEV; d++)
		pthread_join(servers[d].thread, NULL);

	static int64_t span[64], gtx[NDEV * MAX_REC];
	static double lms[LOG_CYCLES];
	size_t ngtx = 0;
	int nworkers;
	size_t nspan = status ? 0 : gw_cycles(span, 64, gtx, &ngtx);
	size_t nlog = status ? 0 : log_cycles(logp, lms, &nworkers);

	printf("bench_modbus: %d relay modules (%d coils, unit 1) + %d SDM120 meters (unit 2) "
	       "behind %d libmodbus TCP servers on 127.0.0.1; %d transactions per poll cycle\n",
	       NDEV, NCH, NDEV, NDEV, TX_PER_CYCLE);
	double raw_cycle = 0;
	if (raw_rc < 0 || raw.failures) {
		printf("  raw client: FAILED (%d failed transactions)\n", raw.failures);
	} else {
		size_t ntx = RAW_ROUNDS * TX_PER_CYCLE;
		raw_cycle = med_ms(raw.cycle, RAW_ROUNDS);
		printf("  raw libmodbus client, sequential   %.2f ms per cycle (median of %d rounds: "
		       "sum of its %d transactions)\n", raw_cycle, RAW_ROUNDS, TX_PER_CYCLE);
		printf("    per transaction                  p50 %.1f us  p99 %.1f us\n",
		       (double)quantile(raw.tx, ntx, 0.5) / 1e3,
		       (double)quantile(raw.tx, ntx, 0.99) / 1e3);
	}
	if (nspan == 0) {
		printf("  gateway: FAILED, no complete poll cycle seen (log %s)\n", logp);
		status = 1;
	} else {
		double cyc = med_ms(span, nspan);
		printf("  decran-gateway full poll cycle     %.2f ms (median of %zu; min %.2f, max %.2f; "
		       "first request to last reply, on the servers)\n", cyc, nspan,
		       (double)quantile(span, nspan, 0) / 1e6, (double)quantile(span, nspan, 1) / 1e6);
		if (nlog) {
			qsort(lms, nlog, sizeof *lms, cmp_d);
			printf("    its debug log \"poll cycle\"       %.1f ms (median of %zu; slowest of "
			       "its %d TCP workers each cycle; poll_ms %d)\n", lms[nlog / 2], nlog,
			       nworkers, POLL_MS);
		}
		printf("    per transaction in a worker      p50 %.1f us  p99 %.1f us (request to next "
		       "request, %d workers at once)\n", (double)quantile(gtx, ngtx, 0.5) / 1e3,
		       (double)quantile(gtx, ngtx, 0.99) / 1e3, nworkers);
		if (gw_cpu_ms >= 0)
			printf("    CPU, event loop + workers        %.2f ms per cycle\n", gw_cpu_ms);
		if (raw_cycle > 0)
			printf("  ratio gateway cycle / raw sum      %.2f   (target <= 1.0: the worker pool "
			       "at least as fast as one bare client) %s\n", cyc / raw_cycle,
			       cyc <= raw_cycle ? "OK" : "MISSED");
	}
	if (!status) {
		const char *files[] = { "mosquitto.conf", "gateway.json", "gateway.log", "decran.db",
					"decran.db-wal", "decran.db-shm", "gw.sock" };
		for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
			snprintf(path, sizeof path, "%s/%s", dir, files[i]);
			unlink(path);
		}
		rmdir(dir);
	}
	for (int d = 0; d < NDEV; d++) {
		modbus_free(servers[d].ctx);
		modbus_mapping_free(servers[d].relay);
		modbus_mapping_free(servers[d].meter);
		free(servers[d].recs);
	}
	return status || raw_rc < 0 || raw.failures;
}
