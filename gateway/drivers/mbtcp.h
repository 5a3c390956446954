/* mbtcp.h — Modbus TCP frames the gateway sends and the replies it accepts
 * (pure: no I/O).
 *
 * libmodbus (3.1.6, Debian 12) checks a TCP reply's transaction id but not
 * its unit id: a gateway or a device answering for another unit would have
 * its "all coils off" taken as ours.  So the gateway frames its TCP requests
 * itself and accepts a reply only when it answers that very request: same
 * transaction id, protocol 0, a length that matches, same unit id, same
 * function (or its exception), and a body of the size asked for. */
#ifndef DECRAN_MBTCP_H
#define DECRAN_MBTCP_H

#include <stddef.h>
#include <stdint.h>

#define DC_MBTCP_REQ_LEN 12	/* MBAP (7) + function + two 16-bit words */
#define DC_MBTCP_ADU_MAX 260
#define DC_MBTCP_MAX_BITS 2000
#define DC_MBTCP_MAX_REGS 125

/* Function codes the gateway uses: read coils (1), discrete inputs (2),
 * holding (3) and input registers (4): arg = count; write single coil (5):
 * arg = 0xFF00 (on) or 0x0000 (off). */
void dc_mbtcp_request(uint8_t out[DC_MBTCP_REQ_LEN], uint16_t tid, uint8_t unit, uint8_t fc,
		      uint16_t addr, uint16_t arg);

/* Check that rsp[0..len) answers req and decode it into vals: bits as 0/1
 * (functions 1, 2), registers (3, 4), the coil written (5, one value).
 * Returns the number of values, or -1 with err naming what does not match
 * ("unit id 2, expected 1"); an exception reply returns -1 with *exception
 * set to its code (0 otherwise).  vals has room for DC_MBTCP_MAX_BITS. */
int dc_mbtcp_reply(const uint8_t req[DC_MBTCP_REQ_LEN], const uint8_t *rsp, size_t len,
		   uint16_t *vals, int *exception, char *err, size_t errlen);

#endif
