/*
 * sinks/azure/http.h - the transfer engine under sinks/azure/queue.c
 * (internal).
 *
 * Runs n signed requests with at most max_in_flight at once on one curl
 * multi handle whose connections outlive a run, so a cron run pays the
 * TCP/TLS handshake once per connection, not once per message. Requests
 * are built lazily, one per free slot, so a batch of 10 000 messages
 * holds at most max_in_flight bodies in memory.
 */
#ifndef HS_AZURE_HTTP_H
#define HS_AZURE_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "sinks/azure/azq.h"
#include "sinks/azure/conn.h"
#include "sinks/azure/wire.h"
#include "core/err.h"

struct hs_azq_http;

/* One request as built for item i. */
struct hs_azq_req {
	const char *verb;		/* GET HEAD PUT POST DELETE; static */
	const char *rel;		/* "/{queue}..." after the endpoint
					 * prefix; borrowed for the run */
	const char *query;		/* without '?'; "" or NULL for none */
	char *body;			/* owned: the engine frees it */
	size_t body_len;
	const char *content_type;	/* sent and signed when non-NULL */
};

struct hs_azq_job {
	size_t n;
	void *ctx;
	/*
	 * Builds item i into *req. HS_OK sends it; anything else means *res
	 * is already final and nothing is sent for i.
	 */
	enum hs_err (*build)(void *ctx, size_t i, struct hs_azq_req *req,
	                     struct hs_azq_result *res);
	/*
	 * Optional. Called for each HTTP response after hs_azq_classify()
	 * has filled *res; may adjust it (409 on create, parse a body).
	 */
	void (*finish)(void *ctx, size_t i, const struct hs_azq_resp *resp,
	               struct hs_azq_result *res);
};

/* c is borrowed and must outlive h; o is copied (ca_file too). */
enum hs_err hs_azq_http_new(struct hs_azq_http **out,
                            const struct hs_azq_conn *c,
                            const struct hs_azq_opts *o) HS_MUST_CHECK;
void hs_azq_http_free(struct hs_azq_http *h);

/*
 * Runs job and fills out[0..job->n), every entry whatever happens: an
 * item whose transfer failed (no HTTP response) is RETRY with code
 * "CouldNotConnect", "Timeout", "TlsError", ... and status 0. Returns
 * HS_OK, or HS_ENOMEM / HS_EIO if the engine itself failed.
 */
enum hs_err hs_azq_http_run(struct hs_azq_http *h,
                            const struct hs_azq_job *job, int64_t now_ms,
                            struct hs_azq_result *out) HS_MUST_CHECK;

#endif
