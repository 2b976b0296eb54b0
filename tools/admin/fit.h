/*
 * tools/admin/fit.h - which columns of a table a window of a given width
 * shows, and how wide, as ps and git do it.
 *
 * A table for a person must fit the terminal, but a value the admin
 * copies (an idempotency key into spoolctl show, a receipt) must never be
 * cut: a key that ends in "..." is no key. So a column gives way in one
 * of three ways only, in an order each table declares: times become ages
 * ("3m 4s ago"), free text is cut (never below its minimum), and a column
 * is dropped or moved under its row on a line of its own, in full. This
 * is pure arithmetic on widths, so it is tested without a terminal.
 */
#ifndef HS_ADMIN_FIT_H
#define HS_ADMIN_FIT_H

#include <stddef.h>

#define ADMIN_FIT_GAP 2		/* spaces between two columns */
#define ADMIN_FIT_WRAP_INDENT 4	/* before a value moved under its row */

/* How a column gives way when the table is too wide. */
enum admin_give {
	ADMIN_KEEP,	/* never: ids, states */
	ADMIN_DROP,	/* left out (--json still has it) */
	ADMIN_WRAP,	/* on its own line under the row, in full */
};

struct admin_fit_in {
	size_t full;	/* widest cell or header as printed in full */
	size_t shrt;	/* the same with times as ages (= full if no time) */
	size_t min;	/* free text: may be cut down to this; 0: never cut */
	enum admin_give give;
	int order;	/* 1 gives way first, then 2, ...; 0 with KEEP */
};

enum admin_shown { ADMIN_HIDDEN, ADMIN_IN_ROW, ADMIN_UNDER_ROW };

struct admin_fit_out {
	enum admin_shown shown;
	size_t width;	/* in the row: the column's width */
};

/*
 * Fits n columns into cols (0: no limit, everything in full). Returns 1
 * when times are to be shown as ages. In order: every column in full;
 * times as ages; free text cut to its minimum; then columns give way by
 * order until the row fits, and free text takes back what room is left.
 * When even that does not fit, the row is wider than cols: nothing that
 * may not be cut ever is.
 */
int admin_fit(const struct admin_fit_in *in, size_t n, size_t cols,
              struct admin_fit_out *out);

#endif
