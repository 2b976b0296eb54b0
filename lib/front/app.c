/*
 * front/app.c - configuration and spool lifetime, routing, the request log line.
 *
 * The configuration is read, and its problems logged, by the program's
 * bootstrap (program/bootstrap.c); the app keeps it for the process's life.
 */
#include <stdio.h>
#include <string.h>

#include "front/app.h"
#include "core/caps.h"
#include "core/log.h"
#include "core/timefmt.h"
#include "core/config.h"
#include "sync/immediate.h"
#include "core/banned.h"

/* The HTTP front's settings. */
const struct hs_conf_key hs_front_keys[] = {
	{ "ROOT_PATH", HS_CONF_STR, "", 0, 0,
	  "prefix of every path, e.g. /api/webhook (empty: none)" },
	{ "MAX_BODY_BYTES", HS_CONF_INT, "1048576", 1, HS_MAX_BODY_HARD,
	  "largest accepted request body; larger gets 413" },
	{ "TRUST_FORWARDED_FOR", HS_CONF_BOOL, "false", 0, 0,
	  "take the client IP from X-Forwarded-For (only behind a proxy)" },
	{ NULL, HS_CONF_STR, NULL, 0, 0, NULL }
};

void
hs_app_init(struct hs_app *app, struct hs_config *cfg)
{
	memset(app, 0, sizeof(*app));
	app->cfg = cfg;
}

void
hs_app_release(struct hs_app *app)
{
	hs_spool_close(app->sp);
	hs_config_free(app->cfg);
	memset(app, 0, sizeof(*app));
}

void
hs_app_defer(struct hs_app *app, int64_t event_id)
{
	if (app->ndeferred == 0 && !hs_sync_immediate_wanted(app->cfg))
		return;		/* nothing would be sent: cron does it all */
	if (app->ndeferred < HS_MAX_DEFERRED)
		app->deferred[app->ndeferred++] = event_id;
}

void
hs_app_after_answer(struct hs_app *app, long max_ms)
{
	struct hs_spool *sp;

	/* Open: the events were committed through it. */
	if (app->ndeferred && (sp = hs_app_spool(app)) != NULL)
		hs_sync_immediate_max(sp, app->cfg, app->deferred,
		    app->ndeferred, max_ms);
	app->ndeferred = 0;
}

struct hs_spool *
hs_app_spool(struct hs_app *app)
{
	struct hs_spool_opts o;
	enum hs_err rc;

	if (app->sp)
		return app->sp;
	hs_spool_opts_from_config(&o, app->cfg);
	rc = hs_spool_open(&app->sp, &o, app->spool_err,
	    sizeof(app->spool_err));
	app->spool_rc = rc;
	if (rc != HS_OK)
		hs_log_msg(HS_LOG_ERROR, "spool", app->spool_err);
	return app->sp;
}

void
hs_app_spool_failed(struct hs_app *app, enum hs_err rc)
{
	if (rc == HS_OK)
		return;
	if (rc == HS_EBUSY) {
		/* Contention is not a broken handle: keep it, say what waited. */
		char msg[600];

		snprintf(msg, sizeof(msg), "the writer lock '%s.lock' stayed "
		    "held by other writers past SPOOL_BUSY_TIMEOUT_MS (%ld ms)",
		    app->sp ? hs_spool_path(app->sp) : "?",
		    hs_config_int(app->cfg, "SPOOL_BUSY_TIMEOUT_MS"));
		hs_log_msg(HS_LOG_WARN, "spool", msg);
		return;
	}
	snprintf(app->spool_err, sizeof(app->spool_err),
	    "spool '%s': %s (%s)", app->sp ? hs_spool_path(app->sp) : "?",
	    hs_err_str(rc), hs_spool_errmsg(app->sp));
	hs_log_msg(HS_LOG_ERROR, "spool", app->spool_err);
	hs_spool_close(app->sp);
	app->sp = NULL;
}

void
hs_app_spool_error(struct hs_app *app, struct hs_response *rs,
                   enum hs_err rc)
{
	char ra[16];
	const char *detail;

	snprintf(ra, sizeof(ra), "%d", HS_RETRY_AFTER_BUSY_S);
	if (hs_response_header(rs, "Retry-After", ra) != HS_OK)
		rs->status = 503;
	switch (rc) {
	case HS_EBUSY:
		detail = "the spool is locked by another writer; retry shortly";
		break;
	case HS_EFULL:
		detail = "the spool's disk is full";
		break;
	case HS_EROFS:
		detail = "the spool is read-only or not writable";
		break;
	default:
		detail = "the spool cannot be opened or written; see the "
		    "server log";
		break;
	}
	(void)app;
	hs_response_error(rs, 503, "spool unavailable", detail);
}

/* Strips ROOT_PATH; NULL when the path is not below it. */
static const char *
below_root(const struct hs_app *app, const char *path)
{
	const char *root = hs_config_get(app->cfg, "ROOT_PATH");
	size_t n = root ? strlen(root) : 0;

	while (n && root[n - 1] == '/')
		n--;
	if (!n)
		return path;
	if (strncmp(path, root, n) || (path[n] != '/' && path[n] != '\0'))
		return NULL;
	return path + n;
}

static int
route_matches(const struct hs_app *app, const struct hs_route *rt,
              const char *path)
{
	const char *prefix = rt->prefix_key ?
	    hs_config_get(app->cfg, rt->prefix_key) : "";
	size_t n = prefix ? strlen(prefix) : 0;

	while (n && prefix[n - 1] == '/')
		n--;
	if (n && strncmp(path, prefix, n))
		return 0;
	return !strcmp(path + n, rt->path);
}

static int
method_allowed(const char *methods, const char *method)
{
	size_t n = strlen(method);
	const char *p;

	if (!n)
		return 0;
	for (p = strstr(methods, method); p; p = strstr(p + 1, method))
		if ((p == methods || p[-1] == ' ') &&
		    (p[n] == '\0' || p[n] == ','))
			return 1;
	return 0;
}

/*
 * The methods of every route at path, for Allow and the 405 detail: a
 * source may serve one path with two routes (a GET handshake beside its
 * POST), and the client must learn both.
 */
static void
allowed_methods(const struct hs_app *app, const struct hs_route *routes,
                const char *path, char *out, size_t n)
{
	const struct hs_route *rt;
	size_t len = 0;
	int w;

	out[0] = '\0';
	for (rt = routes; rt->path; rt++) {
		if (!route_matches(app, rt, path))
			continue;
		w = snprintf(out + len, n - len, "%s%s", len ? ", " : "",
		    rt->methods);
		if (w < 0 || (size_t)w >= n - len) {
			out[len] = '\0';	/* keep the methods that fit */
			break;
		}
		len += (size_t)w;
	}
}

static void
log_request(const struct hs_request *r, const struct hs_response *rs)
{
	struct hs_logline l;

	hs_log_begin(&l, rs->status >= 500 ? HS_LOG_ERROR : HS_LOG_INFO,
	    "request");
	hs_log_str(&l, "method", r->method);
	hs_log_str(&l, "path", r->path);
	hs_log_int(&l, "status", rs->status);
	hs_log_str(&l, "remote", r->remote_addr);
	hs_log_int(&l, "bytes", r->content_length < 0 ? 0 :
	    r->content_length);
	if (rs->source)
		hs_log_str(&l, "source", rs->source);
	if (rs->kind)
		hs_log_str(&l, "kind", rs->kind);
	if (rs->idem_key[0])
		hs_log_str(&l, "key", rs->idem_key);
	if (rs->event_id >= 0)
		hs_log_int(&l, "event_id", rs->event_id);
	if (rs->duplicate)
		hs_log_int(&l, "duplicate", 1);
	if (rs->error)
		hs_log_str(&l, "error", rs->error);
	hs_log_ms(&l, "ms", hs_mono_ms_f() - r->start_mono);
	hs_log_end(&l);
}

void
hs_app_dispatch(struct hs_app *app, const struct hs_route *routes,
                struct hs_request *r, struct hs_response *rs)
{
	const struct hs_route *rt, *path_match = NULL;
	const char *path = below_root(app, r->path);
	char allow[128];

	for (rt = routes; path && rt->path; rt++) {
		if (!route_matches(app, rt, path))
			continue;
		path_match = rt;
		if (method_allowed(rt->methods, r->method))
			break;
	}
	if (path && rt && rt->path) {
		rt->handle(app, rt, r, rs);
	} else if (path_match) {
		allowed_methods(app, routes, path, allow, sizeof(allow));
		if (hs_response_header(rs, "Allow", allow) != HS_OK)
			rs->status = 500;
		hs_response_errorf(rs, 405, "method not allowed",
		    "%s is not allowed here; use %s", r->method, allow);
	} else {
		hs_response_error(rs, 404, "not found",
		    "no webhook endpoint at this path");
	}
	log_request(r, rs);
}
