/* relayd.h — the decran-relay daemon's state, shared by its parts:
 *   relayd.c      options, start-up (boot state), the event loop
 *   relay_ctl.c   switching a channel, autonomy, persistence, journal
 *   relay_mqtt.c  MQTT topics in and out
 *   mbserver.c    local Modbus TCP server     meter.c  RS-485 meter thread
 */
#ifndef DECRAN_FW_RELAYD_H
#define DECRAN_FW_RELAYD_H

#include <stdbool.h>
#include <stdint.h>

#include "arbiter.h"
#include "clock.h"
#include "config.h"
#include "fallback.h"
#include "feedback.h"
#include "hal.h"
#include "journal.h"
#include "meter.h"
#include "mqttconn.h"
#include "msgauth.h"
#include "proto.h"
#include "watchdog.h"

struct fw_mbserver;

struct fw_chstate {
	bool on;
	enum fw_source src;
	char cmd_id[FW_CMDID_MAX];
	int64_t t;		/* UTC seconds of the last switch or command */
	int64_t next_edge;	/* next fallback transition (UTC s), INT64_MAX none */
	int64_t ovr_until;	/* lit under a gateway override until then (UTC s), 0 none */
};

struct relayd {
	struct fw_config cfg;
	bool hang_hook;		/* tests: SIGUSR2 hangs the loop (DECRAN_RELAY_TEST_HANG) */
	struct dc_clock clk;
	struct fw_hal *hal;
	struct dc_mqtt *mqtt;
	struct fw_meter *meter;
	struct fw_mbserver *mb;
	struct dc_fallback *fb;	/* NULL until a schedule is known */
	struct fw_chstate st[DC_MAX_CHANNELS];	/* index channel - 1 */
	struct fw_cmdlog cmds;
	struct fw_journal journal;
	struct fw_meter_reading reading;
	struct fw_watchdog wdog;	/* the board's hardware watchdog */
	struct fw_fbstate fbs[DC_MAX_CHANNELS];	/* contactor feedback, index channel - 1 */
	int64_t fb_check_at;	/* mono ms of the next periodic feedback sample */
	bool safe_done;		/* outputs already driven to their safe state */
	bool tele_on_reading;	/* tele/get: publish telemetry with the next reading */

	bool clock_trusted;
	bool autonomous;	/* following the fallback schedule */
	bool gw_online;
	int64_t gw_seen_ms;	/* virtual ms of the last gateway heartbeat */
	int64_t start_mono_ms;
	int64_t tele_at, sync_check_at, watchdog_at, journal_retry_at;	/* mono ms */
	uint64_t watchdog_usec;
	char password[128];
	unsigned mqtt_failures;	/* attempts failed since the last connection */
	/* Sealed messages (lib/msgauth.h): the box's key, and per stream the
	 * last accepted (commands per channel and the schedule persisted in
	 * state.json; the heartbeat's short validity needs no persistence). */
	bool keyed;
	uint8_t key[DC_AUTH_KEY_LEN];
	struct dc_auth_stream auth_cmd[DC_MAX_CHANNELS], auth_fallback, auth_gw, auth_ack, auth_tele;
	char path_state[300], path_fallback[300], path_journal[300];
	/* state.json is printed here at every command: a fresh cJSON buffer,
	 * doubled as it grows, left the heap fragmented (+250 KiB RSS after
	 * 400 commands; bench_relay).  Its largest form, every channel and
	 * stream with 64-character ids, is under 12 KiB. */
	char state_json[16384];
	char topic_status[128];
	volatile int quit;
};

/* relay_ctl.c */
int64_t relayd_now(const struct relayd *r);	/* virtual UTC seconds */
/* Set a channel, record who and why, publish and persist; journals the
 * switches the box made on its own.  Returns 0 or -1 (GPIO failure). */
int relayd_switch(struct relayd *r, int channel, bool on, enum fw_source src, const char *cmd_id);
/* Mode changes and fallback transitions due now. */
void relayd_evaluate(struct relayd *r);
/* Apply the fallback to every channel (entering autonomy, new schedule). */
void relayd_apply_fallback(struct relayd *r, bool all);
/* Earliest virtual ms something schedule-related must happen. */
int64_t relayd_next_virtual_ms(const struct relayd *r);
int relayd_set_fallback(struct relayd *r, const struct dc_fallback *fb, bool persist);
void relayd_load_persisted(struct relayd *r);
void relayd_persist_state(struct relayd *r);
void relayd_persist_journal(struct relayd *r);

/* safestate.c: drive every output to its safe state (once); register the
 * atexit() that does it for r; the --safe-state mode. */
void relayd_safe_state(struct relayd *r);
void relayd_safe_state_arm(struct relayd *r);
int relayd_safe_state_only(const struct fw_config *cfg);

/* relay_mqtt.c */
struct dc_mqtt *relayd_mqtt_new(struct relayd *r);
void relayd_publish_state(struct relayd *r, int channel);
void relayd_publish_status(struct relayd *r, bool online);
void relayd_publish_tele(struct relayd *r);
void relayd_publish_journal(struct relayd *r);
void relayd_publish_error(struct relayd *r, const char *topic, const char *why, const char *code);
void relayd_notify_status(struct relayd *r);	/* sd_notify STATUS= */

int relayd_main(int argc, char **argv);

#endif
