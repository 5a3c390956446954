/* feedback.h — the contactors' auxiliary contacts (hw/feedback.md).
 *
 * A channel with "feedback" in its configuration has its contactor's
 * auxiliary contact on a GPIO input.  The box samples it once the contact
 * has settled after each switch (feedback_debounce_ms) and every
 * feedback_check_s between switches; a change seen between switches counts
 * only when two samples feedback_debounce_ms apart agree.  The settled
 * value, in screen terms (is the screen powered, per the contact?), goes
 * into the channel's state message ("fb") and the Modbus input registers;
 * the gateway raises "contacteur bloqué" when it disagrees with "on".
 */
#ifndef DECRAN_FW_FEEDBACK_H
#define DECRAN_FW_FEEDBACK_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

struct fw_fbstate {
	int fb;			/* screen powered per the contact: 1, 0, -1 not settled */
	int pending;		/* a differing sample waiting for its confirmation, -1 none */
	int64_t sample_at;	/* monotonic ms of the next sample due, INT64_MAX none */
};

/* Screen powered, given whether the contactor is pulled in. */
bool fw_contact_screen_on(enum fw_wiring wiring, bool pulled_in);
void fw_feedback_init(struct fw_fbstate *s);
/* The channel was switched at mono: unknown until the contact settles. */
void fw_feedback_switched(struct fw_fbstate *s, int64_t mono, int debounce_ms);
/* A sample (screen terms, -1 unreadable) taken at mono.  true when the
 * settled value changed. */
bool fw_feedback_sample(struct fw_fbstate *s, int sample, int64_t mono, int debounce_ms);

struct relayd;
/* The daemon's side: sample what is due, publish changes; returns the next
 * monotonic ms a sample is due (INT64_MAX: no feedback configured). */
int64_t relayd_feedback_run(struct relayd *r, int64_t mono);

#endif
