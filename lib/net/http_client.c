/*
 * net/http_client.c - requests over one reused libcurl easy handle.
 *
 * The handle is reset before each request (curl_easy_reset keeps its
 * live connections, TLS sessions and DNS cache) and every option is set
 * again, so no request inherits the method, headers or body of the one
 * before. The answer's body goes into a capped buffer: past the cap the
 * write callback refuses the data, libcurl aborts the transfer and closes
 * that connection, and memory never grows beyond the cap.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "core/buf.h"
#include "core/timefmt.h"
#include "net/http_client.h"
#include "net/retry_after.h"
#include "core/banned.h"

#define METHOD_MAX	16	/* "GET", "PROPFIND"...: letters only */
#define BODY_KEEP	(64 * 1024)	/* a larger buffer is freed after use */

struct hs_http {
	CURL *e;
	struct hs_buf body;
	char *ca_file;
	long timeout_ms, connect_ms;
	int global_init;
	enum hs_err body_err;	/* why on_body refused data, or HS_OK */
	char retry_after[HS_HTTP_HEADER_LEN];
	char errbuf[CURL_ERROR_SIZE];
};

static size_t
on_body(char *p, size_t size, size_t n, void *ud)
{
	struct hs_http *h = ud;
	enum hs_err rc;

	(void)size;	/* always 1 */
	rc = hs_buf_add(&h->body, p, n);
	if (rc != HS_OK) {
		h->body_err = rc;
		return 0;	/* CURLE_WRITE_ERROR: the transfer stops */
	}
	return n;
}

/* Keeps Retry-After's value, trimmed and printable; a new status line
 * (an interim 1xx answer came first) forgets what came before it. */
static size_t
on_header(char *line, size_t size, size_t n, void *ud)
{
	struct hs_http *h = ud;
	size_t k = strlen("retry-after:"), v = 0, e;

	(void)size;
	if (n >= 5 && memcmp(line, "HTTP/", 5) == 0)
		h->retry_after[0] = '\0';
	if (n <= k || strncasecmp(line, "retry-after:", k) != 0)
		return n;
	while (k < n && isspace((unsigned char)line[k]))
		k++;
	for (e = n; e > k && isspace((unsigned char)line[e - 1]); e--)
		;
	for (; k < e && v + 1 < sizeof(h->retry_after); k++)
		h->retry_after[v++] = iscntrl((unsigned char)line[k]) ?
		    ' ' : line[k];
	h->retry_after[v] = '\0';
	return n;
}

void
hs_http_free(struct hs_http *h)
{
	if (!h)
		return;
	if (h->e)
		curl_easy_cleanup(h->e);
	if (h->global_init)
		curl_global_cleanup();
	hs_buf_release(&h->body);
	free(h->ca_file);
	free(h);
}

void
hs_http_prepare(void)
{
	/* Never cleaned up: the reference it holds keeps the rest cheap. */
	(void)curl_global_init(CURL_GLOBAL_DEFAULT);
}

enum hs_err
hs_http_new(struct hs_http **out, const struct hs_http_opts *o)
{
	struct hs_http *h;
	enum hs_err rc = HS_OK;

	*out = NULL;
	if (!(h = calloc(1, sizeof(*h))))
		return HS_ENOMEM;
	hs_buf_init(&h->body, o->body_max);
	h->timeout_ms = o->timeout_ms;
	h->connect_ms = o->connect_timeout_ms < o->timeout_ms ?
	    o->connect_timeout_ms : o->timeout_ms;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		rc = HS_ENOMEM;
	h->global_init = rc == HS_OK;
	if (rc == HS_OK && o->ca_file && !(h->ca_file = strdup(o->ca_file)))
		rc = HS_ENOMEM;
	if (rc == HS_OK && !(h->e = curl_easy_init()))
		rc = HS_ENOMEM;
	if (rc == HS_OK)
		*out = h;
	else
		hs_http_free(h);
	return rc;
}

static int
method_ok(const char *m)
{
	size_t i;

	for (i = 0; m && m[i]; i++)
		if (i + 1 >= METHOD_MAX || !isupper((unsigned char)m[i]))
			return 0;
	return m && i > 0;
}

/* One header line: non-empty, no CR or LF that would start another. */
static int
header_ok(const char *line)
{
	return *line && !strpbrk(line, "\r\n");
}

/* The request's header list for libcurl into *out (caller frees it). */
static enum hs_err
header_list(const struct hs_http_req *rq, struct curl_slist **out)
{
	struct curl_slist *l, *n;
	size_t i;

	/* No "Expect: 100-continue" wait before a large body. */
	if (!(l = curl_slist_append(NULL, "Expect:")))
		return HS_ENOMEM;
	for (i = 0; rq->headers && rq->headers[i]; i++) {
		if (!header_ok(rq->headers[i])) {
			curl_slist_free_all(l);
			return HS_EINVAL;
		}
		if (!(n = curl_slist_append(l, rq->headers[i]))) {
			curl_slist_free_all(l);
			return HS_ENOMEM;
		}
		l = n;
	}
	*out = l;
	return HS_OK;
}

#define SET(opt, val) \
	do { if (cc == CURLE_OK) cc = curl_easy_setopt(h->e, opt, val); } \
	while (0)

/* The method and its body: libcurl has one switch per kind. */
static CURLcode
set_method(struct hs_http *h, const struct hs_http_req *rq)
{
	CURLcode cc = CURLE_OK;

	if (rq->body || strcmp(rq->method, "POST") == 0) {
		SET(CURLOPT_POST, 1L);
		SET(CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
		SET(CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)(rq->body ? rq->body_len : 0));
		if (strcmp(rq->method, "POST") != 0)
			SET(CURLOPT_CUSTOMREQUEST, rq->method);
	} else if (strcmp(rq->method, "HEAD") == 0)
		SET(CURLOPT_NOBODY, 1L);
	else if (strcmp(rq->method, "GET") != 0)
		SET(CURLOPT_CUSTOMREQUEST, rq->method);
	return cc;
}

static CURLcode
prepare(struct hs_http *h, const struct hs_http_req *rq,
        struct curl_slist *hdrs)
{
	CURLcode cc = CURLE_OK;

	curl_easy_reset(h->e);
	SET(CURLOPT_URL, rq->url);
	SET(CURLOPT_HTTPHEADER, hdrs);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_TIMEOUT_MS, h->timeout_ms);
	SET(CURLOPT_CONNECTTIMEOUT_MS, h->connect_ms);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, (void *)h);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, (void *)h);
	SET(CURLOPT_ERRORBUFFER, h->errbuf);
	SET(CURLOPT_ACCEPT_ENCODING, "");
	if (h->ca_file)
		SET(CURLOPT_CAINFO, h->ca_file);
	if (cc == CURLE_OK)
		cc = set_method(h, rq);
	return cc;
}

static void
set_error(struct hs_http_resp *resp, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
set_error(struct hs_http_resp *resp, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	vsnprintf(resp->error, sizeof(resp->error), fmt, ap);
	va_end(ap);
	for (p = resp->error; *p; p++)	/* one line, printable */
		if (iscntrl((unsigned char)*p))
			*p = ' ';
}

/* A transfer that got no whole answer: which error, and why as text. */
static enum hs_err
transport_error(const struct hs_http *h, CURLcode cc,
                struct hs_http_resp *resp)
{
	resp->status = 0;
	if (cc == CURLE_WRITE_ERROR && h->body_err == HS_ETOOBIG) {
		set_error(resp, "answer larger than %zu bytes", h->body.max);
		return HS_ETOOBIG;
	}
	if (cc == CURLE_OUT_OF_MEMORY || (cc == CURLE_WRITE_ERROR &&
	    h->body_err == HS_ENOMEM)) {
		set_error(resp, "out of memory");
		return HS_ENOMEM;
	}
	set_error(resp, "%s: %.160s", curl_easy_strerror(cc),
	          h->errbuf[0] ? h->errbuf : "no detail");
	if (cc == CURLE_OPERATION_TIMEDOUT)
		return HS_ETIMEOUT;
	if (cc == CURLE_URL_MALFORMAT || cc == CURLE_UNSUPPORTED_PROTOCOL ||
	    cc == CURLE_BAD_FUNCTION_ARGUMENT)
		return HS_EINVAL;
	return HS_EIO;
}

/* Empties the body buffer for the next answer; a large one is freed. */
static void
body_reset(struct hs_http *h)
{
	if (h->body.cap > BODY_KEEP)
		hs_buf_release(&h->body);
	else
		hs_buf_reset(&h->body);
}

/*
 * When the request's first byte went out, on hs_mono_ms_f()'s clock: the
 * transfer's end less its length gives its start (read after the end, so
 * never earlier than the truth), plus the time it took to get ready to
 * send (connecting, TLS). 0 when libcurl cannot say.
 */
static double
sent_at(struct hs_http *h)
{
	double end = hs_mono_ms_f();
	curl_off_t total = 0, pre = 0;

	if (curl_easy_getinfo(h->e, CURLINFO_TOTAL_TIME_T, &total) !=
	    CURLE_OK || curl_easy_getinfo(h->e, CURLINFO_PRETRANSFER_TIME_T,
	    &pre) != CURLE_OK || pre <= 0 || pre > total)
		return 0;
	return end - (double)total / 1000.0 + (double)pre / 1000.0;
}

enum hs_err
hs_http_send(struct hs_http *h, const struct hs_http_req *rq,
             int64_t now_ms, struct hs_http_resp *resp)
{
	struct curl_slist *hdrs = NULL;
	enum hs_err rc;
	CURLcode cc = CURLE_OK;
	long status = 0, conns = 0;

	memset(resp, 0, sizeof(*resp));
	resp->retry_after_ms = -1;
	resp->body = "";
	body_reset(h);
	h->body_err = HS_OK;
	h->retry_after[0] = h->errbuf[0] = '\0';
	rc = method_ok(rq->method) && rq->url ? HS_OK : HS_EINVAL;
	if (rc == HS_OK)
		rc = header_list(rq, &hdrs);
	if (rc != HS_OK) {
		set_error(resp, "%s", rc == HS_EINVAL ? "request not usable "
		          "(method, URL or a header line)" : "out of memory");
		return rc;
	}
	cc = prepare(h, rq, hdrs);
	if (cc == CURLE_OK)
		cc = curl_easy_perform(h->e);
	resp->sent_at_ms = sent_at(h);
	if (curl_easy_getinfo(h->e, CURLINFO_NUM_CONNECTS, &conns) == CURLE_OK)
		resp->new_connections = conns;
	if (cc == CURLE_OK)
		cc = curl_easy_getinfo(h->e, CURLINFO_RESPONSE_CODE, &status);
	if (cc == CURLE_OK) {
		resp->status = (int)status;
		memcpy(resp->retry_after, h->retry_after,
		       sizeof(resp->retry_after));
		if (resp->retry_after[0])
			resp->retry_after_ms = hs_retry_after_ms(
			    resp->retry_after, now_ms);
		resp->body = hs_buf_str(&h->body);
		resp->body_len = h->body.len;
	} else
		rc = transport_error(h, cc, resp);
	/* The list must outlive the transfer; the handle forgets it first. */
	curl_easy_setopt(h->e, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
	curl_slist_free_all(hdrs);
	return rc;
}
