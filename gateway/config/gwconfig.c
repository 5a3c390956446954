/* gwconfig.c — the gateway's configuration file: parse and validate. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#include "gwconfig.h"
#include "drv_shelly.h"
#include "drv_tasmota.h"
#include "fallback.h"
#include "json.h"
#include "mqttsec.h"
#include "paths.h"

/* 100,000 one-channel boxes take about 7 MB of JSON. */
#define CONFIG_MAX_BYTES (32 << 20)

static const char *const driver_names[GW_DRV__COUNT] = {
	"native", "tasmota", "shelly", "modbus-rtu", "modbus-tcp",
};

const char *gw_driver_name(enum gw_driver d)
{
	return (unsigned)d < GW_DRV__COUNT ? driver_names[d] : "?";
}

int gw_driver_parse(const char *s)
{
	for (int i = 0; i < GW_DRV__COUNT; i++)
		if (!strcmp(s, driver_names[i]))
			return i;
	return -1;
}

int gw_http_listen_parse(const char *s, char addr[16], uint16_t *port)
{
	const char *colon = strrchr(s, ':');
	struct in_addr a;
	char *end;
	if (!colon || colon == s || (size_t)(colon - s) >= 16)
		return -1;
	memcpy(addr, s, (size_t)(colon - s));
	addr[colon - s] = '\0';
	errno = 0;
	unsigned long p = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || p > 65535 || !isdigit((unsigned char)colon[1]) ||
	    inet_pton(AF_INET, addr, &a) != 1)
		return -1;
	*port = (uint16_t)p;
	return 0;
}

/* Parsing context: the error buffer and the path of the current object. */
struct ctx {
	char *err;
	size_t errlen;
	const char *base;
};

static int fail(struct ctx *c, const char *path, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(struct ctx *c, const char *path, const char *field, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "%s%s%s: %s", path, *path && field ? "." : "",
		 field ? field : "", msg);
	return -1;
}

/* Unknown keys are errors: a typo must not silently become a default. */
static int only_keys(struct ctx *c, const char *path, const cJSON *obj, const char *const *keys)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, obj) {
		const char *const *k;
		for (k = keys; *k; k++)
			if (!strcmp(*k, it->string))
				break;
		if (!*k)
			return fail(c, path, it->string, "unknown field");
	}
	return 0;
}

static int get_str(struct ctx *c, const char *path, const cJSON *obj, const char *key,
		   char *dst, size_t dstlen, int required)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!v) {
		if (required)
			return fail(c, path, key, "required");
		return 0;
	}
	if (!cJSON_IsString(v))
		return fail(c, path, key, "expected a string");
	if (strlen(v->valuestring) >= dstlen)
		return fail(c, path, key, "too long (max %zu bytes)", dstlen - 1);
	if (required && !*v->valuestring)
		return fail(c, path, key, "must not be empty");
	snprintf(dst, dstlen, "%s", v->valuestring);
	return 0;
}

static int get_int(struct ctx *c, const char *path, const cJSON *obj, const char *key,
		   long long *dst, long long min, long long max, int required)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!v) {
		if (required)
			return fail(c, path, key, "required");
		return 0;
	}
	if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble))
		return fail(c, path, key, "expected an integer");
	if (v->valuedouble < (double)min || v->valuedouble > (double)max)
		return fail(c, path, key, "must be between %lld and %lld", min, max);
	*dst = (long long)v->valuedouble;
	return 0;
}

static int get_i(struct ctx *c, const char *path, const cJSON *obj, const char *key, int *dst,
		 int min, int max, int required)
{
	long long v = *dst;
	if (get_int(c, path, obj, key, &v, min, max, required) < 0)
		return -1;
	*dst = (int)v;
	return 0;
}

static int get_obj(struct ctx *c, const char *path, const cJSON *obj, const char *key,
		   const cJSON **out)
{
	*out = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (*out && !cJSON_IsObject(*out))
		return fail(c, path, key, "expected an object");
	return 0;
}

/* Relative paths are relative to the config file's directory. */
static void resolve(struct ctx *c, char *p, size_t len)
{
	char tmp[GW_PATH_MAX * 2];
	if (!c->base || !*p || p[0] == '/')
		return;
	snprintf(tmp, sizeof tmp, "%s/%s", c->base, p);
	if (strlen(tmp) < len)
		memcpy(p, tmp, strlen(tmp) + 1);
}

static int parse_bus(struct ctx *c, const char *path, const cJSON *j, struct gw_bus *b)
{
	static const char *const keys[] = { "id", "device", "baud", "parity", "data_bits",
					    "stop_bits", "timeout_ms", NULL };
	char parity[4] = "N";
	if (!cJSON_IsObject(j))
		return fail(c, path, NULL, "expected an object");
	b->baud = 9600;
	b->data_bits = 8;
	b->stop_bits = 1;
	b->timeout_ms = 500;
	if (only_keys(c, path, j, keys) || get_str(c, path, j, "id", b->id, sizeof b->id, 1) ||
	    get_str(c, path, j, "device", b->device, sizeof b->device, 1) ||
	    get_i(c, path, j, "baud", &b->baud, 300, 921600, 0) ||
	    get_str(c, path, j, "parity", parity, sizeof parity, 0) ||
	    get_i(c, path, j, "data_bits", &b->data_bits, 7, 8, 0) ||
	    get_i(c, path, j, "stop_bits", &b->stop_bits, 1, 2, 0) ||
	    get_i(c, path, j, "timeout_ms", &b->timeout_ms, 10, 60000, 0))
		return -1;
	if (!dc_slug_valid(b->id))
		return fail(c, path, "id", "\"%s\" is not a valid id ([a-z0-9][a-z0-9_-]*)", b->id);
	if (strlen(parity) != 1 || !strchr("NEO", parity[0]))
		return fail(c, path, "parity", "expected \"N\", \"E\" or \"O\"");
	b->parity = parity[0];
	return 0;
}

static int parse_box(struct ctx *c, const char *path, const cJSON *j, struct gw_config *cfg,
		     struct gw_box *b)
{
	static const char *const keys[] = { "id", "driver", "channels", "topic", "prefix", "host",
					    "port", "bus", "unit", "profile", "poll_ms", "meter",
					    NULL };
	char drv[32], bus[DC_ID_MAX] = "";
	const cJSON *meter;
	int d;

	if (!cJSON_IsObject(j))
		return fail(c, path, NULL, "expected an object");
	memset(b, 0, sizeof *b);
	b->bus = -1;
	b->unit = 1;
	b->channels = 1;
	b->poll_ms = 5000;
	if (only_keys(c, path, j, keys) || get_str(c, path, j, "id", b->id, sizeof b->id, 1) ||
	    get_str(c, path, j, "driver", drv, sizeof drv, 1) ||
	    get_i(c, path, j, "channels", &b->channels, 1, DC_MAX_CHANNELS, 0))
		return -1;
	if (!dc_slug_valid(b->id))
		return fail(c, path, "id", "\"%s\" is not a valid id ([a-z0-9][a-z0-9_-]*)", b->id);
	if ((d = gw_driver_parse(drv)) < 0)
		return fail(c, path, "driver",
			    "\"%s\" unknown (native, tasmota, shelly, modbus-rtu, modbus-tcp)", drv);
	b->driver = (enum gw_driver)d;

	switch (b->driver) {
	case GW_DRV_NATIVE:
		snprintf(b->topic, sizeof b->topic, "%s", b->id);
		break;
	case GW_DRV_TASMOTA:
		if (get_str(c, path, j, "topic", b->topic, sizeof b->topic, 1))
			return -1;
		if (!dc_tasmota_topic_valid(b->topic))
			return fail(c, path, "topic", "must not contain '/', '+' or '#'");
		break;
	case GW_DRV_SHELLY:
		if (get_str(c, path, j, "prefix", b->topic, sizeof b->topic, 1))
			return -1;
		if (!dc_shelly_prefix_valid(b->topic))
			return fail(c, path, "prefix",
				    "must not contain '+' or '#' nor start or end with '/'");
		break;
	case GW_DRV_MODBUS_TCP:
		b->port = 502;
		if (get_str(c, path, j, "host", b->host, sizeof b->host, 1) ||
		    get_i(c, path, j, "port", &b->port, 1, 65535, 0))
			return -1;
		/* fall through */
	case GW_DRV_MODBUS_RTU:
		if (get_i(c, path, j, "unit", &b->unit, 1, 247, 0) ||
		    get_str(c, path, j, "profile", b->profile, sizeof b->profile, 1) ||
		    get_i(c, path, j, "poll_ms", &b->poll_ms, 100, 3600000, 0))
			return -1;
		if (b->driver == GW_DRV_MODBUS_RTU) {
			if (get_str(c, path, j, "bus", bus, sizeof bus, 1))
				return -1;
			for (size_t i = 0; i < cfg->nbuses; i++)
				if (!strcmp(cfg->buses[i].id, bus))
					b->bus = (int)i;
			if (b->bus < 0)
				return fail(c, path, "bus", "\"%s\" is not defined in buses", bus);
		}
		if (get_obj(c, path, j, "meter", &meter))
			return -1;
		if (meter) {
			static const char *const mkeys[] = { "profile", "unit", NULL };
			char mpath[128];
			snprintf(mpath, sizeof mpath, "%s.meter", path);
			b->meter_unit = b->unit;
			if (only_keys(c, mpath, meter, mkeys) ||
			    get_str(c, mpath, meter, "profile", b->meter_profile,
				    sizeof b->meter_profile, 1) ||
			    get_i(c, mpath, meter, "unit", &b->meter_unit, 1, 247, 0))
				return -1;
		}
		break;
	case GW_DRV__COUNT:
		break;
	}
	/* Fields that belong to another driver are mistakes worth naming. */
	static const struct { const char *key; unsigned drivers; } owned[] = {
		{ "topic", 1u << GW_DRV_TASMOTA },
		{ "prefix", 1u << GW_DRV_SHELLY },
		{ "host", 1u << GW_DRV_MODBUS_TCP },
		{ "port", 1u << GW_DRV_MODBUS_TCP },
		{ "bus", 1u << GW_DRV_MODBUS_RTU },
		{ "unit", 1u << GW_DRV_MODBUS_TCP | 1u << GW_DRV_MODBUS_RTU },
		{ "profile", 1u << GW_DRV_MODBUS_TCP | 1u << GW_DRV_MODBUS_RTU },
		{ "poll_ms", 1u << GW_DRV_MODBUS_TCP | 1u << GW_DRV_MODBUS_RTU },
		{ "meter", 1u << GW_DRV_MODBUS_TCP | 1u << GW_DRV_MODBUS_RTU },
	};
	for (size_t i = 0; i < sizeof owned / sizeof owned[0]; i++)
		if (cJSON_GetObjectItemCaseSensitive(j, owned[i].key) &&
		    !(owned[i].drivers & (1u << b->driver)))
			return fail(c, path, owned[i].key, "not used by driver \"%s\"",
				    gw_driver_name(b->driver));
	return 0;
}

static const char *const role_names[GW_ROLE__COUNT] = { "none", "readonly", "web", "admin" };

const char *gw_role_name(enum gw_role r)
{
	return (unsigned)r < GW_ROLE__COUNT ? role_names[r] : "?";
}

/* "control": {"admin": ["root", "decran"], "web": ["decran-web"], ...}:
 * user or group names, resolved when a peer connects. */
static int parse_control(struct ctx *c, const cJSON *o, struct gw_config *cfg)
{
	static const char *const keys[] = { "admin", "web", "readonly", NULL };
	if (only_keys(c, "control", o, keys))
		return -1;
	cfg->ctl_set = true;
	for (int r = GW_ROLE_READONLY; r < GW_ROLE__COUNT; r++) {
		const cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, role_names[r]), *it;
		char path[32];
		size_t i = 0;
		snprintf(path, sizeof path, "control.%s", role_names[r]);
		if (!arr)
			continue;
		if (!cJSON_IsArray(arr))
			return fail(c, "control", role_names[r], "expected an array of user or group names");
		cJSON_ArrayForEach(it, arr) {
			char item[48];
			snprintf(item, sizeof item, "%s[%zu]", path, i);
			if (i >= GW_CTL_NAMES)
				return fail(c, path, NULL, "at most %d names", GW_CTL_NAMES);
			if (!cJSON_IsString(it) || !*it->valuestring ||
			    strlen(it->valuestring) >= sizeof cfg->ctl_names[r][i] ||
			    strpbrk(it->valuestring, ": \t\n"))
				return fail(c, item, NULL, "expected a user or group name");
			snprintf(cfg->ctl_names[r][i++], sizeof cfg->ctl_names[r][0], "%s",
				 it->valuestring);
		}
		cfg->nctl_names[r] = i;
	}
	return 0;
}

/* Boxes sorted by id, or by (driver, topic), then by index. */
static const struct gw_box *sort_base;

static int same_key(const struct gw_box *x, const struct gw_box *y, bool topic)
{
	if (!topic)
		return strcmp(x->id, y->id);
	if (x->driver != y->driver)
		return x->driver < y->driver ? -1 : 1;
	return strcmp(x->topic, y->topic);
}

static int by_index(size_t a, size_t b)
{
	return (a > b) - (a < b);
}

static int by_box_id(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c = same_key(&sort_base[i], &sort_base[j], false);
	return c ? c : by_index(i, j);
}

static int by_box_topic(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c = same_key(&sort_base[i], &sort_base[j], true);
	return c ? c : by_index(i, j);
}

/* No two boxes with one id, no two MQTT boxes of one driver on one topic
 * (they would confirm each other's switches).  Sorted, not compared pair by
 * pair: 100,000 boxes are checked in milliseconds.  The error names the
 * first box, in file order, that repeats an earlier one. */
static int check_unique(struct ctx *c, struct gw_config *cfg)
{
	size_t n = cfg->nboxes, *ix = malloc((n + 1) * sizeof *ix);
	size_t bad = SIZE_MAX, first = 0;
	bool bad_topic = false;
	char path[64];
	if (!ix)
		return fail(c, "", "boxes", "out of memory");
	sort_base = cfg->boxes;
	for (int topic = 0; topic < 2; topic++) {
		for (size_t i = 0; i < n; i++)
			ix[i] = i;
		qsort(ix, n, sizeof *ix, topic ? by_box_topic : by_box_id);
		for (size_t i = 1; i < n; i++) {
			const struct gw_box *x = &cfg->boxes[ix[i - 1]], *y = &cfg->boxes[ix[i]];
			if ((topic && y->driver > GW_DRV_SHELLY) || same_key(x, y, topic))
				continue;
			/* The second of a run of equal boxes (sorted by index). */
			if (i >= 2 && !same_key(&cfg->boxes[ix[i - 2]], x, topic))
				continue;
			if (ix[i] < bad) {
				bad = ix[i];
				first = ix[i - 1];
				bad_topic = topic;
			}
		}
	}
	free(ix);
	if (bad == SIZE_MAX)
		return 0;
	snprintf(path, sizeof path, "boxes[%zu]", bad);
	if (!bad_topic)
		return fail(c, path, "id", "duplicate id \"%s\"", cfg->boxes[bad].id);
	return fail(c, path, cfg->boxes[bad].driver == GW_DRV_SHELLY ? "prefix" : "topic",
		    "already used by boxes[%zu]", first);
}

static int parse_root(struct ctx *c, const cJSON *root, struct gw_config *cfg)
{
	static const char *const keys[] = { "broker", "db", "rules", "zone", "control_socket",
					    "control", "http", "energy", "profiles_dir", "heartbeat_s", "reconcile",
					    "fallback", "alarms", "shelly_src", "buses", "boxes",
					    "relay_test", "box_keys_dir", "mosquitto", "clock_unsynced",
					    NULL };
	const cJSON *o, *arr;
	char path[64];

	if (!cJSON_IsObject(root))
		return fail(c, "", NULL, "expected a JSON object");
	if (only_keys(c, "", root, keys))
		return -1;

	if (get_obj(c, "", root, "broker", &o))
		return -1;
	if (o) {
		static const char *const bk[] = { "host", "port", "client_id", "keepalive_s", "qos",
						  DC_MQTT_SEC_KEYS, NULL };
		if (only_keys(c, "broker", o, bk) ||
		    dc_mqtt_sec_parse(o, "broker", &cfg->broker_sec, c->err, c->errlen) ||
		    get_str(c, "broker", o, "host", cfg->broker_host, sizeof cfg->broker_host, 1) ||
		    get_i(c, "broker", o, "port", &cfg->broker_port, 1, 65535, 0) ||
		    get_str(c, "broker", o, "client_id", cfg->client_id, sizeof cfg->client_id, 0) ||
		    get_i(c, "broker", o, "keepalive_s", &cfg->keepalive_s, 5, 3600, 0) ||
		    get_i(c, "broker", o, "qos", &cfg->qos, 0, 2, 0))
			return -1;
	}
	if (get_obj(c, "", root, "mosquitto", &o))
		return -1;
	if (o) {
		static const char *const mk[] = { "password_file", "acl_file", "pid_file", NULL };
		if (only_keys(c, "mosquitto", o, mk) ||
		    get_str(c, "mosquitto", o, "password_file", cfg->mosquitto_passwd,
			    sizeof cfg->mosquitto_passwd, 0) ||
		    get_str(c, "mosquitto", o, "acl_file", cfg->mosquitto_acl,
			    sizeof cfg->mosquitto_acl, 0) ||
		    get_str(c, "mosquitto", o, "pid_file", cfg->mosquitto_pid,
			    sizeof cfg->mosquitto_pid, 0))
			return -1;
	}
	if (get_str(c, "", root, "db", cfg->db_path, sizeof cfg->db_path, 1) ||
	    get_str(c, "", root, "rules", cfg->rules_path, sizeof cfg->rules_path, 1) ||
	    get_str(c, "", root, "zone", cfg->zone, sizeof cfg->zone, 0) ||
	    get_str(c, "", root, "control_socket", cfg->control_socket,
		    sizeof cfg->control_socket, 0) ||
	    get_str(c, "", root, "profiles_dir", cfg->profiles_dir, sizeof cfg->profiles_dir, 0) ||
	    get_str(c, "", root, "box_keys_dir", cfg->box_keys_dir, sizeof cfg->box_keys_dir, 0) ||
	    get_str(c, "", root, "shelly_src", cfg->shelly_src, sizeof cfg->shelly_src, 0) ||
	    get_i(c, "", root, "heartbeat_s", &cfg->heartbeat_s, 1, 3600, 0))
		return -1;
	char unsynced[16] = "hold_off";
	if (get_str(c, "", root, "clock_unsynced", unsynced, sizeof unsynced, 0))
		return -1;
	if (strcmp(unsynced, "hold_off") && strcmp(unsynced, "trust"))
		return fail(c, "", "clock_unsynced", "expected \"hold_off\" or \"trust\"");
	cfg->trust_unsynced_clock = !strcmp(unsynced, "trust");
	if (!dc_shelly_prefix_valid(cfg->shelly_src) || strchr(cfg->shelly_src, '"'))
		return fail(c, "", "shelly_src", "not usable as an MQTT topic level");
	if (cJSON_GetObjectItemCaseSensitive(root, "http"))
		return fail(c, "", "http", "the dashboard is now its own process, decran-web: "
			    "move this section to its web.json (docs/gateway.md)");
	if (get_obj(c, "", root, "control", &o))
		return -1;
	if (o && parse_control(c, o, cfg) < 0)
		return -1;
	if (get_obj(c, "", root, "energy", &o))
		return -1;
	if (o) {
		static const char *const ek[] = { "config", "update_min", NULL };
		if (only_keys(c, "energy", o, ek) ||
		    get_str(c, "energy", o, "config", cfg->energy_config,
			    sizeof cfg->energy_config, 0) ||
		    get_i(c, "energy", o, "update_min", &cfg->ledger_update_min, 0, 24 * 60, 0))
			return -1;
	}
	if (get_obj(c, "", root, "reconcile", &o))
		return -1;
	if (o) {
		static const char *const rk[] = { "retry_first_ms", "retry_max_ms",
						  "confirm_timeout_ms", "startup_grace_ms",
						  "offline_alarm_s", NULL };
		long long v;
		if (only_keys(c, "reconcile", o, rk))
			return -1;
		v = cfg->retry_first_ms;
		if (get_int(c, "reconcile", o, "retry_first_ms", &v, 10, 3600000, 0))
			return -1;
		cfg->retry_first_ms = v;
		v = cfg->retry_max_ms;
		if (get_int(c, "reconcile", o, "retry_max_ms", &v, 10, 86400000, 0))
			return -1;
		cfg->retry_max_ms = v;
		v = cfg->confirm_timeout_ms;
		if (get_int(c, "reconcile", o, "confirm_timeout_ms", &v, 10, 86400000, 0))
			return -1;
		cfg->confirm_timeout_ms = v;
		v = cfg->startup_grace_ms;
		if (get_int(c, "reconcile", o, "startup_grace_ms", &v, 0, 600000, 0))
			return -1;
		cfg->startup_grace_ms = v;
		if (get_i(c, "reconcile", o, "offline_alarm_s", &cfg->offline_alarm_s, 0, 86400, 0))
			return -1;
		if (cfg->retry_max_ms < cfg->retry_first_ms)
			return fail(c, "reconcile", "retry_max_ms",
				    "must not be smaller than retry_first_ms");
	}
	if (get_obj(c, "", root, "fallback", &o))
		return -1;
	if (o) {
		static const char *const fk[] = { "horizon_days", "refresh_h", NULL };
		if (only_keys(c, "fallback", o, fk) ||
		    get_i(c, "fallback", o, "horizon_days", &cfg->fallback_horizon_days, 1, 14, 0) ||
		    get_i(c, "fallback", o, "refresh_h", &cfg->fallback_refresh_h, 1, 24 * 13, 0))
			return -1;
	}
	if (get_obj(c, "", root, "alarms", &o))
		return -1;
	if (o) {
		static const char *const ak[] = { "meter_off_threshold_w", "meter_settle_ms", NULL };
		long long settle = cfg->meter_settle_ms;
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "meter_off_threshold_w");
		if (only_keys(c, "alarms", o, ak))
			return -1;
		if (v && (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 1e5))
			return fail(c, "alarms", "meter_off_threshold_w",
				    "expected a number of watts between 0 and 100000");
		if (v)
			cfg->meter_off_threshold_w = v->valuedouble;
		if (get_int(c, "alarms", o, "meter_settle_ms", &settle, 0, 3600000, 0))
			return -1;
		cfg->meter_settle_ms = settle;
	}

	if (get_obj(c, "", root, "relay_test", &o))
		return -1;
	if (o) {
		static const char *const tk[] = { "dwell_s", NULL };
		if (only_keys(c, "relay_test", o, tk) ||
		    get_i(c, "relay_test", o, "dwell_s", &cfg->relay_test_dwell_s, 0, 600, 0))
			return -1;
	}

	arr = cJSON_GetObjectItemCaseSensitive(root, "buses");
	if (arr) {
		if (!cJSON_IsArray(arr))
			return fail(c, "", "buses", "expected an array");
		if (cJSON_GetArraySize(arr) > GW_MAX_BUSES)
			return fail(c, "", "buses", "at most %d buses", GW_MAX_BUSES);
		const cJSON *it;
		cJSON_ArrayForEach(it, arr) {
			snprintf(path, sizeof path, "buses[%zu]", cfg->nbuses);
			if (parse_bus(c, path, it, &cfg->buses[cfg->nbuses]))
				return -1;
			for (size_t i = 0; i < cfg->nbuses; i++)
				if (!strcmp(cfg->buses[i].id, cfg->buses[cfg->nbuses].id))
					return fail(c, path, "id", "duplicate id \"%s\"",
						    cfg->buses[i].id);
			cfg->nbuses++;
		}
	}

	arr = cJSON_GetObjectItemCaseSensitive(root, "boxes");
	if (!arr)
		return fail(c, "", "boxes", "required");
	if (!cJSON_IsArray(arr))
		return fail(c, "", "boxes", "expected an array");
	int n = cJSON_GetArraySize(arr);
	cfg->boxes = calloc((size_t)n + 1, sizeof *cfg->boxes);
	if (!cfg->boxes)
		return fail(c, "", "boxes", "out of memory");
	const cJSON *it;
	cJSON_ArrayForEach(it, arr) {
		struct gw_box *b = &cfg->boxes[cfg->nboxes];
		snprintf(path, sizeof path, "boxes[%zu]", cfg->nboxes);
		if (parse_box(c, path, it, cfg, b))
			return -1;
		cfg->nboxes++;
	}
	if (check_unique(c, cfg))
		return -1;
	resolve(c, cfg->db_path, sizeof cfg->db_path);
	resolve(c, cfg->rules_path, sizeof cfg->rules_path);
	resolve(c, cfg->profiles_dir, sizeof cfg->profiles_dir);
	resolve(c, cfg->control_socket, sizeof cfg->control_socket);
	resolve(c, cfg->energy_config, sizeof cfg->energy_config);
	resolve(c, cfg->mosquitto_passwd, sizeof cfg->mosquitto_passwd);
	resolve(c, cfg->mosquitto_acl, sizeof cfg->mosquitto_acl);
	resolve(c, cfg->mosquitto_pid, sizeof cfg->mosquitto_pid);
	resolve(c, cfg->box_keys_dir, sizeof cfg->box_keys_dir);
	dc_mqtt_sec_resolve(&cfg->broker_sec, c->base);
	/* The keys live beside the database unless told otherwise. */
	if (!*cfg->box_keys_dir) {
		const char *slash = strrchr(cfg->db_path, '/');
		int dl = slash ? (int)(slash - cfg->db_path) : 0;
		snprintf(cfg->box_keys_dir, sizeof cfg->box_keys_dir, "%.*s%sbox-keys", dl,
			 cfg->db_path, slash ? "/" : "");
	}
	return 0;
}

static void defaults(struct gw_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	snprintf(cfg->broker_host, sizeof cfg->broker_host, "127.0.0.1");
	cfg->broker_port = 1883;
	snprintf(cfg->client_id, sizeof cfg->client_id, "decran-gateway");
	cfg->keepalive_s = 30;
	cfg->qos = 1;
	snprintf(cfg->zone, sizeof cfg->zone, "Europe/Paris");
	snprintf(cfg->control_socket, sizeof cfg->control_socket, "%s", DECRAN_GATEWAY_SOCKET);
	snprintf(cfg->profiles_dir, sizeof cfg->profiles_dir, "%s", DECRAN_DATADIR "/profiles");
	snprintf(cfg->shelly_src, sizeof cfg->shelly_src, "decran-gateway");
	cfg->ledger_update_min = 60;
	cfg->heartbeat_s = 30;
	cfg->retry_first_ms = 2000;
	cfg->retry_max_ms = 60000;
	cfg->confirm_timeout_ms = 30000;
	cfg->startup_grace_ms = 1500;
	cfg->offline_alarm_s = 120;
	cfg->fallback_horizon_days = 14;
	cfg->fallback_refresh_h = 24;
	cfg->meter_off_threshold_w = 5.0;
	cfg->meter_settle_ms = 10000;
	cfg->relay_test_dwell_s = 10;
	cfg->broker_sec.verify = true;
	snprintf(cfg->mosquitto_passwd, sizeof cfg->mosquitto_passwd, "/etc/mosquitto/decran/passwd");
	snprintf(cfg->mosquitto_acl, sizeof cfg->mosquitto_acl, "/etc/mosquitto/decran/acl");
	snprintf(cfg->mosquitto_pid, sizeof cfg->mosquitto_pid, "/run/mosquitto/mosquitto.pid");
}

int gw_config_parse(const char *json, size_t len, const char *base_dir, struct gw_config *out,
		    char *err, size_t errlen)
{
	struct ctx c = { err, errlen, base_dir };
	struct gw_config cfg;
	size_t off = 0;
	cJSON *root;

	if (len > CONFIG_MAX_BYTES) {
		snprintf(err, errlen, "file too large (max %d bytes)", CONFIG_MAX_BYTES);
		return -1;
	}
	root = dc_json_parse(json, len, &off);
	if (!root) {
		int line = 1, col = 1;
		for (const char *p = json; p < json + off; p++) {
			if (*p == '\n') {
				line++;
				col = 1;
			} else {
				col++;
			}
		}
		snprintf(err, errlen, "invalid JSON at line %d, column %d", line, col);
		return -1;
	}
	defaults(&cfg);
	if (parse_root(&c, root, &cfg) < 0) {
		cJSON_Delete(root);
		gw_config_free(&cfg);
		return -1;
	}
	cJSON_Delete(root);
	*out = cfg;
	return 0;
}

int gw_config_load(const char *path, struct gw_config *out, char *err, size_t errlen)
{
	char dir[GW_PATH_MAX], *buf, *slash;
	struct stat st;
	ssize_t n;
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (st.st_size > CONFIG_MAX_BYTES) {
		close(fd);
		snprintf(err, errlen, "%s: file too large", path);
		return -1;
	}
	buf = malloc((size_t)st.st_size + 1);
	n = buf ? read(fd, buf, (size_t)st.st_size) : -1;
	close(fd);
	if (n != st.st_size) {
		free(buf);
		snprintf(err, errlen, "%s: short read", path);
		return -1;
	}
	buf[n] = '\0';
	snprintf(dir, sizeof dir, "%s", path);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof dir, ".");
	char msg[512];
	rc = gw_config_parse(buf, (size_t)n, dir, out, msg, sizeof msg);
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", path, msg);
	free(buf);
	return rc;
}

int gw_config_load_secrets(struct gw_config *c, const char *path, char *err, size_t errlen)
{
	char msg[512];
	if (dc_mqtt_sec_load(&c->broker_sec, "broker", c->broker_password,
			     sizeof c->broker_password, msg, sizeof msg) < 0) {
		snprintf(err, errlen, "%s: %s", path, msg);
		return -1;
	}
	return 0;
}

void gw_config_free(struct gw_config *c)
{
	/* The boxes' command keys and the broker's password do not outlive
	 * their configuration: a reload frees the old one. */
	if (c->boxes)
		explicit_bzero(c->boxes, c->nboxes * sizeof *c->boxes);
	explicit_bzero(c->broker_password, sizeof c->broker_password);
	free(c->boxes);
	c->boxes = NULL;
	c->nboxes = 0;
}

int gw_config_box(const struct gw_config *c, const char *id)
{
	for (size_t i = 0; i < c->nboxes; i++)
		if (!strcmp(c->boxes[i].id, id))
			return (int)i;
	return -1;
}
