/*
 * faultvfs.h - a test-only SQLite VFS that breaks things on purpose
 * (STYLE §11): it wraps the default VFS and, on request, fails the Nth
 * xWrite or xSync with a chosen code (SQLITE_FULL, SQLITE_IOERR_*), once
 * or from then on, or opens database files read-only as a read-only
 * mount would. Everything else passes straight through.
 *
 * Header-only: each unit test is its own binary. Call faultvfs_install()
 * before the first sqlite3_open*() (it registers itself as the default
 * VFS, so lib/ code that passes no VFS name goes through it), then arm a
 * fault around the call under test and faultvfs_clear() afterwards. Not
 * thread-safe; the handlers and tests are single-threaded.
 *
 * Shape after sqlite/sqlite src/test_vfs.c and test_devsym.c.
 */
#ifndef HS_TEST_FAULTVFS_H
#define HS_TEST_FAULTVFS_H

#include <string.h>

#include <sqlite3.h>

#define FV_UNUSED __attribute__((unused))

enum fv_op { FV_WRITE, FV_SYNC };

struct fv_state {
	sqlite3_vfs *real;
	int installed;
	int armed;
	enum fv_op op;
	int nth;		/* fail the nth call of op after arming (1-based) */
	int rc;			/* what the failing call returns */
	int sticky;		/* keep failing every later call of op */
	int readonly;		/* open database and journal files read-only */
	int writes, syncs;	/* calls since the last arm or clear */
	int fired;		/* failures injected since the last arm */
};

static struct fv_state fv;

struct fv_file {
	sqlite3_file base;	/* pMethods = &fv_io_methods */
	sqlite3_file *real;	/* the wrapped file, right after this struct */
	int flags;		/* SQLITE_OPEN_* flags it was opened with */
};

#define FV_REAL(f) (((struct fv_file *)(f))->real)

/* 1 if this call of op must fail (counts the call). */
static int
fv_should_fail(enum fv_op op)
{
	int n = op == FV_WRITE ? ++fv.writes : ++fv.syncs;

	if (!fv.armed || fv.op != op)
		return 0;
	if (n == fv.nth || (fv.sticky && n > fv.nth)) {
		fv.fired++;
		return 1;
	}
	return 0;
}

static int
fv_close(sqlite3_file *f)
{
	sqlite3_file *r = FV_REAL(f);
	int rc = r->pMethods ? r->pMethods->xClose(r) : SQLITE_OK;

	f->pMethods = NULL;
	return rc;
}

static int
fv_read(sqlite3_file *f, void *p, int n, sqlite3_int64 off)
{
	return FV_REAL(f)->pMethods->xRead(FV_REAL(f), p, n, off);
}

static int
fv_write(sqlite3_file *f, const void *p, int n, sqlite3_int64 off)
{
	if (fv_should_fail(FV_WRITE))
		return fv.rc;
	return FV_REAL(f)->pMethods->xWrite(FV_REAL(f), p, n, off);
}

static int
fv_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	return FV_REAL(f)->pMethods->xTruncate(FV_REAL(f), size);
}

static int
fv_sync(sqlite3_file *f, int flags)
{
	if (fv_should_fail(FV_SYNC))
		return fv.rc;
	return FV_REAL(f)->pMethods->xSync(FV_REAL(f), flags);
}

static int
fv_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return FV_REAL(f)->pMethods->xFileSize(FV_REAL(f), size);
}

static int
fv_lock(sqlite3_file *f, int level)
{
	return FV_REAL(f)->pMethods->xLock(FV_REAL(f), level);
}

static int
fv_unlock(sqlite3_file *f, int level)
{
	return FV_REAL(f)->pMethods->xUnlock(FV_REAL(f), level);
}

static int
fv_check_reserved(sqlite3_file *f, int *out)
{
	return FV_REAL(f)->pMethods->xCheckReservedLock(FV_REAL(f), out);
}

static int
fv_file_control(sqlite3_file *f, int op, void *arg)
{
	return FV_REAL(f)->pMethods->xFileControl(FV_REAL(f), op, arg);
}

static int
fv_sector_size(sqlite3_file *f)
{
	return FV_REAL(f)->pMethods->xSectorSize(FV_REAL(f));
}

static int
fv_device_chars(sqlite3_file *f)
{
	return FV_REAL(f)->pMethods->xDeviceCharacteristics(FV_REAL(f));
}

static int
fv_shm_map(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **pp)
{
	return FV_REAL(f)->pMethods->xShmMap(FV_REAL(f), pg, pgsz, extend, pp);
}

static int
fv_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
	return FV_REAL(f)->pMethods->xShmLock(FV_REAL(f), offset, n, flags);
}

static void
fv_shm_barrier(sqlite3_file *f)
{
	FV_REAL(f)->pMethods->xShmBarrier(FV_REAL(f));
}

static int
fv_shm_unmap(sqlite3_file *f, int del)
{
	return FV_REAL(f)->pMethods->xShmUnmap(FV_REAL(f), del);
}

static int
fv_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **pp)
{
	return FV_REAL(f)->pMethods->xFetch(FV_REAL(f), off, n, pp);
}

static int
fv_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	return FV_REAL(f)->pMethods->xUnfetch(FV_REAL(f), off, p);
}

static const sqlite3_io_methods fv_io_v3 = {
	3, fv_close, fv_read, fv_write, fv_truncate, fv_sync, fv_file_size,
	fv_lock, fv_unlock, fv_check_reserved, fv_file_control,
	fv_sector_size, fv_device_chars, fv_shm_map, fv_shm_lock,
	fv_shm_barrier, fv_shm_unmap, fv_fetch, fv_unfetch,
};
static const sqlite3_io_methods fv_io_v2 = {
	2, fv_close, fv_read, fv_write, fv_truncate, fv_sync, fv_file_size,
	fv_lock, fv_unlock, fv_check_reserved, fv_file_control,
	fv_sector_size, fv_device_chars, fv_shm_map, fv_shm_lock,
	fv_shm_barrier, fv_shm_unmap, NULL, NULL,
};
static const sqlite3_io_methods fv_io_v1 = {
	1, fv_close, fv_read, fv_write, fv_truncate, fv_sync, fv_file_size,
	fv_lock, fv_unlock, fv_check_reserved, fv_file_control,
	fv_sector_size, fv_device_chars, NULL, NULL, NULL, NULL, NULL, NULL,
};

#define FV_RO_TYPES (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_MAIN_JOURNAL | \
	SQLITE_OPEN_WAL)

static int
fv_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *f, int flags,
        int *out_flags)
{
	struct fv_file *ff = (struct fv_file *)f;
	int rc, got = 0, v;

	(void)vfs;
	memset(ff, 0, sizeof(*ff) + (size_t)fv.real->szOsFile);
	ff->real = (sqlite3_file *)(ff + 1);
	ff->flags = flags;
	if (fv.readonly && (flags & FV_RO_TYPES)) {
		flags &= ~(SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
		flags |= SQLITE_OPEN_READONLY;
	}
	rc = fv.real->xOpen(fv.real, name, ff->real, flags, &got);
	if (out_flags)
		*out_flags = got;
	if (rc != SQLITE_OK || !ff->real->pMethods) {
		/* SQLite calls xClose only when pMethods is set */
		if (ff->real->pMethods)
			ff->real->pMethods->xClose(ff->real);
		f->pMethods = NULL;
		return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
	}
	v = ff->real->pMethods->iVersion;
	f->pMethods = v >= 3 ? &fv_io_v3 : v == 2 ? &fv_io_v2 : &fv_io_v1;
	return SQLITE_OK;
}

static int
fv_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
	(void)vfs;
	return fv.real->xDelete(fv.real, name, sync_dir);
}

static int
fv_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	(void)vfs;
	return fv.real->xAccess(fv.real, name, flags, out);
}

static int
fv_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	(void)vfs;
	return fv.real->xFullPathname(fv.real, name, n, out);
}

static void *
fv_dl_open(sqlite3_vfs *vfs, const char *name)
{
	(void)vfs;
	return fv.real->xDlOpen(fv.real, name);
}

static void
fv_dl_error(sqlite3_vfs *vfs, int n, char *msg)
{
	(void)vfs;
	fv.real->xDlError(fv.real, n, msg);
}

static void (*fv_dl_sym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
	(void)vfs;
	return fv.real->xDlSym(fv.real, h, sym);
}

static void
fv_dl_close(sqlite3_vfs *vfs, void *h)
{
	(void)vfs;
	fv.real->xDlClose(fv.real, h);
}

static int
fv_randomness(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return fv.real->xRandomness(fv.real, n, out);
}

static int
fv_sleep(sqlite3_vfs *vfs, int us)
{
	(void)vfs;
	return fv.real->xSleep(fv.real, us);
}

static int
fv_current_time(sqlite3_vfs *vfs, double *out)
{
	(void)vfs;
	return fv.real->xCurrentTime(fv.real, out);
}

static int
fv_last_error(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return fv.real->xGetLastError ? fv.real->xGetLastError(fv.real, n, out)
	    : 0;
}

static int
fv_current_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
	double d;
	int rc;

	(void)vfs;
	if (fv.real->iVersion >= 2 && fv.real->xCurrentTimeInt64)
		return fv.real->xCurrentTimeInt64(fv.real, out);
	rc = fv.real->xCurrentTime(fv.real, &d);
	*out = (sqlite3_int64)(d * 86400000.0);
	return rc;
}

static sqlite3_vfs fv_vfs = {
	2, 0, 0, NULL, "faultvfs", NULL,
	fv_open, fv_delete, fv_access, fv_full_pathname, fv_dl_open,
	fv_dl_error, fv_dl_sym, fv_dl_close, fv_randomness, fv_sleep,
	fv_current_time, fv_last_error, fv_current_time64, NULL, NULL, NULL,
};

/* Wraps the current default VFS and becomes the default. 0 on success. */
static FV_UNUSED int
faultvfs_install(void)
{
	if (fv.installed)
		return 0;
	if (sqlite3_initialize() != SQLITE_OK)
		return -1;
	fv.real = sqlite3_vfs_find(NULL);
	if (!fv.real || fv.real == &fv_vfs)
		return -1;
	fv_vfs.szOsFile = (int)sizeof(struct fv_file) + fv.real->szOsFile;
	fv_vfs.mxPathname = fv.real->mxPathname;
	if (sqlite3_vfs_register(&fv_vfs, 1) != SQLITE_OK)
		return -1;
	fv.installed = 1;
	return 0;
}

/*
 * Fails the nth later call of op with rc (SQLITE_FULL, SQLITE_IOERR_WRITE,
 * SQLITE_IOERR_FSYNC, ...); with sticky, every call after it too.
 */
static FV_UNUSED void
faultvfs_fail(enum fv_op op, int nth, int rc, int sticky)
{
	fv.armed = 1;
	fv.op = op;
	fv.nth = nth;
	fv.rc = rc;
	fv.sticky = sticky;
	fv.writes = fv.syncs = 0;
	fv.fired = 0;
}

/* Files opened from now on are opened read-only (until cleared). */
static FV_UNUSED void
faultvfs_readonly(int on)
{
	fv.readonly = on;
}

/* Disarms every fault and resets the counters. */
static FV_UNUSED void
faultvfs_clear(void)
{
	fv.armed = 0;
	fv.readonly = 0;
	fv.writes = fv.syncs = 0;
	fv.fired = 0;
}

/* Failures injected since the last arm. */
static FV_UNUSED int
faultvfs_fired(void)
{
	return fv.fired;
}

/* Calls of op seen since the last arm or clear. */
static FV_UNUSED int
faultvfs_calls(enum fv_op op)
{
	return op == FV_WRITE ? fv.writes : fv.syncs;
}

#endif
