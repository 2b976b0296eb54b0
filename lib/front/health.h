/*
 * front/health.h - GET /health and /webhook/health: spool reachability and
 * counts, for load balancers and uptime checks.
 */
#ifndef HS_FRONT_HEALTH_H
#define HS_FRONT_HEALTH_H

#include "front/app.h"

/* The front's own routes: /health and /webhook/health, NULL-path end. */
extern const struct hs_route hs_health_routes[];

void hs_handle_health(struct hs_app *app, const struct hs_route *rt,
                      struct hs_request *r, struct hs_response *rs);

#endif
