/* mhd_load.h — libmicrohttpd is loaded when the dashboard starts
 * (gateway/mhd_load.c says why).  NULL once loaded, else what failed. */
#ifndef DECRAN_MHD_LOAD_H
#define DECRAN_MHD_LOAD_H

const char *dc_mhd_load_error(void);

#endif
