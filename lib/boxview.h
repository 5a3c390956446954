/* boxview.h — what the technician's box page decides (pure): a channel's
 * state as it may be shown, a channel number from a form checked against
 * the box, and which actions ask for a confirmation first.
 */
#ifndef DECRAN_BOXVIEW_H
#define DECRAN_BOXVIEW_H

#include <stdbool.h>

enum dc_chan_view { DC_CHAN_UNKNOWN, DC_CHAN_OFF, DC_CHAN_ON };

/* box_online: 1 online, 0 offline, -1 not heard of yet; confirmed: the
 * relay's last report, "on", "off" or NULL.  A box that is not online says
 * nothing about now: its channels are unknown, whatever they last said. */
enum dc_chan_view dc_chan_view(int box_online, const char *confirmed);

enum dc_chan_err {
	DC_CHANNEL_OK = 0,
	DC_CHANNEL_MISSING,	/* no value, or empty */
	DC_CHANNEL_NOT_NUMBER,	/* not a whole decimal number */
	DC_CHANNEL_RANGE,	/* not between 1 and the box's channel count */
};

/* A channel number as a form sends it, for a box of `nchannels` channels
 * (1..16): DC_CHANNEL_OK with *out set, or why not (*out untouched). */
enum dc_chan_err dc_channel_parse(const char *v, int nchannels, int *out);

enum dc_box_action { DC_ACT_TEST, DC_ACT_BIND, DC_ACT_UNBIND, DC_ACT_OVERRIDE,
		     DC_ACT_OVERRIDE_CLEAR };

/* true when the action must be confirmed on a second page before it is
 * asked of the gateway: a relay test lights its channel for a dwell (an
 * advertising screen on it would light up); an advertising screen unbound
 * stays wired to a channel its plan no longer keeps dark; an override sets
 * the plan aside.  `advertising`: an advertising screen is on the channel
 * tested, or is the screen unbound. */
bool dc_box_action_confirm(enum dc_box_action a, bool advertising);

#endif
