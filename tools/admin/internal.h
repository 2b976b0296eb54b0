/*
 * tools/admin/internal.h - what the admin_*.c files share; not for other
 * modules.
 */
#ifndef HS_ADMIN_INTERNAL_H
#define HS_ADMIN_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>
#include <sqlite3.h>

#include "admin/admin.h"
#include "admin/cmd.h"
#include "admin/fit.h"
#include "admin/fmt.h"
#include "core/err.h"

/* Column i as JSON: null, an integer, or text (a blob as its bytes). */
struct json_object *admin_col(sqlite3_stmt *st, int i);
/* Adds every column of the current row under its column name. */
void admin_row(struct json_object *obj, sqlite3_stmt *st);
/* SQLITE_DONE/ROW/OK -> HS_OK, the rest mapped. */
enum hs_err admin_rc(int src);
/* Runs sql (no values) and returns the first column of the first row. */
enum hs_err admin_int(sqlite3 *db, const char *sql, int64_t *out)
	HS_MUST_CHECK;

/*
 * The deliveries of event id, oldest first. *cache holds the statement
 * between calls (prepared on first use; the caller finalizes it). *out
 * is the caller's.
 */
enum hs_err admin_deliveries(sqlite3 *db, sqlite3_stmt **cache, int64_t id,
                             struct json_object **out) HS_MUST_CHECK;
/* Adds "status" (dead, pending, done or stored) from "deliveries". */
void admin_status(struct json_object *ev);

/* A read transaction: one snapshot for several statements. */
enum hs_err admin_read_begin(sqlite3 *db) HS_MUST_CHECK;
void admin_read_end(sqlite3 *db);

/* History row for event id (inside a write transaction). */
enum hs_err admin_history(sqlite3 *db, int64_t id, const char *at,
                          const char *actor, const char *action,
                          const char *detail) HS_MUST_CHECK;

/* "spoolctl: " + the message on r->err; returns code. */
int admin_fail(struct hs_admin_run *r, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A spool error rc while doing what: message and exit code. */
int admin_db_fail(struct hs_admin_run *r, enum hs_err rc, const char *what);
/* o as one line of JSON on r->out. */
void admin_print_json(struct hs_admin_run *r, struct json_object *o);

/*
 * One column of a human table (tools/admin/table.c). The last five say
 * how it gives way to a narrow window (tools/admin/fit.h); zero: never.
 */
struct admin_col {
	const char *head;
	const char *field;	/* member of each row, unless cell is set */
	int max;		/* widest cell; a longer one ends in "..." (0:
				   never cut: keys, ids, receipts) */
	void (*cell)(struct json_object *row, char *out, size_t n);
	int is_time;		/* ISO-8601: an age ("3m 4s ago") if narrow */
	int min;		/* free text: may be cut down to min */
	enum admin_give give;	/* dropped, or moved under its row */
	int order;		/* 1 gives way first */
	const char *narrow_head;	/* a shorter head once narrow */
};

/* Replaces every control character in s (C0, DEL, UTF-8 C1) by '?'. */
void admin_clean(char *s);
/* The value of field in row as text: "-" for null or absent. */
void admin_cell(struct json_object *row, const char *field, char *out,
                size_t n);
/* rows (an array of objects) as a table, each line after indent, fitted
 * to v->cols (0: in full). */
void admin_table(FILE *f, const struct hs_admin_view *v, const char *indent,
                 struct json_object *rows, const struct admin_col *cols,
                 size_t ncols);
/* Member key of o, or NULL. Borrowed. */
struct json_object *admin_get(struct json_object *o, const char *key);
const char *admin_str(struct json_object *o, const char *key);

#endif
