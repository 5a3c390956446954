/* cli_gateway.h — commands that talk to the running decran-gateway. */
#ifndef DECRAN_CLI_GATEWAY_H
#define DECRAN_CLI_GATEWAY_H

#include <stdbool.h>

#include <cJSON.h>

#include "cli.h"

/* Send {"cmd":cmd, ...extra} and return the answer when "ok" is true;
 * otherwise print the reason on stderr and return NULL. */
cJSON *cli_gateway_call(const char *socket_opt, cJSON *request, int timeout_ms);
/* Ask the daemon to reload (after a change in the database).  Silent when no
 * daemon runs here (it reads everything when it starts); a note on stderr
 * when one runs but refused.  Returns true when the daemon took it. */
bool cli_gateway_reload(const char *socket_opt);
/* After an edit of the inventory: the daemon running here reads its bound
 * screens again (what they are decides what the schedule wants of their
 * relays).  Same notes as cli_gateway_reload. */
void cli_gateway_screens_changed(void);

/* {"cmd": cmd} with the usual 10 s timeout: cli_gateway_call's answer. */
cJSON *cli_gateway_ask(const char *socket_opt, const char *cmd);

/* The options of every command that asks the daemon: --json, --socket PATH. */
#define CLI_GATEWAY_OPTS(json, sock) CLI_OPT_FLAG("json", (json)), CLI_OPT_ARG("socket", (sock))

#endif
