/*
 * sinks/sql/url.c - the seed's DATABASE_URL as an ODBC connection string (see
 * sinks/sql/url.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "sinks/sql/conn.h"
#include "sinks/sql/url.h"
#include "core/crypto.h"
#include "core/banned.h"

#define PART_MAX	1024	/* one decoded URL part */

static void
put(char *dst, size_t n, const char *src, size_t len)
{
	if (len >= n)
		len = n - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

enum family { F_MSSQL, F_PG, F_SQLITE };

struct url {
	enum family fam;
	char user[256], pass[PART_MAX], host[256], port[8], db[PART_MAX];
	const char *query;	/* after '?' (raw), or NULL */
};

/* Percent-decodes s[0..n) into out; '+' is a space when plus. -1 on a bad
 * escape, an encoded NUL or no room. */
static int
decode(const char *s, size_t n, char *out, size_t outlen, int plus)
{
	size_t i, k = 0;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if (k + 1 >= outlen)
			return -1;
		if (s[i] == '%') {
			if (i + 2 >= n)
				return -1;
			hi = hs_hex_digit((unsigned char)s[i + 1]);
			lo = hs_hex_digit((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return -1;
			out[k++] = (char)(hi * 16 + lo);
			i += 2;
		} else
			out[k++] = plus && s[i] == '+' ? ' ' : s[i];
	}
	out[k] = '\0';
	return 0;
}

static int
family_of(const char *s, size_t n, enum family *f)
{
	size_t base = strcspn(s, "+");

	if (base > n)
		base = n;
	if (base == 5 && strncasecmp(s, "mssql", 5) == 0)
		*f = F_MSSQL;
	else if ((base == 10 && strncasecmp(s, "postgresql", 10) == 0) ||
	    (base == 8 && strncasecmp(s, "postgres", 8) == 0))
		*f = F_PG;
	else if (base == 6 && strncasecmp(s, "sqlite", 6) == 0)
		*f = F_SQLITE;
	else
		return -1;
	return 0;
}

/* user[:pass]@host[:port] in a[0..n) */
static int
parse_authority(const char *a, size_t n, struct url *u)
{
	const char *at = NULL, *p, *c, *h, *end = a + n;

	for (p = a; p < end; p++)
		if (*p == '@')
			at = p;
	if (at) {
		c = memchr(a, ':', (size_t)(at - a));
		if (decode(a, (size_t)((c ? c : at) - a), u->user,
		    sizeof(u->user), 0) ||
		    (c && decode(c + 1, (size_t)(at - c - 1), u->pass,
		    sizeof(u->pass), 0)))
			return -1;
		a = at + 1;
	}
	h = a;
	if (*a == '[') {		/* [v6]:port */
		p = memchr(a, ']', (size_t)(end - a));
		if (!p || (p + 1 < end && p[1] != ':'))
			return -1;
		c = p + 1 < end ? p + 1 : NULL;
		h = a + 1;
		end = c ? end : p + 1;
		if (decode(h, (size_t)(p - h), u->host, sizeof(u->host), 0))
			return -1;
	} else {
		c = memchr(a, ':', (size_t)(end - a));
		if (decode(h, (size_t)((c ? c : end) - h), u->host,
		    sizeof(u->host), 0))
			return -1;
	}
	if (!c)
		return 0;
	if (end == c + 1 || (size_t)(end - c - 1) >= sizeof(u->port))
		return -1;
	for (p = c + 1; p < end; p++)
		if (!isdigit((unsigned char)*p))
			return -1;
	put(u->port, sizeof(u->port), c + 1, (size_t)(end - c - 1));
	return 0;
}

static enum hs_err
parse_url(const char *url, struct url *u, char *why, size_t whylen)
{
	const char *sep = strstr(url, "://"), *auth, *aend, *q;

	memset(u, 0, sizeof(*u));
	if (!sep || family_of(url, (size_t)(sep - url), &u->fam)) {
		snprintf(why, whylen, "DATABASE_URL must start with mssql+pyodbc"
		    "://, postgresql:// or sqlite:///");
		return HS_ECONFIG;
	}
	auth = sep + 3;
	aend = auth + strcspn(auth, "/?");
	q = strchr(aend, '?');
	u->query = q ? q + 1 : NULL;
	if (parse_authority(auth, (size_t)(aend - auth), u) ||
	    (*aend == '/' && decode(aend + 1, strcspn(aend + 1, "?"), u->db,
	    sizeof(u->db), 0))) {
		snprintf(why, whylen, "DATABASE_URL is not a valid URL (user, "
		    "password, host, port or database; encode special "
		    "characters as %%XX)");
		return HS_ECONFIG;
	}
	return HS_OK;
}

/*
 * The query parameter at index i (0, 1, ...): decoded key and value.
 * 0 past the end, -1 on a bad escape.
 */
static int
query_at(const char *q, int i, char *k, size_t kn, char *v, size_t vn)
{
	const char *p = q, *eq, *end;

	for (; p && *p; i--) {
		end = p + strcspn(p, "&");
		if (i == 0) {
			eq = memchr(p, '=', (size_t)(end - p));
			if (decode(p, (size_t)((eq ? eq : end) - p), k, kn, 1) ||
			    decode(eq ? eq + 1 : end, eq ?
			    (size_t)(end - eq - 1) : 0, v, vn, 1))
				return -1;
			return 1;
		}
		p = *end ? end + 1 : NULL;
	}
	return 0;
}

/* The value of query parameter key (any case) into v; 1 when present. */
static int
query_get(const char *q, const char *key, char *v, size_t vn)
{
	char k[64];
	int i, r;

	for (i = 0; (r = query_at(q, i, k, sizeof(k), v, vn)) != 0; i++)
		if (r > 0 && strcasecmp(k, key) == 0)
			return 1;
	*v = '\0';
	return 0;
}

/* Building the connection string ---------------------------------------- */

static int
installed(const struct hs_sql_drivers *d, const char *name)
{
	return d && d->installed && d->installed(name, d->ctx);
}

static int
is_freetds(const char *driver)
{
	return strcasestr(driver, "freetds") || strstr(driver, "tdsodbc");
}

/* Copies the query's parameters except the skipped ones (NULL-ended). */
static enum hs_err
pass_through(const struct url *u, const char *const *skip, struct hs_buf *out,
             char *why, size_t whylen)
{
	char k[64], v[PART_MAX];
	enum hs_err rc = HS_OK;
	int i, r, j, skipped;

	for (i = 0; rc == HS_OK &&
	    (r = query_at(u->query, i, k, sizeof(k), v, sizeof(v))) != 0; i++) {
		for (j = 0, skipped = 0; r > 0 && skip[j]; j++)
			skipped |= strcasecmp(k, skip[j]) == 0;
		if (r > 0 && skipped)
			continue;
		rc = r < 0 ? HS_EINVAL : hs_sql_conn_add(out, k, v);
		if (rc == HS_EINVAL)
			snprintf(why, whylen, "DATABASE_URL: query parameter "
			    "%d is not a connection keyword=value", i + 1);
	}
	return rc == HS_EINVAL ? HS_ECONFIG : rc;
}

/* The first installed of want (if any) and the defaults; note says so. */
static void
choose(const struct hs_sql_drivers *d, const char *want,
       const char *const *defaults, char *driver, size_t n, char *note,
       size_t notelen)
{
	size_t i;

	if (*want && installed(d, want)) {
		snprintf(driver, n, "%s", want);
		snprintf(note, notelen, "driver '%s', as DATABASE_URL names",
		    want);
		return;
	}
	for (i = 0; defaults[i] && !installed(d, defaults[i]); i++)
		;
	snprintf(driver, n, "%s", *want ? want : defaults[0]);
	if (defaults[i])
		snprintf(driver, n, "%s", defaults[i]);
	if (defaults[i] && *want)
		snprintf(note, notelen, "driver '%s' (DATABASE_URL names '%s', "
		    "which is not installed)", driver, want);
	else if (defaults[i])
		snprintf(note, notelen, "driver '%s' (installed; DATABASE_URL "
		    "names none)", driver);
	else
		snprintf(note, notelen, "driver '%s', but no driver for this "
		    "database is installed ('odbcinst -q -d' lists them)", driver);
}

static enum hs_err
add_all(struct hs_buf *out, const char *const *kv)
{
	enum hs_err rc = HS_OK;
	size_t i;

	for (i = 0; kv[i] && rc == HS_OK; i += 2)
		if (kv[i + 1] && *kv[i + 1])
			rc = hs_sql_conn_add(out, kv[i], kv[i + 1]);
	return rc;
}

static enum hs_err
build_mssql(const struct url *u, const char *driver, struct hs_buf *out,
            char *why, size_t whylen)
{
	static const char *const tds_skip[] = {
		"driver", "odbc_connect", "encrypt", "trustservercertificate",
		NULL
	};
	static const char *const ms_skip[] = { "driver", "odbc_connect", NULL };
	char server[300], enc[16];
	const char *encryption = "require";
	enum hs_err rc;

	if (is_freetds(driver)) {
		if (query_get(u->query, "encrypt", enc, sizeof(enc)) &&
		    (!strcasecmp(enc, "no") || !strcasecmp(enc, "false") ||
		    !strcasecmp(enc, "optional")))
			encryption = "request";
		rc = add_all(out, (const char *const[]){ "Driver", driver,
		    "Server", u->host, "Port", *u->port ? u->port : "1433",
		    "Database", u->db, "UID", u->user, "PWD", u->pass,
		    "TDS_Version", "7.4", "ClientCharset", "UTF-8",
		    "Encryption", encryption, NULL });
		return rc == HS_OK ? pass_through(u, tds_skip, out, why, whylen) :
		    rc;
	}
	snprintf(server, sizeof(server), "tcp:%s,%s", u->host,
	    *u->port ? u->port : "1433");
	rc = add_all(out, (const char *const[]){ "Driver", driver,
	    "Server", server, "Database", u->db, "UID", u->user,
	    "PWD", u->pass, NULL });
	return rc == HS_OK ? pass_through(u, ms_skip, out, why, whylen) : rc;
}

static enum hs_err
translate(const struct url *u, const struct hs_sql_drivers *d,
          struct hs_buf *out, char *note, size_t notelen, char *why,
          size_t whylen)
{
	static const char *const mssql[] = {
		"ODBC Driver 18 for SQL Server", "ODBC Driver 17 for SQL Server",
		"FreeTDS", NULL
	};
	static const char *const pg[] = {
		"PostgreSQL Unicode", "PostgreSQL ANSI", NULL
	};
	static const char *const sqlite[] = { "SQLite3", NULL };
	static const char *const skip[] = { "driver", "odbc_connect", NULL };
	char want[256], driver[256];
	enum hs_err rc;

	query_get(u->query, "driver", want, sizeof(want));
	if (u->fam == F_MSSQL && !*want && !*u->port && !*u->db && *u->host) {
		snprintf(note, notelen, "DSN '%s' (the pyodbc DSN form)",
		    u->host);
		rc = add_all(out, (const char *const[]){ "DSN", u->host,
		    "UID", u->user, "PWD", u->pass, NULL });
		return rc == HS_OK ? pass_through(u, skip, out, why, whylen) : rc;
	}
	choose(d, want, u->fam == F_MSSQL ? mssql : u->fam == F_PG ? pg :
	    sqlite, driver, sizeof(driver), note, notelen);
	if (u->fam == F_MSSQL)
		return build_mssql(u, driver, out, why, whylen);
	if (u->fam == F_PG)
		rc = add_all(out, (const char *const[]){ "Driver", driver,
		    "Servername", *u->host ? u->host : "localhost",
		    "Port", *u->port ? u->port : "5432", "Database", u->db,
		    "Username", u->user, "Password", u->pass, NULL });
	else
		rc = add_all(out, (const char *const[]){ "Driver", driver,
		    "Database", u->db, NULL });
	return rc == HS_OK ? pass_through(u, skip, out, why, whylen) : rc;
}

enum hs_err
hs_sql_url_to_odbc(const char *url, const struct hs_sql_drivers *drivers,
                   struct hs_buf *out, char *note, size_t notelen, char *why,
                   size_t whylen)
{
	char raw[HS_SQL_CONN_MAX];
	struct url u;
	enum hs_err rc;

	*note = '\0';
	rc = parse_url(url, &u, why, whylen);
	if (rc != HS_OK)
		return rc;
	if (query_get(u.query, "odbc_connect", raw, sizeof(raw))) {
		snprintf(note, notelen, "the connection string in DATABASE_URL's "
		    "odbc_connect");
		rc = hs_buf_adds(out, raw);
	} else if (u.fam != F_SQLITE && !*u.host && !*u.db) {
		snprintf(why, whylen, "DATABASE_URL names no host");
		return HS_ECONFIG;
	} else if (u.fam == F_SQLITE && !*u.db) {
		snprintf(why, whylen, "DATABASE_URL names no database file "
		    "(sqlite:///relative/path or sqlite:////absolute/path)");
		return HS_ECONFIG;
	} else
		rc = translate(&u, drivers, out, note, notelen, why, whylen);
	if (rc == HS_ETOOBIG || rc == HS_EINVAL) {
		snprintf(why, whylen, "DATABASE_URL: %s", rc == HS_ETOOBIG ?
		    "the connection string would be too long" :
		    "a value holds a character ODBC cannot carry");
		rc = HS_ECONFIG;
	}
	return rc;
}
