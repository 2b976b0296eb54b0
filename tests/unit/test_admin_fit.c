/*
 * test_admin_fit.c - tables for a window: in full when they fit or when
 * there is no window; else times become ages, free text is cut to its
 * minimum, and columns give way in their declared order; a column that
 * may not be cut (a key) is never narrower than its widest value.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "admin/fit.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Like spoolctl list: ID, RECEIVED (a time), SOURCE, STATUS, KEY (never
 * cut; under its row if need be), LAST ERROR (free text, under the row). */
static const struct admin_fit_in list[] = {
	{ 3, 3, 0, ADMIN_KEEP, 0 },		/* ID */
	{ 24, 10, 0, ADMIN_DROP, 3 },		/* RECEIVED */
	{ 8, 8, 0, ADMIN_DROP, 4 },		/* SOURCE */
	{ 7, 7, 0, ADMIN_KEEP, 0 },		/* STATUS */
	{ 71, 71, 0, ADMIN_WRAP, 2 },		/* KEY */
	{ 60, 60, 20, ADMIN_WRAP, 1 },		/* LAST ERROR */
};

/* The row's width as fitted: what a line of the table takes. */
static size_t
row(const struct admin_fit_in *in, const struct admin_fit_out *o, size_t n)
{
	size_t k, w = 0, shown = 0;

	(void)in;
	for (k = 0; k < n; k++)
		if (o[k].shown == ADMIN_IN_ROW) {
			w += o[k].width;
			shown++;
		}
	return shown ? w + (shown - 1) * ADMIN_FIT_GAP : 0;
}

static void
no_window_prints_every_column_in_full(void **state)
{
	struct admin_fit_out o[N(list)];
	size_t k;

	(void)state;
	assert_int_equal(admin_fit(list, N(list), 0, o), 0);
	for (k = 0; k < N(list); k++) {
		assert_int_equal(o[k].shown, ADMIN_IN_ROW);
		assert_int_equal(o[k].width, list[k].full);
	}
}

static void
a_table_that_fits_is_left_alone(void **state)
{
	struct admin_fit_out o[N(list)];
	size_t k;

	(void)state;
	assert_int_equal(admin_fit(list, N(list), 200, o), 0);
	for (k = 0; k < N(list); k++)
		assert_int_equal(o[k].width, list[k].full);
	assert_int_equal(row(list, o, N(list)), 183);
}

static void
times_become_ages_before_anything_gives_way(void **state)
{
	struct admin_fit_out o[N(list)];
	size_t k;

	(void)state;
	/* 183 in full; 169 with the age */
	assert_int_equal(admin_fit(list, N(list), 170, o), 1);
	for (k = 0; k < N(list); k++)
		assert_int_equal(o[k].shown, ADMIN_IN_ROW);
	assert_int_equal(o[1].width, 10);
	assert_int_equal(o[5].width, 60);
}

static void
free_text_is_cut_before_a_column_gives_way(void **state)
{
	struct admin_fit_out o[N(list)];
	size_t k;

	(void)state;
	assert_int_equal(admin_fit(list, N(list), 140, o), 1);
	for (k = 0; k < N(list); k++)
		assert_int_equal(o[k].shown, ADMIN_IN_ROW);
	assert_int_equal(o[5].width, 31);	/* takes what is left */
	assert_int_equal(o[4].width, 71);	/* the key: whole */
	assert_int_equal(row(list, o, N(list)), 140);
}

static void
in_120_columns_the_error_moves_under_the_row(void **state)
{
	struct admin_fit_out o[N(list)];

	(void)state;
	admin_fit(list, N(list), 120, o);
	assert_int_equal(o[5].shown, ADMIN_UNDER_ROW);
	assert_int_equal(o[4].shown, ADMIN_IN_ROW);
	assert_int_equal(o[4].width, 71);
	assert_true(row(list, o, N(list)) <= 120);
}

static void
in_80_columns_the_key_moves_under_the_row_whole(void **state)
{
	struct admin_fit_out o[N(list)];

	(void)state;
	admin_fit(list, N(list), 80, o);
	assert_int_equal(o[5].shown, ADMIN_UNDER_ROW);
	assert_int_equal(o[4].shown, ADMIN_UNDER_ROW);
	assert_int_equal(o[1].shown, ADMIN_IN_ROW);	/* room for the age */
	assert_int_equal(o[2].shown, ADMIN_IN_ROW);
	assert_true(row(list, o, N(list)) <= 80);
}

static void
columns_are_dropped_in_their_order(void **state)
{
	struct admin_fit_out o[N(list)];

	(void)state;
	/* ID 3 + STATUS 7 + one gap: only kept columns remain */
	admin_fit(list, N(list), 20, o);
	assert_int_equal(o[1].shown, ADMIN_HIDDEN);
	assert_int_equal(o[2].shown, ADMIN_HIDDEN);
	assert_int_equal(row(list, o, N(list)), 12);
	/* room for SOURCE but not RECEIVED too: RECEIVED (order 3) went */
	admin_fit(list, N(list), 25, o);
	assert_int_equal(o[1].shown, ADMIN_HIDDEN);
	assert_int_equal(o[2].shown, ADMIN_IN_ROW);
}

static void
kept_columns_overflow_rather_than_being_cut(void **state)
{
	static const struct admin_fit_in keep[] = {
		{ 5, 5, 0, ADMIN_KEEP, 0 },
		{ 71, 71, 0, ADMIN_KEEP, 0 },
	};
	struct admin_fit_out o[N(keep)];

	(void)state;
	admin_fit(keep, N(keep), 40, o);
	assert_int_equal(o[1].shown, ADMIN_IN_ROW);
	assert_int_equal(o[1].width, 71);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_window_prints_every_column_in_full),
		cmocka_unit_test(a_table_that_fits_is_left_alone),
		cmocka_unit_test(times_become_ages_before_anything_gives_way),
		cmocka_unit_test(free_text_is_cut_before_a_column_gives_way),
		cmocka_unit_test(in_120_columns_the_error_moves_under_the_row),
		cmocka_unit_test(
		    in_80_columns_the_key_moves_under_the_row_whole),
		cmocka_unit_test(columns_are_dropped_in_their_order),
		cmocka_unit_test(kept_columns_overflow_rather_than_being_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
