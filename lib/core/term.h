/*
 * core/term.h - what a program asks of the terminal: its width, and one
 * progress line that redraws in place.
 *
 * Output for a person differs from output for a pipe: a table fits the
 * window, a long run shows where it is. Both are decided by whether the
 * stream is a terminal, so cron, scripts and tests, which never have one,
 * keep the plain lines they parse.
 *
 * The progress line is process-wide: there is one terminal, and a log
 * line written under it must first wipe it (core/log.c calls
 * hs_term_progress_clear), or the two end up glued on one line.
 */
#ifndef HS_TERM_H
#define HS_TERM_H

#include <stddef.h>
#include <stdio.h>

#define HS_TERM_COLS_MAX 4096	/* wider than any window; bounds $COLUMNS */

/* The window's columns when fd is a terminal (TIOCGWINSZ), else 0. */
size_t hs_term_cols(int fd);
/* $COLUMNS as a number from 1 to HS_TERM_COLS_MAX, else 0 (s may be
 * NULL). */
size_t hs_term_cols_env(const char *s);

/*
 * Shows text as the progress line on f (a terminal): back to column 0,
 * at most the window's width minus one (a line that wraps cannot be
 * redrawn), rest of the line erased. Redraws at most ten times a
 * second unless force. text is ASCII.
 */
void hs_term_progress(FILE *f, const char *text, int force);
/* Wipes the progress line if one is showing on f; the next
 * hs_term_progress draws it again. */
void hs_term_progress_clear(FILE *f);
/* Leaves the last progress line on the screen and ends it. */
void hs_term_progress_end(void);

#endif
