/*
 * tools/admin/cmd.c - spoolctl's read commands: stats, list, show, export,
 * check; and what every command shares (messages, exit codes, JSON).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "admin/fmt.h"
#include "admin/internal.h"
#include "core/term.h"
#include "spool/spool.h"
#include "core/banned.h"

void
hs_admin_run_init(struct hs_admin_run *r, int64_t now_ms, const char *actor)
{
	memset(r, 0, sizeof(*r));
	r->now_ms = now_ms;
	hs_time_iso(now_ms, r->now, sizeof(r->now));
	snprintf(r->actor, sizeof(r->actor), "%s", actor ? actor : "");
	r->in = stdin;
	r->out = stdout;
	r->err = stderr;
}

int
hs_admin_exit_code(enum hs_err rc)
{
	switch (rc) {
	case HS_OK:
		return HS_EX_OK;
	case HS_ENOTFOUND:
	case HS_EEXIST:
		return HS_EX_REFUSED;
	case HS_ECONFIG:
	case HS_EINVAL:
	case HS_EROFS:
	case HS_EAUTH:
		return HS_EX_USAGE;
	default:
		return HS_EX_TEMP;
	}
}

int
admin_fail(struct hs_admin_run *r, int code, const char *fmt, ...)
{
	va_list ap;

	fputs("spoolctl: ", r->err);
	va_start(ap, fmt);
	vfprintf(r->err, fmt, ap);
	va_end(ap);
	fputc('\n', r->err);
	return code;
}

int
admin_db_fail(struct hs_admin_run *r, enum hs_err rc, const char *what)
{
	if (rc == HS_EBUSY)
		return admin_fail(r, HS_EX_TEMP, "%s: the spool stayed "
		    "locked past SPOOL_BUSY_TIMEOUT_MS; try again", what);
	return admin_fail(r, hs_admin_exit_code(rc), "%s: %s (%s)", what,
	    hs_err_str(rc), r->sp ? hs_spool_errmsg(r->sp) : "no spool");
}

void
admin_print_json(struct hs_admin_run *r, struct json_object *o)
{
	fprintf(r->out, "%s\n", json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

int
hs_admin_cmd_stats(struct hs_admin_run *r)
{
	const struct hs_admin_view v = { r->cols, r->now_ms };
	struct json_object *o = NULL;
	enum hs_err rc = hs_admin_stats(r->sp, r->cfg, r->now_ms, &o);

	if (rc != HS_OK)
		return admin_db_fail(r, rc, "stats");
	if (r->json)
		admin_print_json(r, o);
	else
		hs_admin_print_stats(r->out, &v, o);
	json_object_put(o);
	return HS_EX_OK;
}

int
hs_admin_cmd_list(struct hs_admin_run *r, const struct hs_admin_filter *f)
{
	const struct hs_admin_view v = { r->cols, r->now_ms };
	struct json_object *o = NULL;
	enum hs_err rc = hs_admin_list(r->sp, f, &o);

	if (rc != HS_OK)
		return admin_db_fail(r, rc, "list");
	if (r->json)
		admin_print_json(r, o);
	else
		hs_admin_print_list(r->out, &v, o);
	json_object_put(o);
	return HS_EX_OK;
}

static int
show_json(struct hs_admin_run *r, struct json_object *o,
          const struct hs_buf *body)
{
	struct hs_buf line;
	enum hs_err rc;

	hs_buf_init(&line, 4 * (body->len + 64 * 1024));
	rc = hs_admin_json_with_body(o, body->data, body->len, &line);
	if (rc == HS_OK)
		fprintf(r->out, "%s\n", hs_buf_str(&line));
	hs_buf_release(&line);
	return rc == HS_OK ? HS_EX_OK : admin_db_fail(r, rc, "show");
}

int
hs_admin_cmd_show(struct hs_admin_run *r, const char *target,
                  const char *source)
{
	const struct hs_admin_view v = { r->cols, r->now_ms };
	struct json_object *o = NULL;
	struct hs_buf body;
	char why[512];
	int64_t id = 0;
	enum hs_err rc;
	int code = HS_EX_OK;

	rc = hs_admin_find(r->sp, target, source, &id, why, sizeof(why));
	if (rc == HS_ENOTFOUND || rc == HS_EEXIST)
		return admin_fail(r, hs_admin_exit_code(rc), "%s", why);
	hs_buf_init(&body, (size_t)64 * 1024 * 1024);
	if (rc == HS_OK)
		rc = hs_admin_show(r->sp, id, &o, &body);
	if (rc != HS_OK)
		code = admin_db_fail(r, rc, "show");
	else if (r->json)
		code = show_json(r, o, &body);
	else
		hs_admin_print_show(r->out, &v, o, body.data, body.len);
	json_object_put(o);
	hs_buf_release(&body);
	return code;
}

struct export_ctx {
	struct hs_admin_run *r;
	long n;
	double bytes;
};

/* "exporting: 1200 events, 3.4 MiB": on a terminal only, never stdout. */
static void
export_progress(const struct export_ctx *x, int force)
{
	char text[96];

	snprintf(text, sizeof(text), "spoolctl: exporting: %ld event%s, "
	    "%.1f MiB", x->n, x->n == 1 ? "" : "s", x->bytes / 1048576.0);
	hs_term_progress(x->r->err, text, force);
}

static int
emit_line(void *ctx, const char *line, size_t len)
{
	struct export_ctx *x = ctx;
	FILE *out = x->r->out;

	fwrite(line, 1, len, out);
	fputc('\n', out);
	x->n++;
	x->bytes += (double)len + 1;
	if (x->r->progress)
		export_progress(x, 0);
	return ferror(out);
}

int
hs_admin_cmd_export(struct hs_admin_run *r, const struct hs_admin_filter *f)
{
	struct export_ctx x = { r, 0, 0 };
	long n = 0;
	enum hs_err rc = hs_admin_export(r->sp, f, emit_line, &x, &n);

	if (fflush(r->out) != 0 && rc == HS_OK)
		rc = HS_EIO;
	if (r->progress && x.n) {
		export_progress(&x, 1);
		hs_term_progress_clear(r->err);
	}
	if (rc != HS_OK)
		return admin_db_fail(r, rc, "export");
	fprintf(r->err, "spoolctl: exported %ld event%s\n", n,
	    n == 1 ? "" : "s");
	return HS_EX_OK;
}

int
hs_admin_cmd_check(struct hs_admin_run *r,
                   const struct hs_admin_check_opts *o)
{
	const struct hs_admin_view v = { r->cols, r->now_ms };
	struct json_object *res = NULL, *ok;
	enum hs_err rc = hs_admin_check(r->cfg, o, r->now_ms, &res);
	int code;

	if (rc != HS_OK)
		return admin_fail(r, hs_admin_exit_code(rc), "check: %s",
		    hs_err_str(rc));
	if (r->json)
		admin_print_json(r, res);
	else
		hs_admin_print_check(r->out, &v, res);
	ok = admin_get(res, "ok");
	code = ok && json_object_get_boolean(ok) ? HS_EX_OK :
	    HS_EX_REFUSED;
	json_object_put(res);
	return code;
}
