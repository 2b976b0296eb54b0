/*
 * intake/endpoints.h - the handler's route table, built from the sources.
 *
 * Each source declares its routes in its own file; the program asks for
 * one table made of every registered source's routes and the front's own
 * (health), so adding a source never touches the program.
 */
#ifndef HS_ENDPOINTS_H
#define HS_ENDPOINTS_H

#include <stddef.h>

#include "core/err.h"
#include "front/app.h"
#include "intake/ingest.h"

/*
 * Fills out[0..max) with the routes of each source in sources (NULL-
 * terminated), in order and each in its own order, then the routes of
 * front (ended by a NULL path), then the NULL-path end that
 * hs_app_dispatch() expects. A source's route gets the source as its arg
 * and hs_ingest unless it names its own handler. HS_ETOOBIG when they do
 * not fit (HS_MAX_ROUTES + 1 always fits the built-in sources). The table
 * borrows every string and source: they must outlive it.
 */
enum hs_err hs_endpoints_build(struct hs_route *out, size_t max,
                               const struct hs_source *const *sources,
                               const struct hs_route *front) HS_MUST_CHECK;

#endif
