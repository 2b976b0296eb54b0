/*
 * spool/spool.h - the durable SQLite spool every event passes through.
 *
 * Handlers commit an event and its deliveries here before they answer
 * (DESIGN rule 1); scheduled_sync and spoolctl read and update it later.
 * Writers serialise on an flock()ed file next to the database before they
 * open a write transaction: with several FastCGI processes, SQLite's own
 * busy handler sleeps and retries, which measured p99 of 300-700 ms; a
 * kernel lock queue keeps p99 in tens of ms. The wait is bounded
 * (SPOOL_BUSY_TIMEOUT_MS) and past it callers get HS_EBUSY, so a handler
 * answers 503 + Retry-After instead of hanging.
 *
 * The write path is one call (hs_spool_put) so that group commit (several
 * requests in one transaction, each answered after it commits) can be added
 * behind it without touching the handlers.
 */
#ifndef HS_SPOOL_H
#define HS_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/err.h"

struct sqlite3;
struct hs_spool;

struct hs_spool_opts {
	const char *path;		/* database file */
	const char *synchronous;	/* "FULL", "NORMAL", "EXTRA" */
	int busy_ms;			/* bounded wait for the write lock */
};

/*
 * The options the SPOOL_* keys of cfg describe: every program opens the
 * spool with these, so a handler, scheduled_sync and spoolctl never
 * disagree on durability or on how long to wait for the lock. The
 * strings are borrowed from cfg.
 */
void hs_spool_opts_from_config(struct hs_spool_opts *o,
                               const struct hs_config *cfg);

/*
 * Opens (creating with mode 0600 if needed) and migrates the spool to the
 * latest schema. On failure *out is NULL and, if errbuf is given, it holds
 * a message naming the file and the cause.
 */
enum hs_err hs_spool_open(struct hs_spool **out,
                          const struct hs_spool_opts *o,
                          char *errbuf, size_t errlen) HS_MUST_CHECK;
void hs_spool_close(struct hs_spool *sp);

/* The schema version this build writes (PRAGMA user_version). */
int hs_spool_latest_version(void);
/* The last SQLite error message on this connection. Borrowed. */
const char *hs_spool_errmsg(const struct hs_spool *sp);
const char *hs_spool_path(const struct hs_spool *sp);

/*
 * Write transactions for other modules: takes the writer lock (bounded),
 * then BEGIN IMMEDIATE. Exactly one of commit/rollback must follow a
 * successful begin; both release the lock.
 */
enum hs_err hs_spool_begin(struct hs_spool *sp) HS_MUST_CHECK;
enum hs_err hs_spool_commit(struct hs_spool *sp) HS_MUST_CHECK;
void hs_spool_rollback(struct hs_spool *sp);

/* Maps a SQLite result code to hs_err (BUSY, FULL, READONLY, ...). */
enum hs_err hs_spool_map_rc(int sqlite_rc);

/* One accepted request. Every pointer is borrowed for the call. */
struct hs_event {
	const char *source;		/* "manychat", "signed", ... */
	const char *kind;		/* "contact", "campaign", ... */
	const char *idem_key;		/* unique per source */
	const char *entity_key;		/* per-key order (may be NULL) */
	int64_t received_ms;
	const char *remote_addr;
	const char *content_type;
	const char *headers_json;	/* the few headers worth keeping */
	const void *body;
	size_t body_len;
	int response_status;		/* what the handler answers */
	const char *response_body;
};

struct hs_put_result {
	int duplicate;		/* 1: the key was already stored */
	int64_t event_id;
	int response_status;	/* the first answer, for duplicates */
	char *response_body;	/* owned by the caller when duplicate */
};

/*
 * Stores ev and one pending delivery per sink in one transaction, or, if
 * (source, idem_key) is already stored, stores nothing and returns the
 * first answer in *res (res->duplicate = 1). HS_EBUSY, HS_EFULL, HS_EROFS
 * or HS_EIO leave nothing written.
 */
enum hs_err hs_spool_put(struct hs_spool *sp, const struct hs_event *ev,
                         const char *const *sinks, size_t nsinks,
                         struct hs_put_result *res) HS_MUST_CHECK;
void hs_put_result_release(struct hs_put_result *res);

/*
 * One event of a batch (hs_spool_put_many): ev and sinks are borrowed for
 * the call; duplicate and event_id are what the call found.
 */
struct hs_put_item {
	struct hs_event ev;
	const char *const *sinks;
	size_t nsinks;
	int duplicate;		/* 1: (source, idem_key) was already stored */
	int64_t event_id;	/* the new event's id, or the stored one's */
};

/*
 * Stores items[0..n) in one transaction, each on its own: an item whose
 * (source, idem_key) is already stored, or appeared earlier in the same
 * batch, writes nothing and gets duplicate = 1 and the stored event's id;
 * every other item is inserted with one pending delivery per sink. Any
 * error rolls back the whole batch: nothing is written and every item's
 * duplicate and event_id are reset. n = 0 writes nothing and is HS_OK.
 */
enum hs_err hs_spool_put_many(struct hs_spool *sp, struct hs_put_item *items,
                              size_t n) HS_MUST_CHECK;

/*
 * Sliding-window rate limit shared by every process: records a hit for
 * client at now_ms unless it already has `limit` hits within window_ms.
 * *allowed is 0 when refused, with *retry_after_ms until a slot frees.
 */
enum hs_err hs_spool_client_hit(struct hs_spool *sp, const char *client,
                                int64_t now_ms, int64_t window_ms,
                                long limit, int *allowed,
                                int64_t *retry_after_ms) HS_MUST_CHECK;

struct hs_spool_health {
	int schema_version;
	int64_t events;
	int64_t pending, done, dead;
};

/* Read-only counts for /health; takes no writer lock. */
enum hs_err hs_spool_health(struct hs_spool *sp, struct hs_spool_health *h)
	HS_MUST_CHECK;

/* This module's configuration keys (core/config.h). */
extern const struct hs_conf_key hs_spool_keys[];

#endif
