/*
 * sinks/sql/odbc_internal.h - what sinks/sql/odbc.c (connection) and
 * sinks/sql/write.c (batched writes) share about one connection. Not for other
 * modules.
 */
#ifndef HS_SINKS_SQL_ODBC_INTERNAL_H
#define HS_SINKS_SQL_ODBC_INTERNAL_H

#include <stddef.h>

#include <sql.h>
#include <sqlext.h>

#include "sinks/sql/diag.h"
#include "sinks/sql/row.h"

struct hs_sql_db {
	SQLHENV env;
	SQLHDBC dbc;
	int connected;
	SQLHSTMT st[HS_SQL_NSTMT];
	unsigned char prepared[HS_SQL_NSTMT];
	int arrays, wide;	/* wide: NVARCHAR parameters (SQL Server) */
	size_t budget;
	char dbms[96], driver[96];
	/* one execution's bound values (sinks/sql/write.c) */
	unsigned char *arena;
	size_t arena_cap;
	SQLUSMALLINT *status, *op;	/* per row: outcome, proceed/ignore */
	unsigned char *unwritten;	/* per row: the insert wrote nothing */
	size_t *idx, idx_cap;	/* rows of the current execution */
	size_t k;		/* rows bound */
	size_t w[HS_SQL_NTEXT];	/* slot width per text column */
	char *val[HS_SQL_NTEXT];
	SQLLEN *ind[HS_SQL_NCOL];
	SQL_TIMESTAMP_STRUCT *ts[2];
};

/* Fills *dg from the handle's first record that is not a warning (01xxx),
 * else its first; fallback when it has none. Classifies it. */
void hs_sql_diag_from(SQLSMALLINT type, SQLHANDLE h, struct hs_sql_diag *dg,
                      const char *fallback);

/* Prepares hs_sql_stmts[id] on db->st[id] unless done: HS_OK, or HS_EIO
 * with *dg (a missing table is HS_SQL_SETUP). */
enum hs_err hs_sql_db_prepare(struct hs_sql_db *db, int id,
                              struct hs_sql_diag *dg) HS_MUST_CHECK;

#endif
