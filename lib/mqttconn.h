/* mqttconn.h — one MQTT connection living inside the caller's poll loop.
 *
 * libmosquitto can run its own thread (mosquitto_loop_start); a daemon with
 * timers, GPIO and Modbus sockets is simpler and quieter with one loop, so
 * this wraps mosquitto_socket/loop_read/loop_write/loop_misc/want_write:
 *
 *   struct dc_mqtt *m = dc_mqtt_new(&opts, &handlers, ud);
 *   dc_mqtt_start(m, dc_mono_ms());
 *   loop:
 *     pollfd = { dc_mqtt_fd(m), dc_mqtt_poll_events(m) }   (fd -1 while down)
 *     timeout = min(your timers, dc_mqtt_next_ms(m, now) - now)
 *     poll(...)
 *     if (revents) dc_mqtt_on_io(m, revents, now);
 *     dc_mqtt_on_timer(m, now);              (cheap when nothing is due)
 *
 * Nothing blocks: a host name is resolved on a thread of its own (while it
 * is, dc_mqtt_fd is that lookup's eventfd), connect and reconnect are
 * asynchronous (the socket's writability completes the TCP connect); an
 * attempt without CONNACK within a third of the keepalive is dropped.
 * It reconnects by itself with exponential backoff (min..max, jittered) and
 * tells the owner through handlers; on `connected` the owner (re)subscribes
 * and republishes its retained state: nothing is queued while down.
 * All times are CLOCK_MONOTONIC milliseconds (dc_mono_ms()).
 */
#ifndef DECRAN_MQTTCONN_H
#define DECRAN_MQTTCONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mqttsec.h"

struct dc_mqtt_opts {
	const char *host;
	int port;
	const char *client_id;
	int keepalive_s;
	const char *username, *password;	/* NULL: anonymous */
	/* TLS when tls->tls (NULL: plain TCP).  The broker's certificate is
	 * checked against `host` as written, not the address it resolved to. */
	const struct dc_mqtt_sec *tls;
	const char *will_topic, *will_payload;	/* NULL: no last will */
	int will_qos;
	bool will_retain;
	int backoff_min_ms, backoff_max_ms;
	bool unlimited_inflight;	/* no cap on QoS>0 messages in flight (default 20) */
	/* MQTT v5 first (so the broker drops a message past its expiry,
	 * dc_mqtt_publish_exp), v3.1.1 again when the broker refuses v5. */
	bool mqtt5;
	/* Packets written during one turn of the owner's loop leave together
	 * (TCP_CORK) when it calls dc_mqtt_flush, which it must do before it
	 * sleeps.  A burst then costs the kernel one segment per turn instead of
	 * one per packet, on this side and the broker's. */
	bool batch_writes;
};

struct dc_mqtt_handlers {
	void (*connected)(void *ud);
	void (*disconnected)(void *ud, const char *why);
	void (*message)(void *ud, const char *topic, const void *payload, size_t len,
			bool retained);
	/* Optional: an attempt failed before CONNACK (refused, unreachable, no
	 * CONNACK in time, TLS handshake refused: `why` then says what OpenSSL
	 * said); `disconnected` is only for a connection that was up. */
	void (*failed)(void *ud, const char *why);
	/* Optional: the broker acknowledged one QoS>0 publish. */
	void (*published)(void *ud);
};

struct dc_mqtt;

/* Call once per process before dc_mqtt_new (mosquitto_lib_init). */
void dc_mqtt_lib_init(void);
void dc_mqtt_lib_cleanup(void);
/* NULL when libmosquitto refuses the options (err says which, may be NULL). */
struct dc_mqtt *dc_mqtt_new(const struct dc_mqtt_opts *o, const struct dc_mqtt_handlers *h,
			    void *ud);
/* Why the last dc_mqtt_new returned NULL (this thread). */
const char *dc_mqtt_new_error(void);
void dc_mqtt_free(struct dc_mqtt *m);
/* Schedule the first connection attempt at now_ms. */
void dc_mqtt_start(struct dc_mqtt *m, int64_t now_ms);
/* Fd to poll (the socket, or the host name lookup's eventfd; -1 while
 * waiting to retry) and the events to ask for. */
int dc_mqtt_fd(const struct dc_mqtt *m);
/* Changes whenever dc_mqtt_fd may name a new fd, even under a number just
 * closed and reused: an epoll user re-registers then. */
unsigned dc_mqtt_fd_gen(const struct dc_mqtt *m);
short dc_mqtt_poll_events(const struct dc_mqtt *m);
void dc_mqtt_on_io(struct dc_mqtt *m, short revents, int64_t now_ms);
void dc_mqtt_on_timer(struct dc_mqtt *m, int64_t now_ms);
/* Next monotonic instant the connection needs dc_mqtt_on_timer. */
int64_t dc_mqtt_next_ms(const struct dc_mqtt *m, int64_t now_ms);
/* CONNACK received and socket still open. */
bool dc_mqtt_up(const struct dc_mqtt *m);
/* Publish / subscribe; -1 when down or refused by libmosquitto. */
int dc_mqtt_publish(struct dc_mqtt *m, const char *topic, const void *payload, size_t len,
		    int qos, bool retain);
/* The same with a message expiry interval (MQTT v5; seconds, 0 none): the
 * broker drops the message, retained or queued, once it has waited that
 * long.  Over v3.1.1 the message goes without it. */
int dc_mqtt_publish_exp(struct dc_mqtt *m, const char *topic, const void *payload, size_t len,
			int qos, bool retain, uint32_t expiry_s);
/* The connection speaks MQTT v5 (the last CONNACK was v5's). */
bool dc_mqtt_v5(const struct dc_mqtt *m);
int dc_mqtt_subscribe(struct dc_mqtt *m, const char *pattern, int qos);
/* Clean DISCONNECT (the broker then does NOT send the last will). */
void dc_mqtt_disconnect(struct dc_mqtt *m);
/* With opts.batch_writes: send what this loop turn wrote.  A no-op else. */
void dc_mqtt_flush(struct dc_mqtt *m);

/* Pure backoff: the delay after `prev_ms` (0 = first failure), doubled and
 * capped at max, then jittered down by up to a quarter with `rnd`. */
int64_t dc_backoff_next_ms(int64_t prev_ms, int min_ms, int max_ms, uint32_t rnd);

#endif
