/* hal.c — the screen → coil → line mapping shared by both backends. */
#include "hal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool fw_coil_energised(enum fw_wiring wiring, bool screen_on)
{
	return wiring == FW_WIRING_NC ? !screen_on : screen_on;
}

int fw_line_level(bool active_low, bool energised)
{
	return active_low ? !energised : energised;
}

bool fw_chip_matches(const char *want, const char *name, const char *label)
{
	if (name && (!strcmp(want, name) ||
		     (!strncmp(want, "/dev/", 5) && !strcmp(want + 5, name))))
		return true;
	return label && *label && !strcmp(want, label);
}

static struct fw_hal_line *find(const struct fw_hal *h, int channel)
{
	for (size_t i = 0; i < h->n; i++)
		if (h->line[i].cfg->channel == channel)
			return (struct fw_hal_line *)&h->line[i];
	return NULL;
}

struct fw_hal *fw_hal_open(const struct fw_config *cfg, const bool initial_on[DC_MAX_CHANNELS],
			   char *err, size_t errlen)
{
	struct fw_hal *h = calloc(1, sizeof *h);
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->kind = cfg->hal;
	h->cfg = cfg;
	h->n = cfg->nch;
	for (size_t i = 0; i < cfg->nch; i++) {
		struct fw_hal_line *l = &h->line[i];
		l->cfg = &cfg->ch[i];
		l->on = initial_on[cfg->ch[i].channel - 1];
		l->level = fw_line_level(l->cfg->active_low, fw_coil_energised(l->cfg->wiring, l->on));
	}
	int rc = h->kind == FW_HAL_SIM ? fw_hal_sim_open(h, err, errlen)
				       : fw_hal_gpiod_open(h, err, errlen);
	if (rc) {
		free(h);
		return NULL;
	}
	return h;
}

int fw_hal_set(struct fw_hal *h, int channel, bool on)
{
	struct fw_hal_line *l = find(h, channel);
	if (!l)
		return errno = ENOENT, -1;
	bool energised = fw_coil_energised(l->cfg->wiring, on);
	bool was = l->on;
	int old_level = l->level;
	l->on = on;
	l->level = fw_line_level(l->cfg->active_low, energised);
	int rc = h->kind == FW_HAL_SIM ? fw_hal_sim_write(h, l, energised)
				       : fw_hal_gpiod_write(h, l, energised);
	if (rc) {
		l->on = was;
		l->level = old_level;
	}
	return rc;
}

bool fw_hal_get(const struct fw_hal *h, int channel)
{
	const struct fw_hal_line *l = find(h, channel);
	return l && l->on;
}

int fw_hal_level(const struct fw_hal *h, int channel)
{
	const struct fw_hal_line *l = find(h, channel);
	return l ? l->level : -1;
}

int fw_hal_contact(struct fw_hal *h, int channel)
{
	struct fw_hal_line *l = find(h, channel);
	if (!l || !l->cfg->feedback.has)
		return -1;
	return h->kind == FW_HAL_SIM ? fw_hal_sim_contact(h, l) : fw_hal_gpiod_contact(h, l);
}

void fw_hal_close(struct fw_hal *h)
{
	if (!h)
		return;
	if (h->kind == FW_HAL_SIM)
		fw_hal_sim_close(h);
	else
		fw_hal_gpiod_close(h);
	free(h);
}
