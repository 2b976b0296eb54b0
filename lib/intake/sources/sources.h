/*
 * intake/sources/sources.h - the inbound webhook families.
 */
#ifndef HS_SOURCES_H
#define HS_SOURCES_H

#include "front/app.h"
#include "intake/ingest.h"

/* ManyChat External Request, X-API-KEY (seed 000). */
extern const struct hs_source hs_source_manychat_contact;
extern const struct hs_source hs_source_manychat_campaign;
/* Generic webhooks signed with x-webhook-signature (seed 001). */
extern const struct hs_source hs_source_signed;

/* Every source above, NULL-terminated (intake/sources/registry.c). */
extern const struct hs_source *const hs_source_registry[];

#endif
