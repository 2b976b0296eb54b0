/*
 * test_immediate.c - leases, progress and a handler's immediate attempts
 * (lib/sync/outbox.h, lib/sync/immediate.h) with a scripted in-process
 * sink and a hand-moved clock. Races are played out in turns, never with
 * threads or sleeps: one owner claims, then another tries.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "core/config.h"
#include "core/log.h"
#include "core/timefmt.h"
#include "sinks/sink.h"
#include "spool/db.h"
#include "sync/engine.h"
#include "sync/immediate.h"
#include "sync/outbox.h"

#include "sync_fx.h"

#define BUDGET 200			/* IMMEDIATE_MAX_MS of the fixture */
#define MAXLOG 256

/* The scripted sink: outcome per call, a log of keys and progress seen. */
static struct script {
	enum hs_outcome_kind next[16];	/* per call; past the end: done */
	int auth_fail;
	int steps;			/* each attempt adds this to progress */
	int calls;
	size_t nlog;
	char log[MAXLOG][64];		/* idem keys in delivery order */
	int seen_progress[MAXLOG];	/* in[i].progress as handed over */
} sc;

static enum hs_err
fake_deliver(struct hs_sink *s, const struct hs_delivery *in, size_t n,
             int64_t now_ms, struct hs_outcome *out, char *why, size_t wl)
{
	enum hs_outcome_kind k = sc.calls < 16 ? sc.next[sc.calls] :
	    HS_OUT_DONE;
	size_t i;

	(void)s;
	(void)now_ms;
	if (sc.auth_fail) {
		snprintf(why, wl, "fake peer refused our credentials");
		return HS_EAUTH;
	}
	sc.calls++;
	for (i = 0; i < n; i++) {
		if (sc.nlog < MAXLOG) {
			sc.seen_progress[sc.nlog] = in[i].progress;
			snprintf(sc.log[sc.nlog++], 64, "%s", in[i].idem_key);
		}
		/* The engine hands over the stored progress to start from. */
		assert_int_equal(out[i].progress, in[i].progress);
		out[i].progress += sc.steps;
		out[i].kind = k;
		snprintf(out[i].receipt, sizeof(out[i].receipt), "r-%lld",
		    (long long)in[i].id);
		if (k != HS_OUT_DONE)
			snprintf(out[i].error, sizeof(out[i].error), "scripted");
	}
	return HS_OK;
}

static const struct hs_sink_ops fake_ops = {
	.name = "fake",
	.what = "scripted immediate test sink",
	.rate_key = "AZURE_QUEUE_RATE",
	.batch_key = "AZURE_QUEUE_BATCH",
	.immediate = 1,
	.configured = fake_configured,
	.open = fake_open,
	.deliver = fake_deliver,
	.close = fake_close,
};

static struct fx *cur;	/* for on_nap hooks */

static int
setup(void **state)
{
	char extra[64];
	int rc;

	snprintf(extra, sizeof(extra), "IMMEDIATE_MAX_MS=%d\n", BUDGET);
	memset(&sc, 0, sizeof(sc));
	rc = sfx_setup(state, extra);
	cur = *state;
	return rc;
}

/* Stores one event for entity with one delivery to the fake sink. */
static int64_t
put(struct fx *fx, const char *key, const char *entity)
{
	return sfx_put(fx, "whatsapp", "message", 200, key, entity);
}

static void
sql(struct fx *fx, const char *text)
{
	assert_int_equal(sqlite3_exec(hs_spool_db(fx->sp), text, NULL, NULL,
	    NULL), SQLITE_OK);
}

/* Sets the lease of every delivery of key to owner until ms. */
static void
lease(struct fx *fx, const char *key, const char *owner, int64_t until)
{
	char iso[HS_ISO_LEN], q[512];

	hs_time_iso(until, iso, sizeof(iso));
	snprintf(q, sizeof(q), "UPDATE deliveries SET lease_owner = '%s',"
	    " lease_until = '%s' WHERE event_id = (SELECT id FROM events"
	    " WHERE idem_key = '%s')", owner, iso, key);
	sql(fx, q);
}

/* A claim as owner at the fixture's clock, leasing for a minute. */
static size_t
claim_as(struct fx *fx, const char *owner, int take_own,
         const int64_t *events, size_t n)
{
	char now_iso[HS_ISO_LEN], until[HS_ISO_LEN];
	struct hs_claim c;
	struct hs_batch b;
	size_t got;

	hs_time_iso(clock_now, now_iso, sizeof(now_iso));
	hs_time_iso(clock_now + 60000, until, sizeof(until));
	memset(&c, 0, sizeof(c));
	c.sink = "fake";
	c.due_iso = now_iso;
	c.now_iso = now_iso;
	c.events = events;
	c.nevents = n;
	c.owner = owner;
	c.lease_until = until;
	c.take_own = take_own;
	hs_batch_init(&b, 16, 1 << 20);
	assert_int_equal(hs_outbox_claim(fx->sp, &c, &b), HS_OK);
	got = b.n;
	hs_batch_release(&b);
	return got;
}

/* A scheduled run (drain off) on the fake clock. */
static enum hs_err
run_sync(struct fx *fx, struct hs_sync_stats *st)
{
	return sfx_run(fx, &fake_ops, 0, st);
}

static enum hs_err
run_now(struct fx *fx, const int64_t *events, size_t n,
        struct hs_sync_stats *st)
{
	return hs_sync_immediate_sink(fx->sp, fx->cfg, &fake_ops, events, n,
	    -1, &fake_clock, st);
}

static void
a_live_pid_lease_makes_a_scheduled_run_skip_the_delivery(void **state)
{
	struct fx *fx = *state;
	struct hs_sync_stats st;

	put(fx, "k", NULL);
	lease(fx, "k", "pid:4242", T0 + 1);
	assert_int_equal(run_sync(fx, &st), HS_OK);
	assert_int_equal(sc.calls, 0);
	assert_int_equal(count(fx, "state = 'pending' AND attempts = 0 AND "
	    "lease_owner = 'pid:4242'"), 1);
}

static void
a_stale_pid_lease_does_not_hold_a_scheduled_run(void **state)
{
	struct fx *fx = *state;
	struct hs_sync_stats st;

	put(fx, "k", NULL);
	lease(fx, "k", "pid:4242", T0);	/* ends now: the handler died */
	assert_int_equal(run_sync(fx, &st), HS_OK);
	assert_int_equal(st.delivered, 1);
	assert_int_equal(count(fx, "state = 'done' AND lease_owner IS NULL "
	    "AND lease_until IS NULL"), 1);
}

static void
a_sync_lease_is_ignored_by_the_next_scheduled_run(void **state)
{
	struct fx *fx = *state;
	struct hs_sync_stats st;

	put(fx, "k1", NULL);
	put(fx, "k2", NULL);
	/* A run claimed both, then was killed before it recorded. */
	assert_int_equal(claim_as(fx, "sync", 1, NULL, 0), 2);
	assert_int_equal(count(fx, "lease_owner = 'sync'"), 2);
	assert_int_equal(run_sync(fx, &st), HS_OK);
	assert_int_equal(st.delivered, 2);
	assert_int_equal(count(fx, "lease_owner IS NULL"), 2);
}

static void
a_claimed_delivery_is_never_claimed_again_by_another_owner(void **state)
{
	struct fx *fx = *state;
	int64_t id = put(fx, "k", NULL);

	assert_int_equal(claim_as(fx, "pid:1", 0, &id, 1), 1);
	assert_int_equal(claim_as(fx, "pid:2", 0, &id, 1), 0);
	assert_int_equal(claim_as(fx, "sync", 1, NULL, 0), 0);
	assert_int_equal(claim_as(fx, "pid:1", 0, &id, 1), 0);
	/* A minute later the lease has run out: anybody may. */
	clock_now += 60000;
	assert_int_equal(claim_as(fx, "sync", 1, NULL, 0), 1);
}

static void
an_immediate_attempt_never_claims_what_a_scheduled_run_leased(void **state)
{
	struct fx *fx = *state;
	struct hs_sync_stats st;
	int64_t id = put(fx, "k", "u1");

	assert_int_equal(claim_as(fx, "sync", 1, NULL, 0), 1);
	assert_int_equal(run_now(fx, &id, 1, &st), HS_OK);
	assert_int_equal(sc.calls, 0);
	/* Its own event is in someone else's hands: no waiting for it. */
	assert_int_equal(clock_now, T0);
	assert_int_equal(count(fx, "state = 'pending' AND attempts = 0 AND "
	    "lease_owner = 'sync'"), 1);
}

static void
an_immediate_attempt_delivers_only_its_events_and_says_so(void **state)
{
	struct fx *fx = *state;
	struct hs_sync_stats st;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int64_t id;

	assert_non_null(f);
	put(fx, "other", NULL);
	id = put(fx, "mine", NULL);
	hs_log_set_stream(f);
	assert_int_equal(run_now(fx, &id, 1, &st), HS_OK);
	hs_log_set_stream(NULL);
	fclose(f);
	assert_int_equal(st.delivered, 1);
	assert_int_equal(sc.nlog, 1);
	assert_string_equal(sc.log[0], "mine");
	assert_int_equal(count(fx, "state = 'pending'"), 1);
	assert_non_null(strstr(text, "event=attempt"));
	assert_non_null(strstr(text, "via=handler"));
	free(text);
}

static void
progress_is_stored_on_retry_and_handed_back_next_time(void **state)
{
	struct fx *fx = *state;
	struct hs_sync_stats st;
	int64_t id = put(fx, "k", "u1");

	sc.steps = 1;
	sc.next[0] = HS_OUT_RETRY;	/* one step went out, then a 429 */
	assert_int_equal(run_now(fx, &id, 1, &st), HS_OK);
	assert_int_equal(st.retried, 1);
	assert_int_equal(count(fx, "state = 'pending' AND attempts = 1 AND "
	    "progress = 1 AND lease_owner IS NULL"), 1);
	clock_now += 60000;
	assert_int_equal(run_sync(fx, &st), HS_OK);
	assert_int_equal(st.delivered, 1);
	assert_int_equal(sc.seen_progress[0], 0);
	assert_int_equal(sc.seen_progress[1], 1);
	assert_int_equal(count(fx, "state = 'done' AND progress = 2"), 1);
}

static void
an_immediate_run_keeps_per_key_order_within_its_events(void **state)
{
	struct fx *fx = *state;
	struct hs_sync_stats st;
	int64_t ids[3];

	ids[0] = put(fx, "a1", "u1");
	ids[1] = put(fx, "b1", "u2");
	ids[2] = put(fx, "a2", "u1");
	assert_int_equal(run_now(fx, ids, 3, &st), HS_OK);
	assert_int_equal(st.delivered, 3);
	assert_int_equal(sc.nlog, 3);
	assert_string_equal(sc.log[0], "a1");
	assert_string_equal(sc.log[1], "b1");
	assert_string_equal(sc.log[2], "a2");
}

/* Another process finishes a1 at the third nap. */
static void
finish_a1(int nap)
{
	if (nap == 3)
		sql(cur, "UPDATE deliveries SET state = 'done', lease_owner ="
		    " NULL, lease_until = NULL WHERE event_id = (SELECT id FROM"
		    " events WHERE idem_key = 'a1')");
}

static void
an_immediate_run_waits_for_an_earlier_one_in_flight(void **state)
{
	struct fx *fx = *state;
	struct hs_sync_stats st;
	int64_t id;

	put(fx, "a1", "u1");
	id = put(fx, "a2", "u1");
	lease(fx, "a1", "pid:77", T0 + 60000);	/* another handler's */
	on_nap = finish_a1;
	assert_int_equal(run_now(fx, &id, 1, &st), HS_OK);
	assert_int_equal(st.delivered, 1);
	assert_int_equal(naps, 3);
	assert_int_equal(clock_now, T0 + 3 * HS_SYNC_POLL_MS);
	assert_string_equal(sc.log[0], "a2");
}

static void
an_immediate_run_gives_up_waiting_at_its_budget(void **state)
{
	struct fx *fx = *state;
	struct hs_sync_stats st;
	int64_t id;

	put(fx, "a1", "u1");
	id = put(fx, "a2", "u1");
	lease(fx, "a1", "sync", T0 + 120000);	/* a slow cron run */
	assert_int_equal(run_now(fx, &id, 1, &st), HS_OK);
	assert_int_equal(sc.calls, 0);
	assert_true(clock_now > T0 + BUDGET - HS_SYNC_POLL_MS);
	assert_true(clock_now <= T0 + BUDGET);
	assert_int_equal(count(fx, "state = 'pending' AND attempts = 0 AND "
	    "lease_owner IS NULL"), 1);
}

static void
a_cap_below_the_budget_shortens_the_wait(void **state)
{
	struct fx *fx = *state;
	struct hs_sync_stats st;
	int64_t id;

	put(fx, "a1", "u1");
	id = put(fx, "a2", "u1");
	lease(fx, "a1", "sync", T0 + 120000);
	assert_int_equal(hs_sync_immediate_sink(fx->sp, fx->cfg, &fake_ops,
	    &id, 1, 60, &fake_clock, &st), HS_OK);
	assert_int_equal(sc.calls, 0);
	assert_true(clock_now <= T0 + 60);
}

static void
an_event_behind_a_backoff_is_left_to_cron_at_once(void **state)
{
	struct fx *fx = *state;
	struct hs_sync_stats st;
	int64_t id;

	put(fx, "a1", "u1");
	id = put(fx, "a2", "u1");
	sql(fx, "UPDATE deliveries SET attempts = 1, next_attempt_at ="
	    " '2030-01-01T00:00:00.000Z' WHERE event_id = (SELECT id FROM"
	    " events WHERE idem_key = 'a1')");
	assert_int_equal(run_now(fx, &id, 1, &st), HS_OK);
	assert_int_equal(sc.calls, 0);
	assert_int_equal(naps, 0);
	assert_int_equal(clock_now, T0);
}

static void
an_immediate_run_stops_at_its_budget_and_gives_back_the_rest(void **state)
{
	struct fx *fx = *state;
	struct hs_sync_stats st;
	int64_t ids[64];
	char key[16];
	int i;

	for (i = 0; i < 64; i++) {
		snprintf(key, sizeof(key), "w%d", i);
		ids[i] = put(fx, key, NULL);
	}
	/* An empty bucket at 100/s: 200 ms bring about 20 tokens. */
	sql(fx, "INSERT INTO rate_buckets (name, tokens, updated_ms)"
	    " VALUES ('fake', 0, 1795429818000)");
	assert_int_equal(run_now(fx, ids, 64, &st), HS_OK);
	assert_true(st.delivered >= 19 && st.delivered <= 21);
	assert_true(clock_now <= T0 + BUDGET);
	assert_int_equal(count(fx, "lease_owner IS NOT NULL"), 0);
	assert_int_equal(count(fx, "state = 'pending' AND attempts = 0"),
	    64 - st.delivered);
}

static void
an_auth_refusal_leaves_it_pending_with_no_attempt(void **state)
{
	struct fx *fx = *state;
	struct hs_sync_stats st;
	char *text = NULL, *p;
	size_t len = 0, lines = 0;
	FILE *f = open_memstream(&text, &len);
	int64_t id = put(fx, "k", "u1");

	assert_non_null(f);
	sc.auth_fail = 1;
	hs_log_set_stream(f);
	assert_int_equal(run_now(fx, &id, 1, &st), HS_EAUTH);
	hs_log_set_stream(NULL);
	fclose(f);
	assert_int_equal(count(fx, "state = 'pending' AND attempts = 0 AND "
	    "lease_owner IS NULL AND last_error IS NULL"), 1);
	for (p = text; (p = strchr(p, '\n')); p++)
		lines++;
	assert_int_equal(lines, 1);
	assert_non_null(strstr(text, "event=immediate"));
	assert_non_null(strstr(text, "fake peer refused our credentials"));
	free(text);
}

static void
a_budget_of_zero_does_nothing(void **state)
{
	struct fx *fx = *state;
	struct hs_config *cfg;
	struct hs_sync_stats st;
	int64_t id = put(fx, "k", "u1");

	assert_int_equal(hs_config_parse(&cfg, "IMMEDIATE_MAX_MS=0\n",
	    "zero.conf"), HS_OK);
	assert_int_equal(hs_config_int(cfg, "IMMEDIATE_MAX_MS"), 0);
	assert_int_equal(hs_sync_immediate_sink(fx->sp, cfg, &fake_ops, &id,
	    1, -1, &fake_clock, &st), HS_OK);
	/* A cap of 0 too (the fixture allows 200 ms). */
	assert_int_equal(hs_sync_immediate_sink(fx->sp, fx->cfg, &fake_ops,
	    &id, 1, 0, &fake_clock, &st), HS_OK);
	hs_sync_immediate(fx->sp, cfg, &id, 1);
	hs_config_free(cfg);
	assert_int_equal(sc.calls, 0);
	assert_int_equal(count(fx, "state = 'pending' AND attempts = 0 AND "
	    "lease_owner IS NULL"), 1);
}

static void
the_budget_key_defaults_to_three_seconds_and_is_bounded(void **state)
{
	struct hs_config *cfg;

	(void)state;
	assert_int_equal(hs_config_parse(&cfg, "", "empty.conf"), HS_OK);
	assert_int_equal(hs_config_int(cfg, "IMMEDIATE_MAX_MS"), 3000);
	hs_config_free(cfg);
	assert_int_equal(hs_config_parse(&cfg, "IMMEDIATE_MAX_MS=60001\n",
	    "big.conf"), HS_OK);
	assert_false(hs_config_ok(cfg));
	hs_config_free(cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, sfx_teardown)
		T(a_live_pid_lease_makes_a_scheduled_run_skip_the_delivery),
		T(a_stale_pid_lease_does_not_hold_a_scheduled_run),
		T(a_sync_lease_is_ignored_by_the_next_scheduled_run),
		T(a_claimed_delivery_is_never_claimed_again_by_another_owner),
		T(an_immediate_attempt_never_claims_what_a_scheduled_run_leased),
		T(an_immediate_attempt_delivers_only_its_events_and_says_so),
		T(progress_is_stored_on_retry_and_handed_back_next_time),
		T(an_immediate_run_keeps_per_key_order_within_its_events),
		T(an_immediate_run_waits_for_an_earlier_one_in_flight),
		T(an_immediate_run_gives_up_waiting_at_its_budget),
		T(a_cap_below_the_budget_shortens_the_wait),
		T(an_event_behind_a_backoff_is_left_to_cron_at_once),
		T(an_immediate_run_stops_at_its_budget_and_gives_back_the_rest),
		T(an_auth_refusal_leaves_it_pending_with_no_attempt),
		T(a_budget_of_zero_does_nothing),
		cmocka_unit_test(
		    the_budget_key_defaults_to_three_seconds_and_is_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
