/*
 * sinks/azure/queue.h - Azure Storage Queue client: the Azure Queue sink's
 * wire.
 *
 * The sync engine hands a batch of event texts to hs_azq_put_batch() and
 * gets one outcome per message back: done (with the MessageId as the
 * receipt), retry (with Retry-After if the server sent one), permanent,
 * auth failure (stop the sink run, burn no attempts) or queue missing
 * (create it and retry once). Messages travel concurrently over reused
 * connections (curl multi), so one cron run can move thousands of
 * messages a second; everything else (claiming, buckets, backoff, dead
 * letters) stays in the engine.
 *
 * Wire rules are protocols.md §1: SharedKey or SAS, x-ms-version
 * 2025-11-05, base64 of the UTF-8 text inside <QueueMessage>, at most
 * 65 536 encoded chars. Time comes in as now_ms (x-ms-date, Retry-After);
 * nothing here reads the clock. TLS peers are always verified.
 *
 * The types below the client's functions (limits, options, results,
 * decoded texts) are in sinks/azure/azq.h, shared with the engine and the
 * wire; this header includes it.
 */
#ifndef HS_AZURE_QUEUE_H
#define HS_AZURE_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "sinks/azure/azq.h"

/* One message: the event's UTF-8 JSON text. Borrowed. */
struct hs_azq_msg {
	const void *data;
	size_t len;
};

struct hs_azq;

void hs_azq_opts_default(struct hs_azq_opts *o);

/*
 * Parses the connection string (sinks/azure/conn.h) and prepares the
 * connection pool. o NULL means defaults. On HS_ECONFIG / HS_EINVAL why
 * (whylen bytes) says what is wrong, never quoting a key. *out is the
 * caller's: hs_azq_close().
 */
enum hs_err hs_azq_open(struct hs_azq **out, const char *conn_string,
                        const struct hs_azq_opts *o, char *why,
                        size_t whylen) HS_MUST_CHECK;
void hs_azq_close(struct hs_azq *q);

/*
 * Puts msgs[0..n) on queue, up to max_in_flight at a time, and fills
 * out[0..n) - always all of them, whatever the return value. A message
 * whose encoded text exceeds HS_AZQ_TEXT_MAX is PERMANENT without a
 * request. x-ms-date is now_ms for every message, so keep batches short
 * enough to finish within Azure's 15-minute window. Returns HS_OK, or
 * HS_EINVAL for a bad queue name (every out[i] PERMANENT), or HS_ENOMEM /
 * HS_EIO if the transfer engine itself failed (unsent ones are RETRY).
 */
enum hs_err hs_azq_put_batch(struct hs_azq *q, const char *queue,
                             const struct hs_azq_msg *msgs, size_t n,
                             int64_t now_ms, struct hs_azq_result *out)
	HS_MUST_CHECK;

/*
 * Single requests. Each fills *res and returns hs_azq_outcome_err() of
 * its outcome (HS_OK when done), or HS_EINVAL for a bad queue name or
 * argument.
 */
enum hs_err hs_azq_put(struct hs_azq *q, const char *queue,
                       const struct hs_azq_msg *msg, int64_t now_ms,
                       struct hs_azq_result *res) HS_MUST_CHECK;
/* 201, 204 and 409 QueueAlreadyExists are all done. */
enum hs_err hs_azq_create_queue(struct hs_azq *q, const char *queue,
                                int64_t now_ms, struct hs_azq_result *res)
	HS_MUST_CHECK;
enum hs_err hs_azq_delete_queue(struct hs_azq *q, const char *queue,
                                int64_t now_ms, struct hs_azq_result *res)
	HS_MUST_CHECK;
/* x-ms-approximate-messages-count into *count. */
enum hs_err hs_azq_count(struct hs_azq *q, const char *queue,
                         int64_t now_ms, long *count,
                         struct hs_azq_result *res) HS_MUST_CHECK;
/*
 * Peek (visibility unchanged) or get (hidden for visibility_s seconds)
 * up to max (1..HS_AZQ_PEEK_MAX) messages, base64-decoded into *t, which
 * the caller has initialised; texts already in *t are released first.
 */
enum hs_err hs_azq_peek(struct hs_azq *q, const char *queue, int max,
                        int64_t now_ms, struct hs_azq_texts *t,
                        struct hs_azq_result *res) HS_MUST_CHECK;
enum hs_err hs_azq_get(struct hs_azq *q, const char *queue, int max,
                       long visibility_s, int64_t now_ms,
                       struct hs_azq_texts *t, struct hs_azq_result *res)
	HS_MUST_CHECK;

#endif
