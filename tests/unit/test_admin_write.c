/*
 * test_admin_write.c - spoolctl's writing commands: retry, replay, purge
 * and vacuum do what they say, record who did it, ask before touching
 * many rows, never guess without a terminal, work in chunks, and give up
 * with "try again" (111) when the writer lock stays taken.
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

#include "test_admin_fx.h"

static const char *const no_input = NULL;

static int
retry(struct fx *fx, const char *target, const struct hs_admin_filter *f,
      int all, int yes, const char *input)
{
	struct hs_admin_run r;

	run_begin(fx, &r, 1, input);
	r.yes = yes;
	run_end(fx, &r, hs_admin_cmd_retry(&r, target, f, all, 0));
	return fx->code;
}

/* n events, each with a dead azure_queue delivery. */
static int64_t
dead_events(struct fx *fx, int n, const char *prefix)
{
	struct hs_verdict *v = calloc((size_t)n, sizeof(*v));
	char key[64], now[HS_ISO_LEN];
	int64_t first = 0, id, first_delivery;
	int i;

	assert_non_null(v);
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "%s-%d", prefix, i);
		id = put(fx, "manychat", "contact", key, T0 - DAY_MS,
		    "azure_queue", NULL);
		if (!first)
			first = id;
		v[i].event_id = id;
		v[i].kind = HS_OUT_DEAD;
		v[i].error = "status 400 InvalidXml";
	}
	first_delivery = q_int(fx, "SELECT min(id) FROM deliveries");
	for (i = 0; i < n; i++)
		v[i].delivery_id = first_delivery + i;
	hs_time_iso(T0 - DAY_MS, now, sizeof(now));
	assert_int_equal(hs_outbox_record(fx->sp, v, (size_t)n, now, NULL),
	    HS_OK);
	free(v);
	return first;
}

static void
retry_one_event_requeues_it_and_records_who(void **state)
{
	struct fx *fx = *state;
	struct hs_admin_filter f;
	int64_t id = dead_events(fx, 1, "one");

	memset(&f, 0, sizeof(f));
	assert_int_equal(retry(fx, "one-0", &f, 0, 0, no_input), 0);
	assert_int_equal(jint(fx->json, "event_id"), id);
	assert_int_equal(jint(fx->json, "matched"), 1);
	assert_int_equal(jint(fx->json, "requeued"), 1);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM deliveries WHERE"
	    " state = 'pending' AND attempts = 0 AND next_attempt_at ="
	    " '2026-11-23T10:30:18.123Z' AND updated_at = next_attempt_at"
	    " AND last_error = 'status 400 InvalidXml'"), 1);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM history WHERE"
	    " actor = 'tester' AND action = 'retry' AND at ="
	    " '2026-11-23T10:30:18.123Z' AND detail LIKE"
	    " '%azure_queue: dead after 1 attempt -> pending%'"), 1);
	/* nothing dead any more: a refusal that says so */
	assert_int_equal(retry(fx, "one-0", &f, 0, 0, no_input), 1);
	assert_non_null(strstr(fx->err, "--state pending"));
	f.state = "pending";
	assert_int_equal(retry(fx, "one-0", &f, 0, 0, no_input), 0);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM history"), 2);
}

static void
retry_needs_a_target_a_filter_or_all(void **state)
{
	struct fx *fx = *state;
	struct hs_admin_filter f;

	dead_events(fx, 2, "nf");
	memset(&f, 0, sizeof(f));
	assert_int_equal(retry(fx, NULL, &f, 0, 1, no_input), 100);
	assert_non_null(strstr(fx->err, "--all"));
	f.state = "done";
	assert_int_equal(retry(fx, NULL, &f, 1, 1, no_input), 100);
	assert_non_null(strstr(fx->err, "replay"));
	f.state = NULL;
	assert_int_equal(retry(fx, NULL, &f, 1, 1, no_input), 0);
	assert_int_equal(jint(fx->json, "requeued"), 2);
}

static void
retry_of_many_asks_and_never_guesses_without_a_terminal(void **state)
{
	struct fx *fx = *state;
	struct hs_admin_filter f;

	dead_events(fx, 3, "many");
	memset(&f, 0, sizeof(f));
	f.sink = "azure_queue";
	assert_int_equal(retry(fx, NULL, &f, 0, 0, no_input), 1);
	assert_non_null(strstr(fx->err, "add --yes"));
	assert_int_equal(retry(fx, NULL, &f, 0, 0, "n\n"), 1);
	assert_non_null(strstr(fx->err, "Requeue 3 dead deliveries"));
	assert_non_null(strstr(fx->err, "nothing done"));
	assert_int_equal(q_int(fx, "SELECT count(*) FROM deliveries WHERE"
	    " state = 'dead'"), 3);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM history"), 0);
	assert_int_equal(retry(fx, NULL, &f, 0, 0, "y\n"), 0);
	assert_int_equal(jint(fx->json, "requeued"), 3);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM history"), 3);
}

static void
retry_skips_a_delivery_whose_sink_has_one_pending(void **state)
{
	struct fx *fx = *state;
	struct hs_admin_filter f;
	int64_t id = dead_events(fx, 1, "dup");
	char sql[256];

	snprintf(sql, sizeof(sql), "INSERT INTO deliveries (event_id, sink,"
	    " next_attempt_at, created_at, updated_at) VALUES (%lld,"
	    " 'azure_queue', 'x', 'x', 'x')", (long long)id);
	exec_sql(fx, sql);
	memset(&f, 0, sizeof(f));
	assert_int_equal(retry(fx, "dup-0", &f, 0, 0, no_input), 0);
	assert_int_equal(jint(fx->json, "requeued"), 0);
	assert_int_equal(jint(fx->json, "skipped"), 1);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM deliveries WHERE"
	    " state = 'dead'"), 1);
}

static void
retry_goes_in_chunks_past_the_chunk_size(void **state)
{
	struct fx *fx = *state;
	struct hs_admin_filter f;
	int n = 2 * HS_ADMIN_CHUNK + 3;

	dead_events(fx, n, "chunk");
	memset(&f, 0, sizeof(f));
	f.source = "manychat";
	assert_int_equal(retry(fx, NULL, &f, 0, 1, no_input), 0);
	assert_int_equal(jint(fx->json, "matched"), n);
	assert_int_equal(jint(fx->json, "requeued"), n);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM deliveries WHERE"
	    " state = 'pending' AND attempts = 0"), n);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM history"), n);
}

static void
retry_gives_up_with_111_while_the_writer_lock_is_held(void **state)
{
	struct fx *fx = *state;
	struct hs_admin_filter f;
	char lock[160];
	int fd;

	dead_events(fx, 1, "lock");
	snprintf(lock, sizeof(lock), "%s.lock", fx->path);
	fd = open(lock, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	memset(&f, 0, sizeof(f));
	assert_int_equal(retry(fx, "lock-0", &f, 0, 0, no_input), 111);
	assert_non_null(strstr(fx->err, "try again"));
	flock(fd, LOCK_UN);
	close(fd);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM history"), 0);
	assert_int_equal(retry(fx, "lock-0", &f, 0, 0, no_input), 0);
}

static int
replay(struct fx *fx, const char *target, const char *sink)
{
	struct hs_admin_run r;

	run_begin(fx, &r, 1, NULL);
	run_end(fx, &r, hs_admin_cmd_replay(&r, target, NULL, sink));
	return fx->code;
}

static void
replay_adds_a_pending_delivery_of_a_done_event(void **state)
{
	struct fx *fx = *state;
	struct json_object *d;
	int64_t id = put(fx, "manychat", "contact", "rp", T0, "azure_queue",
	    NULL);

	mark(fx, id, "azure_queue", HS_OUT_DONE, T0);
	assert_int_equal(replay(fx, "rp", NULL), 0);
	assert_int_equal(jint(fx->json, "event_id"), id);
	d = json_object_array_get_idx(json_object_object_get(fx->json,
	    "replayed"), 0);
	assert_string_equal(json_object_get_string(json_object_object_get(d,
	    "sink")), "azure_queue");
	assert_int_equal(q_int(fx, "SELECT count(*) FROM deliveries WHERE"
	    " state = 'pending' AND attempts = 0 AND event_id = 1"), 1);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM deliveries WHERE"
	    " state = 'done'"), 1);	/* the first stays as it was */
	assert_int_equal(q_int(fx, "SELECT count(*) FROM history WHERE"
	    " action = 'replay' AND actor = 'tester'"), 1);
	/* again while it is pending: nothing to do */
	assert_int_equal(replay(fx, "rp", "azure_queue"), 1);
	assert_non_null(strstr(json_object_to_json_string(fx->json),
	    "pending: nothing to do"));
	assert_int_equal(q_int(fx, "SELECT count(*) FROM deliveries"), 2);
}

static void
replay_refuses_dead_unknown_and_unconfigured_sinks(void **state)
{
	struct fx *fx = *state;
	struct hs_admin_run r;
	int64_t id = dead_events(fx, 1, "rd");

	assert_int_equal(replay(fx, "rd-0", NULL), 1);
	assert_non_null(strstr(json_object_to_json_string(fx->json),
	    "spoolctl retry"));
	assert_int_equal(replay(fx, "rd-0", "nosuch"), 100);
	assert_int_equal(replay(fx, "rd-0", "dead_letter"), 1);	/* no queue */
	assert_non_null(strstr(json_object_to_json_string(fx->json),
	    "not configured"));
	assert_int_equal(replay(fx, "nope", NULL), 1);
	run_begin(fx, &r, 0, NULL);
	run_end(fx, &r, hs_admin_cmd_replay(&r, "rd-0", NULL, NULL));
	assert_non_null(strstr(fx->err, "not replayed to azure_queue"));
	assert_int_equal(q_int(fx, "SELECT count(*) FROM deliveries"), 1);
	(void)id;
}

/* Old done, dead, pending, recently touched, recent, and routeless. */
static void
purge_fixture(struct fx *fx, int64_t ids[6])
{
	int64_t old = T0 - 40 * DAY_MS;

	ids[0] = put(fx, "manychat", "contact", "old-done", old, "azure_queue",
	    NULL);
	ids[1] = put(fx, "manychat", "contact", "old-dead", old, "azure_queue",
	    NULL);
	ids[2] = put(fx, "manychat", "contact", "old-pending", old,
	    "azure_queue", NULL);
	ids[3] = put(fx, "manychat", "contact", "old-touched", old,
	    "azure_queue", NULL);
	ids[4] = put(fx, "manychat", "contact", "new-done", T0 - DAY_MS,
	    "azure_queue", NULL);
	ids[5] = put(fx, "signed", "promo", "old-routeless", old, NULL, NULL);
	mark(fx, ids[0], "azure_queue", HS_OUT_DONE, old + 1000);
	mark(fx, ids[1], "azure_queue", HS_OUT_DEAD, old + 1000);
	mark(fx, ids[3], "azure_queue", HS_OUT_DONE, T0 - DAY_MS);
	mark(fx, ids[4], "azure_queue", HS_OUT_DONE, T0 - DAY_MS);
	exec_sql(fx, "INSERT INTO history (event_id, at, actor, action)"
	    " VALUES (1, 'x', 'a', 'retry')");
}

static int
purge(struct fx *fx, int dead, int pending, int dry, int yes)
{
	struct hs_admin_purge p;
	struct hs_admin_run r;

	memset(&p, 0, sizeof(p));
	hs_time_iso(T0 - 30 * DAY_MS, p.before, sizeof(p.before));
	p.include_dead = dead;
	p.include_pending = pending;
	run_begin(fx, &r, 1, NULL);
	r.yes = yes;
	run_end(fx, &r, hs_admin_cmd_purge(&r, &p, dry));
	return fx->code;
}

static void
purge_deletes_only_finished_quiet_events(void **state)
{
	struct fx *fx = *state;
	int64_t ids[6];

	purge_fixture(fx, ids);
	assert_int_equal(purge(fx, 0, 0, 1, 0), 0);	/* dry run */
	assert_int_equal(jint(fx->json, "matched"), 2);
	assert_int_equal(jint(fx->json, "purged"), 0);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM events"), 6);
	assert_int_equal(purge(fx, 0, 0, 0, 0), 1);	/* no terminal */
	assert_non_null(strstr(fx->err, "add --yes"));
	assert_int_equal(q_int(fx, "SELECT count(*) FROM events"), 6);
	assert_int_equal(purge(fx, 0, 0, 0, 1), 0);
	assert_int_equal(jint(fx->json, "purged"), 2);
	assert_string_equal(jstr(fx, "before"), "2026-10-24T10:30:18.123Z");
	assert_int_equal(q_int(fx, "SELECT group_concat(idem_key, ' ') FROM"
	    " (SELECT idem_key FROM events ORDER BY id) WHERE idem_key IN"
	    " ('old-done', 'old-routeless')"), 0);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM events"), 4);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM deliveries WHERE"
	    " event_id = 1"), 0);	/* cascaded */
	assert_int_equal(q_int(fx, "SELECT count(*) FROM history"), 0);
	assert_int_equal(purge(fx, 1, 0, 0, 1), 0);
	assert_int_equal(jint(fx->json, "purged"), 1);	/* old-dead */
	assert_int_equal(purge(fx, 1, 1, 0, 1), 0);
	assert_int_equal(jint(fx->json, "purged"), 1);	/* old-pending */
	assert_int_equal(q_int(fx, "SELECT count(*) FROM events WHERE"
	    " idem_key IN ('old-touched', 'new-done')"), 2);
}

static void
purge_goes_in_chunks(void **state)
{
	struct fx *fx = *state;
	int n = HS_ADMIN_CHUNK + 7, i;
	char key[32];

	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "p-%d", i);
		put(fx, "signed", "promo", key, T0 - 40 * DAY_MS, NULL, NULL);
	}
	assert_int_equal(purge(fx, 0, 0, 0, 1), 0);
	assert_int_equal(jint(fx->json, "purged"), n);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM events"), 0);
}

static void
vacuum_asks_then_gives_space_back(void **state)
{
	struct fx *fx = *state;
	struct hs_admin_run r;
	int i;
	char key[32];

	for (i = 0; i < 400; i++) {
		snprintf(key, sizeof(key), "v-%d", i);
		put(fx, "signed", "promo", key, T0 - 40 * DAY_MS, NULL, NULL);
	}
	assert_int_equal(purge(fx, 0, 0, 0, 1), 0);
	run_begin(fx, &r, 1, NULL);
	run_end(fx, &r, hs_admin_cmd_vacuum(&r, 300));
	assert_int_equal(fx->code, 1);
	run_begin(fx, &r, 1, NULL);
	r.yes = 1;
	run_end(fx, &r, hs_admin_cmd_vacuum(&r, 300));
	assert_int_equal(fx->code, 0);
	assert_true(jint(fx->json, "bytes_after") <
	    jint(fx->json, "bytes_before"));
	assert_int_equal(q_int(fx, "SELECT count(*) FROM pragma_integrity_check"
	    " WHERE integrity_check = 'ok'"), 1);
}

static void
errors_map_onto_the_documented_exit_codes(void **state)
{
	(void)state;
	assert_int_equal(hs_admin_exit_code(HS_OK), 0);
	assert_int_equal(hs_admin_exit_code(HS_ENOTFOUND), 1);
	assert_int_equal(hs_admin_exit_code(HS_EEXIST), 1);
	assert_int_equal(hs_admin_exit_code(HS_ECONFIG), 100);
	assert_int_equal(hs_admin_exit_code(HS_EINVAL), 100);
	assert_int_equal(hs_admin_exit_code(HS_EBUSY), 111);
	assert_int_equal(hs_admin_exit_code(HS_EIO), 111);
	assert_int_equal(hs_admin_exit_code(HS_EFULL), 111);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)
		T(retry_one_event_requeues_it_and_records_who),
		T(retry_needs_a_target_a_filter_or_all),
		T(retry_of_many_asks_and_never_guesses_without_a_terminal),
		T(retry_skips_a_delivery_whose_sink_has_one_pending),
		T(retry_goes_in_chunks_past_the_chunk_size),
		T(retry_gives_up_with_111_while_the_writer_lock_is_held),
		T(replay_adds_a_pending_delivery_of_a_done_event),
		T(replay_refuses_dead_unknown_and_unconfigured_sinks),
		T(purge_deletes_only_finished_quiet_events),
		T(purge_goes_in_chunks),
		T(vacuum_asks_then_gives_space_back),
		cmocka_unit_test(errors_map_onto_the_documented_exit_codes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
