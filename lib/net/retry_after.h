/*
 * net/retry_after.h - a peer's Retry-After header as a delay.
 *
 * Every peer that throttles (Azure, Odoo, the Graph API, the chat
 * platforms) says when to come back the same way, RFC 9110 §10.2.3:
 * delta-seconds or an HTTP-date. The sync engine wants milliseconds from
 * now, so now comes in as an argument (tests pick it) and one parser
 * serves every sink.
 */
#ifndef HS_NET_RETRY_AFTER_H
#define HS_NET_RETRY_AFTER_H

#include <stdint.h>

/* A longer wait is taken as this: a day is as long as any peer means. */
#define HS_RETRY_AFTER_MAX_MS (24LL * 3600 * 1000)

/*
 * Retry-After value v as ms from now_ms: delta-seconds or an IMF-fixdate
 * ("Fri, 01 May 2026 12:00:30 GMT"), clamped to 0..HS_RETRY_AFTER_MAX_MS
 * (a date in the past is 0). -1 if v is NULL or unparsable.
 */
int64_t hs_retry_after_ms(const char *v, int64_t now_ms);

#endif
