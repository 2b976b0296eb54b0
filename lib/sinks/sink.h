/*
 * sinks/sink.h - the one small interface every destination implements.
 *
 * The sync engine owns claiming, rate buckets, backoff, per-key order and
 * dead letters; a sink only encodes a batch for its peer and reports one
 * outcome per delivery (DESIGN rule 6). Tests reach a local double through
 * configuration (a base URL or connection string), never #ifdef.
 */
#ifndef HS_SINK_H
#define HS_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct hs_config;
struct hs_conf_key;
struct hs_sink;		/* defined by each sink module */

/* One due delivery with its event. Every pointer is borrowed. */
struct hs_delivery {
	int64_t id;		/* deliveries.id */
	int64_t event_id;
	int attempts;		/* made before this one */
	const char *source;
	const char *kind;
	const char *idem_key;
	const char *entity_key;	/* may be NULL */
	const char *received_at;	/* ISO-8601 UTC */
	const void *body;	/* the raw request body */
	size_t body_len;
	/* For a sink that takes dead copies (hs_sink_ops.dead_copies):
	 * "sink: last error" of the delivery that went dead; NULL
	 * otherwise. */
	const char *dead_reason;
	/* Steps of this delivery that earlier attempts completed, as the
	 * sink reported them (hs_outcome.progress): a bot reply of two
	 * messages whose first went out resumes at the second. */
	int progress;
};

enum hs_outcome_kind {
	HS_OUT_DONE,		/* the peer has it */
	HS_OUT_RETRY,		/* try again later (retry_after_ms >= 0: hint) */
	HS_OUT_DEAD,		/* retrying cannot help */
	HS_OUT_UNSENT,		/* never left: the run's time ran out, or it
				 * waits behind another event of its key in
				 * this batch; no attempt is counted */
};

struct hs_outcome {
	enum hs_outcome_kind kind;
	int64_t retry_after_ms;	/* -1: no hint from the peer */
	char receipt[128];	/* the peer's id for it, for done */
	char error[256];	/* what went wrong; never a secret */
	/* Steps completed so far, whatever the outcome; the engine keeps it
	 * with the delivery (deliveries.progress). Starts at the delivery's
	 * progress. */
	int progress;
};

/*
 * For sinks that make several requests per batch (Odoo: search, create,
 * write): the engine then takes no tokens per delivery, and the sink calls
 * take() before each request. take() waits for n tokens of the sink's
 * bucket; HS_ETIMEOUT when the run's time is up first (the sink then
 * reports what it has not sent as retry), or a spool error.
 */
struct hs_pacer {
	enum hs_err (*take)(struct hs_pacer *p, long n);
	void *engine;
};

/* What a live probe found (spoolctl check). */
enum hs_probe {
	HS_PROBE_OK,
	HS_PROBE_WARN,		/* off, but deliveries can work */
	HS_PROBE_FAIL,		/* deliveries will not get through */
};

struct hs_sink_ops {
	const char *name;	/* "azure_queue" */
	const char *what;	/* one line for --help */
	const char *rate_key;	/* config key: requests per second */
	const char *batch_key;	/* config key: deliveries per batch */
	/* The configuration keys this sink reads (NULL name ends them); NULL
	 * when it reads only keys another sink declares. */
	const struct hs_conf_key *keys;
	/*
	 * The keys it cannot work without, "KEY" or "KEY|ALT" (either
	 * spelling; the first wins), NULL-terminated; NULL: none. Some but
	 * not all of them set is a configuration error that names the
	 * missing ones, reported by every program (core/config.h,
	 * hs_conf_need_at), so a sink is never half on and silently off.
	 */
	const char *const *required;
	/*
	 * 1: no route leads here; this sink receives a copy of each event
	 * whose delivery to another sink went dead, with dead_reason set
	 * (the sync engine's dead_copy setting, sync/engine.h).
	 */
	int dead_copies;
	/*
	 * 1: a chat sink. The handler that commits an event routed here
	 * attempts the delivery itself right after its answer has left
	 * (sync/immediate.h), through the same engine, leases and buckets;
	 * scheduled_sync stays the safety net.
	 */
	int immediate;
	/* 1 when the configuration names this destination. */
	int (*configured)(const struct hs_config *cfg);
	enum hs_err (*open)(struct hs_sink **out, const struct hs_config *cfg,
	                    char *why, size_t whylen);
	/*
	 * Delivers in[0..n) and fills out[0..n). HS_OK when every out[i] is
	 * set; HS_EAUTH (or HS_ECONFIG) when the peer refused our credentials
	 * or setup: the engine then stops this sink's run, counts no attempt
	 * and reports why.
	 */
	enum hs_err (*deliver)(struct hs_sink *s, const struct hs_delivery *in,
	                       size_t n, int64_t now_ms, struct hs_outcome *out,
	                       char *why, size_t whylen);
	void (*close)(struct hs_sink *s);
	/* NULL for sinks paced per delivery by the engine; otherwise called
	 * once after open() with the run's pacer (valid until close()). */
	void (*set_pacer)(struct hs_sink *s, struct hs_pacer *p);
	/*
	 * spoolctl check: one cheap request that changes nothing at the peer
	 * and tells whether it answers to our credentials, within timeout_ms.
	 * Fills detail (what was asked, what came back; never a secret).
	 * NULL: this sink has no live probe.
	 */
	enum hs_probe (*probe)(const struct hs_config *cfg, int64_t now_ms,
	                       long timeout_ms, char *detail, size_t n);
};

/* Every sink this build knows, NULL-terminated (lib/sinks/registry.c). */
extern const struct hs_sink_ops *const hs_sink_registry[];
/* The sink called name, or NULL. */
const struct hs_sink_ops *hs_sink_find(const char *name);
/* The configured sink that takes dead copies (the first), or NULL. */
const struct hs_sink_ops *hs_sink_dead_copy(const struct hs_config *cfg);

/*
 * The message every queue-like sink sends: the event's key, source,
 * kind, receive time and id, and the original payload verbatim:
 * {"idempotency_key":…,"source":…,"kind":…,"received_at":…,
 *  "event_id":…,"payload":{…}}. Appends to out (bounded by its cap).
 */
struct hs_buf;
enum hs_err hs_envelope(const struct hs_delivery *d, struct hs_buf *out)
	HS_MUST_CHECK;

#endif
