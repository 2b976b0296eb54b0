/*
 * sync/record.c - writing outcomes, counting what is pending, and
 * routing old events to a newly configured sink.
 */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "sync/outbox.h"
#include "spool/db.h"
#include "core/banned.h"

static const char *const record_sql[] = {
	[HS_OUT_DONE] =
	    "UPDATE deliveries SET state = 'done', attempts = attempts + 1,"
	    " done_at = ?2, updated_at = ?2, receipt = ?3, last_error = NULL"
	    " WHERE id = ?1 AND state = 'pending'",
	[HS_OUT_RETRY] =
	    "UPDATE deliveries SET attempts = attempts + 1,"
	    " next_attempt_at = ?4, updated_at = ?2, last_error = ?5"
	    " WHERE id = ?1 AND state = 'pending'",
	[HS_OUT_DEAD] =
	    "UPDATE deliveries SET state = 'dead', attempts = attempts + 1,"
	    " updated_at = ?2, last_error = ?5"
	    " WHERE id = ?1 AND state = 'pending'",
};

static const char dead_letter_sql[] =
    "INSERT INTO deliveries (event_id, sink, state, attempts,"
    " next_attempt_at, created_at, updated_at, entity_key)"
    " SELECT id, ?2, 'pending', 0, ?3, ?3, ?3, NULL FROM events"
    " WHERE id = ?1 ON CONFLICT DO NOTHING";

static int
run(sqlite3_stmt *st)
{
	int src = sqlite3_step(st);

	sqlite3_reset(st);
	return src;
}

static int
record_one(sqlite3_stmt *const *st, sqlite3_stmt *dl,
           const struct hs_verdict *v, const char *now_iso,
           const char *dead_letter_sink)
{
	sqlite3_stmt *s = st[v->kind];
	int src;

	sqlite3_clear_bindings(s);
	sqlite3_bind_int64(s, 1, v->delivery_id);
	sqlite3_bind_text(s, 2, now_iso, -1, SQLITE_STATIC);
	if (v->kind == HS_OUT_DONE)
		sqlite3_bind_text(s, 3, v->receipt, -1, SQLITE_STATIC);
	if (v->kind == HS_OUT_RETRY)
		sqlite3_bind_text(s, 4, v->next_attempt_at, -1, SQLITE_STATIC);
	if (v->kind != HS_OUT_DONE)
		sqlite3_bind_text(s, 5, v->error, -1, SQLITE_STATIC);
	src = run(s);
	if (src != SQLITE_DONE || v->kind != HS_OUT_DEAD || !dl)
		return src;
	sqlite3_bind_int64(dl, 1, v->event_id);
	sqlite3_bind_text(dl, 2, dead_letter_sink, -1, SQLITE_STATIC);
	sqlite3_bind_text(dl, 3, now_iso, -1, SQLITE_STATIC);
	return run(dl);
}

enum hs_err
hs_outbox_record(struct hs_spool *sp, const struct hs_verdict *v, size_t n,
                 const char *now_iso, const char *dead_letter_sink)
{
	sqlite3 *db = hs_spool_db(sp);
	sqlite3_stmt *st[3] = { NULL, NULL, NULL }, *dl = NULL;
	enum hs_err rc;
	int src = SQLITE_OK, k;
	size_t i;

	rc = hs_spool_begin(sp);
	if (rc != HS_OK)
		return rc;
	for (k = 0; k < 3 && src == SQLITE_OK; k++)
		src = sqlite3_prepare_v2(db, record_sql[k], -1, &st[k], NULL);
	if (src == SQLITE_OK && dead_letter_sink)
		src = sqlite3_prepare_v2(db, dead_letter_sql, -1, &dl, NULL);
	for (i = 0; i < n && src == SQLITE_OK; i++) {
		src = record_one(st, dl, &v[i], now_iso, dead_letter_sink);
		if (src == SQLITE_DONE)
			src = SQLITE_OK;
	}
	for (k = 0; k < 3; k++)
		sqlite3_finalize(st[k]);
	sqlite3_finalize(dl);
	if (src != SQLITE_OK) {
		hs_spool_rollback(sp);
		return hs_spool_map_rc(src);
	}
	return hs_spool_commit(sp);
}

enum hs_err
hs_outbox_stats(struct hs_spool *sp, const char *sink,
                struct hs_outbox_stats *out)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *t;
	int src;

	memset(out, 0, sizeof(*out));
	src = sqlite3_prepare_v2(hs_spool_db(sp), "SELECT count(*),"
	    " min(created_at), min(next_attempt_at) FROM deliveries"
	    " WHERE sink = ?1 AND state = 'pending'", -1, &st, NULL);
	if (src == SQLITE_OK) {
		sqlite3_bind_text(st, 1, sink, -1, SQLITE_STATIC);
		src = sqlite3_step(st);
	}
	if (src == SQLITE_ROW) {
		out->pending = sqlite3_column_int64(st, 0);
		if ((t = sqlite3_column_text(st, 1)))
			snprintf(out->oldest_pending, sizeof(out->oldest_pending),
			    "%s", (const char *)t);
		if ((t = sqlite3_column_text(st, 2)))
			snprintf(out->next_due, sizeof(out->next_due), "%s",
			    (const char *)t);
		src = SQLITE_DONE;
	}
	sqlite3_finalize(st);
	return src == SQLITE_DONE ? HS_OK : hs_spool_map_rc(src);
}

/* One page of events without a delivery to sink, after after_id. */
static enum hs_err
backfill_page(struct hs_spool *sp, const char *sink, const char *now_iso,
              hs_outbox_want want, void *ctx, int64_t *after_id, long *added,
              int *more)
{
	sqlite3 *db = hs_spool_db(sp);
	sqlite3_stmt *sel = NULL, *ins = NULL;
	int src, rows = 0;
	enum hs_err rc = hs_spool_begin(sp);

	if (rc != HS_OK)
		return rc;
	src = sqlite3_prepare_v2(db, "SELECT e.id, e.source, e.kind,"
	    " e.entity_key FROM events e WHERE e.id > ?2 AND NOT EXISTS"
	    " (SELECT 1 FROM deliveries d WHERE d.event_id = e.id AND"
	    " d.sink = ?1) ORDER BY e.id LIMIT 1000", -1, &sel, NULL);
	if (src == SQLITE_OK)
		src = sqlite3_prepare_v2(db, "INSERT INTO deliveries (event_id,"
		    " sink, state, attempts, next_attempt_at, created_at,"
		    " updated_at, entity_key) VALUES (?1, ?2, 'pending', 0, ?3,"
		    " ?3, ?3, ?4)", -1, &ins, NULL);
	if (src == SQLITE_OK) {
		sqlite3_bind_text(sel, 1, sink, -1, SQLITE_STATIC);
		sqlite3_bind_int64(sel, 2, *after_id);
	}
	while (src == SQLITE_OK && (src = sqlite3_step(sel)) == SQLITE_ROW) {
		rows++;
		src = SQLITE_OK;
		*after_id = sqlite3_column_int64(sel, 0);
		if (!want(ctx, (const char *)sqlite3_column_text(sel, 1),
		    (const char *)sqlite3_column_text(sel, 2)))
			continue;
		sqlite3_bind_int64(ins, 1, *after_id);
		sqlite3_bind_text(ins, 2, sink, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, now_iso, -1, SQLITE_STATIC);
		sqlite3_bind_value(ins, 4, sqlite3_column_value(sel, 3));
		if ((src = run(ins)) == SQLITE_DONE) {
			src = SQLITE_OK;
			(*added)++;
		}
	}
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	*more = rows == 1000;
	if (src != SQLITE_DONE && src != SQLITE_OK) {
		hs_spool_rollback(sp);
		return hs_spool_map_rc(src);
	}
	return hs_spool_commit(sp);
}

enum hs_err
hs_outbox_backfill(struct hs_spool *sp, const char *sink, const char *now_iso,
                   hs_outbox_want want, void *ctx, long *added)
{
	int64_t after = 0;
	int more = 1;
	enum hs_err rc = HS_OK;

	*added = 0;
	while (rc == HS_OK && more)
		rc = backfill_page(sp, sink, now_iso, want, ctx, &after, added,
		    &more);
	return rc;
}
