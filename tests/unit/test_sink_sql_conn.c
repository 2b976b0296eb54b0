/*
 * test_sink_sql_conn.c - ODBC connection strings (what one names, how a
 * pair is written) and the seed's DATABASE_URL translated for the drivers
 * that are or are not installed (protocols.md §8.2).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/buf.h"
#include "sinks/sql/conn.h"
#include "sinks/sql/url.h"

/* The drivers a test machine "has": a space-separated list of names. */
static int
has(const char *name, void *ctx)
{
	const char *const *list = ctx;

	for (; *list; list++)
		if (strcmp(*list, name) == 0)
			return 1;
	return 0;
}

static const char *const tds_only[] = { "FreeTDS", "PostgreSQL Unicode",
	"SQLite3", NULL };
static const char *const ms17[] = { "ODBC Driver 17 for SQL Server",
	"FreeTDS", NULL };
static const char *const none[] = { NULL };

static char out_cs[4096], out_note[300];

/* Translates url with the given drivers; fails the test on refusal. */
static const char *
url_ok(const char *url, const char *const *drivers)
{
	struct hs_sql_drivers d = { has, (void *)drivers };
	struct hs_buf b;
	char why[200] = "";

	hs_buf_init(&b, HS_SQL_CONN_MAX);
	if (hs_sql_url_to_odbc(url, &d, &b, out_note, sizeof(out_note), why,
	    sizeof(why)) != HS_OK)
		fail_msg("refused '%s': %s", url, why);
	snprintf(out_cs, sizeof(out_cs), "%s", hs_buf_str(&b));
	hs_buf_release(&b);
	return out_cs;
}

static void
url_refused(const char *url, const char *reason)
{
	struct hs_sql_drivers d = { has, (void *)tds_only };
	struct hs_buf b;
	char why[200] = "", note[100];

	hs_buf_init(&b, HS_SQL_CONN_MAX);
	assert_int_equal(hs_sql_url_to_odbc(url, &d, &b, note, sizeof(note),
	    why, sizeof(why)), HS_ECONFIG);
	hs_buf_release(&b);
	if (!strstr(why, reason))
		fail_msg("'%s': reason '%s' lacks '%s'", url, why, reason);
	assert_null(strstr(why, "s3cret"));
}

static void
seed_url_falls_back_to_freetds_when_microsofts_driver_is_missing(void **state)
{
	const char *cs = url_ok("mssql+pyodbc://usuario:s3cret@servidor.database."
	    "windows.net:1433/basedatos?driver=ODBC+Driver+17+for+SQL+Server",
	    tds_only);

	assert_string_equal(cs, "Driver=FreeTDS;Server=servidor.database."
	    "windows.net;Port=1433;Database=basedatos;UID=usuario;PWD=s3cret;"
	    "TDS_Version=7.4;ClientCharset=UTF-8;Encryption=require");
	assert_non_null(strstr(out_note, "'FreeTDS'"));
	assert_non_null(strstr(out_note, "ODBC Driver 17 for SQL Server"));
	assert_non_null(strstr(out_note, "not installed"));
	assert_null(strstr(out_note, "s3cret"));
}

static void
seed_url_keeps_microsofts_driver_when_installed(void **state)
{
	const char *cs = url_ok("mssql+pyodbc://u:s3cret@srv:1444/db?driver="
	    "ODBC+Driver+17+for+SQL+Server&Encrypt=yes&"
	    "TrustServerCertificate=no", ms17);

	assert_string_equal(cs, "Driver={ODBC Driver 17 for SQL Server};"
	    "Server=tcp:srv,1444;Database=db;UID=u;PWD=s3cret;Encrypt=yes;"
	    "TrustServerCertificate=no");
	assert_non_null(strstr(out_note, "as DATABASE_URL names"));
}

static void
freetds_maps_encrypt_and_drops_microsoft_only_keywords(void **state)
{
	const char *cs = url_ok("mssql+pyodbc://u:p@h/db?driver=FreeTDS&"
	    "Encrypt=no&TrustServerCertificate=yes&Timeout=5", tds_only);

	assert_string_equal(cs, "Driver=FreeTDS;Server=h;Port=1433;Database=db;"
	    "UID=u;PWD=p;TDS_Version=7.4;ClientCharset=UTF-8;"
	    "Encryption=request;Timeout=5");
}

static void
percent_encoded_user_and_password_are_decoded_and_braced(void **state)
{
	const char *cs = url_ok("mssql+pyodbc://me%40srv:p%3Bw%7Dd%40x@h:1433/"
	    "db?driver=FreeTDS", tds_only);

	assert_non_null(strstr(cs, ";UID=me@srv;"));
	assert_non_null(strstr(cs, ";PWD={p;w}}d@x};"));
}

static void
no_driver_named_picks_the_first_installed(void **state)
{
	assert_string_equal(url_ok("mssql://u:p@h/db", ms17),
	    "Driver={ODBC Driver 17 for SQL Server};Server=tcp:h,1433;"
	    "Database=db;UID=u;PWD=p");
	assert_non_null(strstr(out_note, "DATABASE_URL names none"));
	url_ok("mssql+pyodbc://u:p@h:1433/db", none);
	assert_non_null(strstr(out_note, "no driver for this database is "
	    "installed"));
}

static void
pyodbc_dsn_form_and_odbc_connect_are_understood(void **state)
{
	assert_string_equal(url_ok("mssql+pyodbc://u:p@mydsn", tds_only),
	    "DSN=mydsn;UID=u;PWD=p");
	assert_string_equal(url_ok("mssql+pyodbc:///?odbc_connect=Driver%3D"
	    "FreeTDS%3BServer%3Dh%3BPWD%3D%7Bx%3By%7D", tds_only),
	    "Driver=FreeTDS;Server=h;PWD={x;y}");
}

static void
postgresql_and_sqlite_urls_are_translated(void **state)
{
	assert_string_equal(url_ok("postgresql://hs:pw@127.0.0.1:5433/hook?"
	    "sslmode=disable", tds_only), "Driver={PostgreSQL Unicode};"
	    "Servername=127.0.0.1;Port=5433;Database=hook;Username=hs;"
	    "Password=pw;sslmode=disable");
	assert_string_equal(url_ok("postgresql+psycopg2://hs@[::1]/hook",
	    tds_only), "Driver={PostgreSQL Unicode};Servername=::1;Port=5432;"
	    "Database=hook;Username=hs");
	assert_string_equal(url_ok("sqlite:////var/lib/x.db", tds_only),
	    "Driver=SQLite3;Database=/var/lib/x.db");
	assert_string_equal(url_ok("sqlite:///rel.db", tds_only),
	    "Driver=SQLite3;Database=rel.db");
}

static void
unusable_urls_are_refused_with_a_reason_and_no_password(void **state)
{
	url_refused("mysql://u:s3cret@h/db", "must start with");
	url_refused("mssql+pyodbc://u:s3cret@h:14x3/db", "not a valid URL");
	url_refused("mssql+pyodbc://u:s3cret%zz@h/db", "not a valid URL");
	url_refused("mssql+pyodbc://u:s3cret%00@h/db", "not a valid URL");
	url_refused("mssql+pyodbc://u:s3cret@/", "names no host");
	url_refused("sqlite://", "names no database file");
	url_refused("mssql+pyodbc://u:s3cret@h/db?driver=FreeTDS&a%3Bb=1",
	    "query parameter 2");
}

static void
describe_names_driver_server_and_database_never_the_password(void **state)
{
	struct hs_sql_target t;
	char why[100];

	assert_int_equal(hs_sql_conn_describe("Driver={ODBC Driver 18 for SQL "
	    "Server};Server=tcp:s.database.windows.net,1433;Database=db;"
	    "Uid=me;Pwd={a;b}}c};Encrypt=yes", &t, why, sizeof(why)), HS_OK);
	assert_string_equal(t.driver, "ODBC Driver 18 for SQL Server");
	assert_string_equal(t.server, "tcp:s.database.windows.net,1433");
	assert_string_equal(t.database, "db");
	assert_string_equal(t.user, "me");
	assert_int_equal(hs_sql_conn_describe(" dsn = prod ; UID=x", &t, why,
	    sizeof(why)), HS_OK);
	assert_string_equal(t.dsn, "prod");
	assert_int_equal(hs_sql_conn_describe("Driver=/usr/lib/x/psqlodbcw.so;"
	    "Servername=127.0.0.1;Port=5433;Username=hs;Password=x", &t, why,
	    sizeof(why)), HS_OK);
	assert_string_equal(t.server, "127.0.0.1");
	assert_string_equal(t.port, "5433");
	assert_string_equal(t.user, "hs");
}

static void
describe_refuses_no_driver_and_open_braces(void **state)
{
	struct hs_sql_target t;
	char why[100];

	assert_int_equal(hs_sql_conn_describe("Server=h;Database=d", &t, why,
	    sizeof(why)), HS_ECONFIG);
	assert_non_null(strstr(why, "neither Driver= nor DSN="));
	assert_int_equal(hs_sql_conn_describe("Driver=FreeTDS;PWD={abc", &t,
	    why, sizeof(why)), HS_ECONFIG);
	assert_non_null(strstr(why, "not closed"));
	assert_null(strstr(why, "abc"));
}

static void
add_braces_only_what_needs_it_and_refuses_bad_keys(void **state)
{
	struct hs_buf b;

	hs_buf_init(&b, 200);
	assert_int_equal(hs_sql_conn_add(&b, "Driver", "SQLite3"), HS_OK);
	assert_int_equal(hs_sql_conn_add(&b, "PWD", " x}"), HS_OK);
	assert_int_equal(hs_sql_conn_add(&b, "Database", "a=b"), HS_OK);
	assert_string_equal(hs_buf_str(&b), "Driver=SQLite3;PWD={ x}}};"
	    "Database=a=b");
	assert_int_equal(hs_sql_conn_add(&b, "a;b", "x"), HS_EINVAL);
	assert_int_equal(hs_sql_conn_add(&b, "", "x"), HS_EINVAL);
	hs_buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(seed_url_falls_back_to_freetds_when_microsofts_driver_is_missing),
		cmocka_unit_test(seed_url_keeps_microsofts_driver_when_installed),
		cmocka_unit_test(freetds_maps_encrypt_and_drops_microsoft_only_keywords),
		cmocka_unit_test(percent_encoded_user_and_password_are_decoded_and_braced),
		cmocka_unit_test(no_driver_named_picks_the_first_installed),
		cmocka_unit_test(pyodbc_dsn_form_and_odbc_connect_are_understood),
		cmocka_unit_test(postgresql_and_sqlite_urls_are_translated),
		cmocka_unit_test(unusable_urls_are_refused_with_a_reason_and_no_password),
		cmocka_unit_test(describe_names_driver_server_and_database_never_the_password),
		cmocka_unit_test(describe_refuses_no_driver_and_open_braces),
		cmocka_unit_test(add_braces_only_what_needs_it_and_refuses_bad_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
