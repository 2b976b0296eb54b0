/*
 * sync/backoff.c - exponential backoff with full jitter.
 */
#include <sys/random.h>

#include "sync/backoff.h"
#include "core/banned.h"

int64_t
hs_backoff_ms(int attempts, int64_t base_ms, int64_t cap_ms, uint64_t rnd)
{
	int64_t ceiling = base_ms;
	int i;

	if (attempts < 1)
		attempts = 1;
	for (i = 1; i < attempts && ceiling < cap_ms; i++)
		ceiling *= 2;
	if (ceiling > cap_ms)
		ceiling = cap_ms;
	if (ceiling <= 0)
		return 0;
	return (int64_t)(rnd % ((uint64_t)ceiling + 1));
}

int64_t
hs_retry_delay_ms(int attempts, int64_t base_ms, int64_t cap_ms,
                  int64_t retry_after_ms, uint64_t rnd)
{
	int64_t d = hs_backoff_ms(attempts, base_ms, cap_ms, rnd);

	return retry_after_ms > d ? retry_after_ms : d;
}

uint64_t
hs_random_u64(void)
{
	uint64_t v = 0;

	if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
		v = (uint64_t)(uintptr_t)&v;	/* never happens on Linux */
	return v;
}
