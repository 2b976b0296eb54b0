/*
 * program/bootstrap.h - how each of the three programs starts: read the
 * configuration, set the log level, report the configuration's problems,
 * open the spool.
 *
 * hooks.fcgi, scheduled_sync and spoolctl read one file; an admin who
 * sets LOG_LEVEL or fixes a key expects the three to agree, so they start
 * through these functions rather than each in its own way.
 *
 * The log level, one rule for all three:
 *   1. DEBUG=true (the seed's setting) or --verbose: debug;
 *   2. else LOG_LEVEL when the file sets it to a level;
 *   3. else the program's own default: info for the handler and
 *      scheduled_sync (the LOG_LEVEL default), warn for spoolctl, whose
 *      output is for a person and whose messages are not log lines.
 * A LOG_LEVEL that is not a level is warned about and the default used.
 * DEBUG wins over LOG_LEVEL because the handler has always read it so.
 */
#ifndef HS_BOOTSTRAP_H
#define HS_BOOTSTRAP_H

#include <stddef.h>
#include <stdio.h>

#include "core/config.h"
#include "core/err.h"
#include "core/exit.h"
#include "core/log.h"
#include "spool/spool.h"


enum {
	/* Problems are not logged: the program reports them its own way
	 * (spoolctl prints errors when it refuses, check lists them all). */
	HS_BOOT_QUIET = 1u << 0,
	/* ROUTES must parse and name known sinks: for the programs that
	 * route (the handler, scheduled_sync); an error when it does not. */
	HS_BOOT_ROUTES = 1u << 1,
	/* A tool: with neither --config nor HOOKSPOOL_CONF, and no system
	 * file, it reads the configuration `make run` wrote in the checkout
	 * it was built in (hs_boot_conf_path). */
	HS_BOOT_CHECKOUT = 1u << 2,
};

struct hs_boot {
	const char *prog;		/* shown in every log line */
	const char *conf_path;		/* NULL: hs_config_default_path() */
	enum hs_log_level quiet;	/* rule 3 above */
	int verbose;			/* --verbose: debug */
	unsigned flags;			/* HS_BOOT_* */
};

/*
 * The level the rule above gives for cfg. *bad_level is set to 1 when
 * LOG_LEVEL is set but is not a level, else 0.
 */
enum hs_log_level hs_boot_log_level(const struct hs_config *cfg,
                                    const struct hs_boot *b,
                                    int *bad_level);

/*
 * Reads the configuration, sets up the log (name, level), then logs each
 * problem (error or warn) unless HS_BOOT_QUIET. *out is set whenever
 * memory allows, even when the file cannot be read (that is a problem in
 * it), and is the caller's (hs_config_free). HS_OK; HS_ECONFIG when a
 * problem is an error (ROUTES too under HS_BOOT_ROUTES); HS_ENOMEM with
 * *out NULL.
 */
enum hs_err hs_boot_config(struct hs_config **out, const struct hs_boot *b)
	HS_MUST_CHECK;

/*
 * The file a program reads: b->conf_path (spoolctl --config), else
 * HOOKSPOOL_CONF, else HS_CONF_DEFAULT_PATH. Under HS_BOOT_CHECKOUT, when
 * the system file does not exist either, a tool run from a checkout reads
 * local/hookspool.conf beside its tools/ directory (what `make run`
 * writes), so the README's and the banner's commands work as typed; the
 * choice is said on stderr. buf holds that path.
 */
const char *hs_boot_conf_path(const struct hs_boot *b, char *buf, size_t n);

/* The configuration's errors, one "prog: config: MESSAGE" line each. */
void hs_boot_print_errors(FILE *f, const char *prog,
                          const struct hs_config *cfg);

/* The exit code for hs_boot_config()'s result: 0, 100 or 111. */
int hs_boot_exit_code(enum hs_err rc);

/*
 * Opens the spool the SPOOL_* keys describe (hs_spool_opts_from_config)
 * and logs why when it cannot; why holds the reason too.
 */
enum hs_err hs_boot_spool(struct hs_spool **out, const struct hs_config *cfg,
                          char *why, size_t n) HS_MUST_CHECK;

#endif
