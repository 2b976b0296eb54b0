/*
 * core/err.h - the one result type every fallible hookspool function returns.
 *
 * A single enum keeps error handling uniform: callers compare against HS_OK,
 * handlers map a value to an HTTP status in one place, and hs_err_str()
 * names every value for logs.
 */
#ifndef HS_ERR_H
#define HS_ERR_H

#define HS_MUST_CHECK __attribute__((warn_unused_result))

enum hs_err {
	HS_OK = 0,
	HS_ENOMEM,	/* allocation failed */
	HS_EINVAL,	/* bad argument or malformed input */
	HS_ETOOBIG,	/* a bounded buffer or limit was exceeded */
	HS_ENOTFOUND,	/* no such row, key or file */
	HS_EEXIST,	/* already there (duplicate idempotency key) */
	HS_EBUSY,	/* spool locked beyond the bounded wait */
	HS_EFULL,	/* disk full */
	HS_EROFS,	/* spool is read-only */
	HS_EIO,		/* I/O or database error */
	HS_ECONFIG,	/* configuration missing or invalid */
	HS_EAGAIN,	/* try again later (rate limited) */
	HS_EAUTH,	/* authentication failed */
	HS_EPEER,	/* remote peer answered with an error */
	HS_ETIMEOUT,	/* remote peer did not answer in time */
	HS_ERR_COUNT
};

/* Static, never NULL: "ok", "out of memory", ... */
const char *hs_err_str(enum hs_err e);

#endif
