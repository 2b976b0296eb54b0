/*
 * spool/internal.h - what the spool_*.c files share; not for other modules.
 */
#ifndef HS_SPOOL_INTERNAL_H
#define HS_SPOOL_INTERNAL_H

#include <sqlite3.h>

#include "spool/spool.h"

enum spool_stmt {
	ST_INSERT_EVENT,
	ST_FIND_EVENT,
	ST_INSERT_DELIVERY,
	ST_HIT_PURGE,
	ST_HIT_COUNT,
	ST_HIT_INSERT,
	ST_COUNT_EVENTS,
	ST_COUNT_STATES,
	ST__COUNT
};

struct hs_spool {
	sqlite3 *db;
	char *path;
	int lock_fd;
	int busy_ms;
	int locked;
	int lock_timed_out;	/* open gave up waiting to migrate */
	sqlite3_stmt *st[ST__COUNT];
};

/* The SQL of migration from_version -> from_version + 1, or NULL. */
const char *spool_migration(int from_version);
/* Prepares (once, then cached) statement id. */
enum hs_err spool_stmt(struct hs_spool *sp, enum spool_stmt id,
                       sqlite3_stmt **out);

#endif
