/*
 * tools/admin/rows.c - rows of the spool as JSON, shared by the admin queries.
 *
 * Field names are the columns' (or an AS alias in the query), so the
 * JSON spoolctl prints and the sqlite3 views use the same words.
 */
#include <string.h>

#include "admin/internal.h"
#include "spool/spool.h"
#include "core/banned.h"

static const char deliveries_sql[] =
    "SELECT id, sink, state, attempts,"
    " CASE WHEN state = 'pending' THEN next_attempt_at END"
    "  AS next_attempt_at,"
    " created_at, updated_at, done_at, receipt, last_error"
    " FROM deliveries WHERE event_id = ?1 ORDER BY id";

static const char history_sql[] =
    "INSERT INTO history (event_id, at, actor, action, detail)"
    " VALUES (?1, ?2, ?3, ?4, ?5)";

struct json_object *
admin_col(sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		return json_object_new_int64(sqlite3_column_int64(st, i));
	case SQLITE_FLOAT:
		return json_object_new_double(sqlite3_column_double(st, i));
	case SQLITE_NULL:
		return NULL;
	default:
		return json_object_new_string_len(
		    (const char *)sqlite3_column_text(st, i),
		    sqlite3_column_bytes(st, i));
	}
}

void
admin_row(struct json_object *obj, sqlite3_stmt *st)
{
	int i, n = sqlite3_column_count(st);

	for (i = 0; i < n; i++)
		json_object_object_add(obj, sqlite3_column_name(st, i),
		    admin_col(st, i));
}

enum hs_err
admin_rc(int src)
{
	return src == SQLITE_DONE || src == SQLITE_ROW || src == SQLITE_OK ?
	    HS_OK : hs_spool_map_rc(src);
}

enum hs_err
admin_int(sqlite3 *db, const char *sql, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	int src;

	*out = 0;
	src = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (src == SQLITE_OK && (src = sqlite3_step(st)) == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return admin_rc(src);
}

enum hs_err
admin_deliveries(sqlite3 *db, sqlite3_stmt **cache, int64_t id,
                 struct json_object **out)
{
	struct json_object *row;
	int src = SQLITE_OK;

	*out = NULL;
	if (!*cache)
		src = sqlite3_prepare_v2(db, deliveries_sql, -1, cache, NULL);
	if (src != SQLITE_OK)
		return hs_spool_map_rc(src);
	sqlite3_reset(*cache);
	sqlite3_bind_int64(*cache, 1, id);
	if (!(*out = json_object_new_array()))
		return HS_ENOMEM;
	while ((src = sqlite3_step(*cache)) == SQLITE_ROW) {
		row = json_object_new_object();
		admin_row(row, *cache);
		json_object_array_add(*out, row);
	}
	sqlite3_reset(*cache);
	return admin_rc(src);
}

void
admin_status(struct json_object *ev)
{
	struct json_object *ds = NULL, *s;
	const char *status = "stored", *st;
	size_t i, n;

	json_object_object_get_ex(ev, "deliveries", &ds);
	n = ds ? json_object_array_length(ds) : 0;
	for (i = 0; i < n; i++) {
		if (!json_object_object_get_ex(json_object_array_get_idx(ds,
		    i), "state", &s))
			continue;
		st = json_object_get_string(s);
		if (!strcmp(st, "dead"))
			status = "dead";
		else if (!strcmp(st, "pending") && strcmp(status, "dead"))
			status = "pending";
		else if (!strcmp(status, "stored"))
			status = "done";
	}
	json_object_object_add(ev, "status", json_object_new_string(status));
}

enum hs_err
admin_read_begin(sqlite3 *db)
{
	return admin_rc(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL));
}

void
admin_read_end(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
}

enum hs_err
admin_history(sqlite3 *db, int64_t id, const char *at, const char *actor,
              const char *action, const char *detail)
{
	sqlite3_stmt *st = NULL;
	int src;

	src = sqlite3_prepare_v2(db, history_sql, -1, &st, NULL);
	if (src == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, at, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, actor, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, action, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, detail, -1, SQLITE_STATIC);
		src = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	return admin_rc(src);
}
