/*
 * test_crypto.c - SHA-256 and HMAC-SHA256 against published vectors
 * (FIPS 180-2, RFC 4231, protocols.md Appendix A), hex encoding both ways,
 * and the constant-time comparisons the handlers authenticate with.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/crypto.h"

/* HMAC-SHA256 of msg under key, as lowercase hex. */
static void
hmac_hex(const char *key, const char *msg, size_t msglen,
         char out[HS_SHA256_HEX])
{
	unsigned char md[HS_SHA256_LEN];

	assert_int_equal(hs_hmac_sha256(key, strlen(key), msg, msglen, md),
	                 HS_OK);
	hs_hex(md, sizeof(md), out);
}

static void
sha256_matches_fips_vectors(void **state)
{
	char hex[HS_SHA256_HEX];
	unsigned char md[HS_SHA256_LEN];

	hs_sha256_hex("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223"
	                         "b00361a396177a9cb410ff61f20015ad");
	hs_sha256_hex("", 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb924"
	                         "27ae41e4649b934ca495991b7852b855");
	hs_sha256("abc", 3, md);
	assert_int_equal(md[0], 0xba);
	assert_int_equal(md[31], 0xad);
}

static void
hmac_matches_rfc4231_case_2(void **state)
{
	char hex[HS_SHA256_HEX];
	const char *msg = "what do ya want for nothing?";

	hmac_hex("Jefe", msg, strlen(msg), hex);
	assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c7"
	                         "5a003f089d2739839dec58b964ec3843");
}

static void
hmac_matches_generic_webhook_signature_vector(void **state)
{
	char hex[HS_SHA256_HEX];
	const char *body = "{\"type\":\"user_info\",\"content\":\"x\"}";

	hmac_hex("shared_secret", body, strlen(body), hex);
	assert_string_equal(hex, "df6184d5e7ea68ee9f66f5dee2b1a8d9"
	                         "45a5a295eb64d8fa50c633afe2ce7144");
}

static void
hmac_matches_wuzapi_vector(void **state)
{
	char hex[HS_SHA256_HEX];
	const char *body = "{\"event\":{\"Info\":{\"ID\":\"3EB0TEST\"}},"
	    "\"instanceName\":\"demo\",\"type\":\"Message\",\"userID\":\"1\"}";

	hmac_hex("0123456789abcdef0123456789abcdef", body, strlen(body), hex);
	assert_string_equal(hex, "387b5f0e698f2030a2eaad913b1c7fb0"
	                         "4d3d80c0f287769b4bbf65de61259cd1");
}

static void
hmac_matches_chatwoot_vector_over_timestamp_and_body(void **state)
{
	char hex[HS_SHA256_HEX];
	const char *signed_bytes = "1767225600."
	    "{\"event\":\"message_created\",\"id\":1,\"content\":\"hi\","
	    "\"message_type\":\"outgoing\",\"private\":false}";

	hmac_hex("cw_webhook_secret", signed_bytes, strlen(signed_bytes), hex);
	assert_string_equal(hex, "c0113aa3a7e86f720d9645806f0d831d"
	                         "4822fcc488098899a5e793c4d3dac621");
}

static void
hmac_matches_meta_vector_over_422_bytes(void **state)
{
	char hex[HS_SHA256_HEX];
	const char *body = "{\"object\":\"whatsapp_business_account\","
	    "\"entry\":[{\"id\":\"102290129340398\",\"changes\":[{\"value\":"
	    "{\"messaging_product\":\"whatsapp\",\"metadata\":"
	    "{\"display_phone_number\":\"15550783881\",\"phone_number_id\":"
	    "\"106540352242922\"},\"contacts\":[{\"profile\":{\"name\":"
	    "\"Sheena Nelson\"},\"wa_id\":\"16505551234\"}],\"messages\":"
	    "[{\"from\":\"16505551234\",\"id\":\"wamid.TEST1\",\"timestamp\":"
	    "\"1749416383\",\"type\":\"text\",\"text\":{\"body\":\"Hola\"}}]},"
	    "\"field\":\"messages\"}]}]}";

	assert_int_equal(strlen(body), 422);
	hmac_hex("test_app_secret", body, strlen(body), hex);
	assert_string_equal(hex, "89fe336907220098776ee9229f13ce35"
	                         "8666c81bb07afd244ba566df77052055");
}

static void
hmac_covers_every_byte_including_nul(void **state)
{
	char a[HS_SHA256_HEX], b[HS_SHA256_HEX];
	const char msg[] = "ab\0cd";

	hmac_hex("k", msg, 5, a);
	hmac_hex("k", msg, 2, b);
	assert_string_not_equal(a, b);
}

static void
hex_encodes_lowercase_and_terminates(void **state)
{
	const unsigned char in[] = { 0x00, 0x01, 0x7f, 0x80, 0xab, 0xff };
	char out[2 * sizeof(in) + 1];

	memset(out, 'Z', sizeof(out));
	hs_hex(in, sizeof(in), out);
	assert_string_equal(out, "00017f80abff");
	hs_hex(in, 0, out);
	assert_string_equal(out, "");
}

static void
unhex_round_trips_every_byte_value(void **state)
{
	unsigned char in[256], back[256];
	char hex[2 * 256 + 1];
	size_t i;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)i;
	hs_hex(in, sizeof(in), hex);
	memset(back, 0, sizeof(back));
	assert_int_equal(hs_unhex(hex, back, sizeof(back)), 0);
	assert_memory_equal(in, back, sizeof(in));
}

static void
unhex_accepts_either_case(void **state)
{
	unsigned char out[3];
	const unsigned char want[3] = { 0xab, 0xcd, 0xef };

	assert_int_equal(hs_unhex("ABcdEf", out, 3), 0);
	assert_memory_equal(out, want, 3);
}

static void
unhex_rejects_odd_short_long_and_invalid_digits(void **state)
{
	unsigned char out[4];

	assert_int_equal(hs_unhex("abc", out, 2), -1);		/* odd */
	assert_int_equal(hs_unhex("abcdef0", out, 4), -1);	/* short */
	assert_int_equal(hs_unhex("abcdef0123", out, 4), -1);	/* long */
	assert_int_equal(hs_unhex("abcdefgh", out, 4), -1);
	assert_int_equal(hs_unhex("abcd ef0", out, 4), -1);
	assert_int_equal(hs_unhex("0x12ab34", out, 4), -1);
	assert_int_equal(hs_unhex("", out, 4), -1);
	assert_int_equal(hs_unhex("", out, 0), 0);
}

static void
unhex_rejects_a_sha256_prefix(void **state)
{
	unsigned char out[HS_SHA256_LEN];

	assert_int_equal(hs_unhex("sha256=df6184d5e7ea68ee9f66f5dee2b1a8d9"
	    "45a5a295eb64d8fa50c633afe2ce7144", out, sizeof(out)), -1);
	assert_int_equal(hs_unhex("df6184d5e7ea68ee9f66f5dee2b1a8d9"
	    "45a5a295eb64d8fa50c633afe2ce7144", out, sizeof(out)), 0);
}

static void
ct_equal_compares_whole_buffers(void **state)
{
	const unsigned char a[4] = { 1, 2, 3, 4 };
	const unsigned char b[4] = { 1, 2, 3, 5 };

	assert_int_equal(hs_ct_equal(a, a, 4), 1);
	assert_int_equal(hs_ct_equal(a, b, 4), 0);
	assert_int_equal(hs_ct_equal(a, b, 3), 1);
	assert_int_equal(hs_ct_equal(a, b, 0), 1);
}

static void
ct_streq_is_exact_string_equality(void **state)
{
	assert_int_equal(hs_ct_streq("secret", "secret"), 1);
	assert_int_equal(hs_ct_streq("", ""), 1);
	assert_int_equal(hs_ct_streq("secret", "Secret"), 0);
	assert_int_equal(hs_ct_streq("secret", "secret "), 0);
	assert_int_equal(hs_ct_streq("secre", "secret"), 0);
	assert_int_equal(hs_ct_streq("secrett", "secret"), 0);
	assert_int_equal(hs_ct_streq("", "secret"), 0);
	assert_int_equal(hs_ct_streq("secret", ""), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sha256_matches_fips_vectors),
		cmocka_unit_test(hmac_matches_rfc4231_case_2),
		cmocka_unit_test(hmac_matches_generic_webhook_signature_vector),
		cmocka_unit_test(hmac_matches_wuzapi_vector),
		cmocka_unit_test(hmac_matches_chatwoot_vector_over_timestamp_and_body),
		cmocka_unit_test(hmac_matches_meta_vector_over_422_bytes),
		cmocka_unit_test(hmac_covers_every_byte_including_nul),
		cmocka_unit_test(hex_encodes_lowercase_and_terminates),
		cmocka_unit_test(unhex_round_trips_every_byte_value),
		cmocka_unit_test(unhex_accepts_either_case),
		cmocka_unit_test(unhex_rejects_odd_short_long_and_invalid_digits),
		cmocka_unit_test(unhex_rejects_a_sha256_prefix),
		cmocka_unit_test(ct_equal_compares_whole_buffers),
		cmocka_unit_test(ct_streq_is_exact_string_equality),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
