/*
 * sinks/azure/http.c - signed Azure Queue requests over one curl multi handle.
 *
 * Each slot is an easy handle that is reset and reused; the multi handle
 * keeps the connections, so consecutive requests and consecutive runs
 * ride the same keep-alive connections. Every request is signed here,
 * just before it starts, from exactly the headers that go on the wire:
 * Content-Type is always set explicitly (or removed) because libcurl
 * would otherwise add a form Content-Type to POSTs and break the
 * signature (protocols.md §1.4).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "sinks/azure/http.h"
#include "sinks/azure/sign.h"
#include "core/buf.h"
#include "core/banned.h"

#define URL_MAX		(16 * 1024)
#define HDR_VAL_MAX	64

struct slot {
	CURL *easy;
	struct curl_slist *hdrs;
	int busy;
	size_t item;
	char *req_body;
	struct hs_buf url;
	struct hs_buf resp;
	int too_big;
	char err_code[HDR_VAL_MAX];
	char retry_after[HDR_VAL_MAX];
	char msg_count[HDR_VAL_MAX];
	char errbuf[CURL_ERROR_SIZE];
};

struct hs_azq_http {
	const struct hs_azq_conn *conn;
	CURLM *multi;
	long connect_ms;
	long timeout_ms;
	int nslots;
	char *ca_file;
	struct slot slot[HS_AZQ_INFLIGHT_MAX];
	struct slot *idle[HS_AZQ_INFLIGHT_MAX];
	int nidle;
	int global_init;
};

static void
set_result(struct hs_azq_result *res, enum hs_azq_outcome o,
           const char *code, const char *reason)
{
	memset(res, 0, sizeof(*res));
	res->outcome = o;
	res->retry_after_ms = -1;
	snprintf(res->code, sizeof(res->code), "%s", code);
	snprintf(res->reason, sizeof(res->reason), "%s", reason);
}

/* Copies a header value, trimmed, if line is "name: value". */
static void
grab_header(const char *line, size_t n, const char *name, char *dst)
{
	size_t nl = strlen(name), e;

	if (n <= nl || line[nl] != ':' || strncasecmp(line, name, nl) != 0)
		return;
	line += nl + 1;
	n -= nl + 1;
	while (n > 0 && isspace((unsigned char)*line)) {
		line++;
		n--;
	}
	for (e = n; e > 0 && isspace((unsigned char)line[e - 1]); e--)
		;
	if (e >= HDR_VAL_MAX)
		e = HDR_VAL_MAX - 1;
	memcpy(dst, line, e);
	dst[e] = '\0';
}

static size_t
on_header(char *line, size_t size, size_t n, void *arg)
{
	struct slot *s = arg;

	(void)size;	/* always 1 */
	if (n >= 5 && memcmp(line, "HTTP/", 5) == 0) {
		s->err_code[0] = s->retry_after[0] = s->msg_count[0] = '\0';
		return n;
	}
	grab_header(line, n, "x-ms-error-code", s->err_code);
	grab_header(line, n, "retry-after", s->retry_after);
	grab_header(line, n, "x-ms-approximate-messages-count", s->msg_count);
	return n;
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct slot *s = arg;

	(void)size;
	if (hs_buf_add(&s->resp, p, n) != HS_OK) {
		s->too_big = 1;
		return 0;	/* CURLE_WRITE_ERROR */
	}
	return n;
}

static void
slot_clear(struct slot *s)
{
	curl_slist_free_all(s->hdrs);
	s->hdrs = NULL;
	free(s->req_body);
	s->req_body = NULL;
	hs_buf_reset(&s->url);
	if (s->resp.cap > 64 * 1024)	/* keep small buffers for reuse */
		hs_buf_release(&s->resp);
	else
		hs_buf_reset(&s->resp);
	s->too_big = 0;
	s->err_code[0] = s->retry_after[0] = s->msg_count[0] = '\0';
	s->errbuf[0] = '\0';
}

static enum hs_err
add_hdr(struct slot *s, const char *name, const char *value)
{
	char line[512];
	struct curl_slist *l;
	int n = snprintf(line, sizeof(line), "%s:%s%s", name,
	                 value ? " " : "", value ? value : "");

	if (n < 0 || (size_t)n >= sizeof(line))
		return HS_ETOOBIG;
	l = curl_slist_append(s->hdrs, line);
	if (!l)
		return HS_ENOMEM;
	s->hdrs = l;
	return HS_OK;
}

/* Adds "Authorization: SharedKey account:sig" over the signed headers. */
static enum hs_err
add_auth(struct hs_azq_http *h, struct slot *s, const struct hs_azq_req *r,
         const char *path, const struct hs_azq_hdr *hd, size_t nh)
{
	const char *acct = hs_azq_conn_account(h->conn);
	const unsigned char *key;
	char sig[HS_AZQ_SIG_LEN], val[HS_AZQ_ACCOUNT_MAX + HS_AZQ_SIG_LEN + 16];
	char *sts = NULL;
	size_t keylen;
	enum hs_err rc;

	key = hs_azq_conn_key(h->conn, &keylen);
	rc = hs_azq_sts_sharedkey(acct, r->verb, path, r->query, hd, nh, &sts);
	if (rc == HS_OK)
		rc = hs_azq_sign(key, keylen, sts, sig);
	free(sts);
	snprintf(val, sizeof(val), "SharedKey %s:%s", acct, sig);
	return rc == HS_OK ? add_hdr(s, "Authorization", val) : rc;
}

/*
 * Builds the header list: x-ms-date, x-ms-version, Content-Type (or its
 * removal), Content-Length for PUT/POST, Expect removed, Authorization.
 * path is what the server sees (prefix + rel), for the signature.
 */
static enum hs_err
build_headers(struct hs_azq_http *h, struct slot *s,
              const struct hs_azq_req *r, const char *path, int64_t now_ms)
{
	char date[HS_AZQ_DATE_LEN], clen[32];
	struct hs_azq_hdr hd[4];
	size_t nh = 0, i;
	int sends_body = r->body || !strcmp(r->verb, "PUT") ||
	                 !strcmp(r->verb, "POST");
	enum hs_err rc;

	rc = hs_azq_date(now_ms, date);
	hd[nh++] = (struct hs_azq_hdr){ "x-ms-date", date };
	hd[nh++] = (struct hs_azq_hdr){ "x-ms-version", HS_AZQ_VERSION };
	if (r->content_type)
		hd[nh++] = (struct hs_azq_hdr){ "Content-Type",
		                                r->content_type };
	snprintf(clen, sizeof(clen), "%zu", r->body ? r->body_len : 0);
	if (sends_body)
		hd[nh++] = (struct hs_azq_hdr){ "Content-Length", clen };
	for (i = 0; rc == HS_OK && i < nh; i++)
		rc = add_hdr(s, hd[i].name, hd[i].value);
	if (rc == HS_OK && !r->content_type)
		rc = add_hdr(s, "Content-Type", NULL);
	if (rc == HS_OK)
		rc = add_hdr(s, "Expect", NULL);
	if (rc == HS_OK && hs_azq_conn_auth(h->conn) == HS_AZQ_SHAREDKEY)
		rc = add_auth(h, s, r, path, hd, nh);
	return rc;
}

/* base + prefix + rel [? query] [& sas]; *path_off marks the path. */
static enum hs_err
build_url(struct hs_azq_http *h, struct slot *s, const struct hs_azq_req *r,
          size_t *path_off, size_t *path_len)
{
	const char *sas = hs_azq_conn_sas(h->conn);
	int hasq = r->query && *r->query;
	enum hs_err rc;

	rc = hs_buf_adds(&s->url, hs_azq_conn_base(h->conn));
	*path_off = s->url.len;
	if (rc == HS_OK)
		rc = hs_buf_addf(&s->url, "%s%s", hs_azq_conn_prefix(h->conn),
		                 r->rel);
	*path_len = s->url.len - *path_off;
	if (rc == HS_OK && hasq)
		rc = hs_buf_addf(&s->url, "?%s", r->query);
	if (rc == HS_OK && sas)
		rc = hs_buf_addf(&s->url, "%c%s", hasq ? '&' : '?', sas);
	return rc;
}

static enum hs_err
set_method(CURL *e, const struct hs_azq_req *r)
{
	CURLcode cc = CURLE_OK;

	if (!strcmp(r->verb, "GET"))
		cc = curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	else if (!strcmp(r->verb, "HEAD"))
		cc = curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	else if (!strcmp(r->verb, "PUT") || !strcmp(r->verb, "POST")) {
		cc = curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
		                      (curl_off_t)(r->body ? r->body_len : 0));
		if (cc == CURLE_OK)
			cc = curl_easy_setopt(e, CURLOPT_POSTFIELDS,
			                      r->body ? r->body : "");
	}
	if (cc == CURLE_OK && strcmp(r->verb, "GET") && strcmp(r->verb, "HEAD"))
		cc = curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->verb);
	return cc == CURLE_OK ? HS_OK : HS_EINVAL;
}

/* Options every request gets; TLS verification is never turned off. */
static enum hs_err
set_common(struct hs_azq_http *h, struct slot *s)
{
	CURL *e = s->easy;
	CURLcode cc = CURLE_OK;

	curl_easy_reset(e);
#define SET(opt, val) if (cc == CURLE_OK) cc = curl_easy_setopt(e, opt, val)
	SET(CURLOPT_URL, hs_buf_str(&s->url));
	SET(CURLOPT_PRIVATE, (void *)s);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_CONNECTTIMEOUT_MS, h->connect_ms);
	SET(CURLOPT_TIMEOUT_MS, h->timeout_ms);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	SET(CURLOPT_HTTPHEADER, s->hdrs);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, (void *)s);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, (void *)s);
	SET(CURLOPT_ERRORBUFFER, s->errbuf);
#if LIBCURL_VERSION_NUM >= 0x075500
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
#endif
	if (h->ca_file)
		SET(CURLOPT_CAINFO, h->ca_file);
#undef SET
	return cc == CURLE_OK ? HS_OK : HS_EINVAL;
}

/* Prepares slot s for req (taking its body) and adds it to the multi. */
static enum hs_err
slot_start(struct hs_azq_http *h, struct slot *s, struct hs_azq_req *r,
           int64_t now_ms)
{
	size_t off = 0, len = 0;
	char *path = NULL;
	enum hs_err rc;

	s->req_body = r->body;
	r->body = NULL;
	rc = build_url(h, s, r, &off, &len);
	if (rc == HS_OK && !(path = strndup(s->url.data + off, len)))
		rc = HS_ENOMEM;
	if (rc == HS_OK) {
		struct hs_azq_req sent = *r;

		sent.body = s->req_body;
		rc = build_headers(h, s, &sent, path, now_ms);
		if (rc == HS_OK)
			rc = set_common(h, s);
		if (rc == HS_OK)
			rc = set_method(s->easy, &sent);
	}
	free(path);
	if (rc == HS_OK && curl_multi_add_handle(h->multi, s->easy) != CURLM_OK)
		rc = HS_EIO;
	return rc;
}

static const char *
transport_code(CURLcode cc, int too_big)
{
	switch (cc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return "CouldNotResolveHost";
	case CURLE_COULDNT_CONNECT:
		return "CouldNotConnect";
	case CURLE_OPERATION_TIMEDOUT:
		return "Timeout";
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
		return "TlsError";
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
		return "ConnectionDropped";
	case CURLE_WRITE_ERROR:
		return too_big ? "ResponseTooLarge" : "TransportError";
	default:
		return "TransportError";
	}
}

/* Turns a finished transfer into out[s->item] and frees the slot. */
static void
slot_done(struct hs_azq_http *h, struct slot *s, CURLcode cc,
          const struct hs_azq_job *job, int64_t now_ms,
          struct hs_azq_result *out)
{
	struct hs_azq_result *res = &out[s->item];
	struct hs_azq_resp resp;
	char why[HS_AZQ_REASON_LEN];
	long status = 0;

	curl_multi_remove_handle(h->multi, s->easy);
	if (cc == CURLE_OK) {
		curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
		resp = (struct hs_azq_resp){
			.status = (int)status, .error_code = s->err_code,
			.retry_after = s->retry_after,
			.msg_count = s->msg_count,
			.body = hs_buf_str(&s->resp), .body_len = s->resp.len,
		};
		hs_azq_classify(&resp, now_ms, res);
		if (job->finish)
			job->finish(job->ctx, s->item, &resp, res);
	} else {
		snprintf(why, sizeof(why), "cannot reach the queue endpoint: "
		         "%.120s", s->errbuf[0] ? s->errbuf
		                                : curl_easy_strerror(cc));
		set_result(res, HS_AZQ_RETRY, transport_code(cc, s->too_big),
		           why);
	}
	slot_clear(s);
	s->busy = 0;
	h->idle[h->nidle++] = s;
}

/* Builds and starts item i on an idle slot; a local failure is final. */
static enum hs_err
start_item(struct hs_azq_http *h, const struct hs_azq_job *job, size_t i,
           int64_t now_ms, struct hs_azq_result *out)
{
	struct hs_azq_req req = { .query = "" };
	struct slot *s;
	enum hs_err rc;

	if (job->build(job->ctx, i, &req, &out[i]) != HS_OK)
		return HS_OK;	/* settled without a request */
	s = h->idle[--h->nidle];
	s->item = i;
	rc = slot_start(h, s, &req, now_ms);
	if (rc == HS_OK) {
		s->busy = 1;
		return HS_OK;
	}
	free(req.body);
	slot_clear(s);
	h->idle[h->nidle++] = s;
	set_result(&out[i], rc == HS_ENOMEM ? HS_AZQ_RETRY : HS_AZQ_PERMANENT,
	           "RequestNotBuilt", hs_err_str(rc));
	return rc == HS_EIO ? rc : HS_OK;
}

/* Drives transfers once, waiting up to 1 s if nothing finished. */
static enum hs_err
pump(struct hs_azq_http *h, const struct hs_azq_job *job, int64_t now_ms,
     struct hs_azq_result *out)
{
	CURLMsg *m;
	char *priv;
	int running = 0, left, finished = 0;

	if (curl_multi_perform(h->multi, &running) != CURLM_OK)
		return HS_EIO;
	while ((m = curl_multi_info_read(h->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		priv = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
		if (priv)
			slot_done(h, (struct slot *)(void *)priv,
			          m->data.result, job, now_ms, out);
		finished++;
	}
	if (!finished && running > 0 &&
	    curl_multi_poll(h->multi, NULL, 0, 1000, NULL) != CURLM_OK)
		return HS_EIO;
	return HS_OK;
}

static void
abort_busy(struct hs_azq_http *h, struct hs_azq_result *out)
{
	int i;

	for (i = 0; i < h->nslots; i++) {
		struct slot *s = &h->slot[i];

		if (!s->busy)
			continue;
		curl_multi_remove_handle(h->multi, s->easy);
		set_result(&out[s->item], HS_AZQ_RETRY, "TransportError",
		           "transfer engine failed");
		slot_clear(s);
		s->busy = 0;
		h->idle[h->nidle++] = s;
	}
}

enum hs_err
hs_azq_http_run(struct hs_azq_http *h, const struct hs_azq_job *job,
                int64_t now_ms, struct hs_azq_result *out)
{
	enum hs_err rc = HS_OK;
	size_t next = 0, i;

	for (i = 0; i < job->n; i++)
		set_result(&out[i], HS_AZQ_RETRY, "NotSent", "not sent");
	while (rc == HS_OK && (next < job->n || h->nidle < h->nslots)) {
		while (rc == HS_OK && next < job->n && h->nidle > 0)
			rc = start_item(h, job, next++, now_ms, out);
		if (rc == HS_OK && h->nidle < h->nslots)
			rc = pump(h, job, now_ms, out);
	}
	if (rc != HS_OK)
		abort_busy(h, out);
	return rc;
}

enum hs_err
hs_azq_http_new(struct hs_azq_http **out, const struct hs_azq_conn *c,
                const struct hs_azq_opts *o)
{
	enum hs_err rc = HS_OK;
	struct hs_azq_http *h;
	int i;

	*out = NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return HS_ENOMEM;
	h->conn = c;
	h->connect_ms = o->connect_timeout_ms;
	h->timeout_ms = o->timeout_ms;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		rc = HS_EIO;
	h->global_init = rc == HS_OK;
	if (rc == HS_OK && o->ca_file && !(h->ca_file = strdup(o->ca_file)))
		rc = HS_ENOMEM;
	if (rc == HS_OK && !(h->multi = curl_multi_init()))
		rc = HS_ENOMEM;
	if (rc == HS_OK) {
		curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
		                  (long)o->max_in_flight);
		curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS,
		                  (long)o->max_in_flight);
	}
	for (i = 0; rc == HS_OK && i < o->max_in_flight; i++) {
		struct slot *s = &h->slot[i];

		hs_buf_init(&s->url, URL_MAX);
		hs_buf_init(&s->resp, HS_AZQ_RESP_MAX);
		if (!(s->easy = curl_easy_init()))
			rc = HS_ENOMEM;
		h->nslots = i + 1;
		h->idle[h->nidle++] = s;
	}
	if (rc == HS_OK)
		*out = h;
	else
		hs_azq_http_free(h);
	return rc;
}

void
hs_azq_http_free(struct hs_azq_http *h)
{
	int i;

	if (!h)
		return;
	for (i = 0; i < h->nslots; i++) {
		struct slot *s = &h->slot[i];

		if (s->busy)
			curl_multi_remove_handle(h->multi, s->easy);
		slot_clear(s);
		hs_buf_release(&s->url);
		hs_buf_release(&s->resp);
		if (s->easy)
			curl_easy_cleanup(s->easy);
	}
	if (h->multi)
		curl_multi_cleanup(h->multi);
	if (h->global_init)
		curl_global_cleanup();
	free(h->ca_file);
	free(h);
}
