/* hal.h — relay outputs behind one interface, two backends.
 *
 *   gpiod: real GPIO lines through libgpiod (1.6 API; 2.x under #if).
 *   sim:   lines kept in memory; the screen states are mirrored to a JSON
 *          file {"1":1,"2":0} written atomically so tests and `make run`
 *          can watch them.
 *
 * Feedback inputs (hw/feedback.md): a channel may have its contactor's
 * auxiliary contact on a GPIO input; fw_hal_contact() reads it.  The sim
 * backend's contact follows the coil unless "<sim_state_file>.feedback"
 * ({"2":1}: channel 2's contact stays closed, a welded contactor; 0: stays
 * open, a burnt coil) says otherwise, so tests can weld a contactor.
 *
 * Callers speak in screens: fw_hal_set(h, 3, true) means "power the screen
 * on channel 3".  The HAL turns that into a coil state (NO/NC wiring) and a
 * line level (active-low boards) with the pure functions below.
 */
#ifndef DECRAN_FW_HAL_H
#define DECRAN_FW_HAL_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/* NO contact: the screen is powered when the coil is energised; NC: when not. */
bool fw_coil_energised(enum fw_wiring wiring, bool screen_on);
/* Does the configuration's chip name `want` designate the chip called
 * `name` ("gpiochip4") with label `label` ("pinctrl-rp1")?  Accepts the
 * name, "/dev/<name>" or the label. */
bool fw_chip_matches(const char *want, const char *name, const char *label);
/* Electrical level of the GPIO line (1 high, 0 low) that gives this coil state. */
int fw_line_level(bool active_low, bool energised);

struct fw_hal;

/* Open every configured channel and drive it at once to initial_on[channel-1]
 * (so a boot never glitches through another state).  NULL with a message. */
struct fw_hal *fw_hal_open(const struct fw_config *cfg, const bool initial_on[DC_MAX_CHANNELS],
			   char *err, size_t errlen);
/* Switch the screen on `channel`; 0, or -1 with errno. */
int fw_hal_set(struct fw_hal *h, int channel, bool on);
/* Last state written (the screen's, not the line's). */
bool fw_hal_get(const struct fw_hal *h, int channel);
/* Electrical level last driven on the channel's line (tests), -1 if unknown. */
int fw_hal_level(const struct fw_hal *h, int channel);
void fw_hal_close(struct fw_hal *h);
/* Is the channel's contactor pulled in, per its auxiliary contact?  1 yes,
 * 0 no, -1 no feedback input or a read error. */
int fw_hal_contact(struct fw_hal *h, int channel);

/* Backends (hal_gpiod.c, hal_sim.c). */
struct fw_hal_line {
	const struct fw_channel_cfg *cfg;
	bool on;
	int level;
	void *priv;		/* backend's handle */
	void *fb_priv;		/* backend's handle of the feedback input */
};

struct fw_hal {
	enum fw_hal_kind kind;
	size_t n;
	struct fw_hal_line line[DC_MAX_CHANNELS];
	const struct fw_config *cfg;
	void *priv;
};

int fw_hal_gpiod_open(struct fw_hal *h, char *err, size_t errlen);
int fw_hal_gpiod_write(struct fw_hal *h, struct fw_hal_line *l, bool energised);
void fw_hal_gpiod_close(struct fw_hal *h);
int fw_hal_gpiod_contact(struct fw_hal *h, struct fw_hal_line *l);
int fw_hal_sim_open(struct fw_hal *h, char *err, size_t errlen);
int fw_hal_sim_write(struct fw_hal *h, struct fw_hal_line *l, bool energised);
void fw_hal_sim_close(struct fw_hal *h);
int fw_hal_sim_contact(struct fw_hal *h, struct fw_hal_line *l);

#endif
