/*
 * sinks/azure/probe.c - the Azure sinks' live probe for spoolctl check
 * (see sinks/azure/probe.h).
 *
 * The probe asks for one queue's approximate message count (Get Queue
 * Metadata): authenticated, read-only, answered by the same service the
 * sink sends to. A missing queue is fine when the sink creates queues
 * itself. A SAS may lack read permission while still allowing add, so
 * its refusal is a warning, not a failure.
 */
#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "sinks/azure/conn.h"
#include "sinks/azure/probe.h"
#include "sinks/azure/queue.h"
#include "core/banned.h"

#define WHERE_MAX 160

/* "endpoint 'http://host/acct'" for details; never the key. */
static void
azure_where(const char *cs, char *out, size_t n)
{
	struct hs_azq_conn *c = NULL;
	char why[8];

	snprintf(out, n, "the configured account");
	if (hs_azq_conn_parse(&c, cs, why, sizeof(why)) != HS_OK)
		return;
	snprintf(out, n, "endpoint '%.80s%.40s'", hs_azq_conn_base(c),
	    hs_azq_conn_prefix(c));
	hs_azq_conn_free(c);
}

static int
azure_is_sas(const char *cs)
{
	struct hs_azq_conn *c = NULL;
	char why[8];
	int sas;

	if (hs_azq_conn_parse(&c, cs, why, sizeof(why)) != HS_OK)
		return 0;
	sas = hs_azq_conn_sas(c) != NULL;
	hs_azq_conn_free(c);
	return sas;
}

static enum hs_probe
azure_verdict(const struct hs_config *cfg, const char *cs, const char *queue,
              const struct hs_azq_result *r, long count, const char *where,
              char *d, size_t n)
{
	switch (r->outcome) {
	case HS_AZQ_DONE:
		snprintf(d, n, "queue '%s' at %s: %ld message%s", queue, where,
		    count, count == 1 ? "" : "s");
		return HS_PROBE_OK;
	case HS_AZQ_NO_QUEUE:
		if (hs_config_bool(cfg, "AZURE_QUEUE_CREATE")) {
			snprintf(d, n, "%s answers; queue '%s' does not exist "
			    "yet (created on the first send)", where, queue);
			return HS_PROBE_OK;
		}
		snprintf(d, n, "queue '%s' does not exist at %s and "
		    "AZURE_QUEUE_CREATE is false: its deliveries go dead",
		    queue, where);
		return HS_PROBE_FAIL;
	case HS_AZQ_AUTH:
		snprintf(d, n, "%s refused our credentials for queue '%s' "
		    "(status %d %s)%s", where, queue, r->status, r->code,
		    azure_is_sas(cs) ? "; a SAS without read permission can "
		    "still send" : "");
		return azure_is_sas(cs) ? HS_PROBE_WARN : HS_PROBE_FAIL;
	default:
		if (r->status)
			snprintf(d, n, "cannot use queue '%s' at %s: status %d "
			    "%s %.100s", queue, where, r->status, r->code,
			    r->reason);
		else
			snprintf(d, n, "cannot reach %s for queue '%s': %s "
			    "%.100s", where, queue, r->code, r->reason);
		return HS_PROBE_FAIL;
	}
}

enum hs_probe
hs_azure_probe(const struct hs_config *cfg, const char *queue_key,
               int64_t now_ms, long timeout_ms, char *d, size_t n)
{
	const char *cs = hs_config_get(cfg, "AZURE_STORAGE_CONNECTION_STRING");
	const char *queue = hs_config_get(cfg, queue_key);
	char why[HS_AZQ_WHY_LEN] = "", where[WHERE_MAX];
	struct hs_azq_opts o;
	struct hs_azq_result r;
	struct hs_azq *q = NULL;
	long count = 0;

	if (!queue || !hs_azq_queue_name_ok(queue)) {
		snprintf(d, n, "%s '%.63s' is not a valid queue name",
		    queue_key, queue ? queue : "");
		return HS_PROBE_FAIL;
	}
	hs_azq_opts_default(&o);
	o.timeout_ms = timeout_ms;
	o.connect_timeout_ms = timeout_ms;
	if (!cs || hs_azq_open(&q, cs, &o, why, sizeof(why)) != HS_OK) {
		snprintf(d, n, "AZURE_STORAGE_CONNECTION_STRING: %s",
		    cs ? why : "not set");
		return HS_PROBE_FAIL;
	}
	azure_where(cs, where, sizeof(where));
	memset(&r, 0, sizeof(r));
	(void)!hs_azq_count(q, queue, now_ms, &count, &r);
	hs_azq_close(q);
	return azure_verdict(cfg, cs, queue, &r, count, where, d, n);
}
