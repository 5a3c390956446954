/* audit.h — what the gateway did, in the database, append-only.
 *
 * Tables (store.c migrations "gateway: ..."): commands, command_outcomes,
 * alarm_events, boxes, meter_readings.  A command row is committed BEFORE
 * the command leaves the gateway, and a confirmation is a new row in
 * command_outcomes, never an update: a SIGKILL at any point loses no row and
 * duplicates none (a restarted gateway marks the commands left without an
 * outcome "interrupted" and sends new ones if still needed).
 * Without a database (none configured or open failed) every call is a no-op.
 */
#ifndef DECRAN_GW_AUDIT_H
#define DECRAN_GW_AUDIT_H

#include <stdbool.h>
#include <stdint.h>

struct gw;
struct gw_chan;

int gw_audit_open(struct gw *g, char *err, size_t errlen);
void gw_audit_close(struct gw *g);
/* Group the rows of a burst into one transaction; flush commits it. */
void gw_audit_begin(struct gw *g);
void gw_audit_flush(struct gw *g);
/* While deferring, the first row written opens a transaction (committed by
 * flush, or when deferring ends): the confirmations of one socket read share
 * one commit instead of one each. */
void gw_audit_defer(struct gw *g, bool on);
/* Returns the row id (> 0), or 0 when not recorded. */
int64_t gw_audit_command(struct gw *g, const struct gw_chan *c, int to, const char *cmd_id);
void gw_audit_confirm(struct gw *g, int64_t command, int state);
void gw_audit_outcome(struct gw *g, int64_t command, const char *outcome);
void gw_audit_alarm(struct gw *g, const char *kind, const char *box, int channel, bool active,
		    const char *message);
void gw_audit_box(struct gw *g, int box);
struct dc_drv_event;
/* A switch a native box made on its own (journal entry), recorded once. */
void gw_audit_journal(struct gw *g, int box, const struct dc_drv_event *ev);
void gw_audit_reading(struct gw *g, int box, int channel, const char *quantity, double value);

#endif
