/*
 * sinks/sql/diag.c - ODBC errors classified for the SQL sink (see
 * sinks/sql/diag.h).
 *
 * Rules are tried in order; the first match wins. SQL Server's native
 * numbers are matched only with a SQLSTATE (other drivers' native codes
 * are small numbers of their own), SQLite's outcomes by their fixed
 * message texts (sqliteodbc reports most of them as HY000).
 */
#include <stdio.h>
#include <string.h>

#include "sinks/sql/diag.h"
#include "core/banned.h"

struct rule {
	const char *state;	/* exact, "08*" a class, NULL any */
	long native;		/* 0: any */
	const char *msg;	/* substring, any case; NULL: any */
	enum hs_sql_class cls;
};

static const struct rule rules[] = {
	/* The key is already there: a retry after a crash, or a race. */
	{ "23505", 0, NULL, HS_SQL_DUPLICATE },			/* PostgreSQL */
	{ "23000", 2627, NULL, HS_SQL_DUPLICATE },		/* SQL Server */
	{ "23000", 2601, NULL, HS_SQL_DUPLICATE },
	{ NULL, 0, "UNIQUE constraint failed", HS_SQL_DUPLICATE }, /* SQLite */
	{ "23*", 0, "duplicate key", HS_SQL_DUPLICATE },
	/* Credentials. */
	{ "28*", 0, NULL, HS_SQL_AUTH },
	{ "42000", 18456, NULL, HS_SQL_AUTH },
	{ NULL, 0, "password authentication failed", HS_SQL_AUTH },
	{ NULL, 0, "Login failed for user", HS_SQL_AUTH },
	/* Setup: no driver, database, table or column. */
	{ "IM*", 0, NULL, HS_SQL_DRIVER },
	{ NULL, 0, "Can't open lib", HS_SQL_DRIVER },	/* unixODBC */
	{ NULL, 0, "Data source name not found", HS_SQL_DRIVER },
	{ "42S02", 0, NULL, HS_SQL_SETUP }, { "42S22", 0, NULL, HS_SQL_SETUP },
	{ "42P01", 0, NULL, HS_SQL_SETUP }, { "42703", 0, NULL, HS_SQL_SETUP },
	{ "3D000", 0, NULL, HS_SQL_SETUP }, { "42501", 0, NULL, HS_SQL_SETUP },
	{ "42000", 208, NULL, HS_SQL_SETUP }, { "42000", 207, NULL, HS_SQL_SETUP },
	{ "42000", 4060, NULL, HS_SQL_SETUP },
	{ NULL, 0, "no such table", HS_SQL_SETUP },
	{ NULL, 0, "no such column", HS_SQL_SETUP },
	{ NULL, 0, "unable to open database file", HS_SQL_SETUP },
	/* The connection went away or never came. */
	{ "08*", 0, NULL, HS_SQL_CONNECTION },
	{ "HYT01", 0, NULL, HS_SQL_CONNECTION },
	{ "57P01", 0, NULL, HS_SQL_CONNECTION },	/* admin shutdown */
	{ "57P02", 0, NULL, HS_SQL_CONNECTION },	/* crash shutdown */
	{ "57P03", 0, NULL, HS_SQL_CONNECTION },	/* cannot connect now */
	{ NULL, 0, "no connection to the server", HS_SQL_CONNECTION },
	{ NULL, 0, "connection dead", HS_SQL_CONNECTION },
	{ NULL, 0, "server closed the connection", HS_SQL_CONNECTION },
	{ NULL, 0, "could not send", HS_SQL_CONNECTION },
	{ NULL, 0, "Communication link failure", HS_SQL_CONNECTION },
	{ NULL, 0, "terminating connection", HS_SQL_CONNECTION },
	{ "HY000", 40613, NULL, HS_SQL_CONNECTION },	/* Azure: unavailable */
	{ "HY000", 40197, NULL, HS_SQL_CONNECTION },	/* Azure: failover */
	/* Worth a retry as it is. */
	{ "40*", 0, NULL, HS_SQL_TRANSIENT },		/* deadlock, serialization */
	{ "HYT00", 0, NULL, HS_SQL_TRANSIENT },
	{ "55P03", 0, NULL, HS_SQL_TRANSIENT },
	{ "53*", 0, NULL, HS_SQL_TRANSIENT },		/* out of resources */
	{ NULL, 0, "database is locked", HS_SQL_TRANSIENT },
	{ NULL, 0, "database table is locked", HS_SQL_TRANSIENT },
	/* This row's data: too long, wrong type, a NULL, a CHECK. */
	{ "22*", 0, NULL, HS_SQL_ROW },
	{ "23*", 0, NULL, HS_SQL_ROW },
	{ "44*", 0, NULL, HS_SQL_ROW },
	{ NULL, 0, "constraint failed", HS_SQL_ROW },	/* SQLite */
	{ NULL, 0, "datatype mismatch", HS_SQL_ROW },
	{ NULL, 0, "string or blob too big", HS_SQL_ROW },
};

static int
state_matches(const char *pattern, const char *state)
{
	size_t n = strlen(pattern);

	if (n && pattern[n - 1] == '*')
		return strncmp(pattern, state, n - 1) == 0;
	return strcmp(pattern, state) == 0;
}

enum hs_sql_class
hs_sql_classify(const char *state, long native, const char *msg)
{
	size_t i;
	const struct rule *r;

	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		r = &rules[i];
		if (r->state && !state_matches(r->state, state ? state : ""))
			continue;
		if (r->native && r->native != native)
			continue;
		if (r->msg && (!msg || !strcasestr(msg, r->msg)))
			continue;
		return r->cls;
	}
	return HS_SQL_TRANSIENT;
}

void
hs_sql_clean_msg(const char *msg, char *out, size_t n)
{
	size_t len;

	while (*msg == '[') {		/* "[unixODBC][PostgreSQL]..." */
		const char *end = strchr(msg, ']');

		if (!end)
			break;
		msg = end + 1;
	}
	while (*msg == ' ')
		msg++;
	len = strcspn(msg, "\r\n");
	while (len && (msg[len - 1] == ';' || msg[len - 1] == ' '))
		len--;
	snprintf(out, n, "%.*s", (int)len, msg);
}

void
hs_sql_diag_str(const struct hs_sql_diag *d, char *out, size_t n)
{
	if (d->state[0])
		snprintf(out, n, "SQLSTATE %s: %s", d->state, d->msg);
	else
		snprintf(out, n, "%s", d->msg[0] ? d->msg : "no diagnostic");
}
