/* stage.c — a whole new configuration built off to the side.
 *
 * Start-up, `-n` and reload read the files through gw_stage_files: the
 * gateway's configuration, its rules (and their calendars), its energy
 * settings and the Modbus profiles its boxes name.  Reload then adds what
 * needs the database (bindings, overrides, grid alerts) and swaps only when
 * every part is good, with the Modbus workers stopped: until then the
 * running state is untouched, and on any error it stays as it was.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gw.h"
#include "gwlog.h"
#include "loop.h"
#include "msgauth.h"

/* Each native box's key, when provisioning made one (docs/security.md):
 * a box with a key only obeys what is sealed with it.  A key file that
 * exists but cannot be used stops the start or the reload. */
static int load_box_keys(struct gw_config *cfg, char *err, size_t errlen)
{
	for (size_t i = 0; i < cfg->nboxes; i++) {
		struct gw_box *b = &cfg->boxes[i];
		char path[GW_PATH_MAX + DC_ID_MAX + 8];
		struct stat st;
		b->keyed = false;
		if (b->driver != GW_DRV_NATIVE)
			continue;
		snprintf(path, sizeof path, "%s/%s.key", cfg->box_keys_dir, b->id);
		if (stat(path, &st) && errno == ENOENT)
			continue;
		if (dc_auth_key_load(path, b->key, err, errlen))
			return -1;
		b->keyed = true;
	}
	return 0;
}

int gw_stage_files(const char *config_path, struct gw_stage *s, const char **what, char *err,
		   size_t errlen)
{
	char why[1024];

	memset(s, 0, sizeof *s);
	dc_ledger_config_default(&s->energy);
	*what = "configuration";
	if (gw_config_load(config_path, &s->cfg, err, errlen) < 0)
		return -1;
	s->has_cfg = true;
	*what = "broker credentials";
	if (gw_config_load_secrets(&s->cfg, config_path, err, errlen) < 0)
		goto fail;
	*what = "box keys";
	if (load_box_keys(&s->cfg, err, errlen) < 0)
		goto fail;
	*what = "rules";
	if (!(s->rules = dc_rules_load(s->cfg.rules_path, err, errlen)))
		goto fail;
	*what = "energy settings";
	if (*s->cfg.energy_config &&
	    dc_ledger_config_load(s->cfg.energy_config, &s->energy, err, errlen) < 0)
		goto fail;
	/* One zone per gateway: it is fixed before any thread starts (lib/tz.h). */
	if (!*s->cfg.energy_config) {
		snprintf(s->energy.zone, sizeof s->energy.zone, "%s", s->rules->zone);
	} else if (strcmp(s->energy.zone, s->rules->zone)) {
		snprintf(err, errlen, "%s: zone: \"%s\" differs from the rules' zone \"%s\" (%s)",
			 s->cfg.energy_config, s->energy.zone, s->rules->zone, s->cfg.rules_path);
		goto fail;
	}
	*what = "Modbus profile";
	if (gw_profiles_of_config(&s->cfg, &s->profiles, why, sizeof why) < 0) {
		/* The field is the configuration's: name its file. */
		snprintf(err, errlen, "%s: %s", config_path, why);
		goto fail;
	}
	return 0;
fail:
	gw_stage_free(s);
	return -1;
}

int gw_stage_state(struct gw *g, struct gw_stage *s, const char **what, char *err, size_t errlen)
{
	*what = "bindings";
	if (gw_plan_bind_build(g, &s->cfg, s->rules, &s->bind, err, errlen) < 0)
		return -1;
	s->has_bind = true;
	*what = "schedule inputs";
	if (gw_plan_inputs_build(g, &s->inputs, err, errlen) < 0)
		return -1;
	s->has_inputs = true;
	return 0;
}

void gw_stage_free(struct gw_stage *s)
{
	if (s->has_cfg)
		gw_config_free(&s->cfg);
	if (s->rules)
		dc_rules_free(s->rules);
	dc_ledger_config_free(&s->energy);
	free(s->profiles);
	if (s->has_bind)
		gw_binding_free(&s->bind);
	if (s->has_inputs) {
		free(s->inputs.overrides);
		free(s->inputs.alerts);
	}
	memset(s, 0, sizeof *s);
}

/* The staged configuration, rules and energy settings become the running
 * ones; the running ones go into s, for gw_stage_free. */
static void swap_files(struct gw *g, struct gw_stage *s)
{
	struct gw_config cfg = g->cfg;
	struct dc_rules *rules = g->rules;
	struct dc_ledger_config energy = g->energy;

	dc_sched_ctx_release(&g->sctx);	/* caches the old rules' decisions */
	g->cfg = s->cfg;
	g->rules = s->rules;
	g->energy = s->energy;
	s->cfg = cfg;
	s->rules = rules;
	s->energy = energy;
	g->dirty = g->fallbacks_dirty = true;
	g->offline_due_known = false;	/* offline_alarm_s may have changed */
}

/* Start-up: the files checked, nothing running yet. */
void gw_stage_install_files(struct gw *g, struct gw_stage *s)
{
	swap_files(g, s);
	s->has_cfg = false;	/* g->cfg was empty */
	s->rules = NULL;
	dc_ledger_config_default(&s->energy);
}

int gw_reload(struct gw *g, char *err, size_t errlen)
{
	struct gw_stage s;
	const char *what;

	if (gw_stage_files(g->config_path, &s, &what, err, errlen) < 0)
		goto refused;
	/* The broker, database and socket need a restart; everything
	 * else reloads. */
	snprintf(s.cfg.broker_host, sizeof s.cfg.broker_host, "%s", g->cfg.broker_host);
	s.cfg.broker_port = g->cfg.broker_port;
	snprintf(s.cfg.db_path, sizeof s.cfg.db_path, "%s", g->cfg.db_path);
	snprintf(s.cfg.control_socket, sizeof s.cfg.control_socket, "%s", g->cfg.control_socket);
	if (gw_stage_state(g, &s, &what, err, errlen) < 0) {
		gw_stage_free(&s);
		goto refused;
	}
	/* Every part is good.  The workers read the configuration's boxes and
	 * profiles: joined before anything they read is replaced. */
	gw_modbus_stop(g);
	swap_files(g, &s);
	gw_plan_bind_install(g, &s.bind);
	s.has_bind = false;
	gw_plan_inputs_install(g, &s.inputs);
	s.has_inputs = false;
	int rc = gw_modbus_start(g, s.profiles, err, errlen);
	gw_stage_free(&s);	/* the old configuration, rules and energy settings */
	g->generation++;	/* new rules in force: clients (decran-web) re-read them */
	gw_clock_check(g);	/* clock_unsynced may have changed */
	g->policy = (struct dc_recon_policy){ g->cfg.retry_first_ms, g->cfg.retry_max_ms,
					      g->cfg.confirm_timeout_ms };
	gw_mqtt_reload(g);
	if (rc < 0) {
		/* Only resources (threads, memory) fail here: the new state is in
		 * force, its Modbus boxes silent until the next reload. */
		log_err("main", "reloaded without Modbus error=\"%s\"", err);
		return -1;
	}
	log_info("main", "reloaded config=%s rules=%s boxes=%zu", g->config_path,
		 g->cfg.rules_path, g->cfg.nboxes);
	return 0;
refused:
	log_err("main", "reload refused, running configuration kept: invalid %s error=\"%s\"", what,
		err);
	return -1;
}
