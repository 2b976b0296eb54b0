/*
 * timefmt.h - the clock and the two time formats hookspool speaks.
 *
 * Spool times are ISO-8601 UTC text with milliseconds
 * ("2026-11-23T10:30:18.123Z"): readable in sqlite3 and sortable as text.
 * Callers read the clock once and pass the value down (STYLE §6).
 */
#ifndef HS_TIMEFMT_H
#define HS_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#define HS_ISO_LEN 25	/* "YYYY-MM-DDTHH:MM:SS.mmmZ" + NUL */

int64_t hs_now_ms(void);		/* wall clock, ms since the epoch */
int64_t hs_mono_ms(void);		/* monotonic, for durations */
double  hs_mono_ms_f(void);

/* Formats ms as ISO-8601 UTC with milliseconds; out needs HS_ISO_LEN. */
void hs_time_iso(int64_t ms, char *out, size_t n);

/*
 * Parses an ISO-8601 date ("2025-06-05") or date-time with optional
 * fraction and zone ("2025-06-05T12:41:36Z", "…36.5-06:00", "… 12:41").
 * Returns 0 and sets *ms (UTC) when valid, -1 otherwise. ms may be NULL.
 */
int hs_time_parse_iso(const char *s, int64_t *ms);

#endif
