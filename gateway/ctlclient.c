/* ctlclient.c — one request/answer exchange with decran-gateway's local API. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctlclient.h"
#include "i18n.h"

#define ANSWER_MAX (16 << 20)

const char *gw_ctl_socket(const char *opt)
{
	const char *env = getenv("DECRAN_GATEWAY_SOCKET");
	if (opt && *opt)
		return opt;
	return env && *env ? env : GW_CTL_DEFAULT_SOCKET;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

cJSON *gw_ctl_call(const char *path, const cJSON *request, int timeout_ms, char *err,
		   size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *req = NULL, *buf = NULL;
	size_t len = 0, cap = 0;
	cJSON *answer = NULL;
	long long deadline = now_ms() + timeout_ms;
	int fd = -1;

	if (strlen(path) >= sizeof sa.sun_path) {
		snprintf(err, errlen, TR("%s : chemin de socket trop long", "%s: socket path too long"),
			 path);
		return NULL;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	/* Non-blocking throughout, so timeout_ms bounds every step: a UNIX
	 * connect either completes at once or fails (EAGAIN: the gateway's
	 * backlog is full, it is not reading). */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		snprintf(err, errlen,
			 TR("passerelle injoignable (%s : %s) ; decran-gateway tourne-t-il ?",
			    "gateway unreachable (%s: %s); is decran-gateway running?"),
			 path, strerror(errno));
		goto out;
	}
	req = cJSON_PrintUnformatted(request);
	if (!req)
		goto out;
	size_t rl = strlen(req), sent = 0;
	char *line = realloc(req, rl + 2);
	if (!line)
		goto out;
	req = line;
	memcpy(req + rl, "\n", 2);
	while (sent < rl + 1) {
		long long left = deadline - now_ms();
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		ssize_t n = write(fd, req + sent, rl + 1 - sent);
		if (n > 0) {
			sent += (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			snprintf(err, errlen, TR("envoi impossible : %s", "cannot send: %s"),
				 strerror(errno));
			goto out;
		}
		if (left <= 0 || poll(&p, 1, (int)left) <= 0) {
			snprintf(err, errlen, "%s", TR("pas de réponse de la passerelle (délai dépassé)",
						      "no answer from the gateway (timed out)"));
			goto out;
		}
	}
	for (;;) {
		long long left = deadline - now_ms();
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (left <= 0 || poll(&p, 1, (int)left) <= 0) {
			snprintf(err, errlen, "%s", TR("pas de réponse de la passerelle (délai dépassé)",
						      "no answer from the gateway (timed out)"));
			goto out;
		}
		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 65536;
			char *nb = cap <= ANSWER_MAX ? realloc(buf, cap) : NULL;
			if (!nb) {
				snprintf(err, errlen, "%s", TR("réponse trop grande", "answer too large"));
				goto out;
			}
			buf = nb;
		}
		ssize_t n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (buf[len - 1] == '\n')
			break;
	}
	if (!buf || !len) {
		snprintf(err, errlen, "%s", TR("la passerelle a fermé sans répondre",
					      "the gateway closed without answering"));
		goto out;
	}
	buf[len] = '\0';
	answer = cJSON_Parse(buf);
	if (!cJSON_IsObject(answer)) {
		cJSON_Delete(answer);
		answer = NULL;
		snprintf(err, errlen, "%s", TR("réponse illisible de la passerelle",
					      "unreadable answer from the gateway"));
	}
out:
	if (fd >= 0)
		close(fd);
	free(req);
	free(buf);
	return answer;
}
