/*
 * test_ingest.c - the whole handler without a web server: a CGI
 * environment block and a memory body go through hs_request_init() and
 * hs_app_dispatch() with the route table of cgi-bin/hooks.c, and each test
 * asserts the status, the JSON answer, the headers and the spool rows.
 *
 * Covers the seed endpoints (ManyChat contact and campaign, the signed
 * webhook of seed 001 with the protocols.md Appendix A vector), every
 * refusal of the pipeline in its documented order (503 config, 429, 401,
 * 411/413, 415, 400, 401 signature, 400 JSON, 422), duplicates, the
 * Idempotency-Key header, ROOT_PATH, /health, and 503 + Retry-After with
 * nothing stored when the spool is locked or its disk is full.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <sqlite3.h>

#include "front/app.h"
#include "front/health.h"
#include "core/crypto.h"
#include "core/log.h"
#include "front/request.h"
#include "front/response.h"
#include "intake/endpoints.h"
#include "intake/sources/sources.h"
#include "program/bootstrap.h"
#include "faultvfs.h"
#include "app_fx.h"

/* The route table of cgi-bin/hooks.c, built the same way in main(). */
static struct hs_route routes[HS_MAX_ROUTES + 1];

#define API_KEY "test-api-key-5d1f"
#define CONTACT "/api/v1/manychat/webhook/contact"
#define CAMPAIGN "/api/v1/manychat/webhook/campaign-assignment"
#define SIGNED "/webhook/receive"
/* 2026-11-23T10:30:18.123Z */
#define T0 INT64_C(1795429818123)

static const char contact_body[] = "{\"manychat_id\":\"test_contact_456\","
    "\"nombre_lead\":\"Test Contact Data\",\"datetime_actual\":"
    "\"2025-06-05T12:41:36Z\",\"ultimo_estado\":\"Nuevo\",\"id\":"
    "\"1234567890_manychat_id\",\"first_name\":\"Test\",\"last_name\":"
    "\"Data\",\"phone\":\"+56912345678\",\"email\":"
    "\"test.data@example.com\"}";
static const char campaign_body[] = "{\"manychat_id\":\"test_contact_456\","
    "\"campaign_id\":\"CAMP-ABC-123\",\"comercial_id\":\"COM-XYZ-001\","
    "\"datetime_actual\":\"2025-06-05T12:45:00Z\",\"ultimo_estado\":"
    "\"Asignado\",\"tipo_asignacion\":\"Automatica\"}";
/* protocols.md Appendix A, generic x-webhook-signature (seed 001) */
static const char vector_body[] = "{\"type\":\"user_info\",\"content\":\"x\"}";
#define VECTOR_SIG "df6184d5e7ea68ee9f66f5dee2b1a8d945a5a295eb64d8fa50c633afe2ce7144"

#define MAX_ENV 40
#define ENV_LEN 1200
#define MAX_RESULTS 16

struct req {
	char *env[MAX_ENV + 1];
	char store[MAX_ENV][ENV_LEN];
	int n;
	const char *body;
	size_t len, off;
	int reads;		/* calls of the body reader */
	int fail_read;		/* the reader reports an error */
	int64_t now_ms;		/* received_ms to use; 0 keeps the clock */
};

struct result {
	int status;
	struct json_object *json;	/* NULL if the body is not JSON */
	char headers[1024];
	char body[4096];
};

struct fx {
	struct app_fx a;
	struct result res[MAX_RESULTS];
	int nres;
	struct req q;
};

/* ---- fixture ---- */

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx || faultvfs_install() != 0)
		return -1;
	faultvfs_clear();
	if (app_fx_open(&fx->a, "ingest") != 0)
		return -1;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	int i;

	faultvfs_clear();
	for (i = 0; i < fx->nres; i++)
		json_object_put(fx->res[i].json);
	app_fx_stop(&fx->a);
	tmpdir_remove(fx->a.dir);
	free(fx);
	return 0;
}

/* Writes text as the configuration file and starts the app on it. */
static void
app_conf(struct fx *fx, const char *text)
{
	app_fx_start(&fx->a, "%s", text);
}

/* The usual configuration plus extra lines. */
static void
app_with(struct fx *fx, const char *extra)
{
	char text[2048];

	snprintf(text, sizeof(text), "API_KEY=%s\n"
	    "WEBHOOK_SECRET=shared_secret\n"
	    "SPOOL_PATH=%s\n"
	    "SPOOL_BUSY_TIMEOUT_MS=300\n"
	    "%s", API_KEY, fx->a.spool, extra ? extra : "");
	app_conf(fx, text);
}

/* ---- requests ---- */

static void
req_env(struct req *q, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
req_env(struct req *q, const char *fmt, ...)
{
	va_list ap;

	assert_true(q->n < MAX_ENV);
	va_start(ap, fmt);
	vsnprintf(q->store[q->n], ENV_LEN, fmt, ap);
	va_end(ap);
	q->env[q->n] = q->store[q->n];
	q->n++;
	q->env[q->n] = NULL;
}

/* A fresh request in fx->q: method, URI and a client address. */
static struct req *
req(struct fx *fx, const char *method, const char *uri)
{
	struct req *q = &fx->q;

	memset(q, 0, sizeof(*q));
	if (method)
		req_env(q, "REQUEST_METHOD=%s", method);
	req_env(q, "REQUEST_URI=%s", uri);
	req_env(q, "REMOTE_ADDR=192.0.2.10");
	req_env(q, "SERVER_PROTOCOL=HTTP/1.1");
	return q;
}

/* Sets the body with its Content-Length and, if given, Content-Type. */
static void
req_body(struct req *q, const char *body, const char *ctype)
{
	q->body = body;
	q->len = strlen(body);
	req_env(q, "CONTENT_LENGTH=%zu", q->len);
	if (ctype)
		req_env(q, "CONTENT_TYPE=%s", ctype);
}

/* A ManyChat POST with the right key. */
static struct req *
manychat(struct fx *fx, const char *uri, const char *body)
{
	struct req *q = req(fx, "POST", uri);

	req_body(q, body, "application/json");
	req_env(q, "HTTP_X_API_KEY=" API_KEY);
	req_env(q, "HTTP_USER_AGENT=ManyChat");
	return q;
}

/* A signed POST: the signature is computed with key over body. */
static struct req *
signed_req(struct fx *fx, const char *body, const char *key)
{
	struct req *q = req(fx, "POST", SIGNED);
	unsigned char md[HS_SHA256_LEN];
	char hex[HS_SHA256_HEX];

	assert_int_equal(hs_hmac_sha256(key, strlen(key), body, strlen(body),
	    md), HS_OK);
	hs_hex(md, sizeof(md), hex);
	req_body(q, body, "application/json");
	req_env(q, "HTTP_X_WEBHOOK_SIGNATURE=%s", hex);
	return q;
}

static long
mem_read(void *ctx, char *buf, size_t n)
{
	struct req *q = ctx;
	size_t left = q->len - q->off;

	q->reads++;
	if (q->fail_read)
		return -1;
	if (n > left)
		n = left;
	if (n > 7)
		n = 7;		/* short reads, as a socket gives them */
	memcpy(buf, q->body + q->off, n);
	q->off += n;
	return (long)n;
}

static struct result *
dispatch(struct fx *fx, struct req *q)
{
	struct result *out;
	struct hs_request r;
	struct hs_response rs;

	assert_true(fx->nres < MAX_RESULTS);
	out = &fx->res[fx->nres++];
	q->off = 0;
	assert_int_equal(hs_request_init(&r, q->env, q->body ? mem_read : NULL,
	    q), HS_OK);
	if (q->now_ms)
		r.received_ms = q->now_ms;
	hs_response_init(&rs);
	hs_app_dispatch(&fx->a.app, routes, &r, &rs);
	out->status = rs.status;
	snprintf(out->headers, sizeof(out->headers), "%s",
	    hs_buf_str(&rs.headers));
	snprintf(out->body, sizeof(out->body), "%s", hs_buf_str(&rs.body));
	out->json = json_tokener_parse(out->body);
	hs_response_release(&rs);
	hs_request_release(&r);
	return out;
}

/* ---- answers ---- */

static const char *
jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static struct json_object *
jget(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static void
expect_status(const struct result *r, int status)
{
	if (r->status != status)
		fail_msg("status %d, want %d; body %s", r->status, status,
		    r->body);
	if (!r->json)
		fail_msg("answer is not JSON: '%s'", r->body);
}

/* An error answer: status, "error" and a detail containing detail. */
static void
expect_error(const struct result *r, int status, const char *error,
             const char *detail)
{
	const char *d;

	expect_status(r, status);
	assert_string_equal(jstr(r->json, "error"), error);
	d = jstr(r->json, "detail");
	assert_non_null(d);
	if (detail && !strstr(d, detail))
		fail_msg("detail '%s' lacks '%s'", d, detail);
}

static int
has_header(const struct result *r, const char *line)
{
	char want[256];

	snprintf(want, sizeof(want), "%s\r\n", line);
	return strstr(r->headers, want) != NULL;
}

/* ---- spool rows ---- */

static long long
q_int(const struct fx *fx, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long long v = -1;

	if (access(fx->a.spool, F_OK) != 0)
		return 0;	/* never opened: nothing stored */
	if (sqlite3_open_v2(fx->a.spool, &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK)
		fail_msg("open %s: %s", fx->a.spool, sqlite3_errmsg(db));
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static long long
events(const struct fx *fx)
{
	return q_int(fx, "SELECT count(*) FROM events");
}

/* ---- ManyChat ---- */

static void
contact_seed_body_is_accepted_and_stored(void **state)
{
	struct fx *fx = *state;
	struct result *r;

	app_with(fx, NULL);
	r = dispatch(fx, manychat(fx, CONTACT, contact_body));
	expect_status(r, 202);
	assert_string_equal(jstr(r->json, "status"), "accepted");
	assert_string_equal(jstr(r->json, "message"),
	                    "Webhook received and event queued");
	assert_string_equal(jstr(r->json, "manychat_id"), "test_contact_456");
	assert_string_equal(jstr(r->json, "queue"), "manychat-contact-queue");
	assert_string_equal(jstr(r->json, "idempotency_key"),
	    "manychat:contact:test_contact_456:2025-06-05T12:41:36Z");
	assert_null(jget(r->json, "duplicate"));
	assert_false(has_header(r, "Idempotent-Replayed: true"));
	assert_int_equal(events(fx), 1);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM events WHERE "
	    "source = 'manychat' AND kind = 'contact' AND idem_key = "
	    "'manychat:contact:test_contact_456:2025-06-05T12:41:36Z' AND "
	    "entity_key = 'manychat:test_contact_456' AND remote_addr = "
	    "'192.0.2.10' AND content_type = 'application/json' AND "
	    "response_status = 202"), 1);
	/* the raw body exactly as received */
	assert_int_equal(q_int(fx, "SELECT length(body) FROM events"),
	                 strlen(contact_body));
	assert_int_equal(q_int(fx, "SELECT json_extract(body, "
	    "'$.manychat_id') = 'test_contact_456' FROM events"), 1);
	/* the kept headers, never the API key */
	assert_int_equal(q_int(fx, "SELECT json_extract(headers, "
	    "'$.\"user-agent\"') = 'ManyChat' AND json_extract(headers, "
	    "'$.\"content-type\"') = 'application/json' AND instr(headers, "
	    "'" API_KEY "') = 0 FROM events"), 1);
	/* the stored answer is the one sent */
	assert_int_equal(q_int(fx, "SELECT json_extract(response_body, "
	    "'$.queue') = 'manychat-contact-queue' FROM events"), 1);
}

static void
campaign_seed_body_is_accepted_and_stored(void **state)
{
	struct fx *fx = *state;
	struct result *r;

	app_with(fx, NULL);
	r = dispatch(fx, manychat(fx, CAMPAIGN, campaign_body));
	expect_status(r, 202);
	assert_string_equal(jstr(r->json, "status"), "accepted");
	assert_string_equal(jstr(r->json, "message"),
	                    "Evento de campa\xc3\xb1" "a encolado exitosamente");
	assert_string_equal(jstr(r->json, "manychat_id"), "test_contact_456");
	assert_string_equal(jstr(r->json, "campaign_id"), "CAMP-ABC-123");
	assert_string_equal(jstr(r->json, "queue"), "manychat-campaign-queue");
	assert_string_equal(jstr(r->json, "idempotency_key"),
	    "manychat:campaign:test_contact_456:CAMP-ABC-123:"
	    "2025-06-05T12:45:00Z");
	assert_int_equal(q_int(fx, "SELECT count(*) FROM events WHERE "
	    "kind = 'campaign' AND idem_key = 'manychat:campaign:"
	    "test_contact_456:CAMP-ABC-123:2025-06-05T12:45:00Z'"), 1);
}

static void
contact_without_datetime_is_keyed_by_body_hash(void **state)
{
	struct fx *fx = *state;
	static const char body[] = "{\"manychat_id\":\"m1\"}";
	char hex[HS_SHA256_HEX], want[80];
	struct result *r;

	app_with(fx, NULL);
	hs_sha256_hex(body, strlen(body), hex);
	snprintf(want, sizeof(want), "sha256:%s", hex);
	r = dispatch(fx, manychat(fx, CONTACT, body));
	expect_status(r, 202);
	assert_string_equal(jstr(r->json, "idempotency_key"), want);
}

static void
full_contact_data_with_unknown_keys_is_accepted(void **state)
{
	struct fx *fx = *state;
	static const char body[] = "{\"manychat_id\":\"1515862162\","
	    "\"id\":1515862162,\"key\":\"user:1515862162\",\"page_id\":"
	    "\"210878508779055\",\"status\":\"active\",\"first_name\":\"Ana\","
	    "\"last_name\":\"P\xc3\xa9rez\",\"name\":\"Ana P\xc3\xa9rez\","
	    "\"gender\":null,\"phone\":null,\"email\":\"\",\"subscribed\":"
	    "\"2026-05-04T10:54:33-06:00\",\"whatsapp_phone\":\"+50688217229\","
	    "\"custom_fields\":{\"Respuesta Chatbot\":null},\"tt_new\":[1]}";
	struct result *r;

	app_with(fx, NULL);
	r = dispatch(fx, manychat(fx, CONTACT, body));
	expect_status(r, 202);
	assert_string_equal(jstr(r->json, "manychat_id"), "1515862162");
}

static void
duplicate_is_answered_like_the_first_and_stored_once(void **state)
{
	struct fx *fx = *state;
	struct result *first, *again;

	app_with(fx, NULL);
	first = dispatch(fx, manychat(fx, CONTACT, contact_body));
	expect_status(first, 202);
	again = dispatch(fx, manychat(fx, CONTACT, contact_body));
	expect_status(again, 202);
	assert_true(json_object_get_boolean(jget(again->json, "duplicate")));
	assert_true(has_header(again, "Idempotent-Replayed: true"));
	assert_string_equal(jstr(again->json, "message"),
	                    jstr(first->json, "message"));
	assert_string_equal(jstr(again->json, "idempotency_key"),
	                    jstr(first->json, "idempotency_key"));
	assert_string_equal(jstr(again->json, "queue"),
	                    jstr(first->json, "queue"));
	assert_int_equal(events(fx), 1);
}

static void
same_contact_at_another_time_is_another_event(void **state)
{
	struct fx *fx = *state;
	static const char later[] = "{\"manychat_id\":\"test_contact_456\","
	    "\"datetime_actual\":\"2025-06-05T12:50:00Z\"}";

	app_with(fx, NULL);
	expect_status(dispatch(fx, manychat(fx, CONTACT, contact_body)), 202);
	expect_status(dispatch(fx, manychat(fx, CONTACT, later)), 202);
	assert_int_equal(events(fx), 2);
	assert_int_equal(q_int(fx, "SELECT count(DISTINCT entity_key) FROM "
	    "events"), 1);
}

/* ---- authentication ---- */

static void
missing_api_key_is_401_before_the_body_is_read(void **state)
{
	struct fx *fx = *state;
	struct req *q;
	struct result *r;

	app_with(fx, NULL);
	q = req(fx, "POST", CONTACT);
	req_body(q, contact_body, "application/json");
	r = dispatch(fx, q);
	expect_error(r, 401, "unauthorized", "missing X-API-KEY");
	assert_int_equal(q->reads, 0);
	assert_int_equal(events(fx), 0);
}

static void
wrong_or_empty_api_key_is_401(void **state)
{
	struct fx *fx = *state;
	static const char *const bad[] = { "wrong", "", API_KEY "x",
	    "test-api-key-5d1", "TEST-API-KEY-5D1F" };
	struct req *q;
	struct result *r;
	size_t i;

	app_with(fx, NULL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		q = req(fx, "POST", CONTACT);
		req_body(q, contact_body, "application/json");
		req_env(q, "HTTP_X_API_KEY=%s", bad[i]);
		r = dispatch(fx, q);
		expect_status(r, 401);
		assert_int_equal(q->reads, 0);
	}
	assert_int_equal(events(fx), 0);
}

static void
two_copies_of_the_api_key_header_are_401(void **state)
{
	struct fx *fx = *state;
	struct req *q;

	app_with(fx, NULL);
	/* lighttpd turns both "X-API-KEY" and "X_API_KEY" into this */
	q = manychat(fx, CONTACT, contact_body);
	req_env(q, "HTTP_X_API_KEY=" API_KEY);
	expect_error(dispatch(fx, q), 401, "unauthorized",
	    "more than once");
	q = manychat(fx, CONTACT, contact_body);
	req_env(q, "HTTP_X_API_KEY=attacker");
	expect_error(dispatch(fx, q), 401, "unauthorized",
	    "more than once");
	assert_int_equal(events(fx), 0);
}

static void
api_key_and_bodies_never_reach_the_log(void **state)
{
	struct fx *fx = *state;
	struct req *q;

	app_with(fx, NULL);
	q = req(fx, "POST", CONTACT);
	req_body(q, contact_body, "application/json");
	req_env(q, "HTTP_X_API_KEY=guess-4242");
	expect_status(dispatch(fx, q), 401);
	expect_status(dispatch(fx, manychat(fx, CONTACT, contact_body)), 202);
	expect_status(dispatch(fx, signed_req(fx, "{\"type\":\"user_info\","
	    "\"content\":\"secret-content\",\"user_id\":\"u\"}",
	    "shared_secret")), 202);
	fflush(fx->a.log);
	assert_non_null(fx->a.logtext);
	assert_non_null(strstr(fx->a.logtext, "status=401"));
	assert_non_null(strstr(fx->a.logtext, "status=202"));
	assert_null(strstr(fx->a.logtext, API_KEY));
	assert_null(strstr(fx->a.logtext, "guess-4242"));
	assert_null(strstr(fx->a.logtext, "shared_secret"));
	assert_null(strstr(fx->a.logtext, "Test Contact Data"));
	assert_null(strstr(fx->a.logtext, "secret-content"));
}

/* ---- length, media type, body ---- */

static void
missing_content_length_is_411(void **state)
{
	struct fx *fx = *state;
	struct req *q;

	app_with(fx, NULL);
	q = req(fx, "POST", CONTACT);
	req_env(q, "CONTENT_TYPE=application/json");
	req_env(q, "HTTP_X_API_KEY=" API_KEY);
	q->body = contact_body;
	q->len = strlen(contact_body);
	expect_error(dispatch(fx, q), 411, "length required", NULL);
	q = req(fx, "POST", CONTACT);
	req_env(q, "CONTENT_TYPE=application/json");
	req_env(q, "CONTENT_LENGTH=");
	req_env(q, "HTTP_X_API_KEY=" API_KEY);
	expect_status(dispatch(fx, q), 411);
}

static void
malformed_content_length_is_400(void **state)
{
	struct fx *fx = *state;
	static const char *const bad[] = { "12abc", "-1", " 12", "0x10",
	    "99999999999999999999999" };
	struct req *q;
	size_t i;

	app_with(fx, NULL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		q = req(fx, "POST", CONTACT);
		req_env(q, "CONTENT_TYPE=application/json");
		req_env(q, "CONTENT_LENGTH=%s", bad[i]);
		req_env(q, "HTTP_X_API_KEY=" API_KEY);
		expect_error(dispatch(fx, q), 400, "bad request",
		    "Content-Length");
	}
}

static void
body_over_max_body_bytes_is_413_unread(void **state)
{
	struct fx *fx = *state;
	struct req *q;
	struct result *r;

	app_with(fx, "MAX_BODY_BYTES=64\n");
	q = manychat(fx, CONTACT, contact_body);	/* > 64 bytes */
	r = dispatch(fx, q);
	expect_error(r, 413, "body too large", "limit is 64");
	assert_int_equal(q->reads, 0);
	assert_int_equal(events(fx), 0);
	/* exactly at the limit is fine */
	q = manychat(fx, CONTACT, "{\"manychat_id\":\"m\",\"nombre_lead\":"
	    "\"1234567890123456789012345678\"}");
	assert_int_equal(q->len, 64);
	expect_status(dispatch(fx, q), 202);
}

static void
wrong_or_missing_content_type_is_415(void **state)
{
	struct fx *fx = *state;
	static const char *const bad[] = { "text/plain",
	    "application/x-www-form-urlencoded", "application/jsonx",
	    "application/json-patch", "json", "" };
	struct req *q;
	size_t i;

	app_with(fx, NULL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		q = req(fx, "POST", CONTACT);
		req_body(q, contact_body, bad[i]);
		req_env(q, "HTTP_X_API_KEY=" API_KEY);
		expect_error(dispatch(fx, q), 415, "unsupported media type",
		    "application/json");
		assert_int_equal(q->reads, 0);
	}
	q = req(fx, "POST", CONTACT);
	req_body(q, contact_body, NULL);
	req_env(q, "HTTP_X_API_KEY=" API_KEY);
	expect_status(dispatch(fx, q), 415);
	assert_int_equal(events(fx), 0);
}

static void
json_media_types_with_parameters_or_suffix_are_accepted(void **state)
{
	struct fx *fx = *state;
	static const char *const good[] = { "application/json; charset=utf-8",
	    "Application/JSON", "application/vnd.manychat+json" };
	char body[128];
	struct req *q;
	size_t i;

	app_with(fx, NULL);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(body, sizeof(body), "{\"manychat_id\":\"ct-%zu\"}", i);
		q = req(fx, "POST", CONTACT);
		req_body(q, body, good[i]);
		req_env(q, "HTTP_X_API_KEY=" API_KEY);
		expect_status(dispatch(fx, q), 202);
	}
	assert_int_equal(events(fx), 3);
}

static void
body_shorter_than_content_length_is_400(void **state)
{
	struct fx *fx = *state;
	struct req *q;

	app_with(fx, NULL);
	q = req(fx, "POST", CONTACT);
	req_env(q, "CONTENT_TYPE=application/json");
	req_env(q, "CONTENT_LENGTH=%zu", strlen(contact_body) + 10);
	req_env(q, "HTTP_X_API_KEY=" API_KEY);
	q->body = contact_body;
	q->len = strlen(contact_body);
	expect_error(dispatch(fx, q), 400, "bad request", "ended after");
	assert_int_equal(events(fx), 0);
}

static void
body_read_error_is_400_and_nothing_stored(void **state)
{
	struct fx *fx = *state;
	struct req *q;

	app_with(fx, NULL);
	q = manychat(fx, CONTACT, contact_body);
	q->fail_read = 1;
	expect_error(dispatch(fx, q), 400, "bad request", "could not be read");
	assert_int_equal(events(fx), 0);
}

static void
seed_sample_with_comments_is_400_naming_comments_and_line(void **state)
{
	struct fx *fx = *state;
	static const char body[] = "{\n"
	    "    \"manychat_id\": \"test_contact_456\",\n"
	    "    \"datetime_actual\": \"2025-06-05T12:41:36Z\", // Ejemplo\n"
	    "    \"ultimo_estado\": \"Nuevo\"\n"
	    "}";
	struct result *r;

	app_with(fx, NULL);
	r = dispatch(fx, manychat(fx, CONTACT, body));
	expect_error(r, 400, "malformed JSON", "comments are not JSON");
	assert_non_null(strstr(jstr(r->json, "detail"), "line 3"));
	assert_int_equal(events(fx), 0);
}

static void
other_malformed_json_is_400(void **state)
{
	struct fx *fx = *state;
	static const char *const bad[] = { "", "{", "{'manychat_id':'x'}",
	    "{\"manychat_id\":\"x\",}", "{\"manychat_id\":NaN}",
	    "{\"manychat_id\":\"x\"} trailing", "{\"a\":\"\xff\"}" };
	size_t i;

	app_with(fx, NULL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_error(dispatch(fx, manychat(fx, CONTACT, bad[i])), 400,
		    "malformed JSON", "line 1");
	assert_int_equal(events(fx), 0);
}

static void
too_deep_json_is_400(void **state)
{
	struct fx *fx = *state;
	char body[256];
	int i, n = 0;

	app_with(fx, NULL);
	n += snprintf(body + n, sizeof(body) - n, "{\"manychat_id\":\"m\","
	    "\"x\":");
	for (i = 0; i < 40; i++)
		body[n++] = '[';
	for (i = 0; i < 40; i++)
		body[n++] = ']';
	body[n++] = '}';
	body[n] = '\0';
	expect_error(dispatch(fx, manychat(fx, CONTACT, body)), 400,
	    "malformed JSON", "nested too deeply");
}

/* ---- 422 ---- */

static void
missing_manychat_id_is_422_naming_the_field(void **state)
{
	struct fx *fx = *state;
	struct json_object *fields, *e;
	struct result *r;

	app_with(fx, NULL);
	r = dispatch(fx, manychat(fx, CONTACT, "{\"nombre_lead\":\"x\"}"));
	expect_error(r, 422, "validation failed", "1 invalid field");
	fields = jget(r->json, "fields");
	assert_non_null(fields);
	assert_int_equal(json_object_array_length(fields), 1);
	e = json_object_array_get_idx(fields, 0);
	assert_string_equal(jstr(e, "field"), "manychat_id");
	assert_string_equal(jstr(e, "problem"), "is required");
	assert_int_equal(events(fx), 0);
}

static void
every_bad_field_is_listed_in_one_422(void **state)
{
	struct fx *fx = *state;
	struct json_object *fields;
	struct result *r;
	char list[512] = "";
	size_t i, n;

	app_with(fx, NULL);
	r = dispatch(fx, manychat(fx, CONTACT, "{\"manychat_id\":\"\","
	    "\"id\":1.5,\"email\":\"nope\",\"datetime_actual\":\"2025-02-30\","
	    "\"first_name\":7,\"phone\":true}"));
	expect_error(r, 422, "validation failed", "6 invalid fields");
	fields = jget(r->json, "fields");
	n = json_object_array_length(fields);
	assert_int_equal(n, 6);
	for (i = 0; i < n; i++) {
		strncat(list, jstr(json_object_array_get_idx(fields, i),
		    "field"), sizeof(list) - strlen(list) - 2);
		strncat(list, ",", sizeof(list) - strlen(list) - 1);
	}
	assert_string_equal(list, "manychat_id,id,first_name,phone,email,"
	    "datetime_actual,");
}

static void
campaign_without_campaign_id_is_422(void **state)
{
	struct fx *fx = *state;
	struct result *r;

	app_with(fx, NULL);
	r = dispatch(fx, manychat(fx, CAMPAIGN, "{\"manychat_id\":\"m\"}"));
	expect_error(r, 422, "validation failed", NULL);
	assert_string_equal(jstr(json_object_array_get_idx(jget(r->json,
	    "fields"), 0), "field"), "campaign_id");
}

static void
json_that_is_not_an_object_is_422(void **state)
{
	struct fx *fx = *state;

	app_with(fx, NULL);
	expect_error(dispatch(fx, manychat(fx, CONTACT, "[1,2]")), 422,
	    "validation failed", "JSON object");
	expect_error(dispatch(fx, manychat(fx, CONTACT, "\"x\"")), 422,
	    "validation failed", "JSON object");
	assert_int_equal(events(fx), 0);
}

/* ---- the signed webhook (seed 001) ---- */

static void
appendix_a_vector_passes_the_signature_check(void **state)
{
	struct fx *fx = *state;
	struct req *q;
	struct result *r;

	app_with(fx, NULL);
	q = req(fx, "POST", SIGNED);
	req_body(q, vector_body, "application/json");
	req_env(q, "HTTP_X_WEBHOOK_SIGNATURE=" VECTOR_SIG);
	r = dispatch(fx, q);
	/* authenticated; seed 001 then requires user_id for user_info */
	expect_error(r, 422, "validation failed", NULL);
	assert_string_equal(jstr(json_object_array_get_idx(jget(r->json,
	    "fields"), 0), "field"), "user_id");
}

static void
signed_webhook_is_accepted_with_seed_001_answer(void **state)
{
	struct fx *fx = *state;
	static const char body[] = "{\"type\":\"reservation_update\","
	    "\"content\":\"La reservaci\xc3\xb3n ha sido confirmada\","
	    "\"user_id\":\"123456\",\"timestamp\":\"2023-11-12T15:30:45.123Z\","
	    "\"metadata\":{\"reservation_id\":\"res_abc123\","
	    "\"status\":\"confirmed\"}}";
	char hex[HS_SHA256_HEX], key[80];
	struct json_object *data;
	struct result *r;

	app_with(fx, NULL);
	r = dispatch(fx, signed_req(fx, body, "shared_secret"));
	expect_status(r, 202);
	assert_true(json_object_get_boolean(jget(r->json, "success")));
	assert_non_null(jstr(r->json, "message"));
	data = jget(r->json, "data");
	assert_string_equal(jstr(data, "type"), "reservation_update");
	hs_sha256_hex(body, strlen(body), hex);
	snprintf(key, sizeof(key), "sha256:%s", hex);
	assert_string_equal(jstr(data, "idempotency_key"), key);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM events WHERE "
	    "source = 'signed' AND kind = 'reservation_update' AND "
	    "entity_key = 'user:123456'"), 1);
	assert_int_equal(q_int(fx, "SELECT json_extract(headers, "
	    "'$.\"x-webhook-signature\"') IS NOT NULL FROM events"), 1);
}

static void
sha256_prefix_on_the_signature_is_accepted(void **state)
{
	struct fx *fx = *state;
	static const char body[] = "{\"type\":\"user_info\",\"content\":\"x\","
	    "\"user_id\":\"u1\"}";
	unsigned char md[HS_SHA256_LEN];
	char hex[HS_SHA256_HEX];
	struct req *q;

	app_with(fx, NULL);
	assert_int_equal(hs_hmac_sha256("shared_secret", 13, body,
	    strlen(body), md), HS_OK);
	hs_hex(md, sizeof(md), hex);
	q = req(fx, "POST", SIGNED);
	req_body(q, body, "application/json");
	req_env(q, "HTTP_X_WEBHOOK_SIGNATURE=sha256=%s", hex);
	expect_status(dispatch(fx, q), 202);
	/* upper-case hex and prefix too; same body: a duplicate */
	for (size_t i = 0; hex[i]; i++)
		if (hex[i] >= 'a' && hex[i] <= 'f')
			hex[i] = (char)(hex[i] - 'a' + 'A');
	q = req(fx, "POST", SIGNED);
	req_body(q, body, "application/json");
	req_env(q, "HTTP_X_WEBHOOK_SIGNATURE=SHA256=%s", hex);
	expect_status(dispatch(fx, q), 202);
	assert_int_equal(events(fx), 1);
}

static void
bad_missing_or_doubled_signature_is_401(void **state)
{
	struct fx *fx = *state;
	static const char body[] = "{\"type\":\"user_info\",\"content\":\"x\","
	    "\"user_id\":\"u1\"}";
	struct req *q;

	app_with(fx, NULL);
	expect_error(dispatch(fx, signed_req(fx, body, "other_secret")), 401,
	    "unauthorized", "x-webhook-signature");
	/* the vector's signature over another body */
	q = req(fx, "POST", SIGNED);
	req_body(q, body, "application/json");
	req_env(q, "HTTP_X_WEBHOOK_SIGNATURE=" VECTOR_SIG);
	expect_status(dispatch(fx, q), 401);
	q = req(fx, "POST", SIGNED);
	req_body(q, body, "application/json");
	expect_error(dispatch(fx, q), 401, "unauthorized", "missing");
	q = req(fx, "POST", SIGNED);
	req_body(q, body, "application/json");
	req_env(q, "HTTP_X_WEBHOOK_SIGNATURE=not-hex");
	expect_status(dispatch(fx, q), 401);
	q = req(fx, "POST", SIGNED);
	req_body(q, body, "application/json");
	req_env(q, "HTTP_X_WEBHOOK_SIGNATURE=" VECTOR_SIG "00");
	expect_status(dispatch(fx, q), 401);
	q = signed_req(fx, body, "shared_secret");
	req_env(q, "HTTP_X_WEBHOOK_SIGNATURE=" VECTOR_SIG);
	expect_error(dispatch(fx, q), 401, "unauthorized", "more than once");
	assert_int_equal(events(fx), 0);
}

static void
signature_is_checked_before_the_json(void **state)
{
	struct fx *fx = *state;
	struct req *q;

	app_with(fx, NULL);
	q = req(fx, "POST", SIGNED);
	req_body(q, "not json", "application/json");
	req_env(q, "HTTP_X_WEBHOOK_SIGNATURE=" VECTOR_SIG);
	expect_status(dispatch(fx, q), 401);
	expect_error(dispatch(fx, signed_req(fx, "not json", "shared_secret")),
	    400, "malformed JSON", NULL);
}

static void
unknown_signed_type_is_422(void **state)
{
	struct fx *fx = *state;
	struct result *r;

	app_with(fx, NULL);
	r = dispatch(fx, signed_req(fx, "{\"type\":\"other\",\"content\":\"x\"}",
	    "shared_secret"));
	expect_error(r, 422, "validation failed", NULL);
	assert_string_equal(jstr(json_object_array_get_idx(jget(r->json,
	    "fields"), 0), "field"), "type");
}

/* ---- Idempotency-Key ---- */

static void
idempotency_key_header_wins_over_the_derived_key(void **state)
{
	struct fx *fx = *state;
	static const char other[] = "{\"manychat_id\":\"someone_else\","
	    "\"datetime_actual\":\"2025-07-01T00:00:00Z\"}";
	struct req *q;
	struct result *r;

	app_with(fx, NULL);
	q = manychat(fx, CONTACT, contact_body);
	req_env(q, "HTTP_IDEMPOTENCY_KEY=order-7781");
	r = dispatch(fx, q);
	expect_status(r, 202);
	assert_string_equal(jstr(r->json, "idempotency_key"), "order-7781");
	assert_int_equal(q_int(fx, "SELECT count(*) FROM events WHERE "
	    "idem_key = 'order-7781'"), 1);
	/* another body under the same header key: the first answer */
	q = manychat(fx, CONTACT, other);
	req_env(q, "HTTP_IDEMPOTENCY_KEY=order-7781");
	r = dispatch(fx, q);
	expect_status(r, 202);
	assert_true(json_object_get_boolean(jget(r->json, "duplicate")));
	assert_string_equal(jstr(r->json, "manychat_id"), "test_contact_456");
	assert_int_equal(events(fx), 1);
	/* the same body without the header is a new key */
	expect_status(dispatch(fx, manychat(fx, CONTACT, contact_body)), 202);
	assert_int_equal(events(fx), 2);
}

static void
bad_idempotency_key_header_is_400(void **state)
{
	struct fx *fx = *state;
	char longkey[260];
	struct req *q;

	app_with(fx, NULL);
	q = manychat(fx, CONTACT, contact_body);
	req_env(q, "HTTP_IDEMPOTENCY_KEY=has space");
	expect_error(dispatch(fx, q), 400, "bad request", "Idempotency-Key");
	q = manychat(fx, CONTACT, contact_body);
	req_env(q, "HTTP_IDEMPOTENCY_KEY=");
	expect_status(dispatch(fx, q), 400);
	q = manychat(fx, CONTACT, contact_body);
	req_env(q, "HTTP_IDEMPOTENCY_KEY=caf\xc3\xa9");
	expect_status(dispatch(fx, q), 400);
	memset(longkey, 'k', 201);
	longkey[201] = '\0';
	q = manychat(fx, CONTACT, contact_body);
	req_env(q, "HTTP_IDEMPOTENCY_KEY=%s", longkey);
	expect_status(dispatch(fx, q), 400);
	longkey[200] = '\0';	/* 200 is the limit */
	q = manychat(fx, CONTACT, contact_body);
	req_env(q, "HTTP_IDEMPOTENCY_KEY=%s", longkey);
	expect_status(dispatch(fx, q), 202);
	q = manychat(fx, CONTACT, contact_body);
	req_env(q, "HTTP_IDEMPOTENCY_KEY=a");
	req_env(q, "HTTP_IDEMPOTENCY_KEY=b");
	expect_error(dispatch(fx, q), 400, "bad request", "more than once");
	assert_int_equal(events(fx), 1);
}

/* ---- configuration ---- */

static void
missing_api_key_setting_is_503(void **state)
{
	struct fx *fx = *state;
	char text[512];
	struct result *r;

	snprintf(text, sizeof(text), "WEBHOOK_SECRET=shared_secret\n"
	    "SPOOL_PATH=%s\n", fx->a.spool);
	app_conf(fx, text);
	r = dispatch(fx, manychat(fx, CONTACT, contact_body));
	expect_error(r, 503, "configuration incomplete", "API_KEY");
	assert_int_equal(fx->q.reads, 0);
	/* the signed source has its secret and still works */
	expect_status(dispatch(fx, signed_req(fx, "{\"type\":\"user_info\","
	    "\"content\":\"x\",\"user_id\":\"u\"}", "shared_secret")), 202);
}

static void
empty_api_key_setting_is_503_not_an_open_door(void **state)
{
	struct fx *fx = *state;
	char text[512];
	struct req *q;

	snprintf(text, sizeof(text), "API_KEY=\nSPOOL_PATH=%s\n", fx->a.spool);
	app_conf(fx, text);
	q = req(fx, "POST", CONTACT);
	req_body(q, contact_body, "application/json");
	req_env(q, "HTTP_X_API_KEY=");
	expect_error(dispatch(fx, q), 503, "configuration incomplete",
	    "API_KEY");
	assert_int_equal(events(fx), 0);
}

static void
configuration_with_errors_is_503(void **state)
{
	struct fx *fx = *state;

	app_with(fx, "MAX_BODY_BYTES=lots\n");
	expect_error(dispatch(fx, manychat(fx, CONTACT, contact_body)), 503,
	    "configuration invalid", NULL);
	assert_int_equal(events(fx), 0);
}

static void
unknown_setting_is_only_a_warning(void **state)
{
	struct fx *fx = *state;

	app_with(fx, "SOMETHING_NEW=1\nGUNICORN_WORKERS=4\n");
	expect_status(dispatch(fx, manychat(fx, CONTACT, contact_body)), 202);
	fflush(fx->a.log);
	assert_non_null(strstr(fx->a.logtext, "SOMETHING_NEW"));
	assert_null(strstr(fx->a.logtext, "GUNICORN_WORKERS"));
}

/* ---- routing ---- */

static void
unknown_path_is_404(void **state)
{
	struct fx *fx = *state;

	app_with(fx, NULL);
	expect_error(dispatch(fx, manychat(fx, "/api/v1/manychat/webhook/other",
	    contact_body)), 404, "not found", NULL);
	expect_status(dispatch(fx, manychat(fx, "/api/v1/manychat/webhook/"
	    "contact/", contact_body)), 404);
	expect_status(dispatch(fx, manychat(fx, "/manychat/webhook/contact",
	    contact_body)), 404);
	expect_status(dispatch(fx, req(fx, "GET", "/")), 404);
	assert_int_equal(events(fx), 0);
}

static void
wrong_method_is_405_with_allow(void **state)
{
	struct fx *fx = *state;
	struct result *r;

	app_with(fx, NULL);
	r = dispatch(fx, req(fx, "GET", CONTACT));
	expect_error(r, 405, "method not allowed", "use POST");
	assert_true(has_header(r, "Allow: POST"));
	r = dispatch(fx, req(fx, "PUT", SIGNED));
	expect_status(r, 405);
	assert_true(has_header(r, "Allow: POST"));
	r = dispatch(fx, manychat(fx, "/health", contact_body));
	expect_status(r, 405);
	assert_true(has_header(r, "Allow: GET, HEAD"));
	r = dispatch(fx, req(fx, "POS", CONTACT));
	expect_status(r, 405);
	r = dispatch(fx, req(fx, "EAD", "/health"));
	expect_status(r, 405);
}

static void
query_string_does_not_affect_routing(void **state)
{
	struct fx *fx = *state;

	app_with(fx, NULL);
	expect_status(dispatch(fx, manychat(fx, CONTACT "?source=flow1",
	    contact_body)), 202);
	expect_status(dispatch(fx, req(fx, "GET", "/health?probe=1")), 200);
}

static void
api_v1_str_moves_the_manychat_endpoints(void **state)
{
	struct fx *fx = *state;

	app_with(fx, "API_V1_STR=/v2/\n");
	expect_status(dispatch(fx, manychat(fx, "/v2/manychat/webhook/contact",
	    contact_body)), 202);
	expect_status(dispatch(fx, manychat(fx, CONTACT, contact_body)), 404);
}

static void
root_path_prefixes_every_route(void **state)
{
	struct fx *fx = *state;
	static const char body[] = "{\"type\":\"user_info\",\"content\":\"x\","
	    "\"user_id\":\"u\"}";
	struct req *q;

	app_with(fx, "ROOT_PATH=/api/webhook\n");
	/* seed 001: POST https://host/api/webhook/webhook/receive */
	q = signed_req(fx, body, "shared_secret");
	snprintf(q->store[1], ENV_LEN, "REQUEST_URI=/api/webhook" SIGNED);
	expect_status(dispatch(fx, q), 202);
	expect_status(dispatch(fx, req(fx, "GET", "/api/webhook/webhook/health")),
	    200);
	expect_status(dispatch(fx, manychat(fx, "/api/webhook" CONTACT,
	    contact_body)), 202);
	/* without the prefix, or with a look-alike, nothing matches */
	expect_status(dispatch(fx, signed_req(fx, body, "shared_secret")), 404);
	expect_status(dispatch(fx, req(fx, "GET", "/api/webhookx/health")),
	    404);
	expect_status(dispatch(fx, req(fx, "GET", "/health")), 404);
	assert_int_equal(events(fx), 2);
}

static void
root_path_with_trailing_slash_is_the_same_prefix(void **state)
{
	struct fx *fx = *state;

	app_with(fx, "ROOT_PATH=/api/\n");
	expect_status(dispatch(fx, req(fx, "GET", "/api/health")), 200);
}

/*
 * Regression test (bug fixed in 468a759):
 * lib/front/app.c method_allowed() looped strstr(p + 1, method); with an empty
 * REQUEST_METHOD, strstr matched at every position including the
 * terminating NUL, and the next call started one byte past the end of the
 * route's methods string (ASan: global-buffer-overflow). Runs in a child
 * so that an abort is contained and reported as this test's failure.
 */
static void
empty_request_method_is_refused_without_reading_out_of_bounds(void **state)
{
	struct fx *fx = *state;
	int status;
	pid_t pid;

	app_with(fx, NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct result *r = dispatch(fx, req(fx, "", "/health"));

		_exit(r->status == 405 || r->status == 400 ? 0 : 2);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("regression: front/app.c method_allowed(): "
		    "REQUEST_METHOD= (empty) "
		    "on /health: child %s %d (ASan report above)",
		    WIFEXITED(status) ? "exited" : "killed by signal",
		    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}

static void
absent_request_method_is_taken_as_get(void **state)
{
	struct fx *fx = *state;

	app_with(fx, NULL);
	expect_status(dispatch(fx, req(fx, NULL, "/health")), 200);
}

/* ---- health ---- */

static void
health_reports_the_spool_and_its_counts(void **state)
{
	struct fx *fx = *state;
	struct json_object *d;
	struct result *r;

	app_with(fx, NULL);
	expect_status(dispatch(fx, manychat(fx, CONTACT, contact_body)), 202);
	r = dispatch(fx, req(fx, "GET", "/health"));
	expect_status(r, 200);
	assert_string_equal(jstr(r->json, "status"), "ok");
	assert_string_equal(jstr(r->json, "spool"), "reachable");
	assert_string_equal(jstr(r->json, "config"), "ok");
	assert_true(json_object_get_int(jget(r->json, "schema_version")) >= 1);
	assert_int_equal(json_object_get_int64(jget(r->json, "events")), 1);
	d = jget(r->json, "deliveries");
	assert_non_null(d);
	assert_non_null(jget(d, "pending"));
	expect_status(dispatch(fx, req(fx, "HEAD", "/webhook/health")), 200);
}

static void
health_is_503_when_the_configuration_has_errors(void **state)
{
	struct fx *fx = *state;
	struct result *r;

	app_with(fx, "DEBUG=perhaps\n");
	r = dispatch(fx, req(fx, "GET", "/health"));
	expect_status(r, 503);
	assert_string_equal(jstr(r->json, "status"), "unavailable");
	assert_string_equal(jstr(r->json, "config"), "invalid");
	assert_true(has_header(r, "Retry-After: 5"));
}

static void
health_is_503_when_the_spool_cannot_open(void **state)
{
	struct fx *fx = *state;
	struct result *r;

	app_conf(fx, "API_KEY=k\nSPOOL_PATH=/nonexistent-hs-dir/spool.db\n");
	r = dispatch(fx, req(fx, "GET", "/health"));
	expect_status(r, 503);
	assert_string_equal(jstr(r->json, "spool"), "unreachable");
	/* The path stays in the log: /health answers anyone. */
	assert_null(strstr(jstr(r->json, "detail"), "/nonexistent-hs-dir"));
	assert_non_null(strstr(jstr(r->json, "detail"), "server log"));
	assert_true(has_header(r, "Retry-After: 5"));
}

/* ---- the spool under stress ---- */

static void
unopenable_spool_is_503_with_retry_after(void **state)
{
	struct fx *fx = *state;
	struct result *r;

	app_conf(fx, "API_KEY=" API_KEY "\n"
	    "SPOOL_PATH=/nonexistent-hs-dir/spool.db\n");
	r = dispatch(fx, manychat(fx, CONTACT, contact_body));
	expect_error(r, 503, "spool unavailable", NULL);
	assert_true(has_header(r, "Retry-After: 2"));
}

static void
locked_spool_is_503_with_retry_after_and_nothing_stored(void **state)
{
	struct fx *fx = *state;
	struct result *r;
	char lock[160];
	int fd;

	app_with(fx, NULL);
	expect_status(dispatch(fx, req(fx, "GET", "/health")), 200);
	snprintf(lock, sizeof(lock), "%s.lock", fx->a.spool);
	fd = open(lock, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	r = dispatch(fx, manychat(fx, CONTACT, contact_body));
	close(fd);
	expect_error(r, 503, "spool unavailable", "locked");
	assert_true(has_header(r, "Retry-After: 2"));
	assert_int_equal(events(fx), 0);
	r = dispatch(fx, manychat(fx, CONTACT, contact_body));
	expect_status(r, 202);
	assert_null(jget(r->json, "duplicate"));
	assert_int_equal(events(fx), 1);
}

static void
full_disk_is_503_with_retry_after_and_a_retry_stores_once(void **state)
{
	struct fx *fx = *state;
	struct result *r;

	app_with(fx, NULL);
	expect_status(dispatch(fx, req(fx, "GET", "/health")), 200);
	faultvfs_fail(FV_WRITE, 1, SQLITE_FULL, 1);
	r = dispatch(fx, manychat(fx, CONTACT, contact_body));
	assert_true(faultvfs_fired() > 0);
	faultvfs_clear();
	expect_error(r, 503, "spool unavailable", "disk is full");
	assert_true(has_header(r, "Retry-After: 2"));
	assert_int_equal(events(fx), 0);
	r = dispatch(fx, manychat(fx, CONTACT, contact_body));
	expect_status(r, 202);
	assert_null(jget(r->json, "duplicate"));
	r = dispatch(fx, manychat(fx, CONTACT, contact_body));
	expect_status(r, 202);
	assert_true(json_object_get_boolean(jget(r->json, "duplicate")));
	assert_int_equal(events(fx), 1);
}

static void
failed_sync_is_503_and_the_spool_is_reopened(void **state)
{
	struct fx *fx = *state;
	struct result *r;

	app_with(fx, NULL);
	expect_status(dispatch(fx, req(fx, "GET", "/health")), 200);
	faultvfs_fail(FV_SYNC, 1, SQLITE_IOERR_FSYNC, 0);
	r = dispatch(fx, manychat(fx, CONTACT, contact_body));
	assert_true(faultvfs_fired() > 0);
	faultvfs_clear();
	expect_error(r, 503, "spool unavailable", "server log");
	assert_true(has_header(r, "Retry-After: 2"));
	assert_null(fx->a.app.sp);	/* dropped, to be opened again */
	assert_int_equal(events(fx), 0);
	expect_status(dispatch(fx, manychat(fx, CONTACT, contact_body)), 202);
	assert_int_equal(events(fx), 1);
}

/* ---- rate limit (signed source) ---- */

static void
rate_limit_answers_429_with_retry_after_then_frees(void **state)
{
	struct fx *fx = *state;
	char body[128];
	struct req *q;
	struct result *r;
	int i;

	app_with(fx, "RATE_LIMIT_REQUESTS=2\nRATE_LIMIT_WINDOW_SECONDS=60\n");
	for (i = 0; i < 2; i++) {
		snprintf(body, sizeof(body), "{\"type\":\"user_info\","
		    "\"content\":\"n%d\",\"user_id\":\"u\"}", i);
		q = signed_req(fx, body, "shared_secret");
		q->now_ms = T0 + i * 1000;
		expect_status(dispatch(fx, q), 202);
	}
	q = signed_req(fx, "{\"type\":\"user_info\",\"content\":\"n2\","
	    "\"user_id\":\"u\"}", "shared_secret");
	q->now_ms = T0 + 2500;
	r = dispatch(fx, q);
	expect_error(r, 429, "too many requests", "retry after 58 s");
	assert_true(has_header(r, "Retry-After: 58"));
	assert_int_equal(q->reads, 0);
	assert_int_equal(events(fx), 2);
	/* the first hit leaves the window at T0 + 60 s */
	q->now_ms = T0 + 60000;
	expect_status(dispatch(fx, q), 202);
	assert_int_equal(events(fx), 3);
	/* ManyChat endpoints are not rate limited */
	for (i = 0; i < 3; i++) {
		q = manychat(fx, CONTACT, contact_body);
		q->now_ms = T0 + 60001 + i;
		expect_status(dispatch(fx, q), 202);
	}
}

static void
rate_limit_counts_per_client_address(void **state)
{
	struct fx *fx = *state;
	struct req *q;

	app_with(fx, "RATE_LIMIT_REQUESTS=1\n");
	q = signed_req(fx, vector_body, "shared_secret");
	q->now_ms = T0;
	expect_status(dispatch(fx, q), 422);
	q = signed_req(fx, vector_body, "shared_secret");
	snprintf(q->store[2], ENV_LEN, "REMOTE_ADDR=198.51.100.9");
	q->now_ms = T0 + 1;
	expect_status(dispatch(fx, q), 422);
	q = signed_req(fx, vector_body, "shared_secret");
	req_env(q, "HTTP_X_FORWARDED_FOR=203.0.113.5");	/* not trusted */
	q->now_ms = T0 + 2;
	expect_status(dispatch(fx, q), 429);
}

static void
trusted_forwarded_for_names_the_client(void **state)
{
	struct fx *fx = *state;
	struct req *q;

	app_with(fx, "RATE_LIMIT_REQUESTS=1\nTRUST_FORWARDED_FOR=true\n");
	q = signed_req(fx, vector_body, "shared_secret");
	req_env(q, "HTTP_X_FORWARDED_FOR=203.0.113.5, 10.0.0.1");
	q->now_ms = T0;
	expect_status(dispatch(fx, q), 422);
	q = signed_req(fx, vector_body, "shared_secret");
	req_env(q, "HTTP_X_FORWARDED_FOR=203.0.113.6, 10.0.0.1");
	q->now_ms = T0 + 1;
	expect_status(dispatch(fx, q), 422);
	q = signed_req(fx, vector_body, "shared_secret");
	req_env(q, "HTTP_X_FORWARDED_FOR=203.0.113.5");
	q->now_ms = T0 + 2;
	expect_status(dispatch(fx, q), 429);
}

static void
rate_limit_of_zero_is_off(void **state)
{
	struct fx *fx = *state;
	struct req *q;
	int i;

	app_with(fx, "RATE_LIMIT_REQUESTS=0\n");
	for (i = 0; i < 5; i++) {
		q = signed_req(fx, vector_body, "shared_secret");
		q->now_ms = T0;
		expect_status(dispatch(fx, q), 422);
	}
	assert_int_equal(q_int(fx, "SELECT count(*) FROM client_hits"), 0);
}

/* ---- the written answer ---- */

static int
collect(void *ctx, const char *data, size_t n)
{
	struct hs_buf *b = ctx;

	return hs_buf_add(b, data, n) == HS_OK ? (int)n : -1;
}

static void
written_answer_has_status_line_headers_and_body(void **state)
{
	struct fx *fx = *state;
	struct hs_request r;
	struct hs_response rs;
	struct hs_buf out;
	struct req *q = manychat(fx, CONTACT, contact_body);

	app_with(fx, NULL);
	assert_int_equal(hs_request_init(&r, q->env, mem_read, q), HS_OK);
	hs_response_init(&rs);
	hs_app_dispatch(&fx->a.app, routes, &r, &rs);
	hs_buf_init(&out, 65536);
	assert_true(hs_response_write(&rs, r.method, collect, &out) >= 0);
	assert_int_equal(strncmp(hs_buf_str(&out), "Status: 202 Accepted\r\n"
	    "Content-Type: application/json\r\n", 54), 0);
	assert_non_null(strstr(hs_buf_str(&out), "\r\n\r\n{\"status\":"
	    "\"accepted\""));
	hs_buf_release(&out);
	/* HEAD: the same head, no body */
	hs_buf_init(&out, 65536);
	assert_true(hs_response_write(&rs, "HEAD", collect, &out) >= 0);
	assert_int_equal(out.data[out.len - 1], '\n');
	assert_null(strstr(hs_buf_str(&out), "{"));
	hs_buf_release(&out);
	hs_response_release(&rs);
	hs_request_release(&r);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(contact_seed_body_is_accepted_and_stored),
		T(campaign_seed_body_is_accepted_and_stored),
		T(contact_without_datetime_is_keyed_by_body_hash),
		T(full_contact_data_with_unknown_keys_is_accepted),
		T(duplicate_is_answered_like_the_first_and_stored_once),
		T(same_contact_at_another_time_is_another_event),
		T(missing_api_key_is_401_before_the_body_is_read),
		T(wrong_or_empty_api_key_is_401),
		T(two_copies_of_the_api_key_header_are_401),
		T(api_key_and_bodies_never_reach_the_log),
		T(missing_content_length_is_411),
		T(malformed_content_length_is_400),
		T(body_over_max_body_bytes_is_413_unread),
		T(wrong_or_missing_content_type_is_415),
		T(json_media_types_with_parameters_or_suffix_are_accepted),
		T(body_shorter_than_content_length_is_400),
		T(body_read_error_is_400_and_nothing_stored),
		T(seed_sample_with_comments_is_400_naming_comments_and_line),
		T(other_malformed_json_is_400),
		T(too_deep_json_is_400),
		T(missing_manychat_id_is_422_naming_the_field),
		T(every_bad_field_is_listed_in_one_422),
		T(campaign_without_campaign_id_is_422),
		T(json_that_is_not_an_object_is_422),
		T(appendix_a_vector_passes_the_signature_check),
		T(signed_webhook_is_accepted_with_seed_001_answer),
		T(sha256_prefix_on_the_signature_is_accepted),
		T(bad_missing_or_doubled_signature_is_401),
		T(signature_is_checked_before_the_json),
		T(unknown_signed_type_is_422),
		T(idempotency_key_header_wins_over_the_derived_key),
		T(bad_idempotency_key_header_is_400),
		T(missing_api_key_setting_is_503),
		T(empty_api_key_setting_is_503_not_an_open_door),
		T(configuration_with_errors_is_503),
		T(unknown_setting_is_only_a_warning),
		T(unknown_path_is_404),
		T(wrong_method_is_405_with_allow),
		T(query_string_does_not_affect_routing),
		T(api_v1_str_moves_the_manychat_endpoints),
		T(root_path_prefixes_every_route),
		T(root_path_with_trailing_slash_is_the_same_prefix),
		T(empty_request_method_is_refused_without_reading_out_of_bounds),
		T(absent_request_method_is_taken_as_get),
		T(health_reports_the_spool_and_its_counts),
		T(health_is_503_when_the_configuration_has_errors),
		T(health_is_503_when_the_spool_cannot_open),
		T(unopenable_spool_is_503_with_retry_after),
		T(locked_spool_is_503_with_retry_after_and_nothing_stored),
		T(full_disk_is_503_with_retry_after_and_a_retry_stores_once),
		T(failed_sync_is_503_and_the_spool_is_reopened),
		T(rate_limit_answers_429_with_retry_after_then_frees),
		T(rate_limit_counts_per_client_address),
		T(trusted_forwarded_for_names_the_client),
		T(rate_limit_of_zero_is_off),
		T(written_answer_has_status_line_headers_and_body),
	};

	if (hs_endpoints_build(routes, HS_MAX_ROUTES + 1, hs_source_registry,
	    hs_health_routes) != HS_OK) {
		fprintf(stderr, "the route table does not fit\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
