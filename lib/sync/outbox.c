/*
 * sync/outbox.c - claim, record and count deliveries for the sync engine.
 *
 * Statements are prepared per call: a run makes a few per batch, and a
 * batch costs far more at the destination than a prepare here.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "core/caps.h"
#include "sync/outbox.h"
#include "spool/db.h"
#include "core/banned.h"

/*
 * ?1 sink, ?2 due, ?3 after id, ?4 limit, ?5 read dead reasons, ?6 now
 * (lease liveness), ?7 take over leases of owner ?8, ?9 event ids (JSON).
 */
#define CLAIM_COLS \
    "SELECT d.id, d.event_id, d.attempts, e.source, e.kind, e.idem_key," \
    "  e.entity_key, e.received_at, e.body," \
    "  CASE WHEN ?5 THEN" \
    "   (SELECT x.sink || ': ' || coalesce(x.last_error, '')" \
    "    FROM deliveries x WHERE x.event_id = d.event_id" \
    "    AND x.state = 'dead' AND x.sink <> d.sink" \
    "    ORDER BY x.id DESC LIMIT 1) END, d.progress" \
    " FROM deliveries d JOIN events e ON e.id = d.event_id" \
    " WHERE d.sink = ?1 AND d.state = 'pending' AND d.id > ?3" \
    "  AND d.next_attempt_at <= ?2"
#define CLAIM_FREE \
    "  AND (d.lease_until IS NULL OR d.lease_until <= ?6" \
    "   OR (?7 AND d.lease_owner = ?8))" \
    "  AND (d.entity_key IS NULL OR NOT EXISTS (" \
    "   SELECT 1 FROM deliveries p WHERE p.sink = d.sink" \
    "    AND p.state = 'pending' AND p.entity_key = d.entity_key" \
    "    AND p.event_id < d.event_id))" \
    " ORDER BY d.id LIMIT ?4"

static const char claim_sql[] = CLAIM_COLS CLAIM_FREE;
static const char claim_events_sql[] = CLAIM_COLS
    "  AND d.event_id IN (SELECT value FROM json_each(?9))" CLAIM_FREE;

static const char lease_sql[] =
    "UPDATE deliveries SET lease_until = ?2, lease_owner = ?3"
    " WHERE id = ?1";

/*
 * ?1 sink, ?2 due, ?3 event ids (JSON), ?4 now. One of the events is due,
 * free, and held back by an earlier delivery of its key that is leased
 * or due, and by none that waits for its backoff.
 */
#define EARLIER \
    "SELECT 1 FROM deliveries p WHERE p.sink = d.sink" \
    "    AND p.state = 'pending' AND p.entity_key = d.entity_key" \
    "    AND p.event_id < d.event_id"
static const char held_sql[] =
    "SELECT EXISTS (SELECT 1 FROM deliveries d"
    " WHERE d.sink = ?1 AND d.state = 'pending'"
    "  AND d.event_id IN (SELECT value FROM json_each(?3))"
    "  AND d.next_attempt_at <= ?2 AND d.entity_key IS NOT NULL"
    "  AND (d.lease_until IS NULL OR d.lease_until <= ?4)"
    "  AND EXISTS (" EARLIER
    "   AND (p.lease_until > ?4 OR p.next_attempt_at <= ?4))"
    "  AND NOT EXISTS (" EARLIER
    "   AND (p.lease_until IS NULL OR p.lease_until <= ?4)"
    "   AND p.next_attempt_at > ?4))";

#define NSTR 7	/* source kind idem_key entity_key received_at body dead */
#define ABSENT ((size_t)-1)

void
hs_batch_init(struct hs_batch *b, size_t cap, size_t soft_bytes)
{
	memset(b, 0, sizeof(*b));
	b->cap = cap ? cap : 1;
	b->soft_bytes = soft_bytes;
	b->d = calloc(b->cap, sizeof(*b->d));
	b->offs = calloc(b->cap * NSTR, sizeof(*b->offs));
	hs_buf_init(&b->mem, soft_bytes + HS_MAX_BODY_HARD + 64 * 1024);
	if (!b->d || !b->offs)
		b->cap = 0;
}

void
hs_batch_release(struct hs_batch *b)
{
	free(b->d);
	free(b->offs);
	hs_buf_release(&b->mem);
	memset(b, 0, sizeof(*b));
}

/* Copies column i (+NUL) into mem; its offset, or ABSENT for NULL. */
static enum hs_err
keep(struct hs_batch *b, sqlite3_stmt *st, int i, size_t *off)
{
	const void *p = sqlite3_column_blob(st, i);
	size_t n = (size_t)sqlite3_column_bytes(st, i);
	enum hs_err rc;

	*off = ABSENT;
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return HS_OK;
	*off = b->mem.len;
	rc = hs_buf_add(&b->mem, p ? p : "", n);
	return rc == HS_OK ? hs_buf_add(&b->mem, "", 1) : rc;
}

/* 1 when the row was taken, 0 when the batch is full by bytes. */
static int
take_row(struct hs_batch *b, sqlite3_stmt *st, enum hs_err *rc)
{
	struct hs_delivery *d = &b->d[b->n];
	size_t *off = &b->offs[b->n * NSTR];
	size_t row = 0;
	int i;

	for (i = 3; i < 3 + NSTR; i++)
		row += (size_t)sqlite3_column_bytes(st, i) + 1;
	if (b->n > 0 && b->mem.len + row > b->soft_bytes) {
		b->full = 1;
		return 0;
	}
	for (i = 0; i < NSTR && *rc == HS_OK; i++)
		*rc = keep(b, st, 3 + i, &off[i]);
	if (*rc != HS_OK)
		return 0;
	memset(d, 0, sizeof(*d));
	d->id = sqlite3_column_int64(st, 0);
	d->event_id = sqlite3_column_int64(st, 1);
	d->attempts = sqlite3_column_int(st, 2);
	d->body_len = (size_t)sqlite3_column_bytes(st, 8);
	d->progress = sqlite3_column_int(st, 10);
	b->last_id = d->id;
	b->n++;
	return 1;
}

static const char *
at(const struct hs_batch *b, size_t off)
{
	return off == ABSENT ? NULL : b->mem.data + off;
}

/* mem no longer moves: turn offsets into the deliveries' pointers. */
static void
fix_pointers(struct hs_batch *b)
{
	size_t i, *o;

	for (i = 0; i < b->n; i++) {
		o = &b->offs[i * NSTR];
		b->d[i].source = at(b, o[0]);
		b->d[i].kind = at(b, o[1]);
		b->d[i].idem_key = at(b, o[2]);
		b->d[i].entity_key = at(b, o[3]);
		b->d[i].received_at = at(b, o[4]);
		b->d[i].body = o[5] == ABSENT ? "" : at(b, o[5]);
		b->d[i].dead_reason = at(b, o[6]);
	}
}

/* The claim's event ids as a JSON array, for json_each(). */
static enum hs_err
events_json(const struct hs_claim *c, struct hs_buf *out)
{
	enum hs_err rc = hs_buf_adds(out, "[");
	size_t i;

	for (i = 0; rc == HS_OK && i < c->nevents; i++)
		rc = hs_buf_addf(out, "%s%lld", i ? "," : "",
		    (long long)c->events[i]);
	return rc == HS_OK ? hs_buf_adds(out, "]") : rc;
}

static int
select_rows(struct hs_spool *sp, const struct hs_claim *c,
            const char *events, struct hs_batch *b, enum hs_err *rc)
{
	const struct hs_sink_ops *ops = hs_sink_find(c->sink);
	sqlite3_stmt *st = NULL;
	int src;

	src = sqlite3_prepare_v2(hs_spool_db(sp), c->nevents ?
	    claim_events_sql : claim_sql, -1, &st, NULL);
	if (src == SQLITE_OK) {
		sqlite3_bind_text(st, 1, c->sink, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, c->due_iso, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, c->after_id);
		sqlite3_bind_int64(st, 4, (sqlite3_int64)b->cap);
		/* Only a sink that takes dead copies reads the reason. */
		sqlite3_bind_int(st, 5, ops && ops->dead_copies);
		sqlite3_bind_text(st, 6, c->now_iso, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 7, c->take_own && c->owner);
		sqlite3_bind_text(st, 8, c->owner, -1, SQLITE_STATIC);
		if (c->nevents)
			sqlite3_bind_text(st, 9, events, -1, SQLITE_STATIC);
		while (*rc == HS_OK && b->n < b->cap &&
		    (src = sqlite3_step(st)) == SQLITE_ROW)
			if (!take_row(b, st, rc))
				break;
		if (src == SQLITE_ROW)
			src = SQLITE_DONE;
	}
	sqlite3_finalize(st);
	return src;
}

static int
lease_rows(struct hs_spool *sp, const struct hs_claim *c,
           const struct hs_batch *b)
{
	sqlite3_stmt *st = NULL;
	int src;
	size_t i;

	src = sqlite3_prepare_v2(hs_spool_db(sp), lease_sql, -1, &st, NULL);
	for (i = 0; src == SQLITE_OK && i < b->n; i++) {
		sqlite3_bind_int64(st, 1, b->d[i].id);
		sqlite3_bind_text(st, 2, c->lease_until, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, c->owner, -1, SQLITE_STATIC);
		src = sqlite3_step(st);
		sqlite3_reset(st);
		if (src == SQLITE_DONE)
			src = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return src == SQLITE_OK ? SQLITE_DONE : src;
}

enum hs_err
hs_outbox_claim(struct hs_spool *sp, const struct hs_claim *c,
                struct hs_batch *b)
{
	struct hs_buf events;
	enum hs_err rc = HS_OK;
	int in_tx = 0, src = SQLITE_DONE;

	b->n = 0;
	b->full = 0;
	b->last_id = c->after_id;
	hs_buf_reset(&b->mem);
	hs_buf_init(&events, 64 * 1024);
	if (c->nevents)
		rc = events_json(c, &events);
	/*
	 * A look first, without the writer lock that every handler commits
	 * under: most empty claims (a run's last, an immediate run's after
	 * its batch) end here. Rows found are selected again inside the
	 * transaction, which alone decides.
	 */
	if (rc == HS_OK && c->owner) {
		src = select_rows(sp, c, hs_buf_str(&events), b, &rc);
		if (rc == HS_OK && src == SQLITE_DONE && b->n == 0) {
			hs_buf_release(&events);
			return HS_OK;
		}
		b->n = 0;
		b->full = 0;
		b->last_id = c->after_id;
		hs_buf_reset(&b->mem);
		rc = rc == HS_OK ? hs_spool_begin(sp) : rc;
		in_tx = rc == HS_OK;
	}
	if (rc == HS_OK)
		src = select_rows(sp, c, hs_buf_str(&events), b, &rc);
	if (rc == HS_OK && src == SQLITE_DONE && in_tx && b->n)
		src = lease_rows(sp, c, b);
	if (rc == HS_OK && src != SQLITE_DONE)
		rc = hs_spool_map_rc(src);
	if (in_tx && rc == HS_OK)
		rc = hs_spool_commit(sp);
	else if (in_tx)
		hs_spool_rollback(sp);
	if (rc != HS_OK)
		b->n = 0;	/* nothing leased: nothing to send */
	fix_pointers(b);
	hs_buf_release(&events);
	return rc;
}

enum hs_err
hs_outbox_held(struct hs_spool *sp, const struct hs_claim *c, int *held)
{
	struct hs_buf events;
	sqlite3_stmt *st = NULL;
	enum hs_err rc;
	int src = SQLITE_OK;

	*held = 0;
	if (!c->nevents)
		return HS_OK;
	hs_buf_init(&events, 64 * 1024);
	rc = events_json(c, &events);
	if (rc == HS_OK)
		src = sqlite3_prepare_v2(hs_spool_db(sp), held_sql, -1, &st,
		    NULL);
	if (rc == HS_OK && src == SQLITE_OK) {
		sqlite3_bind_text(st, 1, c->sink, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, c->due_iso, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, hs_buf_str(&events), -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(st, 4, c->now_iso, -1, SQLITE_STATIC);
		src = sqlite3_step(st);
		if (src == SQLITE_ROW) {
			*held = sqlite3_column_int(st, 0);
			src = SQLITE_DONE;
		}
		if (src != SQLITE_DONE)
			rc = hs_spool_map_rc(src);
	} else if (rc == HS_OK) {
		rc = hs_spool_map_rc(src);
	}
	sqlite3_finalize(st);
	hs_buf_release(&events);
	return rc;
}
