/*
 * tools/admin/table.c - rows of JSON objects as an aligned text table.
 *
 * Two passes over the rows (widths, then lines) instead of a copy of
 * every cell: tables are at most --limit rows, and formatting a cell is
 * cheap. Cells are cleaned of control characters on the way out.
 */
#include <stdio.h>
#include <string.h>

#include "admin/fmt.h"
#include "admin/internal.h"
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

/* The cell's text, cleaned and cut to the column's max. */
static size_t
cell_text(struct json_object *row, const struct admin_col *c, char *out,
          size_t n)
{
	size_t len, max = c->max > 3 && (size_t)c->max < n ? (size_t)c->max :
	    n - 1;

	if (c->cell)
		c->cell(row, out, n);
	else
		admin_cell(row, c->field, out, n);
	admin_clean(out);
	len = strlen(out);
	if (len > max) {
		len = max - 3;
		while (len > 0 && ((unsigned char)out[len] & 0xc0) == 0x80)
			len--;	/* not inside a UTF-8 sequence */
		memcpy(out + len, "...", 4);
		len += 3;
	}
	return len;
}

static void
put_cell(FILE *f, const char *text, size_t width, int last)
{
	if (last)
		fprintf(f, "%s\n", text);
	else
		fprintf(f, "%-*s  ", (int)width, text);
}

void
admin_table(FILE *f, const char *indent, struct json_object *rows,
            const struct admin_col *cols, size_t ncols)
{
	size_t w[COLS_MAX], i, k, n = rows ? json_object_array_length(rows) : 0;
	char cell[CELL_MAX];
	size_t len;

	if (ncols > COLS_MAX)
		ncols = COLS_MAX;
	for (k = 0; k < ncols; k++)
		w[k] = strlen(cols[k].head);
	for (i = 0; i < n; i++)
		for (k = 0; k < ncols; k++) {
			len = cell_text(json_object_array_get_idx(rows, i),
			    &cols[k], cell, sizeof(cell));
			if (len > w[k])
				w[k] = len;
		}
	fputs(indent, f);
	for (k = 0; k < ncols; k++)
		put_cell(f, cols[k].head, w[k], k + 1 == ncols);
	for (i = 0; i < n; i++) {
		fputs(indent, f);
		for (k = 0; k < ncols; k++) {
			cell_text(json_object_array_get_idx(rows, i), &cols[k],
			    cell, sizeof(cell));
			put_cell(f, cell, w[k], k + 1 == ncols);
		}
	}
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
