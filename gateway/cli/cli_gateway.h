/* cli_gateway.h — commands that talk to the running decran-gateway. */
#ifndef DECRAN_CLI_GATEWAY_H
#define DECRAN_CLI_GATEWAY_H

#include <stdbool.h>
#include <stdio.h>

#include <cJSON.h>

/* Send {"cmd":cmd, ...extra} and return the answer when "ok" is true;
 * otherwise print the reason on stderr and return NULL. */
cJSON *cli_gateway_call(const char *socket_opt, cJSON *request, int timeout_ms);
/* Ask the daemon to reload (after a change in the database).  Silent when no
 * daemon runs here (it reads everything when it starts); a note on stderr
 * when one runs but refused.  Returns true when the daemon took it. */
bool cli_gateway_reload(const char *socket_opt);

/* The front of every "decran GROUP VERB [--json] [--socket PATH] ARGS..."
 * command: checks that argv[1] is `verb`, parses the shared options and
 * leaves the positional arguments at argv[*first .. argc).  Returns -1 to go
 * on, otherwise the exit status (0 after --help, EXIT_USAGE on misuse, usage
 * printed). */
int cli_gateway_args(int argc, char **argv, const char *verb, void (*usage)(FILE *),
		     int *json, const char **sock, int *first);

#endif
