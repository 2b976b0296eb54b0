/*
 * test_term.c - the terminal's width from the window or from $COLUMNS
 * within bounds, and the progress line: redrawn in place from column 0,
 * never wider than the window (a wrapped line cannot be redrawn), at most
 * ten times a second, and wiped before a log line so the two never share
 * a line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/log.h"
#include "core/term.h"

static void
columns_from_the_environment_are_bounded(void **state)
{
	(void)state;
	assert_int_equal(hs_term_cols_env("120"), 120);
	assert_int_equal(hs_term_cols_env(NULL), 0);
	assert_int_equal(hs_term_cols_env(""), 0);
	assert_int_equal(hs_term_cols_env("0"), 0);
	assert_int_equal(hs_term_cols_env("-5"), 0);
	assert_int_equal(hs_term_cols_env("80x"), 0);
	assert_int_equal(hs_term_cols_env("99999"), 0);
}

static void
a_file_is_no_terminal_and_has_no_width(void **state)
{
	FILE *f = tmpfile();

	(void)state;
	assert_non_null(f);
	assert_int_equal(hs_term_cols(fileno(f)), 0);
	fclose(f);
}

/* A pseudo-terminal of cols columns: *master to read, the slave as a
 * FILE to write to. */
static FILE *
pty(size_t cols, int *master)
{
	struct winsize ws = { 24, (unsigned short)cols, 0, 0 };
	struct termios t;
	int s;

	*master = posix_openpt(O_RDWR | O_NOCTTY);
	assert_true(*master >= 0);
	assert_int_equal(grantpt(*master), 0);
	assert_int_equal(unlockpt(*master), 0);
	s = open(ptsname(*master), O_RDWR | O_NOCTTY);
	assert_true(s >= 0);
	assert_int_equal(tcgetattr(s, &t), 0);
	cfmakeraw(&t);	/* "\n" stays "\n" */
	assert_int_equal(tcsetattr(s, TCSANOW, &t), 0);
	assert_int_equal(ioctl(s, TIOCSWINSZ, &ws), 0);
	return fdopen(s, "w");
}

static size_t
drain(int master, char *buf, size_t n)
{
	ssize_t got;
	size_t len = 0;

	fcntl(master, F_SETFL, O_NONBLOCK);
	while (len < n - 1 && (got = read(master, buf + len,
	    n - 1 - len)) > 0)
		len += (size_t)got;
	buf[len] = '\0';
	return len;
}

static void
the_window_width_is_read_from_a_terminal(void **state)
{
	int m;
	FILE *f = pty(97, &m);

	(void)state;
	assert_int_equal(hs_term_cols(fileno(f)), 97);
	fclose(f);
	close(m);
}

static void
progress_redraws_from_column_0_within_the_window(void **state)
{
	char buf[1024], text[200];
	int m;
	FILE *f = pty(40, &m);

	(void)state;
	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	hs_term_progress(f, "first", 1);
	hs_term_progress(f, text, 1);
	hs_term_progress_end();
	drain(m, buf, sizeof(buf));
	/* 39 of the 199 x: one short of the window, so it never wraps */
	assert_string_equal(buf, "\rfirst\033[K\r"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\033[K\n");
	fclose(f);
	close(m);
}

static void
progress_redraws_at_most_ten_times_a_second(void **state)
{
	char buf[1024];
	int m;
	FILE *f = pty(80, &m);

	(void)state;
	hs_term_progress(f, "1/3", 0);
	hs_term_progress(f, "2/3", 0);	/* within 100 ms: not drawn */
	hs_term_progress(f, "3/3", 1);	/* forced */
	hs_term_progress_clear(f);
	drain(m, buf, sizeof(buf));
	assert_string_equal(buf, "\r1/3\033[K\r3/3\033[K\r\033[K");
	fclose(f);
	close(m);
}

static void
a_log_line_wipes_the_progress_line_first(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	hs_log_set_stream(f);
	hs_term_progress(f, "sink [##..] 2/4", 1);
	hs_log_msg(HS_LOG_WARN, "run", "something");
	hs_term_progress(f, "sink [####] 4/4", 0);	/* shown again */
	hs_term_progress_end();
	hs_log_set_stream(NULL);
	fclose(f);
	assert_non_null(strstr(text, "2/4\033[K\r\033[Kts="));
	assert_non_null(strstr(text, "msg=something\n\rsink [####] 4/4"));
	assert_string_equal(text + len - 1, "\n");
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(columns_from_the_environment_are_bounded),
		cmocka_unit_test(a_file_is_no_terminal_and_has_no_width),
		cmocka_unit_test(the_window_width_is_read_from_a_terminal),
		cmocka_unit_test(
		    progress_redraws_from_column_0_within_the_window),
		cmocka_unit_test(progress_redraws_at_most_ten_times_a_second),
		cmocka_unit_test(a_log_line_wipes_the_progress_line_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
