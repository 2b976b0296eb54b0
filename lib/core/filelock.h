/*
 * core/filelock.h - an exclusive flock() with a bounded wait.
 */
#ifndef HS_SPOOL_LOCK_H
#define HS_SPOOL_LOCK_H

#include "core/err.h"

/* Opens (creating, mode 0600) the lock file; -1 on failure (errno set). */
int hs_lockfile_open(const char *path);
/*
 * Takes an exclusive lock on fd, waiting at most ms milliseconds.
 * HS_OK, HS_EBUSY on timeout, HS_EIO on any other failure.
 */
enum hs_err hs_lock_timed(int fd, int ms) HS_MUST_CHECK;
void hs_unlock(int fd);

#endif
