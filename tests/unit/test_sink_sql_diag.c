/*
 * test_sink_sql_diag.c - the SQL sink's error classifier, table-driven with
 * what each driver reports (protocols.md §8.3, §8.4): SQL Server through
 * FreeTDS or Microsoft's driver (which CI cannot reach), psqlODBC and
 * sqliteodbc; and driver messages cut to one line without their prefixes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "sinks/sql/diag.h"

struct c {
	const char *state;
	long native;
	const char *msg;
	enum hs_sql_class want;
};

static void
check(const struct c *t, size_t n)
{
	size_t i;
	enum hs_sql_class got;

	for (i = 0; i < n; i++) {
		got = hs_sql_classify(t[i].state, t[i].native, t[i].msg);
		if (got != t[i].want)
			fail_msg("%s/%ld '%s': class %d, want %d", t[i].state,
			    t[i].native, t[i].msg, got, t[i].want);
	}
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void
duplicate_keys_are_recognised_for_each_driver(void **state)
{
	static const struct c t[] = {
		{ "23000", 2627, "Violation of PRIMARY KEY constraint "
		  "'PK_Contact'. Cannot insert duplicate key", HS_SQL_DUPLICATE },
		{ "23000", 2601, "Cannot insert duplicate key row in object "
		  "'dbo.Campaign_Contact' with unique index", HS_SQL_DUPLICATE },
		{ "23505", 1, "ERROR: duplicate key value violates unique "
		  "constraint \"contact_idem_key_key\"", HS_SQL_DUPLICATE },
		{ "HY000", 19, "UNIQUE constraint failed: Contact.idem_key (19)",
		  HS_SQL_DUPLICATE },
		{ "S1000", 19, "UNIQUE constraint failed: Campaign_Contact."
		  "idem_key", HS_SQL_DUPLICATE },
	};

	check(t, N(t));
}

static void
a_rows_bad_data_is_a_row_fault(void **state)
{
	static const struct c t[] = {
		{ "22001", 8152, "String or binary data would be truncated",
		  HS_SQL_ROW },
		{ "23000", 515, "Cannot insert the value NULL into column "
		  "'manychat_id'", HS_SQL_ROW },
		{ "23000", 547, "The INSERT statement conflicted with the CHECK "
		  "constraint", HS_SQL_ROW },
		{ "22001", 1, "ERROR: value too long for type character "
		  "varying(255)", HS_SQL_ROW },
		{ "22007", 1, "ERROR: invalid input syntax for type timestamp",
		  HS_SQL_ROW },
		{ "23514", 1, "ERROR: new row violates check constraint",
		  HS_SQL_ROW },
		{ "HY000", 19, "CHECK constraint failed: length(nombre_lead) <= "
		  "255 (19)", HS_SQL_ROW },
		{ "HY000", 19, "NOT NULL constraint failed: Contact.payload",
		  HS_SQL_ROW },
	};

	check(t, N(t));
}

static void
lost_or_refused_connections_are_connection_faults(void **state)
{
	static const struct c t[] = {
		{ "08001", 0, "could not connect to server: Connection refused",
		  HS_SQL_CONNECTION },
		{ "08S01", 0, "Communication link failure", HS_SQL_CONNECTION },
		{ "HY000", 35, "no connection to the server", HS_SQL_CONNECTION },
		{ "HY000", 27, "Could not send Query(connection dead)",
		  HS_SQL_CONNECTION },
		{ "57P01", 1, "FATAL: terminating connection due to "
		  "administrator command", HS_SQL_CONNECTION },
		{ "HY000", 40613, "Database 'db' on server 's' is not currently "
		  "available", HS_SQL_CONNECTION },
		{ "HYT01", 0, "Connection timeout expired", HS_SQL_CONNECTION },
	};

	check(t, N(t));
}

static void
credentials_setup_and_drivers_stop_the_run(void **state)
{
	static const struct c t[] = {
		{ "28000", 18456, "Login failed for user 'me'", HS_SQL_AUTH },
		{ "28P01", 1, "FATAL: password authentication failed for user",
		  HS_SQL_AUTH },
		{ "08001", 101, "FATAL: password authentication failed for user "
		  "\"hs_pg\"", HS_SQL_AUTH },
		{ "42S02", 208, "Invalid object name 'Contact'", HS_SQL_SETUP },
		{ "42P01", 1, "ERROR: relation \"contact\" does not exist",
		  HS_SQL_SETUP },
		{ "42703", 1, "ERROR: column \"payload\" does not exist",
		  HS_SQL_SETUP },
		{ "HY000", 1, "no such table: Contact (1)", HS_SQL_SETUP },
		{ "3D000", 1, "FATAL: database \"x\" does not exist",
		  HS_SQL_SETUP },
		{ "IM002", 0, "Data source name not found and no default driver "
		  "specified", HS_SQL_DRIVER },
		{ "01000", 0, "Can't open lib 'ODBC Driver 17 for SQL Server' : "
		  "file not found", HS_SQL_DRIVER },
	};

	check(t, N(t));
}

static void
deadlocks_timeouts_busy_and_unknowns_are_retried(void **state)
{
	static const struct c t[] = {
		{ "40001", 1205, "Transaction was deadlocked", HS_SQL_TRANSIENT },
		{ "40P01", 1, "ERROR: deadlock detected", HS_SQL_TRANSIENT },
		{ "HYT00", 0, "Query timeout expired", HS_SQL_TRANSIENT },
		{ "HY000", 5, "database is locked (5)", HS_SQL_TRANSIENT },
		{ "HY000", 99, "something nobody has seen", HS_SQL_TRANSIENT },
		{ "", 0, "", HS_SQL_TRANSIENT },
	};

	check(t, N(t));
}

static void
messages_lose_prefixes_and_detail_lines(void **state)
{
	char out[64];

	hs_sql_clean_msg("[unixODBC][PostgreSQL]ERROR: value too long;\n"
	    "DETAIL: Failing row contains (secret, data)", out, sizeof(out));
	assert_string_equal(out, "ERROR: value too long");
	hs_sql_clean_msg("[FreeTDS][SQL Server] Login failed", out, 12);
	assert_string_equal(out, "Login faile");
	hs_sql_clean_msg("plain", out, sizeof(out));
	assert_string_equal(out, "plain");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(duplicate_keys_are_recognised_for_each_driver),
		cmocka_unit_test(a_rows_bad_data_is_a_row_fault),
		cmocka_unit_test(lost_or_refused_connections_are_connection_faults),
		cmocka_unit_test(credentials_setup_and_drivers_stop_the_run),
		cmocka_unit_test(deadlocks_timeouts_busy_and_unknowns_are_retried),
		cmocka_unit_test(messages_lose_prefixes_and_detail_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
