/* notify.c — the service manager's view of the gateway (sd_notify through
 * lib/sdnotify, the protocol without libsystemd): READY=1 once the loop is
 * about to run, STATUS= lines with the MQTT link and the boxes online,
 * WATCHDOG=1 from a loop timer at half of $WATCHDOG_USEC (so a loop that
 * stops turning is killed and restarted), STOPPING=1 on the way out.
 * Without $NOTIFY_SOCKET every call is a no-op. */
#include <stdio.h>
#include <string.h>

#include "gw.h"
#include "loop.h"
#include "sdnotify.h"

/* STATUS is a summary, not a log: at most one a second. */
#define STATUS_MIN_GAP_MS 1000

static uint64_t watchdog_usec;
static int64_t status_sent_ms = INT64_MIN / 2;
static char status_last[200];

static void send_status(struct gw *g)
{
	char buf[160];
	size_t online = 0;
	for (size_t b = 0; b < g->cfg.nboxes && g->boxes; b++)
		online += g->boxes[b].online == 1;
	snprintf(buf, sizeof buf, "STATUS=MQTT %s, %zu/%zu boxes online",
		 g->mqtt_up ? "connected" : "disconnected", online, g->cfg.nboxes);
	status_sent_ms = gw_mono();
	if (!strcmp(buf + 7, status_last))
		return;
	snprintf(status_last, sizeof status_last, "%s", buf + 7);
	dc_sd_notify(buf);
}

static void on_status(struct dc_loop *l, int id, void *ud)
{
	(void)l, (void)id;
	send_status(ud);
}

static void on_watchdog(struct dc_loop *l, int id, void *ud)
{
	(void)ud;
	dc_sd_notify("WATCHDOG=1");
	dc_loop_timer_set(l, id, gw_mono() + (int64_t)(watchdog_usec / 2000));
}

int gw_notify_open(struct gw *g)
{
	g->status_timer = dc_loop_timer_new(g->loop, on_status, g);
	g->watchdog_timer = dc_loop_timer_new(g->loop, on_watchdog, g);
	if (g->status_timer < 0 || g->watchdog_timer < 0)
		return -1;
	watchdog_usec = dc_sd_watchdog_usec();
	if (watchdog_usec < 2000)
		watchdog_usec = 0;
	return 0;
}

void gw_notify_ready(struct gw *g)
{
	dc_sd_notify("READY=1");
	send_status(g);
	if (watchdog_usec)
		on_watchdog(g->loop, g->watchdog_timer, g);
}

void gw_notify_changed(struct gw *g)
{
	if (!g->loop || dc_loop_timer_at(g->loop, g->status_timer) != DC_NEVER)
		return;
	int64_t at = status_sent_ms + STATUS_MIN_GAP_MS, now = gw_mono();
	dc_loop_timer_set(g->loop, g->status_timer, at > now ? at : now);
}

void gw_notify_stopping(void)
{
	dc_sd_notify("STOPPING=1\nSTATUS=stopping");
}
