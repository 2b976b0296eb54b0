/*
 * test_validate.c - the typed field checks behind every 422: each returns
 * 1 (present and valid), 0 (absent or null, allowed) or -1 (a problem was
 * recorded under the field's name), and the problem list is capped while
 * the total still counts every problem.
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

#include "intake/validate.h"

/* Parses a JSON object used as the body under test (owned by the caller). */
static struct json_object *
body(const char *text)
{
	struct json_object *o = json_tokener_parse(text);

	if (!o)
		fail_msg("test body is not JSON: %s", text);
	return o;
}

/* Asserts f holds exactly one problem, for field, mentioning what. */
static void
one_problem(const struct hs_fields *f, const char *field, const char *what)
{
	assert_int_equal(f->total, 1);
	assert_int_equal(f->n, 1);
	assert_string_equal(f->p[0].field, field);
	if (!strstr(f->p[0].problem, what))
		fail_msg("%s: problem '%s' lacks '%s'", field, f->p[0].problem,
		    what);
}

static void
fields_list_is_capped_but_total_counts_all(void **state)
{
	struct hs_fields f;
	char name[32];
	size_t i;

	hs_fields_init(&f);
	for (i = 0; i < HS_MAX_FIELD_ERRORS + 5; i++) {
		snprintf(name, sizeof(name), "f%zu", i);
		hs_fields_add(&f, name, "is bad");
	}
	assert_int_equal(f.n, HS_MAX_FIELD_ERRORS);
	assert_int_equal(f.total, HS_MAX_FIELD_ERRORS + 5);
	assert_string_equal(f.p[0].field, "f0");
	snprintf(name, sizeof(name), "f%d", HS_MAX_FIELD_ERRORS - 1);
	assert_string_equal(f.p[HS_MAX_FIELD_ERRORS - 1].field, name);
}

static void
fields_json_lists_the_recorded_problems(void **state)
{
	struct json_object *o = json_object_new_object(), *arr, *e, *v;
	struct hs_fields f;
	size_t i;

	hs_fields_init(&f);
	for (i = 0; i < HS_MAX_FIELD_ERRORS + 3; i++)
		hs_fields_add(&f, "manychat_id", "is required");
	hs_fields_to_json(&f, o);
	assert_true(json_object_object_get_ex(o, "fields", &arr));
	assert_true(json_object_is_type(arr, json_type_array));
	assert_int_equal(json_object_array_length(arr), HS_MAX_FIELD_ERRORS);
	e = json_object_array_get_idx(arr, 0);
	assert_true(json_object_object_get_ex(e, "field", &v));
	assert_string_equal(json_object_get_string(v), "manychat_id");
	assert_true(json_object_object_get_ex(e, "problem", &v));
	assert_string_equal(json_object_get_string(v), "is required");
	json_object_put(o);
}

static void
fields_json_is_an_empty_list_without_problems(void **state)
{
	struct json_object *o = json_object_new_object(), *arr;
	struct hs_fields f;

	hs_fields_init(&f);
	hs_fields_to_json(&f, o);
	assert_true(json_object_object_get_ex(o, "fields", &arr));
	assert_int_equal(json_object_array_length(arr), 0);
	json_object_put(o);
}

static void
long_field_name_is_truncated_not_overflowed(void **state)
{
	struct hs_fields f;
	char name[200];

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	hs_fields_init(&f);
	hs_fields_add(&f, name, "is bad");
	assert_int_equal(strlen(f.p[0].field), sizeof(f.p[0].field) - 1);
}

static void
id_accepts_a_string(void **state)
{
	struct json_object *o = body("{\"id\":\"test_contact_456\"}");
	struct hs_fields f;
	char out[260];

	hs_fields_init(&f);
	assert_int_equal(hs_v_id(o, "id", "id", 1, out, sizeof(out), &f), 1);
	assert_string_equal(out, "test_contact_456");
	assert_int_equal(f.total, 0);
	json_object_put(o);
}

static void
id_accepts_an_integer_as_its_decimal_text(void **state)
{
	struct json_object *o = body("{\"a\":1515862162,\"b\":-7,"
	    "\"c\":9223372036854775807}");
	struct hs_fields f;
	char out[260];

	hs_fields_init(&f);
	assert_int_equal(hs_v_id(o, "a", "a", 1, out, sizeof(out), &f), 1);
	assert_string_equal(out, "1515862162");
	assert_int_equal(hs_v_id(o, "b", "b", 1, out, sizeof(out), &f), 1);
	assert_string_equal(out, "-7");
	assert_int_equal(hs_v_id(o, "c", "c", 1, out, sizeof(out), &f), 1);
	assert_string_equal(out, "9223372036854775807");
	assert_int_equal(f.total, 0);
	json_object_put(o);
}

static void
id_absent_or_null_is_a_problem_only_when_required(void **state)
{
	struct json_object *o = body("{\"n\":null}");
	struct hs_fields f;
	char out[260];

	hs_fields_init(&f);
	assert_int_equal(hs_v_id(o, "x", "x", 0, out, sizeof(out), &f), 0);
	assert_int_equal(hs_v_id(o, "n", "n", 0, out, sizeof(out), &f), 0);
	assert_int_equal(f.total, 0);
	assert_int_equal(hs_v_id(o, "x", "meta.x", 1, out, sizeof(out), &f),
	                 -1);
	one_problem(&f, "meta.x", "is required");
	assert_int_equal(hs_v_id(o, "n", "n", 1, out, sizeof(out), &f), -1);
	assert_int_equal(f.total, 2);
	assert_string_equal(f.p[1].problem, "is required");
	assert_int_equal(hs_v_id(NULL, "x", "x", 1, out, sizeof(out), &f), -1);
	json_object_put(o);
}

static void
id_refuses_an_empty_string(void **state)
{
	struct json_object *o = body("{\"id\":\"\"}");
	struct hs_fields f;
	char out[260];

	hs_fields_init(&f);
	assert_int_equal(hs_v_id(o, "id", "id", 0, out, sizeof(out), &f), -1);
	one_problem(&f, "id", "empty");
	json_object_put(o);
}

static void
id_of_256_bytes_is_accepted_and_257_refused(void **state)
{
	struct json_object *o = json_object_new_object();
	struct hs_fields f;
	char text[258], out[300];

	memset(text, 'a', sizeof(text));
	text[256] = '\0';
	json_object_object_add(o, "ok", json_object_new_string(text));
	text[256] = 'a';
	text[257] = '\0';
	json_object_object_add(o, "long", json_object_new_string(text));
	hs_fields_init(&f);
	assert_int_equal(hs_v_id(o, "ok", "ok", 1, out, sizeof(out), &f), 1);
	assert_int_equal(strlen(out), 256);
	assert_int_equal(hs_v_id(o, "long", "long", 1, out, sizeof(out), &f),
	                 -1);
	one_problem(&f, "long", "longer than 256");
	json_object_put(o);
}

static void
id_longer_than_the_buffer_is_a_problem_not_a_truncation(void **state)
{
	struct json_object *o = body("{\"id\":\"abcdefghij\"}");
	struct hs_fields f;
	char out[8];

	hs_fields_init(&f);
	assert_int_equal(hs_v_id(o, "id", "id", 1, out, sizeof(out), &f), -1);
	assert_int_equal(f.total, 1);
	json_object_put(o);
}

/*
 * Regression test (bug fixed in 9d53f6a):
 * lib/intake/validate.c hs_v_id() writes an integer with
 * snprintf(out, outlen, ...) and returns 1 even when the text did not fit,
 * so an integer id is silently truncated; the header promises "truncated
 * never: too long is a problem".
 */
static void
integer_id_longer_than_the_buffer_is_a_problem_not_a_truncation(void **state)
{
	struct json_object *o = body("{\"id\":1515862162}");
	struct hs_fields f;
	char out[6];
	int rc;

	hs_fields_init(&f);
	rc = hs_v_id(o, "id", "id", 1, out, sizeof(out), &f);
	json_object_put(o);
	if (rc == 1)
		fail_msg("regression: "
		    "validate hs_v_id(): integer 1515862162 with a "
		    "6-byte buffer returned 1 and '%s'", out);
	assert_int_equal(rc, -1);
	assert_int_equal(f.total, 1);
}

/*
 * Regression test (bug fixed in 9d53f6a):
 * lib/intake/validate.c hs_v_id() converts integers with
 * json_object_get_int64(), which clamps: 9223372036854775808 and
 * 18446744073709551615 both become "9223372036854775807", so two
 * different senders' ids collide silently.
 */
static void
integer_id_beyond_int64_is_refused_or_kept_exactly(void **state)
{
	struct json_object *o = body("{\"a\":9223372036854775808,"
	    "\"b\":18446744073709551615}");
	struct hs_fields f;
	char a[260] = "", b[260] = "";
	int ra, rb;

	hs_fields_init(&f);
	ra = hs_v_id(o, "a", "a", 1, a, sizeof(a), &f);
	rb = hs_v_id(o, "b", "b", 1, b, sizeof(b), &f);
	json_object_put(o);
	if ((ra == 1 && strcmp(a, "9223372036854775808")) ||
	    (rb == 1 && strcmp(b, "18446744073709551615")))
		fail_msg("regression: "
		    "validate hs_v_id(): 9223372036854775808 -> '%s', "
		    "18446744073709551615 -> '%s' (clamped, not exact)", a, b);
}

static void
id_refuses_control_characters_and_nul(void **state)
{
	struct json_object *o = json_object_new_object();
	struct hs_fields f;
	char out[260];

	json_object_object_add(o, "nl", json_object_new_string("a\nb"));
	json_object_object_add(o, "soh", json_object_new_string("\x01"));
	json_object_object_add(o, "del", json_object_new_string("a\x7f"));
	json_object_object_add(o, "nul", json_object_new_string_len("a\0b", 3));
	hs_fields_init(&f);
	assert_int_equal(hs_v_id(o, "nl", "nl", 1, out, sizeof(out), &f), -1);
	assert_int_equal(hs_v_id(o, "soh", "soh", 1, out, sizeof(out), &f),
	                 -1);
	assert_int_equal(hs_v_id(o, "del", "del", 1, out, sizeof(out), &f),
	                 -1);
	assert_int_equal(hs_v_id(o, "nul", "nul", 1, out, sizeof(out), &f),
	                 -1);
	assert_int_equal(f.total, 4);
	assert_string_equal(f.p[3].field, "nul");
	assert_non_null(strstr(f.p[0].problem, "control"));
	assert_non_null(strstr(f.p[3].problem, "control"));
	json_object_put(o);
}

static void
id_accepts_utf8_text(void **state)
{
	struct json_object *o = body("{\"id\":\"P\xc3\xa9rez-1\"}");
	struct hs_fields f;
	char out[260];

	hs_fields_init(&f);
	assert_int_equal(hs_v_id(o, "id", "id", 1, out, sizeof(out), &f), 1);
	assert_string_equal(out, "P\xc3\xa9rez-1");
	json_object_put(o);
}

static void
id_refuses_floats_booleans_objects_and_arrays(void **state)
{
	struct json_object *o = body("{\"f\":1.5,\"e\":1e3,\"t\":true,"
	    "\"o\":{},\"a\":[1]}");
	static const char *const keys[] = { "f", "e", "t", "o", "a" };
	struct hs_fields f;
	char out[260];
	size_t i;

	hs_fields_init(&f);
	for (i = 0; i < 5; i++)
		assert_int_equal(hs_v_id(o, keys[i], keys[i], 1, out,
		    sizeof(out), &f), -1);
	assert_int_equal(f.total, 5);
	for (i = 0; i < 5; i++) {
		assert_string_equal(f.p[i].field, keys[i]);
		assert_string_equal(f.p[i].problem,
		                    "must be a string or an integer");
	}
	json_object_put(o);
}

static void
text_accepts_strings_up_to_max(void **state)
{
	struct json_object *o = body("{\"s\":\"12345\",\"n\":null}");
	struct hs_fields f;
	const char *s = NULL;

	hs_fields_init(&f);
	assert_int_equal(hs_v_text(o, "s", "s", 1, 5, &s, &f), 1);
	assert_string_equal(s, "12345");
	assert_int_equal(hs_v_text(o, "n", "n", 0, 5, &s, &f), 0);
	assert_null(s);
	assert_int_equal(hs_v_text(o, "s", "s", 1, 5, NULL, &f), 1);
	assert_int_equal(f.total, 0);
	assert_int_equal(hs_v_text(o, "s", "s", 1, 4, &s, &f), -1);
	assert_null(s);
	one_problem(&f, "s", "too long");
	json_object_put(o);
}

static void
text_refuses_non_strings_and_nul(void **state)
{
	struct json_object *o = body("{\"i\":1,\"o\":{}}");
	struct hs_fields f;

	json_object_object_add(o, "z", json_object_new_string_len("a\0b", 3));
	hs_fields_init(&f);
	assert_int_equal(hs_v_text(o, "i", "i", 0, 10, NULL, &f), -1);
	assert_int_equal(hs_v_text(o, "o", "o", 0, 10, NULL, &f), -1);
	assert_int_equal(hs_v_text(o, "z", "z", 0, 10, NULL, &f), -1);
	assert_int_equal(f.total, 3);
	assert_string_equal(f.p[0].problem, "must be a string");
	assert_non_null(strstr(f.p[2].problem, "NUL"));
	json_object_put(o);
}

static void
scalar_accepts_strings_integers_and_null(void **state)
{
	struct json_object *o = body("{\"p\":\"+56912345678\",\"i\":56912345678,"
	    "\"n\":null,\"f\":1.5,\"b\":false}");
	struct hs_fields f;

	hs_fields_init(&f);
	assert_int_equal(hs_v_scalar(o, "p", "p", &f), 1);
	assert_int_equal(hs_v_scalar(o, "i", "i", &f), 1);
	assert_int_equal(hs_v_scalar(o, "n", "n", &f), 0);
	assert_int_equal(hs_v_scalar(o, "x", "x", &f), 0);
	assert_int_equal(f.total, 0);
	assert_int_equal(hs_v_scalar(o, "b", "b", &f), -1);
	assert_int_equal(f.total, 1);
	json_object_put(o);
}

static void
iso_field_accepts_dates_and_refuses_other_text(void **state)
{
	struct json_object *o = body("{\"d\":\"2025-06-05T12:41:36Z\","
	    "\"bad\":\"2025-02-30\",\"num\":1749127296,\"day\":\"2025-06-05\"}");
	struct hs_fields f;
	const char *s = NULL;

	hs_fields_init(&f);
	assert_int_equal(hs_v_iso(o, "d", "d", 1, &s, &f), 1);
	assert_string_equal(s, "2025-06-05T12:41:36Z");
	assert_int_equal(hs_v_iso(o, "day", "day", 1, &s, &f), 1);
	assert_int_equal(hs_v_iso(o, "x", "x", 0, &s, &f), 0);
	assert_null(s);
	assert_int_equal(f.total, 0);
	assert_int_equal(hs_v_iso(o, "bad", "meta.bad", 1, &s, &f), -1);
	assert_null(s);
	one_problem(&f, "meta.bad", "ISO-8601");
	assert_int_equal(hs_v_iso(o, "num", "num", 1, &s, &f), -1);
	assert_int_equal(f.total, 2);
	assert_string_equal(f.p[1].problem, "must be a string");
	assert_int_equal(hs_v_iso(o, "x", "x", 1, &s, &f), -1);
	assert_int_equal(f.total, 3);
	json_object_put(o);
}

static void
email_plausibility(void **state)
{
	static const char *const good[] = {
		"test.data@example.com", "a@b.co", "first+tag@sub.example.org",
		"o'neil@example.ie", "x_y-z@example-host.com",
	};
	static const char *const bad[] = {
		"", "plain", "@example.com", "a@", "a@b", "a@@b.com",
		"a@b@c.com", "a b@c.com", "a@b .com", "a@.example.com",
		"a.@example.com", ".a@example.com", "a@example..com",
		"a@example.com.", "a@example.", "a,b@c.com", "<a@b.com>",
		"\"a\"@b.com", "a@b.c\x7f", "a\t@b.com",
	};
	char longest[300];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!hs_email_plausible(good[i]))
			fail_msg("refused '%s'", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (hs_email_plausible(bad[i]))
			fail_msg("accepted '%s'", bad[i]);
	memset(longest, 'a', sizeof(longest));
	memcpy(longest + 254 - 6, "@b.com", 7);		/* 254 bytes */
	assert_int_equal(hs_email_plausible(longest), 1);
	memset(longest, 'a', sizeof(longest));
	memcpy(longest + 255 - 6, "@b.com", 7);		/* 255 bytes */
	assert_int_equal(hs_email_plausible(longest), 0);
}

static void
email_field_treats_empty_string_as_absent(void **state)
{
	struct json_object *o = body("{\"e\":\"\",\"n\":null,"
	    "\"ok\":\"test.data@example.com\",\"bad\":\"not-an-address\","
	    "\"i\":5}");
	struct hs_fields f;

	hs_fields_init(&f);
	assert_int_equal(hs_v_email(o, "e", "e", &f), 0);
	assert_int_equal(hs_v_email(o, "n", "n", &f), 0);
	assert_int_equal(hs_v_email(o, "x", "x", &f), 0);
	assert_int_equal(hs_v_email(o, "ok", "ok", &f), 1);
	assert_int_equal(f.total, 0);
	assert_int_equal(hs_v_email(o, "bad", "email", &f), -1);
	one_problem(&f, "email", "e-mail");
	assert_int_equal(hs_v_email(o, "i", "i", &f), -1);
	assert_int_equal(f.total, 2);
	json_object_put(o);
}

static void
number_accepts_numbers_and_numeric_strings(void **state)
{
	struct json_object *o = body("{\"i\":10,\"d\":12.5,\"s\":\"15\","
	    "\"sd\":\"-0.25\",\"se\":\"1e3\",\"n\":null}");
	static const char *const keys[] = { "i", "d", "s", "sd", "se" };
	struct hs_fields f;
	size_t i;

	hs_fields_init(&f);
	for (i = 0; i < 5; i++)
		if (hs_v_number(o, keys[i], keys[i], 1, &f) != 1)
			fail_msg("refused %s", keys[i]);
	assert_int_equal(hs_v_number(o, "n", "n", 0, &f), 0);
	assert_int_equal(f.total, 0);
	assert_int_equal(hs_v_number(o, "n", "n", 1, &f), -1);
	one_problem(&f, "n", "is required");
	json_object_put(o);
}

static void
number_refuses_words_empty_and_out_of_range(void **state)
{
	struct json_object *o = body("{\"w\":\"ten\",\"e\":\"\",\"x\":\"12abc\","
	    "\"r\":\"1e999\",\"b\":true,\"a\":[1]}");
	static const char *const keys[] = { "w", "e", "x", "r", "b", "a" };
	struct hs_fields f;
	size_t i;

	hs_fields_init(&f);
	for (i = 0; i < 6; i++)
		if (hs_v_number(o, keys[i], keys[i], 1, &f) != -1)
			fail_msg("accepted %s", keys[i]);
	assert_int_equal(f.total, 6);
	assert_string_equal(f.p[0].problem, "must be a number");
	json_object_put(o);
}

/*
 * Regression test (bug fixed in 9d53f6a):
 * lib/intake/validate.c hs_v_number() accepts any string strtod()
 * takes whole, so "NaN", "inf", "0x1A" and " 12" pass as "a numeric
 * string", although the header promises an integer or decimal number and
 * the JSON check refuses NaN as a number.
 */
static void
number_refuses_nan_infinity_hex_and_padded_strings(void **state)
{
	struct json_object *o = body("{\"a\":\"NaN\",\"b\":\"inf\","
	    "\"c\":\"0x1A\",\"d\":\" 12\",\"e\":\"Infinity\"}");
	static const char *const keys[] = { "a", "b", "c", "d", "e" };
	char accepted[64] = "";
	struct hs_fields f;
	size_t i;

	hs_fields_init(&f);
	for (i = 0; i < 5; i++)
		if (hs_v_number(o, keys[i], keys[i], 1, &f) == 1) {
			strncat(accepted, " ", sizeof(accepted) -
			    strlen(accepted) - 1);
			strncat(accepted, json_object_get_string(
			    json_object_object_get(o, keys[i])),
			    sizeof(accepted) - strlen(accepted) - 1);
		}
	json_object_put(o);
	if (accepted[0])
		fail_msg("regression: "
		    "validate hs_v_number(): accepted as numbers:%s",
		    accepted);
}

static void
object_accepts_objects_only(void **state)
{
	struct json_object *o = body("{\"m\":{\"k\":1},\"a\":[],\"s\":\"{}\"}");
	struct json_object *out = (struct json_object *)1;
	struct hs_fields f;

	hs_fields_init(&f);
	assert_int_equal(hs_v_object(o, "m", "m", 1, &out, &f), 1);
	assert_ptr_equal(out, json_object_object_get(o, "m"));
	assert_int_equal(hs_v_object(o, "x", "x", 0, &out, &f), 0);
	assert_null(out);
	assert_int_equal(hs_v_object(o, "a", "a", 1, &out, &f), -1);
	assert_null(out);
	assert_int_equal(hs_v_object(o, "s", "s", 1, &out, &f), -1);
	assert_int_equal(f.total, 2);
	assert_string_equal(f.p[0].problem, "must be an object");
	json_object_put(o);
}

static void
checks_collect_every_problem_in_one_pass(void **state)
{
	struct json_object *o = body("{\"manychat_id\":\"\",\"id\":1.5,"
	    "\"email\":\"x\",\"datetime_actual\":\"yesterday\"}");
	struct hs_fields f;
	char out[260];

	hs_fields_init(&f);
	hs_v_id(o, "manychat_id", "manychat_id", 1, out, sizeof(out), &f);
	hs_v_id(o, "id", "id", 0, out, sizeof(out), &f);
	hs_v_email(o, "email", "email", &f);
	hs_v_iso(o, "datetime_actual", "datetime_actual", 0, NULL, &f);
	hs_v_text(o, "nombre_lead", "nombre_lead", 0, 10, NULL, &f);
	assert_int_equal(f.total, 4);
	assert_string_equal(f.p[0].field, "manychat_id");
	assert_string_equal(f.p[1].field, "id");
	assert_string_equal(f.p[2].field, "email");
	assert_string_equal(f.p[3].field, "datetime_actual");
	json_object_put(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fields_list_is_capped_but_total_counts_all),
		cmocka_unit_test(fields_json_lists_the_recorded_problems),
		cmocka_unit_test(fields_json_is_an_empty_list_without_problems),
		cmocka_unit_test(long_field_name_is_truncated_not_overflowed),
		cmocka_unit_test(id_accepts_a_string),
		cmocka_unit_test(id_accepts_an_integer_as_its_decimal_text),
		cmocka_unit_test(id_absent_or_null_is_a_problem_only_when_required),
		cmocka_unit_test(id_refuses_an_empty_string),
		cmocka_unit_test(id_of_256_bytes_is_accepted_and_257_refused),
		cmocka_unit_test(id_longer_than_the_buffer_is_a_problem_not_a_truncation),
		cmocka_unit_test(integer_id_longer_than_the_buffer_is_a_problem_not_a_truncation),
		cmocka_unit_test(integer_id_beyond_int64_is_refused_or_kept_exactly),
		cmocka_unit_test(id_refuses_control_characters_and_nul),
		cmocka_unit_test(id_accepts_utf8_text),
		cmocka_unit_test(id_refuses_floats_booleans_objects_and_arrays),
		cmocka_unit_test(text_accepts_strings_up_to_max),
		cmocka_unit_test(text_refuses_non_strings_and_nul),
		cmocka_unit_test(scalar_accepts_strings_integers_and_null),
		cmocka_unit_test(iso_field_accepts_dates_and_refuses_other_text),
		cmocka_unit_test(email_plausibility),
		cmocka_unit_test(email_field_treats_empty_string_as_absent),
		cmocka_unit_test(number_accepts_numbers_and_numeric_strings),
		cmocka_unit_test(number_refuses_words_empty_and_out_of_range),
		cmocka_unit_test(number_refuses_nan_infinity_hex_and_padded_strings),
		cmocka_unit_test(object_accepts_objects_only),
		cmocka_unit_test(checks_collect_every_problem_in_one_pass),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
