/*
 * intake/check.c - the request checks of the ingest pipeline that come
 * before the body is parsed: authentication, length, media type, rate.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/crypto.h"
#include "intake/internal.h"
#include "core/log.h"
#include "core/banned.h"

int
hs_ingest_ready(struct hs_app *app, const char *key, struct hs_response *rs)
{
	if (!hs_config_ok(app->cfg)) {
		hs_response_error(rs, 503, "configuration invalid",
		    "the server's configuration has errors; see its log");
		return -1;
	}
	if (!hs_config_has(app->cfg, key)) {
		hs_response_errorf(rs, 503, "configuration incomplete",
		    "%s is not set in the server's configuration", key);
		hs_log_msg(HS_LOG_ERROR, "config", key);
		return -1;
	}
	return 0;
}

int
ingest_check_config(struct hs_app *app, const struct hs_source *src,
                    struct hs_response *rs)
{
	return hs_ingest_ready(app, src->secret_key, rs);
}

/* The client address the rate limit counts: REMOTE_ADDR, or the first
 * X-Forwarded-For hop when the operator says a proxy sets it. */
static void
client_addr(const struct hs_app *app, const struct hs_request *r,
            char *out, size_t n)
{
	const char *xff = hs_request_param(r, "HTTP_X_FORWARDED_FOR");
	size_t len;

	if (xff && hs_config_bool(app->cfg, "TRUST_FORWARDED_FOR")) {
		len = strcspn(xff, ", ");
		snprintf(out, n, "%.*s", (int)len, xff);
	} else {
		snprintf(out, n, "%s", r->remote_addr);
	}
}

int
ingest_check_rate(struct hs_app *app, const struct hs_source *src,
                  struct hs_request *r, struct hs_response *rs)
{
	long limit = hs_config_int(app->cfg, "RATE_LIMIT_REQUESTS");
	long window = hs_config_int(app->cfg, "RATE_LIMIT_WINDOW_SECONDS");
	struct hs_spool *sp;
	char client[128], ra[24];
	int64_t wait_ms = 0;
	int allowed = 1;
	enum hs_err rc;

	if (!src->rate_limited || limit <= 0)
		return 0;
	if (!(sp = hs_app_spool(app))) {
		hs_app_spool_error(app, rs, app->spool_rc);
		return -1;
	}
	client_addr(app, r, client, sizeof(client));
	rc = hs_spool_client_hit(sp, client, r->received_ms, window * 1000,
	    limit, &allowed, &wait_ms);
	if (rc != HS_OK) {
		hs_app_spool_failed(app, rc);
		hs_app_spool_error(app, rs, rc);
		return -1;
	}
	if (allowed)
		return 0;
	snprintf(ra, sizeof(ra), "%lld", (long long)((wait_ms + 999) / 1000));
	if (hs_response_header(rs, "Retry-After", ra) != HS_OK)
		rs->status = 500;
	hs_response_errorf(rs, 429, "too many requests",
	    "more than %ld requests in %ld s from this client; retry after "
	    "%s s", limit, window, ra);
	return -1;
}

/*
 * The one value of the source's security header, or NULL after a 401:
 * missing, empty, or sent twice (two spellings of one header that a proxy
 * could pass on side by side). The CGI variable is the header's name as
 * CGI writes it: X-API-KEY is HTTP_X_API_KEY.
 */
static const char *
auth_value(const struct hs_source *src, const struct hs_request *r,
           struct hs_response *rs)
{
	char param[128] = "HTTP_";
	const char *given, *h;
	size_t i = 5;

	for (h = src->auth_header; *h && i + 1 < sizeof(param); h++)
		param[i++] = *h == '-' ? '_' : (char)toupper((unsigned char)*h);
	param[i] = '\0';
	if (hs_request_param_count(r, param) > 1) {
		hs_response_errorf(rs, 401, "unauthorized", "the %s header "
		    "appears more than once", src->auth_header);
		return NULL;
	}
	given = hs_request_param(r, param);
	if (!given || !*given) {
		hs_response_errorf(rs, 401, "unauthorized",
		    "missing %s header", src->auth_header);
		return NULL;
	}
	return given;
}

int
ingest_check_api_key(struct hs_app *app, const struct hs_source *src,
                     const struct hs_request *r, struct hs_response *rs)
{
	const char *given;

	if (src->auth != HS_AUTH_API_KEY)
		return 0;
	if (!(given = auth_value(src, r, rs)))
		return -1;
	if (!hs_ct_streq(given, hs_config_get(app->cfg, src->secret_key))) {
		hs_response_errorf(rs, 401, "unauthorized", "invalid %s",
		    src->auth_header);
		return -1;
	}
	return 0;
}

/*
 * 1 when one of the comma-separated secrets in list (spaces around each
 * trimmed, empty ones skipped) keys an HMAC-SHA256 of body equal to got.
 * Every secret is tried, so the time does not tell which one matched.
 */
static int
any_secret_signs(const char *list, const struct hs_buf *body,
                 const unsigned char got[HS_SHA256_LEN])
{
	unsigned char want[HS_SHA256_LEN];
	const char *p = list ? list : "";
	size_t len, skip;
	int ok = 0;

	for (; *p; p += len + (p[len] == ',')) {
		p += strspn(p, " \t");
		len = strcspn(p, ",");
		for (skip = len; skip && (p[skip - 1] == ' ' ||
		    p[skip - 1] == '\t'); skip--)
			;
		if (!skip)
			continue;
		if (hs_hmac_sha256(p, skip, body->data ? body->data : "",
		    body->len, want) == HS_OK)
			ok |= hs_ct_equal(want, got, sizeof(want));
	}
	return ok;
}

/*
 * Meta's X-Hub-Signature-256: exactly "sha256=" and 64 hex digits. Two
 * copies of the header, whether two variables or one value joined with
 * ", " by a proxy, are refused like a missing one.
 */
static int
check_hub_signature(struct hs_app *app, const struct hs_source *src,
                    const struct hs_request *r, const struct hs_buf *body,
                    struct hs_response *rs)
{
	unsigned char got[HS_SHA256_LEN];
	const char *given;

	if (!(given = auth_value(src, r, rs)))
		return -1;
	if (strchr(given, ',')) {
		hs_response_errorf(rs, 401, "unauthorized", "the %s header "
		    "appears more than once", src->auth_header);
		return -1;
	}
	if (strncmp(given, "sha256=", 7) || strlen(given + 7) !=
	    2 * HS_SHA256_LEN || hs_unhex(given + 7, got, sizeof(got))) {
		hs_response_errorf(rs, 401, "unauthorized", "malformed %s: it "
		    "must be sha256= and 64 hex digits", src->auth_header);
		return -1;
	}
	if (!any_secret_signs(hs_config_get(app->cfg, src->secret_key), body,
	    got)) {
		hs_response_errorf(rs, 401, "unauthorized", "invalid %s: no "
		    "configured secret signs this body", src->auth_header);
		return -1;
	}
	return 0;
}

int
ingest_check_signature(struct hs_app *app, const struct hs_source *src,
                       const struct hs_request *r, const struct hs_buf *body,
                       struct hs_response *rs)
{
	const char *secret, *given;
	unsigned char want[HS_SHA256_LEN], got[HS_SHA256_LEN];

	if (src->auth == HS_AUTH_HUB_SHA256)
		return check_hub_signature(app, src, r, body, rs);
	if (src->auth != HS_AUTH_HMAC_HEX)
		return 0;
	if (!(given = auth_value(src, r, rs)))
		return -1;
	if (!strncasecmp(given, "sha256=", 7))
		given += 7;
	secret = hs_config_get(app->cfg, src->secret_key);
	if (hs_unhex(given, got, sizeof(got)) != 0 ||
	    hs_hmac_sha256(secret, strlen(secret), body->data ? body->data :
	    "", body->len, want) != HS_OK || !hs_ct_equal(want, got,
	    sizeof(want))) {
		hs_response_errorf(rs, 401, "unauthorized", "invalid %s: it "
		    "must be the hex HMAC-SHA256 of the raw body",
		    src->auth_header);
		return -1;
	}
	return 0;
}

int
ingest_check_length(struct hs_app *app, const struct hs_request *r,
                    struct hs_response *rs)
{
	long max = hs_config_int(app->cfg, "MAX_BODY_BYTES");

	if (r->content_length == -1) {
		hs_response_error(rs, 411, "length required",
		    "send the body with a Content-Length header");
		return -1;
	}
	if (r->content_length == -2) {
		hs_response_error(rs, 400, "bad request",
		    "Content-Length is not a number");
		return -1;
	}
	if (r->content_length > max) {
		hs_response_errorf(rs, 413, "body too large",
		    "the body has %lld bytes; the limit is %ld",
		    r->content_length, max);
		return -1;
	}
	return 0;
}

int
ingest_check_media_type(const struct hs_request *r, struct hs_response *rs)
{
	const char *ct = r->content_type;
	size_t n;

	if (!ct || !*ct) {
		hs_response_error(rs, 415, "unsupported media type",
		    "Content-Type must be application/json");
		return -1;
	}
	n = strcspn(ct, "; \t");
	if ((n == 16 && !strncasecmp(ct, "application/json", 16)) ||
	    (n > 17 && !strncasecmp(ct, "application/", 12) &&
	    !strncasecmp(ct + n - 5, "+json", 5)))
		return 0;
	n = strcspn(ct, ";");
	while (n && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	hs_response_errorf(rs, 415, "unsupported media type",
	    "Content-Type must be application/json, not '%.*s'",
	    (int)(n > 100 ? 100 : n), ct);
	return -1;
}
