/*
 * sinks/sql/odbc.c - the SQL sink's ODBC connection: connecting, preparing,
 * diagnostics, installed drivers (see sinks/sql/odbc.h; the writes are in
 * sinks/sql/write.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sql.h>
#include <sqlext.h>

#include "sinks/sql/odbc.h"
#include "sinks/sql/odbc_internal.h"
#include "sinks/sql/row.h"
#include "core/banned.h"

/* Diagnostics -------------------------------------------------------------- */

void
hs_sql_diag_from(SQLSMALLINT type, SQLHANDLE h, struct hs_sql_diag *dg,
                 const char *fallback)
{
	SQLCHAR state[6], msg[512];
	SQLINTEGER native;
	SQLSMALLINT len, i;
	int have = 0;

	memset(dg, 0, sizeof(*dg));
	for (i = 1; i <= 8 && h; i++) {
		if (!SQL_SUCCEEDED(SQLGetDiagRec(type, h, i, state, &native,
		    msg, sizeof(msg), &len)))
			break;
		if (have && strncmp((char *)state, "01", 2) == 0)
			continue;
		snprintf(dg->state, sizeof(dg->state), "%s", (char *)state);
		dg->native = (long)native;
		hs_sql_clean_msg((char *)msg, dg->msg, sizeof(dg->msg));
		if (strncmp((char *)state, "01", 2) != 0)
			break;
		have = 1;
	}
	if (!dg->msg[0])
		snprintf(dg->msg, sizeof(dg->msg), "%s", fallback);
	dg->cls = hs_sql_classify(dg->state, dg->native, dg->msg);
}

/* Connecting --------------------------------------------------------------- */

static void
info(SQLHDBC dbc, SQLUSMALLINT a, SQLUSMALLINT b, char *out, size_t n)
{
	SQLCHAR x[64] = "", y[32] = "";
	SQLSMALLINT len;

	if (!SQL_SUCCEEDED(SQLGetInfo(dbc, a, x, sizeof(x), &len)))
		x[0] = '\0';
	if (!SQL_SUCCEEDED(SQLGetInfo(dbc, b, y, sizeof(y), &len)))
		y[0] = '\0';
	snprintf(out, n, "%s%s%s", (char *)x, *y ? " " : "", (char *)y);
}

/*
 * Allocates the statements; each is prepared on its table's first rows
 * (hs_sql_db_prepare), so a database needs only the tables of the events
 * routed to it: one created before Webhook_Event existed keeps taking
 * ManyChat events.
 */
static enum hs_err
alloc_stmts(struct hs_sql_db *db, long timeout_s, struct hs_sql_diag *dg)
{
	SQLULEN got = 0;
	int i;

	for (i = 0; i < HS_SQL_NSTMT; i++) {
		if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, db->dbc,
		    &db->st[i]))) {
			db->st[i] = NULL;
			hs_sql_diag_from(SQL_HANDLE_DBC, db->dbc, dg, "cannot "
			    "allocate a statement");
			return HS_EIO;
		}
		if (timeout_s > 0)	/* best effort: not every driver has it */
			(void)SQLSetStmtAttr(db->st[i], SQL_ATTR_QUERY_TIMEOUT,
			    (SQLPOINTER)(SQLULEN)timeout_s, 0);
	}
	/* Arrays when the driver keeps a paramset size of 2 as asked. */
	if (db->arrays && (!SQL_SUCCEEDED(SQLSetStmtAttr(db->st[0],
	    SQL_ATTR_PARAMSET_SIZE, (SQLPOINTER)2, 0)) ||
	    !SQL_SUCCEEDED(SQLGetStmtAttr(db->st[0], SQL_ATTR_PARAMSET_SIZE,
	    &got, 0, NULL)) || got != 2))
		db->arrays = 0;
	(void)SQLSetStmtAttr(db->st[0], SQL_ATTR_PARAMSET_SIZE, (SQLPOINTER)1,
	    0);
	return HS_OK;
}

enum hs_err
hs_sql_db_prepare(struct hs_sql_db *db, int id, struct hs_sql_diag *dg)
{
	if (db->prepared[id])
		return HS_OK;
	if (!SQL_SUCCEEDED(SQLPrepare(db->st[id],
	    (SQLCHAR *)hs_sql_stmts[id].sql, SQL_NTS))) {
		hs_sql_diag_from(SQL_HANDLE_STMT, db->st[id], dg, "cannot "
		    "prepare a statement");
		(void)SQLFreeStmt(db->st[id], SQL_CLOSE);
		return HS_EIO;
	}
	db->prepared[id] = 1;
	return HS_OK;
}

enum hs_err
hs_sql_db_open(struct hs_sql_db **out, const char *cs,
               const struct hs_sql_db_opts *o, struct hs_sql_diag *dg)
{
	struct hs_sql_db *db;
	SQLRETURN r;
	enum hs_err rc = HS_EIO;

	*out = NULL;
	memset(dg, 0, sizeof(*dg));
	if (!(db = calloc(1, sizeof(*db))))
		return HS_ENOMEM;
	db->arrays = o->arrays;
	db->budget = o->bind_budget;
	if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE,
	    &db->env)) || !SQL_SUCCEEDED(SQLSetEnvAttr(db->env,
	    SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3, 0)) ||
	    !SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_DBC, db->env, &db->dbc))) {
		snprintf(dg->msg, sizeof(dg->msg), "cannot set up the ODBC "
		    "driver manager");
		dg->cls = HS_SQL_SETUP;
		goto out;
	}
	if (o->timeout_s > 0)
		(void)SQLSetConnectAttr(db->dbc, SQL_ATTR_LOGIN_TIMEOUT,
		    (SQLPOINTER)(SQLULEN)o->timeout_s, 0);
	r = SQLDriverConnect(db->dbc, NULL, (SQLCHAR *)cs, SQL_NTS, NULL, 0,
	    NULL, SQL_DRIVER_NOPROMPT);
	if (!SQL_SUCCEEDED(r)) {
		hs_sql_diag_from(SQL_HANDLE_DBC, db->dbc, dg, "cannot connect");
		if (dg->cls == HS_SQL_TRANSIENT && !dg->state[0])
			dg->cls = HS_SQL_CONNECTION;
		goto out;
	}
	db->connected = 1;
	if (!SQL_SUCCEEDED(SQLSetConnectAttr(db->dbc, SQL_ATTR_AUTOCOMMIT,
	    (SQLPOINTER)SQL_AUTOCOMMIT_OFF, 0))) {
		hs_sql_diag_from(SQL_HANDLE_DBC, db->dbc, dg, "cannot turn autocommit "
		    "off");
		goto out;
	}
	info(db->dbc, SQL_DBMS_NAME, SQL_DBMS_VER, db->dbms, sizeof(db->dbms));
	info(db->dbc, SQL_DRIVER_NAME, SQL_DRIVER_VER, db->driver,
	    sizeof(db->driver));
	db->wide = strstr(db->dbms, "SQL Server") != NULL;
	rc = alloc_stmts(db, o->timeout_s, dg);
out:
	if (rc == HS_OK)
		*out = db;
	else
		hs_sql_db_close(db);
	return rc;
}

void
hs_sql_db_close(struct hs_sql_db *db)
{
	int i;

	if (!db)
		return;
	for (i = 0; i < HS_SQL_NSTMT; i++)
		if (db->st[i])
			SQLFreeHandle(SQL_HANDLE_STMT, db->st[i]);
	if (db->connected) {
		(void)SQLEndTran(SQL_HANDLE_DBC, db->dbc, SQL_ROLLBACK);
		SQLDisconnect(db->dbc);
	}
	if (db->dbc)
		SQLFreeHandle(SQL_HANDLE_DBC, db->dbc);
	if (db->env)
		SQLFreeHandle(SQL_HANDLE_ENV, db->env);
	free(db->arena);
	free(db->status);
	free(db->op);
	free(db->unwritten);
	free(db->idx);
	free(db);
}

const char *
hs_sql_db_dbms(const struct hs_sql_db *db)
{
	return db->dbms;
}

const char *
hs_sql_db_driver(const struct hs_sql_db *db)
{
	return db->driver;
}

int
hs_sql_db_arrays(const struct hs_sql_db *db)
{
	return db->arrays;
}

int
hs_sql_driver_installed(const char *name, void *ctx)
{
	SQLCHAR desc[256], attr[1024];
	SQLSMALLINT dl, al;
	SQLUSMALLINT dir = SQL_FETCH_FIRST;
	SQLHENV env = NULL;
	int found = 0;

	(void)ctx;
	if (strchr(name, '/'))
		return access(name, R_OK) == 0;
	if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE,
	    &env)))
		return 0;
	if (SQL_SUCCEEDED(SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION,
	    (SQLPOINTER)SQL_OV_ODBC3, 0)))
		while (!found && SQL_SUCCEEDED(SQLDrivers(env, dir, desc,
		    sizeof(desc), &dl, attr, sizeof(attr), &al))) {
			found = strcasecmp((char *)desc, name) == 0;
			dir = SQL_FETCH_NEXT;
		}
	SQLFreeHandle(SQL_HANDLE_ENV, env);
	return found;
}
