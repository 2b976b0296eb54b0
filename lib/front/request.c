/*
 * front/request.c - CGI meta-variables into struct hs_request.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "front/request.h"
#include "core/timefmt.h"
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
	return HS_OK;
}

void
hs_request_release(struct hs_request *r)
{
	free(r->path);
	r->path = NULL;
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
