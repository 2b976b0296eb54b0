/*
 * sync/backfill.c - routing old events to a newly configured sink.
 *
 * A sink configured after events arrived gets deliveries for the events
 * its routes want, in pages of 1000 per transaction so that handlers
 * never wait long for the writer lock.
 */
#include <stdint.h>

#include <sqlite3.h>

#include "sync/outbox.h"
#include "spool/db.h"
#include "core/banned.h"

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
		src = sqlite3_step(ins);
		sqlite3_reset(ins);
		if (src == SQLITE_DONE) {
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
