/*
 * test_timefmt.c - the spool's time text (ISO-8601 UTC with milliseconds)
 * and the strict ISO-8601 parser that webhook timestamp fields go through:
 * every accepted form with its UTC value, and the near misses it refuses;
 * and the test clock (HOOKSPOOL_TEST_NOW).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/timefmt.h"

/* 2025-06-05T00:00:00Z and 12:41:36Z that day, in ms since the epoch. */
#define D20250605	INT64_C(1749081600000)
#define T20250605_124136	INT64_C(1749127296000)
#define HOUR	INT64_C(3600000)
#define MIN	INT64_C(60000)

static int64_t
parses_to(const char *s)
{
	int64_t ms = -42;

	if (hs_time_parse_iso(s, &ms) != 0)
		fail_msg("refused '%s'", s);
	return ms;
}

static void
refused(const char *s)
{
	int64_t ms = -42;

	if (hs_time_parse_iso(s, &ms) == 0)
		fail_msg("accepted '%s' as %lld", s, (long long)ms);
	assert_int_equal(ms, -42);	/* untouched on failure */
}

static void
iso_formats_the_epoch(void **state)
{
	char out[HS_ISO_LEN];

	hs_time_iso(0, out, sizeof(out));
	assert_string_equal(out, "1970-01-01T00:00:00.000Z");
	assert_int_equal(strlen(out), HS_ISO_LEN - 1);
}

static void
iso_formats_milliseconds_and_dates(void **state)
{
	char out[HS_ISO_LEN];

	hs_time_iso(INT64_C(1795429818123), out, sizeof(out));
	assert_string_equal(out, "2026-11-23T10:30:18.123Z");
	hs_time_iso(INT64_C(1709208000000), out, sizeof(out));
	assert_string_equal(out, "2024-02-29T12:00:00.000Z");
	hs_time_iso(T20250605_124136 + 7, out, sizeof(out));
	assert_string_equal(out, "2025-06-05T12:41:36.007Z");
}

static void
iso_formats_times_before_the_epoch(void **state)
{
	char out[HS_ISO_LEN];

	hs_time_iso(-1, out, sizeof(out));
	assert_string_equal(out, "1969-12-31T23:59:59.999Z");
	hs_time_iso(-1000, out, sizeof(out));
	assert_string_equal(out, "1969-12-31T23:59:59.000Z");
	hs_time_iso(-1001, out, sizeof(out));
	assert_string_equal(out, "1969-12-31T23:59:58.999Z");
}

static void
iso_truncates_to_a_short_buffer_safely(void **state)
{
	char out[11];

	memset(out, 'Z', sizeof(out));
	hs_time_iso(0, out, sizeof(out));
	assert_string_equal(out, "1970-01-01");
}

static void
iso_text_sorts_like_time(void **state)
{
	char a[HS_ISO_LEN], b[HS_ISO_LEN];

	hs_time_iso(T20250605_124136 + 999, a, sizeof(a));
	hs_time_iso(T20250605_124136 + 1000, b, sizeof(b));
	assert_true(strcmp(a, b) < 0);
}

static void
formatted_time_parses_back_to_the_same_ms(void **state)
{
	static const int64_t v[] = { 0, 1, 999, INT64_C(1795429818123),
	    INT64_C(951782400000) /* 2000-02-29 */, INT64_C(4102444799999),
	    -1 };
	char out[HS_ISO_LEN];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		hs_time_iso(v[i], out, sizeof(out));
		assert_int_equal(parses_to(out), v[i]);
	}
}

static void
date_only_is_midnight_utc(void **state)
{
	assert_int_equal(parses_to("2025-06-05"), D20250605);
	assert_int_equal(parses_to("1970-01-01"), 0);
}

static void
zulu_and_offsets_convert_to_utc(void **state)
{
	assert_int_equal(parses_to("2025-06-05T12:41:36Z"), T20250605_124136);
	assert_int_equal(parses_to("2025-06-05t12:41:36z"), T20250605_124136);
	assert_int_equal(parses_to("2025-06-05T12:41:36+00:00"),
	                 T20250605_124136);
	assert_int_equal(parses_to("2025-06-05T06:41:36-06:00"),
	                 T20250605_124136);
	assert_int_equal(parses_to("2025-06-05T18:11:36+05:30"),
	                 T20250605_124136);
	assert_int_equal(parses_to("2025-06-05T18:11:36+0530"),
	                 T20250605_124136);
	assert_int_equal(parses_to("2025-06-05T17:41:36+05"),
	                 T20250605_124136);
	/* ManyChat's "subscribed" field */
	assert_int_equal(parses_to("2026-05-04T10:54:33-06:00"),
	                 INT64_C(1777913673000));
}

static void
offset_can_move_the_date(void **state)
{
	assert_int_equal(parses_to("2025-06-04T23:00:00-01:00"), D20250605);
	assert_int_equal(parses_to("2025-06-05T01:00:00+01:00"), D20250605);
}

static void
no_zone_is_taken_as_utc(void **state)
{
	assert_int_equal(parses_to("2025-06-05T12:41:36"), T20250605_124136);
}

static void
seconds_are_optional_and_space_separates(void **state)
{
	assert_int_equal(parses_to("2025-06-05 12:41"),
	                 T20250605_124136 - 36000);
	assert_int_equal(parses_to("2025-06-05T12:41Z"),
	                 T20250605_124136 - 36000);
	assert_int_equal(parses_to("2025-06-05 12:41:36"), T20250605_124136);
}

static void
fractions_give_milliseconds(void **state)
{
	assert_int_equal(parses_to("2025-06-05T12:41:36.5Z"),
	                 T20250605_124136 + 500);
	assert_int_equal(parses_to("2025-06-05T12:41:36.123Z"),
	                 T20250605_124136 + 123);
	assert_int_equal(parses_to("2025-06-05T12:41:36,25Z"),
	                 T20250605_124136 + 250);
	assert_int_equal(parses_to("2025-06-05T12:41:36.123456789Z"),
	                 T20250605_124136 + 123);
	assert_int_equal(parses_to("2025-06-05T06:41:36.5-06:00"),
	                 T20250605_124136 + 500);
	assert_int_equal(parses_to("2023-11-12T15:30:45.123Z"),
	                 INT64_C(1699803045123));
}

static void
ms_may_be_null(void **state)
{
	assert_int_equal(hs_time_parse_iso("2025-06-05T12:41:36Z", NULL), 0);
	assert_int_equal(hs_time_parse_iso("2025-13-05", NULL), -1);
}

static void
leap_years_follow_the_gregorian_rule(void **state)
{
	assert_int_equal(parses_to("2024-02-29"), INT64_C(1709164800000));
	assert_int_equal(parses_to("2000-02-29"), INT64_C(951782400000));
	refused("2023-02-29");
	refused("1900-02-29");
	refused("2100-02-29");
	refused("2024-02-30");
}

static void
bad_months_and_days_are_refused(void **state)
{
	refused("2025-00-10");
	refused("2025-13-01");
	refused("2025-06-00");
	refused("2025-06-31");
	refused("2025-04-31");
	refused("2025-01-32");
	assert_int_equal(parses_to("2025-12-31") > 0, 1);
	assert_int_equal(parses_to("2025-01-31") > 0, 1);
}

static void
out_of_range_clock_fields_are_refused(void **state)
{
	refused("2025-06-05T24:00:00Z");
	refused("2025-06-05T24:00");
	refused("2025-06-05T23:60:00Z");
	refused("2025-06-05T23:59:60Z");	/* leap second */
	refused("2025-06-05T12:41:36+24:00");
	refused("2025-06-05T12:41:36+05:60");
	assert_int_equal(parses_to("2025-06-05T23:59:59.999Z"),
	                 D20250605 + 24 * HOUR - 1);
}

static void
malformed_shapes_are_refused(void **state)
{
	refused("");
	refused("2025");
	refused("2025-06");
	refused("2025-6-5");
	refused("25-06-05");
	refused("20250605");
	refused("2025/06/05");
	refused(" 2025-06-05");
	refused("2025-06-05 ");
	refused("2025-06-05T");
	refused("2025-06-05T12");
	refused("2025-06-05T12Z");
	refused("2025-06-05T1:41:36Z");
	refused("2025-06-05T12:4");
	refused("2025-06-05T12:41:3Z");
	refused("2025-06-05T12:41:36.Z");
	refused("2025-06-05T12:41:36Zjunk");
	refused("2025-06-05T12:41:36 Z");
	refused("2025-06-05T12:41:36+5");
	refused("2025-06-05T12:41:36+05:3");
	refused("2025-06-05T12:41:36UTC");
	refused("2025-06-05Z");
	refused("2025-06-05X12:41:36Z");
	refused("1749127296");
	refused("-2025-06-05");
	refused("2025-06-05T12:41:36.5.5Z");
}

/*
 * Regression test (bug fixed in 9d53f6a):
 * lib/core/timefmt.c parse_zone() skips an optional ':' after
 * the offset hours and then reads minutes only if a character follows, so
 * an offset ending in a bare colon ("+05:") is accepted as +05:00.
 */
static void
offset_with_a_dangling_colon_is_refused(void **state)
{
	int64_t ms = -42;

	if (hs_time_parse_iso("2025-06-05T12:41:36+05:", &ms) == 0)
		fail_msg("regression: timefmt parse_zone(): accepted "
		    "'2025-06-05T12:41:36+05:' as %lld", (long long)ms);
}

static void
clocks_move_forward(void **state)
{
	int64_t now = hs_now_ms(), m1 = hs_mono_ms(), m2;
	double f1 = hs_mono_ms_f();

	assert_true(now > INT64_C(1735689600000));	/* after 2025-01-01 */
	m2 = hs_mono_ms();
	assert_true(m2 >= m1);
	assert_true(hs_mono_ms_f() >= f1);
}

/* HOOKSPOOL_TEST_NOW: value, then what hs_clock_from_env() says. */
static int
test_clock_of(const char *value)
{
	if (value)
		assert_int_equal(setenv(HS_TEST_NOW_ENV, value, 1), 0);
	else
		assert_int_equal(unsetenv(HS_TEST_NOW_ENV), 0);
	return hs_clock_from_env();
}

static void
the_test_clock_is_that_instant_and_moves_only_by_sleeps(void **state)
{
	assert_int_equal(test_clock_of("2025-06-05T12:41:36Z"), 1);
	assert_int_equal(hs_now_ms(), T20250605_124136);
	assert_int_equal(hs_now_ms(), T20250605_124136);
	/* An hour's sleep returns at once: the test would time out. */
	hs_sleep_ms(HOUR);
	hs_sleep_ms(250);
	hs_sleep_ms(0);
	hs_sleep_ms(-5);
	assert_int_equal(hs_now_ms(), T20250605_124136 + HOUR + 250);
	assert_int_equal(test_clock_of("1749127296000"), 1);
	assert_int_equal(hs_now_ms(), T20250605_124136);
	assert_int_equal(test_clock_of("2025-06-05T07:41:36.5-05:00"), 1);
	assert_int_equal(hs_now_ms(), T20250605_124136 + 500);
	assert_int_equal(test_clock_of(NULL), 0);
	assert_true(hs_now_ms() > INT64_C(1735689600000));
}

static void
an_unset_empty_or_bad_test_clock_leaves_the_real_one(void **state)
{
	static const char *const bad[] = { "yesterday", "-5", "+5", " 5",
	    "12abc", "2025-13-01", "99999999999999999999", "253402300800000",
	    "0000-01-01T00:00:00Z", "1969-12-31T23:59:59Z" };
	size_t i;

	assert_int_equal(test_clock_of("2025-06-05"), 1);
	assert_int_equal(test_clock_of(""), 0);
	assert_true(hs_now_ms() > INT64_C(1735689600000));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(test_clock_of("2025-06-05"), 1);
		if (test_clock_of(bad[i]) != -1)
			fail_msg("accepted '%s'", bad[i]);
		assert_true(hs_now_ms() > INT64_C(1735689600000));
	}
	assert_int_equal(test_clock_of(NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(iso_formats_the_epoch),
		cmocka_unit_test(iso_formats_milliseconds_and_dates),
		cmocka_unit_test(iso_formats_times_before_the_epoch),
		cmocka_unit_test(iso_truncates_to_a_short_buffer_safely),
		cmocka_unit_test(iso_text_sorts_like_time),
		cmocka_unit_test(formatted_time_parses_back_to_the_same_ms),
		cmocka_unit_test(date_only_is_midnight_utc),
		cmocka_unit_test(zulu_and_offsets_convert_to_utc),
		cmocka_unit_test(offset_can_move_the_date),
		cmocka_unit_test(no_zone_is_taken_as_utc),
		cmocka_unit_test(seconds_are_optional_and_space_separates),
		cmocka_unit_test(fractions_give_milliseconds),
		cmocka_unit_test(ms_may_be_null),
		cmocka_unit_test(leap_years_follow_the_gregorian_rule),
		cmocka_unit_test(bad_months_and_days_are_refused),
		cmocka_unit_test(out_of_range_clock_fields_are_refused),
		cmocka_unit_test(malformed_shapes_are_refused),
		cmocka_unit_test(offset_with_a_dangling_colon_is_refused),
		cmocka_unit_test(clocks_move_forward),
		cmocka_unit_test(the_test_clock_is_that_instant_and_moves_only_by_sleeps),
		cmocka_unit_test(an_unset_empty_or_bad_test_clock_leaves_the_real_one),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
