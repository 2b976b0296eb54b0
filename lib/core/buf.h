/*
 * core/buf.h - a growable byte buffer with a hard cap.
 *
 * Untrusted input (bodies, headers, log values) goes through these, so the
 * cap is part of the buffer: appending past it fails with HS_ETOOBIG and
 * leaves the contents as they were. The data is always NUL-terminated.
 */
#ifndef HS_BUF_H
#define HS_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "core/err.h"

struct hs_buf {
	char *data;	/* NUL-terminated; NULL until the first append */
	size_t len;
	size_t cap;	/* allocated bytes */
	size_t max;	/* hard cap on len */
};

void hs_buf_init(struct hs_buf *b, size_t max);
void hs_buf_release(struct hs_buf *b);
void hs_buf_reset(struct hs_buf *b);
enum hs_err hs_buf_reserve(struct hs_buf *b, size_t extra) HS_MUST_CHECK;
enum hs_err hs_buf_add(struct hs_buf *b, const void *p, size_t n) HS_MUST_CHECK;
enum hs_err hs_buf_adds(struct hs_buf *b, const char *s) HS_MUST_CHECK;
enum hs_err hs_buf_addf(struct hs_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3))) HS_MUST_CHECK;
enum hs_err hs_buf_vaddf(struct hs_buf *b, const char *fmt, va_list ap)
	HS_MUST_CHECK;
/* Hands the data over: the caller frees it; b is empty afterwards. */
char *hs_buf_take(struct hs_buf *b);
/* Never NULL: "" for an empty buffer. Borrowed. */
const char *hs_buf_str(const struct hs_buf *b);

#endif
