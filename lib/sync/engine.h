/*
 * sync/engine.h - the sync engine: one sink's due deliveries to its
 * destination.
 *
 * One scheduled run per sink at a time (a lock file next to the spool):
 * an overlapping run gets HS_EBUSY at once. A run claims due deliveries
 * oldest first in batches and leases them (sync/outbox.h), so a handler's
 * immediate attempt (sync/immediate.h), which runs this same loop without
 * the lock, never sends what a run has in hand, nor the reverse. It keeps
 * per-key order, takes tokens from the
 * sink's bucket in the spool (so the rate holds across runs), hands the
 * batch to the sink, and records each outcome: done; retry with
 * exponential backoff and full jitter (never sooner than Retry-After);
 * dead after MAX_ATTEMPTS or at once on a permanent error. Memory is one
 * batch, whatever the backlog.
 */
#ifndef HS_SYNC_H
#define HS_SYNC_H

#include <stdint.h>

#include "core/config.h"
#include "core/err.h"
#include "sync/outbox.h"

struct hs_config;
struct hs_spool;
struct hs_sink_ops;

/* Time and randomness, injectable for tests (STYLE §6). */
struct hs_sync_clock {
	int64_t (*now_ms)(void *ctx);
	void (*sleep_ms)(void *ctx, int64_t ms);
	uint64_t (*random)(void *ctx);
	void *ctx;
};

struct hs_sync_opts {
	int once;		/* one batch, then stop */
	int drain;		/* wait out backoff until nothing is pending */
	int dry_run;		/* list what is due; send and change nothing */
	int verbose;		/* a log line per attempt also at debug level */
	int progress;		/* redraw a progress line on stderr, a tty */
	/* No log line per attempt: on a terminal the progress line and the
	 * summary say it, and 3,000 lines would bury them. */
	int quiet_attempts;
	int64_t max_ms;		/* the run's time budget */
	long batch;		/* 0: the sink's configured batch size */
	/*
	 * Where each event whose delivery goes dead is copied, with its
	 * reason: a sink that takes dead copies (scheduled_sync passes
	 * hs_sink_dead_copy()), or NULL for no copies. A dead delivery of
	 * that sink itself is not copied again.
	 */
	const struct hs_sink_ops *dead_copy;
	/* NULL: hs_now_ms and hs_sleep_ms (the test clock when a tool set
	 * one, core/timefmt.h) */
	const struct hs_sync_clock *clock;
	/* Only deliveries of these events (nevents > 0); borrowed. */
	const int64_t *events;
	size_t nevents;
	/*
	 * 1: a handler's attempt right after its answer (sync/immediate.h):
	 * no sink lock, leases owned by "pid:<pid>", every live lease
	 * honoured; while one of the events waits behind an earlier delivery
	 * of its key that is in flight elsewhere, it looks again every
	 * HS_SYNC_POLL_MS until max_ms. Sends only what was due at its start.
	 */
	int immediate;
};

/* A lease lasts the run's budget plus this: it covers a request to the
 * peer that started just before the deadline (sinks' HTTP timeouts). */
#define HS_SYNC_LEASE_GRACE_MS 60000
#define HS_SYNC_POLL_MS 15

struct hs_sync_stats {
	long delivered, retried, dead, listed;
	struct hs_outbox_stats after;	/* what is left pending */
	int64_t elapsed_ms;
};

/*
 * Runs one sink. HS_OK when the run ended normally (retries included);
 * HS_EBUSY when another scheduled run holds the sink; HS_EAUTH or HS_ECONFIG when
 * the destination refused our credentials or the sink's settings are
 * wrong (nothing was counted as an attempt); a spool error otherwise.
 * why explains any non-OK result.
 */
enum hs_err hs_sync_sink(struct hs_spool *sp, const struct hs_config *cfg,
                         const struct hs_sink_ops *ops,
                         const struct hs_sync_opts *o,
                         struct hs_sync_stats *st, char *why, size_t whylen)
	HS_MUST_CHECK;

/* This module's configuration keys (core/config.h). */
extern const struct hs_conf_key hs_sync_keys[];

#endif
