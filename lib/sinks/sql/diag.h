/*
 * sinks/sql/diag.h - what an ODBC error means for a delivery.
 *
 * Drivers report the same situation differently (protocols.md §8.3): a
 * duplicate key is SQLSTATE 23505 from psqlODBC, 23000 with native 2627 or
 * 2601 from SQL Server, HY000/S1000 with native 19 and "UNIQUE constraint
 * failed" from sqliteodbc; a dropped connection is class 08 from some and a
 * bare HY000 "no connection to the server" from psqlODBC. One table-driven
 * classifier turns (SQLSTATE, native code, message) into the one decision
 * the sink needs, so the dialects' differences live here and are tested
 * here with the codes of each.
 */
#ifndef HS_SINKS_SQL_DIAG_H
#define HS_SINKS_SQL_DIAG_H

#include <stddef.h>

enum hs_sql_class {
	HS_SQL_TRANSIENT,	/* deadlock, timeout, busy, unknown: retry */
	HS_SQL_DUPLICATE,	/* the key is already there: done */
	HS_SQL_ROW,		/* this row's data breaks a constraint: dead */
	HS_SQL_CONNECTION,	/* connection lost or refused: reconnect */
	HS_SQL_AUTH,		/* credentials refused: stop the run */
	HS_SQL_SETUP,		/* no table, column or database */
	HS_SQL_DRIVER,		/* no such ODBC driver or DSN */
};

/* One ODBC diagnostic record, as the sink keeps it. */
struct hs_sql_diag {
	char state[6];		/* SQLSTATE, "" when none */
	long native;
	char msg[240];		/* the driver's message, one line */
	enum hs_sql_class cls;
};

enum hs_sql_class hs_sql_classify(const char *state, long native,
                                  const char *msg);

/*
 * Copies a driver's message into out (n bytes) as one line: the
 * "[unixODBC][Driver]" prefixes and everything from the first line break
 * on are dropped (PostgreSQL's DETAIL lines can quote a whole row).
 */
void hs_sql_clean_msg(const char *msg, char *out, size_t n);

/* "SQLSTATE 22001: value too long ..." into out. */
void hs_sql_diag_str(const struct hs_sql_diag *d, char *out, size_t n);

#endif
