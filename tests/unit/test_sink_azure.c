/*
 * test_sink_azure.c - the azure_queue and dead_letter sinks against a real
 * Azurite (tests/azurite), started on a free loopback port for the group:
 * routing by kind, the size limit, a missing queue created on the fly (or
 * dead when creating is off), a wrong key as HS_EAUTH naming the account
 * and never the key, nothing listening as retry, the dead-letter copy
 * with its reason, and the registry.
 *
 * The Azurite tests are skipped, with the reason printed, only when
 * tests/azurite/start.sh exits 111 (node/npm missing).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libgen.h>
#include <limits.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "sinks/azure/conn.h"
#include "sinks/azure/queue.h"
#include "core/config.h"
#include "sinks/sink.h"
#include "sinks/azure/azure.h"
#include "core/timefmt.h"

#define WRONG_KEY "aG9va3Nwb29sLXdyb25nLWtleQ=="

#include "azurite_fx.h"

static const struct live *
need_azurite(void **state)
{
	const struct live *L = *state;

	if (!L->up) {
		fprintf(stderr, "SKIP: %s\n", L->why);
		skip();
	}
	return L;
}

/* A config from "KEY=VALUE\n" lines plus the connection string cs. */
static struct hs_config *
config(const char *cs, const char *fmt, ...)
{
	struct hs_config *c = NULL;
	char text[2048];
	int n = 0;
	va_list ap;

	if (cs)
		n = snprintf(text, sizeof(text),
		             "AZURE_STORAGE_CONNECTION_STRING=\"%s\"\n", cs);
	va_start(ap, fmt);
	vsnprintf(text + n, sizeof(text) - (size_t)n, fmt, ap);
	va_end(ap);
	assert_int_equal(hs_config_parse(&c, text, "test"), HS_OK);
	if (!hs_config_ok(c))
		fail_msg("config: %s", hs_config_problem(c, 0, NULL));
	return c;
}

static struct hs_sink *
open_sink(const struct hs_sink_ops *ops, const struct hs_config *c)
{
	struct hs_sink *s = NULL;
	char why[256] = "";

	if (ops->open(&s, c, why, sizeof(why)) != HS_OK)
		fail_msg("open %s: %s", ops->name, why);
	return s;
}

static struct hs_delivery
delivery(int64_t id, const char *kind, const char *key, const char *body)
{
	struct hs_delivery d = {
		.id = id, .event_id = 100 + id, .attempts = 0,
		.source = "manychat", .kind = kind, .idem_key = key,
		.received_at = "2026-05-01T12:00:00Z",
		.body = body, .body_len = strlen(body),
	};

	return d;
}

/* Get-and-deletes what queue holds (up to 32) into *t. */
static void
read_queue(const struct live *L, const char *queue, struct hs_azq_texts *t)
{
	struct hs_azq *q = NULL;
	struct hs_azq_result r;
	char why[HS_AZQ_WHY_LEN];

	assert_int_equal(hs_azq_open(&q, L->cs, NULL, why, sizeof(why)), HS_OK);
	assert_int_equal(hs_azq_get(q, queue, 32, 60, hs_now_ms(), t, &r),
	                 HS_OK);
	hs_azq_close(q);
}

/* The string member name of the JSON text, copied into out. */
static void
member(const char *text, const char *name, char *out, size_t n)
{
	struct json_object *o = json_tokener_parse(text), *v;

	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, name, &v));
	snprintf(out, n, "%s", json_object_get_string(v));
	json_object_put(o);
}

static void
each_kind_reaches_its_own_queue_and_the_message_id_is_the_receipt(
    void **state)
{
	const struct live *L = need_azurite(state);
	struct hs_config *c = config(L->cs, "AZURE_QUEUE_CONTACT=sk-contact\n"
	    "AZURE_QUEUE_CAMPAIGN=sk-campaign\nAZURE_QUEUE_DEFAULT=sk-other\n");
	struct hs_sink *s = open_sink(&hs_sink_azure_queue, c);
	struct hs_delivery d[4] = {
		delivery(1, "contact", "manychat:contact:1", "{\"id\":\"1\"}"),
		delivery(2, "campaign", "manychat:campaign:2", "{\"c\":2}"),
		delivery(3, "order.created", "signed:3", "[1,2,3]"),
		delivery(4, "contact", "manychat:contact:4", "{\"id\":\"4\"}"),
	};
	struct hs_outcome out[4];
	struct hs_azq_texts t;
	char why[256] = "", key[64];
	size_t i;

	assert_int_equal(hs_sink_azure_queue.deliver(s, d, 4, hs_now_ms(), out,
	                 why, sizeof(why)), HS_OK);
	for (i = 0; i < 4; i++) {
		assert_int_equal(out[i].kind, HS_OUT_DONE);
		assert_true(strlen(out[i].receipt) >= 32);
	}
	hs_azq_texts_init(&t);
	read_queue(L, "sk-contact", &t);
	assert_int_equal(t.n, 2);
	member(t.text[0], "idempotency_key", key, sizeof(key));
	assert_true(strcmp(key, "manychat:contact:1") == 0 ||
	            strcmp(key, "manychat:contact:4") == 0);
	read_queue(L, "sk-campaign", &t);
	assert_int_equal(t.n, 1);
	assert_string_equal(t.text[0], "{\"idempotency_key\":\"manychat:"
	    "campaign:2\",\"source\":\"manychat\",\"kind\":\"campaign\","
	    "\"received_at\":\"2026-05-01T12:00:00Z\",\"event_id\":102,"
	    "\"payload\":{\"c\":2}}");
	read_queue(L, "sk-other", &t);
	assert_int_equal(t.n, 1);
	member(t.text[0], "kind", key, sizeof(key));
	assert_string_equal(key, "order.created");
	hs_azq_texts_release(&t);
	hs_sink_azure_queue.close(s);
	hs_config_free(c);
}

static void
an_envelope_over_the_limit_is_dead_with_its_size_and_never_sent(
    void **state)
{
	const struct live *L = need_azurite(state);
	struct hs_config *c = config(L->cs, "AZURE_QUEUE_CONTACT=sk-big\n");
	struct hs_sink *s = open_sink(&hs_sink_azure_queue, c);
	char *big = malloc(HS_AZQ_RAW_MAX + 1);
	struct hs_delivery d[2];
	struct hs_outcome out[2];
	struct hs_azq_texts t;
	char why[256] = "";

	memset(big, ' ', HS_AZQ_RAW_MAX);
	big[0] = '1';
	big[HS_AZQ_RAW_MAX] = '\0';
	d[0] = delivery(1, "contact", "k:big", big);
	d[1] = delivery(2, "contact", "k:small", "{}");
	assert_int_equal(hs_sink_azure_queue.deliver(s, d, 2, hs_now_ms(), out,
	                 why, sizeof(why)), HS_OK);
	assert_int_equal(out[0].kind, HS_OUT_DEAD);
	assert_non_null(strstr(out[0].error, "49152"));
	assert_non_null(strstr(out[0].error, "sk-big"));
	assert_non_null(strstr(out[0].error, "not truncated"));
	assert_int_equal(out[1].kind, HS_OUT_DONE);
	hs_azq_texts_init(&t);
	read_queue(L, "sk-big", &t);
	assert_int_equal(t.n, 1);
	assert_non_null(strstr(t.text[0], "k:small"));
	hs_azq_texts_release(&t);
	free(big);
	hs_sink_azure_queue.close(s);
	hs_config_free(c);
}

static void
a_missing_queue_is_created_and_the_batch_is_done(void **state)
{
	const struct live *L = need_azurite(state);
	struct hs_config *c = config(L->cs, "AZURE_QUEUE_DEFAULT=sk-fresh\n");
	struct hs_sink *s = open_sink(&hs_sink_azure_queue, c);
	struct hs_delivery d[40];
	struct hs_outcome out[40];
	struct hs_azq *q = NULL;
	struct hs_azq_result r;
	char keys[40][16], why[256] = "";
	long count = -1;
	int i;

	for (i = 0; i < 40; i++) {
		snprintf(keys[i], sizeof(keys[i]), "k:%d", i);
		d[i] = delivery(i, "other", keys[i], "{}");
	}
	assert_int_equal(hs_sink_azure_queue.deliver(s, d, 40, hs_now_ms(),
	                 out, why, sizeof(why)), HS_OK);
	for (i = 0; i < 40; i++)
		assert_int_equal(out[i].kind, HS_OUT_DONE);
	assert_int_equal(hs_azq_open(&q, L->cs, NULL, why, sizeof(why)), HS_OK);
	assert_int_equal(hs_azq_count(q, "sk-fresh", hs_now_ms(), &count, &r),
	                 HS_OK);
	assert_int_equal(count, 40);	/* each exactly once */
	hs_azq_close(q);
	hs_sink_azure_queue.close(s);
	hs_config_free(c);
}

static void
a_missing_queue_without_create_is_dead_and_names_the_queue(void **state)
{
	const struct live *L = need_azurite(state);
	struct hs_config *c = config(L->cs, "AZURE_QUEUE_DEFAULT=sk-absent\n"
	                             "AZURE_QUEUE_CREATE=false\n");
	struct hs_sink *s = open_sink(&hs_sink_azure_queue, c);
	struct hs_delivery d = delivery(1, "other", "k:1", "{}");
	struct hs_outcome out;
	char why[256] = "";

	assert_int_equal(hs_sink_azure_queue.deliver(s, &d, 1, hs_now_ms(),
	                 &out, why, sizeof(why)), HS_OK);
	assert_int_equal(out.kind, HS_OUT_DEAD);
	assert_non_null(strstr(out.error, "queue 'sk-absent' does not exist"));
	hs_sink_azure_queue.close(s);
	hs_config_free(c);
}

static void
a_wrong_key_is_eauth_naming_the_account_and_never_the_key(void **state)
{
	const struct live *L = need_azurite(state);
	char cs[512], why[256] = "";
	struct hs_config *c;
	struct hs_sink *s;
	struct hs_delivery d[2] = {
		delivery(1, "contact", "k:1", "{}"),
		delivery(2, "campaign", "k:2", "{}"),
	};
	struct hs_outcome out[2];

	snprintf(cs, sizeof(cs), "AccountName=devstoreaccount1;AccountKey="
	         WRONG_KEY ";QueueEndpoint=http://127.0.0.1:%d/"
	         "devstoreaccount1", L->port);
	c = config(cs, "AZURE_QUEUE_CONTACT=sk-auth\n");
	s = open_sink(&hs_sink_azure_queue, c);
	assert_int_equal(hs_sink_azure_queue.deliver(s, d, 2, hs_now_ms(), out,
	                 why, sizeof(why)), HS_EAUTH);
	assert_non_null(strstr(why, "account 'devstoreaccount1'"));
	assert_non_null(strstr(why, "403 AuthenticationFailed"));
	assert_null(strstr(why, "aG9va3"));
	assert_null(strstr(why, "SharedKey"));
	assert_int_equal(out[0].kind, HS_OUT_RETRY);
	assert_int_equal(out[1].kind, HS_OUT_RETRY);
	assert_null(strstr(out[0].error, "aG9va3"));
	hs_sink_azure_queue.close(s);
	hs_config_free(c);
}

static void
nothing_listening_is_retry_for_every_delivery(void **state)
{
	char cs[256], why[256] = "";
	struct hs_config *c;
	struct hs_sink *s;
	struct hs_delivery d[2] = {
		delivery(1, "contact", "k:1", "{}"),
		delivery(2, "campaign", "k:2", "{}"),
	};
	struct hs_outcome out[2];

	snprintf(cs, sizeof(cs), "UseDevelopmentStorage=true;QueueEndpoint="
	         "http://127.0.0.1:%d/devstoreaccount1", free_port());
	c = config(cs, "AZURE_QUEUE_TIMEOUT_MS=2000\n");
	s = open_sink(&hs_sink_azure_queue, c);
	assert_int_equal(hs_sink_azure_queue.deliver(s, d, 2, hs_now_ms(), out,
	                 why, sizeof(why)), HS_OK);
	assert_int_equal(out[0].kind, HS_OUT_RETRY);
	assert_int_equal(out[1].kind, HS_OUT_RETRY);
	assert_non_null(strstr(out[0].error, "manychat-contact-queue"));
	assert_non_null(strstr(out[0].error, "CouldNotConnect"));
	assert_non_null(strstr(out[1].error, "manychat-campaign-queue"));
	hs_sink_azure_queue.close(s);
	hs_config_free(c);
}

static void
dead_letter_sends_the_envelope_with_its_reason(void **state)
{
	const struct live *L = need_azurite(state);
	struct hs_config *c = config(L->cs, "AZURE_DEAD_LETTER_QUEUE=sk-dlq\n");
	struct hs_sink *s = open_sink(&hs_sink_dead_letter, c);
	struct hs_delivery d = delivery(7, "contact", "manychat:contact:7",
	                                "{\"id\":\"7\"}");
	struct hs_outcome out;
	struct hs_azq_texts t;
	char why[256] = "";

	d.dead_reason = "azure_queue: queue \"x\": 400 InvalidXmlDocument";
	assert_int_equal(hs_sink_dead_letter.deliver(s, &d, 1, hs_now_ms(),
	                 &out, why, sizeof(why)), HS_OK);
	assert_int_equal(out.kind, HS_OUT_DONE);
	hs_azq_texts_init(&t);
	read_queue(L, "sk-dlq", &t);
	assert_int_equal(t.n, 1);
	assert_string_equal(t.text[0], "{\"dead_reason\":\"azure_queue: queue "
	    "\\\"x\\\": 400 InvalidXmlDocument\",\"idempotency_key\":"
	    "\"manychat:contact:7\",\"source\":\"manychat\",\"kind\":"
	    "\"contact\",\"received_at\":\"2026-05-01T12:00:00Z\","
	    "\"event_id\":107,\"payload\":{\"id\":\"7\"}}");
	hs_azq_texts_release(&t);
	hs_sink_dead_letter.close(s);
	hs_config_free(c);
}

static void
each_sink_is_configured_only_by_its_keys(void **state)
{
	struct hs_config *none = config(NULL, "MAX_ATTEMPTS=3\n");
	struct hs_config *cs = config("UseDevelopmentStorage=true", "%s", "");
	struct hs_config *both = config("UseDevelopmentStorage=true",
	                                "AZURE_DEAD_LETTER_QUEUE=dlq-q\n");

	(void)state;
	assert_false(hs_sink_azure_queue.configured(none));
	assert_false(hs_sink_dead_letter.configured(none));
	assert_true(hs_sink_azure_queue.configured(cs));
	assert_false(hs_sink_dead_letter.configured(cs));
	assert_true(hs_sink_azure_queue.configured(both));
	assert_true(hs_sink_dead_letter.configured(both));
	hs_config_free(none);
	hs_config_free(cs);
	hs_config_free(both);
}

static void
a_bad_queue_name_is_a_config_error_at_open(void **state)
{
	struct hs_config *c = config("UseDevelopmentStorage=true",
	                             "AZURE_QUEUE_CAMPAIGN=Bad_Name\n");
	struct hs_sink *s = NULL;
	char why[256] = "";

	(void)state;
	assert_int_equal(hs_sink_azure_queue.open(&s, c, why, sizeof(why)),
	                 HS_ECONFIG);
	assert_null(s);
	assert_non_null(strstr(why, "AZURE_QUEUE_CAMPAIGN 'Bad_Name'"));
	hs_config_free(c);
}

static void
a_bad_connection_string_is_a_config_error_without_the_key(void **state)
{
	struct hs_config *c = config("AccountName=a;AccountKey=not*base64",
	                             "%s", "");
	struct hs_sink *s = NULL;
	char why[256] = "";

	(void)state;
	assert_int_equal(hs_sink_azure_queue.open(&s, c, why, sizeof(why)),
	                 HS_ECONFIG);
	assert_non_null(strstr(why, "AZURE_STORAGE_CONNECTION_STRING"));
	assert_null(strstr(why, "not*base64"));
	hs_config_free(c);
}

static void
the_registry_finds_both_sinks_by_name(void **state)
{
	(void)state;
	assert_ptr_equal(hs_sink_find("azure_queue"), &hs_sink_azure_queue);
	assert_ptr_equal(hs_sink_find("dead_letter"), &hs_sink_dead_letter);
	assert_null(hs_sink_find("azure"));
	assert_null(hs_sink_find(NULL));
	assert_ptr_equal(hs_sink_registry[0], &hs_sink_azure_queue);
	assert_string_equal(hs_sink_azure_queue.rate_key, "AZURE_QUEUE_RATE");
	assert_string_equal(hs_sink_azure_queue.batch_key, "AZURE_QUEUE_BATCH");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_registry_finds_both_sinks_by_name),
		cmocka_unit_test(each_sink_is_configured_only_by_its_keys),
		cmocka_unit_test(a_bad_queue_name_is_a_config_error_at_open),
		cmocka_unit_test(a_bad_connection_string_is_a_config_error_without_the_key),
		cmocka_unit_test(each_kind_reaches_its_own_queue_and_the_message_id_is_the_receipt),
		cmocka_unit_test(an_envelope_over_the_limit_is_dead_with_its_size_and_never_sent),
		cmocka_unit_test(a_missing_queue_is_created_and_the_batch_is_done),
		cmocka_unit_test(a_missing_queue_without_create_is_dead_and_names_the_queue),
		cmocka_unit_test(a_wrong_key_is_eauth_naming_the_account_and_never_the_key),
		cmocka_unit_test(nothing_listening_is_retry_for_every_delivery),
		cmocka_unit_test(dead_letter_sends_the_envelope_with_its_reason),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
