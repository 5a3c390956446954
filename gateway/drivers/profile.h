/* profile.h — Modbus device profiles: what a relay module or meter looks
 * like on the wire, as data (JSON files in gateway/profiles/).
 *
 *   relay:  {"v":1,"kind":"relay","coil_base":0,
 *            "readback":"coils"|"discrete_inputs"|"none","readback_base":0}
 *           channel n is coil coil_base + n - 1 (0-based Modbus address).
 *   meter:  {"v":1,"kind":"meter","function":"input"|"holding",
 *            "power_w":{"address":12,"type":"float32","words":"big","scale":1},
 *            "energy_wh":{"address":72,"type":"float32","words":"big","scale":1000}}
 *           addresses are 0-based protocol addresses (Eastron 30013 -> 12);
 *           value = raw * scale, in W and Wh.
 * Errors name the field: "eastron-sdm120.json: power_w.type: ...".
 */
#ifndef DECRAN_GW_PROFILE_H
#define DECRAN_GW_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "gwconfig.h"
#include "regdecode.h"

enum gw_profile_kind { GW_PROFILE_RELAY, GW_PROFILE_METER };
enum gw_readback { GW_READBACK_NONE, GW_READBACK_COILS, GW_READBACK_DISCRETE };

struct gw_register {
	bool present;
	int address;		/* 0..65535, 0-based */
	enum dc_reg_type type;
	enum dc_word_order order;
	double scale;
};

struct gw_profile {
	char name[64];
	enum gw_profile_kind kind;
	/* relay */
	int coil_base;
	enum gw_readback readback;
	int readback_base;
	/* meter */
	bool input_registers;	/* function 04 (true) or 03 */
	struct gw_register power, energy;
};

int gw_profile_parse(const char *name, const char *json, size_t len, struct gw_profile *out,
		     char *err, size_t errlen);
/* Load <dir>/<name>.json; name must be a slug. */
int gw_profile_load(const char *dir, const char *name, struct gw_profile *out, char *err,
		    size_t errlen);

/* The profiles a configuration's Modbus boxes name, loaded and checked
 * (a relay profile for the relay, a meter profile for the meter): the part
 * of a configuration that lives in other files, checked before anything is
 * started or swapped.  *out gets c->nboxes entries (zeros for MQTT boxes),
 * to free(); -1 with "boxes[2].profile: <why>" in err. */
struct gw_box_profiles {
	struct gw_profile relay, meter;
	bool has_meter;
};
int gw_profiles_of_config(const struct gw_config *c, struct gw_box_profiles **out, char *err,
			  size_t errlen);

#endif
