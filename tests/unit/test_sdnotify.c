/* test_sdnotify.c — the service-manager notifications without libsystemd. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "sdnotify.h"

static void notify_reaches_the_socket(void **state)
{
	(void)state;
	char dir[] = "/tmp/decran-notify-XXXXXX", path[96], buf[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/notify", dir);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);

	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(dc_sd_notify("READY=1"), 0);	/* not under systemd */
	setenv("NOTIFY_SOCKET", path, 1);
	assert_int_equal(dc_sd_notify("READY=1\nSTATUS=running"), 1);
	ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "READY=1\nSTATUS=running");
	setenv("NOTIFY_SOCKET", "relative/path", 1);
	assert_int_equal(dc_sd_notify("WATCHDOG=1"), -1);
	unsetenv("NOTIFY_SOCKET");
	close(fd);
	unlink(path);
	rmdir(dir);
}

static void watchdog_period_is_ours_only(void **state)
{
	(void)state;
	char pid[16];
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	assert_int_equal(dc_sd_watchdog_usec(), 0);
	setenv("WATCHDOG_USEC", "30000000", 1);
	assert_int_equal(dc_sd_watchdog_usec(), 30000000);
	snprintf(pid, sizeof pid, "%d", (int)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	assert_int_equal(dc_sd_watchdog_usec(), 30000000);
	setenv("WATCHDOG_PID", "1", 1);		/* meant for another process */
	assert_int_equal(dc_sd_watchdog_usec(), 0);
	unsetenv("WATCHDOG_PID");
	setenv("WATCHDOG_USEC", "30s", 1);
	assert_int_equal(dc_sd_watchdog_usec(), 0);
	unsetenv("WATCHDOG_USEC");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(notify_reaches_the_socket),
		cmocka_unit_test(watchdog_period_is_ours_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
