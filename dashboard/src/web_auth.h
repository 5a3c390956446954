/* web_auth.h — dashboard accounts, sessions and login rate limiting.
 *
 * Accounts live in the main database's `users` table (created by a store
 * migration), written only by `decran users` (an administrator), read by
 * decran-web, which opens that database read-only: a compromised dashboard
 * cannot create an account.  Passwords are hashed by crypt(3) yescrypt
 * (libxcrypt).  A session is a 256-bit random token given to the browser in
 * an HttpOnly, SameSite=Strict cookie; sessions live in decran-web's own
 * SQLite file (its only writes), which keeps only the token's SHA-256, so a
 * stolen file opens no session.  Each session carries its own CSRF token for
 * forms, and a stamp of the account (password hash and role): a new
 * password or role, or a deleted account, ends its sessions.
 */
#ifndef DECRAN_WEB_AUTH_H
#define DECRAN_WEB_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct dc_store;

enum dc_role { DC_ROLE_NONE = 0, DC_ROLE_VIEWER, DC_ROLE_TECHNICIAN, DC_ROLE_ADMIN };

#define DC_USER_MAX 64
#define DC_TOKEN_HEX 65		/* 32 random bytes as hex + NUL */

const char *dc_role_name(enum dc_role r);
int dc_role_parse(const char *s);	/* -1 when unknown */
/* Login names: 1..63 of [A-Za-z0-9._-]. */
bool dc_user_name_valid(const char *name);

/* Create or replace (when `replace`) an account.  The password must be
 * 8..256 bytes.  0 ok, -1 with *err (static text, current language). */
int dc_user_set(struct dc_store *st, const char *name, enum dc_role role, const char *password,
		bool replace, const char **err);
/* 1 and *role when name/password match, 0 when not, -1 on error.  Takes the
 * same time whether or not the user exists. */
int dc_user_check(struct dc_store *st, const char *name, const char *password, enum dc_role *role);
/* Calls cb for each account (name, role, created). */
int dc_user_list(struct dc_store *st, void (*cb)(const char *name, const char *role,
						 const char *created, void *arg), void *arg);
/* 1 deleted, 0 no such user, -1 error; the user's sessions go too. */
int dc_user_delete(struct dc_store *st, const char *name);

struct dc_session {
	bool valid;
	char user[DC_USER_MAX];
	enum dc_role role;
	char csrf[DC_TOKEN_HEX];
};

/* Random hex token from getrandom(2).  0 / -1. */
int dc_random_hex(char out[DC_TOKEN_HEX]);
/* The sessions file (created, mode 0600, when missing).  NULL with *err
 * (malloc'd, may be NULL) on failure. */
struct dc_sessions;
struct dc_sessions *dc_sessions_open(const char *path, char **err);
void dc_sessions_close(struct dc_sessions *ss);
/* New session for an existing user (role and stamp read from st): *token
 * receives the cookie value.  0 / -1. */
int dc_session_create(struct dc_sessions *ss, struct dc_store *st, const char *user, time_t now,
		      int lifetime_s, char token[DC_TOKEN_HEX], struct dc_session *out);
/* 1 valid (out filled), 0 unknown/expired/account changed, -1 error. */
int dc_session_lookup(struct dc_sessions *ss, struct dc_store *st, const char *token, time_t now,
		      struct dc_session *out);
int dc_session_delete(struct dc_sessions *ss, const char *token);

/* Login throttling, per user name and per client address: once a key has
 * DC_RL_FREE failures (DC_RL_FREE_IP for "ip:" keys) it must wait
 * DC_RL_FIRST_WAIT seconds, doubled at each further failure, capped at
 * DC_RL_MAX_WAIT.  A success clears the key.  Pure: no I/O. */
#define DC_RL_SLOTS 512
#define DC_RL_FREE 3		/* per user name */
#define DC_RL_FREE_IP 10	/* per client address ("ip:" keys) */
#define DC_RL_FIRST_WAIT 5
#define DC_RL_MAX_WAIT 900
struct dc_rl_entry {
	char key[80];
	int failures;
	time_t last, until;
};
struct dc_ratelimit {
	struct dc_rl_entry e[DC_RL_SLOTS];
};
/* Seconds the key must still wait (0 = may try now). */
int dc_rl_wait(const struct dc_ratelimit *rl, const char *key, time_t now);
void dc_rl_fail(struct dc_ratelimit *rl, const char *key, time_t now);
void dc_rl_clear(struct dc_ratelimit *rl, const char *key);

#endif
