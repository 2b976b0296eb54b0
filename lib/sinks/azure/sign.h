/*
 * sinks/azure/sign.h - SharedKey signing and base64 for Azure Storage Queue.
 *
 * Kept apart from the HTTP code so that the exact string-to-sign rules of
 * protocols.md §1.6 can be tested byte for byte against the vectors of §1.7
 * without a network: the builders take the request as it will be sent
 * (verb, encoded path, raw query, every header) and nothing else. The date
 * is formatted from a time passed in; nothing here reads a clock.
 */
#ifndef HS_AZURE_SIGN_H
#define HS_AZURE_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define HS_AZQ_SIG_LEN	45	/* base64 of a SHA-256 MAC + NUL */
#define HS_AZQ_DATE_LEN	30	/* "Fri, 01 May 2026 12:00:00 GMT" + NUL */
#define HS_AZQ_STS_MAX	(16 * 1024)	/* cap on one string-to-sign */

/* One request header; names in any case. Borrowed strings. */
struct hs_azq_hdr {
	const char *name;
	const char *value;
};

/*
 * Builds the SharedKey string-to-sign (§1.6) for a request to path (as
 * sent, percent-encoded, starting with '/') with query (without '?', may
 * be NULL or "") and headers h[0..nh). A Content-Length of "0" signs as
 * empty. On HS_OK *out is a NUL-terminated string the caller frees.
 * HS_EINVAL for a malformed query, HS_ETOOBIG past HS_AZQ_STS_MAX.
 */
enum hs_err hs_azq_sts_sharedkey(const char *account, const char *verb,
                                 const char *path, const char *query,
                                 const struct hs_azq_hdr *h, size_t nh,
                                 char **out) HS_MUST_CHECK;

/* Same for SharedKeyLite: only a comp= query parameter is signed. */
enum hs_err hs_azq_sts_lite(const char *account, const char *verb,
                            const char *path, const char *query,
                            const struct hs_azq_hdr *h, size_t nh,
                            char **out) HS_MUST_CHECK;

/*
 * sig = base64(HMAC-SHA256(key, sts)): the SharedKey signature and the
 * SAS sig= value alike. key is the decoded account key.
 */
enum hs_err hs_azq_sign(const unsigned char *key, size_t keylen,
                        const char *sts, char sig[HS_AZQ_SIG_LEN])
	HS_MUST_CHECK;

/* RFC 1123 date of now_ms for x-ms-date, C locale, always GMT. */
enum hs_err hs_azq_date(int64_t now_ms, char out[HS_AZQ_DATE_LEN])
	HS_MUST_CHECK;

/* Length of the base64 text of n bytes, without the NUL. */
size_t hs_azq_b64_len(size_t n);

/*
 * Writes the padded base64 of in[0..n) and a NUL into out, which must hold
 * hs_azq_b64_len(n) + 1 bytes. HS_ETOOBIG if n exceeds what OpenSSL's
 * block encoder takes in one call.
 */
enum hs_err hs_azq_b64_encode(const void *in, size_t n, char *out)
	HS_MUST_CHECK;

/*
 * Decodes strict padded base64 (no whitespace, length a multiple of 4).
 * On HS_OK *out (NUL-terminated for convenience, *outlen bytes) is the
 * caller's to free. HS_EINVAL if s is not such base64.
 */
enum hs_err hs_azq_b64_decode(const char *s, size_t n, unsigned char **out,
                              size_t *outlen) HS_MUST_CHECK;

#endif
