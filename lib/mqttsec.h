/* mqttsec.h — who a daemon is on the broker, and how it talks to it:
 * username, password file and TLS, the same for the gateway (gateway.json
 * "broker") and a relay box (decran-relay.json "mqtt").
 *
 *   "username": "gare-nord", "password_file": "mqtt-password",
 *   "tls": { "ca_file": "/etc/decran-relay/ca.crt",       (or "ca_dir")
 *            "cert_file": "...", "key_file": "...",        (client certificate)
 *            "min_version": "tlsv1.2" | "tlsv1.3",
 *            "verify": true,  "insecure": true only with "verify": false }
 *
 * dc_mqtt_sec_parse reads the fields of a JSON object (pure: names the
 * field at fault); dc_mqtt_sec_load then checks the files and reads the
 * password (docs/security.md).  Absent: anonymous, plain TCP (dev, demo).
 */
#ifndef DECRAN_MQTTSEC_H
#define DECRAN_MQTTSEC_H

#include <stdbool.h>
#include <stddef.h>

#include <cJSON.h>

#define DC_SEC_PATH_MAX 256

enum dc_tls_version { DC_TLS_1_2, DC_TLS_1_3 };

struct dc_mqtt_sec {
	char username[64];
	char password_file[DC_SEC_PATH_MAX];
	bool tls;
	char ca_file[DC_SEC_PATH_MAX], ca_dir[DC_SEC_PATH_MAX];
	char cert_file[DC_SEC_PATH_MAX], key_file[DC_SEC_PATH_MAX];
	enum dc_tls_version min_version;
	bool verify;		/* the broker's certificate and name are checked */
};

/* The fields mqttsec owns in a broker object, for the caller's list of
 * known keys. */
#define DC_MQTT_SEC_KEYS "username", "password_file", "tls"

/* Read the security fields of `obj` (the broker object at `path`, e.g.
 * "broker"); other keys are the caller's.  0, or -1 with
 * "path.field: message" in err and *out untouched. */
int dc_mqtt_sec_parse(const cJSON *obj, const char *path, struct dc_mqtt_sec *out, char *err,
		      size_t errlen);

/* Make the relative name p absolute from `base` (NULL, or a result too
 * long for len: left alone); on a relay box `base` is $CREDENTIALS_DIRECTORY. */
void dc_path_resolve(char *p, size_t len, const char *base);
/* Same for every file name of s. */
void dc_mqtt_sec_resolve(struct dc_mqtt_sec *s, const char *base);

/* Check every file named (present, readable; the password file and the
 * private key readable by their owner alone) and read the password: its
 * first line, without the line end.  password is "" when there is no
 * password file.  0, or -1 with "path.field: file: why" in err. */
int dc_mqtt_sec_load(const struct dc_mqtt_sec *s, const char *path, char *password,
		     size_t pwlen, char *err, size_t errlen);

const char *dc_tls_version_name(enum dc_tls_version v);

#endif
