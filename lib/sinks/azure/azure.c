/*
 * sinks/azure/azure.c - the Azure Storage Queue sinks: azure_queue and
 * dead_letter.
 *
 * Both send the queue envelope (hs_envelope) through one hs_azq client;
 * they differ only in which queue a delivery goes to and in the
 * "dead_reason" field the dead-letter copy carries, so one module with a
 * mode serves both. A batch is split by queue and sent in chunks of at
 * most CHUNK messages, so memory is bounded by CHUNK * HS_AZQ_RAW_MAX
 * whatever AZURE_QUEUE_BATCH says. An envelope over HS_AZQ_RAW_MAX is
 * dead, never truncated. A missing queue is created once per call (if
 * AZURE_QUEUE_CREATE) and its messages resent once. A credential refusal
 * stops the call with HS_EAUTH: the engine burns no attempt.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "sinks/azure/conn.h"
#include "sinks/azure/queue.h"
#include "core/buf.h"
#include "core/caps.h"
#include "core/config.h"
#include "sinks/sink.h"
#include "sinks/azure/azure.h"
#include "sinks/azure/probe.h"
#include "core/banned.h"

/* The configuration keys this module reads. */
static const struct hs_conf_key azure_keys[] = {
	{ "AZURE_QUEUE_CONTACT", HS_CONF_STR, "manychat-contact-queue", 0, 0,
	  "queue of ManyChat contact events" },
	{ "AZURE_QUEUE_CAMPAIGN", HS_CONF_STR, "manychat-campaign-queue", 0, 0,
	  "queue of ManyChat campaign-assignment events" },
	{ "AZURE_QUEUE_DEFAULT", HS_CONF_STR, "hookspool-events", 0, 0,
	  "queue of every other kind routed to azure_queue" },
	{ "AZURE_QUEUE_CREATE", HS_CONF_BOOL, "true", 0, 0,
	  "create a missing queue (false: its deliveries go dead)" },
	{ "AZURE_DEAD_LETTER_QUEUE", HS_CONF_STR, "", 0, 0,
	  "also push dead events to this queue (seed: dead-letter-queue)" },
	{ "AZURE_QUEUE_RATE", HS_CONF_INT, "2000", 1, 100000,
	  "messages per second to Azure, shared by every run" },
	{ "AZURE_QUEUE_BATCH", HS_CONF_INT, "256", 1, 10000,
	  "deliveries claimed per batch" },
	{ "AZURE_QUEUE_CONCURRENCY", HS_CONF_INT, "16", 1, 64,
	  "requests in flight at once" },
	{ "AZURE_QUEUE_TIMEOUT_MS", HS_CONF_INT, "10000", 100, 600000,
	  "timeout of one request" },
	{ "AZURE_QUEUE_MESSAGE_TTL", HS_CONF_INT, "604800", -1, 2147483647,
	  "message time-to-live in seconds (-1: never expires)" },
	{ "AZURE_STORAGE_CONNECTION_STRING", HS_CONF_SECRET, NULL, 0, 0,
	  "Azure Storage account for the queue sink" },
	{ NULL, HS_CONF_STR, NULL, 0, 0, NULL }
};

#define CHUNK		512	/* messages built and sent at once */
#define NQUEUE		3	/* contact, campaign, default */
#define WHO_LEN		(HS_AZQ_ACCOUNT_MAX + 96)
/* An envelope is the body plus a few short escaped strings. */
#define ENV_MAX		(HS_MAX_BODY_HARD + 64L * 1024)

enum mode { M_QUEUE, M_DEAD_LETTER };

struct hs_sink {
	enum mode mode;
	struct hs_azq *q;
	char *queue[NQUEUE];	/* M_DEAD_LETTER uses queue[0] only */
	int create;
	char who[WHO_LEN];	/* "account 'x'" or "endpoint 'u'" */
	struct hs_buf env;	/* one envelope */
	struct hs_buf arena;	/* a chunk's messages, back to back */
	size_t off[CHUNK];
	size_t idx[CHUNK];	/* chunk slot -> index into in[] */
	struct hs_azq_msg msg[CHUNK];
	struct hs_azq_result res[CHUNK];
	/* A missing queue's messages, resent after creating it. */
	size_t slot[CHUNK];
	struct hs_azq_msg redo[CHUNK];
	struct hs_azq_result again[CHUNK];
};

static const char *const queue_key[NQUEUE] = {
	"AZURE_QUEUE_CONTACT", "AZURE_QUEUE_CAMPAIGN", "AZURE_QUEUE_DEFAULT",
};

/* Configuration --------------------------------------------------------- */

static const char *const queue_required[] = {
	"AZURE_STORAGE_CONNECTION_STRING", NULL
};
/* A dead-letter queue named without an account would be silently off. */
static const char *const dead_letter_required[] = {
	"AZURE_STORAGE_CONNECTION_STRING", "AZURE_DEAD_LETTER_QUEUE", NULL
};

static int
queue_configured(const struct hs_config *cfg)
{
	return hs_config_has(cfg, "AZURE_STORAGE_CONNECTION_STRING");
}

static int
dead_letter_configured(const struct hs_config *cfg)
{
	return hs_config_has(cfg, "AZURE_STORAGE_CONNECTION_STRING") &&
	    hs_config_has(cfg, "AZURE_DEAD_LETTER_QUEUE");
}

static void
fill_opts(const struct hs_config *cfg, struct hs_azq_opts *o)
{
	hs_azq_opts_default(o);
	o->max_in_flight = (int)hs_config_int(cfg, "AZURE_QUEUE_CONCURRENCY");
	o->timeout_ms = hs_config_int(cfg, "AZURE_QUEUE_TIMEOUT_MS");
	if (o->connect_timeout_ms > o->timeout_ms)
		o->connect_timeout_ms = o->timeout_ms;
	o->message_ttl_s = hs_config_int(cfg, "AZURE_QUEUE_MESSAGE_TTL");
}

/* Names the account (or, for a SAS without one, the endpoint) for errors.
 * The connection string is parsed again only for this; no key is kept. */
static void
fill_who(struct hs_sink *s, const char *cs)
{
	struct hs_azq_conn *c = NULL;
	char why[8];

	snprintf(s->who, sizeof(s->who), "the configured account");
	if (hs_azq_conn_parse(&c, cs, why, sizeof(why)) != HS_OK)
		return;
	if (*hs_azq_conn_account(c))
		snprintf(s->who, sizeof(s->who), "account '%s'",
		         hs_azq_conn_account(c));
	else
		snprintf(s->who, sizeof(s->who), "endpoint '%.80s'",
		         hs_azq_conn_base(c));
	hs_azq_conn_free(c);
}

static enum hs_err
set_queue(struct hs_sink *s, int i, const struct hs_config *cfg,
          const char *key, char *why, size_t whylen)
{
	const char *name = hs_config_get(cfg, key);

	if (!name || !hs_azq_queue_name_ok(name)) {
		snprintf(why, whylen, "%s '%.63s' is not a valid queue name "
		         "(3-63 of a-z, 0-9 and single '-' inside)", key,
		         name ? name : "");
		return HS_ECONFIG;
	}
	s->queue[i] = strdup(name);
	return s->queue[i] ? HS_OK : HS_ENOMEM;
}

static void
sink_close(struct hs_sink *s)
{
	int i;

	if (!s)
		return;
	hs_azq_close(s->q);
	for (i = 0; i < NQUEUE; i++)
		free(s->queue[i]);
	hs_buf_release(&s->env);
	hs_buf_release(&s->arena);
	free(s);
}

static enum hs_err
open_mode(struct hs_sink **out, const struct hs_config *cfg, enum mode m,
          char *why, size_t whylen)
{
	const char *cs = hs_config_get(cfg, "AZURE_STORAGE_CONNECTION_STRING");
	struct hs_azq_opts o;
	struct hs_sink *s;
	char azwhy[HS_AZQ_WHY_LEN] = "";
	enum hs_err rc = HS_OK;
	int i;

	*out = NULL;
	if (!(s = calloc(1, sizeof(*s))))
		return HS_ENOMEM;
	s->mode = m;
	s->create = hs_config_bool(cfg, "AZURE_QUEUE_CREATE");
	hs_buf_init(&s->env, ENV_MAX);
	hs_buf_init(&s->arena, (size_t)CHUNK * HS_AZQ_RAW_MAX);
	if (m == M_DEAD_LETTER)
		rc = set_queue(s, 0, cfg, "AZURE_DEAD_LETTER_QUEUE", why,
		               whylen);
	for (i = 0; m == M_QUEUE && i < NQUEUE && rc == HS_OK; i++)
		rc = set_queue(s, i, cfg, queue_key[i], why, whylen);
	fill_opts(cfg, &o);
	if (rc == HS_OK && o.message_ttl_s == 0) {
		snprintf(why, whylen, "AZURE_QUEUE_MESSAGE_TTL must be -1 or "
		         "at least 1 second");
		rc = HS_ECONFIG;
	}
	if (rc == HS_OK && !cs) {
		snprintf(why, whylen, "AZURE_STORAGE_CONNECTION_STRING is not "
		         "set");
		rc = HS_ECONFIG;
	}
	if (rc == HS_OK) {
		rc = hs_azq_open(&s->q, cs, &o, azwhy, sizeof(azwhy));
		if (rc == HS_ECONFIG || rc == HS_EINVAL) {
			snprintf(why, whylen, "AZURE_STORAGE_CONNECTION_STRING: "
			         "%s", azwhy);
			rc = HS_ECONFIG;
		}
	}
	if (rc == HS_OK) {
		fill_who(s, cs);
		*out = s;
		s = NULL;
	}
	sink_close(s);
	return rc;
}

static enum hs_err
queue_open(struct hs_sink **out, const struct hs_config *cfg, char *why,
           size_t whylen)
{
	return open_mode(out, cfg, M_QUEUE, why, whylen);
}

static enum hs_err
dead_letter_open(struct hs_sink **out, const struct hs_config *cfg,
                 char *why, size_t whylen)
{
	return open_mode(out, cfg, M_DEAD_LETTER, why, whylen);
}

static enum hs_probe
queue_probe(const struct hs_config *cfg, int64_t now_ms, long timeout_ms,
            char *detail, size_t n)
{
	return hs_azure_probe(cfg, "AZURE_QUEUE_CONTACT", now_ms, timeout_ms,
	                      detail, n);
}

static enum hs_probe
dead_letter_probe(const struct hs_config *cfg, int64_t now_ms,
                  long timeout_ms, char *detail, size_t n)
{
	return hs_azure_probe(cfg, "AZURE_DEAD_LETTER_QUEUE", now_ms,
	                      timeout_ms, detail, n);
}

/* Outcomes -------------------------------------------------------------- */

static int
queue_of(const struct hs_sink *s, const struct hs_delivery *d)
{
	if (s->mode == M_DEAD_LETTER)
		return 0;
	if (d->kind && strcmp(d->kind, "contact") == 0)
		return 0;
	if (d->kind && strcmp(d->kind, "campaign") == 0)
		return 1;
	return 2;
}

static void
set_out(struct hs_outcome *o, enum hs_outcome_kind k, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
set_out(struct hs_outcome *o, enum hs_outcome_kind k, const char *fmt, ...)
{
	va_list ap;

	o->kind = k;
	o->retry_after_ms = -1;
	o->receipt[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(o->error, sizeof(o->error), fmt, ap);
	va_end(ap);
}

/* "503 ServerBusy: the server is busy", "Timeout", or "no response". */
static void
describe(const struct hs_azq_result *r, char *buf, size_t n)
{
	int l = 0;

	buf[0] = '\0';
	if (r->status)
		l = snprintf(buf, n, "%d", r->status);
	if (*r->code && l >= 0 && (size_t)l < n)
		l += snprintf(buf + l, n - (size_t)l, "%s%s", l ? " " : "",
		              r->code);
	if (*r->reason && l >= 0 && (size_t)l < n)
		snprintf(buf + l, n - (size_t)l, "%s%s", l ? ": " : "",
		         r->reason);
	if (!*buf)
		snprintf(buf, n, "no response");
}

/* Maps a put result that is not NO_QUEUE or AUTH onto *o. */
static void
map_result(const char *queue, const struct hs_azq_result *r,
           struct hs_outcome *o)
{
	char what[HS_AZQ_CODE_LEN + HS_AZQ_REASON_LEN + 16];

	describe(r, what, sizeof(what));
	switch (r->outcome) {
	case HS_AZQ_DONE:
		set_out(o, HS_OUT_DONE, "%s", "");
		snprintf(o->receipt, sizeof(o->receipt), "%s", r->message_id);
		break;
	case HS_AZQ_RETRY:
		set_out(o, HS_OUT_RETRY, "queue '%s': %s", queue, what);
		o->retry_after_ms = r->retry_after_ms;
		break;
	case HS_AZQ_NO_QUEUE:
		set_out(o, HS_OUT_DEAD, "queue '%s' does not exist and "
		        "AZURE_QUEUE_CREATE is false (%s)", queue, what);
		break;
	default:
		set_out(o, HS_OUT_DEAD, "queue '%s': %s", queue, what);
		break;
	}
}

static enum hs_err
auth_failed(const struct hs_sink *s, const char *queue,
            const struct hs_azq_result *r, char *why, size_t whylen)
{
	char what[HS_AZQ_CODE_LEN + HS_AZQ_REASON_LEN + 16];

	describe(r, what, sizeof(what));
	snprintf(why, whylen, "azure storage %s refused our credentials on "
	         "queue '%s': %s", s->who, queue, what);
	return HS_EAUTH;
}

/* Encoding -------------------------------------------------------------- */

/*
 * Appends the message for d to s->arena. HS_ETOOBIG (with *size set, or
 * 0 when over ENV_MAX) when it cannot be sent whole.
 */
static enum hs_err
encode(struct hs_sink *s, const struct hs_delivery *d, size_t *size)
{
	struct json_object *js = NULL;
	const char *reason = "";
	size_t need;
	enum hs_err rc;

	*size = 0;
	hs_buf_reset(&s->env);
	rc = hs_envelope(d, &s->env);
	if (rc != HS_OK)
		return rc;
	need = s->env.len;
	if (s->mode == M_DEAD_LETTER) {
		js = json_object_new_string(d->dead_reason ? d->dead_reason : "");
		if (!js)
			return HS_ENOMEM;
		reason = json_object_to_json_string_ext(js,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
		/* {"dead_reason":R, + the envelope after its '{' */
		need += strlen("{\"dead_reason\":,") + strlen(reason) - 1;
	}
	*size = need;
	if (need > HS_AZQ_RAW_MAX)
		rc = HS_ETOOBIG;
	else if (s->mode == M_DEAD_LETTER) {
		rc = hs_buf_addf(&s->arena, "{\"dead_reason\":%s,", reason);
		if (rc == HS_OK)
			rc = hs_buf_add(&s->arena, s->env.data + 1,
			                s->env.len - 1);
	}
	else
		rc = hs_buf_add(&s->arena, s->env.data, s->env.len);
	json_object_put(js);
	return rc;
}

/* Chunk sending --------------------------------------------------------- */

static void
point_msgs(struct hs_sink *s, size_t m)
{
	size_t k, end;

	for (k = 0; k < m; k++) {
		end = k + 1 < m ? s->off[k + 1] : s->arena.len;
		s->msg[k].data = s->arena.data + s->off[k];
		s->msg[k].len = end - s->off[k];
	}
}

/*
 * Sends s->msg[0..m) to queue, creating it and resending once when it is
 * missing. Leaves one final result per message in s->res.
 */
static enum hs_err
send_chunk(struct hs_sink *s, const char *queue, size_t m, int64_t now_ms)
{
	struct hs_azq_result cr, *again = s->again;
	struct hs_azq_msg *redo = s->redo;
	size_t *slot = s->slot, k, r = 0;
	enum hs_err rc;

	rc = hs_azq_put_batch(s->q, queue, s->msg, m, now_ms, s->res);
	for (k = 0; k < m; k++)
		if (s->res[k].outcome == HS_AZQ_NO_QUEUE) {
			slot[r] = k;
			redo[r++] = s->msg[k];
		}
	if (rc != HS_OK || r == 0 || !s->create)
		return rc == HS_EINVAL ? HS_OK : rc;
	rc = hs_azq_create_queue(s->q, queue, now_ms, &cr);
	if (cr.outcome != HS_AZQ_DONE) {
		for (k = 0; k < r; k++)
			s->res[slot[k]] = cr;	/* why the create failed */
		return HS_OK;
	}
	rc = hs_azq_put_batch(s->q, queue, redo, r, now_ms, again);
	for (k = 0; k < r; k++) {
		s->res[slot[k]] = again[k];
		if (again[k].outcome == HS_AZQ_NO_QUEUE)	/* gone again */
			s->res[slot[k]].outcome = HS_AZQ_RETRY;
	}
	return rc == HS_EINVAL ? HS_OK : rc;
}

/*
 * Builds and sends in[] entries of queue qi from *next on, at most CHUNK
 * of them, and maps their outcomes. *next moves past what was handled.
 */
static enum hs_err
deliver_chunk(struct hs_sink *s, int qi, const struct hs_delivery *in,
              size_t n, size_t *next, int64_t now_ms, struct hs_outcome *out,
              char *why, size_t whylen)
{
	const char *queue = s->queue[qi];
	size_t i, m = 0, size, k;
	enum hs_err rc = HS_OK;

	hs_buf_reset(&s->arena);
	for (i = *next; i < n && m < CHUNK; i++) {
		if (queue_of(s, &in[i]) != qi)
			continue;
		s->off[m] = s->arena.len;
		rc = encode(s, &in[i], &size);
		if (rc == HS_ETOOBIG) {
			set_out(&out[i], HS_OUT_DEAD, "message for queue '%s' is "
			        "%s%zu bytes, over the %d-byte limit of an Azure "
			        "queue message (not truncated)", queue,
			        size ? "" : "over ", size ? size :
			        (size_t)ENV_MAX, HS_AZQ_RAW_MAX);
			continue;
		}
		if (rc != HS_OK) {
			set_out(&out[i], HS_OUT_RETRY, "cannot build message: %s",
			        hs_err_str(rc));
			continue;
		}
		s->idx[m++] = i;
	}
	*next = i;
	if (m == 0)
		return HS_OK;
	point_msgs(s, m);
	rc = send_chunk(s, queue, m, now_ms);
	for (k = 0; k < m; k++) {
		if (s->res[k].outcome == HS_AZQ_AUTH && rc != HS_EAUTH)
			rc = auth_failed(s, queue, &s->res[k], why, whylen);
		if (s->res[k].outcome == HS_AZQ_AUTH)
			set_out(&out[s->idx[k]], HS_OUT_RETRY, "not sent: "
			        "credentials refused");
		else
			map_result(queue, &s->res[k], &out[s->idx[k]]);
	}
	if (rc != HS_OK && rc != HS_EAUTH)
		snprintf(why, whylen, "queue '%s': %s", queue, hs_err_str(rc));
	return rc;
}

/*
 * Every out[i] is set whatever the result: entries not reached after a
 * refusal are RETRY "not sent".
 */
static enum hs_err
sink_deliver(struct hs_sink *s, const struct hs_delivery *in, size_t n,
             int64_t now_ms, struct hs_outcome *out, char *why,
             size_t whylen)
{
	enum hs_err rc = HS_OK;
	size_t i, next;
	int qi;

	for (i = 0; i < n; i++)
		set_out(&out[i], HS_OUT_RETRY, "not sent: a refusal stopped "
		        "the batch");
	for (qi = 0; qi < NQUEUE && rc != HS_EAUTH; qi++) {
		next = 0;
		while (s->queue[qi] && next < n && rc != HS_EAUTH)
			rc = deliver_chunk(s, qi, in, n, &next, now_ms, out,
			                   why, whylen);
	}
	/* A transfer-engine failure (ENOMEM, EIO) left RETRY outcomes with
	 * its reason: a per-delivery retry, not a reason to stop the sink. */
	return rc == HS_EAUTH ? HS_EAUTH : HS_OK;
}

const struct hs_sink_ops hs_sink_azure_queue = {
	.name = "azure_queue",
	.what = "Azure Storage Queue: contact, campaign and other events to "
	        "their queues",
	.rate_key = "AZURE_QUEUE_RATE",
	.batch_key = "AZURE_QUEUE_BATCH",
	.keys = azure_keys,
	.required = queue_required,
	.configured = queue_configured,
	.open = queue_open,
	.deliver = sink_deliver,
	.close = sink_close,
	.probe = queue_probe,
};

const struct hs_sink_ops hs_sink_dead_letter = {
	.name = "dead_letter",
	.what = "Azure Storage Queue: a copy of every dead event, with its "
	        "reason, to AZURE_DEAD_LETTER_QUEUE",
	.rate_key = "AZURE_QUEUE_RATE",
	.batch_key = "AZURE_QUEUE_BATCH",
	.dead_copies = 1,
	.required = dead_letter_required,
	.configured = dead_letter_configured,
	.open = dead_letter_open,
	.deliver = sink_deliver,
	.close = sink_close,
	.probe = dead_letter_probe,
};
