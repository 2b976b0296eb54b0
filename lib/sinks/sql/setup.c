/*
 * sinks/sql/setup.c - the SQL sink's connection string from the
 * configuration (see sinks/sql/setup.h).
 *
 * Kept apart from sinks/sql/conn.c, the connection-string syntax that
 * sinks/sql/url.c writes with: this file uses both, so neither of them
 * needs the other's caller.
 */
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/log.h"
#include "sinks/sql/conn.h"
#include "sinks/sql/setup.h"
#include "sinks/sql/url.h"
#include "core/banned.h"

/* "database 'hookspool' on 127.0.0.1:5433 (driver 'PostgreSQL Unicode')" */
static void
fill_who(const struct hs_sql_target *t, char *who, size_t n)
{
	size_t l;

	snprintf(who, n, "%s'%s'", *t->dsn ? "DSN " : "database ",
	    *t->dsn ? t->dsn : *t->database ? t->database : "(default)");
	l = strlen(who);
	if (*t->server && l < n)
		snprintf(who + l, n - l, " on %s%s%s", t->server,
		    *t->port ? ":" : "", t->port);
	l = strlen(who);
	if (*t->driver && l < n)	/* a driver file by its name only */
		snprintf(who + l, n - l, " (driver '%s')",
		    strrchr(t->driver, '/') ? strrchr(t->driver, '/') + 1 :
		    t->driver);
}

static void
log_config(const char *source, const char *who, const char *note,
           const struct hs_sql_target *t)
{
	struct hs_logline l;

	hs_log_begin(&l, HS_LOG_INFO, "sql_config");
	hs_log_str(&l, "from", source);
	if (*t->driver)
		hs_log_str(&l, "driver", t->driver);
	if (*t->dsn)
		hs_log_str(&l, "dsn", t->dsn);
	hs_log_str(&l, "database", who);
	if (*note)
		hs_log_str(&l, "note", note);
	hs_log_end(&l);
}

enum hs_err
hs_sql_setup_cs(const struct hs_config *cfg,
                const struct hs_sql_drivers *drivers, char **cs, char *who,
                size_t wholen, char *why, size_t whylen)
{
	const char *odbc = hs_config_get(cfg, "ODBC_CONNECTION_STRING");
	const char *source = "ODBC_CONNECTION_STRING";
	struct hs_sql_target t;
	struct hs_buf b;
	char note[300] = "", err[200];
	enum hs_err rc;

	*cs = NULL;
	hs_buf_init(&b, HS_SQL_CONN_MAX);
	if (odbc && *odbc) {
		if (hs_config_has(cfg, "DATABASE_URL"))
			snprintf(note, sizeof(note), "DATABASE_URL is ignored: "
			    "ODBC_CONNECTION_STRING is set");
		rc = hs_buf_adds(&b, odbc);
	} else if (hs_config_has(cfg, "DATABASE_URL")) {
		source = "DATABASE_URL";
		rc = hs_sql_url_to_odbc(hs_config_get(cfg, "DATABASE_URL"),
		    drivers, &b, note, sizeof(note), why, whylen);
	} else {
		snprintf(why, whylen, "neither ODBC_CONNECTION_STRING nor "
		    "DATABASE_URL is set");
		rc = HS_ECONFIG;
	}
	if (rc == HS_ETOOBIG)
		snprintf(why, whylen, "%s is longer than %d bytes", source,
		    HS_SQL_CONN_MAX);
	if (rc == HS_OK && hs_sql_conn_describe(hs_buf_str(&b), &t, err,
	    sizeof(err)) != HS_OK) {
		snprintf(why, whylen, "%s: %s", source, err);
		rc = HS_ECONFIG;
	}
	if (rc == HS_OK && !(*cs = hs_buf_take(&b)))
		rc = HS_ENOMEM;
	if (rc == HS_OK) {
		fill_who(&t, who, wholen);
		log_config(source, who, note, &t);
	}
	if (b.data)
		memset(b.data, 0, b.len);	/* it may hold a password */
	hs_buf_release(&b);
	return rc == HS_OK || rc == HS_ENOMEM ? rc : HS_ECONFIG;
}
