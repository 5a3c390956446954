/* mbserver.h — local Modbus TCP server so a PLC or a building-management
 * system can read and drive the box (docs/protocol.md, "Modbus TCP").
 *
 *   coils 0..15          channel 1..16 screen power (read/write)
 *   input registers 0..  meter readings (float32, high word first), meter
 *                        status, firmware version, mode, contactor feedback
 *
 * Writes go through the same arbitration as everything else: the owner's
 * write_coil callback returns 0 to accept or a Modbus exception code to
 * refuse (ILLEGAL_DATA_VALUE when the schedule says the screen must stay
 * off, ILLEGAL_DATA_ADDRESS for a channel the box does not have), and the
 * whole request is refused if any coil is.
 *
 * It lives in the daemon's poll loop: the listening socket and each client
 * socket are polled; a request is read only when poll says data is there
 * (libmodbus then reads the rest of the frame with its byte timeout, which
 * on a local network is a frame already in the socket buffer).
 */
#ifndef DECRAN_FW_MBSERVER_H
#define DECRAN_FW_MBSERVER_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define FW_MB_IR_COUNT 17
enum {
	FW_MB_IR_VOLTAGE = 0,	/* float32 V */
	FW_MB_IR_CURRENT = 2,	/* float32 A */
	FW_MB_IR_POWER = 4,	/* float32 W */
	FW_MB_IR_ENERGY = 6,	/* float32 kWh */
	FW_MB_IR_METER_OK = 8,	/* 1 last reading complete, 0 not */
	FW_MB_IR_FW_MAJOR = 9,
	FW_MB_IR_FW_MINOR = 10,
	FW_MB_IR_FW_PATCH = 11,
	FW_MB_IR_MODE = 12,	/* 0 gateway in control, 1 autonomous */
	FW_MB_IR_CLOCK = 13,	/* 1 clock trusted, 0 not */
	/* Contactor feedback (hw/feedback.md), bit n-1 = channel n: */
	FW_MB_IR_FB_ON = 14,	/* the auxiliary contact says the screen is powered */
	FW_MB_IR_FB_STUCK = 15,	/* settled feedback disagrees with the command */
	FW_MB_IR_FB_KNOWN = 16,	/* feedback configured and settled */
};

struct fw_mbserver_ops {
	/* Current screen state of channel 1..16 (0 for absent channels). */
	bool (*get)(void *ud, int channel);
	/* 0 to accept, else a MODBUS_EXCEPTION_* code.  check_only: validate
	 * without switching (first pass over a multi-coil write). */
	int (*write)(void *ud, int channel, bool on, bool check_only);
	void (*inputs)(void *ud, uint16_t regs[FW_MB_IR_COUNT]);
};

struct fw_mbserver;

struct fw_mbserver *fw_mbserver_open(const struct fw_config *cfg,
				     const struct fw_mbserver_ops *ops, void *ud,
				     char *err, size_t errlen);
/* Fill pollfds (listen socket + clients); returns how many. */
size_t fw_mbserver_pollfds(const struct fw_mbserver *s, struct pollfd *pfd, size_t max);
/* Handle the pollfds filled above after poll(). */
void fw_mbserver_handle(struct fw_mbserver *s, const struct pollfd *pfd, size_t n);
void fw_mbserver_close(struct fw_mbserver *s);

#endif
