/*
 * core/timefmt.h - the clock and the two time formats hookspool speaks.
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

int64_t hs_now_ms(void);		/* wall clock (or the test clock), ms
					   since the epoch */
int64_t hs_mono_ms(void);		/* monotonic, for durations */
double  hs_mono_ms_f(void);
void    hs_sleep_ms(int64_t ms);	/* waits; the test clock moves on */

/*
 * The test clock, for tests only: with HOOKSPOOL_TEST_NOW set to an
 * ISO-8601 time or to ms since the epoch, hs_now_ms() returns that
 * instant and hs_sleep_ms() adds to it instead of waiting (see
 * core/timefmt.c). Never set in production. Reads the variable, which the
 * tools do once at start: 1 when the test clock is now in use, 0 when the
 * variable is unset or empty (the real clock), -1 when it is not a time
 * (the real clock too).
 */
#define HS_TEST_NOW_ENV "HOOKSPOOL_TEST_NOW"
int hs_clock_from_env(void);

/* Formats ms as ISO-8601 UTC with milliseconds; out needs HS_ISO_LEN. */
void hs_time_iso(int64_t ms, char *out, size_t n);

/*
 * Parses an ISO-8601 date ("2025-06-05") or date-time with optional
 * fraction and zone ("2025-06-05T12:41:36Z", "…36.5-06:00", "… 12:41").
 * Returns 0 and sets *ms (UTC) when valid, -1 otherwise. ms may be NULL.
 */
int hs_time_parse_iso(const char *s, int64_t *ms);
/* "1d 2h", "3m 4s", "12s": a short age for a person (negative: 0s). */
void hs_age_str(int64_t ms, char *out, size_t n);

#endif
