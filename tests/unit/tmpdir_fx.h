/*
 * tmpdir_fx.h - removing a test's temporary folder (/tmp/hs-*-XXXXXX from
 * mkdtemp) with the files in it: the spool, its -wal and -shm, the
 * configuration, logs. The folders hold no subfolders. Test-only.
 */
#ifndef HS_TMPDIR_FX_H
#define HS_TMPDIR_FX_H

#include <dirent.h>
#include <stdio.h>
#include <unistd.h>

/* Unlinks every file in dir, then dir; rmdir's result. */
static __attribute__((unused)) int
tmpdir_remove(const char *dir)
{
	struct dirent *de;
	char p[512];
	DIR *d = opendir(dir);

	while (d && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	return rmdir(dir);
}

#endif
