/*
 * tools/admin/find.c - which event an admin means by "ID" or "KEY".
 *
 * Admins paste what they have: the id spoolctl list showed, or the
 * idempotency key from a sender's log or a queue message. A number is
 * tried as an id first, then as a key; a key stored by several sources
 * is ambiguous and says so rather than picking one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "admin/internal.h"
#include "spool/db.h"
#include "core/banned.h"

static int
all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* Events with key (of source): the first id, and how many. */
static enum hs_err
by_key(sqlite3 *db, const char *key, const char *source, int64_t *id,
       int *count, struct hs_buf *sources)
{
	sqlite3_stmt *st = NULL;
	int src;

	*count = 0;
	src = sqlite3_prepare_v2(db, "SELECT id, source FROM events"
	    " WHERE idem_key = ?1 AND (?2 IS NULL OR source = ?2)"
	    " ORDER BY id", -1, &st, NULL);
	if (src == SQLITE_OK) {
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
	}
	while (src == SQLITE_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
		if ((*count)++ == 0)
			*id = sqlite3_column_int64(st, 0);
		if (hs_buf_addf(sources, "%s%s", *count > 1 ? ", " : "",
		    (const char *)sqlite3_column_text(st, 1)) != HS_OK)
			break;
		src = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return admin_rc(src);
}

static enum hs_err
event_exists(sqlite3 *db, int64_t id, int *count)
{
	sqlite3_stmt *st = NULL;
	int src;

	*count = 0;
	src = sqlite3_prepare_v2(db, "SELECT 1 FROM events WHERE id = ?1", -1,
	    &st, NULL);
	if (src == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		src = sqlite3_step(st);
		*count = src == SQLITE_ROW;
	}
	sqlite3_finalize(st);
	return admin_rc(src);
}

enum hs_err
hs_admin_find(struct hs_spool *sp, const char *arg, const char *source,
              int64_t *id, char *why, size_t n)
{
	sqlite3 *db = hs_spool_db(sp);
	struct hs_buf srcs;
	long long v;
	enum hs_err rc = HS_OK;
	int count = 0;

	hs_buf_init(&srcs, 1024);
	/* A number is an id first; a key that looks like one still works. */
	if (all_digits(arg) && !source) {
		errno = 0;
		v = strtoll(arg, NULL, 10);
		if (!errno && v > 0)
			rc = event_exists(db, v, &count);
		if (count)
			*id = v;
	}
	if (rc == HS_OK && !count)
		rc = by_key(db, arg, source, id, &count, &srcs);
	if (rc == HS_OK && count == 0) {
		snprintf(why, n, "no event with id or key '%.200s'%s%.64s", arg,
		    source ? " from source " : "", source ? source : "");
		rc = HS_ENOTFOUND;
	} else if (rc == HS_OK && count > 1) {
		snprintf(why, n, "key '%.200s' names events of several "
		    "sources (%.200s): add --source", arg, hs_buf_str(&srcs));
		rc = HS_EEXIST;
	}
	hs_buf_release(&srcs);
	return rc;
}
