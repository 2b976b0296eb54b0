/*
 * tools/admin/probe.h - one cheap live request per sink, for spoolctl check.
 *
 * "Is the destination configured and reachable" needs a request that
 * costs the peer nothing and changes nothing: for an Azure queue, its
 * message count. Each sink brings its own (hs_sink_ops.probe, in its
 * module); a sink without one is reported as configured but not probed.
 */
#ifndef HS_ADMIN_PROBE_H
#define HS_ADMIN_PROBE_H

#include <stddef.h>
#include <stdint.h>

struct hs_config;
struct hs_sink_ops;

enum hs_admin_level {
	HS_ADMIN_OK,
	HS_ADMIN_WARN,
	HS_ADMIN_FAIL,
};

#define HS_ADMIN_PROBE_TIMEOUT_MS	5000	/* one probe request */

/* Probes the sink of ops: WARN with "no live probe" when it has none. */
enum hs_admin_level hs_admin_probe_sink(const struct hs_config *cfg,
                                        const struct hs_sink_ops *ops,
                                        int64_t now_ms, char *detail,
                                        size_t n);
/* "ok", "warn", "fail". Static. */
const char *hs_admin_level_str(enum hs_admin_level l);

#endif
