/*
 * azq_dump.c - the integration tests' way to read an Azure queue back.
 *
 *   azq_dump QUEUE...           take every visible message, print its text
 *   azq_dump --count QUEUE...   print the approximate message count
 *   azq_dump --create QUEUE...  create the queues (done if they exist)
 *
 * The account is AZURE_STORAGE_CONNECTION_STRING from $HOOKSPOOL_CONF (or
 * /etc/hookspool/hookspool.conf), exactly as scheduled_sync reads it.
 * Messages are taken with Get Messages and hidden for an hour: the client
 * library has no Delete Message, and for a test a message that will not
 * be seen again is consumed. Each decoded text is one line on stdout; the
 * envelope is single-line JSON, and a CR or LF inside a text (whitespace
 * between the payload's JSON tokens) is printed as a space so a line is
 * always one message. A queue that does not exist prints nothing.
 *
 * Exit codes: 0 ok, 100 usage or configuration, 111 the queue service
 * failed or refused (the reason on stderr, never a key).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sinks/azure/queue.h"
#include "core/config.h"
#include "core/timefmt.h"
#include "core/banned.h"

#define HIDE_S	3600

static void
print_text(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		putchar(s[i] == '\n' || s[i] == '\r' ? ' ' : s[i]);
	putchar('\n');
}

static int
failed(const char *what, const char *queue, const struct hs_azq_result *r)
{
	fprintf(stderr, "azq_dump: cannot %s queue '%s': %s %d %s %s\n", what,
	        queue, hs_azq_outcome_str(r->outcome), r->status, r->code,
	        r->reason);
	return 111;
}

static int
dump(struct hs_azq *q, const char *queue)
{
	struct hs_azq_texts t;
	struct hs_azq_result r;
	size_t i;
	int rc = 0;

	hs_azq_texts_init(&t);
	for (;;) {
		if (hs_azq_get(q, queue, HS_AZQ_PEEK_MAX, HIDE_S, hs_now_ms(),
		               &t, &r) != HS_OK) {
			if (r.outcome != HS_AZQ_NO_QUEUE)
				rc = failed("read", queue, &r);
			break;
		}
		if (t.n == 0)
			break;
		for (i = 0; i < t.n; i++)
			print_text(t.text[i], t.len[i]);
	}
	hs_azq_texts_release(&t);
	return rc;
}

static int
count(struct hs_azq *q, const char *queue)
{
	struct hs_azq_result r;
	long n = 0;

	if (hs_azq_count(q, queue, hs_now_ms(), &n, &r) != HS_OK) {
		if (r.outcome != HS_AZQ_NO_QUEUE)
			return failed("count", queue, &r);
		n = 0;
	}
	printf("%ld\n", n);
	return 0;
}

static int
create(struct hs_azq *q, const char *queue)
{
	struct hs_azq_result r;

	if (hs_azq_create_queue(q, queue, hs_now_ms(), &r) != HS_OK)
		return failed("create", queue, &r);
	return 0;
}

static int
usage(void)
{
	fprintf(stderr, "usage: azq_dump [--count | --create] QUEUE...\n");
	return 100;
}

int
main(int argc, char **argv)
{
	struct hs_config *cfg = NULL;
	struct hs_azq *q = NULL;
	char why[HS_AZQ_WHY_LEN] = "";
	const char *cs, *path = hs_config_default_path();
	int (*op)(struct hs_azq *, const char *) = dump;
	int i = 1, rc = 0;

	if (argc > 1 && strcmp(argv[1], "--count") == 0)
		op = count, i++;
	else if (argc > 1 && strcmp(argv[1], "--create") == 0)
		op = create, i++;
	if (i >= argc || argv[i][0] == '-')
		return usage();
	if (hs_config_load(&cfg, path) != HS_OK) {
		fprintf(stderr, "azq_dump: cannot read '%s'\n", path);
		hs_config_free(cfg);
		return 100;
	}
	cs = hs_config_get(cfg, "AZURE_STORAGE_CONNECTION_STRING");
	if (!cs || hs_azq_open(&q, cs, NULL, why, sizeof(why)) != HS_OK) {
		fprintf(stderr, "azq_dump: AZURE_STORAGE_CONNECTION_STRING in "
		        "'%s': %s\n", path, cs ? why : "not set");
		hs_config_free(cfg);
		return 100;
	}
	for (; i < argc && rc == 0; i++)
		rc = op(q, argv[i]);
	hs_azq_close(q);
	hs_config_free(cfg);
	return rc;
}
