/*
 * tools/admin/stats.c - spoolctl stats: the spool at a glance.
 *
 * Per sink it reads the sink_health view, the same one an admin queries
 * with sqlite3, so both always agree; ages are computed here from the
 * caller's now. "last_run_at" is the last time a run recorded an attempt
 * for the sink (runs that found nothing due leave no trace).
 */
#include <string.h>

#include "admin/internal.h"
#include "core/config.h"
#include "sinks/sink.h"
#include "spool/db.h"
#include "core/banned.h"

static const char by_source_sql[] =
    "SELECT source, kind, count(*) AS events,"
    " min(received_at) AS first_received_at,"
    " max(received_at) AS last_received_at"
    " FROM events GROUP BY source, kind ORDER BY source, kind";

static const char by_sink_sql[] =
    "SELECT sink, pending, done, dead, oldest_pending_at, next_attempt_at,"
    " last_success_at, last_run_at, last_error_at, last_error"
    " FROM sink_health ORDER BY sink";

/* Runs sql and adds each row as an object to arr. */
static enum hs_err
rows(sqlite3 *db, const char *sql, struct json_object *arr)
{
	struct json_object *row;
	sqlite3_stmt *st = NULL;
	int src;

	src = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	while (src == SQLITE_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
		row = json_object_new_object();
		admin_row(row, st);
		json_object_array_add(arr, row);
		src = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return admin_rc(src);
}

static int64_t
get_int(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v ? json_object_get_int64(v) : 0;
}

static const char *
get_str(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v ? json_object_get_string(v) : NULL;
}

/* Adds "<prefix>_age_s" from "<prefix>_at" (null when that is). */
static void
add_age(struct json_object *o, const char *at_key, const char *age_key,
        int64_t now_ms)
{
	const char *at = get_str(o, at_key);
	int64_t t;

	if (!at || hs_time_parse_iso(at, &t) != 0)
		json_object_object_add(o, age_key, NULL);
	else
		json_object_object_add(o, age_key, json_object_new_int64(
		    now_ms > t ? (now_ms - t) / 1000 : 0));
}

static int
listed(struct json_object *arr, const char *sink)
{
	size_t i;
	const char *s;

	for (i = 0; i < json_object_array_length(arr); i++) {
		s = get_str(json_object_array_get_idx(arr, i), "sink");
		if (s && !strcmp(s, sink))
			return 1;
	}
	return 0;
}

/* A configured sink with no delivery yet still gets a row. */
static void
add_quiet_sinks(struct json_object *arr, const struct hs_config *cfg)
{
	static const char *const nulls[] = { "oldest_pending_at",
	    "next_attempt_at", "last_success_at", "last_run_at",
	    "last_error_at", "last_error" };
	const struct hs_sink_ops *const *ops;
	struct json_object *row;
	size_t i;

	for (ops = hs_sink_registry; cfg && *ops; ops++) {
		if (!(*ops)->configured(cfg) || listed(arr, (*ops)->name))
			continue;
		row = json_object_new_object();
		json_object_object_add(row, "sink",
		    json_object_new_string((*ops)->name));
		json_object_object_add(row, "pending", json_object_new_int(0));
		json_object_object_add(row, "done", json_object_new_int(0));
		json_object_object_add(row, "dead", json_object_new_int(0));
		for (i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
			json_object_object_add(row, nulls[i], NULL);
		json_object_array_add(arr, row);
	}
}

/* Per sink: configured, the age; totals and the oldest pending. */
static void
finish_sinks(struct json_object *out, struct json_object *arr,
             const struct hs_config *cfg, int64_t now_ms)
{
	const struct hs_sink_ops *ops;
	struct json_object *row, *tot = json_object_new_object();
	const char *oldest = NULL, *at;
	int64_t n[3] = { 0, 0, 0 };
	size_t i;

	add_quiet_sinks(arr, cfg);
	for (i = 0; i < json_object_array_length(arr); i++) {
		row = json_object_array_get_idx(arr, i);
		ops = hs_sink_find(get_str(row, "sink"));
		json_object_object_add(row, "configured",
		    json_object_new_boolean(ops && cfg &&
		    ops->configured(cfg)));
		add_age(row, "oldest_pending_at", "oldest_pending_age_s",
		    now_ms);
		n[0] += get_int(row, "pending");
		n[1] += get_int(row, "done");
		n[2] += get_int(row, "dead");
		at = get_str(row, "oldest_pending_at");
		if (at && (!oldest || strcmp(at, oldest) < 0))
			oldest = at;
	}
	json_object_object_add(tot, "pending", json_object_new_int64(n[0]));
	json_object_object_add(tot, "done", json_object_new_int64(n[1]));
	json_object_object_add(tot, "dead", json_object_new_int64(n[2]));
	json_object_object_add(out, "deliveries", tot);
	json_object_object_add(out, "oldest_pending_at",
	    oldest ? json_object_new_string(oldest) : NULL);
	add_age(out, "oldest_pending_at", "oldest_pending_age_s", now_ms);
}

static enum hs_err
header(sqlite3 *db, struct hs_spool *sp, int64_t now_ms,
       struct json_object *out)
{
	char now[HS_ISO_LEN];
	int64_t v = 0, events = 0;
	enum hs_err rc;

	hs_time_iso(now_ms, now, sizeof(now));
	rc = admin_int(db, "PRAGMA user_version", &v);
	if (rc == HS_OK)
		rc = admin_int(db, "SELECT count(*) FROM events", &events);
	json_object_object_add(out, "spool",
	    json_object_new_string(hs_spool_path(sp)));
	json_object_object_add(out, "schema_version", json_object_new_int64(v));
	json_object_object_add(out, "now", json_object_new_string(now));
	json_object_object_add(out, "events", json_object_new_int64(events));
	return rc;
}

enum hs_err
hs_admin_stats(struct hs_spool *sp, const struct hs_config *cfg,
               int64_t now_ms, struct json_object **out)
{
	sqlite3 *db = hs_spool_db(sp);
	struct json_object *o = json_object_new_object();
	struct json_object *src = json_object_new_array();
	struct json_object *snk = json_object_new_array();
	enum hs_err rc;

	*out = NULL;
	rc = admin_read_begin(db);
	if (rc == HS_OK)
		rc = header(db, sp, now_ms, o);
	json_object_object_add(o, "by_source", src);
	json_object_object_add(o, "by_sink", snk);
	if (rc == HS_OK)
		rc = rows(db, by_source_sql, src);
	if (rc == HS_OK)
		rc = rows(db, by_sink_sql, snk);
	admin_read_end(db);
	if (rc != HS_OK) {
		json_object_put(o);
		return rc;
	}
	finish_sinks(o, snk, cfg, now_ms);
	*out = o;
	return HS_OK;
}
