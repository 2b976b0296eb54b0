/*
 * front/response.c - building and writing the HTTP answer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "front/response.h"
#include "core/banned.h"

#define HEADERS_MAX 4096
#define BODY_MAX (256 * 1024)
#define TYPE_JSON "application/json"
#define TYPE_TEXT "text/plain; charset=utf-8"

void
hs_response_init(struct hs_response *rs)
{
	memset(rs, 0, sizeof(*rs));
	rs->status = 500;
	rs->event_id = -1;
	hs_buf_init(&rs->headers, HEADERS_MAX);
	hs_buf_init(&rs->body, BODY_MAX);
}

void
hs_response_release(struct hs_response *rs)
{
	hs_buf_release(&rs->headers);
	hs_buf_release(&rs->body);
}

const char *
hs_status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

enum hs_err
hs_response_header(struct hs_response *rs, const char *name,
                   const char *value)
{
	if (strpbrk(value, "\r\n") || strpbrk(name, "\r\n:"))
		return HS_EINVAL;
	return hs_buf_addf(&rs->headers, "%s: %s\r\n", name, value);
}

/* Sets the body to data[0..n) of the given type; 500 if it is too big. */
static void
set_body(struct hs_response *rs, int status, const char *type,
         const char *data, size_t n)
{
	rs->status = status;
	rs->content_type = type;
	hs_buf_reset(&rs->body);
	if (hs_buf_add(&rs->body, data, n) != HS_OK) {
		hs_buf_reset(&rs->body);
		rs->status = 500;
		rs->content_type = NULL;
		if (hs_buf_adds(&rs->body, "{\"error\":\"internal error\","
		    "\"detail\":\"response too large\"}") != HS_OK)
			hs_buf_reset(&rs->body);
	}
}

void
hs_response_json_text(struct hs_response *rs, int status, const char *text)
{
	set_body(rs, status, NULL, text, strlen(text));
}

void
hs_response_text(struct hs_response *rs, int status, const char *data,
                 size_t n)
{
	set_body(rs, status, TYPE_TEXT, data, n);
}

void
hs_response_json(struct hs_response *rs, int status, struct json_object *obj)
{
	hs_response_json_text(rs, status, json_object_to_json_string_ext(obj,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

void
hs_response_error(struct hs_response *rs, int status, const char *error,
                  const char *detail)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "error", json_object_new_string(error));
	json_object_object_add(o, "detail", json_object_new_string(detail));
	hs_response_json(rs, status, o);
	json_object_put(o);
	rs->error = error;
}

void
hs_response_errorf(struct hs_response *rs, int status, const char *error,
                   const char *fmt, ...)
{
	char detail[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	hs_response_error(rs, status, error, detail);
}

int
hs_response_write(const struct hs_response *rs, const char *method,
                  hs_writer w, void *ctx)
{
	char head[192];
	int n, rc;
	int has_body = rs->status != 204 && strcmp(method, "HEAD") != 0;

	n = snprintf(head, sizeof(head), "Status: %d %s\r\n"
	    "Content-Type: %s\r\n"
	    "Cache-Control: no-store\r\n", rs->status,
	    hs_status_text(rs->status),
	    rs->content_type ? rs->content_type : TYPE_JSON);
	rc = w(ctx, head, (size_t)n);
	if (rc >= 0 && rs->headers.len)
		rc = w(ctx, rs->headers.data, rs->headers.len);
	if (rc >= 0)
		rc = w(ctx, "\r\n", 2);
	if (rc >= 0 && has_body && rs->body.len)
		rc = w(ctx, rs->body.data, rs->body.len);
	return rc;
}
