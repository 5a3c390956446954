/* config.c — parse and validate decran-relay.json. */
#include "config.h"
#include "paths.h"

#include <cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomicfile.h"
#include "i18n.h"
#include "json.h"

#define CONFIG_MAX_BYTES (64 * 1024)

struct ctx {
	char *err;
	size_t errlen;
};

static int bad(struct ctx *c, const char *path, const char *fmt, ...)
{
	char msg[192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (c->err && c->errlen)
		snprintf(c->err, c->errlen, "%s: %s", path, msg);
	return -1;
}

static void join(char *dst, size_t len, const char *parent, const char *key)
{
	if (*parent)
		snprintf(dst, len, "%s.%s", parent, key);
	else
		snprintf(dst, len, "%s", key);
}

/* Reject keys we do not know: a typo must not silently fall back to a default. */
static int only_keys(struct ctx *c, const cJSON *o, const char *path, const char *const *keys)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, o) {
		bool ok = false;
		for (const char *const *k = keys; *k; k++)
			ok = ok || strcmp(*k, it->string) == 0;
		if (!ok) {
			char p[128];
			join(p, sizeof p, path, it->string);
			return bad(c, p, "%s", TR("champ inconnu", "unknown field"));
		}
	}
	return 0;
}

static int get_int(struct ctx *c, const cJSON *o, const char *path, const char *key, int lo,
		   int hi, bool required, int *v)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, key);
	char p[128];
	join(p, sizeof p, path, key);
	if (!n) {
		if (required)
			return bad(c, p, "%s", TR("champ obligatoire manquant", "missing required field"));
		return 0;
	}
	/* Range before integrality: converting a double no integer type holds
	 * is undefined behaviour. */
	if (!cJSON_IsNumber(n) || !(n->valuedouble >= lo && n->valuedouble <= hi) ||
	    n->valuedouble != (double)(int)n->valuedouble)
		return bad(c, p, TR("doit être un entier entre %d et %d", "must be an integer in %d..%d"),
			   lo, hi);
	*v = (int)n->valuedouble;
	return 0;
}

static int get_bool(struct ctx *c, const cJSON *o, const char *path, const char *key, bool *v)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, key);
	char p[128];
	join(p, sizeof p, path, key);
	if (!n)
		return 0;
	if (!cJSON_IsBool(n))
		return bad(c, p, "%s", TR("doit être true ou false", "must be true or false"));
	*v = cJSON_IsTrue(n);
	return 0;
}

static int get_str(struct ctx *c, const cJSON *o, const char *path, const char *key, char *dst,
		   size_t len, bool required)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, key);
	char p[128];
	join(p, sizeof p, path, key);
	if (!n) {
		if (required)
			return bad(c, p, "%s", TR("champ obligatoire manquant", "missing required field"));
		return 0;
	}
	if (!cJSON_IsString(n) || strlen(n->valuestring) >= len)
		return bad(c, p, TR("doit être une chaîne de moins de %zu octets",
				    "must be a string shorter than %zu bytes"), len);
	snprintf(dst, len, "%s", n->valuestring);
	return 0;
}

static int get_object(struct ctx *c, const cJSON *o, const char *key, const cJSON **out)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, key);
	*out = NULL;
	if (!n)
		return 0;
	if (!cJSON_IsObject(n))
		return bad(c, key, "%s", TR("doit être un objet", "must be an object"));
	*out = n;
	return 0;
}

/* "feedback": {"chip":..,"line":..,"active_low":..}: the contactor's
 * auxiliary contact on a GPIO input. */
static int parse_feedback(struct ctx *c, const cJSON *o, const char *path,
			  struct fw_channel_cfg *ch)
{
	static const char *const keys[] = { "chip", "line", "active_low", NULL };
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, "feedback");
	char p[48];
	if (!f)
		return 0;
	snprintf(p, sizeof p, "%s.feedback", path);
	if (!cJSON_IsObject(f))
		return bad(c, p, "%s", TR("doit être un objet", "must be an object"));
	ch->feedback.has = true;
	ch->feedback.active_low = true;
	memcpy(ch->feedback.chip, ch->chip, sizeof ch->feedback.chip);
	return only_keys(c, f, p, keys) ||
	       get_str(c, f, p, "chip", ch->feedback.chip, sizeof ch->feedback.chip, false) ||
	       get_int(c, f, p, "line", 0, 1023, true, &ch->feedback.line) ||
	       get_bool(c, f, p, "active_low", &ch->feedback.active_low) ? -1 : 0;
}

/* Safe state "on" keeps a screen lit when the box fails; the rule
 * (hw/watchdog.md): only on a normally-closed channel, the hardware's own
 * fail state, and only where the file says the screen is not advertising.
 * An NC channel is lit by a dead box, so it must be declared safe "on". */
static int safe_rule(struct ctx *c, const char *path, const struct fw_channel_cfg *ch)
{
	char p[64];
	if (ch->safe_on && ch->wiring != FW_WIRING_NC)
		return snprintf(p, sizeof p, "%s.safe_state", path),
		       bad(c, p, "%s", TR("\"on\" exige \"wiring\": \"NC\" (un relais NO éteint l'écran "
					  "quand la boîte tombe)",
					  "\"on\" requires \"wiring\": \"NC\" (an NO relay darkens the screen "
					  "when the box fails)"));
	if (ch->safe_on && !ch->not_advertising)
		return snprintf(p, sizeof p, "%s.advertising", path),
		       bad(c, p, "%s", TR("l'état de sécurité \"on\" exige \"advertising\": false "
					  "(jamais pour une publicité)",
					  "safe state \"on\" requires \"advertising\": false "
					  "(never for advertising)"));
	if (ch->wiring == FW_WIRING_NC && !ch->safe_on)
		return snprintf(p, sizeof p, "%s.wiring", path),
		       bad(c, p, "%s", TR("\"NC\" allume l'écran quand la boîte tombe : seulement avec "
					  "\"safe_state\": \"on\"",
					  "\"NC\" lights the screen when the box fails: only with "
					  "\"safe_state\": \"on\""));
	return 0;
}

static int parse_channel(struct ctx *c, const cJSON *o, int i, struct fw_config *cfg)
{
	static const char *const keys[] = { "channel", "name", "chip", "line", "active_low",
					    "wiring", "safe_state", "advertising", "feedback", NULL };
	char path[32], wiring[8] = "NO", safe[8];
	struct fw_channel_cfg *ch = &cfg->ch[cfg->nch];

	snprintf(path, sizeof path, "channels[%d]", i);
	if (!cJSON_IsObject(o))
		return bad(c, path, "%s", TR("doit être un objet", "must be an object"));
	memset(ch, 0, sizeof *ch);
	ch->active_low = true;
	snprintf(ch->chip, sizeof ch->chip, "gpiochip0");
	snprintf(safe, sizeof safe, "%s", cfg->safe_on ? "on" : "off");
	bool advertising = true;	/* unless the file says otherwise */
	if (only_keys(c, o, path, keys) ||
	    get_int(c, o, path, "channel", 1, DC_MAX_CHANNELS, true, &ch->channel) ||
	    get_str(c, o, path, "name", ch->name, sizeof ch->name, false) ||
	    get_str(c, o, path, "chip", ch->chip, sizeof ch->chip, false) ||
	    get_int(c, o, path, "line", 0, 1023, true, &ch->line) ||
	    get_bool(c, o, path, "active_low", &ch->active_low) ||
	    get_str(c, o, path, "wiring", wiring, sizeof wiring, false) ||
	    get_str(c, o, path, "safe_state", safe, sizeof safe, false) ||
	    get_bool(c, o, path, "advertising", &advertising) ||
	    parse_feedback(c, o, path, ch))
		return -1;
	char p[64];
	if (strcmp(safe, "off") && strcmp(safe, "on"))
		return snprintf(p, sizeof p, "%s.safe_state", path),
		       bad(c, p, "%s", TR("doit être \"off\" ou \"on\"", "must be \"off\" or \"on\""));
	ch->safe_on = strcmp(safe, "on") == 0;
	ch->not_advertising = !advertising;
	if (strcmp(wiring, "NO") == 0)
		ch->wiring = FW_WIRING_NO;
	else if (strcmp(wiring, "NC") == 0)
		ch->wiring = FW_WIRING_NC;
	else
		return snprintf(p, sizeof p, "%s.wiring", path),
		       bad(c, p, "%s", TR("doit être \"NO\" ou \"NC\"", "must be \"NO\" or \"NC\""));
	if (safe_rule(c, path, ch))
		return -1;
	for (size_t k = 0; k < cfg->nch; k++) {
		if (cfg->ch[k].channel == ch->channel)
			return snprintf(p, sizeof p, "%s.channel", path),
			       bad(c, p, TR("canal %d déjà défini par channels[%zu]",
					    "channel %d already defined by channels[%zu]"), ch->channel, k);
		if (cfg->ch[k].line == ch->line && strcmp(cfg->ch[k].chip, ch->chip) == 0)
			return snprintf(p, sizeof p, "%s.line", path),
			       bad(c, p, TR("ligne %s:%d déjà utilisée par channels[%zu]",
					    "line %s:%d already used by channels[%zu]"), ch->chip, ch->line, k);
	}
	cfg->nch++;
	return 0;
}

int fw_meter_profile(const char *name, struct fw_meter_cfg *m)
{
	/* Eastron SDM120-Modbus: input registers (function 4), IEEE-754 float32,
	 * high word first.  Addresses from the SDM120 protocol manual (30001 =
	 * 0x0000 voltage, 30007 current, 30013 active power, 30343 total kWh). */
	static const struct fw_meter_reg sdm120[] = {
		{ "voltage_v", 4, 0x0000, DC_REG_FLOAT32, DC_WORDS_BIG, 1 },
		{ "current_a", 4, 0x0006, DC_REG_FLOAT32, DC_WORDS_BIG, 1 },
		{ "power_w", 4, 0x000C, DC_REG_FLOAT32, DC_WORDS_BIG, 1 },
		{ "energy_kwh", 4, 0x0156, DC_REG_FLOAT32, DC_WORDS_BIG, 1 },
	};
	if (strcmp(name, "sdm120") != 0)
		return -1;
	memcpy(m->regs, sdm120, sizeof sdm120);
	m->nregs = sizeof sdm120 / sizeof *sdm120;
	return 0;
}

static int parse_register(struct ctx *c, const cJSON *o, int i, struct fw_meter_reg *r)
{
	static const char *const keys[] = { "name", "fn", "addr", "type", "order", "scale", NULL };
	char path[48], type[12] = "", order[8] = "big", p[64];
	snprintf(path, sizeof path, "meter.registers[%d]", i);
	if (!cJSON_IsObject(o))
		return bad(c, path, "%s", TR("doit être un objet", "must be an object"));
	memset(r, 0, sizeof *r);
	r->fn = 4;
	r->scale = 1;
	if (only_keys(c, o, path, keys) ||
	    get_str(c, o, path, "name", r->name, sizeof r->name, true) ||
	    get_int(c, o, path, "fn", 3, 4, false, &r->fn) ||
	    get_int(c, o, path, "addr", 0, 65535, true, &r->addr) ||
	    get_str(c, o, path, "type", type, sizeof type, true) ||
	    get_str(c, o, path, "order", order, sizeof order, false))
		return -1;
	int t = dc_reg_type_parse(type), w = dc_word_order_parse(order);
	if (t < 0)
		return snprintf(p, sizeof p, "%s.type", path),
		       bad(c, p, "%s", TR("doit être int16, uint16, int32, uint32 ou float32",
					  "must be int16, uint16, int32, uint32 or float32"));
	if (w < 0)
		return snprintf(p, sizeof p, "%s.order", path),
		       bad(c, p, "%s", TR("doit être \"big\" ou \"little\"", "must be \"big\" or \"little\""));
	r->type = (enum dc_reg_type)t;
	r->order = (enum dc_word_order)w;
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(o, "scale");
	if (s) {
		if (!cJSON_IsNumber(s) || s->valuedouble == 0)
			return snprintf(p, sizeof p, "%s.scale", path),
			       bad(c, p, "%s", TR("doit être un nombre non nul", "must be a non-zero number"));
		r->scale = s->valuedouble;
	}
	return 0;
}

static int parse_meter(struct ctx *c, const cJSON *o, struct fw_meter_cfg *m)
{
	static const char *const keys[] = { "device", "baud", "parity", "data_bits", "stop_bits",
					    "slave", "period_s", "timeout_ms", "profile",
					    "registers", NULL };
	char parity[4] = "N";
	m->enabled = true;
	if (only_keys(c, o, "meter", keys) ||
	    get_str(c, o, "meter", "device", m->device, sizeof m->device, true) ||
	    get_int(c, o, "meter", "baud", 1200, 115200, false, &m->baud) ||
	    get_str(c, o, "meter", "parity", parity, sizeof parity, false) ||
	    get_int(c, o, "meter", "data_bits", 7, 8, false, &m->data_bits) ||
	    get_int(c, o, "meter", "stop_bits", 1, 2, false, &m->stop_bits) ||
	    get_int(c, o, "meter", "slave", 1, 247, false, &m->slave) ||
	    get_int(c, o, "meter", "period_s", 1, 3600, false, &m->period_s) ||
	    get_int(c, o, "meter", "timeout_ms", 50, 5000, false, &m->timeout_ms) ||
	    get_str(c, o, "meter", "profile", m->profile, sizeof m->profile, false))
		return -1;
	if (strcmp(parity, "N") && strcmp(parity, "E") && strcmp(parity, "O"))
		return bad(c, "meter.parity", "%s", TR("doit être \"N\", \"E\" ou \"O\"",
						      "must be \"N\", \"E\" or \"O\""));
	m->parity = parity[0];
	const cJSON *regs = cJSON_GetObjectItemCaseSensitive(o, "registers");
	if (strcmp(m->profile, "custom") == 0) {
		if (!cJSON_IsArray(regs) || cJSON_GetArraySize(regs) < 1 ||
		    cJSON_GetArraySize(regs) > FW_METER_MAX_REGS)
			return bad(c, "meter.registers", TR("doit être une liste de 1 à %d registres",
							   "must be a list of 1 to %d registers"),
				   FW_METER_MAX_REGS);
		int i = 0;
		const cJSON *r;
		cJSON_ArrayForEach(r, regs) {
			if (parse_register(c, r, i, &m->regs[i]))
				return -1;
			i++;
		}
		m->nregs = (size_t)i;
	} else if (regs) {
		return bad(c, "meter.registers", "%s",
			   TR("seulement avec \"profile\": \"custom\"", "only with \"profile\": \"custom\""));
	} else if (fw_meter_profile(m->profile, m)) {
		return bad(c, "meter.profile", "%s", TR("profil inconnu (sdm120 ou custom)",
						       "unknown profile (sdm120 or custom)"));
	}
	return 0;
}

/* A feedback input shares no line with an output or another input. */
static int check_lines(struct ctx *c, const struct fw_config *cfg)
{
	char p[48];
	for (size_t i = 0; i < cfg->nch; i++) {
		const struct fw_channel_cfg *a = &cfg->ch[i];
		if (!a->feedback.has)
			continue;
		for (size_t k = 0; k < cfg->nch; k++) {
			const struct fw_channel_cfg *b = &cfg->ch[k];
			bool out = b->line == a->feedback.line && !strcmp(b->chip, a->feedback.chip);
			bool in = k != i && b->feedback.has && b->feedback.line == a->feedback.line &&
				  !strcmp(b->feedback.chip, a->feedback.chip);
			if (out || in)
				return snprintf(p, sizeof p, "channels[%zu].feedback.line", i),
				       bad(c, p, TR("ligne %s:%d déjà utilisée par channels[%zu]",
						    "line %s:%d already used by channels[%zu]"),
					   a->feedback.chip, a->feedback.line, k);
		}
	}
	return 0;
}

static void defaults(struct fw_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->hal = FW_HAL_GPIOD;
	cfg->gateway_timeout_s = 90;
	snprintf(cfg->state_dir, sizeof cfg->state_dir, "%s", DECRAN_RELAY_STATEDIR);
	cfg->telemetry_s = 60;
	cfg->journal_max = 512;
	cfg->feedback_debounce_ms = 500;
	cfg->feedback_check_s = 10;
	snprintf(cfg->watchdog.device, sizeof cfg->watchdog.device, "/dev/watchdog");
	cfg->watchdog.timeout_s = 15;
	snprintf(cfg->mqtt.host, sizeof cfg->mqtt.host, "127.0.0.1");
	cfg->mqtt.port = 1883;
	cfg->mqtt.keepalive_s = 60;
	cfg->mqtt.backoff_min_ms = 500;
	cfg->mqtt.backoff_max_ms = 60000;
	cfg->mqtt.sec.verify = true;
	cfg->meter.baud = 9600;
	cfg->meter.data_bits = 8;
	cfg->meter.stop_bits = 1;
	cfg->meter.parity = 'N';
	cfg->meter.slave = 1;
	cfg->meter.period_s = 10;
	cfg->meter.timeout_ms = 500;
	snprintf(cfg->meter.profile, sizeof cfg->meter.profile, "sdm120");
	snprintf(cfg->modbus_tcp.listen, sizeof cfg->modbus_tcp.listen, "127.0.0.1");
	cfg->modbus_tcp.port = 502;
	cfg->modbus_tcp.max_clients = 4;
}

static int parse_root(struct ctx *c, const cJSON *root, struct fw_config *cfg)
{
	static const char *const keys[] = { "box", "hal", "sim_state_file", "channels",
					    "safe_state", "gateway_timeout_s", "state_dir",
					    "telemetry_s", "journal_max", "mqtt", "meter",
					    "modbus_tcp", "watchdog", "feedback_debounce_ms",
					    "feedback_check_s", "command_key_file", "_comment", NULL };
	static const char *const wd_keys[] = { "device", "timeout_s", "magic_close", NULL };
	static const char *const mqtt_keys[] = { "host", "port", "keepalive_s", "client_id",
						 DC_MQTT_SEC_KEYS, "backoff_min_ms",
						 "backoff_max_ms", NULL };
	static const char *const mb_keys[] = { "listen", "port", "max_clients", NULL };
	char hal[8] = "gpiod", safe[8] = "off";
	const cJSON *o;

	if (!cJSON_IsObject(root))
		return bad(c, "(racine)", "%s", TR("doit être un objet JSON", "must be a JSON object"));
	if (only_keys(c, root, "", keys) ||
	    get_str(c, root, "", "box", cfg->box, sizeof cfg->box, true))
		return -1;
	if (!dc_slug_valid(cfg->box))
		return bad(c, "box", "%s", TR("doit être un identifiant [a-z0-9][a-z0-9_-]*",
					      "must be an id [a-z0-9][a-z0-9_-]*"));
	if (get_str(c, root, "", "hal", hal, sizeof hal, false) ||
	    get_str(c, root, "", "sim_state_file", cfg->sim_state_file,
		    sizeof cfg->sim_state_file, false) ||
	    get_str(c, root, "", "safe_state", safe, sizeof safe, false) ||
	    get_int(c, root, "", "gateway_timeout_s", 5, 86400, false, &cfg->gateway_timeout_s) ||
	    get_str(c, root, "", "state_dir", cfg->state_dir, sizeof cfg->state_dir, false) ||
	    get_str(c, root, "", "command_key_file", cfg->command_key_file,
		    sizeof cfg->command_key_file, false) ||
	    get_int(c, root, "", "telemetry_s", 1, 86400, false, &cfg->telemetry_s) ||
	    get_int(c, root, "", "journal_max", 16, 4096, false, &cfg->journal_max) ||
	    get_int(c, root, "", "feedback_debounce_ms", 10, 60000, false,
		    &cfg->feedback_debounce_ms) ||
	    get_int(c, root, "", "feedback_check_s", 1, 3600, false, &cfg->feedback_check_s))
		return -1;
	if (strcmp(hal, "gpiod") == 0)
		cfg->hal = FW_HAL_GPIOD;
	else if (strcmp(hal, "sim") == 0)
		cfg->hal = FW_HAL_SIM;
	else
		return bad(c, "hal", "%s", TR("doit être \"gpiod\" ou \"sim\"", "must be \"gpiod\" or \"sim\""));
	if (cfg->hal == FW_HAL_SIM && !cfg->sim_state_file[0])
		return bad(c, "sim_state_file", "%s", TR("obligatoire avec \"hal\": \"sim\"",
							 "required with \"hal\": \"sim\""));
	if (strcmp(safe, "off") && strcmp(safe, "on"))
		return bad(c, "safe_state", "%s", TR("doit être \"off\" ou \"on\"", "must be \"off\" or \"on\""));
	cfg->safe_on = strcmp(safe, "on") == 0;

	const cJSON *chs = cJSON_GetObjectItemCaseSensitive(root, "channels");
	if (!cJSON_IsArray(chs) || cJSON_GetArraySize(chs) < 1 ||
	    cJSON_GetArraySize(chs) > DC_MAX_CHANNELS)
		return bad(c, "channels", TR("doit être une liste de 1 à %d canaux",
					     "must be a list of 1 to %d channels"), DC_MAX_CHANNELS);
	int i = 0;
	cJSON_ArrayForEach(o, chs)
		if (parse_channel(c, o, i++, cfg))
			return -1;

	if (check_lines(c, cfg))
		return -1;
	if (get_object(c, root, "watchdog", &o))
		return -1;
	if (o) {
		cfg->watchdog.enabled = true;
		if (only_keys(c, o, "watchdog", wd_keys) ||
		    get_str(c, o, "watchdog", "device", cfg->watchdog.device,
			    sizeof cfg->watchdog.device, false) ||
		    get_int(c, o, "watchdog", "timeout_s", 3, 600, false, &cfg->watchdog.timeout_s) ||
		    get_bool(c, o, "watchdog", "magic_close", &cfg->watchdog.magic_close))
			return -1;
	}

	if (get_object(c, root, "mqtt", &o))
		return -1;
	if (o && (only_keys(c, o, "mqtt", mqtt_keys) ||
		  get_str(c, o, "mqtt", "host", cfg->mqtt.host, sizeof cfg->mqtt.host, false) ||
		  get_int(c, o, "mqtt", "port", 1, 65535, false, &cfg->mqtt.port) ||
		  get_int(c, o, "mqtt", "keepalive_s", 5, 3600, false, &cfg->mqtt.keepalive_s) ||
		  get_str(c, o, "mqtt", "client_id", cfg->mqtt.client_id,
			  sizeof cfg->mqtt.client_id, false) ||
		  dc_mqtt_sec_parse(o, "mqtt", &cfg->mqtt.sec, c->err, c->errlen) ||
		  get_int(c, o, "mqtt", "backoff_min_ms", 10, 600000, false,
			  &cfg->mqtt.backoff_min_ms) ||
		  get_int(c, o, "mqtt", "backoff_max_ms", 10, 3600000, false,
			  &cfg->mqtt.backoff_max_ms)))
		return -1;
	if (cfg->mqtt.backoff_max_ms < cfg->mqtt.backoff_min_ms)
		return bad(c, "mqtt.backoff_max_ms", "%s", TR("doit être ≥ backoff_min_ms",
							     "must be >= backoff_min_ms"));
	if (get_object(c, root, "meter", &o) || (o && parse_meter(c, o, &cfg->meter)))
		return -1;
	if (get_object(c, root, "modbus_tcp", &o))
		return -1;
	if (o) {
		cfg->modbus_tcp.enabled = true;
		if (only_keys(c, o, "modbus_tcp", mb_keys) ||
		    get_str(c, o, "modbus_tcp", "listen", cfg->modbus_tcp.listen,
			    sizeof cfg->modbus_tcp.listen, false) ||
		    get_int(c, o, "modbus_tcp", "port", 1, 65535, false, &cfg->modbus_tcp.port) ||
		    get_int(c, o, "modbus_tcp", "max_clients", 1, 16, false,
			    &cfg->modbus_tcp.max_clients))
			return -1;
	}
	if (!cfg->mqtt.client_id[0])
		snprintf(cfg->mqtt.client_id, sizeof cfg->mqtt.client_id, "decran-relay-%.40s",
			 cfg->box);
	return 0;
}

int fw_config_parse(const char *json, size_t len, struct fw_config *out, char *err,
		    size_t errlen)
{
	struct ctx c = { err, errlen };
	struct fw_config *cfg = malloc(sizeof *cfg);
	int rc = -1;

	if (!cfg)
		return bad(&c, "(config)", "out of memory");
	defaults(cfg);
	size_t off = 0;
	cJSON *root = dc_json_parse(json, len, &off);
	if (!root) {
		/* Report the line and column of the syntax error. */
		size_t line = 1, col = 1;
		for (size_t i = 0; i < off && i < len; i++, col++)
			if (json[i] == '\n')
				line++, col = 0;
		char where[48];
		snprintf(where, sizeof where, TR("ligne %zu, colonne %zu", "line %zu, column %zu"),
			 line, col);
		bad(&c, where, "%s", TR("JSON invalide", "invalid JSON"));
		goto out;
	}
	if (parse_root(&c, root, cfg) == 0) {
		memcpy(out, cfg, sizeof *cfg);
		rc = 0;
	}
out:
	cJSON_Delete(root);
	free(cfg);
	return rc;
}

int fw_config_load(const char *path, struct fw_config *out, char *err, size_t errlen)
{
	size_t len;
	char *buf = dc_read_file(path, CONFIG_MAX_BYTES, &len);
	if (!buf) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	int rc = fw_config_parse(buf, len, out, err, errlen);
	free(buf);
	return rc;
}

bool fw_config_safe_on(const struct fw_config *c, int n)
{
	const struct fw_channel_cfg *ch = fw_config_channel(c, n);
	return ch && ch->safe_on;
}

const struct fw_channel_cfg *fw_config_channel(const struct fw_config *c, int n)
{
	for (size_t i = 0; i < c->nch; i++)
		if (c->ch[i].channel == n)
			return &c->ch[i];
	return NULL;
}
