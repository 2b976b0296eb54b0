/*
 * sinks/sql/conn.h - ODBC connection strings for the SQL sink: what one names
 * (for logs and errors) and how a pair is written.
 *
 * The sink connects with SQLDriverConnect and nothing else, so every
 * configuration ends as one ODBC connection string (ODBC_CONNECTION_STRING
 * as written, or DATABASE_URL translated by sinks/sql/url.c; which one is
 * sinks/sql/setup.c's choice). String work, no ODBC call, so the unit tests
 * drive it directly. A description never includes a password.
 */
#ifndef HS_SINKS_SQL_CONN_H
#define HS_SINKS_SQL_CONN_H

#include <stddef.h>

#include "core/err.h"

struct hs_buf;

#define HS_SQL_CONN_MAX	4096	/* bytes of a connection string */

/* What a connection string points at; never a secret. "" when absent. */
struct hs_sql_target {
	char driver[160];	/* Driver= */
	char dsn[128];		/* DSN= or FILEDSN= */
	char server[256];	/* Server=, Servername=, Host= */
	char port[16];
	char database[160];	/* Database= */
	char user[128];		/* UID=, Username=, User= */
};

/*
 * Reads the keywords of connection string cs into *t. HS_ECONFIG (why set)
 * when a braced value is not closed or cs names neither a Driver nor a
 * DSN/FILEDSN; HS_OK otherwise.
 */
enum hs_err hs_sql_conn_describe(const char *cs, struct hs_sql_target *t,
                                 char *why, size_t whylen) HS_MUST_CHECK;

/*
 * Appends ";key=value" (no ';' before the first pair) to out, the value in
 * braces with '}' doubled when it holds ';', '{', '}' or a space
 * (protocols.md §8.2). HS_EINVAL for a key with characters other than
 * letters, digits, '_' and ' ', or a value with a NUL; HS_ETOOBIG past
 * out's cap.
 */
enum hs_err hs_sql_conn_add(struct hs_buf *out, const char *key,
                            const char *value) HS_MUST_CHECK;

#endif
