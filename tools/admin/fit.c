/*
 * tools/admin/fit.c - giving way, column by column, to a narrow window.
 */
#include <string.h>

#include "admin/fit.h"
#include "core/banned.h"

/* The row's width with columns shown as out says, cut ones at w[k]. */
static size_t
row_width(const struct admin_fit_out *out, size_t n)
{
	size_t k, w = 0, shown = 0;

	for (k = 0; k < n; k++)
		if (out[k].shown == ADMIN_IN_ROW) {
			w += out[k].width;
			shown++;
		}
	return w + (shown ? (shown - 1) * ADMIN_FIT_GAP : 0);
}

/* Every column in the row at its full (or short) width. */
static void
all_in_row(const struct admin_fit_in *in, size_t n, int ages,
           struct admin_fit_out *out)
{
	size_t k;

	for (k = 0; k < n; k++) {
		out[k].shown = ADMIN_IN_ROW;
		out[k].width = ages ? in[k].shrt : in[k].full;
	}
}

static void
cut_to_min(const struct admin_fit_in *in, size_t n, struct admin_fit_out *out)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (in[k].min && in[k].min < out[k].width)
			out[k].width = in[k].min;
}

/* Hands room back to cut columns, first column first. */
static void
give_back(const struct admin_fit_in *in, size_t n, size_t cols, int ages,
          struct admin_fit_out *out)
{
	size_t k, room, want, used = row_width(out, n);

	for (k = 0; k < n && used < cols; k++) {
		if (!in[k].min || out[k].shown != ADMIN_IN_ROW)
			continue;
		want = (ages ? in[k].shrt : in[k].full) - out[k].width;
		room = cols - used;
		if (want > room)
			want = room;
		out[k].width += want;
		used += want;
	}
}

/* The next column to give way (lowest order still in the row), or n. */
static size_t
next_to_go(const struct admin_fit_in *in, size_t n,
           const struct admin_fit_out *out)
{
	size_t k, best = n;

	for (k = 0; k < n; k++)
		if (in[k].give != ADMIN_KEEP && in[k].order > 0 &&
		    out[k].shown == ADMIN_IN_ROW &&
		    (best == n || in[k].order < in[best].order))
			best = k;
	return best;
}

int
admin_fit(const struct admin_fit_in *in, size_t n, size_t cols,
          struct admin_fit_out *out)
{
	size_t k;
	int ages = 0;

	all_in_row(in, n, 0, out);
	if (cols == 0 || row_width(out, n) <= cols)
		return 0;
	ages = 1;
	all_in_row(in, n, 1, out);
	if (row_width(out, n) <= cols)
		return ages;
	cut_to_min(in, n, out);
	while (row_width(out, n) > cols &&
	    (k = next_to_go(in, n, out)) < n)
		out[k].shown = in[k].give == ADMIN_WRAP ? ADMIN_UNDER_ROW :
		    ADMIN_HIDDEN;
	give_back(in, n, cols, ages, out);
	return ages;
}
