/*
 * sync/routes.h - which sinks an event of a given source and kind goes to.
 *
 * ROUTES in the configuration is "source/kind:sink,sink;..." ("*" matches
 * any source or kind; every matching entry adds its sinks). Without it,
 * the seed's routing applies: seed 000 wrote every ManyChat contact and
 * campaign event to all of its destinations, so those go to every
 * configured sink, and configuring a sink is enough to start feeding it.
 * Signed webhooks are routed only by ROUTES: a default that sent them to
 * every configured sink would, on upgrade, start feeding queues, Odoo and
 * databases set up for ManyChat's events (make run's generated
 * configuration routes every source and kind to sql instead). Only
 * configured sinks are ever returned: a delivery to a destination with no
 * settings could never leave the spool.
 */
#ifndef HS_ROUTES_H
#define HS_ROUTES_H

#include <stddef.h>

struct hs_config;

#define HS_MAX_ROUTED_SINKS 16

/*
 * Fills out[] with the sink names (static strings) for source/kind and
 * returns how many, at most max.
 */
size_t hs_routes_resolve(const struct hs_config *cfg, const char *source,
                         const char *kind, const char **out, size_t max);
/* 1 if source/kind is routed to sink under the current configuration. */
int hs_routes_include(const struct hs_config *cfg, const char *source,
                      const char *kind, const char *sink);
/*
 * Checks ROUTES: 0 if every entry parses and names a known sink; -1 with
 * the first problem in why. Unconfigured sinks are reported too.
 */
int hs_routes_check(const struct hs_config *cfg, char *why, size_t n);

#endif
