/* feedback.c — see feedback.h. */
#include "feedback.h"

#include "i18n.h"
#include "fwlog.h"
#include "relayd.h"

bool fw_contact_screen_on(enum fw_wiring wiring, bool pulled_in)
{
	return wiring == FW_WIRING_NC ? !pulled_in : pulled_in;
}

void fw_feedback_init(struct fw_fbstate *s)
{
	*s = (struct fw_fbstate){ .fb = -1, .pending = -1, .sample_at = 0 };
}

void fw_feedback_switched(struct fw_fbstate *s, int64_t mono, int debounce_ms)
{
	s->fb = -1;
	s->pending = -1;
	s->sample_at = mono + debounce_ms;
}

bool fw_feedback_sample(struct fw_fbstate *s, int sample, int64_t mono, int debounce_ms)
{
	s->sample_at = INT64_MAX;
	if (sample < 0 || sample == s->fb) {
		s->pending = -1;
		return false;
	}
	if (s->fb < 0) {	/* settled after a switch (or at boot) */
		s->fb = sample;
		return true;
	}
	if (s->pending != sample) {	/* a change between switches: confirm it */
		s->pending = sample;
		s->sample_at = mono + debounce_ms;
		return false;
	}
	s->fb = sample;
	s->pending = -1;
	return true;
}

int64_t relayd_feedback_run(struct relayd *r, int64_t mono)
{
	int64_t next = INT64_MAX;
	bool periodic = mono >= r->fb_check_at, any = false;
	for (size_t i = 0; i < r->cfg.nch; i++) {
		const struct fw_channel_cfg *c = &r->cfg.ch[i];
		struct fw_fbstate *s = &r->fbs[c->channel - 1];
		if (!c->feedback.has)
			continue;
		bool settling = s->fb < 0 && mono < s->sample_at;	/* just switched */
		if (!settling && (periodic || mono >= s->sample_at)) {
			int pulled = fw_hal_contact(r->hal, c->channel);
			int v = pulled < 0 ? -1 : fw_contact_screen_on(c->wiring, pulled);
			if (fw_feedback_sample(s, v, mono, r->cfg.feedback_debounce_ms)) {
				bool on = r->st[c->channel - 1].on;
				if (s->fb != on)
					fw_log(LOG_WARNING, TR("canal %d : le contact auxiliaire dit %s, la commande %s : contacteur bloqué ?",
							       "channel %d: the auxiliary contact says %s, the command %s: contactor stuck?"),
					       c->channel, s->fb ? "on" : "off", on ? "on" : "off");
				relayd_publish_state(r, c->channel);
			}
		}
		if (s->sample_at < next)
			next = s->sample_at;
		any = true;
	}
	if (!any)
		return INT64_MAX;
	if (periodic)
		r->fb_check_at = mono + (int64_t)r->cfg.feedback_check_s * 1000;
	return next < r->fb_check_at ? next : r->fb_check_at;
}
