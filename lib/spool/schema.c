/*
 * spool/schema.c - the spool's schema, as an ordered list of migrations.
 *
 * Migration i (from 0) brings the database from user_version i to i + 1.
 * Never edit a shipped migration: add the next one. Times are ISO-8601 UTC
 * text ("2026-11-23T10:30:18.123Z") so that sqlite3 shows them as they are
 * and text order is time order.
 */
#include <stddef.h>

#include "spool/internal.h"

static const char *const migrations[] = {
	/* 1: events, deliveries, rate buckets, client windows, metadata */
	"CREATE TABLE meta ("
	"  key   TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL"
	") WITHOUT ROWID;"
	"CREATE TABLE events ("
	"  id              INTEGER PRIMARY KEY,"
	"  source          TEXT NOT NULL,"
	"  kind            TEXT NOT NULL,"
	"  idem_key        TEXT NOT NULL,"
	"  entity_key      TEXT,"
	"  received_at     TEXT NOT NULL,"
	"  remote_addr     TEXT,"
	"  content_type    TEXT,"
	"  headers         TEXT NOT NULL DEFAULT '{}',"
	"  body            BLOB NOT NULL,"
	"  response_status INTEGER NOT NULL,"
	"  response_body   TEXT NOT NULL,"
	"  UNIQUE (source, idem_key)"
	");"
	"CREATE INDEX events_by_received_at ON events (received_at);"
	"CREATE INDEX events_by_entity ON events (entity_key);"
	"CREATE TABLE deliveries ("
	"  id              INTEGER PRIMARY KEY,"
	"  event_id        INTEGER NOT NULL"
	"                  REFERENCES events (id) ON DELETE CASCADE,"
	"  sink            TEXT NOT NULL,"
	"  state           TEXT NOT NULL DEFAULT 'pending'"
	"                  CHECK (state IN ('pending', 'done', 'dead')),"
	"  attempts        INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt_at TEXT NOT NULL,"
	"  created_at      TEXT NOT NULL,"
	"  updated_at      TEXT NOT NULL,"
	"  done_at         TEXT,"
	"  receipt         TEXT,"
	"  last_error      TEXT"
	");"
	"CREATE INDEX deliveries_due ON deliveries (sink, state, next_attempt_at);"
	"CREATE INDEX deliveries_by_event ON deliveries (event_id);"
	"CREATE INDEX deliveries_by_state ON deliveries (state);"
	"CREATE TABLE rate_buckets ("
	"  name       TEXT PRIMARY KEY,"
	"  tokens     REAL NOT NULL,"
	"  updated_ms INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"CREATE TABLE client_hits ("
	"  client TEXT NOT NULL,"
	"  at_ms  INTEGER NOT NULL"
	");"
	"CREATE INDEX client_hits_by_client ON client_hits (client, at_ms);"
	"CREATE INDEX client_hits_by_time ON client_hits (at_ms);"
	"INSERT INTO meta (key, value) VALUES"
	"  ('created_at', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));"
	"PRAGMA user_version = 1;",

	/*
	 * 2: the sync engine. A delivery carries its event's entity key so
	 * that per-key order is one indexed lookup; partial indexes keep the
	 * claim query proportional to what is pending, not to history.
	 */
	"ALTER TABLE deliveries ADD COLUMN entity_key TEXT;"
	"UPDATE deliveries SET entity_key ="
	"  (SELECT entity_key FROM events WHERE events.id = event_id);"
	"CREATE INDEX deliveries_pending_order ON deliveries (sink, id)"
	"  WHERE state = 'pending';"
	"CREATE INDEX deliveries_pending_by_key"
	"  ON deliveries (sink, entity_key, event_id) WHERE state = 'pending';"
	"CREATE UNIQUE INDEX deliveries_one_per_sink"
	"  ON deliveries (event_id, sink) WHERE state = 'pending';"
	"PRAGMA user_version = 2;",

	/*
	 * 3: the admin's view (spoolctl, sqlite3). history records who did
	 * what to an event by hand (retry, replay); the views answer "what
	 * is stuck, where, since when" without joins typed at a prompt.
	 * Ages in sink_health are computed at query time from 'now'.
	 */
	"CREATE TABLE history ("
	"  id       INTEGER PRIMARY KEY,"
	"  event_id INTEGER NOT NULL"
	"           REFERENCES events (id) ON DELETE CASCADE,"
	"  at       TEXT NOT NULL,"
	"  actor    TEXT NOT NULL,"
	"  action   TEXT NOT NULL,"
	"  detail   TEXT"
	");"
	"CREATE INDEX history_by_event ON history (event_id, id);"
	"CREATE VIEW pending AS"
	"  SELECT d.id AS delivery_id, d.event_id, d.sink, e.source, e.kind,"
	"   e.idem_key, e.entity_key, e.received_at, d.attempts,"
	"   d.next_attempt_at, d.last_error, d.created_at, d.updated_at"
	"  FROM deliveries d JOIN events e ON e.id = d.event_id"
	"  WHERE d.state = 'pending';"
	"CREATE VIEW dead AS"
	"  SELECT d.id AS delivery_id, d.event_id, d.sink, e.source, e.kind,"
	"   e.idem_key, e.entity_key, e.received_at, d.attempts,"
	"   d.updated_at AS dead_at, d.last_error"
	"  FROM deliveries d JOIN events e ON e.id = d.event_id"
	"  WHERE d.state = 'dead';"
	"CREATE VIEW sink_health AS"
	"  SELECT d.sink,"
	"   sum(d.state = 'pending') AS pending,"
	"   sum(d.state = 'done') AS done,"
	"   sum(d.state = 'dead') AS dead,"
	"   min(CASE WHEN d.state = 'pending' THEN d.created_at END)"
	"    AS oldest_pending_at,"
	"   CAST((julianday('now') - julianday(min(CASE WHEN"
	"    d.state = 'pending' THEN d.created_at END))) * 86400 AS INTEGER)"
	"    AS oldest_pending_age_s,"
	"   min(CASE WHEN d.state = 'pending' THEN d.next_attempt_at END)"
	"    AS next_attempt_at,"
	"   max(d.done_at) AS last_success_at,"
	"   max(CASE WHEN d.attempts > 0 THEN d.updated_at END) AS last_run_at,"
	"   (SELECT x.updated_at FROM deliveries x WHERE x.sink = d.sink"
	"    AND x.last_error IS NOT NULL ORDER BY x.updated_at DESC, x.id DESC"
	"    LIMIT 1) AS last_error_at,"
	"   (SELECT x.last_error FROM deliveries x WHERE x.sink = d.sink"
	"    AND x.last_error IS NOT NULL ORDER BY x.updated_at DESC, x.id DESC"
	"    LIMIT 1) AS last_error"
	"  FROM deliveries d GROUP BY d.sink;"
	"CREATE VIEW event_status AS"
	"  SELECT e.id, e.source, e.kind, e.idem_key, e.entity_key,"
	"   e.received_at, e.remote_addr, e.response_status,"
	"   length(e.body) AS body_bytes,"
	"   CASE WHEN EXISTS (SELECT 1 FROM deliveries d WHERE"
	"     d.event_id = e.id AND d.state = 'dead') THEN 'dead'"
	"    WHEN EXISTS (SELECT 1 FROM deliveries d WHERE"
	"     d.event_id = e.id AND d.state = 'pending') THEN 'pending'"
	"    WHEN EXISTS (SELECT 1 FROM deliveries d WHERE"
	"     d.event_id = e.id) THEN 'done'"
	"    ELSE 'stored' END AS status,"
	"   (SELECT group_concat(d.sink || ':' || d.state, ' ') FROM"
	"    deliveries d WHERE d.event_id = e.id) AS deliveries"
	"  FROM events e;"
	"PRAGMA user_version = 3;",

	/*
	 * 4: leases and progress. A handler attempts a chat delivery right
	 * after its answer while cron may run the same sink: whoever claims
	 * a delivery writes a lease (until when, and who) in the claiming
	 * transaction, and nobody else sends it before the lease ends, so a
	 * delivery is never sent twice by two racing processes. A handler
	 * that dies leaves a lease that simply runs out. progress counts the
	 * steps of a delivery already done (a greeting sent, the menu not
	 * yet), so a retry resumes instead of repeating them.
	 */
	"ALTER TABLE deliveries ADD COLUMN lease_until TEXT;"
	"ALTER TABLE deliveries ADD COLUMN lease_owner TEXT;"
	"ALTER TABLE deliveries ADD COLUMN progress INTEGER NOT NULL DEFAULT 0;"
	"PRAGMA user_version = 4;",
};

int
hs_spool_latest_version(void)
{
	return (int)(sizeof(migrations) / sizeof(migrations[0]));
}

const char *
spool_migration(int from_version)
{
	if (from_version < 0 || from_version >= hs_spool_latest_version())
		return NULL;
	return migrations[from_version];
}
