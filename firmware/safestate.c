/* safestate.c — the outputs' safe state on every way out (hw/watchdog.md).
 *
 * A clean stop (SIGTERM, SIGINT), a fatal error in the loop, a start-up that
 * fails after the lines were claimed and any exit() go through
 * relayd_safe_state(); a crash or SIGKILL cannot, so the unit's
 * ExecStopPost runs `decran-relay --safe-state`, which claims the lines at
 * their safe level and releases them.  A hang is the watchdog's job.
 */
#include "relayd.h"

#include <stdio.h>
#include <stdlib.h>

#include "i18n.h"
#include "fwlog.h"

static struct relayd *owner;	/* the daemon whose lines atexit() must drive */

static void at_exit(void)
{
	if (owner)
		relayd_safe_state(owner);
}

void relayd_safe_state_arm(struct relayd *r)
{
	static bool registered;
	owner = r;
	if (!registered && atexit(at_exit) == 0)
		registered = true;
}

void relayd_safe_state(struct relayd *r)
{
	if (!r->hal || r->safe_done)
		return;
	owner = NULL;
	r->safe_done = true;
	for (size_t i = 0; i < r->cfg.nch; i++) {
		int ch = r->cfg.ch[i].channel;
		bool safe = r->cfg.ch[i].safe_on;
		bool changed = r->st[ch - 1].on != safe;
		if (fw_hal_set(r->hal, ch, safe)) {
			fw_log(LOG_ERR, TR("canal %d : état de sécurité impossible : %m",
					   "channel %d: cannot apply the safe state: %m"), ch);
			continue;
		}
		r->st[ch - 1].on = safe;
		/* The contact has not followed yet: no "fb" in the last states. */
		if (changed && r->cfg.ch[i].feedback.has)
			fw_feedback_switched(&r->fbs[ch - 1], dc_mono_ms(), r->cfg.feedback_debounce_ms);
	}
	fw_log(LOG_NOTICE, "%s", TR("sorties à l'état de sécurité", "outputs in their safe state"));
}

int relayd_safe_state_only(const struct fw_config *cfg)
{
	bool initial[DC_MAX_CHANNELS] = { 0 };
	char err[256];
	for (size_t i = 0; i < cfg->nch; i++)
		initial[cfg->ch[i].channel - 1] = cfg->ch[i].safe_on;
	/* Opening drives every line to its initial level in the same request. */
	struct fw_hal *h = fw_hal_open(cfg, initial, err, sizeof err);
	if (!h) {
		fprintf(stderr, "decran-relay --safe-state: %s\n", err);
		return 1;
	}
	fw_hal_close(h);
	fw_log(LOG_NOTICE, "%s", TR("sorties à l'état de sécurité", "outputs in their safe state"));
	return 0;
}
