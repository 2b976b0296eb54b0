/*
 * front/serve.h - the thin adapter between the web server and the handler.
 *
 * The same binary runs as plain CGI (one request from the environment and
 * stdin, for shared hosting) and as FastCGI (a loop of requests on the
 * listening socket the server passed as fd 0).
 */
#ifndef HS_SERVE_H
#define HS_SERVE_H

#include "front/app.h"

/* 1 when started as plain CGI rather than by a FastCGI server. */
int hs_serve_is_cgi(void);
/* Serves until the server closes the socket or sends SIGTERM; exit code. */
int hs_serve(struct hs_app *app, const struct hs_route *routes);

#endif
