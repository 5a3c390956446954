/* webd.c — decran-web: the dashboard as its own unprivileged process.
 *
 *   decran-web [-c web.json] [--listen ADDR:PORT] [--db PATH] [--sessions PATH]
 *              [--socket PATH] [--assets DIR] [--energy-config PATH] [-n]
 *
 * One loop: libmicrohttpd in external-epoll mode (web.h) and a signalfd.
 * The inventory is opened read-only; the only file written is the sessions
 * database.  Live state and every action go through decran-gateway's control
 * socket (gwlink.h), where this process has the "web" role.  -n checks the
 * configuration and exits.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <sqlite3.h>
#include "clock.h"

#include "evloop.h"
#include "gwconfig.h"
#include "gwlink.h"
#include "i18n.h"
#include "ledger.h"
#include "sdnotify.h"
#include "store.h"
#include "version.h"
#include "web.h"
#include "web_auth.h"
#include "webconfig.h"

/* How long a page waits for another process's write lock: a reader of a WAL
 * database meets one only during recovery or a checkpoint's truncation. */
#define PAGE_BUSY_WAIT_MS 1000

static void usage(FILE *f)
{
	fprintf(f, "usage: decran-web [-c web.json] [--listen ADDR:PORT] [--db PATH] "
		   "[--sessions PATH] [--socket PATH] [--assets DIR] [--energy-config PATH] [-n]\n");
}

/* Options override the file, which overrides the defaults. */
static int configure(int argc, char **argv, struct web_config *c, bool *check)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'l' },
		{ "db", required_argument, NULL, 'd' },
		{ "sessions", required_argument, NULL, 's' },
		{ "socket", required_argument, NULL, 'S' },
		{ "assets", required_argument, NULL, 'a' },
		{ "energy-config", required_argument, NULL, 'E' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct { int opt; char *dst; size_t len; } text[] = {
		{ 'l', c->listen, sizeof c->listen }, { 'd', c->db, sizeof c->db },
		{ 's', c->sessions_db, sizeof c->sessions_db },
		{ 'S', c->control_socket, sizeof c->control_socket },
		{ 'a', c->assets, sizeof c->assets },
		{ 'E', c->energy_config, sizeof c->energy_config },
	};
	const char *file = NULL;
	char err[600];
	int o;
	web_config_defaults(c);
	/* The file first, wherever -c stands. */
	while ((o = getopt_long(argc, argv, "c:nh", opts, NULL)) != -1)
		if (o == 'c')
			file = optarg;
		else if (o == '?')
			return 2;
	if (file && web_config_load(file, c, err, sizeof err) < 0) {
		fprintf(stderr, "err main: configuration %s\n", err);
		return 1;
	}
	optind = 1;
	while ((o = getopt_long(argc, argv, "c:nh", opts, NULL)) != -1) {
		for (size_t i = 0; i < sizeof text / sizeof text[0]; i++)
			if (o == text[i].opt && (size_t)snprintf(text[i].dst, text[i].len, "%s",
								 optarg) >= text[i].len) {
				fprintf(stderr, "err main: option -%c: too long\n", o);
				return 2;
			}
		if (o == 'n')
			*check = true;
		else if (o == 'h') {
			usage(stdout);
			exit(0);
		}
	}
	char addr[16];
	uint16_t port;
	if (optind < argc || gw_http_listen_parse(c->listen, addr, &port) < 0) {
		if (optind < argc)
			usage(stderr);
		else
			fprintf(stderr, "err main: listen: expected \"ADDR:PORT\" with an IPv4 "
					"address, got \"%s\"\n", c->listen);
		return 2;
	}
	return 0;
}

/* The unit's WatchdogSec= is answered from this loop, at half its period:
 * a loop that stops turning stops pinging, and systemd restarts it. */
static int serve(struct dc_web *w, int sfd)
{
	struct pollfd pf[2] = { { .fd = dc_web_fd(w), .events = POLLIN },
				{ .fd = sfd, .events = POLLIN } };
	int64_t wd_ms = (int64_t)(dc_sd_watchdog_usec() / 2000), wd_at = dc_mono_ms();
	for (;;) {
		int timeout = dc_web_timeout_ms(w);
		if (wd_ms > 0) {
			int64_t now = dc_mono_ms();
			if (now >= wd_at) {
				dc_sd_notify("WATCHDOG=1");
				wd_at = now + wd_ms;
			}
			if (timeout < 0 || wd_at - now < timeout)
				timeout = (int)(wd_at - now);
		}
		int n = poll(pf, 2, timeout);
		if (n < 0 && errno != EINTR) {
			fprintf(stderr, "err main: poll error=\"%s\"\n", strerror(errno));
			return 1;
		}
		if (pf[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof si) == sizeof si && si.ssi_signo != SIGHUP)
				return 0;
		}
		dc_web_run(w);
	}
}

int main(int argc, char **argv)
{
	struct web_config c;
	bool check = false;
	int rc = configure(argc, argv, &c, &check);
	if (rc)
		return rc;
	struct dc_ledger_config energy;
	char err[600];
	dc_ledger_config_default(&energy);
	if (*c.energy_config &&
	    dc_ledger_config_load(c.energy_config, &energy, err, sizeof err) < 0) {
		fprintf(stderr, "err main: energy_config %s\n", err);
		return 1;
	}
	char token[256];
	if (web_config_metrics_token(&c, token, sizeof token, err, sizeof err) < 0) {
		fprintf(stderr, "err main: configuration %s\n", err);
		dc_ledger_config_free(&energy);
		return 1;
	}
	if (check) {
		printf("configuration OK\n");
		dc_ledger_config_free(&energy);
		return 0;
	}
	/* The dashboard's files: the inventory read-only, its sessions its own. */
	char *e = NULL;
	struct dc_store *st = dc_store_open_readonly(c.db, &e);
	struct dc_sessions *ss = st ? dc_sessions_open(c.sessions_db, &e) : NULL;
	struct gw_link *link = ss ? gw_link_new(c.control_socket) : NULL;
	struct dc_web *w = NULL;
	if (link) {
		sqlite3_busy_timeout(dc_store_db(st), PAGE_BUSY_WAIT_MS);
		char addr[16];
		uint16_t port;
		gw_http_listen_parse(c.listen, addr, &port);
		struct dc_web_config wc = {
			.bind_addr = addr, .port = port, .assets_dir = c.assets,
			.secure_cookies = c.secure_cookies, .session_hours = c.session_hours,
			.energy = &energy, .commune = c.commune, .open_data = &c.open_data,
			.metrics_token = token, .legal = &c.legal, .a11y = &c.a11y,
			.public_url = c.public_url, .service_phone = c.service_phone,
		};
		struct dc_web_hooks hooks = gw_link_hooks(link);
		w = dc_web_open(&wc, st, ss, &hooks, &e);
		if (w)
			fprintf(stderr, "info web: dashboard listening url=http://%s:%u/ assets=%s "
					"db=%s gateway=%s version=%s\n", addr, dc_web_port(w), c.assets,
				c.db, c.control_socket, DECRAN_VERSION);
	}
	if (!w) {
		fprintf(stderr, "err main: start-up failed error=\"%s\"\n", e ? e : "out of memory");
		free(e);
		rc = 1;
		goto out;
	}
	int sfd = dc_signalfd_open(0);
	dc_sd_notify("READY=1\nSTATUS=serving the dashboard");
	rc = serve(w, sfd);
	dc_sd_notify("STOPPING=1");
	close(sfd);
	fprintf(stderr, "info main: stopping\n");
out:
	dc_web_close(w);
	gw_link_free(link);
	dc_sessions_close(ss);
	dc_store_close(st);
	dc_ledger_config_free(&energy);
	return rc;
}
