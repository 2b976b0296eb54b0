/*
 * sync/stats.c - what is pending for one sink: count, oldest, next due.
 * scheduled_sync prints it after each run.
 */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "sync/outbox.h"
#include "spool/db.h"
#include "core/banned.h"

enum hs_err
hs_outbox_stats(struct hs_spool *sp, const char *sink,
                struct hs_outbox_stats *out)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *t;
	int src;

	memset(out, 0, sizeof(*out));
	src = sqlite3_prepare_v2(hs_spool_db(sp), "SELECT count(*),"
	    " min(created_at), min(next_attempt_at) FROM deliveries"
	    " WHERE sink = ?1 AND state = 'pending'", -1, &st, NULL);
	if (src == SQLITE_OK) {
		sqlite3_bind_text(st, 1, sink, -1, SQLITE_STATIC);
		src = sqlite3_step(st);
	}
	if (src == SQLITE_ROW) {
		out->pending = sqlite3_column_int64(st, 0);
		if ((t = sqlite3_column_text(st, 1)))
			snprintf(out->oldest_pending, sizeof(out->oldest_pending),
			    "%s", (const char *)t);
		if ((t = sqlite3_column_text(st, 2)))
			snprintf(out->next_due, sizeof(out->next_due), "%s",
			    (const char *)t);
		src = SQLITE_DONE;
	}
	sqlite3_finalize(st);
	return src == SQLITE_DONE ? HS_OK : hs_spool_map_rc(src);
}
