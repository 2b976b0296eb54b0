/*
 * intake/internal.h - the checks intake/ingest.c runs in order. Each returns 0
 * to go on, or -1 after setting the error answer in rs.
 */
#ifndef HS_INGEST_INTERNAL_H
#define HS_INGEST_INTERNAL_H

#include "intake/ingest.h"

int ingest_check_config(struct hs_app *app, const struct hs_source *src,
                        struct hs_response *rs);
int ingest_check_rate(struct hs_app *app, const struct hs_source *src,
                      struct hs_request *r, struct hs_response *rs);
int ingest_check_api_key(struct hs_app *app, const struct hs_source *src,
                         const struct hs_request *r, struct hs_response *rs);
int ingest_check_length(struct hs_app *app, const struct hs_request *r,
                        struct hs_response *rs);
int ingest_check_media_type(const struct hs_request *r,
                            struct hs_response *rs);
int ingest_check_signature(struct hs_app *app, const struct hs_source *src,
                           const struct hs_request *r,
                           const struct hs_buf *body,
                           struct hs_response *rs);

/* The headers kept with an event: the pipeline's, then the source's.
 * Owned by the caller (json_object_put). */
struct json_object *ingest_kept_headers(const struct hs_source *src,
                                        const struct hs_request *r);
/*
 * Stores a's items (a->multi) in one transaction and answers 200 with
 * their counts, or 503 + Retry-After when the spool fails (intake/batch.c).
 */
void ingest_store_many(struct hs_app *app, const struct hs_source *src,
                       const struct hs_request *r,
                       const struct hs_accepted *a, struct hs_response *rs);

#endif
