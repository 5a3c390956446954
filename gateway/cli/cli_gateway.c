/* cli_gateway.c — commands that talk to the running decran-gateway. */
#include <stdio.h>
#include <sys/stat.h>

#include "cli_gateway.h"

#include "ctlclient.h"
#include "i18n.h"

cJSON *cli_gateway_call(const char *socket_opt, cJSON *request, int timeout_ms)
{
	char err[512];
	cJSON *ans = gw_ctl_call(gw_ctl_socket(socket_opt), request, timeout_ms, err, sizeof err);
	cJSON_Delete(request);
	if (!ans) {
		fprintf(stderr, "decran: %s\n", err);
		return NULL;
	}
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ans, "ok"))) {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(ans, "error");
		fprintf(stderr, TR("decran : la passerelle refuse : %s\n",
				   "decran: the gateway refused: %s\n"),
			cJSON_IsString(e) ? e->valuestring : "?");
		/* relay test answers ok=false with its steps: the caller may want them */
		if (cJSON_GetObjectItemCaseSensitive(ans, "steps"))
			return ans;
		cJSON_Delete(ans);
		return NULL;
	}
	return ans;
}

/* {"cmd": cmd} to the daemon running here, if one does. */
static bool tell(const char *socket_opt, const char *cmd)
{
	const char *path = gw_ctl_socket(socket_opt);
	struct stat sb;
	char err[512];
	if (stat(path, &sb) < 0)
		return false;	/* no daemon here: it loads everything at start */
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "cmd", cmd);
	cJSON *ans = gw_ctl_call(path, req, 10000, err, sizeof err);
	cJSON_Delete(req);
	bool ok = ans && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ans, "ok"));
	if (!ok)
		fprintf(stderr, TR("decran : note : la passerelle n'a pas rechargé (%s) ; "
				   "elle prendra le changement en compte à son prochain démarrage\n",
				   "decran: note: the gateway did not reload (%s); it will take the "
				   "change into account when it next starts\n"),
			ans ? "refus" : err);
	cJSON_Delete(ans);
	return ok;
}

bool cli_gateway_reload(const char *socket_opt)
{
	return tell(socket_opt, "reload");
}

void cli_gateway_screens_changed(void)
{
	if (tell(NULL, "screens-changed"))
		printf("%s\n", TR("Passerelle informée.", "Gateway told."));
}

cJSON *cli_gateway_ask(const char *socket_opt, const char *cmd)
{
	cJSON *req = cJSON_CreateObject();

	cJSON_AddStringToObject(req, "cmd", cmd);
	return cli_gateway_call(socket_opt, req, 10000);
}
