/* config.h — decran-relay configuration (JSON file, validated as a whole).
 *
 * Every error names the field path, e.g. "channels[2].line: ...", and a file
 * with an error is never partly applied.  The shipped example
 * firmware/decran-relay.json.example is the single source of truth for the
 * default pin map (docs/protocol.md and hw/ docs copy it; a test checks).
 */
#ifndef DECRAN_FW_CONFIG_H
#define DECRAN_FW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "fallback.h"
#include "mqttsec.h"
#include "regdecode.h"
#include "screen.h"

enum fw_wiring { FW_WIRING_NO, FW_WIRING_NC };
enum fw_hal_kind { FW_HAL_GPIOD, FW_HAL_SIM };

struct fw_channel_cfg {
	int channel;		/* 1..16 */
	char name[64];
	char chip[32];		/* "gpiochip0" */
	int line;		/* offset on the chip */
	bool active_low;	/* coil energised when the line is low (most HATs) */
	enum fw_wiring wiring;	/* NO: screen powered when the coil is energised */
	/* What the channel does when the box fails or stops (hw/watchdog.md):
	 * on only for an NC channel the city declared non-advertising. */
	bool safe_on;
	bool not_advertising;	/* "advertising": false stated in the file */
	/* Auxiliary contact of the contactor (hw/feedback.md); has = configured. */
	struct {
		bool has;
		char chip[32];
		int line;
		bool active_low;	/* input low when the contactor is pulled in */
	} feedback;
};

/* The hardware watchdog the box feeds (hw/watchdog.md). */
struct fw_watchdog_cfg {
	bool enabled;
	char device[128];	/* "/dev/watchdog" */
	int timeout_s;		/* WDIOC_SETTIMEOUT; fed every timeout_s / 3 */
	bool magic_close;	/* write 'V' on a clean stop (disarms the timer) */
};

#define FW_METER_MAX_REGS 8
struct fw_meter_reg {
	char name[24];		/* telemetry key: "voltage_v", "power_w", ... */
	int fn;			/* 3 holding, 4 input */
	int addr;
	enum dc_reg_type type;
	enum dc_word_order order;
	double scale;
};

struct fw_meter_cfg {
	bool enabled;
	char device[128];
	int baud, data_bits, stop_bits;
	char parity;		/* 'N', 'E', 'O' */
	int slave;
	int period_s;
	int timeout_ms;
	char profile[24];	/* "sdm120" or "custom" */
	size_t nregs;
	struct fw_meter_reg regs[FW_METER_MAX_REGS];
};

struct fw_config {
	char box[DC_ID_MAX];
	enum fw_hal_kind hal;
	char sim_state_file[256];
	size_t nch;
	struct fw_channel_cfg ch[DC_MAX_CHANNELS];	/* in file order */
	bool safe_on;		/* root "safe_state": each channel's default */
	int gateway_timeout_s;
	char state_dir[256];
	/* The box's key (docs/security.md): commands, schedules and the
	 * gateway's heartbeat must be sealed with it; "" accepts them bare. */
	char command_key_file[256];
	int telemetry_s;
	int journal_max;
	struct {
		char host[128];
		int port, keepalive_s, backoff_min_ms, backoff_max_ms;
		char client_id[64];
		/* username, password_file, tls: relative names are systemd
		 * credentials ($CREDENTIALS_DIRECTORY, LoadCredential=). */
		struct dc_mqtt_sec sec;
	} mqtt;
	struct fw_meter_cfg meter;
	struct fw_watchdog_cfg watchdog;
	int feedback_debounce_ms;	/* a feedback input counts once stable this long */
	int feedback_check_s;		/* and is sampled this often between switches */
	struct {
		bool enabled;
		char listen[64];
		int port, max_clients;
	} modbus_tcp;
};

int fw_config_parse(const char *json, size_t len, struct fw_config *out, char *err,
		    size_t errlen);
int fw_config_load(const char *path, struct fw_config *out, char *err, size_t errlen);
/* Configured channel entry for channel number n, or NULL. */
const struct fw_channel_cfg *fw_config_channel(const struct fw_config *c, int n);
/* The state channel n goes to when the box fails or stops. */
bool fw_config_safe_on(const struct fw_config *c, int n);
/* Fill the registers of a built-in meter profile ("sdm120"); -1 if unknown. */
int fw_meter_profile(const char *name, struct fw_meter_cfg *m);

#endif
