/* cli_provision.h — `decran boxes provision` and `revoke` (cmd_provision.c). */
#ifndef DECRAN_CLI_PROVISION_H
#define DECRAN_CLI_PROVISION_H

#include <stdio.h>

struct cli;

int cli_boxes_provision(struct cli *cli, int argc, char **argv);
int cli_boxes_revoke(struct cli *cli, int argc, char **argv);
/* The two verbs' usage, for the group's. */
void cli_provision_usage(FILE *f);

#endif
