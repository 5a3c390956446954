/* test_mqttconn.c — lib/mqttconn against a real mosquitto on a free loopback
 * port: with batch_writes, what a loop turn writes is held (TCP_CORK) until
 * dc_mqtt_flush and never across it, and every message still arrives;
 * without it the socket is never corked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "mqttconn.h"

#define MAX_TURNS 200	/* of at most 50 ms: a bounded wait */
#define MOSQUITTO "/usr/sbin/mosquitto"

struct fx {
	char dir[64];
	int port;
	pid_t broker;
	struct dc_mqtt *m;
	bool up;
	int messages, acked;
	char last[64];
};

static void on_connected(void *ud)
{
	((struct fx *)ud)->up = true;
}

static void on_disconnected(void *ud, const char *why)
{
	(void)why;
	((struct fx *)ud)->up = false;
}

static void on_message(void *ud, const char *topic, const void *payload, size_t len,
		       bool retained)
{
	struct fx *f = ud;
	(void)topic;
	(void)retained;
	f->messages++;
	snprintf(f->last, sizeof f->last, "%.*s", (int)len, (const char *)payload);
}

static void on_published(void *ud)
{
	((struct fx *)ud)->acked++;
}

static const struct dc_mqtt_handlers handlers = {
	.connected = on_connected, .disconnected = on_disconnected,
	.message = on_message, .published = on_published,
};

static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	int s = socket(AF_INET, SOCK_STREAM, 0), port = -1;
	if (s >= 0 && bind(s, (struct sockaddr *)&a, sizeof a) == 0 &&
	    getsockname(s, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (s >= 0)
		close(s);
	return port;
}

static bool broker_listening(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int s = socket(AF_INET, SOCK_STREAM, 0);
	bool ok = s >= 0 && connect(s, (struct sockaddr *)&a, sizeof a) == 0;
	if (s >= 0)
		close(s);
	return ok;
}

/* The broker of f->dir's configuration, listening when this returns 0. */
static int start_broker(struct fx *f)
{
	char conf[128];
	snprintf(conf, sizeof conf, "%s/mosquitto.conf", f->dir);
	if ((f->broker = fork()) == 0) {
		execl(MOSQUITTO, "mosquitto", "-c", conf, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100 && !broker_listening(f->port); i++)
		usleep(50000);
	return f->broker > 0 && broker_listening(f->port) ? 0 : -1;
}

static int setup(void **state)
{
	static struct fx f;
	char conf[128];
	memset(&f, 0, sizeof f);
	*state = &f;
	/* A root without the broker (make cross-test's chroots): skipped, said
	 * so.  make test installs it (tools/debian-packages.txt). */
	if (access(MOSQUITTO, X_OK) != 0)
		return 0;
	snprintf(f.dir, sizeof f.dir, "/tmp/test_mqttconn.XXXXXX");
	if (!mkdtemp(f.dir) || (f.port = free_port()) < 0)
		return -1;
	snprintf(conf, sizeof conf, "%s/mosquitto.conf", f.dir);
	FILE *c = fopen(conf, "w");
	if (!c)
		return -1;
	fprintf(c, "listener %d 127.0.0.1\nallow_anonymous true\npersistence false\n"
		"log_dest none\n", f.port);
	fclose(c);
	if (start_broker(&f) < 0)
		return -1;
	dc_mqtt_lib_init();
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[96];
	if (!f->broker)
		return 0;
	if (f->m) {
		dc_mqtt_disconnect(f->m);
		dc_mqtt_free(f->m);
	}
	kill(f->broker, SIGTERM);
	waitpid(f->broker, NULL, 0);
	dc_mqtt_lib_cleanup();
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
	return system(cmd);
}

static int corked(const struct dc_mqtt *m)
{
	int on = -1;
	socklen_t len = sizeof on;
	if (getsockopt(dc_mqtt_fd(m), IPPROTO_TCP, TCP_CORK, &on, &len) < 0)
		return -1;
	return on;
}

/* One turn of an owner's loop, as the gateway's: poll, I/O, timers, and the
 * flush before it sleeps again.  Returns whether the socket was corked
 * after the turn's I/O, before the flush. */
static int turn(struct fx *f)
{
	int64_t now = dc_mono_ms(), next = dc_mqtt_next_ms(f->m, now);
	int timeout = next - now > 50 ? 50 : next < now ? 0 : (int)(next - now);
	struct pollfd p = { .fd = dc_mqtt_fd(f->m), .events = dc_mqtt_poll_events(f->m) };
	int was_corked = 0;
	if (poll(&p, p.fd >= 0 ? 1 : 0, timeout) > 0 && p.revents) {
		dc_mqtt_on_io(f->m, p.revents, dc_mono_ms());
		if (f->up)
			was_corked = corked(f->m);
	}
	dc_mqtt_on_timer(f->m, dc_mono_ms());
	dc_mqtt_flush(f->m);
	if (f->up)
		assert_int_equal(corked(f->m), 0);	/* nothing held across a sleep */
	return was_corked;
}

static void connect_client(struct fx *f, bool batch)
{
	struct dc_mqtt_opts o = { .host = "127.0.0.1", .port = f->port, .client_id = "t-mqttconn",
				  .keepalive_s = 30, .backoff_min_ms = 50, .backoff_max_ms = 200,
				  .batch_writes = batch };
	f->m = dc_mqtt_new(&o, &handlers, f);
	assert_non_null(f->m);
	dc_mqtt_start(f->m, dc_mono_ms());
	for (int i = 0; i < MAX_TURNS && !f->up; i++)
		turn(f);
	assert_true(f->up);
	assert_int_equal(dc_mqtt_subscribe(f->m, "decran/test/#", 1), 0);
	turn(f);
}

/* Publish n messages in one turn and run turns until all came back and
 * were acknowledged; returns how many turns saw the socket corked. */
static int round_trip(struct fx *f, int n, int expect_cork)
{
	char payload[16];
	int seen_corked = 0;
	for (int i = 0; i < n; i++) {
		snprintf(payload, sizeof payload, "m%d", i);
		assert_int_equal(dc_mqtt_publish(f->m, "decran/test/a", payload, strlen(payload), 1,
						 false), 0);
		assert_int_equal(corked(f->m), expect_cork);
	}
	dc_mqtt_flush(f->m);
	assert_int_equal(corked(f->m), 0);
	for (int i = 0; i < MAX_TURNS && (f->messages < n || f->acked < n); i++)
		seen_corked += turn(f) == 1;
	assert_int_equal(f->messages, n);
	assert_int_equal(f->acked, n);
	snprintf(payload, sizeof payload, "m%d", n - 1);
	assert_string_equal(f->last, payload);	/* in order, the last one last */
	return seen_corked;
}

static void batch_writes_cork_a_turn_and_flush_before_sleep(void **state)
{
	struct fx *f = *state;
	if (!f->broker)
		skip();
	connect_client(f, true);
	/* The turns that read the echoes and PUBACKs corked for the PUBACKs
	 * they write back; each turn's flush uncorked (checked in turn()). */
	assert_true(round_trip(f, 50, 1) > 0);
}

static void without_batch_writes_never_corks(void **state)
{
	struct fx *f = *state;
	if (!f->broker)
		skip();
	connect_client(f, false);
	assert_int_equal(round_trip(f, 50, 0), 0);
}

/* A connection lost while corked: the new socket starts uncorked and
 * batching goes on on it. */
static void reconnect_starts_uncorked(void **state)
{
	struct fx *f = *state;
	if (!f->broker)
		skip();
	connect_client(f, true);
	assert_int_equal(dc_mqtt_publish(f->m, "decran/test/a", "x", 1, 1, false), 0);
	assert_int_equal(corked(f->m), 1);
	kill(f->broker, SIGKILL);
	waitpid(f->broker, NULL, 0);
	for (int i = 0; i < MAX_TURNS && f->up; i++)
		turn(f);
	assert_false(f->up);
	assert_int_equal(start_broker(f), 0);
	for (int i = 0; i < MAX_TURNS && !f->up; i++)
		turn(f);
	assert_true(f->up);
	assert_int_equal(corked(f->m), 0);
	assert_int_equal(dc_mqtt_subscribe(f->m, "decran/test/#", 1), 0);
	turn(f);
	f->messages = f->acked = 0;
	round_trip(f, 5, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(batch_writes_cork_a_turn_and_flush_before_sleep, setup,
						teardown),
		cmocka_unit_test_setup_teardown(without_batch_writes_never_corks, setup, teardown),
		cmocka_unit_test_setup_teardown(reconnect_starts_uncorked, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
