/* meter.h — energy meter on RS-485 (Modbus RTU), read by a worker thread.
 *
 * Why a thread: at 9600 baud one register read takes ~20 ms on the wire
 * and a dead or unplugged meter costs the full response timeout (500 ms by
 * default) per read.  libmodbus RTU calls are blocking; running them in
 * the event loop would delay relay commands by up to seconds.  The worker
 * owns the serial port and the libmodbus context; it hands each complete
 * reading to the loop under a mutex and signals an eventfd the loop polls.
 */
#ifndef DECRAN_FW_METER_H
#define DECRAN_FW_METER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct fw_meter_reading {
	bool ok;		/* every register read and decoded */
	int64_t t;		/* UTC seconds (0: never read) */
	size_t n;
	struct {
		char name[24];
		double value;
		bool ok;
	} v[FW_METER_MAX_REGS];
	char error[200];
};

struct fw_meter;

/* Pure: decode the registers of one profile entry into reading->v[i]. */
int fw_meter_decode(const struct fw_meter_reg *reg, const uint16_t *regs, size_t n,
		    double *out);
/* Read every register once (blocking; used by the worker and by tests). */
int fw_meter_read_once(void *modbus_ctx, const struct fw_meter_cfg *cfg,
		       struct fw_meter_reading *out);

/* Start the worker.  `now` gives UTC seconds for reading timestamps. */
struct fw_meter *fw_meter_start(const struct fw_meter_cfg *cfg,
				int64_t (*now)(const void *ud), const void *ud,
				char *err, size_t errlen);
int fw_meter_fd(const struct fw_meter *m);
/* Clear the eventfd and copy the latest reading. */
void fw_meter_take(struct fw_meter *m, struct fw_meter_reading *out);
/* Read now rather than at the end of the period (a relay test watching
 * the load); the reading comes through the eventfd as usual. */
void fw_meter_read_now(struct fw_meter *m);
void fw_meter_stop(struct fw_meter *m);

#endif
