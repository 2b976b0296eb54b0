/*
 * test_azure_double.c - the client against a scripted Azure double.
 *
 * Azurite cannot answer 503 ServerBusy, drop a connection or stall, and
 * does not show what it received; this double does (STYLE §10). It is a
 * forked loopback HTTP/1.1 server that logs every request it receives
 * verbatim and answers from a per-test script: a canned response, a
 * closed connection, or silence until the client hangs up. The tests
 * assert both what the client reported and what the peer saw on the
 * wire - including the exact Authorization of the protocols.md §1.7
 * vectors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <signal.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "sinks/azure/conn.h"
#include "sinks/azure/queue.h"

#define DATE_MS 1777636800000LL	/* Fri, 01 May 2026 12:00:00 GMT */

enum act { REPLY, DROP, STALL };

struct step {
	enum act act;
	const char *raw;	/* full response for REPLY */
};

struct dbl {
	pid_t pid;
	int port;
	char log[64];
};

#define R201_PUT "HTTP/1.1 201 Created\r\nContent-Length: 94\r\n\r\n" \
	"<QueueMessagesList><QueueMessage><MessageId>m-1</MessageId>" \
	"</QueueMessage></QueueMessagesList>"

static const char *
err_reply(char *buf, size_t n, int status, const char *code,
          const char *extra)
{
	char body[256];
	int bl = snprintf(body, sizeof(body), "<?xml version=\"1.0\" encoding="
	                  "\"utf-8\"?><Error><Code>%s</Code><Message>about "
	                  "%s\nRequestId:r1</Message></Error>", code, code);

	snprintf(buf, n, "HTTP/1.1 %d X\r\nx-ms-error-code: %s\r\n%s"
	         "Content-Type: application/xml\r\nContent-Length: %d\r\n\r\n%s",
	         status, code, extra, bl, body);
	return buf;
}

/* Reads one request (headers + Content-Length body) into buf. */
static ssize_t
read_request(int c, char *buf, size_t cap)
{
	size_t len = 0, need = 0;
	ssize_t got;
	char *eoh, *cl;

	for (;;) {
		if (len == cap - 1)
			return -1;
		got = read(c, buf + len, cap - 1 - len);
		if (got <= 0)
			return -1;
		len += (size_t)got;
		buf[len] = '\0';
		if (!(eoh = strstr(buf, "\r\n\r\n")))
			continue;
		cl = strcasestr(buf, "\r\ncontent-length:");
		need = (size_t)(eoh - buf) + 4 +
		       (cl && cl < eoh ? strtoul(cl + 17, NULL, 10) : 0);
		if (len >= need)
			return (ssize_t)len;
	}
}

static void
log_request(int fd, const char *req, size_t n)
{
	if (write(fd, "<<<\n", 4) != 4 || write(fd, req, n) != (ssize_t)n ||
	    write(fd, "\n>>>\n", 5) != 5)
		_exit(3);
}

/* The double's whole life: serve steps in order, then exit. */
static void
serve(int ls, int logfd, const struct step *steps, size_t nsteps)
{
	static char req[256 * 1024];
	size_t i = 0;
	int c = -1;
	ssize_t n;

	while (i < nsteps) {
		if (c < 0 && (c = accept(ls, NULL, NULL)) < 0)
			_exit(2);
		n = read_request(c, req, sizeof(req));
		if (n < 0) {	/* client closed: take the next connection */
			close(c);
			c = -1;
			continue;
		}
		log_request(logfd, req, (size_t)n);
		if (steps[i].act == STALL)	/* until the client gives up */
			while (read(c, req, sizeof(req)) > 0)
				;
		if (steps[i].act == REPLY &&
		    write(c, steps[i].raw, strlen(steps[i].raw)) < 0)
			_exit(4);
		if (steps[i].act != REPLY) {
			close(c);
			c = -1;
		}
		i++;
	}
	_exit(0);
}

static void
dbl_start(struct dbl *d, const struct step *steps, size_t nsteps)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int ls = socket(AF_INET, SOCK_STREAM, 0), logfd;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(ls >= 0);
	assert_int_equal(bind(ls, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(ls, 16), 0);
	assert_int_equal(getsockname(ls, (struct sockaddr *)&a, &len), 0);
	d->port = ntohs(a.sin_port);
	snprintf(d->log, sizeof(d->log), "/tmp/hs-azdouble-XXXXXX");
	logfd = mkstemp(d->log);
	assert_true(logfd >= 0);
	d->pid = fork();
	assert_true(d->pid >= 0);
	if (d->pid == 0)
		serve(ls, logfd, steps, nsteps);
	close(ls);
	close(logfd);
}

/* Stops the double; returns what it logged (caller frees). */
static char *
dbl_stop(struct dbl *d)
{
	FILE *f;
	char *s = calloc(1, 1 << 20);
	size_t n;

	kill(d->pid, SIGTERM);
	waitpid(d->pid, NULL, 0);
	f = fopen(d->log, "r");
	assert_non_null(f);
	n = fread(s, 1, (1 << 20) - 1, f);
	s[n] = '\0';
	fclose(f);
	unlink(d->log);
	return s;
}

static struct hs_azq *
open_at(const struct dbl *d, const char *auth, long timeout_ms)
{
	struct hs_azq_opts o;
	struct hs_azq *q = NULL;
	char cs[512], why[HS_AZQ_WHY_LEN];

	hs_azq_opts_default(&o);
	o.max_in_flight = 1;	/* one connection: the script's order */
	o.timeout_ms = timeout_ms;
	snprintf(cs, sizeof(cs), "%s;QueueEndpoint=http://127.0.0.1:%d/"
	         "devstoreaccount1", auth, d->port);
	if (hs_azq_open(&q, cs, &o, why, sizeof(why)) != HS_OK)
		fail_msg("open: %s", why);
	return q;
}

static void
put_on_the_wire_is_the_signed_vector_request(void **state)
{
	const struct step s[] = { { REPLY, R201_PUT } };
	struct hs_azq_msg m = { "hello hookspool", 15 };
	struct hs_azq_result r;
	struct hs_azq *q;
	struct dbl d;
	char *log;

	dbl_start(&d, s, 1);
	q = open_at(&d, "UseDevelopmentStorage=true", 5000);
	assert_int_equal(hs_azq_put(q, "testvector-q", &m, DATE_MS, &r), HS_OK);
	assert_string_equal(r.message_id, "m-1");
	hs_azq_close(q);
	log = dbl_stop(&d);
	assert_non_null(strstr(log, "<<<\nPOST /devstoreaccount1/testvector-q/"
	    "messages?visibilitytimeout=0&messagettl=604800 HTTP/1.1\r\n"));
	assert_non_null(strstr(log, "\r\nx-ms-date: Fri, 01 May 2026 12:00:00 "
	                       "GMT\r\n"));
	assert_non_null(strstr(log, "\r\nx-ms-version: 2025-11-05\r\n"));
	assert_non_null(strstr(log, "\r\nContent-Type: application/xml\r\n"));
	assert_null(strcasestr(log, "x-www-form-urlencoded"));
	assert_null(strcasestr(log, "\r\nExpect:"));
	assert_non_null(strstr(log, "\r\nContent-Length: 76\r\n"));
	assert_non_null(strstr(log, "\r\nAuthorization: SharedKey devstoreaccount1"
	    ":BJHI4ZcyHmNzQz29r+uo9AWIyaDCrSlOY83kclDoLUk=\r\n"));
	assert_non_null(strstr(log, "\r\n\r\n<QueueMessage><MessageText>"
	    "aGVsbG8gaG9va3Nwb29s</MessageText></QueueMessage>\n>>>\n"));
	free(log);
}

static void
create_queue_on_the_wire_has_empty_body_and_no_content_type(void **state)
{
	char buf[512];
	const struct step s[] = {
		{ REPLY, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n" },
		{ REPLY, err_reply(buf, sizeof(buf), 409, "QueueAlreadyExists",
		                   "") },
	};
	struct hs_azq_result r;
	struct hs_azq *q;
	struct dbl d;
	char *log;

	dbl_start(&d, s, 2);
	q = open_at(&d, "UseDevelopmentStorage=true", 5000);
	assert_int_equal(hs_azq_create_queue(q, "testvector-q", DATE_MS, &r),
	                 HS_OK);
	assert_int_equal(hs_azq_create_queue(q, "testvector-q", DATE_MS, &r),
	                 HS_OK);	/* 409 QueueAlreadyExists: done */
	assert_int_equal(r.status, 409);
	hs_azq_close(q);
	log = dbl_stop(&d);
	assert_non_null(strstr(log, "<<<\nPUT /devstoreaccount1/testvector-q "
	                       "HTTP/1.1\r\n"));
	assert_non_null(strstr(log, "\r\nContent-Length: 0\r\n"));
	assert_null(strcasestr(log, "Content-Type"));
	assert_non_null(strstr(log, "\r\nAuthorization: SharedKey devstoreaccount1"
	    ":Zk4xBrYKlSAID0rPgGSh6U+kp8IXTI2bspSHUGYFUJA=\r\n"));
	free(log);
}

static void
sas_mode_appends_the_token_and_sends_no_authorization(void **state)
{
	const struct step s[] = { { REPLY, R201_PUT } };
	struct hs_azq_msg m = { "{}", 2 };
	struct hs_azq_result r;
	struct hs_azq *q;
	struct dbl d;
	char *log;

	dbl_start(&d, s, 1);
	q = open_at(&d, "SharedAccessSignature=sv=2025-11-05&sp=a&sig=x%2By", 5000);
	assert_int_equal(hs_azq_put(q, "q1", &m, DATE_MS, &r), HS_EINVAL);
	assert_int_equal(hs_azq_put(q, "q-1", &m, DATE_MS, &r), HS_OK);
	hs_azq_close(q);
	log = dbl_stop(&d);
	assert_non_null(strstr(log, "POST /devstoreaccount1/q-1/messages?"
	    "visibilitytimeout=0&messagettl=604800&sv=2025-11-05&sp=a&sig=x%2By "
	    "HTTP/1.1\r\n"));
	assert_null(strcasestr(log, "Authorization"));
	free(log);
}

static void
each_message_of_a_batch_gets_its_own_outcome(void **state)
{
	char b1[512], b2[512], b3[512], b4[512];
	const struct step s[] = {
		{ REPLY, R201_PUT },
		{ REPLY, err_reply(b1, sizeof(b1), 503, "ServerBusy",
		                   "Retry-After: 3\r\n") },
		{ REPLY, err_reply(b2, sizeof(b2), 500, "OperationTimedOut", "") },
		{ REPLY, err_reply(b3, sizeof(b3), 400, "InvalidXmlDocument", "") },
		{ REPLY, err_reply(b4, sizeof(b4), 404, "QueueNotFound", "") },
		{ REPLY, "HTTP/1.1 413 Too Large\r\nx-ms-error-code: "
		         "RequestBodyTooLarge\r\nContent-Length: 0\r\n\r\n" },
	};
	const enum hs_azq_outcome want[] = {
		HS_AZQ_DONE, HS_AZQ_RETRY, HS_AZQ_RETRY, HS_AZQ_PERMANENT,
		HS_AZQ_NO_QUEUE, HS_AZQ_PERMANENT,
	};
	struct hs_azq_msg m[6];
	struct hs_azq_result r[6];
	struct hs_azq *q;
	struct dbl d;
	size_t i;

	for (i = 0; i < 6; i++)
		m[i] = (struct hs_azq_msg){ "{}", 2 };
	dbl_start(&d, s, 6);
	q = open_at(&d, "UseDevelopmentStorage=true", 5000);
	assert_int_equal(hs_azq_put_batch(q, "q1-x", m, 6, DATE_MS, r), HS_OK);
	for (i = 0; i < 6; i++)
		if (r[i].outcome != want[i])
			fail_msg("message %zu: %s, want %s", i,
			         hs_azq_outcome_str(r[i].outcome),
			         hs_azq_outcome_str(want[i]));
	assert_int_equal(r[1].retry_after_ms, 3000);
	assert_string_equal(r[1].code, "ServerBusy");
	assert_string_equal(r[1].reason, "about ServerBusy");
	assert_int_equal(r[2].retry_after_ms, -1);
	assert_string_equal(r[5].code, "RequestBodyTooLarge");
	hs_azq_close(q);
	free(dbl_stop(&d));
}

static void
a_dropped_connection_is_retried_and_the_next_one_reconnects(void **state)
{
	const struct step s[] = { { DROP, NULL }, { REPLY, R201_PUT } };
	struct hs_azq_msg m[2] = { { "{}", 2 }, { "[]", 2 } };
	struct hs_azq_result r[2];
	struct hs_azq *q;
	struct dbl d;

	dbl_start(&d, s, 2);
	q = open_at(&d, "UseDevelopmentStorage=true", 5000);
	assert_int_equal(hs_azq_put_batch(q, "q1-x", m, 2, DATE_MS, r), HS_OK);
	assert_int_equal(r[0].outcome, HS_AZQ_RETRY);
	assert_int_equal(r[0].status, 0);
	assert_string_equal(r[0].code, "ConnectionDropped");
	assert_int_equal(r[1].outcome, HS_AZQ_DONE);
	hs_azq_close(q);
	free(dbl_stop(&d));
}

static void
a_stalled_peer_times_out_as_retry(void **state)
{
	const struct step s[] = { { STALL, NULL } };
	struct hs_azq_msg m = { "{}", 2 };
	struct hs_azq_result r;
	struct hs_azq *q;
	struct dbl d;

	dbl_start(&d, s, 1);
	q = open_at(&d, "UseDevelopmentStorage=true", 300);
	assert_int_equal(hs_azq_put(q, "q1-x", &m, DATE_MS, &r), HS_ETIMEOUT);
	assert_int_equal(r.outcome, HS_AZQ_RETRY);
	assert_string_equal(r.code, "Timeout");
	hs_azq_close(q);
	free(dbl_stop(&d));
}

static void
bad_options_are_refused_with_a_reason(void **state)
{
	struct hs_azq_opts o;
	struct hs_azq *q = NULL;
	char why[HS_AZQ_WHY_LEN];

	hs_azq_opts_default(&o);
	o.max_in_flight = 65;
	assert_int_equal(hs_azq_open(&q, "UseDevelopmentStorage=true", &o, why,
	                             sizeof(why)), HS_EINVAL);
	assert_string_equal(why, "max in flight must be 1..64");
	hs_azq_opts_default(&o);
	o.message_ttl_s = 0;
	assert_int_equal(hs_azq_open(&q, "UseDevelopmentStorage=true", &o, why,
	                             sizeof(why)), HS_EINVAL);
	assert_int_equal(hs_azq_open(&q, "AccountName=x", NULL, why,
	                             sizeof(why)), HS_ECONFIG);
	assert_string_equal(why, "missing AccountKey or SharedAccessSignature");
	assert_null(q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(put_on_the_wire_is_the_signed_vector_request),
		cmocka_unit_test(create_queue_on_the_wire_has_empty_body_and_no_content_type),
		cmocka_unit_test(sas_mode_appends_the_token_and_sends_no_authorization),
		cmocka_unit_test(each_message_of_a_batch_gets_its_own_outcome),
		cmocka_unit_test(a_dropped_connection_is_retried_and_the_next_one_reconnects),
		cmocka_unit_test(a_stalled_peer_times_out_as_retry),
		cmocka_unit_test(bad_options_are_refused_with_a_reason),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
