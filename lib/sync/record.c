/*
 * sync/record.c - writing a batch's outcomes: done, retry with its next
 * attempt time, dead (with its copy for the dead-copy sink), unsent (no
 * attempt), in one transaction. Each ends the delivery's lease and keeps
 * the sink's progress, so a later attempt resumes where this one stopped.
 */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "sync/outbox.h"
#include "spool/db.h"
#include "core/banned.h"

#define NKINDS 4
#define UNLEASE ", lease_until = NULL, lease_owner = NULL, progress = ?6"

static const char *const record_sql[NKINDS] = {
	[HS_OUT_DONE] =
	    "UPDATE deliveries SET state = 'done', attempts = attempts + 1,"
	    " done_at = ?2, updated_at = ?2, receipt = ?3, last_error = NULL"
	    UNLEASE " WHERE id = ?1 AND state = 'pending'",
	[HS_OUT_RETRY] =
	    "UPDATE deliveries SET attempts = attempts + 1,"
	    " next_attempt_at = ?4, updated_at = ?2, last_error = ?5"
	    UNLEASE " WHERE id = ?1 AND state = 'pending'",
	[HS_OUT_DEAD] =
	    "UPDATE deliveries SET state = 'dead', attempts = attempts + 1,"
	    " updated_at = ?2, last_error = ?5"
	    UNLEASE " WHERE id = ?1 AND state = 'pending'",
	/* Never sent (or refused with our credentials): no attempt. */
	[HS_OUT_UNSENT] =
	    "UPDATE deliveries SET lease_until = NULL, lease_owner = NULL,"
	    " progress = ?6 WHERE id = ?1 AND state = 'pending'",
};

static const char dead_copy_sql[] =
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
           const char *dead_copy_sink)
{
	sqlite3_stmt *s = st[v->kind];
	int src;

	sqlite3_clear_bindings(s);
	sqlite3_bind_int64(s, 1, v->delivery_id);
	if (v->kind != HS_OUT_UNSENT)
		sqlite3_bind_text(s, 2, now_iso, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 6, v->progress);
	if (v->kind == HS_OUT_DONE)
		sqlite3_bind_text(s, 3, v->receipt, -1, SQLITE_STATIC);
	if (v->kind == HS_OUT_RETRY)
		sqlite3_bind_text(s, 4, v->next_attempt_at, -1, SQLITE_STATIC);
	if (v->kind == HS_OUT_RETRY || v->kind == HS_OUT_DEAD)
		sqlite3_bind_text(s, 5, v->error, -1, SQLITE_STATIC);
	src = run(s);
	if (src != SQLITE_DONE || v->kind != HS_OUT_DEAD || !dl)
		return src;
	sqlite3_bind_int64(dl, 1, v->event_id);
	sqlite3_bind_text(dl, 2, dead_copy_sink, -1, SQLITE_STATIC);
	sqlite3_bind_text(dl, 3, now_iso, -1, SQLITE_STATIC);
	return run(dl);
}

enum hs_err
hs_outbox_record(struct hs_spool *sp, const struct hs_verdict *v, size_t n,
                 const char *now_iso, const char *dead_copy_sink)
{
	sqlite3 *db = hs_spool_db(sp);
	sqlite3_stmt *st[NKINDS] = { NULL, NULL, NULL, NULL }, *dl = NULL;
	enum hs_err rc;
	int src = SQLITE_OK, k;
	size_t i;

	rc = hs_spool_begin(sp);
	if (rc != HS_OK)
		return rc;
	for (k = 0; k < NKINDS && src == SQLITE_OK; k++)
		src = sqlite3_prepare_v2(db, record_sql[k], -1, &st[k], NULL);
	if (src == SQLITE_OK && dead_copy_sink)
		src = sqlite3_prepare_v2(db, dead_copy_sql, -1, &dl, NULL);
	for (i = 0; i < n && src == SQLITE_OK; i++) {
		src = record_one(st, dl, &v[i], now_iso, dead_copy_sink);
		if (src == SQLITE_DONE)
			src = SQLITE_OK;
	}
	for (k = 0; k < NKINDS; k++)
		sqlite3_finalize(st[k]);
	sqlite3_finalize(dl);
	if (src != SQLITE_OK) {
		hs_spool_rollback(sp);
		return hs_spool_map_rc(src);
	}
	return hs_spool_commit(sp);
}
