/*
 * tools/admin/cmd_write.c - spoolctl's writing commands: retry, replay, purge,
 * vacuum.
 *
 * Each one first says what it would touch (a count), then asks on a
 * terminal when it touches many or destroys anything; without a terminal
 * it needs --yes, so a cron line or a script never guesses.
 */
#include <stdio.h>
#include <string.h>

#include "admin/internal.h"
#include "core/config.h"
#include "sinks/sink.h"
#include "spool/spool.h"
#include "core/banned.h"

#define WHY_MAX 512

/* Asks; on anything but yes prints why and returns the exit code. */
static int
ask(struct hs_admin_run *r, const char *question, const char *what)
{
	switch (hs_admin_confirm(question, r->yes, r->interactive, r->in,
	    r->err)) {
	case HS_ADMIN_YES:
		return HS_EX_OK;
	case HS_ADMIN_NO:
		return admin_fail(r, HS_EX_REFUSED, "nothing done");
	default:
		return admin_fail(r, HS_EX_REFUSED, "refusing to %s "
		    "without a terminal to ask on: add --yes", what);
	}
}

static int
has_filter(const struct hs_admin_filter *f)
{
	const char *const v[] = { f->key, f->entity, f->source, f->kind,
	    f->sink, f->contains, f->since, f->until };
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (v[i] && *v[i])
			return 1;
	return f->event_id > 0;
}

/* Nothing matched: say so, with the way forward for one event. */
static int
nothing_to_retry(struct hs_admin_run *r, const struct hs_admin_filter *f)
{
	struct hs_admin_filter p = *f;
	long pending = 0;

	p.state = "pending";
	if (f->event_id > 0 && !strcmp(f->state, "dead") &&
	    hs_admin_retry_count(r->sp, &p, &pending) == HS_OK && pending)
		return admin_fail(r, HS_EX_REFUSED, "event %lld has no "
		    "dead delivery%s; %ld pending: push %s now with --state "
		    "pending", (long long)f->event_id, f->sink ?
		    " to that sink" : "", pending,
		    pending == 1 ? "it" : "them");
	return admin_fail(r, HS_EX_REFUSED, "nothing to retry: no %s "
	    "delivery matches", f->state);
}

static void
retry_report(struct hs_admin_run *r, const struct hs_admin_filter *f,
             long matched, const struct hs_admin_result *res, int dry_run)
{
	struct json_object *o;

	if (!r->json) {
		if (dry_run)
			fprintf(r->out, "would requeue %ld %s deliver%s\n",
			    matched, f->state, matched == 1 ? "y" : "ies");
		else
			fprintf(r->out, "requeued %ld deliver%s (%ld skipped: "
			    "changed meanwhile)\n", res->changed,
			    res->changed == 1 ? "y" : "ies", res->skipped);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "event_id", f->event_id > 0 ?
	    json_object_new_int64(f->event_id) : NULL);
	json_object_object_add(o, "state", json_object_new_string(f->state));
	json_object_object_add(o, "dry_run", json_object_new_boolean(dry_run));
	json_object_object_add(o, "matched", json_object_new_int64(matched));
	json_object_object_add(o, "requeued",
	    json_object_new_int64(res->changed));
	json_object_object_add(o, "skipped",
	    json_object_new_int64(res->skipped));
	admin_print_json(r, o);
	json_object_put(o);
}

int
hs_admin_cmd_retry(struct hs_admin_run *r, const char *target,
                   const struct hs_admin_filter *in, int all, int dry_run)
{
	struct hs_admin_filter f = *in;
	struct hs_admin_result res;
	char why[WHY_MAX], q[160];
	long n = 0;
	enum hs_err rc;
	int code;

	memset(&res, 0, sizeof(res));
	if (!f.state || !*f.state)
		f.state = "dead";
	if (strcmp(f.state, "dead") && strcmp(f.state, "pending"))
		return admin_fail(r, HS_EX_USAGE, "retry takes --state "
		    "dead or pending; a done delivery is sent again with "
		    "'spoolctl replay'");
	if (target) {
		rc = hs_admin_find(r->sp, target, f.source, &f.event_id, why,
		    sizeof(why));
		if (rc != HS_OK)
			return admin_fail(r, hs_admin_exit_code(rc), "%s", why);
	} else if (!has_filter(&f) && !all) {
		return admin_fail(r, HS_EX_USAGE, "retry needs an event "
		    "(ID or KEY), a filter (--sink, --source, ...) or --all");
	}
	rc = hs_admin_retry_count(r->sp, &f, &n);
	if (rc != HS_OK)
		return admin_db_fail(r, rc, "retry");
	if (n == 0)
		return nothing_to_retry(r, &f);
	if (!dry_run && !target && n > 1) {
		snprintf(q, sizeof(q), "Requeue %ld %s deliveries (attempts "
		    "reset, due now)?", n, f.state);
		if ((code = ask(r, q, "requeue many deliveries")))
			return code;
	}
	if (!dry_run && (rc = hs_admin_retry(r->sp, &f, r->now, r->actor,
	    &res)) != HS_OK)
		return admin_db_fail(r, rc, "retry");
	retry_report(r, &f, n, &res, dry_run);
	return HS_EX_OK;
}

/* Why sink cannot take a replay, or NULL. */
static const char *
sink_refusal(const struct hs_admin_run *r, const char *sink)
{
	const struct hs_sink_ops *ops = hs_sink_find(sink);

	if (!ops)
		return "no such sink in this build";
	if (!r->cfg || !ops->configured(r->cfg))
		return "not configured: the delivery would never leave the "
		    "spool";
	return NULL;
}

static void
note(struct json_object *arr, const char *sink, const char *key,
     struct json_object *val)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "sink", json_object_new_string(sink));
	json_object_object_add(o, key, val);
	json_object_array_add(arr, o);
}

/* Replays id to one sink; records the outcome in done or refused. */
static int
replay_one(struct hs_admin_run *r, int64_t id, const char *sink,
           struct json_object *done, struct json_object *refused)
{
	const char *no = sink_refusal(r, sink);
	char why[WHY_MAX];
	int64_t did = 0;
	enum hs_err rc = HS_OK;

	if (!no) {
		rc = hs_admin_replay(r->sp, id, sink, r->now, r->actor, &did,
		    why, sizeof(why));
		no = rc == HS_EEXIST || rc == HS_ENOTFOUND ? why : NULL;
	}
	if (no) {
		note(refused, sink, "reason", json_object_new_string(no));
		if (!r->json)
			admin_fail(r, 0, "event %lld not replayed to %s: %s",
			    (long long)id, sink, no);
		return 1;
	}
	if (rc != HS_OK)
		return admin_db_fail(r, rc, "replay"), -1;
	note(done, sink, "delivery_id", json_object_new_int64(did));
	if (!r->json)
		fprintf(r->out, "event %lld: new delivery %lld to %s, pending "
		    "now\n", (long long)id, (long long)did, sink);
	return 0;
}

/* The sinks to replay to: the one named, else the event's own. */
static int
replay_sinks(struct hs_admin_run *r, int64_t id, const char *sink,
             struct hs_buf *out)
{
	enum hs_err rc;

	if (sink) {
		if (!hs_sink_find(sink))
			return admin_fail(r, HS_EX_USAGE, "no sink '%s' "
			    "(scheduled_sync --list-sinks shows them)", sink);
		return hs_buf_adds(out, sink) == HS_OK ? 0 : HS_EX_TEMP;
	}
	rc = hs_admin_event_sinks(r->sp, id, out);
	if (rc != HS_OK)
		return admin_db_fail(r, rc, "replay");
	if (out->len == 0)
		return admin_fail(r, HS_EX_REFUSED, "event %lld has no "
		    "delivery to repeat: name a sink with --sink",
		    (long long)id);
	return 0;
}

int
hs_admin_cmd_replay(struct hs_admin_run *r, const char *target,
                    const char *source, const char *sink)
{
	struct json_object *o = json_object_new_object();
	struct json_object *done = json_object_new_array();
	struct json_object *refused = json_object_new_array();
	char why[WHY_MAX], *s, *sp_;
	struct hs_buf sinks;
	int64_t id = 0;
	int code, k = 0, worst = 0;
	enum hs_err rc;

	json_object_object_add(o, "replayed", done);
	json_object_object_add(o, "refused", refused);
	hs_buf_init(&sinks, 4096);
	rc = hs_admin_find(r->sp, target, source, &id, why, sizeof(why));
	code = rc == HS_OK ? replay_sinks(r, id, sink, &sinks) :
	    admin_fail(r, hs_admin_exit_code(rc), "%s", why);
	for (s = sinks.data; code == 0 && s && *s; s = sp_ ? sp_ + 1 : NULL) {
		if ((sp_ = strchr(s, ' ')))
			*sp_ = '\0';
		if ((k = replay_one(r, id, s, done, refused)) < 0)
			code = HS_EX_TEMP;
		worst |= k;
	}
	if (code == 0 && r->json) {
		json_object_object_add(o, "event_id",
		    json_object_new_int64(id));
		admin_print_json(r, o);
	}
	json_object_put(o);
	hs_buf_release(&sinks);
	return code ? code : worst ? HS_EX_REFUSED : HS_EX_OK;
}

static void
purge_report(struct hs_admin_run *r, const struct hs_admin_purge *p,
             long matched, long purged, int dry_run)
{
	struct json_object *o;

	if (!r->json) {
		fprintf(r->out, "%s %ld event%s received before %s\n", dry_run ?
		    "would purge" : "purged", dry_run ? matched : purged,
		    (dry_run ? matched : purged) == 1 ? "" : "s", p->before);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "before", json_object_new_string(p->before));
	json_object_object_add(o, "include_dead",
	    json_object_new_boolean(p->include_dead));
	json_object_object_add(o, "include_pending",
	    json_object_new_boolean(p->include_pending));
	json_object_object_add(o, "dry_run", json_object_new_boolean(dry_run));
	json_object_object_add(o, "matched", json_object_new_int64(matched));
	json_object_object_add(o, "purged", json_object_new_int64(purged));
	admin_print_json(r, o);
	json_object_put(o);
}

int
hs_admin_cmd_purge(struct hs_admin_run *r, const struct hs_admin_purge *p,
                   int dry_run)
{
	char q[256];
	long n = 0, purged = 0;
	enum hs_err rc;
	int code;

	rc = hs_admin_purge_count(r->sp, p, &n);
	if (rc != HS_OK)
		return admin_db_fail(r, rc, "purge");
	if (n > 0 && !dry_run) {
		snprintf(q, sizeof(q), "Delete %ld event%s received before %s,"
		    " with their deliveries and history?", n, n == 1 ? "" : "s",
		    p->before);
		if ((code = ask(r, q, "delete events")))
			return code;
		rc = hs_admin_purge(r->sp, p, &purged);
		if (rc != HS_OK)
			return admin_db_fail(r, rc, "purge");
	}
	purge_report(r, p, n, purged, dry_run);
	return HS_EX_OK;
}

int
hs_admin_cmd_vacuum(struct hs_admin_run *r, int busy_ms)
{
	struct json_object *o;
	int64_t before = 0, after = 0;
	enum hs_err rc;
	int code;

	code = ask(r, "Rebuild the spool file now? Handlers wait while it "
	    "runs and answer 503 past SPOOL_BUSY_TIMEOUT_MS.", "vacuum");
	if (code)
		return code;
	rc = hs_admin_vacuum(r->sp, busy_ms, &before, &after);
	if (rc != HS_OK)
		return admin_db_fail(r, rc, "vacuum");
	if (!r->json) {
		fprintf(r->out, "vacuumed '%s': %lld -> %lld bytes\n",
		    hs_spool_path(r->sp), (long long)before, (long long)after);
		return HS_EX_OK;
	}
	o = json_object_new_object();
	json_object_object_add(o, "bytes_before",
	    json_object_new_int64(before));
	json_object_object_add(o, "bytes_after", json_object_new_int64(after));
	admin_print_json(r, o);
	json_object_put(o);
	return HS_EX_OK;
}
