/*
 * test_bootstrap.c - how the three programs start (program/bootstrap.c):
 * the one log-level rule (DEBUG or --verbose, else LOG_LEVEL, else the
 * program's default), the configuration's problems logged once or left
 * to the program, ROUTES checked for the programs that route, the exit
 * codes, and the spool opened from the SPOOL_* keys.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "program/bootstrap.h"

struct fx {
	char dir[32];
	char conf[64];
	char spool[64];
	char log[4096];
	FILE *logf;
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/hs-boot-XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(fx->conf, sizeof(fx->conf), "%s/hs.conf", fx->dir);
	snprintf(fx->spool, sizeof(fx->spool), "%s/spool.db", fx->dir);
	fx->logf = fmemopen(fx->log, sizeof(fx->log), "w");
	if (!fx->logf)
		return -1;
	hs_log_set_stream(fx->logf);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	char path[96];

	hs_log_set_stream(stderr);
	fclose(fx->logf);
	unlink(fx->conf);
	snprintf(path, sizeof(path), "%s.lock", fx->spool);
	unlink(path);
	snprintf(path, sizeof(path), "%s-wal", fx->spool);
	unlink(path);
	snprintf(path, sizeof(path), "%s-shm", fx->spool);
	unlink(path);
	unlink(fx->spool);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

/* The level for a configuration text, a default and --verbose. */
static enum hs_log_level
level_of(const char *text, enum hs_log_level dflt, int verbose, int *bad)
{
	const struct hs_boot b = { "t", NULL, dflt, verbose, 0 };
	struct hs_config *c = NULL;
	enum hs_log_level lvl;

	assert_int_equal(hs_config_parse(&c, text, "test"), HS_OK);
	lvl = hs_boot_log_level(c, &b, bad);
	hs_config_free(c);
	return lvl;
}

static void
log_level_is_the_programs_default_when_nothing_is_set(void **state)
{
	int bad;

	assert_int_equal(level_of("", HS_LOG_INFO, 0, &bad), HS_LOG_INFO);
	assert_int_equal(bad, 0);
	assert_int_equal(level_of("", HS_LOG_WARN, 0, &bad), HS_LOG_WARN);
	assert_int_equal(level_of("DEBUG=false\n", HS_LOG_WARN, 0, &bad),
	    HS_LOG_WARN);
}

static void
log_level_follows_log_level_whatever_the_default(void **state)
{
	int bad;

	assert_int_equal(level_of("LOG_LEVEL=error\n", HS_LOG_INFO, 0, &bad),
	    HS_LOG_ERROR);
	assert_int_equal(level_of("LOG_LEVEL=info\n", HS_LOG_WARN, 0, &bad),
	    HS_LOG_INFO);
	assert_int_equal(level_of("LOG_LEVEL=DEBUG\n", HS_LOG_WARN, 0, &bad),
	    HS_LOG_DEBUG);
	assert_int_equal(bad, 0);
}

static void
debug_true_or_verbose_means_debug_over_log_level(void **state)
{
	int bad;

	assert_int_equal(level_of("DEBUG=true\nLOG_LEVEL=error\n",
	    HS_LOG_INFO, 0, &bad), HS_LOG_DEBUG);
	assert_int_equal(level_of("LOG_LEVEL=error\n", HS_LOG_WARN, 1, &bad),
	    HS_LOG_DEBUG);
}

static void
log_level_that_is_not_a_level_is_flagged_and_the_default_used(void **state)
{
	int bad;

	assert_int_equal(level_of("LOG_LEVEL=loud\n", HS_LOG_INFO, 0, &bad),
	    HS_LOG_INFO);
	assert_int_equal(bad, 1);
	assert_int_equal(level_of("LOG_LEVEL=loud\n", HS_LOG_WARN, 0, &bad),
	    HS_LOG_WARN);
	assert_int_equal(bad, 1);
}

static void
write_conf(const struct fx *fx, const char *text)
{
	FILE *f = fopen(fx->conf, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static enum hs_err
boot(struct fx *fx, unsigned flags, struct hs_config **cfg)
{
	const struct hs_boot b = { "t", fx->conf, HS_LOG_INFO, 0, flags };
	enum hs_err rc;

	rc = hs_boot_config(cfg, &b);
	fflush(fx->logf);
	return rc;
}

static void
problems_are_logged_once_each_at_their_level(void **state)
{
	struct fx *fx = *state;
	struct hs_config *c = NULL;

	write_conf(fx, "LOG_LEVEL=loud\nNO_SUCH_KEY=1\n");
	assert_int_equal(boot(fx, 0, &c), HS_OK);
	assert_non_null(c);
	assert_non_null(strstr(fx->log, "level=warn prog=t"));
	assert_non_null(strstr(fx->log, "LOG_LEVEL is not one of debug, "
	    "info, warn, error; using info"));
	assert_non_null(strstr(fx->log, "NO_SUCH_KEY"));
	assert_null(strstr(fx->log, "event=start"));	/* debug only */
	hs_config_free(c);
}

static void
unreadable_file_is_a_configuration_error(void **state)
{
	struct fx *fx = *state;
	struct hs_config *c = NULL;

	assert_int_equal(boot(fx, 0, &c), HS_ECONFIG);
	assert_non_null(c);
	assert_non_null(strstr(fx->log, "level=error"));
	assert_non_null(strstr(fx->log, "cannot read config"));
	assert_int_equal(hs_boot_exit_code(HS_ECONFIG), 100);
	assert_int_equal(hs_boot_exit_code(HS_ENOMEM), 111);
	assert_int_equal(hs_boot_exit_code(HS_OK), 0);
	hs_config_free(c);
}

static void
quiet_leaves_the_problems_to_the_program(void **state)
{
	struct fx *fx = *state;
	struct hs_config *c = NULL;
	char out[256] = "";
	FILE *f = fmemopen(out, sizeof(out), "w");

	assert_int_equal(boot(fx, HS_BOOT_QUIET, &c), HS_ECONFIG);
	assert_string_equal(fx->log, "");
	assert_non_null(f);
	hs_boot_print_errors(f, "prog", c);
	fclose(f);
	assert_non_null(strstr(out, "prog: config: cannot read config '"));
	hs_config_free(c);
}

static void
routes_are_checked_only_for_the_programs_that_route(void **state)
{
	struct fx *fx = *state;
	struct hs_config *c = NULL;

	write_conf(fx, "ROUTES=manychat/*:no_such_sink\n");
	assert_int_equal(boot(fx, 0, &c), HS_OK);
	hs_config_free(c);
	assert_int_equal(boot(fx, HS_BOOT_ROUTES, &c), HS_ECONFIG);
	assert_non_null(strstr(fx->log, "no_such_sink"));
	hs_config_free(c);
}

static void
debug_start_line_names_the_file_and_why(void **state)
{
	struct fx *fx = *state;
	struct hs_config *c = NULL;

	write_conf(fx, "DEBUG=true\nLOG_LEVEL=error\n");
	assert_int_equal(boot(fx, 0, &c), HS_OK);
	assert_non_null(strstr(fx->log, "event=start"));
	assert_non_null(strstr(fx->log, "log_level=debug because=DEBUG"));
	assert_non_null(strstr(fx->log, fx->conf));
	hs_config_free(c);
}

static void
spool_opens_from_the_spool_keys(void **state)
{
	struct fx *fx = *state;
	struct hs_config *c = NULL;
	struct hs_spool_opts o;
	struct hs_spool *sp = NULL;
	char text[256], why[256];

	snprintf(text, sizeof(text), "SPOOL_PATH=%s\nSPOOL_SYNCHRONOUS=NORMAL\n"
	    "SPOOL_BUSY_TIMEOUT_MS=250\n", fx->spool);
	assert_int_equal(hs_config_parse(&c, text, "test"), HS_OK);
	hs_spool_opts_from_config(&o, c);
	assert_string_equal(o.path, fx->spool);
	assert_string_equal(o.synchronous, "NORMAL");
	assert_int_equal(o.busy_ms, 250);
	assert_int_equal(hs_boot_spool(&sp, c, why, sizeof(why)), HS_OK);
	assert_non_null(sp);
	assert_string_equal(hs_spool_path(sp), fx->spool);
	hs_spool_close(sp);
	hs_config_free(c);
}

static void
spool_that_cannot_open_is_logged_with_why(void **state)
{
	struct fx *fx = *state;
	struct hs_config *c = NULL;
	struct hs_spool *sp = NULL;
	char why[256] = "";

	assert_int_equal(hs_config_parse(&c, "SPOOL_PATH=/nonexistent-hs-dir/"
	    "s.db\n", "test"), HS_OK);
	assert_int_not_equal(hs_boot_spool(&sp, c, why, sizeof(why)), HS_OK);
	assert_null(sp);
	fflush(fx->logf);
	assert_non_null(strstr(why, "/nonexistent-hs-dir/s.db"));
	assert_non_null(strstr(fx->log, "event=spool"));
	hs_config_free(c);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    log_level_is_the_programs_default_when_nothing_is_set),
		cmocka_unit_test(
		    log_level_follows_log_level_whatever_the_default),
		cmocka_unit_test(
		    debug_true_or_verbose_means_debug_over_log_level),
		cmocka_unit_test(
		    log_level_that_is_not_a_level_is_flagged_and_the_default_used),
		T(problems_are_logged_once_each_at_their_level),
		T(unreadable_file_is_a_configuration_error),
		T(quiet_leaves_the_problems_to_the_program),
		T(routes_are_checked_only_for_the_programs_that_route),
		T(debug_start_line_names_the_file_and_why),
		T(spool_opens_from_the_spool_keys),
		T(spool_that_cannot_open_is_logged_with_why),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
