/*
 * test_sink_sql.c - the sql sink against a real SQLite database through
 * unixODBC and the SQLite ODBC driver (libsqliteodbc), registered for this
 * process only by an odbcinst.ini in a temporary ODBCSYSINI: rows and their
 * columns, idempotent rewrites, the latest contact event winning in any
 * order, a poisoned row dead alone with the driver's message (with and
 * without parameter arrays), every other event a Webhook_Event row written
 * once, events that cannot be rows, and setup errors (no tables, no
 * driver, settings naming no driver) stopping the run, while a database
 * without Webhook_Event keeps taking ManyChat events. The tables come from
 * the shipped sql/schema/sqlite.sql.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glob.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "core/config.h"
#include "core/log.h"
#include "sinks/sink.h"
#include "sinks/sql/sql.h"

static char dir[64], db_path[128], driver[256], logfile[128];

static int
setup_group(void **state)
{
	glob_t g;
	FILE *f;

	if (glob("/usr/lib/*/odbc/libsqlite3odbc.so", 0, NULL, &g) != 0) {
		fprintf(stderr, "libsqlite3odbc.so not found: apt-get install "
		    "libsqliteodbc (make deps)\n");
		return -1;
	}
	snprintf(driver, sizeof(driver), "%s", g.gl_pathv[0]);
	globfree(&g);
	snprintf(dir, sizeof(dir), "/tmp/hs-sqlunit.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(db_path, sizeof(db_path), "%s/dest.db", dir);
	snprintf(logfile, sizeof(logfile), "%s/log", dir);
	{
		char ini[128];

		snprintf(ini, sizeof(ini), "%s/odbcinst.ini", dir);
		if (!(f = fopen(ini, "w")))
			return -1;
		fprintf(f, "[SQLite3]\nDescription=test\nDriver=%s\n", driver);
		fclose(f);
	}
	setenv("ODBCSYSINI", dir, 1);
	return 0;
}

static int
teardown_group(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A fresh database with the shipped schema (or none). */
static void
fresh_db(int with_schema)
{
	sqlite3 *db;
	FILE *f;
	char *sql = calloc(1, 1 << 16), *err = NULL;
	size_t n;

	unlink(db_path);
	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	if (with_schema) {
		f = fopen("sql/schema/sqlite.sql", "r");
		if (!f)
			fail_msg("run from the repository root: "
			    "sql/schema/sqlite.sql not found");
		n = fread(sql, 1, (1 << 16) - 1, f);
		fclose(f);
		sql[n] = '\0';
		if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
			fail_msg("schema: %s", err);
	}
	sqlite3_close(db);
	free(sql);
}

/* The first column of the first row, as text ("NULL", "none"). */
static const char *
q(const char *sql)
{
	static char out[4096];
	sqlite3 *db;
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	snprintf(out, sizeof(out), "none");
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(out, sizeof(out), "%s",
		    sqlite3_column_type(st, 0) == SQLITE_NULL ? "NULL" :
		    (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out;
}

static struct hs_delivery
dl(int64_t id, const char *kind, const char *key, const char *body,
   const char *received)
{
	struct hs_delivery d;

	memset(&d, 0, sizeof(d));
	d.id = id;
	d.event_id = id;
	d.source = "manychat";
	d.kind = kind;
	d.idem_key = key;
	d.received_at = received;
	d.body = body;
	d.body_len = strlen(body);
	return d;
}

static struct hs_config *
conf(const char *extra)
{
	struct hs_config *c = NULL;
	char text[1024];

	snprintf(text, sizeof(text), "ODBC_CONNECTION_STRING=Driver=SQLite3;"
	    "Database=%s;Timeout=5000\n%s", db_path, extra ? extra : "");
	assert_int_equal(hs_config_parse(&c, text, "test"), HS_OK);
	return c;
}

/* Opens the sink with extra config, delivers in[0..n), closes. */
static enum hs_err
deliver(const char *extra, const struct hs_delivery *in, size_t n,
        struct hs_outcome *out, char *why, size_t whylen)
{
	struct hs_config *c = conf(extra);
	struct hs_sink *s = NULL;
	enum hs_err rc;
	size_t i;

	for (i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].kind = HS_OUT_RETRY;
		snprintf(out[i].error, sizeof(out[i].error), "not sent");
	}
	why[0] = '\0';
	rc = hs_sink_sql.open(&s, c, why, whylen);
	if (rc == HS_OK) {
		rc = hs_sink_sql.deliver(s, in, n, 0, out, why, whylen);
		hs_sink_sql.close(s);
	}
	hs_config_free(c);
	return rc;
}

static void
deliver_ok(const char *extra, const struct hs_delivery *in, size_t n,
           struct hs_outcome *out)
{
	char why[512];

	if (deliver(extra, in, n, out, why, sizeof(why)) != HS_OK)
		fail_msg("deliver: %s", why);
}

#define CONTACT(id, dt, name) "{\"manychat_id\":\"" id "\",\"nombre_lead\":\"" \
	name "\",\"datetime_actual\":\"" dt "\",\"ultimo_estado\":\"Nuevo\"," \
	"\"id\":1234567890,\"first_name\":\"Test\",\"last_name\":\"Data\"," \
	"\"phone\":\"+56912345678\",\"email\":\"t@example.com\"}"
#define CAMPAIGN(id, camp) "{\"manychat_id\":\"" id "\",\"campaign_id\":\"" \
	camp "\",\"comercial_id\":7,\"datetime_actual\":" \
	"\"2025-06-05T12:45:00-04:00\",\"ultimo_estado\":\"Asignado\"," \
	"\"tipo_asignacion\":\"Automatica\"}"
#define RECV "2026-11-23T10:30:18.123Z"

static void
contacts_and_campaigns_become_rows_with_their_fields(void **state)
{
	struct hs_delivery in[3] = {
		dl(1, "contact", "k-c1", CONTACT("m1", "2025-06-05T12:41:36Z",
		    "José Ñúñez"), RECV),
		dl(2, "campaign", "k-a1", CAMPAIGN("m1", "CAMP-1"), RECV),
		dl(3, "contact", "k-c2", "{\"manychat_id\":42}", RECV),
	};
	struct hs_outcome out[3];
	size_t i;

	fresh_db(1);
	deliver_ok(NULL, in, 3, out);
	for (i = 0; i < 3; i++)
		assert_int_equal(out[i].kind, HS_OUT_DONE);
	assert_string_equal(out[0].receipt, "Contact");
	assert_string_equal(out[1].receipt, "Campaign_Contact");
	assert_string_equal(q("SELECT idem_key || '|' || nombre_lead || '|' || "
	    "first_name || '|' || last_name || '|' || subscriber_id || '|' || "
	    "ultimo_estado || '|' || phone || '|' || email || '|' || event_at "
	    "|| '|' || received_at FROM Contact WHERE manychat_id = 'm1'"),
	    "k-c1|José Ñúñez|Test|Data|1234567890|Nuevo|+56912345678|"
	    "t@example.com|2025-06-05 12:41:36.000|2026-11-23 10:30:18.123");
	assert_string_equal(q("SELECT payload FROM Contact WHERE manychat_id "
	    "= 'm1'"), in[0].body);
	/* No datetime_actual: the event time is the receive time. */
	assert_string_equal(q("SELECT event_at || '|' || coalesce(nombre_lead, "
	    "'NULL') FROM Contact WHERE manychat_id = '42'"),
	    "2026-11-23 10:30:18.123|NULL");
	/* The offset is applied: 12:45 at -04:00 is 16:45 UTC. */
	assert_string_equal(q("SELECT idem_key || '|' || manychat_id || '|' || "
	    "campaign_id || '|' || comercial_id || '|' || ultimo_estado || '|' "
	    "|| tipo_asignacion || '|' || event_at FROM Campaign_Contact"),
	    "k-a1|m1|CAMP-1|7|Asignado|Automatica|2025-06-05 16:45:00.000");
}

static void
a_repeated_batch_adds_and_changes_nothing(void **state)
{
	struct hs_delivery in[2] = {
		dl(1, "contact", "k-c1", CONTACT("m1", "2025-06-05T12:00:00Z",
		    "A"), RECV),
		dl(2, "campaign", "k-a1", CAMPAIGN("m1", "CAMP-1"), RECV),
	};
	struct hs_outcome out[2];

	fresh_db(1);
	deliver_ok(NULL, in, 2, out);
	deliver_ok(NULL, in, 2, out);
	deliver_ok("SQL_PARAM_ARRAYS=false\n", in, 2, out);
	assert_int_equal(out[0].kind, HS_OUT_DONE);
	assert_int_equal(out[1].kind, HS_OUT_DONE);
	assert_string_equal(q("SELECT count(*) FROM Contact"), "1");
	assert_string_equal(q("SELECT count(*) FROM Campaign_Contact"), "1");
}

static void
the_latest_contact_event_wins_in_any_order(void **state)
{
	struct hs_delivery late = dl(2, "contact", "k-late",
	    CONTACT("m1", "2025-06-05T13:00:00Z", "Late"), RECV);
	struct hs_delivery early = dl(1, "contact", "k-early",
	    CONTACT("m1", "2025-06-05T12:00:00Z", "Early"), RECV);
	struct hs_delivery both[2] = { late, early }, back[2] = { early, late };
	struct hs_outcome out[2];

	fresh_db(1);
	deliver_ok(NULL, &late, 1, out);
	deliver_ok(NULL, &early, 1, out);	/* older, arrives later */
	assert_int_equal(out[0].kind, HS_OUT_DONE);
	assert_string_equal(q("SELECT nombre_lead || '|' || idem_key FROM "
	    "Contact"), "Late|k-late");
	fresh_db(1);
	deliver_ok(NULL, both, 2, out);		/* one batch, newest first */
	assert_string_equal(q("SELECT nombre_lead FROM Contact"), "Late");
	fresh_db(1);
	deliver_ok("SQL_PARAM_ARRAYS=false\n", back, 2, out);
	assert_string_equal(q("SELECT nombre_lead FROM Contact"), "Late");
	assert_string_equal(q("SELECT count(*) FROM Contact"), "1");
}

static void
poisoned_row_goes_dead_alone(const char *extra)
{
	static char poison[600];
	struct hs_delivery in[9];
	struct hs_outcome out[9];
	char keys[9][16], ids[9][16], bodies[9][256];
	size_t i;

	snprintf(poison, sizeof(poison), "{\"manychat_id\":\"bad\","
	    "\"nombre_lead\":\"%0300d\"}", 0);
	for (i = 0; i < 9; i++) {
		snprintf(keys[i], sizeof(keys[i]), "k-%zu", i);
		snprintf(ids[i], sizeof(ids[i]), "m%zu", i);
		snprintf(bodies[i], sizeof(bodies[i]), "{\"manychat_id\":\"%s\"}",
		    ids[i]);
		in[i] = dl((int64_t)i + 1, i % 3 ? "contact" : "campaign",
		    keys[i], bodies[i], RECV);
	}
	for (i = 0; i < 9; i += 3)	/* campaigns need a campaign_id */
		snprintf(bodies[i], sizeof(bodies[i]), "{\"manychat_id\":"
		    "\"%s\",\"campaign_id\":\"c\"}", ids[i]);
	for (i = 0; i < 9; i++)
		in[i].body_len = strlen(bodies[i]);
	in[5] = dl(6, "contact", "k-5", poison, RECV);
	fresh_db(1);
	deliver_ok(extra, in, 9, out);
	for (i = 0; i < 9; i++)
		if (i != 5 && out[i].kind != HS_OUT_DONE)
			fail_msg("row %zu: kind %d: %s", i, out[i].kind,
			    out[i].error);
	assert_int_equal(out[5].kind, HS_OUT_DEAD);
	if (!strstr(out[5].error, "Contact: ") ||
	    !strstr(out[5].error, "CHECK constraint failed"))
		fail_msg("error: %s", out[5].error);
	assert_string_equal(q("SELECT count(*) FROM Contact"), "5");
	assert_string_equal(q("SELECT count(*) FROM Campaign_Contact"), "3");
	assert_string_equal(q("SELECT count(*) FROM Contact WHERE manychat_id "
	    "= 'bad'"), "0");
}

static void
a_poisoned_row_goes_dead_alone_with_parameter_arrays(void **state)
{
	poisoned_row_goes_dead_alone(NULL);
}

static void
a_poisoned_row_goes_dead_alone_row_at_a_time(void **state)
{
	poisoned_row_goes_dead_alone("SQL_PARAM_ARRAYS=false\n");
}

static void
events_that_cannot_be_rows_go_dead_without_the_database(void **state)
{
	struct hs_delivery in[4] = {
		dl(1, "contact", "k1", "[1,2]", RECV),
		dl(2, "contact", "k2", "{\"manychat_id\":\"m\"}", "yesterday"),
		dl(3, "campaign", "k3", "{\"manychat_id\":\"m\"}", RECV),
		dl(4, "contact", "k4", "{\"manychat_id\":\"ok\"}", RECV),
	};
	struct hs_outcome out[4];

	fresh_db(1);
	deliver_ok(NULL, in, 4, out);
	assert_int_equal(out[0].kind, HS_OUT_DEAD);
	assert_non_null(strstr(out[0].error, "not a JSON object"));
	assert_int_equal(out[1].kind, HS_OUT_DEAD);
	assert_non_null(strstr(out[1].error, "'yesterday' is not a time"));
	assert_int_equal(out[2].kind, HS_OUT_DEAD);
	assert_non_null(strstr(out[2].error, "no campaign_id"));
	assert_int_equal(out[3].kind, HS_OUT_DONE);
	assert_string_equal(q("SELECT count(*) FROM Contact"), "1");
}

#define SIGNED_BODY "{\"type\":\"user_info\",\"content\":\"hola\"," \
	"\"user_id\":\"u-1\"}"

/* Signed webhooks and a ManyChat kind with no table of its own. */
static void
other_events_of(struct hs_delivery *in)
{
	in[0] = dl(1, "user_info", "sha256:aa", SIGNED_BODY, RECV);
	in[0].source = "signed";
	in[0].entity_key = "user:u-1";
	in[1] = dl(2, "promo", "sha256:bb", "{\"type\":\"promo\"}", RECV);
	in[1].source = "signed";
	in[2] = dl(3, "opt_out", "sha256:aa", "[\"not an object\"]", RECV);
	in[3] = dl(4, "contact", "k-c", "{\"manychat_id\":\"m1\"}", RECV);
}

static void
other_events_become_webhook_event_rows_once(void **state)
{
	struct hs_delivery in[4];
	struct hs_outcome out[4];
	size_t i;

	other_events_of(in);
	fresh_db(1);
	deliver_ok(NULL, in, 4, out);
	for (i = 0; i < 4; i++)
		if (out[i].kind != HS_OUT_DONE)
			fail_msg("event %zu: %s", i, out[i].error);
	assert_string_equal(out[0].receipt, "Webhook_Event");
	assert_string_equal(out[2].receipt, "Webhook_Event");
	assert_string_equal(out[3].receipt, "Contact");
	assert_string_equal(q("SELECT source || '|' || idem_key || '|' || kind "
	    "|| '|' || entity_key || '|' || received_at || '|' || payload FROM "
	    "Webhook_Event WHERE kind = 'user_info'"), "signed|sha256:aa|"
	    "user_info|user:u-1|2026-11-23 10:30:18.123|" SIGNED_BODY);
	assert_string_equal(q("SELECT coalesce(entity_key, 'NULL') FROM "
	    "Webhook_Event WHERE kind = 'promo'"), "NULL");
	/* The same key from another source is another event (the spool's
	 * key is per source); the body is kept whatever it holds. */
	assert_string_equal(q("SELECT source || '|' || payload FROM "
	    "Webhook_Event WHERE kind = 'opt_out'"),
	    "manychat|[\"not an object\"]");
	/* Retried deliveries, with and without parameter arrays. */
	deliver_ok(NULL, in, 4, out);
	deliver_ok("SQL_PARAM_ARRAYS=false\n", in, 3, out);
	for (i = 0; i < 3; i++)
		assert_int_equal(out[i].kind, HS_OUT_DONE);
	assert_string_equal(q("SELECT count(*) FROM Webhook_Event"), "3");
	assert_string_equal(q("SELECT count(*) FROM Contact"), "1");
}

static void
no_webhook_event_table_still_takes_manychat(void **state)
{
	struct hs_delivery in[4];
	struct hs_outcome out[4];
	char why[512];

	other_events_of(in);
	fresh_db(1);
	q("DROP TABLE Webhook_Event");	/* a schema from before it existed */
	deliver_ok(NULL, &in[3], 1, &out[3]);
	assert_int_equal(out[3].kind, HS_OUT_DONE);
	assert_string_equal(q("SELECT count(*) FROM Contact"), "1");
	assert_int_equal(deliver(NULL, in, 1, out, why, sizeof(why)),
	    HS_ECONFIG);
	if (!strstr(why, "no such table: Webhook_Event") ||
	    !strstr(why, "sql/schema/sqlite.sql"))
		fail_msg("why: %s", why);
}

static void
missing_tables_are_a_setup_error_naming_the_schema_file(void **state)
{
	struct hs_delivery in = dl(1, "contact", "k1", "{\"manychat_id\":\"m\"}",
	    RECV);
	struct hs_outcome out;
	char why[512];

	fresh_db(0);
	assert_int_equal(deliver(NULL, &in, 1, &out, why, sizeof(why)),
	    HS_ECONFIG);
	if (!strstr(why, "no such table") ||
	    !strstr(why, "sql/schema/sqlite.sql"))
		fail_msg("why: %s", why);
}

static void
a_driver_not_installed_is_a_setup_error_at_the_first_batch(void **state)
{
	struct hs_delivery in = dl(1, "contact", "k1", "{\"manychat_id\":\"m\"}",
	    RECV);
	struct hs_config *c = NULL;
	struct hs_sink *s = NULL;
	struct hs_outcome out;
	char why[512];

	assert_int_equal(hs_config_parse(&c, "ODBC_CONNECTION_STRING=Driver="
	    "NoSuchDriver;Database=x;PWD=s3cret\n", "test"), HS_OK);
	/* Nothing to write, nothing to connect to: open succeeds. */
	assert_int_equal(hs_sink_sql.open(&s, c, why, sizeof(why)), HS_OK);
	memset(&out, 0, sizeof(out));
	assert_int_equal(hs_sink_sql.deliver(s, &in, 1, 0, &out, why,
	    sizeof(why)), HS_ECONFIG);
	hs_sink_sql.close(s);
	hs_config_free(c);
	if (!strstr(why, "NoSuchDriver") || !strstr(why, "odbcinst -q -d") ||
	    strstr(why, "s3cret"))
		fail_msg("why: %s", why);
}

static void
settings_that_name_no_driver_are_refused_at_open(void **state)
{
	struct hs_config *c = NULL;
	struct hs_sink *s = NULL;
	char why[512];

	assert_int_equal(hs_config_parse(&c, "ODBC_CONNECTION_STRING=Server=h;"
	    "PWD=s3cret\n", "test"), HS_OK);
	assert_int_equal(hs_sink_sql.open(&s, c, why, sizeof(why)),
	    HS_ECONFIG);
	assert_null(s);
	hs_config_free(c);
	if (!strstr(why, "ODBC_CONNECTION_STRING: the connection string names "
	    "neither Driver= nor DSN=") || strstr(why, "s3cret"))
		fail_msg("why: %s", why);
	assert_int_equal(hs_config_parse(&c, "DATABASE_URL=mysql://u:s3cret@h/d"
	    "\n", "test"), HS_OK);
	assert_int_equal(hs_sink_sql.open(&s, c, why, sizeof(why)),
	    HS_ECONFIG);
	hs_config_free(c);
	if (!strstr(why, "DATABASE_URL must start with") || strstr(why, "s3cret"))
		fail_msg("why: %s", why);
}

static void
database_url_sqlite_is_translated_and_the_driver_logged(void **state)
{
	struct hs_delivery in = dl(1, "contact", "k1", "{\"manychat_id\":\"m\"}",
	    RECV);
	struct hs_config *c = NULL;
	struct hs_sink *s = NULL;
	struct hs_outcome out;
	char text[256], why[512], line[2048];
	FILE *log;
	int seen = 0;

	fresh_db(1);
	snprintf(text, sizeof(text), "DATABASE_URL=sqlite:///%s\n", db_path);
	assert_int_equal(hs_config_parse(&c, text, "test"), HS_OK);
	assert_int_equal(hs_sink_sql.configured(c), 1);
	log = fopen(logfile, "w+");
	hs_log_setup("test", HS_LOG_INFO);
	hs_log_set_stream(log);
	assert_int_equal(hs_sink_sql.open(&s, c, why, sizeof(why)), HS_OK);
	memset(&out, 0, sizeof(out));
	assert_int_equal(hs_sink_sql.deliver(s, &in, 1, 0, &out, why,
	    sizeof(why)), HS_OK);
	assert_int_equal(out.kind, HS_OUT_DONE);
	hs_sink_sql.close(s);
	hs_log_set_stream(stderr);
	rewind(log);
	while (fgets(line, sizeof(line), log))
		seen |= strstr(line, "event=sql_config") &&
		    strstr(line, "from=DATABASE_URL") &&
		    strstr(line, "driver=SQLite3");
	fclose(log);
	assert_true(seen);
	assert_string_equal(q("SELECT count(*) FROM Contact"), "1");
	hs_config_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(contacts_and_campaigns_become_rows_with_their_fields),
		cmocka_unit_test(a_repeated_batch_adds_and_changes_nothing),
		cmocka_unit_test(the_latest_contact_event_wins_in_any_order),
		cmocka_unit_test(a_poisoned_row_goes_dead_alone_with_parameter_arrays),
		cmocka_unit_test(a_poisoned_row_goes_dead_alone_row_at_a_time),
		cmocka_unit_test(events_that_cannot_be_rows_go_dead_without_the_database),
		cmocka_unit_test(other_events_become_webhook_event_rows_once),
		cmocka_unit_test(no_webhook_event_table_still_takes_manychat),
		cmocka_unit_test(missing_tables_are_a_setup_error_naming_the_schema_file),
		cmocka_unit_test(a_driver_not_installed_is_a_setup_error_at_the_first_batch),
		cmocka_unit_test(settings_that_name_no_driver_are_refused_at_open),
		cmocka_unit_test(database_url_sqlite_is_translated_and_the_driver_logged),
	};

	return cmocka_run_group_tests(tests, setup_group, teardown_group);
}
