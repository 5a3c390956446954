/* mhd_load.c — libmicrohttpd, loaded when the dashboard starts.
 *
 * Why: Debian's libmicrohttpd links GnuTLS, which drags in p11-kit, nettle,
 * gmp, libtasn1, libidn2 and libunistring, and initialises itself in a
 * constructor.  Linked into decran-gateway, that costs every gateway about
 * 4.5 MB of resident memory (a third of its budget) even with the dashboard
 * off.  So the web module calls these same-named functions, and the first
 * MHD_start_daemon() dlopen()s the library and resolves the real ones: a
 * gateway without "http.listen" never maps it.
 *
 * Only the functions gateway/web*.c uses are here.  MHD_get_daemon_info and
 * MHD_get_connection_info are variadic in the API, but the info types we ask
 * for take no extra argument, so they are forwarded with the two fixed ones.
 */
#include <dlfcn.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "mhd_load.h"

#define MHD_SONAME "libmicrohttpd.so.12"

struct mhd_api {
	struct MHD_Daemon *(*start_daemon_va)(unsigned int, uint16_t, MHD_AcceptPolicyCallback,
					      void *, MHD_AccessHandlerCallback, void *, va_list);
	void (*stop_daemon)(struct MHD_Daemon *);
	enum MHD_Result (*run)(struct MHD_Daemon *);
	enum MHD_Result (*get_timeout)(struct MHD_Daemon *, MHD_UNSIGNED_LONG_LONG *);
	const union MHD_DaemonInfo *(*get_daemon_info)(struct MHD_Daemon *,
							enum MHD_DaemonInfoType, ...);
	const union MHD_ConnectionInfo *(*get_connection_info)(struct MHD_Connection *,
								enum MHD_ConnectionInfoType, ...);
	const char *(*lookup_connection_value)(struct MHD_Connection *, enum MHD_ValueKind,
					       const char *);
	int (*get_connection_values)(struct MHD_Connection *, enum MHD_ValueKind,
				     MHD_KeyValueIterator, void *);
	struct MHD_Response *(*create_response_from_buffer)(size_t, void *,
							    enum MHD_ResponseMemoryMode);
	enum MHD_Result (*add_response_header)(struct MHD_Response *, const char *,
					       const char *);
	enum MHD_Result (*queue_response)(struct MHD_Connection *, unsigned int,
					  struct MHD_Response *);
	void (*destroy_response)(struct MHD_Response *);
	struct MHD_PostProcessor *(*create_post_processor)(struct MHD_Connection *, size_t,
							   MHD_PostDataIterator, void *);
	enum MHD_Result (*post_process)(struct MHD_PostProcessor *, const char *, size_t);
	enum MHD_Result (*destroy_post_processor)(struct MHD_PostProcessor *);
};
static struct mhd_api api;

static char load_error[256];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
	void *h = dlopen(MHD_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(load_error, sizeof load_error, "%s", dlerror());
		return;
	}
	static const struct {
		const char *name;
		size_t offset;
	} syms[] = {
#define SYM(field, name) { name, offsetof(struct mhd_api, field) }
		SYM(start_daemon_va, "MHD_start_daemon_va"),
		SYM(stop_daemon, "MHD_stop_daemon"),
		SYM(run, "MHD_run"),
		SYM(get_timeout, "MHD_get_timeout"),
		SYM(get_daemon_info, "MHD_get_daemon_info"),
		SYM(get_connection_info, "MHD_get_connection_info"),
		SYM(lookup_connection_value, "MHD_lookup_connection_value"),
		SYM(get_connection_values, "MHD_get_connection_values"),
		SYM(create_response_from_buffer, "MHD_create_response_from_buffer"),
		SYM(add_response_header, "MHD_add_response_header"),
		SYM(queue_response, "MHD_queue_response"),
		SYM(destroy_response, "MHD_destroy_response"),
		SYM(create_post_processor, "MHD_create_post_processor"),
		SYM(post_process, "MHD_post_process"),
		SYM(destroy_post_processor, "MHD_destroy_post_processor"),
#undef SYM
	};
	for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++) {
		void *p = dlsym(h, syms[i].name);
		if (!p) {
			snprintf(load_error, sizeof load_error, "%s: no %s", MHD_SONAME, syms[i].name);
			memset(&api, 0, sizeof api);
			dlclose(h);
			return;
		}
		memcpy((char *)&api + syms[i].offset, &p, sizeof p);
	}
}

const char *dc_mhd_load_error(void)
{
	pthread_once(&once, load);
	return api.start_daemon_va ? NULL : load_error;
}

struct MHD_Daemon *MHD_start_daemon(unsigned int flags, uint16_t port,
				    MHD_AcceptPolicyCallback apc, void *apc_cls,
				    MHD_AccessHandlerCallback dh, void *dh_cls, ...)
{
	if (dc_mhd_load_error())
		return NULL;
	va_list ap;
	va_start(ap, dh_cls);
	struct MHD_Daemon *d = api.start_daemon_va(flags, port, apc, apc_cls, dh, dh_cls, ap);
	va_end(ap);
	return d;
}

/* Everything below is only reached through a daemon MHD_start_daemon made. */
void MHD_stop_daemon(struct MHD_Daemon *d)
{
	api.stop_daemon(d);
}

enum MHD_Result MHD_run(struct MHD_Daemon *d)
{
	return api.run(d);
}

enum MHD_Result MHD_get_timeout(struct MHD_Daemon *d, MHD_UNSIGNED_LONG_LONG *t)
{
	return api.get_timeout(d, t);
}

const union MHD_DaemonInfo *MHD_get_daemon_info(struct MHD_Daemon *d,
						enum MHD_DaemonInfoType type, ...)
{
	return api.get_daemon_info(d, type);
}

const union MHD_ConnectionInfo *MHD_get_connection_info(struct MHD_Connection *c,
							enum MHD_ConnectionInfoType type, ...)
{
	return api.get_connection_info(c, type);
}

const char *MHD_lookup_connection_value(struct MHD_Connection *c, enum MHD_ValueKind kind,
					const char *key)
{
	return api.lookup_connection_value(c, kind, key);
}

int MHD_get_connection_values(struct MHD_Connection *c, enum MHD_ValueKind kind,
			      MHD_KeyValueIterator it, void *cls)
{
	return api.get_connection_values(c, kind, it, cls);
}

struct MHD_Response *MHD_create_response_from_buffer(size_t size, void *buffer,
						     enum MHD_ResponseMemoryMode mode)
{
	return api.create_response_from_buffer(size, buffer, mode);
}

enum MHD_Result MHD_add_response_header(struct MHD_Response *r, const char *header,
					const char *content)
{
	return api.add_response_header(r, header, content);
}

enum MHD_Result MHD_queue_response(struct MHD_Connection *c, unsigned int status,
				   struct MHD_Response *r)
{
	return api.queue_response(c, status, r);
}

void MHD_destroy_response(struct MHD_Response *r)
{
	api.destroy_response(r);
}

struct MHD_PostProcessor *MHD_create_post_processor(struct MHD_Connection *c, size_t size,
						    MHD_PostDataIterator it, void *cls)
{
	return api.create_post_processor(c, size, it, cls);
}

enum MHD_Result MHD_post_process(struct MHD_PostProcessor *pp, const char *data, size_t len)
{
	return api.post_process(pp, data, len);
}

enum MHD_Result MHD_destroy_post_processor(struct MHD_PostProcessor *pp)
{
	return api.destroy_post_processor(pp);
}
