/*
 * front/request.h - one HTTP request as CGI/FastCGI hands it over.
 *
 * The adapter (front/serve.c) fills this from the environment block and a body
 * reader; handlers see only this struct, so they run the same under plain
 * CGI, FastCGI and unit tests.
 */
#ifndef HS_REQUEST_H
#define HS_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/caps.h"
#include "core/err.h"

/* Reads up to n body bytes: count read, 0 at end of input, -1 on error. */
typedef long (*hs_body_reader)(void *ctx, char *buf, size_t n);

/* One decoded name=value pair of the query string. */
struct hs_query_pair {
	const char *name;
	const char *value;	/* "" when the pair has no '=' */
};

struct hs_request {
	char **envp;		/* CGI meta-variables, NULL-terminated */
	const char *method;
	const char *uri;	/* REQUEST_URI as sent */
	char *path;		/* uri up to '?', owned */
	const char *content_type;	/* NULL if absent */
	long long content_length;	/* -1 absent, -2 malformed */
	const char *remote_addr;
	hs_body_reader read;
	void *read_ctx;
	int64_t received_ms;	/* wall clock when the request started */
	double start_mono;	/* for the duration in the log line */
	char *query;		/* the decoded pairs' storage, owned */
	struct hs_query_pair pairs[HS_MAX_QUERY_PAIRS];
	size_t npairs;
};

/*
 * Fills r from envp, the query string's pairs included; r->path and
 * r->query are owned and freed by hs_request_release (call it even when
 * this fails).
 */
enum hs_err hs_request_init(struct hs_request *r, char **envp,
                            hs_body_reader read, void *read_ctx)
	HS_MUST_CHECK;
void hs_request_release(struct hs_request *r);

/* The value of a meta-variable ("HTTP_X_API_KEY"), or NULL. Borrowed. */
const char *hs_request_param(const struct hs_request *r, const char *name);
/*
 * How many times name appears in the environment block. lighttpd passes
 * both "X-Key" and "X_Key" as HTTP_X_KEY; for security headers more than
 * one copy means the request is ambiguous and must be refused.
 */
int hs_request_param_count(const struct hs_request *r, const char *name);

/*
 * The decoded value of the first query pair called name ("hub.mode"), or
 * NULL. Borrowed from r.
 *
 * QUERY_STRING (or, without it, REQUEST_URI after '?') is split at '&'
 * and each name and value decoded as HTML forms and Meta encode them:
 * '+' is a space, %XX any byte (%2E is '.'). A pair whose name or value
 * holds a malformed escape ('%' without two hex digits) or an escaped NUL
 * is rejected: it is skipped as if it had not been sent, so a handler
 * never compares a half-decoded secret. Bounded: a query string longer
 * than HS_MAX_QUERY_BYTES is not parsed at all, and pairs past
 * HS_MAX_QUERY_PAIRS are ignored; pairs with an empty name are skipped.
 */
const char *hs_request_query(const struct hs_request *r, const char *name);

/*
 * Reads exactly content_length bytes into out (whose cap the caller set).
 * HS_EINVAL if the body ends early, HS_ETOOBIG past the cap, HS_EIO on a
 * read error.
 */
enum hs_err hs_request_read_body(struct hs_request *r, struct hs_buf *out)
	HS_MUST_CHECK;

#endif
