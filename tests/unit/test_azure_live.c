/*
 * test_azure_live.c - the client against a real Azurite (the pinned npm
 * package in tests/azurite), started and stopped by this test on a free
 * loopback port: create, put, peek back, auth failure, SAS permissions,
 * the 64 KiB edge, nothing listening, and a batch of 100 read back whole.
 * How fast 10,000 messages go in is make bench's (bench/drain.sh).
 *
 * Skipped, with the reason printed, only when tests/azurite/start.sh
 * exits 111 (node/npm missing or npm ci impossible).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libgen.h>
#include <limits.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "sinks/azure/conn.h"
#include "sinks/azure/queue.h"
#include "sinks/azure/sign.h"
#include "core/timefmt.h"

/* Enough for several round trips with 32 in flight; throughput is
 * measured by make bench (bench/drain.sh), not here. */
#define BATCH_N 100

#include "azurite_fx.h"

static struct hs_azq *
open_cs(const char *cs, int inflight)
{
	struct hs_azq_opts o;
	struct hs_azq *q = NULL;
	char why[HS_AZQ_WHY_LEN];

	hs_azq_opts_default(&o);
	o.max_in_flight = inflight;
	o.connect_timeout_ms = 2000;
	o.timeout_ms = 10000;
	if (hs_azq_open(&q, cs, &o, why, sizeof(why)) != HS_OK)
		fail_msg("open: %s", why);
	return q;
}

static struct hs_azq *
open_live(const struct live *L)
{
	if (!L->up) {
		fprintf(stderr, "SKIP: %s\n", L->why);
		skip();
	}
	return open_cs(L->cs, 32);
}

static void
must_create(struct hs_azq *q, const char *name)
{
	struct hs_azq_result r;

	if (hs_azq_create_queue(q, name, hs_now_ms(), &r) != HS_OK)
		fail_msg("create '%s': %s %d %s %s", name,
		         hs_azq_outcome_str(r.outcome), r.status, r.code,
		         r.reason);
}

static void
put_then_peek_returns_the_same_utf8_text(void **state)
{
	struct hs_azq *q = open_live(*state);
	const char *json = "{\"idempotency_key\":\"manychat:contact:1\","
	                   "\"name\":\"Jos\xc3\xa9 \xe2\x82\xac\"}";
	struct hs_azq_msg m = { json, strlen(json) };
	struct hs_azq_result r;
	struct hs_azq_texts t;
	long count = -1;

	hs_azq_texts_init(&t);
	assert_int_equal(hs_azq_create_queue(q, "hs-live-one", hs_now_ms(), &r),
	                 HS_OK);
	assert_int_equal(r.status, 201);
	assert_int_equal(hs_azq_create_queue(q, "hs-live-one", hs_now_ms(), &r),
	                 HS_OK);	/* exists: 204, still done */
	assert_int_equal(hs_azq_put(q, "hs-live-one", &m, hs_now_ms(), &r),
	                 HS_OK);
	assert_int_equal(r.status, 201);
	assert_true(strlen(r.message_id) >= 32);
	assert_int_equal(hs_azq_peek(q, "hs-live-one", 32, hs_now_ms(), &t, &r),
	                 HS_OK);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.len[0], strlen(json));
	assert_string_equal(t.text[0], json);
	assert_int_equal(hs_azq_count(q, "hs-live-one", hs_now_ms(), &count,
	                              &r), HS_OK);
	assert_int_equal(count, 1);
	hs_azq_texts_release(&t);
	hs_azq_close(q);
}

static void
get_hides_what_it_returned(void **state)
{
	struct hs_azq *q = open_live(*state);
	struct hs_azq_msg m[3] = { { "a", 1 }, { "b", 1 }, { "c", 1 } };
	struct hs_azq_result r[3];
	struct hs_azq_texts t;

	hs_azq_texts_init(&t);
	must_create(q, "hs-live-get");
	assert_int_equal(hs_azq_put_batch(q, "hs-live-get", m, 3, hs_now_ms(),
	                                  r), HS_OK);
	assert_int_equal(hs_azq_get(q, "hs-live-get", 32, 60, hs_now_ms(), &t,
	                            &r[0]), HS_OK);
	assert_int_equal(t.n, 3);
	assert_int_equal(hs_azq_get(q, "hs-live-get", 32, 60, hs_now_ms(), &t,
	                            &r[0]), HS_OK);
	assert_int_equal(t.n, 0);
	hs_azq_texts_release(&t);
	hs_azq_close(q);
}

static void
a_wrong_account_key_is_an_auth_outcome(void **state)
{
	const struct live *L = *state;
	struct hs_azq *q = open_live(L), *bad;
	char cs[512];
	struct hs_azq_msg m = { "{}", 2 };
	struct hs_azq_result r;

	must_create(q, "hs-live-auth");
	snprintf(cs, sizeof(cs), "AccountName=devstoreaccount1;AccountKey="
	         "aG9va3Nwb29sLXdyb25nLWtleQ==;QueueEndpoint=http://"
	         "127.0.0.1:%d/devstoreaccount1", L->port);
	bad = open_cs(cs, 4);
	assert_int_equal(hs_azq_put(bad, "hs-live-auth", &m, hs_now_ms(), &r),
	                 HS_EAUTH);
	assert_int_equal(r.outcome, HS_AZQ_AUTH);
	assert_int_equal(r.status, 403);
	assert_string_equal(r.code, "AuthenticationFailed");
	assert_null(strstr(r.reason, "aG9va3"));
	hs_azq_close(bad);
	hs_azq_close(q);
}

static void
a_missing_queue_is_a_no_queue_outcome(void **state)
{
	struct hs_azq *q = open_live(*state);
	struct hs_azq_msg m = { "{}", 2 };
	struct hs_azq_result r;

	assert_int_equal(hs_azq_put(q, "hs-live-nosuch", &m, hs_now_ms(), &r),
	                 HS_ENOTFOUND);
	assert_int_equal(r.outcome, HS_AZQ_NO_QUEUE);
	assert_string_equal(r.code, "QueueNotFound");
	hs_azq_close(q);
}

static void
the_64k_edge_is_sent_and_one_byte_more_is_refused_locally(void **state)
{
	struct hs_azq *q = open_live(*state);
	char *big = malloc(HS_AZQ_RAW_MAX + 1);
	struct hs_azq_msg m[3];
	struct hs_azq_result r[3];
	long count = -1;

	memset(big, 'x', HS_AZQ_RAW_MAX + 1);
	m[0] = (struct hs_azq_msg){ big, HS_AZQ_RAW_MAX };
	m[1] = (struct hs_azq_msg){ big, HS_AZQ_RAW_MAX + 1 };
	m[2] = (struct hs_azq_msg){ "{}", 2 };
	must_create(q, "hs-live-edge");
	assert_int_equal(hs_azq_put_batch(q, "hs-live-edge", m, 3, hs_now_ms(),
	                                  r), HS_OK);
	assert_int_equal(r[0].outcome, HS_AZQ_DONE);
	assert_int_equal(r[1].outcome, HS_AZQ_PERMANENT);
	assert_int_equal(r[1].status, 0);
	assert_string_equal(r[1].code, "MessageTooLarge");
	assert_int_equal(r[2].outcome, HS_AZQ_DONE);
	assert_int_equal(hs_azq_count(q, "hs-live-edge", hs_now_ms(), &count,
	                              &r[0]), HS_OK);
	assert_int_equal(count, 2);
	free(big);
	hs_azq_close(q);
}

static void
a_sas_that_may_only_add_puts_but_cannot_peek(void **state)
{
	const struct live *L = *state;
	struct hs_azq *q = open_live(L), *sas;
	const char *sts = "a\n\n2030-01-01T00:00:00Z\n/queue/devstoreaccount1/"
	                  "hs-live-sas\n\n\n\n2025-11-05";
	unsigned char *key = NULL;
	size_t keylen;
	char sig[HS_AZQ_SIG_LEN], enc[3 * HS_AZQ_SIG_LEN], cs[512];
	struct hs_azq_msg m = { "{\"sas\":1}", 9 };
	struct hs_azq_result r;
	struct hs_azq_texts t;
	size_t i, o = 0;

	must_create(q, "hs-live-sas");
	assert_int_equal(hs_azq_b64_decode(HS_AZQ_DEV_KEY,
	    strlen(HS_AZQ_DEV_KEY), &key, &keylen), HS_OK);
	assert_int_equal(hs_azq_sign(key, keylen, sts, sig), HS_OK);
	for (i = 0; sig[i]; i++)
		o += (size_t)(strchr("+/=", sig[i])
		     ? snprintf(enc + o, 4, "%%%02X", (unsigned char)sig[i])
		     : snprintf(enc + o, 2, "%c", sig[i]));
	snprintf(cs, sizeof(cs), "QueueEndpoint=http://127.0.0.1:%d/"
	         "devstoreaccount1;SharedAccessSignature=sv=2025-11-05&"
	         "se=2030-01-01T00%%3A00%%3A00Z&sp=a&sig=%s", L->port, enc);
	sas = open_cs(cs, 2);
	assert_int_equal(hs_azq_put(sas, "hs-live-sas", &m, hs_now_ms(), &r),
	                 HS_OK);
	hs_azq_texts_init(&t);
	assert_int_equal(hs_azq_peek(sas, "hs-live-sas", 1, hs_now_ms(), &t,
	                             &r), HS_EAUTH);
	assert_string_equal(r.code, "AuthorizationPermissionMismatch");
	assert_int_equal(hs_azq_peek(q, "hs-live-sas", 1, hs_now_ms(), &t, &r),
	                 HS_OK);
	assert_int_equal(t.n, 1);
	assert_string_equal(t.text[0], "{\"sas\":1}");
	hs_azq_texts_release(&t);
	free(key);
	hs_azq_close(sas);
	hs_azq_close(q);
}

static void
nothing_listening_is_a_retry_outcome(void **state)
{
	char cs[512];
	struct hs_azq *q;
	struct hs_azq_msg m[2] = { { "{}", 2 }, { "[]", 2 } };
	struct hs_azq_result r[2];

	snprintf(cs, sizeof(cs), "UseDevelopmentStorage=true;QueueEndpoint="
	         "http://127.0.0.1:%d/devstoreaccount1", free_port());
	q = open_cs(cs, 2);
	assert_int_equal(hs_azq_put_batch(q, "hs-live-down", m, 2, hs_now_ms(),
	                                  r), HS_OK);
	assert_int_equal(r[0].outcome, HS_AZQ_RETRY);
	assert_int_equal(r[0].status, 0);
	assert_string_equal(r[0].code, "CouldNotConnect");
	assert_int_equal(r[1].outcome, HS_AZQ_RETRY);
	assert_int_equal(hs_azq_outcome_err(&r[0]), HS_EAGAIN);
	hs_azq_close(q);
}

static void
a_batch_of_100_puts_arrives_whole_each_message_once(void **state)
{
	struct hs_azq *q = open_live(*state);
	struct hs_azq_msg m[BATCH_N];
	struct hs_azq_result r[BATCH_N];
	struct hs_azq_texts t;
	char text[BATCH_N][64];
	int seen[BATCH_N] = { 0 }, n;
	long count = -1;
	size_t i, k, got = 0;

	must_create(q, "hs-live-batch");
	for (i = 0; i < BATCH_N; i++) {
		n = snprintf(text[i], sizeof(text[i]), "{\"idempotency_key\":"
		             "\"batch:%zu\",\"payload\":{\"n\":%zu}}", i, i);
		m[i] = (struct hs_azq_msg){ text[i], (size_t)n };
	}
	assert_int_equal(hs_azq_put_batch(q, "hs-live-batch", m, BATCH_N,
	                                  hs_now_ms(), r), HS_OK);
	for (i = 0; i < BATCH_N; i++) {
		assert_int_equal(r[i].outcome, HS_AZQ_DONE);
		assert_true(strlen(r[i].message_id) >= 32);
	}
	assert_int_equal(hs_azq_count(q, "hs-live-batch", hs_now_ms(), &count,
	                              &r[0]), HS_OK);
	assert_int_equal(count, BATCH_N);
	/* Read back (hidden as they are taken): every text once, intact. */
	hs_azq_texts_init(&t);
	do {
		assert_int_equal(hs_azq_get(q, "hs-live-batch", HS_AZQ_PEEK_MAX,
		                            60, hs_now_ms(), &t, &r[0]), HS_OK);
		for (k = 0; k < t.n; k++) {
			for (i = 0; i < BATCH_N && strcmp(t.text[k], text[i]);
			     i++)
				;
			if (i == BATCH_N)
				fail_msg("not sent: '%s'", t.text[k]);
			assert_int_equal(seen[i]++, 0);
			got++;
		}
	} while (t.n > 0);
	assert_int_equal(got, BATCH_N);
	hs_azq_texts_release(&t);
	hs_azq_close(q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(put_then_peek_returns_the_same_utf8_text),
		cmocka_unit_test(get_hides_what_it_returned),
		cmocka_unit_test(a_wrong_account_key_is_an_auth_outcome),
		cmocka_unit_test(a_missing_queue_is_a_no_queue_outcome),
		cmocka_unit_test(the_64k_edge_is_sent_and_one_byte_more_is_refused_locally),
		cmocka_unit_test(a_sas_that_may_only_add_puts_but_cannot_peek),
		cmocka_unit_test(nothing_listening_is_a_retry_outcome),
		cmocka_unit_test(a_batch_of_100_puts_arrives_whole_each_message_once),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
