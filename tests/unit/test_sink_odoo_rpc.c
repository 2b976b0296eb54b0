/*
 * test_sink_odoo_rpc.c - Odoo JSON-RPC encoding and the classification of
 * every kind of answer (protocols.md §2.1, §2.4, §2.6): results, error
 * envelopes by data.name, HTTP statuses with Retry-After, and answers
 * that are not JSON-RPC at all. Pure functions: no network.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "core/buf.h"
#include "sinks/odoo/odoo.h"

#define NOW_MS 1780000000000LL	/* 2026-05-28T20:26:40Z */

static void
classify(int status, const char *retry_after, const char *body,
         struct hs_odoo_reply *r)
{
	hs_odoo_classify(status, retry_after, body, body ? strlen(body) : 0,
	                 NOW_MS, r);
}

/* An Odoo 17/18 error envelope for data.name / data.message. */
static void
envelope(char *out, size_t n, const char *name, const char *message)
{
	snprintf(out, n, "{\"jsonrpc\":\"2.0\",\"id\":17,\"error\":{"
	         "\"code\":200,\"message\":\"Odoo Server Error\",\"data\":{"
	         "\"name\":\"%s\",\"message\":\"%s\",\"arguments\":[\"%s\"],"
	         "\"context\":{},\"debug\":\"Traceback (most recent call "
	         "last):\\n  File \\\"/odoo/http.py\\\"\\nSECRET-VALUE\"}}}",
	         name, message, message);
}

static enum hs_odoo_class
class_of(const char *name, const char *message, struct hs_odoo_reply *r)
{
	char body[1024];

	envelope(body, sizeof(body), name, message);
	classify(200, NULL, body, r);
	return r->cls;
}

static void
encode_builds_a_call_whose_params_are_an_object(void **state)
{
	struct json_object *args = json_object_new_array();
	struct hs_buf b;

	json_object_array_add(args, json_object_new_string("db"));
	json_object_array_add(args, json_object_new_string("bot"));
	hs_buf_init(&b, 4096);
	assert_int_equal(hs_odoo_encode(&b, 17, "common", "login", args),
	                 HS_OK);
	assert_string_equal(hs_buf_str(&b), "{\"jsonrpc\":\"2.0\",\"method\":"
	    "\"call\",\"id\":17,\"params\":{\"service\":\"common\",\"method\":"
	    "\"login\",\"args\":[\"db\",\"bot\"]}}");
	/* args was borrowed, not consumed. */
	assert_int_equal(json_object_array_length(args), 2);
	hs_buf_release(&b);
	json_object_put(args);
}

static void
encode_fails_cleanly_past_the_buffer_cap(void **state)
{
	struct json_object *args = json_object_new_array();
	struct hs_buf b;

	json_object_array_add(args, json_object_new_string("0123456789"));
	hs_buf_init(&b, 32);
	assert_int_equal(hs_odoo_encode(&b, 1, "common", "version", args),
	                 HS_ETOOBIG);
	assert_int_equal(b.len, 0);
	hs_buf_release(&b);
	json_object_put(args);
}

static void
kw_args_are_db_uid_password_model_method_args_and_kwargs(void **state)
{
	struct json_object *pargs = json_object_new_array();
	struct json_object *a;

	json_object_array_add(pargs, json_object_new_array());
	a = hs_odoo_kw_args("mydb", 2, "KEY", "res.partner", "search_read",
	                    pargs, NULL);
	assert_non_null(a);
	assert_string_equal(json_object_to_json_string_ext(a,
	    JSON_C_TO_STRING_PLAIN), "[\"mydb\",2,\"KEY\",\"res.partner\","
	    "\"search_read\",[[]],{}]");
	json_object_put(a);
}

static void
a_result_is_ok_and_kept_false_included(void **state)
{
	struct hs_odoo_reply r;

	classify(200, NULL, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":[7,8]}",
	         &r);
	assert_int_equal(r.cls, HS_ODOO_OK);
	assert_int_equal(json_object_array_length(r.result), 2);
	assert_string_equal(r.what, "");
	hs_odoo_reply_release(&r);
	/* authenticate's false (a wrong password) is a result, not an error */
	classify(200, NULL, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":false}",
	         &r);
	assert_int_equal(r.cls, HS_ODOO_OK);
	assert_true(json_object_is_type(r.result, json_type_boolean));
	assert_false(json_object_get_boolean(r.result));
	hs_odoo_reply_release(&r);
	classify(200, NULL, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":null}",
	         &r);
	assert_int_equal(r.cls, HS_ODOO_OK);
	assert_null(r.result);
}

static void
access_denied_is_an_auth_failure(void **state)
{
	struct hs_odoo_reply r;

	assert_int_equal(class_of("odoo.exceptions.AccessDenied",
	                 "Access Denied", &r), HS_ODOO_AUTH);
	assert_string_equal(r.what, "AccessDenied: Access Denied");
}

static void
access_error_is_a_rights_problem(void **state)
{
	struct hs_odoo_reply r;

	assert_int_equal(class_of("odoo.exceptions.AccessError", "You are not "
	                 "allowed to create 'ManyChat Contact'", &r),
	                 HS_ODOO_ACCESS);
}

static void
data_errors_belong_to_a_record(void **state)
{
	static const char *const names[] = {
		"odoo.exceptions.ValidationError", "odoo.exceptions.UserError",
		"odoo.exceptions.MissingError", "builtins.ValueError",
		"builtins.TypeError", "builtins.KeyError", "ValueError",
		"psycopg2.errors.UniqueViolation", "psycopg2.IntegrityError",
		NULL
	};
	struct hs_odoo_reply r;
	size_t i;

	for (i = 0; names[i]; i++)
		if (class_of(names[i], "bad value", &r) != HS_ODOO_RECORD)
			fail_msg("%s is not a record error", names[i]);
	class_of("odoo.exceptions.ValidationError", "Invalid email", &r);
	assert_string_equal(r.what, "ValidationError: Invalid email");
}

static void
transient_server_errors_retry(void **state)
{
	struct hs_odoo_reply r;

	assert_int_equal(class_of("psycopg2.errors.SerializationFailure",
	                 "could not serialize access due to concurrent update",
	                 &r), HS_ODOO_RETRY);
	assert_int_equal(class_of("psycopg2.OperationalError", "server closed "
	                 "the connection unexpectedly", &r), HS_ODOO_RETRY);
	/* the message wins over a record-level class */
	assert_int_equal(class_of("odoo.exceptions.UserError", "could not "
	                 "serialize access due to concurrent update", &r),
	                 HS_ODOO_RETRY);
	assert_int_equal(class_of("odoo.exceptions.SomethingNew", "?", &r),
	                 HS_ODOO_RETRY);
}

static void
an_error_without_data_retries_with_its_message(void **state)
{
	struct hs_odoo_reply r;

	classify(200, NULL, "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":"
	         "100,\"message\":\"Odoo Session Expired\"}}", &r);
	assert_int_equal(r.cls, HS_ODOO_RETRY);
	assert_non_null(strstr(r.what, "Odoo Session Expired"));
}

static void
the_traceback_is_never_kept_and_what_is_one_line(void **state)
{
	struct hs_odoo_reply r;

	class_of("odoo.exceptions.ValidationError", "The operation cannot be "
	         "completed:\\n- Create/update: a mandatory field is not set.",
	         &r);
	assert_null(strstr(r.what, "SECRET-VALUE"));
	assert_null(strstr(r.what, "Traceback"));
	assert_null(strchr(r.what, '\n'));
	assert_string_equal(r.what, "ValidationError: The operation cannot be "
	    "completed: - Create/update: a mandatory field is not set.");
}

static void
status_429_retries_after_retry_after(void **state)
{
	struct hs_odoo_reply r;

	classify(429, "7", "<html>Too many</html>", &r);
	assert_int_equal(r.cls, HS_ODOO_RETRY);
	assert_int_equal(r.status, 429);
	assert_int_equal(r.retry_after_ms, 7000);
	assert_string_equal(r.what, "HTTP 429 Too Many Requests");
	/* an HTTP date, 30 s after now */
	classify(429, "Thu, 28 May 2026 20:27:10 GMT", "", &r);
	assert_int_equal(r.retry_after_ms, 30000);
	classify(429, NULL, "", &r);
	assert_int_equal(r.retry_after_ms, -1);
}

static void
gateway_errors_retry(void **state)
{
	static const int st[] = { 500, 502, 503, 504, 400, 404 };
	struct hs_odoo_reply r;
	size_t i;

	for (i = 0; i < sizeof(st) / sizeof(st[0]); i++) {
		classify(st[i], i == 2 ? "5" : NULL, "<html>x</html>", &r);
		assert_int_equal(r.cls, HS_ODOO_RETRY);
		assert_int_equal(r.status, st[i]);
	}
	classify(503, "5", "", &r);
	assert_int_equal(r.retry_after_ms, 5000);
	assert_string_equal(r.what, "HTTP 503");
}

static void
a_200_that_is_not_json_rpc_retries(void **state)
{
	static const char *const bodies[] = {
		"<html>maintenance</html>", "", "[1,2]",
		"{\"jsonrpc\":\"2.0\"}",
		"{\"result\":[1", "{\"result\":1} trailing", "\"str\"", NULL
	};
	struct hs_odoo_reply r;
	size_t i;

	for (i = 0; bodies[i]; i++) {
		classify(200, NULL, bodies[i], &r);
		if (r.cls != HS_ODOO_RETRY || r.result)
			fail_msg("'%s' was not refused", bodies[i]);
	}
}

static void
deeply_nested_answers_are_refused(void **state)
{
	char body[512];
	struct hs_odoo_reply r;
	size_t i, n = 0;

	n += (size_t)snprintf(body, sizeof(body), "{\"result\":");
	for (i = 0; i < 100; i++)
		body[n++] = '[';
	for (i = 0; i < 100; i++)
		body[n++] = ']';
	body[n++] = '}';
	body[n] = '\0';
	classify(200, NULL, body, &r);
	assert_int_equal(r.cls, HS_ODOO_RETRY);
	assert_null(r.result);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    encode_builds_a_call_whose_params_are_an_object),
		cmocka_unit_test(encode_fails_cleanly_past_the_buffer_cap),
		cmocka_unit_test(
		    kw_args_are_db_uid_password_model_method_args_and_kwargs),
		cmocka_unit_test(a_result_is_ok_and_kept_false_included),
		cmocka_unit_test(access_denied_is_an_auth_failure),
		cmocka_unit_test(access_error_is_a_rights_problem),
		cmocka_unit_test(data_errors_belong_to_a_record),
		cmocka_unit_test(transient_server_errors_retry),
		cmocka_unit_test(
		    an_error_without_data_retries_with_its_message),
		cmocka_unit_test(
		    the_traceback_is_never_kept_and_what_is_one_line),
		cmocka_unit_test(status_429_retries_after_retry_after),
		cmocka_unit_test(gateway_errors_retry),
		cmocka_unit_test(a_200_that_is_not_json_rpc_retries),
		cmocka_unit_test(deeply_nested_answers_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
