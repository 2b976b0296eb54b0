/*
 * sync/backoff.h - when to try a failed delivery again.
 *
 * Exponential backoff with full jitter: the wait after the n-th failed
 * attempt is uniform in [0, min(cap, base * 2^(n-1))]. Full jitter
 * spreads the retries of a burst that failed together, so a destination
 * that comes back is not hit by all of them at once. The random value is
 * passed in (STYLE §6) so tests can pin it.
 */
#ifndef HS_BACKOFF_H
#define HS_BACKOFF_H

#include <stdint.h>

/* attempts: failed attempts so far (>= 1). rnd: any 64-bit random value. */
int64_t hs_backoff_ms(int attempts, int64_t base_ms, int64_t cap_ms,
                      uint64_t rnd);
/* The wait to use: the jittered backoff, but never less than the peer's
 * Retry-After (retry_after_ms < 0: none given). */
int64_t hs_retry_delay_ms(int attempts, int64_t base_ms, int64_t cap_ms,
                          int64_t retry_after_ms, uint64_t rnd);
/* A random 64-bit value from the OS, for callers outside tests. */
uint64_t hs_random_u64(void);

#endif
