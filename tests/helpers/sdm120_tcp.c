/* sdm120_tcp.c — an Eastron SDM120 meter (and the relay module beside it)
 * served by libmodbus over Modbus TCP on loopback, for the gateway's tests:
 * a server implementation independent of pymodbus (tests/integration/
 * modbus_sim.py) and of the gateway's register codec (lib/regdecode): floats
 * are laid out here by hand, not with libmodbus's modbus_set_float_abcd,
 * whose byte order differs between libmodbus versions (libmodbus issues
 * #611, #665).
 *
 *   sdm120_tcp [--port N] [--power W] [--energy KWH] [--relay-unit U]
 *              [--meter-unit U] [--lifetime S]
 *
 * Unit `relay-unit` (1): 8 coils, all on (a generic-coil-relay module).
 * Unit `meter-unit` (2): input registers 0x000C active power (W) and 0x0048
 * import energy (kWh), IEEE 754 float32, high word first (SDM120's order).
 * Other units get no answer, as behind a Modbus TCP gateway whose RS-485
 * device is missing.  Prints "listening on 127.0.0.1:PORT" once ready
 * (port 0 = any free port), then reads commands on stdin, one per line, each
 * answered "ok" (or "error ...") on stdout once applied:
 *   power W | energy KWH      new readings (any strtod value: "nan" too)
 *   fault exception           meter reads answered with exception 04
 *   fault count               meter reads answered with one register too few
 *   fault none                meter reads answered normally again
 * Exits at end of stdin, on SIGTERM/SIGINT, or after --lifetime seconds
 * (default 600) so a forgotten helper never outlives its test run.
 */
#include <errno.h>
#include <getopt.h>
#include <modbus.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLIENTS 8
#define NCOILS 8
#define NREGS 0x60
#define REG_POWER 0x0C
#define REG_ENERGY 0x48

enum fault { FAULT_NONE, FAULT_EXCEPTION, FAULT_COUNT };

struct server {
	modbus_t *ctx;
	modbus_mapping_t *relay, *meter;
	int relay_unit, meter_unit;
	enum fault fault;
	int clients[MAX_CLIENTS];
};

/* IEEE 754 single precision, high word first (Eastron's order). */
static void set_reading(struct server *s, int addr, double v)
{
	float f = (float)v;
	uint32_t u;
	memcpy(&u, &f, sizeof u);
	s->meter->tab_input_registers[addr] = (uint16_t)(u >> 16);
	s->meter->tab_input_registers[addr + 1] = (uint16_t)u;
}

/* A reply to a register read that carries one register less than asked:
 * a well-formed frame whose length does not match the request. */
static void reply_short(int fd, const uint8_t *req, int h)
{
	uint8_t rsp[11] = { req[0], req[1], 0, 0, 0, 5, req[h - 1], req[h], 2, 0x12, 0x34 };
	if (send(fd, rsp, sizeof rsp, MSG_NOSIGNAL) < 0) {
		/* the client went away: its next read finds the socket closed */
	}
}

static void drop(struct server *s, int i)
{
	close(s->clients[i]);
	s->clients[i] = -1;
}

static void serve(struct server *s, int i)
{
	uint8_t req[MODBUS_TCP_MAX_ADU_LENGTH];
	int h = modbus_get_header_length(s->ctx);
	modbus_set_socket(s->ctx, s->clients[i]);
	int len = modbus_receive(s->ctx, req);
	if (len < 0) {
		drop(s, i);
		return;
	}
	if (len <= h)
		return;
	int unit = req[h - 1];
	if (unit == s->relay_unit) {
		modbus_reply(s->ctx, req, len, s->relay);
	} else if (unit == s->meter_unit) {
		if (s->fault == FAULT_EXCEPTION)
			modbus_reply_exception(s->ctx, req, MODBUS_EXCEPTION_SLAVE_OR_SERVER_FAILURE);
		else if (s->fault == FAULT_COUNT &&
			 (req[h] == MODBUS_FC_READ_INPUT_REGISTERS ||
			  req[h] == MODBUS_FC_READ_HOLDING_REGISTERS))
			reply_short(s->clients[i], req, h);
		else
			modbus_reply(s->ctx, req, len, s->meter);
	}
}

static void command(struct server *s, char *line)
{
	char verb[16], arg[32];
	if (sscanf(line, "%15s %31s", verb, arg) != 2) {
		printf("error expected \"VERB ARG\": %s\n", line);
	} else if (!strcmp(verb, "power") || !strcmp(verb, "energy")) {
		char *end;
		double v = strtod(arg, &end);
		if (*end) {
			printf("error not a number: %s\n", arg);
		} else {
			set_reading(s, verb[0] == 'p' ? REG_POWER : REG_ENERGY, v);
			printf("ok\n");
		}
	} else if (!strcmp(verb, "fault")) {
		if (!strcmp(arg, "none"))
			s->fault = FAULT_NONE;
		else if (!strcmp(arg, "exception"))
			s->fault = FAULT_EXCEPTION;
		else if (!strcmp(arg, "count"))
			s->fault = FAULT_COUNT;
		else {
			printf("error unknown fault: %s\n", arg);
			fflush(stdout);
			return;
		}
		printf("ok\n");
	} else {
		printf("error unknown command: %s\n", verb);
	}
	fflush(stdout);
}

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "power", required_argument, NULL, 'w' },
		{ "energy", required_argument, NULL, 'e' },
		{ "relay-unit", required_argument, NULL, 'r' },
		{ "meter-unit", required_argument, NULL, 'm' },
		{ "lifetime", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 }
	};
	struct server s = { .relay_unit = 1, .meter_unit = 2 };
	double power = 0, energy = 0, lifetime = 600;
	int port = 0, c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': port = atoi(optarg); break;
		case 'w': power = strtod(optarg, NULL); break;
		case 'e': energy = strtod(optarg, NULL); break;
		case 'r': s.relay_unit = atoi(optarg); break;
		case 'm': s.meter_unit = atoi(optarg); break;
		case 'l': lifetime = strtod(optarg, NULL); break;
		default:
			fprintf(stderr, "usage: sdm120_tcp [--port N] [--power W] [--energy KWH] "
					"[--relay-unit U] [--meter-unit U] [--lifetime S]\n");
			return 2;
		}
	}

	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC);

	s.ctx = modbus_new_tcp("127.0.0.1", port);
	s.relay = modbus_mapping_new(NCOILS, 0, 0, 0);
	s.meter = modbus_mapping_new(0, 0, 0, NREGS);
	if (!s.ctx || !s.relay || !s.meter || sfd < 0) {
		fprintf(stderr, "sdm120_tcp: %s\n", modbus_strerror(errno));
		return 1;
	}
	memset(s.relay->tab_bits, 1, NCOILS);
	set_reading(&s, REG_POWER, power);
	set_reading(&s, REG_ENERGY, energy);
	/* Half a frame must not hold the loop (and the stdin commands) for long. */
	modbus_set_indication_timeout(s.ctx, 0, 200000);
	modbus_set_byte_timeout(s.ctx, 0, 200000);
	int lfd = modbus_tcp_listen(s.ctx, MAX_CLIENTS);
	struct sockaddr_in a;
	socklen_t alen = sizeof a;
	if (lfd < 0 || getsockname(lfd, (struct sockaddr *)&a, &alen) < 0) {
		fprintf(stderr, "sdm120_tcp: 127.0.0.1:%d: %s\n", port, modbus_strerror(errno));
		return 1;
	}
	for (int i = 0; i < MAX_CLIENTS; i++)
		s.clients[i] = -1;
	printf("listening on 127.0.0.1:%d\n", ntohs(a.sin_port));
	fflush(stdout);

	double end = mono_s() + lifetime;
	char buf[256];
	size_t have = 0;
	for (;;) {
		struct pollfd pfd[3 + MAX_CLIENTS];
		int idx[3 + MAX_CLIENTS];
		nfds_t n = 0;
		pfd[n++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		for (int i = 0; i < MAX_CLIENTS; i++)
			if (s.clients[i] >= 0) {
				idx[n] = i;
				pfd[n++] = (struct pollfd){ .fd = s.clients[i], .events = POLLIN };
			}
		double left = end - mono_s();
		if (left <= 0)
			break;
		if (poll(pfd, n, left > 1 ? 1000 : (int)(left * 1000) + 1) < 0 && errno != EINTR)
			break;
		if (pfd[1].revents)
			break;
		if (pfd[0].revents) {
			/* read(2), not stdio: poll must see every line still to come. */
			ssize_t r = read(STDIN_FILENO, buf + have, sizeof buf - 1 - have);
			if (r <= 0)
				break;
			have += (size_t)r;
			buf[have] = 0;
			char *nl;
			while ((nl = strchr(buf, '\n'))) {
				*nl = 0;
				command(&s, buf);
				have -= (size_t)(nl + 1 - buf);
				memmove(buf, nl + 1, have + 1);
			}
			if (have == sizeof buf - 1)
				have = 0;	/* a line that long is no command */
		}
		if (pfd[2].revents & POLLIN) {
			int fd = accept(lfd, NULL, NULL);
			int i;
			for (i = 0; fd >= 0 && i < MAX_CLIENTS && s.clients[i] >= 0; i++)
				;
			if (fd >= 0 && i < MAX_CLIENTS)
				s.clients[i] = fd;
			else if (fd >= 0)
				close(fd);
		}
		for (nfds_t k = 3; k < n; k++)
			if (pfd[k].revents)
				serve(&s, idx[k]);
	}
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (s.clients[i] >= 0)
			close(s.clients[i]);
	close(lfd);
	modbus_free(s.ctx);
	modbus_mapping_free(s.relay);
	modbus_mapping_free(s.meter);
	return 0;
}
