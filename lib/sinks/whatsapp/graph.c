/*
 * sinks/whatsapp/graph.c - one request to the Graph API and what its
 * answer means.
 *
 * One HTTP client (net/http_client.h) per run keeps its connection alive,
 * so a run pays the TLS handshake once. A message takes the pacer's token
 * right before it is sent: WHATSAPP_RATE is Meta's per-number throughput,
 * counted in messages, and a delivery may be two.
 *
 * hs_wa_classify() turns an answer into one of five classes by Meta's
 * error.code first and the HTTP status second (protocols.md §4.4): 190 is
 * the token (the run stops, no attempt counted); 429, 4, 80007 and 130429
 * are the number's or the app's throughput (the rest of the batch waits);
 * 131056 is one user's pair limit (that delivery waits); 131000, 1, 2, 5xx
 * and no answer are transient; 131047 (outside the 24-hour window),
 * 131026, 131048, 368, 100, 131009, 131051 and any other 4xx are final.
 * The Authorization header is built once and wiped on free; no log line
 * or error text carries it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/json_get.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/timefmt.h"
#include "net/http_client.h"
#include "net/retry_after.h"
#include "sinks/whatsapp/whatsapp.h"
#include "core/banned.h"

#define RESP_MAX	(1024 * 1024)	/* Graph answers are small */
#define JSON_DEPTH	32

struct hs_wa_graph {
	struct hs_http *http;
	struct hs_pacer *pacer;
	long prepaid;			/* tokens taken ahead (prepay) */
	char *auth;			/* "Authorization: Bearer ..." */
	char messages_url[HS_WA_URL_MAX + 16];
	char phone_url[HS_WA_URL_MAX + 16];
	long timeout_ms;
};

/* Classifying ------------------------------------------------------------ */

static void
set_what(struct hs_wa_reply *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
set_what(struct hs_wa_reply *r, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	vsnprintf(r->what, sizeof(r->what), fmt, ap);
	va_end(ap);
	for (p = r->what; *p; p++)	/* one line */
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			*p = ' ';
}

static struct json_object *
parse(const char *body, size_t len)
{
	struct json_tokener *tok = json_tokener_new_ex(JSON_DEPTH);
	struct json_object *root = NULL;

	if (tok && body && len <= (size_t)RESP_MAX) {
		root = json_tokener_parse_ex(tok, body, (int)len);
		if (json_tokener_get_error(tok) != json_tokener_success) {
			json_object_put(root);
			root = NULL;
		}
	}
	json_tokener_free(tok);
	return root;
}

static int
is_one_of(long code, const long *set)
{
	for (; *set; set++)
		if (*set == code)
			return 1;
	return 0;
}

/* The class of an error answer by code (0: none), then by status. */
static enum hs_wa_class
error_class(int status, long code)
{
	static const long throttled[] = { 4, 80007, 130429, 0 };
	static const long transient[] = { 131000, 1, 2, 131056, 0 };
	static const long final[] = {
		131047, 131026, 131048, 368, 100, 131009, 131051, 0
	};

	if (code == 190)
		return HS_WA_AUTH;
	if (is_one_of(code, transient))
		return HS_WA_RETRY;
	if (is_one_of(code, throttled))
		return HS_WA_THROTTLED;
	if (is_one_of(code, final))
		return HS_WA_DEAD;
	if (status == 401 && code == 0)
		return HS_WA_AUTH;
	if (status == 429)
		return HS_WA_THROTTLED;
	if (status == 408 || status >= 500)
		return HS_WA_RETRY;
	return status >= 400 ? HS_WA_DEAD : HS_WA_RETRY;
}

/* A success: the message's wamid, or the probe's id. */
static void
success(struct json_object *root, struct hs_wa_reply *r)
{
	struct json_object *msgs = hs_json_member(root, "messages");
	struct json_object *m = json_object_is_type(msgs, json_type_array) &&
	    json_object_array_length(msgs) > 0 ?
	    json_object_array_get_idx(msgs, 0) : NULL;
	const char *id = m ? hs_json_str(m, "id") : hs_json_str(root, "id");

	if (id && *id && strlen(id) < sizeof(r->id)) {
		snprintf(r->id, sizeof(r->id), "%s", id);
		r->cls = HS_WA_OK;
		return;
	}
	r->cls = HS_WA_RETRY;
	set_what(r, "graph HTTP %d but the answer has no message id",
	         r->status);
}

void
hs_wa_classify(int status, const char *retry_after, const char *body,
               size_t len, int64_t now_ms, struct hs_wa_reply *r)
{
	struct json_object *root = parse(body, len), *err, *c;
	const char *msg = NULL;

	memset(r, 0, sizeof(*r));
	r->status = status;
	r->retry_after_ms = hs_retry_after_ms(retry_after, now_ms);
	if (status >= 200 && status < 300) {
		success(root, r);
		json_object_put(root);
		return;
	}
	err = hs_json_member(root, "error");
	c = hs_json_member(err, "code");
	if (json_object_is_type(c, json_type_int))
		r->code = (long)json_object_get_int64(c);
	msg = hs_json_str(err, "message");
	r->cls = error_class(status, r->code);
	if (r->code)
		set_what(r, "graph %ld: %s", r->code, msg ? msg : "no message");
	else
		set_what(r, "graph HTTP %d%s%s", status, msg ? ": " : "",
		         msg ? msg : "");
	json_object_put(root);
}

/* HTTP ------------------------------------------------------------------- */

void
hs_wa_graph_free(struct hs_wa_graph *g)
{
	if (!g)
		return;
	hs_http_free(g->http);
	if (g->auth) {
		memset(g->auth, 0, strlen(g->auth));
		free(g->auth);
	}
	free(g);
}

enum hs_err
hs_wa_graph_new(struct hs_wa_graph **out, const struct hs_wa_settings *st)
{
	const struct hs_http_opts ho = {
		.connect_timeout_ms = st->timeout_ms,
		.timeout_ms = st->timeout_ms,
		.body_max = (size_t)RESP_MAX,
	};
	static const char prefix[] = "Authorization: Bearer ";
	struct hs_wa_graph *g;
	size_t n;
	enum hs_err rc;

	*out = NULL;
	if (!(g = calloc(1, sizeof(*g))))
		return HS_ENOMEM;
	n = sizeof(prefix) + strlen(st->token);
	g->timeout_ms = st->timeout_ms;
	snprintf(g->messages_url, sizeof(g->messages_url), "%s",
	         st->messages_url);
	snprintf(g->phone_url, sizeof(g->phone_url), "%s?fields=id",
	         st->phone_url);
	rc = (g->auth = malloc(n)) ? HS_OK : HS_ENOMEM;
	if (rc == HS_OK) {
		snprintf(g->auth, n, "%s%s", prefix, st->token);
		rc = hs_http_new(&g->http, &ho);
	}
	if (rc != HS_OK) {
		hs_wa_graph_free(g);
		return rc;
	}
	*out = g;
	return HS_OK;
}

void
hs_wa_graph_set_pacer(struct hs_wa_graph *g, struct hs_pacer *p)
{
	g->pacer = p;
}

/* A debug line per request: what, how it went; never the token or body. */
static void
log_request(const char *what, const struct hs_wa_reply *r, double ms)
{
	static const char *const cls[] = {
		"ok", "retry", "throttled", "auth", "dead"
	};
	struct hs_logline l;

	hs_log_begin(&l, HS_LOG_DEBUG, "graph_request");
	hs_log_str(&l, "request", what);
	hs_log_int(&l, "status", r->status);
	hs_log_str(&l, "class", cls[r->cls]);
	if (r->code)
		hs_log_int(&l, "code", r->code);
	if (r->cls == HS_WA_OK)
		hs_log_str(&l, "id", r->id);
	else
		hs_log_str(&l, "error", r->what);
	hs_log_ms(&l, "ms", ms);
	hs_log_end(&l);
}

static void
request(struct hs_wa_graph *g, const struct hs_http_req *hq, int64_t now_ms,
        struct hs_wa_reply *r)
{
	struct hs_http_resp hr;
	double t0 = hs_mono_ms_f();
	enum hs_err rc = hs_http_send(g->http, hq, now_ms, &hr);

	if (rc == HS_OK)
		hs_wa_classify(hr.status, hr.retry_after[0] ? hr.retry_after :
		    NULL, hr.body, hr.body_len, now_ms, r);
	else {
		memset(r, 0, sizeof(*r));
		r->cls = HS_WA_RETRY;
		r->retry_after_ms = -1;
		if (rc == HS_ETIMEOUT)
			set_what(r, "graph: no answer within %ld ms (timeout)",
			         g->timeout_ms);
		else if (rc == HS_ETOOBIG)
			set_what(r, "graph: answer larger than %d bytes",
			         RESP_MAX);
		else
			set_what(r, "graph: %s", hr.error[0] ? hr.error :
			         hs_err_str(rc));
	}
	log_request(hq->method[0] == 'G' ? "phone" : "message", r,
	    hs_mono_ms_f() - t0);
}

enum hs_err
hs_wa_graph_send(struct hs_wa_graph *g, const char *json, size_t len,
                 int64_t now_ms, struct hs_wa_reply *r)
{
	const char *const headers[] = {
		"Content-Type: application/json", "Accept: application/json",
		g->auth, NULL
	};
	struct hs_http_req hq = {
		.method = "POST", .url = g->messages_url, .headers = headers,
		.body = json, .body_len = len,
	};
	enum hs_err rc;

	memset(r, 0, sizeof(*r));
	r->retry_after_ms = -1;
	if (g->prepaid > 0)
		g->prepaid--;
	else if (g->pacer && (rc = g->pacer->take(g->pacer, 1)) != HS_OK)
		return rc;
	request(g, &hq, now_ms, r);
	return HS_OK;
}

enum hs_err
hs_wa_graph_prepay(struct hs_wa_graph *g, long n)
{
	enum hs_err rc;

	if (!g->pacer || n <= g->prepaid)
		return HS_OK;
	rc = g->pacer->take(g->pacer, n - g->prepaid);
	if (rc == HS_OK)
		g->prepaid = n;
	return rc;
}

void
hs_wa_graph_get_phone(struct hs_wa_graph *g, int64_t now_ms,
                      struct hs_wa_reply *r)
{
	const char *const headers[] = {
		"Accept: application/json", g->auth, NULL
	};
	struct hs_http_req hq = {
		.method = "GET", .url = g->phone_url, .headers = headers,
	};

	request(g, &hq, now_ms, r);
}
