/*
 * spoolctl.c - the admin's command line for the spool.
 *
 * Answers "did the webhook arrive, where did it go, why is it stuck, how
 * do I push it again" without SQL, and does the few writes an admin
 * needs (retry, replay, purge, vacuum) the way the handlers do: short
 * locked transactions, so traffic and scheduled_sync carry on. One
 * options table drives parsing and every command's --help; the work is
 * in tools/admin/; options and the start are program/options.c and
 * program/bootstrap.c, shared with scheduled_sync.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "admin/admin.h"
#include "admin/cmd.h"
#include "core/config.h"
#include "core/log.h"
#include "core/term.h"
#include "sinks/sink.h"
#include "spool/spool.h"
#include "core/timefmt.h"
#include "program/bootstrap.h"
#include "program/options.h"
#include "core/banned.h"

enum cmd_id {
	C_STATS, C_LIST, C_SHOW, C_RETRY, C_REPLAY, C_PURGE, C_VACUUM,
	C_EXPORT, C_CHECK, C__COUNT
};

#define B(c)	(1u << (c))
#define ALL	(B(C__COUNT) - 1)
#define FILTER	(B(C_LIST) | B(C_EXPORT) | B(C_RETRY))
#define LIST_DEFAULT_LIMIT 50

struct args {
	const char *config, *spool, *target;
	int json, yes, dry_run, all, incl_dead, incl_pending, quick, no_probe;
	int help;
	const char *state, *sink, *source, *kind, *key, *entity, *contains;
	const char *since, *until, *older_than;
	long limit;
	int limit_set;
};

/* Rows of the options table: T a text option, F a flag. */
#define T(name, arg, help, field, groups) { name, 0, arg, help, \
	HS_OPT_TEXT, offsetof(struct args, field), groups, 0, 0 }
#define F(name, help, field, groups) { name, 0, NULL, help, \
	HS_OPT_FLAG, offsetof(struct args, field), groups, 0, 0 }

/* One table drives parsing and every command's --help. */
static const struct hs_opt opt_tab[] = {
	T("state", "STATE", "deliveries in this state: pending, done, dead "
	  "(retry: dead, the default, or pending)", state, FILTER),
	T("sink", "NAME", "deliveries to this sink (replay: the sink to "
	  "deliver to again)", sink, FILTER | B(C_REPLAY)),
	T("source", "NAME", "events of this source (manychat, signed, ...)",
	  source, FILTER | B(C_SHOW) | B(C_REPLAY)),
	T("kind", "KIND", "events of this kind (contact, campaign, ...)",
	  kind, FILTER),
	T("key", "KEY", "the event with this idempotency key", key, FILTER),
	T("entity", "KEY", "events about this entity (manychat:ID, "
	  "user:ID)", entity, FILTER),
	T("contains", "TEXT", "events whose body contains TEXT (a scan)",
	  contains, B(C_LIST) | B(C_EXPORT)),
	T("since", "TIME", "received at or after TIME: ISO-8601 (UTC "
	  "unless a zone is given) or a DURATION ago, e.g. 2h", since,
	  FILTER),
	T("until", "TIME", "received before TIME (same forms)", until,
	  FILTER),
	{ "limit", 0, "N", "at most N events (list: default 50; 0: all)",
	  HS_OPT_NUM, offsetof(struct args, limit), B(C_LIST) | B(C_EXPORT),
	  0, HS_ADMIN_LIST_MAX },
	F("all", "retry every matching delivery with no filter at all", all,
	  B(C_RETRY)),
	T("older-than", "DURATION", "purge: events quiet for longer than "
	  "this, e.g. 30d, 12h, 1w2d (units s m h d w)", older_than,
	  B(C_PURGE)),
	F("include-dead", "also purge events with dead deliveries",
	  incl_dead, B(C_PURGE)),
	F("include-pending", "also purge events still pending (they are "
	  "never delivered)", incl_pending, B(C_PURGE)),
	F("dry-run", "count what would change; change nothing", dry_run,
	  B(C_RETRY) | B(C_PURGE)),
	F("yes", "do it without asking (needed without a terminal)", yes,
	  B(C_RETRY) | B(C_PURGE) | B(C_VACUUM)),
	F("quick", "quick_check instead of the full integrity_check", quick,
	  B(C_CHECK)),
	F("no-probe", "do not contact the sinks", no_probe, B(C_CHECK)),
	F("json", "JSON for scripts, stable field names (export: always JSON "
	  "Lines)", json, ALL),
	T("config", "FILE", "configuration file (default $HOOKSPOOL_CONF, "
	  "else " HS_CONF_DEFAULT_PATH ", else the checkout's "
	  "local/hookspool.conf that make run wrote)", config, ALL),
	T("spool", "PATH", "the spool file (default SPOOL_PATH)", spool, ALL),
	F("help", "this text", help, ALL),
	{ NULL, 0, NULL, NULL, HS_OPT_FLAG, 0, 0, 0, 0 }
};

#undef T
#undef F

static const struct hs_opts opts = { "spoolctl", opt_tab };

enum { T_NONE, T_NEEDED, T_OPTIONAL };	/* the ID|KEY argument */

static const struct cmd {
	const char *name, *args, *what, *more;
	int target;
} cmds[C__COUNT] = {
	[C_STATS] = { "stats", "", "counts by source/kind and by sink/state, "
	  "oldest pending, last run per sink",
	  "Last run is the last time scheduled_sync recorded an attempt for\n"
	  "the sink; last error is the newest error still on record." },
	[C_LIST] = { "list", "", "events matching the filters, newest first, "
	  "with their deliveries", "Delivery filters (--state, --sink) select "
	  "events having such a delivery." },
	[C_SHOW] = { "show", "ID|KEY", "one event: headers, body, every "
	  "delivery, history", "KEY is the idempotency key (add --source when "
	  "two sources share it).", T_NEEDED },
	[C_RETRY] = { "retry", "[ID|KEY]", "requeue dead (or pending) "
	  "deliveries: attempts reset, due now",
	  "With ID|KEY: that event's deliveries. Without: every delivery\n"
	  "matching the filters (or --all); asks first when more than one.\n"
	  "Each change is recorded in the event's history with who did it.",
	  T_OPTIONAL },
	[C_REPLAY] = { "replay", "ID|KEY", "deliver an event again, even if "
	  "done: a new pending delivery, same event and key",
	  "Default: again to every sink it went to. A sink whose delivery is\n"
	  "pending is left alone; one that is dead is retried, not replayed.\n"
	  "Consumers get the same idempotency key and may drop the repeat.",
	  T_NEEDED },
	[C_PURGE] = { "purge", "--older-than DURATION", "delete finished "
	  "events nothing has touched for DURATION",
	  "Purged: events received before now - DURATION whose deliveries\n"
	  "are all done and unchanged since (events no route sent anywhere\n"
	  "too). Dead and pending ones stay unless --include-dead or\n"
	  "--include-pending. Runs in short transactions; asks first." },
	[C_VACUUM] = { "vacuum", "", "give the space of purged events back "
	  "to the file system", "Holds the spool's write lock while it runs: "
	  "run it after a purge, at a quiet time. Asks first." },
	[C_EXPORT] = { "export", "", "events matching the filters as JSON "
	  "Lines, oldest first",
	  "One event per line: the fields of show --json, the body embedded\n"
	  "as the JSON received (line breaks as spaces) and body_sha256 of\n"
	  "the stored bytes." },
	[C_CHECK] = { "check", "", "validate the configuration, the spool "
	  "and the sinks; change nothing",
	  "Spool: integrity, schema version, journal mode, modes of the file\n"
	  "(0600) and its directory, the lock file's owner. Sinks: which are\n"
	  "configured, and one cheap live request to each. Exit 1 when any\n"
	  "check fails." },
};

/* The options of a command (bit), or those of every command (ALL). */
static void
help_opts(FILE *f, unsigned bit)
{
	hs_opts_help(f, &opts, bit, 22, 54);
}

static void
help_tail(FILE *f)
{
	fprintf(f, "\nExit codes: 0 done, 1 not found / nothing to do / "
	    "declined / refused\nwithout --yes / check failed, 100 usage or "
	    "configuration error,\n111 temporary failure (spool busy, I/O); "
	    "try again.\n");
}

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: spoolctl COMMAND [ARGS] [options]\n\n"
	    "Inspects and repairs the hookspool spool; safe while handlers\n"
	    "accept webhooks and scheduled_sync runs.\n\nCommands:\n");
	for (i = 0; i < C__COUNT; i++)
		fprintf(f, "  %-8s ", cmds[i].name), hs_opts_wrap(f, cmds[i].what, 11,
		    68);
	fprintf(f, "\nOptions of every command:\n");
	help_opts(f, ALL);
	fprintf(f, "\n'spoolctl COMMAND --help' shows a command's options.\n"
	    "Tables by default, as wide as the terminal (else $COLUMNS; in a\n"
	    "pipe, in full); --json prints one JSON object with every field.\n"
	    "For tests only, never in production: %s=TIME (ISO-8601,\n"
	    "or ms since the epoch) makes TIME 'now' (purge's cut-off, "
	    "--since 2h).\n", HS_TEST_NOW_ENV);
	help_tail(f);
}

static void
usage_cmd(FILE *f, enum cmd_id c)
{
	fprintf(f, "usage: spoolctl %s%s%s [options]\n\n", cmds[c].name,
	    *cmds[c].args ? " " : "", cmds[c].args);
	hs_opts_wrap(f, cmds[c].what, 0, 72);
	fprintf(f, "\n%s\n\nOptions:\n", cmds[c].more);
	help_opts(f, B(c));
	help_tail(f);
}

static int bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A usage message on stderr; -1. */
static int
bad(const char *fmt, ...)
{
	va_list ap;

	fputs("spoolctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

/* The command word, the options (checked against it), one target. */
static int
parse_args(int argc, char **argv, struct args *a, int *cmd)
{
	const char *pos[2];
	uint64_t given;
	int k, n, rc;

	*cmd = -1;
	rc = hs_opts_parse(&opts, argc, argv, a, &given, pos, 2, &n);
	/* Known even after a bad option: the hint names its --help. */
	for (k = 0; n > 0 && k < C__COUNT && strcmp(pos[0], cmds[k].name);
	    k++)
		;
	if (n > 0 && k < C__COUNT)
		*cmd = k;
	if (rc)
		return -1;
	if (n > 0 && k == C__COUNT)
		return bad("unknown command '%s'", pos[0]);
	a->limit_set = !!(given & (uint64_t)1 << hs_opts_index(&opts,
	    "limit"));
	a->target = n > 1 ? pos[1] : NULL;
	if (*cmd < 0 || a->help)
		return 0;
	if (hs_opts_check_groups(&opts, given, B(*cmd)))
		return -1;
	if (a->target && cmds[*cmd].target == T_NONE)
		return bad("unexpected argument '%s'", a->target);
	if (!a->target && cmds[*cmd].target == T_NEEDED)
		return bad("missing %s", cmds[*cmd].args);
	return 0;
}

/* The filter options as a filter; -1 after a message when one is bad. */
static int
make_filter(const struct args *a, int64_t now_ms, enum cmd_id c,
            struct hs_admin_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->key = a->key;
	f->entity = a->entity;
	f->source = a->source;
	f->kind = a->kind;
	f->sink = a->sink;
	f->state = a->state;
	f->contains = a->contains;
	f->limit = a->limit_set ? a->limit : c == C_LIST ? LIST_DEFAULT_LIMIT :
	    0;
	if (a->state && !hs_admin_state_ok(a->state))
		return bad("--state is pending, done or dead, not '%s'",
		    a->state);
	if (a->since && hs_admin_parse_when(a->since, now_ms, f->since,
	    sizeof(f->since)))
		return bad("--since: '%s' is neither ISO-8601 nor a duration "
		    "like 2h", a->since);
	if (a->until && hs_admin_parse_when(a->until, now_ms, f->until,
	    sizeof(f->until)))
		return bad("--until: '%s' is neither ISO-8601 nor a duration "
		    "like 2h", a->until);
	return 0;
}

static int
make_purge(const struct args *a, int64_t now_ms, struct hs_admin_purge *p)
{
	int64_t ms;

	memset(p, 0, sizeof(*p));
	if (!a->older_than)
		return bad("%s", "purge needs --older-than DURATION (e.g. "
		    "30d)");
	if (hs_admin_parse_duration(a->older_than, &ms) || ms > now_ms)
		return bad("--older-than: '%s' is not a duration like 30d, 12h "
		    "or 1w2d", a->older_than);
	hs_time_iso(now_ms - ms, p->before, sizeof(p->before));
	p->include_dead = a->incl_dead;
	p->include_pending = a->incl_pending;
	return 0;
}

/*
 * Reads the configuration. Its errors stop every command but check
 * (which reports them) unless --spool names the spool anyway.
 */
static int
load_config(const struct args *a, enum cmd_id c, struct hs_config **cfg)
{
	const struct hs_boot boot = { "spoolctl", a->config, HS_LOG_WARN, 0,
	    HS_BOOT_QUIET | HS_BOOT_CHECKOUT };
	enum hs_err rc = hs_boot_config(cfg, &boot);

	if (rc == HS_ENOMEM)
		return HS_EX_TEMP;
	if (rc == HS_OK || c == C_CHECK || a->spool)
		return HS_EX_OK;
	hs_boot_print_errors(stderr, "spoolctl", *cfg);
	return HS_EX_USAGE;
}

/* The spool the configuration (or --spool) names, as every program opens it. */
static int
open_spool(struct hs_admin_run *r, const char *path)
{
	struct hs_spool_opts o;
	char why[1024];
	enum hs_err rc;

	hs_spool_opts_from_config(&o, r->cfg);
	rc = hs_admin_open(&r->sp, path, o.synchronous, o.busy_ms, why,
	    sizeof(why));
	if (rc == HS_OK)
		return HS_EX_OK;
	fprintf(stderr, "spoolctl: %s\n", why);
	return hs_admin_exit_code(rc);
}

static int
run(struct hs_admin_run *r, const struct args *a, enum cmd_id c,
    const char *path)
{
	struct hs_admin_check_opts co = { path, a->quick, !a->no_probe };
	struct hs_admin_filter f;
	struct hs_admin_purge p;

	if (make_filter(a, r->now_ms, c, &f) ||
	    (c == C_PURGE && make_purge(a, r->now_ms, &p)))
		return HS_EX_USAGE;
	switch (c) {
	case C_STATS:	return hs_admin_cmd_stats(r);
	case C_LIST:	return hs_admin_cmd_list(r, &f);
	case C_SHOW:	return hs_admin_cmd_show(r, a->target, a->source);
	case C_RETRY:	return hs_admin_cmd_retry(r, a->target, &f, a->all,
			    a->dry_run);
	case C_REPLAY:	return hs_admin_cmd_replay(r, a->target, a->source,
			    a->sink);
	case C_PURGE:	return hs_admin_cmd_purge(r, &p, a->dry_run);
	case C_VACUUM:	return hs_admin_cmd_vacuum(r, (int)hs_config_int(
			    r->cfg, "SPOOL_BUSY_TIMEOUT_MS"));
	case C_EXPORT:	return hs_admin_cmd_export(r, &f);
	case C_CHECK:	return hs_admin_cmd_check(r, &co);
	default:	return HS_EX_USAGE;
	}
}

/*
 * How wide tables may be: a terminal's width (TIOCGWINSZ), else $COLUMNS,
 * else 80 on a terminal that reports none; in a pipe or a file without
 * $COLUMNS, no limit (0), as ps does: grep and less get every column, and
 * --json is for scripts anyway.
 */
static size_t
table_cols(void)
{
	size_t cols = hs_term_cols(STDOUT_FILENO);

	if (!cols)
		cols = hs_term_cols_env(getenv("COLUMNS"));
	if (!cols && isatty(STDOUT_FILENO))
		cols = 80;
	return cols;
}

/* The test clock (core/timefmt.h), said loudly: an admin must not have it. */
static int
test_clock(void)
{
	char iso[HS_ISO_LEN];
	int on = hs_clock_from_env();

	if (on < 0) {
		fprintf(stderr, "spoolctl: %s '%.40s' is not an ISO-8601 "
		    "time or ms since the epoch\n", HS_TEST_NOW_ENV,
		    getenv(HS_TEST_NOW_ENV));
		return HS_EX_USAGE;
	}
	if (on) {
		hs_time_iso(hs_now_ms(), iso, sizeof(iso));
		fprintf(stderr, "spoolctl: %s is set: 'now' is %s; for tests "
		    "only, never in production\n", HS_TEST_NOW_ENV, iso);
	}
	return HS_EX_OK;
}

int
main(int argc, char **argv)
{
	struct hs_admin_run r;
	struct hs_config *cfg = NULL;
	char actor[HS_ADMIN_ACTOR_MAX];
	const char *path;
	struct args a;
	int cmd, code;

	memset(&a, 0, sizeof(a));
	umask(077);
	hs_log_setup("spoolctl", HS_LOG_WARN);
	if (argc < 2) {
		usage(stderr);
		return HS_EX_USAGE;
	}
	if (parse_args(argc, argv, &a, &cmd) || (cmd < 0 && !a.help)) {
		fprintf(stderr, "spoolctl: see 'spoolctl%s%s --help'\n",
		    cmd < 0 ? "" : " ", cmd < 0 ? "" : cmds[cmd].name);
		return HS_EX_USAGE;
	}
	if (a.help) {
		if (cmd < 0)
			usage(stdout);
		else
			usage_cmd(stdout, (enum cmd_id)cmd);
		return HS_EX_OK;
	}
	if ((code = test_clock()) != HS_EX_OK)
		return code;
	/* Who acts is read before anything can change the process's user. */
	hs_admin_actor(getenv("SUDO_USER"), getenv("USER"), getuid(), actor,
	    sizeof(actor));
	hs_admin_run_init(&r, hs_now_ms(), actor);
	r.json = a.json;
	r.yes = a.yes;
	r.interactive = isatty(STDIN_FILENO);
	r.cols = table_cols();
	/* Export's progress: only when its lines go elsewhere, or the two
	 * would share one screen line. */
	r.progress = isatty(STDERR_FILENO) && !isatty(STDOUT_FILENO);
	code = load_config(&a, (enum cmd_id)cmd, &cfg);
	r.cfg = cfg;
	path = a.spool ? a.spool : cfg ? hs_config_get(cfg, "SPOOL_PATH") :
	    NULL;
	if (code == HS_EX_OK && cmd != C_CHECK)
		code = open_spool(&r, path);
	if (code == HS_EX_OK)
		code = run(&r, &a, (enum cmd_id)cmd, path);
	hs_spool_close(r.sp);
	hs_config_free(cfg);
	return code;
}
