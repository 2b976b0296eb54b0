/*
 * core/crypto.c - SHA-256, HMAC-SHA256, hex and constant-time comparison.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "core/crypto.h"
#include "core/banned.h"

void
hs_sha256(const void *data, size_t n, unsigned char out[HS_SHA256_LEN])
{
	SHA256(data, n, out);
}

void
hs_sha256_hex(const void *data, size_t n, char out[HS_SHA256_HEX])
{
	unsigned char md[HS_SHA256_LEN];

	hs_sha256(data, n, md);
	hs_hex(md, sizeof(md), out);
}

enum hs_err
hs_hmac_sha256(const void *key, size_t klen, const void *data, size_t n,
               unsigned char out[HS_SHA256_LEN])
{
	unsigned int olen = 0;

	if (klen > (size_t)__INT_MAX__)
		return HS_EINVAL;
	if (!HMAC(EVP_sha256(), key, (int)klen, data, n, out, &olen) ||
	    olen != HS_SHA256_LEN)
		return HS_EIO;
	return HS_OK;
}

void
hs_hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int
hs_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
hs_unhex(const char *s, unsigned char *out, size_t n)
{
	size_t i;
	int hi, lo;

	if (strlen(s) != 2 * n)
		return -1;
	for (i = 0; i < n; i++) {
		hi = hs_hex_digit(s[2 * i]);
		lo = hs_hex_digit(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

int
hs_ct_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

int
hs_ct_streq(const char *given, const char *secret)
{
	unsigned char a[HS_SHA256_LEN], b[HS_SHA256_LEN];

	hs_sha256(given, strlen(given), a);
	hs_sha256(secret, strlen(secret), b);
	return hs_ct_equal(a, b, sizeof(a));
}
