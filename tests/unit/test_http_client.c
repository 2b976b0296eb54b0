/*
 * test_http_client.c - the shared HTTP client (net/http_client.h) against
 * a real HTTP/1.1 server on a loopback port: a small one forked for each
 * test, which counts the connections it accepted and answers by path.
 * One connection serves consecutive requests; connect and total timeouts
 * end a request in bounded time; Retry-After comes back in seconds and
 * as a date; a body past the cap is refused; statuses come back as sent;
 * what was sent (method, headers, body) is what the server received; and
 * a failure's text never carries the URL's credentials or query.
 *
 *   /accepts       200, body: connections accepted so far
 *   /status/NNN    NNN, empty body
 *   /retry/secs    503 with Retry-After: 7
 *   /retry/date    429 with Retry-After: Fri, 01 May 2026 12:00:30 GMT
 *   /size/N        200, N bytes of 'x'
 *   /stall         never answers (the connection stays open)
 *   /echo          200, body: the request as received, head and body
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "core/timefmt.h"
#include "net/http_client.h"

#define NOW_MS	1777636800000LL	/* Fri, 01 May 2026 12:00:00 GMT */
#define CONNS	16
#define REQ_MAX	16384

static const char *const json[] = {
	"Content-Type: application/json", "Authorization: Bearer t0k", NULL
};

/* The server: child side ------------------------------------------------ */

struct conn {
	int fd;
	int stalled;
	size_t len;
	char buf[REQ_MAX];
};

static void
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void
answer(int fd, int status, const char *extra, const char *body, size_t n)
{
	char head[512];
	int hl = snprintf(head, sizeof(head), "HTTP/1.1 %d Whatever\r\n"
	                  "Content-Length: %zu\r\n%s\r\n", status, n, extra);

	write_all(fd, head, (size_t)hl);
	write_all(fd, body, n);
}

/* Content-Length of the head c->buf[0..head), 0 if none. */
static size_t
content_length(const struct conn *c, size_t head)
{
	const char *p = c->buf, *end = c->buf + head, *nl;

	while (p < end) {
		if (strncasecmp(p, "content-length:", 15) == 0)
			return (size_t)strtoul(p + 15, NULL, 10);
		if (!(nl = memchr(p, '\n', (size_t)(end - p))))
			break;
		p = nl + 1;
	}
	return 0;
}

/* Answers one request of n bytes at c->buf; the path picks how. */
static void
respond(struct conn *c, size_t n, int accepts)
{
	char path[256] = "", text[32];
	char *big;
	size_t size;

	sscanf(c->buf, "%*15s %255s", path);
	if (strcmp(path, "/accepts") == 0) {
		snprintf(text, sizeof(text), "%d", accepts);
		answer(c->fd, 200, "", text, strlen(text));
	} else if (strncmp(path, "/status/", 8) == 0)
		answer(c->fd, (int)strtol(path + 8, NULL, 10), "", "", 0);
	else if (strcmp(path, "/retry/secs") == 0)
		answer(c->fd, 503, "Retry-After: 7\r\n", "", 0);
	else if (strcmp(path, "/retry/date") == 0)
		answer(c->fd, 429, "Retry-After: Fri, 01 May 2026 12:00:30 "
		       "GMT\r\n", "", 0);
	else if (strncmp(path, "/size/", 6) == 0) {
		size = (size_t)strtoul(path + 6, NULL, 10);
		if ((big = malloc(size + 1)) != NULL) {
			memset(big, 'x', size);
			answer(c->fd, 200, "", big, size);
			free(big);
		}
	} else if (strcmp(path, "/stall") == 0)
		c->stalled = 1;
	else if (strcmp(path, "/echo") == 0)
		answer(c->fd, 200, "", c->buf, n);
	else
		answer(c->fd, 404, "", "", 0);
}

/* Reads what c's peer sent; answers every whole request in it. 0: gone. */
static int
serve_conn(struct conn *c, int accepts)
{
	ssize_t r = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len - 1);
	char *end;
	size_t head, n;

	if (r <= 0)
		return 0;
	c->len += (size_t)r;
	c->buf[c->len] = '\0';
	while (!c->stalled && (end = strstr(c->buf, "\r\n\r\n")) != NULL) {
		head = (size_t)(end - c->buf) + 4;
		n = head + content_length(c, head);
		if (n > c->len)
			break;
		respond(c, n, accepts);
		memmove(c->buf, c->buf + n, c->len - n + 1);
		c->len -= n;
	}
	return c->len < sizeof(c->buf) - 1;
}

static void __attribute__((noreturn))
serve(int lfd)
{
	struct pollfd p[CONNS + 1];
	static struct conn c[CONNS];
	int i, accepts = 0, fd;

	prctl(PR_SET_PDEATHSIG, SIGKILL);	/* never outlive the test */
	alarm(120);
	for (i = 0; i < CONNS; i++)
		c[i].fd = -1;
	for (;;) {
		p[0].fd = lfd;
		p[0].events = POLLIN;
		for (i = 0; i < CONNS; i++) {
			p[i + 1].fd = c[i].fd;
			p[i + 1].events = POLLIN;
		}
		if (poll(p, CONNS + 1, -1) < 0)
			continue;
		for (i = 0; i < CONNS; i++) {
			if (c[i].fd < 0 || !(p[i + 1].revents &
			    (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (!serve_conn(&c[i], accepts)) {
				close(c[i].fd);
				c[i].fd = -1;
			}
		}
		if (!(p[0].revents & POLLIN) || (fd = accept(lfd, NULL,
		    NULL)) < 0)
			continue;
		accepts++;
		for (i = 0; i < CONNS && c[i].fd >= 0; i++)
			;
		if (i == CONNS) {
			close(fd);
			continue;
		}
		memset(&c[i], 0, sizeof(c[i]));
		c[i].fd = fd;
	}
}

/* The server: test side ------------------------------------------------- */

static struct {
	pid_t pid;
	int port;
} S;

/* A socket bound to a free loopback port; its port in *port. */
static int
bound_socket(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*port = ntohs(a.sin_port);
	return fd;
}

/* Listening before the fork: the first request never races the child. */
static int
server_up(void **state)
{
	int lfd = bound_socket(&S.port);

	if (lfd < 0 || listen(lfd, 16) != 0)
		return -1;
	S.pid = fork();
	if (S.pid == 0)
		serve(lfd);
	close(lfd);
	return S.pid > 0 ? 0 : -1;
}

static int
server_down(void **state)
{
	kill(S.pid, SIGKILL);
	waitpid(S.pid, NULL, 0);
	return 0;
}

/* Helpers --------------------------------------------------------------- */

static struct hs_http *
client(long connect_ms, long total_ms, size_t body_max)
{
	const struct hs_http_opts o = {
		.connect_timeout_ms = connect_ms, .timeout_ms = total_ms,
		.body_max = body_max,
	};
	struct hs_http *h;

	assert_int_equal(hs_http_new(&h, &o), HS_OK);
	return h;
}

static char url_buf[256];

static const char *
url(const char *path)
{
	snprintf(url_buf, sizeof(url_buf), "http://127.0.0.1:%d%s", S.port,
	         path);
	return url_buf;
}

static enum hs_err
get(struct hs_http *h, const char *path, struct hs_http_resp *r)
{
	const struct hs_http_req rq = { .method = "GET", .url = url(path) };

	return hs_http_send(h, &rq, NOW_MS, r);
}

/* Tests ----------------------------------------------------------------- */

static void
consecutive_requests_share_one_connection(void **state)
{
	struct hs_http *a = client(2000, 5000, 1024), *b;
	struct hs_http_resp r;

	assert_int_equal(get(a, "/accepts", &r), HS_OK);
	assert_string_equal(r.body, "1");
	assert_int_equal(r.new_connections, 1);
	assert_int_equal(get(a, "/accepts", &r), HS_OK);
	assert_string_equal(r.body, "1");
	assert_int_equal(r.new_connections, 0);
	/* Another client is another connection. */
	b = client(2000, 5000, 1024);
	assert_int_equal(get(b, "/accepts", &r), HS_OK);
	assert_string_equal(r.body, "2");
	hs_http_free(b);
	hs_http_free(a);
}

static void
a_json_post_arrives_with_its_headers_and_body(void **state)
{
	struct hs_http *h = client(2000, 5000, 4096);
	const char *body = "{\"a\":1}";
	struct hs_http_req rq = {
		.method = "POST", .url = url("/echo"), .headers = json,
		.body = body, .body_len = strlen(body),
	};
	struct hs_http_resp r;

	assert_int_equal(hs_http_send(h, &rq, NOW_MS, &r), HS_OK);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "POST /echo HTTP/1.1\r\n"));
	assert_non_null(strstr(r.body, "\r\nAuthorization: Bearer t0k\r\n"));
	assert_non_null(strstr(r.body, "\r\nContent-Type: application/json"
	                       "\r\n"));
	assert_non_null(strstr(r.body, "\r\nContent-Length: 7\r\n"));
	assert_null(strcasestr(r.body, "Expect:"));
	assert_int_equal(r.body_len, strlen(r.body));
	assert_string_equal(r.body + r.body_len - 7, body);

	/* A GET on the same client carries no body of the POST before. */
	rq.method = "GET";
	rq.body = NULL;
	rq.body_len = 0;
	assert_int_equal(hs_http_send(h, &rq, NOW_MS, &r), HS_OK);
	assert_non_null(strstr(r.body, "GET /echo HTTP/1.1\r\n"));
	assert_null(strcasestr(r.body, "Content-Length"));
	assert_non_null(strstr(r.body, "Bearer t0k"));

	rq.method = "PUT";
	rq.body = body;
	rq.body_len = strlen(body);
	assert_int_equal(hs_http_send(h, &rq, NOW_MS, &r), HS_OK);
	assert_non_null(strstr(r.body, "PUT /echo HTTP/1.1\r\n"));
	assert_string_equal(r.body + r.body_len - 7, body);
	assert_int_equal(r.new_connections, 0);
	hs_http_free(h);
}

static void
statuses_come_back_as_sent(void **state)
{
	static const int want[] = { 200, 201, 204, 400, 404, 500, 502 };
	struct hs_http *h = client(2000, 5000, 1024);
	struct hs_http_resp r;
	char path[32];
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		snprintf(path, sizeof(path), "/status/%d", want[i]);
		assert_int_equal(get(h, path, &r), HS_OK);
		assert_int_equal(r.status, want[i]);
		assert_int_equal(r.body_len, 0);
		assert_string_equal(r.body, "");
		assert_string_equal(r.error, "");
		assert_int_equal(r.retry_after_ms, -1);
		assert_string_equal(r.retry_after, "");
	}
	hs_http_free(h);
}

static void
retry_after_in_seconds_and_as_a_date(void **state)
{
	struct hs_http *h = client(2000, 5000, 1024);
	struct hs_http_resp r;

	assert_int_equal(get(h, "/retry/secs", &r), HS_OK);
	assert_int_equal(r.status, 503);
	assert_string_equal(r.retry_after, "7");
	assert_int_equal(r.retry_after_ms, 7000);
	assert_int_equal(get(h, "/retry/date", &r), HS_OK);
	assert_int_equal(r.status, 429);
	assert_string_equal(r.retry_after, "Fri, 01 May 2026 12:00:30 GMT");
	assert_int_equal(r.retry_after_ms, 30000);
	/* The next answer has none: nothing is carried over. */
	assert_int_equal(get(h, "/status/200", &r), HS_OK);
	assert_int_equal(r.retry_after_ms, -1);
	assert_string_equal(r.retry_after, "");
	hs_http_free(h);
}

static void
a_body_past_the_cap_is_refused_and_the_client_goes_on(void **state)
{
	struct hs_http *h = client(2000, 5000, 1000);
	struct hs_http_resp r;

	assert_int_equal(get(h, "/size/1000", &r), HS_OK);
	assert_int_equal(r.body_len, 1000);
	assert_int_equal(get(h, "/size/1001", &r), HS_ETOOBIG);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.body_len, 0);
	assert_string_equal(r.error, "answer larger than 1000 bytes");
	assert_int_equal(get(h, "/size/4000000", &r), HS_ETOOBIG);
	assert_int_equal(get(h, "/size/10", &r), HS_OK);
	assert_string_equal(r.body, "xxxxxxxxxx");
	hs_http_free(h);
}

static void
a_stalled_answer_ends_at_the_total_timeout(void **state)
{
	struct hs_http *h = client(2000, 300, 1024);
	struct hs_http_resp r;
	int64_t t0 = hs_mono_ms(), ms;

	assert_int_equal(get(h, "/stall", &r), HS_ETIMEOUT);
	ms = hs_mono_ms() - t0;
	assert_true(ms >= 250);
	assert_true(ms < 5000);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.error, "Timeout"));
	/* The stalled connection is dropped; the next request works. */
	assert_int_equal(get(h, "/accepts", &r), HS_OK);
	assert_string_equal(r.body, "2");
	hs_http_free(h);
}

/*
 * A listener whose accept queue is full drops further SYNs, so a connect
 * to it neither succeeds nor fails until the connect timeout.
 */
static void
an_unanswered_connect_ends_at_the_connect_timeout(void **state)
{
	struct hs_http *h = client(300, 5000, 1024);
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct hs_http_resp r;
	int lfd, port, fill[4], i;
	int64_t t0, ms;

	lfd = bound_socket(&port);
	assert_true(lfd >= 0);
	assert_int_equal(listen(lfd, 0), 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	for (i = 0; i < 4; i++) {
		fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		connect(fill[i], (struct sockaddr *)&a, sizeof(a));
	}
	snprintf(url_buf, sizeof(url_buf), "http://127.0.0.1:%d/", port);
	t0 = hs_mono_ms();
	assert_int_equal(hs_http_send(h, &(struct hs_http_req){
	    .method = "GET", .url = url_buf }, NOW_MS, &r), HS_ETIMEOUT);
	ms = hs_mono_ms() - t0;
	assert_true(ms >= 250);
	assert_true(ms < 4000);	/* the connect timeout, not the total */
	assert_int_equal(r.status, 0);
	for (i = 0; i < 4; i++)
		close(fill[i]);
	close(lfd);
	hs_http_free(h);
}

static void
a_refused_connection_is_reported_without_secrets(void **state)
{
	struct hs_http *h = client(2000, 5000, 1024);
	struct hs_http_resp r;
	int port, fd = bound_socket(&port);

	assert_true(fd >= 0);
	close(fd);	/* nothing listens there now */
	snprintf(url_buf, sizeof(url_buf),
	         "http://bot:s3cret@127.0.0.1:%d/x?sig=t0ken", port);
	assert_int_equal(hs_http_send(h, &(struct hs_http_req){
	    .method = "GET", .url = url_buf }, NOW_MS, &r), HS_EIO);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.error, "Couldn't connect"));
	assert_null(strstr(r.error, "s3cret"));
	assert_null(strstr(r.error, "t0ken"));
	assert_null(strchr(r.error, '\n'));
	hs_http_free(h);
}

static void
a_header_that_would_inject_another_is_refused_unsent(void **state)
{
	static const char *const bad[] = {
		"Authorization: Bearer x\r\nX-Injected: 1", NULL
	};
	struct hs_http *h = client(2000, 5000, 1024);
	struct hs_http_resp r;
	struct hs_http_req rq = {
		.method = "GET", .url = url("/echo"), .headers = bad,
	};

	assert_int_equal(hs_http_send(h, &rq, NOW_MS, &r), HS_EINVAL);
	rq.headers = NULL;
	rq.method = "get";
	assert_int_equal(hs_http_send(h, &rq, NOW_MS, &r), HS_EINVAL);
	assert_int_equal(r.status, 0);
	/* Nothing reached the server. */
	assert_int_equal(get(h, "/accepts", &r), HS_OK);
	assert_string_equal(r.body, "1");
	hs_http_free(h);
}

#define T(f) cmocka_unit_test_setup_teardown(f, server_up, server_down)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(consecutive_requests_share_one_connection),
		T(a_json_post_arrives_with_its_headers_and_body),
		T(statuses_come_back_as_sent),
		T(retry_after_in_seconds_and_as_a_date),
		T(a_body_past_the_cap_is_refused_and_the_client_goes_on),
		T(a_stalled_answer_ends_at_the_total_timeout),
		cmocka_unit_test(
		    an_unanswered_connect_ends_at_the_connect_timeout),
		cmocka_unit_test(
		    a_refused_connection_is_reported_without_secrets),
		T(a_header_that_would_inject_another_is_refused_unsent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
