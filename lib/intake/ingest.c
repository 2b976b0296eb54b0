/*
 * intake/ingest.c - from checked request to committed event and its answer.
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "core/crypto.h"
#include "intake/internal.h"
#include "core/json_strict.h"
#include "sync/routes.h"
#include "core/config.h"
#include "core/banned.h"

/* Per-client rate limit of the sources that ask for it. */
const struct hs_conf_key hs_intake_keys[] = {
	{ "RATE_LIMIT_REQUESTS", HS_CONF_INT, HS_CONF_NUM(HS_RATE_LIMIT_DEFAULT),
	  0, 1000000,
	  "requests per client IP per window on /webhook/receive (0: off)" },
	{ "RATE_LIMIT_WINDOW_SECONDS", HS_CONF_INT,
	  HS_CONF_NUM(HS_RATE_WINDOW_DEFAULT), 1, 86400,
	  "length of the sliding window of RATE_LIMIT_REQUESTS" },
	{ NULL, HS_CONF_STR, NULL, 0, 0, NULL }
};

/*
 * Headers every event keeps: enough to trace it. A source adds its own
 * (a signature, to verify again) through its kept_headers.
 */
static const char *const pipeline_headers[] = {
	"content-type", "user-agent", "idempotency-key", "x-forwarded-for",
	"x-request-id", NULL
};

/*
 * The CGI meta-variable of a header name: HTTP_X_REQUEST_ID for
 * x-request-id, but CONTENT_TYPE for content-type (RFC 3875 §4.1). 0, or
 * -1 when it does not fit in n bytes.
 */
static int
header_param(const char *name, char *out, size_t n)
{
	const char *pre = !strcmp(name, "content-type") ||
	    !strcmp(name, "content-length") ? "" : "HTTP_";
	size_t i, plen = strlen(pre);

	if (plen + strlen(name) >= n)
		return -1;
	memcpy(out, pre, plen);
	for (i = 0; name[i]; i++)
		out[plen + i] = name[i] == '-' ? '_' :
		    (name[i] >= 'a' && name[i] <= 'z') ? (char)(name[i] - 32) :
		    name[i];
	out[plen + i] = '\0';
	return 0;
}

static void
keep_headers(struct json_object *o, const struct hs_request *r,
             const char *const *names)
{
	char param[128];
	const char *v;
	size_t i, n;

	for (i = 0; names && names[i]; i++) {
		if (header_param(names[i], param, sizeof(param)) != 0 ||
		    !(v = hs_request_param(r, param)))
			continue;
		n = strlen(v);
		if (n > HS_MAX_HEADER_VALUE)
			n = HS_MAX_HEADER_VALUE;
		json_object_object_add(o, names[i],
		    json_object_new_string_len(v, (int)n));
	}
}

struct json_object *
ingest_kept_headers(const struct hs_source *src, const struct hs_request *r)
{
	struct json_object *o = json_object_new_object();

	keep_headers(o, r, pipeline_headers);
	keep_headers(o, r, src->kept_headers);
	return o;
}

void
hs_accepted_body_key(struct hs_accepted *a, const char *raw, size_t n)
{
	char hex[HS_SHA256_HEX];

	hs_sha256_hex(raw, n, hex);
	snprintf(a->derived_key, sizeof(a->derived_key), "sha256:%s", hex);
}

/* The Idempotency-Key header, if any: printable ASCII, bounded. */
static int
header_key(const struct hs_request *r, const char **key,
           struct hs_response *rs)
{
	const char *k = hs_request_param(r, "HTTP_IDEMPOTENCY_KEY");
	const char *p;

	*key = NULL;
	if (!k)
		return 0;
	if (hs_request_param_count(r, "HTTP_IDEMPOTENCY_KEY") > 1) {
		hs_response_error(rs, 400, "bad request",
		    "the Idempotency-Key header appears more than once");
		return -1;
	}
	for (p = k; *p; p++)
		if (*p < 0x21 || *p > 0x7e)
			break;
	if (!*k || *p || strlen(k) > HS_MAX_IDEM_KEY) {
		hs_response_errorf(rs, 400, "bad request", "Idempotency-Key "
		    "must be 1 to %d printable ASCII characters",
		    HS_MAX_IDEM_KEY);
		return -1;
	}
	*key = k;
	return 0;
}

static int
read_body(struct hs_app *app, struct hs_request *r, struct hs_buf *body,
          struct hs_response *rs)
{
	enum hs_err rc;

	hs_buf_init(body, (size_t)hs_config_int(app->cfg, "MAX_BODY_BYTES"));
	rc = hs_request_read_body(r, body);
	if (rc == HS_OK)
		return 0;
	if (rc == HS_EINVAL)
		hs_response_errorf(rs, 400, "bad request", "the body ended "
		    "after %zu of %lld bytes", body->len, r->content_length);
	else
		hs_response_error(rs, 400, "bad request",
		    "the body could not be read");
	return -1;
}

static struct json_object *
parse_body(const struct hs_buf *body, struct hs_response *rs)
{
	struct hs_json_error je;
	struct json_object *obj;
	const char *text = body->data ? body->data : "";

	if (hs_json_check(text, body->len, HS_JSON_MAX_DEPTH, &je) != 0) {
		hs_response_errorf(rs, 400, "malformed JSON", "%s at byte %zu "
		    "(line %zu, column %zu)", je.reason, je.offset, je.line,
		    je.column);
		return NULL;
	}
	obj = json_tokener_parse(text);
	if (!json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		hs_response_error(rs, 422, "validation failed",
		    "the body must be a JSON object");
		return NULL;
	}
	return obj;
}

static void
answer_invalid(const struct hs_fields *f, struct hs_response *rs)
{
	struct json_object *o = json_object_new_object();
	char detail[64];

	snprintf(detail, sizeof(detail), "%zu invalid field%s", f->total,
	    f->total == 1 ? "" : "s");
	json_object_object_add(o, "error",
	    json_object_new_string("validation failed"));
	json_object_object_add(o, "detail", json_object_new_string(detail));
	hs_fields_to_json(f, o);
	hs_response_json(rs, 422, o);
	json_object_put(o);
	rs->error = "validation failed";
}

/* Answers a repeat: the first answer plus "duplicate": true. */
static void
answer_duplicate(const struct hs_source *src,
                 const struct hs_put_result *res, struct hs_response *rs)
{
	struct json_object *o = json_tokener_parse(res->response_body);

	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = json_object_new_object();
	}
	if (src->answer_ids)
		src->answer_ids(o, NULL, res->event_id);
	json_object_object_add(o, "duplicate", json_object_new_boolean(1));
	hs_response_json(rs, res->response_status, o);
	json_object_put(o);
	if (hs_response_header(rs, "Idempotent-Replayed", "true") != HS_OK)
		rs->status = 500;
	rs->duplicate = 1;
}

static void
store(struct hs_app *app, const struct hs_source *src, struct hs_request *r,
      const struct hs_buf *body, const char *key, struct hs_accepted *a,
      struct hs_response *rs)
{
	struct hs_spool *sp = hs_app_spool(app);
	struct json_object *hdrs;
	struct hs_put_result res;
	struct hs_event ev;
	const char *sinks[HS_MAX_ROUTED_SINKS];
	size_t nsinks;
	enum hs_err rc;

	if (!sp) {
		hs_app_spool_error(app, rs, app->spool_rc);
		return;
	}
	if (src->answer_ids)
		src->answer_ids(a->response, key, -1);
	else
		json_object_object_add(a->response, "idempotency_key",
		    json_object_new_string(key));
	hdrs = ingest_kept_headers(src, r);
	memset(&ev, 0, sizeof(ev));
	ev.source = src->name;
	ev.kind = a->kind;
	ev.idem_key = key;
	ev.entity_key = a->entity_key[0] ? a->entity_key : NULL;
	ev.received_ms = r->received_ms;
	ev.remote_addr = r->remote_addr;
	ev.content_type = r->content_type;
	ev.headers_json = json_object_to_json_string_ext(hdrs,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	ev.body = body->data;
	ev.body_len = body->len;
	ev.response_status = a->status;
	ev.response_body = json_object_to_json_string_ext(a->response,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	nsinks = hs_routes_resolve(app->cfg, src->name, a->kind, sinks,
	    HS_MAX_ROUTED_SINKS);
	rc = hs_spool_put(sp, &ev, sinks, nsinks, &res);
	if (rc != HS_OK) {
		hs_app_spool_failed(app, rc);
		hs_app_spool_error(app, rs, rc);
	} else if (res.duplicate) {
		answer_duplicate(src, &res, rs);
	} else if (src->answer_ids) {
		src->answer_ids(a->response, NULL, res.event_id);
		hs_response_json(rs, a->status, a->response);
	} else {
		hs_response_json_text(rs, a->status, ev.response_body);
	}
	rs->event_id = res.event_id;
	hs_put_result_release(&res);
	json_object_put(hdrs);
}

void
hs_ingest(struct hs_app *app, const struct hs_route *rt,
          struct hs_request *r, struct hs_response *rs)
{
	const struct hs_source *src = rt->arg;
	struct json_object *obj = NULL;
	struct hs_accepted a;
	struct hs_fields f;
	struct hs_buf body;
	const char *key = NULL;

	memset(&a, 0, sizeof(a));
	hs_buf_init(&body, 0);
	rs->source = src->name;
	if (ingest_check_config(app, src, rs) ||
	    ingest_check_rate(app, src, r, rs) ||
	    ingest_check_api_key(app, src, r, rs) ||
	    ingest_check_length(app, r, rs) ||
	    ingest_check_media_type(r, rs) ||
	    read_body(app, r, &body, rs) ||
	    ingest_check_signature(app, src, r, &body, rs) ||
	    header_key(r, &key, rs) ||
	    !(obj = parse_body(&body, rs)))
		goto out;
	hs_fields_init(&f);
	a.status = 202;
	a.cfg = app->cfg;
	a.received_ms = r->received_ms;
	src->accept(obj, body.data, body.len, &f, &a);
	rs->kind = a.kind;
	if (a.rc == HS_ENOMEM) {
		hs_response_error(rs, 500, "internal error", "out of memory");
		goto out;
	}
	if (f.total || (!a.response && !a.multi)) {
		answer_invalid(&f, rs);
		goto out;
	}
	if (a.multi) {
		ingest_store_many(app, src, r, &a, rs);
		goto out;
	}
	if (!key)
		key = a.derived_key;
	/* the log keeps a prefix; the spool keeps the whole key */
	snprintf(rs->idem_key, sizeof(rs->idem_key), "%.95s", key);
	store(app, src, r, &body, key, &a, rs);
out:
	hs_accepted_release(&a);
	json_object_put(obj);
	hs_buf_release(&body);
}
