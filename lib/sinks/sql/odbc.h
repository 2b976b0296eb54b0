/*
 * sinks/sql/odbc.h - one ODBC connection of the SQL sink, and batches of rows
 * written through it in one transaction.
 *
 * Autocommit is off; a batch is committed with SQLEndTran. The statements
 * of sinks/sql/row.h are prepared once per connection, when their table is
 * first written, and executed with
 * parameter arrays (column-wise binding, many rows per SQLExecute) when the
 * driver takes them, one row per SQLExecute otherwise: the same bound
 * buffers serve both. The buffers of one execution are bounded by
 * bind_budget, so a batch with one huge payload is split into more, smaller
 * executions rather than multiplying that payload's width by the batch.
 * Errors come back as a classified hs_sql_diag; what to do with them is the
 * sink's business (sinks/sql/sql.c).
 */
#ifndef HS_SINKS_SQL_ODBC_H
#define HS_SINKS_SQL_ODBC_H

#include <stddef.h>

#include "core/err.h"
#include "sinks/sql/diag.h"

struct hs_sql_db;
struct hs_sql_row;

struct hs_sql_db_opts {
	long timeout_s;		/* login and statement timeout; 0: driver's */
	int arrays;		/* 0: never use parameter arrays */
	size_t bind_budget;	/* bytes of bound values per execution */
};

/*
 * Connects with connection string cs; each statement is prepared when its
 * table is first written (so a missing table is reported then). HS_OK
 * with *out the caller's (hs_sql_db_close); HS_EIO with *dg set (and
 * classified: a refused password is HS_SQL_AUTH, a missing driver
 * HS_SQL_SETUP) and *out NULL; HS_ENOMEM.
 */
enum hs_err hs_sql_db_open(struct hs_sql_db **out, const char *cs,
                           const struct hs_sql_db_opts *o,
                           struct hs_sql_diag *dg) HS_MUST_CHECK;
void hs_sql_db_close(struct hs_sql_db *db);

/* "PostgreSQL 15.18", "psqlodbcw.so 13.02.0000": borrowed from db. */
const char *hs_sql_db_dbms(const struct hs_sql_db *db);
const char *hs_sql_db_driver(const struct hs_sql_db *db);
/* 1 when parameter arrays are used. */
int hs_sql_db_arrays(const struct hs_sql_db *db);

/*
 * Writes rows[0..n) (each with the statements of its table, in
 * hs_sql_stmts order) in one transaction. HS_OK once committed. HS_EIO
 * with *dg when any statement or the commit failed: the transaction is
 * then rolled back and none of it is kept (whether a failed COMMIT took
 * effect cannot be known; the statements are idempotent, so the caller
 * may write the rows again). HS_ENOMEM.
 */
enum hs_err hs_sql_db_write(struct hs_sql_db *db,
                            struct hs_sql_row *const *rows, size_t n,
                            struct hs_sql_diag *dg) HS_MUST_CHECK;

/* 1 when the driver manager knows a driver called name (odbcinst.ini,
 * honouring ODBCSYSINI), or name is a readable driver file. For
 * struct hs_sql_drivers. */
int hs_sql_driver_installed(const char *name, void *ctx);

#endif
