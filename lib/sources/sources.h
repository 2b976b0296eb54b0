/*
 * sources.h - the inbound webhook families and the health handler.
 */
#ifndef HS_SOURCES_H
#define HS_SOURCES_H

#include "app.h"
#include "ingest.h"

/* ManyChat External Request, X-API-KEY (seed 000). */
extern const struct hs_source hs_source_manychat_contact;
extern const struct hs_source hs_source_manychat_campaign;
/* Generic webhooks signed with x-webhook-signature (seed 001). */
extern const struct hs_source hs_source_signed;

/* GET /health and /webhook/health: spool reachability and counts. */
void hs_handle_health(struct hs_app *app, const struct hs_route *rt,
                      struct hs_request *r, struct hs_response *rs);

#endif
