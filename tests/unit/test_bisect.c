/*
 * test_bisect.c - isolating the records a peer refuses (sinks/bisect.h)
 * against a fake peer that refuses any group holding a bad record: every
 * good record is delivered once, exactly the bad ones are isolated, and
 * the number of requests stays near 2*k*log2(n), with and without
 * inference; a stop sends nothing more; a spent budget leaves the rest
 * unresolved; every refusal is dropped, last first.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sinks/bisect.h"

#define N_MAX	2048

/* What one position came to. */
enum fate { NONE, DELIVERED, ISOLATED, UNRESOLVED, RETRY };

struct peer {
	size_t n;
	unsigned char bad[N_MAX];
	enum fate fate[N_MAX];
	int twice;		/* a position decided a second time */
	long sends;
	long stop_at;		/* the send that says stop; 0: none */
	size_t retry_below;	/* smaller groups: decided, retry */
	/* refusals handed out and not dropped, in order */
	size_t kept[N_MAX];
	int nkept, max_kept, bad_drop;
	size_t why_of_isolated[N_MAX];	/* the group that condemned it */
};

static void
decide(struct peer *p, size_t i, enum fate f)
{
	if (p->fate[i] != NONE)
		p->twice = 1;
	p->fate[i] = f;
}

static enum hs_bisect_sent
peer_send(void *ctx, size_t at, size_t k, void **why)
{
	struct peer *p = ctx;
	size_t j;
	int refused = 0;

	assert_true(at + k <= p->n);
	assert_true(k > 0);
	if (++p->sends == p->stop_at)
		return HS_BISECT_STOP;
	if (k < p->retry_below) {
		for (j = 0; j < k; j++)
			decide(p, at + j, RETRY);
		return HS_BISECT_DECIDED;
	}
	for (j = 0; j < k; j++)
		refused |= p->bad[at + j];
	if (!refused) {
		for (j = 0; j < k; j++)
			decide(p, at + j, DELIVERED);
		return HS_BISECT_TAKEN;
	}
	p->kept[p->nkept] = at;	/* the refusal names its group */
	*why = &p->kept[p->nkept++];
	if (p->nkept > p->max_kept)
		p->max_kept = p->nkept;
	return HS_BISECT_REFUSED;
}

static void
peer_refused(void *ctx, size_t at, const void *why)
{
	struct peer *p = ctx;

	assert_non_null(why);
	p->why_of_isolated[at] = *(const size_t *)why;
	decide(p, at, ISOLATED);
}

static void
peer_unresolved(void *ctx, size_t at, size_t k, const void *why)
{
	struct peer *p = ctx;
	size_t j;

	assert_non_null(why);
	for (j = 0; j < k; j++)
		decide(p, at + j, UNRESOLVED);
}

static void
peer_drop(void *ctx, void *why)
{
	struct peer *p = ctx;

	if (p->nkept == 0 || why != &p->kept[p->nkept - 1])
		p->bad_drop = 1;	/* not the last one kept */
	p->nkept--;
}

static void
peer_init(struct peer *p, size_t n, const size_t *bad, size_t nbad)
{
	size_t i;

	memset(p, 0, sizeof(*p));
	p->n = n;
	for (i = 0; i < nbad; i++)
		p->bad[bad[i]] = 1;
}

static enum hs_bisect_sent
run(struct peer *p, int infer, int *budget)
{
	const struct hs_bisect b = {
		.send = peer_send,
		.refused = peer_refused,
		.unresolved = peer_unresolved,
		.drop = peer_drop,
		.ctx = p,
		.infer = infer,
		.budget = budget,
	};

	return hs_bisect(&b, p->n);
}

static long
ceil_log2(size_t n)
{
	long l = 0;

	while (((size_t)1 << l) < n)
		l++;
	return l;
}

/* Every good record delivered, exactly the bad ones isolated, each once,
 * every refusal dropped in order. */
static void
assert_sorted_out(const struct peer *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		assert_int_equal(p->fate[i], p->bad[i] ? ISOLATED : DELIVERED);
	assert_false(p->twice);
	assert_false(p->bad_drop);
	assert_int_equal(p->nkept, 0);
	assert_true(p->max_kept <= HS_BISECT_DEPTH);
}

static void
a_group_the_peer_takes_costs_one_request(void **state)
{
	struct peer p;
	int infer;

	(void)state;
	for (infer = 0; infer <= 1; infer++) {
		peer_init(&p, 500, NULL, 0);
		assert_int_equal(run(&p, infer, NULL), HS_BISECT_TAKEN);
		assert_int_equal(p.sends, 1);
		assert_sorted_out(&p);
	}
}

static void
nothing_to_send_sends_nothing(void **state)
{
	struct peer p;

	(void)state;
	peer_init(&p, 0, NULL, 0);
	assert_int_equal(run(&p, 1, NULL), HS_BISECT_DECIDED);
	assert_int_equal(p.sends, 0);
}

static void
one_bad_record_anywhere_is_isolated_in_2_log2_n_requests(void **state)
{
	struct peer p;
	size_t n = 1024, bad;
	int infer;

	(void)state;
	for (infer = 0; infer <= 1; infer++)
		for (bad = 0; bad < n; bad += 37) {
			peer_init(&p, n, &bad, 1);
			assert_int_equal(run(&p, infer, NULL),
			    HS_BISECT_REFUSED);
			assert_sorted_out(&p);
			assert_true(p.sends <= 1 + 2 * ceil_log2(n));
			assert_true(p.sends >= 1 + ceil_log2(n));
		}
}

static void
a_lone_record_refused_is_isolated_with_its_own_refusal(void **state)
{
	struct peer p;
	size_t bad = 0;

	(void)state;
	peer_init(&p, 1, &bad, 1);
	assert_int_equal(run(&p, 1, NULL), HS_BISECT_REFUSED);
	assert_int_equal(p.sends, 1);
	assert_sorted_out(&p);
	assert_int_equal(p.why_of_isolated[0], 0);
}

static void
inference_skips_the_half_known_to_fail(void **state)
{
	struct peer with, without;
	size_t bad = 7;	/* the last of 8: each first half passes */

	(void)state;
	peer_init(&with, 8, &bad, 1);
	peer_init(&without, 8, &bad, 1);
	run(&with, 1, NULL);
	run(&without, 0, NULL);
	assert_sorted_out(&with);
	assert_sorted_out(&without);
	assert_int_equal(with.sends, 4);	/* 8; first halves 4, 2, 1 */
	assert_int_equal(without.sends, 7);
	/* inferred, not sent alone: condemned by the whole group's refusal */
	assert_int_equal(with.why_of_isolated[7], 0);
	assert_int_equal(without.why_of_isolated[7], 7);
}

/* A small deterministic generator: the same sets on every run. */
static uint32_t
next(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

static void
k_bad_records_are_isolated_in_about_2_k_log2_n_requests(void **state)
{
	struct peer p;
	size_t bad[64], n, k, j;
	uint32_t seed = 42;
	int round, infer;

	(void)state;
	for (round = 0; round < 200; round++) {
		n = 1 + next(&seed) % N_MAX;
		k = 1 + next(&seed) % (n < 64 ? n : 64);
		for (j = 0; j < k; j++)
			bad[j] = next(&seed) % n;	/* repeats are fine */
		for (infer = 0; infer <= 1; infer++) {
			peer_init(&p, n, bad, k);
			run(&p, infer, NULL);
			assert_sorted_out(&p);
			assert_true(p.sends <= 1 + 2 * (long)k * ceil_log2(n));
		}
	}
}

static void
every_record_bad_is_every_record_isolated(void **state)
{
	size_t bad[16], j;
	struct peer p;

	(void)state;
	for (j = 0; j < 16; j++)
		bad[j] = j;
	peer_init(&p, 16, bad, 16);
	run(&p, 1, NULL);
	assert_sorted_out(&p);
	assert_int_equal(p.sends, 31);	/* every group of the halving */
}

static void
a_stop_sends_nothing_more_and_leaves_the_rest_undecided(void **state)
{
	size_t bad = 100, i;
	struct peer p;
	int infer;

	(void)state;
	for (infer = 0; infer <= 1; infer++) {
		peer_init(&p, 256, &bad, 1);
		p.stop_at = 3;
		assert_int_equal(run(&p, infer, NULL), HS_BISECT_STOP);
		assert_int_equal(p.sends, 3);
		assert_int_equal(p.nkept, 0);
		assert_false(p.bad_drop);
		for (i = 0; i < p.n; i++)
			assert_true(p.fate[i] == NONE ||
			    p.fate[i] == DELIVERED);
		assert_int_equal(p.fate[bad], NONE);
	}
}

static void
a_spent_budget_leaves_the_refused_rest_unresolved(void **state)
{
	size_t bad[2] = { 10, 200 }, i;
	struct peer p;
	int budget = 4;	/* two halvings */

	(void)state;
	peer_init(&p, 256, bad, 2);
	run(&p, 1, &budget);
	assert_true(budget <= 0);
	assert_true(p.sends <= 1 + 4);
	assert_false(p.twice);
	assert_int_equal(p.nkept, 0);
	for (i = 0; i < p.n; i++) {
		assert_int_not_equal(p.fate[i], NONE);
		if (p.bad[i])
			assert_int_equal(p.fate[i], UNRESOLVED);
		assert_int_not_equal(p.fate[i], ISOLATED);
	}
}

static void
a_budget_is_shared_by_the_callers_calls(void **state)
{
	size_t bad = 3;
	struct peer p;
	int budget = 6;

	(void)state;
	peer_init(&p, 8, &bad, 1);
	run(&p, 0, &budget);	/* 8 -> 4 -> 2 -> 1: three halvings */
	assert_sorted_out(&p);
	assert_int_equal(budget, 0);
	peer_init(&p, 8, &bad, 1);
	run(&p, 0, &budget);
	assert_int_equal(p.sends, 1);
	assert_int_equal(p.fate[0], UNRESOLVED);
	assert_int_equal(p.fate[7], UNRESOLVED);
}

static void
a_group_decided_otherwise_is_not_halved(void **state)
{
	size_t bad = 5, i;
	struct peer p;

	(void)state;
	peer_init(&p, 64, &bad, 1);
	p.retry_below = 20;	/* groups of 16 and less: transient */
	assert_int_equal(run(&p, 1, NULL), HS_BISECT_REFUSED);
	assert_false(p.twice);
	assert_int_equal(p.nkept, 0);
	/* 64 and its first 32 refused; that 32's halves of 16 decided
	 * (retry), not halved; the second 32 taken */
	assert_int_equal(p.sends, 5);
	for (i = 0; i < p.n; i++)
		assert_int_equal(p.fate[i], i < 32 ? RETRY : DELIVERED);
}

int
main(void)
{
#define T(f) cmocka_unit_test(f)
	const struct CMUnitTest tests[] = {
		T(a_group_the_peer_takes_costs_one_request),
		T(nothing_to_send_sends_nothing),
		T(one_bad_record_anywhere_is_isolated_in_2_log2_n_requests),
		T(a_lone_record_refused_is_isolated_with_its_own_refusal),
		T(inference_skips_the_half_known_to_fail),
		T(k_bad_records_are_isolated_in_about_2_k_log2_n_requests),
		T(every_record_bad_is_every_record_isolated),
		T(a_stop_sends_nothing_more_and_leaves_the_rest_undecided),
		T(a_spent_budget_leaves_the_refused_rest_unresolved),
		T(a_budget_is_shared_by_the_callers_calls),
		T(a_group_decided_otherwise_is_not_halved),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
