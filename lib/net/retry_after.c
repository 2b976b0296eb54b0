/*
 * net/retry_after.c - Retry-After in seconds or as an HTTP-date.
 *
 * Only the two forms peers send are read: digits, or the IMF-fixdate every
 * HTTP/1.1 server must produce. The obsolete RFC 850 and asctime forms are
 * garbage here (-1): the caller then falls back to its own backoff, which
 * is what it does for a peer that sends no hint at all.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net/retry_after.h"
#include "core/banned.h"

int64_t
hs_retry_after_ms(const char *v, int64_t now_ms)
{
	struct tm tm;
	const char *end;
	char *endp;
	long long s;
	int64_t ms;

	if (!v)
		return -1;
	while (isspace((unsigned char)*v))
		v++;
	if (isdigit((unsigned char)*v)) {
		s = strtoll(v, &endp, 10);
		if (*endp != '\0' && !isspace((unsigned char)*endp))
			return -1;
		ms = s > HS_RETRY_AFTER_MAX_MS / 1000
		         ? HS_RETRY_AFTER_MAX_MS : (int64_t)s * 1000;
		return ms;
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (!end)
		return -1;
	ms = (int64_t)timegm(&tm) * 1000 - now_ms;
	if (ms < 0)
		ms = 0;
	return ms > HS_RETRY_AFTER_MAX_MS ? HS_RETRY_AFTER_MAX_MS : ms;
}
