/*
 * sinks/odoo/odoo.c - the odoo sink: settings, one login per run, and the
 * batch.
 *
 * The sink is self-paced (set_pacer): a batch makes several requests, and
 * each one - the login included - takes a token of the sink's bucket in
 * the spool, so ODOO_RATE holds across the requests of a run and across
 * runs. The login is made once per run, at the first batch, and its uid
 * is kept. A refused login stops the sink for the run: it is not tried
 * again (Odoo's login cooldown locks an address out after a few failures)
 * and no attempt is counted (HS_EAUTH).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/config.h"
#include "sinks/sink.h"
#include "sinks/odoo/odoo.h"
#include "core/banned.h"

#define URL_MAX		HS_ODOO_URL_MAX
#define WHO_MAX		(URL_MAX + 300)
#define WHY_MAX		1024

struct hs_sink {
	struct hs_odoo_rpc *rpc;
	struct hs_odoo_map map;
	char *db, *user, *password;
	char url[URL_MAX];
	char who[WHO_MAX];	/* "user 'u' on database 'd' at URL" */
	long uid;		/* 0: not logged in yet */
	int refused;		/* login refused: no request this run */
	char refused_why[WHY_MAX];
};

static void
odoo_close(struct hs_sink *s)
{
	if (!s)
		return;
	hs_odoo_rpc_settle(s->rpc);	/* before the run lets go of the sink */
	hs_odoo_rpc_free(s->rpc);
	free(s->db);
	free(s->user);
	if (s->password) {
		memset(s->password, 0, strlen(s->password));
		free(s->password);
	}
	free(s);
}

static enum hs_err
dup(char **out, const char *v)
{
	*out = strdup(v);
	return *out ? HS_OK : HS_ENOMEM;
}

static enum hs_err
odoo_open(struct hs_sink **out, const struct hs_config *cfg, char *why,
          size_t whylen)
{
	struct hs_odoo_settings st;
	struct hs_sink *s;
	enum hs_err rc;

	*out = NULL;
	if (!(s = calloc(1, sizeof(*s))))
		return HS_ENOMEM;
	rc = hs_odoo_settings_read(&st, cfg, why, whylen);
	if (rc == HS_OK)
		rc = dup(&s->db, st.db);
	if (rc == HS_OK)
		rc = dup(&s->user, st.user);
	if (rc == HS_OK)
		rc = dup(&s->password, st.password);
	if (rc == HS_OK) {
		s->map = st.map;
		snprintf(s->url, sizeof(s->url), "%s", st.url);
		rc = hs_odoo_rpc_new(&s->rpc, &st.rpc);
	}
	if (rc == HS_OK) {
		snprintf(s->who, sizeof(s->who), "user '%.100s' on database "
		         "'%.100s' at %s", s->user, s->db, s->url);
		*out = s;
		s = NULL;
	}
	odoo_close(s);
	return rc;
}

static void
odoo_set_pacer(struct hs_sink *s, struct hs_pacer *p)
{
	hs_odoo_rpc_set_pacer(s->rpc, p);
}

static void
all_retry(struct hs_outcome *out, size_t n, int64_t after_ms,
          const char *what)
{
	size_t i;

	for (i = 0; i < n; i++) {
		out[i].kind = HS_OUT_RETRY;
		out[i].retry_after_ms = after_ms;
		snprintf(out[i].error, sizeof(out[i].error), "%.255s", what);
	}
}

static struct json_object *
login_args(const struct hs_sink *s)
{
	struct json_object *a = json_object_new_array();

	if (!a || json_object_array_add(a, json_object_new_string(s->db)) ||
	    json_object_array_add(a, json_object_new_string(s->user)) ||
	    json_object_array_add(a, json_object_new_string(s->password)) ||
	    json_object_array_add(a, json_object_new_object())) {
		json_object_put(a);
		return NULL;
	}
	return a;
}

/*
 * common.authenticate, once per run. HS_OK with s->uid set; HS_EAUTH
 * (why set) when Odoo refused; HS_EAGAIN when the batch cannot go on now
 * (out[] then says why: not sent, or the transport error).
 */
static enum hs_err
login(struct hs_sink *s, int64_t now_ms, struct hs_outcome *out, size_t n)
{
	struct json_object *args = login_args(s);
	struct hs_odoo_reply r;
	char what[HS_ODOO_WHAT_LEN + 32];
	enum hs_err rc = args ? hs_odoo_call(s->rpc, "common", "authenticate",
	    args, now_ms, &r) : HS_ENOMEM;

	json_object_put(args);
	if (rc != HS_OK) {
		all_retry(out, n, -1, rc == HS_ETIMEOUT ? "not sent" :
		          hs_err_str(rc));
		for (size_t i = 0; rc == HS_ETIMEOUT && i < n; i++)
			out[i].kind = HS_OUT_UNSENT;	/* time ran out */
		return HS_EAGAIN;
	}
	if (r.cls == HS_ODOO_OK && json_object_is_type(r.result, json_type_int)
	    && json_object_get_int64(r.result) > 0)
		s->uid = (long)json_object_get_int64(r.result);
	else if (r.cls == HS_ODOO_OK)	/* false: bad login or password */
		snprintf(s->refused_why, sizeof(s->refused_why), "odoo refused "
		         "the login of %s: wrong ODOO_USERNAME (or ODOO_USER) "
		         "or ODOO_PASSWORD (password or API key); not tried "
		         "again this run, "
		         "Odoo locks an address out after repeated failures",
		         s->who);
	else if (r.cls != HS_ODOO_RETRY)
		snprintf(s->refused_why, sizeof(s->refused_why), "odoo refused "
		         "the login of %.600s: %s", s->who, r.what);
	else {
		snprintf(what, sizeof(what), "login: %s", r.what);
		all_retry(out, n, r.retry_after_ms, what);
	}
	hs_odoo_reply_release(&r);
	if (s->refused_why[0])
		s->refused = 1;
	return s->uid > 0 ? HS_OK : s->refused ? HS_EAUTH : HS_EAGAIN;
}

static enum hs_err
odoo_deliver(struct hs_sink *s, const struct hs_delivery *in, size_t n,
             int64_t now_ms, struct hs_outcome *out, char *why,
             size_t whylen)
{
	struct hs_odoo_ctx ctx;
	enum hs_err rc = HS_OK;

	if (n == 0)
		return HS_OK;
	if (!s->refused && s->uid == 0)
		rc = login(s, now_ms, out, n);
	if (s->refused) {
		all_retry(out, n, -1, "not sent: odoo refused the login");
		snprintf(why, whylen, "%s", s->refused_why);
		return HS_EAUTH;
	}
	if (rc != HS_OK)
		return HS_OK;	/* out[] says why: retry */
	memset(&ctx, 0, sizeof(ctx));
	ctx.rpc = s->rpc;
	ctx.map = &s->map;
	ctx.db = s->db;
	ctx.password = s->password;
	ctx.who = s->who;
	ctx.uid = s->uid;
	ctx.now_ms = now_ms;
	return hs_odoo_batch(&ctx, in, n, out, why, whylen);
}

const struct hs_sink_ops hs_sink_odoo = {
	.name = "odoo",
	.what = "Odoo JSON-RPC: ManyChat contacts upserted into "
	        "manychat.contact, campaign assignments into manychat.state",
	.rate_key = "ODOO_RATE",
	.batch_key = "ODOO_BATCH",
	.keys = hs_odoo_keys,
	.required = hs_odoo_required,
	.configured = hs_odoo_configured,
	.open = odoo_open,
	.deliver = odoo_deliver,
	.close = odoo_close,
	.set_pacer = odoo_set_pacer,
	.probe = hs_odoo_probe,
};
