/* main.c — decran-gateway: enforce the schedule on every relay.
 *
 * Reads like a table of contents: options, configuration, rules, database,
 * then one epoll loop over a signalfd, a timerfd, the MQTT socket, the
 * control socket and the Modbus workers' eventfd.  The timer is armed for
 * the nearest deadline (schedule edge, retry, keepalive, heartbeat): no tick,
 * no busy wait.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "drv_native.h"
#include "gw.h"
#include "log.h"
#include "loop.h"
#include "paths.h"
#include "tz.h"
#include "version.h"

int64_t gw_now(const struct gw *g)
{
	return dc_clock_now(&g->clock);
}

int64_t gw_now_ms(const struct gw *g)
{
	return dc_clock_now_ms(&g->clock);
}

int64_t gw_mono(void)
{
	return dc_mono_ms();
}

static void usage(FILE *f)
{
	fprintf(f, "usage: decran-gateway [-nv] [-c CONFIG] [--clock START[,SPEED]]\n"
		   "  -c, --config FILE  gateway configuration (default " DECRAN_GATEWAY_CONFIG ")\n"
		   "  -n, --check        check the configuration and rules, then exit\n"
		   "  -v, --verbose      debug log lines\n"
		   "      --clock SPEC   test clock \"YYYY-MM-DDTHH:MM:SSZ,SPEED\" (also $DECRAN_CLOCK)\n");
}

static int setup_fds(struct gw *g)
{
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	g->epfd = epoll_create1(EPOLL_CLOEXEC);
	g->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	g->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (g->epfd < 0 || g->sigfd < 0 || g->timerfd < 0)
		return -1;
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = GW_EV(GW_FD_SIGNAL, g->sigfd) };
	epoll_ctl(g->epfd, EPOLL_CTL_ADD, g->sigfd, &ev);
	ev.data.u64 = GW_EV(GW_FD_TIMER, g->timerfd);
	epoll_ctl(g->epfd, EPOLL_CTL_ADD, g->timerfd, &ev);
	return 0;
}

static void on_signal(struct gw *g)
{
	struct signalfd_siginfo si;
	while (read(g->sigfd, &si, sizeof si) == sizeof si) {
		if (si.ssi_signo == SIGHUP)
			g->reload = true;
		else
			g->quit = true;
	}
}

static void heartbeat(struct gw *g, int64_t mono)
{
	char buf[96];
	if (!g->mqtt_up || mono < g->next_heartbeat_ms)
		return;
	size_t n = dc_native_heartbeat(1, gw_now(g), buf, sizeof buf);
	gw_publish(g, DC_GATEWAY_STATUS_TOPIC, buf, n, 1, true);
	/* Boxes measure the gateway's silence on their clock: under a fast
	 * test clock the period shrinks with it. */
	int64_t now_ms = gw_now_ms(g);
	g->next_heartbeat_ms = mono + dc_clock_real_delay_ms(&g->clock, now_ms,
							      now_ms + (int64_t)g->cfg.heartbeat_s * 1000);
}

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* Arm the timerfd for the nearest deadline, in real milliseconds. */
static void arm(struct gw *g, int64_t mono)
{
	int64_t next = gw_mqtt_next(g);
	next = min64(next, g->recon_wake_ms);
	next = min64(next, gw_alarms_next_offline(g));
	next = min64(next, gw_control_next(g));
	next = min64(next, gw_web_next(g));
	next = min64(next, gw_energy_next(g));
	next = min64(next, gw_audit_next(g));
	if (g->mqtt_up)
		next = min64(next, g->next_heartbeat_ms);
	if (g->next_edge != INT64_MAX) {
		/* The schedule's instants are virtual under a test clock. */
		int64_t now_ms = gw_now_ms(g);
		next = min64(next, mono + dc_clock_real_delay_ms(&g->clock, now_ms,
								  g->next_edge * 1000));
	}
	if (g->next_fallback_s)
		next = min64(next, mono + dc_clock_real_delay_ms(&g->clock, gw_now_ms(g),
								 g->next_fallback_s * 1000));
	int64_t d = next - mono;
	if (d < 1)
		d = 1;	/* 0 would disarm the timer */
	struct itimerspec its = { .it_value = { d / 1000, (d % 1000) * 1000000 } };
	timerfd_settime(g->timerfd, 0, &its, NULL);
}

/* Everything time-driven, after any event: cheap when nothing is due. */
static void tick(struct gw *g)
{
	int64_t mono = gw_mono();
	gw_mqtt_timer(g, mono);
	if (g->next_edge != INT64_MAX && gw_now(g) >= g->next_edge)
		g->dirty = true;
	if (g->mqtt_up && !g->settled && mono >= g->started_ms + g->cfg.startup_grace_ms) {
		/* Grace over: take in every retained state already received, then
		 * decide (a restart must not re-switch what is already right). */
		gw_mqtt_drain(g);
		g->settled = true;
		g->recon_wake_ms = mono;
		/* Commands in flight at the last stop: resolved from those states
		 * before any new command supersedes them. */
		gw_audit_inflight_settle(g);
	}
	if (g->dirty) {
		gw_plan_evaluate(g);
		gw_chan_step_all(g);
	} else if (mono >= g->recon_wake_ms) {
		gw_chan_step_all(g);
	}
	gw_chan_pump(g);	/* commands the MQTT window held back */
	if (g->settled && (g->fallbacks_dirty || gw_now(g) >= g->next_fallback_s))
		gw_plan_push_fallbacks(g, false);
	else if (g->settled)
		gw_plan_fallbacks_continue(g);
	gw_alarms_check_offline(g);
	gw_control_tests(g);
	heartbeat(g, mono);
	gw_energy_tick(g);
	gw_mqtt_update_epoll(g);
}

static int run(struct gw *g)
{
	struct epoll_event evs[32];
	while (!g->quit) {
		arm(g, gw_mono());
		int n = epoll_wait(g->epfd, evs, 32, -1);
		if (n < 0 && errno != EINTR) {
			log_err("main", "epoll_wait failed error=\"%s\"", strerror(errno));
			return -1;
		}
		for (int i = 0; i < n; i++) {
			uint64_t u = evs[i].data.u64;
			switch (GW_EV_KIND(u)) {
			case GW_FD_SIGNAL:
				on_signal(g);
				break;
			case GW_FD_TIMER: {
				uint64_t x;
				while (read(g->timerfd, &x, sizeof x) == sizeof x)
					;
				break;
			}
			case GW_FD_MQTT:
				gw_mqtt_io(g, evs[i].events);
				break;
			case GW_FD_CTL:
				gw_control_accept(g);
				break;
			case GW_FD_CLIENT:
				gw_control_client(g, GW_EV_FD(u));
				break;
			case GW_FD_WORKER:
				gw_modbus_drain(g);
				break;
			case GW_FD_WEB:
				break;	/* served below, with its timeouts */
			}
		}
		if (g->reload) {
			char err[512];
			g->reload = false;
			gw_reload(g, err, sizeof err);	/* logs why it refused */
		}
		gw_web_run(g);
		gw_audit_tick(g);
		tick(g);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct gw gw = { .epfd = -1, .sigfd = -1, .timerfd = -1, .ctlfd = -1 };
	struct gw *g = &gw;
	const char *clock_spec = NULL;
	bool check = false;
	char err[1024];
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "clock", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	g->config_path = DECRAN_GATEWAY_CONFIG;
	while ((c = getopt_long(argc, argv, "c:nvh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			g->config_path = optarg;
			break;
		case 'n':
			check = true;
			break;
		case 'v':
			gw_log_verbose = 1;
			break;
		case 'k':
			clock_spec = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("decran-gateway %s\n", DECRAN_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (dc_clock_init(&g->clock, clock_spec, err, sizeof err) < 0) {
		log_err("main", "bad test clock error=\"%s\"", err);
		return 2;
	}
	/* The same checks as every reload (stage.c). */
	struct gw_stage st;
	const char *what;
	if (gw_stage_files(g->config_path, &st, &what, err, sizeof err) < 0) {
		log_err("main", "invalid %s error=\"%s\"", what, err);
		return 1;
	}
	if (check) {
		gw_stage_free(&st);
		printf("configuration OK\n");
		return 0;
	}
	gw_stage_install_files(g, &st);
	g->policy = (struct dc_recon_policy){ g->cfg.retry_first_ms, g->cfg.retry_max_ms,
					      g->cfg.confirm_timeout_ms };
	g->boot_id = gw_now_ms(g);
	g->recon_wake_ms = INT64_MAX;
	g->next_edge = INT64_MAX;
	if (setup_fds(g) < 0) {
		log_err("main", "cannot create event fds error=\"%s\"", strerror(errno));
		return 1;
	}
	if (gw_audit_open(g, err, sizeof err) < 0) {
		log_err("main", "cannot open database path=%s error=\"%s\"", g->cfg.db_path, err);
		return 1;
	}
	if (gw_plan_bind(g, err, sizeof err) < 0 || gw_plan_load_inputs(g, err, sizeof err) < 0) {
		log_err("main", "cannot load bindings error=\"%s\"", err);
		return 1;
	}
	gw_chan_ledger_start(g);
	gw_plan_lint(g);
	/* The steps without an err of their own logged why just above. */
	const char *failed = NULL;
	err[0] = '\0';
	if (gw_mqtt_init(g) < 0)
		failed = "MQTT client";
	else if (gw_control_open(g) < 0)
		failed = "control socket";
	else if (gw_modbus_start(g, st.profiles, err, sizeof err) < 0)
		failed = "Modbus";
	else if (gw_web_open(g, err, sizeof err) < 0)
		failed = "dashboard";
	if (failed) {
		log_err("main", "start-up failed step=\"%s\" error=\"%s\"", failed,
			*err ? err : "see the line above");
		return 1;
	}
	gw_stage_free(&st);
	g->started_ms = gw_mono();
	log_info("main", "started version=%s config=%s boxes=%zu channels=%zu clock=%s",
		 DECRAN_VERSION, g->config_path, g->cfg.nboxes, g->nchans,
		 g->clock.virtual_time ? "test" : "real");
	/* Reconcile at once: a gateway started at 03:00 switches off what must be. */
	g->dirty = true;
	tick(g);
	int rc = run(g);
	log_info("main", "stopping commands=%llu confirmations=%llu",
		 (unsigned long long)g->commands_sent, (unsigned long long)g->confirmations);
	gw_web_close(g);
	gw_modbus_stop(g);
	gw_modbus_free();
	gw_control_close(g);
	gw_mqtt_free(g);
	gw_audit_close(g);
	dc_sched_ctx_release(&g->sctx);
	free(g->overrides);
	free(g->alerts);
	if (g->rules)
		dc_rules_free(g->rules);
	gw_config_free(&g->cfg);
	dc_ledger_config_free(&g->energy);
	free(g->chans);
	free(g->boxes);
	free(g->screens);
	gw_strpool_free(&g->screen_text);
	gw_intern_free();
	free(g->box_ids);
	free(g->box_channels);
	return rc < 0 ? 1 : 0;
}
