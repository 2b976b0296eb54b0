/*
 * sync/immediate.c - a handler's delivery attempt after its answer: the
 * sync engine in its immediate mode, once per sink marked immediate.
 */
#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "core/log.h"
#include "sinks/sink.h"
#include "sync/immediate.h"
#include "core/banned.h"

static void
log_failure(const struct hs_sink_ops *ops, enum hs_err rc, const char *why)
{
	struct hs_logline l;

	hs_log_begin(&l, HS_LOG_WARN, "immediate");
	hs_log_str(&l, "sink", ops->name);
	hs_log_str(&l, "result", hs_err_str(rc));
	hs_log_str(&l, "error", why[0] ? why : hs_err_str(rc));
	if (rc == HS_EAUTH)
		hs_log_str(&l, "then", "left pending for scheduled_sync, "
		    "no attempt counted");
	hs_log_end(&l);
}

enum hs_err
hs_sync_immediate_sink(struct hs_spool *sp, const struct hs_config *cfg,
                       const struct hs_sink_ops *ops,
                       const int64_t *event_ids, size_t n, long max_ms,
                       const struct hs_sync_clock *clock,
                       struct hs_sync_stats *st)
{
	long budget = hs_config_int(cfg, "IMMEDIATE_MAX_MS");
	struct hs_sync_opts o;
	char why[512];
	enum hs_err rc;

	memset(st, 0, sizeof(*st));
	if (max_ms >= 0 && max_ms < budget)
		budget = max_ms;
	if (budget <= 0 || n == 0)
		return HS_OK;
	memset(&o, 0, sizeof(o));
	o.immediate = 1;
	o.events = event_ids;
	o.nevents = n;
	o.max_ms = budget;
	o.clock = clock;
	o.dead_copy = hs_sink_dead_copy(cfg);
	rc = hs_sync_sink(sp, cfg, ops, &o, st, why, sizeof(why));
	if (rc != HS_OK)
		log_failure(ops, rc, why);
	return rc;
}

int
hs_sync_immediate_wanted(const struct hs_config *cfg)
{
	const struct hs_sink_ops *const *ops;

	if (hs_config_int(cfg, "IMMEDIATE_MAX_MS") <= 0)
		return 0;
	for (ops = hs_sink_registry; *ops; ops++)
		if ((*ops)->immediate && (*ops)->configured(cfg))
			return 1;
	return 0;
}

void
hs_sync_immediate(struct hs_spool *sp, const struct hs_config *cfg,
                  const int64_t *event_ids, size_t n)
{
	hs_sync_immediate_max(sp, cfg, event_ids, n, -1);
}

void
hs_sync_immediate_max(struct hs_spool *sp, const struct hs_config *cfg,
                      const int64_t *event_ids, size_t n, long max_ms)
{
	const struct hs_sink_ops *const *ops;
	struct hs_sync_stats st;
	enum hs_err rc;

	if (!sp || n == 0 || max_ms == 0 ||
	    hs_config_int(cfg, "IMMEDIATE_MAX_MS") <= 0)
		return;
	for (ops = hs_sink_registry; *ops; ops++)
		if ((*ops)->immediate && (*ops)->configured(cfg)) {
			rc = hs_sync_immediate_sink(sp, cfg, *ops, event_ids,
			    n, max_ms, NULL, &st);
			(void)rc;	/* logged; cron is the safety net */
		}
}
