/*
 * tools/admin/query.c - list, show and export: events with their deliveries.
 *
 * All three share one event shape (the columns of event_cols below plus
 * "deliveries" and "status"); show and export add the headers and the
 * body. The body is embedded as the bytes received, not re-encoded, so an
 * export is a faithful copy of what the sender sent.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/internal.h"
#include "core/caps.h"
#include "spool/db.h"
#include "core/banned.h"

#define EVENT_COLS \
	"SELECT e.id, e.source, e.kind, e.idem_key AS idempotency_key," \
	" e.entity_key, e.received_at, e.remote_addr, e.content_type," \
	" e.response_status, length(e.body) AS body_bytes"
#define FULL_COLS	EVENT_COLS ", e.headers, e.response_body, e.body"
#define N_EVENT_COLS	10	/* headers, response_body, body follow */

/* The event row's first N_EVENT_COLS columns, its deliveries, status. */
static enum hs_err
event_obj(sqlite3 *db, sqlite3_stmt *st, sqlite3_stmt **dcache,
          struct json_object **out)
{
	struct json_object *ev = json_object_new_object(), *ds = NULL;
	enum hs_err rc;
	int i;

	*out = NULL;
	if (!ev)
		return HS_ENOMEM;
	for (i = 0; i < N_EVENT_COLS; i++)
		json_object_object_add(ev, sqlite3_column_name(st, i),
		    admin_col(st, i));
	rc = admin_deliveries(db, dcache, sqlite3_column_int64(st, 0), &ds);
	json_object_object_add(ev, "deliveries", ds);
	admin_status(ev);
	if (rc != HS_OK)
		json_object_put(ev);
	else
		*out = ev;
	return rc;
}

/* Adds "headers" (an object; {} if the stored text is not one). */
static void
add_headers(struct json_object *ev, sqlite3_stmt *st, int col)
{
	const char *t = (const char *)sqlite3_column_text(st, col);
	struct json_object *h = t ? json_tokener_parse(t) : NULL;

	if (!h || !json_object_is_type(h, json_type_object)) {
		json_object_put(h);
		h = json_object_new_object();
	}
	json_object_object_add(ev, "headers", h);
}

static enum hs_err
select_events(sqlite3 *db, const char *cols, const struct hs_admin_filter *f,
              const char *order, sqlite3_stmt **st)
{
	struct hs_admin_sql q;
	enum hs_err rc;

	hs_admin_sql_init(&q);
	rc = hs_admin_sql_add(&q, cols);
	if (rc == HS_OK)
		rc = hs_admin_sql_add(&q, " FROM events e");
	if (rc == HS_OK)
		rc = hs_admin_where(&q, f, HS_ADMIN_EVENTS);
	if (rc == HS_OK)
		rc = hs_admin_sql_add(&q, order);
	if (rc == HS_OK && f->limit > 0)
		rc = hs_admin_sql_int(&q, " LIMIT ?", f->limit);
	if (rc == HS_OK)
		rc = hs_admin_sql_prepare(&q, db, st);
	hs_admin_sql_release(&q);
	return rc;
}

enum hs_err
hs_admin_list(struct hs_spool *sp, const struct hs_admin_filter *f,
              struct json_object **out)
{
	sqlite3 *db = hs_spool_db(sp);
	sqlite3_stmt *st = NULL, *dc = NULL;
	struct json_object *arr = json_object_new_array(), *ev;
	enum hs_err rc;
	int src = SQLITE_OK;

	*out = NULL;
	rc = arr ? admin_read_begin(db) : HS_ENOMEM;
	if (rc == HS_OK)
		rc = select_events(db, EVENT_COLS, f, " ORDER BY e.id DESC",
		    &st);
	while (rc == HS_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
		rc = event_obj(db, st, &dc, &ev);
		if (rc == HS_OK)
			json_object_array_add(arr, ev);
	}
	if (rc == HS_OK)
		rc = admin_rc(src);
	sqlite3_finalize(st);
	sqlite3_finalize(dc);
	admin_read_end(db);
	if (rc == HS_OK) {
		*out = json_object_new_object();
		json_object_object_add(*out, "count", json_object_new_int64(
		    (int64_t)json_object_array_length(arr)));
		json_object_object_add(*out, "limit",
		    json_object_new_int64(f->limit));
		json_object_object_add(*out, "events", arr);
	} else {
		json_object_put(arr);
	}
	return rc;
}


/* Adds "history", oldest first. */
static enum hs_err
add_history(sqlite3 *db, struct json_object *ev, int64_t id)
{
	struct json_object *arr = json_object_new_array(), *row;
	sqlite3_stmt *st = NULL;
	int src;

	json_object_object_add(ev, "history", arr);
	src = sqlite3_prepare_v2(db, "SELECT at, actor, action, detail"
	    " FROM history WHERE event_id = ?1 ORDER BY id", -1, &st, NULL);
	if (src == SQLITE_OK)
		sqlite3_bind_int64(st, 1, id);
	while (src == SQLITE_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
		row = json_object_new_object();
		admin_row(row, st);
		json_object_array_add(arr, row);
		src = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return admin_rc(src);
}

/* The full event of the current row: columns, headers, deliveries. */
static enum hs_err
full_event(sqlite3 *db, sqlite3_stmt *st, sqlite3_stmt **dc,
           struct json_object **ev, struct hs_buf *body)
{
	enum hs_err rc = event_obj(db, st, dc, ev);
	const void *b = sqlite3_column_blob(st, N_EVENT_COLS + 2);

	if (rc != HS_OK)
		return rc;
	add_headers(*ev, st, N_EVENT_COLS);
	json_object_object_add(*ev, "response_body",
	    admin_col(st, N_EVENT_COLS + 1));
	hs_buf_reset(body);
	return hs_buf_add(body, b ? b : "",
	    (size_t)sqlite3_column_bytes(st, N_EVENT_COLS + 2));
}

enum hs_err
hs_admin_show(struct hs_spool *sp, int64_t id, struct json_object **out,
              struct hs_buf *body)
{
	struct hs_admin_filter f;
	sqlite3 *db = hs_spool_db(sp);
	sqlite3_stmt *st = NULL, *dc = NULL;
	enum hs_err rc;
	int src = SQLITE_DONE;

	*out = NULL;
	memset(&f, 0, sizeof(f));
	f.event_id = id;
	rc = admin_read_begin(db);
	if (rc == HS_OK)
		rc = select_events(db, FULL_COLS, &f, "", &st);
	if (rc == HS_OK && (src = sqlite3_step(st)) != SQLITE_ROW)
		rc = src == SQLITE_DONE ? HS_ENOTFOUND : hs_spool_map_rc(src);
	if (rc == HS_OK)
		rc = full_event(db, st, &dc, out, body);
	if (rc == HS_OK)
		rc = add_history(db, *out, id);
	sqlite3_finalize(st);
	sqlite3_finalize(dc);
	admin_read_end(db);
	if (rc != HS_OK) {
		json_object_put(*out);
		*out = NULL;
	}
	return rc;
}

/* One exported line for the current row. */
static enum hs_err
export_row(sqlite3 *db, sqlite3_stmt *st, sqlite3_stmt **dc,
           struct hs_buf *body, struct hs_buf *line)
{
	struct json_object *ev = NULL;
	enum hs_err rc = full_event(db, st, dc, &ev, body);

	hs_buf_reset(line);
	if (rc == HS_OK)
		rc = hs_admin_json_with_body(ev, body->data, body->len, line);
	json_object_put(ev);
	return rc;
}

enum hs_err
hs_admin_export(struct hs_spool *sp, const struct hs_admin_filter *f,
                hs_admin_emit emit, void *ctx, long *n)
{
	sqlite3 *db = hs_spool_db(sp);
	sqlite3_stmt *st = NULL, *dc = NULL;
	struct hs_buf body, line;
	enum hs_err rc;
	int src = SQLITE_DONE;

	*n = 0;
	hs_buf_init(&body, HS_MAX_BODY_HARD);
	hs_buf_init(&line, 3 * HS_MAX_BODY_HARD);
	rc = admin_read_begin(db);
	if (rc == HS_OK)
		rc = select_events(db, FULL_COLS, f, " ORDER BY e.id", &st);
	while (rc == HS_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
		rc = export_row(db, st, &dc, &body, &line);
		if (rc == HS_OK && emit(ctx, line.data, line.len))
			rc = HS_EIO;
		if (rc == HS_OK)
			(*n)++;
	}
	if (rc == HS_OK)
		rc = admin_rc(src);
	sqlite3_finalize(st);
	sqlite3_finalize(dc);
	admin_read_end(db);
	hs_buf_release(&body);
	hs_buf_release(&line);
	return rc;
}
