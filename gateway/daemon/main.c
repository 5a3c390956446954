/* main.c — decran-gateway: enforce the schedule on every relay.
 *
 * Reads like a table of contents: options, configuration, rules, database,
 * then modules wired to one event loop (lib/evloop.h), each registering its
 * own fds and timers: signals (here), MQTT (mqtt.c), the control socket
 * (control.c), the Modbus workers' eventfd (modbus.c), the fleet's
 * deadlines (fleet.c), sd_notify (notify.c).  The loop
 * sleeps until the nearest deadline: no tick, no busy wait.
 */
#include <errno.h>
#include <getopt.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "audit.h"
#include "gw.h"
#include "gwlog.h"
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

void gw_clock_check(struct gw *g)
{
	const char *env = getenv("DECRAN_CLOCK_SYNCED");
	/* A test's or the demo's clock is chosen, not drifted: trusted unless
	 * the environment says otherwise. */
	bool trusted = g->cfg.trust_unsynced_clock ||
		       (g->clock.virtual_time && !(env && *env)) || dc_clock_synced();
	if (trusted == g->clock_trusted)
		return;
	g->clock_trusted = trusted;
	g->dirty = true;
	if (trusted)
		log_info("main", "clock synchronised: the schedule applies to advertising again");
	else
		log_warn("main", "clock not synchronised (no NTP): luminous advertising held off "
			 "until it is (clock_unsynced \"trust\" for a real-time clock without NTP)");
}

static void usage(FILE *f)
{
	fprintf(f, "usage: decran-gateway [-nv] [-c CONFIG] [--clock START[,SPEED]]\n"
		   "  -c, --config FILE  gateway configuration (default " DECRAN_GATEWAY_CONFIG ")\n"
		   "  -n, --check        check the configuration and rules, then exit\n"
		   "  -v, --verbose      debug log lines\n"
		   "      --clock SPEC   test clock \"YYYY-MM-DDTHH:MM:SSZ,SPEED\" (also $DECRAN_CLOCK)\n");
}

/* SIGTERM, SIGINT: stop; SIGHUP: reload — read from a signalfd in the loop,
 * acted on before the next sleep. */
static void on_signal(struct dc_loop *l, int fd, unsigned events, void *ud)
{
	struct gw *g = ud;
	struct signalfd_siginfo si;
	(void)l, (void)events;
	while (read(fd, &si, sizeof si) == sizeof si) {
		if (si.ssi_signo == SIGHUP)
			g->reload = true;
		else
			g->quit = true;
	}
}

static int signals_open(struct gw *g)
{
	g->sigfd = dc_signalfd_open(0);
	if (g->sigfd < 0)
		return -1;
	return dc_loop_add_fd(g->loop, g->sigfd, DC_READABLE, on_signal, g);
}

/* Before every sleep: a stop or reload asked for, then the fleet's work. */
static void before_sleep(struct dc_loop *l, void *ud)
{
	struct gw *g = ud;
	if (g->quit) {
		dc_loop_stop(l);
	} else {
		if (g->reload) {
			char err[512];
			g->reload = false;
			gw_reload(g, err, sizeof err);	/* logs why it refused */
		}
		gw_fleet_step(g);
	}
	if (g->mqtt)
		dc_mqtt_flush(g->mqtt);	/* the turn's packets, together */
	gw_log_flush();	/* the turn's lines, in one write */
}

int main(int argc, char **argv)
{
	static struct gw gw = { .sigfd = -1, .ctlfd = -1 };
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

#ifdef __GLIBC__
	/* One malloc arena: glibc gives each thread that allocates one of its
	 * own (64 MB of address space), and the hourly ledger worker's stayed
	 * resident, a megabyte of 15 at 10,000 screens.  The threads (that
	 * worker, the Modbus workers' result queues, a broker host name
	 * look-up) allocate too little to contend for it. */
	mallopt(M_ARENA_MAX, 1);
#endif
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
	/* Threads (Modbus workers, the broker's name look-up, the ledger's
	 * worker) read the environment: $TZ is set for good before them. */
	if (dc_tz_fix(st.rules->zone) < 0) {
		log_err("main", "cannot set the zone zone=%s", st.rules->zone);
		gw_stage_free(&st);
		return 1;
	}
	gw_stage_install_files(g, &st);
	g->policy = (struct dc_recon_policy){ g->cfg.retry_first_ms, g->cfg.retry_max_ms,
					      g->cfg.confirm_timeout_ms };
	g->boot_id = gw_now_ms(g);
	g->recon_wake_ms = INT64_MAX;
	g->next_edge = INT64_MAX;
	if (!(g->loop = dc_loop_new()) || signals_open(g) < 0 || gw_fleet_open(g) < 0 ||
	    gw_notify_open(g) < 0 || gw_energy_open(g) < 0) {
		log_err("main", "cannot create the event loop error=\"%s\"", strerror(errno));
		return 1;
	}
	if (gw_audit_open(g, err, sizeof err) < 0) {
		log_err("main", "cannot open database path=%s error=\"%s\"", g->cfg.db_path, err);
		return 1;
	}
	if (gw_plan_bind(g, true, err, sizeof err) < 0 || gw_plan_load_inputs(g, err, sizeof err) < 0) {
		log_err("main", "cannot load bindings error=\"%s\"", err);
		return 1;
	}
	gw_chan_ledger_start(g);
	/* The steps without an err of their own logged why just above. */
	const char *failed = NULL;
	err[0] = '\0';
	if (gw_mqtt_init(g) < 0)
		failed = "MQTT client";
	else if (gw_control_open(g) < 0)
		failed = "control socket";
	else if (gw_modbus_start(g, st.profiles, err, sizeof err) < 0)
		failed = "Modbus";
	if (failed) {
		log_err("main", "start-up failed step=\"%s\" error=\"%s\"", failed,
			*err ? err : "see the line above");
		return 1;
	}
	gw_stage_free(&st);
	g->started_ms = gw_mono();
	g->clock_trusted = true;	/* said once, if it is not */
	gw_clock_check(g);
	log_info("main", "started version=%s config=%s boxes=%zu channels=%zu clock=%s",
		 DECRAN_VERSION, g->config_path, g->cfg.nboxes, g->nchans,
		 g->clock.virtual_time ? "test" : "real");
	/* Reconcile at once (the first step, before the first sleep): a gateway
	 * started at 03:00 switches off what must be. */
	g->dirty = true;
	gw_notify_ready(g);
	dc_loop_set_before_sleep(g->loop, before_sleep, g);
	gw_log_batch(true);
	int rc = dc_loop_run(g->loop);
	gw_log_batch(false);
	if (rc < 0)
		log_err("main", "epoll_wait failed error=\"%s\"", strerror(errno));
	gw_notify_stopping();
	log_info("main", "stopping commands=%llu confirmations=%llu",
		 (unsigned long long)g->commands_sent, (unsigned long long)g->confirmations);
	gw_modbus_stop(g);
	gw_modbus_free();
	gw_control_close(g);
	gw_mqtt_free(g);
	gw_chan_ledger_stop(g);
	gw_audit_close(g);
	gw_energy_close(g);	/* its connection closes last */
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
	if (g->sigfd >= 0)
		close(g->sigfd);
	dc_loop_free(g->loop);
	return rc < 0 ? 1 : 0;
}
