/* fleet_decide.c — the gateway's fleet decisions, pure (fleet_decide.h). */
#include "fleet_decide.h"

#include <stdio.h>
#include <string.h>

#include "reconcile.h"

int gw_decide_channel(const bool *may_be_on, size_t n, size_t *off_by)
{
	*off_by = n;
	if (n == 0)
		return DC_STATE_UNKNOWN;
	for (size_t k = 0; k < n; k++)
		if (!may_be_on[k]) {
			*off_by = k;
			return DC_STATE_OFF;
		}
	return DC_STATE_ON;
}

bool gw_decide_can_send(enum gw_driver d, int box_online, bool mqtt_up, bool settled)
{
	if (d == GW_DRV_MODBUS_RTU || d == GW_DRV_MODBUS_TCP)
		return box_online >= 0;
	return mqtt_up && settled;
}

bool gw_decide_meter_alarm(bool active, int confirmed, int64_t since_switch_ms, double watts,
			   int settle_ms, double threshold_w)
{
	if (since_switch_ms < settle_ms)
		return active;
	return confirmed == DC_STATE_OFF && watts > threshold_w;
}

int64_t gw_decide_offline_due(int online, bool alarm_raised, int64_t offline_since_ms,
			      int offline_alarm_s)
{
	if (online != 0 || alarm_raised)
		return INT64_MAX;
	return offline_since_ms + (int64_t)offline_alarm_s * 1000;
}

int64_t gw_decide_fallback_from(int64_t now)
{
	return now - ((now % 86400) + 86400) % 86400;
}

/* A cheap fingerprint of a fallback's transitions (FNV-1a; not of "gen"). */
void gw_fallback_signature(const struct dc_fallback *fb, char *buf, size_t len)
{
	uint64_t h = 1469598103934665603ull;
	for (int i = 0; i < DC_MAX_CHANNELS; i++) {
		const struct dc_fallback_channel *c = &fb->ch[i];
		uint64_t v[3] = { (uint64_t)c->channel, (uint64_t)c->initial_on, c->nsteps };
		for (int k = 0; k < 3; k++)
			h = (h ^ v[k]) * 1099511628211ull;
		for (size_t k = 0; k < c->nsteps; k++)
			h = (h ^ (uint64_t)c->steps[k]) * 1099511628211ull;
	}
	h = (h ^ (uint64_t)fb->until) * 1099511628211ull;
	snprintf(buf, len, "%016llx", (unsigned long long)h);
}

bool gw_decide_fallback_push(bool force, const char *sig, const char *last_sig, int64_t now,
			     int64_t last_pushed, int refresh_h)
{
	bool stale = now - last_pushed >= (int64_t)refresh_h * 3600;
	return force || stale || strcmp(sig, last_sig) != 0;
}

void gw_decide_reason(const struct dc_rules *r, const struct dc_explain_step *st, char *buf,
		      size_t len)
{
	switch (st->kind) {
	case DC_STEP_REMOVED:
		snprintf(buf, len, "removed");
		break;
	case DC_STEP_FORCE_OFF:
		snprintf(buf, len, "override:force-off");
		break;
	case DC_STEP_NIGHT:
		snprintf(buf, len, "night:R581-35");
		break;
	case DC_STEP_GRID:
		snprintf(buf, len, "grid-alert");
		break;
	case DC_STEP_DEROGATION:
		snprintf(buf, len, "derogation:%s", r->derogations[st->index].reference);
		break;
	case DC_STEP_FORCE_ON:
		snprintf(buf, len, "override:force-on");
		break;
	case DC_STEP_POLICY:
		snprintf(buf, len, "policy:%s", r->policies[st->index].id);
		break;
	case DC_STEP_DEFAULT:
	default:
		snprintf(buf, len, "default");
		break;
	}
}

bool gw_decide_night_applies(const struct dc_explanation *e)
{
	for (size_t k = 0; k < e->nsteps; k++)
		if (e->steps[k].kind == DC_STEP_NIGHT &&
		    (e->steps[k].outcome == DC_OUT_APPLIED || e->steps[k].outcome == DC_OUT_SHADOWED))
			return true;
	return false;
}

void gw_command_id(int64_t boot_id, size_t chan_index, int64_t seq, char *buf, size_t len)
{
	snprintf(buf, len, "%lld-%zu-%lld", (long long)boot_id, chan_index, (long long)seq);
}

long long gw_shelly_rpc_id(int64_t seq, size_t chan_index)
{
	return (long long)((seq & 0xffffff) << 20 | (int64_t)chan_index);
}
