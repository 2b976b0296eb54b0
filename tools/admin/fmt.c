/*
 * tools/admin/fmt.c - the tables spoolctl prints when --json is not given.
 *
 * Each printer reads the same JSON the --json output shows, by the same
 * field names; nothing here queries the spool.
 */
#include <stdio.h>
#include <string.h>

#include "admin/fmt.h"
#include "admin/internal.h"
#include "core/timefmt.h"
#include "core/banned.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define FIELD_MAX	8192
#define RAW_BODY_MAX	4096	/* of a body that is not JSON */

static int64_t
num(struct json_object *o, const char *key)
{
	struct json_object *v = admin_get(o, key);

	return v ? json_object_get_int64(v) : 0;
}

static void
age_cell(struct json_object *row, char *out, size_t n)
{
	struct json_object *v = admin_get(row, "oldest_pending_age_s");

	if (!v)
		snprintf(out, n, "-");
	else
		hs_age_str(json_object_get_int64(v) * 1000, out, n);
}

/*
 * The columns of each table, and how each gives way to a narrow window
 * (tools/admin/fit.h): what an admin copies (keys, receipts) is never
 * cut; long text goes under its row; times become ages; the rest is
 * dropped, least needed first.
 */
#define COL(h, f, m, c) \
	.head = (h), .field = (f), .max = (m), .cell = (c)
#define TIME .is_time = 1
#define WRAP(n) .give = ADMIN_WRAP, .order = (n)
#define DROP(n) .give = ADMIN_DROP, .order = (n)

static const struct admin_col source_cols[] = {
	{ COL("SOURCE", "source", 24, NULL), DROP(3) },
	{ COL("KIND", "kind", 24, NULL) },
	{ COL("EVENTS", "events", 0, NULL) },
	{ COL("FIRST RECEIVED", "first_received_at", 0, NULL), TIME,
	  DROP(1), .narrow_head = "FIRST" },
	{ COL("LAST RECEIVED", "last_received_at", 0, NULL), TIME,
	  DROP(2), .narrow_head = "LAST" },
};

static const struct admin_col sink_cols[] = {
	{ COL("SINK", "sink", 0, NULL) },
	{ COL("CONFIGURED", "configured", 0, NULL), DROP(3) },
	{ COL("PENDING", "pending", 0, NULL) },
	{ COL("DONE", "done", 0, NULL) },
	{ COL("DEAD", "dead", 0, NULL) },
	{ COL("OLDEST PENDING", NULL, 0, age_cell), DROP(4),
	  .narrow_head = "OLDEST" },
	{ COL("LAST SUCCESS", "last_success_at", 0, NULL), TIME, DROP(5) },
	{ COL("LAST RUN", "last_run_at", 0, NULL), TIME, DROP(2) },
	{ COL("LAST ERROR", "last_error", 60, NULL), .min = 20, WRAP(1) },
};

void
hs_admin_print_stats(FILE *f, const struct hs_admin_view *v,
                     struct json_object *s)
{
	struct json_object *d = admin_get(s, "deliveries");
	char age[32];

	/* The path first and alone: it may be long, and it is copied. */
	fprintf(f, "spool %s\nschema %lld, at %s\n", admin_str(s, "spool"),
	    (long long)num(s, "schema_version"), admin_str(s, "now"));
	fprintf(f, "%lld events; deliveries: %lld pending, %lld done, "
	    "%lld dead", (long long)num(s, "events"),
	    (long long)num(d, "pending"), (long long)num(d, "done"),
	    (long long)num(d, "dead"));
	if (admin_get(s, "oldest_pending_age_s")) {
		hs_age_str(num(s, "oldest_pending_age_s") * 1000, age,
		    sizeof(age));
		fprintf(f, "\noldest pending: %s (since %s)", age,
		    admin_str(s, "oldest_pending_at"));
	}
	fputs("\n\n", f);
	admin_table(f, v, "", admin_get(s, "by_source"), source_cols,
	    N(source_cols));
	fputc('\n', f);
	admin_table(f, v, "", admin_get(s, "by_sink"), sink_cols,
	    N(sink_cols));
}

/* "azure_queue:done/1 dead_letter:pending/0" (state/attempts). */
static void
deliveries_cell(struct json_object *row, char *out, size_t n)
{
	struct json_object *ds = admin_get(row, "deliveries"), *d;
	size_t i, len = 0;

	out[0] = '\0';
	for (i = 0; ds && i < json_object_array_length(ds) && len < n; i++) {
		d = json_object_array_get_idx(ds, i);
		len += (size_t)snprintf(out + len, n - len, "%s%s:%s/%lld",
		    i ? " " : "", admin_str(d, "sink"), admin_str(d, "state"),
		    (long long)num(d, "attempts"));
	}
	if (!out[0])
		snprintf(out, n, "-");
}

/* The newest error still on record among the event's deliveries. */
static void
error_cell(struct json_object *row, char *out, size_t n)
{
	struct json_object *ds = admin_get(row, "deliveries");
	const char *e = NULL, *x;
	size_t i;

	for (i = 0; ds && i < json_object_array_length(ds); i++)
		if ((x = admin_str(json_object_array_get_idx(ds, i),
		    "last_error")))
			e = x;
	snprintf(out, n, "%s", e ? e : "-");
}

static const struct admin_col list_cols[] = {
	{ COL("ID", "id", 0, NULL) },
	{ COL("RECEIVED", "received_at", 0, NULL), TIME, DROP(4) },
	{ COL("SOURCE", "source", 16, NULL), DROP(5) },
	{ COL("KIND", "kind", 20, NULL), DROP(3) },
	{ COL("STATUS", "status", 0, NULL) },
	{ COL("KEY", "idempotency_key", 0, NULL), WRAP(2) },
	{ COL("DELIVERIES (sink:state/attempts)", NULL, 80, deliveries_cell),
	  .min = 18, DROP(6), .narrow_head = "DELIVERIES" },
	{ COL("LAST ERROR", NULL, 60, error_cell), .min = 20, WRAP(1) },
};

void
hs_admin_print_list(FILE *f, const struct hs_admin_view *v,
                    struct json_object *l)
{
	int64_t count = num(l, "count"), limit = num(l, "limit");

	admin_table(f, v, "", admin_get(l, "events"), list_cols,
	    N(list_cols));
	fprintf(f, "%lld event%s, newest first", (long long)count,
	    count == 1 ? "" : "s");
	if (limit > 0 && count >= limit)
		fprintf(f, " (--limit %lld reached: more may match)",
		    (long long)limit);
	fputc('\n', f);
}

static const struct admin_col delivery_cols[] = {
	{ COL("ID", "id", 0, NULL) },
	{ COL("SINK", "sink", 0, NULL) },
	{ COL("STATE", "state", 0, NULL) },
	{ COL("ATTEMPTS", "attempts", 0, NULL), DROP(4) },
	{ COL("NEXT ATTEMPT", "next_attempt_at", 0, NULL), TIME, DROP(3) },
	{ COL("DONE AT", "done_at", 0, NULL), TIME, DROP(5) },
	{ COL("RECEIPT", "receipt", 0, NULL), WRAP(2) },
	{ COL("LAST ERROR", "last_error", 0, NULL), .min = 20, WRAP(1) },
};

static const struct admin_col history_cols[] = {
	{ COL("AT", "at", 0, NULL), TIME },
	{ COL("ACTOR", "actor", 32, NULL) },
	{ COL("ACTION", "action", 0, NULL) },
	{ COL("DETAIL", "detail", 200, NULL), .min = 20, WRAP(1) },
};

static void
field(FILE *f, const char *label, struct json_object *ev, const char *key)
{
	char v[FIELD_MAX];

	admin_cell(ev, key, v, sizeof(v));
	fprintf(f, "  %-14s", label);
	hs_admin_put_safe(f, v, 0);
	fputc('\n', f);
}

static void
print_headers(FILE *f, struct json_object *h)
{
	fputs("headers\n", f);
	if (!h || json_object_object_length(h) == 0) {
		fputs("  (none kept)\n", f);
		return;
	}
	json_object_object_foreach(h, k, v) {
		fputs("  ", f);
		hs_admin_put_safe(f, k, 0);
		fputs(": ", f);
		hs_admin_put_safe(f, v ? json_object_get_string(v) : "", 0);
		fputc('\n', f);
	}
}

static void
put_raw(FILE *f, const void *p, size_t len)
{
	fputs("  (not JSON) ", f);
	hs_admin_put_safe_n(f, p, len > RAW_BODY_MAX ? RAW_BODY_MAX : len);
	fputs(len > RAW_BODY_MAX ? "...\n" : "\n", f);
}

/* The body, indented: pretty JSON when it parses, else cleaned text. */
static void
print_body(FILE *f, const void *body, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *j = NULL;
	const char *text, *p, *nl;

	fprintf(f, "body (%zu bytes)\n", len);
	if (tok && len <= (size_t)INT32_MAX)
		j = json_tokener_parse_ex(tok, body, (int)len);
	if (j && json_tokener_get_parse_end(tok) != len)
		j = (json_object_put(j), NULL);	/* trailing bytes */
	text = j ? json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY |
	    JSON_C_TO_STRING_NOSLASHESCAPE | JSON_C_TO_STRING_SPACED) : NULL;
	for (p = text; p && *p; p = nl + (*nl == '\n')) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		fputs("  ", f);
		hs_admin_put_safe_n(f, p, (size_t)(nl - p));
		fputc('\n', f);
	}
	if (!j && len)
		put_raw(f, body, len);
	json_object_put(j);
	json_tokener_free(tok);
}

void
hs_admin_print_show(FILE *f, const struct hs_admin_view *v,
                    struct json_object *ev, const void *body, size_t len)
{
	struct json_object *h = admin_get(ev, "history");

	fprintf(f, "event %lld: ", (long long)num(ev, "id"));
	hs_admin_put_safe(f, admin_str(ev, "source"), 0);
	fputc('/', f);
	hs_admin_put_safe(f, admin_str(ev, "kind"), 0);
	fprintf(f, ", %s\n", admin_str(ev, "status"));
	field(f, "key", ev, "idempotency_key");
	field(f, "entity", ev, "entity_key");
	field(f, "received", ev, "received_at");
	field(f, "from", ev, "remote_addr");
	field(f, "content type", ev, "content_type");
	field(f, "answered", ev, "response_status");
	field(f, "answer body", ev, "response_body");
	print_headers(f, admin_get(ev, "headers"));
	print_body(f, body, len);
	fputs("deliveries\n", f);
	admin_table(f, v, "  ", admin_get(ev, "deliveries"), delivery_cols,
	    N(delivery_cols));
	fputs("history\n", f);
	if (h && json_object_array_length(h))
		admin_table(f, v, "  ", h, history_cols,
		    N(history_cols));
	else
		fputs("  (no action by hand)\n", f);
}

static const struct admin_col check_cols[] = {
	{ COL("STATUS", "status", 0, NULL) },
	{ COL("CHECK", "name", 0, NULL) },
	{ COL("DETAIL", "detail", 0, NULL) },
};

void
hs_admin_print_check(FILE *f, const struct hs_admin_view *v,
                     struct json_object *c)
{
	struct json_object *arr = admin_get(c, "checks");
	size_t i, fails = 0, warns = 0;
	const char *st;

	admin_table(f, v, "", arr, check_cols, N(check_cols));
	for (i = 0; arr && i < json_object_array_length(arr); i++) {
		st = admin_str(json_object_array_get_idx(arr, i), "status");
		fails += st && !strcmp(st, "fail");
		warns += st && !strcmp(st, "warn");
	}
	fprintf(f, "%s: %zu failed, %zu warning%s\n", fails ? "FAILED" : "ok",
	    fails, warns, warns == 1 ? "" : "s");
}
