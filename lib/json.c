/* json.c — exactly one JSON value per input (see json.h). */
#include "json.h"

cJSON *dc_json_parse(const char *p, size_t len, size_t *err_off)
{
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(p, len, &end, 0);
	size_t off = end && end >= p && end <= p + len ? (size_t)(end - p) : 0;

	if (root) {
		while (off < len && (p[off] == ' ' || p[off] == '\t' || p[off] == '\n' ||
				     p[off] == '\r'))
			off++;
		if (off == len)
			return root;
		cJSON_Delete(root);
	}
	if (err_off)
		*err_off = off;
	return NULL;
}
