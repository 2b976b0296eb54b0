/*
 * test_log.c - logfmt lines: one line per call, values quoted and escaped
 * so a hostile path or header cannot forge a second line, lines below the
 * level cost nothing, and an overlong line is cut, never split.
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

#include "core/log.h"

struct capture {
	FILE *f;
	char *text;
	size_t len;
};

static int
setup(void **state)
{
	struct capture *c = calloc(1, sizeof(*c));

	if (!c)
		return -1;
	c->f = open_memstream(&c->text, &c->len);
	if (!c->f) {
		free(c);
		return -1;
	}
	hs_log_set_stream(c->f);
	hs_log_setup("unit", HS_LOG_DEBUG);
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	struct capture *c = *state;

	hs_log_set_stream(NULL);
	hs_log_setup("hookspool", HS_LOG_INFO);
	fclose(c->f);
	free(c->text);
	free(c);
	return 0;
}

/* Everything logged so far; NUL-terminated by open_memstream. */
static const char *
logged(void **state)
{
	struct capture *c = *state;

	fflush(c->f);
	return c->text ? c->text : "";
}

static size_t
count_char(const char *s, char ch)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == ch;
	return n;
}

static void
line_has_the_fixed_fields_and_one_newline(void **state)
{
	struct hs_logline l;
	char pid[32];
	const char *out;

	hs_log_begin(&l, HS_LOG_INFO, "request");
	hs_log_str(&l, "path", "/health");
	hs_log_int(&l, "status", 200);
	hs_log_end(&l);
	out = logged(state);
	assert_int_equal(strncmp(out, "ts=", 3), 0);
	assert_non_null(strstr(out, "Z level=info prog=unit pid="));
	snprintf(pid, sizeof(pid), " pid=%ld ", (long)getpid());
	assert_non_null(strstr(out, pid));
	assert_non_null(strstr(out, " event=request path=/health status=200\n"));
	assert_int_equal(count_char(out, '\n'), 1);
	assert_int_equal(out[strlen(out) - 1], '\n');
}

static void
lines_below_the_level_are_not_written(void **state)
{
	struct hs_logline l;

	hs_log_setup("unit", HS_LOG_WARN);
	hs_log_begin(&l, HS_LOG_INFO, "quiet");
	assert_int_equal(l.on, 0);
	hs_log_str(&l, "k", "v");
	hs_log_int(&l, "n", 1);
	hs_log_ms(&l, "ms", 1.0);
	hs_log_end(&l);
	hs_log_msg(HS_LOG_DEBUG, "quiet", "nothing");
	assert_string_equal(logged(state), "");
	hs_log_msg(HS_LOG_ERROR, "loud", "something");
	assert_non_null(strstr(logged(state), "level=error"));
	assert_non_null(strstr(logged(state), "event=loud msg=something\n"));
}

static void
values_with_spaces_quotes_and_equals_are_quoted_and_escaped(void **state)
{
	struct hs_logline l;

	hs_log_begin(&l, HS_LOG_INFO, "e");
	hs_log_str(&l, "a", "two words");
	hs_log_str(&l, "b", "say \"hi\"");
	hs_log_str(&l, "c", "k=v");
	hs_log_str(&l, "d", "back\\slash");
	hs_log_end(&l);
	assert_non_null(strstr(logged(state), " a=\"two words\" "
	    "b=\"say \\\"hi\\\"\" c=\"k=v\" d=\"back\\\\slash\"\n"));
}

static void
newlines_cannot_forge_a_second_line(void **state)
{
	struct hs_logline l;

	hs_log_begin(&l, HS_LOG_INFO, "e");
	hs_log_str(&l, "path", "/x\nts=0 level=error event=forged\r\x7f");
	hs_log_end(&l);
	assert_int_equal(count_char(logged(state), '\n'), 1);
	assert_int_equal(count_char(logged(state), '\r'), 0);
	assert_non_null(strstr(logged(state),
	    "path=\"/x\\x0ats=0 level=error event=forged\\x0d\\x7f\"\n"));
}

static void
empty_and_null_values_are_an_empty_quoted_string(void **state)
{
	struct hs_logline l;

	hs_log_begin(&l, HS_LOG_INFO, "e");
	hs_log_str(&l, "a", "");
	hs_log_str(&l, "b", NULL);
	hs_log_end(&l);
	assert_non_null(strstr(logged(state), " a=\"\" b=\"\"\n"));
}

static void
utf8_values_are_quoted_and_kept(void **state)
{
	struct hs_logline l;

	hs_log_begin(&l, HS_LOG_INFO, "e");
	hs_log_str(&l, "name", "P\xc3\xa9rez");
	hs_log_end(&l);
	assert_non_null(strstr(logged(state), " name=\"P\xc3\xa9rez\"\n"));
}

static void
numbers_and_durations_are_formatted(void **state)
{
	struct hs_logline l;

	hs_log_begin(&l, HS_LOG_INFO, "e");
	hs_log_int(&l, "n", -9223372036854775807LL - 1);
	hs_log_ms(&l, "ms", 1.5);
	hs_log_end(&l);
	assert_non_null(strstr(logged(state),
	    " n=-9223372036854775808 ms=1.500\n"));
}

static void
overlong_line_is_cut_not_split(void **state)
{
	struct hs_logline l;
	char big[3 * HS_LOGLINE_MAX];
	const char *out;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	hs_log_begin(&l, HS_LOG_INFO, "e");
	hs_log_str(&l, "big", big);
	hs_log_str(&l, "after", "lost");
	hs_log_end(&l);
	out = logged(state);
	assert_int_equal(strlen(out), HS_LOGLINE_MAX - 1);
	assert_int_equal(count_char(out, '\n'), 1);
	assert_int_equal(out[strlen(out) - 1], '\n');
	assert_null(strstr(out, "after="));
}

static void
overlong_escaped_line_stays_within_the_buffer(void **state)
{
	struct hs_logline l;
	char big[HS_LOGLINE_MAX];

	memset(big, '\n', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	hs_log_begin(&l, HS_LOG_INFO, "e");
	hs_log_str(&l, "nl", big);
	hs_log_end(&l);
	assert_true(strlen(logged(state)) <= HS_LOGLINE_MAX - 1);
	assert_int_equal(count_char(logged(state), '\n'), 1);
}

static void
two_lines_are_two_lines(void **state)
{
	hs_log_msg(HS_LOG_INFO, "one", "a");
	hs_log_msg(HS_LOG_WARN, "two", "b c");
	assert_int_equal(count_char(logged(state), '\n'), 2);
	assert_non_null(strstr(logged(state), "level=warn"));
	assert_non_null(strstr(logged(state), "event=two msg=\"b c\"\n"));
}

static void
level_names_parse_in_any_case(void **state)
{
	enum hs_log_level lvl = HS_LOG_ERROR;

	assert_int_equal(hs_log_parse_level("debug", &lvl), 0);
	assert_int_equal(lvl, HS_LOG_DEBUG);
	assert_int_equal(hs_log_parse_level("INFO", &lvl), 0);
	assert_int_equal(lvl, HS_LOG_INFO);
	assert_int_equal(hs_log_parse_level("Warn", &lvl), 0);
	assert_int_equal(lvl, HS_LOG_WARN);
	assert_int_equal(hs_log_parse_level("warning", &lvl), 0);
	assert_int_equal(lvl, HS_LOG_WARN);
	assert_int_equal(hs_log_parse_level("error", &lvl), 0);
	assert_int_equal(lvl, HS_LOG_ERROR);
	assert_int_equal(hs_log_parse_level("verbose", &lvl), -1);
	assert_int_equal(hs_log_parse_level("", &lvl), -1);
	assert_int_equal(lvl, HS_LOG_ERROR);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    line_has_the_fixed_fields_and_one_newline, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    lines_below_the_level_are_not_written, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    values_with_spaces_quotes_and_equals_are_quoted_and_escaped,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    newlines_cannot_forge_a_second_line, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    empty_and_null_values_are_an_empty_quoted_string, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    utf8_values_are_quoted_and_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    numbers_and_durations_are_formatted, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    overlong_line_is_cut_not_split, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    overlong_escaped_line_stays_within_the_buffer, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    two_lines_are_two_lines, setup, teardown),
		cmocka_unit_test(level_names_parse_in_any_case),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
