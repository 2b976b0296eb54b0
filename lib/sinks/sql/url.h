/*
 * sinks/sql/url.h - the seed's DATABASE_URL translated into an ODBC connection
 * string, so a seed user's .env works unchanged.
 *
 * The seed's SQLAlchemy URL (mssql+pyodbc://user:pass@host:port/db?driver=
 * ODBC+Driver+17+for+SQL+Server) names Microsoft's driver, which Debian
 * does not ship. The translation picks a driver that is installed: the one
 * the URL names, else Microsoft's 18 or 17, else FreeTDS (Debian's
 * tdsodbc), with that driver's own keywords (FreeTDS: TDS 7.4, UTF-8,
 * encryption required). Whether a driver is installed is asked through a
 * callback, so this is a pure function the unit tests drive.
 */
#ifndef HS_SINKS_SQL_URL_H
#define HS_SINKS_SQL_URL_H

#include <stddef.h>

#include "core/err.h"

struct hs_buf;

/* Answers 1 when the ODBC driver called name is installed. */
struct hs_sql_drivers {
	int (*installed)(const char *name, void *ctx);
	void *ctx;
};

/*
 * Translates a SQLAlchemy database URL into an ODBC connection string,
 * appended to out (cap HS_SQL_CONN_MAX or less). Understands mssql[+…],
 * postgresql[+…] / postgres and sqlite[+…] URLs, the pyodbc DSN form
 * (mssql+pyodbc://user:pass@dsn) and ?odbc_connect=<encoded string>. note
 * (notelen bytes) tells which driver was chosen and why, for the log.
 * HS_ECONFIG with why for a URL it cannot use; never quotes a password.
 */
enum hs_err hs_sql_url_to_odbc(const char *url,
                               const struct hs_sql_drivers *drivers,
                               struct hs_buf *out, char *note, size_t notelen,
                               char *why, size_t whylen) HS_MUST_CHECK;

#endif
