/*
 * front/serve.c - CGI and FastCGI front ends over hs_app_dispatch().
 *
 * SIGTERM is blocked while a request is handled, so a server stopping its
 * FastCGI processes never cuts a request between commit and answer; the
 * pending signal ends the process right after the answer is flushed and
 * the request's deferred deliveries are attempted.
 *
 * Those deliveries (front/app.h, hs_app_after_answer) run only once the
 * client has its whole answer: FastCGI from a worker process after
 * FCGX_Finish_r (front/after.c says why); plain CGI
 * after stdout is flushed and fds 0 and 1 point at /dev/null, since the
 * server ends the response when the script's output pipe (Apache's
 * mod_cgid: the socket that is both stdin and stdout) is closed, not when
 * the process exits. stderr stays: it is the server's error log, and
 * Apache keeps reading it while the process lives. But as the answer ends
 * Apache's mod_cgid sends the CGI SIGTERM, and SIGKILL 3 s later (its
 * worker, and a keep-alive connection's next request, wait meanwhile;
 * lighttpd sends SIGTERM only): so a CGI blocks SIGTERM for the work and
 * gives it at most CGI_AFTER_MAX_MS, leaving a request to the peer that
 * started just before the end the time to finish and be recorded.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "front/after.h"
#include "front/serve.h"
#include "core/banned.h"

extern char **environ;

/* CGI's stdin, counting what the handler consumed. */
struct cgi_in {
	FILE *f;
	size_t consumed;
};

#define CGI_DRAIN_MAX (8L * 1024 * 1024)
#define CGI_AFTER_MAX_MS 2000

static long
stdin_read(void *ctx, char *buf, size_t n)
{
	struct cgi_in *in = ctx;
	size_t got = fread(buf, 1, n, in->f);

	in->consumed += got;
	return got ? (long)got : (ferror(in->f) ? -1 : 0);
}

/*
 * A CGI program that exits with its body unread makes Apache's cgid see a
 * reset socket and cut the answer off; so the unread rest (bounded) is
 * read and dropped before the answer is written.
 */
static void
drain_stdin(struct cgi_in *in, const struct hs_request *r)
{
	long long length = r->content_length;
	char buf[16384];
	size_t want;

	/* A chunked upload has no length: its body ends at EOF. */
	if (length < 0 && hs_request_param(r, "HTTP_TRANSFER_ENCODING"))
		length = CGI_DRAIN_MAX;
	while (length > 0 && (long long)in->consumed < length &&
	    in->consumed < CGI_DRAIN_MAX) {
		want = (size_t)(length - (long long)in->consumed);
		if (want > sizeof(buf))
			want = sizeof(buf);
		if (stdin_read(in, buf, want) <= 0)
			break;
	}
}

static int
stdout_write(void *ctx, const char *data, size_t n)
{
	return fwrite(data, 1, n, (FILE *)ctx) == n ? 0 : -1;
}

static long
fcgi_read(void *ctx, char *buf, size_t n)
{
	int want = n > 65536 ? 65536 : (int)n;

	return FCGX_GetStr(buf, want, (FCGX_Stream *)ctx);
}

static int
fcgi_write(void *ctx, const char *data, size_t n)
{
	return FCGX_PutStr(data, (int)n, (FCGX_Stream *)ctx) == (int)n ?
	    0 : -1;
}

static void
handle(struct hs_app *app, const struct hs_route *routes, char **envp,
       hs_body_reader rd, void *rctx, hs_writer wr, void *wctx,
       struct cgi_in *cgi)
{
	struct hs_request r;
	struct hs_response rs;

	app->ndeferred = 0;
	hs_response_init(&rs);
	if (hs_request_init(&r, envp, rd, rctx) == HS_OK)
		hs_app_dispatch(app, routes, &r, &rs);
	else
		hs_response_error(&rs, 500, "internal error", "out of memory");
	if (cgi)
		drain_stdin(cgi, &r);
	hs_response_write(&rs, r.method ? r.method : "GET", wr, wctx);
	hs_request_release(&r);
	hs_response_release(&rs);
}

int
hs_serve_is_cgi(void)
{
	return FCGX_IsCGI();
}

/* Points fds 0 and 1 at /dev/null; -1 if it could not. */
static int
null_stdio(void)
{
	int fd = open("/dev/null", O_RDWR), rc = 0;

	if (fd < 0)
		return -1;
	if (dup2(fd, STDIN_FILENO) < 0 || dup2(fd, STDOUT_FILENO) < 0)
		rc = -1;
	if (fd > STDOUT_FILENO)
		close(fd);
	return rc;
}

/*
 * FastCGI: the request's deferred deliveries go to the forker
 * (front/after.h), so this process is back at accept() at once; if the
 * forker cannot take them, this process does the work itself.
 */
static void
after_answer_fcgi(struct hs_app *app, int after_fd)
{
	if (!app->ndeferred)
		return;
	if (hs_after_hand_over(after_fd, app->deferred, app->ndeferred) == 0)
		app->ndeferred = 0;
	else
		hs_app_after_answer(app, -1);
}

static int
serve_fcgi(struct hs_app *app, const struct hs_route *routes)
{
	FCGX_Request req;
	sigset_t term, old;
	int after_fd;

	if (FCGX_Init() != 0 || FCGX_InitRequest(&req, 0, 0) != 0)
		return 111;
	/* Before the spool is ever opened: see front/after.c. */
	after_fd = hs_after_start(app->cfg);
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	while (FCGX_Accept_r(&req) >= 0) {
		sigprocmask(SIG_BLOCK, &term, &old);
		handle(app, routes, req.envp, fcgi_read, req.in, fcgi_write,
		    req.out, NULL);
		FCGX_Finish_r(&req);
		after_answer_fcgi(app, after_fd);
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
	FCGX_Free(&req, 1);
	return 0;
}

/*
 * Ends a CGI answer for the server: what stdout holds is written, and the
 * pipe or socket behind fds 0 and 1 is closed by pointing both at
 * /dev/null. -1 when it could not be (the work after it must not run).
 */
static int
cgi_detach(void)
{
	int rc = fflush(stdout) != 0 ? -1 : 0;

	return null_stdio() == 0 ? rc : -1;
}

int
hs_serve(struct hs_app *app, const struct hs_route *routes)
{
	struct cgi_in in = { stdin, 0 };
	sigset_t term;

	signal(SIGPIPE, SIG_IGN);
	if (!hs_serve_is_cgi())
		return serve_fcgi(app, routes);
	handle(app, routes, environ, stdin_read, &in, stdout_write, stdout,
	    &in);
	if (!app->ndeferred) {
		fflush(stdout);
		return 0;
	}
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, NULL);
	if (cgi_detach() == 0)
		hs_app_after_answer(app, CGI_AFTER_MAX_MS);
	return 0;	/* a SIGTERM that came meanwhile stays pending: exit */
}
