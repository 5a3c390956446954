/* hal_gpiod.c — relays on GPIO lines through libgpiod.
 *
 * Built against libgpiod 1.6 (Debian 12, Raspberry Pi OS Bookworm).  The
 * lines are requested as outputs with the ACTIVE_LOW flag when the board is
 * active-low, so the value we write is the coil state and the kernel
 * inverts it; each line is requested with its initial value so the boot
 * state is applied in the same system call that claims the line.
 * libgpiod 2.x (Debian 13, Raspberry Pi OS Trixie) changed the whole API;
 * the port below is chosen by DECRAN_GPIOD_MAJOR, the major version
 * pkg-config reports (Makefile), and tested against a mock of the 2.x API
 * (tests/unit/test_relay_gpiod2.c).
 *
 * A chip is named as in the configuration: "gpiochip0", "/dev/gpiochip0"
 * or its label ("pinctrl-bcm2711" on a Pi 4, "pinctrl-rp1" on a Pi 5, where
 * the 40-pin header is no longer gpiochip0): fw_chip_matches().
 * Feedback inputs are requested as inputs with the same ACTIVE_LOW
 * convention, so a read of 1 means the contactor is pulled in.
 */
#include "hal.h"

#include <errno.h>
#include <gpiod.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONSUMER "decran-relay"

#ifndef DECRAN_GPIOD_MAJOR
#ifdef GPIOD_LINE_BULK_MAX_LINES
#define DECRAN_GPIOD_MAJOR 1
#else
#define DECRAN_GPIOD_MAJOR 2
#endif
#endif

#if DECRAN_GPIOD_MAJOR < 2	/* libgpiod 1.x */

struct chips {
	size_t n;
	struct {
		char name[32];
		struct gpiod_chip *chip;
	} c[DC_MAX_CHANNELS];	/* outputs and inputs on at most this many chips */
};

static struct gpiod_chip *chip_for(struct chips *cs, const char *name)
{
	for (size_t i = 0; i < cs->n; i++)
		if (strcmp(cs->c[i].name, name) == 0)
			return cs->c[i].chip;
	/* By name ("gpiochip0"), path, number or label: the header's chip is
	 * "pinctrl-rp1" on a Pi 5 whatever its number (4 before kernel 6.6,
	 * 0 after), "pinctrl-bcm2711" on a Pi 4. */
	struct gpiod_chip *chip = cs->n < DC_MAX_CHANNELS ? gpiod_chip_open_lookup(name) : NULL;
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
		if (!l->cfg->feedback.has)
			continue;
		const char *fchip = l->cfg->feedback.chip;
		chip = chip_for(cs, fchip);
		line = chip ? gpiod_chip_get_line(chip, (unsigned)l->cfg->feedback.line) : NULL;
		/* Pull-up: an open contact (or a cut wire) reads inactive, never
		 * floats into "pulled in". */
		int flags = GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP |
			    (l->cfg->feedback.active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0);
		if (!line || gpiod_line_request_input_flags(line, CONSUMER, flags) < 0) {
			snprintf(err, errlen, "channels[%zu].feedback: %s line %d: %s", i, fchip,
				 l->cfg->feedback.line, strerror(errno));
			fw_hal_gpiod_close(h);
			return -1;
		}
		l->fb_priv = line;
	}
	return 0;
}

int fw_hal_gpiod_write(struct fw_hal *h, struct fw_hal_line *l, bool energised)
{
	(void)h;
	return gpiod_line_set_value(l->priv, energised ? 1 : 0) < 0 ? -1 : 0;
}

int fw_hal_gpiod_contact(struct fw_hal *h, struct fw_hal_line *l)
{
	(void)h;
	return l->fb_priv ? gpiod_line_get_value(l->fb_priv) : -1;
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
	 * handled by the kernel through the line settings). */

#include <dirent.h>

#ifndef FW_GPIO_DEV_DIR
#define FW_GPIO_DEV_DIR "/dev"	/* tests point it elsewhere */
#endif

/* The chip the configuration names: /dev/gpiochipN whose name, path or
 * label matches (2.x has no lookup by label of its own). */
static struct gpiod_chip *open_chip(const char *want)
{
	DIR *d = opendir(FW_GPIO_DEV_DIR);
	struct dirent *de;
	struct gpiod_chip *found = NULL;
	if (!d)
		return NULL;
	while (!found && (de = readdir(d))) {
		char path[512];
		if (strncmp(de->d_name, "gpiochip", 8) || strlen(de->d_name) > 64)
			continue;
		snprintf(path, sizeof path, "%s/%.64s", FW_GPIO_DEV_DIR, de->d_name);
		struct gpiod_chip *chip = gpiod_chip_open(path);
		struct gpiod_chip_info *info = chip ? gpiod_chip_get_info(chip) : NULL;
		if (info && fw_chip_matches(want, gpiod_chip_info_get_name(info),
					    gpiod_chip_info_get_label(info)))
			found = chip;
		else if (chip)
			gpiod_chip_close(chip);
		if (info)
			gpiod_chip_info_free(info);
	}
	closedir(d);
	if (!found)
		errno = ENODEV;
	return found;
}

/* One request for one line: an output at its boot level, or an input. */
static struct gpiod_line_request *request(const char *chipname, int offset, bool output,
					  bool active_low, bool value)
{
	struct gpiod_chip *chip = open_chip(chipname);
	struct gpiod_line_settings *ls = gpiod_line_settings_new();
	struct gpiod_line_config *lc = gpiod_line_config_new();
	struct gpiod_request_config *rc = gpiod_request_config_new();
	unsigned off = (unsigned)offset;
	struct gpiod_line_request *req = NULL;
	if (chip && ls && lc && rc) {
		gpiod_line_settings_set_direction(ls, output ? GPIOD_LINE_DIRECTION_OUTPUT
							     : GPIOD_LINE_DIRECTION_INPUT);
		gpiod_line_settings_set_active_low(ls, active_low);
		if (output)
			gpiod_line_settings_set_output_value(ls, value ? GPIOD_LINE_VALUE_ACTIVE
								       : GPIOD_LINE_VALUE_INACTIVE);
		else
			gpiod_line_settings_set_bias(ls, GPIOD_LINE_BIAS_PULL_UP);
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
	errno = e;
	return req;
}

int fw_hal_gpiod_open(struct fw_hal *h, char *err, size_t errlen)
{
	for (size_t i = 0; i < h->n; i++) {
		struct fw_hal_line *l = &h->line[i];
		l->priv = request(l->cfg->chip, l->cfg->line, true, l->cfg->active_low,
				  fw_coil_energised(l->cfg->wiring, l->on));
		if (!l->priv) {
			snprintf(err, errlen, "channels[%zu]: %s line %d: %s", i, l->cfg->chip,
				 l->cfg->line, strerror(errno));
			fw_hal_gpiod_close(h);
			return -1;
		}
		if (!l->cfg->feedback.has)
			continue;
		l->fb_priv = request(l->cfg->feedback.chip, l->cfg->feedback.line, false,
				     l->cfg->feedback.active_low, false);
		if (!l->fb_priv) {
			snprintf(err, errlen, "channels[%zu].feedback: %s line %d: %s", i,
				 l->cfg->feedback.chip, l->cfg->feedback.line, strerror(errno));
			fw_hal_gpiod_close(h);
			return -1;
		}
	}
	return 0;
}

int fw_hal_gpiod_contact(struct fw_hal *h, struct fw_hal_line *l)
{
	(void)h;
	if (!l->fb_priv)
		return -1;
	int v = gpiod_line_request_get_value(l->fb_priv, (unsigned)l->cfg->feedback.line);
	return v == GPIOD_LINE_VALUE_ACTIVE ? 1 : v == GPIOD_LINE_VALUE_INACTIVE ? 0 : -1;
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
		if (h->line[i].fb_priv)
			gpiod_line_request_release(h->line[i].fb_priv);
		h->line[i].priv = h->line[i].fb_priv = NULL;
	}
}

#endif
