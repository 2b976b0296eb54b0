/*
 * test_admin.c - the pieces of spoolctl that need no spool: filters as SQL
 * with bound values (never a value in the text), durations and times as an
 * admin types them, asking before destructive work, who the actor is, and
 * the exported line with the body spliced in.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <sqlite3.h>

#include "admin/admin.h"
#include "admin/fmt.h"
#include "core/crypto.h"
#include "core/timefmt.h"

/* 2026-11-23T10:30:18.123Z */
#define T0 INT64_C(1795429818123)
#define HOUR_MS INT64_C(3600000)

static const char *
where_text(struct hs_admin_sql *q, const struct hs_admin_filter *f,
           enum hs_admin_scope scope)
{
	hs_admin_sql_init(q);
	assert_int_equal(hs_admin_where(q, f, scope), HS_OK);
	return hs_buf_str(&q->text);
}

static void
empty_filter_is_where_1_with_no_value(void **state)
{
	struct hs_admin_filter f;
	struct hs_admin_sql q;

	(void)state;
	memset(&f, 0, sizeof(f));
	assert_string_equal(where_text(&q, &f, HS_ADMIN_EVENTS), " WHERE 1");
	assert_int_equal(q.n, 0);
	hs_admin_sql_release(&q);
}

static void
every_filter_is_a_placeholder_bound_in_order(void **state)
{
	struct hs_admin_filter f;
	struct hs_admin_sql q;
	const char *sql;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.event_id = 7;
	f.key = "k'1";
	f.entity = "manychat:9";
	f.source = "manychat";
	f.kind = "contact";
	snprintf(f.since, sizeof(f.since), "2026-11-23T00:00:00.000Z");
	snprintf(f.until, sizeof(f.until), "2026-11-24T00:00:00.000Z");
	f.contains = "needle";
	f.sink = "azure_queue";
	f.state = "dead";
	sql = where_text(&q, &f, HS_ADMIN_EVENTS);
	assert_string_equal(sql, " WHERE 1 AND e.id = ? AND e.idem_key = ?"
	    " AND e.entity_key = ? AND e.source = ? AND e.kind = ?"
	    " AND e.received_at >= ? AND e.received_at < ?"
	    " AND instr(e.body, CAST(? AS BLOB)) > 0"
	    " AND EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id"
	    " AND d.sink = ? AND d.state = ?)");
	assert_int_equal(q.n, 10);
	assert_true(q.v[0].is_int);
	assert_int_equal(q.v[0].i, 7);
	assert_string_equal(q.v[1].s, "k'1");
	assert_string_equal(q.v[5].s, f.since);
	assert_string_equal(q.v[8].s, "azure_queue");
	assert_string_equal(q.v[9].s, "dead");
	/* no value ever reaches the text */
	assert_null(strstr(sql, "k'1"));
	assert_null(strstr(sql, "manychat"));
	hs_admin_sql_release(&q);
}

static void
delivery_scope_puts_delivery_terms_on_the_row(void **state)
{
	struct hs_admin_filter f;
	struct hs_admin_sql q;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.sink = "azure_queue";
	f.state = "pending";
	f.source = "signed";
	assert_string_equal(where_text(&q, &f, HS_ADMIN_DELIVERIES),
	    " WHERE 1 AND e.source = ? AND d.sink = ? AND d.state = ?");
	assert_int_equal(q.n, 3);
	hs_admin_sql_release(&q);
}

static void
unknown_state_is_refused(void **state)
{
	struct hs_admin_filter f;
	struct hs_admin_sql q;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.state = "stuck";
	hs_admin_sql_init(&q);
	assert_int_equal(hs_admin_where(&q, &f, HS_ADMIN_EVENTS), HS_EINVAL);
	hs_admin_sql_release(&q);
	assert_true(hs_admin_state_ok("done"));
	assert_false(hs_admin_state_ok("DONE"));
	assert_false(hs_admin_state_ok(NULL));
}

static void
builder_refuses_placeholders_it_cannot_bind(void **state)
{
	struct hs_admin_sql q;
	int i;

	(void)state;
	hs_admin_sql_init(&q);
	assert_int_equal(hs_admin_sql_add(&q, " AND x = ?"), HS_EINVAL);
	assert_int_equal(hs_admin_sql_text(&q, " AND x = 1", "v"), HS_EINVAL);
	assert_int_equal(hs_admin_sql_text(&q, " AND x = ? OR y = ?", "v"),
	    HS_EINVAL);
	assert_int_equal(q.n, 0);
	assert_string_equal(hs_buf_str(&q.text), "");
	for (i = 0; i < HS_ADMIN_MAX_BINDS; i++)
		assert_int_equal(hs_admin_sql_int(&q, " ?", i), HS_OK);
	assert_int_equal(hs_admin_sql_int(&q, " ?", 99), HS_ETOOBIG);
	hs_admin_sql_release(&q);
}

/* A table with the columns the builder names, in memory. */
static sqlite3 *
mini_db(void)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
	    "CREATE TABLE events (id INTEGER PRIMARY KEY, idem_key TEXT,"
	    " entity_key TEXT, source TEXT, kind TEXT, received_at TEXT,"
	    " body BLOB);"
	    "CREATE TABLE deliveries (id INTEGER PRIMARY KEY, event_id INT,"
	    " sink TEXT, state TEXT);"
	    "INSERT INTO events VALUES (1, 'a', NULL, 'manychat', 'contact',"
	    " '2026-11-23T10:00:00.000Z', CAST('{\"x\":\"needle\"}' AS BLOB)),"
	    " (2, 'b', NULL, 'signed', 'promo', '2026-11-23T11:00:00.000Z',"
	    " CAST('{}' AS BLOB));"
	    "INSERT INTO deliveries VALUES (1, 1, 'azure_queue', 'dead');",
	    NULL, NULL, NULL), SQLITE_OK);
	return db;
}

static long
count(sqlite3 *db, const struct hs_admin_filter *f)
{
	struct hs_admin_sql q;
	sqlite3_stmt *st = NULL;
	long n = -1;

	hs_admin_sql_init(&q);
	assert_int_equal(hs_admin_sql_add(&q, "SELECT count(*) FROM events e"),
	    HS_OK);
	assert_int_equal(hs_admin_where(&q, f, HS_ADMIN_EVENTS), HS_OK);
	assert_int_equal(hs_admin_sql_prepare(&q, db, &st), HS_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	hs_admin_sql_release(&q);
	return n;
}

static void
hostile_values_are_data_not_sql(void **state)
{
	struct hs_admin_filter f;
	sqlite3 *db = mini_db();

	(void)state;
	memset(&f, 0, sizeof(f));
	f.key = "a' OR '1'='1";
	assert_int_equal(count(db, &f), 0);
	f.key = "a'; DROP TABLE events; --";
	assert_int_equal(count(db, &f), 0);
	f.key = NULL;
	f.source = "manychat\" OR 1=1 --";
	assert_int_equal(count(db, &f), 0);
	memset(&f, 0, sizeof(f));
	assert_int_equal(count(db, &f), 2);	/* the table is still there */
	sqlite3_close(db);
}

static void
bound_filters_select_the_right_rows(void **state)
{
	struct hs_admin_filter f;
	sqlite3 *db = mini_db();

	(void)state;
	memset(&f, 0, sizeof(f));
	f.key = "a";
	assert_int_equal(count(db, &f), 1);
	memset(&f, 0, sizeof(f));
	f.contains = "needle";
	assert_int_equal(count(db, &f), 1);
	memset(&f, 0, sizeof(f));
	snprintf(f.since, sizeof(f.since), "2026-11-23T10:30:00.000Z");
	assert_int_equal(count(db, &f), 1);
	memset(&f, 0, sizeof(f));
	snprintf(f.until, sizeof(f.until), "2026-11-23T10:00:00.000Z");
	assert_int_equal(count(db, &f), 0);	/* until is exclusive */
	memset(&f, 0, sizeof(f));
	f.state = "dead";
	assert_int_equal(count(db, &f), 1);
	f.sink = "odoo";
	assert_int_equal(count(db, &f), 0);	/* one delivery: both */
	sqlite3_close(db);
}

static void
durations_take_units_and_sums(void **state)
{
	int64_t ms = 0;

	(void)state;
	assert_int_equal(hs_admin_parse_duration("90s", &ms), 0);
	assert_int_equal(ms, 90000);
	assert_int_equal(hs_admin_parse_duration("15m", &ms), 0);
	assert_int_equal(ms, 15 * 60000);
	assert_int_equal(hs_admin_parse_duration("12h", &ms), 0);
	assert_int_equal(ms, 12 * HOUR_MS);
	assert_int_equal(hs_admin_parse_duration("30d", &ms), 0);
	assert_int_equal(ms, 30 * 24 * HOUR_MS);
	assert_int_equal(hs_admin_parse_duration("2w", &ms), 0);
	assert_int_equal(ms, 14 * 24 * HOUR_MS);
	assert_int_equal(hs_admin_parse_duration("1d12h30m", &ms), 0);
	assert_int_equal(ms, 36 * HOUR_MS + 30 * 60000);
}

static void
durations_without_unit_or_out_of_range_are_refused(void **state)
{
	static const char *const bad[] = { "", "10", "5x", "-1d", "+1d",
	    "0s", "0d0h", "1d-", "d", "1 d", "1D", "1.5h", "1d ",
	    "99999999999999999999s", "5300w", "36600d1s" };
	int64_t ms = 42;
	size_t i;

	(void)state;
	assert_int_equal(hs_admin_parse_duration(NULL, &ms), -1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (hs_admin_parse_duration(bad[i], &ms) != -1)
			fail_msg("'%s' was accepted", bad[i]);
	assert_int_equal(ms, 42);	/* untouched on failure */
	assert_int_equal(hs_admin_parse_duration("5200w", &ms), 0);
}

static void
times_are_iso_now_or_a_duration_ago(void **state)
{
	char out[HS_ISO_LEN];

	(void)state;
	assert_int_equal(hs_admin_parse_when("now", T0, out, sizeof(out)), 0);
	assert_string_equal(out, "2026-11-23T10:30:18.123Z");
	assert_int_equal(hs_admin_parse_when("2h", T0, out, sizeof(out)), 0);
	assert_string_equal(out, "2026-11-23T08:30:18.123Z");
	assert_int_equal(hs_admin_parse_when("2026-11-20", T0, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "2026-11-20T00:00:00.000Z");
	assert_int_equal(hs_admin_parse_when("2026-11-20T14:02:00+02:00", T0,
	    out, sizeof(out)), 0);
	assert_string_equal(out, "2026-11-20T12:02:00.000Z");
	assert_int_equal(hs_admin_parse_when("yesterday", T0, out,
	    sizeof(out)), -1);
	assert_int_equal(hs_admin_parse_when("", T0, out, sizeof(out)), -1);
}

static void
ages_are_short_and_human(void **state)
{
	char out[32];

	(void)state;
	hs_age_str(12 * 1000, out, sizeof(out));
	assert_string_equal(out, "12s");
	hs_age_str(-5, out, sizeof(out));
	assert_string_equal(out, "0s");
	hs_age_str((3 * 60 + 4) * 1000, out, sizeof(out));
	assert_string_equal(out, "3m 4s");
	hs_age_str(HOUR_MS * 5 + 60000 * 7, out, sizeof(out));
	assert_string_equal(out, "5h 7m");
	hs_age_str(HOUR_MS * 50, out, sizeof(out));
	assert_string_equal(out, "2d 2h");
}

/* hs_admin_confirm with input text; the prompt lands in prompt. */
static enum hs_admin_answer
answer(const char *input, int yes, int interactive, char *prompt, size_t n)
{
	FILE *in = fmemopen((void *)input, strlen(input) + 1, "r");
	FILE *out = fmemopen(prompt, n, "w");
	enum hs_admin_answer a;

	assert_non_null(in);
	assert_non_null(out);
	memset(prompt, 0, n);
	a = hs_admin_confirm("Delete 3 events?", yes, interactive,
	    *input ? in : NULL, out);
	fclose(in);
	fclose(out);
	return a;
}

static void
confirm_asks_on_a_terminal_and_takes_only_yes(void **state)
{
	char prompt[128];

	(void)state;
	assert_int_equal(answer("y\n", 0, 1, prompt, sizeof(prompt)),
	    HS_ADMIN_YES);
	assert_string_equal(prompt, "Delete 3 events? [y/N] ");
	assert_int_equal(answer("YES\n", 0, 1, prompt, sizeof(prompt)),
	    HS_ADMIN_YES);
	assert_int_equal(answer("n\n", 0, 1, prompt, sizeof(prompt)),
	    HS_ADMIN_NO);
	assert_int_equal(answer("\n", 0, 1, prompt, sizeof(prompt)),
	    HS_ADMIN_NO);
	assert_int_equal(answer("yep\n", 0, 1, prompt, sizeof(prompt)),
	    HS_ADMIN_NO);
	assert_int_equal(answer("", 0, 1, prompt, sizeof(prompt)),
	    HS_ADMIN_REFUSED);	/* no input stream at all */
}

static void
confirm_at_end_of_input_is_no(void **state)
{
	char prompt[64];
	FILE *in = fopen("/dev/null", "r"), *out = fmemopen(prompt,
	    sizeof(prompt), "w");

	(void)state;
	assert_int_equal(hs_admin_confirm("Go?", 0, 1, in, out), HS_ADMIN_NO);
	fclose(in);
	fclose(out);
}

static void
confirm_without_terminal_refuses_unless_yes(void **state)
{
	char prompt[64];

	(void)state;
	assert_int_equal(answer("y\n", 0, 0, prompt, sizeof(prompt)),
	    HS_ADMIN_REFUSED);
	assert_string_equal(prompt, "");	/* nobody to ask */
	assert_int_equal(answer("n\n", 1, 0, prompt, sizeof(prompt)),
	    HS_ADMIN_YES);
	assert_int_equal(answer("n\n", 1, 1, prompt, sizeof(prompt)),
	    HS_ADMIN_YES);
	assert_string_equal(prompt, "");	/* --yes never asks */
}

static void
actor_is_sudo_user_then_user_then_uid(void **state)
{
	char a[HS_ADMIN_ACTOR_MAX];

	(void)state;
	hs_admin_actor("alice", "root", 0, a, sizeof(a));
	assert_string_equal(a, "alice");
	hs_admin_actor("", "bob", 1000, a, sizeof(a));
	assert_string_equal(a, "bob");
	hs_admin_actor(NULL, NULL, 0, a, sizeof(a));
	assert_string_equal(a, "root");
	hs_admin_actor(NULL, "", 3999999, a, sizeof(a));
	assert_string_equal(a, "uid 3999999");
	hs_admin_actor("ev\x1b[31mil; rm", NULL, 0, a, sizeof(a));
	assert_string_equal(a, "ev31milrm");
	hs_admin_actor("\x1b\n", "carol", 0, a, sizeof(a));
	assert_string_equal(a, "carol");
}

static const char *
line_of(struct json_object *o, const char *body, size_t len,
        struct hs_buf *out)
{
	hs_buf_init(out, 1 << 20);
	assert_int_equal(hs_admin_json_with_body(o, body, len, out), HS_OK);
	return hs_buf_str(out);
}

static void
exported_body_is_the_bytes_received_on_one_line(void **state)
{
	static const char body[] = "{\"n\": 1.50,\r\n \"s\": \"caf\xc3\xa9\"}";
	struct json_object *o = json_object_new_object(), *back;
	char hex[HS_SHA256_HEX], want[256];
	struct hs_buf out;
	const char *line;

	(void)state;
	json_object_object_add(o, "id", json_object_new_int(3));
	line = line_of(o, body, strlen(body), &out);
	hs_sha256_hex(body, strlen(body), hex);
	snprintf(want, sizeof(want), "{\"id\":3,\"body\":{\"n\": 1.50,   "
	    "\"s\": \"caf\xc3\xa9\"},\"body_sha256\":\"%s\"}", hex);
	assert_string_equal(line, want);
	assert_null(strchr(line, '\n'));
	back = json_tokener_parse(line);
	assert_non_null(back);
	json_object_put(back);
	hs_buf_release(&out);
	json_object_put(o);
}

static void
body_that_is_not_json_travels_as_base64(void **state)
{
	struct json_object *o = json_object_new_object(), *back, *v;
	struct hs_buf out;
	const char *line;

	(void)state;
	line = line_of(o, "\x01\xffnot json", 10, &out);
	back = json_tokener_parse(line);
	assert_non_null(back);
	assert_true(json_object_object_get_ex(back, "body", &v));
	assert_null(v);
	assert_true(json_object_object_get_ex(back, "body_base64", &v));
	assert_string_equal(json_object_get_string(v), "Af9ub3QganNvbg==");
	json_object_put(back);
	hs_buf_release(&out);
	json_object_put(o);
}

static void
terminal_output_replaces_control_characters(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	hs_admin_put_safe(f, "a\x1b]0;owned\x07" "b\xc2\x9b" "2Jc\x7f"
	    "\xc3\xa9\n", 0);
	hs_admin_put_safe(f, "|abcdef", 4);
	hs_admin_put_safe_n(f, "|x\0y", 4);
	fclose(f);
	/* C0, DEL and the UTF-8 C1 CSI go; an accented letter stays */
	assert_string_equal(buf, "a?]0;owned?b?2Jc?\xc3\xa9?|abc...|x?y");
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_filter_is_where_1_with_no_value),
		cmocka_unit_test(every_filter_is_a_placeholder_bound_in_order),
		cmocka_unit_test(delivery_scope_puts_delivery_terms_on_the_row),
		cmocka_unit_test(unknown_state_is_refused),
		cmocka_unit_test(builder_refuses_placeholders_it_cannot_bind),
		cmocka_unit_test(hostile_values_are_data_not_sql),
		cmocka_unit_test(bound_filters_select_the_right_rows),
		cmocka_unit_test(durations_take_units_and_sums),
		cmocka_unit_test(
		    durations_without_unit_or_out_of_range_are_refused),
		cmocka_unit_test(times_are_iso_now_or_a_duration_ago),
		cmocka_unit_test(ages_are_short_and_human),
		cmocka_unit_test(confirm_asks_on_a_terminal_and_takes_only_yes),
		cmocka_unit_test(confirm_at_end_of_input_is_no),
		cmocka_unit_test(confirm_without_terminal_refuses_unless_yes),
		cmocka_unit_test(actor_is_sudo_user_then_user_then_uid),
		cmocka_unit_test(
		    exported_body_is_the_bytes_received_on_one_line),
		cmocka_unit_test(body_that_is_not_json_travels_as_base64),
		cmocka_unit_test(terminal_output_replaces_control_characters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
