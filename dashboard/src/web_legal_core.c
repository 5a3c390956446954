/* web_legal_core.c — the pure part of web_legal.h: RGAA levels and the
 * /metrics access rule (no HTTP here: unit tests link it alone). */
#include "web_legal.h"

#include <stddef.h>
#include <string.h>

#include "i18n.h"

static const char *const level_names[DC_A11Y__COUNT] = { "none", "partial", "full" };

int dc_a11y_level_parse(const char *s)
{
	for (int i = 0; i < DC_A11Y__COUNT; i++)
		if (s && !strcmp(s, level_names[i]))
			return i;
	return -1;
}

const char *dc_a11y_level_name(enum dc_a11y_level l)
{
	return (unsigned)l < DC_A11Y__COUNT ? level_names[l] : "?";
}

const char *dc_a11y_level_label(enum dc_a11y_level l)
{
	switch (l) {
	case DC_A11Y_FULL: return TR("totalement conforme", "fully compliant");
	case DC_A11Y_PARTIAL: return TR("partiellement conforme", "partially compliant");
	default: return TR("non conforme", "not compliant");
	}
}

static bool loopback(const char *ip)
{
	return ip && (strncmp(ip, "127.", 4) == 0 || strcmp(ip, "::1") == 0 ||
		      strncmp(ip, "::ffff:127.", 11) == 0);
}

int dc_web_metrics_access(const char *token, const char *peer_ip, bool forwarded, const char *auth)
{
	if (!token || !*token)
		return loopback(peer_ip) && !forwarded ? 0 : 403;
	if (!auth || strncmp(auth, "Bearer ", 7) != 0)
		return 401;
	const char *given = auth + 7;
	size_t n = strlen(token), m = strlen(given);
	/* Constant time in the token's length: no early exit on a mismatch. */
	unsigned char diff = n != m;
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(token[i] ^ (i < m ? given[i] : 0));
	return diff ? 403 : 0;
}

