/* web_legal.h — what a commune's site must publish about itself, and who
 * may read /metrics.
 *
 * Legal notice (loi 2004-575 "LCEN", art. 6 III): the publisher, the
 * director of publication, the host.  Accessibility statement (loi
 * 2005-102 art. 47, décret 2019-768, RGAA 4.1): the conformity level, the
 * date of the audit if any, a contact, and the recourse to the Défenseur
 * des droits.  Each field is configurable in web.json ("legal",
 * "accessibility": webconfig.h); an empty field shows a sensible default,
 * never a blank.
 */
#ifndef DECRAN_WEB_LEGAL_H
#define DECRAN_WEB_LEGAL_H

#include <stdbool.h>

#define DC_LEGAL_TEXT_MAX 300

struct dc_web_legal {
	char publisher[DC_LEGAL_TEXT_MAX];	/* "Commune de Villeneuve, 1 place de la Mairie…" */
	char director[DC_LEGAL_TEXT_MAX];	/* directeur de la publication */
	char host[DC_LEGAL_TEXT_MAX];		/* hébergeur: name, address, phone */
	char contact[DC_LEGAL_TEXT_MAX];	/* e-mail, form or phone */
};

enum dc_a11y_level { DC_A11Y_NONE, DC_A11Y_PARTIAL, DC_A11Y_FULL, DC_A11Y__COUNT };

struct dc_web_a11y {
	enum dc_a11y_level level;	/* RGAA: non / partiellement / totalement conforme */
	char audit_date[11];		/* "YYYY-MM-DD" of the audit, "" none yet */
	char rate[16];			/* share of RGAA criteria met, "" unknown */
	char contact[DC_LEGAL_TEXT_MAX];	/* to report an accessibility defect */
};

/* "none" / "partial" / "full" (web.json) and back; -1 unknown. */
int dc_a11y_level_parse(const char *s);
const char *dc_a11y_level_name(enum dc_a11y_level l);
const char *dc_a11y_level_label(enum dc_a11y_level l);	/* "non conforme"…, current language */

/* Who may read /metrics: 0 allowed, 401 (a token is required and none was
 * given), 403 (wrong token; or no token configured and the request is not
 * local).  `token` NULL or "": loopback only, and a request relayed by a
 * reverse proxy on the same machine (it says so in X-Forwarded-For,
 * Forwarded or X-Real-IP) is not local.  `auth` is the Authorization
 * header (NULL when absent); the comparison takes constant time. */
int dc_web_metrics_access(const char *token, const char *peer_ip, bool forwarded, const char *auth);

#endif
