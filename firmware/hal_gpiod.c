/* hal_gpiod.c — relays on GPIO lines through libgpiod.
 *
 * Built against libgpiod 1.6 (Debian 12, Raspberry Pi OS Bookworm).  The
 * lines are requested as outputs with the ACTIVE_LOW flag when the board is
 * active-low, so the value we write is the coil state and the kernel
 * inverts it; each line is requested with its initial value so the boot
 * state is applied in the same system call that claims the line.
 * libgpiod 2.x changed the whole API; a minimal port is under
 * DECRAN_GPIOD_V2 (detected: v1 defines GPIOD_LINE_BULK_MAX_LINES).
 */
#include "hal.h"

#include <errno.h>
#include <gpiod.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONSUMER "decran-relay"

#ifdef GPIOD_LINE_BULK_MAX_LINES	/* libgpiod 1.x */

struct chips {
	size_t n;
	struct {
		char name[32];
		struct gpiod_chip *chip;
	} c[DC_MAX_CHANNELS];
};

static struct gpiod_chip *chip_for(struct chips *cs, const char *name)
{
	for (size_t i = 0; i < cs->n; i++)
		if (strcmp(cs->c[i].name, name) == 0)
			return cs->c[i].chip;
	/* By name ("gpiochip0"), path, number or label: the header's chip is
	 * "pinctrl-rp1" on a Pi 5 whatever its number (4 before kernel 6.6,
	 * 0 after), "pinctrl-bcm2711" on a Pi 4. */
	struct gpiod_chip *chip = gpiod_chip_open_lookup(name);
	if (!chip)
		return NULL;
	snprintf(cs->c[cs->n].name, sizeof cs->c[cs->n].name, "%s", name);
	cs->c[cs->n++].chip = chip;
	return chip;
}

int fw_hal_gpiod_open(struct fw_hal *h, char *err, size_t errlen)
{
	struct chips *cs = calloc(1, sizeof *cs);
	if (!cs) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	h->priv = cs;
	for (size_t i = 0; i < h->n; i++) {
		struct fw_hal_line *l = &h->line[i];
		struct gpiod_chip *chip = chip_for(cs, l->cfg->chip);
		struct gpiod_line *line = chip ? gpiod_chip_get_line(chip, (unsigned)l->cfg->line) : NULL;
		struct gpiod_line_request_config rc = {
			.consumer = CONSUMER,
			.request_type = GPIOD_LINE_REQUEST_DIRECTION_OUTPUT,
			.flags = l->cfg->active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0,
		};
		if (!line || gpiod_line_request(line, &rc,
						fw_coil_energised(l->cfg->wiring, l->on)) < 0) {
			snprintf(err, errlen, "channels[%zu]: %s line %d: %s", i, l->cfg->chip,
				 l->cfg->line, strerror(errno));
			fw_hal_gpiod_close(h);
			return -1;
		}
		l->priv = line;
	}
	return 0;
}

int fw_hal_gpiod_write(struct fw_hal *h, struct fw_hal_line *l, bool energised)
{
	(void)h;
	return gpiod_line_set_value(l->priv, energised ? 1 : 0) < 0 ? -1 : 0;
}

void fw_hal_gpiod_close(struct fw_hal *h)
{
	struct chips *cs = h->priv;
	if (!cs)
		return;
	/* Closing a chip releases its lines; the kernel keeps the last value. */
	for (size_t i = 0; i < cs->n; i++)
		gpiod_chip_close(cs->c[i].chip);
	free(cs);
	h->priv = NULL;
}

#else	/* libgpiod 2.x: one request per line, value = coil state (active-low
	 * handled by the kernel through the line settings).  Not built on
	 * Debian 12; kept to the documented v2 API. */

int fw_hal_gpiod_open(struct fw_hal *h, char *err, size_t errlen)
{
	for (size_t i = 0; i < h->n; i++) {
		struct fw_hal_line *l = &h->line[i];
		char path[64];
		snprintf(path, sizeof path, "/dev/%s", l->cfg->chip);
		struct gpiod_chip *chip = gpiod_chip_open(path);
		struct gpiod_line_settings *ls = gpiod_line_settings_new();
		struct gpiod_line_config *lc = gpiod_line_config_new();
		struct gpiod_request_config *rc = gpiod_request_config_new();
		unsigned off = (unsigned)l->cfg->line;
		struct gpiod_line_request *req = NULL;
		if (chip && ls && lc && rc) {
			gpiod_line_settings_set_direction(ls, GPIOD_LINE_DIRECTION_OUTPUT);
			gpiod_line_settings_set_active_low(ls, l->cfg->active_low);
			gpiod_line_settings_set_output_value(ls,
				fw_coil_energised(l->cfg->wiring, l->on) ? GPIOD_LINE_VALUE_ACTIVE
									  : GPIOD_LINE_VALUE_INACTIVE);
			gpiod_request_config_set_consumer(rc, CONSUMER);
			if (gpiod_line_config_add_line_settings(lc, &off, 1, ls) == 0)
				req = gpiod_chip_request_lines(chip, rc, lc);
		}
		int e = errno;
		gpiod_request_config_free(rc);
		gpiod_line_config_free(lc);
		gpiod_line_settings_free(ls);
		if (chip)
			gpiod_chip_close(chip);
		if (!req) {
			snprintf(err, errlen, "channels[%zu]: %s line %d: %s", i, l->cfg->chip,
				 l->cfg->line, strerror(e));
			fw_hal_gpiod_close(h);
			return -1;
		}
		l->priv = req;
	}
	return 0;
}

int fw_hal_gpiod_write(struct fw_hal *h, struct fw_hal_line *l, bool energised)
{
	(void)h;
	return gpiod_line_request_set_value(l->priv, (unsigned)l->cfg->line,
					    energised ? GPIOD_LINE_VALUE_ACTIVE
						      : GPIOD_LINE_VALUE_INACTIVE) < 0 ? -1 : 0;
}

void fw_hal_gpiod_close(struct fw_hal *h)
{
	for (size_t i = 0; i < h->n; i++) {
		if (h->line[i].priv)
			gpiod_line_request_release(h->line[i].priv);
		h->line[i].priv = NULL;
	}
}

#endif
