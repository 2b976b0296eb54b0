/*
 * app_fx.h - the handler without a web server, for the intake tests
 * (test_ingest.c, test_sources.c, test_whatsapp_source.c): a temporary
 * folder for the configuration file and the spool, the log captured in
 * memory, and the app started from that file as hooks.fcgi starts.
 *
 * Each test file keeps its own request block and answer checks.
 * Test-only; include once per binary, after <cmocka.h>.
 */
#ifndef HS_APP_FX_H
#define HS_APP_FX_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/log.h"
#include "front/app.h"
#include "program/bootstrap.h"
#include "tmpdir_fx.h"

struct app_fx {
	char dir[64];
	char conf[128];		/* dir/hookspool.conf */
	char spool[128];	/* dir/spool.db */
	struct hs_app app;
	int app_ready;
	FILE *log;		/* what the app logs, in logtext */
	char *logtext;
	size_t loglen;
};

/* A fresh folder /tmp/hs-<name>-XXXXXX, the log sent to memory. 0 or -1. */
static __attribute__((unused)) int
app_fx_open(struct app_fx *a, const char *name)
{
	snprintf(a->dir, sizeof(a->dir), "/tmp/hs-%s-XXXXXX", name);
	if (!mkdtemp(a->dir))
		return -1;
	snprintf(a->conf, sizeof(a->conf), "%s/hookspool.conf", a->dir);
	snprintf(a->spool, sizeof(a->spool), "%s/spool.db", a->dir);
	a->log = open_memstream(&a->logtext, &a->loglen);
	if (!a->log)
		return -1;
	hs_log_set_stream(a->log);
	return 0;
}

/* Releases the app if it started and gives the log back to stderr; the
 * folder stays (tmpdir_remove). */
static __attribute__((unused)) void
app_fx_stop(struct app_fx *a)
{
	if (a->app_ready)
		hs_app_release(&a->app);
	hs_log_set_stream(NULL);
	fclose(a->log);
	free(a->logtext);
}

static void
app_fx_start(struct app_fx *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Writes the configuration file from fmt and starts the app on it: the
 * bootstrap (problems logged), then the app keeps the config. */
static __attribute__((unused)) void
app_fx_start(struct app_fx *a, const char *fmt, ...)
{
	const struct hs_boot boot = { "hooks", a->conf, HS_LOG_INFO, 0,
	    HS_BOOT_ROUTES };
	struct hs_config *cfg = NULL;
	FILE *f = fopen(a->conf, "w");
	va_list ap;

	assert_non_null(f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	assert_int_equal(fclose(f), 0);
	assert_int_not_equal(hs_boot_config(&cfg, &boot), HS_ENOMEM);
	hs_app_init(&a->app, cfg);
	a->app_ready = 1;
}

#endif
