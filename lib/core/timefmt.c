/*
 * core/timefmt.c - clock reads, ISO-8601 formatting and strict parsing.
 *
 * The parser is hand-written because strptime() accepts too much (it skips
 * spaces, takes one-digit fields) and knows nothing of zones; a webhook
 * field that claims to be a timestamp must really be one.
 *
 * The test clock: a run of a tool whose rate, backoff or retention depends
 * on "now" cannot be asserted exactly against the wall clock on a loaded
 * machine (the gap between two runs, a descheduled process). A tool that
 * calls hs_clock_from_env() with HOOKSPOOL_TEST_NOW set reads that instant
 * as now, and its hs_sleep_ms() moves the clock on instead of waiting, so
 * the clock moves only when the tool waits: the same run on any machine.
 * The handler never calls it; nothing in production sets it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/timefmt.h"
#include "core/banned.h"

#define LAST_MS INT64_C(253402300799999)	/* 9999-12-31T23:59:59.999Z */

static int64_t test_now = -1;	/* the test clock; -1: the real one */

int64_t
hs_now_ms(void)
{
	struct timespec ts;

	if (test_now >= 0)
		return test_now;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
hs_sleep_ms(int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000),
	    (long)(ms % 1000) * 1000000L };

	if (ms <= 0)
		return;
	if (test_now >= 0) {
		test_now += ms;
		return;
	}
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Milliseconds since the epoch, digits only: 0 and *ms set, or -1. */
static int
parse_epoch_ms(const char *s, int64_t *ms)
{
	char *end;
	long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v > LAST_MS)
		return -1;
	*ms = (int64_t)v;
	return 0;
}

int
hs_clock_from_env(void)
{
	const char *s = getenv(HS_TEST_NOW_ENV);
	int64_t ms = -1;

	test_now = -1;
	if (!s || !*s)
		return 0;
	if (parse_epoch_ms(s, &ms) != 0 &&
	    (hs_time_parse_iso(s, &ms) != 0 || ms < 0))
		return -1;
	test_now = ms;
	return 1;
}

int64_t
hs_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double
hs_mono_ms_f(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

void
hs_time_iso(int64_t ms, char *out, size_t n)
{
	time_t secs = (time_t)(ms / 1000);
	int frac = (int)(ms % 1000);
	struct tm tm;

	if (frac < 0) {
		frac += 1000;
		secs -= 1;
	}
	gmtime_r(&secs, &tm);
	snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, frac);
}

/* Reads exactly n digits; -1 if any is not a digit. */
static int
digits(const char **p, int n)
{
	int v = 0;

	while (n--) {
		if (**p < '0' || **p > '9')
			return -1;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	return v;
}

static int
days_in_month(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : d[m - 1];
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t
days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
parse_zone(const char **p, int *offset_min)
{
	int sign, hh, mm = 0;

	*offset_min = 0;
	if (**p == 'Z' || **p == 'z') {
		(*p)++;
		return 0;
	}
	if (**p != '+' && **p != '-')
		return **p == '\0' ? 0 : -1;
	sign = **p == '-' ? -1 : 1;
	(*p)++;
	if ((hh = digits(p, 2)) < 0 || hh > 23)
		return -1;
	if (**p == ':') {
		(*p)++;
		if ((mm = digits(p, 2)) < 0)	/* "+05:" is not a zone */
			return -1;
	} else if (**p && (mm = digits(p, 2)) < 0) {
		return -1;
	}
	if (mm > 59)
		return -1;
	*offset_min = sign * (hh * 60 + mm);
	return 0;
}

static int
parse_clock(const char **p, int *h, int *mi, int *s, int *frac_ms)
{
	int scale = 100;

	*s = 0;
	*frac_ms = 0;
	if ((*h = digits(p, 2)) < 0 || **p != ':')
		return -1;
	(*p)++;
	if ((*mi = digits(p, 2)) < 0)
		return -1;
	if (**p == ':') {
		(*p)++;
		if ((*s = digits(p, 2)) < 0)
			return -1;
		if (**p == '.' || **p == ',') {
			(*p)++;
			if (**p < '0' || **p > '9')
				return -1;
			while (**p >= '0' && **p <= '9') {
				*frac_ms += (**p - '0') * scale;
				scale /= 10;
				(*p)++;
			}
		}
	}
	/* 24:00 and leap seconds are rare enough in webhooks to refuse. */
	return *h > 23 || *mi > 59 || *s > 59 ? -1 : 0;
}

int
hs_time_parse_iso(const char *s, int64_t *ms)
{
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, sec = 0, frac = 0, off = 0;
	int64_t v;

	if ((y = digits(&p, 4)) < 0 || *p++ != '-')
		return -1;
	if ((mo = digits(&p, 2)) < 0 || *p++ != '-')
		return -1;
	if ((d = digits(&p, 2)) < 0)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return -1;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (parse_clock(&p, &h, &mi, &sec, &frac) < 0)
			return -1;
		if (parse_zone(&p, &off) < 0)
			return -1;
	}
	if (*p != '\0')
		return -1;
	v = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	v -= (int64_t)off * 60;
	if (ms)
		*ms = v * 1000 + frac;
	return 0;
}

void
hs_age_str(int64_t ms, char *out, size_t n)
{
	int64_t s = ms < 0 ? 0 : ms / 1000;

	if (s >= 86400)
		snprintf(out, n, "%lldd %lldh", (long long)(s / 86400),
		    (long long)(s % 86400 / 3600));
	else if (s >= 3600)
		snprintf(out, n, "%lldh %lldm", (long long)(s / 3600),
		    (long long)(s % 3600 / 60));
	else if (s >= 60)
		snprintf(out, n, "%lldm %llds", (long long)(s / 60),
		    (long long)(s % 60));
	else
		snprintf(out, n, "%llds", (long long)s);
}
