/*
 * core/term.c - terminal width and the progress line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/term.h"
#include "core/timefmt.h"
#include "core/banned.h"

#define REDRAW_MS 100.0	/* a person reads no faster; a tty is slow */
#define LINE_MAX_BYTES 512

/* The line on the screen (shown) or to show again after a log line. */
static struct {
	FILE *f;
	int shown;
	double drawn_at;
	char text[LINE_MAX_BYTES];
} line;

size_t
hs_term_cols(int fd)
{
	struct winsize ws;

	if (!isatty(fd) || ioctl(fd, TIOCGWINSZ, &ws) != 0)
		return 0;
	return ws.ws_col > HS_TERM_COLS_MAX ? HS_TERM_COLS_MAX : ws.ws_col;
}

size_t
hs_term_cols_env(const char *s)
{
	char *end;
	long v;

	if (!s || !*s)
		return 0;
	v = strtol(s, &end, 10);
	if (*end || v < 1 || v > HS_TERM_COLS_MAX)
		return 0;
	return (size_t)v;
}

static void
draw(void)
{
	size_t cols = hs_term_cols(fileno(line.f)), n = strlen(line.text);

	if (cols > 1 && n > cols - 1)
		n = cols - 1;
	fprintf(line.f, "\r%.*s\033[K", (int)n, line.text);
	fflush(line.f);
	line.shown = 1;
	line.drawn_at = hs_mono_ms_f();
}

void
hs_term_progress(FILE *f, const char *text, int force)
{
	if (line.f && line.f != f)
		hs_term_progress_end();
	line.f = f;
	snprintf(line.text, sizeof(line.text), "%s", text);
	if (force || !line.shown ||
	    hs_mono_ms_f() - line.drawn_at >= REDRAW_MS)
		draw();
}

void
hs_term_progress_clear(FILE *f)
{
	if (!line.f || line.f != f || !line.shown)
		return;
	fputs("\r\033[K", f);
	fflush(f);
	line.shown = 0;
}

void
hs_term_progress_end(void)
{
	if (!line.f)
		return;
	if (!line.shown)
		draw();
	fputc('\n', line.f);
	fflush(line.f);
	memset(&line, 0, sizeof(line));
}
