/* arbiter.c — pure decisions of the relay box. */
#include "arbiter.h"

#include <string.h>

static const char *const source_names[] = { "gateway", "fallback", "boot", "local" };

const char *fw_source_name(enum fw_source s)
{
	return (unsigned)s < 4 ? source_names[s] : "?";
}

int fw_source_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, source_names[i]) == 0)
			return i;
	return -1;
}

bool fw_wanted(const struct dc_fallback *fb, int channel, int64_t t, bool clock_trusted,
	       bool safe_on, int64_t *next)
{
	int64_t nx = INT64_MAX;
	int s = -1;
	if (clock_trusted && fb)
		s = dc_fallback_state(fb, channel, t, &nx);
	if (next)
		*next = clock_trusted ? nx : INT64_MAX;
	return s < 0 ? safe_on : s == 1;
}

bool fw_local_allowed(const struct dc_fallback *fb, int channel, int64_t t,
		      bool clock_trusted, bool safe_on, bool on)
{
	return !on || fw_wanted(fb, channel, t, clock_trusted, safe_on, NULL);
}

bool fw_command_allowed(const struct dc_fallback *fb, int channel, int64_t t, bool clock_trusted,
			bool on, int64_t ovr_until, int64_t *off_until)
{
	int64_t next = INT64_MAX;
	if (!on || !clock_trusted || !fb || ovr_until > t)
		return true;
	if (dc_fallback_state(fb, channel, t, &next) != 0)
		return true;
	if (off_until)
		*off_until = next;
	return false;
}

bool fw_floor_breached(const struct dc_fallback *fb, int channel, int64_t t, bool clock_trusted,
		       int64_t ovr_until, int64_t grace_s)
{
	return !fw_command_allowed(fb, channel, t, clock_trusted, true, ovr_until, NULL) &&
	       !fw_command_allowed(fb, channel, t - grace_s, clock_trusted, true, ovr_until, NULL);
}

bool fw_gateway_in_control(bool gw_online, int64_t gw_seen_ms, int64_t now_ms, int timeout_s)
{
	if (!gw_online || gw_seen_ms == INT64_MIN)
		return false;
	return now_ms - gw_seen_ms < (int64_t)timeout_s * 1000;
}
