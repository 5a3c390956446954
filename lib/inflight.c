/* inflight.c — the restart rule for commands left without an outcome
 * (inflight.h). */
#include "inflight.h"

#include <stddef.h>

#include "reconcile.h"

enum dc_inflight_verdict dc_inflight_decide(const struct dc_inflight_obs *o)
{
	if (o->echoed)
		return DC_INFLIGHT_CONFIRMED;
	if (o->later_command)
		return DC_INFLIGHT_SUPERSEDED;
	if (o->reported != DC_STATE_UNKNOWN && o->reported == o->to_state)
		return DC_INFLIGHT_CONFIRMED;
	if (!o->grace_over)
		return DC_INFLIGHT_WAIT;
	if (o->reported != DC_STATE_UNKNOWN)
		return DC_INFLIGHT_FAILED;
	return o->interrupted ? DC_INFLIGHT_WAIT : DC_INFLIGHT_INTERRUPTED;
}

const char *dc_inflight_outcome(enum dc_inflight_verdict v)
{
	switch (v) {
	case DC_INFLIGHT_CONFIRMED:
		return "confirmed";
	case DC_INFLIGHT_SUPERSEDED:
		return "superseded";
	case DC_INFLIGHT_FAILED:
		return "failed";
	case DC_INFLIGHT_INTERRUPTED:
		return "interrupted";
	case DC_INFLIGHT_WAIT:
		break;
	}
	return NULL;
}
