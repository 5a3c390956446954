/* web_gwctl.c — the dashboard's hooks over decran-gateway's control socket. */
#include "web_gwctl.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "i18n.h"

#define ANSWER_MAX (1 << 20)

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One request, one answer; NULL with err filled on any failure. */
static cJSON *ask(const char *path, cJSON *req, char *err, size_t errlen)
{
	char *line = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = -1;
	char *buf = NULL;
	size_t len = 0;
	cJSON *ans = NULL;
	if (!line || strlen(path) >= sizeof sa.sun_path)
		goto fail;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
		goto fail;
	size_t n = strlen(line);
	line[n] = '\n';	/* cJSON's buffer: replace the NUL, length known */
	for (size_t off = 0; off < n + 1;) {
		ssize_t w = write(fd, line + off, n + 1 - off);
		if (w < 0 && errno != EINTR)
			goto fail;
		if (w > 0)
			off += (size_t)w;
	}
	buf = malloc(ANSWER_MAX + 1);
	int64_t deadline = mono_ms() + GWCTL_TIMEOUT_MS;
	while (buf && (len == 0 || buf[len - 1] != '\n') && len < ANSWER_MAX) {
		int left = (int)(deadline - mono_ms());
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		if (left <= 0 || poll(&pf, 1, left) <= 0)
			goto fail;
		ssize_t r = read(fd, buf + len, ANSWER_MAX - len);
		if (r <= 0)
			goto fail;
		len += (size_t)r;
	}
	if (!buf)
		goto fail;
	buf[len] = '\0';
	ans = cJSON_Parse(buf);
	if (!ans)
		goto fail;
	close(fd);
	free(buf);
	free(line);
	return ans;
fail:
	snprintf(err, errlen, "%s", TR("la passerelle ne répond pas sur son interface locale",
				       "the gateway does not answer on its local interface"));
	if (fd >= 0)
		close(fd);
	free(buf);
	free(line);
	return NULL;
}

static cJSON *ask_cmd(const char *path, const char *cmd, char *err, size_t errlen)
{
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "cmd", cmd);
	return ask(path, req, err, errlen);
}

static int boxes(void *arg, struct dc_web_box **out, size_t *n)
{
	char err[200];
	cJSON *a = ask_cmd(arg, "boxes", err, sizeof err);
	cJSON *arr = cJSON_GetObjectItem(a, "boxes");
	if (!cJSON_IsArray(arr)) {
		cJSON_Delete(a);
		return -1;
	}
	int count = cJSON_GetArraySize(arr);
	*out = calloc((size_t)count + 1, sizeof **out);
	if (!*out) {
		cJSON_Delete(a);
		return -1;
	}
	*n = 0;
	cJSON *b;
	cJSON_ArrayForEach(b, arr) {
		struct dc_web_box *x = &(*out)[(*n)++];
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(b, "id"));
		const char *drv = cJSON_GetStringValue(cJSON_GetObjectItem(b, "driver"));
		snprintf(x->id, sizeof x->id, "%s", id ? id : "?");
		snprintf(x->firmware, sizeof x->firmware, "%s", drv ? drv : "");
		x->online = cJSON_IsTrue(cJSON_GetObjectItem(b, "online"));
		x->channels = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(b, "channels"));
		cJSON *c;
		cJSON_ArrayForEach(c, cJSON_GetObjectItem(b, "channel_states")) {
			int ch = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(c, "channel"));
			const char *st = cJSON_GetStringValue(cJSON_GetObjectItem(c, "confirmed"));
			if (ch >= 1 && ch <= 32 && st && strcmp(st, "on") == 0)
				x->relay_on |= 1u << (ch - 1);
		}
	}
	cJSON_Delete(a);
	return 0;
}

static int alarms(void *arg, struct dc_web_alarm **out, size_t *n)
{
	char err[200];
	cJSON *a = ask_cmd(arg, "alarms", err, sizeof err);
	cJSON *arr = cJSON_GetObjectItem(a, "alarms");
	if (!cJSON_IsArray(arr)) {
		cJSON_Delete(a);
		return -1;
	}
	*out = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof **out);
	if (!*out) {
		cJSON_Delete(a);
		return -1;
	}
	*n = 0;
	cJSON *al;
	cJSON_ArrayForEach(al, arr) {
		struct dc_web_alarm *x = &(*out)[(*n)++];
		const char *kind = cJSON_GetStringValue(cJSON_GetObjectItem(al, "kind"));
		const char *box = cJSON_GetStringValue(cJSON_GetObjectItem(al, "box"));
		int ch = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(al, "channel"));
		x->active = true;
		snprintf(x->severity, sizeof x->severity, "%s",
			 kind && strcmp(kind, "offline") == 0 ? "critical" : "warning");
		snprintf(x->source, sizeof x->source, "%s", box ? box : "?");
		if (ch > 0)
			snprintf(x->text, sizeof x->text, "%s (%s %d)", kind ? kind : "?",
				 TR("voie", "channel"), ch);
		else
			snprintf(x->text, sizeof x->text, "%s", kind ? kind : "?");
	}
	cJSON_Delete(a);
	return 0;
}

static int relay_test(void *arg, const char *box, int channel, bool on, const char *actor,
		      char *err, size_t errlen)
{
	(void)on, (void)actor;
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "cmd", "relay-test");
	cJSON_AddStringToObject(req, "box", box);
	cJSON_AddNumberToObject(req, "channel", channel);
	cJSON *a = ask(arg, req, err, errlen);
	if (!a)
		return -1;
	int rc = cJSON_IsTrue(cJSON_GetObjectItem(a, "ok")) ? 0 : -1;
	if (rc < 0) {
		const char *e = cJSON_GetStringValue(cJSON_GetObjectItem(a, "error"));
		snprintf(err, errlen, "%s%s", TR("la passerelle a refusé : ", "the gateway refused: "),
			 e ? e : "?");
	}
	cJSON_Delete(a);
	return rc;
}

void dc_web_gwctl_hooks(struct dc_web_hooks *h, const char *socket_path)
{
	h->arg = (void *)socket_path;
	h->list_boxes = boxes;
	h->list_alarms = alarms;
	h->relay_test = relay_test;
}
