/* seeded_rng.h — the property tests' deterministic generator (xorshift64):
 * the same seed draws the same cases on every machine and run. */
#ifndef DECRAN_SEEDED_RNG_H
#define DECRAN_SEEDED_RNG_H

#include <stdint.h>

/* A number in [0, n), n > 0, advancing *state (never 0). */
static inline uint32_t seeded_rnd(uint64_t *state, uint32_t n)
{
	uint64_t x = *state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return (uint32_t)(x >> 11) % n;
}

#endif
