/* gwlink.h — decran-web's side of the gateway's control socket: the
 * dashboard's hooks (web.h) answered by requests to decran-gateway.
 *
 * decran-web holds no live state of its own: boxes, alarms, relay tests, the
 * schedule's clock and the rules in force come from the gateway, and every
 * action (relay test, binding, override) is asked of it, with the logged-in
 * user as actor; the gateway checks the request against decran-web's role
 * (SO_PEERCRED, docs/gateway.md) and writes the database itself.
 *
 * Nothing waits long: a request is bounded (GWLINK_READ_MS for reads,
 * GWLINK_ACT_MS for actions), and after a failure the gateway is taken as
 * unreachable for GWLINK_BACKOFF_MS, pages then saying so at once.  The
 * clock is followed between requests from the gateway's last status
 * (virtual time and speed under a test clock).
 */
#ifndef DECRAN_GWLINK_H
#define DECRAN_GWLINK_H

#include "web.h"

#define GWLINK_READ_MS 1500	/* above the gateway's own 1 s database waits */
#define GWLINK_ACT_MS 3000
#define GWLINK_BACKOFF_MS 2000
#define GWLINK_STATUS_MS 2000	/* status (clock, rules generation) kept this long */

struct gw_link;

/* NULL on out of memory.  The socket need not exist yet. */
struct gw_link *gw_link_new(const char *socket_path);
void gw_link_free(struct gw_link *l);
/* The hooks, all answered through the link (arg = l). */
struct dc_web_hooks gw_link_hooks(struct gw_link *l);

#endif
