/* gwconfig.h — the gateway's own configuration file (JSON).
 *
 * Loaded and validated in one go; errors name the field path, e.g.
 *   boxes[2].topic: required for driver "tasmota"
 * and a failed load leaves the running configuration alone (SIGHUP keeps
 * the old one).  The reference of every field is docs/gateway.md.
 */
#ifndef DECRAN_GWCONFIG_H
#define DECRAN_GWCONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mqttsec.h"
#include "screen.h"

enum gw_driver {
	GW_DRV_NATIVE,
	GW_DRV_TASMOTA,
	GW_DRV_SHELLY,
	GW_DRV_MODBUS_RTU,
	GW_DRV_MODBUS_TCP,
	GW_DRV__COUNT
};

#define GW_PATH_MAX 256
#define GW_HOST_MAX 128
#define GW_TOPIC_MAX 128
#define GW_MAX_BUSES 16

struct gw_bus {			/* one RS-485 serial line, one worker thread */
	char id[DC_ID_MAX];
	char device[GW_PATH_MAX];
	int baud;
	char parity;		/* 'N', 'E', 'O' */
	int data_bits, stop_bits;
	int timeout_ms;
};

struct gw_box {
	char id[DC_ID_MAX];
	enum gw_driver driver;
	int channels;		/* 1..DC_MAX_CHANNELS */
	char topic[GW_TOPIC_MAX];	/* tasmota %topic%, shelly prefix; native: box id */
	/* Modbus */
	char host[GW_HOST_MAX];
	int port;
	int bus;		/* index in gw_config.buses (rtu), -1 otherwise */
	int unit;		/* slave id 1..247 */
	char profile[DC_ID_MAX];	/* relay profile name (gateway/profiles/<name>.json) */
	int poll_ms;		/* read-back period for Modbus relays */
	/* Optional energy meter measuring this box's feed. */
	char meter_profile[DC_ID_MAX];	/* "" when none */
	int meter_unit;		/* same bus/host as the relay */
	/* Native: what can light its screens is sealed with its key
	 * (lib/msgauth.h); read from box_keys_dir when the file exists. */
	bool keyed;
	uint8_t key[32];
};

/* Roles of the control socket's peers, least to most trusted. */
enum gw_role { GW_ROLE_NONE, GW_ROLE_READONLY, GW_ROLE_WEB, GW_ROLE_ADMIN, GW_ROLE__COUNT };
#define GW_CTL_NAMES 16		/* names per role */
const char *gw_role_name(enum gw_role r);

struct gw_config {
	char broker_host[GW_HOST_MAX];
	int broker_port;
	char client_id[64];
	int keepalive_s;
	int qos;		/* MQTT QoS of relay commands and queries (docs/gateway.md) */
	struct dc_mqtt_sec broker_sec;	/* username, password file, TLS */
	char broker_password[128];	/* read by gw_config_load_secrets */
	/* Provisioning (`decran boxes provision`, docs/security.md): the
	 * broker's password and ACL files, its pid file (reloaded after a
	 * change), and where each box's command key is kept (<dir>/<box>.key:
	 * 32 bytes in hex, mode 0600; default "box-keys" beside the database). */
	char mosquitto_passwd[GW_PATH_MAX], mosquitto_acl[GW_PATH_MAX];
	char mosquitto_pid[GW_PATH_MAX];
	char box_keys_dir[GW_PATH_MAX];
	char db_path[GW_PATH_MAX];
	char rules_path[GW_PATH_MAX];
	char zone[64];
	char control_socket[GW_PATH_MAX];
	/* Who may do what on the control socket ("control": {"admin": [...],
	 * "web": [...], "readonly": [...]}): user or group names per role.
	 * ctl_set false = no section: the defaults (gateway/daemon/control.c). */
	bool ctl_set;
	char ctl_names[GW_ROLE__COUNT][GW_CTL_NAMES][64];
	size_t nctl_names[GW_ROLE__COUNT];
	char energy_config[GW_PATH_MAX];	/* ledger settings (energy.json); "" = built-in */
	int ledger_update_min;	/* import + update the energy ledger this often; 0 = never */
	char profiles_dir[GW_PATH_MAX];
	char shelly_src[64];	/* MQTT client name Shelly answers to: "<src>/rpc" */
	int heartbeat_s;	/* gateway heartbeat period */
	/* "clock_unsynced": "hold_off" (default): while the kernel says no NTP
	 * disciplines the clock, luminous advertising is held off, since the
	 * time may be wrong; "trust": a gateway with a real-time clock on a
	 * network without NTP follows its clock. */
	bool trust_unsynced_clock;
	int64_t retry_first_ms, retry_max_ms, confirm_timeout_ms;
	int64_t startup_grace_ms;	/* wait for retained states before the first commands */
	int offline_alarm_s;	/* box silent/offline this long: alarm */
	int fallback_horizon_days, fallback_refresh_h;
	double meter_off_threshold_w;	/* power above this with relay off: alarm */
	int64_t meter_settle_ms;	/* ignore readings this soon after a switch */
	int relay_test_dwell_s;		/* `decran relay test`: time in each step */
	struct gw_bus buses[GW_MAX_BUSES];
	size_t nbuses;
	struct gw_box *boxes;
	size_t nboxes;
};

/* Parse JSON text.  base_dir resolves relative paths (db, rules, profiles);
 * NULL keeps them as written.  Returns 0, or -1 with "path: message" in err
 * and *out untouched. */
int gw_config_parse(const char *json, size_t len, const char *base_dir, struct gw_config *out,
		    char *err, size_t errlen);
/* Read the file and parse it (relative paths resolved from its directory). */
int gw_config_load(const char *path, struct gw_config *out, char *err, size_t errlen);
/* Check the broker's certificate and key files and read its password
 * (the daemon's start, -n and reload; not the CLI's).  0, or -1 with
 * "file: broker.field: ..." in err. */
int gw_config_load_secrets(struct gw_config *c, const char *path, char *err, size_t errlen);
void gw_config_free(struct gw_config *c);
/* Index of box `id`, or -1. */
int gw_config_box(const struct gw_config *c, const char *id);

/* "127.0.0.1:8080" -> addr, port; -1 unless an IPv4 address and a port. */
int gw_http_listen_parse(const char *s, char addr[16], uint16_t *port);
const char *gw_driver_name(enum gw_driver d);
int gw_driver_parse(const char *s);

#endif
