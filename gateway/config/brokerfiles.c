/* brokerfiles.c — mosquitto's password and ACL files (pure). */
#include "brokerfiles.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drv_native.h"
#include "gridmsg.h"

/* mosquitto_passwd's own count: the passwords decran makes are 32 random
 * bytes, which no iteration count makes stronger, and mosquitto hashes
 * again at every CONNECT. */
#define PBKDF2_ITERATIONS 101

size_t gw_passwd_line(const char *user, const char *password,
		      const unsigned char salt[GW_SALT_LEN], char *out, size_t len)
{
	unsigned char hash[64];
	char salt64[4 * ((GW_SALT_LEN + 2) / 3) + 1], hash64[4 * ((sizeof hash + 2) / 3) + 1];
	if (!PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, GW_SALT_LEN,
			       PBKDF2_ITERATIONS, EVP_sha512(), (int)sizeof hash, hash))
		return 0;
	EVP_EncodeBlock((unsigned char *)salt64, salt, GW_SALT_LEN);
	EVP_EncodeBlock((unsigned char *)hash64, hash, (int)sizeof hash);
	int n = snprintf(out, len, "%s:$7$%d$%s$%s", user, PBKDF2_ITERATIONS, salt64, hash64);
	return n > 0 && (size_t)n < len ? (size_t)n : 0;
}

/* Is this line (up to its end) `user`'s password line? */
static bool passwd_line_of(const char *line, const char *user)
{
	size_t n = strlen(user);
	return !strncmp(line, user, n) && line[n] == ':';
}

int gw_passwd_has(const char *text, const char *user)
{
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (passwd_line_of(p, user))
			return 1;
	return 0;
}

char *gw_passwd_edit(const char *text, const char *user, const char *line)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	bool done = false;
	if (!f)
		return NULL;
	for (const char *p = text; *p;) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (passwd_line_of(p, user)) {
			if (line && !done)
				fprintf(f, "%s\n", line);
			done = true;
		} else if (n) {
			fprintf(f, "%.*s\n", (int)n, p);
		}
		p += n + (e ? 1 : 0);
	}
	if (line && !done)
		fprintf(f, "%s\n", line);
	return fclose(f) ? (free(buf), NULL) : buf;
}

static bool starts_word(const char *p, size_t n, const char *word)
{
	size_t w = strlen(word);
	return n > w && !strncmp(p, word, w) && (p[w] == ' ' || p[w] == '\t');
}

/* "user NAME" (spaces around trimmed) */
static bool user_line_of(const char *p, size_t n, const char *user)
{
	if (!starts_word(p, n, "user"))
		return false;
	const char *q = p + 4, *end = p + n;
	while (q < end && (*q == ' ' || *q == '\t'))
		q++;
	while (end > q && isspace((unsigned char)end[-1]))
		end--;
	return (size_t)(end - q) == strlen(user) && !strncmp(q, user, (size_t)(end - q));
}

struct line {
	const char *p;
	size_t n;
};

char *gw_acl_edit(const char *text, const char *user, const char *block)
{
	static const char marker[] = "# decran: ";
	size_t nl = 1, k = 0;
	for (const char *p = text; *p; p++)
		nl += *p == '\n';
	struct line *ls = calloc(nl, sizeof *ls);
	bool *drop = calloc(nl, sizeof *drop);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = ls && drop ? open_memstream(&buf, &len) : NULL;
	if (!f) {
		free(ls);
		free(drop);
		return NULL;
	}
	for (const char *p = text; *p; k++) {
		const char *e = strchr(p, '\n');
		ls[k] = (struct line){ p, e ? (size_t)(e - p) : strlen(p) };
		p += ls[k].n + (e ? 1 : 0);
	}
	/* The account's "user" line and its "topic" lines; the comment that
	 * heads the block and the blank line before it go with it. */
	for (size_t i = 0; i < k; i++) {
		if (!user_line_of(ls[i].p, ls[i].n, user))
			continue;
		drop[i] = true;
		for (size_t j = i + 1; j < k && starts_word(ls[j].p, ls[j].n, "topic"); j++)
			drop[j] = true;
		if (i > 0 && !strncmp(ls[i - 1].p, marker, sizeof marker - 1)) {
			drop[i - 1] = true;
			if (i > 1 && ls[i - 2].n == 0)
				drop[i - 2] = true;
		}
	}
	/* A replaced block keeps its place: the file changes where it must. */
	bool placed = false;
	for (size_t i = 0; i < k; i++) {
		if (!drop[i]) {
			fprintf(f, "%.*s\n", (int)ls[i].n, ls[i].p);
		} else if (block && !placed) {
			if (ls[i].n == 0)
				fputc('\n', f);
			fputs(block, f);
			placed = true;
		}
	}
	free(ls);
	free(drop);
	if (block && !placed) {
		fflush(f);
		if (len > 0)
			fputc('\n', f);	/* one blank line between blocks */
		fputs(block, f);
	}
	return fclose(f) ? (free(buf), NULL) : buf;
}

int gw_account_name_ok(const char *name)
{
	if (!*name || !strcmp(name, GW_ACCOUNT_GRID))
		return 0;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p <= ' ' || *p == ':' || *p == 0x7f)
			return 0;
	return 1;
}

/* Topic text that fits on an ACL line as written. */
static bool topic_ok(const char *t)
{
	for (const unsigned char *p = (const unsigned char *)t; *p; p++)
		if (*p < ' ' || *p == 0x7f)
			return false;
	return *t && t[0] != ' ' && t[strlen(t) - 1] != ' ';
}

/* Close the stream (its buffer is final only then) and copy it out. */
static size_t finish(FILE *f, char **bufp, char *out, size_t len)
{
	int rc = fclose(f);
	char *buf = *bufp;
	if (rc) {
		free(buf);
		return 0;
	}
	size_t n = strlen(buf);
	if (n >= len) {
		free(buf);
		return 0;
	}
	memcpy(out, buf, n + 1);
	free(buf);
	return n;
}

size_t gw_acl_box(const struct gw_config *c, const struct gw_box *b, char *out, size_t len)
{
	char *buf = NULL;
	size_t cap = 0;
	FILE *f;
	const char *t = b->topic;
	if (b->driver > GW_DRV_SHELLY || !topic_ok(t) || !gw_account_name_ok(b->id))
		return 0;
	if (!(f = open_memstream(&buf, &cap)))
		return 0;
	fprintf(f, "# decran: %s box %s\nuser %s\n", gw_driver_name(b->driver), b->id, b->id);
	switch (b->driver) {
	case GW_DRV_NATIVE:
		/* Publish its own state and reports; read what is addressed to it
		 * and the gateway's heartbeat (docs/protocol.md). */
		for (const char *const *w = (const char *const[]){ "state/+", "status", "tele",
								    "journal", "result", "error",
								    NULL };
		     *w; w++)
			fprintf(f, "topic write " DC_NATIVE_ROOT "/%s/%s\n", t, *w);
		for (const char *const *r = (const char *const[]){ "cmd/+", "fallback", "journal/ack",
								    "tele/get", "gateway", NULL };
		     *r; r++)
			fprintf(f, "topic read " DC_NATIVE_ROOT "/%s/%s\n", t, *r);
		fprintf(f, "topic read " DC_GATEWAY_STATUS_TOPIC "\n");
		break;
	case GW_DRV_TASMOTA:
		fprintf(f, "topic write stat/%s/#\ntopic write tele/%s/#\ntopic read cmnd/%s/#\n", t,
			t, t);
		break;
	case GW_DRV_SHELLY:
		/* A Shelly answers an RPC on "<src>/rpc", src being the gateway's
		 * name (shelly_src): every Shelly may write there; the gateway
		 * matches each answer to its request by id. */
		fprintf(f, "topic write %s/online\ntopic write %s/status/#\ntopic write %s/events/#\n"
			"topic write %s/rpc\ntopic read %s/rpc\n", t, t, t, c->shelly_src, t);
		break;
	default:
		break;
	}
	return finish(f, &buf, out, len);
}

size_t gw_acl_gateway(const struct gw_config *c, const char *user, char *out, size_t len)
{
	char *buf = NULL;
	size_t cap = 0;
	FILE *f;
	if (!gw_account_name_ok(user) || !(f = open_memstream(&buf, &cap)))
		return 0;
	fprintf(f, "# decran: the gateway\nuser %s\n", user);
	for (const char *const *w = (const char *const[]){ "cmd/+", "fallback", "journal/ack",
							    "tele/get", "gateway", NULL };
	     *w; w++)
		fprintf(f, "topic write " DC_NATIVE_ROOT "/+/%s\n", *w);
	for (const char *const *r = (const char *const[]){ "state/+", "status", "tele", "journal",
							    "result", "error", NULL };
	     *r; r++)
		fprintf(f, "topic read " DC_NATIVE_ROOT "/+/%s\n", *r);
	fprintf(f, "topic write " DC_GATEWAY_STATUS_TOPIC "\n"
		   "topic write decran/gateway/alarm/#\n"
		   "topic read " GW_GRID_ALERT_TOPIC "\n"
		   "topic write " GW_GRID_ALERT_RESULT_TOPIC "\n");
	bool shelly = false;
	for (size_t i = 0; i < c->nboxes; i++) {
		const struct gw_box *b = &c->boxes[i];
		if (!topic_ok(b->topic))
			continue;
		if (b->driver == GW_DRV_TASMOTA)
			fprintf(f, "topic write cmnd/%s/#\ntopic read stat/%s/#\ntopic read tele/%s/#\n",
				b->topic, b->topic, b->topic);
		else if (b->driver == GW_DRV_SHELLY)
			fprintf(f, "topic write %s/rpc\ntopic read %s/online\ntopic read %s/status/#\n"
				"topic read %s/events/#\n", b->topic, b->topic, b->topic, b->topic);
		shelly = shelly || b->driver == GW_DRV_SHELLY;
	}
	if (shelly)
		fprintf(f, "topic read %s/rpc\n", c->shelly_src);
	return finish(f, &buf, out, len);
}

size_t gw_acl_grid(char *out, size_t len)
{
	int n = snprintf(out, len, "# decran: grid alerts\nuser " GW_ACCOUNT_GRID "\n"
			 "topic write " GW_GRID_ALERT_TOPIC "\n"
			 "topic read " GW_GRID_ALERT_RESULT_TOPIC "\n");
	return n > 0 && (size_t)n < len ? (size_t)n : 0;
}
