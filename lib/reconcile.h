/* reconcile.h — desired vs. confirmed state of one relay channel (pure).
 *
 * The gateway keeps one struct dc_recon per bound screen.  The schedule says
 * what the channel should be (desired); the driver says what the device
 * reported (confirmed).  dc_recon_step() turns the difference into actions:
 * send a command, retry it with exponential backoff, raise an alarm when the
 * switch is still unconfirmed after a timeout.  A switch is "done" only when
 * the device reports the commanded state, never when the command was sent.
 *
 * No I/O and no clock: every function takes the current instant explicitly
 * (UTC milliseconds), so a whole night of faults is a unit test.
 */
#ifndef DECRAN_RECONCILE_H
#define DECRAN_RECONCILE_H

#include <stdint.h>

#define DC_STATE_UNKNOWN (-1)
#define DC_STATE_OFF 0
#define DC_STATE_ON 1

struct dc_recon_policy {
	int64_t retry_first_ms;	/* delay before the first retry */
	int64_t retry_max_ms;	/* backoff doubles up to this */
	int64_t confirm_timeout_ms;	/* unconfirmed this long after the first send: alarm */
};

/* Sane defaults: retry after 2 s, backoff capped at 60 s, alarm after 30 s. */
#define DC_RECON_POLICY_DEFAULT { 2000, 60000, 30000 }

struct dc_recon {
	int desired;		/* DC_STATE_*; UNKNOWN = no opinion, nothing to do */
	int confirmed;		/* last state the device reported; UNKNOWN at start/offline */
	int64_t confirmed_at;	/* when it was reported (ms), 0 if never */
	int pending;		/* value of the command in flight, UNKNOWN if none */
	int64_t first_sent;	/* when the first command for `pending` went out */
	int64_t next_retry;	/* when to send again if still unconfirmed */
	unsigned attempts;	/* commands sent for `pending` */
	int alarmed;		/* an unconfirmed alarm is raised for `pending` */
	int online;		/* device reachable as far as we know (1 at start) */
};

/* Flags returned by dc_recon_step / dc_recon_report (several may be set). */
#define DC_RECON_SEND	0x1u	/* send a command for act->value */
#define DC_RECON_ALARM	0x2u	/* raise "switch not confirmed" */
#define DC_RECON_DONE	0x4u	/* the pending command is confirmed */
#define DC_RECON_CLEAR	0x8u	/* the unconfirmed alarm can be cleared */
#define DC_RECON_SUPERSEDED 0x10u	/* a pending command was abandoned for a new one */
#define DC_RECON_DRIFT	0x20u	/* the device changed state on its own (not commanded) */

struct dc_recon_action {
	int value;		/* state to command (SEND) or confirmed (DONE) */
	unsigned attempt;	/* 1 for the first send, 2.. for retries */
	int64_t latency_ms;	/* DONE: confirmation time - first send */
};

void dc_recon_init(struct dc_recon *r);

/* The schedule changed its mind (or said it for the first time). */
void dc_recon_set_desired(struct dc_recon *r, int desired);

/* The device reported `state` (DC_STATE_ON/OFF/UNKNOWN) at `now`.  Returns
 * DONE (+CLEAR when an alarm was up) when it confirms the pending command,
 * DRIFT when a settled channel moved away from the desired state. */
unsigned dc_recon_report(struct dc_recon *r, int state, int64_t now, struct dc_recon_action *act);

/* The device went offline (its state becomes unknown) or came back (retry at
 * once instead of waiting for the backoff). */
void dc_recon_set_online(struct dc_recon *r, int online, int64_t now);

/* What to do at `now`.  *wake (may be NULL) receives the next instant the
 * channel needs a step even if nothing is reported (INT64_MAX if none). */
unsigned dc_recon_step(struct dc_recon *r, const struct dc_recon_policy *p, int64_t now,
		       struct dc_recon_action *act, int64_t *wake);

/* The command for `pending` really left at `now` (the gateway holds a
 * command until its audit row is written): its retry and confirmation
 * clocks start there, so time spent waiting is never counted as the
 * device's silence.  *wake as for dc_recon_step. */
void dc_recon_sent(struct dc_recon *r, const struct dc_recon_policy *p, int64_t now,
		   int64_t *wake);
/* Backoff delay before retry number `attempt` + 1 (attempt >= 1). */
int64_t dc_recon_backoff(const struct dc_recon_policy *p, unsigned attempt);

/* true when the channel is settled: desired known and confirmed equal to it. */
int dc_recon_settled(const struct dc_recon *r);

#endif
