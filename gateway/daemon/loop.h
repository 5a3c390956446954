/* loop.h — tags for the epoll loop's file descriptors. */
#ifndef DECRAN_GW_LOOP_H
#define DECRAN_GW_LOOP_H

#include <stdint.h>

#include "drv_native.h"

enum gw_fd_kind { GW_FD_SIGNAL = 1, GW_FD_TIMER, GW_FD_MQTT, GW_FD_CTL, GW_FD_CLIENT, GW_FD_WORKER };
#define GW_EV(kind, fd) (((uint64_t)(kind) << 32) | (uint32_t)(fd))
#define GW_EV_KIND(u) ((int)((u) >> 32))
#define GW_EV_FD(u) ((int)(uint32_t)(u))

void gw_mqtt_reload(struct gw *g);

#endif
