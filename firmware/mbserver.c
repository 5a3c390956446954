/* mbserver.c — Modbus TCP server inside the relay daemon's loop. */
#include "mbserver.h"

#include <errno.h>
#include <modbus.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fwlog.h"
#include "i18n.h"

#define MAX_CLIENTS 16

struct fw_mbserver {
	modbus_t *ctx;
	modbus_mapping_t *map;
	int listen_fd;
	int clients[MAX_CLIENTS];
	size_t max_clients;
	struct fw_mbserver_ops ops;
	void *ud;
};

struct fw_mbserver *fw_mbserver_open(const struct fw_config *cfg,
				     const struct fw_mbserver_ops *ops, void *ud,
				     char *err, size_t errlen)
{
	struct fw_mbserver *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->ops = *ops;
	s->ud = ud;
	s->max_clients = (size_t)cfg->modbus_tcp.max_clients;
	for (size_t i = 0; i < MAX_CLIENTS; i++)
		s->clients[i] = -1;
	s->ctx = modbus_new_tcp(cfg->modbus_tcp.listen, cfg->modbus_tcp.port);
	s->map = modbus_mapping_new(DC_MAX_CHANNELS, 0, 0, FW_MB_IR_COUNT);
	if (!s->ctx || !s->map) {
		snprintf(err, errlen, "modbus_tcp: %s", modbus_strerror(errno));
		goto fail;
	}
	/* A client that sends half a frame must not hold the loop for long. */
	modbus_set_byte_timeout(s->ctx, 0, 100000);
	modbus_set_indication_timeout(s->ctx, 0, 100000);
	s->listen_fd = modbus_tcp_listen(s->ctx, (int)s->max_clients);
	if (s->listen_fd < 0) {
		snprintf(err, errlen, "modbus_tcp: %s:%d: %s", cfg->modbus_tcp.listen,
			 cfg->modbus_tcp.port, modbus_strerror(errno));
		goto fail;
	}
	return s;
fail:
	if (s->map)
		modbus_mapping_free(s->map);
	if (s->ctx)
		modbus_free(s->ctx);
	free(s);
	return NULL;
}

size_t fw_mbserver_pollfds(const struct fw_mbserver *s, struct pollfd *pfd, size_t max)
{
	size_t n = 0;
	if (!s || max == 0)
		return 0;
	pfd[n++] = (struct pollfd){ .fd = s->listen_fd, .events = POLLIN };
	for (size_t i = 0; i < s->max_clients && n < max; i++)
		if (s->clients[i] >= 0)
			pfd[n++] = (struct pollfd){ .fd = s->clients[i], .events = POLLIN };
	return n;
}

static void drop(struct fw_mbserver *s, int fd)
{
	for (size_t i = 0; i < s->max_clients; i++)
		if (s->clients[i] == fd)
			s->clients[i] = -1;
	close(fd);
}

static void accept_client(struct fw_mbserver *s)
{
	int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	for (size_t i = 0; i < s->max_clients; i++)
		if (s->clients[i] < 0) {
			s->clients[i] = fd;
			return;
		}
	close(fd);	/* full: the client retries later */
}

static void refresh(struct fw_mbserver *s)
{
	for (int ch = 1; ch <= DC_MAX_CHANNELS; ch++)
		s->map->tab_bits[ch - 1] = s->ops.get(s->ud, ch) ? 1 : 0;
	s->ops.inputs(s->ud, s->map->tab_input_registers);
}

/* Arbitrate a coil write before libmodbus replies; returns 0 or an exception. */
static int check_write(struct fw_mbserver *s, const uint8_t *req, int len, bool apply)
{
	int h = modbus_get_header_length(s->ctx);
	if (len < h + 5)
		return 0;	/* let libmodbus answer the malformed frame */
	int fn = req[h];
	int addr = req[h + 1] << 8 | req[h + 2];
	if (fn == MODBUS_FC_WRITE_SINGLE_COIL) {
		int v = req[h + 3] << 8 | req[h + 4];
		if (v != 0xFF00 && v != 0x0000)
			return 0;	/* libmodbus replies ILLEGAL_DATA_VALUE */
		if (addr >= DC_MAX_CHANNELS)
			return 0;	/* libmodbus replies ILLEGAL_DATA_ADDRESS */
		return s->ops.write(s->ud, addr + 1, v == 0xFF00, !apply);
	}
	if (fn == MODBUS_FC_WRITE_MULTIPLE_COILS) {
		int cnt = req[h + 3] << 8 | req[h + 4];
		if (len < h + 6 || cnt < 1 || addr + cnt > DC_MAX_CHANNELS ||
		    len < h + 6 + (cnt + 7) / 8)
			return 0;
		for (int i = 0; i < cnt; i++) {
			bool on = req[h + 6 + i / 8] >> (i % 8) & 1;
			int rc = s->ops.write(s->ud, addr + i + 1, on, !apply);
			if (rc)
				return rc;
		}
	}
	return 0;
}

static void serve(struct fw_mbserver *s, int fd)
{
	uint8_t req[MODBUS_TCP_MAX_ADU_LENGTH];
	modbus_set_socket(s->ctx, fd);
	int len = modbus_receive(s->ctx, req);
	if (len < 0) {
		drop(s, fd);
		return;
	}
	if (len == 0)
		return;
	refresh(s);
	/* Check every coil first so a multi-coil write is all or nothing. */
	int ex = check_write(s, req, len, false);
	if (ex) {
		modbus_reply_exception(s->ctx, req, (unsigned)ex);
		return;
	}
	check_write(s, req, len, true);
	refresh(s);
	if (modbus_reply(s->ctx, req, len, s->map) < 0)
		drop(s, fd);
}

void fw_mbserver_handle(struct fw_mbserver *s, const struct pollfd *pfd, size_t n)
{
	if (!s)
		return;
	for (size_t i = 1; i < n; i++)
		if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
			serve(s, pfd[i].fd);
	if (n > 0 && (pfd[0].revents & POLLIN))
		accept_client(s);
}

void fw_mbserver_close(struct fw_mbserver *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->max_clients; i++)
		if (s->clients[i] >= 0)
			close(s->clients[i]);
	close(s->listen_fd);
	modbus_mapping_free(s->map);
	modbus_free(s->ctx);
	free(s);
}
