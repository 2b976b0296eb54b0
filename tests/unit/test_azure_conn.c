/*
 * test_azure_conn.c - every connection-string form of protocols.md §1.2,
 * and the bad ones, each with a reason that names the problem and never
 * quotes the key.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sinks/azure/conn.h"

#define KEY HS_AZQ_DEV_KEY

static struct hs_azq_conn *
parse_ok(const char *cs)
{
	struct hs_azq_conn *c = NULL;
	char why[160];

	if (hs_azq_conn_parse(&c, cs, why, sizeof(why)) != HS_OK)
		fail_msg("refused '%s': %s", cs, why);
	return c;
}

static void
refused_with(const char *cs, const char *reason)
{
	struct hs_azq_conn *c = (struct hs_azq_conn *)1;
	char why[160];

	assert_int_equal(hs_azq_conn_parse(&c, cs, why, sizeof(why)),
	                 HS_ECONFIG);
	assert_null(c);
	if (!strstr(why, reason))
		fail_msg("'%s': reason '%s' lacks '%s'", cs, why, reason);
	assert_null(strstr(why, "Eby8"));
	assert_null(strstr(why, "sig=abc"));
}

static void
account_key_and_suffix_derive_an_https_endpoint(void **state)
{
	struct hs_azq_conn *c = parse_ok("DefaultEndpointsProtocol=https;"
	    "AccountName=myacct;AccountKey=" KEY ";EndpointSuffix=core.windows.net");
	size_t n;

	assert_int_equal(hs_azq_conn_auth(c), HS_AZQ_SHAREDKEY);
	assert_string_equal(hs_azq_conn_account(c), "myacct");
	assert_string_equal(hs_azq_conn_base(c),
	                    "https://myacct.queue.core.windows.net");
	assert_string_equal(hs_azq_conn_prefix(c), "");
	assert_non_null(hs_azq_conn_key(c, &n));
	assert_int_equal(n, 64);
	assert_null(hs_azq_conn_sas(c));
	hs_azq_conn_free(c);
}

static void
suffix_and_protocol_default_to_azure_public_https(void **state)
{
	struct hs_azq_conn *c = parse_ok("AccountName=a1;AccountKey=" KEY);

	assert_string_equal(hs_azq_conn_base(c),
	                    "https://a1.queue.core.windows.net");
	hs_azq_conn_free(c);
	c = parse_ok("AccountName=a1;AccountKey=" KEY ";EndpointSuffix="
	             "core.chinacloudapi.cn;DefaultEndpointsProtocol=http");
	assert_string_equal(hs_azq_conn_base(c),
	                    "http://a1.queue.core.chinacloudapi.cn");
	hs_azq_conn_free(c);
}

static void
explicit_queue_endpoint_keeps_its_path_prefix(void **state)
{
	struct hs_azq_conn *c = parse_ok("DefaultEndpointsProtocol=http;"
	    "AccountName=devstoreaccount1;AccountKey=" KEY ";"
	    "BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;"
	    "QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1/;");

	assert_string_equal(hs_azq_conn_base(c), "http://127.0.0.1:10001");
	assert_string_equal(hs_azq_conn_prefix(c), "/devstoreaccount1");
	assert_string_equal(hs_azq_conn_account(c), "devstoreaccount1");
	hs_azq_conn_free(c);
}

static void
development_storage_expands_to_the_emulator(void **state)
{
	struct hs_azq_conn *c = parse_ok("UseDevelopmentStorage=true");
	size_t n;

	assert_int_equal(hs_azq_conn_auth(c), HS_AZQ_SHAREDKEY);
	assert_string_equal(hs_azq_conn_account(c), "devstoreaccount1");
	assert_string_equal(hs_azq_conn_base(c), "http://127.0.0.1:10001");
	assert_string_equal(hs_azq_conn_prefix(c), "/devstoreaccount1");
	assert_non_null(hs_azq_conn_key(c, &n));
	assert_int_equal(n, 64);
	hs_azq_conn_free(c);
	c = parse_ok("usedevelopmentstorage=TRUE;DevelopmentStorageProxyUri="
	             "http://proxy;QueueEndpoint=http://localhost:9/devstoreaccount1");
	assert_string_equal(hs_azq_conn_base(c), "http://localhost:9");
	hs_azq_conn_free(c);
}

static void
sas_connection_string_needs_no_key_and_strips_the_question_mark(void **state)
{
	struct hs_azq_conn *c = parse_ok(
	    "BlobEndpoint=https://a1.blob.core.windows.net/;"
	    "QueueEndpoint=https://a1.queue.core.windows.net/;"
	    "SharedAccessSignature=?sv=2025-11-05&se=2030-01-01T00%3A00%3A00Z"
	    "&sp=a&sig=J9QT%2Bw%3D");

	assert_int_equal(hs_azq_conn_auth(c), HS_AZQ_SAS);
	assert_string_equal(hs_azq_conn_sas(c), "sv=2025-11-05&se=2030-01-01T"
	                    "00%3A00%3A00Z&sp=a&sig=J9QT%2Bw%3D");
	assert_string_equal(hs_azq_conn_account(c), "");
	assert_string_equal(hs_azq_conn_base(c),
	                    "https://a1.queue.core.windows.net");
	hs_azq_conn_free(c);
}

static void
keys_are_case_insensitive_and_values_keep_their_equals(void **state)
{
	struct hs_azq_conn *c = parse_ok(" accountname = acct ;ACCOUNTKEY="
	                                 KEY ";;queueendpoint=http://h:1;");

	assert_string_equal(hs_azq_conn_account(c), "acct");
	assert_string_equal(hs_azq_conn_base(c), "http://h:1");
	hs_azq_conn_free(c);
}

static void
missing_or_conflicting_credentials_are_named(void **state)
{
	refused_with("", "empty");
	refused_with("AccountName=a1", "missing AccountKey or SharedAccessSignature");
	refused_with("AccountKey=" KEY, "missing AccountName");
	refused_with("AccountName=a1;AccountKey=" KEY ";SharedAccessSignature="
	             "sv=1&sig=abc", "both set");
	refused_with("SharedAccessSignature=sv=1&sig=abc",
	             "missing AccountName or QueueEndpoint");
	refused_with("QueueEndpoint=http://h;SharedAccessSignature=sv=1",
	             "no sig= parameter");
	refused_with("UseDevelopmentStorage=true;AccountName=x",
	             "cannot be combined with 'AccountName'");
	refused_with("UseDevelopmentStorage=maybe", "true or false");
}

static void
malformed_segments_and_values_are_named(void **state)
{
	refused_with("AccountName=a1;junk", "segment 2 has no '='");
	refused_with("AccountName=a1;" KEY, "segment 2 has an unknown key");
	refused_with("=x;AccountName=a1", "segment 1 has an empty key");
	refused_with("AccountName=a1;accountname=a2;AccountKey=" KEY,
	             "duplicate key 'AccountName'");
	refused_with("AccountName=a1;AccountKey=;", "empty value for 'AccountKey'");
	refused_with("AccountName=a1;AcountKey=" KEY, "unknown key 'AcountKey'");
	refused_with("AccountName=a1;AccountKey=not*base64!",
	             "AccountKey is not valid base64");
	refused_with("AccountName=a b;AccountKey=" KEY, "AccountName must be");
	refused_with("DefaultEndpointsProtocol=ftp;AccountName=a1;AccountKey="
	             KEY, "must be http or https");
	refused_with("AccountName=a1;AccountKey=" KEY ";QueueEndpoint=h:1/x",
	             "must start with http:// or https://");
	refused_with("AccountName=a1;AccountKey=" KEY ";QueueEndpoint="
	             "http://h/x?sig=abc", "without query");
	refused_with("AccountName=a1;AccountKey=" KEY ";QueueEndpoint=http:///x",
	             "invalid host");
	refused_with("AccountName=a1;AccountKey=" KEY ";EndpointSuffix=a/b",
	             "EndpointSuffix is not a host name");
}

static void
an_overlong_string_is_refused_before_parsing(void **state)
{
	char *cs = malloc(HS_AZQ_CONN_MAX + 2);

	memset(cs, 'a', HS_AZQ_CONN_MAX + 1);
	cs[HS_AZQ_CONN_MAX + 1] = '\0';
	refused_with(cs, "longer than 4096 bytes");
	free(cs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(account_key_and_suffix_derive_an_https_endpoint),
		cmocka_unit_test(suffix_and_protocol_default_to_azure_public_https),
		cmocka_unit_test(explicit_queue_endpoint_keeps_its_path_prefix),
		cmocka_unit_test(development_storage_expands_to_the_emulator),
		cmocka_unit_test(sas_connection_string_needs_no_key_and_strips_the_question_mark),
		cmocka_unit_test(keys_are_case_insensitive_and_values_keep_their_equals),
		cmocka_unit_test(missing_or_conflicting_credentials_are_named),
		cmocka_unit_test(malformed_segments_and_values_are_named),
		cmocka_unit_test(an_overlong_string_is_refused_before_parsing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
