/*
 * tools/admin/write.c - retry and replay: an admin pushes deliveries again.
 *
 * Both write through hs_spool_begin/commit (the writer lock, bounded,
 * then BEGIN IMMEDIATE) in transactions of at most HS_ADMIN_CHUNK rows,
 * so a handler waits for at most one chunk. Each change is guarded by the
 * state it was read in: a delivery scheduled_sync finished meanwhile is
 * left alone and counted as skipped. Every change adds a history row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/internal.h"
#include "sinks/sink.h"
#include "spool/db.h"
#include "core/banned.h"

#define SINK_MAX 64

static const char requeue_sql[] =
    "UPDATE OR IGNORE deliveries SET state = 'pending', attempts = 0,"
    " next_attempt_at = ?2, updated_at = ?2 WHERE id = ?1 AND state = ?3";

struct picked {
	int64_t id, event_id;
	int attempts;
	char sink[SINK_MAX];
	char state[8];
};

/* retry acts on dead (default) or pending deliveries, never on done. */
static enum hs_err
retry_filter(const struct hs_admin_filter *in, struct hs_admin_filter *f)
{
	*f = *in;
	f->limit = 0;
	if (!f->state || !*f->state)
		f->state = "dead";
	return strcmp(f->state, "dead") && strcmp(f->state, "pending") ?
	    HS_EINVAL : HS_OK;
}

static enum hs_err
select_deliveries(sqlite3 *db, const char *cols,
                  const struct hs_admin_filter *f, int64_t after,
                  sqlite3_stmt **st)
{
	struct hs_admin_sql q;
	enum hs_err rc;

	hs_admin_sql_init(&q);
	rc = hs_admin_sql_add(&q, cols);
	if (rc == HS_OK)
		rc = hs_admin_sql_add(&q, " FROM deliveries d"
		    " JOIN events e ON e.id = d.event_id");
	if (rc == HS_OK)
		rc = hs_admin_where(&q, f, HS_ADMIN_DELIVERIES);
	if (rc == HS_OK && after >= 0)
		rc = hs_admin_sql_int(&q, " AND d.id > ?", after);
	if (rc == HS_OK && after >= 0)
		rc = hs_admin_sql_int(&q, " ORDER BY d.id LIMIT ?",
		    HS_ADMIN_CHUNK);
	if (rc == HS_OK)
		rc = hs_admin_sql_prepare(&q, db, st);
	hs_admin_sql_release(&q);
	return rc;
}

enum hs_err
hs_admin_retry_count(struct hs_spool *sp, const struct hs_admin_filter *in,
                     long *n)
{
	struct hs_admin_filter f;
	sqlite3_stmt *st = NULL;
	enum hs_err rc;
	int src = SQLITE_OK;

	*n = 0;
	rc = retry_filter(in, &f);
	if (rc == HS_OK)
		rc = select_deliveries(hs_spool_db(sp), "SELECT count(*)", &f,
		    -1, &st);
	if (rc == HS_OK && (src = sqlite3_step(st)) == SQLITE_ROW)
		*n = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == HS_OK ? admin_rc(src) : rc;
}

/* Reads the next chunk (ids above *after) into p; *np rows. */
static enum hs_err
pick(sqlite3 *db, const struct hs_admin_filter *f, int64_t after,
     struct picked *p, size_t *np)
{
	sqlite3_stmt *st = NULL;
	enum hs_err rc;
	int src = SQLITE_DONE;

	*np = 0;
	rc = select_deliveries(db, "SELECT d.id, d.event_id, d.attempts,"
	    " d.sink, d.state", f, after, &st);
	while (rc == HS_OK && *np < HS_ADMIN_CHUNK &&
	    (src = sqlite3_step(st)) == SQLITE_ROW) {
		p[*np].id = sqlite3_column_int64(st, 0);
		p[*np].event_id = sqlite3_column_int64(st, 1);
		p[*np].attempts = sqlite3_column_int(st, 2);
		snprintf(p[*np].sink, SINK_MAX, "%s",
		    (const char *)sqlite3_column_text(st, 3));
		snprintf(p[*np].state, sizeof(p[*np].state), "%s",
		    (const char *)sqlite3_column_text(st, 4));
		(*np)++;
	}
	sqlite3_finalize(st);
	return rc == HS_OK ? admin_rc(src) : rc;
}

static enum hs_err
requeue(sqlite3 *db, sqlite3_stmt *up, const struct picked *p,
        const char *now, const char *actor, struct hs_admin_result *res)
{
	char detail[160];
	int src;

	sqlite3_reset(up);
	sqlite3_bind_int64(up, 1, p->id);
	sqlite3_bind_text(up, 2, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(up, 3, p->state, -1, SQLITE_STATIC);
	src = sqlite3_step(up);
	if (src != SQLITE_DONE)
		return hs_spool_map_rc(src);
	res->matched++;
	if (sqlite3_changes(db) == 0) {
		res->skipped++;
		return HS_OK;
	}
	res->changed++;
	snprintf(detail, sizeof(detail), "delivery %lld to %s: %s after %d "
	    "attempt%s -> pending now", (long long)p->id, p->sink, p->state,
	    p->attempts, p->attempts == 1 ? "" : "s");
	return admin_history(db, p->event_id, now, actor, "retry", detail);
}

/* One transaction: the next chunk. *more when it was full. */
static enum hs_err
retry_chunk(struct hs_spool *sp, const struct hs_admin_filter *f,
            const char *now, const char *actor, int64_t *after,
            struct picked *p, struct hs_admin_result *res, int *more)
{
	sqlite3 *db = hs_spool_db(sp);
	sqlite3_stmt *up = NULL;
	size_t i, n = 0;
	enum hs_err rc;

	*more = 0;
	rc = hs_spool_begin(sp);
	if (rc != HS_OK)
		return rc;
	rc = pick(db, f, *after, p, &n);
	if (rc == HS_OK && n > 0)
		rc = admin_rc(sqlite3_prepare_v2(db, requeue_sql, -1, &up,
		    NULL));
	for (i = 0; rc == HS_OK && i < n; i++)
		rc = requeue(db, up, &p[i], now, actor, res);
	sqlite3_finalize(up);
	if (rc != HS_OK) {
		hs_spool_rollback(sp);
		return rc;
	}
	if (n > 0)
		*after = p[n - 1].id;
	*more = n == HS_ADMIN_CHUNK;
	return hs_spool_commit(sp);
}

enum hs_err
hs_admin_retry(struct hs_spool *sp, const struct hs_admin_filter *in,
               const char *now_iso, const char *actor,
               struct hs_admin_result *res)
{
	struct hs_admin_filter f;
	struct hs_admin_result part;
	struct picked *p;
	int64_t after = 0;
	enum hs_err rc;
	int more = 1;

	memset(res, 0, sizeof(*res));
	rc = retry_filter(in, &f);
	if (rc != HS_OK)
		return rc;
	if (!(p = calloc(HS_ADMIN_CHUNK, sizeof(*p))))
		return HS_ENOMEM;
	while (rc == HS_OK && more) {
		part = *res;
		rc = retry_chunk(sp, &f, now_iso, actor, &after, p, &part,
		    &more);
		if (rc == HS_OK)
			*res = part;	/* only what was committed counts */
	}
	free(p);
	return rc;
}

/* The newest pending or dead delivery of id to sink: blocks a replay. */
static enum hs_err
blocking(sqlite3 *db, int64_t id, const char *sink, char *why, size_t n)
{
	sqlite3_stmt *st = NULL;
	int src;

	src = sqlite3_prepare_v2(db, "SELECT id, state FROM deliveries"
	    " WHERE event_id = ?1 AND sink = ?2 AND state <> 'done'"
	    " ORDER BY id DESC LIMIT 1", -1, &st, NULL);
	if (src == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, sink, -1, SQLITE_STATIC);
		src = sqlite3_step(st);
	}
	if (src == SQLITE_ROW) {
		snprintf(why, n, !strcmp((const char *)sqlite3_column_text(st,
		    1), "dead") ? "event %lld's delivery %lld to %s is dead: "
		    "use 'spoolctl retry %lld --sink %s'" : "event %lld "
		    "already has delivery %lld to %s pending: nothing to do",
		    (long long)id, (long long)sqlite3_column_int64(st, 0),
		    sink, (long long)id, sink);
		sqlite3_finalize(st);
		return HS_EEXIST;
	}
	sqlite3_finalize(st);
	return admin_rc(src);
}

static enum hs_err
insert_delivery(sqlite3 *db, int64_t id, const char *sink, const char *now,
                int64_t *delivery_id)
{
	const struct hs_sink_ops *ops = hs_sink_find(sink);
	sqlite3_stmt *st = NULL;
	int src;

	/* Dead copies skip per-key order, as sync/record.c adds them. */
	src = sqlite3_prepare_v2(db, "INSERT INTO deliveries (event_id, sink,"
	    " state, attempts, next_attempt_at, created_at, updated_at,"
	    " entity_key) SELECT id, ?2, 'pending', 0, ?3, ?3, ?3,"
	    " CASE WHEN ?4 THEN NULL ELSE entity_key END"
	    " FROM events WHERE id = ?1", -1, &st, NULL);
	if (src == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, sink, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 4, ops && ops->dead_copies);
		src = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (src != SQLITE_DONE)
		return hs_spool_map_rc(src);
	if (sqlite3_changes(db) == 0)
		return HS_ENOTFOUND;
	*delivery_id = sqlite3_last_insert_rowid(db);
	return HS_OK;
}

enum hs_err
hs_admin_replay(struct hs_spool *sp, int64_t id, const char *sink,
                const char *now_iso, const char *actor, int64_t *delivery_id,
                char *why, size_t n)
{
	sqlite3 *db = hs_spool_db(sp);
	char detail[160];
	enum hs_err rc;

	*delivery_id = 0;
	rc = hs_spool_begin(sp);
	if (rc != HS_OK)
		return rc;
	rc = blocking(db, id, sink, why, n);
	if (rc == HS_OK)
		rc = insert_delivery(db, id, sink, now_iso, delivery_id);
	if (rc == HS_ENOTFOUND)
		snprintf(why, n, "no event %lld", (long long)id);
	if (rc == HS_OK) {
		snprintf(detail, sizeof(detail), "delivery %lld to %s: "
		    "replayed, pending now", (long long)*delivery_id, sink);
		rc = admin_history(db, id, now_iso, actor, "replay", detail);
	}
	if (rc != HS_OK) {
		hs_spool_rollback(sp);
		*delivery_id = 0;
		return rc;
	}
	return hs_spool_commit(sp);
}

enum hs_err
hs_admin_event_sinks(struct hs_spool *sp, int64_t id, struct hs_buf *out)
{
	const struct hs_sink_ops *ops;
	const char *sink;
	sqlite3_stmt *st = NULL;
	enum hs_err rc = HS_OK;
	int src;

	src = sqlite3_prepare_v2(hs_spool_db(sp), "SELECT DISTINCT sink FROM"
	    " deliveries WHERE event_id = ?1 ORDER BY sink", -1, &st, NULL);
	if (src == SQLITE_OK)
		sqlite3_bind_int64(st, 1, id);
	while (rc == HS_OK && src == SQLITE_OK &&
	    (src = sqlite3_step(st)) == SQLITE_ROW) {
		src = SQLITE_OK;
		sink = (const char *)sqlite3_column_text(st, 0);
		ops = hs_sink_find(sink);
		if (ops && ops->dead_copies)	/* a copy, not a route */
			continue;
		rc = hs_buf_addf(out, "%s%s", out->len ? " " : "", sink);
	}
	sqlite3_finalize(st);
	return rc == HS_OK ? admin_rc(src) : rc;
}
