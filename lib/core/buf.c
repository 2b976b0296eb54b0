/*
 * core/buf.c - bounded growable buffer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/banned.h"

void
hs_buf_init(struct hs_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void
hs_buf_release(struct hs_buf *b)
{
	free(b->data);
	hs_buf_init(b, b->max);
}

void
hs_buf_reset(struct hs_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

enum hs_err
hs_buf_reserve(struct hs_buf *b, size_t extra)
{
	size_t want, ncap;
	char *p;

	if (extra > b->max || b->len > b->max - extra)
		return HS_ETOOBIG;
	want = b->len + extra + 1;
	if (want <= b->cap)
		return HS_OK;
	ncap = b->cap ? b->cap : 64;
	while (ncap < want)
		ncap *= 2;
	if (ncap > b->max + 1)
		ncap = b->max + 1;
	p = realloc(b->data, ncap);
	if (!p)
		return HS_ENOMEM;
	b->data = p;
	b->cap = ncap;
	return HS_OK;
}

enum hs_err
hs_buf_add(struct hs_buf *b, const void *p, size_t n)
{
	enum hs_err rc = hs_buf_reserve(b, n);

	if (rc != HS_OK)
		return rc;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return HS_OK;
}

enum hs_err
hs_buf_adds(struct hs_buf *b, const char *s)
{
	return hs_buf_add(b, s, strlen(s));
}

enum hs_err
hs_buf_vaddf(struct hs_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;
	enum hs_err rc;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return HS_EINVAL;
	rc = hs_buf_reserve(b, (size_t)n);
	if (rc != HS_OK)
		return rc;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return HS_OK;
}

enum hs_err
hs_buf_addf(struct hs_buf *b, const char *fmt, ...)
{
	va_list ap;
	enum hs_err rc;

	va_start(ap, fmt);
	rc = hs_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return rc;
}

char *
hs_buf_take(struct hs_buf *b)
{
	char *p = b->data;

	if (!p)
		p = calloc(1, 1);
	hs_buf_init(b, b->max);
	return p;
}

const char *
hs_buf_str(const struct hs_buf *b)
{
	return b->data ? b->data : "";
}
