/* mbtcp.c — Modbus TCP requests and strict replies (see mbtcp.h). */
#include "mbtcp.h"

#include "drv_util.h"

static unsigned be16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

void dc_mbtcp_request(uint8_t out[DC_MBTCP_REQ_LEN], uint16_t tid, uint8_t unit, uint8_t fc,
		      uint16_t addr, uint16_t arg)
{
	const uint8_t r[DC_MBTCP_REQ_LEN] = {
		(uint8_t)(tid >> 8), (uint8_t)tid, 0, 0, 0, 6, unit, fc,
		(uint8_t)(addr >> 8), (uint8_t)addr, (uint8_t)(arg >> 8), (uint8_t)arg,
	};
	for (int i = 0; i < DC_MBTCP_REQ_LEN; i++)
		out[i] = r[i];
}

int dc_mbtcp_reply(const uint8_t req[DC_MBTCP_REQ_LEN], const uint8_t *rsp, size_t len,
		   uint16_t *vals, int *exception, char *err, size_t errlen)
{
	unsigned fc = req[7], n = be16(req + 10);
	*exception = 0;
	if (len < 9)
		return dc_drv_err(err, errlen, "reply too short (%zu bytes)", len);
	if (be16(rsp) != be16(req))
		return dc_drv_err(err, errlen, "transaction id %u, expected %u", be16(rsp), be16(req));
	if (be16(rsp + 2) != 0)
		return dc_drv_err(err, errlen, "protocol id %u, expected 0", be16(rsp + 2));
	if (be16(rsp + 4) != len - 6)
		return dc_drv_err(err, errlen, "length field %u, frame carries %zu", be16(rsp + 4), len - 6);
	if (rsp[6] != req[6])
		return dc_drv_err(err, errlen, "unit id %u, expected %u", rsp[6], req[6]);
	if (rsp[7] == (fc | 0x80)) {
		if (len != 9)
			return dc_drv_err(err, errlen, "exception reply of %zu bytes", len);
		*exception = rsp[8];
		return dc_drv_err(err, errlen, "exception %u", rsp[8]);
	}
	if (rsp[7] != fc)
		return dc_drv_err(err, errlen, "function %u, expected %u", rsp[7], fc);
	const uint8_t *d = rsp + 8;
	size_t nd = len - 8;
	switch (fc) {
	case 1:
	case 2:
		if (n < 1 || n > DC_MBTCP_MAX_BITS || d[0] != (n + 7) / 8 || nd != 1u + d[0])
			return dc_drv_err(err, errlen, "byte count %u for %u bits", d[0], n);
		for (unsigned i = 0; i < n; i++)
			vals[i] = d[1 + i / 8] >> (i % 8) & 1;
		return (int)n;
	case 3:
	case 4:
		if (n < 1 || n > DC_MBTCP_MAX_REGS || d[0] != 2 * n || nd != 1u + d[0])
			return dc_drv_err(err, errlen, "byte count %u for %u registers", d[0], n);
		for (unsigned i = 0; i < n; i++)
			vals[i] = (uint16_t)be16(d + 1 + 2 * i);
		return (int)n;
	case 5:
		if (nd != 4 || be16(d) != be16(req + 8) || be16(d + 2) != n)
			return dc_drv_err(err, errlen, "write echo does not match the request");
		vals[0] = n == 0xFF00;
		return 1;
	default:
		return dc_drv_err(err, errlen, "function %u not supported", fc);
	}
}
