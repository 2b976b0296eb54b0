/*
 * tools/admin/probe.c - live probes of the sinks (see tools/admin/probe.h).
 *
 * Each sink owns how it is probed (hs_sink_ops.probe); this file only
 * gives the probe its time budget and says so when a sink has none.
 */
#include <stdio.h>

#include "admin/probe.h"
#include "sinks/sink.h"
#include "core/banned.h"

enum hs_admin_level
hs_admin_probe_sink(const struct hs_config *cfg,
                    const struct hs_sink_ops *ops, int64_t now_ms,
                    char *detail, size_t n)
{
	if (!ops->probe) {
		snprintf(detail, n, "configured; no live probe for this sink "
		    "yet");
		return HS_ADMIN_WARN;
	}
	switch (ops->probe(cfg, now_ms, HS_ADMIN_PROBE_TIMEOUT_MS, detail, n)) {
	case HS_PROBE_OK:
		return HS_ADMIN_OK;
	case HS_PROBE_WARN:
		return HS_ADMIN_WARN;
	default:
		return HS_ADMIN_FAIL;
	}
}

const char *
hs_admin_level_str(enum hs_admin_level l)
{
	return l == HS_ADMIN_OK ? "ok" : l == HS_ADMIN_WARN ? "warn" : "fail";
}
