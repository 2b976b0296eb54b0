/*
 * front/response.h - the answer a handler builds, written once at the end.
 *
 * Handlers set a status, extra headers and a JSON body -- or plain text
 * where a protocol demands it (Meta's verification echoes a challenge);
 * the adapter writes "Status:", the headers, a blank line and the body
 * (RFC 3875 §6). Every error answer has the same shape: {"error": ...,
 * "detail": ...}.
 */
#ifndef HS_RESPONSE_H
#define HS_RESPONSE_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

struct json_object;

struct hs_response {
	int status;
	const char *content_type;	/* static; NULL: application/json */
	struct hs_buf headers;	/* "Name: value\r\n" lines */
	struct hs_buf body;
	/* For the request log line; borrowed static strings or NULL. */
	const char *source;
	const char *kind;
	const char *error;
	char idem_key[96];	/* truncated copy for the log */
	int duplicate;
	long long event_id;
};

void hs_response_init(struct hs_response *rs);
void hs_response_release(struct hs_response *rs);

/* "Accepted" for 202 and so on; "Unknown" for codes we never send. */
const char *hs_status_text(int status);

/* Adds a header line; the value must not contain CR or LF. */
enum hs_err hs_response_header(struct hs_response *rs, const char *name,
                               const char *value) HS_MUST_CHECK;
/* Serialises obj (borrowed) as the body with the given status. */
void hs_response_json(struct hs_response *rs, int status,
                      struct json_object *obj);
/* Sets the body to an already serialised JSON text (copied). */
void hs_response_json_text(struct hs_response *rs, int status,
                           const char *text);
/*
 * Sets the body to the n bytes at data exactly (copied), sent as
 * "text/plain; charset=utf-8". A later JSON answer (an error) replaces it
 * and its type.
 */
void hs_response_text(struct hs_response *rs, int status, const char *data,
                      size_t n);
/* {"error": error, "detail": detail}; error is also logged. */
void hs_response_error(struct hs_response *rs, int status,
                       const char *error, const char *detail);
/* The same with a detail built from a format. */
void hs_response_errorf(struct hs_response *rs, int status,
                        const char *error, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Writes the whole response with w; returns what w returned last. */
typedef int (*hs_writer)(void *ctx, const char *data, size_t n);
int hs_response_write(const struct hs_response *rs, const char *method,
                      hs_writer w, void *ctx);

#endif
