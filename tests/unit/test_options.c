/*
 * test_options.c - the tools' option parser (program/options.c): values
 * after "=" or in the next argument, flags, bounded numbers, the other
 * arguments in their order, the tool's own messages for every refusal,
 * options checked against a command, and --help from the same table.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "program/options.h"

struct args {
	const char *sink, *key;
	int once, json, yes;
	long max, limit;
};

enum { CMD_LIST = 1u << 0, CMD_PURGE = 1u << 1 };

static const struct hs_opt tab[] = {
	{ "sink", 's', "NAME", "run only this sink", HS_OPT_TEXT,
	  offsetof(struct args, sink), CMD_LIST | CMD_PURGE, 0, 0 },
	{ "key", 0, "KEY", "the event with this key", HS_OPT_TEXT,
	  offsetof(struct args, key), CMD_LIST, 0, 0 },
	{ "once", 0, NULL, "one batch, then stop", HS_OPT_FLAG,
	  offsetof(struct args, once), CMD_LIST | CMD_PURGE, 0, 0 },
	{ "json", 'j', NULL, "JSON for scripts, stable field names, one "
	  "object on one line", HS_OPT_FLAG, offsetof(struct args, json),
	  CMD_LIST | CMD_PURGE, 0, 0 },
	{ "yes", 0, NULL, "do it", HS_OPT_FLAG, offsetof(struct args, yes),
	  CMD_PURGE, 0, 0 },
	{ "max-seconds", 0, "N", "time budget", HS_OPT_NUM,
	  offsetof(struct args, max), CMD_LIST, 1, 604800 },
	{ "limit", 0, "N", "at most N", HS_OPT_NUM,
	  offsetof(struct args, limit), CMD_LIST, 0, 1000 },
	{ NULL, 0, NULL, NULL, HS_OPT_FLAG, 0, 0, 0, 0 }
};

static const struct hs_opts opts = { "tool", tab };

#define MAXPOS 2

struct run {
	struct args a;
	uint64_t given;
	const char *pos[MAXPOS];
	int npos, rc;
	char err[512];
	char words[16][64];	/* argv's strings: values point into them */
};

/* Runs the parser over a NULL-terminated list of words; stderr captured. */
static void
parse(struct run *r, ...)
{
	char *argv[18];
	FILE *tmp = tmpfile();
	int argc = 0, saved;
	const char *w;
	va_list ap;
	size_t n;

	memset(r, 0, sizeof(*r));
	argv[argc++] = "tool";
	va_start(ap, r);
	while ((w = va_arg(ap, const char *)) != NULL && argc < 17) {
		snprintf(r->words[argc], sizeof(r->words[argc]), "%s", w);
		argv[argc] = r->words[argc];
		argc++;
	}
	va_end(ap);
	argv[argc] = NULL;
	assert_non_null(tmp);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
	r->rc = hs_opts_parse(&opts, argc, argv, &r->a, &r->given, r->pos,
	    MAXPOS, &r->npos);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(r->err, 1, sizeof(r->err) - 1, tmp);
	r->err[n] = '\0';
	fclose(tmp);
}

static int
given(const struct run *r, const char *name)
{
	int i = hs_opts_index(&opts, name);

	assert_true(i >= 0);
	return (r->given >> i) & 1;
}

static void
long_option_takes_its_value_after_an_equals_sign(void **state)
{
	struct run r;

	parse(&r, "--sink=odoo", "--max-seconds=5", NULL);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.a.sink, "odoo");
	assert_int_equal(r.a.max, 5);
	assert_string_equal(r.err, "");
}

static void
long_option_takes_its_value_from_the_next_argument(void **state)
{
	struct run r;

	parse(&r, "--sink", "odoo", "--max-seconds", "5", NULL);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.a.sink, "odoo");
	assert_int_equal(r.a.max, 5);
	assert_int_equal(r.npos, 0);
}

static void
value_may_start_with_a_dash_or_be_empty(void **state)
{
	struct run r;

	parse(&r, "--key", "-abc", "--sink=", NULL);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.a.key, "-abc");
	assert_string_equal(r.a.sink, "");
}

static void
flags_are_set_and_what_was_given_is_recorded(void **state)
{
	struct run r;

	parse(&r, "--once", "--json", NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.a.once, 1);
	assert_int_equal(r.a.json, 1);
	assert_int_equal(r.a.yes, 0);
	assert_true(given(&r, "once"));
	assert_true(given(&r, "--json"));
	assert_false(given(&r, "yes"));
	assert_false(given(&r, "limit"));
}

static void
zero_given_is_told_apart_from_not_given(void **state)
{
	struct run r;

	parse(&r, "--limit", "0", NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.a.limit, 0);
	assert_true(given(&r, "limit"));
}

static void
short_names_take_values_and_cluster(void **state)
{
	struct run r;

	parse(&r, "-j", "-s", "odoo", NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.a.json, 1);
	assert_string_equal(r.a.sink, "odoo");
	parse(&r, "-jsazure", NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.a.json, 1);
	assert_string_equal(r.a.sink, "azure");
}

static void
numbers_outside_their_bounds_are_refused_with_the_lowest(void **state)
{
	static const char *const badnum[] = {
		"--max-seconds=0", "--max-seconds=604801", "--max-seconds=x",
		"--max-seconds=5s", "--max-seconds=", "--limit=-1",
		"--max-seconds=99999999999999999999",
	};
	struct run r;
	size_t i;

	for (i = 0; i < sizeof(badnum) / sizeof(badnum[0]); i++) {
		parse(&r, badnum[i], NULL);
		assert_int_equal(r.rc, -1);
		if (!strstr(r.err, "needs a whole number from "))
			fail_msg("%s: '%s'", badnum[i], r.err);
	}
	parse(&r, "--max-seconds", "0", NULL);
	assert_string_equal(r.err,
	    "tool: --max-seconds needs a whole number from 1\n");
	parse(&r, "--max-seconds=604800", "--limit=1000", NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.a.max, 604800);
}

static void
unknown_option_is_refused_and_named_without_its_value(void **state)
{
	struct run r;

	parse(&r, "--frob", NULL);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.err, "tool: unknown option '--frob'\n");
	parse(&r, "--frob=3", NULL);
	assert_string_equal(r.err, "tool: unknown option '--frob'\n");
	parse(&r, "-x", NULL);
	assert_string_equal(r.err, "tool: unknown option '-x'\n");
}

static void
missing_value_is_refused(void **state)
{
	struct run r;

	parse(&r, "--sink", NULL);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.err, "tool: --sink needs a value\n");
	parse(&r, "--limit", NULL);
	assert_string_equal(r.err, "tool: --limit needs a whole number from "
	    "0\n");
	parse(&r, "-s", NULL);
	assert_string_equal(r.err, "tool: --sink needs a value\n");
}

static void
flag_given_a_value_is_refused(void **state)
{
	struct run r;

	parse(&r, "--once=yes", NULL);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.err, "tool: --once takes no value\n");
}

static void
other_arguments_keep_their_order_around_options(void **state)
{
	struct run r;

	parse(&r, "--json", "show", "--sink=odoo", "42", "--once", NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.npos, 2);
	assert_string_equal(r.pos[0], "show");
	assert_string_equal(r.pos[1], "42");
	assert_int_equal(r.a.once, 1);
	assert_string_equal(r.a.sink, "odoo");
}

static void
posixly_correct_does_not_stop_options_at_the_first_argument(void **state)
{
	struct run r;

	assert_int_equal(setenv("POSIXLY_CORRECT", "1", 1), 0);
	parse(&r, "show", "42", "--json", NULL);
	unsetenv("POSIXLY_CORRECT");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.a.json, 1);
	assert_int_equal(r.npos, 2);
}

static void
double_dash_ends_the_options(void **state)
{
	struct run r;

	parse(&r, "show", "--json", "--", "--once", NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.a.json, 1);
	assert_int_equal(r.a.once, 0);
	assert_int_equal(r.npos, 2);
	assert_string_equal(r.pos[1], "--once");
}

static void
arguments_past_the_room_are_refused(void **state)
{
	struct run r;

	parse(&r, "show", "1", "2", NULL);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.err, "tool: unexpected argument '2'\n");
	assert_int_equal(r.npos, 2);	/* what came before is kept */
}

static void
unambiguous_abbreviations_of_long_names_work(void **state)
{
	struct run r;

	parse(&r, "--max=7", "--on", NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.a.max, 7);
	assert_int_equal(r.a.once, 1);
	parse(&r, "--s=x", "--k", "y", NULL);	/* --sink, --key */
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.a.sink, "x");
	parse(&r, "--li", "1", NULL);
	assert_int_equal(r.a.limit, 1);
}

static void
parsing_again_starts_afresh(void **state)
{
	struct run r;

	parse(&r, "--frob", "--once", NULL);
	assert_int_equal(r.rc, -1);
	parse(&r, "--once", NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.a.once, 1);
	assert_int_equal(r.npos, 0);
}

static void
option_of_another_command_does_not_apply(void **state)
{
	struct run r;
	FILE *tmp = tmpfile();
	char err[256];
	int saved, rc;
	size_t n;

	parse(&r, "--yes", "--json", NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(hs_opts_check_groups(&opts, r.given, CMD_PURGE), 0);
	assert_non_null(tmp);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fileno(tmp), STDERR_FILENO);
	rc = hs_opts_check_groups(&opts, r.given, CMD_LIST);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(err, 1, sizeof(err) - 1, tmp);
	err[n] = '\0';
	fclose(tmp);
	assert_int_equal(rc, -1);
	assert_string_equal(err, "tool: --yes does not apply to this "
	    "command\n");
}

static char *
help_text(unsigned want, int col, int width)
{
	static char text[2048];
	FILE *f = fmemopen(text, sizeof(text), "w");

	assert_non_null(f);
	hs_opts_help(f, &opts, want, col, width);
	fclose(f);
	return text;
}

static void
help_lists_a_commands_rows_from_the_table(void **state)
{
	const char *t = help_text(CMD_PURGE, 18, 0);

	assert_string_equal(t,
	    "  -s, --sink NAME    run only this sink\n"
	    "  --once             one batch, then stop\n"
	    "  -j, --json         JSON for scripts, stable field names, one "
	    "object on one line\n"
	    "  --yes              do it\n");
	t = help_text(0, 18, 0);
	assert_non_null(strstr(t, "  --max-seconds N    time budget\n"));
	assert_non_null(strstr(t, "  --key KEY          the event"));
}

static void
help_wraps_under_its_column(void **state)
{
	const char *t = help_text(CMD_LIST | CMD_PURGE, 10, 20);

	assert_string_equal(t,
	    "  -s, --sink NAME run only this sink\n"
	    "  --once     one batch, then stop\n"
	    "  -j, --json JSON for scripts,\n"
	    "             stable field names,\n"
	    "             one object on one\n"
	    "             line\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(long_option_takes_its_value_after_an_equals_sign),
		cmocka_unit_test(
		    long_option_takes_its_value_from_the_next_argument),
		cmocka_unit_test(value_may_start_with_a_dash_or_be_empty),
		cmocka_unit_test(flags_are_set_and_what_was_given_is_recorded),
		cmocka_unit_test(zero_given_is_told_apart_from_not_given),
		cmocka_unit_test(short_names_take_values_and_cluster),
		cmocka_unit_test(
		    numbers_outside_their_bounds_are_refused_with_the_lowest),
		cmocka_unit_test(
		    unknown_option_is_refused_and_named_without_its_value),
		cmocka_unit_test(missing_value_is_refused),
		cmocka_unit_test(flag_given_a_value_is_refused),
		cmocka_unit_test(
		    other_arguments_keep_their_order_around_options),
		cmocka_unit_test(
		    posixly_correct_does_not_stop_options_at_the_first_argument),
		cmocka_unit_test(double_dash_ends_the_options),
		cmocka_unit_test(arguments_past_the_room_are_refused),
		cmocka_unit_test(
		    unambiguous_abbreviations_of_long_names_work),
		cmocka_unit_test(parsing_again_starts_afresh),
		cmocka_unit_test(option_of_another_command_does_not_apply),
		cmocka_unit_test(help_lists_a_commands_rows_from_the_table),
		cmocka_unit_test(help_wraps_under_its_column),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
