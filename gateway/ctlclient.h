/* ctlclient.h — the CLI's side of decran-gateway's local API (control.c):
 * one JSON request line to the daemon's UNIX socket, one JSON answer line
 * back.  Commands that touch live relays go through here, never around the
 * daemon. */
#ifndef DECRAN_CTLCLIENT_H
#define DECRAN_CTLCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "paths.h"
#include "screen.h"

#define GW_CTL_DEFAULT_SOCKET DECRAN_GATEWAY_SOCKET

/* A relay test (commissioning cycle: off, on, off, each confirmed) as the
 * gateway keeps it and its "tests" verb reports it. */
struct gw_relay_test {
	char box[DC_ID_MAX];
	int channel;
	int64_t at;		/* started, Unix seconds */
	int result;		/* 0 running, 1 passed, -1 failed */
	int nsteps;		/* steps confirmed so far, 0..3 */
	int step_ms[3];		/* each step's time to confirmation */
	bool has_w[3];		/* a meter reading arrived in step k (off, on, off) */
	double w[3];		/* its power, W */
	char verdict[16];	/* "pass", "pass-unmeasured", "fail"; "" running */
	char why[200];		/* the verdict's reason (English, like the log) */
};

/* --socket PATH if given, else $DECRAN_GATEWAY_SOCKET, else the default. */
const char *gw_ctl_socket(const char *opt);
/* Send `request` (a JSON object) and parse the answer.  timeout_ms bounds the
 * whole exchange.  NULL with a message in err when the daemon is not there
 * or answered nonsense. */
cJSON *gw_ctl_call(const char *socket_path, const cJSON *request, int timeout_ms, char *err,
		   size_t errlen);

#endif
