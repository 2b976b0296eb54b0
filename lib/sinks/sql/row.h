/*
 * sinks/sql/row.h - one spooled event as the row the SQL sink writes, and the
 * statements that write it.
 *
 * A ManyChat contact event becomes a row of Contact, a campaign-assignment
 * event a row of Campaign_Contact (the seed's dbo.Contact and
 * dbo.Campaign_Contact), with the seed payload's fields as columns. Every
 * other event (a signed webhook, any source or kind ROUTES sends here)
 * becomes a row of Webhook_Event: source, kind, entity key and the raw
 * payload, so routing any event to SQL keeps it whole without a table per
 * kind. sql/schema/ has the three tables for T-SQL, PostgreSQL and SQLite.
 * Every row carries the idempotency key, the receive time and the raw
 * payload. Values are pointers into the parsed body or the delivery, never
 * copied; they reach the database only as bound parameters: the statement
 * texts below are constants with '?' markers.
 *
 * Writing is idempotent and order-free:
 *   Campaign_Contact  INSERT ... SELECT ... WHERE NOT EXISTS (same idem_key)
 *   Webhook_Event     the same on (source, idem_key), the spool's own key
 *   Contact           the same on manychat_id, then an UPDATE that applies
 *                     only when the event is later than the row's, by
 *                     (event_at, received_at, idem_key): the latest event
 *                     wins whatever order events arrive or are retried in.
 *                     The UPDATE is skipped for rows the INSERT wrote when
 *                     the driver reports row counts per row; running it
 *                     anyway would change nothing, only cost time.
 */
#ifndef HS_SINKS_SQL_ROW_H
#define HS_SINKS_SQL_ROW_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct hs_delivery;
struct json_object;

enum hs_sql_table { HS_SQL_CONTACT, HS_SQL_CAMPAIGN, HS_SQL_EVENT };

/* Text columns first; the two times last. */
enum hs_sql_col {
	HS_SQL_KEY, HS_SQL_MID, HS_SQL_NOMBRE, HS_SQL_FIRST, HS_SQL_LAST,
	HS_SQL_SUBID, HS_SQL_ESTADO, HS_SQL_PHONE, HS_SQL_EMAIL,
	HS_SQL_CAMPAIGN_ID, HS_SQL_COMERCIAL, HS_SQL_TIPO, HS_SQL_SOURCE,
	HS_SQL_KIND, HS_SQL_ENTITY, HS_SQL_PAYLOAD,
	HS_SQL_EVENT_AT, HS_SQL_RECV_AT,
	HS_SQL_NCOL
};
#define HS_SQL_NTEXT	HS_SQL_EVENT_AT	/* columns that are text */

struct hs_sql_row {
	enum hs_sql_table table;
	const char *text[HS_SQL_NTEXT];	/* NULL: SQL NULL. Borrowed */
	size_t len[HS_SQL_NTEXT];
	int64_t at_ms[2];		/* event_at, received_at: UTC ms */
	struct json_object *doc;	/* owns the strings in text[]; NULL
					 * for Webhook_Event (not parsed) */
};

/* UTC broken down for SQL_TIMESTAMP_STRUCT. */
struct hs_sql_time {
	int year, month, day, hour, minute, second;
	long ms;
};

/*
 * Fills *row from d (whose body must outlive the row). HS_OK, or
 * HS_EINVAL with why when the event cannot be a row whatever the database
 * (a ManyChat event whose body is not a JSON object or lacks manychat_id
 * or campaign_id, a receive time that is not a time): it goes dead.
 * Call hs_sql_row_release() after either.
 */
enum hs_err hs_sql_row_from(struct hs_sql_row *row, const struct hs_delivery *d,
                            char *why, size_t whylen) HS_MUST_CHECK;
void hs_sql_row_release(struct hs_sql_row *row);

void hs_sql_time_split(int64_t ms, struct hs_sql_time *t);

/* The table's name as the statements spell it. */
const char *hs_sql_table_name(enum hs_sql_table t);

enum hs_sql_stmt_id {
	HS_SQL_INSERT_CAMPAIGN, HS_SQL_INSERT_CONTACT, HS_SQL_UPDATE_CONTACT,
	HS_SQL_INSERT_EVENT, HS_SQL_NSTMT
};

struct hs_sql_stmt {
	enum hs_sql_table table;
	const char *sql;
	size_t nparam;
	const enum hs_sql_col *param;	/* the column bound to each '?' */
	/* 1: runs only for the rows the table's insert did not write (its
	 * row count 0), when the driver tells; for every row otherwise. */
	int unwritten_only;
};

/* Indexed by enum hs_sql_stmt_id; a table's statements run in this order. */
extern const struct hs_sql_stmt hs_sql_stmts[HS_SQL_NSTMT];

#endif
