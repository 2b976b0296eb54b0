/*
 * sinks/sql/conn.h - ODBC connection strings for the SQL sink: what one names
 * (for logs and errors) and how a pair is written.
 *
 * The sink connects with SQLDriverConnect and nothing else, so every
 * configuration ends as one ODBC connection string (ODBC_CONNECTION_STRING
 * as written, or DATABASE_URL translated by sinks/sql/url.c). String work, no
 * ODBC call (which drivers are installed is asked through a callback), so
 * the unit tests drive it directly. A description never includes a
 * password.
 */
#ifndef HS_SINKS_SQL_CONN_H
#define HS_SINKS_SQL_CONN_H

#include <stddef.h>

#include "core/err.h"

struct hs_buf;
struct hs_config;
struct hs_sql_drivers;

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

/*
 * The connection string the configuration gives: ODBC_CONNECTION_STRING
 * as written, else DATABASE_URL translated (sinks/sql/url.h; drivers answers
 * which drivers are installed). *cs is the caller's to free: it holds the
 * password. who (wholen bytes) names the database for messages ("database
 * 'x' on host:port (driver 'y')"). Logs where the string came from and
 * which driver was chosen. HS_ECONFIG with why, or HS_ENOMEM.
 */
enum hs_err hs_sql_conn_from_config(const struct hs_config *cfg,
                                    const struct hs_sql_drivers *drivers,
                                    char **cs, char *who, size_t wholen,
                                    char *why, size_t whylen) HS_MUST_CHECK;

#endif
