/* meter.c — Modbus RTU meter worker (see meter.h for why a thread). */
#include "meter.h"

#include <errno.h>
#include <modbus.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

struct fw_meter {
	struct fw_meter_cfg cfg;
	modbus_t *ctx;
	int efd;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop, now_req;	/* now_req: fw_meter_read_now() asked for a reading */
	struct fw_meter_reading latest;
	int64_t (*now)(const void *ud);
	const void *ud;
};

int fw_meter_decode(const struct fw_meter_reg *reg, const uint16_t *regs, size_t n, double *out)
{
	return dc_reg_decode(regs, n, reg->type, reg->order, reg->scale, out);
}

int fw_meter_read_once(void *modbus_ctx, const struct fw_meter_cfg *cfg,
		       struct fw_meter_reading *out)
{
	modbus_t *ctx = modbus_ctx;
	memset(out, 0, sizeof *out);
	out->ok = true;
	out->n = cfg->nregs;
	for (size_t i = 0; i < cfg->nregs; i++) {
		const struct fw_meter_reg *reg = &cfg->regs[i];
		uint16_t regs[2];
		int cnt = dc_reg_count(reg->type);
		snprintf(out->v[i].name, sizeof out->v[i].name, "%s", reg->name);
		int rc = reg->fn == 4 ? modbus_read_input_registers(ctx, reg->addr, cnt, regs)
				      : modbus_read_registers(ctx, reg->addr, cnt, regs);
		if (rc != cnt) {
			out->ok = false;
			snprintf(out->error, sizeof out->error, "%.23s @%d: %.120s", reg->name, reg->addr,
				 rc < 0 ? modbus_strerror(errno) : "short reply");
			continue;
		}
		if (fw_meter_decode(reg, regs, (size_t)cnt, &out->v[i].value)) {
			out->ok = false;
			snprintf(out->error, sizeof out->error, "%s @%d: not a number", reg->name,
				 reg->addr);
			continue;
		}
		out->v[i].ok = true;
	}
	return out->ok ? 0 : -1;
}

static void *worker(void *arg)
{
	struct fw_meter *m = arg;
	struct fw_meter_reading rd;
	bool connected = false;

	pthread_mutex_lock(&m->mu);
	while (!m->stop) {
		m->now_req = false;
		pthread_mutex_unlock(&m->mu);
		if (!connected && modbus_connect(m->ctx) == 0)
			connected = true;
		if (connected) {
			/* A reply that came after its timeout is still in the line's
			 * buffer: flushed, or every later request would read the
			 * previous one's answer (a meter slow once, or not yet up
			 * when the box started, would stay unreadable). */
			if (fw_meter_read_once(m->ctx, &m->cfg, &rd) < 0)
				modbus_flush(m->ctx);
		} else {
			memset(&rd, 0, sizeof rd);
			snprintf(rd.error, sizeof rd.error, "%.100s: %.80s", m->cfg.device,
				 modbus_strerror(errno));
		}
		rd.t = m->now(m->ud);
		pthread_mutex_lock(&m->mu);
		m->latest = rd;
		pthread_mutex_unlock(&m->mu);
		uint64_t one = 1;
		if (write(m->efd, &one, sizeof one) < 0) {
			/* counter saturated: the loop is behind, nothing to do */
		}
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += m->cfg.period_s;
		pthread_mutex_lock(&m->mu);
		while (!m->stop && !m->now_req &&
		       pthread_cond_timedwait(&m->cv, &m->mu, &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&m->mu);
	if (connected)
		modbus_close(m->ctx);
	return NULL;
}

struct fw_meter *fw_meter_start(const struct fw_meter_cfg *cfg,
				int64_t (*now)(const void *ud), const void *ud,
				char *err, size_t errlen)
{
	struct fw_meter *m = calloc(1, sizeof *m);
	pthread_condattr_t ca;
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->cfg = *cfg;
	m->now = now;
	m->ud = ud;
	m->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	m->ctx = modbus_new_rtu(cfg->device, cfg->baud, cfg->parity, cfg->data_bits,
				cfg->stop_bits);
	if (m->efd < 0 || !m->ctx || modbus_set_slave(m->ctx, cfg->slave)) {
		snprintf(err, errlen, "meter: %s", modbus_strerror(errno));
		goto fail;
	}
	modbus_set_response_timeout(m->ctx, (uint32_t)cfg->timeout_ms / 1000,
				    (uint32_t)(cfg->timeout_ms % 1000) * 1000);
	pthread_mutex_init(&m->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&m->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&m->thread, NULL, worker, m)) {
		snprintf(err, errlen, "meter: cannot start thread");
		pthread_cond_destroy(&m->cv);
		pthread_mutex_destroy(&m->mu);
		goto fail;
	}
	return m;
fail:
	if (m->ctx)
		modbus_free(m->ctx);
	if (m->efd >= 0)
		close(m->efd);
	free(m);
	return NULL;
}

int fw_meter_fd(const struct fw_meter *m)
{
	return m ? m->efd : -1;
}

void fw_meter_take(struct fw_meter *m, struct fw_meter_reading *out)
{
	uint64_t v;
	if (read(m->efd, &v, sizeof v) < 0) {
		/* EAGAIN: nothing new, copy the latest anyway */
	}
	pthread_mutex_lock(&m->mu);
	*out = m->latest;
	pthread_mutex_unlock(&m->mu);
}

void fw_meter_read_now(struct fw_meter *m)
{
	pthread_mutex_lock(&m->mu);
	m->now_req = true;
	pthread_cond_signal(&m->cv);
	pthread_mutex_unlock(&m->mu);
}

void fw_meter_stop(struct fw_meter *m)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->mu);
	m->stop = true;
	pthread_cond_signal(&m->cv);
	pthread_mutex_unlock(&m->mu);
	pthread_join(m->thread, NULL);
	pthread_cond_destroy(&m->cv);
	pthread_mutex_destroy(&m->mu);
	modbus_free(m->ctx);
	close(m->efd);
	free(m);
}
