/*
 * sinks/sql/conn.c - ODBC connection strings: reading and writing them (see
 * sinks/sql/conn.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "sinks/sql/conn.h"
#include "core/banned.h"

#define PART_MAX	1024	/* one value, unbraced */

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
