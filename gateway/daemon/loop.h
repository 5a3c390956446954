/* loop.h — the daemon's event loop (lib/evloop.h): every module registers
 * its own fds and timers on g->loop. */
#ifndef DECRAN_GW_LOOP_H
#define DECRAN_GW_LOOP_H

#include "evloop.h"

struct gw;
void gw_mqtt_reload(struct gw *g);

#endif
