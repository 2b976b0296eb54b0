/*
 * tools/admin/check.c - spoolctl check: is this installation sound?
 *
 * Looks, changes nothing: the spool is opened read-only on its own
 * connection (no migration, no lock file), so check is safe on a spool
 * written by a newer or older build and on one the handlers are busy
 * with. Each finding is one {"name","status","detail"}; a "fail" means
 * events will not be stored or will not leave, a "warn" that something
 * is off but works.
 */
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "admin/internal.h"
#include "admin/probe.h"
#include "core/config.h"
#include "sync/routes.h"
#include "sinks/sink.h"
#include "spool/spool.h"
#include "core/banned.h"

#define DETAIL_MAX 2048	/* a probe names every field Odoo lacks */

struct checks {
	struct json_object *arr;
	int failed;
};

static void
add(struct checks *c, const char *name, enum hs_admin_level lvl,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
add(struct checks *c, const char *name, enum hs_admin_level lvl,
    const char *fmt, ...)
{
	struct json_object *o = json_object_new_object();
	char detail[DETAIL_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "status",
	    json_object_new_string(hs_admin_level_str(lvl)));
	json_object_object_add(o, "detail", json_object_new_string(detail));
	json_object_array_add(c->arr, o);
	c->failed |= lvl == HS_ADMIN_FAIL;
}

static const char *
owner(uid_t uid, char *buf, size_t n)
{
	const struct passwd *pw = getpwuid(uid);

	if (pw)
		snprintf(buf, n, "%s", pw->pw_name);
	else
		snprintf(buf, n, "uid %lu", (unsigned long)uid);
	return buf;
}

static void
check_config(struct checks *c, const struct hs_config *cfg)
{
	const char *msg, *path = hs_config_path(cfg);
	char why[256];
	struct stat st;
	int is_error, any = 0;
	size_t i;

	for (i = 0; (msg = hs_config_problem(cfg, i, &is_error)); i++, any++)
		add(c, "config", is_error ? HS_ADMIN_FAIL : HS_ADMIN_WARN,
		    "%s", msg);
	if (!any)
		add(c, "config", HS_ADMIN_OK, "'%s' read, no problem", path);
	if (path && stat(path, &st) == 0 && (st.st_mode & 007))
		add(c, "config mode", HS_ADMIN_WARN, "'%s' is mode %04o: it "
		    "holds secrets, make it 0600 (or 0640 for the web "
		    "server's group)", path, (unsigned)(st.st_mode & 07777));
	if (hs_routes_check(cfg, why, sizeof(why)) != 0)
		add(c, "routes", HS_ADMIN_FAIL, "%s", why);
	else
		add(c, "routes", HS_ADMIN_OK, "%s", hs_config_has(cfg,
		    "ROUTES") ? "ROUTES parse, every sink named is known" :
		    "no ROUTES: ManyChat events go to every configured sink");
}

/* The spool file, its directory and its lock file. 0 if no file. */
static int
check_files(struct checks *c, const char *path)
{
	char dir[4096], lock[4200], who[64], who2[64];
	struct stat st, ds, ls;
	char *slash;

	if (stat(path, &st) != 0) {
		add(c, "spool file", HS_ADMIN_FAIL, "no spool at '%s' (a "
		    "handler creates it with the first event)", path);
		return 0;
	}
	add(c, "spool file", (st.st_mode & 077) ? HS_ADMIN_FAIL : HS_ADMIN_OK,
	    "'%s': mode %04o (0600 expected), owner %s", path,
	    (unsigned)(st.st_mode & 07777), owner(st.st_uid, who, sizeof(who)));
	snprintf(dir, sizeof(dir), "%s", path);
	if (!(slash = strrchr(dir, '/')))
		snprintf(dir, sizeof(dir), ".");
	else
		slash[slash == dir] = '\0';	/* "/x" -> "/", "a/x" -> "a" */
	if (stat(dir, &ds) == 0)
		add(c, "spool directory", (ds.st_mode & 007) ? HS_ADMIN_FAIL :
		    (ds.st_mode & 070) ? HS_ADMIN_WARN : HS_ADMIN_OK,
		    "'%s': mode %04o (0700 expected)", dir,
		    (unsigned)(ds.st_mode & 07777));
	snprintf(lock, sizeof(lock), "%s.lock", path);
	if (stat(lock, &ls) != 0)
		add(c, "lock file", HS_ADMIN_WARN, "'%s' missing (the next "
		    "writer creates it)", lock);
	else
		add(c, "lock file", ls.st_uid == st.st_uid ? HS_ADMIN_OK :
		    HS_ADMIN_FAIL, "'%s': owner %s%s%s", lock,
		    owner(ls.st_uid, who, sizeof(who)), ls.st_uid == st.st_uid ?
		    "" : ", the spool's is ", ls.st_uid == st.st_uid ? "" :
		    owner(st.st_uid, who2, sizeof(who2)));
	return 1;
}

static void
check_schema(struct checks *c, sqlite3 *db, struct json_object *out)
{
	int64_t v = -1;
	int latest = hs_spool_latest_version();
	char mode[16] = "";
	sqlite3_stmt *st = NULL;

	if (admin_int(db, "PRAGMA user_version", &v) != HS_OK) {
		add(c, "spool schema", HS_ADMIN_FAIL, "cannot read it: %s",
		    sqlite3_errmsg(db));
		return;
	}
	json_object_object_add(out, "schema_version", json_object_new_int64(v));
	add(c, "spool schema", v == latest ? HS_ADMIN_OK : v < latest ?
	    HS_ADMIN_WARN : HS_ADMIN_FAIL, v == latest ? "version %lld" :
	    v < latest ? "version %lld; this build writes %d (the next "
	    "handler, run or spoolctl command migrates it)" : "version %lld "
	    "is newer than this build (%d): install the matching build",
	    (long long)v, latest);
	if (sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		snprintf(mode, sizeof(mode), "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	add(c, "journal mode", strcmp(mode, "wal") ? HS_ADMIN_FAIL :
	    HS_ADMIN_OK, "%s (wal expected)", mode);
}

static void
check_integrity(struct checks *c, sqlite3 *db, int quick)
{
	sqlite3_stmt *st = NULL;
	char first[256] = "";
	int src, rows = 0;

	src = sqlite3_prepare_v2(db, quick ? "PRAGMA quick_check(20)" :
	    "PRAGMA integrity_check(20)", -1, &st, NULL);
	while (src == SQLITE_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
		if (rows++ == 0)
			snprintf(first, sizeof(first), "%s",
			    sqlite3_column_text(st, 0));
		src = SQLITE_OK;
	}
	sqlite3_finalize(st);
	if (src != SQLITE_DONE)
		add(c, "integrity", HS_ADMIN_FAIL, "cannot check: %s",
		    sqlite3_errmsg(db));
	else
		add(c, "integrity", rows == 1 && !strcmp(first, "ok") ?
		    HS_ADMIN_OK : HS_ADMIN_FAIL, "%s: %s%s", quick ?
		    "quick_check" : "integrity_check", first,
		    rows > 1 ? " (and more)" : "");
}

/* Pending deliveries to a sink this configuration does not feed. */
static void
check_orphans(struct checks *c, sqlite3 *db, const struct hs_config *cfg)
{
	const struct hs_sink_ops *ops;
	sqlite3_stmt *st = NULL;
	const char *sink;

	if (sqlite3_prepare_v2(db, "SELECT sink, count(*) FROM deliveries"
	    " WHERE state = 'pending' GROUP BY sink ORDER BY sink", -1, &st,
	    NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		sink = (const char *)sqlite3_column_text(st, 0);
		ops = hs_sink_find(sink);
		if (ops && ops->configured(cfg))
			continue;
		add(c, "pending to unconfigured sink", HS_ADMIN_WARN, "%lld "
		    "pending deliveries to '%s', which is %s: they never "
		    "leave until it is configured", (long long)
		    sqlite3_column_int64(st, 1), sink, ops ? "not configured" :
		    "unknown to this build");
	}
	sqlite3_finalize(st);
}

static void
check_spool(struct checks *c, const struct hs_config *cfg,
            const struct hs_admin_check_opts *o, struct json_object *out)
{
	sqlite3 *db = NULL;

	if (!check_files(c, o->spool_path))
		return;
	if (sqlite3_open_v2(o->spool_path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		add(c, "spool open", HS_ADMIN_FAIL, "cannot open '%s' "
		    "read-only: %s", o->spool_path, db ? sqlite3_errmsg(db) :
		    "no memory");
		sqlite3_close(db);
		return;
	}
	sqlite3_busy_timeout(db, (int)hs_config_int(cfg,
	    "SPOOL_BUSY_TIMEOUT_MS"));
	check_schema(c, db, out);
	check_integrity(c, db, o->quick);
	check_orphans(c, db, cfg);
	sqlite3_close(db);
}

static void
check_sinks(struct checks *c, const struct hs_config *cfg, int probe,
            int64_t now_ms)
{
	const struct hs_sink_ops *const *ops;
	char name[96], detail[DETAIL_MAX];
	enum hs_admin_level lvl;
	int any = 0;

	for (ops = hs_sink_registry; *ops; ops++) {
		if (!(*ops)->configured(cfg))
			continue;
		any = 1;
		snprintf(name, sizeof(name), "sink %s", (*ops)->name);
		if (!probe) {
			add(c, name, HS_ADMIN_OK, "configured (not probed)");
			continue;
		}
		lvl = hs_admin_probe_sink(cfg, *ops, now_ms, detail,
		    sizeof(detail));
		add(c, name, lvl, "%s", detail);
	}
	if (!any)
		add(c, "sinks", HS_ADMIN_WARN, "no sink is configured: events "
		    "are stored and never forwarded");
}

enum hs_err
hs_admin_check(const struct hs_config *cfg,
               const struct hs_admin_check_opts *o, int64_t now_ms,
               struct json_object **out)
{
	struct checks c = { json_object_new_array(), 0 };
	struct json_object *res = json_object_new_object();

	*out = NULL;
	if (!c.arr || !res) {
		json_object_put(c.arr);
		json_object_put(res);
		return HS_ENOMEM;
	}
	json_object_object_add(res, "spool",
	    json_object_new_string(o->spool_path));
	json_object_object_add(res, "schema_version", NULL);
	json_object_object_add(res, "latest_schema_version",
	    json_object_new_int(hs_spool_latest_version()));
	check_config(&c, cfg);
	check_spool(&c, cfg, o, res);
	check_sinks(&c, cfg, o->probe, now_ms);
	json_object_object_add(res, "ok", json_object_new_boolean(!c.failed));
	json_object_object_add(res, "checks", c.arr);
	*out = res;
	return HS_OK;
}
