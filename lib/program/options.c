/*
 * program/options.c - getopt_long driven by an option table (options.h).
 *
 * getopt_long is told to stay silent (leading ':' and opterr = 0) so the
 * tool's own messages are the only ones, and to hand back the other
 * arguments in place (leading '-') rather than permute them: the command
 * and its target keep their order, POSIXLY_CORRECT or not.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "program/options.h"
#include "core/banned.h"

/* getopt_long's value for row i without a short name: past any char. */
#define LONG_VAL(i)	(256 + (i))

static int bad(const struct hs_opts *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* One usage message on stderr; -1. */
static int
bad(const struct hs_opts *p, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", p->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

static int
count(const struct hs_opts *p)
{
	int n = 0;

	while (p->tab[n].name && n < HS_OPTS_MAX)
		n++;
	return n;
}

int
hs_opts_index(const struct hs_opts *p, const char *name)
{
	int i;

	if (!strncmp(name, "--", 2))
		name += 2;
	for (i = 0; i < count(p); i++)
		if (!strcmp(p->tab[i].name, name))
			return i;
	return -1;
}

/* The row getopt_long's value val stands for, or -1. */
static int
row_of(const struct hs_opts *p, int val)
{
	int i, n = count(p);

	if (val >= LONG_VAL(0))
		return val - LONG_VAL(0) < n ? val - LONG_VAL(0) : -1;
	for (i = 0; val && i < n; i++)
		if (p->tab[i].short_name == val)
			return i;
	return -1;
}

/* getopt_long's tables for p: longs[n + 1] and "-:" + the short names. */
static void
build(const struct hs_opts *p, struct option *longs, char *shorts)
{
	const struct hs_opt *o;
	char *s = shorts;
	int i;

	*s++ = '-';
	*s++ = ':';
	for (i = 0; i < count(p); i++) {
		o = &p->tab[i];
		longs[i].name = o->name;
		longs[i].has_arg = o->type == HS_OPT_FLAG ? no_argument :
		    required_argument;
		longs[i].flag = NULL;
		longs[i].val = o->short_name ? o->short_name : LONG_VAL(i);
		if (o->short_name) {
			*s++ = (char)o->short_name;
			if (o->type != HS_OPT_FLAG)
				*s++ = ':';
		}
	}
	memset(&longs[i], 0, sizeof(longs[i]));
	*s = '\0';
}

/* Stores row i's value (optarg for a NUM or TEXT) into out. */
static int
store(const struct hs_opts *p, int i, const char *arg, void *out)
{
	const struct hs_opt *o = &p->tab[i];
	void *at = (char *)out + o->off;

	if (o->type == HS_OPT_FLAG)
		*(int *)at = 1;
	else if (o->type == HS_OPT_TEXT)
		*(const char **)at = arg;
	else if (hs_parse_long(arg, o->min, o->max, (long *)at))
		return bad(p, "--%s needs a whole number from %ld", o->name,
		    o->min);
	return 0;
}

/* The message for getopt_long's '?' or ':' on argv[optind - 1]. */
static int
refuse(const struct hs_opts *p, int c, const char *word)
{
	int i = row_of(p, optopt);
	size_t n = strcspn(word, "=");

	if (i < 0 && optopt && optopt < LONG_VAL(0))
		return bad(p, "unknown option '-%c'", optopt);
	if (i < 0)
		return bad(p, "unknown option '%.*s'", (int)n, word);
	if (c == '?')
		return bad(p, "--%s takes no value", p->tab[i].name);
	if (p->tab[i].type == HS_OPT_NUM)
		return bad(p, "--%s needs a whole number from %ld",
		    p->tab[i].name, p->tab[i].min);
	return bad(p, "--%s needs a value", p->tab[i].name);
}

/* One more argument that is not an option; -1 past maxpos. */
static int
positional(const struct hs_opts *p, const char *arg, const char **pos,
           int maxpos, int *npos)
{
	if (*npos >= maxpos)
		return bad(p, "unexpected argument '%s'", arg);
	pos[(*npos)++] = arg;
	return 0;
}

int
hs_opts_parse(const struct hs_opts *p, int argc, char **argv, void *out,
              uint64_t *given, const char **pos, int maxpos, int *npos)
{
	struct option longs[HS_OPTS_MAX + 1];
	char shorts[2 + 2 * HS_OPTS_MAX + 1];
	int c, i;

	*given = 0;
	*npos = 0;
	build(p, longs, shorts);
	opterr = 0;
	optind = 0;	/* glibc: start afresh, even after an earlier parse */
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		if (c == 1) {
			if (positional(p, optarg, pos, maxpos, npos))
				return -1;
			continue;
		}
		if (c == '?' || c == ':')
			return refuse(p, c, argv[optind - 1]);
		i = row_of(p, c);
		if (i < 0)
			return bad(p, "unknown option '%s'", argv[optind - 1]);
		*given |= (uint64_t)1 << i;
		if (store(p, i, optarg, out))
			return -1;
	}
	for (; optind < argc; optind++)	/* after "--" */
		if (positional(p, argv[optind], pos, maxpos, npos))
			return -1;
	return 0;
}

int
hs_opts_check_groups(const struct hs_opts *p, uint64_t given, unsigned bit)
{
	int i;

	for (i = 0; i < count(p); i++)
		if ((given & ((uint64_t)1 << i)) && !(p->tab[i].groups & bit))
			return bad(p, "--%s does not apply to this command",
			    p->tab[i].name);
	return 0;
}

void
hs_opts_wrap(FILE *f, const char *text, int indent, int width)
{
	int n, first = 1;

	while (*text) {
		n = (int)strlen(text);
		if (width > 0 && n > width) {
			for (n = width; n > 0 && text[n] != ' '; n--)
				;
			if (n == 0)
				n = width;
		}
		fprintf(f, "%*s%.*s\n", first ? 0 : indent, "", n, text);
		first = 0;
		text += n;
		while (*text == ' ')
			text++;
	}
}

void
hs_opts_help(FILE *f, const struct hs_opts *p, unsigned want, int col,
             int width)
{
	const struct hs_opt *o;
	char left[48];
	int i;

	for (i = 0; i < count(p); i++) {
		o = &p->tab[i];
		if ((o->groups & want) != want)
			continue;
		if (o->short_name)
			snprintf(left, sizeof(left), "-%c, --%s%s%s",
			    o->short_name, o->name, o->arg ? " " : "",
			    o->arg ? o->arg : "");
		else
			snprintf(left, sizeof(left), "--%s%s%s", o->name,
			    o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(f, "  %-*s ", col, left);
		hs_opts_wrap(f, o->help, col + 3, width);
	}
}
