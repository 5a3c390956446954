/* cli_gateway.c — commands that talk to the running decran-gateway. */
#include <stdio.h>
#include <sys/stat.h>

#include "cli_gateway.h"

#include <getopt.h>
#include <string.h>

#include "cli.h"
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

bool cli_gateway_reload(const char *socket_opt)
{
	const char *path = gw_ctl_socket(socket_opt);
	struct stat sb;
	char err[512];
	if (stat(path, &sb) < 0)
		return false;	/* no daemon here: it loads everything at start */
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "cmd", "reload");
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

int cli_gateway_args(int argc, char **argv, const char *verb, void (*usage)(FILE *),
		     int *json, const char **sock, int *first)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*json = 0;
	*sock = NULL;
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	if (strcmp(argv[1], verb) != 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	/* Parse from the verb on, as if it were the program name. */
	optind = 0;
	while ((c = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			*json = 1;
			break;
		case 's':
			*sock = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	*first = optind + 1;
	return -1;
}
