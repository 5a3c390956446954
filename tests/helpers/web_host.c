/* web_host.c — runs the dashboard module with a SIMULATED gateway, for the
 * page tests (decran-web, dashboard/src/webd.c, hosts the same module with
 * hooks to the real gateway's control socket): opens the database read-only
 * as decran-web does, sessions in their own file (--sessions, default
 * DB.sessions), serves in one poll loop (the same external-epoll API),
 * exits on SIGTERM/SIGINT.
 *
 *   web_host --db PATH [--port N] [--assets DIR] [--sim-boxes] [--sessions PATH]
 *            [--rules RULES.json] [--price EUR_PER_KWH] [--co2 G_PER_KWH]
 *            [--energy-config ENERGY.json] [--commune NAME]
 *            [--web-config WEB.json]
 *
 * Prints "listening on http://127.0.0.1:PORT" once ready (port 0 = any).
 *
 * --sim-boxes gives the hooks a SIMULATED gateway (two relay boxes in
 * memory, one offline) so the technician's pages can be exercised; like the
 * gateway, it writes bindings and overrides to the database (its own
 * read-write connection).  Without it, every hook is NULL and pages say
 * the gateway is not connected.  --rules loads a rule file and answers
 * "state now and why" with the real schedule engine (lib/schedule.h).
 * --energy-config gives the
 * module the energy ledger's zone, tariff and emission factor (energy.json,
 * as `decran --config`); without it the zone is Europe/Paris and money and
 * CO2e are unknown unless --price / --co2 say otherwise.  --web-config
 * takes decran-web's own web.json for its "open_data", "metrics", "legal"
 * and "accessibility" parts (webconfig.h), as decran-web does.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "i18n.h"
#include "ledger.h"
#include "overrides.h"
#include "rules.h"
#include "store.h"
#include "web.h"
#include "web_auth.h"
#include "web_buf.h"
#include "webconfig.h"

struct sim {
	struct dc_store *st;
	struct dc_rules *rules;		/* --rules: real schedule engine */
	struct dc_web_box boxes[2];
	int64_t relay_commands;
};

/* One host per process: hooks reach it here. */
static struct sim sim;

static int sim_boxes(void *arg, struct dc_web_box **out, size_t *n)
{
	(void)arg;
	struct sim *s = &sim;
	*out = malloc(sizeof s->boxes);
	if (!*out)
		return -1;
	memcpy(*out, s->boxes, sizeof s->boxes);
	for (int b = 0; b < 2; b++)	/* what the relays last reported */
		for (int c = 1; c <= (*out)[b].channels && c <= 16; c++) {
			struct dc_web_chan *ch = &(*out)[b].ch[c - 1];
			snprintf(ch->confirmed, sizeof ch->confirmed, "%s",
				 (*out)[b].relay_on & (1u << (c - 1)) ? "on" : "off");
			ch->confirmed_at = (*out)[b].last_seen;
		}
	*n = 2;
	return 0;
}

static int sim_alarms(void *arg, struct dc_web_alarm **out, size_t *n)
{
	(void)arg;
	struct sim *s = &sim;
	*out = calloc(1, sizeof **out);
	if (!*out)
		return -1;
	(*out)[0] = (struct dc_web_alarm){ .at = s->boxes[1].last_seen, .active = true };
	snprintf((*out)[0].severity, sizeof (*out)[0].severity, "warning");
	snprintf((*out)[0].source, sizeof (*out)[0].source, "%.47s", s->boxes[1].id);
	snprintf((*out)[0].text, sizeof (*out)[0].text, "%s",
		 TR("boîtier hors ligne (simulé)", "box offline (simulated)"));
	snprintf((*out)[0].kind, sizeof (*out)[0].kind, "offline");
	snprintf((*out)[0].box, sizeof (*out)[0].box, "%.47s", s->boxes[1].id);
	*n = 1;
	return 0;
}

static struct dc_web_box *find_box(struct sim *s, const char *id)
{
	for (int i = 0; i < 2; i++)
		if (strcmp(s->boxes[i].id, id) == 0)
			return &s->boxes[i];
	return NULL;
}

static int sim_relay(void *arg, const char *box, int channel, bool on, const char *actor,
		     char *err, size_t errlen)
{
	(void)actor;
	(void)arg;
	struct sim *s = &sim;
	struct dc_web_box *b = find_box(s, box);
	if (!b) {
		snprintf(err, errlen, "%s", TR("boîtier inconnu", "unknown box"));
		return -1;
	}
	if (!b->online) {
		snprintf(err, errlen, "%s", TR("boîtier hors ligne : commande non envoyée",
					       "box offline: command not sent"));
		return -1;
	}
	if (channel > b->channels) {
		snprintf(err, errlen, "%s", TR("ce boîtier n'a pas cette voie",
					       "this box has no such channel"));
		return -1;
	}
	if (on)
		b->relay_on |= 1u << (channel - 1);
	else
		b->relay_on &= ~(1u << (channel - 1));
	b->last_seen = time(NULL);
	s->relay_commands++;
	return 0;
}

static int sim_bind(void *arg, const char *screen, const char *box, int channel,
		    const char *actor, char *err, size_t errlen)
{
	(void)arg;
	struct sim *s = &sim;
	int found = dc_store_bind_screen(s->st, screen, box, channel, actor, NULL);
	if (found <= 0) {
		snprintf(err, errlen, "%s", found < 0 ? dc_store_errmsg(s->st)
						     : TR("écran inconnu", "unknown screen"));
		return -1;
	}
	return 0;
}

static int sim_override_set(void *arg, const char *screen, bool on, int64_t until,
			    const char *reason, const char *actor, char *err, size_t errlen)
{
	(void)arg;
	int64_t now = time(NULL), id;
	struct dc_override o = { .kind = on ? DC_FORCE_ON : DC_FORCE_OFF, .from = now,
				 .until = until };
	snprintf(o.screen, sizeof o.screen, "%s", screen);
	snprintf(o.author, sizeof o.author, "%s", actor);
	snprintf(o.reason, sizeof o.reason, "%s", reason);
	return gw_override_add(sim.st, &o, now, &id, err, errlen) < 0 ? -1 : 0;
}

static int sim_override_clear(void *arg, int64_t id, const char *actor, char *err, size_t errlen)
{
	(void)arg;
	int count = 0;
	if (gw_override_clear(sim.st, id, NULL, actor, time(NULL), &count, err, errlen) < 0)
		return -1;
	if (!count)
		snprintf(err, errlen, "%s", TR("ce forçage n'est plus en cours",
					       "this override is no longer in force"));
	return count ? 0 : -1;
}

static const struct dc_rules *host_rules(void *arg)
{
	(void)arg;
	return sim.rules;
}

static void sim_metrics(void *arg, struct dc_buf *out)
{
	(void)arg;
	struct sim *s = &sim;
	dc_buf_printf(out, "# HELP decran_relay_commands_total Relay commands sent (simulated).\n"
		      "# TYPE decran_relay_commands_total counter\n"
		      "decran_relay_commands_total %lld\n", (long long)s->relay_commands);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "port", required_argument, NULL, 'p' },
		{ "assets", required_argument, NULL, 'a' },
		{ "sim-boxes", no_argument, NULL, 's' },
		{ "price", required_argument, NULL, 'e' },
		{ "co2", required_argument, NULL, 'c' },
		{ "rules", required_argument, NULL, 'r' },
		{ "energy-config", required_argument, NULL, 'E' },
		{ "sessions", required_argument, NULL, 'S' },
		{ "commune", required_argument, NULL, 'C' },
		{ "web-config", required_argument, NULL, 'W' },
		{ NULL, 0, NULL, 0 },
	};
	char spath[1024] = "";
	struct dc_web_config cfg = { .assets_dir = "dashboard" };
	const char *db = NULL, *rules_path = NULL, *energy_path = NULL, *web_path = NULL;
	struct dc_ledger_config energy;
	bool sim_on = false;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'p': cfg.port = (uint16_t)atoi(optarg); break;
		case 'a': cfg.assets_dir = optarg; break;
		case 's': sim_on = true; break;
		case 'e': cfg.price_eur_per_kwh = atof(optarg); break;
		case 'c': cfg.co2_g_per_kwh = atof(optarg); break;
		case 'r': rules_path = optarg; break;
		case 'E': energy_path = optarg; break;
		case 'S': snprintf(spath, sizeof spath, "%s", optarg); break;
		case 'C': cfg.commune = optarg; break;
		case 'W': web_path = optarg; break;
		default:
			fprintf(stderr, "usage: web_host --db PATH [--port N] [--assets DIR] "
					"[--sim-boxes] [--rules FILE] [--price EUR] [--co2 G] "
					"[--energy-config FILE] [--web-config WEB.json]\n");
			return 2;
		}
	}
	if (!db) {
		fprintf(stderr, "web_host: --db is required\n");
		return 2;
	}
	dc_ledger_config_default(&energy);
	if (energy_path) {
		char eerr[512];
		if (dc_ledger_config_load(energy_path, &energy, eerr, sizeof eerr) < 0) {
			fprintf(stderr, "web_host: %s\n", eerr);
			return 1;
		}
		cfg.energy = &energy;
	}
	static struct web_config wc;
	static char token[256];
	if (web_path) {
		char werr[700];
		web_config_defaults(&wc);
		if (web_config_load(web_path, &wc, werr, sizeof werr) < 0 ||
		    web_config_metrics_token(&wc, token, sizeof token, werr, sizeof werr) < 0) {
			fprintf(stderr, "web_host: %s\n", werr);
			return 1;
		}
		cfg.metrics_token = token;
		cfg.legal = &wc.legal;
		cfg.a11y = &wc.a11y;
		cfg.open_data = &wc.open_data;
	}
	char *err = NULL;
	struct dc_store *st = dc_store_open(db, &err);
	if (!st) {
		fprintf(stderr, "web_host: %s\n", err ? err : "cannot open the database");
		free(err);
		return 1;
	}
	sim.st = st;
	if (!*spath)
		snprintf(spath, sizeof spath, "%s.sessions", db);
	struct dc_store *ro = dc_store_open_readonly(db, &err);
	struct dc_sessions *ss = ro ? dc_sessions_open(spath, &err) : NULL;
	if (!ss) {
		fprintf(stderr, "web_host: %s\n", err ? err : "cannot open the database");
		return 1;
	}
	if (rules_path) {
		char rerr[512];
		sim.rules = dc_rules_load(rules_path, rerr, sizeof rerr);
		if (!sim.rules) {
			fprintf(stderr, "web_host: %s\n", rerr);
			dc_store_close(st);
			return 1;
		}
	}
	int64_t now = time(NULL);
	sim.boxes[0] = (struct dc_web_box){ .id = "sim-box-1", .online = true, .heard = true,
					    .last_seen = now,
					    .channels = 8, .firmware = "sim 1.0" };
	sim.boxes[1] = (struct dc_web_box){ .id = "sim-box-2", .online = false, .heard = true,
					    .last_seen = now - 3600, .channels = 8,
					    .firmware = "sim 1.0" };
	struct dc_web_hooks hooks = { 0 };
	if (sim_on)
		hooks = (struct dc_web_hooks){ .list_boxes = sim_boxes,
					       .list_alarms = sim_alarms, .relay_test = sim_relay,
					       .bind = sim_bind,
					       .override_set = sim_override_set,
					       .override_clear = sim_override_clear,
					       .metrics = sim_metrics };
	if (sim.rules) {
		hooks.rules = host_rules;
	}
	struct dc_web *w = dc_web_open(&cfg, ro, ss, &hooks, &err);
	if (!w) {
		fprintf(stderr, "web_host: %s\n", err ? err : "cannot start the web server");
		free(err);
		dc_store_close(st);
		return 1;
	}
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	printf("listening on http://127.0.0.1:%u\n", dc_web_port(w));
	fflush(stdout);

	struct pollfd pf[2] = { { .fd = dc_web_fd(w), .events = POLLIN },
				{ .fd = sfd, .events = POLLIN } };
	int rc = 0;
	for (;;) {
		int n = poll(pf, 2, dc_web_timeout_ms(w));
		if (n < 0 && errno != EINTR) {
			perror("web_host: poll");
			rc = 1;
			break;
		}
		if (pf[1].revents & POLLIN)
			break;
		dc_web_run(w);
	}
	dc_web_close(w);
	dc_rules_free(sim.rules);
	dc_sessions_close(ss);
	dc_store_close(ro);
	dc_store_close(st);
	dc_ledger_config_free(&energy);
	close(sfd);
	return rc;
}
