/*
 * sync/bucket.c - token buckets in the spool's rate_buckets table.
 */
#include <math.h>

#include <sqlite3.h>

#include "sync/bucket.h"
#include "spool/db.h"
#include "core/banned.h"

void
hs_bucket_step(double *tokens, int64_t *updated_ms, double per_sec,
               double burst, int64_t now_ms, long want, long *granted,
               int64_t *wait_ms)
{
	int64_t elapsed = now_ms - *updated_ms;
	long take;

	if (elapsed > 0) {	/* a clock that went back refills nothing */
		*tokens += (double)elapsed * per_sec / 1000.0;
		*updated_ms = now_ms;
	}
	if (*tokens > burst)
		*tokens = burst;
	take = (long)floor(*tokens);
	if (take > want)
		take = want;
	if (take < 0)
		take = 0;
	*tokens -= (double)take;
	*granted = take;
	*wait_ms = take ? 0 : (int64_t)ceil((1.0 - *tokens) * 1000.0 / per_sec);
}

static enum hs_err
load(sqlite3 *db, const char *name, double *tokens, int64_t *updated,
     int *found)
{
	sqlite3_stmt *st = NULL;
	int src;

	*found = 0;
	src = sqlite3_prepare_v2(db, "SELECT tokens, updated_ms FROM "
	    "rate_buckets WHERE name = ?1", -1, &st, NULL);
	if (src == SQLITE_OK) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		src = sqlite3_step(st);
		if (src == SQLITE_ROW) {
			*tokens = sqlite3_column_double(st, 0);
			*updated = sqlite3_column_int64(st, 1);
			*found = 1;
			src = SQLITE_DONE;
		}
	}
	sqlite3_finalize(st);
	return src == SQLITE_DONE ? HS_OK : hs_spool_map_rc(src);
}

static enum hs_err
save(sqlite3 *db, const char *name, double tokens, int64_t updated)
{
	sqlite3_stmt *st = NULL;
	int src;

	src = sqlite3_prepare_v2(db, "INSERT INTO rate_buckets (name, tokens,"
	    " updated_ms) VALUES (?1, ?2, ?3) ON CONFLICT (name) DO UPDATE"
	    " SET tokens = excluded.tokens, updated_ms = excluded.updated_ms",
	    -1, &st, NULL);
	if (src == SQLITE_OK) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_double(st, 2, tokens);
		sqlite3_bind_int64(st, 3, updated);
		src = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	return src == SQLITE_DONE ? HS_OK : hs_spool_map_rc(src);
}

enum hs_err
hs_bucket_take(struct hs_spool *sp, const char *name, double per_sec,
               double burst, int64_t now_ms, long want, long *granted,
               int64_t *wait_ms)
{
	double tokens = burst;
	int64_t updated = now_ms;
	int found;
	enum hs_err rc;

	*granted = 0;
	*wait_ms = 0;
	if (per_sec <= 0 || want <= 0)
		return HS_EINVAL;
	rc = hs_spool_begin(sp);
	if (rc != HS_OK)
		return rc;
	rc = load(hs_spool_db(sp), name, &tokens, &updated, &found);
	if (rc == HS_OK) {
		hs_bucket_step(&tokens, &updated, per_sec, burst, now_ms, want,
		    granted, wait_ms);
		rc = save(hs_spool_db(sp), name, tokens, updated);
	}
	if (rc != HS_OK) {
		hs_spool_rollback(sp);
		*granted = 0;
		return rc;
	}
	return hs_spool_commit(sp);
}
