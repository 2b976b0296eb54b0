/*
 * serve.c - CGI and FastCGI front ends over hs_app_dispatch().
 *
 * SIGTERM is blocked while a request is handled, so a server stopping its
 * FastCGI processes never cuts a request between commit and answer; the
 * pending signal ends the process right after the answer is flushed.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "serve.h"
#include "banned.h"

extern char **environ;

static long
stdin_read(void *ctx, char *buf, size_t n)
{
	size_t got = fread(buf, 1, n, (FILE *)ctx);

	return got ? (long)got : (ferror((FILE *)ctx) ? -1 : 0);
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
       hs_body_reader rd, void *rctx, hs_writer wr, void *wctx)
{
	struct hs_request r;
	struct hs_response rs;

	hs_response_init(&rs);
	if (hs_request_init(&r, envp, rd, rctx) == HS_OK)
		hs_app_dispatch(app, routes, &r, &rs);
	else
		hs_response_error(&rs, 500, "internal error", "out of memory");
	hs_response_write(&rs, r.method ? r.method : "GET", wr, wctx);
	hs_request_release(&r);
	hs_response_release(&rs);
}

int
hs_serve_is_cgi(void)
{
	return FCGX_IsCGI();
}

static int
serve_fcgi(struct hs_app *app, const struct hs_route *routes)
{
	FCGX_Request req;
	sigset_t term, old;

	if (FCGX_Init() != 0 || FCGX_InitRequest(&req, 0, 0) != 0)
		return 111;
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	while (FCGX_Accept_r(&req) >= 0) {
		sigprocmask(SIG_BLOCK, &term, &old);
		handle(app, routes, req.envp, fcgi_read, req.in, fcgi_write,
		    req.out);
		FCGX_Finish_r(&req);
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
	FCGX_Free(&req, 1);
	return 0;
}

int
hs_serve(struct hs_app *app, const struct hs_route *routes)
{
	signal(SIGPIPE, SIG_IGN);
	if (!hs_serve_is_cgi())
		return serve_fcgi(app, routes);
	handle(app, routes, environ, stdin_read, stdin, stdout_write, stdout);
	fflush(stdout);
	return 0;
}
