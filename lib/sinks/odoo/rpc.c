/*
 * sinks/odoo/rpc.c - one JSON-RPC call to Odoo's /jsonrpc.
 *
 * One HTTP client (net/http_client.h) per run keeps its connection alive
 * between calls, so a run pays the TCP and TLS handshake once. Each call
 * builds its body first and takes the pacer's token last, right before
 * sending; the bucket spaces the tokens, and the client keeps the same
 * spacing between requests as they leave on the wire (keep_gap), so the
 * spacing ODOO_RATE grants is the spacing Odoo sees.
 *
 * Odoo answers application errors with HTTP 200 and an error envelope
 * (protocols.md §2.4); hs_odoo_classify() turns any answer into one of
 * five classes from data.name, the HTTP status or the transport error.
 * The traceback in data.debug is never kept: it can echo values.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "core/json_get.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/timefmt.h"
#include "net/http_client.h"
#include "net/retry_after.h"
#include "sinks/odoo/odoo.h"
#include "core/banned.h"

#define REQ_MAX		(256L * 1024 * 1024)	/* a list create */
#define RESP_MAX	(64L * 1024 * 1024)	/* a batch's search_read */
#define JSON_DEPTH	64

static const char *const json_headers[] = {
	"Content-Type: application/json", "Accept: application/json", NULL
};

struct hs_odoo_rpc {
	struct hs_http *http;
	struct hs_pacer *pacer;
	struct hs_buf req;
	char *url;
	long timeout_ms;
	double min_gap_ms;
	/* hs_mono_ms_f() when the last request's first byte went out (its
	 * connection's handshakes done); 0: none yet. */
	double last_send;
	long next_id, requests;
};

/* Classifying ----------------------------------------------------------- */

/* Record-level exceptions (dead-letter the row) by class name. */
static const char *const record_errors[] = {
	"ValidationError", "UserError", "MissingError", "ValueError",
	"TypeError", "KeyError", "IntegrityError", "UniqueViolation",
	"NotNullViolation", "CheckViolation", "ForeignKeyViolation",
	"RedirectWarning", NULL
};

static void
set_what(struct hs_odoo_reply *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
set_what(struct hs_odoo_reply *r, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	vsnprintf(r->what, sizeof(r->what), fmt, ap);
	va_end(ap);
	for (p = r->what; *p; p++)	/* one line, printable */
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			*p = ' ';
}

static enum hs_odoo_class
class_of(const char *name, const char *message)
{
	const char *dot = strrchr(name, '.'), *cls = dot ? dot + 1 : name;
	size_t i;

	if (strstr(message, "could not serialize access") ||
	    strstr(message, "could not obtain lock"))
		return HS_ODOO_RETRY;
	if (strcmp(cls, "AccessDenied") == 0)
		return HS_ODOO_AUTH;
	if (strcmp(cls, "AccessError") == 0)
		return HS_ODOO_ACCESS;
	for (i = 0; record_errors[i]; i++)
		if (strcmp(cls, record_errors[i]) == 0)
			return HS_ODOO_RECORD;
	/* OperationalError, SerializationFailure, unknown: transient. */
	return HS_ODOO_RETRY;
}

static void
classify_error(struct json_object *err, struct hs_odoo_reply *r)
{
	struct json_object *data = NULL;
	const char *name = NULL, *msg = NULL, *dot;

	if (json_object_object_get_ex(err, "data", &data) &&
	    json_object_is_type(data, json_type_object)) {
		name = hs_json_str(data, "name");
		msg = hs_json_str(data, "message");
	}
	if (!msg)
		msg = hs_json_str(err, "message");
	if (!msg)
		msg = "no message";
	if (!name) {
		r->cls = HS_ODOO_RETRY;
		set_what(r, "error without a class: %.200s", msg);
		return;
	}
	r->cls = class_of(name, msg);
	dot = strrchr(name, '.');
	set_what(r, "%.60s: %s", dot ? dot + 1 : name, msg);
}

void
hs_odoo_classify(int status, const char *retry_after, const char *body,
                 size_t len, int64_t now_ms, struct hs_odoo_reply *r)
{
	struct json_tokener *tok;
	struct json_object *root = NULL, *v;

	memset(r, 0, sizeof(*r));
	r->cls = HS_ODOO_RETRY;
	r->status = status;
	r->retry_after_ms = hs_retry_after_ms(retry_after, now_ms);
	if (status != 200) {
		set_what(r, "HTTP %d%s", status, status == 429 ?
		         " Too Many Requests" : "");
		return;
	}
	tok = json_tokener_new_ex(JSON_DEPTH);
	if (tok && len <= (size_t)RESP_MAX) {
		root = json_tokener_parse_ex(tok, body ? body : "", (int)len);
		if (json_tokener_get_error(tok) != json_tokener_success ||
		    json_tokener_get_parse_end(tok) != len) {
			json_object_put(root);
			root = NULL;
		}
	}
	json_tokener_free(tok);
	if (!json_object_is_type(root, json_type_object))
		set_what(r, "HTTP 200 but the answer is not JSON-RPC");
	else if (json_object_object_get_ex(root, "error", &v) &&
	    json_object_is_type(v, json_type_object))
		classify_error(v, r);
	else if (json_object_object_get_ex(root, "result", &v)) {
		r->cls = HS_ODOO_OK;
		r->result = json_object_get(v);
		r->what[0] = '\0';
	} else
		set_what(r, "answer has neither result nor error");
	json_object_put(root);
}

void
hs_odoo_reply_release(struct hs_odoo_reply *r)
{
	json_object_put(r->result);
	r->result = NULL;
}

/* Encoding -------------------------------------------------------------- */

static int
add(struct json_object *o, const char *k, struct json_object *v)
{
	return v && json_object_object_add(o, k, v) == 0 ? 0 : -1;
}

enum hs_err
hs_odoo_encode(struct hs_buf *out, long id, const char *service,
               const char *method, struct json_object *args)
{
	struct json_object *root = json_object_new_object();
	struct json_object *params = json_object_new_object();
	const char *text;
	enum hs_err rc = HS_ENOMEM;
	int bad = !root || !params;

	bad = bad || add(root, "jsonrpc", json_object_new_string("2.0"));
	bad = bad || add(root, "method", json_object_new_string("call"));
	bad = bad || add(root, "id", json_object_new_int64(id));
	bad = bad || add(params, "service", json_object_new_string(service));
	bad = bad || add(params, "method", json_object_new_string(method));
	bad = bad || add(params, "args", json_object_get(args));
	if (!bad && add(root, "params", params) == 0) {
		params = NULL;	/* root owns it */
		text = json_object_to_json_string_ext(root,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
		rc = text ? hs_buf_adds(out, text) : HS_ENOMEM;
	}
	json_object_put(params);
	json_object_put(root);
	return rc;
}

struct json_object *
hs_odoo_kw_args(const char *db, long uid, const char *password,
                const char *model, const char *method,
                struct json_object *pargs, struct json_object *kwargs)
{
	struct json_object *a = json_object_new_array();

	if (!kwargs)
		kwargs = json_object_new_object();
	if (!a || !pargs || !kwargs ||
	    json_object_array_add(a, json_object_new_string(db)) ||
	    json_object_array_add(a, json_object_new_int64(uid)) ||
	    json_object_array_add(a, json_object_new_string(password)) ||
	    json_object_array_add(a, json_object_new_string(model)) ||
	    json_object_array_add(a, json_object_new_string(method))) {
		json_object_put(a);
		json_object_put(pargs);
		json_object_put(kwargs);
		return NULL;
	}
	json_object_array_add(a, pargs);	/* cannot fail: room made */
	json_object_array_add(a, kwargs);
	return a;
}

/* HTTP ------------------------------------------------------------------ */

void
hs_odoo_rpc_free(struct hs_odoo_rpc *c)
{
	if (!c)
		return;
	hs_http_free(c->http);
	hs_buf_release(&c->req);
	free(c->url);
	free(c);
}

enum hs_err
hs_odoo_rpc_new(struct hs_odoo_rpc **out, const struct hs_odoo_rpc_opts *o)
{
	const struct hs_http_opts ho = {
		.connect_timeout_ms = o->connect_timeout_ms,
		.timeout_ms = o->timeout_ms,
		.body_max = (size_t)RESP_MAX,
		.ca_file = o->ca_file,
	};
	struct hs_odoo_rpc *c;
	enum hs_err rc;

	*out = NULL;
	if (!(c = calloc(1, sizeof(*c))))
		return HS_ENOMEM;
	hs_buf_init(&c->req, REQ_MAX);
	c->timeout_ms = o->timeout_ms;
	c->min_gap_ms = o->min_gap_ms > 0 ? o->min_gap_ms : 0;
	rc = (c->url = strdup(o->url)) ? HS_OK : HS_ENOMEM;
	if (rc == HS_OK)
		rc = hs_http_new(&c->http, &ho);
	if (rc != HS_OK) {
		hs_odoo_rpc_free(c);
		return rc;
	}
	*out = c;
	return HS_OK;
}

void
hs_odoo_rpc_set_pacer(struct hs_odoo_rpc *c, struct hs_pacer *p)
{
	c->pacer = p;
}

long
hs_odoo_rpc_requests(const struct hs_odoo_rpc *c)
{
	return c->requests;
}

/* A transfer that got no complete answer: why, as one line. */
static void
transport_error(const struct hs_odoo_rpc *c, enum hs_err rc,
                const struct hs_http_resp *hr, struct hs_odoo_reply *r)
{
	memset(r, 0, sizeof(*r));
	r->cls = HS_ODOO_RETRY;
	r->retry_after_ms = -1;
	if (rc == HS_ETIMEOUT)
		set_what(r, "no answer within %ld ms (timeout)", c->timeout_ms);
	else if (rc == HS_ETOOBIG)
		set_what(r, "answer larger than %ld bytes", RESP_MAX);
	else
		set_what(r, "%s", hr->error);
}

/* args[i] of an execute_kw as text, or NULL. */
static const char *
arg_text(struct json_object *args, size_t i)
{
	struct json_object *v = json_object_array_get_idx(args, i);

	return json_object_is_type(v, json_type_string) ?
	    json_object_get_string(v) : NULL;
}

/* A debug line per call: what, how big, how it went; never the args. */
static void
log_call(const char *service, const char *method, struct json_object *args,
         long bytes, double ms, const struct hs_odoo_reply *r)
{
	static const char *const cls[] = {
		"ok", "auth", "access", "record", "retry"
	};
	int kw = strcmp(method, "execute_kw") == 0;
	struct hs_logline l;

	hs_log_begin(&l, HS_LOG_DEBUG, "odoo_call");
	hs_log_str(&l, "service", service);
	hs_log_str(&l, "method", kw && arg_text(args, 4) ? arg_text(args, 4) :
	           method);
	if (kw && arg_text(args, 3))
		hs_log_str(&l, "model", arg_text(args, 3));
	hs_log_int(&l, "request_bytes", bytes);
	hs_log_int(&l, "status", r->status);
	hs_log_str(&l, "class", cls[r->cls]);
	if (r->what[0])
		hs_log_str(&l, "error", r->what);
	hs_log_ms(&l, "ms", ms);
	hs_log_end(&l);
}

/*
 * Waits out what is left of min_gap_ms since the last request went out.
 * Measured from its first byte on the wire, not from its token: a request
 * that opened a connection left later than its token by the TCP and TLS
 * handshakes, and the next one, on the open connection, would otherwise
 * reach Odoo that much closer (issue 11 measured 0.9956 s at ODOO_RATE=1).
 */
static void
keep_gap(struct hs_odoo_rpc *c)
{
	double left = c->last_send > 0 ? c->last_send + c->min_gap_ms -
	    hs_mono_ms_f() : 0;
	struct timespec ts;

	if (left <= 0)
		return;
	ts.tv_sec = (time_t)(left / 1000);
	ts.tv_nsec = (long)((left - (double)ts.tv_sec * 1000) * 1e6);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

void
hs_odoo_rpc_settle(struct hs_odoo_rpc *c)
{
	if (c)
		keep_gap(c);
}

enum hs_err
hs_odoo_call(struct hs_odoo_rpc *c, const char *service, const char *method,
             struct json_object *args, int64_t now_ms,
             struct hs_odoo_reply *r)
{
	struct hs_http_req hq = {
		.method = "POST", .url = c->url, .headers = json_headers,
	};
	struct hs_http_resp hr;
	enum hs_err rc;
	double t0;

	memset(r, 0, sizeof(*r));
	r->retry_after_ms = -1;
	hs_buf_reset(&c->req);
	rc = hs_odoo_encode(&c->req, ++c->next_id, service, method, args);
	if (rc != HS_OK)
		return rc;
	if (c->pacer && (rc = c->pacer->take(c->pacer, 1)) != HS_OK)
		return rc;
	hq.body = c->req.data;
	hq.body_len = c->req.len;
	c->requests++;
	keep_gap(c);
	t0 = hs_mono_ms_f();
	rc = hs_http_send(c->http, &hq, now_ms, &hr);
	/* Unknown: the latest it can have gone, which keeps the gap too. */
	c->last_send = hr.sent_at_ms > 0 ? hr.sent_at_ms : hs_mono_ms_f();
	if (rc != HS_OK)
		transport_error(c, rc, &hr, r);
	else
		hs_odoo_classify(hr.status, hr.retry_after[0] ?
		    hr.retry_after : NULL, hr.body, hr.body_len, now_ms, r);
	log_call(service, method, args, (long)c->req.len, hs_mono_ms_f() - t0,
	         r);
	return HS_OK;
}
