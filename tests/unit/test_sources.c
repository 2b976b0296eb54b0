/*
 * test_sources.c - adding a source is one file plus one line in the
 * registry.
 *
 * The "echo" source below is everything a new source's file holds: its
 * configuration keys, a GET handshake route with its own handler (Meta's
 * verification shape: a mode, a token compared in constant time, a
 * challenge echoed as text/plain), a POST route through the ingest
 * pipeline, the header worth keeping, its authentication, its body check
 * and where its answer carries the ids. The registry below is
 * intake/sources/registry.c plus one X(echo) line: it stands in for that
 * file at link time (an archive member is only pulled for a symbol still
 * undefined), so program/keys.c and intake/endpoints.c see the echo
 * source exactly as they would see a real one. Requests go through
 * hs_request_init(), hs_app_dispatch() and hs_response_write() with the
 * table built as cgi-bin/hooks.c builds it; the tests assert statuses,
 * written answers and spool rows, and that the built-in routes keep their
 * order and answers beside the new one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <sqlite3.h>

#include "core/crypto.h"
#include "core/log.h"
#include "front/app.h"
#include "program/bootstrap.h"
#include "front/health.h"
#include "intake/endpoints.h"
#include "intake/sources/sources.h"

#include "app_fx.h"

/* ---- the new source's file ---- */

static const struct hs_conf_key echo_keys[] = {
	{ "ECHO_KEY", HS_CONF_SECRET, NULL, 0, 0,
	  "shared secret the sender puts in X-Echo-Key" },
	{ "ECHO_VERIFY_TOKEN", HS_CONF_SECRET, NULL, 0, 0,
	  "token the GET handshake must present" },
	{ "ECHO_PREFIX", HS_CONF_STR, "/echo", 0, 0,
	  "path prefix of the echo routes" },
	{ NULL, HS_CONF_STR, NULL, 0, 0, NULL }
};

/* GET ?mode=subscribe&token=T&challenge=C: C as text/plain, else 403. */
static void
echo_handshake(struct hs_app *app, const struct hs_route *rt,
               struct hs_request *r, struct hs_response *rs)
{
	const struct hs_source *src = rt->arg;
	const char *mode = hs_request_query(r, "hub.mode");
	const char *token = hs_request_query(r, "hub.verify_token");
	const char *challenge = hs_request_query(r, "hub.challenge");

	rs->source = src->name;
	if (hs_ingest_ready(app, "ECHO_VERIFY_TOKEN", rs))
		return;
	if (!mode || strcmp(mode, "subscribe") || !token || !challenge ||
	    !hs_ct_streq(token, hs_config_get(app->cfg,
	    "ECHO_VERIFY_TOKEN"))) {
		hs_response_error(rs, 403, "forbidden",
		    "hub.mode or hub.verify_token is wrong");
		return;
	}
	hs_response_text(rs, 200, challenge, strlen(challenge));
}

static const struct hs_source_route echo_routes[] = {
	{ "ECHO_PREFIX", "/hook", "GET", echo_handshake },
	{ "ECHO_PREFIX", "/hook", "POST", NULL },
	{ NULL, NULL, NULL, NULL }
};

static const char *const echo_headers[] = { "x-echo-trace", NULL };

static void
echo_accept(struct json_object *o, const char *raw, size_t n,
            struct hs_fields *f, struct hs_accepted *a)
{
	char id[64];

	(void)raw;
	(void)n;
	a->kind = "ping";
	hs_v_id(o, "id", "id", 1, id, sizeof(id), f);
	if (f->total)
		return;
	snprintf(a->entity_key, sizeof(a->entity_key), "echo:%s", id);
	snprintf(a->derived_key, sizeof(a->derived_key), "echo:%s", id);
	a->status = 200;
	a->response = json_object_new_object();
	json_object_object_add(a->response, "ok", json_object_new_boolean(1));
	json_object_object_add(a->response, "echo", json_object_new_object());
}

/* The ids go under "echo" as "key" and "id". */
static void
echo_answer_ids(struct json_object *answer, const char *key,
                int64_t event_id)
{
	struct json_object *echo = json_object_object_get(answer, "echo");

	if (key)
		json_object_object_add(echo, "key",
		    json_object_new_string(key));
	if (event_id >= 0)
		json_object_object_add(echo, "id",
		    json_object_new_int64(event_id));
}

const struct hs_source hs_source_echo = {
	.name = "echo",
	.routes = echo_routes,
	.auth = HS_AUTH_API_KEY,
	.secret_key = "ECHO_KEY",
	.auth_header = "X-Echo-Key",
	.keys = echo_keys,
	.kept_headers = echo_headers,
	.accept = echo_accept,
	.answer_ids = echo_answer_ids,
};

/* ---- intake/sources/registry.c plus one line ---- */

#define SOURCES(X) \
	X(manychat_contact) \
	X(manychat_campaign) \
	X(signed) \
	X(echo)

#define DECLARE(name) extern const struct hs_source hs_source_##name;
#define ENTRY(name) &hs_source_##name,

SOURCES(DECLARE)

const struct hs_source *const hs_source_registry[] = {
	SOURCES(ENTRY)
	NULL,
};

/* ---- driving requests ---- */

static struct hs_route routes[HS_MAX_ROUTES + 1];

#define MAX_ENV 16
#define ENV_LEN 512
#define TOKEN "tok.en 1"
#define KEY "echo-key-7"

struct fx {
	struct app_fx a;
	/* the request */
	char store[MAX_ENV][ENV_LEN];
	char *env[MAX_ENV + 1];
	int n;
	const char *body;
	size_t len, off;
	/* its answer */
	int status;
	char out[8192];		/* as written: head and body */
	struct json_object *json;	/* the body, if JSON */
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx || app_fx_open(&fx->a, "sources") != 0)
		return -1;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	static const char *const files[] = {
		"hookspool.conf", "spool.db", "spool.db-wal", "spool.db-shm",
		"spool.db.lock", NULL
	};
	char p[256];
	size_t i;

	json_object_put(fx->json);
	app_fx_stop(&fx->a);
	for (i = 0; files[i]; i++) {
		snprintf(p, sizeof(p), "%s/%s", fx->a.dir, files[i]);
		unlink(p);
	}
	assert_int_equal(rmdir(fx->a.dir), 0);
	free(fx);
	return 0;
}

/* Starts the app on the spool and these settings. */
static void
app_conf(struct fx *fx, const char *settings)
{
	app_fx_start(&fx->a, "SPOOL_PATH=%s\n%s", fx->a.spool, settings);
}

/* The usual configuration plus extra lines. */
static void
app_with(struct fx *fx, const char *extra)
{
	char text[1024];

	snprintf(text, sizeof(text), "API_KEY=k\n"
	    "WEBHOOK_SECRET=shared_secret\nECHO_KEY=" KEY "\n"
	    "ECHO_VERIFY_TOKEN=" TOKEN "\n%s", extra ? extra : "");
	app_conf(fx, text);
}

static void
env(struct fx *fx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
env(struct fx *fx, const char *fmt, ...)
{
	va_list ap;

	assert_true(fx->n < MAX_ENV);
	va_start(ap, fmt);
	vsnprintf(fx->store[fx->n], ENV_LEN, fmt, ap);
	va_end(ap);
	fx->env[fx->n] = fx->store[fx->n];
	fx->n++;
	fx->env[fx->n] = NULL;
}

/* A fresh request; the query string, if any, is in uri as sent. */
static void
req(struct fx *fx, const char *method, const char *uri)
{
	const char *q = strchr(uri, '?');

	fx->n = 0;
	fx->body = NULL;
	env(fx, "REQUEST_METHOD=%s", method);
	env(fx, "REQUEST_URI=%s", uri);
	env(fx, "QUERY_STRING=%s", q ? q + 1 : "");
	env(fx, "REMOTE_ADDR=192.0.2.10");
}

static void
req_json(struct fx *fx, const char *body)
{
	fx->body = body;
	fx->len = strlen(body);
	env(fx, "CONTENT_LENGTH=%zu", fx->len);
	env(fx, "CONTENT_TYPE=application/json");
}

static long
mem_read(void *ctx, char *buf, size_t n)
{
	struct fx *fx = ctx;

	if (n > fx->len - fx->off)
		n = fx->len - fx->off;
	memcpy(buf, fx->body + fx->off, n);
	fx->off += n;
	return (long)n;
}

static int
collect(void *ctx, const char *data, size_t n)
{
	return hs_buf_add(ctx, data, n) == HS_OK ? 0 : -1;
}

/* Runs the request through the real front and keeps what was written. */
static void
dispatch(struct fx *fx)
{
	struct hs_request r;
	struct hs_response rs;
	struct hs_buf out;

	fx->off = 0;
	json_object_put(fx->json);
	assert_int_equal(hs_request_init(&r, fx->env, fx->body ? mem_read :
	    NULL, fx), HS_OK);
	hs_response_init(&rs);
	hs_app_dispatch(&fx->a.app, routes, &r, &rs);
	hs_buf_init(&out, sizeof(fx->out) - 1);
	assert_true(hs_response_write(&rs, r.method, collect, &out) >= 0);
	snprintf(fx->out, sizeof(fx->out), "%s", hs_buf_str(&out));
	fx->status = rs.status;
	fx->json = json_tokener_parse(hs_buf_str(&rs.body));
	hs_buf_release(&out);
	hs_response_release(&rs);
	hs_request_release(&r);
}

static const char *
body_of(const struct fx *fx)
{
	const char *sep = strstr(fx->out, "\r\n\r\n");

	return sep ? sep + 4 : "";
}

static void
expect(const struct fx *fx, int status)
{
	if (fx->status != status)
		fail_msg("status %d, want %d: %s", fx->status, status, fx->out);
}

static int
has_line(const struct fx *fx, const char *line)
{
	char want[256];

	snprintf(want, sizeof(want), "\r\n%s\r\n", line);
	return strstr(fx->out, want) != NULL;
}

/* The answer's value at "a" or "a.b", as JSON text; "" if absent. */
static const char *
jpath(const struct fx *fx, const char *a, const char *b)
{
	struct json_object *v = json_object_object_get(fx->json, a);

	if (b)
		v = json_object_object_get(v, b);
	return v ? json_object_to_json_string(v) : "";
}

static long long
q_int(const struct fx *fx, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long long v = -1;

	if (access(fx->a.spool, F_OK) != 0)
		return 0;
	assert_int_equal(sqlite3_open_v2(fx->a.spool, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void
post_echo(struct fx *fx, const char *uri, const char *body, const char *key)
{
	req(fx, "POST", uri);
	req_json(fx, body);
	if (key)
		env(fx, "HTTP_X_ECHO_KEY=%s", key);
	env(fx, "HTTP_X_ECHO_TRACE=trace-1");
	env(fx, "HTTP_USER_AGENT=echo-test");
}

/* ---- the handshake ---- */

static void
handshake_echoes_the_decoded_challenge_as_text_plain(void **state)
{
	struct fx *fx = *state;

	app_with(fx, NULL);
	req(fx, "GET", "/echo/hook?hub.mode=subscribe&hub.verify_token="
	    "tok%2Een+1&hub.challenge=12+34%2E5%20");
	dispatch(fx);
	expect(fx, 200);
	assert_string_equal(fx->out, "Status: 200 OK\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Cache-Control: no-store\r\n"
	    "\r\n"
	    "12 34.5 ");
	assert_int_equal(q_int(fx, "SELECT count(*) FROM events"), 0);
	assert_non_null(strstr(fx->a.logtext, "source=echo"));
}

static void
handshake_refuses_a_wrong_token_or_mode_without_echoing(void **state)
{
	static const char *const uris[] = {
		"/echo/hook?hub.mode=subscribe&hub.verify_token=tok.en+2"
		    "&hub.challenge=S3CR3T",
		"/echo/hook?hub.mode=unsubscribe&hub.verify_token=tok.en+1"
		    "&hub.challenge=S3CR3T",
		"/echo/hook?hub.verify_token=tok.en+1&hub.challenge=S3CR3T",
		"/echo/hook?hub.mode=subscribe&hub.verify_token=tok.en%2"
		    "&hub.challenge=S3CR3T",
		"/echo/hook?hub.mode=subscribe&hub.challenge=S3CR3T",
		NULL
	};
	struct fx *fx = *state;
	size_t i;

	app_with(fx, NULL);
	for (i = 0; uris[i]; i++) {
		req(fx, "GET", uris[i]);
		dispatch(fx);
		expect(fx, 403);
		assert_true(has_line(fx, "Content-Type: application/json"));
		assert_string_equal(jpath(fx, "error", NULL), "\"forbidden\"");
		assert_null(strstr(fx->out, "S3CR3T"));
	}
}

static void
handshake_without_its_token_configured_is_503(void **state)
{
	struct fx *fx = *state;

	app_conf(fx, "ECHO_KEY=" KEY "\n");
	req(fx, "GET", "/echo/hook?hub.mode=subscribe&hub.verify_token="
	    "&hub.challenge=1");
	dispatch(fx);
	expect(fx, 503);
	assert_string_equal(jpath(fx, "error", NULL),
	    "\"configuration incomplete\"");
	assert_non_null(strstr(body_of(fx), "ECHO_VERIFY_TOKEN"));
}

/* ---- the POST through the pipeline ---- */

static void
post_is_stored_with_the_sources_answer_and_kept_header(void **state)
{
	struct fx *fx = *state;

	app_with(fx, NULL);
	post_echo(fx, "/echo/hook", "{\"id\":42}", KEY);
	dispatch(fx);
	expect(fx, 200);
	assert_true(has_line(fx, "Content-Type: application/json"));
	assert_string_equal(body_of(fx),
	    "{\"ok\":true,\"echo\":{\"key\":\"echo:42\",\"id\":1}}");
	assert_int_equal(q_int(fx, "SELECT count(*) FROM events WHERE "
	    "source = 'echo' AND kind = 'ping' AND idem_key = 'echo:42' AND "
	    "entity_key = 'echo:42' AND response_status = 200"), 1);
	/* the id is added to the answer sent, not to the one stored */
	assert_int_equal(q_int(fx, "SELECT response_body = "
	    "'{\"ok\":true,\"echo\":{\"key\":\"echo:42\"}}' FROM events"), 1);
	/* its own header and the pipeline's, never the secret */
	assert_int_equal(q_int(fx, "SELECT json_extract(headers, "
	    "'$.\"x-echo-trace\"') = 'trace-1' AND json_extract(headers, "
	    "'$.\"user-agent\"') = 'echo-test' AND instr(headers, '"
	    KEY "') = 0 FROM events"), 1);
}

static void
repeat_replays_the_answer_with_the_first_events_id(void **state)
{
	struct fx *fx = *state;

	app_with(fx, NULL);
	post_echo(fx, "/echo/hook", "{\"id\":\"a\"}", KEY);
	dispatch(fx);
	expect(fx, 200);
	post_echo(fx, "/echo/hook", "{\"id\":\"a\"}", KEY);
	dispatch(fx);
	expect(fx, 200);
	assert_true(has_line(fx, "Idempotent-Replayed: true"));
	assert_string_equal(jpath(fx, "echo", "id"), "1");
	assert_string_equal(jpath(fx, "echo", "key"), "\"echo:a\"");
	assert_string_equal(jpath(fx, "duplicate", NULL), "true");
	assert_int_equal(q_int(fx, "SELECT count(*) FROM events"), 1);
}

static void
post_is_checked_by_the_pipeline_in_its_order(void **state)
{
	struct fx *fx = *state;

	app_with(fx, NULL);
	post_echo(fx, "/echo/hook", "{\"id\":1}", NULL);
	dispatch(fx);
	expect(fx, 401);
	assert_non_null(strstr(body_of(fx), "missing X-Echo-Key header"));
	post_echo(fx, "/echo/hook", "{\"id\":1}", "wrong");
	dispatch(fx);
	expect(fx, 401);
	post_echo(fx, "/echo/hook", "{\"id\":", KEY);
	dispatch(fx);
	expect(fx, 400);
	post_echo(fx, "/echo/hook", "{}", KEY);
	dispatch(fx);
	expect(fx, 422);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM events"), 0);
}

/* ---- routing ---- */

static void
one_path_with_two_routes_allows_both_methods(void **state)
{
	struct fx *fx = *state;

	app_with(fx, NULL);
	req(fx, "PUT", "/echo/hook");
	dispatch(fx);
	expect(fx, 405);
	assert_true(has_line(fx, "Allow: GET, POST"));
	assert_non_null(strstr(body_of(fx), "use GET, POST"));
}

static void
prefix_key_and_root_path_place_the_routes(void **state)
{
	struct fx *fx = *state;

	app_with(fx, "ECHO_PREFIX=/other/\nROOT_PATH=/api\n");
	req(fx, "GET", "/echo/hook?hub.mode=subscribe&hub.verify_token="
	    "tok.en+1&hub.challenge=x");
	dispatch(fx);
	expect(fx, 404);
	req(fx, "GET", "/api/other/hook?hub.mode=subscribe&hub.verify_token="
	    "tok.en+1&hub.challenge=x");
	dispatch(fx);
	expect(fx, 200);
	assert_string_equal(body_of(fx), "x");
	post_echo(fx, "/api/other/hook", "{\"id\":7}", KEY);
	dispatch(fx);
	expect(fx, 200);
}

static void
keys_are_known_to_the_configuration(void **state)
{
	struct fx *fx = *state;
	const struct hs_conf_key *k = hs_conf_key_find("ECHO_PREFIX");
	int is_error;

	assert_non_null(k);
	assert_string_equal(k->def, "/echo");
	assert_non_null(hs_conf_key_find("ECHO_VERIFY_TOKEN"));
	assert_non_null(hs_conf_key_find("API_KEY"));
	app_with(fx, NULL);
	assert_true(hs_config_ok(fx->a.app.cfg));
	assert_null(hs_config_problem(fx->a.app.cfg, 0, &is_error));
}

static void
table_keeps_the_registry_order_then_health(void **state)
{
	static const char *const want[][2] = {
		{ "/manychat/webhook/contact", "POST" },
		{ "/manychat/webhook/campaign-assignment", "POST" },
		{ "/webhook/receive", "POST" },
		{ "/hook", "GET" },
		{ "/hook", "POST" },
		{ "/health", "GET, HEAD" },
		{ "/webhook/health", "GET, HEAD" },
	};
	struct hs_route small[4];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_string_equal(routes[i].path, want[i][0]);
		assert_string_equal(routes[i].methods, want[i][1]);
	}
	assert_null(routes[i].path);
	assert_ptr_equal(routes[0].handle, hs_ingest);
	assert_ptr_equal(routes[3].handle, echo_handshake);
	assert_ptr_equal(routes[3].arg, &hs_source_echo);
	assert_ptr_equal(routes[4].handle, hs_ingest);
	assert_ptr_equal(routes[5].handle, hs_handle_health);
	assert_int_equal(hs_endpoints_build(small, 4, hs_source_registry,
	    hs_health_routes), HS_ETOOBIG);
}

static void
builtin_routes_answer_as_before_beside_the_new_one(void **state)
{
	static const char body[] = "{\"type\":\"user_info\",\"content\":\"x\","
	    "\"user_id\":\"u1\"}";
	unsigned char md[HS_SHA256_LEN];
	char hex[HS_SHA256_HEX];
	struct fx *fx = *state;

	app_with(fx, NULL);
	assert_int_equal(hs_hmac_sha256("shared_secret", 13, body,
	    strlen(body), md), HS_OK);
	hs_hex(md, sizeof(md), hex);
	req(fx, "POST", "/webhook/receive");
	req_json(fx, body);
	env(fx, "HTTP_X_WEBHOOK_SIGNATURE=%s", hex);
	dispatch(fx);
	expect(fx, 202);
	assert_string_equal(jpath(fx, "data", "event_id"), "1");
	req(fx, "GET", "/health");
	dispatch(fx);
	expect(fx, 200);
	req(fx, "GET", "/webhook/receive");
	dispatch(fx);
	expect(fx, 405);
	assert_true(has_line(fx, "Allow: POST"));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(handshake_echoes_the_decoded_challenge_as_text_plain),
		T(handshake_refuses_a_wrong_token_or_mode_without_echoing),
		T(handshake_without_its_token_configured_is_503),
		T(post_is_stored_with_the_sources_answer_and_kept_header),
		T(repeat_replays_the_answer_with_the_first_events_id),
		T(post_is_checked_by_the_pipeline_in_its_order),
		T(one_path_with_two_routes_allows_both_methods),
		T(prefix_key_and_root_path_place_the_routes),
		T(keys_are_known_to_the_configuration),
		T(table_keeps_the_registry_order_then_health),
		T(builtin_routes_answer_as_before_beside_the_new_one),
	};

	/* exactly as cgi-bin/hooks.c builds its table */
	if (hs_endpoints_build(routes, HS_MAX_ROUTES + 1, hs_source_registry,
	    hs_health_routes) != HS_OK) {
		fprintf(stderr, "the route table does not fit\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
