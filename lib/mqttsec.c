/* mqttsec.c — broker credentials and TLS settings: parse, check, load. */
#include "mqttsec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "i18n.h"

#define PASSWORD_MAX_FILE 4096

static int fail(char *err, size_t errlen, const char *path, const char *field, const char *fmt,
		...) __attribute__((format(printf, 5, 6)));
static int fail(char *err, size_t errlen, const char *path, const char *field, const char *fmt,
		...)
{
	char msg[320];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "%s.%s: %s", path, field, msg);
	return -1;
}

static int str_field(const cJSON *o, const char *path, const char *key, char *dst, size_t len,
		     char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!v)
		return 0;
	if (!cJSON_IsString(v) || !*v->valuestring || strlen(v->valuestring) >= len)
		return fail(err, errlen, path, key,
			    TR("doit être une chaîne non vide de moins de %zu octets",
			       "must be a non-empty string shorter than %zu bytes"), len);
	snprintf(dst, len, "%s", v->valuestring);
	return 0;
}

static int bool_field(const cJSON *o, const char *path, const char *key, bool *dst, char *err,
		      size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!v)
		return 0;
	if (!cJSON_IsBool(v))
		return fail(err, errlen, path, key, "%s",
			    TR("doit être true ou false", "must be true or false"));
	*dst = cJSON_IsTrue(v);
	return 0;
}

const char *dc_tls_version_name(enum dc_tls_version v)
{
	return v == DC_TLS_1_3 ? "tlsv1.3" : "tlsv1.2";
}

static int parse_tls(const cJSON *t, const char *path, struct dc_mqtt_sec *s, char *err,
		     size_t errlen)
{
	static const char *const keys[] = { "ca_file", "ca_dir", "cert_file", "key_file",
					    "min_version", "verify", "insecure", NULL };
	char version[16] = "tlsv1.2";
	bool insecure = false;
	const cJSON *it;

	if (!cJSON_IsObject(t))
		return fail(err, errlen, path, "tls", "%s",
			    TR("doit être un objet", "must be an object"));
	char tp[96];
	snprintf(tp, sizeof tp, "%s.tls", path);
	cJSON_ArrayForEach(it, t) {
		const char *const *k = keys;
		while (*k && strcmp(*k, it->string))
			k++;
		if (!*k)
			return fail(err, errlen, tp, it->string, "%s",
				    TR("champ inconnu", "unknown field"));
	}
	s->tls = true;
	if (str_field(t, tp, "ca_file", s->ca_file, sizeof s->ca_file, err, errlen) ||
	    str_field(t, tp, "ca_dir", s->ca_dir, sizeof s->ca_dir, err, errlen) ||
	    str_field(t, tp, "cert_file", s->cert_file, sizeof s->cert_file, err, errlen) ||
	    str_field(t, tp, "key_file", s->key_file, sizeof s->key_file, err, errlen) ||
	    str_field(t, tp, "min_version", version, sizeof version, err, errlen) ||
	    bool_field(t, tp, "verify", &s->verify, err, errlen) ||
	    bool_field(t, tp, "insecure", &insecure, err, errlen))
		return -1;
	if (!strcmp(version, "tlsv1.2"))
		s->min_version = DC_TLS_1_2;
	else if (!strcmp(version, "tlsv1.3"))
		s->min_version = DC_TLS_1_3;
	else
		return fail(err, errlen, tp, "min_version",
			    TR("« %s » inconnue (\"tlsv1.2\" ou \"tlsv1.3\")",
			       "\"%s\" unknown (\"tlsv1.2\" or \"tlsv1.3\")"), version);
	/* libmosquitto verifies against a CA file or directory, never nothing. */
	if (!*s->ca_file && !*s->ca_dir)
		return fail(err, errlen, tp, "ca_file", "%s",
			    TR("obligatoire (ou \"ca_dir\") : l'autorité qui a signé le certificat "
			       "du courtier",
			       "required (or \"ca_dir\"): the authority that signed the broker's "
			       "certificate"));
	if (*s->key_file && !*s->cert_file)
		return fail(err, errlen, tp, "cert_file", "%s",
			    TR("obligatoire avec \"key_file\"", "required with \"key_file\""));
	if (*s->cert_file && !*s->key_file)
		return fail(err, errlen, tp, "key_file", "%s",
			    TR("obligatoire avec \"cert_file\"", "required with \"cert_file\""));
	/* Not checking the broker's certificate lets anyone on the path be
	 * the broker: it takes two words to say so. */
	if (!s->verify && !insecure)
		return fail(err, errlen, tp, "verify", "%s",
			    TR("false exige aussi \"insecure\": true (le courtier n'est alors pas "
			       "authentifié)",
			       "false also needs \"insecure\": true (the broker is then not "
			       "authenticated)"));
	if (s->verify && insecure)
		return fail(err, errlen, tp, "insecure", "%s",
			    TR("seulement avec \"verify\": false", "only with \"verify\": false"));
	return 0;
}

int dc_mqtt_sec_parse(const cJSON *obj, const char *path, struct dc_mqtt_sec *out, char *err,
		      size_t errlen)
{
	struct dc_mqtt_sec s;
	memset(&s, 0, sizeof s);
	s.verify = true;
	s.min_version = DC_TLS_1_2;
	if (str_field(obj, path, "username", s.username, sizeof s.username, err, errlen) ||
	    str_field(obj, path, "password_file", s.password_file, sizeof s.password_file, err,
		      errlen))
		return -1;
	if (*s.password_file && !*s.username)
		return fail(err, errlen, path, "username", "%s",
			    TR("obligatoire avec \"password_file\"",
			       "required with \"password_file\""));
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(obj, "tls");
	if (t && parse_tls(t, path, &s, err, errlen) < 0)
		return -1;
	*out = s;
	return 0;
}

void dc_path_resolve(char *p, size_t len, const char *base)
{
	char tmp[2 * DC_SEC_PATH_MAX + 2];
	if (!base || !*p || p[0] == '/')
		return;
	snprintf(tmp, sizeof tmp, "%s/%s", base, p);
	if (strlen(tmp) < len)
		memcpy(p, tmp, strlen(tmp) + 1);
}

void dc_mqtt_sec_resolve(struct dc_mqtt_sec *s, const char *base)
{
	dc_path_resolve(s->password_file, sizeof s->password_file, base);
	dc_path_resolve(s->ca_file, sizeof s->ca_file, base);
	dc_path_resolve(s->ca_dir, sizeof s->ca_dir, base);
	dc_path_resolve(s->cert_file, sizeof s->cert_file, base);
	dc_path_resolve(s->key_file, sizeof s->key_file, base);
}

/* Open `file` for reading; a secret must be its owner's alone. */
static int check_file(const char *path, const char *field, const char *file, bool dir,
		      bool secret, char *err, size_t errlen)
{
	struct stat st;
	int fd;
	char where[96];
	snprintf(where, sizeof where, "%s", path);
	if (!*file)
		return 0;
	fd = open(file, (dir ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return fail(err, errlen, where, field, "%s: %s", file,
			    e == ENOENT ? TR("fichier absent", "no such file")
			    : e == EACCES ? TR("illisible (droits)", "unreadable (permission denied)")
			    : strerror(e));
	}
	close(fd);
	if (!dir && !S_ISREG(st.st_mode))
		return fail(err, errlen, where, field, "%s: %s", file,
			    TR("pas un fichier ordinaire", "not a regular file"));
	if (secret && (st.st_mode & (S_IRWXG | S_IRWXO)))
		return fail(err, errlen, where, field,
			    TR("%s : lisible par d'autres que son propriétaire (mode %03o) : "
			       "chmod 600 (ou LoadCredential=)",
			       "%s: readable by others than its owner (mode %03o): "
			       "chmod 600 (or LoadCredential=)"),
			    file, (unsigned)(st.st_mode & 0777));
	return 0;
}

int dc_mqtt_sec_load(const struct dc_mqtt_sec *s, const char *path, char *password,
		     size_t pwlen, char *err, size_t errlen)
{
	char tp[96];
	snprintf(tp, sizeof tp, "%s.tls", path);
	*password = '\0';
	if (check_file(path, "password_file", s->password_file, false, true, err, errlen) ||
	    (s->tls && (check_file(tp, "ca_file", s->ca_file, false, false, err, errlen) ||
			check_file(tp, "ca_dir", s->ca_dir, true, false, err, errlen) ||
			check_file(tp, "cert_file", s->cert_file, false, false, err, errlen) ||
			check_file(tp, "key_file", s->key_file, false, true, err, errlen))))
		return -1;
	if (!*s->password_file)
		return 0;
	FILE *f = fopen(s->password_file, "re");
	char line[PASSWORD_MAX_FILE];
	if (!f)
		return fail(err, errlen, path, "password_file", "%s: %s", s->password_file,
			    strerror(errno));
	if (!fgets(line, sizeof line, f))
		line[0] = '\0';
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	if (!*line)
		return fail(err, errlen, path, "password_file", "%s: %s", s->password_file,
			    TR("vide (le mot de passe est sa première ligne)",
			       "empty (the password is its first line)"));
	if (strlen(line) >= pwlen)
		return fail(err, errlen, path, "password_file", TR("%s : mot de passe trop long "
								    "(%zu octets au plus)",
								    "%s: password too long "
								    "(at most %zu bytes)"),
			    s->password_file, pwlen - 1);
	snprintf(password, pwlen, "%s", line);
	explicit_bzero(line, sizeof line);
	return 0;
}
