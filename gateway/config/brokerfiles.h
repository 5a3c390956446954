/* brokerfiles.h — mosquitto's password and ACL files, as decran writes
 * them for `decran boxes provision` and `revoke` (pure: text in, text out).
 *
 * Password file: one "user:$7$101$<salt>$<hash>" line per account, the
 * PBKDF2-SHA512 format mosquitto_passwd writes by default since mosquitto
 * 2.0 (Debian 12 ships 2.0.11).  ACL file: one block per account,
 *
 *   # decran: box gare-nord
 *   user gare-nord
 *   topic write decran/gare-nord/state/+
 *   ...
 *
 * Editing one account replaces or removes that account's lines and keeps
 * every other line of the file as it was (an administrator's own entries).
 * Every account gets exactly the topics its role needs (docs/security.md).
 */
#ifndef DECRAN_BROKERFILES_H
#define DECRAN_BROKERFILES_H

#include <stddef.h>

#include "gwconfig.h"

#define GW_ACCOUNT_GATEWAY_DEFAULT "decran-gateway"
#define GW_ACCOUNT_GRID "decran-grid"
#define GW_SALT_LEN 12

/* "user:$7$101$salt$hash" (no newline) from a password and 12 random
 * bytes of salt.  Length written, or 0 when out is too small. */
size_t gw_passwd_line(const char *user, const char *password,
		      const unsigned char salt[GW_SALT_LEN], char *out, size_t len);
/* Is `user` in the password file text? */
int gw_passwd_has(const char *text, const char *user);
/* The file's text with `user`'s line replaced by `line` (added at the end
 * when absent; NULL: removed).  malloc'd, NULL when out of memory. */
char *gw_passwd_edit(const char *text, const char *user, const char *line);

/* The ACL's text with `user`'s block removed, then `block` appended (NULL:
 * only removed).  malloc'd, NULL when out of memory. */
char *gw_acl_edit(const char *text, const char *user, const char *block);

/* May this name be an account and its topics be written in the files?
 * (no ':' nor space nor control character; not a reserved account). */
int gw_account_name_ok(const char *name);

/* The ACL block of a box (native, Tasmota or Shelly), the gateway
 * (`user`: its broker.username; every box of the configuration) and the
 * grid alerts' publisher.  Length written, 0 when out is too small or the
 * box has no MQTT topics (Modbus). */
size_t gw_acl_box(const struct gw_config *c, const struct gw_box *b, char *out, size_t len);
size_t gw_acl_gateway(const struct gw_config *c, const char *user, char *out, size_t len);
size_t gw_acl_grid(char *out, size_t len);

#endif
