/*
 * tools/admin/cmd.h - spoolctl's commands, from parsed arguments to exit code.
 *
 * tools/spoolctl.c parses and opens; these run one command each: query,
 * ask when it is destructive, print (table or --json), and map the
 * outcome onto the documented exit codes. Streams come in with the run,
 * so unit tests drive a whole command against a temporary spool.
 */
#ifndef HS_ADMIN_CMD_H
#define HS_ADMIN_CMD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "admin/admin.h"
#include "core/err.h"
#include "core/exit.h"

struct hs_config;
struct hs_spool;


struct hs_admin_run {
	const struct hs_config *cfg;	/* may be NULL (--spool alone) */
	struct hs_spool *sp;		/* NULL for check */
	int64_t now_ms;
	char now[HS_ISO_LEN];
	char actor[HS_ADMIN_ACTOR_MAX];
	int json;
	int yes;		/* --yes */
	int interactive;	/* stdin is a terminal: ask */
	size_t cols;		/* tables fit this width (0: in full) */
	int progress;		/* stderr is a terminal: show progress */
	FILE *in, *out, *err;	/* answers, results, messages */
};

/* Sets now, actor and the streams (stdin/stdout/stderr). */
void hs_admin_run_init(struct hs_admin_run *r, int64_t now_ms,
                       const char *actor);
/* The exit code for an error of a command. */
int hs_admin_exit_code(enum hs_err rc);

int hs_admin_cmd_stats(struct hs_admin_run *r);
int hs_admin_cmd_list(struct hs_admin_run *r, const struct hs_admin_filter *f);
/* target: an id or an idempotency key (of source, if not NULL). */
int hs_admin_cmd_show(struct hs_admin_run *r, const char *target,
                      const char *source);
int hs_admin_cmd_export(struct hs_admin_run *r,
                        const struct hs_admin_filter *f);
int hs_admin_cmd_check(struct hs_admin_run *r,
                       const struct hs_admin_check_opts *o);

/*
 * One event's deliveries (target), or every delivery matching f (asks
 * when more than one; without a filter only with all).
 */
int hs_admin_cmd_retry(struct hs_admin_run *r, const char *target,
                       const struct hs_admin_filter *f, int all,
                       int dry_run);
/* sink NULL: again to every sink the event went to. */
int hs_admin_cmd_replay(struct hs_admin_run *r, const char *target,
                        const char *source, const char *sink);
int hs_admin_cmd_purge(struct hs_admin_run *r, const struct hs_admin_purge *p,
                       int dry_run);
int hs_admin_cmd_vacuum(struct hs_admin_run *r, int busy_ms);

#endif
