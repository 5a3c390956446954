/* audit.h — what the gateway did, in the database, append-only.
 *
 * Tables (store.c migrations "gateway: ..."): commands, command_outcomes,
 * alarm_events, boxes, meter_readings, box_journal, and the ledger's input
 * (ledger_states).  Every row goes through one queue of pending writes
 * (gateway/store/dbqueue.h): kept in order while another process holds the
 * database, retried from the loop's timer (gw_audit_next), never dropped;
 * held back for longer than a few seconds it raises the "database" alarm.
 * A command leaves once its row is committed (gw_audit_committed), so a
 * SIGKILL loses no command that a box received; a confirmation is a new
 * row in command_outcomes, never an update.  Commands a killed gateway left
 * without an outcome are resolved after the restart from what the devices
 * report (lib/inflight.h; the last outcome of a command is the one that
 * counts).  Without a database every call is a no-op.
 */
#ifndef DECRAN_GW_AUDIT_H
#define DECRAN_GW_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gw;
struct gw_chan;

int gw_audit_open(struct gw *g, char *err, size_t errlen);
void gw_audit_close(struct gw *g);
/* Hold the rows of a burst for one transaction; flush writes everything
 * queued and returns true when nothing is left waiting. */
void gw_audit_begin(struct gw *g);
bool gw_audit_flush(struct gw *g);
/* While deferring, rows wait (written by flush, or when deferring ends):
 * the confirmations of one socket read share one commit. */
void gw_audit_defer(struct gw *g, bool on);
/* Every row queued so far is written (or the queue is stalled: relays come
 * before records). */
bool gw_audit_committed(const struct gw *g);
bool gw_audit_stalled(const struct gw *g);	/* the "database" alarm is up */
int64_t gw_audit_next(const struct gw *g);	/* monotonic ms of the next retry */
/* Every loop iteration: retries due, statements left active, the end of
 * the start-up grace for commands in flight. */
void gw_audit_tick(struct gw *g);
void gw_audit_stats(const struct gw *g, size_t *pending, uint64_t *written, uint64_t *busy);
/* Returns the command's row id (> 0), or 0 when not recorded. */
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
/* A state into the energy ledger's input (dc_ledger_record): a confirmed
 * on/off, or unknown with its cause (enum dc_en_cause). */
void gw_audit_ledger_state(struct gw *g, const char *screen_id, int64_t at, int state, int cause);
/* The gateway's "still running" mark (ledger_meta gateway_alive, UTC s;
 * 0: stopped cleanly), written every heartbeat; read at start. */
void gw_audit_alive(struct gw *g, int64_t at);
int64_t gw_audit_alive_read(struct gw *g);
/* The newest instant of a screen's ledger input, 0 none (read at start). */
int64_t gw_audit_last_ledger_state(struct gw *g, const char *screen_id);
/* Commands in flight at the last stop: a channel's report (echo_id: the
 * command id the device says set it, or NULL), and the end of the grace. */
void gw_audit_inflight_report(struct gw *g, const struct gw_chan *c, int state,
			      const char *echo_id);
void gw_audit_inflight_settle(struct gw *g);

#endif
