/*
 * test_retry_after.c - Retry-After in delta-seconds or as an HTTP-date,
 * turned into a delay from a now the test picks, clamped, and garbage
 * ignored (net/retry_after.h). Moved from test_azure_wire.c with the
 * parser; every sink now reads the header through it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "net/retry_after.h"

#define NOW_MS 1777636800000LL	/* Fri, 01 May 2026 12:00:00 GMT */

static void
retry_after_is_clamped_and_garbage_is_ignored(void **state)
{
	assert_int_equal(hs_retry_after_ms("0", NOW_MS), 0);
	assert_int_equal(hs_retry_after_ms(" 2 ", NOW_MS), 2000);
	assert_int_equal(hs_retry_after_ms("99999999999999999999", NOW_MS),
	                 HS_RETRY_AFTER_MAX_MS);
	assert_int_equal(hs_retry_after_ms("Fri, 01 May 2026 11:00:00 GMT",
	                                   NOW_MS), 0);
	assert_int_equal(hs_retry_after_ms("soon", NOW_MS), -1);
	assert_int_equal(hs_retry_after_ms("5s", NOW_MS), -1);
	assert_int_equal(hs_retry_after_ms("-5", NOW_MS), -1);
	assert_int_equal(hs_retry_after_ms(NULL, NOW_MS), -1);
}

static void
a_date_ahead_is_the_time_left_until_it(void **state)
{
	assert_int_equal(hs_retry_after_ms("Fri, 01 May 2026 12:00:30 GMT",
	                                   NOW_MS), 30000);
	assert_int_equal(hs_retry_after_ms("Fri, 01 May 2026 12:00:30 GMT",
	                                   NOW_MS + 500), 29500);
	assert_int_equal(hs_retry_after_ms("Sat, 01 May 2027 12:00:00 GMT",
	                                   NOW_MS), HS_RETRY_AFTER_MAX_MS);
	assert_int_equal(hs_retry_after_ms("120", NOW_MS), 120000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(retry_after_is_clamped_and_garbage_is_ignored),
		cmocka_unit_test(a_date_ahead_is_the_time_left_until_it),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
