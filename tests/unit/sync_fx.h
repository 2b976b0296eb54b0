/*
 * sync_fx.h - what the sync engine's tests (test_sync.c, test_immediate.c)
 * run against: a temporary spool and config, the fixed parts of a
 * scripted in-process sink, and a clock that moves only when the engine
 * sleeps (a nap may run a hook: what another process does meanwhile).
 *
 * Each test file keeps its own script, fake_deliver and sink ops; setup
 * calls sfx_setup, teardown is sfx_teardown. Test-only; include once per
 * binary, after <cmocka.h>.
 */
#ifndef HS_SYNC_FX_H
#define HS_SYNC_FX_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>

#include "core/config.h"
#include "sinks/sink.h"
#include "spool/db.h"
#include "spool/spool.h"
#include "sync/engine.h"

#define SFX_UNUSED __attribute__((unused))

#define T0 INT64_C(1795429818000)	/* 2026-11-23T10:30:18Z */

struct fx {
	char dir[64];
	char path[128];
	struct hs_spool *sp;
	struct hs_config *cfg;
};

/* The scripted sink's handle: fake_deliver keeps its state elsewhere. */
static int sfx_sink;

static SFX_UNUSED int
fake_configured(const struct hs_config *cfg)
{
	(void)cfg;
	return 1;
}

static SFX_UNUSED enum hs_err
fake_open(struct hs_sink **out, const struct hs_config *cfg, char *why,
          size_t n)
{
	(void)cfg;
	(void)why;
	(void)n;
	*out = (struct hs_sink *)&sfx_sink;
	return HS_OK;
}

static SFX_UNUSED void
fake_close(struct hs_sink *s)
{
	(void)s;
}

static int64_t clock_now;
static uint64_t clock_rnd;	/* what fake_random draws */
static int naps;
static void (*on_nap)(int nap);

static int64_t
fake_now(void *ctx)
{
	(void)ctx;
	return clock_now;
}

static void
fake_sleep(void *ctx, int64_t ms)
{
	(void)ctx;
	clock_now += ms;
	naps++;
	if (on_nap)
		on_nap(naps);
}

static uint64_t
fake_random(void *ctx)
{
	(void)ctx;
	return clock_rnd;
}

static const struct hs_sync_clock fake_clock = {
	fake_now, fake_sleep, fake_random, NULL
};

/*
 * A fresh spool in a temporary folder and a config with MAX_ATTEMPTS=3,
 * RETRY_BASE_MS=1000, RETRY_CAP_MS=8000, AZURE_QUEUE_RATE=100,
 * AZURE_QUEUE_BATCH=10 and extra lines; the clock at T0, no hook. *state
 * gets the fixture (owned: sfx_teardown frees it). 0, or -1.
 */
static SFX_UNUSED int
sfx_setup(void **state, const char *extra)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct hs_spool_opts o = { NULL, "NORMAL", 2000 };
	char conf[512];

	if (!fx)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/hs-sync-XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(fx->path, sizeof(fx->path), "%s/spool.db", fx->dir);
	o.path = fx->path;
	snprintf(conf, sizeof(conf), "SPOOL_PATH=%s\nMAX_ATTEMPTS=3\n"
	    "RETRY_BASE_MS=1000\nRETRY_CAP_MS=8000\nAZURE_QUEUE_RATE=100\n"
	    "AZURE_QUEUE_BATCH=10\n%s", fx->path, extra);
	if (hs_config_parse(&fx->cfg, conf, "test.conf") != HS_OK ||
	    hs_spool_open(&fx->sp, &o, NULL, 0) != HS_OK)
		return -1;
	clock_now = T0;
	clock_rnd = 0;
	naps = 0;
	on_nap = NULL;
	*state = fx;
	return 0;
}

static SFX_UNUSED int
sfx_teardown(void **state)
{
	struct fx *fx = *state;
	char cmd[128];

	hs_spool_close(fx->sp);
	hs_config_free(fx->cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx->dir);
	if (system(cmd) != 0)
		return -1;
	free(fx);
	return 0;
}

/* Stores one event for entity with one delivery to the sink "fake";
 * returns the event's id. */
static SFX_UNUSED int64_t
sfx_put(struct fx *fx, const char *source, const char *kind, int status,
        const char *key, const char *entity)
{
	static const char *const sinks[] = { "fake" };
	struct hs_event ev;
	struct hs_put_result res;
	int64_t id;

	memset(&ev, 0, sizeof(ev));
	ev.source = source;
	ev.kind = kind;
	ev.idem_key = key;
	ev.entity_key = entity;
	ev.received_ms = clock_now;
	ev.body = "{}";
	ev.body_len = 2;
	ev.response_status = status;
	ev.response_body = "{}";
	assert_int_equal(hs_spool_put(fx->sp, &ev, sinks, 1, &res), HS_OK);
	id = res.event_id;
	hs_put_result_release(&res);
	return id;
}

/* A run of sink ops on the fake clock, for at most a minute. */
static SFX_UNUSED enum hs_err
sfx_run(struct fx *fx, const struct hs_sink_ops *ops, int drain,
        struct hs_sync_stats *st)
{
	struct hs_sync_opts o;
	char why[256];

	memset(&o, 0, sizeof(o));
	o.drain = drain;
	o.max_ms = 60000;
	o.clock = &fake_clock;
	return hs_sync_sink(fx->sp, fx->cfg, ops, &o, st, why, sizeof(why));
}

/* Deliveries matching the SQL condition where. */
static SFX_UNUSED long
count(struct fx *fx, const char *where)
{
	char q[512];
	sqlite3_stmt *st;
	long n = -1;

	snprintf(q, sizeof(q), "SELECT count(*) FROM deliveries WHERE %s",
	    where);
	assert_int_equal(sqlite3_prepare_v2(hs_spool_db(fx->sp), q, -1, &st,
	    NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

#endif
