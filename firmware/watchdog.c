/* watchdog.c — see watchdog.h. */
#include "watchdog.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/watchdog.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "i18n.h"
#include "fwlog.h"

int fw_watchdog_open(struct fw_watchdog *w, const struct fw_watchdog_cfg *cfg, char *err,
		     size_t errlen)
{
	*w = (struct fw_watchdog){ .fd = -1, .next_ms = INT64_MAX };
	if (!cfg->enabled)
		return 0;
	int fd = open(cfg->device, O_WRONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errlen, "watchdog.device: %s: %s", cfg->device, strerror(errno));
		return -1;
	}
	int t = cfg->timeout_s;
	if (ioctl(fd, WDIOC_SETTIMEOUT, &t) < 0) {
		if (errno != ENOTTY && errno != EINVAL) {
			snprintf(err, errlen, "watchdog.timeout_s: %s: %s", cfg->device,
				 strerror(errno));
			close(fd);
			return -1;
		}
		/* Not a watchdog driver (a test's file), or a fixed timeout. */
		t = cfg->timeout_s;
	} else if (t != cfg->timeout_s) {
		fw_log(LOG_NOTICE, TR("chien de garde : délai %d s (demandé %d s)",
				      "watchdog: timeout %d s (asked %d s)"), t, cfg->timeout_s);
	}
	w->fd = fd;
	w->period_ms = (int64_t)(t > 0 ? t : cfg->timeout_s) * 1000 / 3;
	w->magic_close = cfg->magic_close;
	w->next_ms = 0;		/* feed at the first pass of the loop */
	fw_log(LOG_INFO, TR("chien de garde %s armé, nourri toutes les %lld ms",
			    "watchdog %s armed, fed every %lld ms"), cfg->device,
	       (long long)w->period_ms);
	return 0;
}

int64_t fw_watchdog_feed(struct fw_watchdog *w, int64_t mono_ms)
{
	if (w->fd < 0)
		return INT64_MAX;
	if (mono_ms >= w->next_ms) {
		if (write(w->fd, "k", 1) != 1)
			fw_log(LOG_ERR, TR("chien de garde : écriture impossible : %m",
					   "watchdog: write failed: %m"));
		w->next_ms = mono_ms + w->period_ms;
	}
	return w->next_ms;
}

void fw_watchdog_close(struct fw_watchdog *w, bool clean)
{
	if (w->fd < 0)
		return;
	if (clean && w->magic_close && write(w->fd, "V", 1) != 1)
		fw_log(LOG_ERR, TR("chien de garde : fermeture magique impossible : %m",
				   "watchdog: magic close failed: %m"));
	close(w->fd);
	w->fd = -1;
}
