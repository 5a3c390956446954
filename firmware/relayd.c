/* relayd.c — decran-relay: options, boot, and the one event loop.
 *
 * main() reads like a table of contents: options, configuration, boot state
 * (trusted clock → what the fallback schedule wants now; else the safe
 * state), relays driven, then one poll() loop over signalfd, timerfd, the
 * MQTT socket, the meter's eventfd and the Modbus TCP sockets.  The timerfd
 * is armed at the earliest of: next fallback transition, gateway-silence
 * deadline, MQTT keepalive/reconnect, telemetry, watchdog, clock re-check;
 * nothing wakes the box in between.
 */
#include "relayd.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <modbus.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "atomicfile.h"
#include "i18n.h"
#include "paths.h"
#include "log.h"
#include "mbserver.h"
#include "regdecode.h"
#include "version.h"

#define SYNC_CHECK_MS 60000	/* re-ask the kernel whether NTP has synced */
#define MAX_POLLFDS (4 + 1 + 16)

static void usage(FILE *f)
{
	fprintf(f, "%s",
		TR("usage : decran-relay [-c FICHIER] [--clock DÉBUT,VITESSE]\n"
		   "        decran-relay --check-config FICHIER\n"
		   "  -c, --config FICHIER   configuration JSON (défaut " DECRAN_RELAY_CONFIG ")\n"
		   "  --check-config FICHIER vérifie la configuration et sort (0 OK, 1 erreur)\n"
		   "  --clock DÉBUT,VITESSE  horloge de test : AAAA-MM-JJTHH:MM:SSZ,facteur\n"
		   "                         (ou variable DECRAN_CLOCK)\n"
		   "  --version, --help\n",
		   "usage: decran-relay [-c FILE] [--clock START,SPEED]\n"
		   "       decran-relay --check-config FILE\n"
		   "  -c, --config FILE      JSON configuration (default " DECRAN_RELAY_CONFIG ")\n"
		   "  --check-config FILE    check the configuration and exit (0 OK, 1 error)\n"
		   "  --clock START,SPEED    test clock: YYYY-MM-DDTHH:MM:SSZ,factor\n"
		   "                         (or DECRAN_CLOCK in the environment)\n"
		   "  --version, --help\n"));
}

/* Modbus server callbacks: the same arbitration as every other source. */
static bool mb_get(void *ud, int channel)
{
	struct relayd *r = ud;
	return fw_config_channel(&r->cfg, channel) && r->st[channel - 1].on;
}

static int mb_write(void *ud, int channel, bool on, bool check_only)
{
	struct relayd *r = ud;
	if (!fw_config_channel(&r->cfg, channel))
		return MODBUS_EXCEPTION_ILLEGAL_DATA_ADDRESS;
	if (!fw_local_allowed(r->fb, channel, relayd_now(r), r->clock_trusted, r->cfg.safe_on, on))
		return MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE;
	if (check_only)
		return 0;
	if (r->st[channel - 1].on == on)
		return 0;
	return relayd_switch(r, channel, on, FW_SRC_LOCAL, NULL) ? MODBUS_EXCEPTION_SLAVE_OR_SERVER_FAILURE : 0;
}

static void mb_inputs(void *ud, uint16_t regs[FW_MB_IR_COUNT])
{
	struct relayd *r = ud;
	static const char *const names[] = { "voltage_v", "current_a", "power_w", "energy_kwh" };
	unsigned maj = 0, min = 0, pat = 0;
	memset(regs, 0, FW_MB_IR_COUNT * sizeof *regs);
	for (size_t k = 0; k < 4; k++)
		for (size_t i = 0; i < r->reading.n; i++)
			if (r->reading.v[i].ok && strcmp(r->reading.v[i].name, names[k]) == 0)
				dc_reg_encode_float32(r->reading.v[i].value, DC_WORDS_BIG,
						      &regs[k * 2]);
	regs[FW_MB_IR_METER_OK] = r->reading.ok;
	sscanf(DECRAN_VERSION, "%u.%u.%u", &maj, &min, &pat);
	regs[FW_MB_IR_FW_MAJOR] = (uint16_t)maj;
	regs[FW_MB_IR_FW_MINOR] = (uint16_t)min;
	regs[FW_MB_IR_FW_PATCH] = (uint16_t)pat;
	regs[FW_MB_IR_MODE] = r->autonomous;
	regs[FW_MB_IR_CLOCK] = r->clock_trusted;
}

static int64_t meter_now(const void *ud)
{
	return relayd_now(ud);
}

static int read_password(struct relayd *r)
{
	size_t len;
	char path[PATH_MAX];
	const char *creds = getenv("CREDENTIALS_DIRECTORY");
	if (!r->cfg.mqtt.password_file[0])
		return 0;
	/* A relative name is a systemd credential (LoadCredential=). */
	if (r->cfg.mqtt.password_file[0] != '/' && creds)
		snprintf(path, sizeof path, "%s/%s", creds, r->cfg.mqtt.password_file);
	else
		snprintf(path, sizeof path, "%s", r->cfg.mqtt.password_file);
	char *s = dc_read_file(path, sizeof r->password - 1, &len);
	if (!s) {
		fw_log(LOG_ERR, "mqtt.password_file: %s: %m", path);
		return -1;
	}
	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		s[--len] = '\0';
	snprintf(r->password, sizeof r->password, "%s", s);
	free(s);
	return 0;
}

/* Boot: decide every channel before touching a line, then claim the lines
 * already at that state.  Every boot state is journalled (source boot). */
static int boot(struct relayd *r)
{
	bool initial[DC_MAX_CHANNELS] = { 0 };
	char err[256];
	int64_t now = relayd_now(r);

	r->clock_trusted = dc_clock_synced();
	if (!r->clock_trusted)
		fw_log(LOG_WARNING, "%s", TR("horloge non synchronisée : état de sécurité",
					     "clock not synchronised: safe state"));
	for (size_t i = 0; i < r->cfg.nch; i++) {
		int ch = r->cfg.ch[i].channel;
		initial[ch - 1] = fw_wanted(r->fb, ch, now, r->clock_trusted, r->cfg.safe_on,
					    &r->st[ch - 1].next_edge);
	}
	r->hal = fw_hal_open(&r->cfg, initial, err, sizeof err);
	if (!r->hal) {
		fw_log(LOG_ERR, "%s", err);
		return -1;
	}
	for (size_t i = 0; i < r->cfg.nch; i++) {
		int ch = r->cfg.ch[i].channel;
		r->st[ch - 1].on = initial[ch - 1];
		r->st[ch - 1].src = FW_SRC_BOOT;
		r->st[ch - 1].t = now;
		fw_journal_add(&r->journal, ch, initial[ch - 1], FW_SRC_BOOT, now);
		fw_log(LOG_INFO, TR("canal %d : %s au démarrage", "channel %d: %s at boot"), ch,
		       initial[ch - 1] ? TR("allumé", "on") : TR("éteint", "off"));
	}
	r->autonomous = true;	/* until the gateway is heard */
	relayd_persist_state(r);
	relayd_persist_journal(r);
	return 0;
}

static int setup(struct relayd *r)
{
	char err[256];
	if (mkdir(r->cfg.state_dir, 0750) && errno != EEXIST) {
		fw_log(LOG_ERR, "state_dir: %s: %m", r->cfg.state_dir);
		return -1;
	}
	snprintf(r->path_state, sizeof r->path_state, "%s/state.json", r->cfg.state_dir);
	snprintf(r->path_fallback, sizeof r->path_fallback, "%s/fallback.json", r->cfg.state_dir);
	snprintf(r->path_journal, sizeof r->path_journal, "%s/journal.json", r->cfg.state_dir);
	if (fw_journal_init(&r->journal, (size_t)r->cfg.journal_max))
		return -1;
	r->gw_seen_ms = INT64_MIN;
	r->start_mono_ms = dc_mono_ms();
	r->journal_retry_at = INT64_MAX;
	relayd_load_persisted(r);
	if (boot(r) || read_password(r))
		return -1;
	dc_mqtt_lib_init();
	if (!(r->mqtt = relayd_mqtt_new(r))) {
		fw_log(LOG_ERR, "mqtt: cannot create client");
		return -1;
	}
	if (r->cfg.meter.enabled &&
	    !(r->meter = fw_meter_start(&r->cfg.meter, meter_now, r, err, sizeof err))) {
		fw_log(LOG_ERR, "%s", err);
		return -1;
	}
	if (r->cfg.modbus_tcp.enabled) {
		struct fw_mbserver_ops ops = { mb_get, mb_write, mb_inputs };
		if (!(r->mb = fw_mbserver_open(&r->cfg, &ops, r, err, sizeof err))) {
			fw_log(LOG_ERR, "%s", err);
			return -1;
		}
	}
	return 0;
}

static void arm(int tfd, int64_t at_mono_ms)
{
	struct itimerspec its = { 0 };
	if (at_mono_ms < 1)
		at_mono_ms = 1;	/* 0 would disarm */
	its.it_value.tv_sec = at_mono_ms / 1000;
	its.it_value.tv_nsec = (at_mono_ms % 1000) * 1000000;
	timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* Everything due at `mono`; returns the next monotonic deadline. */
static int64_t run_timers(struct relayd *r, int64_t mono)
{
	dc_mqtt_on_timer(r->mqtt, mono);
	if (mono >= r->sync_check_at) {
		bool trusted = dc_clock_synced();
		r->sync_check_at = mono + SYNC_CHECK_MS;
		if (trusted != r->clock_trusted) {
			r->clock_trusted = trusted;
			fw_log(LOG_NOTICE, "%s", trusted ? TR("horloge synchronisée", "clock synchronised")
							 : TR("horloge désynchronisée", "clock lost sync"));
			if (r->autonomous)
				relayd_apply_fallback(r, true);
			relayd_publish_status(r, true);
		}
	}
	relayd_evaluate(r);
	if (mono >= r->tele_at) {
		r->tele_at = mono + (int64_t)r->cfg.telemetry_s * 1000;
		relayd_publish_tele(r);
	}
	if (mono >= r->journal_retry_at) {
		r->journal_retry_at = INT64_MAX;
		relayd_publish_journal(r);
	}
	if (r->watchdog_usec && mono >= r->watchdog_at) {
		sd_notify(0, "WATCHDOG=1");
		r->watchdog_at = mono + (int64_t)(r->watchdog_usec / 2000);
	}

	int64_t next = min64(dc_mqtt_next_ms(r->mqtt, mono), r->tele_at);
	next = min64(next, r->sync_check_at);
	next = min64(next, r->journal_retry_at);
	if (r->watchdog_usec)
		next = min64(next, r->watchdog_at);
	int64_t v = relayd_next_virtual_ms(r);
	if (v != INT64_MAX) {
		int64_t now_v = dc_clock_now_ms(&r->clk);
		next = min64(next, dc_mono_ms() + dc_clock_real_delay_ms(&r->clk, now_v, v));
	}
	return next;
}

static int loop(struct relayd *r)
{
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (sfd < 0 || tfd < 0) {
		fw_log(LOG_ERR, "signalfd/timerfd: %m");
		return 1;
	}
	int64_t mono = dc_mono_ms();
	dc_mqtt_start(r->mqtt, mono);
	r->tele_at = mono + (int64_t)r->cfg.telemetry_s * 1000;
	r->sync_check_at = mono + SYNC_CHECK_MS;
	if (sd_watchdog_enabled(0, &r->watchdog_usec) <= 0)
		r->watchdog_usec = 0;
	r->watchdog_at = mono;
	sd_notify(0, "READY=1\nSTATUS=running");

	while (!r->quit) {
		struct pollfd pfd[MAX_POLLFDS];
		arm(tfd, run_timers(r, dc_mono_ms()));
		pfd[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = tfd, .events = POLLIN };
		int mfd = dc_mqtt_fd(r->mqtt);
		pfd[2] = (struct pollfd){ .fd = mfd, .events = mfd >= 0 ? dc_mqtt_poll_events(r->mqtt) : 0 };
		pfd[3] = (struct pollfd){ .fd = fw_meter_fd(r->meter), .events = POLLIN };
		size_t nmb = fw_mbserver_pollfds(r->mb, pfd + 4, MAX_POLLFDS - 4);
		if (poll(pfd, 4 + nmb, -1) < 0) {
			if (errno == EINTR)
				continue;
			fw_log(LOG_ERR, "poll: %m");
			break;
		}
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof si) == sizeof si)
				if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
					r->quit = 1;
		}
		if (pfd[1].revents & POLLIN) {
			uint64_t exp;
			if (read(tfd, &exp, sizeof exp) < 0) {
				/* EAGAIN: re-armed meanwhile */
			}
		}
		if (mfd >= 0 && pfd[2].revents)
			dc_mqtt_on_io(r->mqtt, pfd[2].revents, dc_mono_ms());
		if (pfd[3].fd >= 0 && (pfd[3].revents & POLLIN))
			fw_meter_take(r->meter, &r->reading);
		fw_mbserver_handle(r->mb, pfd + 4, nmb);
	}
	sd_notify(0, "STOPPING=1");
	fw_log(LOG_INFO, "%s", TR("arrêt", "stopping"));
	relayd_publish_status(r, false);
	dc_mqtt_disconnect(r->mqtt);
	close(tfd);
	close(sfd);
	return 0;
}

static void teardown(struct relayd *r)
{
	fw_mbserver_close(r->mb);
	fw_meter_stop(r->meter);
	dc_mqtt_free(r->mqtt);
	fw_hal_close(r->hal);
	fw_journal_free(&r->journal);
	free(r->fb);
}

int relayd_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", required_argument, NULL, 'k' },
		{ "clock", required_argument, NULL, 'C' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = DECRAN_RELAY_CONFIG, *check = NULL, *clock_opt = NULL;
	char err[256];
	int c;

	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'k': check = optarg; break;
		case 'C': clock_opt = optarg; break;
		case 'V': printf("decran-relay %s\n", DECRAN_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	struct relayd *r = calloc(1, sizeof *r);
	if (!r)
		return 1;
	if (check) {
		int rc = fw_config_load(check, &r->cfg, err, sizeof err);
		if (rc)
			fprintf(stderr, "%s: %s\n", check, err);
		else
			printf("configuration OK\n");
		free(r);
		return rc ? 1 : 0;
	}
	int rc = 1;
	if (dc_clock_init(&r->clk, clock_opt, err, sizeof err)) {
		fprintf(stderr, "decran-relay: %s\n", err);
		free(r);
		return 2;
	}
	if (fw_config_load(config, &r->cfg, err, sizeof err)) {
		fprintf(stderr, "%s: %s\n", config, err);
		free(r);
		return 1;
	}
	fw_log(LOG_INFO, TR("decran-relay %s, boîte %s", "decran-relay %s, box %s"),
	       DECRAN_VERSION, r->cfg.box);
	if (setup(r) == 0)
		rc = loop(r);
	teardown(r);
	free(r);
	return rc;
}
