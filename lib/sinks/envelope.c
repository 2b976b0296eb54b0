/*
 * sinks/envelope.c - the JSON envelope queue messages carry.
 *
 * The payload is spliced in as the raw bytes the sender signed (they were
 * checked to be valid JSON on the way in), so a consumer sees exactly what
 * arrived and can still verify it; only the envelope's own strings are
 * escaped here, by json-c.
 */
#include <json-c/json.h>

#include "core/buf.h"
#include "sinks/sink.h"
#include "core/banned.h"

static enum hs_err
add_string(struct hs_buf *out, const char *name, const char *val)
{
	struct json_object *s = json_object_new_string(val ? val : "");
	enum hs_err rc;

	rc = hs_buf_addf(out, "\"%s\":%s,", name,
	    json_object_to_json_string_ext(s, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(s);
	return rc;
}

enum hs_err
hs_envelope(const struct hs_delivery *d, struct hs_buf *out)
{
	enum hs_err rc;

	rc = hs_buf_adds(out, "{");
	if (rc == HS_OK)
		rc = add_string(out, "idempotency_key", d->idem_key);
	if (rc == HS_OK)
		rc = add_string(out, "source", d->source);
	if (rc == HS_OK)
		rc = add_string(out, "kind", d->kind);
	if (rc == HS_OK)
		rc = add_string(out, "received_at", d->received_at);
	if (rc == HS_OK)
		rc = hs_buf_addf(out, "\"event_id\":%lld,\"payload\":",
		    (long long)d->event_id);
	if (rc == HS_OK)
		rc = d->body_len ? hs_buf_add(out, d->body, d->body_len) :
		    hs_buf_adds(out, "null");
	if (rc == HS_OK)
		rc = hs_buf_adds(out, "}");
	return rc;
}
