/*
 * sync/outbox.h - the sync engine's view of the spool: due deliveries in,
 * outcomes out.
 *
 * Claiming is a short write transaction that leases the claimed rows (until
 * when, and who: deliveries.lease_until, lease_owner): a delivery stays
 * 'pending' while it is being sent, and nobody else claims it before its
 * lease runs out. Scheduled runs hold the sink's lock file, so one of them
 * may take over the leases of owner "sync" (that run is dead); a handler's
 * immediate attempt (sync/immediate.h) leases as "pid:<pid>" and everybody
 * honours that until it ends. A process killed mid-batch leaves the batch
 * pending: the next run sends it again with the same idempotency key (at
 * least once, never lost).
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
	int full;		/* the last claim stopped at soft_bytes */
	int64_t last_id;	/* highest deliveries.id in the batch */
};

/*
 * cap deliveries; rows stop being added once their bytes pass soft_bytes,
 * but the first row is always taken (a body is at most MAX_BODY_BYTES).
 */
void hs_batch_init(struct hs_batch *b, size_t cap, size_t soft_bytes);
void hs_batch_release(struct hs_batch *b);

/* What to claim and how to lease it. Strings are borrowed. */
struct hs_claim {
	const char *sink;
	const char *due_iso;	/* next_attempt_at <= this */
	const char *now_iso;	/* a lease ending after this is live */
	int64_t after_id;	/* deliveries.id > this */
	/* Only deliveries of these events (n > 0), or all (n == 0). */
	const int64_t *events;
	size_t nevents;
	/* The lease written on the claimed rows; owner NULL: a plain read
	 * that leases nothing (dry run). */
	const char *owner;	/* "sync" or "pid:<pid>" */
	const char *lease_until;
	/* 1: live leases of this same owner are ignored (a scheduled run:
	 * the sink's lock says that the run that wrote them is dead). */
	int take_own;
};

/*
 * Claims up to b->cap due deliveries of c->sink, oldest first, skipping
 * those under someone else's live lease and any whose entity still has an
 * earlier pending delivery for this sink (per-key order), and leases them
 * in the same transaction. Stops early when the bodies would pass the
 * batch's byte cap (but always takes at least one). Each delivery carries
 * its progress; for a sink that takes dead copies, its dead_reason says
 * why its event went dead at another sink.
 */
enum hs_err hs_outbox_claim(struct hs_spool *sp, const struct hs_claim *c,
                            struct hs_batch *b) HS_MUST_CHECK;

/*
 * After a claim of c's events found nothing: 1 when one of them is due
 * but held back behind an earlier delivery of its key that is in flight
 * (under someone else's live lease) or due itself, so it may go soon; 0
 * when none is, or one waits behind a retry's backoff (cron's job).
 */
enum hs_err hs_outbox_held(struct hs_spool *sp, const struct hs_claim *c,
                           int *held) HS_MUST_CHECK;

/* What the engine decided for one delivery. */
struct hs_verdict {
	int64_t delivery_id;
	int64_t event_id;
	/* done, retry, dead; unsent: only the lease and progress change */
	enum hs_outcome_kind kind;
	const char *next_attempt_at;	/* retry: ISO-8601 */
	const char *receipt;		/* done */
	const char *error;		/* retry/dead */
	int progress;			/* the sink's steps done so far */
};

/*
 * Records n verdicts in one transaction; each clears its delivery's lease
 * and stores its progress. When dead_copy_sink is not NULL,
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
