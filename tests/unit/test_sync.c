/*
 * test_sync.c - the sync engine (lib/sync/engine.h) with a scripted in-process
 * sink and a hand-moved clock: backoff and jitter bounds, the bucket step,
 * per-key order, dead after MAX_ATTEMPTS, Retry-After, an auth refusal
 * that burns nothing, one run per sink, and dead-letter copies.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "sync/backoff.h"
#include "sync/bucket.h"
#include "core/config.h"
#include "core/log.h"
#include "sync/outbox.h"
#include "sinks/sink.h"
#include "spool/db.h"
#include "sync/engine.h"
#include "core/timefmt.h"

#include "sync_fx.h"

#define MAXLOG 256

/* The scripted sink: outcome per call number, a log of what it got. */
static struct script {
	enum hs_outcome_kind next[16];	/* per call; past the end: done */
	int64_t retry_after_ms;
	int auth_fail;
	const char *fail_key;		/* this key always gets a retry */
	int calls;
	size_t nlog;
	char log[MAXLOG][64];		/* idem keys in delivery order */
} sc;

static enum hs_err
fake_deliver(struct hs_sink *s, const struct hs_delivery *in, size_t n,
             int64_t now_ms, struct hs_outcome *out, char *why, size_t wl)
{
	enum hs_outcome_kind k;
	size_t i;

	(void)s;
	(void)now_ms;
	if (sc.auth_fail) {
		/* auth_fail 2: the first one got through before the refusal */
		if (sc.auth_fail == 2 && n > 0) {
			out[0].kind = HS_OUT_DONE;
			snprintf(out[0].receipt, sizeof(out[0].receipt), "r-1");
		}
		snprintf(why, wl, "fake peer refused our credentials");
		return HS_EAUTH;
	}
	k = sc.calls < 16 ? sc.next[sc.calls] : HS_OUT_DONE;
	sc.calls++;
	for (i = 0; i < n; i++) {
		if (sc.nlog < MAXLOG)
			snprintf(sc.log[sc.nlog++], 64, "%s", in[i].idem_key);
		out[i].kind = sc.fail_key && !strcmp(in[i].idem_key,
		    sc.fail_key) ? HS_OUT_RETRY : k;
		out[i].retry_after_ms = k == HS_OUT_RETRY ? sc.retry_after_ms :
		    -1;
		snprintf(out[i].receipt, sizeof(out[i].receipt), "r-%lld",
		    (long long)in[i].id);
		if (out[i].kind != HS_OUT_DONE)
			snprintf(out[i].error, sizeof(out[i].error),
			    "scripted %s", out[i].kind == HS_OUT_RETRY ? "retry" :
			    "dead");
	}
	return HS_OK;
}

static const struct hs_sink_ops fake_ops = {
	.name = "fake",
	.what = "scripted test sink",
	.rate_key = "AZURE_QUEUE_RATE",
	.batch_key = "AZURE_QUEUE_BATCH",
	.configured = fake_configured,
	.open = fake_open,
	.deliver = fake_deliver,
	.close = fake_close,
};

/* The same script, as a sink that takes dead copies. */
static const struct hs_sink_ops copy_ops = {
	.name = "copies",
	.what = "scripted test sink of dead copies",
	.rate_key = "AZURE_QUEUE_RATE",
	.batch_key = "AZURE_QUEUE_BATCH",
	.dead_copies = 1,
	.configured = fake_configured,
	.open = fake_open,
	.deliver = fake_deliver,
	.close = fake_close,
};

static int
setup(void **state)
{
	memset(&sc, 0, sizeof(sc));
	sc.retry_after_ms = -1;
	return sfx_setup(state, "");
}

/* A plain claim of sink's due deliveries that leases nothing. */
static enum hs_err
claim(struct fx *fx, const char *sink, struct hs_batch *b)
{
	struct hs_claim c;

	memset(&c, 0, sizeof(c));
	c.sink = sink;
	c.due_iso = "2030-01-01T00:00:00.000Z";
	c.now_iso = "2030-01-01T00:00:00.000Z";
	return hs_outbox_claim(fx->sp, &c, b);
}

/* Stores one event for entity with one delivery to the fake sink. */
static void
put(struct fx *fx, const char *key, const char *entity)
{
	sfx_put(fx, "manychat", "contact", 202, key, entity);
}

static enum hs_err
run(struct fx *fx, int drain, struct hs_sync_stats *st)
{
	return sfx_run(fx, &fake_ops, drain, st);
}

static void
backoff_doubles_per_attempt_up_to_the_cap(void **state)
{
	(void)state;
	/* rnd = UINT64_MAX - k picks near the top of [0, ceiling]. */
	assert_int_equal(hs_backoff_ms(1, 1000, 8000, 1000), 1000);
	assert_int_equal(hs_backoff_ms(2, 1000, 8000, 2000), 2000);
	assert_int_equal(hs_backoff_ms(3, 1000, 8000, 4000), 4000);
	assert_int_equal(hs_backoff_ms(4, 1000, 8000, 8000), 8000);
	assert_int_equal(hs_backoff_ms(30, 1000, 8000, 8000), 8000);
	assert_int_equal(hs_backoff_ms(5, 1000, 8000, 8001), 0);
}

static void
full_jitter_stays_within_zero_and_the_ceiling(void **state)
{
	uint64_t r;
	int64_t d, lo = INT64_MAX, hi = -1;
	int i;

	(void)state;
	for (i = 0; i < 10000; i++) {
		r = hs_random_u64();
		d = hs_backoff_ms(3, 1000, 60000, r);
		assert_true(d >= 0 && d <= 4000);
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
	}
	/* Uniform over [0, 4000]: 10,000 draws reach both ends closely. */
	assert_true(lo < 100);
	assert_true(hi > 3900);
}

static void
retry_after_is_a_floor_under_the_jitter(void **state)
{
	(void)state;
	assert_int_equal(hs_retry_delay_ms(1, 1000, 8000, 30000, 5), 30000);
	assert_int_equal(hs_retry_delay_ms(1, 1000, 8000, -1, 700), 700);
	assert_int_equal(hs_retry_delay_ms(1, 1000, 8000, 10, 700), 700);
}

static void
bucket_grants_the_burst_then_refills_at_the_rate(void **state)
{
	double tokens = 10;
	int64_t updated = T0, wait = 0;
	long got = 0;

	(void)state;
	hs_bucket_step(&tokens, &updated, 10, 10, T0, 25, &got, &wait);
	assert_int_equal(got, 10);
	hs_bucket_step(&tokens, &updated, 10, 10, T0, 5, &got, &wait);
	assert_int_equal(got, 0);
	assert_int_equal(wait, 100);	/* one token at 10/s */
	hs_bucket_step(&tokens, &updated, 10, 10, T0 + 500, 25, &got, &wait);
	assert_int_equal(got, 5);
	hs_bucket_step(&tokens, &updated, 10, 10, T0 + 60000, 25, &got, &wait);
	assert_int_equal(got, 10);	/* never more than the burst */
}

static void
bucket_in_the_spool_is_shared_between_handles(void **state)
{
	struct fx *fx = *state;
	struct hs_spool_opts o = { fx->path, "NORMAL", 2000 };
	struct hs_spool *other;
	int64_t wait;
	long a, b;

	assert_int_equal(hs_spool_open(&other, &o, NULL, 0), HS_OK);
	assert_int_equal(hs_bucket_take(fx->sp, "s", 5, 5, T0, 4, &a, &wait),
	    HS_OK);
	assert_int_equal(hs_bucket_take(other, "s", 5, 5, T0, 4, &b, &wait),
	    HS_OK);
	assert_int_equal(a + b, 5);
	hs_spool_close(other);
}

static void
run_delivers_everything_due_once_and_records_receipts(void **state)
{
	struct fx *fx = *state;
	struct hs_sync_stats st;
	char key[32];
	int i;

	for (i = 0; i < 25; i++) {
		snprintf(key, sizeof(key), "k%02d", i);
		put(fx, key, NULL);
	}
	assert_int_equal(run(fx, 0, &st), HS_OK);
	assert_int_equal(st.delivered, 25);
	assert_int_equal(st.after.pending, 0);
	assert_int_equal(sc.nlog, 25);
	assert_string_equal(sc.log[0], "k00");	/* oldest first */
	assert_string_equal(sc.log[24], "k24");
	assert_int_equal(count(fx, "state = 'done' AND receipt LIKE 'r-%' "
	    "AND attempts = 1 AND done_at IS NOT NULL"), 25);
}

/* The log lines of one run of 5 deliveries, quiet_attempts as given. */
static size_t
attempt_lines(struct fx *fx, int quiet, const char *prefix)
{
	struct hs_sync_opts o;
	struct hs_sync_stats st;
	char why[256], key[32], *text = NULL, *p;
	size_t len = 0, n = 0;
	FILE *f = open_memstream(&text, &len);
	int i;

	assert_non_null(f);
	for (i = 0; i < 5; i++) {
		snprintf(key, sizeof(key), "%s%d", prefix, i);
		put(fx, key, NULL);
	}
	memset(&o, 0, sizeof(o));
	o.max_ms = 60000;
	o.clock = &fake_clock;
	o.quiet_attempts = quiet;
	hs_log_set_stream(f);
	assert_int_equal(hs_sync_sink(fx->sp, fx->cfg, &fake_ops, &o, &st, why,
	    sizeof(why)), HS_OK);
	hs_log_set_stream(NULL);
	fclose(f);
	assert_int_equal(st.delivered, 5);
	for (p = text; (p = strstr(p, "event=attempt ")); p++)
		n++;
	free(text);
	return n;
}

static void
a_quiet_run_counts_every_attempt_but_logs_none(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(attempt_lines(fx, 1, "q"), 0);
	assert_int_equal(attempt_lines(fx, 0, "l"), 5);
}

static void
later_event_of_a_key_waits_for_the_earlier_one(void **state)
{
	struct fx *fx = *state;
	struct hs_sync_stats st;

	put(fx, "a1", "contact:a");
	put(fx, "b1", "contact:b");
	put(fx, "a2", "contact:a");
	sc.next[0] = HS_OUT_RETRY;	/* the first batch fails */
	assert_int_equal(run(fx, 0, &st), HS_OK);
	/* a1 and b1 went out together; a2 was held back behind a1. */
	assert_int_equal(sc.nlog, 2);
	assert_string_equal(sc.log[0], "a1");
	assert_string_equal(sc.log[1], "b1");
	assert_int_equal(count(fx, "state = 'pending'"), 3);
	/* Later, with a1 due again, the order holds: a1 before a2. */
	clock_now += 60000;
	assert_int_equal(run(fx, 0, &st), HS_OK);
	assert_int_equal(st.delivered, 3);
	assert_string_equal(sc.log[2], "a1");
	assert_string_equal(sc.log[3], "b1");
	assert_string_equal(sc.log[4], "a2");
}

static void
a_stuck_key_does_not_block_other_keys(void **state)
{
	struct fx *fx = *state;
	struct hs_sync_stats st;
	char key[8];
	int i;

	put(fx, "x1", "contact:x");
	put(fx, "x2", "contact:x");
	for (i = 0; i < 3; i++) {
		snprintf(key, sizeof(key), "y%d", i);
		put(fx, key, "contact:y");
	}
	sc.fail_key = "x1";
	assert_int_equal(run(fx, 0, &st), HS_OK);
	/* x1 keeps failing and x2 waits behind it; every y went out. */
	assert_int_equal(count(fx, "state = 'done'"), 3);
	assert_int_equal(count(fx, "state = 'pending' AND attempts = 0"), 1);
	for (i = 0; i < (int)sc.nlog; i++)
		assert_string_not_equal(sc.log[i], "x2");
}

static void
retry_schedules_backoff_with_jitter_and_honours_retry_after(void **state)
{
	struct fx *fx = *state;
	struct hs_sync_stats st;
	sqlite3_stmt *q;
	int64_t next = 0;

	put(fx, "k", NULL);
	sc.next[0] = HS_OUT_RETRY;
	sc.retry_after_ms = 5000;
	clock_rnd = 300;	/* jitter 300 ms < Retry-After: floor wins */
	assert_int_equal(run(fx, 0, &st), HS_OK);
	assert_int_equal(st.retried, 1);
	assert_int_equal(sqlite3_prepare_v2(hs_spool_db(fx->sp),
	    "SELECT next_attempt_at, attempts, last_error FROM deliveries",
	    -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(hs_time_parse_iso((const char *)
	    sqlite3_column_text(q, 0), &next), 0);
	assert_int_equal(next, T0 + 5000);
	assert_int_equal(sqlite3_column_int(q, 1), 1);
	assert_string_equal((const char *)sqlite3_column_text(q, 2),
	    "scripted retry");
	sqlite3_finalize(q);
	/* Not due yet: a plain run sends nothing. */
	clock_now = T0 + 4999;
	assert_int_equal(run(fx, 0, &st), HS_OK);
	assert_int_equal(sc.calls, 1);
}

static void
retries_end_dead_after_max_attempts_with_the_last_error(void **state)
{
	struct fx *fx = *state;
	struct hs_sync_stats st;
	int i;

	put(fx, "k", NULL);
	for (i = 0; i < 16; i++)
		sc.next[i] = HS_OUT_RETRY;
	assert_int_equal(run(fx, 1, &st), HS_OK);	/* --drain */
	assert_int_equal(sc.calls, 3);			/* MAX_ATTEMPTS */
	assert_int_equal(st.dead, 1);
	assert_int_equal(count(fx, "state = 'dead' AND attempts = 3 AND "
	    "last_error LIKE 'gave up after 3 attempts: scripted retry'"), 1);
	/* The drain waited out the backoff on the clock, not in real time. */
	assert_true(clock_now > T0);
}

static void
permanent_error_is_dead_at_once(void **state)
{
	struct fx *fx = *state;
	struct hs_sync_stats st;

	put(fx, "k", NULL);
	sc.next[0] = HS_OUT_DEAD;
	assert_int_equal(run(fx, 1, &st), HS_OK);
	assert_int_equal(sc.calls, 1);
	assert_int_equal(count(fx, "state = 'dead' AND attempts = 1"), 1);
}

static void
auth_refusal_stops_the_run_and_burns_no_attempt(void **state)
{
	struct fx *fx = *state;
	struct hs_sync_stats st;

	put(fx, "k", NULL);
	sc.auth_fail = 1;
	assert_int_equal(run(fx, 0, &st), HS_EAUTH);
	assert_int_equal(count(fx, "state = 'pending' AND attempts = 0"), 1);
}

static void
auth_refusal_part_way_keeps_what_got_through(void **state)
{
	struct fx *fx = *state;
	struct hs_sync_stats st;

	put(fx, "k1", NULL);
	put(fx, "k2", NULL);
	sc.auth_fail = 2;
	assert_int_equal(run(fx, 0, &st), HS_EAUTH);
	assert_int_equal(st.delivered, 1);
	assert_int_equal(count(fx, "state = 'done' AND attempts = 1"), 1);
	assert_int_equal(count(fx, "state = 'pending' AND attempts = 0 AND "
	    "last_error IS NULL"), 1);
}

static void
second_run_of_the_same_sink_is_refused(void **state)
{
	struct fx *fx = *state;
	struct hs_sync_stats st;
	char lock[200];
	int fd;

	snprintf(lock, sizeof(lock), "%s.sync-fake.lock", fx->path);
	fd = open(lock, O_RDWR | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	put(fx, "k", NULL);
	assert_int_equal(run(fx, 0, &st), HS_EBUSY);
	assert_int_equal(sc.calls, 0);
	close(fd);
	assert_int_equal(run(fx, 0, &st), HS_OK);
	assert_int_equal(st.delivered, 1);
}

static void
rate_limit_paces_batches_on_the_clock(void **state)
{
	struct fx *fx = *state;
	struct hs_sync_stats st;
	char key[16];
	int i;

	/* 350 events at 100/s with a burst of 100: >= 2.5 s of clock. */
	for (i = 0; i < 350; i++) {
		snprintf(key, sizeof(key), "r%d", i);
		put(fx, key, NULL);
	}
	assert_int_equal(run(fx, 0, &st), HS_OK);
	assert_int_equal(st.delivered, 350);
	assert_true(clock_now - T0 >= 2500);
}

/* A run on the default clock (o.clock NULL), budget max_ms. */
static long
run_default_clock(struct fx *fx, int64_t max_ms)
{
	struct hs_sync_opts o;
	struct hs_sync_stats st;
	char why[256];

	memset(&o, 0, sizeof(o));
	o.max_ms = max_ms;
	assert_int_equal(hs_sync_sink(fx->sp, fx->cfg, &fake_ops, &o, &st, why,
	    sizeof(why)), HS_OK);
	assert_int_equal(st.elapsed_ms, max_ms);
	return st.delivered;
}

/*
 * What tools/scheduled_sync does with HOOKSPOOL_TEST_NOW: the engine's
 * default clock is the test clock, its waits move it on, so two runs of
 * 2 s and 1 s at 100/s (burst 100) send exactly 100 + 200 and then 100:
 * the second run, starting where the first ended, finds the bucket the
 * first left, not a fresh burst.
 */
static void
default_clock_follows_the_test_clock_across_runs(void **state)
{
	struct fx *fx = *state;
	char key[16], t0[24];
	int i;

	for (i = 0; i < 500; i++) {
		snprintf(key, sizeof(key), "c%d", i);
		put(fx, key, NULL);
	}
	snprintf(t0, sizeof(t0), "%lld", (long long)T0);
	assert_int_equal(setenv(HS_TEST_NOW_ENV, t0, 1), 0);
	assert_int_equal(hs_clock_from_env(), 1);
	assert_int_equal(run_default_clock(fx, 2000), 300);
	assert_int_equal(hs_now_ms(), T0 + 2000);
	assert_int_equal(run_default_clock(fx, 1000), 100);
	assert_int_equal(hs_now_ms(), T0 + 3000);
	assert_int_equal(count(fx, "state = 'done'"), 400);
	assert_int_equal(unsetenv(HS_TEST_NOW_ENV), 0);
	assert_int_equal(hs_clock_from_env(), 0);
}

static void
dead_delivery_adds_one_dead_letter_delivery(void **state)
{
	struct fx *fx = *state;
	struct hs_batch b;
	struct hs_verdict v;

	put(fx, "k", NULL);
	hs_batch_init(&b, 4, 1 << 20);
	assert_int_equal(claim(fx, "fake", &b), HS_OK);
	assert_int_equal(b.n, 1);
	memset(&v, 0, sizeof(v));
	v.delivery_id = b.d[0].id;
	v.event_id = b.d[0].event_id;
	v.kind = HS_OUT_DEAD;
	v.error = "nope";
	assert_int_equal(hs_outbox_record(fx->sp, &v, 1,
	    "2026-11-23T10:30:18.000Z", "dead_letter"), HS_OK);
	assert_int_equal(count(fx, "sink = 'dead_letter' AND state = "
	    "'pending'"), 1);
	assert_int_equal(claim(fx, "dead_letter", &b), HS_OK);
	assert_int_equal(b.n, 1);
	assert_string_equal(b.d[0].dead_reason, "fake: nope");
	hs_batch_release(&b);
}

static enum hs_err
run_copying(struct fx *fx, const struct hs_sink_ops *ops,
            const struct hs_sink_ops *dead_copy)
{
	struct hs_sync_stats st;
	struct hs_sync_opts o;
	char why[256];

	memset(&o, 0, sizeof(o));
	o.drain = 1;
	o.max_ms = 60000;
	o.clock = &fake_clock;
	o.dead_copy = dead_copy;
	return hs_sync_sink(fx->sp, fx->cfg, ops, &o, &st, why, sizeof(why));
}

static void
dead_events_are_copied_only_to_the_sink_the_setting_names(void **state)
{
	struct fx *fx = *state;

	put(fx, "a", "contact-a");
	sc.next[0] = HS_OUT_DEAD;
	assert_int_equal(run_copying(fx, &fake_ops, NULL), HS_OK);
	assert_int_equal(count(fx, "sink <> 'fake'"), 0);
	put(fx, "b", "contact-b");
	sc.next[1] = HS_OUT_DEAD;
	assert_int_equal(run_copying(fx, &fake_ops, &copy_ops), HS_OK);
	assert_int_equal(count(fx, "sink = 'copies' AND state = 'pending' "
	    "AND entity_key IS NULL"), 1);
	/* A dead copy is not copied again. */
	sc.next[2] = HS_OUT_DEAD;
	assert_int_equal(run_copying(fx, &copy_ops, &copy_ops), HS_OK);
	assert_int_equal(count(fx, "sink = 'copies'"), 1);
	assert_int_equal(count(fx, "sink = 'copies' AND state = 'dead'"), 1);
}

static void
memory_per_batch_is_bounded_by_the_batch_not_the_backlog(void **state)
{
	struct fx *fx = *state;
	struct hs_batch b;
	char key[16];
	int i;

	for (i = 0; i < 500; i++) {
		snprintf(key, sizeof(key), "m%d", i);
		put(fx, key, NULL);
	}
	hs_batch_init(&b, 10, 1 << 20);
	assert_int_equal(claim(fx, "fake", &b), HS_OK);
	assert_int_equal(b.n, 10);
	assert_true(b.mem.cap < 4096);
	hs_batch_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(backoff_doubles_per_attempt_up_to_the_cap),
		cmocka_unit_test(full_jitter_stays_within_zero_and_the_ceiling),
		cmocka_unit_test(retry_after_is_a_floor_under_the_jitter),
		cmocka_unit_test(bucket_grants_the_burst_then_refills_at_the_rate),
#define T(f) cmocka_unit_test_setup_teardown(f, setup, sfx_teardown)
		T(bucket_in_the_spool_is_shared_between_handles),
		T(run_delivers_everything_due_once_and_records_receipts),
		T(later_event_of_a_key_waits_for_the_earlier_one),
		T(a_stuck_key_does_not_block_other_keys),
		T(retry_schedules_backoff_with_jitter_and_honours_retry_after),
		T(retries_end_dead_after_max_attempts_with_the_last_error),
		T(permanent_error_is_dead_at_once),
		T(auth_refusal_stops_the_run_and_burns_no_attempt),
		T(auth_refusal_part_way_keeps_what_got_through),
		T(second_run_of_the_same_sink_is_refused),
		T(rate_limit_paces_batches_on_the_clock),
		T(default_clock_follows_the_test_clock_across_runs),
		T(dead_delivery_adds_one_dead_letter_delivery),
		T(dead_events_are_copied_only_to_the_sink_the_setting_names),
		T(memory_per_batch_is_bounded_by_the_batch_not_the_backlog),
		T(a_quiet_run_counts_every_attempt_but_logs_none),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
