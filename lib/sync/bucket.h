/*
 * sync/bucket.h - token buckets kept in the spool, shared by every process.
 *
 * A sink's rate must hold across overlapping cron runs, so the state lives
 * in SQLite (table rate_buckets), not in memory. Time is passed in, never
 * read here.
 */
#ifndef HS_BUCKET_H
#define HS_BUCKET_H

#include <stdint.h>

#include "core/err.h"

struct hs_spool;

/*
 * Takes up to want tokens from bucket name (refilled at per_sec, holding
 * at most burst) at now_ms, in one short write transaction. *granted is
 * how many were taken (0..want); when 0, *wait_ms says when one will be
 * there. A new bucket starts full.
 */
enum hs_err hs_bucket_take(struct hs_spool *sp, const char *name,
                           double per_sec, double burst, int64_t now_ms,
                           long want, long *granted, int64_t *wait_ms)
	HS_MUST_CHECK;

/* The pure refill-and-take step, for tests and for hs_bucket_take. */
void hs_bucket_step(double *tokens, int64_t *updated_ms, double per_sec,
                    double burst, int64_t now_ms, long want, long *granted,
                    int64_t *wait_ms);

#endif
