/*
 * sinks/azure/wire.h - Azure Queue bodies in and out, and the outcome table.
 *
 * Pure functions over bytes, no network: the Put Message XML, the few
 * elements read back from responses, and the classification of a
 * response (status + headers + body) into an outcome (protocols.md §1.5).
 * The HTTP layer feeds them; the unit tests feed them canned responses.
 */
#ifndef HS_AZURE_WIRE_H
#define HS_AZURE_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "sinks/azure/azq.h"
#include "core/err.h"

/* A response as received; every field borrowed, headers may be NULL. */
struct hs_azq_resp {
	int status;
	const char *error_code;		/* x-ms-error-code */
	const char *retry_after;	/* Retry-After */
	const char *msg_count;		/* x-ms-approximate-messages-count */
	const char *body;
	size_t body_len;
};

/*
 * Builds "<QueueMessage><MessageText>BASE64</MessageText></QueueMessage>"
 * for text[0..n). On HS_OK *out (*outlen bytes, NUL-terminated) is the
 * caller's to free. HS_ETOOBIG, with nothing allocated, when the encoded
 * text would exceed HS_AZQ_TEXT_MAX.
 */
enum hs_err hs_azq_put_body(const void *text, size_t n, char **out,
                            size_t *outlen) HS_MUST_CHECK;

/* Fills res for a message that was not sent because it is too large. */
void hs_azq_too_big(size_t raw_len, struct hs_azq_result *res);

/*
 * Classifies r at now_ms into res (all fields set; message_id ""):
 * 2xx done; 401/403 auth; 404 QueueNotFound no-queue; 408, 429, 5xx,
 * 409 QueueBeingDeleted and anything unexpected retry; other 4xx
 * permanent. code comes from x-ms-error-code or the body's <Code>;
 * reason is the first line of <Message>, control characters removed.
 */
void hs_azq_classify(const struct hs_azq_resp *r, int64_t now_ms,
                     struct hs_azq_result *res);

/*
 * Copies the unescaped text of the first <tag>...</tag> found in
 * xml[0..n) into out (outlen bytes, truncated, NUL-terminated). Returns 1
 * if the element was found, else 0 (out is "").
 */
int hs_azq_xml_text(const char *xml, size_t n, const char *tag, char *out,
                    size_t outlen);

/*
 * Parses a <QueueMessagesList> (peek/get response): each MessageText is
 * base64-decoded into t (which must be empty). HS_EPEER if a message
 * has no MessageText or it is not base64; t then holds nothing.
 */
enum hs_err hs_azq_parse_texts(const char *xml, size_t n,
                               struct hs_azq_texts *t) HS_MUST_CHECK;

#endif
