/*
 * test_admin_query.c - spoolctl's reading commands against a spool filled
 * through the real write paths: stats, list, show, export and check, their
 * JSON field by field, and what an admin's terminal is spared.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "test_admin_fx.h"

/* Three ManyChat events (done, pending, dead) and one signed event. */
static void
fill(struct fx *fx, int64_t ids[4])
{
	ids[0] = put(fx, "manychat", "contact", "k-done", T0 - 3 * DAY_MS,
	    "azure_queue", NULL);
	ids[1] = put(fx, "manychat", "contact", "k-pending", T0 - 2 * DAY_MS,
	    "azure_queue", NULL);
	ids[2] = put(fx, "manychat", "campaign", "k-dead", T0 - DAY_MS,
	    "azure_queue", NULL);
	ids[3] = put(fx, "signed", "promo", "k-signed", T0 - 3600000, NULL,
	    NULL);
	mark(fx, ids[0], "azure_queue", HS_OUT_DONE, T0 - 3 * DAY_MS + 1000);
	mark(fx, ids[1], "azure_queue", HS_OUT_RETRY, T0 - 2 * DAY_MS + 1000);
	mark(fx, ids[2], "azure_queue", HS_OUT_DEAD, T0 - DAY_MS + 2000);
}

static struct json_object *
row_where(struct json_object *arr, const char *key, const char *val)
{
	struct json_object *row, *v;
	size_t i;

	for (i = 0; arr && i < json_object_array_length(arr); i++) {
		row = json_object_array_get_idx(arr, i);
		if (json_object_object_get_ex(row, key, &v) && v &&
		    !strcmp(json_object_get_string(v), val))
			return row;
	}
	fail_msg("no row with %s = %s", key, val);
	return NULL;
}

static void
stats_counts_by_source_and_sink_with_ages(void **state)
{
	struct fx *fx = *state;
	struct hs_admin_run r;
	struct json_object *arr, *row, *tot;
	int64_t ids[4];

	fill(fx, ids);
	run_begin(fx, &r, 1, NULL);
	run_end(fx, &r, hs_admin_cmd_stats(&r));
	assert_int_equal(fx->code, HS_EX_OK);
	assert_non_null(fx->json);
	assert_string_equal(jstr(fx, "spool"), fx->path);
	assert_int_equal(jint(fx->json, "schema_version"),
	    hs_spool_latest_version());
	assert_string_equal(jstr(fx, "now"), "2026-11-23T10:30:18.123Z");
	assert_int_equal(jint(fx->json, "events"), 4);
	assert_true(json_object_object_get_ex(fx->json, "deliveries", &tot));
	assert_int_equal(jint(tot, "pending"), 1);
	assert_int_equal(jint(tot, "done"), 1);
	assert_int_equal(jint(tot, "dead"), 1);
	assert_int_equal(jint(fx->json, "oldest_pending_age_s"), 2 * 86400);
	json_object_object_get_ex(fx->json, "by_source", &arr);
	assert_int_equal(json_object_array_length(arr), 3);
	row = row_where(arr, "kind", "contact");
	assert_int_equal(jint(row, "events"), 2);
	assert_string_equal(json_object_get_string(json_object_object_get(row,
	    "first_received_at")), "2026-11-20T10:30:18.123Z");
	json_object_object_get_ex(fx->json, "by_sink", &arr);
	row = row_where(arr, "sink", "azure_queue");
	assert_true(json_object_get_boolean(json_object_object_get(row,
	    "configured")));
	assert_int_equal(jint(row, "pending"), 1);
	assert_int_equal(jint(row, "dead"), 1);
	assert_int_equal(jint(row, "oldest_pending_age_s"), 2 * 86400);
	assert_string_equal(json_object_get_string(json_object_object_get(row,
	    "last_success_at")), "2026-11-20T10:30:19.123Z");
	assert_string_equal(json_object_get_string(json_object_object_get(row,
	    "last_run_at")), "2026-11-22T10:30:20.123Z");
	assert_string_equal(json_object_get_string(json_object_object_get(row,
	    "last_error")), "azure_queue: status 500 InternalError");
	assert_string_equal(json_object_get_string(json_object_object_get(row,
	    "last_error_at")), "2026-11-22T10:30:20.123Z");
}

static void
stats_lists_a_configured_sink_without_deliveries(void **state)
{
	struct fx *fx = *state;
	struct hs_admin_run r;
	struct json_object *arr, *row;

	hs_config_free(fx->cfg);
	assert_int_equal(hs_config_parse(&fx->cfg, "AZURE_STORAGE_CONNECTION_"
	    "STRING=" AZ_CS "\nAZURE_DEAD_LETTER_QUEUE=dlq\n", "t"), HS_OK);
	run_begin(fx, &r, 1, NULL);
	run_end(fx, &r, hs_admin_cmd_stats(&r));
	json_object_object_get_ex(fx->json, "by_sink", &arr);
	assert_int_equal(json_object_array_length(arr), 2);
	row = row_where(arr, "sink", "dead_letter");
	assert_int_equal(jint(row, "pending"), 0);
	assert_null(json_object_object_get(row, "last_run_at"));
	assert_null(json_object_object_get(fx->json, "oldest_pending_at"));
	/* the table names every sink too */
	run_begin(fx, &r, 0, NULL);
	run_end(fx, &r, hs_admin_cmd_stats(&r));
	assert_non_null(strstr(fx->out, "dead_letter"));
	assert_non_null(strstr(fx->out, "LAST RUN"));
}

static int64_t
list_count(struct fx *fx, const struct hs_admin_filter *f, int64_t *first)
{
	struct hs_admin_run r;
	struct json_object *arr;

	run_begin(fx, &r, 1, NULL);
	run_end(fx, &r, hs_admin_cmd_list(&r, f));
	assert_int_equal(fx->code, HS_EX_OK);
	json_object_object_get_ex(fx->json, "events", &arr);
	if (first && json_object_array_length(arr))
		*first = jint(json_object_array_get_idx(arr, 0), "id");
	return jint(fx->json, "count");
}

static void
list_filters_and_orders_newest_first(void **state)
{
	struct fx *fx = *state;
	struct hs_admin_filter f;
	int64_t ids[4], first = 0;

	fill(fx, ids);
	memset(&f, 0, sizeof(f));
	assert_int_equal(list_count(fx, &f, &first), 4);
	assert_int_equal(first, ids[3]);
	f.state = "dead";
	assert_int_equal(list_count(fx, &f, &first), 1);
	assert_int_equal(first, ids[2]);
	f.sink = "dead_letter";
	assert_int_equal(list_count(fx, &f, NULL), 0);
	memset(&f, 0, sizeof(f));
	f.source = "manychat";
	f.kind = "contact";
	assert_int_equal(list_count(fx, &f, NULL), 2);
	memset(&f, 0, sizeof(f));
	f.limit = 2;
	assert_int_equal(list_count(fx, &f, &first), 2);
	assert_int_equal(first, ids[3]);
	memset(&f, 0, sizeof(f));
	assert_int_equal(hs_admin_parse_when("36h", T0, f.since,
	    sizeof(f.since)), 0);
	assert_int_equal(list_count(fx, &f, NULL), 2);
	memset(&f, 0, sizeof(f));
	f.key = "k-pending";
	assert_int_equal(list_count(fx, &f, &first), 1);
	assert_int_equal(first, ids[1]);
}

static void
list_event_carries_its_deliveries_and_status(void **state)
{
	struct fx *fx = *state;
	struct hs_admin_filter f;
	struct hs_admin_run r;
	struct json_object *ev, *d, *arr;
	int64_t ids[4];

	fill(fx, ids);
	memset(&f, 0, sizeof(f));
	f.key = "k-dead";
	run_begin(fx, &r, 1, NULL);
	run_end(fx, &r, hs_admin_cmd_list(&r, &f));
	json_object_object_get_ex(fx->json, "events", &arr);
	ev = json_object_array_get_idx(arr, 0);
	assert_int_equal(jint(ev, "id"), ids[2]);
	assert_string_equal(json_object_get_string(json_object_object_get(ev,
	    "source")), "manychat");
	assert_string_equal(json_object_get_string(json_object_object_get(ev,
	    "idempotency_key")), "k-dead");
	assert_string_equal(json_object_get_string(json_object_object_get(ev,
	    "status")), "dead");
	assert_string_equal(json_object_get_string(json_object_object_get(ev,
	    "received_at")), "2026-11-22T10:30:18.123Z");
	assert_int_equal(jint(ev, "body_bytes"), 28);
	d = json_object_array_get_idx(json_object_object_get(ev, "deliveries"),
	    0);
	assert_string_equal(json_object_get_string(json_object_object_get(d,
	    "sink")), "azure_queue");
	assert_string_equal(json_object_get_string(json_object_object_get(d,
	    "state")), "dead");
	assert_int_equal(jint(d, "attempts"), 1);
	assert_null(json_object_object_get(d, "next_attempt_at"));
	assert_string_equal(json_object_get_string(json_object_object_get(d,
	    "last_error")), "azure_queue: status 500 InternalError");
	/* and the table says the same */
	run_begin(fx, &r, 0, NULL);
	run_end(fx, &r, hs_admin_cmd_list(&r, &f));
	assert_non_null(strstr(fx->out, "azure_queue:dead/1"));
	assert_non_null(strstr(fx->out, "1 event, newest first"));
}

static void
find_takes_an_id_or_a_key_and_names_ambiguity(void **state)
{
	struct fx *fx = *state;
	char why[256];
	int64_t a, b, c, id = 0;

	a = put(fx, "manychat", "contact", "same", T0, NULL, NULL);
	b = put(fx, "signed", "promo", "same", T0, NULL, NULL);
	c = put(fx, "signed", "promo", "12345", T0, NULL, NULL);
	assert_int_equal(hs_admin_find(fx->sp, "1", NULL, &id, why,
	    sizeof(why)), HS_OK);
	assert_int_equal(id, a);
	assert_int_equal(hs_admin_find(fx->sp, "same", NULL, &id, why,
	    sizeof(why)), HS_EEXIST);
	assert_non_null(strstr(why, "manychat, signed"));
	assert_int_equal(hs_admin_find(fx->sp, "same", "signed", &id, why,
	    sizeof(why)), HS_OK);
	assert_int_equal(id, b);
	assert_int_equal(hs_admin_find(fx->sp, "12345", NULL, &id, why,
	    sizeof(why)), HS_OK);	/* no such id: then a key */
	assert_int_equal(id, c);
	assert_int_equal(hs_admin_find(fx->sp, "nope", NULL, &id, why,
	    sizeof(why)), HS_ENOTFOUND);
	assert_non_null(strstr(why, "'nope'"));
}

static void
show_has_headers_body_deliveries_and_history(void **state)
{
	struct fx *fx = *state;
	struct hs_admin_run r;
	struct json_object *h, *body;
	int64_t ids[4];

	fill(fx, ids);
	exec_sql(fx, "INSERT INTO history (event_id, at, actor, action,"
	    " detail) VALUES (3, '2026-11-23T09:00:00.000Z', 'alice', 'retry',"
	    " 'by hand')");
	run_begin(fx, &r, 1, NULL);
	run_end(fx, &r, hs_admin_cmd_show(&r, "k-dead", NULL));
	assert_int_equal(fx->code, HS_EX_OK);
	assert_non_null(fx->json);
	assert_int_equal(jint(fx->json, "id"), ids[2]);
	assert_string_equal(jstr(fx, "remote_addr"), "192.0.2.7");
	assert_string_equal(jstr(fx, "response_body"),
	    "{\"status\":\"accepted\"}");
	h = json_object_object_get(fx->json, "headers");
	assert_string_equal(json_object_get_string(json_object_object_get(h,
	    "user-agent")), "ManyChat\x1b[2J");
	body = json_object_object_get(fx->json, "body");
	assert_string_equal(json_object_get_string(json_object_object_get(body,
	    "manychat_id")), "42");
	assert_int_equal(json_object_array_length(json_object_object_get(
	    fx->json, "deliveries")), 1);
	h = json_object_array_get_idx(json_object_object_get(fx->json,
	    "history"), 0);
	assert_string_equal(json_object_get_string(json_object_object_get(h,
	    "actor")), "alice");
	/* the table: pretty body, no escape sequence reaches the terminal */
	run_begin(fx, &r, 0, NULL);
	run_end(fx, &r, hs_admin_cmd_show(&r, "3", NULL));
	assert_non_null(strstr(fx->out, "\"manychat_id\": \"42\""));
	assert_non_null(strstr(fx->out, "user-agent: ManyChat?[2J"));
	assert_null(strchr(fx->out, '\x1b'));
	assert_non_null(strstr(fx->out, "by hand"));
	run_begin(fx, &r, 0, NULL);
	run_end(fx, &r, hs_admin_cmd_show(&r, "999", NULL));
	assert_int_equal(fx->code, HS_EX_REFUSED);
	assert_non_null(strstr(fx->err, "no event with id or key '999'"));
}

static void
export_writes_one_parsable_line_per_event(void **state)
{
	struct fx *fx = *state;
	struct hs_admin_filter f;
	struct hs_admin_run r;
	struct json_object *o;
	char *line, *save = NULL;
	int64_t ids[4], n = 0, prev = 0;

	fill(fx, ids);
	memset(&f, 0, sizeof(f));
	f.source = "manychat";
	run_begin(fx, &r, 0, NULL);
	run_end(fx, &r, hs_admin_cmd_export(&r, &f));
	assert_int_equal(fx->code, HS_EX_OK);
	for (line = strtok_r(fx->out, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save), n++) {
		o = json_tokener_parse(line);
		assert_non_null(o);
		assert_true(jint(o, "id") > prev);	/* oldest first */
		prev = jint(o, "id");
		assert_non_null(json_object_object_get(o, "body"));
		assert_int_equal(strlen(json_object_get_string(
		    json_object_object_get(o, "body_sha256"))), 64);
		assert_non_null(json_object_object_get(o, "deliveries"));
		json_object_put(o);
	}
	assert_int_equal(n, 3);
	assert_non_null(strstr(fx->err, "exported 3 events"));
}

static void
check(struct fx *fx)
{
	struct hs_admin_check_opts o = { fx->path, 0, 0 };
	struct hs_admin_run r;

	run_begin(fx, &r, 1, NULL);
	run_end(fx, &r, hs_admin_cmd_check(&r, &o));
}

static const char *
check_status(struct fx *fx, const char *name)
{
	return json_object_get_string(json_object_object_get(row_where(
	    json_object_object_get(fx->json, "checks"), "name", name),
	    "status"));
}

static void
check_passes_a_sound_spool_and_fails_a_readable_one(void **state)
{
	struct fx *fx = *state;

	chmod(fx->dir, 0700);
	check(fx);
	assert_int_equal(fx->code, HS_EX_OK);
	assert_true(json_object_get_boolean(json_object_object_get(fx->json,
	    "ok")));
	assert_string_equal(check_status(fx, "spool file"), "ok");
	assert_string_equal(check_status(fx, "spool schema"), "ok");
	assert_string_equal(check_status(fx, "journal mode"), "ok");
	assert_string_equal(check_status(fx, "integrity"), "ok");
	assert_string_equal(check_status(fx, "sink azure_queue"), "ok");
	assert_int_equal(jint(fx->json, "schema_version"),
	    hs_spool_latest_version());
	chmod(fx->path, 0644);
	check(fx);
	assert_int_equal(fx->code, HS_EX_REFUSED);
	assert_string_equal(check_status(fx, "spool file"), "fail");
	assert_false(json_object_get_boolean(json_object_object_get(fx->json,
	    "ok")));
}

static void
check_fails_a_schema_from_a_newer_build(void **state)
{
	struct fx *fx = *state;
	char sql[64];

	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
	    hs_spool_latest_version() + 1);
	exec_sql(fx, sql);
	check(fx);
	assert_int_equal(fx->code, HS_EX_REFUSED);
	assert_string_equal(check_status(fx, "spool schema"), "fail");
	/* nothing was migrated or changed by looking */
	assert_int_equal(q_int(fx, "PRAGMA user_version"),
	    hs_spool_latest_version() + 1);
}

static void
check_warns_of_pending_deliveries_no_sink_will_take(void **state)
{
	struct fx *fx = *state;

	put(fx, "manychat", "contact", "k", T0, "azure_queue", "nosuch");
	check(fx);
	assert_string_equal(check_status(fx, "pending to unconfigured sink"),
	    "warn");
	assert_int_equal(fx->code, HS_EX_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)
		T(stats_counts_by_source_and_sink_with_ages),
		T(stats_lists_a_configured_sink_without_deliveries),
		T(list_filters_and_orders_newest_first),
		T(list_event_carries_its_deliveries_and_status),
		T(find_takes_an_id_or_a_key_and_names_ambiguity),
		T(show_has_headers_body_deliveries_and_history),
		T(export_writes_one_parsable_line_per_event),
		T(check_passes_a_sound_spool_and_fails_a_readable_one),
		T(check_fails_a_schema_from_a_newer_build),
		T(check_warns_of_pending_deliveries_no_sink_will_take),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
