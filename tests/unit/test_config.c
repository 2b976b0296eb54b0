/*
 * test_config.c - the dotenv dialect of lib/core/config.h: comments, export,
 * quotes, inline comments, the key table with its defaults, and the
 * problems a bad file produces (warnings for unknown keys, errors with the
 * line number for bad values, HS_ENOTFOUND for a missing file).
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

#include "core/caps.h"
#include "core/config.h"

static struct hs_config *
parse(const char *text)
{
	struct hs_config *c = NULL;

	assert_int_equal(hs_config_parse(&c, text, "test.conf"), HS_OK);
	assert_non_null(c);
	return c;
}

static size_t
problem_count(const struct hs_config *c)
{
	size_t i = 0;

	while (hs_config_problem(c, i, NULL))
		i++;
	return i;
}

/* Asserts that problem i exists, has the given severity and mentions s. */
static void
assert_problem(const struct hs_config *c, size_t i, int want_error,
               const char *s)
{
	int is_error = -1;
	const char *msg = hs_config_problem(c, i, &is_error);

	if (!msg)
		fail_msg("no problem #%zu (want one mentioning '%s')", i, s);
	assert_int_equal(is_error, want_error);
	if (!strstr(msg, s))
		fail_msg("problem '%s' lacks '%s'", msg, s);
}

static void
plain_key_value_is_read(void **state)
{
	struct hs_config *c = parse("API_KEY=abc123\n");

	assert_string_equal(hs_config_get(c, "API_KEY"), "abc123");
	assert_int_equal(hs_config_has(c, "API_KEY"), 1);
	assert_int_equal(problem_count(c), 0);
	assert_int_equal(hs_config_ok(c), 1);
	assert_string_equal(hs_config_path(c), "test.conf");
	hs_config_free(c);
}

static void
comments_and_blank_lines_are_skipped(void **state)
{
	struct hs_config *c = parse("# a comment\n"
	    "\n"
	    "   \t\n"
	    "   # an indented comment\n"
	    "API_KEY=k\n"
	    "#API_V1_STR=/nope\n");

	assert_string_equal(hs_config_get(c, "API_KEY"), "k");
	assert_string_equal(hs_config_get(c, "API_V1_STR"), "/api/v1");
	assert_int_equal(hs_config_has(c, "API_V1_STR"), 0);
	assert_int_equal(problem_count(c), 0);
	hs_config_free(c);
}

static void
export_prefix_is_accepted(void **state)
{
	struct hs_config *c = parse("export API_KEY=k1\n"
	    "export   ROOT_PATH=/api/webhook\n");

	assert_string_equal(hs_config_get(c, "API_KEY"), "k1");
	assert_string_equal(hs_config_get(c, "ROOT_PATH"), "/api/webhook");
	assert_int_equal(problem_count(c), 0);
	hs_config_free(c);
}

static void
double_and_single_quotes_are_removed(void **state)
{
	struct hs_config *c = parse("API_KEY=\"with spaces # and hash\"\n"
	    "WEBHOOK_SECRET='single quoted'\n"
	    "ROOT_PATH=\"\"\n");

	assert_string_equal(hs_config_get(c, "API_KEY"),
	                    "with spaces # and hash");
	assert_string_equal(hs_config_get(c, "WEBHOOK_SECRET"),
	                    "single quoted");
	assert_string_equal(hs_config_get(c, "ROOT_PATH"), "");
	assert_int_equal(problem_count(c), 0);
	hs_config_free(c);
}

static void
unmatched_quote_is_kept_as_is(void **state)
{
	struct hs_config *c = parse("API_KEY=\"abc\n");

	assert_string_equal(hs_config_get(c, "API_KEY"), "\"abc");
	hs_config_free(c);
}

static void
inline_comment_after_space_is_removed(void **state)
{
	struct hs_config *c = parse("API_KEY=abc # the key\n"
	    "SPOOL_BUSY_TIMEOUT_MS=500\t# half a second\n"
	    "ROOT_PATH=/a#b\n");

	assert_string_equal(hs_config_get(c, "API_KEY"), "abc");
	assert_int_equal(hs_config_int(c, "SPOOL_BUSY_TIMEOUT_MS"), 500);
	/* A '#' not preceded by white space belongs to the value. */
	assert_string_equal(hs_config_get(c, "ROOT_PATH"), "/a#b");
	assert_int_equal(problem_count(c), 0);
	hs_config_free(c);
}

/*
 * Regression test (bug fixed in 9d53f6a):
 * lib/core/config.c unquote() only strips quotes when the
 * closing quote is the last character, so `KEY="value" # comment` keeps
 * the quotes: API_KEY becomes "\"abc\"" and the key never matches.
 */
static void
quoted_value_followed_by_inline_comment_loses_quotes(void **state)
{
	struct hs_config *c = parse("API_KEY=\"abc\" # the key\n"
	    "WEBHOOK_SECRET='s e c' # the secret\n");
	char key[64], secret[64];

	snprintf(key, sizeof(key), "%s", hs_config_get(c, "API_KEY"));
	snprintf(secret, sizeof(secret), "%s",
	    hs_config_get(c, "WEBHOOK_SECRET"));
	hs_config_free(c);
	if (strcmp(key, "abc") || strcmp(secret, "s e c"))
		fail_msg("regression: "
		    "config unquote: API_KEY=\"abc\" # the key gave "
		    "[%s], WEBHOOK_SECRET='s e c' # ... gave [%s]", key, secret);
}

/*
 * Regression test (bug fixed in 468a759):
 * lib/core/config.c unquote() looked for the closing quote with strrchr(), so
 * a quote character inside the trailing comment was taken as the closing
 * one: 'x' # don't ... kept its quotes, and "x" # a "y" note swallowed
 * the comment into the value.
 */
static void
quote_characters_in_the_trailing_comment_are_ignored(void **state)
{
	struct hs_config *c = parse("WEBHOOK_SECRET='s3cret' # don't share\n"
	    "API_KEY=\"abc\" # the \"old\" key\n");
	char secret[64], key[64];

	snprintf(secret, sizeof(secret), "%s",
	    hs_config_get(c, "WEBHOOK_SECRET"));
	snprintf(key, sizeof(key), "%s", hs_config_get(c, "API_KEY"));
	hs_config_free(c);
	if (strcmp(secret, "s3cret") || strcmp(key, "abc"))
		fail_msg("regression: config unquote(): "
		    "WEBHOOK_SECRET='s3cret' # don't "
		    "share gave [%s]; API_KEY=\"abc\" # the \"old\" key gave "
		    "[%s]", secret, key);
}

static void
spaces_around_key_and_value_are_trimmed(void **state)
{
	struct hs_config *c = parse("  API_KEY  =   abc  \n");

	assert_string_equal(hs_config_get(c, "API_KEY"), "abc");
	assert_int_equal(problem_count(c), 0);
	hs_config_free(c);
}

static void
value_may_contain_equals_signs(void **state)
{
	struct hs_config *c = parse("AZURE_STORAGE_CONNECTION_STRING="
	    "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=Zm9v==;"
	    "EndpointSuffix=core.windows.net\n");

	assert_string_equal(hs_config_get(c, "AZURE_STORAGE_CONNECTION_STRING"),
	    "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=Zm9v==;"
	    "EndpointSuffix=core.windows.net");
	hs_config_free(c);
}

static void
crlf_line_endings_are_accepted(void **state)
{
	struct hs_config *c = parse("API_KEY=abc\r\nMAX_BODY_BYTES=2048\r\n");

	assert_string_equal(hs_config_get(c, "API_KEY"), "abc");
	assert_int_equal(hs_config_int(c, "MAX_BODY_BYTES"), 2048);
	assert_int_equal(problem_count(c), 0);
	hs_config_free(c);
}

static void
later_assignment_overrides_earlier(void **state)
{
	struct hs_config *c = parse("API_KEY=first\nAPI_KEY=second\n");

	assert_string_equal(hs_config_get(c, "API_KEY"), "second");
	hs_config_free(c);
}

static void
unknown_key_is_a_warning_with_line_and_name(void **state)
{
	struct hs_config *c = parse("API_KEY=k\n\nNO_SUCH_KEY=1\n");

	assert_int_equal(problem_count(c), 1);
	assert_problem(c, 0, 0, "NO_SUCH_KEY");
	assert_problem(c, 0, 0, "test.conf:3:");
	assert_int_equal(hs_config_ok(c), 1);
	assert_null(hs_config_get(c, "NO_SUCH_KEY"));
	assert_int_equal(hs_config_has(c, "NO_SUCH_KEY"), 0);
	hs_config_free(c);
}

static void
ignored_seed_prefixes_are_not_problems(void **state)
{
	struct hs_config *c = parse("GUNICORN_WORKERS=4\n"
	    "GUNICORN_TIMEOUT=120\n"
	    "export GUNICORN_BIND=0.0.0.0:8000\n"
	    "WEBHOOK_HOST=0.0.0.0\n"
	    "WEBHOOK_PORT=8000\n");

	assert_int_equal(problem_count(c), 0);
	assert_int_equal(hs_config_ok(c), 1);
	assert_null(hs_config_get(c, "GUNICORN_WORKERS"));
	hs_config_free(c);
}

/* The seed's Key Vault switch: accepted, but never silently. */
static void
use_key_vault_true_warns_that_secrets_belong_in_the_file(void **state)
{
	struct hs_config *c = parse("API_KEY=k\nUSE_KEY_VAULT=true\n"
	    "KEY_VAULT_NAME=my-vault\n");

	assert_int_equal(problem_count(c), 1);
	assert_problem(c, 0, 0, "USE_KEY_VAULT=true");
	assert_problem(c, 0, 0, "does not read Azure Key Vault");
	assert_problem(c, 0, 0, "test.conf");
	assert_int_equal(hs_config_ok(c), 1);
	hs_config_free(c);
	c = parse("USE_KEY_VAULT=false\nKEY_VAULT_NAME=my-vault\n");
	assert_int_equal(problem_count(c), 0);
	hs_config_free(c);
}

static void
bad_integer_is_an_error_with_line_number(void **state)
{
	struct hs_config *c = parse("API_KEY=k\nSPOOL_BUSY_TIMEOUT_MS=soon\n");

	assert_int_equal(problem_count(c), 1);
	assert_problem(c, 0, 1, "test.conf:2:");
	assert_problem(c, 0, 1, "SPOOL_BUSY_TIMEOUT_MS");
	assert_problem(c, 0, 1, "'soon'");
	assert_int_equal(hs_config_ok(c), 0);
	/* The typed getter falls back to the table default. */
	assert_int_equal(hs_config_int(c, "SPOOL_BUSY_TIMEOUT_MS"),
	                 HS_BUSY_WAIT_MS_DEFAULT);
	hs_config_free(c);
}

static void
integer_out_of_range_or_with_junk_is_an_error(void **state)
{
	struct hs_config *c = parse("ODOO_PORT=0\n"
	    "MAX_BODY_BYTES=99999999999\n"
	    "RATE_LIMIT_WINDOW_SECONDS=60s\n"
	    "RATE_LIMIT_REQUESTS=\n");

	assert_int_equal(problem_count(c), 4);
	assert_problem(c, 0, 1, "test.conf:1:");
	assert_problem(c, 0, 1, "ODOO_PORT");
	assert_problem(c, 1, 1, "test.conf:2:");
	assert_problem(c, 2, 1, "test.conf:3:");
	assert_problem(c, 3, 1, "test.conf:4:");
	assert_int_equal(hs_config_int(c, "ODOO_PORT"), 443);
	assert_int_equal(hs_config_int(c, "MAX_BODY_BYTES"),
	                 HS_MAX_BODY_DEFAULT);
	hs_config_free(c);
}

static void
integer_range_edges_are_accepted(void **state)
{
	struct hs_config *c = parse("ODOO_PORT=1\nSPOOL_BUSY_TIMEOUT_MS=60000\n"
	    "RATE_LIMIT_REQUESTS=0\n");

	assert_int_equal(problem_count(c), 0);
	assert_int_equal(hs_config_int(c, "ODOO_PORT"), 1);
	assert_int_equal(hs_config_int(c, "SPOOL_BUSY_TIMEOUT_MS"), 60000);
	assert_int_equal(hs_config_int(c, "RATE_LIMIT_REQUESTS"), 0);
	hs_config_free(c);
}

static void
bad_boolean_is_an_error_with_line_number(void **state)
{
	struct hs_config *c = parse("# x\n# y\n# z\nDEBUG=maybe\n");

	assert_int_equal(problem_count(c), 1);
	assert_problem(c, 0, 1, "test.conf:4:");
	assert_problem(c, 0, 1, "DEBUG");
	assert_problem(c, 0, 1, "'maybe'");
	assert_int_equal(hs_config_ok(c), 0);
	assert_int_equal(hs_config_bool(c, "DEBUG"), 0);
	hs_config_free(c);
}

static void
boolean_spellings_are_accepted_in_any_case(void **state)
{
	static const char *const yes[] = { "true", "TRUE", "Yes", "on", "1" };
	static const char *const no[] = { "false", "No", "OFF", "0" };
	char text[64];
	struct hs_config *c;
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		snprintf(text, sizeof(text), "DEBUG=%s\n", yes[i]);
		c = parse(text);
		assert_int_equal(problem_count(c), 0);
		assert_int_equal(hs_config_bool(c, "DEBUG"), 1);
		hs_config_free(c);
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		snprintf(text, sizeof(text), "DEBUG=%s\n", no[i]);
		c = parse(text);
		assert_int_equal(problem_count(c), 0);
		assert_int_equal(hs_config_bool(c, "DEBUG"), 0);
		hs_config_free(c);
	}
}

static void
line_without_equals_is_an_error_with_line_number(void **state)
{
	struct hs_config *c = parse("API_KEY=k\nthis is not a setting\n");

	assert_int_equal(problem_count(c), 1);
	assert_problem(c, 0, 1, "test.conf:2:");
	assert_problem(c, 0, 1, "KEY=VALUE");
	assert_int_equal(hs_config_ok(c), 0);
	hs_config_free(c);
}

static void
overlong_line_is_an_error(void **state)
{
	size_t n = HS_MAX_CONF_LINE + 100;
	char *text = malloc(n + 32);
	struct hs_config *c;

	assert_non_null(text);
	memcpy(text, "API_KEY=", 8);
	memset(text + 8, 'x', n);
	memcpy(text + 8 + n, "\nDEBUG=true\n", 13);
	c = parse(text);
	assert_int_equal(problem_count(c), 1);
	assert_problem(c, 0, 1, "test.conf:1:");
	assert_int_equal(hs_config_has(c, "API_KEY"), 0);
	assert_int_equal(hs_config_bool(c, "DEBUG"), 1);
	hs_config_free(c);
	free(text);
}

static void
defaults_come_from_the_table(void **state)
{
	struct hs_config *c = parse("");

	assert_string_equal(hs_config_get(c, "API_V1_STR"), "/api/v1");
	assert_string_equal(hs_config_get(c, "ROOT_PATH"), "");
	assert_string_equal(hs_config_get(c, "SPOOL_SYNCHRONOUS"), "FULL");
	assert_int_equal(hs_config_int(c, "SPOOL_BUSY_TIMEOUT_MS"),
	                 HS_BUSY_WAIT_MS_DEFAULT);
	assert_int_equal(hs_config_int(c, "MAX_BODY_BYTES"),
	                 HS_MAX_BODY_DEFAULT);
	assert_int_equal(hs_config_int(c, "RATE_LIMIT_REQUESTS"),
	                 HS_RATE_LIMIT_DEFAULT);
	assert_int_equal(hs_config_int(c, "RATE_LIMIT_WINDOW_SECONDS"),
	                 HS_RATE_WINDOW_DEFAULT);
	assert_int_equal(hs_config_int(c, "ODOO_PORT"), 443);
	assert_int_equal(hs_config_bool(c, "TRUST_FORWARDED_FOR"), 0);
	assert_null(hs_config_get(c, "API_KEY"));
	assert_null(hs_config_get(c, "WEBHOOK_SECRET"));
	assert_null(hs_config_get(c, "NOT_A_KEY"));
	assert_int_equal(hs_config_int(c, "NOT_A_KEY"), 0);
	hs_config_free(c);
}

static void
has_is_false_for_defaults_and_empty_values(void **state)
{
	struct hs_config *c = parse("API_KEY=\nROOT_PATH=/x\n");

	assert_int_equal(hs_config_has(c, "API_KEY"), 0);
	assert_string_equal(hs_config_get(c, "API_KEY"), "");
	assert_int_equal(hs_config_has(c, "API_V1_STR"), 0);
	assert_non_null(hs_config_get(c, "API_V1_STR"));
	assert_int_equal(hs_config_has(c, "ROOT_PATH"), 1);
	hs_config_free(c);
}

static void
every_table_default_is_valid_for_its_type(void **state)
{
	struct hs_config *c = parse("");
	const struct hs_conf_key *k;
	char *end;
	long v;
	size_t n;

	for (n = 0; (k = hs_conf_key_at(n)); n++) {
		if (k->type != HS_CONF_INT || !k->def)
			continue;
		v = strtol(k->def, &end, 10);
		if (*end || v < k->min || v > k->max)
			fail_msg("%s default '%s' outside [%ld, %ld]", k->name,
			    k->def, k->min, k->max);
		assert_int_equal(hs_config_int(c, k->name), v);
	}
	assert_true(n > 10);
	assert_true(n <= HS_MAX_CONF_KEYS);
	hs_config_free(c);
}

static void
seed_env_file_parses_without_problems(void **state)
{
	/* seed 000's .env, as a seed user would copy it */
	struct hs_config *c = parse("DEBUG=true\n"
	    "\n"
	    "# API Configuration\n"
	    "API_KEY=tu-api-key-aqu\xc3\xad\n"
	    "API_V1_STR=/api/v1\n"
	    "\n"
	    "# Odoo Connection\n"
	    "ODOO_HOST=tu-instancia.odoo.com\n"
	    "ODOO_PORT=443\n"
	    "ODOO_PROTOCOL=jsonrpc+ssl\n"
	    "ODOO_DB=nombre-database\n"
	    "ODOO_USER=usuario\n"
	    "ODOO_PASSWORD=contrase\xc3\xb1" "a\n"
	    "\n"
	    "AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=https;"
	    "AccountName=cuenta;AccountKey=clave;EndpointSuffix=core.windows.net\n"
	    "DATABASE_URL=mssql+pyodbc://usuario:password@servidor.database."
	    "windows.net:1433/basedatos?driver=ODBC+Driver+17+for+SQL+Server\n"
	    "USE_KEY_VAULT=false\n"
	    "# KEY_VAULT_NAME=nombre-keyvault\n");

	assert_int_equal(problem_count(c), 0);
	assert_int_equal(hs_config_bool(c, "DEBUG"), 1);
	assert_int_equal(hs_config_int(c, "ODOO_PORT"), 443);
	assert_string_equal(hs_config_get(c, "ODOO_PASSWORD"),
	                    "contrase\xc3\xb1" "a");
	assert_string_equal(hs_config_get(c, "DATABASE_URL"),
	    "mssql+pyodbc://usuario:password@servidor.database.windows.net:"
	    "1433/basedatos?driver=ODBC+Driver+17+for+SQL+Server");
	hs_config_free(c);
}

static void
missing_file_is_notfound_with_an_error_problem(void **state)
{
	char dir[] = "/tmp/hs-config-XXXXXX";
	char path[128];
	struct hs_config *c = NULL;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/absent.conf", dir);
	assert_int_equal(hs_config_load(&c, path), HS_ENOTFOUND);
	assert_non_null(c);
	assert_int_equal(hs_config_ok(c), 0);
	assert_int_equal(problem_count(c), 1);
	assert_problem(c, 0, 1, path);
	/* Defaults still answer, so callers can go on to report. */
	assert_string_equal(hs_config_get(c, "API_V1_STR"), "/api/v1");
	hs_config_free(c);
	assert_int_equal(rmdir(dir), 0);
}

static void
load_reads_a_file_and_names_it_in_problems(void **state)
{
	char dir[] = "/tmp/hs-config-XXXXXX";
	char path[128];
	struct hs_config *c = NULL;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/hookspool.conf", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("export API_KEY=\"from file\"\nBOGUS=1\nDEBUG=perhaps\n", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(hs_config_load(&c, path), HS_OK);
	assert_string_equal(hs_config_path(c), path);
	assert_string_equal(hs_config_get(c, "API_KEY"), "from file");
	assert_int_equal(problem_count(c), 2);
	assert_problem(c, 0, 0, path);
	assert_problem(c, 0, 0, ":2:");
	assert_problem(c, 1, 1, ":3:");
	assert_int_equal(hs_config_ok(c), 0);
	hs_config_free(c);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

static void
file_over_one_mib_is_an_error_problem(void **state)
{
	char dir[] = "/tmp/hs-config-XXXXXX";
	char path[128], line[80];
	struct hs_config *c = NULL;
	size_t i;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/big.conf", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	memset(line, '#', sizeof(line) - 2);
	line[sizeof(line) - 2] = '\n';
	line[sizeof(line) - 1] = '\0';
	for (i = 0; i < 1024 * 1024 / (sizeof(line) - 1) + 10; i++)
		fputs(line, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(hs_config_load(&c, path), HS_OK);
	assert_non_null(c);
	assert_int_equal(hs_config_ok(c), 0);
	assert_problem(c, 0, 1, "1 MiB");
	hs_config_free(c);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

/*
 * BUG (reported): lib/core/config.c hs_config_load() does not check ferror()
 * after its fread() loop, so a path that opens but cannot be read (a
 * directory: fread fails with EISDIR) reads as an empty file: HS_OK, no
 * problem, every key at its default, and --check-config says
 * "configuration ok".
 */
static void
path_that_cannot_be_read_is_eio_with_an_error_problem(void **state)
{
	char dir[] = "/tmp/hs-config-XXXXXX";
	struct hs_config *c = NULL;
	enum hs_err rc;
	int ok;

	assert_non_null(mkdtemp(dir));
	rc = hs_config_load(&c, dir);
	assert_non_null(c);
	ok = hs_config_ok(c);
	hs_config_free(c);
	assert_int_equal(rmdir(dir), 0);
	if (rc == HS_OK || ok)
		fail_msg("BUG config hs_config_load(): a directory as the config "
		    "path gave '%s' and %s", hs_err_str(rc),
		    ok ? "no error problem" : "an error problem");
}

static void
default_path_follows_hookspool_conf(void **state)
{
	char *saved = getenv("HOOKSPOOL_CONF") ?
	    strdup(getenv("HOOKSPOOL_CONF")) : NULL;

	assert_int_equal(setenv("HOOKSPOOL_CONF", "/tmp/x.conf", 1), 0);
	assert_string_equal(hs_config_default_path(), "/tmp/x.conf");
	assert_int_equal(setenv("HOOKSPOOL_CONF", "", 1), 0);
	assert_string_equal(hs_config_default_path(), HS_CONF_DEFAULT_PATH);
	assert_int_equal(unsetenv("HOOKSPOOL_CONF"), 0);
	assert_string_equal(hs_config_default_path(), HS_CONF_DEFAULT_PATH);
	if (saved)
		setenv("HOOKSPOOL_CONF", saved, 1);
	free(saved);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_key_value_is_read),
		cmocka_unit_test(comments_and_blank_lines_are_skipped),
		cmocka_unit_test(export_prefix_is_accepted),
		cmocka_unit_test(double_and_single_quotes_are_removed),
		cmocka_unit_test(unmatched_quote_is_kept_as_is),
		cmocka_unit_test(inline_comment_after_space_is_removed),
		cmocka_unit_test(quoted_value_followed_by_inline_comment_loses_quotes),
		cmocka_unit_test(quote_characters_in_the_trailing_comment_are_ignored),
		cmocka_unit_test(spaces_around_key_and_value_are_trimmed),
		cmocka_unit_test(value_may_contain_equals_signs),
		cmocka_unit_test(crlf_line_endings_are_accepted),
		cmocka_unit_test(later_assignment_overrides_earlier),
		cmocka_unit_test(unknown_key_is_a_warning_with_line_and_name),
		cmocka_unit_test(ignored_seed_prefixes_are_not_problems),
		cmocka_unit_test(use_key_vault_true_warns_that_secrets_belong_in_the_file),
		cmocka_unit_test(bad_integer_is_an_error_with_line_number),
		cmocka_unit_test(integer_out_of_range_or_with_junk_is_an_error),
		cmocka_unit_test(integer_range_edges_are_accepted),
		cmocka_unit_test(bad_boolean_is_an_error_with_line_number),
		cmocka_unit_test(boolean_spellings_are_accepted_in_any_case),
		cmocka_unit_test(line_without_equals_is_an_error_with_line_number),
		cmocka_unit_test(overlong_line_is_an_error),
		cmocka_unit_test(defaults_come_from_the_table),
		cmocka_unit_test(has_is_false_for_defaults_and_empty_values),
		cmocka_unit_test(every_table_default_is_valid_for_its_type),
		cmocka_unit_test(seed_env_file_parses_without_problems),
		cmocka_unit_test(missing_file_is_notfound_with_an_error_problem),
		cmocka_unit_test(load_reads_a_file_and_names_it_in_problems),
		cmocka_unit_test(file_over_one_mib_is_an_error_problem),
		cmocka_unit_test(path_that_cannot_be_read_is_eio_with_an_error_problem),
		cmocka_unit_test(default_path_follows_hookspool_conf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
