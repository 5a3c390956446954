/* arbiter.h — who decides a screen's state, and what it should be (pure).
 *
 * Precedence (docs/protocol.md, "Arbitration"):
 *   - the gateway, while it is alive, commands each channel; its commands
 *     are applied as sent (it evaluated every rule; the fallback schedule is
 *     a compiled copy of the same rules);
 *   - when the gateway is silent (no heartbeat for gateway_timeout_s, or an
 *     explicit "offline") the box is autonomous: at entry and at every
 *     transition of the persisted fallback schedule it applies the schedule;
 *   - outside the schedule's validity, or when the clock is not trusted, the
 *     box applies the configured safe state (off by default);
 *   - a local client (Modbus TCP) may always switch off, and may switch on
 *     only where the box would itself want on right now;
 *   - the legal floor: even the gateway may switch a channel on only where
 *     the schedule does not say off now, unless its command carries an
 *     override valid now (a relay test, an operator's derogation).
 */
#ifndef DECRAN_FW_ARBITER_H
#define DECRAN_FW_ARBITER_H

#include <stdbool.h>
#include <stdint.h>

#include "fallback.h"

enum fw_source { FW_SRC_GATEWAY, FW_SRC_FALLBACK, FW_SRC_BOOT, FW_SRC_LOCAL };
const char *fw_source_name(enum fw_source s);
int fw_source_parse(const char *s);

/* What the box itself wants for `channel` at UTC second t: the schedule's
 * state when the clock is trusted and the schedule covers t, else the safe
 * state.  *next receives the next UTC second the answer may change
 * (INT64_MAX when it cannot change, e.g. untrusted clock). fb may be NULL. */
bool fw_wanted(const struct dc_fallback *fb, int channel, int64_t t, bool clock_trusted,
	       bool safe_on, int64_t *next);
/* May a local client set `on` now? (off: always; on: only if wanted on). */
bool fw_local_allowed(const struct dc_fallback *fb, int channel, int64_t t,
		      bool clock_trusted, bool safe_on, bool on);
/* The legal floor for a gateway command: may it set `on` at t?  Refused
 * only when the clock is trusted, the schedule covers t and says off, and
 * no override runs past t (ovr_until > t).  *off_until (may be NULL)
 * receives the schedule's next transition, for the refusal's message. */
bool fw_command_allowed(const struct dc_fallback *fb, int channel, int64_t t, bool clock_trusted,
			bool on, int64_t ovr_until, int64_t *off_until);
/* While the gateway is in control, how long (real seconds) past a schedule
 * edge to off (or an override's end) a lit channel waits for the gateway's
 * own "off" before the box switches it off itself.  The gateway sends that
 * command at the same instant; without the wait the two race at every edge
 * and the records show the box acting alone.  Only a gateway that is alive
 * yet fails to command leaves a screen lit that long.  (On a test clock
 * running N times faster, the box waits N times as many virtual seconds.) */
#define FW_FLOOR_GRACE_S 10
/* Must a channel lit under control be switched off by the box at t?  Yes
 * when the floor (fw_command_allowed) refuses it at t and already refused it
 * grace_s earlier. */
bool fw_floor_breached(const struct dc_fallback *fb, int channel, int64_t t, bool clock_trusted,
		       int64_t ovr_until, int64_t grace_s);
/* Is the gateway in control?  gw_seen_ms: virtual instant of its last
 * heartbeat (INT64_MIN never), timeout in seconds. */
bool fw_gateway_in_control(bool gw_online, int64_t gw_seen_ms, int64_t now_ms, int timeout_s);

#endif
