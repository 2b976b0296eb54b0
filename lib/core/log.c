/*
 * core/log.c - logfmt lines with escaped values, one write(2)-sized fputs each
 * so that lines from several processes do not interleave.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/term.h"
#include "core/timefmt.h"
#include "core/banned.h"

static const char *log_prog = "hookspool";
static enum hs_log_level log_level = HS_LOG_INFO;
static FILE *log_stream;

static const char *const level_names[] = { "debug", "info", "warn", "error" };

void
hs_log_setup(const char *prog, enum hs_log_level level)
{
	log_prog = prog;
	log_level = level;
}

void
hs_log_set_stream(FILE *f)
{
	log_stream = f;
}

int
hs_log_parse_level(const char *s, enum hs_log_level *out)
{
	if (!strcasecmp(s, "debug"))
		*out = HS_LOG_DEBUG;
	else if (!strcasecmp(s, "info"))
		*out = HS_LOG_INFO;
	else if (!strcasecmp(s, "warn") || !strcasecmp(s, "warning"))
		*out = HS_LOG_WARN;
	else if (!strcasecmp(s, "error"))
		*out = HS_LOG_ERROR;
	else
		return -1;
	return 0;
}

static void
put(struct hs_logline *l, const char *s, size_t n)
{
	/* Leave room for "\n\0"; a line that does not fit is cut, never split. */
	size_t room = sizeof(l->text) - 2 - l->len;

	if (n > room)
		n = room;
	memcpy(l->text + l->len, s, n);
	l->len += n;
}

static void
putc_escaped(struct hs_logline *l, unsigned char c)
{
	char tmp[5];

	if (c == '"' || c == '\\') {
		tmp[0] = '\\';
		tmp[1] = (char)c;
		put(l, tmp, 2);
	} else if (c < 0x20 || c == 0x7f) {
		snprintf(tmp, sizeof(tmp), "\\x%02x", c);
		put(l, tmp, 4);
	} else {
		tmp[0] = (char)c;
		put(l, tmp, 1);
	}
}

void
hs_log_begin(struct hs_logline *l, enum hs_log_level lvl, const char *event)
{
	char ts[40];

	l->on = lvl >= log_level;
	l->len = 0;
	if (!l->on)
		return;
	hs_time_iso(hs_now_ms(), ts, sizeof(ts));
	l->len = (size_t)snprintf(l->text, sizeof(l->text),
	    "ts=%s level=%s prog=%s pid=%ld event=", ts, level_names[lvl],
	    log_prog, (long)getpid());
	if (l->len >= sizeof(l->text) - 2)
		l->len = sizeof(l->text) - 2;
	hs_log_str(l, NULL, event);
}

void
hs_log_str(struct hs_logline *l, const char *key, const char *val)
{
	const unsigned char *p;
	int quote = 0;

	if (!l->on)
		return;
	if (key) {
		put(l, " ", 1);
		put(l, key, strlen(key));
		put(l, "=", 1);
	}
	if (!val)
		val = "";
	for (p = (const unsigned char *)val; *p; p++)
		if (*p <= ' ' || *p == '"' || *p == '=' || *p == '\\' ||
		    *p >= 0x7f)
			quote = 1;
	if (!*val)
		quote = 1;
	if (quote)
		put(l, "\"", 1);
	for (p = (const unsigned char *)val; *p; p++)
		putc_escaped(l, *p);
	if (quote)
		put(l, "\"", 1);
}

void
hs_log_int(struct hs_logline *l, const char *key, int64_t val)
{
	char tmp[32];

	if (!l->on)
		return;
	snprintf(tmp, sizeof(tmp), "%" PRId64, val);
	hs_log_str(l, key, tmp);
}

void
hs_log_ms(struct hs_logline *l, const char *key, double ms)
{
	char tmp[32];

	if (!l->on)
		return;
	snprintf(tmp, sizeof(tmp), "%.3f", ms);
	hs_log_str(l, key, tmp);
}

void
hs_log_end(struct hs_logline *l)
{
	FILE *f = log_stream ? log_stream : stderr;

	if (!l->on)
		return;
	l->text[l->len++] = '\n';
	l->text[l->len] = '\0';
	hs_term_progress_clear(f);	/* never glued to a progress line */
	fwrite(l->text, 1, l->len, f);
	fflush(f);
}

void
hs_log_msg(enum hs_log_level lvl, const char *event, const char *msg)
{
	struct hs_logline l;

	hs_log_begin(&l, lvl, event);
	hs_log_str(&l, "msg", msg);
	hs_log_end(&l);
}
