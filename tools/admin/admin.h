/*
 * tools/admin/admin.h - the admin's view of the spool: what tools/spoolctl
 * runs.
 *
 * Every answer is a json-c tree with stable field names; spoolctl prints
 * it as JSON (--json) or hands it to tools/admin/fmt.c for a table, so the two
 * can never disagree. Filters become SQL through a builder that appends
 * constant fragments and binds every value: nothing an admin types ends
 * up in SQL text. Reads are plain WAL reads (no writer lock); every write
 * is a short hs_spool_begin/commit transaction, many rows in chunks, so
 * handlers and scheduled_sync keep running alongside.
 *
 * Times are ISO-8601 UTC text like the spool's; "now" is passed in.
 */
#ifndef HS_ADMIN_H
#define HS_ADMIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/timefmt.h"

struct hs_config;
struct hs_spool;
struct json_object;
struct sqlite3;
struct sqlite3_stmt;

#define HS_ADMIN_CHUNK		500	/* rows per write transaction */
#define HS_ADMIN_LIST_MAX	100000	/* --limit */
#define HS_ADMIN_MAX_BINDS	16
#define HS_ADMIN_ACTOR_MAX	64
/* Longest duration accepted anywhere: about a century. */
#define HS_ADMIN_DURATION_MAX_MS (100LL * 366 * 86400 * 1000)

/* --- filters -------------------------------------------------------------- */

/* What list, export and retry select. NULL / "" / 0 means "any". */
struct hs_admin_filter {
	int64_t event_id;
	const char *key;		/* events.idem_key */
	const char *entity;		/* events.entity_key */
	const char *source, *kind;
	const char *sink, *state;	/* of one delivery of the event */
	const char *contains;		/* bytes somewhere in the body */
	char since[HS_ISO_LEN];		/* received_at >= since */
	char until[HS_ISO_LEN];		/* received_at < until */
	long limit;			/* 0: no limit */
};

/* Which rows the WHERE clause is about. */
enum hs_admin_scope {
	HS_ADMIN_EVENTS,	/* "FROM events e": delivery terms in EXISTS */
	HS_ADMIN_DELIVERIES,	/* "FROM deliveries d JOIN events e" */
};

/* SQL text made of constant fragments, plus the values to bind. */
struct hs_admin_sql {
	struct hs_buf text;
	int n;
	struct {
		int is_int;
		const char *s;	/* borrowed: must outlive the prepare */
		int64_t i;
	} v[HS_ADMIN_MAX_BINDS];
};

void hs_admin_sql_init(struct hs_admin_sql *q);
void hs_admin_sql_release(struct hs_admin_sql *q);
/* Appends frag, which must hold no '?'. */
enum hs_err hs_admin_sql_add(struct hs_admin_sql *q, const char *frag)
	HS_MUST_CHECK;
/* Appends frag, which must hold exactly one '?', bound to the value. */
enum hs_err hs_admin_sql_text(struct hs_admin_sql *q, const char *frag,
                              const char *value) HS_MUST_CHECK;
enum hs_err hs_admin_sql_int(struct hs_admin_sql *q, const char *frag,
                             int64_t value) HS_MUST_CHECK;
/* Appends " WHERE ..." for f in scope (always a WHERE, maybe "1"). */
enum hs_err hs_admin_where(struct hs_admin_sql *q,
                           const struct hs_admin_filter *f,
                           enum hs_admin_scope scope) HS_MUST_CHECK;
/* Prepares the text and binds every value in order. *out is the
 * caller's (sqlite3_finalize). */
enum hs_err hs_admin_sql_prepare(const struct hs_admin_sql *q,
                                 struct sqlite3 *db,
                                 struct sqlite3_stmt **out) HS_MUST_CHECK;

/* 1 if s is pending, done or dead. */
int hs_admin_state_ok(const char *s);

/*
 * "90s", "15m", "12h", "30d", "2w" or a sum like "1d12h" into *ms.
 * 0 on success; -1 for anything else (no unit, zero, past the max).
 */
int hs_admin_parse_duration(const char *s, int64_t *ms);
/*
 * A point in time for --since/--until: ISO-8601 (a date, or a date-time
 * with an optional zone; UTC without one), "now", or a duration meaning
 * that long before now_ms. Writes ISO-8601 UTC into out (HS_ISO_LEN).
 */
int hs_admin_parse_when(const char *s, int64_t now_ms, char *out,
                        size_t n);

/* --- the process -------------------------------------------------------- */

enum hs_admin_answer {
	HS_ADMIN_YES,		/* go ahead */
	HS_ADMIN_NO,		/* the admin said no (or EOF) */
	HS_ADMIN_REFUSED,	/* no terminal and no --yes: never guess */
};

/*
 * Asks question + " [y/N] " on out and reads one line from in, unless
 * assume_yes (YES without asking) or !interactive (REFUSED).
 */
enum hs_admin_answer hs_admin_confirm(const char *question, int assume_yes,
                                      int interactive, FILE *in, FILE *out);

/*
 * Who is acting, for history: sudo_user if set, else user, else the
 * name of uid, else "uid N"; letters, digits and "._@+-" only, at most
 * HS_ADMIN_ACTOR_MAX - 1 bytes.
 */
void hs_admin_actor(const char *sudo_user, const char *user, uid_t uid,
                    char *out, size_t n);

/*
 * Opens the spool at path for spoolctl: HS_ENOTFOUND if there is no file
 * (spoolctl never creates one). Run as root, it first becomes the file's
 * owner, so that anything it creates (lock file, -wal, -shm) stays usable
 * by the handlers. why holds the reason on failure.
 */
enum hs_err hs_admin_open(struct hs_spool **out, const char *path,
                          const char *synchronous, int busy_ms,
                          char *why, size_t n) HS_MUST_CHECK;

/* --- reads (tools/admin/query.c) ------------------------------------------ */

/*
 * Counts by source/kind and by sink/state, oldest pending, last success,
 * last run and last error per sink (configured sinks without deliveries
 * included). *out is the caller's (json_object_put).
 */
enum hs_err hs_admin_stats(struct hs_spool *sp, const struct hs_config *cfg,
                           int64_t now_ms, struct json_object **out)
	HS_MUST_CHECK;
/* Events matching f, newest first, each with its deliveries. */
enum hs_err hs_admin_list(struct hs_spool *sp,
                          const struct hs_admin_filter *f,
                          struct json_object **out) HS_MUST_CHECK;
/*
 * The event id for "ID" or an idempotency key (of source, when given).
 * HS_ENOTFOUND, or HS_EEXIST when a key names events of several sources;
 * why says which.
 */
enum hs_err hs_admin_find(struct hs_spool *sp, const char *id_or_key,
                          const char *source, int64_t *id, char *why,
                          size_t n) HS_MUST_CHECK;
/*
 * One event with headers, deliveries and history; its raw body goes to
 * body (not into *out). HS_ENOTFOUND when there is none.
 */
enum hs_err hs_admin_show(struct hs_spool *sp, int64_t id,
                          struct json_object **out, struct hs_buf *body)
	HS_MUST_CHECK;
/*
 * obj as one line of JSON with "body" (the raw body when it is JSON, its
 * line breaks as spaces, else null plus "body_base64") and "body_sha256"
 * added last. Appends to out.
 */
enum hs_err hs_admin_json_with_body(struct json_object *obj,
                                    const void *body, size_t len,
                                    struct hs_buf *out) HS_MUST_CHECK;

/* Called with each exported line (no newline); non-zero stops. */
typedef int (*hs_admin_emit)(void *ctx, const char *line, size_t len);
/* Events matching f, oldest first, one JSON line each; *n counts them. */
enum hs_err hs_admin_export(struct hs_spool *sp,
                            const struct hs_admin_filter *f,
                            hs_admin_emit emit, void *ctx, long *n)
	HS_MUST_CHECK;

/* --- writes (tools/admin/write.c, tools/admin/purge.c) -------------------- */

struct hs_admin_result {
	long matched;		/* rows the filter selected */
	long changed;		/* rows changed */
	long skipped;		/* changed meanwhile, or already pending */
};

/* Deliveries retry would requeue (f->state: dead or pending). */
enum hs_err hs_admin_retry_count(struct hs_spool *sp,
                                 const struct hs_admin_filter *f, long *n)
	HS_MUST_CHECK;
/*
 * Requeues the deliveries matching f (state pending, attempts 0,
 * next_attempt_at now), HS_ADMIN_CHUNK per transaction, and records
 * each in its event's history under actor.
 */
enum hs_err hs_admin_retry(struct hs_spool *sp,
                           const struct hs_admin_filter *f,
                           const char *now_iso, const char *actor,
                           struct hs_admin_result *res) HS_MUST_CHECK;
/*
 * A new pending delivery of event id to sink, same event and key, with
 * a history row. HS_EEXIST when sink already has a pending or dead
 * delivery of it (retry is the way for dead); why says which.
 */
enum hs_err hs_admin_replay(struct hs_spool *sp, int64_t id,
                            const char *sink, const char *now_iso,
                            const char *actor, int64_t *delivery_id,
                            char *why, size_t n) HS_MUST_CHECK;
/* The sinks event id has a delivery to (dead copies aside), "a b". */
enum hs_err hs_admin_event_sinks(struct hs_spool *sp, int64_t id,
                                 struct hs_buf *out) HS_MUST_CHECK;

struct hs_admin_purge {
	char before[HS_ISO_LEN];	/* quiet since: received, updated */
	int include_dead;
	int include_pending;
};

/* Events purge would delete. */
enum hs_err hs_admin_purge_count(struct hs_spool *sp,
                                 const struct hs_admin_purge *p, long *n)
	HS_MUST_CHECK;
/*
 * Deletes events received before p->before whose every delivery is done
 * (or dead / pending when included) and unchanged since, with their
 * deliveries and history; HS_ADMIN_CHUNK per transaction.
 */
enum hs_err hs_admin_purge(struct hs_spool *sp,
                           const struct hs_admin_purge *p, long *deleted)
	HS_MUST_CHECK;
/*
 * VACUUM under the writer lock (handlers wait, then answer 503 past
 * busy_ms), then truncates the WAL. Sizes in bytes, database + WAL.
 */
enum hs_err hs_admin_vacuum(struct hs_spool *sp, int busy_ms,
                            int64_t *before, int64_t *after)
	HS_MUST_CHECK;

/* --- check (tools/admin/check.c) ------------------------------------------ */

struct hs_admin_check_opts {
	const char *spool_path;
	int quick;		/* quick_check instead of integrity_check */
	int probe;		/* live probe of each configured sink */
};

/*
 * Checks the configuration, the spool (read-only: nothing is changed or
 * migrated), its file modes and every sink. *out: {"ok":..,"checks":[
 * {"name","status":"ok"|"warn"|"fail","detail"}]}.
 */
enum hs_err hs_admin_check(const struct hs_config *cfg,
                           const struct hs_admin_check_opts *o,
                           int64_t now_ms, struct json_object **out)
	HS_MUST_CHECK;

#endif
