/*
 * test_azure_wire.c - queue names, the Put Message body and its 64 KiB
 * limit, reading responses back, and the outcome table of protocols.md
 * §1.5 fed with canned status + headers + body.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sinks/azure/wire.h"

#define NOW_MS 1777636800000LL	/* Fri, 01 May 2026 12:00:00 GMT */

static void
queue_names_follow_the_service_rules(void **state)
{
	const char *good[] = { "abc", "manychat-contact-queue",
	                       "dead-letter-queue", "a1-b2", "123",
	                       "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij123" };
	const char *bad[] = { NULL, "", "ab", "-abc", "abc-", "a--b", "Abc",
	                      "a_b", "a.b", "a b", "abc/def", "é-queue",
	                      "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij1234" };
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!hs_azq_queue_name_ok(good[i]))
			fail_msg("refused '%s'", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (hs_azq_queue_name_ok(bad[i]))
			fail_msg("accepted '%s'", bad[i]);
}

static void
put_body_is_base64_of_the_text_inside_queue_message_xml(void **state)
{
	char *body = NULL;
	size_t n = 0;

	assert_int_equal(hs_azq_put_body("hello hookspool", 15, &body, &n),
	                 HS_OK);
	assert_string_equal(body, "<QueueMessage><MessageText>"
	                    "aGVsbG8gaG9va3Nwb29s</MessageText></QueueMessage>");
	assert_int_equal(n, 76);	/* the §1.7 vector's Content-Length */
	free(body);
}

static void
put_body_takes_exactly_65536_encoded_chars_and_no_more(void **state)
{
	char *raw = malloc(HS_AZQ_RAW_MAX + 1), *body = NULL;
	size_t n = 0;
	struct hs_azq_result r;

	memset(raw, '{', HS_AZQ_RAW_MAX + 1);
	assert_int_equal(hs_azq_put_body(raw, HS_AZQ_RAW_MAX, &body, &n), HS_OK);
	assert_int_equal(n, strlen("<QueueMessage><MessageText>") + 65536 +
	                 strlen("</MessageText></QueueMessage>"));
	free(body);
	body = NULL;
	assert_int_equal(hs_azq_put_body(raw, HS_AZQ_RAW_MAX + 1, &body, &n),
	                 HS_ETOOBIG);
	assert_null(body);
	hs_azq_too_big(HS_AZQ_RAW_MAX + 1, &r);
	assert_int_equal(r.outcome, HS_AZQ_PERMANENT);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.code, "MessageTooLarge");
	assert_non_null(strstr(r.reason, "49153 bytes"));
	assert_non_null(strstr(r.reason, "65536"));
	free(raw);
}

static void
xml_text_unescapes_entities_and_reports_absence(void **state)
{
	const char *x = "<Error><Code>A&amp;B</Code><Message>it&apos;s &lt;"
	                "x&gt; &#65;&#x42;</Message><E/></Error>";
	char out[64];

	assert_true(hs_azq_xml_text(x, strlen(x), "Code", out, sizeof(out)));
	assert_string_equal(out, "A&B");
	assert_true(hs_azq_xml_text(x, strlen(x), "Message", out, sizeof(out)));
	assert_string_equal(out, "it's <x> AB");
	assert_true(hs_azq_xml_text(x, strlen(x), "E", out, sizeof(out)));
	assert_string_equal(out, "");
	assert_false(hs_azq_xml_text(x, strlen(x), "Nope", out, sizeof(out)));
	assert_false(hs_azq_xml_text("<Code>unterminated", 18, "Code", out,
	                             sizeof(out)));
	assert_true(hs_azq_xml_text(x, strlen(x), "Message", out, 5));
	assert_string_equal(out, "it's");
}

static void
peek_response_is_decoded_into_texts_with_ids(void **state)
{
	const char *x = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone="
	    "\"yes\"?><QueueMessagesList><QueueMessage><MessageId>id-1"
	    "</MessageId><DequeueCount>0</DequeueCount><MessageText>"
	    "aGVsbG8gaG9va3Nwb29s</MessageText></QueueMessage><QueueMessage>"
	    "<MessageId>id-2</MessageId><MessageText>e30=</MessageText>"
	    "</QueueMessage></QueueMessagesList>";
	struct hs_azq_texts t;

	hs_azq_texts_init(&t);
	assert_int_equal(hs_azq_parse_texts(x, strlen(x), &t), HS_OK);
	assert_int_equal(t.n, 2);
	assert_string_equal(t.text[0], "hello hookspool");
	assert_int_equal(t.len[0], 15);
	assert_string_equal(t.id[0], "id-1");
	assert_string_equal(t.text[1], "{}");
	assert_string_equal(t.id[1], "id-2");
	hs_azq_texts_release(&t);
	assert_int_equal(t.n, 0);
	assert_int_equal(hs_azq_parse_texts("<QueueMessagesList/>", 20, &t),
	                 HS_OK);
	assert_int_equal(t.n, 0);
}

static void
a_message_text_that_is_not_base64_is_a_peer_error(void **state)
{
	const char *x = "<QueueMessagesList><QueueMessage><MessageText>e30="
	    "</MessageText></QueueMessage><QueueMessage><MessageText>not b64!"
	    "</MessageText></QueueMessage></QueueMessagesList>";
	struct hs_azq_texts t;

	hs_azq_texts_init(&t);
	assert_int_equal(hs_azq_parse_texts(x, strlen(x), &t), HS_EPEER);
	assert_int_equal(t.n, 0);
}

/* Classifies status + headers + body and returns the result. */
static struct hs_azq_result
classify(int status, const char *code_hdr, const char *retry_after,
         const char *body)
{
	struct hs_azq_resp r = {
		.status = status, .error_code = code_hdr,
		.retry_after = retry_after, .body = body,
		.body_len = body ? strlen(body) : 0,
	};
	struct hs_azq_result res;

	hs_azq_classify(&r, NOW_MS, &res);
	return res;
}

static const char *
error_body(const char *code, const char *msg)
{
	static char b[512];

	snprintf(b, sizeof(b), "<?xml version=\"1.0\" encoding=\"UTF-8\" "
	         "standalone=\"yes\"?>\n<Error>\n  <Code>%s</Code>\n  <Message>"
	         "%s\nRequestId:8c2d\nTime:2026-05-01T12:00:00.000Z</Message>"
	         "\n</Error>", code, msg);
	return b;
}

static void
created_put_is_done_and_keeps_the_message_id_as_receipt(void **state)
{
	struct hs_azq_result r = classify(201, NULL, NULL,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
	    "<QueueMessagesList><QueueMessage><MessageId>0e40b92e-1b2c"
	    "</MessageId><InsertionTime>Mon, 23 Nov 2026 07:55:55 GMT"
	    "</InsertionTime><PopReceipt>MjNOb3Yy</PopReceipt></QueueMessage>"
	    "</QueueMessagesList>");

	assert_int_equal(r.outcome, HS_AZQ_DONE);
	assert_int_equal(r.status, 201);
	assert_string_equal(r.message_id, "0e40b92e-1b2c");
	assert_string_equal(r.code, "");
	assert_string_equal(r.reason, "");
	assert_int_equal(r.retry_after_ms, -1);
	assert_int_equal(hs_azq_outcome_err(&r), HS_OK);
	r = classify(204, NULL, NULL, NULL);
	assert_int_equal(r.outcome, HS_AZQ_DONE);
}

static void
authentication_failures_stop_the_run(void **state)
{
	struct hs_azq_result r = classify(403, "AuthenticationFailed", NULL,
	    error_body("AuthenticationFailed", "Server failed to authenticate "
	               "the request. Make sure the value of the Authorization "
	               "header is formed correctly including the signature."));

	assert_int_equal(r.outcome, HS_AZQ_AUTH);
	assert_string_equal(r.code, "AuthenticationFailed");
	assert_string_equal(r.reason, "Server failed to authenticate the "
	    "request. Make sure the value of the Authorization header is "
	    "formed correctly including the signature.");
	assert_int_equal(hs_azq_outcome_err(&r), HS_EAUTH);
	r = classify(403, NULL, NULL, error_body(
	    "AuthorizationPermissionMismatch", "This request is not "
	    "authorized to perform this operation using this permission."));
	assert_int_equal(r.outcome, HS_AZQ_AUTH);
	assert_string_equal(r.code, "AuthorizationPermissionMismatch");
	r = classify(403, "AuthorizationProtocolMismatch", NULL, NULL);
	assert_int_equal(r.outcome, HS_AZQ_AUTH);
}

static void
queue_not_found_asks_for_a_create(void **state)
{
	struct hs_azq_result r = classify(404, "QueueNotFound", NULL,
	    error_body("QueueNotFound", "The specified queue does not exist."));

	assert_int_equal(r.outcome, HS_AZQ_NO_QUEUE);
	assert_string_equal(r.reason, "The specified queue does not exist.");
	assert_int_equal(hs_azq_outcome_err(&r), HS_ENOTFOUND);
	r = classify(404, NULL, NULL, "<html>nginx</html>");
	assert_int_equal(r.outcome, HS_AZQ_PERMANENT);
	assert_string_equal(r.reason, "http status 404");
}

static void
bad_requests_and_too_large_are_permanent(void **state)
{
	const char *codes[] = { "InvalidXmlDocument",
	                        "InvalidQueryParameterValue",
	                        "OutOfRangeQueryParameterValue",
	                        "InvalidHeaderValue", "InvalidResourceName" };
	struct hs_azq_result r;
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		r = classify(400, codes[i], NULL, error_body(codes[i], "bad"));
		assert_int_equal(r.outcome, HS_AZQ_PERMANENT);
		assert_string_equal(r.code, codes[i]);
		assert_string_equal(r.reason, "bad");
	}
	r = classify(413, "RequestBodyTooLarge", NULL,
	             "<Error><Code>RequestBodyTooLarge</Code><Message>The "
	             "request body is too large.</Message><MaxLimit>65536"
	             "</MaxLimit></Error>");
	assert_int_equal(r.outcome, HS_AZQ_PERMANENT);
	assert_int_equal(hs_azq_outcome_err(&r), HS_EPEER);
	r = classify(409, "QueueAlreadyExists", NULL, NULL);
	assert_int_equal(r.outcome, HS_AZQ_PERMANENT);
}

static void
server_busy_and_timeouts_are_retried_with_retry_after(void **state)
{
	struct hs_azq_result r = classify(503, "ServerBusy", "7",
	    error_body("ServerBusy", "The server is busy."));

	assert_int_equal(r.outcome, HS_AZQ_RETRY);
	assert_int_equal(r.retry_after_ms, 7000);
	assert_string_equal(r.code, "ServerBusy");
	assert_int_equal(hs_azq_outcome_err(&r), HS_EAGAIN);
	r = classify(500, NULL, NULL, error_body("OperationTimedOut", "x"));
	assert_int_equal(r.outcome, HS_AZQ_RETRY);
	assert_string_equal(r.code, "OperationTimedOut");
	assert_int_equal(r.retry_after_ms, -1);
	r = classify(500, "InternalError", NULL, NULL);
	assert_int_equal(r.outcome, HS_AZQ_RETRY);
	r = classify(429, NULL, "Fri, 01 May 2026 12:00:30 GMT", NULL);
	assert_int_equal(r.outcome, HS_AZQ_RETRY);
	assert_int_equal(r.retry_after_ms, 30000);
	r = classify(409, "QueueBeingDeleted", NULL, NULL);
	assert_int_equal(r.outcome, HS_AZQ_RETRY);
	r = classify(302, NULL, NULL, NULL);
	assert_int_equal(r.outcome, HS_AZQ_RETRY);
}

static void
error_codes_and_reasons_are_sanitised(void **state)
{
	struct hs_azq_result r = classify(400, "Bad\r\nX-Injected: 1", NULL,
	    "<Error><Message>line\tone\x01</Message></Error>");

	assert_string_equal(r.code, "BadXInjected1");
	assert_string_equal(r.reason, "line one");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(queue_names_follow_the_service_rules),
		cmocka_unit_test(put_body_is_base64_of_the_text_inside_queue_message_xml),
		cmocka_unit_test(put_body_takes_exactly_65536_encoded_chars_and_no_more),
		cmocka_unit_test(xml_text_unescapes_entities_and_reports_absence),
		cmocka_unit_test(peek_response_is_decoded_into_texts_with_ids),
		cmocka_unit_test(a_message_text_that_is_not_base64_is_a_peer_error),
		cmocka_unit_test(created_put_is_done_and_keeps_the_message_id_as_receipt),
		cmocka_unit_test(authentication_failures_stop_the_run),
		cmocka_unit_test(queue_not_found_asks_for_a_create),
		cmocka_unit_test(bad_requests_and_too_large_are_permanent),
		cmocka_unit_test(server_busy_and_timeouts_are_retried_with_retry_after),
		cmocka_unit_test(error_codes_and_reasons_are_sanitised),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
