/* boxview.c — what the technician's box page decides (see boxview.h). */
#include "boxview.h"

#include <string.h>

#include "fallback.h"

enum dc_chan_view dc_chan_view(int box_online, const char *confirmed)
{
	if (box_online != 1 || !confirmed)
		return DC_CHAN_UNKNOWN;
	if (strcmp(confirmed, "on") == 0)
		return DC_CHAN_ON;
	if (strcmp(confirmed, "off") == 0)
		return DC_CHAN_OFF;
	return DC_CHAN_UNKNOWN;
}

enum dc_chan_err dc_channel_parse(const char *v, int nchannels, int *out)
{
	if (!v || !*v)
		return DC_CHANNEL_MISSING;
	size_t len = strspn(v, "0123456789");
	if (v[len] != '\0')
		return DC_CHANNEL_NOT_NUMBER;
	int c = 0;
	for (size_t i = 0; i < len && c <= DC_MAX_CHANNELS; i++)
		c = c * 10 + (v[i] - '0');
	if (c < 1 || c > nchannels || c > DC_MAX_CHANNELS)
		return DC_CHANNEL_RANGE;
	*out = c;
	return DC_CHANNEL_OK;
}

bool dc_box_action_confirm(enum dc_box_action a, bool advertising)
{
	switch (a) {
	case DC_ACT_TEST:
	case DC_ACT_UNBIND:
		return advertising;
	case DC_ACT_OVERRIDE:
		return true;
	case DC_ACT_BIND:
	case DC_ACT_OVERRIDE_CLEAR:
		return false;
	}
	return true;
}
