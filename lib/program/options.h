/*
 * program/options.h - the command-line options of the tools, from one table.
 *
 * One table drives both parsing and --help, so an option cannot be
 * documented and not parsed or the other way round. Parsing is
 * getopt_long's: "--opt value" and "--opt=value", options before, between
 * or after the other arguments, "--" ending the options, and unambiguous
 * abbreviations of long names. Messages are the tool's own
 * ("PROG: unknown option '--x'"), never getopt's.
 *
 * A tool with commands (spoolctl) tags each option with the commands it
 * applies to (a bit per command in groups), parses once with the whole
 * table, then checks what was given against the command named.
 */
#ifndef HS_OPTIONS_H
#define HS_OPTIONS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum hs_opt_type {
	HS_OPT_FLAG,	/* int, set to 1 */
	HS_OPT_NUM,	/* long, a whole number within [min, max] */
	HS_OPT_TEXT,	/* const char *, borrowed from argv */
};

struct hs_opt {
	const char *name;	/* long name without "--"; NULL ends a table */
	int short_name;		/* 'x' for -x, or 0 */
	const char *arg;	/* what the value is called in --help */
	const char *help;
	enum hs_opt_type type;
	size_t off;		/* where the value goes in the caller's struct */
	unsigned groups;	/* commands it applies to (0: a tool without) */
	long min, max;		/* HS_OPT_NUM bounds */
};

#define HS_OPTS_MAX 64	/* rows of a table: one bit each in *given */

struct hs_opts {
	const char *prog;		/* prefix of every message */
	const struct hs_opt *tab;
};

/*
 * Parses argv[1..argc) into out by the table. The other arguments (the
 * command, its target, everything after "--") go to pos[] in their order,
 * at most maxpos of them; *given gets bit i for each row i seen. Returns
 * 0, or -1 after one message on stderr: an unknown option, a missing or
 * bad value, a value given to a flag, too many arguments. argv may be
 * reordered; the strings stored in out and pos are argv's.
 */
int hs_opts_parse(const struct hs_opts *p, int argc, char **argv, void *out,
                  uint64_t *given, const char **pos, int maxpos, int *npos);

/*
 * Checks that every option in given applies to a command (its bit):
 * 0, or -1 after "PROG: --x does not apply to this command".
 */
int hs_opts_check_groups(const struct hs_opts *p, uint64_t given,
                         unsigned bit);

/* The index of the row named name ("--x" or "x"), or -1. */
int hs_opts_index(const struct hs_opts *p, const char *name);

/*
 * Prints the rows whose groups include every bit of want (0: every row),
 * one "  --name ARG   help" per row: the help starts at column col + 3
 * and, when width > 0, wraps at width characters.
 */
void hs_opts_help(FILE *f, const struct hs_opts *p, unsigned want, int col,
                  int width);

/* text in lines of at most width (0: no limit), each after indent spaces
 * but the first: how the help texts are laid out. */
void hs_opts_wrap(FILE *f, const char *text, int indent, int width);

#endif
