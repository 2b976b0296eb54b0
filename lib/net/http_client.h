/*
 * net/http_client.h - one HTTP client over libcurl easy, shared by every
 * sink that speaks JSON over HTTP (Odoo now; the Graph API, Chatwoot and
 * WuzAPI next).
 *
 * A client keeps one easy handle, so the connection a request opened stays
 * alive for the next one and a run pays the TCP and TLS handshakes once.
 * Every request is bounded: a connect timeout, a total timeout and a cap
 * on the answer's body, past which the transfer stops and the connection
 * is dropped. TLS peers are always verified; a CA file may replace the
 * system store, never the check. A request that got no answer says why
 * in one line of text a caller may log as is: libcurl's reason, which
 * names at most the host and port, never the path, query or credentials.
 *
 * The sink keeps what is its own: pacing, its request and answer formats,
 * how a status is classified. now_ms comes in only to turn an HTTP-date
 * Retry-After into a delay.
 */
#ifndef HS_NET_HTTP_CLIENT_H
#define HS_NET_HTTP_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define HS_HTTP_ERROR_LEN	200	/* resp.error, NUL included */
#define HS_HTTP_HEADER_LEN	64	/* resp.retry_after, NUL included */

struct hs_http_opts {
	long connect_timeout_ms;	/* TCP + TLS; at most timeout_ms */
	long timeout_ms;		/* one request, answer included */
	size_t body_max;		/* an answer's body, bytes */
	const char *ca_file;		/* NULL: the system's CA store */
};

/* One request; every field borrowed for the call. */
struct hs_http_req {
	const char *method;		/* "GET", "POST", "PUT", "PATCH"... */
	const char *url;		/* http:// or https:// only */
	/* "Name: value" lines, NULL-terminated (NULL: none), sent as
	 * given after the client's own "Expect:" (no 100-continue wait). */
	const char *const *headers;
	const void *body;		/* NULL: none */
	size_t body_len;
};

/* What came back. Filled by every hs_http_send(), whatever it returns. */
struct hs_http_resp {
	int status;			/* HTTP status; 0: no answer */
	/* Retry-After as a delay (net/retry_after.h), -1: none; and as
	 * sent (truncated, control characters removed), "": none. */
	int64_t retry_after_ms;
	char retry_after[HS_HTTP_HEADER_LEN];
	/* The body, NUL-terminated ("" when empty); owned by the client,
	 * valid until its next request or hs_http_free(). */
	const char *body;
	size_t body_len;
	long new_connections;		/* opened for this request; 0: reused */
	/* hs_mono_ms_f() when the request's first byte was sent, after
	 * connecting and TLS: never earlier than it was, so a caller
	 * spacing requests from it spaces them as the peer sees them.
	 * 0 when nothing was sent or libcurl cannot say. */
	double sent_at_ms;
	char error[HS_HTTP_ERROR_LEN];	/* why no answer; "" on HS_OK */
};

struct hs_http;

/* A client with o's settings (o's strings are copied); hs_http_free(). */
/*
 * Initializes libcurl and its TLS library for the process's life. A
 * process that forks workers which each make a client calls it first, so
 * that no worker pays that start-up again (front/after.c).
 */
void hs_http_prepare(void);

enum hs_err hs_http_new(struct hs_http **out, const struct hs_http_opts *o)
	HS_MUST_CHECK;
void hs_http_free(struct hs_http *h);

/*
 * Sends rq and waits for the whole answer. HS_OK when an answer arrived,
 * whatever its status. Otherwise resp->status is 0 and resp->error says
 * why: HS_ETIMEOUT (no connection within connect_timeout_ms or no whole
 * answer within timeout_ms), HS_ETOOBIG (the body passed body_max),
 * HS_EIO (refused, reset, TLS or certificate failure, unknown host...),
 * HS_EINVAL (a method, URL or header that cannot be sent; nothing was)
 * or HS_ENOMEM.
 */
enum hs_err hs_http_send(struct hs_http *h, const struct hs_http_req *rq,
                         int64_t now_ms, struct hs_http_resp *resp)
	HS_MUST_CHECK;

#endif
