/* hal_sim.c — simulated relays: memory plus an observation file.
 *
 * The file holds the screen states, {"1":1,"2":0}, replaced atomically on
 * every change (rename, no fsync: it only needs to be whole, not durable)
 * so a test reading it never sees half a write.
 */
#include "hal.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomicfile.h"

static int dump(struct fw_hal *h)
{
	char buf[DC_MAX_CHANNELS * 10 + 4];
	size_t len = 0;
	buf[len++] = '{';
	for (size_t i = 0; i < h->n; i++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s\"%d\":%d", i ? "," : "",
					h->line[i].cfg->channel, h->line[i].on ? 1 : 0);
	len += (size_t)snprintf(buf + len, sizeof buf - len, "}\n");
	return dc_atomic_write(h->cfg->sim_state_file, buf, len, false);
}

int fw_hal_sim_open(struct fw_hal *h, char *err, size_t errlen)
{
	if (dump(h)) {
		snprintf(err, errlen, "%s: %m", h->cfg->sim_state_file);
		return -1;
	}
	return 0;
}

int fw_hal_sim_write(struct fw_hal *h, struct fw_hal_line *l, bool energised)
{
	(void)l;
	(void)energised;
	return dump(h);
}

int fw_hal_sim_contact(struct fw_hal *h, struct fw_hal_line *l)
{
	char path[300], key[4];
	size_t len;
	int pulled = fw_coil_energised(l->cfg->wiring, l->on);
	snprintf(path, sizeof path, "%s.feedback", h->cfg->sim_state_file);
	char *buf = dc_read_file(path, 4096, &len);
	if (!buf)
		return pulled;
	cJSON *root = cJSON_ParseWithLength(buf, len);
	snprintf(key, sizeof key, "%d", l->cfg->channel);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
	if (cJSON_IsNumber(v))
		pulled = v->valuedouble != 0;
	cJSON_Delete(root);
	free(buf);
	return pulled;
}

void fw_hal_sim_close(struct fw_hal *h)
{
	(void)h;
}
