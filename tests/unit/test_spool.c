/*
 * test_spool.c - the durable SQLite spool (lib/spool/spool.h): how it is
 * created and migrated, what one put stores, idempotency per (source, key), the
 * shared client window, the bounded writer lock, and what is left after a
 * disk that fills, a write or sync that fails, or a file that is
 * read-only (faultvfs.h): an error the handler can map to 503, nothing
 * half-written, and a retry that stores the event exactly once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "spool/db.h"
#include "spool/internal.h"	/* spool_migration(0): a v1 spool */
#include "core/filelock.h"
#include "core/timefmt.h"
#include "faultvfs.h"
#include "tmpdir_fx.h"

/* 2026-11-23T10:30:18.123Z */
#define T0 INT64_C(1795429818123)

struct fx {
	char dir[64];
	char path[128];
	struct hs_spool *sp;
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx || faultvfs_install() != 0)
		return -1;
	faultvfs_clear();
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/hs-spool-XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(fx->path, sizeof(fx->path), "%s/spool.db", fx->dir);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	faultvfs_clear();
	hs_spool_close(fx->sp);
	tmpdir_remove(fx->dir);
	free(fx);
	return 0;
}

static enum hs_err
try_open(struct fx *fx, int busy_ms, char *err, size_t errlen)
{
	struct hs_spool_opts o = { fx->path, "FULL", busy_ms };

	return hs_spool_open(&fx->sp, &o, err, errlen);
}

static void
open_spool(struct fx *fx, int busy_ms)
{
	char err[512] = "";

	if (try_open(fx, busy_ms, err, sizeof(err)) != HS_OK)
		fail_msg("cannot open the spool: %s", err);
	assert_non_null(fx->sp);
}

static void
reopen(struct fx *fx)
{
	hs_spool_close(fx->sp);
	fx->sp = NULL;
	open_spool(fx, 1000);
}

/* First column of the first row of sql on a separate connection. */
static long long
q_int(const struct fx *fx, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long long v = -1;

	if (sqlite3_open_v2(fx->path, &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK)
		fail_msg("open %s: %s", fx->path, sqlite3_errmsg(db));
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* Text of the first column of sql on the spool's own connection. */
static void
q_text(struct hs_spool *sp, const char *sql, char *out, size_t n)
{
	sqlite3_stmt *st = NULL;

	out[0] = '\0';
	if (sqlite3_prepare_v2(hs_spool_db(sp), sql, -1, &st, NULL) !=
	    SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(hs_spool_db(sp)));
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(out, n, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

static long long
events(const struct fx *fx)
{
	return q_int(fx, "SELECT count(*) FROM events");
}

static long long
deliveries(const struct fx *fx)
{
	return q_int(fx, "SELECT count(*) FROM deliveries");
}

static struct hs_event
event(const char *source, const char *key)
{
	struct hs_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.source = source;
	ev.kind = "contact";
	ev.idem_key = key;
	ev.entity_key = "manychat:test_contact_456";
	ev.received_ms = T0;
	ev.remote_addr = "192.0.2.7";
	ev.content_type = "application/json";
	ev.headers_json = "{\"user-agent\":\"ManyChat\"}";
	ev.body = "{\"manychat_id\":\"test_contact_456\"}";
	ev.body_len = strlen(ev.body);
	ev.response_status = 202;
	ev.response_body = "{\"status\":\"accepted\"}";
	return ev;
}

static const char *const two_sinks[] = { "azure_queue", "odoo" };

static void
put_ok(struct fx *fx, const char *source, const char *key, int want_dup)
{
	struct hs_event ev = event(source, key);
	struct hs_put_result res;
	enum hs_err rc;

	rc = hs_spool_put(fx->sp, &ev, two_sinks, 2, &res);
	if (rc != HS_OK)
		fail_msg("put %s/%s: %s (%s)", source, key, hs_err_str(rc),
		    hs_spool_errmsg(fx->sp));
	assert_int_equal(res.duplicate, want_dup);
	hs_put_result_release(&res);
}

/* 1 if the writer lock file can be taken right now (then released). */
static int
lock_is_free(const struct fx *fx)
{
	char p[160];
	int fd, ok;

	snprintf(p, sizeof(p), "%s.lock", fx->path);
	fd = open(p, O_RDWR);
	assert_true(fd >= 0);
	ok = flock(fd, LOCK_EX | LOCK_NB) == 0;
	close(fd);
	return ok;
}

/* ---- open, schema, reopen ---- */

static void
open_creates_the_file_with_mode_0600(void **state)
{
	struct fx *fx = *state;
	struct stat st;
	char lock[160];
	mode_t old = umask(0);

	open_spool(fx, 1000);
	umask(old);
	assert_int_equal(stat(fx->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	snprintf(lock, sizeof(lock), "%s.lock", fx->path);
	assert_int_equal(stat(lock, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_string_equal(hs_spool_path(fx->sp), fx->path);
}

static void
open_sets_wal_mode(void **state)
{
	struct fx *fx = *state;
	char mode[16];

	open_spool(fx, 1000);
	q_text(fx->sp, "PRAGMA journal_mode", mode, sizeof(mode));
	assert_string_equal(mode, "wal");
	/* persistent: a fresh connection sees it too */
	hs_spool_close(fx->sp);
	fx->sp = NULL;
	assert_int_equal(q_int(fx, "SELECT journal_mode = 'wal' FROM "
	    "pragma_journal_mode"), 1);
}

static void
open_migrates_to_the_latest_schema(void **state)
{
	struct fx *fx = *state;
	struct hs_spool_health h;

	assert_true(hs_spool_latest_version() >= 1);
	open_spool(fx, 1000);
	assert_int_equal(q_int(fx, "PRAGMA user_version"),
	                 hs_spool_latest_version());
	assert_int_equal(q_int(fx, "SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'table' AND name IN ('meta', 'events', 'deliveries', "
	    "'rate_buckets', 'client_hits')"), 5);
	assert_int_equal(hs_spool_health(fx->sp, &h), HS_OK);
	assert_int_equal(h.schema_version, hs_spool_latest_version());
	assert_int_equal(h.events, 0);
	assert_int_equal(h.pending + h.done + h.dead, 0);
}

static void
synchronous_level_is_applied(void **state)
{
	struct fx *fx = *state;
	struct hs_spool_opts o = { fx->path, "normal", 1000 };
	char v[8];

	assert_int_equal(hs_spool_open(&fx->sp, &o, NULL, 0), HS_OK);
	q_text(fx->sp, "PRAGMA synchronous", v, sizeof(v));
	assert_string_equal(v, "1");
	hs_spool_close(fx->sp);
	o.synchronous = "EXTRA";
	assert_int_equal(hs_spool_open(&fx->sp, &o, NULL, 0), HS_OK);
	q_text(fx->sp, "PRAGMA synchronous", v, sizeof(v));
	assert_string_equal(v, "3");
	hs_spool_close(fx->sp);
	o.synchronous = NULL;
	assert_int_equal(hs_spool_open(&fx->sp, &o, NULL, 0), HS_OK);
	q_text(fx->sp, "PRAGMA synchronous", v, sizeof(v));
	assert_string_equal(v, "2");
}

static void
unknown_synchronous_level_is_a_config_error(void **state)
{
	struct fx *fx = *state;
	struct hs_spool_opts o = { fx->path, "SOMETIMES", 1000 };
	char err[512] = "";

	assert_int_equal(hs_spool_open(&fx->sp, &o, err, sizeof(err)),
	                 HS_ECONFIG);
	assert_null(fx->sp);
	assert_non_null(strstr(err, fx->path));
	assert_non_null(strstr(err, "cannot open spool"));
}

static void
reopen_is_idempotent_and_keeps_events(void **state)
{
	struct fx *fx = *state;

	open_spool(fx, 1000);
	put_ok(fx, "manychat", "k1", 0);
	reopen(fx);
	reopen(fx);
	assert_int_equal(q_int(fx, "PRAGMA user_version"),
	                 hs_spool_latest_version());
	assert_int_equal(q_int(fx, "SELECT count(*) FROM meta WHERE "
	    "key = 'created_at'"), 1);
	assert_int_equal(events(fx), 1);
	put_ok(fx, "manychat", "k1", 1);
}

static void
two_handles_share_one_spool(void **state)
{
	struct fx *fx = *state;
	struct hs_spool_opts o = { fx->path, "FULL", 1000 };
	struct hs_spool *other = NULL;
	struct hs_event ev = event("manychat", "shared");
	struct hs_put_result res;

	open_spool(fx, 1000);
	assert_int_equal(hs_spool_open(&other, &o, NULL, 0), HS_OK);
	put_ok(fx, "manychat", "shared", 0);
	assert_int_equal(hs_spool_put(other, &ev, NULL, 0, &res), HS_OK);
	assert_int_equal(res.duplicate, 1);
	hs_put_result_release(&res);
	hs_spool_close(other);
}

static void
schema_from_a_newer_build_is_refused(void **state)
{
	struct fx *fx = *state;
	char sql[64], err[512] = "";
	sqlite3 *db;

	open_spool(fx, 1000);
	hs_spool_close(fx->sp);
	fx->sp = NULL;
	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
	    hs_spool_latest_version() + 1);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(try_open(fx, 1000, err, sizeof(err)), HS_ECONFIG);
	assert_null(fx->sp);
	assert_non_null(strstr(err, fx->path));
}

/* Writes a spool as the first release (schema v1) left it, with rows. */
static void
make_v1_spool(const struct fx *fx)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA journal_mode = WAL", NULL,
	    NULL, NULL), SQLITE_OK);
	assert_non_null(spool_migration(0));
	assert_int_equal(sqlite3_exec(db, spool_migration(0), NULL, NULL,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
	    "INSERT INTO events (id, source, kind, idem_key, entity_key,"
	    " received_at, body, response_status, response_body) VALUES"
	    " (1, 'manychat', 'contact', 'k', 'manychat:1',"
	    " '2026-11-23T10:30:18.123Z', X'7b7d', 202, '{}');"
	    "INSERT INTO deliveries (event_id, sink, next_attempt_at,"
	    " created_at, updated_at) VALUES"
	    " (1, 'azure_queue', 'x', 'x', 'x'), (1, 'odoo', 'x', 'x', 'x');",
	    NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
	assert_int_equal(q_int(fx, "PRAGMA user_version"), 1);
}

static void
v1_spool_is_upgraded_keeping_its_rows(void **state)
{
	struct fx *fx = *state;

	make_v1_spool(fx);
	open_spool(fx, 1000);
	assert_int_equal(q_int(fx, "PRAGMA user_version"),
	                 hs_spool_latest_version());
	assert_int_equal(events(fx), 1);
	assert_int_equal(deliveries(fx), 2);
	if (hs_spool_latest_version() >= 2)
		assert_int_equal(q_int(fx, "SELECT count(*) FROM deliveries "
		    "WHERE entity_key = 'manychat:1'"), 2);
	/* an event stored before the upgrade is still a duplicate after it */
	put_ok(fx, "manychat", "k", 1);
	put_ok(fx, "manychat", "new", 0);
}

static void
failed_upgrade_leaves_a_spool_that_upgrades_later(void **state)
{
	struct fx *fx = *state;
	char err[512];
	enum hs_err rc;
	long long v;
	int nth, fired;

	for (nth = 1; nth < 200; nth++) {
		make_v1_spool(fx);
		faultvfs_fail(FV_WRITE, nth, SQLITE_FULL, 1);
		rc = try_open(fx, 1000, err, sizeof(err));
		fired = faultvfs_fired();
		faultvfs_clear();
		if (!fired) {
			assert_int_equal(rc, HS_OK);
			break;
		}
		if (rc == HS_OK)
			fail_msg("upgrade succeeded although write %d failed", nth);
		assert_null(fx->sp);
		/* each migration is one transaction: a whole version */
		v = q_int(fx, "PRAGMA user_version");
		assert_true(v >= 1 && v <= hs_spool_latest_version());
		assert_int_equal(events(fx), 1);
		assert_int_equal(deliveries(fx), 2);
		open_spool(fx, 1000);
		assert_int_equal(q_int(fx, "PRAGMA user_version"),
		                 hs_spool_latest_version());
		assert_int_equal(deliveries(fx), 2);
		hs_spool_close(fx->sp);
		fx->sp = NULL;
		teardown(state);
		assert_int_equal(setup(state), 0);
		fx = *state;
	}
	if (hs_spool_latest_version() >= 2)
		assert_true(nth > 1);
}

static void
missing_directory_fails_with_a_message(void **state)
{
	struct fx *fx = *state;
	struct hs_spool_opts o = { "/nonexistent-hs-dir/spool.db", "FULL",
	    1000 };
	char err[512] = "";
	enum hs_err rc = hs_spool_open(&fx->sp, &o, err, sizeof(err));

	assert_int_not_equal(rc, HS_OK);
	assert_null(fx->sp);
	assert_non_null(strstr(err, "cannot open spool "
	    "'/nonexistent-hs-dir/spool.db'"));
}

static void
file_that_is_not_a_database_is_refused(void **state)
{
	struct fx *fx = *state;
	char junk[4096], err[512] = "";
	FILE *f = fopen(fx->path, "w");

	assert_non_null(f);
	memset(junk, 'j', sizeof(junk));
	fwrite(junk, 1, sizeof(junk), f);
	fclose(f);
	assert_int_equal(try_open(fx, 1000, err, sizeof(err)), HS_EIO);
	assert_null(fx->sp);
	assert_non_null(strstr(err, fx->path));
	assert_non_null(strstr(err, "not a database"));
}

static void
sqlite_codes_map_to_errors(void **state)
{
	assert_int_equal(hs_spool_map_rc(SQLITE_OK), HS_OK);
	assert_int_equal(hs_spool_map_rc(SQLITE_DONE), HS_OK);
	assert_int_equal(hs_spool_map_rc(SQLITE_ROW), HS_OK);
	assert_int_equal(hs_spool_map_rc(SQLITE_BUSY), HS_EBUSY);
	assert_int_equal(hs_spool_map_rc(SQLITE_BUSY_SNAPSHOT), HS_EBUSY);
	assert_int_equal(hs_spool_map_rc(SQLITE_LOCKED), HS_EBUSY);
	assert_int_equal(hs_spool_map_rc(SQLITE_FULL), HS_EFULL);
	assert_int_equal(hs_spool_map_rc(SQLITE_READONLY), HS_EROFS);
	assert_int_equal(hs_spool_map_rc(SQLITE_READONLY_DBMOVED), HS_EROFS);
	assert_int_equal(hs_spool_map_rc(SQLITE_PERM), HS_EROFS);
	assert_int_equal(hs_spool_map_rc(SQLITE_IOERR), HS_EIO);
	assert_int_equal(hs_spool_map_rc(SQLITE_IOERR_WRITE), HS_EIO);
	assert_int_equal(hs_spool_map_rc(SQLITE_IOERR_FSYNC), HS_EIO);
	assert_int_equal(hs_spool_map_rc(SQLITE_CORRUPT), HS_EIO);
	assert_int_equal(hs_spool_map_rc(SQLITE_NOMEM), HS_ENOMEM);
	assert_int_equal(hs_spool_map_rc(SQLITE_CONSTRAINT_UNIQUE), HS_EEXIST);
	assert_int_equal(hs_spool_map_rc(SQLITE_TOOBIG), HS_ETOOBIG);
}

/* ---- put ---- */

static void
put_stores_the_event_and_one_delivery_per_sink(void **state)
{
	struct fx *fx = *state;
	static const char body[] = "{\"a\":\"b\0c\"}";	/* NUL kept */
	static const char *const sinks[] = { "azure_queue", "odoo", "sql" };
	struct hs_event ev = event("manychat", "manychat:contact:1:2025");
	struct hs_put_result res;
	struct hs_spool_health h;
	char text[256];

	open_spool(fx, 1000);
	ev.body = body;
	ev.body_len = sizeof(body) - 1;
	assert_int_equal(hs_spool_put(fx->sp, &ev, sinks, 3, &res), HS_OK);
	assert_int_equal(res.duplicate, 0);
	assert_true(res.event_id > 0);
	assert_int_equal(res.response_status, 202);
	assert_null(res.response_body);
	hs_put_result_release(&res);
	assert_true(lock_is_free(fx));

	assert_int_equal(events(fx), 1);
	assert_int_equal(deliveries(fx), 3);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM events WHERE "
	    "source = 'manychat' AND kind = 'contact' AND idem_key = "
	    "'manychat:contact:1:2025' AND entity_key = "
	    "'manychat:test_contact_456' AND received_at = "
	    "'2026-11-23T10:30:18.123Z' AND remote_addr = '192.0.2.7' AND "
	    "content_type = 'application/json' AND headers = "
	    "'{\"user-agent\":\"ManyChat\"}' AND response_status = 202 AND "
	    "response_body = '{\"status\":\"accepted\"}'"), 1);
	assert_int_equal(q_int(fx, "SELECT length(body) FROM events"),
	                 sizeof(body) - 1);
	assert_int_equal(q_int(fx, "SELECT body = CAST(X'7b2261223a2262"
	    "0063227d' AS BLOB) FROM events"), 1);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM deliveries WHERE "
	    "state = 'pending' AND attempts = 0 AND next_attempt_at = "
	    "'2026-11-23T10:30:18.123Z' AND event_id = (SELECT id FROM "
	    "events) AND sink IN ('azure_queue', 'odoo', 'sql')"), 3);
	if (hs_spool_latest_version() >= 2)	/* per-key order */
		assert_int_equal(q_int(fx, "SELECT count(*) FROM deliveries "
		    "WHERE entity_key = 'manychat:test_contact_456'"), 3);
	q_text(fx->sp, "SELECT group_concat(sink, ',') FROM (SELECT sink FROM "
	    "deliveries ORDER BY sink)", text, sizeof(text));
	assert_string_equal(text, "azure_queue,odoo,sql");
	assert_int_equal(hs_spool_health(fx->sp, &h), HS_OK);
	assert_int_equal(h.events, 1);
	assert_int_equal(h.pending, 3);
	assert_int_equal(h.done, 0);
	assert_int_equal(h.dead, 0);
}

static void
put_without_sinks_headers_or_body_uses_defaults(void **state)
{
	struct fx *fx = *state;
	struct hs_event ev = event("signed", "sha256:x");
	struct hs_put_result res;

	open_spool(fx, 1000);
	ev.headers_json = NULL;
	ev.body = NULL;
	ev.body_len = 0;
	ev.entity_key = NULL;
	assert_int_equal(hs_spool_put(fx->sp, &ev, NULL, 0, &res), HS_OK);
	hs_put_result_release(&res);
	assert_int_equal(deliveries(fx), 0);
	assert_int_equal(q_int(fx, "SELECT headers = '{}' AND length(body) = 0"
	    " AND entity_key IS NULL FROM events"), 1);
}

static void
same_source_and_key_is_a_duplicate_with_the_first_answer(void **state)
{
	struct fx *fx = *state;
	struct hs_event ev = event("manychat", "k");
	struct hs_put_result first, again;

	open_spool(fx, 1000);
	assert_int_equal(hs_spool_put(fx->sp, &ev, two_sinks, 2, &first),
	                 HS_OK);
	ev.response_status = 200;
	ev.response_body = "{\"status\":\"second\"}";
	ev.body = "{\"other\":\"body\"}";
	ev.body_len = strlen(ev.body);
	ev.received_ms = T0 + 5000;
	assert_int_equal(hs_spool_put(fx->sp, &ev, two_sinks, 2, &again),
	                 HS_OK);
	assert_int_equal(again.duplicate, 1);
	assert_int_equal(again.event_id, first.event_id);
	assert_int_equal(again.response_status, 202);
	assert_string_equal(again.response_body, "{\"status\":\"accepted\"}");
	hs_put_result_release(&first);
	hs_put_result_release(&again);
	assert_null(again.response_body);
	assert_int_equal(events(fx), 1);
	assert_int_equal(deliveries(fx), 2);
	assert_int_equal(q_int(fx, "SELECT received_at = "
	    "'2026-11-23T10:30:18.123Z' FROM events"), 1);
	assert_true(lock_is_free(fx));
}

static void
same_key_from_another_source_is_another_event(void **state)
{
	struct fx *fx = *state;

	open_spool(fx, 1000);
	put_ok(fx, "manychat", "shared-key", 0);
	put_ok(fx, "signed", "shared-key", 0);
	put_ok(fx, "signed", "shared-key", 1);
	assert_int_equal(events(fx), 2);
	assert_int_equal(deliveries(fx), 4);
}

static void
failure_after_the_event_row_rolls_the_event_back(void **state)
{
	struct fx *fx = *state;
	static const char *const twice[] = { "odoo", "odoo" };
	struct hs_event ev = event("manychat", "half");
	struct hs_put_result res;

	if (hs_spool_latest_version() < 2)
		skip();		/* one pending delivery per sink: schema v2 */
	open_spool(fx, 1000);
	/* the second delivery row violates (event_id, sink) uniqueness */
	assert_int_not_equal(hs_spool_put(fx->sp, &ev, twice, 2, &res), HS_OK);
	assert_int_equal(res.duplicate, 0);
	assert_null(res.response_body);
	assert_true(lock_is_free(fx));
	assert_int_equal(events(fx), 0);
	assert_int_equal(deliveries(fx), 0);
	put_ok(fx, "manychat", "half", 0);
}

/*
 * Four processes put the same 25 keys twice each, all at once: every put
 * succeeds, each key is stored once, and exactly one put per key is told
 * it is new.
 */
static void
concurrent_writers_store_each_key_once(void **state)
{
	struct fx *fx = *state;
	enum { WRITERS = 4, KEYS = 25 };
	int p[2], status, fresh = 0, n, w;
	pid_t pids[WRITERS];

	open_spool(fx, 1000);
	hs_spool_close(fx->sp);		/* no SQLite handle across fork() */
	fx->sp = NULL;
	assert_int_equal(pipe(p), 0);
	for (w = 0; w < WRITERS; w++) {
		pids[w] = fork();
		assert_true(pids[w] >= 0);
		if (pids[w] == 0) {
			struct hs_spool_opts o = { fx->path, "FULL", 10000 };
			struct hs_spool *sp = NULL;
			struct hs_put_result res;
			struct hs_event ev;
			char key[32];
			int i, mine = 0;

			close(p[0]);
			if (hs_spool_open(&sp, &o, NULL, 0) != HS_OK)
				_exit(1);
			for (i = 0; i < 2 * KEYS; i++) {
				snprintf(key, sizeof(key), "k-%d",
				    (i + w * 7) % KEYS);
				ev = event("manychat", key);
				if (hs_spool_put(sp, &ev, two_sinks, 2, &res) !=
				    HS_OK)
					_exit(2);
				mine += !res.duplicate;
				hs_put_result_release(&res);
			}
			hs_spool_close(sp);
			if (write(p[1], &mine, sizeof(mine)) != sizeof(mine))
				_exit(3);
			_exit(0);
		}
	}
	close(p[1]);
	for (w = 0; w < WRITERS; w++) {
		assert_int_equal(waitpid(pids[w], &status, 0), pids[w]);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			fail_msg("writer %d failed (status %d)", w, status);
	}
	while (read(p[0], &n, sizeof(n)) == sizeof(n))
		fresh += n;
	close(p[0]);
	assert_int_equal(fresh, KEYS);
	assert_int_equal(events(fx), KEYS);
	assert_int_equal(deliveries(fx), 2 * KEYS);
}

/* ---- client window ---- */

static void
client_window_allows_limit_hits_then_refuses_with_retry_after(void **state)
{
	struct fx *fx = *state;
	int64_t ra = -1;
	int allowed = -1, i;

	open_spool(fx, 1000);
	for (i = 0; i < 3; i++) {
		assert_int_equal(hs_spool_client_hit(fx->sp, "192.0.2.1",
		    T0 + i * 1000, 60000, 3, &allowed, &ra), HS_OK);
		assert_int_equal(allowed, 1);
		assert_int_equal(ra, 0);
	}
	assert_int_equal(hs_spool_client_hit(fx->sp, "192.0.2.1", T0 + 10000,
	    60000, 3, &allowed, &ra), HS_OK);
	assert_int_equal(allowed, 0);
	assert_int_equal(ra, 50000);	/* the first hit frees at T0+60 s */
	assert_int_equal(hs_spool_client_hit(fx->sp, "192.0.2.1",
	    T0 + 59999, 60000, 3, &allowed, &ra), HS_OK);
	assert_int_equal(allowed, 0);
	assert_int_equal(ra, 1);
	assert_true(lock_is_free(fx));
}

static void
client_window_frees_a_slot_when_the_oldest_hit_expires(void **state)
{
	struct fx *fx = *state;
	int64_t ra;
	int allowed, i;

	open_spool(fx, 1000);
	for (i = 0; i < 2; i++)
		assert_int_equal(hs_spool_client_hit(fx->sp, "c", T0 + i * 30000,
		    60000, 2, &allowed, &ra), HS_OK);
	assert_int_equal(hs_spool_client_hit(fx->sp, "c", T0 + 40000, 60000, 2,
	    &allowed, &ra), HS_OK);
	assert_int_equal(allowed, 0);
	assert_int_equal(ra, 20000);
	/* refused hits are not counted: the first slot frees at T0+60 s */
	assert_int_equal(hs_spool_client_hit(fx->sp, "c", T0 + 60000, 60000, 2,
	    &allowed, &ra), HS_OK);
	assert_int_equal(allowed, 1);
	/* now T0+30 s and T0+60 s are in the window: the next waits 30 s */
	assert_int_equal(hs_spool_client_hit(fx->sp, "c", T0 + 60001, 60000, 2,
	    &allowed, &ra), HS_OK);
	assert_int_equal(allowed, 0);
	assert_int_equal(ra, 29999);
	/* a whole quiet window later, everything is free again */
	assert_int_equal(hs_spool_client_hit(fx->sp, "c", T0 + 500000, 60000,
	    2, &allowed, &ra), HS_OK);
	assert_int_equal(allowed, 1);
	assert_int_equal(hs_spool_client_hit(fx->sp, "c", T0 + 500001, 60000,
	    2, &allowed, &ra), HS_OK);
	assert_int_equal(allowed, 1);
}

static void
client_windows_are_per_client(void **state)
{
	struct fx *fx = *state;
	int64_t ra;
	int allowed;

	open_spool(fx, 1000);
	assert_int_equal(hs_spool_client_hit(fx->sp, "a", T0, 60000, 1,
	    &allowed, &ra), HS_OK);
	assert_int_equal(allowed, 1);
	assert_int_equal(hs_spool_client_hit(fx->sp, "a", T0 + 1, 60000, 1,
	    &allowed, &ra), HS_OK);
	assert_int_equal(allowed, 0);
	assert_int_equal(hs_spool_client_hit(fx->sp, "b", T0 + 2, 60000, 1,
	    &allowed, &ra), HS_OK);
	assert_int_equal(allowed, 1);
}

static void
client_window_is_shared_between_handles(void **state)
{
	struct fx *fx = *state;
	struct hs_spool_opts o = { fx->path, "FULL", 1000 };
	struct hs_spool *other = NULL;
	int64_t ra;
	int allowed;

	open_spool(fx, 1000);
	assert_int_equal(hs_spool_open(&other, &o, NULL, 0), HS_OK);
	assert_int_equal(hs_spool_client_hit(fx->sp, "a", T0, 60000, 1,
	    &allowed, &ra), HS_OK);
	assert_int_equal(hs_spool_client_hit(other, "a", T0 + 1, 60000, 1,
	    &allowed, &ra), HS_OK);
	assert_int_equal(allowed, 0);
	assert_int_equal(ra, 59999);
	hs_spool_close(other);
}

/* ---- the writer lock ---- */

static int
hold_lock_fd(const struct fx *fx)
{
	char p[160];
	int fd;

	snprintf(p, sizeof(p), "%s.lock", fx->path);
	fd = open(p, O_RDWR | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	return fd;
}

static void
held_writer_lock_gives_busy_within_the_bound_and_writes_nothing(void **state)
{
	struct fx *fx = *state;
	struct hs_event ev = event("manychat", "locked");
	struct hs_put_result res;
	int64_t t;
	int fd;

	open_spool(fx, 300);
	fd = hold_lock_fd(fx);
	t = hs_mono_ms();
	assert_int_equal(hs_spool_put(fx->sp, &ev, two_sinks, 2, &res),
	                 HS_EBUSY);
	t = hs_mono_ms() - t;
	if (t < 290 || t > 2000)
		fail_msg("waited %lld ms for a 300 ms bound", (long long)t);
	assert_int_equal(res.duplicate, 0);
	assert_null(res.response_body);
	close(fd);
	assert_int_equal(events(fx), 0);
	assert_int_equal(deliveries(fx), 0);
	/* once the holder is gone the same handle writes */
	put_ok(fx, "manychat", "locked", 0);
	assert_int_equal(events(fx), 1);
}

static void
held_writer_lock_also_bounds_the_client_window(void **state)
{
	struct fx *fx = *state;
	int64_t ra, t;
	int allowed, fd;

	open_spool(fx, 200);
	fd = hold_lock_fd(fx);
	t = hs_mono_ms();
	assert_int_equal(hs_spool_client_hit(fx->sp, "a", T0, 60000, 5,
	    &allowed, &ra), HS_EBUSY);
	assert_true(hs_mono_ms() - t < 2000);
	close(fd);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM client_hits"), 0);
}

static void
writer_lock_held_by_another_process_gives_busy(void **state)
{
	struct fx *fx = *state;
	struct hs_event ev = event("manychat", "cross-process");
	struct hs_put_result res;
	int ready[2], release[2], status;
	char c;
	pid_t pid;

	open_spool(fx, 200);
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(release), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char p[160];
		int fd;

		close(ready[0]);
		close(release[1]);
		snprintf(p, sizeof(p), "%s.lock", fx->path);
		fd = open(p, O_RDWR);
		if (fd < 0 || flock(fd, LOCK_EX) != 0)
			_exit(1);
		if (write(ready[1], "L", 1) != 1)
			_exit(1);
		(void)read(release[0], &c, 1);	/* until the parent closes */
		_exit(0);
	}
	close(ready[1]);
	close(release[0]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_int_equal(hs_spool_put(fx->sp, &ev, two_sinks, 2, &res),
	                 HS_EBUSY);
	close(release[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(ready[0]);
	assert_int_equal(events(fx), 0);
	put_ok(fx, "manychat", "cross-process", 0);
}

/* The writer says when it lets go; the put must end after that, however
 * the two processes are scheduled. */
static void
put_waits_for_a_writer_that_finishes_within_the_bound(void **state)
{
	struct fx *fx = *state;
	int ready[2], status;
	char c;
	pid_t pid;
	int64_t released = 0, done;

	open_spool(fx, 5000);
	assert_int_equal(pipe(ready), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char p[160];
		int fd;

		close(ready[0]);
		snprintf(p, sizeof(p), "%s.lock", fx->path);
		fd = open(p, O_RDWR);
		if (fd < 0 || flock(fd, LOCK_EX) != 0)
			_exit(1);
		if (write(ready[1], "L", 1) != 1)
			_exit(1);
		usleep(150 * 1000);	/* a slow writer, not a test wait */
		released = hs_mono_ms();	/* the lock goes with _exit */
		if (write(ready[1], &released, sizeof(released)) !=
		    (ssize_t)sizeof(released))
			_exit(1);
		_exit(0);
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	put_ok(fx, "manychat", "waited", 0);	/* within the 5 s bound */
	done = hs_mono_ms();
	assert_int_equal(read(ready[0], &released, sizeof(released)),
	                 sizeof(released));
	assert_true(done >= released);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(ready[0]);
	assert_int_equal(events(fx), 1);
}

/*
 * Plain CGI opens the spool for every request: a spool at the current
 * schema opens while another writer holds the lock, and only the write
 * waits for it.
 */
static void
open_of_a_current_spool_does_not_wait_for_the_writer_lock(void **state)
{
	struct fx *fx = *state;
	struct hs_spool_opts o = { fx->path, "FULL", 200 };
	struct hs_event ev = event("manychat", "opened-while-locked");
	struct hs_put_result res;
	struct hs_spool *other = NULL;
	int fd;

	open_spool(fx, 200);
	fd = hold_lock_fd(fx);
	assert_int_equal(hs_spool_open(&other, &o, NULL, 0), HS_OK);
	assert_int_equal(hs_spool_put(other, &ev, two_sinks, 2, &res),
	                 HS_EBUSY);
	close(fd);
	assert_int_equal(hs_spool_put(other, &ev, two_sinks, 2, &res), HS_OK);
	hs_put_result_release(&res);
	hs_spool_close(other);
}

/* A migration needs the lock: past the bound, the message names it. */
static void
open_that_must_migrate_names_the_held_writer_lock(void **state)
{
	struct fx *fx = *state;
	struct hs_spool_opts o = { fx->path, "FULL", 100 };
	char err[512] = "";
	int fd;

	fd = hold_lock_fd(fx);	/* before the file exists: a new spool */
	assert_int_equal(hs_spool_open(&fx->sp, &o, err, sizeof(err)),
	                 HS_EBUSY);
	assert_null(fx->sp);
	assert_non_null(strstr(err, "writer lock"));
	assert_non_null(strstr(err, ".lock"));
	assert_non_null(strstr(err, "SPOOL_BUSY_TIMEOUT_MS (100 ms)"));
	close(fd);
}

/*
 * How many processes wait in flock() on the file st names. /proc/locks is
 * the whole machine's: match the device as well as the inode, or another
 * file system's busy lock (a parallel suite, a chroot) counts too.
 */
static int
lock_waiters(const struct stat *st)
{
	char line[256];
	unsigned int maj, min;
	unsigned long long ino;
	FILE *f = fopen("/proc/locks", "r");
	int n = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "-> ");

		if (p && sscanf(p, "-> %*s %*s %*s %*d %x:%x:%llu", &maj, &min,
		    &ino) == 3 && (ino_t)ino == st->st_ino &&
		    maj == major(st->st_dev) && min == minor(st->st_dev))
			n++;
	}
	fclose(f);
	return n;
}

/*
 * The kernel queues flock() waiters in arrival order; a wait that a timer
 * interrupted every few ms rejoined the queue at its end each time, so
 * under a burst some requests waited past the bound while later ones got
 * through. Waiters must be served in the order they came.
 */
static void
writer_lock_waiters_are_served_in_arrival_order(void **state)
{
	struct fx *fx = *state;
	enum { W = 6 };
	char lock[160], order[W + 1] = "", want[W + 1];
	int fd, p[2], i, status, n;
	struct stat st;
	pid_t pids[W];
	int64_t until;

	snprintf(lock, sizeof(lock), "%s.lock", fx->path);
	fd = hold_lock_fd(fx);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(pipe(p), 0);
	for (i = 0; i < W; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			char c = (char)('a' + i);
			int lfd = hs_lockfile_open(lock);

			close(fd);	/* the parent's lock: its copy alone */
			close(p[0]);
			if (lfd < 0 || hs_lock_timed(lfd, 60000) != HS_OK)
				_exit(1);
			if (write(p[1], &c, 1) != 1)
				_exit(1);
			hs_unlock(lfd);
			_exit(0);
		}
		/* the next one comes only once this one waits */
		until = hs_mono_ms() + 30000;
		while (lock_waiters(&st) < i + 1 &&
		    hs_mono_ms() < until)
			usleep(2000);
		assert_int_equal(lock_waiters(&st), i + 1);
	}
	close(p[1]);
	/* Long enough for a ticking timer to have shuffled the queue. */
	usleep(200 * 1000);
	close(fd);
	n = (int)read(p[0], order, W);
	for (i = 0; i < W; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		want[i] = (char)('a' + i);
	}
	want[W] = '\0';
	while (n >= 0 && n < W) {
		ssize_t r = read(p[0], order + n, (size_t)(W - n));

		if (r <= 0)
			break;
		n += (int)r;
	}
	close(p[0]);
	assert_string_equal(order, want);
}

static void
sqlite_write_transaction_of_another_connection_gives_busy(void **state)
{
	struct fx *fx = *state;
	struct hs_event ev = event("manychat", "admin-holds");
	struct hs_put_result res;
	sqlite3 *admin;
	int64_t t;

	open_spool(fx, 200);
	/* an admin's sqlite3 shell: no flock, a plain write transaction */
	assert_int_equal(sqlite3_open(fx->path, &admin), SQLITE_OK);
	assert_int_equal(sqlite3_exec(admin, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL), SQLITE_OK);
	t = hs_mono_ms();
	assert_int_equal(hs_spool_put(fx->sp, &ev, two_sinks, 2, &res),
	                 HS_EBUSY);
	assert_true(hs_mono_ms() - t < 3000);
	assert_true(lock_is_free(fx));
	assert_int_equal(sqlite3_exec(admin, "ROLLBACK", NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(admin);
	assert_int_equal(events(fx), 0);
	put_ok(fx, "manychat", "admin-holds", 0);
}

/* ---- injected faults ---- */

/*
 * Fails the nth write (or sync) of one put, for n = 1, 2, ... until a put
 * completes without reaching the fault. Each failure must be the mapped
 * error; after it, with the fault cleared and the spool reopened, nothing
 * of that put may be there, and a retry must store it exactly once.
 */
static void
sweep_put_faults(struct fx *fx, enum fv_op op, int code, int sticky,
                 enum hs_err want)
{
	struct hs_event ev;
	struct hs_put_result res;
	char key[32];
	long long before;
	enum hs_err rc;
	int nth, fired;

	open_spool(fx, 1000);
	put_ok(fx, "manychat", "warm-up", 0);
	for (nth = 1; nth < 100; nth++) {
		before = events(fx);
		snprintf(key, sizeof(key), "fault-%d", nth);
		ev = event("manychat", key);
		faultvfs_fail(op, nth, code, sticky);
		rc = hs_spool_put(fx->sp, &ev, two_sinks, 2, &res);
		fired = faultvfs_fired();
		faultvfs_clear();
		if (!fired) {
			assert_int_equal(rc, HS_OK);
			assert_int_equal(res.duplicate, 0);
			hs_put_result_release(&res);
			assert_int_equal(events(fx), before + 1);
			assert_true(nth > 1);	/* some fault was exercised */
			return;
		}
		if (rc != want)
			fail_msg("%s %d failed with %d: put gave '%s', want '%s'",
			    op == FV_WRITE ? "write" : "sync", nth, code,
			    hs_err_str(rc), hs_err_str(want));
		assert_int_equal(res.duplicate, 0);
		assert_null(res.response_body);
		assert_true(lock_is_free(fx));
		reopen(fx);
		assert_int_equal(events(fx), before);
		assert_int_equal(deliveries(fx), 2 * before);
		assert_int_equal(q_int(fx, "SELECT integrity_check = 'ok' FROM "
		    "pragma_integrity_check"), 1);
		put_ok(fx, "manychat", key, 0);
		put_ok(fx, "manychat", key, 1);
		assert_int_equal(events(fx), before + 1);
		assert_int_equal(deliveries(fx), 2 * (before + 1));
	}
	fail_msg("a put still hit the fault after 100 %ss",
	    op == FV_WRITE ? "write" : "sync");
}

static void
disk_full_on_any_write_gives_efull_and_nothing_half_written(void **state)
{
	sweep_put_faults(*state, FV_WRITE, SQLITE_FULL, 1, HS_EFULL);
}

static void
one_failed_write_gives_eio_and_nothing_half_written(void **state)
{
	sweep_put_faults(*state, FV_WRITE, SQLITE_IOERR_WRITE, 0, HS_EIO);
}

static void
failed_sync_gives_eio_and_nothing_half_written(void **state)
{
	sweep_put_faults(*state, FV_SYNC, SQLITE_IOERR_FSYNC, 0, HS_EIO);
}

static void
disk_full_at_sync_gives_efull(void **state)
{
	sweep_put_faults(*state, FV_SYNC, SQLITE_FULL, 1, HS_EFULL);
}

static void
same_handle_recovers_after_disk_full(void **state)
{
	struct fx *fx = *state;
	struct hs_event ev = event("manychat", "same-handle");
	struct hs_put_result res;

	open_spool(fx, 1000);
	put_ok(fx, "manychat", "warm-up", 0);
	faultvfs_fail(FV_WRITE, 1, SQLITE_FULL, 1);
	assert_int_equal(hs_spool_put(fx->sp, &ev, two_sinks, 2, &res),
	                 HS_EFULL);
	assert_true(faultvfs_fired() > 0);
	faultvfs_clear();
	assert_int_equal(events(fx), 1);
	put_ok(fx, "manychat", "same-handle", 0);
	put_ok(fx, "manychat", "same-handle", 1);
	assert_int_equal(events(fx), 2);
}

static void
disk_full_in_the_client_window_records_no_hit(void **state)
{
	struct fx *fx = *state;
	int64_t ra;
	int allowed;
	enum hs_err rc;

	open_spool(fx, 1000);
	faultvfs_fail(FV_WRITE, 1, SQLITE_FULL, 1);
	rc = hs_spool_client_hit(fx->sp, "a", T0, 60000, 5, &allowed, &ra);
	faultvfs_clear();
	assert_int_equal(rc, HS_EFULL);
	assert_true(lock_is_free(fx));
	reopen(fx);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM client_hits"), 0);
}

static void
disk_full_while_creating_leaves_a_spool_that_opens_later(void **state)
{
	struct fx *fx = *state;
	char err[512];
	enum hs_err rc;
	int nth, fired;

	for (nth = 1; nth < 200; nth++) {
		faultvfs_fail(FV_WRITE, nth, SQLITE_FULL, 1);
		err[0] = '\0';
		rc = try_open(fx, 1000, err, sizeof(err));
		fired = faultvfs_fired();
		faultvfs_clear();
		if (!fired) {
			assert_int_equal(rc, HS_OK);
			break;
		}
		if (rc == HS_OK)
			fail_msg("open succeeded although write %d failed", nth);
		assert_null(fx->sp);
		assert_non_null(strstr(err, fx->path));
		/* the next open, with room again, completes the schema */
		open_spool(fx, 1000);
		assert_int_equal(q_int(fx, "PRAGMA user_version"),
		                 hs_spool_latest_version());
		put_ok(fx, "manychat", "after", 0);
		hs_spool_close(fx->sp);
		fx->sp = NULL;
		/* start the next round from nothing */
		teardown(state);
		assert_int_equal(setup(state), 0);
		fx = *state;
	}
	assert_true(nth > 1);
}

static void
read_only_spool_gives_erofs_or_eio_and_nothing_written(void **state)
{
	struct fx *fx = *state;
	struct hs_event ev = event("manychat", "ro");
	struct hs_put_result res;
	char err[512] = "";
	enum hs_err rc;

	open_spool(fx, 1000);
	put_ok(fx, "manychat", "before", 0);
	hs_spool_close(fx->sp);
	fx->sp = NULL;
	faultvfs_readonly(1);
	rc = try_open(fx, 1000, err, sizeof(err));
	if (rc == HS_OK) {
		rc = hs_spool_put(fx->sp, &ev, two_sinks, 2, &res);
		assert_true(lock_is_free(fx));
	} else {
		assert_null(fx->sp);
		assert_non_null(strstr(err, fx->path));
	}
	faultvfs_clear();
	if (rc != HS_EROFS && rc != HS_EIO)
		fail_msg("read-only spool gave '%s'", hs_err_str(rc));
	hs_spool_close(fx->sp);
	fx->sp = NULL;
	assert_int_equal(events(fx), 1);
	open_spool(fx, 1000);
	put_ok(fx, "manychat", "ro", 0);
	assert_int_equal(events(fx), 2);
}

static void
every_write_failing_after_open_gives_eio(void **state)
{
	/* the file system went read-only under an open spool */
	struct fx *fx = *state;
	struct hs_event ev = event("manychat", "remounted");
	struct hs_put_result res;
	enum hs_err rc;

	open_spool(fx, 1000);
	faultvfs_fail(FV_WRITE, 1, SQLITE_IOERR_WRITE, 1);
	rc = hs_spool_put(fx->sp, &ev, two_sinks, 2, &res);
	faultvfs_clear();
	assert_int_equal(rc, HS_EIO);
	reopen(fx);
	assert_int_equal(events(fx), 0);
}

/*
 * Runs in a forked child: makes fx->dir a read-only bind mount in a
 * private mount namespace (so nothing outside the child sees it), opens
 * the spool there and, if that worked, tries one put. Writes the two
 * results (open, put) to fd; exits 77 when the kernel does not allow
 * mount namespaces here. (Remounting under an open handle is not tried:
 * Linux keeps write access for descriptors opened before the remount;
 * every_write_failing_after_open_gives_eio covers that case.)
 */
static void
child_on_read_only_mount(struct fx *fx, int fd)
{
	struct hs_event ev = event("manychat", "on-ro-mount");
	struct hs_put_result res;
	int rcs[2] = { -1, -1 };

	if (unshare(CLONE_NEWNS) != 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount(fx->dir, fx->dir, NULL, MS_BIND, NULL) != 0 ||
	    mount(NULL, fx->dir, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY,
	    NULL) != 0)
		_exit(77);
	rcs[0] = try_open(fx, 500, NULL, 0);
	if (fx->sp) {
		rcs[1] = hs_spool_put(fx->sp, &ev, two_sinks, 2, &res);
		if (rcs[1] == HS_OK)
			hs_put_result_release(&res);
	}
	if (write(fd, rcs, sizeof(rcs)) != (ssize_t)sizeof(rcs))
		_exit(1);
	_exit(0);
}

static void
run_on_read_only_mount(struct fx *fx, int rcs[2])
{
	int p[2], status;
	pid_t pid;

	open_spool(fx, 1000);
	put_ok(fx, "manychat", "before", 0);
	hs_spool_close(fx->sp);
	fx->sp = NULL;
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		child_on_read_only_mount(fx, p[1]);
	}
	close(p[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
		close(p[0]);
		skip();		/* no mount namespaces here */
	}
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(read(p[0], rcs, 2 * sizeof(int)), 2 * sizeof(int));
	close(p[0]);
	/* the mount is gone with the child: the spool is as it was */
	assert_int_equal(events(fx), 1);
	open_spool(fx, 1000);
	put_ok(fx, "manychat", "on-ro-mount", 0);
}

static void
spool_on_a_read_only_mount_does_not_open_with_erofs(void **state)
{
	int rcs[2];

	run_on_read_only_mount(*state, rcs);
	assert_int_equal(rcs[0], HS_EROFS);
	assert_int_equal(rcs[1], -1);	/* no handle, no put */
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(open_creates_the_file_with_mode_0600),
		T(open_sets_wal_mode),
		T(open_migrates_to_the_latest_schema),
		T(synchronous_level_is_applied),
		T(unknown_synchronous_level_is_a_config_error),
		T(reopen_is_idempotent_and_keeps_events),
		T(two_handles_share_one_spool),
		T(schema_from_a_newer_build_is_refused),
		T(v1_spool_is_upgraded_keeping_its_rows),
		T(failed_upgrade_leaves_a_spool_that_upgrades_later),
		T(missing_directory_fails_with_a_message),
		T(file_that_is_not_a_database_is_refused),
		cmocka_unit_test(sqlite_codes_map_to_errors),
		T(put_stores_the_event_and_one_delivery_per_sink),
		T(put_without_sinks_headers_or_body_uses_defaults),
		T(same_source_and_key_is_a_duplicate_with_the_first_answer),
		T(same_key_from_another_source_is_another_event),
		T(failure_after_the_event_row_rolls_the_event_back),
		T(concurrent_writers_store_each_key_once),
		T(client_window_allows_limit_hits_then_refuses_with_retry_after),
		T(client_window_frees_a_slot_when_the_oldest_hit_expires),
		T(client_windows_are_per_client),
		T(client_window_is_shared_between_handles),
		T(held_writer_lock_gives_busy_within_the_bound_and_writes_nothing),
		T(held_writer_lock_also_bounds_the_client_window),
		T(writer_lock_held_by_another_process_gives_busy),
		T(put_waits_for_a_writer_that_finishes_within_the_bound),
		T(open_of_a_current_spool_does_not_wait_for_the_writer_lock),
		T(open_that_must_migrate_names_the_held_writer_lock),
		T(writer_lock_waiters_are_served_in_arrival_order),
		T(sqlite_write_transaction_of_another_connection_gives_busy),
		T(disk_full_on_any_write_gives_efull_and_nothing_half_written),
		T(one_failed_write_gives_eio_and_nothing_half_written),
		T(failed_sync_gives_eio_and_nothing_half_written),
		T(disk_full_at_sync_gives_efull),
		T(same_handle_recovers_after_disk_full),
		T(disk_full_in_the_client_window_records_no_hit),
		T(disk_full_while_creating_leaves_a_spool_that_opens_later),
		T(read_only_spool_gives_erofs_or_eio_and_nothing_written),
		T(every_write_failing_after_open_gives_eio),
		T(spool_on_a_read_only_mount_does_not_open_with_erofs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
