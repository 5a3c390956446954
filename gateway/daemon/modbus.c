/* modbus.c — Modbus RTU and TCP devices on worker threads.
 *
 * The event loop never waits for a device.  Each RS-485 bus gets one worker
 * (a bus carries one transaction at a time anyway); TCP devices are spread
 * over a small pool.  A worker owns its libmodbus contexts, executes queued
 * writes first, polls each device every poll_ms (read-back of the coils, meter
 * values), and hands results back through a queue + eventfd that the loop
 * drains (gw_modbus_drain) into the same reports MQTT drivers produce.
 *
 * A worker reads nothing of the daemon's state: each device carries its own
 * copy of its box's settings and profiles, so a reload can replace the
 * configuration with no lock; the workers are joined before the swap.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <modbus.h>

#include "gw.h"
#include "gwlog.h"
#include "loop.h"
#include "mbtcp.h"
#include "profile.h"

#define TCP_POOL 4
#define MAX_WORKERS (GW_MAX_BUSES + TCP_POOL)

struct job {
	int box, channel, on;
};

struct result {
	int box;
	struct dc_drv_event ev;
};

/* What a worker reads of a box's configuration: its own copy. */
struct device_cfg {
	char id[DC_ID_MAX];
	int unit, meter_unit, channels, poll_ms;
};

struct device {
	int box;
	struct device_cfg cfg;
	modbus_t *ctx;
	bool connected;
	struct gw_profile relay, meter;
	bool has_meter;
	int64_t next_poll;	/* monotonic ms */
	int failures;
	uint16_t tid;		/* TCP: the last transaction id we sent */
	bool announced;		/* first successful transaction reported online */
	bool tcp;
};

struct worker {
	pthread_t thread;
	bool running;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *jobs;
	size_t njobs, capjobs;
	struct device *devs;
	size_t ndevs;
	int bus;		/* RTU bus index, -1 for a TCP pool worker */
	char name[DC_ID_MAX];	/* bus id, or "tcp-<k>" for a TCP pool worker */
	/* The poll cycle in progress (devices polled back to back), for the
	 * debug line that tells an operator whether poll_ms is within reach. */
	int64_t cycle_start_us;
	size_t cycle_polls;
};

static struct worker workers[MAX_WORKERS];
static size_t nworkers;
static bool stopping;
static int *box_worker;		/* box -> worker index, -1 for MQTT boxes */

/* Results travel to the loop under this lock. */
static pthread_mutex_t res_mu = PTHREAD_MUTEX_INITIALIZER;
static struct result *results;
static size_t nresults, capresults;
static int evfd = -1;

static void post(int box, struct dc_drv_event ev)
{
	pthread_mutex_lock(&res_mu);
	if (nresults == capresults) {
		size_t cap = capresults ? capresults * 2 : 64;
		struct result *p = realloc(results, cap * sizeof *p);
		if (p) {
			results = p;
			capresults = cap;
		}
	}
	if (nresults < capresults)
		results[nresults++] = (struct result){ box, ev };
	pthread_mutex_unlock(&res_mu);
	uint64_t one = 1;
	if (write(evfd, &one, sizeof one) < 0) {
		/* the counter saturating still wakes the loop */
	}
}

static int64_t mono_ms(void)
{
	return dc_mono_ms();
}

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- one device ---- */

/* A failed transaction: logged, the reply ignored (timeouts, exception
 * replies, CRC errors, frames of the wrong length).  Link trouble drops the
 * TCP connection (reconnected at the next poll) or flushes the RTU line. */
static void failed(struct device *d, const char *what, const char *box_id)
{
	int e = errno;	/* logging may change errno */
	log_warn("modbus", "transaction failed box=%s op=%s error=\"%s\"", box_id, what,
		 modbus_strerror(e));
	if (e != EMBXILFUN && e != EMBXILADD && e != EMBXILVAL && e != EMBXSFAIL && e != EMBXSBUSY) {
		modbus_flush(d->ctx);
		if (d->tcp && d->connected) {
			modbus_close(d->ctx);
			d->connected = false;
		}
	}
	errno = e;
}

/* The relay module's own transactions say whether the box is online: one
 * lost frame is noise, two in a row an outage.  A meter's failures do not:
 * the relays still switch and confirm without it. */
static void set_online(struct device *d, bool ok)
{
	if (ok) {
		if (d->failures >= 2 || !d->announced)
			post(d->box, (struct dc_drv_event){ .kind = DC_EV_ONLINE, .online = 1 });
		d->failures = 0;
		d->announced = true;
		return;
	}
	if (++d->failures == 2 || !d->announced) {
		d->announced = true;
		d->failures = d->failures < 2 ? 2 : d->failures;
		post(d->box, (struct dc_drv_event){ .kind = DC_EV_ONLINE, .online = 0 });
	}
}

/* One TCP transaction framed here (gateway/drivers/mbtcp.h says why): the reply must
 * answer this very request, unit id included.  Returns the number of values
 * or -1 with errno for failed(): an exception's libmodbus code, EMBBADDATA
 * for a reply to something else (logged with what differs). */
static int tcp_transact(struct device *d, int unit, int fc, int addr, int arg, uint16_t *vals)
{
	uint8_t req[DC_MBTCP_REQ_LEN], rsp[MODBUS_TCP_MAX_ADU_LENGTH];
	char why[96];
	int exc, n;
	dc_mbtcp_request(req, ++d->tid, (uint8_t)unit, (uint8_t)fc, (uint16_t)addr, (uint16_t)arg);
	if (send(modbus_get_socket(d->ctx), req, sizeof req, MSG_NOSIGNAL) != (ssize_t)sizeof req)
		return -1;
	if ((n = modbus_receive_confirmation(d->ctx, rsp)) < 0)
		return -1;
	if ((n = dc_mbtcp_reply(req, rsp, (size_t)n, vals, &exc, why, sizeof why)) >= 0)
		return n;
	if (exc) {
		errno = MODBUS_ENOBASE + exc;
		return -1;
	}
	log_warn("modbus", "reply refused box=%s unit=%d error=\"%s\"", d->cfg.id, unit, why);
	errno = EMBBADDATA;
	return -1;
}

/* Read n coils (or discrete inputs) of `unit`: n, or -1 with errno. */
static int read_bits(struct device *d, int unit, bool inputs, int addr, int n, uint8_t *bits)
{
	if (d->tcp) {
		uint16_t v[DC_MBTCP_MAX_BITS];
		int got = tcp_transact(d, unit, inputs ? MODBUS_FC_READ_DISCRETE_INPUTS
						      : MODBUS_FC_READ_COILS, addr, n, v);
		for (int i = 0; i < got; i++)
			bits[i] = (uint8_t)v[i];
		return got;
	}
	modbus_set_slave(d->ctx, unit);
	return inputs ? modbus_read_input_bits(d->ctx, addr, n, bits)
		      : modbus_read_bits(d->ctx, addr, n, bits);
}

static int read_regs(struct device *d, int unit, bool inputs, int addr, int n, uint16_t *regs)
{
	if (d->tcp) {
		uint16_t v[DC_MBTCP_MAX_BITS];
		int got = tcp_transact(d, unit, inputs ? MODBUS_FC_READ_INPUT_REGISTERS
						      : MODBUS_FC_READ_HOLDING_REGISTERS, addr, n, v);
		for (int i = 0; i < got; i++)
			regs[i] = v[i];
		return got;
	}
	modbus_set_slave(d->ctx, unit);
	return inputs ? modbus_read_input_registers(d->ctx, addr, n, regs)
		      : modbus_read_registers(d->ctx, addr, n, regs);
}

static int write_bit(struct device *d, int unit, int addr, int on)
{
	if (d->tcp) {
		uint16_t v[1];
		return tcp_transact(d, unit, MODBUS_FC_WRITE_SINGLE_COIL, addr, on ? 0xFF00 : 0, v);
	}
	modbus_set_slave(d->ctx, unit);
	return modbus_write_bit(d->ctx, addr, on);
}

static bool ensure_connected(struct worker *w, struct device *d)
{
	const struct device_cfg *bx = &d->cfg;
	if (d->connected)
		return true;
	if (w->bus >= 0) {
		/* The RTU context is the bus's, shared by its devices. */
		d->connected = true;
		return true;
	}
	if (modbus_connect(d->ctx) < 0) {
		failed(d, "connect", bx->id);
		set_online(d, false);
		return false;
	}
	d->connected = true;
	return true;
}

static void readback(struct device *d)
{
	const struct device_cfg *bx = &d->cfg;
	uint8_t bits[DC_MAX_CHANNELS];
	int n;
	if (d->relay.readback == GW_READBACK_NONE)
		return;
	n = read_bits(d, bx->unit, d->relay.readback != GW_READBACK_COILS, d->relay.readback_base,
		      bx->channels, bits);
	if (n != bx->channels) {
		failed(d, "read-back", bx->id);
		set_online(d, false);
		return;
	}
	/* States before "online": the loop then knows them when it decides. */
	for (int ch = 1; ch <= bx->channels; ch++)
		post(d->box, (struct dc_drv_event){ .kind = DC_EV_STATE, .channel = ch,
						   .on = bits[ch - 1] ? 1 : 0 });
	set_online(d, true);
}

static void read_value(struct device *d, const struct gw_register *r,
		       enum dc_drv_event_kind kind)
{
	const struct device_cfg *bx = &d->cfg;
	uint16_t regs[2];
	int cnt = dc_reg_count(r->type), n;
	double v;
	if (!r->present)
		return;
	n = read_regs(d, bx->meter_unit, d->meter.input_registers, r->address, cnt, regs);
	if (n != cnt) {
		failed(d, "meter", bx->id);
		return;
	}
	if (dc_reg_decode(regs, (size_t)n, r->type, r->order, r->scale, &v) < 0 || v < 0 ||
	    v > 1e12) {
		log_warn("modbus", "meter value rejected box=%s address=%d raw=0x%04x%04x", bx->id,
			 r->address, regs[0], cnt > 1 ? regs[1] : 0);
		return;
	}
	post(d->box, (struct dc_drv_event){ .kind = kind, .value = v });
}

static void poll_device(struct worker *w, struct device *d)
{
	/* A TCP link dropped by a failure stays down until the next poll: the
	 * rest of this one would only fail on a closed socket. */
	if (!ensure_connected(w, d))
		return;
	readback(d);
	if (d->has_meter && d->connected)
		read_value(d, &d->meter.power, DC_EV_POWER);
	if (d->has_meter && d->connected)
		read_value(d, &d->meter.energy, DC_EV_ENERGY);
}

static void write_coil(struct worker *w, struct device *d, const struct job *j)
{
	const struct device_cfg *bx = &d->cfg;
	if (!ensure_connected(w, d))
		return;
	if (write_bit(d, bx->unit, d->relay.coil_base + j->channel - 1, j->on) < 0) {
		failed(d, "write", bx->id);
		set_online(d, false);
		return;
	}
	set_online(d, true);
	if (d->relay.readback == GW_READBACK_NONE)
		/* No way to read back: the acknowledged write is the confirmation. */
		post(d->box, (struct dc_drv_event){ .kind = DC_EV_STATE, .channel = j->channel,
						   .on = j->on });
	else
		readback(d);
}

/* ---- the worker thread ---- */

static struct device *dev_of(struct worker *w, int box)
{
	for (size_t i = 0; i < w->ndevs; i++)
		if (w->devs[i].box == box)
			return &w->devs[i];
	return NULL;
}

static void cycle_end(struct worker *w)
{
	log_debug("modbus", "poll cycle bus=%s devices=%zu ms=%.1f", w->name, w->cycle_polls,
		  (double)(mono_us() - w->cycle_start_us) / 1000.0);
	w->cycle_polls = 0;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	pthread_mutex_lock(&w->mu);
	while (!stopping) {
		if (w->njobs) {
			struct job j = w->jobs[0];
			memmove(w->jobs, w->jobs + 1, --w->njobs * sizeof *w->jobs);
			pthread_mutex_unlock(&w->mu);
			struct device *d = dev_of(w, j.box);
			if (d)
				write_coil(w, d, &j);
			pthread_mutex_lock(&w->mu);
			continue;
		}
		int64_t now = mono_ms(), next = now + 60000;
		struct device *due = NULL;
		/* Earliest deadline first: on a bus too slow for its poll_ms,
		 * every device still gets its turn. */
		for (size_t i = 0; i < w->ndevs; i++) {
			struct device *d = &w->devs[i];
			if (d->next_poll <= now && (!due || d->next_poll < due->next_poll))
				due = d;
			if (d->next_poll < next)
				next = d->next_poll;
		}
		if (due) {
			/* The next deadline counts from this one, not from now: the
			 * devices of a worker stay in one cycle that does not drift
			 * by its own length.  A device a whole period late starts
			 * afresh. */
			int poll_ms = due->cfg.poll_ms;
			due->next_poll += poll_ms;
			if (due->next_poll <= now)
				due->next_poll = now + poll_ms;
			if (!w->cycle_polls)
				w->cycle_start_us = mono_us();
			pthread_mutex_unlock(&w->mu);
			poll_device(w, due);
			pthread_mutex_lock(&w->mu);
			if (++w->cycle_polls == w->ndevs)
				cycle_end(w);
			continue;
		}
		if (w->cycle_polls)
			cycle_end(w);	/* devices with different poll_ms */
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		int64_t wait = next - now;
		ts.tv_sec += wait / 1000;
		ts.tv_nsec += (wait % 1000) * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&w->cv, &w->mu, &ts);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* ---- the loop's side ---- */

static modbus_t *new_ctx(const struct gw *g, const struct gw_box *bx)
{
	modbus_t *ctx;
	char port[8];
	int ms = 1000;
	if (bx->driver == GW_DRV_MODBUS_TCP) {
		snprintf(port, sizeof port, "%d", bx->port);
		ctx = modbus_new_tcp_pi(bx->host, port);
	} else {
		const struct gw_bus *b = &g->cfg.buses[bx->bus];
		ctx = modbus_new_rtu(b->device, b->baud, b->parity, b->data_bits, b->stop_bits);
		ms = b->timeout_ms;
	}
	if (ctx)
		modbus_set_response_timeout(ctx, (uint32_t)(ms / 1000), (uint32_t)(ms % 1000) * 1000);
	return ctx;
}

/* The workers' eventfd: results to apply on the loop. */
static void on_results(struct dc_loop *l, int fd, unsigned events, void *ud)
{
	(void)l, (void)fd, (void)events;
	gw_modbus_drain(ud);
}

int gw_modbus_start(struct gw *g, const struct gw_box_profiles *profiles, char *err,
		    size_t errlen)
{
	modbus_t *bus_ctx[GW_MAX_BUSES] = { 0 };
	size_t ntcp = 0;
	int64_t t0 = mono_ms();	/* every device's first deadline: one cycle */

	stopping = false;
	nworkers = 0;
	free(box_worker);
	box_worker = malloc((g->cfg.nboxes + 1) * sizeof *box_worker);
	if (!box_worker)
		return -1;
	if (evfd < 0) {
		evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		dc_loop_add_fd(g->loop, evfd, DC_READABLE, on_results, g);
	}
	for (size_t i = 0; i < g->cfg.nbuses; i++) {
		struct worker *w = &workers[nworkers++];
		memset(w, 0, sizeof *w);
		w->bus = (int)i;
		snprintf(w->name, sizeof w->name, "%s", g->cfg.buses[i].id);
	}
	size_t first_tcp = nworkers;
	for (size_t b = 0; b < g->cfg.nboxes; b++) {
		const struct gw_box *bx = &g->cfg.boxes[b];
		struct worker *w;
		box_worker[b] = -1;
		if (bx->driver == GW_DRV_MODBUS_RTU) {
			box_worker[b] = bx->bus;
		} else if (bx->driver == GW_DRV_MODBUS_TCP) {
			size_t k = first_tcp + ntcp++ % TCP_POOL;
			if (k >= nworkers) {
				memset(&workers[k], 0, sizeof workers[k]);
				workers[k].bus = -1;
				snprintf(workers[k].name, sizeof workers[k].name, "tcp-%zu",
					 k - first_tcp);
				nworkers = k + 1;
			}
			box_worker[b] = (int)k;
		} else {
			continue;
		}
		w = &workers[box_worker[b]];
		/* Profiles checked by gw_profiles_of_config, with the files. */
		struct device d = { .box = (int)b, .tcp = bx->driver == GW_DRV_MODBUS_TCP,
				    .next_poll = t0, .relay = profiles[b].relay,
				    .meter = profiles[b].meter, .has_meter = profiles[b].has_meter,
				    .cfg = { .unit = bx->unit, .meter_unit = bx->meter_unit,
					     .channels = bx->channels, .poll_ms = bx->poll_ms } };
		snprintf(d.cfg.id, sizeof d.cfg.id, "%s", bx->id);
		if (bx->driver == GW_DRV_MODBUS_RTU) {
			if (!bus_ctx[bx->bus] && !(bus_ctx[bx->bus] = new_ctx(g, bx)))
				goto nomem;
			d.ctx = bus_ctx[bx->bus];
			if (w->ndevs == 0 && modbus_connect(d.ctx) < 0)
				log_warn("modbus", "cannot open bus device=%s error=\"%s\"",
					 g->cfg.buses[bx->bus].device, modbus_strerror(errno));
		} else if (!(d.ctx = new_ctx(g, bx))) {
			goto nomem;
		}
		struct device *p = realloc(w->devs, (w->ndevs + 1) * sizeof *p);
		if (!p)
			goto nomem;
		w->devs = p;
		w->devs[w->ndevs++] = d;
	}
	/* The workers share the process's one malloc arena (main.c). */
	for (size_t i = 0; i < nworkers; i++) {
		struct worker *w = &workers[i];
		if (!w->ndevs)
			continue;
		pthread_condattr_t ca;
		pthread_mutex_init(&w->mu, NULL);
		/* worker_main's deadlines are CLOCK_MONOTONIC: so must the wait's
		 * be, or it returns at once and the worker spins between polls. */
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&w->cv, &ca);
		pthread_condattr_destroy(&ca);
		if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
			snprintf(err, errlen, "cannot start a Modbus worker");
			goto fail;
		}
		w->running = true;
	}
	return 0;
nomem:
	snprintf(err, errlen, "cannot create Modbus context: %s", strerror(errno));
fail:
	gw_modbus_stop(g);
	return -1;
}

void gw_modbus_stop(struct gw *g)
{
	(void)g;
	stopping = true;
	for (size_t i = 0; i < nworkers; i++) {
		struct worker *w = &workers[i];
		if (w->running) {
			pthread_mutex_lock(&w->mu);
			pthread_cond_signal(&w->cv);
			pthread_mutex_unlock(&w->mu);
			pthread_join(w->thread, NULL);
			pthread_mutex_destroy(&w->mu);
			pthread_cond_destroy(&w->cv);
			w->running = false;
		}
		modbus_t *shared = w->bus >= 0 && w->ndevs ? w->devs[0].ctx : NULL;
		for (size_t k = 0; k < w->ndevs; k++) {
			if (w->devs[k].ctx == shared && k > 0)
				continue;
			modbus_close(w->devs[k].ctx);
			modbus_free(w->devs[k].ctx);
		}
		free(w->devs);
		free(w->jobs);
		memset(w, 0, sizeof *w);
	}
	nworkers = 0;
	free(box_worker);
	box_worker = NULL;
	/* Results of the old workers are dropped: the new ones poll again. */
	pthread_mutex_lock(&res_mu);
	nresults = 0;
	pthread_mutex_unlock(&res_mu);
}

int gw_modbus_write(struct gw *g, struct gw_chan *c, int on)
{
	if (!box_worker || box_worker[c->box] < 0)
		return -1;
	struct worker *w = &workers[box_worker[c->box]];
	int rc = 0;
	(void)g;
	pthread_mutex_lock(&w->mu);
	/* A newer command for the same channel replaces a queued one. */
	size_t i;
	for (i = 0; i < w->njobs; i++)
		if (w->jobs[i].box == c->box && w->jobs[i].channel == c->channel)
			break;
	if (i == w->njobs) {
		if (w->njobs == w->capjobs) {
			size_t cap = w->capjobs ? w->capjobs * 2 : 16;
			struct job *p = realloc(w->jobs, cap * sizeof *p);
			if (!p)
				rc = -1;
			else {
				w->jobs = p;
				w->capjobs = cap;
			}
		}
		if (rc == 0)
			w->njobs++;
	}
	if (rc == 0)
		w->jobs[i] = (struct job){ c->box, c->channel, on };
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return rc;
}

void gw_modbus_drain(struct gw *g)
{
	uint64_t n;
	struct result *batch;
	size_t count;
	if (read(evfd, &n, sizeof n) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&res_mu);
	batch = results;
	count = nresults;
	results = NULL;
	nresults = capresults = 0;
	pthread_mutex_unlock(&res_mu);
	for (size_t i = 0; i < count; i++) {
		if (batch[i].box >= (int)g->cfg.nboxes)
			continue;
		gw_box_seen(g, batch[i].box, -1);
		gw_chan_report(g, batch[i].box, &batch[i].ev);
	}
	free(batch);
}

void gw_modbus_free(void)
{
	if (evfd >= 0)
		close(evfd);
	evfd = -1;
	free(results);
	results = NULL;
}
