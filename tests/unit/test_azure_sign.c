/*
 * test_azure_sign.c - the signer against every vector of protocols.md §1.7
 * and §1.8, byte for byte, plus base64 and the x-ms-date format.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sinks/azure/sign.h"

#define ACCOUNT "devstoreaccount1"
#define KEY_B64 "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
#define DATE "Fri, 01 May 2026 12:00:00 GMT"
#define DATE_MS 1777636800000LL	/* 2026-05-01T12:00:00Z */

static void
check_sig(const char *sts, const char *want)
{
	unsigned char *key = NULL;
	size_t keylen = 0;
	char sig[HS_AZQ_SIG_LEN];

	assert_int_equal(hs_azq_b64_decode(KEY_B64, strlen(KEY_B64), &key,
	                                   &keylen), HS_OK);
	assert_int_equal(keylen, 64);
	assert_int_equal(hs_azq_sign(key, keylen, sts, sig), HS_OK);
	assert_string_equal(sig, want);
	free(key);
}

static const struct hs_azq_hdr put_hdrs[] = {
	{ "Host", "127.0.0.1:10001" },
	{ "x-ms-date", DATE },
	{ "x-ms-version", "2025-11-05" },
	{ "Content-Type", "application/xml" },
	{ "Content-Length", "76" },
};
#define NPUT (sizeof(put_hdrs) / sizeof(put_hdrs[0]))

static void
put_message_path_style_signs_account_twice(void **state)
{
	const char *want =
		"POST\n\n\n76\n\napplication/xml\n\n\n\n\n\n\n"
		"x-ms-date:Fri, 01 May 2026 12:00:00 GMT\nx-ms-version:2025-11-05\n"
		"/devstoreaccount1/devstoreaccount1/testvector-q/messages\n"
		"messagettl:604800\nvisibilitytimeout:0";
	char *sts = NULL;

	assert_int_equal(hs_azq_sts_sharedkey(ACCOUNT, "POST",
	    "/devstoreaccount1/testvector-q/messages",
	    "visibilitytimeout=0&messagettl=604800", put_hdrs, NPUT, &sts),
	    HS_OK);
	assert_string_equal(sts, want);
	check_sig(sts, "BJHI4ZcyHmNzQz29r+uo9AWIyaDCrSlOY83kclDoLUk=");
	free(sts);
}

static void
put_message_production_style_signs_account_once(void **state)
{
	const char *want =
		"POST\n\n\n76\n\napplication/xml\n\n\n\n\n\n\n"
		"x-ms-date:Fri, 01 May 2026 12:00:00 GMT\nx-ms-version:2025-11-05\n"
		"/devstoreaccount1/testvector-q/messages\n"
		"messagettl:604800\nvisibilitytimeout:0";
	char *sts = NULL;

	assert_int_equal(hs_azq_sts_sharedkey(ACCOUNT, "POST",
	    "/testvector-q/messages", "visibilitytimeout=0&messagettl=604800",
	    put_hdrs, NPUT, &sts), HS_OK);
	assert_string_equal(sts, want);
	check_sig(sts, "+CDqePhGRx+p1HOClKbVVXafrOyX9I+qIBCUVkUVQqE=");
	free(sts);
}

static void
create_queue_signs_zero_content_length_as_empty(void **state)
{
	const struct hs_azq_hdr h[] = {
		{ "x-ms-version", "2025-11-05" },
		{ "Content-Length", "0" },
		{ "X-MS-Date", DATE },
	};
	const char *want =
		"PUT\n\n\n\n\n\n\n\n\n\n\n\n"
		"x-ms-date:Fri, 01 May 2026 12:00:00 GMT\nx-ms-version:2025-11-05\n"
		"/devstoreaccount1/devstoreaccount1/testvector-q";
	char *sts = NULL;

	assert_int_equal(hs_azq_sts_sharedkey(ACCOUNT, "PUT",
	    "/devstoreaccount1/testvector-q", NULL, h, 3, &sts), HS_OK);
	assert_string_equal(sts, want);
	check_sig(sts, "Zk4xBrYKlSAID0rPgGSh6U+kp8IXTI2bspSHUGYFUJA=");
	free(sts);
}

static void
shared_key_lite_signs_only_type_date_headers_and_path(void **state)
{
	const char *want =
		"POST\n\napplication/xml\n\n"
		"x-ms-date:Fri, 01 May 2026 12:00:00 GMT\nx-ms-version:2025-11-05\n"
		"/devstoreaccount1/devstoreaccount1/testvector-q/messages";
	char *sts = NULL;

	assert_int_equal(hs_azq_sts_lite(ACCOUNT, "POST",
	    "/devstoreaccount1/testvector-q/messages", "visibilitytimeout=0",
	    put_hdrs, NPUT, &sts), HS_OK);
	assert_string_equal(sts, want);
	check_sig(sts, "OwfSkz6MUwZlKYrfbvSlEScEFko//uenVA0dsH/Yb4c=");
	free(sts);
}

static void
shared_key_lite_keeps_the_comp_parameter(void **state)
{
	char *sts = NULL;

	assert_int_equal(hs_azq_sts_lite(ACCOUNT, "HEAD", "/q1",
	    "comp=metadata&timeout=5", NULL, 0, &sts), HS_OK);
	assert_string_equal(sts, "HEAD\n\n\n\n/devstoreaccount1/q1?comp=metadata");
	free(sts);
}

static void
sas_signatures_match_the_documented_vectors(void **state)
{
	check_sig("a\n\n2030-01-01T00:00:00Z\n/queue/devstoreaccount1/"
	          "hookspool-events\n\n\n\n2025-11-05",
	          "J9QTwFA2Ja35hPxFx7Ycv4cwjVe3HfIiw1Zxw8b0x48=");
	check_sig("devstoreaccount1\nrwdlacup\nq\nsco\n\n2030-01-01T00:00:00Z"
	          "\n\n\n2025-11-05\n\n",
	          "DO6XbRkeBQfTA2IhkGLvfKc0gHkcygLYOhZI347bxf0=");
}

static void
headers_are_lowercased_trimmed_collapsed_and_sorted(void **state)
{
	const struct hs_azq_hdr h[] = {
		{ "X-Ms-Version", "2025-11-05" },
		{ "x-ms-client-request-id", "  a \t  b  " },
		{ "x-ms-date", DATE },
		{ "x-ms-meta-Zeta", "z" },
		{ "x-ms-meta-alpha", "a" },
		{ "Accept", "*/*" },
	};
	const char *want =
		"GET\n\n\n\n\n\n\n\n\n\n\n\n"
		"x-ms-client-request-id:a b\n"
		"x-ms-date:Fri, 01 May 2026 12:00:00 GMT\n"
		"x-ms-meta-alpha:a\nx-ms-meta-zeta:z\n"
		"x-ms-version:2025-11-05\n/acct/q";
	char *sts = NULL;

	assert_int_equal(hs_azq_sts_sharedkey("acct", "GET", "/q", "", h,
	    sizeof(h) / sizeof(h[0]), &sts), HS_OK);
	assert_string_equal(sts, want);
	free(sts);
}

static void
query_values_are_decoded_grouped_and_sorted_by_lowercase_name(void **state)
{
	char *sts = NULL;

	assert_int_equal(hs_azq_sts_sharedkey("acct", "DELETE",
	    "/q/messages/id1", "popreceipt=AB%2Bc%3D%3D&B=2&b=1&Flag",
	    NULL, 0, &sts), HS_OK);
	assert_string_equal(sts, "DELETE\n\n\n\n\n\n\n\n\n\n\n\n"
	    "/acct/q/messages/id1\nb:1,2\nflag:\npopreceipt:AB+c==");
	free(sts);
}

static void
a_broken_percent_escape_in_the_query_is_refused(void **state)
{
	char *sts = NULL;

	assert_int_equal(hs_azq_sts_sharedkey("acct", "GET", "/q", "a=%4",
	    NULL, 0, &sts), HS_EINVAL);
	assert_int_equal(hs_azq_sts_sharedkey("acct", "GET", "/q", "a=%zz",
	    NULL, 0, &sts), HS_EINVAL);
	assert_null(sts);
}

static void
date_is_rfc1123_gmt_from_the_time_passed_in(void **state)
{
	char d[HS_AZQ_DATE_LEN];

	assert_int_equal(hs_azq_date(DATE_MS, d), HS_OK);
	assert_string_equal(d, DATE);
	assert_int_equal(hs_azq_date(DATE_MS + 999, d), HS_OK);
	assert_string_equal(d, DATE);
	assert_int_equal(hs_azq_date(0, d), HS_OK);
	assert_string_equal(d, "Thu, 01 Jan 1970 00:00:00 GMT");
	assert_int_equal(hs_azq_date(951782400000LL, d), HS_OK);
	assert_string_equal(d, "Tue, 29 Feb 2000 00:00:00 GMT");
}

static void
base64_round_trips_with_padding(void **state)
{
	const char *in[] = { "", "h", "he", "hel", "hello hookspool" };
	const char *b64[] = { "", "aA==", "aGU=", "aGVs",
	                      "aGVsbG8gaG9va3Nwb29s" };
	char out[64];
	unsigned char *dec;
	size_t i, n;

	for (i = 0; i < 5; i++) {
		assert_int_equal(hs_azq_b64_len(strlen(in[i])), strlen(b64[i]));
		assert_int_equal(hs_azq_b64_encode(in[i], strlen(in[i]), out),
		                 HS_OK);
		assert_string_equal(out, b64[i]);
		dec = NULL;
		assert_int_equal(hs_azq_b64_decode(out, strlen(out), &dec, &n),
		                 HS_OK);
		assert_int_equal(n, strlen(in[i]));
		assert_memory_equal(dec, in[i], n);
		free(dec);
	}
}

static void
base64_decode_refuses_malformed_text(void **state)
{
	const char *bad[] = { "a", "aGU", "aG=U", "a===", "aGVs\n", "aG U=",
	                      "aGV$", "=aGV" };
	unsigned char *dec = NULL;
	size_t i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(hs_azq_b64_decode(bad[i], strlen(bad[i]), &dec,
		                                   &n), HS_EINVAL);
	assert_null(dec);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(put_message_path_style_signs_account_twice),
		cmocka_unit_test(put_message_production_style_signs_account_once),
		cmocka_unit_test(create_queue_signs_zero_content_length_as_empty),
		cmocka_unit_test(shared_key_lite_signs_only_type_date_headers_and_path),
		cmocka_unit_test(shared_key_lite_keeps_the_comp_parameter),
		cmocka_unit_test(sas_signatures_match_the_documented_vectors),
		cmocka_unit_test(headers_are_lowercased_trimmed_collapsed_and_sorted),
		cmocka_unit_test(query_values_are_decoded_grouped_and_sorted_by_lowercase_name),
		cmocka_unit_test(a_broken_percent_escape_in_the_query_is_refused),
		cmocka_unit_test(date_is_rfc1123_gmt_from_the_time_passed_in),
		cmocka_unit_test(base64_round_trips_with_padding),
		cmocka_unit_test(base64_decode_refuses_malformed_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
