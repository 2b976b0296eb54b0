/*
 * spool/event.c - what handlers write and read: events with their
 * deliveries, the per-client sliding window, and /health counts.
 */
#include <stdlib.h>
#include <string.h>

#include "spool/internal.h"
#include "core/timefmt.h"
#include "core/banned.h"

static enum hs_err
step_done(struct hs_spool *sp, sqlite3_stmt *st)
{
	int src = sqlite3_step(st);

	sqlite3_reset(st);
	if (src == SQLITE_DONE)
		return HS_OK;
	return hs_spool_map_rc(src ? src : sqlite3_errcode(sp->db));
}

static enum hs_err
bind_event(sqlite3_stmt *st, const struct hs_event *ev, const char *iso)
{
	int rc = SQLITE_OK;

	rc |= sqlite3_bind_text(st, 1, ev->source, -1, SQLITE_STATIC);
	rc |= sqlite3_bind_text(st, 2, ev->kind, -1, SQLITE_STATIC);
	rc |= sqlite3_bind_text(st, 3, ev->idem_key, -1, SQLITE_STATIC);
	rc |= sqlite3_bind_text(st, 4, ev->entity_key, -1, SQLITE_STATIC);
	rc |= sqlite3_bind_text(st, 5, iso, -1, SQLITE_STATIC);
	rc |= sqlite3_bind_text(st, 6, ev->remote_addr, -1, SQLITE_STATIC);
	rc |= sqlite3_bind_text(st, 7, ev->content_type, -1, SQLITE_STATIC);
	rc |= sqlite3_bind_text(st, 8, ev->headers_json ? ev->headers_json :
	    "{}", -1, SQLITE_STATIC);
	rc |= sqlite3_bind_blob64(st, 9, ev->body ? ev->body : "",
	    ev->body_len, SQLITE_STATIC);
	rc |= sqlite3_bind_int(st, 10, ev->response_status);
	rc |= sqlite3_bind_text(st, 11, ev->response_body, -1, SQLITE_STATIC);
	return rc == SQLITE_OK ? HS_OK : HS_EIO;
}

/* Reads the stored answer of an existing (source, key). */
static enum hs_err
find_first(struct hs_spool *sp, const struct hs_event *ev,
           struct hs_put_result *res)
{
	sqlite3_stmt *st;
	const unsigned char *body;
	enum hs_err rc;
	int src;

	rc = spool_stmt(sp, ST_FIND_EVENT, &st);
	if (rc != HS_OK)
		return rc;
	sqlite3_bind_text(st, 1, ev->source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ev->idem_key, -1, SQLITE_STATIC);
	src = sqlite3_step(st);
	if (src != SQLITE_ROW) {
		sqlite3_reset(st);
		return src == SQLITE_DONE ? HS_ENOTFOUND :
		    hs_spool_map_rc(src);
	}
	res->duplicate = 1;
	res->event_id = sqlite3_column_int64(st, 0);
	res->response_status = sqlite3_column_int(st, 1);
	body = sqlite3_column_text(st, 2);
	res->response_body = strdup(body ? (const char *)body : "{}");
	sqlite3_reset(st);
	return res->response_body ? HS_OK : HS_ENOMEM;
}

static enum hs_err
insert_deliveries(struct hs_spool *sp, int64_t event_id, const char *iso,
                  const char *entity_key, const char *const *sinks,
                  size_t nsinks)
{
	sqlite3_stmt *st;
	enum hs_err rc = HS_OK;
	size_t i;

	for (i = 0; i < nsinks && rc == HS_OK; i++) {
		rc = spool_stmt(sp, ST_INSERT_DELIVERY, &st);
		if (rc != HS_OK)
			break;
		sqlite3_bind_int64(st, 1, event_id);
		sqlite3_bind_text(st, 2, sinks[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, iso, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, entity_key, -1, SQLITE_STATIC);
		rc = step_done(sp, st);
	}
	return rc;
}

/*
 * Inside the caller's transaction: inserts ev and one pending delivery
 * per sink, or, when (source, idem_key) is already stored, writes nothing
 * and fills res with the stored event (res->duplicate, its first answer).
 */
static enum hs_err
insert_event(struct hs_spool *sp, const struct hs_event *ev,
             const char *const *sinks, size_t nsinks,
             struct hs_put_result *res)
{
	char iso[HS_ISO_LEN];
	sqlite3_stmt *st;
	enum hs_err rc;

	hs_time_iso(ev->received_ms, iso, sizeof(iso));
	rc = spool_stmt(sp, ST_INSERT_EVENT, &st);
	if (rc == HS_OK)
		rc = bind_event(st, ev, iso);
	if (rc == HS_OK)
		rc = step_done(sp, st);
	if (rc != HS_OK)
		return rc;
	if (sqlite3_changes(sp->db) == 0)
		return find_first(sp, ev, res);
	res->event_id = sqlite3_last_insert_rowid(sp->db);
	res->response_status = ev->response_status;
	return insert_deliveries(sp, res->event_id, iso, ev->entity_key, sinks,
	    nsinks);
}

enum hs_err
hs_spool_put(struct hs_spool *sp, const struct hs_event *ev,
             const char *const *sinks, size_t nsinks,
             struct hs_put_result *res)
{
	enum hs_err rc;

	memset(res, 0, sizeof(*res));
	rc = hs_spool_begin(sp);
	if (rc != HS_OK)
		return rc;
	rc = insert_event(sp, ev, sinks, nsinks, res);
	if (rc == HS_OK && !res->duplicate)
		rc = hs_spool_commit(sp);	/* rolls back itself on failure */
	else
		hs_spool_rollback(sp);	/* a duplicate wrote nothing */
	if (rc != HS_OK)
		hs_put_result_release(res);
	return rc;
}

/* One item of a batch, inside the caller's transaction. */
static enum hs_err
put_item(struct hs_spool *sp, struct hs_put_item *it)
{
	struct hs_put_result res;
	enum hs_err rc;

	memset(&res, 0, sizeof(res));
	rc = insert_event(sp, &it->ev, it->sinks, it->nsinks, &res);
	it->duplicate = res.duplicate;
	it->event_id = res.event_id;
	hs_put_result_release(&res);
	return rc;
}

enum hs_err
hs_spool_put_many(struct hs_spool *sp, struct hs_put_item *items, size_t n)
{
	enum hs_err rc = HS_OK;
	size_t i;

	for (i = 0; i < n; i++) {
		items[i].duplicate = 0;
		items[i].event_id = -1;
	}
	if (n == 0)
		return HS_OK;
	rc = hs_spool_begin(sp);
	if (rc != HS_OK)
		return rc;
	for (i = 0; i < n && rc == HS_OK; i++)
		rc = put_item(sp, &items[i]);
	if (rc == HS_OK)
		rc = hs_spool_commit(sp);	/* rolls back itself on failure */
	else
		hs_spool_rollback(sp);
	for (i = 0; rc != HS_OK && i < n; i++) {
		items[i].duplicate = 0;
		items[i].event_id = -1;
	}
	return rc;
}

void
hs_put_result_release(struct hs_put_result *res)
{
	free(res->response_body);
	memset(res, 0, sizeof(*res));
}

static enum hs_err
count_hits(struct hs_spool *sp, const char *client, int64_t since,
           int64_t *count, int64_t *oldest)
{
	sqlite3_stmt *st;
	enum hs_err rc;
	int src;

	rc = spool_stmt(sp, ST_HIT_COUNT, &st);
	if (rc != HS_OK)
		return rc;
	sqlite3_bind_text(st, 1, client, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, since);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		*count = sqlite3_column_int64(st, 0);
		*oldest = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return src == SQLITE_ROW ? HS_OK : hs_spool_map_rc(src);
}

enum hs_err
hs_spool_client_hit(struct hs_spool *sp, const char *client, int64_t now_ms,
                    int64_t window_ms, long limit, int *allowed,
                    int64_t *retry_after_ms)
{
	sqlite3_stmt *st;
	int64_t count = 0, oldest = 0, since = now_ms - window_ms;
	enum hs_err rc;

	*allowed = 1;
	*retry_after_ms = 0;
	rc = hs_spool_begin(sp);
	if (rc != HS_OK)
		return rc;
	rc = spool_stmt(sp, ST_HIT_PURGE, &st);
	if (rc == HS_OK) {
		sqlite3_bind_int64(st, 1, since);
		rc = step_done(sp, st);
	}
	if (rc == HS_OK)
		rc = count_hits(sp, client, since, &count, &oldest);
	if (rc == HS_OK && count >= limit) {
		*allowed = 0;
		*retry_after_ms = oldest + window_ms - now_ms;
		if (*retry_after_ms < 1)
			*retry_after_ms = 1;
	} else if (rc == HS_OK) {
		rc = spool_stmt(sp, ST_HIT_INSERT, &st);
		if (rc == HS_OK) {
			sqlite3_bind_text(st, 1, client, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, now_ms);
			rc = step_done(sp, st);
		}
	}
	if (rc == HS_OK)
		return hs_spool_commit(sp);
	hs_spool_rollback(sp);
	return rc;
}

enum hs_err
hs_spool_health(struct hs_spool *sp, struct hs_spool_health *h)
{
	sqlite3_stmt *st;
	const char *state;
	enum hs_err rc;
	int src;

	memset(h, 0, sizeof(*h));
	h->schema_version = hs_spool_latest_version();
	rc = spool_stmt(sp, ST_COUNT_EVENTS, &st);
	if (rc != HS_OK)
		return rc;
	src = sqlite3_step(st);
	if (src == SQLITE_ROW)
		h->events = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (src != SQLITE_ROW)
		return hs_spool_map_rc(src);
	rc = spool_stmt(sp, ST_COUNT_STATES, &st);
	if (rc != HS_OK)
		return rc;
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		state = (const char *)sqlite3_column_text(st, 0);
		if (!state)
			continue;
		if (!strcmp(state, "pending"))
			h->pending = sqlite3_column_int64(st, 1);
		else if (!strcmp(state, "done"))
			h->done = sqlite3_column_int64(st, 1);
		else if (!strcmp(state, "dead"))
			h->dead = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return src == SQLITE_DONE ? HS_OK : hs_spool_map_rc(src);
}
