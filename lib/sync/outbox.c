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

static const char claim_sql[] =
    "SELECT d.id, d.event_id, d.attempts, e.source, e.kind, e.idem_key,"
    "  e.entity_key, e.received_at, e.body,"
    "  CASE WHEN ?5 THEN"
    "   (SELECT x.sink || ': ' || coalesce(x.last_error, '')"
    "    FROM deliveries x WHERE x.event_id = d.event_id"
    "    AND x.state = 'dead' AND x.sink <> d.sink"
    "    ORDER BY x.id DESC LIMIT 1) END"
    " FROM deliveries d JOIN events e ON e.id = d.event_id"
    " WHERE d.sink = ?1 AND d.state = 'pending' AND d.id > ?3"
    "  AND d.next_attempt_at <= ?2"
    "  AND (d.entity_key IS NULL OR NOT EXISTS ("
    "   SELECT 1 FROM deliveries p WHERE p.sink = d.sink"
    "    AND p.state = 'pending' AND p.entity_key = d.entity_key"
    "    AND p.event_id < d.event_id))"
    " ORDER BY d.id LIMIT ?4";

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
	if (b->n > 0 && b->mem.len + row > b->soft_bytes)
		return 0;
	for (i = 0; i < NSTR && *rc == HS_OK; i++)
		*rc = keep(b, st, 3 + i, &off[i]);
	if (*rc != HS_OK)
		return 0;
	memset(d, 0, sizeof(*d));
	d->id = sqlite3_column_int64(st, 0);
	d->event_id = sqlite3_column_int64(st, 1);
	d->attempts = sqlite3_column_int(st, 2);
	d->body_len = (size_t)sqlite3_column_bytes(st, 8);
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

enum hs_err
hs_outbox_claim(struct hs_spool *sp, const char *sink, const char *now_iso,
                int64_t after_id, struct hs_batch *b)
{
	const struct hs_sink_ops *ops = hs_sink_find(sink);
	sqlite3_stmt *st = NULL;
	enum hs_err rc = HS_OK;
	int src;

	b->n = 0;
	b->last_id = after_id;
	hs_buf_reset(&b->mem);
	src = sqlite3_prepare_v2(hs_spool_db(sp), claim_sql, -1, &st, NULL);
	if (src == SQLITE_OK) {
		sqlite3_bind_text(st, 1, sink, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, now_iso, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, after_id);
		sqlite3_bind_int64(st, 4, (sqlite3_int64)b->cap);
		/* Only a sink that takes dead copies reads the reason. */
		sqlite3_bind_int(st, 5, ops && ops->dead_copies);
		while (rc == HS_OK && b->n < b->cap &&
		    (src = sqlite3_step(st)) == SQLITE_ROW)
			if (!take_row(b, st, &rc))
				break;
		if (src == SQLITE_ROW)
			src = SQLITE_DONE;
	}
	sqlite3_finalize(st);
	fix_pointers(b);
	if (rc != HS_OK)
		return rc;
	return src == SQLITE_DONE ? HS_OK : hs_spool_map_rc(src);
}
