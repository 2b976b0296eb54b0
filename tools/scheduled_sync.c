/*
 * scheduled_sync.c - forward spooled events to their destinations.
 *
 * Run by cron every minute (or by hand). Each configured sink is run under
 * its own lock, so an overlapping run of the same sink exits at once while
 * runs of different sinks (--sink) proceed side by side.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/config.h"
#include "core/log.h"
#include "sync/outbox.h"
#include "sync/routes.h"
#include "sinks/sink.h"
#include "spool/spool.h"
#include "sync/engine.h"
#include "core/timefmt.h"
#include "program/bootstrap.h"
#include "program/options.h"
#include "core/banned.h"

struct args {
	const char *sink;
	int once, drain, dry_run, verbose, backfill, list, help;
	long max_seconds, batch;
};

#define NUM_MAX (86400 * 7)	/* a week in seconds: both numbers' bound */

/* One table drives both parsing and --help. */
static const struct hs_opt opt_tab[] = {
	{ "sink", 0, "NAME", "run only this sink (default: every configured "
	  "sink)", HS_OPT_TEXT, offsetof(struct args, sink), 0, 0, 0 },
	{ "once", 0, NULL, "one batch per sink, then stop", HS_OPT_FLAG,
	  offsetof(struct args, once), 0, 0, 0 },
	{ "drain", 0, NULL, "keep going, waiting out backoff, until nothing "
	  "is pending or time is up", HS_OPT_FLAG,
	  offsetof(struct args, drain), 0, 0, 0 },
	{ "dry-run", 0, NULL, "list what is due; send and change nothing",
	  HS_OPT_FLAG, offsetof(struct args, dry_run), 0, 0, 0 },
	{ "verbose", 0, NULL, "log at debug level, and a line per "
	  "attempt on a terminal too", HS_OPT_FLAG,
	  offsetof(struct args, verbose), 0, 0, 0 },
	{ "max-seconds", 0, "N", "time budget of the run (default "
	  "SYNC_MAX_SECONDS, 55)", HS_OPT_NUM,
	  offsetof(struct args, max_seconds), 0, 1, NUM_MAX },
	{ "batch", 0, "N", "deliveries per batch (default: the sink's "
	  "*_BATCH setting)", HS_OPT_NUM, offsetof(struct args, batch), 0,
	  1, NUM_MAX },
	{ "backfill", 0, NULL, "give events accepted before a sink was "
	  "configured a delivery to it, per the current routes, then exit",
	  HS_OPT_FLAG, offsetof(struct args, backfill), 0, 0, 0 },
	{ "list-sinks", 0, NULL, "show every sink and whether it is "
	  "configured", HS_OPT_FLAG, offsetof(struct args, list), 0, 0, 0 },
	{ "help", 0, NULL, "this text", HS_OPT_FLAG,
	  offsetof(struct args, help), 0, 0, 0 },
	{ NULL, 0, NULL, NULL, HS_OPT_FLAG, 0, 0, 0, 0 }
};

static const struct hs_opts opts = { "scheduled_sync", opt_tab };

static void
usage(FILE *f)
{
	fprintf(f, "usage: scheduled_sync [options]\n\n"
	    "Forwards spooled webhook events to their destinations, each under\n"
	    "its rate limit, with retries, backoff and dead letters. Cron runs\n"
	    "it every minute. On a terminal (stderr) it shows a progress line\n"
	    "instead of a log line per attempt (--verbose: both).\n\n");
	hs_opts_help(f, &opts, 0, 18, 0);
	fprintf(f, "\nConfiguration: $HOOKSPOOL_CONF (default %s;\n"
	    "when that does not exist, the checkout's local/hookspool.conf that\n"
	    "make run wrote).\n"
	    "Prints one summary line per sink: delivered, retried, dead, still\n"
	    "pending, oldest pending age (logfmt, or sentences when stdout is\n"
	    "a terminal).\n"
	    "Exit codes: 0 done (retries included), 1 another run holds a sink,\n"
	    "100 usage or configuration error, 111 temporary failure (spool\n"
	    "unavailable, or a destination refused our credentials).\n"
	    "For tests only, never in production: %s=TIME (ISO-8601,\n"
	    "or ms since the epoch) starts the run's clock at TIME; it moves\n"
	    "only when the run waits (for tokens, or a retry with --drain).\n",
	    HS_CONF_DEFAULT_PATH, HS_TEST_NOW_ENV);
}

static int
parse_args(int argc, char **argv, struct args *a)
{
	const char *extra;
	uint64_t given;
	int n;

	if (hs_opts_parse(&opts, argc, argv, a, &given, &extra, 0, &n))
		return -1;
	if (a->once && a->drain) {
		fprintf(stderr, "scheduled_sync: --once and --drain exclude "
		    "each other\n");
		return -1;
	}
	return 0;
}

static long
max_rss_kb(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : 0;
}

/* The summary for a person at a terminal: what happened, what is left,
 * and where to look next. */
static void
summary_tty(const struct hs_sink_ops *ops, const struct hs_sync_stats *st,
            int64_t age)
{
	char old[32];

	printf("%s: %ld delivered, %ld to retry, %ld dead in %.1f s; ",
	    ops->name, st->delivered, st->retried, st->dead,
	    (double)st->elapsed_ms / 1000.0);
	hs_age_str(age * 1000, old, sizeof(old));
	if (st->after.pending)
		printf("%lld still pending, the oldest for %s\n",
		    (long long)st->after.pending, old);
	else
		printf("nothing pending\n");
	if (st->dead)
		printf("  the dead ones: spoolctl list --state dead "
		    "--sink %s\n", ops->name);
}

/* One line per sink on stdout: logfmt for cron and scripts, which parse
 * it; sentences when stdout is a terminal. */
static void
summary(const struct hs_sink_ops *ops, const struct hs_sync_stats *st,
        int64_t now_ms)
{
	int64_t oldest = 0, age = 0;

	if (st->after.oldest_pending[0] &&
	    hs_time_parse_iso(st->after.oldest_pending, &oldest) == 0)
		age = (now_ms - oldest) / 1000;
	if (age < 0)
		age = 0;
	if (isatty(STDOUT_FILENO))
		summary_tty(ops, st, age);
	else
		printf("scheduled_sync: sink=%s delivered=%ld retried=%ld "
		    "dead=%ld pending=%lld oldest_pending_s=%lld seconds=%.2f "
		    "max_rss_kb=%ld\n", ops->name, st->delivered,
		    st->retried, st->dead, (long long)st->after.pending,
		    (long long)age, (double)st->elapsed_ms / 1000.0,
		    max_rss_kb());
	fflush(stdout);
}

static int
exit_code(enum hs_err rc)
{
	return rc == HS_OK ? HS_EX_OK : rc == HS_EBUSY ? HS_EX_REFUSED :
	    rc == HS_ECONFIG ? HS_EX_USAGE : HS_EX_TEMP;
}

/* The run's exit code over several sinks: the worst one wins. */
static int
worse(int a, int b)
{
	if (a == HS_EX_TEMP || b == HS_EX_TEMP)
		return HS_EX_TEMP;
	return a > b ? a : b;
}

static int
want_route(void *ctx, const char *source, const char *kind)
{
	const void *const *c = ctx;

	return hs_routes_include(c[0], source, kind,
	    ((const struct hs_sink_ops *)c[1])->name);
}

static int
run_sink(struct hs_spool *sp, const struct hs_config *cfg,
         const struct hs_sink_ops *ops, const struct args *a,
         int64_t deadline)
{
	struct hs_sync_opts o;
	struct hs_sync_stats st;
	char why[512], now_iso[HS_ISO_LEN];
	const void *ctx[2] = { cfg, ops };
	long added = 0;
	enum hs_err rc;

	if (a->backfill) {
		hs_time_iso(hs_now_ms(), now_iso, sizeof(now_iso));
		rc = hs_outbox_backfill(sp, ops->name, now_iso, want_route,
		    (void *)ctx, &added);
		printf("scheduled_sync: sink=%s backfilled=%ld\n", ops->name,
		    added);
		return exit_code(rc);
	}
	memset(&o, 0, sizeof(o));
	o.once = a->once;
	o.drain = a->drain;
	o.dry_run = a->dry_run;
	o.verbose = a->verbose;
	/* A terminal gets a progress line and, unless --verbose, no line
	 * per attempt; a file or a pipe (cron, tests) gets every line. */
	o.progress = isatty(STDERR_FILENO) && !a->dry_run;
	o.quiet_attempts = isatty(STDERR_FILENO) && !a->verbose;
	o.max_ms = deadline - hs_now_ms();
	o.batch = a->batch;
	o.dead_copy = hs_sink_dead_copy(cfg);
	rc = hs_sync_sink(sp, cfg, ops, &o, &st, why, sizeof(why));
	if (rc != HS_OK)
		hs_log_msg(rc == HS_EBUSY ? HS_LOG_WARN : HS_LOG_ERROR, "run",
		    why);
	summary(ops, &st, hs_now_ms());
	return exit_code(rc);
}

static void
list_sinks(const struct hs_config *cfg)
{
	const struct hs_sink_ops *const *ops;

	for (ops = hs_sink_registry; *ops; ops++)
		printf("%-14s %-14s %s\n", (*ops)->name,
		    (*ops)->configured(cfg) ? "configured" : "not configured",
		    (*ops)->what);
}

static struct hs_spool *
open_spool(const struct hs_config *cfg)
{
	struct hs_spool *sp = NULL;
	char why[512];

	if (hs_boot_spool(&sp, cfg, why, sizeof(why)) != HS_OK)
		return NULL;
	return sp;
}

/* The test clock (core/timefmt.h), said loudly: production must not have it. */
static int
test_clock(void)
{
	char msg[160], iso[HS_ISO_LEN];
	int on = hs_clock_from_env();

	if (on < 0) {
		snprintf(msg, sizeof(msg), "%s '%.40s' is not an ISO-8601 "
		    "time or ms since the epoch", HS_TEST_NOW_ENV,
		    getenv(HS_TEST_NOW_ENV));
		hs_log_msg(HS_LOG_ERROR, "clock", msg);
		return HS_EX_USAGE;
	}
	if (on) {
		hs_time_iso(hs_now_ms(), iso, sizeof(iso));
		snprintf(msg, sizeof(msg), "%s is set: a test clock from %s "
		    "that moves only when the run waits; never in production",
		    HS_TEST_NOW_ENV, iso);
		hs_log_msg(HS_LOG_WARN, "clock", msg);
	}
	return HS_EX_OK;
}

static int
load_config(struct hs_config **cfg, const struct args *a)
{
	const struct hs_boot boot = { "scheduled_sync", NULL, HS_LOG_INFO,
	    a->verbose, HS_BOOT_ROUTES | HS_BOOT_CHECKOUT };

	return hs_boot_exit_code(hs_boot_config(cfg, &boot));
}

int
main(int argc, char **argv)
{
	const struct hs_sink_ops *const *ops, *only = NULL;
	struct hs_config *cfg = NULL;
	struct hs_spool *sp = NULL;
	struct args a;
	int64_t deadline;
	int code, ran = 0;

	memset(&a, 0, sizeof(a));
	if (parse_args(argc, argv, &a)) {
		usage(stderr);
		return HS_EX_USAGE;
	}
	if (a.help) {
		usage(stdout);
		return HS_EX_OK;
	}
	code = load_config(&cfg, &a);
	if (code == HS_EX_OK)
		code = test_clock();
	if (code == HS_EX_OK && a.list)
		list_sinks(cfg);
	if (code == HS_EX_OK && a.sink && !(only = hs_sink_find(a.sink))) {
		fprintf(stderr, "scheduled_sync: no sink '%s' (see "
		    "--list-sinks)\n", a.sink);
		code = HS_EX_USAGE;
	}
	if (code == HS_EX_OK && !a.list && !(sp = open_spool(cfg)))
		code = HS_EX_TEMP;
	deadline = hs_now_ms() + 1000 * (a.max_seconds ? a.max_seconds :
	    hs_config_int(cfg, "SYNC_MAX_SECONDS"));
	for (ops = hs_sink_registry; sp && *ops; ops++) {
		if ((only && *ops != only) || (!only && !(*ops)->configured(cfg)))
			continue;
		ran++;
		code = worse(code, run_sink(sp, cfg, *ops, &a, deadline));
	}
	if (sp && !ran)
		hs_log_msg(HS_LOG_WARN, "run", "no sink is configured: nothing "
		    "to do (see --list-sinks)");
	hs_spool_close(sp);
	hs_config_free(cfg);
	return code;
}
