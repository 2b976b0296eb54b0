/*
 * front/request.c - CGI meta-variables into struct hs_request.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "front/request.h"
#include "core/timefmt.h"
#include "core/crypto.h"
#include "core/banned.h"

const char *
hs_request_param(const struct hs_request *r, const char *name)
{
	size_t n = strlen(name);
	char **e;

	for (e = r->envp; e && *e; e++)
		if (!strncmp(*e, name, n) && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

int
hs_request_param_count(const struct hs_request *r, const char *name)
{
	size_t n = strlen(name);
	char **e;
	int count = 0;

	for (e = r->envp; e && *e; e++)
		if (!strncmp(*e, name, n) && (*e)[n] == '=')
			count++;
	return count;
}

/*
 * Decodes s[0..n) into out and ends it with a NUL; out may be s, since
 * decoding never writes ahead of what it reads. 0, or -1 on a malformed
 * escape or an escaped NUL.
 */
static int
query_decode(const char *s, size_t n, char *out)
{
	size_t i;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if (s[i] == '+') {
			*out++ = ' ';
			continue;
		}
		if (s[i] != '%') {
			*out++ = s[i];
			continue;
		}
		if (i + 2 >= n)
			return -1;
		hi = hs_hex_digit(s[i + 1]);
		lo = hs_hex_digit(s[i + 2]);
		if (hi < 0 || lo < 0 || (hi | lo) == 0)
			return -1;
		*out++ = (char)(hi << 4 | lo);
		i += 2;
	}
	*out = '\0';
	return 0;
}

/* Splits one "name=value" of n bytes at s into r's next pair. */
static void
query_pair(struct hs_request *r, char *s, size_t n)
{
	char *eq = memchr(s, '=', n);
	size_t nn = eq ? (size_t)(eq - s) : n;
	const char *value = "";

	if (!nn || r->npairs >= HS_MAX_QUERY_PAIRS)
		return;
	if (query_decode(s, nn, s) != 0)
		return;
	if (eq) {
		value = eq + 1;
		if (query_decode(eq + 1, n - nn - 1, eq + 1) != 0)
			return;
	}
	r->pairs[r->npairs].name = s;
	r->pairs[r->npairs].value = value;
	r->npairs++;
}

/* The query string: QUERY_STRING, else what follows '?' in the URI. */
static enum hs_err
query_parse(struct hs_request *r)
{
	const char *qs = hs_request_param(r, "QUERY_STRING");
	char *p, *amp;
	size_t len;

	if (!qs)
		qs = strchr(r->uri, '?') ? strchr(r->uri, '?') + 1 : "";
	len = strlen(qs);
	if (!len || len > HS_MAX_QUERY_BYTES)
		return HS_OK;
	r->query = strndup(qs, len);
	if (!r->query)
		return HS_ENOMEM;
	for (p = r->query; p; p = amp ? amp + 1 : NULL) {
		amp = strchr(p, '&');
		query_pair(r, p, amp ? (size_t)(amp - p) : strlen(p));
	}
	return HS_OK;
}

const char *
hs_request_query(const struct hs_request *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->npairs; i++)
		if (!strcmp(r->pairs[i].name, name))
			return r->pairs[i].value;
	return NULL;
}

/* CONTENT_LENGTH: -1 when absent or empty, -2 when not a number. */
static long long
parse_length(const char *s)
{
	char *end;
	long long v;

	if (!s || !*s)
		return -1;
	if (*s < '0' || *s > '9')
		return -2;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return -2;
	return v;
}

enum hs_err
hs_request_init(struct hs_request *r, char **envp, hs_body_reader read,
                void *read_ctx)
{
	const char *q;
	size_t plen;

	memset(r, 0, sizeof(*r));
	r->envp = envp;
	r->read = read;
	r->read_ctx = read_ctx;
	r->received_ms = hs_now_ms();
	r->start_mono = hs_mono_ms_f();
	r->method = hs_request_param(r, "REQUEST_METHOD");
	if (!r->method)
		r->method = "GET";
	r->uri = hs_request_param(r, "REQUEST_URI");
	if (!r->uri || !*r->uri)
		r->uri = "/";
	q = strchr(r->uri, '?');
	plen = q ? (size_t)(q - r->uri) : strlen(r->uri);
	r->path = strndup(r->uri, plen);
	if (!r->path)
		return HS_ENOMEM;
	r->content_type = hs_request_param(r, "CONTENT_TYPE");
	r->content_length = parse_length(hs_request_param(r,
	    "CONTENT_LENGTH"));
	r->remote_addr = hs_request_param(r, "REMOTE_ADDR");
	if (!r->remote_addr)
		r->remote_addr = "";
	return query_parse(r);
}

void
hs_request_release(struct hs_request *r)
{
	free(r->path);
	free(r->query);
	r->path = NULL;
	r->query = NULL;
	r->npairs = 0;
}

enum hs_err
hs_request_read_body(struct hs_request *r, struct hs_buf *out)
{
	size_t want, left;
	long got;
	enum hs_err rc;

	if (r->content_length < 0)
		return HS_EINVAL;
	if ((unsigned long long)r->content_length > out->max)
		return HS_ETOOBIG;
	want = (size_t)r->content_length;
	rc = hs_buf_reserve(out, want);
	if (rc != HS_OK)
		return rc;
	while (out->len < want) {
		left = want - out->len;
		got = r->read ? r->read(r->read_ctx, out->data + out->len,
		    left) : 0;
		if (got < 0)
			return HS_EIO;
		if (got == 0)
			return HS_EINVAL;	/* shorter than announced */
		out->len += (size_t)got;
	}
	out->data[out->len] = '\0';
	return HS_OK;
}
