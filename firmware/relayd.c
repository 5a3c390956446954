/* relayd.c — decran-relay: options, boot, and the one event loop.
 *
 * main() reads like a table of contents: options, configuration, boot state
 * (trusted clock → what the fallback schedule wants now; else the safe
 * state), relays driven, then one event loop (lib/evloop.h, the gateway's
 * too) over a signalfd, the MQTT socket, the meter's eventfd and the Modbus
 * TCP sockets.  Its timer is armed at the earliest of: next fallback
 * transition, gateway-silence deadline, MQTT keepalive/reconnect, telemetry,
 * watchdog, clock re-check; nothing wakes the box in between.
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
#include "sdnotify.h"
#include <unistd.h>

#include "atomicfile.h"
#include "evloop.h"
#include "i18n.h"
#include "paths.h"
#include "fwlog.h"
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
		   "        decran-relay [-c FICHIER] --safe-state\n"
		   "  -c, --config FICHIER   configuration JSON (défaut " DECRAN_RELAY_CONFIG ")\n"
		   "  --check-config FICHIER vérifie la configuration et sort (0 OK, 1 erreur)\n"
		   "  --safe-state           met les sorties à leur état de sécurité et sort\n"
		   "                         (ExecStopPost du service, après un arrêt brutal)\n"
		   "  --clock DÉBUT,VITESSE  horloge de test : AAAA-MM-JJTHH:MM:SSZ,facteur\n"
		   "                         (ou variable DECRAN_CLOCK)\n"
		   "  --version, --help\n",
		   "usage: decran-relay [-c FILE] [--clock START,SPEED]\n"
		   "       decran-relay --check-config FILE\n"
		   "       decran-relay [-c FILE] --safe-state\n"
		   "  -c, --config FILE      JSON configuration (default " DECRAN_RELAY_CONFIG ")\n"
		   "  --check-config FILE    check the configuration and exit (0 OK, 1 error)\n"
		   "  --safe-state           drive the outputs to their safe state and exit\n"
		   "                         (the unit's ExecStopPost, after a crash or a kill)\n"
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
	if (!fw_local_allowed(r->fb, channel, relayd_now(r), r->clock_trusted, fw_config_safe_on(&r->cfg, channel), on))
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
	for (size_t i = 0; i < r->cfg.nch; i++) {
		int ch = r->cfg.ch[i].channel, fb = r->fbs[ch - 1].fb;
		uint16_t bit = (uint16_t)(1u << (ch - 1));
		if (fb < 0)
			continue;
		regs[FW_MB_IR_FB_KNOWN] |= bit;
		if (fb)
			regs[FW_MB_IR_FB_ON] |= bit;
		if (fb != r->st[ch - 1].on)
			regs[FW_MB_IR_FB_STUCK] |= bit;
	}
}

static int64_t meter_now(const void *ud)
{
	return relayd_now(ud);
}

/* The broker's credentials and TLS files: relative names are systemd
 * credentials (LoadCredential=), so secrets are never readable by the
 * service user outside the service. */
static int read_password(struct relayd *r)
{
	char err[512];
	struct dc_mqtt_sec *sec = &r->cfg.mqtt.sec;
	dc_mqtt_sec_resolve(sec, getenv("CREDENTIALS_DIRECTORY"));
	if (dc_mqtt_sec_load(sec, "mqtt", r->password, sizeof r->password, err, sizeof err) < 0) {
		fw_log(LOG_ERR, "%s", err);
		return -1;
	}
	if (sec->tls && !sec->verify)
		fw_log(LOG_WARNING, "%s",
		       TR("mqtt.tls.verify est false : le certificat du courtier n'est pas vérifié, "
			  "n'importe qui sur le chemin peut se faire passer pour lui",
			  "mqtt.tls.verify is false: the broker's certificate is not checked, anyone "
			  "on the path can pose as the broker"));
	return 0;
}

/* Without a key anyone who may publish on the broker commands the box:
 * said loudly at every start (docs/security.md). */
static int read_command_key(struct relayd *r)
{
	char path[PATH_MAX], err[PATH_MAX + 96];
	if (!r->cfg.command_key_file[0]) {
		fw_log(LOG_WARNING, "%s", TR("ATTENTION : pas de command_key_file : cette boîte obéit "
					     "à tout message non authentifié (commandes, planning, "
					     "état de la passerelle) ; provisionnez sa clé "
					     "(decran boxes provision)",
					     "WARNING: no command_key_file: this box obeys "
					     "unauthenticated messages (commands, schedule, gateway "
					     "status); provision its key (decran boxes provision)"));
		return 0;
	}
	/* A relative name is a systemd credential (LoadCredential=). */
	snprintf(path, sizeof path, "%s", r->cfg.command_key_file);
	dc_path_resolve(path, sizeof path, getenv("CREDENTIALS_DIRECTORY"));
	if (dc_auth_key_load(path, r->key, err, sizeof err)) {
		fw_log(LOG_ERR, "command_key_file: %s", err);
		return -1;
	}
	r->keyed = true;
	fw_log(LOG_INFO, "%s", TR("commandes authentifiées (HMAC-SHA256, clé de la boîte)",
				  "commands authenticated (HMAC-SHA256, the box's key)"));
	return 0;
}

/* --check-config: the secret files too, as the service reads them.  A
 * relative name is a systemd credential, there only inside the service
 * (its ExecStartPre has CREDENTIALS_DIRECTORY): by hand it is named as not
 * checked rather than looked for in the current directory. */
static int check_secret_files(struct relayd *r)
{
	struct dc_mqtt_sec *sec = &r->cfg.mqtt.sec;
	char *names[] = { sec->password_file, sec->ca_file, sec->ca_dir, sec->cert_file,
			  sec->key_file, r->cfg.command_key_file };
	if (!getenv("CREDENTIALS_DIRECTORY"))
		for (size_t i = 0; i < sizeof names / sizeof *names; i++)
			if (*names[i] && names[i][0] != '/') {
				printf(TR("%s : identifiant systemd (LoadCredential=), vérifié par "
					  "le service seulement\n",
					  "%s: a systemd credential (LoadCredential=), checked by "
					  "the service only\n"), names[i]);
				names[i][0] = '\0';
			}
	int rc = read_password(r);
	if (rc == 0 && r->cfg.command_key_file[0])
		rc = read_command_key(r);
	return rc;
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
		initial[ch - 1] = fw_wanted(r->fb, ch, now, r->clock_trusted, fw_config_safe_on(&r->cfg, ch),
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
		fw_feedback_switched(&r->fbs[ch - 1], dc_mono_ms(), r->cfg.feedback_debounce_ms);
		fw_journal_add(&r->journal, ch, initial[ch - 1], FW_SRC_BOOT, now);
		fw_log(LOG_INFO, TR("canal %d : %s au démarrage", "channel %d: %s at boot"), ch,
		       initial[ch - 1] ? TR("allumé", "on") : TR("éteint", "off"));
	}
	relayd_safe_state_arm(r);	/* from now on, every exit() darkens */
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
	if (read_command_key(r))
		return -1;
	relayd_load_persisted(r);
	if (boot(r) || read_password(r))
		return -1;
	if (fw_watchdog_open(&r->wdog, &r->cfg.watchdog, err, sizeof err)) {
		fw_log(LOG_ERR, "%s", err);
		return -1;
	}
	dc_mqtt_lib_init();
	if (!(r->mqtt = relayd_mqtt_new(r))) {
		fw_log(LOG_ERR, "mqtt: cannot create client: %s", dc_mqtt_new_error());
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
		dc_sd_notify("WATCHDOG=1");
		r->watchdog_at = mono + (int64_t)(r->watchdog_usec / 2000);
	}

	int64_t next = min64(dc_mqtt_next_ms(r->mqtt, mono), r->tele_at);
	next = min64(next, fw_watchdog_feed(&r->wdog, mono));
	next = min64(next, relayd_feedback_run(r, mono));
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

/* Let the last messages out and their acknowledgements in (QoS 1 above
 * the in-flight window waits for them) before saying goodbye: until the
 * link has been quiet for 100 ms, at most one second. */
static void flush(struct dc_mqtt *m)
{
	int64_t until = dc_mono_ms() + 1000;
	for (int64_t now = dc_mono_ms(); now < until && dc_mqtt_up(m); now = dc_mono_ms()) {
		struct pollfd p = { .fd = dc_mqtt_fd(m), .events = dc_mqtt_poll_events(m) };
		if (p.fd < 0 || poll(&p, 1, 100) <= 0)
			return;
		dc_mqtt_on_io(m, p.revents, dc_mono_ms());
	}
}

/* Wait (briefly) for the broker to close after our DISCONNECT: closing
 * first, with its acknowledgements unread, would reset the connection and
 * the broker could drop the last states and the offline status. */
static void drain(int fd)
{
	char buf[512];
	int64_t until = dc_mono_ms() + 1000;
	if (fd < 0)
		return;
	for (int64_t now = dc_mono_ms(); now < until; now = dc_mono_ms()) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, (int)(until - now)) <= 0 || read(fd, buf, sizeof buf) <= 0)
			return;
	}
}

/* ---- the event loop (lib/evloop.h) ---- */

/* The fds that come and go (the MQTT socket or its name look-up, the Modbus
 * server's clients) are registered again before every sleep: their owners
 * close them on their own, and a number closed then reused must not keep
 * a stale registration. */
struct relay_loop {
	struct relayd *r;
	int timer, mb_listen;
	int dyn[MAX_POLLFDS];
	size_t ndyn;
};

static void on_signal(struct dc_loop *l, int fd, unsigned events, void *ud)
{
	struct relayd *r = ud;
	struct signalfd_siginfo si;
	(void)l, (void)events;
	while (read(fd, &si, sizeof si) == sizeof si)
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			r->quit = 1;
		else if (r->hang_hook && si.ssi_signo == SIGUSR2)
			for (fw_log(LOG_WARNING, "test: loop hung");;)
				pause();
}

static short to_poll(unsigned events)
{
	return (short)(((events & DC_READABLE) ? POLLIN : 0) | ((events & DC_WRITABLE) ? POLLOUT : 0) |
		       ((events & DC_ERROR) ? POLLERR : 0));
}

static void on_mqtt(struct dc_loop *l, int fd, unsigned events, void *ud)
{
	struct relay_loop *rl = ud;
	(void)l, (void)fd;
	dc_mqtt_on_io(rl->r->mqtt, to_poll(events), dc_mono_ms());
}

static void on_meter(struct dc_loop *l, int fd, unsigned events, void *ud)
{
	struct relayd *r = ud;
	(void)l, (void)fd;
	if (!(events & DC_READABLE))
		return;
	fw_meter_take(r->meter, &r->reading);
	if (r->tele_on_reading) {	/* asked for a reading now (tele/get) */
		r->tele_on_reading = false;
		relayd_publish_tele(r);
	}
}

static void on_mbserver(struct dc_loop *l, int fd, unsigned events, void *ud)
{
	struct relay_loop *rl = ud;
	/* fw_mbserver_handle reads pfd[0] as its listening socket. */
	struct pollfd pfd[2] = { { .fd = rl->mb_listen, .events = POLLIN } };
	(void)l;
	if (fd == rl->mb_listen) {
		pfd[0].revents = to_poll(events);
		fw_mbserver_handle(rl->r->mb, pfd, 1);
	} else {
		pfd[1] = (struct pollfd){ .fd = fd, .events = POLLIN, .revents = to_poll(events) };
		fw_mbserver_handle(rl->r->mb, pfd, 2);
	}
}

/* Nothing to do: the timers run before the next sleep. */
static void on_timer(struct dc_loop *l, int id, void *ud)
{
	(void)l, (void)id, (void)ud;
}

static void watch_dynamic(struct dc_loop *l, struct relay_loop *rl)
{
	struct relayd *r = rl->r;
	struct pollfd pfd[MAX_POLLFDS];
	for (size_t i = 0; i < rl->ndyn; i++)
		dc_loop_del_fd(l, rl->dyn[i]);
	rl->ndyn = 0;
	int mfd = dc_mqtt_fd(r->mqtt);
	if (mfd >= 0) {
		short pe = dc_mqtt_poll_events(r->mqtt);
		if (dc_loop_add_fd(l, mfd, DC_READABLE | ((pe & POLLOUT) ? DC_WRITABLE : 0), on_mqtt,
				   rl) == 0)
			rl->dyn[rl->ndyn++] = mfd;
	}
	size_t nmb = fw_mbserver_pollfds(r->mb, pfd, MAX_POLLFDS - 1);
	rl->mb_listen = nmb ? pfd[0].fd : -1;
	for (size_t i = 0; i < nmb; i++)
		if (dc_loop_add_fd(l, pfd[i].fd, DC_READABLE, on_mbserver, rl) == 0)
			rl->dyn[rl->ndyn++] = pfd[i].fd;
}

static void before_sleep(struct dc_loop *l, void *ud)
{
	struct relay_loop *rl = ud;
	if (rl->r->quit) {
		dc_loop_stop(l);
		return;
	}
	dc_loop_timer_set(l, rl->timer, run_timers(rl->r, dc_mono_ms()));
	watch_dynamic(l, rl);
}

static int loop(struct relayd *r)
{
	/* Tests only: SIGUSR2 hangs the loop, to show the watchdog starve. */
	r->hang_hook = getenv("DECRAN_RELAY_TEST_HANG") != NULL;
	int sfd = dc_signalfd_open(r->hang_hook ? SIGUSR2 : 0);
	struct dc_loop *l = dc_loop_new();
	struct relay_loop rl = { .r = r, .mb_listen = -1 };
	if (sfd < 0 || !l || dc_loop_add_fd(l, sfd, DC_READABLE, on_signal, r) < 0 ||
	    (rl.timer = dc_loop_timer_new(l, on_timer, &rl)) < 0 ||
	    (fw_meter_fd(r->meter) >= 0 &&
	     dc_loop_add_fd(l, fw_meter_fd(r->meter), DC_READABLE, on_meter, r) < 0)) {
		fw_log(LOG_ERR, "signalfd/epoll: %m");
		dc_loop_free(l);
		if (sfd >= 0)
			close(sfd);
		return 1;
	}
	int64_t mono = dc_mono_ms();
	dc_mqtt_start(r->mqtt, mono);
	r->tele_at = mono + (int64_t)r->cfg.telemetry_s * 1000;
	r->sync_check_at = mono + SYNC_CHECK_MS;
	r->watchdog_usec = dc_sd_watchdog_usec();
	r->watchdog_at = mono;
	dc_sd_notify("READY=1");
	relayd_notify_status(r);

	dc_loop_set_before_sleep(l, before_sleep, &rl);
	if (dc_loop_run(l) < 0)
		fw_log(LOG_ERR, "epoll_wait: %m");
	dc_sd_notify("STOPPING=1");
	fw_log(LOG_INFO, "%s", TR("arrêt", "stopping"));
	relayd_safe_state(r);
	for (size_t i = 0; i < r->cfg.nch; i++)
		relayd_publish_state(r, r->cfg.ch[i].channel);
	relayd_publish_status(r, false);
	flush(r->mqtt);
	int mfd = dc_mqtt_fd(r->mqtt);
	dc_mqtt_disconnect(r->mqtt);
	drain(mfd);
	dc_loop_free(l);
	close(sfd);
	return 0;
}

/* Secrets no longer in this process's memory (a core dump, a swap). */
static void forget_secrets(struct relayd *r)
{
	explicit_bzero(r->key, sizeof r->key);
	explicit_bzero(r->password, sizeof r->password);
}

static void teardown(struct relayd *r, bool clean)
{
	relayd_safe_state(r);	/* a start-up that failed after boot() */
	fw_watchdog_close(&r->wdog, clean);
	fw_mbserver_close(r->mb);
	fw_meter_stop(r->meter);
	dc_mqtt_free(r->mqtt);
	fw_hal_close(r->hal);
	fw_journal_free(&r->journal);
	free(r->fb);
	forget_secrets(r);
}

int relayd_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", required_argument, NULL, 'k' },
		{ "safe-state", no_argument, NULL, 'S' },
		{ "clock", required_argument, NULL, 'C' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = DECRAN_RELAY_CONFIG, *check = NULL, *clock_opt = NULL;
	char err[256];
	bool safe_only = false;
	int c;

	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'k': check = optarg; break;
		case 'S': safe_only = true; break;
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
		else if ((rc = check_secret_files(r)) == 0)
			printf("configuration OK\n");
		forget_secrets(r);
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
	if (safe_only) {
		rc = relayd_safe_state_only(&r->cfg);
		free(r);
		return rc;
	}
	fw_log(LOG_INFO, TR("decran-relay %s, boîte %s", "decran-relay %s, box %s"),
	       DECRAN_VERSION, r->cfg.box);
	if (setup(r) == 0)
		rc = loop(r);
	teardown(r, rc == 0);
	free(r);
	return rc;
}
