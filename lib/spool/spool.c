/*
 * spool/spool.c - opening, migrating and transactions of the SQLite spool.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/caps.h"
#include "spool/internal.h"
#include "core/filelock.h"
#include "core/config.h"
#include "core/banned.h"

/* The spool's settings, read by hs_spool_opts_from_config(). */
const struct hs_conf_key hs_spool_keys[] = {
	{ "SPOOL_PATH", HS_CONF_STR, "/var/lib/hookspool/spool.db", 0, 0,
	  "the SQLite spool file (its directory must not be served)" },
	{ "SPOOL_SYNCHRONOUS", HS_CONF_STR, "FULL", 0, 0,
	  "SQLite synchronous level: FULL (durable), NORMAL or EXTRA" },
	{ "SPOOL_BUSY_TIMEOUT_MS", HS_CONF_INT,
	  HS_CONF_NUM(HS_BUSY_WAIT_MS_DEFAULT), 1, 60000,
	  "longest wait for the spool lock before answering 503" },
	{ NULL, HS_CONF_STR, NULL, 0, 0, NULL }
};

void
hs_spool_opts_from_config(struct hs_spool_opts *o,
                          const struct hs_config *cfg)
{
	o->path = hs_config_get(cfg, "SPOOL_PATH");
	o->synchronous = hs_config_get(cfg, "SPOOL_SYNCHRONOUS");
	o->busy_ms = (int)hs_config_int(cfg, "SPOOL_BUSY_TIMEOUT_MS");
}

static const char *const stmt_sql[ST__COUNT] = {
	[ST_INSERT_EVENT] =
	    "INSERT INTO events (source, kind, idem_key, entity_key,"
	    " received_at, remote_addr, content_type, headers, body,"
	    " response_status, response_body)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
	    " ON CONFLICT (source, idem_key) DO NOTHING",
	[ST_FIND_EVENT] =
	    "SELECT id, response_status, response_body FROM events"
	    " WHERE source = ?1 AND idem_key = ?2",
	[ST_INSERT_DELIVERY] =
	    "INSERT INTO deliveries (event_id, sink, state, attempts,"
	    " next_attempt_at, created_at, updated_at, entity_key)"
	    " VALUES (?1, ?2, 'pending', 0, ?3, ?3, ?3, ?4)",
	[ST_HIT_PURGE] =
	    "DELETE FROM client_hits WHERE at_ms <= ?1",
	[ST_HIT_COUNT] =
	    "SELECT count(*), min(at_ms) FROM client_hits"
	    " WHERE client = ?1 AND at_ms > ?2",
	[ST_HIT_INSERT] =
	    "INSERT INTO client_hits (client, at_ms) VALUES (?1, ?2)",
	[ST_COUNT_EVENTS] =
	    "SELECT count(*) FROM events",
	[ST_COUNT_STATES] =
	    "SELECT state, count(*) FROM deliveries GROUP BY state",
};

enum hs_err
hs_spool_map_rc(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return HS_OK;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return HS_EBUSY;
	case SQLITE_FULL:
		return HS_EFULL;
	case SQLITE_READONLY:
	case SQLITE_PERM:
		return HS_EROFS;
	case SQLITE_NOMEM:
		return HS_ENOMEM;
	case SQLITE_CONSTRAINT:
		return HS_EEXIST;
	case SQLITE_TOOBIG:
		return HS_ETOOBIG;
	default:
		return HS_EIO;
	}
}

enum hs_err
spool_stmt(struct hs_spool *sp, enum spool_stmt id, sqlite3_stmt **out)
{
	int rc;

	if (!sp->st[id]) {
		rc = sqlite3_prepare_v3(sp->db, stmt_sql[id], -1,
		    SQLITE_PREPARE_PERSISTENT, &sp->st[id], NULL);
		if (rc != SQLITE_OK)
			return hs_spool_map_rc(rc);
	}
	sqlite3_reset(sp->st[id]);
	sqlite3_clear_bindings(sp->st[id]);
	*out = sp->st[id];
	return HS_OK;
}

const char *
hs_spool_errmsg(const struct hs_spool *sp)
{
	return sp && sp->db ? sqlite3_errmsg(sp->db) : "spool not open";
}

struct sqlite3 *
hs_spool_db(struct hs_spool *sp)
{
	return sp->db;
}

const char *
hs_spool_path(const struct hs_spool *sp)
{
	return sp->path;
}

enum hs_err
hs_spool_begin(struct hs_spool *sp)
{
	enum hs_err rc;
	int src;

	rc = hs_lock_timed(sp->lock_fd, sp->busy_ms);
	if (rc != HS_OK)
		return rc;
	sp->locked = 1;
	src = sqlite3_exec(sp->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (src != SQLITE_OK) {
		hs_unlock(sp->lock_fd);
		sp->locked = 0;
		return hs_spool_map_rc(src);
	}
	return HS_OK;
}

static void
release_lock(struct hs_spool *sp)
{
	if (sp->locked) {
		hs_unlock(sp->lock_fd);
		sp->locked = 0;
	}
}

enum hs_err
hs_spool_commit(struct hs_spool *sp)
{
	int src = sqlite3_exec(sp->db, "COMMIT", NULL, NULL, NULL);

	if (src != SQLITE_OK) {
		/* A failed COMMIT may leave the transaction open. */
		if (!sqlite3_get_autocommit(sp->db))
			sqlite3_exec(sp->db, "ROLLBACK", NULL, NULL, NULL);
		release_lock(sp);
		return hs_spool_map_rc(src);
	}
	release_lock(sp);
	return HS_OK;
}

void
hs_spool_rollback(struct hs_spool *sp)
{
	if (!sqlite3_get_autocommit(sp->db))
		sqlite3_exec(sp->db, "ROLLBACK", NULL, NULL, NULL);
	release_lock(sp);
}

/* Creates the file with owner-only permissions before SQLite sees it. */
static enum hs_err
create_private(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0)
		return errno == EROFS || errno == EACCES ? HS_EROFS : HS_EIO;
	close(fd);
	return HS_OK;
}

static enum hs_err
set_pragmas(struct hs_spool *sp, const char *sync)
{
	const char *sql;

	if (!sync || !strcasecmp(sync, "FULL"))
		sql = "PRAGMA synchronous = FULL";
	else if (!strcasecmp(sync, "NORMAL"))
		sql = "PRAGMA synchronous = NORMAL";
	else if (!strcasecmp(sync, "EXTRA"))
		sql = "PRAGMA synchronous = EXTRA";
	else
		return HS_ECONFIG;
	sqlite3_busy_timeout(sp->db, sp->busy_ms);
	if (sqlite3_exec(sp->db, sql, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(sp->db, "PRAGMA foreign_keys = ON", NULL, NULL,
	    NULL) != SQLITE_OK)
		return hs_spool_map_rc(sqlite3_errcode(sp->db));
	return HS_OK;
}

static int
user_version(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Runs under the writer lock: WAL mode and every pending migration. */
static enum hs_err
migrate(struct hs_spool *sp)
{
	const char *sql;
	int v, src;

	src = sqlite3_exec(sp->db, "PRAGMA journal_mode = WAL", NULL, NULL,
	    NULL);
	if (src != SQLITE_OK)
		return hs_spool_map_rc(src);
	for (;;) {
		v = user_version(sp->db);
		if (v < 0)
			return HS_EIO;
		if (v > hs_spool_latest_version())
			return HS_ECONFIG;	/* written by a newer build */
		sql = spool_migration(v);
		if (!sql)
			return HS_OK;
		src = sqlite3_exec(sp->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		if (src == SQLITE_OK)
			src = sqlite3_exec(sp->db, sql, NULL, NULL, NULL);
		if (src == SQLITE_OK)
			src = sqlite3_exec(sp->db, "COMMIT", NULL, NULL, NULL);
		if (src != SQLITE_OK) {
			if (!sqlite3_get_autocommit(sp->db))
				sqlite3_exec(sp->db, "ROLLBACK", NULL, NULL,
				    NULL);
			return hs_spool_map_rc(src);
		}
	}
}

static int
is_wal(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int wal = 0;

	if (sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		wal = !strcasecmp((const char *)sqlite3_column_text(st, 0),
		    "wal");
	sqlite3_finalize(st);
	return wal;
}

/* Opens the connection and sets its own pragmas: takes no lock. */
static enum hs_err
open_connection(struct hs_spool *sp, const struct hs_spool_opts *o)
{
	enum hs_err rc;
	int src;

	rc = create_private(o->path);
	if (rc != HS_OK)
		return rc;
	src = sqlite3_open_v2(o->path, &sp->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL);
	if (src != SQLITE_OK)
		return hs_spool_map_rc(src);
	sqlite3_extended_result_codes(sp->db, 1);
	return set_pragmas(sp, o->synchronous);
}

/*
 * Whether the spool is already a WAL database at this build's schema: a
 * read, which WAL never blocks behind a writer. Only a new or older spool
 * needs the writer lock to migrate.
 */
static int
is_current(struct hs_spool *sp)
{
	return user_version(sp->db) == hs_spool_latest_version() &&
	    is_wal(sp->db);
}

static void
describe(char *errbuf, size_t errlen, const struct hs_spool *sp,
         const char *path, enum hs_err rc)
{
	const char *why = hs_err_str(rc);

	if (!errbuf || !errlen)
		return;
	if (rc == HS_ECONFIG)
		why = "unknown SYNCHRONOUS level or schema newer than this build";
	else if (sp->lock_timed_out) {
		snprintf(errbuf, errlen, "cannot open spool '%s': its schema "
		    "needs a migration and the writer lock '%s.lock' stayed "
		    "held by another writer past SPOOL_BUSY_TIMEOUT_MS "
		    "(%d ms)", path, path, sp->busy_ms);
		return;
	}
	else if (sp->db && sqlite3_errcode(sp->db) != SQLITE_OK)
		why = sqlite3_errmsg(sp->db);
	else if (errno)
		why = strerror(errno);
	snprintf(errbuf, errlen, "cannot open spool '%s': %s", path, why);
}

enum hs_err
hs_spool_open(struct hs_spool **out, const struct hs_spool_opts *o,
              char *errbuf, size_t errlen)
{
	struct hs_spool *sp;
	struct hs_buf lockpath;
	enum hs_err rc;

	*out = NULL;
	errno = 0;
	sp = calloc(1, sizeof(*sp));
	if (!sp)
		return HS_ENOMEM;
	sp->lock_fd = -1;
	sp->busy_ms = o->busy_ms > 0 ? o->busy_ms : 3000;
	hs_buf_init(&lockpath, 4096);
	rc = (sp->path = strdup(o->path)) ? HS_OK : HS_ENOMEM;
	if (rc == HS_OK)
		rc = hs_buf_addf(&lockpath, "%s.lock", o->path);
	if (rc == HS_OK && (sp->lock_fd = hs_lockfile_open(
	    hs_buf_str(&lockpath))) < 0)
		rc = errno == EROFS || errno == EACCES ? HS_EROFS : HS_EIO;
	if (rc == HS_OK)
		rc = open_connection(sp, o);
	/*
	 * Every plain-CGI request opens the spool: taking the writer lock
	 * here too would make each request queue twice behind the others'
	 * commits, and a burst of 32 clients ran past SPOOL_BUSY_TIMEOUT_MS.
	 */
	if (rc == HS_OK && !is_current(sp)) {
		rc = hs_lock_timed(sp->lock_fd, sp->busy_ms);
		if (rc == HS_EBUSY)
			sp->lock_timed_out = 1;
		if (rc == HS_OK) {
			rc = migrate(sp);
			hs_unlock(sp->lock_fd);
		}
	}
	hs_buf_release(&lockpath);
	if (rc != HS_OK) {
		describe(errbuf, errlen, sp, o->path, rc);
		hs_spool_close(sp);
		return rc;
	}
	*out = sp;
	return HS_OK;
}

void
hs_spool_close(struct hs_spool *sp)
{
	int i;

	if (!sp)
		return;
	for (i = 0; i < ST__COUNT; i++)
		sqlite3_finalize(sp->st[i]);
	if (sp->db)
		sqlite3_close_v2(sp->db);
	if (sp->lock_fd >= 0)
		close(sp->lock_fd);
	free(sp->path);
	free(sp);
}
