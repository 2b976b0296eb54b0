/*
 * sync/engine.c - the per-sink delivery loop, shared by scheduled runs and
 * handlers' immediate attempts (they differ in their options only).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sync/backoff.h"
#include "sync/bucket.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/log.h"
#include "sinks/sink.h"
#include "spool/spool.h"
#include "core/filelock.h"
#include "core/term.h"
#include "sync/engine.h"
#include "core/timefmt.h"
#include "core/banned.h"

/* The sync engine's settings: tools/scheduled_sync. */
const struct hs_conf_key hs_sync_keys[] = {
	{ "ROUTES", HS_CONF_STR, "", 0, 0,
	  "source/kind:sink,sink;... (empty: the seed's routing to every "
	  "configured sink)" },
	{ "MAX_ATTEMPTS", HS_CONF_INT, "10", 1, 1000,
	  "attempts before a delivery is dead" },
	{ "RETRY_BASE_MS", HS_CONF_INT, "2000", 1, 86400000,
	  "first backoff step; doubles per attempt, full jitter" },
	{ "RETRY_CAP_MS", HS_CONF_INT, "3600000", 1, 604800000,
	  "longest backoff between two attempts" },
	{ "SYNC_MAX_SECONDS", HS_CONF_INT, "55", 1, 86400,
	  "default --max-seconds of one scheduled_sync run" },
	{ "IMMEDIATE_MAX_MS", HS_CONF_INT, "3000", 0, 60000,
	  "time budget of a handler's delivery attempt after its answer, to "
	  "sinks marked immediate (0: cron only)" },
	{ NULL, HS_CONF_STR, NULL, 0, 0, NULL }
};

#define BATCH_SOFT_BYTES (8 * 1024 * 1024)
#define IDLE_POLL_MS 1000	/* --drain: longest sleep between looks */

struct run {
	struct hs_spool *sp;
	const struct hs_config *cfg;
	const struct hs_sink_ops *ops;
	const struct hs_sync_opts *o;
	const struct hs_sync_clock *clk;
	struct hs_sync_stats *st;
	struct hs_sink *sink;
	const char *dead_copy;	/* sink to copy dead events to, or NULL */
	int64_t start, deadline;
	char owner[32];			/* of the leases this run writes */
	char lease_until[HS_ISO_LEN];
	double rate;
	double started;		/* monotonic, for the progress line's rate */
	struct hs_pacer pacer;	/* for self-paced sinks */
	long max_attempts, base_ms, cap_ms;
	char *why;
	size_t whylen;
};

static int64_t
real_now(void *ctx)
{
	(void)ctx;
	return hs_now_ms();
}

/* With the test clock (core/timefmt.h) a wait moves it on at once. */
static void
real_sleep(void *ctx, int64_t ms)
{
	(void)ctx;
	hs_sleep_ms(ms);
}

static uint64_t
real_random(void *ctx)
{
	(void)ctx;
	return hs_random_u64();
}

static const struct hs_sync_clock real_clock = {
	real_now, real_sleep, real_random, NULL
};

static int64_t
now(const struct run *r)
{
	return r->clk->now_ms(r->clk->ctx);
}

/* Sleeps ms, but never past the deadline. */
static void
nap(const struct run *r, int64_t ms)
{
	int64_t left = r->deadline - now(r);

	if (ms > left)
		ms = left;
	if (ms > 0)
		r->clk->sleep_ms(r->clk->ctx, ms);
}

/* Waits for tokens; returns how many of want it may send (0: time up). */
static enum hs_err
take_tokens(struct run *r, long want, long *granted)
{
	int64_t wait_ms = 0;
	enum hs_err rc;

	for (;;) {
		rc = hs_bucket_take(r->sp, r->ops->name, r->rate, r->rate,
		    now(r), want, granted, &wait_ms);
		if (rc != HS_OK || *granted > 0 || now(r) >= r->deadline)
			return rc;
		nap(r, wait_ms);
	}
}

static enum hs_err
pacer_take(struct hs_pacer *p, long n)
{
	struct run *r = p->engine;
	long granted = 0, got = 0;
	enum hs_err rc = HS_OK;

	while (rc == HS_OK && got < n) {
		rc = take_tokens(r, n - got, &granted);
		if (rc == HS_OK && granted == 0)
			rc = HS_ETIMEOUT;
		got += granted;
	}
	return rc;
}

static void
log_attempt(const struct run *r, const struct hs_delivery *d,
            const struct hs_verdict *v, double ms)
{
	static const char *const names[] = { "done", "retry", "dead" };
	struct hs_logline l;

	hs_log_begin(&l, v->kind == HS_OUT_DONE ? HS_LOG_INFO : HS_LOG_WARN,
	    "attempt");
	hs_log_str(&l, "sink", r->ops->name);
	hs_log_str(&l, "via", r->o->immediate ? "handler" : "sync");
	hs_log_int(&l, "delivery", d->id);
	hs_log_int(&l, "event_id", d->event_id);
	hs_log_str(&l, "key", d->idem_key);
	hs_log_int(&l, "attempt", d->attempts + 1);
	hs_log_str(&l, "outcome", names[v->kind]);
	if (v->kind == HS_OUT_DONE && v->receipt && *v->receipt)
		hs_log_str(&l, "receipt", v->receipt);
	if (v->kind == HS_OUT_RETRY)
		hs_log_str(&l, "next_attempt_at", v->next_attempt_at);
	if (v->kind != HS_OUT_DONE)
		hs_log_str(&l, "error", v->error);
	hs_log_ms(&l, "batch_ms", ms);
	hs_log_end(&l);
}

/* Turns the sink's outcome into the engine's decision for one delivery. */
static void
decide(struct run *r, const struct hs_delivery *d, struct hs_outcome *out,
       struct hs_verdict *v, char *next_iso, char *err, size_t errlen)
{
	int64_t delay;

	memset(v, 0, sizeof(*v));
	v->delivery_id = d->id;
	v->event_id = d->event_id;
	v->kind = out->kind;
	v->progress = out->progress;
	v->receipt = out->receipt;
	v->error = out->error[0] ? out->error : "no detail from the sink";
	if (v->kind == HS_OUT_RETRY && d->attempts + 1 >= r->max_attempts) {
		snprintf(err, errlen, "gave up after %d attempts: %s",
		    d->attempts + 1, v->error);
		v->error = err;
		v->kind = HS_OUT_DEAD;
	}
	if (v->kind == HS_OUT_RETRY) {
		delay = hs_retry_delay_ms(d->attempts + 1, r->base_ms,
		    r->cap_ms, out->retry_after_ms,
		    r->clk->random(r->clk->ctx));
		/* At least 1 ms: strictly after this run's start (see loop). */
		hs_time_iso(now(r) + (delay > 0 ? delay : 1), next_iso,
		    HS_ISO_LEN);
		v->next_attempt_at = next_iso;
	}
}

struct scratch {
	struct hs_outcome *out;
	struct hs_verdict *v;
	char (*next)[HS_ISO_LEN];
	char (*err)[300];
};

/*
 * What is recorded: every verdict but the unsent ones. When the peer
 * refused our credentials part-way (a SAS allowed on one queue but not
 * another), only what got through; the rest is left exactly as it was,
 * with no attempt counted.
 */
static int
recorded(const struct hs_verdict *v, enum hs_err drc)
{
	return v->kind == HS_OUT_DONE ||
	    (drc != HS_EAUTH && v->kind != HS_OUT_UNSENT);
}

/*
 * Hands the first `send` deliveries of the batch to the sink (none: only
 * gives the leases back) and records every verdict: the unsent ones, and
 * all of them when the sink failed otherwise than on our credentials,
 * only end their lease and keep their progress.
 */
static enum hs_err
send_batch(struct run *r, struct hs_batch *b, size_t send, struct scratch *s)
{
	char now_iso[HS_ISO_LEN];
	double t0 = hs_mono_ms_f();
	enum hs_err rc, drc = HS_OK;
	size_t i;

	for (i = 0; i < b->n; i++) {
		memset(&s->out[i], 0, sizeof(s->out[i]));
		s->out[i].kind = HS_OUT_UNSENT;
		s->out[i].retry_after_ms = -1;
		s->out[i].progress = b->d[i].progress;
		snprintf(s->out[i].error, sizeof(s->out[i].error), "not sent");
	}
	if (send > 0)
		drc = r->ops->deliver(r->sink, b->d, send, now(r), s->out,
		    r->why, r->whylen);
	if (drc != HS_OK && drc != HS_EAUTH)
		drc = HS_ECONFIG;
	for (i = 0; i < b->n; i++) {
		decide(r, &b->d[i], &s->out[i], &s->v[i], s->next[i],
		    s->err[i], sizeof(s->err[i]));
		if (drc == HS_ECONFIG || !recorded(&s->v[i], drc))
			s->v[i].kind = HS_OUT_UNSENT;
		if (s->v[i].kind == HS_OUT_UNSENT)
			continue;
		r->st->delivered += s->v[i].kind == HS_OUT_DONE;
		r->st->retried += s->v[i].kind == HS_OUT_RETRY;
		r->st->dead += s->v[i].kind == HS_OUT_DEAD;
		if (!r->o->quiet_attempts)
			log_attempt(r, &b->d[i], &s->v[i], hs_mono_ms_f() - t0);
	}
	hs_time_iso(now(r), now_iso, sizeof(now_iso));
	rc = b->n ? hs_outbox_record(r->sp, s->v, b->n, now_iso,
	    r->dead_copy) : HS_OK;
	return rc != HS_OK ? rc : drc;
}

static void
list_batch(struct run *r, const struct hs_batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		printf("would deliver sink=%s delivery=%lld event_id=%lld "
		    "key=%s attempts=%d\n", r->ops->name,
		    (long long)b->d[i].id, (long long)b->d[i].event_id,
		    b->d[i].idem_key, b->d[i].attempts);
	r->st->listed += (long)b->n;
}

/*
 * "azure_queue [#####.....] 1500/3000 delivered=1498 retried=0 dead=2
 * 61/s": done counts attempts, so a --drain run that retries can pass the
 * total counted at its start; the bar then stays full.
 */
static void
progress(const struct run *r, int64_t total, int force)
{
	const struct hs_sync_stats *st = r->st;
	long done = st->delivered + st->retried + st->dead;
	int width = 20, fill = total > 0 ? (int)(done * width / total) : width;
	double secs = (hs_mono_ms_f() - r->started) / 1000.0;
	char text[256];
	int n;

	if (!r->o->progress)
		return;
	if (fill > width)
		fill = width;
	n = snprintf(text, sizeof(text), "%s [%.*s%.*s] %ld/%lld "
	    "delivered=%ld retried=%ld dead=%ld", r->ops->name, fill,
	    "####################", width - fill, "....................",
	    done, (long long)total, st->delivered, st->retried, st->dead);
	if (secs >= 1 && n > 0 && (size_t)n < sizeof(text))
		snprintf(text + n, sizeof(text) - (size_t)n, " %.0f/s",
		    (double)done / secs);
	hs_term_progress(stderr, text, force);
}

/*
 * What the claim at cursor takes: due by due_ms; leased as this run's
 * owner unless a dry run. The strings are the caller's.
 */
static void
claim_spec(const struct run *r, struct hs_claim *c, int64_t cursor,
           char *due_iso, char *now_iso)
{
	int64_t t = now(r);

	hs_time_iso(r->o->drain ? t : r->start, due_iso, HS_ISO_LEN);
	hs_time_iso(t, now_iso, HS_ISO_LEN);
	memset(c, 0, sizeof(*c));
	c->sink = r->ops->name;
	c->due_iso = due_iso;
	c->now_iso = now_iso;
	c->after_id = cursor;
	c->events = r->o->events;
	c->nevents = r->o->nevents;
	c->owner = r->o->dry_run ? NULL : r->owner;
	c->lease_until = r->lease_until;
	c->take_own = !r->o->immediate;
}

/* An immediate run: 1 when one of its events may go soon (it waited). */
static int
poll_held(struct run *r)
{
	char due_iso[HS_ISO_LEN], now_iso[HS_ISO_LEN];
	struct hs_claim c;
	int held = 0;

	claim_spec(r, &c, 0, due_iso, now_iso);
	if (hs_outbox_held(r->sp, &c, &held) != HS_OK || !held ||
	    now(r) + HS_SYNC_POLL_MS > r->deadline)
		return 0;
	nap(r, HS_SYNC_POLL_MS);
	return 1;
}

/* After an empty claim: 1 to look again from the start, 0 to stop. */
static int
look_again(struct run *r, int64_t *cursor, int *progressed)
{
	struct hs_outbox_stats os;
	int64_t due = 0;

	if (*cursor > 0 && *progressed && !r->o->dry_run) {
		/* Deliveries skipped for per-key order may be free now. */
		*cursor = 0;
		*progressed = 0;
		return 1;
	}
	if (r->o->immediate) {
		*cursor = 0;
		*progressed = 0;
		return poll_held(r);
	}
	if (!r->o->drain || r->o->dry_run ||
	    hs_outbox_stats(r->sp, r->ops->name, &os) != HS_OK ||
	    os.pending == 0 || now(r) >= r->deadline)
		return 0;
	if (hs_time_parse_iso(os.next_due, &due) != 0)
		due = now(r) + IDLE_POLL_MS;
	due -= now(r);
	nap(r, due < 0 ? 0 : due > IDLE_POLL_MS ? IDLE_POLL_MS : due);
	*cursor = 0;
	*progressed = 0;
	return now(r) < r->deadline;
}

/*
 * Without --drain a run sends what was due when it started, each delivery
 * at most once: a retry scheduled during the run (even with a jitter of 0)
 * is due strictly after the start and waits for the next run. --drain
 * keeps claiming up to the current time, so it waits out the backoff.
 */
static enum hs_err
loop(struct run *r, struct hs_batch *b, struct scratch *s, int64_t total)
{
	char due_iso[HS_ISO_LEN], now_iso[HS_ISO_LEN];
	struct hs_claim c;
	int64_t cursor = 0;
	int progressed = 0;
	long granted;
	enum hs_err rc = HS_OK, rc2;

	while (rc == HS_OK && now(r) < r->deadline) {
		claim_spec(r, &c, cursor, due_iso, now_iso);
		rc = hs_outbox_claim(r->sp, &c, b);
		if (rc != HS_OK)
			break;
		if (b->n == 0) {
			if (look_again(r, &cursor, &progressed))
				continue;
			break;
		}
		if (r->o->dry_run) {
			list_batch(r, b);
			cursor = b->last_id;
			continue;
		}
		granted = (long)b->n;
		if (!r->ops->set_pacer)
			rc = take_tokens(r, (long)b->n, &granted);
		if (rc != HS_OK)
			granted = 0;
		/* Whatever is not sent gives its lease back. */
		rc2 = send_batch(r, b, (size_t)granted, s);
		rc = rc != HS_OK ? rc : rc2;
		if (rc != HS_OK || granted == 0)
			break;
		cursor = b->d[granted - 1].id;
		progressed = 1;
		progress(r, total, 0);
		if (r->o->once)
			break;
		/*
		 * An immediate run's claim took every due delivery of its
		 * events unless the batch was full; what is left waited behind
		 * one of these of its key. One claim from the start finds it:
		 * not a claim past the cursor first, which would take the
		 * writer lock every handler commits under for nothing.
		 */
		if (r->o->immediate && (size_t)granted == b->n &&
		    b->n < b->cap && !b->full) {
			cursor = 0;
			progressed = 0;
		}
	}
	if (r->o->progress && r->st->delivered + r->st->retried +
	    r->st->dead > 0) {
		progress(r, total, 1);
		hs_term_progress_end();
	}
	return rc;
}

static enum hs_err
scratch_alloc(struct scratch *s, size_t n)
{
	s->out = calloc(n, sizeof(*s->out));
	s->v = calloc(n, sizeof(*s->v));
	s->next = calloc(n, sizeof(*s->next));
	s->err = calloc(n, sizeof(*s->err));
	return s->out && s->v && s->next && s->err ? HS_OK : HS_ENOMEM;
}

static void
scratch_free(struct scratch *s)
{
	free(s->out);
	free(s->v);
	free(s->next);
	free(s->err);
}

/* The sink's lock: "<spool>.sync-<sink>.lock", taken without waiting. */
static enum hs_err
lock_sink(const struct run *r, int *fd)
{
	struct hs_buf path;
	enum hs_err rc;

	hs_buf_init(&path, 4096);
	rc = hs_buf_addf(&path, "%s.sync-%s.lock", hs_spool_path(r->sp),
	    r->ops->name);
	*fd = rc == HS_OK ? hs_lockfile_open(hs_buf_str(&path)) : -1;
	if (*fd < 0) {
		snprintf(r->why, r->whylen, "cannot open lock file '%s': %s",
		    hs_buf_str(&path), strerror(errno));
		rc = HS_EIO;
	} else if (hs_lock_timed(*fd, 0) != HS_OK) {
		snprintf(r->why, r->whylen, "another scheduled_sync run holds "
		    "sink '%s' (%s)", r->ops->name, hs_buf_str(&path));
		rc = HS_EBUSY;
	}
	hs_buf_release(&path);
	return rc;
}

static void
settings(struct run *r)
{
	r->rate = (double)hs_config_int(r->cfg, r->ops->rate_key);
	r->max_attempts = hs_config_int(r->cfg, "MAX_ATTEMPTS");
	r->base_ms = hs_config_int(r->cfg, "RETRY_BASE_MS");
	r->cap_ms = hs_config_int(r->cfg, "RETRY_CAP_MS");
	r->dead_copy = r->o->dead_copy && r->o->dead_copy != r->ops ?
	    r->o->dead_copy->name : NULL;
}

static enum hs_err
run_locked(struct run *r)
{
	struct hs_outbox_stats before;
	struct hs_batch b;
	struct scratch s = { NULL, NULL, NULL, NULL };
	long batch = r->o->batch > 0 ? r->o->batch :
	    hs_config_int(r->cfg, r->ops->batch_key);
	enum hs_err rc;

	settings(r);
	memset(&before, 0, sizeof(before));
	/* A handler's attempt skips counting the backlog. */
	rc = r->o->immediate ? HS_OK :
	    hs_outbox_stats(r->sp, r->ops->name, &before);
	if (rc != HS_OK)
		return rc;
	if (!r->o->dry_run)
		rc = r->ops->open(&r->sink, r->cfg, r->why, r->whylen);
	if (rc != HS_OK)	/* settings the sink cannot use */
		return rc == HS_ENOMEM || rc == HS_EAUTH ? rc : HS_ECONFIG;
	r->pacer.take = pacer_take;
	r->pacer.engine = r;
	if (r->sink && r->ops->set_pacer)
		r->ops->set_pacer(r->sink, &r->pacer);
	hs_batch_init(&b, (size_t)(batch > 0 ? batch : 1), BATCH_SOFT_BYTES);
	rc = b.cap ? scratch_alloc(&s, b.cap) : HS_ENOMEM;
	if (rc == HS_OK)
		rc = loop(r, &b, &s, before.pending);
	scratch_free(&s);
	hs_batch_release(&b);
	if (r->sink)
		r->ops->close(r->sink);
	r->sink = NULL;
	return rc;
}

enum hs_err
hs_sync_sink(struct hs_spool *sp, const struct hs_config *cfg,
             const struct hs_sink_ops *ops, const struct hs_sync_opts *o,
             struct hs_sync_stats *st, char *why, size_t whylen)
{
	struct run r;
	int64_t start;
	enum hs_err rc, rc2;
	int fd = -1;

	memset(st, 0, sizeof(*st));
	memset(&r, 0, sizeof(r));
	r.sp = sp;
	r.cfg = cfg;
	r.ops = ops;
	r.o = o;
	r.clk = o->clock ? o->clock : &real_clock;
	r.st = st;
	r.why = why;
	r.whylen = whylen;
	why[0] = '\0';
	start = now(&r);
	r.start = start;
	r.deadline = start + o->max_ms;
	r.started = hs_mono_ms_f();
	hs_time_iso(r.deadline + HS_SYNC_LEASE_GRACE_MS, r.lease_until,
	    sizeof(r.lease_until));
	if (o->immediate)
		snprintf(r.owner, sizeof(r.owner), "pid:%ld", (long)getpid());
	else
		snprintf(r.owner, sizeof(r.owner), "sync");
	/* A scheduled run holds the sink; a handler's attempt leans on the
	 * leases alone. */
	rc = o->immediate ? HS_OK : lock_sink(&r, &fd);
	if (rc == HS_OK) {
		rc = run_locked(&r);
		if (rc != HS_OK && !why[0])
			snprintf(why, whylen, "sink '%s': %s (%s)", ops->name,
			    hs_err_str(rc), hs_spool_errmsg(sp));
	}
	if (fd >= 0)
		close(fd);	/* releases the lock */
	rc2 = o->immediate ? HS_OK :
	    hs_outbox_stats(sp, ops->name, &st->after);
	st->elapsed_ms = now(&r) - start;
	return rc != HS_OK ? rc : rc2;
}
