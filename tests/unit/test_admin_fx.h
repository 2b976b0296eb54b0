/*
 * test_admin_fx.h - a temporary spool filled through the real write paths
 * (hs_spool_put, hs_outbox_record), and one spoolctl command run against
 * it with its output captured. Included by test_admin_*.c only.
 */
#ifndef TEST_ADMIN_FX_H
#define TEST_ADMIN_FX_H

#include <dirent.h>
#include <json-c/json.h>
#include <sqlite3.h>

#include "admin/admin.h"
#include "admin/cmd.h"
#include "core/config.h"
#include "sync/outbox.h"
#include "spool/spool.h"
#include "core/timefmt.h"

#include "tmpdir_fx.h"

/* 2026-11-23T10:30:18.123Z */
#define T0 INT64_C(1795429818123)
#define DAY_MS INT64_C(86400000)
#define AZ_CS "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" \
	"AccountKey=aG9va3Nwb29sLXRlc3Qta2V5;" \
	"QueueEndpoint=http://127.0.0.1:9/devstoreaccount1"

struct fx {
	char dir[64];
	char path[128];
	struct hs_spool *sp;
	struct hs_config *cfg;
	/* the last command */
	int code;
	char *out, *err;
	size_t outlen, errlen;
	struct json_object *json;	/* out parsed, when it is JSON */
};

static int
fx_setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct hs_spool_opts o;
	char conf[512];

	if (!fx)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/hs-admin-XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(fx->path, sizeof(fx->path), "%s/spool.db", fx->dir);
	o.path = fx->path;
	o.synchronous = "NORMAL";
	o.busy_ms = 300;
	if (hs_spool_open(&fx->sp, &o, NULL, 0) != HS_OK)
		return -1;
	snprintf(conf, sizeof(conf), "SPOOL_PATH=%s\n"
	    "SPOOL_BUSY_TIMEOUT_MS=300\n"
	    "AZURE_STORAGE_CONNECTION_STRING=%s\n", fx->path, AZ_CS);
	if (hs_config_parse(&fx->cfg, conf, "test") != HS_OK)
		return -1;
	*state = fx;
	return 0;
}

static void
fx_forget(struct fx *fx)
{
	free(fx->out);
	free(fx->err);
	json_object_put(fx->json);
	fx->out = fx->err = NULL;
	fx->json = NULL;
}

static int
fx_teardown(void **state)
{
	struct fx *fx = *state;

	fx_forget(fx);
	hs_spool_close(fx->sp);
	hs_config_free(fx->cfg);
	tmpdir_remove(fx->dir);
	free(fx);
	return 0;
}

/* Stores one event with a pending delivery to each sink; its id. */
static int64_t
put(struct fx *fx, const char *source, const char *kind, const char *key,
    int64_t at_ms, const char *sink1, const char *sink2)
{
	const char *sinks[2] = { sink1, sink2 };
	struct hs_event ev;
	struct hs_put_result res;
	int64_t id;
	static const char body[] = "{\"manychat_id\":\"42\",\n \"x\":1}";

	memset(&ev, 0, sizeof(ev));
	ev.source = source;
	ev.kind = kind;
	ev.idem_key = key;
	ev.entity_key = NULL;
	ev.received_ms = at_ms;
	ev.remote_addr = "192.0.2.7";
	ev.content_type = "application/json";
	ev.headers_json = "{\"user-agent\":\"ManyChat\\u001b[2J\"}";
	ev.body = body;
	ev.body_len = sizeof(body) - 1;
	ev.response_status = 202;
	ev.response_body = "{\"status\":\"accepted\"}";
	assert_int_equal(hs_spool_put(fx->sp, &ev, sinks, sink2 ? 2 :
	    sink1 ? 1 : 0, &res), HS_OK);
	assert_int_equal(res.duplicate, 0);
	id = res.event_id;
	hs_put_result_release(&res);
	return id;
}

/* First column of the first row of sql, on a connection of its own. */
static long long
q_int(const struct fx *fx, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long long v = -1;

	assert_int_equal(sqlite3_open_v2(fx->path, &db, SQLITE_OPEN_READWRITE,
	    NULL), SQLITE_OK);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void
exec_sql(const struct fx *fx, const char *sql)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_close(db);
}

/* Records kind for the delivery of event to sink, at at_ms. */
static void
mark(struct fx *fx, int64_t event, const char *sink, enum hs_outcome_kind k,
     int64_t at_ms)
{
	char sql[256], now[HS_ISO_LEN], next[HS_ISO_LEN];
	struct hs_verdict v;

	snprintf(sql, sizeof(sql), "SELECT max(id) FROM deliveries WHERE "
	    "event_id = %lld AND sink = '%s'", (long long)event, sink);
	memset(&v, 0, sizeof(v));
	v.delivery_id = q_int(fx, sql);
	v.event_id = event;
	v.kind = k;
	hs_time_iso(at_ms, now, sizeof(now));
	hs_time_iso(at_ms + 60000, next, sizeof(next));
	v.next_attempt_at = next;
	v.receipt = "msg-1";
	v.error = "azure_queue: status 500 InternalError";
	assert_int_equal(hs_outbox_record(fx->sp, &v, 1, now, NULL), HS_OK);
}

/* Sets up a run with captured streams; input is what the admin types. */
static void
run_begin(struct fx *fx, struct hs_admin_run *r, int json, const char *input)
{
	fx_forget(fx);
	hs_admin_run_init(r, T0, "tester");
	r->cfg = fx->cfg;
	r->sp = fx->sp;
	r->json = json;
	r->interactive = input != NULL;
	r->in = input ? fmemopen((void *)input, strlen(input) + 1, "r") : NULL;
	r->out = open_memstream(&fx->out, &fx->outlen);
	r->err = open_memstream(&fx->err, &fx->errlen);
}

static void
run_end(struct fx *fx, struct hs_admin_run *r, int code)
{
	fx->code = code;
	if (r->in)
		fclose(r->in);
	fclose(r->out);
	fclose(r->err);
	fx->json = fx->out && *fx->out == '{' ? json_tokener_parse(fx->out) :
	    NULL;
}

/* Member path "a.b" of the last JSON answer, as text ("" if absent). */
static const char *
jstr(struct fx *fx, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(fx->json, key, &v) || !v)
		return "";
	return json_object_get_string(v);
}

static int64_t
jint(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no member '%s'", key);
	return json_object_get_int64(v);
}

#endif
