/* regdecode.c — Modbus register decoding. */
#include "regdecode.h"

#include <math.h>
#include <string.h>

static const char *const type_names[] = { "int16", "uint16", "int32", "uint32", "float32" };

int dc_reg_count(enum dc_reg_type type)
{
	switch (type) {
	case DC_REG_INT16:
	case DC_REG_UINT16:
		return 1;
	case DC_REG_INT32:
	case DC_REG_UINT32:
	case DC_REG_FLOAT32:
		return 2;
	}
	return -1;
}

int dc_reg_decode(const uint16_t *regs, size_t n, enum dc_reg_type type,
		  enum dc_word_order order, double scale, double *out)
{
	int count = dc_reg_count(type);
	if (count < 0 || n < (size_t)count)
		return -1;
	uint32_t u32 = 0;
	if (count == 2)
		u32 = order == DC_WORDS_LITTLE ? ((uint32_t)regs[1] << 16 | regs[0])
					       : ((uint32_t)regs[0] << 16 | regs[1]);
	double v;
	switch (type) {
	case DC_REG_INT16:
		v = (int16_t)regs[0];
		break;
	case DC_REG_UINT16:
		v = regs[0];
		break;
	case DC_REG_INT32:
		v = (int32_t)u32;
		break;
	case DC_REG_UINT32:
		v = u32;
		break;
	case DC_REG_FLOAT32: {
		float f;
		memcpy(&f, &u32, sizeof f);
		if (!isfinite(f))
			return -1;
		v = f;
		break;
	}
	default:
		return -1;
	}
	*out = v * scale;
	return 0;
}

void dc_reg_encode_float32(double v, enum dc_word_order order, uint16_t out[2])
{
	float f = (float)v;
	uint32_t u;
	memcpy(&u, &f, sizeof u);
	uint16_t hi = (uint16_t)(u >> 16), lo = (uint16_t)u;
	out[0] = order == DC_WORDS_LITTLE ? lo : hi;
	out[1] = order == DC_WORDS_LITTLE ? hi : lo;
}

int dc_reg_type_parse(const char *s)
{
	for (size_t i = 0; i < sizeof type_names / sizeof *type_names; i++)
		if (strcmp(s, type_names[i]) == 0)
			return (int)i;
	return -1;
}

int dc_word_order_parse(const char *s)
{
	if (strcmp(s, "big") == 0)
		return DC_WORDS_BIG;
	if (strcmp(s, "little") == 0)
		return DC_WORDS_LITTLE;
	return -1;
}

const char *dc_reg_type_name(enum dc_reg_type type)
{
	return (unsigned)type < sizeof type_names / sizeof *type_names ? type_names[type] : "?";
}
