/* bench_util.h — small pieces the benchmarks share (one header, static
 * functions: each benchmark is one C file). */
#ifndef DECRAN_BENCH_UTIL_H
#define DECRAN_BENCH_UTIL_H

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Monotonic seconds. */
static inline double bench_now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Median, min and max of x[0..n) (sorts x). */
static inline void bench_stats(double *x, int n, double *med, double *lo, double *hi)
{
	qsort(x, (size_t)n, sizeof *x, bench_cmp_double);
	*med = n % 2 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2;
	*lo = x[0];
	*hi = x[n - 1];
}

/* "1.23 0.98 0.75": the machine may be shared, and the figures say so. */
static inline void bench_loadavg(char *buf, size_t len)
{
	double l[3];
	if (getloadavg(l, 3) == 3)
		snprintf(buf, len, "%.2f %.2f %.2f", l[0], l[1], l[2]);
	else
		snprintf(buf, len, "?");
}

/* A TCP port on 127.0.0.1 nobody listens on right now. */
static inline int bench_free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t l = sizeof a;
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &l) < 0) {
		close(fd);
		return -1;
	}
	close(fd);
	return ntohs(a.sin_port);
}

/* A private mosquitto on 127.0.0.1:port, its config written to conf_path
 * (with `extra` lines, may be ""); silent.  The pid, or -1. */
static inline pid_t bench_start_broker(const char *conf_path, int port, const char *extra)
{
	FILE *f = fopen(conf_path, "w");
	if (!f)
		return -1;
	fprintf(f, "listener %d 127.0.0.1\nallow_anonymous true\npersistence false\n%s", port,
		extra);
	fclose(f);
	pid_t pid = fork();
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stderr))
			_exit(126);
		execl("/usr/sbin/mosquitto", "mosquitto", "-c", conf_path, (char *)NULL);
		_exit(127);
	}
	usleep(300000);	/* listening by then */
	return pid;
}

/* BENCH_SMAPS=1: where the resident memory is, one line per mapped file
 * (anonymous mappings by their kind), largest first. */
static inline void bench_print_rss_by_mapping(pid_t pid)
{
	char path[64], line[512], name[256] = "";
	snprintf(path, sizeof path, "/proc/%d/smaps", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	struct { char name[256]; long rss, dirty; } m[64];
	int n = 0;
	while (fgets(line, sizeof line, f)) {
		unsigned long lo, hi;
		long kb;
		char tail[256] = "";
		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %255[^\n]", &lo, &hi, tail) >= 2 && strchr(line, '-') < strchr(line, ' ')) {
			const char *t = tail;
			while (*t == ' ')
				t++;
			snprintf(name, sizeof name, "%s", *t ? t : "[anon]");
		} else if (sscanf(line, "Rss: %ld kB", &kb) == 1 || sscanf(line, "Private_Dirty: %ld kB", &kb) == 1) {
			int i = 0;
			while (i < n && strcmp(m[i].name, name))
				i++;
			if (i == n && n < 64) {
				snprintf(m[n].name, sizeof m[n].name, "%s", name);
				m[n].rss = m[n].dirty = 0;
				n++;
			}
			if (i < n)
				*(line[0] == 'R' ? &m[i].rss : &m[i].dirty) += kb;
		}
	}
	fclose(f);
	for (int a = 0; a < n; a++)
		for (int b = a + 1; b < n; b++)
			if (m[b].rss > m[a].rss) {
				__typeof__(m[0]) t = m[a];
				m[a] = m[b];
				m[b] = t;
			}
	printf("  RSS by mapping (KiB, private dirty):\n");
	for (int i = 0; i < n && m[i].rss; i++)
		printf("    %6ld %6ld  %s\n", m[i].rss, m[i].dirty, m[i].name);
}

#endif
