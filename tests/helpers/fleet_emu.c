/* fleet_emu.c — a fleet of relay boxes in one process, for the gateway's
 * large-fleet tests and its benchmark (bench/bench_gateway): decran-relay
 * boxes reduced to the native protocol (docs/protocol.md) and Tasmota
 * devices, all behind ONE libmosquitto client so 100,000 channels cost one
 * connection.
 *
 *   fleet_emu --port N [--native NB] [--tasmota NT] [--channels C]
 *             [--prefix P] [--qos Q] [--off] [--log FILE]
 *
 * Native boxes are "<P>n-00000"...; Tasmota topics "<P>t-00000"...  Every
 * relay starts on (--off: off).  Each command a device executes is one log
 * line, in the order executed: "<seq> <box> <channel> on|off <cmd id or ->".
 * The state it then reports goes out in the same order, on one connection:
 * the broker delivers the confirmations in that order too.
 *
 * Prints "ready <channels>" once subscribed with every retained state
 * published and acknowledged.  Reads commands on stdin: "flush" (the log
 * written out; answers "ok"), "count" (answers "<executed> <channels off>").
 * Exits at the end of stdin or on SIGTERM.
 */
#include <getopt.h>
#include <mosquitto.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int nnative, ntasmota, nch = 8, qos = 1;
static const char *prefix = "";
static unsigned char *state;	/* [box][channel], natives first */
static FILE *cmdlog;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned long long seq;
static long noff;
static atomic_long acked, initial;
static atomic_bool subscribed;

static int nbox(void)
{
	return nnative + ntasmota;
}

static void box_name(int b, char *buf, size_t len)
{
	if (b < nnative)
		snprintf(buf, len, "%sn-%05d", prefix, b);
	else
		snprintf(buf, len, "%st-%05d", prefix, b - nnative);
}

static void report(struct mosquitto *m, int b, int ch, const char *cmd_id)
{
	char name[64], topic[128], p[256];
	int on = state[(size_t)b * (size_t)nch + (size_t)ch - 1];
	box_name(b, name, sizeof name);
	if (b < nnative) {
		snprintf(topic, sizeof topic, "decran/%s/state/%d", name, ch);
		int n = snprintf(p, sizeof p, "{\"v\":1,\"ch\":%d,\"on\":%s,\"src\":\"gateway\","
				 "\"id\":%s%s%s,\"t\":0}", ch, on ? "true" : "false",
				 cmd_id ? "\"" : "", cmd_id ? cmd_id : "null", cmd_id ? "\"" : "");
		mosquitto_publish(m, NULL, topic, n, p, qos, true);
		return;
	}
	/* What a Tasmota answers to cmnd/<t>/POWER<n>. */
	snprintf(topic, sizeof topic, "stat/%s/RESULT", name);
	int n = snprintf(p, sizeof p, "{\"POWER%d\":\"%s\"}", ch, on ? "ON" : "OFF");
	mosquitto_publish(m, NULL, topic, n, p, qos, false);
	snprintf(topic, sizeof topic, "stat/%s/POWER%d", name, ch);
	mosquitto_publish(m, NULL, topic, on ? 2 : 3, on ? "ON" : "OFF", qos, false);
}

static void tasmota_states(struct mosquitto *m, int b, const char *leaf)
{
	char name[64], topic[128], p[512];
	size_t o = 0;
	box_name(b, name, sizeof name);
	snprintf(topic, sizeof topic, "%s/%s/%s", strcmp(leaf, "STATE") ? "tele" : "stat", name,
		 strcmp(leaf, "STATE") ? "STATE" : "RESULT");
	o += (size_t)snprintf(p + o, sizeof p - o, "{");
	for (int ch = 1; ch <= nch; ch++)
		o += (size_t)snprintf(p + o, sizeof p - o, "%s\"POWER%d\":\"%s\"", ch > 1 ? "," : "",
				      ch, state[(size_t)b * (size_t)nch + (size_t)ch - 1] ? "ON" : "OFF");
	snprintf(p + o, sizeof p - o, "}");
	mosquitto_publish(m, NULL, topic, (int)strlen(p), p, qos, false);
}

static int find_box(const char *name, size_t len, bool native)
{
	char want[64];
	size_t pl = strlen(prefix);
	if (len <= pl + 2 || memcmp(name, prefix, pl) || name[pl] != (native ? 'n' : 't') ||
	    name[pl + 1] != '-' || len - pl - 2 >= sizeof want)
		return -1;
	memcpy(want, name + pl + 2, len - pl - 2);
	want[len - pl - 2] = '\0';
	char *end;
	long i = strtol(want, &end, 10);
	if (*end || i < 0 || i >= (native ? nnative : ntasmota))
		return -1;
	return native ? (int)i : nnative + (int)i;
}

static void execute(struct mosquitto *m, int b, int ch, int on, const char *cmd_id)
{
	char name[64];
	box_name(b, name, sizeof name);
	pthread_mutex_lock(&mu);
	unsigned char *s = &state[(size_t)b * (size_t)nch + (size_t)ch - 1];
	if (*s != on)
		noff += on ? -1 : 1;
	*s = (unsigned char)on;
	if (cmdlog)
		fprintf(cmdlog, "%llu %s %d %s %s\n", ++seq, name, ch, on ? "on" : "off",
			cmd_id ? cmd_id : "-");
	else
		++seq;
	pthread_mutex_unlock(&mu);
	report(m, b, ch, cmd_id);
}

static void on_message(struct mosquitto *m, void *ud, const struct mosquitto_message *msg)
{
	const char *t = msg->topic, *p = msg->payload ? msg->payload : "";
	(void)ud;
	if (!strncmp(t, "decran/", 7)) {
		const char *slash = strchr(t + 7, '/');
		int b, ch;
		char id[80] = "";
		if (!slash || (b = find_box(t + 7, (size_t)(slash - t - 7), true)) < 0 ||
		    sscanf(slash, "/cmd/%d", &ch) != 1 || ch < 1 || ch > nch)
			return;
		const char *i = strstr(p, "\"id\":\"");
		if (i)
			sscanf(i + 6, "%79[^\"]", id);
		execute(m, b, ch, strstr(p, "\"on\":true") != NULL, id[0] ? id : NULL);
	} else if (!strncmp(t, "cmnd/", 5)) {
		const char *slash = strchr(t + 5, '/');
		int b, ch = 1;
		if (!slash || (b = find_box(t + 5, (size_t)(slash - t - 5), false)) < 0)
			return;
		if (!strcmp(slash + 1, "STATE")) {
			tasmota_states(m, b, "STATE");
			return;
		}
		if (strncmp(slash + 1, "POWER", 5) || (slash[6] && sscanf(slash + 6, "%d", &ch) != 1) ||
		    ch < 1 || ch > nch)
			return;
		int on = msg->payloadlen == 2 && !memcmp(p, "ON", 2) ? 1 :
			 msg->payloadlen == 3 && !memcmp(p, "OFF", 3) ? 0 : -1;
		if (on >= 0)
			execute(m, b, ch, on, NULL);
	}
}

static void on_publish(struct mosquitto *m, void *ud, int mid)
{
	(void)m;
	(void)ud;
	(void)mid;
	atomic_fetch_add(&acked, 1);
}

static void on_subscribe(struct mosquitto *m, void *ud, int mid, int n, const int *granted)
{
	char name[64], topic[128], p[64];
	long k = 0;
	(void)ud;
	(void)mid;
	(void)n;
	(void)granted;
	if (atomic_load(&subscribed))
		return;
	for (int b = 0; b < nbox(); b++) {
		box_name(b, name, sizeof name);
		if (b < nnative) {
			snprintf(topic, sizeof topic, "decran/%s/status", name);
			int l = snprintf(p, sizeof p, "{\"v\":1,\"online\":true}");
			mosquitto_publish(m, NULL, topic, l, p, 1, true);
			k++;
			for (int ch = 1; ch <= nch; ch++, k++)
				report(m, b, ch, NULL);
		} else {
			snprintf(topic, sizeof topic, "tele/%s/LWT", name);
			mosquitto_publish(m, NULL, topic, 6, "Online", 1, true);
			k++;
		}
	}
	atomic_store(&initial, k);
	atomic_store(&subscribed, true);
}

static void on_connect(struct mosquitto *m, void *ud, int rc)
{
	(void)ud;
	if (rc)
		return;
	char *subs[] = { "decran/+/cmd/+", "cmnd/+/+" };
	mosquitto_subscribe_multiple(m, NULL, 2, subs, qos, 0, NULL);
}

int main(int argc, char **argv)
{
	int port = 1883, c, initial_on = 1;
	const char *logpath = NULL;
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' }, { "native", required_argument, NULL, 'n' },
		{ "tasmota", required_argument, NULL, 't' }, { "channels", required_argument, NULL, 'c' },
		{ "prefix", required_argument, NULL, 'x' }, { "qos", required_argument, NULL, 'q' },
		{ "log", required_argument, NULL, 'l' }, { "off", no_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': port = atoi(optarg); break;
		case 'n': nnative = atoi(optarg); break;
		case 't': ntasmota = atoi(optarg); break;
		case 'c': nch = atoi(optarg); break;
		case 'x': prefix = optarg; break;
		case 'q': qos = atoi(optarg); break;
		case 'l': logpath = optarg; break;
		case 'o': initial_on = 0; break;
		default:
			fprintf(stderr, "usage: fleet_emu --port N [--native NB] [--tasmota NT] "
				"[--channels C] [--prefix P] [--qos Q] [--off] [--log FILE]\n");
			return 2;
		}
	}
	if (nnative < 0 || ntasmota < 0 || nch < 1 || nch > 8 || qos < 0 || qos > 2)
		return 2;
	state = malloc((size_t)nbox() * (size_t)nch + 1);
	if (!state || (logpath && !(cmdlog = fopen(logpath, "w"))))
		return 1;
	memset(state, initial_on, (size_t)nbox() * (size_t)nch);
	noff = initial_on ? 0 : (long)nbox() * nch;
	signal(SIGPIPE, SIG_IGN);
	mosquitto_lib_init();
	struct mosquitto *m = mosquitto_new("fleet-emu", true, NULL);
	/* Not unlimited: libmosquitto 2.0 walks its whole list of messages in
	 * flight at every publish and every PUBACK while its quota of sends is
	 * not used up, and unlimited means a quota of 65,535: with 100,000
	 * reports waiting on a busy broker that walk made this process spend
	 * 46 s of CPU in a 10 s burst, and the benchmark measured the emulator.
	 * A window keeps each walk short; the broker acknowledges fast enough
	 * on loopback. */
	mosquitto_max_inflight_messages_set(m, 256);
	mosquitto_connect_callback_set(m, on_connect);
	mosquitto_subscribe_callback_set(m, on_subscribe);
	mosquitto_message_callback_set(m, on_message);
	mosquitto_publish_callback_set(m, on_publish);
	if (mosquitto_connect(m, "127.0.0.1", port, 60) != MOSQ_ERR_SUCCESS) {
		fprintf(stderr, "fleet_emu: broker not reachable on port %d\n", port);
		return 1;
	}
	mosquitto_loop_start(m);
	while (!atomic_load(&subscribed) || atomic_load(&acked) < atomic_load(&initial))
		usleep(2000);
	printf("ready %ld\n", (long)nbox() * nch);
	fflush(stdout);
	char line[64];
	while (fgets(line, sizeof line, stdin)) {
		pthread_mutex_lock(&mu);
		if (!strncmp(line, "flush", 5)) {
			if (cmdlog)
				fflush(cmdlog);
			printf("ok\n");
		} else if (!strncmp(line, "count", 5)) {
			printf("%llu %ld\n", seq, noff);
		}
		pthread_mutex_unlock(&mu);
		fflush(stdout);
	}
	mosquitto_disconnect(m);
	mosquitto_loop_stop(m, false);
	mosquitto_destroy(m);
	mosquitto_lib_cleanup();
	if (cmdlog)
		fclose(cmdlog);
	free(state);
	return 0;
}
