/*
 * sinks/sql/conn.c - ODBC connection strings: reading, writing, and the seed's
 * DATABASE_URL translated (see sinks/sql/conn.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/log.h"
#include "sinks/sql/conn.h"
#include "sinks/sql/url.h"
#include "core/banned.h"

#define PART_MAX	1024	/* one decoded URL part */

/* Reading a connection string ------------------------------------------- */

static void
put(char *dst, size_t n, const char *src, size_t len)
{
	if (len >= n)
		len = n - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

static int
key_is(const char *k, size_t n, const char *name)
{
	return strlen(name) == n && strncasecmp(k, name, n) == 0;
}

static void
note_pair(struct hs_sql_target *t, const char *k, size_t kn, const char *v,
          size_t vn)
{
	if (key_is(k, kn, "Driver"))
		put(t->driver, sizeof(t->driver), v, vn);
	else if (key_is(k, kn, "DSN") || key_is(k, kn, "FILEDSN"))
		put(t->dsn, sizeof(t->dsn), v, vn);
	else if (key_is(k, kn, "Server") || key_is(k, kn, "Servername") ||
	    key_is(k, kn, "Host") || key_is(k, kn, "Address"))
		put(t->server, sizeof(t->server), v, vn);
	else if (key_is(k, kn, "Port"))
		put(t->port, sizeof(t->port), v, vn);
	else if (key_is(k, kn, "Database"))
		put(t->database, sizeof(t->database), v, vn);
	else if (key_is(k, kn, "UID") || key_is(k, kn, "Username") ||
	    key_is(k, kn, "User"))
		put(t->user, sizeof(t->user), v, vn);
}

/* A braced value from p (at '{'): unescapes "}}" into val. NULL if open. */
static const char *
braced(const char *p, char *val, size_t n, size_t *len)
{
	size_t k = 0;

	for (p++; *p; p++) {
		if (*p == '}' && p[1] == '}')
			p++;
		else if (*p == '}')
			break;
		if (k + 1 < n)
			val[k++] = *p;
	}
	*len = k;
	return *p == '}' ? p + 1 : NULL;
}

enum hs_err
hs_sql_conn_describe(const char *cs, struct hs_sql_target *t, char *why,
                     size_t whylen)
{
	char val[PART_MAX];
	const char *p = cs, *k, *eq;
	size_t kn, vn;

	memset(t, 0, sizeof(*t));
	while (p && *p) {
		while (*p == ' ' || *p == ';')
			p++;
		k = p;
		p += strcspn(p, "=;");
		if (*p != '=')
			continue;	/* a word without a value */
		eq = p++;
		for (kn = (size_t)(eq - k); kn && k[kn - 1] == ' '; kn--)
			;
		while (*p == ' ')
			p++;
		if (*p == '{') {
			p = braced(p, val, sizeof(val), &vn);
			if (!p) {
				snprintf(why, whylen, "a value in braces after "
				    "'%.*s=' is not closed", (int)kn, k);
				return HS_ECONFIG;
			}
		} else {
			vn = strcspn(p, ";");
			put(val, sizeof(val), p, vn);
			vn = strlen(val);
			while (vn && val[vn - 1] == ' ')
				val[--vn] = '\0';
			p += strcspn(p, ";");
		}
		note_pair(t, k, kn, val, vn);
	}
	if (!*t->driver && !*t->dsn) {
		snprintf(why, whylen, "the connection string names neither "
		    "Driver= nor DSN=");
		return HS_ECONFIG;
	}
	return HS_OK;
}

/* Writing one ----------------------------------------------------------- */

/* Braces around names with spaces are the drivers' own convention
 * (Driver={ODBC Driver 18 for SQL Server}); ';', '{', '}' need them. */
static int
needs_braces(const char *v)
{
	return strpbrk(v, ";{} ") != NULL;
}

enum hs_err
hs_sql_conn_add(struct hs_buf *out, const char *key, const char *value)
{
	const char *p;
	enum hs_err rc;

	if (!*key)
		return HS_EINVAL;
	for (p = key; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != ' ')
			return HS_EINVAL;
	rc = hs_buf_addf(out, "%s%s=", out->len ? ";" : "", key);
	if (rc != HS_OK || !needs_braces(value))
		return rc == HS_OK ? hs_buf_adds(out, value) : rc;
	rc = hs_buf_add(out, "{", 1);
	for (p = value; *p && rc == HS_OK; p++) {
		rc = hs_buf_add(out, p, 1);
		if (rc == HS_OK && *p == '}')
			rc = hs_buf_add(out, "}", 1);	/* "}}" inside braces */
	}
	return rc == HS_OK ? hs_buf_add(out, "}", 1) : rc;
}

/* From the configuration ------------------------------------------------ */

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
hs_sql_conn_from_config(const struct hs_config *cfg,
                        const struct hs_sql_drivers *drivers, char **cs,
                        char *who, size_t wholen, char *why, size_t whylen)
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
