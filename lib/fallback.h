/* fallback.h — the compiled per-box fallback schedule.
 *
 * The gateway's schedule engine (schedule.h) knows every rule, calendar,
 * derogation and override; a relay box knows none of them.  So the gateway
 * compiles, for each channel of a box, the exact list of on/off transitions
 * over a horizon (14 days by default) and publishes it retained to the box.
 * The box then needs no rules, no time-zone database and no calendar to keep
 * obeying the law when the network is gone: it only looks up UTC instants.
 * Outside [from, until) the schedule says nothing and the box applies its
 * configured safe state (off by default).
 *
 * Wire format (JSON, version 1, documented in docs/protocol.md):
 *   {"v":1,"box":"gare-nord","gen":<utc s>,"from":<utc s>,"until":<utc s>,
 *    "ch":{"1":{"s":0,"t":[<s after from>, ...]}, ...}}
 * "s" is the channel's state at `from` (1 on, 0 off); each offset in "t"
 * (seconds after `from`, strictly increasing, < until-from) toggles it.
 */
#ifndef DECRAN_FALLBACK_H
#define DECRAN_FALLBACK_H

#include <stddef.h>
#include <stdint.h>

#include "screen.h"

#define DC_FALLBACK_VERSION 1
#define DC_MAX_CHANNELS 16
#define DC_FALLBACK_MAX_STEPS 512	/* per channel; ~36 per day over 14 days */

struct dc_fallback_channel {
	int channel;		/* 1..16; 0 = slot unused */
	int initial_on;		/* state at `from` */
	size_t nsteps;
	int64_t steps[DC_FALLBACK_MAX_STEPS];	/* UTC instants of toggles, increasing */
};

struct dc_fallback {
	char box[DC_ID_MAX];
	int64_t generated, from, until;	/* UTC seconds */
	struct dc_fallback_channel ch[DC_MAX_CHANNELS];	/* index = channel - 1 */
};

/* Parse and validate a wire message.  On error returns -1, writes a message
 * naming the field into err, and leaves *out untouched. */
int dc_fallback_decode(const char *json, size_t len, struct dc_fallback *out,
		       char *err, size_t errlen);
/* Encode to the wire format; returns a malloc'd string or NULL. */
char *dc_fallback_encode(const struct dc_fallback *fb);
/* State of `channel` at UTC instant t: 1 on, 0 off, -1 when the schedule
 * says nothing (channel absent or t outside [from, until)).  When next is
 * not NULL it receives the next instant the answer changes (INT64_MAX if none). */
int dc_fallback_state(const struct dc_fallback *fb, int channel, int64_t t, int64_t *next);

#endif
