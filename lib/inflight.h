/* inflight.h — what became of a command left without an outcome by a
 * gateway that stopped (SIGKILL, power cut) before the device answered.
 *
 * After a restart the gateway knows, for each such command, its target
 * state and what the device reports now; the rule (docs/gateway.md,
 * "Commands in flight at a restart"), in this order:
 *   1. the device echoes the command's id as the one that set its state
 *      (native protocol, state/<ch> "id"): confirmed, it was executed;
 *   2. a later command exists for the same channel: superseded;
 *   3. the device reports the command's target state: confirmed;
 *   4. until the start-up grace is over, wait (a command still queued at
 *      the broker may yet be applied);
 *   5. the device reports the opposite state: failed;
 *   6. nothing reported (box offline, no answer): interrupted, once; a
 *      later report resolves it by rules 1-5 (the last outcome counts).
 */
#ifndef DECRAN_INFLIGHT_H
#define DECRAN_INFLIGHT_H

#include <stdbool.h>

enum dc_inflight_verdict {
	DC_INFLIGHT_WAIT,	/* no new outcome now */
	DC_INFLIGHT_CONFIRMED,
	DC_INFLIGHT_SUPERSEDED,
	DC_INFLIGHT_FAILED,
	DC_INFLIGHT_INTERRUPTED,
};

struct dc_inflight_obs {
	int to_state;		/* DC_STATE_ON / DC_STATE_OFF (reconcile.h) */
	int reported;		/* the device's state now, DC_STATE_UNKNOWN when none */
	bool echoed;		/* the device named this command as the one it applied */
	bool later_command;	/* a later command exists for the same channel */
	bool grace_over;
	bool interrupted;	/* its last outcome is already "interrupted" */
};

enum dc_inflight_verdict dc_inflight_decide(const struct dc_inflight_obs *o);
/* The command_outcomes value of a verdict; NULL for WAIT. */
const char *dc_inflight_outcome(enum dc_inflight_verdict v);

#endif
