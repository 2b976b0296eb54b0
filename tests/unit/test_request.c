/*
 * test_request.c - the query string of a request: pairs decoded as Meta
 * and HTML forms encode them ('+' a space, %XX any byte, %2E a dot), the
 * first of a repeated name, malformed escapes rejected (the pair is
 * skipped), and the bounds (bytes parsed, pairs kept).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/caps.h"
#include "front/request.h"

#define MAX_ENV 8

struct env {
	char *v[MAX_ENV + 1];
	int n;
};

static void
env_add(struct env *e, const char *s)
{
	assert_true(e->n < MAX_ENV);
	e->v[e->n++] = (char *)s;
	e->v[e->n] = NULL;
}

/* A GET at uri whose QUERY_STRING is qs (NULL: none), parsed into r. */
static void
request(struct hs_request *r, struct env *e, const char *uri, const char *qs)
{
	static char uri_var[HS_MAX_QUERY_BYTES * 2];
	static char qs_var[HS_MAX_QUERY_BYTES * 4];

	memset(e, 0, sizeof(*e));
	env_add(e, "REQUEST_METHOD=GET");
	snprintf(uri_var, sizeof(uri_var), "REQUEST_URI=%s", uri);
	env_add(e, uri_var);
	if (qs) {
		snprintf(qs_var, sizeof(qs_var), "QUERY_STRING=%s", qs);
		env_add(e, qs_var);
	}
	assert_int_equal(hs_request_init(r, e->v, NULL, NULL), HS_OK);
}

static void
query_is(const struct hs_request *r, const char *name, const char *want)
{
	const char *got = hs_request_query(r, name);

	if (!want && got)
		fail_msg("'%s' is '%s', want absent", name, got);
	if (want && (!got || strcmp(got, want)))
		fail_msg("'%s' is '%s', want '%s'", name,
		    got ? got : "(absent)", want);
}

static void
meta_verification_query_is_read_by_name(void **state)
{
	struct hs_request r;
	struct env e;

	request(&r, &e, "/wa?x", "hub.mode=subscribe&hub.challenge=1158201444"
	    "&hub.verify_token=meatyhamhock");
	query_is(&r, "hub.mode", "subscribe");
	query_is(&r, "hub.challenge", "1158201444");
	query_is(&r, "hub.verify_token", "meatyhamhock");
	query_is(&r, "hub.topic", NULL);
	query_is(&r, "hub", NULL);
	query_is(&r, "HUB.MODE", NULL);	/* names are case-sensitive */
	assert_int_equal(r.npairs, 3);
	hs_request_release(&r);
}

static void
plus_is_a_space_and_percent_escapes_any_byte(void **state)
{
	struct hs_request r;
	struct env e;

	request(&r, &e, "/", "hub%2Emode=sub%73cribe&c=a+b%20c%2Ed%2e"
	    "&plus=1%2B1&utf8=opci%C3%B3n&hex=%4a%4A&name+with+space=1");
	query_is(&r, "hub.mode", "subscribe");
	query_is(&r, "c", "a b c.d.");
	query_is(&r, "plus", "1+1");
	query_is(&r, "utf8", "opci\xc3\xb3n");
	query_is(&r, "hex", "JJ");
	query_is(&r, "name with space", "1");
	hs_request_release(&r);
}

static void
value_keeps_later_equals_and_a_bare_name_is_empty(void **state)
{
	struct hs_request r;
	struct env e;

	request(&r, &e, "/", "t=a=b==&flag&empty=");
	query_is(&r, "t", "a=b==");
	query_is(&r, "flag", "");
	query_is(&r, "empty", "");
	hs_request_release(&r);
}

static void
first_of_a_repeated_name_is_the_value(void **state)
{
	struct hs_request r;
	struct env e;

	request(&r, &e, "/", "hub.verify_token=first&hub.verify_token=second");
	query_is(&r, "hub.verify_token", "first");
	hs_request_release(&r);
}

static void
malformed_escape_rejects_its_pair_only(void **state)
{
	struct hs_request r;
	struct env e;

	request(&r, &e, "/", "a=%zz&b=ok&c=%4&d=%&e=x%00y&f%g=1&%41=%41"
	    "&g=%4G&h=50%&i=%%41");
	query_is(&r, "a", NULL);
	query_is(&r, "b", "ok");
	query_is(&r, "c", NULL);
	query_is(&r, "d", NULL);
	query_is(&r, "e", NULL);	/* an escaped NUL is refused */
	query_is(&r, "f%g", NULL);
	query_is(&r, "fg", NULL);
	query_is(&r, "A", "A");
	query_is(&r, "g", NULL);
	query_is(&r, "h", NULL);
	query_is(&r, "i", NULL);
	assert_int_equal(r.npairs, 2);
	hs_request_release(&r);
}

static void
empty_segments_and_empty_names_are_skipped(void **state)
{
	struct hs_request r;
	struct env e;

	request(&r, &e, "/", "&&=x&a=1&&");
	query_is(&r, "a", "1");
	query_is(&r, "", NULL);
	assert_int_equal(r.npairs, 1);
	hs_request_release(&r);
}

static void
without_query_string_the_uri_after_the_mark_is_read(void **state)
{
	struct hs_request r;
	struct env e;

	request(&r, &e, "/wa?hub.mode=subscribe&x=%2E", NULL);
	assert_string_equal(r.path, "/wa");
	query_is(&r, "hub.mode", "subscribe");
	query_is(&r, "x", ".");
	hs_request_release(&r);
	/* the server's QUERY_STRING wins over the URI */
	request(&r, &e, "/wa?hub.mode=uri", "hub.mode=server");
	query_is(&r, "hub.mode", "server");
	hs_request_release(&r);
}

static void
no_query_means_no_pairs(void **state)
{
	struct hs_request r;
	struct env e;

	request(&r, &e, "/health", NULL);
	query_is(&r, "a", NULL);
	assert_int_equal(r.npairs, 0);
	assert_null(r.query);
	hs_request_release(&r);
	request(&r, &e, "/health?", "");
	assert_int_equal(r.npairs, 0);
	hs_request_release(&r);
}

/* "v=xxx...": a query string of exactly n bytes. */
static char *
long_query(size_t n)
{
	char *s = malloc(n + 1);

	assert_non_null(s);
	memset(s, 'x', n);
	memcpy(s, "v=", 2);
	s[n] = '\0';
	return s;
}

static void
query_over_the_byte_cap_is_not_parsed(void **state)
{
	struct hs_request r;
	struct env e;
	char *at = long_query(HS_MAX_QUERY_BYTES);
	char *over = long_query(HS_MAX_QUERY_BYTES + 1);

	request(&r, &e, "/", at);
	assert_non_null(hs_request_query(&r, "v"));
	assert_int_equal(strlen(hs_request_query(&r, "v")),
	    HS_MAX_QUERY_BYTES - 2);
	hs_request_release(&r);
	request(&r, &e, "/", over);
	query_is(&r, "v", NULL);
	assert_int_equal(r.npairs, 0);
	hs_request_release(&r);
	free(at);
	free(over);
}

static void
pairs_past_the_cap_are_ignored(void **state)
{
	char qs[HS_MAX_QUERY_PAIRS * 16], name[16];
	struct hs_request r;
	struct env e;
	size_t i, len = 0;

	for (i = 0; i <= HS_MAX_QUERY_PAIRS; i++)
		len += (size_t)snprintf(qs + len, sizeof(qs) - len,
		    "%sp%zu=%zu", i ? "&" : "", i, i);
	request(&r, &e, "/", qs);
	assert_int_equal(r.npairs, HS_MAX_QUERY_PAIRS);
	snprintf(name, sizeof(name), "p%d", HS_MAX_QUERY_PAIRS - 1);
	assert_non_null(hs_request_query(&r, name));
	snprintf(name, sizeof(name), "p%d", HS_MAX_QUERY_PAIRS);
	query_is(&r, name, NULL);
	hs_request_release(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(meta_verification_query_is_read_by_name),
		cmocka_unit_test(plus_is_a_space_and_percent_escapes_any_byte),
		cmocka_unit_test(
		    value_keeps_later_equals_and_a_bare_name_is_empty),
		cmocka_unit_test(first_of_a_repeated_name_is_the_value),
		cmocka_unit_test(malformed_escape_rejects_its_pair_only),
		cmocka_unit_test(empty_segments_and_empty_names_are_skipped),
		cmocka_unit_test(
		    without_query_string_the_uri_after_the_mark_is_read),
		cmocka_unit_test(no_query_means_no_pairs),
		cmocka_unit_test(query_over_the_byte_cap_is_not_parsed),
		cmocka_unit_test(pairs_past_the_cap_are_ignored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
