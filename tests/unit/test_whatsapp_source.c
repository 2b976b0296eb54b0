/*
 * test_whatsapp_source.c - the whatsapp source without a web server:
 * Meta's verification GET, X-Hub-Signature-256, one event per message,
 * status or change of a batch, duplicates, choices and their log line,
 * the age limit, the default routes and hs_spool_put_many().
 *
 * Requests go through hs_request_init() and hs_app_dispatch() with the
 * route table cgi-bin/hooks.c builds. The sink registry below stands in
 * for sinks/registry.c at link time (an archive member is only pulled for
 * a symbol still undefined): it holds a fake "whatsapp" sink, configured
 * when WHATSAPP_TOKEN is set and marked immediate, so the routes and the
 * deferred events can be checked before (and whatever) the real sink.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <sqlite3.h>

#include "core/crypto.h"
#include "core/log.h"
#include "front/app.h"
#include "front/health.h"
#include "intake/endpoints.h"
#include "intake/sources/sources.h"
#include "program/bootstrap.h"
#include "sinks/sink.h"
#include "spool/spool.h"
#include "sync/routes.h"

#include "app_fx.h"

/* ---- sinks/registry.c, with a fake whatsapp sink ---- */

static int
fake_configured(const struct hs_config *cfg)
{
	return hs_config_has(cfg, "WHATSAPP_TOKEN");
}

static int
other_configured(const struct hs_config *cfg)
{
	return hs_config_has(cfg, "OTHER_SINK");
}

/* Keys as the real sink declares them: an unknown key is not kept. */
static const struct hs_conf_key fake_whatsapp_keys[] = {
	{ "WHATSAPP_TOKEN", HS_CONF_SECRET, NULL, 0, 0, "fake" },
	{ "BOT_CHOICE_REPLY", HS_CONF_STR, "", 0, 0, "fake" },
	{ NULL, HS_CONF_STR, NULL, 0, 0, NULL }
};

static const struct hs_conf_key fake_other_keys[] = {
	{ "OTHER_SINK", HS_CONF_STR, NULL, 0, 0, "fake" },
	{ NULL, HS_CONF_STR, NULL, 0, 0, NULL }
};

static const struct hs_sink_ops fake_whatsapp = {
	.name = "whatsapp",
	.keys = fake_whatsapp_keys,
	.immediate = 1,
	.configured = fake_configured,
};

/* A plain sink, for ManyChat's default: every configured sink but chat. */
static const struct hs_sink_ops fake_other = {
	.name = "other",
	.keys = fake_other_keys,
	.configured = other_configured,
};

const struct hs_sink_ops *const hs_sink_registry[] = {
	&fake_whatsapp, &fake_other, NULL,
};

const struct hs_sink_ops *
hs_sink_find(const char *name)
{
	size_t i;

	for (i = 0; name && hs_sink_registry[i]; i++)
		if (!strcmp(hs_sink_registry[i]->name, name))
			return hs_sink_registry[i];
	return NULL;
}

const struct hs_sink_ops *
hs_sink_dead_copy(const struct hs_config *cfg)
{
	(void)cfg;
	return NULL;
}

/* ---- Meta's bodies ---- */

#define SECRET "meta_app_secret"
#define VERIFY "meatyhamhock"
/* 2026-11-23T10:30:18.123Z; the messages below are 8 s older */
#define T0 INT64_C(1795429818123)
#define TS "1795429810"

#define META "{\"display_phone_number\":\"15550783881\"," \
    "\"phone_number_id\":\"106540352242922\"}"
#define CONTACTS "[{\"profile\":{\"name\":\"Ana\"},\"wa_id\":\"16505551234\"}," \
    "{\"profile\":{\"name\":\"Bo\"},\"wa_id\":\"16505550000\"}]"
#define HEAD "\"messaging_product\":\"whatsapp\",\"metadata\":" META \
    ",\"contacts\":" CONTACTS
#define MSG_TEXT "{\"from\":\"16505551234\",\"id\":\"wamid.A1\"," \
    "\"timestamp\":\"" TS "\",\"type\":\"text\",\"text\":{\"body\":" \
    "\"Hola \\u00e9 / x\"}}"
#define MSG_IMAGE "{\"from\":\"16505550000\",\"id\":\"wamid.B2\"," \
    "\"timestamp\":\"" TS "\",\"type\":\"image\",\"image\":{\"id\":\"m1\"," \
    "\"mime_type\":\"image/jpeg\"}}"
#define MSG_ODD "{\"from\":\"16505551234\",\"id\":\"wamid.C3\"," \
    "\"timestamp\":\"" TS "\",\"type\":\"hologram\",\"hologram\":{\"x\":1}}"
#define STATUS "{\"id\":\"wamid.OUT1\",\"status\":\"delivered\"," \
    "\"timestamp\":\"" TS "\",\"recipient_id\":\"16505551234\"}"
#define ENV(id, field, value) "{\"object\":\"whatsapp_business_account\"," \
    "\"entry\":[{\"id\":\"" id "\",\"changes\":[{\"field\":\"" field "\"," \
    "\"value\":" value "}]}]}"
#define ONE_MSG(m) ENV("WABA1", "messages", "{" HEAD ",\"messages\":[" m "]}")

/* Two entries: two messages and a status, then an unknown type. */
static const char batch_body[] = "{\"object\":\"whatsapp_business_account\","
    "\"entry\":[{\"id\":\"WABA1\",\"changes\":["
    "{\"field\":\"messages\",\"value\":{" HEAD ",\"messages\":["
    MSG_TEXT "," MSG_IMAGE "],\"extra\":7}},"
    "{\"field\":\"messages\",\"value\":{\"messaging_product\":\"whatsapp\","
    "\"metadata\":" META ",\"statuses\":[" STATUS "]}}]},"
    "{\"id\":\"WABA1\",\"changes\":[{\"field\":\"messages\",\"value\":{"
    HEAD ",\"messages\":[" MSG_ODD "]}}]}]}";

#define BUTTON "{\"from\":\"16505551234\",\"id\":\"wamid.CH1\"," \
    "\"timestamp\":\"" TS "\",\"type\":\"interactive\",\"context\":" \
    "{\"from\":\"15550783881\",\"id\":\"wamid.MENU\"},\"interactive\":" \
    "{\"type\":\"button_reply\",\"button_reply\":{\"id\":\"pileta\"," \
    "\"title\":\"Pileta\"}}}"
#define LIST "{\"from\":\"16505550000\",\"id\":\"wamid.CH2\"," \
    "\"timestamp\":\"" TS "\",\"type\":\"interactive\",\"interactive\":" \
    "{\"type\":\"list_reply\",\"list_reply\":{\"id\":\"tenis\"," \
    "\"title\":\"Tenis\",\"description\":\"d\"}}}"
#define QUICK "{\"from\":\"16505550000\",\"id\":\"wamid.CH3\"," \
    "\"timestamp\":\"" TS "\",\"type\":\"button\",\"button\":" \
    "{\"payload\":\"sum\",\"text\":\"SUM\"}}"

/* ---- fixture ---- */

static struct hs_route routes[HS_MAX_ROUTES + 1];

#define MAX_ENV 16
#define ENV_LEN 1200

struct fx {
	struct app_fx a;
	char store[MAX_ENV][ENV_LEN];
	char *env[MAX_ENV + 1];
	int n;
	const char *body;
	size_t len, off;
	int status;
	char ctype[64];
	char out[8192];
	struct json_object *json;
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx || app_fx_open(&fx->a, "wa") != 0)
		return -1;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	json_object_put(fx->json);
	app_fx_stop(&fx->a);
	tmpdir_remove(fx->a.dir);
	free(fx);
	return 0;
}

/* The test configuration plus extra lines; the app starts on it. */
static void
app_with(struct fx *fx, const char *extra)
{
	/* extra last: the last of two lines setting a key wins */
	app_fx_start(&fx->a, "WHATSAPP_VERIFY_TOKEN=" VERIFY "\n"
	    "WHATSAPP_APP_SECRET=" SECRET "\n"
	    "SPOOL_PATH=%s\nSPOOL_BUSY_TIMEOUT_MS=300\n%s", fx->a.spool,
	    extra ? extra : "");
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
	fx->env[++fx->n] = NULL;
}

static void
request(struct fx *fx, const char *method, const char *uri)
{
	fx->n = 0;
	fx->body = NULL;
	fx->len = 0;
	env(fx, "REQUEST_METHOD=%s", method);
	env(fx, "REQUEST_URI=%s", uri);
	env(fx, "REMOTE_ADDR=192.0.2.7");
}

static void
sign_hex(const char *key, const char *body, char hex[HS_SHA256_HEX])
{
	unsigned char md[HS_SHA256_LEN];

	assert_int_equal(hs_hmac_sha256(key, strlen(key), body, strlen(body),
	    md), HS_OK);
	hs_hex(md, sizeof(md), hex);
}

/* A POST of body to /webhook, without a signature header. */
static void
post_unsigned(struct fx *fx, const char *body)
{
	request(fx, "POST", "/webhook");
	fx->body = body;
	fx->len = strlen(body);
	env(fx, "CONTENT_LENGTH=%zu", fx->len);
	env(fx, "CONTENT_TYPE=application/json");
}

/* A POST signed as Meta signs it, with key. */
static void
post_signed(struct fx *fx, const char *body, const char *key)
{
	char hex[HS_SHA256_HEX];

	post_unsigned(fx, body);
	sign_hex(key, body, hex);
	env(fx, "HTTP_X_HUB_SIGNATURE_256=sha256=%s", hex);
}

static long
mem_read(void *ctx, char *buf, size_t n)
{
	struct fx *fx = ctx;
	size_t left = fx->len - fx->off;

	if (n > left)
		n = left;
	memcpy(buf, fx->body + fx->off, n);
	fx->off += n;
	return (long)n;
}

/* Runs the request at time now_ms; the answer's body is in fx->out. */
static int
run_at(struct fx *fx, int64_t now_ms)
{
	struct hs_request r;
	struct hs_response rs;

	fx->off = 0;
	assert_int_equal(hs_request_init(&r, fx->env,
	    fx->body ? mem_read : NULL, fx), HS_OK);
	r.received_ms = now_ms;
	hs_response_init(&rs);
	fx->a.app.ndeferred = 0;		/* as the front end does */
	hs_app_dispatch(&fx->a.app, routes, &r, &rs);
	fx->status = rs.status;
	snprintf(fx->ctype, sizeof(fx->ctype), "%s", rs.content_type ?
	    rs.content_type : "application/json");
	snprintf(fx->out, sizeof(fx->out), "%s", hs_buf_str(&rs.body));
	json_object_put(fx->json);
	fx->json = json_tokener_parse(fx->out);
	hs_response_release(&rs);
	hs_request_release(&r);
	return fx->status;
}

static int
run(struct fx *fx)
{
	return run_at(fx, T0);
}

static long long
jint(const struct fx *fx, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(fx->json, key, &v))
		fail_msg("no %s in %s", key, fx->out);
	return json_object_get_int64(v);
}

static const char *
jstr(const struct fx *fx, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(fx->json, key, &v))
		return NULL;
	return json_object_get_string(v);
}

/* 200 {"status":"ok","events":n,"stored":s,"duplicates":d} */
static void
expect_batch(struct fx *fx, long long n, long long s, long long d)
{
	if (fx->status != 200)
		fail_msg("status %d: %s", fx->status, fx->out);
	assert_string_equal(jstr(fx, "status"), "ok");
	assert_int_equal(jint(fx, "events"), n);
	assert_int_equal(jint(fx, "stored"), s);
	assert_int_equal(jint(fx, "duplicates"), d);
}

static void
expect_error(struct fx *fx, int status, const char *detail)
{
	if (fx->status != status)
		fail_msg("status %d, want %d: %s", fx->status, status, fx->out);
	assert_non_null(jstr(fx, "error"));
	if (detail && !strstr(fx->out, detail))
		fail_msg("'%s' lacks '%s'", fx->out, detail);
}

/* ---- spool rows ---- */

static long long
q_int(const struct fx *fx, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long long v = -1;

	if (access(fx->a.spool, F_OK) != 0)
		return 0;
	if (sqlite3_open_v2(fx->a.spool, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK || sqlite3_prepare_v2(db, sql, -1, &st, NULL) !=
	    SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* The first column of sql's first row as text, into out. */
static const char *
q_text(const struct fx *fx, const char *sql, char *out, size_t n)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;

	out[0] = '\0';
	if (sqlite3_open_v2(fx->a.spool, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK || sqlite3_prepare_v2(db, sql, -1, &st, NULL) !=
	    SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(out, n, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out;
}

static long long
events(const struct fx *fx)
{
	return q_int(fx, "SELECT count(*) FROM events");
}

static const char *
logged(struct fx *fx)
{
	fflush(fx->a.log);
	return fx->a.logtext ? fx->a.logtext : "";
}

static int
count_in(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/* ---- verification ---- */

static void
verify_echoes_the_challenge_for_the_right_token_and_mode(void **state)
{
	struct fx *fx = *state;

	app_with(fx, NULL);
	request(fx, "GET", "/webhook?hub.mode=subscribe&hub.challenge="
	    "1158201444&hub.verify_token=" VERIFY);
	assert_int_equal(run(fx), 200);
	assert_string_equal(fx->out, "1158201444");
	assert_non_null(strstr(fx->ctype, "text/plain"));
}

static void
verify_decodes_the_challenge_as_meta_sends_it(void **state)
{
	struct fx *fx = *state;

	app_with(fx, NULL);
	request(fx, "GET", "/webhook?hub.verify_token=meaty%68amhock&"
	    "hub.challenge=a%20b+c%2Ed&hub.mode=subscribe");
	assert_int_equal(run(fx), 200);
	assert_string_equal(fx->out, "a b c.d");
}

static void
verify_refuses_a_wrong_token_or_mode_without_echoing(void **state)
{
	static const char *const uris[] = {
		"/webhook?hub.mode=subscribe&hub.challenge=SECRETCHAL&"
		    "hub.verify_token=wrong",
		"/webhook?hub.mode=subscribe&hub.challenge=SECRETCHAL&"
		    "hub.verify_token=" VERIFY "x",
		"/webhook?hub.mode=unsubscribe&hub.challenge=SECRETCHAL&"
		    "hub.verify_token=" VERIFY,
		"/webhook?hub.challenge=SECRETCHAL&hub.verify_token=" VERIFY,
		"/webhook?hub.mode=subscribe&hub.challenge=SECRETCHAL",
		NULL
	};
	struct fx *fx = *state;
	size_t i;

	app_with(fx, NULL);
	for (i = 0; uris[i]; i++) {
		request(fx, "GET", uris[i]);
		run(fx);
		expect_error(fx, 403, NULL);
		assert_null(strstr(fx->out, "SECRETCHAL"));
		assert_null(strstr(logged(fx), "SECRETCHAL"));
	}
}

static void
verify_without_a_challenge_is_400(void **state)
{
	struct fx *fx = *state;

	app_with(fx, NULL);
	request(fx, "GET", "/webhook?hub.mode=subscribe&hub.verify_token="
	    VERIFY);
	run(fx);
	expect_error(fx, 400, "hub.challenge");
}

static void
verify_is_503_when_the_token_is_unset(void **state)
{
	struct fx *fx = *state;

	app_with(fx, "WHATSAPP_VERIFY_TOKEN=\n");
	request(fx, "GET", "/webhook?hub.mode=subscribe&hub.challenge=1&"
	    "hub.verify_token=");
	run(fx);
	expect_error(fx, 503, "WHATSAPP_VERIFY_TOKEN");
}

/* ---- signatures ---- */

/* echo -n BODY | openssl dgst -sha256 -hmac meta_app_secret */
static const char empty_batch[] =
    "{\"object\":\"whatsapp_business_account\",\"entry\":[]}";
#define EMPTY_SIG "e6ad1226d7dbb376b93779e72f6ea6cc56d514dbcb4b3fa023b679f8f0220325"

static void
openssl_vector_is_accepted_and_an_empty_batch_is_ok(void **state)
{
	struct fx *fx = *state;

	app_with(fx, NULL);
	post_unsigned(fx, empty_batch);
	env(fx, "HTTP_X_HUB_SIGNATURE_256=sha256=" EMPTY_SIG);
	run(fx);
	expect_batch(fx, 0, 0, 0);
	assert_string_equal(fx->ctype, "application/json");
}

static void
uppercase_hex_is_accepted(void **state)
{
	struct fx *fx = *state;
	char up[] = EMPTY_SIG;
	size_t i;

	for (i = 0; up[i]; i++)
		if (up[i] >= 'a' && up[i] <= 'f')
			up[i] = (char)(up[i] - 32);
	app_with(fx, NULL);
	post_unsigned(fx, empty_batch);
	env(fx, "HTTP_X_HUB_SIGNATURE_256=sha256=%s", up);
	run(fx);
	expect_batch(fx, 0, 0, 0);
}

static void
bad_missing_or_malformed_signature_is_401(void **state)
{
	static const char *const bad[] = {
		"sha256=" "f6ad1226d7dbb376b93779e72f6ea6cc56d514dbcb4b3fa023b679f8f0220325",
		EMPTY_SIG,				/* no prefix */
		"sha1=" EMPTY_SIG,
		"sha256=" "e6ad1226d7dbb376b93779e72f6ea6cc56d514dbcb4b3fa023b679f8f02203",
		"sha256=" EMPTY_SIG "00",
		"sha256=" "g6ad1226d7dbb376b93779e72f6ea6cc56d514dbcb4b3fa023b679f8f0220325",
		"sha256=" EMPTY_SIG ", sha256=" EMPTY_SIG,	/* joined */
		"",
		NULL
	};
	struct fx *fx = *state;
	size_t i;

	app_with(fx, NULL);
	for (i = 0; bad[i]; i++) {
		post_unsigned(fx, empty_batch);
		env(fx, "HTTP_X_HUB_SIGNATURE_256=%s", bad[i]);
		run(fx);
		expect_error(fx, 401, "X-Hub-Signature-256");
	}
	post_unsigned(fx, empty_batch);
	run(fx);
	expect_error(fx, 401, "missing X-Hub-Signature-256");
	/* a proxy passing two spellings of the header on */
	post_signed(fx, empty_batch, SECRET);
	env(fx, "HTTP_X_HUB_SIGNATURE_256=sha256=" EMPTY_SIG);
	run(fx);
	expect_error(fx, 401, "more than once");
	post_signed(fx, batch_body, "another secret");
	run(fx);
	expect_error(fx, 401, "X-Hub-Signature-256");
	assert_int_equal(events(fx), 0);
}

static void
any_of_several_secrets_verifies(void **state)
{
	struct fx *fx = *state;

	app_with(fx, "WHATSAPP_APP_SECRET= old_secret , " SECRET ",,\n");
	post_signed(fx, empty_batch, SECRET);
	run(fx);
	expect_batch(fx, 0, 0, 0);
	post_signed(fx, empty_batch, "old_secret");
	run(fx);
	expect_batch(fx, 0, 0, 0);
	post_signed(fx, empty_batch, "old_secret , " SECRET);
	run(fx);
	expect_error(fx, 401, NULL);
	post_signed(fx, empty_batch, "");
	run(fx);
	expect_error(fx, 401, NULL);
}

static void
signed_body_that_is_not_json_is_400_unsigned_is_401(void **state)
{
	struct fx *fx = *state;

	app_with(fx, NULL);
	post_signed(fx, "{\"object\":", SECRET);
	run(fx);
	expect_error(fx, 400, NULL);
	post_unsigned(fx, "{\"object\":");
	run(fx);
	expect_error(fx, 401, NULL);
}

static void
post_is_503_when_the_app_secret_is_unset(void **state)
{
	struct fx *fx = *state;

	app_with(fx, "WHATSAPP_APP_SECRET=\n");
	post_signed(fx, empty_batch, "");
	run(fx);
	expect_error(fx, 503, "WHATSAPP_APP_SECRET");
}

/* ---- events ---- */

static void
batch_is_one_event_per_message_and_status(void **state)
{
	struct fx *fx = *state;
	char got[4096];

	app_with(fx, NULL);
	post_signed(fx, batch_body, SECRET);
	run(fx);
	expect_batch(fx, 4, 4, 0);
	assert_int_equal(events(fx), 4);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM events WHERE "
	    "source = 'whatsapp' AND response_status = 200 AND ("
	    "(kind = 'message' AND idem_key = 'wa:msg:wamid.A1' AND "
	    "entity_key = '16505551234') OR "
	    "(kind = 'message' AND idem_key = 'wa:msg:wamid.B2' AND "
	    "entity_key = '16505550000') OR "
	    "(kind = 'message' AND idem_key = 'wa:msg:wamid.C3' AND "
	    "entity_key = '16505551234') OR "
	    "(kind = 'status' AND idem_key = 'wa:status:wamid.OUT1:delivered'"
	    " AND entity_key = '16505551234'))"), 4);
	/* in Meta's order */
	assert_string_equal(q_text(fx, "SELECT group_concat(idem_key, ' ') "
	    "FROM (SELECT idem_key FROM events ORDER BY id)", got,
	    sizeof(got)), "wa:msg:wamid.A1 wa:msg:wamid.B2 "
	    "wa:status:wamid.OUT1:delivered wa:msg:wamid.C3");
	/* one-item envelopes keeping every other member */
	q_text(fx, "SELECT CAST(body AS TEXT) FROM events WHERE idem_key = "
	    "'wa:msg:wamid.A1'", got, sizeof(got));
	assert_string_equal(got, ENV("WABA1", "messages", "{" HEAD
	    ",\"messages\":[{\"from\":\"16505551234\",\"id\":\"wamid.A1\","
	    "\"timestamp\":\"" TS "\",\"type\":\"text\",\"text\":{\"body\":"
	    "\"Hola \xc3\xa9 / x\"}}],\"extra\":7}"));
	q_text(fx, "SELECT CAST(body AS TEXT) FROM events WHERE idem_key = "
	    "'wa:msg:wamid.B2'", got, sizeof(got));
	assert_string_equal(got, ENV("WABA1", "messages", "{" HEAD
	    ",\"messages\":[" MSG_IMAGE "],\"extra\":7}"));
	q_text(fx, "SELECT CAST(body AS TEXT) FROM events WHERE kind = "
	    "'status'", got, sizeof(got));
	assert_string_equal(got, ENV("WABA1", "messages", "{\"messaging_"
	    "product\":\"whatsapp\",\"metadata\":" META ",\"statuses\":["
	    STATUS "]}"));
	q_text(fx, "SELECT CAST(body AS TEXT) FROM events WHERE idem_key = "
	    "'wa:msg:wamid.C3'", got, sizeof(got));
	assert_string_equal(got, ONE_MSG(MSG_ODD));
	/* no sink configured: stored, nothing deferred, no choice line */
	assert_int_equal(q_int(fx, "SELECT count(*) FROM deliveries"), 0);
	assert_int_equal(fx->a.app.ndeferred, 0);
	assert_null(strstr(logged(fx), "event=choice"));
	assert_null(strstr(logged(fx), SECRET));
}

static void
redelivery_is_duplicates_with_nothing_new_or_deferred(void **state)
{
	struct fx *fx = *state;

	app_with(fx, "WHATSAPP_TOKEN=t\n");
	post_signed(fx, batch_body, SECRET);
	run(fx);
	expect_batch(fx, 4, 4, 0);
	/* the three messages go to the sink; the status does not */
	assert_int_equal(q_int(fx, "SELECT count(*) FROM deliveries d JOIN "
	    "events e ON e.id = d.event_id WHERE d.sink = 'whatsapp' AND "
	    "d.state = 'pending' AND e.kind = 'message' AND "
	    "d.entity_key = e.entity_key"), 3);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM deliveries"), 3);
	assert_int_equal(fx->a.app.ndeferred, 3);
	post_signed(fx, batch_body, SECRET);
	run(fx);
	expect_batch(fx, 4, 0, 4);
	assert_int_equal(events(fx), 4);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM deliveries"), 3);
	assert_int_equal(fx->a.app.ndeferred, 0);
	/* a batch overlapping an earlier one stores only what is new */
	post_signed(fx, ONE_MSG(MSG_TEXT "," BUTTON), SECRET);
	run(fx);
	expect_batch(fx, 2, 1, 1);
	assert_int_equal(fx->a.app.ndeferred, 0);	/* no BOT_CHOICE_REPLY */
}

static void
deferred_ids_are_the_new_events_with_deliveries(void **state)
{
	struct fx *fx = *state;
	char sql[160];

	app_with(fx, "WHATSAPP_TOKEN=t\n");
	post_signed(fx, ONE_MSG(MSG_TEXT), SECRET);
	run(fx);
	expect_batch(fx, 1, 1, 0);
	assert_int_equal(fx->a.app.ndeferred, 1);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM events WHERE id = "
	    "%lld AND idem_key = 'wa:msg:wamid.A1'",
	    (long long)fx->a.app.deferred[0]);
	assert_int_equal(q_int(fx, sql), 1);
}

static void
choices_are_their_own_kind_and_logged_once(void **state)
{
	struct fx *fx = *state;
	char want[256];
	long long id;

	app_with(fx, NULL);
	post_signed(fx, ONE_MSG(BUTTON "," LIST "," QUICK), SECRET);
	run(fx);
	expect_batch(fx, 3, 3, 0);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM events WHERE "
	    "kind = 'choice'"), 3);
	id = q_int(fx, "SELECT id FROM events WHERE idem_key = "
	    "'wa:msg:wamid.CH1'");
	snprintf(want, sizeof(want), "event=choice option=pileta "
	    "title=Pileta user=16505551234 event_id=%lld\n", id);
	if (!strstr(logged(fx), want))
		fail_msg("log lacks '%s':\n%s", want, logged(fx));
	id = q_int(fx, "SELECT id FROM events WHERE idem_key = "
	    "'wa:msg:wamid.CH2'");
	snprintf(want, sizeof(want), "event=choice option=tenis "
	    "title=Tenis user=16505550000 event_id=%lld\n", id);
	assert_non_null(strstr(logged(fx), want));
	assert_non_null(strstr(logged(fx), "event=choice option=sum "
	    "title=SUM user=16505550000"));
	assert_int_equal(count_in(logged(fx), "event=choice"), 3);
	post_signed(fx, ONE_MSG(BUTTON), SECRET);
	run(fx);
	expect_batch(fx, 1, 0, 1);
	assert_int_equal(count_in(logged(fx), "event=choice"), 3);
}

static void
choice_is_routed_only_with_a_choice_reply(void **state)
{
	struct fx *fx = *state;

	app_with(fx, "WHATSAPP_TOKEN=t\nBOT_CHOICE_REPLY=Elegiste {option}\n");
	post_signed(fx, ONE_MSG(BUTTON "," MSG_TEXT), SECRET);
	run(fx);
	expect_batch(fx, 2, 2, 0);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM deliveries d JOIN "
	    "events e ON e.id = d.event_id WHERE e.kind = 'choice' AND "
	    "d.sink = 'whatsapp'"), 1);
	assert_int_equal(fx->a.app.ndeferred, 2);
}

static void
old_message_is_stored_without_deliveries(void **state)
{
	struct fx *fx = *state;

	app_with(fx, "WHATSAPP_TOKEN=t\nBOT_MAX_AGE_SECONDS=60\n");
	post_signed(fx, ONE_MSG(MSG_TEXT), SECRET);
	run_at(fx, T0 + 61 * 1000);	/* 69 s after the message */
	expect_batch(fx, 1, 1, 0);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM deliveries"), 0);
	assert_int_equal(fx->a.app.ndeferred, 0);
	post_signed(fx, ONE_MSG(MSG_IMAGE), SECRET);
	run_at(fx, T0 + 50 * 1000);	/* 58 s */
	expect_batch(fx, 1, 1, 0);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM deliveries"), 1);
	assert_int_equal(fx->a.app.ndeferred, 1);
}

static void
default_age_is_an_hour_and_zero_is_no_limit(void **state)
{
	struct fx *fx = *state;

	app_with(fx, "WHATSAPP_TOKEN=t\n");
	post_signed(fx, ONE_MSG(MSG_TEXT), SECRET);
	run_at(fx, T0 + 3600 * 1000);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM deliveries"), 0);
	hs_app_release(&fx->a.app);
	fx->a.app_ready = 0;
	app_with(fx, "WHATSAPP_TOKEN=t\nBOT_MAX_AGE_SECONDS=0\n");
	post_signed(fx, ONE_MSG(MSG_IMAGE), SECRET);
	run_at(fx, T0 + 86400 * 1000);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM deliveries"), 1);
}

static void
change_without_messages_or_statuses_is_one_change_event(void **state)
{
	static const char body[] = ENV("WABA9", "account_update",
	    "{\"event\":\"VERIFIED_ACCOUNT\",\"messages\":[]}");
	struct fx *fx = *state;
	char got[1024], hex[HS_SHA256_HEX], want[128];

	app_with(fx, "WHATSAPP_TOKEN=t\n");
	post_signed(fx, body, SECRET);
	run(fx);
	expect_batch(fx, 1, 1, 0);
	q_text(fx, "SELECT CAST(body AS TEXT) FROM events", got, sizeof(got));
	assert_string_equal(got, body);
	hs_sha256_hex(got, strlen(got), hex);
	snprintf(want, sizeof(want), "wa:change:sha256:%s|change|NULL", hex);
	assert_string_equal(q_text(fx, "SELECT idem_key || '|' || kind || "
	    "'|' || coalesce(entity_key, 'NULL') FROM events", got,
	    sizeof(got)), want);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM deliveries"), 0);
}

static void
body_that_is_not_a_meta_envelope_is_422(void **state)
{
	static const char *const bodies[] = {
		"{\"object\":\"page\",\"entry\":[]}",
		"{\"entry\":[]}",
		"{\"object\":\"whatsapp_business_account\"}",
		"{\"object\":\"whatsapp_business_account\",\"entry\":{}}",
		"{\"object\":\"whatsapp_business_account\",\"entry\":[1]}",
		"[]",
		NULL
	};
	struct fx *fx = *state;
	size_t i;

	app_with(fx, NULL);
	for (i = 0; bodies[i]; i++) {
		post_signed(fx, bodies[i], SECRET);
		run(fx);
		expect_error(fx, 422, NULL);
	}
	assert_int_equal(events(fx), 0);
}

static void
message_without_id_or_from_is_422_naming_its_path(void **state)
{
	struct fx *fx = *state;

	app_with(fx, NULL);
	post_signed(fx, ONE_MSG(MSG_TEXT ",{\"from\":\"1\",\"type\":\"text\"}"
	    ",{\"id\":\"wamid.Z\"}"), SECRET);
	run(fx);
	expect_error(fx, 422, "entry[0].changes[0].value.messages[1].id");
	assert_non_null(strstr(fx->out,
	    "entry[0].changes[0].value.messages[2].from"));
	assert_int_equal(events(fx), 0);
	post_signed(fx, ENV("W", "messages", "{\"statuses\":[{\"id\":\"x\"}]}"),
	    SECRET);
	run(fx);
	expect_error(fx, 422, "entry[0].changes[0].value.statuses[0].status");
	post_signed(fx, ENV("W", "messages", "{\"messages\":{}}"), SECRET);
	run(fx);
	expect_error(fx, 422, "entry[0].changes[0].value.messages");
	assert_int_equal(events(fx), 0);
}

static void
more_items_than_the_cap_is_422_and_nothing_stored(void **state)
{
	struct fx *fx = *state;
	size_t cap = (HS_MAX_ITEMS + 1) * 48 + 256, len, i;
	char *body = malloc(cap);

	assert_non_null(body);
	len = (size_t)snprintf(body, cap, "{\"object\":\"whatsapp_business_"
	    "account\",\"entry\":[{\"id\":\"W\",\"changes\":[{\"field\":"
	    "\"messages\",\"value\":{\"statuses\":[");
	for (i = 0; i <= HS_MAX_ITEMS; i++)
		len += (size_t)snprintf(body + len, cap - len, "%s{\"id\":"
		    "\"w%zu\",\"status\":\"sent\"}", i ? "," : "", i);
	snprintf(body + len, cap - len, "]}}]}]}");
	app_with(fx, NULL);
	post_signed(fx, body, SECRET);
	run(fx);
	expect_error(fx, 422, "more than 1000");
	assert_int_equal(events(fx), 0);
	free(body);
}

/* ---- routes ---- */

static struct hs_config *
conf(const char *text)
{
	struct hs_config *c = NULL;

	assert_int_equal(hs_config_parse(&c, text, "test"), HS_OK);
	return c;
}

static size_t
resolve(const struct hs_config *c, const char *source, const char *kind,
        const char **out)
{
	return hs_routes_resolve(c, source, kind, out, HS_MAX_ROUTED_SINKS);
}

static void
default_routes_send_messages_and_choices_with_a_reply(void **state)
{
	struct hs_config *c;
	const char *out[HS_MAX_ROUTED_SINKS];

	(void)state;
	c = conf("WHATSAPP_TOKEN=t\nOTHER_SINK=1\n");
	assert_int_equal(resolve(c, "whatsapp", "message", out), 1);
	assert_string_equal(out[0], "whatsapp");
	assert_int_equal(resolve(c, "whatsapp", "choice", out), 0);
	assert_int_equal(resolve(c, "whatsapp", "status", out), 0);
	assert_int_equal(resolve(c, "whatsapp", "change", out), 0);
	/* ManyChat's default: every configured sink but the chat ones */
	assert_int_equal(resolve(c, "manychat", "contact", out), 1);
	assert_string_equal(out[0], "other");
	hs_config_free(c);
	c = conf("WHATSAPP_TOKEN=t\nBOT_CHOICE_REPLY=ok {option}\n");
	assert_int_equal(resolve(c, "whatsapp", "choice", out), 1);
	assert_string_equal(out[0], "whatsapp");
	hs_config_free(c);
	/* only configured sinks, ever */
	c = conf("BOT_CHOICE_REPLY=ok\n");
	assert_int_equal(resolve(c, "whatsapp", "message", out), 0);
	assert_int_equal(resolve(c, "whatsapp", "choice", out), 0);
	hs_config_free(c);
	/* ROUTES replaces the defaults */
	c = conf("WHATSAPP_TOKEN=t\nOTHER_SINK=1\n"
	    "ROUTES=whatsapp/status:other;whatsapp/*:whatsapp\n");
	assert_int_equal(resolve(c, "whatsapp", "status", out), 2);
	assert_int_equal(resolve(c, "whatsapp", "choice", out), 1);
	hs_config_free(c);
}

/* ---- hs_spool_put_many ---- */

static struct hs_spool *
open_spool(struct fx *fx)
{
	struct hs_spool_opts o = { fx->a.spool, "NORMAL", 300 };
	struct hs_spool *sp = NULL;
	char err[256];

	if (hs_spool_open(&sp, &o, err, sizeof(err)) != HS_OK)
		fail_msg("%s", err);
	return sp;
}

static void
item(struct hs_put_item *it, const char *kind, const char *key,
     const char *const *sinks, size_t nsinks)
{
	memset(it, 0, sizeof(*it));
	it->ev.source = "whatsapp";
	it->ev.kind = kind;
	it->ev.idem_key = key;
	it->ev.entity_key = "u1";
	it->ev.received_ms = T0;
	it->ev.body = "{}";
	it->ev.body_len = 2;
	it->ev.response_status = 200;
	it->ev.response_body = "{}";
	it->sinks = sinks;
	it->nsinks = nsinks;
}

static void
put_many_stores_each_item_or_finds_it(void **state)
{
	static const char *const sinks[] = { "whatsapp", "other" };
	struct fx *fx = *state;
	struct hs_spool *sp = open_spool(fx);
	struct hs_put_item it[4];

	item(&it[0], "message", "k1", sinks, 2);
	item(&it[1], "status", "k2", NULL, 0);
	assert_int_equal(hs_spool_put_many(sp, it, 2), HS_OK);
	assert_false(it[0].duplicate || it[1].duplicate);
	assert_true(it[0].event_id > 0 && it[1].event_id > it[0].event_id);
	item(&it[2], "message", "k1", sinks, 2);
	item(&it[3], "message", "k3", sinks, 1);
	item(&it[1], "message", "k3", sinks, 1);	/* twice in one batch */
	item(&it[0], "message", "k4", sinks, 0);
	assert_int_equal(hs_spool_put_many(sp, it, 4), HS_OK);
	assert_false(it[0].duplicate);
	assert_false(it[1].duplicate);
	assert_true(it[2].duplicate);
	assert_true(it[3].duplicate);
	assert_int_equal(it[3].event_id, it[1].event_id);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM events"), 4);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM deliveries"), 3);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM deliveries WHERE "
	    "entity_key = 'u1' AND state = 'pending'"), 3);
	assert_int_equal(hs_spool_put_many(sp, it, 0), HS_OK);
	hs_spool_close(sp);
}

static void
put_many_failure_rolls_back_every_item(void **state)
{
	static const char *const sinks[] = { "whatsapp" };
	struct fx *fx = *state;
	struct hs_spool *sp = open_spool(fx);
	struct hs_put_item it[3];

	item(&it[0], "message", "a", sinks, 1);
	item(&it[1], "message", "b", sinks, 1);
	item(&it[2], NULL, "c", sinks, 1);	/* kind is NOT NULL */
	assert_int_not_equal(hs_spool_put_many(sp, it, 3), HS_OK);
	assert_int_equal(it[0].event_id, -1);
	assert_int_equal(it[1].event_id, -1);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM events"), 0);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM deliveries"), 0);
	/* the spool is usable after: the transaction and lock are gone */
	item(&it[2], "message", "c", sinks, 1);
	assert_int_equal(hs_spool_put_many(sp, it, 3), HS_OK);
	assert_int_equal(q_int(fx, "SELECT count(*) FROM events"), 3);
	hs_spool_close(sp);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(verify_echoes_the_challenge_for_the_right_token_and_mode),
		T(verify_decodes_the_challenge_as_meta_sends_it),
		T(verify_refuses_a_wrong_token_or_mode_without_echoing),
		T(verify_without_a_challenge_is_400),
		T(verify_is_503_when_the_token_is_unset),
		T(openssl_vector_is_accepted_and_an_empty_batch_is_ok),
		T(uppercase_hex_is_accepted),
		T(bad_missing_or_malformed_signature_is_401),
		T(any_of_several_secrets_verifies),
		T(signed_body_that_is_not_json_is_400_unsigned_is_401),
		T(post_is_503_when_the_app_secret_is_unset),
		T(batch_is_one_event_per_message_and_status),
		T(redelivery_is_duplicates_with_nothing_new_or_deferred),
		T(deferred_ids_are_the_new_events_with_deliveries),
		T(choices_are_their_own_kind_and_logged_once),
		T(choice_is_routed_only_with_a_choice_reply),
		T(old_message_is_stored_without_deliveries),
		T(default_age_is_an_hour_and_zero_is_no_limit),
		T(change_without_messages_or_statuses_is_one_change_event),
		T(body_that_is_not_a_meta_envelope_is_422),
		T(message_without_id_or_from_is_422_naming_its_path),
		T(more_items_than_the_cap_is_422_and_nothing_stored),
		T(default_routes_send_messages_and_choices_with_a_reply),
		T(put_many_stores_each_item_or_finds_it),
		T(put_many_failure_rolls_back_every_item),
	};

	if (hs_endpoints_build(routes, HS_MAX_ROUTES + 1, hs_source_registry,
	    hs_health_routes) != HS_OK) {
		fprintf(stderr, "the route table does not fit\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
