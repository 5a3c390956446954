/* relaytest.c — see relaytest.h. */
#include "relaytest.h"

#include <stdio.h>

const char *dc_rt_verdict_name(enum dc_rt_verdict v)
{
	return v == DC_RT_PASS ? "pass" : v == DC_RT_PASS_UNMEASURED ? "pass-unmeasured" : "fail";
}

enum dc_rt_verdict dc_relay_test_verdict(const struct dc_rt_step steps[3], double declared_w,
					 double threshold_w, bool per_channel, char *why,
					 size_t whylen)
{
	static const char *const names[3] = { "off", "on", "off" };
	for (int i = 0; i < 3; i++)
		if (!steps[i].confirmed) {
			snprintf(why, whylen, "step %d (%s) not confirmed by the device", i + 1,
				 names[i]);
			return DC_RT_FAIL;
		}
	if (!steps[0].has_w || !steps[1].has_w || !steps[2].has_w) {
		snprintf(why, whylen, "confirmed; no meter reading in every step, power not checked");
		return DC_RT_PASS_UNMEASURED;
	}
	double load = steps[1].w - steps[0].w;
	if (declared_w > 0 && load < DC_RT_ON_RATIO * declared_w) {
		snprintf(why, whylen, "on: %.1f W appeared, less than %.0f %% of the %.1f W declared",
			 load, DC_RT_ON_RATIO * 100, declared_w);
		return DC_RT_FAIL;
	}
	if (declared_w <= 0 && load <= threshold_w) {
		snprintf(why, whylen, "on: %.1f W appeared, not more than the %.1f W threshold "
			 "(no declared power)", load, threshold_w);
		return DC_RT_FAIL;
	}
	for (int i = 0; i < 3; i += 2)
		if (per_channel && steps[i].w > threshold_w) {
			snprintf(why, whylen, "step %d (off): %.1f W measured, above the %.1f W threshold",
				 i + 1, steps[i].w, threshold_w);
			return DC_RT_FAIL;
		}
	if (steps[2].w - steps[0].w > threshold_w) {
		snprintf(why, whylen, "step 3 (off): %.1f W, %.1f W above the first off step "
			 "(threshold %.1f W)", steps[2].w, steps[2].w - steps[0].w, threshold_w);
		return DC_RT_FAIL;
	}
	if (declared_w > 0)
		snprintf(why, whylen, "on: %.1f W appeared for %.1f W declared; off: back within "
			 "%.1f W", load, declared_w, threshold_w);
	else
		snprintf(why, whylen, "on: %.1f W appeared (no declared power); off: back within "
			 "%.1f W", load, threshold_w);
	return DC_RT_PASS;
}
