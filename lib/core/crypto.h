/*
 * core/crypto.h - the few primitives the handlers need, all from OpenSSL.
 */
#ifndef HS_CRYPTO_H
#define HS_CRYPTO_H

#include <stddef.h>

#include "core/err.h"

#define HS_SHA256_LEN 32
#define HS_SHA256_HEX 65	/* 64 hex digits + NUL */

void hs_sha256(const void *data, size_t n, unsigned char out[HS_SHA256_LEN]);
void hs_sha256_hex(const void *data, size_t n, char out[HS_SHA256_HEX]);
enum hs_err hs_hmac_sha256(const void *key, size_t klen, const void *data,
                           size_t n, unsigned char out[HS_SHA256_LEN])
	HS_MUST_CHECK;
/* Lowercase hex of n bytes into out (2n+1 bytes). */
void hs_hex(const unsigned char *in, size_t n, char *out);
/* The value of one hex digit (either case), or -1. */
int hs_hex_digit(int c);
/*
 * Decodes exactly 2*n hex digits (either case) from s into out.
 * Returns 0, or -1 if s is not exactly that.
 */
int hs_unhex(const char *s, unsigned char *out, size_t n);
/* Constant-time equality of two n-byte buffers: 1 if equal. */
int hs_ct_equal(const void *a, const void *b, size_t n);
/*
 * Constant-time comparison of two strings of possibly different length,
 * for API keys: both are hashed first so the time does not depend on
 * where they differ nor on the secret's length.
 */
int hs_ct_streq(const char *given, const char *secret);

#endif
