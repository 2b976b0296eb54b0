/*
 * front/app.h - what one handler process keeps between requests, and routing.
 *
 * A FastCGI process serves many requests: the configuration is read once
 * and the spool stays open (prepared statements cached). If the spool
 * cannot be opened, or fails with an I/O error, it is closed and opened
 * again on the next request, so a fixed disk heals without a restart.
 */
#ifndef HS_APP_H
#define HS_APP_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/err.h"
#include "front/request.h"
#include "front/response.h"
#include "spool/spool.h"

/* Events of one request whose deliveries may go out right after the
 * answer (one Meta POST batches several messages). */
#define HS_MAX_DEFERRED 64

struct hs_app {
	struct hs_config *cfg;
	struct hs_spool *sp;
	char spool_err[512];
	enum hs_err spool_rc;	/* why the last open failed */
	/* Events committed by the current request, to be offered to the
	 * immediate sinks once the answer has left (hs_app_defer). */
	int64_t deferred[HS_MAX_DEFERRED];
	size_t ndeferred;
};

struct hs_route;
typedef void (*hs_handler)(struct hs_app *app, const struct hs_route *rt,
                           struct hs_request *r, struct hs_response *rs);

struct hs_route {
	const char *prefix_key;	/* config key of a path prefix, or NULL */
	const char *path;	/* below ROOT_PATH and the prefix */
	const char *methods;	/* "POST", or "GET, HEAD" (also the Allow) */
	hs_handler handle;
	const void *arg;	/* e.g. the struct hs_source */
};

/*
 * Keeps cfg, read and reported by the program's bootstrap; the app owns
 * it from now on (hs_app_release frees it). The spool opens on first use.
 */
void hs_app_init(struct hs_app *app, struct hs_config *cfg);
void hs_app_release(struct hs_app *app);

/*
 * The open spool, opening it if needed; NULL with app->spool_err and
 * app->spool_rc set.
 */
struct hs_spool *hs_app_spool(struct hs_app *app);
/* Forgets the spool after an error that a reopen may cure. */
void hs_app_spool_failed(struct hs_app *app, enum hs_err rc);
/* Answers 503 + Retry-After for a spool failure rc. */
void hs_app_spool_error(struct hs_app *app, struct hs_response *rs,
                        enum hs_err rc);

/*
 * Finds the route for r among routes (terminated by a NULL path): the
 * first whose path and method match, and runs it; answers 404, or 405
 * with Allow naming the methods of every route at that path, itself. Then
 * logs the request line.
 */
void hs_app_dispatch(struct hs_app *app, const struct hs_route *routes,
                     struct hs_request *r, struct hs_response *rs);

/*
 * Notes an event just committed (not a duplicate) that has pending
 * deliveries: once the answer has left, the front end offers it to the
 * sinks marked immediate. Past HS_MAX_DEFERRED per request the rest wait
 * for cron, which is always the safety net.
 */
void hs_app_defer(struct hs_app *app, int64_t event_id);

/*
 * The front end calls this once the answer has left (FastCGI: after
 * FCGX_Finish_r; CGI: once stdout is closed): offers the deferred events
 * to the immediate sinks (sync/immediate.h), bounded by IMMEDIATE_MAX_MS
 * and by max_ms (< 0: no more), then forgets them.
 */
void hs_app_after_answer(struct hs_app *app, long max_ms);


/* This module's configuration keys (core/config.h). */
extern const struct hs_conf_key hs_front_keys[];

#endif
