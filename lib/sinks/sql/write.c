/*
 * sinks/sql/write.c - rows written through one connection in one transaction
 * (hs_sql_db_write, see sinks/sql/odbc.h).
 *
 * One execution binds k rows of one table: for each text column a block of
 * k slots as wide as the widest of those values (plus a NUL), k length
 * indicators per column, and k timestamp structs per time column, all in
 * one arena kept with the connection. k is as many rows as fit bind_budget
 * (at least one). With parameter arrays a statement runs once over the k
 * rows; without, once per row with its parameters pointed at that row's
 * slots. A driver that reports a failed row only in the status array
 * (SQL Server carries on after one) is caught by reading that array.
 */
#include <stdlib.h>
#include <string.h>

#include "sinks/sql/odbc.h"
#include "sinks/sql/odbc_internal.h"
#include "sinks/sql/row.h"
#include "core/banned.h"

#define LONG_AFTER	4000	/* chars: bound as a LONG type beyond this */
#define TS_SIZE		sizeof(SQL_TIMESTAMP_STRUCT)
#define PER_ROW		(HS_SQL_NCOL * sizeof(SQLLEN) + 2 * TS_SIZE)

/*
 * The rows of table t from rows[*next] on that fit one execution: their
 * indices to db->idx[0..db->k), slot widths to db->w. *next moves past the
 * rows looked at.
 */
static void
pick(struct hs_sql_db *db, enum hs_sql_table t,
     struct hs_sql_row *const *rows, size_t n, size_t *next)
{
	size_t w[HS_SQL_NTEXT], c, i, sum;

	db->k = 0;
	for (c = 0; c < HS_SQL_NTEXT; c++)
		db->w[c] = 1;
	for (i = *next; i < n; i++) {
		if (rows[i]->table != t)
			continue;
		sum = PER_ROW;
		for (c = 0; c < HS_SQL_NTEXT; c++) {
			w[c] = rows[i]->len[c] + 1;
			if (w[c] < db->w[c])
				w[c] = db->w[c];
			sum += w[c];
		}
		if (db->k > 0 && (db->k + 1) > db->budget / sum)
			break;
		memcpy(db->w, w, sizeof(w));
		db->idx[db->k++] = i;
	}
	*next = i;
}

static enum hs_err
layout(struct hs_sql_db *db)
{
	size_t k = db->k, need = k * PER_ROW, c, off = 0;
	void *p;

	for (c = 0; c < HS_SQL_NTEXT; c++)
		need += k * db->w[c];
	if (need > db->arena_cap) {
		if (!(p = realloc(db->arena, need)))
			return HS_ENOMEM;
		db->arena = p;
		db->arena_cap = need;
	}
	if (!(p = realloc(db->status, k * sizeof(*db->status))))
		return HS_ENOMEM;
	db->status = p;
	if (!(p = realloc(db->op, k * sizeof(*db->op))))
		return HS_ENOMEM;
	db->op = p;
	if (!(p = realloc(db->unwritten, k)))
		return HS_ENOMEM;
	db->unwritten = p;
	memset(db->unwritten, 1, k);
	/* SQLLEN first, then the structs, then bytes: all aligned. */
	for (c = 0; c < HS_SQL_NCOL; c++, off += k * sizeof(SQLLEN))
		db->ind[c] = (SQLLEN *)(void *)(db->arena + off);
	for (c = 0; c < 2; c++, off += k * TS_SIZE)
		db->ts[c] = (SQL_TIMESTAMP_STRUCT *)(void *)(db->arena + off);
	for (c = 0; c < HS_SQL_NTEXT; c++) {
		db->val[c] = (char *)db->arena + off;
		off += k * db->w[c];
	}
	return HS_OK;
}

static void
fill(struct hs_sql_db *db, struct hs_sql_row *const *rows)
{
	const struct hs_sql_row *row;
	struct hs_sql_time t;
	SQL_TIMESTAMP_STRUCT *ts;
	size_t r, c, i;
	char *slot;

	for (r = 0; r < db->k; r++) {
		row = rows[db->idx[r]];
		for (c = 0; c < HS_SQL_NTEXT; c++) {
			slot = db->val[c] + r * db->w[c];
			db->ind[c][r] = row->text[c] ? (SQLLEN)row->len[c] :
			    SQL_NULL_DATA;
			if (row->text[c])
				memcpy(slot, row->text[c], row->len[c]);
			slot[row->text[c] ? row->len[c] : 0] = '\0';
		}
		for (i = 0; i < 2; i++) {
			hs_sql_time_split(row->at_ms[i], &t);
			ts = &db->ts[i][r];
			ts->year = (SQLSMALLINT)t.year;
			ts->month = (SQLUSMALLINT)t.month;
			ts->day = (SQLUSMALLINT)t.day;
			ts->hour = (SQLUSMALLINT)t.hour;
			ts->minute = (SQLUSMALLINT)t.minute;
			ts->second = (SQLUSMALLINT)t.second;
			ts->fraction = (SQLUINTEGER)(t.ms * 1000000L);
			db->ind[HS_SQL_EVENT_AT + i][r] = 0;
		}
	}
}

static SQLSMALLINT
sql_type(const struct hs_sql_db *db, size_t c)
{
	int lng = c == HS_SQL_PAYLOAD || db->w[c] - 1 > LONG_AFTER;

	if (db->wide)
		return lng ? SQL_WLONGVARCHAR : SQL_WVARCHAR;
	return lng ? SQL_LONGVARCHAR : SQL_VARCHAR;
}

/* Points statement h's parameters at row r's slots. */
static SQLRETURN
bind(struct hs_sql_db *db, SQLHSTMT h, const struct hs_sql_stmt *s, size_t r)
{
	SQLRETURN ret = SQL_SUCCESS;
	size_t p, c;

	for (p = 0; p < s->nparam && SQL_SUCCEEDED(ret); p++) {
		c = s->param[p];
		if (c >= HS_SQL_NTEXT)
			ret = SQLBindParameter(h, (SQLUSMALLINT)(p + 1),
			    SQL_PARAM_INPUT, SQL_C_TYPE_TIMESTAMP,
			    SQL_TYPE_TIMESTAMP, 23, 3,
			    &db->ts[c - HS_SQL_EVENT_AT][r], TS_SIZE,
			    &db->ind[c][r]);
		else
			ret = SQLBindParameter(h, (SQLUSMALLINT)(p + 1),
			    SQL_PARAM_INPUT, SQL_C_CHAR, sql_type(db, c),
			    db->w[c] > 1 ? db->w[c] - 1 : 1, 0,
			    db->val[c] + r * db->w[c], (SQLLEN)db->w[c],
			    &db->ind[c][r]);
	}
	return ret;
}

static int
a_row_failed(const struct hs_sql_db *db, size_t k)
{
	size_t i;

	for (i = 0; i < k; i++)
		if (db->status[i] == SQL_PARAM_ERROR)
			return 1;
	return 0;
}

/*
 * Notes which rows of the execution that started at row r0 wrote nothing.
 * Without arrays SQLRowCount is that row's. With arrays a driver that
 * counts per row (psqlODBC) has one result per row, read in turn with
 * SQLMoreResults; one that sums them (sqliteodbc) has one result, which
 * tells only whether every row was written. Anything else: unknown, so
 * every row counts as unwritten (the later statement then runs for all).
 */
static void
note_written(struct hs_sql_db *db, SQLHSTMT h, size_t r0, size_t step,
             SQLRETURN ret)
{
	SQLLEN c = 0, first = -1;
	size_t n = 0;

	if (step == 1) {
		db->unwritten[r0] = ret == SQL_NO_DATA ||
		    !SQL_SUCCEEDED(SQLRowCount(h, &c)) || c <= 0;
		return;
	}
	do {
		if (!SQL_SUCCEEDED(SQLRowCount(h, &c)))
			break;
		if (n == 0)
			first = c;
		if (n < step)
			db->unwritten[n] = c <= 0;
		n++;
	} while (SQL_SUCCEEDED(SQLMoreResults(h)));
	if (n != step)
		memset(db->unwritten, !(n == 1 && first == (SQLLEN)step), step);
	(void)SQLFreeStmt(h, SQL_CLOSE);
}

/* For an unwritten_only statement: 0 when no row needs it. Sets op[]. */
static int
select_rows(struct hs_sql_db *db)
{
	size_t r, n = 0;

	for (r = 0; r < db->k; r++) {
		db->op[r] = db->unwritten[r] ? SQL_PARAM_PROCEED :
		    SQL_PARAM_IGNORE;
		n += db->unwritten[r];
	}
	return n > 0;
}

static enum hs_err
execute(struct hs_sql_db *db, int id, struct hs_sql_diag *dg)
{
	const struct hs_sql_stmt *s = &hs_sql_stmts[id];
	SQLHSTMT h = db->st[id];
	size_t r, i, step = db->arrays ? db->k : 1;
	SQLRETURN ret;

	if (s->unwritten_only && !select_rows(db))
		return HS_OK;
	if (hs_sql_db_prepare(db, id, dg) != HS_OK)
		return HS_EIO;
	for (r = 0; r < db->k; r += step) {
		if (s->unwritten_only && step == 1 && !db->unwritten[r])
			continue;
		for (i = 0; i < step; i++)
			db->status[i] = SQL_PARAM_UNUSED;
		ret = SQLSetStmtAttr(h, SQL_ATTR_PARAMSET_SIZE,
		    (SQLPOINTER)(SQLULEN)step, 0);
		if (SQL_SUCCEEDED(ret))
			ret = SQLSetStmtAttr(h, SQL_ATTR_PARAM_STATUS_PTR,
			    db->status, 0);
		/* Rows to skip: a driver that ignores this runs them all,
		 * which changes nothing (the statement is idempotent). */
		if (SQL_SUCCEEDED(ret) && step > 1)
			(void)SQLSetStmtAttr(h, SQL_ATTR_PARAM_OPERATION_PTR,
			    s->unwritten_only ? db->op : NULL, 0);
		if (SQL_SUCCEEDED(ret))
			ret = bind(db, h, s, r);
		if (SQL_SUCCEEDED(ret))
			ret = SQLExecute(h);
		if ((SQL_SUCCEEDED(ret) || ret == SQL_NO_DATA) &&
		    !a_row_failed(db, step)) {
			if (!s->unwritten_only)
				note_written(db, h, r, step, ret);
			else	/* drop any per-row results unread */
				(void)SQLFreeStmt(h, SQL_CLOSE);
			continue;
		}
		hs_sql_diag_from(SQL_HANDLE_STMT, h, dg, "a statement failed "
		    "without a diagnostic");
		(void)SQLFreeStmt(h, SQL_CLOSE);
		return HS_EIO;
	}
	return HS_OK;
}

static enum hs_err
write_table(struct hs_sql_db *db, enum hs_sql_table t,
            struct hs_sql_row *const *rows, size_t n, struct hs_sql_diag *dg)
{
	size_t next = 0;
	enum hs_err rc = HS_OK;
	int id;

	while (rc == HS_OK && next < n) {
		pick(db, t, rows, n, &next);
		if (db->k == 0)
			break;
		rc = layout(db);
		if (rc == HS_OK)
			fill(db, rows);
		for (id = 0; id < HS_SQL_NSTMT && rc == HS_OK; id++)
			if (hs_sql_stmts[id].table == t)
				rc = execute(db, id, dg);
	}
	return rc;
}

enum hs_err
hs_sql_db_write(struct hs_sql_db *db, struct hs_sql_row *const *rows,
                size_t n, struct hs_sql_diag *dg)
{
	enum hs_err rc = HS_OK;
	void *p;

	memset(dg, 0, sizeof(*dg));
	if (n > db->idx_cap) {
		if (!(p = realloc(db->idx, n * sizeof(*db->idx))))
			return HS_ENOMEM;
		db->idx = p;
		db->idx_cap = n;
	}
	rc = write_table(db, HS_SQL_CAMPAIGN, rows, n, dg);
	if (rc == HS_OK)
		rc = write_table(db, HS_SQL_CONTACT, rows, n, dg);
	if (rc == HS_OK)
		rc = write_table(db, HS_SQL_EVENT, rows, n, dg);
	if (rc == HS_OK && !SQL_SUCCEEDED(SQLEndTran(SQL_HANDLE_DBC, db->dbc,
	    SQL_COMMIT))) {
		hs_sql_diag_from(SQL_HANDLE_DBC, db->dbc, dg, "commit failed");
		rc = HS_EIO;
	}
	if (rc != HS_OK)
		(void)SQLEndTran(SQL_HANDLE_DBC, db->dbc, SQL_ROLLBACK);
	return rc;
}
