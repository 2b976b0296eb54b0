/*
 * sync/outbox.h - the sync engine's view of the spool: due deliveries in,
 * outcomes out.
 *
 * Claiming is a plain read: a delivery stays 'pending' while it is being
 * sent, and only one run per sink exists at a time (a lock file), so a run
 * killed mid-batch leaves that batch pending and the next run sends it
 * again with the same idempotency key (at least once, never lost).
 */
#ifndef HS_OUTBOX_H
#define HS_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "sinks/sink.h"

struct hs_spool;

/* A claimed batch; owns the copies of every string and body. */
struct hs_batch {
	size_t n, cap;
	struct hs_delivery *d;
	size_t *offs;		/* per delivery: where its strings are in mem */
	struct hs_buf mem;	/* backing store of the strings and bodies */
	size_t soft_bytes;	/* stop adding rows past this (after one) */
	int64_t last_id;	/* highest deliveries.id in the batch */
};

/*
 * cap deliveries; rows stop being added once their bytes pass soft_bytes,
 * but the first row is always taken (a body is at most MAX_BODY_BYTES).
 */
void hs_batch_init(struct hs_batch *b, size_t cap, size_t soft_bytes);
void hs_batch_release(struct hs_batch *b);

/*
 * Claims up to b->cap due deliveries of sink (next_attempt_at <= now_iso,
 * deliveries.id > after_id), oldest first, skipping any whose entity
 * still has an earlier pending delivery for this sink (per-key order).
 * Stops early when the bodies would pass the batch's byte cap (but always
 * takes at least one). For a sink that takes dead copies, each delivery's
 * dead_reason says why its event went dead at another sink.
 */
enum hs_err hs_outbox_claim(struct hs_spool *sp, const char *sink,
                            const char *now_iso, int64_t after_id,
                            struct hs_batch *b) HS_MUST_CHECK;

/* What the engine decided for one delivery. */
struct hs_verdict {
	int64_t delivery_id;
	int64_t event_id;
	enum hs_outcome_kind kind;	/* done, retry, dead */
	const char *next_attempt_at;	/* retry: ISO-8601 */
	const char *receipt;		/* done */
	const char *error;		/* retry/dead */
};

/*
 * Records n verdicts in one transaction. When dead_copy_sink is not NULL,
 * every dead delivery (of another sink) adds a pending delivery of its
 * event to that sink.
 */
enum hs_err hs_outbox_record(struct hs_spool *sp, const struct hs_verdict *v,
                             size_t n, const char *now_iso,
                             const char *dead_copy_sink) HS_MUST_CHECK;

struct hs_outbox_stats {
	int64_t pending;
	char oldest_pending[32];	/* created_at of the oldest, or "" */
	char next_due[32];		/* earliest next_attempt_at, or "" */
};

enum hs_err hs_outbox_stats(struct hs_spool *sp, const char *sink,
                            struct hs_outbox_stats *st) HS_MUST_CHECK;

/*
 * For events accepted before sink was configured: calls want() for each
 * event with no delivery to sink and adds a pending one when it returns 1.
 * *added counts them.
 */
typedef int (*hs_outbox_want)(void *ctx, const char *source,
                              const char *kind);
enum hs_err hs_outbox_backfill(struct hs_spool *sp, const char *sink,
                               const char *now_iso, hs_outbox_want want,
                               void *ctx, long *added) HS_MUST_CHECK;

#endif
