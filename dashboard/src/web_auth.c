/* web_auth.c — accounts (yescrypt), sessions (hashed tokens), throttling. */
#include "web_auth.h"

#include <crypt.h>
#include <errno.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "i18n.h"
#include "msgauth.h"
#include "store.h"

static const char *const role_names[] = { "none", "viewer", "technician", "admin" };

const char *dc_role_name(enum dc_role r)
{
	return (unsigned)r <= DC_ROLE_ADMIN ? role_names[r] : "none";
}

int dc_role_parse(const char *s)
{
	for (int i = DC_ROLE_VIEWER; i <= DC_ROLE_ADMIN; i++)
		if (s && strcmp(s, role_names[i]) == 0)
			return i;
	return -1;
}

bool dc_user_name_valid(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n >= DC_USER_MAX)
		return false;
	for (; *name; name++)
		if (!((*name >= 'a' && *name <= 'z') || (*name >= 'A' && *name <= 'Z') ||
		      (*name >= '0' && *name <= '9') || strchr("._-", *name)))
			return false;
	return true;
}

int dc_random_hex(char out[DC_TOKEN_HEX])
{
	unsigned char raw[32];
	size_t got = 0;
	while (got < sizeof raw) {
		ssize_t n = getrandom(raw + got, sizeof raw - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)n;
	}
	dc_hex(raw, sizeof raw, out);
	return 0;
}

/* The database keeps SHA-256(token), never the token.  libcrypto: the
 * gateway maps it anyway (TLS in libmosquitto). */
static int token_hash(const char *token, char out[DC_TOKEN_HEX])
{
	unsigned char d[32];
	unsigned int n = 0;
	if (!EVP_Digest(token, strlen(token), d, &n, EVP_sha256(), NULL) || n != sizeof d)
		return -1;
	dc_hex(d, sizeof d, out);
	return 0;
}

static int exec_bind1(struct dc_store *st, const char *sql, const char *v)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(dc_store_db(st), sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(s, 1, v, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? sqlite3_changes(dc_store_db(st)) : -1;
}

int dc_user_set(struct dc_store *st, const char *name, enum dc_role role, const char *password,
		bool replace, const char **err)
{
	size_t plen = strlen(password);
	if (!dc_user_name_valid(name)) {
		*err = TR("nom d'utilisateur invalide (1 à 63 caractères parmi A-Z a-z 0-9 . _ -)",
			  "invalid user name (1 to 63 characters among A-Z a-z 0-9 . _ -)");
		return -1;
	}
	if (role < DC_ROLE_VIEWER || role > DC_ROLE_ADMIN) {
		*err = TR("rôle invalide", "invalid role");
		return -1;
	}
	if (plen < 8 || plen > 256) {
		*err = TR("le mot de passe doit compter de 8 à 256 octets",
			  "the password must be 8 to 256 bytes long");
		return -1;
	}
	char *salt = crypt_gensalt_ra("$y$", 0, NULL, 0);
	if (!salt) {
		*err = TR("crypt_gensalt : yescrypt indisponible", "crypt_gensalt: yescrypt unavailable");
		return -1;
	}
	struct crypt_data cd;
	memset(&cd, 0, sizeof cd);
	const char *hash = crypt_r(password, salt, &cd);
	free(salt);
	if (!hash || hash[0] == '*') {
		*err = TR("échec du hachage du mot de passe", "password hashing failed");
		return -1;
	}
	sqlite3 *db = dc_store_db(st);
	const char *sql = replace
		? "INSERT INTO users(name, role, hash, created) VALUES(?1, ?2, ?3, "
		  "strftime('%Y-%m-%dT%H:%M:%SZ','now')) ON CONFLICT(name) DO UPDATE SET "
		  "role = excluded.role, hash = excluded.hash"
		: "INSERT INTO users(name, role, hash, created) VALUES(?1, ?2, ?3, "
		  "strftime('%Y-%m-%dT%H:%M:%SZ','now'))";
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, dc_role_name(role), -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, hash, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(s);
	}
	sqlite3_finalize(s);
	explicit_bzero(&cd, sizeof cd);
	if ((rc & 0xff) == SQLITE_CONSTRAINT) {	/* extended codes may be on */
		*err = TR("cet utilisateur existe déjà (--replace pour le modifier)",
			  "this user already exists (--replace to change it)");
		return -1;
	}
	if (rc != SQLITE_DONE) {
		*err = dc_store_busy(st) ? dc_store_busy_message()
					 : TR("erreur de la base de données", "database error");
		return -1;
	}
	/* A new password or role ends the user's open sessions: their stamp
	 * (session_stamp) no longer matches. */
	return 0;
}

int dc_user_check(struct dc_store *st, const char *name, const char *password, enum dc_role *role)
{
	/* Hashing against a real yescrypt hash when the user is unknown keeps
	 * the timing equal (no user enumeration). */
	static char dummy[256];
	if (!dummy[0]) {
		char *salt = crypt_gensalt_ra("$y$", 0, NULL, 0);
		struct crypt_data dd;
		memset(&dd, 0, sizeof dd);
		const char *h = salt ? crypt_r("decran-dummy", salt, &dd) : NULL;
		snprintf(dummy, sizeof dummy, "%s", h ? h : "*");
		free(salt);
	}
	sqlite3 *db = dc_store_db(st);
	sqlite3_stmt *s = NULL;
	char hash[256] = "";
	int found = 0;
	if (sqlite3_prepare_v2(db, "SELECT hash, role FROM users WHERE name = ?1", -1, &s, NULL) !=
	    SQLITE_OK)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const char *h = (const char *)sqlite3_column_text(s, 0);
		snprintf(hash, sizeof hash, "%s", h ? h : "");
		*role = (enum dc_role)dc_role_parse((const char *)sqlite3_column_text(s, 1));
		found = 1;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	struct crypt_data cd;
	memset(&cd, 0, sizeof cd);
	const char *got = crypt_r(password, found ? hash : dummy, &cd);
	int ok = found && got && got[0] != '*' && strlen(got) == strlen(hash) &&
		 memcmp(got, hash, strlen(hash)) == 0 && (int)*role > 0;
	explicit_bzero(&cd, sizeof cd);
	return ok;
}

int dc_user_list(struct dc_store *st, void (*cb)(const char *, const char *, const char *, void *),
		 void *arg)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(dc_store_db(st), "SELECT name, role, created FROM users ORDER BY name",
			       -1, &s, NULL) != SQLITE_OK)
		return -1;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		cb((const char *)sqlite3_column_text(s, 0), (const char *)sqlite3_column_text(s, 1),
		   (const char *)sqlite3_column_text(s, 2), arg);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int dc_user_delete(struct dc_store *st, const char *name)
{
	/* The user's sessions end with the account: their lookup finds no user. */
	int n = exec_bind1(st, "DELETE FROM users WHERE name = ?1", name);
	return n < 0 ? -1 : n > 0;
}

/* --- sessions: decran-web's own file -------------------------------- */

struct dc_sessions {
	sqlite3 *db;
};

struct dc_sessions *dc_sessions_open(const char *path, char **err)
{
	struct dc_sessions *ss = calloc(1, sizeof *ss);
	char *e = NULL;
	/* Tokens are secrets: the file is the web user's alone. */
	mode_t old = umask(077);
	int rc = ss ? sqlite3_open_v2(path, &ss->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
					       SQLITE_OPEN_NOMUTEX, NULL) : SQLITE_NOMEM;
	umask(old);
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(ss->db, 1000);
		rc = sqlite3_exec(ss->db,
				  "PRAGMA journal_mode=WAL;"
				  "CREATE TABLE IF NOT EXISTS sessions ("
				  " token_hash TEXT PRIMARY KEY NOT NULL,"	/* SHA-256 of the cookie */
				  " user TEXT NOT NULL,"
				  " stamp TEXT NOT NULL,"	/* the account as it was: session_stamp */
				  " csrf TEXT NOT NULL,"
				  " created INTEGER NOT NULL,"
				  " expires INTEGER NOT NULL);"
				  "CREATE INDEX IF NOT EXISTS sessions_expires ON sessions(expires);",
				  NULL, NULL, &e);
	}
	if (rc != SQLITE_OK) {
		if (err && asprintf(err, TR("%s : base des sessions inutilisable : %s",
					    "%s: sessions database unusable: %s"),
				    path, e ? e : ss && ss->db ? sqlite3_errmsg(ss->db) : "out of memory") < 0)
			*err = NULL;
		sqlite3_free(e);
		dc_sessions_close(ss);
		return NULL;
	}
	return ss;
}

void dc_sessions_close(struct dc_sessions *ss)
{
	if (!ss)
		return;
	sqlite3_close(ss->db);
	free(ss);
}

/* SHA-256 of the account's password hash and role: a session made before a
 * new password or role (written by `decran users` in the main database,
 * which decran-web cannot write) stops matching.  1 found, 0 no such user. */
static int session_stamp(struct dc_store *st, const char *user, char out[DC_TOKEN_HEX],
			 enum dc_role *role)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(dc_store_db(st), "SELECT hash || ':' || role, role FROM users"
				" WHERE name = ?1", -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(s, 1, user, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s), found = 0;
	if (rc == SQLITE_ROW) {
		int r = dc_role_parse((const char *)sqlite3_column_text(s, 1));
		*role = r > 0 ? (enum dc_role)r : DC_ROLE_NONE;
		found = token_hash((const char *)sqlite3_column_text(s, 0), out) == 0 ? 1 : -1;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? found : -1;
}

static int sessions_exec(struct dc_sessions *ss, const char *sql, const char *text, int64_t n)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(ss->db, sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (text)
		sqlite3_bind_text(s, 1, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(s, 1, (sqlite3_int64)n);
	int rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int dc_session_create(struct dc_sessions *ss, struct dc_store *st, const char *user, time_t now,
		      int lifetime_s, char token[DC_TOKEN_HEX], struct dc_session *out)
{
	char th[DC_TOKEN_HEX], stamp[DC_TOKEN_HEX];
	enum dc_role role;
	memset(out, 0, sizeof *out);
	if (dc_random_hex(token) < 0 || dc_random_hex(out->csrf) < 0 || token_hash(token, th) < 0 ||
	    session_stamp(st, user, stamp, &role) != 1)
		return -1;
	/* Expired sessions are swept whenever a new one starts. */
	sessions_exec(ss, "DELETE FROM sessions WHERE expires <= ?1", NULL, (int64_t)now);
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(ss->db, "INSERT INTO sessions(token_hash, user, stamp, csrf, created,"
				" expires) VALUES(?1, ?2, ?3, ?4, ?5, ?6)", -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(s, 1, th, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, user, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, stamp, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, out->csrf, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, (sqlite3_int64)now);
	sqlite3_bind_int64(s, 6, (sqlite3_int64)now + lifetime_s);
	int rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return -1;
	out->valid = role > DC_ROLE_NONE;
	snprintf(out->user, sizeof out->user, "%s", user);
	out->role = role;
	return 0;
}

static bool hex_token_valid(const char *t)
{
	if (strlen(t) != DC_TOKEN_HEX - 1)
		return false;
	for (; *t; t++)
		if (!((*t >= '0' && *t <= '9') || (*t >= 'a' && *t <= 'f')))
			return false;
	return true;
}

int dc_session_lookup(struct dc_sessions *ss, struct dc_store *st, const char *token, time_t now,
		      struct dc_session *out)
{
	char th[DC_TOKEN_HEX], kept[DC_TOKEN_HEX] = "", stamp[DC_TOKEN_HEX];
	memset(out, 0, sizeof *out);
	if (!token || !hex_token_valid(token))
		return 0;
	if (token_hash(token, th) < 0)
		return -1;
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(ss->db, "SELECT user, stamp, csrf FROM sessions"
				" WHERE token_hash = ?1 AND expires > ?2", -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(s, 1, th, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)now);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		snprintf(out->user, sizeof out->user, "%s", (const char *)sqlite3_column_text(s, 0));
		snprintf(kept, sizeof kept, "%s", (const char *)sqlite3_column_text(s, 1));
		snprintf(out->csrf, sizeof out->csrf, "%s", (const char *)sqlite3_column_text(s, 2));
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	if (rc == SQLITE_DONE) {
		memset(out, 0, sizeof *out);
		return 0;
	}
	int found = session_stamp(st, out->user, stamp, &out->role);
	if (found < 0)
		return -1;
	out->valid = found && strcmp(stamp, kept) == 0 && out->role > DC_ROLE_NONE;
	if (!out->valid)
		memset(out, 0, sizeof *out);
	return out->valid;
}

int dc_session_delete(struct dc_sessions *ss, const char *token)
{
	char th[DC_TOKEN_HEX];
	if (!token || !hex_token_valid(token) || token_hash(token, th) < 0)
		return 0;
	return sessions_exec(ss, "DELETE FROM sessions WHERE token_hash = ?1", th, 0);
}

/* --- throttling ------------------------------------------------------- */

static const struct dc_rl_entry *rl_find(const struct dc_ratelimit *rl, const char *key)
{
	for (int i = 0; i < DC_RL_SLOTS; i++)
		if (rl->e[i].failures && strcmp(rl->e[i].key, key) == 0)
			return &rl->e[i];
	return NULL;
}

int dc_rl_wait(const struct dc_ratelimit *rl, const char *key, time_t now)
{
	const struct dc_rl_entry *e = rl_find(rl, key);
	return e && e->until > now ? (int)(e->until - now) : 0;
}

void dc_rl_fail(struct dc_ratelimit *rl, const char *key, time_t now)
{
	struct dc_rl_entry *e = (struct dc_rl_entry *)rl_find(rl, key);
	if (!e) {
		/* A free slot, else the least recently used one. */
		e = &rl->e[0];
		for (int i = 0; i < DC_RL_SLOTS; i++) {
			if (!rl->e[i].failures) {
				e = &rl->e[i];
				break;
			}
			if (rl->e[i].last < e->last)
				e = &rl->e[i];
		}
		memset(e, 0, sizeof *e);
		snprintf(e->key, sizeof e->key, "%s", key);
	}
	e->failures++;
	e->last = now;
	/* An address may be a whole office behind NAT: more free tries. */
	int free_tries = strncmp(key, "ip:", 3) == 0 ? DC_RL_FREE_IP : DC_RL_FREE;
	if (e->failures >= free_tries) {
		int shift = e->failures - free_tries;
		long wait = shift >= 10 ? DC_RL_MAX_WAIT : (long)DC_RL_FIRST_WAIT << shift;
		e->until = now + (wait > DC_RL_MAX_WAIT ? DC_RL_MAX_WAIT : wait);
	}
}

void dc_rl_clear(struct dc_ratelimit *rl, const char *key)
{
	struct dc_rl_entry *e = (struct dc_rl_entry *)rl_find(rl, key);
	if (e)
		memset(e, 0, sizeof *e);
}
