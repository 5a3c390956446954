/* mqttconn.c — libmosquitto driven from the caller's poll loop. */
#include "mqttconn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_ADDRS 4

/* One host name lookup on its own thread: getaddrinfo may wait for DNS
 * (seconds per server) and must not hold the loop.  The thread and the
 * connection share the job; the last to let go frees it, so a connection
 * freed mid-lookup leaves the thread nothing dangling. */
struct lookup {
	atomic_int refs;
	atomic_bool done;
	int efd;		/* readable when done */
	char host[256], port[8];
	int rc;			/* getaddrinfo's */
	char addr[MAX_ADDRS][INET6_ADDRSTRLEN];
	int naddr;
};

struct dc_mqtt {
	struct mosquitto *mosq;
	struct dc_mqtt_handlers h;
	void *ud;
	char host[256];
	int port, keepalive_s, backoff_min_ms, backoff_max_ms;
	bool connecting;	/* socket open, CONNACK not yet seen */
	bool up;		/* CONNACK accepted */
	bool started;
	bool refused;		/* CONNACK said no: close and back off */
	bool v5;		/* speaking (or trying) MQTT v5 */
	bool batch_writes;	/* opts.batch_writes, off if the socket refuses TCP_CORK */
	bool corked;		/* TCP_CORK set on the socket of generation cork_gen */
	unsigned cork_gen;
	int64_t retry_at;	/* next connection attempt (when neither of the above) */
	int64_t backoff_ms;
	int64_t misc_at;	/* next loop_misc (keepalive pings, timeouts) */
	unsigned seed;
	struct lookup *lookup;	/* host name being resolved, NULL when none */
	unsigned attempts;	/* rotates through the addresses of a name */
	unsigned fd_gen;	/* bumped whenever dc_mqtt_fd may name a new fd */
	SSL_CTX *ssl_ctx;	/* TLS: ours, libmosquitto uses it as it is */
	char refusal[96];	/* why the broker refused the last CONNECT */
	char tls_err[200];	/* what OpenSSL said last (libmosquitto logs it) */
};

static _Thread_local char new_error[600];

const char *dc_mqtt_new_error(void)
{
	return new_error;
}

static void lookup_unref(struct lookup *j)
{
	if (atomic_fetch_sub(&j->refs, 1) == 1) {
		close(j->efd);
		free(j);
	}
}

static void *lookup_main(void *arg)
{
	struct lookup *j = arg;
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = 0 }, *res = NULL;
	uint64_t one = 1;
	j->rc = getaddrinfo(j->host, j->port, &hints, &res);
	for (struct addrinfo *a = res; a && j->naddr < MAX_ADDRS; a = a->ai_next) {
		const void *in = a->ai_family == AF_INET
					 ? (const void *)&((struct sockaddr_in *)a->ai_addr)->sin_addr
					 : (const void *)&((struct sockaddr_in6 *)a->ai_addr)->sin6_addr;
		if ((a->ai_family == AF_INET || a->ai_family == AF_INET6) &&
		    inet_ntop(a->ai_family, in, j->addr[j->naddr], sizeof j->addr[0]))
			j->naddr++;
	}
	if (res)
		freeaddrinfo(res);
	atomic_store_explicit(&j->done, true, memory_order_release);
	if (write(j->efd, &one, sizeof one) < 0) {
		/* cannot happen on an eventfd below its maximum */
	}
	lookup_unref(j);
	return NULL;
}

static bool numeric_host(const char *h)
{
	unsigned char buf[sizeof(struct in6_addr)];
	return inet_pton(AF_INET, h, buf) == 1 || inet_pton(AF_INET6, h, buf) == 1;
}

/* Start resolving m->host on a thread; -1 when no thread could start. */
static int lookup_start(struct dc_mqtt *m)
{
	struct lookup *j = calloc(1, sizeof *j);
	pthread_attr_t attr;
	pthread_t th;
	if (!j)
		return -1;
	j->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (j->efd < 0) {
		free(j);
		return -1;
	}
	snprintf(j->host, sizeof j->host, "%s", m->host);
	snprintf(j->port, sizeof j->port, "%d", m->port);
	atomic_init(&j->refs, 2);
	atomic_init(&j->done, false);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	int rc = pthread_create(&th, &attr, lookup_main, j);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		close(j->efd);
		free(j);
		errno = rc;
		return -1;
	}
	m->lookup = j;
	m->fd_gen++;
	return 0;
}

static void lookup_abandon(struct dc_mqtt *m)
{
	if (m->lookup) {
		lookup_unref(m->lookup);
		m->lookup = NULL;
		m->fd_gen++;
	}
}

void dc_mqtt_lib_init(void)
{
	mosquitto_lib_init();
}

void dc_mqtt_lib_cleanup(void)
{
	mosquitto_lib_cleanup();
}

int64_t dc_backoff_next_ms(int64_t prev_ms, int min_ms, int max_ms, uint32_t rnd)
{
	int64_t d = prev_ms <= 0 ? min_ms : prev_ms * 2;
	if (d < min_ms)
		d = min_ms;
	if (d > max_ms)
		d = max_ms;
	/* Jitter so that a fleet of boxes does not reconnect in lockstep after a
	 * broker restart: keep between 3/4 and all of the delay. */
	return d - (int64_t)(rnd % (uint32_t)(d / 4 + 1));
}

static void on_connect(struct mosquitto *mosq, void *obj, int rc)
{
	struct dc_mqtt *m = obj;
	(void)mosq;
	m->connecting = false;
	if (rc != 0) {
		/* A broker that predates v5 answers in v3.1.1 (refused: protocol
		 * version); the next attempt speaks v3.1.1. */
		if (m->v5 && (rc == CONNACK_REFUSED_PROTOCOL_VERSION ||
			      rc == MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION)) {
			m->v5 = false;
			mosquitto_int_option(m->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
		}
		/* Refused (bad credentials, bad id): back off like any failure. */
		m->up = false;
		m->refused = true;
		snprintf(m->refusal, sizeof m->refusal, "connection refused by broker: %s",
			 mosquitto_connack_string(rc));
		return;
	}
	m->up = true;
	m->backoff_ms = 0;
	if (m->h.connected)
		m->h.connected(m->ud);
}

static void on_publish(struct mosquitto *mosq, void *obj, int mid)
{
	struct dc_mqtt *m = obj;
	(void)mosq;
	(void)mid;
	if (m->h.published)
		m->h.published(m->ud);
}

static void on_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg)
{
	struct dc_mqtt *m = obj;
	(void)mosq;
	if (m->h.message)
		m->h.message(m->ud, msg->topic, msg->payload, (size_t)msg->payloadlen, msg->retain);
}

/* libmosquitto logs OpenSSL's errors and then clears them: keep the last,
 * the reason a TLS handshake failed ("certificate verify failed"). */
static void on_log(struct mosquitto *mosq, void *obj, int level, const char *str)
{
	struct dc_mqtt *m = obj;
	(void)mosq;
	if (level == MOSQ_LOG_ERR && !strncmp(str, "OpenSSL Error", 13) && !*m->tls_err)
		snprintf(m->tls_err, sizeof m->tls_err, "TLS: %s", str);
}

/* An encrypted private key would make OpenSSL prompt on a terminal: a
 * daemon has none, so it gets no password and fails at once. */
static int no_key_password(char *buf, int size, int rwflag, void *ud)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)ud;
	return 0;
}

/* The reason a broker's certificate is refused ("unable to get local
 * issuer certificate", "hostname mismatch"), for the log. */
static int on_verify(int ok, X509_STORE_CTX *x)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct dc_mqtt *m = ssl ? SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)) : NULL;
	if (!ok && m && !*m->tls_err)
		snprintf(m->tls_err, sizeof m->tls_err,
			 "TLS: certificate verify failed: the broker's certificate: %s",
			 X509_verify_cert_error_string(X509_STORE_CTX_get_error(x)));
	return ok;
}

/* TLS on an SSL_CTX of our own, which libmosquitto uses as it is: it
 * would check the certificate's name against the numeric address we
 * connect to (we resolve names ourselves, off the loop), so OpenSSL checks
 * it against the name as configured, with its own chain verification. */
static int tls_setup(struct dc_mqtt *m, const struct dc_mqtt_sec *t, const char *host)
{
	unsigned char ip[sizeof(struct in6_addr)];
	const char *what = "TLS context";
	SSL_CTX *ctx = m->ssl_ctx = SSL_CTX_new(TLS_client_method());
	int rc;
	if (!ctx || !SSL_CTX_set_min_proto_version(ctx, t->min_version == DC_TLS_1_3
								? TLS1_3_VERSION
								: TLS1_2_VERSION))
		goto ssl_fail;
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION);
	what = *t->ca_file ? t->ca_file : t->ca_dir;
	if (SSL_CTX_load_verify_locations(ctx, *t->ca_file ? t->ca_file : NULL,
					  *t->ca_dir ? t->ca_dir : NULL) != 1)
		goto ssl_fail;
	if (*t->cert_file) {
		SSL_CTX_set_default_passwd_cb(ctx, no_key_password);
		what = t->cert_file;
		if (SSL_CTX_use_certificate_chain_file(ctx, t->cert_file) != 1)
			goto ssl_fail;
		what = t->key_file;
		if (SSL_CTX_use_PrivateKey_file(ctx, t->key_file, SSL_FILETYPE_PEM) != 1 ||
		    SSL_CTX_check_private_key(ctx) != 1)
			goto ssl_fail;
	}
	SSL_CTX_set_app_data(ctx, m);
	SSL_CTX_set_verify(ctx, t->verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, on_verify);
	if (t->verify) {
		X509_VERIFY_PARAM *vp = SSL_CTX_get0_param(ctx);
		what = host;
		if ((inet_pton(AF_INET, host, ip) == 1 || inet_pton(AF_INET6, host, ip) == 1
			     ? X509_VERIFY_PARAM_set1_ip_asc(vp, host)
			     : X509_VERIFY_PARAM_set1_host(vp, host, 0)) != 1)
			goto ssl_fail;
	}
	what = "TLS context";
	if ((rc = mosquitto_void_option(m->mosq, MOSQ_OPT_SSL_CTX, ctx)) ||
	    (rc = mosquitto_int_option(m->mosq, MOSQ_OPT_SSL_CTX_WITH_DEFAULTS, 0))) {
		snprintf(new_error, sizeof new_error, "%s: %s", what, mosquitto_strerror(rc));
		return -1;
	}
	return 0;
ssl_fail:;
	const char *why = ERR_reason_error_string(ERR_peek_last_error());
	snprintf(new_error, sizeof new_error, "%s: %s", what, why ? why : "OpenSSL error");
	ERR_clear_error();
	return -1;
}

struct dc_mqtt *dc_mqtt_new(const struct dc_mqtt_opts *o, const struct dc_mqtt_handlers *h,
			    void *ud)
{
	struct dc_mqtt *m = calloc(1, sizeof *m);
	snprintf(new_error, sizeof new_error, "out of memory");
	if (!m)
		return NULL;
	m->h = *h;
	m->ud = ud;
	snprintf(m->host, sizeof m->host, "%s", o->host);
	m->port = o->port;
	m->keepalive_s = o->keepalive_s > 0 ? o->keepalive_s : 60;
	m->backoff_min_ms = o->backoff_min_ms > 0 ? o->backoff_min_ms : 500;
	m->backoff_max_ms = o->backoff_max_ms >= m->backoff_min_ms ? o->backoff_max_ms : 60000;
	m->seed = (unsigned)getpid() ^ (unsigned)(uintptr_t)m;
	m->mosq = mosquitto_new(o->client_id, true, m);
	if (!m->mosq)
		goto fail;
	mosquitto_log_callback_set(m->mosq, on_log);
	if (o->username && mosquitto_username_pw_set(m->mosq, o->username, o->password))
		goto fail;
	if (o->tls && o->tls->tls && tls_setup(m, o->tls, o->host) < 0)
		goto fail_said;
	if (o->will_topic &&
	    mosquitto_will_set(m->mosq, o->will_topic, (int)strlen(o->will_payload),
			       o->will_payload, o->will_qos, o->will_retain))
		goto fail;
	/* Small control messages: send each at once instead of letting Nagle
	 * wait for the peer's delayed ACK (~40 ms per command otherwise). */
	mosquitto_int_option(m->mosq, MOSQ_OPT_TCP_NODELAY, 1);
	m->v5 = o->mqtt5;
	m->batch_writes = o->batch_writes;
	mosquitto_int_option(m->mosq, MOSQ_OPT_PROTOCOL_VERSION,
			     m->v5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311);
	if (o->unlimited_inflight)
		mosquitto_max_inflight_messages_set(m->mosq, 0);
	mosquitto_publish_callback_set(m->mosq, on_publish);
	mosquitto_connect_callback_set(m->mosq, on_connect);
	mosquitto_message_callback_set(m->mosq, on_message);
	return m;
fail:
	snprintf(new_error, sizeof new_error, "libmosquitto refused the options");
fail_said:
	if (m->mosq)
		mosquitto_destroy(m->mosq);
	SSL_CTX_free(m->ssl_ctx);
	free(m);
	return NULL;
}

void dc_mqtt_free(struct dc_mqtt *m)
{
	if (!m)
		return;
	lookup_abandon(m);
	mosquitto_destroy(m->mosq);
	SSL_CTX_free(m->ssl_ctx);
	free(m);
}

void dc_mqtt_start(struct dc_mqtt *m, int64_t now_ms)
{
	m->started = true;
	m->retry_at = now_ms;
}

int dc_mqtt_fd(const struct dc_mqtt *m)
{
	if (m->lookup)
		return m->lookup->efd;
	return (m->up || m->connecting) ? mosquitto_socket(m->mosq) : -1;
}

unsigned dc_mqtt_fd_gen(const struct dc_mqtt *m)
{
	return m->fd_gen;
}

short dc_mqtt_poll_events(const struct dc_mqtt *m)
{
	if (m->lookup)
		return POLLIN;
	return (short)(POLLIN | (mosquitto_want_write(m->mosq) ? POLLOUT : 0));
}

bool dc_mqtt_up(const struct dc_mqtt *m)
{
	return m->up && mosquitto_socket(m->mosq) >= 0;
}

static void lost(struct dc_mqtt *m, int64_t now_ms, const char *why)
{
	bool was_up = m->up;
	m->up = m->connecting = m->refused = false;
	/* Close our side so a half-dead socket is never polled again. */
	mosquitto_disconnect(m->mosq);
	m->backoff_ms = dc_backoff_next_ms(m->backoff_ms, m->backoff_min_ms, m->backoff_max_ms,
					   (uint32_t)rand_r(&m->seed));
	m->retry_at = now_ms + m->backoff_ms;
	if (was_up && m->h.disconnected)
		m->h.disconnected(m->ud, why);
	else if (!was_up && m->h.failed)
		m->h.failed(m->ud, why);
}

/* Connect to a numeric address: libmosquitto's own getaddrinfo then
 * returns at once. */
static void connect_addr(struct dc_mqtt *m, const char *addr, int64_t now_ms)
{
	/* connect_async closes any previous socket.  On loopback the whole
	 * TLS handshake may happen inside it, its refusal included. */
	m->tls_err[0] = '\0';
	int rc = mosquitto_connect_async(m->mosq, addr, m->port, m->keepalive_s);
	m->fd_gen++;
	if (rc != MOSQ_ERR_SUCCESS) {
		lost(m, now_ms, rc == MOSQ_ERR_TLS && *m->tls_err ? m->tls_err
				: rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
		return;
	}
	m->connecting = true;
	m->misc_at = now_ms + (int64_t)m->keepalive_s * 1000 / 3;
}

static void try_connect(struct dc_mqtt *m, int64_t now_ms)
{
	m->attempts++;
	if (numeric_host(m->host))
		connect_addr(m, m->host, now_ms);
	else if (lookup_start(m) < 0)
		lost(m, now_ms, strerror(errno));
}

/* The lookup's eventfd is readable: connect to one of its addresses, in
 * turn from one attempt to the next (an IPv6 address that does not answer
 * does not hide the IPv4 one). */
static void lookup_finish(struct dc_mqtt *m, int64_t now_ms)
{
	struct lookup *j = m->lookup;
	char addr[INET6_ADDRSTRLEN], why[300];
	if (!atomic_load_explicit(&j->done, memory_order_acquire))
		return;
	int rc = j->rc, n = j->naddr;
	if (n > 0)
		snprintf(addr, sizeof addr, "%s", j->addr[m->attempts % (unsigned)n]);
	snprintf(why, sizeof why, "%s: %s", m->host,
		 rc ? gai_strerror(rc) : "no IPv4 or IPv6 address");
	lookup_abandon(m);
	if (rc == 0 && n > 0)
		connect_addr(m, addr, now_ms);
	else
		lost(m, now_ms, why);
}

/* Hold what libmosquitto writes (one write per packet) until
 * dc_mqtt_flush.  A socket that refuses (a broker on a Unix socket) turns
 * batching off for good. */
static void cork(struct dc_mqtt *m)
{
	int fd = mosquitto_socket(m->mosq), one = 1;
	if (!m->batch_writes || fd < 0 || (m->corked && m->cork_gen == m->fd_gen))
		return;
	if (setsockopt(fd, IPPROTO_TCP, TCP_CORK, &one, sizeof one) == 0) {
		m->corked = true;
		m->cork_gen = m->fd_gen;
	} else {
		m->batch_writes = false;
	}
}

void dc_mqtt_flush(struct dc_mqtt *m)
{
	int fd = mosquitto_socket(m->mosq), zero = 0;
	/* A socket closed since (a lost connection) took its data with it. */
	if (m->corked && fd >= 0 && m->cork_gen == m->fd_gen)
		setsockopt(fd, IPPROTO_TCP, TCP_CORK, &zero, sizeof zero);
	m->corked = false;
}

void dc_mqtt_on_io(struct dc_mqtt *m, short revents, int64_t now_ms)
{
	int rc = MOSQ_ERR_SUCCESS;
	if (m->lookup) {
		lookup_finish(m, now_ms);
		return;
	}
	if (!m->up && !m->connecting)
		return;
	if (m->up)
		cork(m);	/* the PUBACKs and replies this read brings */
	if (revents & (POLLIN | POLLHUP | POLLERR))
		rc = mosquitto_loop_read(m->mosq, 1);
	if (rc == MOSQ_ERR_SUCCESS && (revents & POLLOUT))
		rc = mosquitto_loop_write(m->mosq, 1);
	if (rc == MOSQ_ERR_TLS && *m->tls_err)
		lost(m, now_ms, m->tls_err);
	else if (rc != MOSQ_ERR_SUCCESS || mosquitto_socket(m->mosq) < 0)
		lost(m, now_ms, rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
	else if (m->refused)
		lost(m, now_ms, m->refusal);
}

void dc_mqtt_on_timer(struct dc_mqtt *m, int64_t now_ms)
{
	if (!m->started || m->lookup)
		return;
	if (!m->up && !m->connecting) {
		if (now_ms >= m->retry_at)
			try_connect(m, now_ms);
		return;
	}
	/* While up, the keepalive check also runs with any wake-up less than
	 * a sixth of the keepalive before it is due: it then shares the
	 * wake-up of the gateway's heartbeat instead of taking its own.  Pings
	 * still leave at most 4/3 keepalive after the last packet.  A pending
	 * CONNACK keeps its whole third. */
	int64_t slack = m->up ? (int64_t)m->keepalive_s * 1000 / 6 : 0;
	if (now_ms >= m->misc_at - slack) {
		/* A third of the keepalive: a PINGREQ always leaves well before the
		 * broker's 1.5 x keepalive limit, and an unanswered one is caught. */
		m->misc_at = now_ms + (int64_t)m->keepalive_s * 1000 / 3;
		int rc = mosquitto_loop_misc(m->mosq);
		if (rc != MOSQ_ERR_SUCCESS || mosquitto_socket(m->mosq) < 0)
			lost(m, now_ms, mosquitto_strerror(rc));
		else if (m->connecting && !m->up)
			/* No CONNACK within a keepalive third: the broker is not
			 * answering; drop and retry with backoff. */
			lost(m, now_ms, "no CONNACK");
	}
}

int64_t dc_mqtt_next_ms(const struct dc_mqtt *m, int64_t now_ms)
{
	(void)now_ms;
	if (!m->started || m->lookup)
		return INT64_MAX;	/* the lookup's fd says when it is done */
	if (!m->up && !m->connecting)
		return m->retry_at;
	return m->misc_at;
}

int dc_mqtt_publish(struct dc_mqtt *m, const char *topic, const void *payload, size_t len,
		    int qos, bool retain)
{
	if (!dc_mqtt_up(m))
		return -1;
	cork(m);
	return mosquitto_publish(m->mosq, NULL, topic, (int)len, payload, qos, retain) ==
	       MOSQ_ERR_SUCCESS ? 0 : -1;
}

int dc_mqtt_publish_exp(struct dc_mqtt *m, const char *topic, const void *payload, size_t len,
			int qos, bool retain, uint32_t expiry_s)
{
	mosquitto_property *props = NULL;
	if (!m->v5 || expiry_s == 0)
		return dc_mqtt_publish(m, topic, payload, len, qos, retain);
	if (!dc_mqtt_up(m) ||
	    mosquitto_property_add_int32(&props, MQTT_PROP_MESSAGE_EXPIRY_INTERVAL, expiry_s))
		return -1;
	cork(m);
	int rc = mosquitto_publish_v5(m->mosq, NULL, topic, (int)len, payload, qos, retain, props);
	mosquitto_property_free_all(&props);
	return rc == MOSQ_ERR_SUCCESS ? 0 : -1;
}

bool dc_mqtt_v5(const struct dc_mqtt *m)
{
	return m->v5;
}

int dc_mqtt_subscribe(struct dc_mqtt *m, const char *pattern, int qos)
{
	if (!dc_mqtt_up(m))
		return -1;
	return mosquitto_subscribe(m->mosq, NULL, pattern, qos) == MOSQ_ERR_SUCCESS ? 0 : -1;
}

void dc_mqtt_disconnect(struct dc_mqtt *m)
{
	if (dc_mqtt_up(m)) {
		mosquitto_disconnect(m->mosq);
		/* Flush the DISCONNECT packet before the process exits. */
		mosquitto_loop_write(m->mosq, 1);
		dc_mqtt_flush(m);
	}
	lookup_abandon(m);
	m->up = m->connecting = false;
	m->started = false;
}
