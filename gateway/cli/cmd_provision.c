/* cmd_provision.c — `decran boxes provision` and `revoke`: a box's broker
 * account (random password, mosquitto's password and ACL files), its
 * command key, and what the box needs to use them.
 *
 * Both files are rewritten whole (temporary file, rename) under one lock,
 * keeping every line that is not the account's, and the file's owner and
 * mode; mosquitto then reloads them (SIGHUP through its pid file).  The
 * hashes are written here with libcrypto, in mosquitto_passwd's own format,
 * rather than by running `mosquitto_passwd -b`: the password would be on a
 * command line (ps), and the file would be rewritten outside our lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "brokerfiles.h"
#include "cli.h"
#include "cli_provision.h"
#include "gwconfig.h"
#include "i18n.h"
#include "paths.h"

#define FILE_MAX (8 << 20)

static void usage(FILE *f)
{
	fputs(TR("usage : decran boxes provision BOÎTIER [--out DOSSIER] [--host HÔTE] [--port N]\n"
		 "                                 [--ca FICHIER] [--rotate] [--config FICHIER]\n"
		 "        decran boxes provision --gateway | --grid [--out DOSSIER] [--rotate]\n"
		 "        decran boxes revoke BOÎTIER | --grid [--config FICHIER]\n"
		 "Crée le compte du boîtier sur le courtier (mot de passe aléatoire, fichiers de\n"
		 "mots de passe et d'ACL de mosquitto), sa clé de commande, et écrit dans DOSSIER\n"
		 "(défaut ./decran-BOÎTIER) ce que le boîtier doit recevoir : extrait de\n"
		 "configuration decran-relay, ou commandes de la console Tasmota / appels RPC Shelly.\n"
		 "  --host, --port  adresse du courtier vue du boîtier (défaut : ce nom d'hôte, 8883)\n"
		 "  --ca FICHIER    certificat de l'autorité du courtier, à installer sur le boîtier\n"
		 "  --rotate        nouveau mot de passe et nouvelle clé pour un compte existant\n"
		 "  --gateway       le compte de la passerelle (broker.username, broker.password_file)\n"
		 "  --grid          le compte qui publie les alertes réseau (" GW_ACCOUNT_GRID ")\n"
		 "revoke retire le compte, ses droits et sa clé ; mosquitto recharge ses fichiers.\n",
		 "usage: decran boxes provision BOX [--out DIR] [--host HOST] [--port N]\n"
		 "                                [--ca FILE] [--rotate] [--config FILE]\n"
		 "       decran boxes provision --gateway | --grid [--out DIR] [--rotate]\n"
		 "       decran boxes revoke BOX | --grid [--config FILE]\n"
		 "Creates the box's broker account (random password, mosquitto's password and\n"
		 "ACL files), its command key, and writes into DIR (default ./decran-BOX) what\n"
		 "the box needs: a decran-relay configuration snippet, or the Tasmota console\n"
		 "commands / Shelly RPC calls.\n"
		 "  --host, --port  the broker's address as the box sees it (default: this host\n"
		 "                  name, 8883)\n"
		 "  --ca FILE       the certificate of the broker's authority, to install on the box\n"
		 "  --rotate        a new password and key for an existing account\n"
		 "  --gateway       the gateway's account (broker.username, broker.password_file)\n"
		 "  --grid          the account that publishes grid alerts (" GW_ACCOUNT_GRID ")\n"
		 "revoke removes the account, its rights and its key; mosquitto reloads its files.\n"),
	      f);
}

void cli_provision_usage(FILE *f)
{
	usage(f);
}

static int say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int say(const char *fmt, ...)
{
	va_list ap;
	fputs("decran boxes: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static void hex(const unsigned char *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static int random_bytes(unsigned char *b, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = getrandom(b + got, n - got, 0);
		if (r < 0 && errno != EINTR)
			return -1;
		if (r > 0)
			got += (size_t)r;
	}
	return 0;
}

/* The whole file, "" when it does not exist yet. */
static char *read_or_empty(const char *path)
{
	size_t len;
	char *s = dc_read_file(path, FILE_MAX, &len);
	if (!s && errno == ENOENT)
		s = strdup("");
	return s;
}

/* Replace a broker file, keeping its owner and mode; a new one is
 * 0640 root:mosquitto (the broker reads it after dropping privileges). */
static int write_broker_file(const char *path, const char *text)
{
	struct stat st;
	unsigned mode = 0640;
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;
	if (stat(path, &st) == 0) {
		mode = st.st_mode & 07777;
		uid = st.st_uid;
		gid = st.st_gid;
	} else {
		const struct group *g = getgrnam("mosquitto");
		if (g)
			gid = g->gr_gid;
	}
	if (dc_atomic_write_mode(path, text, strlen(text), mode, uid, gid) < 0)
		return say("%s: %s", path, strerror(errno));
	return 0;
}

/* mosquitto rereads its password and ACL files on SIGHUP. */
static void reload_broker(const struct gw_config *c)
{
	FILE *f = fopen(c->mosquitto_pid, "re");
	long pid = 0;
	if (f) {
		if (fscanf(f, "%ld", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	if (pid > 1 && kill((pid_t)pid, SIGHUP) == 0) {
		printf(TR("mosquitto (pid %ld) relit ses fichiers\n",
			  "mosquitto (pid %ld) rereads its files\n"), pid);
		return;
	}
	printf("%s", TR("à faire : systemctl reload mosquitto (pour qu'il relise ses fichiers)\n",
			"to do: systemctl reload mosquitto (so that it rereads its files)\n"));
}

struct job {
	struct gw_config cfg;
	const char *config_path, *out, *host, *ca;
	int port;
	int rotate, gateway, grid;
	const struct gw_box *box;
	const char *account;
	char outdir[GW_PATH_MAX];
	char password[40];	/* 16 random bytes, hex */
	char key[65];		/* 32 random bytes, hex */
	int lock_fd;
};

static int lock_files(struct job *j)
{
	char path[GW_PATH_MAX + 8];
	snprintf(path, sizeof path, "%s.lock", j->cfg.mosquitto_passwd);
	j->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (j->lock_fd < 0)
		return say("%s: %s", path, strerror(errno));
	if (flock(j->lock_fd, LOCK_EX) < 0)
		return say("%s: %s", path, strerror(errno));
	return 0;
}

static int write_secret(const char *dir, const char *name, const char *text, char *path,
			size_t len)
{
	snprintf(path, len, "%s/%s", dir, name);
	if (dc_atomic_write_mode(path, text, strlen(text), 0600, (uid_t)-1, (gid_t)-1) < 0)
		return say("%s: %s", path, strerror(errno));
	return 0;
}

static int make_dir(const char *dir)
{
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return say("%s: %s", dir, strerror(errno));
	return 0;
}

/* Who the gateway runs as: the owner of its database's directory
 * (/var/lib/decran, the unit's StateDirectory); -1 when unknown. */
static void gateway_owner(const struct gw_config *c, uid_t *uid, gid_t *gid)
{
	struct stat st;
	char dbdir[GW_PATH_MAX];
	snprintf(dbdir, sizeof dbdir, "%s", c->db_path);
	char *slash = strrchr(dbdir, '/');
	if (slash)
		*slash = '\0';
	bool known = slash && stat(dbdir, &st) == 0;
	*uid = known ? st.st_uid : (uid_t)-1;
	*gid = known ? st.st_gid : (gid_t)-1;
}

/* decran-relay: a configuration snippet to merge into decran-relay.json,
 * with the password as a systemd credential and the key beside it. */
static int bundle_native(struct job *j)
{
	char path[GW_PATH_MAX + 64], snippet[2048], line[80];
	snprintf(line, sizeof line, "%s\n", j->password);
	if (write_secret(j->outdir, "mqtt-password", line, path, sizeof path))
		return 1;
	snprintf(line, sizeof line, "%s\n", j->key);
	if (write_secret(j->outdir, "command.key", line, path, sizeof path))
		return 1;
	int n = snprintf(snippet, sizeof snippet,
		 "{\n"
		 "  \"mqtt\": {\n"
		 "    \"host\": \"%s\",\n"
		 "    \"port\": %d,\n"
		 "    \"client_id\": \"decran-relay-%s\",\n"
		 "    \"username\": \"%s\",\n"
		 "    \"password_file\": \"mqtt-password\",\n"
		 "    \"tls\": { \"ca_file\": \"" DECRAN_RELAY_SYSCONFDIR "/ca.crt\", "
		 "\"min_version\": \"tlsv1.2\" }\n"
		 "  },\n"
		 "  \"command_key_file\": \"" DECRAN_RELAY_SYSCONFDIR "/command.key\"\n"
		 "}\n", j->host, j->port, j->box->id, j->account);
	snprintf(path, sizeof path, "%s/decran-relay.snippet.json", j->outdir);
	if (n < 0 || (size_t)n >= sizeof snippet ||
	    dc_atomic_write_mode(path, snippet, (size_t)n, 0644, (uid_t)-1, (gid_t)-1) < 0)
		return say("%s: %s", path, strerror(errno));
	printf(TR("%s : à fusionner dans " DECRAN_RELAY_SYSCONFDIR "/decran-relay.json ;\n"
		  "  mqtt-password → " DECRAN_RELAY_SYSCONFDIR "/mqtt.password (root, 0600 ; "
		  "LoadCredential=mqtt-password:… dans l'unité)\n"
		  "  command.key → " DECRAN_RELAY_SYSCONFDIR "/command.key, ca.crt → "
		  DECRAN_RELAY_SYSCONFDIR "/ca.crt\n",
		  "%s: merge into " DECRAN_RELAY_SYSCONFDIR "/decran-relay.json;\n"
		  "  mqtt-password → " DECRAN_RELAY_SYSCONFDIR "/mqtt.password (root, 0600; "
		  "LoadCredential=mqtt-password:… in the unit)\n"
		  "  command.key → " DECRAN_RELAY_SYSCONFDIR "/command.key, ca.crt → "
		  DECRAN_RELAY_SYSCONFDIR "/ca.crt\n"), path);
	return 0;
}

/* Tasmota: one Backlog line for the device's console.  TLS needs a
 * tasmota32 (or zbbridge) build; a self-signed authority is checked by
 * the fingerprint of the broker's public key (SetOption132 1). */
static int bundle_tasmota(struct job *j)
{
	char path[GW_PATH_MAX + 64], text[2048];
	int n = snprintf(text, sizeof text,
		 "Backlog MqttHost %s; MqttPort %d; MqttUser %s; MqttPassword %s; "
		 "MqttClient %s; Topic %s; SetOption103 1; SetOption132 1\n"
		 "# %s\n"
		 "# %s\n", j->host, j->port, j->account, j->password, j->account, j->box->topic,
		 TR("TLS (SetOption103 1) : versions tasmota32 et zbbridge seulement ; "
		    "SetOption132 1 vérifie le courtier par l'empreinte de sa clé (MqttFingerprint, "
		    "docs/security.md)",
		    "TLS (SetOption103 1): tasmota32 and zbbridge builds only; SetOption132 1 checks "
		    "the broker by its key's fingerprint (MqttFingerprint, docs/security.md)"),
		 TR("sans TLS : retirer SetOption103 et SetOption132, --port de l'écoute LAN en clair",
		    "without TLS: drop SetOption103 and SetOption132, --port of the plain LAN "
		    "listener"));
	if (n < 0 || (size_t)n >= sizeof text)
		return say("%s", TR("commande trop longue", "command too long"));
	if (write_secret(j->outdir, "tasmota-console.txt", text, path, sizeof path))
		return 1;
	fputs(text, stdout);
	printf(TR("(aussi dans %s)\n", "(also in %s)\n"), path);
	return 0;
}

/* Shelly Gen2+: RPC calls over the device's local HTTP API. */
static int bundle_shelly(struct job *j)
{
	char path[GW_PATH_MAX + 64], text[4096];
	FILE *f;
	char *buf = NULL;
	size_t len = 0;
	if (!(f = open_memstream(&buf, &len)))
		return say("%s", strerror(errno));
	if (j->ca) {
		size_t clen;
		char *pem = dc_read_file(j->ca, 64 << 10, &clen);
		if (!pem) {
			fclose(f);
			free(buf);
			return say("--ca %s: %s", j->ca, strerror(errno));
		}
		fputs("curl -s http://SHELLY-IP/rpc -d '{\"id\":1,\"method\":\"Shelly.PutUserCA\","
		      "\"params\":{\"data\":\"", f);
		for (const char *p = pem; *p; p++)
			if (*p == '\n')
				fputs("\\n", f);
			else if (*p != '\r')
				fputc(*p, f);
		fputs("\",\"append\":false}}'\n", f);
		free(pem);
	}
	fprintf(f, "curl -s http://SHELLY-IP/rpc -d '{\"id\":2,\"method\":\"MQTT.SetConfig\","
		   "\"params\":{\"config\":{\"enable\":true,\"server\":\"%s:%d\",\"client_id\":\"%s\","
		   "\"user\":\"%s\",\"pass\":\"%s\",\"ssl_ca\":\"%s\",\"topic_prefix\":\"%s\","
		   "\"rpc_ntf\":true,\"status_ntf\":true}}}'\n"
		   "curl -s http://SHELLY-IP/rpc -d '{\"id\":3,\"method\":\"Shelly.Reboot\"}'\n"
		   "# %s\n",
		j->host, j->port, j->account, j->account, j->password,
		j->ca ? "user_ca.pem" : "ca.pem", j->box->topic,
		TR("ssl_ca \"user_ca.pem\" : l'autorité chargée par Shelly.PutUserCA (--ca) ; "
		   "\"ca.pem\" : celles du Shelly ; TLS 1.2",
		   "ssl_ca \"user_ca.pem\": the authority loaded by Shelly.PutUserCA (--ca); "
		   "\"ca.pem\": the Shelly's own; TLS 1.2"));
	if (fclose(f)) {
		free(buf);
		return say("%s", strerror(errno));
	}
	snprintf(text, sizeof text, "%s", buf ? buf : "");
	int rc = write_secret(j->outdir, "shelly-rpc.sh", buf ? buf : "", path, sizeof path);
	if (!rc) {
		fputs(text, stdout);
		printf(TR("(aussi dans %s ; SHELLY-IP : l'adresse du Shelly)\n",
			  "(also in %s; SHELLY-IP: the Shelly's address)\n"), path);
	}
	free(buf);
	return rc;
}

static int copy_ca(struct job *j)
{
	size_t len;
	char path[GW_PATH_MAX + 16];
	if (!j->ca)
		return 0;
	char *pem = dc_read_file(j->ca, 64 << 10, &len);
	if (!pem)
		return say("--ca %s: %s", j->ca, strerror(errno));
	snprintf(path, sizeof path, "%s/ca.crt", j->outdir);
	int rc = dc_atomic_write_mode(path, pem, len, 0644, (uid_t)-1, (gid_t)-1);
	free(pem);
	return rc < 0 ? say("%s: %s", path, strerror(errno)) : 0;
}

/* The account's password line and ACL block, the gateway's block as the
 * configuration now stands, then both files and a reload. */
static int update_broker(struct job *j, const char *pwline, const char *block)
{
	char *passwd = read_or_empty(j->cfg.mosquitto_passwd), *acl = NULL, *np = NULL,
	     *na = NULL, *tmp = NULL, gwblock[1 << 16];
	int rc = 1;
	if (!passwd) {
		say("%s: %s", j->cfg.mosquitto_passwd, strerror(errno));
		goto out;
	}
	if (!(acl = read_or_empty(j->cfg.mosquitto_acl))) {
		say("%s: %s", j->cfg.mosquitto_acl, strerror(errno));
		goto out;
	}
	if (!(np = gw_passwd_edit(passwd, j->account, pwline)) ||
	    !(na = gw_acl_edit(acl, j->account, block)))
		goto oom;
	/* The gateway reads every box of the configuration: its block follows. */
	if (*j->cfg.broker_sec.username && !j->gateway) {
		const char *gw = j->cfg.broker_sec.username;
		if (!gw_acl_gateway(&j->cfg, gw, gwblock, sizeof gwblock))
			goto oom;
		if (!(tmp = gw_acl_edit(na, gw, gw_passwd_has(np, gw) ? gwblock : NULL)))
			goto oom;
		free(na);
		na = tmp;
	}
	/* ACL first: an account never exists without its limits. */
	if (pwline ? write_broker_file(j->cfg.mosquitto_acl, na) ||
			     write_broker_file(j->cfg.mosquitto_passwd, np)
		   : write_broker_file(j->cfg.mosquitto_passwd, np) ||
			     write_broker_file(j->cfg.mosquitto_acl, na))
		goto out;
	reload_broker(&j->cfg);
	rc = 0;
	goto out;
oom:
	say("%s", strerror(ENOMEM));
out:
	free(passwd);
	free(acl);
	free(np);
	free(na);
	return rc;
}

static int parse_job(struct job *j, int argc, char **argv, bool revoke)
{
	const char *port = NULL;
	int first, rc;
	const struct cli_opt opts[] = {
		CLI_OPT_ARG("config", &j->config_path), CLI_OPT_ARG("out", &j->out),
		CLI_OPT_ARG("host", &j->host), CLI_OPT_ARG("port", &port),
		CLI_OPT_ARG("ca", &j->ca), CLI_OPT_FLAG("rotate", &j->rotate),
		CLI_OPT_FLAG("gateway", &j->gateway), CLI_OPT_FLAG("grid", &j->grid), CLI_OPT_END
	};
	char err[1024];
	if ((rc = cli_parse_opts(argc, argv, opts, usage, &first)) >= 0)
		return rc;
	int want = (j->gateway || j->grid) ? 0 : 1;
	if (argc - first != want || (j->gateway && j->grid) || (revoke && j->gateway)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	j->port = 8883;
	if (port) {
		char *end;
		long p = strtol(port, &end, 10);
		if (*end || p < 1 || p > 65535)
			return say("--port %s: %s", port, TR("port entre 1 et 65535",
							    "a port between 1 and 65535"));
		j->port = (int)p;
	}
	if (!j->config_path)
		j->config_path = DECRAN_GATEWAY_CONFIG;
	if (gw_config_load(j->config_path, &j->cfg, err, sizeof err) < 0)
		return say("%s", err);
	if (j->gateway) {
		j->account = j->cfg.broker_sec.username;
		if (!*j->account || !*j->cfg.broker_sec.password_file)
			return say(TR("%s : broker.username et broker.password_file d'abord (le compte "
				      "et le fichier de mot de passe de la passerelle)",
				      "%s: broker.username and broker.password_file first (the "
				      "gateway's account and password file)"), j->config_path);
	} else if (j->grid) {
		j->account = GW_ACCOUNT_GRID;
	} else {
		const char *id = argv[first];
		int i = gw_config_box(&j->cfg, id);
		if (i < 0)
			return say(TR("%s : pas de boîtier « %s » dans %s",
				      "%s: no box \"%s\" in %s"), id, id, j->config_path);
		j->box = &j->cfg.boxes[i];
		j->account = j->box->id;
		if (j->box->driver > GW_DRV_SHELLY)
			return say(TR("%s : pilote %s, sans courtier MQTT (Modbus n'a pas de compte)",
				      "%s: driver %s, no MQTT broker (Modbus has no account)"),
				   id, gw_driver_name(j->box->driver));
		if (!gw_account_name_ok(id) || !strcmp(id, j->cfg.broker_sec.username))
			return say(TR("%s : nom réservé à un autre compte du courtier",
				      "%s: name reserved for another broker account"), id);
	}
	if (!j->host) {
		static char host[256];
		if (gethostname(host, sizeof host - 1) < 0)
			snprintf(host, sizeof host, "localhost");
		j->host = host;
	}
	return -1;
}

int cli_boxes_provision(struct cli *cli, int argc, char **argv)
{
	struct job j;
	unsigned char pw[16], key[32], salt[GW_SALT_LEN];
	char line[512], block[4096], path[GW_PATH_MAX + 80];
	int rc;
	(void)cli;
	memset(&j, 0, sizeof j);
	j.lock_fd = -1;
	if ((rc = parse_job(&j, argc, argv, false)) >= 0)
		goto out;
	rc = 1;
	uid_t gw_uid;
	gid_t gw_gid;
	gateway_owner(&j.cfg, &gw_uid, &gw_gid);
	/* Only root gives a file away: say so before writing anything, the
	 * lock file included. */
	if (!j.grid && gw_uid != (uid_t)-1 && geteuid() != 0 && geteuid() != gw_uid) {
		say(TR("les secrets doivent appartenir à l'utilisateur %u (propriétaire du dossier "
		       "de %s) pour que la passerelle les lise : lancez-moi en root (sudo) ou en "
		       "tant que cet utilisateur ; rien n'a été écrit",
		       "the secrets must belong to user %u (owner of the directory of %s) for the "
		       "gateway to read them: run me as root (sudo) or as that user; nothing was "
		       "written"), (unsigned)gw_uid, j.cfg.db_path);
		goto out;
	}
	if (lock_files(&j))
		goto out;
	if (random_bytes(pw, sizeof pw) || random_bytes(key, sizeof key) ||
	    random_bytes(salt, sizeof salt)) {
		say("getrandom: %s", strerror(errno));
		goto out;
	}
	hex(pw, sizeof pw, j.password);
	hex(key, sizeof key, j.key);
	if (!gw_passwd_line(j.account, j.password, salt, line, sizeof line)) {
		say("%s", TR("empreinte du mot de passe impossible", "cannot hash the password"));
		goto out;
	}
	size_t bl = j.gateway ? gw_acl_gateway(&j.cfg, j.account, block, sizeof block)
		  : j.grid ? gw_acl_grid(block, sizeof block)
			   : gw_acl_box(&j.cfg, j.box, block, sizeof block);
	if (!bl) {
		say(TR("%s : sujet MQTT impossible à écrire dans l'ACL",
		       "%s: MQTT topic that cannot be written in the ACL"), j.account);
		goto out;
	}
	/* Refuse a second provisioning before anything is written. */
	char *cur = read_or_empty(j.cfg.mosquitto_passwd);
	bool exists = cur && gw_passwd_has(cur, j.account);
	free(cur);
	if (exists && !j.rotate) {
		say(TR("« %s » a déjà un compte dans %s : --rotate pour un nouveau mot de passe et "
		       "une nouvelle clé, ou decran boxes revoke d'abord",
		       "\"%s\" already has an account in %s: --rotate for a new password and key, "
		       "or decran boxes revoke first"), j.account, j.cfg.mosquitto_passwd);
		goto out;
	}
	if (j.gateway) {
		/* The gateway's own password file, owned like its database. */
		snprintf(path, sizeof path, "%s\n", j.password);
		if (dc_atomic_write_mode(j.cfg.broker_sec.password_file, path, strlen(path), 0600,
					 gw_uid, gw_gid) < 0) {
			say("%s: %s", j.cfg.broker_sec.password_file, strerror(errno));
			goto out;
		}
		printf(TR("mot de passe de la passerelle : %s\n", "the gateway's password: %s\n"),
		       j.cfg.broker_sec.password_file);
	} else {
		snprintf(j.outdir, sizeof j.outdir, "%s", j.out ? j.out : "");
		if (!j.out)
			snprintf(j.outdir, sizeof j.outdir, "decran-%s", j.account);
		if (make_dir(j.outdir))
			goto out;
		if (j.grid) {
			snprintf(path, sizeof path, "%s\n", j.password);
			char f[GW_PATH_MAX + 32];
			if (write_secret(j.outdir, "mqtt.password", path, f, sizeof f))
				goto out;
			printf(TR("compte %s : mot de passe dans %s\n", "account %s: password in %s\n"),
			       j.account, f);
		} else {
			/* The box's command key: kept by the gateway, a copy for the box. */
			char kline[80];
			snprintf(kline, sizeof kline, "%s\n", j.key);
			/* The gateway reads it (as its own user, not root's). */
			if (make_dir(j.cfg.box_keys_dir))
				goto out;
			if (gw_uid != (uid_t)-1 && geteuid() == 0 &&
			    chown(j.cfg.box_keys_dir, gw_uid, gw_gid) < 0) {
				say("%s: %s", j.cfg.box_keys_dir, strerror(errno));
				goto out;
			}
			snprintf(path, sizeof path, "%s/%s.key", j.cfg.box_keys_dir, j.account);
			if (dc_atomic_write_mode(path, kline, strlen(kline), 0600, gw_uid, gw_gid) < 0) {
				say("%s: %s", path, strerror(errno));
				goto out;
			}
			if (copy_ca(&j) ||
			    (j.box->driver == GW_DRV_NATIVE ? bundle_native(&j)
			     : j.box->driver == GW_DRV_TASMOTA ? bundle_tasmota(&j)
							       : bundle_shelly(&j)))
				goto out;
		}
	}
	rc = update_broker(&j, line, block);
	if (!rc)
		printf(TR("compte %s créé sur le courtier (%s, %s)\n",
			  "account %s created on the broker (%s, %s)\n"),
		       j.account, j.cfg.mosquitto_passwd, j.cfg.mosquitto_acl);
out:
	explicit_bzero(j.password, sizeof j.password);
	explicit_bzero(j.key, sizeof j.key);
	if (j.lock_fd >= 0)
		close(j.lock_fd);
	if (j.cfg.boxes)
		gw_config_free(&j.cfg);
	return rc;
}

/* Has the account a password line, an ACL block or (a box) a key? */
static bool provisioned(const struct job *j, const char *keypath)
{
	char *passwd = read_or_empty(j->cfg.mosquitto_passwd);
	char *acl = read_or_empty(j->cfg.mosquitto_acl);
	char *stripped = acl ? gw_acl_edit(acl, j->account, NULL) : NULL;
	bool any = (*keypath && access(keypath, F_OK) == 0) ||
		   !passwd || !acl || !stripped ||	/* unsure: let update_broker say why */
		   gw_passwd_has(passwd, j->account) || strcmp(stripped, acl) != 0;
	free(passwd);
	free(acl);
	free(stripped);
	return any;
}

int cli_boxes_revoke(struct cli *cli, int argc, char **argv)
{
	struct job j;
	char path[GW_PATH_MAX + 80];
	int rc;
	(void)cli;
	memset(&j, 0, sizeof j);
	j.lock_fd = -1;
	if ((rc = parse_job(&j, argc, argv, true)) >= 0)
		goto out;
	rc = 1;
	if (lock_files(&j))
		goto out;
	path[0] = '\0';
	if (j.box)
		snprintf(path, sizeof path, "%s/%s.key", j.cfg.box_keys_dir, j.account);
	/* A mistyped name must not read as done. */
	if (!provisioned(&j, path)) {
		rc = say(TR("%s : aucun compte de ce nom dans %s ni %s, aucune clé : rien à retirer",
			    "%s: no such account in %s nor %s, no key: nothing to revoke"),
			 j.account, j.cfg.mosquitto_passwd, j.cfg.mosquitto_acl);
		goto out;
	}
	rc = update_broker(&j, NULL, NULL);
	if (rc)
		goto out;
	if (j.box) {
		if (unlink(path) < 0 && errno != ENOENT) {
			rc = say("%s: %s", path, strerror(errno));
			goto out;
		}
	}
	printf(TR("compte %s retiré du courtier, ses droits et sa clé avec lui\n",
		  "account %s removed from the broker, with its rights and its key\n"), j.account);
out:
	if (j.lock_fd >= 0)
		close(j.lock_fd);
	if (j.cfg.boxes)
		gw_config_free(&j.cfg);
	return rc;
}
