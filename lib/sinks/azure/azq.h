/*
 * sinks/azure/azq.h - what the Azure Queue client's layers share: limits,
 * options, one request's result and the texts a peek or get decodes.
 *
 * queue.h (the client), http.h (the transfer engine) and wire.h (bodies
 * and the outcome table) all speak these types. They live here, below
 * all three, so that queue.c may use the engine and the wire while
 * neither of them includes queue.h back: no include cycle.
 */
#ifndef HS_AZURE_AZQ_H
#define HS_AZURE_AZQ_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define HS_AZQ_VERSION		"2025-11-05"	/* x-ms-version sent */
#define HS_AZQ_TEXT_MAX		65536	/* encoded MessageText, chars */
#define HS_AZQ_RAW_MAX		49152	/* raw bytes that fit base64'd */
#define HS_AZQ_PEEK_MAX		32	/* numofmessages 1..32 */
#define HS_AZQ_INFLIGHT_MAX	64	/* cap on opts.max_in_flight */
#define HS_AZQ_RESP_MAX		(4L * 1024 * 1024)	/* response body */

#define HS_AZQ_ID_LEN		72	/* MessageId (a GUID) + NUL */
#define HS_AZQ_CODE_LEN		48
#define HS_AZQ_REASON_LEN	160
#define HS_AZQ_WHY_LEN		160	/* suggested size for why[] */

enum hs_azq_outcome {
	HS_AZQ_DONE = 0,	/* 2xx: stored (or queue exists) */
	HS_AZQ_RETRY,		/* 5xx, 408, 429, network, timeout */
	HS_AZQ_PERMANENT,	/* other 4xx, too big: dead-letter */
	HS_AZQ_AUTH,		/* 401/403: stop the run, burn nothing */
	HS_AZQ_NO_QUEUE,	/* 404 QueueNotFound */
};

/* What happened to one request. Plain data; no secrets in any field. */
struct hs_azq_result {
	enum hs_azq_outcome outcome;
	int status;			/* HTTP status; 0 if none arrived */
	int64_t retry_after_ms;		/* from Retry-After, else -1 */
	char message_id[HS_AZQ_ID_LEN];	/* Put Message receipt, or "" */
	char code[HS_AZQ_CODE_LEN];	/* "QueueNotFound", "Timeout", "" */
	char reason[HS_AZQ_REASON_LEN];	/* first line of the error, "" */
};

/* Decoded message texts from a peek or get; the caller embeds it. */
struct hs_azq_texts {
	size_t n;
	char *text[HS_AZQ_PEEK_MAX];	/* NUL-terminated, owned */
	size_t len[HS_AZQ_PEEK_MAX];
	char id[HS_AZQ_PEEK_MAX][HS_AZQ_ID_LEN];
};

struct hs_azq_opts {
	long connect_timeout_ms;	/* default 5000; 1..120000 */
	long timeout_ms;		/* one request; 30000; 1..600000 */
	int max_in_flight;		/* default 16; 1..HS_AZQ_INFLIGHT_MAX */
	long message_ttl_s;		/* default 604800; -1 never; >= 1 */
	const char *ca_file;		/* NULL: system CA store; copied */
};

/* 1 if name is a valid queue name (3-63 of [a-z0-9-], §1.1), else 0. */
int hs_azq_queue_name_ok(const char *name);

void hs_azq_texts_init(struct hs_azq_texts *t);
void hs_azq_texts_release(struct hs_azq_texts *t);

/* HS_OK, HS_EAGAIN (HS_ETIMEOUT for "Timeout"), HS_EPEER, HS_EAUTH,
 * HS_ENOTFOUND. */
enum hs_err hs_azq_outcome_err(const struct hs_azq_result *res);
/* "done", "retry", "permanent", "auth", "no-queue". Static. */
const char *hs_azq_outcome_str(enum hs_azq_outcome o);

#endif
