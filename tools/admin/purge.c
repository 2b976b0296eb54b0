/*
 * tools/admin/purge.c - retention (purge) and space (vacuum).
 *
 * purge deletes events that are finished and quiet: received before the
 * cut-off, every delivery done (dead or pending only when the admin says
 * so) and none touched since the cut-off - a replay or retry last week
 * keeps an event another retention period. Events no route gave a
 * delivery count as finished. Deliveries and history go with their
 * event (ON DELETE CASCADE). It runs HS_ADMIN_CHUNK events per
 * transaction, so handlers wait for one chunk at most.
 *
 * VACUUM cannot run inside BEGIN IMMEDIATE, so vacuum takes the writer
 * lock (SPOOL_PATH.lock, core/filelock.h) itself for the whole rebuild.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "admin/internal.h"
#include "core/buf.h"
#include "spool/db.h"
#include "core/filelock.h"
#include "core/banned.h"

/* ?1 cut-off, ?2 after this id, ?3 include dead, ?4 include pending;
 * ?5 is the chunk's LIMIT where there is one. */
#define PURGEABLE \
	" FROM events e WHERE e.received_at < ?1 AND e.id > ?2" \
	" AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id" \
	"  AND (d.updated_at >= ?1 OR (d.state = 'dead' AND ?3 = 0)" \
	"   OR (d.state = 'pending' AND ?4 = 0)))"

static enum hs_err
prepare(sqlite3 *db, const char *sql, const struct hs_admin_purge *p,
        int64_t after, sqlite3_stmt **st)
{
	int src = sqlite3_prepare_v2(db, sql, -1, st, NULL);

	if (src != SQLITE_OK)
		return hs_spool_map_rc(src);
	sqlite3_bind_text(*st, 1, p->before, -1, SQLITE_STATIC);
	sqlite3_bind_int64(*st, 2, after);
	sqlite3_bind_int(*st, 3, p->include_dead != 0);
	sqlite3_bind_int(*st, 4, p->include_pending != 0);
	if (sqlite3_bind_parameter_count(*st) >= 5)
		sqlite3_bind_int(*st, 5, HS_ADMIN_CHUNK);
	return HS_OK;
}

enum hs_err
hs_admin_purge_count(struct hs_spool *sp, const struct hs_admin_purge *p,
                     long *n)
{
	sqlite3_stmt *st = NULL;
	enum hs_err rc;
	int src = SQLITE_OK;

	*n = 0;
	rc = prepare(hs_spool_db(sp), "SELECT count(*)" PURGEABLE, p, 0, &st);
	if (rc == HS_OK && (src = sqlite3_step(st)) == SQLITE_ROW)
		*n = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == HS_OK ? admin_rc(src) : rc;
}

/* Deletes ids[0..n). */
static enum hs_err
delete_ids(sqlite3 *db, const int64_t *ids, size_t n)
{
	sqlite3_stmt *st = NULL;
	size_t i;
	int src;

	src = sqlite3_prepare_v2(db, "DELETE FROM events WHERE id = ?1", -1,
	    &st, NULL);
	for (i = 0; src == SQLITE_OK && i < n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, ids[i]);
		if ((src = sqlite3_step(st)) == SQLITE_DONE)
			src = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return admin_rc(src);
}

/* One transaction: up to HS_ADMIN_CHUNK events above *after. */
static enum hs_err
purge_chunk(struct hs_spool *sp, const struct hs_admin_purge *p,
            int64_t *after, int64_t *ids, long *deleted, int *more)
{
	sqlite3 *db = hs_spool_db(sp);
	sqlite3_stmt *st = NULL;
	size_t n = 0;
	enum hs_err rc;
	int src = SQLITE_DONE;

	*more = 0;
	rc = hs_spool_begin(sp);
	if (rc != HS_OK)
		return rc;
	rc = prepare(db, "SELECT e.id" PURGEABLE " ORDER BY e.id LIMIT ?5",
	    p, *after, &st);
	while (rc == HS_OK && n < HS_ADMIN_CHUNK &&
	    (src = sqlite3_step(st)) == SQLITE_ROW)
		ids[n++] = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc == HS_OK)
		rc = admin_rc(src);
	if (rc == HS_OK)
		rc = delete_ids(db, ids, n);
	if (rc != HS_OK) {
		hs_spool_rollback(sp);
		return rc;
	}
	rc = hs_spool_commit(sp);
	if (rc == HS_OK && n > 0) {
		*deleted += (long)n;
		*after = ids[n - 1];
		*more = n == HS_ADMIN_CHUNK;
	}
	return rc;
}

enum hs_err
hs_admin_purge(struct hs_spool *sp, const struct hs_admin_purge *p,
               long *deleted)
{
	int64_t after = 0, *ids;
	enum hs_err rc = HS_OK;
	int more = 1;

	*deleted = 0;
	if (!(ids = calloc(HS_ADMIN_CHUNK, sizeof(*ids))))
		return HS_ENOMEM;
	while (rc == HS_OK && more)
		rc = purge_chunk(sp, p, &after, ids, deleted, &more);
	free(ids);
	return rc;
}

/* Database pages plus the WAL file, in bytes. */
static int64_t
spool_bytes(struct hs_spool *sp)
{
	char wal[4096];
	struct stat st;
	int64_t pages = 0, size = 0;

	if (admin_int(hs_spool_db(sp), "PRAGMA page_count", &pages) != HS_OK ||
	    admin_int(hs_spool_db(sp), "PRAGMA page_size", &size) != HS_OK)
		return -1;
	snprintf(wal, sizeof(wal), "%s-wal", hs_spool_path(sp));
	return pages * size + (stat(wal, &st) == 0 ? (int64_t)st.st_size : 0);
}

enum hs_err
hs_admin_vacuum(struct hs_spool *sp, int busy_ms, int64_t *before,
                int64_t *after)
{
	sqlite3 *db = hs_spool_db(sp);
	struct hs_buf lock;
	enum hs_err rc;
	int fd = -1;

	*before = spool_bytes(sp);
	*after = *before;
	hs_buf_init(&lock, 4096);
	rc = hs_buf_addf(&lock, "%s.lock", hs_spool_path(sp));
	if (rc == HS_OK && (fd = hs_lockfile_open(hs_buf_str(&lock))) < 0)
		rc = HS_EIO;
	if (rc == HS_OK)
		rc = hs_lock_timed(fd, busy_ms);
	if (rc == HS_OK) {
		rc = admin_rc(sqlite3_exec(db, "VACUUM", NULL, NULL, NULL));
		/* Readers may keep part of the WAL: not an error. */
		sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL,
		    NULL);
		hs_unlock(fd);
	}
	if (fd >= 0)
		close(fd);
	hs_buf_release(&lock);
	*after = spool_bytes(sp);
	return rc;
}
