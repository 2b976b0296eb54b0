/*
 * core/log.h - one structured line per event, logfmt style, on stderr.
 *
 * Web servers route a FastCGI application's stderr to their error log, so
 * stderr is where an admin looks. A line is built field by field: values
 * are quoted and escaped here, so a hostile path or header cannot forge a
 * second line. Callers never pass secrets or bodies.
 *
 *   struct hs_logline l;
 *   hs_log_begin(&l, HS_LOG_INFO, "request");
 *   hs_log_str(&l, "path", path);
 *   hs_log_int(&l, "status", 202);
 *   hs_log_end(&l);
 */
#ifndef HS_LOG_H
#define HS_LOG_H

#include <stdint.h>
#include <stdio.h>

enum hs_log_level { HS_LOG_DEBUG, HS_LOG_INFO, HS_LOG_WARN, HS_LOG_ERROR };

#define HS_LOGLINE_MAX 1024

struct hs_logline {
	int on;		/* 0 when below the level: every call is a no-op */
	size_t len;
	char text[HS_LOGLINE_MAX];
};

/* Process-wide settings: the program name shown in each line, the level. */
void hs_log_setup(const char *prog, enum hs_log_level level);
void hs_log_set_stream(FILE *f);
/* 0 on success; accepts debug, info, warn, warning, error (any case). */
int  hs_log_parse_level(const char *s, enum hs_log_level *out);

void hs_log_begin(struct hs_logline *l, enum hs_log_level lvl,
                  const char *event);
void hs_log_str(struct hs_logline *l, const char *key, const char *val);
void hs_log_int(struct hs_logline *l, const char *key, int64_t val);
void hs_log_ms(struct hs_logline *l, const char *key, double ms);
void hs_log_end(struct hs_logline *l);

/* Shorthand for a line with one message field. */
void hs_log_msg(enum hs_log_level lvl, const char *event, const char *msg);

#endif
