/*
 * program/bootstrap.c - the one start of the three programs (bootstrap.h).
 *
 * Order matters: the log level is set before the problems are logged, so
 * that a warning about the file is shown or hidden by the file's own
 * LOG_LEVEL; and a start line at debug level names the file and why the
 * level is what it is, which settles "why is it (not) logging" questions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "program/bootstrap.h"
#include "sync/routes.h"
#include "core/banned.h"

static const char *const level_names[] = {
	[HS_LOG_DEBUG] = "debug", [HS_LOG_INFO] = "info",
	[HS_LOG_WARN] = "warn", [HS_LOG_ERROR] = "error",
};

/* The rule of bootstrap.h; *because names the step that decided. */
static enum hs_log_level
level_rule(const struct hs_config *cfg, const struct hs_boot *b,
           int *bad_level, const char **because)
{
	enum hs_log_level lvl = b->quiet;

	*bad_level = 0;
	*because = "default";
	if (b->verbose || hs_config_bool(cfg, "DEBUG")) {
		*because = b->verbose ? "--verbose" : "DEBUG";
		return HS_LOG_DEBUG;
	}
	if (!hs_config_has(cfg, "LOG_LEVEL"))
		return lvl;
	if (hs_log_parse_level(hs_config_get(cfg, "LOG_LEVEL"), &lvl) != 0) {
		*bad_level = 1;
		return b->quiet;
	}
	*because = "LOG_LEVEL";
	return lvl;
}

enum hs_log_level
hs_boot_log_level(const struct hs_config *cfg, const struct hs_boot *b,
                  int *bad_level)
{
	const char *because;

	return level_rule(cfg, b, bad_level, &because);
}

static void
setup_log(const struct hs_config *cfg, const struct hs_boot *b,
          const char *path)
{
	struct hs_logline l;
	const char *because;
	enum hs_log_level lvl;
	char msg[96];
	int bad;

	lvl = level_rule(cfg, b, &bad, &because);
	hs_log_setup(b->prog, lvl);
	if (bad) {
		snprintf(msg, sizeof(msg), "LOG_LEVEL is not one of debug, "
		    "info, warn, error; using %s", level_names[lvl]);
		hs_log_msg(HS_LOG_WARN, "config", msg);
	}
	hs_log_begin(&l, HS_LOG_DEBUG, "start");
	hs_log_str(&l, "config", path);
	hs_log_str(&l, "log_level", level_names[lvl]);
	hs_log_str(&l, "because", because);
	hs_log_end(&l);
}

static void
log_problems(const struct hs_config *cfg)
{
	const char *msg;
	int is_error;
	size_t i;

	for (i = 0; (msg = hs_config_problem(cfg, i, &is_error)) != NULL; i++)
		hs_log_msg(is_error ? HS_LOG_ERROR : HS_LOG_WARN, "config",
		    msg);
}

/* local/hookspool.conf of the checkout the running program sits in
 * (CHECKOUT/tools/PROG), or "" when there is none. */
static void
checkout_conf(char *buf, size_t n)
{
	char exe[4096];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;
	int i;

	buf[0] = '\0';
	if (len <= 0)
		return;
	exe[len] = '\0';
	for (i = 0; i < 2; i++) {	/* drop PROG, then tools */
		slash = strrchr(exe, '/');
		if (!slash)
			return;
		*slash = '\0';
	}
	if ((size_t)snprintf(buf, n, "%s/local/hookspool.conf", exe) >= n ||
	    access(buf, F_OK) != 0)
		buf[0] = '\0';
}

const char *
hs_boot_conf_path(const struct hs_boot *b, char *buf, size_t n)
{
	const char *env = getenv("HOOKSPOOL_CONF");

	if (b->conf_path)
		return b->conf_path;
	if ((env && *env) || !(b->flags & HS_BOOT_CHECKOUT) ||
	    access(HS_CONF_DEFAULT_PATH, F_OK) == 0)
		return hs_config_default_path();
	checkout_conf(buf, n);
	if (!buf[0])
		return hs_config_default_path();
	fprintf(stderr, "%s: configuration %s (the one make run wrote: "
	    "HOOKSPOOL_CONF is unset and %s does not exist)\n", b->prog, buf,
	    HS_CONF_DEFAULT_PATH);
	return buf;
}

enum hs_err
hs_boot_config(struct hs_config **out, const struct hs_boot *b)
{
	char why[256], found[4096];
	const char *path = hs_boot_conf_path(b, found, sizeof(found));
	int ok;

	/* An unreadable file is recorded as a problem in *out. */
	if (hs_config_load(out, path) == HS_ENOMEM || !*out) {
		hs_config_free(*out);
		*out = NULL;
		return HS_ENOMEM;
	}
	setup_log(*out, b, path);
	if (!(b->flags & HS_BOOT_QUIET))
		log_problems(*out);
	ok = hs_config_ok(*out);
	/* A ROUTES typo would route events to nothing: say so at start. */
	if ((b->flags & HS_BOOT_ROUTES) &&
	    hs_routes_check(*out, why, sizeof(why)) != 0) {
		if (!(b->flags & HS_BOOT_QUIET))
			hs_log_msg(HS_LOG_ERROR, "config", why);
		ok = 0;
	}
	return ok ? HS_OK : HS_ECONFIG;
}

void
hs_boot_print_errors(FILE *f, const char *prog, const struct hs_config *cfg)
{
	const char *msg;
	int is_error;
	size_t i;

	for (i = 0; (msg = hs_config_problem(cfg, i, &is_error)); i++)
		if (is_error)
			fprintf(f, "%s: config: %s\n", prog, msg);
}

int
hs_boot_exit_code(enum hs_err rc)
{
	return rc == HS_OK ? HS_EX_OK : rc == HS_ECONFIG ? HS_EX_USAGE :
	    HS_EX_TEMP;
}

enum hs_err
hs_boot_spool(struct hs_spool **out, const struct hs_config *cfg,
              char *why, size_t n)
{
	struct hs_spool_opts o;
	enum hs_err rc;

	*out = NULL;
	hs_spool_opts_from_config(&o, cfg);
	rc = hs_spool_open(out, &o, why, n);
	if (rc != HS_OK)
		hs_log_msg(HS_LOG_ERROR, "spool", why);
	return rc;
}
