/*
 * tools/admin/fmt.h - spoolctl's human output: the JSON answers as tables.
 *
 * Everything a sender controls (keys, headers, bodies, errors quoting a
 * peer) is printed with control characters replaced, so a crafted
 * webhook cannot move an admin's cursor or retitle their terminal.
 */
#ifndef HS_ADMIN_FMT_H
#define HS_ADMIN_FMT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct json_object;

/* Where a table goes: the window's width (0: a pipe or a file, so every
 * column in full) and the time ages are counted from. */
struct hs_admin_view {
	size_t cols;
	int64_t now_ms;
};

/* s with every control character (C0, DEL, C1) as "?"; at most max
 * bytes (0: all), ending in "..." when cut. */
void hs_admin_put_safe(FILE *f, const char *s, size_t max);
/* The same for len bytes that may hold NULs. */
void hs_admin_put_safe_n(FILE *f, const void *p, size_t len);

void hs_admin_print_stats(FILE *f, const struct hs_admin_view *v,
                          struct json_object *stats);
void hs_admin_print_list(FILE *f, const struct hs_admin_view *v,
                         struct json_object *list);
/* ev from hs_admin_show(); the body is pretty-printed when it is JSON. */
void hs_admin_print_show(FILE *f, const struct hs_admin_view *v,
                         struct json_object *ev, const void *body,
                         size_t len);
void hs_admin_print_check(FILE *f, const struct hs_admin_view *v,
                          struct json_object *check);

#endif
