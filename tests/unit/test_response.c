/*
 * test_response.c - the written answer: a plain-text body goes out as the
 * exact bytes with "Content-Type: text/plain; charset=utf-8" (Meta's
 * verification echo), a JSON body as application/json; a later error
 * turns a text answer back into JSON; HEAD sends the head only.
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
#include "front/response.h"

static int
collect(void *ctx, const char *data, size_t n)
{
	return hs_buf_add(ctx, data, n) == HS_OK ? 0 : -1;
}

/* rs written for method into out (initialised here; release it). */
static void
written(const struct hs_response *rs, const char *method, struct hs_buf *out)
{
	hs_buf_init(out, 1024 * 1024);
	assert_true(hs_response_write(rs, method, collect, out) >= 0);
}

static void
text_answer_is_the_exact_bytes_as_text_plain(void **state)
{
	static const char want[] = "Status: 200 OK\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Cache-Control: no-store\r\n"
	    "\r\n"
	    "1158201444";
	struct hs_response rs;
	struct hs_buf out;

	hs_response_init(&rs);
	hs_response_text(&rs, 200, "1158201444", 10);
	written(&rs, "GET", &out);
	assert_int_equal(out.len, sizeof(want) - 1);
	assert_memory_equal(out.data, want, out.len);
	hs_buf_release(&out);
	hs_response_release(&rs);
}

static void
text_body_keeps_spaces_newlines_and_utf8_unquoted(void **state)
{
	static const char body[] = " a b\n\"q\"\r\nopci\xc3\xb3n ";
	struct hs_response rs;
	struct hs_buf out;
	const char *sep;

	hs_response_init(&rs);
	hs_response_text(&rs, 200, body, sizeof(body) - 1);
	written(&rs, "GET", &out);
	sep = strstr(out.data, "\r\n\r\n");
	assert_non_null(sep);
	assert_int_equal(out.len - (size_t)(sep + 4 - out.data),
	    sizeof(body) - 1);
	assert_memory_equal(sep + 4, body, sizeof(body) - 1);
	hs_buf_release(&out);
	hs_response_release(&rs);
}

static void
empty_text_answer_has_no_body(void **state)
{
	struct hs_response rs;
	struct hs_buf out;

	hs_response_init(&rs);
	hs_response_text(&rs, 200, "", 0);
	written(&rs, "GET", &out);
	assert_non_null(strstr(out.data, "text/plain"));
	assert_int_equal(out.data[out.len - 1], '\n');
	assert_int_equal(out.data[out.len - 3], '\n');
	hs_buf_release(&out);
	hs_response_release(&rs);
}

static void
json_answer_is_application_json(void **state)
{
	struct hs_response rs;
	struct hs_buf out;
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(1));
	hs_response_init(&rs);
	hs_response_json(&rs, 202, o);
	json_object_put(o);
	written(&rs, "POST", &out);
	assert_string_equal(out.data, "Status: 202 Accepted\r\n"
	    "Content-Type: application/json\r\n"
	    "Cache-Control: no-store\r\n"
	    "\r\n"
	    "{\"ok\":true}");
	hs_buf_release(&out);
	hs_response_release(&rs);
}

static void
error_after_text_is_json_again(void **state)
{
	struct hs_response rs;
	struct hs_buf out;

	hs_response_init(&rs);
	hs_response_text(&rs, 200, "challenge", 9);
	hs_response_error(&rs, 403, "forbidden", "wrong verify token");
	written(&rs, "GET", &out);
	assert_string_equal(out.data, "Status: 403 Forbidden\r\n"
	    "Content-Type: application/json\r\n"
	    "Cache-Control: no-store\r\n"
	    "\r\n"
	    "{\"error\":\"forbidden\",\"detail\":\"wrong verify token\"}");
	hs_buf_release(&out);
	hs_response_release(&rs);
}

static void
text_past_the_body_cap_is_a_json_500(void **state)
{
	size_t n = 1024 * 1024;
	char *big = malloc(n);
	struct hs_response rs;

	assert_non_null(big);
	memset(big, 'x', n);
	hs_response_init(&rs);
	hs_response_text(&rs, 200, big, n);
	assert_int_equal(rs.status, 500);
	assert_null(rs.content_type);
	assert_non_null(strstr(hs_buf_str(&rs.body), "response too large"));
	hs_response_release(&rs);
	free(big);
}

static void
head_of_a_text_answer_has_no_body(void **state)
{
	struct hs_response rs;
	struct hs_buf out;

	hs_response_init(&rs);
	hs_response_text(&rs, 200, "1158201444", 10);
	written(&rs, "HEAD", &out);
	assert_string_equal(out.data, "Status: 200 OK\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Cache-Control: no-store\r\n"
	    "\r\n");
	hs_buf_release(&out);
	hs_response_release(&rs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(text_answer_is_the_exact_bytes_as_text_plain),
		cmocka_unit_test(
		    text_body_keeps_spaces_newlines_and_utf8_unquoted),
		cmocka_unit_test(empty_text_answer_has_no_body),
		cmocka_unit_test(json_answer_is_application_json),
		cmocka_unit_test(error_after_text_is_json_again),
		cmocka_unit_test(text_past_the_body_cap_is_a_json_500),
		cmocka_unit_test(head_of_a_text_answer_has_no_body),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
