/* proto.h — MQTT protocol v1 of the relay box: topics, payload limits,
 * parsers (validate everything, name the bad field) and encoders.
 * Pure: no I/O.  The full description is docs/protocol.md.
 */
#ifndef DECRAN_FW_PROTO_H
#define DECRAN_FW_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arbiter.h"

#define FW_PROTO_VERSION 1
#define FW_CMD_MAX_BYTES 256		/* decran/<box>/cmd/<ch> */
#define FW_GW_STATUS_MAX_BYTES 256	/* decran/gateway/status */
#define FW_ACK_MAX_BYTES 128		/* decran/<box>/journal/ack */
#define FW_FALLBACK_MAX_BYTES (128 * 1024)	/* decran/<box>/fallback */
#define FW_CMDID_MAX 65			/* 1..64 chars [A-Za-z0-9_.:-] + NUL */
#define FW_GATEWAY_STATUS_TOPIC "decran/gateway/status"
/* decran/<box>/gateway: the gateway's heartbeat sealed for a keyed box. */
#define FW_BOX_GATEWAY_TOPIC "gateway"

struct fw_command {
	char id[FW_CMDID_MAX];
	bool on;
	/* Override of the fallback schedule's "off" (docs/protocol.md): who
	 * asked, and until when (UTC s); ovr_until 0 when none. */
	int64_t ovr_until;
	char ovr_by[FW_CMDID_MAX];
};

/* {"v":1,"id":"<1..64 [A-Za-z0-9_.:-]>","on":true|false
 *  [,"ovr":{"until":<UTC s>,"by":"<1..64 [A-Za-z0-9_.:@-]>"}]} */
int fw_parse_command(const char *p, size_t len, struct fw_command *out, char *err,
		     size_t errlen);
/* {"v":1,"online":true|false, ...}; other fields ignored. */
int fw_parse_gateway_status(const char *p, size_t len, bool *online, char *err, size_t errlen);
/* {"v":1,"upto":<seq>} */
int fw_parse_journal_ack(const char *p, size_t len, uint64_t *upto, char *err, size_t errlen);
/* "decran/<box>/<rest>" → rest, or NULL if the topic is not the box's. */
const char *fw_topic_rest(const char *topic, const char *box);
/* "3" → 3; -1 unless 1..16 written plainly. */
int fw_parse_channel(const char *s);

/* Recently applied command ids, so a redelivered command is applied once and
 * answered again with its original outcome. */
#define FW_CMDLOG_SIZE 64
struct fw_cmdlog_entry {
	char id[FW_CMDID_MAX];
	int channel;
	bool on;
	int64_t t;
};
struct fw_cmdlog {
	size_t n, next;
	struct fw_cmdlog_entry e[FW_CMDLOG_SIZE];
};
const struct fw_cmdlog_entry *fw_cmdlog_find(const struct fw_cmdlog *l, const char *id);
void fw_cmdlog_add(struct fw_cmdlog *l, const char *id, int channel, bool on, int64_t t);

/* Encoders (malloc'd JSON, NULL on OOM). */
/* fb: the contactor's auxiliary contact says the screen is powered (1) or
 * not (0), settled; -1: no feedback or not settled yet ("fb" left out). */
char *fw_encode_state(int channel, bool on, enum fw_source src, const char *cmd_id, int64_t t,
		      int fb);
char *fw_encode_result(const struct fw_cmdlog_entry *e, bool dup);
/* code: a short reason code ("invalid", "bad_mac", "fallback_off"...). */
char *fw_encode_error(const char *topic, const char *why, const char *code, int64_t t);

#endif
