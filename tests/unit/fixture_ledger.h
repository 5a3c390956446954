/* fixture_ledger.h — for the ledger and dashboard unit tests: a new
 * database in its own temporary directory, and the ledger's default
 * configuration.  Included by one test file each (static functions). */
#ifndef DECRAN_FIXTURE_LEDGER_H
#define DECRAN_FIXTURE_LEDGER_H

#include <stdio.h>
#include <stdlib.h>

#include "i18n.h"
#include "ledger.h"
#include "store.h"

struct fx {
	char dir[64], path[128];
	struct dc_store *st;
	struct dc_ledger_config cfg;
};

static int fx_setup(void **state, enum dc_lang lang)
{
	struct fx *f = calloc(1, sizeof *f);
	char *err = NULL;
	if (!f)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/decran-test-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof f->path, "%s/t.db", f->dir);
	f->st = dc_store_open(f->path, &err);
	if (!f->st)
		return -1;
	dc_set_lang(lang);
	dc_ledger_config_default(&f->cfg);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[160];
	dc_store_close(f->st);
	dc_ledger_config_free(&f->cfg);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	int rc = system(cmd);
	free(f);
	return rc == 0 ? 0 : -1;
}

#endif
