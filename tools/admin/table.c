/*
 * tools/admin/table.c - rows of JSON objects as an aligned text table.
 *
 * Two passes over the rows (widths, then lines) instead of a copy of
 * every cell: tables are at most --limit rows, and formatting a cell is
 * cheap. Cells are cleaned of control characters on the way out. A
 * table for a window fits its width (tools/admin/fit.h); a table for a
 * pipe or a file is printed in full.
 */
#include <stdio.h>
#include <string.h>

#include "admin/fit.h"
#include "admin/fmt.h"
#include "admin/internal.h"
#include "core/timefmt.h"
#include "core/banned.h"

#define CELL_MAX 512
#define COLS_MAX 16

struct json_object *
admin_get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (o && json_object_object_get_ex(o, key, &v))
		return v;
	return NULL;
}

const char *
admin_str(struct json_object *o, const char *key)
{
	struct json_object *v = admin_get(o, key);

	return v ? json_object_get_string(v) : NULL;
}

void
admin_cell(struct json_object *row, const char *field, char *out, size_t n)
{
	struct json_object *v = admin_get(row, field);

	if (!v)
		snprintf(out, n, "-");
	else if (json_object_is_type(v, json_type_boolean))
		snprintf(out, n, "%s", json_object_get_boolean(v) ? "yes" :
		    "no");
	else
		snprintf(out, n, "%s", json_object_get_string(v));
}

/* "3m 4s ago", "in 12s": a time relative to now_ms; NULL when the cell
 * is not a time. */
static int
age_text(const char *iso, int64_t now_ms, char *out, size_t n)
{
	int64_t t, d;
	char age[32];

	if (hs_time_parse_iso(iso, &t) != 0)
		return -1;
	d = now_ms - t;
	hs_age_str(d < 0 ? -d : d, age, sizeof(age));
	if (d >= 0)
		snprintf(out, n, "%s ago", age);
	else
		snprintf(out, n, "in %s", age);
	return 0;
}

/* Cuts out to max bytes (never inside a UTF-8 sequence), ending in
 * "...", and returns its length. max 0 or under 4: never cut. */
static size_t
cut(char *out, size_t max)
{
	size_t len = strlen(out);

	if (max > 3 && len > max) {
		len = max - 3;
		while (len > 0 && ((unsigned char)out[len] & 0xc0) == 0x80)
			len--;	/* not inside a UTF-8 sequence */
		memcpy(out + len, "...", 4);
		len += 3;
	}
	return len;
}

/* The cell's text, cleaned, as an age if asked, cut to the column's max. */
static size_t
cell_text(struct json_object *row, const struct admin_col *c,
          const struct hs_admin_view *v, int ages, char *out, size_t n)
{
	char t[CELL_MAX];

	if (c->cell)
		c->cell(row, out, n);
	else
		admin_cell(row, c->field, out, n);
	if (ages && c->is_time && age_text(out, v->now_ms, t, sizeof(t)) == 0)
		snprintf(out, n, "%s", t);
	admin_clean(out);
	return cut(out, c->max > 0 && (size_t)c->max < n ? (size_t)c->max :
	    0);
}

static void
put_cell(FILE *f, const char *text, size_t width, int last)
{
	if (last)
		fprintf(f, "%s\n", text);
	else
		fprintf(f, "%-*s%*s", (int)width, text, ADMIN_FIT_GAP, "");
}

/* The header of a column: its short one once the table is narrow. */
static const char *
head(const struct admin_col *c, int narrow)
{
	return narrow && c->narrow_head ? c->narrow_head : c->head;
}

/* The widths of every column in full and with ages, headers included. */
static void
measure(const struct hs_admin_view *v, struct json_object *rows,
        const struct admin_col *cols, size_t ncols,
        struct admin_fit_in *in)
{
	size_t i, k, len, n = rows ? json_object_array_length(rows) : 0;
	char cell[CELL_MAX];

	for (k = 0; k < ncols; k++) {
		in[k].full = strlen(head(&cols[k], 0));
		in[k].shrt = strlen(head(&cols[k], 1));
		in[k].min = cols[k].min && (size_t)cols[k].min < in[k].shrt ?
		    in[k].shrt : (size_t)cols[k].min;
		in[k].give = cols[k].give;
		in[k].order = cols[k].order;
		for (i = 0; i < n; i++) {
			len = cell_text(json_object_array_get_idx(rows, i),
			    &cols[k], v, 0, cell, sizeof(cell));
			if (len > in[k].full)
				in[k].full = len;
			len = cell_text(json_object_array_get_idx(rows, i),
			    &cols[k], v, 1, cell, sizeof(cell));
			if (len > in[k].shrt)
				in[k].shrt = len;
		}
	}
}

/* The last column in the row: printed without padding. */
static size_t
last_in_row(const struct admin_fit_out *o, size_t ncols)
{
	size_t k, last = 0;

	for (k = 0; k < ncols; k++)
		if (o[k].shown == ADMIN_IN_ROW)
			last = k;
	return last;
}

/*
 * A value moved under its row, on lines of its own: in full, free text
 * (cut at the column's max, as in a full table) wrapped at spaces to the
 * window; nothing when it is empty ("-").
 */
static void
put_under(FILE *f, const struct hs_admin_view *v, const char *indent,
          const struct admin_col *c, const char *text)
{
	size_t pad = strlen(indent) + ADMIN_FIT_WRAP_INDENT, n, room;

	room = v->cols > pad + 8 ? v->cols - pad : 8;
	if (!strcmp(text, "-"))
		return;
	while (*text) {
		n = strlen(text);
		if (c->min && n > room) {
			for (n = room; n > 0 && text[n] != ' '; n--)
				;
			if (n == 0)
				n = room;	/* one long word: split it */
		}
		fprintf(f, "%s%*s%.*s\n", indent, ADMIN_FIT_WRAP_INDENT, "",
		    (int)n, text);
		text += n;
		while (*text == ' ')
			text++;
	}
}

static void
put_row(FILE *f, const struct hs_admin_view *v, const char *indent,
        struct json_object *row, const struct admin_col *cols,
        size_t ncols, const struct admin_fit_out *o, int ages)
{
	char cell[CELL_MAX];
	size_t k, last = last_in_row(o, ncols);

	fputs(indent, f);
	for (k = 0; k < ncols; k++) {
		if (o[k].shown != ADMIN_IN_ROW)
			continue;
		cell_text(row, &cols[k], v, ages, cell, sizeof(cell));
		if (cols[k].min)
			cut(cell, o[k].width);
		put_cell(f, cell, o[k].width, k == last);
	}
	for (k = 0; k < ncols; k++) {
		if (o[k].shown != ADMIN_UNDER_ROW)
			continue;
		cell_text(row, &cols[k], v, ages, cell, sizeof(cell));
		put_under(f, v, indent, &cols[k], cell);
	}
}

static void
put_heads(FILE *f, const char *indent, const struct admin_col *cols,
          size_t ncols, const struct admin_fit_out *o, int narrow)
{
	size_t k, last = last_in_row(o, ncols);

	fputs(indent, f);
	for (k = 0; k < ncols; k++)
		if (o[k].shown == ADMIN_IN_ROW)
			put_cell(f, head(&cols[k], narrow), o[k].width,
			    k == last);
	for (k = 0; k < ncols; k++)
		if (o[k].shown == ADMIN_UNDER_ROW)
			fprintf(f, "%s%*s%s\n", indent, ADMIN_FIT_WRAP_INDENT,
			    "", head(&cols[k], narrow));
}

/* "(LAST RUN, CONFIGURED: hidden to fit 80 columns; --json has them)" */
static void
put_hidden(FILE *f, const struct hs_admin_view *v, const char *indent,
           const struct admin_col *cols, size_t ncols,
           const struct admin_fit_out *o)
{
	size_t k, n = 0;

	for (k = 0; k < ncols; k++) {
		if (o[k].shown != ADMIN_HIDDEN)
			continue;
		if (n++)
			fputs(", ", f);
		else
			fprintf(f, "%s(", indent);
		fputs(head(&cols[k], 1), f);
	}
	if (n)
		fprintf(f, ": hidden to fit %zu columns; --json has %s)\n",
		    v->cols, n == 1 ? "it" : "them");
}

void
admin_table(FILE *f, const struct hs_admin_view *v, const char *indent,
            struct json_object *rows, const struct admin_col *cols,
            size_t ncols)
{
	struct admin_fit_in in[COLS_MAX];
	struct admin_fit_out o[COLS_MAX];
	size_t i, n = rows ? json_object_array_length(rows) : 0;
	size_t room = strlen(indent) < v->cols ? v->cols - strlen(indent) : 1;
	int ages;

	if (ncols > COLS_MAX)
		ncols = COLS_MAX;
	measure(v, rows, cols, ncols, in);
	ages = admin_fit(in, ncols, v->cols ? room : 0, o);
	put_heads(f, indent, cols, ncols, o, ages);
	for (i = 0; i < n; i++)
		put_row(f, v, indent, json_object_array_get_idx(rows, i),
		    cols, ncols, o, ages);
	put_hidden(f, v, indent, cols, ncols, o);
}

/*
 * Bytes at p that a terminal would take as a control: 1 for C0 and DEL,
 * 2 for a C1 control in UTF-8 (U+0080..U+009F, e.g. U+009B, the CSI),
 * 0 for anything else.
 */
static size_t
control_len(const unsigned char *p, size_t left)
{
	if (*p < 0x20 || *p == 0x7f)
		return 1;
	if (*p == 0xc2 && left > 1 && p[1] >= 0x80 && p[1] <= 0x9f)
		return 2;
	return 0;
}

void
admin_clean(char *s)
{
	unsigned char *p = (unsigned char *)s;
	size_t i, k, n = strlen(s);

	for (i = 0; i < n; i += k ? k : 1)
		if ((k = control_len(p + i, n - i)))
			memset(p + i, '?', k);
}

void
hs_admin_put_safe_n(FILE *f, const void *s, size_t len)
{
	const unsigned char *p = s;
	size_t i, k;

	for (i = 0; i < len; i += k ? k : 1) {
		k = control_len(p + i, len - i);
		fputc(k ? '?' : p[i], f);
	}
}

void
hs_admin_put_safe(FILE *f, const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	hs_admin_put_safe_n(f, s, max && n > max ? max : n);
	if (max && n > max)
		fputs("...", f);
}
