/*
 * tools/admin/probe.h - one cheap live request per sink, for spoolctl check.
 *
 * "Is the destination configured and reachable" needs a request that
 * costs the peer nothing and changes nothing: for an Azure queue, its
 * message count. A sink joins by adding one function and one row to the
 * table in tools/admin/probe.c; a sink without a row is reported as configured
 * but not probed.
 */
#ifndef HS_ADMIN_PROBE_H
#define HS_ADMIN_PROBE_H

#include <stddef.h>
#include <stdint.h>

struct hs_config;

enum hs_admin_level {
	HS_ADMIN_OK,
	HS_ADMIN_WARN,
	HS_ADMIN_FAIL,
};

#define HS_ADMIN_PROBE_TIMEOUT_MS	5000	/* one probe request */

struct hs_admin_probe {
	const char *sink;	/* the hs_sink_ops name */
	/* Fills detail (what was asked, what came back; never a secret). */
	enum hs_admin_level (*run)(const struct hs_config *cfg,
	                           int64_t now_ms, char *detail, size_t n);
};

/* Every probe this build knows, ended by a NULL sink. */
extern const struct hs_admin_probe hs_admin_probes[];

/* Probes sink: WARN with "no live probe" when the table has none. */
enum hs_admin_level hs_admin_probe_sink(const struct hs_config *cfg,
                                        const char *sink, int64_t now_ms,
                                        char *detail, size_t n);
/* "ok", "warn", "fail". Static. */
const char *hs_admin_level_str(enum hs_admin_level l);

#endif
