/* regdecode.h — turn Modbus registers into numbers (pure, no I/O).
 *
 * Meters spread a value over one or two 16-bit registers.  A profile entry
 * says how: the type, the order of the two words (big: high word first, as
 * Eastron and most meters; little: low word first), and a scale applied to
 * the raw integer (float32 values are scaled too, usually by 1).
 * Within a word the bytes are always big-endian, as Modbus mandates.
 */
#ifndef DECRAN_REGDECODE_H
#define DECRAN_REGDECODE_H

#include <stddef.h>
#include <stdint.h>

enum dc_reg_type { DC_REG_INT16, DC_REG_UINT16, DC_REG_INT32, DC_REG_UINT32, DC_REG_FLOAT32 };
enum dc_word_order { DC_WORDS_BIG, DC_WORDS_LITTLE };

/* Registers one value occupies (1 or 2). */
int dc_reg_count(enum dc_reg_type type);
/* Decode regs[0..n) into *out = raw * scale.  -1 when n is too small, the
 * type unknown, or the float is NaN/infinite (a meter's "no value"). */
int dc_reg_decode(const uint16_t *regs, size_t n, enum dc_reg_type type,
		  enum dc_word_order order, double scale, double *out);
/* Encode v as float32 in two registers (servers publishing readings). */
void dc_reg_encode_float32(double v, enum dc_word_order order, uint16_t out[2]);
/* Names used in configuration files: "int16", "uint16", "int32", "uint32",
 * "float32"; "big", "little".  Parse functions return -1 when unknown. */
int dc_reg_type_parse(const char *s);
int dc_word_order_parse(const char *s);
const char *dc_reg_type_name(enum dc_reg_type type);

#endif
