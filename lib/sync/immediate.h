/*
 * sync/immediate.h - a handler delivers the events it just committed, right
 * after its answer has left, to the sinks marked immediate (chat replies).
 *
 * A bot's user expects a reply within a second, not at the next cron
 * minute, and there is no daemon: so the handler that stored the event
 * runs the sync engine itself, restricted to those events, bounded by
 * IMMEDIATE_MAX_MS. It is the same engine as scheduled_sync (the same
 * claim, rate buckets, backoff and dead-letter rules); it takes no sink
 * lock but leases what it claims ("pid:<pid>"), so it never sends a
 * delivery a cron run has in hand, nor the reverse. Whatever it does not
 * finish (a retry, a handler killed, the budget spent) stays pending for
 * scheduled_sync, the safety net.
 */
#ifndef HS_IMMEDIATE_H
#define HS_IMMEDIATE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "sync/engine.h"

struct hs_config;
struct hs_spool;
struct hs_sink_ops;

/*
 * Offers event_ids[0..n) (just committed) to every configured sink marked
 * immediate. Logs one line per attempt, and one warning when a sink
 * refused our credentials (the delivery stays pending, no attempt
 * counted) or failed otherwise. Does nothing when IMMEDIATE_MAX_MS is 0.
 */
/*
 * 1 when a handler has anything to do after its answer: IMMEDIATE_MAX_MS
 * is not 0 and a sink marked immediate is configured. The front end asks
 * first, so a handler with nothing to send forks nothing.
 */
int hs_sync_immediate_wanted(const struct hs_config *cfg);

void hs_sync_immediate(struct hs_spool *sp, const struct hs_config *cfg,
                       const int64_t *event_ids, size_t n);
/* The same within at most max_ms (less than IMMEDIATE_MAX_MS when the
 * process will be killed: Apache's mod_cgid sends a CGI SIGTERM as its
 * answer ends and SIGKILL 3 s later). */
void hs_sync_immediate_max(struct hs_spool *sp, const struct hs_config *cfg,
                           const int64_t *event_ids, size_t n, long max_ms);

/*
 * The same for one sink, within max_ms (< 0: IMMEDIATE_MAX_MS, never
 * more), with a clock (NULL: the default one, as hs_sync_sink) and the
 * run's figures in *st: the engine's result (its reason logged as a
 * warning). HS_OK without doing anything when the budget is 0 or n is 0.
 */
enum hs_err hs_sync_immediate_sink(struct hs_spool *sp,
                                   const struct hs_config *cfg,
                                   const struct hs_sink_ops *ops,
                                   const int64_t *event_ids, size_t n,
                                   long max_ms,
                                   const struct hs_sync_clock *clock,
                                   struct hs_sync_stats *st) HS_MUST_CHECK;

#endif
