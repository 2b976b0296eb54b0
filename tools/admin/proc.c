/*
 * tools/admin/proc.c - the process around spoolctl's queries: who acts, asking
 * before destructive work, and opening the spool as its owner.
 *
 * spoolctl is often run as root (sudo) on a host where the handlers run
 * as www-data. SQLite itself hands -wal and -shm files it creates as root
 * back to the database's owner, but our lock file (SPOOL_PATH.lock) would
 * stay root's and every handler would answer 503. So as root, spoolctl
 * becomes the spool's owner before it opens anything.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "admin/admin.h"
#include "spool/spool.h"
#include "core/banned.h"

enum hs_admin_answer
hs_admin_confirm(const char *question, int assume_yes, int interactive,
                 FILE *in, FILE *out)
{
	char line[64];
	size_t len;

	if (assume_yes)
		return HS_ADMIN_YES;
	if (!interactive || !in)
		return HS_ADMIN_REFUSED;
	fprintf(out, "%s [y/N] ", question);
	fflush(out);
	if (!fgets(line, sizeof(line), in))
		return HS_ADMIN_NO;
	len = strcspn(line, "\r\n");
	line[len] = '\0';
	if (!strcasecmp(line, "y") || !strcasecmp(line, "yes"))
		return HS_ADMIN_YES;
	return HS_ADMIN_NO;
}

/* Copies s keeping [A-Za-z0-9._@+-] only; 0 if nothing was left. */
static int
clean_name(const char *s, char *out, size_t n)
{
	size_t i = 0;

	for (; s && *s && i + 1 < n; s++)
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr("._@+-", *s))
			out[i++] = *s;
	if (n)
		out[i] = '\0';
	return i > 0;
}

void
hs_admin_actor(const char *sudo_user, const char *user, uid_t uid,
               char *out, size_t n)
{
	size_t cap = n < HS_ADMIN_ACTOR_MAX ? n : HS_ADMIN_ACTOR_MAX;
	const struct passwd *pw;

	if (clean_name(sudo_user, out, cap) || clean_name(user, out, cap))
		return;
	pw = getpwuid(uid);
	if (pw && clean_name(pw->pw_name, out, cap))
		return;
	snprintf(out, cap, "uid %lu", (unsigned long)uid);
}

/* Root becomes the owner of st (its primary group, else the file's). */
static enum hs_err
become_owner(const struct stat *st, char *why, size_t n)
{
	const struct passwd *pw = getpwuid(st->st_uid);
	gid_t gid = pw ? pw->pw_gid : st->st_gid;
	int bad;

	bad = pw ? initgroups(pw->pw_name, gid) : setgroups(0, NULL);
	if (!bad)
		bad = setgid(gid) || setuid(st->st_uid);
	if (!bad && (getuid() != st->st_uid || geteuid() != st->st_uid))
		bad = 1;
	if (bad) {
		snprintf(why, n, "cannot switch to the spool's owner (uid %lu):"
		    " %s", (unsigned long)st->st_uid, strerror(errno));
		return HS_EIO;
	}
	return HS_OK;
}

enum hs_err
hs_admin_open(struct hs_spool **out, const char *path,
              const char *synchronous, int busy_ms, char *why, size_t n)
{
	struct hs_spool_opts o;
	struct stat st;
	enum hs_err rc;

	*out = NULL;
	if (stat(path, &st) != 0) {
		snprintf(why, n, errno == ENOENT ? "no spool at '%s' (it is "
		    "created when a handler stores the first event)" :
		    "cannot open spool '%s': %s", path, strerror(errno));
		return errno == ENOENT ? HS_ENOTFOUND : HS_EIO;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, n, "spool '%s' is not a regular file", path);
		return HS_ECONFIG;
	}
	if (geteuid() == 0 && st.st_uid != 0) {
		rc = become_owner(&st, why, n);
		if (rc != HS_OK)
			return rc;
	}
	o.path = path;
	o.synchronous = synchronous;
	o.busy_ms = busy_ms;
	return hs_spool_open(out, &o, why, n);
}
