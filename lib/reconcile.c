/* reconcile.c — desired vs. confirmed state of one relay channel (pure). */
#include "reconcile.h"

void dc_recon_init(struct dc_recon *r)
{
	*r = (struct dc_recon){
		.desired = DC_STATE_UNKNOWN,
		.confirmed = DC_STATE_UNKNOWN,
		.pending = DC_STATE_UNKNOWN,
		.online = 1,
	};
}

void dc_recon_set_desired(struct dc_recon *r, int desired)
{
	r->desired = desired;
}

int64_t dc_recon_backoff(const struct dc_recon_policy *p, unsigned attempt)
{
	int64_t d = p->retry_first_ms > 0 ? p->retry_first_ms : 1;
	/* Doubling stops at the cap, so no overflow however many attempts. */
	for (unsigned i = 1; i < attempt && d < p->retry_max_ms; i++)
		d *= 2;
	return d < p->retry_max_ms || p->retry_max_ms <= 0 ? d : p->retry_max_ms;
}

int dc_recon_settled(const struct dc_recon *r)
{
	return r->desired != DC_STATE_UNKNOWN && r->confirmed == r->desired;
}

static unsigned forget_pending(struct dc_recon *r)
{
	unsigned f = 0;
	if (r->pending != DC_STATE_UNKNOWN)
		f |= DC_RECON_SUPERSEDED;
	if (r->alarmed)
		f |= DC_RECON_CLEAR;
	r->pending = DC_STATE_UNKNOWN;
	r->attempts = 0;
	r->alarmed = 0;
	return f;
}

unsigned dc_recon_report(struct dc_recon *r, int state, int64_t now, struct dc_recon_action *act)
{
	int prev = r->confirmed;
	unsigned f = 0;

	r->confirmed = state;
	r->confirmed_at = now;
	if (state == DC_STATE_UNKNOWN)
		return 0;
	if (r->pending != DC_STATE_UNKNOWN && state == r->pending) {
		f = DC_RECON_DONE | (r->alarmed ? DC_RECON_CLEAR : 0);
		if (act) {
			act->value = state;
			act->attempt = r->attempts;
			act->latency_ms = now - r->first_sent;
		}
		r->pending = DC_STATE_UNKNOWN;
		r->attempts = 0;
		r->alarmed = 0;
	} else if (r->pending == DC_STATE_UNKNOWN && r->desired != DC_STATE_UNKNOWN &&
		   state != r->desired && prev == r->desired) {
		/* Someone switched it locally or the device rebooted into another
		 * state: step() will command it back. */
		f = DC_RECON_DRIFT;
		if (act)
			act->value = state;
	}
	return f;
}

void dc_recon_set_online(struct dc_recon *r, int online, int64_t now)
{
	int was = r->online;
	r->online = online ? 1 : 0;
	if (!online) {
		/* What an unreachable device does is not known any more. */
		r->confirmed = DC_STATE_UNKNOWN;
	} else if (!was && r->pending != DC_STATE_UNKNOWN) {
		r->next_retry = now;
	}
}

static int64_t next_wake(const struct dc_recon *r, const struct dc_recon_policy *p)
{
	int64_t w = r->next_retry;
	if (!r->alarmed && r->first_sent + p->confirm_timeout_ms < w)
		w = r->first_sent + p->confirm_timeout_ms;
	return w;
}

void dc_recon_sent(struct dc_recon *r, const struct dc_recon_policy *p, int64_t now,
		   int64_t *wake)
{
	if (r->pending == DC_STATE_UNKNOWN) {
		if (wake)
			*wake = INT64_MAX;
		return;
	}
	if (r->attempts <= 1)
		r->first_sent = now;
	r->next_retry = now + dc_recon_backoff(p, r->attempts ? r->attempts : 1);
	if (wake)
		*wake = next_wake(r, p);
}

unsigned dc_recon_step(struct dc_recon *r, const struct dc_recon_policy *p, int64_t now,
		       struct dc_recon_action *act, int64_t *wake)
{
	unsigned f = 0;
	int send = 0;

	if (wake)
		*wake = INT64_MAX;
	if (r->desired == DC_STATE_UNKNOWN || r->confirmed == r->desired)
		return forget_pending(r);	/* nothing to do, or already there */

	if (r->pending != r->desired) {
		f |= forget_pending(r);
		r->pending = r->desired;
		r->first_sent = now;
		send = 1;
	} else if (now >= r->next_retry) {
		send = 1;
	}
	if (send) {
		r->attempts++;
		r->next_retry = now + dc_recon_backoff(p, r->attempts);
		f |= DC_RECON_SEND;
		if (act) {
			act->value = r->pending;
			act->attempt = r->attempts;
			act->latency_ms = 0;
		}
	}
	if (!r->alarmed && now - r->first_sent >= p->confirm_timeout_ms) {
		r->alarmed = 1;
		f |= DC_RECON_ALARM;
	}
	if (wake)
		*wake = next_wake(r, p);
	return f;
}
