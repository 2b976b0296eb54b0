/*
 * test_json_strict.c - the RFC 8259 recogniser that runs before json-c:
 * what it accepts, what it refuses (comments, single quotes, NaN, trailing
 * commas and data, bad UTF-8, raw control characters, deep nesting), and
 * that the position it reports is the one a sender can act on.
 *
 * Every input is copied into a heap block of exactly n bytes with no NUL
 * after it, so ASan catches a read past the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/caps.h"
#include "core/json_strict.h"

static int
check_n(const char *text, size_t n, int depth, struct hs_json_error *err)
{
	char *copy = malloc(n ? n : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, text, n);
	rc = hs_json_check(copy, n, depth, err);
	free(copy);
	return rc;
}

static void
valid(const char *text)
{
	struct hs_json_error err;

	memset(&err, 0, sizeof(err));
	if (check_n(text, strlen(text), HS_JSON_MAX_DEPTH, &err) != 0)
		fail_msg("refused valid JSON '%s': %s at %zu", text,
		    err.reason ? err.reason : "(no reason)", err.offset);
}

/* Asserts text is refused at offset with a reason containing why. */
static void
invalid_n(const char *text, size_t n, size_t offset, const char *why)
{
	struct hs_json_error err;

	memset(&err, 0, sizeof(err));
	if (check_n(text, n, HS_JSON_MAX_DEPTH, &err) != -1)
		fail_msg("accepted invalid JSON '%.*s'", (int)n, text);
	assert_non_null(err.reason);
	if (why && !strstr(err.reason, why))
		fail_msg("'%.*s': reason '%s' lacks '%s'", (int)n, text,
		    err.reason, why);
	if (offset != (size_t)-1 && err.offset != offset)
		fail_msg("'%.*s': offset %zu, want %zu (%s)", (int)n, text,
		    err.offset, offset, err.reason);
}

static void
invalid(const char *text, size_t offset, const char *why)
{
	invalid_n(text, strlen(text), offset, why);
}

#define ANY ((size_t)-1)

static void
accepts_objects_arrays_and_scalars(void **state)
{
	valid("{}");
	valid("[]");
	valid("{\"a\":1}");
	valid(" \t\r\n{ \"a\" : [ 1 , 2 , { } , [ ] ] , \"b\" : null } \n");
	valid("[true,false,null]");
	valid("\"top-level string\"");
	valid("42");
	valid("null");
	valid("{\"manychat_id\":\"test_contact_456\",\"nombre_lead\":"
	    "\"Test Contact Data\",\"datetime_actual\":\"2025-06-05T12:41:36Z\","
	    "\"ultimo_estado\":\"Nuevo\",\"phone\":\"+56912345678\"}");
}

static void
accepts_every_number_form(void **state)
{
	valid("[0,-0,1,-1,10,1.5,-0.25,1e3,1E3,1e+3,1e-3,2.5E-10,"
	    "12345678901234567890123]");
}

static void
refuses_malformed_numbers(void **state)
{
	invalid("01", 1, "after the JSON value");
	invalid("[01]", 2, "expected ','");
	invalid("-", 1, "digit");
	invalid("1.", 2, "digit");
	invalid(".5", 0, "unexpected character");
	invalid("1e", 2, "digit");
	invalid("1e+", 3, "digit");
	invalid("+1", 0, "unexpected character");
	invalid("0x10", 1, "after the JSON value");
}

static void
accepts_escapes_and_utf8(void **state)
{
	valid("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\uD83D\\uDE00\"");
	valid("\"P\xc3\xa9rez\"");			/* 2 bytes */
	valid("\"campa\xc3\xb1" "a \xe2\x82\xac\"");	/* 3 bytes */
	valid("\"\xf0\x9f\x98\x80\"");			/* 4 bytes */
	valid("\"\xf4\x8f\xbf\xbf\"");			/* U+10FFFF */
	valid("\"\x7f\"");			/* DEL is allowed by RFC 8259 */
}

static void
refuses_line_comments_with_a_reason_about_comments(void **state)
{
	invalid("{\"a\": 1 // the id\n}", 8, "comment");
	invalid("// header\n{}", 0, "comment");
	invalid("{\"a\": // x\n 1}", 6, "comment");
	invalid("{} // done", 3, "comment");
}

static void
refuses_block_comments(void **state)
{
	invalid("{/* c */\"a\":1}", 1, "comment");
	invalid("[1, /* two */ 2]", 4, "comment");
}

static void
refuses_single_quoted_strings(void **state)
{
	invalid("{'a':1}", 1, "string key");
	invalid("{\"a\":'b'}", 5, "double quotes");
	invalid("'x'", 0, "double quotes");
}

static void
refuses_nan_and_infinity(void **state)
{
	invalid("NaN", 0, NULL);
	invalid("[1, NaN]", 4, NULL);
	invalid("{\"a\":Infinity}", 5, NULL);
	invalid("{\"a\":-Infinity}", 6, "digit");
	invalid("nan", 0, "literal");
}

static void
refuses_bad_literals(void **state)
{
	invalid("tru", 0, "literal");
	invalid("True", 0, NULL);
	invalid("nul", 0, "literal");
	invalid("[fals]", 1, "literal");
}

static void
refuses_trailing_commas(void **state)
{
	invalid("[1,2,]", 5, NULL);
	invalid("{\"a\":1,}", 7, "string key");
	invalid("[,]", 1, NULL);
	invalid("{,}", 1, "string key");
}

static void
refuses_trailing_data(void **state)
{
	invalid("{}x", 2, "after the JSON value");
	invalid("{}{}", 2, "after the JSON value");
	invalid("1 2", 2, "after the JSON value");
	invalid_n("{}\0", 3, 2, "after the JSON value");
}

static void
checks_only_the_first_n_bytes(void **state)
{
	struct hs_json_error err;

	assert_int_equal(hs_json_check("{}garbage", 2, 4, &err), 0);
	assert_int_equal(hs_json_check("[1,2]", 4, 4, &err), -1);
	assert_string_equal(err.reason, "expected ',' or ']'");
	assert_int_equal(err.offset, 4);
}

static void
refuses_bad_utf8_in_strings(void **state)
{
	invalid("\"\x80\"", 1, "UTF-8");		/* lone continuation */
	invalid("\"\xc0\xaf\"", 1, "UTF-8");		/* overlong '/' */
	invalid("\"\xc1\xbf\"", 1, "UTF-8");		/* overlong */
	invalid("\"\xe0\x80\xaf\"", 1, "UTF-8");	/* overlong, 3 bytes */
	invalid("\"\xed\xa0\x80\"", 1, "UTF-8");	/* UTF-16 surrogate */
	invalid("\"\xf0\x80\x80\xaf\"", 1, "UTF-8");	/* overlong, 4 bytes */
	invalid("\"\xf4\x90\x80\x80\"", 1, "UTF-8");	/* > U+10FFFF */
	invalid("\"\xf5\x80\x80\x80\"", 1, "UTF-8");
	invalid("\"\xff\"", 1, "UTF-8");
	invalid("\"ab\xc3\"", 3, "UTF-8");		/* cut sequence */
	invalid("\"\xe2\x82\"", 1, "UTF-8");
	invalid_n("\"\xe2\x82", 3, 1, "UTF-8");	/* cut at the end */
}

static void
refuses_raw_control_characters_in_strings(void **state)
{
	invalid("\"a\nb\"", 2, "control character");
	invalid("\"a\tb\"", 2, "control character");
	invalid("\"\x01\"", 1, "control character");
	invalid("\"\x1f\"", 1, "control character");
	invalid_n("\"a\0b\"", 5, 2, "control character");
}

static void
refuses_invalid_escapes(void **state)
{
	invalid("\"\\x41\"", 2, "escape");
	invalid("\"\\'\"", 2, "escape");
	invalid("\"\\u12\"", 5, "escape");
	invalid("\"\\u12G4\"", 5, "escape");
	invalid_n("\"\\u00", 5, 5, "escape");
	invalid_n("\"\\", 2, 2, "escape");
}

/*
 * Regression test (bug fixed in 9d53f6a):
 * lib/core/json_strict.c escape() tests the byte after '\'
 * with strchr("\"\\/bfnrtu", c), and strchr finds the terminating NUL
 * when c == 0, so a backslash followed by a NUL byte is accepted as a
 * valid escape. json-c later stops at that NUL.
 */
static void
refuses_backslash_followed_by_nul(void **state)
{
	struct hs_json_error err;
	static const char text[] = "{\"a\":\"\\\0\"}";	/* 10 bytes */

	memset(&err, 0, sizeof(err));
	if (check_n(text, sizeof(text) - 1, HS_JSON_MAX_DEPTH, &err) == 0)
		fail_msg("regression: "
		    "json_strict escape(): a backslash followed by a "
		    "NUL byte was accepted as a valid escape");
	assert_string_equal(err.reason, "invalid escape in string");
	assert_int_equal(err.offset, 7);
}

static void
refuses_unterminated_input(void **state)
{
	invalid("", 0, "end of input");
	invalid("   ", 3, "end of input");
	invalid("\"abc", 4, "unterminated string");
	invalid("{\"a\":1", 6, "expected ','");
	invalid("[1", 2, "expected ','");
	invalid("{\"a\"", 4, "':'");
	invalid("{\"a\":", 5, "end of input");
	invalid("{\"a\" 1}", 5, "':'");
	invalid("{1:2}", 1, "string key");
}

static void
nesting_up_to_the_limit_is_accepted_and_one_more_refused(void **state)
{
	struct hs_json_error err;
	char text[2 * 8 + 1];
	int i;

	for (i = 0; i < 4; i++) {
		text[i] = '[';
		text[4 + i] = ']';
	}
	text[8] = '\0';
	assert_int_equal(check_n(text, 8, 4, &err), 0);
	assert_int_equal(check_n(text, 8, 3, &err), -1);
	assert_string_equal(err.reason, "nested too deeply");
	assert_int_equal(err.offset, 4);
	assert_int_equal(check_n("{\"a\":[{\"b\":[]}]}", 16, 4, &err), 0);
	assert_int_equal(check_n("{\"a\":[{\"b\":[]}]}", 16, 3, &err), -1);
	assert_string_equal(err.reason, "nested too deeply");
}

static void
hostile_nesting_is_refused_without_deep_recursion(void **state)
{
	size_t n = 1000000;
	char *text = malloc(n);
	struct hs_json_error err;

	assert_non_null(text);
	memset(text, '[', n);
	assert_int_equal(hs_json_check(text, n, HS_JSON_MAX_DEPTH, &err), -1);
	assert_string_equal(err.reason, "nested too deeply");
	assert_int_equal(err.offset, HS_JSON_MAX_DEPTH + 1);
	memset(text, '{', n);
	text[0] = '[';
	assert_int_equal(hs_json_check(text, n, HS_JSON_MAX_DEPTH, &err), -1);
	free(text);
}

static void
error_position_has_line_and_column(void **state)
{
	struct hs_json_error err;
	const char *text = "{\n  \"a\": 1,\n  \"b\": x\n}";

	assert_int_equal(check_n(text, strlen(text), 8, &err), -1);
	assert_int_equal(err.offset, 19);
	assert_int_equal(err.line, 3);
	assert_int_equal(err.column, 8);
	assert_string_equal(err.reason, "unexpected character");
}

static void
error_on_first_byte_is_line_1_column_1(void **state)
{
	struct hs_json_error err;

	assert_int_equal(check_n("x", 1, 8, &err), -1);
	assert_int_equal(err.offset, 0);
	assert_int_equal(err.line, 1);
	assert_int_equal(err.column, 1);
}

static void
comment_position_points_at_the_slash(void **state)
{
	struct hs_json_error err;
	/* the seed's samples: a // comment at the end of line 2 */
	const char *text = "{\n  \"manychat_id\": \"1\", // the contact\n"
	    "  \"x\": 2\n}";

	assert_int_equal(check_n(text, strlen(text), 8, &err), -1);
	assert_int_equal(err.line, 2);
	assert_int_equal(err.column, 23);
	assert_int_equal(text[err.offset], '/');
	assert_non_null(strstr(err.reason, "comment"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepts_objects_arrays_and_scalars),
		cmocka_unit_test(accepts_every_number_form),
		cmocka_unit_test(refuses_malformed_numbers),
		cmocka_unit_test(accepts_escapes_and_utf8),
		cmocka_unit_test(refuses_line_comments_with_a_reason_about_comments),
		cmocka_unit_test(refuses_block_comments),
		cmocka_unit_test(refuses_single_quoted_strings),
		cmocka_unit_test(refuses_nan_and_infinity),
		cmocka_unit_test(refuses_bad_literals),
		cmocka_unit_test(refuses_trailing_commas),
		cmocka_unit_test(refuses_trailing_data),
		cmocka_unit_test(checks_only_the_first_n_bytes),
		cmocka_unit_test(refuses_bad_utf8_in_strings),
		cmocka_unit_test(refuses_raw_control_characters_in_strings),
		cmocka_unit_test(refuses_invalid_escapes),
		cmocka_unit_test(refuses_backslash_followed_by_nul),
		cmocka_unit_test(refuses_unterminated_input),
		cmocka_unit_test(nesting_up_to_the_limit_is_accepted_and_one_more_refused),
		cmocka_unit_test(hostile_nesting_is_refused_without_deep_recursion),
		cmocka_unit_test(error_position_has_line_and_column),
		cmocka_unit_test(error_on_first_byte_is_line_1_column_1),
		cmocka_unit_test(comment_position_points_at_the_slash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
