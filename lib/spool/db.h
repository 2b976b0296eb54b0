/*
 * spool/db.h - the spool's raw SQLite handle, for the few modules that run
 * SQL of their own on it.
 *
 * The spool module owns the schema, opening, migrations, the writer lock
 * and the intake transaction (spool/spool.h). The modules below keep their
 * own prepared statements because their queries are theirs alone: the sync
 * engine's claim, outcome and rate-bucket statements run inside one
 * transaction per batch and are prepared once per run; spoolctl's reads
 * are built from an admin's filters (bound parameters, never SQL text) and
 * its writes are the requeue and purge an admin asks for. Each of them
 * uses the tables spool/schema.c creates and nothing else.
 *
 * Only these files may include this header (tests/layout/layers.py checks
 * the list against the tree); a new query elsewhere belongs in the spool
 * module or in one of them:
 *   lib/sync/outbox.c        claiming due deliveries, in batches
 *   lib/sync/record.c        outcomes and dead-letter copies
 *   lib/sync/stats.c         pending count, oldest and next due per sink
 *   lib/sync/backfill.c      deliveries of old events for a new sink
 *   lib/sync/bucket.c        per-sink rate buckets kept in the spool
 *   tools/admin/find.c       spoolctl: looking events up by key or id
 *   tools/admin/query.c      spoolctl: listing events and deliveries
 *   tools/admin/stats.c      spoolctl stats: counts per sink and state
 *   tools/admin/write.c      spoolctl requeue/retry: state changes
 *   tools/admin/purge.c      spoolctl purge: deleting old done events
 */
#ifndef HS_SPOOL_DB_H
#define HS_SPOOL_DB_H

#include "spool/spool.h"

struct sqlite3;

struct sqlite3 *hs_spool_db(struct hs_spool *sp);

#endif
