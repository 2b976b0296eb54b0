/*
 * core/caps.h - every cap hookspool enforces, in one place.
 *
 * Rule 4 of the design: bounded everything. A value that comes from
 * configuration has its default and its hard range here.
 */
#ifndef HS_CAPS_H
#define HS_CAPS_H

#define HS_MAX_BODY_DEFAULT	(1024L * 1024)	/* MAX_BODY_BYTES */
#define HS_MAX_BODY_HARD	(64L * 1024 * 1024)
#define HS_JSON_MAX_DEPTH	32
#define HS_MAX_IDEM_KEY		200	/* Idempotency-Key header, bytes */
#define HS_MAX_HEADER_VALUE	1024	/* a kept header value, bytes */
#define HS_MAX_ITEMS		1000	/* events in one request (Meta's
					 * batches); past it the body is 422 */
#define HS_MAX_CONF_LINE	8192
#define HS_MAX_CONF_KEYS	256
#define HS_MAX_SINKS		32	/* sinks with required keys */
#define HS_BUSY_WAIT_MS_DEFAULT	3000	/* SPOOL_BUSY_TIMEOUT_MS */
#define HS_RETRY_AFTER_BUSY_S	2	/* Retry-After on 503 */
#define HS_RATE_LIMIT_DEFAULT	120	/* RATE_LIMIT_REQUESTS per window */
#define HS_RATE_WINDOW_DEFAULT	60	/* RATE_LIMIT_WINDOW_SECONDS */
#define HS_MAX_FIELD_ERRORS	16	/* 422 lists at most this many */
#define HS_MAX_QUERY_BYTES	4096	/* QUERY_STRING parsed, bytes */
#define HS_MAX_QUERY_PAIRS	32	/* name=value pairs kept */
#define HS_MAX_ROUTES		64	/* the handler's route table */

#endif
