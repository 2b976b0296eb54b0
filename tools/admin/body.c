/*
 * tools/admin/body.c - an event as one line of JSON with its body inside.
 *
 * The body is spliced in as the bytes the sender sent (the ingest path
 * checked they are JSON), the way the queue envelope carries it: no
 * number or escape is rewritten, so a consumer can still verify a
 * signature over it. Only CR and LF become spaces - in valid JSON they
 * can only be whitespace between tokens - so that one event stays one
 * line. body_sha256 is over the stored bytes, before that change. A body
 * that is not JSON (never stored by the handlers, but a spool may come
 * from elsewhere) travels as base64.
 */
#include <string.h>

#include <openssl/evp.h>

#include "admin/internal.h"
#include "core/caps.h"
#include "core/crypto.h"
#include "core/json_strict.h"
#include "core/banned.h"

#define BODY_DEPTH	(HS_JSON_MAX_DEPTH * 4)

static enum hs_err
add_flat(struct hs_buf *out, const char *p, size_t n)
{
	enum hs_err rc = hs_buf_reserve(out, n);
	size_t i;

	if (rc != HS_OK)
		return rc;
	for (i = 0; i < n; i++)
		out->data[out->len + i] = p[i] == '\n' || p[i] == '\r' ? ' ' :
		    p[i];
	out->len += n;
	out->data[out->len] = '\0';
	return HS_OK;
}

static enum hs_err
add_base64(struct hs_buf *out, const void *p, size_t n)
{
	enum hs_err rc = hs_buf_reserve(out, 4 * ((n + 2) / 3) + 1);
	int w;

	if (rc != HS_OK)
		return rc;
	w = EVP_EncodeBlock((unsigned char *)out->data + out->len, p, (int)n);
	out->len += (size_t)w;
	out->data[out->len] = '\0';
	return HS_OK;
}

static enum hs_err
add_body(struct hs_buf *out, const void *body, size_t len)
{
	struct hs_json_error err;
	enum hs_err rc;

	if (len > 0 && hs_json_check(body, len, BODY_DEPTH, &err) == 0)
		return add_flat(out, body, len);
	rc = hs_buf_adds(out, "null,\"body_base64\":\"");
	if (rc == HS_OK)
		rc = add_base64(out, body, len);
	return rc == HS_OK ? hs_buf_adds(out, "\"") : rc;
}

enum hs_err
hs_admin_json_with_body(struct json_object *obj, const void *body,
                        size_t len, struct hs_buf *out)
{
	const char *s = json_object_to_json_string_ext(obj,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	char hex[HS_SHA256_HEX];
	size_t sl = s ? strlen(s) : 0;
	enum hs_err rc;

	if (sl < 2 || s[sl - 1] != '}')
		return HS_EINVAL;
	rc = hs_buf_add(out, s, sl - 1);
	if (rc == HS_OK)
		rc = hs_buf_adds(out, sl > 2 ? ",\"body\":" : "\"body\":");
	if (rc == HS_OK)
		rc = add_body(out, body ? body : "", body ? len : 0);
	hs_sha256_hex(body ? body : "", body ? len : 0, hex);
	if (rc == HS_OK)
		rc = hs_buf_addf(out, ",\"body_sha256\":\"%s\"}", hex);
	return rc;
}
