/* web_gwctl.h — dashboard hooks that ask a running decran-gateway through
 * its local control socket (one JSON line in, one out), for a web module
 * hosted OUTSIDE the daemon (tests/helpers/web_host --gateway-socket).
 * Calls block until the gateway answers (a relay test waits for its
 * confirmations, up to GWCTL_TIMEOUT_MS): inside decran-gateway itself the
 * hooks should read the daemon's state directly instead. */
#ifndef DECRAN_WEB_GWCTL_H
#define DECRAN_WEB_GWCTL_H

#include "web.h"

#define GWCTL_TIMEOUT_MS 30000

/* Fills list_boxes, list_alarms and relay_test; `socket_path` must outlive
 * the hooks.  relay_test runs the gateway's test cycle (off, on, off, each
 * confirmed), whatever on/off the form asked. */
void dc_web_gwctl_hooks(struct dc_web_hooks *h, const char *socket_path);

#endif
