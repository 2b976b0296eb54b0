/*
 * tools/admin/filter.c - spoolctl's filters as SQL with bound values, and the
 * durations and times an admin types.
 *
 * The builder only ever appends fragments written in this file; a value
 * reaches SQLite through sqlite3_bind_*, never through the text, so a key
 * like "x' OR 1=1 --" is just a key that matches nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "admin/admin.h"
#include "spool/spool.h"
#include "core/banned.h"

#define SQL_MAX (16 * 1024)

void
hs_admin_sql_init(struct hs_admin_sql *q)
{
	memset(q, 0, sizeof(*q));
	hs_buf_init(&q->text, SQL_MAX);
}

void
hs_admin_sql_release(struct hs_admin_sql *q)
{
	hs_buf_release(&q->text);
	q->n = 0;
}

static size_t
marks(const char *frag)
{
	size_t n = 0;

	for (; *frag; frag++)
		n += *frag == '?';
	return n;
}

enum hs_err
hs_admin_sql_add(struct hs_admin_sql *q, const char *frag)
{
	if (marks(frag) != 0)
		return HS_EINVAL;
	return hs_buf_adds(&q->text, frag);
}

static enum hs_err
add_bound(struct hs_admin_sql *q, const char *frag)
{
	if (marks(frag) != 1)
		return HS_EINVAL;
	if (q->n >= HS_ADMIN_MAX_BINDS)
		return HS_ETOOBIG;
	return hs_buf_adds(&q->text, frag);
}

enum hs_err
hs_admin_sql_text(struct hs_admin_sql *q, const char *frag,
                  const char *value)
{
	enum hs_err rc = add_bound(q, frag);

	if (rc != HS_OK)
		return rc;
	q->v[q->n].is_int = 0;
	q->v[q->n].s = value;
	q->n++;
	return HS_OK;
}

enum hs_err
hs_admin_sql_int(struct hs_admin_sql *q, const char *frag, int64_t value)
{
	enum hs_err rc = add_bound(q, frag);

	if (rc != HS_OK)
		return rc;
	q->v[q->n].is_int = 1;
	q->v[q->n].i = value;
	q->n++;
	return HS_OK;
}

enum hs_err
hs_admin_sql_prepare(const struct hs_admin_sql *q, sqlite3 *db,
                     sqlite3_stmt **out)
{
	int src, i;

	*out = NULL;
	src = sqlite3_prepare_v2(db, hs_buf_str(&q->text), -1, out, NULL);
	if (src != SQLITE_OK)
		return hs_spool_map_rc(src);
	if (sqlite3_bind_parameter_count(*out) != q->n) {
		sqlite3_finalize(*out);
		*out = NULL;
		return HS_EINVAL;
	}
	for (i = 0; i < q->n && src == SQLITE_OK; i++)
		src = q->v[i].is_int ?
		    sqlite3_bind_int64(*out, i + 1, q->v[i].i) :
		    sqlite3_bind_text(*out, i + 1, q->v[i].s, -1,
		    SQLITE_TRANSIENT);
	if (src != SQLITE_OK) {
		sqlite3_finalize(*out);
		*out = NULL;
		return hs_spool_map_rc(src);
	}
	return HS_OK;
}

static int
set(const char *s)
{
	return s && *s;
}

/* Terms on the event row (alias e). */
static enum hs_err
event_terms(struct hs_admin_sql *q, const struct hs_admin_filter *f)
{
	enum hs_err rc = HS_OK;

	if (f->event_id > 0)
		rc = hs_admin_sql_int(q, " AND e.id = ?", f->event_id);
	if (rc == HS_OK && set(f->key))
		rc = hs_admin_sql_text(q, " AND e.idem_key = ?", f->key);
	if (rc == HS_OK && set(f->entity))
		rc = hs_admin_sql_text(q, " AND e.entity_key = ?", f->entity);
	if (rc == HS_OK && set(f->source))
		rc = hs_admin_sql_text(q, " AND e.source = ?", f->source);
	if (rc == HS_OK && set(f->kind))
		rc = hs_admin_sql_text(q, " AND e.kind = ?", f->kind);
	if (rc == HS_OK && f->since[0])
		rc = hs_admin_sql_text(q, " AND e.received_at >= ?", f->since);
	if (rc == HS_OK && f->until[0])
		rc = hs_admin_sql_text(q, " AND e.received_at < ?", f->until);
	if (rc == HS_OK && set(f->contains))
		rc = hs_admin_sql_text(q, " AND instr(e.body,"
		    " CAST(? AS BLOB)) > 0", f->contains);
	return rc;
}

/* Terms on one delivery row (alias d). */
static enum hs_err
delivery_terms(struct hs_admin_sql *q, const struct hs_admin_filter *f)
{
	enum hs_err rc = HS_OK;

	if (set(f->sink))
		rc = hs_admin_sql_text(q, " AND d.sink = ?", f->sink);
	if (rc == HS_OK && set(f->state))
		rc = hs_admin_sql_text(q, " AND d.state = ?", f->state);
	return rc;
}

enum hs_err
hs_admin_where(struct hs_admin_sql *q, const struct hs_admin_filter *f,
               enum hs_admin_scope scope)
{
	enum hs_err rc;
	int nested = scope == HS_ADMIN_EVENTS && (set(f->sink) ||
	    set(f->state));

	if (set(f->state) && !hs_admin_state_ok(f->state))
		return HS_EINVAL;
	rc = hs_admin_sql_add(q, " WHERE 1");
	if (rc == HS_OK)
		rc = event_terms(q, f);
	if (rc == HS_OK && nested)
		rc = hs_admin_sql_add(q, " AND EXISTS (SELECT 1 FROM deliveries"
		    " d WHERE d.event_id = e.id");
	if (rc == HS_OK)
		rc = delivery_terms(q, f);
	if (rc == HS_OK && nested)
		rc = hs_admin_sql_add(q, ")");
	return rc;
}

int
hs_admin_state_ok(const char *s)
{
	return s && (!strcmp(s, "pending") || !strcmp(s, "done") ||
	    !strcmp(s, "dead"));
}

static int64_t
unit_ms(char u)
{
	switch (u) {
	case 's': return 1000LL;
	case 'm': return 60LL * 1000;
	case 'h': return 3600LL * 1000;
	case 'd': return 86400LL * 1000;
	case 'w': return 7LL * 86400 * 1000;
	default:  return 0;
	}
}

int
hs_admin_parse_duration(const char *s, int64_t *ms)
{
	int64_t total = 0, u;
	long long v;
	char *end;

	if (!s || !*s)
		return -1;
	while (*s) {
		if (*s < '0' || *s > '9')
			return -1;
		errno = 0;
		v = strtoll(s, &end, 10);
		if (errno || end == s || !(u = unit_ms(*end)))
			return -1;
		if (v > HS_ADMIN_DURATION_MAX_MS / u ||
		    total > HS_ADMIN_DURATION_MAX_MS - v * u)
			return -1;
		total += v * u;
		s = end + 1;
	}
	if (total <= 0)
		return -1;
	*ms = total;
	return 0;
}

int
hs_admin_parse_when(const char *s, int64_t now_ms, char *out, size_t n)
{
	int64_t ms;

	if (!s || !*s)
		return -1;
	if (!strcmp(s, "now"))
		ms = now_ms;
	else if (hs_admin_parse_duration(s, &ms) == 0)
		ms = now_ms - ms;
	else if (hs_time_parse_iso(s, &ms) != 0)
		return -1;
	if (ms < 0)
		return -1;
	hs_time_iso(ms, out, n);
	return 0;
}

