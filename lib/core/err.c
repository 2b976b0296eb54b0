/*
 * core/err.c - names for enum hs_err, used in logs and error bodies.
 */
#include "core/err.h"

static const char *const names[HS_ERR_COUNT] = {
	[HS_OK] = "ok",
	[HS_ENOMEM] = "out of memory",
	[HS_EINVAL] = "invalid input",
	[HS_ETOOBIG] = "too large",
	[HS_ENOTFOUND] = "not found",
	[HS_EEXIST] = "already exists",
	[HS_EBUSY] = "spool busy",
	[HS_EFULL] = "disk full",
	[HS_EROFS] = "spool read-only",
	[HS_EIO] = "i/o error",
	[HS_ECONFIG] = "configuration error",
	[HS_EAGAIN] = "try again later",
	[HS_EAUTH] = "authentication failed",
	[HS_EPEER] = "peer error",
	[HS_ETIMEOUT] = "timed out",
};

const char *
hs_err_str(enum hs_err e)
{
	if ((unsigned)e >= HS_ERR_COUNT || !names[e])
		return "unknown error";
	return names[e];
}
