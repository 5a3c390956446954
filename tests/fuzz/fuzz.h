/* fuzz.h — what every libFuzzer target of tests/fuzz/ shares.
 *
 * A target is pure: it hands the input to one parser's in-memory entry point
 * and checks what the parser promises (a result that makes sense, or an
 * error message), never touching files or the network.  Sanitizers (ASan,
 * UBSan) catch the rest.
 */
#ifndef DECRAN_FUZZ_H
#define DECRAN_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a NUL-terminated copy (parsers of C strings), or NULL. */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (s) {
		memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}

/* A parser that failed must say why. */
#define FUZZ_ERR_SET(rc, err)                                                   \
	do {                                                                     \
		if ((rc) < 0 && !(err)[0]) {                                     \
			fprintf(stderr, "%s:%d: error without a message\n",      \
				__FILE__, __LINE__);                             \
			abort();                                                 \
		}                                                                \
	} while (0)

#define FUZZ_ASSERT(c)                                                          \
	do {                                                                     \
		if (!(c)) {                                                      \
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #c);  \
			abort();                                                 \
		}                                                                \
	} while (0)

#endif
