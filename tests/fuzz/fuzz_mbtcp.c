/* fuzz_mbtcp.c — Modbus TCP replies as the gateway checks them (gateway/drivers/mbtcp).
 * The first 6 bytes shape the request (unit, function, address, count), the
 * rest is the reply. */
#include "fuzz.h"

#include "mbtcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t fcs[] = { 1, 2, 3, 4, 5 };
	uint8_t req[DC_MBTCP_REQ_LEN];
	uint16_t vals[DC_MBTCP_MAX_BITS];
	char err[128] = "";
	int exc;
	if (size < 6 || size - 6 > DC_MBTCP_ADU_MAX)
		return 0;
	uint8_t fc = fcs[data[1] % sizeof fcs];
	uint16_t arg = (uint16_t)(data[4] << 8 | data[5]);
	if (fc == 5)
		arg = arg & 1 ? 0xFF00 : 0;
	dc_mbtcp_request(req, (uint16_t)(data[2] << 8 | data[3]), data[0], fc, 0x10, arg);
	int n = dc_mbtcp_reply(req, data + 6, size - 6, vals, &exc, err, sizeof err);
	FUZZ_ERR_SET(n, err);
	if (n >= 0) {
		/* Accepted: it answers our request, header and all. */
		FUZZ_ASSERT(data[6] == req[0] && data[7] == req[1] && data[12] == req[6]);
		FUZZ_ASSERT(n == (fc == 5 ? 1 : arg));
	}
	return 0;
}
